"""``memory``: bytes per graph node (tracemalloc) and what is left after backward and release.

Each engine runs in a fresh subprocess. The graph is the ``elementary`` chain
``x <- tanh(exp(x) * w_k + u_k)`` of 100,000 op nodes (exp, mul, add, tanh in turn); its leaves
``w_k``, ``u_k`` exist before measuring starts, so the figure is the cost of the op nodes the
user's expression creates. A second graph, the chain ``y <- y + x`` (binary nodes only), is
measured too. Reported: bytes per node once built, after backward, after the last reference is
dropped (no ``gc.collect()``), and after ``gc.collect()``.

Run one engine by hand with ``python -m benchmarks.memory chainrule``.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import tracemalloc
from typing import Any

NODES = 100_000


def measure(engine: str, shape: str = "elementary", nodes: int = NODES) -> dict[str, float]:
    """The four figures for one engine, in bytes per node (this process)."""
    if engine == "chainrule":
        from autograd import Value
    else:
        from .engines import micrograd_value

        Value = micrograd_value()  # noqa: N806 - a class
        sys.setrecursionlimit(10 * nodes + 1000)
    steps = nodes // 4 if shape == "elementary" else nodes
    ws = [Value(0.5) for _ in range(steps)]
    us = [Value(0.1) for _ in range(steps)]
    x = Value(0.3)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]

    def now() -> float:
        return (tracemalloc.get_traced_memory()[0] - base) / nodes

    y = x
    if shape == "elementary":
        for w, u in zip(ws, us, strict=True):
            y = (y.exp() * w + u).tanh()
    else:
        for _ in range(steps):
            y = y + x
    built = now()
    y.backward()
    after_backward = now()
    del y
    released = now()
    gc.collect()
    collected = now()
    tracemalloc.stop()
    return {"built": built, "after backward": after_backward, "after release": released,
            "after gc.collect": collected}


def run(engine: str, shape: str) -> dict[str, Any]:
    """:func:`measure` in a fresh subprocess."""
    command = [sys.executable, "-m", "benchmarks.memory", engine, shape]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1][:120]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def survey(engines: tuple[str, ...] = ("chainrule", "micrograd"),
           tick: Any = lambda: None) -> dict[str, Any]:
    """Both graphs for both engines."""
    results: dict[str, Any] = {}
    for shape in ("elementary", "add chain"):
        for engine in engines:
            results[f"{engine}, {shape}"] = run(engine, shape)
            tick()
    return results


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "elementary")))
