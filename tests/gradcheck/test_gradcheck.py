"""gradcheck, check_graph and assert_gradients_match: what they report, catch, forgive and name.

Expected derivatives are worked out by hand in the comments (or with math on the closed form),
never taken from the engine. Wrong rules are registered as custom ops and removed again by the
``registered`` fixture, so the op table other tests walk is left as it was.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

import autograd
from autograd import (
    OPS,
    GradcheckError,
    GradcheckReport,
    GradcheckStatus,
    Value,
    assert_gradients_match,
    check_graph,
    gradcheck,
    maximum,
    minimum,
)
from autograd.core.custom import BUILTIN_OPS
from autograd.ops import cos


def wrong_sin(registered: Callable[..., Callable[..., Value]]) -> Callable[..., Value]:
    """sin whose rule is 10 % too large: d/dx = 1.1 cos(x)."""
    return registered("wrong_sin", math.sin, lambda grad, out, x: (grad * cos(x) * 1.1,))


# ---------------------------------------------------------------- the issue's example


def test_issue_example_passes_at_second_order() -> None:
    report = gradcheck(lambda x, y: (x * y).tanh() + x**3, [0.3, -1.2], order=2)
    assert report.passed
    assert [(row.order, row.wrt) for row in report.rows] == [
        (1, "x"), (1, "y"), (2, "x, x"), (2, "x, y"), (2, "y, x"), (2, "y, y")]


def test_issue_example_rows_hold_the_hand_derived_derivatives() -> None:
    # f = tanh(xy) + x^3, with t = tanh(xy) and s = 1 - t^2:
    # df/dx = y s + 3x^2, df/dy = x s, d2f/dx2 = -2 y^2 t s + 6x, d2f/dxdy = s - 2xy t s,
    # d2f/dy2 = -2 x^2 t s.
    x, y = 0.3, -1.2
    t = math.tanh(x * y)
    s = 1.0 - t * t
    expected = [y * s + 3 * x * x, x * s, -2 * y * y * t * s + 6 * x, s - 2 * x * y * t * s,
                s - 2 * x * y * t * s, -2 * x * x * t * s]
    report = gradcheck(lambda x, y: (x * y).tanh() + x**3, [x, y], order=2)
    for row, value in zip(report.rows, expected, strict=True):
        assert row.analytic == pytest.approx(value, rel=1e-12)
        assert row.numeric == pytest.approx(value, rel=1e-6)


def test_one_row_per_output_and_input_for_several_outputs() -> None:
    report = gradcheck(lambda a, b: [a * b, a - b], [2.0, 5.0])
    # d(ab)/da = b = 5, d(ab)/db = a = 2, d(a-b)/da = 1, d(a-b)/db = -1
    assert [(row.output, row.wrt, row.analytic) for row in report.rows] == [
        ("out[0]", "a", 5.0), ("out[0]", "b", 2.0), ("out[1]", "a", 1.0), ("out[1]", "b", -1.0)]


def test_row_errors_and_allowed_error_follow_the_tolerances() -> None:
    report = gradcheck(lambda x: x * x, [3.0], atol=1e-3, rtol=1e-2)
    (row,) = report.rows
    assert row.allowed == pytest.approx(1e-3 + 1e-2 * 6.0)  # d(x^2)/dx = 6 at x = 3
    assert row.abs_error == abs(row.analytic - row.numeric)
    assert row.rel_error == pytest.approx(row.abs_error / 6.0, rel=1e-6)


def test_inputs_are_named_after_the_parameters_of_f() -> None:
    report = gradcheck(lambda weight, bias: weight * 2.0 + bias, [1.0, 0.5])
    assert [row.wrt for row in report.rows] == ["weight", "bias"]


def test_a_non_number_input_raises_type_error_naming_its_position() -> None:
    with pytest.raises(TypeError, match="input 1 must be a number, got str"):
        gradcheck(lambda x, y: x * y, [1.0, "2"])  # type: ignore[list-item]


def test_order_three_is_refused() -> None:
    with pytest.raises(ValueError, match="order must be 1 or 2"):
        gradcheck(lambda x: x * x, [1.0], order=3)


def test_a_point_at_the_edge_of_a_domain_says_which_step_left_it() -> None:
    with pytest.raises(ValueError, match=r"undefined at x = -9e-07.*smaller eps"):
        gradcheck(lambda x: x.sqrt(), [1e-7])


# ---------------------------------------------------------------- failures and localisation


def test_wrong_rule_raises_gradcheck_error_naming_the_op_and_node(registered) -> None:
    bad = wrong_sin(registered)

    def f(x: Value, y: Value) -> Value:
        product = x * y
        product.label = "p"
        wave = bad(product)
        wave.label = "wave"
        return wave.tanh() + x

    with pytest.raises(GradcheckError) as caught:
        gradcheck(f, [0.3, -1.2])
    message = str(caught.value)
    assert "FAIL" in message
    assert "wrong_sin (node 'wave')" in message
    assert "input 0 ('p')" in message


def test_gradcheck_error_is_an_assertion_error_carrying_the_report(registered) -> None:
    bad = wrong_sin(registered)
    with pytest.raises(AssertionError) as caught:
        gradcheck(lambda x: bad(x), [0.5])
    assert isinstance(caught.value, GradcheckError)
    assert isinstance(caught.value.report, GradcheckReport)
    assert not caught.value.report.passed


def test_error_message_lists_failing_rows_before_passing_ones(registered) -> None:
    bad = wrong_sin(registered)
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda x, y: x * y + bad(y), [0.5, 0.25])  # only d/dy goes through wrong_sin
    table = [line for line in str(caught.value).splitlines() if line.startswith("out ")]
    assert [line.split()[1] for line in table] == ["y", "x"]
    assert table[0].endswith("FAIL")
    assert table[1].endswith("pass")


def test_raise_exception_false_returns_the_failing_report(registered) -> None:
    bad = wrong_sin(registered)
    report = gradcheck(lambda x: bad(x), [0.5], raise_exception=False)
    assert not report.passed
    (row,) = report.failures
    assert row.analytic == pytest.approx(1.1 * math.cos(0.5), rel=1e-12)
    assert row.numeric == pytest.approx(math.cos(0.5), rel=1e-8)


def test_failing_report_localises_the_first_wrong_node(registered) -> None:
    bad = wrong_sin(registered)
    report = gradcheck(lambda x: bad(x.exp()).exp(), [0.2], raise_exception=False)
    assert report.localisation is not None
    assert report.localisation.culprit == "wrong_sin (node #1)"  # order: exp, wrong_sin, exp


def test_mismatch_outside_the_op_table_is_said_to_be_outside(registered) -> None:
    # x * x.data reads a number, not a node: the engine's d/dx is x.data = 2 while the function's
    # true derivative is 2x = 4; every op rule is right, so the blame lies outside the table.
    report = gradcheck(lambda x: x * x.data, [2.0], raise_exception=False)
    assert report.failures[0].analytic == 2.0
    assert report.failures[0].numeric == pytest.approx(4.0, rel=1e-8)
    assert report.localisation is not None and report.localisation.culprit is None
    assert "outside the op table" in str(report)


def test_check_graph_names_the_first_disagreeing_node_in_topological_order(registered) -> None:
    bad = wrong_sin(registered)
    x = Value(0.4, label="x")
    first = bad(x)
    first.label = "early"
    second = bad(first * 2.0)
    second.label = "late"
    report = check_graph(second + first)
    assert report.culprit == "wrong_sin (node 'early')"
    assert report.first_failure is not None and report.first_failure.node is first
    assert len(report.failures) == 2


def test_check_graph_passes_a_graph_of_correct_ops() -> None:
    x, y = Value(0.7, label="x"), Value(-0.4, label="y")
    root = (x * y).sigmoid() + (x - y).log() * y.exp()
    report = check_graph(root)
    assert report.passed
    assert report.culprit is None
    # one row per input of each node: mul 2, sigmoid 1, sub 2, log 1, exp 1, mul 2, add 2
    assert len(report.rows) == 11


def test_check_graph_checks_bound_parameters() -> None:
    x = Value(-0.5)
    report = check_graph(x.leaky_relu(0.2) * x**3)
    rows = {row.output.split(" ")[0]: row for row in report.rows}
    assert rows["leaky_relu(slope=0.2)"].analytic == 0.2
    assert rows["pow(exponent=3)"].analytic == pytest.approx(3 * 0.25)
    assert report.passed


# ---------------------------------------------------------------- kinks


def labelled(value: Value, label: str) -> Value:
    value.label = label
    return value


def test_relu_at_zero_is_a_kink_not_a_failure() -> None:
    report = gradcheck(lambda x: labelled(x.relu(), "h1"), [0.0])
    (row,) = report.rows
    assert report.passed
    assert row.status is GradcheckStatus.KINK
    assert row.status_text == "kink at relu (node 'h1')"
    # relu(0) = 0; relu(-eps) = 0 and relu(eps) = eps: left slope 0, right slope 1
    assert row.one_sided == pytest.approx((0.0, 1.0))


def test_abs_at_zero_shows_both_one_sided_slopes() -> None:
    report = gradcheck(lambda x: labelled(abs(x), "a"), [0.0])
    (row,) = report.rows
    assert row.status_text == "kink at abs (node 'a')"
    assert row.one_sided == pytest.approx((-1.0, 1.0))


def test_maximum_at_a_tie_is_a_kink_for_both_inputs() -> None:
    report = gradcheck(lambda a, b: labelled(maximum(a, b), "m"), [1.5, 1.5])
    assert report.passed
    assert [row.status_text for row in report.rows] == ["kink at maximum (node 'm')"] * 2
    # d max/da: left (a below b) 0, right (a above b) 1
    assert report.rows[0].one_sided == pytest.approx((0.0, 1.0))


def test_minimum_at_a_tie_is_a_kink() -> None:
    report = gradcheck(lambda a, b: minimum(a, b) * 3.0, [-2.0, -2.0])
    assert report.passed
    assert all(row.status_text.startswith("kink at minimum") for row in report.rows)


def test_a_kink_within_eps_of_the_point_is_detected() -> None:
    report = gradcheck(lambda x: x.relu(), [3e-7])  # x - eps < 0 < x + eps
    assert report.rows[0].status_text.startswith("kink at relu")


def test_a_kink_crossed_through_a_steep_path_is_detected() -> None:
    # relu(1000 x) at x = 1e-8: the node's input moves by 1e-3 per step, across zero
    report = gradcheck(lambda x: (x * 1000.0).relu(), [1e-8])
    assert report.rows[0].status_text.startswith("kink at relu")


def test_a_point_away_from_the_kink_is_checked_normally() -> None:
    report = gradcheck(lambda x: x.relu(), [0.5])
    assert report.rows[0].status is GradcheckStatus.PASS
    assert report.rows[0].one_sided is None


def test_a_kink_marks_only_the_outputs_whose_graph_holds_it() -> None:
    report = gradcheck(lambda x: [x.relu(), x * 2.0], [0.0])
    assert [row.status for row in report.rows] == [GradcheckStatus.KINK, GradcheckStatus.PASS]


def test_a_wrong_rule_next_to_a_kink_still_fails(registered) -> None:
    bad = wrong_sin(registered)
    report = gradcheck(lambda x, y: [x.relu(), bad(y)], [0.0, 0.5], raise_exception=False)
    assert report.rows[0].status_text.startswith("kink at relu")
    assert GradcheckStatus.FAIL in [row.status for row in report.rows]


# ---------------------------------------------------------------- second order


def float_cut_sin(registered: Callable[..., Callable[..., Value]]) -> Callable[..., Value]:
    """sin whose rule reads float(x): right on floats, but the recorded gradient is a constant."""
    return registered("float_cut_sin", math.sin,
                      lambda grad, out, x: (grad * math.cos(float(x)),))


def test_a_wrong_second_derivative_passes_first_order(registered) -> None:
    op = float_cut_sin(registered)
    assert gradcheck(lambda x: op(x) * 2.0, [0.4]).passed


def test_a_wrong_second_derivative_fails_second_order(registered) -> None:
    op = float_cut_sin(registered)
    report = gradcheck(lambda x: op(x) * 2.0, [0.4], order=2, raise_exception=False)
    (row,) = report.failures
    assert (row.order, row.analytic) == (2, 0.0)
    assert row.numeric == pytest.approx(-2.0 * math.sin(0.4), rel=1e-6)  # d2/dx2 2 sin x


def test_a_wrong_second_derivative_is_localised_to_its_op(registered) -> None:
    op = float_cut_sin(registered)
    with pytest.raises(GradcheckError, match=r"float_cut_sin \(node 's'\): second derivative"):
        gradcheck(lambda x: labelled(op(x * x), "s").exp(), [0.4], order=2)


def test_check_graph_second_order_checks_the_recorded_rule(registered) -> None:
    op = float_cut_sin(registered)
    root = op(Value(0.3))
    assert check_graph(root).passed
    assert check_graph(root, order=2).culprit == "float_cut_sin (node #0)"


def test_second_order_of_a_cross_term_is_checked() -> None:
    # f = x^2 y: d2f/dxdy = 2x = 1.0 at x = 0.5
    report = gradcheck(lambda x, y: x * x * y, [0.5, 3.0], order=2)
    cross = [row for row in report.rows if row.wrt == "x, y"]
    assert cross[0].analytic == pytest.approx(1.0)
    assert report.passed


# ---------------------------------------------------------------- mutations of every op


def mutated(entry: Any, factor: float) -> Callable[..., tuple[Any, ...]]:
    def rule(grad: Any, out: Any, *inputs: Any, **params: float) -> tuple[Any, ...]:
        return tuple(None if c is None else c * factor
                     for c in entry.rule(grad, out, *inputs, **params))
    return rule


MUTATIONS = {"scaled by 1.1": 1.1, "sign flipped": -1.0}
POINT = [0.7, 1.3, 0.4, 1.1, 0.9]  # positive (inside every domain), no ties, away from kinks


def builtin_cases() -> list[Any]:
    """One case per built-in op and parameter set, e.g. ``pow-{'exponent': 2.0}``; an op that
    stops the gradient (softmax's shift) has the rule 0, which no scaling changes."""
    return [pytest.param(name, params, id=f"{name}-{params}" if params else name)
            for name, entry in OPS.items() if name in BUILTIN_OPS and not entry.stops_gradient
            for params in entry.examples]


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
@pytest.mark.parametrize(("name", "params"), builtin_cases())
def test_every_mutated_rule_is_caught_and_named(
    registered, name: str, params: dict[str, float], mutation: str
) -> None:
    entry = OPS[name]
    mutant_name = f"mutant_{name}"
    mutant = registered(mutant_name, entry.forward, mutated(entry, MUTATIONS[mutation]),
                        arity=entry.arity, domain=entry.domain, kinks=entry.kinks,
                        examples=entry.examples)
    size = entry.arity if entry.arity is not None else entry.example_arity
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda *xs: labelled(mutant(*xs, **params), "m"), POINT[:size])
    assert f"is {mutant_name}" in str(caught.value)
    root = mutant(*[Value(x) for x in POINT[:size]], **params)
    culprit = check_graph(root).culprit
    assert culprit is not None and culprit.startswith(mutant_name)


# ---------------------------------------------------------------- rendering


def test_text_table_aligns_every_column() -> None:
    text = str(gradcheck(lambda x, y: [x * y * 1000.0, x.sin()], [0.25, -3.5]))
    lines = text.splitlines()
    header, rule, *rows = lines[1:]
    assert header.split() == ["output", "wrt", "analytic", "numeric", "abs", "err", "rel", "err",
                              "allowed", "status"]
    # right-aligned numeric columns end where their header ends
    end = header.index("analytic") + len("analytic")
    assert all(row[end - 1] != " " and row[end] == " " for row in rows)
    starts = [match.start() for match in re.finditer(r"-+", rule)]
    assert all(row[start - 2:start] == "  " for row in rows for start in starts[1:])
    assert len(rows) == 4


def test_text_starts_with_a_summary_line() -> None:
    text = str(gradcheck(lambda x: x.exp(), [0.0]))
    assert text.splitlines()[0] == (
        "gradcheck of <lambda> at x=0 (eps=1e-06, atol=1e-05, rtol=0.0001): PASSED")


def test_text_shows_order_and_one_sided_columns_only_when_used() -> None:
    plain = str(gradcheck(lambda x: x.exp(), [0.0]))
    assert "order" not in plain and "one-sided" not in plain
    rich = str(gradcheck(lambda x: x.relu() * x, [0.0], order=2))
    assert "order" in rich and "one-sided (left, right)" in rich


def test_html_is_a_table_with_one_row_per_derivative(registered) -> None:
    bad = wrong_sin(registered)
    report = gradcheck(lambda x, y: bad(x) * y, [0.5, 2.0], raise_exception=False)
    page = report._repr_html_()
    assert page.startswith("<table>")
    assert page.count("<tr") == 1 + len(report.rows)
    assert "<th>analytic</th>" in page
    assert page.count('background-color:#f8d7da') == len(report.failures)
    assert "Localisation" in page and "wrong_sin" in page


def test_html_escapes_labels() -> None:
    report = check_graph(labelled(Value(1.0) * 2.0, "<b>"))
    assert "&lt;b&gt;" in report._repr_html_()
    assert "<b>" not in report._repr_html_().replace("<b>Localisation", "")


# ---------------------------------------------------------------- assert_gradients_match


def test_assert_gradients_match_returns_the_report_when_all_agree() -> None:
    report = assert_gradients_match(lambda x, y: x * y + y, [3.0, 4.0], expected=[4.0, 4.0])
    assert report.passed


def test_assert_gradients_match_diffs_a_wrong_hand_derivation() -> None:
    # d(x*y + y)/dy = x + 1 = 4, not 3: the hand derivation forgot the + y
    with pytest.raises(AssertionError) as caught:
        assert_gradients_match(lambda x, y: x * y + y, [3.0, 4.0], expected=[4.0, 3.0])
    message = str(caught.value)
    assert "d out / d y:\n  - expected 3\n  + engine   4" in message


def test_assert_gradients_match_diffs_a_wrong_rule(registered) -> None:
    bad = wrong_sin(registered)
    with pytest.raises(AssertionError) as caught:
        assert_gradients_match(lambda x: bad(x), [0.0])
    # analytic 1.1 cos(0) = 1.1, numeric cos(0) = 1
    assert re.search(r"d out / d x:\n  - numeric  1\n  \+ analytic 1\.1 ", str(caught.value))


def test_package_exports_the_checker() -> None:
    for name in ("gradcheck", "GradcheckReport", "GradcheckError", "check_graph", "register_op",
                 "assert_gradients_match"):
        assert getattr(autograd, name) is not None
        assert name in autograd.__all__


def test_importing_autograd_does_not_import_hypothesis() -> None:
    code = ("import sys, autograd; "
            "print('hypothesis' in sys.modules, 'autograd.testing' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["False", "False"]


def test_a_tie_inside_python_max_is_a_kink_not_a_failure():
    # max() over Values picks by comparing data, so at a = b the central difference straddles
    # the switch: slope 2a = 4 from the right (a wins), 2 from the left (b wins and is 2).
    report = gradcheck(lambda a, b: max([a, b]) * a, [2.0, 2.0], raise_exception=False)
    assert report.passed
    assert all("comparison" in row.status_text for row in report.rows)


def test_a_max_pool_window_with_a_tie_is_reported_as_a_kink():
    from nn import MaxPool2d

    pool = MaxPool2d(2)
    report = gradcheck(lambda a, b, c, d: pool([[[a, b], [c, d]]])[0][0][0],
                       [1.0, 1.0, 0.5, 0.2], raise_exception=False)
    assert report.passed
    assert [row.status is GradcheckStatus.KINK for row in report.rows] == [True, True, False, False]


def test_a_comparison_away_from_a_tie_checks_normally():
    # max(a, b) * a with a = 2 > b = 1: d/da = 2a = 4, d/db = 0, no kink.
    report = gradcheck(lambda a, b: max([a, b]) * a, [2.0, 1.0])
    assert [row.status for row in report.rows] == [GradcheckStatus.PASS] * 2
    assert [row.analytic for row in report.rows] == [4.0, 0.0]


def test_a_kink_that_does_not_bend_f_along_an_input_does_not_hide_a_wrong_rule(registered):
    # relu(x*y) sits on its kink at y = 0, but along x it is flat (0 on both sides), so the row
    # of x is an ordinary row: d/dx of x**3 is 3 at x = 1, the wrong rule says 2x**2 = 2.
    wrong = registered("wrong_cube", lambda x: x**3, lambda g, o, x: (g * 2.0 * x * x,))
    report = gradcheck(lambda x, y: wrong(x) + (x * y).relu(), [1.0, 0.0],
                       raise_exception=False)
    row_x, row_y = report.rows
    assert row_x.status is GradcheckStatus.FAIL
    assert (row_x.analytic, round(row_x.numeric, 6)) == (2.0, 3.0)
    assert row_y.status_text.startswith("kink at relu")  # along y: slopes 0 and x = 1, rule gives 0


def test_check_graph_fails_a_rule_whose_value_at_its_kink_is_on_neither_side(registered):
    # A relu look-alike whose rule gives 0.5 at 0: the op's one-sided slopes are 0 and 1, so
    # 0.5 lies between them (a subgradient) and passes; 3.0 is on neither side and fails.
    def make(name: str, slope_at_zero: float):
        return registered(name, lambda x: max(x, 0.0),
                          lambda g, o, x: (g * (1.0 if x > 0 else slope_at_zero),),
                          kinks=(lambda x: x,))

    half, three = make("relu_half", 0.5), make("relu_three", 3.0)
    assert check_graph(half(Value(0.0))).passed
    failing = check_graph(three(Value(0.0)))
    assert not failing.passed
    assert "outside the one-sided slopes" in failing.rows[0].status_text


def test_on_a_kink_whole_function_rows_follow_the_convention_and_do_not_fail():
    # relu(x*x) at x = 0 is x*x, whose second derivative is 2; the engine, with relu'(0) = 0,
    # says 0. That is the convention at the kink, not a wrong rule: a kink row, not a failure.
    report = gradcheck(lambda x: (x * x).relu(), [0.0], order=2, raise_exception=False)
    assert report.passed
    second = [row for row in report.rows if row.order == 2][0]
    assert second.status_text.startswith("kink at relu") and second.analytic == 0.0


def test_check_graph_names_a_node_whose_rule_cannot_be_evaluated(registered):
    broken = registered("broken", lambda x: 2.0 * x, lambda g, o, x: (g * 2.0, g))  # 2 for 1
    x = Value(1.5, label="x")
    out = broken(x)
    out.label = "b"
    report = check_graph(out)
    assert report.culprit == "broken (node 'b')"
    assert "the rule raised TypeError" in report.verdict()


# ---------------------------------------------------------------- a kink excuses only the slopes


def cube_off_by_five(registered: Callable[..., Callable[..., Value]]) -> Callable[..., Value]:
    """x**3 whose rule says 3 x**2 + 5: 5 at 0, where the true derivative is 0."""
    return registered("cube", lambda x: x**3, lambda grad, out, x: (grad * (3.0 * x * x + 5.0),))


def test_a_wrong_rule_at_a_kink_far_outside_the_one_sided_slopes_fails(registered) -> None:
    # cube(x) + relu(x) at 0: the one-sided slopes are 0 (left) and 1 (right); the wrong rule
    # gives 5 + relu'(0) = 5, outside them. (Before, the kink excused any value.)
    cube = cube_off_by_five(registered)
    report = gradcheck(lambda x: cube(x) + x.relu(), [0.0], raise_exception=False)
    (row,) = report.rows
    assert row.status is GradcheckStatus.FAIL
    assert row.analytic == 5.0
    assert row.one_sided == pytest.approx((0.0, 1.0), abs=1e-9)
    assert "outside the one-sided slopes" in row.status_text
    assert report.localisation is not None and report.localisation.culprit == "cube (node #0)"


def test_a_wrong_rule_at_a_kink_raises_naming_the_op(registered) -> None:
    cube = cube_off_by_five(registered)
    with pytest.raises(GradcheckError, match=r"is cube \(node #0\)"):
        gradcheck(lambda x: cube(x) + x.relu(), [0.0])


def test_the_right_rule_beside_the_same_kink_passes_as_a_kink(registered) -> None:
    cube = registered("good_cube", lambda x: x**3, lambda grad, out, x: (grad * 3.0 * x * x,))
    (row,) = gradcheck(lambda x: cube(x) + x.relu(), [0.0]).rows
    assert row.status is GradcheckStatus.KINK  # 0 + relu'(0) = 0: the left slope


def test_a_value_between_the_one_sided_slopes_is_a_kink() -> None:
    # 0.5 relu(x) + 0.5 abs(x) at 0: the slopes are -0.5 (left) and 1 (right); the engine
    # gives 0.5 * 0 + 0.5 * abs'(0) = 0, between them.
    (row,) = gradcheck(lambda x: 0.5 * x.relu() + 0.5 * abs(x), [0.0]).rows
    assert row.one_sided == pytest.approx((-0.5, 1.0))
    assert row.status is GradcheckStatus.KINK


def test_kinks_that_compose_outside_the_slopes_pass_when_every_rule_checks_out() -> None:
    # relu(x) - relu(-x) is x, slope 1 on both sides, but relu'(0) = 0 twice gives 0 at 0:
    # the ops' choices at their kinks, not a wrong rule, and every rule checks out alone.
    (row,) = gradcheck(lambda x: x.relu() - (-x).relu(), [0.0]).rows
    assert (row.analytic, row.one_sided) == (0.0, pytest.approx((1.0, 1.0)))
    assert row.status is GradcheckStatus.KINK
    assert "every op's rule checks out alone" in row.detail


# ---------------------------------------------------------------- inputs and settings


def test_numpy_scalars_are_accepted_as_inputs() -> None:
    import numpy as np

    # d(xy)/dx = y = 2, d(xy)/dy = x = 0.5
    report = gradcheck(lambda x, y: x * y, [np.float32(0.5), np.int64(2)])
    assert [row.analytic for row in report.rows] == [2.0, 0.5]


def test_a_fraction_is_accepted_as_an_input() -> None:
    from fractions import Fraction

    (row,) = gradcheck(lambda x: x * x, [Fraction(1, 4)]).rows
    assert row.analytic == 0.5  # 2x


def test_a_bool_input_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="input 0 must be a number, got bool"):
        gradcheck(lambda x: x * x, [True])


@pytest.mark.parametrize("x", [math.inf, math.nan])
def test_a_non_finite_input_is_a_value_error(x: float) -> None:
    with pytest.raises(ValueError, match="input 0 must be finite"):
        gradcheck(lambda x: x * x, [x])


def test_an_input_too_large_for_a_float_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="input 0 .* is too large for a float"):
        gradcheck(lambda x: x * x, [10**400])


def test_a_single_number_for_inputs_says_to_write_a_list() -> None:
    with pytest.raises(TypeError, match=r"write \[2\.0\]"):
        gradcheck(lambda x: x * x, 2.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(("setting", "value", "error"), [
    ("eps", 0.0, ValueError), ("eps", -1e-6, ValueError), ("eps", math.inf, ValueError),
    ("atol", -1.0, ValueError), ("rtol", math.nan, ValueError), ("eps", "1e-6", TypeError),
    ("atol", True, TypeError),
])
def test_bad_settings_are_named(setting: str, value: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match=f"gradcheck: {setting} must be"):
        gradcheck(lambda x: x * x, [1.0], **{setting: value})


def test_a_bool_order_is_refused() -> None:
    with pytest.raises(ValueError, match="order must be 1 or 2, got True"):
        gradcheck(lambda x: x * x, [1.0], order=True)


# ---------------------------------------------------------------- statuses and import paths


def test_statuses_are_a_str_enum_that_prints_as_before() -> None:
    assert [str(status) for status in GradcheckStatus] == [
        "pass", "FAIL", "kink", "skipped", "convention", "refereed"]
    assert GradcheckStatus.PASS == "pass" and f"{GradcheckStatus.FAIL}" == "FAIL"
    assert autograd.GradcheckStatus is GradcheckStatus
    assert "GradcheckStatus" in autograd.__all__


def test_a_skipped_row_has_the_skipped_status() -> None:
    # sqrt's forward at 1e-7 - 1e-6 < 0 is undefined one step away: check_graph skips the row
    report = check_graph(Value(1e-7).sqrt())
    (row,) = report.rows
    assert row.status is GradcheckStatus.SKIPPED
    assert row.status_text.startswith("skipped: forward undefined one step away")


def test_the_old_import_paths_keep_working() -> None:
    from autograd.gradcheck import (
        FAIL,
        PASS,
        GradcheckError,
        GradcheckReport,
        GradcheckRow,
        GraphReport,
        assert_gradients_match,
        check_graph,
        describe_node,
        gradcheck,
    )

    assert (PASS, FAIL) == ("pass", "FAIL")
    assert gradcheck is autograd.gradcheck and check_graph is autograd.check_graph
    assert assert_gradients_match is autograd.assert_gradients_match
    assert issubclass(GraphReport, GradcheckReport) and issubclass(GradcheckError, AssertionError)
    assert GradcheckRow.__name__ == "GradcheckRow" and callable(describe_node)


def _raised(action: Callable[[], Any]) -> BaseException:
    """The exception ``action`` raises (the test fails if it raises none)."""
    with pytest.raises(Exception) as caught:
        action()
    return caught.value


def test_check_graph_names_the_node_whose_rule_raises_any_exception(
    registered: Callable[..., Callable[..., Value]],
) -> None:
    def rule(grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
        raise LookupError("no derivative table here")

    lost = registered("lost", lambda x: 2.0 * x, rule)
    out = lost(Value(1.5))
    out.label = "l"
    report = check_graph(out)
    assert report.culprit == "lost (node 'l')"
    assert "LookupError: no derivative table here" in report.verdict()


def test_check_graph_reports_a_wrong_number_of_gradients_with_the_backward_error(
    registered: Callable[..., Callable[..., Value]],
) -> None:
    two = registered("two", lambda x: 2.0 * x, lambda g, o, x: (g * 2.0, g))
    out = two(Value(1.5))
    backward_error = _raised(out.backward)
    assert f"TypeError: {backward_error}" in check_graph(out).verdict()
