"""Drawing a Value's graph with Graphviz: values, gradients and the chain rule on the edges.

:func:`draw_graph` turns the graph behind a Value into a :class:`graphviz.Digraph`: one record per
Value (label | data | grad) and one small node per op, with an edge for every operand (so ``a + a``
has two edges into ``+``). Node ids follow :func:`autograd.core.backprop.topological_order`, so the
DOT text is the same on every run. Options add the chain-rule view (each edge carries the local
derivative d(out)/d(input) at the current values), colour by gradient magnitude, and a cap on the
size: above ``max_nodes`` drawn nodes the picture is shrunk to at most ``max_nodes`` by summary
nodes (:mod:`autograd.viz.layout` decides which), each saying how many nodes it hides.

:func:`to_html`, :func:`save_html` and :func:`interactive` make the same drawing into a
self-contained browser page that steps through the forward and backward passes
(:mod:`autograd.viz.graph_page`).

Building a drawing needs the ``graphviz`` Python package (``pip install 'chainrule[viz]'``, from a
checkout ``pip install -e '.[viz]'``; importing this module without it raises an ImportError that
says so); rendering it (SVG in Jupyter, :func:`save_graph` to .svg/.png/.pdf, the pages) also
needs the Graphviz ``dot`` program, and without it raises one :class:`GraphvizNotFoundError`
that says how to install it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.backprop import topological_order
from ..core.naming import format_number, node_name, op_title
from ..core.numbers import require_count
from ..core.value import Value
from ..files import write_atomically
from .layout import Layout, Summary, plan_layout

try:
    import graphviz
except ImportError:
    raise ImportError(
        "autograd.viz (Value.graph, draw_graph, step_through, the browser pages) needs the "
        "graphviz Python package: pip install 'chainrule[viz]' (from a checkout: pip install "
        "-e '.[viz]'); rendering also needs the Graphviz 'dot' program",
        name="graphviz",
    ) from None


__all__ = [
    "DEFAULT_MAX_NODES",
    "DrawingOptions",
    "Graph",
    "GraphvizNotFoundError",
    "draw_frame",
    "draw_graph",
    "local_derivatives",
    "renderer",
    "save_graph",
    "set_renderer",
]

#: Drawn nodes (value records, op nodes and summaries) above which a graph is collapsed.
DEFAULT_MAX_NODES = 60

INSTALL_HINT = (
    "install the Graphviz 'dot' program and make sure it is on PATH: "
    "Debian/Ubuntu 'sudo apt-get install graphviz', macOS 'brew install graphviz', "
    "conda 'conda install -c conda-forge graphviz' (the graph's DOT text is still available "
    "as .source, and save_graph(root, 'graph.dot') writes it without Graphviz)"
)

# ColorBrewer's sequential "YlOrRd" palette, 5 classes (built into Graphviz as "ylorrd5"):
# class 1 (lightest) for the smallest nonzero |grad|, class 5 for the largest.
PALETTE = "ylorrd5"
_DECADES = (1e-4, 1e-3, 1e-2, 1e-1)  # class boundaries as fractions of the largest |grad|

_RANKDIRS = ("LR", "RL", "TB", "BT")


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs the Graphviz ``dot`` program, and it is not installed (or not on PATH)."""


#: A function from DOT text to SVG text, used instead of the ``dot`` program (see set_renderer).
SvgRenderer = Callable[[str], str]

_svg_renderer: SvgRenderer | None = None


def set_renderer(render: SvgRenderer | None) -> SvgRenderer | None:
    """Render SVG with ``render(dot_source) -> svg_text`` instead of the Graphviz ``dot`` program.

    Every SVG this package makes goes through it: Jupyter's inline display, :func:`save_graph`
    to .svg, the browser pages (:func:`to_html`, ``nn.save_network_html``) and
    ``nn.draw_network``. It is for places without ``dot``: the course site's playground sets a
    function that calls Graphviz compiled to WebAssembly (viz-js). PNG and PDF still need
    ``dot``. The setting is global to the process; ``None`` goes back to ``dot``.

    Args:
        render: the renderer, or None for the ``dot`` program.

    Returns:
        The renderer that was set before (None for ``dot``), so it can be restored.
    """
    global _svg_renderer
    if render is not None and not callable(render):
        raise TypeError(
            f"set_renderer: expected a function from DOT text to SVG text or None, "
            f"got {type(render).__name__}"
        )
    previous, _svg_renderer = _svg_renderer, render
    return previous


@contextmanager
def renderer(render: SvgRenderer | None) -> Iterator[None]:
    """Within the ``with`` block, render SVG with ``render`` (see :func:`set_renderer`)."""
    previous = set_renderer(render)
    try:
        yield
    finally:
        set_renderer(previous)


class Graph(graphviz.Digraph):
    """A :class:`graphviz.Digraph` that fails with one clear error when ``dot`` is missing.

    Everything else (``.source``, ``.save()``, inline display in Jupyter when ``dot`` is
    installed) is the plain Digraph's, except that SVG goes through the renderer of
    :func:`set_renderer` when one is set.
    """

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        """Render with ``dot`` (or the SVG renderer of :func:`set_renderer`) and return the
        output (see :meth:`graphviz.Digraph.pipe`).

        Raises:
            GraphvizNotFoundError: the ``dot`` program is not installed or not on PATH.
        """
        fmt = kwargs.get("format", args[0] if args else self.format)
        if _svg_renderer is not None and fmt == "svg":
            svg = _svg_renderer(self.source)
            return svg if kwargs.get("encoding") is not None else svg.encode("utf-8")
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFoundError(f"cannot render the graph: {INSTALL_HINT}") from None

    def render(self, *args: Any, **kwargs: Any) -> Any:
        """Render with ``dot`` into a file (see :meth:`graphviz.Digraph.render`).

        Raises:
            GraphvizNotFoundError: the ``dot`` program is not installed or not on PATH.
        """
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFoundError(f"cannot render the graph: {INSTALL_HINT}") from None


# --------------------------------------------------------------------------------------------
# Text helpers (names, op titles and numbers are autograd.core.naming's)
# --------------------------------------------------------------------------------------------


def escape_record(text: str) -> str:
    """Escape ``text`` for one field of a Graphviz record label.

    Record specials (``| { } < > "``) and backslashes get a backslash; newlines become ``\\n``.
    """
    text = text.replace("\\", "\\\\")
    for special in '|{}<>"':
        text = text.replace(special, "\\" + special)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def escape_text(text: str) -> str:
    """Escape ``text`` for a plain Graphviz label (quotes, newlines, backslashes)."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def local_derivatives(node: Value) -> tuple[float | None, ...]:
    """d(node)/d(parent) for each operand of ``node`` at the current values, in operand order.

    Computed from the op table: the rule with an upstream gradient of 1. A rule that gives
    ``None`` gives 0.0 here; a rule that cannot be evaluated (sqrt'(0)) gives ``None``.
    """
    if node.op is None:
        return ()
    try:
        locals_ = node.op.rule(1.0, node.data, *[parent.data for parent in node.parents])
    except (ArithmeticError, ValueError):
        return (None,) * len(node.parents)
    return tuple(0.0 if local is None else float(local) for local in locals_)


# --------------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawingOptions:
    """:func:`draw_graph`'s options, checked when made (see :func:`draw_graph` for each).

    Raises:
        TypeError: ``max_nodes`` or ``precision`` is not an integer.
        ValueError: an option is out of range; the message starts with ``caller``.
    """

    rankdir: str = "LR"
    show_grad: bool = True
    show_local_grads: bool = False
    color_by_grad: bool = False
    max_nodes: int = DEFAULT_MAX_NODES
    precision: int = 4
    caller: str = field(default="draw_graph", compare=False)

    def __post_init__(self) -> None:
        if self.rankdir not in _RANKDIRS:
            raise ValueError(
                f"{self.caller}: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {self.rankdir!r}"
            )
        require_count(f"{self.caller}: max_nodes", self.max_nodes, 3)
        require_count(f"{self.caller}: precision", self.precision, 1)

    @property
    def horizontal(self) -> bool:
        """Whether records lie across the direction of the layout (``LR``/``RL``)."""
        return self.rankdir in ("LR", "RL")


def _grad_class(magnitude: float, largest: float) -> int:
    """1..5: the palette class of a nonzero |grad|, by decades below the largest."""
    ratio = magnitude / largest
    for position, bound in enumerate(_DECADES, start=1):
        if ratio <= bound:
            return position
    return 5


def _legend(graph: graphviz.Digraph, largest: float, precision: int) -> None:
    with graph.subgraph(name="cluster_legend") as legend:
        legend.attr(label="|grad|", style="dashed", fontsize="10")
        legend.node("legend0", label="0", shape="box", style="filled", fillcolor="white",
                    fontsize="10")
        bounds = [0.0, *(largest * bound for bound in _DECADES), largest]
        for position in range(1, 6):
            low = format_number(bounds[position - 1], 2)
            high = format_number(bounds[position], 2)
            legend.node(
                f"legend{position}", label=escape_text(f"({low}, {high}]"), shape="box",
                style="filled", colorscheme=PALETTE, fillcolor=str(position), fontsize="10",
                fontcolor="white" if position == 5 else "black",
            )
        for position in range(5):
            legend.edge(f"legend{position}", f"legend{position + 1}", style="invis")


def _record_label(fields: list[str], horizontal: bool) -> Any:
    label = "|".join(escape_record(text) for text in fields)
    return graphviz.nohtml("{" + label + "}" if horizontal else label)


def _summary_fields(summary: Summary) -> list[str]:
    members = summary.members
    if summary.kind == "group":
        parameters = sum(1 for node in members if not node.parents)
        operations = len(members) - parameters
        fields = [summary.title, f"{parameters} parameters"]
        if operations:
            fields.append(f"{operations} ops")
        return fields
    if summary.kind == "more":
        return [f"{len(members)} more nodes", "(graph collapsed)"]
    return [summary.title, f"{len(members)} nodes hidden"]


class _Drawing:
    """One drawing of a planned layout: value records, op nodes, summaries, edges, legend."""

    def __init__(self, layout: Layout, style: DrawingOptions, grads: Mapping[Value, Any] | None,
                 highlight: Value | None, element_ids: bool) -> None:
        self.layout = layout
        self.style = style
        self.grads = grads
        self.highlight = highlight
        self.element_ids = element_ids
        self.graph = Graph(name="chainrule", graph_attr={"rankdir": style.rankdir})
        self.summary_ids: dict[Summary, str] = {}
        self.largest = self._largest_gradient() if style.color_by_grad else 0.0

    def gradient(self, node: Value) -> Any:
        """The gradient drawn for ``node``: from ``grads`` when given, else its ``.grad``."""
        return node.grad if self.grads is None else self.grads.get(node)

    def _largest_gradient(self) -> float:
        gradients = (self.gradient(node) for node in self.layout.order
                     if node not in self.layout.hidden)
        return max((abs(float(gradient)) for gradient in gradients if gradient is not None),
                   default=0.0)

    def draw(self, caption: str) -> Graph:
        """Everything, in topological order: records and summaries, then edges."""
        self._title(caption)
        for node in self.layout.order:
            summary = self.layout.hidden.get(node)
            if summary is None:
                self._record(node)
            elif summary not in self.summary_ids:
                self._summary(summary)
        self._edges()
        if self.style.color_by_grad and self.largest > 0.0:
            _legend(self.graph, self.largest, self.style.precision)
        return self.graph

    def _title(self, caption: str) -> None:
        text = caption
        if self.style.show_local_grads:
            note = ("edge numbers: local derivative d(out)/d(input); "
                    "grad(input) = sum of grad(out) × local")
            text = f"{text}\n{note}" if text else note
        if text:
            self.graph.attr(label=escape_text(text), labelloc="t", fontsize="11")
        self.graph.attr("node", fontname="Helvetica", fontsize="11")
        self.graph.attr("edge", fontname="Helvetica", fontsize="10")

    def _identified(self, attributes: dict[str, str], name: str) -> dict[str, str]:
        if self.element_ids:
            attributes["id"] = name
        return attributes

    def _record(self, node: Value) -> None:
        """The record ``name | data | grad`` of a visible Value, and its op node if any."""
        name = f"v{self.layout.index[node]}"
        precision = self.style.precision
        fields = [node_name(node, self.layout.index[node]),
                  f"data {format_number(node.data, precision)}"]
        gradient = self.gradient(node)
        if self.style.show_grad:
            shown = "·" if gradient is None else format_number(gradient, precision)
            fields.append(f"grad {shown}")
        attributes = self._identified(self._record_attributes(node, gradient), name)
        self.graph.node(name, label=_record_label(fields, self.style.horizontal), **attributes)
        if node.parents:
            op_attributes = {"shape": "ellipse", "margin": "0.05,0.02", "fontsize": "10"}
            if node is self.highlight:
                op_attributes.update(color="red", penwidth="3")
            self._identified(op_attributes, f"{name}_op")
            self.graph.node(f"{name}_op", label=graphviz.nohtml(escape_text(op_title(node))),
                            **op_attributes)
            self.graph.edge(f"{name}_op", name)

    def _record_attributes(self, node: Value, gradient: Any) -> dict[str, str]:
        """Shape, fill by |grad| (``color_by_grad``) and the red outline of ``highlight``."""
        attributes: dict[str, str] = {"shape": "record"}
        if self.style.color_by_grad and gradient is not None and self.largest > 0.0:
            magnitude = abs(float(gradient))
            attributes["style"] = "filled"
            if magnitude > 0.0:
                level = _grad_class(magnitude, self.largest)
                attributes.update(colorscheme=PALETTE, fillcolor=str(level))
                if level == 5:
                    attributes["fontcolor"] = "white"  # black is hard to read on dark red
            else:
                attributes["fillcolor"] = "white"
        if node is self.highlight:
            attributes.update(color="red", penwidth="3")
        return attributes

    def _summary(self, summary: Summary) -> None:
        name = self.summary_ids[summary] = f"s{len(self.summary_ids)}"
        attributes = self._identified({"shape": "record", "style": "dashed,filled",
                                       "fillcolor": "gray95"}, name)
        self.graph.node(name, label=_record_label(_summary_fields(summary),
                                                  self.style.horizontal), **attributes)

    def _source(self, node: Value) -> str:
        summary = self.layout.hidden.get(node)
        return f"v{self.layout.index[node]}" if summary is None else self.summary_ids[summary]

    def _edges(self) -> None:
        """One edge per operand into its op node; edges touching a summary are dashed and
        drawn once per pair of neighbours."""
        drawn: set[tuple[str, str]] = set()
        for node in self.layout.order:
            if not node.parents:
                continue
            summary = self.layout.hidden.get(node)
            target = (f"v{self.layout.index[node]}_op" if summary is None
                      else self.summary_ids[summary])
            locals_ = (local_derivatives(node) if self.style.show_local_grads and summary is None
                       else ())
            for position, parent in enumerate(node.parents):
                source = self._source(parent)
                if source == target:
                    continue
                if parent in self.layout.hidden or summary is not None:
                    if (source, target) not in drawn:
                        drawn.add((source, target))
                        self.graph.edge(source, target, style="dashed")
                    continue
                attributes = self._identified({}, f"e{self.layout.index[node]}_{position}")
                if locals_:
                    local = locals_[position]
                    text = ("undefined" if local is None
                            else format_number(local, self.style.precision))
                    attributes["label"] = graphviz.nohtml(escape_text(text))
                self.graph.edge(source, target, **attributes)


def draw_frame(
    root: Value,
    *,
    grads: Mapping[Value, Any] | None = None,
    highlight: Value | None = None,
    caption: str = "",
    element_ids: bool = False,
    layout: Layout | None = None,
    **options: Any,
) -> Graph:
    """Draw ``root``'s graph as :func:`draw_graph` does, with a given state: one frame of a
    step-through (:func:`autograd.step_through`) or the drawing behind a page.

    Args:
        root: the output Value.
        grads: the gradient to show for each node (missing: ``·``); default: each ``.grad``.
        highlight: a node to outline in red (the one being processed).
        caption: a line of text above the drawing.
        element_ids: give every record (``v3``), op node (``v3_op``), operand edge
            (``e3_0``: node 3, operand 0) and summary (``s0``) that id in the SVG, so that a
            page's script can find them.
        layout: the plan of what to draw, from :func:`autograd.viz.layout.plan_layout` on
            ``root``'s topological order (with leaves) and ``max_nodes``; made when omitted.
        **options: :func:`draw_graph`'s options.

    Returns:
        A :class:`Graph`.

    Raises:
        TypeError: ``root`` is not a Value, or an option is unknown.
        ValueError: an option is out of range.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph needs a Value, got {type(root).__name__}: {root!r}")
    known = set(DrawingOptions.__dataclass_fields__) - {"caller"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"draw_graph: unknown option(s) {unknown}; known: {sorted(known)}")
    style = DrawingOptions(**options)
    if layout is None:
        layout = plan_layout(topological_order(root, include_leaves=True), style.max_nodes)
    return _Drawing(layout, style, grads, highlight, element_ids).draw(caption)


def draw_graph(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    show_local_grads: bool = False,
    color_by_grad: bool = False,
    max_nodes: int = DEFAULT_MAX_NODES,
    precision: int = 4,
) -> Graph:
    """Draw the graph that computed ``root``: a record per Value, a node per op.

    Each Value is a record ``label | data | grad`` (an unlabelled Value is named ``v<i>``, its
    position in the topological order, as in :func:`autograd.explain`); each op is a small node
    between its operands and its result, with one edge per operand (``a * a`` draws two).
    Gradients that are Values (after ``backward(create_graph=True)``) show their ``data``.

    Args:
        root: the output Value.
        rankdir: Graphviz layout direction: ``"LR"`` (left to right), ``"TB"``, ``"RL"``, ``"BT"``.
        show_grad: include each Value's ``grad``.
        show_local_grads: the chain-rule view: label every operand edge with the local
            derivative d(out)/d(input) at the current values, so upstream grad × local is the
            contribution that edge makes to the input's grad.
        color_by_grad: fill records by |grad| on a sequential palette (ColorBrewer YlOrRd,
            one class per decade below the largest), with a legend.
        max_nodes: the most nodes to draw; a larger graph is collapsed into summary nodes
            (per neuron/layer by dotted parameter labels, then wide fans, long chains and the
            nodes farthest from the root) that say how many nodes they hide.
        precision: significant digits of the numbers shown.

    Returns:
        A :class:`Graph` (a ``graphviz.Digraph``): ``.source`` is the DOT text; in Jupyter it
        renders inline.

    Raises:
        TypeError: ``root`` is not a Value.
        ValueError: an option is out of range.
    """
    return draw_frame(root, rankdir=rankdir, show_grad=show_grad,
                      show_local_grads=show_local_grads, color_by_grad=color_by_grad,
                      max_nodes=max_nodes, precision=precision)


_FORMATS = (".svg", ".png", ".pdf", ".dot")


def save_graph(root: Value, path: str | os.PathLike[str], **options: Any) -> Path:
    """Draw ``root``'s graph and write it to ``path``: .svg, .png or .pdf (rendered by ``dot``)
    or .dot (the DOT text, no Graphviz needed).

    The file is written to a temporary name in the same directory and then moved into place,
    so a failed render leaves no partial file and no stray files.

    Args:
        root: the output Value.
        path: where to write; the suffix picks the format.
        **options: passed to :func:`draw_graph`.

    Returns:
        The path written.

    Raises:
        ValueError: the suffix is not one of .svg, .png, .pdf, .dot.
        GraphvizNotFoundError: rendering needs the ``dot`` program and it is missing.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in _FORMATS:
        raise ValueError(
            f"save_graph: cannot write {str(target)!r}: the suffix must be one of "
            f"{', '.join(_FORMATS)}"
        )
    graph = draw_graph(root, **options)
    data = graph.source.encode("utf-8") if suffix == ".dot" else graph.pipe(format=suffix[1:])
    write_atomically(target, data)
    return target
