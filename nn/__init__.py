# Models and layers (issue 6, model half).
from . import data as data
from . import losses as losses
from . import optim as optim
from .bridge import from_torch as from_torch  # PyTorch interop; torch is imported only inside
from .bridge import to_torch as to_torch
from .clipping import clip_grad_norm_ as clip_grad_norm_  # sequences (issue 12)
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
from .synthetic import SyntheticGradient as SyntheticGradient  # synthetic gradients (issue 13)
from .training import History as History  # training half: fit, accuracy, losses, optim, data
from .training import accuracy as accuracy
from .training import fit as fit
