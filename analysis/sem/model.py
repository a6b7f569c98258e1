"""Compile a parameter table into numerical matrices and choose start values."""

from __future__ import annotations

import math

import numpy as np

from .core import Engine, GroupSpec
from .partable import ParTable
from .stats import GroupMoments

__all__ = ["compile_model", "start_values", "row_values"]


def _var_index(pt: ParTable) -> dict[str, int]:
    names = list(pt.ov_names) + list(pt.lv_names)
    return {v: i for i, v in enumerate(names)}


def fill_exo(pt: ParTable, data: list[GroupMoments]) -> None:
    """Fixed-x rows take their sample values (lavaan ``fixed.x = TRUE``)."""
    ov = {v: i for i, v in enumerate(pt.ov_names)}
    for i in range(len(pt)):
        if not pt.exo[i]:
            continue
        d = data[pt.group[i] - 1]
        if pt.op[i] == "~~":
            pt.ustart[i] = float(d.cov[ov[pt.lhs[i]], ov[pt.rhs[i]]])
        elif pt.op[i] == "~1":
            pt.ustart[i] = float(d.mean[ov[pt.lhs[i]]])


def compile_model(pt: ParTable) -> tuple[Engine, list[tuple[int, int, int, int]]]:
    """Return the engine and, per table row, (group index, kind, row, col)."""
    idx = _var_index(pt)
    p, q = len(pt.ov_names), len(idx)
    layout: list[tuple[int, int, int, int]] = []
    groups: list[dict] = [
        dict(A0=np.zeros((q, q)), S0=np.zeros((q, q)), m0=np.zeros(q), kind=[], row=[], col=[],
             pid=[])
        for _ in range(pt.ngroups)
    ]
    for i in range(len(pt)):
        g = pt.group[i] - 1
        lhs, op, rhs = pt.lhs[i], pt.op[i], pt.rhs[i]
        if op == "=~":
            kind, r, c = 0, idx[rhs], idx[lhs]
        elif op == "~":
            kind, r, c = 0, idx[lhs], idx[rhs]
        elif op == "~~":
            kind, r, c = 1, idx[lhs], idx[rhs]
        elif op == "~1":
            kind, r, c = 2, idx[lhs], 0
        else:  # pragma: no cover - parser prevents this
            raise ValueError(op)
        layout.append((g, kind, r, c))
        G = groups[g]
        if pt.pid[i] >= 0:
            G["kind"].append(kind)
            G["row"].append(r)
            G["col"].append(c)
            G["pid"].append(pt.pid[i])
        else:
            val = pt.ustart[i]
            val = 0.0 if math.isnan(val) else val
            if kind == 0:
                G["A0"][r, c] = val
            elif kind == 1:
                G["S0"][r, c] = G["S0"][c, r] = val
            else:
                G["m0"][r] = val
    specs = [
        GroupSpec(p=p, q=q, A0=G["A0"], S0=G["S0"], m0=G["m0"],
                  kind=np.array(G["kind"], dtype=int), row=np.array(G["row"], dtype=int),
                  col=np.array(G["col"], dtype=int), pid=np.array(G["pid"], dtype=int))
        for G in groups
    ]
    return Engine(specs, pt.npar, pt.meanstructure), layout


def start_values(pt: ParTable, data: list[GroupMoments]) -> np.ndarray:
    """Simple moment-based start values.

    Residual variances: half the observed variance (lavaan's default); marker-based
    loadings and factor variances from covariances with the marker indicator;
    regressions and covariances 0; intercepts the sample means.
    """
    ov = {v: i for i, v in enumerate(pt.ov_names)}
    set(pt.lv_names)
    theta = np.full(pt.npar, np.nan)
    # per group, per factor: indicators, marker
    for g in range(pt.ngroups):
        d = data[g]
        S = d.cov
        rows = [i for i in range(len(pt)) if pt.group[i] == g + 1]
        inds: dict[str, list[tuple[int, str]]] = {}
        for i in rows:
            if pt.op[i] == "=~" and pt.rhs[i] in ov:
                inds.setdefault(pt.lhs[i], []).append((i, pt.rhs[i]))
        lvvar: dict[str, float] = {}
        lam: dict[int, float] = {}
        for f, items in inds.items():
            fixed = [(i, v) for i, v in items if pt.pid[i] < 0 and pt.ustart[i] != 0]
            if fixed:
                mi, mv = fixed[0]
                mval = pt.ustart[mi]
                others = [v for _, v in items if v != mv]
                covs = [S[ov[mv], ov[o]] for o in others]
                psi = np.mean(covs) / mval**2 if covs else 0.5 * S[ov[mv], ov[mv]]
                if not psi > 0.05 * S[ov[mv], ov[mv]] / mval**2:
                    psi = 0.5 * S[ov[mv], ov[mv]] / mval**2
                lvvar[f] = psi
                for i, v in items:
                    lam[i] = S[ov[v], ov[mv]] / (mval * psi) if v != mv else mval
            else:  # standardized factor: loadings from average covariances
                vs = [v for _, v in items]
                for i, v in items:
                    c = [S[ov[v], ov[o]] for o in vs if o != v]
                    lam[i] = np.sqrt(abs(np.mean(c))) if c else np.sqrt(S[ov[v], ov[v]] / 2)
                    if c and np.mean(c) < 0:
                        lam[i] = -lam[i]
                lvvar[f] = 1.0
        for i in rows:
            k = pt.pid[i]
            if k < 0 or not np.isnan(theta[k]):
                continue
            if not math.isnan(pt.start[i]):
                theta[k] = pt.start[i]
                continue
            lhs, op, rhs = pt.lhs[i], pt.op[i], pt.rhs[i]
            val = 0.0
            if op == "=~":
                val = lam.get(i, 1.0)
            elif op == "~~" and lhs == rhs:
                if lhs in ov:
                    endo = lhs in pt.ov_ind or lhs in pt.eqs_y
                    val = (0.5 if endo else 1.0) * S[ov[lhs], ov[lhs]]
                else:
                    val = lvvar.get(lhs, 0.05)
                    if lhs in pt.eqs_y:
                        val = 0.5 * val
            elif op == "~1":
                val = d.mean[ov[lhs]] if lhs in ov else 0.0
            theta[k] = val
    theta[np.isnan(theta)] = 0.0
    return theta


def row_values(pt: ParTable, theta: np.ndarray) -> np.ndarray:
    """Estimate of every table row (free rows from theta, fixed rows their value)."""
    out = np.array(pt.ustart, dtype=float)
    pid = np.array(pt.pid)
    free = pid >= 0
    out[free] = theta[pid[free]]
    out[np.isnan(out)] = 0.0
    return out
