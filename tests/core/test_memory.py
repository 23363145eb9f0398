"""Memory: a dropped graph is freed at once, without the cycle collector; ``create_graph=True``
makes a reference cycle, which the collector frees and the README mentions.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograd import Value

README = Path(__file__).resolve().parents[2] / "README.md"


class Leaf(Value):
    """A leaf that can be watched with a weak reference (Value itself has no weakref slot)."""

    __slots__ = ("__weakref__",)


@pytest.fixture
def no_cycle_collector() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    yield
    if enabled:
        gc.enable()


def _dropped_leaf(create_graph: bool) -> weakref.ref[Leaf]:
    """A weak reference to the leaf of x * x + x after backward and after every name is gone."""
    x = Leaf(2.0)
    (x * x + x).backward(create_graph=create_graph)
    return weakref.ref(x)


def test_a_graph_is_freed_the_moment_it_is_dropped_without_the_cycle_collector(
    no_cycle_collector: None,
) -> None:
    assert _dropped_leaf(create_graph=False)() is None


def test_create_graph_ties_a_leaf_to_its_gradient_in_a_cycle_the_collector_frees(
    no_cycle_collector: None,
) -> None:
    # x.grad = 2x + 1 is a Value whose graph reads x: x -> x.grad -> ... -> x.
    leaf = _dropped_leaf(create_graph=True)
    assert leaf() is not None
    gc.collect()
    assert leaf() is None


def test_the_readme_says_create_graph_makes_the_reference_cycle_it_makes() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    start = text.index("no reference cycles")
    assert "`backward(create_graph=True)`" in text[start:start + 800]
