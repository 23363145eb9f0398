"""A self-contained interactive page: a drawing, its numbers and a small player in one HTML file.

The browser pages (:func:`autograd.viz.to_html` for a Value's graph, ``nn.save_network_html``
for a network) are built the same way: an SVG drawing rendered by Graphviz, a list of
:class:`Step` records whose numbers the engine computed in Python (already formatted as text),
and a short script (``page.js``, beside this module) that only shows them: it applies each
step's text changes to the drawing, outlines the step's elements, fills the side panel and
moves with the keys and buttons. The script does no maths.

Everything is inline (no CDN, no fetch), so the file works offline and from ``file://``; a
Content-Security-Policy meta tag allows only the page's own script and style (by hash) and
forbids every network request. Text from outside (labels, titles) is escaped for where it
goes: HTML text, the JSON island (``<`` written ``\\u003c`` so no ``</script>`` can end it), and
SVG (Graphviz escapes its labels; the SVG is checked to hold no markup of its own).

Standard library only.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..core.numbers import require_count
from ..files import write_atomically

__all__ = ["Binding", "InfoCard", "InlinePage", "Mark", "PageData", "Step", "render_page"]

#: A number (or any shown text) as the page holds it: one text, or one per example.
Text = str | list[str]

#: The most rows a step's table shows; the rest are counted in a last row.
MAX_ROWS = 40

# Elements that run or embed something, and event-handler attributes inside a tag.
_UNSAFE_SVG = re.compile(r"<\s*(script|foreignobject|iframe|object|embed)\b|<[^>]*\son[a-z]+\s*=",
                         re.IGNORECASE)


@dataclass(frozen=True)
class Binding:
    """Where a key's text is shown: text element ``index`` (negative: from the end) of the SVG
    element with id ``element``, written as ``prefix + text``."""

    key: str
    element: str
    index: int
    prefix: str = ""


@dataclass
class Step:
    """One step of a page.

    Attributes:
        caption: what happens in this step (one line; or one per example).
        changes: ``(key, text)`` pairs this step sets, in order.
        focus: ids of SVG elements to outline.
        rows: the step's table (cells are texts, or one text per example).
        columns: the table's headers.
    """

    caption: Text
    changes: Sequence[tuple[str, Text]] = field(default_factory=list)
    focus: Sequence[str] = field(default_factory=list)
    rows: Sequence[Sequence[Text]] = field(default_factory=list)
    columns: Sequence[str] = field(default_factory=list)


@dataclass
class InfoCard:
    """What clicking or hovering an SVG element shows: a title and lines ``(label, text, key)``
    where a line with a key shows that key's current text (``·`` until a step sets it)."""

    title: str
    lines: Sequence[tuple[str, Text, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Mark:
    """A timeline button: ``label`` jumps to ``step``; ``detail`` (e.g. that training step's
    loss) joins the label once the page has reached step ``detail_from``, so that a number
    never shows before the step that computes it."""

    label: str
    step: int
    detail: str = ""
    detail_from: int = 0


@dataclass
class PageData:
    """Everything a page shows.

    Attributes:
        title: the page's title and heading.
        subtitle: one line under the heading (what the page is).
        svg: the drawing, SVG text from Graphviz.
        bindings: where each key is shown in the drawing.
        initial: the keys' texts at step 0.
        steps: step 0 first.
        info: the card of each clickable SVG element, by id.
        timeline: marks, e.g. the first step of each training step.
        examples: labels of the examples a page can switch between (empty: none).
        hint: what the info box says before anything is clicked.
    """

    title: str
    subtitle: str
    svg: str
    bindings: list[Binding]
    initial: Sequence[tuple[str, Text]]
    steps: list[Step]
    info: dict[str, InfoCard] = field(default_factory=dict)
    timeline: list[Mark] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    hint: str = "Click or hover a node to see its numbers."


def clip_rows(rows: Sequence[Sequence[Text]], width: int) -> Sequence[Sequence[Text]]:
    """``rows`` cut to :data:`MAX_ROWS`, with a last row saying how many were left out."""
    if len(rows) <= MAX_ROWS:
        return rows
    kept = list(rows[:MAX_ROWS - 1])
    return [*kept, [f"… and {len(rows) - len(kept)} more", *[""] * (width - 1)]]


def _resource(name: str) -> str:
    return resources.files("autograd.pages").joinpath(name).read_text(encoding="utf-8")


def _digest(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def json_island(data: Any) -> str:
    """``data`` as JSON safe to sit inside ``<script type="application/json">``: ``<``, ``>``,
    ``&`` and the JavaScript line separators are written as ``\\u`` escapes."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for character in "<>&\u2028\u2029":
        text = text.replace(character, f"\\u{ord(character):04x}")
    return text


def inline_svg(svg: str) -> str:
    """Graphviz's SVG document as an element to put in HTML: from ``<svg`` on, without the XML
    prolog, doctype and comments.

    Raises:
        ValueError: the SVG holds scripts, event handlers or embedded documents (a drawing
            never does: Graphviz escapes every label).
    """
    start = svg.find("<svg")
    if start < 0:
        raise ValueError("page: the drawing is not SVG (no <svg> element)")
    body = re.sub(r"<!--.*?-->", "", svg[start:], flags=re.DOTALL)
    if _UNSAFE_SVG.search(body):
        raise ValueError("page: refusing an SVG drawing that holds markup other than shapes "
                         "and text")
    return body.strip()


def _payload(page: PageData) -> dict[str, Any]:
    return {
        "bind": [[b.key, b.element, b.index, b.prefix] for b in page.bindings],
        "initial": page.initial,
        "steps": [{"caption": step.caption, "changes": step.changes, "focus": step.focus,
                   "rows": step.rows, "columns": step.columns} for step in page.steps],
        "info": {key: {"title": card.title, "lines": card.lines}
                 for key, card in page.info.items()},
        "timeline": [[mark.label, mark.step, mark.detail, mark.detail_from]
                     for mark in page.timeline],
        "examples": page.examples,
    }


def render_page(page: PageData) -> str:
    """The page as one HTML document.

    Raises:
        ValueError: the page has no steps, or the SVG is unsafe (see :func:`inline_svg`).
    """
    if not page.steps:
        raise ValueError("page: a page needs at least step 0")
    script = _resource("page.js")
    style = _resource("page.css")
    policy = (f"default-src 'none'; script-src 'sha256-{_digest(script)}'; "
              f"style-src 'sha256-{_digest(style)}'; img-src data:; base-uri 'none'; "
              "form-action 'none'")
    template = _resource("page.html")
    filled = {
        "policy": policy,  # our own text: no quote or markup in it
        "style": style,
        "title": html.escape(page.title),
        "subtitle": html.escape(page.subtitle),
        "hint": html.escape(page.hint),
        "svg": inline_svg(page.svg),
        "data": json_island(_payload(page)),
        "script": script,
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda match: filled[match.group(1)], template)


class InlinePage:
    """A page shown inline in Jupyter: an iframe whose ``srcdoc`` is the page.

    Attributes:
        html: the page.
        height: the frame's height in pixels.
    """

    def __init__(self, page: str, height: int = 620) -> None:
        self.html = page
        self.height = require_count("interactive: height", height, 100)

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
                f'title="chainrule page" sandbox="allow-scripts" '
                f'style="width: 100%; height: {self.height}px; border: 1px solid #ddd;">'
                "</iframe>")

    def __repr__(self) -> str:
        return f"<InlinePage of {len(self.html):,} characters>"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (atomically); returns the path."""
        target = Path(path)
        write_atomically(target, self.html.encode("utf-8"))
        return target
