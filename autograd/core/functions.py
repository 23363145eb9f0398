"""Free functions over several Values: ``maximum``, ``minimum``, ``sum``, ``dot``,
``log_sum_exp`` and ``softmax``.

``sum``, ``dot`` and ``log_sum_exp`` are single n-ary nodes of the graph: a neuron's weighted sum is
one node, not 2n binary ones, which keeps graphs small enough to read and fast to walk.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from .dispatch import dispatch as apply  # records on Values; torch tensors go to their engine
from .dispatch import dispatch_shared
from .numbers import is_real
from .ops import OPS
from .value import Number, Value

Operand = Value | Number


def maximum(a: Operand, b: Operand) -> Value:
    """max(a, b) as one node; at a tie the gradient goes to ``a``."""
    return apply(OPS["maximum"], a, b)


def minimum(a: Operand, b: Operand) -> Value:
    """min(a, b) as one node; at a tie the gradient goes to ``a``."""
    return apply(OPS["minimum"], a, b)


def sum(values: Iterable[Operand]) -> Value:  # noqa: A001 - the natural name, like numpy.sum
    """x1 + ... + xn as a single node (an empty sum is a constant 0)."""
    operands = tuple(values)
    if not operands:
        return Value(0.0)
    return apply(OPS["sum"], *operands)


def dot(
    weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand | None = None
) -> Value:
    """w1*x1 + ... + wn*xn (+ bias) as a single node: ``dot``, or ``affine`` with a bias.

    A neuron's pre-activation is then one node with 2n+1 parents instead of 2n binary nodes.

    Raises:
        ValueError: the two sequences differ in length.
    """
    if len(weights) != len(inputs):
        raise ValueError(
            f"dot of {len(weights)} weights with {len(inputs)} inputs: lengths must match"
        )
    if bias is not None:
        return apply(OPS["affine"], *weights, bias, *inputs)
    if not weights:
        return Value(0.0)
    return apply(OPS["dot"], *weights, *inputs)


def dot_rows(
    rows: Sequence[Sequence[Operand]], inputs: Sequence[Operand],
    biases: Sequence[Operand] | None = None,
) -> list[Value]:
    """``[dot(row, inputs, bias) for row, bias in zip(rows, biases)]``: a layer's pre-activations.

    The same nodes as calling :func:`dot` once per row, but the shared ``inputs`` are converted
    to Values and read once for all rows instead of once per row, which halves the cost of a
    fully connected layer (``nn.Layer`` uses it).

    Raises:
        ValueError: a row's length differs from the inputs', or the biases are not one per row.
    """
    width = len(inputs)
    for index, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(f"dot_rows: row {index} has {len(row)} weights for {width} "
                             "inputs; lengths must match")
    if biases is None:
        if not width:
            return [Value(0.0) for _ in rows]  # as dot of nothing: a constant 0
        return dispatch_shared(OPS["dot"], rows, inputs)
    if len(biases) != len(rows):
        raise ValueError(f"dot_rows: {len(rows)} rows but {len(biases)} biases; give one bias "
                         "per row")
    return dispatch_shared(OPS["affine"], [(*row, bias) for row, bias in zip(rows, biases,
                                                                             strict=True)], inputs)


def log_sum_exp(values: Iterable[Operand]) -> Value:
    """log(e**x1 + ... + e**xn) as one node, shifted by the max so it never overflows."""
    operands = tuple(values)
    if not operands:
        raise ValueError("log_sum_exp of an empty sequence")
    return apply(OPS["log_sum_exp"], *operands)


def softmax(values: Iterable[Operand]) -> list[Value]:
    """e**xi / sum_j e**xj for each i, computed as e**(xi - m) / sum_j e**(xj - m).

    ``m`` is the largest input's number, a constant (softmax does not change when every input
    moves by the same amount), as PyTorch does: every exponent is at most 0, so nothing
    overflows, and the outputs sum to 1 and keep their first and second derivatives at any
    magnitude (dividing by e**log_sum_exp(x) instead loses log_sum_exp's digits to rounding
    when |x| is large: at 1e16 the outputs summed to more than 1).

    Raises:
        ValueError: ``values`` is empty.
    """
    # Numbers become leaves; anything else (a torch tensor, a dual number) goes on to the ops'
    # own dispatch.
    operands = list(values)
    if not operands:
        raise ValueError("softmax of an empty sequence")
    largest = max(_number_of(value) for value in operands)
    if all(isinstance(value, Value) or is_real(value) for value in operands):
        shift = Value(largest)  # one constant leaf, shared by every subtraction
        exponentials: list[Any] = [(value - shift).exp() for value in operands]
    else:  # another engine's numbers (torch tensors, dual numbers): the rest are constants
        exponentials = [
            math.exp(_number_of(value) - largest)
            if isinstance(value, Value) or is_real(value) else (value - largest).exp()  # type: ignore[attr-defined]
            for value in operands
        ]
    total = sum(exponentials)
    return [exponential / total for exponential in exponentials]


def _number_of(operand: Any) -> float:
    """The number inside an operand: a Value's data, or ``float()`` of anything else (a torch
    tensor is detached first, since reading a number out of its graph is what is meant)."""
    if isinstance(operand, Value):
        return operand.data
    detach = getattr(operand, "detach", None)
    return float(detach() if callable(detach) else operand)
