"""Drawing graphs: DOT snapshots, SVG rendered by the real ``dot``, the chain-rule view,
colouring, collapsing large graphs, and the error without Graphviz.

Expected numbers are worked out by hand in comments. The neuron is the one of Karpathy's
micrograd lecture ("The spelled-out intro to neural networks and backpropagation"):
x1=2, x2=0, w1=-3, w2=1, b=6.8813735870195432, o = tanh(x1*w1 + x2*w2 + b) = 0.7071 with
published gradients x1: -1.5, w1: 1, x2: 0.5, w2: 0, b: 0.5.
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from graphs import neuron

from autograd import Value, dot
from autograd import sum as value_sum
from autograd.viz import GraphvizNotFoundError, draw_graph, save_graph

SNAPSHOTS = Path(__file__).parent / "snapshots"
SVG = "{http://www.w3.org/2000/svg}"


def svg_tree(graph) -> ET.Element:
    return ET.fromstring(graph.pipe(format="svg"))


def svg_nodes(root: ET.Element) -> dict[str, list[str]]:
    """Node id -> the texts drawn in it."""
    return {
        group.find(f"{SVG}title").text: [text.text for text in group.iter(f"{SVG}text")]
        for group in root.iter(f"{SVG}g") if group.get("class") == "node"
    }


def svg_edges(root: ET.Element) -> list[tuple[str, list[str]]]:
    """(edge title 'a->b', its label texts) for every edge, in drawing order."""
    return [
        (group.find(f"{SVG}title").text, [text.text for text in group.iter(f"{SVG}text")])
        for group in root.iter(f"{SVG}g") if group.get("class") == "edge"
    ]


def drawn_ids(source: str) -> list[str]:
    return re.findall(r"^\t(v\d+(?:_op)?|s\d+) \[", source, re.M)


# ------------------------------------------------------------------------------ snapshots


def test_neuron_chain_rule_view_matches_the_dot_snapshot():
    o, _ = neuron()
    o.backward()
    expected = (SNAPSHOTS / "neuron_chain_rule.dot").read_text(encoding="utf-8")
    assert draw_graph(o, show_local_grads=True).source == expected


def test_operand_used_twice_matches_the_dot_snapshot():
    a = Value(3.0, label="a")
    square = a * a
    square.backward()
    expected = (SNAPSHOTS / "operand_twice.dot").read_text(encoding="utf-8")
    assert draw_graph(square).source == expected


def test_record_special_characters_match_the_dot_snapshot():
    tricky = Value(1.0, label='a|b{c}<d>"e"\\f\ng')
    out = tricky.leaky_relu(0.2)
    expected = (SNAPSHOTS / "escaped_labels.dot").read_text(encoding="utf-8")
    assert draw_graph(out, show_grad=False, rankdir="TB").source == expected


def test_source_is_the_same_on_every_build():
    first, _ = neuron()
    second, _ = neuron()
    assert draw_graph(first).source == draw_graph(second).source


def test_value_graph_method_is_draw_graph():
    o, _ = neuron()
    assert o.graph(show_local_grads=True).source == draw_graph(o, show_local_grads=True).source


# ------------------------------------------------------------------------------ rendered SVG


def test_rendered_svg_has_a_record_per_value_and_a_node_per_op():
    o, _ = neuron()
    o.backward()
    nodes = svg_nodes(svg_tree(draw_graph(o)))
    # 5 leaves; 5 op results (x1*w1, x2*w2, +, +b, tanh), each with its op node: 5 + 2*5.
    assert len(nodes) == 15
    assert sum(1 for name in nodes if name.endswith("_op")) == 5


def test_rendered_svg_shows_labels_data_and_published_gradients():
    o, _ = neuron()
    o.backward()
    records = {texts[0]: texts[1:] for texts in svg_nodes(svg_tree(draw_graph(o))).values()
               if len(texts) == 3}
    assert records["x1"] == ["data 2", "grad -1.5"]
    assert records["w1"] == ["data -3", "grad 1"]
    assert records["x2"] == ["data 0", "grad 0.5"]
    assert records["w2"] == ["data 1", "grad 0"]
    assert records["b"] == ["data 6.881", "grad 0.5"]
    assert records["o"] == ["data 0.7071", "grad 1"]  # tanh(0.8814) = 1/sqrt(2)


def test_rendered_labels_survive_escaping():
    tricky = Value(1.0, label='a|b{c}<d>"e"\\f\ng')
    texts = [text for texts in svg_nodes(svg_tree(draw_graph(tricky))).values() for text in texts]
    # The newline starts a second line of text inside the same record field.
    assert texts[:2] == ['a|b{c}<d>"e"\\f', "g"]


def test_precision_sets_significant_digits():
    x = Value(1.0 / 3.0, label="x")
    texts = svg_nodes(svg_tree(draw_graph(x, precision=2)))["v0"]
    assert texts == ["x", "data 0.33", "grad 0"]


# ------------------------------------------------------------------------------ chain-rule view


def test_chain_rule_edge_labels_are_the_local_derivatives_of_the_neuron():
    o, _ = neuron()
    edges = dict(svg_edges(svg_tree(draw_graph(o, show_local_grads=True))))
    # Ids in topological order: v0 x1, v1 w1, v2 x1*w1, v3 x2, v4 w2, v5 x2*w2, v6 sum,
    # v7 b, v8 n, v9 o.
    assert edges["v0->v2_op"] == ["-3"]  # d(x1*w1)/dx1 = w1
    assert edges["v1->v2_op"] == ["2"]  # d(x1*w1)/dw1 = x1
    assert edges["v3->v5_op"] == ["1"]  # d(x2*w2)/dx2 = w2
    assert edges["v4->v5_op"] == ["0"]  # d(x2*w2)/dw2 = x2
    assert edges["v2->v6_op"] == edges["v5->v6_op"] == ["1"]  # addition
    assert edges["v8->v9_op"] == ["0.5"]  # 1 - tanh(n)**2 = 1 - 1/2
    assert edges["v9_op->v9"] == []  # op to result: no number


def test_chain_rule_edge_labels_of_pow_sin_and_division():
    x = Value(2.0, label="x")
    y = Value(0.0, label="y")
    out = x**3 / (y.sin() + 4.0)
    source = draw_graph(out, show_local_grads=True).source
    labels = dict(re.findall(r"^\t(\S+ -> \S+) \[label=\"?([^\"\]]+)\"?\]", source, re.M))
    # ids: v0 x, v1 x**3, v2 y, v3 sin y, v4 const 4, v5 sin y + 4, v6 out
    assert labels["v0 -> v1_op"] == "12"  # 3 x**2 at 2
    assert labels["v2 -> v3_op"] == "1"  # cos(0)
    assert labels["v1 -> v6_op"] == "0.25"  # d(a/b)/da = 1/b = 1/4
    assert labels["v5 -> v6_op"] == "-0.5"  # d(a/b)/db = -a/b**2 = -8/16


def test_operand_used_twice_draws_two_edges_with_their_local_derivatives():
    a = Value(3.0, label="a")
    edges = svg_edges(svg_tree(draw_graph(a * a, show_local_grads=True)))
    assert [edge for edge in edges if edge[0] == "v0->v1_op"] == [("v0->v1_op", ["3"])] * 2


def test_undefined_local_derivative_is_labelled_not_raised():
    x = Value(0.0, label="x")
    source = draw_graph(x.sqrt(), show_local_grads=True).source
    assert "v0 -> v1_op [label=undefined]" in source  # d sqrt(x)/dx = 1/(2 sqrt 0)


# ------------------------------------------------------------------------------ colour


def fill_colours(source: str) -> dict[str, str]:
    return dict(re.findall(r"^\t(v\d+) \[.*?fillcolor=(\w+)", source, re.M))


def test_colour_classes_follow_decades_of_the_largest_gradient():
    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(5.0, label="c")
    out = a + b * 0.001 + c * 0.0
    out.backward()
    colours = fill_colours(draw_graph(out, color_by_grad=True).source)
    # grad a = 1 (the largest: class 5), grad b = 0.001 (1e-3 of it: class 2), grad c = 0.
    assert colours["v0"] == "5"
    assert colours["v1"] == "2"
    assert colours[re.search(r"\t(v\d+) \[label=\"\{c\|", draw_graph(out).source)[1]] == "white"


def test_colour_legend_is_drawn_with_the_palette():
    o, _ = neuron()
    o.backward()
    source = draw_graph(o, color_by_grad=True).source
    assert "subgraph cluster_legend" in source
    assert 'legend5 [label="(0.15, 1.5]" colorscheme=ylorrd5 fillcolor=5' in source


# ------------------------------------------------------------------------------ large graphs


def hidden_count(source: str) -> int:
    return sum(int(number) for number in re.findall(r"(\d+) (?:nodes hidden|more nodes)",
                                                     source))


def visible_values(source: str) -> int:
    return len(re.findall(r"^\tv\d+ \[", source, re.M))


def test_small_graph_is_not_collapsed():
    o, _ = neuron()
    assert "nodes hidden" not in draw_graph(o, max_nodes=15).source


def test_long_chain_collapses_to_at_most_max_nodes_and_counts_what_it_hides():
    x = Value(0.5, label="x")
    y = x
    for _ in range(10_000):
        y = y.sin()
    source = draw_graph(y, max_nodes=60).source
    assert 40 <= len(drawn_ids(source)) <= 60
    assert "chain of" in source
    assert visible_values(source) + hidden_count(source) == 10_001
    assert '[label="{x|' in source  # both ends stay visible


def test_wide_sum_collapses_its_middle_inputs():
    values = [Value(float(index), label=f"x{index}") for index in range(1000)]
    source = draw_graph(value_sum(values), max_nodes=30).source
    assert 20 <= len(drawn_ids(source)) <= 30
    assert "more inputs of Σ" in source
    assert visible_values(source) + hidden_count(source) == 1001
    assert '"{x0|' in source and '"{x999|' in source  # first and last inputs kept


def test_graph_without_chains_or_fans_still_collapses_to_max_nodes():
    # A ladder: every node multiplies the two before it, so no chain and no fan.
    first, second = Value(1.0, label="a"), Value(1.0, label="b")
    for _ in range(300):
        first, second = second, first * second
    source = draw_graph(second, max_nodes=40).source
    assert len(drawn_ids(source)) <= 40
    assert visible_values(source) + hidden_count(source) == 302


def labelled_network() -> Value:
    """A 2-4-4-1 tanh network with nn-style dotted labels, built by hand."""
    inputs: list[Value] = [Value(0.5, label="in0"), Value(-1.0, label="in1")]
    layer = inputs
    for number, (nin, nout) in enumerate([(2, 4), (4, 4), (4, 1)]):
        outputs = []
        for neuron_number in range(nout):
            prefix = f"layers.{number}.neurons.{neuron_number}"
            weights = [Value(0.1 * (index + 1), label=f"{prefix}.w.{index}")
                       for index in range(nin)]
            bias = Value(0.0, label=f"{prefix}.b")
            outputs.append(dot(weights, layer, bias).tanh())
        layer = outputs
    return (layer[0] - 1.0) ** 2


def group_labels(source: str) -> list[str]:
    return re.findall(r'^\ts\d+ \[label="\{([^"]*)\}"', source, re.M)


def test_labelled_network_collapses_to_one_node_per_neuron():
    # Full drawing: 2 inputs + 41 parameters + 9 neurons * 2 values * 2 + loss (sub, pow) * 2.
    source = draw_graph(labelled_network(), max_nodes=20).source
    groups = group_labels(source)
    assert len(groups) == 9
    assert "layers.0.neurons.0|3 parameters|2 ops" in groups  # 2 weights + bias; affine, tanh
    assert "layers.1.neurons.3|5 parameters|2 ops" in groups
    assert len(drawn_ids(source)) <= 20


def test_labelled_network_collapses_to_layers_when_neurons_do_not_fit():
    source = draw_graph(labelled_network(), max_nodes=10).source
    assert group_labels(source) == ["layers.2|5 parameters|2 ops", "layers.1|20 parameters|8 ops",
                                    "layers.0|12 parameters|8 ops"]
    assert len(drawn_ids(source)) <= 10


def test_labels_without_digits_group_by_module_path():
    weights = [Value(1.0, label=f"L1.N{index}.w1") for index in range(30)]
    inputs = [Value(2.0, label=f"x{index}") for index in range(30)]
    products = [weight * value for weight, value in zip(weights, inputs, strict=True)]
    source = draw_graph(value_sum(products), max_nodes=70).source
    assert "L1.N0|1 parameters|1 ops" in group_labels(source)


# ------------------------------------------------------------------------------ second order


def test_gradients_that_are_values_show_their_data():
    x = Value(3.0, label="x")
    y = x**3
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    records = {texts[0]: texts[1:] for texts in svg_nodes(svg_tree(draw_graph(y))).values()
               if len(texts) == 3}
    assert records["x"] == ["data 3", "grad 27"]  # 3 x**2


def test_graph_of_a_second_derivative_draws():
    x = Value(3.0, label="x")
    (x**3).backward(create_graph=True)
    first_derivative = x.grad  # 3 x**2 = 27, a Value with its own graph
    nodes = svg_nodes(svg_tree(draw_graph(first_derivative)))
    texts = [text for texts in nodes.values() for text in texts]
    assert "x" in texts and "data 27" in texts
    assert any(name.endswith("_op") for name in nodes)


# ------------------------------------------------------------------------------ files and errors


def test_save_graph_writes_svg_and_no_stray_files(tmp_path):
    o, _ = neuron()
    written = save_graph(o, tmp_path / "neuron.svg")
    assert written == tmp_path / "neuron.svg"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["neuron.svg"]
    assert len(svg_nodes(ET.parse(written).getroot())) == 15


@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_save_graph_writes_binary_formats(tmp_path, suffix, magic):
    o, _ = neuron()
    written = save_graph(o, tmp_path / f"neuron{suffix}")
    assert written.read_bytes().startswith(magic)
    assert len(list(tmp_path.iterdir())) == 1


def test_save_graph_writes_dot_source(tmp_path):
    o, _ = neuron()
    written = save_graph(o, tmp_path / "neuron.dot", show_local_grads=True)
    assert written.read_text(encoding="utf-8") == draw_graph(o, show_local_grads=True).source


def test_save_graph_rejects_an_unknown_suffix(tmp_path):
    o, _ = neuron()
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf, \.dot"):
        save_graph(o, tmp_path / "neuron.jpg")


@pytest.fixture
def without_dot(tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return tmp_path


def test_without_dot_the_source_is_still_built(without_dot):
    o, _ = neuron()
    assert "v9_op [label=tanh" in draw_graph(o).source


def test_without_dot_rendering_raises_one_clear_error(without_dot):
    o, _ = neuron()
    with pytest.raises(GraphvizNotFoundError) as caught:
        draw_graph(o).pipe(format="svg")
    message = str(caught.value)
    assert "apt-get install graphviz" in message
    assert "brew install graphviz" in message
    assert "conda install -c conda-forge graphviz" in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_without_dot_jupyter_display_raises_the_clear_error(without_dot):
    o, _ = neuron()
    with pytest.raises(GraphvizNotFoundError, match="install the Graphviz 'dot' program"):
        draw_graph(o)._repr_mimebundle_()


def test_without_dot_save_graph_raises_and_leaves_no_file(without_dot):
    o, _ = neuron()
    folder = without_dot / "out"
    folder.mkdir()
    with pytest.raises(GraphvizNotFoundError):
        save_graph(o, folder / "neuron.svg")
    assert list(folder.iterdir()) == []


def test_engine_imports_without_graphviz():
    code = (
        "import sys; sys.modules['graphviz'] = None\n"
        "import autograd\n"
        "x = autograd.Value(2.0, label='x'); y = x * x\n"
        "print(autograd.explain(y).rows[-1].accumulated)\n"
        "try:\n    y.graph()\nexcept ImportError:\n    print('graph needs graphviz')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[2])
    assert result.stdout.split("\n")[:2] == ["4.0", "graph needs graphviz"]


def test_draw_graph_rejects_a_non_value():
    with pytest.raises(TypeError, match="draw_graph needs a Value"):
        draw_graph(3.0)  # type: ignore[arg-type]
