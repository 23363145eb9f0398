"""The agreement check every workload runs before timing: each engine's numbers against the
hand-written floats' numbers."""

from __future__ import annotations

from collections.abc import Callable, Mapping


def largest_differences(
    runs: Mapping[str, Callable[[], list[float]]], reference: str = "plain"
) -> dict[str, float]:
    """The largest difference of each run's numbers from those of the ``reference`` run.

    Args:
        runs: engine name -> a callable giving that engine's numbers (say, the loss then every
            gradient); the ``reference`` run is called first.
        reference: the name of the run the others are measured against (not in the result).

    Returns:
        Engine name -> the largest absolute difference, for every run but ``reference``.

    Raises:
        AssertionError: a run gives another count of numbers than the reference (it is named).
    """
    expected = runs[reference]()
    differences = {}
    for name, run in runs.items():
        if name == reference:
            continue
        numbers = run()
        assert len(numbers) == len(expected), name
        differences[name] = max(abs(a - b) for a, b in zip(numbers, expected, strict=True))
    return differences
