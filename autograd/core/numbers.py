"""What counts as a number: one definition of each rule, imported wherever input is checked.

Python's ``bool`` is an ``int`` (``True + True == 2``), so "a real number" and "a count" must each
exclude it explicitly; numpy scalars and ``fractions.Fraction`` are accepted through the
``numbers`` ABCs, as ``Value`` accepts them.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

__all__ = ["is_count", "is_real", "require_count", "require_finite"]


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


def require_finite(
    name: str, x: Any, *, kind: str = "a real number",
    too_large: type[ArithmeticError] | type[ValueError] = OverflowError,
) -> float:
    """``x`` as a float when it is a finite real number (not a bool).

    Args:
        name: what ``x`` is, the start of every message: ``"pow: the exponent"``,
            ``"gradcheck: input 0"``.
        x: the number to check.
        kind: what the TypeError says ``x`` must be.
        too_large: the error raised for a number too large for a float (an int of 309 digits
            or more).

    Raises:
        TypeError: ``x`` is not a real number, or is a bool:
            ``"<name> must be <kind>, got str 'a'"``.
        OverflowError: (or ``too_large``) ``x`` does not fit in a float:
            ``"<name> 1000...000 (401 digits) is too large for a float"``.
        ValueError: ``x`` is infinite or NaN: ``"<name> must be finite, got inf"``.
    """
    if not is_real(x):
        raise TypeError(f"{name} must be {kind}, got {type(x).__name__} {x!r}")
    try:
        number = float(x)
    except OverflowError:
        raise too_large(f"{name} {shortened(x)} is too large for a float") from None
    if number - number != 0.0:  # true exactly for inf and nan
        raise ValueError(f"{name} must be finite, got {number!r}")
    return number


def shortened(x: Any) -> str:
    """``str(x)``, its middle cut when it is longer than 40 characters (a huge int)."""
    text = str(x)
    return text if len(text) <= 40 else f"{text[:20]}...{text[-10:]} ({len(text)} digits)"
