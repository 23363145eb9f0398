"""Hypothesis strategies for property-testing derivations: random numbers and random graphs.

This module imports ``hypothesis`` (a test dependency, not an engine one), so ``import autograd``
does not import it: write ``from autograd.testing import expressions, values``.

* :func:`values` draws finite floats inside an op's domain.
* :func:`expressions` draws ``(function, inputs)`` pairs: a random expression DAG over the op
  table (or the ops you name, your own :func:`~autograd.register_op` ops included) with shared
  sub-expressions, and a point where every op is inside its domain, away from its kinks and
  with every intermediate value bounded. ``gradcheck(function, inputs)`` accepts every example.

Paste into a test file::

    from hypothesis import given
    from autograd import gradcheck
    from autograd.testing import expressions

    @given(expressions())
    def test_engine_matches_finite_differences(example):
        function, inputs = example
        gradcheck(function, inputs)  # raises GradcheckError naming the wrong op

    # Your own op, mixed with the built-in ones it should compose with:
    #   cube = register_op("cube", lambda x: x**3, lambda grad, out, x: (grad * 3 * x * x,))
    #   @given(expressions(ops=["cube", "mul", "tanh"], max_depth=3))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

try:
    from hypothesis import assume
    from hypothesis import strategies as st
except ImportError:  # hypothesis is a test dependency, not an engine one
    raise ImportError(
        "autograd.testing needs the hypothesis package (its strategies are hypothesis "
        "strategies): pip install 'chainrule[testing]' (from a checkout: pip install -e "
        "'.[testing]'; or: pip install hypothesis)"
    ) from None

from .core.custom import BUILTIN_OPS
from .core.dispatch import dispatch
from .core.ops import OPS, REALS, Interval, Op
from .core.value import Value
from .transforms.forward import Dual

#: Inputs of drawn expressions lie in [-INPUT_BOUND, INPUT_BOUND].
INPUT_BOUND = 2.0
#: Every intermediate value of a drawn expression lies in [-VALUE_BOUND, VALUE_BOUND].
VALUE_BOUND = 100.0
#: Operands stay this far inside the finite edges of an op's domain.
DOMAIN_MARGIN = 0.1
#: Unless kinks are allowed, every kink function stays at least this far from zero.
KINK_MARGIN = 0.01
#: How many (op, operands) draws are tried for one node before the node is left out.
ATTEMPTS = 8


def values(
    domain: Interval = REALS, *, bound: float = 10.0, margin: float = 0.0
) -> st.SearchStrategy[float]:
    """Finite floats inside the open interval ``domain``, within ``[-bound, bound]``.

    Example:
        >>> from autograd.ops import POSITIVE
        >>> strategy = values(POSITIVE, margin=0.1)   # floats in (0.1, 10)

    Args:
        domain: an :class:`~autograd.ops.Interval` such as ``OPS["log"].input_domain(0)``.
        bound: the largest magnitude drawn (keeps exp and powers finite).
        margin: distance kept from the domain's finite edges.

    Raises:
        ValueError: the interval, narrowed by bound and margin, is empty.
    """
    low = max(domain.low + margin, -bound)
    high = min(domain.high - margin, bound)
    if not low < high:
        raise ValueError(
            f"values: the domain {domain} within [-{bound:g}, {bound:g}] and margin {margin:g} "
            "is empty; widen the bound or shrink the margin"
        )
    return st.floats(low, high, exclude_min=True, exclude_max=True, allow_nan=False,
                     allow_infinity=False)


@dataclass(frozen=True)
class Constant:
    """A constant operand of a node (the offset of a domain guard)."""

    value: float


@dataclass(frozen=True)
class ExpressionNode:
    """One node of a drawn :class:`Expression`: an op (its parameters bound) on earlier slots."""

    op: Op
    operands: tuple[int | Constant, ...]


class Expression:
    """A drawn expression DAG as a small program; calling it builds the graph on Values.

    Slots ``0 .. n_inputs - 1`` are the inputs (``x0, x1, ...``); node ``k`` (of ``nodes``) writes
    slot ``n_inputs + k``, labelled ``h{k+1}``. The result is every slot no node reads: one
    Value, or a list of Values when there are several.
    """

    def __init__(self, n_inputs: int, nodes: Sequence[ExpressionNode]) -> None:
        self.n_inputs = n_inputs
        self.nodes = tuple(nodes)
        read = {operand for node in self.nodes for operand in node.operands
                if isinstance(operand, int)}
        total = n_inputs + len(self.nodes)
        self.outputs = tuple(slot for slot in range(n_inputs, total) if slot not in read)
        self.__name__ = "expression"

    def slot_name(self, slot: int) -> str:
        """``x{i}`` for an input slot, ``h{k}`` for the k-th node."""
        return f"x{slot}" if slot < self.n_inputs else f"h{slot - self.n_inputs + 1}"

    def __call__(self, *inputs: Value | float) -> Value | list[Value]:
        if len(inputs) != self.n_inputs:
            raise TypeError(f"this expression takes {self.n_inputs} inputs, got {len(inputs)}")
        slots: list[Value | float] = list(inputs)
        for node in self.nodes:
            operands = [operand.value if isinstance(operand, Constant) else slots[operand]
                        for operand in node.operands]
            value = dispatch(node.op, *operands)
            value.label = self.slot_name(len(slots))
            slots.append(value)
        results = [slots[slot] for slot in self.outputs]
        outputs = [value if isinstance(value, Value | Dual) else Value(value) for value in results]
        return outputs[0] if len(outputs) == 1 else outputs

    def __repr__(self) -> str:
        arguments = ", ".join(self.slot_name(slot) for slot in range(self.n_inputs))
        lines = [f"Expression({arguments}):"]
        for index, node in enumerate(self.nodes):
            operands = ", ".join(f"{operand.value!r}" if isinstance(operand, Constant)
                                 else self.slot_name(operand) for operand in node.operands)
            name = self.slot_name(self.n_inputs + index)
            lines.append(f"    {name} = {node.op.title}({operands})")
        lines.append(f"    return {', '.join(self.slot_name(slot) for slot in self.outputs)}")
        return "\n".join(lines)


def _inside(x: float, interval: Interval) -> bool:
    low = interval.low + DOMAIN_MARGIN if math.isfinite(interval.low) else -math.inf
    high = interval.high - DOMAIN_MARGIN if math.isfinite(interval.high) else math.inf
    return low < x < high


def _guard(interval: Interval, source: int) -> list[ExpressionNode] | None:
    """Nodes mapping slot ``source`` into ``interval`` (the last one is the guarded slot).

    The operands are offsets from the slot the first node will occupy, resolved later.
    """
    mul, add, sub = OPS["mul"], OPS["add"], OPS["sub"]
    node = ExpressionNode
    low, high = interval.low, interval.high
    if math.isfinite(low) and not math.isfinite(high):  # x*x + (low + 0.5)
        return [node(mul, (source, source)), node(add, (-1, Constant(low + 0.5)))]
    if math.isfinite(high) and not math.isfinite(low):  # (high - 0.5) - x*x
        return [node(mul, (source, source)), node(sub, (Constant(high - 0.5), -1))]
    if math.isfinite(low) and math.isfinite(high):  # middle + 0.45 * width * tanh(x)
        middle, half = (low + high) / 2.0, 0.45 * (high - low)
        return [node(OPS["tanh"], (source,)), node(mul, (-1, Constant(half))),
                node(add, (-1, Constant(middle)))]
    return None


def _run(op: Op, operands: Sequence[float]) -> float | None:
    """``op.forward`` at ``operands``, or None where it is undefined or not finite."""
    try:
        result = float(op.forward(*operands))
    except (ArithmeticError, ValueError, TypeError):
        return None
    return result if math.isfinite(result) else None


def _entries(ops: Sequence[str] | None) -> list[Op]:
    if ops is None:
        # An op that stops the gradient (softmax's shift) is right only inside an expression
        # that does not depend on it; in a random graph its zero derivative would be wrong.
        return [entry for name, entry in OPS.items()
                if name in BUILTIN_OPS and not entry.stops_gradient]
    unknown = [name for name in ops if name not in OPS]
    if unknown:
        raise ValueError(
            f"expressions: unknown op(s) {unknown}; the table has {sorted(OPS)} "
            "(register your own with autograd.register_op first)"
        )
    if not ops:
        raise ValueError("expressions: ops must name at least one op (or be None for all)")
    return [OPS[name] for name in ops]


def expressions(
    ops: Sequence[str] | None = None,
    *,
    max_depth: int = 4,
    max_width: int = 3,
    n_inputs: int | tuple[int, int] = (1, 3),
    allow_kinks: bool = False,
) -> st.SearchStrategy[tuple[Expression, list[float]]]:
    """Random expression DAGs with a point to check them at, for ``gradcheck``.

    Each example is ``(function, inputs)``: ``function`` is an :class:`Expression` (call it with
    one Value per input; its repr is the program, which hypothesis prints for a failing example)
    and ``inputs`` a list of floats in ``[-2, 2]``. At that point every op's operands are inside
    its domain (at least 0.1 from a finite edge), away from its kinks (every kink function at
    least 0.01 from zero) unless ``allow_kinks`` is set, and every intermediate value is in
    ``[-100, 100]``, so central differences are accurate. Operands are drawn from all earlier
    nodes, so sub-expressions are shared. When no earlier node lies in an op's domain, the
    operand goes through a guard built from ``mul``/``add``/``sub`` (and ``tanh`` for a
    bounded domain): ``x*x + c`` for a domain ``(low, inf)``.

    Example (paste into a test file)::

        @given(expressions(ops=["mul", "log", "tanh", "maximum"], max_depth=3))
        def test_my_ops(example):
            function, inputs = example
            gradcheck(function, inputs, order=2)

    Args:
        ops: names of table entries to draw from (custom ops included); ``None`` means every
            built-in op but those that stop the gradient (``detached_max``: see
            :attr:`~autograd.ops.Op.stops_gradient`).
        max_depth: the most levels of drawn ops between the inputs and an output (domain guards
            add up to three nodes each).
        max_width: the most nodes drawn per level.
        n_inputs: the number of inputs, or a ``(min, max)`` range.
        allow_kinks: do not keep operands away from kinks (ties such as ``maximum(h, h)`` and
            ``relu`` near 0 can then appear; gradcheck marks them instead of failing).

    Returns:
        A hypothesis strategy of ``(Expression, list[float])`` pairs.

    Raises:
        ValueError: an op name is not in the table, or a limit is below 1.
    """
    entries = _entries(ops)
    low, high = (n_inputs, n_inputs) if isinstance(n_inputs, int) else n_inputs
    if min(max_depth, max_width, low) < 1 or high < low:
        raise ValueError(
            f"expressions: need max_depth, max_width and n_inputs >= 1 (and min <= max), got "
            f"max_depth={max_depth}, max_width={max_width}, n_inputs={n_inputs}"
        )
    return _draw_expression(entries, max_depth, max_width, low, high, allow_kinks)


@st.composite
def _draw_expression(draw: Any, entries: list[Op], max_depth: int, max_width: int,
                     low: int, high: int, allow_kinks: bool) -> tuple[Expression, list[float]]:
    count = draw(st.integers(low, high))
    inputs = [draw(values(bound=INPUT_BOUND)) for _ in range(count)]
    data = list(inputs)  # the value of every slot at the drawn point
    depth = [0] * count
    program: list[ExpressionNode] = []
    for level in range(1, draw(st.integers(1, max_depth)) + 1):
        for _ in range(draw(st.integers(1, max_width))):
            for _attempt in range(ATTEMPTS):
                drawn = _draw_node(draw, entries, data, depth, level, allow_kinks)
                if drawn is not None:
                    for node, value in drawn:
                        program.append(node)
                        data.append(value)
                        depth.append(level)
                    break
    assume(program)
    return Expression(count, program), inputs


def _draw_node(draw: Any, entries: list[Op], data: list[float], depth: list[int], level: int,
               allow_kinks: bool) -> list[tuple[ExpressionNode, float]] | None:
    """Draw one op node (plus any domain guards); None when the draw is out of bounds."""
    entry = draw(st.sampled_from(entries))
    params = draw(st.sampled_from(entry.examples)) if entry.examples else {}
    op = entry.bind(**params) if params else entry
    arity = entry.arity if entry.arity is not None else entry.example_arity
    deepest = max(d for d in depth if d < level)
    anchor_pool = [slot for slot, d in enumerate(depth) if d == deepest]
    pool = [slot for slot, d in enumerate(depth) if d < level]
    anchor = draw(st.integers(0, arity - 1))
    new: list[tuple[ExpressionNode, float]] = []
    operands: list[int] = []
    for position in range(arity):
        interval = entry.input_domain(position)
        candidates = anchor_pool if position == anchor else pool
        feasible = [slot for slot in candidates if _inside(data[slot], interval)]
        if feasible:
            operands.append(draw(st.sampled_from(feasible)))
            continue
        guard = _guard(interval, draw(st.sampled_from(candidates)))
        if guard is None:
            return None
        for guard_node in guard:
            resolved = tuple(len(data) + len(new) + operand if isinstance(operand, int)
                             and operand < 0 else operand for operand in guard_node.operands)
            step = ExpressionNode(guard_node.op, resolved)
            value = _run(step.op, [_slot_value(operand, data, new) for operand in resolved])
            if value is None or abs(value) > VALUE_BOUND:
                return None
            new.append((step, value))
        operands.append(len(data) + len(new) - 1)
    numbers = [_slot_value(operand, data, new) for operand in operands]
    result = _run(op, numbers)
    if result is None or abs(result) > VALUE_BOUND:
        return None
    if not allow_kinks and any(abs(kink(*numbers)) <= KINK_MARGIN for kink in entry.kinks):
        return None
    new.append((ExpressionNode(op, tuple(operands)), result))
    return new


def _slot_value(operand: int | Constant, data: list[float],
                new: list[tuple[ExpressionNode, float]]) -> float:
    if isinstance(operand, Constant):
        return operand.value
    if operand < len(data):
        return data[operand]
    return new[operand - len(data)][1]
