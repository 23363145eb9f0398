"""What the passes leave in the nodes' ``grad`` slots: only floats and Values; nothing
changed by a pass that only reads the graph, nor by a sort interrupted half-way; a leaf adds the
pass's total onto its previous gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from autograd import Value, detect_anomaly, explain, topological_order, trace
from autograd.core.backprop import propagate


def _every_pass() -> list[tuple[str, Callable[[Value], Any]]]:
    def failed(root: Value) -> None:
        with pytest.raises(ZeroDivisionError):
            (root + (root - root.data).sqrt()).backward()

    def anomaly(root: Value) -> None:
        with detect_anomaly():
            root.backward()

    return [
        ("backward", lambda root: root.backward()),
        ("backward(create_graph=True)", lambda root: root.backward(create_graph=True)),
        ("detect_anomaly", anomaly),
        ("failed backward", failed),
        ("propagate", propagate),
        ("explain", explain),
        ("topological_order", topological_order),
        ("trace", lambda root: trace(lambda: root)),
    ]


@pytest.mark.parametrize(("name", "run"), _every_pass(), ids=[name for name, _ in _every_pass()])
def test_no_pass_leaves_anything_but_a_float_or_a_value_in_a_grad(
    name: str, run: Callable[[Value], Any],
) -> None:
    x, y = Value(1.5, label="x"), Value(-2.0, label="y")
    shared = x * y
    root = (shared + x).tanh() * shared + (y * 0.0).relu()  # relu(0) passes nothing on
    run(root)
    kinds = {type(node.grad) for node in topological_order(root, include_leaves=True)}
    assert kinds <= {float, Value}, name


def _pure_passes() -> list[tuple[str, Callable[[Value], Any]]]:
    return [(name, run) for name, run in _every_pass()
            if name in ("propagate", "explain", "topological_order", "trace")] + [
        ("topological_order(include_leaves=True)",
         lambda root: topological_order(root, include_leaves=True)),
    ]


@pytest.mark.parametrize(("name", "run"), _pure_passes(), ids=[name for name, _ in _pure_passes()])
def test_a_pass_that_reads_the_graph_leaves_every_grad_exactly_as_it_was(
    name: str, run: Callable[[Value], Any],
) -> None:
    x, y = Value(1.5, label="x"), Value(-2.0, label="y")
    shared = x * y
    root = (shared + x).tanh() * shared + (y * 0.0).relu()
    nodes = topological_order(root, include_leaves=True)
    for number, node in enumerate(nodes):  # leaves and interior nodes, each a distinct number
        node.grad = 0.25 + number
    run(root)
    assert [(type(node.grad), node.grad) for node in nodes] == [
        (float, 0.25 + number) for number in range(len(nodes))], name


def test_a_leaf_accumulates_the_total_of_the_pass_onto_its_previous_gradient() -> None:
    # PyTorch's accumulation: grad += (c1 + c2), not (grad + c1) + c2. With grad = 1e16 and
    # two contributions of 1.0, adding them one at a time loses both (1e16 + 1 rounds to 1e16),
    # adding their total keeps it: 1e16 + 2 is a float.
    x = Value(3.0)
    x.grad = 1e16
    (x + x).backward()
    assert x.grad == 1e16 + 2.0 and 1e16 + 2.0 != 1e16


def test_a_leaf_no_gradient_reaches_keeps_its_previous_gradient() -> None:
    x, y = Value(-1.0), Value(2.0)
    x.grad, y.grad = 0.5, -0.25
    (x.relu() + y).backward()  # relu'(-1) = 0: nothing reaches x
    assert (type(x.grad), x.grad, y.grad) == (float, 0.5, 0.75)


class _Unreadable(Value):
    """A node whose parents cannot be read: the sort stops half-way through the graph."""

    __slots__ = ()

    @property  # type: ignore[override]
    def parents(self) -> tuple[Value, ...]:
        raise KeyboardInterrupt

    @parents.setter
    def parents(self, value: tuple[Value, ...]) -> None:
        pass  # Value.__init__ sets it


@pytest.mark.parametrize("run", [
    lambda root: root.backward(), lambda root: propagate(root),
    lambda root: topological_order(root),
], ids=["backward", "propagate", "topological_order"])
def test_a_sort_interrupted_half_way_leaves_no_mark_in_any_grad(
    run: Callable[[Value], Any],
) -> None:
    x, y = Value(1.5), Value(-2.0)
    inner = x * y
    stuck = _Unreadable(0.0)
    root = (inner + x) * stuck + inner * y  # the sort opens root, then its operands
    with pytest.raises(KeyboardInterrupt):
        run(root)
    for node in (x, y, inner, root):
        assert type(node.grad) is float, node
    x.grad = y.grad = 0.0
    (inner + x).backward()  # nothing left marked: the next pass sees the whole graph
    assert (x.grad, y.grad) == (-2.0 + 1.0, 1.5)
