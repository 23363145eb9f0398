"""nn's counts and numbers: numpy integers are counts everywhere, any real number is a learning
rate, a bool is neither, and a bad count is a named error.

Every expected count below is worked out by hand from the layer shapes: a neuron with ``n``
inputs has ``n`` weights and a bias; a convolution has ``out * (in * kernel area + 1)``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest

import nn
from autograd import Value

COUNTS_FROM_NUMPY = {
    # name: a call whose counts are numpy integers (as from np.arange or a shape), and what to
    # check of its result (worked out by hand)
    "MLP": (lambda: len(nn.MLP(np.int64(2), [np.int64(3), np.int32(1)], seed=0).parameters()),
            3 * 3 + 1 * 4),
    "Layer": (lambda: len(nn.Layer(np.int64(4), np.int64(2), seed=0).parameters()), 2 * 5),
    "Neuron": (lambda: len(nn.Neuron(np.int16(5), seed=0).parameters()), 6),
    "Conv2d": (lambda: len(nn.Conv2d(np.int64(2), np.int64(3), np.int64(2), padding=np.int64(1),
                                     seed=0).parameters()), 3 * (2 * 4 + 1)),
    "MaxPool2d": (lambda: nn.MaxPool2d(np.int64(2)).kernel_size, (2, 2)),
    "make_moons": (lambda: len(nn.data.make_moons(np.int64(10))[0]), 10),
    "make_spirals": (lambda: len(nn.data.make_spirals(np.int64(9), np.int64(3))[1]), 9),
    "batches": (lambda: len(list(nn.data.batches(list(range(5)), list(range(5)),
                                                 np.int64(2)))), 3),
    "linear_decay": (lambda: nn.optim.linear_decay(1.0, 0.0, np.int64(4))(np.int64(1)), 0.75),
    "step_decay": (lambda: nn.optim.step_decay(1.0, np.int64(2), 0.5)(5), 0.25),
}


@pytest.mark.parametrize("case", list(COUNTS_FROM_NUMPY))
def test_numpy_integers_are_counts_everywhere_in_nn(case: str) -> None:
    call, expected = COUNTS_FROM_NUMPY[case]
    assert call() == expected


def test_fit_takes_numpy_integer_epochs_and_batch_size() -> None:
    model = nn.Layer(1, 1, activation="linear", seed=0)
    history = nn.fit(model, [[1.0], [2.0], [3.0]], [2.0, 4.0, 6.0], loss=nn.losses.mse,
                     optimizer=nn.optim.SGD(model.parameters(), lr=0.01), epochs=np.int64(2),
                     batch_size=np.int64(2), progress=False)
    assert history.epochs == 2


@pytest.mark.parametrize("rate", [np.float32(0.5), np.float64(0.5), Fraction(1, 2)],
                         ids=["float32", "float64", "Fraction"])
def test_optimisers_take_any_real_learning_rate(rate: Any) -> None:
    # one SGD step on w with gradient 2: 1 - 0.5 * 2 = 0
    weight = Value(1.0)
    weight.grad = 2.0
    optimizer = nn.optim.SGD([weight], lr=rate)
    optimizer.step()
    assert weight.data == 0.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nn.Layer(2, 2.5), "Layer: nout must be an integer, got float 2.5"),
        (lambda: nn.MLP(2, [4, "1"]), r"MLP: nouts\[1\] must be an integer, got str '1'"),
        (lambda: nn.Conv2d(1, 1.0, 3), "Conv2d: out_channels must be an integer"),
        (lambda: nn.data.make_moons(10.0), "make_moons: n must be an integer"),
        (lambda: nn.optim.cosine(1.0, 0.0, 10.0), "cosine: steps must be an integer"),
    ],
    ids=["Layer nout", "MLP nouts", "Conv2d out_channels", "make_moons n", "cosine steps"],
)
def test_a_count_that_is_not_an_integer_is_a_type_error_naming_the_argument(
    call: Any, message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        call()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nn.Neuron(True), "Neuron: nin must be an integer, got bool True"),
        (lambda: nn.data.batches([1], [1], True), "batches: batch_size must be an integer"),
        (lambda: nn.optim.SGD([Value(1.0)], lr=True), "SGD: lr must be a finite number"),
    ],
    ids=["Neuron nin", "batch_size", "lr"],
)
def test_a_bool_is_not_a_number_for_nn(call: Any, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        call()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nn.MLP(2, [4, 0]), r"MLP: nouts\[1\] must be at least 1, got 0"),
        (lambda: nn.data.make_spirals(2, 3), "make_spirals: n must be at least 3, got 2"),
        (lambda: nn.Conv2d(1, 1, 3, padding=-1), "Conv2d: padding must be an integer >= 0"),
    ],
    ids=["MLP width", "spirals n", "padding"],
)
def test_a_count_below_its_minimum_is_a_value_error_naming_it(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
