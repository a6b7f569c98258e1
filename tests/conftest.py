"""Test-session setup shared by every test module."""

import os

# Small matrices everywhere: single-threaded BLAS is fastest and avoids oversubscribing the
# two cores that parallel tests (bootstrap workers, browsers) also use. Must run before numpy.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
