"""The tape: Wengert-list printout, replay on floats equal to the engine, guards, compile()."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from lookalikes import Float32Like, Int64Like

import autograd
import nn
from autograd import TapeBranchError, Value, no_grad, trace
from autograd.testing import expressions


def engine_value_and_grad(f, inputs):
    """The engine's own answer: the output and d output / d input for each input."""
    leaves = [Value(x) for x in inputs]
    out = f(*leaves)
    out.backward()
    return out.data, tuple(leaf.grad for leaf in leaves)


def summed(expression):
    """An expression with several outputs as one scalar (their sum)."""

    def f(*inputs):
        result = expression(*inputs)
        return autograd.sum(result) if isinstance(result, list) else result

    return f


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


# ---------------------------------------------------------------------------- the printout


def test_printout_of_a_small_function_is_the_numbered_wengert_list():
    tape = trace(lambda x, y: x * y + x.sin(), 2.0, 3.0)
    assert str(tape) == (
        "v0 = input[0]\n"
        "v1 = input[1]\n"
        "v2 = v0 * v1\n"
        "v3 = sin(v0)\n"
        "v4 = v2 + v3\n"
        "return v4"
    )


def test_printout_shows_parameters_constants_labels_and_guards():
    w = Value(0.5, label="w")

    def f(x):
        h = x * w
        h.label = "h"
        return max(h, x) ** 2 - 1.0

    tape = trace(f, 3.0)
    # Slots: the input, then leaves in the order the walk meets them (from the output first,
    # then from the guard's operands), then instructions. max(h, x) asked x > h: 3 > 1.5, True.
    assert str(tape) == (
        "v0 = input[0]\n"
        "v1 = parameter[0]  # 1.0\n"
        "v2 = parameter[1]  # w = 0.5\n"
        "v3 = v0 ** 2\n"
        "v4 = v3 - v1\n"
        "v5 = v0 * v2  # h\n"
        "assert v0 > v5\n"
        "return v4"
    )


# ---------------------------------------------------------------------------- replay = engine


@given(expressions(max_depth=3))
def test_replay_forward_and_gradients_equal_the_engine_on_random_expressions(example):
    expression, inputs = example
    f = summed(expression)
    value, gradients = engine_value_and_grad(f, inputs)
    replay_value, replay_gradients = trace(f, *inputs).value_and_grad(*inputs)
    assert close(replay_value, value)
    assert all(close(a, b) for a, b in zip(replay_gradients, gradients, strict=True))


@given(expressions(max_depth=3))
def test_compiled_tape_equals_the_interpreter_on_random_expressions(example):
    expression, inputs = example
    tape = trace(summed(expression), *inputs)
    value, gradients = tape.value_and_grad(*inputs)
    compiled_value, compiled_gradients = tape.compile().value_and_grad(*inputs)
    assert close(compiled_value, value)
    assert all(close(a, b) for a, b in zip(compiled_gradients, gradients, strict=True))


def test_replay_at_new_inputs_equals_the_engine_there():
    def f(x, y):
        return (x * y).tanh() + (x / y).exp() - y.log()

    tape = trace(f, 0.3, 1.7)
    for point in [(0.3, 1.7), (-1.2, 0.4), (2.0, 3.5)]:
        value, gradients = engine_value_and_grad(f, point)
        for replay in (tape, tape.compile()):
            replay_value, replay_gradients = replay.value_and_grad(*point)
            assert close(replay_value, value)
            assert all(close(a, b) for a, b in zip(replay_gradients, gradients, strict=True))


def test_grad_of_a_product_is_worked_out_by_hand():
    # f = x * y + sin x: df/dx = y + cos x = 3 + cos 2, df/dy = x = 2.
    tape = trace(lambda x, y: x * y + x.sin(), 0.0, 0.0)
    gx, gy = tape.grad(2.0, 3.0)
    assert close(gx, 3.0 + math.cos(2.0))
    assert gy == 2.0


def test_replay_reads_the_current_data_of_captured_parameters():
    w = Value(3.0)
    tape = trace(lambda x: w * x, 2.0)
    assert tape.forward(2.0) == 6.0
    w.data = 5.0
    assert tape.forward(2.0) == 10.0
    assert tape.compile().forward(2.0) == 10.0


def test_backward_accumulates_into_parameter_grads_like_value_backward():
    w, b = Value(3.0), Value(1.0)
    tape = trace(lambda x: (w * x + b) ** 2, 2.0)
    # (w x + b)**2 at w=3, x=2, b=1 is 49; d/dw = 2 (w x + b) x = 28, d/db = 2 (w x + b) = 14.
    assert tape.backward(2.0) == 49.0
    assert (w.grad, b.grad) == (28.0, 14.0)
    tape.compile().backward(2.0)
    assert (w.grad, b.grad) == (56.0, 28.0)


def mlp_setup():
    model = nn.MLP(2, [4, 4, 1], seed=3)
    points = [[0.5, -1.0], [1.5, 0.25], [-0.75, 0.8], [0.1, 0.2], [-1.1, -0.4], [0.9, 1.3]]
    labels = [1.0, -1.0, 1.0, -1.0, 1.0, -1.0]
    parameters = model.parameters()

    def loss():
        terms = [(1.0 - y * model(x)).relu() for x, y in zip(points, labels, strict=True)]
        return autograd.sum(terms) * (1.0 / len(terms)) + 1e-4 * autograd.dot(
            parameters, parameters)

    return model, parameters, loss


def engine_step(model, parameters, loss):
    model.zero_grad()
    value = loss()
    value.backward()
    return value.data, [p.grad for p in parameters]


@pytest.mark.parametrize("compiled", [False, True], ids=["interpreted", "compiled"])
def test_training_steps_replayed_from_a_tape_equal_the_engines(compiled):
    model, parameters, loss = mlp_setup()
    tape = trace(loss)
    replay = tape.compile() if compiled else tape
    for _ in range(3):  # the parameters change between steps: the replay must follow them
        value, gradients = engine_step(model, parameters, loss)
        model.zero_grad()
        replayed = replay.backward()
        assert close(replayed, value)
        assert all(close(p.grad, g) for p, g in zip(parameters, gradients, strict=True))
        for p in parameters:
            p.data -= 0.5 * p.grad


def test_results_after_the_first_are_evaluated_and_kept_in_latest():
    tape = trace(lambda x: [x * x, x + 1.0], 2.0)
    assert tape.forward(3.0) == 9.0
    assert tape.latest == [9.0, 4.0]


# ---------------------------------------------------------------------------- guards


def pick_larger(a, b):
    return max(a, b) * 2.0  # Python's max compares Values: a data-dependent branch


@pytest.mark.parametrize("compiled", [False, True], ids=["interpreted", "compiled"])
def test_replay_while_the_recorded_branch_holds_follows_it(compiled):
    tape = trace(pick_larger, 1.0, 2.0)  # max picked b
    replay = tape.compile() if compiled else tape
    assert replay.value_and_grad(1.5, 4.0) == (8.0, (0.0, 2.0))


@pytest.mark.parametrize("compiled", [False, True], ids=["interpreted", "compiled"])
def test_replay_whose_recorded_branch_no_longer_holds_raises(compiled):
    tape = trace(pick_larger, 1.0, 2.0)
    replay = tape.compile() if compiled else tape
    with pytest.raises(TapeBranchError, match=r"v1 > v0.*v1 = 1\.0.*v0 = 3\.0"):
        replay.forward(3.0, 1.0)


def test_comparison_with_a_constant_is_guarded_too():
    tape = trace(lambda x: x * 2.0 if x < 0.5 else x * 3.0, 0.0)
    assert tape.forward(0.25) == 0.5
    with pytest.raises(TapeBranchError):
        tape.forward(0.75)


def test_op_internal_branches_need_no_guard_and_replay_across_the_kink():
    tape = trace(lambda x, y: autograd.maximum(x, y) + (x - y).relu(), 3.0, 1.0)
    assert tape.guards == []
    # at x=1, y=3: maximum picks y (d/dy = 1) and relu(x - y) = 0 passes nothing.
    assert tape.value_and_grad(1.0, 3.0) == (3.0, (0.0, 1.0))


# ---------------------------------------------------------------------------- errors


def test_a_domain_error_on_replay_names_the_instruction():
    tape = trace(lambda x: x.log(), 1.0)
    pattern = r"(?s)log of non-positive value -1\.0.*tape instruction v1 = log\(v0\)"
    with pytest.raises(ValueError, match=pattern):
        tape.forward(-1.0)


def test_replay_with_the_wrong_number_of_inputs_raises_type_error():
    tape = trace(lambda x, y: x + y, 1.0, 2.0)
    with pytest.raises(TypeError, match="traced with 2 inputs, got 1"):
        tape.forward(1.0)


def test_tracing_a_function_that_returns_a_number_raises_type_error():
    with pytest.raises(TypeError, match="must return a Value"):
        trace(lambda x: 2.0, 1.0)


# ---------------------------------------------------------------------------- nn.fit(compile=True)


def train(compile_step):
    model = nn.MLP(2, [4, 1], seed=5)
    X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 0.8], [0.1, 0.2], [-1.1, -0.4], [0.9, 1.3]]
    y = [1, -1, 1, -1, 1, -1]
    history = nn.fit(model, X, y, loss=nn.losses.hinge,
                     optimizer=nn.optim.SGD(model.parameters(), lr=0.1), epochs=4, batch_size=3,
                     shuffle=False, progress=False, compile=compile_step,
                     penalty=lambda m: nn.losses.l2(m.parameters(), 1e-4))
    return history, [p.data for p in model.parameters()]


def test_fit_with_compile_trains_to_the_same_weights_and_history_as_the_engine():
    engine_history, engine_weights = train(False)
    tape_history, tape_weights = train(True)
    assert all(close(a, b) for a, b in zip(tape_weights, engine_weights, strict=True))
    assert all(close(a, b) for a, b in zip(tape_history.loss, engine_history.loss, strict=True))
    assert tape_history.accuracy == engine_history.accuracy


def test_tracing_the_same_value_as_two_inputs_is_refused():
    x = Value(1.0)
    with pytest.raises(ValueError, match="input 1 is the same Value as an earlier input"):
        autograd.trace(lambda a, b: a * b, x, x)


def _raised(action: Callable[[], Any]) -> BaseException:
    """The exception ``action`` raises (the test fails if it raises none)."""
    with pytest.raises(Exception) as caught:
        action()
    return caught.value


def test_a_compiled_neuron_with_3072_inputs_agrees_with_the_engine() -> None:
    from nn import Neuron

    neuron = Neuron(32 * 32 * 3, activation="tanh", seed=0)
    image = [((37 * i) % 256) / 255 for i in range(32 * 32 * 3)]
    compiled = trace(lambda *pixels: neuron(list(pixels)), *image).compile()
    pixels = [Value(p) for p in image]
    out = neuron(pixels)
    out.backward()
    assert compiled.value_and_grad(*image) == (out.data, tuple(p.grad for p in pixels))


@pytest.mark.parametrize("constant", [math.inf, math.nan])
def test_a_compiled_guard_against_a_non_finite_constant_holds_on_replay(constant: float) -> None:
    # x < inf is True and x < nan is False for every finite x; either way the branch taken is
    # 2 * x, whose derivative is 2.
    def f(x: Value) -> Value:
        return 2.0 * x if x < constant or constant != constant else 3.0 * x

    compiled = trace(f, 1.0).compile()
    assert compiled.grad(5.0) == (2.0,)


@pytest.mark.parametrize(("replay", "numbers"), [("forward", (0.5,)), ("grad", (1.0,))])
def test_a_compiled_replay_error_names_the_tape_instruction_as_the_interpreter_does(
    replay: str, numbers: tuple[float, ...],
) -> None:
    # v0 = x, v1 = the constant 1.0, v2 = v0 - v1, v3 = sqrt(v2). At x = 0.5 the forward of
    # sqrt fails (sqrt of -0.5); at x = 1 its rule fails going back (infinite at 0).
    tape = trace(lambda x: (x - 1.0).sqrt(), 3.0)
    interpreted = _raised(lambda: getattr(tape, replay)(*numbers))
    compiled = _raised(lambda: getattr(tape.compile(), replay)(*numbers))
    assert any("tape instruction v3 = sqrt(v2)" in note for note in compiled.__notes__)
    assert (type(compiled), str(compiled), compiled.__notes__) == (
        type(interpreted), str(interpreted), interpreted.__notes__)


def test_a_compiled_replay_whose_rule_fails_raises_instead_of_reusing_older_numbers() -> None:
    # sqrt(x - 1) has the derivative 0.25 at x = 5 and none at x = 1 (sqrt's rule raises at 0).
    tape = trace(lambda x: (x - 1.0).sqrt(), 5.0)
    assert tape.grad(5.0) == (0.25,)
    with pytest.raises(ZeroDivisionError, match="derivative of sqrt"):
        tape.compile().grad(1.0)


@pytest.mark.parametrize("compiled", [False, True], ids=["interpreted", "compiled"])
def test_a_replay_raises_where_the_engine_raises_on_an_intermediate_overflow(
    compiled: bool,
) -> None:
    # exp(400) ** 2 = e**800 > 1.8e308: every op is finite, the product overflows to inf.
    def f(x: Value) -> Value:
        return x.exp() * x.exp()

    engine = _raised(lambda: f(Value(400.0)))
    tape = trace(f, 1.0)
    replay = tape.compile() if compiled else tape
    error = _raised(lambda: replay.forward(400.0))
    assert (type(error), str(error)) == (OverflowError, str(engine))


@pytest.mark.parametrize("freeze", [
    lambda x: x * float(x),
    lambda x: x * x.detach(),
    lambda x: _under_no_grad(x),
], ids=["float(v)", "v.detach()", "an op under no_grad()"])
def test_trace_refuses_a_number_frozen_out_of_the_graph(freeze: Callable[[Value], Value]) -> None:
    with pytest.raises(TypeError, match="trace: .* keep it a Value .* outside the traced"):
        trace(freeze, 2.0)


def _under_no_grad(x: Value) -> Value:
    with no_grad():
        frozen = x * 3.0
    return x * frozen


def test_trace_and_its_replays_accept_numpy_scalars() -> None:
    # d/dx x**2 = 2x: 6 at x = 3, 4 at x = 2; forward at 5 is 25.
    tape = trace(lambda x: x * x, Float32Like(3.0))
    assert tape.grad(Int64Like(2)) == (4.0,)
    assert tape.compile().forward(Float32Like(5.0)) == 25.0
