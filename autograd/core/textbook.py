"""The backward pass as a textbook writes it: sort the graph, then apply the chain rule backwards.

Read this file first. It is the whole algorithm behind ``Value.backward()``, on the real
:class:`~autograd.core.value.Value` and the real op table (:mod:`autograd.core.ops`), with none of
the fast path's machinery. The fast pass (:mod:`autograd.core.backprop`) must give the same
numbers, bit for bit: a property test runs both on random graphs and compares them.

Two ideas:

1. **Topological order.** A node's gradient is complete only when every node that uses it has
   passed its share back. So list the nodes so that each comes after all of its parents (its
   inputs), and walk that list backwards. We build the list by depth-first search with an explicit
   stack (no recursion, so a chain of a million nodes is fine).
2. **The chain rule, one node at a time.** Walking backwards, a node holds d(root)/d(node). Its
   op's rule turns that into one contribution per input, d(root)/d(node) * d(node)/d(input), and
   each contribution is added to that input's gradient.
"""

from __future__ import annotations

from typing import Any


def topological_order(root: Any) -> list[Any]:
    """Every node of ``root``'s graph, each after all of its parents (depth first)."""
    order: list[Any] = []
    visited: set[Any] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:  # we are back at the node after all its parents: it can be listed
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))  # come back here after the parents
            for parent in reversed(node.parents):  # operand 0 ends on top, so it goes first
                if parent not in visited:
                    stack.append((parent, False))
    return order


def backward(root: Any, seed: float = 1.0) -> None:
    """Set ``node.grad`` to d(root)/d(node) for every node of the graph (leaves accumulate).

    The same contract as ``root.backward()`` on floats: a leaf's gradient is added to what it held
    before (so gradients of several losses add up until ``zero_grad``); an interior node holds
    this pass's gradient, 0.0 where none arrived. If a rule raises, no ``grad`` is changed.
    """
    grads: dict[Any, float] = {root: seed}  # d(root)/d(node), filled in as we go
    order = topological_order(root)
    for node in reversed(order):
        grad = grads.get(node, 0.0)
        if node.op is None or not grad:  # a leaf has no rule; a zero gradient passes nothing on
            continue
        inputs = [parent.data for parent in node.parents]
        try:
            contributions = node.op.rule(grad, node.data, *inputs)  # one per input (or None)
        except Exception as error:  # keep the rule's own error; say where it happened
            error.add_note(f"in the backward of {node.op.title} at input(s) {inputs}")
            raise
        for parent, contribution in zip(node.parents, contributions, strict=True):
            if contribution:  # the chain rule: add this path's share to the input's gradient
                grads[parent] = grads.get(parent, 0.0) + contribution
    for node in order:  # only now, when every rule has succeeded, write the results
        if node.op is not None:
            node.grad = grads.get(node, 0.0)  # an interior node: this pass's gradient
        elif node in grads:
            node.grad = node.grad + grads[node]  # a leaf: add it to what the leaf held
