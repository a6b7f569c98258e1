"""Indicator data for PLS: selection, missing answers and moments.

Missing answers are handled one of two ways, chosen explicitly (there is no silent default
when answers are missing):

* ``"mean"``: mean replacement, seminr's and SmartPLS's default: each missing answer is
  replaced by the mean of its item's answers; the count replaced per item is reported;
* ``"listwise"``: respondents with a missing answer on any item of the model are left out
  (their number is reported).

``missing_value`` marks codes that mean "no answer" (seminr's ``missing_value``, e.g. -99 in
the corporate-reputation data) before either handling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import PLSInputError

__all__ = ["MISSING", "IndicatorData", "indicator_data"]

#: The missing-data handlings PLS offers.
MISSING = ("mean", "listwise")


@dataclass
class IndicatorData:
    """The analysed indicator matrix and how it was obtained.

    ``X`` (n x p, float) after missing-data handling; ``items`` its columns; ``index`` the
    data's row labels kept; ``missing`` the handling (``"complete"`` when nothing was
    missing); ``n_read`` rows given; ``n_dropped`` rows left out (listwise);
    ``replaced`` answers replaced per item (mean replacement, items with none omitted);
    ``n_incomplete`` respondents with at least one missing answer; ``raw`` the analysed
    respondents' answers before mean replacement (NaN where missing), for resampling.
    """

    X: np.ndarray
    items: list[str]
    index: list[Any]
    missing: str
    n_read: int
    n_dropped: int = 0
    n_incomplete: int = 0
    replaced: dict[str, int] = field(default_factory=dict)
    raw: np.ndarray | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        """Respondents analysed."""
        return int(self.X.shape[0])

    def record(self) -> dict[str, Any]:
        """The sample as plain data: n, handling, counts."""
        return {"n": self.n, "n_read": self.n_read, "missing": self.missing,
                "n_incomplete": self.n_incomplete, "n_dropped": self.n_dropped,
                "replaced": dict(self.replaced)}


def _missing_codes(missing_value: Any) -> list[float]:
    if missing_value is None:
        return []
    values = (list(missing_value) if isinstance(missing_value, Sequence)
              and not isinstance(missing_value, str) else [missing_value])
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
            raise PLSInputError(f"missing_value={missing_value!r}: give the number (or list of "
                                "numbers) that codes a missing answer, e.g. -99",
                                code="invalid_argument")
        out.append(float(v))
    return out


def indicator_data(data: Any, items: Sequence[str], *, missing: str | None = None,
                   missing_value: Any = None) -> IndicatorData:
    """The model's indicators from ``data``, checked, with missing answers handled.

    Parameters
    ----------
    data : pandas.DataFrame or mapping of column name to values
        Respondents in rows, items in columns (other columns are ignored).
    items : sequence of str
        The indicators the model uses.
    missing : {"mean", "listwise"} or None
        How missing answers are handled (module docstring); None is allowed only when no
        answer is missing.
    missing_value : number, list of numbers or None
        Codes that mean "no answer".

    Returns
    -------
    IndicatorData
        The analysed matrix and its sample record.

    Raises
    ------
    PLSInputError
        Items absent or not numeric, missing answers without a handling, an item with no
        answers or one answer only, or fewer than 3 respondents.

    Examples
    --------
    >>> d = indicator_data({"a": [1, 2, None, 4], "b": [2, 1, 3, 3]}, ["a", "b"],
    ...                    missing="mean")
    >>> d.X[:, 0].tolist(), d.replaced
    ([1.0, 2.0, 2.3333333333333335, 4.0], {'a': 1})
    """
    if missing is not None and missing not in MISSING:
        raise PLSInputError(f"missing={missing!r} is not a PLS missing-data handling; use "
                            "'mean' (mean replacement) or 'listwise'", code="invalid_argument")
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(
        dict(data) if isinstance(data, Mapping) else data)
    absent = [i for i in items if i not in frame.columns]
    if absent:
        raise PLSInputError(
            "item(s) " + ", ".join(repr(i) for i in absent) + " of the model are not columns "
            f"of the data (its columns: {', '.join(map(str, list(frame.columns)[:30]))}"
            f"{', ...' if frame.shape[1] > 30 else ''}); fix the model or the column names",
            code="item_not_in_data")
    sub = frame[list(items)]
    text = [i for i in items if not (pd.api.types.is_numeric_dtype(sub[i])
                                    or sub[i].isna().all())]
    if text:
        raise PLSInputError("item(s) " + ", ".join(repr(i) for i in text) + " hold text, not "
                            "numbers; recode the answers as numbers", code="item_not_numeric")
    X = sub.to_numpy(dtype=float, copy=True)
    for code in _missing_codes(missing_value):
        X[code == X] = np.nan
    nan = np.isnan(X)
    n_read = X.shape[0]
    empty = [items[k] for k in np.flatnonzero(nan.all(axis=0))]
    if empty:
        raise PLSInputError("item(s) " + ", ".join(repr(i) for i in empty) + " have no answer "
                            "at all; remove them from the model", code="item_all_missing")
    incomplete = nan.any(axis=1)
    index = list(frame.index)
    out = IndicatorData(X=X, items=list(items), index=index, missing="complete",
                        n_read=n_read, n_incomplete=int(incomplete.sum()), raw=X)
    if incomplete.any():
        if missing is None:
            counts = {items[k]: int(c) for k, c in enumerate(nan.sum(axis=0)) if c}
            listed = ", ".join(f"{k} ({v})" for k, v in list(counts.items())[:10])
            raise PLSInputError(
                f"{int(nan.sum())} answers are missing ({int(incomplete.sum())} of {n_read} "
                f"respondents; by item: {listed}{', ...' if len(counts) > 10 else ''}); choose "
                "missing='mean' (each replaced by its item's mean, seminr's default) or "
                "missing='listwise' (those respondents left out)", code="invalid_argument")
        if missing == "listwise":
            keep = ~incomplete
            out.X = out.raw = X[keep]
            out.index = [i for i, k in zip(index, keep, strict=True) if k]
            out.n_dropped = int(incomplete.sum())
            out.missing = "listwise"
        else:
            out.raw = X.copy()
            means = np.nanmean(X, axis=0)
            rows, cols = np.nonzero(nan)
            X[rows, cols] = means[cols]
            out.replaced = {items[k]: int(c) for k, c in enumerate(nan.sum(axis=0)) if c}
            out.missing = "mean"
    if out.n < 3:
        raise PLSInputError(f"only {out.n} respondents are left to analyse; PLS needs at "
                            "least 3 (more than the largest block's items for mode B)",
                            code="too_few_cases")
    constant = [items[k] for k in np.flatnonzero(np.ptp(out.X, axis=0) == 0)]
    if constant:
        raise PLSInputError("item(s) " + ", ".join(repr(i) for i in constant) + " have one "
                            "answer only (no variance); remove them from the model",
                            code="item_constant")
    return out
