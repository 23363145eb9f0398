"""The adaptive optimisers: Adagrad, RMSprop, Adadelta, Adam and AdamW.

Each scales a parameter's step by statistics of its own past gradients; each is an
:class:`~nn.optim.optimizer.Optimizer` whose ``update`` follows the algorithm box of PyTorch's
documentation. See :mod:`nn.optim` for the notation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd import Value

from .optimizer import Optimizer, State


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
