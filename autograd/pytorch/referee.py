"""A referee for :func:`autograd.compare_with_torch`: when chainrule and PyTorch disagree on a
derivative, which one is right?

Two engines that disagree cannot both be right, but a disagreement is not by itself the fault
of the user's derivation: PyTorch's own double backward is wrong at some points (``a ** b`` at
``b = 0`` loses the mixed derivative ``1/a``, ``(3 + x) ** (-x)`` at 0 and ``log(2 ** x)`` at
710 give wrong second derivatives; checked with torch 2.13). So a disagreeing row is put to a
third opinion that neither engine computed:

1. **sympy** (when installed and the graph is small): the exact derivative of
   :func:`autograd.to_sympy`'s formula of the graph, evaluated at the point to 30 digits. It is
   judged with the comparison's own tolerances.
2. **central differences** otherwise (a custom op without a symbolic form, a large graph, no
   sympy, or a point where the formula is not a finite real number): the project's
   :func:`autograd.gradcheck` differences of the function (first derivatives) or of chainrule's
   gradient (second derivatives, used only where that gradient agrees with PyTorch's), judged
   with gradcheck's error bound for each row.

The ruling says which side the referee's number supports: chainrule, PyTorch, neither, or both
(the referee cannot tell them apart).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from ..core.backprop import topological_order
from ..core.value import Value
from ..gradcheck import GradcheckReport, GradcheckStatus, gradcheck
from ..transforms.symbolic import derivative_at, formula_and_symbols

#: The exact referee is tried on graphs of at most this many nodes: sympy's formula of a graph
#: has no shared subexpressions and can grow exponentially with depth.
MAX_SYMBOLIC_NODES = 200

#: Digits sympy evaluates the exact derivative to.
DIGITS = 30

Side = Literal["chainrule", "PyTorch", "neither", "both"]


@dataclass(frozen=True)
class Ruling:
    """A referee's number for one derivative and the side it supports.

    Attributes:
        referee: ``"sympy"`` or ``"central differences"``.
        number: the referee's derivative.
        side: ``"chainrule"``, ``"PyTorch"``, ``"neither"`` or ``"both"`` (cannot tell).
    """

    referee: str
    number: float
    side: Side


def _side(ours_ok: bool, theirs_ok: bool) -> Side:
    if ours_ok and theirs_ok:
        return "both"
    if ours_ok:
        return "chainrule"
    return "PyTorch" if theirs_ok else "neither"


class Referee:
    """Third opinions on the derivatives of ``f`` at ``point``, computed when first asked.

    Args:
        f: the compared function.
        point: the inputs.
        names: the inputs' names (the labels of ``leaves``).
        root: chainrule's output node of ``f`` at ``point`` (its graph gives the formula).
        atol: the comparison's absolute tolerance (for the exact referee).
        rtol: its relative tolerance.
    """

    def __init__(self, f: Callable[..., Any], point: Sequence[float], names: Sequence[str],
                 root: Value | None, atol: float, rtol: float) -> None:
        self.f, self.point, self.names, self.root = f, list(point), list(names), root
        self.atol, self.rtol = atol, rtol
        self._reports: dict[int, GradcheckReport | None] = {}

    def rule(self, wrt: tuple[int, ...], ours: float, theirs: float,
             gradient_agrees: bool) -> Ruling | None:
        """The ruling on the derivative of ``f`` along the inputs ``wrt`` (one index: a
        gradient entry; two: the Hessian entry d/d wrt[1] of d f / d wrt[0]), or ``None`` when
        no referee can judge it. ``gradient_agrees``: whether the two engines agree on
        d f / d wrt[0] (central differences of our gradient referee a Hessian row only then).
        """
        exact = self._exact(wrt)
        if exact is not None:
            allowed = self.atol + self.rtol * abs(exact)
            return Ruling("sympy", exact, _side(abs(ours - exact) <= allowed,
                                                abs(theirs - exact) <= allowed))
        if len(wrt) == 2 and not gradient_agrees:
            return None
        return self._differences(wrt, ours, theirs)

    # ---------------------------------------------------------------- sympy

    @cached_property
    def _formula(self) -> tuple[Any, list[Any]] | None:
        """(the formula of the graph, the symbols of the inputs), or ``None`` when sympy is
        missing, the graph is too large or an op has no symbolic form."""
        if self.root is None:
            return None
        if len(topological_order(self.root, include_leaves=True)) > MAX_SYMBOLIC_NODES:
            return None
        return formula_and_symbols(self.root, self.names)

    def _exact(self, wrt: tuple[int, ...]) -> float | None:
        """sympy's exact derivative along ``wrt`` at the point, if it is a finite real number."""
        formula = self._formula
        if formula is None:
            return None
        expression, symbols = formula
        return derivative_at(expression, [symbols[index] for index in wrt],
                             dict(zip(symbols, self.point, strict=True)), DIGITS)

    # ---------------------------------------------------------------- central differences

    def _report(self, order: int) -> GradcheckReport | None:
        if order not in self._reports:
            try:
                self._reports[order] = gradcheck(self.f, self.point, order=order,
                                                 raise_exception=False)
            except (ArithmeticError, ValueError, TypeError, NotImplementedError):
                self._reports[order] = None  # f is undefined one step away, or a rule raised
        return self._reports[order]

    def _differences(self, wrt: tuple[int, ...], ours: float, theirs: float) -> Ruling | None:
        report = self._report(len(wrt))
        if report is None:
            return None
        label = ", ".join(self.names[index] for index in wrt)
        for row in report.rows:
            if row.order != len(wrt) or row.wrt != label:
                continue
            if row.status not in (GradcheckStatus.PASS, GradcheckStatus.FAIL) or not (
                    math.isfinite(row.numeric) and math.isfinite(row.allowed)):
                return None  # a kink nearby, or nothing to difference
            return Ruling("central differences", row.numeric,
                          _side(abs(ours - row.numeric) <= row.allowed,
                                abs(theirs - row.numeric) <= row.allowed))
        return None
