"""One table renderer, as aligned text and as HTML, for every table the package prints.

:func:`autograd.explain`'s derivation, :mod:`autograd.gradcheck`'s reports and
:func:`autograd.compare_with_torch`'s report are all a title, a header row and rows of strings;
:class:`Table` turns them into the text ``print`` shows and the HTML Jupyter shows. The callers
format their numbers; this module only lays the strings out. Standard library only.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Table"]


@dataclass(frozen=True)
class Table:
    """A titled table of strings.

    Attributes:
        title: the first line of the text form, the caption of the HTML form.
        headers: the column names.
        rows: one tuple of cells per row, as many as there are headers.
        right: the headers of the columns aligned to the right (the numbers); the others are
            aligned to the left. A table with right-aligned columns states every HTML cell's
            alignment; one without leaves the browser's default.
        colours: a background colour per row (``"#f8d7da"``) or None, for the HTML form; empty
            means no colours.
        empty: the line the text form shows under the header when there are no rows.
    """

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    right: frozenset[str] = frozenset()
    colours: Sequence[str | None] = ()
    empty: str = ""

    def text(self) -> str:
        """The title, the headers, a rule of dashes and the rows, columns two spaces apart."""
        widths = [max([len(header), *(len(row[column]) for row in self.rows)])
                  for column, header in enumerate(self.headers)]

        def line(cells: Sequence[str]) -> str:
            parts = [cell.rjust(width) if header in self.right else cell.ljust(width)
                     for cell, width, header in zip(cells, widths, self.headers, strict=True)]
            return "  ".join(parts).rstrip()

        lines = [self.title, line(self.headers), line(["-" * width for width in widths])]
        lines += [line(row) for row in self.rows]
        if not self.rows and self.empty:
            lines.append(self.empty)
        return "\n".join(lines)

    def html(self) -> str:
        """The table as one HTML ``<table>`` with the title as its caption (text escaped)."""
        head = "".join(f"<th>{html.escape(header)}</th>" for header in self.headers)
        body = "".join(
            f"<tr{self._row_style(index)}>"
            + "".join(self._cell(header, cell)
                      for header, cell in zip(self.headers, row, strict=True))
            + "</tr>"
            for index, row in enumerate(self.rows)
        )
        return (f"<table><caption>{html.escape(self.title)}</caption>"
                f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def _row_style(self, index: int) -> str:
        colour = self.colours[index] if self.colours else None
        return f' style="background-color:{colour}"' if colour else ""

    def _cell(self, header: str, cell: str) -> str:
        if not self.right:
            return f"<td>{html.escape(cell)}</td>"
        side = "right" if header in self.right else "left"
        return f'<td style="text-align:{side}">{html.escape(cell)}</td>'
