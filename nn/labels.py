"""Class labels: which targets are integer class indices, shared by the losses and training.

A classifier's targets are integer class indices (``0``, ``1``, ``-1`` for a hinge loss, or an
integer-valued float read from a file); a regression's targets are any other numbers. The losses
(:mod:`nn.losses`), :func:`nn.fit` and the batched replay ask the same question here.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from numbers import Real
from typing import Any


def integer_label(label: Any) -> int | None:
    """``label`` as an integer class index, or None when it is not one.

    Integers are anything ``operator.index`` accepts (int, numpy integers); an integer-valued real
    number (``3.0``, a label read as a float) also counts. ``bool`` does not, nor does ``2.5``.
    """
    if isinstance(label, bool):
        return None
    try:
        return operator.index(label)
    except TypeError:
        pass
    if isinstance(label, Real):
        number = float(label)
        if number.is_integer():
            return int(number)
    return None


def is_class_label(target: Any) -> bool:
    """An integer class label: an int or numpy integer, or an integer-valued float; not a bool."""
    return integer_label(target) is not None


def negative_class(targets: Sequence[Any]) -> int:
    """The class of a single output at or below its threshold: -1 if any target is -1, else 0."""
    return -1 if any(integer_label(target) == -1 for target in targets) else 0
