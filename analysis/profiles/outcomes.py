"""Profiles to outcomes, accounting for classification error: the BCH method.

Assigning each case to its most likely profile and comparing outcome means by profile (the
naive "modal assignment" or three-step approach without correction) biases the differences
toward zero, because some cases are assigned to the wrong profile (Bolck, Croon & Hagenaars,
2004). The BCH correction (Bolck, Croon & Hagenaars, 2004; Vermunt, 2010; Bakk & Vermunt, 2016)
undoes the misclassification by weighting:

* the classification-error matrix ``D`` (K x K) has ``d_st = P(W = t | X = s) =
  sum_i p_is w_it / sum_i p_is``, from the posterior probabilities ``p_is`` of the
  profile model and the assignment ``w_it`` (1 for the modal profile, else 0);
* as ``P(W, Y) = P(X, Y) D``, a case assigned to profile ``t`` enters profile ``s`` with the
  weight ``(D^-1)_ts`` (the BCH weights, ``W D^-1``; they can be negative);
* the profile's outcome mean is the weighted mean ``mu_s = sum_i w*_is y_i / sum_i w*_is``.

Standard errors are the sandwich (cluster-robust, each case a cluster across the profiles)
standard errors of these weighted estimating equations, as in Bakk & Vermunt (2016) and Mplus's
BCH: ``Cov(mu_s, mu_t) = sum_i u_is u_it`` with ``u_is = w*_is (y_i - mu_s) / sum_j w*_js``;
like theirs, they treat the weights as known. Pairwise differences ``mu_s - mu_t`` get
``Var = V_ss + V_tt - 2 V_st``, a normal z test and a Wald interval, and the equality of all
profile means a Wald chi-square with K - 1 degrees of freedom.

**The ML three-step approach** (``method="ml3"``; Vermunt, 2010; Bakk, Tekle & Vermunt, 2013;
Mplus's ``DU3STEP``) corrects by a model instead of weights: step 3 fits, for each outcome, a
latent class model whose one indicator is the modal assignment ``W``, with its
misclassification probabilities fixed at ``D``, and whose outcome is normal within each
profile with its own mean and variance:

    L = prod_i sum_s pi_s d_{s, w_i} N(y_i; mu_s, sigma_s^2)

estimated by EM (``D`` fixed; the profile shares ``pi_s`` re-estimated) from the BCH means,
finished by Newton steps. Its
standard errors are those of maximum likelihood, from the observed information (the Hessian of
``log L`` in ``logit pi``, ``mu`` and ``log sigma``, by central differences of its analytic
gradient), treating ``D`` as known, as Vermunt (2010) and Mplus do.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.profiles.errors import ProfilesInputError

__all__ = ["bch_weights", "classification_error", "crosstab", "ml3_means", "outcome_means"]


def classification_error(posterior: np.ndarray) -> np.ndarray:
    """The matrix ``D`` with ``d_st = P(modal profile t | true profile s)``.

    Examples
    --------
    >>> p = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]])
    >>> classification_error(p).round(3).tolist()
    [[0.85, 0.15], [0.3, 0.7]]
    """
    p = np.asarray(posterior, dtype=float)
    w = np.eye(p.shape[1])[p.argmax(axis=1)]
    return (p.T @ w) / p.sum(axis=0)[:, None]


def bch_weights(posterior: np.ndarray) -> np.ndarray:
    """BCH weights ``W D^-1`` (cases by profiles) for modal assignment.

    Examples
    --------
    >>> bch_weights(np.array([[1.0, 0.0], [0.0, 1.0]])).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    p = np.asarray(posterior, dtype=float)
    d = classification_error(p)
    if np.linalg.cond(d) > 1e8:
        raise ProfilesInputError(
            "the profiles cannot be told apart (the classification-error matrix is singular): "
            "BCH outcome means need distinct profiles; fit fewer profiles")
    w = np.eye(p.shape[1])[p.argmax(axis=1)]
    return w @ np.linalg.inv(d)


def _weighted_means(weights: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted means per column of ``weights`` and their sandwich covariance."""
    total = weights.sum(axis=0)
    mu = weights.T @ y / total
    u = weights * (y[:, None] - mu[None, :]) / total[None, :]
    return mu, u.T @ u


def _ml3_posterior(theta: np.ndarray, dw: np.ndarray, y: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Step 3's per-case log-likelihoods and posterior profile probabilities at ``theta``
    (``alpha`` logits with the last profile 0, ``mu``, ``log sigma``)."""
    k = dw.shape[1]
    alpha = np.append(theta[:k - 1], 0.0)
    mu, logsd = theta[k - 1:2 * k - 1], theta[2 * k - 1:]
    logpi = alpha - np.logaddexp.reduce(alpha)
    sd = np.exp(logsd)
    with np.errstate(divide="ignore"):
        logj = (logpi[None, :] + np.log(dw) - logsd[None, :] - 0.5 * np.log(2 * np.pi)
                - 0.5 * ((y[:, None] - mu[None, :]) / sd[None, :]) ** 2)
    ll = np.logaddexp.reduce(logj, axis=1)
    return ll, np.exp(logj - ll[:, None])


def _ml3_gradient(theta: np.ndarray, dw: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The analytic gradient of step 3's log-likelihood."""
    k = dw.shape[1]
    mu, sd = theta[k - 1:2 * k - 1], np.exp(theta[2 * k - 1:])
    _, r = _ml3_posterior(theta, dw, y)
    pi = np.exp(np.append(theta[:k - 1], 0.0) - np.logaddexp.reduce(np.append(theta[:k - 1],
                                                                              0.0)))
    e = (y[:, None] - mu[None, :]) / sd[None, :]
    g_alpha = (r - pi[None, :]).sum(axis=0)[:k - 1]
    g_mu = (r * e / sd[None, :]).sum(axis=0)
    g_logsd = (r * (e ** 2 - 1.0)).sum(axis=0)
    return np.concatenate([g_alpha, g_mu, g_logsd])


def ml3_means(posterior: np.ndarray, y: np.ndarray, *, max_iter: int = 5000,
              tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The ML three-step estimate of one outcome's profile means (see the module's note).

    Parameters
    ----------
    posterior : numpy.ndarray
        Step 1's posterior profile probabilities (cases by profiles).
    y : numpy.ndarray
        The outcome (no missing values).
    max_iter, tol : int, float
        EM iterations and tolerance (change of the mean log-likelihood).

    Returns
    -------
    mu, cov, sd, loglik
        Profile means, their covariance matrix (observed information), the profile SDs and
        step 3's log-likelihood.

    Examples
    --------
    With every case classified with certainty, step 3 is the profiles' own means:

    >>> p = np.array([[1.0, 0.0]] * 3 + [[0.0, 1.0]] * 3)
    >>> mu, cov, sd, _ = ml3_means(p, np.array([1.0, 2.0, 3.0, 5.0, 6.0, 7.0]))
    >>> mu.round(6).tolist(), np.diag(cov).round(6).tolist()
    ([2.0, 6.0], [0.222222, 0.222222])
    """
    p = np.asarray(posterior, dtype=float)
    y = np.asarray(y, dtype=float)
    n, k = p.shape
    d = classification_error(p)
    w = p.argmax(axis=1)
    dw = d[:, w].T  # P(W = w_i | X = s), cases by profiles
    # start: the BCH means (the modal ones if D cannot be inverted), the pooled variance
    try:
        mu = bch_weights(p).T @ y / bch_weights(p).sum(axis=0)
    except ProfilesInputError:
        mu = np.array([y[w == s].mean() if (w == s).any() else y.mean() for s in range(k)])
    var_floor = 1e-6 * max(float(y.var()), 1e-12)
    var = np.full(k, max(float(y.var()), var_floor))
    pi = p.mean(axis=0)
    theta = np.concatenate([np.log(pi[:k - 1] / pi[-1]), mu, 0.5 * np.log(var)])
    previous = -np.inf
    for _ in range(max_iter):
        ll, r = _ml3_posterior(theta, dw, y)
        value = float(ll.mean())
        if value - previous < tol:
            break
        previous = value
        size = r.sum(axis=0)
        if (size <= 0).any():
            raise ProfilesInputError(
                "ML three-step: a profile emptied in step 3; fit fewer profiles or use BCH")
        pi = size / n
        mu = r.T @ y / size
        var = np.maximum((r * (y[:, None] - mu[None, :]) ** 2).sum(axis=0) / size, var_floor)
        theta = np.concatenate([np.log(pi[:k - 1] / pi[-1]), mu, 0.5 * np.log(var)])
    # EM slows down near the maximum: finish with Newton steps, each kept only if it raises
    # the log-likelihood
    ll_sum = float(_ml3_posterior(theta, dw, y)[0].sum())
    hess = _ml3_hessian(theta, dw, y)
    for _ in range(20):
        try:
            step = np.linalg.solve(hess, _ml3_gradient(theta, dw, y))
        except np.linalg.LinAlgError:
            break
        trial = theta - step
        value = float(_ml3_posterior(trial, dw, y)[0].sum())
        if not value >= ll_sum - 1e-12:
            break
        theta, ll_sum = trial, value
        hess = _ml3_hessian(theta, dw, y)
        if np.abs(step).max() < 1e-10:
            break
    cov = np.linalg.pinv(-hess)
    block = slice(k - 1, 2 * k - 1)
    return (theta[block].copy(), cov[block, block], np.exp(theta[2 * k - 1:]), ll_sum)


def _ml3_hessian(theta: np.ndarray, dw: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Step 3's Hessian: central differences of the analytic gradient, symmetrised."""
    m = len(theta)
    hess = np.empty((m, m))
    for j in range(m):
        h = 1e-5 * max(1.0, abs(theta[j]))
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        hess[:, j] = (_ml3_gradient(up, dw, y) - _ml3_gradient(down, dw, y)) / (2 * h)
    return (hess + hess.T) / 2


def outcome_means(posterior: np.ndarray, outcomes: pd.DataFrame, *, method: str = "bch",
                  level: float = 0.95, labels: Sequence[str] | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Outcome means per profile, their pairwise differences and the equality test.

    Parameters
    ----------
    posterior : numpy.ndarray
        Posterior profile probabilities, cases by profiles (rows aligned with ``outcomes``).
    outcomes : pandas.DataFrame
        One column per outcome; a case missing an outcome is left out of that outcome only.
    method : str
        ``"bch"`` (corrected, the default), ``"ml3"`` (corrected, the ML three-step approach
        with profile-specific variances, :func:`ml3_means`) or ``"modal"`` (naive modal
        assignment, for comparison; same sandwich standard errors with 0/1 weights).
    level : float
        Confidence level of the intervals.
    labels : sequence of str or None
        Profile labels (default ``"1"``, ``"2"``, ...).

    Returns
    -------
    means, differences, tests : pandas.DataFrame
        ``means``: outcome, profile, est, se, ci.lower, ci.upper; ``differences``: outcome,
        lhs, rhs (profiles), est (lhs - rhs), se, z, pvalue, ci.lower, ci.upper; ``tests``:
        outcome, chisq, df, pvalue (all profile means equal).

    Examples
    --------
    >>> p = np.array([[1.0, 0.0]] * 3 + [[0.0, 1.0]] * 3)
    >>> y = pd.DataFrame({"loyalty": [1.0, 2.0, 3.0, 5.0, 6.0, 7.0]})
    >>> means, diffs, tests = outcome_means(p, y)
    >>> means["est"].tolist(), diffs["est"].tolist()
    ([2.0, 6.0], [-4.0])
    """
    p = np.asarray(posterior, dtype=float)
    if len(p) != len(outcomes):
        raise ProfilesInputError(f"{len(outcomes)} outcome rows for {len(p)} cases; align them")
    k = p.shape[1]
    labels = [str(i + 1) for i in range(k)] if labels is None else [str(v) for v in labels]
    if method == "bch":
        weights = bch_weights(p)
    elif method in ("modal", "ml3"):
        weights = np.eye(k)[p.argmax(axis=1)]
    else:
        raise ProfilesInputError(f"method must be 'bch', 'ml3' or 'modal'; got {method!r}")
    zcrit = float(stats.norm.ppf(0.5 + level / 2))
    mean_rows, diff_rows, test_rows = [], [], []
    for name in outcomes.columns:
        y = pd.to_numeric(outcomes[name], errors="coerce").to_numpy(dtype=float)
        keep = np.isfinite(y)
        if keep.sum() <= k:
            raise ProfilesInputError(
                f"outcome {name!r}: {int(keep.sum())} cases with a value; need more than {k}")
        if method == "ml3":
            mu, cov, _, _ = ml3_means(p[keep], y[keep])
        else:
            mu, cov = _weighted_means(weights[keep], y[keep])
        se = np.sqrt(np.diag(cov))
        for s in range(k):
            mean_rows.append({"outcome": name, "profile": labels[s], "est": mu[s], "se": se[s],
                              "ci.lower": mu[s] - zcrit * se[s],
                              "ci.upper": mu[s] + zcrit * se[s]})
        for s in range(k):
            for t in range(s + 1, k):
                est = mu[s] - mu[t]
                sd = float(np.sqrt(max(cov[s, s] + cov[t, t] - 2 * cov[s, t], 0.0)))
                z = est / sd if sd > 0 else np.nan
                diff_rows.append({"outcome": name, "lhs": labels[s], "rhs": labels[t],
                                  "est": est, "se": sd, "z": z,
                                  "pvalue": 2 * stats.norm.sf(abs(z)),
                                  "ci.lower": est - zcrit * sd, "ci.upper": est + zcrit * sd})
        if k > 1:
            c = np.hstack([np.eye(k - 1), -np.ones((k - 1, 1))])
            diff = c @ mu
            chisq = float(diff @ np.linalg.pinv(c @ cov @ c.T) @ diff)
            test_rows.append({"outcome": name, "chisq": chisq, "df": k - 1,
                              "pvalue": float(stats.chi2.sf(chisq, k - 1))})
    return (pd.DataFrame(mean_rows),
            pd.DataFrame(diff_rows, columns=["outcome", "lhs", "rhs", "est", "se", "z", "pvalue",
                                             "ci.lower", "ci.upper"]),
            pd.DataFrame(test_rows, columns=["outcome", "chisq", "df", "pvalue"]))


def crosstab(modal: np.ndarray, segments: pd.Series, labels: Sequence[str] | None = None
             ) -> pd.DataFrame:
    """Counts of cases by modal profile (rows) and segment (columns), e.g. Dick & Basu's.

    Examples
    --------
    >>> crosstab(np.array([0, 0, 1]), pd.Series(["loyal", "spurious", "loyal"])).to_dict()
    {'loyal': {'1': 1, '2': 1}, 'spurious': {'1': 1, '2': 0}}
    """
    modal = np.asarray(modal)
    k = int(modal.max()) + 1 if labels is None else len(labels)
    labels = [str(i + 1) for i in range(k)] if labels is None else [str(v) for v in labels]
    seg = pd.Series(np.asarray(segments, dtype=object))
    table = pd.crosstab(pd.Categorical([labels[i] for i in modal], categories=labels),
                        seg.where(seg.notna(), None), dropna=False)
    table.index = pd.Index([str(v) for v in table.index], name="profile")
    table.columns = pd.Index([str(c) for c in table.columns], name="segment")
    return table.astype(int)
