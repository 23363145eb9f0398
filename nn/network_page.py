"""``save_network_html``: a browser page that replays training steps of a fully connected network.

The page draws the network as :func:`nn.draw_network` does (neurons as circles in columns,
weights on the edges, each bias inside its neuron) and replays ``steps`` training steps that
were run here, by the engine, before the page was written. Each training step is shown as:

1. the forward pass, one layer at a time: each neuron's activation ``a`` (and its
   pre-activation ``z`` in its card), for the example chosen on the page;
2. the loss: the mean over the examples of ``loss(output, target)``;
3. the backward pass, one layer at a time from the output: each neuron's delta
   ``δ = dL/dz`` (for the chosen example) and each weight's and bias's gradient ``dL/dw``
   (summed over the examples by ``backward()``);
4. ``optimizer.step()``: the new weights and biases.

A timeline jumps to each training step. Every number is read from the engine (``Value.data``
and ``.grad`` after ``backward()``), formatted by :mod:`autograd.core.naming`; the page itself
(:mod:`autograd.pages.player`) does no maths.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograd import Value
from autograd import sum as value_sum
from autograd.core.naming import format_number
from autograd.core.numbers import is_real, require_count
from autograd.files import write_atomically
from autograd.pages.player import Binding, InfoCard, Mark, PageData, Step, clip_rows, render_page

from .layers import MLP, Layer
from .network_view import label_place, weight_label

__all__ = ["MAX_PAGE_NEURONS", "MAX_PAGE_NUMBERS", "MAX_PAGE_WEIGHTS", "save_network_html"]

#: The most neurons (inputs included) a page draws.
MAX_PAGE_NEURONS = 100
#: The most weights (edges) a page draws.
MAX_PAGE_WEIGHTS = 2_000
#: The most numbers a page records (activations, deltas and pre-activations per example and
#: neuron, and parameters with their gradients, per training step): about 10 bytes each.
MAX_PAGE_NUMBERS = 300_000
#: Up to this many weights each edge takes its input's colour; above, edges are a light grey.
COLOURED_WEIGHTS = 60
#: Above this many neurons in a layer the neurons are drawn small, with ``a`` and ``δ`` only.
COMPACT_WIDTH = 8

_NAME = "save_network_html"

# Tableau's palette without its red (red marks what a step changed): each edge takes the colour
# of its input, so a weight's text can be told from its neighbour's where edges cross.
_EDGE_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                 "#7f7f7f")


def _layers_of(model: Any) -> list[Layer]:
    if isinstance(model, MLP):
        return list(model.layers)
    if isinstance(model, Layer):
        return [model]
    raise TypeError(
        f"{_NAME} replays a fully connected model (an nn.MLP or an nn.Layer), got "
        f"{type(model).__name__}; for other models make a page of one loss's graph with "
        "autograd.viz.save_html"
    )


def _examples(inputs: Any, targets: Any, nin: int) -> list[list[float]]:
    """The inputs as lists of ``nin`` floats, checked against ``targets``."""
    if not isinstance(inputs, Sequence) or not isinstance(targets, Sequence):
        raise TypeError(f"{_NAME}: inputs and targets must be sequences of examples, got "
                        f"{type(inputs).__name__} and {type(targets).__name__}")
    if len(inputs) == 0:
        raise ValueError(f"{_NAME}: inputs is empty; give at least one example")
    if len(inputs) != len(targets):
        raise ValueError(f"{_NAME}: inputs has {len(inputs)} examples but targets has "
                         f"{len(targets)}; give one target per example")
    examples = []
    for number, example in enumerate(inputs):
        row = [example] if nin == 1 and is_real(example) else example
        if (not isinstance(row, Sequence) or len(row) != nin
                or not all(is_real(x) for x in row)):
            raise ValueError(f"{_NAME}: example {number} is {example!r}; the model takes "
                             f"{nin} real numbers per example")
        examples.append([float(x) for x in row])
    return examples


def _check_size(layers: list[Layer], examples: int, steps: int) -> None:
    neurons = layers[0].nin + sum(layer.nout for layer in layers)
    weights = sum(layer.nin * layer.nout for layer in layers)
    parameters = sum(len(layer.parameters()) for layer in layers)
    numbers = steps * (3 * examples * neurons + 3 * parameters)
    for what, count, limit in (("neurons", neurons, MAX_PAGE_NEURONS),
                               ("weights", weights, MAX_PAGE_WEIGHTS),
                               ("recorded numbers", numbers, MAX_PAGE_NUMBERS)):
        if count > limit:
            raise ValueError(
                f"{_NAME}: the page would hold {count:,} {what}, more than {limit:,}; use a "
                "smaller model, fewer examples or fewer steps (nn.draw_network summarises "
                "large models)"
            )


def _target_text(target: Any, precision: int) -> str:
    """A target as shown: numbers to ``precision`` digits, a list of numbers in brackets."""
    if is_real(target):
        return format_number(target, precision)
    if isinstance(target, Sequence) and all(is_real(item) for item in target):
        return "[" + ", ".join(format_number(item, precision) for item in target) + "]"
    return str(target)


def _pre_activation(output: Value, activation: str) -> Value:
    """The neuron's ``z = w·x + b``: its output for a linear neuron, else the activation's
    input (a neuron is one affine node followed by one activation node)."""
    if activation == "linear":
        return output
    if output.op is None or len(output.parents) != 1:
        raise AssertionError(f"a {activation} neuron's output is not one activation node")
    return output.parents[0]


@dataclass
class _Pass:
    """One training step as the engine computed it (Values kept until read)."""

    activations: list[list[list[Value]]] = field(default_factory=list)  # [layer][example][j]
    pre: list[list[list[Value]]] = field(default_factory=list)
    losses: list[Value] = field(default_factory=list)
    total: Value | None = None


def _forward(layers: list[Layer], examples: list[list[float]], targets: Sequence[Any],
             loss: Callable[..., Any]) -> _Pass:
    """The forward pass of every example, layer by layer, and the mean loss."""
    record = _Pass(activations=[[] for _ in layers], pre=[[] for _ in layers])
    for example, target in zip(examples, targets, strict=True):
        values: Any = example
        for number, layer in enumerate(layers):
            output = layer(values)
            values = output if isinstance(output, list) else [output]
            record.activations[number].append(values)
            record.pre[number].append([_pre_activation(value, neuron.activation)
                                       for value, neuron in zip(values, layer.neurons,
                                                                strict=True)])
        example_loss = loss(values[0] if len(values) == 1 else values, target)
        if not isinstance(example_loss, Value):
            raise TypeError(f"{_NAME}: loss(output, target) must return a Value, got "
                            f"{type(example_loss).__name__} {example_loss!r}")
        record.losses.append(example_loss)
    record.total = value_sum(record.losses) * (1.0 / len(examples))
    return record


class _Recorder:
    """Runs the training steps and turns them into the page's steps."""

    def __init__(self, layers: list[Layer], examples: list[list[float]], targets: Sequence[Any],
                 precision: int) -> None:
        self.layers = layers
        self.examples = examples
        self.targets = targets
        self.precision = precision
        self.steps: list[Step] = []
        self.timeline: list[Mark] = []

    def number(self, value: Any) -> str:
        return format_number(value, self.precision)

    def per_example(self, values: list[Value], attribute: str) -> list[str]:
        return [self.number(getattr(value, attribute)) for value in values]

    def run(self, loss: Callable[..., Any], optimizer: Any, steps: int) -> None:
        for step in range(1, steps + 1):
            optimizer.zero_grad()
            record = _forward(self.layers, self.examples, self.targets, loss)
            assert record.total is not None
            first = len(self.steps) + 1  # page step 0 comes before these
            self.timeline.append(Mark(f"step {step}", first,
                                      f"loss {self.number(record.total.data)}",
                                      first + len(self.layers)))  # from the loss step on
            prefix = f"training step {step} of {steps}"
            for number in range(len(self.layers)):
                self.steps.append(self.forward(record, number, prefix,
                                               clear=number == 0 and step > 1))
            self.steps.append(self.loss(record, prefix))
            record.total.backward()
            for number in reversed(range(len(self.layers))):
                self.steps.append(self.backward(record, number, prefix))
            before = {parameter: parameter.data
                      for layer in self.layers for parameter in layer.parameters()}
            optimizer.step()
            self.steps.append(self.update(before, prefix, type(optimizer).__name__))

    def forward(self, record: _Pass, number: int, prefix: str, clear: bool) -> Step:
        layer = self.layers[number]
        changes: list[tuple[str, str | list[str]]] = []
        if clear:  # a new training step: last step's deltas and gradients no longer hold
            changes += [(key, "·") for key in _gradient_keys(self.layers)]
        rows: list[list[str | list[str]]] = []
        for j in range(layer.nout):
            a = self.per_example([acts[j] for acts in record.activations[number]], "data")
            z = self.per_example([pre[j] for pre in record.pre[number]], "data")
            changes += [(f"a{number}_{j}", a), (f"z{number}_{j}", z)]
            rows.append([f"layers.{number}.neurons.{j}", z, a])
        caption = (f"{prefix} · forward, layer {number + 1} of {len(self.layers)} "
                   f"({layer.nin} → {layer.nout}, {layer.activation}): each neuron computes "
                   f"z = w·x + b and a = {layer.activation}(z)")
        return Step(caption, changes, [f"n{number}_{j}" for j in range(layer.nout)],
                    clip_rows(rows, 3), ["neuron", "z = w·x + b", "a"])

    def loss(self, record: _Pass, prefix: str) -> Step:
        assert record.total is not None
        total = self.number(record.total.data)
        outputs = record.activations[-1]
        rows: list[list[str | list[str]]] = [
            [f"example {k}", ", ".join(self.number(v.data) for v in outputs[k]),
             _target_text(self.targets[k], self.precision), self.number(record.losses[k].data)]
            for k in range(len(self.examples))]
        caption = (f"{prefix} · loss: the mean over the {len(self.examples)} example(s) of "
                   f"loss(output, target) = {total}")
        return Step(caption, [("loss", total), ("lossx", self.per_example(record.losses, "data"))],
                    ["loss"], clip_rows(rows, 4), ["example", "output", "target", "loss"])

    def backward(self, record: _Pass, number: int, prefix: str) -> Step:
        layer = self.layers[number]
        changes: list[tuple[str, str | list[str]]] = []
        rows: list[list[str | list[str]]] = []
        for j, neuron in enumerate(layer.neurons):
            changes.append((f"d{number}_{j}",
                            self.per_example([pre[j] for pre in record.pre[number]], "grad")))
            for i, weight in enumerate(neuron.w):
                changes.append((f"gw{number}_{j}_{i}", self.number(weight.grad)))
                rows.append([weight.label, self.number(weight.data), self.number(weight.grad)])
            if neuron.b is not None:
                changes.append((f"gb{number}_{j}", self.number(neuron.b.grad)))
                rows.append([neuron.b.label, self.number(neuron.b.data),
                             self.number(neuron.b.grad)])
        caption = (f"{prefix} · backward, layer {number + 1}: each neuron's delta δ = dL/dz, "
                   "and each weight's gradient dL/dw = the sum over examples of δ × its input")
        return Step(caption, changes, [f"n{number}_{j}" for j in range(layer.nout)],
                    clip_rows(rows, 3), ["parameter", "value", "gradient dL/dw"])

    def update(self, before: dict[Value, float], prefix: str, optimizer: str) -> Step:
        changes: list[tuple[str, str | list[str]]] = []
        rows: list[list[str | list[str]]] = []
        for number, layer in enumerate(self.layers):
            for j, neuron in enumerate(layer.neurons):
                named = [(f"w{number}_{j}_{i}", weight) for i, weight in enumerate(neuron.w)]
                if neuron.b is not None:
                    named.append((f"b{number}_{j}", neuron.b))
                for key, parameter in named:
                    changes.append((key, self.number(parameter.data)))
                    rows.append([parameter.label, self.number(before[parameter]),
                                 self.number(parameter.grad), self.number(parameter.data)])
        caption = (f"{prefix} · update: {optimizer}.step() moves every parameter against its "
                   "gradient")
        return Step(caption, changes, [], clip_rows(rows, 4),
                    ["parameter", "before", "gradient", "after"])


def _gradient_keys(layers: list[Layer]) -> list[str]:
    keys = ["loss", "lossx"]
    for number, layer in enumerate(layers):
        for j, neuron in enumerate(layer.neurons):
            keys.append(f"d{number}_{j}")
            keys += [f"gw{number}_{j}_{i}" for i in range(neuron.nin)]
            if neuron.b is not None:
                keys.append(f"gb{number}_{j}")
    return keys


# --------------------------------------------------------------------------------------------
# The drawing and the page
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Look:
    """How much the drawing carries. Small networks: each neuron shows its activation
    function, ``a`` and ``δ`` with its bias and dL/db. Wide layers (more than
    :data:`COMPACT_WIDTH` neurons): smaller neurons with ``a`` and ``δ`` only. Every edge
    carries its weight and gradient on its own line (the page shows a label that would cover
    another only while its edge is hovered); up to :data:`COLOURED_WEIGHTS` weights each edge
    has its input's colour. Cards show the rest."""

    compact: bool
    coloured: bool

    @classmethod
    def of(cls, layers: list[Layer]) -> _Look:
        widest = max(layer.nout for layer in layers)
        weights = sum(layer.nin * layer.nout for layer in layers)
        return cls(compact=widest > COMPACT_WIDTH, coloured=weights <= COLOURED_WEIGHTS)

    def neuron_lines(self, neuron: Any, wide: str) -> list[str]:
        """The neuron's text lines: its activation (unless compact), ``a``, ``δ``, then its
        bias ``b`` and ``db`` (dL/db) when shown: inside the neuron, so that no number
        floats between neurons."""
        lines = [f"a {wide}", f"δ {wide}"]
        if self.bias_shown(neuron):
            lines += [f"b {wide}", f"db {wide}"]
        return lines if self.compact else [neuron.activation, *lines]

    def first_number(self) -> int:
        """The index of the neuron's ``a`` line."""
        return 0 if self.compact else 1

    def neuron_shape(self) -> dict[str, str]:
        """A circle; in a wide layer a flat ellipse, so that a column of many fits a window."""
        if self.compact:
            return {"shape": "ellipse", "width": "1.0", "height": "0.42"}
        return {"shape": "circle", "width": "1.25"}

    def bias_shown(self, neuron: Any) -> bool:
        return neuron.b is not None and not self.compact


def _drawing(layers: list[Layer], look: _Look, precision: int) -> Any:
    """The network as Graphviz draws it for the page; every element has an id the page's
    script finds: inputs ``x<i>``, neurons ``n<layer>_<j>``, weights ``w<layer>_<j>_<i>``,
    the loss ``loss``. Texts are laid out with the widest number so that every value fits;
    the page writes step 0's texts when it opens. (autograd.viz's Graph says how to install
    what is missing.)"""
    from autograd.viz import Graph

    wide = format_number(-1.2345678e-05, precision)
    graph = Graph("network")
    graph.attr(rankdir="LR", splines="line", nodesep="0.12" if look.compact else "0.3",
               ranksep="2.2", ordering="out")
    graph.attr("node", fontname="Helvetica", fontsize="8" if look.compact else "10")
    graph.attr("edge", fontname="Helvetica", fontsize="9", arrowsize="0.6")
    with graph.subgraph(name="inputs") as column:
        column.attr(rank="same")
        for i in range(layers[0].nin):
            column.node(f"x{i}", f"x{i}\\n{wide}", id=f"x{i}", shape="circle", style="filled",
                        fillcolor="#dbe9f6", width="0.8", fixedsize="true")
    sources = [f"x{i}" for i in range(layers[0].nin)]
    for number, layer in enumerate(layers):
        names = [f"n{number}_{j}" for j in range(layer.nout)]
        with graph.subgraph(name=f"layer{number}") as column:
            column.attr(rank="same")
            for name, neuron in zip(names, layer.neurons, strict=True):
                column.node(name, "\\n".join(look.neuron_lines(neuron, wide)),
                            id=name, style="filled", fixedsize="true", **look.neuron_shape(),
                            fillcolor="#fff2cc" if number == len(layers) - 1 else "#ffffff")
        for j, name in enumerate(names):
            for i, source in enumerate(sources):
                place = label_place(i, j, layer.nin, layer.nout)
                _weight_edge(graph, (source, name), f"w{number}_{j}_{i}", i, place, look, wide)
        sources = names
    graph.node("loss", f"loss\\nL {wide}\\ntarget {wide}", id="loss", shape="box",
               style="rounded,filled", fillcolor="#f4dcdc")
    for source in sources:
        graph.edge(source, "loss", style="dashed", arrowsize="0.5")
    graph.attr(label=_caption(layers, look), labelloc="b", fontname="Helvetica", fontsize="10")
    return graph


def _weight_edge(graph: Any, ends: tuple[str, str], name: str, position: int,
                 place: dict[str, str], look: _Look, wide: str) -> None:
    """A weight's edge with ``w`` and ``grad`` on its own line, where
    :func:`nn.network_view.label_place` says, in its input's colour when coloured."""
    colour = _EDGE_COLOURS[position % len(_EDGE_COLOURS)] if look.coloured else "#8a94a6"
    graph.edge(*ends, id=name, color=colour if look.coloured else f"{colour}80",
               fontcolor=colour if look.coloured else "#4a5568",
               **weight_label(place, f"w {wide}\\ngrad {wide}"))


def _caption(layers: list[Layer], look: _Look) -> str:
    biases = any(look.bias_shown(neuron) for layer in layers for neuron in layer.neurons)
    neuron = ("neuron: a = its output, δ = dL/dz" if look.compact
              else "neuron: activation, a = its output, δ = dL/dz")
    if biases:
        neuron += ", b = its bias, db = dL/db"
    edge = ("edge (coloured by its input): weight w and dL/dw" if look.coloured
            else "edge: weight w and dL/dw")
    edge += "; a label that would cover another shows while its edge is hovered"
    return f"{neuron}; {edge}"


def _bindings(layers: list[Layer], look: _Look) -> list[Binding]:
    bindings = [Binding(f"x{i}", f"x{i}", 1) for i in range(layers[0].nin)]
    bindings += [Binding("loss", "loss", 1, "L "), Binding("target", "loss", 2, "target ")]
    for number, layer in enumerate(layers):
        for j, neuron in enumerate(layer.neurons):
            name = f"n{number}_{j}"
            first = look.first_number()
            bindings += [Binding(f"a{number}_{j}", name, first, "a "),
                         Binding(f"d{number}_{j}", name, first + 1, "δ ")]
            if look.bias_shown(neuron):
                bindings += [Binding(f"b{number}_{j}", name, first + 2, "b "),
                             Binding(f"gb{number}_{j}", name, first + 3, "db ")]
            for i in range(neuron.nin):
                edge = f"w{number}_{j}_{i}"
                bindings += [Binding(f"w{number}_{j}_{i}", edge, 0, "w "),
                             Binding(f"gw{number}_{j}_{i}", edge, 1, "grad ")]
    return bindings


def _cards(layers: list[Layer]) -> dict[str, InfoCard]:
    cards = {f"x{i}": InfoCard(f"input x{i}", [("value", "", f"x{i}")])
             for i in range(layers[0].nin)}
    cards["loss"] = InfoCard("loss", [("mean over the examples", "", "loss"),
                                      ("this example's loss", "", "lossx"),
                                      ("this example's target", "", "target")])
    for number, layer in enumerate(layers):
        for j, neuron in enumerate(layer.neurons):
            key = f"{number}_{j}"
            lines: list[tuple[str, str | list[str], str]] = [
                ("activation", neuron.activation, ""), ("z = w·x + b", "", f"z{key}"),
                (f"a = {neuron.activation}(z)", "", f"a{key}"), ("δ = dL/dz", "", f"d{key}")]
            if neuron.b is not None:
                lines += [("bias b", "", f"b{key}"), ("dL/db", "", f"gb{key}")]
            cards[f"n{key}"] = InfoCard(f"layers.{number}.neurons.{j}", lines)
            source = "x" if number == 0 else f"layers.{number - 1}.neurons."
            for i, weight in enumerate(neuron.w):
                cards[f"w{key}_{i}"] = InfoCard(weight.label or "weight", [
                    ("from → to", f"{source}{i} → layers.{number}.neurons.{j}", ""),
                    ("w", "", f"w{key}_{i}"), ("dL/dw", "", f"gw{key}_{i}")])
    return cards


def _initial(layers: list[Layer], examples: list[list[float]], targets: Sequence[Any],
             precision: int) -> list[tuple[str, str | list[str]]]:
    """Step 0: the inputs, the targets and the parameters before training."""
    initial: list[tuple[str, str | list[str]]] = [
        (f"x{i}", [format_number(example[i], precision) for example in examples])
        for i in range(layers[0].nin)]
    initial.append(("target", [_target_text(target, precision) for target in targets]))
    for number, layer in enumerate(layers):
        for j, neuron in enumerate(layer.neurons):
            initial += [(f"w{number}_{j}_{i}", format_number(weight.data, precision))
                        for i, weight in enumerate(neuron.w)]
            if neuron.b is not None:
                initial.append((f"b{number}_{j}", format_number(neuron.b.data, precision)))
    return initial


def save_network_html(
    model: MLP | Layer,
    path: str | os.PathLike[str],
    inputs: Sequence[Sequence[float]] | Sequence[float],
    targets: Sequence[Any],
    *,
    loss: Callable[..., Value],
    optimizer: Any,
    steps: int = 1,
    precision: int = 4,
    title: str | None = None,
) -> Path:
    """Train ``model`` for ``steps`` steps and write a page that replays them.

    Each training step is ``optimizer.zero_grad()``; the forward pass of every example; the
    loss, the mean over the examples of ``loss(output, target)``; ``backward()``; and
    ``optimizer.step()``. The page (one self-contained HTML file, no network request) shows
    "step k of N" (N = ``steps`` × (2 × layers + 2)) and moves with the arrow keys, Home/End,
    buttons and a timeline: the activations layer by layer, the loss, the deltas and
    gradients layer by layer, and the new weights; the last step shows the weights after the
    last update. A menu picks the example whose activations and deltas are shown; clicking or
    hovering a neuron or weight shows its numbers. The model is trained for real: its weights
    are the last update's afterwards.

    Args:
        model: an ``nn.MLP`` or an ``nn.Layer``.
        path: where to write the page (atomically).
        inputs: the examples, each ``model.nin`` real numbers (a bare number when it takes one).
        targets: one target per example, as ``loss`` takes it.
        loss: ``loss(output, target) -> Value`` for one example (e.g. ``nn.losses.mse``);
            ``output`` is what the model returns (one Value, or a list).
        optimizer: an ``nn.optim`` optimiser over the model's parameters.
        steps: training steps to record (at least 1).
        precision: significant digits of the numbers shown.
        title: the page's heading.

    Returns:
        The path written.

    Raises:
        TypeError: the model is not an MLP or a Layer, the optimiser has no ``step`` and
            ``zero_grad``, or ``loss`` does not return a Value.
        ValueError: ``steps`` or ``precision`` is below 1, inputs and targets do not match
            the model or each other, or the page would be too large
            (:data:`MAX_PAGE_NEURONS`, :data:`MAX_PAGE_WEIGHTS`, :data:`MAX_PAGE_NUMBERS`).
        autograd.viz.GraphvizNotFoundError: the ``dot`` program is missing.
    """
    layers = _layers_of(model)
    steps = require_count(f"{_NAME}: steps", steps, 1)
    precision = require_count(f"{_NAME}: precision", precision, 1)
    if not (callable(getattr(optimizer, "step", None))
            and callable(getattr(optimizer, "zero_grad", None))):
        raise TypeError(f"{_NAME}: optimizer must have step() and zero_grad() (an nn.optim "
                        f"optimiser), got {type(optimizer).__name__}")
    if not callable(loss):
        raise TypeError(f"{_NAME}: loss must be a callable loss(output, target) -> Value, "
                        f"got {type(loss).__name__}")
    examples = _examples(inputs, targets, layers[0].nin)
    _check_size(layers, len(examples), steps)
    look = _Look.of(layers)
    svg = _drawing(layers, look, precision).pipe(format="svg", encoding="utf-8")
    initial = _initial(layers, examples, targets, precision)
    recorder = _Recorder(layers, examples, targets, precision)
    recorder.run(loss, optimizer, steps)
    sizes = "-".join(str(size) for size in [layers[0].nin, *(layer.nout for layer in layers)])
    page = PageData(
        title=title if title is not None else f"Training a {sizes} network, step by step",
        subtitle=(f"{steps} training step(s) on {len(examples)} example(s), recorded by "
                  "chainrule's engine: forward layer by layer, the loss, backward layer by "
                  "layer, then the optimiser's update."),
        svg=svg, bindings=_bindings(layers, look), initial=initial,
        steps=[Step("step 0, before training: the inputs and the initial weights"),
               *recorder.steps],
        info=_cards(layers), timeline=recorder.timeline,
        hint="Click or hover a neuron or a weight to see its numbers; the menu above picks the "
             "example whose activations and deltas are shown.",
        examples=[f"example {k}: x = ({', '.join(format_number(x, precision) for x in row)})"
                  f", target {_target_text(targets[k], precision)}"
                  for k, row in enumerate(examples)])
    target = Path(path)
    write_atomically(target, render_page(page).encode("utf-8"))
    return target

