"""The float forwards of the op table (:mod:`autograd.core.ops`), one function per op.

Each is the op on plain floats, as ``Op.forward`` calls it. Those with a domain raise a message
that names the op and the value; the engine appends the label of the offending node. An op whose
forward is a function of :mod:`operator` or :mod:`math` (``add``, ``tanh``) uses it directly and
has none here; ``dot`` and ``affine`` keep theirs beside the table, with the note on their speed.
"""

from __future__ import annotations

import math


def truediv(a: float, b: float) -> float:
    """a / b; dividing by zero is a ZeroDivisionError naming the numerator."""
    if b == 0.0:
        raise ZeroDivisionError(f"truediv: division of {a!r} by zero")
    return a / b


def _power(name: str, base: float, exponent: float) -> float:
    # math.pow raises a bare "math range error" on overflow: say which op and which numbers.
    try:
        return math.pow(base, exponent)
    except OverflowError:
        raise OverflowError(f"{name}: {base!r} ** {exponent!r} overflows a float") from None


def pow(x: float, *, exponent: float) -> float:
    """x ** exponent for a constant exponent (0 ** negative and negative ** fraction refused)."""
    if x == 0.0 and exponent < 0.0:
        raise ZeroDivisionError(f"pow: 0.0 raised to the negative power {exponent!r}")
    if x < 0.0 and not float(exponent).is_integer():
        raise ValueError(f"pow: negative base {x!r} raised to the non-integer power {exponent!r}")
    return _power("pow", x, exponent)


def rpow(x: float, *, base: float) -> float:
    """base ** x for a constant base > 0."""
    if base <= 0.0:
        raise ValueError(
            f"rpow: number ** Value needs a positive base to be differentiable, got base {base!r}"
        )
    return _power("rpow", base, x)


def powv(a: float, b: float) -> float:
    """a ** b for a Value base a > 0."""
    if a <= 0.0:
        raise ValueError(
            f"powv: Value ** Value needs a positive base to be differentiable in the exponent, "
            f"got base {a!r}"
        )
    return _power("powv", a, b)


def exp(x: float) -> float:
    """e ** x; an overflow names x."""
    try:
        return math.exp(x)
    except OverflowError:  # above log(max float) = 709.782712893384
        raise OverflowError(f"exp of {x!r} overflows a float") from None


def log(x: float) -> float:
    """The natural log of x > 0."""
    if x <= 0.0:
        raise ValueError(f"log of non-positive value {x!r}")
    return math.log(x)


def sqrt(x: float) -> float:
    """The square root of x >= 0."""
    if x < 0.0:
        raise ValueError(f"sqrt of negative value {x!r}")
    return math.sqrt(x)


def sigmoid(x: float) -> float:
    """1 / (1 + e ** -x), without overflow for any x."""
    # Stable for any magnitude: exp is only ever taken of a non-positive number.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def softplus(x: float) -> float:
    """log(1 + e ** x), without overflow for any x."""
    # log(1 + e**x) = max(x, 0) + log1p(e**-|x|): no overflow at |x| = 1000.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def relu(x: float) -> float:
    """max(x, 0)."""
    return x if x > 0.0 else 0.0


def leaky_relu(x: float, *, slope: float) -> float:
    """x for x > 0, slope * x otherwise."""
    return x if x > 0.0 else slope * x


def log_sum_exp(*xs: float) -> float:
    """log(e ** x1 + ... + e ** xn), shifted by the largest x."""
    if not xs:
        raise ValueError("log_sum_exp of an empty sequence")
    shift = max(xs)  # log sum e**x = m + log sum e**(x - m): every exponent is <= 0
    return shift + math.log(math.fsum(math.exp(x - shift) for x in xs))


def sum(*xs: float) -> float:
    """x1 + ... + xn, correctly rounded (math.fsum)."""
    return math.fsum(xs)


def detached_max(*xs: float) -> float:
    """The largest of xs."""
    if not xs:
        raise ValueError("detached_max of an empty sequence")
    return max(xs)
