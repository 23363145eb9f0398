"""Conv2d, MaxPool2d and AvgPool2d on [channel][row][col] nested lists."""

from __future__ import annotations

import random

import pytest
from weights import set_weights

import nn
from autograd import Value, assert_gradients_match
from autograd import sum as value_sum


def numbers(image: list[list[list[Value]]]) -> list[list[list[float]]]:
    return [[[pixel.data for pixel in row] for row in plane] for plane in image]


def leaves(image: list[list[list[float]]]) -> list[list[list[Value]]]:
    return [[[Value(pixel) for pixel in row] for row in plane] for plane in image]


def set_kernel(conv: nn.Conv2d, kernels: list[list[float]], biases: list[float]) -> None:
    set_weights(conv.weight, conv.bias, kernels, biases)


# ------------------------------------------------------------------------------------ Conv2d


def test_conv2d_matches_a_hand_computed_cross_correlation() -> None:
    conv = nn.Conv2d(1, 1, 2, seed=0)
    set_kernel(conv, [[1.0, 2.0, 3.0, 4.0]], [0.5])
    image = [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]
    # top-left window [[1, 2], [4, 5]]: 1*1 + 2*2 + 3*4 + 4*5 + 0.5 = 37.5, then each step of one
    # column adds 1+2+3+4 = 10 and each step of one row adds 3*10 = 30.
    assert numbers(conv(image)) == [[[37.5, 47.5], [67.5, 77.5]]]


def test_conv2d_sums_over_input_channels_per_output_channel() -> None:
    conv = nn.Conv2d(2, 2, 1, seed=0)
    set_kernel(conv, [[1.0, 10.0], [-1.0, 0.0]], [0.0, 1.0])
    image = [[[1.0, 2.0]], [[3.0, 4.0]]]
    # out0 = 1*x0 + 10*x1; out1 = -x0 + 1
    assert numbers(conv(image)) == [[[31.0, 42.0]], [[0.0, -1.0]]]


def test_conv2d_padding_adds_zeros_around_the_image() -> None:
    conv = nn.Conv2d(1, 1, 3, padding=1, seed=0)
    set_kernel(conv, [[1.0] * 9], [0.0])  # each output = sum of its 3x3 neighbourhood
    image = [[[1.0, 2.0], [3.0, 4.0]]]
    assert numbers(conv(image)) == [[[10.0, 10.0], [10.0, 10.0]]]


def test_conv2d_output_size_follows_stride_and_padding() -> None:
    # (5 + 2*1 - 3) // 2 + 1 = 3 along each axis
    output = nn.Conv2d(1, 4, 3, stride=2, padding=1, seed=0)([[[0.0] * 5] * 5])
    assert (len(output), len(output[0]), len(output[0][0])) == (4, 3, 3)


def test_conv2d_makes_one_affine_node_per_output_pixel() -> None:
    output = nn.Conv2d(2, 1, 2, seed=0)(leaves([[[1.0, 2.0]] * 2, [[3.0, 4.0]] * 2]))
    pixel = output[0][0][0]
    assert pixel.op is not None and pixel.op.name == "affine"
    assert len(pixel.parents) == 2 * (2 * 2 * 2) + 1  # 8 weights, the bias, 8 inputs


def test_conv2d_gradients_match_central_differences() -> None:
    rng = random.Random(3)
    conv = nn.Conv2d(2, 2, 2, stride=1, padding=1, seed=1)
    pixels = [rng.uniform(-1, 1) for _ in range(2 * 3 * 3)]
    scales = [rng.uniform(-1, 1) for _ in range(2 * 4 * 4)]

    def loss(*values: Value) -> Value:
        """A weighted sum of squares of all outputs, as a function of pixels and parameters."""
        image = [[list(values[c * 9 + r * 3: c * 9 + r * 3 + 3]) for r in range(3)]
                 for c in range(2)]
        parameters = values[18:]
        conv.weight = [list(parameters[0:8]), list(parameters[8:16])]
        conv.bias = list(parameters[16:18])
        outputs = [p for plane in conv(image) for row in plane for p in row]
        return value_sum(w * p * p for w, p in zip(scales, outputs, strict=True))

    parameters = [value.data for value in conv.parameters()]
    assert_gradients_match(loss, pixels + parameters)


def test_conv2d_rejects_the_wrong_number_of_channels() -> None:
    with pytest.raises(ValueError, match="expects 3 input channels, got 1"):
        nn.Conv2d(3, 1, 2, seed=0)([[[0.0, 0.0], [0.0, 0.0]]])


def test_conv2d_rejects_a_kernel_larger_than_the_image() -> None:
    with pytest.raises(ValueError, match="kernel of 3 does not fit an input of 2"):
        nn.Conv2d(1, 1, 3, seed=0)([[[0.0, 0.0], [0.0, 0.0]]])


def test_conv2d_rejects_ragged_rows() -> None:
    with pytest.raises(ValueError, match="channel 0 is not 2 rows of 2 columns"):
        nn.Conv2d(1, 1, 1, seed=0)([[[0.0, 0.0], [0.0]]])


def test_conv2d_parameters_are_named_by_output_channel() -> None:
    names = [name for name, _ in nn.Conv2d(1, 2, 2, seed=0).named_parameters()]
    assert names == [*(f"weight.0.{k}" for k in range(4)), *(f"weight.1.{k}" for k in range(4)),
                     "bias.0", "bias.1"]


# ------------------------------------------------------------------------------------ pooling


def test_max_pool_takes_the_largest_value_of_each_window() -> None:
    image = [[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 8.0, 1.0], [0.0, 0.0, 1.0, 1.0],
              [9.0, 0.0, 1.0, 2.0]]]
    assert numbers(nn.MaxPool2d(2)(image)) == [[[5.0, 8.0], [9.0, 2.0]]]


def test_max_pool_gives_exactly_zero_gradient_to_non_maximal_inputs() -> None:
    image = leaves([[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 8.0, 1.0], [0.0, 0.0, 1.0, 1.0],
                     [9.0, 0.0, 1.0, 2.0]]])
    pooled = nn.MaxPool2d(2)(image)
    value_sum(p * (i + 1.0) for i, p in enumerate(pooled[0][0] + pooled[0][1])).backward()
    gradients = [[pixel.grad for pixel in row] for row in image[0]]
    assert gradients == [[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0],
                         [3.0, 0.0, 0.0, 4.0]]


def test_max_pool_tie_goes_to_the_first_maximum_in_row_major_order() -> None:
    image = leaves([[[1.0, 7.0], [7.0, 7.0]]])
    nn.MaxPool2d(2)(image)[0][0][0].backward()
    assert [[pixel.grad for pixel in row] for row in image[0]] == [[0.0, 1.0], [0.0, 0.0]]


def test_overlapping_max_pool_windows_add_their_gradients() -> None:
    image = leaves([[[0.0, 9.0, 0.0]]])
    pooled = nn.MaxPool2d((1, 2), stride=1)(image)  # windows [0, 9] and [9, 0] both pick the 9
    value_sum(pooled[0][0]).backward()
    assert [pixel.grad for pixel in image[0][0]] == [0.0, 2.0, 0.0]


def test_max_pool_gradients_match_central_differences() -> None:
    rng = random.Random(8)
    pixels = [rng.uniform(-1, 1) for _ in range(2 * 4 * 4)]  # distinct: no ties, no kinks

    def loss(*values: Value) -> Value:
        image = [[list(values[c * 16 + r * 4: c * 16 + r * 4 + 4]) for r in range(4)]
                 for c in range(2)]
        pooled = nn.MaxPool2d(2, stride=1)(image)
        return value_sum((p * (k + 1.0)).tanh() for k, p in
                         enumerate(x for plane in pooled for row in plane for x in row))

    assert_gradients_match(loss, pixels)


def test_avg_pool_averages_each_window() -> None:
    image = [[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]]
    assert numbers(nn.AvgPool2d(2)(image)) == [[[3.5, 5.5]]]


def test_avg_pool_gives_each_input_a_quarter_of_a_2x2_window_gradient() -> None:
    image = leaves([[[1.0, 2.0], [3.0, 4.0]]])
    nn.AvgPool2d(2)(image)[0][0][0].backward()
    assert [[pixel.grad for pixel in row] for row in image[0]] == [[0.25, 0.25], [0.25, 0.25]]


def test_avg_pool_gradients_match_central_differences() -> None:
    rng = random.Random(9)
    pixels = [rng.uniform(-1, 1) for _ in range(3 * 3)]

    def loss(*values: Value) -> Value:
        image = [[list(values[r * 3: r * 3 + 3]) for r in range(3)]]
        pooled = nn.AvgPool2d(2, stride=1)(image)
        return value_sum(p * p * (k + 1.0) for k, p in enumerate(pooled[0][0] + pooled[0][1]))

    assert_gradients_match(loss, pixels)


def test_pool_stride_defaults_to_the_kernel_size() -> None:
    assert nn.MaxPool2d(3).stride == (3, 3)
    assert nn.AvgPool2d(2, stride=1).stride == (1, 1)


# ------------------------------------------------------------------------------------ learning


def bar_images() -> tuple[list[list[list[list[float]]]], list[int]]:
    """4x4 single-channel images with one bright bar: +1 for vertical, -1 for horizontal."""
    images, labels = [], []
    for position in range(4):
        vertical = [[1.0 if c == position else 0.0 for c in range(4)] for _ in range(4)]
        horizontal = [[1.0 if r == position else 0.0 for _ in range(4)] for r in range(4)]
        images += [[vertical], [horizontal]]
        labels += [1, -1]
    return images, labels


def test_a_small_conv_net_learns_vertical_versus_horizontal_bars() -> None:
    images, labels = bar_images()
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, seed=2),  # padding: edge bars meet every kernel column
        nn.Activation("relu"),
        nn.MaxPool2d(4),  # the whole 4x4 feature map -> one number per filter
        nn.Flatten(),
        nn.Layer(4, 1, "linear", seed=2),
    )

    def accuracy() -> float:
        hits = [(model(x).data > 0) == (y > 0) for x, y in zip(images, labels, strict=True)]
        return sum(hits) / len(hits)

    assert accuracy() < 1.0
    for _ in range(20):  # epochs of plain per-sample SGD on the hinge loss
        for image, label in zip(images, labels, strict=True):
            loss = (1 - label * model(image)).relu()
            model.zero_grad()
            loss.backward()
            for parameter in model.parameters():
                parameter.data -= 0.05 * parameter.grad
    assert accuracy() == 1.0
