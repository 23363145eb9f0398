"""Recording modes: ``no_grad()`` and ``detect_anomaly()``.

Both are context managers built on :mod:`contextvars`, so a mode set in one thread or asyncio task
never leaks into another.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: True while operations are recorded into the graph (the default).
GRAD_ENABLED: ContextVar[bool] = ContextVar("chainrule_grad_enabled", default=True)
#: True while :func:`autograd.trace` calls the traced function: a number frozen out of the graph
#: (``float(v)``, ``v.detach()``, an op inside ``no_grad()``) is refused there, since a replay
#: would keep the traced number for every new input.
TRACING: ContextVar[bool] = ContextVar("chainrule_tracing", default=False)
#: True inside ``detect_anomaly()``: backward checks every gradient it computes.
ANOMALY_DETECTION: ContextVar[bool] = ContextVar("chainrule_detect_anomaly", default=False)


@contextmanager
def no_grad() -> Iterator[None]:
    """Run a block without recording: results are leaves with no parents.

    Use it for evaluation, plotting and optimiser updates, where no gradient is needed and the
    graph would only cost memory.
    """
    token = GRAD_ENABLED.set(False)
    try:
        yield
    finally:
        GRAD_ENABLED.reset(token)


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record operations again inside a ``no_grad()`` block."""
    token = GRAD_ENABLED.set(True)
    try:
        yield
    finally:
        GRAD_ENABLED.reset(token)


def is_grad_enabled() -> bool:
    """Whether operations are being recorded in the current thread or task."""
    return GRAD_ENABLED.get()


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise at the first op whose value or gradient is not finite, naming the op and node.

    Forward values are always checked (a non-finite result is an error everywhere); inside this
    context ``backward()`` also checks every gradient contribution, which costs a little time.
    """
    token = ANOMALY_DETECTION.set(True)
    try:
        yield
    finally:
        ANOMALY_DETECTION.reset(token)
