"""Sample statistics: moments, missing-data patterns, EM saturated model, input checks.

All covariance matrices use the maximum-likelihood divisor N (not N-1), as lavaan does
for ``likelihood = "normal"`` (Rosseel, 2012).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import SEMInputError

__all__ = ["GroupMoments", "Pattern", "PatternStack", "check_moments", "em_saturated", "em_stack",
           "moments_from_data", "moments_from_cov"]


@dataclass
class Pattern:
    """Cases sharing one missing-data pattern: observed columns, count, mean, ML covariance."""

    obs: np.ndarray
    n: float
    mean: np.ndarray
    cov: np.ndarray


@dataclass
class PatternStack:
    """The missing-data patterns of a group as padded arrays, for batched FIML.

    Row ``k`` is ``patterns[k]``: ``obs`` marks its observed variables, ``mean`` is its
    sample mean (zero where unobserved) and ``cov`` its ML covariance matrix (zero
    outside the observed block, all zero for a pattern of a single case), both in the
    group's variable order.
    """

    obs: np.ndarray  # (P, p) bool
    n: np.ndarray  # (P,)
    nobs: np.ndarray  # (P,) number of observed variables
    mean: np.ndarray  # (P, p)
    cov: np.ndarray  # (P, p, p)
    has_cov: np.ndarray  # (P,) bool: cov is not all zero (more than one distinct case)
    obs2: np.ndarray  # (P, p, p) bool: the observed block

    @classmethod
    def from_patterns(cls, patterns: list[Pattern], p: int) -> PatternStack:
        P = len(patterns)
        obs = np.zeros((P, p), dtype=bool)
        mean = np.zeros((P, p))
        cov = np.zeros((P, p, p))
        for k, pt in enumerate(patterns):
            o = pt.obs
            obs[k, o] = True
            mean[k, o] = pt.mean
            cov[k][np.ix_(o, o)] = pt.cov
        n = np.array([pt.n for pt in patterns], dtype=float)
        return cls(obs, n, obs.sum(axis=1), mean, cov, np.any(cov != 0, axis=(1, 2)),
                   obs[:, :, None] & obs[:, None, :])


@dataclass
class GroupMoments:
    """Sample information for one group.

    ``mean``/``cov`` are the saturated (h1) estimates: the sample moments for complete
    data, the EM estimates for incomplete data.  ``X`` (raw data) is kept when available
    for robust corrections and FIML case-wise scores.
    """

    n: int
    mean: np.ndarray
    cov: np.ndarray
    patterns: list[Pattern]
    complete: bool = True
    X: np.ndarray | None = None
    names: list[str] = field(default_factory=list)
    em_iterations: int = 0
    _stack: PatternStack | None = field(default=None, init=False, repr=False, compare=False)

    def stack(self) -> PatternStack:
        """``patterns`` as padded arrays (built once; patterns must not change afterwards)."""
        if self._stack is None or len(self._stack.n) != len(self.patterns):
            self._stack = PatternStack.from_patterns(self.patterns, len(self.mean))
        return self._stack


def _ml_cov(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = X.mean(axis=0)
    Z = X - mean
    return mean, Z.T @ Z / X.shape[0]


def check_moments(cov: np.ndarray, names: list[str], n: int, where: str = "") -> None:
    """Raise :class:`SEMInputError` for constant items, duplicated items, or a
    non-positive-definite covariance matrix, naming the items involved."""
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    tag = f" ({where})" if where else ""
    const = [names[i] for i in range(len(names)) if not sd[i] > 1e-12 * max(1.0, sd.max())]
    if const:
        raise SEMInputError(f"item(s) with zero variance{tag}: {', '.join(const)}")
    R = cov / np.outer(sd, sd)
    p = len(names)
    dup = [
        (names[i], names[j]) for i in range(p) for j in range(i + 1, p) if abs(R[i, j]) > 1 - 1e-10
    ]
    if dup:
        pairs = "; ".join(f"{a} and {b}" for a, b in dup)
        raise SEMInputError(f"items are identical or perfectly correlated{tag}: {pairs}")
    if n <= p:
        raise SEMInputError(
            f"only {n} complete cases{tag} for {p} observed variables: the sample covariance "
            "matrix cannot be positive definite"
        )
    w, v = np.linalg.eigh(R)
    if w[0] < 1e-10:
        vec = v[:, 0]
        inv = [names[i] for i in np.argsort(-np.abs(vec)) if abs(vec[i]) > 0.1]
        raise SEMInputError(
            f"the sample covariance matrix{tag} is not positive definite (smallest eigenvalue "
            f"{w[0]:.3g}); linear dependence among: {', '.join(inv)}"
        )


def moments_from_data(X: np.ndarray, names: list[str], missing: str = "listwise",
                      where: str = "") -> GroupMoments:
    """Moments of one group from a raw data matrix (rows = cases)."""
    X = np.asarray(X, dtype=float)
    tag = f" ({where})" if where else ""
    if missing == "listwise":
        keep = ~np.isnan(X).any(axis=1)
        X = X[keep]
        n = X.shape[0]
        if n < 2:
            raise SEMInputError(f"fewer than 2 complete cases{tag}")
        mean, cov = _ml_cov(X)
        check_moments(cov, names, n, where)
        pat = Pattern(np.arange(X.shape[1]), float(n), mean, cov)
        return GroupMoments(n=n, mean=mean, cov=cov, patterns=[pat], complete=True, X=X,
                            names=list(names))
    if missing != "ml":
        raise SEMInputError(f"missing must be 'listwise' or 'ml', not {missing!r}")
    allmiss = np.isnan(X).all(axis=1)
    X = X[~allmiss]
    n = X.shape[0]
    empty = [names[j] for j in range(X.shape[1]) if np.isnan(X[:, j]).all()]
    if empty:
        raise SEMInputError(f"item(s) with no observed values{tag}: {', '.join(empty)}")
    M = ~np.isnan(X)
    keys, inverse = np.unique(M, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    patterns = []
    for k in range(keys.shape[0]):
        rows = X[inverse == k]
        obs = np.flatnonzero(keys[k])
        mean, cov = _ml_cov(rows[:, obs])
        patterns.append(Pattern(obs, float(rows.shape[0]), mean, cov))
    complete = keys.shape[0] == 1 and bool(keys[0].all())
    for j, name in enumerate(names):
        col = X[:, j][~np.isnan(X[:, j])]
        if col.size < 2 or np.ptp(col) == 0:
            raise SEMInputError(f"item with zero variance{tag}: {name}")
    mu, sigma, it = em_saturated(patterns, X.shape[1])
    check_moments(sigma, names, n, where)
    return GroupMoments(n=n, mean=mu, cov=sigma, patterns=patterns, complete=complete, X=X,
                        names=list(names), em_iterations=it)


def moments_from_cov(cov: np.ndarray, n: int, mean: np.ndarray | None = None,
                     names: list[str] | None = None, check: bool = True) -> GroupMoments:
    """Moments of one group from a (ML, divisor N) covariance matrix and optional mean."""
    cov = np.asarray(cov, dtype=float)
    p = cov.shape[0]
    mean = np.zeros(p) if mean is None else np.asarray(mean, dtype=float)
    names = list(names) if names is not None else [f"v{i + 1}" for i in range(p)]
    if check:
        check_moments(cov, names, n)
    pat = Pattern(np.arange(p), float(n), mean, cov)
    return GroupMoments(n=int(n), mean=mean, cov=cov, patterns=[pat], complete=True, names=names)


def em_saturated(patterns: list[Pattern], p: int, tol: float = 1e-11,
                 max_iter: int = 5000) -> tuple[np.ndarray, np.ndarray, int]:
    """ML mean and covariance from incomplete multivariate-normal data by EM
    (Dempster, Laird & Rubin, 1977; Little & Rubin, 2002, ch. 11), pattern-wise."""
    mu = np.zeros(p)
    cnt = np.zeros(p)
    for pt in patterns:
        mu[pt.obs] += pt.n * pt.mean
        cnt[pt.obs] += pt.n
    mu = mu / cnt
    var = np.zeros(p)
    for pt in patterns:
        d = pt.mean - mu[pt.obs]
        var[pt.obs] += pt.n * (np.diag(pt.cov) + d**2)
    sigma = np.diag(var / cnt)
    # the E and M steps for all patterns at once (padded arrays)
    return em_stack(PatternStack.from_patterns(patterns, p), mu, sigma, tol=tol,
                    max_iter=max_iter)


def em_stack(st: PatternStack, mu: np.ndarray, sigma: np.ndarray, tol: float = 1e-11,
             max_iter: int = 5000) -> tuple[np.ndarray, np.ndarray, int]:
    """EM saturated mean and covariance matrix from a pattern stack, starting at ``mu``,
    ``sigma`` (e.g. the full sample's EM estimates for a resample); stops when no element
    moves by more than ``tol``. Returns ``(mu, sigma, iterations)``.

    All patterns at once on padded arrays (Dempster, Laird & Rubin 1977; Little & Rubin 2002,
    sec. 11.2.1): for pattern k with observed set o and ``B_k = Sigma[:, o] Sigma_oo^-1``
    (zero-padded; its observed rows are the identity) the E step's sufficient statistics are
    ``n_k m_k`` with ``m_k = mu + B_k (xbar_k - mu)`` and
    ``n_k (Sigma - B_k Sigma + B_k S_k B_k' + m_k m_k')`` (xbar_k, S_k the pattern's mean and ML
    covariance, zero where unobserved); the M step averages them."""
    p = len(mu)
    N = float(st.n.sum())
    eye = np.eye(p)
    mu, sigma = np.array(mu, dtype=float), np.array(sigma, dtype=float)
    it = 0
    while it < max_iter:
        it += 1
        Sp = np.where(st.obs2, sigma, eye)
        Si = np.linalg.inv(Sp) * st.obs2  # inv(Sigma_oo), zero-padded
        B = sigma @ Si  # (P, p, p): rows of the observed variables are the identity
        dv = np.where(st.obs, st.mean - mu, 0.0)
        m = mu + np.einsum("kij,kj->ki", B, dv)
        resid = sigma - B @ sigma  # zero on observed rows and columns
        C = resid + B @ st.cov @ B.transpose(0, 2, 1) + m[:, :, None] * m[:, None, :]
        mu_new = st.n @ m / N
        sig_new = np.tensordot(st.n, C, axes=1) / N - np.outer(mu_new, mu_new)
        sig_new = (sig_new + sig_new.T) / 2
        delta = max(np.max(np.abs(mu_new - mu)), np.max(np.abs(sig_new - sigma)))
        mu, sigma = mu_new, sig_new
        if delta < tol:
            break
    return mu, sigma, it
