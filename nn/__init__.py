"""Neural networks built on the engine: modules, layers, losses, optimisers, data and training.

``nn`` has no maths of its own: every number it computes is a :class:`autograd.Value`, so a model's
loss is one graph and ``loss.backward()`` fills every parameter's ``grad``. Only the optimisers
write ``.data``.

The main names:

- :class:`Module` (``parameters()``, ``zero_grad()``, ``state_dict()``, ``save``/``load``) and the
  layers made of it: :class:`Neuron`, :class:`Layer`, :class:`MLP`, :class:`Sequential`,
  :class:`Activation`, :class:`Flatten`, :class:`Conv2d`, :class:`MaxPool2d`, :class:`AvgPool2d`.
- Recurrent networks: :class:`RNN`, :class:`LSTM`, :class:`GRU` (layers over sequences), their
  cells :class:`RNNCell`, :class:`LSTMCell`, :class:`GRUCell`, and :func:`detach` (cuts a state
  from its graph, for truncated backpropagation through time); :class:`SyntheticGradient`
  predicts the gradient of a hidden state.
- Training: :func:`fit` (returns a :class:`History`), :func:`accuracy`, :func:`clip_grad_norm_`
  and :func:`clip_grad_value_`; the modules :mod:`nn.losses`, :mod:`nn.optim` (optimisers and
  learning-rate schedules) and :mod:`nn.data` (small data sets and mini-batches).
- Seeing and sharing a model: :func:`draw_network` (graphviz), :func:`save_network_html` (trains
  and writes a page that replays the steps), :func:`to_torch` and :func:`from_torch` (PyTorch;
  torch is imported only when they are called).
"""

from . import data as data
from . import losses as losses
from . import optim as optim
from .bridge import from_torch as from_torch
from .bridge import to_torch as to_torch
from .clipping import clip_grad_norm_ as clip_grad_norm_
from .clipping import clip_grad_value_ as clip_grad_value_
from .conv import AvgPool2d as AvgPool2d
from .conv import Conv2d as Conv2d
from .conv import MaxPool2d as MaxPool2d
from .layers import MLP as MLP
from .layers import Activation as Activation
from .layers import Flatten as Flatten
from .layers import Layer as Layer
from .layers import Neuron as Neuron
from .layers import Sequential as Sequential
from .module import Module as Module
from .network_page import save_network_html as save_network_html
from .network_view import draw_network as draw_network
from .recurrent import GRU as GRU
from .recurrent import LSTM as LSTM
from .recurrent import RNN as RNN
from .recurrent import GRUCell as GRUCell
from .recurrent import LSTMCell as LSTMCell
from .recurrent import RecurrentCell as RecurrentCell
from .recurrent import RecurrentLayer as RecurrentLayer
from .recurrent import RNNCell as RNNCell
from .recurrent import detach as detach
from .synthetic import SyntheticGradient as SyntheticGradient
from .training import History as History
from .training import accuracy as accuracy
from .training import fit as fit

__all__ = [
    "Activation",
    "AvgPool2d",
    "Conv2d",
    "Flatten",
    "GRU",
    "GRUCell",
    "History",
    "LSTM",
    "LSTMCell",
    "Layer",
    "MLP",
    "MaxPool2d",
    "Module",
    "Neuron",
    "RNN",
    "RNNCell",
    "RecurrentCell",
    "RecurrentLayer",
    "Sequential",
    "SyntheticGradient",
    "accuracy",
    "clip_grad_norm_",
    "clip_grad_value_",
    "data",
    "detach",
    "draw_network",
    "fit",
    "from_torch",
    "losses",
    "optim",
    "save_network_html",
    "to_torch",
]
