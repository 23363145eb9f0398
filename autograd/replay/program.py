"""What the tape and the batched replay share: instructions, guards and replay slots.

A tape (:mod:`autograd.replay.tape`) is a list of :class:`Instruction` lines and :class:`Guard`
checks; both replays, on floats and over numpy rows (:mod:`autograd.replay.batched`), run the
backward core's sweep on :class:`Slot` nodes wired like the traced graph.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..core.ops import Op

__all__ = ["COMPARE", "Guard", "Instruction", "Slot", "TapeBranchError", "branch_error"]


class TapeBranchError(RuntimeError):
    """A replay reached a comparison whose recorded outcome no longer holds.

    The traced function would take another path for these numbers, so the tape does not
    describe it: trace the function again, or use ``autograd.maximum``/``minimum`` (ops the tape
    replays exactly) instead of comparing Values in Python.
    """


@dataclass(frozen=True)
class Instruction:
    """One line of the Wengert list: ``v[output] = op(v[inputs[0]], ...)``."""

    op: Op
    output: int
    inputs: tuple[int, ...]
    label: str = ""


@dataclass(frozen=True)
class Guard:
    """A comparison made while tracing: ``left symbol right`` was ``outcome``.

    ``right`` is a slot number when ``right_is_slot``, otherwise the constant compared with.
    """

    symbol: str
    left: int
    right: float
    right_is_slot: bool
    outcome: bool

    def holds(self, values: Sequence[float]) -> bool:
        """Whether the comparison gives the recorded outcome on ``values``."""
        right = values[int(self.right)] if self.right_is_slot else self.right
        return COMPARE[self.symbol](values[self.left], right) == self.outcome

    def text(self) -> str:
        """The guard as it prints: ``assert v3 > v5`` or ``assert not v3 > v5``."""
        right = f"v{int(self.right)}" if self.right_is_slot else repr(self.right)
        test = f"v{self.left} {self.symbol} {right}"
        return f"assert {test}" if self.outcome else f"assert not {test}"


COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class Slot:
    """A replay's working node: the four fields the backward core reads, plus where it is.

    A tape builds one slot per input, parameter and instruction once, wired like the traced
    graph; every replay writes new numbers into them and runs the engine's own sweep
    (:func:`autograd.core.backprop.sweep`) over them, so a replay cannot apply the chain rule
    differently from ``backward()``.
    """

    __slots__ = ("data", "grad", "parents", "op", "label", "context")

    def __init__(self, op: Op | None, parents: tuple[Slot, ...], label: str,
                 context: str) -> None:
        self.data = 0.0
        self.grad = 0.0
        self.parents = parents
        self.op = op
        self.label = label
        self.context = context


def branch_error(guard: Guard, left: float, right: float,
                 row: int | None = None) -> TapeBranchError:
    """The error for ``guard`` failing on ``left`` and ``right`` (in ``row`` of a batch)."""
    right_name = f"v{int(guard.right)} = {right!r}" if guard.right_is_slot else repr(right)
    test = guard.text().removeprefix("assert ")
    where = "" if row is None else f" in row {row} of the batch"
    return TapeBranchError(
        f"tape guard '{test}' no longer holds{where} (v{guard.left} = {left!r}, "
        f"{right_name}): the traced function compared these Values and took a branch that "
        "these numbers would not take; trace it again for them, or use autograd.maximum/"
        "minimum, which the tape replays exactly"
    )
