"""PyTorch as the reference: every recurrent cell and layer, and gradient clipping, against
torch (CPU, float64) with our weights copied in by PyTorch's own parameter names.

torch is in the dev extra (``torch==2.13.0``), so these tests always run under ``make test``.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
import torch

import nn
from autograd import Value
from autograd import sum as value_sum

TORCH_CELLS = {nn.RNNCell: torch.nn.RNNCell, nn.LSTMCell: torch.nn.LSTMCell,
               nn.GRUCell: torch.nn.GRUCell}
TORCH_LAYERS = {nn.RNN: torch.nn.RNN, nn.LSTM: torch.nn.LSTM, nn.GRU: torch.nn.GRU}

CELL_CASES = [
    (nn.RNNCell, {"nonlinearity": "tanh"}),
    (nn.RNNCell, {"nonlinearity": "relu"}),
    (nn.RNNCell, {"bias": False}),
    (nn.LSTMCell, {}),
    (nn.LSTMCell, {"bias": False}),
    (nn.GRUCell, {}),
    (nn.GRUCell, {"bias": False}),
]


def tensor(numbers: Any) -> torch.Tensor:
    return torch.tensor(numbers, dtype=torch.float64)


def data(values: Any) -> Any:
    return [data(item) for item in values] if isinstance(values, list | tuple) else values.data


def flat(nested: Any) -> list[Any]:
    """A list of lists (or a list) as one flat list."""
    return [x for item in nested for x in (item if isinstance(item, list) else [item])]


def grads(cell: nn.RecurrentCell, name: str) -> list[float]:
    """The gradients of parameter ``name`` of the cell, flattened row by row."""
    return [value.grad for value in flat(getattr(cell, name))]


def copy_into(target: torch.nn.Module, cell: nn.RecurrentCell, suffix: str = "") -> None:
    """Set the torch module's parameters to the cell's numbers, by PyTorch's names."""
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            ours = getattr(cell, name)
            if ours is not None:
                getattr(target, name + suffix).copy_(tensor(data(ours)))


def torch_cell(cell: nn.RecurrentCell, **options: Any) -> torch.nn.Module:
    reference = TORCH_CELLS[type(cell)](cell.input_size, cell.hidden_size, dtype=torch.float64,
                                        **options)
    copy_into(reference, cell)
    return reference


def random_numbers(rng: random.Random, count: int) -> list[float]:
    return [rng.uniform(-1.0, 1.0) for _ in range(count)]


@pytest.mark.parametrize(("cell_class", "options"), CELL_CASES)
def test_parameter_count_and_shapes_equal_pytorch(
    cell_class: type[nn.RecurrentCell], options: dict[str, Any]
) -> None:
    cell = cell_class(3, 5, seed=0, **options)
    reference = torch_cell(cell, **options)
    assert len(cell.parameters()) == sum(p.numel() for p in reference.parameters())
    for name, parameter in reference.named_parameters():
        rows = getattr(cell, name)
        shape = (len(rows), len(rows[0])) if parameter.dim() == 2 else (len(rows),)
        assert shape == tuple(parameter.shape), name


@pytest.mark.parametrize("cell_class", list(TORCH_CELLS))
def test_initialisation_range_is_pytorch_s(cell_class: type[nn.RecurrentCell]) -> None:
    torch.manual_seed(0)
    reference = TORCH_CELLS[cell_class](4, 9, dtype=torch.float64)
    theirs = torch.cat([p.detach().flatten() for p in reference.parameters()]).abs()
    ours = [abs(value.data) for value in cell_class(4, 9, seed=0).parameters()]
    # both fill [-1/3, 1/3]: the same bound, reached by both
    assert max(ours) <= 1 / 3 and float(theirs.max()) <= 1 / 3
    assert max(ours) > 0.32 and float(theirs.max()) > 0.32


@pytest.mark.parametrize(("cell_class", "options"), CELL_CASES)
def test_three_steps_of_a_cell_match_pytorch_outputs_and_gradients(
    cell_class: type[nn.RecurrentCell], options: dict[str, Any]
) -> None:
    rng = random.Random(1)
    cell = cell_class(3, 4, seed=2, **options)
    reference = torch_cell(cell, **options)
    lstm = cell_class is nn.LSTMCell
    xs = [random_numbers(rng, 3) for _ in range(3)]
    start = [random_numbers(rng, 4) for _ in range(2 if lstm else 1)]
    weights = [random_numbers(rng, 4) for _ in range(3)]

    # ours
    x_values = [[Value(x) for x in step] for step in xs]
    state_values = [[Value(h) for h in part] for part in start]
    state: Any = tuple(state_values) if lstm else state_values[0]
    loss_terms = []
    hs = []
    for step, w in zip(x_values, weights, strict=True):
        state = cell(step, state)
        h = state[0] if lstm else state
        hs.append(data(h))
        loss_terms += [a * b for a, b in zip(w, h, strict=True)]
    value_sum(loss_terms).backward()

    # PyTorch's
    x_tensors = [tensor(step).requires_grad_() for step in xs]
    start_tensors = [tensor(part).requires_grad_() for part in start]
    t_state: Any = tuple(start_tensors) if lstm else start_tensors[0]
    loss = tensor(0.0)
    t_hs = []
    for step, w in zip(x_tensors, weights, strict=True):
        t_state = reference(step, t_state)
        h = t_state[0] if lstm else t_state
        t_hs.append(h.tolist())
        loss = loss + (tensor(w) * h).sum()
    loss.backward()

    assert flat(hs) == pytest.approx(flat(t_hs), rel=1e-12, abs=1e-14)
    for name, parameter in reference.named_parameters():
        theirs = parameter.grad.flatten().tolist()
        assert grads(cell, name) == pytest.approx(theirs, rel=1e-10, abs=1e-13), name
    for ours_x, theirs_x in zip(x_values, x_tensors, strict=True):
        assert [v.grad for v in ours_x] == pytest.approx(theirs_x.grad.tolist(), rel=1e-10,
                                                         abs=1e-13)
    for ours_h, theirs_h in zip(state_values, start_tensors, strict=True):
        assert [v.grad for v in ours_h] == pytest.approx(theirs_h.grad.tolist(), rel=1e-10,
                                                         abs=1e-13)


@pytest.mark.parametrize("layer_class", list(TORCH_LAYERS))
def test_twelve_step_sequence_layer_matches_pytorch_through_time(
    layer_class: type[nn.RecurrentLayer]
) -> None:
    rng = random.Random(3)
    layer = layer_class(2, 3, seed=4)
    reference = TORCH_LAYERS[layer_class](2, 3, dtype=torch.float64)
    copy_into(reference, layer.cell, suffix="_l0")
    xs = [random_numbers(rng, 2) for _ in range(12)]
    targets = [random_numbers(rng, 3) for _ in range(12)]

    outputs, _ = layer(xs)
    value_sum((h - t) ** 2 for step, goal in zip(outputs, targets, strict=True)
              for h, t in zip(step, goal, strict=True)).backward()

    t_outputs, _ = reference(tensor(xs))  # unbatched: (steps, features)
    ((t_outputs - tensor(targets)) ** 2).sum().backward()

    assert flat(data(outputs)) == pytest.approx(flat(t_outputs.tolist()), rel=1e-12, abs=1e-14)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        theirs = getattr(reference, name + "_l0").grad.flatten().tolist()
        assert grads(layer.cell, name) == pytest.approx(theirs, rel=1e-10, abs=1e-13), name


def test_continued_lstm_state_matches_pytorch_given_the_same_state() -> None:
    layer = nn.LSTM(1, 2, seed=5)
    reference = torch.nn.LSTM(1, 2, dtype=torch.float64)
    copy_into(reference, layer.cell, suffix="_l0")
    first, state = layer([[0.3], [-0.2]])
    second, _ = layer([[0.7], [0.1]], state)
    h0, c0 = (tensor([data(part)]) for part in state)
    t_second, _ = reference(tensor([[0.7], [0.1]]), (h0, c0))
    assert flat(data(second)) == pytest.approx(flat(t_second.tolist()), rel=1e-12)


# ------------------------------------------------------------------------------------ clipping


def with_grads(grads: list[float]) -> tuple[list[Value], torch.Tensor]:
    values = [Value(0.0) for _ in grads]
    for value, grad in zip(values, grads, strict=True):
        value.grad = grad
    parameter = torch.zeros(len(grads), dtype=torch.float64, requires_grad=True)
    parameter.grad = tensor(grads)
    return values, parameter


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 2.0, 100.0])
def test_clip_grad_norm_matches_pytorch(norm_type: float, max_norm: float) -> None:
    grads = random_numbers(random.Random(7), 20)
    values, parameter = with_grads(grads)
    total = nn.clip_grad_norm_(values, max_norm, norm_type)
    t_total = torch.nn.utils.clip_grad_norm_([parameter], max_norm, norm_type)
    assert total == pytest.approx(float(t_total), rel=1e-12)
    assert [v.grad for v in values] == pytest.approx(parameter.grad.tolist(), rel=1e-12)


def test_clip_grad_value_matches_pytorch() -> None:
    grads = [3.0 * x for x in random_numbers(random.Random(8), 20)]
    values, parameter = with_grads(grads)
    nn.clip_grad_value_(values, 1.25)
    torch.nn.utils.clip_grad_value_([parameter], 1.25)
    assert [v.grad for v in values] == parameter.grad.tolist()


SPREAD_GRADS = [1e-8, -3.0, 2.5e5, 7e-3, -1e3, 0.0, 42.0]  # gradients of very different sizes
TINY_GRADS = [1e-300, -2e-300, 3e-300]  # 1e-3-norm: (sum |g|**1e-3)**1000 is finite, 1e177


@pytest.mark.parametrize("norm_type", [1e-3, 0.5, 1.0, 2.0, math.inf])
@pytest.mark.parametrize("grads", [SPREAD_GRADS, TINY_GRADS], ids=["spread", "tiny"])
def test_clip_grad_norm_matches_pytorch_for_any_positive_norm_type(
    norm_type: float, grads: list[float]
) -> None:
    # At norm_type 1e-3 the spread gradients have an infinite norm in torch (about 6**1000):
    # every gradient is scaled by 0 there; the tiny ones have a finite norm near 1e177.
    values, parameter = with_grads(grads)
    total = nn.clip_grad_norm_(values, 1.0, norm_type)
    t_total = torch.nn.utils.clip_grad_norm_([parameter], 1.0, norm_type)
    assert total == pytest.approx(float(t_total), rel=1e-10)
    assert [v.grad for v in values] == pytest.approx(parameter.grad.tolist(), rel=1e-10)
