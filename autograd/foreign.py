"""Foreign operands: the free functions and custom ops, called on another engine's numbers.

``autograd.maximum``, ``minimum``, ``sum``, ``dot``, ``log_sum_exp``, ``softmax`` and the functions
that :func:`autograd.register_op` returns take Values and numbers. So that one function ``f``
written with them can also run on another engine's scalars (what
:func:`autograd.compare_with_torch` does with PyTorch tensors), each of them is wrapped by
:func:`dispatching`: when the Value path refuses an operand with a ``TypeError`` and an operand's
type has a registered *engine* (``autograd.torch_check`` registers ``torch.Tensor``), the call is
handed to that engine's implementation instead.

The lookup happens only after the Value path has failed, so ordinary calls pay one extra Python
call and nothing else; engines are registered by the type's dotted name (``"torch.Tensor"``), so
registering one never imports the other engine.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

#: ``engine(name, args, kwargs) -> result``: runs the free function or custom op ``name``.
Engine = Callable[[str, tuple[Any, ...], dict[str, Any]], Any]

#: The registered engines, by the dotted name of the operand type they serve.
ENGINES: dict[str, Engine] = {}

Function = TypeVar("Function", bound=Callable[..., Any])


def register_engine(type_name: str, engine: Engine) -> None:
    """Let operands whose type (or a base class) is called ``type_name`` run through ``engine``.

    Args:
        type_name: ``module.QualifiedName`` of the operand type, e.g. ``"torch.Tensor"``.
        engine: ``engine(name, args, kwargs)`` computing the function ``name`` on such operands.
    """
    ENGINES[type_name] = engine


def _engine_of_type(kind: type) -> Engine | None:
    for base in kind.__mro__:
        engine = ENGINES.get(f"{base.__module__}.{base.__qualname__}")
        if engine is not None:
            return engine
    return None


def engine_of(arguments: Iterable[Any]) -> Engine | None:
    """The engine of the first foreign operand among ``arguments`` (looking one level into
    lists and tuples, where the n-ary functions take their operands), or ``None``."""
    for argument in arguments:
        items = argument if isinstance(argument, list | tuple) else (argument,)
        for item in items:
            engine = _engine_of_type(type(item))
            if engine is not None:
                return engine
    return None


def dispatching(name: str, *, iterable: bool = False) -> Callable[[Function], Function]:
    """Decorator: hand a call with foreign operands to their engine (see the module docstring).

    Args:
        name: the function's name as the engines know it (``"maximum"``, a custom op's name).
        iterable: the first argument is an iterable of operands; a one-shot iterator (a
            generator expression) is turned into a tuple first, so the engine still sees it.
    """

    def decorate(function: Function) -> Function:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if iterable and args and not isinstance(args[0], Sequence):
                args = (tuple(args[0]), *args[1:])
            try:
                return function(*args, **kwargs)
            except TypeError:
                engine = engine_of((*args, *kwargs.values()))
                if engine is None:
                    raise
            return engine(name, args, kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
