"""Free functions over several Values: ``maximum``, ``minimum``, ``sum``, ``dot``,
``log_sum_exp`` and ``softmax``.

``sum``, ``dot`` and ``log_sum_exp`` are single n-ary nodes of the graph: a neuron's weighted sum is
one node, not 2n binary ones, which keeps graphs small enough to read and fast to walk.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .forward import dispatch as apply  # records on Values; evaluates Duals inside jvp
from .forward import lift_constants
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


def log_sum_exp(values: Iterable[Operand]) -> Value:
    """log(e**x1 + ... + e**xn) as one node, shifted by the max so it never overflows."""
    operands = tuple(values)
    if not operands:
        raise ValueError("log_sum_exp of an empty sequence")
    return apply(OPS["log_sum_exp"], *operands)


def softmax(values: Iterable[Operand]) -> list[Value]:
    """e**xi / sum_j e**xj for each i, computed as e**(xi - log_sum_exp(x)): no overflow."""
    operands = lift_constants(values)
    normaliser = log_sum_exp(operands)
    return [(value - normaliser).exp() for value in operands]
