# Models and layers (issue 6, model half).
from .conv import AvgPool2d, Conv2d, MaxPool2d
from .layers import MLP, Activation, Flatten, Layer, Neuron, Sequential
from .module import Module
