"""Which pass owns which nodes: passes over unrelated graphs never wait for each other.

The backward pass (:mod:`autograd.core.backprop`) uses the ``grad`` slots of its nodes as working
memory. This module keeps the passes that are running apart, without holding a lock while user
code (a custom op's rule) runs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

__all__ = ["ACTIVE", "LOCK", "NOTHING", "STATE", "Exclusive", "Pass", "finish", "keepers",
           "reached", "start", "wait_for_slots"]

# # A pass uses the ``grad`` slots of its nodes as working memory from its sort to its last write,
# and runs rules in between: user code, for a custom op, which may call ``backward()`` itself or
# wait for a thread that does. So no lock is held while a pass sweeps. Instead each pass is
# registered in ``ACTIVE`` with the nodes it owns, and a new pass (sorted and registered under
# ``STATE``, which guards only this bookkeeping and never runs user code) first makes sure that
# it shares no node with an active pass:
#
# - a pass of another thread that shares nodes: wait until it is done (so passes over a shared
#   graph give exactly the gradients of the two passes one after the other);
# - a pass of this same thread that shares nodes: that pass is paused in the rule that is
#   running now and cannot finish first (re-entrant backward, PyTorch's semantics: the inner pass
#   adds its gradients to the leaves, as any pass does). The new pass sorts with marks of its own
#   and gives the shared interior nodes their working numbers back when it ends, so the paused
#   pass carries on as if nothing had happened; a leaf's slot is only ever added to, so both
#   passes' gradients end up in it;
# - no shared node: go ahead, whatever else is running (gradient checkpointing: a rule that
#   recomputes a piece of the forward from detached copies and differentiates that).
#
# The check costs nothing for a pass that runs alone (the usual case): the node sets are built
# only when another pass is active at the time a pass starts.

STATE = threading.Condition(threading.Lock())


class Pass:
    """One pass that owns the ``grad`` slots of its nodes while it runs."""

    __slots__ = ("thread", "parts", "nodes", "keeps")

    def __init__(self, *parts: Iterable[Any], keeps: dict[Any, Any] | None = None) -> None:
        self.thread = threading.get_ident()
        self.parts = parts  # the pass's own collections of nodes (its order, its leaves)
        self.nodes: set[Any] | None = None
        #: for a pass that gives every ``grad`` back when it ends (propagate): what it restores
        self.keeps = keeps

    def owns(self) -> set[Any]:
        """Every node whose slot this pass uses (built when first asked)."""
        if self.nodes is None:
            self.nodes = set().union(*self.parts)
        return self.nodes


#: The passes running now, in any thread (guarded by ``STATE``).
ACTIVE: list[Pass] = []
#: The thread holding :data:`LOCK`, once per level of nesting (guarded by ``STATE``).
EXCLUSIVE: list[int] = []


def reached(roots: Iterable[Any], boundary: Iterable[Any] = ()) -> set[Any]:
    """Every node of the graph of ``roots``, leaves included, not entering ``boundary`` nodes
    (a plain search that writes no slot: the slots may belong to another pass)."""
    stops = set(boundary)
    seen: set[Any] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            if node not in stops:
                stack.extend(node.parents)
    return seen


def wait_for_slots(roots: Iterable[Any], boundary: Iterable[Any] = ()) -> set[Any]:
    """Wait until no pass of another thread owns a node of the graph of ``roots`` (the caller
    holds ``STATE``, which this releases while it waits, and sorts before releasing it).

    Returns:
        The nodes shared with passes of this thread: passes paused in a rule that is running
        now (re-entrant backward). Empty in the usual case.
    """
    if not (ACTIVE or EXCLUSIVE):  # the usual case: this pass runs alone
        return NOTHING
    me = threading.get_ident()
    while True:
        if any(thread != me for thread in EXCLUSIVE):
            STATE.wait()
            continue
        if not ACTIVE:
            return NOTHING
        nodes = reached(roots, boundary)
        if not any(work.thread != me and not work.owns().isdisjoint(nodes) for work in ACTIVE):
            shared: set[Any] = set()
            for work in ACTIVE:  # all of this thread now
                shared |= nodes & work.owns()
            return shared
        STATE.wait()


NOTHING: set[Any] = set()  # never changed


def keepers(shared: set[Any]) -> dict[Any, dict[Any, Any]]:
    """For each shared leaf whose innermost paused owner gives every ``grad`` back when it ends
    (propagate), the dict that pass restores from: a nested ``backward()`` adds its gradient
    there (so it outlives that pass), not to the slot (which holds that pass's result).
    A leaf whose innermost owner is a ``backward()`` just gets added to in its slot, since that
    pass adds its slot to the leaf's gradient when it ends."""
    keepers: dict[Any, dict[Any, Any]] = {}
    for work in ACTIVE:  # outer passes first, so the innermost owner is written last
        for node in shared.intersection(work.owns()):
            if not node.parents:
                if work.keeps is not None:
                    keepers[node] = work.keeps
                else:
                    keepers.pop(node, None)
    return keepers


def start(work: Pass) -> Pass:
    """Register ``work`` as running (the caller holds ``STATE``)."""
    ACTIVE.append(work)
    return work


def finish(work: Pass) -> None:
    """``work`` no longer uses its slots: wake the passes waiting for them."""
    with STATE:
        ACTIVE.remove(work)
        STATE.notify_all()


class Exclusive:
    """``with LOCK:``: while the block runs, no pass of another thread uses any ``grad`` slot.

    For code that adds to leaves' gradients outside a pass (the tape's and the batched replay's
    ``backward``): it waits for the passes of other threads to finish and keeps new ones waiting.
    Passes of the thread that holds it go ahead (a rule may replay a tape). Hold it only around
    code that waits for no other thread.
    """

    def __enter__(self) -> None:
        me = threading.get_ident()
        with STATE:
            while (any(thread != me for thread in EXCLUSIVE)
                   or any(work.thread != me for work in ACTIVE)):
                STATE.wait()
            EXCLUSIVE.append(me)

    def __exit__(self, *exception: object) -> None:
        with STATE:
            EXCLUSIVE.remove(threading.get_ident())
            STATE.notify_all()


#: Excludes the passes of other threads (see :class:`Exclusive`).
LOCK = Exclusive()
