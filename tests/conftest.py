"""Shared test settings: deterministic hypothesis in CI, a long profile for ``make fuzz``."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from autograd import OPS, Value, register_op
from autograd.ops import unregister

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "fuzz",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile("ci")


@pytest.fixture
def registered() -> Iterator[Callable[..., Callable[..., Value]]]:
    """register_op for one test: every op registered through it is removed afterwards, so the
    op-table walk in test_op_table.py never meets a deliberately wrong custom op."""
    names: list[str] = []

    def register(name: str, *args: Any, **kwargs: Any) -> Callable[..., Value]:
        names.append(name)
        return register_op(name, *args, **kwargs)

    yield register
    for name in names:
        if name in OPS:
            unregister(name)
