"""Gradient checking: the engine's derivatives against central differences, as a readable report.

``gradcheck(f, inputs)`` lifts the numbers ``inputs`` to fresh leaf Values, calls ``f`` and
compares, for every (output, input) pair, the engine's derivative (reverse mode) with the central
difference ``(f(x + h) - f(x - h)) / 2h``. With ``order=2`` it also compares every second
derivative: the engine's Hessian (the backward pass recorded with ``create_graph=True`` and
differentiated again) against central differences of the engine's own gradient.

Three things set it apart from a bare "analytic vs numeric" line:

* **Kinks are judged, not failed.** Every op of the table lists its kinks (``relu``: ``x``;
  ``maximum``: ``a - b``). Where one is near the point, so that the central difference
  straddles it, the row shows the two one-sided differences and passes as ``kink at relu (node
  'h1')`` only if the analytic value is one of them or between them.
* **Failures are localised.** :func:`check_graph` checks every node's own derivative rule against
  central differences of that op's forward alone and names the first node (in topological order)
  whose rule disagrees. A failing :func:`gradcheck` runs it and puts the answer in its report.
* **The report is a table**: ``str()`` is aligned text, ``_repr_html_`` an HTML table for
  Jupyter, and :class:`GradcheckError` (an ``AssertionError``, so pytest shows it well) carries
  the table with the failing rows first.

Defaults (float64): ``eps = 1e-6``, ``atol = 1e-5``, ``rtol = 1e-4``. The step is relative
(``h = eps * max(1, |x|)``) and the allowed error adds the rounding noise of the values
differenced, so large magnitudes do not fail correct functions (:mod:`.differences` gives the
reasoning and the references). At ordinary magnitudes the numeric error is about ``1e-10``: the
tolerances are four to five orders of magnitude above it (no false failures on deep graphs whose
rounding error is amplified) and still far below the smallest mistakes worth catching (a
derivative off by 0.1 %, a sign, a factor of 2). Nothing here is random, so results are
reproducible.

The modules: :mod:`.report` (rows, statuses, reports and their tables), :mod:`.differences`
(steps and tolerances), :mod:`.kinks` (finding kinks and judging rows at them),
:mod:`.evaluation` (calling ``f``), :mod:`.rules` (:func:`check_graph`) and :mod:`.checks`
(:func:`gradcheck`, :func:`assert_gradients_match`).
"""

from .checks import assert_gradients_match, gradcheck
from .report import (
    GradcheckError,
    GradcheckReport,
    GradcheckRow,
    GradcheckStatus,
    GraphReport,
    describe_node,
)
from .rules import DEFAULT_ATOL, DEFAULT_EPS, DEFAULT_RTOL, check_graph

#: The statuses by their old names.
PASS = GradcheckStatus.PASS
FAIL = GradcheckStatus.FAIL

__all__ = [
    "DEFAULT_ATOL",
    "DEFAULT_EPS",
    "DEFAULT_RTOL",
    "FAIL",
    "PASS",
    "GradcheckError",
    "GradcheckReport",
    "GradcheckRow",
    "GradcheckStatus",
    "GraphReport",
    "assert_gradients_match",
    "check_graph",
    "describe_node",
    "gradcheck",
]
