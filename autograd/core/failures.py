"""What a failing rule or node says: the one error contract of every backward pass.

The original exception is kept, and the op, its inputs and the node are added with ``add_note``;
a rule that does not return one gradient per input is a ``TypeError`` naming the op; inside
``detect_anomaly()`` a non-finite gradient is a ``FloatingPointError`` naming the op and input.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["describe_nodes", "describe_step", "non_finite_gradient", "rule_failed", "wrong_shape"]


def describe_nodes(nodes: Sequence[Any]) -> str:
    """'(node 'x')', '(nodes 'a', 'b')' or '(unlabelled node)' for an error message."""
    labels = [repr(node.label) for node in nodes if node.label]
    if not labels:
        return "(unlabelled node)" if len(nodes) == 1 else "(unlabelled nodes)"
    return f"(node {labels[0]})" if len(labels) == 1 else f"(nodes {', '.join(labels)})"

SHAPE = "its rule must return a tuple with one gradient (or None) per input, {count} here"


def describe_step(node: Any) -> str:
    """'backward of mul at input(s) 2.0, 3.0 (nodes 'a', 'b')': where a rule ran (on a tape's
    replay slot, also which instruction), for a note."""
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
    shown = numbers_of(contributions)
    error = TypeError(
        f"the rule of {title} returned {type(shown).__name__} {shown!r}: "
        + SHAPE.format(count=len(node.parents))
    )
    error.add_note(describe_step(node))
    return error


def numbers_of(contributions: Any) -> Any:
    """A rule's return value with every Value shown by its number, so that the message of
    :func:`wrong_shape` reads the same on the float path and the recorded path."""
    def number(item: Any) -> Any:
        return item.data if hasattr(item, "parents") else item

    if isinstance(contributions, tuple):
        return tuple(number(item) for item in contributions)
    if isinstance(contributions, list):
        return [number(item) for item in contributions]
    return number(contributions)


def non_finite_gradient(node: Any, index: int, contribution: Any) -> FloatingPointError:
    parent = node.parents[index]
    into = f" (node {parent.label!r})" if getattr(parent, "label", "") else ""
    error = FloatingPointError(
        f"detect_anomaly: backward of {node.op.title} gave the non-finite gradient "
        f"{float(contribution)!r} for its input {index}{into} with value {parent.data!r}"
    )
    error.add_note(describe_step(node))
    return error
