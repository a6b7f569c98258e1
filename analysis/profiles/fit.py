"""One latent profile model: a Gaussian mixture of one covariance family with ``k`` profiles.

A latent profile analysis (LPA; Gibson, 1959; Vermunt & Magidson, 2002) models the joint
distribution of continuous indicators ``x`` (here construct scores) as a finite mixture
``f(x) = sum_k pi_k N(x; mu_k, Sigma_k)``. The estimation is scikit-learn's
:class:`~sklearn.mixture.GaussianMixture` (EM; BSD licence); this module adds what a
profile analysis needs around it:

* **Model families**, named as in R's mclust (Scrucca et al., 2016; Fraley & Raftery, 2002)
  and Mplus/tidyLPA (Rosenberg et al., 2018):

  ======  =====================================================  ==============================
  name    within-profile covariance                              scikit-learn
  ======  =====================================================  ==============================
  EEI     equal across profiles, diagonal (equal variances,      ``'diag'`` with a pooled
          covariances fixed at 0; Mplus's default LPA,           M-step (a thin wrapper: the
          tidyLPA model 1)                                       profile variances averaged,
                                                                 weighted by profile size)
  VVI     varying across profiles, diagonal (tidyLPA model 2)    ``'diag'``
  EEE     equal across profiles, full (tidyLPA model 3)          ``'tied'``
  VVV     varying across profiles, full (tidyLPA model 6)        ``'full'``
  EII     spherical, equal across profiles: one variance for     ``'spherical'`` with a pooled
          every indicator and profile, covariances 0 (mclust's   M-step (as EEI)
          equal volume, spherical)
  VII     spherical, varying across profiles: one variance per   ``'spherical'``
          profile for every indicator, covariances 0 (mclust's
          varying volume, spherical)
  ======  =====================================================  ==============================

  The spherical families assume that every indicator has the same variance within a profile,
  so they suit indicators on one scale (the five commitments' scale scores); they are not in
  the default set.
* **Random starts with a replication check** (as Mplus's ``STARTS = n_starts n_final``):
  ``n_starts`` seeded random starts (:func:`random_start`: a k-means++ partition) each run a few EM iterations; the ``n_final`` best are
  iterated to convergence, and :attr:`MixtureFit.n_replicated` counts the final starts whose
  log-likelihood equals the best within ``replication_tol``. A best log-likelihood reached only
  once may be a local maximum (Hipp & Bauer, 2006): increase the starts.
* **Information criteria** as Mplus prints them (smaller is better): ``AIC = -2 logL + 2 p``,
  ``BIC = -2 logL + p ln n`` (Schwarz, 1978), the sample-size-adjusted
  ``SABIC = -2 logL + p ln((n + 2) / 24)`` (Sclove, 1987). mclust's ``BIC`` is the negative
  of this (``2 logL - p ln n``, larger is better).
* **Relative entropy** (Ramaswamy et al., 1993; Mplus's ``Entropy``):
  ``E = 1 - sum_i sum_k (-p_ik ln p_ik) / (n ln K)`` from the posterior probabilities
  ``p_ik``; 1 is perfect classification (undefined for K = 1).

Like every public entry point, the fit runs BLAS on one thread (:mod:`analysis.blas`): its
matrices are small, and OpenBLAS's threads made it about five times slower on a shared 2-core
machine (``bench/bench_profiles.py``).

The mixture is fitted to the indicators standardised (mean 0, SD 1, population SD) for
numerical stability; the likelihood of every non-spherical family is equivariant under that
rescaling, so the log-likelihood, the means and the covariances are reported on the data's own
scale (``logL_x = logL_z - n sum_j ln s_j``). A spherical family's is not (dividing each
indicator by its own SD changes which variances are equal), so EII and VII are fitted to the
indicators centred and divided by one common scale, the geometric mean ``g`` of the SDs, under
which they are equivariant; as ``d ln g = sum_j ln s_j``, the same correction applies.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analysis.blas import one_thread_api
from analysis.profiles.errors import ProfilesInputError

__all__ = ["FAMILIES", "SPHERICAL", "MixtureFit", "fit_mixture", "n_parameters",
           "relative_entropy", "standardize", "working_scale"]

#: The model families offered, by their mclust names, with what they assume.
FAMILIES: dict[str, str] = {
    "EEI": "equal variances across profiles, covariances fixed at zero",
    "VVI": "variances varying across profiles, covariances fixed at zero",
    "EEE": "equal variances and covariances across profiles",
    "VVV": "variances and covariances varying across profiles",
    # appended after the four original families: a family's position seeds its random starts
    # (analysis.profiles.compare), so the other families' results do not change
    "EII": "one variance for every indicator and profile (spherical), covariances fixed at zero",
    "VII": "one variance per profile for every indicator (spherical), covariances fixed at zero",
}

#: The families whose covariance matrices are multiples of the identity.
SPHERICAL = ("EII", "VII")

_SKLEARN_TYPE = {"EEI": "diag", "VVI": "diag", "EEE": "tied", "VVV": "full",
                 "EII": "spherical", "VII": "spherical"}
#: The families whose profiles share one covariance matrix by a pooled M-step.
_POOLED = ("EEI", "EII")


def n_parameters(family: str, k: int, d: int) -> int:
    """Free parameters of a ``k``-profile model of ``d`` indicators (mclust's ``df``).

    ``k d`` means, ``k - 1`` mixing proportions and the covariance parameters: ``1`` (EII),
    ``k`` (VII), ``d`` (EEI), ``k d`` (VVI), ``d (d + 1) / 2`` (EEE) or ``k d (d + 1) / 2``
    (VVV).

    Examples
    --------
    >>> n_parameters("EEI", 3, 5), n_parameters("VVV", 2, 2), n_parameters("VII", 3, 5)
    (22, 11, 20)
    """
    cov = {"EII": 1, "VII": k, "EEI": d, "VVI": k * d, "EEE": d * (d + 1) // 2,
           "VVV": k * d * (d + 1) // 2}[check_family(family)]
    return k * d + (k - 1) + cov


def check_family(family: str) -> str:
    """The family's mclust name, checked (upper case accepted in any case)."""
    name = str(family).upper()
    if name not in FAMILIES:
        raise ProfilesInputError(
            f"unknown model family {family!r}; use one of {', '.join(FAMILIES)} "
            "(mclust's names: EEI equal variances, VVI varying variances, both with zero "
            "covariances; EEE equal and VVV varying full covariance matrices; EII one "
            "variance for all, VII one per profile, spherical)")
    return name


def relative_entropy(posterior: np.ndarray) -> float | None:
    """Mplus's relative entropy ``1 - sum(-p ln p) / (n ln K)``; ``None`` for one profile.

    Examples
    --------
    >>> relative_entropy(np.array([[1.0, 0.0], [0.0, 1.0]]))
    1.0
    >>> relative_entropy(np.array([[0.5, 0.5], [0.5, 0.5]]))
    0.0
    """
    p = np.asarray(posterior, dtype=float)
    n, k = p.shape
    if k < 2:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    return float(1.0 + plogp.sum() / (n * math.log(k)))


def standardize(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(z, center, scale)``: columns to mean 0 and population SD 1."""
    center = x.mean(axis=0)
    scale = x.std(axis=0)
    return (x - center) / scale, center, scale


def working_scale(family: str, scale: np.ndarray) -> np.ndarray:
    """The divisor of each centred indicator on the scale a family is fitted on: the SDs, or
    for a spherical family their geometric mean for every indicator (see the module's note).

    Examples
    --------
    >>> working_scale("EII", np.array([1.0, 4.0])).tolist(), working_scale("EEI", np.ones(2))
    ([2.0, 2.0], array([1., 1.]))
    """
    scale = np.asarray(scale, dtype=float)
    if family in SPHERICAL:
        return np.full_like(scale, float(np.exp(np.log(scale).mean())))
    return scale


def _equal_diagonal_class() -> type:
    """scikit-learn's diagonal or spherical mixture with mclust's EEI or EII constraint
    (defined lazily, so importing this module does not import scikit-learn)."""
    from sklearn.mixture import GaussianMixture

    class EqualDiagonalMixture(GaussianMixture):
        """``covariance_type='diag'`` (or ``'spherical'``) whose M-step pools the profile
        variances: the ML estimate under a common diagonal covariance is
        ``sum_k (n_k / n) diag(S_k)``, the profile variances averaged with the profile sizes as
        weights (Celeux & Govaert, 1995); under a common spherical one, ``sum_k (n_k / n)
        tr(S_k) / d``, the same average of scikit-learn's per-profile spherical variances."""

        def _pool(self) -> None:
            if getattr(self, "covariances_", None) is None:
                return
            cov = np.asarray(self.covariances_)
            pooled = np.average(cov, axis=0, weights=self.weights_)
            self.covariances_ = np.broadcast_to(pooled, cov.shape).copy()
            self.precisions_cholesky_ = 1.0 / np.sqrt(self.covariances_)

        # scikit-learn >= 1.6 passes the array namespace ``xp``; older releases do not
        def _initialize(self, X, resp, xp=None):  # noqa: ANN001 - scikit-learn's signature
            if xp is None:
                super()._initialize(X, resp)
            else:
                super()._initialize(X, resp, xp=xp)
            if self.precisions_init is None:
                self._pool()

        def _m_step(self, X, log_resp, xp=None):  # noqa: ANN001
            if xp is None:
                super()._m_step(X, log_resp)
            else:
                super()._m_step(X, log_resp, xp=xp)
            self._pool()

    return EqualDiagonalMixture


@dataclass
class Start:
    """An explicit starting point on the standardised scale (scikit-learn's parameter form)."""

    weights: np.ndarray
    means: np.ndarray
    precisions: np.ndarray


@dataclass
class MixtureFit:
    """A fitted latent profile model (profiles ordered by size, largest first).

    Attributes
    ----------
    family, k, n, d : str, int, int, int
        Model family (mclust name), profiles, cases, indicators.
    loglik : float
        The best log-likelihood over the starts, on the data's scale.
    n_parameters : int
        Free parameters (:func:`n_parameters`).
    weights, means, covariances : numpy.ndarray
        Mixing proportions ``(k,)``, profile means ``(k, d)`` and covariance matrices
        ``(k, d, d)`` on the data's scale.
    posterior : numpy.ndarray
        Posterior profile probabilities ``(n, k)``.
    final_logliks : list of float
        The log-likelihood reached by each final-stage start (NaN where a start failed).
    n_starts, n_replicated, n_failed : int
        Starts run, final starts reaching the best log-likelihood within ``replication_tol``,
        starts that failed (a profile emptied).
    converged : bool
        Whether the best start met the convergence tolerance.
    center, scale : numpy.ndarray
        Means and population SDs of the indicators (the standardisation; a spherical family
        is fitted on the common scale :attr:`fit_scale`).
    """

    family: str
    k: int
    n: int
    d: int
    loglik: float
    n_parameters: int
    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    posterior: np.ndarray
    final_logliks: list[float]
    n_starts: int
    n_replicated: int
    n_failed: int
    converged: bool
    center: np.ndarray
    scale: np.ndarray
    start: Start = field(repr=False)

    @property
    def aic(self) -> float:
        """Akaike's information criterion ``-2 logL + 2 p``."""
        return -2.0 * self.loglik + 2.0 * self.n_parameters

    @property
    def bic(self) -> float:
        """Schwarz's Bayesian information criterion ``-2 logL + p ln n`` (mclust: ``-BIC``)."""
        return -2.0 * self.loglik + self.n_parameters * math.log(self.n)

    @property
    def sabic(self) -> float:
        """Sclove's sample-size-adjusted BIC ``-2 logL + p ln((n + 2) / 24)``."""
        return -2.0 * self.loglik + self.n_parameters * math.log((self.n + 2) / 24)

    @property
    def entropy(self) -> float | None:
        """Relative entropy (:func:`relative_entropy`)."""
        return relative_entropy(self.posterior)

    @property
    def fit_scale(self) -> np.ndarray:
        """The divisors of the centred indicators on the scale the model was fitted on (and
        :attr:`start` is given on): :attr:`scale`, or for a spherical family its geometric
        mean (:func:`working_scale`)."""
        return working_scale(self.family, self.scale)

    @property
    def standardized_means(self) -> np.ndarray:
        """Profile means in SD units of the whole sample, ``(mu_k - mean) / sd``."""
        return (self.means - self.center) / self.scale

    @property
    def modal(self) -> np.ndarray:
        """Each case's most likely profile (0-based)."""
        return self.posterior.argmax(axis=1)


def _full_covariances(model: Any, family: str, k: int, d: int) -> np.ndarray:
    cov = np.asarray(model.covariances_, dtype=float)
    kind = _SKLEARN_TYPE[family]
    if kind == "spherical":
        return cov[:, None, None] * np.eye(d)[None, :, :]
    if kind == "diag":
        return np.stack([np.diag(c) for c in cov])
    if kind == "tied":
        return np.repeat(cov[None, :, :], k, axis=0)
    return cov.copy()


def _precisions(model: Any) -> np.ndarray:
    return np.asarray(model.precisions_, dtype=float).copy()


def _kmeanspp_centers(z: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding (Arthur & Vassilvitskii, 2007): the first center a random case, each
    further one drawn with probability proportional to the squared distance to the nearest."""
    n = len(z)
    centers = [z[rng.integers(n)]]
    d2 = ((z - centers[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        total = d2.sum()
        i = rng.integers(n) if total <= 0 else rng.choice(n, p=d2 / total)
        centers.append(z[i])
        d2 = np.minimum(d2, ((z - z[i]) ** 2).sum(axis=1))
    return np.asarray(centers)


def random_start(z: np.ndarray, family: str, k: int, rng: np.random.Generator,
                 reg_covar: float = 1e-6) -> Start:
    """A random start: k-means++ centers, every case assigned to its nearest, and the model's
    parameters estimated from that partition under the family's constraint (a profile with
    fewer than ``d + 1`` cases takes the whole sample's covariance).

    scikit-learn's own ``init_params='k-means++'`` gives the k seed cases all the weight, which
    leaves its tied (EEE) covariance at the size of the whole data and EM at a saddle point;
    a full partition avoids that.
    """
    n, d = z.shape
    centers = _kmeanspp_centers(z, k, rng)
    label = ((z[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    counts = np.bincount(label, minlength=k).astype(float)
    overall = np.cov(z, rowvar=False, bias=True).reshape(d, d)
    means = np.empty((k, d))
    covs = np.empty((k, d, d))
    for j in range(k):
        rows = z[label == j]
        means[j] = rows.mean(axis=0) if len(rows) else centers[j]
        covs[j] = (np.cov(rows, rowvar=False, bias=True).reshape(d, d) if len(rows) > d
                   else overall)
    weights = np.maximum(counts, 1.0) / np.maximum(counts, 1.0).sum()
    eye = np.eye(d) * reg_covar
    if family == "EII":
        pooled = float(np.trace(np.average(covs, axis=0, weights=weights))) / d + reg_covar
        precisions = np.full(k, 1.0 / pooled)
    elif family == "VII":
        precisions = 1.0 / (np.trace(covs, axis1=1, axis2=2) / d + reg_covar)
    elif family == "EEI":
        pooled = np.diag(np.average(covs, axis=0, weights=weights)) + reg_covar
        precisions = np.tile(1.0 / pooled, (k, 1))
    elif family == "VVI":
        precisions = 1.0 / (np.stack([np.diag(c) for c in covs]) + reg_covar)
    elif family == "EEE":
        precisions = np.linalg.inv(np.average(covs, axis=0, weights=weights) + eye)
    else:
        precisions = np.linalg.inv(covs + eye)
    return Start(weights=weights, means=means, precisions=precisions)


def _new_model(family: str, k: int, *, reg_covar: float, start: Start, max_iter: int,
               tol: float) -> Any:
    from sklearn.mixture import GaussianMixture

    cls = _equal_diagonal_class() if family in _POOLED else GaussianMixture
    return cls(n_components=k, covariance_type=_SKLEARN_TYPE[family], reg_covar=reg_covar,
               max_iter=max_iter, tol=tol, n_init=1, warm_start=True,
               weights_init=start.weights, means_init=start.means,
               precisions_init=start.precisions)


def _run(model: Any, z: np.ndarray) -> float:
    """Fit (continuing from the model's state) and return the mean log-likelihood or NaN."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model.fit(z)
        except (ValueError, np.linalg.LinAlgError, FloatingPointError):
            return float("nan")
    value = float(model.score(z))
    return value if math.isfinite(value) else float("nan")


def fit_standardized(z: np.ndarray, family: str, k: int, *, n_starts: int = 20,
                     n_final: int | None = None, seed: int = 1, starts: Sequence[Start] = (),
                     screen_iter: int = 10, max_iter: int = 2000, tol: float = 1e-10,
                     reg_covar: float = 1e-6) -> tuple[Any, list[float], int, bool]:
    """EM from ``n_starts`` seeded k-means++ starts (plus the explicit ``starts``) on the
    standardised data ``z``; returns ``(best model, final-stage mean log-likelihoods, failed
    starts, converged)``. ``tol`` is scikit-learn's: the change of the mean log-likelihood."""
    if k == 1:  # one profile: every start reaches the sample mean and covariance
        n_starts, n_final = 1, 1
    n_final = max(1, min(n_starts, n_final if n_final is not None else max(2, n_starts // 4)))
    rng = np.random.default_rng(seed)
    screened: list[tuple[float, Any]] = []
    failed = 0
    for _ in range(n_starts):
        model = _new_model(family, k, reg_covar=reg_covar,
                           start=random_start(z, family, k, rng, reg_covar),
                           max_iter=screen_iter, tol=0.0)
        value = _run(model, z)
        if math.isnan(value):
            failed += 1
        else:
            screened.append((value, model))
    screened.sort(key=lambda t: -t[0])
    finals = [m for _, m in screened[:n_final]]
    for st in starts:
        finals.append(_new_model(family, k, reg_covar=reg_covar, start=st, max_iter=max_iter,
                                 tol=tol))
    values: list[float] = []
    best, best_value = None, -math.inf
    for model in finals:
        model.set_params(max_iter=max_iter, tol=tol)
        value = _run(model, z)
        values.append(value)
        if math.isnan(value):
            failed += 1
        elif value > best_value:
            best, best_value = model, value
    if best is None:
        raise ProfilesInputError(
            f"no start of the {k}-profile {family} model could be estimated (a profile emptied "
            "in every start); use fewer profiles or another model family")
    return best, values, failed, bool(getattr(best, "converged_", False))


@one_thread_api
def fit_mixture(x: np.ndarray, family: str, k: int, *, n_starts: int = 20,
                n_final: int | None = None, seed: int = 1, starts: Sequence[Start] = (),
                replication_tol: float = 1e-3, max_iter: int = 2000, tol: float = 1e-10,
                reg_covar: float = 1e-6, _standardized: tuple | None = None) -> MixtureFit:
    """Fit one latent profile model by EM from many seeded random starts.

    Parameters
    ----------
    x : numpy.ndarray
        Complete data, cases by indicators.
    family : str
        ``"EEI"``, ``"VVI"``, ``"EEE"``, ``"VVV"``, ``"EII"`` or ``"VII"`` (:data:`FAMILIES`).
    k : int
        Number of profiles (>= 1).
    n_starts : int
        Random (k-means++) starts, each screened by a few EM iterations.
    n_final : int or None
        Best screened starts iterated to convergence (default ``max(2, n_starts // 4)``).
    seed : int
        Seed of the random starts.
    starts : sequence of Start
        Extra explicit starting points (on the scale the family is fitted on, standardised or
        for EII and VII divided by :func:`working_scale`), iterated to convergence.
    replication_tol : float
        Two log-likelihoods within this distance count as the same maximum.
    max_iter, tol, reg_covar : int, float, float
        EM iterations, convergence tolerance (change of the mean log-likelihood) and the ridge
        added to the variances (standardised scale), passed to scikit-learn.

    Returns
    -------
    MixtureFit
        The best solution, its profiles ordered by size.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x = np.vstack([rng.normal(0, 1, (100, 2)), rng.normal(4, 1, (100, 2))])
    >>> fit = fit_mixture(x, "EEI", 2, n_starts=4, seed=1)
    >>> fit.n_parameters, bool(abs(fit.means[:, 0].max() - 4) < 0.3), fit.n_replicated
    (7, True, 2)
    """
    family = check_family(family)
    x = np.asarray(x, dtype=float)
    n, d = x.shape
    z, center, scale = _standardized if _standardized is not None else standardize(x)
    ws = working_scale(family, scale)
    if family in SPHERICAL:  # one common scale (see the module's note)
        z = z * (scale / ws)[None, :]
    model, values, failed, converged = fit_standardized(
        z, family, k, n_starts=n_starts, n_final=n_final, seed=seed, starts=starts,
        max_iter=max_iter, tol=tol, reg_covar=reg_covar)
    shift = float(np.log(ws).sum())
    final = [v * n - n * shift if not math.isnan(v) else float("nan") for v in values]
    loglik = float(model.score(z)) * n - n * shift
    order = np.lexsort((np.asarray(model.means_)[:, 0], -np.asarray(model.weights_)))
    weights = np.asarray(model.weights_, dtype=float)[order]
    means_z = np.asarray(model.means_, dtype=float)[order]
    cov_z = _full_covariances(model, family, k, d)[order]
    posterior = model.predict_proba(z)[:, order]
    prec = _precisions(model)
    if _SKLEARN_TYPE[family] != "tied":
        prec = prec[order]
    replicated = sum(1 for v in final if not math.isnan(v) and loglik - v <= replication_tol)
    return MixtureFit(
        family=family, k=k, n=n, d=d, loglik=loglik, n_parameters=n_parameters(family, k, d),
        weights=weights, means=center + means_z * ws,
        covariances=cov_z * np.outer(ws, ws)[None, :, :], posterior=posterior,
        final_logliks=final, n_starts=(1 if k == 1 else n_starts) + len(starts), n_replicated=replicated,
        n_failed=failed, converged=converged, center=center, scale=scale,
        start=Start(weights=weights.copy(), means=means_z.copy(), precisions=prec))
