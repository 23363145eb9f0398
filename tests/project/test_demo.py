"""demo.py (`make demo`): a short run writes a valid PNG and a valid SVG and reports accuracy."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

import demo

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"  # the first eight bytes of every PNG file (RFC 2083)


@pytest.fixture(scope="module")
def short_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    folder = tmp_path_factory.mktemp("demo") / "out"
    summary = demo.main(["--epochs", "3", "--out", str(folder), "--no-progress"])
    return summary, folder


def test_demo_writes_a_png_decision_boundary(short_run: tuple[dict, Path]):
    _, folder = short_run
    content = (folder / "decision_boundary.png").read_bytes()
    assert content.startswith(PNG_SIGNATURE)
    assert len(content) > 1000


def test_demo_writes_an_svg_graph_of_one_neuron(short_run: tuple[dict, Path]):
    _, folder = short_run
    root = ElementTree.parse(folder / "neuron.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = (folder / "neuron.svg").read_text()
    assert "x1" in text and "relu" in text  # the neuron's labelled input and its activation


def test_demo_reports_accuracy_and_time(short_run: tuple[dict, Path]):
    summary, _ = short_run
    assert 0.0 <= summary["accuracy"] <= 1.0
    assert summary["history"].epochs == 3
    assert summary["seconds"] > 0.0


def test_demo_prints_the_final_accuracy(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    demo.main(["--epochs", "1", "--out", str(tmp_path), "--no-progress"])
    printed = capsys.readouterr()
    assert "training accuracy" in printed.out and "%" in printed.out
    assert printed.err == ""  # --no-progress: no bar


def test_without_graphviz_the_demo_writes_dot_source_and_says_how_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no dot anywhere
    summary = demo.main(["--epochs", "1", "--out", str(tmp_path / "out"), "--no-progress"])
    assert (tmp_path / "out" / "neuron.dot").read_text().startswith("digraph")
    assert not (tmp_path / "out" / "neuron.svg").exists()
    assert "apt-get install graphviz" in capsys.readouterr().err
    assert summary["files"][1].name == "neuron.dot"


# ------------------------------------------------------------------------- the decision picture

#: Four points, class 1 right of x1 = 0.5, and a "model" whose score says exactly that.
SQUARE_X, SQUARE_Y = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0, 1, 0, 1]


def right_of_half(point: list[float]) -> float:
    return point[0] - 0.5


def pixels_inside_the_edges(figure, axes) -> dict[str, list[tuple[float, float, float]]]:
    """RGB colours 3 pixels inside each edge of the axes, at 10 %, 50 % and 90 % along it."""
    import numpy as np

    figure.canvas.draw()
    image = np.asarray(figure.canvas.buffer_rgba())[:, :, :3] / 255.0
    height = image.shape[0]
    box = axes.get_window_extent()

    def at(x: float, y: float) -> tuple[float, float, float]:
        return tuple(image[int(height - y), int(x)])  # display y counts from the bottom

    along = [0.1, 0.5, 0.9]
    return {
        "left": [at(box.x0 + 3, box.y0 + f * box.height) for f in along],
        "right": [at(box.x1 - 3, box.y0 + f * box.height) for f in along],
        "bottom left": [at(box.x0 + f * box.width / 2, box.y0 + 3) for f in along],
        "top left": [at(box.x0 + f * box.width / 2, box.y1 - 3) for f in along],
        "bottom right": [at(box.x1 - f * box.width / 2, box.y0 + 3) for f in along],
        "top right": [at(box.x1 - f * box.width / 2, box.y1 - 3) for f in along],
    }


def tinted(colour: str, alpha: float) -> tuple[float, float, float]:
    """``colour`` laid at opacity ``alpha`` over white."""
    from matplotlib.colors import to_rgb

    return tuple(alpha * channel + (1.0 - alpha) for channel in to_rgb(colour))


def test_the_decision_regions_reach_every_edge_in_their_class_colour() -> None:
    import matplotlib.pyplot as plt

    figure, axes = demo.decision_figure(right_of_half, SQUARE_X, SQUARE_Y)
    found = pixels_inside_the_edges(figure, axes)
    plt.close(figure)
    class_0 = tinted(demo.CLASS_COLOURS[0], demo.REGION_ALPHA)
    class_1 = tinted(demo.CLASS_COLOURS[1], demo.REGION_ALPHA)
    for side, colours in found.items():
        expected = class_1 if "right" in side else class_0
        for colour in colours:
            assert colour == pytest.approx(expected, abs=3 / 255), side


def test_the_points_have_the_full_colour_of_their_class() -> None:
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba

    figure, axes = demo.decision_figure(right_of_half, SQUARE_X, SQUARE_Y)
    figure.canvas.draw()  # colours are mapped from the labels when drawn
    faces = [tuple(face) for face in axes.collections[-1].get_facecolors()]
    plt.close(figure)
    assert faces == [to_rgba(demo.CLASS_COLOURS[label]) for label in SQUARE_Y]


def test_the_decision_picture_labels_both_axes() -> None:
    import matplotlib.pyplot as plt

    figure, axes = demo.decision_figure(right_of_half, SQUARE_X, SQUARE_Y)
    plt.close(figure)
    assert axes.get_xlabel().startswith("x1") and axes.get_ylabel().startswith("x2")
