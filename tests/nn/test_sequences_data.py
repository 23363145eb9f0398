"""nn.data.sine_wave (DeZero's noisy sine wave) and nn.data.windows (truncated BPTT windows)."""

from __future__ import annotations

import math

import pytest

import nn


def test_sine_wave_gives_n_minus_one_next_value_pairs() -> None:
    X, y = nn.data.sine_wave(1000)
    assert len(X) == len(y) == 999
    assert all(len(step) == 1 for step in X)
    assert [step[0] for step in X[1:]] == y[:-1]  # the target of step t is the input of t + 1


def test_sine_wave_is_sin_over_one_period_plus_bounded_noise() -> None:
    X, y = nn.data.sine_wave(101, noise=0.05, seed=3)
    points = [step[0] for step in X] + [y[-1]]
    errors = [point - math.sin(2.0 * math.pi * t / 100) for t, point in enumerate(points)]
    assert max(abs(error) for error in errors) <= 0.05
    assert max(errors) > 0.04 and min(errors) < -0.04  # uniform over the whole [-0.05, 0.05]


def test_sine_wave_without_noise_is_exactly_sin() -> None:
    X, _ = nn.data.sine_wave(5, noise=0.0)
    assert [step[0] for step in X] == [0.0, 1.0, math.sin(math.pi), -1.0]


def test_test_wave_is_the_clean_cosine() -> None:
    X, y = nn.data.sine_wave(5, train=False)
    assert [step[0] for step in X] + [y[-1]] == pytest.approx([1.0, 0.0, -1.0, 0.0, 1.0],
                                                              abs=1e-15)


def test_sine_wave_is_fixed_by_its_seed() -> None:
    assert nn.data.sine_wave(50, seed=1) == nn.data.sine_wave(50, seed=1)
    assert nn.data.sine_wave(50, seed=1) != nn.data.sine_wave(50, seed=2)


@pytest.mark.parametrize(("n", "noise"), [(1, 0.05), (10, -0.1), (10, math.nan)])
def test_sine_wave_rejects_bad_arguments(n: int, noise: float) -> None:
    with pytest.raises(ValueError, match="sine_wave"):
        nn.data.sine_wave(n, noise)


def test_windows_follow_each_other_and_the_last_is_shorter() -> None:
    X, y = list(range(7)), list(range(10, 17))
    assert nn.data.windows(X, y, 3) == [
        ([0, 1, 2], [10, 11, 12]), ([3, 4, 5], [13, 14, 15]), ([6], [16])]


def test_windows_with_drop_last_keep_only_full_windows() -> None:
    assert nn.data.windows(list(range(7)), list(range(7)), 3, drop_last=True) == [
        ([0, 1, 2], [0, 1, 2]), ([3, 4, 5], [3, 4, 5])]


def test_sliding_windows_start_every_stride_steps() -> None:
    windows = nn.data.windows(list("abcde"), list("bcdef"), 3, stride=1, drop_last=True)
    assert [("".join(xs), "".join(ys)) for xs, ys in windows] == [
        ("abc", "bcd"), ("bcd", "cde"), ("cde", "def")]


def test_non_overlapping_windows_cover_every_step_once() -> None:
    X, y = nn.data.sine_wave(1000)
    windows = nn.data.windows(X, y, 30)
    assert [x for xs, _ in windows for x in xs] == X
    assert len(windows) == 34  # 33 windows of 30 and one of 9: 999 steps


@pytest.mark.parametrize(("length", "stride"), [(0, None), (3, 0)])
def test_windows_reject_lengths_and_strides_below_one(length: int, stride: int | None) -> None:
    with pytest.raises(ValueError, match="windows: (length|stride) must be at least 1, got 0"):
        nn.data.windows([1, 2, 3], [2, 3, 4], length, stride)


def test_windows_reject_a_length_that_is_not_an_integer() -> None:
    with pytest.raises(TypeError, match="windows: length must be an integer, got float 2.5"):
        nn.data.windows([1, 2, 3], [2, 3, 4], 2.5)


def test_windows_need_as_many_targets_as_inputs() -> None:
    with pytest.raises(ValueError, match="windows: 3 inputs but 2 targets"):
        nn.data.windows([1, 2, 3], [2, 3], 2)
