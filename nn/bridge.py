"""Move models between ``nn`` and PyTorch: :func:`to_torch` and :func:`from_torch`.

``to_torch(model)`` builds the ``torch.nn.Module`` that computes the same function in float64,
with the same weights and the same number of parameters, so a model trained here can go on
training in PyTorch (on mini-batches, on a GPU, at scale). ``from_torch(module)`` is the inverse,
so a small PyTorch model can be brought here to look inside it: draw its graph, step through its
backward pass. ``to_torch(from_torch(m))`` has exactly ``m``'s parameters.

==========================================  ==============================================
nn                                          torch.nn (float64)
==========================================  ==============================================
``Layer(nin, nout, activation, bias)``      ``Linear(nin, nout, bias)`` then the activation
``Neuron(nin, activation, bias)``           ``Linear(nin, 1, bias)`` then the activation
``MLP(nin, nouts, ...)``                    ``Sequential`` of Linear and activation modules
``Activation("relu" | "tanh" | "sigmoid")`` ``ReLU`` / ``Tanh`` / ``Sigmoid``
``Activation("leaky_relu")``                ``LeakyReLU(0.01)``
``Activation("softplus")``                  ``Softplus(beta=1, threshold=40)`` (see below)
``Activation("linear")``                    ``Identity``
``Conv2d(in, out, k, stride, padding)``     ``Conv2d(in, out, k, stride, padding)``
``MaxPool2d(k, stride)`` / ``AvgPool2d``    ``MaxPool2d(k, stride)`` / ``AvgPool2d(k, stride)``
``Flatten()``                               ``Flatten()`` (``start_dim=1``)
``Sequential(...)``                         ``Sequential(...)``, item by item
``RNNCell`` / ``LSTMCell`` / ``GRUCell``    ``RNNCell`` / ``LSTMCell`` / ``GRUCell``
``RNN`` / ``LSTM`` / ``GRU``                the same, ``num_layers=1, batch_first=True``
==========================================  ==============================================

A Layer's activation becomes a module of its own, so ``from_torch(to_torch(layer))`` is a
``Sequential(Layer(..., "linear"), Activation(...))``: the same function and parameters.

**Layouts.** nn works on one sample at a time, torch on a batch:

* a Layer's input, a list of ``nin`` numbers, is one row ``x[n, :]`` of a ``(N, nin)`` tensor; its
  output list of ``nout`` Values is the row ``y[n, :]`` of the ``(N, nout)`` output (a one-neuron
  layer returns one Value here and a row of length 1 in torch);
* an image ``image[c][r][col]`` (channels of rows of columns) is the sample ``x[n, c, r, col]`` of
  a ``(N, C, H, W)`` tensor, and ``Flatten`` lists it in the same row-major ``(c, r, col)`` order
  as ``torch.nn.Flatten()`` does;
* neuron ``o``'s weight ``w[i]`` is ``Linear.weight[o, i]`` and its bias ``b`` is ``bias[o]``;
  a Conv2d's ``weight[o][k]`` with ``k = (c * kh + i) * kw + j`` is ``Conv2d.weight[o, c, i, j]``;
* a recurrent cell already has PyTorch's parameters (``weight_ih``, ``weight_hh``, ``bias_ih``,
  ``bias_hh``, rows stacked gate by gate in PyTorch's order), so they are copied row for row (a
  sequence layer's become ``weight_ih_l0`` and so on). A cell's input ``x`` and state ``h`` (or
  ``(h, c)``) are rows of ``(N, input_size)`` and ``(N, hidden_size)`` tensors. A sequence layer
  here runs one sequence, a list of steps; ``to_torch`` builds the torch layer with
  ``batch_first=True``, so that sequence is ``x[n]`` of an ``(N, steps, input_size)`` batch, our
  outputs (``h`` at every step) are ``output[n]`` and our final state is ``h_n[0, n]`` (and
  ``c_n[0, n]``). ``from_torch`` accepts either ``batch_first`` (the weights are the same) but
  only one layer, one direction and no projection.

Both engines send a max-pooling window's gradient to its first maximum in row-major order at a
tie. torch's ``Softplus`` returns ``x`` itself above its ``threshold`` (default 20, where it
differs from ``log(1 + e**x)`` by up to ``e**-20``, about 2e-9); ``to_torch`` sets threshold 40,
where the difference is below float64's resolution, and ``from_torch`` accepts a threshold of 20
or more (a lower one is refused: at threshold 1 torch's function is 0.31 away from nn's).

**Shared modules.** A module used twice (the same object in two places of a ``Sequential``)
stays one module used twice in both directions, so ``to_torch(from_torch(m))`` has exactly
``m``'s parameters. One torch ``Parameter`` held by two *different* modules (a tied weight) is
refused, as are hooks (forward, pre-forward, backward), complex weights and weights on the meta
device (they have no numbers yet).

Anything else (your own Module subclass, a torch module with no counterpart here such as
``Dropout`` or ``BatchNorm2d``, or settings the nn class cannot express such as a dilated
convolution) is refused with an error naming the class; nothing half-built is returned. torch is
imported only when these functions run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from autograd.pytorch.dispatch import require_torch

from .conv import AvgPool2d, Conv2d, MaxPool2d
from .layers import MLP, Activation, Flatten, Layer, Neuron, Sequential
from .module import Module
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RecurrentCell, RecurrentLayer, RNNCell

#: ``from_torch`` refuses a torch module with more parameters than this (each becomes a Value of
#: about 100 bytes, so a million take about 100 MB); raise it with ``max_parameters=``.
MAX_PARAMETERS = 1_000_000

#: torch.nn.Softplus's threshold in ``to_torch``: above it torch returns x, and
#: log(1 + e**x) - x = e**-40 (about 4e-18) is below float64's resolution of x there.
SOFTPLUS_THRESHOLD = 40.0

#: nn activation names and the torch.nn classes that compute them.
_ACTIVATION_CLASSES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid",
                       "leaky_relu": "LeakyReLU", "softplus": "Softplus", "linear": "Identity"}
_LEAKY_SLOPE = 0.01  # Value.leaky_relu's default slope, the one nn's "leaky_relu" uses


# --------------------------------------------------------------------------------------------
# nn -> torch
# --------------------------------------------------------------------------------------------


def to_torch(module: Module) -> Any:
    """The ``torch.nn.Module`` computing the same function as ``module``, in float64.

    Args:
        module: an ``MLP``, ``Layer``, ``Neuron``, ``Activation``, ``Flatten``, ``Conv2d``,
            ``MaxPool2d``, ``AvgPool2d``, a ``Sequential`` of them, a recurrent cell
            (``RNNCell``, ``LSTMCell``, ``GRUCell``) or a sequence layer (``RNN``, ``LSTM``,
            ``GRU``).

    Returns:
        A float64 ``torch.nn.Module`` with the same weights (copied: the two models are
        independent afterwards) and the same number of parameters. It takes batches: see the
        module docstring for the layouts.

    Raises:
        TypeError: ``module`` (or an item inside it) has no torch counterpart; the message names
            its class.
        ImportError: torch is not installed (``pip install 'chainrule[torch]'``, from a checkout
            ``pip install -e '.[torch]'``).
    """
    torch = require_torch("nn.to_torch")
    return _to_torch(torch, module, {})


def _to_torch(torch: Any, module: Module, converted: dict[int, Any]) -> Any:
    """``module`` in torch; ``converted`` maps the id of each nn module already converted to its
    torch module, so a module used twice (a shared layer) is one torch module used twice."""
    if id(module) in converted:
        return converted[id(module)]
    if type(module) is Sequential:  # item by item, so that an item used twice stays shared
        result = torch.nn.Sequential(*(_to_torch(torch, item, converted) for item in module.layers))
    elif type(module) in _TO_TORCH:
        result = _TO_TORCH[type(module)](torch, module)
    else:
        known = sorted(cls.__name__ for cls in [*_TO_TORCH, Sequential])
        raise TypeError(
            f"nn.to_torch: {type(module).__name__} has no torch counterpart; it converts "
            f"{', '.join(known)} (not their subclasses, which may compute something else)"
        )
    converted[id(module)] = result
    return result


def _activation(torch: Any, name: str) -> Any:
    if name == "leaky_relu":
        return torch.nn.LeakyReLU(_LEAKY_SLOPE)
    if name == "softplus":
        return torch.nn.Softplus(beta=1.0, threshold=SOFTPLUS_THRESHOLD)
    return getattr(torch.nn, _ACTIVATION_CLASSES[name])()


def _fill(torch: Any, parameter: Any, numbers: Sequence[Any]) -> None:
    """Copy (nested lists of) numbers into a torch parameter of the same shape."""
    with torch.no_grad():
        parameter.copy_(torch.tensor(numbers, dtype=torch.float64).reshape(parameter.shape))


def _linear(torch: Any, neurons: Sequence[Neuron]) -> Any:
    """``torch.nn.Linear`` holding the weights and biases of ``neurons`` (one row each)."""
    bias = neurons[0].b is not None
    linear = torch.nn.Linear(neurons[0].nin, len(neurons), bias=bias, dtype=torch.float64)
    _fill(torch, linear.weight, [[w.data for w in neuron.w] for neuron in neurons])
    if bias:
        _fill(torch, linear.bias, [neuron.b.data for neuron in neurons])  # type: ignore[union-attr]
    return linear


def _with_activation(torch: Any, linear: Any, activation: str) -> Any:
    if activation == "linear":
        return linear
    return torch.nn.Sequential(linear, _activation(torch, activation))


def _layer_to_torch(torch: Any, layer: Layer) -> Any:
    return _with_activation(torch, _linear(torch, layer.neurons), layer.activation)


def _neuron_to_torch(torch: Any, neuron: Neuron) -> Any:
    return _with_activation(torch, _linear(torch, [neuron]), neuron.activation)


def _mlp_to_torch(torch: Any, mlp: MLP) -> Any:
    modules = []
    for layer in mlp.layers:
        modules.append(_linear(torch, layer.neurons))
        if layer.activation != "linear":
            modules.append(_activation(torch, layer.activation))
    return torch.nn.Sequential(*modules)


def _conv_to_torch(torch: Any, conv: Conv2d) -> Any:
    result = torch.nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size,
                             stride=conv.stride, padding=conv.padding,
                             bias=conv.bias is not None, dtype=torch.float64)
    _fill(torch, result.weight, [[w.data for w in row] for row in conv.weight])
    if conv.bias is not None:
        _fill(torch, result.bias, [b.data for b in conv.bias])
    return result


#: The parameters of a recurrent cell, in PyTorch's order (and nn's attribute order).
_CELL_PARAMETERS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _cell_options(cell: RecurrentCell) -> dict[str, Any]:
    options: dict[str, Any] = {"bias": cell.bias}
    if isinstance(cell, RNNCell):
        options["nonlinearity"] = cell.nonlinearity
    return options


def _copy_cell(torch: Any, cell: RecurrentCell, target: Any, suffix: str) -> Any:
    """Copy ``cell``'s weights into ``target``'s ``weight_ih<suffix>`` and so on."""
    for name in _CELL_PARAMETERS:
        numbers = getattr(cell, name)
        if numbers is not None:
            rows = [[w.data for w in row] if isinstance(row, list) else row.data
                    for row in numbers]
            _fill(torch, getattr(target, name + suffix), rows)
    return target


def _cell_to_torch(torch: Any, cell: RecurrentCell) -> Any:
    torch_class = getattr(torch.nn, type(cell).__name__)  # RNNCell, LSTMCell, GRUCell
    target = torch_class(cell.input_size, cell.hidden_size, dtype=torch.float64,
                         **_cell_options(cell))
    return _copy_cell(torch, cell, target, "")


def _sequence_to_torch(torch: Any, layer: RecurrentLayer) -> Any:
    torch_class = getattr(torch.nn, type(layer).__name__)  # RNN, LSTM, GRU
    target = torch_class(layer.input_size, layer.hidden_size, num_layers=1, batch_first=True,
                         dtype=torch.float64, **_cell_options(layer.cell))
    return _copy_cell(torch, layer.cell, target, "_l0")


_TO_TORCH: dict[type, Callable[[Any, Any], Any]] = {
    MLP: _mlp_to_torch,
    Layer: _layer_to_torch,
    Neuron: _neuron_to_torch,
    Activation: lambda torch, activation: _activation(torch, activation.name),
    Flatten: lambda torch, flatten: torch.nn.Flatten(),
    Conv2d: _conv_to_torch,
    MaxPool2d: lambda torch, pool: torch.nn.MaxPool2d(pool.kernel_size, pool.stride),
    AvgPool2d: lambda torch, pool: torch.nn.AvgPool2d(pool.kernel_size, pool.stride),
    RNNCell: _cell_to_torch,
    LSTMCell: _cell_to_torch,
    GRUCell: _cell_to_torch,
    RNN: _sequence_to_torch,
    LSTM: _sequence_to_torch,
    GRU: _sequence_to_torch,
}


# --------------------------------------------------------------------------------------------
# torch -> nn
# --------------------------------------------------------------------------------------------


def from_torch(module: Any, *, max_parameters: int = MAX_PARAMETERS) -> Module:
    """The nn model computing the same function as the torch module ``module``.

    Args:
        module: a ``torch.nn`` ``Linear``, ``Conv2d``, ``MaxPool2d``, ``AvgPool2d``, ``Flatten``,
            ``ReLU``, ``Tanh``, ``Sigmoid``, ``LeakyReLU(0.01)``, ``Softplus(beta=1)``,
            ``Identity``, a ``Sequential`` of them (a module used twice stays shared), an
            ``RNNCell``, ``LSTMCell`` or ``GRUCell``, or a one-layer, one-direction ``RNN``,
            ``LSTM`` or ``GRU``.
        max_parameters: refuse a module with more parameters than this, before building
            anything (each parameter becomes one Value here).

    Returns:
        An ``nn.Module`` with the same weights as Python floats (a float32 model's numbers are
        kept exactly).

    Raises:
        TypeError: ``module`` (or an item inside it) has no counterpart in nn; the message names
            its class. Or a weight is complex (or not a float): the message names the module,
            the parameter and its dtype.
        ValueError: a module uses settings its nn counterpart cannot express (a dilated or
            grouped convolution, padded pooling, a LeakyReLU slope other than 0.01, a Softplus
            threshold below 20, a two-layer or bidirectional LSTM...), has a hook (forward,
            forward pre-, backward), holds a Parameter tied to another module's, has more
            than ``max_parameters`` parameters, or holds a weight that is not finite or has
            no data (the meta device).
        ImportError: torch is not installed (``pip install 'chainrule[torch]'``, from a checkout
            ``pip install -e '.[torch]'``).
    """
    torch = require_torch("nn.from_torch")
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"nn.from_torch needs a torch.nn.Module, got {type(module).__name__}")
    count = sum(parameter.numel() for parameter in module.parameters())
    if count > max_parameters:
        raise ValueError(
            f"nn.from_torch: {type(module).__name__} has {count:,} parameters, more than "
            f"max_parameters={max_parameters:,} (each becomes a Value of about 100 bytes); pass "
            "a larger max_parameters if you mean it"
        )
    _refuse_hooks(torch, module)
    _refuse_unreadable_weights(module)
    _refuse_tied_weights(module)
    return _from_torch(torch, module, {})


def _from_torch(torch: Any, module: Any, converted: dict[int, Module]) -> Module:
    """``module`` in nn; ``converted`` maps the id of each torch module already converted to its
    nn module, so a module used twice stays one module (and one set of parameters) used twice."""
    if id(module) in converted:
        return converted[id(module)]
    table = _from_torch_table(torch)
    if type(module) is torch.nn.Sequential:  # item by item, so an item used twice stays shared
        result: Module = Sequential(*(_from_torch(torch, item, converted) for item in module))
    elif type(module) in table:
        result = table[type(module)](torch, module)
    else:
        known = ", ".join(sorted(cls.__name__ for cls in [*table, torch.nn.Sequential]))
        raise TypeError(
            f"nn.from_torch: {type(module).__module__}.{type(module).__qualname__} has no "
            f"counterpart in nn; it converts torch.nn {known}"
        )
    converted[id(module)] = result
    return result


#: The hook tables of a torch.nn.Module, and what each holds.
_HOOKS = {"_forward_pre_hooks": "a forward pre-hook", "_forward_hooks": "a forward hook",
          "_backward_pre_hooks": "a backward pre-hook", "_backward_hooks": "a backward hook"}


def _refuse_hooks(torch: Any, module: Any) -> None:
    """Refuse a module (or a submodule) with hooks: they change what it computes or what its
    gradients are, and an nn model has no hooks to carry them over.

    Raises:
        ValueError: naming the module (by its path inside ``module``) and the hook.
    """
    everywhere = torch.nn.modules.module
    for table, kind in _HOOKS.items():
        for hook in getattr(everywhere, "_global" + table, {}).values():
            raise ValueError(
                f"nn.from_torch: {module!r} would run {kind} {_hook_name(hook)} registered for "
                "every module (torch.nn.modules.module.register_module_..._hook), which nn "
                "models do not run; remove it (the handle's remove()) before converting"
            )
    for path, submodule in module.named_modules():
        for table, kind in _HOOKS.items():
            for hook in getattr(submodule, table, {}).values():
                raise _refuse(submodule, f"{kind} {_hook_name(hook)}" + _where(path),
                              "nn models do not run: remove it (the handle's remove()) before "
                              "converting, or apply its effect to the converted model yourself")


def _hook_name(hook: Any) -> str:
    return repr(getattr(hook, "__qualname__", type(hook).__qualname__))


def _where(path: str) -> str:
    return f" (at {path!r} in the converted module)" if path else ""


def _refuse_unreadable_weights(module: Any) -> None:
    """Refuse complex weights (nn's Values are real) and weights without data (meta device).

    Raises:
        TypeError: a parameter is complex; the message names the module, parameter and dtype.
        ValueError: a parameter is on the meta device (it has a shape but no numbers).
    """
    for path, submodule in module.named_modules():
        for name, parameter in submodule.named_parameters(recurse=False):
            if parameter.is_complex() or not parameter.is_floating_point():
                raise TypeError(
                    f"nn.from_torch: {submodule!r}{_where(path)} has parameter {name!r} of dtype "
                    f"{parameter.dtype}, which nn cannot hold: its Values are real floats (a "
                    "complex weight would lose its imaginary part); convert a real model"
                )
            if parameter.is_meta:
                raise ValueError(
                    f"nn.from_torch: {submodule!r}{_where(path)} has parameter {name!r} on the "
                    "meta device: the weights have no data to copy; materialise them first "
                    "(module.to_empty(device='cpu') then load_state_dict(...) or an "
                    "initialisation)"
                )


def _refuse_tied_weights(module: Any) -> None:
    """Refuse one torch Parameter held by two different modules (tied weights).

    The same module used twice is kept shared (see :func:`_from_torch`); a Parameter shared
    between two different modules would need the two nn modules to share some of their
    Values, which the converters do not build, so it is refused rather than silently untied.

    Raises:
        ValueError: naming both places that hold the parameter.
    """
    owners: dict[int, str] = {}
    for path, submodule in module.named_modules():
        for name, parameter in submodule.named_parameters(recurse=False):
            place = f"{path}.{name}" if path else name
            if id(parameter) in owners:
                raise _refuse(submodule, f"parameter {name!r}" + _where(path) + " shared with "
                              f"{owners[id(parameter)]!r} (a tied weight)",
                              "nn.from_torch cannot keep tied between two different modules; "
                              "use the same module object in both places, which is kept shared")
            owners[id(parameter)] = place


@cache
def _from_torch_table(torch: Any) -> dict[type, Callable[[Any, Any], Module]]:
    """The converters by torch class (built once, when torch is first needed); a Sequential is
    converted item by item in :func:`_from_torch`."""
    layers = torch.nn
    table: dict[type, Callable[[Any, Any], Module]] = {
        layers.Linear: _linear_from_torch,
        layers.Conv2d: _conv_from_torch,
        layers.MaxPool2d: lambda torch, pool: MaxPool2d(*_pool_settings(pool)),
        layers.AvgPool2d: lambda torch, pool: AvgPool2d(*_pool_settings(pool)),
        layers.Flatten: _flatten_from_torch,
        layers.LeakyReLU: _leaky_from_torch,
        layers.Softplus: _softplus_from_torch,
        layers.RNNCell: lambda torch, cell: _cell_from_torch(cell, RNNCell, ""),
        layers.LSTMCell: lambda torch, cell: _cell_from_torch(cell, LSTMCell, ""),
        layers.GRUCell: lambda torch, cell: _cell_from_torch(cell, GRUCell, ""),
        layers.RNN: lambda torch, layer: _cell_from_torch(layer, RNN, "_l0"),
        layers.LSTM: lambda torch, layer: _cell_from_torch(layer, LSTM, "_l0"),
        layers.GRU: lambda torch, layer: _cell_from_torch(layer, GRU, "_l0"),
    }
    for name, class_name in _ACTIVATION_CLASSES.items():
        if name not in ("leaky_relu", "softplus"):  # those two have settings to check
            table[getattr(layers, class_name)] = _plain_activation(name)
    return table


def _plain_activation(name: str) -> Callable[[Any, Any], Module]:
    return lambda torch, module: Activation(name)


def _refuse(module: Any, setting: str, why: str) -> ValueError:
    return ValueError(f"nn.from_torch: {module!r} has {setting}, which {why}")


def _pair(value: Any) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    return int(pair[0]), int(pair[1])


def _load(model: Module, numbers: Sequence[float], source: Any) -> Module:
    """Set ``model``'s parameters, in ``named_parameters`` order, from ``numbers``."""
    names = [name for name, _ in model.named_parameters()]
    try:
        model.load_state_dict(dict(zip(names, numbers, strict=True)))
    except ValueError as error:
        error.add_note(f"nn.from_torch: while copying the weights of {source!r}")
        raise
    return model


def _linear_from_torch(torch: Any, linear: Any) -> Module:
    bias = linear.bias is not None
    layer = Layer(linear.in_features, linear.out_features, "linear", bias=bias, seed=0)
    biases = linear.bias.detach().double().tolist() if bias else []
    numbers: list[float] = []
    for o, row in enumerate(linear.weight.detach().double().tolist()):
        numbers += row  # neuron o: its weights, then its bias
        if bias:
            numbers.append(biases[o])
    return _load(layer, numbers, linear)


def _conv_from_torch(torch: Any, conv: Any) -> Module:
    if isinstance(conv.padding, str):
        raise _refuse(conv, f"padding={conv.padding!r}", "nn.Conv2d expresses as numbers: give "
                      "padding as an int or a pair")
    for setting, plain in (("dilation", (1, 1)), ("groups", 1), ("padding_mode", "zeros")):
        if getattr(conv, setting) != plain:
            raise _refuse(conv, f"{setting}={getattr(conv, setting)!r}",
                          f"nn.Conv2d does not support (only {setting}={plain!r})")
    bias = conv.bias is not None
    result = Conv2d(conv.in_channels, conv.out_channels, _pair(conv.kernel_size),
                    stride=_pair(conv.stride), padding=_pair(conv.padding), bias=bias, seed=0)
    numbers = conv.weight.detach().double().reshape(-1).tolist()
    if bias:
        numbers += conv.bias.detach().double().tolist()
    return _load(result, numbers, conv)


def _pool_settings(pool: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    if _pair(pool.padding) != (0, 0) or pool.ceil_mode:
        raise _refuse(pool, f"padding={pool.padding!r}, ceil_mode={pool.ceil_mode!r}",
                      "nn's pooling layers do not support (only padding=0, ceil_mode=False)")
    if getattr(pool, "dilation", 1) not in (1, (1, 1)) or getattr(pool, "return_indices", False):
        raise _refuse(pool, "dilation or return_indices",
                      "nn.MaxPool2d does not support (only dilation=1, return_indices=False)")
    if getattr(pool, "divisor_override", None) is not None:
        raise _refuse(pool, f"divisor_override={pool.divisor_override!r}",
                      "nn.AvgPool2d does not support (it divides by the window's area)")
    kernel = _pair(pool.kernel_size)
    return kernel, _pair(pool.stride) if pool.stride is not None else kernel


def _flatten_from_torch(torch: Any, flatten: Any) -> Module:
    if (flatten.start_dim, flatten.end_dim) != (1, -1):
        raise _refuse(flatten, f"start_dim={flatten.start_dim}, end_dim={flatten.end_dim}",
                      "nn.Flatten does not express: it flattens a whole sample (start_dim=1, "
                      "end_dim=-1 on a batch)")
    return Flatten()


def _leaky_from_torch(torch: Any, leaky: Any) -> Module:
    if leaky.negative_slope != _LEAKY_SLOPE:
        raise _refuse(leaky, f"negative_slope={leaky.negative_slope!r}",
                      f"nn's leaky_relu does not use (its slope is {_LEAKY_SLOPE})")
    return Activation("leaky_relu")


#: The lowest torch.nn.Softplus threshold from_torch accepts, torch's default. Above its
#: threshold torch returns x itself, which differs from nn's log(1 + e**x) by log(1 + e**-x),
#: at most e**-20 (about 2e-9) here; a lower threshold is a different function (0.31 apart at
#: threshold 1), which nn's softplus cannot express.
LOWEST_SOFTPLUS_THRESHOLD = 20.0


def _softplus_from_torch(torch: Any, softplus: Any) -> Module:
    if softplus.beta != 1.0:
        raise _refuse(softplus, f"beta={softplus.beta!r}",
                      "nn's softplus does not use (it computes log(1 + e**x), beta=1)")
    if not softplus.threshold >= LOWEST_SOFTPLUS_THRESHOLD:
        raise _refuse(softplus, f"threshold={softplus.threshold!r}",
                      "nn's softplus cannot express: torch returns x itself for x > threshold, "
                      "where log(1 + e**x) is larger by up to log(1 + e**-threshold); use "
                      f"threshold >= {LOWEST_SOFTPLUS_THRESHOLD:g} (torch's default)")
    return Activation("softplus")


def _cell_from_torch(source: Any, nn_class: Callable[..., Module], suffix: str) -> Module:
    """An nn cell or sequence layer with ``source``'s weights (``suffix`` ``"_l0"`` for a layer)."""
    if suffix:
        settings = {"num_layers": 1, "bidirectional": False, "proj_size": 0}
        for setting, plain in settings.items():
            if getattr(source, setting, plain) != plain:
                raise _refuse(source, f"{setting}={getattr(source, setting)!r}",
                              f"nn's {type(source).__name__} does not support (only "
                              f"{setting}={plain!r})")
    options: dict[str, Any] = {"bias": source.bias}
    if nn_class in (RNNCell, RNN):
        options["nonlinearity"] = source.nonlinearity
    result = nn_class(source.input_size, source.hidden_size, seed=0, **options)
    numbers: list[float] = []
    for name in _CELL_PARAMETERS:
        parameter = getattr(source, name + suffix, None)
        if parameter is not None:
            numbers += parameter.detach().double().reshape(-1).tolist()
    return _load(result, numbers, source)
