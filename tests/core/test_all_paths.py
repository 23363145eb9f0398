"""Every path through the backward core gives the same gradients, or the same error.

One hypothesis property drives random expression DAGs (``autograd.testing.expressions``: shared
sub-expressions, inputs inside every op's domain and away from its kinks) through each way the
engine can differentiate them, and asserts that they all agree:

* on a graph whose rules all hold, the same d(output)/d(input) for every input, exactly (every
  path runs the same rules with the same float arithmetic in the same order);
* on a graph where a rule fails (sqrt at 0 reached by a gradient, a custom rule that raises an
  exception class whose constructor takes no message, a custom rule that returns two gradients
  for one input), the same exception type with the same original message on every path, with
  the context added as a note, and the inputs' ``.grad`` left as they were;
* on a graph where a failing rule is never reached (sqrt at 0 behind a dead relu), success
  everywhere, as ``backward()`` succeeds;
* and gradcheck's localisation (``check_graph``) agrees: it finds no wrong rule where a gradient
  flows, and where the paths fail it names the failing node with the same error.

The textbook pass (``autograd.core.textbook``, the plain version a learner reads first) is one of
the paths: it must equal ``backward()`` bit for bit.

The paths are one table, :data:`PATHS`: a new way to differentiate (the batched replay
``Tape.vmap()``) is one more entry. Run with the ``ci`` profile by ``make test`` and with the
``fuzz`` profile (2,000 examples) by ``make fuzz``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import autograd
from autograd import Value, check_graph, detect_anomaly, explain, step_through, trace
from autograd.core import textbook
from autograd.core.backprop import propagate
from autograd.core.value import apply
from autograd.ops import OPS, unregister
from autograd.testing import Expression, expressions

# ------------------------------------------------------------------------------ the faults

BROKEN = "chainrule_test_broken_rule"
TWO_GRADIENTS = "chainrule_test_two_gradients"


class RuleBrokeError(Exception):
    """Raised by the broken custom rule; its constructor takes a code, not a message, so an
    engine that rebuilt exceptions with ``type(error)(message)`` would crash on it."""

    def __init__(self, code: int) -> None:
        super().__init__(f"the broken rule gave up with code {code}")
        self.code = code


def _broken_rule(grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
    raise RuleBrokeError(7)


@pytest.fixture(scope="module", autouse=True)
def faulty_ops() -> Iterator[None]:
    """The two wrong custom ops, registered for this module only (the op-table walk of
    test_op_table.py must never meet them)."""
    autograd.register_op(BROKEN, lambda x: x + 0.0, _broken_rule)
    autograd.register_op(TWO_GRADIENTS, lambda x: x + 0.0, lambda grad, out, x: (grad, grad))
    yield
    unregister(BROKEN)
    unregister(TWO_GRADIENTS)


def _labelled(node: Value) -> Value:
    node.label = "fault"
    return node


def _sqrt_at_zero(x: Value, at: float) -> Value:
    return _labelled((x - at).sqrt())


def _sqrt_at_zero_behind_dead_relu(x: Value, at: float) -> Value:
    return (_labelled((x - at).sqrt()) - 1.0).relu()  # relu(-1) = 0: no gradient reaches sqrt


def _broken(x: Value, at: float) -> Value:
    return _labelled(apply(OPS[BROKEN], x))


def _two_gradients(x: Value, at: float) -> Value:
    return _labelled(apply(OPS[TWO_GRADIENTS], x))


#: A fault is a node built from one input ``x`` and that input's number ``at``, labelled 'fault'.
FAULTS: dict[str, Callable[[Value, float], Value]] = {
    "sqrt at 0": _sqrt_at_zero,
    "sqrt at 0 behind a dead relu": _sqrt_at_zero_behind_dead_relu,
    "a rule raising an exception with another constructor": _broken,
    "a rule returning two gradients for one input": _two_gradients,
}


@dataclass(frozen=True)
class Problem:
    """A drawn expression at a drawn point, optionally plus a fault node on one input.

    The function differentiated is ``fault + expression`` (or ``expression + fault``): the
    fault node always receives the gradient 1 from the add, except behind the dead relu; the
    operand order decides whether the fault's rule runs before or after the expression's rules
    have reached the inputs.
    """

    expression: Expression
    inputs: list[float]
    fault: str | None
    fault_input: int
    fault_first: bool

    def function(self, *xs: Value) -> Value:
        out = self.expression(*xs)
        total = out if isinstance(out, Value) else autograd.sum(out)
        if self.fault is None:
            return total
        fault = FAULTS[self.fault](xs[self.fault_input], self.inputs[self.fault_input])
        return fault + total if self.fault_first else total + fault


@st.composite
def problems(draw: Any) -> Problem:
    expression, inputs = draw(expressions())
    return Problem(expression, inputs, draw(st.sampled_from([None, *FAULTS])),
                   draw(st.integers(0, len(inputs) - 1)), draw(st.booleans()))


# ------------------------------------------------------------------------------ the paths


def _build(problem: Problem, leaves: list[Value]) -> Value:
    return problem.function(*leaves)


def _as_float(gradient: Any) -> float:
    return gradient.data if isinstance(gradient, Value) else gradient


def _backward(problem: Problem, leaves: list[Value]) -> list[float]:
    _build(problem, leaves).backward()
    return [leaf.grad for leaf in leaves]


def _backward_create_graph(problem: Problem, leaves: list[Value]) -> list[float]:
    _build(problem, leaves).backward(create_graph=True)
    return [_as_float(leaf.grad) for leaf in leaves]


def _backward_anomaly(problem: Problem, leaves: list[Value]) -> list[float]:
    root = _build(problem, leaves)
    with detect_anomaly():
        root.backward()
    return [leaf.grad for leaf in leaves]


def _propagate(problem: Problem, leaves: list[Value]) -> list[float]:
    gradients = propagate(_build(problem, leaves), 1.0)
    return [gradients.get(leaf, 0.0) for leaf in leaves]


def _explain(problem: Problem, leaves: list[Value]) -> list[float]:
    gradients = explain(_build(problem, leaves)).gradients
    return [gradients.get(leaf, 0.0) for leaf in leaves]


def _step_through(problem: Problem, leaves: list[Value]) -> list[float]:
    """The gradients the last frame would draw (the drawer is replaced by one that returns them)."""
    def drawn(root: Value, *, grads: dict[Value, float], **options: Any) -> dict[Value, float]:
        return dict(grads)

    with mock.patch("autograd.viz.stepping.draw_frame", drawn):
        last = step_through(_build(problem, leaves)).frames[-1]
    return [last.get(leaf, 0.0) for leaf in leaves]


def _textbook(problem: Problem, leaves: list[Value]) -> list[float]:
    textbook.backward(_build(problem, leaves))
    return [leaf.grad for leaf in leaves]


def _tape(problem: Problem, leaves: list[Value]) -> list[float]:
    return list(trace(problem.function, *leaves).grad(*problem.inputs))


def _compiled_tape(problem: Problem, leaves: list[Value]) -> list[float]:
    return list(trace(problem.function, *leaves).compile().grad(*problem.inputs))


def _batched_tape(problem: Problem, leaves: list[Value]) -> list[float]:
    """Row 0 of a batch of two equal rows replayed by ``trace(f).vmap()`` (numpy arrays)."""
    import numpy

    batched = trace(problem.function, *leaves).vmap()
    _, gradients = batched.value_and_grad(*[numpy.array([x, x]) for x in problem.inputs])
    return [float(gradient[0]) for gradient in gradients]


#: The fault the textbook pass reports in its own words (a wrong-shaped rule result is a
#: ValueError of ``zip(strict=True)`` there, the core's named TypeError everywhere else).
WRONG_SHAPE = "a rule returning two gradients for one input"

#: Faults made of custom ops, which have no array form: the batched replay refuses them.
CUSTOM_FAULTS = {"a rule raising an exception with another constructor",
                 "a rule returning two gradients for one input"}


@dataclass(frozen=True)
class Path:
    """One way to differentiate a problem: ``run(problem, leaves)`` gives d(out)/d(leaf) for
    fresh input leaves (all ``.grad`` 0.0), or raises.

    Attributes:
        writes_grads: whether the path accumulates into the leaves' ``.grad`` on success.
        tolerance: 0.0 where the path does the same float arithmetic as ``backward()``.
    """

    name: str
    run: Callable[[Problem, list[Value]], Sequence[float]]
    writes_grads: bool = False
    tolerance: float = 0.0
    skips: frozenset[str] = frozenset()  # faults this path does not take (see CUSTOM_FAULTS)


#: Every path through the backward core; the first is the reference. The batched replay sums
#: with numpy (its own order of additions), hence its tolerance.
PATHS = [
    Path("backward()", _backward, writes_grads=True),
    Path("the textbook pass (autograd.core.textbook)", _textbook, writes_grads=True,
         skips=frozenset({WRONG_SHAPE})),
    Path("backward(create_graph=True)", _backward_create_graph, writes_grads=True),
    Path("backward() in detect_anomaly()", _backward_anomaly, writes_grads=True),
    Path("propagate", _propagate),
    Path("explain(...).gradients", _explain),
    Path("step_through(...).frames[-1]", _step_through),
    Path("trace(f).grad", _tape),
    Path("trace(f).compile().grad", _compiled_tape),
    Path("trace(f).vmap().value_and_grad", _batched_tape, tolerance=1e-12,
         skips=frozenset(CUSTOM_FAULTS)),
]


@dataclass(frozen=True)
class Outcome:
    """What one path gave: the gradients, or the exception it raised."""

    gradients: tuple[float, ...] | None
    error: BaseException | None


def _outcome(path: Path, problem: Problem) -> Outcome:
    """Run ``path`` on fresh leaves and check the state it leaves them in."""
    leaves = [Value(x, label=f"x{index}") for index, x in enumerate(problem.inputs)]
    try:
        gradients = tuple(path.run(problem, leaves))
    except Exception as error:  # the outcome compared across paths
        left = [leaf.grad for leaf in leaves]
        assert all(type(g) is float and g == 0.0 for g in left), (
            f"{path.name} failed with {error!r} but changed the inputs' grads to {left}")
        return Outcome(None, error)
    if not path.writes_grads:
        assert all(leaf.grad == 0.0 for leaf in leaves), f"{path.name} wrote .grad"
    return Outcome(gradients, None)


def _assert_same(reference: Outcome, outcome: Outcome, path: Path) -> None:
    if reference.error is not None:
        assert outcome.error is not None, f"{path.name} gave {outcome.gradients}, not an error"
        assert type(outcome.error) is type(reference.error), (path.name, outcome.error)
        assert str(outcome.error) == str(reference.error), path.name
        assert getattr(outcome.error, "__notes__", []), f"{path.name} added no context note"
        return
    assert outcome.error is None, f"{path.name} raised {outcome.error!r}"
    assert outcome.gradients is not None and reference.gradients is not None
    if path.tolerance == 0.0:
        assert outcome.gradients == reference.gradients, path.name
    else:
        assert outcome.gradients == pytest.approx(reference.gradients, rel=path.tolerance,
                                                  abs=path.tolerance), path.name


def _assert_check_graph_agrees(problem: Problem, reference: Outcome) -> None:
    """check_graph names the failing node with the paths' error, and no wrong rule elsewhere
    (a rule no gradient reaches, such as sqrt at 0 behind a dead relu, is not run by the paths)."""
    leaves = [Value(x) for x in problem.inputs]
    root = _build(problem, leaves)
    report = check_graph(root)
    if reference.error is not None:
        row = report.first_failure
        assert row is not None and row.node is not None and row.node.label == "fault"
        assert f"{type(reference.error).__name__}: {reference.error}" in row.detail
        return
    reached = propagate(root, 1.0)
    wrong = [row.output for row in report.failures if reached.get(row.node, 0.0) != 0.0]
    assert not wrong, f"check_graph fails {wrong} where backward() succeeds"


@given(problems())
def test_every_path_gives_the_same_gradients_or_the_same_error(problem: Problem) -> None:
    reference = _outcome(PATHS[0], problem)
    event(f"{problem.fault or 'no fault'}: {'raises' if reference.error else 'succeeds'}")
    for path in PATHS[1:]:
        if problem.fault not in path.skips:
            _assert_same(reference, _outcome(path, problem), path)
    _assert_check_graph_agrees(problem, reference)
