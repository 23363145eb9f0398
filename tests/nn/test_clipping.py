"""clip_grad_norm_ and clip_grad_value_ against norms computed by hand (PyTorch's semantics;
the comparison with torch itself is in tests/pytorch/test_recurrent_torch.py)."""

from __future__ import annotations

import math

import pytest

import nn
from autograd import Value


def with_grads(*grads: float) -> list[Value]:
    values = [Value(1.0) for _ in grads]
    for value, grad in zip(values, grads, strict=True):
        value.grad = grad
    return values


def test_returns_the_euclidean_norm_before_clipping() -> None:
    assert nn.clip_grad_norm_(with_grads(3.0, -4.0), max_norm=1.0) == 5.0  # sqrt(9 + 16)


def test_scales_by_max_norm_over_norm_plus_one_millionth() -> None:
    values = with_grads(3.0, -4.0)
    nn.clip_grad_norm_(values, max_norm=1.0)
    assert [value.grad for value in values] == [3.0 * (1.0 / 5.000001), -4.0 * (1.0 / 5.000001)]


def test_a_norm_equal_to_max_norm_still_shrinks_by_the_millionth() -> None:
    values = with_grads(3.0, -4.0)
    nn.clip_grad_norm_(values, max_norm=5.0)  # 5 / (5 + 1e-6) < 1
    assert [value.grad for value in values] == [3.0 * (5.0 / 5.000001), -4.0 * (5.0 / 5.000001)]


def test_a_norm_below_max_norm_leaves_the_gradients_alone() -> None:
    values = with_grads(3.0, -4.0)
    assert nn.clip_grad_norm_(values, max_norm=5.00001) == 5.0  # 5.00001 / 5.000001 >= 1
    assert [value.grad for value in values] == [3.0, -4.0]


def test_infinity_norm_is_the_largest_magnitude() -> None:
    values = with_grads(2.0, -7.0, 3.0)
    assert nn.clip_grad_norm_(values, max_norm=3.5, norm_type=math.inf) == 7.0
    scale = 3.5 / 7.000001
    assert [value.grad for value in values] == [2.0 * scale, -7.0 * scale, 3.0 * scale]


def test_infinity_norm_may_be_named_by_a_string_as_in_pytorch() -> None:
    assert nn.clip_grad_norm_(with_grads(2.0, -7.0), 100.0, norm_type="inf") == 7.0


def test_one_norm_is_the_sum_of_magnitudes() -> None:
    assert nn.clip_grad_norm_(with_grads(1.0, -2.0, 3.0), 100.0, norm_type=1) == 6.0


def test_three_norm_is_the_cube_root_of_the_sum_of_cubes() -> None:
    total = nn.clip_grad_norm_(with_grads(1.0, -2.0, 2.0), 100.0, norm_type=3.0)
    assert total == pytest.approx(17.0 ** (1.0 / 3.0), rel=1e-15)  # 1 + 8 + 8


def test_the_norm_is_joint_over_all_parameters() -> None:
    model = nn.Layer(1, 2, "linear", seed=0)
    for value, grad in zip(model.parameters(), [1.0, 2.0, 2.0, 4.0], strict=True):
        value.grad = grad
    assert nn.clip_grad_norm_(model, 1.0) == 5.0  # sqrt(1 + 4 + 4 + 16), a Module is accepted


def test_huge_gradients_do_not_overflow_the_norm() -> None:
    values = with_grads(3e200, 4e200)
    assert nn.clip_grad_norm_(values, max_norm=1.0) == pytest.approx(5e200, rel=1e-15)
    assert values[0].grad == pytest.approx(0.6, rel=1e-12)


def test_no_parameters_have_norm_zero() -> None:
    assert nn.clip_grad_norm_([], max_norm=1.0) == 0.0


def test_all_zero_gradients_stay_zero() -> None:
    values = with_grads(0.0, 0.0)
    assert nn.clip_grad_norm_(values, max_norm=0.0) == 0.0  # 0 / (0 + 1e-6) = 0 < 1: scaled
    assert [value.grad for value in values] == [0.0, 0.0]


def test_an_infinite_gradient_gives_an_infinite_norm_and_scale_zero() -> None:
    values = with_grads(math.inf, 1.0)
    assert nn.clip_grad_norm_(values, max_norm=1.0) == math.inf
    grads = [value.grad for value in values]  # scaled by 1 / inf = 0, as in PyTorch
    assert math.isnan(grads[0]) and grads[1] == 0.0  # inf * 0 is NaN


def test_a_nan_gradient_gives_a_nan_norm_and_makes_every_gradient_nan() -> None:
    values = with_grads(1.0, math.nan, 2.0)
    assert math.isnan(nn.clip_grad_norm_(values, max_norm=1.0))
    assert all(math.isnan(value.grad) for value in values)  # as PyTorch's


def test_gradients_that_are_values_are_scaled_as_values() -> None:
    value = Value(1.0)
    value.grad = Value(6.0)
    nn.clip_grad_norm_([value], max_norm=3.0)
    assert isinstance(value.grad, Value) and value.grad.data == pytest.approx(3.0, rel=1e-6)


@pytest.mark.parametrize("max_norm", [-1.0, math.nan, "1"])
def test_max_norm_must_be_a_number_at_least_zero(max_norm: object) -> None:
    with pytest.raises(ValueError, match="clip_grad_norm_: max_norm must be a number >= 0"):
        nn.clip_grad_norm_(with_grads(1.0), max_norm)  # type: ignore[arg-type]


@pytest.mark.parametrize("norm_type", [0.0, -2.0, "two"])
def test_norm_type_must_be_positive(norm_type: object) -> None:
    with pytest.raises(ValueError, match="norm_type must be a positive number or math.inf"):
        nn.clip_grad_norm_(with_grads(1.0), 1.0, norm_type)  # type: ignore[arg-type]


def test_a_parameter_that_is_not_a_value_is_named() -> None:
    with pytest.raises(TypeError, match="parameter 1 is a float, not a Value"):
        nn.clip_grad_norm_([Value(1.0), 2.0], 1.0)  # type: ignore[list-item]


def test_clip_grad_value_clamps_each_gradient_on_its_own() -> None:
    values = with_grads(-3.0, 0.5, 2.0, -1.0)
    assert nn.clip_grad_value_(values, 1.0) is None
    assert [value.grad for value in values] == [-1.0, 0.5, 1.0, -1.0]


def test_clip_grad_value_rejects_a_negative_limit() -> None:
    with pytest.raises(ValueError, match="clip_grad_value_: clip_value must be a number >= 0"):
        nn.clip_grad_value_(with_grads(1.0), -0.5)


def test_clipping_leaves_the_parameters_data_alone() -> None:
    values = with_grads(30.0, 40.0)
    nn.clip_grad_norm_(values, 1.0)
    nn.clip_grad_value_(values, 0.1)
    assert [value.data for value in values] == [1.0, 1.0]
