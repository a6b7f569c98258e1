"""The PLS path modelling algorithm (Wold, 1982; Lohmöller, 1989), on a covariance matrix.

Every step needs only the indicators' covariance (or correlation) matrix ``S``, so the same
code serves data and population moments. With block-diagonal outer weights ``W`` (p x J,
column j nonzero on construct j's items only, scaled so each composite has variance 1,
``diag(W' S W) = 1``), one iteration is:

1. construct correlations ``C = W' S W``;
2. inner weights ``E = inner_weights(C, B, scheme)`` (:mod:`analysis.pls.weighting`);
3. covariances of the items with the inner proxies ``G = S W E``;
4. new outer weights, block by block: mode A ``w_j = G[b_j, j]`` (the items' covariances with
   the proxy); mode B ``w_j = S[b_j, b_j]^-1 G[b_j, j]`` (the multiple regression of the proxy
   on the items); then ``w_j / sqrt(w_j' S[b_j, b_j] w_j)``.

The weights start at 1 for every item. Iteration stops when the sum of absolute changes of all
weights falls below ``tol`` (seminr's rule: 1e-7, at most 300 iterations); a single-item
construct keeps the weight that makes it its standardized item.
"""

from __future__ import annotations

import numpy as np

from .errors import PLSInputError, PLSNotConvergedError
from .syntax import PLSModel
from .weighting import inner_weights

__all__ = ["adjacency", "blocks", "outer_weights"]


def blocks(model: PLSModel) -> list[np.ndarray]:
    """Column indices of each construct's items in ``model.items`` order."""
    out, start = [], 0
    for c in model.constructs:
        out.append(np.arange(start, start + len(c.items)))
        start += len(c.items)
    return out


def adjacency(model: PLSModel) -> np.ndarray:
    """Structural adjacency ``B`` (J x J): ``B[i, j] = 1`` when construct i predicts j."""
    index = {n: k for k, n in enumerate(model.names)}
    B = np.zeros((len(index), len(index)))
    for a, b in model.paths:
        B[index[a], index[b]] = 1.0
    return B


def _normalize(w: np.ndarray, Sbb: np.ndarray, name: str) -> np.ndarray:
    var = float(w @ Sbb @ w)
    if not np.isfinite(var) or var <= 1e-300:
        raise PLSInputError(
            f"construct {name!r}: its composite has no variance (its inner proxy is "
            "uncorrelated with its items); check the construct's items and paths")
    return w / np.sqrt(var)


def outer_weights(S: np.ndarray, model: PLSModel, *, scheme: str = "path",
                  max_iter: int = 300, tol: float = 1e-7) -> tuple[np.ndarray, int]:
    """Converged outer weights and the number of iterations (module docstring).

    Parameters
    ----------
    S : ndarray
        Covariance (or correlation) matrix of ``model.items``, in that order.
    model : PLSModel
        The parsed model.
    scheme : {"path", "factorial", "centroid"}
        Inner weighting scheme.
    max_iter : int
        Iterations allowed.
    tol : float
        Convergence threshold on the sum of absolute weight changes.

    Returns
    -------
    tuple of (ndarray, int)
        ``W`` (p x J) and the iterations run.

    Raises
    ------
    PLSNotConvergedError
        The weights still changed by ``tol`` or more after ``max_iter`` iterations.
    """
    idx = blocks(model)
    B = adjacency(model)
    p, J = S.shape[0], len(idx)
    W = np.zeros((p, J))
    Sbb_inv: list[np.ndarray | None] = []
    S_blocks = [S[np.ix_(b, b)] for b in idx]
    for j, (c, b) in enumerate(zip(model.constructs, idx, strict=True)):
        Sbb = S_blocks[j]
        W[b, j] = _normalize(np.ones(b.size), Sbb, c.name)
        if c.mode == "B" and b.size > 1:
            try:
                Sbb_inv.append(np.linalg.inv(Sbb))
            except np.linalg.LinAlgError:
                Sbb_inv.append(None)
            if Sbb_inv[-1] is None or np.linalg.cond(Sbb) > 1e12:
                raise PLSInputError(
                    f"construct {c.name!r} (mode B): its items {', '.join(c.items)} are "
                    "perfectly collinear, so regression weights cannot be estimated; drop a "
                    "redundant item or measure the construct with '=~' (mode A)")
        else:
            Sbb_inv.append(None)
    for it in range(1, max_iter + 1):
        C = W.T @ S @ W
        G = S @ W @ inner_weights(C, B, scheme)
        new = np.zeros_like(W)
        for j, (c, b) in enumerate(zip(model.constructs, idx, strict=True)):
            if b.size == 1:
                new[b, j] = W[b, j]
                continue
            g = G[b, j]
            inv = Sbb_inv[j]
            w = inv @ g if inv is not None else g
            new[b, j] = _normalize(w, S_blocks[j], c.name)
        change = float(np.abs(new - W).sum())
        W = new
        if change < tol:
            return W, it
    raise PLSNotConvergedError(
        f"the PLS weights did not converge in {max_iter} iterations (the sum of absolute "
        f"weight changes was still {change:.3g}, above {tol:g}); raise max_iter, try "
        "scheme='path' or 'factorial', or check the model for constructs whose items do not "
        "go together")
