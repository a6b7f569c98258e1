"""Common method bias diagnostics.

* :func:`harman_single_factor` - Harman's single-factor test: the share of the items' total
  variance captured by the first unrotated component (or factor); common method variance is
  suspected when one factor accounts for the majority (> 50%) of it (Podsakoff, MacKenzie,
  Lee & Podsakoff 2003, "Common method biases in behavioral research", Journal of Applied
  Psychology 88, 879-903). Podsakoff et al. stress that passing this test does not rule
  method bias out.
* :func:`full_collinearity_vif` - Kock's (2015) full collinearity test: every construct score is
  regressed on all the others; a VIF above 3.3 suggests pathological collinearity or common
  method contamination (Kock 2015, "Common method bias in PLS-SEM: A full collinearity
  assessment approach", International Journal of e-Collaboration 11(4), 1-10; Kock & Lynn
  2012, JAIS 13, 546-580).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.psychometrics.dimensionality import correlation_input, efa
from analysis.psychometrics.items import (
    PsychometricInputError,
    check_items,
    construct_scores,
    jsonable,
)

__all__ = [
    "HARMAN_THRESHOLD",
    "KOCK_VIF_THRESHOLD",
    "HarmanResult",
    "harman_single_factor",
    "full_collinearity_vif",
]

#: Harman's single-factor criterion: a first factor with more than half of the variance.
HARMAN_THRESHOLD = 0.50
#: Kock's (2015) full-collinearity VIF threshold.
KOCK_VIF_THRESHOLD = 3.3


@dataclass
class HarmanResult:
    """Harman's single-factor test."""

    method: str
    variance_share: float
    first_factor_variance: float
    n_items: int
    n_obs: int | None
    threshold: float
    flagged: bool

    def to_dict(self) -> dict[str, Any]:
        return jsonable(dict(self.__dict__))


def harman_single_factor(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    method: Literal["pca", "fa"] = "pca",
    threshold: float = HARMAN_THRESHOLD,
    n_obs: int | None = None,
) -> HarmanResult:
    """Share of total item variance taken by the first unrotated component or factor.

    ``"pca"`` (the usual form): first eigenvalue of the item correlation matrix divided by the
    number of items. ``"fa"``: the sum of squared loadings of a one-factor unrotated minres
    solution divided by the number of items. ``first_factor_variance`` is that eigenvalue or
    sum of squared loadings. ``flagged`` is True when the share exceeds
    ``threshold`` (default .50; Podsakoff et al. 2003). ``data`` may be raw item responses
    (pairwise correlations) or a correlation matrix with ``n_obs`` respondents.
    """
    r, n = correlation_input(data, items, min_items=2, n_obs=n_obs)
    p = r.shape[0]
    if method == "pca":
        first = float(np.linalg.eigvalsh(r.to_numpy())[-1])
    elif method == "fa":
        if p < 3:
            raise PsychometricInputError("the factor version needs at least 3 items")
        first = float(np.sum(efa(r, 1, rotation="none", n_obs=n).loadings.to_numpy() ** 2))
    else:
        raise PsychometricInputError(f"method must be 'pca' or 'fa', got {method!r}")
    share = first / p
    return HarmanResult(
        method=method,
        variance_share=share,
        first_factor_variance=first,
        n_items=p,
        n_obs=n,
        threshold=threshold,
        flagged=bool(share > threshold),
    )


def full_collinearity_vif(
    scores: pd.DataFrame,
    constructs: Mapping[str, Sequence[str]] | None = None,
    *,
    threshold: float = KOCK_VIF_THRESHOLD,
    observed_cov: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Full-collinearity VIFs (Kock 2015): each construct score regressed on all the others.

    ``scores`` holds one column per construct (e.g. latent variable scores). If ``constructs``
    is given, ``scores`` is taken as item data and unit-weighted mean scores are formed first
    (:func:`analysis.psychometrics.items.construct_scores`). VIF_j = 1 / (1 - R^2_j) = [R^-1]_jj on
    listwise-complete rows. With ``observed_cov`` (an item covariance matrix, e.g. the EM
    estimate of incomplete data) and ``constructs``, the scores are the unit-weighted sums
    and their correlations come from it (``scores`` is then not used). Returns
    ``construct, r_squared, vif, flagged`` (VIF > threshold).
    """
    if observed_cov is not None:
        if constructs is None:
            raise PsychometricInputError("observed_cov needs the constructs")
        names = list(constructs)
        items = [i for its in constructs.values() for i in its]
        G = np.zeros((len(items), len(names)))
        pos = 0
        for j, its in enumerate(constructs.values()):
            G[pos:pos + len(its), j] = 1.0
            pos += len(its)
        c = G.T @ observed_cov.loc[items, items].to_numpy(dtype=float) @ G
        d = np.sqrt(np.diag(c))
        r = c / np.outer(d, d)
        return _vif_table(names, r, threshold)
    if constructs is not None:
        scores = construct_scores(scores, constructs)
    s = check_items(scores, None, min_items=2).dropna()
    names = list(s.columns)
    if len(s) <= len(names):
        raise PsychometricInputError(
            f"need more complete rows ({len(s)}) than construct scores ({len(names)})"
        )
    r = np.corrcoef(s.to_numpy(), rowvar=False)
    return _vif_table(names, r, threshold)


def _vif_table(names: list[str], r: np.ndarray, threshold: float) -> pd.DataFrame:
    vals = np.linalg.eigvalsh(r)
    if vals.min() <= 1e-12:
        raise PsychometricInputError(
            f"construct scores are perfectly collinear (scores: {names}); VIF is infinite"
        )
    vif = np.diag(np.linalg.inv(r))
    return pd.DataFrame(
        {
            "construct": names,
            "r_squared": 1.0 - 1.0 / vif,
            "vif": vif,
            "flagged": vif > threshold,
        }
    )
