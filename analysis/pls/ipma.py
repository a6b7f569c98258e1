"""Importance-performance map analysis (IPMA) from a PLS path model (Ringle & Sarstedt, 2016,
"Gain more insight from your PLS-SEM results: the importance-performance map analysis",
*Industrial Management & Data Systems* 116, 1865-1886; Hair, Sarstedt, Ringle & Gudergan,
2024, *Advanced Issues in PLS-SEM*, 2nd ed., ch. 3).

For a *target* construct, IPMA sets each antecedent's *importance* (its total effect on the
target) against its *performance* (its mean score on a 0-100 scale):

1. every indicator is rescaled with its scale's bounds (the answer options, not the sample's
   extremes): ``x~ = (x - min) / (max - min) * 100``;
2. the standardized outer weights ``w`` are unstandardized for the rescaled indicators,
   ``w / sd(x~)``, and rescaled to sum to 1 within each construct: ``w~_k = (w_k / sd(x~_k)) /
   sum_j (w_j / sd(x~_j))``;
3. rescaled construct scores ``LV~ = sum_k w~_k x~_k`` (between 0 and 100 when every
   ``w~_k >= 0``); a construct's **performance** is their mean, ``sum_k w~_k mean(x~_k)``;
4. **importance**: the unstandardized total effect on the target, from the paths in the
   rescaled metric, ``b_ij = beta_ij * sd(LV~_j) / sd(LV~_i)`` (a one-point increase of ``i`` on
   the 0-100 scale changes ``j`` by ``b_ij`` points), summed over all chains:
   ``T = (I - B_unstd)^-1 - I``;
5. indicator level: an indicator's performance is ``mean(x~_k)``, its importance
   ``w~_k * T(construct, target)`` (the effect on the target of one point on that indicator).

The map is read in quadrants split at the mean importance and the mean performance of the
constructs (or indicators) shown (Ringle & Sarstedt, 2016, fig. 2), a driver with a negative
total effect read as its reverse (``direction`` "lower is better": importance the size of its
effect, performance 100 minus its own; :func:`analysis.structural.drivers.oriented_drivers`),
as IPMA assumes every driver is coded so that more is better: ``priority`` is
``"high importance, low performance"`` (the lower-right quadrant, where improvement pays most),
``"high importance, high performance"``, ``"low importance, low performance"`` or
``"low importance, high performance"``.

IPMA requires indicators coded so that higher means better and positive rescaled weights
(Ringle & Sarstedt, 2016); negative ones are reported in ``warnings``. seminrExtras'
``assess_ipma`` weights the indicators' performance with the standardized weights instead;
the two agree when the indicators' scales and SDs agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from instruments.plain import to_plain

from .data import indicator_data
from .errors import PLSInputError
from .estimate import estimate_pls
from .result import PLSResult
from .structural import total_effects
from .syntax import PLSModel, parse_pls_model

__all__ = ["PLSIpma", "check_ipma_scale", "ipma_pls"]


@dataclass
class PLSIpma:
    """IPMA results (module docstring): plain data.

    Attributes
    ----------
    target : the target construct; ``target_performance`` its performance (0-100).
    constructs : one row per construct with a total effect on the target: ``construct``,
        ``importance`` (unstandardized total effect), ``importance_std`` (standardized total
        effect), ``performance``, ``direction`` and ``priority`` (the quadrant, module
        docstring).
    items : one row per indicator of those constructs: ``construct, item, weight`` (rescaled
        outer weight ``w~``), ``importance``, ``performance``, ``direction``, ``priority``.
    scale : the bounds used, per item: ``{item: [min, max]}``.
    result : the PLS estimation.
    warnings : negative rescaled weights or other caveats, in plain words.
    higher_is_better : whether more of the target is better (False: the quadrants are read on
        the effects on lowering it).
    """

    target: str
    target_performance: float
    constructs: pd.DataFrame
    items: pd.DataFrame
    scale: dict[str, list[float]]
    result: PLSResult = field(repr=False)
    warnings: list[str] = field(default_factory=list)
    higher_is_better: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (without the PLS result); ``higher_is_better`` only when False."""
        return {"method": "ipma", "target": self.target,
                "target_performance": self.target_performance,
                "constructs": to_plain(self.constructs), "items": to_plain(self.items),
                "scale": to_plain(self.scale), "warnings": list(self.warnings),
                **({} if self.higher_is_better else {"higher_is_better": False})}


def _bounds(value: Any, items: list[str], what: str) -> np.ndarray:
    if isinstance(value, Mapping):
        absent = [i for i in items if i not in value]
        if absent:
            raise PLSInputError(f"{what} gives no value for item(s) "
                                + ", ".join(map(repr, absent)) + "; give one per item or a "
                                "single number for all", code="invalid_argument")
        vals = [value[i] for i in items]
    else:
        vals = [value] * len(items)
    out = []
    for item, v in zip(items, vals, strict=True):
        if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating) \
                or not np.isfinite(v):
            raise PLSInputError(f"{what} for item {item!r} must be a number (the scale's "
                                f"{'lowest' if what == 'scale_min' else 'highest'} answer); "
                                f"got {v!r}", code="invalid_argument")
        out.append(float(v))
    return np.asarray(out)


def _quadrants(tab: pd.DataFrame, higher_is_better: bool = True) -> pd.DataFrame:
    """``direction`` and ``priority`` (the quadrant), read with the drivers of negative
    importance reversed (:func:`analysis.structural.drivers.oriented_drivers`; for a target a
    company wants less of, the importance is the effect on lowering it)."""
    from analysis.structural.drivers import oriented_drivers

    imp, perf, rev = oriented_drivers(tab["importance"], tab["performance"], higher_is_better)
    hi_imp, hi_perf = imp > imp.mean(), perf > perf.mean()
    tab["direction"] = np.where(rev, "lower is better", "higher is better")
    tab["priority"] = [f"{'high' if i else 'low'} importance, {'high' if p else 'low'} "
                       "performance" for i, p in zip(hi_imp, hi_perf, strict=True)]
    return tab


def _scaled_data(data: Any, spec: PLSModel, scale_min: Any, scale_max: Any,
                 missing: str | None, missing_value: Any) -> tuple[Any, np.ndarray, np.ndarray]:
    """The model's indicator data and the scale bounds per item, checked: one bound per item,
    numbers, min below max, every answer within them (:class:`PLSInputError` naming the items
    otherwise)."""
    items = spec.items
    lo, hi = _bounds(scale_min, items, "scale_min"), _bounds(scale_max, items, "scale_max")
    bad = [i for i, a, b in zip(items, lo, hi, strict=True) if a >= b]
    if bad:
        raise PLSInputError("scale_min must be below scale_max; it is not for item(s) "
                            + ", ".join(map(repr, bad)), code="invalid_argument")
    d = indicator_data(data, items, missing=missing, missing_value=missing_value)
    out_of = [f"{i} ({d.X[:, k].min():g} to {d.X[:, k].max():g}, scale {lo[k]:g} to "
              f"{hi[k]:g})" for k, i in enumerate(items)
              if d.X[:, k].min() < lo[k] or d.X[:, k].max() > hi[k]]
    if out_of:
        raise PLSInputError("answers outside the scale given by scale_min/scale_max: "
                            + ", ".join(out_of) + "; give the scale's true bounds or recode "
                            "the answers", code="invalid_argument")
    return d, lo, hi


def check_ipma_scale(data: Any, model: str | PLSModel, *, scale_min: Any, scale_max: Any,
                     missing: str | None = None) -> None:
    """Check scale bounds for :func:`ipma_pls` before anything is estimated: a bound per item,
    ``scale_min < scale_max``, every answer of the respondents analysed within them.

    Parameters
    ----------
    data : pandas.DataFrame or mapping of column name to values
        Respondents in rows, items in columns.
    model : str or PLSModel
        The model.
    scale_min, scale_max : number or mapping of item to number
        As for :func:`ipma_pls`.
    missing : str or None
        As for :func:`ipma_pls`.

    Raises
    ------
    PLSInputError
        ``invalid_argument``, naming the items and their answers' range.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"x": [1, 7, 3], "y": [2, 5, 4]})
    >>> check_ipma_scale(d, "X =~ x; Y =~ y; Y ~ X", scale_min=1, scale_max=7)
    >>> check_ipma_scale(d, "X =~ x; Y =~ y; Y ~ X", scale_min=1, scale_max=5)
    Traceback (most recent call last):
    ...
    analysis.pls.errors.PLSInputError: answers outside the scale given by scale_min/scale_max: x (1 to 7, scale 1 to 5); give the scale's true bounds or recode the answers
    """
    spec = model if isinstance(model, PLSModel) else parse_pls_model(model)
    _scaled_data(data, spec, scale_min, scale_max, missing, None)


def ipma_pls(data: Any, model: str | PLSModel, target: str, *, scale_min: Any,
             scale_max: Any, scheme: str = "path", consistent: bool = False,
             missing: str | None = None, missing_value: Any = None, max_iter: int = 300,
             tol: float = 1e-7, higher_is_better: bool = True) -> PLSIpma:
    """Importance-performance map analysis for ``target`` (module docstring).

    Parameters
    ----------
    data : pandas.DataFrame or mapping of column name to values
        Respondents in rows, items in columns.
    model : str or PLSModel
        The model (:func:`~analysis.pls.estimate_pls`).
    target : str
        The construct whose drivers are mapped.
    scale_min, scale_max : number or mapping of item to number
        The scale's lowest and highest possible answers (e.g. 1 and 7), for all items or per
        item.
    scheme, consistent, missing, missing_value, max_iter, tol
        As for :func:`~analysis.pls.estimate_pls`.
    higher_is_better : bool
        False for a target a company wants less of (switching intention): the quadrants are
        read on the drivers' effects on lowering it (the table keeps the effects as estimated).

    Returns
    -------
    PLSIpma
        Construct- and indicator-level importance and performance.

    Raises
    ------
    PLSInputError
        Unknown target, a target without antecedents, bounds missing or not numbers,
        ``scale_min >= scale_max``, or an answer outside the scale (the item is named).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"x1": [1, 2, 3, 5, 4, 4], "x2": [2, 1, 5, 3, 4, 4],
    ...                   "y": [1, 1, 4, 4, 5, 3]})
    >>> out = ipma_pls(d, "X =~ x1 + x2; Y =~ y; Y ~ X", "Y", scale_min=1, scale_max=5)
    >>> out.constructs[["construct", "importance", "performance"]].round(4).to_dict("records")
    [{'construct': 'X', 'importance': 1.2, 'performance': 54.1667}]
    >>> out.target_performance
    50.0
    """
    spec = model if isinstance(model, PLSModel) else parse_pls_model(model)
    if target not in spec.names:
        raise PLSInputError(f"target {target!r} is not a construct of the model (its "
                            f"constructs: {', '.join(spec.names)})", code="invalid_argument")
    items = spec.items
    d, lo, hi = _scaled_data(data, spec, scale_min, scale_max, missing, missing_value)
    frame = pd.DataFrame(d.X, index=d.index, columns=items)
    fit = estimate_pls(frame, spec, scheme=scheme, consistent=consistent, max_iter=max_iter,
                       tol=tol)
    fit.sample = d.record()
    Xr = (d.X - lo) / (hi - lo) * 100
    sd_r = Xr.std(axis=0, ddof=1)
    W = fit.weights.to_numpy()
    names = spec.names
    warnings: list[str] = []
    Wr = np.zeros_like(W)
    for j, c in enumerate(spec.constructs):
        k = [items.index(i) for i in c.items]
        u = W[k, j] / sd_r[k]
        Wr[k, j] = u / u.sum()
        neg = [i for i, v in zip(c.items, Wr[k, j], strict=True) if v < 0]
        if neg:
            warnings.append(f"construct {c.name!r}: negative rescaled weight(s) for "
                            + ", ".join(neg) + "; its 0-100 scores can leave 0-100 and IPMA "
                            "assumes positive weights (Ringle & Sarstedt, 2016)")
    LV = Xr @ Wr
    sd_lv = LV.std(axis=0, ddof=1)
    B = fit.paths.to_numpy()
    B_unstd = B * sd_lv[None, :] / sd_lv[:, None]
    T = total_effects(B_unstd)
    T_std = total_effects(B)
    t = names.index(target)
    drivers = [j for j in range(len(names)) if j != t and abs(T[j, t]) > 0]
    if not drivers:
        raise PLSInputError(f"target {target!r} has no antecedents in the model; choose an "
                            "endogenous construct", code="invalid_argument")
    perf = Xr.mean(axis=0) @ Wr
    mean_r = Xr.mean(axis=0)
    crow, irow = [], []
    for j in drivers:
        crow.append({"construct": names[j], "importance": float(T[j, t]),
                     "importance_std": float(T_std[j, t]), "performance": float(perf[j])})
        for i in spec.constructs[j].items:
            k = items.index(i)
            irow.append({"construct": names[j], "item": i, "weight": float(Wr[k, j]),
                         "importance": float(Wr[k, j] * T[j, t]),
                         "performance": float(mean_r[k])})
    return PLSIpma(target=target, target_performance=float(perf[t]),
                   constructs=_quadrants(pd.DataFrame(crow), higher_is_better),
                   items=_quadrants(pd.DataFrame(irow), higher_is_better),
                   higher_is_better=higher_is_better,
                   scale={i: [float(a), float(b)] for i, a, b in zip(items, lo, hi, strict=True)},
                   result=fit, warnings=warnings)
