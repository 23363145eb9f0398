"""Forward mode: ``jvp`` and ``jacfwd`` on dual numbers built from the op table.

The references are independent of forward mode: derivatives worked out by hand (in a comment
beside each test), reverse mode (``backward`` through ``autograd.jacobian``/``grad``) and central
differences of the function's values, over hand-picked functions and hypothesis graphs.
"""

from __future__ import annotations

import math
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Dual, Value, detect_anomaly, grad, jacfwd, jacobian, jvp
from autograd.testing import Expression, expressions

#: Central differences: step, and the tolerance |forward - numeric| <= ABS + REL * |numeric|.
STEP, ABS, REL = 1e-6, 1e-5, 1e-4
#: Forward against reverse mode: the same rules, summed in a different order.
CLOSE = {"rel_tol": 1e-9, "abs_tol": 1e-9}


def as_list(result: Any) -> list[Any]:
    return list(result) if isinstance(result, list | tuple) else [result]


def reverse_directional(function: Callable[..., Any], inputs: list[float],
                        direction: list[float]) -> list[float]:
    """sum_i d output / d x_i * direction_i for each output, by backward (autograd.jacobian)."""
    rows = as_list(jacobian(function, argnums=tuple(range(len(inputs))))(*inputs))
    if len(as_list(function(*inputs))) == 1:
        rows = [rows]  # one output: jacobian gave its gradient (a tuple), not a list of rows
    return [math.fsum(g * d for g, d in zip(row, direction, strict=True)) for row in rows]


def central_directional(function: Callable[..., Any], inputs: list[float],
                        direction: list[float]) -> list[float]:
    ahead = [x + STEP * d for x, d in zip(inputs, direction, strict=True)]
    behind = [x - STEP * d for x, d in zip(inputs, direction, strict=True)]
    up = [v.data for v in as_list(function(*ahead))]
    down = [v.data for v in as_list(function(*behind))]
    return [(a - b) / (2 * STEP) for a, b in zip(up, down, strict=True)]


@st.composite
def with_direction(draw: Any) -> tuple[Expression, list[float], list[float]]:
    function, inputs = draw(expressions())
    direction = [draw(st.floats(-1.0, 1.0)) for _ in inputs]
    return function, inputs, direction


# ---------------------------------------------------------------- jvp: worked by hand


def test_jvp_gives_the_value_and_the_derivative_along_an_axis():
    value, tangent = jvp(lambda x, y: x * y + y.sin(), (3.0, 0.5), (1.0, 0.0))
    assert value == 1.5 + math.sin(0.5)
    assert tangent == 0.5  # d/dx (xy + sin y) = y


def test_jvp_along_a_mixed_direction_weights_the_partials():
    # f = x**2 y: (df/dx, df/dy) = (2xy, x**2) = (12, 4) at (2, 3); direction (0.5, -2)
    _, tangent = jvp(lambda x, y: x * x * y, (2.0, 3.0), (0.5, -2.0))
    assert tangent == 12.0 * 0.5 + 4.0 * -2.0


def test_jvp_of_several_outputs_gives_one_tangent_each():
    value, tangent = jvp(lambda x: [x * x, x.exp()], (0.0,), (1.0,))
    assert (value, tangent) == ([0.0, 1.0], [0.0, 1.0])  # (2x, e**x) at 0


def test_jvp_keeps_a_tuple_output_a_tuple():
    assert jvp(lambda x: (x, -x), (1.0,), (1.0,)) == ((1.0, -1.0), (1.0, -1.0))


def test_jvp_of_a_list_argument_takes_a_list_tangent():
    # d/dt dot(w + t v, x) = dot(v, x) = 1*3 + 0*4
    _, tangent = jvp(lambda ws, xs: autograd.dot(ws, xs), ([1.0, 2.0], [3.0, 4.0]),
                     ([1.0, 0.0], [0.0, 0.0]))
    assert tangent == 3.0


def test_jvp_of_a_constant_output_has_a_zero_tangent():
    assert jvp(lambda x: 5.0, (1.0,), (1.0,)) == (5.0, 0.0)


def test_jvp_accepts_a_value_as_a_primal_and_uses_its_data():
    assert jvp(lambda x: x * x, (Value(3.0),), (1.0,)) == (9.0, 6.0)


def test_a_value_that_f_closes_over_is_a_constant():
    w = Value(3.0, label="w")
    assert jvp(lambda x: x * w + x / w, (2.0,), (1.0,)) == (6.0 + 2.0 / 3.0, 3.0 + 1.0 / 3.0)
    assert w.grad == 0.0 and w.parents == ()


def test_at_a_kink_jvp_takes_the_engines_convention():
    assert jvp(lambda x: x.relu(), (0.0,), (1.0,)) == (0.0, 0.0)  # relu'(0) = 0
    assert jvp(lambda x: abs(x), (0.0,), (1.0,)) == (0.0, 0.0)  # abs'(0) = 0
    assert jvp(lambda a, b: autograd.maximum(a, b), (1.0, 1.0), (1.0, 0.0))[1] == 1.0  # to a


def test_comparisons_look_at_the_primal():
    small, large = Dual(1.0, 5.0), Dual(2.0, 0.0)
    assert max([small, large]) is large
    assert small < 2 and small <= Value(1.0) and large > small and large >= 2.0


def test_python_max_routes_the_tangent_through_the_arg_max():
    # max-pooling: d max(a, b) / da = 0 and d/db = 1 where b is larger
    f = lambda a, b: max([a, b]) * 1.0  # noqa: E731
    assert jvp(f, (1.0, 2.0), (1.0, 0.0))[1] == 0.0
    assert jvp(f, (1.0, 2.0), (0.0, 1.0))[1] == 1.0


def test_a_registered_op_works_in_jvp_through_its_table_entry(registered):
    cube = registered("cube", lambda x: x**3, lambda grad, out, x: (grad * 3.0 * x * x,))
    assert jvp(lambda x: cube(x) + x, (2.0,), (1.0,)) == (10.0, 13.0)  # 3x**2 + 1


def test_a_zero_direction_raises_where_backward_raises():
    # sqrt'(0) is infinite and its rule raises. backward() raises for sqrt(x) at 0 (the gradient
    # 1 reaches sqrt), so forward mode raises too, along any direction (the two modes give the
    # same errors; see tests/transforms/test_mode_agreement.py)
    with pytest.raises(ZeroDivisionError):
        jvp(lambda x: x.sqrt(), (0.0,), (0.0,))


# ---------------------------------------------------------------- every operator and function

POINT = (0.7, 1.3)
DIRECTION = (0.3, -0.8)

SCALAR_FUNCTIONS: dict[str, Callable[[Any, Any], Any]] = {
    "x + y": lambda x, y: x + y,
    "x + 2": lambda x, y: x + 2,
    "2 + x": lambda x, y: 2 + x,
    "x - y": lambda x, y: x - y,
    "x - 2": lambda x, y: x - 2,
    "2 - x": lambda x, y: 2 - x,
    "x * y": lambda x, y: x * y,
    "3 * x": lambda x, y: 3 * x,
    "x * 3": lambda x, y: x * 3,
    "x / y": lambda x, y: x / y,
    "x / 2": lambda x, y: x / 2,
    "2 / x": lambda x, y: 2 / x,
    "-x": lambda x, y: -x,
    "x ** 3": lambda x, y: x**3,
    "x ** -1.5": lambda x, y: x**-1.5,
    "2 ** x": lambda x, y: 2**x,
    "x ** y": lambda x, y: x**y,
    "abs(x - y)": lambda x, y: abs(x - y),
    "exp": lambda x, y: x.exp(),
    "log": lambda x, y: x.log(),
    "sqrt": lambda x, y: x.sqrt(),
    "tanh": lambda x, y: x.tanh(),
    "sigmoid": lambda x, y: x.sigmoid(),
    "relu": lambda x, y: (x - y).relu() + y.relu(),
    "leaky_relu": lambda x, y: (x - y).leaky_relu(0.2) + x.leaky_relu(),
    "softplus": lambda x, y: x.softplus(),
    "sin": lambda x, y: x.sin(),
    "cos": lambda x, y: x.cos(),
    "maximum": lambda x, y: autograd.maximum(x, y) + autograd.maximum(2.0, x),
    "minimum": lambda x, y: autograd.minimum(x, y) + autograd.minimum(x, 0.1),
    "sum": lambda x, y: autograd.sum([x, y, x, 2.0]),
    "dot": lambda x, y: autograd.dot([x, y], [y, 2.0]),
    "dot with bias": lambda x, y: autograd.dot([x, 3.0], [y, x], bias=y),
    "log_sum_exp": lambda x, y: autograd.log_sum_exp([x, y, 0.5]),
}


@pytest.mark.parametrize("name", SCALAR_FUNCTIONS)
def test_jvp_of_each_operator_and_function_matches_reverse_mode(name):
    f = SCALAR_FUNCTIONS[name]
    value, tangent = jvp(f, POINT, DIRECTION)
    dx, dy = grad(f, argnums=(0, 1))(*POINT)
    assert value == f(Value(POINT[0]), Value(POINT[1])).data
    assert math.isclose(tangent, dx * DIRECTION[0] + dy * DIRECTION[1], **CLOSE)


def test_jvp_of_softmax_matches_reverse_mode_for_every_output():
    f = lambda x, y: autograd.softmax([x, y, 0.5])  # noqa: E731
    values, tangents = jvp(f, POINT, DIRECTION)
    expected = reverse_directional(f, list(POINT), list(DIRECTION))
    assert len(values) == len(tangents) == 3
    for tangent, reference in zip(tangents, expected, strict=True):
        assert math.isclose(tangent, reference, **CLOSE)


# ---------------------------------------------------------------- random graphs


@given(with_direction())
def test_jvp_matches_the_reverse_mode_directional_derivative(example):
    function, inputs, direction = example
    _, tangents = jvp(function, inputs, direction)
    expected = reverse_directional(function, inputs, direction)
    for tangent, reference in zip(as_list(tangents), expected, strict=True):
        assert math.isclose(tangent, reference, **CLOSE)


@given(with_direction())
def test_jvp_matches_central_differences(example):
    function, inputs, direction = example
    _, tangents = jvp(function, inputs, direction)
    numeric = central_directional(function, inputs, direction)
    for tangent, reference in zip(as_list(tangents), numeric, strict=True):
        assert abs(tangent - reference) <= ABS + REL * abs(reference)


@given(with_direction())
def test_jvp_gives_the_same_values_as_the_engine(example):
    function, inputs, direction = example
    values, _ = jvp(function, inputs, direction)
    assert as_list(values) == [v.data for v in as_list(function(*inputs))]


# ---------------------------------------------------------------- memory

CHAIN_OPS = 200_000
#: A recorded Value takes about 100 bytes, so a recorded chain of CHAIN_OPS ops takes some 20 MB.
FLAT_BYTES = 100_000


def chain(x: Any) -> Any:
    """CHAIN_OPS ops: (x * 2) * 0.5 is exact in floats, so the value stays x, d/dx = 1."""
    for _ in range(CHAIN_OPS // 2):
        x = (x * 2.0) * 0.5
    return x


def peak_bytes(run: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_jvp_runs_a_200000_op_chain_in_constant_memory():
    result: list[Any] = []
    peak = peak_bytes(lambda: result.append(jvp(chain, (0.3,), (1.0,))))
    assert result == [(0.3, 1.0)]
    assert peak < FLAT_BYTES


def test_recording_the_same_chain_exceeds_that_memory_bound():
    # The bound above can fail: the same chain on Values keeps its graph alive.
    assert peak_bytes(lambda: chain(Value(0.3))) > 100 * FLAT_BYTES


# ---------------------------------------------------------------- errors


def test_fewer_tangents_than_primals_is_a_value_error_naming_both_counts():
    with pytest.raises(ValueError, match=r"2 primal\(s\) but 1 tangent\(s\)"):
        jvp(lambda x, y: x * y, (1.0, 2.0), (1.0,))


def test_a_non_number_primal_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match=r"primals\[1\] must be a real number.*str 'a'"):
        jvp(lambda x, y: x * y, (1.0, "a"), (1.0, 0.0))


def test_a_bool_primal_is_a_type_error():
    with pytest.raises(TypeError, match=r"primals\[0\].*bool True"):
        jvp(lambda x: x, (True,), (1.0,))


def test_a_non_number_inside_a_list_primal_names_its_position():
    with pytest.raises(TypeError, match=r"primals\[0\]\[1\]"):
        jvp(lambda xs: xs[0], ([1.0, None],), ([1.0, 0.0],))


def test_nesting_jvp_is_a_type_error_pointing_to_hessian():
    with pytest.raises(TypeError, match="jvp does not nest.*hessian"):
        jvp(lambda x: jvp(lambda y: y * y, (x,), (1.0,))[1], (2.0,), (1.0,))


def test_primals_given_as_a_bare_number_is_a_type_error():
    with pytest.raises(TypeError, match=r"primals must be a tuple or list.*\(2\.0,\)"):
        jvp(lambda x: x, 2.0, 1.0)


def test_a_tangent_not_shaped_like_its_primal_is_a_value_error():
    with pytest.raises(ValueError, match=r"tangents\[0\] must be shaped like primals\[0\]"):
        jvp(lambda xs: xs[0], ([1.0, 2.0],), ([1.0],))


def test_a_non_number_tangent_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match=r"tangents\[0\] must be a real number"):
        jvp(lambda x: x, (1.0,), ("up",))


def test_a_non_finite_primal_is_a_value_error():
    with pytest.raises(ValueError, match=r"primals\[0\] must be finite, got inf"):
        jvp(lambda x: x, (math.inf,), (1.0,))


def test_f_returning_something_else_is_a_type_error():
    with pytest.raises(TypeError, match="f's output is a str"):
        jvp(lambda x: "done", (1.0,), (1.0,))


def test_a_domain_error_names_the_op_and_value_like_the_engine():
    with pytest.raises(ValueError, match="log of non-positive value -0.5"):
        jvp(lambda x: x.log(), (-0.5,), (1.0,))


def test_a_domain_error_notes_the_label_of_the_node():
    with pytest.raises(ValueError) as caught:
        Dual(-0.5, 1.0, label="h2").log()
    assert "(node 'h2')" in "".join(caught.value.__notes__)


def test_a_non_finite_value_is_an_overflow_error_naming_the_op():
    with pytest.raises(OverflowError, match="exp of 1000.0 overflows"):
        jvp(lambda x: x.exp(), (1000.0,), (1.0,))


def test_an_infinite_derivative_raises_the_rules_error():
    with pytest.raises(ZeroDivisionError, match="derivative of sqrt"):
        jvp(lambda x: x.sqrt(), (0.0,), (1.0,))


def test_detect_anomaly_raises_at_a_non_finite_tangent():
    # exp(709) = 8.2e307 is finite; its tangent e**x * 10 is not
    with detect_anomaly(), pytest.raises(FloatingPointError, match="tangent inf for exp"):
        jvp(lambda x: x.exp(), (709.0,), (10.0,))


def test_without_detect_anomaly_a_non_finite_tangent_is_returned():
    assert jvp(lambda x: x.exp(), (709.0,), (10.0,))[1] == math.inf


def test_a_rule_returning_a_bare_number_is_a_type_error_naming_the_op(registered):
    bad = registered("bad", lambda x: 2.0 * x, lambda grad, out, x: grad * 2.0)
    with pytest.raises(TypeError, match="bad: its rule must return a tuple"):
        jvp(lambda x: bad(x), (1.0,), (1.0,))


def test_an_unsupported_operand_is_a_type_error_naming_the_op():
    with pytest.raises(TypeError, match="unsupported operand of mul: str"):
        Dual(1.0, 1.0) * "x"


# ---------------------------------------------------------------- jacfwd


def test_jacfwd_of_one_output_and_one_number_is_a_number():
    assert jacfwd(lambda x: x * x * x)(2.0) == 12.0  # 3x**2


def test_jacfwd_of_several_outputs_has_one_row_per_output():
    assert jacfwd(lambda x: [x * x, x.sin()])(0.5) == [1.0, math.cos(0.5)]


def test_jacfwd_of_a_list_argument_is_shaped_like_it():
    assert jacfwd(lambda ws: autograd.sum([w * w for w in ws]))([1.0, 2.0, 3.0]) == [2.0, 4.0, 6.0]


def test_jacfwd_of_a_nested_list_argument_keeps_the_nesting():
    f = jacfwd(lambda rows: rows[0][0] * rows[0][1] + rows[1][0])  # (b, a), (1)
    assert f([[2.0, 5.0], [7.0]]) == [[5.0, 2.0], [1.0]]


def test_jacfwd_with_a_tuple_argnums_has_jacobians_format():
    f = lambda ws, xs: [autograd.dot(ws, xs), ws[0] * 2.0]  # noqa: E731
    expected = [([3.0, 4.0], [1.0, 2.0]), ([2.0, 0.0], [0.0, 0.0])]
    assert jacfwd(f, argnums=(0, 1))([1.0, 2.0], [3.0, 4.0]) == expected
    assert jacobian(f, argnums=(0, 1))([1.0, 2.0], [3.0, 4.0]) == expected


def test_jacfwd_passes_unselected_arguments_unchanged():
    assert jacfwd(lambda x, n: x**n)(2.0, 3) == 12.0  # n x**(n-1)


def test_jacfwd_of_an_empty_list_argument_has_empty_rows_like_jacobian():
    f = lambda xs: [autograd.sum(xs), autograd.sum(xs)]  # noqa: E731
    assert jacfwd(f)([]) == jacobian(f)([]) == [[], []]


@given(expressions())
def test_jacfwd_matches_jacobian(example):
    function, inputs = example
    argnums = tuple(range(len(inputs)))
    forward = as_list(jacfwd(function, argnums)(*inputs))
    reverse = as_list(jacobian(function, argnums)(*inputs))
    if not isinstance(function(*inputs), list):
        forward, reverse = [forward], [reverse]
    assert len(forward) == len(reverse)
    for row_forward, row_reverse in zip(forward, reverse, strict=True):
        for a, b in zip(row_forward, row_reverse, strict=True):
            assert math.isclose(a, b, **CLOSE)


def test_jacfwd_with_argnums_out_of_range_is_an_index_error():
    with pytest.raises(IndexError, match="argnums 2"):
        jacfwd(lambda x, y: x * y, argnums=2)(1.0, 2.0)


def test_jacfwd_selecting_an_argument_twice_is_a_value_error():
    with pytest.raises(ValueError, match="argument 0 twice"):
        jacfwd(lambda x, y: x * y, argnums=(0, -2))(1.0, 2.0)


# ------------------------------------------------------------------ Values meeting Duals


@pytest.mark.parametrize(("combine", "primal", "tangent"), [
    (lambda v, d: v * d, 6.0, 3.0),  # 3 * (2 + e) = 6 + 3e
    (lambda v, d: v + d, 5.0, 1.0),
    (lambda v, d: v - d, 1.0, -1.0),
    (lambda v, d: v / d, 1.5, -0.75),  # d(3/u)/du = -3/u**2 = -3/4
], ids=["mul", "add", "sub", "truediv"])
def test_a_value_on_the_left_of_a_dual_is_a_constant_of_forward_mode(
    combine: Callable[[Value, Dual], Any], primal: float, tangent: float,
) -> None:
    out = combine(Value(3.0), Dual(2.0, 1.0))
    assert isinstance(out, Dual)
    assert (out.primal, out.tangent) == (primal, tangent)


def test_jvp_through_an_mlp_agrees_with_central_differences() -> None:
    import nn

    model = nn.MLP(2, [4, 4, 1], activation="tanh", seed=3)
    point, direction, h = (0.3, -0.7), (0.6, 0.8), 1e-6

    def f(a: Any, b: Any) -> Any:
        return model([a, b])

    def at(step: float) -> float:
        return f(point[0] + step * direction[0], point[1] + step * direction[1]).data

    primal, tangent = jvp(f, point, direction)
    assert primal == pytest.approx(at(0.0), abs=1e-15)
    assert tangent == pytest.approx((at(h) - at(-h)) / (2 * h), rel=1e-7, abs=1e-9)


def _central_difference(f: Callable[..., Any], point: tuple[float, ...],
                        direction: tuple[float, ...], h: float = 1e-6) -> float:
    def at(step: float) -> float:
        return f(*[Value(x + step * v) for x, v in zip(point, direction, strict=True)]).data

    return (at(h) - at(-h)) / (2 * h)


@pytest.mark.parametrize("cell", ["RNNCell", "LSTMCell", "GRUCell"])
def test_jvp_through_a_recurrent_cell_agrees_with_central_differences(cell: str) -> None:
    import nn

    module = getattr(nn, cell)(2, 3, seed=4)

    def f(a: Any, b: Any) -> Any:
        out = module([a, b])
        hidden = out[0] if cell == "LSTMCell" else out  # an LSTM cell returns (h, c)
        return autograd.sum(hidden)

    point, direction = (0.5, -1.0), (0.6, 0.8)
    _, tangent = jvp(f, point, direction)
    assert tangent == pytest.approx(_central_difference(f, point, direction), rel=1e-7, abs=1e-9)


def test_jvp_through_an_lstm_over_a_sequence_agrees_with_central_differences() -> None:
    import nn

    model = nn.LSTM(1, 3, seed=0)

    def f(a: Any, b: Any, c: Any) -> Any:
        outputs, _ = model([[a], [b], [c]])
        return autograd.sum(outputs[-1])

    point, direction = (0.1, 0.2, 0.3), (0.3, -0.5, 0.7)
    _, tangent = jvp(f, point, direction)
    assert tangent == pytest.approx(_central_difference(f, point, direction), rel=1e-7, abs=1e-9)
