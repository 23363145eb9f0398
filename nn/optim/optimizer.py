"""The optimiser base class and stochastic gradient descent.

:class:`Optimizer` holds the parameters, the learning rate and each parameter's state, checks the
settings and the gradients, and applies a subclass's pure ``update(theta, grad, state, step)`` to
every parameter; :class:`SGD` is the first such subclass (the adaptive ones are in
:mod:`nn.optim.adaptive`). See :mod:`nn.optim` for the notation.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from autograd import Value
from autograd.core.numbers import is_count, is_real

State = dict[str, float]


def check_setting(name: str, value: float, low: float = 0.0, high: float | None = None,
                  where: str = "") -> float:
    """``value`` as a float when it is a finite real number in ``[low, high]``.

    Raises:
        ValueError: it is not; the message names ``where`` and ``name``.
    """
    try:
        number = float(value) if is_real(value) else math.nan
    except OverflowError:  # an int beyond the float range
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"{where}: {name} must be a finite number, got {value!r}")
    if number < low or (high is not None and number > high):
        bound = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{where}: {name} must be {bound}, got {value!r}")
    return number


def parameter_name(parameter: Value, index: int) -> str:
    """How the messages name a parameter: ``parameter 3 ('w1')``, or ``parameter 3``."""
    return f"parameter {index}" + (f" ({parameter.label!r})" if parameter.label else "")


class Optimizer:
    """The base of every optimiser: holds the parameters, the learning rate and per-parameter state.

    Args:
        params: the Values to optimise, e.g. ``model.parameters()`` (any iterable; it is copied).
        lr: the learning rate, a finite number >= 0. It is a plain attribute: set
            ``optimizer.lr`` to change it between steps (that is how schedules are applied).

    Raises:
        TypeError: an item of ``params`` is not a Value.
        ValueError: ``params`` is empty or holds the same Value twice, or ``lr`` is invalid.
    """

    #: The names of the per-parameter buffers :meth:`update` may write (each subclass declares
    #: its own); :meth:`load_state_dict` refuses any other name.
    buffers: ClassVar[tuple[str, ...]] = ()

    #: The L2 penalty coefficient ``lambda`` of :meth:`coupled_decay` (each optimiser sets it).
    weight_decay = 0.0

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        where = type(self).__name__
        parameters = list(params)
        if not parameters:
            raise ValueError(
                f"{where} got no parameters to optimise; pass model.parameters() (a non-empty "
                "list of Values)"
            )
        seen: set[int] = set()
        for index, parameter in enumerate(parameters):
            if not isinstance(parameter, Value):
                raise TypeError(
                    f"{where}: parameter {index} is a {type(parameter).__name__}, not a Value; "
                    "pass model.parameters()"
                )
            if id(parameter) in seen:
                raise ValueError(
                    f"{where}: {parameter_name(parameter, index)} is listed twice; each parameter "
                    "must appear once or it would be updated twice per step"
                )
            seen.add(id(parameter))
        self.parameters: list[Value] = parameters
        self.lr = self.setting("lr", lr)
        #: Number of completed calls to :meth:`step`.
        self.step_count = 0
        #: One dict of running buffers (floats) per parameter, in the order of ``parameters``.
        self.state: list[State] = [{} for _ in parameters]

    # ---------------------------------------------------------------- the algorithm
    def update(self, theta: float, grad: float, state: State, step: int) -> tuple[float, State]:
        """One parameter's new value and new state from its value, gradient and old state.

        Args:
            theta: the parameter's current value.
            grad: its gradient.
            state: its buffers after the previous step (empty before the first).
            step: the number of this step, counted from 1.

        Returns:
            ``(new_theta, new_state)``; ``state`` itself is not modified.
        """
        raise NotImplementedError(f"{type(self).__name__} does not define update()")

    def coupled_decay(self, theta: float, grad: float) -> float:
        """The gradient with the L2 penalty of ``weight_decay`` added: ``g + lambda * theta``
        (``g`` itself when ``weight_decay`` is 0), the first line of most update rules."""
        return grad + self.weight_decay * theta if self.weight_decay else grad

    def setting(self, name: str, value: float, low: float = 0.0,
                high: float | None = None) -> float:
        """The constructor argument ``name`` as a float, checked to be finite and in
        ``[low, high]``.

        Raises:
            ValueError: it is not; the message names the optimiser class and ``name``.
        """
        return check_setting(name, value, low, high, where=type(self).__name__)

    def hyperparameters(self) -> dict[str, Any]:
        """The optimiser's settings by their PyTorch names (``lr`` included), JSON-ready.

        Read from the constructor's signature: every argument but ``params`` is kept as an
        attribute of the same name, so a subclass needs nothing more (tuples become lists).
        """
        names = [name for name in inspect.signature(type(self).__init__).parameters
                 if name not in ("self", "params")]
        settings = {name: getattr(self, name) for name in names}
        return {name: list(value) if isinstance(value, tuple) else value
                for name, value in settings.items()}

    # ---------------------------------------------------------------- the loop
    def step(self) -> None:
        """Update every parameter from its ``grad`` (a float, or a Value after
        ``backward(create_graph=True)``), all or nothing.

        Every new value is computed before any is written, so a step that fails leaves the
        parameters and the optimiser's state as they were.

        Raises:
            ValueError: a gradient is not finite, or the update would make a parameter infinite
                or NaN (usually a learning rate that is too large); the message names the
                parameter.
        """
        where = type(self).__name__
        step = self.step_count + 1
        results = []
        for index, parameter in enumerate(self.parameters):
            grad = float(parameter.grad)
            if not math.isfinite(grad):
                raise ValueError(
                    f"{where}.step: the gradient of {parameter_name(parameter, index)} is "
                    f"{grad!r}; nothing was updated. Look for an overflow in the loss (autograd."
                    "detect_anomaly() names the op)"
                )
            theta, state = self.update(parameter.data, grad, self.state[index], step)
            if not math.isfinite(theta):
                raise ValueError(
                    f"{where}.step: {parameter_name(parameter, index)} would become {theta!r} "
                    f"(lr={self.lr!r}); nothing was updated. Lower the learning rate"
                )
            results.append((theta, state))
        for index, (theta, state) in enumerate(results):
            self.parameters[index].data = theta
            self.state[index] = state
        self.step_count = step

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 (gradients accumulate across ``backward``)."""
        for parameter in self.parameters:
            parameter.grad = 0.0

    # ---------------------------------------------------------------- state
    def state_dict(self) -> dict[str, Any]:
        """The optimiser as JSON-ready data: its class, settings, step count and buffers.

        Buffers are listed per parameter, by position in ``parameters`` (as PyTorch does), so
        they can be loaded into an optimiser built on another copy of the same model.
        """
        return {
            "optimizer": type(self).__name__,
            "hyperparameters": self.hyperparameters(),
            "step_count": self.step_count,
            "state": [dict(state) for state in self.state],
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore settings, step count and buffers saved by :meth:`state_dict`, all or nothing.

        Raises:
            ValueError: the state is for another optimiser class, another number of parameters,
                or holds non-numeric entries or buffers whose names are not in :attr:`buffers`;
                the optimiser is then unchanged.
        """
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, Mapping):
            raise ValueError(f"{where}: expected a mapping from state_dict(), got {state!r}")
        if state.get("optimizer") != type(self).__name__:
            raise ValueError(
                f"{where}: the state is for {state.get('optimizer')!r}, not "
                f"{type(self).__name__!r}"
            )
        entries = state.get("state")
        if not isinstance(entries, list) or len(entries) != len(self.parameters):
            count = len(entries) if isinstance(entries, list) else "no"
            raise ValueError(
                f"{where}: the state has {count} parameter entries, this optimiser has "
                f"{len(self.parameters)} parameters"
            )
        step_count: Any = state.get("step_count")
        if not is_count(step_count, 0):
            raise ValueError(f"{where}: invalid step_count {step_count!r}")
        settings = state.get("hyperparameters")
        expected = self.hyperparameters()
        if not isinstance(settings, Mapping) or set(settings) != set(expected):
            raise ValueError(
                f"{where}: hyperparameters must have exactly the keys {sorted(expected)}, got "
                f"{settings!r}"
            )
        restored = [self._buffers_from(entry, index, where) for index, entry in enumerate(entries)]
        try:  # the constructor validates the settings; nothing is changed if it refuses them
            checked = type(self)(self.parameters, **settings)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{where}: {error}") from None
        for name in expected:
            setattr(self, name, getattr(checked, name))
        self.state = restored
        self.step_count = step_count

    def _buffers_from(self, entry: Any, index: int, where: str) -> State:
        """Parameter ``index``'s buffers from a saved state, checked: numbers under the names
        of :attr:`buffers`.

        Raises:
            ValueError: an entry is not a mapping of numbers or names an unknown buffer.
        """
        if not isinstance(entry, Mapping) or not all(is_real(n) for n in entry.values()):
            raise ValueError(f"{where}: buffers of parameter {index} are not numbers: {entry!r}")
        unknown = [key for key in entry if key not in self.buffers]
        if unknown:
            raise ValueError(
                f"{where}: parameter {index} has an unknown buffer {unknown[0]!r}; "
                f"{type(self).__name__} keeps only {list(self.buffers)} (an optimiser class "
                "declares the buffers its update writes in its `buffers` attribute)"
            )
        return {str(key): float(number) for key, number in entry.items()}

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={value!r}" for name, value in self.hyperparameters().items())
        return f"{type(self).__name__}({len(self.parameters)} parameters, {settings})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay.

    The update (PyTorch's ``torch.optim.SGD`` algorithm)::

        g <- g + lambda * theta                         if weight_decay != 0
        b <- g                                          at t = 1 (the buffer starts at g)
        b <- momentum * b + (1 - dampening) * g         at t > 1
        g <- g + momentum * b   (nesterov)   or   g <- b   (plain momentum)
        theta <- theta - lr * g

    With ``momentum=0`` this is plain gradient descent ``theta <- theta - lr * g``. Note that
    PyTorch's (and this) momentum form scales the buffer by ``lr`` at use, unlike Sutskever et
    al. (2013, "On the importance of initialization and momentum in deep learning"), whose
    velocity already contains the learning rate; the two agree for a constant ``lr``.

    Args:
        params: the Values to optimise.
        lr: the learning rate (required, as in micrograd's demo: 1.0 decaying to 0.1).
        momentum: the momentum factor ``mu`` (0 for none).
        dampening: how much of the new gradient enters the buffer, ``1 - dampening``.
        weight_decay: the L2 penalty coefficient ``lambda`` added to the gradient.
        nesterov: use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).

    Raises:
        ValueError: a setting is out of range.
    """

    buffers = ("momentum_buffer",)

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = self.setting("momentum", momentum)
        self.dampening = self.setting("dampening", dampening, low=-math.inf)
        self.weight_decay = self.setting("weight_decay", weight_decay)
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0.0 or self.dampening != 0.0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")

    def update(self, theta: float, grad: float, state: State, step: int) -> tuple[float, State]:
        g = self.coupled_decay(theta, grad)
        if not self.momentum:
            return theta - self.lr * g, {}
        buffer = state.get("momentum_buffer")
        buffer = g if buffer is None else self.momentum * buffer + (1.0 - self.dampening) * g
        direction = g + self.momentum * buffer if self.nesterov else buffer
        return theta - self.lr * direction, {"momentum_buffer": buffer}
