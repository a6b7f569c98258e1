"""Modification indices (Sorbom, 1989) as lavaan ``modindices()``.

For each parameter that is fixed to zero in the model (the candidate set of lavaan's
``lav_partable_full``: cross-loadings, residual covariances among indicators, latent
covariances, regressions among variables already in regressions, intercepts) the
score test is

    MI = N s^2 / V,   V = I_11 - I_12 I_22^-1 I_21,   EPC = s / V

with ``s`` the per-case score (gradient of logL / N) of the candidate at the fitted
model and ``I`` the expected information of the extended model.  ``sepc.all`` is the
EPC standardized with the fitted model's variances (residual variances for
covariances, lavaan ``cov.std = TRUE``).

For WLSMV/DWLS fits of ordinal items (``fit_ordinal``) the test is lavaan's for
(D)WLS: ``I`` is the expected information ``Delta' W Delta`` of the diagonally weighted
discrepancy over (thresholds, polychoric correlations), ``s`` minus the gradient of the
DWLS fit function (see ``modification_indices``); the candidate set is the same (the items'
residual variances are derived under the delta parameterization and drop out, V = 0).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd

from .model import compile_model
from .partable import ParTable
from .result import SEMResult

__all__ = ["modification_indices"]


def _candidates(pt: ParTable, g: int) -> list[tuple[str, str, str, int]]:
    lv, ov_nox, ov_ind = pt.lv_names, pt.ov_nox, pt.ov_ind
    eqs_y, eqs_x = pt.eqs_y, pt.eqs_x
    out: list[tuple[str, str, str]] = []
    out += [(f, "=~", v) for f in lv for v in ov_nox if v not in eqs_y]
    ind = [v for v in ov_nox if v in ov_ind]
    for j in range(len(ind)):
        for i in range(j, len(ind)):
            out.append((ind[j], "~~", ind[i]))
    for j in range(len(lv)):
        for i in range(j, len(lv)):
            out.append((lv[j], "~~", lv[i]))
    # lavaan (strict.exo = FALSE) crosses all variables that appear in regressions; with
    # fixed.x the exogenous covariates are conditioned on, so regressions *of* them (and
    # their fixed covariances, whose indices are 0) are not proposed here
    eqs = list(dict.fromkeys(list(eqs_y) + list(eqs_x)))
    out += [(y, "~", x) for y in eqs for x in eqs
            if y != x and y not in pt.ov_x and not (y in ov_ind and x in lv)]
    if pt.meanstructure:
        out += [(v, "~1", "") for v in pt.ov_names + lv]
    keep = []
    for c in out:
        i = pt.find(c[0], c[1], c[2], g)
        # as lavaan: absent parameters, and parameters fixed by the model (e.g. marker
        # loadings, which become testable under across-group equality constraints)
        if i < 0 or (not pt.free[i] and not pt.exo[i]):
            keep.append((c[0], c[1], c[2], i))
    return keep


def modification_indices(result: SEMResult, minimum: float = 0.0, sort: bool = True,
                         ) -> pd.DataFrame:
    """Modification indices of a fitted model, sorted by ``mi`` (descending).

    Columns: ``lhs, op, rhs, group, mi, epc, sepc.lv, sepc.all``.  Candidates whose
    score test is undefined (V ~ 0: the parameter is equivalent to one already in the
    model) are dropped, as in lavaan.
    """
    st = result._state
    if st is None:
        raise ValueError("modification indices need a fitted result (not one rebuilt from JSON)")
    wls = st.wls if st.estimator in ("WLSMV", "DWLS") else None
    if st.estimator in ("WLSMV", "DWLS") and wls is None:
        raise ValueError("this (D)WLS fit lacks the weights needed for modification indices")
    pt: ParTable = st.pt
    ext = copy.deepcopy(pt)
    new_rows: list[int] = []
    for g in range(1, pt.ngroups + 1):
        for lhs, op, rhs, i in _candidates(pt, g):
            new_rows.append(ext.add(lhs, op, rhs, g, 10) if i < 0 else i)
    cols = ["lhs", "op", "rhs", "group", "mi", "epc", "sepc.lv", "sepc.all"]
    if not new_rows:
        return pd.DataFrame(columns=cols)
    k0 = pt.npar
    for j, i in enumerate(new_rows):
        ext.pid[i] = k0 + j
        ext.free[i] = True
        ext.label[i] = ""
    ext.npar = k0 + len(new_rows)
    engine, _ = compile_model(ext)
    current = [0.0 if math.isnan(ext.ustart[i]) else ext.ustart[i] for i in new_rows]
    theta = np.concatenate([st.theta, current])
    if wls is None:
        data = st.data
        N = sum(d.n for d in data)
        info = engine.information(theta, data)
        score = -0.5 * engine.gradient(theta, data)
    else:
        # DWLS (lavaan for ordered items) over (thresholds, polychoric correlations), with
        # W = diag(Gamma)^-1 (Gamma as lavInspect(fit, "gamma")): information Delta'W Delta;
        # score -dF/dtheta = Delta'W_f e of the fit function F = 1/2 e'W_f e whose N * 2F is
        # lavaan's chi-square, W_f = W (N - 1) / N (the weights ``w`` of fit_ordinal).  As
        # lavaan does, MI = N s^2 / V and EPC = s / V.  Thresholds do not enter the
        # correlations and W is diagonal, so the threshold block separates and drops out.
        N = wls["n"]
        ii, jj, w = wls["ii"], wls["jj"], wls["w"]
        dSig, _ = engine.derivatives(theta, 0)
        J = dSig[:, ii, jj].T
        e = wls["r"] - engine.implied(theta)[0][0][ii, jj]
        info = (J.T * (w * N / (N - 1))) @ J
        score = J.T @ (w * e)
    I22 = info[:k0, :k0]
    I12 = info[k0:, :k0]
    V = np.diag(info[k0:, k0:]) - np.einsum("ij,ji->i", I12, np.linalg.solve(I22, I12.T))
    s = score[k0:]
    ok = np.finfo(float).eps ** (1 / 3) < V
    mi = np.where(ok, N * s**2 / np.where(ok, V, 1.0), np.nan)
    epc = np.where(ok, s / np.where(ok, V, 1.0), np.nan)
    # standardization with the fitted model
    names = list(pt.ov_names) + list(pt.lv_names)
    idx = {v: i for i, v in enumerate(names)}
    lvset = set(pt.lv_names)
    sepc_lv = np.full(len(new_rows), np.nan)
    sepc_all = np.full(len(new_rows), np.nan)
    for g in range(pt.ngroups):
        Vt, _ = st.engine.total(st.theta, g)
        _, S, _ = st.engine.matrices(st.theta, g)
        sd = np.sqrt(np.abs(np.diag(Vt)))
        sdl = np.array([sd[i] if names[i] in lvset else 1.0 for i in range(len(names))])
        for j, i in enumerate(new_rows):
            if ext.group[i] != g + 1 or np.isnan(epc[j]):
                continue
            lhs, op, rhs, e = ext.lhs[i], ext.op[i], ext.rhs[i], epc[j]
            if op == "=~":
                a, b = idx[lhs], idx[rhs]
                sepc_lv[j], sepc_all[j] = e * sdl[a] / sdl[b], e * sd[a] / sd[b]
            elif op == "~":
                a, b = idx[lhs], idx[rhs]
                sepc_lv[j], sepc_all[j] = e * sdl[b] / sdl[a], e * sd[b] / sd[a]
            elif op == "~~":
                a, b = idx[lhs], idx[rhs]
                if a == b:
                    sepc_all[j] = e / Vt[a, a]
                    sepc_lv[j] = e / Vt[a, a] if lhs in lvset else e
                else:
                    den = np.sqrt(abs(S[a, a] * S[b, b]))
                    sepc_all[j] = e / den
                    sepc_lv[j] = e / den if (lhs in lvset and rhs in lvset) else e
            elif op == "~1":
                a = idx[lhs]
                sepc_lv[j], sepc_all[j] = e / sdl[a], e / sd[a]
    out = pd.DataFrame({
        "lhs": [ext.lhs[i] for i in new_rows],
        "op": [ext.op[i] for i in new_rows],
        "rhs": [ext.rhs[i] for i in new_rows],
        "group": [ext.group[i] for i in new_rows],
        "mi": mi, "epc": epc, "sepc.lv": sepc_lv, "sepc.all": sepc_all,
    })
    out = out[out["mi"].notna()]
    if minimum > 0:
        out = out[out["mi"] > minimum]
    if sort:
        out = out.sort_values("mi", ascending=False, kind="stable")
    return out.reset_index(drop=True)
