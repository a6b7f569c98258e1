"""BLAS threads: engagekit's heavy work runs on one BLAS thread, from the CLI and the API alike.

engagekit's matrices are small (tens of items), and for them OpenBLAS's own threads only
contend for the cores, and oversubscribe them when the bootstrap's worker processes run too
(measured on a shared 2-core machine: a 28 x 28 ``eigh`` 19 ms with the default threads and
0.19 ms with one; ``validate_instrument`` at N = 500 38 s against 2.6 s; ``bench/README.md``).

* The ``engagekit`` command sets ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` and
  ``MKL_NUM_THREADS`` to 1 before numpy loads, unless they are set already
  (:mod:`reports.cli`).
* A Python program has loaded numpy before engagekit is called, so the public entry points
  (:func:`~analysis.study.run_study`, :func:`~analysis.structural.effects.estimate_effects`,
  :func:`~analysis.psychometrics.validation.validate_scales`,
  :func:`~analysis.psychometrics.validation.validate_instrument`,
  :func:`~analysis.structural.groups.compare_paths`,
  :func:`~analysis.structural.interaction.latent_interaction`,
  :func:`~analysis.structural.power.power_analysis`) are wrapped in :func:`one_thread_api`: for
  the duration of the call BLAS and OpenMP run one thread (threadpoolctl), and the caller's
  settings are restored on return. As for the command, a program that sets any of those
  variables itself keeps its own thread counts.
* :func:`one_blas_thread` limits the threads unconditionally; replicate chunks (bootstrap,
  Monte Carlo power) run inside it, in the parent and in worker processes alike
  (:func:`~analysis.structural.resampling.run_replicates`).
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

#: The variables the ``engagekit`` command sets to 1 and a user may set to choose otherwise.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

F = TypeVar("F", bound=Callable[..., Any])

_CONTROLLER = None  # threadpoolctl's ThreadpoolController of this process, for one_blas_thread
_STATE = threading.local()  # .active: inside a one_thread_api call (nested calls do nothing)


def one_blas_thread() -> contextlib.AbstractContextManager:
    """Limit BLAS to one thread (threadpoolctl) for the duration of a ``with`` block.

    Replicates work on small matrices, for which OpenBLAS's own threads only contend for the
    cores, and worker processes x BLAS threads oversubscribe them (measured on a shared 2-core
    machine: SEM refits 3x slower with the default threads). One thread also makes the numbers
    of a replicate independent of where it runs. The libraries are looked up once per process
    (about 5 ms), at the first call: call it after numpy and scipy are imported.
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl is a declared dependency
            return contextlib.nullcontext()
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1)


@contextlib.contextmanager
def api_threads() -> Iterator[None]:
    """One BLAS/OpenMP thread inside the block, as under the ``engagekit`` command.

    Does nothing when a variable of :data:`THREAD_VARIABLES` is set (the command line sets them;
    a user may set them to choose another number) or when an enclosing block already limits.
    """
    if getattr(_STATE, "active", False) or any(v in os.environ for v in THREAD_VARIABLES):
        yield
        return
    from threadpoolctl import threadpool_limits

    _STATE.active = True
    try:
        with threadpool_limits(limits=1):  # looks the libraries up now: numpy's and scipy's
            yield
    finally:
        _STATE.active = False


def one_thread_api(fn: F) -> F:
    """Decorator: run ``fn`` inside :func:`api_threads` (a public entry point's heavy loops)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with api_threads():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
