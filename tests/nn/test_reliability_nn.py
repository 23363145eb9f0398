"""Reliability of nn's files and numbers (issue 11): hostile model files, numpy scalars in a
state, non-finite weights on save.

Every expected count below is worked out by hand from the layer shapes: a neuron with ``n``
inputs has ``n`` weights and a bias; a convolution has ``out * (in * kernel area + 1)``.
"""

from __future__ import annotations

import gzip
import json
import math
import struct
import tracemalloc
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest

import nn
from autograd import Value
from nn.module import Module

Result = TypeVar("Result")

#: A file asking for a huge model must be refused before anything that size is allocated.
MEMORY_BOUND = 2_000_000  # bytes


def write_model(path: Path, architecture: dict[str, Any], parameters: dict[str, Any]) -> None:
    document = {"format": "chainrule.model", "version": 1, "architecture": architecture,
                "parameters": parameters}
    path.write_text(json.dumps(document), encoding="utf-8")


def traced_peak(run: Callable[[], Result]) -> tuple[Result, int]:
    """``run()`` under tracemalloc: its result and the peak memory it allocated."""
    tracemalloc.start()
    try:
        result = run()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, peak


def peak_bytes_while_loading(path: Path) -> tuple[int, BaseException | None]:
    """Load ``path`` under tracemalloc; the peak memory and the exception it raised (if any)."""

    def load() -> BaseException | None:
        try:
            Module.load(path)
        except ValueError as error:
            return error
        return None

    raised, peak = traced_peak(load)
    return peak, raised


HUGE = {
    # name: (architecture, parameters it implies, worked out by hand)
    "MLP": ({"class": "MLP", "config": {"nin": 1_000_000, "nouts": [1]}}, 1_000_001),
    "Layer": ({"class": "Layer", "config": {"nin": 1000, "nout": 1000}}, 1_001_000),
    "Neuron": ({"class": "Neuron", "config": {"nin": 2_000_000}}, 2_000_001),
    "Neuron without bias": (
        {"class": "Neuron", "config": {"nin": 2_000_000, "bias": False}}, 2_000_000),
    "Conv2d channels": (
        {"class": "Conv2d", "config": {"in_channels": 300, "out_channels": 300,
                                       "kernel_size": 3}}, 300 * (300 * 9 + 1)),
    "Conv2d kernel": (
        {"class": "Conv2d", "config": {"in_channels": 1, "out_channels": 1,
                                       "kernel_size": [1000, 1000]}}, 1_000_001),
    "Sequential": (
        {"class": "Sequential", "config": {"modules": [
            {"class": "Flatten", "config": {}},
            {"class": "MLP", "config": {"nin": 500_000, "nouts": [2]}},
        ]}}, 1_000_002),
}


@pytest.mark.parametrize("kind", list(HUGE))
def test_load_refuses_a_small_file_asking_for_a_huge_model_before_building_it(
    tmp_path: Path, kind: str
) -> None:
    architecture, count = HUGE[kind]
    path = tmp_path / "bomb.json"
    write_model(path, architecture, {"w": 0.5})
    peak, raised = peak_bytes_while_loading(path)
    assert isinstance(raised, ValueError)
    assert str(raised).startswith(str(path))
    assert f"has {count:,} parameters but the file holds 1" in str(raised)
    assert peak < MEMORY_BOUND


def test_load_counts_conv_and_mlp_parameters_together_in_a_sequential(tmp_path: Path) -> None:
    # Conv2d(1, 2, 3): 2 * (1 * 9 + 1) = 20; MLP(8, [3]): 3 * (8 + 1) = 27; pools, flatten and
    # activations have none: 47 in all
    model = nn.Sequential(nn.Conv2d(1, 2, 3, seed=0), nn.Activation("relu"), nn.MaxPool2d(2),
                          nn.Flatten(), nn.MLP(8, [3], seed=0))
    path = tmp_path / "model.json"
    model.save(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    document["parameters"].popitem()
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ValueError, match="Sequential has 47 parameters but the file holds 46"):
        Module.load(path)


def test_load_rejects_a_count_that_is_not_an_integer_naming_the_argument(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    write_model(path, {"class": "Layer", "config": {"nin": "1e9", "nout": 1}}, {})
    with pytest.raises(ValueError, match=r"model\.json: invalid architecture for Layer.*nin"):
        Module.load(path)


class Unsized(Module):
    """A registered class that does not say how many parameters its config implies."""

    def __init__(self, size: int) -> None:
        self.w = [Value(0.0) for _ in range(size)]

    def config(self) -> dict[str, Any]:
        return {"size": len(self.w)}


def test_a_registered_class_without_a_parameter_count_still_loads(tmp_path: Path) -> None:
    nn.module.register(Unsized)
    try:
        model = Unsized(3)
        for number, value in zip([0.25, -1.5, 4.0], model.parameters(), strict=True):
            value.data = number
        model.save(tmp_path / "model.json")
        loaded = Module.load(tmp_path / "model.json")
    finally:
        del nn.module.REGISTRY["Unsized"]
    assert [value.data for value in loaded.parameters()] == [0.25, -1.5, 4.0]


# ------------------------------------------------------------------------- repeated keys


def test_load_rejects_a_parameter_written_twice_naming_it_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    nn.MLP(1, [1], seed=0).save(path)
    text = path.read_text(encoding="utf-8").replace(
        '"layers.0.neurons.0.b": 0.0', '"layers.0.neurons.0.b": 0.0, "layers.0.neurons.0.b": 5.0'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=r"model\.json: .*'layers\.0\.neurons\.0\.b' is written "
                                         "twice"):
        Module.load(path)


def test_load_rejects_an_architecture_key_written_twice(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    nn.MLP(1, [1], seed=0).save(path)
    text = path.read_text(encoding="utf-8").replace('"class": "MLP"',
                                                    '"class": "MLP", "class": "Layer"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="'class' is written twice"):
        Module.load(path)


# ------------------------------------------------------------------------- numpy numbers


@pytest.mark.parametrize(
    "number", [np.float32(0.5), np.int64(-3), np.float64(2.25), np.array(1.5)],
    ids=["float32", "int64", "float64", "0-d array"],
)
def test_load_state_dict_accepts_numpy_numbers(number: Any) -> None:
    model = nn.MLP(1, [1], seed=0)
    model.load_state_dict({name: number for name in model.state_dict()})
    assert [value.data for value in model.parameters()] == [float(number)] * 2


def test_load_state_dict_rejects_a_one_element_array_naming_the_entry() -> None:
    model = nn.MLP(1, [1], seed=0)
    state = {"layers.0.neurons.0.w.0": np.array([1.0]), "layers.0.neurons.0.b": 0.0}
    with pytest.raises(ValueError, match="'layers.0.neurons.0.w.0' should be one number, got "
                                         "ndarray"):
        model.load_state_dict(state)


def test_load_state_dict_rejects_a_numpy_nan_naming_the_entry() -> None:
    model = nn.MLP(1, [1], seed=0)
    state = {"layers.0.neurons.0.w.0": np.float32("nan"), "layers.0.neurons.0.b": 0.0}
    with pytest.raises(ValueError, match="'layers.0.neurons.0.w.0' is not finite"):
        model.load_state_dict(state)


# ------------------------------------------------------------------------- non-finite weights


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_save_refuses_a_non_finite_weight_naming_it_and_writes_nothing(
    tmp_path: Path, number: float
) -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    model.layers[1].neurons[0].w[1].data = number
    path = tmp_path / "model.json"
    with pytest.raises(ValueError, match=rf"parameter 'layers\.1\.neurons\.0\.w\.1' is "
                                         rf"{number!r}"):
        model.save(path)
    assert list(tmp_path.iterdir()) == []


def test_save_counts_the_other_non_finite_weights(tmp_path: Path) -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    for value in model.parameters()[:3]:
        value.data = math.nan
    with pytest.raises(ValueError, match=r"'layers\.0\.neurons\.0\.w\.0' is nan \(and 2 more"):
        model.save(tmp_path / "model.json")


# ------------------------------------------------------------------------- IDX files


def gzip_members_of_zeros(path: Path, header: bytes, mebibytes: int) -> None:
    """A gzip file whose content is ``header`` then ``mebibytes`` MiB of zeros, written as one
    member per MiB (RFC 1952 allows many members; their contents are concatenated), so a file
    expanding to hundreds of MiB takes milliseconds to write."""
    block = gzip.compress(bytes(1 << 20))
    with path.open("wb") as stream:
        stream.write(gzip.compress(header))
        for _ in range(mebibytes):
            stream.write(block)


def idx_header(type_code: int, *shape: int) -> bytes:
    return bytes([0, 0, type_code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


#: 262,144 images of 28 x 28 bytes are exactly 196 MiB (262,144 * 784 = 196 * 2**20).
LARGE_COUNT, LARGE_MEBIBYTES = 262_144, 196
#: Reading one image may take one read chunk (1 MiB) and small change, nowhere near 196 MiB.
STREAMING_BOUND = 4 << 20


def test_read_idx_with_a_limit_decompresses_only_what_it_needs(tmp_path: Path) -> None:
    path = tmp_path / "images.gz"
    gzip_members_of_zeros(path, idx_header(0x08, LARGE_COUNT, 28, 28), LARGE_MEBIBYTES)
    (shape, values), peak = traced_peak(lambda: nn.data.read_idx(path, limit=1))
    assert shape == [1, 28, 28]
    assert values == [0] * 784
    assert peak < STREAMING_BOUND


def test_load_mnist_with_a_limit_reads_large_gzip_files_in_little_memory(tmp_path: Path) -> None:
    gzip_members_of_zeros(tmp_path / "train-images-idx3-ubyte.gz",
                          idx_header(0x08, LARGE_COUNT, 28, 28), LARGE_MEBIBYTES)
    labels = idx_header(0x08, LARGE_COUNT) + bytes(range(10)) * (LARGE_COUNT // 10) + bytes(4)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels))
    (X, y), peak = traced_peak(lambda: nn.data.load_mnist(tmp_path, limit=3))
    assert y == [0, 1, 2]
    assert [len(image) for image in X] == [784] * 3
    assert peak < STREAMING_BOUND


#: A gzip header (RFC 1952: magic, deflate, no flags, no time, no extra flags, unknown OS)
#: followed by a deflate block of the reserved type 3 (RFC 1951 3.2.3: BFINAL=1, BTYPE=11),
#: which zlib refuses as "invalid block type".
CORRUPT_GZIP = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + b"\x07" + bytes(40)


def test_a_corrupt_gzip_body_is_a_value_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(CORRUPT_GZIP)
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte\.gz: corrupt or truncated "
                                         "gzip file"):
        nn.data.read_idx(path)


def test_a_gzip_file_cut_inside_the_items_asked_for_is_a_value_error(tmp_path: Path) -> None:
    path = tmp_path / "labels.gz"
    packed = gzip.compress(idx_header(0x08, 1000) + bytes(1000))
    path.write_bytes(packed[: len(packed) - 12])  # the trailer and the last compressed bytes
    with pytest.raises(ValueError, match=r"labels\.gz: corrupt or truncated gzip file"):
        nn.data.read_idx(path, limit=1000)


def test_a_header_claiming_more_items_than_the_file_holds_is_refused_by_length(
    tmp_path: Path
) -> None:
    # 4 bytes of magic number, 4 of size, then 3 of the 4,000,000,000 labels claimed
    path = tmp_path / "labels"
    path.write_bytes(idx_header(0x08, 4_000_000_000) + bytes(3))
    with pytest.raises(ValueError, match="needs 4000000008 bytes, the file has 11"):
        nn.data.read_idx(path)


# ------------------------------------------------------------------------- saving through links


def test_module_save_through_a_symlink_updates_the_linked_private_file(tmp_path: Path) -> None:
    real = tmp_path / "models" / "best.json"
    real.parent.mkdir()
    nn.MLP(1, [1], seed=0).save(real)
    real.chmod(0o600)
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    model = nn.MLP(1, [1], seed=5)
    model.save(link)
    assert link.is_symlink()
    assert oct(real.stat().st_mode & 0o777) == oct(0o600)
    assert Module.load(real).state_dict() == model.state_dict()


# ------------------------------------------------------------------------- counts and numbers

COUNTS_FROM_NUMPY = {
    # name: a call whose counts are numpy integers (as from np.arange or a shape), and what to
    # check of its result (worked out by hand)
    "MLP": (lambda: len(nn.MLP(np.int64(2), [np.int64(3), np.int32(1)], seed=0).parameters()),
            3 * 3 + 1 * 4),
    "Layer": (lambda: len(nn.Layer(np.int64(4), np.int64(2), seed=0).parameters()), 2 * 5),
    "Neuron": (lambda: len(nn.Neuron(np.int16(5), seed=0).parameters()), 6),
    "Conv2d": (lambda: len(nn.Conv2d(np.int64(2), np.int64(3), np.int64(2), padding=np.int64(1),
                                     seed=0).parameters()), 3 * (2 * 4 + 1)),
    "MaxPool2d": (lambda: nn.MaxPool2d(np.int64(2)).kernel_size, (2, 2)),
    "make_moons": (lambda: len(nn.data.make_moons(np.int64(10))[0]), 10),
    "make_spirals": (lambda: len(nn.data.make_spirals(np.int64(9), np.int64(3))[1]), 9),
    "batches": (lambda: len(list(nn.data.batches(list(range(5)), list(range(5)),
                                                 np.int64(2)))), 3),
    "linear_decay": (lambda: nn.optim.linear_decay(1.0, 0.0, np.int64(4))(np.int64(1)), 0.75),
    "step_decay": (lambda: nn.optim.step_decay(1.0, np.int64(2), 0.5)(5), 0.25),
}


@pytest.mark.parametrize("case", list(COUNTS_FROM_NUMPY))
def test_numpy_integers_are_counts_everywhere_in_nn(case: str) -> None:
    call, expected = COUNTS_FROM_NUMPY[case]
    assert call() == expected


def test_fit_takes_numpy_integer_epochs_and_batch_size() -> None:
    model = nn.Layer(1, 1, activation="linear", seed=0)
    history = nn.fit(model, [[1.0], [2.0], [3.0]], [2.0, 4.0, 6.0], loss=nn.losses.mse,
                     optimizer=nn.optim.SGD(model.parameters(), lr=0.01), epochs=np.int64(2),
                     batch_size=np.int64(2), progress=False)
    assert history.epochs == 2


@pytest.mark.parametrize("rate", [np.float32(0.5), np.float64(0.5), Fraction(1, 2)],
                         ids=["float32", "float64", "Fraction"])
def test_optimisers_take_any_real_learning_rate(rate: Any) -> None:
    # one SGD step on w with gradient 2: 1 - 0.5 * 2 = 0
    weight = Value(1.0)
    weight.grad = 2.0
    optimizer = nn.optim.SGD([weight], lr=rate)
    optimizer.step()
    assert weight.data == 0.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nn.Layer(2, 2.5), "Layer: nout must be an integer, got float 2.5"),
        (lambda: nn.MLP(2, [4, "1"]), r"MLP: nouts\[1\] must be an integer, got str '1'"),
        (lambda: nn.Conv2d(1, 1.0, 3), "Conv2d: out_channels must be an integer"),
        (lambda: nn.data.make_moons(10.0), "make_moons: n must be an integer"),
        (lambda: nn.optim.cosine(1.0, 0.0, 10.0), "cosine: steps must be an integer"),
    ],
    ids=["Layer nout", "MLP nouts", "Conv2d out_channels", "make_moons n", "cosine steps"],
)
def test_a_count_that_is_not_an_integer_is_a_type_error_naming_the_argument(
    call: Any, message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        call()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nn.Neuron(True), "Neuron: nin must be an integer, got bool True"),
        (lambda: nn.data.batches([1], [1], True), "batches: batch_size must be an integer"),
        (lambda: nn.optim.SGD([Value(1.0)], lr=True), "SGD: lr must be a finite number"),
    ],
    ids=["Neuron nin", "batch_size", "lr"],
)
def test_a_bool_is_not_a_number_for_nn(call: Any, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        call()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nn.MLP(2, [4, 0]), r"MLP: nouts\[1\] must be at least 1, got 0"),
        (lambda: nn.data.make_spirals(2, 3), "make_spirals: n must be at least 3, got 2"),
        (lambda: nn.Conv2d(1, 1, 3, padding=-1), "Conv2d: padding must be an integer >= 0"),
    ],
    ids=["MLP width", "spirals n", "padding"],
)
def test_a_count_below_its_minimum_is_a_value_error_naming_it(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
