"""``mlp_step``: one training step of micrograd's moons demo, in every engine.

micrograd's demo (karpathy/micrograd, ``demo.ipynb``): ``MLP(2, [16, 16, 1])`` with ReLU hidden
layers and a linear output, 100 two-dimensional points labelled -1/+1, the loss
``mean(relu(1 - y * score)) + 1e-4 * sum(p * p)``, backward, and the SGD update
``p.data -= lr * p.grad``. All engines start from the same weights (copied in) and see the same
points, so their losses and gradients must agree before they are timed.

The plain-Python step is written by hand on floats, its gradients derived by hand (below), the way
a careful programmer would write it without any engine.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import autograd
import nn

from .agreement import largest_differences
from .engines import micrograd_value
from .timing import Case

SIZES = (2, 16, 16, 1)
ALPHA = 1e-4
LEARNING_RATE = 0.1


def moons(count: int, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """Two interleaving half circles with a little noise; labels -1 and +1 (fixed by ``seed``)."""
    rng = random.Random(seed)
    points: list[list[float]] = []
    labels: list[float] = []
    for index in range(count):
        angle = math.pi * rng.random()
        if index % 2 == 0:
            x, y, label = math.cos(angle), math.sin(angle), -1.0
        else:
            x, y, label = 1.0 - math.cos(angle), 0.5 - math.sin(angle), 1.0
        points.append([x + rng.gauss(0.0, 0.1), y + rng.gauss(0.0, 0.1)])
        labels.append(label)
    return points, labels


def initial_weights(seed: int = 1337) -> list[tuple[list[list[float]], list[float]]]:
    """Per layer: the weight rows (one per neuron) and the biases, U(-1, 1) and 0 as micrograd."""
    rng = random.Random(seed)
    layers = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:], strict=True):
        rows = [[rng.uniform(-1.0, 1.0) for _ in range(fan_in)] for _ in range(fan_out)]
        layers.append((rows, [0.0] * fan_out))
    return layers


# ------------------------------------------------------------------------------ plain floats


class PlainMLP:
    """The network as lists of floats, with a hand-derived backward pass.

    Forward for one point x: z1 = W1 x + b1, h1 = relu(z1), z2 = W2 h1 + b2, h2 = relu(z2),
    s = W3 h2 + b3. Loss L = (1/n) sum_i relu(1 - y_i s_i) + alpha * sum_p p**2.
    Backward: dL/ds_i = -y_i / n where 1 - y_i s_i > 0, else 0 (relu'(0) = 0, as both engines);
    dW3 += ds h2, db3 += ds, dh2 = ds W3; dz2 = dh2 where z2 > 0; dW2 += dz2 h1^T, db2 += dz2,
    dh1 = W2^T dz2; dz1 = dh1 where z1 > 0; dW1 += dz1 x^T, db1 += dz1; then dp += 2 alpha p.
    """

    def __init__(self, weights: list[tuple[list[list[float]], list[float]]]) -> None:
        self.weights = [([row[:] for row in rows], biases[:]) for rows, biases in weights]

    def gradients(
        self, points: list[list[float]], labels: list[float]
    ) -> tuple[float, list[tuple[list[list[float]], list[float]]]]:
        """The loss and its gradient for every weight and bias (same nesting as the weights)."""
        (w1, b1), (w2, b2), (w3, b3) = self.weights
        g1 = [[0.0] * len(w1[0]) for _ in w1]
        gb1 = [0.0] * len(b1)
        g2 = [[0.0] * len(w2[0]) for _ in w2]
        gb2 = [0.0] * len(b2)
        g3 = [[0.0] * len(w3[0]) for _ in w3]
        gb3 = [0.0] * len(b3)
        w3row = w3[0]
        scale = 1.0 / len(points)
        data_loss = 0.0
        for x, y in zip(points, labels, strict=True):
            z1 = [b + sum(w * xi for w, xi in zip(row, x, strict=False))
                  for row, b in zip(w1, b1, strict=False)]
            h1 = [z if z > 0.0 else 0.0 for z in z1]
            z2 = [b + sum(w * h for w, h in zip(row, h1, strict=False))
                  for row, b in zip(w2, b2, strict=False)]
            h2 = [z if z > 0.0 else 0.0 for z in z2]
            score = b3[0] + sum(w * h for w, h in zip(w3row, h2, strict=False))
            margin = 1.0 - y * score
            if margin <= 0.0:
                continue  # an inactive hinge term: no loss, no gradient
            data_loss += margin
            ds = -y * scale
            gb3[0] += ds
            g3row = g3[0]
            dz2 = []
            for k, h in enumerate(h2):
                g3row[k] += ds * h
                dz2.append(ds * w3row[k] if z2[k] > 0.0 else 0.0)
            dh1 = [0.0] * len(h1)
            for k, d in enumerate(dz2):
                if d == 0.0:
                    continue
                gb2[k] += d
                grow, wrow = g2[k], w2[k]
                for j, h in enumerate(h1):
                    grow[j] += d * h
                    dh1[j] += d * wrow[j]
            for j, d in enumerate(dh1):
                if d == 0.0 or z1[j] <= 0.0:
                    continue
                gb1[j] += d
                grow = g1[j]
                for i, xi in enumerate(x):
                    grow[i] += d * xi
        squares = 0.0
        grads = [(g1, gb1), (g2, gb2), (g3, gb3)]
        for (rows, biases), (grows, gbiases) in zip(self.weights, grads, strict=False):
            for row, grow in zip(rows, grows, strict=False):
                for i, w in enumerate(row):
                    squares += w * w
                    grow[i] += 2.0 * ALPHA * w
            for i, b in enumerate(biases):
                squares += b * b
                gbiases[i] += 2.0 * ALPHA * b
        return data_loss * scale + ALPHA * squares, grads

    def step(self, points: list[list[float]], labels: list[float]) -> float:
        """One SGD step; returns the loss before the update."""
        loss, grads = self.gradients(points, labels)
        for (rows, biases), (grows, gbiases) in zip(self.weights, grads, strict=False):
            for row, grow in zip(rows, grows, strict=False):
                for i, g in enumerate(grow):
                    row[i] -= LEARNING_RATE * g
            for i, g in enumerate(gbiases):
                biases[i] -= LEARNING_RATE * g
        return loss

    def flat_gradients(self, points: list[list[float]], labels: list[float]) -> list[float]:
        """Loss then every gradient, neuron by neuron (weights then bias), as the engines order."""
        loss, grads = self.gradients(points, labels)
        flat = [loss]
        for grows, gbiases in grads:
            for grow, gb in zip(grows, gbiases, strict=False):
                flat.extend(grow)
                flat.append(gb)
        return flat


# ------------------------------------------------------------------------------ the engines


def neurons_of(model: Any) -> list[Any]:
    """Every neuron of a micrograd or chainrule MLP, layer by layer."""
    return [neuron for layer in model.layers for neuron in layer.neurons]


def copy_weights(model: Any, weights: list[tuple[list[list[float]], list[float]]]) -> None:
    """Set a micrograd or chainrule MLP's weights and biases to ``weights``."""
    neurons = iter(neurons_of(model))
    for rows, biases in weights:
        for row, bias in zip(rows, biases, strict=True):
            neuron = next(neurons)
            for parameter, number in zip(neuron.w, row, strict=True):
                parameter.data = number
            neuron.b.data = bias


def ordered_parameters(model: Any) -> list[Any]:
    """Weights then bias, neuron by neuron: the order of :meth:`PlainMLP.flat_gradients`."""
    return [p for neuron in neurons_of(model) for p in (*neuron.w, neuron.b)]


def sgd_update(parameters: list[Any]) -> None:
    """micrograd's update, ``p.data -= lr * p.grad``, on every parameter."""
    for parameter in parameters:
        parameter.data -= LEARNING_RATE * parameter.grad


class EngineStep:
    """What every engine's step shares: a model with the shared weights, the gradients of the
    loss in the parameters' ``.grad``, the SGD update and the flat list the agreement compares.

    Subclasses define :meth:`loss` (or :meth:`gradients`, when they do not build a graph).

    Args:
        model: a micrograd or chainrule ``MLP(2, [16, 16, 1])``; ``weights`` are copied in.
        weights: per layer, the weight rows and the biases (see :func:`initial_weights`).
        points, labels: the batch.
    """

    def __init__(self, model: Any, weights: Any, points: list[list[float]],
                 labels: Any) -> None:
        copy_weights(model, weights)
        self.model = model
        self.parameters = model.parameters()
        self.points, self.labels = points, labels

    def loss(self) -> Any:
        """The loss as a graph of the engine's Values."""
        raise NotImplementedError(f"{type(self).__name__} does not define loss()")

    def gradients(self) -> float:
        """zero_grad, loss, backward: the loss, its gradient in every parameter's ``.grad``."""
        self.model.zero_grad()
        loss = self.loss()
        loss.backward()
        return float(loss.data)

    def step(self) -> float:
        """The gradients, then the SGD update; returns the loss."""
        loss = self.gradients()
        sgd_update(self.parameters)
        return loss

    def flat_gradients(self) -> list[float]:
        """Loss then every gradient in :func:`ordered_parameters` order (no update)."""
        loss = self.gradients()
        return [loss] + [float(p.grad) for p in ordered_parameters(self.model)]


class ChainruleStep(EngineStep):
    """The step as a chainrule user writes it: ``nn.MLP``, one loss expression, ``backward``."""

    def __init__(self, weights: Any, points: list[list[float]], labels: list[float]) -> None:
        super().__init__(nn.MLP(2, list(SIZES[1:]), seed=0), weights, points, labels)

    def loss(self) -> autograd.Value:
        """The loss as a graph (micrograd's demo loss)."""
        model = self.model
        pairs = zip(self.points, self.labels, strict=True)
        terms = [(1.0 - y * model(x)).relu() for x, y in pairs]
        data_loss = autograd.sum(terms) * (1.0 / len(terms))
        return data_loss + ALPHA * autograd.dot(self.parameters, self.parameters)


class TapeStep(ChainruleStep):
    """The same step replayed from a tape traced once (``compiled``: generated code)."""

    def __init__(self, weights: Any, points: Any, labels: Any, compiled: bool = False) -> None:
        super().__init__(weights, points, labels)
        self.tape = autograd.trace(self.loss)
        self.run: Callable[[], float] = self.tape.compile().backward if compiled else (
            self.tape.backward
        )

    def gradients(self) -> float:
        """zero_grad, then replay forward and backward into the parameters' grads."""
        self.model.zero_grad()
        return self.run()


class BatchedStep(ChainruleStep):
    """One example's loss traced once and replayed over the whole batch (``Tape.vmap``).

    The per-example loss ``relu(1 - y * model(x))`` is the traced unit: its inputs are the
    point's two coordinates and its label, each an array over the batch; its layers run as
    matrix products. The mean is the seed ``1/n``; the L2 penalty (no per-example part) is one
    engine node.
    """

    def __init__(self, weights: Any, points: list[list[float]], labels: list[float]) -> None:
        super().__init__(weights, points, labels)
        model = self.model
        tape = autograd.trace(lambda x0, x1, y: (1.0 - y * model([x0, x1])).relu(),
                              *points[0], labels[0])
        self.batched = tape.vmap()
        self.columns = [[point[0] for point in points], [point[1] for point in points], labels]

    def gradients(self) -> float:
        """zero_grad, then the loss and its gradient in every parameter's ``.grad``."""
        self.model.zero_grad()
        terms = self.batched.backward(*self.columns, grad=1.0 / len(self.labels))
        penalty = ALPHA * autograd.dot(self.parameters, self.parameters)
        penalty.backward()
        return float(terms.sum()) / len(self.labels) + penalty.data


class MicrogradStep(EngineStep):
    """The step exactly as micrograd's demo writes it."""

    def __init__(self, weights: Any, points: list[list[float]], labels: list[float]) -> None:
        from micrograd.nn import MLP

        self.value = micrograd_value()
        super().__init__(MLP(2, list(SIZES[1:])), weights, points, labels)

    def loss(self) -> Any:
        """micrograd's demo loss: hinge terms, their mean, plus the L2 penalty."""
        value = self.value
        inputs = [list(map(value, row)) for row in self.points]
        scores = list(map(self.model, inputs))
        losses = [(1 + -y * score).relu() for y, score in zip(self.labels, scores, strict=False)]
        data_loss = sum(losses) * (1.0 / len(losses))
        return data_loss + ALPHA * sum(p * p for p in self.parameters)


class PlainStep:
    """The hand-written float step behind the same interface."""

    def __init__(self, weights: Any, points: list[list[float]], labels: list[float]) -> None:
        self.mlp = PlainMLP(weights)
        self.points, self.labels = points, labels

    def step(self) -> float:
        """One SGD step on floats."""
        return self.mlp.step(self.points, self.labels)

    def flat_gradients(self) -> list[float]:
        """Loss then every gradient."""
        return self.mlp.flat_gradients(self.points, self.labels)


def engines(count: int = 100, tape: bool = True) -> dict[str, Any]:
    """Every engine's step object, all from the same weights and points."""
    points, labels = moons(count)
    weights = initial_weights()
    made: dict[str, Any] = {
        "chainrule": ChainruleStep(weights, points, labels),
        "micrograd": MicrogradStep(weights, points, labels),
        "plain": PlainStep(weights, points, labels),
    }
    if tape:
        made["tape"] = TapeStep(weights, points, labels)
        made["tape compiled"] = TapeStep(weights, points, labels, compiled=True)
        made["batched"] = BatchedStep(weights, points, labels)
    return made


def agreement(quick: bool = False) -> dict[str, float]:
    """The largest difference of each engine's loss and gradients from the plain ones."""
    made = engines(20 if quick else 100)
    return largest_differences({name: engine.flat_gradients for name, engine in made.items()})


def cases(quick: bool = False) -> list[Case]:
    """The steady training loop and the single step including release."""
    made = engines(100)
    main = ("chainrule", "micrograd", "plain")
    steady = Case("mlp_step", "steady loop", {name: made[name].step for name in main},
                  loop=2 if quick else 5, unit="step")
    single = Case("mlp_step", "one step + release", {name: made[name].step for name in main},
                  release=True, unit="step")
    taped = Case("mlp_step_tape", "steady loop",
                 {name: made[name].step for name in ("tape", "tape compiled", "chainrule",
                                                     "plain")},
                 loop=2 if quick else 5, unit="step")
    return [steady, single, taped, *batched_cases(made, quick)]


def batched_cases(made: dict[str, Any], quick: bool) -> list[Case]:
    """The batched replay on the 100-point step, and on 10,000 points (1,000 with ``quick``)."""
    small = Case("mlp_step_batched", "100 examples",
                 {name: made[name].step for name in ("batched", "chainrule", "plain")},
                 loop=2 if quick else 5, unit="step")
    count = 1_000 if quick else 10_000
    points, labels = moons(count)
    weights = initial_weights()
    large = Case("mlp_step_batched", f"{count:,} examples",
                 {"batched": BatchedStep(weights, points, labels).step,
                  "plain": PlainStep(weights, points, labels).step}, unit="step")
    return [small, large]
