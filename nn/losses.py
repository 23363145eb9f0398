"""Loss functions: plain functions over Values, one sample at a time.

Each loss takes a model's prediction for one sample and that sample's target and returns a single
Value whose ``backward()`` sends the gradient into the model. :func:`nn.fit` averages them over a
mini-batch. None of them has maths of its own: each is a handful of engine ops (``sum``, ``dot``,
``softplus``, ``log_sum_exp``, ``relu``, ``log``), so its gradient comes from the op table.

A prediction may be a Value, a number, or a sequence of them (a model's outputs); the scalar
losses also accept a one-element list, which is what a one-output layer of some models returns.
A number is any ``numbers.Real`` but ``bool`` (numpy scalars and Fractions included, as
``autograd.Value`` takes them), and a sequence may be a numpy array.

- :func:`mse`: mean of ``(p - t)**2`` over the outputs.
- :func:`binary_cross_entropy`: on probabilities in (0, 1); raises at 0 or 1 (see its docstring).
- :func:`binary_cross_entropy_with_logits`: the same loss on a logit, stable for any magnitude.
- :func:`cross_entropy`: softmax cross-entropy from logits and an integer class index.
- :func:`hinge`: micrograd's max-margin loss ``relu(1 - y * score)`` with ``y`` in {-1, +1}.
- :func:`l2`: the weight penalty ``alpha * sum(p * p)``, added to a data loss.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Real
from typing import Any

import autograd
from autograd import Value
from autograd.core.numbers import is_real

from .labels import integer_label

Number = int | float
Prediction = Value | Number | Sequence[Value | Number]


def _as_value(item: Any, loss: str) -> Value:
    if isinstance(item, Value):
        return item
    if not is_real(item):
        raise TypeError(
            f"{loss}: prediction entries must be Values or numbers, got {type(item).__name__} "
            f"{item!r}"
        )
    return Value(item)


def _as_values(prediction: Prediction, loss: str) -> list[Value]:
    if isinstance(prediction, Value | int | float | Real):  # int, float: the fast check
        return [_as_value(prediction, loss)]
    return [_as_value(item, loss) for item in prediction]


def _scalar(prediction: Prediction, loss: str) -> Value:
    """The one Value of a scalar prediction (a Value, a number, or a one-element list)."""
    values = _as_values(prediction, loss)
    if len(values) != 1:
        raise ValueError(
            f"{loss} needs one output per sample, got {len(values)}; use cross_entropy for "
            "several class scores, or mse for several regression outputs"
        )
    return values[0]


def _target_number(target: Any, loss: str) -> float:
    if isinstance(target, Value):
        # float() rather than .data: inside autograd.trace it refuses to freeze a target that
        # is an input of the tape (this loss reads its target as a number).
        try:
            return float(target)
        except TypeError as error:
            error.add_note(f"{loss} reads its target as a number: pass the target as a number, "
                           "not as a Value of the traced function")
            raise
    if not is_real(target):
        raise TypeError(f"{loss}: target must be a number, got {type(target).__name__} {target!r}")
    return float(target)


def mse(prediction: Prediction, target: Number | Sequence[Number]) -> Value:
    """Mean squared error ``(1/n) * sum_i (p_i - t_i)**2`` over the ``n`` outputs of one sample.

    Args:
        prediction: a Value (or number), or a list of them.
        target: a number, or a list of numbers of the same length.

    Returns:
        One Value (a single ``dot`` node of the differences with themselves, scaled by 1/n).

    Raises:
        ValueError: prediction and target differ in length, or are empty.
    """
    predictions = _as_values(prediction, "mse")
    targets = [target] if isinstance(target, Value | int | float | Real) else list(target)
    if len(predictions) != len(targets) or not predictions:
        raise ValueError(
            f"mse of {len(predictions)} predictions against {len(targets)} targets: "
            "give one target per output (and at least one)"
        )
    # A Value target stays a Value, so a traced per-example loss (fit(compile=True)) keeps it
    # as an input of the tape rather than a constant.
    differences = [p - (t if isinstance(t, Value) else _target_number(t, "mse"))
                   for p, t in zip(predictions, targets, strict=True)]
    return autograd.dot(differences, differences) / len(differences)


def binary_cross_entropy(probability: Prediction, target: Number) -> Value:
    """Binary cross-entropy ``-(t * log(p) + (1 - t) * log(1 - p))`` of a probability ``p``.

    ``p`` must come from a sigmoid (or be otherwise in [0, 1]). Only the terms whose weight is
    not zero are built, so ``p = 1`` with ``t = 1`` (or ``p = 0`` with ``t = 0``) is a loss of 0.
    A probability of exactly 0 or 1 on the wrong side is an infinite loss: rather than clamping it
    silently (PyTorch clamps the logs at -100), this raises. A sigmoid in floating point reaches
    exactly 1.0 for inputs above about 37, so train on logits with
    :func:`binary_cross_entropy_with_logits` instead, which never overflows.

    Args:
        probability: one Value in [0, 1].
        target: the label, 0 or 1 (a soft label in [0, 1] also works).

    Raises:
        ValueError: ``p`` is outside [0, 1], the target is outside [0, 1], or the loss would be
            infinite (``p`` is 0 or 1 and the target disagrees); the message names the fix.
    """
    p = _scalar(probability, "binary_cross_entropy")
    t = _target_number(target, "binary_cross_entropy")
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"binary_cross_entropy: target must be in [0, 1], got {t!r}")
    if not 0.0 <= p.data <= 1.0:
        raise ValueError(
            f"binary_cross_entropy: probability must be in [0, 1], got {p.data!r} "
            f"(label {p.label!r}); apply .sigmoid() first, or use binary_cross_entropy_with_logits"
        )
    if (t > 0.0 and p.data == 0.0) or (t < 1.0 and p.data == 1.0):
        raise ValueError(
            f"binary_cross_entropy: probability {p.data!r} with target {t!r} is an infinite "
            "loss (log of 0); the sigmoid saturated. Use binary_cross_entropy_with_logits on "
            "the pre-sigmoid output, which is stable for any magnitude"
        )
    terms = []
    if t > 0.0:
        terms.append(t * p.log())
    if t < 1.0:
        terms.append((1.0 - t) * (1.0 - p).log())
    return -autograd.sum(terms)


def binary_cross_entropy_with_logits(logit: Prediction, target: Number) -> Value:
    """Binary cross-entropy of ``sigmoid(z)``, computed from the logit ``z`` without overflow.

    ``-t*log(sigmoid(z)) - (1-t)*log(1 - sigmoid(z))`` equals ``softplus(z) - t*z`` (because
    ``-log(sigmoid(z)) = softplus(-z)`` and ``softplus(-z) = softplus(z) - z``), and the engine's
    softplus is stable, so ``z = +-1000`` gives a finite loss and the gradient
    ``sigmoid(z) - t``.

    Args:
        logit: one Value, the model's raw score (no sigmoid).
        target: the label, 0 or 1 (a soft label in [0, 1] also works).

    Raises:
        ValueError: the target is outside [0, 1].
    """
    z = _scalar(logit, "binary_cross_entropy_with_logits")
    t = _target_number(target, "binary_cross_entropy_with_logits")
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"binary_cross_entropy_with_logits: target must be in [0, 1], got {t!r}")
    if t == 0.0:
        return z.softplus()
    return z.softplus() - t * z


def cross_entropy(logits: Sequence[Value | Number], class_index: int) -> Value:
    """Softmax cross-entropy ``-log(softmax(z)[k]) = log_sum_exp(z) - z[k]`` for class ``k``.

    The logits are first shifted by the largest one, ``m = autograd.detached_max(z)`` (a node
    no gradient flows through: the loss does not depend on ``m``), and the loss is taken as
    ``log_sum_exp(z - m) - (z[k] - m)``: the same loss, but every number stays small, so
    logits of any magnitude (1000 or 1e15) give a finite loss whose first and second
    derivatives keep their digits (without the shift, log_sum_exp's output near 1e15 rounds to
    a multiple of 0.125 and the Hessian is off by percents). ``m`` is recomputed wherever a
    traced tape is replayed. The gradient with respect to ``z[i]`` is
    ``softmax(z)[i] - [i == k]``.

    Args:
        logits: one score per class (a list of at least two Values or numbers).
        class_index: the true class, an integer in ``range(len(logits))`` (a numpy integer, or
            an integer-valued float such as ``3.0``, also works; ``bool`` does not).

    Raises:
        TypeError: ``class_index`` is not an integer.
        ValueError: fewer than two logits, or ``class_index`` out of range.
    """
    values = _as_values(logits, "cross_entropy")
    if len(values) < 2:
        raise ValueError(
            f"cross_entropy needs one logit per class (at least 2), got {len(values)}; for a "
            "single output use binary_cross_entropy_with_logits"
        )
    index = integer_label(class_index)
    if index is None:
        raise TypeError(
            f"cross_entropy: class_index must be an integer, got {type(class_index).__name__} "
            f"{class_index!r}"
        )
    if not 0 <= index < len(values):
        raise ValueError(
            f"cross_entropy: class_index {index} is out of range for {len(values)} logits"
        )
    shift = autograd.detached_max(values)  # the loss does not depend on it: no gradient
    shifted = [value - shift for value in values]
    return autograd.log_sum_exp(shifted) - shifted[index]


def hinge(score: Prediction, target: Number) -> Value:
    """Max-margin (hinge) loss ``relu(1 - y * score)``: micrograd's demo loss.

    The loss is 0 once the score has the right sign with a margin of at least 1.

    Args:
        score: one Value, the model's raw output.
        target: the label ``y``, +1 or -1. A label of 0 is read as -1, so the 0/1 labels of
            :mod:`nn.data` can be used directly.

    Raises:
        ValueError: the target is not -1, 0 or +1.
    """
    value = _scalar(score, "hinge")
    y = _target_number(target, "hinge")
    if y not in (-1.0, 0.0, 1.0):
        raise ValueError(f"hinge: target must be +1 or -1 (0 is read as -1), got {y!r}")
    if y == 0.0:
        y = -1.0
    return (1.0 - y * value).relu()


def l2(parameters: Iterable[Value], alpha: float = 1e-4) -> Value:
    """L2 weight penalty ``alpha * sum(p * p)`` over ``parameters``, to add to a data loss.

    The sum of squares is one ``dot`` node of the parameters with themselves; its gradient is
    ``2 * alpha * p`` for each parameter (this is what micrograd's demo adds with alpha = 1e-4).

    Args:
        parameters: the Values to penalise, e.g. ``model.parameters()``.
        alpha: the strength, a finite number >= 0.

    Raises:
        ValueError: ``alpha`` is negative or not finite.
    """
    try:
        strength = float(alpha) if is_real(alpha) else math.nan
    except OverflowError:  # an int too large for a float
        strength = math.inf
    if not (math.isfinite(strength) and strength >= 0.0):
        raise ValueError(f"l2: alpha must be a finite number >= 0, got {alpha!r}")
    values = list(parameters)
    return strength * autograd.dot(values, values)
