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
from autograd.core.numbers import is_count, is_real
from autograd.files import write_atomically

#: The ``format`` field of a model file.
FORMAT = "chainrule.model"
#: The newest model-file version this code reads and the one it writes.
VERSION = 1

ModuleType = TypeVar("ModuleType", bound="type[Module]")
Result = TypeVar("Result")

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
        """Every parameter as a list of Values (micrograd's ``model.parameters()``).

        The order and the single listing of a shared Value are those of
        :meth:`named_parameters`, but no name is built: micrograd's training loop calls this
        three times a step, and for ``MLP(2, [16, 16, 1])`` it went from 2.4 million
        instructions to 0.8 million (callgrind).
        """
        found: list[Value] = []
        _collect(vars(self), found)
        return list(dict.fromkeys(found))  # a shared ("tied") Value once, where first met

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
        model exactly as it was. A number is what ``Value`` accepts, except ``bool``: an int, a
        float, a ``Fraction``, a numpy scalar, or a numpy array of zero dimensions holding one.

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
            if name in state:
                number = _parameter_number(name, state[name])
                if isinstance(number, str):
                    problems.append(number)
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

    @classmethod
    def parameter_count(cls, config: Mapping[str, Any]) -> int | None:
        """How many parameters ``cls.from_config(config)`` would hold, worked out without
        building it.

        :meth:`load` compares this count with the file's parameters *before* building, so a
        small file cannot make it allocate a huge model. Every saveable class of ``nn`` computes
        it from its config; a registered class of your own that does not override this returns
        ``None``, and :meth:`load` then builds it first (override it when the config sets sizes).

        Raises:
            TypeError, ValueError, KeyError: the config does not describe valid sizes.
        """
        return None

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
            ValueError: a parameter is NaN or infinite (the message names it); nothing is written.
            OSError: the directory is not writable.
        """
        parameters = self.state_dict()
        broken = [name for name, number in parameters.items() if not math.isfinite(number)]
        if broken:
            raise ValueError(
                f"cannot save {type(self).__name__} to {os.fspath(path)}: parameter "
                f"{broken[0]!r} is {parameters[broken[0]]!r}"
                + (f" (and {len(broken) - 1} more are not finite)" if len(broken) > 1 else "")
                + "; a model file holds finite numbers only. Nothing was written: find where "
                "training diverged (autograd.detect_anomaly() names the op)"
            )
        document = {
            "format": FORMAT,
            "version": VERSION,
            "architecture": self.architecture(),
            "parameters": parameters,
        }
        text = json.dumps(document, indent=1, allow_nan=False) + "\n"
        write_atomically(path, text.encode("utf-8"))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Self:
        """Build a new model from a file written by :meth:`save`.

        ``Module.load(path)`` returns whatever model the file describes; ``MLP.load(path)`` also
        checks that the file holds an MLP. The number of parameters the architecture implies is
        checked against the file before anything is built, so memory stays proportional to the
        file's size.

        Raises:
            FileNotFoundError: there is no file at ``path``.
            ValueError: the file is not valid JSON (corrupt or truncated, nested too deeply to
                read, holding an integer too long to read, or a key written twice in one
                object), is not a chainrule model, has a future format version, names an unknown
                architecture, or its parameters do not fit that architecture (another count,
                missing, misshaped, not finite, or too large for a float). The message names the
                file.
        """
        where = os.fspath(path)
        document = _read_document(path)
        try:
            _check_parameter_count(document["architecture"], document["parameters"])
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
    return _with_registered(architecture, lambda cls, config: cls.from_config(config))


def _registered(architecture: Any) -> tuple[type[Module], Mapping[str, Any]]:
    """The registered class and the config of an architecture entry.

    Raises:
        ValueError: the entry is not an object, the class is unknown or the config is not an
            object.
    """
    if not isinstance(architecture, Mapping):
        raise ValueError(f"corrupt architecture entry {_shown(architecture)}: expected an object")
    name = architecture.get("class")
    config = architecture.get("config", {})
    cls = REGISTRY.get(name) if isinstance(name, str) else None
    if cls is None:
        known = ", ".join(sorted(REGISTRY))
        raise ValueError(
            f"unknown architecture {_shown(name)}; known classes: {known} (register your own "
            "Module class with nn.module.register)"
        )
    if not isinstance(config, Mapping):
        raise ValueError(
            f"corrupt architecture for {name}: config {_shown(config)} is not an object"
        )
    return cls, config


def parameter_count(architecture: Mapping[str, Any]) -> int | None:
    """The number of parameters :func:`build` would create for ``architecture``, without
    building it (``None`` when a registered class cannot tell; see
    :meth:`Module.parameter_count`).

    Raises:
        ValueError: the class is unknown or its config does not describe valid sizes.
    """
    return _with_registered(architecture, lambda cls, config: cls.parameter_count(config))


def _with_registered(
    architecture: Any, use: Callable[[type[Module], Mapping[str, Any]], Result]
) -> Result:
    """``use(cls, config)`` for the registered class and the config of an architecture entry.

    Raises:
        ValueError: the entry is invalid (see :func:`_registered`), or ``use`` raised a
            TypeError, ValueError or KeyError: the config does not fit the class.
    """
    cls, config = _registered(architecture)
    try:
        return use(cls, config)
    except (TypeError, ValueError, KeyError) as error:
        raise ValueError(
            f"invalid architecture for {cls.__name__} with config {_shown(config)}: {error}"
        ) from None


def _check_parameter_count(architecture: Mapping[str, Any], parameters: Mapping[str, Any]) -> None:
    """Raise before building when the architecture's parameter count is not the file's."""
    expected = parameter_count(architecture)
    if expected is not None and expected != len(parameters):
        raise ValueError(
            f"corrupt model file: its architecture {architecture.get('class')} has {expected:,} "
            f"parameters but the file holds {len(parameters):,}; nothing was built"
        )


class _DuplicateKey(ValueError):
    """A JSON object with a key written twice (json keeps the last one silently)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for :func:`json.loads` that refuses a repeated key."""
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _DuplicateKey(key)
        document[key] = value
    return document


def _parse_json(raw: bytes, where: str) -> Any:
    """The JSON document in ``raw``; every way it can be unreadable is a ValueError naming
    ``where``."""
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_keys)
    except UnicodeDecodeError as error:
        raise ValueError(f"{where}: not a chainrule model file (not UTF-8 text: {error})") from None
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{where}: corrupt or truncated model file, not valid JSON ({error.msg} at line "
            f"{error.lineno} column {error.colno})"
        ) from None
    except _DuplicateKey as error:
        raise ValueError(
            f"{where}: corrupt model file, the key {error.args[0]!r} is written twice in one "
            "object; a model file names each parameter once"
        ) from None
    except ValueError as error:  # e.g. an integer of more than 4,300 digits
        raise ValueError(f"{where}: corrupt model file, unreadable JSON ({error})") from None
    except RecursionError:
        raise ValueError(f"{where}: corrupt model file, JSON nested too deeply to read") from None


def _read_document(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A model file's JSON object, checked for format, version and the two sections."""
    where = os.fspath(path)
    document = _parse_json(Path(path).read_bytes(), where)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(
            f"{where}: not a chainrule model file (expected a JSON object with "
            f'"format": "{FORMAT}")'
        )
    version: Any = document.get("version")
    if not is_count(version, 1):
        raise ValueError(f"{where}: corrupt model file, invalid format version {version!r}")
    if version > VERSION:
        raise ValueError(
            f"{where}: written in model-file format version {version} by a newer chainrule; "
            f"this version reads format {VERSION}. Upgrade chainrule to load it"
        )
    for key in ("architecture", "parameters"):
        if not isinstance(document.get(key), dict):
            raise ValueError(f"{where}: corrupt model file, {key!r} is missing or not an object")
    return document


def _parameter_number(name: str, entry: Any) -> float | str:
    """``entry`` as a finite float, or a sentence saying why it is not one (for ``name``)."""
    if getattr(entry, "shape", None) == () and hasattr(entry, "item"):
        entry = entry.item()  # a numpy array of zero dimensions holding one number
    if not is_real(entry):
        return f"{name!r} should be one number, got {type(entry).__name__} {entry!r}"
    try:
        number = float(entry)
    except OverflowError:  # an int beyond the float range, e.g. 10**400 in the file
        return f"{name!r} is too large for a float (about 10**{int(math.log10(abs(entry)))})"
    if not math.isfinite(number):
        return f"{name!r} is not finite: {entry!r}"
    return number


def _shown(config: Any, limit: int = 200) -> str:
    """``repr(config)`` cut to ``limit`` characters: a config from a file may be huge."""
    text = repr(config)
    return text if len(text) <= limit else text[:limit] + "..."


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


def _collect(attributes: Mapping[str, Any] | list[Any] | tuple[Any, ...],
             found: list[Value]) -> None:
    """Append to ``found`` every Value under ``attributes``, in :func:`_walk`'s order."""
    for item in attributes.values() if isinstance(attributes, Mapping) else attributes:
        if isinstance(item, Value):
            found.append(item)
        elif isinstance(item, Module):
            _collect(vars(item), found)
        elif isinstance(item, list | tuple):
            _collect(item, found)


def _some(names: list[str], shown: int = 5) -> str:
    text = ", ".join(repr(name) for name in names[:shown])
    more = len(names) - shown
    return text + (f" and {more} more" if more > 0 else "")
