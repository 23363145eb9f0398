"""The symbolic view: ``to_sympy`` and ``symbolic_grad``.

The references: expressions and derivatives written by hand with sympy (in a comment beside each
test), and the engine's backward pass, which sympy's exact derivative of ``to_sympy``'s expression
must match on hypothesis graphs.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import pytest
import sympy
from hypothesis import given

import nn
from autograd import Value, symbolic_grad, to_sympy
from autograd import sum as value_sum
from autograd.core.backprop import propagate, topological_order
from autograd.testing import expressions

x_, y_ = sympy.symbols("x y", real=True)


def leaves(*pairs: tuple[str, float]) -> list[Value]:
    return [Value(data, label=label) for label, data in pairs]


def is_zero(expression: Any) -> bool:
    return sympy.simplify(expression) == 0


# ---------------------------------------------------------------- to_sympy


def test_a_graph_becomes_the_expression_it_computes():
    x, y = leaves(("x", 0.5), ("y", 2.0))
    assert is_zero(to_sympy(x * y + x.sin() / y) - (x_ * y_ + sympy.sin(x_) / y_))


def test_every_method_has_its_textbook_form():
    (x,) = leaves(("x", 0.5))
    root = x.exp() + x.log() + x.sqrt() + x.tanh() + x.sigmoid() + x.softplus() + x.cos()
    expected = (sympy.exp(x_) + sympy.log(x_) + sympy.sqrt(x_) + sympy.tanh(x_)
                + 1 / (1 + sympy.exp(-x_)) + sympy.log(1 + sympy.exp(x_)) + sympy.cos(x_))
    assert is_zero(to_sympy(root) - expected)


def test_labelled_leaves_are_real_symbols_named_by_their_labels():
    (x,) = leaves(("x", 0.5))
    assert to_sympy(x) == x_ and to_sympy(x).is_real


def test_unlabelled_leaves_are_numbers():
    (x,) = leaves(("x", 0.5))
    assert to_sympy(x * 3.0 + 0.25) == 3 * x_ + sympy.Float(0.25)


def test_a_whole_exponent_is_an_integer():
    (x,) = leaves(("x", 0.5))
    assert to_sympy(x**2) == x_**2


def test_an_exponent_that_is_not_whole_keeps_its_float_value():
    (x,) = leaves(("x", 0.5))
    assert to_sympy(x**1.5) == x_ ** sympy.Float(1.5)


def test_a_shared_sub_expression_appears_in_both_places():
    (x,) = leaves(("x", 0.5))
    h = x.sin()
    assert to_sympy(h * h + h) == sympy.sin(x_) ** 2 + sympy.sin(x_)


def test_two_leaves_with_the_same_label_are_an_error_naming_the_label():
    a, b = leaves(("x", 1.0), ("x", 2.0))
    with pytest.raises(ValueError, match="two different leaves are labelled 'x'"):
        to_sympy(a * b)


def test_an_op_without_a_symbolic_form_is_an_error_naming_it(registered):
    cube = registered("cube", lambda x: x**3, lambda grad, out, x: (grad * 3.0 * x * x,))
    (x,) = leaves(("x", 0.5))
    with pytest.raises(NotImplementedError, match="'cube' has no symbolic form"):
        to_sympy(cube(x) + x)


def test_a_registered_op_with_a_symbolic_form_is_used(registered):
    cube = registered("cube", lambda x: x**3, lambda grad, out, x: (grad * 3.0 * x * x,),
                      symbolic=lambda sp, x: x**3)
    (x,) = leaves(("x", 0.5))
    assert to_sympy(cube(x)) == x_**3


def test_a_deep_chain_converts_without_recursion_in_the_walk():
    (x,) = leaves(("x", 0.5))
    root = x
    for _ in range(3000):  # deeper than Python's default recursion limit of 1000
        root = root + 1.0
    assert to_sympy(root) == x_ + 3000


def test_to_sympy_shows_as_latex_in_jupyter():
    (x,) = leaves(("x", 0.5))
    assert to_sympy(x.sin())._repr_latex_() == r"$\displaystyle \sin{\left(x \right)}$"


def test_to_sympy_refuses_a_number():
    with pytest.raises(TypeError, match="to_sympy needs a Value"):
        to_sympy(2.0)  # type: ignore[arg-type]


def test_without_sympy_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sympy", None)  # makes `import sympy` raise ImportError
    (x,) = leaves(("x", 0.5))
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[symbolic\]'"):
        to_sympy(x)


# ---------------------------------------------------------------- symbolic_grad


def test_symbolic_grad_is_the_textbook_derivative():
    x, y = leaves(("x", 2.0), ("y", 3.0))
    assert symbolic_grad(x * y + x.sin(), x) == y_ + sympy.cos(x_)  # d/dx (xy + sin x)


def test_symbolic_grad_is_simplified():
    (x,) = leaves(("x", 2.0))
    assert symbolic_grad(x.exp().log() * 2.0, x) == 2  # log(e**x) = x for real x


def test_symbolic_grad_simplifies_a_small_derivative_by_default():
    x, y = leaves(("x", 0.3), ("y", -1.2))
    # d/dx (tanh(xy) + x**3) = y (1 - tanh(xy)**2) + 3 x**2 = y / cosh(xy)**2 + 3 x**2
    expected = y_ / sympy.cosh(x_ * y_) ** 2 + 3 * x_**2
    assert symbolic_grad((x * y).tanh() + x**3, x) == expected


def test_symbolic_grad_without_simplify_is_the_plain_derivative():
    x, y = leaves(("x", 0.3), ("y", -1.2))
    # sympy differentiates tanh(u) as 1 - tanh(u)**2, and leaves it so without simplify
    expected = y_ * (1 - sympy.tanh(x_ * y_) ** 2) + 3 * x_**2
    assert symbolic_grad((x * y).tanh() + x**3, x, simplify=False) == expected


def small_network_loss() -> tuple[Value, Value]:
    """The MSE of a 2-3-1 tanh MLP on two points, and its first weight (labelled, as all)."""
    model = nn.MLP(2, [3, 1], activation="tanh", seed=1)
    for name, parameter in model.named_parameters():
        parameter.label = name.replace(".", "_")
    points, targets = [[0.5, -1.0], [1.5, 2.0]], [1.0, -1.0]
    errors = [(model(point) - target) ** 2 for point, target in zip(points, targets, strict=True)]
    return value_sum(errors) / 2.0, model.parameters()[0]


def at_the_point(derivative: Any, root: Value) -> float:
    """``derivative`` evaluated at the data of ``root``'s labelled leaves, to 30 digits."""
    symbols = {symbol.name: symbol for symbol in derivative.free_symbols}
    subs = {symbols[leaf.label]: sympy.Float(leaf.data, 30)
            for leaf in topological_order(root, include_leaves=True)
            if leaf.op is None and leaf.label in symbols}
    return float(derivative.evalf(30, subs=subs))


def test_symbolic_grad_of_a_small_networks_loss_comes_back_unsimplified_by_default():
    # sympy.simplify on this derivative runs for minutes; the default must not start it.
    loss, weight = small_network_loss()
    loss.backward()
    derivative = symbolic_grad(loss, weight)
    assert derivative == sympy.diff(to_sympy(loss), sympy.Symbol(weight.label, real=True))
    assert math.isclose(at_the_point(derivative, loss), weight.grad, rel_tol=1e-12)


def test_symbolic_grad_simplify_true_simplifies_a_larger_derivative_to_the_same_function():
    x, w, b = leaves(("x", 0.5), ("w", -1.5), ("b", 0.25))
    root = (x * w + b).softplus() * (x * w).sigmoid()  # a derivative of 30 operations
    root.backward()
    plain = symbolic_grad(root, w)
    simplified = symbolic_grad(root, w, simplify=True)
    assert plain == symbolic_grad(root, w, simplify=False) and simplified != plain
    for derivative in (plain, simplified):
        assert math.isclose(at_the_point(derivative, root), w.grad, rel_tol=1e-12)


@pytest.mark.parametrize("simplify", ["yes", 1, 0.0])
def test_symbolic_grad_refuses_a_simplify_that_is_not_a_bool_or_none(simplify: Any):
    (x,) = leaves(("x", 2.0))
    with pytest.raises(TypeError, match="simplify must be None"):
        symbolic_grad(x * x, x, simplify=simplify)


def test_symbolic_grad_accepts_a_label():
    x, y = leaves(("x", 2.0), ("y", 3.0))
    assert symbolic_grad(x * y, "y") == x_


def test_symbolic_grad_evaluated_at_the_point_is_the_engines_gradient():
    x, y = leaves(("x", 0.3), ("y", -1.2))
    root = (x * y).tanh() + x**3
    root.backward()
    derivative = symbolic_grad(root, x)  # y (1 - tanh(xy)**2) + 3 x**2
    exact = float(derivative.evalf(30, subs={x_: sympy.Float(0.3), y_: sympy.Float(-1.2)}))
    assert math.isclose(exact, x.grad, rel_tol=1e-14)


def test_symbolic_grad_shows_as_latex_in_jupyter():
    (x,) = leaves(("x", 2.0))
    assert symbolic_grad(x * x, x)._repr_latex_() == r"$\displaystyle 2 x$"


def test_symbolic_grad_wrt_a_leaf_of_another_graph_is_an_error_listing_the_leaves():
    x, z = leaves(("x", 2.0), ("z", 1.0))
    with pytest.raises(ValueError, match=r"'z' is not a leaf of root's graph.*\['x'\]"):
        symbolic_grad(x * x, z)


def test_symbolic_grad_wrt_an_unknown_label_is_an_error():
    (x,) = leaves(("x", 2.0))
    with pytest.raises(ValueError, match="'q' is not a leaf"):
        symbolic_grad(x * x, "q")


def test_symbolic_grad_wrt_an_interior_node_is_an_error():
    (x,) = leaves(("x", 2.0))
    h = x * x
    h.label = "h"
    with pytest.raises(ValueError, match="wrt must be a labelled leaf"):
        symbolic_grad(h + x, h)


def test_symbolic_grad_wrt_an_unlabelled_leaf_is_an_error():
    x = Value(2.0)
    with pytest.raises(ValueError, match="label the input"):
        symbolic_grad(x * x, x)


# ---------------------------------------------------------------- random graphs


@given(expressions())
def test_the_derivative_of_to_sympy_matches_backward(example):
    function, inputs = example
    xs = [Value(x, label=f"x{i}") for i, x in enumerate(inputs)]
    result = function(*xs)
    point = {sympy.Symbol(f"x{i}", real=True): sympy.Float(x) for i, x in enumerate(inputs)}
    for output in result if isinstance(result, list) else [result]:
        expression = to_sympy(output)
        assert math.isclose(float(expression.evalf(30, subs=point)), output.data,
                            rel_tol=1e-12, abs_tol=1e-12)
        grads = propagate(output, 1.0)
        for x, symbol in zip(xs, point, strict=True):
            exact = float(sympy.diff(expression, symbol).evalf(30, subs=point))
            assert math.isclose(grads.get(x, 0.0), exact, rel_tol=1e-9, abs_tol=1e-9)
