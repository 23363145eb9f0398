"""Replays that must compute the traced function itself, at any point (issue 21, section 2).

A tape is traced at one point and replayed at others: interpreted, compiled, batched over numpy
arrays (``vmap``) and inside ``nn.fit(compile=True)``. Three seams let a replay compute another
function: a shift read out of the graph as a number (softmax and cross-entropy), a ``.data`` read
inside the traced function, and the batched replay computing in its inputs' dtype. The expected
numbers are worked out by hand with the math module.
"""

from __future__ import annotations

import math
import threading
from fractions import Fraction

import numpy as np
import pytest
import sympy
from weights import set_weights

import autograd
import nn
from autograd import Value, trace


def close(a: float, b: float, rel: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-300)


def replayed(path: str, tape: autograd.Tape, *inputs: float) -> tuple[float, tuple[float, ...]]:
    """The output and input gradients of ``tape`` at ``inputs`` on one replay path."""
    if path == "tape":
        return tape.value_and_grad(*inputs)
    if path == "compiled":
        return tape.compile().value_and_grad(*inputs)
    values, gradients = tape.vmap().value_and_grad(*(np.array([x]) for x in inputs))
    return float(values[0]), tuple(float(g[0]) for g in gradients)


PATHS = ["tape", "compiled", "vmap"]


# ---------------------------------------------------------------- the shift of softmax and
# cross-entropy is recomputed on every replay


def second_softmax(a: Value, b: Value) -> Value:
    return autograd.softmax([a, b])[1]


@pytest.mark.parametrize("path", PATHS)
def test_softmax_traced_at_zero_replays_exactly_at_minus_740(path: str) -> None:
    tape = trace(second_softmax, 0.0, 0.0)
    value, (d_a, d_b) = replayed(path, tape, -740.0, -745.0)
    # softmax([-740, -745])[1] = e**-5 / (1 + e**-5) = 1 / (1 + e**5); d s1/da = -s0 s1
    s1 = 1.0 / (1.0 + math.exp(5.0))
    s0 = 1.0 / (1.0 + math.exp(-5.0))
    assert close(value, s1)
    assert close(d_a, -s0 * s1) and close(d_b, s0 * s1)


@pytest.mark.parametrize("path", PATHS)
def test_softmax_traced_at_zero_replays_at_800_without_overflow(path: str) -> None:
    tape = trace(second_softmax, 0.0, 0.0)
    value, (d_a, d_b) = replayed(path, tape, 800.0, 801.0)
    s1 = 1.0 / (1.0 + math.exp(-1.0))  # e**801 / (e**800 + e**801)
    s0 = 1.0 - s1
    assert close(value, s1)
    assert close(d_a, -s0 * s1) and close(d_b, s0 * s1)


def cross_entropy_of_first(a: Value, b: Value) -> Value:
    return nn.losses.cross_entropy([a, b], 0)


@pytest.mark.parametrize("path", PATHS)
def test_cross_entropy_traced_at_zero_replays_at_1e16_as_log_2(path: str) -> None:
    tape = trace(cross_entropy_of_first, 0.0, 1.0)
    value, (d_a, d_b) = replayed(path, tape, 1e16, 1e16)
    # two equal logits: the loss is log 2, the gradient softmax - onehot = (-1/2, 1/2)
    assert close(value, math.log(2.0))
    assert (d_a, d_b) == (-0.5, 0.5)


@pytest.mark.parametrize("path", PATHS)
def test_cross_entropy_traced_at_large_logits_replays_exactly_near_zero(path: str) -> None:
    tape = trace(cross_entropy_of_first, 1e16, -1e16)
    value, (d_a, d_b) = replayed(path, tape, 0.0, math.log(3.0))
    # softmax(0, log 3) = (1/4, 3/4): loss -log(1/4), gradient (1/4 - 1, 3/4)
    assert close(value, math.log(4.0))
    assert close(d_a, -0.75) and close(d_b, 0.75)


def test_softmax_shift_prints_as_a_recorded_instruction() -> None:
    assert str(trace(second_softmax, 0.0, 0.0)).splitlines()[2] == "v2 = detached_max(v0, v1)"


def test_fit_compiled_trains_with_cross_entropy_at_logits_far_from_the_traced_ones() -> None:
    # Layer(1, 2) with weights (1, 1) and biases 0: the logits of x are (x, x), so every
    # sample's loss is log 2 and its gradient in the logits (-1/2, 1/2). The example traced
    # first is x = 1; the second sample's logits are 1e16, where floats are 2 apart.
    model = nn.Layer(1, 2, activation="linear")
    set_weights([n.w for n in model.neurons], [n.b for n in model.neurons],
                [[1.0], [1.0]], [0.0, 0.0])
    history = nn.fit(model, [[1.0], [1e16]], [0, 0], loss=nn.losses.cross_entropy,
                     optimizer=nn.optim.SGD(model.parameters(), lr=1.0), epochs=1,
                     progress=False, shuffle=False, compile=True)
    assert close(history.loss[0], math.log(2.0))
    # the step: w -= mean of (d/dz * x) = (-1/2, 1/2) * (1 + 1e16) / 2, b -= (-1/2, 1/2)
    (w0,), (w1,) = ([w.data for w in n.w] for n in model.neurons)
    b0, b1 = (n.b.data for n in model.neurons)
    assert close(w0, 1.0 + (1.0 + 1e16) / 4.0) and close(w1, 1.0 - (1.0 + 1e16) / 4.0)
    assert (b0, b1) == (0.5, -0.5)


def test_jvp_through_the_shift_is_softmaxs_exact_derivative() -> None:
    # d/dt softmax([t, 0])[0] = s0 * s1 at t = 800: the shift moves with t, no tangent
    _, tangent = autograd.jvp(lambda t: autograd.softmax([t, 800.0])[0], (800.5,), (1.0,))
    s0 = 1.0 / (1.0 + math.exp(-0.5))
    assert close(tangent, s0 * (1.0 - s0))


def test_symbolic_gradient_of_softmax_is_the_unshifted_derivative() -> None:
    x, y = Value(0.3, label="x"), Value(-1.2, label="y")
    derivative = autograd.symbolic_grad(autograd.softmax([x, y])[0], "x")
    sx, sy = sympy.symbols("x y", real=True)
    exact = sympy.diff(sympy.exp(sx) / (sympy.exp(sx) + sympy.exp(sy)), sx)
    point = {sympy.Symbol("x", real=True): Fraction(3, 10), sympy.Symbol("y", real=True):
             Fraction(-6, 5)}
    assert close(float(sympy.N(derivative.subs(point), 30)),
                 float(sympy.N(exact.subs({sx: point[sx], sy: point[sy]}), 30)))


def test_check_graph_passes_softmax_and_names_its_shift_as_declared_zero() -> None:
    a, b = Value(0.5, label="a"), Value(2.0, label="b")
    report = autograd.check_graph(autograd.softmax([a, b])[0])
    assert report.first_failure is None
    shift_rows = [row for row in report.rows if row.output.startswith("detached_max")]
    assert [row.analytic for row in shift_rows] == [0.0, 0.0]
    assert all("stops the gradient" in row.detail for row in shift_rows)


def test_check_graph_fails_a_stop_gradient_op_whose_rule_is_not_zero() -> None:
    leaky = autograd.ops.register(autograd.Op(
        "test_leaky_max", None, max, lambda grad, out, *xs: (grad,) * len(xs),
        "max with a gradient, declared as stopping it", stops_gradient=True))
    try:
        root = autograd.core.value.apply(leaky, Value(1.0), Value(2.0))
        assert autograd.check_graph(root).first_failure is not None
    finally:
        autograd.ops.unregister("test_leaky_max")


# ---------------------------------------------------------------- .data inside a traced function


def test_reading_data_of_an_input_inside_a_traced_function_is_refused() -> None:
    with pytest.raises(TypeError, match=r"value\.data of 2\.0"):
        trace(lambda x: x * x.data, 2.0)


def test_reading_data_of_a_value_made_from_an_input_is_refused() -> None:
    with pytest.raises(TypeError, match=r"value\.data of 3\.0"):
        trace(lambda x: x * (x + 1.0).data, 2.0)


def test_reading_data_of_a_captured_weight_inside_a_traced_function_is_refused() -> None:
    w = Value(0.5, label="w")
    with pytest.raises(TypeError, match=r"value\.data of 0\.5 \(node 'w'\)"):
        trace(lambda x: x * w.data, 2.0)


def test_the_refusal_says_what_to_do() -> None:
    with pytest.raises(TypeError) as caught:
        trace(lambda x: x * x.data, 2.0)
    text = str(caught.value) + "".join(caught.value.__notes__)
    assert "keep it a Value" in text and "after trace() returns" in text


def test_data_reads_work_again_after_a_refused_trace() -> None:
    with pytest.raises(TypeError):
        trace(lambda x: x * x.data, 2.0)
    x = Value(2.0)
    assert (x * x).data == 4.0
    assert type(Value.__dict__["data"]).__name__ == "member_descriptor"


def test_a_thread_that_is_not_tracing_reads_data_while_another_traces() -> None:
    started, finished = threading.Event(), threading.Event()
    outcome: list[object] = []

    def waiting(x: Value) -> Value:
        started.set()
        assert finished.wait(30)
        return x * x

    worker = threading.Thread(target=lambda: outcome.append(trace(waiting, 3.0).forward(5.0)))
    worker.start()
    assert started.wait(30)
    here = Value(7.0)
    try:
        read = (here * 2.0).data  # this thread is not tracing
    finally:
        finished.set()
        worker.join(30)
    assert read == 14.0 and outcome == [25.0]


def test_library_reads_of_data_while_tracing_still_work() -> None:
    # binary_cross_entropy checks its probability's .data; its replay is the exact loss
    tape = trace(lambda z: nn.losses.binary_cross_entropy(z.sigmoid(), 1.0), 0.0)
    assert close(tape.forward(2.0), math.log1p(math.exp(-2.0)))


def test_a_loss_that_reads_its_target_as_a_number_refuses_a_traced_target() -> None:
    with pytest.raises(TypeError, match="hinge reads its target as a number"):
        trace(lambda score, target: nn.losses.hinge(score, target), 0.5, 1.0)


# ---------------------------------------------------------------- vmap computes in float64


def engine(f, *numbers: float) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in numbers]
    out = f(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def smooth(x: Value, y: Value) -> Value:
    return (x * y).exp() + x.sin() / y


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int32, np.int64, np.uint8])
def test_vmap_of_lower_precision_or_integer_arrays_gives_the_engines_numbers(dtype) -> None:
    fractions = np.dtype(dtype).kind == "f"
    xs = np.array([0.1, 1.3, 2.0] if fractions else [1, 2, 3], dtype=dtype)
    ys = np.array([0.7, 1.9, 3.0] if fractions else [2, 1, 3], dtype=dtype)
    values, (d_x, d_y) = trace(smooth, 1.0, 1.0).vmap().value_and_grad(xs, ys)
    assert values.dtype == np.float64
    for row in range(3):
        value, (e_x, e_y) = engine(smooth, float(xs[row]), float(ys[row]))
        assert close(values[row], value) and close(d_x[row], e_x) and close(d_y[row], e_y)


def test_vmap_of_float32_beyond_float32s_range_computes_in_float64() -> None:
    x = np.array([1e20], dtype=np.float32)
    values = trace(lambda v: v * v, 1.0).vmap().forward(x)
    assert values[0] == float(x[0]) * float(x[0])  # 1e40 overflows float32, not float64


def test_vmap_of_python_lists_of_ints_computes_in_float64() -> None:
    values = trace(lambda v: v / 3, 1.0).vmap().forward([1, 2])
    assert values.tolist() == [1 / 3, 2 / 3]


@pytest.mark.parametrize(("array", "dtype"), [
    (np.array([1.0 + 2.0j]), "complex128"),
    (np.array([Fraction(1, 3)], dtype=object), "object"),
    (np.array([True]), "bool"),
])
def test_vmap_refuses_a_dtype_float64_cannot_hold_naming_it(array, dtype: str) -> None:
    with pytest.raises(TypeError, match=rf"dtype {dtype}, not an array of real numbers.*float64"):
        trace(lambda v: v * v, 1.0).vmap().forward(array)


def test_vmap_refuses_longdouble_rather_than_rounding_it() -> None:
    array = np.array([1.5], dtype=np.longdouble) / 7
    tape = trace(lambda v: v * v, 1.0).vmap()
    if np.dtype(np.longdouble).itemsize > 8:  # x86 (80-bit), or quad precision
        with pytest.raises(TypeError, match=rf"dtype {array.dtype}, more precise than float64"):
            tape.forward(array)
    else:  # where longdouble is float64 itself, nothing is rounded
        assert tape.forward(array)[0] == float(array[0]) ** 2
