"""chainrule's free functions and custom ops on PyTorch tensors, and the one way to import torch.

:mod:`autograd.core.functions` and :func:`autograd.register_op` hand an op whose operands include
torch tensors to :func:`torch_engine` (registered with :mod:`autograd.core.dispatch` for
``torch.Tensor``), so ``autograd.maximum(a, b)`` on two tensors is ``torch.maximum(a, b)`` and a
function written with chainrule's free functions runs on tensors unchanged: what
:func:`autograd.compare_with_torch` needs. A custom op runs on tensors through the ``torch_ops``
given to ``compare_with_torch``.

torch is imported by :func:`require_torch` only when one of these runs; registering the engine
does not import it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

from ..core.custom import BUILTIN_OPS
from ..core.engines import register_engine
from ..core.numbers import is_real
from ..core.ops import Op


def require_torch(what: str) -> Any:
    """The ``torch`` module, imported on first use.

    Args:
        what: the function that needs torch, for the error message.

    Raises:
        ImportError: torch is not installed; the message names the extra to install.
    """
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            f"{what} needs PyTorch, which is not installed: pip install 'chainrule[torch]' "
            "(from a checkout: pip install -e '.[torch]'; torch==2.13.0, the CPU build)"
        ) from error
    return torch


#: During :func:`compare_with_torch`, its ``torch_ops``: the torch version of each custom op.
TORCH_OPS: ContextVar[Mapping[str, Callable[..., Any]]] = ContextVar(
    "chainrule_torch_ops", default=MappingProxyType({})
)


def _tensors(name: str, operands: Sequence[Any]) -> list[Any]:
    """``operands`` as float64 tensors (numbers become constants).

    Raises:
        TypeError: Values and tensors are mixed, or an operand is neither a tensor nor a number.
    """
    torch = require_torch(f"autograd.{name} on tensors")
    tensors = []
    for operand in operands:
        if isinstance(operand, torch.Tensor):
            tensors.append(operand)
        elif is_real(operand):
            tensors.append(torch.tensor(float(operand), dtype=torch.float64))
        else:
            raise TypeError(
                f"autograd.{name} got a torch tensor and a {type(operand).__name__} "
                f"({operand!r}); give it tensors and numbers only, not Values and tensors mixed"
            )
    return tensors


def _torch_maximum(a: Any, b: Any) -> Any:
    torch = require_torch("autograd.maximum on tensors")
    return torch.maximum(*_tensors("maximum", (a, b)))


def _torch_minimum(a: Any, b: Any) -> Any:
    torch = require_torch("autograd.minimum on tensors")
    return torch.minimum(*_tensors("minimum", (a, b)))


def _torch_sum(*values: Any) -> Any:
    torch = require_torch("autograd.sum on tensors")
    return torch.stack(_tensors("sum", values)).sum()


def _torch_dot(*operands: Any) -> Any:
    """The ``dot`` op's operands are ``(w1..wn, x1..xn)``."""
    half = len(operands) // 2
    weights, inputs = _tensors("dot", operands[:half]), _tensors("dot", operands[half:])
    return _torch_sum(*(w * x for w, x in zip(weights, inputs, strict=True)))


def _torch_affine(*operands: Any) -> Any:
    """The ``affine`` op's operands are ``(w1..wn, b, x1..xn)``."""
    n = len(operands) // 2
    return _tensors("dot", operands[n:n + 1])[0] + _torch_dot(*operands[:n], *operands[n + 1:])


def _torch_log_sum_exp(*values: Any) -> Any:
    torch = require_torch("autograd.log_sum_exp on tensors")
    return torch.logsumexp(torch.stack(_tensors("log_sum_exp", values)), dim=0)


def _torch_detached_max(*values: Any) -> Any:
    torch = require_torch("autograd.detached_max on tensors")
    return torch.stack(_tensors("detached_max", values)).max().detach()


#: The torch version of each op the free functions record (``softmax`` is built from
#: ``detached_max``, subtraction, ``exp`` and ``sum``).
TORCH_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "maximum": _torch_maximum,
    "minimum": _torch_minimum,
    "sum": _torch_sum,
    "dot": _torch_dot,
    "affine": _torch_affine,
    "log_sum_exp": _torch_log_sum_exp,
    "detached_max": _torch_detached_max,
}


def torch_engine(op: Op, operands: tuple[Any, ...]) -> Any:
    """Compute the table entry ``op`` on operands that include torch tensors.

    Raises:
        NotImplementedError: ``op`` is a custom op with no torch version in ``torch_ops`` (or an
            engine op with no torch version here); the message names it.
    """
    implementation = TORCH_FUNCTIONS.get(op.name) or TORCH_OPS.get().get(op.name)
    if implementation is None and op.name in BUILTIN_OPS:
        raise NotImplementedError(f"the engine's op {op.name!r} has no torch version here")
    if implementation is None:
        raise NotImplementedError(
            f"the custom op {op.name!r} was called on torch tensors but has no torch version: "
            f"pass compare_with_torch(..., torch_ops={{{op.name!r}: <the same function written "
            "with torch operations>})"
        )
    return implementation(*operands, **op.params)


register_engine("torch.Tensor", torch_engine)
