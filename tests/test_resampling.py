"""Seeded replicates are identical across back ends; CIs agree with scipy's bootstrap."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from scipy import stats

from analysis.structural.resampling import (
    bca_ci,
    bootstrap_indices,
    jackknife_acceleration,
    percentile_ci,
    run_replicates,
)

DATA = np.random.default_rng(0).exponential(size=60)


def _boot_mean(rng, x):
    return [x[bootstrap_indices(rng, len(x))].mean()]


def _sometimes_fails(rng):
    u = rng.random()
    if u < 0.2:
        raise RuntimeError("did not converge")
    return [u, 2 * u]


def test_same_seed_same_numbers_whatever_the_backend():
    fn = partial(_boot_mean, x=DATA)
    serial = run_replicates(fn, 64, seed=7, n_jobs=1, progress=False)
    procs = run_replicates(fn, 64, seed=7, n_jobs=2, chunk_size=5, progress=False)
    assert serial.backend == "serial" and procs.backend == "processes"
    np.testing.assert_array_equal(serial.values, procs.values)
    other = run_replicates(fn, 64, seed=8, n_jobs=1, progress=False)
    assert not np.array_equal(serial.values, other.values)


def test_dask_local_cluster_matches_local_run():
    fn = partial(_boot_mean, x=DATA)
    local = run_replicates(fn, 40, seed=3, n_jobs=1, progress=False)
    dask = run_replicates(fn, 40, seed=3, scheduler="dask", chunk_size=7, progress=False)
    assert dask.backend == "dask"
    np.testing.assert_array_equal(local.values, dask.values)


def test_failed_replicates_are_nan_and_counted():
    run = run_replicates(_sometimes_fails, 200, seed=1, n_jobs=1, progress=False)
    assert run.values.shape == (200, 2)
    assert 20 < run.n_failed < 60 and run.n_failed == np.isnan(run.values[:, 0]).sum()


def test_percentile_and_bca_agree_with_scipy_bootstrap():
    fn = partial(_boot_mean, x=DATA)
    run = run_replicates(fn, 20000, seed=11, n_jobs=1, progress=False, chunk_size=5000)
    lo, hi = percentile_ci(run.values)
    ref = stats.bootstrap((DATA,), np.mean, n_resamples=20000, method="percentile",
                          random_state=np.random.default_rng(5)).confidence_interval
    assert lo[0] == pytest.approx(ref.low, abs=0.015) and hi[0] == pytest.approx(ref.high, abs=0.015)
    jack = np.array([[np.delete(DATA, i).mean()] for i in range(len(DATA))])
    blo, bhi = bca_ci(run.values, np.array([DATA.mean()]), jackknife_acceleration(jack))
    ref = stats.bootstrap((DATA,), np.mean, n_resamples=20000, method="BCa",
                          random_state=np.random.default_rng(5)).confidence_interval
    assert blo[0] == pytest.approx(ref.low, abs=0.015) and bhi[0] == pytest.approx(ref.high, abs=0.015)
    # BCa shifts the interval right of the percentile one for right-skewed data
    assert bhi[0] > hi[0]


def _boot_mean_batch(rngs, index, x):
    assert len(rngs) == len(index)
    return [_boot_mean(rng, x) + [i] for rng, i in zip(rngs, index, strict=True)]


def test_batched_chunks_see_the_same_generators_and_indices():
    one = run_replicates(partial(_boot_mean, x=DATA), 45, seed=7, n_jobs=1, progress=False)
    fn = partial(_boot_mean_batch, x=DATA)
    serial = run_replicates(fn, 45, seed=7, n_jobs=1, chunk_size=10, batched=True,
                            progress=False)
    procs = run_replicates(fn, 45, seed=7, n_jobs=2, chunk_size=10, batched=True,
                           progress=False)
    np.testing.assert_array_equal(serial.values, procs.values)
    np.testing.assert_array_equal(serial.values[:, 0], one.values[:, 0])
    np.testing.assert_array_equal(serial.values[:, 1], np.arange(45))
