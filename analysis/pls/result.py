"""The result of a PLS path model estimation: plain, serialisable data.

The parameter table has lavaan's shape (``lhs, op, rhs, est``), one row per estimate:

* ``construct =~ item``: loadings (correlation of the item with its construct's score; the
  PLSc loading for a reflective construct under consistent PLS);
* ``construct <~ item``: outer weights (in the metric of the analysed items: standardized
  unless ``standardize=False``);
* ``outcome ~ predictor``: path coefficients;
* ``a ~~ b``: construct correlations (PLSc-corrected under consistent PLS);
* ``outcome r2 outcome``: R² of each endogenous construct (lavaan's ``rsquare = TRUE`` rows).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from instruments.plain import to_plain

from .syntax import PLSModel

__all__ = ["PLSResult"]


@dataclass
class PLSResult:
    """One PLS path model estimation.

    Attributes
    ----------
    model : the parsed model (:class:`~analysis.pls.syntax.PLSModel`).
    settings : scheme, consistent, standardize, max_iter, tol, missing as used.
    sample : ``n``, ``n_read``, ``missing`` (``"mean"``, ``"listwise"`` or ``"complete"``),
        ``n_incomplete``, ``n_dropped``, ``replaced`` (answers replaced per item).
    iterations : outer-weight iterations until convergence.
    estimates : the lavaan-shaped parameter table (module docstring).
    weights : outer weights, items x constructs (zero off the blocks), standardized metric.
    loadings : items x constructs, nonzero on the blocks (PLSc-corrected where consistent).
    cross_loadings : correlations of every item with every construct score.
    composite_cor : correlations of the construct scores (composites).
    construct_cor : correlations used for the paths: ``composite_cor``, or under PLSc the
        disattenuated correlations.
    rho_a : Dijkstra-Henseler rho_A per construct (1 for mode B and single items).
    paths : path coefficients, predictors (rows) x outcomes (columns), zero where no path.
    r2 : R² per endogenous construct.
    item_cor : correlations of the items (after missing-data handling).
    item_mean, item_sd : the items' means and standard deviations (n - 1).
    scores : construct scores (standardized composites), or None when estimated from moments.
    warnings : inadmissible results in plain words (e.g. PLSc correlations above 1).
    """

    model: PLSModel
    settings: dict[str, Any]
    sample: dict[str, Any]
    iterations: int
    estimates: pd.DataFrame
    weights: pd.DataFrame
    loadings: pd.DataFrame
    cross_loadings: pd.DataFrame
    composite_cor: pd.DataFrame
    construct_cor: pd.DataFrame
    rho_a: dict[str, float]
    paths: pd.DataFrame
    r2: dict[str, float]
    item_cor: pd.DataFrame
    item_mean: pd.Series | None = None
    item_sd: pd.Series | None = None
    scores: pd.DataFrame | None = field(default=None, repr=False)
    warnings: list[str] = field(default_factory=list)

    @property
    def n(self) -> int | None:
        """Respondents analysed (None for population moments)."""
        return self.sample.get("n")

    def path(self, predictor: str, outcome: str) -> float:
        """The path coefficient ``predictor -> outcome``."""
        return float(self.paths.loc[predictor, outcome])

    def to_dict(self, scores: bool = False) -> dict[str, Any]:
        """JSON-ready data (NaN -> None); construct scores only with ``scores=True``."""
        out = {
            "method": "pls",
            "model": self.model.syntax,
            "constructs": [{"name": c.name, "items": list(c.items), "mode": c.mode,
                            "kind": c.kind} for c in self.model.constructs],
            "settings": to_plain(self.settings),
            "sample": to_plain(self.sample),
            "iterations": int(self.iterations),
            "warnings": list(self.warnings),
            "estimates": to_plain(self.estimates),
            "rho_a": to_plain(self.rho_a),
            "r2": to_plain(self.r2),
            "construct_cor": to_plain(self.construct_cor, frames="columns"),
            "composite_cor": to_plain(self.composite_cor, frames="columns"),
            "cross_loadings": to_plain(self.cross_loadings, frames="columns"),
        }
        if scores and self.scores is not None:
            out["scores"] = to_plain(self.scores, frames="split")
        return out

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON text (``allow_nan=False``)."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)


def parameter_table(model: PLSModel, weights: np.ndarray, loadings: np.ndarray,
                    paths: np.ndarray, r2: dict[str, float], cor: np.ndarray) -> pd.DataFrame:
    """The lavaan-shaped table (module docstring) from the estimate matrices."""
    rows: list[tuple[str, str, str, float]] = []
    names = model.names
    k = 0
    for j, c in enumerate(model.constructs):
        for item in c.items:
            rows.append((c.name, "=~", item, float(loadings[k, j])))
            k += 1
    k = 0
    for j, c in enumerate(model.constructs):
        for item in c.items:
            rows.append((c.name, "<~", item, float(weights[k, j])))
            k += 1
    for outcome in model.endogenous:
        for pred in model.predictors(outcome):
            rows.append((outcome, "~", pred,
                         float(paths[names.index(pred), names.index(outcome)])))
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            rows.append((names[a], "~~", names[b], float(cor[a, b])))
    for outcome, value in r2.items():
        rows.append((outcome, "r2", outcome, float(value)))
    return pd.DataFrame(rows, columns=["lhs", "op", "rhs", "est"])
