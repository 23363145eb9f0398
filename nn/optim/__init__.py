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

The base class and :class:`SGD` are in :mod:`nn.optim.optimizer`, the adaptive optimisers in
:mod:`nn.optim.adaptive`, the schedules in :mod:`nn.optim.schedules`; import them from here.

Learning-rate schedules (:func:`constant`, :func:`linear_decay`, :func:`step_decay`,
:func:`exponential_decay`, :func:`cosine`) are plain callables ``step -> lr``; apply one with
``optimizer.lr = schedule(k)`` before step ``k`` (counted from 0), or pass it to
``nn.fit(..., schedule=...)``.
"""

from .adaptive import Adadelta as Adadelta
from .adaptive import Adagrad as Adagrad
from .adaptive import Adam as Adam
from .adaptive import AdamW as AdamW
from .adaptive import RMSprop as RMSprop
from .optimizer import SGD as SGD
from .optimizer import Optimizer as Optimizer
from .optimizer import State as State
from .schedules import Schedule as Schedule
from .schedules import constant as constant
from .schedules import cosine as cosine
from .schedules import exponential_decay as exponential_decay
from .schedules import linear_decay as linear_decay
from .schedules import step_decay as step_decay

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "Schedule",
           "constant", "cosine", "exponential_decay", "linear_decay", "step_decay"]
