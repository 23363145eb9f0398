"""Drawing a Value's graph with Graphviz: values, gradients and the chain rule on the edges.

:func:`draw_graph` turns the graph behind a Value into a :class:`graphviz.Digraph`: one record
per Value (label | data | grad) and one small node per op, with an edge for every operand (so
``a + a`` has two edges into ``+``). Node ids follow :func:`autograd.graph.topological_order`,
so the DOT text is the same on every run. Options add the chain-rule view (each edge carries the
local derivative d(out)/d(input) at the current values), colour by gradient magnitude, and a cap
on the size: above ``max_nodes`` drawn nodes the picture is shrunk to at most ``max_nodes`` by
summary nodes (by the dotted labels ``nn`` gives parameters, then wide fans, long chains, and
finally everything farthest from the root), each saying how many nodes it hides.

Building a drawing needs only the ``graphviz`` Python package; rendering it (SVG in Jupyter,
:func:`save_graph` to .svg/.png/.pdf) also needs the Graphviz ``dot`` program, and without it
raises one :class:`GraphvizNotFoundError` that says how to install it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import graphviz

from .files import write_atomically
from .graph import topological_order
from .value import Value

__all__ = [
    "DEFAULT_MAX_NODES",
    "Graph",
    "GraphvizNotFoundError",
    "draw_graph",
    "local_derivatives",
    "save_graph",
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

FAN_MIN_KEEP = 4  # a fan keeps at least its first three inputs and its last one visible
CHAIN_MIN_LENGTH = 5  # shorter chains are never collapsed


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs the Graphviz ``dot`` program, and it is not installed (or not on PATH)."""


class Graph(graphviz.Digraph):
    """A :class:`graphviz.Digraph` that fails with one clear error when ``dot`` is missing.

    Everything else (``.source``, ``.save()``, inline display in Jupyter when ``dot`` is
    installed) is the plain Digraph's.
    """

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        """Render with ``dot`` and return the output (see :meth:`graphviz.Digraph.pipe`).

        Raises:
            GraphvizNotFoundError: the ``dot`` program is not installed or not on PATH.
        """
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
# Text helpers
# --------------------------------------------------------------------------------------------


def format_number(number: Any, precision: int) -> str:
    """``number`` (a float, or a Value: its ``data``) to ``precision`` significant digits."""
    if isinstance(number, Value):
        number = number.data
    number = float(number)
    if number == 0.0:
        number = 0.0  # no "-0"
    return f"{number:.{precision}g}"


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


def node_name(node: Value, index: int) -> str:
    """How a node is named in drawings and tables: its label, else ``v<topological index>``."""
    return node.label or f"v{index}"


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


def op_title(node: Value) -> str:
    """The op as drawn: its symbol (``+``), else its name, with bound parameters if any."""
    op = node.op
    if op is None:
        return ""
    if op.params:
        return op.title
    return op.symbol or op.name


# --------------------------------------------------------------------------------------------
# Collapsing: every hidden Value is assigned to a summary node.
# --------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Summary:
    title: str
    kind: str  # "group", "fan", "chain" or "more"
    members: dict[Value, None] = field(default_factory=dict)  # an ordered set


class _Layout:
    """Which Values are drawn, and which are hidden in which summary."""

    def __init__(self, order: list[Value]) -> None:
        self.order = order
        self.index = {node: position for position, node in enumerate(order)}
        self.hidden: dict[Value, _Summary] = {}
        self.children: dict[Value, list[Value]] = {node: [] for node in order}
        for node in order:
            for parent in dict.fromkeys(node.parents):
                self.children[parent].append(node)

    def summaries(self) -> list[_Summary]:
        seen: dict[_Summary, None] = {}
        for node in self.order:
            summary = self.hidden.get(node)
            if summary is not None:
                seen.setdefault(summary, None)
        return list(seen)

    def cost(self) -> int:
        """Drawn nodes: a record per visible Value, an op node per visible interior Value, and
        one node per summary."""
        visible = sum(1 if not node.parents else 2
                      for node in self.order if node not in self.hidden)
        return visible + len(self.summaries())

    def hide(self, nodes: list[Value], summary: _Summary) -> None:
        for node in nodes:
            previous = self.hidden.get(node)
            if previous is not None and previous is not summary:
                del previous.members[node]
            self.hidden[node] = summary
            summary.members[node] = None


def _group_key(label: str, level: int) -> str | None:
    """The module path of a dotted parameter label ``level`` steps up, or None.

    ``"layers.0.neurons.3.w.1"``: level 1 is ``"layers.0.neurons.3"`` (the neuron), level 2
    ``"layers.0"`` (the layer). ``"L1.N3.w2"``: ``"L1.N3"``, then ``"L1"``.
    """
    if "." not in label:
        return None
    parts = label.split(".")
    for _ in range(level):
        while parts and parts[-1].isdigit():
            parts.pop()
        if parts:
            parts.pop()
    return ".".join(parts) or None


def _group_by_labels(layout: _Layout, level: int) -> bool:
    """Summarise parameters by module path at ``level``; False if no label has that level."""
    groups: dict[str, _Summary] = {}
    group_of: dict[Value, _Summary] = {}
    for node in layout.order:
        if node.parents or not node.label:
            continue
        key = _group_key(node.label, level)
        if key is None:
            continue
        summary = groups.get(key)
        if summary is None:
            summary = groups[key] = _Summary(key, "group")
        group_of[node] = summary
    if not groups:
        return False
    # An op applied to parameters of one group (a neuron's affine) joins the group, and so does
    # a one-input op applied directly to it (the activation).
    joined_by_parameters: set[Value] = set()
    for node in layout.order:
        if not node.parents:
            continue
        owners = {group_of[parent] for parent in node.parents if not parent.parents
                  and parent in group_of}
        if len(owners) == 1:
            group_of[node] = owners.pop()
            joined_by_parameters.add(node)
        elif len(set(node.parents)) == 1 and node.parents[0] in joined_by_parameters:
            group_of[node] = group_of[node.parents[0]]
    for node in layout.order:
        summary = group_of.get(node)
        if summary is not None:
            layout.hide([node], summary)
    return True


def _collapse_fans(layout: _Layout, root: Value, keep: int) -> None:
    """Hide the middle inputs of every op with more than ``keep`` visible inputs (keeping the
    first ``keep - 1`` and the last), and whatever only those inputs feed."""
    trimmed: dict[Value, list[Value]] = {}
    for node in layout.order:
        if not node.parents or node in layout.hidden:
            continue
        inputs = [parent for parent in dict.fromkeys(node.parents) if parent not in layout.hidden]
        if len(inputs) > keep + 1:
            trimmed[node] = inputs[keep - 1:len(inputs) - 1]
    if not trimmed:
        return
    cut = {(node, parent) for node, parents in trimmed.items() for parent in parents}
    reached = {root}
    stack = [root]
    while stack:
        node = stack.pop()
        for parent in node.parents:
            if parent not in reached and (node, parent) not in cut:
                reached.add(parent)
                stack.append(parent)
    for node, parents in trimmed.items():
        summary = _Summary(f"{len(parents)} more inputs of {op_title(node)}", "fan")
        stack = list(parents)
        while stack:
            member = stack.pop()
            if member in reached or member in layout.hidden:
                continue
            layout.hide([member], summary)
            stack.extend(member.parents)


def _chains(layout: _Layout) -> list[list[Value]]:
    """Runs of visible interior Values in which each is the only interior input of the next,
    and the only visible consumer of the one before."""
    following: dict[Value, Value] = {}
    for node in layout.order:
        if not node.parents or node in layout.hidden:
            continue
        interior = [parent for parent in dict.fromkeys(node.parents) if parent.parents]
        if len(interior) != 1:
            continue
        (parent,) = interior
        if parent in layout.hidden:
            continue
        consumers = [child for child in layout.children[parent] if child not in layout.hidden]
        if consumers == [node]:
            following[parent] = node
    followers = set(following.values())
    starts = [node for node in layout.order if node in following and node not in followers]
    runs = []
    for start in starts:
        run = [start]
        while run[-1] in following:
            run.append(following[run[-1]])
        if len(run) >= CHAIN_MIN_LENGTH:
            runs.append(run)
    return runs


def _collapse_chains(layout: _Layout, max_nodes: int) -> None:
    """Hide the middle of every long chain, keeping as many nodes at both ends as fit."""
    runs = _chains(layout)
    if not runs:
        return

    def private_leaves(nodes: list[Value]) -> list[Value]:
        inside = set(nodes)
        return [parent for node in nodes for parent in dict.fromkeys(node.parents)
                if not parent.parents and parent not in layout.hidden
                and all(child in inside for child in layout.children[parent])]

    # Cost with k kept at each end: the rest of the graph, plus for every run its kept ends,
    # their own leaves and one summary. Take the largest k that fits (at least 1).
    in_runs = {node for run in runs for node in run}
    hidden_leaves = set(private_leaves(list(in_runs)))
    base = layout.cost() - 2 * len(in_runs) - len(hidden_leaves)
    keep = 1
    for candidate in range(1, max_nodes):
        total = base
        for run in runs:
            kept = run[:candidate] + run[len(run) - candidate:] if 2 * candidate < len(run) \
                else run
            total += 2 * len(kept) + len(private_leaves(kept)) + (len(kept) < len(run))
        if total > max_nodes:
            break
        keep = candidate
    for run in runs:
        if 2 * keep + 1 > len(run):
            continue
        middle = run[keep:len(run) - keep]
        ops: dict[str, int] = {}
        for node in middle:
            ops[op_title(node)] = ops.get(op_title(node), 0) + 1
        listing = ", ".join(f"{name} ×{count}" for name, count in ops.items())
        summary = _Summary(f"chain of {len(middle)} ops ({listing})", "chain")
        layout.hide(middle + private_leaves(middle), summary)


def _collapse_far(layout: _Layout, max_nodes: int) -> None:
    """Keep the nodes nearest the root that fit in ``max_nodes - 1``; hide the rest in one."""
    used = 0
    kept_summaries: set[_Summary] = set()
    rest: list[Value] = []
    full = False
    for node in reversed(layout.order):
        summary = layout.hidden.get(node)
        if full:
            if summary is None or summary not in kept_summaries:
                rest.append(node)
            continue
        if summary is not None:
            if summary in kept_summaries:
                continue
            cost = 1
        else:
            cost = 2 if node.parents else 1
        if used + cost > max_nodes - 1:
            full = True
            rest.append(node)
            continue
        used += cost
        if summary is not None:
            kept_summaries.add(summary)
    if rest:
        layout.hide(rest, _Summary("", "more"))


def _layout(order: list[Value], max_nodes: int) -> _Layout:
    """Decide what to draw: everything if it fits, else the first of these that fits, each
    step on top of the last: groups by dotted labels (neurons, then layers), fans trimmed to
    as many inputs as fit, chains shortened to as many end nodes as fit, and last the nodes
    farthest from the root in one summary."""
    layout = _Layout(order)
    if layout.cost() <= max_nodes:
        return layout
    level = 0
    while True:
        trial = _Layout(order)
        if not _group_by_labels(trial, level + 1):
            break
        level += 1
        layout = trial
        if trial.cost() <= max_nodes:
            return trial
    root = order[-1]

    def grouped() -> _Layout:
        fresh = _Layout(order)
        if level:
            _group_by_labels(fresh, level)
        return fresh

    def fans_kept(keep: int) -> _Layout:
        fresh = grouped()
        _collapse_fans(fresh, root, keep)
        return fresh

    layout = fans_kept(FAN_MIN_KEEP)
    if layout.cost() <= max_nodes:
        low, high = FAN_MIN_KEEP, max_nodes  # the widest fan that still fits: binary search
        while low < high:
            middle = (low + high + 1) // 2
            if fans_kept(middle).cost() <= max_nodes:
                low = middle
            else:
                high = middle - 1
        return fans_kept(low)
    if layout.cost() > max_nodes:
        _collapse_chains(layout, max_nodes)
    if layout.cost() > max_nodes:
        _collapse_far(layout, max_nodes)
    return layout


# --------------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------------


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


def _draw(
    root: Value,
    *,
    rankdir: str,
    show_grad: bool,
    show_local_grads: bool,
    color_by_grad: bool,
    max_nodes: int,
    precision: int,
    grads: Mapping[Value, Any] | None = None,
    highlight: Value | None = None,
    caption: str = "",
) -> Graph:
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph needs a Value, got {type(root).__name__}: {root!r}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    if max_nodes < 3:
        raise ValueError(f"draw_graph: max_nodes must be at least 3, got {max_nodes!r}")
    if precision < 1:
        raise ValueError(f"draw_graph: precision must be at least 1, got {precision!r}")
    order = topological_order(root, include_leaves=True)
    layout = _layout(order, max_nodes)
    index = layout.index

    def grad_of(node: Value) -> Any:
        if grads is None:
            return node.grad
        return grads.get(node)

    largest = 0.0
    if color_by_grad:
        for node in order:
            gradient = grad_of(node)
            if gradient is not None and node not in layout.hidden:
                largest = max(largest, abs(float(gradient)))

    graph = Graph(name="chainrule", graph_attr={"rankdir": rankdir})
    if caption or show_local_grads:
        text = caption
        if show_local_grads:
            note = ("edge numbers: local derivative d(out)/d(input); "
                    "grad(input) = sum of grad(out) × local")
            text = f"{text}\n{note}" if text else note
        graph.attr(label=escape_text(text), labelloc="t", fontsize="11")
    graph.attr("node", fontname="Helvetica", fontsize="11")
    graph.attr("edge", fontname="Helvetica", fontsize="10")
    horizontal = rankdir in ("LR", "RL")

    summary_ids: dict[_Summary, str] = {}
    for node in order:
        summary = layout.hidden.get(node)
        if summary is not None:
            if summary not in summary_ids:
                summary_ids[summary] = f"s{len(summary_ids)}"
                _draw_summary(graph, summary_ids[summary], summary, horizontal)
            continue
        position = index[node]
        fields = [node_name(node, position), f"data {format_number(node.data, precision)}"]
        gradient = grad_of(node)
        if show_grad:
            shown = "·" if gradient is None else format_number(gradient, precision)
            fields.append(f"grad {shown}")
        label = "|".join(escape_record(text) for text in fields)
        attributes: dict[str, str] = {"shape": "record"}
        if horizontal:
            label = "{" + label + "}"
        if color_by_grad and gradient is not None and largest > 0.0:
            magnitude = abs(float(gradient))
            attributes["style"] = "filled"
            if magnitude > 0.0:
                level = _grad_class(magnitude, largest)
                attributes.update(colorscheme=PALETTE, fillcolor=str(level))
                if level == 5:
                    attributes["fontcolor"] = "white"  # black is hard to read on dark red
            else:
                attributes["fillcolor"] = "white"
        if node is highlight:
            attributes.update(color="red", penwidth="3")
        graph.node(f"v{position}", label=graphviz.nohtml(label), **attributes)
        if node.parents:
            op_attributes = {"shape": "ellipse", "margin": "0.05,0.02", "fontsize": "10"}
            if node is highlight:
                op_attributes.update(color="red", penwidth="3")
            graph.node(f"v{position}_op", label=graphviz.nohtml(escape_text(op_title(node))),
                       **op_attributes)
            graph.edge(f"v{position}_op", f"v{position}")

    def source_of(node: Value) -> str:
        summary = layout.hidden.get(node)
        return f"v{index[node]}" if summary is None else summary_ids[summary]

    drawn: set[tuple[str, str]] = set()
    for node in order:
        if not node.parents:
            continue
        summary = layout.hidden.get(node)
        target = f"v{index[node]}_op" if summary is None else summary_ids[summary]
        locals_ = local_derivatives(node) if show_local_grads and summary is None else ()
        for position, parent in enumerate(node.parents):
            source = source_of(parent)
            if source == target or (summary is not None and source in (target,)):
                continue
            if layout.hidden.get(parent) is not None or summary is not None:
                if (source, target) in drawn:
                    continue  # summaries get one edge per neighbour
                drawn.add((source, target))
                graph.edge(source, target, style="dashed")
                continue
            if locals_:
                local = locals_[position]
                text = "undefined" if local is None else format_number(local, precision)
                graph.edge(source, target, label=graphviz.nohtml(escape_text(text)))
            else:
                graph.edge(source, target)
    if color_by_grad and largest > 0.0:
        _legend(graph, largest, precision)
    return graph


def _draw_summary(graph: graphviz.Digraph, name: str, summary: _Summary, horizontal: bool) -> None:
    members = summary.members
    if summary.kind == "group":
        parameters = sum(1 for node in members if not node.parents)
        operations = len(members) - parameters
        fields = [summary.title, f"{parameters} parameters"]
        if operations:
            fields.append(f"{operations} ops")
    elif summary.kind == "more":
        fields = [f"{len(members)} more nodes", "(graph collapsed)"]
    else:
        fields = [summary.title, f"{len(members)} nodes hidden"]
    label = "|".join(escape_record(text) for text in fields)
    if horizontal:
        label = "{" + label + "}"
    graph.node(name, label=graphviz.nohtml(label), shape="record", style="dashed,filled",
               fillcolor="gray95")


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
    return _draw(root, rankdir=rankdir, show_grad=show_grad, show_local_grads=show_local_grads,
                 color_by_grad=color_by_grad, max_nodes=max_nodes, precision=precision)


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
