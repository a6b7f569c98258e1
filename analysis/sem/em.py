"""Incomplete data, resampled: missing-data patterns of weighted rows and the EM saturated model.

A bootstrap or jackknife replicate of incomplete data is the same rows with other
multiplicities, so its missing-data patterns are those of the full sample (some of them empty).
:class:`PatternIndex` sorts the rows into patterns once; :meth:`PatternIndex.moments` gives a
replicate's pattern counts, means and ML covariance matrices from its row weights (how often
each row was drawn) in a few matrix products, without regrouping the rows.

:func:`~analysis.sem.stats.em_stack` (re-exported here) is the EM algorithm for the saturated mean and covariance matrix of
incomplete multivariate-normal data (Dempster, Laird & Rubin 1977; Little & Rubin 2002,
*Statistical analysis with missing data*, 2nd ed., sec. 11.2.1), the same estimates as
:func:`analysis.sem.stats.em_saturated` (lavaan's ``lav_mvnorm_missing_h1_estimate_moments``),
computed for all patterns at once on padded arrays. For pattern k with observed set o and
``B_k = Sigma[:, o] Sigma_oo^-1`` (zero-padded to p x p; its observed rows are the identity),
the E step's sufficient statistics are

    sum_i E[x_i]      = n_k (mu + B_k (xbar_k - mu))
    sum_i E[x_i x_i'] = n_k (Sigma - B_k Sigma_o. + B_k S_k B_k' + m_k m_k'),  m_k = E[x],

with xbar_k, S_k the pattern's mean and ML covariance matrix (zero where unobserved); the
M step averages them. Warm-started at the full-sample estimates, a replicate converges in a
few iterations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .stats import GroupMoments, Pattern, PatternStack, em_stack

__all__ = ["PatternIndex", "em_stack", "replicate_moments"]


@dataclass
class PatternIndex:
    """The rows of a raw data matrix sorted into missing-data patterns (built once)."""

    X0: np.ndarray  # (N, p) the data with missing values set to 0
    pattern: np.ndarray  # (N,) pattern of each row
    obs: np.ndarray  # (P, p) bool, observed variables of each pattern
    names: list[str]
    _onehot: np.ndarray | None = field(default=None, repr=False)
    _xx: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def from_data(cls, X: np.ndarray, names: list[str]) -> PatternIndex:
        """``X``: rows = cases (NaN = missing); rows with no observed value are not allowed."""
        X = np.asarray(X, dtype=float)
        M = ~np.isnan(X)
        if not M.any(axis=1).all():
            raise ValueError("rows without any observed value must be removed first")
        keys, inverse = np.unique(M, axis=0, return_inverse=True)
        return cls(np.where(M, X, 0.0), np.asarray(inverse).reshape(-1), keys, list(names))

    @property
    def n_patterns(self) -> int:
        return int(self.obs.shape[0])

    def moments(self, weights: np.ndarray) -> PatternStack:
        """Pattern counts, means and ML covariance matrices (zero-padded) of the rows drawn
        ``weights[i]`` times each; patterns with no row drawn are dropped."""
        w = np.asarray(weights, dtype=float)
        P, p = self.obs.shape
        if self._onehot is None:
            self._onehot = np.zeros((P, len(self.pattern)))
            self._onehot[self.pattern, np.arange(len(self.pattern))] = 1.0
            self._xx = (self.X0[:, :, None] * self.X0[:, None, :]).reshape(len(self.X0), p * p)
        Ow = self._onehot * w
        n = Ow.sum(axis=1)
        keep = n > 0
        Ow = Ow[keep]
        n, obs = n[keep], self.obs[keep]
        s1 = Ow @ self.X0
        s2 = (Ow @ self._xx).reshape(len(n), p, p)
        mean = s1 / n[:, None]
        cov = s2 / n[:, None, None] - mean[:, :, None] * mean[:, None, :]
        obs2 = obs[:, :, None] & obs[:, None, :]
        cov = np.where(obs2, cov, 0.0)
        cov = (cov + cov.transpose(0, 2, 1)) / 2
        has_cov = n > 1.5  # a pattern drawn once (or one case twice) has zero covariance
        cov[~has_cov] = 0.0
        return PatternStack(obs, n, obs.sum(axis=1), mean, cov, has_cov, obs2)


def replicate_moments(index: PatternIndex, weights: np.ndarray) -> GroupMoments:
    """A :class:`~analysis.sem.stats.GroupMoments` of the weighted rows for FIML refits.

    Its ``patterns`` (and stack) are the replicate's; ``mean``/``cov`` are the pairwise
    available-case moments, used only for start values and checks, not by the likelihood.
    """
    st = index.moments(weights)
    patterns = [Pattern(np.flatnonzero(st.obs[k]), float(st.n[k]),
                        st.mean[k][st.obs[k]], st.cov[k][np.ix_(st.obs[k], st.obs[k])])
                for k in range(len(st.n))]
    n = int(round(float(st.n.sum())))
    cnt = st.obs.T @ st.n
    mean = (st.obs * st.mean * st.n[:, None]).sum(axis=0) / np.maximum(cnt, 1)
    var = np.einsum("k,kii->i", st.n, st.cov + st.mean[:, :, None] * st.mean[:, None, :])
    cov = np.diag(np.maximum(var / np.maximum(cnt, 1) - mean**2, 1e-12))
    complete = len(patterns) == 1 and bool(st.obs[0].all())
    g = GroupMoments(n=n, mean=mean, cov=cov, patterns=patterns, complete=complete,
                     names=list(index.names))
    g._stack = st
    return g
