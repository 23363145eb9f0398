"""Fully connected layers: ``Neuron``, ``Layer``, ``MLP``, plus ``Sequential``, ``Flatten`` and
``Activation``.

The interface follows micrograd (karpathy/micrograd, ``micrograd/nn.py``): ``MLP(2, [16, 16, 1])``
has ReLU hidden layers and a linear output, a model is called on a list of floats or Values, and a
layer with a single neuron returns that neuron's Value rather than a one-element list. A layer
also accepts a single Value as its input, so a one-neuron *hidden* layer feeds the next layer.

A neuron is few nodes: its pre-activation ``b + w1*x1 + ... + wn*xn`` is one ``affine`` node of the
engine (``autograd.dot`` with a bias), followed by one activation node. A layer turns float inputs
into Values once and shares them between its neurons.

Initialisation (``init=``), all with biases at 0:

- ``"uniform"``: weights from U(-1, 1), as micrograd does;
- ``"xavier"``: U(-a, a) with a = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010, eq. 16);
- ``"he"``: N(0, sqrt(2 / fan_in)) (He et al. 2015, "Delving deep into rectifiers", sec. 2.2).

Random numbers come from ``rng`` (a ``random.Random``), or from ``random.Random(seed)``, or, when
neither is given, from Python's global ``random`` functions, as in micrograd: after
``random.seed(1337)`` an ``MLP(2, [16, 16, 1])`` starts from the same weights as micrograd's demo.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import methodcaller
from typing import Any

from autograd import OPS, Value, dot, dot_rows
from autograd.core.numbers import require_count
from autograd.core.value import apply_rows

from .module import Module, build, parameter_count, register

#: Activation functions by name; each is one node of the engine (``linear`` is none). Each calls
#: the method of its argument, so forward mode's Duals (autograd.jvp) pass through a network too.
ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "relu": methodcaller("relu"),
    "tanh": methodcaller("tanh"),
    "sigmoid": methodcaller("sigmoid"),
    "leaky_relu": methodcaller("leaky_relu"),  # slope 0.01
    "softplus": methodcaller("softplus"),  # log(1 + e**x): torch.nn.Softplus's (nn.bridge)
    "linear": lambda value: value,
}

#: Initialisation schemes by name (see the module docstring).
INITIALISATIONS = ("uniform", "xavier", "he")

Input = Value | float | int


def activation_function(name: str) -> Callable[[Value], Value]:
    """The activation called ``name`` (relu, tanh, sigmoid, leaky_relu or linear).

    Raises:
        ValueError: the name is unknown; the message lists the known ones.
    """
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}"
        ) from None


def generator(rng: random.Random | None = None, seed: int | None = None) -> Any:
    """The source of random numbers for initialisation: ``rng``, a new ``Random(seed)``, or the
    global ``random`` module when neither is given (micrograd's behaviour).

    Raises:
        ValueError: both ``rng`` and ``seed`` were given.
    """
    if rng is not None and seed is not None:
        raise ValueError("give either rng= or seed=, not both")
    if rng is not None:
        return rng
    if seed is not None:
        return random.Random(seed)
    return random


def initial_weights(init: str, fan_in: int, fan_out: int, rng: Any) -> list[float]:
    """``fan_in`` starting weights for one neuron under the scheme ``init``.

    Raises:
        ValueError: the scheme is unknown.
    """
    if init == "uniform":
        return [rng.uniform(-1.0, 1.0) for _ in range(fan_in)]
    if init == "xavier":
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        return [rng.uniform(-limit, limit) for _ in range(fan_in)]
    if init == "he":
        deviation = math.sqrt(2.0 / fan_in)
        return [rng.gauss(0.0, deviation) for _ in range(fan_in)]
    raise ValueError(f"unknown init {init!r}; choose one of {', '.join(INITIALISATIONS)}")


def as_values(inputs: Input | Sequence[Input], expected: int, where: Module) -> list[Value]:
    """``inputs`` as a list of Values: numbers become constant leaves, a single Value or number
    becomes a one-element list (the output of a one-neuron layer).

    Raises:
        ValueError: the number of inputs is not ``expected``; the message names the module
            ``where`` (its repr is only built then: this runs on every forward pass).
    """
    if isinstance(inputs, Value | int | float):
        inputs = [inputs]
    values = [item if isinstance(item, Value) else Value(item) for item in inputs]
    if len(values) != expected:
        raise ValueError(f"{where!r} expects {expected} inputs, got {len(values)}")
    return values


def _widths(nouts: Any, where: str) -> list[int]:
    """``nouts`` (any iterable: a list, a tuple, a numpy array) as a list of layer widths, each a
    count of at least 1.

    Raises:
        TypeError: ``nouts`` is not an iterable of integers.
        ValueError: a width is below 1.
    """
    if isinstance(nouts, str | bytes) or not isinstance(nouts, Iterable):
        raise TypeError(f"{where}: nouts must be a list of layer widths, got {nouts!r}")
    return [require_count(f"{where}: nouts[{index}]", width) for index, width in enumerate(nouts)]


def _module_list(config: Mapping[str, Any]) -> list[Any]:
    """The ``modules`` entry of a Sequential config: a list of architectures.

    Raises:
        KeyError: the entry is missing.
        ValueError: it is not a list.
    """
    modules = config["modules"]
    if not isinstance(modules, list):
        raise ValueError(
            f"Sequential config 'modules' must be a list, got {type(modules).__name__}"
        )
    return modules


def _bias_count(config: Mapping[str, Any]) -> int:
    """1 when a config asks for biases (the default), else 0."""
    return 1 if config.get("bias", True) else 0


@register
class Neuron(Module):
    """One neuron: ``activation(b + w1*x1 + ... + wn*xn)``.

    Args:
        nin: number of inputs.
        activation: relu (default, as micrograd), tanh, sigmoid, leaky_relu or linear.
        bias: whether the neuron has a bias ``b`` (initialised to 0).
        init: uniform, xavier or he (see the module docstring).
        fan_out: the width of the layer, used by xavier.
        rng, seed: where the random weights come from (see the module docstring).
        nonlin: micrograd's keyword: True means relu, False means linear; overrides activation.

    Raises:
        ValueError: an argument is out of range or an unknown name.
    """

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        *,
        bias: bool = True,
        init: str = "uniform",
        fan_out: int = 1,
        rng: random.Random | None = None,
        seed: int | None = None,
        nonlin: bool | None = None,
    ) -> None:
        nin = require_count("Neuron: nin", nin)
        if nonlin is not None:
            activation = "relu" if nonlin else "linear"
        self.activate = activation_function(activation)
        self.activation = activation
        source = generator(rng, seed)
        self.w = [Value(weight) for weight in initial_weights(init, nin, fan_out, source)]
        self.b = Value(0.0) if bias else None

    @property
    def nin(self) -> int:
        """Number of inputs."""
        return len(self.w)

    def forward(self, inputs: list[Value]) -> Value:
        """The neuron on a list of ``nin`` Values (no checks: :meth:`__call__` makes them)."""
        return self.activate(dot(self.w, inputs, bias=self.b))

    def __call__(self, inputs: Input | Sequence[Input]) -> Value:
        """The neuron's output for ``nin`` inputs (floats or Values).

        Raises:
            ValueError: the number of inputs is not ``nin``.
        """
        return self.forward(as_values(inputs, self.nin, self))

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int:
        """``nin`` weights plus a bias."""
        return require_count("Neuron: nin", config["nin"]) + _bias_count(config)

    def config(self) -> dict[str, Any]:
        """``nin``, ``activation`` and ``bias``: the shape a file needs to rebuild the neuron."""
        return {"nin": self.nin, "activation": self.activation, "bias": self.b is not None}

    def extra_repr(self) -> str:
        bias = "" if self.b is not None else ", bias=False"
        return f"{self.nin}, activation={self.activation!r}{bias}"


@register
class Layer(Module):
    """A fully connected layer of ``nout`` neurons reading the same ``nin`` inputs.

    Called on ``nin`` floats or Values (or on a single Value when ``nin == 1``), it returns a list
    of ``nout`` Values, except that a one-neuron layer returns its Value alone, like micrograd.

    Args:
        nin: number of inputs.
        nout: number of neurons.
        activation: relu (default), tanh, sigmoid, leaky_relu or linear, for every neuron.
        bias: whether the neurons have biases.
        init: uniform, xavier or he.
        rng, seed: where the random weights come from.
        nonlin: micrograd's keyword (True: relu, False: linear); overrides activation.

    Raises:
        ValueError: an argument is out of range or an unknown name.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        *,
        bias: bool = True,
        init: str = "uniform",
        rng: random.Random | None = None,
        seed: int | None = None,
        nonlin: bool | None = None,
    ) -> None:
        nin = require_count("Layer: nin", nin)
        nout = require_count("Layer: nout", nout)
        source = generator(rng, seed)
        self.neurons = [
            Neuron(nin, activation, bias=bias, init=init, fan_out=nout, rng=source, nonlin=nonlin)
            for _ in range(nout)
        ]

    @property
    def nin(self) -> int:
        """Number of inputs."""
        return self.neurons[0].nin

    @property
    def nout(self) -> int:
        """Number of neurons (outputs)."""
        return len(self.neurons)

    @property
    def activation(self) -> str:
        """The neurons' activation name."""
        return self.neurons[0].activation

    def __call__(self, inputs: Input | Sequence[Input]) -> Value | list[Value]:
        """The layer's outputs: a list of ``nout`` Values, or one Value when ``nout == 1``.

        Raises:
            ValueError: the number of inputs is not ``nin``.
        """
        if isinstance(inputs, Value | int | float):
            inputs = [inputs]
        elif not isinstance(inputs, list | tuple):
            inputs = list(inputs)
        if len(inputs) != self.nin:
            raise ValueError(f"{self!r} expects {self.nin} inputs, got {len(inputs)}")
        neurons = self.neurons
        cached = self._weight_heads()
        sums: list[Any] | None = None
        if cached.heads is not None:
            try:
                sums = apply_rows(OPS["affine" if cached.bias else "dot"], cached.heads, inputs)
            except TypeError:  # another engine's scalars (forward mode's Duals): dot_rows below
                sums = None
        if sums is None:
            # One call for the whole layer: the inputs are converted and read once, not per
            # neuron.
            rows = [neuron.w for neuron in neurons]
            biases = None if neurons[0].b is None else [
                neuron.b for neuron in neurons if neuron.b is not None]
            sums = dot_rows(rows, inputs, biases)
        outputs = [neuron.activate(total) for neuron, total in zip(neurons, sums, strict=True)]
        return outputs[0] if len(outputs) == 1 else outputs

    def _weight_heads(self) -> _WeightHeads:
        """Each neuron's weights and bias as one tuple, made once and checked on every call.

        The check is what keeps the cache right whatever replaced a weight: it compares, by
        identity and in C (list equality tests identity first), the neurons, their weight lists
        and their biases with the ones the heads were made from, so ``neuron.w[i] = Value(...)``,
        a new ``neuron.w`` or ``neuron.b``, a replaced neuron or an optimiser that rebinds
        parameters all make new heads on the next call (``load_state_dict`` writes numbers into
        the same Values, which the heads read on every call). Its ``heads`` are ``None`` when
        the layer's weights are not all exact Values or only some neurons have a bias:
        :func:`autograd.dot_rows` then takes the general path.
        """
        cached = self.__dict__.get("_heads")
        neurons = self.neurons
        rows = [neuron.w for neuron in neurons]
        biases = [neuron.b for neuron in neurons]
        if (cached is not None and cached.rows == rows and cached.biases == biases
                and cached.neurons == neurons):
            return cached
        made = _WeightHeads.make(neurons, rows, biases)
        self.__dict__["_heads"] = made
        return made

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int:
        """``nout`` neurons of ``nin`` weights and a bias."""
        nin = require_count("Layer: nin", config["nin"])
        return require_count("Layer: nout", config["nout"]) * (nin + _bias_count(config))

    def config(self) -> dict[str, Any]:
        """``nin``, ``nout``, ``activation`` and ``bias``."""
        return {
            "nin": self.nin,
            "nout": self.nout,
            "activation": self.activation,
            "bias": self.neurons[0].b is not None,
        }

    def extra_repr(self) -> str:
        bias = "" if self.neurons[0].b is not None else ", bias=False"
        return f"{self.nin}, {self.nout}, activation={self.activation!r}{bias}"

    def children(self) -> list[tuple[str, Module]]:
        """None shown: a layer's repr summarises its neurons instead of listing them."""
        return []


class _WeightHeads:
    """A layer's weight heads, ``(w1, ..., wn, b)`` per neuron (``(w1, ..., wn)`` without
    biases; ``None`` when they cannot be used), with copies of what they were made from, to
    check them against.

    Not a list, a tuple, a Value or a Module, so :meth:`Module.parameters` and the other walks
    over a module's attributes never see the Values it holds twice.
    """

    __slots__ = ("heads", "bias", "neurons", "rows", "biases")

    def __init__(self, heads: list[tuple[Value, ...]] | None, bias: bool, neurons: list[Neuron],
                 rows: list[list[Value]], biases: list[Value | None]) -> None:
        self.heads, self.bias = heads, bias
        self.neurons, self.rows, self.biases = neurons, rows, biases

    @classmethod
    def make(cls, neurons: list[Neuron], rows: list[Any], biases: list[Any]) -> _WeightHeads:
        """The heads of ``neurons`` (``None`` when they are not all exact Values)."""
        bias = biases[0] is not None
        width = len(rows[0])
        heads: list[tuple[Value, ...]] | None = [
            (*row, b) if bias else tuple(row) for row, b in zip(rows, biases, strict=True)]
        if (any(len(row) != width for row in rows)
                or any((b is not None) is not bias for b in biases)
                or any(type(item) is not Value for head in heads or () for item in head)):
            heads = None
        return cls(heads, bias, list(neurons), [list(row) for row in rows], biases)


@register
class MLP(Module):
    """A multilayer perceptron: fully connected layers of widths ``nouts`` after ``nin`` inputs.

    ``MLP(2, [16, 16, 1])`` is micrograd's demo model: two ReLU hidden layers of 16 neurons and a
    linear output neuron; it returns a single Value because the last layer has one neuron.

    Args:
        nin: number of inputs.
        nouts: the width of each layer, the last one being the output layer.
        activation: the hidden layers' activation, one name for all or a list with one name per
            hidden layer.
        output_activation: the last layer's activation (linear unless asked otherwise).
        bias: whether the neurons have biases.
        init: uniform (as micrograd), xavier or he.
        rng, seed: where the random weights come from.

    Raises:
        ValueError: ``nouts`` is empty, a width is not positive, or a name is unknown.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        *,
        activation: str | Sequence[str] = "relu",
        output_activation: str = "linear",
        bias: bool = True,
        init: str = "uniform",
        rng: random.Random | None = None,
        seed: int | None = None,
    ) -> None:
        nin = require_count("MLP: nin", nin)
        widths = _widths(nouts, "MLP")
        if not widths:
            raise ValueError("MLP needs at least one layer width in nouts, e.g. MLP(2, [16, 1])")
        hidden = len(widths) - 1
        if isinstance(activation, str):
            activations = [activation] * hidden
        else:
            activations = list(activation)
            if len(activations) != hidden:
                raise ValueError(
                    f"MLP with {hidden} hidden layers got {len(activations)} activations "
                    f"{activations!r}; give one name or one per hidden layer"
                )
        activations.append(output_activation)
        sizes = [nin, *widths]
        source = generator(rng, seed)
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activations[i], bias=bias, init=init, rng=source)
            for i in range(len(widths))
        ]

    def __call__(self, inputs: Input | Sequence[Input]) -> Value | list[Value]:
        """The network's output: one Value if the last layer has one neuron, else a list."""
        outputs: Any = inputs
        for layer in self.layers:
            outputs = layer(outputs)
        return outputs  # type: ignore[no-any-return]

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int:
        """Each layer's width times (its inputs plus a bias), summed."""
        sizes = [require_count("MLP: nin", config["nin"]), *_widths(config["nouts"], "MLP")]
        bias = _bias_count(config)
        return sum(sizes[i + 1] * (sizes[i] + bias) for i in range(len(sizes) - 1))

    def config(self) -> dict[str, Any]:
        """``nin``, ``nouts``, the activations and ``bias``."""
        hidden = [layer.activation for layer in self.layers[:-1]]
        return {
            "nin": self.layers[0].nin,
            "nouts": [layer.nout for layer in self.layers],
            "activation": hidden[0] if len(set(hidden)) == 1 else hidden,
            "output_activation": self.layers[-1].activation,
            "bias": self.layers[0].neurons[0].b is not None,
        }

    def extra_repr(self) -> str:
        return f"{self.layers[0].nin}, {[layer.nout for layer in self.layers]}"


@register
class Sequential(Module):
    """Modules applied one after another: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Parameters are named ``layers.<index>.<name in that module>``.
    """

    def __init__(self, *modules: Module) -> None:
        for index, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(
                    f"Sequential item {index} is a {type(module).__name__}, not an nn.Module"
                )
        self.layers = list(modules)

    def __call__(self, inputs: Any) -> Any:
        """Feed ``inputs`` through every module in turn and return the last one's output."""
        for module in self.layers:
            inputs = module(inputs)
        return inputs

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, index: int) -> Module:
        return self.layers[index]

    def config(self) -> dict[str, Any]:
        """``{"modules": [architecture of each module]}``."""
        return {"modules": [module.architecture() for module in self.layers]}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Module:
        """Rebuild every listed module by its class name, then chain them."""
        return cls(*(build(architecture) for architecture in _module_list(config)))

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int | None:
        """The sum over the listed modules (``None`` when one of them cannot tell)."""
        total = 0
        for architecture in _module_list(config):
            count = parameter_count(architecture)
            if count is None:
                return None
            total += count
        return total


@register
class Flatten(Module):
    """Turn an image ``[channel][row][col]`` (any nesting of lists) into one flat list, row-major.

    It has no parameters; it sits between convolution/pooling layers and a ``Layer``/``MLP``.
    """

    def __call__(self, inputs: Any) -> list[Any]:
        """The leaves of the nested lists, in order."""
        flat: list[Any] = []
        stack = [iter([inputs])]
        while stack:
            for item in stack[-1]:
                if isinstance(item, list | tuple):
                    stack.append(iter(item))
                    break
                flat.append(item)
            else:
                stack.pop()
        return flat

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int:
        """0: flattening has no parameters."""
        return 0

    def config(self) -> dict[str, Any]:
        """No arguments."""
        return {}


@register
class Activation(Module):
    """An activation applied to every Value of a (nested) list, or to a single Value.

    ``Activation("relu")`` after a ``Conv2d`` in a ``Sequential`` makes a ReLU feature map.

    Args:
        name: relu, tanh, sigmoid, leaky_relu or linear.

    Raises:
        ValueError: the name is unknown.
    """

    def __init__(self, name: str) -> None:
        self.activate = activation_function(name)
        self.name = name

    def __call__(self, inputs: Any) -> Any:
        """The activation of every number in ``inputs``, keeping the nesting."""
        if isinstance(inputs, list | tuple):
            return [self(item) for item in inputs]
        return self.activate(inputs if isinstance(inputs, Value) else Value(inputs))

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int:
        """0: an activation has no parameters."""
        return 0

    def config(self) -> dict[str, Any]:
        """``{"name": ...}``."""
        return {"name": self.name}

    def extra_repr(self) -> str:
        return repr(self.name)
