"""micrograd compatibility: its README example and the expressions of its own test suite give the
same numbers here, and the attributes its graph-drawing code reads (``_prev``, ``_op``) exist.

micrograd's tests (karpathy/micrograd, test/test_engine.py: ``test_sanity_check`` and
``test_more_ops``) compare against PyTorch; here the expected numbers come from sympy instead: the
very same expression text is run on sympy symbols (relu as ``Max(x, 0)``) and differentiated
exactly. The README's printed numbers (g = 24.7041, dg/da = 138.8338, dg/db = 645.5773) are
checked to the four decimals it prints.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import sympy
from micrograd.engine import Value as MicrogradValue

from autograd import Value


def sanity_check(x: Any, relu: Callable[[Any], Any]) -> Any:
    """The expression of micrograd's test_sanity_check."""
    z = 2 * x + 2 + x
    q = relu(z) + z * x
    h = relu(z * z)
    return h + q + q * x


def more_ops(a: Any, b: Any, relu: Callable[[Any], Any]) -> Any:
    """The expression of micrograd's test_more_ops (and of its README)."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + relu(b + a)
    d += 3 * d + relu(b - a)
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def engine_relu(v: Any) -> Any:
    return v.relu()


def sympy_relu(v: Any) -> Any:
    return sympy.Max(v, 0)


def sympy_value_and_gradient(build, point: dict[str, float]) -> tuple[float, list[float]]:
    symbols = [sympy.Symbol(name, real=True) for name in point]
    expression = build(*symbols, sympy_relu)
    at = {s: sympy.Rational(point[s.name]) for s in symbols}
    value = float(expression.subs(at).evalf(30))
    gradient = [float(sympy.diff(expression, s).subs(at).evalf(30)) for s in symbols]
    return value, gradient


def close(got: float, want: float) -> bool:
    return math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-6)


def test_sanity_check_expression_matches_sympy():
    # by hand, for z < 0 near x = -4: y = 3x**3 + 14x**2 + 14x + 4 = -20, y' = 9x**2 + 28x + 14 = 46
    x = Value(-4.0)
    y = sanity_check(x, engine_relu)
    y.backward()
    value, (slope,) = sympy_value_and_gradient(sanity_check, {"x": -4.0})
    assert (value, slope) == (-20.0, 46.0)
    assert close(y.data, value)
    assert close(x.grad, slope)


def test_more_ops_expression_matches_sympy():
    a, b = Value(-4.0), Value(2.0)
    g = more_ops(a, b, engine_relu)
    g.backward()
    value, (da, db) = sympy_value_and_gradient(more_ops, {"a": -4.0, "b": 2.0})
    assert close(g.data, value)
    assert close(a.grad, da)
    assert close(b.grad, db)


def test_readme_example_prints_micrograds_numbers():
    a, b = Value(-4.0), Value(2.0)
    g = more_ops(a, b, engine_relu)
    g.backward()
    assert (f"{g.data:.4f}", f"{a.grad:.4f}", f"{b.grad:.4f}") == (
        "24.7041",
        "138.8338",
        "645.5773",
    )


def test_micrograd_itself_agrees_on_both_expressions():
    # a second, independent oracle: the micrograd package run on the same expression text
    x, micro_x = Value(-4.0), MicrogradValue(-4.0)
    ours, theirs = sanity_check(x, engine_relu), sanity_check(micro_x, engine_relu)
    ours.backward()
    theirs.backward()
    assert (ours.data, x.grad) == (theirs.data, micro_x.grad)

    a, b = Value(-4.0), Value(2.0)
    micro_a, micro_b = MicrogradValue(-4.0), MicrogradValue(2.0)
    ours, theirs = more_ops(a, b, engine_relu), more_ops(micro_a, micro_b, engine_relu)
    ours.backward()
    theirs.backward()
    assert close(ours.data, theirs.data)
    assert close(a.grad, micro_a.grad)
    assert close(b.grad, micro_b.grad)


# ------------------------------------------------------------------------------ attributes


def trace(root: Any) -> tuple[set[Any], set[tuple[Any, Any]]]:
    """Nodes and edges reached through ``_prev``, the way micrograd's drawing code walks a graph."""
    nodes: set[Any] = set()
    edges: set[tuple[Any, Any]] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if node in nodes:
            continue
        nodes.add(node)
        for parent in node._prev:
            edges.add((parent, node))
            pending.append(parent)
    return nodes, edges


def test_prev_is_the_set_of_parents():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    assert c._prev == {a, b}
    assert a._prev == set()


def test_op_is_the_operator_symbol_and_empty_for_a_leaf():
    a, b = Value(1.0), Value(2.0)
    assert ((a + b)._op, (a * b)._op, a.relu()._op, a._op) == ("+", "*", "ReLU", "")


def test_a_micrograd_style_trace_reaches_every_node_and_edge():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c + a  # nodes a, b, c, d; edges a->c, b->c, c->d, a->d
    nodes, edges = trace(d)
    assert nodes == {a, b, c, d}
    assert edges == {(a, c), (b, c), (c, d), (a, d)}
    assert all(isinstance(node._op, str) for node in nodes)
    assert all(isinstance(node.data, float) and isinstance(node.grad, float) for node in nodes)
