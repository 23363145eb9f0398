"""chainrule's benchmarks: each workload run by chainrule, micrograd and hand-written floats.

Run ``python -m benchmarks`` (or ``make bench``); see :mod:`benchmarks.__main__` for the options.
Every workload module offers ``agreement(quick)`` (the largest difference between the engines'
results, checked before any timing) and ``cases(quick)`` (what to time). Nothing here is imported
by the test suite except the agreement checks, which are pure correctness.
"""

import os

# Every engine is timed on one thread, numpy's BLAS included (set before numpy is imported): on a
# busy 2-core machine OpenBLAS's worker threads made the 10,000-example batched step 5x slower.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
