"""Check a derivation against PyTorch: :func:`compare_with_torch` and its report.

``compare_with_torch(f, inputs)`` runs the same Python function ``f`` twice: once on chainrule
Values and once on PyTorch float64 0-d tensors with ``requires_grad``. It compares the value, the
gradient (our ``backward()`` against ``torch.autograd.grad``) and, with ``order=2``, every entry of
the Hessian (our ``create_graph=True`` against torch's), and returns a table like
:func:`autograd.gradcheck`'s.

``f`` is written with what the two engines share: the operators ``+ - * / **``, unary ``-``,
``abs()``, comparisons, and the methods ``exp log sqrt tanh sigmoid relu sin cos``. chainrule's
free functions ``maximum``, ``minimum``, ``sum``, ``dot``, ``log_sum_exp`` and ``softmax`` run on
tensors too (their ops hand tensor operands to the torch versions in
:mod:`autograd.pytorch.dispatch`, through :mod:`autograd.core.dispatch`), and a custom op from
:func:`autograd.register_op` runs on torch through ``torch_ops={name: torch_function}``.

Where the two engines differ on purpose, at points where the derivative is a convention, a
disagreeing row is marked ``convention`` and says what each engine does (checked by running
torch 2.13):

* ``maximum(a, b)`` / ``minimum(a, b)`` at a tie ``a == b``: chainrule sends the whole gradient to
  ``a``; ``torch.maximum`` / ``torch.minimum`` split it, half to each.
* ``sqrt`` at 0, and ``x ** p`` at ``x = 0`` for ``0 < p < 2`` (``p != 1``): the derivative (or the
  second derivative) is infinite; chainrule's backward raises ``ZeroDivisionError`` saying so,
  torch returns ``inf``.
* ``relu`` and ``abs`` at 0: both engines take the derivative to be 0, so these rows agree (they
  pass, with a note that the point is a kink).

Python's own ``max()``/``min()`` over operands pick the first extreme in both engines, so they
agree too.

Where the engines disagree elsewhere, neither is taken on trust: PyTorch's double backward is
itself wrong at some points (``a ** b`` at ``b = 0``, ``(3 + x) ** (-x)`` at 0, ``log(2 ** x)``
at 710). A referee (:mod:`autograd.pytorch.referee`: sympy's exact derivative when sympy is
installed, else central differences) decides: a row it settles for chainrule is ``refereed``,
its status column reads ``chainrule (referee: sympy)``, and it is not a failure; a row it
settles for PyTorch, or cannot settle, stays ``FAIL`` and its note says what the referee gave.
A row where both engines give NaN (a float overflow inside the derivative, the same in both)
passes with a note: it says nothing against the derivation.

torch is imported only when :func:`compare_with_torch` runs (or when a free function meets a
tensor); importing ``autograd`` never imports it.

Default tolerances: both engines compute in float64 and differ only in the order of rounding
(a few units in the last place per op), so ``atol = 1e-10`` and ``rtol = 1e-8`` leave six or more
orders of magnitude for deep graphs while any wrong rule (a sign, a factor, a missing term) is
far outside them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.backprop import topological_order
from ..core.modes import enable_grad
from ..core.numbers import is_real
from ..core.ops import OPS
from ..core.value import Value
from ..gradcheck.evaluation import function_name, input_names
from .dispatch import TORCH_OPS, require_torch
from .referee import Referee, Ruling
from .report import ComparisonReport, ComparisonRow, Status

__all__ = ["CONVENTIONS", "ComparisonReport", "ComparisonRow", "Convention", "Status",
           "compare_with_torch"]

DEFAULT_ATOL = 1e-10
DEFAULT_RTOL = 1e-8

#: What f may use on tensors, for error messages.
SHARED = ("the operators + - * / ** and unary -, abs(), comparisons, the methods exp log sqrt "
          "tanh sigmoid relu sin cos, autograd's maximum minimum sum dot log_sum_exp softmax, "
          "and custom ops given in torch_ops")


# --------------------------------------------------------------------------------------------
# Conventions: points where the two engines' derivatives differ on purpose
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Convention:
    """A point of an op where the derivative is a choice, and what each engine chooses.

    Attributes:
        op: the op's name in the table.
        applies: ``applies(*input numbers, **params)``: whether a node sits on that point.
        text: what chainrule and torch do there.
        raises: chainrule's backward raises there (the derivative is infinite).
    """

    op: str
    applies: Callable[..., bool]
    text: str
    raises: bool = False


CONVENTIONS: tuple[Convention, ...] = (
    Convention("maximum", lambda a, b: a == b,
               "maximum at a tie: ours gives the gradient to the first operand, torch splits it"),
    Convention("minimum", lambda a, b: a == b,
               "minimum at a tie: ours gives the gradient to the first operand, torch splits it"),
    Convention("sqrt", lambda x: x == 0.0,
               "sqrt at 0: the derivative is infinite; our backward raises, torch gives inf",
               raises=True),
    Convention("pow", lambda x, *, exponent: x == 0.0 and 0.0 < exponent < 2.0 and exponent != 1,
               "x**p at 0 (0 < p < 2): a derivative is infinite; our backward raises, torch "
               "gives inf", raises=True),
    Convention("relu", lambda x: x == 0.0, "relu at 0: both engines take relu'(0) = 0"),
    Convention("abs", lambda x: x == 0.0, "abs at 0: both engines take abs'(0) = 0"),
)


@dataclass(frozen=True)
class _Found:
    """A node of f's graph on a convention point, and the inputs it depends on."""

    convention: Convention
    inputs: frozenset[int]


def _conventions(out: Value, leaves: Sequence[Value]) -> list[_Found]:
    """The nodes of ``out``'s graph that sit on a convention point (one entry per kind)."""
    index = {leaf: position for position, leaf in enumerate(leaves)}
    found: dict[tuple[str, frozenset[int]], _Found] = {}
    for node in topological_order(out):
        assert node.op is not None  # topological_order lists only nodes made by ops
        for convention in CONVENTIONS:
            if node.op.name != convention.op or not convention.applies(
                    *[parent.data for parent in node.parents], **node.op.params):
                continue
            ancestors = topological_order(node, include_leaves=True)
            inputs = frozenset(index[leaf] for leaf in ancestors if leaf in index)
            found.setdefault((convention.op, inputs), _Found(convention, inputs))
    return list(found.values())


# --------------------------------------------------------------------------------------------
# Evaluating f on each engine
# --------------------------------------------------------------------------------------------


@dataclass
class _Derivatives:
    """f's value, gradient and (order 2) Hessian at one point, from one engine."""

    value: float
    gradient: list[float]
    hessian: list[list[float]] | None
    error: str = ""  # our backward raised: the exception, as text
    conventions: list[_Found] = field(default_factory=list)
    root: Value | None = None  # our output node (its graph is the referee's formula)


def _single(result: Any, engine: str, f: Callable[..., Any]) -> Any:
    if isinstance(result, list | tuple):
        raise TypeError(
            f"compare_with_torch: {function_name(f)} returned a {type(result).__name__} on "
            f"{engine}; it "
            "must return one scalar (compare each output separately, e.g. lambda *x: f(*x)[0])"
        )
    return result


def _our_derivatives(f: Callable[..., Any], point: Sequence[float], names: Sequence[str],
                     order: int) -> _Derivatives:
    leaves = [Value(x, label=name) for x, name in zip(point, names, strict=True)]
    try:
        with enable_grad():
            out = _single(f(*leaves), "Values", f)
    except Exception as error:
        error.add_note(f"compare_with_torch: {function_name(f)} failed on chainrule Values")
        raise
    if not isinstance(out, Value):
        out = Value(float(out))
    found = _conventions(out, leaves)
    try:
        gradient, hessian = _our_gradients(out, leaves, order)
    except (ArithmeticError, ValueError, TypeError) as error:  # a rule raised
        missing = [math.nan] * len(leaves)
        return _Derivatives(out.data, missing, [missing] * len(leaves) if order == 2 else None,
                            f"{type(error).__name__}: {error}", found, out)
    return _Derivatives(out.data, gradient, hessian, conventions=found, root=out)


def _our_gradients(out: Value, leaves: Sequence[Value],
                   order: int) -> tuple[list[float], list[list[float]] | None]:
    """The gradient by ``backward()``, and the Hessian by differentiating each recorded partial."""
    with enable_grad():
        out.backward(create_graph=order == 2)
        partials = [leaf.grad for leaf in leaves]
        if order == 1:
            return [float(partial) for partial in partials], None
        hessian = []
        for partial in partials:
            for leaf in leaves:
                leaf.grad = 0.0
            if isinstance(partial, Value):
                partial.backward()
            hessian.append([float(leaf.grad) for leaf in leaves])
    return [float(partial) for partial in partials], hessian


def _torch_derivatives(f: Callable[..., Any], point: Sequence[float], order: int,
                       torch_ops: Mapping[str, Callable[..., Any]]) -> _Derivatives:
    torch = require_torch("compare_with_torch")
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    token = TORCH_OPS.set(torch_ops)
    try:
        with torch.enable_grad():
            out = _single(f(*tensors), "torch tensors", f)
    except Exception as error:
        error.add_note(f"compare_with_torch: {function_name(f)} failed on torch tensors; on "
                       f"tensors f may use {SHARED}")
        raise
    finally:
        TORCH_OPS.reset(token)
    if isinstance(out, torch.Tensor) and out.numel() != 1:
        raise TypeError(f"compare_with_torch: {function_name(f)} returned a tensor of shape "
                        f"{tuple(out.shape)} on torch; it must return one scalar")
    if not isinstance(out, torch.Tensor) or not out.requires_grad:  # a constant
        zeros = [0.0] * len(point)
        return _Derivatives(float(out), zeros, [zeros] * len(point) if order == 2 else None)
    return _Derivatives(float(out.detach()), *_torch_gradients(torch, out, tensors, order))


def _torch_gradients(torch: Any, out: Any, tensors: Sequence[Any],
                     order: int) -> tuple[list[float], list[list[float]] | None]:
    partials = torch.autograd.grad(out, tensors, create_graph=order == 2, allow_unused=True,
                                   materialize_grads=True)
    gradient = [float(partial.detach()) for partial in partials]
    if order == 1:
        return gradient, None
    hessian = []
    for partial in partials:
        if not partial.requires_grad:  # a partial that does not depend on any input
            hessian.append([0.0] * len(tensors))
            continue
        row = torch.autograd.grad(partial, tensors, retain_graph=True, allow_unused=True,
                                  materialize_grads=True)
        hessian.append([float(entry.detach()) for entry in row])
    return gradient, hessian


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------


def _close(ours: float, theirs: float, atol: float, rtol: float) -> bool:
    if ours == theirs:  # also the same infinity
        return True
    return abs(ours - theirs) <= atol + rtol * abs(theirs)  # NaN compares False: not close


@dataclass(frozen=True)
class _Compared:
    """One derivative to put in a row: what it is, and both engines' numbers."""

    quantity: str
    wrt: tuple[int, ...]  # (i,): df/dx_i; (i, j): d/dx_j of df/dx_i
    ours: float
    theirs: float


def _row(item: _Compared, names: Sequence[str], derivatives: _Derivatives, referee: Referee,
         gradient_agrees: bool, atol: float, rtol: float) -> ComparisonRow:
    """One derivative row: PASS, CONVENTION (a convention point reaches its inputs), REFEREED
    (a referee supports our number) or FAIL."""
    quantity, ours, theirs = item.quantity, item.ours, item.theirs
    wrt = " and ".join(dict.fromkeys(names[index] for index in item.wrt))
    found = [entry for entry in derivatives.conventions if entry.inputs & set(item.wrt)]
    texts = "; ".join(dict.fromkeys(entry.convention.text for entry in found))
    if not derivatives.error and _close(ours, theirs, atol, rtol):
        return ComparisonRow(quantity, ours, theirs, Status.PASS, texts)
    if derivatives.error:
        stopped = [entry for entry in derivatives.conventions if entry.convention.raises]
        if stopped:  # the backward stopped there, so no derivative of ours exists at all
            why = texts or "not computed: " + stopped[0].convention.text
            return ComparisonRow(quantity, ours, theirs, Status.CONVENTION, why)
        return ComparisonRow(quantity, ours, theirs, Status.FAIL,
                             f"our backward raised for {wrt}: {derivatives.error}")
    if found:
        return ComparisonRow(quantity, ours, theirs, Status.CONVENTION, texts)
    if math.isnan(ours) and math.isnan(theirs):
        return ComparisonRow(quantity, ours, theirs, Status.PASS,
                             "both engines give nan: the float computation of this derivative "
                             "is undefined here (an overflow or 0 * inf inside), not a wrong rule")
    return _refereed(item, wrt, referee.rule(item.wrt, ours, theirs, gradient_agrees))


def _refereed(item: _Compared, wrt: str, ruling: Ruling | None) -> ComparisonRow:
    """The row of a disagreement, with the referee's ruling (if one could judge)."""
    what = "second derivative" if len(item.wrt) == 2 else "derivative"
    disagree = f"the {what} with respect to {wrt} disagrees with PyTorch"
    if ruling is None:
        return ComparisonRow(item.quantity, item.ours, item.theirs, Status.FAIL,
                             disagree + " (no referee could judge this point)")
    said = f"the referee ({ruling.referee}) gives {ruling.number:.12g}"
    if ruling.side == "chainrule":
        return ComparisonRow(item.quantity, item.ours, item.theirs, Status.REFEREED,
                             f"PyTorch's {what} with respect to {wrt} is wrong here: {said}, "
                             "as chainrule does", ruling.referee, ruling.number)
    verdict = {"PyTorch": "as PyTorch does", "neither": "which agrees with neither engine",
               "both": "which cannot tell the two apart"}[ruling.side]
    return ComparisonRow(item.quantity, item.ours, item.theirs, Status.FAIL,
                         f"{disagree}; {said}, {verdict}", ruling.referee, ruling.number)


def _rows(names: Sequence[str], ours: _Derivatives, theirs: _Derivatives, referee: Referee,
          atol: float, rtol: float) -> list[ComparisonRow]:
    value_ok = _close(ours.value, theirs.value, atol, rtol)
    rows = [ComparisonRow("f", ours.value, theirs.value, Status.PASS if value_ok else Status.FAIL,
                          "" if value_ok else "the values of f disagree")]
    gradient_rows = [
        _row(_Compared(f"df/d{name}", (i,), ours.gradient[i], theirs.gradient[i]), names, ours,
             referee, True, atol, rtol)
        for i, name in enumerate(names)]
    rows += gradient_rows
    if ours.hessian is None or theirs.hessian is None:
        return rows
    for i, first in enumerate(names):
        agrees = gradient_rows[i].status is Status.PASS
        for j, second in enumerate(names):
            quantity = f"d2f/d{first}2" if i == j else f"d2f/d{first} d{second}"
            item = _Compared(quantity, (i, j), ours.hessian[i][j], theirs.hessian[i][j])
            rows.append(_row(item, names, ours, referee, agrees, atol, rtol))
    return rows


# --------------------------------------------------------------------------------------------
# compare_with_torch
# --------------------------------------------------------------------------------------------




def _point(inputs: Sequence[Any]) -> list[float]:
    if isinstance(inputs, str | bytes) or not isinstance(inputs, Sequence):
        raise TypeError(f"compare_with_torch: inputs must be a list of numbers, got "
                        f"{type(inputs).__name__}")
    point = []
    for index, x in enumerate(inputs):
        if not is_real(x) or not math.isfinite(float(x)):
            raise TypeError(f"compare_with_torch: input {index} must be a finite number, got "
                            f"{type(x).__name__}: {x!r}")
        point.append(float(x))
    if not point:
        raise ValueError("compare_with_torch: give at least one input to differentiate")
    return point


def _check_settings(f: Any, order: Any, atol: Any, rtol: Any,
                    torch_ops: Any) -> Mapping[str, Callable[..., Any]]:
    if not callable(f):
        raise TypeError(f"compare_with_torch: f must be callable, got {type(f).__name__}")
    if order not in (1, 2) or isinstance(order, bool):
        raise ValueError(f"compare_with_torch: order must be 1 or 2, got {order!r}")
    for name, tolerance in (("atol", atol), ("rtol", rtol)):
        if not is_real(tolerance) or not tolerance >= 0.0:
            raise ValueError(f"compare_with_torch: {name} must be a number >= 0, got {tolerance!r}")
    if torch_ops is None:
        return {}
    if not isinstance(torch_ops, Mapping):
        raise TypeError("compare_with_torch: torch_ops must be a dict {op name: torch function}, "
                        f"got {type(torch_ops).__name__}")
    for name, function in torch_ops.items():
        if name not in OPS:
            raise ValueError(f"compare_with_torch: torch_ops names {name!r}, which is not a "
                             "registered op; register it with autograd.register_op first")
        if not callable(function):
            raise TypeError(f"compare_with_torch: torch_ops[{name!r}] must be callable, got "
                            f"{type(function).__name__}")
    return dict(torch_ops)


def compare_with_torch(
    f: Callable[..., Any],
    inputs: Sequence[float],
    *,
    order: int = 1,
    torch_ops: Mapping[str, Callable[..., Any]] | None = None,
    atol: float = DEFAULT_ATOL,
    rtol: float = DEFAULT_RTOL,
) -> ComparisonReport:
    """Compare chainrule's value and derivatives of ``f`` at ``inputs`` with PyTorch's.

    Example:
        >>> report = compare_with_torch(lambda x, y: (x * y).tanh() + x.exp(), [0.3, -1.2])
        >>> report.passed
        True

    Args:
        f: a function of one scalar per input returning one scalar, written with what Values and
            tensors share (see the module docstring). Its parameter names label the rows.
        inputs: the point, as numbers.
        order: 1 compares the value and the gradient; 2 also every Hessian entry.
        torch_ops: for each custom op (``register_op``) that ``f`` calls, a function computing it
            on torch tensors (with torch operations, so torch can differentiate it).
        atol: absolute tolerance: a row passes when ``|ours - torch| <= atol + rtol * |torch|``.
        rtol: relative tolerance.

    Returns:
        A :class:`ComparisonReport`: the value row, one row per input, and for ``order=2`` one
        per pair of inputs. A disagreement is a ``FAIL`` row naming the input, unless it sits
        at a documented convention point (a ``convention`` row) or a referee (sympy, else
        central differences) supports chainrule's number (a ``refereed`` row); neither is a
        failure. The same NaN from both engines passes, with a note.

    Raises:
        ImportError: torch is not installed (``pip install 'chainrule[torch]'``, from a checkout
            ``pip install -e '.[torch]'``).
        TypeError: ``f`` is not callable, an input is not a finite number, ``f`` returns more
            than one scalar, or ``torch_ops`` is not a dict of functions.
        ValueError: ``order`` is not 1 or 2, a tolerance is negative, no inputs were given, or
            ``torch_ops`` names an op that is not registered.
        NotImplementedError: ``f`` calls a custom op missing from ``torch_ops``.
    """
    ops = _check_settings(f, order, atol, rtol, torch_ops)
    point = _point(inputs)
    names = input_names(f, len(point))
    ours = _our_derivatives(f, point, names, order)
    theirs = _torch_derivatives(f, point, order, ops)
    where = ", ".join(f"{name}={x:g}" for name, x in zip(names, point, strict=True))
    referee = Referee(f, point, names, ours.root, float(atol), float(rtol))
    return ComparisonReport(_rows(names, ours, theirs, referee, float(atol), float(rtol)),
                            title=f"compare_with_torch of {function_name(f)} at {where}",
                            atol=float(atol), rtol=float(rtol))
