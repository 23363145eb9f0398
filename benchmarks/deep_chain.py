"""``deep_chain``: the deepest chain each engine differentiates with the default recursion limit.

Each attempt (engine, depth) runs in its own subprocess, so a crash (RecursionError, or worse)
cannot stop the run: the chain ``y <- y + x`` of ``depth`` nodes is built, ``y.backward()`` runs,
and ``x.grad`` must equal ``depth``. Run one attempt by hand with
``python -m benchmarks.deep_chain chainrule 1000000``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

DEPTHS = (100, 1_000, 10_000, 100_000, 1_000_000)
TIME_LIMIT = 300.0


def attempt(engine: str, depth: int) -> dict[str, Any]:
    """Build and differentiate one chain in this process; raises if the gradient is wrong."""
    if engine == "chainrule":
        from autograd import Value
    else:
        from micrograd.engine import Value
    start = time.perf_counter()
    x = Value(1.0)
    y = x
    for _ in range(depth - 1):
        y = y + x
    y.backward()
    seconds = time.perf_counter() - start
    if x.grad != depth:
        raise AssertionError(f"{engine}: x.grad = {x.grad}, expected {depth}")
    return {"seconds": seconds}


def run(engine: str, depth: int) -> dict[str, Any]:
    """One attempt in a subprocess: ``{"ok": bool, "seconds": ..., "error": ...}``."""
    command = [sys.executable, "-m", "benchmarks.deep_chain", engine, str(depth)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"no result within {TIME_LIMIT:.0f} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode == 0 and lines:
        return {"ok": True, **json.loads(lines[-1])}
    last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
    return {"ok": False, "error": last[:120]}


def survey(engines: tuple[str, ...] = ("chainrule", "micrograd"),
           depths: tuple[int, ...] = DEPTHS, tick: Any = lambda: None) -> dict[str, Any]:
    """Every depth for every engine, stopping an engine at its first failure."""
    results: dict[str, Any] = {}
    for engine in engines:
        attempts = {}
        for depth in depths:
            attempts[depth] = run(engine, depth)
            tick()
            if not attempts[depth]["ok"]:
                break
        survived = [depth for depth, result in attempts.items() if result["ok"]]
        results[engine] = {"largest": max(survived) if survived else 0, "attempts": attempts}
    return results


if __name__ == "__main__":
    print(json.dumps(attempt(sys.argv[1], int(sys.argv[2]))))
