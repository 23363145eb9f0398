"""Gradient checking: the engine's derivatives against central differences, as a readable report.

``gradcheck(f, inputs)`` lifts the numbers ``inputs`` to fresh leaf Values, calls ``f`` and
compares, for every (output, input) pair, the engine's derivative (reverse mode) with the central
difference ``(f(x + eps) - f(x - eps)) / (2 eps)``. With ``order=2`` it also compares every second
derivative: the engine's Hessian (the backward pass recorded with ``create_graph=True`` and
differentiated again) against central differences of the engine's own gradient.

Three things set it apart from a bare "analytic vs numeric" line:

* **Kinks are not failures.** Every op of the table lists its kinks (``relu``: ``x``; ``maximum``:
  ``a - b``). When an input sits on or within ``eps`` of a kink of a node in the graph, so that the
  central difference straddles it, the row says ``kink at relu (node 'h1')`` and shows the two
  one-sided differences instead of failing.
* **Failures are localised.** :func:`check_graph` checks every node's own derivative rule against
  central differences of that op's forward alone and names the first node (in topological order)
  whose rule disagrees. A failing :func:`gradcheck` runs it and puts the answer in its report.
* **The report is a table**: ``str()`` is aligned text, ``_repr_html_`` an HTML table for
  Jupyter, and :class:`GradcheckError` (an ``AssertionError``, so pytest shows it well) carries
  the table with the failing rows first.

Default tolerances (float64). A central difference with step ``eps`` has truncation error about
``eps**2 / 6 * |f'''|`` and rounding error about ``1e-16 * |f| / eps``. With ``eps = 1e-6`` these
are about ``1e-13 |f'''|`` and ``1e-10 |f|``: negligible for values of moderate size. A row passes
when ``|analytic - numeric| <= atol + rtol * |numeric|`` with ``atol = 1e-5`` and ``rtol = 1e-4``:
four to five orders of magnitude above the numerical error (so no false failures on deep graphs
whose rounding error is amplified), and still far below the smallest mistakes worth catching (a
derivative off by 1 %, a sign, a factor of 2). Nothing here is random, so results are
reproducible.
"""

from __future__ import annotations

import html
import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .graph import propagate, topological_order
from .mode import enable_grad
from .value import COMPARISONS, Value

DEFAULT_EPS = 1e-6
DEFAULT_ATOL = 1e-5
DEFAULT_RTOL = 1e-4

PASS = "pass"
FAIL = "FAIL"


# --------------------------------------------------------------------------------------------
# Rows and reports
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradcheckRow:
    """One compared derivative.

    Attributes:
        order: 1 for a first derivative, 2 for a second one.
        output: which output (or, in :func:`check_graph`, which node) is differentiated.
        wrt: with respect to which input (``"x"``; ``"x, y"`` for d2/dx dy).
        analytic: the engine's derivative.
        numeric: the central difference.
        allowed: the largest absolute error that passes, ``atol + rtol * |numeric|``.
        status: ``"pass"``, ``"FAIL"``, ``"kink at <op> (node ...)"`` or ``"skipped: <why>"``.
        one_sided: at a kink, the (left, right) one-sided differences; otherwise ``None``.
        node: in :func:`check_graph` reports, the node the row is about.
    """

    order: int
    output: str
    wrt: str
    analytic: float
    numeric: float
    allowed: float
    status: str
    one_sided: tuple[float, float] | None = None
    node: Any = field(default=None, compare=False, repr=False)

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
        """False only for a row whose status is ``FAIL``; kinks and skips are not failures."""
        return not self.status.startswith(FAIL)


def _compare(order: int, output: str, wrt: str, analytic: float, numeric: float,
             atol: float, rtol: float, *, node: Any = None) -> GradcheckRow:
    allowed = atol + rtol * abs(numeric)
    error = abs(analytic - numeric)
    status = PASS if error <= allowed else FAIL  # NaN compares False: a failure
    return GradcheckRow(order, output, wrt, analytic, numeric, allowed, status, node=node)


_COLUMNS = ("order", "output", "wrt", "analytic", "numeric", "abs err", "rel err", "allowed",
            "status", "one-sided (left, right)")


def _number(x: float, spec: str = ".10g") -> str:
    return format(x, spec)


def _cells(row: GradcheckRow) -> tuple[str, ...]:
    one_sided = ""
    if row.one_sided is not None:
        one_sided = f"{_number(row.one_sided[0])}, {_number(row.one_sided[1])}"
    return (str(row.order), row.output, row.wrt, _number(row.analytic), _number(row.numeric),
            _number(row.abs_error, ".2e"), _number(row.rel_error, ".2e"),
            _number(row.allowed, ".2e"), row.status, one_sided)


_NUMERIC_COLUMNS = {"order", "analytic", "numeric", "abs err", "rel err", "allowed"}


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
        """The rows whose central difference straddles a kink."""
        return [row for row in self.rows if row.status.startswith("kink")]

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

    def to_text(self, *, failures_first: bool = False) -> str:
        """The report as an aligned text table.

        Args:
            failures_first: put the failing rows at the top (what :class:`GradcheckError` shows).
        """
        columns = self._columns()
        keep = [_COLUMNS.index(column) for column in columns]
        body = [[_cells(row)[index] for index in keep]
                for row in self._table_rows(failures_first)]
        widths = [max(len(column), *(len(cells[i]) for cells in body)) if body else len(column)
                  for i, column in enumerate(columns)]

        def line(cells: Sequence[str]) -> str:
            parts = [cell.rjust(width) if column in _NUMERIC_COLUMNS else cell.ljust(width)
                     for cell, width, column in zip(cells, widths, columns, strict=True)]
            return "  ".join(parts).rstrip()

        lines = [self.summary(), line(columns), line(["-" * width for width in widths])]
        lines += [line(cells) for cells in body]
        if self.note:
            lines.append(self.note)
        if self.localisation is not None:
            lines.append(self.localisation.verdict())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        columns = self._columns()
        keep = [_COLUMNS.index(column) for column in columns]
        head = "".join(f"<th>{html.escape(column)}</th>" for column in columns)
        body = []
        for row in self.rows:
            colour = "" if row.passed else ' style="background-color:#f8d7da"'
            if row.status.startswith("kink"):
                colour = ' style="background-color:#fff3cd"'
            cells = "".join(
                f'<td style="text-align:{"right" if column in _NUMERIC_COLUMNS else "left"}">'
                f"{html.escape(_cells(row)[index])}</td>"
                for column, index in zip(columns, keep, strict=True)
            )
            body.append(f"<tr{colour}>{cells}</tr>")
        parts = [f"<table><caption>{html.escape(self.summary())}</caption>",
                 f"<thead><tr>{head}</tr></thead>",
                 f"<tbody>{''.join(body)}</tbody></table>"]
        if self.note:
            parts.append(f"<p>{html.escape(self.note)}</p>")
        if self.localisation is not None:
            parts.append(f"<p><b>{html.escape(self.localisation.verdict())}</b></p>")
        return "".join(parts)


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
                    f"{row.status[len(FAIL) + 2:]}: {fix}")
        what = "second derivative" if row.order == 2 else "derivative"
        return (f"Localisation: the first node whose rule disagrees with finite differences of its "
                f"op alone is {row.output}: {what} with respect to {row.wrt} is "
                f"{_number(row.analytic)} by the rule but {_number(row.numeric)} numerically: "
                f"{fix}")


class GradcheckError(AssertionError):
    """Raised by :func:`gradcheck` when a derivative disagrees with finite differences.

    The message is the report's table with the failing rows first, followed by the localisation
    (the first node whose own rule is wrong). The report itself is ``error.report``.
    """

    def __init__(self, report: GradcheckReport) -> None:
        super().__init__(report.to_text(failures_first=True))
        self.report = report


# --------------------------------------------------------------------------------------------
# Evaluating f and finding kinks
# --------------------------------------------------------------------------------------------


def describe_node(node: Value, position: int) -> str:
    """``"relu (node 'h1')"``, or ``"relu (node #3)"`` by position in the topological order."""
    name = node.op.title if node.op is not None else "leaf"
    return f"{name} (node {node.label!r})" if node.label else f"{name} (node #{position})"


def _function_name(f: Callable[..., Any]) -> str:
    return getattr(f, "__name__", None) or type(f).__name__


def _input_names(f: Callable[..., Any], count: int) -> list[str]:
    """The parameter names of ``f`` when it has one positional parameter per input."""
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    positional = [parameter.name for parameter in parameters if parameter.kind in (
        parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)]
    if len(positional) == count and len(set(positional)) == count:
        return positional
    return [f"x{index}" for index in range(count)]


@dataclass
class _Kink:
    """One kink function of one node, evaluated at one point."""

    op_name: str
    value: float
    node: Value
    position: int
    output: int
    #: For a Python-level comparison between Values (what ``max()`` over Values does, and so
    #: max-pooling): its text, and the node on its other side (``None`` against a number).
    comparison: str = ""
    other: Value | None = None

    def where(self) -> str:
        """The kink as a row's status shows it."""
        if not self.comparison:
            return describe_node(self.node, self.position)
        return f"a comparison {self.comparison} (a max/min or branch on data)"

    def reaching_leaves(self) -> set[Value]:
        """The leaves whose change can move this kink."""
        leaves = _reaching_leaves(self.node)
        return leaves | _reaching_leaves(self.other) if self.other is not None else leaves


@dataclass
class _Evaluation:
    """``f`` evaluated once at a point: its leaves, outputs, graphs and kink values."""

    leaves: list[Value]
    outputs: list[Value]
    orders: list[list[Value]]
    kinks: list[_Kink]

    @property
    def values(self) -> list[float]:
        return [output.data for output in self.outputs]

    def gradients(self) -> list[list[float]]:
        """d(output)/d(input) on the float fast path, one list per output."""
        rows = []
        for output, order in zip(self.outputs, self.orders, strict=True):
            grads = propagate(output, 1.0, order=order)
            rows.append([float(grads.get(leaf, 0.0)) for leaf in self.leaves])
        return rows


def _evaluate(f: Callable[..., Any], point: Sequence[float], names: Sequence[str]) -> _Evaluation:
    leaves = [Value(x, label=name) for x, name in zip(point, names, strict=True)]
    comparisons: list[tuple[str, Value, Any, bool]] = []
    logging = COMPARISONS.set(comparisons)  # Python's max() over Values compares them
    try:
        with enable_grad():
            result = f(*leaves)
    finally:
        COMPARISONS.reset(logging)
    many = isinstance(result, list | tuple)
    outputs = [out if isinstance(out, Value) else Value(float(out))
               for out in (result if many else [result])]
    if not outputs:
        raise ValueError(f"gradcheck: {_function_name(f)} returned no outputs")
    orders = [topological_order(output) for output in outputs]
    kinks = []
    for output_index, order in enumerate(orders):
        for position, node in enumerate(order):
            op = node.op
            if op is None or not op.kinks:
                continue
            inputs = [parent.data for parent in node.parents]
            for kink in op.kinks:
                kinks.append(_Kink(op.title, float(kink(*inputs)), node, position, output_index))
        for symbol, left, right, _ in comparisons:
            other = right if isinstance(right, Value) else None
            gap = left.data - (right.data if other is not None else float(right))
            text = f"{_short(left)} {symbol} {_short(right)}"
            kinks.append(_Kink(f"comparison {symbol}", gap, left, -1, output_index, text, other))
    return _Evaluation(leaves, outputs, orders, kinks)


def _short(operand: Any) -> str:
    """A Value by its label (or data), a number as itself."""
    if isinstance(operand, Value):
        return repr(operand.label) if operand.label else f"{operand.data:.6g}"
    return f"{float(operand):.6g}"


def _sign(x: float) -> int:
    return (x > 0.0) - (x < 0.0)


def _reaching_leaves(node: Value) -> set[Value]:
    """The leaves from which ``node`` can be reached."""
    seen = {node}
    stack = [node]
    leaves = set()
    while stack:
        current = stack.pop()
        if not current.parents:
            leaves.add(current)
        for parent in current.parents:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return leaves


def _kinks_per_input(base: _Evaluation, plus: _Evaluation, minus: _Evaluation, index: int,
                     output: int, eps: float) -> str:
    """Why the central difference of ``output`` in input ``index`` is invalid, or ``""``."""
    same_graph = len(base.kinks) == len(plus.kinks) == len(minus.kinks) and all(
        a.op_name == b.op_name == c.op_name
        for a, b, c in zip(base.kinks, plus.kinks, minus.kinks, strict=True))
    if not same_graph or [len(order) for order in base.orders] != [
            len(order) for order in plus.orders] or [len(order) for order in base.orders] != [
            len(order) for order in minus.orders]:
        return "kink: the graph changes between x - eps and x + eps (a branch on data)"
    hits = []
    for at, up, down in zip(base.kinks, plus.kinks, minus.kinks, strict=True):
        if at.output != output:
            continue
        crossed = len({_sign(at.value), _sign(up.value), _sign(down.value)}) > 1
        # On the kink, and this input moves it (x*y with y = 0 stays on relu's kink whatever x
        # is: the row of x is then an ordinary row, and a wrong rule elsewhere still fails).
        moves = up.value != at.value or down.value != at.value
        on_kink = abs(at.value) <= eps and moves and base.leaves[index] in at.reaching_leaves()
        if crossed or on_kink:
            where = at.where()
            if where not in hits:
                hits.append(where)
    if not hits:
        return ""
    more = f" and {len(hits) - 2} more" if len(hits) > 2 else ""
    return f"kink at {', '.join(hits[:2])}{more}"


# --------------------------------------------------------------------------------------------
# gradcheck
# --------------------------------------------------------------------------------------------


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[float],
    *,
    eps: float = DEFAULT_EPS,
    atol: float = DEFAULT_ATOL,
    rtol: float = DEFAULT_RTOL,
    order: int = 1,
    raise_exception: bool = True,
) -> GradcheckReport:
    """Compare the engine's derivatives of ``f`` at ``inputs`` with central differences.

    Example:
        >>> report = gradcheck(lambda x, y: (x * y).tanh() + x**3, [0.3, -1.2], order=2)
        >>> report.passed
        True

    Args:
        f: a function of one Value per input, returning a Value or a list of Values (every
            output is checked). Its positional parameter names label the inputs in the table.
        inputs: the point, as numbers.
        eps: the central-difference step (see the module docstring for the defaults).
        atol: absolute tolerance: a row passes when
            ``|analytic - numeric| <= atol + rtol * |numeric|``.
        rtol: relative tolerance.
        order: 1 checks first derivatives; 2 checks first and second derivatives (the Hessian from
            ``create_graph=True`` against central differences of the engine's gradient).
        raise_exception: raise :class:`GradcheckError` on failure (else just return the report).

    Returns:
        A :class:`GradcheckReport` with one row per (output, input), plus one per (output, input,
        input) for ``order=2``. Rows whose central difference straddles a kink are marked
        ``kink at <op> (node ...)`` with one-sided differences and are not failures.

    Raises:
        GradcheckError: a derivative disagrees and ``raise_exception`` is true; the message is the
            table (failing rows first) and names the first node whose own rule is wrong.
        ValueError: ``order`` is not 1 or 2, ``eps`` is not positive, or ``f`` is undefined at
            ``x +- eps`` (move the point away from the edge of a domain or use a smaller eps).
        TypeError: an input is not a number.
    """
    if order not in (1, 2):
        raise ValueError(f"gradcheck: order must be 1 or 2, got {order!r}")
    if not eps > 0.0:
        raise ValueError(f"gradcheck: eps must be positive, got {eps!r}")
    point = []
    for index, x in enumerate(inputs):
        if isinstance(x, Value):
            x = x.data
        if isinstance(x, bool) or not isinstance(x, int | float):
            raise TypeError(f"gradcheck: input {index} must be a number, got "
                            f"{type(x).__name__}: {x!r}")
        point.append(float(x))
    names = _input_names(f, len(point))
    title = (f"gradcheck of {_function_name(f)} at "
             + ", ".join(f"{name}={x:g}" for name, x in zip(names, point, strict=True)))

    base = _evaluate(f, point, names)
    many = len(base.outputs) > 1
    output_names = [output.label or (f"out[{k}]" if many else "out")
                    for k, output in enumerate(base.outputs)]
    base_gradients = base.gradients()
    hessians = _hessians(base) if order == 2 else None

    first_rows: list[tuple[tuple[int, ...], GradcheckRow]] = []
    second_rows: list[tuple[tuple[int, ...], GradcheckRow]] = []
    for j, name in enumerate(names):
        plus = _shifted(f, point, names, j, eps)
        minus = _shifted(f, point, names, j, -eps)
        kinks = [_kinks_per_input(base, plus, minus, j, k, eps) for k in range(len(output_names))]
        for k, output_name in enumerate(output_names):
            high, low, middle = plus.values[k], minus.values[k], base.values[k]
            first_rows.append(((k, j), _row(1, output_name, name, base_gradients[k][j], high, low,
                                            middle, eps, atol, rtol, kinks[k])))
        if hessians is None:
            continue
        high_gradients, low_gradients = plus.gradients(), minus.gradients()
        for k, output_name in enumerate(output_names):
            for i, other in enumerate(names):
                second_rows.append(((k, i, j), _row(
                    2, output_name, f"{other}, {name}", hessians[k][i][j],
                    high_gradients[k][i], low_gradients[k][i], base_gradients[k][i],
                    eps, atol, rtol, kinks[k])))
    # Table order: per output, the gradient then the Hessian row by row.
    first_rows.sort(key=lambda item: item[0])
    second_rows.sort(key=lambda item: item[0])
    rows = [row for _, row in first_rows] + [row for _, row in second_rows]
    report = GradcheckReport(rows, title=title, eps=eps, atol=atol, rtol=rtol)
    if not report.passed:
        report.localisation = _localise(base, report, output_names, eps, atol, rtol)
    if not report.passed and raise_exception:
        raise GradcheckError(report)
    return report


def _shifted(f: Callable[..., Any], point: list[float], names: list[str], index: int,
             step: float) -> _Evaluation:
    moved = list(point)
    moved[index] += step
    try:
        return _evaluate(f, moved, names)
    except (ArithmeticError, ValueError) as error:
        raise ValueError(
            f"gradcheck: {_function_name(f)} is undefined at {names[index]} = {moved[index]!r} "
            f"(the central difference steps {step:+g} from {point[index]!r}): {error}. Move the "
            "point away from the edge of the domain or use a smaller eps."
        ) from error


def _row(order: int, output: str, wrt: str, analytic: float, high: float, low: float,
         middle: float, eps: float, atol: float, rtol: float, kink: str) -> GradcheckRow:
    numeric = (high - low) / (2.0 * eps)
    row = _compare(order, output, wrt, analytic, numeric, atol, rtol)
    if not kink:
        return row
    # Straddling a kink, the central difference means nothing, and on the kink the engine's
    # value follows the op's convention (relu'(0) = 0, the first argument at a max tie) through
    # the whole graph, which one-sided slopes of f cannot judge: report, never fail. (A rule
    # that is wrong at its own kink is caught by check_graph, op by op.)
    one_sided = ((middle - low) / eps, (high - middle) / eps)
    return GradcheckRow(order, output, wrt, analytic, numeric, row.allowed, kink, one_sided)


def _at_kink(row: GradcheckRow, kink: str, one_sided: tuple[float, float], atol: float,
             rtol: float) -> GradcheckRow:
    """Judge one op's rule at (or within eps of) its own kink, from one-sided differences.

    For a single op the one-sided slopes are exact: if they agree, the op is smooth along this
    input and the ordinary row stands; otherwise the rule's value must be one of them or lie
    between them (a subgradient: relu'(0) = 0, the first argument's side at a max tie).
    """
    left, right = one_sided

    def close(a: float, b: float) -> bool:
        # One-sided differences carry an O(eps) truncation error: a looser tolerance.
        return abs(a - b) <= 10.0 * (atol + rtol * abs(b))

    if close(left, right):
        return row
    between = min(left, right) <= row.analytic <= max(left, right)
    if between or close(row.analytic, left) or close(row.analytic, right):
        status = kink
    else:
        status = f"{FAIL}: {kink}, and the analytic value matches neither side"
    return GradcheckRow(row.order, row.output, row.wrt, row.analytic, row.numeric, row.allowed,
                        status, one_sided, node=row.node)


def _hessians(base: _Evaluation) -> list[list[list[float]]]:
    """H[k][i][j] = d2 output_k / d input_i d input_j from the recorded backward pass."""
    result = []
    for output, order in zip(base.outputs, base.orders, strict=True):
        first = propagate(output, 1.0, create_graph=True, order=order)
        matrix = []
        for leaf in base.leaves:
            partial = first.get(leaf, 0.0)
            if isinstance(partial, Value):
                second = propagate(partial, 1.0)
                matrix.append([float(second.get(other, 0.0)) for other in base.leaves])
            else:
                matrix.append([0.0 for _ in base.leaves])
        result.append(matrix)
    return result


def _localise(base: _Evaluation, report: GradcheckReport, output_names: list[str], eps: float,
              atol: float, rtol: float) -> GraphReport:
    failing_order = 1 if any(row.order == 1 for row in report.failures) else 2
    first: GraphReport | None = None
    for output, name in zip(base.outputs, output_names, strict=True):
        if not any(row.output == name for row in report.failures):
            continue
        local = check_graph(output, eps=eps, atol=atol, rtol=rtol, order=failing_order)
        if first is None:
            first = local
        if not local.passed:
            return local
    assert first is not None  # a failure always belongs to some output
    return first


# --------------------------------------------------------------------------------------------
# check_graph: every node's rule against its own op
# --------------------------------------------------------------------------------------------


def _input_name(node: Value, index: int) -> str:
    parent = node.parents[index]
    return f"input {index} ({parent.label!r})" if parent.label else f"input {index}"


def check_graph(
    root: Value,
    *,
    eps: float = DEFAULT_EPS,
    atol: float = DEFAULT_ATOL,
    rtol: float = DEFAULT_RTOL,
    order: int = 1,
) -> GraphReport:
    """Check every node's derivative rule against central differences of its op's forward alone.

    For each non-leaf node of ``root``'s graph, in topological order, the op's rule at the node's
    actual inputs (bound parameters included) is compared with the central difference of
    ``op.forward`` in each input. Because each op is checked in isolation, the first failing
    row names the op whose rule is wrong, even deep inside a large graph.

    Args:
        root: the output of a built graph.
        eps: central-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance.
        order: 1 checks each rule; 2 also checks each rule's recorded form (what
            ``create_graph=True`` differentiates) against central differences of the float rule.

    Returns:
        A :class:`GraphReport`; its ``first_failure``/``culprit`` name the first wrong node as
        ``"<op> (node <label>)"`` (``#n`` is the position in ``topological_order(root)`` for an
        unlabelled node). Nodes at a kink, or whose forward or rule is undefined one step away,
        are marked and not counted as failures.

    Raises:
        ValueError: ``order`` is not 1 or 2.
    """
    if order not in (1, 2):
        raise ValueError(f"check_graph: order must be 1 or 2, got {order!r}")
    rows: list[GradcheckRow] = []
    for position, node in enumerate(topological_order(root)):
        where = describe_node(node, position)
        inputs = [parent.data for parent in node.parents]
        rows += _check_node(node, where, inputs, eps, atol, rtol, order)
    title = f"check_graph of {describe_node(root, len(topological_order(root)) - 1)}"
    return GraphReport(rows, title=title, eps=eps, atol=atol, rtol=rtol)


def _rule_gradients(op: Any, inputs: list[float]) -> list[float]:
    """The op's float rule at ``inputs`` with upstream gradient 1, as one float per input."""
    out = op.forward(*inputs)
    contributions = op.rule(1.0, out, *inputs)
    if not isinstance(contributions, tuple | list) or len(contributions) != len(inputs):
        raise TypeError(f"it must return a tuple of {len(inputs)} gradients, got {contributions!r}")
    return [0.0 if c is None else float(c) for c in contributions]


def _local_kink(op: Any, inputs: list[float], index: int, eps: float) -> bool:
    for kink in op.kinks:
        values = []
        for step in (0.0, eps, -eps):
            moved = list(inputs)
            moved[index] += step
            values.append(float(kink(*moved)))
        if abs(values[0]) <= eps or len({_sign(value) for value in values}) > 1:
            return True
    return False


def _skipped(order: int, output: str, wrt: str, why: str, node: Value) -> GradcheckRow:
    nan = math.nan
    return GradcheckRow(order, output, wrt, nan, nan, nan, f"skipped: {why}", node=node)


def _check_node(node: Value, where: str, inputs: list[float], eps: float, atol: float,
                rtol: float, order: int) -> list[GradcheckRow]:
    op = node.op
    assert op is not None
    rows = []
    try:
        analytic = _rule_gradients(op, inputs)
    except (ArithmeticError, ValueError, TypeError) as error:  # a broken rule is the culprit
        nan = math.nan
        return [GradcheckRow(1, where, "all inputs", nan, nan, nan,
                             f"{FAIL}: the rule raised {type(error).__name__}: {error}",
                             node=node)]
    for i in range(len(inputs)):
        wrt = _input_name(node, i)
        try:
            high = op.forward(*_moved(inputs, i, eps))
            low = op.forward(*_moved(inputs, i, -eps))
        except (ArithmeticError, ValueError) as error:
            rows.append(_skipped(1, where, wrt, f"forward undefined one step away ({error})", node))
            continue
        row = _compare(1, where, wrt, analytic[i], (high - low) / (2.0 * eps), atol, rtol,
                       node=node)
        if _local_kink(op, inputs, i, eps):
            middle = op.forward(*inputs)
            row = _at_kink(row, f"kink at {where}", ((middle - low) / eps, (high - middle) / eps),
                           atol, rtol)
        rows.append(row)
    if order == 2:
        rows += _check_node_second(node, where, inputs, eps, atol, rtol)
    return rows


def _moved(inputs: list[float], index: int, step: float) -> list[float]:
    moved = list(inputs)
    moved[index] += step
    return moved


def _check_node_second(node: Value, where: str, inputs: list[float], eps: float, atol: float,
                       rtol: float) -> list[GradcheckRow]:
    """The rule's recorded form, differentiated, against central differences of the float rule."""
    from .value import apply

    op = node.op
    assert op is not None
    leaves = [Value(x) for x in inputs]
    with enable_grad():
        out = apply(op, *leaves)
        first = propagate(out, 1.0, create_graph=True)
    rows = []
    for i in range(len(inputs)):
        partial = first.get(leaves[i], 0.0)
        second = propagate(partial, 1.0) if isinstance(partial, Value) else {}
        for j in range(len(inputs)):
            wrt = f"{_input_name(node, i)}, {_input_name(node, j)}"
            try:
                high = _rule_gradients(op, _moved(inputs, j, eps))[i]
                low = _rule_gradients(op, _moved(inputs, j, -eps))[i]
            except (ArithmeticError, ValueError) as error:
                rows.append(_skipped(2, where, wrt, f"rule undefined one step away ({error})",
                                     node))
                continue
            analytic = float(second.get(leaves[j], 0.0))
            row = _compare(2, where, wrt, analytic, (high - low) / (2.0 * eps), atol, rtol,
                           node=node)
            if _local_kink(op, inputs, j, eps) or _local_kink(op, inputs, i, eps):
                row = GradcheckRow(2, where, wrt, row.analytic, row.numeric, row.allowed,
                                   f"kink at {where}", node=node)
            rows.append(row)
    return rows


# --------------------------------------------------------------------------------------------
# pytest helper
# --------------------------------------------------------------------------------------------


def assert_gradients_match(
    f: Callable[..., Any],
    inputs: Sequence[float],
    *,
    expected: Sequence[float] | None = None,
    eps: float = DEFAULT_EPS,
    atol: float = DEFAULT_ATOL,
    rtol: float = DEFAULT_RTOL,
    order: int = 1,
) -> GradcheckReport:
    """Assert, in a pytest test, that the engine's derivatives of ``f`` match finite differences.

    Optionally also compare the engine's gradient with one ``expected`` by hand (for a function
    with one output): the way to unit-test a derivation.

    Example:
        >>> assert_gradients_match(lambda x, y: x * y, [3.0, 4.0], expected=[4.0, 3.0]).passed
        True

    Args:
        f: as for :func:`gradcheck`.
        inputs: the point.
        expected: your own gradient, one number per input (single-output ``f`` only).
        eps: central-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance.
        order: 1 or 2, as for :func:`gradcheck`.

    Returns:
        The passing report.

    Raises:
        GradcheckError: a mismatch; the message starts with a short diff, one line per failing
            derivative (``- numeric`` / ``+ analytic``, or ``- expected`` / ``+ engine``), then the
            full table with the failing rows first and the localisation.
    """
    report = gradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol, order=order,
                       raise_exception=False)
    lines = []
    for row in report.failures:
        derivative = f"d{'2' if row.order == 2 else ''} {row.output} / d {row.wrt}"
        lines.append(f"  {derivative}:")
        lines.append(f"  - numeric  {_number(row.numeric)}")
        lines.append(f"  + analytic {_number(row.analytic)}   (abs err {row.abs_error:.2e} > "
                     f"allowed {row.allowed:.2e})")
    if expected is not None:
        gradients = [row for row in report.rows if row.order == 1]
        if len(expected) != len(gradients):
            raise ValueError(
                f"assert_gradients_match: expected has {len(expected)} numbers but f has "
                f"{len(gradients)} (output, input) derivatives; give one per input of a "
                "single-output f"
            )
        for row, wanted in zip(gradients, expected, strict=True):
            if not abs(row.analytic - wanted) <= atol + rtol * abs(wanted):
                lines.append(f"  d {row.output} / d {row.wrt}:")
                lines.append(f"  - expected {_number(float(wanted))}")
                lines.append(f"  + engine   {_number(row.analytic)}   (numeric "
                             f"{_number(row.numeric)})")
    if lines:
        error = GradcheckError(report)
        error.args = ("gradients do not match:\n" + "\n".join(lines) + "\n\n"
                      + report.to_text(failures_first=True),)
        raise error
    return report
