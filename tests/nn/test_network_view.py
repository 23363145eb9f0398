"""draw_network: the tutorial picture of an MLP, read back from its DOT source and rendered SVG."""

from __future__ import annotations

import html
import math
import re
import subprocess

import pytest

import autograd
import nn

EDGE = re.compile(r'^\s*(\w+) -> (\w+) \[(.*)\]$')
WEIGHT_LABEL = re.compile(r'(?:head|tail)label="([^"]*)"')
NODE_CAPTION = re.compile(r'^\s*(\w+) \[.*xlabel="([^"]*)"')


def two_two_one(backward: bool) -> nn.MLP:
    """A linear 2-2-1 net with hand-picked weights, optionally after backward at x = (1, 2).

    h0 = 0.5*1 - 1*2 + 0.25 = -1.25,  h1 = 2*1 + 0.5*2 - 1 = 2,  out = 1.5*h0 - 0.5*h1 + 0.125
    d out / d(w to h0) = 1.5 * x = (1.5, 3),  d/db0 = 1.5
    d out / d(w to h1) = -0.5 * x = (-0.5, -1),  d/db1 = -0.5
    d out / d(w to out) = (h0, h1) = (-1.25, 2),  d/dc = 1
    """
    model = nn.MLP(2, [2, 1], activation="linear", seed=0)
    values = [0.5, -1.0, 0.25, 2.0, 0.5, -1.0, 1.5, -0.5, 0.125]
    for parameter, number in zip(model.parameters(), values, strict=True):
        parameter.data = number
    if backward:
        model([1.0, 2.0]).backward()
    return model


def edges(source: str) -> dict[tuple[str, str], str]:
    found = {}
    for line in source.splitlines():
        match = EDGE.match(line)
        label = WEIGHT_LABEL.search(match.group(3)) if match else None
        if match and label:
            found[(match.group(1), match.group(2))] = label.group(1)
    return found


def captions(source: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in map(NODE_CAPTION.match, source.splitlines()) if m}


def test_each_of_the_six_weights_is_written_on_its_edge() -> None:
    found = edges(nn.draw_network(two_two_one(backward=False)).source)
    assert {edge: label.split("\\n")[0] for edge, label in found.items()} == {
        ("x0", "layer0_neuron0"): "w=0.5",
        ("x1", "layer0_neuron0"): "w=-1",
        ("x0", "layer0_neuron1"): "w=2",
        ("x1", "layer0_neuron1"): "w=0.5",
        ("layer0_neuron0", "layer1_neuron0"): "w=1.5",
        ("layer0_neuron1", "layer1_neuron0"): "w=-0.5",
    }


def test_each_of_the_three_biases_is_written_by_its_neuron() -> None:
    found = captions(nn.draw_network(two_two_one(backward=False)).source)
    assert found == {"layer0_neuron0": "b=0.25", "layer0_neuron1": "b=-1",
                     "layer1_neuron0": "b=0.125"}


def test_gradients_are_not_shown_before_backward() -> None:
    assert "grad=" not in nn.draw_network(two_two_one(backward=False)).source


def test_after_backward_each_weight_shows_its_gradient() -> None:
    found = edges(nn.draw_network(two_two_one(backward=True)).source)
    assert {edge: label.split("\\n")[1] for edge, label in found.items()} == {
        ("x0", "layer0_neuron0"): "grad=1.5",
        ("x1", "layer0_neuron0"): "grad=3",
        ("x0", "layer0_neuron1"): "grad=-0.5",
        ("x1", "layer0_neuron1"): "grad=-1",
        ("layer0_neuron0", "layer1_neuron0"): "grad=-1.25",
        ("layer0_neuron1", "layer1_neuron0"): "grad=2",
    }


def test_after_backward_each_bias_shows_its_gradient() -> None:
    found = captions(nn.draw_network(two_two_one(backward=True)).source)
    assert found == {"layer0_neuron0": "b=0.25\\ngrad=1.5", "layer0_neuron1": "b=-1\\ngrad=-0.5",
                     "layer1_neuron0": "b=0.125\\ngrad=1"}


def test_edges_are_coloured_red_for_positive_and_blue_for_negative_gradients() -> None:
    source = nn.draw_network(two_two_one(backward=True)).source
    line_for = {(m.group(1), m.group(2)): m.group(3)
                for m in map(EDGE.match, source.splitlines()) if m}
    assert 'color="#d62728' in line_for[("x1", "layer0_neuron0")]  # gradient +3 (the largest)
    assert 'color="#1f77b4' in line_for[("x1", "layer0_neuron1")]  # gradient -1
    assert "penwidth=4.00" in line_for[("x1", "layer0_neuron0")]


def test_neurons_of_a_layer_share_a_rank_left_to_right() -> None:
    source = nn.draw_network(two_two_one(backward=False)).source
    assert "rankdir=LR" in source
    assert source.count("rank=same") == 3  # inputs, hidden layer, output layer


def test_rendered_svg_shows_weights_biases_and_gradients() -> None:
    source = nn.draw_network(two_two_one(backward=True)).source
    svg = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, text=True,
                         check=True).stdout
    texts = [html.unescape(text) for text in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    for expected in ["w=0.5", "w=-1", "w=2", "w=1.5", "w=-0.5", "b=0.25", "b=-1", "b=0.125",
                     "grad=1.5", "grad=3", "grad=-0.5", "grad=-1", "grad=-1.25", "grad=2",
                     "grad=1"]:
        assert expected in texts, expected


def test_a_net_without_biases_has_no_bias_captions() -> None:
    source = nn.draw_network(nn.MLP(2, [2, 1], bias=False, seed=0)).source
    assert "b=" not in source and source.count("w=") == 6


def test_a_large_model_is_summarised_with_a_clear_message() -> None:
    source = nn.draw_network(nn.MLP(10, [30, 30, 1], seed=0)).source
    assert "summarised: 71 neurons is more than max_neurons=40" in source
    assert "max_neurons=71" in source
    assert "w=" not in source
    assert "30 neurons, relu" in source


def test_max_neurons_can_be_raised_to_draw_every_neuron() -> None:
    source = nn.draw_network(nn.MLP(10, [30, 30, 1], seed=0), max_neurons=71).source
    assert source.count("w=") == 10 * 30 + 30 * 30 + 30


def test_a_convolutional_model_is_refused_with_a_pointer_to_draw_graph() -> None:
    model = nn.Sequential(nn.Conv2d(1, 1, 2, seed=0), nn.Flatten(), nn.Layer(4, 1, seed=0))
    with pytest.raises(TypeError, match="item 0 is a Conv2d.*autograd.viz.draw_graph"):
        nn.draw_network(model)


def rendered_tooltips(source: str) -> list[str]:
    """The edge tooltips of the SVG that Graphviz's dot makes of ``source`` (dot must accept
    the source: check=True raises on a syntax error)."""
    svg = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, text=True,
                         check=True).stdout
    return [html.unescape(title) for title in re.findall(r'xlink:title="([^"]*)"', svg)]


@pytest.mark.parametrize(
    "label", ["weight\\", "<b>w</b>", 'say "w"', "a\\nb", "w{1}|<p>"],
    ids=["trailing backslash", "html", "quotes", "backslash n", "record specials"],
)
def test_a_parameter_label_reaches_the_drawing_as_written(label: str) -> None:
    model = two_two_one(backward=True)
    model.layers[1].neurons[0].w[0].label = label
    assert label in rendered_tooltips(nn.draw_network(model).source)


def test_an_infinite_gradient_is_written_as_inf_on_the_strongest_edge() -> None:
    model = two_two_one(backward=True)
    model.layers[0].neurons[1].w[0].grad = math.inf
    found = edges(nn.draw_network(model).source)
    assert found[("x0", "layer0_neuron1")].split("\\n")[1] == "grad=inf"
    source = nn.draw_network(model).source
    line = next(line for line in source.splitlines() if "x0 -> layer0_neuron1" in line)
    assert 'color="#d62728ff"' in line and "penwidth=4.00" in line


def test_finite_gradients_keep_their_shades_beside_an_infinite_one() -> None:
    # the largest finite gradient is +3 (x1 -> layer0_neuron0): still the full width
    model = two_two_one(backward=True)
    model.layers[0].neurons[1].w[0].grad = -math.inf
    source = nn.draw_network(model).source
    line = next(line for line in source.splitlines() if "x1 -> layer0_neuron0" in line)
    assert "penwidth=4.00" in line


def test_a_nan_gradient_is_written_as_nan_in_grey() -> None:
    model = two_two_one(backward=True)
    model.layers[1].neurons[0].w[1].grad = math.nan
    source = nn.draw_network(model).source
    line = next(line for line in source.splitlines() if "layer0_neuron1 -> layer1_neuron0" in line)
    assert "grad=nan" in line and 'color="#7f7f7f40"' in line


def segment_distance(point: tuple[float, float], start: tuple[float, float],
                     end: tuple[float, float]) -> float:
    """The distance from ``point`` to the segment from ``start`` to ``end``."""
    (px, py), (ax, ay), (bx, by) = point, start, end
    dx, dy = bx - ax, by - ay
    share = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + share * dx), py - (ay + share * dy))


def weight_labels_off_their_edges(svg: str, tolerance: float) -> list[str]:
    """The weight labels of a rendered drawing whose centre lies more than ``tolerance``
    points from the straight edge they belong to. A label's centre: its texts' anchor x (they
    are centred) and the middle of its lines (a baseline sits about 0.3 em below the middle
    of its line)."""
    off = []
    chunks = re.split(r'class="(edge|node)"', svg)  # an element's SVG up to the next one
    for group in (chunk for kind, chunk in zip(chunks[1::2], chunks[2::2], strict=True)
                  if kind == "edge"):
        texts = re.findall(r'<text text-anchor="middle" x="([-\d.]+)" y="([-\d.]+)"[^>]*'
                           r'font-size="([\d.]+)">([^<]*)</text>', group)
        if not any(html.unescape(text[3]).startswith("w=") for text in texts):
            continue
        numbers = [float(n) for n in re.findall(r"-?\d+\.?\d*", re.search(
            r'<path [^>]*d="([^"]*)"', group).group(1))]
        start, end = (numbers[0], numbers[1]), (numbers[-2], numbers[-1])
        x = sum(float(text[0]) for text in texts) / len(texts)
        y = sum(float(text[1]) - 0.3 * float(text[2]) for text in texts) / len(texts)
        if segment_distance((x, y), start, end) > tolerance:
            off.append(texts[0][3])
    return off


@pytest.mark.parametrize("sizes", [[2, 2, 1], [2, 4, 4, 1], [3, 6, 2], [4, 2, 6, 1]],
                         ids=["2-2-1", "2-4-4-1", "3-6-2", "4-2-6-1"])
def test_each_weight_label_sits_on_its_own_edge(sizes: list[int]) -> None:
    model = nn.MLP(sizes[0], sizes[1:], seed=0)
    output = model([1.0] * sizes[0])
    (autograd.sum(output) if isinstance(output, list) else output).backward()
    source = nn.draw_network(model).source
    svg = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, text=True,
                         check=True).stdout
    weights = sum(layer.nin * layer.nout for layer in model.layers)
    assert svg.count(">w=") == weights
    assert weight_labels_off_their_edges(svg, tolerance=3.0) == []
