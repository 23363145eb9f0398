"""The backward core: one traversal of the graph and one sweep of the chain rule.

Everything that walks a graph goes through this module:

- :func:`topological_order` is the one traversal. It is iterative (no recursion, so a chain of a
  million nodes is as easy as ten), deterministic (depth-first, parents in operand order, roots in
  the order given) and pure: it reads the graph and writes nothing.
- :func:`sweep` is the one chain-rule sweep. It visits nodes in reverse topological order and, for
  every node whose gradient is not zero, calls the op table's rule and adds one contribution to
  each parent. Gradients flow through the nodes' own ``grad`` slots: an attribute read and write
  is the cheapest store Python has, which is what keeps ``backward()`` fast. The same loop runs on
  floats and, with ``create_graph=True``, on Values (the rules are written for both), checks every
  contribution inside ``detect_anomaly()``, and reports each step to an observer (how
  :func:`autograd.explain` and the pages see the pass). It also runs on the tape's replay slots
  (:mod:`autograd.tape`), which have the same four fields as a Value.
- :func:`rule_failed` and :func:`wrong_shape` are the one error contract for a rule: the original
  exception is kept and the op, its inputs and the node are added with ``add_note``; a rule that
  does not return one gradient per input is a ``TypeError`` naming the op.

Around the sweep, :func:`backward` and :func:`propagate` give the two behaviours users see: the
first accumulates into leaves and leaves interior nodes with the gradients of this pass; the second
returns the gradients in a dict and leaves every ``grad`` as it was. Both are all-or-nothing: if a
rule fails, no partial gradient is left behind: :func:`propagate` restores every ``grad`` it
touched, :func:`backward` restores the leaves and sets the interior nodes of the graph to 0.0
(the failed call has no gradients; keeping the previous call's would cost a store per node on
every pass: 7% to 20% of a backward pass of a 20,000-node chain, measured). Both hold one
process-wide lock while they use the slots, so two threads differentiating graphs that share nodes
get exactly the gradients they would get one after the other (a lock is the simple, correct
answer here: the slots are the fast path's working memory, and Python runs one thread at a time
anyway).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .mode import ANOMALY_DETECTION, GRAD_ENABLED

if TYPE_CHECKING:
    from .value import Value

#: Serialises every pass that uses the nodes' ``grad`` slots as working memory.
LOCK = threading.RLock()

#: ``observer(node, upstream, contributions)``: called by :func:`sweep` for every node whose rule
#: ran, before its contributions are added to its parents.
Observer = Callable[[Any, Any, Sequence[Any]], None]


# -------------------------------------------------------------------------------- traversal
#
# The sort keeps its bookkeeping in the nodes' own ``grad`` slots instead of a set or dict: on
# the 10,000-op chain of benchmarks/elementary.py that halves the cost of the sort (counted with
# callgrind: about 2,800 instructions per node with a set, 1,400 with the slots), and the sort is
# most of a backward pass. A mark is a float 0.0 of a class of its own, told apart by its type
# (never by identity, which Python does not promise for floats): ``_Opened`` while the sort is
# inside a node's parents, ``_Sorted`` once the node is in the order. A sorted mark also counts
# as "no gradient yet" in the sweep: ``mark + contribution`` is a plain float. Every mark is
# replaced before the lock is released, so nobody outside sees one.


class _Opened(float):
    """The sort's mark for a node whose parents are being sorted (a 0.0 in arithmetic)."""


class _Sorted(float):
    """The sort's mark for a node already in the order (a 0.0: no gradient has reached it)."""


_OPENED = _Opened(0.0)
_SORTED = _Sorted(0.0)


def _sort(roots: list[Any], leaves: list[Any] | None = None,
          saved: dict[Any, Any] | None = None, listed: set[Any] | None = None) -> list[Any]:
    """The interior nodes of the graph of ``roots`` in topological order, each marked sorted.

    Depth-first on one plain stack: a node is opened (its parents pushed above it, operand 0 on
    top) and, when it is on top again, appended; so the order is the post-order of a depth-first
    search with parents in operand order. Nodes the caller marked sorted beforehand (a tape's
    inputs) are not entered. The caller holds :data:`LOCK` and replaces the marks.

    Args:
        roots: the output nodes.
        leaves: if given, receives the leaves met (a leaf used twice may appear twice).
        saved: if given, receives each interior node's ``grad`` before it was marked.
        listed: if given, leaves (and nodes pre-marked sorted) are listed in the order too, each
            when the search first reaches it, and collected in this set.
    """
    if listed is not None:
        return _sort_listing(roots, saved, listed)
    order: list[Any] = []
    append = order.append
    collect = ([] if leaves is None else leaves).append
    opened, done = _Opened, _Sorted
    for root in roots:
        stack = [root]
        push, pop = stack.append, stack.pop
        while stack:
            node = stack[-1]
            kind = type(node.grad)  # a Value grad is never a mark
            if kind is opened:  # all its parents are sorted: close it
                pop()
                node.grad = _SORTED
                append(node)
            elif kind is done:  # sorted already, or a boundary node
                pop()
            elif not node.parents:  # a leaf root
                pop()
                collect(node)
            else:  # open it: its parents go above it, operand 0 on top
                if saved is not None:
                    saved[node] = node.grad
                node.grad = _OPENED
                # The innermost loop of a backward pass: a neuron's node has 2n+1 parents, most
                # of them leaves (weights), so the leaf test comes first and nothing is tested
                # twice. With the listing case in a function of its own and type() (cheaper than
                # .__class__ on this CPython 3.11), sorting micrograd's demo graph went from
                # 52.1 to 48.5 million instructions (callgrind).
                for parent in reversed(node.parents):
                    if not parent.parents:
                        collect(parent)
                    elif type(parent.grad) is not done:
                        push(parent)
    return order


def _sort_listing(roots: list[Any], saved: dict[Any, Any] | None,
                  listed: set[Any]) -> list[Any]:
    """:func:`_sort` with the leaves in the order too, each where the search first reaches it."""
    order: list[Any] = []
    append = order.append
    opened, done = _Opened, _Sorted
    for root in roots:
        stack = [root]
        push = stack.append
        while stack:
            node = stack[-1]
            kind = node.grad.__class__
            if kind is opened:  # all its parents are sorted: close it
                stack.pop()
                node.grad = _SORTED
                append(node)
                listed.add(node)
            elif kind is done or not node.parents:  # sorted already, a boundary node, a leaf
                stack.pop()
                if node not in listed:  # a leaf or boundary node, first reached
                    listed.add(node)
                    append(node)
            else:  # open it: every parent goes above it, operand 0 on top
                if saved is not None:
                    saved[node] = node.grad
                node.grad = _OPENED
                for parent in reversed(node.parents):
                    push(parent)
    return order


def topological_order(
    roots: Value | Iterable[Value], *, include_leaves: bool = False,
    boundary: Iterable[Value] = (),
) -> list[Value]:
    """The nodes of the graph of ``roots``, each after all of its parents.

    This is the engine's one traversal (the backward pass sorts with the same :func:`_sort`).

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
    stops = set(boundary)
    with LOCK:
        saved: dict[Any, Any] = {node: node.grad for node in stops}
        for node in stops:
            node.grad = _SORTED
        try:
            return _sort(root_list, saved=saved, listed=set() if include_leaves else None)
        finally:
            for node, grad in saved.items():
                node.grad = grad


def _as_roots(roots: Any) -> list[Any]:
    from .value import Value

    if isinstance(roots, Value):
        return [roots]
    return list(roots)


# -------------------------------------------------------------------------------- rule contract

_SHAPE = "its rule must return a tuple with one gradient (or None) per input, {count} here"


def describe_step(node: Any) -> str:
    """'backward of mul at input(s) 2.0, 3.0 (nodes 'a', 'b')': where a rule ran (on a tape's
    replay slot, also which instruction), for a note."""
    from .value import describe_nodes

    title = node.op.title if node.op is not None else "leaf"
    inputs = ", ".join(repr(parent.data) for parent in node.parents)
    where = f" (output node {node.label!r})" if getattr(node, "label", "") else ""
    context = getattr(node, "context", "")  # a tape's replay slot says which instruction it is
    where += f" in {context}" if context else ""
    return (f"backward of {title} at input(s) {inputs} {describe_nodes(node.parents)}"
            f"{where}").rstrip()


def rule_failed(error: BaseException, node: Any) -> BaseException:
    """``error`` raised by the rule of ``node``'s op, with the op, inputs and node noted."""
    error.add_note(describe_step(node))
    return error


def wrong_shape(node: Any, contributions: Any) -> TypeError:
    """The error for a rule that did not return one gradient per input."""
    title = node.op.title if node.op is not None else "leaf"
    shown = _numbers_of(contributions)
    error = TypeError(
        f"the rule of {title} returned {type(shown).__name__} {shown!r}: "
        + _SHAPE.format(count=len(node.parents))
    )
    error.add_note(describe_step(node))
    return error


def _numbers_of(contributions: Any) -> Any:
    """A rule's return value with every Value shown by its number, so that the message of
    :func:`wrong_shape` reads the same on the float path and the recorded path."""
    from .value import Value

    def number(item: Any) -> Any:
        return item.data if isinstance(item, Value) else item

    if isinstance(contributions, tuple):
        return tuple(number(item) for item in contributions)
    if isinstance(contributions, list):
        return [number(item) for item in contributions]
    return number(contributions)


def _non_finite_gradient(node: Any, index: int, contribution: Any) -> FloatingPointError:
    parent = node.parents[index]
    into = f" (node {parent.label!r})" if getattr(parent, "label", "") else ""
    error = FloatingPointError(
        f"detect_anomaly: backward of {node.op.title} gave the non-finite gradient "
        f"{float(contribution)!r} for its input {index}{into} with value {parent.data!r}"
    )
    error.add_note(describe_step(node))
    return error


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
    for node in reversed(order):
        grad = node.grad
        if not grad:  # nothing reached this node (a Value gradient is always truthy)
            node.grad = 0.0  # a plain 0.0, in place of the sort's mark
            continue
        op = node.op
        parents = node.parents
        try:
            if create_graph:
                contributions = op.rule(grad, node, *parents)
            elif len(parents) == 1:
                contributions = op.rule(grad, node.data, parents[0].data)
            elif len(parents) == 2:
                contributions = op.rule(grad, node.data, parents[0].data, parents[1].data)
            else:
                contributions = op.rule(grad, node.data, *[parent.data for parent in parents])
        except Exception as error:
            raise rule_failed(error, node) from None
        if careful:
            _accumulate_carefully(node, grad, contributions, create_graph, check_finite, observer)
            continue
        # The fast path: unpacking checks the count; ``if da`` skips 0.0 and None.
        try:
            if len(parents) == 1:
                (da,) = contributions
                if da:
                    parents[0].grad += da
            elif len(parents) == 2:
                da, db = contributions
                if da:
                    parents[0].grad += da
                if db:
                    parents[1].grad += db
            else:
                if len(contributions) != len(parents):
                    raise TypeError
                for parent, contribution in zip(parents, contributions, strict=True):
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
                    raise _non_finite_gradient(node, index, contribution)
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


# -------------------------------------------------------------------------------- the passes


def backward(
    roots: Value | Sequence[Value], grads: Any = None, *, create_graph: bool = False
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
    with LOCK:
        leaves: list[Any] = []
        order = _sort([root for root, _ in pairs], leaves)
        before = [leaf.grad for leaf in leaves]
        try:
            _seed_and_sweep(order, pairs, create_graph)
        except BaseException:
            for node in order:
                node.grad = 0.0
            for leaf, grad in zip(leaves, before, strict=True):
                leaf.grad = grad
            raise


def propagate(
    root: Value | Sequence[Value], seed: Any = 1.0, *, create_graph: bool = False,
    order: list[Value] | None = None, observer: Observer | None = None,
) -> dict[Value, Any]:
    """d(root)/d(node) for every node of the graph, returned in a dict; no ``grad`` changes.

    Args:
        root: the output node (or several, with one seed each in ``seed``).
        seed: d(out)/d(root), usually 1.0; a Value when ``create_graph`` is set.
        create_graph: run the rules on Values, so the gradients form a graph of their own.
        order: ignored (kept for callers written before the backward core); the traversal is
            always the core's.
        observer: see :func:`sweep`.

    Raises:
        The failing rule's exception with a note naming the op, its inputs and the node;
        FloatingPointError inside ``detect_anomaly()`` for a non-finite gradient.
    """
    del order
    pairs = _seeds(root, seed, create_graph)
    with LOCK:
        saved: dict[Any, Any] = {}
        leaves: list[Any] = []
        interior = _sort([node for node, _ in pairs], leaves, saved)
        for leaf in leaves:
            saved.setdefault(leaf, leaf.grad)
            leaf.grad = 0.0
        try:
            _seed_and_sweep(interior, pairs, create_graph, observer)
            return {node: node.grad for node in [*interior, *leaves]}
        finally:
            for node, grad in saved.items():
                node.grad = grad


def _seed_and_sweep(order: list[Any], pairs: list[tuple[Any, Any]], create_graph: bool,
                    observer: Observer | None = None) -> None:
    """Add each root's seed to its slot and sweep (the caller holds the lock and cleans up)."""
    for root, seed in pairs:
        _add(root, seed)
    token = GRAD_ENABLED.set(True) if create_graph else None
    try:
        sweep(order, create_graph=create_graph, check_finite=ANOMALY_DETECTION.get(),
              observer=observer)
    finally:
        if token is not None:
            GRAD_ENABLED.reset(token)


def _seeds(roots: Any, grads: Any, create_graph: bool) -> list[tuple[Any, Any]]:
    """(root, seed) pairs, with each seed a float (or a Value with ``create_graph``)."""
    from .value import Value

    many = not isinstance(roots, Value)
    root_list = _as_roots(roots)
    if not root_list or not all(isinstance(root, Value) for root in root_list):
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
    return [(root, _seed(seed, create_graph)) for root, seed in zip(root_list, seed_list,
                                                                      strict=True)]


def _seed(seed: Any, create_graph: bool) -> Any:
    from .numbers import is_real
    from .value import Value

    if isinstance(seed, Value):
        return seed if create_graph else seed.data
    if not is_real(seed):
        raise TypeError(f"backward: a seed gradient must be a number (or a Value), got "
                        f"{type(seed).__name__} {seed!r}")
    number = float(seed)
    if number - number != 0.0:
        raise ValueError(f"backward: the seed gradient must be finite, got {number!r}")
    return Value(number) if create_graph else number


def zero_grad(roots: Value | Iterable[Value]) -> None:
    """Set ``grad`` to 0.0 on every node of the graph(s) of ``roots``."""
    with LOCK:
        for node in topological_order(roots, include_leaves=True):
            node.grad = 0.0
