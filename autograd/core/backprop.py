"""The backward pass every path uses: one traversal of the graph and one sweep of the chain rule.

It is the textbook pass (:mod:`autograd.core.textbook`, read that first) made fast, and a property
test holds the two equal bit for bit. Everything that walks a graph goes through here:

- :func:`backward` and :func:`propagate` are the two passes users see. The first accumulates into
  leaves and leaves interior nodes with the gradients of this pass; the second returns the
  gradients in a dict and leaves every ``grad`` as it was. Both are all-or-nothing: if a rule
  fails, :func:`propagate` restores every ``grad`` it touched and :func:`backward` restores the
  leaves and sets the interior nodes to 0.0 (the failed call has no gradients; keeping the
  previous call's would cost a store per node on every pass).
- :func:`topological_order` is the one traversal: iterative (a chain of a million nodes is as
  easy as ten), deterministic (depth-first, parents in operand order, roots in the order given)
  and pure (it writes nothing).
- :func:`sweep` is the one chain-rule sweep: in reverse topological order, every node whose
  gradient is not zero calls its op's rule and adds one contribution to each parent. The same
  loop runs on floats and, with ``create_graph=True``, on Values (the rules are written for
  both); it checks every contribution inside ``detect_anomaly()`` and reports each step to an
  observer (how :func:`autograd.explain` and the pages see the pass). It runs on any
  :class:`Node`: Values, the tape's replay slots, the batched replay's nodes.

Two things differ from the textbook, both for speed, both explained once where they are: the
gradients flow through the nodes' own ``grad`` slots rather than a dict (an attribute read and
write is the cheapest store Python has), and the sort marks nodes in those slots rather than in a
visited set (:mod:`autograd.core.sorting`); the sweep is unrolled for the one- and
two-input nodes that most graphs are made of, and applies the engine's own ``affine``, ``dot`` and
``sum`` rules in place ("speed: the common rules inline", at the end). The errors a rule raises
keep their own type and message, with context added (:mod:`autograd.core.failures`). Several
passes may run at once (two threads, or a pass inside a rule of another):
:mod:`autograd.core.ownership` keeps them apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

from . import ownership
from .failures import non_finite_gradient, rule_failed, wrong_shape
from .modes import ANOMALY_DETECTION, GRAD_ENABLED
from .numbers import require_finite
from .ops import OPS
from .ownership import STATE, Pass, finish, start, wait_for_slots
from .sorting import Mark, locked_order, marks_for, sort


@runtime_checkable
class Node(Protocol):
    """What the backward pass reads and writes on a node, and all it needs to know of it.

    A :class:`~autograd.core.value.Value` is such a node, and so are the tape's replay slots and
    the batched replay's nodes: the sort and the sweep never import the class they run on.
    """

    data: Any  # the node's number (a numpy row for the batched replay)
    grad: Any  # where the pass accumulates d(root)/d(node)
    parents: tuple[Any, ...]  # the op's inputs, in operand order (empty for a leaf)
    op: Any  # the op table entry, whose ``rule`` gives the local derivatives (None for a leaf)
    label: str


#: ``observer(node, upstream, contributions)``: called by :func:`sweep` for every node whose rule
#: ran, before its contributions are added to its parents.
Observer = Callable[[Any, Any, Sequence[Any]], None]


# -------------------------------------------------------------------------------- the passes
#
# What users call: each pass sorts the graph (autograd/core/sorting.py), seeds the roots and sweeps
# (:func:`sweep`), exactly the two steps of the textbook pass, then writes its results.


def backward(
    roots: Node | Sequence[Node], grads: Any = None, *, create_graph: bool = False
) -> None:
    """Backpropagate from one output or several, each with its own seed gradient.

    For one root this is ``root.backward(grad)``; for several it is PyTorch's
    ``torch.autograd.backward(tensors, grad_tensors)``: every node receives
    sum_i seed_i * d(root_i)/d(node). Leaves accumulate into ``.grad`` across calls (call
    :func:`zero_grad` between steps); interior nodes hold the gradient of this call. All or
    nothing: if a rule fails, every leaf's ``grad`` is left as it was before the call and every
    interior node's is 0.0 (a failed call has no gradients; no partial sum is left behind).

    Args:
        roots: a Value, or a sequence of Values.
        grads: the seed for each root (numbers, or Values with ``create_graph``); ``None`` means
            1.0 for each. A single number is accepted for a single root.
        create_graph: record the backward pass itself, so gradients can be differentiated.

    Raises:
        TypeError: a root is not a Value, or the seeds do not match the roots.
        ValueError: a seed is not finite.
    """
    pairs = _seeds(roots, grads, create_graph)
    root_list = [root for root, _ in pairs]
    leaves: dict[Any, Any] = {}
    with STATE:
        shared = wait_for_slots(root_list)
        marks = marks_for(shared)
        saved: dict[Any, Any] | None = {} if shared else None
        # A re-entrant pass keeps every leaf in ``leaves`` (its bookkeeping needs them all).
        zeros: list[Any] | None = None if shared else []
        order = sort(root_list, leaves, saved, marks=marks, zeros=zeros)
        keepers = ownership.keepers(shared) if shared else {}
        work = start(Pass(order, leaves, zeros or ()))
    try:
        accumulate = ({leaf: grad for leaf, grad in leaves.items() if leaf not in keepers}
                      if keepers else leaves)
        _seed_and_sweep(order, pairs, create_graph, accumulate=accumulate, zeros=zeros,
                        done=marks[1])
        for leaf, kept in keepers.items():  # (only in a re-entrant pass)
            if leaf in leaves:
                gradient, leaf.grad = leaf.grad, leaves[leaf]
                if gradient is not marks[1]:
                    kept[leaf] = kept[leaf] + gradient
    except BaseException:
        for node in order:
            node.grad = 0.0
        for leaf in zeros or ():
            leaf.grad = 0.0
        for leaf, grad in leaves.items():
            leaf.grad = grad
        raise
    finally:
        if saved:  # give the paused passes their working numbers back
            for node in shared.intersection(saved):
                node.grad = saved[node]
        finish(work)


def propagate(
    root: Node | Sequence[Node], seed: Any = 1.0, *, create_graph: bool = False,
    observer: Observer | None = None,
) -> dict[Any, Any]:
    """d(root)/d(node) for every node of the graph, returned in a dict; no ``grad`` changes.

    Args:
        root: the output node (or several, with one seed each in ``seed``).
        seed: d(out)/d(root), usually 1.0; a Value when ``create_graph`` is set.
        create_graph: run the rules on Values, so the gradients form a graph of their own.
        observer: see :func:`sweep`.

    Raises:
        The failing rule's exception with a note naming the op, its inputs and the node;
        FloatingPointError inside ``detect_anomaly()`` for a non-finite gradient.
    """
    pairs = _seeds(root, seed, create_graph)
    root_list = [node for node, _ in pairs]
    saved: dict[Any, Any] = {}
    with STATE:
        marks = marks_for(wait_for_slots(root_list))
        interior = sort(root_list, saved, saved, marks=marks)
        work = start(Pass(interior, saved, keeps=saved))
    try:
        done = marks[1]  # a leaf no gradient reached still holds the mark
        _seed_and_sweep(interior, pairs, create_graph, observer, done=done)
        return {node: 0.0 if node.grad is done else node.grad
                for node in [*interior, *saved]}
    finally:
        for node, grad in saved.items():
            node.grad = grad
        finish(work)


def zero_grad(roots: Node | Iterable[Node]) -> None:
    """Set ``grad`` to 0.0 on every node of the graph(s) of ``roots``."""
    root_list = _as_roots(roots)
    with STATE:
        if wait_for_slots(root_list):
            raise RuntimeError(
                "zero_grad() was called from inside a rule of a backward pass over the same "
                "graph: that pass is still adding up gradients in these nodes; call zero_grad() "
                "before backward() or after it returns"
            )
        for node in locked_order(root_list, True, ()):
            node.grad = 0.0


def topological_order(
    roots: Node | Iterable[Node], *, include_leaves: bool = False,
    boundary: Iterable[Node] = (),
) -> list[Any]:
    """The nodes of the graph of ``roots``, each after all of its parents.

    This is the engine's one traversal (the backward pass sorts with the same
    :func:`autograd.core.sorting.sort`).

    Args:
        roots: one output node, or several (their graphs are merged; shared nodes appear once).
        include_leaves: also list the leaves, each where the depth-first search first reaches
            it (drawings need them for their records).
        boundary: nodes treated as leaves even when they have parents (the tape's inputs).

    Returns:
        A list in a deterministic order: depth-first, parents in operand order, roots in order.
        The graph is not changed (the sort's marks are removed before this returns).
    """
    root_list = _as_roots(roots)
    with STATE:
        return locked_order(root_list, include_leaves, boundary)


# -------------------------------------------------------------------------------- the sweep


def sweep(
    order: Sequence[Any], *, create_graph: bool = False, check_finite: bool = False,
    observer: Observer | None = None,
) -> None:
    """Apply the chain rule to ``order`` in reverse, through the nodes' ``grad`` slots.

    Before the call, every interior node's ``grad`` holds its seed (0.0 for most, the upstream
    gradient for the roots) and every leaf's ``grad`` what it should accumulate onto. A node
    whose gradient is exactly 0.0 passes nothing on (a dead ReLU, the losing side of a max), nor
    does a contribution that is exactly 0.0 or None.

    This is the longest function of the package on purpose: the float path is unrolled for one-
    and two-input nodes and applies the engine's most common rules in place, so that the loop
    that runs once per node of every backward pass calls as little as Python allows; the careful
    path (Values, checks, observers) stays one general branch.

    Args:
        order: interior nodes in topological order.
        create_graph: run the rules on Values so the gradients are recorded (second order).
        check_finite: raise ``FloatingPointError`` at the first non-finite contribution.
        observer: called for every node whose rule ran (see :data:`Observer`).

    Raises:
        The rule's own exception, with the op, its inputs and the node added as a note;
        TypeError when a rule returns the wrong number of gradients.
    """
    careful = create_graph or check_finite or observer is not None
    # The fast path (floats, no checks) is unrolled for one and two parents, which most nodes
    # have; the numbers of the parents are read once and each contribution is added where it is
    # unpacked. Errors of the rule and errors of its result are told apart by which ``try``
    # they leave (both cost nothing in Python 3.11 unless raised).
    for node in reversed(order):
        grad = node.grad
        if not grad:  # nothing reached this node (a Value gradient is always truthy)
            node.grad = 0.0  # a plain 0.0, in place of the sort's mark
            continue
        parents = node.parents
        rule = node.op.rule
        if careful:
            try:
                contributions = (rule(grad, node, *parents) if create_graph
                                 else rule(grad, node.data, *[parent.data for parent in parents]))
            except Exception as error:
                raise rule_failed(error, node) from None
            _accumulate_carefully(node, grad, contributions, create_graph, check_finite, observer)
        elif len(parents) == 2:
            a, b = parents
            if rule is _ADD_RULE:  # (grad, grad), inline: see "the common rules inline"
                a.grad += grad
                b.grad += grad
                continue
            if rule is _MUL_RULE:  # (grad * b, grad * a)
                da = grad * b.data
                db = grad * a.data
                if da:
                    a.grad += da
                if db:
                    b.grad += db
                continue
            try:
                contributions = rule(grad, node.data, a.data, b.data)
            except Exception as error:
                raise rule_failed(error, node) from None
            try:
                da, db = contributions
                if da:  # skips 0.0 and None
                    a.grad += da
                if db:
                    b.grad += db
            except (TypeError, ValueError):
                raise wrong_shape(node, contributions) from None
        elif len(parents) == 1:
            (a,) = parents
            if rule is _RELU_RULE:  # (grad if x > 0 else 0.0), inline
                if a.data > 0.0:
                    a.grad += grad
                continue
            if rule is _TANH_RULE:  # (grad * (1 - out * out))
                out = node.data
                da = grad * (1.0 - out * out)
                if da:
                    a.grad += da
                continue
            if rule is _EXP_RULE:  # (grad * out)
                da = grad * node.data
                if da:
                    a.grad += da
                continue
            try:
                contributions = rule(grad, node.data, a.data)
            except Exception as error:
                raise rule_failed(error, node) from None
            try:
                (da,) = contributions
                if da:
                    a.grad += da
            except (TypeError, ValueError):
                raise wrong_shape(node, contributions) from None
        elif (rule is _AFFINE_RULE or rule is _DOT_RULE or rule is _SUM_RULE) and _inline_nary(
                rule, grad, parents):
            continue
        else:
            try:
                contributions = rule(grad, node.data, *[parent.data for parent in parents])
            except Exception as error:
                raise rule_failed(error, node) from None
            try:
                if len(contributions) != len(parents):
                    raise TypeError
                for parent, contribution in zip(parents, contributions):  # noqa: B905 (checked)
                    if contribution:
                        parent.grad += contribution
            except (TypeError, ValueError):
                raise wrong_shape(node, contributions) from None


def _accumulate_carefully(
    node: Any, grad: Any, contributions: Any, create_graph: bool, check_finite: bool,
    observer: Observer | None,
) -> None:
    """The sweep's accumulation with checks, observation and Value-valued gradients."""
    parents = node.parents
    if not isinstance(contributions, tuple | list) or len(contributions) != len(parents):
        raise wrong_shape(node, contributions)
    if check_finite:
        for index, contribution in enumerate(contributions):
            if contribution is not None:
                number = float(contribution)
                if number - number != 0.0:
                    raise non_finite_gradient(node, index, contribution)
    if observer is not None:
        observer(node, grad, contributions)
    for parent, contribution in zip(parents, contributions, strict=True):
        if contribution is None or (type(contribution) is float and contribution == 0.0):
            continue
        _add(parent, contribution)


def _add(node: Any, gradient: Any) -> None:
    """``node.grad += gradient``, except that a float 0.0 (or a sort mark) is replaced, so
    with ``create_graph`` no ``0.0 + g`` node is recorded."""
    previous = node.grad
    if isinstance(previous, float) and previous == 0.0:
        node.grad = gradient
    else:
        node.grad = previous + gradient


# -------------------------------------------------------------------------------- seeds


def _seed_and_sweep(order: list[Any], pairs: list[tuple[Any, Any]], create_graph: bool,
                    observer: Observer | None = None,
                    accumulate: dict[Any, Any] | None = None, *, done: Mark,
                    zeros: list[Any] | None = None) -> None:
    """Add each root's seed to its slot and sweep (the caller owns the slots and cleans up).

    The leaves' slots start the sweep at 0.0 (a mark), so after it each holds the gradient of
    this pass alone; each leaf of ``accumulate`` (mapped to its ``grad`` before) then gets
    ``previous + gradient`` (PyTorch's accumulation: the pass's total is added once), and each
    leaf of ``zeros`` (whose gradient was zero before) keeps this pass's gradient, or 0.0.
    """
    for root, seed in pairs:
        _add(root, seed)
    token = GRAD_ENABLED.set(True) if create_graph else None
    try:
        sweep(order, create_graph=create_graph, check_finite=ANOMALY_DETECTION.get(),
              observer=observer)
        for leaf, previous in (accumulate or {}).items():
            gradient = leaf.grad
            if gradient is done:  # no gradient reached this leaf
                leaf.grad = previous
            elif previous:  # a float 0.0 is replaced, so no ``0.0 + g`` node is recorded
                leaf.grad = previous + gradient
        for leaf in zeros or ():
            if leaf.grad is done:
                leaf.grad = 0.0
    finally:
        if token is not None:
            GRAD_ENABLED.reset(token)


def _seeds(roots: Any, grads: Any, create_graph: bool) -> list[tuple[Any, Any]]:
    """(root, seed) pairs, with each seed a float (or a node with ``create_graph``)."""
    many = not isinstance(roots, Node)
    root_list = _as_roots(roots)
    if not root_list or not all(isinstance(root, Node) for root in root_list):
        raise TypeError(f"backward needs a Value or a sequence of Values, got {roots!r}")
    if grads is None:
        seed_list: list[Any] = [1.0] * len(root_list)
    elif many and isinstance(grads, Sequence):
        seed_list = list(grads)
    elif not many:
        seed_list = [grads]
    else:
        raise TypeError(f"backward: {len(root_list)} roots need a sequence of as many seeds, "
                        f"got {grads!r}")
    if len(seed_list) != len(root_list):
        raise TypeError(f"backward: {len(root_list)} roots but {len(seed_list)} seed gradients; "
                        "give one seed per root")
    return [(root, _seed(root, seed, create_graph))
            for root, seed in zip(root_list, seed_list, strict=True)]


def _seed(root: Any, seed: Any, create_graph: bool) -> Any:
    """A root's seed as a float, or with ``create_graph`` as a constant node of the root's kind."""
    if isinstance(seed, Node):
        return seed if create_graph else seed.data
    number = require_finite("backward: the seed gradient", seed, kind="a number (or a Value)",
                            too_large=ValueError)
    return type(root)(number) if create_graph else number


def _as_roots(roots: Any) -> list[Any]:
    """One node as a list of one, or the nodes of an iterable as a list."""
    if isinstance(roots, Node):
        return [roots]
    return list(roots)


# ---------------------------------------------------------- speed: the common rules inline
#
# A neuron is one ``affine`` node with 2n+1 parents, so most of a network's edges are edges of
# ``affine`` (and ``dot`` and ``sum``) nodes. The general path calls the table's rule, which
# builds two lists and a tuple of 2n+1 contributions that the sweep then unpacks again; these
# three rules are simple enough to apply in place, one product and one addition per edge. So are
# ``add`` and ``mul``, the most common two-input nodes, and ``relu``, ``tanh`` and ``exp``, the
# most common one-input ones, whose rule call costs a Python frame and a tuple per node. The
# products, the order in which they reach the parents and the skipped zeros are the rule's, so
# every path stays bit-equal (tests/core/test_all_paths.py). Only the engine's own rules are
# recognised, by identity: an op registered again under one of these names has a rule of its
# own, and takes the general path.

_AFFINE_RULE = OPS["affine"].rule
_DOT_RULE = OPS["dot"].rule
_SUM_RULE = OPS["sum"].rule
_ADD_RULE = OPS["add"].rule
_MUL_RULE = OPS["mul"].rule
_RELU_RULE = OPS["relu"].rule
_TANH_RULE = OPS["tanh"].rule
_EXP_RULE = OPS["exp"].rule


def _inline_nary(rule: Any, grad: float, parents: tuple[Any, ...]) -> bool:
    """The rule of the engine's own ``affine``, ``dot`` or ``sum`` node, applied in place.

    The same products as the table's rules, added to the parents in operand order, zero ones
    skipped: ``affine`` over (w1..wn, b, x1..xn) gives each wi ``grad * xi``, b ``grad`` and each
    xi ``grad * wi``; ``dot`` the same without b; ``sum`` gives every input ``grad``. False (and
    nothing done) for a node whose operand count its op's forward would have refused: the
    general path then raises what the rule raises.
    """
    if rule is _SUM_RULE:
        for parent in parents:
            parent.grad += grad
        return True
    n = len(parents) >> 1
    affine = rule is _AFFINE_RULE
    if len(parents) & 1 != affine:
        return False
    inputs = parents[n + 1:] if affine else parents[n:]
    for weight, x in zip(parents, inputs):  # noqa: B905 (stops after the n weights)
        contribution = grad * x.data
        if contribution:
            weight.grad += contribution
    if affine:
        parents[n].grad += grad
    for x, weight in zip(inputs, parents):  # noqa: B905 (the same n pairs)
        contribution = grad * weight.data
        if contribution:
            x.grad += contribution
    return True
