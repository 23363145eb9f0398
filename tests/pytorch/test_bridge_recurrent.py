"""nn.to_torch / nn.from_torch for the recurrent cells and sequence layers.

The reference is torch.nn.RNNCell / LSTMCell / GRUCell and RNN / LSTM / GRU (one layer,
batch_first=True) run in float64 on the converted weights. A cell's x and h are rows of (N, size)
tensors; a sequence of steps is x[n] of an (N, steps, input_size) batch.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Value
from autograd import sum as value_sum

TOLERANCE = 1e-12
CELLS = {"RNNCell": nn.RNNCell, "LSTMCell": nn.LSTMCell, "GRUCell": nn.GRUCell}
LAYERS = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def all_close(ours: list[float], theirs: list[float]) -> bool:
    return len(ours) == len(theirs) and all(close(a, b) for a, b in zip(ours, theirs, strict=True))


def row(numbers: list[float]) -> torch.Tensor:
    return torch.tensor([numbers], dtype=torch.float64)


def numbers(values: list[Value]) -> list[float]:
    return [value.data for value in values]


def build(kind: type, input_size: int, hidden_size: int, bias: bool, relu: bool, seed: int) -> Any:
    options = {"nonlinearity": "relu"} if relu and kind in (nn.RNNCell, nn.RNN) else {}
    return kind(input_size, hidden_size, bias, seed=seed, **options)


number = st.floats(-2.0, 2.0, allow_nan=False)


@st.composite
def cells(draw: Any) -> tuple[Any, list[float], Any]:
    kind = CELLS[draw(st.sampled_from(sorted(CELLS)))]
    input_size, hidden_size = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    cell = build(kind, input_size, hidden_size, draw(st.booleans()), draw(st.booleans()),
                 draw(st.integers(0, 100)))
    x = draw(st.lists(number, min_size=input_size, max_size=input_size))
    vector = st.lists(number, min_size=hidden_size, max_size=hidden_size)
    state = draw(st.none() | (st.tuples(vector, vector) if kind is nn.LSTMCell else vector))
    return cell, x, state


def torch_state(state: Any) -> Any:
    if state is None:
        return None
    return (row(state[0]), row(state[1])) if isinstance(state, tuple) else row(state)


def as_pair(result: Any) -> tuple[Any, Any]:
    """(h, c) of an LSTM step, (h, None) of the others."""
    return result if isinstance(result, tuple) else (result, None)


@given(cells())
def test_a_random_cell_computes_the_same_step_in_torch(example: Any) -> None:
    cell, x, state = example
    h, c = as_pair(cell(x, state))
    torch_h, torch_c = as_pair(nn.to_torch(cell)(row(x), torch_state(state)))
    assert all_close(numbers(h), torch_h[0].tolist())
    if c is not None:
        assert all_close(numbers(c), torch_c[0].tolist())


@given(cells())
def test_a_random_cell_has_the_same_parameter_count_in_torch(example: Any) -> None:
    cell, _, _ = example
    converted = nn.to_torch(cell)
    assert sum(parameter.numel() for parameter in converted.parameters()) == len(
        cell.parameters())


@given(cells())
def test_a_random_cell_gets_the_same_gradients_of_the_same_loss(example: Any) -> None:
    cell, x, state = example
    converted = nn.to_torch(cell)
    h, c = as_pair(cell(x, state))
    outputs = h + (c or [])
    value_sum([(k + 1) * output**2 for k, output in enumerate(outputs)]).backward()
    torch_h, torch_c = as_pair(converted(row(x), torch_state(state)))
    flat = torch.cat([torch_h[0]] + ([torch_c[0]] if torch_c is not None else []))
    (torch.arange(1, flat.numel() + 1, dtype=torch.float64) * flat**2).sum().backward()
    for name in ("weight_ih", "weight_hh"):
        ours = [[w.grad for w in weights] for weights in getattr(cell, name)]
        theirs = getattr(converted, name).grad.tolist()
        assert all(all_close(a, b) for a, b in zip(ours, theirs, strict=True))
    for name in ("bias_ih", "bias_hh"):
        if getattr(cell, name) is not None:
            assert all_close([b.grad for b in getattr(cell, name)],
                             getattr(converted, name).grad.tolist())


@pytest.mark.parametrize("name", sorted(CELLS))
def test_a_cell_becomes_the_torch_cell_of_the_same_name(name: str) -> None:
    converted = nn.to_torch(CELLS[name](2, 3, seed=0))
    assert type(converted) is getattr(torch.nn, name)
    assert converted.weight_ih.dtype == torch.float64


def test_a_relu_rnn_cell_keeps_its_nonlinearity() -> None:
    assert nn.to_torch(nn.RNNCell(2, 3, nonlinearity="relu", seed=0)).nonlinearity == "relu"


def test_an_lstm_gate_row_lands_at_the_same_row_in_torch() -> None:
    # Row q * hidden_size + k is unit k of gate q (i, f, g, o): the forget gate of unit 1 of 2
    # is row 3.
    cell = nn.LSTMCell(1, 2, seed=0)
    state = {name: 0.0 for name in cell.state_dict()}
    state["weight_ih.3.0"] = 9.0
    cell.load_state_dict(state)
    weight = nn.to_torch(cell).weight_ih
    assert weight[3, 0].item() == 9.0
    assert weight.abs().sum().item() == 9.0


# --------------------------------------------------------------------------------------------
# Sequence layers
# --------------------------------------------------------------------------------------------


@st.composite
def sequences(draw: Any) -> tuple[Any, list[list[float]]]:
    kind = LAYERS[draw(st.sampled_from(sorted(LAYERS)))]
    input_size, hidden_size = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    layer = build(kind, input_size, hidden_size, draw(st.booleans()), draw(st.booleans()),
                  draw(st.integers(0, 100)))
    step = st.lists(number, min_size=input_size, max_size=input_size)
    return layer, draw(st.lists(step, min_size=1, max_size=4))


@given(sequences())
def test_a_random_sequence_layer_computes_every_step_and_the_final_state_in_torch(
        example: Any) -> None:
    layer, xs = example
    outputs, state = layer(xs)
    converted = nn.to_torch(layer)
    torch_outputs, torch_state_ = converted(torch.tensor([xs], dtype=torch.float64))
    for step, h in enumerate(outputs):
        assert all_close(numbers(h), torch_outputs[0, step].tolist())
    h, c = as_pair(state)
    torch_h, torch_c = as_pair(torch_state_)
    assert all_close(numbers(h), torch_h[0, 0].tolist())
    if c is not None:
        assert all_close(numbers(c), torch_c[0, 0].tolist())


@given(sequences())
def test_a_random_sequence_layer_gets_the_same_gradients_through_time(example: Any) -> None:
    layer, xs = example
    converted = nn.to_torch(layer)
    outputs, _ = layer(xs)
    last = outputs[-1]
    value_sum([(k + 1) * h for k, h in enumerate(last)]).backward()
    torch_outputs, _ = converted(torch.tensor([xs], dtype=torch.float64))
    final = torch_outputs[0, -1]
    (torch.arange(1, final.numel() + 1, dtype=torch.float64) * final).sum().backward()
    ours = [[w.grad for w in weights] for weights in layer.cell.weight_hh]
    assert all(all_close(a, b) for a, b in zip(ours, converted.weight_hh_l0.grad.tolist(),
                                                strict=True))


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_a_sequence_layer_becomes_a_one_layer_batch_first_torch_layer(name: str) -> None:
    converted = nn.to_torch(LAYERS[name](2, 3, seed=0))
    assert type(converted) is getattr(torch.nn, name)
    assert (converted.num_layers, converted.batch_first) == (1, True)


# --------------------------------------------------------------------------------------------
# torch -> nn, round trips, refusals
# --------------------------------------------------------------------------------------------

TORCH_CELLS = [torch.nn.RNNCell, torch.nn.LSTMCell, torch.nn.GRUCell]
TORCH_LAYERS = [torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kind", TORCH_CELLS + TORCH_LAYERS, ids=lambda kind: kind.__name__)
def test_to_torch_of_from_torch_gives_back_the_same_parameters(kind: type, bias: bool) -> None:
    torch.manual_seed(3)
    module = kind(2, 3, bias=bias)
    again = nn.to_torch(nn.from_torch(module))
    original, converted = module.state_dict(), again.state_dict()
    assert original.keys() == converted.keys()
    assert all(torch.equal(original[name].double(), converted[name]) for name in original)


@given(cells())
def test_from_torch_of_to_torch_gives_back_the_same_cell_parameters(example: Any) -> None:
    cell, _, _ = example
    again = nn.from_torch(nn.to_torch(cell))
    assert type(again) is type(cell)
    assert numbers(again.parameters()) == numbers(cell.parameters())


def test_a_torch_relu_rnn_cell_comes_back_with_relu() -> None:
    assert nn.from_torch(torch.nn.RNNCell(2, 3, nonlinearity="relu")).nonlinearity == "relu"


def test_a_torch_gru_with_batch_first_false_computes_the_same_sequence_here() -> None:
    torch.manual_seed(4)
    module = torch.nn.GRU(2, 3).double()  # input (steps, N, input_size)
    xs = [[0.5, -1.0], [0.25, 2.0], [-0.75, 0.0]]
    outputs, _ = nn.from_torch(module)(xs)
    expected = module(torch.tensor(xs, dtype=torch.float64).unsqueeze(1))[0][:, 0]
    assert all(all_close(numbers(h), expected[step].tolist()) for step, h in enumerate(outputs))


@pytest.mark.parametrize(
    ("module", "setting"),
    [(torch.nn.LSTM(2, 3, num_layers=2), "num_layers=2"),
     (torch.nn.GRU(2, 3, bidirectional=True), "bidirectional=True"),
     (torch.nn.LSTM(2, 3, proj_size=2), "proj_size=2")],
    ids=["two layers", "bidirectional", "projection"],
)
def test_recurrent_settings_nn_cannot_express_are_refused_naming_them(
        module: Any, setting: str) -> None:
    with pytest.raises(ValueError, match=f"has {setting}"):
        nn.from_torch(module)


class Peephole(nn.LSTMCell):
    """A subclass may compute something else: it is refused."""


def test_a_subclass_of_a_cell_is_refused_naming_it() -> None:
    with pytest.raises(TypeError, match="Peephole has no torch counterpart"):
        nn.to_torch(Peephole(2, 2, seed=0))
