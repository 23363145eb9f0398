"""``SyntheticGradient``: a small model that predicts d(loss)/d(h) from ``h`` alone.

Jaderberg et al. (2017), "Decoupled Neural Interfaces using Synthetic Gradients", replace the
gradient a module would have to wait for with a prediction made from the module's own output.
Two uses are shown in notebook 10:

- **Truncated BPTT.** A window of ``T`` steps starts from a detached state ``h_t`` and ends at
  ``h_{t+T}``. Plain truncation seeds the backward pass with the window's loss only, as if the
  future did not depend on ``h_{t+T}``; with a synthetic gradient the end state is seeded with
  the predicted future gradient::

      autograd.backward([loss, *h_end], [1.0, *synthetic.seeds(h_end)])

- **Update unlocking.** A layer is updated as soon as its output exists, from the predicted
  gradient of that output, without waiting for the layers above.

The model is linear, as in the paper's RNN experiments, and starts at zero (weights and bias), so
it first predicts a zero gradient and training begins as plain truncation::

    g(h) = W h + b                      W: size x size, b: size, both 0 at the start

Its training target in a recurrent network is bootstrapped, as temporal-difference learning
bootstraps a value: the true gradient that reaches the window's start plus the discounted
prediction at its end, carried back through the window::

    target_t = dL_window/dh_t + discount * (dh_{t+T}/dh_t)^T g(h_{t+T})

That is exactly the gradient the backward pass above leaves in the ``grad`` of the detached
start state ``h_t`` (read it with :meth:`SyntheticGradient.target`). ``discount`` (gamma, in
[0, 1]) scales the prediction used as a seed: 1.0 is the paper's choice; smaller values trust the
bootstrapped part less, which shrinks both its bias and the synthetic gradient's effect. At the
last window of a sequence there is no future, so the seed is zero and the target is the true
gradient. The model is fitted by regression on the squared error::

    loss(h, target) = 1/2 * || g(h) - target ||^2
    d loss/dW = (g(h) - target) h^T,    d loss/db = g(h) - target

``loss`` returns a Value over the model's own parameters only (``h`` and ``target`` enter as
numbers), so ``loss.backward()`` followed by any ``nn.optim`` optimiser's ``step()`` trains it
without touching the network that produced ``h``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from autograd import Value, dot, no_grad
from autograd.core.numbers import is_real, require_count

from .module import Module, register

Number = Value | float | int


def _discount(discount: Any) -> float:
    """``discount`` as a float in [0, 1].

    Raises:
        TypeError: it is not a real number.
        ValueError: it is NaN or outside [0, 1].
    """
    if not is_real(discount):
        raise TypeError(
            f"SyntheticGradient: discount must be a number in [0, 1], got "
            f"{type(discount).__name__} {discount!r}"
        )
    if not 0.0 <= float(discount) <= 1.0:
        raise ValueError(
            f"SyntheticGradient: discount must be in [0, 1] (1.0 is the paper's choice), got "
            f"{discount!r}"
        )
    return float(discount)


@register
class SyntheticGradient(Module):
    """A linear, zero-initialised predictor of d(loss)/d(h) from ``h`` (see the module docstring).

    Args:
        size: the length of ``h`` (and of the predicted gradient).
        discount: gamma in [0, 1], the weight of the prediction used as a seed (1.0: the
            paper's bootstrapped target).
        bias: whether the model has a bias ``b``.

    Raises:
        TypeError: ``size`` is not an integer or ``discount`` not a number.
        ValueError: ``size`` is below 1 or ``discount`` outside [0, 1].
    """

    def __init__(self, size: int, *, discount: float = 1.0, bias: bool = True) -> None:
        size = require_count("SyntheticGradient: size", size)
        self.discount = _discount(discount)
        self.weight = [[Value(0.0) for _ in range(size)] for _ in range(size)]
        self.bias = [Value(0.0) for _ in range(size)] if bias else None

    @property
    def size(self) -> int:
        """The length of ``h``."""
        return len(self.weight)

    def _numbers(self, items: Sequence[Number], name: str) -> list[float]:
        """``items`` as ``size`` finite floats (Values give their ``data``).

        Raises:
            TypeError: ``items`` is not a sequence of numbers or Values.
            ValueError: its length is not ``size``, or an entry is not finite.
        """
        if isinstance(items, str | bytes) or not isinstance(items, Sequence):
            raise TypeError(f"{self!r}: {name} must be a list of {self.size} numbers or Values, "
                            f"got {type(items).__name__}")
        if len(items) != self.size:
            raise ValueError(f"{self!r}: {name} has {len(items)} entries, expected size="
                             f"{self.size}")
        found = [item.data if isinstance(item, Value) else item for item in items]
        for index, number in enumerate(found):
            if not is_real(number):
                raise TypeError(f"{self!r}: {name}[{index}] is a {type(number).__name__}, not a "
                                "number")
            if not math.isfinite(number):
                raise ValueError(f"{self!r}: {name}[{index}] is {number!r}; a synthetic "
                                 "gradient needs finite numbers")
        return [float(number) for number in found]

    def __call__(self, h: Sequence[Number]) -> list[Value]:
        """The predicted gradient ``W h + b`` as Values over the model's parameters.

        ``h`` enters as numbers: no gradient flows from this model into whatever made ``h``.

        Raises:
            TypeError, ValueError: ``h`` is not ``size`` finite numbers or Values.
        """
        inputs = [Value(number) for number in self._numbers(h, "h")]  # constants, made once
        if self.bias is None:
            return [dot(row, inputs) for row in self.weight]
        return [dot(row, inputs, bias=b) for row, b in zip(self.weight, self.bias, strict=True)]

    def predict(self, h: Sequence[Number]) -> list[float]:
        """The predicted gradient ``W h + b`` as floats (nothing is recorded)."""
        with no_grad():
            return [value.data for value in self(h)]

    def seeds(self, h: Sequence[Number]) -> list[float]:
        """The seed gradients for a window's end state: ``discount * (W h + b)``.

        Pass them to ``autograd.backward([loss, *h], [1.0, *seeds])``.
        """
        return [self.discount * number for number in self.predict(h)]

    def target(self, start: Sequence[Value]) -> list[float]:
        """The bootstrapped target at a window's start: the ``grad`` of its detached state.

        Read it after ``autograd.backward([loss, *h_end], [1.0, *seeds(h_end)])``, when the
        start state (a list of leaves, e.g. from ``nn.detach``) holds
        ``dL_window/dh_t + discount * (dh_{t+T}/dh_t)^T g(h_{t+T})``.

        Raises:
            TypeError: an entry of ``start`` is not a Value.
            ValueError: ``start`` does not have ``size`` entries, or a gradient is not finite.
        """
        for index, item in enumerate(start):
            if not isinstance(item, Value):
                raise TypeError(f"{self!r}: start[{index}] is a {type(item).__name__}; pass the "
                                "window's start state (the Values the window began from)")
        return self._numbers([float(item.grad) for item in start], "the gradient of start")

    def loss(self, h: Sequence[Number], target: Sequence[Number]) -> Value:
        """``1/2 * ||W h + b - target||^2``: the regression loss that trains the model.

        Args:
            h: the state the prediction is made from (numbers or Values, used as numbers).
            target: the gradient it should have predicted (the true or bootstrapped one).

        Returns:
            A Value whose ``backward()`` fills the gradients of ``weight`` and ``bias`` only.

        Raises:
            TypeError, ValueError: ``h`` or ``target`` is not ``size`` finite numbers.
        """
        wanted = self._numbers(target, "target")
        errors = [value - goal for value, goal in zip(self(h), wanted, strict=True)]
        return 0.5 * dot(errors, errors)

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int:
        """``size * size`` weights plus ``size`` biases."""
        size = require_count("SyntheticGradient: size", config["size"])
        return size * size + (size if config.get("bias", True) else 0)

    def config(self) -> dict[str, Any]:
        """``size``, ``discount`` and ``bias``."""
        return {"size": self.size, "discount": self.discount, "bias": self.bias is not None}

    def extra_repr(self) -> str:
        discount = "" if self.discount == 1.0 else f", discount={self.discount!r}"
        bias = "" if self.bias is not None else ", bias=False"
        return f"{self.size}{discount}{bias}"
