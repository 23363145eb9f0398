"""chainrule's benchmarks: each workload run by chainrule, micrograd and hand-written floats.

Run ``python -m benchmarks`` (or ``make bench``); see :mod:`benchmarks.__main__` for the options.
Every workload module offers ``agreement(quick)`` (the largest difference between the engines'
results, checked before any timing) and ``cases(quick)`` (what to time). Nothing here is imported
by the test suite except the agreement checks, which are pure correctness.
"""
