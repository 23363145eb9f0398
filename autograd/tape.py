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
  :class:`TapeBranchError`. Choices made on ``value.data`` or ``float(value)`` are invisible to
  the engine: a function that branches on them must be traced again when the branch changes.

:meth:`Tape.compile` generates one straight-line Python function for the forward and backward
sweeps (the source is kept in ``.source`` for reading); it skips the interpreter's per-instruction
dispatch and is the fastest way to run a fixed-shape training step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from .mode import GRAD_ENABLED
from .ops import Op
from .value import COMPARISONS, Number, Value

__all__ = ["CompiledTape", "Guard", "Instruction", "Tape", "TapeBranchError", "trace"]


class TapeBranchError(RuntimeError):
    """A replay reached a comparison whose recorded outcome no longer holds.

    The traced function would take another path for these numbers, so the tape does not
    describe it: trace the function again, or use ``autograd.maximum``/``minimum`` (ops the tape
    replays exactly) instead of comparing Values in Python.
    """


@dataclass(frozen=True)
class Instruction:
    """One line of the Wengert list: ``v[output] = op(v[inputs[0]], ...)``."""

    op: Op
    output: int
    inputs: tuple[int, ...]
    label: str = ""


@dataclass(frozen=True)
class Guard:
    """A comparison made while tracing: ``left symbol right`` was ``outcome``.

    ``right`` is a slot number when ``right_is_slot``, otherwise the constant compared with.
    """

    symbol: str
    left: int
    right: float
    right_is_slot: bool
    outcome: bool

    def holds(self, values: Sequence[float]) -> bool:
        """Whether the comparison gives the recorded outcome on ``values``."""
        right = values[int(self.right)] if self.right_is_slot else self.right
        return _COMPARE[self.symbol](values[self.left], right) == self.outcome

    def text(self) -> str:
        """The guard as it prints: ``assert v3 > v5`` or ``assert not v3 > v5``."""
        right = f"v{int(self.right)}" if self.right_is_slot else repr(self.right)
        test = f"v{self.left} {self.symbol} {right}"
        return f"assert {test}" if self.outcome else f"assert not {test}"


_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}

_INFIX = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "powv": "**"}


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
        TypeError: ``f`` did not return a Value, or an input is not a number or Value.
        ValueError: the same Value is given as two inputs.
    """
    inputs = [
        item if isinstance(item, Value) else Value(_number(item, index))
        for index, item in enumerate(example_inputs)
    ]
    for index, item in enumerate(inputs):
        if any(item is earlier for earlier in inputs[:index]):
            raise ValueError(
                f"trace: input {index} is the same Value as an earlier input; each input slot "
                "needs its own Value (pass numbers, or distinct Values)"
            )
    comparisons: list[tuple[str, Value, Any, bool]] = []
    recording = GRAD_ENABLED.set(True)
    logging = COMPARISONS.set(comparisons)
    try:
        output = f(*inputs)
    finally:
        COMPARISONS.reset(logging)
        GRAD_ENABLED.reset(recording)
    results: list[Any] = list(output) if isinstance(output, list | tuple) else [output]
    if not results or not all(isinstance(result, Value) for result in results):
        raise TypeError(
            f"trace: f must return a Value (or a list of Values), got {type(output).__name__} "
            f"{output!r}; return the loss Value itself, not its .data"
        )
    return Tape(inputs, results, comparisons)


def _number(item: Any, index: int) -> float:
    if isinstance(item, bool) or not isinstance(item, int | float):
        raise TypeError(
            f"trace: example input {index} must be a number or a Value, got "
            f"{type(item).__name__} {item!r}"
        )
    return float(item)


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
        slots: dict[Value, int] = {node: index for index, node in enumerate(inputs)}
        self.inputs = len(inputs)
        self.input_labels = [node.label for node in inputs]
        self.parameters: list[Value] = []
        interior: list[Value] = []
        roots = outputs + [
            node
            for _, left, right, _ in comparisons
            for node in (left, right)
            if isinstance(node, Value)
        ]
        for root in roots:
            self._walk(root, slots, interior)
        first = self.inputs + len(self.parameters)
        for index, node in enumerate(interior):  # interior slots come after every leaf
            slots[node] = first + index
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
            Guard(
                symbol,
                slots[left],
                float(slots[right]) if isinstance(right, Value) else float(right),
                isinstance(right, Value),
                outcome,
            )
            for symbol, left, right, outcome in comparisons
        ]
        self._program = self._build_program()

    # ------------------------------------------------------------------ building
    def _walk(self, root: Value, slots: dict[Value, int], interior: list[Value]) -> None:
        """Add ``root``'s graph to the lists: leaves as parameters, interior nodes in order.

        Iterative depth-first search, parents in operand order, stopping at inputs.
        """
        if root in slots:
            return
        if not root.parents:
            slots[root] = self.inputs + len(self.parameters)
            self.parameters.append(root)
            return
        stack = [(root, iter(root.parents))]
        slots[root] = -1  # visiting
        while stack:
            node, pending = stack[-1]
            for parent in pending:
                if parent in slots:
                    continue
                if parent.parents:
                    slots[parent] = -1
                    stack.append((parent, iter(parent.parents)))
                    break
                slots[parent] = len(self.parameters) + self.inputs
                self.parameters.append(parent)
            else:
                stack.pop()
                interior.append(node)

    def _build_program(self) -> list[tuple[Any, ...]]:
        """The instructions as flat tuples that the replay loops unpack quickly.

        Each guard rides on the instruction computing the later of its operands (guards on
        leaves alone are checked before the first instruction).
        """
        first = self.inputs + len(self.parameters)
        checks: dict[int, list[Guard]] = {}
        for guard in self.guards:
            needed = max(guard.left, int(guard.right) if guard.right_is_slot else 0)
            checks.setdefault(needed, []).append(guard)
        self._leaf_guards = [g for slot, gs in checks.items() if slot < first for g in gs]
        program = []
        for instruction in self.instructions:
            inputs = instruction.inputs
            op = instruction.op
            program.append((
                len(inputs),
                op.forward,
                op.rule,
                instruction.output,
                inputs[0] if inputs else 0,
                inputs[1] if len(inputs) > 1 else 0,
                # n-ary instructions gather their operands with one C-level call, not a loop
                itemgetter(*inputs) if len(inputs) > 2 else inputs,
                tuple(checks.get(instruction.output, ())),
            ))
        return program

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
        placed: dict[int, list[Guard]] = {}
        for guard in self.guards:
            needed = max(guard.left, int(guard.right) if guard.right_is_slot else 0)
            placed.setdefault(needed, []).append(guard)
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
            ValueError, ZeroDivisionError, OverflowError: an op is outside its domain; the
                message names the instruction.
        """
        return self._run_forward(self._input_numbers(inputs), self._parameter_numbers())

    def value_and_grad(self, *inputs: Number) -> tuple[float, tuple[float, ...]]:
        """The output and its gradient with respect to each input, replayed on floats."""
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
        value, gradients = self._run_both(
            self._input_numbers(inputs), self._parameter_numbers(), float(grad)
        )
        for parameter, gradient in zip(self.parameters, gradients[self.inputs:], strict=True):
            if gradient:
                parameter.grad += gradient
        return value

    def compile(self) -> CompiledTape:
        """This tape as generated straight-line Python (see :class:`CompiledTape`)."""
        return CompiledTape(self)

    # ------------------------------------------------------------------ the interpreter
    def _input_numbers(self, inputs: Sequence[Number]) -> list[float]:
        if len(inputs) != self.inputs:
            raise TypeError(
                f"this tape was traced with {self.inputs} inputs, got {len(inputs)}; "
                "pass one number per input of the traced call"
            )
        return [float(item) for item in inputs]

    def _parameter_numbers(self) -> list[float]:
        return [parameter.data for parameter in self.parameters]

    def _check(self, guards: Sequence[Guard], values: Sequence[float]) -> None:
        for guard in guards:
            if not guard.holds(values):
                right = values[int(guard.right)] if guard.right_is_slot else guard.right
                raise _branch_error(guard, values[guard.left], right)

    def _run_forward(self, inputs: list[float], parameters: list[float]) -> float:
        values = self._values(inputs, parameters)
        self.latest = [values[slot] for slot in self.results]
        return values[self.output]

    def _values(self, inputs: list[float], parameters: list[float]) -> list[float]:
        values = inputs + parameters
        values.extend([0.0] * len(self.instructions))
        if self._leaf_guards:
            self._check(self._leaf_guards, values)
        out = -1
        try:
            for arity, forward, _, out, a, b, gather, guards in self._program:
                if arity == 1:
                    values[out] = forward(values[a])
                elif arity == 2:
                    values[out] = forward(values[a], values[b])
                elif arity:
                    values[out] = forward(*gather(values))
                else:
                    values[out] = forward()
                if guards:
                    self._check(guards, values)
        except (ArithmeticError, ValueError) as error:
            raise type(error)(f"{error} (tape instruction {self._line(out)})") from None
        result = values[self.output]
        if result - result != 0.0:
            raise OverflowError(f"the tape's output v{self.output} is {result!r}")
        return values

    def _run_both(
        self, inputs: list[float], parameters: list[float], seed: float
    ) -> tuple[float, list[float]]:
        """The output and the gradients of every leaf slot (inputs, then parameters)."""
        values = self._values(inputs, parameters)
        self.latest = [values[slot] for slot in self.results]
        first = self.inputs + len(self.parameters)
        grads = [0.0] * self.size
        grads[self.output] = seed
        out = -1
        try:
            for arity, _, rule, out, a, b, gather, _ in reversed(self._program):
                grad = grads[out]
                if not grad:  # a dead ReLU or an inactive hinge term passes nothing on
                    continue
                if arity == 1:
                    (da,) = rule(grad, values[out], values[a])
                    if da:
                        grads[a] += da
                elif arity == 2:
                    da, db = rule(grad, values[out], values[a], values[b])
                    if da:
                        grads[a] += da
                    if db:
                        grads[b] += db
                elif arity:
                    contributions = rule(grad, values[out], *gather(values))
                    operands = self.instructions[out - first].inputs
                    for slot, contribution in zip(operands, contributions, strict=True):
                        if contribution:
                            grads[slot] += contribution
        except (ArithmeticError, ValueError) as error:
            raise type(error)(
                f"backward of tape instruction {self._line(out)} failed: {error}"
            ) from None
        return values[self.output], grads[: self.inputs + len(self.parameters)]

    def _line(self, slot: int) -> str:
        first = self.inputs + len(self.parameters)
        if slot < first:
            return f"v{slot}"
        return f"v{slot} = {_expression(self.instructions[slot - first])}"


def _expression(instruction: Instruction) -> str:
    """The right-hand side of an instruction as it prints: ``v3 * v5``, ``tanh(v4)``."""
    op = instruction.op
    names = [f"v{slot}" for slot in instruction.inputs]
    if op.name in _INFIX and len(names) == 2:
        return f"{names[0]} {_INFIX[op.name]} {names[1]}"
    if op.name == "neg":
        return f"-{names[0]}"
    if op.name == "pow":
        return f"{names[0]} ** {op.params['exponent']:g}"
    if op.name == "rpow":
        return f"{op.params['base']:g} ** {names[0]}"
    params = "".join(f", {key}={value:g}" for key, value in op.params.items())
    return f"{op.name}({', '.join(names)}{params})"


def _branch_error(guard: Guard, left: float, right: float) -> TapeBranchError:
    right_name = f"v{int(guard.right)} = {right!r}" if guard.right_is_slot else repr(right)
    test = guard.text().removeprefix("assert ")
    return TapeBranchError(
        f"tape guard '{test}' no longer holds (v{guard.left} = {left!r}, "
        f"{right_name}): the traced function compared these Values and took a branch that "
        "these numbers would not take; trace it again for them, or use autograd.maximum/"
        "minimum, which the tape replays exactly"
    )


# ------------------------------------------------------------------------------ code generation


class CompiledTape(Tape):
    """A tape turned into one generated Python function per sweep.

    Every instruction becomes one line of straight-line code on local variables (``v7 = v3 *
    v5``; the backward lines accumulate ``g3 += g7 * v5``), with the arithmetic ops written
    inline and every other op calling its float ``forward``/``rule`` from the op table. Guards
    become ``if`` tests that raise :class:`TapeBranchError`. There is no per-instruction
    dispatch, so this is the fastest replay; generating and compiling the code costs about as
    much as a few replays, so it pays off for a step run many times.

    Attributes:
        source: the generated Python source, for reading.
    """

    def __init__(self, tape: Tape) -> None:  # noqa: D107 - shares the traced tape's lists
        self.__dict__.update(tape.__dict__)
        namespace: dict[str, Any] = {"_branch": self._raise_branch}
        self.source = _generate(self, namespace)
        code = compile(self.source, f"<compiled tape {id(self):x}>", "exec")
        exec(code, namespace)  # noqa: S102 - our own generated source
        self._compiled_forward = namespace["forward"]
        self._compiled_both = namespace["both"]

    def _raise_branch(self, index: int, left: float, right: float) -> TapeBranchError:
        return _branch_error(self.guards[index], left, right)

    def _run_forward(self, inputs: list[float], parameters: list[float]) -> float:
        self.latest = self._compiled_forward(inputs, parameters)
        result = self.latest[0]
        if result - result != 0.0:
            raise OverflowError(f"the tape's output v{self.output} is {result!r}")
        return result

    def _run_both(
        self, inputs: list[float], parameters: list[float], seed: float
    ) -> tuple[float, list[float]]:
        self.latest, gradients = self._compiled_both(inputs, parameters, seed)
        result = self.latest[0]
        if result - result != 0.0:
            raise OverflowError(f"the tape's output v{self.output} is {result!r}")
        return result, gradients


_INLINE_FORWARD: dict[str, Callable[[list[str]], str]] = {
    "add": lambda v: f"{v[0]} + {v[1]}",
    "sub": lambda v: f"{v[0]} - {v[1]}",
    "mul": lambda v: f"{v[0]} * {v[1]}",
    "neg": lambda v: f"-{v[0]}",
    "relu": lambda v: f"{v[0]} if {v[0]} > 0.0 else 0.0",
    "tanh": lambda v: f"_tanh({v[0]})",
    # sum(map(mul, w, x), b) adds left to right from b: the same order as this expression.
    "affine": lambda v: " + ".join(
        [v[len(v) // 2]] + [f"{w} * {x}" for w, x in zip(
            v[: len(v) // 2], v[len(v) // 2 + 1:], strict=True)]
    ),
    "dot": lambda v: " + ".join(
        ["0.0"] + [f"{w} * {x}" for w, x in zip(v[: len(v) // 2], v[len(v) // 2:], strict=True)]
    ),
}


def _inline_backward(name: str, g: str, out: str, v: list[str], grads: list[str]) -> list[str]:
    """Lines adding the contributions of one instruction (its rule, written out), or []."""
    if name == "add":
        return [f"{grads[0]} += {g}", f"{grads[1]} += {g}"]
    if name == "sub":
        return [f"{grads[0]} += {g}", f"{grads[1]} -= {g}"]
    if name == "mul":
        return [f"{grads[0]} += {g} * {v[1]}", f"{grads[1]} += {g} * {v[0]}"]
    if name == "neg":
        return [f"{grads[0]} -= {g}"]
    if name == "relu":
        return [f"if {v[0]} > 0.0: {grads[0]} += {g}"]
    if name == "tanh":
        return [f"{grads[0]} += {g} * (1.0 - {out} * {out})"]
    if name in ("affine", "dot"):
        n = len(v) // 2
        bias = name == "affine"
        xs = v[n + 1:] if bias else v[n:]
        lines = [f"{grads[i]} += {g} * {x}" for i, x in enumerate(xs)]
        if bias:
            lines.append(f"{grads[n]} += {g}")
        offset = n + 1 if bias else n
        lines += [f"{grads[offset + i]} += {g} * {w}" for i, w in enumerate(v[:n])]
        return lines
    return []


def _generate(tape: Tape, namespace: dict[str, Any]) -> str:
    """The source of ``forward(x, p)`` and ``both(x, p, seed)`` for ``tape``."""
    from .ops import OPS

    namespace["_tanh"] = math.tanh
    first = tape.inputs + len(tape.parameters)
    leaves = [f"v{slot}" for slot in range(first)]
    inputs = ", ".join(leaves[: tape.inputs])
    parameters = ", ".join(leaves[tape.inputs:])
    body = []
    if tape.inputs:
        body.append(f"({inputs},) = x")
    if tape.parameters:
        body.append(f"({parameters},) = p")
    guard_index = {id(guard): index for index, guard in enumerate(tape.guards)}

    def guard_lines(guards: Sequence[Guard]) -> list[str]:
        lines = []
        for guard in guards:
            right = f"v{int(guard.right)}" if guard.right_is_slot else repr(guard.right)
            test = f"v{guard.left} {guard.symbol} {right}"
            condition = f"not ({test})" if guard.outcome else test
            lines.append(
                f"if {condition}: raise _branch({guard_index[id(guard)]}, v{guard.left}, "
                f"{right})"
            )
        return lines

    body += guard_lines(tape._leaf_guards)
    calls = []  # (slot, names) of instructions calling the table's rule
    for index, instruction in enumerate(tape.instructions):
        op = instruction.op
        names = [f"v{slot}" for slot in instruction.inputs]
        inline = op.name in _INLINE_FORWARD and OPS.get(op.name) is op
        if op.name == "tanh" and op.forward is not math.tanh:
            inline = False
        if inline:
            expression = _INLINE_FORWARD[op.name](names)
        else:
            namespace[f"_f{index}"] = op.forward
            expression = f"_f{index}({', '.join(names)})"
        body.append(f"v{instruction.output} = {expression}")
        body += guard_lines(tape._program[index][7])
        calls.append(inline)
    results = "[" + ", ".join(f"v{slot}" for slot in tape.results) + "]"
    forward_source = ["def forward(x, p):", *("    " + line for line in body),
                      f"    return {results}", ""]
    backward = [f"g{slot} = 0.0" for slot in range(tape.size) if slot != tape.output]
    backward.append(f"g{tape.output} = seed")
    for index in reversed(range(len(tape.instructions))):
        instruction = tape.instructions[index]
        op = instruction.op
        g = f"g{instruction.output}"
        names = [f"v{slot}" for slot in instruction.inputs]
        grads = [f"g{slot}" for slot in instruction.inputs]
        lines = _inline_backward(op.name, g, f"v{instruction.output}", names, grads) if (
            calls[index]) else []
        if not lines:
            namespace[f"_r{index}"] = op.rule
            lines = [f"_c = _r{index}({g}, v{instruction.output}, {', '.join(names)})"]
            lines += [f"{grad} += _c[{i}] or 0.0" for i, grad in enumerate(grads)]
        # A zero gradient (dead ReLU, inactive hinge term) skips the instruction's rule.
        backward.append(f"if {g}:")
        backward += ["    " + line for line in lines]
    leaf_grads = ", ".join(f"g{slot}" for slot in range(first))
    both_source = [
        "def both(x, p, seed):",
        *("    " + line for line in body),
        *("    " + line for line in backward),
        f"    return {results}, [{leaf_grads}]",
        "",
    ]
    return "\n".join(forward_source + both_source)
