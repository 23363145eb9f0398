"""What a backward pass does with leaves whose gradient was zero before it (constant leaves).

The pass remembers a leaf's previous gradient only when it is not zero; the zero ones are listed
so that their slots can be cleaned. These tests pin what that must keep: a leaf no gradient
reached holds a plain 0.0 afterwards, a failed pass gives every such leaf back its 0.0, and a pass
in another thread over a graph that shares only such a leaf waits for the running pass.
Expected numbers are worked out by hand in the comments.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import pytest

from autograd import Value

Register = Callable[..., Callable[..., Value]]
PATIENCE = 30.0  # a bound for a thread that should finish, not a timing


def test_a_zero_leaf_no_gradient_reaches_holds_a_plain_zero() -> None:
    w = Value(2.0)
    dead = (w * -1.0).relu()  # relu(-2): no gradient flows back to w or to the constant -1
    alive = Value(3.0)
    y = dead + alive * 5.0
    y.backward()
    assert type(w.grad) is float and w.grad == 0.0
    constant = dead.parents[0].parents[1]
    assert type(constant.grad) is float and constant.grad == 0.0
    assert alive.grad == 5.0
    y.backward()  # a second pass: the zero leaf is met again, and still not reached
    assert type(w.grad) is float and w.grad == 0.0
    assert alive.grad == 10.0


def test_constant_leaves_of_a_long_chain_get_their_gradients() -> None:
    # x_k = 0.5 + 2 * x_{k-1}: d x_n / d x_0 = 2**n; the constant 2 of the last step gets x_{n-1}.
    x0 = Value(1.0)
    x = x0
    for _ in range(20):
        x = 0.5 + 2.0 * x
    x.backward()
    assert x0.grad == 2.0**20
    last_two = x.parents[1].parents[0]
    assert last_two.grad == x.parents[1].parents[1].data  # d(2 * u)/d2 = u


def test_a_failed_pass_gives_zero_leaves_back_their_zero(registered: Register) -> None:
    def fail(grad: Any, out: Any, x: Any) -> tuple[Any]:
        raise ZeroDivisionError("no derivative here")

    broken = registered("broken_identity", lambda x: x, fail)
    w = Value(3.0)
    kept = Value(1.0)
    kept.grad = 0.25
    # y = broken(u) + w * c + kept * 2: the sweep reaches w, c and kept before the broken rule.
    u = Value(4.0)
    y = broken(u) + (w * 7.0 + kept * 2.0)
    with pytest.raises(ZeroDivisionError):
        y.backward()
    constant = y.parents[1].parents[0].parents[1]
    for leaf in (w, u, constant):
        assert type(leaf.grad) is float and leaf.grad == 0.0
    assert kept.grad == 0.25


def test_a_thread_waits_for_a_pass_that_shares_only_a_zero_leaf(registered: Register) -> None:
    # Pass A (y = 2 * pause(x * w)) starts, from its rule, a thread B that differentiates
    # z = 3 * w, which shares only the leaf w (gradient 0.0 before) with A. B must wait for A:
    # w.grad = 2x (from A, x = 5: 10) + 3 (from B) = 13.
    x, w = Value(5.0), Value(1.5)
    z = 3.0 * w
    threads: list[threading.Thread] = []
    waited: list[bool] = []

    def rule(grad: Any, out: Any, h: Any) -> tuple[Any]:
        thread = threading.Thread(target=z.backward, daemon=True)
        threads.append(thread)
        thread.start()
        thread.join(0.2)  # B waits for A (expected) or finishes at once
        waited.append(thread.is_alive())
        return (grad,)

    pause = registered("pausing_identity", lambda h: h, rule)
    (2.0 * pause(x * w)).backward()
    threads[0].join(PATIENCE)
    assert not threads[0].is_alive()
    assert waited == [True]
    assert w.grad == 13.0


@pytest.mark.parametrize("number", [math.inf, -math.inf, math.nan])
def test_a_non_finite_float_operand_is_refused_as_value_refuses_it(number: float) -> None:
    with pytest.raises(ValueError, match="must be finite"):
        Value(1.0) + number
    with pytest.raises(ValueError, match="must be finite"):
        number * Value(1.0)


def test_a_float_operand_becomes_a_plain_constant_leaf() -> None:
    out = 2.5 * Value(4.0)
    constant = out.parents[0]
    assert type(constant) is Value and constant.is_leaf
    assert (constant.data, constant.grad, constant.parents, constant.label) == (2.5, 0.0, (), "")
    out.backward()
    assert constant.grad == 4.0  # d(c * x)/dc = x
