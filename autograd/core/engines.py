"""Other engines' scalars: a registry of engines by the type of operand they serve.

Forward mode's ``Dual`` (:mod:`autograd.transforms.forward`) and PyTorch's tensors
(:mod:`autograd.pytorch.dispatch`) register an *engine* here: a function that computes an op of the
table on operands of its type. The core never names them: :mod:`autograd.core.dispatch` hands an
op to the engine of its operands, and a Value's operator returns ``NotImplemented`` for such an
operand so that the other type's reflected operator runs. Engines are registered by the dotted
name of the type they serve (``"torch.Tensor"``), so registering one never imports its library.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .ops import Op

#: ``engine(op, operands) -> result``: computes the table entry ``op`` (its name, its bound
#: ``params``) on operands of the engine's type.
Engine = Callable[[Op, tuple[Any, ...]], Any]

#: The registered engines, by the dotted name of the operand type they serve.
ENGINES: dict[str, Engine] = {}


def register_engine(type_name: str, engine: Engine) -> None:
    """Let operands whose type (or a base class) is called ``type_name`` run through ``engine``.

    Args:
        type_name: ``module.QualifiedName`` of the operand type, e.g. ``"torch.Tensor"``.
        engine: ``engine(op, operands)`` computing the op on such operands.
    """
    ENGINES[type_name] = engine


def engine_of(operands: Iterable[Any]) -> Engine | None:
    """The engine of the first operand whose type (or a base class) has one, or ``None``."""
    for operand in operands:
        for base in type(operand).__mro__:
            engine = ENGINES.get(f"{base.__module__}.{base.__qualname__}")
            if engine is not None:
                return engine
    return None
