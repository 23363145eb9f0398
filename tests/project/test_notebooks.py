"""The course notebooks: the README lists and counts every one, and each is there, committed
clean, titled, and built on the package.

The notebooks are executed by ``make test`` (the site build runs each one and fails on a cell
that raises; tests/project/test_site.py checks their pages); these tests check how they are
stored. The
project's decision is to commit them with outputs stripped, so the repository never holds
memory addresses, timings or stale pictures.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

README = NOTEBOOKS.parent / "README.md"

#: The notebooks the README's course section links to, in its order (the course's index).
LISTED = re.findall(r"\]\(notebooks/(\w+)\.ipynb\)", README.read_text(encoding="utf-8"))

NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
                "seventeen", "eighteen", "nineteen", "twenty"]

PRESENT = sorted(NOTEBOOKS.glob("*.ipynb"))

IMPORT_OF_THE_PACKAGE = re.compile(r"^\s*(import|from)\s+(autograd|nn)\b", re.MULTILINE)


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def source(cell: dict[str, Any]) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def code_cells(path: Path) -> list[dict[str, Any]]:
    return [cell for cell in load(path)["cells"] if cell["cell_type"] == "code"]


@pytest.mark.parametrize("name", LISTED)
def test_the_course_notebook_exists(name: str) -> None:
    assert (NOTEBOOKS / f"{name}.ipynb").is_file(), f"notebooks/{name}.ipynb is missing"


def test_the_readme_lists_every_notebook_once() -> None:
    assert sorted(LISTED) == [path.stem for path in PRESENT]


def test_the_readme_counts_the_notebooks_right() -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"(\w+) notebooks in `notebooks/`", text)
    assert match, "the README's course section no longer says how many notebooks there are"
    assert match.group(1).lower() == NUMBER_WORDS[len(PRESENT)]


def test_there_are_notebooks_to_check() -> None:
    assert PRESENT, "no notebooks found in notebooks/"


@pytest.mark.parametrize("path", PRESENT, ids=[path.stem for path in PRESENT])
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    with_outputs = [index for index, cell in enumerate(code_cells(path)) if cell.get("outputs")]
    assert not with_outputs, f"{path.name}: code cells {with_outputs} have outputs; strip them"


@pytest.mark.parametrize("path", PRESENT, ids=[path.stem for path in PRESENT])
def test_notebook_is_committed_without_execution_counts(path: Path) -> None:
    counted = [
        index
        for index, cell in enumerate(code_cells(path))
        if cell.get("execution_count") is not None
    ]
    assert not counted, f"{path.name}: code cells {counted} have execution counts; strip them"


@pytest.mark.parametrize("path", PRESENT, ids=[path.stem for path in PRESENT])
def test_notebook_opens_with_a_markdown_title(path: Path) -> None:
    first = load(path)["cells"][0]
    assert first["cell_type"] == "markdown", f"{path.name}: the first cell is not markdown"
    assert source(first).lstrip().startswith("# "), f"{path.name}: no '# Title' in the first cell"


@pytest.mark.parametrize("path", PRESENT, ids=[path.stem for path in PRESENT])
def test_notebook_imports_autograd_or_nn(path: Path) -> None:
    imports = [cell for cell in code_cells(path) if IMPORT_OF_THE_PACKAGE.search(source(cell))]
    assert imports, f"{path.name}: no code cell imports autograd or nn"
