"""The comparison table: every model family with 1..K profiles, side by side.

One row per model (family, k) with the statistics used to choose the number of profiles
(Nylund, Asparouhov & Muthén, 2007; Masyn, 2013; Spurk et al., 2020):

==============  =================================================================================
``logl``        the best log-likelihood over the random starts
``npar``        free parameters (:func:`~analysis.profiles.fit.n_parameters`)
``aic``         ``-2 logL + 2 npar`` (Akaike, 1974)
``bic``         ``-2 logL + npar ln n`` (Schwarz, 1978); mclust's ``BIC`` is ``-bic``
``sabic``       ``-2 logL + npar ln((n + 2) / 24)`` (Sclove, 1987)
``entropy``     relative entropy, Mplus's (Ramaswamy et al., 1993); empty for k = 1
``smallest``    the smallest profile's share of the sample (mixing proportion)
``n_starts``    random starts run; ``n_final`` of them iterated to convergence, ``n_replicated``
                of those reached the best logL (within 0.001)
``blrt_lr``     ``2 (logL_k - logL_{k-1})``; ``blrt_pvalue`` its bootstrap p-value
                (:mod:`analysis.profiles.blrt`); ``blrt_draws`` the bootstrap draws it used
                (fewer than asked when a large p-value stopped them early, Besag & Clifford,
                1991); empty for k = 1 and for tests not run
==============  =================================================================================

Smaller AIC, BIC and SABIC are better; the BIC is the most dependable of the three for latent
profile models (Nylund et al., 2007), together with the BLRT: the number of profiles chosen by
the BLRT is the largest ``k`` whose test against ``k - 1`` is significant, stopping at the first
that is not. The tests are therefore run in that order and, by default, stop there too: the
tests after the first non-significant one cannot change that choice and are not run (their
cells are empty; ``every_k=True`` runs them all).

The models are fitted in worker processes (``n_jobs``), each from its own seed, so the table
is the same for any number of processes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.blas import one_thread_api
from analysis.profiles.blrt import BLRTResult, bootstrap_lrt
from analysis.profiles.errors import ProfilesInputError
from analysis.profiles.fit import FAMILIES, MixtureFit, check_family, fit_mixture, standardize

__all__ = ["COLUMNS", "ProfileComparison", "blrt_choice", "compare_profiles"]

COLUMNS = ["family", "k", "logl", "npar", "aic", "bic", "sabic", "entropy", "smallest",
           "n_starts", "n_final", "n_replicated", "blrt_lr", "blrt_pvalue", "blrt_draws"]


@dataclass
class ProfileComparison:
    """Every model fitted, its BLRT, and the comparison :attr:`table` (:data:`COLUMNS`)."""

    fits: dict[tuple[str, int], MixtureFit]
    blrt: dict[tuple[str, int], BLRTResult]
    table: pd.DataFrame

    def best(self, criterion: str = "bic") -> MixtureFit:
        """The model with the smallest ``criterion`` (``"bic"``, ``"aic"`` or ``"sabic"``)."""
        row = self.table.loc[self.table[criterion].idxmin()]
        return self.fits[(row["family"], int(row["k"]))]

    def add_blrt(self, family: str, *, n_boot: int, seed: int = 1, n_starts: int = 6,
                 stop_exceed: int | None = 10, every_k: bool = False, alpha: float = 0.05,
                 n_jobs: int | None = None, progress: bool | None = None) -> None:
        """Run the BLRT of k - 1 against k profiles for the ks of ``family`` whose k - 1 was
        fitted, in increasing k, and fill the table's ``blrt_lr``, ``blrt_pvalue`` and
        ``blrt_draws``. Unless ``every_k``, the tests stop after the first with p > ``alpha``
        (the BLRT's choice, :func:`blrt_choice`, is read up to there). ``stop_exceed``:
        Besag & Clifford's sequential stopping of each test's draws
        (:func:`~analysis.profiles.blrt.bootstrap_lrt`; None: all ``n_boot`` draws)."""
        fi = list(FAMILIES).index(family)
        for (fam, kk), fit in sorted(self.fits.items(), key=lambda t: t[0][1]):
            if fam != family or (fam, kk - 1) not in self.fits:
                continue
            test = bootstrap_lrt(self.fits[(fam, kk - 1)], fit, n_boot=n_boot,
                                 seed=_seed(seed, fi, kk, 1), n_starts=n_starts,
                                 stop_exceed=stop_exceed, n_jobs=n_jobs, progress=progress)
            self.blrt[(fam, kk)] = test
            at = (self.table["family"] == fam) & (self.table["k"] == kk)
            self.table.loc[at, "blrt_lr"] = test.lr
            self.table.loc[at, "blrt_pvalue"] = test.pvalue
            self.table.loc[at, "blrt_draws"] = test.n_draws
            if not every_k and not test.pvalue <= alpha:  # also when no draw could be fitted
                break


def _seed(seed: int, *parts: int) -> int:
    return int(np.random.default_rng([seed, *parts]).integers(0, 2**31 - 1))


def _fit_one(x: np.ndarray, family: str, k: int, n_starts: int, n_final: int | None,
             seed: int, standardized: tuple) -> MixtureFit:
    return fit_mixture(x, family, k, n_starts=n_starts, n_final=n_final,
                       seed=_seed(seed, list(FAMILIES).index(family), k),
                       _standardized=standardized)


def _fit_all(x: np.ndarray, models: list[tuple[str, int]], *, n_starts: int,
             n_final: int | None, seed: int, standardized: tuple,
             n_jobs: int | None) -> dict[tuple[str, int], MixtureFit]:
    """Every model, in this process or in ``n_jobs`` worker processes (largest first); each
    model's starts come from its own seed, so the fits are the same either way."""
    import os

    workers = min(len(models), (os.cpu_count() or 1) if n_jobs is None else max(1, n_jobs))
    if workers <= 1:
        return {(f, k): _fit_one(x, f, k, n_starts, n_final, seed, standardized)
                for f, k in models}
    from concurrent.futures import ProcessPoolExecutor

    # the costliest models (most profiles, full covariances) first, for an even load
    order = sorted(models, key=lambda m: (-m[1], -list(FAMILIES).index(m[0])))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {m: pool.submit(_fit_one, x, m[0], m[1], n_starts, n_final, seed,
                                  standardized) for m in order}
        return {m: futures[m].result() for m in models}


def blrt_choice(table: pd.DataFrame, family: str, alpha: float = 0.05) -> int | None:
    """The number of profiles the BLRT chooses for ``family``: stepping up from k = 2, the last
    k before the first non-significant test (``None`` when no test was run)."""
    rows = table[(table["family"] == family) & table["blrt_pvalue"].notna()].sort_values("k")
    if rows.empty:
        return None
    chosen = int(rows["k"].iloc[0]) - 1
    for _, row in rows.iterrows():
        if row["blrt_pvalue"] > alpha:
            break
        chosen = int(row["k"])
    return chosen


@one_thread_api
def compare_profiles(x: np.ndarray, *, k: Sequence[int] = range(1, 7),
                     families: Sequence[str] = ("EEI", "VVI", "EEE", "VVV"),
                     n_starts: int = 20, n_final: int | None = None, n_boot: int = 100,
                     seed: int = 1, blrt_starts: int = 6,
                     blrt_families: Sequence[str] | None = None,
                     stop_exceed: int | None = 10, every_k: bool = False,
                     n_jobs: int | None = None, progress: bool | None = None
                     ) -> ProfileComparison:
    """Fit every family with every number of profiles and tabulate the comparison.

    Parameters
    ----------
    x : numpy.ndarray
        Complete data, cases by indicators.
    k : sequence of int
        Numbers of profiles, each >= 1 (a BLRT is run for k when k - 1 is also fitted).
    families : sequence of str
        Model families (:data:`~analysis.profiles.fit.FAMILIES`).
    n_starts, n_final : int, int or None
        Random starts per model, and the best of them iterated to convergence.
    n_boot : int
        BLRT draws per test (0: no BLRT).
    seed : int
        Seed of every random start and draw.
    blrt_starts : int
        Random starts per model per BLRT draw.
    blrt_families : sequence of str or None
        The families that get a BLRT (None: all; the test costs ``n_boot`` refits of two
        models per row).
    n_jobs : int or None
        Worker processes for the BLRT draws (None: all cores; the same result for any).
    progress : bool or None
        Progress bars for the BLRT (None: for 20 draws or more).

    Returns
    -------
    ProfileComparison
        The fits, the BLRTs and the table.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> x = np.vstack([rng.normal(0, 1, (60, 2)), rng.normal(5, 1, (60, 2))])
    >>> cmp = compare_profiles(x, k=[1, 2, 3], families=["EEI"], n_starts=4, n_boot=0)
    >>> cmp.best().k, list(cmp.table["k"])
    (2, [1, 2, 3])
    """
    x = np.asarray(x, dtype=float)
    ks = sorted({int(v) for v in k})
    if not ks or ks[0] < 1:
        raise ProfilesInputError(f"numbers of profiles must be whole numbers >= 1; got {list(k)}")
    fams = [check_family(f) for f in families]
    tested = set(fams) if blrt_families is None else {check_family(f) for f in blrt_families}
    if not fams:
        raise ProfilesInputError(f"give at least one model family ({', '.join(FAMILIES)})")
    n, d = x.shape
    standardized = standardize(x)
    fits: dict[tuple[str, int], MixtureFit] = {}
    rows = []
    for kk in ks:
        if kk * d + kk - 1 >= n:
            raise ProfilesInputError(
                f"{kk} profiles of {d} indicators need more than {kk * d + kk - 1} cases; "
                f"the data have {n}: fit fewer profiles")
    models = [(fam, kk) for fam in fams for kk in ks]
    fitted = _fit_all(x, models, n_starts=n_starts, n_final=n_final, seed=seed,
                      standardized=standardized, n_jobs=n_jobs)
    for fam, kk in models:
        fit = fitted[(fam, kk)]
        fits[(fam, kk)] = fit
        rows.append({
            "family": fam, "k": kk, "logl": fit.loglik, "npar": fit.n_parameters,
            "aic": fit.aic, "bic": fit.bic, "sabic": fit.sabic,
            "entropy": fit.entropy if fit.entropy is not None else math.nan,
            "smallest": float(fit.weights.min()), "n_starts": fit.n_starts,
            "n_final": len(fit.final_logliks), "n_replicated": fit.n_replicated,
            "blrt_lr": math.nan, "blrt_pvalue": math.nan, "blrt_draws": math.nan})
    result = ProfileComparison(fits=fits, blrt={}, table=pd.DataFrame(rows, columns=COLUMNS))
    if n_boot > 0:
        for fam in fams:
            if fam in tested:
                result.add_blrt(fam, n_boot=n_boot, seed=seed, n_starts=blrt_starts,
                                stop_exceed=stop_exceed, every_k=every_k, n_jobs=n_jobs,
                                progress=progress)
    return result
