"""Model files: versioned JSON, bit-exact round trips, atomic writes, clear errors for bad files
(a small file asking for a huge model is refused before it is built), numpy numbers in a state,
non-finite weights refused on save.

Every expected parameter count is worked out by hand from the layer shapes: a neuron with ``n``
inputs has ``n`` weights and a bias; a convolution has ``out * (in * kernel area + 1)``.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from memory import traced_peak

import nn
from autograd import Value
from nn.module import Module


def conv_net() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 2, 3, stride=1, padding=1, seed=4),
        nn.Activation("relu"),
        nn.MaxPool2d(2),
        nn.AvgPool2d(kernel_size=1),
        nn.Flatten(),
        nn.Layer(8, 2, "tanh", init="xavier", seed=5),
    )


def write_model_file(path: Path, **changes: object) -> None:
    document = json.loads(json.dumps({
        "format": "chainrule.model",
        "version": 1,
        "architecture": {"class": "MLP", "config": {"nin": 2, "nouts": [2, 1]}},
        "parameters": nn.MLP(2, [2, 1], seed=0).state_dict(),
    }))
    document.update(changes)
    path.write_text(json.dumps(document), encoding="utf-8")


# ------------------------------------------------------------------------------------ round trips


def test_mlp_round_trips_bit_exactly(tmp_path: Path) -> None:
    model = nn.MLP(3, [5, 4, 2], activation=["tanh", "leaky_relu"], output_activation="sigmoid",
                   init="he", seed=11)
    for value in model.parameters():  # numbers whose shortest repr needs all 17 digits
        value.data = value.data / 3.0 + 1e-17
    model.save(tmp_path / "model.json")
    loaded = Module.load(tmp_path / "model.json")
    assert type(loaded) is nn.MLP
    original = model.state_dict()
    assert [v.hex() for v in loaded.state_dict().values()] == [v.hex() for v in original.values()]
    assert list(loaded.state_dict()) == list(original)


def test_loaded_mlp_keeps_the_architecture(tmp_path: Path) -> None:
    model = nn.MLP(3, [5, 4, 2], activation=["tanh", "relu"], output_activation="sigmoid",
                   bias=False, seed=1)
    model.save(tmp_path / "model.json")
    loaded = nn.MLP.load(tmp_path / "model.json")
    assert repr(loaded) == repr(model)


def test_loaded_model_computes_the_same_outputs(tmp_path: Path) -> None:
    model = nn.MLP(2, [4, 1], activation="tanh", seed=3)
    model.save(tmp_path / "model.json")
    loaded = Module.load(tmp_path / "model.json")
    assert loaded([0.3, -0.7]).data == model([0.3, -0.7]).data


def test_sequential_conv_net_round_trips_bit_exactly(tmp_path: Path) -> None:
    model = conv_net()
    model.save(tmp_path / "net.json")
    loaded = Module.load(tmp_path / "net.json")
    assert repr(loaded) == repr(model)
    assert loaded.state_dict() == model.state_dict()
    image = [[[0.1 * (r * 4 + c) for c in range(4)] for r in range(4)]]
    assert [v.data for v in loaded(image)] == [v.data for v in model(image)]


def test_file_is_versioned_json_with_architecture_and_parameters(tmp_path: Path) -> None:
    nn.MLP(2, [1], seed=0).save(tmp_path / "model.json")
    document = json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))
    assert document["format"] == "chainrule.model"
    assert document["version"] == 1
    assert document["architecture"]["class"] == "MLP"
    assert document["architecture"]["config"]["nouts"] == [1]
    assert set(document["parameters"]) == {"layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1",
                                           "layers.0.neurons.0.b"}


def test_loading_does_not_draw_from_the_global_random_generator(tmp_path: Path) -> None:
    nn.MLP(2, [8, 1], seed=0).save(tmp_path / "model.json")
    state = random.getstate()
    Module.load(tmp_path / "model.json")
    assert random.getstate() == state


# ------------------------------------------------------------------------------------ atomic writes


def test_save_leaves_no_temporary_file(tmp_path: Path) -> None:
    nn.MLP(2, [1], seed=0).save(tmp_path / "model.json")
    assert sorted(os.listdir(tmp_path)) == ["model.json"]


def test_failed_save_keeps_the_old_file_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "model.json"
    target.write_text("old contents", encoding="utf-8")

    def failing_replace(source: str, destination: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        nn.MLP(2, [1], seed=0).save(target)
    assert target.read_text(encoding="utf-8") == "old contents"
    assert sorted(os.listdir(tmp_path)) == ["model.json"]


def test_saving_an_unsaveable_module_raises_before_touching_the_disk(tmp_path: Path) -> None:
    class Custom(nn.Module):
        def __call__(self, inputs: object) -> object:
            return inputs

    with pytest.raises(NotImplementedError, match="Custom cannot be saved"):
        nn.Sequential(Custom()).save(tmp_path / "model.json")
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------------------------ bad files


def test_truncated_file_is_rejected_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    nn.MLP(2, [2, 1], seed=0).save(path)
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(ValueError, match=r"model\.json: corrupt or truncated model file"):
        Module.load(path)


def test_binary_garbage_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match="not a chainrule model file"):
        Module.load(path)


def test_a_pickle_file_is_rejected_not_unpickled(tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"format": "chainrule.model"}))
    with pytest.raises(ValueError, match=r"model\.pkl"):
        Module.load(path)


def test_json_of_another_format_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    write_model_file(path, format="someone.else")
    with pytest.raises(ValueError, match="not a chainrule model file"):
        Module.load(path)


def test_a_future_format_version_is_rejected_with_upgrade_advice(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    write_model_file(path, version=2)
    with pytest.raises(ValueError, match="format version 2 by a newer chainrule.*Upgrade"):
        Module.load(path)


@pytest.mark.parametrize("version", [0, "1", None, 1.5, True])
def test_an_invalid_format_version_is_rejected(tmp_path: Path, version: object) -> None:
    path = tmp_path / "model.json"
    write_model_file(path, version=version)
    with pytest.raises(ValueError, match="invalid format version"):
        Module.load(path)


def test_an_unknown_architecture_is_rejected_listing_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    write_model_file(path, architecture={"class": "Transformer", "config": {}})
    with pytest.raises(ValueError, match="unknown architecture 'Transformer'; known classes:.*MLP"):
        Module.load(path)


def test_an_architecture_with_bad_arguments_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    write_model_file(path, architecture={"class": "MLP", "config": {"nin": 2, "layers": 3}})
    with pytest.raises(ValueError, match="invalid architecture for MLP"):
        Module.load(path)


def test_missing_parameters_section_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    write_model_file(path, parameters=None)
    with pytest.raises(ValueError, match="'parameters' is missing"):
        Module.load(path)


def test_parameters_that_do_not_fit_the_architecture_are_rejected(tmp_path: Path) -> None:
    # MLP(3, [2, 1]) has 2 * (3 + 1) + 1 * (2 + 1) = 11 parameters; the file has MLP(2, [2, 1])'s 9
    path = tmp_path / "model.json"
    write_model_file(path, architecture={"class": "MLP", "config": {"nin": 3, "nouts": [2, 1]}})
    with pytest.raises(ValueError, match=r"model\.json: .*MLP has 11 parameters but the file "
                                         r"holds 9"):
        Module.load(path)


def test_a_renamed_parameter_is_rejected_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    parameters = nn.MLP(2, [2, 1], seed=0).state_dict()
    parameters["layers.0.neurons.0.w.7"] = parameters.pop("layers.0.neurons.0.w.1")
    write_model_file(path, parameters=parameters)
    with pytest.raises(ValueError, match=r"missing 'layers.0.neurons.0.w.1'.*unexpected 'layers."
                                         r"0.neurons.0.w.7'"):
        Module.load(path)


def test_a_weight_too_large_for_a_float_is_rejected_as_corrupt(tmp_path: Path) -> None:
    # 10**400 is a valid JSON integer but overflows a float (math.isfinite raises OverflowError)
    path = tmp_path / "model.json"
    write_model_file(path)
    text = path.read_text(encoding="utf-8")
    document = json.loads(text)
    document["parameters"]["layers.0.neurons.0.b"] = 10**400
    path.write_text(json.dumps(document), encoding="utf-8")
    message = r"model\.json: corrupt model file.*'layers\.0\.neurons\.0\.b' is too large"
    with pytest.raises(ValueError, match=rf"{message} for a float \(about 10\*\*400\)"):
        Module.load(path)


def test_a_weight_with_more_digits_than_python_reads_is_rejected_as_corrupt(tmp_path: Path) -> None:
    # json.loads refuses integers of more than 4,300 digits with a plain ValueError
    path = tmp_path / "model.json"
    write_model_file(path)
    text = path.read_text(encoding="utf-8").replace('"version": 1', '"version": 1' + "0" * 5000)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=r"model\.json: corrupt model file"):
        Module.load(path)


def test_a_deeply_nested_file_is_rejected_as_corrupt(tmp_path: Path) -> None:
    # 100,000 '[' exceed the recursion limit of json.loads (RecursionError)
    path = tmp_path / "model.json"
    path.write_text("[" * 100_000, encoding="utf-8")
    with pytest.raises(ValueError, match=r"model\.json: corrupt model file"):
        Module.load(path)


def test_a_misshaped_parameter_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    parameters = nn.MLP(2, [2, 1], seed=0).state_dict()
    parameters["layers.0.neurons.0.b"] = [0.0]  # type: ignore[assignment]
    write_model_file(path, parameters=parameters)
    with pytest.raises(ValueError, match="'layers.0.neurons.0.b' should be one number"):
        Module.load(path)


def test_a_nan_parameter_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    parameters = nn.MLP(2, [2, 1], seed=0).state_dict()
    parameters["layers.0.neurons.0.b"] = float("nan")  # json writes NaN, which json reads back
    write_model_file(path, parameters=parameters)
    with pytest.raises(ValueError, match="not finite"):
        Module.load(path)


def test_loading_through_a_subclass_checks_the_class(tmp_path: Path) -> None:
    conv_net().save(tmp_path / "net.json")
    with pytest.raises(ValueError, match="holds a Sequential, not a MLP"):
        nn.MLP.load(tmp_path / "net.json")


def test_a_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Module.load(tmp_path / "absent.json")


def test_a_single_layer_mlp_round_trips(tmp_path: Path) -> None:
    model = nn.MLP(3, [1], output_activation="sigmoid", seed=2)
    model.save(tmp_path / "model.json")
    loaded = nn.MLP.load(tmp_path / "model.json")
    assert repr(loaded) == repr(model) and loaded.state_dict() == model.state_dict()




#: A file asking for a huge model must be refused before anything that size is allocated.
MEMORY_BOUND = 2_000_000  # bytes


def write_model(path: Path, architecture: dict[str, Any], parameters: dict[str, Any]) -> None:
    document = {"format": "chainrule.model", "version": 1, "architecture": architecture,
                "parameters": parameters}
    path.write_text(json.dumps(document), encoding="utf-8")




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
