"""README.md: every output block shows exactly what the code block before it prints.

A fenced ``python`` block followed directly by a plain fenced block is a (code, output) pair; the
code runs in a fresh namespace and its standard output must equal the block, character for
character. Ops the code registers (the README's deliberately wrong ``my_sin``) are removed
afterwards, so the op-table walk of the other tests never meets them. The code runs in a temporary
folder, so a file it writes (the network page) lands there.

The network-page block is also held to the published numbers it promises: HMKCODE's
"Backpropagation Step by Step" (https://hmkcode.com/ai/backpropagation-step-by-step/) gives the
weights after one step as 0.12 0.23 0.13 0.10 0.17 0.17 (tests/test_worked_examples.py derives
them by hand from the same setup).
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from autograd import OPS
from autograd.ops import unregister

README = Path(__file__).resolve().parents[2] / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def shown_outputs() -> list[tuple[str, str]]:
    """(code, output) for each python block followed at once by a plain block."""
    text = README.read_text(encoding="utf-8")
    blocks = list(FENCE.finditer(text))
    pairs = []
    for first, second in zip(blocks, blocks[1:], strict=False):
        adjacent = text[first.end():second.start()].strip() == ""
        if first.group(1) == "python" and second.group(1) == "" and adjacent:
            pairs.append((first.group(2), second.group(2)))
    return pairs


PAIRS = shown_outputs()


def test_the_readme_shows_the_output_of_five_code_blocks() -> None:
    # the explain table, HMKCODE's network page, the failing gradcheck report,
    # compare_with_torch's report and the tape
    assert len(PAIRS) == 5


def printed_by(code: str) -> str:
    """What ``code`` prints, run in a fresh namespace; the ops it registers are removed after."""
    before = set(OPS)
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(code, str(README), "exec"), {"__name__": "readme"})
    finally:
        for name in set(OPS) - before:
            unregister(name)
    return printed.getvalue()


@pytest.mark.parametrize(("code", "output"), PAIRS, ids=[o.splitlines()[0][:40] for _, o in PAIRS])
def test_a_shown_output_is_what_its_code_prints(
    code: str, output: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert printed_by(code) == output


#: HMKCODE's published weights after one step, w1 to w6.
HMKCODE_UPDATED_WEIGHTS = [0.12, 0.23, 0.13, 0.10, 0.17, 0.17]


def test_the_network_page_block_reproduces_hmkcodes_published_weights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (code,) = [code for code, _ in PAIRS if "save_network_html" in code]
    monkeypatch.chdir(tmp_path)
    weights = [float(word) for word in printed_by(code).split()]
    assert weights == HMKCODE_UPDATED_WEIGHTS
    assert (tmp_path / "training.html").is_file()
