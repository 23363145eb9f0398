"""The backward pass: random DAGs with shared sub-expressions, accumulation, and depth.

Expected gradients come from central differences (random graphs) or are worked out by hand in a
comment beside each test.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd
from autograd import Value, detect_anomaly, topological_order

# ------------------------------------------------------------------------------ random DAGs
# A program is a list of steps; step k adds node len(leaves) + k, built from earlier nodes picked
# by index. Indices are drawn independently, so the same node is often used several times in one
# step (a + a, a * a) and by many later steps. Every op is smooth and defined on all reals (the
# log/sqrt/div steps guard their argument), so central differences are a sound oracle.

UNARY: dict[str, Callable[[Value], Value]] = {
    "tanh": Value.tanh,
    "sin": Value.sin,
    "cos": Value.cos,
    "sigmoid": Value.sigmoid,
    "softplus": Value.softplus,
    "neg": lambda a: -a,
    "cube": lambda a: a**3,
    "exp_of_tanh": lambda a: a.tanh().exp(),
    "log_of_one_plus_square": lambda a: (1 + a * a).log(),
    "sqrt_of_one_plus_square": lambda a: (1 + a * a).sqrt(),
}
BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div_by_one_plus_square": lambda a, b: a / (1 + b * b),
    "two_to_the_tanh": lambda a, b: 2 ** (a.tanh() * b.tanh()),
}
NARY: dict[str, Callable[[Sequence[Value]], Value]] = {
    "sum": autograd.sum,
    "dot": lambda xs: autograd.dot(xs[: len(xs) // 2], xs[len(xs) // 2 : 2 * (len(xs) // 2)]),
    "log_sum_exp": autograd.log_sum_exp,
}


@st.composite
def programs(draw: Callable) -> tuple[list[float], list[tuple[str, tuple[int, ...]]]]:
    leaves = draw(st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=3))
    steps = []
    for k in range(draw(st.integers(1, 8))):
        available = st.integers(0, len(leaves) + k - 1)
        kind = draw(st.sampled_from(["unary", "binary", "nary"]))
        if kind == "unary":
            steps.append((draw(st.sampled_from(sorted(UNARY))), (draw(available),)))
        elif kind == "binary":
            picks = (draw(available), draw(available))
            steps.append((draw(st.sampled_from(sorted(BINARY))), picks))
        else:
            picks = draw(st.lists(available, min_size=2, max_size=4))
            steps.append((draw(st.sampled_from(sorted(NARY))), tuple(picks)))
    return leaves, steps


def run(steps: list[tuple[str, tuple[int, ...]]], leaves: Sequence[Value]) -> Value:
    nodes = list(leaves)
    for name, picks in steps:
        operands = [nodes[i] for i in picks]
        if name in UNARY:
            nodes.append(UNARY[name](*operands))
        elif name in BINARY:
            nodes.append(BINARY[name](*operands))
        else:
            nodes.append(NARY[name](operands))
    return nodes[-1]


def evaluate(steps, xs: Sequence[float]) -> float:
    return run(steps, [Value(x) for x in xs]).data


def central_differences(steps, xs: Sequence[float], step: float = 1e-6) -> list[float]:
    result = []
    for i in range(len(xs)):
        plus, minus = list(xs), list(xs)
        plus[i] += step
        minus[i] -= step
        result.append((evaluate(steps, plus) - evaluate(steps, minus)) / (2 * step))
    return result


def close(got: float, want: float, tolerance: float = 1e-5) -> bool:
    return math.isclose(got, want, rel_tol=tolerance, abs_tol=tolerance)


@given(programs())
def test_random_dag_gradients_match_central_differences(program):
    xs, steps = program
    leaves = [Value(x) for x in xs]
    root = run(steps, leaves)
    assume(abs(root.data) < 1e6)
    root.backward()
    numeric = central_differences(steps, xs)
    for i, leaf in enumerate(leaves):
        assert close(leaf.grad, numeric[i]), (i, leaf.grad, numeric[i], steps)


@given(programs())
def test_random_dag_second_derivatives_match_central_differences_of_the_gradient(program):
    xs, steps = program
    leaves = [Value(x) for x in xs]
    root = run(steps, leaves)
    assume(abs(root.data) < 1e4)
    hessian = autograd.hessian(lambda *inputs: run(steps, inputs), argnums=tuple(range(len(xs))))
    gradient = autograd.grad(lambda *inputs: run(steps, inputs), argnums=tuple(range(len(xs))))
    matrix = hessian(*xs)
    matrix = [[matrix]] if len(xs) == 1 else matrix
    h = 1e-5
    for j in range(len(xs)):
        plus, minus = list(xs), list(xs)
        plus[j] += h
        minus[j] -= h
        column = [(p - m) / (2 * h) for p, m in zip(gradient(*plus), gradient(*minus), strict=True)]
        for i in range(len(xs)):
            assert close(matrix[i][j], column[i], 1e-4), (i, j, matrix[i][j], column[i], steps)


# ------------------------------------------------------------------------------ shared nodes


def test_a_plus_a_gives_two():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0


def test_a_times_a_gives_two_a():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0


def test_a_value_used_twice_gets_the_sum_of_both_paths():
    x = Value(0.5)
    y = x.sin() + x.exp()  # dy/dx = cos(0.5) + e**0.5
    y.backward()
    assert math.isclose(x.grad, math.cos(0.5) + math.exp(0.5), rel_tol=1e-15)


def test_a_node_used_many_times_collects_every_use():
    x = Value(2.0)
    square = x * x
    y = autograd.sum([square] * 10) + square * square  # 10 x**2 + x**4; dy/dx = 20x + 4x**3 = 72
    y.backward()
    assert x.grad == 72.0
    assert square.grad == 18.0  # 10 + 2 * square = 10 + 8


def test_diamond_graph_by_hand():
    a = Value(3.0)
    b = a * 2.0
    c = a + 1.0
    d = b * c  # 2a(a + 1) = 2a**2 + 2a; dd/da = 4a + 2 = 14
    d.backward()
    assert a.grad == 14.0
    assert (b.grad, c.grad) == (4.0, 6.0)


# ------------------------------------------------------------------------------ accumulation


def test_leaf_gradients_accumulate_across_backward_calls():
    x = Value(3.0)
    y = x * x  # dy/dx = 6 per call
    y.backward()
    y.backward()
    assert x.grad == 12.0


def test_interior_gradients_hold_the_latest_call_only():
    x = Value(3.0)
    z = x * x
    y = z * 2.0
    y.backward()
    y.backward()
    assert z.grad == 2.0  # dy/dz, not 4.0


def test_interior_gradients_follow_the_latest_seed():
    x = Value(3.0)
    z = x * x
    y = z * 2.0
    y.backward()
    y.backward(grad=5.0)
    assert z.grad == 10.0  # 5 * dy/dz from the latest call alone
    assert x.grad == 12.0 + 60.0  # leaves: 1 * 2 * 6 then 5 * 2 * 6


def test_root_gradient_is_the_seed():
    y = Value(1.0) * 3.0
    y.backward(grad=2.5)
    assert y.grad == 2.5


def test_backward_of_a_leaf_gives_it_the_seed():
    x = Value(4.0)
    x.backward()
    assert x.grad == 1.0


def test_zero_grad_resets_every_node_of_the_graph():
    a, b = Value(2.0), Value(-1.0)
    c = a * b
    d = c.tanh() + a
    d.backward()
    assert a.grad != 0.0 and c.grad != 0.0
    d.zero_grad()
    nodes = autograd.topological_order(d, include_leaves=True)
    assert {node.grad for node in nodes} == {0.0}
    assert len(nodes) == 5  # a, b, c, tanh(c), d


def test_backward_after_zero_grad_gives_one_call_worth():
    a, b = Value(2.0), Value(-1.0)
    d = (a * b).tanh() + a  # dd/da = 1 + b (1 - tanh(ab)**2) = 1 - (1 - tanh(-2)**2)
    d.backward()
    d.backward()
    d.zero_grad()
    d.backward()
    assert math.isclose(a.grad, 1.0 - (1.0 - math.tanh(-2.0) ** 2), rel_tol=1e-15)


def test_a_node_not_reached_by_the_latest_call_is_not_accumulated_into():
    x, y = Value(1.0), Value(2.0)
    first = x * y
    first.backward()  # x.grad = 2, y.grad = 1
    second = x + 0.0
    second.backward()  # only x is in this graph
    assert (x.grad, y.grad) == (3.0, 1.0)


def test_topological_order_puts_parents_first_in_operand_order():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    e = d - b
    e.label = "e"
    order = autograd.topological_order(e, include_leaves=True)
    assert [node.label for node in order] == ["a", "b", "c", "d", "e"]


# ------------------------------------------------------------------------------ depth


def test_a_million_node_chain_runs_with_the_default_recursion_limit():
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # CPython's default, whatever the test runner set
    try:
        x = Value(1.5)
        y = x
        for _ in range(1_000_000):
            y = -y  # an even number of negations: y = x, dy/dx = (-1)**1e6 = 1
        y.backward()
        assert (y.data, x.grad) == (1.5, 1.0)
        del y  # freeing the chain must not recurse either
    finally:
        sys.setrecursionlimit(limit)


def test_a_rule_returning_too_few_gradients_is_an_error_naming_the_op(registered):
    # A 3-input op whose rule forgets the third gradient must not leave c.grad silently 0.
    three = registered(
        "three", lambda a, b, c: a * b * c, lambda g, o, a, b, c: (g * b * c, g * a * c)
    )
    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(3.0, label="c")
    for create_graph in (False, True):
        pattern = r"(?s)rule of three returned .*one gradient .* per input.*backward of three"
        with pytest.raises(TypeError, match=pattern):
            three(a, b, c).backward(create_graph=create_graph)


def test_a_rule_returning_a_bare_number_is_an_error_naming_the_op(registered):
    bad = registered("bad", lambda x: 2.0 * x, lambda g, o, x: 2.0 * g)  # not a tuple
    pattern = r"(?s)rule of bad returned float .*one gradient .* per input.*node 'x'"
    with pytest.raises(TypeError, match=pattern):
        bad(Value(1.0, label="x")).backward()


def test_a_recorded_leaf_grad_accumulates_the_same_way_on_both_backward_paths():
    # After create_graph, x.grad is the Value 3x**2 = 12; a plain backward of x*x then adds
    # 2x = 4 on the fast path and under detect_anomaly (the general path) alike: 16.
    from autograd import detect_anomaly

    results = []
    for checked in (False, True):
        x = Value(2.0)
        (x * x * x).backward(create_graph=True)
        if checked:
            with detect_anomaly():
                (x * x).backward()
        else:
            (x * x).backward()
        results.append((type(x.grad), float(x.grad)))
    assert results == [(Value, 16.0), (Value, 16.0)]


def _fails_after_reaching_b_and_c() -> tuple[Value, Value, Value, Value]:
    """(sqrt(a - 2) + c) * b at a = 2, b = 3, c = -1. In any order the sweep must first pass
    the product's gradients on (b gets sqrt(0) + c = -1, then c gets 3), and only then run the
    rule of sqrt, which raises at 0."""
    a, b, c = Value(2.0, label="a"), Value(3.0, label="b"), Value(-1.0, label="c")
    return a, b, c, ((a - 2.0).sqrt() + c) * b


@pytest.mark.parametrize("mode", ["floats", "create_graph", "detect_anomaly"])
def test_a_failed_backward_leaves_every_leaf_grad_as_it_was(mode: str) -> None:
    a, b, c, root = _fails_after_reaching_b_and_c()
    a.grad, b.grad, c.grad = 0.5, 0.25, -1.0
    with pytest.raises(ZeroDivisionError):
        if mode == "detect_anomaly":
            with detect_anomaly():
                root.backward()
        else:
            root.backward(create_graph=mode == "create_graph")
    assert (a.grad, b.grad, c.grad) == (0.5, 0.25, -1.0)


def test_a_failed_backward_leaves_no_partial_gradient_in_interior_nodes() -> None:
    # The product and the add got their gradients (1 and 3) before sqrt's rule raised; after
    # the failure no interior node holds a number of the failed pass.
    a, b, c, root = _fails_after_reaching_b_and_c()
    with pytest.raises(ZeroDivisionError):
        root.backward()
    assert all(node.grad == 0.0 for node in topological_order(root))
