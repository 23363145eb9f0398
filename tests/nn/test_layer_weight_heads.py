"""A layer's cached weight heads never outlive the weights they were made from.

``nn.Layer`` keeps each neuron's weights and bias as one tuple (its weight head) between calls, so
every way of replacing a weight must show in the next call: a new Value put into ``neuron.w``, a
new ``neuron.w`` or ``neuron.b``, a replaced neuron, ``load_state_dict``, an optimiser's step
(in place) and an optimiser that rebinds the parameters to new Values. Every expected number is
worked out by hand in the comments.
"""

from __future__ import annotations

import autograd
import nn
from autograd import Value


def two_by_two() -> nn.Layer:
    """Layer(2, 2, linear) with rows (1, 2 | b 0.5) and (3, -1 | b 0)."""
    layer = nn.Layer(2, 2, activation="linear", seed=0)
    for neuron, (weights, bias) in zip(layer.neurons, [([1.0, 2.0], 0.5), ([3.0, -1.0], 0.0)],
                                       strict=True):
        for parameter, number in zip(neuron.w, weights, strict=True):
            parameter.data = number
        assert neuron.b is not None
        neuron.b.data = bias
    return layer


def numbers(outputs: object) -> list[float]:
    assert isinstance(outputs, list)
    return [output.data for output in outputs]


def test_a_weight_put_into_the_list_is_used_and_receives_the_gradient() -> None:
    layer = two_by_two()
    assert numbers(layer([1.0, 1.0])) == [3.5, 2.0]  # 1 + 2 + 0.5, 3 - 1
    old = layer.neurons[0].w[1]
    new = Value(10.0)
    layer.neurons[0].w[1] = new
    first, _ = layer([1.0, 1.0])  # type: ignore[misc]
    assert first.data == 11.5  # 1 + 10 + 0.5
    assert first.parents[1] is new
    first.backward()
    assert new.grad == 1.0  # d/dw = x = 1
    assert old.grad == 0.0


def test_a_new_weight_list_bias_or_neuron_is_used() -> None:
    layer = two_by_two()
    layer([1.0, 1.0])
    layer.neurons[1].w = [Value(4.0), Value(5.0)]
    assert numbers(layer([1.0, 2.0])) == [5.5, 14.0]  # 1 + 4 + 0.5, 4 + 10
    layer.neurons[1].b = Value(-4.0)
    assert numbers(layer([1.0, 2.0])) == [5.5, 10.0]  # 14 - 4
    replacement = nn.Neuron(2, activation="linear", seed=1)
    replacement.w[0].data, replacement.w[1].data = 2.0, 2.0
    layer.neurons[0] = replacement
    assert numbers(layer([1.0, 2.0])) == [6.0, 10.0]  # 2 + 4 + bias 0


def test_weights_of_another_kind_take_the_general_path() -> None:
    layer = two_by_two()
    layer([1.0, 1.0])
    layer.neurons[0].w[0] = 7  # type: ignore[call-overload]  # a number: a constant weight
    assert numbers(layer([1.0, 1.0])) == [9.5, 2.0]  # 7 + 2 + 0.5
    layer.neurons[0].w[0] = Value(1.0)
    assert numbers(layer([1.0, 1.0])) == [3.5, 2.0]


def test_load_state_dict_and_an_optimiser_step_show_in_the_next_call() -> None:
    layer = two_by_two()
    assert numbers(layer([2.0, 1.0])) == [4.5, 5.0]  # 2 + 2 + 0.5, 6 - 1
    state = layer.state_dict()
    state = {name: 2.0 * number for name, number in state.items()}
    layer.load_state_dict(state)  # rows (2, 4 | 1) and (6, -2 | 0)
    assert numbers(layer([2.0, 1.0])) == [9.0, 10.0]  # 4 + 4 + 1, 12 - 2
    optimizer = nn.optim.SGD(layer.parameters(), lr=0.5)
    optimizer.zero_grad()
    autograd.sum(layer([2.0, 1.0])).backward()  # each w gets x, each b gets 1
    optimizer.step()  # w -= 0.5 * x, b -= 0.5: rows (1, 3.5 | 0.5) and (5, -2.5 | -0.5)
    assert numbers(layer([2.0, 1.0])) == [6.0, 7.0]  # 2 + 3.5 + 0.5, 10 - 2.5 - 0.5


def test_an_optimiser_that_rebinds_the_parameters() -> None:
    layer = two_by_two()
    output = autograd.sum(layer([2.0, 1.0]))
    output.backward()

    # A hand-written update that makes new Values instead of writing into the old ones.
    for neuron in layer.neurons:
        neuron.w = [Value(w.data - 0.5 * w.grad) for w in neuron.w]
        assert neuron.b is not None
        neuron.b = Value(neuron.b.data - 0.5 * neuron.b.grad)
    # w -= 0.5 * x and b -= 0.5 * 1: rows (0, 1.5 | 0) and (2, -1.5 | -0.5)
    outputs = layer([2.0, 1.0])
    assert numbers(outputs) == [1.5, 2.0]  # 0 + 1.5 + 0, 4 - 1.5 - 0.5
    assert isinstance(outputs, list)
    assert set(outputs[0].parents[:3]) == {*layer.neurons[0].w, layer.neurons[0].b}


def test_the_cache_adds_no_parameter_and_no_node() -> None:
    layer = two_by_two()
    names = [name for name, _ in layer.named_parameters()]
    first, _ = layer([1.0, 1.0])  # type: ignore[misc]
    assert [name for name, _ in layer.named_parameters()] == names
    assert len(layer.parameters()) == 6
    assert first.op is not None and first.op.name == "affine"
    assert [parent.data for parent in first.parents] == [1.0, 2.0, 0.5, 1.0, 1.0]


def test_inside_no_grad_a_layer_records_nothing() -> None:
    layer = two_by_two()
    layer([1.0, 1.0])
    with autograd.no_grad():
        outputs = layer([1.0, 1.0])
    assert isinstance(outputs, list)
    assert all(output.is_leaf and output.parents == () for output in outputs)
    assert numbers(outputs) == [3.5, 2.0]


def test_a_layer_without_biases_uses_dot() -> None:
    layer = nn.Layer(2, 2, activation="linear", bias=False, seed=0)
    for neuron, weights in zip(layer.neurons, [[1.0, 2.0], [3.0, -1.0]], strict=True):
        for parameter, number in zip(neuron.w, weights, strict=True):
            parameter.data = number
    outputs = layer([2.0, 1.0])
    assert numbers(outputs) == [4.0, 5.0]  # 2 + 2, 6 - 1
    assert isinstance(outputs, list) and outputs[0].op is not None
    assert outputs[0].op.name == "dot"
