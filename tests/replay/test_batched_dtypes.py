"""The batched replay (``Tape.vmap``) computes in float64, as the engine does, whatever its
inputs' dtype: lower-precision and integer arrays give the engine's numbers, and a dtype float64
cannot hold is refused by name.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from autograd import Value, trace


def close(a: float, b: float, rel: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-300)


def engine(f, *numbers: float) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in numbers]
    out = f(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def smooth(x: Value, y: Value) -> Value:
    return (x * y).exp() + x.sin() / y


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int32, np.int64, np.uint8])
def test_vmap_of_lower_precision_or_integer_arrays_gives_the_engines_numbers(dtype) -> None:
    fractions = np.dtype(dtype).kind == "f"
    xs = np.array([0.1, 1.3, 2.0] if fractions else [1, 2, 3], dtype=dtype)
    ys = np.array([0.7, 1.9, 3.0] if fractions else [2, 1, 3], dtype=dtype)
    values, (d_x, d_y) = trace(smooth, 1.0, 1.0).vmap().value_and_grad(xs, ys)
    assert values.dtype == np.float64
    for row in range(3):
        value, (e_x, e_y) = engine(smooth, float(xs[row]), float(ys[row]))
        assert close(values[row], value) and close(d_x[row], e_x) and close(d_y[row], e_y)


def test_vmap_of_float32_beyond_float32s_range_computes_in_float64() -> None:
    x = np.array([1e20], dtype=np.float32)
    values = trace(lambda v: v * v, 1.0).vmap().forward(x)
    assert values[0] == float(x[0]) * float(x[0])  # 1e40 overflows float32, not float64


def test_vmap_of_python_lists_of_ints_computes_in_float64() -> None:
    values = trace(lambda v: v / 3, 1.0).vmap().forward([1, 2])
    assert values.tolist() == [1 / 3, 2 / 3]


@pytest.mark.parametrize(("array", "dtype"), [
    (np.array([1.0 + 2.0j]), "complex128"),
    (np.array([Fraction(1, 3)], dtype=object), "object"),
    (np.array([True]), "bool"),
])
def test_vmap_refuses_a_dtype_float64_cannot_hold_naming_it(array, dtype: str) -> None:
    with pytest.raises(TypeError, match=rf"dtype {dtype}, not an array of real numbers.*float64"):
        trace(lambda v: v * v, 1.0).vmap().forward(array)


def test_vmap_refuses_longdouble_rather_than_rounding_it() -> None:
    array = np.array([1.5], dtype=np.longdouble) / 7
    tape = trace(lambda v: v * v, 1.0).vmap()
    if np.dtype(np.longdouble).itemsize > 8:  # x86 (80-bit), or quad precision
        with pytest.raises(TypeError, match=rf"dtype {array.dtype}, more precise than float64"):
            tape.forward(array)
    else:  # where longdouble is float64 itself, nothing is rounded
        assert tape.forward(array)[0] == float(array[0]) ** 2
