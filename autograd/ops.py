"""The op table, at the path users import (``from autograd.ops import OPS, register, cos``).

The table lives in :mod:`autograd.core.ops`, inside the engine's own layer; this module re-exports
its public names one by one, so files can move inside the package while users' imports stay.
"""

from autograd.core.ops import OPS as OPS
from autograd.core.ops import POSITIVE as POSITIVE
from autograd.core.ops import REALS as REALS
from autograd.core.ops import Interval as Interval
from autograd.core.ops import Op as Op
from autograd.core.ops import cos as cos
from autograd.core.ops import exp as exp
from autograd.core.ops import log as log
from autograd.core.ops import register as register
from autograd.core.ops import sigmoid as sigmoid
from autograd.core.ops import sin as sin
from autograd.core.ops import unregister as unregister

__all__ = ["OPS", "POSITIVE", "REALS", "Interval", "Op", "cos", "exp", "log", "register",
           "sigmoid", "sin", "unregister"]
