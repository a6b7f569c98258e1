"""Multi-group DWLS/WLSMV for ordinal items (lavaan ``cfa(..., ordered=, group=)``).

As lavaan 0.6 with its defaults (delta parameterization, no covariates):

* per group ``g`` the sample statistics are that group's thresholds, polychoric
  correlations and their asymptotic covariance ``Gamma_g`` (single-group
  :func:`analysis.sem.ordinal.ordinal_statistics`, times ``n_g / (n_g - 1)``), with
  diagonal weights ``W_g = diag(Gamma_g)^-1``;
* the model for group ``g``: latent-response correlations
  ``rho*_ij = delta_i delta_j Sigma_ij`` (``Sigma`` the RAM-implied covariance without
  the item residual variances, which are derived: ``1 / delta_j^2 - common_j``) and
  thresholds ``tau*_jk = delta_j (tau_jk - mu_j)`` with ``mu = Lambda (I - B)^-1 alpha``
  (item intercepts fixed to 0);
* configural: thresholds free in every group, scale factors ``delta`` ("~*~") fixed
  to 1 and latent means fixed to 0;  ``group_equal`` with ``"thresholds"``: thresholds
  shared by all groups, and the scale factors and latent means are free in groups 2..G
  (lavaan's parTable for ``group.equal = "thresholds"`` and
  ``c("thresholds", "loadings")``);
* ``F = sum_g (n_g / N) (s_g - sigma_g)' W_g (s_g - sigma_g)`` (lavaan
  ``lav_model_objective``), ``T = N F``;
* robust SEs ``E^-1 [sum_g f_g D_g' W_g Gamma_g W_g D_g] E^-1 / N`` with
  ``E = sum_g f_g D_g' W_g D_g``, ``f_g = n_g / N`` (lavaan
  ``lav_model_nvcov_robust_sem``);
* scaled-shifted test from ``U = V - V D E^-1 D' V`` with ``V = bdiag(f_g W_g)`` and
  ``Gamma = bdiag(Gamma_g / f_g)`` (lavaan ``lav_test_satorra_bentler_trace_original``);
* baseline: independence model, thresholds free per group; RMSEA with ``N - G`` and
  ``sqrt(G)``; SRMR the ``n_g / N`` weighted mean of the per-group correlation SRMRs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from .defined import DefinedParameters
from .errors import SEMInputError
from .model import compile_model, start_values
from .ordinal import (
    _scaled_shifted,
    add_inference,
    model_rows,
    ordinal_statistics,
    wls_fit_measures,
)
from .partable import build_partable
from .result import SEMResult
from .solution import FitState, _admissibility, _group_values
from .stats import moments_from_cov
from .syntax import parse_model

__all__ = ["fit_ordinal_groups"]

ALLOWED_EQUAL = ("thresholds", "loadings", "regressions", "lv.variances", "lv.covariances",
                 "residual.covariances")


def fit_ordinal_groups(model: str, data: pd.DataFrame, ordered: list[str], group: str,
                       group_equal: tuple[str, ...] | list[str] = (),
                       estimator: str = "WLSMV", std_lv: bool = False,
                       level: float = 0.95) -> SEMResult:
    """Multi-group fit of a model whose observed variables are all ordinal."""
    est_name = estimator.upper()
    if est_name not in ("WLSMV", "DWLS"):
        raise SEMInputError(f"ordinal items need estimator 'WLSMV' or 'DWLS', not {estimator!r}")
    bad = [ge for ge in group_equal if ge not in ALLOWED_EQUAL]
    if bad:
        raise SEMInputError(f"group_equal {bad} is not available for ordinal items; choose "
                            f"from {list(ALLOWED_EQUAL)}")
    eq_th = "thresholds" in group_equal
    labels, frames = _group_values(data, group)
    G = len(labels)
    formulas = parse_model(model)
    if any(f.op == "~1" for f in formulas):
        raise SEMInputError("intercept/mean statements (~ 1) are not supported with ordinal "
                            "items in several groups")
    pt = build_partable(formulas, ngroups=G, meanstructure=True, std_lv=std_lv,
                        group_equal=tuple(ge for ge in group_equal if ge != "thresholds"))
    ov = list(pt.ov_names)
    absent = [v for v in ov if v not in data.columns]
    if absent:
        raise SEMInputError(f"variable(s) in the model but not in the data: {', '.join(absent)}")
    cont = [v for v in ov if v not in ordered]
    if cont:
        raise SEMInputError("mixing continuous and ordinal observed variables is not supported "
                            f"yet; not declared ordered: {', '.join(cont)}")
    if [v for v in ov if v in pt.eqs_x]:
        raise SEMInputError("ordinal variables used as predictors are not supported")
    cats = {v: sorted(pd.unique(data[v].dropna())) for v in ov}
    osts = []
    for lab, fr in zip(labels, frames, strict=True):
        X = fr[ov].dropna()
        for v in ov:
            if sorted(pd.unique(X[v])) != cats[v]:
                raise SEMInputError(f"ordinal item {v} does not use the same categories in every "
                                    f"group (group {lab}); merge sparse categories first")
        osts.append(ordinal_statistics(fr, ov))
    p = len(ov)
    n = np.array([o.n for o in osts], dtype=float)
    N = float(n.sum())
    fg = n / N
    nth = len(osts[0].thresholds)
    pstar = p * (p - 1) // 2
    # item intercepts fixed to 0; latent means fixed to 0 (free in groups 2..G with
    # equal thresholds); item residual variances derived
    resid_rows = []
    for i in range(len(pt)):
        if pt.op[i] == "~1":
            free = eq_th and pt.lhs[i] not in ov and pt.group[i] > 1
            pt.free[i], pt.ustart[i], pt.label[i] = free, (math.nan if free else 0.0), ""
        elif pt.op[i] == "~~" and pt.lhs[i] == pt.rhs[i] and pt.lhs[i] in ov:
            pt.free[i], pt.ustart[i] = False, 0.0
            resid_rows.append(i)
    pt.assign_pids()
    engine, layout = compile_model(pt)
    k = pt.npar
    # extra parameters: thresholds, then scale factors
    if eq_th:
        tau_idx = [k + np.arange(nth)] * G
        ntau = nth
    else:
        tau_idx = [k + g * nth + np.arange(nth) for g in range(G)]
        ntau = G * nth
    delta_idx: list[np.ndarray | None] = [None] * G
    nd = 0
    if eq_th:
        for g in range(1, G):
            delta_idx[g] = k + ntau + nd + np.arange(p)
            nd += p
    K = k + ntau + nd
    ii = np.array([a for a, _ in osts[0].pairs])
    jj = np.array([b for _, b in osts[0].pairs])
    th_item = np.repeat(np.arange(p), np.diff(osts[0].th_index))
    s_obs = [np.concatenate([o.thresholds, o.rho]) for o in osts]
    Gam = [o.gamma * o.n / (o.n - 1) for o in osts]
    W = [1.0 / np.diag(Gm) for Gm in Gam]
    moms = [moments_from_cov(o.R, o.n, names=ov, check=False) for o in osts]
    x = np.zeros(K)
    x[:k] = start_values(pt, moms)
    if eq_th:
        x[k:k + nth] = osts[0].thresholds
    else:
        for g in range(G):
            x[tau_idx[g]] = osts[g].thresholds
    if nd:
        x[k + ntau:] = 1.0

    def model_g(x: np.ndarray, g: int, deriv: bool):
        th = x[:k]
        Sig, mu = engine.implied(th)[g]
        d = np.ones(p) if delta_idx[g] is None else x[delta_idx[g]]
        tau = x[tau_idx[g]]
        m_tau = d[th_item] * (tau - mu[th_item])
        m_rho = d[ii] * d[jj] * Sig[ii, jj]
        sig = np.concatenate([m_tau, m_rho])
        if not deriv:
            return sig, None
        dSig, dmu = engine.derivatives(th, g)
        J = np.zeros((nth + pstar, K))
        J[:nth, :k] = -(d[th_item][:, None] * dmu[:, th_item].T)
        J[nth:, :k] = (d[ii] * d[jj])[:, None] * dSig[:, ii, jj].T
        J[np.arange(nth), tau_idx[g]] = d[th_item]
        if delta_idx[g] is not None:
            di = delta_idx[g]
            J[np.arange(nth), di[th_item]] = tau - mu[th_item]
            r = nth + np.arange(pstar)
            J[r, di[ii]] += d[jj] * Sig[ii, jj]
            J[r, di[jj]] += d[ii] * Sig[ii, jj]
        return sig, J

    def objective(x: np.ndarray) -> tuple[float, list[np.ndarray]]:
        es = [s_obs[g] - model_g(x, g, False)[0] for g in range(G)]
        return float(sum(fg[g] * es[g] @ (W[g] * es[g]) for g in range(G))), es

    f, es = objective(x)
    converged, it = False, 0
    while it < 500:
        it += 1
        Js = [model_g(x, g, True)[1] for g in range(G)]
        A = sum(fg[g] * (Js[g].T * W[g]) @ Js[g] for g in range(G))
        b = sum(fg[g] * (Js[g].T * W[g]) @ es[g] for g in range(G))
        grad = -2 * b
        if np.max(np.abs(grad)) < 1e-11:
            converged = True
            break
        step = np.linalg.lstsq(A, b, rcond=None)[0]
        t = 1.0
        while t > 1e-10:
            fc, ec = objective(x + t * step)
            if fc <= f:
                break
            t *= 0.5
        done = abs(f - fc) <= 1e-15 * max(1.0, f) and np.max(np.abs(grad)) < 1e-8
        x, f, es = x + t * step, fc, ec
        if done:
            converged = True
            break
    warn: list[str] = []
    if not converged:
        warn.append("the DWLS iterations did not converge; estimates are not trustworthy")
    Js = [model_g(x, g, True)[1] for g in range(G)]
    E = sum(fg[g] * (Js[g].T * W[g]) @ Js[g] for g in range(G))
    try:
        Einv = np.linalg.inv(E)
    except np.linalg.LinAlgError:
        Einv = np.linalg.pinv(E)
        warn.append("the information matrix is singular: the model may not be identified")
    if est_name == "WLSMV":
        B = sum(fg[g] * (Js[g] * W[g][:, None]).T @ Gam[g] @ (Js[g] * W[g][:, None])
                for g in range(G))
        vcov = Einv @ B @ Einv / N
    else:
        vcov = Einv / N
    T = N * f
    df = G * (nth + pstar) - K
    if df < 0:
        raise SEMInputError(f"the model has {K} free parameters but only {G * (nth + pstar)} "
                            "sample statistics: it is not identified (df < 0)")

    def u_matrix(Dall: np.ndarray, Vd: np.ndarray) -> np.ndarray:
        VD = Dall * Vd[:, None]
        Ei = np.linalg.inv(VD.T @ Dall)
        return np.diag(Vd) - VD @ Ei @ VD.T

    Vd = np.concatenate([fg[g] * W[g] for g in range(G)])
    Gall = np.zeros((len(Vd), len(Vd)))
    off = 0
    for g in range(G):
        m = nth + pstar
        Gall[off:off + m, off:off + m] = Gam[g] / fg[g]
        off += m
    U = u_matrix(np.vstack(Js), Vd)
    # baseline: thresholds free per group, no correlations
    Db = np.zeros((G * (nth + pstar), G * nth))
    for g in range(G):
        Db[g * (nth + pstar) + np.arange(nth), g * nth + np.arange(nth)] = 1.0
    Tb = float(sum(n[g] * osts[g].rho @ (W[g][nth:] * osts[g].rho) for g in range(G)))
    dfb = G * pstar
    scaled = baseline_scaled = None
    if est_name == "WLSMV" and df > 0:
        scaled = _scaled_shifted(U, Gall, T, df)
        baseline_scaled = _scaled_shifted(u_matrix(Db, Vd), Gall, Tb, dfb)
    fm = wls_fit_measures(
        npar=K, fmin=f / 2, chisq=T, df=df, baseline=Tb, baseline_df=dfb, ntotal=N, groups=G,
        scaled=scaled, baseline_scaled=baseline_scaled,
        extra={f"chisq.group{g + 1}": float(n[g] * es[g] @ (W[g] * es[g])) for g in range(G)})
    # ---- derived residual variances (1 / delta^2 - common variance), recompiled engine
    theta = x[:k]
    implied = engine.implied(theta)
    for i in resid_rows:
        g = pt.group[i] - 1
        v = ov.index(pt.lhs[i])
        d = 1.0 if delta_idx[g] is None else x[delta_idx[g][v]]
        pt.ustart[i] = 1.0 / d**2 - implied[g][0][v, v]
    engine2, layout = compile_model(pt)
    imp_out: dict[str, dict] = {}
    srmr = 0.0
    for g in range(G):
        Sig = engine2.implied(theta)[g][0]
        d = np.ones(p) if delta_idx[g] is None else x[delta_idx[g]]
        Sstar = Sig * np.outer(d, d)
        res = osts[g].R - Sstar
        srmr += fg[g] * float(np.sqrt(np.sum(np.tril(res) ** 2) / (p * (p + 1) / 2)))
        imp_out[labels[g]] = {"cov": pd.DataFrame(Sstar, index=ov, columns=ov), "mean": None}
    fm["srmr"] = srmr
    rows, se_x, est, r2 = model_rows(pt, engine2, theta, vcov)
    extra = []
    for g in range(G):
        tau_names = [f"t{t + 1}" for j in range(p) for t in range(len(osts[g].tau[j]))]
        for q in range(nth):
            pix = int(tau_idx[g][q])
            lab = f".th{q + 1}." if eq_th else ""
            extra.append({"lhs": ov[th_item[q]], "op": "|", "rhs": tau_names[q], "group": g + 1,
                          "label": lab, "est": x[pix], "se": se_x[pix], "std.lv": x[pix],
                          "std.all": x[pix]})
        for j in range(p):
            if delta_idx[g] is None:
                val, s = 1.0, 0.0
            else:
                pix = int(delta_idx[g][j])
                val, s = x[pix], se_x[pix]
            extra.append({"lhs": ov[j], "op": "~*~", "rhs": ov[j], "group": g + 1, "label": "",
                          "est": val, "se": s, "std.lv": val, "std.all": val})
    rows = add_inference(pd.concat([rows, pd.DataFrame(extra)], ignore_index=True), level)
    warn += _admissibility(pt, engine2, theta, est, labels)
    vn = [f"p{q + 1}" for q in range(K)]
    state = FitState(pt=pt, engine=engine2, layout=layout, data=moms, theta=theta,
                     estimator=est_name, defined=DefinedParameters([], {}), wls=None,
                     wls_groups={"D": np.vstack(Js), "w": W, "gamma": Gam, "fg": fg,
                                 "E": E, "T": T, "df": df, "N": N})
    return SEMResult(
        model=model, options=dict(estimator=est_name, ordered=list(ordered), group=group,
                                  group_equal=list(group_equal), missing="listwise",
                                  std_lv=std_lv, parameterization="delta"),
        converged=converged, iterations=it, warnings=warn, fit_measures=fm, estimates=rows,
        r2=pd.DataFrame(r2, columns=["group", "variable", "r2"]), implied=imp_out,
        vcov=pd.DataFrame(vcov, index=vn, columns=vn), group_labels=list(labels),
        nobs=[int(v) for v in n], theta=x, _state=state,
    )


def lrt_satorra2000(f1: SEMResult, f0: SEMResult) -> tuple[float, float, float]:
    """Scaled-shifted chi-square difference of nested multi-group ordinal fits.

    ``f1`` is the less restricted model, ``f0`` the nested one.  As lavaan's
    ``lavTestLRT`` for WLSMV (method ``"satorra.2000"``, ``scaled.shifted = TRUE``,
    ``A.method = "delta"``; Satorra, 2000): ``A`` spans the orthogonal complement of
    ``H = D1^+ D0``; ``U = V D1 P A' (A P A')^+ A P D1' V`` with ``P`` the inverse
    information of ``f1``, ``V = bdiag(W_g)``, ``Gamma = bdiag(f_g Gamma_g)``;
    ``a = sqrt(m / tr(UG)^2)``, ``b = m - a tr(UG)``, ``T = a (T0 - T1) + b``.
    Returns (statistic, df difference, p-value).
    """
    from scipy.linalg import null_space

    s1, s0 = f1._state.wls_groups, f0._state.wls_groups
    if s1 is None or s0 is None:
        raise ValueError("the difference test needs two multi-group ordinal fits")
    m = s0["df"] - s1["df"]
    dT = s0["T"] - s1["T"]
    if m <= 0:
        return float(dT), float(m), math.nan
    if f1.options.get("estimator") == "DWLS":  # conventional test: plain difference
        return float(dT), float(m), float(stats.chi2.sf(dT, m))
    D1, D0 = s1["D"], s0["D"]
    H = np.linalg.pinv(D1) @ D0
    A = null_space(H.T).T
    P = np.linalg.inv(s1["E"])
    PA = P @ A.T
    PAAPAAP = PA @ np.linalg.pinv(A @ PA) @ PA.T
    Vd = np.concatenate(s1["w"])
    fg = s1["fg"]
    sizes = [len(w) for w in s1["w"]]
    Gall = np.zeros((sum(sizes), sum(sizes)))
    off = 0
    for g, sz in enumerate(sizes):
        Gall[off:off + sz, off:off + sz] = fg[g] * s1["gamma"][g]
        off += sz
    VD = D1 * Vd[:, None]
    UG = VD @ PAAPAAP @ VD.T @ Gall
    tr1 = float(np.trace(UG))
    tr2 = float(np.sum(UG * UG.T))
    a = math.sqrt(m / tr2)
    b = m - a * tr1
    stat = dT * a + b
    return float(stat), float(m), float(stats.chi2.sf(stat, m))
