"""The benchmark workloads compute the same numbers in every engine (correctness, no timing).

``python -m benchmarks`` refuses to time engines that disagree; these tests run the same
agreement checks on the small (``quick``) sizes so a broken workload is caught by ``make test``.
"""

from __future__ import annotations

import pytest
from differences import nudged_difference

from benchmarks import elementary, mlp_demo, mlp_step, wide_sum

TOLERANCE = 1e-9


@pytest.mark.parametrize("workload", [mlp_step, mlp_demo, elementary, wide_sum],
                         ids=["mlp_step", "mlp_demo", "elementary", "wide_sum"])
def test_every_engine_agrees_with_the_hand_written_floats(workload):
    differences = workload.agreement(quick=True)
    assert differences, "the workload compared no engines"
    assert {name: d for name, d in differences.items() if not d <= TOLERANCE} == {}


def test_mlp_step_engines_start_from_the_same_weights():
    made = mlp_step.engines(4, tape=False)
    chainrule = [p.data for p in mlp_step.ordered_parameters(made["chainrule"].model)]
    micrograd = [p.data for p in mlp_step.ordered_parameters(made["micrograd"].model)]
    plain = [number for rows, biases in made["plain"].mlp.weights
             for row, bias in zip(rows, biases, strict=True) for number in (*row, bias)]
    assert chainrule == micrograd == plain
    assert len(plain) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1  # MLP(2, [16, 16, 1]): 337


def test_the_plain_mlp_gradient_matches_central_differences():
    # The hand-derived backward pass checked independently of every engine.
    points, labels = mlp_step.moons(8)
    plain = mlp_step.PlainMLP(mlp_step.initial_weights())
    loss, grads = plain.gradients(points, labels)
    for layer, neuron, weight in [(0, 3, 1), (1, 5, 7), (2, 0, 11)]:
        row = plain.weights[layer][0][neuron]
        numeric = nudged_difference(lambda: plain.gradients(points, labels)[0], row, weight)
        assert grads[layer][0][neuron][weight] == pytest.approx(numeric, abs=1e-6)


def test_mlp_demo_runs_micrograd_and_chainrule_from_the_same_weights() -> None:
    made = mlp_demo.engines(4)
    chainrule = [p.data for p in mlp_step.ordered_parameters(made["chainrule"].model)]
    micrograd = [p.data for p in mlp_step.ordered_parameters(made["micrograd"].model)]
    assert chainrule == micrograd
    assert len(chainrule) == 337


def test_mlp_demo_labels_are_the_demos_integers() -> None:
    made = mlp_demo.engines(4)
    assert made["chainrule"].labels == [-1, 1, -1, 1]
    assert all(type(label) is int for label in made["chainrule"].labels)


@pytest.mark.parametrize("workload", ["mlp_demo", "mlp_step", "chain", "dag"])
def test_the_profiling_harness_builds_the_graph_its_backward_count_measures(workload):
    # benchmarks.steps --backward counts backward passes of these graphs: each must be a fresh
    # graph whose leaves receive the gradient of the same loss the timed step computes.
    from benchmarks import steps

    build = steps.graph_builder(workload)
    first, second = build(), build()
    assert first is not second and first.parents
    first.backward()
    assert first.grad == 1.0


def test_the_profiling_harness_refuses_an_unknown_workload_and_a_foreign_backward():
    from benchmarks import steps

    with pytest.raises(SystemExit, match="unknown workload"):
        steps.main(["nothing", "chainrule", "1"])
    with pytest.raises(SystemExit, match="chainrule's backward pass only"):
        steps.main(["chain", "micrograd", "1", "--backward"])
