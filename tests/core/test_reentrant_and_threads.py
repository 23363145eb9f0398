"""Passes that run at the same time: re-entrant backward (a rule that calls ``backward()``, as
gradient checkpointing does) and backward passes in several threads.

The re-entrant numbers follow PyTorch's semantics (checked with torch 2.13 CPU, a custom
``torch.autograd.Function`` whose backward calls ``torch.autograd.backward``): the inner pass is a
pass of its own, whose gradients the leaves accumulate; the outer pass's numbers are its own.
Each expected number is also worked out by hand beside its test.
"""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from autograd import Value, detect_anomaly, trace
from autograd.core.backprop import propagate

#: How long a test waits for a thread before it calls the thread stuck (a bound, not a timing:
#: a thread that is not blocked finishes in milliseconds).
PATIENCE = 30.0

Register = Callable[..., Callable[..., Value]]


def _identity_that_backpropagates(registered: Register, inner: list[Value]) -> Callable[..., Value]:
    """The identity op whose rule first calls ``inner[0].backward()`` (when ``inner`` is set)."""

    def rule(grad: Any, out: Any, h: Any) -> tuple[Any]:
        if inner:
            inner[0].backward()
        return (grad,)

    return registered("reentrant_identity", lambda h: h, rule)


# ------------------------------------------------------------------------------ re-entrant


def _reentrant_graph(registered: Register) -> tuple[Value, Value, Value]:
    """x = 2, h = x * x, y = 5 * ident(h) + 3 * h, where ident's rule calls h.backward()."""
    inner: list[Value] = []
    ident = _identity_that_backpropagates(registered, inner)
    x = Value(2.0, label="x")
    h = x * x
    inner.append(h)
    return x, h, 5 * ident(h) + h * 3


def test_reentrant_backward_over_part_of_the_graph_gives_leaves_both_passes_gradients(
    registered: Register,
) -> None:
    # h = x * x, y = 5 * ident(h) + 3 * h at x = 2; ident's rule calls h.backward().
    # Outer pass: dy/dx = (5 + 3) * 2x = 32. Inner pass: dh/dx = 2x = 4. x.grad = 36, as
    # PyTorch gives. (Before the fix the inner pass clobbered h's slot, which held the 3 of the
    # outer pass: 28.) The interior node h holds the outer pass's gradient dy/dh = 8.
    x, h, y = _reentrant_graph(registered)
    y.backward()
    assert x.grad == 36.0
    assert h.grad == 8.0


def test_reentrant_backward_inside_propagate_leaves_its_result_alone_and_accumulates(
    registered: Register,
) -> None:
    # The same graph under propagate (autograd.grad's pass): the outer result is dy/dx = 32 and
    # the inner pass's 4 stays in x.grad (torch.autograd.grad: 32, and x.grad = 4 after it).
    x, _, y = _reentrant_graph(registered)
    assert propagate(y)[x] == 32.0
    assert x.grad == 4.0


def test_backward_after_a_reentrant_pass_gives_the_plain_gradient(registered: Register) -> None:
    # Once the rule stops calling backward, the same graph gives the outer pass alone: 32 (and
    # the 36 of the first call stays accumulated: 68).
    inner: list[Value] = []
    ident = _identity_that_backpropagates(registered, inner)
    x = Value(2.0)
    h = x * x
    inner.append(h)
    y = 5 * ident(h) + h * 3
    y.backward()
    inner.clear()
    y.backward()
    assert x.grad == 36.0 + 32.0


def test_checkpointing_a_piece_recomputed_from_a_detached_copy(registered: Register) -> None:
    # The op computes sin(x^2) and its rule recomputes it from a fresh leaf and differentiates
    # that (gradient checkpointing). y = 3 * op(x) + x, so dy/dx = 3 * 2x cos(x^2) + 1; at
    # x = 0.5: 3 cos(0.25) + 1.
    def rule(grad: Any, out: Any, x: float) -> tuple[Any]:
        copy = Value(x)
        (copy * copy).sin().backward()
        return (grad * copy.grad,)

    sin_of_square = registered("checkpointed_sin_of_square", lambda x: math.sin(x * x), rule)
    x = Value(0.5)
    (3 * sin_of_square(x) + x).backward()
    assert x.grad == pytest.approx(3 * math.cos(0.25) + 1, rel=1e-15)


def test_checkpointing_with_a_parameter_shared_by_the_outer_graph(registered: Register) -> None:
    # The op computes (w x)^2 for a parameter w that its rule uses again in the recomputation,
    # as torch.utils.checkpoint does with a module's weights; the outer graph also uses w:
    # y = op(x) + w. The recomputation's backward adds d(wx)^2/dw = 2 w x^2 to w.grad, the outer
    # pass adds 1: at w = 3, x = 0.5, w.grad = 1 + 2 * 3 * 0.25 = 2.5; x.grad = 2 w^2 x = 9.
    w = Value(3.0, label="w")

    def rule(grad: Any, out: Any, x: float) -> tuple[Any]:
        copy = Value(x)
        ((w * copy) ** 2).backward()
        return (grad * copy.grad,)

    square = registered("checkpointed_square", lambda x: (w.data * x) ** 2, rule)
    x = Value(0.5, label="x")
    (square(x) + w).backward()
    assert (w.grad, x.grad) == (2.5, 9.0)


def test_zero_grad_inside_a_rule_of_a_pass_over_the_same_graph_is_refused(
    registered: Register,
) -> None:
    nodes: list[Value] = []

    def rule(grad: Any, out: Any, h: Any) -> tuple[Any]:
        nodes[0].zero_grad()
        return (grad,)

    ident = registered("zeroing_identity", lambda h: h, rule)
    x = Value(2.0)
    y = ident(x * x) * 5
    nodes.append(y)
    with pytest.raises(RuntimeError, match=r"zero_grad\(\)"):
        y.backward()
    assert x.grad == 0.0  # all or nothing


# ------------------------------------------------------------------------------ threads


def test_a_rule_that_waits_for_a_thread_running_backward_on_another_graph_does_not_hang(
    registered: Register,
) -> None:
    # The rule starts a thread that differentiates an unrelated graph, u = v * v at v = 3
    # (v.grad = 6), and waits for it. Before the fix the thread waited for the process-wide lock
    # held by the outer pass, which waited for the thread: stuck for good.
    v = Value(3.0)
    seen: dict[str, bool] = {}

    def other() -> None:
        (v * v).backward()

    def rule(grad: Any, out: Any, h: Any) -> tuple[Any]:
        thread = threading.Thread(target=other, daemon=True)
        thread.start()
        thread.join(PATIENCE)
        seen["finished"] = not thread.is_alive()
        return (grad * 2.0,)

    double = registered("waiting_double", lambda h: 2.0 * h, rule)
    x = Value(1.5)
    double(x * x).backward()  # d/dx 2 x^2 = 4x = 6
    assert seen == {"finished": True}
    assert (x.grad, v.grad) == (6.0, 6.0)


def test_two_threads_run_the_rules_of_unrelated_graphs_at_the_same_time(
    registered: Register,
) -> None:
    # Each thread differentiates its own graph, 3 * meet(x) with meet the identity; meet's rule
    # waits until the other thread's rule runs too (a barrier). With one lock around every
    # pass, the second pass could not start until the first ended: the barrier broke.
    barrier = threading.Barrier(2, timeout=PATIENCE)

    def rule(grad: Any, out: Any, h: Any) -> tuple[Any]:
        barrier.wait()
        return (grad,)

    meet = registered("meeting_identity", lambda h: h, rule)
    xs = [Value(1.0), Value(2.0)]
    errors: list[BaseException] = []

    def differentiate(x: Value) -> None:
        try:
            (3.0 * meet(x * x)).backward()  # d/dx 3 x^2 = 6x
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=differentiate, args=(x,), daemon=True) for x in xs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(2 * PATIENCE)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert [x.grad for x in xs] == [6.0, 12.0]


def test_a_thread_differentiating_a_shared_graph_waits_for_the_pass_it_shares_nodes_with(
    registered: Register,
) -> None:
    # Pass A (y = 2 * pause(h) with h = x * x) starts, from its rule, a thread B that
    # differentiates z = h * h + x, which shares h and x with A, and waits a little for it.
    # B must not use the slots of h and x while A does: the result is the two passes one
    # after the other. At x = 1.5: A gives dy/dx = 2 * 2x = 6; B gives 2h * 2x + 1 = 4x^3 + 1 =
    # 14.5. x.grad = 20.5.
    x = Value(1.5, label="x")
    h = x * x
    z = h * h + x
    threads: list[threading.Thread] = []

    def rule(grad: Any, out: Any, h: Any) -> tuple[Any]:
        thread = threading.Thread(target=z.backward, daemon=True)
        threads.append(thread)
        thread.start()
        thread.join(0.2)  # B either waits for A (expected) or would race with it
        return (grad,)

    pause = registered("pausing_identity", lambda h: h, rule)
    (2.0 * pause(h)).backward()
    threads[0].join(PATIENCE)
    assert not threads[0].is_alive()
    assert x.grad == 20.5


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
