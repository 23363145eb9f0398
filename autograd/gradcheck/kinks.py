"""Kinks: where a central difference straddles a point at which the function is not smooth.

Every op of the table lists its kinks as functions of its inputs whose zeros are the corners
(``relu``: ``x``; ``maximum``: ``a - b``), and Python-level comparisons between Values (what
``max()`` over Values does, and so max-pooling) are kinks too. A kink is *near* a point when its
function changes sign between ``x - h`` and ``x + h``, or is within ``eps`` of zero at ``x`` and
moves with the input.

Near a kink the central difference means nothing, so a row is judged by the one-sided
differences of the function it differentiates instead (:func:`judge_at_kink`): the analytic value
must be one of them or lie between them (a subgradient: relu'(0) = 0, the first argument at a max
tie). Anything else fails, with one exception the caller decides: when every op's rule checks out
on its own, the value is what the ops' conventions at their kinks compose to (``relu(x) -
relu(-x)`` is ``x``, yet relu'(0) = 0 twice gives 0 at 0), not a wrong rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..core.value import Value
from .differences import Stencil, Tolerance
from .report import GradcheckRow, GradcheckStatus, describe_node

if TYPE_CHECKING:
    from ..core.ops import Op
    from .evaluation import Evaluation

#: The detail of a row excused because every rule checks out alone.
CONVENTIONS = "outside the one-sided slopes, yet every op's rule checks out alone"


@dataclass
class Kink:
    """One kink function of one node, evaluated at one point."""

    op_name: str
    value: float
    node: Value
    position: int
    output: int
    #: For a Python-level comparison between Values: its text, and the node on its other side
    #: (``None`` against a number).
    comparison: str = ""
    other: Value | None = None

    def where(self) -> str:
        """The kink as a row's detail names it."""
        if not self.comparison:
            return describe_node(self.node, self.position)
        return f"a comparison {self.comparison} (a max/min or branch on data)"

    def reaching_leaves(self) -> set[Value]:
        """The leaves whose change can move this kink."""
        leaves = _reaching_leaves(self.node)
        return leaves | _reaching_leaves(self.other) if self.other is not None else leaves


def collect_kinks(orders: Sequence[list[Value]],
                  comparisons: Sequence[tuple[str, Value, Any, bool]]) -> list[Kink]:
    """The kinks of every op node of each output's graph, then the comparisons made in ``f``."""
    kinks = []
    for output_index, order in enumerate(orders):
        for position, node in enumerate(order):
            op = node.op
            if op is None or not op.kinks:
                continue
            inputs = [parent.data for parent in node.parents]
            for kink in op.kinks:
                kinks.append(Kink(op.title, float(kink(*inputs)), node, position, output_index))
        for symbol, left, right, _ in comparisons:
            other = right if isinstance(right, Value) else None
            gap = left.data - (right.data if other is not None else float(right))
            text = f"{_short(left)} {symbol} {_short(right)}"
            kinks.append(Kink(f"comparison {symbol}", gap, left, -1, output_index, text, other))
    return kinks


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


def _same_graph(base: Evaluation, plus: Evaluation, minus: Evaluation) -> bool:
    """Whether ``f`` built the same graph (the same kinks, as many nodes) at the three points."""
    if not len(base.kinks) == len(plus.kinks) == len(minus.kinks):
        return False
    if not all(a.op_name == b.op_name == c.op_name
               for a, b, c in zip(base.kinks, plus.kinks, minus.kinks, strict=True)):
        return False
    sizes = [len(order) for order in base.orders]
    return sizes == [len(order) for order in plus.orders] == [len(order) for order in minus.orders]


def kink_location(base: Evaluation, plus: Evaluation, minus: Evaluation, index: int,
                  output: int, eps: float) -> str:
    """Where output ``output`` has a kink near the point along input ``index``, or ``""``.

    Returns:
        A row detail such as ``"at relu (node 'h1')"``, ``"at relu (node #1), abs (node #2) and 1
        more"`` or ``"where the graph changes between x - h and x + h (a branch on data)"``.
    """
    if not _same_graph(base, plus, minus):
        return "where the graph changes between x - h and x + h (a branch on data)"
    hits: list[str] = []
    for at, up, down in zip(base.kinks, plus.kinks, minus.kinks, strict=True):
        if at.output != output:
            continue
        crossed = len({_sign(at.value), _sign(up.value), _sign(down.value)}) > 1
        # On the kink, and this input moves it (x*y with y = 0 stays on relu's kink whatever x
        # is: the row of x is then an ordinary row, and a wrong rule elsewhere still fails).
        moves = up.value != at.value or down.value != at.value
        on_kink = abs(at.value) <= eps and moves and base.leaves[index] in at.reaching_leaves()
        if (crossed or on_kink) and at.where() not in hits:
            hits.append(at.where())
    if not hits:
        return ""
    more = f" and {len(hits) - 2} more" if len(hits) > 2 else ""
    return f"at {', '.join(hits[:2])}{more}"


def op_kink_near(op: Op, stencil: Stencil, inputs: list[float], index: int, eps: float) -> bool:
    """Whether one of ``op``'s kinks is near ``inputs`` along input ``index``."""
    for kink in op.kinks:
        values = []
        for x in (stencil.middle, stencil.high, stencil.low):
            moved = list(inputs)
            moved[index] = x
            values.append(float(kink(*moved)))
        if abs(values[0]) <= eps or len({_sign(value) for value in values}) > 1:
            return True
    return False


def judge_at_kink(
    row: GradcheckRow,
    where: str,
    one_sided: tuple[float, float],
    tolerance: Tolerance,
    noise: float,
    rules_hold: Callable[[], bool] = lambda: False,
) -> GradcheckRow:
    """Judge a row whose central difference may straddle a kink, from one-sided differences.

    If the two sides agree, the function is smooth along this input after all and the ordinary
    row stands. Otherwise the analytic value must be one of them or lie between them. A row
    failing either way is excused (a kink row whose detail says why) only when ``rules_hold()``:
    the caller has checked every op's rule on its own.

    Args:
        row: the ordinary row (analytic against the central difference).
        where: the kink, as :func:`kink_location` names it.
        one_sided: the (left, right) one-sided differences of the differentiated function.
        tolerance: the user's settings.
        noise: the rounding noise of a one-sided difference (see :mod:`.differences`).
        rules_hold: called only for a failing row.

    Returns:
        The judged row, with ``one_sided`` filled in.
    """
    left, right = one_sided
    judged = replace(row, one_sided=one_sided)
    if tolerance.close(left, right, noise):
        if judged.passed:
            return judged
    elif (min(left, right) <= row.analytic <= max(left, right)
          or tolerance.close(row.analytic, left, noise)
          or tolerance.close(row.analytic, right, noise)):
        return replace(judged, status=GradcheckStatus.KINK, detail=where)
    if rules_hold():
        return replace(judged, status=GradcheckStatus.KINK, detail=f"{where}: {CONVENTIONS}")
    return replace(judged, status=GradcheckStatus.FAIL,
                   detail=f"kink {where}, and the analytic value is outside the one-sided slopes")
