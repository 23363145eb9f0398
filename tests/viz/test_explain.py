"""The derivation table and the step-through of the backward pass.

The neuron is the one of Karpathy's micrograd lecture ("The spelled-out intro to neural
networks and backpropagation"): o = tanh(x1*w1 + x2*w2 + b) with x1=2, x2=0, w1=-3, w2=1,
b=6.8813735870195432; published gradients x1: -1.5, w1: 1, x2: 0.5, w2: 0, b: 0.5.
"""

from __future__ import annotations

import re
import sys

import IPython.display
import pytest
from graphs import neuron
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, explain, step_through
from autograd.core.backprop import topological_order
from autograd.viz import draw_graph


def last_accumulated(derivation) -> dict[str, float]:
    final: dict[str, float] = {}
    for row in derivation.rows:
        final[row.input] = row.accumulated
    return final


def test_rows_give_the_published_gradients_of_the_neuron():
    o, _ = neuron()
    final = last_accumulated(explain(o))
    assert final["x1"] == pytest.approx(-1.5)
    assert final["w1"] == pytest.approx(1.0)
    assert final["x2"] == pytest.approx(0.5)
    assert final["w2"] == 0.0
    assert final["b"] == pytest.approx(0.5)


def test_rows_follow_reverse_topological_order_with_hand_worked_products():
    o, _ = neuron()
    rows = [(row.step, row.node, row.op, row.input, row.local, row.upstream, row.contribution)
            for row in explain(o).rows]
    approx = pytest.approx
    assert rows == [
        (1, "o", "tanh", "v8", approx(0.5), 1.0, approx(0.5)),  # 1 - tanh(n)**2 = 1/2
        (2, "v8", "+", "v6", 1.0, approx(0.5), approx(0.5)),
        (2, "v8", "+", "b", 1.0, approx(0.5), approx(0.5)),
        (3, "v6", "+", "v2", 1.0, approx(0.5), approx(0.5)),
        (3, "v6", "+", "v5", 1.0, approx(0.5), approx(0.5)),
        (4, "v5", "*", "x2", 1.0, approx(0.5), approx(0.5)),  # local = w2
        (4, "v5", "*", "w2", 0.0, approx(0.5), 0.0),  # local = x2
        (5, "v2", "*", "x1", -3.0, approx(0.5), approx(-1.5)),  # local = w1
        (5, "v2", "*", "w1", 2.0, approx(0.5), approx(1.0)),  # local = x1
    ]


def test_an_operand_used_twice_accumulates_over_two_rows():
    a = Value(3.0, label="a")
    rows = explain(a * a).rows
    # d(a*a)/da = a + a = 6: two products of 1 x 3, accumulated 3 then 6.
    assert [(row.operand, row.contribution, row.accumulated) for row in rows] == [
        (0, 3.0, 3.0), (1, 3.0, 6.0)
    ]


def expressions():
    """Random small expressions over three shared leaves, built from a list of op choices."""
    unary = ["tanh", "sin", "exp_small", "square"]
    binary = ["add", "mul", "sub"]
    return st.lists(st.tuples(st.sampled_from(unary + binary), st.integers(0, 100),
                              st.integers(0, 100)), min_size=1, max_size=12)


def build(program, inputs):
    nodes = [Value(value, label=f"x{index}") for index, value in enumerate(inputs)]
    leaves = list(nodes)
    for name, first, second in program:
        a, b = nodes[first % len(nodes)], nodes[second % len(nodes)]
        if name == "tanh":
            nodes.append(a.tanh())
        elif name == "sin":
            nodes.append(a.sin())
        elif name == "exp_small":
            nodes.append((a * 0.1).exp())
        elif name == "square":
            nodes.append(a * a)
        elif name == "add":
            nodes.append(a + b)
        elif name == "mul":
            nodes.append(a * b)
        else:
            nodes.append(a - b)
    return nodes[-1], leaves


@given(expressions(), st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3))
def test_derivation_agrees_with_backward_on_every_node(program, inputs):
    root, _ = build(program, inputs)
    derivation = explain(root)
    root.backward()
    for node in topological_order(root, include_leaves=True):
        assert derivation.gradients[node] == pytest.approx(node.grad, rel=1e-12, abs=1e-12)


def test_explain_does_not_touch_grad():
    o, leaves = neuron()
    explain(o)
    assert all(leaf.grad == 0.0 for leaf in leaves.values())
    assert o.grad == 0.0


def test_text_table_has_headers_and_one_line_per_row():
    o, _ = neuron()
    text = str(explain(o))
    lines = text.splitlines()
    assert lines[0].startswith("Backward pass of o = 0.7071")
    assert "local d(node)/d(input)" in lines[1] and "contribution" in lines[1]
    assert len(lines) == 3 + 9
    assert lines[-1].split() == ["5", "v2", "*", "w1", "(operand", "1)", "2", "0.5", "1", "1"]


def test_html_table_escapes_labels():
    x = Value(2.0, label="<x>")
    page = explain(x * 3.0)._repr_html_()
    assert page.startswith("<table>") and page.count("<tr>") == 1 + 2
    assert "&lt;x&gt;" in page and "<x>" not in page


def test_explain_of_a_leaf_has_no_rows():
    x = Value(2.0, label="x")
    derivation = explain(x)
    assert derivation.rows == []
    assert "no backward steps" in str(derivation)


def test_explain_names_the_node_where_a_derivative_is_undefined():
    x = Value(0.0, label="x")
    root = x.sqrt()
    root.label = "root"
    with pytest.raises(ZeroDivisionError, match=r"(?s)infinite at x = 0.*backward of sqrt at "
                       r"input\(s\) 0.0 \(node 'x'\) \(output node 'root'\)"):
        explain(root)


# ------------------------------------------------------------------------------ step-through


def test_step_through_has_a_frame_for_the_seed_and_each_op():
    o, _ = neuron()
    stepper = step_through(o)
    assert len(stepper.frames) == 1 + 5  # seed, then tanh, +, +, *, *
    assert stepper.captions[0] == "step 0: seed d(o)/d(o) = 1"
    assert stepper.captions[5] == "step 5: v2 (*) passes back its grad: grad(x1) += 0.5 × -3, " \
                                  "grad(w1) += 0.5 × 2"


def test_step_through_fills_gradients_in_step_by_step():
    o, _ = neuron()
    frames = step_through(o).frames
    assert '"{o|data 0.7071|grad 1}"' in frames[0].source
    assert '"{v8|data 0.8814|grad ·}"' in frames[0].source  # not reached yet
    assert '"{v8|data 0.8814|grad 0.5}"' in frames[1].source
    assert '"{x1|data 2|grad ·}"' in frames[4].source
    assert '"{x1|data 2|grad -1.5}"' in frames[5].source


def test_step_through_highlights_the_current_node():
    o, _ = neuron()
    frames = step_through(o).frames
    assert 'v8 [label="{v8|data 0.8814|grad 0.5}" color=red penwidth=3' in frames[2].source
    assert frames[2].source.count("color=red") == 2  # the record and its op node


def test_last_frame_shows_the_gradients_of_backward():
    o, _ = neuron()
    last = step_through(o).frames[-1].source
    o.backward()
    records = re.compile(r'^\t(v\d+) \[label="(\{[^"]*\})"', re.M)
    assert records.findall(last) == records.findall(draw_graph(o).source)


def test_display_without_ipywidgets_shows_every_frame(monkeypatch):
    o, _ = neuron()
    stepper = step_through(o)
    shown = []
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import raises ImportError
    monkeypatch.setattr(IPython.display, "display", lambda *objects: shown.extend(objects))
    stepper._ipython_display_()
    assert shown == list(stepper.frames)


def test_display_with_ipywidgets_shows_a_slider_over_the_frames(monkeypatch):
    import ipywidgets  # a dev dependency, so this path runs in CI

    o, _ = neuron()
    stepper = step_through(o)
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objects: shown.extend(objects))
    stepper._ipython_display_()
    (box,) = shown
    slider, caption, picture = box.children
    assert isinstance(slider, ipywidgets.IntSlider)
    assert (slider.min, slider.max) == (0, 5)
    assert "<svg" in picture.value and "step 0: seed" in picture.value
    slider.value = 3
    assert caption.value.startswith("step 3: v6 (+)")
    assert "step 3: v6 (+)" in picture.value


def test_step_through_rejects_unknown_options():
    o, _ = neuron()
    with pytest.raises(TypeError, match="unknown drawing option"):
        step_through(o, colour=True)


def _dead_relu_over_sqrt_at_zero() -> tuple[Value, Value]:
    # relu(sqrt(0) - 1) = relu(-1) = 0 and relu'(-1) = 0: no gradient reaches sqrt, whose rule
    # would raise at 0, so backward() succeeds with x.grad = 0.
    x = Value(0.0, label="x")
    return x, (x.sqrt() - 1.0).relu()


def test_explain_at_sqrt_of_zero_behind_a_dead_relu_gives_a_zero_gradient() -> None:
    x, root = _dead_relu_over_sqrt_at_zero()
    assert explain(root).gradients[x] == 0.0


def test_step_through_at_sqrt_of_zero_behind_a_dead_relu_has_the_seed_and_the_relu_step() -> None:
    x, root = _dead_relu_over_sqrt_at_zero()
    assert len(step_through(root)) == 2  # the seed, then relu passing 0 on; nothing after
