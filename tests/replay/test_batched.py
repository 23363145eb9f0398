"""Tape.vmap: one traced example replayed over a batch equals the engine run row by row.

The reference is always the engine itself, row by row: ``f`` called on fresh Values for each
row, ``backward()`` per row (a parameter's ``.grad`` accumulates the sum over the rows), and the
float ``forward``/``rule`` of the op table for the array forms.
"""

from __future__ import annotations

import importlib
import math
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn
from autograd import OPS, TapeBranchError, Value, trace
from autograd.testing import expressions, values

TOLERANCE = 1e-12


def close(a, b, tolerance=TOLERANCE):
    return math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance)


def all_close(array, numbers, tolerance=TOLERANCE):
    return len(array) == len(numbers) and all(
        close(float(a), float(b), tolerance) for a, b in zip(array, numbers, strict=True))


def engine_rows(f, columns, parameters=()):
    """The engine row by row: outputs, per-row input gradients, summed parameter gradients."""
    for parameter in parameters:
        parameter.grad = 0.0
    outputs, gradients = [], []
    for row in zip(*columns, strict=True):
        leaves = [Value(float(x)) for x in row]
        out = f(*leaves)
        out.backward()
        outputs.append(out.data)
        gradients.append([leaf.grad for leaf in leaves])
    per_input = [list(column) for column in zip(*gradients, strict=True)]
    return outputs, per_input, [parameter.grad for parameter in parameters]


# ---------------------------------------------------------------------------- the op table


def array_cases():
    return [pytest.param(name, params, id=f"{name}-{params}" if params else name)
            for name, entry in OPS.items() if entry.array_forward is not None
            for params in entry.examples]


def kink_rows(entry, arity):
    """Rows exactly at the entry's kinks: 0 for relu/abs, ties for maximum/minimum."""
    if not entry.kinks:
        return []
    return [[0.0] * arity, [1.5] * arity, [-0.75] * arity]


@pytest.mark.parametrize(("name", "params"), array_cases())
@given(data=st.data())
def test_array_form_agrees_with_the_float_forward_and_rule_elementwise(name, params, data):
    entry = OPS[name].bind(**params) if params else OPS[name]
    arity = entry.arity if entry.arity is not None else entry.example_arity
    operand = [values(entry.input_domain(i), bound=3.0, margin=0.2) for i in range(arity)]
    rows = data.draw(st.lists(st.tuples(*operand).map(list), min_size=1, max_size=4))
    rows += kink_rows(entry, arity)
    seeds = data.draw(st.lists(values(bound=2.0), min_size=len(rows), max_size=len(rows)))
    columns = [np.array(column) for column in zip(*rows, strict=True)]
    outs = entry.array_forward(np, *columns)
    rules = entry.array_rule(np, np.array(seeds), outs, *columns)
    for index, row in enumerate(rows):
        out = entry.forward(*row)
        assert close(float(np.broadcast_to(outs, (len(rows),))[index]), out, 1e-13)
        expected = entry.rule(seeds[index], out, *row)
        for got, want in zip(rules, expected, strict=True):
            got_number = 0.0 if got is None else float(np.broadcast_to(got, (len(rows),))[index])
            assert close(got_number, 0.0 if want is None else want, 1e-13)


def test_relu_array_rule_at_zero_is_zero():
    (gradient,) = OPS["relu"].array_rule(np, np.ones(3), np.zeros(3), np.array([0.0, 1.0, -1.0]))
    assert gradient.tolist() == [0.0, 1.0, 0.0]


def test_maximum_array_rule_gives_a_tie_to_the_first_operand():
    a, b = np.array([2.0, 1.0, 3.0]), np.array([2.0, 5.0, 1.0])
    first, second = OPS["maximum"].array_rule(np, np.ones(3), np.maximum(a, b), a, b)
    assert first.tolist() == [1.0, 0.0, 1.0]
    assert second.tolist() == [0.0, 1.0, 0.0]


@pytest.mark.parametrize(("name", "params", "row"), [
    ("log", {}, (-1.0,)), ("log", {}, (0.0,)), ("sqrt", {}, (-4.0,)),
    ("truediv", {}, (1.0, 0.0)), ("pow", {"exponent": -1.5}, (0.0,)),
    ("pow", {"exponent": 0.5}, (-2.0,)), ("powv", {}, (-1.0, 2.0)), ("exp", {}, (1000.0,)),
    ("rpow", {"base": 2.0}, (5000.0,)), ("rpow", {"base": 0.0}, (2.0,)),
])
def test_where_the_float_forward_raises_the_array_form_is_not_finite(name, params, row):
    entry = OPS[name].bind(**params) if params else OPS[name]
    with pytest.raises((ArithmeticError, ValueError)):
        entry.forward(*row)
    with np.errstate(all="ignore"):
        out = entry.array_forward(np, *[np.array([x]) for x in row])
    assert not np.isfinite(out).all()


# ---------------------------------------------------------------------------- MLPs


def mlp_example():
    model = nn.MLP(3, [8, 8, 2], activation="tanh", seed=3)

    def f(x0, x1, x2):
        scores = model([x0, x1, x2])
        return (scores[0] - 0.5 * scores[1]).relu() + scores[1] * scores[1]

    rng = np.random.default_rng(0)
    columns = [rng.uniform(-2, 2, 12) for _ in range(3)]
    return model, f, columns


def test_mlp_values_and_input_gradients_equal_the_engine_row_by_row():
    model, f, columns = mlp_example()
    batched = trace(f, 0.1, 0.2, 0.3).vmap()
    outputs, gradients = batched.value_and_grad(*columns)
    expected_outputs, expected_gradients, _ = engine_rows(f, columns)
    assert all_close(outputs, expected_outputs)
    for got, want in zip(gradients, expected_gradients, strict=True):
        assert all_close(got, want)


def test_mlp_parameter_gradients_are_the_engine_backward_summed_over_rows():
    model, f, columns = mlp_example()
    parameters = model.parameters()
    _, _, expected = engine_rows(f, columns, parameters)
    batched = trace(f, 0.1, 0.2, 0.3).vmap()
    model.zero_grad()
    batched.backward(*columns)
    assert all_close([p.grad for p in parameters], expected)


def test_relu_mlp_hinge_step_equals_the_engine_including_dead_units():
    model = nn.MLP(2, [16, 16, 1], seed=0)

    def f(x0, x1, y):
        return (1.0 - y * model([x0, x1])).relu()

    points, labels = nn.data.make_moons(40, noise=0.1, seed=1)
    columns = [[p[0] for p in points], [p[1] for p in points], [float(t) for t in labels]]
    parameters = model.parameters()
    expected_outputs, _, expected = engine_rows(f, columns, parameters)
    model.zero_grad()
    outputs = trace(f, 0.0, 0.0, 1.0).vmap().backward(*columns)
    assert all_close(outputs, expected_outputs)
    assert all_close([p.grad for p in parameters], expected)


def test_backward_scales_the_summed_parameter_gradients_by_grad():
    model, f, columns = mlp_example()
    parameters = model.parameters()
    _, _, summed = engine_rows(f, columns, parameters)
    model.zero_grad()
    trace(f, 0.1, 0.2, 0.3).vmap().backward(*columns, grad=0.25)
    assert all_close([p.grad for p in parameters], [0.25 * g for g in summed])


def test_backward_with_one_seed_per_row_weights_each_row():
    w = Value(1.5)
    batched = trace(lambda x: (x * w).tanh(), 0.3).vmap()
    xs, seeds = [0.2, -0.4, 1.0], [1.0, 0.0, -2.0]
    batched.backward(xs, grad=seeds)
    expected = sum(s * x * (1.0 - math.tanh(1.5 * x) ** 2) for x, s in zip(xs, seeds, strict=True))
    assert close(w.grad, expected)


def test_backward_accumulates_onto_existing_parameter_gradients():
    w = Value(2.0)
    w.grad = 10.0
    trace(lambda x: x * w, 1.0).vmap().backward([1.0, 2.0, 3.0])
    assert w.grad == 16.0


def test_parameters_are_read_fresh_after_an_update():
    model, f, columns = mlp_example()
    batched = trace(f, 0.1, 0.2, 0.3).vmap()
    batched.forward(*columns)
    for parameter in model.parameters():
        parameter.data *= 0.5
    expected, _, _ = engine_rows(f, columns)
    assert all_close(batched.forward(*columns), expected)


def test_latest_holds_every_result_per_row():
    batched = trace(lambda x, y: [x * y, x + y], 1.0, 2.0).vmap()
    batched.forward([1.0, 2.0], [3.0, 5.0])
    assert [array.tolist() for array in batched.latest] == [[3.0, 10.0], [4.0, 7.0]]


def test_an_output_that_ignores_the_inputs_is_repeated_in_every_row():
    w = Value(3.0)
    values_, gradients = trace(lambda x: w * w, 1.0).vmap().value_and_grad([1.0, 2.0])
    assert values_.tolist() == [9.0, 9.0]
    assert gradients[0].tolist() == [0.0, 0.0]


# ---------------------------------------------------------------------------- random graphs


@given(expressions(max_depth=3), st.lists(st.floats(-1e-3, 1e-3), min_size=2, max_size=4))
def test_random_graphs_equal_the_engine_row_by_row(example, shifts):
    expression, inputs = example
    weights = [Value(1.0, label=f"w{i}") for i in range(len(inputs))]

    def f(*xs):
        result = expression(*[x * w for x, w in zip(xs, weights, strict=True)])
        return autograd.sum(result) if isinstance(result, list) else result

    columns = [[x] + [x + shift * (i + 1) for shift in shifts] for i, x in enumerate(inputs)]
    try:
        expected = engine_rows(f, columns, weights)
    except (ArithmeticError, ValueError) as error:  # a shifted row left an op's domain
        with pytest.raises(type(error)):
            trace(f, *inputs).vmap().backward(*columns)
        return
    batched = trace(f, *inputs).vmap()
    outputs, gradients = batched.value_and_grad(*columns)
    for weight in weights:
        weight.grad = 0.0
    batched.backward(*columns)
    assert all_close(outputs, expected[0])
    for got, want in zip(gradients, expected[1], strict=True):
        assert all_close(got, want)
    assert all_close([w.grad for w in weights], expected[2])


# ---------------------------------------------------------------------------- guards


def guarded():
    w = Value(0.5)

    def f(x):
        h = x * w
        return max(h, x) ** 2  # records the comparison x > h

    return w, f


def test_guards_that_hold_in_every_row_replay_the_recorded_branch():
    w, f = guarded()
    batched = trace(f, 3.0).vmap()
    assert batched.forward([1.0, 2.0, 4.0]).tolist() == [1.0, 4.0, 16.0]


def test_a_guard_that_flips_in_one_row_raises_naming_that_row():
    w, f = guarded()
    batched = trace(f, 3.0).vmap()
    with pytest.raises(TapeBranchError, match="in row 2 of the batch"):
        batched.forward([1.0, 2.0, -1.0, 4.0])


# ---------------------------------------------------------------------------- errors


def test_a_domain_error_in_one_row_is_the_engines_error_naming_instruction_and_row():
    batched = trace(lambda x: (x - 1.0).log(), 3.0).vmap()
    with pytest.raises(ValueError, match="log of non-positive value -0.5") as caught:
        batched.forward([3.0, 2.0, 0.5, 5.0])
    notes = " ".join(caught.value.__notes__)
    assert "row 2 of the batch" in notes
    assert "tape instruction v3 = log(v2)" in notes


def test_a_non_finite_intermediate_raises_overflow_naming_the_row():
    batched = trace(lambda x: x.exp() * 0.0, 1.0).vmap()
    with pytest.raises(OverflowError, match="exp") as caught:
        batched.forward([1.0, 800.0])
    assert "row 1 of the batch" in " ".join(caught.value.__notes__)


def test_sqrt_at_zero_raises_in_backward_only_where_a_gradient_reaches_it():
    batched = trace(lambda x, y: x.sqrt() * y, 1.0, 1.0).vmap()
    values_, (dx, dy) = batched.value_and_grad([0.0, 4.0], [0.0, 1.0])
    assert dx.tolist() == [0.0, 0.25]  # the engine runs no rule for a zero gradient
    with pytest.raises(ZeroDivisionError, match="derivative of sqrt") as caught:
        batched.value_and_grad([4.0, 0.0], [1.0, 1.0])
    assert "row 1 of the batch" in " ".join(caught.value.__notes__)


def test_a_non_finite_gradient_equals_the_engines_and_raises_under_detect_anomaly():
    batched = trace(lambda x: x.log(), 1.0).vmap()
    _, (gradient,) = batched.value_and_grad([1.0, 1e-320])
    assert gradient[1] == 1.0 / 1e-320 == math.inf
    with autograd.detect_anomaly(), pytest.raises(FloatingPointError) as caught:
        batched.value_and_grad([1.0, 1e-320])
    assert "row 1 of the batch" in " ".join(caught.value.__notes__)


def test_wrong_number_of_arrays_is_a_type_error():
    with pytest.raises(TypeError, match="traced with 2 inputs, got 1"):
        trace(lambda x, y: x * y, 1.0, 2.0).vmap().forward([1.0])


def test_arrays_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="same length"):
        trace(lambda x, y: x * y, 1.0, 2.0).vmap().forward([1.0, 2.0], [1.0])


@pytest.mark.parametrize(("array", "error", "message"), [
    ([1.0, math.nan], ValueError, "must be finite, got nan in row 1"),
    ([[1.0, 2.0]], ValueError, "1-D"),
    ([], ValueError, "1-D"),
    (["a", "b"], TypeError, "real numbers"),
    ([True, False], TypeError, "real numbers"),
    ("12", TypeError, "real numbers"),
])
def test_a_bad_input_array_is_refused_naming_it(array, error, message):
    with pytest.raises(error, match=message):
        trace(lambda x: x * 2.0, 1.0).vmap().forward(array)


def test_a_seed_with_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="one number per row"):
        trace(lambda x: x * 2.0, 1.0).vmap().backward([1.0, 2.0], grad=[1.0])


def test_an_op_without_an_array_form_raises_not_implemented_naming_it(registered):
    cube = registered("cube", lambda x: x**3, lambda grad, out, x: (grad * 3.0 * x * x,))
    tape = trace(lambda x: cube(x) + 1.0, 2.0)
    with pytest.raises(NotImplementedError, match="'cube' has no array form"):
        tape.vmap()


def test_a_tape_without_inputs_has_no_batch():
    w = Value(2.0)
    with pytest.raises(ValueError, match="no inputs"):
        trace(lambda: w * w).vmap()


def test_without_numpy_the_import_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "numpy", None)
    for module in ("autograd.replay.batched", "autograd.replay.batched_nodes"):  # as in a fresh
        monkeypatch.delitem(sys.modules, module, raising=False)  # process without numpy
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[batched\]'"):
        importlib.import_module("autograd.replay.batched")


# ---------------------------------------------------------------------------- nn.fit


def fit(compile_step, X, y, loss, nouts, shuffle=True):
    model = nn.MLP(len(X[0]), [6, nouts], seed=2)
    history = nn.fit(model, X, y, loss=loss, optimizer=nn.optim.SGD(model.parameters(), lr=0.1),
                     epochs=3, batch_size=4, shuffle=shuffle, seed=7, progress=False,
                     compile=compile_step, penalty=lambda m: nn.losses.l2(m.parameters(), 1e-3))
    return history, [p.data for p in model.parameters()]


@pytest.mark.parametrize(("loss", "targets", "nouts"), [
    (nn.losses.hinge, [1, -1, -1, 1, 1, -1, 1, -1, -1, 1], 1),
    (nn.losses.cross_entropy, [0, 2, 1, 1, 0, 2, 2, 0, 1, 0], 3),
    (nn.losses.mse, [0.5, -0.25, 1.0, 0.0, 0.75, -1.0, 0.1, 0.2, 0.3, -0.4], 1),
], ids=["hinge", "cross_entropy", "mse"])
def test_fit_with_compile_replays_batches_shuffled_to_the_engines_weights(loss, targets, nouts):
    rng = np.random.default_rng(4)
    X = rng.uniform(-1, 1, (10, 2)).tolist()
    engine_history, engine_weights = fit(False, X, targets, loss, nouts)
    batched_history, batched_weights = fit(True, X, targets, loss, nouts)
    assert all_close(batched_weights, engine_weights)
    assert all_close(batched_history.loss, engine_history.loss)
    assert batched_history.accuracy == engine_history.accuracy


def test_fit_with_compile_is_right_for_a_loss_that_reads_the_target_as_a_number():
    def loss(output, target):  # target.data: a constant in any trace, so no per-example replay
        return (output - float(target.data if isinstance(target, Value) else target)) ** 2

    X = [[0.1, 0.2], [0.5, -0.3], [-0.7, 0.4], [0.9, 0.9]]
    y = [0.5, -0.5, 1.5, 0.25]
    engine_history, engine_weights = fit(False, X, y, loss, 1, shuffle=False)
    batched_history, batched_weights = fit(True, X, y, loss, 1, shuffle=False)
    assert all_close(batched_weights, engine_weights)
    assert all_close(batched_history.loss, engine_history.loss)


def test_cross_entropy_of_a_classifier_equals_the_engine_row_by_row():
    model = nn.MLP(4, [5, 3], seed=1)

    def f(*pixels):  # shifted logits, log_sum_exp over all of them, minus the chosen one
        return nn.losses.cross_entropy(model(list(pixels)), 2)

    rng = np.random.default_rng(5)
    columns = [rng.uniform(-1, 1, 6) for _ in range(4)]
    parameters = model.parameters()
    expected_outputs, expected_gradients, expected = engine_rows(f, columns, parameters)
    batched = trace(f, 0.1, 0.2, 0.3, 0.4).vmap()
    outputs, gradients = batched.value_and_grad(*columns)
    model.zero_grad()
    batched.backward(*columns)
    assert all_close(outputs, expected_outputs)
    for got, want in zip(gradients, expected_gradients, strict=True):
        assert all_close(got, want)
    assert all_close([p.grad for p in parameters], expected)
