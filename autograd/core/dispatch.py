"""Foreign operands: the free functions and custom ops, applied to another engine's numbers.

``autograd.maximum``, ``minimum``, ``sum``, ``dot``, ``log_sum_exp`` (and so ``softmax``) and the
functions that :func:`autograd.register_op` returns record their op through :func:`dispatch`
rather than :func:`autograd.core.value.apply`. On Values and numbers the two are the same. When the
engine refuses an operand with a ``TypeError`` and an operand's type has a registered *engine*
(``autograd.pytorch.dispatch`` registers one for ``torch.Tensor``), the op is handed to that engine
instead, so one function ``f`` written with them also runs on another engine's scalars: what
:func:`autograd.compare_with_torch` needs.

The engine's path runs first and pays one extra call; operand types are looked at only after it
has refused them. Engines are registered by the dotted name of the type they serve
(``"torch.Tensor"``), so registering one never imports the other library.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .engines import engine_of
from .ops import Op
from .value import apply, apply_shared


def dispatch(op: Op, *operands: Any) -> Any:
    """``apply(op, *operands)``: a recorded Value, or the op on a foreign engine's operands.

    Raises:
        TypeError: an operand is neither a Value, a number nor of a registered engine's type
            (the engine's own error, naming the op).
    """
    try:
        return apply(op, *operands)
    except TypeError:
        engine = engine_of(operands)
        if engine is None:
            raise
    return engine(op, operands)


def dispatch_shared(op: Op, heads: Sequence[Sequence[Any]], shared: Sequence[Any]) -> list[Any]:
    """``[dispatch(op, *head, *shared) for head in heads]`` with the engine's fast path for a
    layer (:func:`autograd.core.value.apply_shared`) when every operand is a Value or a number.

    Raises:
        TypeError: as :func:`dispatch`.
    """
    try:
        return apply_shared(op, heads, shared)
    except TypeError:
        operands = [*shared, *(operand for head in heads for operand in head)]
        engine = engine_of(operands)
        if engine is None:
            raise
    return [engine(op, (*head, *shared)) for head in heads]
