"""Optimisers and learning-rate schedules.

Optimisers are the only code that writes a parameter's ``.data``. Each one follows the algorithm
box of PyTorch's documentation (``torch.optim.<Name>``, read for this module at
https://pytorch.org/docs/stable/optim.html) with the same argument names, order and defaults, so
code and hyperparameters carry over. The update of one parameter is a pure method,
``update(theta, grad, state, step) -> (theta, state)``, that can be read (and tested) like the
formula in the paper; :meth:`Optimizer.step` applies it to every parameter.

Usage, exactly as in PyTorch and micrograd::

    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    for step in range(100):
        loss = ...                    # build the loss from the model's outputs
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

Notation in the docstrings: ``theta`` a parameter, ``g`` its gradient, ``lr`` the learning rate,
``t`` the step number counted from 1, ``lambda`` the weight decay.

Learning-rate schedules (:func:`constant`, :func:`linear_decay`, :func:`step_decay`,
:func:`exponential_decay`, :func:`cosine`) are plain callables ``step -> lr``; apply one with
``optimizer.lr = schedule(k)`` before step ``k`` (counted from 0), or pass it to
``nn.fit(..., schedule=...)``.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from autograd import Value
from autograd.core.numbers import is_count, is_real, require_count

State = dict[str, float]


def _check(name: str, value: float, low: float = 0.0, high: float | None = None,
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


def _describe(parameter: Value, index: int) -> str:
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
                    f"{where}: {_describe(parameter, index)} is listed twice; each parameter "
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
        return _check(name, value, low, high, where=type(self).__name__)

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
                    f"{where}.step: the gradient of {_describe(parameter, index)} is {grad!r}; "
                    "nothing was updated. Look for an overflow in the loss (autograd."
                    "detect_anomaly() names the op)"
                )
            theta, state = self.update(parameter.data, grad, self.state[index], step)
            if not math.isfinite(theta):
                raise ValueError(
                    f"{where}.step: {_describe(parameter, index)} would become {theta!r} "
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


class Adagrad(Optimizer):
    """Adagrad: each parameter's step is divided by the root of its summed squared gradients.

    Duchi, Hazan & Singer (2011), "Adaptive Subgradient Methods for Online Learning and
    Stochastic Optimization", JMLR 12, diagonal form. The update (PyTorch's ``torch.optim.Adagrad``
    algorithm, whose accumulator starts at ``initial_accumulator_value`` = 0)::

        lr_t  <- lr / (1 + (t - 1) * lr_decay)
        g     <- g + lambda * theta                     if weight_decay != 0
        sum   <- sum + g**2
        theta <- theta - lr_t * g / (sqrt(sum) + eps)

    Args:
        params: the Values to optimise.
        lr: the learning rate.
        lr_decay: the learning-rate decay ``lr_decay`` above.
        weight_decay: the L2 penalty coefficient added to the gradient.
        initial_accumulator_value: the starting value of ``sum``.
        eps: added to the denominator (outside the square root, as PyTorch).

    Raises:
        ValueError: a setting is out of range.
    """

    buffers = ("sum",)

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        super().__init__(params, lr)
        self.lr_decay = self.setting("lr_decay", lr_decay)
        self.weight_decay = self.setting("weight_decay", weight_decay)
        self.initial_accumulator_value = self.setting(
            "initial_accumulator_value", initial_accumulator_value
        )
        self.eps = self.setting("eps", eps)

    def update(self, theta: float, grad: float, state: State, step: int) -> tuple[float, State]:
        lr = self.lr / (1.0 + (step - 1) * self.lr_decay)
        g = self.coupled_decay(theta, grad)
        total = state.get("sum", self.initial_accumulator_value) + g * g
        return theta - lr * g / (math.sqrt(total) + self.eps), {"sum": total}


class RMSprop(Optimizer):
    """RMSprop: divide the step by a running root-mean-square of recent gradients.

    Tieleman & Hinton (2012), Coursera "Neural Networks for Machine Learning", lecture 6.5; the
    centred variant is from Graves (2013), "Generating Sequences With Recurrent Neural Networks".
    The update (PyTorch's ``torch.optim.RMSprop`` algorithm; ``eps`` is added *outside* the square
    root, as PyTorch does, where TensorFlow adds it inside)::

        g     <- g + lambda * theta                     if weight_decay != 0
        v     <- alpha * v + (1 - alpha) * g**2         (v starts at 0)
        v~    <- v - g_avg**2, g_avg <- alpha * g_avg + (1 - alpha) * g     if centered
        b     <- momentum * b + g / (sqrt(v~) + eps);  theta <- theta - lr * b   if momentum > 0
        theta <- theta - lr * g / (sqrt(v~) + eps)                               otherwise

    Args:
        params: the Values to optimise.
        lr: the learning rate.
        alpha: the smoothing constant of the running average of squared gradients.
        eps: added to the denominator.
        weight_decay: the L2 penalty coefficient added to the gradient.
        momentum: the momentum factor (0 for none; the buffer starts at 0).
        centered: normalise by an estimate of the gradient's variance instead.

    Raises:
        ValueError: a setting is out of range.
    """

    buffers = ("square_average", "grad_average", "momentum_buffer")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.alpha = self.setting("alpha", alpha)
        self.eps = self.setting("eps", eps)
        self.weight_decay = self.setting("weight_decay", weight_decay)
        self.momentum = self.setting("momentum", momentum)
        self.centered = bool(centered)

    def update(self, theta: float, grad: float, state: State, step: int) -> tuple[float, State]:
        g = self.coupled_decay(theta, grad)
        square_average = self.alpha * state.get("square_average", 0.0) + (1.0 - self.alpha) * g * g
        new_state = {"square_average": square_average}
        variance = square_average
        if self.centered:
            grad_average = self.alpha * state.get("grad_average", 0.0) + (1.0 - self.alpha) * g
            new_state["grad_average"] = grad_average
            variance = square_average - grad_average * grad_average
        scaled = g / (math.sqrt(max(variance, 0.0)) + self.eps)
        if self.momentum > 0.0:
            buffer = self.momentum * state.get("momentum_buffer", 0.0) + scaled
            new_state["momentum_buffer"] = buffer
            return theta - self.lr * buffer, new_state
        return theta - self.lr * scaled, new_state


class Adadelta(Optimizer):
    """Adadelta: steps sized by the ratio of running RMS of past updates to that of gradients.

    Zeiler (2012), "ADADELTA: An Adaptive Learning Rate Method", arXiv:1212.5701, Algorithm 1,
    with PyTorch's extra learning-rate factor ``lr`` (1.0 recovers the paper). The update
    (PyTorch's ``torch.optim.Adadelta`` algorithm; ``v`` and ``u`` start at 0)::

        g     <- g + lambda * theta                     if weight_decay != 0
        v     <- rho * v + (1 - rho) * g**2
        dx    <- sqrt(u + eps) / sqrt(v + eps) * g
        u     <- rho * u + (1 - rho) * dx**2
        theta <- theta - lr * dx

    Args:
        params: the Values to optimise.
        lr: the factor applied to the update.
        rho: the decay of both running averages.
        eps: added inside both square roots (it also sets the size of the first steps).
        weight_decay: the L2 penalty coefficient added to the gradient.

    Raises:
        ValueError: a setting is out of range.
    """

    buffers = ("square_average", "accumulated_delta")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.rho = self.setting("rho", rho, high=1.0)
        self.eps = self.setting("eps", eps)
        self.weight_decay = self.setting("weight_decay", weight_decay)

    def update(self, theta: float, grad: float, state: State, step: int) -> tuple[float, State]:
        g = self.coupled_decay(theta, grad)
        square_average = self.rho * state.get("square_average", 0.0) + (1.0 - self.rho) * g * g
        previous_delta = state.get("accumulated_delta", 0.0)
        delta = math.sqrt(previous_delta + self.eps) / math.sqrt(square_average + self.eps) * g
        accumulated_delta = self.rho * previous_delta + (1.0 - self.rho) * delta * delta
        return theta - self.lr * delta, {
            "square_average": square_average,
            "accumulated_delta": accumulated_delta,
        }


class Adam(Optimizer):
    """Adam: momentum on the gradient and on its square, both bias-corrected.

    Kingma & Ba (2015), "Adam: A Method for Stochastic Optimization", ICLR, Algorithm 1. The
    update (PyTorch's ``torch.optim.Adam`` algorithm; ``m`` and ``v`` start at 0; ``eps`` is
    outside the square root, as in the paper)::

        g     <- g + lambda * theta                     if weight_decay != 0 (coupled L2)
        m     <- beta1 * m + (1 - beta1) * g
        v     <- beta2 * v + (1 - beta2) * g**2
        m^    <- m / (1 - beta1**t);   v^ <- v / (1 - beta2**t)
        theta <- theta - lr * m^ / (sqrt(v^) + eps)

    Args:
        params: the Values to optimise.
        lr: the learning rate.
        betas: ``(beta1, beta2)``, the decays of the two moment estimates, each in [0, 1).
        eps: added to the denominator.
        weight_decay: the L2 penalty coefficient added to the gradient (see :class:`AdamW` for
            the decoupled form).

    Raises:
        ValueError: a setting is out of range.
    """

    buffers = ("exp_average", "exp_average_square")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        where = type(self).__name__
        try:
            beta1, beta2 = betas
        except (TypeError, ValueError):
            raise ValueError(
                f"{where}: betas must be a pair (beta1, beta2), got {betas!r}"
            ) from None
        self.betas = (
            self.setting("betas[0]", beta1, high=1.0 - 1e-16),
            self.setting("betas[1]", beta2, high=1.0 - 1e-16),
        )
        self.eps = self.setting("eps", eps)
        self.weight_decay = self.setting("weight_decay", weight_decay)

    def moment_step(self, theta: float, g: float, state: State, step: int) -> tuple[float, State]:
        """The bias-corrected Adam step on gradient ``g`` (shared by :class:`AdamW`)."""
        beta1, beta2 = self.betas
        m = beta1 * state.get("exp_average", 0.0) + (1.0 - beta1) * g
        v = beta2 * state.get("exp_average_square", 0.0) + (1.0 - beta2) * g * g
        m_hat = m / (1.0 - beta1**step)
        v_hat = v / (1.0 - beta2**step)
        theta = theta - self.lr * m_hat / (math.sqrt(v_hat) + self.eps)
        return theta, {"exp_average": m, "exp_average_square": v}

    def update(self, theta: float, grad: float, state: State, step: int) -> tuple[float, State]:
        g = self.coupled_decay(theta, grad)
        return self.moment_step(theta, g, state, step)


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay, shrinking the weights directly.

    Loshchilov & Hutter (2019), "Decoupled Weight Decay Regularization", ICLR, Algorithm 2. The
    decay does not pass through the moment estimates. The update (PyTorch's ``torch.optim.AdamW``
    algorithm, whose decay is scaled by ``lr``: ``theta <- theta - lr * lambda * theta``)::

        theta <- theta - lr * lambda * theta
        m, v, m^, v^ as in Adam, from the raw gradient g
        theta <- theta - lr * m^ / (sqrt(v^) + eps)

    Args:
        params: the Values to optimise.
        lr: the learning rate.
        betas: ``(beta1, beta2)``.
        eps: added to the denominator.
        weight_decay: the decoupled decay ``lambda`` (PyTorch's default 1e-2).

    Raises:
        ValueError: a setting is out of range.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)

    def update(self, theta: float, grad: float, state: State, step: int) -> tuple[float, State]:
        decayed = theta - self.lr * self.weight_decay * theta
        return self.moment_step(decayed, grad, state, step)


# -------------------------------------------------------------------------------------------
# Learning-rate schedules: plain callables step -> lr, with step counted from 0.
# -------------------------------------------------------------------------------------------


class Schedule:
    """A learning-rate schedule: call it with a step number (from 0) to get that step's rate.

    Made by :func:`constant`, :func:`linear_decay`, :func:`step_decay`,
    :func:`exponential_decay` and :func:`cosine`; its ``repr`` shows how it was made.
    """

    def __init__(self, formula: Callable[[int], float], description: str) -> None:
        self.formula = formula
        self.description = description

    def __call__(self, step: int) -> float:
        """The learning rate for ``step`` (0 for the first step).

        Raises:
            TypeError: ``step`` is not an integer.
            ValueError: ``step`` is negative.
        """
        return float(self.formula(require_count(f"{self.description}: step", step, low=0)))

    def __repr__(self) -> str:
        return self.description


def constant(lr: float) -> Schedule:
    """The same rate ``lr`` at every step."""
    lr = _check("lr", lr, where="constant")
    return Schedule(lambda step: lr, f"constant(lr={lr!r})")


def linear_decay(start: float, end: float, steps: int) -> Schedule:
    """``start + (end - start) * k / steps`` for step ``k < steps``, then ``end``.

    ``linear_decay(1.0, 0.1, 100)`` is micrograd's demo schedule ``1.0 - 0.9 * k / 100``.

    Raises:
        TypeError: ``steps`` is not an integer.
        ValueError: ``steps`` is below 1 or a rate is invalid.
    """
    start = _check("start", start, where="linear_decay")
    end = _check("end", end, where="linear_decay")
    steps = require_count("linear_decay: steps", steps)
    return Schedule(
        lambda step: start + (end - start) * min(step, steps) / steps,
        f"linear_decay(start={start!r}, end={end!r}, steps={steps!r})",
    )


def step_decay(start: float, every: int, factor: float = 0.1) -> Schedule:
    """``start * factor ** (k // every)``: multiply the rate by ``factor`` every ``every`` steps
    (PyTorch's ``StepLR`` with ``step_size=every, gamma=factor``).

    Raises:
        TypeError: ``every`` is not an integer.
        ValueError: ``every`` is below 1 or a number is invalid.
    """
    start = _check("start", start, where="step_decay")
    factor = _check("factor", factor, where="step_decay")
    every = require_count("step_decay: every", every)
    return Schedule(
        lambda step: start * factor ** (step // every),
        f"step_decay(start={start!r}, every={every!r}, factor={factor!r})",
    )


def exponential_decay(start: float, rate: float) -> Schedule:
    """``start * rate ** k`` (PyTorch's ``ExponentialLR`` with ``gamma=rate``).

    Raises:
        ValueError: a number is invalid.
    """
    start = _check("start", start, where="exponential_decay")
    rate = _check("rate", rate, where="exponential_decay")
    return Schedule(
        lambda step: start * rate**step, f"exponential_decay(start={start!r}, rate={rate!r})"
    )


def cosine(start: float, end: float, steps: int) -> Schedule:
    """Cosine annealing ``end + (start - end) * (1 + cos(pi * k / steps)) / 2`` for
    ``k < steps``, then ``end`` (Loshchilov & Hutter 2017, "SGDR", eq. 5, without restarts;
    PyTorch's ``CosineAnnealingLR`` with ``T_max=steps, eta_min=end``).

    Raises:
        TypeError: ``steps`` is not an integer.
        ValueError: ``steps`` is below 1 or a rate is invalid.
    """
    start = _check("start", start, where="cosine")
    end = _check("end", end, where="cosine")
    steps = require_count("cosine: steps", steps)
    return Schedule(
        lambda step: end + (start - end) * (1.0 + math.cos(math.pi * min(step, steps) / steps)) / 2,
        f"cosine(start={start!r}, end={end!r}, steps={steps!r})",
    )
