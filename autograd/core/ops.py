"""The op table: every differentiable operation of the engine, one entry each.

An entry holds everything the engine, the checker, the renderer and the tests need to know about
an op: its name, arity, float forward, derivative rule, the input domain it is defined on, its
kinks (points where it is not differentiable), a one-line maths docstring, and its symbolic form
(used by the tests as an exact sympy oracle).

Derivative rules all have one shape, ``rule(grad, out, *inputs, **params) -> tuple``: ``grad`` is
the upstream gradient d(root)/d(out), ``out`` is the op's output and ``inputs`` its operands; the
rule returns one gradient contribution per input (``None`` or ``0.0`` for none). The same rule
text runs on floats (the fast path of ``backward()``) and on ``Value`` objects (the recorded path
of ``backward(create_graph=True)``, which is what makes second derivatives work): rules only use
arithmetic operators, comparisons and the small dual functions below, which dispatch on the type
of their argument.

Parameters that are not differentiated (the slope of leaky_relu, a constant exponent) are
keyword-only arguments of ``forward`` and ``rule``; :meth:`Op.bind` makes a specialised entry
with them filled in, shared by every node that uses the same parameters.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from operator import add, mul, neg, sub
from typing import Any

from . import arrays, forwards

# --------------------------------------------------------------------------------------------
# Dual functions: math on floats, recorded ops on Values. Only the rules use them.
# A float is dispatched to ``math``; anything else (a Value) to its own method of the same name.
# --------------------------------------------------------------------------------------------


def exp(x: Any) -> Any:
    """e**x on a float or a Value."""
    return math.exp(x) if type(x) is float else x.exp()


def log(x: Any) -> Any:
    """Natural log on a float or a Value."""
    return math.log(x) if type(x) is float else x.log()


def sin(x: Any) -> Any:
    """sin on a float or a Value."""
    return math.sin(x) if type(x) is float else x.sin()


def cos(x: Any) -> Any:
    """cos on a float or a Value."""
    return math.cos(x) if type(x) is float else x.cos()


def sigmoid(x: Any) -> Any:
    """The logistic function on a float or a Value."""
    return forwards.sigmoid(x) if type(x) is float else x.sigmoid()


# dot and affine carry a neuron's work, so they multiply with ``map(mul, ...)`` (the loop runs
# in C, not in a generator) and add with ``sum`` rather than ``math.fsum``: together that halves
# their cost; the rounding is that of the plain left-to-right sum a hand-written neuron uses.


def _dot(*operands: float) -> float:
    half = len(operands) // 2
    if len(operands) != 2 * half:
        raise ValueError(f"dot needs as many weights as inputs, got {len(operands)} operands")
    # map stops at the shorter input: operands[:half] need not be copied out.
    return sum(map(mul, operands, operands[half:]), 0.0)


def _affine(*operands: float) -> float:
    # operands = (w1..wn, b, x1..xn): a neuron's pre-activation as one node.
    n = len(operands) // 2
    if len(operands) != 2 * n + 1:
        raise ValueError(f"affine needs (w1..wn, b, x1..xn), got {len(operands)} operands")
    # map stops at the shorter input: the weights need not be copied out of operands.
    return sum(map(mul, operands, operands[n + 1:]), operands[n])


def _no_gradient(grad: Any, out: Any, *xs: Any) -> tuple[None, ...]:
    """The rule of an op that stops the gradient: nothing flows to any input."""
    return (None,) * len(xs)


_STOP_GRADIENT: dict[int, Any] = {}


def _stop_gradient(sp: Any) -> Any:
    """sympy's ``stop_gradient(e)``: the value of ``e``, with derivative 0 (one class per sympy).

    sympy has no such function: this is a function class whose ``fdiff`` is 0, so ``diff`` treats
    it as a constant while ``subs``, ``evalf`` and ``lambdify`` give the value of its argument.
    """
    made = _STOP_GRADIENT.get(id(sp))
    if made is None:
        def evaluate(cls: Any, argument: Any) -> Any:
            return argument if argument.is_Number else None

        made = type("stop_gradient", (sp.Function,), {
            "nargs": 1,
            "eval": classmethod(evaluate),
            "fdiff": lambda self, argindex=1: sp.S.Zero,
            "_eval_evalf": lambda self, prec: self.args[0]._eval_evalf(prec),
            "_imp_": staticmethod(lambda argument: argument),
        })
        _STOP_GRADIENT[id(sp)] = made
    return made


# --------------------------------------------------------------------------------------------
# Derivative rules: rule(grad, out, *inputs, **params) -> one contribution per input.
# --------------------------------------------------------------------------------------------


def _dot_rule(grad: Any, out: Any, *operands: Any) -> tuple[Any, ...]:
    half = len(operands) // 2
    weights, inputs = operands[:half], operands[half:]
    return (*[grad * x for x in inputs], *[grad * w for w in weights])


def _affine_rule(grad: Any, out: Any, *operands: Any) -> tuple[Any, ...]:
    n = len(operands) // 2
    weights, inputs = operands[:n], operands[n + 1:]
    return (*[grad * x for x in inputs], grad, *[grad * w for w in weights])


def _pow_rule(grad: Any, out: Any, x: Any, *, exponent: float) -> tuple[Any, ...]:
    if exponent == 0.0:  # x**0 = 1 is constant, even at x = 0 where x**-1 is undefined
        return (None,)
    return (grad * exponent * x ** (exponent - 1.0),)


def _sqrt_rule(grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
    if out <= 0.0:  # a comparison, so it works on a float and on a Value
        raise ZeroDivisionError(
            "the derivative of sqrt, 1 / (2 sqrt(x)), is infinite at x = 0; "
            "keep the input positive (for example sqrt(x + 1e-12))"
        )
    return (grad * 0.5 / out,)


def _abs_rule(grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
    if x > 0.0:
        return (grad,)
    return (-grad,) if x < 0.0 else (0.0,)


# --------------------------------------------------------------------------------------------
# The entry type.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """An open interval ``(low, high)`` of the reals: where an input of an op is defined."""

    low: float = -math.inf
    high: float = math.inf

    def __contains__(self, x: float) -> bool:
        return self.low < x < self.high

    def __str__(self) -> str:
        return f"({self.low:g}, {self.high:g})"


REALS = Interval()
POSITIVE = Interval(0.0, math.inf)


@dataclass(frozen=True, eq=False)
class Op:
    """One entry of the op table.

    Attributes:
        name: the op's name, as shown in graphs, tables and error messages.
        arity: number of inputs, or ``None`` for n-ary ops (``sum``, ``dot``, ``log_sum_exp``).
        forward: ``forward(*floats, **params) -> float``.
        rule: ``rule(grad, out, *inputs, **params) -> tuple`` (see the module docstring).
        doc: one line of maths, including the choice made at a kink.
        domain: one open interval per input where the op is differentiable (empty: all reals).
        kinks: functions of the inputs whose zeros are the points where the op is not
            differentiable (``relu``: ``x``; ``maximum``: ``a - b``).
        symbolic: ``symbolic(sympy, *symbols, **params)`` builds the op as a sympy expression;
            the tests differentiate it as an exact oracle.
        symbol: a short operator symbol for drawings (``"+"``); defaults to the name.
        examples: parameter sets the tests use for a parametrised op.
        example_arity: how many inputs the tests give an n-ary op.
        params: the bound parameters of a specialised entry (see :meth:`bind`).
        array_forward: ``array_forward(numpy, *arrays, **params) -> array``: the forward on
            numpy arrays, elementwise (n-ary ops reduce over their operands), for the batched
            replay (:mod:`autograd.replay.batched`). Out of the domain it gives NaN (or inf),
            never a silently finite number, so the replay can hand that row to the float
            ``forward``, which raises the engine's own error. ``None``: the op has no array form.
        array_rule: ``array_rule(numpy, grad, out, *arrays, **params) -> tuple``: ``rule`` on
            numpy arrays, with the same choices at kinks (relu'(0) = 0, ties to the first).
            :data:`RULE_ON_ARRAYS` says that ``rule`` itself is that function (it uses only
            arithmetic, so it runs on arrays as it runs on floats and Values): one rule per op
            wherever the maths is the same.
        stops_gradient: the op's derivative is 0 *by definition*, though its value depends on
            its inputs (PyTorch's ``x.max().detach()``, JAX's ``stop_gradient``): its rule
            returns no gradient and its symbolic form wraps the value in a ``stop_gradient``
            whose derivative is 0. Such an op is only correct inside an expression that does
            not change when its output changes: ``detached_max`` is the shift of softmax and
            cross-entropy, which are invariant under a common shift of the logits, so the exact
            derivative through the shift is 0. Central differences of the op alone disagree by
            design, so the checks (the table's tests, :func:`autograd.check_graph`) check that
            its rule is 0 and check it inside a shift-invariant expression instead; random test
            graphs never draw it.
    """

    name: str
    arity: int | None
    forward: Callable[..., float]
    rule: Callable[..., tuple[Any, ...]]
    doc: str
    domain: tuple[Interval, ...] = ()
    kinks: tuple[Callable[..., float], ...] = ()
    symbolic: Callable[..., Any] | None = None
    symbol: str = ""
    examples: tuple[dict[str, float], ...] = ({},)
    example_arity: int = 3
    params: dict[str, float] = field(default_factory=dict)
    array_forward: Callable[..., Any] | None = None
    array_rule: Callable[..., tuple[Any, ...]] | None = None
    stops_gradient: bool = False

    def __post_init__(self) -> None:
        if self.array_rule is RULE_ON_ARRAYS:  # (a bound copy gets the partial of the result)
            object.__setattr__(self, "array_rule", _on_arrays(self.rule))

    def bind(self, **params: float) -> Op:
        """Return this entry specialised to ``params`` (cached: one object per parameter set)."""
        # Keyed by the entry itself, not its name: a custom op registered again under the same
        # name is a new entry, so it never reaches a bound copy of the old one.
        key = (self, *sorted(params.items()))
        bound = _BOUND.get(key)
        if bound is None:
            bound = replace(
                self,
                forward=partial(self.forward, **params),
                rule=partial(self.rule, **params),
                params=dict(params),
                array_forward=_bound_or_none(self.array_forward, params),
                array_rule=_bound_or_none(self.array_rule, params),
            )
            _BOUND[key] = bound
        return bound

    @property
    def base(self) -> Op:
        """The unparametrised table entry this op was bound from."""
        return OPS[self.name]

    @property
    def title(self) -> str:
        """The name with its parameters, e.g. ``leaky_relu(slope=0.01)``."""
        if not self.params:
            return self.name
        args = ", ".join(f"{key}={value:g}" for key, value in self.params.items())
        return f"{self.name}({args})"

    def input_domain(self, index: int) -> Interval:
        """The interval where input ``index`` is differentiable."""
        if not self.domain:
            return REALS
        return self.domain[min(index, len(self.domain) - 1)]

    def __repr__(self) -> str:
        return f"<op {self.title}: {self.doc}>"


_BOUND: dict[tuple[Any, ...], Op] = {}


def RULE_ON_ARRAYS(np: Any, grad: Any, out: Any, *inputs: Any,  # noqa: N802 (a marker)
                   **params: float) -> tuple[Any, ...]:
    """Marks an entry whose float ``rule`` also serves numpy arrays (replaced by it on creation)."""
    raise AssertionError("RULE_ON_ARRAYS is a marker; Op replaces it by the op's own rule")


def _on_arrays(rule: Callable[..., tuple[Any, ...]]) -> Callable[..., tuple[Any, ...]]:
    """``rule`` in the array rule's shape (numpy passed first and not needed)."""

    def array_rule(np: Any, grad: Any, out: Any, *inputs: Any, **params: float) -> tuple[Any, ...]:
        return rule(grad, out, *inputs, **params)

    return array_rule


def _bound_or_none(function: Callable[..., Any] | None,
                   params: dict[str, float]) -> Callable[..., Any] | None:
    """``function`` with ``params`` filled in, or None for an op without that array form."""
    return None if function is None else partial(function, **params)


# --------------------------------------------------------------------------------------------
# The table. One entry per op; Value's operators and methods dispatch through it.
# The arithmetic forwards are the operator module's functions (``add(a, b)`` is ``a + b``):
# called from C they need no Python frame.
# --------------------------------------------------------------------------------------------

OPS: dict[str, Op] = {}


def register(op: Op) -> Op:
    """Add ``op`` to the table (replacing an entry of the same name) and return it."""
    OPS[op.name] = op
    for key in [key for key in _BOUND if key[0].name == op.name]:
        del _BOUND[key]
    return op


def unregister(name: str) -> Op:
    """Remove the entry called ``name`` (and its bound copies) from the table and return it.

    Raises:
        KeyError: no op of that name is registered.
    """
    if name not in OPS:
        raise KeyError(f"unregister: no op named {name!r} in the op table")
    for key in [key for key in _BOUND if key[0].name == name]:
        del _BOUND[key]
    return OPS.pop(name)


for _entry in (
    Op(
        "add", 2, add,
        lambda grad, out, a, b: (grad, grad),
        "a + b;  d/da = 1, d/db = 1",
        symbolic=lambda sp, a, b: a + b, symbol="+",
        array_forward=lambda np, a, b: a + b,
        array_rule=RULE_ON_ARRAYS,
    ),
    Op(
        "sub", 2, sub,
        lambda grad, out, a, b: (grad, -grad),
        "a - b;  d/da = 1, d/db = -1",
        symbolic=lambda sp, a, b: a - b, symbol="-",
        array_forward=lambda np, a, b: a - b,
        array_rule=RULE_ON_ARRAYS,
    ),
    Op(
        "mul", 2, mul,
        lambda grad, out, a, b: (grad * b, grad * a),
        "a * b;  d/da = b, d/db = a",
        symbolic=lambda sp, a, b: a * b, symbol="*",
        array_forward=lambda np, a, b: a * b,
        array_rule=RULE_ON_ARRAYS,
    ),
    Op(
        "truediv", 2, forwards.truediv,
        lambda grad, out, a, b: (grad / b, -grad * out / b),
        "a / b;  d/da = 1/b, d/db = -a/b**2 (= -out/b); undefined at b = 0",
        domain=(REALS, Interval(0.0, math.inf)),
        symbolic=lambda sp, a, b: a / b, symbol="/",
        array_forward=lambda np, a, b: a / b,
        array_rule=RULE_ON_ARRAYS,
    ),
    Op(
        "neg", 1, neg,
        lambda grad, out, x: (-grad,),
        "-x;  d/dx = -1",
        symbolic=lambda sp, x: -x, symbol="neg",
        array_forward=lambda np, x: -x,
        array_rule=RULE_ON_ARRAYS,
    ),
    Op(
        "pow", 1, forwards.pow,
        _pow_rule,
        "x ** p for a constant p;  d/dx = p * x**(p-1) (0 for p = 0); negative x only for "
        "integer p",
        domain=(POSITIVE,),
        symbolic=lambda sp, x, *, exponent: x**exponent, symbol="**",
        examples=({"exponent": 2.0}, {"exponent": 3.0}, {"exponent": -1.5}, {"exponent": 0.5}),
        array_forward=lambda np, x, *, exponent: x**exponent,  # 0**-1 = inf, (-8)**0.5 = nan
        array_rule=RULE_ON_ARRAYS,
    ),
    Op(
        "rpow", 1, forwards.rpow,
        lambda grad, out, x, *, base: (grad * out * math.log(base),),
        "c ** x for a constant c > 0;  d/dx = c**x * log(c)",
        symbolic=lambda sp, x, *, base: sp.Float(base) ** x, symbol="c**x",
        examples=({"base": 2.0}, {"base": 0.5}),
        array_forward=arrays.rpow,
        array_rule=RULE_ON_ARRAYS,
    ),
    Op(
        "powv", 2, forwards.powv,
        lambda grad, out, a, b: (grad * b * a ** (b - 1.0), grad * out * log(a)),
        "a ** b for Values a > 0 and b;  d/da = b * a**(b-1), d/db = a**b * log(a)",
        domain=(POSITIVE, REALS),
        symbolic=lambda sp, a, b: a**b, symbol="**",
        array_forward=lambda np, a, b: np.where(a > 0.0, np.abs(a) ** b, np.nan),
        array_rule=lambda np, grad, out, a, b: (grad * b * a ** (b - 1.0),
                                                grad * out * np.log(a)),
    ),
    Op(
        "exp", 1, forwards.exp,
        lambda grad, out, x: (grad * out,),
        "e**x;  d/dx = e**x (= out)",
        symbolic=lambda sp, x: sp.exp(x),
        array_forward=lambda np, x: np.exp(x),
        array_rule=RULE_ON_ARRAYS,
    ),
    Op(
        "log", 1, forwards.log,
        lambda grad, out, x: (grad / x,),
        "natural log, x > 0;  d/dx = 1/x",
        domain=(POSITIVE,),
        symbolic=lambda sp, x: sp.log(x),
        array_forward=lambda np, x: np.log(x),
        array_rule=RULE_ON_ARRAYS,
    ),
    Op(
        "sqrt", 1, forwards.sqrt,
        _sqrt_rule,
        "square root, x >= 0;  d/dx = 1 / (2 sqrt(x)), infinite at 0",
        domain=(POSITIVE,),
        symbolic=lambda sp, x: sp.sqrt(x),
        array_forward=lambda np, x: np.sqrt(x),
        array_rule=lambda np, grad, out, x: (grad * 0.5 / out,),
    ),
    Op(
        "tanh", 1, math.tanh,
        lambda grad, out, x: (grad * (1.0 - out * out),),
        "tanh(x);  d/dx = 1 - tanh(x)**2",
        symbolic=lambda sp, x: sp.tanh(x),
        array_forward=lambda np, x: np.tanh(x),
        array_rule=RULE_ON_ARRAYS,
    ),
    Op(
        "sigmoid", 1, forwards.sigmoid,
        lambda grad, out, x: (grad * out * (1.0 - out),),
        "1 / (1 + e**-x), computed without overflow;  d/dx = s * (1 - s)",
        symbolic=lambda sp, x: 1 / (1 + sp.exp(-x)),
        array_forward=arrays.sigmoid,
        array_rule=RULE_ON_ARRAYS,
    ),
    Op(
        "relu", 1, forwards.relu,
        lambda grad, out, x: (grad if x > 0.0 else 0.0,),
        "max(x, 0);  d/dx = 1 for x > 0, 0 for x <= 0 (relu'(0) = 0)",
        kinks=(lambda x: x,),
        symbolic=lambda sp, x: sp.Max(x, 0),
        symbol="ReLU",
        array_forward=lambda np, x: np.where(x > 0.0, x, 0.0),
        array_rule=lambda np, grad, out, x: (np.where(x > 0.0, grad, 0.0),),
    ),
    Op(
        "leaky_relu", 1, forwards.leaky_relu,
        lambda grad, out, x, *, slope: (grad if x > 0.0 else grad * slope,),
        "x for x > 0, slope * x otherwise;  d/dx = 1 for x > 0, slope for x <= 0",
        kinks=(lambda x: x,),
        symbolic=lambda sp, x, *, slope: sp.Piecewise((x, x > 0), (slope * x, True)),
        examples=({"slope": 0.01}, {"slope": 0.2}),
        array_forward=lambda np, x, *, slope: np.where(x > 0.0, x, slope * x),
        array_rule=lambda np, grad, out, x, *, slope: (np.where(x > 0.0, grad,
                                                                grad * slope),),
    ),
    Op(
        "softplus", 1, forwards.softplus,
        lambda grad, out, x: (grad * sigmoid(x),),
        "log(1 + e**x), computed without overflow;  d/dx = sigmoid(x)",
        symbolic=lambda sp, x: sp.log(1 + sp.exp(x)),
        array_forward=lambda np, x: np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x))),
        array_rule=lambda np, grad, out, x: (grad * arrays.sigmoid(np, x),),
    ),
    Op(
        "abs", 1, abs,
        _abs_rule,
        "|x|;  d/dx = sign(x), with abs'(0) = 0",
        kinks=(lambda x: x,),
        symbolic=lambda sp, x: sp.Abs(x),
        array_forward=lambda np, x: np.abs(x),
        array_rule=lambda np, grad, out, x: (grad * np.sign(x),),
    ),
    Op(
        "sin", 1, math.sin,
        lambda grad, out, x: (grad * cos(x),),
        "sin(x);  d/dx = cos(x)",
        symbolic=lambda sp, x: sp.sin(x),
        array_forward=lambda np, x: np.sin(x),
        array_rule=lambda np, grad, out, x: (grad * np.cos(x),),
    ),
    Op(
        "cos", 1, math.cos,
        lambda grad, out, x: (-(grad * sin(x)),),
        "cos(x);  d/dx = -sin(x)",
        symbolic=lambda sp, x: sp.cos(x),
        array_forward=lambda np, x: np.cos(x),
        array_rule=lambda np, grad, out, x: (-(grad * np.sin(x)),),
    ),
    Op(
        "maximum", 2, lambda a, b: a if a >= b else b,
        lambda grad, out, a, b: (grad, 0.0) if a >= b else (0.0, grad),
        "max(a, b);  the gradient goes to the larger input, to a at a tie",
        kinks=(lambda a, b: a - b,),
        symbolic=lambda sp, a, b: sp.Max(a, b),
        symbol="max",
        array_forward=lambda np, a, b: np.where(a >= b, a, b),
        array_rule=lambda np, grad, out, a, b: arrays.first_if(np, a >= b, grad),
    ),
    Op(
        "minimum", 2, lambda a, b: a if a <= b else b,
        lambda grad, out, a, b: (grad, 0.0) if a <= b else (0.0, grad),
        "min(a, b);  the gradient goes to the smaller input, to a at a tie",
        kinks=(lambda a, b: a - b,),
        symbolic=lambda sp, a, b: sp.Min(a, b),
        symbol="min",
        array_forward=lambda np, a, b: np.where(a <= b, a, b),
        array_rule=lambda np, grad, out, a, b: arrays.first_if(np, a <= b, grad),
    ),
    Op(
        "sum", None, forwards.sum,
        lambda grad, out, *xs: (grad,) * len(xs),
        "x1 + ... + xn as one node;  d/dxi = 1",
        symbolic=lambda sp, *xs: sp.Add(*xs),
        symbol="Σ",
        array_forward=lambda np, *xs: sum(xs, 0.0),
        array_rule=RULE_ON_ARRAYS,
    ),
    Op(
        "dot", None, _dot,
        _dot_rule,
        "w1*x1 + ... + wn*xn as one node over (w1..wn, x1..xn);  d/dwi = xi, d/dxi = wi",
        symbolic=lambda sp, *xs: sp.Add(*(w * x for w, x in zip(xs[: len(xs) // 2],
                                                                 xs[len(xs) // 2:], strict=True))),
        symbol="dot",
        example_arity=4,
        array_forward=lambda np, *xs: _dot(*xs),
        array_rule=RULE_ON_ARRAYS,
    ),
    Op(
        "affine", None, _affine,
        _affine_rule,
        "b + w1*x1 + ... + wn*xn as one node over (w1..wn, b, x1..xn);  d/dwi = xi, d/db = 1, "
        "d/dxi = wi",
        symbolic=lambda sp, *xs: xs[len(xs) // 2] + sp.Add(*(w * x for w, x in zip(
            xs[: len(xs) // 2], xs[len(xs) // 2 + 1:], strict=True))),
        symbol="affine",
        example_arity=5,
        array_forward=lambda np, *xs: _affine(*xs),
        array_rule=RULE_ON_ARRAYS,
    ),
    Op(
        "log_sum_exp", None, forwards.log_sum_exp,
        lambda grad, out, *xs: tuple(grad * exp(x - out) for x in xs),
        "log(e**x1 + ... + e**xn), shifted by the max;  d/dxi = softmax(x)i = e**(xi - out)",
        symbolic=lambda sp, *xs: sp.log(sp.Add(*(sp.exp(x) for x in xs))),
        symbol="logΣexp",
        array_forward=arrays.log_sum_exp,
        array_rule=lambda np, grad, out, *xs: tuple(grad * np.exp(x - out) for x in xs),
    ),
    Op(
        "detached_max", None, forwards.detached_max,
        _no_gradient,
        "max(x1, ..., xn) as a constant: no gradient flows through it (the shift of softmax "
        "and cross-entropy, which do not change under a common shift)",
        symbolic=lambda sp, *xs: _stop_gradient(sp)(sp.Max(*xs)),
        symbol="max (no grad)",
        array_forward=arrays.detached_max,
        array_rule=RULE_ON_ARRAYS,
        stops_gradient=True,
    ),
):
    register(_entry)
