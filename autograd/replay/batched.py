"""The batched replay: one traced example run over a whole batch at once (:meth:`Tape.vmap`).

A tape records the graph of one call, say one example's loss. Training evaluates that same
graph for every example of a batch, with the same parameters. :class:`BatchedTape` runs the
tape's Wengert list once over numpy arrays whose last axis is the batch: input ``i`` of the
traced call becomes an array of shape ``(B,)``, every parameter (a captured Value such as a
model's weight, read fresh on each call) is shared by all ``B`` rows, and every op runs the
array form of its op-table entry (``Op.array_forward`` / ``Op.array_rule``), so the maths still
lives in one place.

Stacks. A layer of neurons is ``k`` affine (or dot) instructions with parameter weights and the
same inputs; the replay runs them as one matrix product ``W @ X + b`` over the batch (a stack
of ``k`` rows, shape ``(k, B)``), and an activation applied to every row of a stack runs once
on the whole stack. Any other instruction runs on its own row, shape ``(1, B)``. The working
nodes (:class:`_Node`) have the fields the backward core reads, and the backward pass is the
engine's own :func:`autograd.core.backprop.sweep` over them: a node's ``rule`` is its op's array
rule and gradients are numpy arrays whose truth value says "some row received a gradient".

Errors are the engine's: when an array holds a non-finite number, the first such row is run
again on the op's float ``forward`` (or ``rule``), which raises exactly what ``Value`` raises,
with notes naming the tape instruction and the row. Guards (comparisons the traced function
made between Values) are checked on every row; the first row where one flips raises
:class:`~autograd.replay.tape.TapeBranchError` naming that row.

An op without an array form (a custom op registered without one) cannot be batched:
:meth:`Tape.vmap` raises ``NotImplementedError`` naming it (replay such a tape row by row
with :meth:`Tape.forward` / :meth:`Tape.compile` instead).

numpy is imported here only: ``pip install 'chainrule[batched]'``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

try:
    import numpy as np
except ImportError:  # numpy is optional: only the batched replay needs it
    raise ImportError(
        "Tape.vmap (the batched replay) needs numpy: pip install 'chainrule[batched]' "
        "(from a checkout: pip install -e '.[batched]'; or: pip install numpy)"
    ) from None

from ..core.backprop import sweep
from ..core.modes import ANOMALY_DETECTION
from ..core.numbers import is_real
from ..core.ops import Op
from ..core.ownership import LOCK
from ..core.value import checked_forward
from .program import COMPARE, Instruction, Slot, branch_error

if TYPE_CHECKING:
    from .tape import Tape

__all__ = ["BatchedTape"]

#: The dtype every replay computes in: the engine's float.
_FLOAT64 = np.dtype(np.float64)


class _Gradient(np.ndarray):
    """A gradient array. The sweep skips a node whose gradient is falsy, meaning "nothing
    reached it": here that is the float 0.0 every slot starts from, so an array (even of
    zeros) is always truthy; asking numpy whether any row is non-zero would cost more than
    the rule it could skip. A 0-d result (``gradient.all()``) keeps its ordinary truth."""

    def __bool__(self) -> bool:
        return bool(self.item()) if self.ndim == 0 else True


def _gradient(array: Any, shape: tuple[int, ...]) -> Any:
    """``array`` (or None) as a :class:`_Gradient` of exactly ``shape`` (broadcast if needed)."""
    if array is None:
        return None
    array = np.asarray(array)
    if array.shape != shape:
        array = np.broadcast_to(array, shape)
    return array.view(_Gradient)


def _finite(array: Any) -> bool:
    """Whether every number of ``array`` is finite (one reduction in the common case)."""
    return bool(np.isfinite(array.sum())) or bool(np.isfinite(array).all())


class _Node:
    """A working node of the batched replay: the fields the backward core reads.

    ``data`` is ``(k, B)`` for a stack of ``k`` tape slots (``(k, 1)`` when no row depends on
    the batch), ``(P,)`` for the parameters; ``slots`` lists the tape slot of each row.
    """

    __slots__ = ("data", "grad", "parents", "op", "label", "slots")

    def __init__(self, op: Any, parents: tuple[_Node, ...], slots: Sequence[int],
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


class _Elementwise:
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
        return tuple(_shaped(c, data, grad) for c, data in zip(contributions, inputs,
                                                                strict=False))

    def operands(self, inputs: Sequence[Any], member: int, row: int) -> list[float]:
        """The float operands of member ``member`` in batch row ``row``."""
        return [float(_at(data, member, row)) for data in inputs]


class _Reduce(_Elementwise):
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
        return (np.concatenate(parts).view(_Gradient),)

    def operands(self, inputs: Sequence[Any], member: int, row: int) -> list[float]:
        return [float(_at(data, 0, row)) for data in inputs]


def _shaped(contribution: Any, data: Any, grad: Any) -> Any:
    """A contribution as a gradient for an input holding ``data``: summed over the stack for
    an input every row of the stack shares, broadcast over the batch if needed."""
    if contribution is None:
        return None
    shape = (data.shape[0], grad.shape[1])
    if contribution.shape == shape:
        return contribution.view(_Gradient)
    if contribution.ndim == 2 and contribution.shape[0] > shape[0]:
        contribution = contribution.sum(axis=0, keepdims=True)
    return _gradient(contribution, shape)


class _Matmul:
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
        return into.view(_Gradient), (weights.T @ grad).view(_Gradient)


class _Pick:
    """One row of a stack, for an instruction that uses it alone."""

    def __init__(self, row: int) -> None:
        self.row = row
        self.title = f"row {row} of a stack"

    def forward(self, stack: Any) -> Any:
        return stack[self.row:self.row + 1]

    def rule(self, grad: Any, out: Any, stack: Any) -> tuple[Any, ...]:
        into = np.zeros((stack.shape[0], grad.shape[1]))
        into[self.row] = grad[0]
        return (into.view(_Gradient),)


class _Parameter:
    """One parameter, shared by every row: its gradient is the sum over the batch."""

    def __init__(self, index: int, count: int) -> None:
        self.index, self.count = index, count
        self.title = f"parameter {index}"

    def forward(self, parameters: Any) -> Any:
        return parameters[self.index:self.index + 1].reshape(1, 1)

    def rule(self, grad: Any, out: Any, parameters: Any) -> tuple[Any, ...]:
        into = np.zeros(self.count)
        into[self.index] = grad.sum()
        return (into.view(_Gradient),)


class _Gather:
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
        return tuple(array.view(_Gradient) for array in into)


# ---------------------------------------------------------------------------------- building


def _layer_parts(tape: Tape, instruction: Instruction) -> tuple[list[int], int | None,
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


class _Builder:
    """Turns a tape's instructions into working nodes, stacking what can run together.

    Each node is placed where the first of its instructions stood in the tape: a layer's
    instructions all read the same inputs, and an activation stack reads one row of a stack
    placed earlier, so every node still comes after the nodes it reads.
    """

    def __init__(self, tape: Tape, replay: BatchedTape) -> None:
        self.tape, self.replay = tape, replay
        self.first_instruction = tape.inputs + len(tape.parameters)
        self.inputs = _Node(None, (), range(tape.inputs), "inputs")
        self.parameters = _Node(None, (), [], "parameters")
        self.where: dict[int, tuple[_Node, int]] = {slot: (self.inputs, slot)
                                                    for slot in range(tape.inputs)}
        self.nodes: list[_Node] = []
        self.rows: dict[tuple[int, int], _Node] = {}
        self.layers: dict[tuple[str, tuple[int, ...]], list[Instruction]] = {}
        self.consumers: dict[int, list[Instruction]] = {}
        for instruction in tape.instructions:
            parts = _layer_parts(tape, instruction)
            if parts is not None:
                self.layers.setdefault((instruction.op.name, parts[2]), []).append(instruction)
            for slot in dict.fromkeys(instruction.inputs):
                self.consumers.setdefault(slot, []).append(instruction)

    def build(self) -> _Node:
        """Place every instruction; return the node holding the output alone (seeded)."""
        for instruction in self.tape.instructions:
            if instruction.output not in self.where:
                self._place(instruction)
        return self.row(self.tape.output)

    def _place(self, instruction: Instruction) -> None:
        parts = _layer_parts(self.tape, instruction)
        if parts is not None:
            self._add_layer(self.layers[(instruction.op.name, parts[2])])
            return
        stack = self.where.get(instruction.inputs[0], (None, 0))[0] if instruction.inputs else None
        if stack is not None and len(stack.slots) > 1:
            if stack.slots == list(instruction.inputs) and instruction.op.arity is None:
                self._add(_Reduce(instruction.op, [instruction], self.replay), (stack,),
                          [instruction])
                return
            members = self._stack_of(instruction, stack)
            if members is not None:
                parents = tuple(stack if slot in stack.slots else self.row(slot)
                                for slot in instruction.inputs)
                self._add(_Elementwise(instruction.op, members, self.replay), parents, members)
                return
        parents = tuple(self.row(slot) for slot in instruction.inputs)
        self._add(_Elementwise(instruction.op, [instruction], self.replay), parents,
                  [instruction])

    def _stack_of(self, instruction: Instruction, stack: _Node) -> list[Instruction] | None:
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
        parts = [_layer_parts(self.tape, member) for member in members]
        assert all(parts), "a layer holds only affine/dot instructions with parameter weights"
        offset = self.tape.inputs
        weights = np.array([[slot - offset for slot in part[0]] for part in parts if part],
                           dtype=np.intp)
        biases = None
        if members[0].op.name == "affine":
            biases = np.array([(part[1] or 0) - offset for part in parts if part],
                              dtype=np.intp)
        step = _Matmul(members, weights, biases, len(self.tape.parameters))
        inputs = parts[0][2] if parts[0] else ()
        self._add(step, (self.parameters, self._stacked(inputs)), members)

    def _stacked(self, slots: tuple[int, ...]) -> _Node:
        """A node whose rows are ``slots`` in order: an existing stack, or a gather of rows."""
        node = self.where[slots[0]][0]
        if node.slots == list(slots):
            return node
        parents: list[_Node] = []
        sources = []
        for slot in slots:
            source, row = self.where[slot]
            if source not in parents:
                parents.append(source)
            sources.append((parents.index(source), row))
        gathered = _Node(_Gather(sources), tuple(parents), slots)
        self.nodes.append(gathered)
        return gathered

    def row(self, slot: int) -> _Node:
        """A node holding tape slot ``slot`` alone (shape ``(1, B)`` or ``(1, 1)``)."""
        if self.tape.inputs <= slot < self.first_instruction:
            key: tuple[int, int] = (-1, slot)
            if key not in self.rows:
                index = slot - self.tape.inputs
                step: Any = _Parameter(index, len(self.tape.parameters))
                self.rows[key] = _Node(step, (self.parameters,), [slot],
                                       self.tape.parameters[index].label)
                self.nodes.append(self.rows[key])
            return self.rows[key]
        stack, index = self.where[slot]
        if len(stack.slots) == 1:
            return stack
        key = (id(stack), index)
        if key not in self.rows:
            self.rows[key] = _Node(_Pick(index), (stack,), [slot])
            self.nodes.append(self.rows[key])
        return self.rows[key]

    def _add(self, step: Any, parents: tuple[_Node, ...], members: list[Instruction]) -> None:
        label = members[0].label if len(members) == 1 else ""
        node = _Node(step, parents, [member.output for member in members], label)
        self.nodes.append(node)
        for row, member in enumerate(members):
            self.where[member.output] = (node, row)


# ---------------------------------------------------------------------------------- the replay


class BatchedTape:
    """A tape replayed over a batch: inputs are arrays of shape ``(B,)``, parameters shared.

    Build one with :meth:`autograd.Tape.vmap`. Every method takes one array per input of the
    traced call (any 1-D sequence of real numbers, all of the same length ``B``).

    Attributes:
        tape: the tape it replays.
        inputs: the number of inputs.
        parameters: the tape's parameters (read fresh on every call).
        latest: every result of the traced function in the latest replay, one ``(B,)`` array
            each (the first is the output).
    """

    def __init__(self, tape: Tape) -> None:
        if tape.inputs == 0:
            raise ValueError(
                "Tape.vmap: this tape has no inputs, so there is no batch to run over; trace "
                "the function with the example's numbers as inputs"
            )
        self.tape = tape
        self.inputs = tape.inputs
        self.parameters = tape.parameters
        self.latest: list[Any] = []
        self.careful = False  # rules check every contribution (see _run_both)
        builder = _Builder(tape, self)
        self._output = builder.build()
        self._nodes, self._where = builder.nodes, builder.where
        self._input_node, self._parameter_node = builder.inputs, builder.parameters
        self._place_guards()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        stacks = sum(len(node.slots) > 1 for node in self._nodes)
        return (f"<BatchedTape of {self.tape!r}: {len(self._nodes)} steps, {stacks} of them "
                "stacks>")

    # ------------------------------------------------------------------ public replays
    def forward(self, *arrays: Any) -> Any:
        """The output for every row, shape ``(B,)``.

        Raises:
            TypeError: wrong number of inputs, or an input that is not an array of reals.
            ValueError: inputs of different lengths, empty, not 1-D, or not finite.
            TapeBranchError: a recorded comparison comes out differently in some row (the
                message names the first such row).
            ValueError, ZeroDivisionError, OverflowError: an op is outside its domain or gives
                a non-finite number in some row: the engine's own error, with notes naming the
                instruction and the row.
        """
        with self._lock:
            return self._run_forward(self._batch(arrays))

    def value_and_grad(self, *arrays: Any) -> tuple[Any, tuple[Any, ...]]:
        """The output per row and its gradient with respect to each input, one ``(B,)`` array
        per input (row ``r`` of each is that row's own gradient)."""
        with self._lock:
            batch = self._batch(arrays)
            values, inputs, _ = self._run_both(batch, np.ones(batch.shape[1]))
        return values, tuple(inputs)

    def grad(self, *arrays: Any) -> tuple[Any, ...]:
        """The gradient of the output with respect to each input, per row."""
        return self.value_and_grad(*arrays)[1]

    def backward(self, *arrays: Any, grad: Any = 1.0) -> Any:
        """Replay forward and backward and add to each parameter's ``.grad`` the sum over the
        rows of ``grad * d(output)/d(parameter)``: what ``backward()`` of the summed per-row
        outputs (each scaled by ``grad``) gives. Returns the outputs, shape ``(B,)``.

        Args:
            arrays: one array per input.
            grad: the seed: a number, or one number per row (shape ``(B,)``).
        """
        values, totals = self.value_and_parameter_grad(*arrays, grad=grad)
        with LOCK:  # the parameters' grad slots are shared with backward() in other threads
            for parameter, total in zip(self.parameters, totals.tolist(), strict=True):
                if total:
                    parameter.grad += total
        return values

    def value_and_parameter_grad(self, *arrays: Any, grad: Any = 1.0) -> tuple[Any, Any]:
        """What :meth:`backward` adds, returned instead: the outputs ``(B,)`` and, for each of
        :attr:`parameters` in order, the sum over the rows of ``grad * d(output)/d(parameter)``
        (shape ``(P,)``). No ``.grad`` changes."""
        with self._lock:
            batch = self._batch(arrays)
            values, _, totals = self._run_both(batch, self._seed(grad, batch.shape[1]))
        return values, totals

    # ------------------------------------------------------------------ checking arguments
    def _batch(self, arrays: Sequence[Any]) -> Any:
        """The inputs as one ``(inputs, B)`` float array, after checking them."""
        if len(arrays) != self.inputs:
            raise TypeError(
                f"this batched tape was traced with {self.inputs} inputs, got {len(arrays)}; "
                "pass one array (one number per row) per input of the traced call"
            )
        if all(type(array) is np.ndarray and array.dtype == _FLOAT64 and array.ndim == 1
               for array in arrays):  # the common case, checked all at once
            try:
                batch = np.stack(arrays)
            except ValueError:
                batch = None  # lengths differ: said below
            if batch is not None and batch.shape[1] and np.isfinite(batch.sum()):
                return batch
        columns = [_column(array, index) for index, array in enumerate(arrays)]
        lengths = {len(column) for column in columns}
        if len(lengths) > 1:
            raise ValueError(f"batched replay: the inputs must have the same length (one number "
                             f"per row), got lengths {[len(column) for column in columns]}")
        return np.stack(columns)

    def _seed(self, grad: Any, width: int) -> Any:
        if is_real(grad):
            seed = np.full(width, float(grad))
        else:
            seed = _column(grad, "grad")
            if len(seed) != width:
                raise ValueError(f"batched backward: grad must be a number or one number per "
                                 f"row ({width}), got {len(seed)} numbers")
        if not np.isfinite(seed).all():
            raise ValueError(f"batched backward: the seed gradient must be finite, got {grad!r}")
        return seed

    # ------------------------------------------------------------------ running
    def _run_forward(self, batch: Any) -> Any:
        """Evaluate every node on ``batch`` and the parameters' current data; check guards."""
        self._width = batch.shape[1]
        self._input_node.data = batch
        self._parameter_node.data = np.fromiter(
            (parameter.data for parameter in self.parameters), float, len(self.parameters))
        with np.errstate(all="ignore"):  # non-finite numbers are found and explained below
            self._check(self._leaf_guards)
            for node, guards in zip(self._nodes, self._guards_after, strict=True):
                node.data = node.op.forward(*[parent.data for parent in node.parents])
                if isinstance(node.op, _Elementwise | _Matmul) and not _finite(node.data):
                    self._explain_forward(node)
                if guards:
                    self._check(guards)
        self.latest = [self._values(slot) for slot in self.tape.results]
        return self.latest[0]

    def _run_both(self, batch: Any, seed: Any) -> tuple[Any, list[Any], Any]:
        """The outputs, each input's gradient per row, and the parameters' summed gradients."""
        values = self._run_forward(batch)
        self.careful = ANOMALY_DETECTION.get()
        inputs, totals = self._sweep(seed)
        if not (self.careful or (_finite(inputs) and _finite(totals))):
            # Some gradient is not finite: sweep again checking every rule's contributions,
            # so a rule the engine would not run (zero gradient) or that raises is found.
            self.careful = True
            inputs, totals = self._sweep(seed)
        return values, [np.array(row) for row in inputs], totals

    def _sweep(self, seed: Any) -> tuple[Any, Any]:
        """The input gradients ``(inputs, B)`` and the parameters' summed gradients ``(P,)``."""
        for node in (*self._nodes, self._input_node, self._parameter_node):
            node.grad = 0.0
        self._output.grad = _gradient(seed.reshape(1, -1), (1, self._width))
        with np.errstate(all="ignore"):
            sweep(self._nodes)  # the engine's one chain-rule sweep, on array gradients
        inputs = self._input_node.grad
        if not isinstance(inputs, np.ndarray):
            inputs = np.zeros(self._input_node.data.shape)
        totals = self._parameter_node.grad
        if not isinstance(totals, np.ndarray):
            totals = np.zeros(len(self.parameters))
        return np.asarray(inputs), np.asarray(totals)

    def _values(self, slot: int) -> Any:
        """Tape slot ``slot`` in every row, shape ``(B,)``."""
        numbers = self._slot(slot)
        if numbers.shape != (self._width,):
            numbers = np.broadcast_to(numbers, (self._width,))
        return np.array(numbers)

    def _slot(self, slot: int) -> Any:
        """Tape slot ``slot`` as an array that broadcasts to ``(B,)``."""
        if slot in self._where:
            node, row = self._where[slot]
            return node.data[row]
        return self._parameter_node.data[slot - self.inputs]

    # ------------------------------------------------------------------ guards
    def _place_guards(self) -> None:
        """Each guard is checked right after the node computing the later of its operands."""
        position = {id(node): index for index, node in enumerate(self._nodes)}
        after: list[list[Any]] = [[] for _ in self._nodes]
        self._leaf_guards: list[Any] = []
        for guard in self.tape.guards:
            slots = [guard.left, int(guard.right)] if guard.right_is_slot else [guard.left]
            places = [position.get(id(self._where[slot][0]), -1) if slot in self._where else -1
                      for slot in slots]
            latest = max(places)
            (self._leaf_guards if latest < 0 else after[latest]).append(guard)
        self._guards_after = after

    def _check(self, guards: Sequence[Any]) -> None:
        for guard in guards:
            left: Any = np.broadcast_to(self._slot(guard.left), (self._width,))
            right: Any = (np.broadcast_to(self._slot(int(guard.right)), (self._width,))
                     if guard.right_is_slot else guard.right)
            holds = COMPARE[guard.symbol](left, right) == guard.outcome
            if not holds.all():
                row = int(np.argmin(holds))
                right_number = right[row] if guard.right_is_slot else right
                raise branch_error(guard, float(left[row]), float(right_number), row=row)

    # ------------------------------------------------------------------ errors
    def checked_rule(self, step: _Elementwise, grad: Any, out: Any, inputs: tuple[Any, ...],
                     contributions: Any) -> tuple[Any, ...]:
        """An array rule's contributions, each shaped like its input's gradient; a non-finite
        number sends its row to the float rule, which raises as the engine does."""
        if not isinstance(contributions, tuple | list) or len(contributions) != len(inputs):
            return contributions  # the sweep raises its wrong-shape error
        shaped = []
        for data, contribution in zip(inputs, contributions, strict=True):
            full = None if contribution is None else _gradient(contribution, grad.shape)
            if full is not None and not np.isfinite(full).all():
                full = self._explain_rule(step, grad, out, inputs, full)
            shaped.append(_shaped(full, data, grad))
        return tuple(shaped)

    def _explain_rule(self, step: _Elementwise, grad: Any, out: Any, inputs: tuple[Any, ...],
                      gradient: Any) -> Any:
        live = grad != 0.0  # the engine runs no rule for a row whose gradient is 0
        bad = ~np.isfinite(gradient) & live
        if not bad.any():
            return np.where(live, gradient, 0.0).view(_Gradient)
        member, row = (int(index) for index in np.argwhere(bad)[0])
        instruction = step.members[member]
        numbers = step.operands(inputs, member, row)
        try:
            instruction.op.rule(float(grad[member, row]), float(_at(out, member, row)), *numbers)
        except Exception as error:
            raise self._noted(error, instruction, row) from None
        if ANOMALY_DETECTION.get():
            anomaly = FloatingPointError(
                f"detect_anomaly: backward of {instruction.op.title} gave a non-finite "
                f"gradient at input(s) {', '.join(map(repr, numbers))}")
            raise self._noted(anomaly, instruction, row)
        return gradient

    def _explain_forward(self, node: _Node) -> None:
        """Raise the engine's error for the first non-finite number of ``node``."""
        member, row = (int(index) for index in np.argwhere(~np.isfinite(node.data))[0])
        instruction = node.op.members[member]
        operands = [self._operand(slot, row) for slot in instruction.inputs]
        try:
            number = checked_forward(instruction.op, operands)
        except Exception as error:
            raise self._noted(error, instruction, row) from None
        disagreement = FloatingPointError(
            f"batched replay: the array form of {instruction.op.title} gave "
            f"{float(node.data[member, row])!r} where its float forward gives {number!r}")
        raise self._noted(disagreement, instruction, row)

    def _operand(self, slot: int, row: int) -> Any:
        """Tape slot ``slot`` in row ``row`` as a labelled float node (for ``checked_forward``)."""
        tape = self.tape
        first = tape.inputs + len(tape.parameters)
        if slot < tape.inputs:
            label = tape.input_labels[slot]
        elif slot < first:
            label = tape.parameters[slot - tape.inputs].label
        else:
            label = tape.instructions[slot - first].label
        operand = Slot(None, (), label, f"v{slot}")
        operand.data = float(np.broadcast_to(self._slot(slot), (self._width,))[row])
        return operand

    def _noted(self, error: BaseException, instruction: Instruction, row: int) -> BaseException:
        error.add_note(f"in row {row} of the batch, at tape instruction "
                       f"{self.tape._line(instruction.output)}")
        return error


def _at(data: Any, member: int, row: int) -> Any:
    """Entry ``(member, row)`` of a ``(k, B)`` array that may be broadcast on either axis."""
    return data[member if data.shape[0] > 1 else 0, row if data.shape[1] > 1 else 0]


def _column(array: Any, index: int | str) -> Any:
    """Input ``index`` of a batched replay as a 1-D float64 array, after checking it.

    The replay computes in float64, as the engine does (a Python float), whatever the input's
    dtype: float32 or float16 numbers would otherwise be computed in their own precision, some
    1e-8 to 1e-4 away from the engine, and overflow where the engine does not. Integers and
    lower-precision floats are converted (exactly, or for integers past 2**53 rounded as
    ``Value(int)`` rounds them); a dtype that float64 cannot hold (longdouble, complex, object,
    bool, text) is refused rather than rounded or guessed.
    """
    name = f"input {index}" if isinstance(index, int) else index
    if isinstance(array, str | bytes):
        raise TypeError(f"batched replay: {name} must be an array of real numbers, got "
                        f"{type(array).__name__} {array!r}")
    column = np.asarray(array)
    dtype = column.dtype
    if dtype.kind not in "iuf" or (dtype.kind == "f" and dtype.itemsize > _FLOAT64.itemsize):
        why = ("more precise than float64, so converting it would round"
               if dtype.kind == "f" else "not an array of real numbers")
        raise TypeError(
            f"batched replay: {name} is an array of dtype {dtype}, {why}; the replay computes "
            "in float64, as the engine does: convert the numbers yourself if that is what you "
            "mean (numpy.asarray(x, dtype=numpy.float64))")
    if column.ndim != 1 or column.size == 0:
        raise ValueError(f"batched replay: {name} must be a non-empty 1-D array (one number "
                         f"per row), got shape {column.shape}")
    column = column.astype(_FLOAT64)
    finite = np.isfinite(column)
    if not finite.all():
        row = int(np.argmin(finite))
        raise ValueError(f"batched replay: {name} must be finite, got {float(column[row])!r} in "
                         f"row {row}")
    return column
