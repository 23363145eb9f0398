"""Stand-ins for numpy's scalars and arrays, so tests check numpy compatibility without numpy.

numpy's scalar types register with ``numbers.Integral`` / ``numbers.Real`` without subclassing
int or float, and an array refuses to be used as a truth value; these classes do the same.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from numbers import Integral, Real
from typing import Any


class Int64Like:
    """A stand-in for numpy.int64: an Integral by registration only, not an int subclass."""

    def __init__(self, number: int) -> None:
        self.number = number

    def __index__(self) -> int:
        return self.number

    def __float__(self) -> float:
        return float(self.number)

    def __repr__(self) -> str:
        return f"Int64Like({self.number})"


class Float32Like:
    """A stand-in for numpy.float32: a Real by registration only, not a float subclass."""

    def __init__(self, number: float) -> None:
        self.number = number

    def __float__(self) -> float:
        return self.number

    def __repr__(self) -> str:
        return f"Float32Like({self.number})"


Integral.register(Int64Like)
Real.register(Float32Like)


class ArrayLike(Sequence[Any]):
    """A stand-in for a numpy array: a sequence whose truth value raises."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: Any) -> Any:
        return self.items[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __bool__(self) -> bool:
        raise ValueError("the truth value of an array with more than one element is ambiguous")
