"""The batched replay: one traced example run over a whole batch at once (:meth:`Tape.vmap`).

A tape records the graph of one call, say one example's loss. Training evaluates that same
graph for every example of a batch, with the same parameters. :class:`BatchedTape` runs the
tape's Wengert list once over numpy arrays whose last axis is the batch: input ``i`` of the
traced call becomes an array of shape ``(B,)``, every parameter (a captured Value such as a
model's weight, read fresh on each call) is shared by all ``B`` rows, and every op runs the
array form of its op-table entry (``Op.array_forward`` / ``Op.array_rule``), so the maths still
lives in one place.

Stacks. A layer of neurons is ``k`` affine (or dot) instructions with parameter weights and the
same inputs; the replay runs them as one matrix product ``W @ X + b`` over the batch (a stack of
``k`` rows, shape ``(k, B)``), and an activation applied to every row of a stack runs once on
the whole stack. Any other instruction runs on its own row, shape ``(1, B)``. The working nodes
(:mod:`autograd.replay.batched_nodes`, which builds them) have the fields the backward core
reads, and the backward pass is the engine's own :func:`autograd.core.backprop.sweep` over them:
a node's ``rule`` is its op's array rule and gradients are numpy arrays whose truth value says
"some row received a gradient".

Errors are the engine's: when an array holds a non-finite number, the first such row is run
again on the op's float ``forward`` (or ``rule``), which raises exactly what ``Value`` raises,
with notes naming the tape instruction and the row. Guards (comparisons the traced function
made between Values) are checked on every row; the first row where one flips raises
:class:`~autograd.replay.tape.TapeBranchError` naming that row.

An op without an array form (a custom op registered without one) cannot be batched:
:meth:`Tape.vmap` raises ``NotImplementedError`` naming it (replay such a tape row by row
with :meth:`Tape.forward` / :meth:`Tape.compile` instead).

numpy is imported by :mod:`autograd.replay.batched_nodes` (which says what to install when it is
missing: ``pip install 'chainrule[batched]'``, from a checkout ``pip install -e '.[batched]'``)
and used here through it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..core.backprop import sweep
from ..core.modes import ANOMALY_DETECTION
from ..core.numbers import is_real
from ..core.ownership import LOCK
from ..core.value import checked_forward
from .batched_nodes import (
    Builder,
    Elementwise,
    Gradient,
    Matmul,
    Node,
    all_finite,
    as_gradient,
    entry_at,
    input_gradient,
    np,
)
from .program import COMPARE, Instruction, Slot, branch_error

if TYPE_CHECKING:
    from .tape import Tape

__all__ = ["BatchedTape"]

#: The dtype every replay computes in: the engine's float.
_FLOAT64 = np.dtype(np.float64)


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
        builder = Builder(tape, self)
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
                if isinstance(node.op, Elementwise | Matmul) and not all_finite(node.data):
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
        if not (self.careful or (all_finite(inputs) and all_finite(totals))):
            # Some gradient is not finite: sweep again checking every rule's contributions,
            # so a rule the engine would not run (zero gradient) or that raises is found.
            self.careful = True
            inputs, totals = self._sweep(seed)
        return values, [np.array(row) for row in inputs], totals

    def _sweep(self, seed: Any) -> tuple[Any, Any]:
        """The input gradients ``(inputs, B)`` and the parameters' summed gradients ``(P,)``."""
        for node in (*self._nodes, self._input_node, self._parameter_node):
            node.grad = 0.0
        self._output.grad = as_gradient(seed.reshape(1, -1), (1, self._width))
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
    def checked_rule(self, step: Elementwise, grad: Any, out: Any, inputs: tuple[Any, ...],
                     contributions: Any) -> tuple[Any, ...]:
        """An array rule's contributions, each shaped like its input's gradient; a non-finite
        number sends its row to the float rule, which raises as the engine does."""
        if not isinstance(contributions, tuple | list) or len(contributions) != len(inputs):
            return contributions  # the sweep raises its wrong-shape error
        shaped = []
        for data, contribution in zip(inputs, contributions, strict=True):
            full = None if contribution is None else as_gradient(contribution, grad.shape)
            if full is not None and not np.isfinite(full).all():
                full = self._explain_rule(step, grad, out, inputs, full)
            shaped.append(input_gradient(full, data, grad))
        return tuple(shaped)

    def _explain_rule(self, step: Elementwise, grad: Any, out: Any, inputs: tuple[Any, ...],
                      gradient: Any) -> Any:
        live = grad != 0.0  # the engine runs no rule for a row whose gradient is 0
        bad = ~np.isfinite(gradient) & live
        if not bad.any():
            return np.where(live, gradient, 0.0).view(Gradient)
        member, row = (int(index) for index in np.argwhere(bad)[0])
        instruction = step.members[member]
        numbers = step.operands(inputs, member, row)
        try:
            instruction.op.rule(float(grad[member, row]), float(entry_at(out, member, row)),
                                *numbers)
        except Exception as error:
            raise self._noted(error, instruction, row) from None
        if ANOMALY_DETECTION.get():
            anomaly = FloatingPointError(
                f"detect_anomaly: backward of {instruction.op.title} gave a non-finite "
                f"gradient at input(s) {', '.join(map(repr, numbers))}")
            raise self._noted(anomaly, instruction, row)
        return gradient

    def _explain_forward(self, node: Node) -> None:
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
                       f"{self.tape.line(instruction.output)}")
        return error


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
