"""Higher order: ``backward(create_graph=True)`` records the backward pass, so each ``grad`` is a
Value whose own backward gives second (and third) derivatives. Values worked out by hand."""

from __future__ import annotations

import math

import autograd
from autograd import Value


def second_derivative(function, x: float) -> float:
    leaf = Value(x)
    function(leaf).backward(create_graph=True)
    first = leaf.grad
    leaf.grad = 0.0
    first.backward()
    return leaf.grad


def test_first_order_gradients_are_floats():
    x = Value(0.3)
    y = x.tanh() * x
    y.backward()
    assert type(x.grad) is float
    assert type(y.grad) is float


def test_create_graph_makes_every_gradient_a_value():
    x = Value(0.3)
    h = x.tanh()
    y = h * x
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    assert isinstance(h.grad, Value)


def test_recorded_gradient_has_the_same_number_as_the_float_one():
    x, twin = Value(0.3), Value(0.3)
    (x.tanh() * x).backward(create_graph=True)
    (twin.tanh() * twin).backward()
    assert x.grad.data == twin.grad


def test_recorded_gradient_is_a_graph_back_to_the_inputs():
    x = Value(0.3, label="x")
    (x * x).backward(create_graph=True)  # d/dx = grad * x + grad * x, built from x itself
    order = autograd.topological_order(x.grad, include_leaves=True)
    assert any(node is x for node in order)


def test_second_derivative_of_tanh_by_hand():
    t = math.tanh(0.7)  # tanh'' = d/dx (1 - t**2) = -2 t (1 - t**2)
    assert math.isclose(second_derivative(Value.tanh, 0.7), -2 * t * (1 - t * t), rel_tol=1e-14)


def test_second_derivative_of_sigmoid_by_hand():
    s = 1 / (1 + math.exp(-0.7))  # s'' = d/dx s(1 - s) = s(1 - s)(1 - 2s)
    got = second_derivative(Value.sigmoid, 0.7)
    assert math.isclose(got, s * (1 - s) * (1 - 2 * s), rel_tol=1e-13)


def test_second_derivative_of_log_by_hand():
    assert math.isclose(second_derivative(Value.log, 2.0), -0.25, rel_tol=1e-15)  # -1/x**2


def test_second_derivative_of_exp_is_exp():
    assert math.isclose(second_derivative(Value.exp, 1.0), math.e, rel_tol=1e-15)


def test_second_derivative_of_sqrt_by_hand():
    # d2/dx2 x**0.5 = -1/4 x**-1.5 = -1/32 at x = 4
    assert math.isclose(second_derivative(Value.sqrt, 4.0), -1 / 32, rel_tol=1e-15)


def test_second_derivative_of_relu_is_zero_away_from_the_kink():
    assert second_derivative(lambda x: x.relu() * x, 1.5) == 2.0  # x**2 for x > 0
    assert second_derivative(lambda x: x.relu() * x, -1.5) == 0.0  # 0 for x < 0


def test_mixed_partial_of_a_product_is_one():
    x, y = Value(2.0), Value(3.0)
    (x * y).backward(create_graph=True)
    dx = x.grad  # = y
    autograd.zero_grad([x, y])
    dx.backward()
    assert (x.grad, y.grad) == (0.0, 1.0)


def test_hessian_by_backward_of_each_gradient_matches_autograd_hessian():
    # f = sin(x) e**y: H = [[-sin x e**y, cos x e**y], [cos x e**y, sin x e**y]]
    x, y = Value(0.4), Value(-0.3)
    (x.sin() * y.exp()).backward(create_graph=True)
    gradients = [x.grad, y.grad]
    rows = []
    for gradient in gradients:
        autograd.zero_grad([x, y])
        gradient.backward()
        rows.append([x.grad, y.grad])
    e = math.exp(-0.3)
    by_hand = [
        [-math.sin(0.4) * e, math.cos(0.4) * e],
        [math.cos(0.4) * e, math.sin(0.4) * e],
    ]
    from_hessian = autograd.hessian(lambda a, b: a.sin() * b.exp(), argnums=(0, 1))(0.4, -0.3)
    for i in range(2):
        for j in range(2):
            assert math.isclose(rows[i][j], by_hand[i][j], rel_tol=1e-14)
            assert math.isclose(from_hessian[i][j], by_hand[i][j], rel_tol=1e-14)


def test_third_derivative_of_x_to_the_fourth():
    x = Value(2.0)
    (x**4).backward(create_graph=True)
    first = x.grad  # 4x**3 = 32
    x.grad = 0.0
    first.backward(create_graph=True)
    second = x.grad  # 12x**2 = 48
    x.grad = 0.0
    second.backward()
    assert (first.data, second.data, x.grad) == (32.0, 48.0, 48.0)  # third: 24x = 48


def test_recorded_leaf_gradients_accumulate_as_values():
    x = Value(3.0)
    y = x * x
    y.backward(create_graph=True)
    y.backward(create_graph=True)
    total = x.grad  # 2x + 2x = 12, still differentiable: d/dx = 4
    assert total.data == 12.0
    x.grad = 0.0
    total.backward()
    assert x.grad == 4.0


def test_a_value_seed_with_create_graph_scales_the_gradient():
    x = Value(3.0)
    (x * x).backward(grad=Value(0.5), create_graph=True)
    assert x.grad.data == 3.0  # 0.5 * 2x


def test_newton_step_with_the_second_derivative_lands_on_the_minimum_of_a_parabola():
    # f(x) = (x - 1.5)**2 + 2: one Newton step x - f'/f'' from anywhere reaches 1.5
    x = Value(-4.0)
    ((x - 1.5) ** 2 + 2.0).backward(create_graph=True)
    first = x.grad
    x.grad = 0.0
    first.backward()
    assert x.data - first.data / x.grad == 1.5
