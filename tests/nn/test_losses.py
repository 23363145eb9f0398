"""nn.losses: values worked out by hand, gradients against central differences, stability."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from lookalikes import ArrayLike, Float32Like, Int64Like

from autograd import Value
from nn import losses


def numeric_gradient(
    loss: Callable[[list[Value]], Value], point: list[float], eps: float = 1e-6
) -> list[float]:
    """Central differences (f(x + e) - f(x - e)) / 2e of a loss of several inputs."""
    slopes = []
    for i in range(len(point)):
        up = [x + eps if j == i else x for j, x in enumerate(point)]
        down = [x - eps if j == i else x for j, x in enumerate(point)]
        upper = loss([Value(x) for x in up]).data
        lower = loss([Value(x) for x in down]).data
        slopes.append((upper - lower) / (2 * eps))
    return slopes


def analytic_gradient(loss: Callable[[list[Value]], Value], point: list[float]) -> list[float]:
    inputs = [Value(x) for x in point]
    loss(inputs).backward()
    return [float(value.grad) for value in inputs]


def assert_gradcheck(loss: Callable[[list[Value]], Value], point: list[float]) -> None:
    numeric = numeric_gradient(loss, point)
    analytic = analytic_gradient(loss, point)
    assert analytic == pytest.approx(numeric, rel=1e-5, abs=1e-7)


# ------------------------------------------------------------------------------------- values


def test_mse_of_one_output_is_the_squared_error():
    # (2.5 - 1)^2 = 2.25
    assert losses.mse(Value(2.5), 1.0).data == pytest.approx(2.25)


def test_mse_of_several_outputs_is_the_mean_squared_error():
    # ((1-0)^2 + (2-4)^2 + (3-3)^2) / 3 = (1 + 4 + 0) / 3
    assert losses.mse([Value(1.0), Value(2.0), Value(3.0)], [0.0, 4.0, 3.0]).data == pytest.approx(
        5.0 / 3.0
    )


def test_mse_rejects_a_length_mismatch():
    with pytest.raises(ValueError, match="one target per output"):
        losses.mse([Value(1.0), Value(2.0)], [1.0])


def test_binary_cross_entropy_matches_minus_log_probability():
    # t = 1: -log(0.8); t = 0: -log(1 - 0.8) = -log(0.2)
    assert losses.binary_cross_entropy(Value(0.8), 1).data == pytest.approx(-math.log(0.8))
    assert losses.binary_cross_entropy(Value(0.8), 0).data == pytest.approx(-math.log(0.2))


def test_binary_cross_entropy_is_zero_for_a_certain_correct_probability():
    assert losses.binary_cross_entropy(Value(1.0), 1).data == 0.0


def test_binary_cross_entropy_raises_a_clear_error_for_a_certain_wrong_probability():
    with pytest.raises(ValueError, match="with_logits"):
        losses.binary_cross_entropy(Value(0.0), 1)
    with pytest.raises(ValueError, match="infinite"):
        losses.binary_cross_entropy(Value(1.0), 0)


def test_binary_cross_entropy_rejects_a_probability_outside_0_1():
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        losses.binary_cross_entropy(Value(1.5), 1)


def test_binary_cross_entropy_with_logits_equals_bce_of_the_sigmoid():
    # sigmoid(0.3) = 1 / (1 + e^-0.3); loss = -log(sigmoid(0.3)) for t = 1
    probability = 1.0 / (1.0 + math.exp(-0.3))
    assert losses.binary_cross_entropy_with_logits(Value(0.3), 1).data == pytest.approx(
        -math.log(probability)
    )
    assert losses.binary_cross_entropy_with_logits(Value(0.3), 0).data == pytest.approx(
        -math.log(1.0 - probability)
    )


def test_binary_cross_entropy_with_logits_is_finite_at_logit_1000():
    # softplus(1000) - 0 = 1000 (wrong side, t = 0); softplus(1000) - 1000 = 0 (right side)
    z = Value(1000.0)
    wrong = losses.binary_cross_entropy_with_logits(z, 0)
    wrong.backward()
    assert wrong.data == pytest.approx(1000.0)
    assert z.grad == pytest.approx(1.0)  # sigmoid(1000) - 0
    assert losses.binary_cross_entropy_with_logits(Value(1000.0), 1).data == pytest.approx(0.0)
    negative = Value(-1000.0)
    loss = losses.binary_cross_entropy_with_logits(negative, 1)
    loss.backward()
    assert loss.data == pytest.approx(1000.0)
    assert negative.grad == pytest.approx(-1.0)  # sigmoid(-1000) - 1


def test_cross_entropy_is_minus_log_softmax_of_the_true_class():
    # logits (1, 2, 3), class 2: -log(e^3 / (e^1 + e^2 + e^3))
    expected = -math.log(math.exp(3) / (math.exp(1) + math.exp(2) + math.exp(3)))
    assert losses.cross_entropy([Value(1.0), Value(2.0), Value(3.0)], 2).data == pytest.approx(
        expected
    )


def test_cross_entropy_is_finite_at_logits_of_1000():
    # logits (1000, 0, -1000): log_sum_exp = 1000 + log(1 + e^-1000 + e^-2000) = 1000
    logits = [Value(1000.0), Value(0.0), Value(-1000.0)]
    loss = losses.cross_entropy(logits, 1)
    loss.backward()
    assert loss.data == pytest.approx(1000.0)
    # gradient softmax - onehot: (1, 0, 0) - (0, 1, 0)
    assert [v.grad for v in logits] == pytest.approx([1.0, -1.0, 0.0], abs=1e-12)


def test_cross_entropy_rejects_an_out_of_range_class():
    with pytest.raises(ValueError, match="out of range"):
        losses.cross_entropy([Value(1.0), Value(2.0)], 2)


def test_cross_entropy_rejects_a_non_integer_class():
    with pytest.raises(TypeError, match="integer"):
        losses.cross_entropy([Value(1.0), Value(2.0)], 0.5)  # type: ignore[arg-type]


def test_cross_entropy_accepts_a_numpy_style_integer_class():
    # three equal logits: -log(1/3) = log 3 for any class
    logits = ArrayLike([Value(0.0), Value(0.0), Value(0.0)])
    assert losses.cross_entropy(logits, Int64Like(2)).data == pytest.approx(math.log(3))  # type: ignore[arg-type]


def test_cross_entropy_accepts_an_integer_valued_numpy_style_float_class():
    # log(e^0 + e^1) - 1 = log(1 + e) - 1 for class 1
    expected = math.log(1 + math.e) - 1
    assert losses.cross_entropy([0.0, 1.0], Float32Like(1.0)).data == pytest.approx(expected)  # type: ignore[arg-type]


def test_cross_entropy_rejects_a_fractional_numpy_style_class():
    with pytest.raises(TypeError, match="integer"):
        losses.cross_entropy([0.0, 1.0], Float32Like(0.5))  # type: ignore[arg-type]


def test_cross_entropy_rejects_a_bool_class():
    with pytest.raises(TypeError, match="integer"):
        losses.cross_entropy([0.0, 1.0], True)


def test_numpy_style_numbers_are_accepted_as_predictions_and_targets():
    # (2 - 1)^2 = 1; ((1 - 0)^2 + (3 - 1)^2) / 2 = 2.5
    assert losses.mse(Float32Like(2.0), Int64Like(1)).data == 1.0  # type: ignore[arg-type]
    prediction = ArrayLike([Float32Like(1.0), Value(3.0)])
    target = ArrayLike([Int64Like(0), Float32Like(1.0)])
    assert losses.mse(prediction, target).data == 2.5
    # relu(1 - (-1) * 0.5) = 1.5; softplus(0) - 1 * 0 = log 2
    assert losses.hinge(Value(0.5), Int64Like(-1)).data == 1.5  # type: ignore[arg-type]
    assert losses.binary_cross_entropy_with_logits(
        Value(0.0), Float32Like(1.0)  # type: ignore[arg-type]
    ).data == pytest.approx(math.log(2))
    # -(0.5 * log 0.25 + 0.5 * log 0.75), a soft label of 1/2
    assert losses.binary_cross_entropy(Float32Like(0.25), Float32Like(0.5)).data == pytest.approx(  # type: ignore[arg-type]
        -(0.5 * math.log(0.25) + 0.5 * math.log(0.75))
    )


def test_l2_accepts_a_numpy_style_alpha():
    # 0.5 * 2^2 = 2
    assert losses.l2([Value(2.0)], Float32Like(0.5)).data == 2.0  # type: ignore[arg-type]


def test_bool_predictions_and_targets_are_still_rejected():
    with pytest.raises(TypeError, match="prediction"):
        losses.mse(True, 1.0)
    with pytest.raises(TypeError, match="target"):
        losses.hinge(Value(0.5), True)


def test_hinge_is_zero_beyond_the_margin_and_linear_inside_it():
    # relu(1 - 1 * 2) = 0; relu(1 - 1 * 0.25) = 0.75; relu(1 - (-1) * 0.5) = 1.5
    assert losses.hinge(Value(2.0), 1).data == 0.0
    assert losses.hinge(Value(0.25), 1).data == pytest.approx(0.75)
    assert losses.hinge(Value(0.5), -1).data == pytest.approx(1.5)


def test_hinge_reads_a_zero_label_as_minus_one():
    assert losses.hinge(Value(0.5), 0).data == losses.hinge(Value(0.5), -1).data


def test_hinge_rejects_other_labels():
    with pytest.raises(ValueError, match=r"\+1 or -1"):
        losses.hinge(Value(0.5), 2)


def test_l2_is_alpha_times_the_sum_of_squares():
    # 0.1 * (1^2 + (-2)^2 + 3^2) = 1.4
    assert losses.l2([Value(1.0), Value(-2.0), Value(3.0)], 0.1).data == pytest.approx(1.4)


def test_a_one_element_list_prediction_is_accepted_by_scalar_losses():
    assert losses.hinge([Value(0.25)], 1).data == pytest.approx(0.75)


# ------------------------------------------------------------------------------ gradient checks


def test_mse_gradient_matches_central_differences():
    assert_gradcheck(lambda v: losses.mse(v, [0.5, -1.0, 2.0]), [0.3, 0.7, -1.2])


def test_binary_cross_entropy_gradient_matches_central_differences():
    assert_gradcheck(lambda v: losses.binary_cross_entropy(v[0], 1), [0.3])
    assert_gradcheck(lambda v: losses.binary_cross_entropy(v[0], 0), [0.3])
    assert_gradcheck(lambda v: losses.binary_cross_entropy(v[0], 0.25), [0.6])


def test_binary_cross_entropy_with_logits_gradient_matches_central_differences():
    assert_gradcheck(lambda v: losses.binary_cross_entropy_with_logits(v[0], 1), [-1.7])
    assert_gradcheck(lambda v: losses.binary_cross_entropy_with_logits(v[0], 0), [2.3])
    assert_gradcheck(lambda v: losses.binary_cross_entropy_with_logits(v[0], 0.3), [0.4])


def test_cross_entropy_gradient_matches_central_differences():
    assert_gradcheck(lambda v: losses.cross_entropy(v, 1), [0.2, -1.3, 2.1, 0.5])


def test_hinge_gradient_matches_central_differences_away_from_the_kink():
    assert_gradcheck(lambda v: losses.hinge(v[0], 1), [0.4])  # inside the margin: slope -1
    assert_gradcheck(lambda v: losses.hinge(v[0], -1), [0.4])  # slope +1
    assert_gradcheck(lambda v: losses.hinge(v[0], 1), [1.6])  # beyond the margin: slope 0


def test_l2_gradient_matches_central_differences():
    assert_gradcheck(lambda v: losses.l2(v, 0.01), [0.5, -2.0, 3.0])


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    # d/dz_i = softmax(z)_i - [i == k] for z = (0, ln 2, ln 3): softmax = (1, 2, 3) / 6
    logits = [Value(0.0), Value(math.log(2.0)), Value(math.log(3.0))]
    losses.cross_entropy(logits, 0).backward()
    assert [v.grad for v in logits] == pytest.approx([1 / 6 - 1, 2 / 6, 3 / 6])
