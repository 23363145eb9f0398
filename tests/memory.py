"""Peak memory of a call, for the tests that bound what a file or a size may make us allocate."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import TypeVar

Result = TypeVar("Result")


def traced_peak(run: Callable[[], Result]) -> tuple[Result, int]:
    """``run()`` under tracemalloc: its result and the peak memory it allocated."""
    tracemalloc.start()
    try:
        result = run()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, peak
