"""``mlp_demo``: micrograd's demo training step, written exactly as a micrograd user writes it.

``mlp_step`` times the step as a chainrule user writes it (``autograd.sum``, ``autograd.dot`` for
the L2 term). Users who come from micrograd run micrograd's own code instead, so this workload
times the cells of micrograd's ``demo.ipynb`` (karpathy/micrograd) unchanged: inputs wrapped one by
one in ``Value``, Python's builtin ``sum`` over the 100 hinge losses and over ``p*p`` for the L2
term, the hinge written ``(1 + -yi*scorei).relu()``, the accuracy computed on the side, then
``zero_grad``, ``backward`` and the SGD update. The one change: the points are a list of lists of
floats and the labels ints -1/+1 (the demo's ``y*2 - 1``) rather than numpy arrays, so no engine
pays for numpy scalars.

:func:`demo_loss` and :func:`demo_step` are run by micrograd (``micrograd.engine.Value`` and
``micrograd.nn.MLP``) and by chainrule (``autograd.Value`` and ``nn.MLP``), from the same weights
and points; the hand-written floats are :class:`benchmarks.mlp_step.PlainMLP`.
"""

from __future__ import annotations

from typing import Any

import autograd
import nn

from .agreement import largest_differences
from .engines import micrograd_value
from .mlp_step import LEARNING_RATE, SIZES, EngineStep, PlainStep, initial_weights, moons
from .timing import Case


def demo_loss(Value: Any, model: Any, X: Any, y: Any) -> tuple[Any, float]:  # noqa: N803
    """The ``loss()`` cell of micrograd's demo (full batch), unchanged."""
    inputs = [list(map(Value, xrow)) for xrow in X]

    # forward the model to get scores
    scores = list(map(model, inputs))

    # svm "max-margin" loss
    losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(y, scores)]  # noqa: B905
    data_loss = sum(losses) * (1.0 / len(losses))
    # L2 regularization
    alpha = 1e-4
    reg_loss = alpha * sum(p*p for p in model.parameters())
    total_loss = data_loss + reg_loss

    # also get accuracy
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]  # noqa: B905
    return total_loss, sum(accuracy) / len(accuracy)


def demo_step(Value: Any, model: Any, X: Any, y: Any) -> float:  # noqa: N803
    """One iteration of the demo's optimisation cell (at a fixed learning rate)."""
    # forward
    total_loss, acc = demo_loss(Value, model, X, y)

    # backward
    model.zero_grad()
    total_loss.backward()

    # update (sgd)
    for p in model.parameters():
        p.data -= LEARNING_RATE * p.grad
    return float(total_loss.data)


class DemoStep(EngineStep):
    """The demo's step on one engine: its ``Value`` class and a model with the shared weights."""

    def __init__(self, value: Any, model: Any, points: list[list[float]],
                 labels: list[int]) -> None:
        super().__init__(model, initial_weights(), points, labels)
        self.value = value

    def loss(self) -> Any:
        """The demo's total loss (its accuracy is left aside)."""
        total_loss, _ = demo_loss(self.value, self.model, self.points, self.labels)
        return total_loss

    def step(self) -> float:
        """One training step; returns the loss before the update."""
        return demo_step(self.value, self.model, self.points, self.labels)


def engines(count: int = 100) -> dict[str, Any]:
    """micrograd, chainrule and the hand-written floats, from the same weights and points."""
    from micrograd.nn import MLP

    points, float_labels = moons(count)
    labels = [int(label) for label in float_labels]  # the demo's y*2 - 1: ints -1 and +1
    return {
        "chainrule": DemoStep(autograd.Value, nn.MLP(2, list(SIZES[1:]), seed=0), points, labels),
        "micrograd": DemoStep(micrograd_value(), MLP(2, list(SIZES[1:])), points, labels),
        "plain": PlainStep(initial_weights(), points, float_labels),
    }


def agreement(quick: bool = False) -> dict[str, float]:
    """The largest difference of each engine's loss and gradients from the hand-written ones."""
    made = engines(20 if quick else 100)
    return largest_differences({name: engine.flat_gradients for name, engine in made.items()})


def cases(quick: bool = False) -> list[Case]:
    """The steady training loop on 100 points."""
    made = engines(100)
    return [Case("mlp_demo", "micrograd's demo code, steady loop",
                 {name: engine.step for name, engine in made.items()},
                 loop=2 if quick else 5, unit="step")]
