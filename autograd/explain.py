"""The backward pass spelled out: a derivation table and a step-by-step replay.

:func:`explain` walks the graph in reverse topological order, exactly as ``backward()`` does, and
records one row per chain-rule product: for an op node and one of its inputs, the local derivative
d(node)/d(input), the upstream gradient d(root)/d(node), their product (the contribution), and the
input's gradient accumulated so far. It prints as a text table and shows as an HTML table in
Jupyter. :func:`autograd.step_through` (in :mod:`autograd.viz.stepping`) turns the same walk
into one drawing per step, and the browser pages show the same rows.

This module needs only the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from .core.backprop import propagate
from .core.failures import rule_failed
from .core.naming import node_names as _names
from .core.naming import number_formatter as _formatter
from .core.naming import op_title as _op_title
from .core.value import Value
from .tables import Table

__all__ = ["Derivation", "Product", "Row", "Step", "explain", "record_steps"]


@dataclass(frozen=True)
class Row:
    """One chain-rule product of the backward pass.

    Attributes:
        step: which backward step (1 = the root's op) made this row.
        node: the name of the op's output node (its label, or ``v<i>``).
        op: the op, as drawn (``*``, ``tanh``, ``leaky_relu(slope=0.01)``).
        input: the name of the input this row differentiates with respect to.
        operand: the input's position among the op's operands (``a * a`` has rows 0 and 1).
        local: d(node)/d(input) at the current values.
        upstream: d(root)/d(node), final by the time the node is processed.
        contribution: upstream × local, added to the input's gradient.
        accumulated: the input's gradient d(root)/d(input) after this row.
    """

    step: int
    node: str
    op: str
    input: str
    operand: int
    local: float
    upstream: float
    contribution: float
    accumulated: float


_HEADERS = ("step", "node", "op", "input", "local d(node)/d(input)", "upstream grad(node)",
            "contribution", "grad(input)")


class Derivation:
    """The rows of one backward pass, printable as a table (``str``) and as HTML in Jupyter.

    Attributes:
        root: the Value differentiated.
        rows: the chain-rule products in the order ``backward()`` computes them.
        gradients: d(root)/d(node) for every node of the graph (0.0 where none flows).
        nodes: the op node of each backward step (``nodes[row.step - 1]`` is the node a row's
            name stands for), so a drawing or a page can place the rows without matching names.
        precision: significant digits shown.
    """

    def __init__(self, root: Value, rows: list[Row], gradients: dict[Value, float],
                 precision: int, nodes: list[Value] | None = None) -> None:
        self.root = root
        self.rows = rows
        self.gradients = gradients
        self.precision = precision
        self.nodes = nodes or []

    def _cells(self) -> list[tuple[str, ...]]:
        number = _formatter(self.precision)
        return [
            (str(row.step), row.node, row.op, f"{row.input} (operand {row.operand})",
             number(row.local), number(row.upstream), number(row.contribution),
             number(row.accumulated))
            for row in self.rows
        ]

    def _title(self) -> str:
        name = _names(self.root)[self.root]
        return (f"Backward pass of {name} = {_formatter(self.precision)(self.root.data)}, "
                f"seed d({name})/d({name}) = 1; contribution = upstream × local")

    def _table(self) -> Table:
        return Table(self._title(), _HEADERS, self._cells(),
                     empty="(the root is a leaf: no backward steps)")

    def __str__(self) -> str:
        return self._table().text()

    def __repr__(self) -> str:
        return f"<Derivation of {len(self.rows)} chain-rule products>"

    def _repr_html_(self) -> str:
        return self._table().html()


class Product(NamedTuple):
    """One chain-rule product: ``upstream * local = contribution``, added to ``input``'s grad."""

    operand: int  # which operand of the node the input is
    input: Value
    local: float  # d(node)/d(input)
    upstream: float  # d(root)/d(node)
    contribution: float  # upstream * local
    accumulated: float  # the input's gradient after this contribution


@dataclass(frozen=True)
class Step:
    """One node's turn in the backward pass: its chain-rule products, in operand order."""

    node: Value
    products: list[Product]


def record_steps(root: Value) -> tuple[list[Step], dict[Value, float]]:
    """The backward pass of ``root`` as the core's sweep runs it, one :class:`Step` per node.

    The steps are observed from :func:`autograd.core.backprop.propagate` (the one backward core), so
    they are exactly the rules ``backward()`` runs, in its order, skipping the nodes it skips
    (those no gradient reaches). Nothing is mutated. Returns the steps and every gradient.
    """
    steps: list[Step] = []

    def observe(node: Value, upstream: Any, contributions: Any) -> None:
        op = node.op
        assert op is not None  # the sweep observes op nodes only
        inputs = [parent.data for parent in node.parents]
        try:
            locals_ = op.rule(1.0, node.data, *inputs)
        except Exception as error:
            raise rule_failed(error, node) from None
        running: dict[Value, float] = {}
        products: list[Product] = []
        for operand, (parent, local, contribution) in enumerate(
            zip(node.parents, locals_, contributions, strict=True)
        ):
            share = 0.0 if contribution is None else float(contribution)
            before = running.get(parent, parent.grad)
            running[parent] = before + share if share else before
            products.append(Product(operand, parent, 0.0 if local is None else float(local),
                                    float(upstream), share, running[parent]))
        steps.append(Step(node, products))

    gradients = propagate(root, 1.0, observer=observe)
    return steps, {node: float(grad) for node, grad in gradients.items()}


def explain(root: Value, *, precision: int = 4) -> Derivation:
    """The backward pass of ``root`` as a derivation table, one row per chain-rule product.

    Rows come in the order ``backward()`` computes them (reverse topological order, operands in
    order): for each op node and each operand, the local derivative, the upstream gradient,
    their product and the operand's accumulated gradient. The last row for an input holds its
    gradient, equal to what ``root.backward()`` gives on a fresh graph. Nothing is mutated:
    no ``.grad`` is written.

    Args:
        root: the Value to differentiate.
        precision: significant digits in the printed table (the rows keep full floats).

    Returns:
        A :class:`Derivation`: ``str()`` gives the text table, Jupyter shows HTML.

    Raises:
        TypeError: ``root`` is not a Value.
        ValueError, ArithmeticError: a derivative cannot be evaluated (sqrt at 0); the
            message names the op and the node.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explain needs a Value, got {type(root).__name__}: {root!r}")
    names = _names(root)
    steps, gradients = record_steps(root)
    rows = [
        Row(number, names[step.node], _op_title(step.node), names[product.input], product.operand,
            product.local, product.upstream, product.contribution, product.accumulated)
        for number, step in enumerate(steps, start=1)
        for product in step.products
    ]
    return Derivation(root, rows, gradients, precision, [step.node for step in steps])
