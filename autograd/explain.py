"""The backward pass spelled out: a derivation table and a step-by-step replay.

:func:`explain` walks the graph in reverse topological order, exactly as ``backward()`` does, and
records one row per chain-rule product: for an op node and one of its inputs, the local derivative
d(node)/d(input), the upstream gradient d(root)/d(node), their product (the contribution), and the
input's gradient accumulated so far. It prints as a text table and shows as an HTML table in
Jupyter. :func:`step_through` turns the same walk into one drawing per step.

This module needs only the standard library; the drawings of :func:`step_through` are built by
:mod:`autograd.viz` (and so need the ``graphviz`` package) only when it is called.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .core.backprop import propagate, rule_failed
from .core.naming import node_names as _names
from .core.naming import number_formatter as _formatter
from .core.naming import op_title as _op_title
from .core.value import Value

__all__ = ["Derivation", "Row", "StepThrough", "explain", "step_through"]


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

    def __str__(self) -> str:
        cells = self._cells()
        widths = [max([len(header), *(len(line[column]) for line in cells)])
                  for column, header in enumerate(_HEADERS)]
        lines = [self._title(),
                 "  ".join(header.ljust(width)
                           for header, width in zip(_HEADERS, widths, strict=True)),
                 "  ".join("-" * width for width in widths)]
        for line in cells:
            text = "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
            lines.append(text.rstrip())
        if not cells:
            lines.append("(the root is a leaf: no backward steps)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Derivation of {len(self.rows)} chain-rule products>"

    def _repr_html_(self) -> str:
        header = "".join(f"<th>{html.escape(text)}</th>" for text in _HEADERS)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(text)}</td>" for text in line) + "</tr>"
            for line in self._cells()
        )
        return (f"<table><caption>{html.escape(self._title())}</caption>"
                f"<thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>")


_Product = tuple[int, Value, float, float, float, float]


@dataclass(frozen=True)
class _Step:
    """One node's turn in the backward pass: its chain-rule products, in operand order.

    ``products`` holds ``(operand, input, local, upstream, contribution, accumulated)``.
    """

    node: Value
    products: list[_Product]


def _record(root: Value) -> tuple[list[_Step], dict[Value, float]]:
    """The backward pass of ``root`` as the core's sweep runs it, one :class:`_Step` per node.

    The steps are observed from :func:`autograd.core.backprop.propagate` (the one backward core), so
    they are exactly the rules ``backward()`` runs, in its order, skipping the nodes it skips
    (those no gradient reaches). Nothing is mutated. Returns the steps and every gradient.
    """
    steps: list[_Step] = []

    def observe(node: Value, upstream: Any, contributions: Any) -> None:
        op = node.op
        assert op is not None  # the sweep observes op nodes only
        inputs = [parent.data for parent in node.parents]
        try:
            locals_ = op.rule(1.0, node.data, *inputs)
        except Exception as error:
            raise rule_failed(error, node) from None
        running: dict[Value, float] = {}
        products: list[_Product] = []
        for operand, (parent, local, contribution) in enumerate(
            zip(node.parents, locals_, contributions, strict=True)
        ):
            share = 0.0 if contribution is None else float(contribution)
            before = running.get(parent, parent.grad)
            running[parent] = before + share if share else before
            products.append((operand, parent, 0.0 if local is None else float(local),
                             float(upstream), share, running[parent]))
        steps.append(_Step(node, products))

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
    steps, gradients = _record(root)
    rows = [
        Row(number, names[step.node], _op_title(step.node), names[parent], operand, local,
            upstream, contribution, accumulated)
        for number, step in enumerate(steps, start=1)
        for operand, parent, local, upstream, contribution, accumulated in step.products
    ]
    return Derivation(root, rows, gradients, precision, [step.node for step in steps])


class _Frames(Sequence[Any]):
    """The drawings of a step-through, each built the first time it is asked for.

    Recording the pass is linear in the size of the graph; each drawing costs one pass over the
    graph, paid only for the frames actually shown (a slider shows a few; a 2,000-op chain has
    2,000 frames that nobody renders all of).
    """

    def __init__(self, draw: Callable[[int], Any], count: int) -> None:
        self._draw = draw
        self._count = count
        self._built: dict[int, Any] = {}

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(self._count))]
        position = index + self._count if index < 0 else index
        if not 0 <= position < self._count:
            raise IndexError(f"frame {index} of a step-through with {self._count} frames")
        if position not in self._built:
            self._built[position] = self._draw(position)
        return self._built[position]


class StepThrough:
    """The backward pass as a sequence of drawings, for a slider in Jupyter.

    Attributes:
        frames: one :class:`autograd.viz.Graph` per step, drawn when first indexed. Frame 0
            shows the seed (the root's gradient 1); frame k shows the gradients after the k-th
            node has passed its gradient to its inputs, with that node outlined in red.
            Gradients not reached yet show as ``·``.
        captions: one line per frame saying what happened in it.
    """

    def __init__(self, frames: Sequence[Any], captions: list[str]) -> None:
        self.frames = frames
        self.captions = captions
        self._svg: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        return f"<StepThrough of {len(self.frames)} frames>"

    def svg(self, index: int) -> str:
        """Frame ``index`` rendered to SVG text (cached).

        Raises:
            autograd.viz.GraphvizNotFoundError: the ``dot`` program is missing.
        """
        if index not in self._svg:
            self._svg[index] = self.frames[index].pipe(format="svg", encoding="utf-8")
        return self._svg[index]

    def widget(self) -> Any:
        """An ipywidgets box: a slider over the steps above the rendered frame.

        Raises:
            ImportError: ipywidgets is not installed (``pip install ipywidgets``).
        """
        import ipywidgets

        slider = ipywidgets.IntSlider(value=0, min=0, max=len(self.frames) - 1, step=1,
                                      description="step", continuous_update=False)
        caption = ipywidgets.Label(value=self.captions[0])
        picture = ipywidgets.HTML(value=self.svg(0))

        def show(change: dict[str, Any]) -> None:
            index = change["new"]
            caption.value = self.captions[index]
            picture.value = self.svg(index)

        slider.observe(show, names="value")
        return ipywidgets.VBox([slider, caption, picture])

    def _ipython_display_(self) -> None:
        """Jupyter: a slider when ipywidgets is installed, else every frame in turn."""
        from IPython.display import display

        try:
            box = self.widget()
        except ImportError:
            for frame in self.frames:
                display(frame)
            return
        display(box)


def step_through(root: Value, **options: Any) -> StepThrough:
    """Replay ``root``'s backward pass one node at a time, as drawings.

    Args:
        root: the Value to differentiate (its ``.grad`` fields are not touched).
        **options: drawing options of :func:`autograd.viz.draw_graph` (``rankdir``,
            ``show_local_grads``, ``color_by_grad``, ``max_nodes``, ``precision``).

    Returns:
        A :class:`StepThrough` whose ``frames`` are the drawings; in Jupyter it displays as a
        slider (with ipywidgets) or as the frames one after another.

    Raises:
        TypeError: ``root`` is not a Value.
    """
    from .viz.drawing import DEFAULT_MAX_NODES
    from .viz.drawing import draw_frame as _draw

    if not isinstance(root, Value):
        raise TypeError(f"step_through needs a Value, got {type(root).__name__}: {root!r}")
    settings: dict[str, Any] = {"rankdir": "LR", "show_grad": True, "show_local_grads": False,
                "color_by_grad": False, "max_nodes": DEFAULT_MAX_NODES, "precision": 4}
    unknown = set(options) - set(settings)
    if unknown:
        raise TypeError(f"step_through: unknown drawing option(s) {sorted(unknown)}; "
                        f"known: {sorted(settings)}")
    settings.update(options)
    names = _names(root)
    number = _formatter(int(settings["precision"]))
    steps, _ = _record(root)
    captions = [f"step 0: seed d({names[root]})/d({names[root]}) = 1"]
    for index, step in enumerate(steps, start=1):
        upstream = number(step.products[0][3]) if step.products else "0"
        passed = ", ".join(f"grad({names[parent]}) += {upstream} × {number(local)}"
                           for _, parent, local, _, _, _ in step.products)
        captions.append(f"step {index}: {names[step.node]} ({_op_title(step.node)}) passes "
                        f"back its grad: {passed}")

    def draw(position: int) -> Any:
        gradients: dict[Value, float] = {root: 1.0}
        for step in steps[:position]:
            for _, parent, _, _, _, accumulated in step.products:
                gradients[parent] = accumulated
        highlight = steps[position - 1].node if position else root
        return _draw(root, grads=gradients, highlight=highlight, caption=captions[position],
                     **settings)

    return StepThrough(_Frames(draw, len(captions)), captions)
