"""``Module``: the base of every layer and model, and the model file format.

A Module keeps its parameters as ordinary attributes: a ``Value``, a (nested) list of Values, a
child Module or a list of child Modules. :meth:`Module.named_parameters` walks those attributes in
the order they were set, which gives every parameter a dotted name such as
``layers.0.neurons.3.w.1`` (layer 0, neuron 3, weight 1). After a constructor finishes, each
parameter's ``label`` is set to its name, so drawings and error messages say which weight they mean.

Model files are JSON, never pickle (unpickling runs code from the file)::

    {"format": "chainrule.model", "version": 1,
     "architecture": {"class": "MLP", "config": {...constructor arguments...}},
     "parameters": {"layers.0.neurons.0.w.0": 0.123..., ...}}

Floats are written with ``repr`` precision, so a save/load round trip is bit-exact. A file is
written atomically: to a temporary file in the same directory, flushed to disk, then renamed over
the target, so a crash never leaves a half-written model behind.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Self, TypeVar

from autograd import Value
from autograd.files import write_atomically

#: The ``format`` field of a model file.
FORMAT = "chainrule.model"
#: The newest model-file version this code reads and the one it writes.
VERSION = 1

ModuleType = TypeVar("ModuleType", bound="type[Module]")

#: Classes :meth:`Module.load` may build, by class name. Add your own with :func:`register`.
REGISTRY: dict[str, type[Module]] = {}


def register(cls: ModuleType) -> ModuleType:
    """Class decorator: let :meth:`Module.load` rebuild models of class ``cls`` from a file.

    The class must describe its constructor arguments with :meth:`Module.config` (JSON values only)
    and accept them back as keyword arguments (or override :meth:`Module.from_config`).
    """
    REGISTRY[cls.__name__] = cls
    return cls


def _labelled_after_init(init: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(init)
    def wrapper(self: Module, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.label_parameters()

    return wrapper


class Module:
    """Base class of layers and models: parameters, gradients, state and files.

    Subclasses set their parameters and children as attributes in ``__init__`` and define
    ``__call__``. Every subclass's constructor is wrapped so that, once it returns, each parameter
    is labelled with its dotted name (the outermost constructor runs last, so names are complete).
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _labelled_after_init(cls.__dict__["__init__"])  # type: ignore[method-assign]

    def __call__(self, inputs: Any) -> Any:
        """The module's output for ``inputs``; every subclass defines it.

        Raises:
            NotImplementedError: the subclass did not define ``__call__``.
        """
        raise NotImplementedError(f"{type(self).__name__} does not define __call__(inputs)")

    # ---------------------------------------------------------------- parameters
    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted name, in a stable order (attribute order, then index).

        A Value reachable under two names (a shared, "tied" weight) is listed once, under the
        first name, so an optimiser never updates it twice.

        Returns:
            ``[(name, value), ...]`` such as ``("layers.0.neurons.3.w.1", Value(...))``.
        """
        seen: set[int] = set()
        named = []
        for name, value in _walk(vars(self), ""):
            if id(value) not in seen:
                seen.add(id(value))
                named.append((name, value))
        return named

    def parameters(self) -> list[Value]:
        """Every parameter as a list of Values (micrograd's ``model.parameters()``)."""
        return [value for _, value in self.named_parameters()]

    def label_parameters(self) -> None:
        """Set each parameter's ``label`` to its dotted name (done after every constructor)."""
        for name, value in self.named_parameters():
            value.label = name

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 (gradients accumulate across ``backward`` calls)."""
        for value in self.parameters():
            value.grad = 0.0

    # ---------------------------------------------------------------- state
    def state_dict(self) -> dict[str, float]:
        """The parameters' numbers by name: a plain, JSON-ready ``{name: float}`` copy."""
        return {name: value.data for name, value in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set the parameters from ``{name: number}``, all or nothing.

        Every entry is checked before any parameter is written, so a rejected state leaves the
        model exactly as it was.

        Args:
            state: one finite number per parameter name, as :meth:`state_dict` returns.

        Raises:
            ValueError: names are missing or unexpected, or an entry is not a finite number; the
                message names the entries.
        """
        if not isinstance(state, Mapping):
            raise ValueError(
                f"load_state_dict of {type(self).__name__} needs a mapping of parameter names to "
                f"numbers, got {type(state).__name__}"
            )
        named = self.named_parameters()
        expected = [name for name, _ in named]
        missing = [name for name in expected if name not in state]
        extra = [name for name in state if name not in set(expected)]
        problems = []
        if missing:
            problems.append(f"missing {_some(missing)}")
        if extra:
            problems.append(f"unexpected {_some(extra)}")
        numbers: list[float] = []
        for name in expected:
            if name not in state:
                continue
            entry = state[name]
            if isinstance(entry, bool) or not isinstance(entry, int | float):
                problems.append(
                    f"{name!r} should be one number, got {type(entry).__name__} {entry!r}"
                )
                continue
            try:
                number = float(entry)
            except OverflowError:  # an int beyond the float range, e.g. 10**400 in the file
                problems.append(
                    f"{name!r} is too large for a float (about 10**{int(math.log10(abs(entry)))})"
                )
                continue
            if not math.isfinite(number):
                problems.append(f"{name!r} is not finite: {entry!r}")
            else:
                numbers.append(number)
        if problems:
            raise ValueError(
                f"load_state_dict rejected for {type(self).__name__} ({len(expected)} "
                f"parameters); the model is unchanged: " + "; ".join(problems)
            )
        for (_, value), number in zip(named, numbers, strict=True):
            value.data = number

    # ---------------------------------------------------------------- architecture
    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this module's shape, as JSON values.

        Subclasses that can be saved override this; the base class has none to give.

        Raises:
            NotImplementedError: the class does not describe its architecture.
        """
        raise NotImplementedError(
            f"{type(self).__name__} cannot be saved: define config() returning its constructor "
            "arguments and decorate the class with nn.module.register"
        )

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Module:
        """Build a fresh module from :meth:`config`'s output.

        A class with a ``seed`` argument gets ``seed=0``, so building a model to load weights
        into does not draw from (and disturb) Python's global random generator.
        """
        if "seed" in inspect.signature(cls).parameters and "seed" not in config:
            return cls(**config, seed=0)  # type: ignore[call-arg]
        return cls(**config)

    def architecture(self) -> dict[str, Any]:
        """``{"class": name, "config": {...}}``: what a model file records about the shape."""
        return {"class": type(self).__name__, "config": self.config()}

    # ---------------------------------------------------------------- files
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the architecture and the weights to ``path`` as versioned JSON, atomically.

        The file is written to a temporary file in the same directory, flushed to disk and renamed
        over ``path``; if anything fails, the temporary file is removed and ``path`` is untouched.

        Raises:
            NotImplementedError: the model (or one of its parts) cannot describe its architecture.
            OSError: the directory is not writable.
        """
        document = {
            "format": FORMAT,
            "version": VERSION,
            "architecture": self.architecture(),
            "parameters": self.state_dict(),
        }
        text = json.dumps(document, indent=1, allow_nan=False) + "\n"
        write_atomically(path, text.encode("utf-8"))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Self:
        """Build a new model from a file written by :meth:`save`.

        ``Module.load(path)`` returns whatever model the file describes; ``MLP.load(path)`` also
        checks that the file holds an MLP.

        Raises:
            FileNotFoundError: there is no file at ``path``.
            ValueError: the file is not valid JSON (corrupt or truncated, nested too deeply to
                read, or holding an integer too long to read), is not a chainrule model, has a
                future format version, names an unknown architecture, or its parameters do not
                fit that architecture (missing, misshaped, not finite, or too large for a float).
                The message names the file.
        """
        where = os.fspath(path)
        raw = Path(path).read_bytes()
        try:
            document = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise ValueError(
                f"{where}: not a chainrule model file (not UTF-8 text: {error})"
            ) from None
        except json.JSONDecodeError as error:
            raise ValueError(
                f"{where}: corrupt or truncated model file, not valid JSON ({error.msg} at line "
                f"{error.lineno} column {error.colno})"
            ) from None
        except ValueError as error:  # e.g. an integer of more than 4,300 digits
            raise ValueError(f"{where}: corrupt model file, unreadable JSON ({error})") from None
        except RecursionError:
            raise ValueError(
                f"{where}: corrupt model file, JSON nested too deeply to read"
            ) from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError(
                f"{where}: not a chainrule model file (expected a JSON object with "
                f'"format": "{FORMAT}")'
            )
        version = document.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ValueError(f"{where}: corrupt model file, invalid format version {version!r}")
        if version > VERSION:
            raise ValueError(
                f"{where}: written in model-file format version {version} by a newer chainrule; "
                f"this version reads format {VERSION}. Upgrade chainrule to load it"
            )
        for key in ("architecture", "parameters"):
            if not isinstance(document.get(key), dict):
                raise ValueError(
                    f"{where}: corrupt model file, {key!r} is missing or not an object"
                )
        try:
            model = build(document["architecture"])
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None
        try:
            model.load_state_dict(document["parameters"])
        except ValueError as error:
            raise ValueError(f"{where}: corrupt model file, {error}") from None
        if not isinstance(model, cls):
            raise ValueError(
                f"{where}: holds a {type(model).__name__}, not a {cls.__name__}; "
                "use Module.load to load any model"
            )
        return model  # type: ignore[return-value]  # checked by the isinstance above

    # ---------------------------------------------------------------- presentation
    def extra_repr(self) -> str:
        """The text inside this module's parentheses in ``repr`` (its shape and options)."""
        return ""

    def children(self) -> list[tuple[str, Module]]:
        """The child modules with their attribute names (``"layers.0"``), in order."""
        found = []
        for name, attribute in vars(self).items():
            if isinstance(attribute, Module):
                found.append((name, attribute))
            elif isinstance(attribute, list | tuple):
                found.extend(
                    (f"{name}.{index}", item)
                    for index, item in enumerate(attribute)
                    if isinstance(item, Module)
                )
        return found

    def __repr__(self) -> str:
        head = f"{type(self).__name__}({self.extra_repr()})"
        children = self.children()
        if not children:
            return head
        lines = [head + ":"]
        for name, child in children:
            text = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {text}")
        return "\n".join(lines)


def build(architecture: Mapping[str, Any]) -> Module:
    """Build a fresh module from ``{"class": name, "config": {...}}`` using :data:`REGISTRY`.

    Raises:
        ValueError: the class is unknown or its config does not fit its constructor.
    """
    if not isinstance(architecture, Mapping):
        raise ValueError(f"corrupt architecture entry {architecture!r}: expected an object")
    name = architecture.get("class")
    config = architecture.get("config", {})
    cls = REGISTRY.get(name) if isinstance(name, str) else None
    if cls is None:
        known = ", ".join(sorted(REGISTRY))
        raise ValueError(
            f"unknown architecture {name!r}; known classes: {known} (register your own Module "
            "class with nn.module.register)"
        )
    if not isinstance(config, Mapping):
        raise ValueError(f"corrupt architecture for {name}: config {config!r} is not an object")
    try:
        return cls.from_config(config)
    except (TypeError, ValueError, KeyError) as error:
        raise ValueError(
            f"invalid architecture for {name} with config {config!r}: {error}"
        ) from None


def _walk(attributes: Mapping[str, Any] | list[Any] | tuple[Any, ...], prefix: str,
          ) -> Iterator[tuple[str, Value]]:
    items = attributes.items() if isinstance(attributes, Mapping) else enumerate(attributes)
    for key, item in items:
        name = f"{prefix}{key}"
        if isinstance(item, Value):
            yield name, item
        elif isinstance(item, Module):
            yield from _walk(vars(item), name + ".")
        elif isinstance(item, list | tuple):
            yield from _walk(item, name + ".")


def _some(names: list[str], shown: int = 5) -> str:
    text = ", ".join(repr(name) for name in names[:shown])
    more = len(names) - shown
    return text + (f" and {more} more" if more > 0 else "")
