"""gradcheck and assert_gradients_match: the engine's derivatives of a function against finite
differences, as a report, localised to the wrong rule on failure."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..core.numbers import is_real, require_finite
from ..core.value import Value
from .differences import Stencil, Tolerance, checked_down_the_steps, rounding_noise
from .evaluation import Evaluation, Probe, evaluate, function_name, input_names
from .kinks import judge_at_kink
from .report import GradcheckError, GradcheckReport, GradcheckRow, GraphReport, table_number
from .rules import DEFAULT_ATOL, DEFAULT_EPS, DEFAULT_RTOL, check_graph, check_order


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
        inputs: the point: real numbers (numpy scalars and Fractions too), one per parameter.
        eps: the relative step: input ``x`` is moved by ``h = eps * max(1, |x|)``.
        atol: absolute tolerance: a row passes when ``|analytic - numeric| <= atol + rtol *
            |numeric| + noise``, where ``noise`` is the rounding error of the values
            differenced (see :mod:`autograd.gradcheck.differences`).
        rtol: relative tolerance.
        order: 1 checks first derivatives; 2 checks first and second derivatives (the Hessian from
            ``create_graph=True`` against central differences of the engine's gradient).
        raise_exception: raise :class:`GradcheckError` on failure (else just return the report).

    Returns:
        A :class:`GradcheckReport` with one row per (output, input), plus one per (output, input,
        input) for ``order=2``. Where a kink is near the point the row shows the one-sided
        differences and is judged by them: a ``kink`` row when the analytic value is one of them
        or between them (or every op's rule checks out alone), a failure otherwise.

    Raises:
        GradcheckError: a derivative disagrees and ``raise_exception`` is true; the message is the
            table (failing rows first) and names the first node whose own rule is wrong.
        ValueError: ``order`` is not 1 or 2, a setting is out of range, an input is not finite,
            or ``f`` is undefined at ``x +- h`` (move the point away from the edge of the domain
            or use a smaller eps).
        TypeError: an input or a setting is not a real number.
    """
    check_order("gradcheck", order)
    tolerance = Tolerance.checked("gradcheck", eps, atol, rtol)
    point = _point(inputs)
    names = input_names(f, len(point))
    run = _Run(f, evaluate(f, point, names), names, tolerance)
    rows = run.gradient_rows() + (run.hessian_rows() if order == 2 else [])
    title = (f"gradcheck of {function_name(f)} at "
             + ", ".join(f"{name}={x:g}" for name, x in zip(names, point, strict=True)))
    report = GradcheckReport(rows, title=title, eps=tolerance.eps, atol=tolerance.atol,
                             rtol=tolerance.rtol)
    if not report.passed:
        report.localisation = run.localise(report)
        if raise_exception:
            raise GradcheckError(report)
    return report


def _point(inputs: Any) -> list[float]:
    """The inputs as finite floats (a Value gives its data).

    Raises:
        TypeError: ``inputs`` is not a sequence, or an input is not a real number (or a bool).
        ValueError: an input is infinite, NaN or too large for a float.
    """
    single = is_real(inputs) or isinstance(inputs, Value)
    if single or isinstance(inputs, str) or not isinstance(inputs, Iterable):
        hint = f" (for one input write [{inputs!r}])" if single else ""
        raise TypeError(f"gradcheck: inputs must be a list with one number per parameter of f, "
                        f"got {type(inputs).__name__}: {inputs!r}{hint}")
    point = []
    for index, x in enumerate(inputs):
        number = x.data if isinstance(x, Value) else x
        point.append(require_finite(f"gradcheck: input {index}", number, kind="a number",
                                    too_large=ValueError))
    return point


class _Run:
    """One gradcheck: the evaluations, the rows built from them and the localisation."""

    def __init__(self, f: Callable[..., Any], base: Evaluation, names: list[str],
                 tolerance: Tolerance) -> None:
        self.f = f
        self.base = base
        self.names = names
        self.tolerance = tolerance
        many = len(base.outputs) > 1
        self.output_names = [output.label or (f"out[{k}]" if many else "out")
                             for k, output in enumerate(base.outputs)]
        self._probes: dict[tuple[int, Stencil], Probe] = {}
        self._graph_reports: dict[tuple[int, int], GraphReport] = {}

    def probe(self, index: int, stencil: Stencil) -> Probe:
        """``f`` at the outer points of ``stencil`` along input ``index`` (evaluated once)."""
        key = (index, stencil)
        if key not in self._probes:
            self._probes[key] = Probe.along(self.f, self.base, self.names, index, stencil,
                                            self.tolerance.eps)
        return self._probes[key]

    def graph_report(self, output: int, order: int) -> GraphReport:
        """:func:`check_graph` of one output (computed once)."""
        key = (output, order)
        if key not in self._graph_reports:
            tolerance = self.tolerance
            self._graph_reports[key] = check_graph(
                self.base.outputs[output], eps=tolerance.eps, atol=tolerance.atol,
                rtol=tolerance.rtol, order=order)
        return self._graph_reports[key]

    def gradient_rows(self) -> list[GradcheckRow]:
        """Per output, one row per input: d output / d input."""
        base = self.base
        gradients, scales = base.gradients(), base.rounding_scales()

        def row(k: int, j: int) -> GradcheckRow:
            def row_at(stencil: Stencil) -> GradcheckRow:
                probe = self.probe(j, stencil)
                values = (probe.minus.values[k], probe.plus.values[k], base.values[k])
                return self._row(1, k, self.names[j], gradients[k][j], probe, values, scales[k])
            return checked_down_the_steps(row_at, base.leaves[j].data, self.tolerance)

        return [row(k, j) for k in range(len(base.outputs)) for j in range(len(base.leaves))]

    def hessian_rows(self) -> list[GradcheckRow]:
        """Per output, one row per pair of inputs: d2 output / d input_i d input_j."""
        base = self.base
        hessians, scales = base.hessians(), base.gradient_rounding_scales()
        middle = base.gradients()

        def row(k: int, i: int, j: int) -> GradcheckRow:
            def row_at(stencil: Stencil) -> GradcheckRow:
                probe = self.probe(j, stencil)
                values = (probe.minus.gradients()[k][i], probe.plus.gradients()[k][i],
                          middle[k][i])
                return self._row(2, k, f"{self.names[i]}, {self.names[j]}", hessians[k][i][j],
                                 probe, values, scales[k][i])
            return checked_down_the_steps(row_at, base.leaves[j].data, self.tolerance)

        count = range(len(base.leaves))
        return [row(k, i, j) for k in range(len(base.outputs)) for i in count for j in count]

    def _row(self, order: int, output: int, wrt: str, analytic: float, probe: Probe,
             values: tuple[float, float, float], scale: float) -> GradcheckRow:
        """Judge one derivative; ``values`` is the differenced value at x - h, x + h and x."""
        low, high, middle = values
        stencil, tolerance = probe.stencil, self.tolerance
        numeric = stencil.central(low, high)
        allowed = tolerance.allowed(numeric, rounding_noise(scale, stencil.width))
        row = GradcheckRow.compared(order, self.output_names[output], wrt, analytic, numeric,
                                    allowed)
        where = probe.kinks[output]
        if not where:
            return row
        return judge_at_kink(row, where, stencil.one_sided(low, middle, high), tolerance,
                             rounding_noise(scale, stencil.width / 2.0),
                             lambda: self.graph_report(output, order).passed)

    def localise(self, report: GradcheckReport) -> GraphReport:
        """The :func:`check_graph` report of the first failing output that names a culprit."""
        failing_order = 1 if any(row.order == 1 for row in report.failures) else 2
        failing = [k for k, name in enumerate(self.output_names)
                   if any(row.output == name for row in report.failures)]
        local = [self.graph_report(k, failing_order) for k in failing]
        return next((graph for graph in local if not graph.passed), local[0])


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
        eps: relative central-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance.
        order: 1 or 2, as for :func:`gradcheck`.

    Returns:
        The passing report.

    Raises:
        GradcheckError: a mismatch; the message starts with a short diff, one line per failing
            derivative (``- numeric`` / ``+ analytic``, or ``- expected`` / ``+ engine``), then the
            full table with the failing rows first and the localisation.
        ValueError: ``expected`` does not hold one number per (output, input) derivative.
        TypeError: an entry of ``expected`` is not a real number.
    """
    report = gradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol, order=order,
                       raise_exception=False)
    lines = _failure_diff(report)
    if expected is not None:
        lines += _expected_diff(report, expected)
    if lines:
        error = GradcheckError(report)
        error.args = ("gradients do not match:\n" + "\n".join(lines) + "\n\n"
                      + report.to_text(failures_first=True),)
        raise error
    return report


def _failure_diff(report: GradcheckReport) -> list[str]:
    """Two diff lines per failing row: numeric (``-``) against analytic (``+``)."""
    lines = []
    for row in report.failures:
        derivative = f"d{'2' if row.order == 2 else ''} {row.output} / d {row.wrt}"
        lines.append(f"  {derivative}:")
        lines.append(f"  - numeric  {table_number(row.numeric)}")
        lines.append(f"  + analytic {table_number(row.analytic)}   (abs err "
                     f"{row.abs_error:.2e} > allowed {row.allowed:.2e})")
    return lines


def _expected_diff(report: GradcheckReport, expected: Sequence[float]) -> list[str]:
    """Diff lines for every first derivative that differs from the hand-derived one."""
    gradients = [row for row in report.rows if row.order == 1]
    if len(expected) != len(gradients):
        raise ValueError(
            f"assert_gradients_match: expected has {len(expected)} numbers but f has "
            f"{len(gradients)} (output, input) derivatives; give one per input of a "
            "single-output f"
        )
    lines = []
    for row, wanted in zip(gradients, expected, strict=True):
        if not is_real(wanted):
            raise TypeError(f"assert_gradients_match: expected must hold numbers, got "
                            f"{type(wanted).__name__}: {wanted!r}")
        if not abs(row.analytic - float(wanted)) <= report.atol + report.rtol * abs(wanted):
            lines.append(f"  d {row.output} / d {row.wrt}:")
            lines.append(f"  - expected {table_number(float(wanted))}")
            lines.append(f"  + engine   {table_number(row.analytic)}   (numeric "
                         f"{table_number(row.numeric)})")
    return lines
