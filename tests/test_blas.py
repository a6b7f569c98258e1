"""The Python API runs its heavy loops on one BLAS thread, as the ``engagekit`` command does
(analysis/blas.py). No timing here (bench/README.md has the figures): these tests check the
thread counts that threadpoolctl reports inside and after the calls."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest
import scipy.linalg  # noqa: F401 - scipy's own OpenBLAS is loaded too, and must be limited
from threadpoolctl import threadpool_info, threadpool_limits

from analysis import (
    compare_paths,
    estimate_effects,
    latent_interaction,
    power_analysis,
    run_study,
    sem,
    validate_instrument,
    validate_scales,
)
from analysis.blas import THREAD_VARIABLES, one_thread_api


def blas_threads() -> dict[str, int]:
    return {i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


@pytest.fixture
def no_thread_variables(monkeypatch):
    """A Python program that did not set OPENBLAS_NUM_THREADS & co. (conftest.py sets them)."""
    for var in THREAD_VARIABLES:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def two_threads():
    """BLAS on two threads, as numpy starts it on a 2-core machine."""
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        if not before or set(before.values()) != {2}:
            pytest.skip(f"cannot set two BLAS threads here ({before})")
        yield before


def test_an_entry_point_runs_on_one_thread_and_restores_the_callers(no_thread_variables,
                                                                    two_threads):
    seen = []

    @one_thread_api
    def inner():
        seen.append(("inner", blas_threads()))

    @one_thread_api
    def outer():
        seen.append(("outer", blas_threads()))
        inner()
        seen.append(("outer after inner", blas_threads()))
        return 42

    assert outer() == 42
    assert [where for where, _ in seen] == ["outer", "inner", "outer after inner"]
    for where, threads in seen:
        assert threads.keys() == two_threads.keys(), where
        assert set(threads.values()) == {1}, where
    assert blas_threads() == two_threads


@pytest.mark.parametrize("var", THREAD_VARIABLES)
def test_a_thread_variable_set_by_the_user_is_respected(no_thread_variables, two_threads,
                                                        monkeypatch, var):
    monkeypatch.setenv(var, "2")
    assert one_thread_api(blas_threads)() == two_threads


@pytest.mark.parametrize("fn", [run_study, estimate_effects, validate_scales,
                                validate_instrument, power_analysis, compare_paths,
                                latent_interaction])
def test_the_public_entry_points_are_limited(fn):
    assert inspect.unwrap(fn) is not fn, f"{fn.__name__} is not wrapped in one_thread_api"
    assert fn.__doc__ == inspect.unwrap(fn).__doc__


def test_validate_scales_fits_on_one_thread(no_thread_variables, two_threads, monkeypatch):
    """A real call: every CFA fit inside validate_scales sees one BLAS thread."""
    seen = []
    fit = sem.fit

    def recording_fit(*args, **kwargs):
        seen.append(blas_threads())
        return fit(*args, **kwargs)

    monkeypatch.setattr(sem, "fit", recording_fit)
    rng = np.random.default_rng(3)
    f = rng.normal(size=(300, 2))
    cols = {f"x{i}": f[:, i // 3] + rng.normal(scale=0.6, size=300) for i in range(6)}
    data = pd.DataFrame(cols)
    res = validate_scales(data, {"a": ["x0", "x1", "x2"], "b": ["x3", "x4", "x5"]})
    assert res.n == 300
    assert seen and all(set(t.values()) == {1} for t in seen)
    assert blas_threads() == two_threads
