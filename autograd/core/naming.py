"""How nodes, ops and numbers are written wherever the graph is shown to a person.

One place for three rules that drawings (:mod:`autograd.viz`), derivation tables
(:mod:`autograd.explain`), printouts and the browser pages (:mod:`autograd.viz.graph_page`,
``nn.save_network_html``) share, so that a node called ``v7`` in a drawing is ``v7`` in the table
beside it and ``0.7071`` is written the same way everywhere:

- a node's name is its label, else ``v<i>`` with ``i`` its position in
  :func:`autograd.topological_order` (leaves included);
- an op is titled by its symbol (``+``), else its name, with its bound parameters if it has any
  (``leaky_relu(slope=0.01)``);
- the op applied to named inputs is written ``a * b`` for the arithmetic symbols, else
  ``tanh(n)``, with bound parameters after a semicolon (``pow(x; exponent=2)``);
- a number is written to ``precision`` significant digits (``format(x, ".4g")``), never as
  ``-0``.

Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Real
from typing import Any

from .backprop import topological_order
from .value import Value

__all__ = [
    "expression",
    "format_number",
    "node_name",
    "node_names",
    "number_formatter",
    "op_title",
]

_INFIX = ("+", "-", "*", "/", "**")


def format_number(number: Value | Real | float, precision: int) -> str:
    """``number`` (a float, or a Value: its ``data``) to ``precision`` significant digits.

    Args:
        number: the number to write; a Value is written by its ``data``.
        precision: significant digits (at least 1).

    Returns:
        The text, as ``format(number, f".{precision}g")`` gives it, with ``-0`` written ``0``.
    """
    if isinstance(number, Value):
        number = number.data
    number = float(number)
    if number == 0.0:
        number = 0.0  # no "-0"
    return f"{number:.{precision}g}"


def number_formatter(precision: int) -> Callable[[Value | Real | float], str]:
    """A one-argument :func:`format_number` with ``precision`` fixed, for tables and pages."""

    def number(value: Value | Real | float) -> str:
        return format_number(value, precision)

    return number


def node_name(node: Value, index: int) -> str:
    """How a node is named: its label, else ``v<index>`` (its topological position)."""
    return node.label or f"v{index}"


def node_names(root: Value) -> dict[Value, str]:
    """Every node of ``root``'s graph with its name, in topological order (leaves included)."""
    order = topological_order(root, include_leaves=True)
    return {node: node_name(node, index) for index, node in enumerate(order)}


def op_title(node: Value) -> str:
    """The op that made ``node`` as it is shown: ``+``, ``tanh``, ``leaky_relu(slope=0.01)``.

    Returns ``""`` for a leaf.
    """
    op = node.op
    if op is None:
        return ""
    if op.params:
        return op.title
    return op.symbol or op.name


def expression(node: Any, names: dict[Any, str]) -> str:
    """The op that made ``node`` applied to its inputs' names, as a learner writes it:
    ``a * b``, ``-a``, ``x ** 2``, ``2 ** x``, ``tanh(n)``, ``leaky_relu(x, slope=0.2)``; a
    leaf's own name. Drawings, pages and the tape's printout all write ops this way.

    Args:
        node: the node to write (a Value, or a tape's working slot: anything with ``op`` and
            ``parents``).
        names: every input's name (as :func:`node_names` gives them; ``v3`` on a tape).
    """
    op = node.op
    if op is None:
        return names[node]
    inputs = [names[parent] for parent in node.parents]
    if op.symbol in _INFIX and not op.params and len(inputs) == 2:
        return f" {op.symbol} ".join(inputs)
    if op.name == "neg":
        return f"-{inputs[0]}"
    if op.name == "pow":
        return f"{inputs[0]} ** {op.params['exponent']:g}"
    if op.name == "rpow":
        return f"{op.params['base']:g} ** {inputs[0]}"
    parameters = "".join(f", {key}={value:g}" for key, value in op.params.items())
    return f"{op.name}({', '.join(inputs)}{parameters})"
