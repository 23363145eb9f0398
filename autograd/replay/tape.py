"""The tape: one call's graph flattened into a Wengert list, replayed on plain floats.

Reverse mode is classically taught as a *tape*: run the function once, write down every
elementary operation in order (``v7 = v3 * v5``), then walk the list backwards applying the chain
rule. :func:`trace` does exactly that with the graph a call of ``f`` builds, and the resulting
:class:`Tape` can be printed (the numbered list a learner reads) and replayed forward and backward
for new inputs and new parameter values, with no ``Value`` objects at all: every instruction runs
the op table's float ``forward`` and ``rule``, so the tape can never disagree with the engine.

Slots. ``v0 ... v(k-1)`` are the inputs ``f`` received (the example inputs, in order). Next come
the *parameters*: every other leaf the graph reached (model weights captured by ``f``, and the
constants ``f`` made, such as the ``1`` of ``1 - y``). A replay reads each parameter's current
``.data``, so a training loop that updates ``p.data`` replays correctly, and
:meth:`Tape.backward` accumulates into the parameters' ``.grad`` just like ``Value.backward``.
Then one slot per instruction.

When is a replay valid? A tape records one path through ``f``. It stays valid for new numbers as
long as ``f`` would build the same graph for them. Two kinds of data-dependent choice differ:

- *Op-internal branches* (``relu``, ``abs``, ``leaky_relu``, ``maximum``, ``minimum``) are part of
  an op: the replay runs the op's own forward and rule on the new numbers, so it takes the other
  side of the kink by itself. No guard is needed; the replay is exact.
- *Control flow in Python* changes which ops are recorded. The engine sees the part of it that
  compares Values (``a < b``, and therefore Python's ``max``/``min``/``sorted`` over Values, as in
  max-pooling): every such comparison is recorded as a *guard*, printed as ``assert v3 > v5``,
  and checked on every replay; a replay where a recorded outcome no longer holds raises
  :class:`TapeBranchError`. A choice made on a number read out of a Value would be invisible to
  the tape, so reading one is refused inside the traced function (see below); a choice made on
  anything else (a global setting, the length of a list) is fixed when the tape is traced.

Numbers frozen out of the graph. Inside the traced function, ``float(v)``, ``v.detach()``, an op
under ``no_grad()`` and reading ``v.data`` raise ``TypeError``: each turns a number that depends
on the inputs or parameters into a constant, and every replay would silently reuse the traced
number (``x * x.data`` traced at 2 would replay as ``2 * x``). See :func:`refusing_data_reads`
for how ``.data`` is watched without slowing the engine down.

:meth:`Tape.compile` generates one straight-line Python function for the forward and backward
sweeps (the source is kept in ``.source`` for reading); it skips the interpreter's per-instruction
dispatch and is the fastest way to run a fixed-shape training step.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from ..core.backprop import sweep, topological_order
from ..core.modes import ANOMALY_DETECTION, GRAD_ENABLED, TRACING
from ..core.naming import expression
from ..core.numbers import require_finite
from ..core.ops import Op
from ..core.ownership import LOCK
from ..core.value import COMPARISONS, Number, Value, checked_forward, frozen_number_error
from .program import COMPARE, Guard, Instruction, Slot, TapeBranchError, branch_error

if TYPE_CHECKING:
    from .batched import BatchedTape

__all__ = ["CompiledTape", "Guard", "Instruction", "Tape", "TapeBranchError", "trace"]


def trace(
    f: Callable[..., Value | Sequence[Value]], *example_inputs: Value | Number
) -> Tape:
    """Call ``f(*example_inputs)`` once and flatten the graph it builds into a :class:`Tape`.

    Args:
        f: a function of scalars returning one Value (a loss, say), or a list of Values whose
            first is the one differentiated (the others, such as a model's outputs, are only
            evaluated: see :attr:`Tape.latest`). It may read Values it captured, such as a
            model's weights: those become the tape's parameters.
        example_inputs: numbers or Values; numbers are turned into fresh leaves. Each becomes an
            input slot of the tape, in order.

    Returns:
        The tape. Replaying it is valid while ``f`` builds the same graph (see the module
        docstring); comparisons between Values made by ``f`` are checked on every replay.

    Raises:
        TypeError: ``f`` did not return a Value, an input is not a number or Value, or ``f``
            took a number out of the graph (read ``v.data``, called ``float(v)`` or
            ``v.detach()``, or ran an op inside ``no_grad()``): a replay would reuse it.
        ValueError: the same Value is given as two inputs.
    """
    inputs = [
        item if isinstance(item, Value) else Value(_input_number(item, index, "trace"))
        for index, item in enumerate(example_inputs)
    ]
    seen: set[int] = set()
    for index, item in enumerate(inputs):
        if id(item) in seen:
            raise ValueError(
                f"trace: input {index} is the same Value as an earlier input; each input slot "
                "needs its own Value (pass numbers, or distinct Values)"
            )
        seen.add(id(item))
    comparisons: list[tuple[str, Value, Any, bool]] = []
    recording = GRAD_ENABLED.set(True)
    logging = COMPARISONS.set(comparisons)
    tracing = TRACING.set(True)
    try:
        with refusing_data_reads():
            output = f(*inputs)
    finally:
        TRACING.reset(tracing)
        COMPARISONS.reset(logging)
        GRAD_ENABLED.reset(recording)
    results: list[Any] = list(output) if isinstance(output, list | tuple) else [output]
    if not results or not all(isinstance(result, Value) for result in results):
        raise TypeError(
            f"trace: f must return a Value (or a list of Values), got {type(output).__name__} "
            f"{output!r}; return the loss Value itself, not its .data"
        )
    return Tape(inputs, results, comparisons)


# ------------------------------------------------------------------------------ .data while tracing

#: The storage of ``Value.data``: the member descriptor ``__slots__`` made for it.
_DATA_SLOT: Any = Value.__dict__["data"]
#: The packages whose code may read ``.data`` while tracing: the library's own reads are checks
#: and messages (a domain check, ``repr``), never a number computed with, and the library's
#: one deliberate exception (``nn.SyntheticGradient``'s constant input) is documented there.
_LIBRARY = frozenset({"autograd", "nn"})
_data_guard_lock = threading.Lock()
_tracers = 0  # how many traces are running, in every thread


class _DataWhileTracing:
    """``Value.data`` while some thread traces: reads from outside the library are refused in
    a context that is tracing; every other read and every write goes to the slot unchanged."""

    __slots__ = ()

    def __get__(self, node: Value | None, owner: type | None = None) -> Any:
        if node is None:
            return self
        if TRACING.get():
            caller = sys._getframe(1).f_globals.get("__name__", "")
            if caller.partition(".")[0] not in _LIBRARY:
                error = frozen_number_error("value.data", node)
                error.add_note("read .data after trace() returns (a replay's results are in "
                               "tape.latest), or write x * x for x * x.data")
                raise error
        return _DATA_SLOT.__get__(node, owner)

    def __set__(self, node: Value, number: float) -> None:
        _DATA_SLOT.__set__(node, number)

    def __delete__(self, node: Value) -> None:
        _DATA_SLOT.__delete__(node)


@contextmanager
def refusing_data_reads() -> Iterator[None]:
    """While the block runs, reading ``v.data`` from outside the library raises ``TypeError``
    in a context where a tape is being traced (``TRACING``); nothing changes anywhere else.

    Why this way. ``data`` is a slot of :class:`Value`, read by the engine's hottest code
    (every recorder reads its operands' ``data``): a check inside ``Value`` would cost every
    op of every program. Instead, while at least one trace runs in the process, the class's
    ``data`` attribute is this module's descriptor: it asks whether the reader's context is
    tracing (a context variable, so other threads and tasks are unaffected) and whether the
    reading code belongs to the library (``autograd``, ``nn``), whose own reads are checks and
    messages, and otherwise raises the same error as ``float(v)`` inside a traced function.
    When the last trace ends, the slot's own descriptor is put back, so a program that does not
    trace runs exactly as before and a tracing one pays only while it traces. Reads of
    Values the traced function did not make (a captured weight) are refused too: the replay
    reads a parameter's current number into its slot, but a number read out of it inside the
    function would stay the traced one.
    """
    global _tracers
    with _data_guard_lock:
        if _tracers == 0:
            type.__setattr__(Value, "data", _DATA_WHILE_TRACING)
        _tracers += 1
    try:
        yield
    finally:
        with _data_guard_lock:
            _tracers -= 1
            if _tracers == 0:
                type.__setattr__(Value, "data", _DATA_SLOT)


_DATA_WHILE_TRACING = _DataWhileTracing()


def _input_number(item: Any, index: int, where: str) -> float:
    """Input ``index`` of a trace or replay as a finite float (numpy scalars are numbers too)."""
    return require_finite(f"{where}: input {index}", item,
                          kind="a real number (or a Value when tracing)", too_large=ValueError)


class Tape:
    """A Wengert list: inputs, parameters, numbered instructions, guards and the output slot.

    Build one with :func:`trace`. ``print(tape)`` shows the list; :meth:`forward`,
    :meth:`grad`, :meth:`value_and_grad` and :meth:`backward` replay it on floats.

    Attributes:
        inputs: the number of input slots (``v0`` to ``v{inputs-1}``).
        parameters: the captured leaves, in slot order after the inputs.
        instructions: the list, in an order where every input of a line is computed before it.
        guards: the comparisons checked on replay.
        output: the slot of the result (the first one when ``f`` returned several).
        results: the slots of every Value ``f`` returned.
        latest: the values of every result in the latest replay.
    """

    def __init__(
        self,
        inputs: list[Value],
        outputs: list[Value],
        comparisons: list[tuple[str, Value, Any, bool]],
    ) -> None:
        compared = [node for _, left, right, _ in comparisons for node in (left, right)
                    if isinstance(node, Value)]
        # The one traversal of the engine, stopping at the inputs (which may be interior nodes).
        nodes = topological_order([*outputs, *compared], include_leaves=True, boundary=inputs)
        is_input = {id(node) for node in inputs}
        self.inputs = len(inputs)
        self.input_labels = [node.label for node in inputs]
        self.parameters: list[Value] = [
            node for node in nodes
            if (not node.parents or node.op is None) and id(node) not in is_input
        ]
        interior = [node for node in nodes if node.parents and id(node) not in is_input]
        slots: dict[Value, int] = {}
        for node in [*inputs, *self.parameters, *interior]:
            slots[node] = len(slots)
        self.instructions = [
            Instruction(node.op, slots[node], tuple(slots[p] for p in node.parents), node.label)
            for node in interior
            if node.op is not None
        ]
        self.size = len(slots)
        self.results = [slots[output] for output in outputs]
        self.output = self.results[0]
        self.latest: list[float] = [output.data for output in outputs]
        self.guards = [
            Guard(symbol, slots[left],
                  float(slots[right]) if isinstance(right, Value) else float(right),
                  isinstance(right, Value), outcome)
            for symbol, left, right, outcome in comparisons
        ]
        self._lock = threading.Lock()
        self._build_slots()

    # ------------------------------------------------------------------ building
    def _build_slots(self) -> None:
        """One working slot per tape slot, and each instruction's guards (see :class:`Slot`).

        Each guard rides on the instruction computing the later of its operands (guards on
        leaves alone are checked before the first instruction).
        """
        first = self.inputs + len(self.parameters)
        slots = [Slot(None, (), label, f"v{index}")
                 for index, label in enumerate(self.input_labels)]
        slots += [Slot(None, (), parameter.label, f"v{self.inputs + index}")
                  for index, parameter in enumerate(self.parameters)]
        for instruction in self.instructions:
            parents = tuple(slots[slot] for slot in instruction.inputs)
            slots.append(Slot(instruction.op, parents, instruction.label,
                               f"tape instruction {self.line(instruction.output)}"))
        self._slots = slots
        self._interior = slots[first:]
        placed = self._guards_by_slot()
        self._leaf_guards = [guard for slot, guards in placed.items() if slot < first
                             for guard in guards]
        self._guards_after = [tuple(placed.get(instruction.output, ()))
                              for instruction in self.instructions]

    def _guards_by_slot(self) -> dict[int, list[Guard]]:
        placed: dict[int, list[Guard]] = {}
        for guard in self.guards:
            needed = max(guard.left, int(guard.right) if guard.right_is_slot else 0)
            placed.setdefault(needed, []).append(guard)
        return placed

    # ------------------------------------------------------------------ presentation
    def __len__(self) -> int:
        return len(self.instructions)

    def __repr__(self) -> str:
        return (
            f"<Tape: {self.inputs} inputs, {len(self.parameters)} parameters, "
            f"{len(self.instructions)} instructions, {len(self.guards)} guards>"
        )

    def __str__(self) -> str:
        """The numbered Wengert list, one instruction per line, ending with ``return``."""
        lines = []
        for index, label in enumerate(self.input_labels):
            lines.append(f"v{index} = input[{index}]" + (f"  # {label}" if label else ""))
        for index, parameter in enumerate(self.parameters):
            name = f"{parameter.label} = " if parameter.label else ""
            lines.append(f"v{self.inputs + index} = parameter[{index}]  # {name}{parameter.data!r}")
        placed = self._guards_by_slot()
        first = self.inputs + len(self.parameters)
        lines.extend(g.text() for slot, gs in placed.items() if slot < first for g in gs)
        for instruction in self.instructions:
            line = f"v{instruction.output} = {_expression(instruction)}"
            lines.append(line + (f"  # {instruction.label}" if instruction.label else ""))
            lines.extend(guard.text() for guard in placed.get(instruction.output, ()))
        lines.append("return " + ", ".join(f"v{slot}" for slot in self.results))
        return "\n".join(lines)

    # ------------------------------------------------------------------ replay
    def forward(self, *inputs: Number) -> float:
        """The output for new ``inputs`` and the parameters' current data.

        Raises:
            TypeError: the number of inputs is not the number traced.
            TapeBranchError: a recorded comparison comes out differently.
            ValueError, ZeroDivisionError, OverflowError: an op is outside its domain or gives
                a non-finite number, exactly where the engine would raise; a note names the
                instruction.
        """
        with self._lock:
            return self._run_forward(self._input_numbers(inputs), self._parameter_numbers())

    def value_and_grad(self, *inputs: Number) -> tuple[float, tuple[float, ...]]:
        """The output and its gradient with respect to each input, replayed on floats."""
        with self._lock:
            value, gradients = self._run_both(
                self._input_numbers(inputs), self._parameter_numbers(), 1.0
            )
        return value, tuple(gradients[: self.inputs])

    def grad(self, *inputs: Number) -> tuple[float, ...]:
        """The gradient of the output with respect to each input, replayed on floats."""
        return self.value_and_grad(*inputs)[1]

    def backward(self, *inputs: Number, grad: float = 1.0) -> float:
        """Replay forward and backward, add d(output)/d(parameter) to each parameter's ``.grad``
        (as ``Value.backward`` does for leaves) and return the output.

        This is a training step's gradient without building a graph: call the model's
        ``zero_grad()`` first, then the optimiser's ``step()``.
        """
        with self._lock:
            value, gradients = self._run_both(
                self._input_numbers(inputs), self._parameter_numbers(), float(grad)
            )
        with LOCK:  # the parameters' slots are shared with backward() in other threads
            for parameter, gradient in zip(self.parameters, gradients[self.inputs:],
                                           strict=True):
                if gradient:
                    parameter.grad += gradient
        return value

    def compile(self) -> CompiledTape:
        """This tape as generated straight-line Python (see :class:`CompiledTape`)."""
        return CompiledTape(self)

    def vmap(self) -> BatchedTape:
        """This tape replayed over a batch of rows at once (see :mod:`autograd.replay.batched`).

        Raises:
            ImportError: numpy is not installed (``pip install 'chainrule[batched]'``, from a
                checkout ``pip install -e '.[batched]'``).
            NotImplementedError: an op of the tape has no array form.
        """
        from .batched import BatchedTape

        return BatchedTape(self)

    # ------------------------------------------------------------------ the interpreter
    def _input_numbers(self, inputs: Sequence[Number]) -> list[float]:
        if len(inputs) != self.inputs:
            raise TypeError(
                f"this tape was traced with {self.inputs} inputs, got {len(inputs)}; "
                "pass one number per input of the traced call"
            )
        return [_input_number(item, index, "replay") for index, item in enumerate(inputs)]

    def _parameter_numbers(self) -> list[float]:
        return [parameter.data for parameter in self.parameters]

    def _check(self, guards: Sequence[Guard]) -> None:
        slots = self._slots
        for guard in guards:
            left = slots[guard.left].data
            right = slots[int(guard.right)].data if guard.right_is_slot else guard.right
            if COMPARE[guard.symbol](left, right) != guard.outcome:
                raise branch_error(guard, left, right)

    def _run_forward(self, inputs: list[float], parameters: list[float]) -> float:
        """Write the inputs and parameters into the slots and evaluate every instruction.

        Each instruction runs its op's float forward and is checked as the engine checks a new
        node (:func:`autograd.core.value.checked_forward`): a domain error or a non-finite
        result raises here, with a note naming the instruction.
        """
        for slot, number in zip(self._slots, inputs + parameters, strict=False):
            slot.data = number
        if self._leaf_guards:
            self._check(self._leaf_guards)
        for slot, guards in zip(self._interior, self._guards_after, strict=True):
            try:
                slot.data = checked_forward(slot.op, slot.parents)  # type: ignore[arg-type]
            except Exception as error:
                error.add_note(slot.context)
                raise
            if guards:
                self._check(guards)
        self.latest = [self._slots[slot].data for slot in self.results]
        return self.latest[0]

    def _run_both(
        self, inputs: list[float], parameters: list[float], seed: float
    ) -> tuple[float, list[float]]:
        """The output and the gradients of every leaf slot (inputs, then parameters).

        The forward is always the interpreter's (never a subclass's): the sweep reads the
        numbers it writes into the slots.
        """
        value = Tape._run_forward(self, inputs, parameters)
        for slot in self._slots:
            slot.grad = 0.0
        self._slots[self.output].grad = seed
        sweep(self._interior, check_finite=ANOMALY_DETECTION.get())
        first = self.inputs + len(self.parameters)
        return value, [slot.grad for slot in self._slots[:first]]

    def line(self, slot: int) -> str:
        """Slot ``slot`` as the printout names it: ``v3``, or ``v7 = v3 * v5`` for an instruction
        (what an error note says the failing instruction is)."""
        first = self.inputs + len(self.parameters)
        if slot < first:
            return f"v{slot}"
        return f"v{slot} = {_expression(self.instructions[slot - first])}"


class _Written(NamedTuple):
    """An instruction as :func:`autograd.core.naming.expression` reads a node: its op and inputs."""

    op: Op
    parents: tuple[int, ...]


def _expression(instruction: Instruction) -> str:
    """The right-hand side of an instruction as it prints: ``v3 * v5``, ``tanh(v4)``."""
    names = {slot: f"v{slot}" for slot in instruction.inputs}
    return expression(_Written(instruction.op, instruction.inputs), names)


# ------------------------------------------------------------------------------ code generation


class CompiledTape(Tape):
    """A tape turned into one generated Python function per sweep.

    Every instruction becomes one line of straight-line code on local variables that calls the
    op table's own float ``forward`` (``v7 = _f3(v3, v5)``), and the backward lines call the
    table's own ``rule`` and add its contributions (``_a, _b = _r3(g7, v7, v3, v5)``), so the
    generated code cannot restate an op differently from the table. Guards become ``if`` tests
    that raise :class:`TapeBranchError`; constants (including inf and nan) reach the code
    through its namespace, never through their ``repr``. Lines never nest, so a neuron with
    thousands of inputs compiles. There is no per-instruction dispatch, so this is the fastest
    replay; generating and compiling the code costs about as much as a few replays, so it pays
    off for a step run many times.

    Errors: when the generated code raises, or produces a number that is not finite, the same
    replay is run again by the interpreter (:class:`Tape`), which raises exactly the engine's
    error with a note naming the instruction. Inside ``detect_anomaly()`` the interpreter runs
    directly, since it checks every gradient.

    Attributes:
        source: the generated Python source, for reading.
    """

    def __init__(self, tape: Tape) -> None:  # noqa: D107 - shares the traced tape's lists
        self.__dict__.update(tape.__dict__)
        self._lock = threading.Lock()
        self._build_slots()  # working slots of its own: the traced tape has another lock
        namespace: dict[str, Any] = {"_branch": self._raise_branch}
        self.source = _generate(self, namespace)
        code = compile(self.source, f"<compiled tape {id(self):x}>", "exec")
        exec(code, namespace)  # noqa: S102 - our own generated source
        self._compiled_forward = namespace["forward"]
        self._compiled_both = namespace["both"]

    def _raise_branch(self, index: int, left: float, right: float) -> TapeBranchError:
        return branch_error(self.guards[index], left, right)

    def _run_forward(self, inputs: list[float], parameters: list[float]) -> float:
        try:
            latest, interior = self._compiled_forward(inputs, parameters)
        except TapeBranchError:
            raise
        except Exception:
            return Tape._run_forward(self, inputs, parameters)  # raises the engine's error
        if not _finite(interior):
            return Tape._run_forward(self, inputs, parameters)
        self.latest = latest
        return latest[0]

    def _run_both(
        self, inputs: list[float], parameters: list[float], seed: float
    ) -> tuple[float, list[float]]:
        if ANOMALY_DETECTION.get():
            return Tape._run_both(self, inputs, parameters, seed)
        try:
            latest, interior, gradients = self._compiled_both(inputs, parameters, seed)
        except TapeBranchError:
            raise
        except Exception:
            return Tape._run_both(self, inputs, parameters, seed)
        if not _finite(interior):
            return Tape._run_both(self, inputs, parameters, seed)
        self.latest = latest
        return latest[0], gradients


def _finite(numbers: list[float]) -> bool:
    """Whether every number is finite; a sum that overflows only sends the caller to the exact
    interpreter, which then decides."""
    total = sum(numbers, 0.0)
    return total - total == 0.0


def _generate(tape: Tape, namespace: dict[str, Any]) -> str:
    """The source of ``forward(x, p)`` and ``both(x, p, seed)`` for ``tape``."""
    first = tape.inputs + len(tape.parameters)
    body = []
    if tape.inputs:
        body.append(f"({', '.join(f'v{slot}' for slot in range(tape.inputs))},) = x")
    if tape.parameters:
        body.append(f"({', '.join(f'v{slot}' for slot in range(tape.inputs, first))},) = p")
    body += _guard_lines(tape, tape._leaf_guards, namespace)
    for index, instruction in enumerate(tape.instructions):
        namespace[f"_f{index}"] = instruction.op.forward
        arguments = ", ".join(f"v{slot}" for slot in instruction.inputs)
        body.append(f"v{instruction.output} = _f{index}({arguments})")
        body += _guard_lines(tape, tape._guards_after[index], namespace)
    results = "[" + ", ".join(f"v{slot}" for slot in tape.results) + "]"
    interior = "[" + ", ".join(f"v{slot}" for slot in range(first, tape.size)) + "]"
    backward = [f"g{slot} = 0.0" for slot in range(tape.size)]
    backward.append(f"g{tape.output} = seed")
    for index in reversed(range(len(tape.instructions))):
        backward += _backward_lines(tape.instructions[index], index, namespace)
    leaf_grads = ", ".join(f"g{slot}" for slot in range(first))
    indent = "    "
    return "\n".join([
        "def forward(x, p):", *(indent + line for line in body),
        f"{indent}return {results}, {interior}", "",
        "def both(x, p, seed):", *(indent + line for line in body + backward),
        f"{indent}return {results}, {interior}, [{leaf_grads}]", "",
    ])


def _guard_lines(tape: Tape, guards: Sequence[Guard], namespace: dict[str, Any]) -> list[str]:
    """``if`` tests raising TapeBranchError; constants are passed through ``namespace``."""
    lines = []
    for guard in guards:
        index = tape.guards.index(guard)
        if guard.right_is_slot:
            right = f"v{int(guard.right)}"
        else:
            right = f"_k{index}"
            namespace[right] = guard.right
        test = f"v{guard.left} {guard.symbol} {right}"
        condition = f"not ({test})" if guard.outcome else test
        lines.append(f"if {condition}: raise _branch({index}, v{guard.left}, {right})")
    return lines


def _backward_lines(instruction: Instruction, index: int, namespace: dict[str, Any]) -> list[str]:
    """Call the instruction's rule from the op table and add each contribution (if not 0/None).

    Unpacking into one name per input checks the count, as the engine's sweep does.
    """
    namespace[f"_r{index}"] = instruction.op.rule
    g = f"g{instruction.output}"
    operands = ", ".join(f"v{slot}" for slot in instruction.inputs)
    names = [f"_c{position}" for position in range(len(instruction.inputs))]
    lines = [f"if {g}:", f"    ({', '.join(names)},) = _r{index}({g}, v{instruction.output}, "
             f"{operands})"]
    for name, slot in zip(names, instruction.inputs, strict=True):
        lines.append(f"    if {name}: g{slot} += {name}")
    return lines
