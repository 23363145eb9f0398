"""Bad input: every domain error, overflow and non-number is a typed error that names the op, the
offending value and the node's label; the stable ops stay finite at |x| = 1000.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import pytest

import autograd
from autograd import Value, detect_anomaly


def raises_naming(error: type[Exception], *parts: str):
    """pytest.raises(error) whose message must contain every one of ``parts``."""
    return pytest.raises(error, match="(?s)" + "".join(f"(?=.*{re.escape(p)})" for p in parts))


# ------------------------------------------------------------------------------ domains


def test_log_of_zero_names_op_value_and_label():
    with raises_naming(ValueError, "log", "0.0", "'h2'"):
        Value(0.0, label="h2").log()


def test_log_of_a_negative_names_op_value_and_label():
    with raises_naming(ValueError, "log", "-0.5", "'h2'"):
        Value(-0.5, label="h2").log()


def test_sqrt_of_a_negative_names_op_value_and_label():
    with raises_naming(ValueError, "sqrt", "-4.0", "'s'"):
        Value(-4.0, label="s").sqrt()


def test_zero_to_a_negative_power_is_a_zero_division_error():
    with raises_naming(ZeroDivisionError, "pow", "0.0", "-1.0", "'base'"):
        Value(0.0, label="base") ** -1


def test_negative_base_to_a_non_integer_power_names_both_numbers():
    with raises_naming(ValueError, "pow", "-2.0", "0.5", "'base'"):
        Value(-2.0, label="base") ** 0.5


def test_number_to_the_power_of_a_value_needs_a_positive_base():
    with raises_naming(ValueError, "rpow", "-2.0", "'x'"):
        (-2) ** Value(1.5, label="x")


def test_value_to_the_power_of_a_value_needs_a_positive_base():
    with raises_naming(ValueError, "powv", "-2.0", "'a'"):
        Value(-2.0, label="a") ** Value(2.0, label="b")


def test_division_by_a_zero_value_names_op_numerator_and_labels():
    with raises_naming(ZeroDivisionError, "truediv", "1.5", "zero", "'num'", "'den'"):
        Value(1.5, label="num") / Value(0.0, label="den")


def test_division_by_the_number_zero():
    with raises_naming(ZeroDivisionError, "truediv", "'num'"):
        Value(1.5, label="num") / 0


def test_number_divided_by_a_zero_value():
    with raises_naming(ZeroDivisionError, "truediv", "'den'"):
        1.0 / Value(0.0, label="den")


# ------------------------------------------------------------------------------ construction


@pytest.mark.parametrize(
    ("data", "type_name"),
    [("3", "str"), (None, "NoneType"), ([1.0], "list"), (1j, "complex")],
)
def test_value_of_a_non_number_is_a_type_error_naming_the_type(data, type_name):
    with raises_naming(TypeError, type_name):
        Value(data)


def test_value_of_a_value_is_a_type_error_that_says_the_fix():
    with raises_naming(TypeError, "got a Value", "detach"):
        Value(Value(1.0))  # type: ignore[arg-type]


@pytest.mark.parametrize("data", [math.nan, math.inf, -math.inf])
def test_value_of_a_non_finite_number_is_a_value_error_naming_it_and_the_label(data):
    with raises_naming(ValueError, repr(data), "'w'"):
        Value(data, label="w")


def test_an_operand_that_is_not_a_number_names_the_op_and_type():
    with raises_naming(TypeError, "add", "str"):
        Value(1.0) + "a"  # type: ignore[operator]


def test_comparing_with_a_non_number_is_a_type_error():
    with raises_naming(TypeError, "str"):
        Value(1.0) < "a"  # type: ignore[operator]  # noqa: B015


# ------------------------------------------------------------------------------ overflow


def test_exp_of_1000_overflows_naming_op_value_and_label():
    with raises_naming(OverflowError, "exp", "1000.0", "'z'"):
        Value(1000.0, label="z").exp()


def test_a_product_past_the_float_range_overflows():
    with raises_naming(OverflowError, "mul", "1e+200", "'a'", "'b'"):
        Value(1e200, label="a") * Value(1e200, label="b")


def test_a_sum_past_the_float_range_overflows():
    with raises_naming(OverflowError, "add", "1e+308", "'a'"):
        Value(1e308, label="a") + 1e308


@pytest.mark.parametrize(
    ("build", "op"),
    [
        (lambda: Value(10.0, label="x") ** 400, "pow"),
        (lambda: 2 ** Value(2000.0, label="x"), "rpow"),
        (lambda: Value(10.0, label="x") ** Value(400.0, label="y"), "powv"),
    ],
)
def test_a_power_past_the_float_range_overflows_naming_the_op(build, op):
    # math.pow's own message is a bare "math range error"; the engine must name the op
    with raises_naming(OverflowError, op, "'x'"):
        build()


# ------------------------------------------------------------------------------ backward


def test_backward_of_sqrt_at_zero_says_the_derivative_is_infinite():
    x = Value(0.0, label="r")
    y = x.sqrt()
    with raises_naming(ZeroDivisionError, "sqrt", "infinite", "0.0", "'r'"):
        y.backward()


def test_recorded_backward_of_sqrt_at_zero_says_the_same():
    x = Value(0.0, label="r")
    y = x.sqrt()
    with raises_naming(ZeroDivisionError, "sqrt", "infinite", "'r'"):
        y.backward(create_graph=True)


def test_backward_of_a_square_root_power_at_zero_names_the_op():
    x = Value(0.0, label="r")
    y = x**0.5  # forward 0.0 is fine; d/dx = 0.5 * 0 ** -0.5 is not
    with raises_naming(ZeroDivisionError, "backward of pow(exponent=0.5)", "'r'"):
        y.backward()


def test_detect_anomaly_names_the_op_whose_gradient_is_not_finite():
    x = Value(1e-200, label="tiny")
    y = x.log() * 1e200  # finite forward; d/dx = 1e200 / 1e-200 = inf
    with detect_anomaly(), raises_naming(FloatingPointError, "log", "'tiny'", "inf"):
        y.backward()


def test_detect_anomaly_is_switched_off_after_its_block():
    with detect_anomaly():
        pass
    x = Value(1e-200)
    y = x.log() * 1e200
    y.backward()  # no check outside the block: the infinite gradient is stored, not raised
    assert x.grad == math.inf


# ------------------------------------------------------------------------------ stability at 1000
# exp(-1000) is about 5e-435, far below the smallest float (5e-324): in float64 it is exactly 0,
# so each expected value below is exact.


@pytest.mark.parametrize(
    ("x", "value", "slope"),
    [(1000.0, 1.0, 0.0), (-1000.0, 0.0, 0.0)],  # s(x) and s(1 - s)
)
def test_sigmoid_is_finite_and_exact_at_1000(x, value, slope):
    leaf = Value(x)
    out = leaf.sigmoid()
    out.backward()
    assert (out.data, leaf.grad) == (value, slope)


@pytest.mark.parametrize(
    ("x", "value", "slope"),
    # log(1 + e**1000) = 1000 + log(1 + e**-1000) = 1000; log(1 + e**-1000) = 0; slope sigmoid(x)
    [(1000.0, 1000.0, 1.0), (-1000.0, 0.0, 0.0)],
)
def test_softplus_is_finite_and_exact_at_1000(x, value, slope):
    leaf = Value(x)
    out = leaf.softplus()
    out.backward()
    assert (out.data, leaf.grad) == (value, slope)


@pytest.mark.parametrize(
    ("xs", "value"),
    [
        ([1000.0, 1000.0], 1000.0 + math.log(2.0)),  # log(2 e**1000)
        ([-1000.0, -1000.0], -1000.0 + math.log(2.0)),  # log(2 e**-1000)
        ([1000.0, -1000.0], 1000.0),  # 1000 + log(1 + e**-2000)
    ],
)
def test_log_sum_exp_is_finite_at_1000(xs, value):
    assert math.isclose(autograd.log_sum_exp(xs).data, value, rel_tol=1e-15)


def test_log_sum_exp_gradient_is_softmax_at_1000():
    a, b = Value(1000.0), Value(1000.0)
    autograd.log_sum_exp([a, b]).backward()
    # e**1000 / (2 e**1000) = 0.5, to the precision of e**(x - lse): lse = 1000 + log 2 is
    # rounded to a float whose ulp is 1.1e-13, so about 1e-13 relative is the best possible
    assert math.isclose(a.grad, 0.5, rel_tol=1e-12)
    assert math.isclose(b.grad, 0.5, rel_tol=1e-12)


@pytest.mark.parametrize(
    ("xs", "expected"),
    [
        ([1000.0, 1000.0], [0.5, 0.5]),
        ([1000.0, 0.0], [1.0, 0.0]),  # 1 / (1 + e**-1000) and e**-1000 / (1 + e**-1000)
        ([-1000.0, -1000.0, -1000.0], [1 / 3, 1 / 3, 1 / 3]),
    ],
)
def test_softmax_is_finite_at_1000(xs, expected):
    probabilities = [p.data for p in autograd.softmax(xs)]
    for got, want in zip(probabilities, expected, strict=True):  # 1e-12: see the test above
        assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-300)


def test_softmax_gradient_at_1000():
    a, b = Value(1000.0), Value(1000.0)
    first, _ = autograd.softmax([a, b])
    first.backward()  # d s0 / d a = s0 (1 - s0) = 0.25, d s0 / d b = -s0 s1 = -0.25
    assert math.isclose(a.grad, 0.25, rel_tol=1e-12)
    assert math.isclose(b.grad, -0.25, rel_tol=1e-12)


# ------------------------------------------------------------------------------ free functions


def test_log_sum_exp_of_nothing_is_a_value_error():
    with raises_naming(ValueError, "log_sum_exp", "empty"):
        autograd.log_sum_exp([])


def test_dot_of_different_lengths_is_a_value_error_naming_both():
    with raises_naming(ValueError, "dot", "1 weights", "2 inputs"):
        autograd.dot([1.0], [1.0, 2.0])


def test_exp_is_finite_right_up_to_the_float_limit():
    # log(max float) = 709.782712893384; e**709.782 = 1.7964e308 is still a float.
    assert Value(709.782).exp().data == pytest.approx(1.79641e308, rel=1e-5)
    with pytest.raises(OverflowError, match="exp of 709.783 overflows"):
        Value(709.783).exp()


def _raised(action: Callable[[], Any]) -> BaseException:
    """The exception ``action`` raises (the test fails if it raises none)."""
    with pytest.raises(Exception) as caught:
        action()
    return caught.value


class CodedError(ValueError):
    """An exception whose constructor takes two arguments, not a message."""

    def __init__(self, code: int, where: str) -> None:
        super().__init__(f"error {code} in {where}")
        self.code = code


def test_an_exception_with_another_constructor_raised_in_a_rule_propagates_as_itself(
    registered: Callable[..., Callable[..., Value]],
) -> None:
    thrown: list[CodedError] = []

    def rule(grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
        thrown.append(CodedError(3, "the rule"))
        raise thrown[-1]

    coded = registered("coded", lambda x: 2.0 * x, rule)
    error = _raised(lambda: coded(Value(1.0, label="x")).backward())
    assert error is thrown[0]
    assert any("backward of coded" in note and "'x'" in note for note in error.__notes__)


def test_a_wrong_number_of_gradients_reads_the_same_on_the_float_and_recorded_paths(
    registered: Callable[..., Callable[..., Value]],
) -> None:
    two = registered("two", lambda x: 2.0 * x, lambda g, o, x: (g * 2.0, g))  # 2 for 1 input
    messages = {str(_raised(lambda flag=flag: two(Value(1.0)).backward(create_graph=flag)))
                for flag in (False, True)}
    assert messages == {"the rule of two returned tuple (2.0, 1.0): its rule must return a "
                        "tuple with one gradient (or None) per input, 1 here"}


def test_a_value_of_an_integer_too_large_for_a_float_is_an_overflow_error_saying_so() -> None:
    with pytest.raises(OverflowError, match=r"Value\(data\): int 1000.*\(401 digits\) is too "
                                            r"large for a float"):
        Value(10**400)


@pytest.mark.parametrize(("build", "kind", "message"), [
    (lambda: Value(0.5) ** math.inf, ValueError, "pow: the exponent must be finite, got inf"),
    (lambda: math.inf ** Value(-1.0), ValueError, "rpow: the base must be finite, got inf"),
    (lambda: Value(1.0).leaky_relu("a"), TypeError,  # type: ignore[arg-type]
     "leaky_relu: the slope must be a real number, got str 'a'"),
], ids=["x ** inf", "inf ** x", "leaky_relu('a')"])
def test_a_bad_op_parameter_is_a_named_error(build: Callable[[], Value], kind: type,
                                             message: str) -> None:
    with pytest.raises(kind, match=message.replace("(", r"\(")):
        build()
