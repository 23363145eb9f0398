"""Interleaved timing: medians and ranges of several repetitions, engines taking turns.

Engines are timed in turn within each repetition, with the turn order rotated, so a burst of load
from another process on the machine hits every engine alike and the ratios stay fair.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Case:
    """One row of the table: a workload variant timed for several engines.

    Attributes:
        workload: the workload's name, e.g. ``mlp_step``.
        variant: what is timed, e.g. ``steady loop`` or ``one step + release``.
        runners: engine name -> a callable doing one unit of work.
        loop: calls per timed sample (a steady loop of consecutive calls).
        release: add ``gc.collect()`` to each timed sample, so freeing cyclic garbage is paid.
        per: the time is divided by this (e.g. the number of nodes, for a per-node time).
        unit: what one ``per`` is, for the table ("step", "node").
    """

    workload: str
    variant: str
    runners: dict[str, Callable[[], object]]
    loop: int = 1
    release: bool = False
    per: int = 1
    unit: str = "run"


@dataclass
class Timing:
    """The measured seconds per unit of one engine on one case."""

    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        """Median seconds per unit."""
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        """Fastest sample."""
        return min(self.samples)

    @property
    def high(self) -> float:
        """Slowest sample."""
        return max(self.samples)


def sample(case: Case, runner: Callable[[], object]) -> float:
    """Seconds per unit for one timed sample of ``runner`` (see :class:`Case`)."""
    gc.collect()  # start each sample from a clean heap: nobody pays for another's garbage
    start = time.perf_counter()
    for _ in range(case.loop):
        runner()
    if case.release:
        gc.collect()
    elapsed = time.perf_counter() - start
    return elapsed / (case.loop * case.per)


def measure(case: Case, repeats: int, tick: Callable[[], None] = lambda: None) -> dict[str, Timing]:
    """Time every engine of ``case`` ``repeats`` times, interleaved, rotating the turn order."""
    engines = list(case.runners)
    timings = {engine: Timing() for engine in engines}
    for engine in engines:  # warm up once, untimed (caches, first-call costs)
        case.runners[engine]()
    for repeat in range(repeats):
        shift = repeat % len(engines)
        for engine in engines[shift:] + engines[:shift]:
            timings[engine].samples.append(sample(case, case.runners[engine]))
            tick()
    return timings
