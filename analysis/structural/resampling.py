"""Seeded, parallel resampling: bootstrap and Monte Carlo replicates, locally or on Dask.

Every replicate r draws its randomness from child r of ``numpy.random.SeedSequence(seed)``, so
the result for a given seed is identical whatever the number of processes, the chunking, or
whether the replicates ran in this process, in local worker processes or on a Dask cluster.

Confidence intervals:

* :func:`percentile_ci` — the bootstrap percentile interval (Efron & Tibshirani 1993, ch. 13).
* :func:`bca_ci` — the bias-corrected and accelerated interval (Efron 1987): bias correction
  z0 = Φ⁻¹(share of replicates below the estimate), acceleration a from the jackknife
  (a = Σ(θ̄ - θᵢ)³ / (6 [Σ(θ̄ - θᵢ)²]^{3/2})). For large samples the jackknife is grouped into
  at most ``max_groups`` delete-a-group blocks (Efron & Tibshirani 1993, sec. 11.5), which keeps
  the acceleration estimate and costs ``max_groups`` refits instead of N.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
from scipy import stats
from tqdm import tqdm

from analysis.blas import one_blas_thread

#: A replicate function: takes a numpy Generator (its own, seeded) and returns statistics.
ReplicateFn = Callable[[np.random.Generator], Sequence[float] | np.ndarray]


def replicate_generators(seed: int, n_rep: int, start: int = 0) -> list[np.random.Generator]:
    """Independent generators for replicates ``start .. start+n_rep-1`` of ``seed``."""
    # child i of SeedSequence(seed), as SeedSequence(seed).spawn(...)[i] gives it, without
    # spawning the i children before it
    root = np.random.SeedSequence(seed)
    return [np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(i,),
                                                         pool_size=root.pool_size))
            for i in range(start, start + n_rep)]


def _run_chunk(fn: ReplicateFn, seed: int, start: int, stop: int,
               batched: bool = False) -> np.ndarray:
    gens = replicate_generators(seed, stop - start, start)
    with one_blas_thread():
        if batched:
            return np.atleast_2d(np.asarray(fn(gens, range(start, stop)), dtype=float))
        out = []
        for rng in gens:
            try:
                out.append(np.asarray(fn(rng), dtype=float))
            except Exception:  # noqa: BLE001 - a failed refit is recorded as NaN and counted
                out.append(None)
    width = next((len(o) for o in out if o is not None), 0)
    return np.array([o if o is not None else np.full(width, np.nan) for o in out], dtype=float)


class _CountedBar:
    """A progress bar that counts the replicates of a chunk ``[a, b)`` below ``shown`` only."""

    def __init__(self, bar: tqdm, shown: int, first: int = 0) -> None:
        self.bar, self.shown, self.first = bar, shown, first

    def done(self, a: int, b: int) -> None:
        a, b = a - self.first, b - self.first
        n = max(0, min(b, self.shown) - min(a, self.shown))
        if n:
            self.bar.update(n)

    def close(self) -> None:
        self.bar.close()


@dataclass
class ReplicateRun:
    """The replicate statistics (rows = replicates) and how they were computed."""

    values: np.ndarray
    seed: int
    n_failed: int
    backend: str
    workers: int


def run_replicates(
    fn: ReplicateFn,
    n_rep: int,
    seed: int,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
    desc: str = "replicates",
    batched: bool = False,
    counted: int | None = None,
    first: int = 0,
) -> ReplicateRun:
    """Run ``fn`` for ``n_rep`` seeded replicates, in parallel, and stack the results.

    ``n_jobs``: local worker processes (default: all cores; 1 runs in this process).
    ``scheduler``: ``"dask"`` for a Dask ``LocalCluster``, or a Dask scheduler address such as
    ``"tcp://host:8786"``; the results are identical to a local run with the same seed.
    ``fn`` must be picklable (a module-level function or a ``functools.partial`` of one) for
    process or Dask execution. Replicates whose ``fn`` raises are NaN rows, counted in
    ``n_failed``. ``progress=None`` shows a bar when the run takes more than a moment.

    ``batched=True``: ``fn`` is called once per chunk with the chunk's generators (one per
    replicate, the same as unbatched) and the chunk's replicate indices (a ``range``), and
    returns one row per replicate (NaN rows for failures, counted in ``n_failed``); an
    exception raised by a batched ``fn`` propagates.
    Give ``chunk_size`` so that the chunks, and hence any computation shared within a chunk, do
    not depend on the number of workers. Every chunk runs with BLAS limited to one thread.

    ``counted``: the progress bar counts only the first ``counted`` replicates (default all),
    so that replicates riding along (the BCa jackknife samples after the bootstrap's
    ``n_boot``) do not inflate the count the user asked for.
    """
    if n_rep < 1:
        raise ValueError("n_rep must be at least 1")
    workers = (os.cpu_count() or 1) if n_jobs is None else max(1, int(n_jobs))
    size = chunk_size or max(1, min(50, -(-n_rep // (4 * workers))))
    bounds = [(first + s, first + min(s + size, n_rep)) for s in range(0, n_rep, size)]
    shown = n_rep if counted is None else max(0, min(int(counted), n_rep))
    bar = _CountedBar(tqdm(total=shown, desc=desc, disable=progress is False or (
        progress is None and n_rep < 20), mininterval=1.0, leave=False), shown, first)
    chunks: list[np.ndarray | None] = [None] * len(bounds)
    try:
        if scheduler is not None:
            backend, workers = _run_dask(fn, seed, bounds, scheduler, chunks, bar, batched)
        elif workers == 1 or len(bounds) == 1:
            backend, workers = "serial", 1
            for k, (a, b) in enumerate(bounds):
                chunks[k] = _run_chunk(fn, seed, a, b, batched)
                bar.done(a, b)
        else:
            backend = "processes"
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = {pool.submit(_run_chunk, fn, seed, a, b, batched): k
                           for k, (a, b) in enumerate(bounds)}
                for fut in as_completed(futures):
                    k = futures[fut]
                    chunks[k] = fut.result()
                    bar.done(*bounds[k])
    finally:
        bar.close()
    values = np.vstack(chunks)
    n_failed = int(np.isnan(values).all(axis=1).sum()) if values.size else n_rep
    return ReplicateRun(values, seed, n_failed, backend, workers)


def _run_dask(fn, seed, bounds, scheduler, chunks, bar, batched=False):
    try:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed
    except ImportError as e:  # pragma: no cover - dask is a declared dependency
        raise RuntimeError("Dask is not installed: pip install 'dask[distributed]'") from e
    cluster = None
    if scheduler == "dask":
        cluster = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futures = [client.submit(_run_chunk, fn, seed, a, b, batched, pure=False) for a, b in bounds]
        index = {f.key: k for k, f in enumerate(futures)}
        for fut in dask_completed(futures):
            k = index[fut.key]
            chunks[k] = fut.result()
            bar.done(*bounds[k])
        workers = len(client.scheduler_info().get("workers", {})) or 1
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return "dask", workers


def bootstrap_indices(rng: np.random.Generator, n: int) -> np.ndarray:
    """Row indices of one nonparametric bootstrap resample of ``n`` cases."""
    return rng.integers(0, n, size=n)


def percentile_ci(values: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per column of the replicate matrix (NaN replicates ignored)."""
    a = (1 - level) / 2
    return (np.nanquantile(values, a, axis=0), np.nanquantile(values, 1 - a, axis=0))


def jackknife_acceleration(jack: np.ndarray) -> np.ndarray:
    """BCa acceleration from (grouped) jackknife estimates, one column per statistic."""
    d = np.nanmean(jack, axis=0) - jack
    num = np.nansum(d**3, axis=0)
    den = 6.0 * np.nansum(d**2, axis=0) ** 1.5
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, 0.0)


def bca_ci(values: np.ndarray, estimate: np.ndarray, acceleration: np.ndarray,
           level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """BCa interval per column (Efron 1987) from replicates, the estimate and acceleration."""
    values = np.atleast_2d(values)
    est = np.atleast_1d(estimate)
    acc = np.atleast_1d(acceleration)
    lo, hi = np.full(est.shape, np.nan), np.full(est.shape, np.nan)
    z = stats.norm.ppf([(1 - level) / 2, (1 + level) / 2])
    for j in range(values.shape[1]):
        col = values[:, j][~np.isnan(values[:, j])]
        if col.size < 2:
            continue
        prop = (np.sum(col < est[j]) + 0.5 * np.sum(col == est[j])) / col.size
        prop = min(max(prop, 1.0 / (col.size + 1)), col.size / (col.size + 1))
        z0 = stats.norm.ppf(prop)
        adj = stats.norm.cdf(z0 + (z0 + z) / (1 - acc[j] * (z0 + z)))
        lo[j], hi[j] = np.quantile(col, adj[0]), np.quantile(col, adj[1])
    return lo, hi


def jackknife_deleted(n: int, max_groups: int = 200, seed: int = 0) -> list[np.ndarray]:
    """Row indices *left out* by each delete-a-group jackknife sample (n groups when n small)."""
    g = min(n, max_groups)
    perm = np.random.default_rng(seed).permutation(n)
    return np.array_split(perm, g)


def jackknife_groups(n: int, max_groups: int = 200, seed: int = 0) -> list[np.ndarray]:
    """Row indices to *keep* for each delete-a-group jackknife sample (n groups when n small)."""
    return [np.setdiff1d(np.arange(n), grp, assume_unique=True)
            for grp in jackknife_deleted(n, max_groups, seed)]
