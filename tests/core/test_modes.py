"""Recording modes: ``no_grad()`` records nothing and is isolated per thread and per asyncio task;
``detach()`` cuts a Value from its graph."""

from __future__ import annotations

import asyncio
import threading

import autograd
from autograd import Value, enable_grad, is_grad_enabled, no_grad


def test_nothing_is_recorded_inside_no_grad():
    x = Value(2.0)
    with no_grad():
        y = (x * 3.0).tanh() + autograd.sum([x, x])
    assert y.parents == ()
    assert y.op is None
    assert y.is_leaf


def test_no_grad_still_computes_the_value():
    x = Value(2.0)
    with no_grad():
        y = x * 3.0 + 1.0
    assert y.data == 7.0


def test_backward_after_no_grad_reaches_nothing_computed_inside():
    x = Value(2.0)
    with no_grad():
        y = x * 3.0
    z = y * x  # recorded again outside: dz/dx = y.data = 6, y is a leaf
    z.backward()
    assert x.grad == 6.0


def test_recording_resumes_after_no_grad():
    with no_grad():
        assert not is_grad_enabled()
    assert is_grad_enabled()
    x = Value(1.0)
    assert (x + 1.0).parents[0] is x


def test_recording_resumes_after_an_exception_inside_no_grad():
    try:
        with no_grad():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert is_grad_enabled()


def test_enable_grad_records_inside_no_grad():
    x = Value(1.0)
    with no_grad(), enable_grad():
        y = x * 2.0
    assert y.parents[0] is x


def test_no_grad_in_one_thread_does_not_affect_another():
    inside = threading.Event()
    done = threading.Event()

    def hold_no_grad():
        with no_grad():
            inside.set()
            done.wait(timeout=10)

    holder = threading.Thread(target=hold_no_grad)
    holder.start()
    assert inside.wait(timeout=10)
    try:
        x = Value(1.0)
        y = x * 2.0  # this thread is not in no_grad while the other one is
        assert is_grad_enabled()
        assert y.parents[0] is x
    finally:
        done.set()
        holder.join()


def test_no_grad_in_one_asyncio_task_does_not_affect_another():
    async def main():
        inside = asyncio.Event()
        release = asyncio.Event()

        async def hold_no_grad():
            with no_grad():
                inside.set()
                await release.wait()
                return is_grad_enabled()

        async def record():
            await inside.wait()  # runs while the other task is suspended inside no_grad
            x = Value(1.0)
            y = x * 2.0
            release.set()
            return y.parents

        return await asyncio.gather(hold_no_grad(), record())

    held_enabled, parents = asyncio.run(main())
    assert held_enabled is False
    assert len(parents) == 2


def test_detach_copies_data_and_label_as_a_new_leaf():
    x = Value(2.0, label="x")
    y = (x * 3.0).detach()
    assert (y.data, y.parents, y.op) == (6.0, (), None)
    assert Value(2.0, label="w").detach().label == "w"


def test_detach_is_a_new_node():
    x = Value(2.0)
    assert x.detach() is not x


def test_gradient_does_not_flow_through_a_detached_value():
    x = Value(3.0)
    y = x.detach() * x  # treated as constant * x: dy/dx = 3, not 2x = 6
    y.backward()
    assert x.grad == 3.0


def test_backward_with_create_graph_records_even_inside_no_grad():
    x = Value(2.0)
    y = x**3
    with no_grad():
        y.backward(create_graph=True)  # asking for a graph of the gradient overrides no_grad
    first = x.grad  # 3x**2 = 12, recorded
    x.grad = 0.0
    first.backward()
    assert (first.data, x.grad) == (12.0, 12.0)  # d/dx 3x**2 = 6x = 12
