"""The array forms of the op table (:mod:`autograd.core.ops`) that are more than one expression.

They serve the batched replay (:mod:`autograd.replay.batched`, which imports numpy and passes the
module in as ``np``: this module imports nothing). Where a float forward raises, these give NaN
or inf, and the replay re-runs that row on the float forward to raise the engine's own error.
"""

from __future__ import annotations

from functools import reduce
from typing import Any


def rpow(np: Any, x: Any, *, base: float) -> Any:
    """base ** x elementwise; NaN for a base <= 0."""
    return base**x if base > 0.0 else x * np.nan


def sigmoid(np: Any, x: Any) -> Any:
    """The logistic function elementwise, without overflow."""
    z = np.exp(-np.abs(x))  # the float form's two branches, both with exp of -|x|
    return np.where(x >= 0.0, 1.0 / (1.0 + z), z / (1.0 + z))


def log_sum_exp(np: Any, *xs: Any) -> Any:
    """log(e ** x1 + ... + e ** xn) elementwise, shifted by the largest."""
    if not xs:
        raise ValueError("log_sum_exp of an empty sequence")
    shift = reduce(np.maximum, xs)
    return shift + np.log(sum((np.exp(x - shift) for x in xs), 0.0))


def first_if(np: Any, first: Any, grad: Any) -> tuple[Any, Any]:
    """The gradient of maximum/minimum: to the first operand where ``first``, else the second."""
    return np.where(first, grad, 0.0), np.where(first, 0.0, grad)


def detached_max(np: Any, *xs: Any) -> Any:
    """The elementwise largest of xs."""
    if not xs:
        raise ValueError("detached_max of an empty sequence")
    return reduce(np.maximum, xs)
