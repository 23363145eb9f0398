"""``nn.fit`` keeps the process's objects out of the collector's full collections while it runs,
and only then: the freeze is undone when ``fit`` returns or raises, never undoes someone else's
``gc.freeze()``, and is skipped on request or when the collector is off."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

import nn

X = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
Y = [1, -1, 1, -1]


@pytest.fixture(autouse=True)
def nothing_frozen() -> Iterator[None]:
    assert gc.get_freeze_count() == 0
    yield
    gc.unfreeze()  # whatever a failing test left behind


def train(epochs: int = 2, **options: object) -> list[int]:
    """Train a small model; the freeze count seen by the callback after each epoch."""
    model = nn.MLP(2, [4, 1], seed=0)
    seen: list[int] = []
    callback = options.pop("callback", None)
    nn.fit(model, X, Y, loss=nn.losses.hinge, optimizer=nn.optim.SGD(model.parameters(), lr=0.1),
           epochs=epochs, progress=False,
           callback=callback or (lambda epoch, history: seen.append(gc.get_freeze_count())),
           **options)  # type: ignore[arg-type]
    return seen


def test_objects_are_frozen_while_fit_runs_and_unfrozen_after() -> None:
    seen = train()
    assert len(seen) == 2 and all(count > 0 for count in seen)
    assert gc.get_freeze_count() == 0


def test_an_exception_inside_fit_unfreezes_them() -> None:
    def stop(epoch: int, history: object) -> None:
        assert gc.get_freeze_count() > 0
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(callback=stop)
    assert gc.get_freeze_count() == 0


def test_a_freeze_made_before_fit_is_left_alone() -> None:
    gc.freeze()
    before = gc.get_freeze_count()
    assert before > 0
    train()
    assert gc.get_freeze_count() >= before
    gc.unfreeze()


def test_nothing_is_frozen_when_asked_not_to_or_when_the_collector_is_off() -> None:
    assert train(freeze_heap=False) == [0, 0]
    gc.disable()
    try:
        assert train() == [0, 0]
    finally:
        gc.enable()
