"""The sort of the backward pass: depth-first, with its bookkeeping in the nodes' ``grad`` slots.

:mod:`autograd.core.textbook` sorts with a visited set; this is the same order, made fast (the
reasons are below). :mod:`autograd.core.backprop` calls :func:`sort` at the start of every pass
and :func:`locked_order` for :func:`~autograd.core.backprop.topological_order`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .ownership import wait_for_slots

__all__ = ["MARKS", "OPENED", "SORTED", "Mark", "locked_order", "marks_for", "sort", "sort_listing",
           "unmark"]


# # The sort keeps its bookkeeping in the nodes' own ``grad`` slots instead of the visited set of
# the textbook pass (autograd/core/textbook.py): the sort is most of a backward pass, and a slot
# read is far cheaper than a set lookup (benchmarks/RESULTS.md, "Why the core looks as it does",
# has the counts). A mark is one of two sentinel objects of a private class ``Mark`` (a float
# subclass worth 0.0), told apart by identity: the identity of an instance of a class of our own is
# guaranteed by the language, unlike that of a float, which an implementation may share or unbox
# (PyPy compares floats by value under ``is``, but instances of subclasses by identity).
# ``OPENED`` marks a node while the sort is inside its parents, ``SORTED`` a node in the order
# (and a leaf met already). A sorted mark also counts as "no gradient yet" in the sweep:
# ``mark + contribution`` is a plain float, never a mark. Every mark is replaced before the pass
# ends, so nobody outside sees one. A pass started inside a rule of a pass over some of the same
# nodes (see autograd/core/ownership.py) sorts with two marks of its own, so that it never takes
# the paused pass's marks for its own.
#
# Leaves are marked too, so a weight used by every example is met once, and remembered once for
# all-or-nothing; but only a leaf whose gradient is not zero needs its previous gradient kept (in
# a dict). The others, the constant leaves a chain like ``x = 0.0001 + 1.0001 * x`` makes by the
# million and the parameters after ``zero_grad()``, go to a plain list, one pointer each, just so
# their marks can be cleaned.
#
# Why the sort walks the whole graph, even the parts no gradient will reach (most of a training
# step's graph: the examples past the hinge's margin, the inputs of dead ReLUs): which parts those
# are is only known from the rules, which run after the sort, and a walk that skipped them
# anyway would break two promises. (1) Every interior node holds this pass's gradient afterwards,
# 0.0 where none arrived: a node the walk skips keeps what an earlier pass left there (an earlier
# backward() from a node inside the skipped part), and only a walk through that part can find
# it. (2) Every path adds a node's contributions in one order, the textbook's depth-first one:
# a depth-first walk that leaves some edges out places the nodes below them elsewhere, and the
# other order (creation order, on a priority queue) changes which contributions are added first,
# so the sums round differently from the textbook, the tape and the replays. Both would need
# per-node state the graph does not have (a creation stamp, a pass stamp) and a new order for
# every path (benchmarks/RESULTS.md, round 3, has what such a sort would save and cost).


class Mark(float):
    """The class of the sort's two marks (each worth 0.0 in arithmetic)."""

    __slots__ = ()


OPENED = Mark(0.0)
SORTED = Mark(0.0)
MARKS = (OPENED, SORTED)


def marks_for(shared: set[Any]) -> tuple[Mark, Mark]:
    """The sort's marks for a pass: its own when it shares nodes with a paused pass."""
    return (Mark(0.0), Mark(0.0)) if shared else MARKS


def sort(roots: list[Any], leaves: dict[Any, Any], saved: dict[Any, Any] | None = None,
          listed: set[Any] | None = None, marks: tuple[Mark, Mark] = MARKS,
          zeros: list[Any] | None = None) -> list[Any]:
    """The interior nodes of the graph of ``roots`` in topological order, each marked sorted.

    Depth-first on one plain stack: a node is opened (put back with its parents above it,
    operand 0 on top) and, when it is popped again, appended; so the order is the post-order of
    a depth-first search with parents in operand order. Nodes the caller marked sorted
    beforehand (a tape's inputs) are not entered. The caller holds ``STATE`` and replaces
    the marks.

    Args:
        roots: the output nodes.
        leaves: receives every leaf reached, mapped to its ``grad`` before the sort marked it
            sorted too (so each is met once), in the order first reached; the caller restores
            or accumulates them. (Unused when ``listed`` is given: leaves are not marked then.)
        zeros: if given, receives instead each leaf whose ``grad`` was zero (falsy), so that
            ``leaves`` holds only the gradients worth restoring.
        saved: if given, receives each interior node's ``grad`` before it was marked.
        listed: if given, leaves (and nodes pre-marked sorted) are listed in the order too, each
            when the search first reaches it, and collected in this set.
        marks: the opened and the sorted mark.
    """
    if listed is not None:
        return sort_listing(roots, saved, listed, marks)
    order: list[Any] = []
    append = order.append
    kept = leaves
    keep_zero = None if zeros is None else zeros.append
    opened, done = marks
    stack: list[Any] = []
    node = None
    try:
        for root in roots:
            if not root.parents:  # a leaf root
                if root.grad is not done:
                    if root.grad or keep_zero is None:
                        kept[root] = root.grad
                    else:
                        keep_zero(root)
                    root.grad = done
                continue
            stack = [root]
            push, pop = stack.append, stack.pop
            while stack:
                node = pop()  # (pop and push again are cheaper than peeking with stack[-1])
                grad = node.grad
                if grad is opened:  # all its parents are sorted: close it
                    append(node)  # (before the mark: a marked node is always in order or stack)
                    node.grad = done
                elif grad is not done:  # (done: pushed twice and sorted since, or a boundary)
                    if saved is not None:
                        saved[node] = grad
                    node.grad = opened
                    push(node)  # closed when it is on top again, after its parents
                    # The innermost loop of a backward pass: a neuron's node has 2n+1 parents,
                    # most of them leaves (weights used by every example). One identity test
                    # per edge skips every node met before, leaf or interior; a leaf is kept
                    # the first time.
                    for parent in reversed(node.parents):
                        if parent.grad is not done:
                            if parent.parents:
                                push(parent)
                            else:
                                grad = parent.grad
                                if grad or keep_zero is None:
                                    kept[parent] = grad
                                else:
                                    keep_zero(parent)
                                parent.grad = done
    except BaseException:  # a KeyboardInterrupt, a node that fails to read: leave no mark
        unmark([*order, *stack, node], kept, saved, marks)
        for leaf in zeros or ():
            leaf.grad = 0.0
        raise
    return order



def unmark(interior: list[Any], leaves: dict[Any, Any], saved: dict[Any, Any] | None,
            marks: tuple[Mark, Mark]) -> None:
    """Undo a sort that stopped half-way: marked interior nodes get their saved ``grad`` back
    (0.0 when the caller saves none) and every leaf met its own."""
    for node in interior:
        if node is not None and (node.grad is marks[0] or node.grad is marks[1]):
            node.grad = saved.get(node, 0.0) if saved is not None else 0.0
    for leaf, grad in leaves.items():
        leaf.grad = grad


def sort_listing(roots: list[Any], saved: dict[Any, Any] | None,
                  listed: set[Any], marks: tuple[Mark, Mark]) -> list[Any]:
    """:func:`sort` with the leaves in the order too, each where the search first reaches it."""
    order: list[Any] = []
    append = order.append
    opened, done = marks
    for root in roots:
        stack = [root]
        push = stack.append
        while stack:
            node = stack[-1]
            grad = node.grad
            if grad is opened:  # all its parents are sorted: close it
                stack.pop()
                node.grad = done
                append(node)
                listed.add(node)
            elif grad is done or not node.parents:  # sorted already, a boundary node, a leaf
                stack.pop()
                if node not in listed:  # a leaf or boundary node, first reached
                    listed.add(node)
                    append(node)
            else:  # open it: every parent goes above it, operand 0 on top
                if saved is not None:
                    saved[node] = grad
                node.grad = opened
                for parent in reversed(node.parents):
                    push(parent)
    return order


def locked_order(roots: list[Any], include_leaves: bool, boundary: Iterable[Any]
                       ) -> list[Any]:
    """:func:`topological_order` (the caller holds ``STATE``, so nothing else starts)."""
    stops = set(boundary)
    marks = marks_for(wait_for_slots(roots, stops))
    saved: dict[Any, Any] = {node: node.grad for node in stops}
    for node in stops:
        node.grad = marks[1]
    try:
        return sort(roots, saved, saved, listed=set() if include_leaves else None, marks=marks)
    finally:
        for node, grad in saved.items():
            node.grad = grad
