"""autograd.viz.set_renderer: SVG from a function instead of the Graphviz ``dot`` program.

The course site's playground runs the engine in Pyodide, where there is no ``dot``; it sets a
renderer that calls Graphviz compiled to WebAssembly. Here a fake renderer stands in for it: it
records the DOT text it is given and marks the SVG that ``dot`` makes for that text, so each test
can tell which path drew the picture.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import nn
from autograd import Value, viz

MARK = "<!-- drawn by the fake renderer -->"


class FakeRenderer:
    """Renders with ``dot`` like the real thing, and says so in the SVG (a comment) and in
    ``sources``."""

    def __init__(self) -> None:
        self.sources: list[str] = []

    def __call__(self, source: str) -> str:
        self.sources.append(source)
        svg = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, text=True,
                             check=True).stdout
        return MARK + svg


def neuron() -> Value:
    x = Value(2.0, label="x")
    w = Value(-3.0, label="w")
    y = (w * x).tanh()
    y.label = "y"
    y.backward()
    return y


@pytest.fixture
def fake() -> FakeRenderer:
    render = FakeRenderer()
    previous = viz.set_renderer(render)
    yield render
    viz.set_renderer(previous)


def test_without_a_renderer_svg_comes_from_dot() -> None:
    assert MARK not in viz.draw_graph(neuron()).pipe(format="svg", encoding="utf-8")


def test_the_renderer_draws_the_jupyter_svg(fake: FakeRenderer) -> None:
    graph = viz.draw_graph(neuron())
    svg = graph._repr_image_svg_xml()
    assert svg.startswith(MARK)
    assert fake.sources == [graph.source]


def test_pipe_without_encoding_gives_bytes(fake: FakeRenderer) -> None:
    data = viz.draw_graph(neuron()).pipe(format="svg")
    assert isinstance(data, bytes) and data.startswith(MARK.encode())


def test_save_graph_svg_writes_the_renderers_svg(fake: FakeRenderer, tmp_path: Path) -> None:
    path = viz.save_graph(neuron(), tmp_path / "graph.svg")
    assert path.read_text(encoding="utf-8").startswith(MARK)


def test_the_page_is_drawn_by_the_renderer(fake: FakeRenderer) -> None:
    page = viz.to_html(neuron())
    assert len(fake.sources) == 1 and 'id="v0"' in page


def test_draw_network_goes_through_the_renderer(fake: FakeRenderer) -> None:
    graph = nn.draw_network(nn.MLP(2, [2, 1], seed=0))
    assert graph.pipe(format="svg", encoding="utf-8").startswith(MARK)
    assert fake.sources == [graph.source]


def test_other_formats_still_use_dot(fake: FakeRenderer) -> None:
    png = viz.draw_graph(neuron()).pipe(format="png")
    assert png.startswith(b"\x89PNG") and fake.sources == []


def test_the_context_manager_restores_the_previous_renderer(fake: FakeRenderer) -> None:
    other = FakeRenderer()
    with viz.renderer(other):
        viz.draw_graph(neuron()).pipe(format="svg")
    viz.draw_graph(neuron()).pipe(format="svg")
    assert len(other.sources) == 1 and len(fake.sources) == 1


def test_set_renderer_returns_the_previous_one(fake: FakeRenderer) -> None:
    assert viz.set_renderer(None) is fake
    assert viz.set_renderer(fake) is None


def test_a_renderer_that_is_not_callable_is_refused() -> None:
    with pytest.raises(TypeError, match="DOT text to SVG text"):
        viz.set_renderer("dot")  # type: ignore[arg-type]
