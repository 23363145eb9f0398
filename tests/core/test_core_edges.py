"""The edges of the backward core: one test per reliability finding of issue 11.

Each expected number is worked out by hand in a comment beside its test; where a test compares
two paths of the engine (a replay against ``backward()``), agreement is the behaviour pinned.
"""

from __future__ import annotations

import gc
import math
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lookalikes import Float32Like, Int64Like

import autograd
import autograd.viz.stepping
from autograd import (
    Value,
    check_graph,
    detect_anomaly,
    explain,
    grad,
    no_grad,
    step_through,
    topological_order,
    trace,
)
from autograd.core.backprop import propagate

README = Path(__file__).resolve().parents[2] / "README.md"


def _raised(action: Callable[[], Any]) -> BaseException:
    """The exception ``action`` raises (the test fails if it raises none)."""
    with pytest.raises(Exception) as caught:
        action()
    return caught.value


# ------------------------------------------------------------------------------ threads


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    """Let threads switch every microsecond, so a race in a pass would show."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def test_concurrent_backward_on_graphs_sharing_interior_nodes_sums_the_sequential_passes(
    frequent_thread_switches: None,
) -> None:
    # shared = x + 400 * x*y (a chain of 400 adds); root_c = c * shared + x for c = 1, 2, 3, 4.
    # One pass of root_c gives d/dx = c * (1 + 400 y) + 1 and d/dy = 400 c x. At x = 1.5,
    # y = -0.5: d/dx = 1 - 199 c, d/dy = 600 c. Every partial sum is a multiple of 0.25, so any
    # order of accumulation is exact. 25 passes per root: x.grad = 25 * (4 - 199 * 10) = -49650,
    # y.grad = 25 * 600 * 10 = 150000.
    x, y = Value(1.5, label="x"), Value(-0.5, label="y")
    shared = x
    for _ in range(400):
        shared = shared + x * y
    roots = [c * shared + x for c in (1.0, 2.0, 3.0, 4.0)]

    def passes(root: Value) -> None:
        for _ in range(25):
            root.backward()

    threads = [threading.Thread(target=passes, args=(root,)) for root in roots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (x.grad, y.grad) == (-49650.0, 150000.0)


def test_a_tape_and_its_compiled_copy_replay_in_two_threads_without_mixing_numbers(
    frequent_thread_switches: None,
) -> None:
    # f = x * sin(x) through 50 products by 1; f'(x) = sin(x) + x cos(x). Inside
    # detect_anomaly() the compiled copy replays with the interpreter, on working slots.
    def f(x: Value) -> Value:
        out = x * x.sin()
        for _ in range(50):
            out = out * 1.0
        return out

    tape = trace(f, 1.0)
    compiled = tape.compile()
    results: dict[str, set[tuple[float, ...]]] = {}

    def replay(name: str, run: Callable[[float], tuple[float, ...]], x: float) -> None:
        with detect_anomaly():
            results[name] = {run(x) for _ in range(200)}

    threads = [threading.Thread(target=replay, args=("tape", tape.grad, 0.5)),
               threading.Thread(target=replay, args=("compiled", compiled.grad, 2.0))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {"tape": {(math.sin(0.5) + 0.5 * math.cos(0.5),)},
                       "compiled": {(math.sin(2.0) + 2.0 * math.cos(2.0),)}}


# ------------------------------------------------------------------------------ failures


def _fails_after_reaching_b_and_c() -> tuple[Value, Value, Value, Value]:
    """(sqrt(a - 2) + c) * b at a = 2, b = 3, c = -1. In any order the sweep must first pass
    the product's gradients on (b gets sqrt(0) + c = -1, then c gets 3), and only then run the
    rule of sqrt, which raises at 0."""
    a, b, c = Value(2.0, label="a"), Value(3.0, label="b"), Value(-1.0, label="c")
    return a, b, c, ((a - 2.0).sqrt() + c) * b


@pytest.mark.parametrize("mode", ["floats", "create_graph", "detect_anomaly"])
def test_a_failed_backward_leaves_every_leaf_grad_as_it_was(mode: str) -> None:
    a, b, c, root = _fails_after_reaching_b_and_c()
    a.grad, b.grad, c.grad = 0.5, 0.25, -1.0
    with pytest.raises(ZeroDivisionError):
        if mode == "detect_anomaly":
            with detect_anomaly():
                root.backward()
        else:
            root.backward(create_graph=mode == "create_graph")
    assert (a.grad, b.grad, c.grad) == (0.5, 0.25, -1.0)


def test_a_failed_backward_leaves_no_partial_gradient_in_interior_nodes() -> None:
    # The product and the add got their gradients (1 and 3) before sqrt's rule raised; after
    # the failure no interior node holds a number of the failed pass.
    a, b, c, root = _fails_after_reaching_b_and_c()
    with pytest.raises(ZeroDivisionError):
        root.backward()
    assert all(node.grad == 0.0 for node in topological_order(root))


class CodedError(ValueError):
    """An exception whose constructor takes two arguments, not a message."""

    def __init__(self, code: int, where: str) -> None:
        super().__init__(f"error {code} in {where}")
        self.code = code


def test_an_exception_with_another_constructor_raised_in_a_rule_propagates_as_itself(
    registered: Callable[..., Callable[..., Value]],
) -> None:
    thrown: list[CodedError] = []

    def rule(grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
        thrown.append(CodedError(3, "the rule"))
        raise thrown[-1]

    coded = registered("coded", lambda x: 2.0 * x, rule)
    error = _raised(lambda: coded(Value(1.0, label="x")).backward())
    assert error is thrown[0]
    assert any("backward of coded" in note and "'x'" in note for note in error.__notes__)


def test_a_wrong_number_of_gradients_reads_the_same_on_the_float_and_recorded_paths(
    registered: Callable[..., Callable[..., Value]],
) -> None:
    two = registered("two", lambda x: 2.0 * x, lambda g, o, x: (g * 2.0, g))  # 2 for 1 input
    messages = {str(_raised(lambda flag=flag: two(Value(1.0)).backward(create_graph=flag)))
                for flag in (False, True)}
    assert messages == {"the rule of two returned tuple (2.0, 1.0): its rule must return a "
                        "tuple with one gradient (or None) per input, 1 here"}


def test_check_graph_names_the_node_whose_rule_raises_any_exception(
    registered: Callable[..., Callable[..., Value]],
) -> None:
    def rule(grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
        raise LookupError("no derivative table here")

    lost = registered("lost", lambda x: 2.0 * x, rule)
    out = lost(Value(1.5))
    out.label = "l"
    report = check_graph(out)
    assert report.culprit == "lost (node 'l')"
    assert "LookupError: no derivative table here" in report.verdict()


def test_check_graph_reports_a_wrong_number_of_gradients_with_the_backward_error(
    registered: Callable[..., Callable[..., Value]],
) -> None:
    two = registered("two", lambda x: 2.0 * x, lambda g, o, x: (g * 2.0, g))
    out = two(Value(1.5))
    backward_error = _raised(out.backward)
    assert f"TypeError: {backward_error}" in check_graph(out).verdict()


# ------------------------------------------------------------------------------ explain


def _dead_relu_over_sqrt_at_zero() -> tuple[Value, Value]:
    # relu(sqrt(0) - 1) = relu(-1) = 0 and relu'(-1) = 0: no gradient reaches sqrt, whose rule
    # would raise at 0, so backward() succeeds with x.grad = 0.
    x = Value(0.0, label="x")
    return x, (x.sqrt() - 1.0).relu()


def test_explain_at_sqrt_of_zero_behind_a_dead_relu_gives_a_zero_gradient() -> None:
    x, root = _dead_relu_over_sqrt_at_zero()
    assert explain(root).gradients[x] == 0.0


def test_step_through_at_sqrt_of_zero_behind_a_dead_relu_has_the_seed_and_the_relu_step() -> None:
    x, root = _dead_relu_over_sqrt_at_zero()
    assert len(step_through(root)) == 2  # the seed, then relu passing 0 on; nothing after


@pytest.fixture
def drawings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Replaces step_through's drawer by one that counts its calls (one entry per drawing)."""
    calls: list[int] = []

    def draw(root: Value, **options: Any) -> str:
        calls.append(1)
        return "a drawing"

    monkeypatch.setattr(autograd.viz.stepping, "draw_frame", draw)
    return calls


def _chain(length: int) -> Value:
    node = Value(0.5, label="x")
    for _ in range(length):
        node = node * 1.0
    return node


def test_step_through_of_a_2000_op_chain_draws_nothing_until_a_frame_is_indexed(
    drawings: list[int],
) -> None:
    steps = step_through(_chain(2000))
    assert (len(steps), len(drawings)) == (2001, 0)


def test_indexing_a_frame_twice_draws_it_once(drawings: list[int]) -> None:
    steps = step_through(_chain(2000))
    first, again = steps.frames[1000], steps.frames[1000]
    assert (first, again, len(drawings)) == ("a drawing", "a drawing", 1)


# ------------------------------------------------------------------------------ scale


def test_grad_over_a_300000_element_list_gives_every_element_its_gradient() -> None:
    # d/dx_i of sum_j x_j * x_j is 2 x_i; x_i = i / 1024 keeps 2 x_i exact.
    xs = [i / 1024 for i in range(300_000)]
    assert grad(lambda values: autograd.dot(values, values))(xs) == [2.0 * x for x in xs]


def test_a_compiled_neuron_with_3072_inputs_agrees_with_the_engine() -> None:
    from nn import Neuron

    neuron = Neuron(32 * 32 * 3, activation="tanh", seed=0)
    image = [((37 * i) % 256) / 255 for i in range(32 * 32 * 3)]
    compiled = trace(lambda *pixels: neuron(list(pixels)), *image).compile()
    pixels = [Value(p) for p in image]
    out = neuron(pixels)
    out.backward()
    assert compiled.value_and_grad(*image) == (out.data, tuple(p.grad for p in pixels))


# ------------------------------------------------------------------------------ tapes


@pytest.mark.parametrize("constant", [math.inf, math.nan])
def test_a_compiled_guard_against_a_non_finite_constant_holds_on_replay(constant: float) -> None:
    # x < inf is True and x < nan is False for every finite x; either way the branch taken is
    # 2 * x, whose derivative is 2.
    def f(x: Value) -> Value:
        return 2.0 * x if x < constant or constant != constant else 3.0 * x

    compiled = trace(f, 1.0).compile()
    assert compiled.grad(5.0) == (2.0,)


@pytest.mark.parametrize(("replay", "numbers"), [("forward", (0.5,)), ("grad", (1.0,))])
def test_a_compiled_replay_error_names_the_tape_instruction_as_the_interpreter_does(
    replay: str, numbers: tuple[float, ...],
) -> None:
    # v0 = x, v1 = the constant 1.0, v2 = v0 - v1, v3 = sqrt(v2). At x = 0.5 the forward of
    # sqrt fails (sqrt of -0.5); at x = 1 its rule fails going back (infinite at 0).
    tape = trace(lambda x: (x - 1.0).sqrt(), 3.0)
    interpreted = _raised(lambda: getattr(tape, replay)(*numbers))
    compiled = _raised(lambda: getattr(tape.compile(), replay)(*numbers))
    assert any("tape instruction v3 = sqrt(v2)" in note for note in compiled.__notes__)
    assert (type(compiled), str(compiled), compiled.__notes__) == (
        type(interpreted), str(interpreted), interpreted.__notes__)


def test_a_compiled_replay_whose_rule_fails_raises_instead_of_reusing_older_numbers() -> None:
    # sqrt(x - 1) has the derivative 0.25 at x = 5 and none at x = 1 (sqrt's rule raises at 0).
    tape = trace(lambda x: (x - 1.0).sqrt(), 5.0)
    assert tape.grad(5.0) == (0.25,)
    with pytest.raises(ZeroDivisionError, match="derivative of sqrt"):
        tape.compile().grad(1.0)


@pytest.mark.parametrize("compiled", [False, True], ids=["interpreted", "compiled"])
def test_a_replay_raises_where_the_engine_raises_on_an_intermediate_overflow(
    compiled: bool,
) -> None:
    # exp(400) ** 2 = e**800 > 1.8e308: every op is finite, the product overflows to inf.
    def f(x: Value) -> Value:
        return x.exp() * x.exp()

    engine = _raised(lambda: f(Value(400.0)))
    tape = trace(f, 1.0)
    replay = tape.compile() if compiled else tape
    error = _raised(lambda: replay.forward(400.0))
    assert (type(error), str(error)) == (OverflowError, str(engine))


@pytest.mark.parametrize("freeze", [
    lambda x: x * float(x),
    lambda x: x * x.detach(),
    lambda x: _under_no_grad(x),
], ids=["float(v)", "v.detach()", "an op under no_grad()"])
def test_trace_refuses_a_number_frozen_out_of_the_graph(freeze: Callable[[Value], Value]) -> None:
    with pytest.raises(TypeError, match="trace: .* keep it a Value .* outside the traced"):
        trace(freeze, 2.0)


def _under_no_grad(x: Value) -> Value:
    with no_grad():
        frozen = x * 3.0
    return x * frozen


def test_trace_and_its_replays_accept_numpy_scalars() -> None:
    # d/dx x**2 = 2x: 6 at x = 3, 4 at x = 2; forward at 5 is 25.
    tape = trace(lambda x: x * x, Float32Like(3.0))
    assert tape.grad(Int64Like(2)) == (4.0,)
    assert tape.compile().forward(Float32Like(5.0)) == 25.0


# ------------------------------------------------------------------------------ register_op


@pytest.mark.parametrize("forward", [lambda x: 1, lambda x: complex(x, 1.0), lambda x: None],
                         ids=["int", "complex", "None"])
def test_a_custom_forward_returning_a_non_float_is_a_type_error_naming_the_op(
    registered: Callable[..., Callable[..., Value]], forward: Callable[[float], Any],
) -> None:
    odd = registered("odd", forward, lambda g, o, x: (g,))
    with pytest.raises(TypeError, match="odd: the forward of this custom op must return a real"):
        odd(Value(2.0))


def test_re_registering_a_custom_op_never_runs_the_old_forward_through_the_bind_cache(
    registered: Callable[..., Callable[..., Value]],
) -> None:
    first = registered("scaled", lambda x, *, k: k * x, lambda g, o, x, *, k: (g * k,))
    second = registered("scaled", lambda x, *, k: k * x + 1.0, lambda g, o, x, *, k: (g * k,))
    first(Value(3.0), k=2.0)  # the old handle binds its own entry with k = 2
    assert second(Value(3.0), k=2.0).data == 7.0  # 2 * 3 + 1: the new forward


# ------------------------------------------------------------------------------ named errors


def test_a_value_of_an_integer_too_large_for_a_float_is_an_overflow_error_saying_so() -> None:
    with pytest.raises(OverflowError, match=r"Value\(data\): int 1000.*\(401 digits\) is too "
                                            r"large for a float"):
        Value(10**400)


@pytest.mark.parametrize(("build", "kind", "message"), [
    (lambda: Value(0.5) ** math.inf, ValueError, "pow: the exponent must be finite, got inf"),
    (lambda: math.inf ** Value(-1.0), ValueError, "rpow: the base must be finite, got inf"),
    (lambda: Value(1.0).leaky_relu("a"), TypeError,  # type: ignore[arg-type]
     "leaky_relu: the slope must be a real number, got str 'a'"),
], ids=["x ** inf", "inf ** x", "leaky_relu('a')"])
def test_a_bad_op_parameter_is_a_named_error(build: Callable[[], Value], kind: type,
                                             message: str) -> None:
    with pytest.raises(kind, match=message.replace("(", r"\(")):
        build()


# ------------------------------------------------------------------------------ the slots


def _every_pass() -> list[tuple[str, Callable[[Value], Any]]]:
    def failed(root: Value) -> None:
        with pytest.raises(ZeroDivisionError):
            (root + (root - root.data).sqrt()).backward()

    def anomaly(root: Value) -> None:
        with detect_anomaly():
            root.backward()

    return [
        ("backward", lambda root: root.backward()),
        ("backward(create_graph=True)", lambda root: root.backward(create_graph=True)),
        ("detect_anomaly", anomaly),
        ("failed backward", failed),
        ("propagate", propagate),
        ("explain", explain),
        ("topological_order", topological_order),
        ("trace", lambda root: trace(lambda: root)),
    ]


@pytest.mark.parametrize(("name", "run"), _every_pass(), ids=[name for name, _ in _every_pass()])
def test_no_pass_leaves_anything_but_a_float_or_a_value_in_a_grad(
    name: str, run: Callable[[Value], Any],
) -> None:
    x, y = Value(1.5, label="x"), Value(-2.0, label="y")
    shared = x * y
    root = (shared + x).tanh() * shared + (y * 0.0).relu()  # relu(0) passes nothing on
    run(root)
    kinds = {type(node.grad) for node in topological_order(root, include_leaves=True)}
    assert kinds <= {float, Value}, name


def _pure_passes() -> list[tuple[str, Callable[[Value], Any]]]:
    return [(name, run) for name, run in _every_pass()
            if name in ("propagate", "explain", "topological_order", "trace")] + [
        ("topological_order(include_leaves=True)",
         lambda root: topological_order(root, include_leaves=True)),
    ]


@pytest.mark.parametrize(("name", "run"), _pure_passes(), ids=[name for name, _ in _pure_passes()])
def test_a_pass_that_reads_the_graph_leaves_every_grad_exactly_as_it_was(
    name: str, run: Callable[[Value], Any],
) -> None:
    x, y = Value(1.5, label="x"), Value(-2.0, label="y")
    shared = x * y
    root = (shared + x).tanh() * shared + (y * 0.0).relu()
    nodes = topological_order(root, include_leaves=True)
    for number, node in enumerate(nodes):  # leaves and interior nodes, each a distinct number
        node.grad = 0.25 + number
    run(root)
    assert [(type(node.grad), node.grad) for node in nodes] == [
        (float, 0.25 + number) for number in range(len(nodes))], name


def test_a_leaf_accumulates_the_total_of_the_pass_onto_its_previous_gradient() -> None:
    # PyTorch's accumulation: grad += (c1 + c2), not (grad + c1) + c2. With grad = 1e16 and
    # two contributions of 1.0, adding them one at a time loses both (1e16 + 1 rounds to 1e16),
    # adding their total keeps it: 1e16 + 2 is a float.
    x = Value(3.0)
    x.grad = 1e16
    (x + x).backward()
    assert x.grad == 1e16 + 2.0 and 1e16 + 2.0 != 1e16


def test_a_leaf_no_gradient_reaches_keeps_its_previous_gradient() -> None:
    x, y = Value(-1.0), Value(2.0)
    x.grad, y.grad = 0.5, -0.25
    (x.relu() + y).backward()  # relu'(-1) = 0: nothing reaches x
    assert (type(x.grad), x.grad, y.grad) == (float, 0.5, 0.75)


# ------------------------------------------------------------------------------ memory


class Leaf(Value):
    """A leaf that can be watched with a weak reference (Value itself has no weakref slot)."""

    __slots__ = ("__weakref__",)


@pytest.fixture
def no_cycle_collector() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    yield
    if enabled:
        gc.enable()


def _dropped_leaf(create_graph: bool) -> weakref.ref[Leaf]:
    """A weak reference to the leaf of x * x + x after backward and after every name is gone."""
    x = Leaf(2.0)
    (x * x + x).backward(create_graph=create_graph)
    return weakref.ref(x)


def test_a_graph_is_freed_the_moment_it_is_dropped_without_the_cycle_collector(
    no_cycle_collector: None,
) -> None:
    assert _dropped_leaf(create_graph=False)() is None


def test_create_graph_ties_a_leaf_to_its_gradient_in_a_cycle_the_collector_frees(
    no_cycle_collector: None,
) -> None:
    # x.grad = 2x + 1 is a Value whose graph reads x: x -> x.grad -> ... -> x.
    leaf = _dropped_leaf(create_graph=True)
    assert leaf() is not None
    gc.collect()
    assert leaf() is None


def test_the_readme_says_create_graph_makes_the_reference_cycle_it_makes() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    start = text.index("no reference cycles")
    assert "`backward(create_graph=True)`" in text[start:start + 800]



class _Unreadable(Value):
    """A node whose parents cannot be read: the sort stops half-way through the graph."""

    __slots__ = ()

    @property  # type: ignore[override]
    def parents(self) -> tuple[Value, ...]:
        raise KeyboardInterrupt

    @parents.setter
    def parents(self, value: tuple[Value, ...]) -> None:
        pass  # Value.__init__ sets it


@pytest.mark.parametrize("run", [
    lambda root: root.backward(), lambda root: propagate(root),
    lambda root: topological_order(root),
], ids=["backward", "propagate", "topological_order"])
def test_a_sort_interrupted_half_way_leaves_no_mark_in_any_grad(
    run: Callable[[Value], Any],
) -> None:
    x, y = Value(1.5), Value(-2.0)
    inner = x * y
    stuck = _Unreadable(0.0)
    root = (inner + x) * stuck + inner * y  # the sort opens root, then its operands
    with pytest.raises(KeyboardInterrupt):
        run(root)
    for node in (x, y, inner, root):
        assert type(node.grad) is float, node
    x.grad = y.grad = 0.0
    (inner + x).backward()  # nothing left marked: the next pass sees the whole graph
    assert (x.grad, y.grad) == (-2.0 + 1.0, 1.5)
