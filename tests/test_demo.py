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
