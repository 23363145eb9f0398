"""``nn.SyntheticGradient``: zero start, the hand-derived regression update, the bootstrapped
target read from a real truncated window, and bad input.

The numbers are worked by hand in the comments: with e = W h + b - target, the loss
1/2 ||e||^2 has the gradients dW = e h^T and db = e.
"""

from __future__ import annotations

import math

import pytest
from weights import set_weights

import autograd
import nn
from autograd import Value
from nn import optim


def set_parameters(
    model: nn.SyntheticGradient, weight: list[list[float]], bias: list[float]
) -> None:
    set_weights(model.weight, model.bias, weight, bias)


# ------------------------------------------------------------------------------ the start


def test_every_weight_and_bias_starts_at_zero():
    model = nn.SyntheticGradient(3)
    assert [parameter.data for parameter in model.parameters()] == [0.0] * 12


def test_a_fresh_model_predicts_a_zero_gradient_so_training_starts_as_plain_truncation():
    model = nn.SyntheticGradient(2)
    assert model.predict([0.3, -4.0]) == [0.0, 0.0]
    assert model.seeds([0.3, -4.0]) == [0.0, 0.0]


def test_parameters_are_named_weight_and_bias():
    names = [name for name, _ in nn.SyntheticGradient(2).named_parameters()]
    assert names == ["weight.0.0", "weight.0.1", "weight.1.0", "weight.1.1", "bias.0", "bias.1"]


def test_without_bias_there_are_only_weights():
    assert len(nn.SyntheticGradient(3, bias=False).parameters()) == 9


# ------------------------------------------------------------------------------ by hand
# W = [[1, 2], [0, -1]], b = [0.5, 0], h = [2, -1], target = [1, 3]:
# W h + b = [1*2 + 2*(-1) + 0.5, 0*2 + (-1)*(-1) + 0] = [0.5, 1]
# e = [0.5 - 1, 1 - 3] = [-0.5, -2];  loss = 1/2 (0.25 + 4) = 2.125
# dW = e h^T = [[-1, 0.5], [-4, 2]];  db = e = [-0.5, -2]

WEIGHT = [[1.0, 2.0], [0.0, -1.0]]
BIAS = [0.5, 0.0]
H = [2.0, -1.0]
TARGET = [1.0, 3.0]


def hand_model() -> nn.SyntheticGradient:
    model = nn.SyntheticGradient(2)
    set_parameters(model, WEIGHT, BIAS)
    return model


def test_the_prediction_is_w_h_plus_b():
    assert hand_model().predict(H) == [0.5, 1.0]


def test_the_loss_is_half_the_squared_error():
    assert hand_model().loss(H, TARGET).data == 2.125


def test_the_loss_gradients_are_the_error_times_h_and_the_error():
    model = hand_model()
    model.loss(H, TARGET).backward()
    assert [[w.grad for w in row] for row in model.weight] == [[-1.0, 0.5], [-4.0, 2.0]]
    assert model.bias is not None
    assert [b.grad for b in model.bias] == [-0.5, -2.0]


def test_one_sgd_step_moves_the_parameters_against_the_hand_derived_gradient():
    # lr = 0.1: W - 0.1 dW = [[1.1, 1.95], [0.4, -1.2]], b - 0.1 db = [0.55, 0.2].
    model = hand_model()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    optimizer.zero_grad()
    model.loss(H, TARGET).backward()
    optimizer.step()
    got = [[w.data for w in row] for row in model.weight]
    for row, want in zip(got, [[1.1, 1.95], [0.4, -1.2]], strict=True):
        assert row == pytest.approx(want, abs=1e-12)
    assert model.bias is not None
    assert [b.data for b in model.bias] == pytest.approx([0.55, 0.2], abs=1e-12)


def test_the_loss_does_not_send_gradient_into_the_state_it_reads():
    h = [Value(2.0), Value(-1.0)]
    hand_model().loss(h, TARGET).backward()
    assert [value.grad for value in h] == [0.0, 0.0]


def test_regression_drives_the_prediction_to_a_fixed_target():
    model = nn.SyntheticGradient(2)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    for _ in range(300):
        optimizer.zero_grad()
        model.loss(H, TARGET).backward()
        optimizer.step()
    assert model.predict(H) == pytest.approx(TARGET, abs=1e-6)


def test_seeds_are_the_prediction_scaled_by_the_discount():
    model = nn.SyntheticGradient(2, discount=0.5)
    set_parameters(model, WEIGHT, BIAS)
    assert model.seeds(H) == [0.25, 0.5]


# ------------------------------------------------------------------ the bootstrapped target


def test_the_target_is_the_window_gradient_plus_the_prediction_carried_back():
    # One tanh unit, one step: h1 = tanh(w h0) with w = 0.5, h0 = 0.8 (detached start);
    # window loss L = h1, seed at the end g = 0.3 (W = 0, b = 0.3, discount 1):
    # target = dL/dh0 + (dh1/dh0) g = (1 + 0.3) * w * (1 - tanh(0.4)^2).
    model = nn.SyntheticGradient(1)
    set_parameters(model, [[0.0]], [0.3])
    start = [Value(0.8)]
    end = [(start[0] * 0.5).tanh()]
    autograd.backward([end[0], *end], [1.0, *model.seeds(end)])
    want = 1.3 * 0.5 * (1 - math.tanh(0.4) ** 2)
    assert model.target(start) == pytest.approx([want], rel=1e-12)


def test_the_discount_scales_only_the_bootstrapped_part_of_the_target():
    # As above with discount 0.5: target = (1 + 0.5 * 0.3) * w * (1 - tanh(0.4)^2).
    model = nn.SyntheticGradient(1, discount=0.5)
    set_parameters(model, [[0.0]], [0.3])
    start = [Value(0.8)]
    end = [(start[0] * 0.5).tanh()]
    autograd.backward([end[0], *end], [1.0, *model.seeds(end)])
    assert model.target(start) == pytest.approx([1.15 * 0.5 * (1 - math.tanh(0.4) ** 2)])


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("size", [0, -2])
def test_a_size_below_one_is_a_value_error_naming_it(size):
    with pytest.raises(ValueError, match="SyntheticGradient: size must be at least 1"):
        nn.SyntheticGradient(size)


@pytest.mark.parametrize("size", [2.0, "3", True, None])
def test_a_size_that_is_not_an_integer_is_a_type_error(size):
    with pytest.raises(TypeError, match="SyntheticGradient: size must be an integer"):
        nn.SyntheticGradient(size)


def test_a_state_of_the_wrong_length_is_a_value_error_naming_both_sizes():
    with pytest.raises(ValueError, match=r"h has 3 entries, expected size=2"):
        nn.SyntheticGradient(2).predict([1.0, 2.0, 3.0])


def test_a_target_of_the_wrong_length_is_a_value_error():
    with pytest.raises(ValueError, match=r"target has 1 entries, expected size=2"):
        nn.SyntheticGradient(2).loss([1.0, 2.0], [1.0])


def test_a_non_finite_target_is_a_value_error():
    with pytest.raises(ValueError, match=r"target\[1\] is nan"):
        nn.SyntheticGradient(2).loss([1.0, 2.0], [1.0, math.nan])


@pytest.mark.parametrize("h", ["ab", 3.0, [1.0, "x"]], ids=["string", "number", "item"])
def test_a_state_that_is_not_numbers_is_a_type_error(h):
    with pytest.raises(TypeError, match="h"):
        nn.SyntheticGradient(2).predict(h)


@pytest.mark.parametrize("discount", [-0.1, 1.5, math.nan])
def test_a_discount_outside_zero_one_is_a_value_error(discount):
    with pytest.raises(ValueError, match="discount must be in"):
        nn.SyntheticGradient(2, discount=discount)


def test_a_target_read_from_numbers_instead_of_values_is_a_type_error():
    with pytest.raises(TypeError, match="start state"):
        nn.SyntheticGradient(2).target([1.0, 2.0])


# ------------------------------------------------------------------------------ files


def test_a_saved_model_loads_with_its_numbers_and_discount(tmp_path):
    model = nn.SyntheticGradient(2, discount=0.9)
    set_parameters(model, WEIGHT, BIAS)
    model.save(tmp_path / "synthetic.json")
    loaded = nn.Module.load(tmp_path / "synthetic.json")
    assert isinstance(loaded, nn.SyntheticGradient)
    assert loaded.discount == 0.9
    assert loaded.predict(H) == [0.5, 1.0]
