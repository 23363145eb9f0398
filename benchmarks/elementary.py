"""``elementary``: forward + backward through elementary ops, nothing fusable.

Chain: ``x <- tanh(exp(x) * w_k + u_k)`` for 2,500 steps (10,000 ops), every operand a Value.
DAG: 10,000 steps (40,000 ops) of ``n_k = tanh(exp(n_i) * w_k + n_(k-1))`` with ``i`` drawn at
random among the earlier nodes, so nodes are shared and every one reaches the output.

The plain version stores the forward values and runs the hand-derived reverse sweep:
``ds = g * (1 - n_k**2)`` (tanh), ``dw_k = ds * e`` and ``d(exp input) = ds * w_k * e`` with
``e = exp(n_i)`` (product and exp rules), ``d n_(k-1) += ds`` (sum rule).

micrograd's recursive topological sort needs more than the default recursion limit for graphs
this deep; it is raised for this workload (``deep_chain`` measures the default limit).
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable
from typing import Any

import autograd

from .engines import micrograd_value
from .timing import Case

OPS_PER_STEP = 4


def parameters(steps: int, seed: int = 1) -> tuple[float, list[float], list[float], list[int]]:
    """x0, the w_k and u_k (small, so tanh stays in its lively range), and the DAG's picks i."""
    rng = random.Random(seed)
    weights = [rng.uniform(-1.0, 1.0) for _ in range(steps)]
    shifts = [rng.uniform(-0.5, 0.5) for _ in range(steps)]
    picks = [rng.randrange(k) if k else 0 for k in range(steps)]
    return 0.3, weights, shifts, picks


def build_chain(value: Any, x0: float, weights: list[float],
                shifts: list[float]) -> tuple[Any, list[Any]]:
    """The chain's output and its leaves (x0, every w, every u) in a Value-class engine."""
    x = start = value(x0)
    ws = [value(w) for w in weights]
    us = [value(u) for u in shifts]
    for w, u in zip(ws, us, strict=True):
        x = (x.exp() * w + u).tanh()
    return x, [start, *ws, *us]


def graph_chain(value: Any, x0: float, weights: list[float], shifts: list[float]) -> list[float]:
    """Output then gradients (x0, every w, every u) of the chain in a Value-class engine."""
    x, leaves = build_chain(value, x0, weights, shifts)
    x.backward()
    return [x.data, *(leaf.grad for leaf in leaves)]


def build_dag(value: Any, x0: float, weights: list[float],
              picks: list[int]) -> tuple[Any, list[Any]]:
    """The DAG's output and its leaves (n_0, every w) in a Value-class engine."""
    start = value(x0)
    ws = [value(w) for w in weights]
    nodes = [start]
    for k, w in enumerate(ws):
        nodes.append((nodes[picks[k]].exp() * w + nodes[-1]).tanh())
    return nodes[-1], [start, *ws]


def graph_dag(
    value: Any, x0: float, weights: list[float], picks: list[int]
) -> list[float]:
    """Output then gradients (n_0, every w) of the DAG in a Value-class engine."""
    root, leaves = build_dag(value, x0, weights, picks)
    root.backward()
    return [root.data, *(leaf.grad for leaf in leaves)]


def plain_chain(x0: float, weights: list[float], shifts: list[float]) -> list[float]:
    """The chain on floats with the hand-derived reverse sweep."""
    xs = [x0]
    es = []
    x = x0
    for w, u in zip(weights, shifts, strict=True):
        e = math.exp(x)
        x = math.tanh(e * w + u)
        es.append(e)
        xs.append(x)
    grad = 1.0
    gw = [0.0] * len(weights)
    gu = [0.0] * len(weights)
    for k in range(len(weights) - 1, -1, -1):
        ds = grad * (1.0 - xs[k + 1] * xs[k + 1])
        gu[k] = ds
        gw[k] = ds * es[k]
        grad = ds * weights[k] * es[k]
    return [x, grad, *gw, *gu]


def plain_dag(x0: float, weights: list[float], picks: list[int]) -> list[float]:
    """The DAG on floats with the hand-derived reverse sweep."""
    nodes = [x0]
    es = []
    for k, w in enumerate(weights):
        e = math.exp(nodes[picks[k]])
        es.append(e)
        nodes.append(math.tanh(e * w + nodes[-1]))
    grads = [0.0] * len(nodes)
    grads[-1] = 1.0
    gw = [0.0] * len(weights)
    for k in range(len(weights) - 1, -1, -1):
        out = nodes[k + 1]
        ds = grads[k + 1] * (1.0 - out * out)
        if ds == 0.0:
            continue
        gw[k] = ds * es[k]
        grads[picks[k]] += ds * weights[k] * es[k]
        grads[k] += ds
    return [nodes[-1], grads[0], *gw]


def _runners(steps_chain: int, steps_dag: int) -> dict[str, dict[str, Any]]:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20 * steps_dag + 1000))
    micrograd = micrograd_value()
    x0, weights, shifts, _ = parameters(steps_chain)
    y0, dag_weights, _, picks = parameters(steps_dag, seed=2)
    return {
        "chain": {
            "chainrule": lambda: graph_chain(autograd.Value, x0, weights, shifts),
            "micrograd": lambda: graph_chain(micrograd, x0, weights, shifts),
            "plain": lambda: plain_chain(x0, weights, shifts),
        },
        "dag": {
            "chainrule": lambda: graph_dag(autograd.Value, y0, dag_weights, picks),
            "micrograd": lambda: graph_dag(micrograd, y0, dag_weights, picks),
            "plain": lambda: plain_dag(y0, dag_weights, picks),
        },
    }


def graph_builders(steps_chain: int, steps_dag: int) -> dict[str, Callable[[], Any]]:
    """chainrule's chain and DAG, built but not differentiated (``benchmarks.steps --backward``)."""
    x0, weights, shifts, _ = parameters(steps_chain)
    y0, dag_weights, _, picks = parameters(steps_dag, seed=2)
    return {
        "chain": lambda: build_chain(autograd.Value, x0, weights, shifts)[0],
        "dag": lambda: build_dag(autograd.Value, y0, dag_weights, picks)[0],
    }


def sizes(quick: bool) -> tuple[int, int]:
    """Steps of the chain and of the DAG (four ops each)."""
    return (250, 1000) if quick else (2500, 10000)


def agreement(quick: bool = False) -> dict[str, float]:
    """Largest difference of chainrule and micrograd from plain, over output and gradients."""
    differences: dict[str, float] = {}
    for shape, runners in _runners(*sizes(quick)).items():
        reference = runners["plain"]()
        for engine in ("chainrule", "micrograd"):
            numbers = runners[engine]()
            differences[f"{shape} {engine}"] = max(
                abs(a - b) for a, b in zip(numbers, reference, strict=True)
            )
    return differences


def cases(quick: bool = False) -> list[Case]:
    """Time per op node (forward, backward, release) in a steady loop, chain and DAG."""
    chain_steps, dag_steps = sizes(quick)
    runners = _runners(chain_steps, dag_steps)
    return [
        Case("elementary", f"chain {chain_steps * OPS_PER_STEP} ops", runners["chain"],
             loop=3 if quick else 10, release=True, per=chain_steps * OPS_PER_STEP, unit="node"),
        Case("elementary", f"DAG {dag_steps * OPS_PER_STEP} ops", runners["dag"],
             loop=3 if quick else 10, release=True, per=dag_steps * OPS_PER_STEP, unit="node"),
    ]
