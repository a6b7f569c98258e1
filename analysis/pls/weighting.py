"""Inner weighting schemes of PLS path modelling: how each construct's inner proxy is built
from its neighbours' scores.

With ``C`` the correlation matrix of the current construct scores and ``B`` the structural
adjacency matrix (``B[i, j] = 1`` for a path i -> j), the inner proxy of construct j is
``sum_i E[i, j] * Y_i`` over the constructs i adjacent to j (Lohmöller, 1989, ch. 2; Tenenhaus
et al., 2005, *CSDA* 48, 159-205, sec. 2.2):

* ``"centroid"`` (Wold, 1982): ``E[i, j] = sign(C[i, j])``;
* ``"factorial"`` (Lohmöller, 1989): ``E[i, j] = C[i, j]``;
* ``"path"`` (Lohmöller, 1989; the default of seminr, cSEM and SmartPLS): for a predictor i of
  j, the coefficient of Y_i in the multiple regression of Y_j on all of j's predictors; for a
  construct i that j predicts, ``C[i, j]``.

>>> import numpy as np
>>> C = np.array([[1, .5, .3], [.5, 1, .4], [.3, .4, 1]])
>>> B = np.array([[0, 0, 1], [0, 0, 1], [0, 0, 0]])       # 0 -> 2 <- 1
>>> inner_weights(C, B, "centroid")[:, 2].tolist()
[1.0, 1.0, 0.0]
>>> np.round(inner_weights(C, B, "path")[:, 2], 4).tolist()  # regression of 2 on 0 and 1
[0.1333, 0.3333, 0.0]
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from .errors import PLSInputError

__all__ = ["SCHEMES", "Scheme", "inner_weights"]

Scheme = Literal["path", "factorial", "centroid"]
SCHEMES: tuple[str, ...] = ("path", "factorial", "centroid")


def inner_weights(C: np.ndarray, B: np.ndarray, scheme: str) -> np.ndarray:
    """The inner weight matrix ``E`` (J x J; column j builds construct j's inner proxy).

    Parameters
    ----------
    C : ndarray
        Correlations of the current construct scores (J x J).
    B : ndarray
        Structural adjacency, ``B[i, j] = 1`` when i predicts j.
    scheme : {"path", "factorial", "centroid"}
        The weighting scheme (module docstring).

    Returns
    -------
    ndarray
        ``E`` with zeros for non-adjacent pairs and on the diagonal.
    """
    A = ((B + B.T) > 0).astype(float)
    if scheme == "centroid":
        return np.sign(C) * A
    if scheme == "factorial":
        return C * A
    if scheme != "path":
        raise PLSInputError(f"scheme={scheme!r} is not an inner weighting scheme; use "
                            "'path', 'factorial' or 'centroid'", code="invalid_argument")
    E = C * B.T  # successors: E[i, j] = C[i, j] where j -> i
    for j in range(C.shape[0]):
        pred = np.flatnonzero(B[:, j])
        if pred.size:
            E[pred, j] = np.linalg.solve(C[np.ix_(pred, pred)], C[pred, j])
    return E
