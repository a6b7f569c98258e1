"""The result object returned by :func:`analysis.sem.fit`: plain, serialisable data."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from instruments.plain import to_plain

__all__ = ["SEMResult"]


@dataclass
class SEMResult:
    """Outcome of one SEM fit.

    Attributes
    ----------
    model : the model syntax.
    options : estimator, missing, group, group_equal, ... as used.
    converged : whether the optimiser reached a stationary point (max |gradient| of the
        per-case deviance below 1e-6; normally ~1e-9).
    warnings : admissibility and estimation problems in plain words (never silent).
    fit_measures : dict keyed by lavaan's ``fitMeasures()`` names.
    estimates : lavaan ``parameterEstimates(standardized=TRUE)``-shaped DataFrame.
    r2 : DataFrame ``group, variable, r2`` (lavaan ``inspect(fit, "r2")``).
    implied : per group label, ``{"cov": DataFrame, "mean": Series | None}``.
    vcov : covariance matrix of the free parameters (rows/cols = parameter ids).
    group_labels : group values in lavaan order (order of appearance in the data).
    nobs : cases used per group.
    """

    model: str
    options: dict[str, Any]
    converged: bool
    iterations: int
    warnings: list[str]
    fit_measures: dict[str, float]
    estimates: pd.DataFrame
    r2: pd.DataFrame
    implied: dict[str, dict[str, Any]]
    vcov: pd.DataFrame
    group_labels: list[str]
    nobs: list[int]
    theta: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    _state: Any = field(default=None, repr=False, compare=False)

    @property
    def state(self) -> Any:
        """Compiled model and data of this fit (``FitState``) for fast refits
        (:func:`analysis.sem.fit_from_moments`) and defined-parameter evaluation
        (``result.state.defined.values(theta)``); None for results rebuilt from JSON."""
        return self._state

    @property
    def implied_cov(self) -> pd.DataFrame | dict[str, pd.DataFrame]:
        """Model-implied covariance matrix (a dict by group label for several groups)."""
        if len(self.group_labels) == 1:
            return self.implied[self.group_labels[0]]["cov"]
        return {g: v["cov"] for g, v in self.implied.items()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-able representation (no numpy types, NaN -> None)."""
        return {
            "model": self.model,
            "options": to_plain(self.options),
            "converged": bool(self.converged),
            "iterations": int(self.iterations),
            "warnings": list(self.warnings),
            "fit_measures": to_plain(self.fit_measures),
            "estimates": to_plain(self.estimates),
            "r2": to_plain(self.r2),
            "implied": {
                g: {
                    "variables": list(v["cov"].columns),
                    "cov": to_plain(v["cov"].to_numpy().tolist()),
                    "mean": None if v["mean"] is None else to_plain(v["mean"].tolist()),
                }
                for g, v in self.implied.items()
            },
            "vcov": to_plain(self.vcov.to_numpy().tolist()),
            "group_labels": list(self.group_labels),
            "nobs": [int(n) for n in self.nobs],
        }

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SEMResult:
        """Rebuild a (refit-free) result for reporting from :meth:`to_dict` output."""
        implied = {}
        for g, v in d["implied"].items():
            cov = pd.DataFrame(np.array(v["cov"], dtype=float), index=v["variables"],
                               columns=v["variables"])
            mean = None if v["mean"] is None else pd.Series(
                np.array(v["mean"], dtype=float), index=v["variables"])
            implied[g] = {"cov": cov, "mean": mean}
        fm = {k: (float("nan") if x is None else x) for k, x in d["fit_measures"].items()}
        return cls(
            model=d["model"], options=d["options"], converged=d["converged"],
            iterations=d["iterations"], warnings=list(d["warnings"]), fit_measures=fm,
            estimates=pd.DataFrame(d["estimates"]), r2=pd.DataFrame(d["r2"]), implied=implied,
            vcov=pd.DataFrame(np.array(d["vcov"], dtype=float)), group_labels=d["group_labels"],
            nobs=d["nobs"],
        )
