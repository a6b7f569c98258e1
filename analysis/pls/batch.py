"""Many PLS estimations at once: the algorithm of :mod:`analysis.pls.algorithm` and the
statistics of :mod:`analysis.pls.bootstrap` on a stack of covariance matrices (bootstrap
resamples), with numpy's batched linear algebra instead of a Python loop per resample.

Each resample follows exactly the steps of the one-at-a-time code (same start, same inner
weights, same normalization, same convergence rule, and a resample stops updating once it has
converged), so the results agree with :func:`analysis.pls.estimate._solve` to rounding
(checked in tests/test_pls_bootstrap.py). A resample that does not converge gives a NaN row.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .algorithm import adjacency, blocks
from .structural import specific_indirect, total_effects
from .syntax import PLSModel

__all__ = ["batch_solve", "batch_statistics", "chain_label", "chain_products"]


@functools.lru_cache(maxsize=32)
def _reach(model: PLSModel) -> list[tuple[str, str, bool]]:
    """(cause, outcome, has a chain of two or more paths) for every reachable pair."""
    names = model.names
    B = np.zeros((len(names), len(names)))
    for a, b in model.paths:
        B[names.index(a), names.index(b)] = 1.0
    reach = total_effects(B) != 0
    longer = (total_effects(B) - B) != 0
    return [(names[i], names[j], bool(longer[i, j])) for i in range(len(names))
            for j in range(len(names)) if reach[i, j]]


@functools.lru_cache(maxsize=32)
def _chains(model: PLSModel) -> list[tuple[str, ...]]:
    """Every chain of two or more paths (cause, mediators..., outcome), in the order of
    :func:`analysis.pls.structural.specific_indirect`."""
    names = model.names
    B = np.zeros((len(names), len(names)))
    for a, b in model.paths:
        B[names.index(a), names.index(b)] = 1.0
    return [tuple(chain) for chain, _ in specific_indirect(B, names)]


def chain_label(chain: tuple[str, ...] | list[str]) -> tuple[str, str, str]:
    """The table row of a specific indirect effect, as lavaan writes a defined parameter:
    ``lhs`` the chain (``"A -> M -> Y"``), op ``":="``, ``rhs`` the product of its paths in
    lavaan's regression notation (``"(M~A)*(Y~M)"``).

    >>> chain_label(["A", "M", "Y"])
    ('A -> M -> Y', ':=', '(M~A)*(Y~M)')
    """
    return (" -> ".join(chain), ":=",
            "*".join(f"({b}~{a})" for a, b in zip(chain[:-1], chain[1:], strict=True)))


def chain_products(paths: np.ndarray, model: PLSModel) -> list[np.ndarray]:
    """The specific indirect effects of :func:`_chains` from path matrices ``paths``
    (``[..., i, j]``: i -> j): the product of the paths along each chain."""
    names = model.names
    out = []
    for chain in _chains(model):
        k = [names.index(c) for c in chain]
        value = paths[..., k[0], k[1]]
        for a, b in zip(k[1:-1], k[2:], strict=True):
            value = value * paths[..., a, b]
        out.append(value)
    return out


@functools.lru_cache(maxsize=32)
def _htmt_pairs(model: PLSModel) -> list[tuple[str, str]]:
    multi = [c.name for c in model.constructs if len(c.items) > 1]
    return [(a, b) for k, a in enumerate(multi) for b in multi[k + 1:]]


def _normalize(w: np.ndarray, Sbb: np.ndarray) -> np.ndarray:
    var = np.einsum("bi,bij,bj->b", w, Sbb, w)
    return w / np.sqrt(var)[:, None]


def _inner(C: np.ndarray, B: np.ndarray, scheme: str) -> np.ndarray:
    A = ((B + B.T) > 0).astype(float)
    if scheme == "centroid":
        return np.sign(C) * A
    if scheme == "factorial":
        return C * A
    E = C * B.T
    for j in range(B.shape[0]):
        pred = np.flatnonzero(B[:, j])
        if pred.size:
            E[:, pred, j] = np.linalg.solve(C[:, pred][:, :, pred], C[:, pred, j][..., None])[..., 0]
    return E


def _outer_weights(S: np.ndarray, model: PLSModel, scheme: str, max_iter: int,
                   tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Weights (K x p x J) and a converged flag per resample."""
    idx = blocks(model)
    B = adjacency(model)
    K, p = S.shape[0], S.shape[1]
    J = len(idx)
    W = np.zeros((K, p, J))
    S_blocks = [S[:, b][:, :, b] for b in idx]
    inv = [np.linalg.inv(Sb) if (c.mode == "B" and b.size > 1) else None
           for c, b, Sb in zip(model.constructs, idx, S_blocks, strict=True)]
    for j, b in enumerate(idx):
        W[:, b, j] = _normalize(np.ones((K, b.size)), S_blocks[j])
    active = np.ones(K, dtype=bool)
    for _ in range(max_iter):
        a = np.flatnonzero(active)
        Wa, Sa = W[a], S[a]
        C = np.transpose(Wa, (0, 2, 1)) @ Sa @ Wa
        G = Sa @ Wa @ _inner(C, B, scheme)
        new = Wa.copy()
        for j, b in enumerate(idx):
            if b.size == 1:
                continue
            g = G[:, b, j]
            w = (inv[j][a] @ g[..., None])[..., 0] if inv[j] is not None else g
            new[:, b, j] = _normalize(w, S_blocks[j][a])
        change = np.abs(new - Wa).sum(axis=(1, 2))
        W[a] = new
        active[a[change < tol]] = False
        if not active.any():
            break
    return W, ~active


def _htmt_batch(R: np.ndarray, blocks_: list[list[int]], *, htmt2: bool) -> np.ndarray:
    """:func:`analysis.pls.validity.htmt_blocks` for a stack of correlation matrices."""
    p = R.shape[1]
    J = len(blocks_)
    G = np.zeros((p, J))
    for j, b in enumerate(blocks_):
        G[b, j] = 1.0
    if htmt2:
        with np.errstate(divide="ignore", invalid="ignore"):
            M = np.where(R > 0, np.log(np.where(R > 0, R, 1.0)), np.nan)
    else:
        M = np.abs(R)
    bad = np.isnan(M).astype(float)
    M0 = np.where(bad > 0, 0.0, M)
    sums = G.T @ M0 @ G
    nbad = G.T @ bad @ G
    k = G.sum(axis=0)
    dsum = np.einsum("kii->ki", M0) @ G
    dbad = np.einsum("kii->ki", bad) @ G
    means = np.where(nbad > 0, np.nan, sums / np.outer(k, k))
    mono = (np.einsum("kjj->kj", sums) - dsum) / (k * (k - 1)).clip(min=1)
    mono = np.where((k > 1) & ((np.einsum("kjj->kj", nbad) - dbad) <= 0), mono, np.nan)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if htmt2:
            out = np.exp(means - 0.5 * (mono[:, :, None] + mono[:, None, :]))
        else:
            den = np.sqrt(mono[:, :, None] * mono[:, None, :])
            out = np.where(den > 0, means / den, np.nan)
    out[:, np.arange(J), np.arange(J)] = np.nan
    return out


def batch_solve(S: np.ndarray, model: PLSModel, settings: dict[str, Any]) -> dict[str, Any]:
    """The estimates of :func:`analysis.pls.estimate._solve` for a stack of item covariance
    matrices ``S`` (K x p x p, ``model.items`` order, every variance positive): ``W``,
    ``W_fit``, ``loadings`` (K x p x J), ``C``, ``cor``, ``paths`` (K x J x J; ``[k, i, j]``:
    i -> j), ``r2`` (K x outcomes, ``model.endogenous`` order), ``R``, ``sd`` and ``conv``
    (False where the weights did not converge)."""
    sd = np.sqrt(np.einsum("kii->ki", S))
    R = S / (sd[:, :, None] * sd[:, None, :])
    standardize = settings["standardize"]
    W_fit, conv = _outer_weights(R if standardize else S, model, settings["scheme"],
                                 settings["max_iter"], settings["tol"])
    W = W_fit if standardize else W_fit * sd[:, :, None]
    Wt = np.transpose(W, (0, 2, 1))
    C = Wt @ R @ W
    cross = R @ W
    idx = blocks(model)
    J = len(idx)
    names = model.names
    loadings = np.zeros_like(W)
    for j, b in enumerate(idx):
        loadings[:, b, j] = cross[:, b, j]
    rho = np.ones((W.shape[0], J))
    for j, (c, b) in enumerate(zip(model.constructs, idx, strict=True)):
        if c.mode == "A" and b.size > 1:
            w = W[:, b, j]
            Rb = R[:, b][:, :, b]
            Roff = Rb - np.einsum("kii->ki", Rb)[:, :, None] * np.eye(b.size)
            num = np.einsum("ki,kij,kj->k", w, Roff, w)
            ww = (w ** 2).sum(axis=1)
            den = ww ** 2 - (w ** 4).sum(axis=1)
            rho[:, j] = ww ** 2 * num / den
    cor = C
    if settings["consistent"]:
        q2 = np.ones_like(rho)
        for j, (c, b) in enumerate(zip(model.constructs, idx, strict=True)):
            if c.kind == "reflective" and b.size > 1:
                q2[:, j] = rho[:, j]
                w = W[:, b, j]
                with np.errstate(invalid="ignore"):
                    lam = np.sqrt(rho[:, j])[:, None] * w / (w ** 2).sum(axis=1)[:, None]
                loadings[:, b, j] = np.where(rho[:, j:j + 1] < 0, np.nan, lam)
        with np.errstate(invalid="ignore", divide="ignore"):
            q = np.sqrt(q2)
            cor = C / (q[:, :, None] * q[:, None, :])
        cor[:, np.arange(J), np.arange(J)] = 1.0
    paths = np.zeros((W.shape[0], J, J))
    r2 = []
    for outcome in model.endogenous:
        j = names.index(outcome)
        P = [names.index(p) for p in model.predictors(outcome)]
        beta = np.linalg.solve(cor[:, P][:, :, P], cor[:, P, j][..., None])[..., 0]
        paths[:, P, j] = beta
        r2.append(np.einsum("ki,ki->k", cor[:, j, P], beta))
    r2_arr = np.column_stack(r2) if r2 else np.zeros((W.shape[0], 0))
    return {"W": W, "W_fit": W_fit, "loadings": loadings, "C": C, "cor": cor, "paths": paths,
            "r2": r2_arr, "R": R, "sd": sd, "conv": conv, "rho": rho}


def batch_statistics(X: np.ndarray, model: PLSModel, settings: dict[str, Any],
                     width: int) -> np.ndarray:
    """The bootstrap statistics (:func:`analysis.pls.bootstrap._statistics` order) of each
    data set in ``X`` (K x n x p, no missing values); NaN rows where estimation fails."""
    K, n, _ = X.shape
    Xc = X - X.mean(axis=1, keepdims=True)
    S = np.transpose(Xc, (0, 2, 1)) @ Xc / (n - 1)
    sd = np.sqrt(np.einsum("kii->ki", S))
    out = np.full((K, width), np.nan)
    ok = np.all(sd > 0, axis=1) & np.all(np.isfinite(sd), axis=1)
    if not ok.any():
        return out
    est = batch_solve(S[ok], model, settings)
    standardize = settings["standardize"]
    W, W_fit, loadings, paths, R, conv = (est[k] for k in ("W", "W_fit", "loadings", "paths",
                                                           "R", "conv"))
    r2 = list(est["r2"].T)
    idx = blocks(model)
    J = len(idx)
    names = model.names
    rep_w = W if standardize else W_fit
    cols: list[np.ndarray] = []
    for j, b in enumerate(idx):
        cols += [rep_w[:, k, j] for k in b]
    for j, b in enumerate(idx):
        cols += [loadings[:, k, j] for k in b]
    for outcome in model.endogenous:
        cols += [paths[:, names.index(p), names.index(outcome)] for p in model.predictors(outcome)]
    cols += r2
    T = np.linalg.inv(np.eye(J) - paths) - np.eye(J)
    reach = _reach(model)
    cols += [T[:, names.index(a), names.index(b)] for a, b, _ in reach]
    cols += [T[:, names.index(a), names.index(b)] - paths[:, names.index(a), names.index(b)]
             for a, b, longer in reach if longer]
    cols += chain_products(paths, model)
    pos = [(names.index(a), names.index(b)) for a, b in _htmt_pairs(model)]
    blk = [list(b) for b in idx]
    if pos:
        for h2 in (False, True):
            H = _htmt_batch(R, blk, htmt2=h2)
            cols += [H[:, i, j] for i, j in pos]
    stats = np.column_stack(cols) if cols else np.zeros((W.shape[0], 0))
    stats[~conv] = np.nan
    out[np.flatnonzero(ok)] = stats
    return out
