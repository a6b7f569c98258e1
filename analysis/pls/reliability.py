"""Internal consistency of PLS constructs (Hair et al., 2019, *European Business Review*
31(1), 2-24, "When to use and how to report the results of PLS-SEM", table 2).

For a block with loadings ``l_1..l_K`` and item correlation matrix ``R``:

* indicator reliability: ``l_k^2`` (>= .708^2 ~ .50 recommended);
* Cronbach's alpha (standardized items, as PLS analyses them):
  ``K / (K - 1) * (1 - K / 1'R1)``;
* composite reliability (Jöreskog's rho_C): ``(sum l)^2 / ((sum l)^2 + sum(1 - l^2))``;
* average variance extracted (Fornell & Larcker, 1981): ``AVE = mean(l^2)`` (>= .50);
* rho_A (Dijkstra & Henseler, 2015): estimated with the weights
  (:func:`analysis.pls.consistent.rho_a`), 1 for mode B composites and single items.

Under consistent PLS the loadings are the PLSc loadings, so rho_C and AVE are those of the
common factor (as cSEM's ``assess``).

>>> import numpy as np
>>> round(cronbach_alpha(np.array([[1, .5, .5], [.5, 1, .5], [.5, .5, 1]])), 4)
0.75
>>> round(rho_c(np.array([.7, .7, .7])), 4)
0.7424
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .result import PLSResult

__all__ = ["cronbach_alpha", "indicator_reliability", "reliability_table", "rho_c"]


def cronbach_alpha(R: np.ndarray) -> float:
    """Cronbach's alpha of standardized items with correlation matrix ``R`` (NaN for one
    item)."""
    k = R.shape[0]
    if k < 2:
        return float("nan")
    return float(k / (k - 1) * (1 - k / R.sum()))


def rho_c(loadings: np.ndarray) -> float:
    """Jöreskog's composite reliability from standardized loadings."""
    lam = np.asarray(loadings, dtype=float)
    s = lam.sum() ** 2
    return float(s / (s + (1 - lam ** 2).sum()))


def indicator_reliability(result: PLSResult) -> pd.DataFrame:
    """One row per item: ``construct, item, loading, reliability`` (the squared loading)."""
    rows = []
    for c in result.model.constructs:
        for item in c.items:
            lam = float(result.loadings.loc[item, c.name])
            rows.append((c.name, item, lam, lam ** 2))
    return pd.DataFrame(rows, columns=["construct", "item", "loading", "reliability"])


def reliability_table(result: PLSResult) -> pd.DataFrame:
    """One row per construct: ``construct, items, alpha, rho_c, rho_a, ave`` (seminr's
    ``summary()$reliability`` and cSEM's ``assess()`` columns)."""
    rows = []
    for c in result.model.constructs:
        items = list(c.items)
        lam = result.loadings.loc[items, c.name].to_numpy()
        R = result.item_cor.loc[items, items].to_numpy()
        rows.append((c.name, len(items), cronbach_alpha(R), rho_c(lam),
                     result.rho_a[c.name], float(np.mean(lam ** 2))))
    return pd.DataFrame(rows, columns=["construct", "items", "alpha", "rho_c", "rho_a", "ave"])
