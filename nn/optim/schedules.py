"""Learning-rate schedules: plain callables ``step -> lr``, with ``step`` counted from 0.

Apply one with ``optimizer.lr = schedule(k)`` before step ``k``, or pass it to
``nn.fit(..., schedule=...)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from autograd.core.numbers import require_count

from .optimizer import check_setting


class Schedule:
    """A learning-rate schedule: call it with a step number (from 0) to get that step's rate.

    Made by :func:`constant`, :func:`linear_decay`, :func:`step_decay`,
    :func:`exponential_decay` and :func:`cosine`; its ``repr`` shows how it was made.
    """

    def __init__(self, formula: Callable[[int], float], description: str) -> None:
        self.formula = formula
        self.description = description

    def __call__(self, step: int) -> float:
        """The learning rate for ``step`` (0 for the first step).

        Raises:
            TypeError: ``step`` is not an integer.
            ValueError: ``step`` is negative.
        """
        return float(self.formula(require_count(f"{self.description}: step", step, low=0)))

    def __repr__(self) -> str:
        return self.description


def constant(lr: float) -> Schedule:
    """The same rate ``lr`` at every step."""
    lr = check_setting("lr", lr, where="constant")
    return Schedule(lambda step: lr, f"constant(lr={lr!r})")


def linear_decay(start: float, end: float, steps: int) -> Schedule:
    """``start + (end - start) * k / steps`` for step ``k < steps``, then ``end``.

    ``linear_decay(1.0, 0.1, 100)`` is micrograd's demo schedule ``1.0 - 0.9 * k / 100``.

    Raises:
        TypeError: ``steps`` is not an integer.
        ValueError: ``steps`` is below 1 or a rate is invalid.
    """
    start = check_setting("start", start, where="linear_decay")
    end = check_setting("end", end, where="linear_decay")
    steps = require_count("linear_decay: steps", steps)
    return Schedule(
        lambda step: start + (end - start) * min(step, steps) / steps,
        f"linear_decay(start={start!r}, end={end!r}, steps={steps!r})",
    )


def step_decay(start: float, every: int, factor: float = 0.1) -> Schedule:
    """``start * factor ** (k // every)``: multiply the rate by ``factor`` every ``every`` steps
    (PyTorch's ``StepLR`` with ``step_size=every, gamma=factor``).

    Raises:
        TypeError: ``every`` is not an integer.
        ValueError: ``every`` is below 1 or a number is invalid.
    """
    start = check_setting("start", start, where="step_decay")
    factor = check_setting("factor", factor, where="step_decay")
    every = require_count("step_decay: every", every)
    return Schedule(
        lambda step: start * factor ** (step // every),
        f"step_decay(start={start!r}, every={every!r}, factor={factor!r})",
    )


def exponential_decay(start: float, rate: float) -> Schedule:
    """``start * rate ** k`` (PyTorch's ``ExponentialLR`` with ``gamma=rate``).

    Raises:
        ValueError: a number is invalid.
    """
    start = check_setting("start", start, where="exponential_decay")
    rate = check_setting("rate", rate, where="exponential_decay")
    return Schedule(
        lambda step: start * rate**step, f"exponential_decay(start={start!r}, rate={rate!r})"
    )


def cosine(start: float, end: float, steps: int) -> Schedule:
    """Cosine annealing ``end + (start - end) * (1 + cos(pi * k / steps)) / 2`` for
    ``k < steps``, then ``end`` (Loshchilov & Hutter 2017, "SGDR", eq. 5, without restarts;
    PyTorch's ``CosineAnnealingLR`` with ``T_max=steps, eta_min=end``).

    Raises:
        TypeError: ``steps`` is not an integer.
        ValueError: ``steps`` is below 1 or a rate is invalid.
    """
    start = check_setting("start", start, where="cosine")
    end = check_setting("end", end, where="cosine")
    steps = require_count("cosine: steps", steps)
    return Schedule(
        lambda step: end + (start - end) * (1.0 + math.cos(math.pi * min(step, steps) / steps)) / 2,
        f"cosine(start={start!r}, end={end!r}, steps={steps!r})",
    )
