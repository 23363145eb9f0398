"""The symbolic view: a graph of Values as a sympy expression, and its exact derivative.

Each op of the table carries its symbolic form (``Op.symbolic``); :func:`to_sympy` walks the graph
in the engine's one topological order and builds the expression from those forms, so the symbolic
view is the same graph, written as a formula. :func:`symbolic_grad` differentiates that formula
with sympy, and simplifies it when that is cheap: the derivative of the textbook, next to the
engine's number.

``sympy.simplify`` tries many rewrites and its cost grows steeply with the expression: on the
loss of a small tanh network it runs for minutes where the derivative itself takes a fraction of
a second. So by default only a small derivative (at most :data:`SIMPLIFY_MAX_OPS` operations, as
``sympy.count_ops`` counts them) is simplified, and a larger one comes back as ``sympy.diff``
gives it; ``simplify=True`` asks for the simplification whatever it costs, ``simplify=False``
never runs it.

Leaves become symbols named by their labels (unlabelled leaves are constants and become numbers).
Two different leaves with the same label would silently merge into one symbol and give a wrong
derivative, so that is an error: give them distinct labels.

sympy is an optional dependency (``pip install 'chainrule[symbolic]'``; from a checkout
``pip install -e '.[symbolic]'``), imported only here.
Results are sympy expressions, which show as LaTeX in Jupyter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..core.backprop import topological_order
from ..core.ops import Op
from ..core.value import Value

#: symbolic_grad's default simplifies a derivative of at most this many operations
#: (``sympy.count_ops``): up to here sympy.simplify took about a second on tanh networks' terms,
#: at 16 operations (one tanh neuron's squared error) already 7 s, on two points several minutes.
SIMPLIFY_MAX_OPS = 15

#: Floats that are whole numbers up to this size become sympy integers (``x**2``, not ``x**2.0``).
_EXACT_INTEGERS = 2.0**53


def _sympy() -> Any:
    """The sympy module, or an ImportError that names the extra to install."""
    try:
        import sympy
    except ImportError:
        raise ImportError(
            "to_sympy and symbolic_grad need sympy: pip install 'chainrule[symbolic]' "
            "(from a checkout: pip install -e '.[symbolic]')"
        ) from None
    return sympy


def _sympy_number(sympy: Any, value: float) -> Any:
    """A float as a sympy number: an Integer when it is whole, else the exact Float."""
    if float(value).is_integer() and abs(value) <= _EXACT_INTEGERS:
        return sympy.Integer(int(value))
    return sympy.Float(value)


def _leaf_symbols(sympy: Any, nodes: list[Value]) -> dict[Value, Any]:
    """A sympy symbol (labelled leaf) or number (unlabelled leaf) for every leaf among ``nodes``.

    Raises:
        ValueError: two different leaves have the same label.
    """
    leaves: dict[Value, Any] = {}
    by_label: dict[str, Value] = {}
    for node in nodes:
        if node.op is not None:
            continue
        if not node.label:
            leaves[node] = _sympy_number(sympy, node.data)
            continue
        other = by_label.setdefault(node.label, node)
        if other is not node:
            raise ValueError(
                f"to_sympy: two different leaves are labelled {node.label!r} (data {other.data!r} "
                f"and {node.data!r}); one symbol would stand for both and the derivative would "
                "be wrong: give them distinct labels"
            )
        leaves[node] = sympy.Symbol(node.label, real=True)
    return leaves


def _apply_symbolic(sympy: Any, op: Op, arguments: list[Any]) -> Any:
    """``op``'s symbolic form applied to the sympy expressions of its inputs."""
    if op.symbolic is None:
        raise NotImplementedError(
            f"to_sympy: the op {op.title!r} has no symbolic form; give it one with "
            f"register_op({op.name!r}, ..., symbolic=lambda sp, x: ...)"
        )
    params = {name: _sympy_number(sympy, value) for name, value in op.params.items()}
    return op.symbolic(sympy, *arguments, **params)


def _expression(sympy: Any, root: Value) -> tuple[Any, dict[Value, Any]]:
    """(the expression of ``root``, the symbol or number of each leaf of its graph)."""
    if not isinstance(root, Value):
        raise TypeError(f"to_sympy needs a Value, got {type(root).__name__} {root!r}")
    nodes = topological_order(root, include_leaves=True)
    leaves = _leaf_symbols(sympy, nodes)
    expressions = dict(leaves)
    for node in nodes:
        if node.op is not None:
            arguments = [expressions[parent] for parent in node.parents]
            expressions[node] = _apply_symbolic(sympy, node.op, arguments)
    return expressions[root], leaves


def to_sympy(root: Value) -> Any:
    """The graph of ``root`` as a sympy expression, built from the op table's symbolic forms.

    Example:
        >>> from autograd import Value
        >>> x = Value(0.5, label="x")
        >>> to_sympy(x * x + x.sin())
        x**2 + sin(x)

    Args:
        root: the output node.

    Returns:
        A sympy expression (shows as LaTeX in Jupyter). Labelled leaves are real symbols named by
        their labels; unlabelled leaves are numbers (whole numbers as integers).

    Raises:
        ImportError: sympy is not installed (``pip install 'chainrule[symbolic]'``, from a
            checkout ``pip install -e '.[symbolic]'``).
        TypeError: ``root`` is not a Value.
        ValueError: two different leaves share a label.
        NotImplementedError: an op of the graph has no symbolic form; the message names it.
    """
    expression, _ = _expression(_sympy(), root)
    return expression


def symbolic_grad(root: Value, wrt: Value | str, *, simplify: bool | None = None) -> Any:
    """The derivative of ``root`` with respect to one leaf, as a sympy expression.

    Example:
        >>> from autograd import Value
        >>> x, y = Value(2.0, label="x"), Value(3.0, label="y")
        >>> symbolic_grad(x * y + x.sin(), x)
        y + cos(x)

    Args:
        root: the output node.
        wrt: a labelled leaf of ``root``'s graph, or its label.
        simplify: ``None`` (the default) runs ``sympy.simplify`` only on a derivative of at most
            :data:`SIMPLIFY_MAX_OPS` operations, which is quick, and returns a larger one as
            ``sympy.diff`` gives it, so a call on a network's loss cannot hang a session;
            ``True`` always simplifies (it can take minutes on a small network's loss);
            ``False`` never does.

    Returns:
        A sympy expression (shows as LaTeX in Jupyter); ``.subs({symbol: value})`` evaluates it.
        Simplified or not, it is the same function.

    Raises:
        ImportError: sympy is not installed (``pip install 'chainrule[symbolic]'``, from a
            checkout ``pip install -e '.[symbolic]'``).
        ValueError: ``wrt`` is not a labelled leaf of ``root``'s graph.
        TypeError: as :func:`to_sympy`, or ``simplify`` is not ``None``, ``True`` or ``False``.
        NotImplementedError: as :func:`to_sympy`.
    """
    if simplify is not None and not isinstance(simplify, bool):
        raise TypeError(
            f"symbolic_grad: simplify must be None (simplify small derivatives), True or False, "
            f"got {simplify!r}"
        )
    sympy = _sympy()
    expression, leaves = _expression(sympy, root)
    symbol = _symbol_of(wrt, leaves)
    derivative = sympy.diff(expression, symbol)
    if simplify is None:
        simplify = sympy.count_ops(derivative) <= SIMPLIFY_MAX_OPS
    return sympy.simplify(derivative) if simplify else derivative


def _symbol_of(wrt: Value | str, leaves: dict[Value, Any]) -> Any:
    """The symbol of the leaf ``wrt`` (a Value or a label) among ``leaves``."""
    labels = sorted(leaf.label for leaf in leaves if leaf.label)
    if isinstance(wrt, Value):
        if wrt.op is not None or not wrt.label:
            raise ValueError(
                f"symbolic_grad: wrt must be a labelled leaf, got {wrt!r}; label the input "
                "(Value(..., label='x')) to differentiate with respect to it"
            )
        if wrt in leaves:
            return leaves[wrt]
        name = wrt.label
    elif isinstance(wrt, str):
        name = wrt
        for leaf, symbol in leaves.items():
            if leaf.label == name:
                return symbol
    else:
        raise TypeError(f"symbolic_grad: wrt must be a Value or a label, got {type(wrt).__name__}")
    raise ValueError(
        f"symbolic_grad: {name!r} is not a leaf of root's graph; its labelled leaves are {labels}"
    )


def formula_and_symbols(root: Value, names: Sequence[str]) -> tuple[Any, list[Any]] | None:
    """:func:`to_sympy`'s formula of ``root`` and the real symbols called ``names``, or ``None``
    when sympy is not installed or an op of the graph has no symbolic form (a referee that can
    do without the exact answer asks this way: :mod:`autograd.pytorch.referee`)."""
    try:
        sympy = _sympy()
        formula = to_sympy(root)
    except (ImportError, NotImplementedError, ValueError):
        return None
    return formula, [sympy.Symbol(name, real=True) for name in names]


def derivative_at(formula: Any, wrt: Sequence[Any], point: dict[Any, float],
                  digits: int) -> float | None:
    """The derivative of ``formula`` along the symbols ``wrt`` (in order), evaluated exactly at
    ``point`` to ``digits`` digits; ``None`` if it is not a finite real number there."""
    sympy = _sympy()
    derivative = sympy.diff(formula, *wrt)
    number = derivative.evalf(digits, subs={symbol: sympy.Float(x, digits)
                                            for symbol, x in point.items()})
    if not number.is_real or not number.is_finite:  # complex, NaN, an infinity
        return None
    return float(number)
