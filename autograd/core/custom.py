"""Custom ops: add your own entry to the op table with :func:`register_op`.

A registered op is an ordinary table entry (:class:`autograd.ops.Op`): it records nodes, runs
backward (and ``create_graph=True`` when its rule is written in Value-friendly arithmetic),
draws with its name, is checked by :func:`autograd.gradcheck` / :func:`autograd.check_graph`, and
can be drawn into random graphs by :func:`autograd.testing.expressions` when named there.

Example:
    >>> import math
    >>> from autograd import Value, register_op, gradcheck
    >>> from autograd.ops import cos, sin, unregister
    >>> wave = register_op(
    ...     "wave", lambda x: math.sin(x) + x,
    ...     lambda grad, out, x: (grad * (cos(x) + 1.0),),
    ...     doc="sin(x) + x;  d/dx = cos(x) + 1")
    >>> gradcheck(lambda x: wave(x * x), [0.7], order=2).passed
    True
    >>> _ = unregister("wave")
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from .dispatch import dispatch
from .ops import OPS, Interval, Op, register
from .value import Value

#: The names of the engine's own ops: register_op refuses to replace them.
BUILTIN_OPS = frozenset(OPS)


def _arity_of(forward: Callable[..., float]) -> int | None:
    """The number of positional parameters of ``forward``, or None if it takes ``*args``."""
    try:
        parameters = inspect.signature(forward).parameters.values()
    except (TypeError, ValueError):
        return None
    count = 0
    for parameter in parameters:
        if parameter.kind is parameter.VAR_POSITIONAL:
            return None
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            count += 1
    return count


def _domain(domain: Sequence[Interval | tuple[float, float]] | Interval | None,
            name: str) -> tuple[Interval, ...]:
    if domain is None:
        return ()
    if isinstance(domain, Interval):
        return (domain,)
    intervals = []
    for interval in domain:
        if isinstance(interval, Interval):
            intervals.append(interval)
        elif isinstance(interval, tuple) and len(interval) == 2:
            intervals.append(Interval(float(interval[0]), float(interval[1])))
        else:
            raise TypeError(
                f"register_op({name!r}): domain entries must be Interval or (low, high) pairs, "
                f"got {interval!r}"
            )
    return tuple(intervals)


def _checked_forward(name: str, forward: Callable[..., Any]) -> Callable[..., float]:
    """``forward`` made to return a float or raise a TypeError naming the op.

    Anything but a float (numpy's float64 is one) is refused at the first call, before it can
    reach the graph: None would fail later with a bare AttributeError, a complex number would
    carry on silently in complex arithmetic, and an int usually means a forward that ignores its
    input (write ``float(...)`` if that is really meant).
    """

    def checked(*inputs: float, **params: float) -> float:
        result = forward(*inputs, **params)
        if type(result) is float:
            return result
        if isinstance(result, float):
            return float(result)
        raise TypeError(
            f"{name}: the forward of this custom op must return a real number (float), got "
            f"{type(result).__name__} {result!r} for input(s) "
            f"{', '.join(repr(x) for x in inputs)}"
        )

    checked.__wrapped__ = forward  # type: ignore[attr-defined]
    return checked


def register_op(
    name: str,
    forward: Callable[..., float],
    rule: Callable[..., tuple[Any, ...]],
    *,
    arity: int | None = -1,
    domain: Sequence[Interval | tuple[float, float]] | Interval | None = None,
    kinks: Sequence[Callable[..., float]] = (),
    doc: str = "",
    symbolic: Callable[..., Any] | None = None,
    symbol: str = "",
    examples: Sequence[dict[str, float]] = ({},),
) -> Callable[..., Value]:
    """Add an op to the table and return a function that applies it to Values or numbers.

    Args:
        name: the op's name (shown in graphs, reports and errors). Re-registering a custom name
            replaces it; the engine's own ops cannot be replaced.
        forward: ``forward(*floats, **params) -> float``.
        rule: ``rule(grad, out, *inputs, **params) -> tuple``: one gradient contribution per input
            (``None`` for none), like the built-in rules. Use arithmetic and the dual functions
            of :mod:`autograd.ops` (``exp``, ``log``, ``sin``, ``cos``, ``sigmoid``) rather than
            ``math`` or ``float()`` so the rule also runs on Values (second derivatives).
        arity: the number of inputs; by default read from ``forward``'s signature (``None`` for
            an n-ary ``forward(*xs)``).
        domain: one open interval per input where the op is differentiable, as
            :class:`~autograd.ops.Interval` or ``(low, high)`` pairs (default: all reals).
        kinks: functions of the inputs whose zeros are non-differentiable points.
        doc: one line of maths, including the choice at a kink.
        symbolic: optional ``symbolic(sympy, *symbols, **params)`` for exact sympy checks.
        symbol: a short symbol for drawings (defaults to the name).
        examples: parameter sets for a parametrised op (keyword-only parameters of forward/rule).

    Returns:
        ``op(*operands, **params) -> Value``, which records one node of the new op.

    Raises:
        ValueError: ``name`` is empty or is one of the engine's own ops.
        TypeError: ``forward`` or ``rule`` is not callable, or a domain entry is malformed.
    """
    if not name or not isinstance(name, str):
        raise ValueError(f"register_op: the name must be a non-empty string, got {name!r}")
    if name in BUILTIN_OPS:
        raise ValueError(
            f"register_op: {name!r} is one of the engine's own ops and cannot be replaced; "
            "choose another name"
        )
    if not callable(forward) or not callable(rule):
        raise TypeError(f"register_op({name!r}): forward and rule must be callable")
    size = _arity_of(forward) if arity == -1 else arity
    entry = register(Op(
        name, size, _checked_forward(name, forward), rule,
        doc or f"{name} (custom op)",
        domain=_domain(domain, name),
        kinks=tuple(kinks),
        symbolic=symbolic,
        symbol=symbol,
        examples=tuple(examples),
    ))

    def op(*operands: Value | float, **params: float) -> Value:
        if entry.arity is not None and len(operands) != entry.arity:
            raise TypeError(
                f"{name} takes {entry.arity} operand(s), got {len(operands)}"
            )
        return dispatch(entry.bind(**params) if params else entry, *operands)

    op.__name__ = name
    op.__qualname__ = name
    op.__doc__ = entry.doc
    op.op = entry  # type: ignore[attr-defined]
    return op
