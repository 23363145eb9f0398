"""Gradient clipping with PyTorch's semantics: ``clip_grad_norm_`` and ``clip_grad_value_``.

Between ``backward()`` and the optimiser's ``step()``, clipping bounds how far one update can go.
It is the usual cure for exploding gradients in recurrent networks: backprop through time
multiplies by the recurrent weights once per step, so a gradient can grow geometrically with
the length of the window.

``clip_grad_norm_`` treats all the gradients as one vector: when its norm exceeds ``max_norm`` it
scales every gradient by ``max_norm / (norm + 1e-6)``, which keeps the direction of the update
and bounds its length. ``clip_grad_value_`` clamps each gradient on its own into
``[-clip_value, clip_value]``, which can change the direction. Both change ``.grad`` in place
(hence the trailing underscore, PyTorch's convention) and never touch ``.data``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from autograd import Value
from autograd.core.numbers import is_real

from .module import Module

#: Added to the norm before dividing, as PyTorch does, so a zero norm never divides by zero.
EPSILON = 1e-6

Parameters = Module | Value | Iterable[Value]


def _values(parameters: Parameters, where: str) -> list[Value]:
    """The parameters as a list: a Module's ``parameters()``, a single Value, or an iterable.

    Raises:
        TypeError: an item is not a Value.
    """
    if isinstance(parameters, Module):
        return parameters.parameters()
    found = [parameters] if isinstance(parameters, Value) else list(parameters)
    for index, item in enumerate(found):
        if not isinstance(item, Value):
            raise TypeError(
                f"{where}: parameter {index} is a {type(item).__name__}, not a Value; pass "
                "model.parameters() or a list of Values"
            )
    return found


def _limit(name: str, number: Any, where: str) -> float:
    """``number`` as a float when it is a real number >= 0 (infinity allowed).

    Raises:
        ValueError: it is not a number, is NaN or is negative.
    """
    if not is_real(number) or math.isnan(number) or number < 0:
        raise ValueError(f"{where}: {name} must be a number >= 0, got {number!r}")
    return float(number)


def grad_norm(gradients: list[float], norm_type: float) -> float:
    """The ``norm_type``-norm of ``gradients`` (``math.inf``: the largest magnitude).

    The magnitudes are divided by the largest before the powers are taken, so no square of a
    large gradient overflows to infinity while the norm itself is finite. A norm beyond float's
    range is ``math.inf``, as in PyTorch (a small ``norm_type`` such as 1e-3 raises a sum of
    about n terms to the power 1000).
    """
    magnitudes = [abs(gradient) for gradient in gradients]
    if any(math.isnan(magnitude) for magnitude in magnitudes):
        return math.nan
    largest = max(magnitudes, default=0.0)
    if norm_type == math.inf or largest == 0.0 or not math.isfinite(largest):
        return largest
    if norm_type == 2.0:
        return math.hypot(*magnitudes)
    total = math.fsum((magnitude / largest) ** norm_type for magnitude in magnitudes)
    try:
        return largest * total ** (1.0 / norm_type)
    except OverflowError:  # a small norm_type: the power passes float's range on its own
        return _exp_or_infinity(math.log(largest) + math.log(total) / norm_type)


def _exp_or_infinity(exponent: float) -> float:
    """``e**exponent``, infinite beyond float's range (as PyTorch's norm is) rather than raising."""
    try:
        return math.exp(exponent)
    except OverflowError:
        return math.inf


def clip_grad_norm_(
    parameters: Parameters, max_norm: float, norm_type: float | str = 2.0
) -> float:
    """Scale the gradients so that their joint norm is at most ``max_norm``.

    The norm is taken over all gradients together, as if they were one vector. When
    ``max_norm / (norm + 1e-6)`` is below 1, every gradient is multiplied by it; otherwise they
    are left alone.

    Args:
        parameters: a Module, a Value, or Values (e.g. ``model.parameters()``).
        max_norm: the largest norm allowed.
        norm_type: the p of the p-norm (2 by default; ``math.inf`` or ``"inf"`` for the
            largest magnitude).

    Returns:
        The norm of the gradients before clipping. As in PyTorch, an infinite gradient makes
        it infinite and the scale 0 (the infinite gradient becomes NaN), and a NaN gradient
        makes it NaN and every gradient NaN.

    Raises:
        ValueError: ``max_norm`` is negative or not a number, or ``norm_type`` is not positive.
        TypeError: a parameter is not a Value.
    """
    where = "clip_grad_norm_"
    max_norm = _limit("max_norm", max_norm, where)
    order = math.inf if norm_type == "inf" else norm_type  # PyTorch's spelling too
    if isinstance(order, str) or not is_real(order) or not order > 0:
        raise ValueError(
            f"{where}: norm_type must be a positive number or math.inf, got {norm_type!r}"
        )
    values = _values(parameters, where)
    total = grad_norm([float(value.grad) for value in values], float(order))
    scale = max_norm / (total + EPSILON)
    if not scale >= 1.0:  # also a NaN norm, which makes every gradient NaN as in PyTorch
        for value in values:
            value.grad = value.grad * scale
    return total


def clip_grad_value_(parameters: Parameters, clip_value: float) -> None:
    """Clamp every gradient into ``[-clip_value, clip_value]``.

    Args:
        parameters: a Module, a Value, or Values.
        clip_value: the largest magnitude a gradient may keep.

    Raises:
        ValueError: ``clip_value`` is negative or not a number.
        TypeError: a parameter is not a Value.
    """
    where = "clip_grad_value_"
    limit = _limit("clip_value", clip_value, where)
    for value in _values(parameters, where):
        if float(value.grad) > limit:
            value.grad = limit
        elif float(value.grad) < -limit:
            value.grad = -limit
