"""Run one engine's unit of work N times: instruction counts for profiling, not timing.

Wall-clock times on a shared machine move by tens of percent from run to run; the number of
instructions a run executes does not. The N measured units run inside one call of
``operator.call`` (nothing else in the program calls it), so callgrind can count exactly them,
without the interpreter's start-up and the imports::

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=_operator_call \\
        --callgrind-out-file=/dev/null .venv/bin/python -m benchmarks.steps mlp_demo chainrule 8
    # callgrind prints "Collected : 1372990000" or so: divided by 8, 171.6 M instructions a step

One unmeasured unit comes first (caches, first-call costs), as in :mod:`benchmarks.timing`. Take
N of 8 or more for a training step: the cyclic garbage collector runs every few hundred
allocations and a full collection now and then, so a count over one or two steps depends on
where those land (a few percent).

Workloads and engines:

- ``mlp_demo``: micrograd's demo step (:mod:`benchmarks.mlp_demo`); chainrule, micrograd, plain.
- ``mlp_step``: the benchmark's own training step (:mod:`benchmarks.mlp_step`); chainrule,
  micrograd, plain.
- ``chain`` and ``dag``: the :mod:`benchmarks.elementary` graphs, forward and backward;
  chainrule, micrograd, plain.

With ``--backward`` (chainrule, ``mlp_demo``, ``mlp_step``, ``chain``, ``dag``), the N graphs are
built first and only their backward passes are counted.
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Callable
from typing import Any

import autograd

from . import elementary, mlp_demo, mlp_step


def runner(workload: str, engine: str) -> Callable[[], object]:
    """One unit of ``workload`` on ``engine``.

    Raises:
        SystemExit: an unknown workload or engine, with the choices.
    """
    engines: dict[str, Callable[[], object]]
    if workload == "mlp_demo":
        engines = {name: made.step for name, made in mlp_demo.engines(100).items()}
    elif workload == "mlp_step":
        engines = {name: made.step for name, made in mlp_step.engines(100, tape=False).items()}
    elif workload in ("chain", "dag"):
        engines = elementary._runners(*elementary.sizes(quick=False))[workload]
    else:
        raise SystemExit(f"unknown workload {workload!r}; choose mlp_demo, mlp_step, chain or dag")
    if engine not in engines:
        raise SystemExit(f"unknown engine {engine!r}; choose one of {', '.join(engines)}")
    return engines[engine]


def graph_builder(workload: str) -> Callable[[], autograd.Value]:
    """A function building one loss (or output) graph of ``workload`` on chainrule, unswept.

    Raises:
        SystemExit: a workload without a graph to build here.
    """
    if workload == "mlp_demo":
        made: Any = mlp_demo.engines(100)["chainrule"]
        return lambda: mlp_demo.demo_loss(autograd.Value, made.model, made.points, made.labels)[0]
    if workload == "mlp_step":
        points, labels = mlp_step.moons(100)
        step = mlp_step.ChainruleStep(mlp_step.initial_weights(), points, labels)
        return step.loss
    if workload in ("chain", "dag"):
        return elementary.graph_builders(*elementary.sizes(quick=False))[workload]
    raise SystemExit(f"--backward: unknown workload {workload!r}; choose mlp_demo, mlp_step, "
                     "chain or dag")


def main(argv: list[str]) -> int:
    """``WORKLOAD ENGINE N [--backward]``: one unmeasured unit, then N inside operator.call."""
    backward = "--backward" in argv
    args = [arg for arg in argv if arg != "--backward"]
    if len(args) != 3 or not args[2].isdigit():
        raise SystemExit("usage: python -m benchmarks.steps WORKLOAD ENGINE N [--backward]")
    workload, engine, count = args[0], args[1], int(args[2])
    if backward:
        if engine != "chainrule":
            raise SystemExit("--backward counts chainrule's backward pass only")
        build = graph_builder(workload)
        build().backward()
        graphs = [build() for _ in range(count)]

        def measured() -> None:
            for graph in graphs:
                graph.backward()
    else:
        run = runner(workload, engine)
        run()

        def measured() -> None:
            for _ in range(count):
                run()

    operator.call(measured)  # the one call callgrind's --toggle-collect=_operator_call counts
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
