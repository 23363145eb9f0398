"""chainrule's engine: scalar reverse-mode automatic differentiation with a visible graph.

>>> from autograd import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + x.sin()
>>> y.backward()
>>> round(x.grad, 6)  # 2x + cos(x) at x = 2
3.583853
"""

__version__ = "0.2.0"  # the package version; pyproject.toml reads it from here

from . import ops
from .custom import register_op
from .explain import explain, step_through
from .forward import Dual, jacfwd, jvp
from .functional import grad, hessian, jacobian, value_and_grad
from .functions import (
    detached_max,
    dot,
    dot_rows,
    log_sum_exp,
    maximum,
    minimum,
    softmax,
    sum,
)
from .gradcheck import (
    GradcheckError,
    GradcheckReport,
    GradcheckStatus,
    assert_gradients_match,
    check_graph,
    gradcheck,
)
from .graph import backward, topological_order, zero_grad
from .mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .ops import OPS, Op
from .symbolic import symbolic_grad, to_sympy
from .tape import CompiledTape, Tape, TapeBranchError, trace
from .torch_check import ComparisonReport, compare_with_torch
from .value import Value

__all__ = [
    "GradcheckError",
    "GradcheckReport",
    "GradcheckStatus",
    "OPS",
    "Op",
    "CompiledTape",
    "ComparisonReport",
    "Dual",
    "Tape",
    "TapeBranchError",
    "Value",
    "assert_gradients_match",
    "backward",
    "check_graph",
    "compare_with_torch",
    "detached_max",
    "detect_anomaly",
    "dot",
    "dot_rows",
    "enable_grad",
    "explain",
    "grad",
    "gradcheck",
    "hessian",
    "is_grad_enabled",
    "jacfwd",
    "jacobian",
    "jvp",
    "log_sum_exp",
    "maximum",
    "minimum",
    "no_grad",
    "ops",
    "register_op",
    "softmax",
    "step_through",
    "sum",
    "symbolic_grad",
    "to_sympy",
    "topological_order",
    "trace",
    "value_and_grad",
    "zero_grad",
]
