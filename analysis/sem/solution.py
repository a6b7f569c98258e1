"""What every fit shares, whatever its estimator: :class:`FitState` (the compiled model and data of
a fit), the standardized solution with R-squared, the admissibility checks, and the split of
the data by group.

A leaf of :mod:`analysis.sem`: the continuous (:mod:`analysis.sem.api`) and ordinal
(:mod:`analysis.sem.ordinal`, :mod:`analysis.sem.ordinal_groups`) fits import it; it imports
none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .core import Engine
from .defined import DefinedParameters
from .errors import SEMInputError
from .partable import ParTable
from .stats import GroupMoments

__all__ = ["FitState"]


@dataclass
class FitState:
    """Everything needed to post-process or refit a model without re-parsing."""

    pt: ParTable
    engine: Engine
    layout: list
    data: list[GroupMoments]
    theta: np.ndarray
    estimator: str
    defined: DefinedParameters
    # (D)WLS fits of ordinal items: observed polychoric correlations ``r`` (lower triangle,
    # index pairs ``ii, jj``), diagonal weights ``w`` and N, for the score tests
    wls: dict | None = None
    # multi-group (D)WLS fits of ordinal items: stacked Jacobian ``D``, weights ``w``,
    # ``gamma`` per group, ``fg``, ``E`` (information), ``T``, ``df`` for the difference test
    wls_groups: dict | None = None


def _group_values(data: pd.DataFrame, group: str | None) -> tuple[list[Any], list[pd.DataFrame]]:
    if group is None:
        return ["1"], [data]
    if group not in data.columns:
        raise SEMInputError(f"group variable {group!r} is not a column of the data")
    g = data[group]
    labels = list(pd.unique(g.dropna()))
    if len(labels) < 2:
        raise SEMInputError(f"group variable {group!r} has fewer than two groups")
    return [str(lab) for lab in labels], [data[g == lab] for lab in labels]


def _standardize(pt: ParTable, engine: Engine, theta: np.ndarray, est: np.ndarray,
                 ) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """std.lv and std.all columns (lavaan ``standardizedSolution``, cov.std = TRUE)
    and R-squared per group."""
    names = list(pt.ov_names) + list(pt.lv_names)
    idx = {v: i for i, v in enumerate(names)}
    lv = set(pt.lv_names)
    std_lv = np.full(len(pt), np.nan)
    std_all = np.full(len(pt), np.nan)
    r2 = []
    for g in range(pt.ngroups):
        V, _ = engine.total(theta, g)
        _, S, _ = engine.matrices(theta, g)
        var = np.diag(V)
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = np.sqrt(var)
            sdl = np.array([sd[i] if names[i] in lv else 1.0 for i in range(len(names))])
            for i in range(len(pt)):
                if pt.group[i] != g + 1:
                    continue
                lhs, op, rhs, e = pt.lhs[i], pt.op[i], pt.rhs[i], est[i]
                if op == "=~":
                    a, b = idx[lhs], idx[rhs]
                    std_lv[i] = e * sdl[a] / sdl[b]
                    std_all[i] = e * sd[a] / sd[b]
                elif op == "~":
                    a, b = idx[lhs], idx[rhs]
                    std_lv[i] = e * sdl[b] / sdl[a]
                    std_all[i] = e * sd[b] / sd[a]
                elif op == "~~":
                    a, b = idx[lhs], idx[rhs]
                    if a == b:
                        std_all[i] = e / var[a]
                        std_lv[i] = e / var[a] if lhs in lv else e
                    else:
                        den = np.sqrt(S[a, a] * S[b, b])
                        std_all[i] = e / den
                        std_lv[i] = e / den if (lhs in lv and rhs in lv) else (
                            e / (sdl[a] * sdl[b]) if (lhs in lv or rhs in lv) else e)
                elif op == "~1":
                    a = idx[lhs]
                    std_all[i] = e / sd[a]
                    std_lv[i] = e / sdl[a]
            dep = [v for v in names if (v in pt.ov_ind or v in pt.eqs_y) and v not in pt.ov_x]
            dep += [v for v in pt.lv_names if v not in dep and v in {
                pt.rhs[i] for i in range(len(pt)) if pt.op[i] == "=~"}]
            for v in dep:
                a = idx[v]
                r2.append({"group": g + 1, "variable": v, "r2": float(1 - S[a, a] / var[a])})
    return std_lv, std_all, r2


def _admissibility(pt: ParTable, engine: Engine, theta: np.ndarray, est: np.ndarray,
                   labels: list[str]) -> list[str]:
    out = []
    G = pt.ngroups
    for i in range(len(pt)):
        if pt.op[i] == "~~" and pt.lhs[i] == pt.rhs[i] and est[i] < 0:
            where = f" in group {labels[pt.group[i] - 1]}" if G > 1 else ""
            kind = "latent variable" if pt.lhs[i] in pt.lv_names else "residual"
            out.append(
                f"Heywood case: negative {kind} variance for {pt.lhs[i]}{where} "
                f"({est[i]:.4g}); the solution is not admissible"
            )
    nl = len(pt.lv_names)
    if nl:
        p = len(pt.ov_names)
        for g in range(G):
            V, _ = engine.total(theta, g)
            L = V[p:, p:]
            d = np.sqrt(np.abs(np.diag(L)))
            with np.errstate(invalid="ignore", divide="ignore"):
                R = L / np.outer(d, d)
            where = f" in group {labels[g]}" if G > 1 else ""
            for a in range(nl):
                for b in range(a + 1, nl):
                    if abs(R[a, b]) > 1 + 1e-8:
                        out.append(
                            f"latent correlation between {pt.lv_names[a]} and {pt.lv_names[b]} "
                            f"is {R[a, b]:.3f}{where} (|r| > 1): the solution is not admissible"
                        )
            if np.min(np.linalg.eigvalsh(L)) < -1e-10 and not any("latent correlation" in w
                                                                  for w in out):
                out.append(f"the covariance matrix of the latent variables{where} is not "
                           "positive definite")
    return out
