"""``draw_network``: an MLP drawn the way backpropagation tutorials draw it.

Input, hidden and output neurons are circles in columns, one column per layer, left to right.
Each weight is written on its edge (``w=...``, on the edge's own line, by the wider of the two
columns it joins: see :func:`label_place`) and each bias beside its neuron (``b=...``). Once
``backward()`` has run, each weight's and bias's gradient is written under it (``grad=...``) and
every edge is coloured by its gradient: red where the gradient is positive (gradient descent will
lower that weight), blue where it is negative, stronger and thicker for larger magnitudes.

This is the *network* view (neurons and weights). The *computational graph* view (one node per
operation) is ``autograd.viz.draw_graph``.

A drawing with more than ``max_neurons`` neurons would be a hairball, so it is summarised instead:
one box per layer with its width, activation and parameter count, and a caption saying how to
ask for the full drawing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autograd import Value

from .layers import MLP, Layer, Sequential
from .module import Module

if TYPE_CHECKING:
    import graphviz

#: Above this many neurons (inputs included) the drawing is summarised per layer.
MAX_NEURONS = 40

#: A weight's label sits on its edge, its centre this many points from the end of the edge at
#: the wider column: from :data:`_NEAREST` for the first neuron at the other end to
#: :data:`_FARTHEST` for the last, so that the labels of the edges that meet at a neuron are
#: spread along the gap between the columns instead of piling up where the edges meet.
_NEAREST, _FARTHEST = 40.0, 120.0


def label_place(source: int, target: int, inputs: int, outputs: int) -> dict[str, str]:
    """Graphviz attributes that put the label of the weight from input ``source`` of
    ``inputs`` to neuron ``target`` of ``outputs`` on its edge.

    A head (or tail) label at ``labelangle=0`` is centred on the straight edge
    (``splines=line``), ``labeldistance`` tens of points from that end, and takes no room in
    the layout; an ordinary edge label is a node of the layout that Graphviz sets beside the
    edge, away from it where edges cross. The label sits by the wider column, where the edges
    are far apart: by the head when the layer is at least as wide as its input.

    Returns:
        ``{"end": "head" or "tail", "labelangle": ..., "labeldistance": ...}``.
    """
    end, position, count = (("head", source, inputs) if outputs >= inputs
                            else ("tail", target, outputs))
    share = position / (count - 1) if count > 1 else 0.5
    distance = _NEAREST + share * (_FARTHEST - _NEAREST)
    return {"end": end, "labelangle": "0", "labeldistance": f"{distance / 10:.2f}"}


def weight_label(place: dict[str, str], text: str) -> dict[str, str]:
    """The edge attributes of a weight labelled ``text`` where ``place`` (from
    :func:`label_place`) says."""
    attributes = {key: value for key, value in place.items() if key != "end"}
    attributes[f"{place['end']}label"] = text
    return attributes


def _layers_of(model: Module | Sequence[Layer]) -> list[Layer]:
    if isinstance(model, MLP):
        layers = list(model.layers)
    elif isinstance(model, Layer):
        layers = [model]
    elif isinstance(model, Sequential | list | tuple):
        items = model.layers if isinstance(model, Sequential) else list(model)
        for index, item in enumerate(items):
            if not isinstance(item, Layer):
                raise TypeError(
                    f"draw_network draws fully connected layers, but item {index} is a "
                    f"{type(item).__name__}; draw its computational graph with "
                    "autograd.viz.draw_graph instead"
                )
        layers = [item for item in items if isinstance(item, Layer)]
    else:
        raise TypeError(
            f"draw_network draws an MLP, a Layer or a Sequential of Layers, got "
            f"{type(model).__name__}"
        )
    if not layers:
        raise ValueError("draw_network: the model has no layers to draw")
    for index in range(1, len(layers)):
        if layers[index].nin != layers[index - 1].nout:
            raise ValueError(
                f"draw_network: layer {index} expects {layers[index].nin} inputs but layer "
                f"{index - 1} has {layers[index - 1].nout} neurons"
            )
    return layers


def _as_float(x: Any) -> float:
    """The number a Value holds (a gradient may be a Value after create_graph), or x as a float."""
    return x.data if isinstance(x, Value) else float(x)


def _short(x: float) -> str:
    return f"{x:.4g}"


def _strength(gradient: float, largest: float) -> float:
    """``|gradient| / largest`` in [0, 1], ``largest`` being the largest finite magnitude: an
    infinite gradient is the strongest (1), a NaN the weakest (0)."""
    if math.isnan(gradient):
        return 0.0
    if math.isinf(gradient):
        return 1.0
    return min(abs(gradient) / largest, 1.0) if largest > 0.0 else 0.0


def _gradient_colour(gradient: float, largest: float) -> str:
    """Red for positive, blue for negative (grey for 0 and NaN); opacity grows with
    :func:`_strength`."""
    alpha = int(0x40 + _strength(gradient, largest) * 0xBF)
    base = "d62728" if gradient > 0.0 else "1f77b4" if gradient < 0.0 else "7f7f7f"
    return f"#{base}{alpha:02x}"


def draw_network(
    model: Module | Sequence[Layer],
    *,
    show_gradients: bool | None = None,
    max_neurons: int = MAX_NEURONS,
    rankdir: str = "LR",
) -> graphviz.Digraph:
    """Draw a fully connected network as neurons (circles) joined by weighted edges.

    Args:
        model: an ``MLP``, a ``Layer``, or a ``Sequential`` (or list) of Layers.
        show_gradients: write gradients and colour edges by them; by default, whenever some
            parameter has a non-zero gradient (that is, after ``backward()``).
        max_neurons: above this many neurons (inputs included) draw one box per layer instead.
        rankdir: ``"LR"`` (layers left to right, the tutorial picture) or ``"TB"``.

    Returns:
        A ``graphviz.Digraph``; it renders inline in Jupyter, ``.source`` is its DOT text and
        ``.render(...)`` writes SVG/PNG (that needs the Graphviz ``dot`` program).

    Raises:
        ImportError: the ``graphviz`` Python package is missing (``pip install 'chainrule[viz]'``,
            from a checkout ``pip install -e '.[viz]'``).
        TypeError: the model is not made of fully connected layers.
        ValueError: consecutive layers do not fit together.
    """
    try:  # autograd.viz's Graph renders through autograd.viz.set_renderer when one is set
        import graphviz  # noqa: F401 (checked here: autograd.viz may be imported already)

        from autograd.viz import Graph
    except ImportError:
        raise ImportError(
            "draw_network needs the graphviz Python package: pip install 'chainrule[viz]' "
            "(from a checkout: pip install -e '.[viz]'); rendering also needs the Graphviz "
            "'dot' program"
        ) from None
    layers = _layers_of(model)
    parameters = [value for layer in layers for value in layer.parameters()]
    gradients = [_as_float(value.grad) for value in parameters]
    if show_gradients is None:
        show_gradients = any(gradient != 0.0 for gradient in gradients)
    largest = max((abs(g) for g in gradients if math.isfinite(g)), default=0.0)
    neurons = layers[0].nin + sum(layer.nout for layer in layers)

    graph = Graph("network")
    graph.attr(rankdir=rankdir, splines="line", nodesep="0.5", ranksep="1.8", forcelabels="true",
               ordering="out")
    graph.attr("node", fontname="Helvetica", fontsize="11")
    graph.attr("edge", fontname="Helvetica", fontsize="9", arrowsize="0.6")
    if neurons > max_neurons:
        _draw_summary(graph, layers, neurons, max_neurons, show_gradients, largest)
        return graph

    sources = _draw_inputs(graph, layers[0].nin)
    for number, layer in enumerate(layers):
        output_layer = number == len(layers) - 1
        names = _draw_neurons(graph, number, layer, output_layer, show_gradients)
        for j, (name, neuron) in enumerate(zip(names, layer.neurons, strict=True)):
            for i, (source, weight) in enumerate(zip(sources, neuron.w, strict=True)):
                place = label_place(i, j, layer.nin, layer.nout)
                _draw_weight(graph, source, name, weight, place, show_gradients, largest)
        sources = names
    caption = "edge label: weight w; neuron caption: bias b"
    if show_gradients:
        caption += "; grad = d(output)/d(parameter); edge colour: red > 0, blue < 0"
    graph.attr(label=caption, labelloc="b", fontname="Helvetica", fontsize="10")
    return graph


def _draw_inputs(graph: graphviz.Digraph, count: int) -> list[str]:
    """One column of input circles ``x0 .. x<count-1>``; their node names."""
    names = [f"x{index}" for index in range(count)]
    with graph.subgraph(name="inputs") as column:
        column.attr(rank="same")
        for name in names:
            column.node(name, name, shape="circle", style="filled", fillcolor="#dbe9f6",
                        width="0.6", fixedsize="true")
    return names


def _draw_neurons(graph: graphviz.Digraph, number: int, layer: Layer, output_layer: bool,
                  show_gradients: bool) -> list[str]:
    """One column of neuron circles for layer ``number``, each with its bias caption; their
    node names."""
    names = [f"layer{number}_neuron{index}" for index in range(layer.nout)]
    with graph.subgraph(name=f"layer{number}") as column:
        column.attr(rank="same")
        for index, (name, neuron) in enumerate(zip(names, layer.neurons, strict=True)):
            caption = ""
            if neuron.b is not None:
                caption = f"b={_short(neuron.b.data)}"
                if show_gradients:
                    caption += f"\\ngrad={_short(_as_float(neuron.b.grad))}"
            column.node(
                name, neuron.activation, xlabel=caption, shape="circle", style="filled",
                fillcolor="#fff2cc" if output_layer else "#ffffff", width="0.7",
                fixedsize="true", tooltip=f"layers.{number}.neurons.{index}",
            )
    return names


def _draw_weight(graph: graphviz.Digraph, source: str, target: str, weight: Value,
                 place: dict[str, str], show_gradients: bool, largest: float) -> None:
    """The edge of one weight: its number (where ``place`` says), and its gradient as text,
    colour and width."""
    import graphviz

    from autograd.viz import escape_text

    label = f"w={_short(weight.data)}"
    attributes = {"tooltip": graphviz.nohtml(escape_text(weight.label or "weight"))}
    if show_gradients:
        gradient = _as_float(weight.grad)
        label += f"\\ngrad={_short(gradient)}"
        attributes["color"] = _gradient_colour(gradient, largest)
        attributes["penwidth"] = f"{1.0 + 3.0 * _strength(gradient, largest):.2f}"
    graph.edge(source, target, **weight_label(place, label), **attributes)


def _draw_summary(graph: graphviz.Digraph, layers: list[Layer], neurons: int, max_neurons: int,
                  show_gradients: bool, largest: float) -> None:
    graph.node("inputs", f"inputs\\n{layers[0].nin} values", shape="box", style="rounded,filled",
               fillcolor="#dbe9f6")
    previous = "inputs"
    for number, layer in enumerate(layers):
        count = len(layer.parameters())
        text = f"layers.{number}\\n{layer.nout} neurons, {layer.activation}\\n{count} parameters"
        if show_gradients:
            biggest = max(abs(_as_float(value.grad)) for value in layer.parameters())
            text += f"\\nmax |grad| = {_short(biggest)}"
        graph.node(f"layer{number}", text, shape="box", style="rounded,filled",
                   fillcolor="#fff2cc" if number == len(layers) - 1 else "#ffffff")
        graph.edge(previous, f"layer{number}", label=f"{layer.nin}x{layer.nout} weights")
        previous = f"layer{number}"
    graph.attr(
        label=f"summarised: {neurons} neurons is more than max_neurons={max_neurons}; "
        f"call draw_network(model, max_neurons={neurons}) to draw every neuron",
        labelloc="b", fontname="Helvetica", fontsize="10",
    )
