"""The functional API: ``grad``, ``value_and_grad``, ``jacobian`` and ``hessian``, on values worked
out by hand in a comment beside each test."""

from __future__ import annotations

import math

import pytest

import autograd
from autograd import Value, grad, hessian, jacobian, value_and_grad


def test_grad_of_one_argument():
    assert grad(lambda x: x * x * x)(2.0) == 12.0  # 3x**2


def test_grad_with_an_int_argnums_picks_that_argument():
    f = grad(lambda x, y: x * y + y.sin(), argnums=1)  # d/dy = x + cos y
    assert math.isclose(f(3.0, 0.5), 3.0 + math.cos(0.5), rel_tol=1e-15)


def test_grad_with_a_tuple_argnums_gives_a_tuple():
    assert grad(lambda x, y: x * y + y, argnums=(0, 1))(3.0, 4.0) == (4.0, 4.0)  # (y, x + 1)


def test_grad_with_a_negative_argnums_counts_from_the_end():
    assert grad(lambda x, y: x * y, argnums=-1)(3.0, 4.0) == 3.0


def test_grad_of_a_list_argument_is_a_list_of_the_same_shape():
    f = grad(lambda ws: autograd.sum([w * w for w in ws]))  # 2w each
    assert f([1.0, 2.0, 3.0]) == [2.0, 4.0, 6.0]


def test_grad_of_a_nested_list_argument_keeps_the_nesting():
    f = grad(lambda rows: rows[0][0] * rows[0][1] + rows[1][0])  # (b, a), (1)
    assert f([[2.0, 5.0], [7.0]]) == [[5.0, 2.0], [1.0]]


def test_grad_of_two_list_arguments():
    f = grad(lambda ws, xs: autograd.dot(ws, xs), argnums=(0, 1))  # d/dw = x, d/dx = w
    assert f([1.0, 2.0], [3.0, 4.0]) == ([3.0, 4.0], [1.0, 2.0])


def test_grad_of_an_unused_argument_is_zero():
    assert grad(lambda x, y: x * 2.0, argnums=1)(1.0, 5.0) == 0.0


def test_grad_leaves_values_passed_in_untouched():
    v = Value(2.0)
    assert grad(lambda x: x * x)(v) == 4.0
    assert v.grad == 0.0


def test_grad_does_not_accumulate_between_calls():
    f = grad(lambda x: x * x)
    assert f(3.0) == f(3.0) == 6.0


def test_grad_with_argnums_out_of_range_is_an_index_error():
    with pytest.raises(IndexError, match="argnums 2"):
        grad(lambda x, y: x * y, argnums=2)(1.0, 2.0)


def test_value_and_grad_gives_both():
    assert value_and_grad(lambda x: x.exp())(0.0) == (1.0, 1.0)  # e**0, e**0


def test_value_and_grad_with_a_tuple_argnums():
    value, (dx, dy) = value_and_grad(lambda x, y: x * x * y, argnums=(0, 1))(2.0, 3.0)
    assert (value, dx, dy) == (12.0, 12.0, 4.0)  # x**2 y, 2xy, x**2


def test_value_and_grad_rejects_several_outputs():
    with pytest.raises(TypeError, match="jacobian"):
        value_and_grad(lambda x: [x, x * 2.0])(1.0)


def test_jacobian_of_several_outputs_has_one_row_per_output():
    f = jacobian(lambda x, y: [x * y, x + y, x.sin()], argnums=(0, 1))
    rows = f(2.0, 3.0)
    # d(xy) = (y, x); d(x + y) = (1, 1); d(sin x) = (cos x, 0)
    assert rows[:2] == [(3.0, 2.0), (1.0, 1.0)]
    assert rows[2] == (math.cos(2.0), 0.0)


def test_jacobian_of_one_output_is_its_gradient():
    assert jacobian(lambda x: x * x)(3.0) == 6.0


def test_jacobian_of_softmax_over_a_list():
    rows = jacobian(autograd.softmax)([0.0, 0.0])
    # s = (1/2, 1/2): ds_i/dx_j = s_i (delta_ij - s_j) = +-1/4
    expected = [[0.25, -0.25], [-0.25, 0.25]]
    for row, want in zip(rows, expected, strict=True):
        for got, number in zip(row, want, strict=True):
            assert math.isclose(got, number, rel_tol=1e-15)


def test_hessian_matrix_of_two_arguments():
    f = hessian(lambda x, y: x * x * y + y**3, argnums=(0, 1))
    # d2/dx2 = 2y = 6, d2/dxdy = 2x = 4, d2/dy2 = 6y = 18
    assert f(2.0, 3.0) == [[6.0, 4.0], [4.0, 18.0]]


def test_hessian_of_a_list_argument():
    f = hessian(lambda xs: xs[0] * xs[0] * xs[1])  # [[2b, 2a], [2a, 0]]
    assert f([2.0, 3.0]) == [[6.0, 4.0], [4.0, 0.0]]


def test_hessian_of_one_scalar_input_is_a_float():
    assert hessian(lambda x: x**3)(2.0) == 12.0  # 6x


def test_hessian_of_sin_by_hand():
    assert math.isclose(hessian(Value.sin)(0.5), -math.sin(0.5), rel_tol=1e-15)


def test_hessian_of_a_linear_function_is_zero():
    assert hessian(lambda x, y: 3.0 * x - y, argnums=(0, 1))(1.0, 2.0) == [[0.0, 0.0], [0.0, 0.0]]


def test_grad_of_the_identity_is_one():
    assert grad(lambda x: x)(3.0) == 1.0


def test_grad_inside_no_grad_still_differentiates():
    # the transform asks for gradients; an outer no_grad() must not silently give zeros
    with autograd.no_grad():
        assert grad(lambda x: x * x)(3.0) == 6.0
        assert hessian(lambda x: x**3)(2.0) == 12.0  # 6x
        assert jacobian(lambda x: [x * x, x])(3.0) == [6.0, 1.0]


def test_no_grad_inside_the_function_is_respected():
    def f(x):
        with autograd.no_grad():
            constant = x * 10.0  # not recorded: a constant for the gradient
        return x * constant

    assert grad(f)(2.0) == 20.0  # d/dx (x * c) = c = 20


# ---------------------------------------------------------------- argnums that repeat an argument

TRANSFORMS = [grad, value_and_grad, jacobian, hessian]


@pytest.mark.parametrize("transform", TRANSFORMS, ids=lambda t: t.__name__)
@pytest.mark.parametrize("argnums", [(0, 0), (1, 1), (0, -2), (-1, 1)])
def test_an_argument_selected_twice_is_a_value_error_naming_the_argnums(transform, argnums):
    # Before, the second lifting of the argument replaced the first, so its gradient read 0.
    f = transform(lambda x, y: x * x * y, argnums=argnums)
    with pytest.raises(ValueError, match=rf"{transform.__name__}: argnums \({argnums[0]}, "
                                         rf"{argnums[1]}\) select argument \d twice"):
        f(2.0, 3.0)


def test_a_negative_alias_message_says_which_argument_it_names():
    with pytest.raises(ValueError, match=r"for 2 argument\(s\), -2 is argument 0"):
        grad(lambda x, y: x * y, argnums=(0, -2))(2.0, 3.0)


def test_distinct_argnums_mixing_signs_still_work():
    assert grad(lambda x, y: x * y, argnums=(-1, 0))(2.0, 3.0) == (2.0, 3.0)  # (x, y)


@pytest.mark.parametrize("argnums", [True, 1.0, "0", (0, None)])
def test_argnums_that_are_not_integers_are_a_type_error_at_once(argnums):
    with pytest.raises(TypeError, match="grad: argnums must be an integer"):
        grad(lambda x: x, argnums=argnums)


def test_hessian_of_several_outputs_is_a_type_error():
    # Before, the list was not a Value, so the Hessian silently read all zeros.
    with pytest.raises(TypeError, match="hessian needs f to return one Value"):
        hessian(lambda x: [x * x, x])(1.0)


def test_a_string_argument_is_a_type_error_not_a_number():
    with pytest.raises(TypeError, match="str"):
        grad(lambda x: x * x)("2.0")


# ---------------------------------------------------------------- large list arguments


def test_grad_over_a_list_of_200000_numbers_is_exact_and_keeps_the_shape():
    # Rebuilding the shape used to pop numbers from the front of a list, which moves every
    # remaining number each time: quadratic, minutes at this size. d/dx_i sum(x_i^2) = 2 x_i.
    xs = [i / 1000.0 for i in range(200_000)]
    gradient = grad(lambda values: autograd.dot(values, values))(xs)
    assert len(gradient) == len(xs)
    assert gradient == [2.0 * x for x in xs]


def test_grad_over_many_nested_lists_keeps_every_nesting():
    rows = [[float(i), float(i) + 0.5] for i in range(50_000)]
    gradient = grad(lambda rs: autograd.sum(r[0] * r[1] for r in rs))(rows)  # (b, a) per row
    assert gradient == [[b, a] for a, b in rows]


def test_grad_over_a_300000_element_list_gives_every_element_its_gradient() -> None:
    # d/dx_i of sum_j x_j * x_j is 2 x_i; x_i = i / 1024 keeps 2 x_i exact.
    xs = [i / 1024 for i in range(300_000)]
    assert grad(lambda values: autograd.dot(values, values))(xs) == [2.0 * x for x in xs]
