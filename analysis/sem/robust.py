"""Robust (non-normality) corrections for ML estimation.

* **MLM** — Satorra & Bentler (1994): scaled statistic ``T / c`` with
  ``c = tr(U Gamma) / df``, ``U = V - V Delta E^-1 Delta' V``, where ``V`` is the
  normal-theory weight matrix at the model-implied moments (lavaan's
  ``h1.information = "structured"``), ``Gamma`` the asymptotic (fourth-moment, ADF)
  covariance of the sample moments (Browne, 1984) with divisor N, ``Delta`` the model
  Jacobian and ``E = Delta' V Delta`` the expected information.  Robust ("sandwich")
  standard errors ``E^-1 (Delta' V Gamma V Delta) E^-1 / N``.
* **MLR** — Huber-White sandwich ``A^-1 B A^-1 / N`` with ``A`` the observed
  information and ``B`` the mean outer product of the case-wise scores; test statistic
  scaled as in Mplus (Yuan & Bentler, 2000; Asparouhov & Muthen, 2005):
  ``c = [tr(A1^-1 B1) - tr(A0^-1 B0)] / df`` with A1, B1 the same quantities for the
  saturated model (lavaan ``test = "yuan.bentler.mplus"``).

Group quantities are weighted by ``n_g / N`` as in lavaan.
"""

from __future__ import annotations

import numpy as np

from .core import Engine
from .stats import GroupMoments

__all__ = ["casewise_scores", "gamma_adf", "moment_jacobian", "normal_weight"]


def _vech_idx(p: int) -> tuple[np.ndarray, np.ndarray]:
    r, c = np.tril_indices(p)
    return r, c


def moment_jacobian(engine: Engine, theta: np.ndarray, g: int, meanstructure: bool) -> np.ndarray:
    """Delta: derivative of (mu, vech Sigma) with respect to theta, shape (nstat, npar)."""
    dSig, dmu = engine.derivatives(theta, g)
    p = dSig.shape[1]
    r, c = _vech_idx(p)
    D = dSig[:, r, c].T
    if meanstructure:
        D = np.vstack([dmu.T, D])
    return D


def normal_weight(Sigma: np.ndarray, meanstructure: bool) -> np.ndarray:
    """Normal-theory unit information of (mu, vech Sigma): blockdiag(Sigma^-1,
    1/2 D'(Sigma^-1 x Sigma^-1) D)."""
    Si = np.linalg.inv(Sigma)
    p = Sigma.shape[0]
    r, c = _vech_idx(p)
    mult = np.where(r == c, 1.0, 2.0)
    W = 0.25 * np.outer(mult, mult) * (
        Si[np.ix_(r, r)] * Si[np.ix_(c, c)] + Si[np.ix_(r, c)] * Si[np.ix_(c, r)]
    )
    if meanstructure:
        k = W.shape[0]
        out = np.zeros((p + k, p + k))
        out[:p, :p] = Si
        out[p:, p:] = W
        return out
    return W


def gamma_adf(X: np.ndarray, meanstructure: bool) -> np.ndarray:
    """Asymptotic covariance matrix of sqrt(N) (ybar, vech S): the fourth-order moment
    estimator (Browne, 1984) with divisor N, as lavaan's default."""
    Z = X - X.mean(axis=0)
    p = X.shape[1]
    r, c = _vech_idx(p)
    V = Z[:, r] * Z[:, c]
    if meanstructure:
        V = np.hstack([Z, V])
    V = V - V.mean(axis=0)
    return V.T @ V / X.shape[0]


def casewise_scores(X: np.ndarray, Sigma: np.ndarray, mu: np.ndarray, dSig: np.ndarray,
                    dmu: np.ndarray | None) -> np.ndarray:
    """Case-wise gradient of the normal log-likelihood w.r.t. theta, shape (n, npar).

    Complete cases only; ``dmu`` None means the mean is saturated (not in theta)."""
    Si = np.linalg.inv(Sigma)
    E = X - mu
    Z = E @ Si
    quad = np.einsum("ia,kab,ib->ik", Z, dSig, Z)
    tr = np.einsum("ab,kba->k", Si, dSig)
    s = 0.5 * (quad - tr[None, :])
    if dmu is not None:
        s = s + Z @ dmu.T
    return s


def casewise_scores_missing(X: np.ndarray, Sigma: np.ndarray, mu: np.ndarray, dSig: np.ndarray,
                            dmu: np.ndarray) -> np.ndarray:
    """Case-wise scores of the FIML log-likelihood (cases may have missing values)."""
    n = X.shape[0]
    out = np.zeros((n, dSig.shape[0]))
    M = ~np.isnan(X)
    keys, inv = np.unique(M, axis=0, return_inverse=True)
    inv = np.asarray(inv).reshape(-1)
    for k in range(keys.shape[0]):
        rows = np.flatnonzero(inv == k)
        o = np.flatnonzero(keys[k])
        if o.size == 0:
            continue
        out[rows] = casewise_scores(
            X[np.ix_(rows, o)], Sigma[np.ix_(o, o)], mu[o], dSig[:, o][:, :, o], dmu[:, o]
        )
    return out


def saturated_scores(X: np.ndarray, Sigma: np.ndarray, mu: np.ndarray,
                     meanstructure: bool) -> np.ndarray:
    """Case-wise scores of the saturated model w.r.t. (mu, vech Sigma)."""
    p = Sigma.shape[0]
    r, c = _vech_idx(p)
    nst = len(r)
    dSig = np.zeros((nst, p, p))
    dSig[np.arange(nst), r, c] = 1.0
    dSig[np.arange(nst), c, r] = 1.0
    if meanstructure:
        dSig_full = np.concatenate([np.zeros((p, p, p)), dSig])
        dmu = np.concatenate([np.eye(p), np.zeros((nst, p))])
        if np.isnan(X).any():
            return casewise_scores_missing(X, Sigma, mu, dSig_full, dmu)
        return casewise_scores(X, Sigma, mu, dSig_full, dmu)
    return casewise_scores(X, Sigma, mu, dSig, None)


def satorra_bentler(engine: Engine, theta: np.ndarray, data: list[GroupMoments],
                    meanstructure: bool, df: int) -> tuple[float, np.ndarray]:
    """Scaling factor c (MLM) and robust vcov of theta."""
    N = sum(d.n for d in data)
    implied = engine.implied(theta)
    E = np.zeros((engine.npar, engine.npar))
    pieces = []
    for g, d in enumerate(data):
        fg = d.n / N
        Sig = implied[g][0]
        W = normal_weight(Sig, meanstructure)
        D = moment_jacobian(engine, theta, g, meanstructure)
        G = gamma_adf(d.X, meanstructure)
        E += fg * D.T @ W @ D
        pieces.append((fg, W, D, G))
    Einv = np.linalg.inv(E)
    trace = 0.0
    B = np.zeros_like(E)
    for fg, W, D, G in pieces:
        WD = W @ D
        U = fg * W - fg * WD @ Einv @ WD.T * fg
        trace += np.sum(U * (G / fg))
        B += fg * WD.T @ G @ WD
    c = trace / df if df > 0 else float("nan")
    vcov = Einv @ B @ Einv / N
    return c, vcov


def yuan_bentler_mplus(engine: Engine, theta: np.ndarray, data: list[GroupMoments],
                       meanstructure: bool, df: int, A0: np.ndarray,
                       h1: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, np.ndarray]:
    """Scaling factor c (MLR, Mplus variant) and sandwich vcov of theta.

    ``A0`` is the observed information per case; ``h1`` the saturated (mean, cov) per group.
    """
    N = sum(d.n for d in data)
    implied = engine.implied(theta)
    A0inv = np.linalg.inv(A0)
    B0 = np.zeros_like(A0)
    trace = 0.0
    for g, d in enumerate(data):
        fg = d.n / N
        Sig, mu = implied[g]
        dSig, dmu = engine.derivatives(theta, g)
        X = d.X
        if meanstructure:
            if np.isnan(X).any():
                s = casewise_scores_missing(X, Sig, mu, dSig, dmu)
            else:
                s = casewise_scores(X, Sig, mu, dSig, dmu)
        else:
            s = casewise_scores(X, Sig, X.mean(axis=0), dSig, None)
        B0g = s.T @ s / d.n
        B0 += fg * B0g
        m1, S1 = h1[g]
        s1 = saturated_scores(X, S1, m1, meanstructure)
        B1 = s1.T @ s1 / d.n
        A1 = _saturated_information(X, S1, m1, meanstructure)
        trace += np.sum(B1 * np.linalg.inv(A1).T) - fg * np.sum(B0g * A0inv.T)
    c = trace / df if df > 0 else float("nan")
    vcov = A0inv @ B0 @ A0inv / N
    return c, vcov


def _saturated_information(X: np.ndarray, S1: np.ndarray, m1: np.ndarray,
                           meanstructure: bool) -> np.ndarray:
    """Observed information of the saturated model per case at its ML estimate.

    For complete data it equals the expected information (normal_weight). With missing data
    it is summed over the missing-data patterns in closed form (the second derivatives of the
    normal log-likelihood of each pattern's observed block; Savalei 2010, Structural Equation
    Modeling 17, 241-264; lavaan's ``lav_mvnorm_missing_information_observed_samplestats``):
    with Si = Sigma_oo^-1, d = ybar_p - mu_o and W_p = S_p + d d',

    * mu, mu:        n_p Si
    * mu, sigma_kl:  n_p (Si E_kl Si d)
    * sigma, sigma:  n_p / 2 [tr(Si E_a Si E_b Si W_p) + tr(Si E_b Si E_a Si W_p)
                     - tr(Si E_a Si E_b)]

    for the symmetric unit matrices E of (vech Sigma), in the order of
    :func:`saturated_scores`.
    """
    if not np.isnan(X).any():
        return normal_weight(S1, meanstructure)
    p = S1.shape[0]
    r, c = _vech_idx(p)
    k = p + len(r)
    vech = np.empty((p, p), dtype=np.int64)  # parameter index of sigma_ij (both triangles)
    vech[r, c] = p + np.arange(len(r))
    vech[c, r] = p + np.arange(len(r))
    obs = ~np.isnan(X)
    keys, inverse = np.unique(obs, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    info = np.zeros(k * k)
    for g, key in enumerate(keys):
        o = np.flatnonzero(key)
        if o.size == 0:
            continue
        Y = X[inverse == g][:, o]
        n = Y.shape[0]
        Si = np.linalg.inv(S1[np.ix_(o, o)])
        dev = Y - m1[o]
        W = dev.T @ dev / n  # S_p + d d' about the saturated mean
        SWS = Si @ W @ Si
        sd = Si @ dev.mean(axis=0)
        q = o.size
        mu_idx = o
        sig_idx = vech[np.ix_(o, o)].ravel()  # vec (i, j) -> parameter, duplicates summed
        # mu-mu
        info += np.bincount((mu_idx[:, None] * k + mu_idx[None, :]).ravel(),
                            weights=(n * Si).ravel(), minlength=k * k)
        # mu-sigma (and its transpose): [a, (i, j)] = Si[a, i] (Si d)[j]
        cross = n * (Si[:, :, None] * sd[None, None, :]).reshape(q, q * q)
        info += np.bincount((mu_idx[:, None] * k + sig_idx[None, :]).ravel(),
                            weights=cross.ravel(), minlength=k * k)
        info += np.bincount((sig_idx[:, None] * k + mu_idx[None, :]).ravel(),
                            weights=cross.T.ravel(), minlength=k * k)
        # sigma-sigma: [(i, j), (k, l)] = n/2 [SWS_il Si_jk + Si_il SWS_jk - Si_il Si_jk]
        ss = 0.5 * n * (np.einsum("il,jk->ijkl", SWS, Si) + np.einsum("il,jk->ijkl", Si, SWS)
                        - np.einsum("il,jk->ijkl", Si, Si)).reshape(q * q, q * q)
        info += np.bincount((sig_idx[:, None] * k + sig_idx[None, :]).ravel(),
                            weights=ss.ravel(), minlength=k * k)
    info = info.reshape(k, k) / X.shape[0]
    return (info + info.T) / 2


def fiml_corrected(engine: Engine, theta: np.ndarray, b_engine: Engine, b_theta: np.ndarray,
                   data: list[GroupMoments]) -> dict[str, float]:
    """The statistics behind lavaan 0.6.14's robust CFI/TLI/RMSEA of an MLR fit with missing
    data (FIML-C, version V3; lavaan ``lav_fit_fiml_corrected``; Zhang & Savalei, 2023).

    ``X3 = sum_g n_g [log|Sigma| + tr(S~ Sigma^-1) + (m~ - mu)' Sigma^-1 (m~ - mu) - log|S~|
    - p]``: the model at its FIML estimates against the saturated (EM) moments S~, m~ taken
    as complete data; its scaling factor ``c3 = tr(U Wm^-1 Wc Wm^-1 U Gamma) / df`` with ``Wm``
    the observed information of the saturated model under missingness
    (:func:`_saturated_information`), ``Wc`` the complete-data one at S~, m~
    (:func:`normal_weight`), ``Gamma = Wm^-1 J Wm^-1`` (``J`` the first-order information of
    the saturated model's case-wise scores), ``U = Wm - Wm Delta E^-1 Delta' Wm`` and
    ``E = Delta' Wm Delta`` (groups stacked with weights n_g / N). The same for the
    independence model (``b_engine``, ``b_theta``: its FIML fit) gives ``X3_null`` and
    ``c3_null``. Returns ``{"x3", "c3", "x3_null", "c3_null"}``.
    """
    N = sum(d.n for d in data)

    def stat(eng: Engine, th: np.ndarray) -> float:
        total = 0.0
        for g, d in enumerate(data):
            Sig, mu = eng.implied(th)[g]
            Si = np.linalg.inv(Sig)
            dm = d.mean - mu
            total += d.n * (np.linalg.slogdet(Sig)[1] + float(np.sum(d.cov * Si))
                            + float(dm @ Si @ dm) - np.linalg.slogdet(d.cov)[1] - len(mu))
        return total

    blocks = []
    for d in data:
        fg = d.n / N
        Wm = _saturated_information(d.X, d.cov, d.mean, True)
        s1 = saturated_scores(d.X, d.cov, d.mean, True)
        Wmi = np.linalg.inv(Wm)
        blocks.append((fg, Wm, Wmi, normal_weight(d.cov, True), Wmi @ (s1.T @ s1 / d.n) @ Wmi))

    def bdiag(mats: list[np.ndarray]) -> np.ndarray:
        size = sum(m.shape[0] for m in mats)
        out = np.zeros((size, size))
        off = 0
        for m in mats:
            out[off:off + m.shape[0], off:off + m.shape[0]] = m
            off += m.shape[0]
        return out

    Wm_all = bdiag([fg * Wm for fg, Wm, _, _, _ in blocks])
    Wmi_all = bdiag([Wmi / fg for fg, _, Wmi, _, _ in blocks])
    Wc_all = bdiag([fg * Wc for fg, _, _, Wc, _ in blocks])
    G_all = bdiag([G / fg for fg, _, _, _, G in blocks])
    M = Wmi_all @ Wc_all @ Wmi_all

    def trace(eng: Engine, th: np.ndarray) -> float:
        D = np.vstack([moment_jacobian(eng, th, g, True) for g in range(len(data))])
        WD = Wm_all @ D
        U = Wm_all - WD @ np.linalg.inv(D.T @ WD) @ WD.T
        return float(np.trace(U @ M @ U @ G_all))

    return {"x3": stat(engine, theta), "k": trace(engine, theta),
            "x3_null": stat(b_engine, b_theta), "k_null": trace(b_engine, b_theta)}
