"""A central difference taken by nudging one number in place, for the hand-written backward
passes of the benchmarks (checked independently of every engine)."""

from __future__ import annotations

from collections.abc import Callable, MutableSequence
from typing import Any


def nudged_difference(
    loss: Callable[[], float], container: MutableSequence[float] | dict[Any, Any], key: Any,
    step: float = 1e-6,
) -> float:
    """``(loss() at container[key] + step - loss() at container[key] - step) / (2 step)``.

    The number is put back afterwards, so the container is left as it was.
    """
    original = container[key]
    container[key] = original + step
    up = loss()
    container[key] = original - step
    down = loss()
    container[key] = original
    return (up - down) / (2 * step)
