"""Scalar image layers on nested lists: ``Conv2d``, ``MaxPool2d`` and ``AvgPool2d``.

An image is a list of channels, each a list of rows, each a list of numbers or Values:
``image[channel][row][col]``. Every layer returns the same nesting. Nothing here is vectorised:
each output pixel is a handful of graph nodes, so a small image's whole graph can be drawn and
every gradient inspected, which is the point of a teaching engine.

Output size along each axis, for input size ``n``, kernel ``k``, stride ``s`` and padding ``p``:
``(n + 2p - k) // s + 1`` (the same arithmetic as PyTorch's ``Conv2d``/``MaxPool2d`` documentation).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from numbers import Integral
from typing import Any

from autograd import Value, dot
from autograd import sum as value_sum
from autograd.core.numbers import is_count, require_count

from .layers import generator, initial_weights
from .module import Module, register

Image = list[list[list[Value]]]
Size = int | Sequence[int]


def _pair(size: Any, name: str, where: str, low: int = 1) -> tuple[int, int]:
    """``size`` (one integer, or a pair of them) as ``(rows, cols)``, each at least ``low``.

    Raises:
        ValueError: ``size`` is neither; the message names ``where`` and ``name``.
    """
    pair = (size, size) if isinstance(size, Integral) else size
    if not (isinstance(pair, Sequence) and len(pair) == 2 and all(is_count(n, low) for n in pair)):
        kind = "a positive integer" if low == 1 else f"an integer >= {low}"
        raise ValueError(f"{where}: {name} must be {kind} or a pair of them, got {size!r}")
    return int(pair[0]), int(pair[1])


def as_image(image: Any, where: str, channels: int | None = None) -> Image:
    """``image`` as ``[channel][row][col]`` Values (numbers become constant leaves), checked
    to be rectangular.

    Raises:
        ValueError: the nesting is not channels of equal-sized rows, or the number of channels
            is not ``channels``; the message names ``where``.
    """
    if not isinstance(image, list | tuple) or not image or not all(
        isinstance(plane, list | tuple) and plane and all(isinstance(row, list | tuple)
                                                         for row in plane)
        for plane in image
    ):
        raise ValueError(
            f"{where} expects an image as nested lists [channel][row][col], got "
            f"{type(image).__name__}"
        )
    height, width = len(image[0]), len(image[0][0])
    for index, plane in enumerate(image):
        if len(plane) != height or any(len(row) != width for row in plane):
            raise ValueError(
                f"{where}: channel {index} is not {height} rows of {width} columns like channel 0"
            )
    if channels is not None and len(image) != channels:
        raise ValueError(f"{where} expects {channels} input channels, got {len(image)}")
    return [
        [[item if isinstance(item, Value) else Value(item) for item in row] for row in plane]
        for plane in image
    ]


def _output_size(size: int, kernel: int, stride: int, padding: int, where: str) -> int:
    count = (size + 2 * padding - kernel) // stride + 1
    if count < 1:
        raise ValueError(
            f"{where}: a kernel of {kernel} does not fit an input of {size} "
            f"(with padding {padding}); use a larger image or a smaller kernel"
        )
    return count


@register
class Conv2d(Module):
    """A 2-D convolution (cross-correlation, as in PyTorch) over ``[channel][row][col]`` images.

    Output channel ``o`` at ``(r, c)`` is one ``affine`` node: ``bias[o]`` plus, over
    ``(channel, i, j)``, ``weight[o][(channel, i, j)] * x[channel][r*s + i][c*s + j]``,
    where the input is padded with constant zeros. Parameters are named ``weight.<o>.<k>`` with
    ``k`` running over (input channel, kernel row, kernel column) in row-major order, and
    ``bias.<o>``.

    Args:
        in_channels: channels of the input image.
        out_channels: channels (filters) of the output.
        kernel_size: side of the square kernel, or ``(rows, cols)``.
        stride: step between windows, an int or ``(rows, cols)``.
        padding: zeros added on every side, an int or ``(rows, cols)``.
        bias: whether each output channel has a bias (initialised to 0).
        init: he (default, suits ReLU), xavier or uniform; fan-in is
            ``in_channels * kernel area``, fan-out ``out_channels * kernel area``.
        rng, seed: where the random weights come from (see :mod:`nn.layers`).

    Raises:
        ValueError: a size is not positive or the init is unknown.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Size,
        stride: Size = 1,
        padding: Size = 0,
        *,
        bias: bool = True,
        init: str = "he",
        rng: random.Random | None = None,
        seed: int | None = None,
    ) -> None:
        self.in_channels = require_count("Conv2d: in_channels", in_channels)
        self.out_channels = require_count("Conv2d: out_channels", out_channels)
        self.kernel_size = _pair(kernel_size, "kernel_size", "Conv2d")
        self.stride = _pair(stride, "stride", "Conv2d")
        self.padding = _pair(padding, "padding", "Conv2d", low=0)
        area = self.kernel_size[0] * self.kernel_size[1]
        source = generator(rng, seed)
        self.weight = [
            [Value(w) for w in initial_weights(init, self.in_channels * area,
                                               self.out_channels * area, source)]
            for _ in range(self.out_channels)
        ]
        self.bias = [Value(0.0) for _ in range(self.out_channels)] if bias else None

    def __call__(self, image: Any) -> Image:
        """Convolve ``image`` (``in_channels`` planes of numbers or Values).

        Returns:
            ``out_channels`` planes of Values.

        Raises:
            ValueError: the image is not rectangular, has the wrong channel count, or is
                smaller than the kernel.
        """
        where = f"Conv2d({self.extra_repr()})"
        values = as_image(image, where, self.in_channels)
        (kernel_rows, kernel_cols), (step_rows, step_cols) = self.kernel_size, self.stride
        pad_rows, pad_cols = self.padding
        height, width = len(values[0]), len(values[0][0])
        out_rows = _output_size(height, kernel_rows, step_rows, pad_rows, where)
        out_cols = _output_size(width, kernel_cols, step_cols, pad_cols, where)
        if pad_rows or pad_cols:
            zero = Value(0.0, label="padding")  # a constant: its gradient is never used
            blank = [zero] * (width + 2 * pad_cols)
            values = [
                [blank] * pad_rows
                + [[zero] * pad_cols + row + [zero] * pad_cols for row in plane]
                + [blank] * pad_rows
                for plane in values
            ]
        output: Image = [[[] for _ in range(out_rows)] for _ in range(self.out_channels)]
        for r in range(out_rows):
            top = r * step_rows
            for c in range(out_cols):
                left = c * step_cols
                window = [
                    plane[top + i][left + j]
                    for plane in values
                    for i in range(kernel_rows)
                    for j in range(kernel_cols)
                ]
                for o, weights in enumerate(self.weight):
                    bias = self.bias[o] if self.bias is not None else None
                    output[o][r].append(dot(weights, window, bias=bias))
        return output

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int:
        """``out_channels`` filters of ``in_channels * kernel area`` weights and a bias."""
        inputs = require_count("Conv2d: in_channels", config["in_channels"])
        outputs = require_count("Conv2d: out_channels", config["out_channels"])
        rows, cols = _pair(config["kernel_size"], "kernel_size", "Conv2d")
        return outputs * (inputs * rows * cols + (1 if config.get("bias", True) else 0))

    def config(self) -> dict[str, Any]:
        """Channels, kernel size, stride, padding and bias."""
        return {
            "in_channels": self.in_channels,
            "out_channels": self.out_channels,
            "kernel_size": list(self.kernel_size),
            "stride": list(self.stride),
            "padding": list(self.padding),
            "bias": self.bias is not None,
        }

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={_short(self.kernel_size)}"
        if self.stride != (1, 1):
            text += f", stride={_short(self.stride)}"
        if self.padding != (0, 0):
            text += f", padding={_short(self.padding)}"
        if self.bias is None:
            text += ", bias=False"
        return text


class _Pool(Module):
    """Shared window walking for the pooling layers (no parameters)."""

    def __init__(self, kernel_size: Size, stride: Size | None = None) -> None:
        name = type(self).__name__
        self.kernel_size = _pair(kernel_size, "kernel_size", name)
        self.stride = self.kernel_size if stride is None else _pair(stride, "stride", name)

    def pool(self, window: list[Value]) -> Value:
        """The output of one window."""
        raise NotImplementedError

    def __call__(self, image: Any) -> Image:
        """Pool every channel of ``image`` separately.

        Raises:
            ValueError: the image is not rectangular or is smaller than the kernel.
        """
        where = f"{type(self).__name__}({self.extra_repr()})"
        values = as_image(image, where)
        (kernel_rows, kernel_cols), (step_rows, step_cols) = self.kernel_size, self.stride
        height, width = len(values[0]), len(values[0][0])
        out_rows = _output_size(height, kernel_rows, step_rows, 0, where)
        out_cols = _output_size(width, kernel_cols, step_cols, 0, where)
        return [
            [
                [
                    self.pool([
                        plane[r * step_rows + i][c * step_cols + j]
                        for i in range(kernel_rows)
                        for j in range(kernel_cols)
                    ])
                    for c in range(out_cols)
                ]
                for r in range(out_rows)
            ]
            for plane in values
        ]

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int:
        """0: pooling has no parameters."""
        return 0

    def config(self) -> dict[str, Any]:
        """Kernel size and stride."""
        return {"kernel_size": list(self.kernel_size), "stride": list(self.stride)}

    def extra_repr(self) -> str:
        text = f"kernel_size={_short(self.kernel_size)}"
        if self.stride != self.kernel_size:
            text += f", stride={_short(self.stride)}"
        return text


@register
class MaxPool2d(_Pool):
    """Max-pooling: each output is the largest input of its window.

    The output *is* the winning input Value (Python's ``max`` compares Values by ``data``), so in
    backpropagation the whole gradient goes to the arg-max of each window and exactly zero to the
    other inputs. Tie rule: when several inputs share the maximum, the first one in row-major order
    within the window (top row first, then left to right) wins and takes the gradient.

    Args:
        kernel_size: side of the square window, or ``(rows, cols)``.
        stride: step between windows; defaults to the kernel size (non-overlapping windows).
    """

    def pool(self, window: list[Value]) -> Value:
        """The first maximal Value of the window."""
        return max(window)


@register
class AvgPool2d(_Pool):
    """Average pooling: each output is the mean of its window, so each input of a window gets
    ``1 / (window area)`` of the window's gradient.

    Args:
        kernel_size: side of the square window, or ``(rows, cols)``.
        stride: step between windows; defaults to the kernel size (non-overlapping windows).
    """

    def pool(self, window: list[Value]) -> Value:
        """The mean of the window: one ``sum`` node times a constant."""
        return value_sum(window) * (1.0 / len(window))


def _short(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else str(pair)
