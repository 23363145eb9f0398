"""Finite differences whose step and tolerance follow the magnitudes of the numbers involved.

A central difference ``(f(x + h) - f(x - h)) / 2h`` differs from ``f'(x)`` by a truncation error,
about ``h**2 / 6 * |f'''|``, and a rounding error, about ``e_f / h`` where ``e_f`` is the absolute
rounding error of the computed values of ``f`` (Nocedal & Wright, *Numerical Optimization*, 2nd
ed., sec. 8.1; Press et al., *Numerical Recipes*, 3rd ed., sec. 5.7). A fixed step and a fixed
tolerance are right only for numbers of moderate size, so both scale here:

* **Step**: ``h = eps * max(1, |x|)``, relative to ``x`` once ``|x| > 1`` (the usual choice in both
  books). With a fixed ``h = 1e-6`` at ``x = 1e8`` (where one unit in the last place is 1.5e-8),
  ``f(x + h)`` and ``f(x - h)`` differ by some hundred rounding units of their own size, so
  their difference keeps about two correct digits; a step of 100 keeps nearly all. The step taken
  is the one between the floats ``x - h`` and ``x + h`` actually evaluated (Press et al.'s
  ``temp = x + h; h = temp - x``), so rounding ``x +- h`` adds no error of its own.
  The best step follows the scale ``x_c`` on which ``f`` changes, and ``x_c = |x|`` is only
  the usual guess (Press et al., sec. 5.7): ``sin(x)`` at ``x = 1e6`` changes on a scale of 1,
  and a step of 1 has a truncation error of 16 %. So a row that fails at the relative step is
  checked again at ``h / 10``, ``h / 100``, ... down to the absolute step ``eps``, as long as
  the rounding noise at that step stays within the user's tolerance (so the difference there is
  accurate to twice the tolerance, truncation aside): the first of these rows that passes
  decides, else the last one within the tolerance (:func:`checked_down_the_steps`).
* **Tolerance**: a row passes when ``|analytic - numeric| <= atol + rtol * |numeric| + noise``.
  ``atol`` and ``rtol`` cover truncation and ordinary rounding; ``noise`` is the rounding
  error of the two values differenced, divided by the distance between their points. Every
  op rounds its result once, by a relative error of at most the unit roundoff ``u = 2**-53``,
  and an error made at node ``v`` reaches the output multiplied by ``d f / d v``; to first
  order the computed ``f`` is off by at most ``u * S`` with ``S = sum over nodes v of
  |d f / d v| * |v|`` (the rounding-error estimate of Linnainmaa, BIT 16, 1976, for which
  reverse mode was first written). The reverse sweep the check runs anyway gives every
  ``d f / d v``. ``noise = 2 * (2u * S) / (distance)``: two values each off by up to twice the
  first-order bound (the factor 2 covers library functions rounded within one unit rather than
  half a unit). Unlike ``u * |f|``, ``S`` sees cancellation: ``(x + 1e8) - 1e8`` is 0.5 at
  0.5 but carries the rounding error of 1e8.

At ordinary magnitudes (``|x|, S`` of order 1, ``eps = 1e-6``) the noise is about ``2e-10``, far
below ``atol = 1e-5``, so a rule off by 0.1 % is still caught; it dominates only where the numbers
are large enough that the central difference really has few correct digits (``x + 1e8``: about
two), and the table's ``allowed`` column shows it.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.numbers import is_real
from .report import GradcheckRow

if TYPE_CHECKING:
    from ..core.value import Value

#: Twice the unit roundoff of float64: 2**-52.
MACHINE_EPSILON = sys.float_info.epsilon
#: One-sided differences carry an O(h) truncation error: they are compared this much looser.
ONE_SIDED_SLACK = 10.0
#: A row failing at one step is checked again at a step this many times smaller.
STEP_DIVISOR = 10.0


@dataclass(frozen=True)
class Stencil:
    """The three points of a central difference along one input, as the floats evaluated."""

    low: float
    middle: float
    high: float

    @classmethod
    def relative(cls, x: float, eps: float) -> Stencil:
        """``x - h, x, x + h`` with ``h = eps * max(1, |x|)``."""
        return cls.absolute(x, eps * max(1.0, abs(x)))

    @classmethod
    def absolute(cls, x: float, step: float) -> Stencil:
        """``x - step, x, x + step``."""
        return cls(x - step, x, x + step)

    @property
    def width(self) -> float:
        """The distance between the outer points: ``2h`` up to the rounding of ``x +- h``."""
        return self.high - self.low

    def central(self, low: float, high: float) -> float:
        """The central difference of the values ``low = g(x - h)`` and ``high = g(x + h)``."""
        return (high - low) / self.width

    def one_sided(self, low: float, middle: float, high: float) -> tuple[float, float]:
        """The (left, right) one-sided differences of the values at the three points."""
        return ((middle - low) / (self.middle - self.low),
                (high - middle) / (self.high - self.middle))


def rounding_scale(terms: Iterable[tuple[Any, Any]]) -> float:
    """``S = sum |d f / d v| * |v|`` over ``(derivative, value)`` pairs: ``u * S`` bounds the
    rounding error of ``f`` to first order. Infinite or NaN terms give 0 (no estimate)."""
    total = math.fsum(abs(float(derivative)) * abs(float(value)) for derivative, value in terms)
    return total if math.isfinite(total) else 0.0


def sweep_rounding_scale(grads: Mapping[Value, Any]) -> float:
    """The rounding scale of a computed value from its reverse sweep (``{node: d value / d
    node}``); leaves are exact, so only the nodes computed by an op count."""
    return rounding_scale((grad, node.data) for node, grad in grads.items() if node.parents)


def rounding_noise(scale: float, distance: float) -> float:
    """The largest error rounding puts into a difference of two values ``distance`` apart."""
    return 2.0 * MACHINE_EPSILON * scale / distance


@dataclass(frozen=True)
class Tolerance:
    """The user's settings: the relative step ``eps`` and the tolerances ``atol``, ``rtol``."""

    eps: float
    atol: float
    rtol: float

    @classmethod
    def checked(cls, caller: str, eps: Any, atol: Any, rtol: Any) -> Tolerance:
        """The settings, validated: ``eps`` positive, ``atol`` and ``rtol`` at least 0, all finite.

        Raises:
            TypeError: a setting is not a real number (or is a bool).
            ValueError: a setting is out of range; the message names ``caller`` and the setting.
        """
        for name, value, low in (("eps", eps, "positive"), ("atol", atol, "at least 0"),
                                 ("rtol", rtol, "at least 0")):
            if not is_real(value):
                raise TypeError(f"{caller}: {name} must be a real number, got "
                                f"{type(value).__name__}: {value!r}")
            number = float(value)
            if not math.isfinite(number) or number < 0.0 or (name == "eps" and number == 0.0):
                raise ValueError(f"{caller}: {name} must be finite and {low}, got {value!r}")
        return cls(float(eps), float(atol), float(rtol))

    def allowed(self, numeric: float, noise: float = 0.0) -> float:
        """The largest error that passes: ``atol + rtol * |numeric| + noise``."""
        return self.atol + self.rtol * abs(numeric) + noise

    def rounding_bounded(self, row: GradcheckRow) -> bool:
        """Whether the row's rounding noise is at most ``atol + rtol * |numeric|``."""
        return row.allowed <= 2.0 * self.allowed(row.numeric)

    def close(self, a: float, b: float, noise: float) -> bool:
        """Whether the one-sided difference ``a`` matches ``b``, allowing for truncation."""
        return abs(a - b) <= ONE_SIDED_SLACK * (self.atol + self.rtol * abs(b)) + noise


def checked_down_the_steps(row_at: Callable[[Stencil], GradcheckRow], x: float,
                           tolerance: Tolerance) -> GradcheckRow:
    """The row at the relative step ``h``; where it fails, the rows at ``h / 10``, ``h / 100``,
    ... down to ``eps`` while their rounding noise stays within the tolerance: the first that
    passes, else the last within the tolerance (see the module docstring).

    Args:
        row_at: builds the row from the differences on a stencil.
        x: the input moved.
        tolerance: the user's settings.
    """
    step = tolerance.eps * max(1.0, abs(x))
    row = decided = row_at(Stencil.absolute(x, step))
    while not row.passed and step > tolerance.eps:
        step = max(step / STEP_DIVISOR, tolerance.eps)
        row = row_at(Stencil.absolute(x, step))
        if not tolerance.rounding_bounded(row):
            break  # a smaller step is noisier still
        decided = row
    return decided
