"""README.md: every output block shows exactly what the code block before it prints.

A fenced ``python`` block followed directly by a plain fenced block is a (code, output) pair; the
code runs in a fresh namespace and its standard output must equal the block, character for
character. Ops the code registers (the README's deliberately wrong ``my_sin``) are removed
afterwards, so the op-table walk of the other tests never meets them.
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


def test_the_readme_shows_the_output_of_four_code_blocks() -> None:
    # the explain table, the failing gradcheck report, compare_with_torch's report and the tape
    assert len(PAIRS) == 4


@pytest.mark.parametrize(("code", "output"), PAIRS, ids=[o.splitlines()[0][:40] for _, o in PAIRS])
def test_a_shown_output_is_what_its_code_prints(code: str, output: str) -> None:
    before = set(OPS)
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(code, str(README), "exec"), {"__name__": "readme"})
    finally:
        for name in set(OPS) - before:
            unregister(name)
    assert printed.getvalue() == output
