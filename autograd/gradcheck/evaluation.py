"""Evaluating the checked function: at the point, one step either side, and its derivatives.

:func:`evaluate` calls ``f`` on fresh labelled leaves and keeps what the checks need: the
outputs, their graphs in topological order, the kinks met on the way, and (lazily) the engine's
first and second derivatives with the rounding scale of every differenced value (see
:mod:`.differences`). A :class:`Probe` is ``f`` evaluated one step either side of the point
along one input.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..core.backprop import propagate, topological_order
from ..core.modes import enable_grad
from ..core.value import COMPARISONS, Value
from .differences import Stencil, sweep_rounding_scale
from .kinks import Kink, collect_kinks, kink_location


def function_name(f: Callable[..., Any]) -> str:
    """``f.__name__``, or the name of its type for a callable object."""
    return getattr(f, "__name__", None) or type(f).__name__


def input_names(f: Callable[..., Any], count: int) -> list[str]:
    """The parameter names of ``f`` when it has one positional parameter per input, else x0..."""
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    positional = [parameter.name for parameter in parameters if parameter.kind in (
        parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)]
    if len(positional) == count and len(set(positional)) == count:
        return positional
    return [f"x{index}" for index in range(count)]


@dataclass
class Evaluation:
    """``f`` evaluated once at a point: its leaves, outputs, graphs and kinks."""

    leaves: list[Value]
    outputs: list[Value]
    orders: list[list[Value]]
    kinks: list[Kink]

    @property
    def values(self) -> list[float]:
        """The outputs' numbers."""
        return [output.data for output in self.outputs]

    @cached_property
    def _sweeps(self) -> list[dict[Value, Any]]:
        return [propagate(output, 1.0) for output in self.outputs]

    def gradients(self) -> list[list[float]]:
        """``G[k][i]`` = d output_k / d input_i on the float fast path."""
        return [[float(grads.get(leaf, 0.0)) for leaf in self.leaves] for grads in self._sweeps]

    def rounding_scales(self) -> list[float]:
        """The rounding scale of each output's value."""
        return [sweep_rounding_scale(grads) for grads in self._sweeps]

    @cached_property
    def _second_sweeps(self) -> list[list[dict[Value, Any]]]:
        """Per output and input, the reverse sweep of the recorded gradient d output / d input."""
        sweeps = []
        for output in self.outputs:
            first = propagate(output, 1.0, create_graph=True)
            partials = [first.get(leaf, 0.0) for leaf in self.leaves]
            sweeps.append([propagate(partial, 1.0) if isinstance(partial, Value) else {}
                           for partial in partials])
        return sweeps

    def hessians(self) -> list[list[list[float]]]:
        """``H[k][i][j]`` = d2 output_k / d input_i d input_j from the recorded backward pass."""
        return [[[float(grads.get(leaf, 0.0)) for leaf in self.leaves] for grads in per_input]
                for per_input in self._second_sweeps]

    def gradient_rounding_scales(self) -> list[list[float]]:
        """``S[k][i]``: the rounding scale of the computed d output_k / d input_i."""
        return [[sweep_rounding_scale(grads) for grads in per_input]
                for per_input in self._second_sweeps]


def evaluate(f: Callable[..., Any], point: Sequence[float], names: Sequence[str]) -> Evaluation:
    """Call ``f`` on one fresh leaf per number of ``point``, labelled by ``names``.

    Raises:
        ValueError: ``f`` returned no outputs.
    """
    leaves = [Value(x, label=name) for x, name in zip(point, names, strict=True)]
    comparisons: list[tuple[str, Value, Any, bool]] = []
    logging = COMPARISONS.set(comparisons)  # Python's max() over Values compares them
    try:
        with enable_grad():
            result = f(*leaves)
    finally:
        COMPARISONS.reset(logging)
    many = isinstance(result, list | tuple)
    outputs = [out if isinstance(out, Value) else Value(float(out))
               for out in (result if many else [result])]
    if not outputs:
        raise ValueError(f"gradcheck: {function_name(f)} returned no outputs")
    orders = [topological_order(output) for output in outputs]
    return Evaluation(leaves, outputs, orders, collect_kinks(orders, comparisons))


@dataclass
class Probe:
    """``f`` evaluated one step either side of the point along input ``index``."""

    index: int
    stencil: Stencil
    plus: Evaluation
    minus: Evaluation
    #: Per output, where it has a kink near the point along this input (``""``: none).
    kinks: list[str]

    @classmethod
    def along(cls, f: Callable[..., Any], base: Evaluation, names: Sequence[str], index: int,
              stencil: Stencil, eps: float) -> Probe:
        """Evaluate ``f`` at the outer points of ``stencil`` along input ``index``.

        Raises:
            ValueError: ``f`` is undefined one step away; the message names the input and step.
        """
        point = [leaf.data for leaf in base.leaves]
        plus, minus = (_moved(f, point, names, index, x) for x in (stencil.high, stencil.low))
        kinks = [kink_location(base, plus, minus, index, k, eps)
                 for k in range(len(base.outputs))]
        return cls(index, stencil, plus, minus, kinks)

    def values(self, output: int) -> tuple[float, float]:
        """The output's numbers at ``x - h`` and ``x + h``."""
        return self.minus.values[output], self.plus.values[output]


def _moved(f: Callable[..., Any], point: list[float], names: Sequence[str], index: int,
           x: float) -> Evaluation:
    moved = list(point)
    moved[index] = x
    try:
        return evaluate(f, moved, names)
    except (ArithmeticError, ValueError) as error:
        raise ValueError(
            f"gradcheck: {function_name(f)} is undefined at {names[index]} = {x!r} (the central "
            f"difference steps {x - point[index]:+g} from {point[index]!r}): {error}. Move the "
            "point away from the edge of a domain or use a smaller eps."
        ) from error
