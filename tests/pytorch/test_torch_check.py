"""autograd.compare_with_torch: one function, run on Values and on PyTorch tensors.

The expected numbers are worked out by hand (derivatives of small closed forms) or are facts
about PyTorch 2.13 checked by running it (torch.maximum splits the gradient at a tie, sqrt'(0) is
inf there); the report's own numbers are never the reference.
"""

from __future__ import annotations

import math
import operator
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
import sympy
import torch
from hypothesis import given
from hypothesis import strategies as st

import autograd
import autograd.pytorch.referee
from autograd import Value, compare_with_torch
from autograd.pytorch.compare import ComparisonReport, Status


def rows(report: ComparisonReport) -> dict[str, Any]:
    return {row.quantity: row for row in report.rows}


def t(x: float) -> torch.Tensor:
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


# --------------------------------------------------------------------------------------------
# Agreement
# --------------------------------------------------------------------------------------------


def test_the_value_and_gradient_rows_hold_both_engines_numbers() -> None:
    report = compare_with_torch(lambda x, y: x * y + x.exp(), [1.0, 2.0])
    table = rows(report)
    assert table["f"].ours == pytest.approx(2.0 + math.e, abs=1e-15)
    assert table["f"].torch == pytest.approx(2.0 + math.e, abs=1e-15)
    assert table["df/dx"].torch == pytest.approx(2.0 + math.e, abs=1e-15)  # y + e**x
    assert table["df/dy"].torch == pytest.approx(1.0, abs=1e-15)  # x
    assert report.passed


def test_order_2_compares_every_hessian_entry() -> None:
    report = compare_with_torch(lambda x, y: x**2 * y, [3.0, 2.0], order=2)
    table = rows(report)
    # H = [[2y, 2x], [2x, 0]] at (3, 2)
    expected = {"d2f/dx2": 4.0, "d2f/dx dy": 6.0, "d2f/dy dx": 6.0, "d2f/dy2": 0.0}
    for quantity, number in expected.items():
        assert table[quantity].ours == number
        assert table[quantity].torch == number
    assert report.passed


def test_every_shared_method_and_operator_agrees_to_second_order() -> None:
    def f(x: Any, y: Any) -> Any:
        return ((x * y).tanh() + x.sigmoid() * y.sin() - y.cos() / (x * x + 1.0)
                + (x * x + 1.0).log() + (y * y + 2.0).sqrt() + (x - y).relu() + abs(x - 2.0)
                + x ** 3 + 2.0 ** y + (x * x + 1.0) ** y + (-x).exp())

    assert compare_with_torch(f, [0.4, -1.3], order=2).passed


def test_the_free_functions_run_on_tensors_inside_f() -> None:
    def f(x: Any, y: Any, z: Any) -> Any:
        weights = autograd.softmax([x, y, z])
        return (autograd.maximum(x, y) * weights[0] + autograd.minimum(y, z)
                + autograd.log_sum_exp([x, y, z]) + autograd.dot([x, y], [z, 2.0], bias=1.0)
                + autograd.sum(v * v for v in (x, y, z)))

    assert compare_with_torch(f, [0.3, -1.2, 0.8], order=2).passed


@pytest.mark.parametrize(
    ("call", "expected"),
    [(lambda a, b: autograd.maximum(a, b), 2.0),
     (lambda a, b: autograd.minimum(a, b), -1.0),
     (lambda a, b: autograd.sum([a, b, 3.0]), 4.0),
     (lambda a, b: autograd.sum(x for x in (a, b)), 1.0),
     (lambda a, b: autograd.dot([a, b], [b, a]), -4.0),
     (lambda a, b: autograd.dot([a], [b], bias=0.5), -1.5),
     (lambda a, b: autograd.log_sum_exp([a, b]), math.log(math.exp(2.0) + math.exp(-1.0))),
     (lambda a, b: autograd.softmax([a, b])[1], math.exp(-1.0) / (math.exp(2.0) + math.exp(-1.0)))],
    ids=["maximum", "minimum", "sum", "sum of a generator", "dot", "dot with bias",
         "log_sum_exp", "softmax"],
)
def test_a_free_function_on_tensors_returns_a_tensor_of_the_right_value(
        call: Callable[..., Any], expected: float) -> None:
    result = call(t(2.0), t(-1.0))
    assert isinstance(result, torch.Tensor)
    assert result.item() == pytest.approx(expected, abs=1e-15)


def test_a_free_function_refuses_values_and_tensors_mixed() -> None:
    with pytest.raises(TypeError, match="maximum got a torch tensor and a Value"):
        autograd.maximum(Value(1.0), t(2.0))


def test_a_free_function_on_something_else_keeps_its_own_error() -> None:
    with pytest.raises(TypeError, match="unsupported operand of maximum: str"):
        autograd.maximum("one", 2.0)


def test_a_python_branch_on_the_data_takes_the_same_side_in_both_engines() -> None:
    report = compare_with_torch(lambda x, y: x * y if x > y else x + y, [2.0, 1.0])
    assert rows(report)["df/dx"].torch == 1.0  # the x * y branch: d/dx = y
    assert report.passed


class Program:
    """A random composition of what both engines share, applied to slots of earlier results."""

    UNARY: dict[str, Callable[[Any], Any]] = {
        "tanh": lambda v: v.tanh(), "sigmoid": lambda v: v.sigmoid(), "sin": lambda v: v.sin(),
        "cos": lambda v: v.cos(), "exp(sin)": lambda v: v.sin().exp(),
        "log(v*v + 1)": lambda v: (v * v + 1.0).log(),
        "sqrt(v*v + 1)": lambda v: (v * v + 1.0).sqrt(),
        "relu": lambda v: v.relu(), "abs": abs, "cube": lambda v: v**3,
    }
    BINARY: dict[str, Callable[[Any, Any], Any]] = {
        "+": operator.add, "-": operator.sub, "*": operator.mul,
        "/(b*b + 1)": lambda a, b: a / (b * b + 1.0), "maximum": autograd.maximum,
        "minimum": autograd.minimum, "log_sum_exp": lambda a, b: autograd.log_sum_exp([a, b]),
        "softmax": lambda a, b: autograd.softmax([a, b])[0],
    }

    def __init__(self, steps: list[tuple[str, int, int]]) -> None:
        self.steps = steps

    def __call__(self, *inputs: Any) -> Any:
        slots = list(inputs)
        for name, i, j in self.steps:
            if name in self.UNARY:
                slots.append(self.UNARY[name](slots[i % len(slots)]))
            else:
                slots.append(self.BINARY[name](slots[i % len(slots)], slots[j % len(slots)]))
        return autograd.sum(slots[len(inputs):])

    def __repr__(self) -> str:
        return f"Program({self.steps})"


@st.composite
def programs(draw: Any) -> tuple[Program, list[float]]:
    names = sorted(Program.UNARY) + sorted(Program.BINARY)
    step = st.tuples(st.sampled_from(names), st.integers(0, 20), st.integers(0, 20))
    inputs = draw(st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=1, max_size=3))
    return Program(draw(st.lists(step, min_size=1, max_size=6))), inputs


@given(programs())
def test_random_programs_agree_with_torch_to_second_order(example: Any) -> None:
    program, inputs = example
    report = compare_with_torch(program, inputs, order=2)
    assert report.passed, str(report)


# --------------------------------------------------------------------------------------------
# Custom ops
# --------------------------------------------------------------------------------------------


def test_a_custom_op_runs_on_torch_through_torch_ops(registered: Any) -> None:
    wave = registered("wave", lambda x: math.sin(x) + x,
                      lambda grad, out, x: (grad * (autograd.ops.cos(x) + 1.0),))
    report = compare_with_torch(lambda x, y: wave(x * y), [0.7, 1.3], order=2,
                                torch_ops={"wave": lambda v: v.sin() + v})
    assert report.passed


def test_a_wrong_custom_rule_is_a_fail_row_naming_the_input(registered: Any) -> None:
    wave = registered("wave", lambda x: math.sin(x) + x,
                      lambda grad, out, x: (grad * (autograd.ops.sin(x) + 1.0),))  # sin for cos
    report = compare_with_torch(lambda x, y: wave(x) + y, [0.7, 1.3],
                                torch_ops={"wave": lambda v: v.sin() + v})
    table = rows(report)
    assert not report.passed
    assert table["df/dx"].status is Status.FAIL
    assert "with respect to x" in table["df/dx"].note
    assert table["df/dx"].torch == pytest.approx(math.cos(0.7) + 1.0, abs=1e-15)
    assert table["df/dy"].status is Status.PASS


def test_a_wrong_second_derivative_is_a_fail_row_of_the_hessian(registered: Any) -> None:
    # The first derivative 3x**2 is right but written with a float read of x: no second order.
    cube = registered("cube", lambda x: x**3, lambda grad, out, x: (grad * 3.0 * float(x) ** 2,))
    report = compare_with_torch(lambda x: cube(x), [2.0], order=2,
                                torch_ops={"cube": lambda v: v**3})
    table = rows(report)
    assert table["df/dx"].status is Status.PASS
    assert table["d2f/dx2"].status is Status.FAIL  # 6x = 12 in torch
    assert table["d2f/dx2"].torch == 12.0
    assert "second derivative with respect to x" in table["d2f/dx2"].note


def test_a_custom_op_missing_from_torch_ops_is_an_error_naming_it(registered: Any) -> None:
    wave = registered("wave", lambda x: math.sin(x) + x,
                      lambda grad, out, x: (grad * (autograd.ops.cos(x) + 1.0),))
    with pytest.raises(NotImplementedError, match="custom op 'wave'.*torch_ops"):
        compare_with_torch(lambda x: wave(x), [0.7])


def test_a_rule_that_raises_in_our_backward_is_a_fail_row(registered: Any) -> None:
    def broken(grad: Any, out: Any, x: Any) -> Any:
        raise ValueError("this rule is broken")

    bad = registered("bad", lambda x: 2.0 * x, broken)
    report = compare_with_torch(lambda x: bad(x), [1.0], torch_ops={"bad": lambda v: 2.0 * v})
    row = rows(report)["df/dx"]
    assert row.status is Status.FAIL
    assert "this rule is broken" in row.note


# --------------------------------------------------------------------------------------------
# Conventions
# --------------------------------------------------------------------------------------------


def test_maximum_at_a_tie_is_a_convention_row_not_a_failure() -> None:
    report = compare_with_torch(lambda x, y: autograd.maximum(x, y), [1.0, 1.0])
    table = rows(report)
    assert (table["df/dx"].ours, table["df/dx"].torch) == (1.0, 0.5)
    assert (table["df/dy"].ours, table["df/dy"].torch) == (0.0, 0.5)
    assert table["df/dx"].status is Status.CONVENTION
    assert "tie" in table["df/dx"].note
    assert report.passed


def test_minimum_at_a_tie_is_a_convention_row_not_a_failure() -> None:
    report = compare_with_torch(lambda x, y: autograd.minimum(x, y) * 3.0, [-2.0, -2.0])
    table = rows(report)
    assert (table["df/dy"].ours, table["df/dy"].torch) == (0.0, 1.5)
    assert table["df/dy"].status is Status.CONVENTION
    assert report.passed


def test_sqrt_at_zero_is_a_convention_row_where_torch_gives_inf() -> None:
    report = compare_with_torch(lambda x: x.sqrt(), [0.0])
    row = rows(report)["df/dx"]
    assert row.torch == math.inf
    assert math.isnan(row.ours)  # our backward raises: the derivative is infinite
    assert row.status is Status.CONVENTION
    assert "sqrt at 0" in row.note
    assert report.passed


def test_a_fractional_power_at_zero_is_a_convention_row() -> None:
    report = compare_with_torch(lambda x: x**0.5 + x, [0.0])
    assert rows(report)["df/dx"].status is Status.CONVENTION
    assert report.passed


def test_relu_at_zero_agrees_and_passes_with_a_note() -> None:
    report = compare_with_torch(lambda x: x.relu() * 2.0, [0.0])
    row = rows(report)["df/dx"]
    assert (row.ours, row.torch) == (0.0, 0.0)
    assert row.status is Status.PASS
    assert "relu'(0) = 0" in row.note


def test_abs_at_zero_agrees_and_passes() -> None:
    row = rows(compare_with_torch(lambda x: abs(x), [0.0]))["df/dx"]
    assert (row.ours, row.torch, row.status) == (0.0, 0.0, Status.PASS)


def test_a_tie_excuses_only_the_inputs_that_reach_it(registered: Any) -> None:
    wrong = registered("wrong", lambda x: x * x, lambda grad, out, x: (grad * x,))  # not 2x
    report = compare_with_torch(lambda x, y, z: autograd.maximum(x, y) + wrong(z), [1.0, 1.0, 3.0],
                                torch_ops={"wrong": lambda v: v * v})
    table = rows(report)
    assert table["df/dx"].status is Status.CONVENTION
    assert table["df/dz"].status is Status.FAIL
    assert not report.passed


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def test_the_text_table_has_the_columns_and_a_verdict(registered: Any) -> None:
    text = str(compare_with_torch(lambda x, y: x * y, [2.0, 3.0]))
    lines = text.splitlines()
    assert lines[0].startswith("compare_with_torch of <lambda> at x=2, y=3")
    assert lines[0].endswith("PASSED")
    assert lines[1].split() == ["quantity", "ours", "torch", "abs", "err", "rel", "err", "status",
                                "note"]
    assert lines[4].split()[:3] == ["df/dx", "3", "3"]


def test_a_failing_report_says_failed_with_the_count(registered: Any) -> None:
    wave = registered("wave", lambda x: 2.0 * x, lambda grad, out, x: (grad * 3.0,))
    report = compare_with_torch(lambda x: wave(x), [1.0], torch_ops={"wave": lambda v: 2.0 * v})
    assert "FAILED (1 of 2 rows)" in str(report)
    assert len(report.failures) == 1


def test_the_html_table_colours_failures_and_conventions() -> None:
    html = compare_with_torch(lambda x, y: autograd.maximum(x, y), [1.0, 1.0])._repr_html_()
    assert html.startswith("<table><caption>compare_with_torch of &lt;lambda&gt;")
    assert html.count("<tr") == 4  # the header and three rows
    assert "#fff3cd" in html  # the convention rows


def test_rows_have_absolute_and_relative_errors() -> None:
    row = rows(compare_with_torch(lambda x, y: autograd.maximum(x, y), [1.0, 1.0]))["df/dx"]
    assert (row.abs_error, row.rel_error) == (0.5, 1.0)


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "options", "error", "message"),
    [((lambda x: x, [1.0]), {"order": 3}, ValueError, "order must be 1 or 2, got 3"),
     ((lambda x: x, ["a"]), {}, TypeError, "input 0 must be a finite number, got str"),
     ((lambda x: x, [math.nan]), {}, TypeError, "input 0 must be a finite number"),
     ((lambda x: x, 1.0), {}, TypeError, "inputs must be a list of numbers, got float"),
     ((lambda: 1.0, []), {}, ValueError, "at least one input"),
     (("f", [1.0]), {}, TypeError, "f must be callable, got str"),
     ((lambda x: x, [1.0]), {"atol": -1.0}, ValueError, "atol must be a number >= 0"),
     ((lambda x: x, [1.0]), {"torch_ops": ["wave"]}, TypeError, "torch_ops must be a dict"),
     ((lambda x: x, [1.0]), {"torch_ops": {"nothing": abs}}, ValueError,
      "'nothing', which is not a registered op"),
     ((lambda x: x, [1.0]), {"torch_ops": {"exp": 3}}, TypeError,
      r"torch_ops\['exp'\] must be callable")],
    ids=["order", "string input", "nan input", "inputs not a list", "no inputs", "f not callable",
         "negative atol", "torch_ops not a dict", "unknown op", "not callable op"],
)
def test_bad_arguments_raise_a_clear_error(arguments: tuple[Any, ...], options: dict[str, Any],
                                           error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        compare_with_torch(*arguments, **options)


def test_f_returning_several_outputs_is_refused() -> None:
    with pytest.raises(TypeError, match="must return one scalar"):
        compare_with_torch(lambda x: [x, x * x], [1.0])


def test_a_method_tensors_lack_fails_with_a_note_on_what_f_may_use() -> None:
    with pytest.raises(AttributeError, match="softplus") as caught:
        compare_with_torch(lambda x: x.softplus(), [1.0])
    assert any("the methods exp log sqrt" in note for note in caught.value.__notes__)


def test_f_failing_on_values_says_so() -> None:
    with pytest.raises(ValueError, match="log of non-positive value") as caught:
        compare_with_torch(lambda x: x.log(), [-1.0])
    assert any("failed on chainrule Values" in note for note in caught.value.__notes__)


def test_without_torch_compare_with_torch_raises_import_error_naming_the_extra() -> None:
    result = subprocess.run(
        [sys.executable, "-c",
         "import sys; sys.modules['torch'] = None\n"
         "import autograd\n"
         "try:\n    autograd.compare_with_torch(lambda x: x * x, [1.0])\n"
         "except ImportError as error:\n    print(error)\n"],
        capture_output=True, text=True, check=False)
    assert "compare_with_torch needs PyTorch" in result.stdout, result.stderr
    assert "pip install 'chainrule[torch]'" in result.stdout


def test_comparison_rows_use_the_engines_one_status_enum() -> None:
    assert Status is autograd.GradcheckStatus
    assert str(Status.CONVENTION) == "convention"


# --------------------------------------------------------------------------------------------
# A referee where the engines disagree (PyTorch 2.13's double backward is wrong at these points)
# --------------------------------------------------------------------------------------------

a_, b_, x_ = sympy.symbols("a b x", real=True)


def exact(expression: Any, at: dict[Any, float], *wrt: Any) -> float:
    """sympy's derivative of ``expression`` along ``wrt``, at the point ``at``, to 30 digits."""
    return float(sympy.diff(expression, *wrt).evalf(30, subs=at))


REFEREED_CASES = [
    # (f, point, sympy formula, the Hessian row, the derivative's symbols)
    (lambda a, b: a**b, [2.0, 0.0], a_**b_, "d2f/da db", (a_, b_)),  # 1/a = 0.5
    (lambda x: (3 + x) ** (-x), [0.0], (3 + x_) ** (-x_), "d2f/dx2", (x_, x_)),  # ln(3)**2 - 2/3
    (lambda x: (2**x).log(), [710.0], sympy.log(2**x_), "d2f/dx2", (x_, x_)),  # x ln 2: 0
]


@pytest.mark.parametrize(("f", "point", "formula", "quantity", "wrt"), REFEREED_CASES,
                         ids=["a**b at b=0", "(3+x)**-x at 0", "log(2**x) at 710"])
def test_a_hessian_entry_torch_gets_wrong_is_refereed_for_chainrule_by_sympy(
    f: Callable[..., Any], point: list[float], formula: Any, quantity: str,
    wrt: tuple[Any, ...]
) -> None:
    symbols = sorted(formula.free_symbols, key=lambda symbol: symbol.name)
    truth = exact(formula, dict(zip(symbols, point, strict=True)), *wrt)
    report = compare_with_torch(f, point, order=2)
    row = rows(report)[quantity]
    assert abs(row.torch - truth) > 0.1  # the premise: torch's double backward is wrong here
    assert row.ours == pytest.approx(truth, rel=1e-12, abs=1e-12)
    assert row.status is Status.REFEREED and row.verdict == "chainrule (referee: sympy)"
    assert row.referee_number == pytest.approx(truth, rel=1e-12, abs=1e-12)
    assert report.passed
    assert "chainrule (referee: sympy)" in str(report)


def test_without_the_exact_referee_central_differences_referee_the_row(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(autograd.pytorch.referee, "MAX_SYMBOLIC_NODES", 0)  # as without sympy
    row = rows(compare_with_torch(lambda a, b: a**b, [2.0, 0.0], order=2))["d2f/da db"]
    assert row.status is Status.REFEREED
    assert row.verdict == "chainrule (referee: central differences)"
    assert row.referee_number == pytest.approx(0.5, rel=1e-4)  # d2/da db a**b = 1/a at b = 0


def test_a_referee_that_supports_torch_keeps_the_row_a_failure(registered: Any) -> None:
    # A rule with sin for cos, with the right symbolic form: sympy says cos(0.7) + 1, as torch.
    wave = registered("wave", lambda x: math.sin(x) + x,
                      lambda grad, out, x: (grad * (autograd.ops.sin(x) + 1.0),),
                      symbolic=lambda sp, x: sp.sin(x) + x)
    report = compare_with_torch(lambda x: wave(x), [0.7], torch_ops={"wave": lambda v: v.sin() + v})
    row = rows(report)["df/dx"]
    assert row.status is Status.FAIL and not report.passed
    assert row.referee == "sympy" and "as PyTorch does" in row.note
    assert row.referee_number == pytest.approx(math.cos(0.7) + 1.0, rel=1e-12)


def test_the_same_nan_on_both_sides_is_not_a_failure() -> None:
    # sqrt(x) - sqrt(x) at 1e-320: its second derivative is -inf + inf = nan in both engines.
    x = 1e-320
    tensor = t(x)
    (first,) = torch.autograd.grad(tensor.sqrt() - tensor.sqrt(), tensor, create_graph=True)
    (second,) = torch.autograd.grad(first, tensor)
    assert math.isnan(second.item())  # the premise, in torch
    report = compare_with_torch(lambda x: x.sqrt() - x.sqrt(), [x], order=2)
    row = rows(report)["d2f/dx2"]
    assert math.isnan(row.ours) and math.isnan(row.torch)
    assert row.status is Status.PASS and "both engines give nan" in row.note
    assert report.passed
