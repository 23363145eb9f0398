"""Setting a layer's weights to chosen numbers, for tests that work a result out by hand."""

from __future__ import annotations

from collections.abc import Sequence

from autograd import Value


def set_weights(rows: Sequence[Sequence[Value]], biases: Sequence[Value] | None,
                numbers: Sequence[Sequence[float]], bias_numbers: Sequence[float]) -> None:
    """Write ``numbers`` into the weight ``rows`` and ``bias_numbers`` into ``biases``."""
    for row, row_numbers in zip(rows, numbers, strict=True):
        for parameter, number in zip(row, row_numbers, strict=True):
            parameter.data = number
    assert biases is not None
    for parameter, number in zip(biases, bias_numbers, strict=True):
        parameter.data = number
