"""Run one engine's unit of work N times: instruction counts for profiling, not timing.

Wall-clock times on a shared machine move by tens of percent from run to run; the number of
instructions a run executes does not. Counted with callgrind, the difference between N runs and
zero runs, divided by N, is the cost of one unit (one training step, one chain)::

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python -m benchmarks.steps mlp_demo chainrule 5      # "Collected : ..."
    ... the same with 0 in place of 5, then (first - second) / 5

One untimed run comes first (caches, first-call costs), as in :mod:`benchmarks.timing`.
Workloads: ``mlp_demo`` (engines chainrule, micrograd, plain), ``chain`` and ``dag`` (the
``elementary`` graphs; engines chainrule, micrograd, plain).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from . import elementary, mlp_demo


def runner(workload: str, engine: str) -> Callable[[], object]:
    """One unit of ``workload`` on ``engine``.

    Raises:
        SystemExit: an unknown workload or engine, with the choices.
    """
    if workload == "mlp_demo":
        engines = {name: made.step for name, made in mlp_demo.engines(100).items()}
    elif workload in ("chain", "dag"):
        engines = elementary._runners(*elementary.sizes(quick=False))[workload]
    else:
        raise SystemExit(f"unknown workload {workload!r}; choose mlp_demo, chain or dag")
    if engine not in engines:
        raise SystemExit(f"unknown engine {engine!r}; choose one of {', '.join(engines)}")
    return engines[engine]


def main(argv: list[str]) -> int:
    """``WORKLOAD ENGINE N``: one untimed run, then N more."""
    if len(argv) != 3 or not argv[2].isdigit():
        raise SystemExit("usage: python -m benchmarks.steps WORKLOAD ENGINE N")
    run = runner(argv[0], argv[1])
    run()
    for _ in range(int(argv[2])):
        run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
