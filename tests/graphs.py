"""Small graphs shared by several test files, with their published numbers."""

from __future__ import annotations

from autograd import Value


def neuron() -> tuple[Value, dict[str, Value]]:
    """The tanh neuron of Karpathy's micrograd lecture: o = tanh(x1*w1 + x2*w2 + b).

    With b chosen so that the pre-activation is 0.8814 (o = 1/sqrt(2)), the lecture's gradients
    are x1 -1.5, w1 1.0, x2 0.5, w2 0.0, b 0.5.
    """
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}
