"""The report of :func:`autograd.compare_with_torch`: rows of ours against PyTorch's numbers.

Each row is one compared number (the value of f, a gradient entry, a Hessian entry) with both
engines' results, the absolute and relative errors and a :class:`Status`: ``pass``, ``FAIL``,
``convention`` where the two engines differ on purpose, or ``refereed`` where they disagree and a
referee (sympy's exact derivative, or central differences) supports chainrule's number; that
row's status column reads ``chainrule (referee: sympy)``. The report prints as an aligned text table
and shows as an HTML table in Jupyter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..gradcheck.report import GradcheckStatus
from ..tables import Table

#: How a row of a :class:`ComparisonReport` came out: the engine's one status enum, shared with
#: gradcheck's reports (PASS, FAIL or CONVENTION here).
Status = GradcheckStatus


@dataclass(frozen=True)
class ComparisonRow:
    """One compared quantity.

    Attributes:
        quantity: ``"f"`` for the value, ``"df/dx"`` for a gradient entry, ``"d2f/dx dy"`` for a
            Hessian entry (named by f's parameters).
        ours: chainrule's number (NaN when our backward raised).
        torch: PyTorch's number.
        status: :class:`Status`.
        note: why a row failed, is a convention or was refereed (names the input), else empty.
        referee: where the engines disagree, who judged the row (``"sympy"`` or ``"central
            differences"``), else empty.
        referee_number: that referee's number (NaN when there is none).
    """

    quantity: str
    ours: float
    torch: float
    status: Status
    note: str = ""
    referee: str = ""
    referee_number: float = math.nan

    @property
    def verdict(self) -> str:
        """The status column: the status, or ``"chainrule (referee: sympy)"`` on a refereed row."""
        if self.status is Status.REFEREED:
            return f"chainrule (referee: {self.referee})"
        return self.status.value

    @property
    def abs_error(self) -> float:
        """``|ours - torch|`` (0 when both are the same infinity)."""
        if self.ours == self.torch:
            return 0.0
        return abs(self.ours - self.torch)

    @property
    def rel_error(self) -> float:
        """``|ours - torch| / |torch|`` (0 when both agree exactly, inf when only torch is 0)."""
        error = self.abs_error
        if error == 0.0:
            return 0.0
        return math.inf if self.torch == 0.0 else error / abs(self.torch)

    @property
    def passed(self) -> bool:
        """False only for a ``FAIL`` row: conventions and refereed rows are not failures."""
        return self.status is not Status.FAIL


_COLUMNS = ("quantity", "ours", "torch", "abs err", "rel err", "status", "note")
_NUMERIC = frozenset({"ours", "torch", "abs err", "rel err"})
_COLOURS = {Status.FAIL: "#f8d7da", Status.CONVENTION: "#fff3cd", Status.REFEREED: "#d1ecf1"}


def _cells(row: ComparisonRow) -> tuple[str, ...]:
    return (row.quantity, format(row.ours, ".12g"), format(row.torch, ".12g"),
            format(row.abs_error, ".2e"), format(row.rel_error, ".2e"), row.verdict, row.note)


@dataclass(repr=False)
class ComparisonReport:
    """The result of :func:`compare_with_torch`: one row per compared number.

    ``str(report)`` is an aligned text table, ``report._repr_html_()`` an HTML table (Jupyter shows
    it by itself), ``report.passed`` says whether no row failed.
    """

    rows: list[ComparisonRow]
    title: str
    atol: float
    rtol: float

    @property
    def passed(self) -> bool:
        """True when no row failed (convention rows are not failures)."""
        return all(row.passed for row in self.rows)

    @property
    def failures(self) -> list[ComparisonRow]:
        """The failing rows, in table order."""
        return [row for row in self.rows if row.status is Status.FAIL]

    def summary(self) -> str:
        """One line: the title, the tolerances and the verdict."""
        verdict = "PASSED" if self.passed else (
            f"FAILED ({len(self.failures)} of {len(self.rows)} rows)")
        marked = sum(row.status is Status.CONVENTION for row in self.rows)
        extra = f", {marked} convention row{'s' if marked > 1 else ''}" if marked else ""
        settled = sum(row.status is Status.REFEREED for row in self.rows)
        if settled:
            extra += (f", {settled} row{'s' if settled > 1 else ''} where PyTorch is wrong "
                      "(a referee supports chainrule)")
        return f"{self.title} (atol={self.atol:g}, rtol={self.rtol:g}): {verdict}{extra}"

    def _table(self) -> Table:
        return Table(self.summary(), _COLUMNS, [_cells(row) for row in self.rows], right=_NUMERIC,
                     colours=[_COLOURS.get(row.status) for row in self.rows])

    def to_text(self) -> str:
        """The report as an aligned text table."""
        return self._table().text()

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        return self._table().html()
