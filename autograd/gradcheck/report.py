"""What a gradient check returns: rows, reports, and their text and HTML tables.

A row compares one derivative (analytic beside numeric, with the errors and the largest error
allowed) and carries a :class:`GradcheckStatus`. A report is a list of rows with a title and the
settings; it prints as an aligned text table, shows as an HTML table in Jupyter and, after a
failure, names the node whose own rule is wrong (its ``localisation``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ..tables import Table

if TYPE_CHECKING:
    from ..core.value import Value


class GradcheckStatus(StrEnum):
    """The verdict on one row; a ``str`` enum, so it prints (and compares) as its text."""

    #: analytic and numeric agree within the allowed error.
    PASS = "pass"
    #: they do not, or the rule could not be evaluated.
    FAIL = "FAIL"
    #: the difference straddles a kink; the analytic value is one of the one-sided slopes or
    #: between them (or follows the ops' conventions at their kinks, see ``detail``).
    KINK = "kink"
    #: nothing to compare: the forward or the rule is undefined one step away.
    SKIPPED = "skipped"
    #: two engines differ on purpose, by a documented convention (max/min ties, sqrt'(0));
    #: used by :func:`autograd.compare_with_torch`.
    CONVENTION = "convention"
    #: two engines disagree and a referee (the exact derivative from sympy, or central
    #: differences) supports chainrule's number: the other engine is wrong there; used by
    #: :func:`autograd.compare_with_torch`.
    REFEREED = "refereed"


@dataclass(frozen=True)
class GradcheckRow:
    """One compared derivative.

    Attributes:
        order: 1 for a first derivative, 2 for a second one.
        output: which output (or, in :func:`check_graph`, which node) is differentiated.
        wrt: with respect to which input (``"x"``; ``"x, y"`` for d2/dx dy).
        analytic: the engine's derivative.
        numeric: the central difference.
        allowed: the largest absolute error that passes (see :mod:`.differences`).
        status: the verdict.
        one_sided: where a kink was found, the (left, right) one-sided differences; else ``None``.
        node: in :func:`check_graph` reports, the node the row is about.
        detail: what the status refers to: the kink (``"at relu (node 'h1')"``), why a row was
            skipped or why it failed beyond the numbers.
    """

    order: int
    output: str
    wrt: str
    analytic: float
    numeric: float
    allowed: float
    status: GradcheckStatus
    one_sided: tuple[float, float] | None = None
    node: Any = field(default=None, compare=False, repr=False)
    detail: str = ""

    def __post_init__(self) -> None:
        # A plain string ("FAIL") becomes its status, so ``passed`` and the colours see it.
        object.__setattr__(self, "status", GradcheckStatus(self.status))

    @classmethod
    def compared(cls, order: int, output: str, wrt: str, analytic: float, numeric: float,
                 allowed: float, *, node: Any = None) -> GradcheckRow:
        """A passing or failing row: pass when ``|analytic - numeric| <= allowed``."""
        passed = abs(analytic - numeric) <= allowed  # NaN compares False: a failure
        status = GradcheckStatus.PASS if passed else GradcheckStatus.FAIL
        return cls(order, output, wrt, analytic, numeric, allowed, status, node=node)

    @property
    def abs_error(self) -> float:
        """``|analytic - numeric|``."""
        return abs(self.analytic - self.numeric)

    @property
    def rel_error(self) -> float:
        """``|analytic - numeric| / |numeric|`` (0 when both are 0, inf when only numeric is)."""
        error = self.abs_error
        if self.numeric == 0.0:
            return 0.0 if error == 0.0 else math.inf
        return error / abs(self.numeric)

    @property
    def passed(self) -> bool:
        """False only for a failing row; kinks and skips are not failures."""
        return self.status is not GradcheckStatus.FAIL

    @property
    def status_text(self) -> str:
        """The status column: ``"pass"``, ``"kink at relu (node 'h1')"``, ``"FAIL: ..."``."""
        if not self.detail:
            return str(self.status)
        joiner = " " if self.status is GradcheckStatus.KINK else ": "
        return f"{self.status}{joiner}{self.detail}"


def describe_node(node: Value, position: int) -> str:
    """``"relu (node 'h1')"``, or ``"relu (node #3)"`` by position in the topological order."""
    name = node.op.title if node.op is not None else "leaf"
    return f"{name} (node {node.label!r})" if node.label else f"{name} (node #{position})"


def table_number(x: float, spec: str = ".10g") -> str:
    """A number as the tables show it (ten significant digits unless ``spec`` says otherwise)."""
    return format(x, spec)


_COLUMNS = ("order", "output", "wrt", "analytic", "numeric", "abs err", "rel err", "allowed",
            "status", "one-sided (left, right)")
_NUMERIC_COLUMNS = frozenset({"order", "analytic", "numeric", "abs err", "rel err", "allowed"})


def _cells(row: GradcheckRow) -> tuple[str, ...]:
    one_sided = ""
    if row.one_sided is not None:
        one_sided = f"{table_number(row.one_sided[0])}, {table_number(row.one_sided[1])}"
    return (str(row.order), row.output, row.wrt, table_number(row.analytic),
            table_number(row.numeric), table_number(row.abs_error, ".2e"),
            table_number(row.rel_error, ".2e"), table_number(row.allowed, ".2e"),
            row.status_text, one_sided)


class GradcheckReport:
    """The result of :func:`gradcheck` or :func:`check_graph`: one row per compared derivative.

    ``str(report)`` is an aligned text table, ``report._repr_html_()`` an HTML table (Jupyter shows
    it by itself), ``report.passed`` says whether no row failed, ``report.failures`` lists the
    failing rows. After a failing :func:`gradcheck`, ``report.localisation`` is the
    :func:`check_graph` report that names the first node whose own rule is wrong (or ``None``).
    """

    def __init__(
        self,
        rows: Sequence[GradcheckRow],
        *,
        title: str,
        eps: float,
        atol: float,
        rtol: float,
        localisation: GraphReport | None = None,
        note: str = "",
    ) -> None:
        self.rows = list(rows)
        self.title = title
        self.eps = eps
        self.atol = atol
        self.rtol = rtol
        self.localisation = localisation
        self.note = note

    @property
    def passed(self) -> bool:
        """True when no row failed (rows at kinks and skipped rows are not failures)."""
        return all(row.passed for row in self.rows)

    @property
    def failures(self) -> list[GradcheckRow]:
        """The failing rows, in table order."""
        return [row for row in self.rows if not row.passed]

    @property
    def kinks(self) -> list[GradcheckRow]:
        """The rows excused by a kink."""
        return [row for row in self.rows if row.status is GradcheckStatus.KINK]

    def summary(self) -> str:
        """One line: the title, the settings and the verdict."""
        verdict = "PASSED"
        if not self.passed:
            verdict = f"FAILED ({len(self.failures)} of {len(self.rows)} rows)"
        extra = f", {len(self.kinks)} at kinks" if self.kinks else ""
        return (f"{self.title} (eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g}): "
                f"{verdict}{extra}")

    def _columns(self) -> list[str]:
        columns = list(_COLUMNS)
        if all(row.order == 1 for row in self.rows):
            columns.remove("order")
        if all(row.one_sided is None for row in self.rows):
            columns.remove("one-sided (left, right)")
        return columns

    def _table_rows(self, failures_first: bool) -> list[GradcheckRow]:
        if not failures_first:
            return self.rows
        return self.failures + [row for row in self.rows if row.passed]

    def _verdict_lines(self) -> list[str]:
        lines = [self.note] if self.note else []
        if self.localisation is not None:
            lines.append(self.localisation.verdict())
        return lines

    def _table(self, failures_first: bool = False) -> Table:
        columns = self._columns()
        keep = [_COLUMNS.index(column) for column in columns]
        rows = self._table_rows(failures_first)
        return Table(self.summary(), columns,
                     [tuple(_cells(row)[index] for index in keep) for row in rows],
                     right=_NUMERIC_COLUMNS, colours=[_ROW_COLOURS.get(row.status) for row in rows])

    def to_text(self, *, failures_first: bool = False) -> str:
        """The report as an aligned text table.

        Args:
            failures_first: put the failing rows at the top (what :class:`GradcheckError` shows).
        """
        return "\n".join([self._table(failures_first).text(), *self._verdict_lines()])

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        parts = [self._table().html()]
        if self.note:
            parts.append(f"<p>{html.escape(self.note)}</p>")
        if self.localisation is not None:
            parts.append(f"<p><b>{html.escape(self.localisation.verdict())}</b></p>")
        return "".join(parts)


_ROW_COLOURS = {GradcheckStatus.FAIL: "#f8d7da", GradcheckStatus.KINK: "#fff3cd"}


class GraphReport(GradcheckReport):
    """The result of :func:`check_graph`: one row per (node, input) of a built graph.

    Rows are in topological order, so ``first_failure`` is the earliest node whose derivative
    rule disagrees with finite differences of its own forward.
    """

    @property
    def first_failure(self) -> GradcheckRow | None:
        """The first failing row (its ``node`` is the culprit node), or ``None``."""
        failures = self.failures
        return failures[0] if failures else None

    @property
    def culprit(self) -> str | None:
        """The first disagreeing node as ``"<op> (node <label>)"``, or ``None``."""
        row = self.first_failure
        return None if row is None else row.output

    def verdict(self) -> str:
        """One sentence: which node's rule is wrong, or that every rule agrees."""
        row = self.first_failure
        if row is None:
            return ("Localisation: every node's rule agrees with finite differences of its own op, "
                    "so the mismatch comes from outside the op table: a .data or float() read "
                    "inside f, a constant that should depend on an input, or a Python branch.")
        fix = f"fix the rule of {row.output.split(' ')[0]}."
        if math.isnan(row.analytic):  # the rule could not be evaluated at all
            return (f"Localisation: the first node whose rule fails is {row.output}: "
                    f"{row.detail}: {fix}")
        what = "second derivative" if row.order == 2 else "derivative"
        return (f"Localisation: the first node whose rule disagrees with finite differences of its "
                f"op alone is {row.output}: {what} with respect to {row.wrt} is "
                f"{table_number(row.analytic)} by the rule but {table_number(row.numeric)} "
                f"numerically: {fix}")


class GradcheckError(AssertionError):
    """Raised by :func:`gradcheck` when a derivative disagrees with finite differences.

    The message is the report's table with the failing rows first, followed by the localisation
    (the first node whose own rule is wrong). The report itself is ``error.report``.
    """

    def __init__(self, report: GradcheckReport) -> None:
        super().__init__(report.to_text(failures_first=True))
        self.report = report
