"""rho_A and consistent PLS (PLSc; Dijkstra & Henseler, 2015, *MIS Quarterly* 39(2), 297-316).

For a mode A construct with standardized outer weights ``w`` and item correlation matrix
``S`` (its block), Dijkstra & Henseler's (2015, eq. 11-12) reliability coefficient is

    rho_A = (w'w)^2 * w'(S - diag S)w / w'(ww' - diag(ww'))w,

the squared correlation between the composite and the common factor it stands for. PLSc
uses it to undo the attenuation of mode A composites:

* consistent loadings ``lambda = c * w`` with ``c = sqrt(rho_A) / (w'w)`` (eq. 9-10);
* construct correlations ``r*_ij = r_ij / sqrt(rho_A,i * rho_A,j)`` (eq. 13), with rho_A = 1
  for composites (mode B) and single items, which are taken as measured without error.

Paths and R² are then the least-squares solutions on the corrected correlations.

>>> import numpy as np
>>> lam = np.array([.8, .7, .6])                      # one common factor
>>> R = np.outer(lam, lam); np.fill_diagonal(R, 1)
>>> round(rho_a(lam / np.sqrt(lam @ R @ lam), R), 6)   # = (l.l)^2 / l.R.l
0.757506
"""

from __future__ import annotations

import numpy as np

__all__ = ["consistent_loadings", "disattenuate", "rho_a"]


def rho_a(w: np.ndarray, S: np.ndarray) -> float:
    """Dijkstra & Henseler's rho_A of a block with weights ``w`` and correlations ``S``
    (1.0 for a single item)."""
    w = np.asarray(w, dtype=float)
    if w.size == 1:
        return 1.0
    ww = np.outer(w, w)
    num = w @ (S - np.diag(np.diag(S))) @ w
    den = w @ (ww - np.diag(np.diag(ww))) @ w
    return float((w @ w) ** 2 * num / den)


def consistent_loadings(w: np.ndarray, rho: float) -> np.ndarray:
    """PLSc loadings ``sqrt(rho_A) * w / (w'w)`` of a mode A block (NaN if rho_A < 0)."""
    w = np.asarray(w, dtype=float)
    if rho < 0:
        return np.full(w.shape, np.nan)
    return np.sqrt(rho) * w / (w @ w)


def disattenuate(C: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """Construct correlations corrected for attenuation: ``C_ij / sqrt(q2_i q2_j)`` off the
    diagonal, 1 on it (``q2``: rho_A of each construct, 1 for those taken as error-free)."""
    q = np.sqrt(np.asarray(q2, dtype=float))
    out = C / np.outer(q, q)
    np.fill_diagonal(out, 1.0)
    return out
