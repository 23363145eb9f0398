"""autograd.testing: the strategies draw what they promise, and the engine passes on them.

The property tests here are the "no false failure" half of the checker's specification: over
random expression DAGs built from the engine's own ops, gradcheck (first and second order) and
check_graph never report a failure.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from autograd import OPS, Value, check_graph, gradcheck, register_op
from autograd.core.backprop import topological_order
from autograd.core.custom import BUILTIN_OPS
from autograd.ops import POSITIVE, Interval, unregister
from autograd.testing import (
    DOMAIN_MARGIN,
    INPUT_BOUND,
    KINK_MARGIN,
    VALUE_BOUND,
    Expression,
    expressions,
    values,
)

GUARD_OPS = {"mul", "add", "sub", "tanh"}


def nodes_of(function: Expression, inputs: list[float]) -> list[Value]:
    """Every op node of the graph the expression builds at ``inputs``."""
    result = function(*[Value(x) for x in inputs])
    outputs = result if isinstance(result, list) else [result]
    seen: dict[Value, None] = {}
    for output in outputs:
        for node in topological_order(output):
            seen.setdefault(node)
    return list(seen)


# ---------------------------------------------------------------- values()


@given(values(POSITIVE, margin=0.1))
def test_values_stay_inside_the_domain_and_margin(x: float) -> None:
    assert 0.1 < x < 10.0


@given(values(Interval(-1.0, 2.0), bound=1.5))
def test_values_stay_inside_the_bound(x: float) -> None:
    assert -1.0 < x < 1.5 and math.isfinite(x)


def test_values_refuse_an_empty_interval() -> None:
    with pytest.raises(ValueError, match="is empty"):
        values(Interval(5.0, 6.0), bound=2.0)


# ---------------------------------------------------------------- expressions(): shape


@given(expressions(n_inputs=2, max_depth=3, max_width=2))
def test_examples_have_the_requested_number_of_inputs(example: tuple[Expression, list[float]]
                                                      ) -> None:
    function, inputs = example
    assert len(inputs) == function.n_inputs == 2
    assert all(-INPUT_BOUND <= x <= INPUT_BOUND for x in inputs)


@given(expressions(ops=["log", "exp", "sin"], max_depth=3, max_width=2))
def test_examples_respect_the_depth_and_width_limits(example: tuple[Expression, list[float]]
                                                     ) -> None:
    function, _ = example
    drawn = [i for i in function.nodes if i.op.name not in GUARD_OPS]
    depth = [0] * function.n_inputs  # counting drawn ops only: guards do not count
    for instruction in function.nodes:
        below = max(depth[o] for o in instruction.operands if isinstance(o, int))
        depth.append(below + (instruction.op.name not in GUARD_OPS))
    assert 1 <= len(drawn) <= 3 * 2
    assert max(depth) <= 3


@given(expressions(ops=["log", "sqrt", "exp"]))
def test_examples_use_only_the_named_ops_and_guards(example: tuple[Expression, list[float]]
                                                    ) -> None:
    function, _ = example
    assert {instruction.op.name for instruction in function.nodes} <= {
        "log", "sqrt", "exp", *GUARD_OPS}


def drawn(strategy: st.SearchStrategy[tuple[Expression, list[float]]]
          ) -> list[tuple[Expression, list[float]]]:
    """The examples hypothesis draws from ``strategy`` under the active profile."""
    examples = []

    @given(strategy)
    def collect(example: tuple[Expression, list[float]]) -> None:
        examples.append(example)

    collect()
    return examples


def test_sub_expressions_are_shared() -> None:
    def shares(function: Expression) -> bool:
        reads = Counter(o for i in function.nodes for o in i.operands
                        if isinstance(o, int) and o >= function.n_inputs)
        return any(count > 1 for count in reads.values())

    assert any(shares(function) for function, _ in drawn(expressions()))


def test_several_outputs_are_drawn() -> None:
    function = next(f for f, _ in drawn(expressions()) if len(f.outputs) > 1)
    result = function(*[Value(0.5)] * function.n_inputs)
    assert isinstance(result, list) and len(result) == len(function.outputs)


def test_repr_reads_as_a_program() -> None:
    function = Expression(2, [])
    assert repr(function) == "Expression(x0, x1):\n    return "
    function, _ = find(expressions(ops=["mul"], n_inputs=1, max_depth=1, max_width=1),
                       lambda example: True, settings=settings(database=None))
    assert repr(function).splitlines()[1].startswith("    h1 = mul(x0, x0)")


def test_unknown_op_names_are_refused_with_the_table() -> None:
    with pytest.raises(ValueError, match=r"unknown op\(s\) \['nope'\]"):
        expressions(ops=["nope"])


# ---------------------------------------------------------------- expressions(): the point


@given(expressions())
def test_every_operand_is_inside_its_op_domain(example: tuple[Expression, list[float]]) -> None:
    function, inputs = example
    for node in nodes_of(function, inputs):
        assert node.op is not None
        for index, parent in enumerate(node.parents):
            interval = node.op.base.input_domain(index)
            assert interval.low + DOMAIN_MARGIN * math.isfinite(interval.low) <= parent.data
            assert parent.data <= interval.high - DOMAIN_MARGIN * math.isfinite(interval.high)


@given(expressions())
def test_every_kink_is_kept_at_a_distance(example: tuple[Expression, list[float]]) -> None:
    function, inputs = example
    for node in nodes_of(function, inputs):
        assert node.op is not None
        for kink in node.op.kinks:
            assert abs(kink(*[parent.data for parent in node.parents])) > KINK_MARGIN


@given(expressions())
def test_every_intermediate_value_is_bounded(example: tuple[Expression, list[float]]) -> None:
    function, inputs = example
    assert all(abs(node.data) <= VALUE_BOUND for node in nodes_of(function, inputs))


def test_allow_kinks_draws_points_on_kinks() -> None:
    examples = drawn(expressions(ops=["maximum", "relu", "abs", "sub"], allow_kinks=True))
    reports = [gradcheck(function, inputs) for function, inputs in examples]
    assert any(report.kinks for report in reports)


# ---------------------------------------------------------------- no false failures


@given(expressions())
def test_engine_ops_pass_gradcheck_on_random_graphs(example: tuple[Expression, list[float]]
                                                    ) -> None:
    function, inputs = example
    gradcheck(function, inputs)


@settings(max_examples=40)
@given(expressions(max_depth=3))
def test_engine_ops_pass_second_order_gradcheck_on_random_graphs(
    example: tuple[Expression, list[float]],
) -> None:
    function, inputs = example
    gradcheck(function, inputs, order=2)


@given(expressions(allow_kinks=True))
def test_points_on_kinks_are_never_reported_as_failures(
    example: tuple[Expression, list[float]],
) -> None:
    function, inputs = example
    gradcheck(function, inputs, order=2)


@given(expressions())
def test_engine_ops_pass_check_graph_on_random_graphs(example: tuple[Expression, list[float]]
                                                      ) -> None:
    function, inputs = example
    result = function(*[Value(x) for x in inputs])
    for output in result if isinstance(result, list) else [result]:
        assert check_graph(output, order=2).passed


# ---------------------------------------------------------------- custom ops in the strategy


@pytest.fixture
def cube() -> Iterator[str]:
    register_op("strategy_cube", lambda x: x**3, lambda grad, out, x: (grad * 3.0 * x * x,),
                doc="x**3;  d/dx = 3 x**2")
    yield "strategy_cube"
    unregister("strategy_cube")


def test_registered_ops_are_drawn_when_named(cube: str) -> None:
    function, inputs = find(expressions(ops=[cube, "tanh"]),
                            lambda example: any(i.op.name == cube for i in example[0].nodes),
                            settings=settings(database=None))
    gradcheck(function, inputs, order=2)


def test_registered_ops_are_not_drawn_unless_named(cube: str) -> None:
    @given(expressions(max_depth=2))
    def draws_only_builtins(example: tuple[Expression, list[float]]) -> None:
        assert all(i.op.name in BUILTIN_OPS for i in example[0].nodes)

    draws_only_builtins()
    assert cube in OPS


@given(st.data())
def test_documented_example_runs(data: st.DataObject) -> None:
    function, inputs = data.draw(expressions(ops=["mul", "log", "tanh", "maximum"], max_depth=3))
    gradcheck(function, inputs, order=2)
