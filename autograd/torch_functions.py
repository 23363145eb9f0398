"""chainrule's free functions and custom ops on PyTorch tensors, and the one way to import torch.

:mod:`autograd.functions` and :func:`autograd.register_op` hand a call whose operands are torch
tensors to :func:`torch_engine` (registered with :mod:`autograd.foreign` for ``torch.Tensor``), so
``autograd.maximum(a, b)`` on two tensors is ``torch.maximum(a, b)`` and a function written with
chainrule's free functions runs on tensors unchanged: what :func:`autograd.compare_with_torch`
needs. A custom op runs on tensors through the ``torch_ops`` given to ``compare_with_torch``.

torch is imported by :func:`require_torch` only when one of these runs; registering the engine
does not import it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

from .foreign import register_engine
from .numbers import is_real


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
            "(torch==2.13.0, the CPU build)"
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


def _torch_sum(values: Sequence[Any]) -> Any:
    torch = require_torch("autograd.sum on tensors")
    if not values:
        return torch.tensor(0.0, dtype=torch.float64)
    return torch.stack(_tensors("sum", values)).sum()


def _torch_dot(weights: Sequence[Any], inputs: Sequence[Any], bias: Any = None) -> Any:
    if len(weights) != len(inputs):
        raise ValueError(
            f"dot of {len(weights)} weights with {len(inputs)} inputs: lengths must match"
        )
    total = _torch_sum([w * x for w, x in zip(_tensors("dot", weights),
                                              _tensors("dot", inputs), strict=True)])
    return total if bias is None else total + _tensors("dot", (bias,))[0]


def _torch_log_sum_exp(values: Sequence[Any]) -> Any:
    torch = require_torch("autograd.log_sum_exp on tensors")
    if not values:
        raise ValueError("log_sum_exp of an empty sequence")
    return torch.logsumexp(torch.stack(_tensors("log_sum_exp", values)), dim=0)


def _torch_softmax(values: Sequence[Any]) -> list[Any]:
    torch = require_torch("autograd.softmax on tensors")
    return list(torch.softmax(torch.stack(_tensors("softmax", values)), dim=0).unbind(0))


#: The torch version of each free function, by the name :mod:`autograd.functions` dispatches
#: (qualified, so a custom op of the same name, which dispatches by its plain name, stays apart).
TORCH_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "autograd.maximum": _torch_maximum,
    "autograd.minimum": _torch_minimum,
    "autograd.sum": _torch_sum,
    "autograd.dot": _torch_dot,
    "autograd.log_sum_exp": _torch_log_sum_exp,
    "autograd.softmax": _torch_softmax,
}


def torch_engine(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run the free function or custom op ``name`` on tensor operands.

    Raises:
        NotImplementedError: ``name`` is a custom op with no torch version in ``torch_ops``.
    """
    implementation = TORCH_FUNCTIONS.get(name) or TORCH_OPS.get().get(name)
    if implementation is None:
        raise NotImplementedError(
            f"the custom op {name!r} was called on torch tensors but has no torch version: "
            f"pass compare_with_torch(..., torch_ops={{{name!r}: <the same function written "
            "with torch operations>}})"
        )
    return implementation(*args, **kwargs)


register_engine("torch.Tensor", torch_engine)
