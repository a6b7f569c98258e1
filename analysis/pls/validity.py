"""Discriminant validity and collinearity of PLS measurement models (Hair et al., 2019).

* HTMT (Henseler, Ringle & Sarstedt, 2015, *JAMS* 43, 115-135): the mean heterotrait
  correlation of two blocks over the geometric mean of their mean monotrait correlations;
* HTMT2 (Roemer, Schuberth & Henseler, 2021, *IMDS* 121(12)): the same with geometric means
  of the correlations, consistent for congeneric blocks (needs positive correlations);
* Fornell-Larcker (1981): sqrt(AVE) of each construct on the diagonal beside the construct
  correlations (seminr's layout; each diagonal value should exceed its row and column);
* cross-loadings: every item's correlation with every construct score;
* indicator VIFs: ``diag(R_bb^-1)`` of each block, the VIF of an item regressed on the other
  items of its block (weights of mode B blocks are unstable above 3-5).

Absolute correlations are used in HTMT, as cSEM does; HTMT is undefined (NaN) for a
single-item construct, which has no monotrait correlation.

>>> import numpy as np, pandas as pd
>>> R = pd.DataFrame(np.array([[1, .6, .3, .3], [.6, 1, .3, .3], [.3, .3, 1, .5],
...                            [.3, .3, .5, 1]]), index=list("abcd"), columns=list("abcd"))
>>> round(htmt_pair(R, ["a", "b"], ["c", "d"]), 4)
0.5477
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .reliability import reliability_table
from .result import PLSResult

__all__ = ["fornell_larcker", "htmt", "htmt_blocks", "htmt_matrix", "htmt_pair", "item_vif"]


def _mean(x: np.ndarray, geometric: bool) -> float:
    if x.size == 0:
        return float("nan")
    if geometric:
        if np.any(x <= 0):
            return float("nan")
        return float(np.exp(np.mean(np.log(x))))
    return float(np.mean(x))


def htmt_pair(R: pd.DataFrame, a: list[str], b: list[str], *, htmt2: bool = False) -> float:
    """HTMT (or HTMT2) of the blocks ``a`` and ``b`` from the item correlations ``R``."""
    pos = {k: i for i, k in enumerate(R.columns)}
    return htmt_matrix(R.to_numpy(), [pos[x] for x in a], [pos[x] for x in b], htmt2=htmt2)


def htmt_matrix(R: np.ndarray, ia: list[int], ib: list[int], *, htmt2: bool = False) -> float:
    """HTMT (or HTMT2) of the blocks at positions ``ia`` and ``ib`` of the correlation
    matrix ``R`` (a numpy array)."""
    M = np.abs(R) if not htmt2 else R
    hetero = M[np.ix_(ia, ib)].ravel()

    def mono(idx: list[int]) -> np.ndarray:
        sub = M[np.ix_(idx, idx)]
        return sub[np.triu_indices(len(idx), 1)]

    den = _mean(mono(ia), htmt2) * _mean(mono(ib), htmt2)
    if not den > 0:
        return float("nan")
    return float(_mean(hetero, htmt2) / np.sqrt(den))


def htmt(result: PLSResult, *, htmt2: bool = False) -> pd.DataFrame:
    """HTMT (``htmt2=False``) or HTMT2 of every pair of constructs, a symmetric matrix with
    NaN on the diagonal (and for single-item constructs)."""
    names = result.model.names
    pos = {item: k for k, item in enumerate(result.item_cor.columns)}
    blocks = [[pos[i] for i in c.items] for c in result.model.constructs]
    return pd.DataFrame(htmt_blocks(result.item_cor.to_numpy(), blocks, htmt2=htmt2),
                        index=names, columns=names)


def htmt_blocks(R: np.ndarray, blocks: list[list[int]], *, htmt2: bool = False) -> np.ndarray:
    """HTMT (or HTMT2) of every pair of blocks at once (J x J, NaN on the diagonal and for
    single-item blocks), from block sums of ``|R|`` (or of ``log R`` for HTMT2, NaN where a
    correlation needed is not positive); equal to :func:`htmt_matrix` pair by pair."""
    p, J = R.shape[0], len(blocks)
    G = np.zeros((p, J))
    for j, b in enumerate(blocks):
        G[b, j] = 1.0
    if htmt2:
        with np.errstate(divide="ignore", invalid="ignore"):
            M = np.where(R > 0, np.log(np.where(R > 0, R, 1.0)), np.nan)
    else:
        M = np.abs(R)
    bad = np.isnan(M)
    M0 = np.where(bad, 0.0, M)
    sums = G.T @ M0 @ G
    nbad = G.T @ bad.astype(float) @ G
    k = G.sum(axis=0)
    diag = np.diag(M0) @ G  # the diagonal's contribution to each block's own sum
    counts = np.outer(k, k)
    means = sums / counts
    mono = (np.diag(sums) - diag) / (k * (k - 1)).clip(min=1)
    mono_bad = (np.diag(nbad) - (np.diag(bad.astype(float)) @ G)) > 0
    mono = np.where((k > 1) & ~mono_bad, mono, np.nan)
    means = np.where(nbad > 0, np.nan, means)
    if htmt2:
        out = np.exp(means - 0.5 * (mono[:, None] + mono[None, :]))
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            den = np.sqrt(np.outer(mono, mono))
            out = np.where(den > 0, means / den, np.nan)
    np.fill_diagonal(out, np.nan)
    return out


def fornell_larcker(result: PLSResult) -> pd.DataFrame:
    """sqrt(AVE) on the diagonal, construct correlations off it (PLSc-corrected under
    consistent PLS)."""
    out = result.construct_cor.copy()
    ave = reliability_table(result).set_index("construct")["ave"]
    for n in out.index:
        out.loc[n, n] = float(np.sqrt(ave[n]))
    return out


def item_vif(result: PLSResult) -> pd.DataFrame:
    """One row per item: ``construct, item, vif`` (NaN for a single-item construct)."""
    rows = []
    for c in result.model.constructs:
        items = list(c.items)
        if len(items) == 1:
            rows.append((c.name, items[0], float("nan")))
            continue
        inv = np.linalg.inv(result.item_cor.loc[items, items].to_numpy())
        rows.extend((c.name, item, float(v)) for item, v in zip(items, np.diag(inv), strict=True))
    return pd.DataFrame(rows, columns=["construct", "item", "vif"])
