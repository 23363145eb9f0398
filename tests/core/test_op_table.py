"""Every entry of the op table, checked against an exact oracle and against finite differences.

The parametrised test walks ``autograd.OPS`` itself, so an op added to the table (by ``register``
or ``register_op``) is checked without touching this file. For every entry and parameter set it
draws inputs with hypothesis inside the entry's domain (within a box of [-3, 3], a margin from the
domain's edges and away from its kinks) and checks, through ``autograd.core.value.apply`` so
that the table entry (not Value's operators) is what is tested:

* the forward against sympy's evaluation of ``entry.symbolic`` at 30 digits;
* the first derivatives (float fast path and recorded path) against sympy's derivative and
  against central differences of the table's float forward;
* the second derivatives (``backward(create_graph=True)`` then the backward of each gradient)
  against sympy's second derivatives to 1e-9 relative and against central differences of the
  engine's gradient.

Entries without a ``symbolic`` form (a user's custom op) get the finite-difference checks only.
An entry that stops the gradient (``Op.stops_gradient``: ``detached_max``, softmax's shift) has
the derivative 0 by definition, so instead of central differences of its own forward it is
checked for what it promises: a rule of exactly 0 on both paths, and, used as the shift of
softmax, softmax's exact first and second derivatives.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import mpmath
import pytest
import sympy
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd
from autograd import OPS, Op, Value
from autograd.core.value import apply
from autograd.ops import register

BOX = 3.0  # inputs are drawn from [-BOX, BOX] intersected with the entry's domain
EDGE_MARGIN = 0.2  # distance kept from a domain edge (log, sqrt and x**-1.5 blow up at 0)
KINK_MARGIN = 0.1  # distance kept from a kink (relu at 0, max at a tie)
FD_STEP = 1e-6  # central-difference step for first derivatives
FD_STEP_2 = 1e-5  # central-difference step for the derivative of the gradient


def table_cases() -> list[Any]:
    """One pytest case per (entry, parameter set) in the table as it is at collection time."""
    return [
        pytest.param(name, params, id=f"{name}-{params}" if params else name)
        for name, entry in OPS.items()
        for params in entry.examples
    ]


def arity_of(entry: Op) -> int:
    return entry.arity if entry.arity is not None else entry.example_arity


def bound(entry: Op, params: dict[str, float]) -> Op:
    return entry.bind(**params) if params else entry


# ------------------------------------------------------------------------------------ oracle


@functools.cache
def sympy_oracle(entry: Op, params: tuple[tuple[str, float], ...], arity: int) -> Callable:
    """f, its gradient and its Hessian as one mpmath function of the inputs (exact symbolic)."""
    assert entry.symbolic is not None
    symbols = sympy.symbols(f"x0:{arity}", real=True)
    expression = entry.symbolic(sympy, *symbols, **dict(params))
    first = [sympy.diff(expression, s) for s in symbols]
    second = [[sympy.diff(d, s) for s in symbols] for d in first]
    return sympy.lambdify(
        symbols, [expression, first, second], modules=[{"DiracDelta": dirac_delta}, "mpmath"]
    )


def dirac_delta(x: Any, *order: Any) -> int:
    """The derivative of a step (relu'' and friends): zero everywhere the inputs are drawn."""
    assert x != 0, "the inputs are drawn away from kinks"
    return 0


def exact(entry: Op, params: dict[str, float], xs: Sequence[float]):
    """(value, gradient, Hessian) from sympy at 30 significant digits, as floats."""
    function = sympy_oracle(entry, tuple(sorted(params.items())), len(xs))
    with mpmath.workdps(30):
        value, first, second = function(*(mpmath.mpf(x) for x in xs))
        return (
            float(value),
            [float(d) for d in first],
            [[float(d) for d in row] for row in second],
        )


# ------------------------------------------------------------------------------------ engine


def engine_gradient(op: Op, xs: Sequence[float]) -> list[float]:
    """First derivatives from backward() on the float fast path."""
    leaves = [Value(x) for x in xs]
    apply(op, *leaves).backward()
    return [leaf.grad for leaf in leaves]


def engine_first_and_second(op: Op, xs: Sequence[float]):
    """First derivatives from backward(create_graph=True), then each gradient's backward."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    apply(op, *leaves).backward(create_graph=True)
    gradients = [leaf.grad for leaf in leaves]
    hessian = []
    for gradient in gradients:
        autograd.zero_grad(leaves)
        if isinstance(gradient, Value):
            gradient.backward()
            hessian.append([leaf.grad for leaf in leaves])
        else:  # no contribution reached this input: its gradient is a constant 0
            hessian.append([0.0] * len(leaves))
    return [float(g) for g in gradients], hessian


def shifted(xs: Sequence[float], index: int, step: float) -> list[float]:
    moved = list(xs)
    moved[index] += step
    return moved


def central_gradient(function: Callable[..., float], xs: Sequence[float]) -> list[float]:
    return [
        (function(*shifted(xs, i, FD_STEP)) - function(*shifted(xs, i, -FD_STEP))) / (2 * FD_STEP)
        for i in range(len(xs))
    ]


def central_hessian(op: Op, xs: Sequence[float]) -> list[list[float]]:
    """H[i][j] from central differences of the engine's gradient along input j."""
    columns = []
    for j in range(len(xs)):
        plus = engine_gradient(op, shifted(xs, j, FD_STEP_2))
        minus = engine_gradient(op, shifted(xs, j, -FD_STEP_2))
        columns.append([(p - m) / (2 * FD_STEP_2) for p, m in zip(plus, minus, strict=True)])
    return [[columns[j][i] for j in range(len(xs))] for i in range(len(xs))]


def expect_close(what: str, op: Op, xs, got: float, want: float, rel: float, absolute: float):
    assert math.isclose(got, want, rel_tol=rel, abs_tol=absolute), (
        f"{what} of {op.title} at {list(xs)}: engine {got!r}, expected {want!r} "
        f"(difference {got - want:.3g})"
    )


def check_entry_at(op: Op, xs: Sequence[float]) -> None:
    """Every check of the module docstring for one op at one input point."""
    n = len(xs)
    out = apply(op, *(Value(x) for x in xs))
    fast_gradient = engine_gradient(op, xs)
    gradient, hessian = engine_first_and_second(op, xs)

    if op.symbolic is not None:
        value, exact_gradient, exact_hessian = exact(op.base, op.params, xs)
        expect_close("forward", op, xs, out.data, value, 1e-12, 1e-12)
        for i in range(n):
            expect_close(f"d/dx{i} (fast path)", op, xs, fast_gradient[i], exact_gradient[i],
                         1e-10, 1e-12)
            expect_close(f"d/dx{i} (recorded path)", op, xs, gradient[i], exact_gradient[i],
                         1e-10, 1e-12)
            for j in range(n):
                expect_close(f"d2/dx{i}dx{j}", op, xs, hessian[i][j], exact_hessian[i][j],
                             1e-9, 1e-12)

    if op.stops_gradient:
        check_stop_gradient_at(op, xs, fast_gradient, gradient, hessian)
        return
    numeric_gradient = central_gradient(op.forward, xs)
    numeric_hessian = central_hessian(op, xs)
    for i in range(n):
        expect_close(f"d/dx{i} vs central differences", op, xs, fast_gradient[i],
                     numeric_gradient[i], 1e-6, 1e-6)
        for j in range(n):
            expect_close(f"d2/dx{i}dx{j} vs central differences", op, xs, hessian[i][j],
                         numeric_hessian[i][j], 1e-5, 1e-5)


# An op that stops the gradient (Op.stops_gradient) has the derivative 0 by definition, so
# central differences of its forward disagree by design. It is checked for what it promises:
# its rule is exactly 0 on both paths, and used as the shift s of softmax, which does not change
# when every input moves by the same amount, it gives softmax's exact first and second
# derivatives (sympy, without any shift) and agrees with central differences of the composite.


def shifted_softmax(op: Op, xs: Sequence[Value]) -> Value:
    """e**(x0 - s) / sum_j e**(xj - s) with ``s = op(*xs)``, built from table entries."""
    shift = apply(op, *xs)
    exponentials = [apply(OPS["exp"], apply(OPS["sub"], x, shift)) for x in xs]
    return apply(OPS["truediv"], exponentials[0], apply(OPS["sum"], *exponentials))


@functools.cache
def softmax_oracle(arity: int) -> Callable:
    """Softmax's first output, its gradient and Hessian, from sympy with no shift at all."""
    symbols = sympy.symbols(f"x0:{arity}", real=True)
    expression = sympy.exp(symbols[0]) / sympy.Add(*(sympy.exp(x) for x in symbols))
    first = [sympy.diff(expression, x) for x in symbols]
    second = [[sympy.diff(d, x) for x in symbols] for d in first]
    return sympy.lambdify(symbols, [expression, first, second], modules="mpmath")


def check_stop_gradient_at(op: Op, xs: Sequence[float], fast_gradient: Sequence[float],
                           gradient: Sequence[float], hessian: Sequence[Sequence[float]]) -> None:
    n = len(xs)
    assert list(fast_gradient) == [0.0] * n, f"{op.title} stops the gradient: {fast_gradient}"
    assert list(gradient) == [0.0] * n, f"{op.title} (recorded path): {gradient}"
    assert all(row == [0.0] * n for row in hessian), f"{op.title}: Hessian {hessian}"

    def composite(*numbers: float) -> float:
        return shifted_softmax(op, [Value(x) for x in numbers]).data

    leaves = [Value(x) for x in xs]
    shifted_softmax(op, leaves).backward(create_graph=True)
    first = [leaf.grad for leaf in leaves]
    second = []
    for partial in first:
        autograd.zero_grad(leaves)
        partial.backward()
        second.append([leaf.grad for leaf in leaves])
    with mpmath.workdps(30):
        value, exact_first, exact_second = softmax_oracle(n)(*(mpmath.mpf(x) for x in xs))
    expect_close("softmax shifted by it", op, xs, composite(*xs), float(value), 1e-14, 1e-15)
    numeric = central_gradient(composite, xs)
    for i in range(n):
        expect_close(f"d/dx{i} of softmax shifted by it", op, xs, float(first[i]),
                     float(exact_first[i]), 1e-12, 1e-14)
        expect_close(f"d/dx{i} of softmax shifted by it vs central differences", op, xs,
                     float(first[i]), numeric[i], 1e-6, 1e-7)
        for j in range(n):
            expect_close(f"d2/dx{i}dx{j} of softmax shifted by it", op, xs, second[i][j],
                         float(exact_second[i][j]), 1e-10, 1e-13)


@st.composite
def inputs_for(draw: Callable, entry: Op) -> list[float]:
    """Floats inside the entry's domain and the box, a margin from edges and kinks."""
    xs = []
    for index in range(arity_of(entry)):
        interval = entry.input_domain(index)
        low = max(-BOX, interval.low + EDGE_MARGIN)
        high = min(BOX, interval.high - EDGE_MARGIN)
        xs.append(draw(st.floats(low, high, allow_nan=False, allow_infinity=False)))
    for kink in entry.kinks:
        assume(abs(kink(*xs)) > KINK_MARGIN)
    return xs


# ------------------------------------------------------------------------------------ the walk


@pytest.mark.parametrize(("name", "params"), table_cases())
@given(data=st.data())
def test_op_matches_sympy_and_central_differences_to_second_order(name, params, data):
    entry = OPS[name]
    xs = data.draw(inputs_for(entry), label="inputs")
    check_entry_at(bound(entry, params), xs)


BUILT_IN = {
    "add", "sub", "mul", "truediv", "neg", "pow", "rpow", "powv", "exp", "log", "sqrt", "tanh",
    "sigmoid", "relu", "leaky_relu", "softplus", "abs", "sin", "cos", "maximum", "minimum", "sum",
    "dot", "affine", "log_sum_exp", "detached_max",
}


def test_table_walk_covers_every_op_the_issue_names():
    walked = {case.values[0] for case in table_cases()}
    assert BUILT_IN.issubset(walked)


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_built_in_entry_has_a_symbolic_oracle_and_a_one_line_docstring(name):
    entry = OPS[name]
    assert entry.symbolic is not None
    assert entry.doc and "\n" not in entry.doc


# A square op registered for the next two tests, with a correct and with a wrong rule.
@pytest.fixture
def registered_square():
    def make(rule):
        return register(Op(
            "test_square", 1, lambda x: x * x, rule, "x**2;  d/dx = 2x",
            symbolic=lambda sp, x: x**2,
        ))
    yield make
    OPS.pop("test_square", None)


def test_a_newly_registered_op_appears_in_the_walk(registered_square):
    registered_square(lambda grad, out, x: (grad * 2.0 * x,))
    assert "test_square" in {case.values[0] for case in table_cases()}
    check_entry_at(OPS["test_square"], [1.3])


def test_the_walk_catches_a_wrong_rule(registered_square):
    registered_square(lambda grad, out, x: (grad * 3.0 * x,))  # should be 2x
    with pytest.raises(AssertionError, match=r"d/dx0 .*test_square"):
        check_entry_at(OPS["test_square"], [1.3])


def test_the_walk_catches_a_rule_that_breaks_only_at_second_order(registered_square):
    # grad * 2 * x.data is right on floats, but on Values it is a constant: d2 = 0 instead of 2
    registered_square(lambda grad, out, x: (grad * 2.0 * float(x),))
    with pytest.raises(AssertionError, match=r"d2/dx0dx0 of test_square"):
        check_entry_at(OPS["test_square"], [1.3])


# ------------------------------------------------------------------------------------ pow corners


@given(
    x=st.floats(-3.0, -0.2),
    exponent=st.integers(-3, 4),
)
def test_pow_with_an_integer_exponent_on_a_negative_base_matches_sympy(x, exponent):
    symbol = sympy.Symbol("x", real=True)
    expression = symbol**exponent
    at = {symbol: sympy.Rational(x)}
    want = [float(sympy.diff(expression, symbol, k).subs(at).evalf(30)) for k in range(3)]
    leaf = Value(x)
    out = leaf**exponent
    out.backward(create_graph=True)
    first = leaf.grad
    leaf.grad = 0.0
    if isinstance(first, Value):
        first.backward()
    second = leaf.grad if isinstance(first, Value) else 0.0
    assert out.op.name == "pow"
    assert math.isclose(out.data, want[0], rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(float(first), want[1], rel_tol=1e-10, abs_tol=1e-12)
    assert math.isclose(second, want[2], rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("exponent", [0, 1, 2, 3, 4])
def test_pow_with_a_non_negative_integer_exponent_at_zero_matches_sympy(exponent):
    # x**0 is the constant 1: its derivative at 0 is 0, not the undefined 0 * 0**-1
    symbol = sympy.Symbol("x", real=True)
    want = [float(sympy.diff(symbol**exponent, symbol, k).subs(symbol, 0)) for k in (1, 2)]
    assert autograd.grad(lambda x: x**exponent)(0.0) == want[0]
    assert autograd.hessian(lambda x: x**exponent)(0.0) == want[1]


def test_a_polynomial_with_a_constant_term_differentiates_at_zero():
    x = Value(0.0)
    y = 3.0 * x**0 + 2.0 * x**1 + x**2  # d/dx = 2 + 2x = 2 at 0
    y.backward()
    assert x.grad == 2.0


def test_negative_base_cubed_by_hand():
    x = Value(-2.0)
    y = x**3  # (-2)**3 = -8; d/dx = 3x**2 = 12
    y.backward()
    assert (y.data, x.grad) == (-8.0, 12.0)


def test_negative_base_to_minus_two_by_hand():
    x = Value(-2.0)
    y = x**-2  # 1/4; d/dx = -2 x**-3 = -2/(-8) = 0.25
    y.backward()
    assert (y.data, x.grad) == (0.25, 0.25)


def test_number_to_the_power_of_a_value_by_hand():
    x = Value(3.0)
    y = 2**x  # 8; d/dx = 2**x * ln 2 = 8 ln 2
    y.backward()
    assert y.op.name == "rpow"
    assert y.data == 8.0
    assert math.isclose(x.grad, 8 * math.log(2), rel_tol=1e-15)


def test_value_to_the_power_of_a_value_by_hand():
    a, b = Value(2.0), Value(3.0)
    y = a**b  # 8; d/da = b a**(b-1) = 12; d/db = a**b ln a = 8 ln 2
    y.backward()
    assert y.op.name == "powv"
    assert (y.data, a.grad) == (8.0, 12.0)
    assert math.isclose(b.grad, 8 * math.log(2), rel_tol=1e-15)


# ------------------------------------------------------------------------------------ dispatch


def dispatch_cases():
    def binary(f):
        return lambda: f(Value(1.5), Value(0.5))

    def unary(f):
        return lambda: f(Value(0.5))

    return [
        ("x + y", binary(lambda x, y: x + y), "add", {}),
        ("x + 1", unary(lambda x: x + 1), "add", {}),
        ("1 + x", unary(lambda x: 1 + x), "add", {}),
        ("x - y", binary(lambda x, y: x - y), "sub", {}),
        ("1 - x", unary(lambda x: 1 - x), "sub", {}),
        ("x * y", binary(lambda x, y: x * y), "mul", {}),
        ("2 * x", unary(lambda x: 2 * x), "mul", {}),
        ("x / y", binary(lambda x, y: x / y), "truediv", {}),
        ("1 / x", unary(lambda x: 1 / x), "truediv", {}),
        ("-x", unary(lambda x: -x), "neg", {}),
        ("x ** 2", unary(lambda x: x**2), "pow", {"exponent": 2.0}),
        ("x ** 0.5", unary(lambda x: x**0.5), "pow", {"exponent": 0.5}),
        ("3 ** x", unary(lambda x: 3**x), "rpow", {"base": 3.0}),
        ("x ** y", binary(lambda x, y: x**y), "powv", {}),
        ("abs(x)", unary(abs), "abs", {}),
        ("x.exp()", unary(Value.exp), "exp", {}),
        ("x.log()", unary(Value.log), "log", {}),
        ("x.sqrt()", unary(Value.sqrt), "sqrt", {}),
        ("x.tanh()", unary(Value.tanh), "tanh", {}),
        ("x.sigmoid()", unary(Value.sigmoid), "sigmoid", {}),
        ("x.relu()", unary(Value.relu), "relu", {}),
        ("x.leaky_relu()", unary(Value.leaky_relu), "leaky_relu", {"slope": 0.01}),
        ("x.leaky_relu(0.2)", unary(lambda x: x.leaky_relu(0.2)), "leaky_relu", {"slope": 0.2}),
        ("x.softplus()", unary(Value.softplus), "softplus", {}),
        ("x.sin()", unary(Value.sin), "sin", {}),
        ("x.cos()", unary(Value.cos), "cos", {}),
        ("maximum", binary(autograd.maximum), "maximum", {}),
        ("minimum", binary(autograd.minimum), "minimum", {}),
        ("sum", binary(lambda x, y: autograd.sum([x, y, 1.0])), "sum", {}),
        ("dot", binary(lambda x, y: autograd.dot([x, y], [y, 2.0])), "dot", {}),
        ("dot with bias", binary(lambda x, y: autograd.dot([x], [y], bias=1.0)), "affine", {}),
        ("log_sum_exp", binary(lambda x, y: autograd.log_sum_exp([x, y])), "log_sum_exp", {}),
    ]


@pytest.mark.parametrize(
    ("build", "name", "params"),
    [pytest.param(build, name, params, id=text) for text, build, name, params in dispatch_cases()],
)
def test_operator_dispatches_to_its_table_entry(build, name, params):
    node = build()
    assert node.op.name == name
    assert node.op.params == params
    assert node.op.base is OPS[name]


def test_operands_are_parents_in_operand_order():
    x, y = Value(1.0), Value(2.0)
    assert (x - y).parents == (x, y)
    assert (y - x).parents == (y, x)
    reflected = 5 - x
    assert reflected.parents[1] is x and reflected.parents[0].data == 5.0


def test_dot_is_one_node_over_weights_then_inputs():
    w1, w2, x1, x2 = Value(1.0), Value(2.0), Value(3.0), Value(4.0)
    node = autograd.dot([w1, w2], [x1, x2])
    assert node.parents == (w1, w2, x1, x2)
    assert node.data == 11.0  # 1*3 + 2*4


def test_softmax_is_exp_of_input_minus_the_max_over_their_sum():
    x, y = Value(0.0), Value(1.0)
    first, second = autograd.softmax([x, y])
    for output, source in ((first, x), (second, y)):
        assert output.op.name == "truediv"
        exponential, total = output.parents
        assert exponential.op.name == "exp" and total.op.name == "sum"
        (difference,) = exponential.parents
        assert difference.op.name == "sub"
        assert difference.parents[0] is source
        shift = difference.parents[1]  # the largest input, through which no gradient flows
        assert shift.op.name == "detached_max" and shift.parents == (x, y)
        assert shift.data == 1.0
    # softmax([0, 1]) = (1, e) / (1 + e)
    assert math.isclose(first.data, 1 / (1 + math.e), rel_tol=1e-15)
    assert math.isclose(second.data, math.e / (1 + math.e), rel_tol=1e-15)


def test_the_walk_catches_a_stop_gradient_op_that_lets_a_gradient_through():
    leaky = register(Op(
        "test_leaky_shift", None, max, lambda grad, out, *xs: (grad,) * len(xs),
        "max as a shift, with a rule that is not 0", stops_gradient=True,
    ))
    try:
        with pytest.raises(AssertionError, match="test_leaky_shift stops the gradient"):
            check_entry_at(leaky, [0.5, -1.0, 2.0])
    finally:
        OPS.pop("test_leaky_shift", None)
