"""``Value``: a scalar that records the operations applied to it.

A Value holds data, not behaviour: its float ``data``, its ``grad``, its ``parents`` (a tuple in
operand order), the table entry ``op`` that made it (``None`` for a leaf) and a ``label``.
Applying an op (:func:`apply`) runs the op's float forward on the operands' numbers and records
a new Value whose parents are the operands: that is all the forward pass is. ``backward()``
then walks these records (:mod:`autograd.core.textbook` shows how; :mod:`autograd.core.backprop`
does it fast).

Read the class first, then "Recording a node"; the file ends with the speed machinery (one
recording function per op, made from the table, which *are* Value's operators and methods).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from numbers import Real
from operator import mul
from typing import TYPE_CHECKING, Any

from . import backprop
from .engines import engine_of
from .failures import describe_nodes
from .modes import GRAD_ENABLED, TRACING
from .numbers import require_finite, shortened
from .ops import OPS, Op

Number = int | float


class Value:
    """A scalar node of the computational graph.

    Values are graph nodes, so ``==`` and ``hash`` are identity (two Values holding 2.0 are two
    nodes); the ordering comparisons ``< <= > >=`` compare ``data`` and return a bool, so
    Python's ``max(values)`` picks a Value and the gradient flows to it alone. Compare numbers
    with ``a.data == b.data``.

    Args:
        data: the number; ints and bools are converted to float. Must be finite.
        label: a name shown in drawings, tables and error messages.

    Raises:
        TypeError: ``data`` is not a real number (int, float, bool, numpy scalar, Fraction).
        ValueError: ``data`` is infinite or NaN.
        OverflowError: ``data`` is an integer too large for a float (``10**400``).
    """

    __slots__ = ("data", "grad", "parents", "op", "label")

    data: float
    grad: Any  # a float, or a Value after backward(create_graph=True)
    parents: tuple[Value, ...]
    op: Op | None
    label: str

    def __init__(self, data: Number, label: str = "") -> None:
        if type(data) is not float:
            data = _real(data, label)
        if data - data != 0.0:  # true exactly for inf and nan
            raise ValueError(f"Value(data) must be finite, got {data!r} (label {label!r})")
        self.data = data
        self.grad = 0.0
        self.parents = ()
        self.op = None
        self.label = label

    # ---------------------------------------------------------------- presentation
    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self) -> float:
        if TRACING.get():
            raise frozen_number_error("float(value)", self)
        return self.data

    # ---------------------------------------------------------------- arithmetic
    # The operators and methods of the op table's entries are made from the table, one recording
    # function per op, and installed on the class below (:data:`TABLE_METHODS`); they are
    # declared here for readers and type checkers.
    if TYPE_CHECKING:
        def __add__(self, other: Value | Number) -> Value: ...
        def __sub__(self, other: Value | Number) -> Value: ...
        def __mul__(self, other: Value | Number) -> Value: ...
        def __truediv__(self, other: Value | Number) -> Value: ...
        def __radd__(self, other: Number) -> Value: ...
        def __rsub__(self, other: Number) -> Value: ...
        def __rmul__(self, other: Number) -> Value: ...
        def __rtruediv__(self, other: Number) -> Value: ...
        def __neg__(self) -> Value: ...
        def __abs__(self) -> Value: ...
        def exp(self) -> Value: ...
        def log(self) -> Value: ...
        def sqrt(self) -> Value: ...
        def tanh(self) -> Value: ...
        def sigmoid(self) -> Value: ...
        def relu(self) -> Value: ...
        def softplus(self) -> Value: ...
        def sin(self) -> Value: ...
        def cos(self) -> Value: ...

    def __pow__(self, exponent: Value | Number) -> Value:
        """``x ** p``: a constant exponent is a parameter of ``pow``; a Value one uses ``powv``."""
        if isinstance(exponent, Value):
            return binary(OPS["powv"], self, exponent)
        if not isinstance(exponent, Real):
            return NotImplemented
        return unary(OPS["pow"].bind(exponent=_finite_parameter("pow", "exponent", exponent)),
                     self)

    def __rpow__(self, base: Number) -> Value:
        """``c ** x`` for a constant base ``c > 0``."""
        if not isinstance(base, Real):
            return NotImplemented
        return unary(OPS["rpow"].bind(base=_finite_parameter("rpow", "base", base)), self)

    # Comparisons look at data and return bool, so Python's max()/min()/sorted() pick Values
    # and the gradient flows only to the one picked. == stays identity: Values are graph nodes.
    # While autograd.trace runs, each comparison is also logged: the tape replays it as a guard.
    def __lt__(self, other: Value | Number) -> bool:
        result = self.data < _compared_number(other)
        if _comparison_log() is not None:
            _record_comparison("<", self, other, result)
        return result

    def __le__(self, other: Value | Number) -> bool:
        result = self.data <= _compared_number(other)
        if _comparison_log() is not None:
            _record_comparison("<=", self, other, result)
        return result

    def __gt__(self, other: Value | Number) -> bool:
        result = self.data > _compared_number(other)
        if _comparison_log() is not None:
            _record_comparison(">", self, other, result)
        return result

    def __ge__(self, other: Value | Number) -> bool:
        result = self.data >= _compared_number(other)
        if _comparison_log() is not None:
            _record_comparison(">=", self, other, result)
        return result

    __hash__ = object.__hash__

    # ---------------------------------------------------------------- parametrised functions
    def leaky_relu(self, slope: float = 0.01) -> Value:
        """self for self > 0, slope * self otherwise."""
        return unary(OPS["leaky_relu"].bind(slope=_finite_parameter("leaky_relu", "slope", slope)),
                     self)

    # ---------------------------------------------------------------- gradients
    def backward(self, grad: Any = 1.0, create_graph: bool = False) -> None:
        """Compute d(self)/d(node) for every node of this Value's graph.

        Leaves accumulate into ``.grad`` across calls (call ``zero_grad`` between steps);
        interior nodes hold the gradient of the latest call. With ``create_graph=True`` every
        gradient is a Value recorded in a graph of its own, so it can be differentiated again.
        """
        backprop.backward(self, grad, create_graph=create_graph)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on every node of this Value's graph."""
        backprop.zero_grad(self)

    def graph(self, **options: Any) -> Any:
        """Draw this Value's graph: a convenience for ``autograd.draw_graph(self, **options)``.

        Returns a ``graphviz.Digraph`` that renders inline in Jupyter. Needs the ``graphviz``
        package (``pip install 'chainrule[viz]'``, from a checkout ``pip install -e '.[viz]'``);
        the engine itself does not: the drawing layer is handed to the engine by
        ``autograd/__init__.py`` (:func:`set_drawer`), never imported.
        """
        if _drawer is None:
            raise RuntimeError("Value.graph: no drawing layer is registered; import autograd "
                               "(or call autograd.draw_graph(value)) to draw a graph")
        return _drawer(self, **options)

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut from the graph."""
        if TRACING.get():
            raise frozen_number_error("value.detach()", self)
        return Value(self.data, self.label)

    @property
    def is_leaf(self) -> bool:
        """True for a Value made by the user rather than by an op."""
        return self.op is None

    # ---------------------------------------------------------------- micrograd compatibility
    @property
    def _prev(self) -> set[Value]:
        """micrograd's name for the parents (a set there; use ``parents`` for operand order)."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's name for the op symbol ('' for a leaf)."""
        if self.op is None:
            return ""
        return self.op.symbol or self.op.name


#: The function ``Value.graph()`` calls: set by the package (``autograd.viz.draw_graph``, loaded
#: on first use), so the engine draws without importing the drawing layer.
_drawer: Callable[..., Any] | None = None


def set_drawer(draw: Callable[..., Any]) -> None:
    """Make ``Value.graph(**options)`` call ``draw(value, **options)`` (the drawing hook)."""
    global _drawer
    _drawer = draw


def _real(data: Any, label: str) -> float:
    """``Value(data)``'s conversion of anything but a float: ``data`` as a float, or the error.

    An int is tested first by its exact type: the ``Real`` check is an ABC ``isinstance``
    (a Python-level call), and ints are what Python code passes most (``1 + x``, ``-1 * x``,
    micrograd's ``y*2 - 1`` labels).
    """
    if type(data) is not int:
        if isinstance(data, Value):
            raise TypeError(
                "Value(data) needs a number, got a Value; use value.data for its number "
                "or value.detach() for a copy cut from the graph"
            )
        if not isinstance(data, Real):  # int, bool, numpy scalars, Fraction...
            raise TypeError(
                f"Value(data) needs a real number (int, float, bool), got "
                f"{type(data).__name__}: {data!r}"
            )
    try:
        return float(data)
    except OverflowError:
        raise OverflowError(
            f"Value(data): {type(data).__name__} {shortened(data)} is too large for a "
            f"float (the largest is about 1.8e308) (label {label!r})"
        ) from None


def _finite_parameter(op_name: str, name: str, number: Any) -> float:
    """An op's constant parameter (an exponent, a base, a slope) as a finite float."""
    return require_finite(f"{op_name}: the {name}", number)


def frozen_number_error(what: str, node: Value) -> TypeError:
    """The error for a number taken out of the graph while a tape is being traced."""
    name = f" (node {node.label!r})" if node.label else ""
    return TypeError(
        f"trace: {what} of {node.data!r}{name} inside the traced function freezes a number "
        "that depends on the inputs or parameters, so every replay would reuse the traced "
        "number; keep it a Value (use Value ops), or compute it outside the traced function"
    )


def _compared_number(other: Value | Number) -> float:
    """The number a Value is compared with (a Value's data, or a real number)."""
    if isinstance(other, Value):
        return other.data
    if isinstance(other, Real):
        return float(other)
    raise TypeError(f"cannot compare a Value with {type(other).__name__}: {other!r}")


def as_value(operand: Value | Number, op_name: str = "") -> Value:
    """Return ``operand`` as a Value: a number becomes a constant leaf.

    Raises:
        TypeError: the operand is neither a Value nor a number; the message names the op.
    """
    kind = type(operand)
    if kind is float or kind is int:  # the constants of Python code: no isinstance at all
        return Value(operand)  # type: ignore[arg-type]  # a float or an int
    if isinstance(operand, Value):
        return operand
    if isinstance(operand, Real):  # numpy scalars, Fraction: the slow ABC check comes last
        return Value(operand)
    where = f" of {op_name}" if op_name else ""
    raise TypeError(
        f"unsupported operand{where}: {type(operand).__name__} {operand!r}; "
        "operands must be Values or numbers"
    )


# --------------------------------------------------------------------------------------------
# Recording a node: run the op's float forward on the operands' numbers, check the result, and
# make a new Value whose parents are the operands and whose op is the table entry.
# --------------------------------------------------------------------------------------------

_new_object = object.__new__
# The bound method is cached so checking the recording mode costs one call per op, not a
# global lookup plus an attribute lookup plus a call.
_grad_enabled = GRAD_ENABLED.get
_ONLY_VALUES = {Value}

#: While a tape is being traced (:mod:`autograd.replay.tape`) or gradcheck evaluates f, the
#: list that receives every comparison between Values as ``(symbol, left, right, result)``;
#: else ``None``.
COMPARISONS: ContextVar[list[tuple[str, Value, Any, bool]] | None] = ContextVar(
    "chainrule_comparisons", default=None
)
_comparison_log = COMPARISONS.get


def _record_comparison(symbol: str, left: Value, right: Any, result: bool) -> None:
    log = _comparison_log()
    if log is not None:
        log.append((symbol, left, right, result))


def _failed(op: Op, nodes: Any, error: BaseException) -> BaseException:
    """The error of ``op``'s forward, kept as it is, with the op's inputs and nodes noted."""
    shown = ", ".join(repr(node.data) for node in nodes)
    error.add_note(f"forward of {op.title} at input(s) {shown} {describe_nodes(nodes)}")
    return error


def _non_finite(op: Op, nodes: Any, data: float) -> Exception:
    shown = ", ".join(repr(node.data) for node in nodes)
    kind = OverflowError if data == data else ValueError
    return kind(f"{op.title} of {shown} gives {data!r} {describe_nodes(nodes)}")


def _not_recorded(op: Op, nodes: Any) -> None:
    """Inside ``no_grad()`` while a tape is traced: refuse, the result would be frozen."""
    if TRACING.get():
        raise frozen_number_error(f"{op.title} inside no_grad()", nodes[0])


def checked_forward(op: Op, nodes: Any) -> float:
    """``op``'s float forward on the nodes' data, checked exactly as a new node is checked.

    The recording functions below inline this (it is the hottest path of the engine); the
    tape's replay calls it, so a replay raises where the engine raises.

    Raises:
        The forward's own domain error (with a note naming the op, inputs and nodes);
        OverflowError / ValueError: the result is infinite / NaN.
    """
    try:
        data = op.forward(*[node.data for node in nodes])
    except (ArithmeticError, ValueError) as error:
        raise _failed(op, nodes, error) from None
    if data - data != 0.0:  # inf or nan
        raise _non_finite(op, nodes, data)
    return data


def apply(op: Op, *operands: Value | Number) -> Value:
    """Run ``op`` forward on ``operands`` and record the result as a new node.

    Inside ``no_grad()`` the result is a leaf. A domain error raises the op's own message with
    the labels of the operand nodes; a non-finite result raises ``OverflowError`` (inf) or
    ``ValueError`` (NaN) naming the op and its inputs.
    """
    # The set of operand types is built in C; only when it is not exactly {Value} (a number or
    # a subclass among the operands) is each operand converted one by one in Python.
    nodes = _as_nodes(op, operands)
    return _record(op, nodes, checked_forward(op, nodes))


def _as_nodes(op: Op, operands: Sequence[Value | Number]) -> tuple[Value, ...]:
    """``operands`` as a tuple of Values, numbers made constant leaves (one C-level type scan)."""
    if {*map(type, operands)} == _ONLY_VALUES:
        return tuple(operands)  # type: ignore[arg-type]  # every operand is a Value
    return tuple(as_value(operand, op.name) for operand in operands)


def _record(op: Op, nodes: tuple[Value, ...], data: float) -> Value:
    """The new node of ``op`` over ``nodes`` holding ``data`` (a leaf inside ``no_grad()``)."""
    out = _new_object(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if _grad_enabled():
        out.parents = nodes
        out.op = op
    else:
        _not_recorded(op, nodes)
        out.parents = ()
        out.op = None
    return out


# --------------------------------------------------------------------------------------------
# Speed: one recording function per op. Building a node is the engine's hottest path, so each op
# of the table gets its own recording function with the op and its forward bound in, and the
# method of an op (``x.exp()``) *is* that function: a method call runs one Python frame and looks
# nothing up. Each does exactly what :func:`apply` does, inlined; ``apply_shared`` records a
# whole layer's nodes over shared inputs, and ``apply_rows`` a layer whose weight heads are known
# to be Values (nn.Layer caches them), computing each node's number inline.
# (benchmarks/RESULTS.md has what each step saved.)
# --------------------------------------------------------------------------------------------

def unary_recorder(op: Op) -> Callable[[Value], Value]:
    """The function that records ``op`` (one input) on a Value: ``record(x)`` is the new node.

    Each op gets its own function with the op and its forward bound in, and the method of an op
    (``x.exp()``) *is* that function (see :class:`Value`), so recording a node runs one Python
    frame and no table lookup (benchmarks/RESULTS.md, "Why the core looks as it does").
    """
    forward = op.forward

    def record(x: Value) -> Value:
        try:
            data = forward(x.data)
        except (ArithmeticError, ValueError) as error:
            raise _failed(op, (x,), error) from None
        if data - data != 0.0:  # inf or nan
            raise _non_finite(op, (x,), data)
        # Filling the slots of a bare object skips __init__'s checks, which a computed float
        # passes.
        out = _new_object(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        if _grad_enabled():
            out.parents = (x,)
            out.op = op
        else:
            _not_recorded(op, (x,))
            out.parents = ()
            out.op = None
        return out

    record.__name__ = record.__qualname__ = op.name
    return record


def binary_recorder(op: Op) -> Callable[[Value | Number, Value | Number], Value]:
    """The function that records ``op`` (two inputs): ``record(a, b)``, numbers made constant
    leaves. The operators ``+ - * /`` of :class:`Value` are these functions (one frame a node)."""
    forward = op.forward
    name = op.name

    def record(a: Value | Number, b: Value | Number) -> Value:
        try:
            if a.__class__ is not Value:  # (cheaper than type(a) here)
                a = (constant(a) if a.__class__ is float  # type: ignore[arg-type]
                     else as_value(a, name))
            if b.__class__ is not Value:
                b = (constant(b) if b.__class__ is float  # type: ignore[arg-type]
                     else as_value(b, name))
        except TypeError:
            if _foreign(a, b):  # another engine's scalar: let its reflected operator run
                return NotImplemented
            raise
        try:
            data = forward(a.data, b.data)
        except (ArithmeticError, ValueError) as error:
            raise _failed(op, (a, b), error) from None
        if data - data != 0.0:  # inf or nan
            raise _non_finite(op, (a, b), data)
        out = _new_object(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        if _grad_enabled():
            out.parents = (a, b)
            out.op = op
        else:
            _not_recorded(op, (a, b))
            out.parents = ()
            out.op = None
        return out

    record.__name__ = record.__qualname__ = name
    return record


def constant(number: float) -> Value:
    """``Value(number)`` for a float: the constant leaf of ``0.5 * x``, made without ``__init__``.

    A chain such as ``x = 0.0001 + 1.0001 * x`` makes two of these per step; filling the slots
    of a bare object, as the recording functions do, saves the ``__init__`` call (a Python
    frame). A float that is not finite goes to ``Value`` for its error.
    """
    if number - number != 0.0:  # inf or nan
        return Value(number)
    leaf = _new_object(Value)
    leaf.data = number
    leaf.grad = 0.0
    leaf.parents = ()
    leaf.op = None
    leaf.label = ""
    return leaf


def _foreign(*operands: Any) -> bool:
    """True if an operand belongs to an engine registered in :mod:`autograd.core.dispatch` (a Dual
    of forward mode): ``value * dual`` then returns NotImplemented, so Python runs
    ``dual.__rmul__(value)``."""
    return engine_of(operands) is not None


# One recording function per op entry, made when the entry is first recorded (the entries of
# bound ops such as ``pow(exponent=2)`` are cached by the table, so this stays small). Keyed by
# the entry itself: a custom op registered again under its name gets a function of its own.
_UNARY: dict[Op, Callable[[Value], Value]] = {}
_BINARY: dict[Op, Callable[[Value | Number, Value | Number], Value]] = {}


def unary(op: Op, x: Value) -> Value:
    """``apply(op, x)`` for an operand known to be a Value (through ``op``'s recorder)."""
    record = _UNARY.get(op)
    if record is None:
        record = _UNARY[op] = unary_recorder(op)
    return record(x)


def binary(op: Op, a: Value | Number, b: Value | Number) -> Value:
    """``apply(op, a, b)``, numbers made constant leaves (through ``op``'s recorder)."""
    record = _BINARY.get(op)
    if record is None:
        record = _BINARY[op] = binary_recorder(op)
    return record(a, b)


def apply_shared(op: Op, heads: Iterable[Sequence[Value | Number]],
                 shared: Sequence[Value | Number]) -> list[Value]:
    """``[apply(op, *head, *shared) for head in heads]``, with ``shared`` converted and read once.

    A fully connected layer is this with ``affine``: each head is a neuron's weights and bias,
    ``shared`` the layer's inputs. Calling :func:`apply` once per neuron would check the types of
    the inputs and read their numbers once per neuron; here that is done once per layer, and a
    head's types are checked while its numbers are read.

    Raises:
        What :func:`apply` raises, for the first head whose node fails.
    """
    tail = _as_nodes(op, shared)
    tail_data = [node.data for node in tail]
    forward = op.forward
    outputs = []
    for head in heads:
        # Reading .data only from exact Values checks the head's types in the same pass; a
        # head holding anything else (a number, a subclass) takes the general conversion.
        numbers = [node.data for node in head  # type: ignore[union-attr]
                   if node.__class__ is Value]
        nodes: tuple[Value, ...]
        if len(numbers) == len(head):
            # Concatenating tuples is one allocation; (*head, *tail) builds a list first.
            nodes = tuple(head) + tail  # type: ignore[assignment]  # all Values
        else:
            nodes = _as_nodes(op, head) + tail
            numbers = [node.data for node in nodes[:len(head)]]
        numbers += tail_data
        try:
            data = forward(*numbers)
        except (ArithmeticError, ValueError) as error:
            raise _failed(op, nodes, error) from None
        if data - data != 0.0:  # inf or nan
            raise _non_finite(op, nodes, data)
        outputs.append(_record(op, nodes, data))
    return outputs


def apply_rows(op: Op, heads: Sequence[tuple[Value, ...]],
               shared: Sequence[Value | Number]) -> list[Value]:
    """:func:`apply_shared` for heads the caller knows to hold exact Values: a layer's nodes.

    ``nn.Layer`` keeps each neuron's weights and bias as one tuple per neuron (its weight heads,
    checked once and cached until a weight is replaced), so nothing of a head is converted or
    type-checked here: each node reads its head's numbers, computes its number exactly as the
    table's forward does (for the engine's own ``affine`` and ``dot``, inline, with the same
    products added in the same order from the same start) and is recorded in the same loop.
    Any other op, or a table entry registered again under those names, goes through
    :func:`apply_shared`.

    Raises:
        TypeError: a shared operand is neither a Value nor a number.
        OverflowError / ValueError: a node's number is infinite / NaN (naming the op and inputs).
    """
    if op is not _AFFINE and op is not _DOT:
        return apply_shared(op, heads, shared)
    tail = _as_nodes(op, shared)
    tail_data = [node.data for node in tail]
    recording = _grad_enabled()
    if not recording and heads:
        _not_recorded(op, heads[0] + tail)
    bias = op is _AFFINE
    outputs: list[Value] = []
    append = outputs.append
    for head in heads:
        numbers = [node.data for node in head]
        # _affine and _dot: sum(map(mul, weights, inputs), start), start the bias or 0.0
        data = sum(map(mul, numbers, tail_data), numbers[-1] if bias else 0.0)
        if data - data != 0.0:  # inf or nan
            raise _non_finite(op, head + tail, data)
        out = _new_object(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        if recording:
            out.parents = head + tail
            out.op = op
        else:
            out.parents = ()
            out.op = None
        append(out)
    return outputs


_AFFINE = OPS["affine"]  # the engine's own entries, which apply_rows computes inline
_DOT = OPS["dot"]


#: The methods made from the table: method name, op name, docstring (``""`` for an operator).
#: The reflected operators (``1 + x``) call the recorder with the operands swapped.
TABLE_METHODS = [
    ("__add__", "add", ""), ("__sub__", "sub", ""), ("__mul__", "mul", ""),
    ("__truediv__", "truediv", ""),
    ("__neg__", "neg", "-self."), ("__abs__", "abs", "abs(self), with abs'(0) = 0."),
    ("exp", "exp", "e ** self."),
    ("log", "log", "Natural logarithm; raises ValueError for data <= 0."),
    ("sqrt", "sqrt", "Square root; raises ValueError for data < 0."),
    ("tanh", "tanh", "Hyperbolic tangent."),
    ("sigmoid", "sigmoid", "Logistic function 1 / (1 + e**-x), stable for any magnitude."),
    ("relu", "relu", "max(self, 0), with relu'(0) = 0."),
    ("softplus", "softplus", "log(1 + e**self), stable for any magnitude."),
    ("sin", "sin", "Sine."),
    ("cos", "cos", "Cosine."),
]
REFLECTED = [("__radd__", "add"), ("__rsub__", "sub"), ("__rmul__", "mul"),
             ("__rtruediv__", "truediv")]


def _reflected(record: Callable[[Value | Number, Value | Number], Value], name: str
               ) -> Callable[[Value, Number], Value]:
    """``other <op> self`` for a number on the left (``1 + x``, ``2 * x``)."""

    def method(self: Value, other: Number) -> Value:
        return record(other, self)

    method.__name__ = method.__qualname__ = f"reflected {name}"
    return method


def _install_table_methods() -> None:
    """Make each method of :data:`TABLE_METHODS` its op's recording function (one frame a node)."""
    for method, name, doc in TABLE_METHODS:
        op = OPS[name]
        record: Any
        if op.arity == 1:
            record = _UNARY[op] = unary_recorder(op)
        else:
            record = _BINARY[op] = binary_recorder(op)
        if doc:
            record.__doc__ = doc
        setattr(Value, method, record)
    for method, name in REFLECTED:
        setattr(Value, method, _reflected(_BINARY[OPS[name]], name))


_install_table_methods()
