"""Item analysis: descriptives, response distributions, item-rest statistics and scoring.

Everything takes a :class:`pandas.DataFrame` of item responses (one row per respondent, one
column per item, missing answers as NaN) and returns a tidy :class:`pandas.DataFrame`.
Constructs are given as a mapping ``{construct_id: [item_id, ...]}`` (the shape of an
engagekit instrument's measurement model).

Definitions follow ``psych::describe`` and ``psych::alpha`` (Revelle, psych 2.2.9) so that
results can be compared number for number:

* ``sd`` is the sample standard deviation (divisor n - 1);
* ``skew`` is psych's type 3, b1 = m3 / s^3, and ``kurtosis`` is type 3 excess kurtosis,
  b2 = m4 / s^4 - 3, where m_r is the r-th central moment (divisor n) and s the sample SD
  (Joanes & Gill 1998, "Comparing measures of sample skewness and kurtosis", The Statistician
  47, 183-189, estimators b1 and b2);
* the corrected item-total ("item-rest") correlation and alpha-if-item-deleted are computed
  from the pairwise-complete covariance matrix, as ``psych::alpha`` does (Cronbach 1951).

The validation helpers and the error classes used by all of ``analysis.psychometrics.items``,
``reliability``, ``validity``, ``dimensionality``, ``polychoric`` and ``method_bias`` live
here: bad input raises a :class:`PsychometricInputError` (a :class:`ValueError`) that names
the offending item or construct.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from instruments.errors import EngagekitInputError
from instruments.plain import to_plain

__all__ = [
    "PsychometricInputError",
    "UnknownItemError",
    "NonNumericItemError",
    "AllMissingItemError",
    "ConstantItemError",
    "TooFewItemsError",
    "OutOfScaleError",
    "check_items",
    "check_constructs",
    "reverse_items",
    "describe_items",
    "response_distribution",
    "item_total_statistics",
    "construct_scores",
    "jsonable",
]

Missing = Literal["pairwise", "listwise"]
ScaleBound = float | Mapping[str, float] | None


# --------------------------------------------------------------------------- errors


class PsychometricInputError(EngagekitInputError):
    """Input that a psychometric statistic cannot be computed from.

    ``item`` and ``construct`` name what is wrong (either may be ``None``).
    """

    code = "psychometrics_input"

    def __init__(self, message: str, *, item: str | None = None, construct: str | None = None):
        super().__init__(message)
        self.item = item
        self.construct = construct


class UnknownItemError(PsychometricInputError):
    """An item named in the request is not a column of the data."""

    code = "item_not_in_data"


class NonNumericItemError(PsychometricInputError):
    """An item column is not numeric (e.g. text labels that were not recoded)."""

    code = "item_not_numeric"


class AllMissingItemError(PsychometricInputError):
    """An item has no non-missing response."""

    code = "item_all_missing"


class ConstantItemError(PsychometricInputError):
    """An item has zero variance, so correlations with it are undefined."""

    code = "item_constant"


class TooFewItemsError(PsychometricInputError):
    """A construct has fewer items than the statistic needs."""

    code = "too_few_items"


class OutOfScaleError(PsychometricInputError):
    """A response lies outside the item's declared scale."""

    code = "out_of_scale"


# --------------------------------------------------------------------------- JSON


def jsonable(obj: Any) -> Any:
    """:func:`instruments.plain.to_plain` with DataFrames as ``{column: {index: value}}`` (the
    layout of the psychometric matrices: loadings, correlations): NaN/inf -> None, numpy
    scalars -> Python, Series -> ``{index: value}``."""
    return to_plain(obj, frames="columns")


# --------------------------------------------------------------------------- validation


def _where(construct: str | None) -> str:
    return f" (construct {construct!r})" if construct is not None else ""


def _as_frame(data: pd.DataFrame | np.ndarray) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, np.ndarray) and data.ndim == 2:
        return pd.DataFrame(data, columns=[f"item{j + 1}" for j in range(data.shape[1])])
    raise PsychometricInputError(
        f"data must be a pandas DataFrame (respondents x items), got {type(data).__name__}"
    )


def check_items(
    data: pd.DataFrame | np.ndarray,
    items: Sequence[str] | None = None,
    *,
    construct: str | None = None,
    min_items: int = 1,
    allow_constant: bool = False,
) -> pd.DataFrame:
    """Validate item columns and return them as a float DataFrame (NaN = missing).

    Raises a :class:`PsychometricInputError` subclass naming the item/construct when an item is
    unknown, duplicated, non-numeric, entirely missing, non-finite, constant (unless
    ``allow_constant``) or when fewer than ``min_items`` items are given.
    """
    frame = _as_frame(data)
    if items is None:
        items = [str(c) for c in frame.columns]
    elif isinstance(items, str):
        items = [items]
    items = list(items)
    if len(items) < min_items:
        raise TooFewItemsError(
            f"need at least {min_items} items{_where(construct)}, got {len(items)}: {items}",
            construct=construct,
        )
    seen: set[str] = set()
    for it in items:
        if it in seen:
            raise PsychometricInputError(
                f"item {it!r} is listed twice{_where(construct)}", item=it, construct=construct
            )
        seen.add(it)
    missing_cols = [it for it in items if it not in frame.columns]
    if missing_cols:
        raise UnknownItemError(
            f"item(s) {missing_cols} not found in the data{_where(construct)}",
            item=missing_cols[0],
            construct=construct,
        )
    out = {}
    for it in items:
        col = frame[it]
        if isinstance(col, pd.DataFrame):  # duplicated column label in the data
            raise PsychometricInputError(
                f"column {it!r} appears more than once in the data", item=it, construct=construct
            )
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
            raise NonNumericItemError(
                f"item {it!r}{_where(construct)} is not numeric (dtype {col.dtype}); "
                "recode the responses to numbers first",
                item=it,
                construct=construct,
            )
        values = pd.to_numeric(col, errors="coerce").astype(float)
        arr = values.to_numpy()
        finite = arr[~np.isnan(arr)]
        if finite.size == 0:
            raise AllMissingItemError(
                f"item {it!r}{_where(construct)} has no non-missing responses",
                item=it,
                construct=construct,
            )
        if not np.all(np.isfinite(finite)):
            raise PsychometricInputError(
                f"item {it!r}{_where(construct)} contains infinite values",
                item=it,
                construct=construct,
            )
        if not allow_constant and (finite.size < 2 or np.ptp(finite) == 0):
            raise ConstantItemError(
                f"item {it!r}{_where(construct)} is constant (no variance: every response is "
                f"{finite[0]:g}); drop it before computing this statistic",
                item=it,
                construct=construct,
            )
        out[it] = values.to_numpy()
    return pd.DataFrame(out, index=frame.index)


def check_constructs(
    data: pd.DataFrame,
    constructs: Mapping[str, Sequence[str]],
    *,
    min_items: int = 1,
    allow_constant: bool = False,
) -> dict[str, pd.DataFrame]:
    """Validate every construct's items; return ``{construct: float DataFrame of its items}``."""
    if not isinstance(constructs, Mapping) or not constructs:
        raise PsychometricInputError(
            "constructs must be a non-empty mapping {construct: [item, ...]}"
        )
    out: dict[str, pd.DataFrame] = {}
    for name, items in constructs.items():
        if isinstance(items, str):
            items = [items]
        out[str(name)] = check_items(
            data,
            list(items),
            construct=str(name),
            min_items=min_items,
            allow_constant=allow_constant,
        )
    return out


def _bound(bound: ScaleBound, item: str) -> float | None:
    if bound is None:
        return None
    if isinstance(bound, Mapping):
        value = bound.get(item)
        return None if value is None else float(value)
    return float(bound)


def _pairwise_cov(x: pd.DataFrame, missing: Missing) -> tuple[np.ndarray, int]:
    """Covariance matrix (divisor n - 1) and the number of respondents it rests on."""
    if missing == "listwise":
        complete = x.dropna()
        if len(complete) < 2:
            raise PsychometricInputError(f"fewer than 2 complete rows for items {list(x.columns)}")
        return np.cov(complete.to_numpy(), rowvar=False, ddof=1), len(complete)
    if missing != "pairwise":
        raise PsychometricInputError(f"missing must be 'pairwise' or 'listwise', got {missing!r}")
    if not x.isna().any().any():
        return np.cov(x.to_numpy(), rowvar=False, ddof=1), len(x)
    cov = x.cov(min_periods=2).to_numpy()
    if np.isnan(cov).any():
        i, j = np.argwhere(np.isnan(cov))[0]
        raise PsychometricInputError(
            f"items {x.columns[i]!r} and {x.columns[j]!r} have fewer than 2 respondents in "
            "common; their covariance is undefined",
            item=str(x.columns[i]),
        )
    n = int(x.notna().any(axis=1).sum())
    return cov, n


# --------------------------------------------------------------------------- scoring


def reverse_items(
    data: pd.DataFrame,
    items: Sequence[str],
    scale_min: ScaleBound,
    scale_max: ScaleBound,
) -> pd.DataFrame:
    """Return a copy of ``data`` with ``items`` reverse-keyed as ``min + max - x``.

    ``scale_min``/``scale_max`` are the *declared* scale end points (a number for all items, or
    a mapping item -> value), never the observed range. Responses outside the declared scale
    raise :class:`OutOfScaleError`.
    """
    out = data.copy()
    if isinstance(items, str):
        items = [items]
    checked = check_items(data, list(items), allow_constant=True)
    for it in items:
        lo, hi = _bound(scale_min, it), _bound(scale_max, it)
        if lo is None or hi is None:
            raise PsychometricInputError(
                f"item {it!r}: reverse keying needs the declared scale min and max", item=it
            )
        _check_range(checked[it], it, lo, hi)
        out[it] = lo + hi - checked[it]
    return out


def _check_range(values: pd.Series, item: str, lo: float | None, hi: float | None) -> None:
    arr = values.to_numpy()
    arr = arr[~np.isnan(arr)]
    if lo is not None and hi is not None and lo >= hi:
        raise PsychometricInputError(
            f"item {item!r}: declared scale min {lo:g} is not below max {hi:g}", item=item
        )
    mask = np.zeros(arr.shape, dtype=bool)
    if lo is not None:
        mask |= arr < lo
    if hi is not None:
        mask |= arr > hi
    bad = arr[mask]
    if bad.size:
        raise OutOfScaleError(
            f"item {item!r} has responses outside its declared scale "
            f"[{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]: "
            f"{sorted(set(bad.tolist()))[:5]}",
            item=item,
        )


def construct_scores(
    data: pd.DataFrame,
    constructs: Mapping[str, Sequence[str]],
    *,
    method: Literal["mean", "sum"] = "mean",
    min_valid: int | None = None,
) -> pd.DataFrame:
    """Unit-weighted construct scores: the mean (or sum) of each respondent's answered items.

    A respondent who answered fewer than ``min_valid`` of a construct's items (default: 1, i.e.
    any answered item; capped at the construct's number of items) gets NaN for that construct. ``"sum"`` is the mean times the number of
    items, so missing answers are prorated rather than counted as zero.
    """
    blocks = check_constructs(data, constructs, min_items=1, allow_constant=True)
    out = {}
    for name, x in blocks.items():
        k = x.shape[1]
        if min_valid is not None and int(min_valid) < 1:
            raise PsychometricInputError(f"min_valid must be at least 1, got {min_valid}")
        need = 1 if min_valid is None else min(int(min_valid), k)
        valid = x.notna().sum(axis=1)
        score = x.mean(axis=1, skipna=True)
        if method == "sum":
            score = score * k
        elif method != "mean":
            raise PsychometricInputError(f"method must be 'mean' or 'sum', got {method!r}")
        out[name] = score.where(valid >= need)
    return pd.DataFrame(out, index=data.index)


# --------------------------------------------------------------------------- descriptives


def describe_items(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    scale_min: ScaleBound = None,
    scale_max: ScaleBound = None,
) -> pd.DataFrame:
    """Per-item descriptive statistics, one row per item.

    Columns: ``item, n, n_missing, mean, sd, median, min, max, skew, kurtosis, constant`` and,
    when the declared scale end points are given, ``floor_pct`` / ``ceiling_pct`` (percentage
    of the non-missing responses at the scale minimum / maximum).

    ``sd`` uses divisor n - 1; ``skew`` and ``kurtosis`` are the type 3 estimators of
    ``psych::describe`` (b1 = m3/s^3 and b2 = m4/s^4 - 3, Joanes & Gill 1998). A constant item
    is reported (``constant=True``, ``sd=0``) with skew and kurtosis NaN, because they are
    undefined for it. Responses outside a declared scale raise :class:`OutOfScaleError`.
    """
    x = check_items(data, items, allow_constant=True)
    with_scale = scale_min is not None or scale_max is not None
    rows = []
    for it in x.columns:
        v = x[it].to_numpy()
        v = v[~np.isnan(v)]
        n = v.size
        mean = float(v.mean())
        sd = float(v.std(ddof=1)) if n > 1 else 0.0
        constant = bool(np.ptp(v) == 0)
        if constant or n < 2:
            skew = kurt = float("nan")
        else:
            dev = v - mean
            skew = float(np.sum(dev**3) / (n * sd**3))
            kurt = float(np.sum(dev**4) / (n * sd**4) - 3.0)
        row = {
            "item": it,
            "n": int(n),
            "n_missing": int(len(x) - n),
            "mean": mean,
            "sd": sd,
            "median": float(np.median(v)),
            "min": float(v.min()),
            "max": float(v.max()),
            "skew": skew,
            "kurtosis": kurt,
            "constant": constant,
        }
        if with_scale:
            lo, hi = _bound(scale_min, it), _bound(scale_max, it)
            _check_range(x[it], it, lo, hi)
            row["floor_pct"] = float(100.0 * np.mean(v == lo)) if lo is not None else None
            row["ceiling_pct"] = float(100.0 * np.mean(v == hi)) if hi is not None else None
        rows.append(row)
    return pd.DataFrame(rows)


def response_distribution(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    scale_min: ScaleBound = None,
    scale_max: ScaleBound = None,
) -> pd.DataFrame:
    """Response frequencies per item in long format: ``item, value, missing, count, percent``.

    With declared integer scale end points every code ``min..max`` is listed (also the codes
    nobody chose); otherwise the observed values are listed. ``percent`` is relative to the
    item's non-missing responses. A final row per item with ``missing=True`` (``value`` and
    ``percent`` NaN) counts the missing answers.
    """
    x = check_items(data, items, allow_constant=True)
    rows = []
    for it in x.columns:
        col = x[it]
        v = col.dropna().to_numpy()
        lo, hi = _bound(scale_min, it), _bound(scale_max, it)
        if lo is not None and hi is not None:
            _check_range(col, it, lo, hi)
            if float(lo).is_integer() and float(hi).is_integer():
                codes = np.arange(int(lo), int(hi) + 1, dtype=float)
                extra = np.setdiff1d(np.unique(v), codes)
                if extra.size:
                    raise OutOfScaleError(
                        f"item {it!r} has non-integer codes on an integer scale: {extra[:5]}",
                        item=it,
                    )
            else:
                codes = np.unique(v)
        else:
            codes = np.unique(v)
        counts = {c: int(np.sum(v == c)) for c in codes}
        for c in codes:
            rows.append(
                {
                    "item": it,
                    "value": float(c),
                    "missing": False,
                    "count": counts[c],
                    "percent": 100.0 * counts[c] / v.size,
                }
            )
        rows.append(
            {
                "item": it,
                "value": np.nan,
                "missing": True,
                "count": int(col.isna().sum()),
                "percent": np.nan,
            }
        )
    return pd.DataFrame(rows, columns=["item", "value", "missing", "count", "percent"])


# --------------------------------------------------------------------------- item-rest


def _alpha_from_cov(c: np.ndarray) -> float:
    k = c.shape[0]
    return float(k / (k - 1) * (1.0 - np.trace(c) / c.sum()))


def item_total_statistics(
    data: pd.DataFrame,
    constructs: Mapping[str, Sequence[str]],
    *,
    missing: Missing = "pairwise",
    observed_cov: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Item-total statistics per construct, one row per item.

    Columns: ``construct, item, n, mean, sd, r_total, r_rest, alpha_if_deleted``.

    * ``r_total``: correlation of the item with the construct's total score (psych's
      ``raw.r``): as ``psych::alpha``, the total is each respondent's mean of the answered
      items and the correlation uses the respondents with both (``use = "pairwise"``); with
      complete answers this is the correlation with the unit-weighted sum;
    * ``r_rest``: corrected item-total (item-rest) correlation, the correlation of the item with
      the sum of the *other* items of its construct (psych's ``r.drop``);
    * ``alpha_if_deleted``: Cronbach's (1951) alpha of the construct without the item
      (psych's ``alpha.drop$raw_alpha``); NaN for two-item constructs, where one item is left.

    ``r_rest`` and ``alpha_if_deleted`` come from the covariance matrix of the construct's
    items, pairwise complete by default (as ``psych::alpha``, ``use = "pairwise"``) or
    listwise (then ``r_total`` too is on the complete rows). ``observed_cov`` (items x items,
    e.g. the EM covariance matrix of incomplete data) replaces the data's covariances: all
    three statistics then come from it, ``r_total`` as the correlation with the sum.
    Constructs need at least two items; constant items raise :class:`ConstantItemError`.
    """
    blocks = check_constructs(data, constructs, min_items=2)
    rows = []
    for name, x in blocks.items():
        if observed_cov is not None:
            c = observed_cov.loc[list(x.columns), list(x.columns)].to_numpy(dtype=float)
        else:
            c, _ = _pairwise_cov(x, missing)
        k = c.shape[0]
        total_var = c.sum()
        rows_x = x.dropna() if missing == "listwise" and observed_cov is None else x
        total = rows_x.mean(axis=1)  # psych: rowMeans(x, na.rm = TRUE)
        for i, it in enumerate(x.columns):
            keep = [j for j in range(k) if j != i]
            rest_var = c[np.ix_(keep, keep)].sum()
            cov_rest = c[i, keep].sum()
            if observed_cov is not None:
                r_total = c[i].sum() / np.sqrt(c[i, i] * total_var)
            else:
                pair = pd.concat([rows_x[it], total], axis=1).dropna().to_numpy()
                r_total = np.corrcoef(pair, rowvar=False)[0, 1]
            v = rows_x[it].dropna()
            rows.append(
                {
                    "construct": name,
                    "item": it,
                    "n": int(v.size),
                    "mean": float(v.mean()),
                    "sd": float(v.std(ddof=1)),
                    "r_total": float(r_total),
                    "r_rest": float(cov_rest / np.sqrt(c[i, i] * rest_var)),
                    "alpha_if_deleted": (
                        _alpha_from_cov(c[np.ix_(keep, keep)]) if k > 2 else float("nan")
                    ),
                }
            )
    return pd.DataFrame(rows)
