"""The functional API: ``grad``, ``value_and_grad``, ``jacobian`` and ``hessian``.

Each takes a function of numbers (floats, or lists of floats) written with Value operations and
returns a function that gives plain floats, like ``jax.grad``. Arguments are lifted to fresh leaf
Values, so no ``.grad`` anywhere is touched and nothing accumulates between calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .graph import propagate
from .mode import enable_grad
from .value import Value

Structure = Any  # a float, or a (nested) list of floats, shaped like an argument


def _lift(argument: Any, leaves: list[Value]) -> Any:
    """Turn numbers into new leaf Values (recording them in ``leaves``), keeping list shape."""
    if isinstance(argument, list | tuple):
        return type(argument)(_lift(item, leaves) for item in argument)
    leaf = Value(float(argument.data if isinstance(argument, Value) else argument))
    leaves.append(leaf)
    return leaf


def _shape_like(argument: Any, numbers: list[float]) -> Structure:
    """Rebuild ``argument``'s list shape from a flat list of numbers (consumed from the front)."""
    if isinstance(argument, list | tuple):
        return type(argument)(_shape_like(item, numbers) for item in argument)
    return numbers.pop(0)


def _normalise(argnums: int | Sequence[int]) -> tuple[int, ...]:
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


def _call(f: Callable[..., Any], args: tuple[Any, ...], argnums: tuple[int, ...]):
    """Call ``f`` with the selected arguments lifted; return (output, leaves per argnum)."""
    lifted = list(args)
    leaves_per_arg: list[list[Value]] = []
    for index in argnums:
        if not -len(args) <= index < len(args):
            raise IndexError(f"argnums {index} is out of range for {len(args)} argument(s)")
        leaves: list[Value] = []
        lifted[index] = _lift(args[index], leaves)
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


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[float, Any]]:
    """Return a function giving ``(f(*args), gradient)`` as floats.

    Args:
        f: a function returning a single Value (or a number).
        argnums: which positional argument(s) to differentiate; an int gives one gradient shaped
            like that argument, a tuple gives a tuple of them.
    """
    selected = _normalise(argnums)

    def value_and_gradient(*args: Any) -> tuple[float, Any]:
        output, leaves_per_arg = _call(f, args, selected)
        if isinstance(output, list | tuple):
            raise TypeError("value_and_grad needs f to return one Value; use jacobian for several")
        value = output.data if isinstance(output, Value) else float(output)
        parts = []
        for index, leaves in zip(selected, leaves_per_arg, strict=True):
            parts.append(_shape_like(args[index], _gradient_numbers(output, leaves)))
        return value, parts[0] if isinstance(argnums, int) else tuple(parts)

    return value_and_gradient


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Return a function giving the gradient of ``f`` as floats (see :func:`value_and_grad`).

    Example:
        >>> grad(lambda x, y: x * y + y, argnums=(0, 1))(3.0, 4.0)
        (4.0, 4.0)
    """
    value_and_gradient = value_and_grad(f, argnums)
    return lambda *args: value_and_gradient(*args)[1]


def jacobian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Return a function giving, for each output of ``f``, its gradient (see :func:`grad`).

    ``f`` may return one Value (the result is then its gradient) or a list of Values (the result
    is a list with one gradient per output: the rows of the Jacobian).
    """
    selected = _normalise(argnums)

    def jacobian_of(*args: Any) -> Any:
        output, leaves_per_arg = _call(f, args, selected)
        outputs = list(output) if isinstance(output, list | tuple) else [output]
        rows = []
        for out in outputs:
            parts = [
                _shape_like(args[index], _gradient_numbers(out, leaves))
                for index, leaves in zip(selected, leaves_per_arg, strict=True)
            ]
            rows.append(parts[0] if isinstance(argnums, int) else tuple(parts))
        return rows if isinstance(output, list | tuple) else rows[0]

    return jacobian_of


def hessian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Return a function giving the matrix of second derivatives of ``f`` as floats.

    The selected arguments are flattened into one vector ``x`` and the result is the list of rows
    ``H[i][j] = d2 f / dxi dxj``; when that vector has a single entry the result is a float.
    Computed by differentiating the recorded gradient (``create_graph=True``) once per input.
    """
    selected = _normalise(argnums)

    def hessian_of(*args: Any) -> Any:
        output, leaves_per_arg = _call(f, args, selected)
        leaves = [leaf for leaves in leaves_per_arg for leaf in leaves]
        first = _gradient_numbers(output, leaves, create_graph=True)
        matrix = [_gradient_numbers(partial, leaves) for partial in first]
        return matrix[0][0] if len(leaves) == 1 else matrix

    return hessian_of
