"""``long_chains``: time and memory of a backward pass over a chain of a million steps.

Two chains, each built and differentiated in a fresh subprocess:

- ``add``: ``y = y + x``, a million nodes over one leaf (the chain of :mod:`benchmarks.deep_chain`,
  which checks that it runs with the default recursion limit);
- ``constants``: ``x = 0.0001 + 1.0001 * x``, a million steps: two op nodes and two constant
  leaves each (the numbers, made Values by the operators), so two million leaves used once.

Two figures per chain:

- ``time``: seconds to build the chain and to run ``backward()`` on it (no tracing; the cyclic
  collector as a user has it);
- ``memory``: the graph's size once built, and the peak of memory traced by ``tracemalloc``
  during ``backward()`` above it (what the pass allocates: its order, its bookkeeping and the
  gradients it stores).

Run one by hand with ``python -m benchmarks.long_chains constants time`` (or ``add``,
``memory``), optionally followed by the number of steps.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
import tracemalloc
from typing import Any

STEPS = 1_000_000
CHAINS = ("add", "constants")


def build(chain: str, steps: int) -> Any:
    """The chain's last node."""
    from autograd import Value

    x = Value(1.0)
    y = x
    if chain == "add":
        for _ in range(steps - 1):
            y = y + x
    else:
        for _ in range(steps):
            y = 0.0001 + 1.0001 * y
    return y


def timed(chain: str, steps: int = STEPS) -> dict[str, float]:
    """Seconds to build and to differentiate the chain."""
    gc.collect()
    started = time.perf_counter()
    y = build(chain, steps)
    built = time.perf_counter()
    y.backward()
    done = time.perf_counter()
    return {"build s": built - started, "backward s": done - built, "total s": done - started}


def memory(chain: str, steps: int = STEPS) -> dict[str, float]:
    """Megabytes: the graph once built, and the peak that ``backward()`` adds to it."""
    tracemalloc.start()
    y = build(chain, steps)
    gc.collect()
    graph, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    y.backward()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"graph MB": graph / 1e6, "backward peak MB": (peak - graph) / 1e6}


def run(chain: str, kind: str, steps: int = STEPS) -> dict[str, Any]:
    """:func:`timed` or :func:`memory` of ``chain`` in a fresh subprocess."""
    command = [sys.executable, "-m", "benchmarks.long_chains", chain, kind, str(steps)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1][:120]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def survey(tick: Any = lambda: None) -> dict[str, Any]:
    """Both figures for both chains."""
    results: dict[str, Any] = {}
    for chain in CHAINS:
        for kind in ("time", "memory"):
            results[f"{chain}, {kind}"] = run(chain, kind)
            tick()
    return results


if __name__ == "__main__":
    shape = sys.argv[1] if len(sys.argv) > 1 else "constants"
    what = sys.argv[2] if len(sys.argv) > 2 else "time"
    count = int(sys.argv[3]) if len(sys.argv) > 3 else STEPS
    print(json.dumps(timed(shape, count) if what == "time" else memory(shape, count)))
