"""nn.to_torch / nn.from_torch: the same function, weights and gradients on both sides.

PyTorch is the reference here (the dev extra installs the CPU wheel). Outputs are compared to
1e-12; gradients of the same loss are compared weight by weight through the documented layout
(neuron o's w[i] is Linear.weight[o, i]; a Conv2d's weight[o][(c*kh + i)*kw + j] is
weight[o, c, i, j]; image[c][r][col] is x[n, c, r, col]).
"""

from __future__ import annotations

import math
import random
import subprocess
import sys
from typing import Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Value
from autograd import sum as value_sum

TOLERANCE = 1e-12
ACTIVATIONS = ["relu", "tanh", "sigmoid", "leaky_relu", "softplus", "linear"]


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def flat(output: Any) -> list[float]:
    """An nn output (a Value, a list, nested lists) as a flat list of numbers."""
    return [value.data for value in nn.Flatten()(output)]


def torch_batch(samples: list[Any]) -> torch.Tensor:
    return torch.tensor(samples, dtype=torch.float64)


def same_outputs(model: nn.Module, converted: torch.nn.Module, samples: list[Any]) -> bool:
    ours = [flat(model(sample)) for sample in samples]
    theirs = converted(torch_batch(samples)).reshape(len(samples), -1).tolist()
    return all(close(a, b) for row, other in zip(ours, theirs, strict=True)
               for a, b in zip(row, other, strict=True))


def loss_backward(model: nn.Module, converted: torch.nn.Module, samples: list[Any]) -> None:
    """The same loss on both sides, sum over samples of sum_k (k+1) * output_k ** 2, backward."""
    model.zero_grad()
    terms = []
    for sample in samples:
        outputs = nn.Flatten()(model(sample))
        terms += [(k + 1) * output**2 for k, output in enumerate(outputs)]
    value_sum(terms).backward()
    result = converted(torch_batch(samples)).reshape(len(samples), -1)
    weights = torch.arange(1, result.shape[1] + 1, dtype=torch.float64)
    (weights * result**2).sum().backward()


def linear_modules(converted: torch.nn.Module) -> list[torch.nn.Linear]:
    return [module for module in converted.modules() if isinstance(module, torch.nn.Linear)]


def torch_parameter_count(module: torch.nn.Module) -> int:
    return sum(parameter.numel() for parameter in module.parameters())


@st.composite
def mlps(draw: Any) -> tuple[nn.MLP, list[list[float]]]:
    nin = draw(st.integers(1, 4))
    widths = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    model = nn.MLP(
        nin, widths,
        activation=draw(st.sampled_from(ACTIVATIONS)),
        output_activation=draw(st.sampled_from(ACTIVATIONS)),
        bias=draw(st.booleans()),
        seed=draw(st.integers(0, 1000)),
    )
    number = st.floats(-3.0, 3.0, allow_nan=False)
    samples = draw(st.lists(st.lists(number, min_size=nin, max_size=nin), min_size=1, max_size=3))
    return model, samples


# --------------------------------------------------------------------------------------------
# Imports
# --------------------------------------------------------------------------------------------


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)


def test_importing_autograd_and_nn_does_not_import_torch() -> None:
    result = run_python("import sys, autograd, nn; print('torch' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_without_torch_to_torch_raises_import_error_naming_the_extra() -> None:
    result = run_python(
        "import sys; sys.modules['torch'] = None\n"
        "import nn\n"
        "try:\n    nn.to_torch(nn.Layer(2, 1))\n"
        "except ImportError as error:\n    print(error)\n"
    )
    assert "pip install 'chainrule[torch]'" in result.stdout, result.stderr


def test_without_torch_from_torch_raises_import_error_naming_the_extra() -> None:
    result = run_python(
        "import sys; sys.modules['torch'] = None\n"
        "import nn\n"
        "try:\n    nn.from_torch(object())\n"
        "except ImportError as error:\n    print(error)\n"
    )
    assert "nn.from_torch needs PyTorch" in result.stdout, result.stderr
    assert "chainrule[torch]" in result.stdout


# --------------------------------------------------------------------------------------------
# nn -> torch
# --------------------------------------------------------------------------------------------


@given(mlps())
def test_a_random_mlp_computes_the_same_outputs_in_torch(example: Any) -> None:
    model, samples = example
    assert same_outputs(model, nn.to_torch(model), samples)


@given(mlps())
def test_a_random_mlp_has_the_same_parameter_count_in_torch(example: Any) -> None:
    model, _ = example
    assert torch_parameter_count(nn.to_torch(model)) == len(model.parameters())


@given(mlps())
def test_a_random_mlp_gets_the_same_gradients_of_the_same_loss(example: Any) -> None:
    model, samples = example
    converted = nn.to_torch(model)
    loss_backward(model, converted, samples)
    for layer, linear in zip(model.layers, linear_modules(converted), strict=True):
        for o, neuron in enumerate(layer.neurons):
            for i, weight in enumerate(neuron.w):
                assert close(weight.grad, linear.weight.grad[o, i].item())
            if neuron.b is not None:
                assert close(neuron.b.grad, linear.bias.grad[o].item())


def test_converted_models_are_float64() -> None:
    converted = nn.to_torch(nn.MLP(2, [3, 1], seed=0))
    assert {parameter.dtype for parameter in converted.parameters()} == {torch.float64}


def test_converted_weights_are_copies_not_shared() -> None:
    model = nn.Layer(2, 1, "linear", seed=0)
    converted = nn.to_torch(model)
    with torch.no_grad():
        converted.weight.add_(1.0)
    assert model.neurons[0].w[0].data == converted.weight[0, 0].item() - 1.0


def test_a_layer_weight_lands_at_the_documented_linear_position() -> None:
    model = nn.Layer(3, 2, "linear", seed=0)
    state = {name: 0.0 for name in model.state_dict()}
    state["neurons.1.w.2"] = 5.0
    state["neurons.0.b"] = -2.0
    model.load_state_dict(state)
    linear = nn.to_torch(model)
    assert linear.weight.tolist() == [[0.0, 0.0, 0.0], [0.0, 0.0, 5.0]]
    assert linear.bias.tolist() == [-2.0, 0.0]


def test_a_layer_with_an_activation_becomes_linear_then_the_activation() -> None:
    converted = nn.to_torch(nn.Layer(2, 3, "tanh", seed=0))
    assert [type(module) for module in converted] == [torch.nn.Linear, torch.nn.Tanh]


def test_a_one_neuron_layer_gives_a_row_of_one_in_torch() -> None:
    model = nn.Layer(2, 1, "sigmoid", seed=3)
    output = nn.to_torch(model)(torch_batch([[0.5, -1.5]]))
    assert output.shape == (1, 1)
    assert close(output.item(), model([0.5, -1.5]).data)


def test_a_neuron_converts_like_a_one_neuron_layer() -> None:
    neuron = nn.Neuron(3, "leaky_relu", seed=4)
    assert same_outputs(neuron, nn.to_torch(neuron), [[-1.0, 0.2, 0.3], [1.0, 2.0, -3.0]])


@pytest.mark.parametrize(
    ("name", "torch_class"),
    [("relu", torch.nn.ReLU), ("tanh", torch.nn.Tanh), ("sigmoid", torch.nn.Sigmoid),
     ("leaky_relu", torch.nn.LeakyReLU), ("softplus", torch.nn.Softplus),
     ("linear", torch.nn.Identity)],
)
def test_each_activation_becomes_its_torch_module(name: str, torch_class: type) -> None:
    assert type(nn.to_torch(nn.Activation(name))) is torch_class


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_each_activation_computes_the_same_numbers(name: str) -> None:
    points = [-30.0, -2.5, -0.1, 0.0, 0.1, 2.5, 21.0, 30.0, 39.0]
    converted = nn.to_torch(nn.Activation(name))
    theirs = converted(torch.tensor(points, dtype=torch.float64)).tolist()
    ours = [nn.Activation(name)(x).data for x in points]
    assert all(close(a, b) for a, b in zip(ours, theirs, strict=True))


def test_softplus_above_torchs_default_threshold_matches_to_1e_12() -> None:
    # torch.nn.Softplus() returns x above 20, log(1 + e**x) - x = e**-21 = 7.6e-10 at 21: the
    # converted module must not use that default.
    converted = nn.to_torch(nn.Activation("softplus"))
    x = 21.0
    exact = x + math.log1p(math.exp(-x))
    assert abs(converted(torch.tensor(x, dtype=torch.float64)).item() - exact) < 1e-12


# --------------------------------------------------------------------------------------------
# Images: layout, convolution nets
# --------------------------------------------------------------------------------------------


def image(channels: int, height: int, width: int, rng: random.Random) -> list[Any]:
    return [[[rng.uniform(-1.0, 1.0) for _ in range(width)] for _ in range(height)]
            for _ in range(channels)]


def test_flatten_lists_an_image_in_torchs_channel_row_column_order() -> None:
    picture = [[[100 * c + 10 * r + col for col in range(3)] for r in range(2)]
               for c in range(2)]
    ours = [value.data for value in nn.Flatten()(nn.Activation("linear")(picture))]
    theirs = nn.to_torch(nn.Flatten())(torch_batch([picture]))[0].tolist()
    assert ours == theirs
    assert ours[:4] == [0.0, 1.0, 2.0, 10.0]  # channel 0, row 0, columns 0..2, then row 1


def test_a_conv_weight_lands_at_weight_o_c_i_j() -> None:
    conv = nn.Conv2d(2, 1, (2, 3), seed=0)
    state = {name: 0.0 for name in conv.state_dict()}
    state["weight.0.11"] = 7.0  # k = (c*kh + i)*kw + j = (1*2 + 1)*3 + 2
    conv.load_state_dict(state)
    weight = nn.to_torch(conv).weight
    assert weight[0, 1, 1, 2].item() == 7.0
    assert weight.abs().sum().item() == 7.0


def test_a_conv_reads_image_c_r_col_as_x_n_c_r_col() -> None:
    # A 1x1 kernel on channel 1 only, weight 1: the output is channel 1 of the input.
    conv = nn.Conv2d(2, 1, 1, bias=False, seed=0)
    conv.load_state_dict({"weight.0.0": 0.0, "weight.0.1": 1.0})
    picture = image(2, 3, 4, random.Random(5))
    output = nn.to_torch(conv)(torch_batch([picture]))[0, 0].tolist()
    assert output == picture[1]
    assert [[value.data for value in row] for row in conv(picture)[0]] == picture[1]


@st.composite
def conv_nets(draw: Any) -> tuple[nn.Sequential, list[Any]]:
    channels = draw(st.integers(1, 2))
    filters = draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    height, width = draw(st.integers(4, 6)), draw(st.integers(4, 6))
    conv = nn.Conv2d(channels, filters, kernel, stride, padding, bias=draw(st.booleans()),
                     seed=draw(st.integers(0, 100)))
    rows = (height + 2 * padding[0] - kernel[0]) // stride[0] + 1
    cols = (width + 2 * padding[1] - kernel[1]) // stride[1] + 1
    pool_class = draw(st.sampled_from([nn.MaxPool2d, nn.AvgPool2d]))
    pool = pool_class((min(2, rows), min(2, cols)), (1, 1))
    features = filters * (rows - pool.kernel_size[0] + 1) * (cols - pool.kernel_size[1] + 1)
    model = nn.Sequential(conv, nn.Activation(draw(st.sampled_from(ACTIVATIONS))), pool,
                          nn.Flatten(), nn.Layer(features, 2, "tanh", seed=1))
    rng = random.Random(draw(st.integers(0, 100)))
    return model, [image(channels, height, width, rng) for _ in range(2)]


@given(conv_nets())
def test_a_random_conv_net_computes_the_same_outputs_in_torch(example: Any) -> None:
    model, samples = example
    assert same_outputs(model, nn.to_torch(model), samples)


@given(conv_nets())
def test_a_random_conv_net_has_the_same_parameter_count_in_torch(example: Any) -> None:
    model, _ = example
    assert torch_parameter_count(nn.to_torch(model)) == len(model.parameters())


@given(conv_nets())
def test_a_random_conv_net_gets_the_same_conv_gradients(example: Any) -> None:
    model, samples = example
    converted = nn.to_torch(model)
    loss_backward(model, converted, samples)
    conv, torch_conv = model[0], converted[0]
    kernel_rows, kernel_cols = conv.kernel_size
    for o, row in enumerate(conv.weight):
        for k, weight in enumerate(row):
            c, rest = divmod(k, kernel_rows * kernel_cols)
            i, j = divmod(rest, kernel_cols)
            assert close(weight.grad, torch_conv.weight.grad[o, c, i, j].item())
    for o, bias in enumerate(conv.bias or []):
        assert close(bias.grad, torch_conv.bias.grad[o].item())


def input_gradients(model: nn.Module, picture: list[Any]) -> tuple[list[float], list[float]]:
    """d(sum_k (k+1) * output_k)/d(pixel) for every pixel, in nn and in torch."""
    pixels = [[[Value(x) for x in row] for row in plane] for plane in picture]
    outputs = nn.Flatten()(model(pixels))
    value_sum([(k + 1) * output for k, output in enumerate(outputs)]).backward()
    tensor = torch_batch([picture]).requires_grad_()
    result = nn.to_torch(model)(tensor).reshape(-1)
    (torch.arange(1, result.numel() + 1, dtype=torch.float64) * result).sum().backward()
    return [pixel.grad for pixel in nn.Flatten()(pixels)], tensor.grad.reshape(-1).tolist()


def test_max_pooling_ties_send_the_gradient_to_the_same_pixel_in_both_engines() -> None:
    picture = [[[1.0, 1.0, 0.0, 2.0],
                [1.0, 0.5, 2.0, 2.0],
                [3.0, 3.0, 3.0, 3.0],
                [3.0, 3.0, 3.0, 3.0]]]
    ours, theirs = input_gradients(nn.MaxPool2d(2), picture)
    assert ours == theirs
    assert ours[:4] == [1.0, 0.0, 0.0, 2.0]  # first maximum in row-major order of each window


def test_overlapping_average_pooling_sends_the_same_input_gradients() -> None:
    picture = image(1, 4, 5, random.Random(2))
    ours, theirs = input_gradients(nn.AvgPool2d(2, 1), picture)
    assert all(close(a, b) for a, b in zip(ours, theirs, strict=True))


# --------------------------------------------------------------------------------------------
# torch -> nn, round trips
# --------------------------------------------------------------------------------------------

TORCH_ACTIVATIONS = [torch.nn.ReLU, torch.nn.Tanh, torch.nn.Sigmoid, torch.nn.LeakyReLU,
                     torch.nn.Softplus, torch.nn.Identity]


@st.composite
def torch_mlps(draw: Any) -> tuple[torch.nn.Sequential, list[list[float]]]:
    torch.manual_seed(draw(st.integers(0, 1000)))
    sizes = draw(st.lists(st.integers(1, 5), min_size=2, max_size=4))
    modules: list[torch.nn.Module] = []
    for nin, nout in zip(sizes, sizes[1:], strict=False):
        modules.append(torch.nn.Linear(nin, nout, bias=draw(st.booleans())))
        modules.append(draw(st.sampled_from(TORCH_ACTIVATIONS))())
    number = st.floats(-3.0, 3.0, allow_nan=False)
    samples = draw(st.lists(st.lists(number, min_size=sizes[0], max_size=sizes[0]),
                            min_size=1, max_size=3))
    return torch.nn.Sequential(*modules).double(), samples


@given(torch_mlps())
def test_a_random_torch_mlp_computes_the_same_outputs_here(example: Any) -> None:
    module, samples = example
    assert same_outputs(nn.from_torch(module), module, samples)


@given(torch_mlps())
def test_to_torch_of_from_torch_gives_back_the_same_parameters(example: Any) -> None:
    module, _ = example
    again = nn.to_torch(nn.from_torch(module))
    original, converted = module.state_dict(), again.state_dict()
    assert original.keys() == converted.keys()
    assert all(torch.equal(original[name], converted[name]) for name in original)


@given(mlps())
def test_from_torch_of_to_torch_gives_back_the_same_parameters(example: Any) -> None:
    model, _ = example
    again = nn.from_torch(nn.to_torch(model))
    assert [value.data for value in again.parameters()] == [
        value.data for value in model.parameters()]


def test_a_float32_torch_model_keeps_its_numbers_exactly() -> None:
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1))
    again = nn.to_torch(nn.from_torch(module))
    for name, tensor in module.state_dict().items():
        assert torch.equal(again.state_dict()[name], tensor.double())


def test_a_torch_conv_net_computes_the_same_outputs_here() -> None:
    torch.manual_seed(1)
    module = torch.nn.Sequential(
        torch.nn.Conv2d(2, 3, (3, 2), stride=(1, 2), padding=(1, 0)), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2, stride=1), torch.nn.AvgPool2d((1, 2)), torch.nn.Flatten(),
        torch.nn.Linear(3 * 4 * 1, 2),
    ).double()
    samples = [image(2, 5, 6, random.Random(seed)) for seed in range(2)]
    assert same_outputs(nn.from_torch(module), module, samples)


def test_a_torch_conv_net_keeps_its_parameter_count() -> None:
    module = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.Flatten(),
                                 torch.nn.Linear(3 * 2 * 2, 1))
    assert len(nn.from_torch(module).parameters()) == torch_parameter_count(module)


def test_torchs_default_softplus_threshold_is_accepted() -> None:
    assert nn.from_torch(torch.nn.Softplus()).name == "softplus"


# --------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------


class Doubler(nn.Module):
    def __call__(self, inputs: Any) -> Any:
        return [2 * x for x in inputs]


class MyLayer(nn.Layer):
    """A subclass may compute something else: it is refused too."""


def test_a_custom_module_is_refused_naming_its_class() -> None:
    with pytest.raises(TypeError, match="Doubler has no torch counterpart"):
        nn.to_torch(Doubler())


def test_a_subclass_of_a_convertible_layer_is_refused_naming_it() -> None:
    with pytest.raises(TypeError, match="MyLayer has no torch counterpart"):
        nn.to_torch(MyLayer(2, 2))


def test_a_custom_module_inside_a_sequential_is_refused_naming_it() -> None:
    model = nn.Sequential(nn.Layer(2, 2), nn.Sequential(nn.Activation("relu"), Doubler()))
    with pytest.raises(TypeError, match="Doubler"):
        nn.to_torch(model)


@pytest.mark.parametrize("module", [torch.nn.Dropout(), torch.nn.BatchNorm2d(3),
                                    torch.nn.GELU(), torch.nn.Conv1d(1, 1, 2),
                                    torch.nn.Bilinear(2, 2, 1)],
                         ids=lambda module: type(module).__name__)
def test_a_torch_module_without_a_counterpart_is_refused_naming_its_class(module: Any) -> None:
    with pytest.raises(TypeError, match=type(module).__name__):
        nn.from_torch(module)


def test_a_torch_module_without_a_counterpart_deep_in_a_sequential_is_refused() -> None:
    module = torch.nn.Sequential(torch.nn.Linear(2, 2),
                                 torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Dropout()))
    with pytest.raises(TypeError, match="Dropout"):
        nn.from_torch(module)


def test_something_that_is_not_a_torch_module_is_refused() -> None:
    with pytest.raises(TypeError, match="needs a torch.nn.Module, got Layer"):
        nn.from_torch(nn.Layer(2, 2))


@pytest.mark.parametrize(
    ("module", "setting"),
    [(torch.nn.LeakyReLU(0.2), "negative_slope=0.2"),
     (torch.nn.Softplus(beta=2.0), "beta=2.0"),
     (torch.nn.Conv2d(1, 1, 3, dilation=2), "dilation"),
     (torch.nn.Conv2d(2, 2, 3, groups=2), "groups=2"),
     (torch.nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect"), "padding_mode='reflect'"),
     (torch.nn.Conv2d(1, 1, 3, padding="same"), "padding='same'"),
     (torch.nn.MaxPool2d(2, padding=1), "padding=1"),
     (torch.nn.MaxPool2d(2, ceil_mode=True), "ceil_mode=True"),
     (torch.nn.AvgPool2d(2, divisor_override=3), "divisor_override=3"),
     (torch.nn.Flatten(0), "start_dim=0")],
    ids=lambda item: item if isinstance(item, str) else type(item).__name__,
)
def test_settings_nn_cannot_express_are_refused_naming_them(module: Any, setting: str) -> None:
    with pytest.raises(ValueError, match=f"has .*{setting.replace('(', '.').replace(')', '.')}"):
        nn.from_torch(module)


def test_a_torch_module_too_large_for_scalar_values_is_refused_before_building() -> None:
    with pytest.raises(ValueError, match="2,001,000 parameters, more than max_parameters"):
        nn.from_torch(torch.nn.Linear(2000, 1000))


def test_a_non_finite_torch_weight_is_refused_naming_the_parameter() -> None:
    linear = torch.nn.Linear(2, 1)
    with torch.no_grad():
        linear.weight[0, 1] = float("nan")
    with pytest.raises(ValueError, match="neurons.0.w.1"):
        nn.from_torch(linear)


# --------------------------------------------------------------------------------------------
# No silent change of function, parameters or sharing
# --------------------------------------------------------------------------------------------


def test_a_softplus_with_a_low_threshold_is_refused_naming_it() -> None:
    # torch's Softplus(threshold=1) returns x at x = 1.5, log(1 + e**1.5) = 1.7014 (0.20 away):
    # nn's softplus is another function there.
    module = torch.nn.Softplus(threshold=1)
    x = torch.tensor(1.5, dtype=torch.float64)
    assert abs(module(x).item() - math.log1p(math.exp(1.5))) > 0.2  # the premise, in torch
    with pytest.raises(ValueError, match=r"Softplus.* has threshold=1\b"):
        nn.from_torch(module)


def test_a_softplus_at_torchs_default_threshold_stays_within_its_documented_gap() -> None:
    module = torch.nn.Softplus()  # threshold 20: torch returns x above it
    converted = nn.from_torch(module)
    for x in [-3.0, 0.5, 19.0, 20.5, 30.0]:
        theirs = module(torch.tensor(x, dtype=torch.float64)).item()
        assert abs(converted(Value(x)).data - theirs) <= math.exp(-20)


def hook(*arguments: Any) -> None:
    """A hook that does nothing; registering it must still be refused (it could do anything)."""


@pytest.mark.parametrize(
    ("register", "kind"),
    [("register_forward_hook", "a forward hook"),
     ("register_forward_pre_hook", "a forward pre-hook"),
     ("register_full_backward_hook", "a backward hook"),
     ("register_full_backward_pre_hook", "a backward pre-hook")],
)
def test_a_module_with_a_hook_is_refused_naming_the_module_and_the_hook(
    register: str, kind: str
) -> None:
    linear = torch.nn.Linear(2, 1)
    getattr(linear, register)(hook)
    model = torch.nn.Sequential(torch.nn.ReLU(), linear)
    with pytest.raises(ValueError, match=f"Linear.* has {kind} 'hook' .at '1'"):
        nn.from_torch(model)


def test_a_global_module_hook_is_refused_naming_it() -> None:
    handle = torch.nn.modules.module.register_module_forward_hook(hook)
    try:
        with pytest.raises(ValueError, match="forward hook 'hook' registered for every module"):
            nn.from_torch(torch.nn.Linear(2, 1))
    finally:
        handle.remove()


def shared_linear_model() -> torch.nn.Sequential:
    torch.manual_seed(3)
    linear = torch.nn.Linear(2, 2, dtype=torch.float64)
    return torch.nn.Sequential(linear, torch.nn.Tanh(), linear)


def test_a_module_used_twice_keeps_one_set_of_parameters() -> None:
    model = shared_linear_model()
    converted = nn.from_torch(model)
    assert len(converted.parameters()) == torch_parameter_count(model) == 6
    assert converted[0] is converted[2]


def test_a_module_used_twice_computes_the_same_outputs_and_gradients_here() -> None:
    model = shared_linear_model()
    converted = nn.from_torch(model)
    x = [0.3, -0.7]
    out = model(torch.tensor([x], dtype=torch.float64)).sum()
    out.backward()
    ours = value_sum(converted(x))
    ours.backward()
    assert close(ours.data, out.item())
    linear = model[0]
    theirs = [number for o in range(2)
              for number in [*linear.weight.grad[o].tolist(), linear.bias.grad[o].item()]]
    ours_grads = [parameter.grad for parameter in converted.parameters()]
    assert all(close(a, b) for a, b in zip(ours_grads, theirs, strict=True))


def test_to_torch_of_from_torch_keeps_a_module_used_twice_shared() -> None:
    model = shared_linear_model()
    back = nn.to_torch(nn.from_torch(model))
    assert back[0] is back[2]
    assert torch_parameter_count(back) == torch_parameter_count(model)
    assert same_outputs(nn.from_torch(model), back, [[0.3, -0.7], [1.0, 2.0]])


def test_a_parameter_tied_between_two_modules_is_refused_naming_both_places() -> None:
    first, second = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    second.weight = first.weight
    with pytest.raises(ValueError, match=r"parameter 'weight' .at '2'.* shared with '0.weight'"):
        nn.from_torch(torch.nn.Sequential(first, torch.nn.ReLU(), second))


def test_a_complex_weight_is_refused_naming_the_module_parameter_and_dtype() -> None:
    model = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(2, 1, dtype=torch.complex128))
    with pytest.raises(TypeError, match=r"Linear.*at '1'.* parameter 'weight' of dtype "
                                        r"torch.complex128"):
        nn.from_torch(model)


def test_a_meta_device_module_is_refused_saying_its_weights_have_no_data() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(2, 1, device="meta"))
    with pytest.raises(ValueError, match=r"Linear.*at '0'.* meta device: the weights have no "
                                         r"data.*to_empty"):
        nn.from_torch(model)
