"""Forward mode: dual numbers built from the op table (``jvp`` and ``jacfwd`` use them).

A dual number carries a primal value ``x`` and a tangent ``dx``: the derivative of ``x`` along one
chosen direction of the inputs. An op with inputs ``(x1, dx1) ... (xn, dxn)`` gives the primal
``f(x1, ..., xn)`` and the tangent ``df = sum_i  d f/d xi * dxi``. Both come from the op's table
entry (:mod:`autograd.ops`): the primal from its ``forward``, the partials ``d f / d xi`` from its
``rule`` called with an upstream gradient of 1 (a rule returns ``grad * d out / d xi`` for each
input). So forward mode has no maths of its own, and every op of the table, the ones added with
:func:`autograd.register_op` included, works here as soon as it works in ``backward()``.

Nothing is recorded: a dual number holds no parents, so each one is freed as soon as the function
stops referring to it, and a chain of a million ops runs in constant memory. One pass gives the
derivative of every output along one direction of the inputs (a Jacobian-vector product), where
one backward pass gives the derivative of one output with respect to every input: forward mode
wins when there are few inputs and many outputs, reverse mode in the opposite case.

:func:`~autograd.jvp` and :func:`~autograd.jacfwd`, which call a function on Duals, are in
:mod:`autograd.transforms.directional`.

Example:
    >>> Dual(3.0, 1.0) * Dual(0.5) + Dual(0.5).sin()  # d/dx (xy + sin y) = y at (3, 0.5)
    Dual(primal=1.979425538604203, tangent=0.5)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from numbers import Real
from typing import Any, cast

from ..core.engines import register_engine
from ..core.modes import ANOMALY_DETECTION
from ..core.numbers import require_finite
from ..core.ops import OPS, Op
from ..core.value import Number, Value, describe_nodes

Operand = Any  # a Dual, a Value (a constant in forward mode) or a number
#: A failed derivative rule: (a number that orders failures by time, the rule's error).
Failure = tuple[int, BaseException]
_FAILURES = itertools.count()


class Dual:
    """A dual number ``primal + tangent * e`` with ``e * e = 0``: a value and its derivative.

    Its operators, methods and comparisons are those of :class:`~autograd.Value` (the same names,
    the same table entries, the same errors), so a function written for Values runs on Duals.
    Numbers and Values among the operands are constants (tangent 0).

    Args:
        primal: the value.
        tangent: its derivative along the chosen direction.
        label: a name shown in error messages.

    A derivative rule that fails (``sqrt`` at 0: an infinite slope) fails here exactly where
    ``backward()`` fails, whatever the order of evaluation: ``backward()`` runs a node's rule
    only when a nonzero gradient reaches it from the output, so its error stands only if the
    output's derivative with respect to that node is not zero. A Dual cannot know yet whether its
    node will matter, so the failure is kept (with the derivative of this Dual with respect to
    the failed node, carried forward like a second tangent) and raised when the tangent of a
    Dual that depends on it is read, as :func:`jvp` and :func:`jacfwd` do for the outputs. An
    unused ``sqrt(x)`` at 0 is no error, ``sqrt(x * y)`` at (0, 0) is, in both modes.

    Raises:
        TypeError: ``primal`` or ``tangent`` is not a real number.
        ValueError: ``primal`` or ``tangent`` is infinite or NaN.
    """

    __slots__ = ("primal", "_tangent", "label", "failures")

    primal: float
    _tangent: float
    label: str
    #: the failed rules this Dual depends on: each error mapped to d(this)/d(its node)
    failures: dict[Failure, float] | None

    def __init__(self, primal: Number, tangent: Number = 0.0, label: str = "") -> None:
        self.primal = require_finite("Dual(primal)", primal)
        self._tangent = require_finite("Dual(tangent)", tangent)
        self.label = label
        self.failures = None

    @property
    def tangent(self) -> float:
        """The derivative along the chosen direction.

        Raises:
            The error of a failed derivative rule whose node this Dual depends on (see above).
        """
        if self.failures:
            raise _failure(self.failures)
        return self._tangent

    @property
    def data(self) -> float:
        """The primal, under the name Value uses, for code that reads ``.data``."""
        return self.primal

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Dual(primal={self.primal!r}, tangent={self.tangent!r}{label})"

    def __float__(self) -> float:
        return self.primal

    # ---------------------------------------------------------------- arithmetic
    def __add__(self, other: Operand) -> Dual:
        return binary(OPS["add"], self, other)

    def __radd__(self, other: Operand) -> Dual:
        return binary(OPS["add"], other, self)

    def __sub__(self, other: Operand) -> Dual:
        return binary(OPS["sub"], self, other)

    def __rsub__(self, other: Operand) -> Dual:
        return binary(OPS["sub"], other, self)

    def __mul__(self, other: Operand) -> Dual:
        return binary(OPS["mul"], self, other)

    def __rmul__(self, other: Operand) -> Dual:
        return binary(OPS["mul"], other, self)

    def __truediv__(self, other: Operand) -> Dual:
        return binary(OPS["truediv"], self, other)

    def __rtruediv__(self, other: Operand) -> Dual:
        return binary(OPS["truediv"], other, self)

    def __neg__(self) -> Dual:
        return unary(OPS["neg"], self)

    def __pow__(self, exponent: Operand) -> Dual:
        """``x ** p``: a constant exponent is a parameter of ``pow``; a Dual one uses ``powv``."""
        if isinstance(exponent, Dual):
            return binary(OPS["powv"], self, exponent)
        if isinstance(exponent, Value):
            exponent = exponent.data
        if not isinstance(exponent, Real):
            return NotImplemented
        return unary(OPS["pow"].bind(exponent=float(exponent)), self)

    def __rpow__(self, base: Operand) -> Dual:
        """``c ** x`` for a constant base ``c > 0`` (a number, or a Value taken as a constant)."""
        if isinstance(base, Value):
            base = base.data
        if not isinstance(base, Real):
            return NotImplemented
        return unary(OPS["rpow"].bind(base=float(base)), self)

    def __abs__(self) -> Dual:
        return unary(OPS["abs"], self)

    # Comparisons look at the primal and return bool, as Value's do, so max(values) picks a Dual.
    # == stays identity, as for Values.
    def __lt__(self, other: Operand) -> bool:
        return self.primal < _constant(other, "<")

    def __le__(self, other: Operand) -> bool:
        return self.primal <= _constant(other, "<=")

    def __gt__(self, other: Operand) -> bool:
        return self.primal > _constant(other, ">")

    def __ge__(self, other: Operand) -> bool:
        return self.primal >= _constant(other, ">=")

    __hash__ = object.__hash__

    # ---------------------------------------------------------------- elementary functions
    def exp(self) -> Dual:
        """e ** self."""
        return unary(OPS["exp"], self)

    def log(self) -> Dual:
        """Natural logarithm; raises ValueError for a primal <= 0."""
        return unary(OPS["log"], self)

    def sqrt(self) -> Dual:
        """Square root; raises ValueError for a primal < 0."""
        return unary(OPS["sqrt"], self)

    def tanh(self) -> Dual:
        """Hyperbolic tangent."""
        return unary(OPS["tanh"], self)

    def sigmoid(self) -> Dual:
        """Logistic function 1 / (1 + e**-x), stable for any magnitude."""
        return unary(OPS["sigmoid"], self)

    def relu(self) -> Dual:
        """max(self, 0), with relu'(0) = 0."""
        return unary(OPS["relu"], self)

    def leaky_relu(self, slope: float = 0.01) -> Dual:
        """self for self > 0, slope * self otherwise."""
        return unary(OPS["leaky_relu"].bind(slope=float(slope)), self)

    def softplus(self) -> Dual:
        """log(1 + e**self), stable for any magnitude."""
        return unary(OPS["softplus"], self)

    def sin(self) -> Dual:
        """Sine."""
        return unary(OPS["sin"], self)

    def cos(self) -> Dual:
        """Cosine."""
        return unary(OPS["cos"], self)


def _constant(other: Operand, symbol: str) -> float:
    """The number a Dual is compared with."""
    parts = _split(other)
    if parts is None:
        raise TypeError(f"cannot compare a Dual with {type(other).__name__} {other!r} ({symbol})")
    return parts[0]


def _split(operand: Operand) -> tuple[float, float] | None:
    """(primal, tangent) of an operand (a Value or a number is a constant), else None."""
    if type(operand) is float:
        return operand, 0.0
    if isinstance(operand, Dual):
        return operand.primal, operand._tangent
    if isinstance(operand, Value):
        return operand.data, 0.0
    if isinstance(operand, Real):
        return float(operand), 0.0
    return None


# --------------------------------------------------------------------------------------------
# Evaluating one op on dual numbers. ``apply`` is the general form; the operators and methods
# take ``unary`` and ``binary``, which do the same work without building argument lists (forward
# mode is one Python call per op, so this is its hot path, as recording is the engine's).
# --------------------------------------------------------------------------------------------

_new_object = object.__new__


def _parts(operand: Operand, op: Op) -> tuple[float, float]:
    """(primal, tangent) of an operand of ``op``: a Value or a number is a constant."""
    parts = _split(operand)
    if parts is None:
        raise TypeError(
            f"unsupported operand of {op.name}: {type(operand).__name__} {operand!r}; "
            "operands must be dual numbers, Values or numbers"
        )
    return parts


def _where(operands: Sequence[Operand]) -> str:
    """'(node 'h2')' etc. for the labelled operands, as the engine says it."""
    labelled = tuple(operand for operand in operands if isinstance(operand, Dual | Value))
    return describe_nodes(cast(tuple[Value, ...], labelled))  # reads only .label


def _primal(op: Op, primals: Sequence[float], operands: Sequence[Operand]) -> float:
    """``op.forward`` at ``primals``; a domain error or a non-finite value names op and value."""
    try:
        out = op.forward(*primals)
    except (ArithmeticError, ValueError) as error:
        error.add_note(f"in forward mode {_where(operands)}")
        raise
    if type(out) is not float:
        out = float(out)  # a custom op's forward may return an int
    if out - out != 0.0:  # inf or nan
        shown = ", ".join(map(repr, primals))
        kind = OverflowError if out == out else ValueError
        raise kind(f"{op.title} of {shown} gives {out!r} {_where(operands)}")
    return out


def _partials(op: Op, out: float, primals: Sequence[float],
              operands: Sequence[Operand]) -> Sequence[Any]:
    """d out / d xi for each input: the op's rule with an upstream gradient of 1."""
    try:
        partials = op.rule(1.0, out, *primals)
    except (ArithmeticError, ValueError, TypeError) as error:
        error.add_note(
            f"in forward mode: the derivative of {op.title} at input(s) "
            f"{', '.join(map(repr, primals))} {_where(operands)}"
        )
        raise
    if not isinstance(partials, tuple | list) or len(partials) != len(primals):
        raise TypeError(
            f"{op.title}: its rule must return a tuple with one gradient (or None) per input, "
            f"{len(primals)} here; got {partials!r}"
        )
    return partials


def _term(partial: Any, direction: float) -> float:
    """partial * direction, where a partial of None (no dependence) counts as 0."""
    if partial is None:
        return 0.0
    return (partial if type(partial) is float else float(partial)) * direction


def _checked(tangent: float, op: Op, primals: Sequence[float],
             operands: Sequence[Operand]) -> None:
    """Inside ``detect_anomaly()``, raise for a non-finite tangent."""
    if ANOMALY_DETECTION.get():
        raise FloatingPointError(
            f"detect_anomaly: forward mode gave the non-finite tangent {tangent!r} for "
            f"{op.title} at input(s) {', '.join(map(repr, primals))} {_where(operands)}"
        )


def _dual(primal: float, tangent: float, failures: dict[Failure, float] | None = None
          ) -> Dual:
    """A new Dual from numbers already checked (skips ``__init__``'s checks)."""
    result = _new_object(Dual)
    result.primal = primal
    result._tangent = tangent
    result.label = ""
    result.failures = failures
    return result


# A rule that fails (or returns the wrong shape) gives a Dual with tangent 0 whose ``failures``
# hold the error with coefficient 1: its node passes nothing on, as in backward(). An op whose
# rule works carries its operands' failures forward with the chain rule, each coefficient times
# the partial (a partial of exactly 0, a dead ReLU, drops it). So a coefficient is the derivative
# of the Dual with respect to the failed node through the nodes whose rules worked: the gradient
# backward() would bring to that node. backward() raises when that gradient is not 0; so does
# reading the tangent.


def _failure(failures: dict[Failure, float]) -> BaseException:
    """The error to raise for ``failures``: that of the latest failed node (backward() sweeps
    from the output, so a later node is usually the first it meets)."""
    return max(failures)[1]


def _carried(pairs: Iterable[tuple[Any, Dual]]) -> dict[Failure, float] | None:
    """The failures of the operands in ``(partial, operand)`` pairs, carried through the op."""
    carried: dict[Failure, float] = {}
    for partial, operand in pairs:
        if operand.failures and partial:
            scale = partial if type(partial) is float else float(partial)
            for error, coefficient in operand.failures.items():
                carried[error] = carried.get(error, 0.0) + scale * coefficient
    kept = {error: coefficient for error, coefficient in carried.items() if coefficient}
    return kept or None


def _failed(out: float, error: BaseException) -> Dual:
    """The Dual of an op whose rule raised ``error``."""
    return _dual(out, 0.0, {(next(_FAILURES), error): 1.0})


def unary(op: Op, x: Dual) -> Dual:
    """``apply(op, x)`` for an operand known to be a Dual: the methods' fast path."""
    primal = x.primal
    out = _primal(op, (primal,), (x,))
    try:
        (partial,) = _partials(op, out, (primal,), (x,))
    except Exception as error:  # noqa: BLE001 (kept, raised where backward() would raise)
        return _failed(out, error)
    direction = x._tangent
    tangent = _term(partial, direction) if direction else 0.0
    if tangent - tangent != 0.0:
        _checked(tangent, op, (primal,), (x,))
    return _dual(out, tangent, _carried(((partial, x),)) if x.failures else None)


def binary(op: Op, a: Operand, b: Operand) -> Dual:
    """``apply(op, a, b)``: the binary operators' fast path."""
    primal_a, direction_a = (a.primal, a._tangent) if type(a) is Dual else _parts(a, op)
    primal_b, direction_b = (b.primal, b._tangent) if type(b) is Dual else _parts(b, op)
    primals = (primal_a, primal_b)
    out = _primal(op, primals, (a, b))
    try:
        partial_a, partial_b = _partials(op, out, primals, (a, b))
    except Exception as error:  # noqa: BLE001 (kept, raised where backward() would raise)
        return _failed(out, error)
    tangent = ((_term(partial_a, direction_a) if direction_a else 0.0)
               + (_term(partial_b, direction_b) if direction_b else 0.0))
    if tangent - tangent != 0.0:
        _checked(tangent, op, primals, (a, b))
    failures = None
    if (type(a) is Dual and a.failures) or (type(b) is Dual and b.failures):
        failures = _carried([(partial, operand) for partial, operand
                             in ((partial_a, a), (partial_b, b)) if type(operand) is Dual])
    return _dual(out, tangent, failures)


def apply(op: Op, *operands: Operand) -> Dual:
    """Evaluate ``op`` on dual numbers: the primal from ``forward``, the tangent from ``rule``.

    The tangent is ``sum_i partial_i * tangent_i`` where the partials are the op's rule at an
    upstream gradient of 1. The rule is called even when every tangent is 0, since backward()
    calls it whenever a gradient reaches the node; an error of the rule is kept in the result's
    ``failures`` and raised when a tangent that depends on it is read (see :class:`Dual`).

    Args:
        op: a table entry (parameters bound).
        operands: dual numbers, Values or numbers (the last two are constants).

    Returns:
        A new :class:`Dual`; nothing is recorded.

    Raises:
        ValueError, ZeroDivisionError, OverflowError: the op is undefined at the primals (the
            table's own message, naming the op and the value) or gives a non-finite value.
        TypeError: an operand is not a number, or the rule returns the wrong number of partials.
        FloatingPointError: inside ``detect_anomaly()``, the tangent is not finite.
    """
    parts = [_parts(operand, op) for operand in operands]
    primals = [primal for primal, _ in parts]
    out = _primal(op, primals, operands)
    try:
        partials = _partials(op, out, primals, operands)
    except Exception as error:  # noqa: BLE001 (kept, raised where backward() would raise)
        return _failed(out, error)
    tangent = 0.0
    for partial, (_, direction) in zip(partials, parts, strict=True):
        if direction:
            tangent += _term(partial, direction)
    if tangent - tangent != 0.0:
        _checked(tangent, op, primals, operands)
    failures = _carried([(partial, operand) for partial, operand
                         in zip(partials, operands, strict=True) if type(operand) is Dual])
    return _dual(out, tangent, failures)


def _dual_engine(op: Op, operands: tuple[Any, ...]) -> Dual:
    """The engine :mod:`autograd.core.dispatch` hands an op to when an operand is a Dual."""
    return apply(op, *operands)


# The free functions (``autograd.sum``, ``dot``, ...) and the functions made by
# :func:`~autograd.register_op` record through :func:`autograd.core.dispatch.dispatch`: the
# engine's path runs first, and only operands it refuses (a ``TypeError``) are looked at, so a
# Dual operand sends the op here. Registering also makes Value's operators return NotImplemented
# for a Dual, so ``Value(2.0) * dual`` runs the Dual's reflected operator and is a Dual.
register_engine(f"{Dual.__module__}.{Dual.__qualname__}", _dual_engine)
