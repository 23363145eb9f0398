"""``wide_sum``: 10,000 products ``a_i * b_i`` added pairwise (a balanced tree of binary adds),
then backward. By hand: every add passes its gradient 1 down unchanged, so d/da_i = b_i and
d/db_i = a_i.
"""

from __future__ import annotations

import random
from typing import Any

import autograd

from .engines import micrograd_value
from .timing import Case


def numbers(count: int, seed: int = 3) -> tuple[list[float], list[float]]:
    """The a_i and b_i."""
    rng = random.Random(seed)
    return [rng.uniform(-1, 1) for _ in range(count)], [rng.uniform(-1, 1) for _ in range(count)]


def pairwise(terms: list[Any]) -> Any:
    """Sum by adding neighbours, level by level (an odd one out is carried up)."""
    while len(terms) > 1:
        paired = [terms[i] + terms[i + 1] for i in range(0, len(terms) - 1, 2)]
        if len(terms) % 2:
            paired.append(terms[-1])
        terms = paired
    return terms[0]


def graph(value: Any, a: list[float], b: list[float]) -> list[float]:
    """Total then gradients (every a, every b) in a Value-class engine."""
    xs = [value(x) for x in a]
    ys = [value(y) for y in b]
    total = pairwise([x * y for x, y in zip(xs, ys, strict=True)])
    total.backward()
    return [total.data, *(x.grad for x in xs), *(y.grad for y in ys)]


def plain(a: list[float], b: list[float]) -> list[float]:
    """The same sum on floats, gradients by hand."""
    return [pairwise([x * y for x, y in zip(a, b, strict=True)]), *b, *a]


def _runners(count: int) -> dict[str, Any]:
    a, b = numbers(count)
    micrograd = micrograd_value()
    return {
        "chainrule": lambda: graph(autograd.Value, a, b),
        "micrograd": lambda: graph(micrograd, a, b),
        "plain": lambda: plain(a, b),
    }


def agreement(quick: bool = False) -> dict[str, float]:
    """Largest difference of each engine from plain."""
    runners = _runners(1000 if quick else 10000)
    reference = runners["plain"]()
    return {
        engine: max(abs(x - y) for x, y in zip(runners[engine](), reference, strict=True))
        for engine in ("chainrule", "micrograd")
    }


def cases(quick: bool = False) -> list[Case]:
    """Build, backward, release, in a steady loop of runs."""
    count = 1000 if quick else 10000
    loop = 3 if quick else 10
    return [Case("wide_sum", f"{count} products", _runners(count), loop=loop, release=True,
                 unit="run")]
