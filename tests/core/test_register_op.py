"""register_op: a user's op becomes a table entry that records, differentiates, draws and checks.

Every op registered here is removed again by the ``registered`` fixture (``ops.unregister``), so
tests that walk the op table never see it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from autograd import OPS, Op, Value, check_graph, gradcheck, register_op
from autograd.ops import Interval, cos, sin, unregister
from autograd.viz import draw_graph


def cube_rule(grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (grad * 3.0 * x * x,)


def test_the_returned_function_records_one_node_of_the_new_op(registered) -> None:
    cube = registered("cube", lambda x: x**3, cube_rule)
    x = Value(2.0)
    y = cube(x)
    assert y.data == 8.0
    assert y.op is OPS["cube"]
    assert y.parents == (x,)


def test_backward_runs_the_registered_rule(registered) -> None:
    cube = registered("cube", lambda x: x**3, cube_rule)
    x = Value(2.0)
    (cube(x) + x).backward()
    assert x.grad == 13.0  # 3 x^2 + 1 at x = 2


def test_second_derivatives_work_when_the_rule_uses_value_arithmetic(registered) -> None:
    cube = registered("cube", lambda x: x**3, cube_rule)
    x = Value(2.0)
    cube(x).backward(create_graph=True)
    first = x.grad
    x.grad = 0.0
    first.backward()
    assert x.grad == 12.0  # d2/dx2 x^3 = 6x


def test_the_op_is_checkable_to_second_order(registered) -> None:
    wave = registered("wave", lambda x: math.sin(x) + x,
                      lambda grad, out, x: (grad * (1.0 + cos(x)),))
    assert gradcheck(lambda x: wave(x * x), [0.7], order=2).passed


def test_numbers_are_accepted_as_operands(registered) -> None:
    scaled = registered("scaled", lambda a, b: a * b, lambda grad, out, a, b: (grad * b, grad * a))
    assert scaled(3, Value(2.0)).data == 6.0


def test_arity_is_read_from_forward(registered) -> None:
    registered("pair", lambda a, b: a - b, lambda grad, out, a, b: (grad, -grad))
    registered("many", lambda *xs: math.fsum(xs), lambda grad, out, *xs: (grad,) * len(xs))
    assert (OPS["pair"].arity, OPS["many"].arity) == (2, None)


def test_wrong_operand_count_raises_type_error_naming_the_op(registered) -> None:
    cube = registered("cube", lambda x: x**3, cube_rule)
    with pytest.raises(TypeError, match="cube takes 1 operand"):
        cube(Value(1.0), Value(2.0))


def test_an_n_ary_op_takes_any_number_of_operands(registered) -> None:
    total = registered("total", lambda *xs: math.fsum(xs), lambda grad, out, *xs: (grad,) * len(xs))
    xs = [Value(float(i)) for i in range(5)]
    root = total(*xs)
    root.backward()
    assert root.data == 10.0 and [x.grad for x in xs] == [1.0] * 5


def test_keyword_parameters_are_bound_per_call(registered) -> None:
    power = registered(
        "power", lambda x, *, p: x**p, lambda grad, out, x, *, p: (grad * p * x ** (p - 1.0),),
        examples=({"p": 2.0},))
    node = power(Value(3.0), p=2.0)
    assert node.data == 9.0
    assert node.op.title == "power(p=2)"
    assert gradcheck(lambda x: power(x, p=4.0), [1.5]).passed


def test_domain_pairs_become_intervals(registered) -> None:
    registered("root4", lambda x: x**0.25, lambda grad, out, x: (grad * 0.25 / out**3,),
               domain=[(0.0, math.inf)])
    assert OPS["root4"].input_domain(0) == Interval(0.0, math.inf)


def test_kinks_are_used_by_gradcheck(registered) -> None:
    step = registered("ramp", lambda x: max(x, 0.0), lambda grad, out, x: (
        grad if x > 0.0 else 0.0,), kinks=[lambda x: x])
    report = gradcheck(lambda x: step(x), [0.0])
    assert report.passed
    assert report.rows[0].status_text == "kink at ramp (node #0)"


def test_the_entry_keeps_doc_and_symbolic(registered) -> None:
    registered("twice", lambda x: 2.0 * x, lambda grad, out, x: (2.0 * grad,),
               doc="2x;  d/dx = 2", symbolic=lambda sp, x: 2 * x)
    entry = OPS["twice"]
    assert isinstance(entry, Op)
    assert entry.doc == "2x;  d/dx = 2"
    assert entry.symbolic is not None


def test_built_in_ops_cannot_be_replaced() -> None:
    with pytest.raises(ValueError, match="'mul' is one of the engine's own ops"):
        register_op("mul", lambda a, b: a * b, lambda grad, out, a, b: (grad * b, grad * a))
    assert OPS["mul"].doc.startswith("a * b")


def test_re_registering_a_custom_name_replaces_it(registered) -> None:
    registered("bump", lambda x: x + 1.0, lambda grad, out, x: (grad,))
    bump = registered("bump", lambda x: x + 2.0, lambda grad, out, x: (grad,))
    assert bump(Value(0.0)).data == 2.0
    assert OPS["bump"].forward(0.0) == 2.0


def test_unregister_removes_the_entry(registered) -> None:
    registered("gone", lambda x: x, lambda grad, out, x: (grad,))
    removed = unregister("gone")
    assert removed.name == "gone" and "gone" not in OPS


def test_unregister_of_an_unknown_name_raises_key_error() -> None:
    with pytest.raises(KeyError, match="no op named 'never_registered'"):
        unregister("never_registered")


def test_the_op_is_drawn_with_its_name(registered) -> None:
    cube = registered("cube", lambda x: x**3, cube_rule)
    source = draw_graph(cube(Value(2.0, label="x"))).source
    assert "cube" in source


def test_a_deliberately_wrong_custom_op_is_named_by_check_graph(registered) -> None:
    # sin with d/dx = sin(x) instead of cos(x): a classic slip
    slip = registered("slipped_sin", math.sin, lambda grad, out, x: (grad * sin(x),))
    x = Value(0.9, label="x")
    hidden = (x * 2.0).tanh()
    hidden.label = "h"
    wrong = slip(hidden)
    wrong.label = "s"
    report = check_graph((wrong * x).exp())
    assert report.culprit == "slipped_sin (node 's')"
    with pytest.raises(AssertionError, match=r"is slipped_sin \(node 's'\)"):
        gradcheck(lambda x: labelled(slip((x * 2.0).tanh()), "s").exp(), [0.9])


def labelled(value: Value, label: str) -> Value:
    value.label = label
    return value


def test_registered_op_error_in_forward_names_the_op(registered) -> None:
    def strict_log(x: float) -> float:
        if x <= 0.0:
            raise ValueError(f"strict_log of non-positive value {x!r}")
        return math.log(x)

    op = registered("strict_log", strict_log, lambda grad, out, x: (grad / x,))
    pattern = r"(?s)strict_log of non-positive value -1.0.*forward of strict_log .*\(node 'x'\)"
    with pytest.raises(ValueError, match=pattern):
        op(Value(-1.0, label="x"))


@pytest.mark.parametrize("forward", [lambda x: 1, lambda x: complex(x, 1.0), lambda x: None],
                         ids=["int", "complex", "None"])
def test_a_custom_forward_returning_a_non_float_is_a_type_error_naming_the_op(
    registered: Callable[..., Callable[..., Value]], forward: Callable[[float], Any],
) -> None:
    odd = registered("odd", forward, lambda g, o, x: (g,))
    with pytest.raises(TypeError, match="odd: the forward of this custom op must return a real"):
        odd(Value(2.0))


def test_re_registering_a_custom_op_never_runs_the_old_forward_through_the_bind_cache(
    registered: Callable[..., Callable[..., Value]],
) -> None:
    first = registered("scaled", lambda x, *, k: k * x, lambda g, o, x, *, k: (g * k,))
    second = registered("scaled", lambda x, *, k: k * x + 1.0, lambda g, o, x, *, k: (g * k,))
    first(Value(3.0), k=2.0)  # the old handle binds its own entry with k = 2
    assert second(Value(3.0), k=2.0).data == 7.0  # 2 * 3 + 1: the new forward
