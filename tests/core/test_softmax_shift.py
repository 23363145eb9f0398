"""The shift of softmax and cross-entropy (``detached_max``, an op that stops the gradient) is
read from the graph, never frozen as a number: a tape traced at one point replays the exact
function at another (interpreted, compiled, batched, inside ``nn.fit(compile=True)``), forward
mode and sympy see softmax's own derivative, and check_graph treats the shift as declared zero.
The expected numbers are worked out by hand with the math module.
"""

from __future__ import annotations

import math
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
