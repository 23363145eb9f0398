"""Forward mode (``jacfwd``, ``jvp``) and reverse mode (``grad``) agree: the same numbers, or the
same exception type, for the same function at the same point, domain edges included.

Reverse mode runs a node's rule only when a nonzero gradient reaches it from the output, so a
rule that fails (sqrt's slope at 0 is infinite) is an error exactly when the output's derivative
with respect to that node is not zero. Forward mode keeps a failed rule's error with that
derivative, carried forward like a tangent, and raises it when an output depends on it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Dual, grad, jacfwd, jvp

# ------------------------------------------------------------------------------ the two findings


def test_an_unused_sqrt_at_zero_is_no_error_in_either_mode() -> None:
    # f(x) = 2x, with sqrt(x) computed and dropped: f'(0) = 2 in both modes.
    def f(x: Any) -> Any:
        x.sqrt()
        return x * 2.0

    assert grad(f)(0.0) == 2.0
    assert jacfwd(f)(0.0) == 2.0


def test_sqrt_of_a_product_at_zero_raises_in_both_modes() -> None:
    # sqrt(x * y) at (0, 0): the gradient 1 reaches sqrt, whose slope 1 / (2 sqrt(0)) is
    # infinite: backward() raises ZeroDivisionError, and so must forward mode, though the
    # tangent of x * y there is 0 along both axes.
    def f(x: Any, y: Any) -> Any:
        return (x * y).sqrt()

    with pytest.raises(ZeroDivisionError):
        grad(f, argnums=(0, 1))(0.0, 0.0)
    with pytest.raises(ZeroDivisionError):
        jacfwd(f, argnums=(0, 1))(0.0, 0.0)
    with pytest.raises(ZeroDivisionError):
        jvp(f, (0.0, 0.0), (1.0, 0.0))


def test_a_failed_rule_behind_a_dead_relu_is_no_error_in_either_mode() -> None:
    # relu(-1) * sqrt(x) + x at x = 0: sqrt's gradient is relu(-1) = 0, so its rule never runs
    # in backward(); the derivative is 1.
    def f(x: Any) -> Any:
        return (x - 1.0).relu() * x.sqrt() + x

    assert grad(f)(0.0) == 1.0
    assert jacfwd(f)(0.0) == 1.0


def test_a_failed_rule_whose_paths_to_the_output_cancel_is_no_error_in_either_mode() -> None:
    # s = sqrt(x); s - s + x: the gradient reaching s is 1 - 1 = 0, so backward() never runs
    # sqrt's rule; the derivative is 1.
    def f(x: Any) -> Any:
        s = x.sqrt()
        return s - s + x

    assert grad(f)(0.0) == 1.0
    assert jacfwd(f)(0.0) == 1.0


def test_a_dual_whose_derivative_failed_raises_when_its_tangent_is_read() -> None:
    root = Dual(0.0, 1.0).sqrt()
    assert root.primal == 0.0
    with pytest.raises(ZeroDivisionError):
        _ = root.tangent


# ------------------------------------------------------------------------------ random graphs

#: Ops as (name, arity, how to apply them to Values and Duals alike).
OPS: list[tuple[str, int, Callable[..., Any]]] = [
    ("add", 2, lambda a, b: a + b),
    ("sub", 2, lambda a, b: a - b),
    ("mul", 2, lambda a, b: a * b),
    ("truediv", 2, lambda a, b: a / b),
    ("powv", 2, lambda a, b: a ** b),
    ("sqrt", 1, lambda a: a.sqrt()),
    ("log", 1, lambda a: a.log()),
    ("exp", 1, lambda a: a.exp()),
    ("tanh", 1, lambda a: a.tanh()),
    ("relu", 1, lambda a: a.relu()),
    ("abs", 1, lambda a: abs(a)),
    ("sin", 1, lambda a: a.sin()),
    ("square", 1, lambda a: a ** 2),
    ("root", 1, lambda a: a ** 0.5),
    ("reciprocal", 1, lambda a: a ** -1),
    ("minus one", 1, lambda a: a - 1.0),
    ("times zero", 1, lambda a: a * 0.0),
]

#: The domain edges 0 and 1 of sqrt, log, pow and powv half the time, else multiples of 1/8 in
#: [-2, 2]: no tiny number makes the two modes' different orders of addition round apart
#: (at x = 1e-89, 1 + 1/x - 1/x is 0 in one order and 1 in the other).
NUMBERS = st.one_of(st.sampled_from([0.0, 1.0]),
                    st.integers(-16, 16).map(lambda eighths: eighths / 8))


@dataclass(frozen=True)
class Program:
    """A random DAG: slot i < inputs is input i; each step applies an op to earlier slots; the
    output is the sum of the chosen slots (the others are computed and left unused)."""

    inputs: int
    steps: tuple[tuple[int, tuple[int, ...]], ...]
    outputs: tuple[int, ...]

    def __call__(self, *xs: Any) -> Any:
        slots = list(xs)
        for op, operands in self.steps:
            slots.append(OPS[op][2](*[slots[operand] for operand in operands]))
        total = slots[self.outputs[0]]
        for slot in self.outputs[1:]:
            total = total + slots[slot]
        return total

    def __repr__(self) -> str:
        lines = [f"Program({self.inputs} inputs)"]
        for index, (op, operands) in enumerate(self.steps):
            lines.append(f"  s{self.inputs + index} = {OPS[op][0]}{operands}")
        lines.append(f"  return sum of {self.outputs}")
        return "\n".join(lines)


@st.composite
def programs(draw: Any) -> tuple[Program, list[float]]:
    inputs = draw(st.integers(1, 3))
    steps = []
    for step in range(draw(st.integers(1, 6))):
        op = draw(st.integers(0, len(OPS) - 1))
        operands = tuple(draw(st.integers(0, inputs + step - 1)) for _ in range(OPS[op][1]))
        steps.append((op, operands))
    total = inputs + len(steps)
    outputs = tuple(draw(st.lists(st.integers(0, total - 1), min_size=1, max_size=3)))
    return Program(inputs, tuple(steps), outputs), draw(st.lists(NUMBERS, min_size=inputs,
                                                                 max_size=inputs))


def _outcome(run: Callable[[], Any]) -> tuple[tuple[float, ...] | None, type | None]:
    try:
        return tuple(run()), None
    except (ArithmeticError, ValueError) as error:
        return None, type(error)


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@given(programs())
def test_forward_and_reverse_mode_give_the_same_numbers_or_the_same_error(
    example: tuple[Program, list[float]],
) -> None:
    program, inputs = example
    argnums = tuple(range(program.inputs))
    reverse = _outcome(lambda: grad(program, argnums=argnums)(*inputs))
    forward = _outcome(lambda: jacfwd(program, argnums=argnums)(*inputs))
    assert reverse[1] == forward[1], (reverse, forward)
    if reverse[0] is not None and forward[0] is not None:
        assert all(_close(a, b) for a, b in zip(reverse[0], forward[0], strict=True)), (
            reverse, forward)
