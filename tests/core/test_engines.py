"""Other engines: the free functions and custom ops hand foreign operands to their engine."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest

import autograd
from autograd.core.engines import ENGINES, register_engine


class Tagged:
    """A stand-in for another library's scalar type."""


class TaggedChild(Tagged):
    """Its subclass (as torch.nn.Parameter is a torch.Tensor)."""


NAME = f"{Tagged.__module__}.{Tagged.__qualname__}"


@pytest.fixture
def engine() -> Iterator[list[tuple[str, dict[str, float], tuple[Any, ...]]]]:
    """An engine for Tagged that records what it was asked, registered for one test."""
    calls: list[tuple[str, dict[str, float], tuple[Any, ...]]] = []

    def record(op: Any, operands: tuple[Any, ...]) -> str:
        calls.append((op.name, op.params, operands))
        return "computed by the engine"

    register_engine(NAME, record)
    yield calls
    del ENGINES[NAME]


def test_an_op_with_an_operand_of_an_engine_type_goes_to_that_engine(engine: Any) -> None:
    tagged = Tagged()
    assert autograd.maximum(tagged, 2.0) == "computed by the engine"
    assert engine == [("maximum", {}, (tagged, 2.0))]


def test_a_subclass_of_an_engine_type_goes_to_that_engine(engine: Any) -> None:
    child = TaggedChild()
    autograd.dot([1.0, child], [3.0, 4.0], bias=5.0)
    assert engine == [("affine", {}, (1.0, child, 5.0, 3.0, 4.0))]


def test_a_generator_of_foreign_operands_reaches_the_engine_whole(engine: Any) -> None:
    items = [Tagged(), Tagged()]
    autograd.sum(item for item in items)
    assert engine == [("sum", {}, tuple(items))]


def test_a_custom_op_reaches_the_engine_with_its_parameters(engine: Any, registered: Any) -> None:
    scale = registered("scale", lambda x, *, factor: factor * x,
                       lambda grad, out, x, *, factor: (grad * factor,),
                       examples=({"factor": 2.0},))
    tagged = Tagged()
    scale(tagged, factor=3.0)
    assert engine == [("scale", {"factor": 3.0}, (tagged,))]


def test_values_and_numbers_never_reach_an_engine(engine: Any) -> None:
    assert math.isclose(autograd.log_sum_exp([0.0, 0.0]).data, math.log(2.0))
    assert engine == []


def test_an_operand_of_no_engine_keeps_the_engines_type_error() -> None:
    with pytest.raises(TypeError, match="unsupported operand of minimum: object"):
        autograd.minimum(object(), 1.0)
