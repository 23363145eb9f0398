"""step_through draws lazily: a long chain costs nothing until a frame is looked at, and
a frame is drawn once.
"""

from __future__ import annotations

from typing import Any

import pytest

import autograd.viz.stepping
from autograd import Value, step_through


@pytest.fixture
def drawings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Replaces step_through's drawer by one that counts its calls (one entry per drawing)."""
    calls: list[int] = []

    def draw(root: Value, **options: Any) -> str:
        calls.append(1)
        return "a drawing"

    monkeypatch.setattr(autograd.viz.stepping, "draw_frame", draw)
    return calls


def _chain(length: int) -> Value:
    node = Value(0.5, label="x")
    for _ in range(length):
        node = node * 1.0
    return node


def test_step_through_of_a_2000_op_chain_draws_nothing_until_a_frame_is_indexed(
    drawings: list[int],
) -> None:
    steps = step_through(_chain(2000))
    assert (len(steps), len(drawings)) == (2001, 0)


def test_indexing_a_frame_twice_draws_it_once(drawings: list[int]) -> None:
    steps = step_through(_chain(2000))
    first, again = steps.frames[1000], steps.frames[1000]
    assert (first, again, len(drawings)) == ("a drawing", "a drawing", 1)
