"""Recurrent cells and layers: PyTorch's layout, the equations written out by hand, finite
differences, backprop through time, truncation at detach, sizes, errors and files.

The comparisons with PyTorch itself are in tests/pytorch/test_recurrent_torch.py.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lookalikes import ArrayLike, Float32Like

import nn
from autograd import Value, assert_gradients_match
from autograd import sum as value_sum
from nn.module import Module

CELLS = [nn.RNNCell, nn.LSTMCell, nn.GRUCell]
LAYERS = [nn.RNN, nn.LSTM, nn.GRU]


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def fill(module: Module, start: float = -0.45, step: float = 0.07) -> None:
    """Give every parameter a distinct, known number (in named_parameters order)."""
    for index, value in enumerate(module.parameters()):
        value.data = start + step * (index % 13) + 0.001 * index


def install(cell: nn.RecurrentCell, values: tuple[Value, ...]) -> None:
    """Replace the cell's parameters by ``values`` (named_parameters order), for gradcheck."""
    items = iter(values)
    for matrix in (cell.weight_ih, cell.weight_hh):
        for row in matrix:
            row[:] = [next(items) for _ in row]
    for vector in (cell.bias_ih, cell.bias_hh):
        if vector is not None:
            vector[:] = [next(items) for _ in vector]


def numbers(values: Any) -> Any:
    return [numbers(item) for item in values] if isinstance(values, list | tuple) else values.data


# ------------------------------------------------------------------------------------ layout


@pytest.mark.parametrize(("cell_class", "gates"), [(nn.RNNCell, 1), (nn.LSTMCell, 4),
                                                    (nn.GRUCell, 3)])
def test_weights_are_gates_times_hidden_rows_of_input_and_hidden_columns(
    cell_class: type[nn.RecurrentCell], gates: int
) -> None:
    cell = cell_class(3, 5, seed=0)
    assert [len(row) for row in cell.weight_ih] == [3] * (gates * 5)
    assert [len(row) for row in cell.weight_hh] == [5] * (gates * 5)
    assert cell.bias_ih is not None and cell.bias_hh is not None
    assert len(cell.bias_ih) == len(cell.bias_hh) == gates * 5


@pytest.mark.parametrize(("cell_class", "count"), [
    (nn.RNNCell, 5 * (3 + 5 + 2)),  # one gate: 5 rows of (3 + 5) weights and 2 biases
    (nn.LSTMCell, 4 * 5 * (3 + 5 + 2)),
    (nn.GRUCell, 3 * 5 * (3 + 5 + 2)),
])
def test_parameter_count_is_gates_times_hidden_times_inputs_hidden_and_two_biases(
    cell_class: type[nn.RecurrentCell], count: int
) -> None:
    assert len(cell_class(3, 5, seed=0).parameters()) == count


@pytest.mark.parametrize("cell_class", CELLS)
def test_state_dict_keys_use_pytorch_names_row_then_column(
    cell_class: type[nn.RecurrentCell]
) -> None:
    keys = list(cell_class(2, 1, seed=0).state_dict())
    gates = cell_class.gates
    expected = (
        [f"weight_ih.{r}.{c}" for r in range(gates) for c in range(2)]
        + [f"weight_hh.{r}.0" for r in range(gates)]
        + [f"bias_ih.{r}" for r in range(gates)]
        + [f"bias_hh.{r}" for r in range(gates)]
    )
    assert keys == expected


@pytest.mark.parametrize("cell_class", CELLS)
def test_without_bias_the_biases_are_none_and_not_parameters(
    cell_class: type[nn.RecurrentCell]
) -> None:
    cell = cell_class(2, 3, bias=False, seed=0)
    assert cell.bias_ih is None and cell.bias_hh is None
    assert not any(name.startswith("bias") for name in cell.state_dict())
    assert len(cell.parameters()) == cell_class.gates * 3 * (2 + 3)


@pytest.mark.parametrize("layer_class", LAYERS)
def test_layer_parameters_are_its_cells_under_cell(layer_class: type[nn.RecurrentLayer]) -> None:
    layer = layer_class(2, 3, seed=0)
    assert [name for name, _ in layer.named_parameters()] == [
        f"cell.{name}" for name, _ in layer.cell.named_parameters()]


def test_parameters_are_labelled_with_their_names() -> None:
    cell = nn.LSTMCell(2, 3, seed=0)
    assert cell.weight_hh[7][2].label == "weight_hh.7.2"
    assert cell.bias_ih is not None and cell.bias_ih[11].label == "bias_ih.11"


# ------------------------------------------------------------------------------------ init


@pytest.mark.parametrize("cell_class", CELLS)
def test_initial_parameters_lie_within_one_over_sqrt_hidden(
    cell_class: type[nn.RecurrentCell]
) -> None:
    cell = cell_class(3, 16, seed=0)  # bound 1/4
    data = [value.data for value in cell.parameters()]
    assert max(abs(x) for x in data) <= 0.25
    assert max(data) > 0.24 and min(data) < -0.24  # the whole range is used
    assert abs(sum(data) / len(data)) < 0.02  # centred (mean of U(-1/4, 1/4) is 0)


def test_same_seed_gives_same_weights_and_another_seed_others() -> None:
    first = nn.GRUCell(2, 3, seed=7).state_dict()
    assert nn.GRUCell(2, 3, seed=7).state_dict() == first
    assert nn.GRUCell(2, 3, seed=8).state_dict() != first


# ------------------------------------------------------------------------------------ one step


def test_rnn_cell_step_is_tanh_of_both_affine_maps() -> None:
    cell = nn.RNNCell(2, 2, seed=0)
    fill(cell)
    x, h = [1.0, -2.0], [0.5, -0.25]
    w, u = numbers(cell.weight_ih), numbers(cell.weight_hh)
    b, c = numbers(cell.bias_ih), numbers(cell.bias_hh)
    expected = [
        math.tanh(w[k][0] * x[0] + w[k][1] * x[1] + b[k] + u[k][0] * h[0] + u[k][1] * h[1] + c[k])
        for k in range(2)
    ]
    assert numbers(cell(x, h)) == pytest.approx(expected, rel=1e-14)


def test_rnn_cell_with_relu_clips_negative_sums_to_zero() -> None:
    cell = nn.RNNCell(1, 2, bias=False, nonlinearity="relu", seed=0)
    cell.weight_ih[0][0].data, cell.weight_ih[1][0].data = 2.0, -2.0
    for row in cell.weight_hh:
        for value in row:
            value.data = 0.0
    assert numbers(cell([1.5])) == [3.0, 0.0]


def test_lstm_cell_step_follows_gate_order_i_f_g_o() -> None:
    cell = nn.LSTMCell(1, 2, seed=0)
    fill(cell)
    x, h, c = 0.8, [0.3, -0.6], [1.2, -0.4]
    w, u = numbers(cell.weight_ih), numbers(cell.weight_hh)
    b, d = numbers(cell.bias_ih), numbers(cell.bias_hh)

    def total(row: int) -> float:
        return w[row][0] * x + b[row] + u[row][0] * h[0] + u[row][1] * h[1] + d[row]

    h_expected, c_expected = [], []
    for k in range(2):  # gate q of unit k is row 2q + k
        i, f = sigmoid(total(k)), sigmoid(total(2 + k))
        g, o = math.tanh(total(4 + k)), sigmoid(total(6 + k))
        c_expected.append(f * c[k] + i * g)
        h_expected.append(o * math.tanh(c_expected[-1]))
    h_next, c_next = cell([x], (h, c))
    assert numbers(h_next) == pytest.approx(h_expected, rel=1e-14)
    assert numbers(c_next) == pytest.approx(c_expected, rel=1e-14)


def test_gru_cell_step_resets_after_the_hidden_product() -> None:
    cell = nn.GRUCell(1, 2, seed=0)
    fill(cell)
    x, h = -0.7, [0.4, 0.9]
    w, u = numbers(cell.weight_ih), numbers(cell.weight_hh)
    b, d = numbers(cell.bias_ih), numbers(cell.bias_hh)
    expected = []
    for k in range(2):  # rows: r at k, z at 2 + k, n at 4 + k
        r = sigmoid(w[k][0] * x + b[k] + u[k][0] * h[0] + u[k][1] * h[1] + d[k])
        z = sigmoid(w[2 + k][0] * x + b[2 + k] + u[2 + k][0] * h[0] + u[2 + k][1] * h[1]
                    + d[2 + k])
        n = math.tanh(w[4 + k][0] * x + b[4 + k]
                      + r * (u[4 + k][0] * h[0] + u[4 + k][1] * h[1] + d[4 + k]))
        expected.append((1.0 - z) * n + z * h[k])
    assert numbers(cell([x], h)) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("cell_class", [nn.RNNCell, nn.GRUCell])
def test_missing_state_means_a_zero_hidden_vector(cell_class: type[nn.RecurrentCell]) -> None:
    cell = cell_class(2, 3, seed=1)
    assert numbers(cell([0.5, -1.0])) == numbers(cell([0.5, -1.0], [0.0, 0.0, 0.0]))


def test_missing_lstm_state_means_zero_h_and_zero_c() -> None:
    cell = nn.LSTMCell(2, 3, seed=1)
    zeros = [0.0, 0.0, 0.0]
    assert numbers(cell([0.5, -1.0])) == numbers(cell([0.5, -1.0], (zeros, zeros)))


def test_one_feature_input_may_be_a_bare_number() -> None:
    cell = nn.RNNCell(1, 2, seed=1)
    assert numbers(cell(0.25)) == numbers(cell([0.25]))


def test_rnn_cell_gradients_are_one_minus_h_squared_times_the_input() -> None:
    cell = nn.RNNCell(2, 2, seed=0)
    fill(cell)
    x, h = [Value(1.0), Value(-2.0)], [Value(0.5), Value(-0.25)]
    out = cell(x, h)
    out[1].backward()
    slope = 1.0 - out[1].data ** 2  # tanh' = 1 - tanh**2
    assert cell.weight_ih[1][0].grad == pytest.approx(slope * 1.0, rel=1e-14)
    assert cell.weight_ih[1][1].grad == pytest.approx(slope * -2.0, rel=1e-14)
    assert cell.weight_hh[1][1].grad == pytest.approx(slope * -0.25, rel=1e-14)
    assert cell.weight_ih[0][0].grad == 0.0  # row 0 feeds only h[0]
    assert cell.bias_hh is not None and cell.bias_hh[1].grad == pytest.approx(slope, rel=1e-14)
    assert h[0].grad == pytest.approx(slope * cell.weight_hh[1][0].data, rel=1e-14)


def test_lstm_cell_state_gradient_passes_through_the_forget_gate() -> None:
    cell = nn.LSTMCell(1, 1, seed=0)
    fill(cell)
    c = Value(0.7)
    h_next, c_next = cell([0.3], ([0.2], [c]))
    h_next[0].backward()
    totals = [cell.weight_ih[q][0].data * 0.3 + cell.weight_hh[q][0].data * 0.2
              + numbers(cell.bias_ih)[q] + numbers(cell.bias_hh)[q] for q in range(4)]
    f, o = sigmoid(totals[1]), sigmoid(totals[3])
    # h' = o tanh(c'), c' = f c + i g: dh'/dc = o (1 - tanh(c')**2) f
    expected = o * (1.0 - math.tanh(c_next[0].data) ** 2) * f
    assert c.grad == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("cell_class", CELLS)
@pytest.mark.parametrize("bias", [True, False])
def test_cell_gradients_match_central_differences(
    cell_class: type[nn.RecurrentCell], bias: bool
) -> None:
    cell = cell_class(2, 2, bias=bias, seed=5)
    parameters = [value.data for value in cell.parameters()]
    count = len(parameters)
    lstm = cell_class is nn.LSTMCell

    def step(*values: Value) -> list[Value]:
        install(cell, values[:count])
        x, h = list(values[count:count + 2]), list(values[count + 2:count + 4])
        if lstm:
            h_next, c_next = cell(x, (h, list(values[count + 4:])))
            return h_next + c_next
        return cell(x, h)  # type: ignore[no-any-return]

    state = [0.4, -0.3, 0.2, -0.5] if lstm else [0.4, -0.3]
    assert_gradients_match(step, parameters + [0.9, -1.1] + state)


# ------------------------------------------------------------------------------------ sequences


def test_layer_returns_h_at_every_step_and_the_last_state() -> None:
    layer = nn.LSTM(1, 3, seed=2)
    outputs, (h, c) = layer([0.1, 0.2, 0.3, 0.4])
    assert len(outputs) == 4 and all(len(step) == 3 for step in outputs)
    assert outputs[-1] is h and len(c) == 3


@pytest.mark.parametrize("layer_class", LAYERS)
def test_layer_is_its_cell_applied_step_after_step(layer_class: type[nn.RecurrentLayer]) -> None:
    layer = layer_class(2, 3, seed=4)
    xs = [[0.5, -0.2], [0.1, 0.9], [-0.7, 0.3]]
    state = None
    expected = []
    for x in xs:
        state = layer.cell(x, state)
        expected.append(numbers(state[0] if isinstance(state, tuple) else state))
    outputs, _ = layer(xs)
    assert numbers(outputs) == expected


@pytest.mark.parametrize("layer_class", LAYERS)
def test_passing_the_returned_state_continues_the_sequence(
    layer_class: type[nn.RecurrentLayer]
) -> None:
    layer = layer_class(1, 3, seed=6)
    xs = [0.3, -0.1, 0.8, 0.5, -0.6]
    whole, _ = layer(xs)
    first, state = layer(xs[:2])
    second, _ = layer(xs[2:], state)
    assert numbers(first + second) == numbers(whole)


def test_bptt_through_twelve_steps_matches_the_backward_recursion_by_hand() -> None:
    layer = nn.RNN(1, 1, seed=0)
    cell = layer.cell
    w, u = cell.weight_ih[0][0], cell.weight_hh[0][0]
    w.data, u.data = 0.9, 0.8
    assert cell.bias_ih is not None and cell.bias_hh is not None
    cell.bias_ih[0].data, cell.bias_hh[0].data = 0.1, -0.05
    xs = [math.sin(t) for t in range(12)]
    outputs, _ = layer(xs)
    outputs[-1][0].backward()  # loss = h_12
    # by hand: h_t = tanh(w x_t + u h_{t-1} + b), h_0 = 0; walk back from t = 12.
    hs = [0.0]
    for x in xs:
        hs.append(math.tanh(0.9 * x + 0.8 * hs[-1] + 0.05))
    upstream, grad_w, grad_u, grad_b = 1.0, 0.0, 0.0, 0.0
    for t in range(12, 0, -1):
        local = upstream * (1.0 - hs[t] ** 2)
        grad_w += local * xs[t - 1]
        grad_u += local * hs[t - 1]
        grad_b += local
        upstream = local * 0.8
    assert w.grad == pytest.approx(grad_w, rel=1e-12)
    assert u.grad == pytest.approx(grad_u, rel=1e-12)
    assert cell.bias_ih[0].grad == pytest.approx(grad_b, rel=1e-12)
    assert cell.bias_hh[0].grad == pytest.approx(grad_b, rel=1e-12)


@pytest.mark.parametrize("layer_class", [nn.LSTM, nn.GRU])
def test_bptt_through_ten_steps_matches_central_differences(
    layer_class: type[nn.RecurrentLayer]
) -> None:
    layer = layer_class(1, 2, seed=3)
    xs = [math.cos(0.7 * t) for t in range(10)]

    def loss(*values: Value) -> Value:
        install(layer.cell, values)
        outputs, _ = layer(xs)
        return value_sum(h * h for step in outputs for h in step)

    assert_gradients_match(loss, [value.data for value in layer.parameters()])


# ------------------------------------------------------------------------------------ truncation


def test_detach_keeps_the_numbers_and_cuts_the_graph() -> None:
    x = Value(2.0)
    state = ([x * 3.0, x + 1.0], [x.tanh()])
    cut = nn.detach(state)
    assert isinstance(cut, tuple) and all(isinstance(part, list) for part in cut)
    assert numbers(cut) == numbers(state)
    assert all(not value.parents for part in cut for value in part)


def test_detach_maps_one_value_to_one_copy_at_any_nesting() -> None:
    h = Value(1.0) * 2.0
    cut = nn.detach([[h, (h, None, 3.0)], h])
    assert cut[0][0] is cut[0][1][0] is cut[1]
    assert cut[0][0] is not h and cut[0][1][1:] == (None, 3.0)


def test_detach_of_a_single_value_is_a_leaf() -> None:
    value = nn.detach(Value(1.5) * 2.0)
    assert value.data == 3.0 and value.is_leaf


@pytest.mark.parametrize("state", [{"h": Value(1.0)}, "h", [Value(1.0), object()]])
def test_detach_rejects_what_is_not_a_state(state: Any) -> None:
    with pytest.raises(TypeError, match="detach: a state holds Values"):
        nn.detach(state)


#: Run in a child process whose address space is capped, so that a detach that loops forever
#: (growing its copies) ends in a MemoryError there instead of hanging or swamping this process.
SELF_CONTAINING_STATE = """
import resource, sys
import nn
from autograd import Value
size = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (size + 512 * 2**20, resource.RLIM_INFINITY))
state = [Value(1.0)]
state.append((Value(2.0), [state]))  # the list holds itself, through a tuple and a list
try:
    nn.detach(state)
except ValueError as error:
    print("ValueError:", error)
except MemoryError:
    print("MemoryError")
"""


def test_detach_of_a_state_that_contains_itself_raises_value_error() -> None:
    child = subprocess.run([sys.executable, "-c", SELF_CONTAINING_STATE], capture_output=True,
                           text=True, timeout=600, check=False)
    assert child.stdout.startswith("ValueError: detach: the state contains itself"), (
        child.stdout + child.stderr)


def test_detach_copies_a_list_used_twice_but_not_inside_itself() -> None:
    shared = [Value(1.0)]
    cut = nn.detach([shared, (shared,)])  # no cycle: a shared list is no reason to refuse
    assert cut[0][0] is cut[1][0][0] and cut[0][0].data == 1.0


def test_truncation_cuts_exactly_at_the_detach() -> None:
    layer = nn.LSTM(1, 2, seed=9)
    xs = [0.5, -0.3, 0.9, 0.1, -0.8, 0.4]
    first, state = layer(xs[:3])
    cut = nn.detach(state)
    second, _ = layer(xs[3:], cut)
    value_sum(second[-1]).backward()
    truncated = [value.grad for value in layer.parameters()]
    # Nothing before the cut received a gradient ...
    assert all(value.grad == 0.0 for step in first for value in step)
    # ... the cut state itself did, and the parameters' gradients are those of the second window
    # alone, started from constants with the same numbers.
    layer.zero_grad()
    fresh = ([Value(v.data) for v in state[0]], [Value(v.data) for v in state[1]])
    alone, _ = layer(xs[3:], fresh)
    value_sum(alone[-1]).backward()
    assert truncated == [value.grad for value in layer.parameters()]
    assert [v.grad for part in cut for v in part] == [v.grad for part in fresh for v in part]
    assert any(v.grad != 0.0 for part in cut for v in part)


def test_without_the_detach_the_gradient_reaches_the_earlier_window() -> None:
    layer = nn.LSTM(1, 2, seed=9)
    xs = [0.5, -0.3, 0.9, 0.1, -0.8, 0.4]
    first, state = layer(xs[:3])
    second, _ = layer(xs[3:], state)
    value_sum(second[-1]).backward()
    full = [value.grad for value in layer.parameters()]
    assert any(value.grad != 0.0 for value in first[0])
    layer.zero_grad()
    cut_second, _ = layer(xs[3:], nn.detach(state))
    value_sum(cut_second[-1]).backward()
    assert full != [value.grad for value in layer.parameters()]


# ------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize("cell_class", CELLS)
def test_wrong_input_size_names_expected_and_given(cell_class: type[nn.RecurrentCell]) -> None:
    with pytest.raises(ValueError, match=r"x has 2 entries, expected input_size=3"):
        cell_class(3, 4, seed=0)([1.0, 2.0])


@pytest.mark.parametrize("cell_class", [nn.RNNCell, nn.GRUCell])
def test_wrong_hidden_size_names_expected_and_given(cell_class: type[nn.RecurrentCell]) -> None:
    with pytest.raises(ValueError, match=r"h has 3 entries, expected hidden_size=4"):
        cell_class(1, 4, seed=0)([1.0], [0.0, 0.0, 0.0])


def test_wrong_lstm_cell_state_size_names_c() -> None:
    with pytest.raises(ValueError, match=r"c has 5 entries, expected hidden_size=4"):
        nn.LSTMCell(1, 4, seed=0)([1.0], ([0.0] * 4, [0.0] * 5))


def test_lstm_state_must_be_a_pair() -> None:
    with pytest.raises(ValueError, match=r"state must be a pair \(h, c\).*length 4"):
        nn.LSTMCell(1, 4, seed=0)([1.0], [0.0] * 4)


def test_error_names_the_cell() -> None:
    with pytest.raises(ValueError, match=r"GRUCell\(3, 4\)"):
        nn.GRUCell(3, 4, seed=0)([1.0])


def test_input_that_is_not_a_list_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="x must be a list of 2 numbers"):
        nn.RNNCell(2, 1, seed=0)("ab")


def test_unknown_nonlinearity_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown nonlinearity 'sigmoid'"):
        nn.RNNCell(1, 1, nonlinearity="sigmoid")


@pytest.mark.parametrize("size", [0, -2])
def test_sizes_below_one_are_rejected(size: int) -> None:
    with pytest.raises(ValueError, match="LSTMCell: hidden_size must be at least 1"):
        nn.LSTMCell(1, size)


def test_a_size_that_is_not_an_integer_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="RNNCell: input_size must be an integer"):
        nn.RNNCell(2.5, 1)  # type: ignore[arg-type]


def test_layer_refuses_an_empty_sequence() -> None:
    with pytest.raises(ValueError, match="at least one step"):
        nn.GRU(1, 2, seed=0)([])


def test_layer_step_of_the_wrong_size_is_named() -> None:
    with pytest.raises(ValueError, match=r"x has 1 entries, expected input_size=2"):
        nn.RNN(2, 2, seed=0)([[1.0, 2.0], [3.0]])


# ------------------------------------------------------------------------------------ files


@pytest.mark.parametrize("module", [
    nn.RNNCell(2, 3, nonlinearity="relu", seed=1), nn.LSTMCell(2, 3, bias=False, seed=1),
    nn.GRUCell(2, 3, seed=1), nn.RNN(1, 2, bias=False, seed=1), nn.LSTM(1, 2, seed=1),
    nn.GRU(1, 2, seed=1),
], ids=lambda module: repr(module))
def test_recurrent_modules_round_trip_through_a_file(module: Module, tmp_path: Path) -> None:
    module.save(tmp_path / "model.json")
    loaded = Module.load(tmp_path / "model.json")
    assert type(loaded) is type(module) and repr(loaded) == repr(module)
    assert loaded.state_dict() == module.state_dict()


def test_loaded_lstm_computes_the_same_sequence(tmp_path: Path) -> None:
    layer = nn.LSTM(1, 3, seed=12)
    layer.save(tmp_path / "lstm.json")
    loaded = nn.LSTM.load(tmp_path / "lstm.json")
    assert numbers(loaded([0.2, -0.4, 0.6])) == numbers(layer([0.2, -0.4, 0.6]))


def test_reprs_show_the_constructor_arguments() -> None:
    assert repr(nn.RNNCell(2, 3, nonlinearity="relu")) == "RNNCell(2, 3, nonlinearity='relu')"
    assert repr(nn.LSTM(1, 4, bias=False)) == "LSTM(1, 4, bias=False)"


def test_inputs_and_sequences_may_be_array_like() -> None:
    layer = nn.GRU(2, 2, seed=3)
    steps = [[0.5, -0.2], [0.1, 0.9]]
    arrays = ArrayLike([ArrayLike([Float32Like(x) for x in step]) for step in steps])
    assert numbers(layer(arrays)[0]) == numbers(layer(steps)[0])


def test_a_sequence_of_tuples_or_a_generator_is_accepted() -> None:
    layer = nn.RNN(2, 2, seed=3)
    steps = [(0.5, -0.2), (0.1, 0.9)]
    assert numbers(layer(step for step in steps)[0]) == numbers(layer(steps)[0])


def test_a_layer_input_that_is_not_a_sequence_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"RNN\(1, 2\) needs a sequence of steps"):
        nn.RNN(1, 2, seed=0)(3.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["LSTMCell", "LSTM"])
def test_a_model_file_with_huge_sizes_is_refused_before_allocating(
    name: str, tmp_path: Path
) -> None:
    # 4 gates * 2000 * (1000 + 2000 + 2) = 24,016,000 parameters: over the 10,000,000 limit.
    document = {"format": "chainrule.model", "version": 1,
                "architecture": {"class": name,
                                 "config": {"input_size": 1000, "hidden_size": 2000}},
                "parameters": {}}
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ValueError, match=r"would have 24,016,000 parameters; a model file may "
                                         r"describe at most 10,000,000"):
        Module.load(path)


def test_a_model_file_with_a_size_that_is_not_a_count_is_refused(tmp_path: Path) -> None:
    document = {"format": "chainrule.model", "version": 1,
                "architecture": {"class": "GRUCell",
                                 "config": {"input_size": "3", "hidden_size": 2}},
                "parameters": {}}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ValueError, match="invalid architecture for GRUCell.*input_size must be an "
                                         "integer"):
        Module.load(path)
