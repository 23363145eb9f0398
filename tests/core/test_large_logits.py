"""softmax and softmax cross-entropy at large logits: sums, gradients and Hessians
against sympy evaluated exactly at the very floats given to the engine.

Each point is a large logit plus small offsets. The offsets are either exactly representable
(multiples of the spacing of floats there) or, as in ``(1e7, 1e7 + log 2)``, whatever float the
sum rounds to: sympy receives each float as an exact rational, so the oracle answers for the
same inputs the engine sees, and the only error left is the engine's own rounding.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
import sympy

import autograd
import nn
from autograd import grad, hessian

POINTS = {
    # name: the logits (three classes)
    "1e7 and log 2": (1e7, 1e7 + math.log(2), 1e7 - 1.0),
    "2**50 (spacing 0.25)": (2.0**50, 2.0**50 + 0.5, 2.0**50 - 1.25),
    "-1e15": (-1e15, -1e15 + 2.0, -1e15 + 0.75),
}
#: The engine's results must match the exact ones to about a hundred roundings.
RELATIVE = 1e-13

SYMBOLS = sympy.symbols("z0:3")
SOFTMAX_0 = sympy.exp(SYMBOLS[0]) / sympy.Add(*(sympy.exp(z) for z in SYMBOLS))
CROSS_ENTROPY_0 = sympy.log(sympy.Add(*(sympy.exp(z) for z in SYMBOLS))) - SYMBOLS[0]


def exact(expression: sympy.Expr, logits: tuple[float, ...]) -> float:
    """``expression`` at ``logits`` (each float taken as its exact rational value)."""
    point = {z: sympy.Rational(Fraction(x)) for z, x in zip(SYMBOLS, logits, strict=True)}
    return float(sympy.N(expression.subs(point), 30))


def close(engine: float, oracle: float) -> bool:
    return math.isclose(engine, oracle, rel_tol=RELATIVE, abs_tol=1e-300)


@pytest.mark.parametrize("logits", list(POINTS.values()), ids=list(POINTS))
def test_softmax_matches_the_exact_probabilities(logits: tuple[float, ...]) -> None:
    probabilities = [value.data for value in autograd.softmax(logits)]
    expected = [exact(sympy.exp(z) / sympy.Add(*(sympy.exp(w) for w in SYMBOLS)), logits)
                for z in SYMBOLS]
    assert all(close(p, q) for p, q in zip(probabilities, expected, strict=True))


def test_softmax_sums_to_one_at_logits_near_1e16() -> None:
    # floats are 2 apart near 1e16: these three logits are exact
    probabilities = [value.data for value in autograd.softmax([1e16, 1e16 + 2.0, 1e16 - 4.0])]
    assert math.isclose(math.fsum(probabilities), 1.0, rel_tol=4e-16)


@pytest.mark.parametrize("logits", list(POINTS.values()), ids=list(POINTS))
def test_softmax_gradient_matches_sympy(logits: tuple[float, ...]) -> None:
    engine = grad(lambda *z: autograd.softmax(z)[0], argnums=(0, 1, 2))(*logits)
    expected = [exact(sympy.diff(SOFTMAX_0, z), logits) for z in SYMBOLS]
    assert all(close(a, b) for a, b in zip(engine, expected, strict=True))


@pytest.mark.parametrize("logits", list(POINTS.values()), ids=list(POINTS))
def test_softmax_hessian_matches_sympy(logits: tuple[float, ...]) -> None:
    engine = hessian(lambda *z: autograd.softmax(z)[0], argnums=(0, 1, 2))(*logits)
    expected = sympy.hessian(SOFTMAX_0, SYMBOLS)
    for i in range(3):
        for j in range(3):
            assert close(engine[i][j], exact(expected[i, j], logits)), (i, j)


@pytest.mark.parametrize("logits", list(POINTS.values()), ids=list(POINTS))
def test_cross_entropy_loss_and_gradient_match_sympy(logits: tuple[float, ...]) -> None:
    loss, gradient = autograd.value_and_grad(
        lambda *z: nn.losses.cross_entropy(list(z), 0), argnums=(0, 1, 2)
    )(*logits)
    assert close(loss, exact(CROSS_ENTROPY_0, logits))
    expected = [exact(sympy.diff(CROSS_ENTROPY_0, z), logits) for z in SYMBOLS]
    assert all(close(a, b) for a, b in zip(gradient, expected, strict=True))


@pytest.mark.parametrize("logits", list(POINTS.values()), ids=list(POINTS))
def test_cross_entropy_hessian_matches_sympy(logits: tuple[float, ...]) -> None:
    engine = hessian(lambda *z: nn.losses.cross_entropy(list(z), 0), argnums=(0, 1, 2))(*logits)
    expected = sympy.hessian(CROSS_ENTROPY_0, SYMBOLS)
    for i in range(3):
        for j in range(3):
            assert close(engine[i][j], exact(expected[i, j], logits)), (i, j)



# A tape traced at small logits and replayed at the large ones: the shift is recomputed on
# every replay path, so the replays keep the engine's digits.
REPLAYS = ["tape", "compiled", "vmap"]


def replayed(path: str, f, logits: tuple[float, ...]) -> tuple[float, list[float]]:
    tape = autograd.trace(f, 0.0, 0.5, -0.25)
    if path == "tape":
        value, gradient = tape.value_and_grad(*logits)
        return value, list(gradient)
    if path == "compiled":
        value, gradient = tape.compile().value_and_grad(*logits)
        return value, list(gradient)
    values, gradients = tape.vmap().value_and_grad(*([x] for x in logits))
    return float(values[0]), [float(g[0]) for g in gradients]


@pytest.mark.parametrize("path", REPLAYS)
@pytest.mark.parametrize("logits", list(POINTS.values()), ids=list(POINTS))
def test_softmax_replayed_at_large_logits_matches_sympy(logits: tuple[float, ...],
                                                        path: str) -> None:
    value, gradient = replayed(path, lambda *z: autograd.softmax(z)[0], logits)
    assert close(value, exact(SOFTMAX_0, logits))
    expected = [exact(sympy.diff(SOFTMAX_0, z), logits) for z in SYMBOLS]
    assert all(close(a, b) for a, b in zip(gradient, expected, strict=True))


@pytest.mark.parametrize("path", REPLAYS)
@pytest.mark.parametrize("logits", list(POINTS.values()), ids=list(POINTS))
def test_cross_entropy_replayed_at_large_logits_matches_sympy(logits: tuple[float, ...],
                                                              path: str) -> None:
    value, gradient = replayed(path, lambda *z: nn.losses.cross_entropy(list(z), 0), logits)
    assert close(value, exact(CROSS_ENTROPY_0, logits))
    expected = [exact(sympy.diff(CROSS_ENTROPY_0, z), logits) for z in SYMBOLS]
    assert all(close(a, b) for a, b in zip(gradient, expected, strict=True))
