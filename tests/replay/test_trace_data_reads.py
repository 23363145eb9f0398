"""``value.data`` inside a traced function: a read that would freeze a number of the traced
call into the tape is refused with a TypeError saying what to do; other threads, the library's
own reads and reads after the trace are unaffected.
"""

from __future__ import annotations

import math
import threading

import pytest

import nn
from autograd import Value, trace


def close(a: float, b: float, rel: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-300)


def test_reading_data_of_an_input_inside_a_traced_function_is_refused() -> None:
    with pytest.raises(TypeError, match=r"value\.data of 2\.0"):
        trace(lambda x: x * x.data, 2.0)


def test_reading_data_of_a_value_made_from_an_input_is_refused() -> None:
    with pytest.raises(TypeError, match=r"value\.data of 3\.0"):
        trace(lambda x: x * (x + 1.0).data, 2.0)


def test_reading_data_of_a_captured_weight_inside_a_traced_function_is_refused() -> None:
    w = Value(0.5, label="w")
    with pytest.raises(TypeError, match=r"value\.data of 0\.5 \(node 'w'\)"):
        trace(lambda x: x * w.data, 2.0)


def test_the_refusal_says_what_to_do() -> None:
    with pytest.raises(TypeError) as caught:
        trace(lambda x: x * x.data, 2.0)
    text = str(caught.value) + "".join(caught.value.__notes__)
    assert "keep it a Value" in text and "after trace() returns" in text


def test_data_reads_work_again_after_a_refused_trace() -> None:
    with pytest.raises(TypeError):
        trace(lambda x: x * x.data, 2.0)
    x = Value(2.0)
    assert (x * x).data == 4.0
    assert type(Value.__dict__["data"]).__name__ == "member_descriptor"


def test_a_thread_that_is_not_tracing_reads_data_while_another_traces() -> None:
    started, finished = threading.Event(), threading.Event()
    outcome: list[object] = []

    def waiting(x: Value) -> Value:
        started.set()
        assert finished.wait(30)
        return x * x

    worker = threading.Thread(target=lambda: outcome.append(trace(waiting, 3.0).forward(5.0)))
    worker.start()
    assert started.wait(30)
    here = Value(7.0)
    try:
        read = (here * 2.0).data  # this thread is not tracing
    finally:
        finished.set()
        worker.join(30)
    assert read == 14.0 and outcome == [25.0]


def test_library_reads_of_data_while_tracing_still_work() -> None:
    # binary_cross_entropy checks its probability's .data; its replay is the exact loss
    tape = trace(lambda z: nn.losses.binary_cross_entropy(z.sigmoid(), 1.0), 0.0)
    assert close(tape.forward(2.0), math.log1p(math.exp(-2.0)))


def test_a_loss_that_reads_its_target_as_a_number_refuses_a_traced_target() -> None:
    with pytest.raises(TypeError, match="hinge reads its target as a number"):
        trace(lambda score, target: nn.losses.hinge(score, target), 0.5, 1.0)
