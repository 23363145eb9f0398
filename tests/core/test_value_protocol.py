"""How a Value behaves as a Python object: construction, repr, comparisons, identity and hashing,
and Python's own ``max()`` routing the gradient to the arg-max."""

from __future__ import annotations

import pytest

import autograd
from autograd import Value


def test_ints_and_bools_become_floats():
    assert type(Value(3).data) is float and Value(3).data == 3.0
    assert Value(True).data == 1.0


def test_a_new_value_is_a_leaf_with_zero_gradient():
    v = Value(1.5)
    assert (v.grad, v.parents, v.op, v.label, v.is_leaf) == (0.0, (), None, "", True)


def test_repr_shows_data_and_grad():
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"


def test_repr_shows_the_label_when_set():
    assert repr(Value(-1.5, label="w1")) == "Value(data=-1.5, grad=0.0, label='w1')"


def test_repr_shows_the_gradient_after_backward():
    x = Value(3.0)
    (x * x).backward()
    assert repr(x) == "Value(data=3.0, grad=6.0)"


def test_float_of_a_value_is_its_data():
    assert float(Value(2.5)) == 2.5


def test_comparisons_look_at_data_and_return_bool():
    a, b = Value(1.0), Value(2.0)
    results = [a < b, a <= b, a > b, a >= b, a < 1.5, a >= 1]
    assert results == [True, True, False, False, True, True]
    assert all(type(result) is bool for result in results)


def test_comparison_with_a_number_on_the_left():
    assert (3.0 > Value(2.0)) is True  # noqa: SIM300 - the reflected comparison is the point


def test_equality_is_identity():
    a = Value(1.0)
    same, twin, number = a == a, a == Value(1.0), a == 1.0
    assert (same, twin, number) == (True, False, False)


def test_values_are_hashable_graph_nodes():
    a, twin = Value(1.0), Value(1.0)
    assert len({a, twin, a}) == 2
    assert {a: "a", twin: "twin"}[twin] == "twin"


def test_python_max_routes_the_gradient_to_the_arg_max_only():
    a, b, c = Value(1.0), Value(5.0), Value(3.0)
    y = max([a, b, c]) * 2.0  # max picks b: dy/db = 2, the others get nothing
    y.backward()
    assert (a.grad, b.grad, c.grad) == (0.0, 2.0, 0.0)


def test_python_min_routes_the_gradient_to_the_arg_min_only():
    a, b = Value(1.0), Value(5.0)
    y = min(a, b) * 3.0
    y.backward()
    assert (a.grad, b.grad) == (3.0, 0.0)


def test_sorted_orders_values_by_data():
    values = [Value(3.0), Value(-1.0), Value(2.0)]
    assert [v.data for v in sorted(values)] == [-1.0, 2.0, 3.0]


def test_maximum_at_a_tie_gives_the_gradient_to_the_first_input():
    a, b = Value(2.0), Value(2.0)
    autograd.maximum(a, b).backward()  # the table's convention at the kink
    assert (a.grad, b.grad) == (1.0, 0.0)


def test_relu_at_zero_has_zero_slope():
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0


def test_abs_at_zero_has_zero_slope():
    x = Value(0.0)
    abs(x).backward()
    assert x.grad == 0.0


def test_leaky_relu_at_zero_has_the_leak_slope():
    x = Value(0.0)
    x.leaky_relu(0.2).backward()
    assert x.grad == 0.2


def test_numpy_style_scalars_are_accepted_as_numbers():
    # numpy's scalar types register as numbers.Real / numbers.Integral without subclassing
    # int; Fraction is another Real. All become floats, as ints do.
    from fractions import Fraction

    from lookalikes import Int64Like

    assert Value(Int64Like(3)).data == 3.0
    assert Value(Fraction(1, 4)).data == 0.25
    assert (Value(2.0) * Int64Like(-1)).data == -2.0
    assert (Value(2.0) ** Fraction(1, 2)).data == 2.0 ** 0.5


def test_an_int_too_large_for_a_float_raises_overflow_error_naming_it() -> None:
    with pytest.raises(OverflowError, match=r"Value\(data\): int 1000000000.* is too large"):
        Value(10**400, label="big")


def test_an_int_constant_on_either_side_of_an_operator_becomes_a_float_leaf() -> None:
    x = Value(3.0)
    total = 1 + -2 * x  # micrograd's hinge shape: int constants
    assert total.data == -5.0
    constants = [total.parents[0], total.parents[1].parents[0]]
    assert [(type(leaf.data), leaf.data) for leaf in constants] == [(float, 1.0), (float, -2.0)]
    total.backward()
    assert x.grad == -2.0
