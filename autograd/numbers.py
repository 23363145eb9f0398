"""What counts as a number: one definition of each rule, imported wherever input is checked.

Python's ``bool`` is an ``int`` (``True + True == 2``), so "a real number" and "a count" must each
exclude it explicitly; numpy scalars and ``fractions.Fraction`` are accepted through the
``numbers`` ABCs, as ``Value`` accepts them.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

__all__ = ["is_count", "is_real", "require_count"]


def is_real(x: Any) -> bool:
    """True for a real number that is not a bool: int, float, Fraction, numpy scalars."""
    return isinstance(x, Real) and not isinstance(x, bool)


def is_count(x: Any, low: int = 0) -> bool:
    """True for an integer (not a bool) of at least ``low``: sizes, steps, epochs, versions."""
    return isinstance(x, Integral) and not isinstance(x, bool) and int(x) >= low


def require_count(name: str, x: Any, low: int = 1) -> int:
    """``x`` as an int when it is a count of at least ``low``.

    Raises:
        TypeError: ``x`` is not an integer (or is a bool); the message names ``name``.
        ValueError: ``x`` is below ``low``.
    """
    if not isinstance(x, Integral) or isinstance(x, bool):
        raise TypeError(f"{name} must be an integer, got {type(x).__name__} {x!r}")
    if int(x) < low:
        raise ValueError(f"{name} must be at least {low}, got {x!r}")
    return int(x)
