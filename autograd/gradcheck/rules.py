"""check_graph: every node's derivative rule against central differences of its own op.

Because each op is checked in isolation, at the node's actual inputs, the first failing row
names the op whose rule is wrong, even deep inside a large graph. :func:`gradcheck` runs it to
localise a failure.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from ..core.backprop import propagate, topological_order
from ..core.failures import wrong_shape
from ..core.modes import enable_grad
from ..core.numbers import is_count
from ..core.value import Value, apply
from .differences import (
    Stencil,
    Tolerance,
    checked_down_the_steps,
    rounding_noise,
    rounding_scale,
    sweep_rounding_scale,
)
from .kinks import judge_at_kink, op_kink_near
from .report import GradcheckRow, GradcheckStatus, GraphReport, describe_node

DEFAULT_EPS = 1e-6
DEFAULT_ATOL = 1e-5
DEFAULT_RTOL = 1e-4


def check_order(caller: str, order: Any) -> None:
    """Raises ValueError unless ``order`` is 1 or 2 (a bool is not an order)."""
    if not is_count(order, 1) or order > 2:
        raise ValueError(f"{caller}: order must be 1 or 2, got {order!r}")


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
    ``op.forward`` in each input, with the step and tolerance of :mod:`.differences` (the
    rounding scale of one op is ``|out| + sum |d out / d input| * |input|``).

    Args:
        root: the output of a built graph.
        eps: relative central-difference step: ``h = eps * max(1, |input|)``.
        atol: absolute tolerance.
        rtol: relative tolerance.
        order: 1 checks each rule; 2 also checks each rule's recorded form (what
            ``create_graph=True`` differentiates) against central differences of the float rule.

    Returns:
        A :class:`GraphReport`; its ``first_failure``/``culprit`` name the first wrong node as
        ``"<op> (node <label>)"`` (``#n`` is the position in ``topological_order(root)`` for an
        unlabelled node). A rule at its own kink passes when its value is one of the op's
        one-sided slopes or between them; nodes whose forward or rule is undefined one step away
        are skipped.

    Raises:
        ValueError: ``order`` is not 1 or 2, or a setting is out of range.
        TypeError: a setting is not a real number.
    """
    check_order("check_graph", order)
    tolerance = Tolerance.checked("check_graph", eps, atol, rtol)
    nodes = topological_order(root)
    rows: list[GradcheckRow] = []
    for position, node in enumerate(nodes):
        rows += _check_node(node, describe_node(node, position), tolerance, order)
    title = f"check_graph of {describe_node(root, len(nodes) - 1)}"
    return GraphReport(rows, title=title, eps=tolerance.eps, atol=tolerance.atol,
                       rtol=tolerance.rtol)


def _input_name(node: Value, index: int) -> str:
    parent = node.parents[index]
    return f"input {index} ({parent.label!r})" if parent.label else f"input {index}"


def _moved(inputs: list[float], index: int, x: float) -> list[float]:
    moved = list(inputs)
    moved[index] = x
    return moved


def _rule_gradients(node: Value, inputs: list[float]) -> list[float]:
    """The float rule of ``node``'s op at ``inputs`` with upstream gradient 1, one float per
    input; a rule of the wrong shape raises the backward core's error for it."""
    op = node.op
    assert op is not None
    out = op.forward(*inputs)
    contributions = op.rule(1.0, out, *inputs)
    if not isinstance(contributions, tuple | list) or len(contributions) != len(inputs):
        raise wrong_shape(node, contributions)
    return [0.0 if c is None else float(c) for c in contributions]


def _skipped(order: int, output: str, wrt: str, why: str, node: Value) -> GradcheckRow:
    nan = math.nan
    return GradcheckRow(order, output, wrt, nan, nan, nan, GradcheckStatus.SKIPPED, node=node,
                        detail=why)


def _check_node(node: Value, where: str, tolerance: Tolerance, order: int) -> list[GradcheckRow]:
    op = node.op
    assert op is not None  # the order holds interior nodes only
    inputs = [parent.data for parent in node.parents]
    try:
        analytic = _rule_gradients(node, inputs)
    except Exception as error:  # whatever a rule raises, its node is the culprit
        nan = math.nan
        return [GradcheckRow(1, where, "all inputs", nan, nan, nan, GradcheckStatus.FAIL,
                             node=node, detail=f"the rule raised {type(error).__name__}: {error}")]
    if op.stops_gradient:  # its derivative is 0 by definition (see Op.stops_gradient)
        return _declared_zero_rows(node, where, analytic)
    scale = _op_rounding_scale(node.data, analytic, inputs)
    rows = [_first_row(node, where, inputs, index, analytic[index], scale, tolerance)
            for index in range(len(inputs))]
    if order == 2:
        rows += _second_rows(node, where, inputs, tolerance)
    return rows


def _declared_zero_rows(node: Value, where: str, analytic: list[float]) -> list[GradcheckRow]:
    """The rows of an op that stops the gradient: its rule must give exactly 0, its declared
    derivative, whatever central differences of its forward say. (Order 2 adds no row: a rule
    that gives constants has nothing more to differentiate.)"""
    rows = []
    for index, gradient in enumerate(analytic):
        row = GradcheckRow.compared(1, where, _input_name(node, index), gradient, 0.0, 0.0,
                                    node=node)
        rows.append(replace(row, detail="declared 0: the op stops the gradient"))
    return rows


def _op_rounding_scale(out: float, analytic: list[float], inputs: list[float]) -> float:
    """The rounding scale of one op's forward on exact inputs.

    A one-input op rounds its result once (the math library is faithful to about a unit in the
    last place): ``|out|``. An op of several inputs may sum terms first (sum, dot, affine,
    log_sum_exp), and for the linear and multilinear ones ``|d out / d input * input|`` are
    those terms.
    """
    if len(inputs) == 1:
        return rounding_scale([(1.0, out)])
    return rounding_scale([(1.0, out), *zip(analytic, inputs, strict=True)])


def _first_row(node: Value, where: str, inputs: list[float], index: int, analytic: float,
               scale: float, tolerance: Tolerance) -> GradcheckRow:
    """The rule's derivative in one input against the central difference of the forward."""
    op = node.op
    assert op is not None
    wrt = _input_name(node, index)

    def row_at(stencil: Stencil) -> GradcheckRow:
        try:
            low, high = (op.forward(*_moved(inputs, index, x))
                         for x in (stencil.low, stencil.high))
        except (ArithmeticError, ValueError) as error:
            return _skipped(1, where, wrt, f"forward undefined one step away ({error})", node)
        numeric = stencil.central(low, high)
        allowed = tolerance.allowed(numeric, rounding_noise(scale, stencil.width))
        row = GradcheckRow.compared(1, where, wrt, analytic, numeric, allowed, node=node)
        if not op_kink_near(op, stencil, inputs, index, tolerance.eps):
            return row
        one_sided = stencil.one_sided(low, op.forward(*inputs), high)
        return judge_at_kink(row, f"at {where}", one_sided, tolerance,
                             rounding_noise(scale, stencil.width / 2.0))

    return checked_down_the_steps(row_at, inputs[index], tolerance)


def _second_rows(node: Value, where: str, inputs: list[float],
                 tolerance: Tolerance) -> list[GradcheckRow]:
    """The rule's recorded form, differentiated, against central differences of the float rule."""
    op = node.op
    assert op is not None
    leaves = [Value(x) for x in inputs]
    with enable_grad():
        first = propagate(apply(op, *leaves), 1.0, create_graph=True)
    rows = []
    for i in range(len(inputs)):
        partial = first.get(leaves[i], 0.0)
        second = propagate(partial, 1.0) if isinstance(partial, Value) else {}
        for j in range(len(inputs)):
            row = _second_row(node, where, inputs, (i, j), float(second.get(leaves[j], 0.0)),
                              sweep_rounding_scale(second), tolerance)
            rows.append(row)
    return rows


def _second_row(node: Value, where: str, inputs: list[float], pair: tuple[int, int],
                analytic: float, scale: float, tolerance: Tolerance) -> GradcheckRow:
    """d2 out / d input_i d input_j by the recorded rule against differences of the float rule."""
    op = node.op
    assert op is not None
    i, j = pair
    wrt = f"{_input_name(node, i)}, {_input_name(node, j)}"

    def row_at(stencil: Stencil) -> GradcheckRow:
        try:
            low, high = (_rule_gradients(node, _moved(inputs, j, x))[i]
                         for x in (stencil.low, stencil.high))
        except (ArithmeticError, ValueError) as error:
            return _skipped(2, where, wrt, f"rule undefined one step away ({error})", node)
        numeric = stencil.central(low, high)
        allowed = tolerance.allowed(numeric, rounding_noise(scale, stencil.width))
        row = GradcheckRow.compared(2, where, wrt, analytic, numeric, allowed, node=node)
        near = [op_kink_near(op, Stencil.relative(inputs[k], tolerance.eps), inputs, k,
                             tolerance.eps) for k in (i, j)]
        if any(near):  # the second derivative of an op at its own kink is a spike: no verdict
            return replace(row, status=GradcheckStatus.KINK, detail=f"at {where}")
        return row

    return checked_down_the_steps(row_at, inputs[j], tolerance)
