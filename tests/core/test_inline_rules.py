"""The sweep's common nodes (``affine``, ``dot``, ``sum``, ``add``, ``mul``): their rules' numbers.

The backward core applies these five rules in place (one product and one addition per edge);
these tests pin what that must keep: the numbers of the rules (worked out by hand), operands that
appear twice, zero contributions, and an entry registered again under one of the names, whose own
rule must run.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import autograd
from autograd import Value
from autograd.core.value import apply
from autograd.ops import OPS, register


def test_affine_gives_each_weight_its_input_the_bias_one_and_each_input_its_weight() -> None:
    w1, w2, b, x1, x2 = (Value(n) for n in (2.0, -3.0, 0.5, 4.0, 0.0))
    out = autograd.dot([w1, w2], [x1, x2], bias=b)  # 2*4 - 3*0 + 0.5 = 8.5
    assert out.data == 8.5
    (3.0 * out).backward()
    assert [w1.grad, w2.grad, b.grad, x1.grad, x2.grad] == [12.0, 0.0, 3.0, 6.0, -9.0]


def test_an_operand_used_twice_gets_both_contributions() -> None:
    x = Value(3.0)
    y = Value(5.0)
    out = autograd.dot([x, y], [x, x])  # x*x + y*x: d/dx = 2x + y = 11, d/dy = x = 3
    out.backward()
    assert (x.grad, y.grad) == (11.0, 3.0)
    total = autograd.sum([x, x, y])  # d/dx = 2, d/dy = 1, added to what the leaves held
    total.backward()
    assert (x.grad, y.grad) == (13.0, 4.0)


def test_an_entry_registered_again_under_the_name_runs_its_own_rule() -> None:
    original = OPS["dot"]

    def tripled(grad: Any, out: Any, *operands: Any) -> tuple[Any, ...]:
        return tuple(3.0 * c for c in original.rule(grad, out, *operands))

    register(dataclasses.replace(original, rule=tripled))
    try:
        w, x = Value(2.0), Value(5.0)
        a, c = Value(1.0), Value(1.0)
        out = autograd.dot([w, a], [x, c])  # 2*5 + 1*1
        out.backward()
        assert (w.grad, x.grad) == (15.0, 6.0)  # 3 * 5, 3 * 2
    finally:
        register(original)
    w.grad = x.grad = 0.0
    autograd.dot([w, a], [x, c]).backward()
    assert (w.grad, x.grad) == (5.0, 2.0)


def test_add_and_mul_give_their_rules_gradients_and_a_new_entry_runs_its_own() -> None:
    x, y = Value(3.0), Value(-2.0)
    out = x * y + x * x  # d/dx = y + 2x = 4, d/dy = x = 3
    out.backward()
    assert (x.grad, y.grad) == (4.0, 3.0)
    zero = Value(0.0)
    w = Value(5.0)
    (w * zero).backward()  # d/dw = 0: nothing added; d/dzero = 5
    assert (w.grad, zero.grad) == (0.0, 5.0)

    original = OPS["add"]
    register(dataclasses.replace(original, rule=lambda grad, out, a, b: (2.0 * grad, grad)))
    try:
        a, b = Value(1.0), Value(1.0)
        apply(OPS["add"], a, b).backward()  # (``a + b`` is bound to the engine's own entry)
        assert (a.grad, b.grad) == (2.0, 1.0)
    finally:
        register(original)


def test_relu_tanh_and_exp_give_their_rules_gradients() -> None:
    # relu' = 1 above 0 and 0 at or below it; tanh'(0) = 1; exp'(0) = e**0 = 1.
    xs = [Value(2.0), Value(0.0), Value(-1.0)]
    autograd.sum([x.relu() for x in xs]).backward()
    assert [x.grad for x in xs] == [1.0, 0.0, 0.0]
    t, e = Value(0.0), Value(0.0)
    (t.tanh() * 3.0 + e.exp() * 5.0).backward()
    assert (t.grad, e.grad) == (3.0, 5.0)

    original = OPS["relu"]
    register(dataclasses.replace(original, rule=lambda grad, out, x: (7.0 * grad,)))
    try:
        x = Value(-1.0)
        apply(OPS["relu"], x).backward()
        assert x.grad == 7.0
    finally:
        register(original)
