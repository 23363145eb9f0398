"""Directional derivatives in forward mode: ``jvp`` (one direction) and ``jacfwd`` (the Jacobian).

Both call the function on :class:`~autograd.transforms.forward.Dual` numbers, one per input
number, and read the tangents of its output: one forward pass per direction, nothing recorded.

Example:
    >>> from autograd import jvp
    >>> jvp(lambda x, y: x * y + y.sin(), (3.0, 0.5), (1.0, 0.0))  # d/dx (xy + sin y) = y
    (1.979425538604203, 0.5)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..core.numbers import is_real, require_finite
from ..core.value import Value
from .forward import Dual
from .functional import argument_positions, normalise_argnums, shaped_like

__all__ = ["jacfwd", "jvp"]


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Evaluate ``f`` and its derivative along ``tangents`` in one forward pass.

    ``f`` is called with one :class:`Dual` per number of ``primals`` (lists keep their shape), so
    it may use every Value operator and method and the free functions of ``autograd``. Values
    that ``f`` closes over (a model's parameters) are constants: the derivative is taken with
    respect to the primals only. Nothing is recorded, so memory does not grow with the number of
    ops.

    Example:
        >>> jvp(lambda x, y: x * y, (3.0, 4.0), (1.0, 0.0))  # (xy, d/dx xy = y)
        (12.0, 4.0)

    Args:
        f: a function of the primals returning a number, a Dual or a (nested) list of them.
        primals: a tuple or list with one argument per parameter of ``f``: a real number, a
            Value (its data is used) or a (nested) list of them.
        tangents: the direction: the same shape as ``primals``, of real numbers.

    Returns:
        ``(value, directional_derivative)``, floats shaped like ``f``'s output.

    Raises:
        TypeError: ``primals`` or ``tangents`` is not a tuple or list, an entry is not a real
            number (the message says which, e.g. ``primals[1]``), or ``f`` returns something else.
        ValueError: the tangents are not shaped like the primals, or a number is not finite.
    """
    arguments = _dual_arguments(primals, tangents)
    return _split_output(f(*arguments), "f's output")


def _dual_arguments(primals: Sequence[Any], tangents: Sequence[Any]) -> list[Any]:
    for name, given in (("primals", primals), ("tangents", tangents)):
        if not isinstance(given, tuple | list):
            raise TypeError(
                f"jvp: {name} must be a tuple or list with one entry per argument of f, e.g. "
                f"(2.0,) for one argument; got {type(given).__name__} {given!r}"
            )
    if len(tangents) != len(primals):
        raise ValueError(
            f"jvp: got {len(primals)} primal(s) but {len(tangents)} tangent(s); give one tangent "
            "per primal, shaped like it"
        )
    return [_lift(primal, tangent, f"[{index}]")
            for index, (primal, tangent) in enumerate(zip(primals, tangents, strict=True))]


def _lift(primal: Any, tangent: Any, where: str) -> Any:
    """A Dual for each number of ``primal`` with the matching tangent, keeping list shape."""
    if isinstance(primal, list | tuple):
        if not isinstance(tangent, list | tuple) or len(tangent) != len(primal):
            raise ValueError(
                f"jvp: tangents{where} must be shaped like primals{where}, a sequence of "
                f"{len(primal)}; got {tangent!r}"
            )
        lifted = [_lift(item, direction, f"{where}[{index}]")
                  for index, (item, direction) in enumerate(zip(primal, tangent, strict=True))]
        return tuple(lifted) if isinstance(primal, tuple) else lifted
    if isinstance(primal, Value):
        primal = primal.data
    elif isinstance(primal, Dual):
        raise TypeError(
            f"jvp: primals{where} is a Dual: jvp does not nest; for second derivatives use "
            "autograd.hessian, or backward(create_graph=True)"
        )
    elif not is_real(primal):
        raise TypeError(
            f"jvp: primals{where} must be a real number, a Value or a list of them, got "
            f"{type(primal).__name__} {primal!r}"
        )
    if isinstance(tangent, list | tuple):
        raise ValueError(f"jvp: tangents{where} must be a number like primals{where}, got a list")
    return Dual(require_finite(f"jvp: primals{where}", primal),
                require_finite(f"jvp: tangents{where}", tangent))


def _split_output(output: Any, where: str) -> tuple[Any, Any]:
    """(value, tangent) of ``f``'s output, as floats in its list shape."""
    if isinstance(output, Dual):
        return output.primal, output.tangent
    if isinstance(output, Value):  # computed from constants only
        return output.data, 0.0
    if is_real(output):
        return float(output), 0.0
    if isinstance(output, list | tuple):
        pairs = [_split_output(item, f"{where}[{index}]") for index, item in enumerate(output)]
        kind = tuple if isinstance(output, tuple) else list
        return kind(value for value, _ in pairs), kind(tangent for _, tangent in pairs)
    raise TypeError(
        f"jvp: {where} is a {type(output).__name__} ({output!r}); f must return a number, a "
        "Value, a Dual or a list of them"
    )


def jacfwd(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Return a function giving the Jacobian of ``f``, column by column in forward mode.

    The result has the format of :func:`autograd.jacobian`: for one output, its gradient shaped
    like the selected argument (a tuple of them for a tuple ``argnums``); for a list of outputs,
    a list with one such row per output. It costs one forward pass per input number, where
    ``jacobian`` costs one backward pass per output.

    Example:
        >>> jacfwd(lambda x: [x * x, x.sin()])(0.0)  # (2x, cos x)
        [0.0, 1.0]

    Args:
        f: a function of numbers (or lists of numbers) written with Value operations.
        argnums: which positional argument(s) to differentiate.

    Raises:
        IndexError: an argnum is out of range.
        ValueError: an argument is selected twice (``argnums=(0, -2)`` with two arguments).
        TypeError, ValueError: as :func:`jvp`, for the selected arguments.
    """
    selected, single = normalise_argnums("jacfwd", argnums)

    def jacobian_of(*args: Any) -> Any:
        positions = argument_positions("jacfwd", selected, len(args))
        primals = [args[position] for position in positions]
        sizes = [_count(primal) for primal in primals]

        def of_selected(*chosen: Any) -> Any:
            full = list(args)
            for position, argument in zip(positions, chosen, strict=True):
                full[position] = argument
            return f(*full)

        several, rows = _rows(of_selected, primals, sizes)
        parts = [_shaped(row, primals) for row in rows]
        shaped = [part[0] if single else tuple(part) for part in parts]
        return shaped if several else shaped[0]

    return jacobian_of


def _rows(f: Callable[..., Any], primals: list[Any], sizes: list[int]
          ) -> tuple[bool, list[list[float]]]:
    """(whether f has a list of outputs, one row of derivatives per output), a column per pass."""
    total = sum(sizes)
    columns = []
    for column in range(max(total, 1)):  # with no input number, one pass learns the outputs
        flat = [0.0] * total
        if column < total:
            flat[column] = 1.0
        columns.append(jvp(f, primals, _shaped(flat, primals))[1])
    several = isinstance(columns[0], list | tuple)
    outputs = [list(column) if several else [column] for column in columns[:total]]
    count = len(columns[0]) if several else 1
    return several, [[_scalar(column[output], output) for column in outputs]
                     for output in range(count)]


def _shaped(flat: list[float], primals: list[Any]) -> list[Any]:
    """``flat`` cut into one piece per argument, each shaped like that argument."""
    numbers = iter(flat)  # shaped_like takes the numbers from the front
    return [shaped_like(primal, numbers) for primal in primals]


def _count(argument: Any) -> int:
    """How many numbers a (nested) list argument holds."""
    if isinstance(argument, list | tuple):
        return sum(_count(item) for item in argument)
    return 1


def _scalar(tangent: Any, output: int) -> float:
    if isinstance(tangent, list | tuple):
        raise TypeError(
            f"jacfwd: output {output} of f is a list; f must return a Value or a flat list of them"
        )
    return float(tangent)
