"""The browser pages as files: what they hold, what they refuse, and the shared naming rules.

The pages' behaviour in a real browser is tested in tests/pages/test_pages_browser.py; here the HTML
is read as text (and its JSON island parsed), and the errors are checked without a browser.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from graphs import neuron

import autograd
import nn
from autograd import Value
from autograd import sum as value_sum
from autograd.core.naming import expression, format_number, node_names, op_title
from autograd.viz import interactive, save_html, to_html

ROOT = Path(__file__).resolve().parents[2]


def island(page: str) -> dict[str, Any]:
    """The page's embedded data (the JSON island)."""
    match = re.search(r'<script type="application/json" id="cr-data">(.*?)</script>', page,
                      re.DOTALL)
    assert match, "no data island in the page"
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def hmkcode_model() -> nn.MLP:
    """HMKCODE's linear 2-2-1 network: h1 = 2*w1 + 3*w2, h2 = 2*w3 + 3*w4, out = h1*w5 + h2*w6."""
    model = nn.MLP(2, [2, 1], activation="linear", bias=False)
    for weight, number in zip(model.parameters(), [0.11, 0.21, 0.12, 0.08, 0.14, 0.15],
                              strict=True):
        weight.data = number
    return model


def half_squared_error(output: Value, target: float) -> Value:
    return 0.5 * (target - output) ** 2


# ------------------------------------------------------------------------------------- naming


def test_numbers_are_written_to_four_significant_digits_without_negative_zero() -> None:
    assert format_number(0.70710678, 4) == "0.7071"
    assert format_number(-0.0, 4) == "0"
    assert format_number(Value(-1.5), 4) == "-1.5"
    assert format_number(123456.0, 2) == "1.2e+05"


def test_unlabelled_nodes_are_named_by_their_topological_position() -> None:
    a = Value(2.0, label="a")
    b = a * 3.0
    names = node_names(b)
    assert names[a] == "a"
    assert names[b] == "v2"  # a, the constant 3 and then b


def test_op_titles_and_expressions_read_like_the_maths() -> None:
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    product, power, squashed = a * b, a ** 2, (a * b).tanh()
    names = {a: "a", b: "b", product: "p", power: "q", squashed: "t",
             squashed.parents[0]: "p2"}
    assert op_title(product) == "*"
    assert expression(product, names) == "a * b"
    assert expression(squashed, names) == "tanh(p2)"
    assert expression(power, names) == "a ** 2"
    assert op_title(a) == ""


def test_explain_and_the_drawing_name_nodes_alike() -> None:
    x = Value(1.5, label="x")
    y = (x * x).exp()
    rows = autograd.explain(y).rows
    source = autograd.viz.draw_graph(y).source
    for row in rows:
        assert re.search(rf"[{{\"]{re.escape(row.node)}\|", source), row.node


# ------------------------------------------------------------------------- missing graphviz


@pytest.mark.parametrize("call", [
    "import autograd.viz",
    "autograd.Value(1.0).graph()",
    "autograd.step_through(autograd.Value(1.0) * 2.0)",
])
def test_without_graphviz_rendering_says_which_extra_to_install(call: str) -> None:
    code = ("import sys; sys.modules['graphviz'] = None\n"
            "import autograd\n"
            f"try:\n    {call}\n"
            "except ImportError as error:\n"
            "    print(type(error).__name__, error)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT)
    assert result.stdout.startswith("ImportError ")  # not a bare ModuleNotFoundError
    assert "pip install 'chainrule[viz]'" in result.stdout


# ------------------------------------------------------------------------------ graph pages


def test_graph_page_has_one_step_per_op_each_way_plus_the_seed() -> None:
    o, _ = neuron()  # 5 ops: two products, two sums, tanh
    data = island(to_html(o))
    assert len(data["steps"]) == 1 + 5 + 1 + 5


def test_graph_page_embeds_the_lecture_gradients_in_its_last_steps() -> None:
    o, leaves = neuron()
    data = island(to_html(o))
    final: dict[str, str] = {}
    for step in data["steps"]:
        final.update(dict(step["changes"]))
    index = {node: i for i, node in
             enumerate(autograd.topological_order(o, include_leaves=True))}
    published = {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5}
    for name, gradient in published.items():
        shown = float(final[f"g{index[leaves[name]]}"])
        assert shown == pytest.approx(gradient, abs=5e-4), name
    assert final[f"d{index[o]}"] == "0.7071"


def test_graph_page_heading_holds_no_number_the_forward_pass_computes() -> None:
    o, _ = neuron()  # n = 0.8814, o = tanh(n) = 1/√2 = 0.7071: shown only from their steps
    page = to_html(o)
    heading = page[page.index("<header>"):page.index("</header>")]
    assert "0.7071" not in heading and "0.8814" not in heading
    assert "Backpropagation through o" in heading


def test_graph_page_adds_both_edges_of_an_operand_used_twice() -> None:
    a = Value(3.0, label="a")
    y = a + a  # dy/da = 1 + 1, by hand
    data = island(to_html(y))
    index = {node: i for i, node in enumerate(autograd.topological_order(y, include_leaves=True))}
    grads = [text for step in data["steps"] for key, text in step["changes"]
             if key == f"g{index[a]}"]
    assert grads == ["1", "2"]  # the running gradient after each edge


def test_graph_page_ends_with_zero_where_no_gradient_reaches() -> None:
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(1.0, label="c")
    product = a * b
    y = product.relu() + c  # relu'(-6) = 0: nothing reaches the product, a or b
    data = island(to_html(y))
    index = {node: i for i, node in enumerate(autograd.topological_order(y, include_leaves=True))}
    final: dict[str, str] = {}
    for step in data["steps"]:
        final.update(dict(step["changes"]))
    assert [final[f"g{index[node]}"] for node in (a, b, product, c)] == ["0", "0", "0", "1"]
    backward = [step for step in data["steps"] if step["caption"].startswith("backward ")]
    assert len(backward) == 2  # + and relu pass gradients on; the product has none to pass


def test_graph_page_writes_numbers_to_the_precision_asked() -> None:
    x = Value(1.0 / 3.0, label="x")
    y = x * 3.0
    page = to_html(y, precision=2)
    assert '"0.33"' in page
    assert "0.333" not in page


def test_page_makes_no_request_and_loads_nothing() -> None:
    o, _ = neuron()
    page = to_html(o)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    without_namespaces = re.sub(r'xmlns(:xlink)?="[^"]*"', "", page)
    assert not re.search(r"https?://", without_namespaces)
    assert not re.search(r"\bsrc=", page)
    assert not re.search(r"@import|url\(", page)
    assert page.count("<script") == 2  # the data island and the player


def test_hostile_labels_cannot_end_the_script_or_add_markup() -> None:
    x = Value(2.0, label='</script><script>alert("x")</script>')
    y = (x * x).tanh()
    y.label = '<b onclick="steal()">"quoted" & \\ back</b>'
    page = to_html(y)
    assert page.count("<script") == 2 and page.count("</script>") == 2
    assert "<b onclick" not in page
    titles = {card["title"] for card in island(page)["info"].values()}
    assert {x.label, y.label} <= titles  # the labels arrive as text, unchanged


def test_collapsed_graph_still_has_a_step_for_every_op() -> None:
    xs = [Value(float(i), label=f"x{i}") for i in range(40)]
    total = value_sum([x * x for x in xs])
    data = island(to_html(total, max_nodes=20))
    assert len(data["steps"]) == 1 + 41 + 1 + 41
    assert any(step["focus"] and step["focus"][0].startswith("s") for step in data["steps"])


def test_to_html_rejects_bad_options_naming_them() -> None:
    o, _ = neuron()
    with pytest.raises(ValueError, match="to_html: max_nodes must be at least 3"):
        to_html(o, max_nodes=2)
    with pytest.raises(TypeError, match="color"):
        to_html(o, color=True)
    with pytest.raises(TypeError, match="to_html needs a Value"):
        to_html(0.5)  # type: ignore[arg-type]


def test_to_html_refuses_a_graph_too_large_for_a_page(monkeypatch: pytest.MonkeyPatch) -> None:
    import autograd.viz.graph_page

    monkeypatch.setattr(autograd.viz.graph_page, "MAX_PAGE_EDGES", 10)
    xs = [Value(1.0) for _ in range(11)]
    with pytest.raises(ValueError, match="11 operand edges, more than a page takes"):
        to_html(value_sum(xs))


@pytest.mark.parametrize("svg", [
    '<svg><script>alert(1)</script></svg>',
    '<svg><g onclick="alert(1)"><text>x</text></g></svg>',
    '<svg><foreignObject><div>x</div></foreignObject></svg>',
])
def test_page_refuses_an_svg_with_markup_that_runs(svg: str) -> None:
    from autograd.pages.player import inline_svg

    with pytest.raises(ValueError, match="refusing an SVG"):
        inline_svg(svg)


def test_save_html_writes_the_page(tmp_path: Path) -> None:
    o, _ = neuron()
    path = save_html(o, tmp_path / "neuron.html", title="A neuron")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "<title>A neuron</title>" in text


def test_interactive_shows_the_page_in_an_iframe() -> None:
    o, _ = neuron()
    shown = interactive(o, height=400)._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and "height: 400px" in shown
    source = html.unescape(re.search(r'srcdoc="([^"]*)"', shown).group(1))  # type: ignore[union-attr]
    assert source == to_html(o)
    assert "<script" not in shown  # the page's markup is escaped inside the attribute


def test_interactive_rejects_a_frame_too_small_to_use() -> None:
    o, _ = neuron()
    with pytest.raises(ValueError, match="interactive: height must be at least 100"):
        interactive(o, height=10)


# ---------------------------------------------------------------------------- network pages


def test_network_page_trains_the_model_to_the_published_weights(tmp_path: Path) -> None:
    model = hmkcode_model()
    nn.save_network_html(model, tmp_path / "hmk.html", [[2.0, 3.0]], [1.0],
                         loss=half_squared_error, optimizer=nn.optim.SGD(model.parameters(),
                                                                          lr=0.05))
    assert [round(weight.data, 2) for weight in model.parameters()] == [
        0.12, 0.23, 0.13, 0.10, 0.17, 0.17]


def test_network_page_has_forward_loss_backward_and_update_per_layer(tmp_path: Path) -> None:
    model = hmkcode_model()  # 2 layers: per training step 2 forward + loss + 2 backward + update
    path = nn.save_network_html(model, tmp_path / "hmk.html", [[2.0, 3.0]], [1.0],
                                loss=half_squared_error, steps=3,
                                optimizer=nn.optim.SGD(model.parameters(), lr=0.05))
    data = island(path.read_text(encoding="utf-8"))
    assert len(data["steps"]) == 1 + 3 * 6
    assert [mark[1] for mark in data["timeline"]] == [1, 7, 13]


def test_network_page_timeline_gives_a_loss_only_from_its_loss_step(tmp_path: Path) -> None:
    model = hmkcode_model()  # loss 1/2 (1 - 0.191)^2 = 0.3272, computed at page step 3
    path = nn.save_network_html(model, tmp_path / "hmk.html", [[2.0, 3.0]], [1.0],
                                loss=half_squared_error,
                                optimizer=nn.optim.SGD(model.parameters(), lr=0.05))
    data = island(path.read_text(encoding="utf-8"))
    assert data["timeline"] == [["step 1", 1, "loss 0.3272", 3]]
    assert "loss" in data["steps"][3]["caption"] and "loss" not in data["steps"][2]["caption"]


@pytest.mark.parametrize("model", [nn.Sequential(nn.Layer(2, 1)), nn.Neuron(2)],
                         ids=["Sequential", "Neuron"])
def test_network_page_refuses_a_model_that_is_not_fully_connected(model: Any,
                                                                   tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=type(model).__name__):
        nn.save_network_html(model, tmp_path / "x.html", [[1.0, 2.0]], [1.0],
                             loss=half_squared_error,
                             optimizer=nn.optim.SGD(model.parameters(), lr=0.1))


@pytest.mark.parametrize(("arguments", "error", "message"), [
    ({"steps": 0}, ValueError, "steps must be at least 1"),
    ({"steps": True}, TypeError, "steps must be an integer"),
    ({"inputs": [[1.0, 2.0], [3.0, 4.0]]}, ValueError, "2 examples but targets has 1"),
    ({"inputs": [[1.0, 2.0, 3.0]]}, ValueError, "example 0 is .* takes 2 real numbers"),
    ({"inputs": []}, ValueError, "inputs is empty"),
    ({"optimizer": object()}, TypeError, "optimizer must have step"),
    ({"loss": lambda output, target: 1.0}, TypeError, "must return a Value"),
])
def test_network_page_rejects_bad_arguments_with_a_clear_error(
        arguments: dict[str, Any], error: type[Exception], message: str,
        tmp_path: Path) -> None:
    model = hmkcode_model()
    call: dict[str, Any] = {"inputs": [[2.0, 3.0]], "targets": [1.0], "steps": 1,
                            "loss": half_squared_error,
                            "optimizer": nn.optim.SGD(model.parameters(), lr=0.05)}
    call.update(arguments)
    with pytest.raises(error, match=message):
        nn.save_network_html(model, tmp_path / "x.html", call.pop("inputs"),
                             call.pop("targets"), **call)
    assert not (tmp_path / "x.html").exists()


def test_network_page_refuses_a_model_too_large_before_training(tmp_path: Path) -> None:
    model = nn.MLP(2, [200, 1])
    before = [weight.data for weight in model.parameters()]
    with pytest.raises(ValueError, match="203 neurons, more than 100"):
        nn.save_network_html(model, tmp_path / "x.html", [[1.0, 2.0]], [1.0],
                             loss=half_squared_error,
                             optimizer=nn.optim.SGD(model.parameters(), lr=0.1))
    assert [weight.data for weight in model.parameters()] == before


def test_network_page_refuses_more_recorded_numbers_than_a_page_holds(tmp_path: Path) -> None:
    model = nn.MLP(2, [16, 16, 1])
    examples = [[0.1, 0.2]] * 1000
    with pytest.raises(ValueError, match="recorded numbers"):
        nn.save_network_html(model, tmp_path / "x.html", examples, [1.0] * 1000, steps=10,
                             loss=half_squared_error,
                             optimizer=nn.optim.SGD(model.parameters(), lr=0.1))
