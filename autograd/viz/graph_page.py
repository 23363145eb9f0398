"""The browser page of a Value's graph: the forward and backward passes, one step at a time.

:func:`graph_page` (behind :func:`autograd.viz.to_html`) draws the graph as
:func:`autograd.viz.draw_graph` does, with the final numbers so that Graphviz sizes every record
for them, and lists the steps a learner walks through:

- step 0: only the leaves' values are known (no other number shows anywhere on the page,
  heading and cards included, before the step that computes it);
- one forward step per op node, in :func:`autograd.topological_order`: its value appears;
- the seed: the root's gradient is 1;
- one backward step per op node a gradient reaches, as :func:`autograd.explain` records them
  (the engine's backward walk seen from outside): the node's upstream gradient, and for each
  input the local derivative, the contribution upstream × local and the input's accumulated
  gradient; the last step gives 0 to the nodes no gradient reached.

The numbers are the engine's (``node.data``, explain's rows), written by :mod:`autograd.core.naming`
exactly as the drawing writes them; :mod:`autograd.pages.player` makes the HTML. Nodes hidden in a
collapsed drawing still have their steps: the summary hiding them is outlined and the panel shows
their products.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..core.backprop import topological_order
from ..core.naming import expression, format_number, node_names, op_title
from ..core.value import Value
from ..explain import Derivation, Row, explain
from ..files import write_atomically
from ..pages.player import Binding, InfoCard, InlinePage, PageData, Step, clip_rows, render_page
from .drawing import DEFAULT_MAX_NODES, DrawingOptions, draw_frame
from .layout import Layout, plan_layout

__all__ = ["MAX_PAGE_EDGES", "graph_page", "interactive", "save_html", "to_html"]

#: The most operand edges a graph page takes: each becomes a step's row and text changes, so a
#: larger graph would make a page of many megabytes.
MAX_PAGE_EDGES = 20_000

_FORWARD_COLUMNS = ["input", "value"]
_BACKWARD_COLUMNS = ["input", "upstream grad(node)", "× local d(node)/d(input)",
                     "= contribution", "grad(input) so far"]


def _id(index: int) -> str:
    return f"v{index}"


class _GraphSteps:
    """The steps, bindings and cards of one graph's page."""

    def __init__(self, root: Value, layout: Layout, derivation: Derivation,
                 precision: int) -> None:
        self.root = root
        self.layout = layout
        self.index = layout.index
        self.names = node_names(root)
        self.rows = derivation.rows
        self.step_nodes = derivation.nodes
        self.gradients = derivation.gradients
        self.precision = precision
        self.summary_ids = {summary: f"s{number}"
                            for number, summary in enumerate(layout.summaries())}
        drawn = [node for node in layout.order if node not in layout.hidden]
        self.wanted = set(drawn) | {parent for node in drawn for parent in node.parents}

    def number(self, value: Any) -> str:
        return format_number(value, self.precision)

    def focus(self, node: Value) -> list[str]:
        """The ids that show ``node``: its record and op node, or the summary hiding it."""
        summary = self.layout.hidden.get(node)
        if summary is not None:
            return [self.summary_ids[summary]]
        return [_id(self.index[node])] + ([f"{_id(self.index[node])}_op"] if node.parents else [])

    def bindings(self) -> list[Binding]:
        """Data and grad of every drawn record; the local derivative on every drawn edge."""
        result = []
        for node in self.layout.order:
            if node in self.layout.hidden:
                continue
            i = self.index[node]
            result += [Binding(f"d{i}", _id(i), -2, "data "), Binding(f"g{i}", _id(i), -1, "grad ")]
            result += [Binding(f"l{i}_{k}", f"e{i}_{k}", 0) for k, parent in enumerate(node.parents)
                       if parent not in self.layout.hidden]
        return result

    def steps(self) -> list[Step]:
        interior = [node for node in self.layout.order if node.parents]
        leaves = [self.names[node] for node in self.layout.order if not node.parents]
        steps = [Step(f"step 0, before the forward pass: only the leaves' values are known "
                      f"({', '.join(leaves[:8])}{', …' if len(leaves) > 8 else ''})")]
        steps += [self.forward(node, position, len(interior))
                  for position, node in enumerate(interior, start=1)]
        steps.append(self.seed())
        matched = self.match()
        for number, (node, rows) in enumerate(matched, start=1):
            steps.append(self.backward(node, rows, number, len(matched)))
        steps[-1] = self.ending(steps[-1], steps)
        return steps

    def match(self) -> list[tuple[Value, list[Row]]]:
        """Each of explain's steps with the op node it is about (explain records it), in the
        order ``backward()`` runs them; nodes no gradient reaches have no step."""
        groups: dict[int, list[Row]] = {}
        for row in self.rows:
            groups.setdefault(row.step, []).append(row)
        return [(self.step_nodes[step - 1], rows) for step, rows in groups.items()]

    def ending(self, last: Step, steps: list[Step]) -> Step:
        """The last step, which also gives 0 to every node no gradient reached."""
        shown = {key for step in steps for key, _ in step.changes if key.startswith("g")}
        unreached = [node for node in self.layout.order
                     if node in self.wanted and f"g{self.index[node]}" not in shown]
        note = ". End of the backward pass."
        if unreached:
            note += f" No gradient reached {len(unreached)} node(s): theirs is 0."
        changes = [*last.changes, *((f"g{self.index[node]}",
                                     self.number(self.gradients.get(node, 0.0)))
                                    for node in unreached)]
        return Step(f"{last.caption}{note}", changes, last.focus, last.rows, last.columns)

    def forward(self, node: Value, position: int, total: int) -> Step:
        i = self.index[node]
        value = self.number(node.data)
        rows: list[list[str | list[str]]] = [[self.names[parent], self.number(parent.data)]
                                             for parent in node.parents]
        changes = [(f"d{i}", value)] if node in self.wanted else []
        return Step(f"forward {position} of {total}: {self.names[node]} = "
                    f"{expression(node, self.names)} = {value}", changes, self.focus(node),
                    clip_rows(rows, 2), _FORWARD_COLUMNS)

    def seed(self) -> Step:
        name = self.names[self.root]
        return Step(f"backward: the seed, grad({name}) = d({name})/d({name}) = 1",
                    [(f"g{self.index[self.root]}", "1")], self.focus(self.root))

    def backward(self, node: Value, rows: list[Row], number: int, total: int) -> Step:
        i = self.index[node]
        name = self.names[node]
        changes: list[tuple[str, str | list[str]]] = []
        table: list[list[str | list[str]]] = []
        for row in rows:
            parent = node.parents[row.operand]
            if row.node != name or row.input != self.names[parent]:
                raise AssertionError(f"explain's row {row} is not about {name}")
            if node in self.wanted:
                changes.append((f"l{i}_{row.operand}", self.number(row.local)))
            if parent in self.wanted:
                changes.append((f"g{self.index[parent]}", self.number(row.accumulated)))
            table.append([f"{row.input} (operand {row.operand})", self.number(row.upstream),
                          self.number(row.local), self.number(row.contribution),
                          self.number(row.accumulated)])
        upstream = self.number(rows[0].upstream)
        caption = (f"backward {number} of {total}: {name} ({op_title(node)}) passes its "
                   f"gradient {upstream} to its inputs: contribution = upstream × local")
        return Step(caption, changes, self.focus(node), clip_rows(table, 5), _BACKWARD_COLUMNS)

    def cards(self) -> dict[str, InfoCard]:
        """A card per drawn record, op node, operand edge and summary."""
        cards: dict[str, InfoCard] = {}
        for node in self.layout.order:
            if node in self.layout.hidden:
                continue
            i = self.index[node]
            card = self.card(node)
            cards[_id(i)] = card
            if node.parents:
                cards[f"{_id(i)}_op"] = card
            for k, parent in enumerate(node.parents):
                cards[f"e{i}_{k}"] = InfoCard(
                    f"d({self.names[node]})/d({self.names[parent]}), operand {k}",
                    [("local derivative", "", f"l{i}_{k}"), ("upstream grad", "", f"g{i}")])
        for summary, name in self.summary_ids.items():
            cards[name] = InfoCard(summary.title or "collapsed nodes", [
                ("hides", f"{len(summary.members)} nodes", ""),
                ("for example", ", ".join(self.names[m] for m in list(summary.members)[:6]),
                 "")])
        return cards

    def card(self, node: Value) -> InfoCard:
        i = self.index[node]
        lines: list[tuple[str, str | list[str], str]] = [
            ("op", op_title(node) or "none: a leaf (an input or a parameter)", "")]
        if node.parents:
            lines.append(("computes", expression(node, self.names), ""))
        for k, parent in enumerate(node.parents):
            lines.append((f"input {k}: {self.names[parent]}", "", f"d{self.index[parent]}"))
        for k, parent in enumerate(node.parents):
            lines.append((f"local d({self.names[node]})/d({self.names[parent]})", "",
                          f"l{i}_{k}"))
        lines += [("data", "", f"d{i}"), (f"grad d({self.names[self.root]})/d(this)", "",
                                          f"g{i}")]
        return InfoCard(f"{self.names[node]}", lines)


def _check_size(order: list[Value]) -> None:
    edges = sum(len(node.parents) for node in order)
    if edges > MAX_PAGE_EDGES:
        raise ValueError(
            f"to_html: the graph has {edges:,} operand edges, more than a page takes "
            f"({MAX_PAGE_EDGES:,}); make a page of a smaller graph (one example's loss, a "
            "smaller model) or draw this one with draw_graph"
        )


def graph_page(
    root: Value,
    *,
    rankdir: str = "LR",
    show_local_grads: bool = False,
    max_nodes: int = DEFAULT_MAX_NODES,
    precision: int = 4,
    title: str | None = None,
) -> str:
    """The HTML page of ``root``'s forward and backward passes (see :func:`autograd.viz.to_html`).

    Raises:
        TypeError: ``root`` is not a Value.
        ValueError: an option is out of range, or the graph has more than
            :data:`MAX_PAGE_EDGES` operand edges.
        autograd.viz.GraphvizNotFoundError: the ``dot`` program is missing.
    """
    if not isinstance(root, Value):
        raise TypeError(f"to_html needs a Value, got {type(root).__name__}: {root!r}")
    options: dict[str, Any] = {"rankdir": rankdir, "show_local_grads": show_local_grads,
                               "max_nodes": max_nodes, "precision": precision}
    DrawingOptions(**options, caller="to_html")  # checks the options before any work
    order = topological_order(root, include_leaves=True)
    _check_size(order)
    derivation = explain(root, precision=precision)
    layout = plan_layout(order, max_nodes)
    drawing = draw_frame(root, grads=derivation.gradients, element_ids=True, layout=layout,
                         **options)
    svg = drawing.pipe(format="svg", encoding="utf-8")
    steps = _GraphSteps(root, layout, derivation, precision)
    name = steps.names[root]
    heading = title if title is not None else f"Backpropagation through {name}"
    initial: list[tuple[str, str | list[str]]] = [
        (f"d{steps.index[node]}", steps.number(node.data))
        for node in order if not node.parents and node in steps.wanted]
    page = PageData(
        title=heading,
        # no number here: the page shows each value only from the step that computes it
        subtitle=(f"The forward pass computes every value up to {name} in topological order, "
                  "then the backward pass applies the chain rule from "
                  f"d({name})/d({name}) = 1 back to the leaves. Numbers from chainrule's engine."),
        svg=svg, bindings=steps.bindings(), initial=initial, steps=steps.steps(),
        info=steps.cards(),
        hint="Click or hover a node to see its op, inputs, local derivatives and gradient.")
    return render_page(page)


# --------------------------------------------------------------------------------------------
# The page's public forms: text, a file, a Jupyter cell
# --------------------------------------------------------------------------------------------


def to_html(root: Value, **options: Any) -> str:
    """One self-contained HTML page that steps through ``root``'s forward and backward passes.

    The page holds the drawing (SVG rendered by Graphviz, as :func:`draw_graph` draws it), the
    numbers (computed here by the engine: values in topological order, then the chain-rule
    products of :func:`autograd.explain`) and a small script; it makes no network request, so
    it works offline and from ``file://``. It shows "step k of N" and moves with the arrow
    keys, Home/End and buttons (play, pause, previous, next, reset, speed); step 0 shows only
    the leaves' values, the forward steps reveal values, the backward steps reveal gradients
    with their products (upstream × local = contribution), and the last step ends the backward
    pass. Clicking or hovering a node shows its op, inputs, local derivatives and gradient.
    Nothing is mutated: no ``.grad`` is written.

    Args:
        root: the Value whose graph is shown.
        **options: ``rankdir``, ``show_local_grads``, ``max_nodes`` and ``precision`` as in
            :func:`draw_graph` (precision 4 significant digits by default), and ``title``.

    Returns:
        The page as text.

    Raises:
        TypeError: ``root`` is not a Value, or an option is unknown.
        ValueError: an option is out of range, or the graph is too large for a page.
        GraphvizNotFoundError: the ``dot`` program is missing.
    """
    return graph_page(root, **options)


def save_html(root: Value, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write :func:`to_html`'s page to ``path`` (atomically; the suffix should be .html).

    Returns:
        The path written.

    Raises:
        The errors of :func:`to_html`.
    """
    target = Path(path)
    write_atomically(target, to_html(root, **options).encode("utf-8"))
    return target


def interactive(root: Value, **options: Any) -> InlinePage:
    """:func:`to_html`'s page for Jupyter: the returned object shows the page inline (in an
    iframe whose ``srcdoc`` is the page) as its ``_repr_html_``.

    Args:
        root: the Value whose graph is shown.
        **options: as :func:`to_html`, plus ``height`` (pixels of the frame, default 620).

    Returns:
        An :class:`autograd.pages.player.InlinePage`; its ``.html`` is the page.
    """
    height = options.pop("height", 620)
    return InlinePage(to_html(root, **options), height=height)
