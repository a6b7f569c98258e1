"""Tracking across waves: each wave's scale means, NPS and 0-100 indices with intervals, and the
change between waves with its interval and test.

The measures are per-respondent values, so that one set of formulas covers them all:

* a **scale score** (the mean of a construct's items, :func:`analysis.responses.scoring.
  scale_scores`); a wave's mean gets the *t* interval ``mean ± t(1-α/2, n-1) · s/√n``;
* the **NPS** (Reichheld, 2003) as each respondent's ``+100`` (promoter, 9-10), ``0`` (passive,
  7-8) or ``-100`` (detractor, 0-6), whose mean is the NPS; a wave's NPS gets the multinomial
  standard error and normal interval of :func:`analysis.responses.scoring.net_promoter` (the
  report's NPS elsewhere), ``SE = 100 · √((p_P + p_D − (p_P − p_D)²)/n)``;
* a **0-100 index** (ACSI-style; Fornell et al., 1996) per respondent
  (:func:`analysis.responses.scoring.index_0_100`); a wave's mean gets the normal interval of
  the report's index card, ``mean ± z(1-α/2) · s/√n``.

**Change between two waves** (each consecutive pair, and the first to the last wave when there
are three or more): ``later − earlier``.

* *Independent samples* (no respondent in both waves): Welch's *t* test (Welch, 1947),
  ``t = (m₂ − m₁)/√(s₁²/n₁ + s₂²/n₂)`` with the Welch-Satterthwaite degrees of freedom
  ``df = (s₁²/n₁ + s₂²/n₂)² / ((s₁²/n₁)²/(n₁−1) + (s₂²/n₂)²/(n₂−1))`` and the interval
  ``(m₂ − m₁) ± t(1-α/2, df) · SE`` (``scipy.stats.ttest_ind(equal_var=False)``).
* *Panel* (respondents linked by id in both waves): the paired *t* test on the linked members'
  differences ``d = x₂ − x₁``, ``t = d̄ / (s_d/√n)``, ``df = n − 1``, interval
  ``d̄ ± t(1-α/2, n−1) · s_d/√n`` (``scipy.stats.ttest_rel``). A *mixed* panel (some
  respondents in one wave only) uses the paired test on the linked members only, and says so
  (``note``): their change is a within-person change, and the unlinked respondents are left out
  of the test (they are in each wave's level).

For the NPS the tests run on the ``+100/0/−100`` values (the change in NPS is the difference
of their means; its *t*-test standard error uses ``n − 1`` where the multinomial one uses ``n``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["change", "level", "nps_values", "paired_change", "track", "welch_change"]

#: How each kind of measure's wave level gets its interval.
KINDS = ("scale", "nps", "index")


def nps_values(values: pd.Series) -> pd.Series:
    """Each 0-10 answer as +100 (9-10), 0 (7-8) or -100 (0-6); NaN stays NaN."""
    v = values.astype(float)
    out = np.where(v >= 9, 100.0, np.where(v >= 7, 0.0, -100.0))
    return pd.Series(np.where(v.isna(), np.nan, out), index=v.index, name=values.name)


def _quantile(level_: float, df: float | None) -> float:
    from scipy import stats

    q = 0.5 + level_ / 2
    return float(stats.norm.ppf(q) if df is None else stats.t.ppf(q, df))


def level(values: pd.Series, kind: str = "scale", level_: float = 0.95) -> dict[str, Any]:
    """A wave's mean of ``values`` with its standard error and interval (see the module doc for
    the interval of each ``kind``): ``n, mean, sd, se, ci.lower, ci.upper, interval``."""
    v = values.dropna().to_numpy(dtype=float)
    n = len(v)
    nan = float("nan")
    if n == 0:
        return {"n": 0, "mean": nan, "sd": nan, "se": nan, "ci.lower": nan, "ci.upper": nan,
                "interval": None}
    mean = float(v.mean())
    sd = float(v.std(ddof=1)) if n > 1 else nan
    if kind == "nps":
        pp, pd_ = float((v == 100).mean()), float((v == -100).mean())
        se = 100 * math.sqrt(max(0.0, pp + pd_ - (pp - pd_) ** 2) / n)
        z = _quantile(level_, None)
        lo, hi = max(-100.0, mean - z * se), min(100.0, mean + z * se)
        how = "normal (multinomial SE)"
    elif kind == "index":
        se = sd / math.sqrt(n) if n > 1 else nan
        z = _quantile(level_, None)
        lo, hi = mean - z * se, mean + z * se
        how = "normal"
    else:
        se = sd / math.sqrt(n) if n > 1 else nan
        q = _quantile(level_, n - 1) if n > 1 else nan
        lo, hi = mean - q * se, mean + q * se
        how = "t"
    return {"n": n, "mean": mean, "sd": sd, "se": se, "ci.lower": lo, "ci.upper": hi,
            "interval": how}


def welch_change(earlier: Sequence[float], later: Sequence[float],
                 level_: float = 0.95) -> dict[str, Any]:
    """Welch's test of ``mean(later) - mean(earlier)`` for independent samples (module doc)."""
    from scipy import stats

    a = np.asarray(earlier, dtype=float)
    b = np.asarray(later, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    n1, n2 = len(a), len(b)
    out = {"test": "welch", "est": float("nan"), "se": float("nan"), "df": float("nan"),
           "t": float("nan"), "pvalue": float("nan"), "ci.lower": float("nan"),
           "ci.upper": float("nan"), "n_from": n1, "n_to": n2, "n_pairs": 0}
    if n1 < 2 or n2 < 2:
        return out
    v1, v2 = a.var(ddof=1) / n1, b.var(ddof=1) / n2
    est = float(b.mean() - a.mean())
    se = math.sqrt(v1 + v2)
    if se == 0:
        return {**out, "est": est, "se": 0.0}
    df = (v1 + v2) ** 2 / (v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1))
    t = est / se
    p = float(2 * stats.t.sf(abs(t), df))
    q = _quantile(level_, df)
    return {**out, "est": est, "se": se, "df": float(df), "t": float(t), "pvalue": p,
            "ci.lower": est - q * se, "ci.upper": est + q * se}


def paired_change(earlier: Sequence[float], later: Sequence[float],
                  level_: float = 0.95) -> dict[str, Any]:
    """The paired *t* test of ``later - earlier`` on linked pairs (both values present)."""
    from scipy import stats

    a = np.asarray(earlier, dtype=float)
    b = np.asarray(later, dtype=float)
    ok = ~(np.isnan(a) | np.isnan(b))
    d = b[ok] - a[ok]
    n = len(d)
    out = {"test": "paired", "est": float("nan"), "se": float("nan"), "df": float("nan"),
           "t": float("nan"), "pvalue": float("nan"), "ci.lower": float("nan"),
           "ci.upper": float("nan"), "n_from": n, "n_to": n, "n_pairs": n}
    if n < 2:
        return out
    est = float(d.mean())
    se = float(d.std(ddof=1) / math.sqrt(n))
    if se == 0:
        return {**out, "est": est, "se": 0.0, "df": float(n - 1)}
    t = est / se
    p = float(2 * stats.t.sf(abs(t), n - 1))
    q = _quantile(level_, n - 1)
    return {**out, "est": est, "se": se, "df": float(n - 1), "t": float(t), "pvalue": p,
            "ci.lower": est - q * se, "ci.upper": est + q * se}


def change(x: pd.Series, person: pd.Series, wave: pd.Series, earlier: str, later: str,
           level_: float = 0.95) -> dict[str, Any]:
    """The change of measure ``x`` from wave ``earlier`` to ``later``: the paired test on the
    persons with a value in both waves when there are two or more of them, else Welch's test
    on everyone (the module doc); ``test`` is "none" when a wave has fewer than two values.
    ``x``, ``person`` and ``wave`` share one index (row keys)."""
    w = wave.astype(str)
    a = x[(w == earlier).to_numpy()].dropna()
    b = x[(w == later).to_numpy()].dropna()
    pa = pd.Series(a.to_numpy(), index=person.reindex(a.index).to_numpy())
    pb = pd.Series(b.to_numpy(), index=person.reindex(b.index).to_numpy())
    pa = pa[~pa.index.duplicated()]
    pb = pb[~pb.index.duplicated()]
    both = pa.index.intersection(pb.index, sort=False)
    if len(both) >= 2:
        res = paired_change(pa.loc[both].to_numpy(), pb.loc[both].to_numpy(), level_)
        only_a, only_b = len(pa) - len(both), len(pb) - len(both)
        res["n_from"], res["n_to"] = len(pa), len(pb)
        res["note"] = (f"paired t test on the {len(both):,} respondents in both waves"
                       + (f" ({only_a:,} with a value in {earlier} only and {only_b:,} in "
                          f"{later} only are not in the test)" if only_a or only_b else ""))
    else:
        res = welch_change(a.to_numpy(), b.to_numpy(), level_)
        res["note"] = ("Welch's t test, independent samples"
                       + (" (one respondent in both waves, not linked)" if len(both) == 1
                          else ""))
    if math.isnan(res["est"]):
        res["test"] = "none"
        res["note"] = (f"no test: fewer than two respondents with a value in {earlier} or "
                       f"{later}")
    return {"from": earlier, "to": later, **res}


def track(values: pd.DataFrame, kinds: dict[str, str], wave: pd.Series, person: pd.Series,
          labels: Sequence[str], level_: float = 0.95) -> dict[str, list[dict[str, Any]]]:
    """Levels per wave and changes between waves of every column of ``values``.

    Parameters
    ----------
    values : DataFrame
        One row per respondent and wave (row keys), one column per measure: scale scores,
        NPS values (:func:`nps_values`), 0-100 index values.
    kinds : dict of str to str
        Each column's kind, one of :data:`KINDS` (decides the level's interval).
    wave, person : Series
        Each row's wave label and person id (same index as ``values``).
    labels : sequence of str
        The waves in order.
    level_ : float, default 0.95
        Confidence level of every interval.

    Returns
    -------
    dict
        ``levels``: one row per measure and wave (``measure, kind, wave, n, mean, sd, se,
        ci.lower, ci.upper, interval``); ``changes``: one row per measure and pair of waves
        compared (``measure, kind, span`` ("consecutive" or "first_last"), ``from, to, test,
        est, se, df, t, pvalue, ci.lower, ci.upper, n_from, n_to, n_pairs, note``).

    Examples
    --------
    >>> v = pd.DataFrame({"m": [1.0, 2.0, 3.0, 2.0, 3.0, 5.0]})
    >>> out = track(v, {"m": "scale"}, pd.Series(["a"] * 3 + ["b"] * 3),
    ...             pd.Series(["p", "q", "r", "p", "q", "r"]), ["a", "b"])
    >>> [round(out["levels"][k]["mean"], 3) for k in (0, 1)]
    [2.0, 3.333]
    >>> c = out["changes"][0]
    >>> c["test"], round(c["est"], 3), c["n_pairs"]
    ('paired', 1.333, 3)
    """
    w = wave.astype(str)
    levels: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    pairs = [(labels[k], labels[k + 1], "consecutive") for k in range(len(labels) - 1)]
    if len(labels) > 2:
        pairs.append((labels[0], labels[-1], "first_last"))
    for col in values.columns:
        kind = kinds.get(col, "scale")
        for lab in labels:
            levels.append({"measure": col, "kind": kind, "wave": lab,
                           **level(values.loc[(w == lab).to_numpy(), col], kind, level_)})
        for a, b, span in pairs:
            changes.append({"measure": col, "kind": kind, "span": span,
                            **change(values[col], person, wave, a, b, level_)})
    return {"levels": levels, "changes": changes}
