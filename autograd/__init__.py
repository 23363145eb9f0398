"""chainrule's engine: scalar reverse-mode automatic differentiation with a visible graph.

>>> from autograd import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + x.sin()
>>> y.backward()
>>> round(x.grad, 6)  # 2x + cos(x) at x = 2
3.583853

The package is built in layers, each importing only the ones below it:

- ``autograd.core``: the engine (the op table, Value, the backward pass). Standard library only;
  its ``__init__`` says in which order to read it.
- ``autograd.transforms``: grad / jacobian / hessian, forward mode, the symbolic view (sympy).
- ``autograd.replay``: the tape and its batched replay (numpy).
- ``autograd.explain``, ``autograd.gradcheck``, ``autograd.testing``: seeing and checking
  derivatives; ``autograd.pages`` (the browser player) and ``autograd.viz`` (Graphviz drawings);
  ``autograd.pytorch``: comparing with PyTorch. ``autograd.tables`` lays out the text and HTML
  tables that explain, gradcheck and the PyTorch comparison print.

``draw_graph`` and ``step_through`` are loaded on first use, so ``import autograd`` never needs
graphviz.
"""

from typing import Any

__version__ = "0.2.0"  # the package version; pyproject.toml reads it from here

from . import core, ops
from .core.backprop import backward, topological_order, zero_grad
from .core.custom import register_op
from .core.functions import (
    detached_max,
    dot,
    dot_rows,
    log_sum_exp,
    maximum,
    minimum,
    softmax,
    sum,
)
from .core.modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .core.ops import OPS, Op
from .core.value import Value
from .explain import explain
from .gradcheck import (
    GradcheckError,
    GradcheckReport,
    GradcheckStatus,
    assert_gradients_match,
    check_graph,
    gradcheck,
)
from .pytorch.compare import ComparisonReport, compare_with_torch
from .replay.tape import CompiledTape, Tape, TapeBranchError, trace
from .transforms.directional import jacfwd, jvp
from .transforms.forward import Dual
from .transforms.functional import grad, hessian, jacobian, value_and_grad
from .transforms.symbolic import symbolic_grad, to_sympy

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
    "draw_graph",
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

#: Names of ``autograd.viz`` offered here too, imported when first used (PEP 562).
_DRAWING = {"draw_graph", "step_through"}


def __getattr__(name: str) -> Any:
    """``autograd.draw_graph`` and ``autograd.step_through``: loaded from autograd.viz on demand."""
    if name in _DRAWING:
        from . import viz

        return getattr(viz, name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")


def _draw(root: Value, **options: Any) -> Any:
    """What ``Value.graph()`` calls: :func:`autograd.viz.draw_graph`, imported on first use."""
    from . import viz

    return viz.draw_graph(root, **options)


core.value.set_drawer(_draw)
