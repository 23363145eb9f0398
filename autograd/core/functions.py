"""Free functions over several Values: ``maximum``, ``minimum``, ``sum``, ``dot``,
``log_sum_exp``, ``detached_max`` and ``softmax``.

``sum``, ``dot`` and ``log_sum_exp`` are single n-ary nodes of the graph: a neuron's weighted sum is
one node, not 2n binary ones, which keeps graphs small enough to read and fast to walk.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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


def detached_max(values: Iterable[Operand]) -> Value:
    """The largest of ``values`` as one node that no gradient flows through.

    PyTorch writes it ``x.max().detach()``. Its value follows the inputs, so a traced tape (and
    every replay of it: compiled, batched) recomputes it for new inputs, but its derivative is
    0 by definition. That is exactly right for a shift that an expression does not depend on:
    softmax and cross-entropy subtract it from every logit so that no exponent is positive.

    Raises:
        ValueError: ``values`` is empty.
    """
    operands = tuple(values)
    if not operands:
        raise ValueError("detached_max of an empty sequence")
    return apply(OPS["detached_max"], *operands)


def softmax(values: Iterable[Operand]) -> list[Value]:
    """e**xi / sum_j e**xj for each i, computed as e**(xi - m) / sum_j e**(xj - m).

    ``m`` is :func:`detached_max` of the inputs: the largest input, through which no gradient
    flows (softmax does not change when every input moves by the same amount, so its exact
    derivative through ``m`` is 0), as PyTorch does. Every exponent is at most 0, so nothing
    overflows, and the outputs sum to 1 and keep their first and second derivatives at any
    magnitude (dividing by e**log_sum_exp(x) instead loses log_sum_exp's digits to rounding
    when |x| is large: at 1e16 the outputs summed to more than 1). ``m`` is a node of the
    graph, not a number read out of it, so a tape traced at one point recomputes it wherever
    it is replayed.

    Raises:
        ValueError: ``values`` is empty.
    """
    operands = list(values)
    if not operands:
        raise ValueError("softmax of an empty sequence")
    if not all(isinstance(value, Value) or is_real(value) for value in operands):
        # Another engine's numbers (torch tensors, dual numbers): Values among them are
        # constants there.
        operands = [value.data if isinstance(value, Value) else value for value in operands]
    shift = apply(OPS["detached_max"], *operands)  # one node, shared by every subtraction
    exponentials = [(value - shift).exp() for value in operands]
    total = sum(exponentials)
    return [exponential / total for exponential in exponentials]
