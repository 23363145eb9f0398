"""Recurrent cells and sequence layers with PyTorch's parameter names, layout and gate order.

A cell takes one time step; a sequence layer (``RNN``, ``LSTM``, ``GRU``) unrolls its cell over a
list of steps, so the same weights appear once per step in the graph and their gradients are sums
over time: backpropagation through time (BPTT). :func:`detach` cuts a state from its graph, which
is what truncated BPTT does between windows.

Parameters are the attributes PyTorch uses (``torch.nn.RNNCell`` and friends), so weights move
between the two by name:

- ``weight_ih``: ``gates * hidden_size`` rows of ``input_size`` Values each;
- ``weight_hh``: ``gates * hidden_size`` rows of ``hidden_size`` Values each;
- ``bias_ih``, ``bias_hh``: ``gates * hidden_size`` Values each (``None`` with ``bias=False``).

Rows are stacked gate by gate in PyTorch's order: one gate for ``RNNCell``; input ``i``, forget
``f``, cell ``g``, output ``o`` for ``LSTMCell``; reset ``r``, update ``z``, new ``n`` for
``GRUCell``. Row ``k`` of gate ``q`` is row ``q * hidden_size + k``. Every parameter starts from
U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), PyTorch's initialisation, drawn in the order
weight_ih, weight_hh, bias_ih, bias_hh (row by row).

The equations (PyTorch's; ``*`` is the product of numbers, σ the logistic sigmoid)::

    RNN:   h' = tanh(W_ih x + b_ih + W_hh h + b_hh)            (or relu)
    LSTM:  i, f, o = σ(W_i* x + b_i* + W_h* h + b_h*),  g = tanh(...)
           c' = f * c + i * g,   h' = o * tanh(c')
    GRU:   r, z = σ(W_i* x + b_i* + W_h* h + b_h*)
           n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),   h' = (1 - z) * n + z * h

Each gate row is a single ``affine`` node of the engine,
``b_ih + w_ih · x + w_hh · h + b_hh · 1`` (the hidden-to-hidden bias enters as the weight of a
constant input 1), followed by one activation node; ``c'`` is one ``dot`` node
``(f, i) · (c, g)``. An unrolled graph stays small enough to draw and quick to walk.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from numbers import Real
from operator import methodcaller
from typing import Any

from autograd import Value, dot
from autograd.core.engines import engine_of
from autograd.core.numbers import is_real, require_count

from .layers import generator
from .module import Module, register

Number = Value | float | int
Vector = Sequence[Number]
Hidden = list[Value]
LSTMState = tuple[list[Value], list[Value]]

# Each activation calls its argument's method, so forward mode's Duals pass through a cell too.
_SIGMOID, _TANH = methodcaller("sigmoid"), methodcaller("tanh")

#: The activations an RNNCell may use, by PyTorch's name.
NONLINEARITIES: dict[str, Callable[[Value], Value]] = {"tanh": _TANH, "relu": methodcaller("relu")}

#: The LSTM's activation of each gate, in PyTorch's gate order i, f, g, o.
LSTM_ACTIVATIONS: tuple[Callable[[Value], Value], ...] = (
    _SIGMOID, _SIGMOID, _TANH, _SIGMOID
)

#: The most parameters a recurrent module rebuilt from a model file may have. The sizes in a file
#: come from outside, so they are checked before anything is allocated; a real file this large
#: would hold hundreds of megabytes of JSON.
MAX_PARAMETERS_FROM_FILE = 10_000_000


def check_file_size(gates: int, config: Mapping[str, Any], where: str) -> None:
    """Refuse a model-file config whose cell would have too many parameters.

    Raises:
        TypeError: a size is not an integer.
        ValueError: a size is below 1, or the count exceeds :data:`MAX_PARAMETERS_FROM_FILE`.
    """
    inputs = require_count(f"{where}: input_size", config.get("input_size"))
    hidden = require_count(f"{where}: hidden_size", config.get("hidden_size"))
    count = gates * hidden * (inputs + hidden + 2)
    if count > MAX_PARAMETERS_FROM_FILE:
        raise ValueError(
            f"{where} with input_size={inputs}, hidden_size={hidden} would have {count:,} "
            f"parameters; a model file may describe at most {MAX_PARAMETERS_FROM_FILE:,}"
        )


def as_vector(
    items: Vector | Number, expected: int, name: str, where: RecurrentCell
) -> list[Value]:
    """``items`` as a list of ``expected`` Values (numbers become constant leaves).

    A single number or Value is a vector of one, so a one-feature sequence can be a list of
    numbers. Any iterable of numbers works (a list, a tuple, a numpy array).

    Raises:
        ValueError: the length is not ``expected``; the message names the cell, the vector
            ``name`` (x, h or c), the expected and the given size.
        TypeError: ``items`` is not a number or an iterable, or an item is not a number or a
            Value.
    """
    if isinstance(items, Value) or is_real(items):
        entries: list[Any] = [items]
    else:
        entries = _entries(items, f"{where!r}: {name} must be a list of {expected} numbers or "
                                  "Values")
    if len(entries) != expected:
        size = "input_size" if name == "x" else "hidden_size"
        raise ValueError(
            f"{where!r}: {name} has {len(entries)} entries, expected {size}={expected}"
        )
    return [_operand(item) for item in entries]


def _operand(item: Any) -> Any:
    """A number as a Value; a Value, or another engine's scalar (a Dual of forward mode, so that
    ``autograd.jvp`` runs through a cell), as it is."""
    if isinstance(item, Value) or (not is_real(item) and engine_of((item,)) is not None):
        return item
    return Value(item)


def _entries(items: Any, message: str) -> list[Any]:
    """``items`` as a list, for any iterable but a string.

    Raises:
        TypeError: ``items`` is a string or not iterable; ``message`` says what was expected.
    """
    if isinstance(items, str | bytes):
        raise TypeError(f"{message}, got {type(items).__name__} {items!r}")
    try:
        return list(items)
    except TypeError:
        raise TypeError(f"{message}, got {type(items).__name__}") from None


def _uniform(count: int, bound: float, rng: Any) -> list[Value]:
    """``count`` new parameters drawn from U(-bound, bound)."""
    return [Value(rng.uniform(-bound, bound)) for _ in range(count)]


def _uniform_rows(count: int, width: int, bound: float, rng: Any) -> list[list[Value]]:
    """``count`` rows of ``width`` new parameters, row after row."""
    return [_uniform(width, bound, rng) for _ in range(count)]


class RecurrentCell(Module):
    """What the three cells share: PyTorch's parameters, their initialisation and size checks.

    Subclasses set :attr:`gates` (rows per hidden unit) and define ``__call__`` for one step.

    Args:
        input_size: the number of features of ``x`` at each step.
        hidden_size: the number of hidden units (the length of ``h``).
        bias: whether the cell has ``bias_ih`` and ``bias_hh``.
        rng, seed: where the random weights come from (see :mod:`nn.layers`).

    Raises:
        TypeError: a size is not an integer.
        ValueError: a size is below 1, or both ``rng`` and ``seed`` were given.
    """

    #: Rows of weights per hidden unit: 1 (RNN), 4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n).
    gates = 1

    weight_ih: list[list[Value]]
    weight_hh: list[list[Value]]
    bias_ih: list[Value] | None
    bias_hh: list[Value] | None

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        rng: random.Random | None = None,
        seed: int | None = None,
    ) -> None:
        name = type(self).__name__
        self.input_size = require_count(f"{name}: input_size", input_size)
        self.hidden_size = require_count(f"{name}: hidden_size", hidden_size)
        source = generator(rng, seed)
        bound = 1.0 / math.sqrt(self.hidden_size)
        rows = self.gates * self.hidden_size
        self.weight_ih = _uniform_rows(rows, self.input_size, bound, source)
        self.weight_hh = _uniform_rows(rows, self.hidden_size, bound, source)
        self.bias_ih = _uniform(rows, bound, source) if bias else None
        self.bias_hh = _uniform(rows, bound, source) if bias else None

    def __call__(self, x: Vector | Number, state: Any = None) -> Any:
        """One time step: the next state from the input ``x`` and the previous ``state``.

        Args:
            x: ``input_size`` numbers or Values.
            state: the previous state: ``h`` (``hidden_size`` numbers or Values), or ``(h, c)``
                for an LSTM; ``None`` means zeros.

        Returns:
            The new state: ``h'``, a list of ``hidden_size`` Values, or ``(h', c')`` for an
            LSTM.

        Raises:
            ValueError: ``x`` or the state has the wrong length (or an LSTM state is not a
                pair).
            NotImplementedError: the subclass does not define its :meth:`step`.
        """
        return self.step(as_vector(x, self.input_size, "x", self), self.checked_state(state))

    def step(self, x: list[Value], state: Any) -> Any:
        """The new state from the checked input ``x`` and the checked previous ``state``.

        Raises:
            NotImplementedError: the subclass does not define its step.
        """
        raise NotImplementedError(f"{type(self).__name__} does not define step(x, state)")

    def checked_state(self, state: Any) -> Any:
        """The previous state checked (zeros for ``None``): the hidden vector ``h``."""
        return self.hidden(state)

    @property
    def bias(self) -> bool:
        """Whether the cell has biases."""
        return self.bias_ih is not None

    def zeros(self) -> Hidden:
        """A zero hidden vector: the state a sequence starts from when none is given."""
        return [Value(0.0) for _ in range(self.hidden_size)]

    def gate_inputs(self, x: list[Value], h: list[Value], rows: range) -> list[Value]:
        """``W_ih x + b_ih + W_hh h + b_hh`` for each row in ``rows``, one ``affine`` node each."""
        inputs = [*x, *h]
        if self.bias_ih is None or self.bias_hh is None:
            return [dot([*self.weight_ih[row], *self.weight_hh[row]], inputs) for row in rows]
        inputs.append(Value(1.0))  # b_hh is the weight of this constant input
        return [
            dot([*self.weight_ih[row], *self.weight_hh[row], self.bias_hh[row]], inputs,
                bias=self.bias_ih[row])
            for row in rows
        ]

    def gate(self, index: int) -> range:
        """The rows of gate ``index`` (in PyTorch's order) in the stacked weights."""
        return range(index * self.hidden_size, (index + 1) * self.hidden_size)

    def gate_outputs(
        self, x: list[Value], h: list[Value], index: int, activation: Callable[[Value], Value]
    ) -> Hidden:
        """Gate ``index``: ``activation`` of each of its rows' :meth:`gate_inputs`."""
        return [activation(total) for total in self.gate_inputs(x, h, self.gate(index))]

    def hidden(self, state: Any, name: str = "h") -> Hidden:
        """The hidden vector ``state`` checked (zeros for ``None``)."""
        if state is None:
            return self.zeros()
        return as_vector(state, self.hidden_size, name, self)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Module:
        """Build the cell a model file describes, after checking its size (see
        :func:`check_file_size`)."""
        check_file_size(cls.gates, config, cls.__name__)
        return super().from_config(config)

    def config(self) -> dict[str, Any]:
        """``input_size``, ``hidden_size`` and ``bias``: what a file needs to rebuild the cell."""
        return {"input_size": self.input_size, "hidden_size": self.hidden_size,
                "bias": self.bias}

    def extra_repr(self) -> str:
        bias = "" if self.bias else ", bias=False"
        return f"{self.input_size}, {self.hidden_size}{bias}"


@register
class RNNCell(RecurrentCell):
    """An Elman RNN cell: ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`` (or relu), as PyTorch's.

    Args:
        input_size: the number of features of ``x``.
        hidden_size: the length of ``h``.
        bias: whether the cell has biases.
        nonlinearity: ``"tanh"`` (default) or ``"relu"``.
        rng, seed: where the random weights come from.

    Raises:
        TypeError: a size is not an integer.
        ValueError: a size is below 1 or the nonlinearity is unknown.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        *,
        rng: random.Random | None = None,
        seed: int | None = None,
    ) -> None:
        if nonlinearity not in NONLINEARITIES:
            raise ValueError(
                f"RNNCell: unknown nonlinearity {nonlinearity!r}; choose 'tanh' or 'relu'"
            )
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, rng=rng, seed=seed)

    def step(self, x: list[Value], state: Hidden) -> Hidden:
        """``h'`` from the checked ``x`` and ``h``."""
        return self.gate_outputs(x, state, 0, NONLINEARITIES[self.nonlinearity])

    def config(self) -> dict[str, Any]:
        """The sizes, ``bias`` and ``nonlinearity``."""
        return {**super().config(), "nonlinearity": self.nonlinearity}

    def extra_repr(self) -> str:
        tanh = self.nonlinearity == "tanh"
        return super().extra_repr() + ("" if tanh else f", nonlinearity={self.nonlinearity!r}")


@register
class LSTMCell(RecurrentCell):
    """A long short-term memory cell with PyTorch's gate order i, f, g, o.

    ``c' = f * c + i * g`` and ``h' = o * tanh(c')``: the cell state ``c`` is carried by a sum,
    which is why its gradient survives many steps when the forget gate stays near 1.

    Args:
        input_size: the number of features of ``x``.
        hidden_size: the length of ``h`` and ``c``.
        bias: whether the cell has biases.
        rng, seed: where the random weights come from.
    """

    gates = 4

    def step(self, x: list[Value], state: LSTMState) -> LSTMState:
        """``(h', c')`` from the checked ``x`` and ``(h, c)``."""
        h, c = state
        size = self.hidden_size
        totals = self.gate_inputs(x, h, range(self.gates * size))  # one constant 1 for all gates
        i, f, g, o = (
            [activation(totals[row]) for row in self.gate(index)]
            for index, activation in enumerate(LSTM_ACTIVATIONS)
        )
        c_next = [dot((f[k], i[k]), (c[k], g[k])) for k in range(size)]
        h_next = [o[k] * c_next[k].tanh() for k in range(size)]
        return h_next, c_next

    def checked_state(self, state: Any) -> LSTMState:
        """The previous state checked: the pair ``(h, c)`` (see :meth:`pair`)."""
        return self.pair(state)

    def pair(self, state: Any) -> LSTMState:
        """The state ``(h, c)`` checked (zeros for ``None``).

        Raises:
            ValueError: ``state`` is not a pair, or ``h`` or ``c`` has the wrong length.
        """
        if state is None:
            return self.zeros(), self.zeros()
        if not isinstance(state, tuple | list) or len(state) != 2:
            raise ValueError(
                f"{self!r}: state must be a pair (h, c) of hidden vectors, got "
                f"{type(state).__name__}" + (f" of length {len(state)}"
                                             if isinstance(state, tuple | list) else "")
            )
        return self.hidden(state[0], "h"), self.hidden(state[1], "c")


@register
class GRUCell(RecurrentCell):
    """A gated recurrent unit cell with PyTorch's gate order r, z, n.

    The new gate applies the reset gate after the hidden-to-hidden product, as PyTorch does:
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``; then ``h' = (1 - z) * n + z * h``.

    Args:
        input_size: the number of features of ``x``.
        hidden_size: the length of ``h``.
        bias: whether the cell has biases.
        rng, seed: where the random weights come from.
    """

    gates = 3

    def step(self, x: list[Value], state: Hidden) -> Hidden:
        """``h'`` from the checked ``x`` and ``h``."""
        h = state
        r = self.gate_outputs(x, h, 0, _SIGMOID)
        z = self.gate_outputs(x, h, 1, _SIGMOID)
        n = [self.new_gate(x, h, row, r[k]).tanh() for k, row in enumerate(self.gate(2))]
        return [dot((1.0 - z[k], z[k]), (n[k], h[k])) for k in range(self.hidden_size)]

    def new_gate(self, x: list[Value], h: list[Value], row: int, reset: Value) -> Value:
        """``W_in x + b_in + r * (W_hn h + b_hn)`` for one row: two ``affine`` nodes (or
        ``dot`` without biases), the reset gate ``r`` being the weight of the inner one."""
        if self.bias_ih is None or self.bias_hh is None:
            inner = dot(self.weight_hh[row], h)
            return dot([*self.weight_ih[row], reset], [*x, inner])
        inner = dot(self.weight_hh[row], h, bias=self.bias_hh[row])
        return dot([*self.weight_ih[row], reset], [*x, inner], bias=self.bias_ih[row])


class RecurrentLayer(Module):
    """A cell unrolled over a sequence: ``layer(xs, state) -> (outputs, state)``.

    Subclasses build their cell in ``__init__`` and keep it as ``.cell``, so parameters are
    named ``cell.weight_ih.<row>.<column>`` and so on.
    """

    #: The class of the unrolled cell.
    cell_class: type[RecurrentCell] = RecurrentCell

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        rng: random.Random | None = None,
        seed: int | None = None,
    ) -> None:
        self.cell = self.cell_class(input_size, hidden_size, bias, rng=rng, seed=seed)

    cell: RecurrentCell

    def __call__(self, xs: Iterable[Vector | Number], state: Any = None) -> tuple[Hidden, Any]:
        """Run the cell over every step of ``xs``, each step feeding its state to the next.

        Args:
            xs: the sequence: one ``x`` per step (``input_size`` numbers or Values, or a single
                number when ``input_size`` is 1).
            state: the state to start from (``h``, or ``(h, c)`` for an LSTM); ``None`` means
                zeros. Passing the state returned by a previous call continues that sequence.

        Returns:
            ``(outputs, state)``: ``outputs`` holds ``h`` at every step (a list of hidden
            vectors), ``state`` is the last state, ready to continue with.

        Raises:
            ValueError: ``xs`` is empty, or a step or the state has the wrong size.
            TypeError: ``xs`` is not a sequence (any iterable but a string).
        """
        steps = _entries(xs, f"{self!r} needs a sequence of steps (a list of inputs)")
        if not steps:
            raise ValueError(f"{self!r} needs at least one step, got an empty sequence")
        outputs = []
        for x in steps:
            state = self.cell(x, state)
            outputs.append(state[0] if isinstance(state, tuple) else state)
        return outputs, state

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Module:
        """Build the layer a model file describes, after checking its size."""
        check_file_size(cls.cell_class.gates, config, cls.__name__)
        return super().from_config(config)

    @property
    def input_size(self) -> int:
        """The number of features per step."""
        return self.cell.input_size

    @property
    def hidden_size(self) -> int:
        """The length of ``h``."""
        return self.cell.hidden_size

    def config(self) -> dict[str, Any]:
        """The cell's constructor arguments."""
        return self.cell.config()

    def extra_repr(self) -> str:
        return self.cell.extra_repr()

    def children(self) -> list[tuple[str, Module]]:
        """None shown: the layer's repr already gives the cell's arguments."""
        return []


@register
class RNN(RecurrentLayer):
    """An :class:`RNNCell` unrolled over a sequence (single layer, one sequence at a time).

    Args: as :class:`RNNCell`.
    """

    cell_class = RNNCell

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        *,
        rng: random.Random | None = None,
        seed: int | None = None,
    ) -> None:
        self.cell = RNNCell(input_size, hidden_size, bias, nonlinearity, rng=rng, seed=seed)


@register
class LSTM(RecurrentLayer):
    """An :class:`LSTMCell` unrolled over a sequence; its state is ``(h, c)``.

    Args: as :class:`LSTMCell`.
    """

    cell_class = LSTMCell


@register
class GRU(RecurrentLayer):
    """A :class:`GRUCell` unrolled over a sequence.

    Args: as :class:`GRUCell`.
    """

    cell_class = GRUCell


def detach(state: Any) -> Any:
    """``state`` with every Value replaced by a detached copy (same data, no parents).

    This is the cut of truncated backpropagation through time: the next window starts from the
    numbers of the state, and its backward pass stops there instead of running back through
    every earlier window. Lists stay lists and tuples stay tuples, at any nesting; numbers and
    ``None`` are kept as they are; a Value that appears twice becomes one detached Value.

    Args:
        state: a Value, or a list or tuple (nested) of Values, numbers and ``None``.

    Returns:
        The same structure, cut from the graph.

    Raises:
        TypeError: ``state`` holds something else (the message names its type).
        ValueError: ``state`` contains itself (a list that holds itself, at any depth).
    """
    holder = [state]
    copies: list[tuple[list[Any], int, bool]] = []  # (container, index, was a tuple)
    detached: dict[Value, Value] = {}
    inside: set[int] = set()  # ids of the lists and tuples being copied (the current path)
    stack: list[tuple[list[Any], int] | int] = [(holder, 0)]
    while stack:  # an explicit stack: no recursion, whatever the nesting
        entry = stack.pop()
        if isinstance(entry, int):  # every item of that container is done
            inside.discard(entry)
            continue
        container, index = entry
        item = container[index]
        if isinstance(item, Value):
            if item not in detached:
                detached[item] = item.detach()
            container[index] = detached[item]
        elif isinstance(item, list | tuple):
            if id(item) in inside:
                raise ValueError(
                    f"detach: the state contains itself (a {type(item).__name__} of "
                    f"{len(item)} items holds itself, directly or through its items), so it "
                    "has no finite copy; pass a state of nested lists and tuples without cycles"
                )
            inside.add(id(item))
            copy = list(item)
            container[index] = copy
            copies.append((container, index, isinstance(item, tuple)))
            stack.append(id(item))  # popped after all the items below it
            stack.extend((copy, position) for position in range(len(copy)))
        elif item is not None and not isinstance(item, Real):
            raise TypeError(
                f"detach: a state holds Values in lists and tuples, got {type(item).__name__} "
                f"{item!r}"
            )
    for container, index, was_tuple in reversed(copies):  # inner copies were made later
        if was_tuple:
            container[index] = tuple(container[index])
    return holder[0]
