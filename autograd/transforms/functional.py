"""The functional API: ``grad``, ``value_and_grad``, ``jacobian`` and ``hessian``.

Each takes a function of numbers (floats, or lists of floats) written with Value operations and
returns a function that gives plain floats, like ``jax.grad``. Arguments are lifted to fresh leaf
Values, so no ``.grad`` anywhere is touched and nothing accumulates between calls.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..core.backprop import propagate
from ..core.modes import enable_grad
from ..core.numbers import is_count
from ..core.value import Value

Structure = Any  # a float, or a (nested) list of floats, shaped like an argument

#: The smallest integer Python accepts as an index: argnums must be integers at least this.
_SMALLEST_INDEX = -sys.maxsize - 1


def _lift(argument: Any, leaves: list[Value]) -> Any:
    """Turn numbers into new leaf Values (recording them in ``leaves``), keeping list shape."""
    if isinstance(argument, list | tuple):
        return type(argument)(_lift(item, leaves) for item in argument)
    leaf = Value(argument.data if isinstance(argument, Value) else argument)
    leaves.append(leaf)
    return leaf


def shaped_like(argument: Any, numbers: Iterator[float]) -> Structure:
    """Rebuild ``argument``'s list shape from the next numbers of ``numbers``."""
    if isinstance(argument, list | tuple):
        return type(argument)(shaped_like(item, numbers) for item in argument)
    return next(numbers)


def normalise_argnums(caller: str, argnums: Any) -> tuple[tuple[int, ...], bool]:
    """``argnums`` as a tuple, and whether it was a single integer (one result, not a tuple).

    Raises:
        TypeError: ``argnums`` is neither an integer nor a sequence of integers (bools are not).
    """
    single = not isinstance(argnums, Sequence)
    selected = (argnums,) if single else tuple(argnums)
    for index in selected:
        if not is_count(index, _SMALLEST_INDEX):
            raise TypeError(f"{caller}: argnums must be an integer or a sequence of integers, got "
                            f"{type(index).__name__} {index!r}")
    return selected, single


def argument_positions(caller: str, argnums: tuple[int, ...], count: int) -> list[int]:
    """The argument positions ``argnums`` select among ``count`` arguments, from 0.

    Raises:
        IndexError: an argnum is out of range.
        ValueError: two argnums select the same argument (also through a negative alias): its
            leaves would be lifted twice and every gradient but the last would read 0.
    """
    positions: list[int] = []
    for index in argnums:
        if not -count <= index < count:
            raise IndexError(f"{caller}: argnums {index} is out of range for {count} argument(s)")
        position = index % count
        if position in positions:
            raise ValueError(
                f"{caller}: argnums {argnums!r} select argument {position} twice (for {count} "
                f"argument(s), {index} is argument {position}); list each argument once"
            )
        positions.append(position)
    return positions


def _call(caller: str, f: Callable[..., Any], args: tuple[Any, ...],
          argnums: tuple[int, ...]) -> tuple[Any, list[list[Value]]]:
    """Call ``f`` with the selected arguments lifted; return (output, leaves per argnum)."""
    lifted = list(args)
    leaves_per_arg: list[list[Value]] = []
    for position in argument_positions(caller, argnums, len(args)):
        leaves: list[Value] = []
        lifted[position] = _lift(args[position], leaves)
        leaves_per_arg.append(leaves)
    # A transform asks for gradients, so it records even inside an outer no_grad() (as
    # torch.func.grad does, pytorch/functorch#13); a no_grad() inside f is still respected.
    with enable_grad():
        return f(*lifted), leaves_per_arg


def _gradient_numbers(output: Any, leaves: list[Value], create_graph: bool = False) -> list[Any]:
    if not isinstance(output, Value):
        return [0.0 for _ in leaves]
    grads = propagate(output, 1.0, create_graph=create_graph)
    return [grads.get(leaf, 0.0) for leaf in leaves]


def _shaped_gradients(output: Any, args: tuple[Any, ...], argnums: tuple[int, ...],
                      leaves_per_arg: list[list[Value]], single: bool) -> Any:
    """The gradient of ``output`` for each selected argument, shaped like that argument."""
    parts = [shaped_like(args[index], iter(_gradient_numbers(output, leaves)))
             for index, leaves in zip(argnums, leaves_per_arg, strict=True)]
    return parts[0] if single else tuple(parts)


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[float, Any]]:
    """Return a function giving ``(f(*args), gradient)`` as floats.

    Args:
        f: a function returning a single Value (or a number).
        argnums: which positional argument(s) to differentiate; an int gives one gradient shaped
            like that argument, a tuple gives a tuple of them.

    Raises:
        TypeError: ``argnums`` holds something other than integers (at once); ``f`` returns
            several outputs (when called).
        IndexError: an argnum is out of range for the arguments given.
        ValueError: two argnums select the same argument, directly or through a negative alias
            (``(0, -2)`` for two arguments).
    """
    return _value_and_grad("value_and_grad", f, argnums)


def _value_and_grad(caller: str, f: Callable[..., Any],
                    argnums: int | Sequence[int]) -> Callable[..., tuple[float, Any]]:
    selected, single = normalise_argnums(caller, argnums)

    def value_and_gradient(*args: Any) -> tuple[float, Any]:
        output, leaves_per_arg = _call(caller, f, args, selected)
        if isinstance(output, list | tuple):
            raise TypeError(f"{caller} needs f to return one Value; use jacobian for several")
        value = output.data if isinstance(output, Value) else float(output)
        return value, _shaped_gradients(output, args, selected, leaves_per_arg, single)

    return value_and_gradient


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Return a function giving the gradient of ``f`` as floats (see :func:`value_and_grad`,
    also for what is raised).

    Example:
        >>> grad(lambda x, y: x * y + y, argnums=(0, 1))(3.0, 4.0)
        (4.0, 4.0)
    """
    value_and_gradient = _value_and_grad("grad", f, argnums)
    return lambda *args: value_and_gradient(*args)[1]


def jacobian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Return a function giving, for each output of ``f``, its gradient (see :func:`grad`).

    ``f`` may return one Value (the result is then its gradient) or a list of Values (the result
    is a list with one gradient per output: the rows of the Jacobian). Raises as
    :func:`value_and_grad` does for ``argnums``.
    """
    selected, single = normalise_argnums("jacobian", argnums)

    def jacobian_of(*args: Any) -> Any:
        output, leaves_per_arg = _call("jacobian", f, args, selected)
        many = isinstance(output, list | tuple)
        rows = [_shaped_gradients(out, args, selected, leaves_per_arg, single)
                for out in (output if many else [output])]
        return rows if many else rows[0]

    return jacobian_of


def hessian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Return a function giving the matrix of second derivatives of ``f`` as floats.

    The selected arguments are flattened into one vector ``x`` and the result is the list of rows
    ``H[i][j] = d2 f / dxi dxj``; when that vector has a single entry the result is a float.
    Computed by differentiating the recorded gradient (``create_graph=True``) once per input.
    Raises as :func:`value_and_grad` does for ``argnums``.
    """
    selected, _ = normalise_argnums("hessian", argnums)

    def hessian_of(*args: Any) -> Any:
        output, leaves_per_arg = _call("hessian", f, args, selected)
        if isinstance(output, list | tuple):
            raise TypeError("hessian needs f to return one Value; take the hessian of each "
                            "output separately")
        leaves = [leaf for leaves in leaves_per_arg for leaf in leaves]
        first = _gradient_numbers(output, leaves, create_graph=True)
        matrix = [_gradient_numbers(partial, leaves) for partial in first]
        return matrix[0][0] if len(leaves) == 1 else matrix

    return hessian_of
