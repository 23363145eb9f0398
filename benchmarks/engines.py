"""The engines under comparison, loaded the same way for every workload.

micrograd 0.1.0 (the registry package) has ``+ * ** relu`` but no ``exp`` or ``tanh``. The
``elementary`` workload needs both, so :func:`micrograd_value` adds them in micrograd's own style
(a closure per node that accumulates into its parent's ``grad``), as in the lecture that introduced
micrograd: the derivative is e**x for exp and 1 - tanh(x)**2 for tanh.
"""

from __future__ import annotations

import math
from importlib.metadata import version
from typing import Any


def micrograd_value() -> Any:
    """micrograd's ``Value`` class, with ``exp`` and ``tanh`` added if it lacks them."""
    from micrograd.engine import Value

    if not hasattr(Value, "exp"):

        def exp(self: Any) -> Any:
            out = Value(math.exp(self.data), (self,), "exp")

            def _backward() -> None:
                self.grad += out.data * out.grad

            out._backward = _backward
            return out

        def tanh(self: Any) -> Any:
            out = Value(math.tanh(self.data), (self,), "tanh")

            def _backward() -> None:
                self.grad += (1.0 - out.data * out.data) * out.grad

            out._backward = _backward
            return out

        Value.exp = exp
        Value.tanh = tanh
    return Value


def versions() -> dict[str, str]:
    """The versions of the packages being compared."""
    import platform

    return {
        "python": platform.python_version(),
        "chainrule": version("chainrule"),
        "micrograd": version("micrograd"),
    }
