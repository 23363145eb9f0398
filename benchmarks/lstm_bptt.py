"""``lstm_bptt``: one truncated-BPTT step of an LSTM, forward and backward through a 30-step window.

The model of notebook 09 and of DeZero's step 60 at our scale: an LSTM cell (1 input, 16 hidden
units, PyTorch's gate order i, f, g, o) unrolled over 30 steps of the noisy sine wave, a linear
readout ``v . h_t + d`` at every step, and the loss ``mean_t (readout_t - y_t)**2``; then the
gradient of every weight. All engines start from the same weights and see the same window, so
their losses and gradients must agree before they are timed.

- chainrule: ``nn.LSTM`` and ``autograd.dot`` for the readout, as a user writes it.
- micrograd: the same equations in micrograd's ``Value`` (sums of products, the sigmoid as
  ``1 / (1 + exp(-a))``), as a micrograd user would write a cell; its recursive topological sort
  needs a raised recursion limit for 30 steps.
- plain: floats, with the backward pass derived by hand (:class:`PlainLSTM`).
"""

from __future__ import annotations

import math
import random
import sys
from typing import Any

import autograd
import nn

from .agreement import largest_differences
from .engines import micrograd_value
from .timing import Case

HIDDEN = 16
WINDOW = 30

Weights = dict[str, Any]


def initial_weights(hidden: int = HIDDEN, seed: int = 0) -> Weights:
    """PyTorch's layout and initialisation U(-1/sqrt(hidden), 1/sqrt(hidden)), plus a readout."""
    rng = random.Random(seed)
    bound = 1.0 / math.sqrt(hidden)

    def draw(count: int) -> list[float]:
        return [rng.uniform(-bound, bound) for _ in range(count)]

    rows = 4 * hidden
    return {"weight_ih": [draw(1) for _ in range(rows)],
            "weight_hh": [draw(hidden) for _ in range(rows)],
            "bias_ih": draw(rows), "bias_hh": draw(rows), "v": draw(hidden), "d": draw(1)[0]}


def window(steps: int = WINDOW) -> tuple[list[float], list[float]]:
    """The first ``steps`` inputs and next-value targets of the noisy sine wave."""
    X, y = nn.data.sine_wave(1000, seed=0)
    return [x[0] for x in X[:steps]], y[:steps]


def sigmoid(x: float) -> float:
    """The logistic function on a float."""
    return 1.0 / (1.0 + math.exp(-x))


# ------------------------------------------------------------------------------ plain floats


class PlainLSTM:
    """The LSTM and readout on floats, with a hand-derived backward pass through time.

    Forward: a = W x_t + U h_(t-1) + b_ih + b_hh; i, f, o = sigmoid, g = tanh of their rows;
    c_t = f c_(t-1) + i g; h_t = o tanh(c_t); r_t = v . h_t + d; L = mean (r_t - y_t)**2.
    Backward from t = T down, with dh, dc carried from step t + 1: dr = 2 (r_t - y_t) / T;
    dv += dr h_t; dd += dr; dh += dr v; do = dh tanh(c_t); dc += dh o (1 - tanh(c_t)**2);
    di = dc g; df = dc c_(t-1); dg = dc i; the carried dc becomes dc f; the rows' pre-activation
    gradients are di i(1-i), df f(1-f), dg (1-g**2), do o(1-o); each adds to dW (times x_t),
    dU (times h_(t-1)) and both biases; the carried dh becomes U^T da.
    """

    def __init__(self, weights: Weights) -> None:
        self.weights = weights

    def forward(self, xs: list[float]) -> list[tuple[list[float], ...]]:
        """Per step: (h_prev, c_prev, i, f, g, o, c, h), every one a list over hidden units."""
        w = self.weights
        size = len(w["v"])
        h, c = [0.0] * size, [0.0] * size
        trace = []
        for x in xs:
            a = [w["weight_ih"][r][0] * x + w["bias_ih"][r] + w["bias_hh"][r]
                 + sum(u * hj for u, hj in zip(w["weight_hh"][r], h, strict=True))
                 for r in range(4 * size)]
            i = [sigmoid(z) for z in a[:size]]
            f = [sigmoid(z) for z in a[size:2 * size]]
            g = [math.tanh(z) for z in a[2 * size:3 * size]]
            o = [sigmoid(z) for z in a[3 * size:]]
            c_new = [f[k] * c[k] + i[k] * g[k] for k in range(size)]
            h_new = [o[k] * math.tanh(c_new[k]) for k in range(size)]
            trace.append((h, c, i, f, g, o, c_new, h_new))
            h, c = h_new, c_new
        return trace

    def gradients(self, xs: list[float], ys: list[float]) -> tuple[float, Weights]:
        """The loss and its gradient for every weight (same layout as the weights)."""
        w = self.weights
        size, rows, steps = len(w["v"]), 4 * len(w["v"]), len(xs)
        grads: Weights = {"weight_ih": [[0.0] for _ in range(rows)],
                          "weight_hh": [[0.0] * size for _ in range(rows)],
                          "bias": [0.0] * rows, "v": [0.0] * size, "d": 0.0}
        trace = self.forward(xs)
        readouts = [sum(v * hk for v, hk in zip(w["v"], step[7], strict=True)) + w["d"]
                    for step in trace]
        loss = sum((r - y) ** 2 for r, y in zip(readouts, ys, strict=True)) / steps
        dh_next, dc_next = [0.0] * size, [0.0] * size
        for t in range(steps - 1, -1, -1):
            h_prev, c_prev, i, f, g, o, c, h = trace[t]
            dr = 2.0 * (readouts[t] - ys[t]) / steps
            grads["d"] += dr
            da = [0.0] * rows
            for k in range(size):
                grads["v"][k] += dr * h[k]
                dh = dr * w["v"][k] + dh_next[k]
                tc = math.tanh(c[k])
                dc = dh * o[k] * (1.0 - tc * tc) + dc_next[k]
                da[k] = dc * g[k] * i[k] * (1.0 - i[k])
                da[size + k] = dc * c_prev[k] * f[k] * (1.0 - f[k])
                da[2 * size + k] = dc * i[k] * (1.0 - g[k] * g[k])
                da[3 * size + k] = dh * tc * o[k] * (1.0 - o[k])
                dc_next[k] = dc * f[k]
            dh_next = [0.0] * size
            for r in range(rows):
                grads["weight_ih"][r][0] += da[r] * xs[t]
                grads["bias"][r] += da[r]
                for j in range(size):
                    grads["weight_hh"][r][j] += da[r] * h_prev[j]
                    dh_next[j] += da[r] * w["weight_hh"][r][j]
        return loss, grads

    def flat_gradients(self, xs: list[float], ys: list[float]) -> list[float]:
        """Loss, then weight_ih, weight_hh, bias_ih, bias_hh, v, d (the engines' order)."""
        loss, grads = self.gradients(xs, ys)
        return [loss, *(g for row in grads["weight_ih"] for g in row),
                *(g for row in grads["weight_hh"] for g in row), *grads["bias"], *grads["bias"],
                *grads["v"], grads["d"]]


# ------------------------------------------------------------------------------ the engines


class ChainruleLSTM:
    """``nn.LSTM`` with the weights copied in, a readout by ``autograd.dot``, one backward."""

    def __init__(self, weights: Weights, xs: list[float], ys: list[float]) -> None:
        hidden = len(weights["v"])
        self.layer = nn.LSTM(1, hidden, seed=0)
        self.layer.load_state_dict(_state(weights, "cell."))
        self.v = [autograd.Value(x) for x in weights["v"]]
        self.d = autograd.Value(weights["d"])
        self.parameters = [*self.layer.parameters(), *self.v, self.d]
        self.xs, self.ys = xs, ys

    def flat_gradients(self) -> list[float]:
        """zero_grad, forward through the window, backward; loss then every gradient."""
        for parameter in self.parameters:
            parameter.grad = 0.0
        outputs, _ = self.layer(self.xs)
        errors = [autograd.dot(self.v, h, bias=self.d) - y
                  for h, y in zip(outputs, self.ys, strict=True)]
        loss = autograd.dot(errors, errors) * (1.0 / len(errors))
        loss.backward()
        return [loss.data, *(parameter.grad for parameter in self.parameters)]


class MicrogradLSTM:
    """The same cell in micrograd's Value, written out as its users write models."""

    def __init__(self, weights: Weights, xs: list[float], ys: list[float]) -> None:
        value = micrograd_value()
        self.value = value
        self.w = [[value(x) for x in row] for row in weights["weight_ih"]]
        self.u = [[value(x) for x in row] for row in weights["weight_hh"]]
        self.b_ih = [value(x) for x in weights["bias_ih"]]
        self.b_hh = [value(x) for x in weights["bias_hh"]]
        self.v = [value(x) for x in weights["v"]]
        self.d = value(weights["d"])
        self.parameters = [*(p for row in self.w for p in row), *(p for row in self.u for p in row),
                           *self.b_ih, *self.b_hh, *self.v, self.d]
        self.xs, self.ys = xs, ys
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 100 * len(xs) + 1000))

    def step(self, x: float, h: list[Any], c: list[Any]) -> tuple[list[Any], list[Any]]:
        """One LSTM step in micrograd Values."""
        size = len(h)
        a = [self.w[r][0] * x + self.b_ih[r] + self.b_hh[r]
             + sum((u * hj for u, hj in zip(self.u[r], h, strict=True)), self.value(0.0))
             for r in range(4 * size)]
        sig = [1 / (1 + (-z).exp()) for z in a]
        i, f, o = sig[:size], sig[size:2 * size], sig[3 * size:]
        g = [z.tanh() for z in a[2 * size:3 * size]]
        c = [f[k] * c[k] + i[k] * g[k] for k in range(size)]
        return [o[k] * c[k].tanh() for k in range(size)], c

    def flat_gradients(self) -> list[float]:
        """zero_grad, forward through the window, backward; loss then every gradient."""
        for parameter in self.parameters:
            parameter.grad = 0.0
        size = len(self.v)
        h, c = [self.value(0.0)] * size, [self.value(0.0)] * size
        loss = self.value(0.0)
        for x, y in zip(self.xs, self.ys, strict=True):
            h, c = self.step(x, h, c)
            error = sum((v * hk for v, hk in zip(self.v, h, strict=True)), self.d) - y
            loss = loss + error * error
        loss = loss * (1.0 / len(self.xs))
        loss.backward()
        return [float(loss.data), *(float(parameter.grad) for parameter in self.parameters)]


def _state(weights: Weights, prefix: str) -> dict[str, float]:
    """The LSTM part of ``weights`` as a state dict with PyTorch's names."""
    state = {}
    for name in ("weight_ih", "weight_hh"):
        for r, row in enumerate(weights[name]):
            state.update({f"{prefix}{name}.{r}.{j}": x for j, x in enumerate(row)})
    for name in ("bias_ih", "bias_hh"):
        state.update({f"{prefix}{name}.{r}": x for r, x in enumerate(weights[name])})
    return state


def engines(hidden: int = HIDDEN, steps: int = WINDOW) -> dict[str, Any]:
    """Each engine's ``flat_gradients``, all from the same weights and window."""
    weights = initial_weights(hidden)
    xs, ys = window(steps)
    plain = PlainLSTM(weights)
    return {"chainrule": ChainruleLSTM(weights, xs, ys).flat_gradients,
            "micrograd": MicrogradLSTM(weights, xs, ys).flat_gradients,
            "plain": lambda: plain.flat_gradients(xs, ys)}


def agreement(quick: bool = False) -> dict[str, float]:
    """The largest difference of each engine's loss and gradients from the plain ones."""
    return largest_differences(engines(4 if quick else HIDDEN, 10 if quick else WINDOW))


def cases(quick: bool = False) -> list[Case]:
    """Forward + backward of one window, released, in each engine."""
    made = engines(8 if quick else HIDDEN)
    return [Case("lstm_bptt", f"{WINDOW}-step window, hidden {8 if quick else HIDDEN}", made,
                 release=True, unit="window")]
