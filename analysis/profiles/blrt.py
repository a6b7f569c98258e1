"""The bootstrap likelihood-ratio test (BLRT) of ``k - 1`` against ``k`` profiles.

The likelihood-ratio statistic ``LR = 2 (logL_k - logL_{k-1})`` of two mixture models does not
follow a chi-square distribution (the null model lies on the boundary of the larger one), so
its distribution under the ``k - 1``-profile model is simulated (McLachlan, 1987; McLachlan &
Peel, 2000, sec. 6.6; Nylund, Asparouhov & Muthén, 2007): ``n_boot`` samples of the same size
are drawn from the fitted ``k - 1``-profile model, both models are refitted to each (the
``k - 1`` model from its generating parameters and random starts, the ``k`` model from the
observed ``k``-profile solution and random starts), and

    p = (1 + #{LR_b >= LR}) / (1 + n_boot)

(Davison & Hinkley, 1997, eq. 4.11). A small p says the ``k``-th profile is needed.

**Sequential draws** (Besag & Clifford, 1991): a large p-value needs few draws to be known as
large, so by default the draws stop as soon as ``stop_exceed`` (``h``, default 10) of them
have reached the observed statistic. If the ``h``-th such draw is draw ``L < n_boot``,

    p = h / L

(Besag & Clifford's sequential Monte Carlo p-value, exactly valid like the fixed one);
otherwise all ``n_boot`` draws are run and p is the fixed formula above, the same number as
without the rule. Stopping needs ``L < n_boot``, so a stopped test has ``p > h / n_boot``
(.10 with the defaults): every p-value at or below that is the one all ``n_boot`` draws give,
so when ``h / n_boot >= .05`` (as with the defaults) stopping never changes the decision at
the 5% level. ``BLRTResult.n_draws`` says how
many draws were used; ``stop_exceed=None`` runs all of them.

The draws run through :func:`analysis.structural.resampling.run_replicates`, in batches when
stopping is on: draw ``b`` takes its random numbers from child ``b`` of
``numpy.random.SeedSequence(seed)``, and the stopping point is found from the draws in order,
so the result is the same whatever the number of worker processes or the batch sizes. A draw
whose refit fails is left out (counted in ``n_failed``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis.profiles.fit import MixtureFit, fit_standardized

__all__ = ["BLRTResult", "bootstrap_lrt", "simulate_mixture"]


@dataclass(frozen=True)
class BLRTResult:
    """The BLRT of ``k - 1`` (``null``) against ``k`` profiles.

    Attributes
    ----------
    lr : float
        The observed statistic ``2 (logL_k - logL_{k-1})``.
    pvalue : float
        ``(1 + #{LR_b >= lr}) / (1 + n_draws)`` over the draws that could be fitted, or
        Besag & Clifford's ``h / n_draws`` when the draws stopped early (``stopped``); NaN
        when no draw could be fitted.
    n_boot, n_failed : int
        Draws allowed and draws whose models could not be fitted (left out).
    lr_boot : tuple of float
        The bootstrap statistics (of the draws used).
    n_draws : int
        Draws used (``n_boot`` unless stopped early; failed draws included).
    stopped : bool
        Whether the draws stopped early, ``stop_exceed`` of them reaching ``lr``.
    """

    lr: float
    pvalue: float
    n_boot: int
    n_failed: int
    lr_boot: tuple[float, ...]
    n_draws: int = 0
    stopped: bool = False


def simulate_mixture(fit: MixtureFit, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` cases drawn from ``fit``'s mixture, on the standardised scale it was fitted on
    (:attr:`~analysis.profiles.fit.MixtureFit.fit_scale`)."""
    ws = fit.fit_scale
    cov_z = fit.covariances / np.outer(ws, ws)[None, :, :]
    means_z = (fit.means - fit.center) / ws
    label = rng.choice(fit.k, size=n, p=fit.weights / fit.weights.sum())
    chol = np.linalg.cholesky(cov_z)
    e = rng.standard_normal((n, fit.d))
    return means_z[label] + np.einsum("nij,nj->ni", chol[label], e)


def _draw(rng: np.random.Generator, *, null: MixtureFit, alt: MixtureFit, n_starts: int,
          n_final: int, null_starts: int, tol: float) -> list[float]:
    """One bootstrap draw: a sample from ``null``, both models refitted, their LR statistic."""
    z = simulate_mixture(null, null.n, rng)
    start_seed = int(rng.integers(0, 2**31 - 1))
    m0, _, _, _ = fit_standardized(z, null.family, null.k, n_starts=null_starts, n_final=1,
                                   seed=start_seed, tol=tol,
                                   starts=[null.start] if null.k > 1 else ())
    m1, _, _, _ = fit_standardized(z, alt.family, alt.k, n_starts=n_starts, n_final=n_final,
                                   seed=start_seed + 1, tol=tol, starts=[alt.start])
    return [2.0 * len(z) * (float(m1.score(z)) - float(m0.score(z)))]


def _statistics(values: np.ndarray, n: int) -> np.ndarray:
    """The replicates' LR statistics (NaN for failed draws, also when every draw failed)."""
    return values[:, 0] if values.ndim == 2 and values.shape[1] else np.full(n, np.nan)


def bootstrap_lrt(null: MixtureFit, alt: MixtureFit, *, n_boot: int = 100, seed: int = 1,
                  n_starts: int = 6, n_final: int = 2, null_starts: int = 2,
                  tol: float = 1e-7, stop_exceed: int | None = 10, n_jobs: int | None = None,
                  progress: bool | None = None) -> BLRTResult:
    """The parametric bootstrap likelihood-ratio test of ``null`` (``k - 1`` profiles) against
    ``alt`` (``k`` profiles) of the same family, fitted to the same data.

    Parameters
    ----------
    null, alt : MixtureFit
        The fitted ``k - 1`` and ``k``-profile models.
    n_boot : int
        Bootstrap draws at most (Nylund et al. used 100 to 500).
    seed : int
        Seed of the draws and of their random starts.
    n_starts, n_final : int
        Random starts screened, and iterated to convergence, for the ``k``-profile model per
        draw (besides the start from the observed solution).
    null_starts : int
        Random starts for the ``k - 1``-profile model per draw (the best one is iterated to
        convergence besides the start from the generating parameters; Mplus's ``LRTSTARTS``
        uses none).
    tol : float
        Convergence tolerance of the refits (change of the mean log-likelihood).
    stop_exceed : int or None
        Besag & Clifford's ``h``: stop the draws once this many reached the observed
        statistic (None: run all ``n_boot``). See the module's note.
    n_jobs : int or None
        Local worker processes for the draws (None: all cores; 1: in this process); the
        result is the same for any number.
    progress : bool or None
        Show a progress bar (None: when there are 20 draws or more).

    Returns
    -------
    BLRTResult
        The statistic, its bootstrap p-value and the draws.

    Examples
    --------
    >>> from analysis.profiles.fit import fit_mixture
    >>> rng = np.random.default_rng(2)
    >>> x = np.vstack([rng.normal(0, 1, (80, 2)), rng.normal(4, 1, (80, 2))])
    >>> one, two = (fit_mixture(x, "EEI", k, n_starts=4) for k in (1, 2))
    >>> test = bootstrap_lrt(one, two, n_boot=9, seed=1, n_jobs=1, progress=False)
    >>> test.pvalue, test.n_draws, test.stopped
    (0.1, 9, False)
    """
    import functools

    from tqdm import tqdm

    from analysis.arguments import check_n_jobs
    from analysis.structural.resampling import run_replicates

    if alt.k != null.k + 1 or alt.family != null.family:
        raise ValueError("bootstrap_lrt compares k - 1 with k profiles of one family")
    if stop_exceed is not None and int(stop_exceed) < 1:
        raise ValueError("stop_exceed must be a whole number >= 1 or None")
    n_jobs = check_n_jobs(n_jobs)
    lr = 2.0 * (alt.loglik - null.loglik)
    fn = functools.partial(_draw, null=null, alt=alt, n_starts=n_starts, n_final=n_final,
                           null_starts=null_starts, tol=tol)
    desc = f"BLRT {alt.family} {null.k} vs {alt.k}"
    if stop_exceed is None:
        run = run_replicates(fn, n_boot, seed, n_jobs=n_jobs, progress=progress, desc=desc)
        drawn = _statistics(run.values, n_boot)
    else:
        # batches of h draws, then as many as drawn so far (doubling); the stopping point is
        # read from the draws in order, so it does not depend on the batches
        h = int(stop_exceed)
        bar = tqdm(total=n_boot, desc=desc, mininterval=1.0, leave=False,
                   disable=progress is False or (progress is None and n_boot < 20))
        parts: list[np.ndarray] = []
        done = 0
        try:
            while done < n_boot:
                size = min(n_boot - done, max(h, done))
                run = run_replicates(fn, size, seed, n_jobs=n_jobs, progress=False,
                                     desc=desc, first=done)
                parts.append(_statistics(run.values, size))
                done += size
                bar.update(size)
                if np.sum(np.concatenate(parts) >= lr) >= h:
                    break
        finally:
            bar.close()
        drawn = np.concatenate(parts)
        reached = np.cumsum(drawn >= lr)
        if reached[-1] >= h:
            drawn = drawn[:int(np.argmax(reached >= h)) + 1]
    n_draws = len(drawn)
    values = [float(v) for v in drawn if np.isfinite(v)]
    failed = n_draws - len(values)
    exceed = sum(1 for v in values if v >= lr)
    stopped = stop_exceed is not None and n_draws < n_boot
    pvalue = (math.nan if not values else exceed / len(values) if stopped
              else (1 + exceed) / (1 + len(values)))
    return BLRTResult(lr=lr, pvalue=pvalue, n_boot=n_boot, n_failed=failed,
                      lr_boot=tuple(values), n_draws=n_draws, stopped=stopped)
