"""``autograd.backward(roots, grads)``: several outputs backpropagated at once, one seed each.

The specification is PyTorch's ``torch.autograd.backward(tensors, grad_tensors)``: every node
receives sum_i seed_i * d(root_i)/d(node). The oracles here are independent of the multi-root
pass: single-root ``backward`` calls on a fresh copy of the graph (summed), derivatives worked
by hand in a comment beside each test, sympy, and central differences.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pytest
import sympy
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd
from autograd import Value
from autograd.testing import expressions


def close(got: float, want: float, tolerance: float = 1e-6) -> bool:
    return math.isclose(got, want, rel_tol=tolerance, abs_tol=tolerance)


def interior_nodes(
    function: Callable[..., object], xs: Sequence[float]
) -> tuple[list[Value], list[Value]]:
    """Fresh leaves for ``xs`` and the interior nodes of ``function``'s graph, in order."""
    leaves = [Value(x) for x in xs]
    result = function(*leaves)
    outputs = result if isinstance(result, list) else [result]
    order = autograd.topological_order(outputs)
    return leaves, order


# ------------------------------------------------------------------------------ by hand


def test_two_roots_sharing_leaves_get_the_seeded_sum_of_their_gradients():
    # r1 = a*b, r2 = a + b*b at a = 2, b = 3, seeds 2 and -1:
    # d/da = 2*b + (-1)*1 = 5;  d/db = 2*a + (-1)*2b = 4 - 6 = -2.
    a, b = Value(2.0), Value(3.0)
    r1, r2 = a * b, a + b * b
    autograd.backward([r1, r2], [2.0, -1.0])
    assert (a.grad, b.grad) == (5.0, -2.0)


def test_roots_get_their_own_seed_as_gradient():
    a, b = Value(2.0), Value(3.0)
    r1, r2 = a * b, a + b
    autograd.backward([r1, r2], [0.5, 4.0])
    assert (r1.grad, r2.grad) == (0.5, 4.0)


def test_no_seeds_means_one_for_every_root():
    # r1 = a*b, r2 = a - b at a = 2, b = 3: d/da = 3 + 1 = 4, d/db = 2 - 1 = 1.
    a, b = Value(2.0), Value(3.0)
    autograd.backward([a * b, a - b])
    assert (a.grad, b.grad) == (4.0, 1.0)


def test_a_root_that_is_an_ancestor_of_another_root_adds_its_seed_to_the_downstream_gradient():
    # u = x*x, v = sin(u) at x = 1.5; seeds 1 for v, 2 for u:
    # du total = cos(u) * 1 + 2;  dx = du total * 2x.
    x = Value(1.5)
    u = x * x
    v = u.sin()
    autograd.backward([v, u], [1.0, 2.0])
    assert close(u.grad, math.cos(2.25) + 2.0)
    assert close(x.grad, (math.cos(2.25) + 2.0) * 3.0)


def test_the_order_of_the_roots_does_not_change_the_gradients():
    x = Value(1.5)
    u = x * x
    v = u.sin()
    autograd.backward([u, v], [2.0, 1.0])
    assert close(x.grad, (math.cos(2.25) + 2.0) * 3.0)


def test_a_root_given_twice_gets_both_seeds():
    # d(x^3)/dx = 3x^2 = 12 at x = 2, seeded 1 + 2 = 3 times.
    x = Value(2.0)
    cube = x**3
    autograd.backward([cube, cube], [1.0, 2.0])
    assert x.grad == 36.0


def test_a_leaf_root_receives_its_seed_on_top_of_the_other_roots():
    # r = x*y at x = 2, y = 3 with seed 1, and x itself with seed 5: dx = y + 5 = 8, dy = x = 2.
    x, y = Value(2.0), Value(3.0)
    autograd.backward([x * y, x], [1.0, 5.0])
    assert (x.grad, y.grad) == (8.0, 2.0)


def test_a_leaf_root_accumulates_onto_its_previous_gradient():
    x = Value(2.0)
    x.grad = 1.25
    autograd.backward([x], [3.0])
    assert x.grad == 4.25


def test_leaves_accumulate_across_calls_with_several_roots():
    # Each call adds d(a*b)/da + d(a+b)/da = 3 + 1 = 4 to a.grad.
    a, b = Value(2.0), Value(3.0)
    roots = [a * b, a + b]
    autograd.backward(roots, [1.0, 1.0])
    autograd.backward(roots, [1.0, 1.0])
    assert a.grad == 8.0


def test_interior_nodes_hold_the_latest_call_only():
    # c = a*b feeds both roots; d(c + sin c)/dc = 1 + cos(c), then 2 for the second call.
    a, b = Value(0.5), Value(2.0)
    c = a * b
    roots = [c + 1.0, c.sin()]
    autograd.backward(roots, [1.0, 1.0])
    assert close(c.grad, 1.0 + math.cos(1.0))
    autograd.backward(roots, [2.0, 0.0])
    assert c.grad == 2.0


def test_a_single_root_with_a_single_number_is_the_same_as_value_backward():
    x = Value(3.0)
    autograd.backward(x * x, 0.5)
    assert x.grad == 3.0


def test_a_value_seed_without_create_graph_is_used_as_its_number():
    x = Value(3.0)
    autograd.backward([x * x], [Value(0.5)])
    assert x.grad == 3.0


# ------------------------------------------------------------------------------ random graphs


@st.composite
def rooted_graphs(
    draw: Callable,
) -> tuple[Callable[..., object], list[float], list[int], list[float]]:
    """A random expression, several of its interior nodes (by position in topological order,
    possibly ancestors of each other or repeated) and a seed for each."""
    function, xs = draw(expressions(max_depth=3, n_inputs=(1, 3)))
    _, order = interior_nodes(function, xs)
    assume(order)
    count = draw(st.integers(1, 4))
    picks = draw(st.lists(st.integers(0, len(order) - 1), min_size=count, max_size=count))
    seeds = draw(st.lists(st.floats(-3.0, 3.0), min_size=count, max_size=count))
    return function, xs, picks, seeds


@given(rooted_graphs())
def test_several_roots_give_the_sum_of_single_backward_passes(example):
    function, xs, picks, seeds = example
    leaves, order = interior_nodes(function, xs)
    autograd.backward([order[pick] for pick in picks], seeds)
    # The oracle: one ordinary backward per root on a fresh copy; leaves accumulate the sum.
    fresh_leaves, fresh_order = interior_nodes(function, xs)
    for pick, seed in zip(picks, seeds, strict=True):
        fresh_order[pick].backward(seed)
    for leaf, fresh in zip(leaves, fresh_leaves, strict=True):
        assert close(leaf.grad, fresh.grad), (leaf.grad, fresh.grad, picks, seeds)


@given(rooted_graphs())
def test_several_roots_match_central_differences_of_the_seeded_sum(example):
    function, xs, picks, seeds = example
    leaves, order = interior_nodes(function, xs)
    autograd.backward([order[pick] for pick in picks], seeds)

    def seeded_sum(point: Sequence[float]) -> float:
        _, nodes = interior_nodes(function, point)
        return math.fsum(seed * nodes[pick].data for pick, seed in zip(picks, seeds, strict=True))

    step = 1e-6
    for index, leaf in enumerate(leaves):
        plus, minus = list(xs), list(xs)
        plus[index] += step
        minus[index] -= step
        numeric = (seeded_sum(plus) - seeded_sum(minus)) / (2 * step)
        assert math.isclose(leaf.grad, numeric, rel_tol=1e-4, abs_tol=1e-4), (index, numeric)


# ------------------------------------------------------------------------------ second order


def second_order_example() -> tuple[Value, Value, Value, Value]:
    """x, y and the seeds s1, s2 as Values, after backward([x*x*y, sin(x*y)], [s1, s2])."""
    x, y = Value(0.7, label="x"), Value(-1.3, label="y")
    s1, s2 = Value(2.0, label="s1"), Value(0.5, label="s2")
    autograd.backward([x * x * y, (x * y).sin()], [s1, s2], create_graph=True)
    return x, y, s1, s2


def test_with_create_graph_the_gradient_is_a_value_matching_sympy():
    x, y, _, _ = second_order_example()
    X, Y = sympy.symbols("x y")
    target = 2.0 * X * X * Y + 0.5 * sympy.sin(X * Y)
    want = float(sympy.diff(target, X).subs({X: 0.7, Y: -1.3}))
    assert isinstance(x.grad, Value)
    assert close(x.grad.data, want, 1e-12)


def test_a_gradient_from_several_roots_differentiates_again_like_sympy():
    x, y, _, _ = second_order_example()
    gradient = x.grad
    x.grad, y.grad = 0.0, 0.0
    gradient.backward()
    X, Y = sympy.symbols("x y")
    first = sympy.diff(2.0 * X * X * Y + 0.5 * sympy.sin(X * Y), X)
    point = {X: 0.7, Y: -1.3}
    assert close(x.grad, float(sympy.diff(first, X).subs(point)), 1e-12)
    assert close(y.grad, float(sympy.diff(first, Y).subs(point)), 1e-12)


def test_value_seeds_are_part_of_the_recorded_gradient():
    # d(x.grad)/d(s1) = d(x*x*y)/dx = 2xy, d(x.grad)/d(s2) = d(sin(xy))/dx = y cos(xy).
    x, _, s1, s2 = second_order_example()
    gradient = x.grad
    gradient.backward()
    assert close(s1.grad, 2 * 0.7 * -1.3, 1e-12)
    assert close(s2.grad, -1.3 * math.cos(0.7 * -1.3), 1e-12)


@given(rooted_graphs())
def test_second_order_through_several_roots_matches_central_differences(example):
    function, xs, picks, seeds = example
    leaves, order = interior_nodes(function, xs)
    autograd.backward([order[pick] for pick in picks], seeds, create_graph=True)
    gradients = [leaf.grad for leaf in leaves]

    def first_order(point: Sequence[float]) -> list[float]:
        fresh, nodes = interior_nodes(function, point)
        autograd.backward([nodes[pick] for pick in picks], seeds)
        return [leaf.grad for leaf in fresh]

    step = 1e-5
    for i, gradient in enumerate(gradients):
        if not isinstance(gradient, Value):
            continue  # a leaf the roots do not depend on: its gradient is the float 0.0
        for leaf in leaves:
            leaf.grad = 0.0
        gradient.backward()
        for j, leaf in enumerate(leaves):
            plus, minus = list(xs), list(xs)
            plus[j] += step
            minus[j] -= step
            numeric = (first_order(plus)[i] - first_order(minus)[i]) / (2 * step)
            assert math.isclose(leaf.grad, numeric, rel_tol=1e-3, abs_tol=1e-3), (i, j, numeric)


# ------------------------------------------------------------------------------ bad input


def test_more_seeds_than_roots_is_a_type_error_naming_both_counts():
    a = Value(1.0)
    with pytest.raises(TypeError, match="2 roots but 3 seed gradients"):
        autograd.backward([a * 2, a * 3], [1.0, 1.0, 1.0])


def test_fewer_seeds_than_roots_is_a_type_error():
    a = Value(1.0)
    with pytest.raises(TypeError, match="2 roots but 1 seed"):
        autograd.backward([a * 2, a * 3], [1.0])


def test_one_number_for_several_roots_is_a_type_error_asking_for_a_sequence():
    a = Value(1.0)
    with pytest.raises(TypeError, match="need a sequence of as many seeds"):
        autograd.backward([a * 2, a * 3], 1.0)


@pytest.mark.parametrize("seed", ["1.0", None, [1.0], True], ids=["str", "none", "list", "bool"])
def test_a_seed_that_is_not_a_number_is_a_type_error_naming_it(seed):
    a = Value(1.0)
    with pytest.raises(TypeError, match="seed gradient must be a number"):
        autograd.backward([a * 2, a * 3], [1.0, seed])


@pytest.mark.parametrize("seed", [math.nan, math.inf, -math.inf])
def test_a_non_finite_seed_is_a_value_error(seed):
    a = Value(1.0)
    with pytest.raises(ValueError, match="must be finite"):
        autograd.backward([a * 2, a * 3], [seed, 1.0])


@pytest.mark.parametrize(
    "roots", [[], [1.0], "ab", [Value(1.0), 2.0]], ids=["empty", "number", "string", "mixed"]
)
def test_roots_that_are_not_values_are_a_type_error(roots):
    with pytest.raises(TypeError, match="needs a Value or a sequence of Values"):
        autograd.backward(roots)


def test_a_rejected_seed_leaves_every_gradient_unchanged():
    a = Value(1.0)
    a.grad = 0.75
    product = a * 2
    with pytest.raises(ValueError):
        autograd.backward([product, a * 3], [1.0, math.nan])
    assert (a.grad, product.grad) == (0.75, 0.0)


# ------------------------------------------------------------------------------ all or nothing


@pytest.fixture
def exploding(registered):
    """An op whose forward is the identity and whose rule always raises."""

    def rule(grad, out, x):
        raise RuntimeError("this rule always fails")

    return registered("exploding", lambda x: x, rule, arity=1)


def test_a_failing_rule_raises_its_own_exception_with_the_op_noted(exploding):
    a, b = Value(1.5), Value(2.0)
    with pytest.raises(RuntimeError, match="always fails") as caught:
        autograd.backward([a * b, exploding(a * b)], [1.0, 1.0])
    assert any("exploding" in note for note in caught.value.__notes__)


def test_a_failing_rule_leaves_the_leaves_as_they_were(exploding):
    # The root a*b + ... is swept before the failing node is reached, so contributions have
    # already been added to a and b when the rule raises.
    a, b = Value(1.5), Value(2.0)
    a.grad, b.grad = 0.25, -1.0
    shared = a * b
    with pytest.raises(RuntimeError):
        autograd.backward([exploding(shared), shared * a], [1.0, 1.0])
    assert (a.grad, b.grad) == (0.25, -1.0)


def test_a_failing_rule_leaves_no_partial_interior_gradient(exploding):
    # doubled's rule runs before the failing one is reached, so shared had received 2.0 from
    # this call when the exception was raised; afterwards no interior node holds a partial sum.
    a, b = Value(1.5), Value(2.0)
    shared = a * b
    doubled = shared * 2.0
    doubled.backward()
    with pytest.raises(RuntimeError):
        autograd.backward([exploding(shared), doubled], [1.0, 3.0])
    assert (shared.grad, doubled.grad) == (0.0, 0.0)
