"""nn.fit and nn.accuracy: the history, batch averaging, schedules, penalties, progress output,
evaluation without recording, and learning real problems."""

from __future__ import annotations

import random
import sys

import pytest
from lookalikes import ArrayLike, Float32Like, Int64Like

import autograd
import nn
from autograd import Value
from nn import data, losses, optim


class Line:
    """A tiny model written for the tests: ``w . x + b`` as one Value."""

    def __init__(self, weights: list[float], bias: float = 0.0) -> None:
        self.w = [Value(weight) for weight in weights]
        self.b = Value(bias)

    def __call__(self, x: list[float]) -> Value:
        return autograd.dot(self.w, x, bias=self.b)

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]


class Scores:
    """A fixed multi-output 'model': returns the sample itself as class scores."""

    def __call__(self, x: list[float]) -> list[Value]:
        return [Value(v) for v in x]


# Linearly separable points: class 1 when x1 + x2 > 1.
SEPARABLE_X = [[0.0, 0.0], [0.2, 0.3], [0.1, 0.6], [1.0, 0.9], [0.8, 0.7], [0.9, 0.4]]
SEPARABLE_Y = [0, 0, 0, 1, 1, 1]


def quiet_fit(model, X, y, **options) -> nn.History:
    options.setdefault("progress", False)
    return nn.fit(model, X, y, **options)


# ------------------------------------------------------------------------------ the history


def test_fit_returns_one_history_entry_per_epoch():
    model = Line([0.0, 0.0])
    history = quiet_fit(
        model, SEPARABLE_X, SEPARABLE_Y, loss=losses.binary_cross_entropy_with_logits,
        optimizer=optim.SGD(model.parameters(), lr=0.5), epochs=7, batch_size=4,
    )
    assert history.epochs == 7
    for name in ("loss", "accuracy", "lr", "seconds"):
        assert len(getattr(history, name)) == 7, name
    assert history.val_loss == [] and history.val_accuracy == []


def test_fit_loss_decreases_and_accuracy_reaches_one_on_a_separable_problem():
    model = Line([0.0, 0.0])
    history = quiet_fit(
        model, SEPARABLE_X, SEPARABLE_Y, loss=losses.binary_cross_entropy_with_logits,
        optimizer=optim.SGD(model.parameters(), lr=1.0), epochs=200,  # full batch
    )
    assert history.loss[0] == pytest.approx(0.693147, abs=1e-5)  # log 2 at zero weights
    assert history.loss[-1] < history.loss[0] / 4
    assert history.accuracy[-1] == 1.0
    assert nn.accuracy(model, SEPARABLE_X, SEPARABLE_Y) == 1.0


def test_fit_averages_the_per_sample_loss_over_the_batch():
    # model w*x, mse, samples (x, t) = (1, 3) and (2, 0), w = 1, one full-batch step, lr 0.1:
    # dL/dw = mean(2 (w x - t) x) = (2 * (1 - 3) * 1 + 2 * (2 - 0) * 2) / 2 = (-4 + 8) / 2 = 2
    # w <- 1 - 0.1 * 2 = 0.8; the recorded loss is ((1 - 3)^2 + (2 - 0)^2) / 2 = 4
    model = Line([1.0])
    model.b = Value(0.0)
    optimizer = optim.SGD(model.w, lr=0.1)  # the bias is not trained
    history = quiet_fit(model, [[1.0], [2.0]], [3.0, 0.0], loss=losses.mse, optimizer=optimizer,
                        epochs=1)
    assert model.w[0].data == pytest.approx(0.8)
    assert history.loss == pytest.approx([4.0])


def test_fit_does_not_record_accuracy_for_regression_targets():
    model = Line([1.0])
    history = quiet_fit(model, [[1.0], [2.0]], [0.5, 1.5], loss=losses.mse,
                        optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=2)
    assert history.accuracy == []


def test_fit_applies_the_schedule_before_every_step():
    model = Line([0.0, 0.0])
    schedule = optim.linear_decay(1.0, 0.0, 10)
    history = quiet_fit(
        model, SEPARABLE_X, SEPARABLE_Y, loss=losses.binary_cross_entropy_with_logits,
        optimizer=optim.SGD(model.parameters(), lr=5.0), epochs=3, batch_size=3,
        schedule=schedule,
    )
    # two steps per epoch: the last steps of the epochs are k = 1, 3, 5 -> 1 - k / 10
    assert history.lr == pytest.approx([0.9, 0.7, 0.5])


def test_fit_adds_the_penalty_to_the_batch_loss():
    # hinge beyond the margin has zero gradient, so only the l2 term moves the weight:
    # w <- w - lr * 2 * alpha * w = 2 - 0.5 * 2 * 0.1 * 2 = 1.8 (the bias stays 0)
    model = Line([2.0])
    history = quiet_fit(
        model, [[1.0]], [1], loss=losses.hinge, optimizer=optim.SGD(model.parameters(), lr=0.5),
        epochs=1, penalty=lambda m: losses.l2(m.parameters(), 0.1),
    )
    assert model.w[0].data == pytest.approx(1.8)
    assert history.loss == pytest.approx([0.1 * 2.0**2])  # hinge 0 + 0.1 * w^2


def test_fit_evaluates_validation_data_each_epoch():
    model = Line([0.0, 0.0])
    history = quiet_fit(
        model, SEPARABLE_X, SEPARABLE_Y, loss=losses.binary_cross_entropy_with_logits,
        optimizer=optim.SGD(model.parameters(), lr=1.0), epochs=3,
        validation=([[0.0, 0.1], [1.0, 1.0]], [0, 1]),
    )
    assert len(history.val_loss) == len(history.val_accuracy) == 3


def test_fit_is_deterministic_for_a_seed():
    def run() -> list[float]:
        model = Line([0.1, -0.2])
        return quiet_fit(
            model, SEPARABLE_X, SEPARABLE_Y, loss=losses.binary_cross_entropy_with_logits,
            optimizer=optim.SGD(model.parameters(), lr=0.5), epochs=5, batch_size=2, seed=4,
        ).loss

    assert run() == run()


def test_fit_calls_the_callback_after_each_epoch():
    model = Line([0.0, 0.0])
    seen: list[tuple[int, int]] = []
    quiet_fit(model, SEPARABLE_X, SEPARABLE_Y, loss=losses.binary_cross_entropy_with_logits,
              optimizer=optim.SGD(model.parameters(), lr=0.5), epochs=3,
              callback=lambda epoch, history: seen.append((epoch, history.epochs)))
    assert seen == [(1, 1), (2, 2), (3, 3)]


def test_fit_rejects_mismatched_lengths():
    model = Line([0.0])
    with pytest.raises(ValueError, match="as many targets as samples"):
        quiet_fit(model, [[1.0], [2.0]], [1], loss=losses.mse,
                  optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=1)


# ------------------------------------------------------------------------------ progress output


def test_fit_with_progress_false_prints_nothing(capsys: pytest.CaptureFixture[str]):
    model = Line([0.0, 0.0])
    quiet_fit(model, SEPARABLE_X, SEPARABLE_Y, loss=losses.binary_cross_entropy_with_logits,
              optimizer=optim.SGD(model.parameters(), lr=0.5), epochs=3, progress=False)
    assert capsys.readouterr() == ("", "")


def test_fit_with_progress_false_works_without_tqdm(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    model = Line([0.0, 0.0])
    history = quiet_fit(model, SEPARABLE_X, SEPARABLE_Y,
                        loss=losses.binary_cross_entropy_with_logits,
                        optimizer=optim.SGD(model.parameters(), lr=0.5), epochs=2)
    assert history.epochs == 2


def test_fit_progress_bar_shows_loss_and_accuracy(capsys: pytest.CaptureFixture[str]):
    model = Line([0.0, 0.0])
    nn.fit(model, SEPARABLE_X, SEPARABLE_Y, loss=losses.binary_cross_entropy_with_logits,
           optimizer=optim.SGD(model.parameters(), lr=0.5), epochs=2, progress=True)
    bar = capsys.readouterr().err
    assert "loss=" in bar and "accuracy=" in bar and "2/2" in bar


def test_fit_progress_without_tqdm_prints_one_line_per_epoch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    model = Line([0.0, 0.0])
    nn.fit(model, SEPARABLE_X, SEPARABLE_Y, loss=losses.binary_cross_entropy_with_logits,
           optimizer=optim.SGD(model.parameters(), lr=0.5), epochs=2, progress=True)
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(",")[0] for line in lines] == ["epoch 1/2", "epoch 2/2"]


# ------------------------------------------------------------------------------ accuracy


def test_accuracy_of_a_multi_output_model_uses_the_arg_max():
    # arg-max of (0.1, 0.9, 0.0) is 1, of (2, 1, 0) is 0, of (0, 0, 5) is 2
    X = [[0.1, 0.9, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 5.0]]
    assert nn.accuracy(Scores(), X, [1, 0, 0]) == pytest.approx(2 / 3)


def test_accuracy_of_a_single_output_uses_the_sign_for_minus_one_plus_one_labels():
    model = Line([1.0])  # output = x
    assert nn.accuracy(model, [[0.5], [-0.2], [0.3], [-4.0]], [1, -1, -1, -1]) == 0.75


def test_accuracy_threshold_one_half_for_probabilities():
    model = Line([1.0])
    assert nn.accuracy(model, [[0.4], [0.6], [0.45]], [0, 1, 1], threshold=0.5) == pytest.approx(
        2 / 3
    )


def test_accuracy_evaluates_without_recording():
    recorded: list[bool] = []

    def model(x: list[float]) -> Value:
        recorded.append(autograd.is_grad_enabled())
        return Value(x[0])

    nn.accuracy(model, [[1.0], [-1.0]], [1, 0])
    assert recorded == [False, False]


def test_accuracy_takes_numpy_style_arrays_and_integer_labels():
    # outputs 0.5, -0.2, 0.3, -4.0 against 1, -1, -1, -1 (the last an integer-valued float):
    # the -1 labels make the negative class -1, and three of four signs agree
    X = ArrayLike([[0.5], [-0.2], [0.3], [-4.0]])
    y = ArrayLike([Int64Like(1), Int64Like(-1), Int64Like(-1), Float32Like(-1.0)])
    assert nn.accuracy(Line([1.0]), X, y) == 0.75


def test_accuracy_of_a_multi_output_model_takes_numpy_style_class_indices():
    # arg-max of (0.1, 0.9, 0.0) is 1, of (2, 1, 0) is 0, of (0, 0, 5) is 2
    X = ArrayLike([[0.1, 0.9, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 5.0]])
    y = ArrayLike([Int64Like(1), Int64Like(0), Int64Like(0)])
    assert nn.accuracy(Scores(), X, y) == pytest.approx(2 / 3)


def test_accuracy_rejects_a_fractional_numpy_style_label():
    with pytest.raises(ValueError, match="integers"):
        nn.accuracy(Line([1.0]), [[1.0]], [Float32Like(0.5)])


def test_accuracy_still_rejects_bool_labels():
    with pytest.raises(ValueError, match="integers"):
        nn.accuracy(Line([1.0]), [[1.0]], [True])


def test_accuracy_rejects_no_samples_given_as_an_empty_array():
    with pytest.raises(ValueError, match="> 0"):
        nn.accuracy(Line([1.0]), ArrayLike([]), ArrayLike([]))


def test_fit_takes_numpy_style_arrays_and_records_accuracy_for_integer_labels():
    X = ArrayLike(SEPARABLE_X)
    y = ArrayLike([Int64Like(label) for label in SEPARABLE_Y])
    model = Line([0.0, 0.0])
    history = quiet_fit(
        model, X, y, loss=losses.binary_cross_entropy_with_logits,
        optimizer=optim.SGD(model.parameters(), lr=0.5), epochs=2, batch_size=4,
        validation=(ArrayLike(SEPARABLE_X[:2]), ArrayLike([Int64Like(0), Int64Like(0)])),
    )
    assert len(history.accuracy) == 2 and len(history.val_accuracy) == 2
    # the same data as plain lists and ints gives the same history, number for number
    plain = Line([0.0, 0.0])
    expected = quiet_fit(
        plain, SEPARABLE_X, SEPARABLE_Y, loss=losses.binary_cross_entropy_with_logits,
        optimizer=optim.SGD(plain.parameters(), lr=0.5), epochs=2, batch_size=4,
        validation=(SEPARABLE_X[:2], [0, 0]),
    )
    assert history.loss == expected.loss and history.accuracy == expected.accuracy
    assert history.val_loss == expected.val_loss


def test_fit_rejects_no_samples_given_as_an_empty_array():
    model = Line([0.0])
    with pytest.raises(ValueError, match="> 0"):
        quiet_fit(model, ArrayLike([]), ArrayLike([]), loss=losses.mse,
                  optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=1)


def test_accuracy_rejects_non_integer_labels():
    with pytest.raises(ValueError, match="integers"):
        nn.accuracy(Line([1.0]), [[1.0]], [0.5])


# ------------------------------------------------------------------------------ real problems


def test_fit_teaches_a_tanh_network_xor():
    X, y = data.xor()
    model = nn.MLP(2, [4, 1], activation="tanh", seed=0)
    history = quiet_fit(model, X, y, loss=losses.binary_cross_entropy_with_logits,
                        optimizer=optim.Adam(model.parameters(), lr=0.1), epochs=150)
    assert history.accuracy[-1] == 1.0
    assert nn.accuracy(model, X, y) == 1.0


def test_micrograds_recipe_reaches_full_training_accuracy_on_moons():
    # karpathy/micrograd demo.ipynb: MLP(2, [16, 16, 1]) from random.seed(1337), hinge loss,
    # alpha = 1e-4 L2, 100 full-batch SGD steps with lr = 1.0 - 0.9 * k / 100.
    X, y = data.make_moons(100, noise=0.1, seed=1)
    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])
    history = quiet_fit(
        model, X, y, loss=losses.hinge, optimizer=optim.SGD(model.parameters(), lr=1.0),
        epochs=100, schedule=optim.linear_decay(1.0, 0.1, 100),
        penalty=lambda m: losses.l2(m.parameters(), 1e-4),
    )
    assert history.loss[-1] < history.loss[0]
    assert nn.accuracy(model, X, y) == 1.0
