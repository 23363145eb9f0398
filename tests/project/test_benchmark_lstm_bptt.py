"""The lstm_bptt benchmark computes the same numbers in every engine, and its hand-written
backward pass is right (correctness, no timing)."""

from __future__ import annotations

import pytest
from differences import nudged_difference

from benchmarks import lstm_bptt

TOLERANCE = 1e-9


def test_every_engine_agrees_with_the_hand_written_floats() -> None:
    differences = lstm_bptt.agreement(quick=True)
    assert set(differences) == {"chainrule", "micrograd"}
    assert {name: d for name, d in differences.items() if not d <= TOLERANCE} == {}


@pytest.mark.parametrize(("name", "row", "column"), [
    ("weight_ih", 1, 0), ("weight_hh", 6, 2), ("weight_hh", 13, 3), ("bias_ih", 9, None),
    ("v", 2, None), ("d", None, None),
])
def test_plain_bptt_gradient_matches_central_differences(
    name: str, row: int | None, column: int | None
) -> None:
    # The hand-derived backward pass through 10 steps, checked independently of every engine.
    weights = lstm_bptt.initial_weights(hidden=4, seed=2)
    xs, ys = lstm_bptt.window(10)
    plain = lstm_bptt.PlainLSTM(weights)
    _, grads = plain.gradients(xs, ys)
    analytic = grads["bias" if name.startswith("bias") else name]
    container, key = weights, name
    if row is not None:
        analytic = analytic[row]
        container, key = weights[name], row
        if column is not None:
            analytic = analytic[column]
            container, key = weights[name][row], column
    numeric = nudged_difference(lambda: plain.gradients(xs, ys)[0], container, key)
    assert analytic == pytest.approx(numeric, abs=1e-8)
