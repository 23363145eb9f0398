"""gradcheck and check_graph at large magnitudes: no false failure, no blame on a correct rule,
and wrong rules still caught.

The step is relative (``h = eps * max(1, |x|)``) and the allowed error adds the rounding noise of
the values differenced. The derivatives asserted here are worked out by hand in the comments.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from autograd import GradcheckError, Value, check_graph, gradcheck
from autograd.ops import cos

# Three correct functions whose values are far larger than their derivatives at these points, so
# the rounding noise of the values would swamp a difference taken with a small fixed step.
LARGE = [
    pytest.param(lambda x: x + 1e8, 0.5, id="x + 1e8 at 0.5"),
    pytest.param(lambda x: 2 * x, 1e8, id="2x at 1e8"),
    pytest.param(lambda x: (x - 3000) ** 2 + (x + 3000) ** 2, 0.5, id="(x-3000)^2+(x+3000)^2"),
]


@pytest.mark.parametrize(("f", "x"), LARGE)
def test_correct_functions_pass_at_large_magnitudes(f: Callable[..., Value], x: float) -> None:
    assert gradcheck(f, [x]).passed


@pytest.mark.parametrize(("f", "x"), LARGE)
def test_correct_functions_pass_second_order_at_large_magnitudes(
    f: Callable[..., Value], x: float
) -> None:
    assert gradcheck(f, [x], order=2).passed


@pytest.mark.parametrize(("f", "x"), LARGE)
def test_check_graph_blames_no_rule_at_large_magnitudes(f: Callable[..., Value], x: float) -> None:
    report = check_graph(f(Value(x)), order=2)
    assert report.passed and report.culprit is None


def test_the_numeric_derivative_at_1e8_uses_a_step_that_resolves_x() -> None:
    # 3.7 x at 1e8: a step of 1e-6 is a few units in the last place of 1e8 (off by percents);
    # a step of 100 gives 3.7 to nearly all digits.
    (row,) = gradcheck(lambda x: 3.7 * x, [1e8]).rows
    assert row.numeric == pytest.approx(3.7, rel=1e-12)


def test_the_sum_of_squares_has_its_derivative_4x() -> None:
    # (x-c)^2 + (x+c)^2 = 2x^2 + 2c^2: d/dx = 4x = 2 at 0.5, d2/dx2 = 4
    report = gradcheck(lambda x: (x - 3000) ** 2 + (x + 3000) ** 2, [0.5], order=2)
    first, second = report.rows
    assert (first.analytic, second.analytic) == (2.0, 4.0)
    assert first.numeric == pytest.approx(2.0, abs=first.allowed)


def test_a_function_changing_on_a_small_scale_far_from_zero_passes() -> None:
    # sin(x) at 1e6 changes on a scale of 1: a step of eps * |x| = 1 would give
    # sin(1) cos(x) = 0.84 cos(x); a smaller step gives cos(x) to within the tolerance.
    (row,) = gradcheck(lambda x: x.sin(), [1e6]).rows
    assert abs(row.numeric - math.cos(1e6)) <= row.allowed


def test_an_offset_activation_far_from_zero_passes() -> None:
    # tanh(x - 1e6) at 1e6: tanh'(0) = 1
    (row,) = gradcheck(lambda x: (x - 1e6).tanh(), [1e6]).rows
    assert abs(row.numeric - 1.0) <= row.allowed


# ---------------------------------------------------------------- wrong rules are still caught


def test_a_rule_off_by_a_tenth_of_a_percent_is_caught_at_ordinary_magnitudes(registered) -> None:
    slightly = registered("slightly_sin", math.sin, lambda g, o, x: (g * cos(x) * 1.001,))
    report = gradcheck(lambda x, y: slightly(x * y) + y, [0.5, 1.5], raise_exception=False)
    # d/dx = 1.001 y cos(xy) by the rule, y cos(xy) = 1.5 cos(0.75) = 1.0975... numerically
    assert [row.passed for row in report.rows] == [False, False]
    assert report.rows[0].numeric == pytest.approx(1.5 * math.cos(0.75), rel=1e-8)
    assert report.localisation is not None
    assert report.localisation.culprit is not None
    assert report.localisation.culprit.startswith("slightly_sin")


def test_check_graph_catches_a_rule_off_by_a_tenth_of_a_percent(registered) -> None:
    slightly = registered("slightly_exp", math.exp, lambda g, o, x: (g * o * 1.001,))
    assert check_graph(slightly(Value(0.3))).culprit == "slightly_exp (node #0)"


def test_a_rule_off_by_a_tenth_of_a_percent_is_caught_at_1e8(registered) -> None:
    # Where the numbers are large but exact, the relative step keeps the check sharp.
    twice = registered("twice_off", lambda x: 2.0 * x, lambda g, o, x: (g * 2.002,))
    with pytest.raises(GradcheckError, match="twice_off"):
        gradcheck(lambda x: twice(x), [1e8])


def test_a_wrong_rule_beside_a_large_constant_is_blamed_not_add(registered) -> None:
    # x + 1e8 leaves the central difference two digits; a rule 10 % off is still far outside.
    wrong = registered("wrong_sine", math.sin, lambda g, o, x: (g * cos(x) * 1.1,))
    report = gradcheck(lambda x: wrong(x) + 1e8, [0.5], raise_exception=False)
    assert not report.passed
    assert report.localisation is not None
    assert report.localisation.culprit == "wrong_sine (node #0)"


def test_a_wrong_rule_far_from_zero_is_caught_at_the_finer_step(registered) -> None:
    # sin(x) at 1e6 with a rule 1 % off: the relative step fails (truncation), and the finer
    # steps, accurate there, fail too; the row shows the accurate numeric cos(x).
    wrong = registered("far_sine", math.sin, lambda g, o, x: (g * cos(x) * 1.01,))
    report = gradcheck(lambda x: wrong(x), [1e6], raise_exception=False)
    (row,) = report.rows
    assert not row.passed
    assert row.numeric == pytest.approx(math.cos(1e6), rel=1e-6)
