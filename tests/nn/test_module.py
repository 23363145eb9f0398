"""Module: parameter names and labels, zero_grad, state_dict / load_state_dict, repr."""

from __future__ import annotations

import pytest

import nn
from autograd import Value


def test_named_parameters_use_dotted_paths() -> None:
    names = [name for name, _ in nn.MLP(2, [3, 1], seed=0).named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.0.b"
    assert "layers.1.neurons.0.w.2" in names


def test_named_parameters_follow_parameters_order() -> None:
    model = nn.MLP(2, [3, 2], seed=0)
    assert [value for _, value in model.named_parameters()] == model.parameters()


def test_parameters_are_labelled_with_their_names() -> None:
    model = nn.MLP(2, [4, 1], seed=0)
    assert all(value.label == name for name, value in model.named_parameters())
    assert model.layers[0].neurons[3].w[1].label == "layers.0.neurons.3.w.1"


def test_a_user_module_gets_labels_from_its_own_constructor() -> None:
    class Pair(nn.Module):
        def __init__(self) -> None:
            self.encoder = nn.Layer(2, 2, seed=0)
            self.scale = Value(1.0)

        def __call__(self, inputs: list[float]) -> Value:
            return self.encoder(inputs)[0] * self.scale

    model = Pair()
    assert model.scale.label == "scale"
    assert model.encoder.neurons[1].b is not None
    assert model.encoder.neurons[1].b.label == "encoder.neurons.1.b"


def test_zero_grad_resets_every_parameter_gradient() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    model([1.0, -2.0]).backward()
    assert any(value.grad != 0.0 for value in model.parameters())
    model.zero_grad()
    assert all(value.grad == 0.0 for value in model.parameters())


def test_state_dict_maps_names_to_floats() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    assert all(type(number) is float for number in state.values())


def test_load_state_dict_sets_every_parameter() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    state = {name: float(index) for index, name in enumerate(model.state_dict())}
    model.load_state_dict(state)
    assert model.state_dict() == state


def _rejected_state_leaves_model_unchanged(model: nn.Module, state: dict[str, object],
                                           message: str) -> None:
    before = model.state_dict()
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(state)  # type: ignore[arg-type]
    assert model.state_dict() == before


def test_load_state_dict_with_a_missing_entry_raises_and_changes_nothing() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    state: dict[str, object] = {name: 9.0 for name in model.state_dict()}
    del state["layers.1.neurons.0.b"]
    _rejected_state_leaves_model_unchanged(model, state, "missing 'layers.1.neurons.0.b'")


def test_load_state_dict_with_an_extra_entry_raises_and_changes_nothing() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    state: dict[str, object] = {name: 9.0 for name in model.state_dict()}
    state["layers.2.neurons.0.b"] = 1.0
    _rejected_state_leaves_model_unchanged(model, state, "unexpected 'layers.2.neurons.0.b'")


def test_load_state_dict_with_a_misshaped_entry_raises_and_changes_nothing() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    state: dict[str, object] = {name: 9.0 for name in model.state_dict()}
    state["layers.0.neurons.1.w.0"] = [1.0, 2.0]  # a list where one number belongs
    _rejected_state_leaves_model_unchanged(model, state, "'layers.0.neurons.1.w.0' should be one")


def test_load_state_dict_with_a_non_finite_entry_raises_and_changes_nothing() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    state: dict[str, object] = {name: 9.0 for name in model.state_dict()}
    state["layers.1.neurons.0.w.1"] = float("nan")
    _rejected_state_leaves_model_unchanged(model, state, "not finite")


def test_load_state_dict_of_a_non_mapping_raises() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    _rejected_state_leaves_model_unchanged(model, [1.0, 2.0], "needs a mapping")  # type: ignore


def test_repr_of_mlp_shows_each_layer_on_its_own_line() -> None:
    assert repr(nn.MLP(2, [16, 16, 1], seed=0)) == (
        "MLP(2, [16, 16, 1]):\n"
        "  (layers.0): Layer(2, 16, activation='relu')\n"
        "  (layers.1): Layer(16, 16, activation='relu')\n"
        "  (layers.2): Layer(16, 1, activation='linear')"
    )


def test_repr_of_sequential_nests_its_modules() -> None:
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, seed=0), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Layer(8, 1, "linear", bias=False, seed=0))
    assert repr(model) == (
        "Sequential():\n"
        "  (layers.0): Conv2d(1, 2, kernel_size=3, padding=1)\n"
        "  (layers.1): MaxPool2d(kernel_size=2)\n"
        "  (layers.2): Flatten()\n"
        "  (layers.3): Layer(8, 1, activation='linear', bias=False)"
    )


def test_repr_of_a_neuron_names_nin_and_activation() -> None:
    assert repr(nn.Neuron(3, "tanh", seed=0)) == "Neuron(3, activation='tanh')"


def test_a_module_without_call_says_so() -> None:
    with pytest.raises(NotImplementedError, match="does not define __call__"):
        nn.Module()([1.0])


def test_a_shared_weight_is_listed_once_under_its_first_name() -> None:
    class Tied(nn.Module):
        def __init__(self) -> None:
            self.first = nn.Neuron(1, "linear", seed=0)
            self.second = nn.Neuron(1, "linear", seed=1)
            self.second.w = self.first.w  # weight tying

        def __call__(self, inputs: list[float]) -> Value:
            return self.second([self.first(inputs)])

    names = [name for name, _ in Tied().named_parameters()]
    assert names == ["first.w.0", "first.b", "second.b"]


def test_parameters_lists_a_shared_weight_once_in_the_order_of_named_parameters() -> None:
    class Tied(nn.Module):
        def __init__(self) -> None:
            self.first = nn.Neuron(2, "linear", seed=0)
            self.second = nn.Neuron(2, "linear", seed=1)
            self.second.w = [self.first.w[1], self.second.w[0]]  # one weight tied

    model = Tied()
    expected = [*model.first.w, model.first.b, model.second.w[1], model.second.b]
    assert model.parameters() == expected
    assert [value for _, value in model.named_parameters()] == expected
