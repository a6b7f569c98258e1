"""Driver analysis checked against brute-force regressions and closed forms."""

from __future__ import annotations

from itertools import combinations
from math import comb

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.structural.drivers import (
    DriverInputError,
    dominance_analysis,
    importance_performance,
    relative_weights,
)


def _data(n=400, seed=3):
    rng = np.random.default_rng(seed)
    cov = np.array([[1, .4, .3, .2, .1], [.4, 1, .35, .25, .2], [.3, .35, 1, .3, .15],
                    [.2, .25, .3, 1, .1], [.1, .2, .15, .1, 1]])
    x = rng.multivariate_normal(np.zeros(5), cov, size=n)
    y = x @ np.array([.5, .2, .15, -.25, .05]) + rng.normal(scale=.8, size=n)
    cols = ["affective", "normative", "economic", "forced", "habitual"]
    df = pd.DataFrame(x, columns=cols)
    df["loyalty"] = y
    return df, cols


def _ols_r2(df, y, xs):
    if not xs:
        return 0.0
    return sm.OLS(df[y], sm.add_constant(df[list(xs)])).fit().rsquared


def test_general_dominance_equals_brute_force_all_subsets_regressions():
    df, cols = _data()
    res = dominance_analysis(df, "loyalty", cols)
    p = len(cols)
    for name in cols:
        others = [c for c in cols if c != name]
        # Weighted average of incremental R² over all subsets, fitted by real OLS regressions:
        # subsets of size k get weight 1 / (p * C(p-1, k)).
        brute = sum(
            (_ols_r2(df, "loyalty", (*s, name)) - _ols_r2(df, "loyalty", s)) / (p * comb(p - 1, k))
            for k in range(p) for s in combinations(others, k)
        )
        got = res.table.set_index("predictor").loc[name, "weight"]
        assert got == pytest.approx(brute, abs=1e-10)
    assert res.table["weight"].sum() == pytest.approx(_ols_r2(df, "loyalty", cols), abs=1e-12)
    assert res.table.iloc[0]["predictor"] == "affective"


def test_two_predictor_dominance_closed_form():
    df, _ = _data()
    r = df.corr()
    r2 = _ols_r2(df, "loyalty", ["affective", "forced"])
    expected = (r.loc["affective", "loyalty"] ** 2 + r2 - r.loc["forced", "loyalty"] ** 2) / 2
    res = dominance_analysis(df, "loyalty", ["affective", "forced"])
    assert res.table.set_index("predictor").loc["affective", "weight"] == pytest.approx(expected)


def test_relative_weights_orthogonal_predictors_equal_squared_correlations():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(500, 3))
    q, _ = np.linalg.qr(x - x.mean(0))  # exactly uncorrelated, centred columns
    df = pd.DataFrame(q, columns=["a", "b", "c"])
    df["y"] = q @ np.array([3.0, 1.0, 0.5]) + rng.normal(scale=.05, size=500)
    res = relative_weights(df, "y", ["a", "b", "c"])
    r = df.corr()["y"]
    got = res.table.set_index("predictor")["weight"]
    for c in "abc":
        assert got[c] == pytest.approx(r[c] ** 2, abs=1e-10)
    assert res.r2 == pytest.approx(_ols_r2(df, "y", ["a", "b", "c"]), abs=1e-10)


def test_relative_weights_sum_to_r2_and_track_dominance():
    df, cols = _data()
    rw = relative_weights(df, "loyalty", cols)
    da = dominance_analysis(df, "loyalty", cols)
    assert rw.r2 == pytest.approx(_ols_r2(df, "loyalty", cols), abs=1e-10)
    merged = rw.table.set_index("predictor")["weight"] - da.table.set_index("predictor")["weight"]
    assert merged.abs().max() < 0.02  # Johnson (2000): the two agree closely
    assert list(rw.table["predictor"][:2]) == list(da.table["predictor"][:2])


def test_importance_performance_rescales_from_the_declared_scale():
    t = importance_performance({"affective": .5, "forced": -.2}, {"affective": 5.5, "forced": 2.5},
                               {"affective": 1, "forced": 1}, {"affective": 7, "forced": 7})
    perf = t.set_index("construct")["performance"]
    assert perf["affective"] == pytest.approx(75.0) and perf["forced"] == pytest.approx(25.0)
    assert t.set_index("construct").loc["affective", "quadrant"] == "keep up the good work"


def test_importance_performance_reads_a_harmful_driver_reversed():
    """Forced commitment lowers the outcome (-.4, as large as affective's .5 nearly) and its
    score is low (25 on 0-100: little forced commitment, the good state). Read raw it was
    'low priority' (below the mean importance, below the mean performance); read as less
    forced commitment it is important (.4) and performing well (75): 'keep up the good work'.
    The quadrants here are worked out by hand on the oriented values: importance .5/.4/.1
    (mean .333), performance 75/75/50 (mean 66.7)."""
    t = importance_performance({"affective": .5, "forced": -.4, "habitual": .1},
                               {"affective": 5.5, "forced": 2.5, "habitual": 4.0},
                               dict.fromkeys(["affective", "forced", "habitual"], 1),
                               dict.fromkeys(["affective", "forced", "habitual"], 7))
    t = t.set_index("construct")
    assert t.loc["forced", "importance"] == pytest.approx(-.4)  # the effect as estimated
    assert t.loc["forced", "performance"] == pytest.approx(25.0)
    assert t["direction"].to_dict() == {"affective": "higher is better",
                                        "forced": "lower is better",
                                        "habitual": "higher is better"}
    assert t["quadrant"].to_dict() == {"affective": "keep up the good work",
                                       "forced": "keep up the good work",
                                       "habitual": "low priority"}


def test_importance_performance_of_an_outcome_to_lower():
    """Switching intention: affective commitment lowers it (-.5), forced commitment raises it
    (+.3). Read on lowering switching, affective is an important driver kept as it is
    (importance .5, performance 75) and forced a harmful one, reversed (importance .3,
    performance 100 - 25 = 75); habitual (-.1, performance 50) is the least important. Means
    worked out by hand: importance .3, performance 66.7."""
    t = importance_performance({"affective": -.5, "forced": .3, "habitual": -.1},
                               {"affective": 5.5, "forced": 2.5, "habitual": 4.0},
                               dict.fromkeys(["affective", "forced", "habitual"], 1),
                               dict.fromkeys(["affective", "forced", "habitual"], 7),
                               higher_is_better=False).set_index("construct")
    assert t["importance"].to_dict() == pytest.approx(
        {"affective": -.5, "forced": .3, "habitual": -.1})  # as estimated
    assert t["direction"].to_dict() == {"affective": "higher is better",
                                        "forced": "lower is better",
                                        "habitual": "higher is better"}
    assert t["quadrant"].to_dict() == {"affective": "keep up the good work",
                                       "forced": "keep up the good work",
                                       "habitual": "low priority"}


def test_bad_input_gives_clear_errors():
    df, cols = _data(n=50)
    with pytest.raises(DriverInputError, match="not in the data"):
        dominance_analysis(df, "loyalty", [*cols, "nope"])
    df["const"] = 1.0
    with pytest.raises(DriverInputError, match="constant"):
        relative_weights(df, "loyalty", ["affective", "const"])
    df["dup"] = df["affective"] * 2
    with pytest.raises(DriverInputError, match="collinear"):
        dominance_analysis(df, "loyalty", ["affective", "dup", "forced"])
