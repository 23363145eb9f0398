"""Walking the graph: topological order, the backward pass, zeroing gradients.

Nothing here recurses: the order comes from an explicit stack, so a chain of a million nodes is
as easy as a chain of ten. The order is deterministic (parents are visited in operand order),
which keeps drawings and tables stable.

The backward pass is the chain rule applied in reverse topological order: for every node the op
table's rule turns the node's gradient into one contribution per parent. :func:`propagate` is the
general form, with gradients flowing through a dict keyed by node; with ``create_graph=True`` the
same rules run on Values there, so the gradients are themselves recorded and can be
differentiated again. ``backward()`` without ``create_graph`` takes a fast path that computes the
same numbers on floats, passing gradients through the nodes' own ``grad`` slots (see the comment
above :func:`_sorted_interior`): no Value is allocated and no dict or set is built.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .mode import ANOMALY_DETECTION, GRAD_ENABLED

if TYPE_CHECKING:
    from .value import Value


def topological_order(root: Value, *, include_leaves: bool = False) -> list[Value]:
    """The nodes of ``root``'s graph, each after all of its parents, ``root`` last.

    Args:
        root: the output node.
        include_leaves: also list the leaves (the backward pass does not need them; drawing does).

    Returns:
        A list in a deterministic order: depth-first, parents in operand order.
    """
    if not root.parents:
        return [root] if include_leaves else []
    order: list[Value] = []
    visited = {root}
    stack = [(root, iter(root.parents))]
    while stack:
        node, pending = stack[-1]
        for parent in pending:
            if parent in visited:
                continue
            visited.add(parent)
            if parent.parents:
                stack.append((parent, iter(parent.parents)))
                break
            if include_leaves:
                order.append(parent)
        else:
            stack.pop()
            order.append(node)
    return order


def propagate(
    root: Value, seed: Any, *, create_graph: bool = False, order: list[Value] | None = None
) -> dict[Value, Any]:
    """Run the chain rule from ``root`` and return d(root)/d(node) for every node reached.

    Nodes whose gradient is exactly zero (a dead ReLU, the losing side of a max) pass nothing on.
    No node's ``.grad`` is touched; see :func:`backward` for that.

    Args:
        root: the output node.
        seed: d(out)/d(root), usually 1.0; a Value when ``create_graph`` is set.
        create_graph: run the rules on Values, so the gradients form a graph of their own.
        order: ``topological_order(root)`` when the caller already has it.

    Raises:
        ZeroDivisionError, ValueError, OverflowError: a rule failed (for example the derivative
            of sqrt at 0); the message names the op, its inputs and the node.
        FloatingPointError: inside ``detect_anomaly()``, a gradient is not finite.
    """
    from .value import Value

    if create_graph and not isinstance(seed, Value):
        seed = Value(float(seed))
    if not create_graph:
        seed = float(seed)
    grads: dict[Value, Any] = {root: seed}
    check_finite = ANOMALY_DETECTION.get()
    token = GRAD_ENABLED.set(True) if create_graph else None
    try:
        for node in reversed(topological_order(root) if order is None else order):
            grad = grads.get(node, 0.0)
            if type(grad) is float and grad == 0.0:
                continue
            op = node.op
            assert op is not None  # the order holds interior nodes only
            parents = node.parents
            try:
                if create_graph:
                    contributions = op.rule(grad, node, *parents)
                else:
                    contributions = op.rule(grad, node.data, *[parent.data for parent in parents])
            except (ArithmeticError, ValueError, TypeError) as error:
                raise _rule_failed(node, error) from None
            if not isinstance(contributions, tuple | list) or len(contributions) != len(parents):
                raise _rule_failed(node, TypeError(_SHAPE.format(count=len(parents))))
            pairs = zip(parents, contributions, strict=True)
            for index, (parent, contribution) in enumerate(pairs):
                if contribution is None or (type(contribution) is float and contribution == 0.0):
                    continue
                if check_finite:
                    _check_finite(op.title, node, index, parent, contribution)
                previous = grads.get(parent)
                grads[parent] = contribution if previous is None else previous + contribution
    finally:
        if token is not None:
            GRAD_ENABLED.reset(token)
    return grads


_SHAPE = "its rule must return a tuple with one gradient (or None) per input, {count} here"


def _rule_failed(node: Value, error: Exception) -> Exception:
    """``error`` from the rule of ``node``'s op, re-raised with the op, its inputs and nodes."""
    from .value import describe_nodes

    title = node.op.title if node.op is not None else "leaf"
    if isinstance(error, TypeError | ValueError) and "unpack" in str(error):
        error = TypeError(f"{error}: {_SHAPE.format(count=len(node.parents))}")
    inputs = ", ".join(repr(parent.data) for parent in node.parents)
    return type(error)(
        f"backward of {title} at input(s) {inputs} failed: {error} "
        f"{describe_nodes(node.parents)}"
    )


def _check_finite(op_name: str, node: Value, index: int, parent: Value, contribution: Any) -> None:
    number = float(contribution)
    if number - number != 0.0:
        where = f" (node {node.label!r})" if node.label else ""
        into = f" (node {parent.label!r})" if parent.label else ""
        raise FloatingPointError(
            f"detect_anomaly: backward of {op_name}{where} gave the non-finite gradient "
            f"{number!r} for its input {index}{into} with value {parent.data!r}"
        )


def backward(root: Value, grad: Any = 1.0, *, create_graph: bool = False) -> None:
    """Write d(root)/d(node) into ``node.grad`` for every node of ``root``'s graph.

    Leaves accumulate across calls (PyTorch's semantics: call :func:`zero_grad` between steps);
    interior nodes are overwritten with the gradient of this call, so a drawing after backward
    shows the numbers of the latest pass.
    """
    if not create_graph and root.parents and not ANOMALY_DETECTION.get():
        _backward_floats(root, float(grad))
        return
    order = topological_order(root)
    grads = propagate(root, grad, create_graph=create_graph, order=order)
    for node in order:
        node.grad = grads.get(node, 0.0)
    if not root.parents:
        grads.setdefault(root, grad)
    for node, gradient in grads.items():
        if node.parents:
            continue
        previous = node.grad
        # The same accumulation as the fast path's ``leaf.grad += gradient``: a grad left as a
        # Value by an earlier create_graph pass stays a Value (as in PyTorch).
        node.grad = gradient if type(previous) is float and previous == 0.0 else previous + gradient


# --------------------------------------------------------------------------------------------
# The fast path of backward(): floats only (create_graph=False, no anomaly checks).
#
# It computes exactly what propagate() + the copy into .grad compute, with two changes that
# matter for speed (on the 10,000-op elementary chain, sort plus sweep went from about 610 to
# 260 ns per node against the dict-based pass; see benchmarks/RESULTS.md):
#
# 1. Gradients flow through the nodes' own ``grad`` slots instead of a dict, and the same slots
#    mark the nodes the topological sort has visited, so no set or dict is built. The mark is
#    ``_UNREACHED``, a float 0.0 with its own identity: a visited node's grad ``is _UNREACHED``
#    until a contribution arrives (``_UNREACHED + c`` is a new float), and it still counts as 0.0
#    in arithmetic. Every mark is replaced by a plain 0.0 before the pass ends, even on error.
#    Leaves are never pushed on the stack (they have nothing to sort); they simply accumulate.
# 2. Rules are called with the parents' numbers directly, with unrolled cases for one and two
#    parents (most nodes), and a contribution that is exactly 0.0 (a dead ReLU, the losing side
#    of a max, an inactive hinge term) is skipped, as is every node whose gradient stays 0.0.
# --------------------------------------------------------------------------------------------

_UNREACHED = float("0.0")  # a distinct float object: the "visited, no gradient yet" mark
_OPEN = float("-0.0")  # another one, held only while the sort is inside a node's parents


def _sorted_interior(root: Value) -> list[Value]:
    """The interior nodes of ``root``'s graph in topological order, each marked _UNREACHED."""
    # Depth-first on one plain stack. A node is first *opened* (marked _OPEN) and its unsorted
    # interior parents pushed above it; when it is on top again, all of them are sorted, so it
    # is appended to the order and marked _UNREACHED ("sorted"). A node pushed twice before it
    # is sorted is simply skipped the second time. This allocates nothing per node that the
    # cyclic garbage collector tracks (a stack of (node, iterator) pairs would, and on a deep
    # chain it keeps them all alive, so the collector walks the freshly built graph again and
    # again), and does not keep a position per node.
    order: list[Value] = []
    opened = _OPEN
    done = _UNREACHED
    stack = [root]
    push = stack.append
    try:
        while stack:
            node = stack[-1]
            state = node.grad
            if state is opened:
                stack.pop()
                node.grad = done
                order.append(node)
            elif state is done:
                stack.pop()
            else:
                node.grad = opened
                for parent in node.parents:
                    if parent.parents and parent.grad is not done:
                        push(parent)
    except BaseException:  # e.g. KeyboardInterrupt: leave no mark behind
        for node in order + stack:
            if node.grad is opened or node.grad is done:
                node.grad = 0.0
        raise
    return order


def _backward_floats(root: Value, seed: float) -> None:

    order = _sorted_interior(root)
    root.grad = seed
    mark = _UNREACHED
    node = root
    try:
        for node in reversed(order):
            grad = node.grad
            if grad is mark:  # nothing reached this node: its gradient is 0
                node.grad = 0.0
                continue
            if not grad:
                continue
            parents = node.parents
            if len(parents) == 1:
                (a,) = parents
                (da,) = node.op.rule(grad, node.data, a.data)  # type: ignore[union-attr]
                if da:
                    a.grad += da
            elif len(parents) == 2:
                a, b = parents
                da, db = node.op.rule(grad, node.data, a.data, b.data)  # type: ignore[union-attr]
                if da:
                    a.grad += da
                if db:
                    b.grad += db
            else:
                contributions = node.op.rule(  # type: ignore[union-attr]
                    grad, node.data, *[parent.data for parent in parents]
                )
                if len(contributions) != len(parents):
                    raise TypeError(_SHAPE.format(count=len(parents)))
                for parent, contribution in zip(parents, contributions, strict=True):
                    if contribution:
                        parent.grad += contribution
    except (ArithmeticError, ValueError, TypeError) as error:
        for other in order:  # leave no mark behind
            if other.grad is mark:
                other.grad = 0.0
        raise _rule_failed(node, error) from None
    except BaseException:
        for other in order:
            if other.grad is mark:
                other.grad = 0.0
        raise


def zero_grad(roots: Value | Iterable[Value]) -> None:
    """Set ``grad`` to 0.0 on every node of the graph(s) of ``roots``."""
    from .value import Value

    for root in [roots] if isinstance(roots, Value) else roots:
        for node in topological_order(root, include_leaves=True):
            node.grad = 0.0
