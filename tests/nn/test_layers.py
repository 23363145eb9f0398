"""Neuron, Layer, MLP, Sequential, Flatten and Activation: shapes, maths, micrograd compatibility
and learning."""

from __future__ import annotations

import math
import random
import statistics

import pytest

import nn
from autograd import Value


def set_weights(neuron: nn.Neuron, weights: list[float], bias: float) -> None:
    for parameter, number in zip(neuron.w, weights, strict=True):
        parameter.data = number
    assert neuron.b is not None
    neuron.b.data = bias


# ------------------------------------------------------------------------------------ shapes


def test_mlp_2_16_16_1_has_relu_hidden_layers_and_linear_output() -> None:
    model = nn.MLP(2, [16, 16, 1], seed=0)
    assert [layer.activation for layer in model.layers] == ["relu", "relu", "linear"]
    assert [(layer.nin, layer.nout) for layer in model.layers] == [(2, 16), (16, 16), (16, 1)]


def test_mlp_2_16_16_1_has_337_parameters() -> None:
    # (2 weights + 1 bias) * 16 + (16 + 1) * 16 + (16 + 1) * 1 = 48 + 272 + 17 = 337
    assert len(nn.MLP(2, [16, 16, 1], seed=0).parameters()) == 337


def test_parameters_is_a_list_of_values() -> None:
    parameters = nn.MLP(2, [3, 1], seed=0).parameters()
    assert isinstance(parameters, list)
    assert all(isinstance(parameter, Value) for parameter in parameters)


def test_layer_with_one_neuron_returns_a_single_value() -> None:
    assert isinstance(nn.Layer(3, 1, seed=0)([1.0, 2.0, 3.0]), Value)


def test_layer_with_several_neurons_returns_a_list() -> None:
    outputs = nn.Layer(3, 2, seed=0)([1.0, 2.0, 3.0])
    assert isinstance(outputs, list) and len(outputs) == 2


def test_one_neuron_hidden_layer_feeds_the_next_layer() -> None:
    model = nn.MLP(2, [1, 2], activation="linear", seed=0)
    hidden = model.layers[0].neurons[0]
    set_weights(hidden, [1.0, 2.0], 0.5)  # hidden = 1*3 + 2*4 + 0.5 = 11.5
    for neuron, (weight, bias) in zip(model.layers[1].neurons, [(2.0, 1.0), (-1.0, 0.0)],
                                      strict=True):
        set_weights(neuron, [weight], bias)
    outputs = model([3.0, 4.0])
    assert [output.data for output in outputs] == [24.0, -11.5]  # 2*11.5 + 1, -11.5


def test_wrong_number_of_inputs_raises_value_error_naming_the_layer() -> None:
    with pytest.raises(ValueError, match=r"Layer\(2, 3.*expects 2 inputs, got 3"):
        nn.Layer(2, 3, seed=0)([1.0, 2.0, 3.0])


def test_mlp_needs_at_least_one_layer() -> None:
    with pytest.raises(ValueError, match="at least one layer"):
        nn.MLP(2, [])


# ------------------------------------------------------------------------------------ maths


@pytest.mark.parametrize(
    ("activation", "expected"),
    [
        # pre-activation z = 0.5*2 + (-1)*3 + 0.25 = -1.75
        ("linear", -1.75),
        ("relu", 0.0),
        ("tanh", math.tanh(-1.75)),
        ("sigmoid", 1.0 / (1.0 + math.exp(1.75))),
        ("leaky_relu", 0.01 * -1.75),
    ],
)
def test_neuron_applies_its_activation_to_the_weighted_sum(
    activation: str, expected: float
) -> None:
    neuron = nn.Neuron(2, activation, seed=0)
    set_weights(neuron, [0.5, -1.0], 0.25)
    assert neuron([2.0, 3.0]).data == pytest.approx(expected, rel=1e-15, abs=1e-15)


def test_neuron_pre_activation_is_one_affine_node() -> None:
    neuron = nn.Neuron(3, "tanh", seed=0)
    output = neuron([1.0, 2.0, 3.0])
    assert output.op is not None and output.op.name == "tanh"
    (pre_activation,) = output.parents
    assert pre_activation.op is not None and pre_activation.op.name == "affine"
    assert pre_activation.parents[:4] == (*neuron.w, neuron.b)


def test_neuron_gradients_are_the_inputs_and_one_for_the_bias() -> None:
    neuron = nn.Neuron(2, "linear", seed=0)
    neuron([2.0, -3.0]).backward()  # d(w.x + b)/dw = x, d/db = 1
    assert [w.grad for w in neuron.w] == [2.0, -3.0]
    assert neuron.b is not None and neuron.b.grad == 1.0


def test_layer_turns_float_inputs_into_values_once_for_all_neurons() -> None:
    outputs = nn.Layer(2, 3, "linear", seed=0)([1.0, 2.0])
    inputs_seen = {id(node) for output in outputs for node in output.parents[-2:]}
    assert len(inputs_seen) == 2


def test_gradient_reaches_value_inputs() -> None:
    model = nn.MLP(2, [1], seed=0)
    set_weights(model.layers[0].neurons[0], [3.0, -2.0], 0.0)
    x = [Value(1.0), Value(5.0)]
    model(x).backward()  # linear output 3*x0 - 2*x1
    assert [value.grad for value in x] == [3.0, -2.0]


def test_neuron_nonlin_false_keyword_is_linear_like_micrograd() -> None:
    assert nn.Neuron(2, nonlin=False).activation == "linear"


def test_neuron_default_activation_is_relu_like_micrograd() -> None:
    assert nn.Neuron(2).activation == "relu"


def test_unknown_activation_raises_value_error_listing_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown activation 'swish'.*relu, tanh"):
        nn.Neuron(2, "swish")


def test_mlp_activation_can_be_given_per_hidden_layer() -> None:
    model = nn.MLP(3, [4, 4, 2], activation=["tanh", "sigmoid"], output_activation="sigmoid")
    assert [layer.activation for layer in model.layers] == ["tanh", "sigmoid", "sigmoid"]


def test_bias_false_leaves_only_weights() -> None:
    model = nn.MLP(2, [3, 1], bias=False, seed=0)
    assert len(model.parameters()) == 2 * 3 + 3 * 1
    assert all(".b" not in name for name, _ in model.named_parameters())


# ------------------------------------------------------------------------------------ init


def test_default_init_draws_the_same_weights_as_micrograd_after_the_same_seed() -> None:
    from micrograd.nn import MLP as MicrogradMLP

    state = random.getstate()
    try:
        random.seed(1337)
        reference = [parameter.data for parameter in MicrogradMLP(2, [16, 16, 1]).parameters()]
        random.seed(1337)
        ours = [parameter.data for parameter in nn.MLP(2, [16, 16, 1]).parameters()]
    finally:
        random.setstate(state)
    assert ours == reference


def test_the_same_seed_gives_the_same_weights() -> None:
    first = nn.MLP(3, [5, 2], seed=7).state_dict()
    assert nn.MLP(3, [5, 2], seed=7).state_dict() == first
    assert nn.MLP(3, [5, 2], rng=random.Random(7)).state_dict() == first


def test_giving_both_rng_and_seed_raises() -> None:
    with pytest.raises(ValueError, match="either rng= or seed="):
        nn.Layer(2, 2, rng=random.Random(1), seed=1)


def test_biases_start_at_zero() -> None:
    model = nn.MLP(3, [4, 2], init="he", seed=3)
    assert all(value.data == 0.0 for name, value in model.named_parameters() if name.endswith("b"))


def test_xavier_weights_stay_within_the_glorot_limit() -> None:
    # Glorot & Bengio (2010) eq. 16: U(-sqrt(6/(fan_in+fan_out)), +sqrt(6/(fan_in+fan_out)))
    limit = math.sqrt(6.0 / (30 + 10))
    weights = [w.data for n in nn.Layer(30, 10, init="xavier", seed=1).neurons for w in n.w]
    assert max(abs(w) for w in weights) <= limit
    assert max(abs(w) for w in weights) > 0.9 * limit  # spread over the whole range


def test_he_weights_have_standard_deviation_sqrt_2_over_fan_in() -> None:
    # He et al. (2015): N(0, 2/fan_in). 20000 draws: the sample sd is within ~0.5% of sqrt(0.02)
    # (standard error of a normal sd ~ sd / sqrt(2n)); allow 3%.
    weights = [w.data for n in nn.Layer(100, 200, init="he", seed=5).neurons for w in n.w]
    assert statistics.pstdev(weights) == pytest.approx(math.sqrt(2.0 / 100), rel=0.03)


def test_unknown_init_raises_value_error() -> None:
    with pytest.raises(ValueError, match="unknown init 'zeros'"):
        nn.Layer(2, 2, init="zeros")


# ------------------------------------------------------------------------------------ composition


def test_sequential_applies_modules_in_order() -> None:
    first, second = nn.Layer(2, 2, "linear", seed=0), nn.Layer(2, 1, "linear", seed=1)
    for neuron, weights in zip(first.neurons, [[1.0, 0.0], [0.0, 1.0]], strict=True):
        set_weights(neuron, weights, 0.0)  # identity
    set_weights(second.neurons[0], [1.0, -1.0], 0.5)  # x0 - x1 + 0.5
    assert nn.Sequential(first, second)([3.0, 5.0]).data == -1.5


def test_sequential_rejects_a_non_module() -> None:
    with pytest.raises(TypeError, match="item 1 is a function"):
        nn.Sequential(nn.Flatten(), lambda x: x)  # type: ignore[arg-type]


def test_flatten_turns_channels_rows_columns_into_one_row_major_list() -> None:
    image = [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]
    assert nn.Flatten()(image) == [1, 2, 3, 4, 5, 6, 7, 8]


def test_activation_module_applies_to_every_pixel() -> None:
    output = nn.Activation("relu")([[[-1.0, 2.0]], [[3.0, -4.0]]])
    assert [[[pixel.data for pixel in row] for row in plane] for plane in output] == [
        [[0.0, 2.0]], [[3.0, 0.0]]
    ]


# ------------------------------------------------------------------------------------ learning


def test_a_tanh_sigmoid_net_learns_xor_with_plain_sgd() -> None:
    inputs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    targets = [0.0, 1.0, 1.0, 0.0]
    model = nn.MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", init="xavier",
                   seed=2)
    for _ in range(500):
        loss = sum((model(x) - y) ** 2 for x, y in zip(inputs, targets, strict=True))
        model.zero_grad()
        loss.backward()
        for parameter in model.parameters():
            parameter.data -= 0.5 * parameter.grad
    predictions = [model(x).data for x in inputs]
    assert [round(p) for p in predictions] == [0, 1, 1, 0]


def test_micrograd_demo_loop_reaches_full_accuracy_on_moons() -> None:
    # micrograd's demo.ipynb, with `from micrograd.nn import MLP` changed to nn.MLP and nothing
    # else: hinge loss + 1e-4 L2, 100 steps of full-batch SGD with lr 1.0 - 0.9 k / 100.
    import numpy as np
    from sklearn.datasets import make_moons

    from benchmarks.mlp_demo import demo_loss

    state = random.getstate()
    try:
        np.random.seed(1337)
        random.seed(1337)
        X, y = make_moons(n_samples=100, noise=0.1)
        y = y * 2 - 1
        model = nn.MLP(2, [16, 16, 1])
    finally:
        random.setstate(state)
    print(model)

    def loss() -> tuple[Value, float]:
        return demo_loss(Value, model, X, y)  # the demo's loss() cell, unchanged

    for k in range(100):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    _, final_accuracy = loss()
    assert final_accuracy == 1.0
