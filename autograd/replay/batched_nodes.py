"""The working nodes of the batched replay (:mod:`autograd.replay.batched`) and their builder.

A :class:`Node` has the fields the engine's backward sweep reads (``data, grad, parents, op,
label``); its ``op`` is a *step*: ``title``, ``forward(*parent data)`` and ``rule(grad, out,
*parent data) -> one contribution per parent``, on numpy arrays. :class:`Elementwise` runs an
op-table entry's array form over one tape instruction or a whole stack of them, :class:`Reduce`
an n-ary op over the rows of one stack, :class:`Matmul` a layer of affine (or dot) instructions
as ``W @ X + b``; :class:`Pick`, :class:`Parameter` and :class:`Gather` move rows between nodes.
:class:`Builder` turns a tape's instructions into these nodes, stacking what can run together.

numpy is imported here, for both batched modules (:mod:`autograd.replay.batched` takes ``np`` from
this one), and only here: ``pip install 'chainrule[batched]'`` (from a checkout: ``pip install -e
'.[batched]'``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

try:
    import numpy as np
except ImportError:  # numpy is optional: only the batched replay needs it
    raise ImportError(
        "Tape.vmap (the batched replay) needs numpy: pip install 'chainrule[batched]' "
        "(from a checkout: pip install -e '.[batched]'; or: pip install numpy)"
    ) from None

from ..core.ops import Op
from .program import Instruction

if TYPE_CHECKING:
    from .batched import BatchedTape
    from .tape import Tape

__all__ = ["Builder", "Elementwise", "Gather", "Gradient", "Matmul", "Node", "Parameter", "Pick",
           "Reduce", "all_finite", "as_gradient", "entry_at", "input_gradient", "layer_parts"]


class Gradient(np.ndarray):
    """A gradient array. The sweep skips a node whose gradient is falsy, meaning "nothing
    reached it": here that is the float 0.0 every slot starts from, so an array (even of
    zeros) is always truthy; asking numpy whether any row is non-zero would cost more than
    the rule it could skip. A 0-d result (``gradient.all()``) keeps its ordinary truth."""

    def __bool__(self) -> bool:
        return bool(self.item()) if self.ndim == 0 else True


def as_gradient(array: Any, shape: tuple[int, ...]) -> Any:
    """``array`` (or None) as a :class:`Gradient` of exactly ``shape`` (broadcast if needed)."""
    if array is None:
        return None
    array = np.asarray(array)
    if array.shape != shape:
        array = np.broadcast_to(array, shape)
    return array.view(Gradient)


def all_finite(array: Any) -> bool:
    """Whether every number of ``array`` is finite (one reduction in the common case)."""
    return bool(np.isfinite(array.sum())) or bool(np.isfinite(array).all())


class Node:
    """A working node of the batched replay: the fields the backward core reads.

    ``data`` is ``(k, B)`` for a stack of ``k`` tape slots (``(k, 1)`` when no row depends on
    the batch), ``(P,)`` for the parameters; ``slots`` lists the tape slot of each row.
    """

    __slots__ = ("data", "grad", "parents", "op", "label", "slots")

    def __init__(self, op: Any, parents: tuple[Node, ...], slots: Sequence[int],
                 label: str = "") -> None:
        self.data: Any = None
        self.grad: Any = 0.0
        self.parents = parents
        self.op = op
        self.label = label
        self.slots = list(slots)


# ---------------------------------------------------------------------------------- the steps
# A step is a node's "op" as the sweep sees it: ``title``, ``forward(*parent data)`` and
# ``rule(grad, out, *parent data) -> one contribution per parent``.


class Elementwise:
    """Instructions of one op, one per row of the node (one instruction, or a whole stack)."""

    def __init__(self, op: Op, members: list[Instruction], replay: BatchedTape) -> None:
        if op.array_forward is None or op.array_rule is None:
            raise NotImplementedError(
                f"Tape.vmap: op {op.title!r} has no array form (Op.array_forward / "
                "Op.array_rule), so it cannot run over a batch; replay this tape row by row "
                "with tape.forward / tape.compile(), or give the op's table entry array forms"
            )
        self.op, self.members, self.replay = op, members, replay
        self.title = op.title
        self.array_forward, self.array_rule = op.array_forward, op.array_rule

    def forward(self, *inputs: Any) -> Any:
        return self.array_forward(np, *inputs)

    def rule(self, grad: Any, out: Any, *inputs: Any) -> tuple[Any, ...]:
        contributions = self.array_rule(np, grad, out, *inputs)
        if self.replay.careful:
            return self.replay.checked_rule(self, grad, out, inputs, contributions)
        return tuple(input_gradient(c, data, grad) for c, data in zip(contributions, inputs,
                                                                strict=False))

    def operands(self, inputs: Sequence[Any], member: int, row: int) -> list[float]:
        """The float operands of member ``member`` in batch row ``row``."""
        return [float(entry_at(data, member, row)) for data in inputs]


class Reduce(Elementwise):
    """An n-ary op (sum, log_sum_exp) whose operands are every row of one stack, in order."""

    def forward(self, *inputs: Any) -> Any:
        return self.array_forward(np, *inputs[0][:, None])

    def rule(self, grad: Any, out: Any, *inputs: Any) -> tuple[Any, ...]:
        (stack,) = inputs
        rows = list(stack[:, None])
        contributions = self.array_rule(np, grad, out, *rows)
        if self.replay.careful:
            contributions = self.replay.checked_rule(self, grad, out, tuple(rows), contributions)
        shape = (1, grad.shape[1])
        parts = [np.zeros(shape) if c is None else c if c.shape == shape
                 else np.broadcast_to(c, shape) for c in contributions]
        return (np.concatenate(parts).view(Gradient),)

    def operands(self, inputs: Sequence[Any], member: int, row: int) -> list[float]:
        return [float(entry_at(data, 0, row)) for data in inputs]


def input_gradient(contribution: Any, data: Any, grad: Any) -> Any:
    """A contribution as a gradient for an input holding ``data``: summed over the stack for
    an input every row of the stack shares, broadcast over the batch if needed."""
    if contribution is None:
        return None
    shape = (data.shape[0], grad.shape[1])
    if contribution.shape == shape:
        return contribution.view(Gradient)
    if contribution.ndim == 2 and contribution.shape[0] > shape[0]:
        contribution = contribution.sum(axis=0, keepdims=True)
    return as_gradient(contribution, shape)


class Matmul:
    """A layer: ``k`` affine (or dot) instructions with parameter weights and the same inputs,
    run as ``W @ X (+ b)`` with ``W`` and ``b`` gathered from the parameter vector."""

    def __init__(self, members: list[Instruction], weights: Any, biases: Any,
                 count: int) -> None:
        self.members, self.weights, self.biases, self.count = members, weights, biases, count
        self.title = members[0].op.title
        self.op = members[0].op

    def forward(self, parameters: Any, inputs: Any) -> Any:
        out = parameters[self.weights] @ inputs
        if self.biases is not None:
            out += parameters[self.biases][:, None]
        return out

    def rule(self, grad: Any, out: Any, parameters: Any, inputs: Any) -> tuple[Any, ...]:
        weights = parameters[self.weights]
        if inputs.shape[1] != grad.shape[1]:  # inputs the same in every row
            inputs = np.broadcast_to(inputs, (inputs.shape[0], grad.shape[1]))
        # dL/dW = G X^T and dL/db = G 1 (summed over the batch), dL/dX = W^T G.
        into = np.bincount(self.weights.ravel(), (grad @ inputs.T).ravel(), self.count)
        if self.biases is not None:
            into += np.bincount(self.biases, grad.sum(axis=1), self.count)
        return into.view(Gradient), (weights.T @ grad).view(Gradient)


class Pick:
    """One row of a stack, for an instruction that uses it alone."""

    def __init__(self, row: int) -> None:
        self.row = row
        self.title = f"row {row} of a stack"

    def forward(self, stack: Any) -> Any:
        return stack[self.row:self.row + 1]

    def rule(self, grad: Any, out: Any, stack: Any) -> tuple[Any, ...]:
        into = np.zeros((stack.shape[0], grad.shape[1]))
        into[self.row] = grad[0]
        return (into.view(Gradient),)


class Parameter:
    """One parameter, shared by every row: its gradient is the sum over the batch."""

    def __init__(self, index: int, count: int) -> None:
        self.index, self.count = index, count
        self.title = f"parameter {index}"

    def forward(self, parameters: Any) -> Any:
        return parameters[self.index:self.index + 1].reshape(1, 1)

    def rule(self, grad: Any, out: Any, parameters: Any) -> tuple[Any, ...]:
        into = np.zeros(self.count)
        into[self.index] = grad.sum()
        return (into.view(Gradient),)


class Gather:
    """The inputs of a layer taken from rows of one or more nodes, stacked as ``(n, B)``."""

    def __init__(self, sources: list[tuple[int, int]]) -> None:
        self.sources = sources  # (parent position, row) per gathered row
        self.rows = np.array([row for _, row in sources], dtype=np.intp)
        self.title = "gather"

    def forward(self, *parents: Any) -> Any:
        width = max(parent.shape[1] for parent in parents)
        if len(parents) == 1:
            return np.broadcast_to(parents[0][self.rows], (len(self.rows), width))
        return np.stack([np.broadcast_to(parents[position][row], (width,))
                         for position, row in self.sources])

    def rule(self, grad: Any, out: Any, *parents: Any) -> tuple[Any, ...]:
        into = [np.zeros((parent.shape[0], grad.shape[1])) for parent in parents]
        if len(parents) == 1:
            np.add.at(into[0], self.rows, grad)
        else:
            for index, (position, row) in enumerate(self.sources):
                into[position][row] += grad[index]
        return tuple(array.view(Gradient) for array in into)


# ---------------------------------------------------------------------------------- building


def layer_parts(tape: Tape, instruction: Instruction) -> tuple[list[int], int | None,
                                                               tuple[int, ...]] | None:
    """``(weights, bias, inputs)`` slots of an affine/dot instruction whose weights (and bias)
    are parameters and whose inputs are not, or None: only those run as a matrix product."""
    op, operands = instruction.op, instruction.inputs
    if op.params or op.name not in ("affine", "dot"):
        return None
    is_parameter = [tape.inputs <= slot < tape.inputs + len(tape.parameters) for slot in operands]
    half = len(operands) // 2
    if op.name == "affine":
        split = [(list(range(half)) + [half], list(range(half + 1, len(operands))))]
    else:  # a dot's weights may be either half
        split = [(list(range(half)), list(range(half, len(operands)))),
                 (list(range(half, len(operands))), list(range(half)))]
    for weights, inputs in split:
        if half and all(is_parameter[i] for i in weights) and not any(is_parameter[i]
                                                                      for i in inputs):
            slots = [operands[i] for i in weights]
            bias = slots.pop() if op.name == "affine" else None
            return slots, bias, tuple(operands[i] for i in inputs)
    return None


class Builder:
    """Turns a tape's instructions into working nodes, stacking what can run together.

    Each node is placed where the first of its instructions stood in the tape: a layer's
    instructions all read the same inputs, and an activation stack reads one row of a stack
    placed earlier, so every node still comes after the nodes it reads.
    """

    def __init__(self, tape: Tape, replay: BatchedTape) -> None:
        self.tape, self.replay = tape, replay
        self.first_instruction = tape.inputs + len(tape.parameters)
        self.inputs = Node(None, (), range(tape.inputs), "inputs")
        self.parameters = Node(None, (), [], "parameters")
        self.where: dict[int, tuple[Node, int]] = {slot: (self.inputs, slot)
                                                    for slot in range(tape.inputs)}
        self.nodes: list[Node] = []
        self.rows: dict[tuple[int, int], Node] = {}
        self.layers: dict[tuple[str, tuple[int, ...]], list[Instruction]] = {}
        self.consumers: dict[int, list[Instruction]] = {}
        for instruction in tape.instructions:
            parts = layer_parts(tape, instruction)
            if parts is not None:
                self.layers.setdefault((instruction.op.name, parts[2]), []).append(instruction)
            for slot in dict.fromkeys(instruction.inputs):
                self.consumers.setdefault(slot, []).append(instruction)

    def build(self) -> Node:
        """Place every instruction; return the node holding the output alone (seeded)."""
        for instruction in self.tape.instructions:
            if instruction.output not in self.where:
                self._place(instruction)
        return self.row(self.tape.output)

    def _place(self, instruction: Instruction) -> None:
        parts = layer_parts(self.tape, instruction)
        if parts is not None:
            self._add_layer(self.layers[(instruction.op.name, parts[2])])
            return
        stack = self.where.get(instruction.inputs[0], (None, 0))[0] if instruction.inputs else None
        if stack is not None and len(stack.slots) > 1:
            if stack.slots == list(instruction.inputs) and instruction.op.arity is None:
                self._add(Reduce(instruction.op, [instruction], self.replay), (stack,),
                          [instruction])
                return
            members = self._stack_of(instruction, stack)
            if members is not None:
                parents = tuple(stack if slot in stack.slots else self.row(slot)
                                for slot in instruction.inputs)
                self._add(Elementwise(instruction.op, members, self.replay), parents, members)
                return
        parents = tuple(self.row(slot) for slot in instruction.inputs)
        self._add(Elementwise(instruction.op, [instruction], self.replay), parents,
                  [instruction])

    def _stack_of(self, instruction: Instruction, stack: Node) -> list[Instruction] | None:
        """Instructions of ``instruction``'s op, one per row of ``stack`` in row order, whose
        operands are that row where ``instruction`` reads ``stack`` and the same slots
        elsewhere (``h_i - c`` for every row ``h_i``); None if some row has none."""
        pattern = [slot == instruction.inputs[0] for slot in instruction.inputs]
        if any(slot in stack.slots and not same
               for slot, same in zip(instruction.inputs, pattern, strict=True)):
            return None
        members = []
        for slot in stack.slots:
            wanted = tuple(slot if same else operand
                           for operand, same in zip(instruction.inputs, pattern, strict=True))
            found = [other for other in self.consumers.get(slot, ())
                     if other.op is instruction.op and other.inputs == wanted
                     and other.output not in self.where]
            if not found:
                return None
            members.append(found[0])
        return members

    def _add_layer(self, members: list[Instruction]) -> None:
        parts = [layer_parts(self.tape, member) for member in members]
        assert all(parts), "a layer holds only affine/dot instructions with parameter weights"
        offset = self.tape.inputs
        weights = np.array([[slot - offset for slot in part[0]] for part in parts if part],
                           dtype=np.intp)
        biases = None
        if members[0].op.name == "affine":
            biases = np.array([(part[1] or 0) - offset for part in parts if part],
                              dtype=np.intp)
        step = Matmul(members, weights, biases, len(self.tape.parameters))
        inputs = parts[0][2] if parts[0] else ()
        self._add(step, (self.parameters, self._stacked(inputs)), members)

    def _stacked(self, slots: tuple[int, ...]) -> Node:
        """A node whose rows are ``slots`` in order: an existing stack, or a gather of rows."""
        node = self.where[slots[0]][0]
        if node.slots == list(slots):
            return node
        parents: list[Node] = []
        sources = []
        for slot in slots:
            source, row = self.where[slot]
            if source not in parents:
                parents.append(source)
            sources.append((parents.index(source), row))
        gathered = Node(Gather(sources), tuple(parents), slots)
        self.nodes.append(gathered)
        return gathered

    def row(self, slot: int) -> Node:
        """A node holding tape slot ``slot`` alone (shape ``(1, B)`` or ``(1, 1)``)."""
        if self.tape.inputs <= slot < self.first_instruction:
            key: tuple[int, int] = (-1, slot)
            if key not in self.rows:
                index = slot - self.tape.inputs
                step: Any = Parameter(index, len(self.tape.parameters))
                self.rows[key] = Node(step, (self.parameters,), [slot],
                                       self.tape.parameters[index].label)
                self.nodes.append(self.rows[key])
            return self.rows[key]
        stack, index = self.where[slot]
        if len(stack.slots) == 1:
            return stack
        key = (id(stack), index)
        if key not in self.rows:
            self.rows[key] = Node(Pick(index), (stack,), [slot])
            self.nodes.append(self.rows[key])
        return self.rows[key]

    def _add(self, step: Any, parents: tuple[Node, ...], members: list[Instruction]) -> None:
        label = members[0].label if len(members) == 1 else ""
        node = Node(step, parents, [member.output for member in members], label)
        self.nodes.append(node)
        for row, member in enumerate(members):
            self.where[member.output] = (node, row)


def entry_at(data: Any, member: int, row: int) -> Any:
    """Entry ``(member, row)`` of a ``(k, B)`` array that may be broadcast on either axis."""
    return data[member if data.shape[0] > 1 else 0, row if data.shape[1] > 1 else 0]
