"""Overall fit of a PLS path model: SRMR and d_ULS (Henseler et al., 2014, *ORM* 17(2),
182-209; Dijkstra & Henseler, 2015, *CSDA* 81, 10-23).

The model-implied item correlation matrix follows cSEM (Rademaker & Schuberth):

* within a reflective (``=~``) block: ``lambda lambda'`` with ones on the diagonal (a common
  factor);
* within a composite (``<~``) block: the observed item correlations (a composite leaves its
  block unrestricted);
* between blocks i and j: ``lambda_i * Phi_ij * lambda_j'``, with ``lambda`` the loadings (the
  PLSc loadings for a reflective block under consistent PLS, the composite loadings
  ``R_jj w_j`` otherwise);
* ``Phi``: the construct correlations. For the *estimated* model (the default) those implied
  by the structural model: exogenous constructs keep their estimated correlations, and each
  endogenous construct is the sum of its paths plus an error uncorrelated with every
  construct before it in causal order, scaled to variance 1. For the *saturated* model
  (``saturated=True``, SmartPLS's "saturated model") the estimated construct correlations.

Then, over the ``p(p+1)/2`` distinct elements of the residual ``S - Sigma``:
``SRMR = sqrt(mean(residual^2))``; ``d_ULS = 1/2 * sum over all p^2 elements of residual^2``
(cSEM's squared Euclidean distance ``dL``).
"""

from __future__ import annotations

import numpy as np

from .algorithm import blocks
from .result import PLSResult

__all__ = ["implied_construct_cor", "implied_item_cor", "model_fit"]


def implied_construct_cor(result: PLSResult) -> np.ndarray:
    """Construct correlations implied by the structural model (cSEM's ``fit()``):
    ``Phi = (I - B')^-1 Psi (I - B')^-T`` with ``Psi`` holding the estimated correlations of
    the exogenous constructs and ``1 - R²`` for each endogenous construct's error (errors
    uncorrelated). The diagonal is 1 for exogenous constructs and may differ from 1 for
    endogenous ones when the model does not reproduce their predictors' correlations."""
    C = result.construct_cor.to_numpy()
    B = result.paths.to_numpy()
    names = result.model.names
    endo = [names.index(n) for n in result.model.endogenous]
    exo = [k for k in range(len(names)) if k not in endo]
    Psi = np.zeros_like(C)
    Psi[np.ix_(exo, exo)] = C[np.ix_(exo, exo)]
    for n in result.model.endogenous:
        k = names.index(n)
        Psi[k, k] = 1.0 - result.r2[n]
    A = np.linalg.inv(np.eye(len(names)) - B.T)
    return A @ Psi @ A.T


def implied_item_cor(result: PLSResult, *, saturated: bool = False) -> np.ndarray:
    """The model-implied item correlation matrix (module docstring), ``model.items`` order."""
    R = result.item_cor.to_numpy()
    Phi = result.construct_cor.to_numpy() if saturated else implied_construct_cor(result)
    idx = blocks(result.model)
    L = result.loadings.to_numpy()
    Sigma = np.zeros_like(R)
    for j, (c, b) in enumerate(zip(result.model.constructs, idx, strict=True)):
        for k, b2 in enumerate(idx):
            if j == k:
                if c.kind == "composite" or b.size == 1:
                    Sigma[np.ix_(b, b)] = R[np.ix_(b, b)]
                else:
                    block = np.outer(L[b, j], L[b, j])
                    np.fill_diagonal(block, 1.0)
                    Sigma[np.ix_(b, b)] = block
            else:
                Sigma[np.ix_(b, b2)] = Phi[j, k] * np.outer(L[b, j], L[b2, k])
    return Sigma


def model_fit(result: PLSResult, *, saturated: bool = False) -> dict[str, float]:
    """``{"srmr", "d_uls"}`` of the estimated (or saturated) model (module docstring)."""
    R = result.item_cor.to_numpy()
    res = R - implied_item_cor(result, saturated=saturated)
    low = res[np.tril_indices(R.shape[0])]
    return {"srmr": float(np.sqrt(np.mean(low ** 2))), "d_uls": float(0.5 * np.sum(res ** 2))}
