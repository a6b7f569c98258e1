"""Importance-performance map analysis (analysis.pls.ipma) against hand computations and OLS.

Checks (Ringle & Sarstedt, 2016):

* a six-respondent example computed by hand: two indicators with the same answers in swapped
  pairs (so equal weights), scale 1-5: performance 54.1667 (the 0-100 mean of the
  indicators), importance 1.2 (the slope of the 0-100 outcome on the 0-100 composite:
  6250 / 5208.33), indicator importance .6 each, target performance 50;
* single items with different scale bounds in a chain X -> M -> Y plus X -> Y: importance of X
  equals ``c' + a b`` from statsmodels OLS on the rescaled variables;
* on ``mobi`` (unequal weights): the rescaled scores ``sum w~ x~`` computed here from the
  standardized weights are a positive linear function of the PLS scores, the unstandardized
  direct effects equal OLS of the rescaled outcome on the rescaled predictors, and indicator
  importances add up to the construct's.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.pls import PLSInputError, ipma_pls

FIX = Path(__file__).parent / "fixtures" / "pls"

MOBI = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value
"""


def test_hand_computed_example_with_equal_weights():
    d = pd.DataFrame({"x1": [1, 2, 3, 5, 4, 4], "x2": [2, 1, 5, 3, 4, 4],
                      "y": [1, 1, 4, 4, 5, 3]})
    out = ipma_pls(d, "X =~ x1 + x2; Y =~ y; Y ~ X", "Y", scale_min=1, scale_max=5)
    row = out.constructs.iloc[0]
    assert row["construct"] == "X"
    assert row["performance"] == pytest.approx(325 / 6, abs=1e-10)   # (19/6 - 1) * 25
    assert row["performance"] == pytest.approx(((d[["x1", "x2"]] - 1) * 25).mean().mean())
    assert row["importance"] == pytest.approx(1.2, abs=1e-10)
    assert out.target_performance == pytest.approx(50.0, abs=1e-10)
    np.testing.assert_allclose(out.items["weight"], [0.5, 0.5], atol=1e-12)
    np.testing.assert_allclose(out.items["importance"], [0.6, 0.6], atol=1e-10)
    np.testing.assert_allclose(out.items["performance"], [325 / 6] * 2, atol=1e-10)
    json.dumps(out.to_dict(), allow_nan=False)


def test_chain_of_single_items_with_own_scales_equals_ols():
    rng = np.random.default_rng(5)
    n = 200
    x = rng.integers(1, 6, size=n)
    m = np.clip(np.round(1 + 1.2 * x + rng.normal(size=n)), 1, 7)
    y = np.clip(np.round(0.8 * m + 0.6 * x + rng.normal(scale=1.5, size=n)), 0, 10)
    d = pd.DataFrame({"x": x, "m": m, "y": y}).astype(float)
    lo, hi = {"x": 1, "m": 1, "y": 0}, {"x": 5, "m": 7, "y": 10}
    out = ipma_pls(d, "X =~ x; M =~ m; Y =~ y; M ~ X; Y ~ M + X", "Y",
                   scale_min=lo, scale_max=hi)
    r = pd.DataFrame({k: (d[k] - lo[k]) / (hi[k] - lo[k]) * 100 for k in d})
    a = sm.OLS(r["m"], sm.add_constant(r[["x"]])).fit().params["x"]
    fit = sm.OLS(r["y"], sm.add_constant(r[["x", "m"]])).fit().params
    imp = out.constructs.set_index("construct")["importance"]
    assert imp["X"] == pytest.approx(fit["x"] + a * fit["m"], abs=1e-10)
    assert imp["M"] == pytest.approx(fit["m"], abs=1e-10)
    perf = out.constructs.set_index("construct")["performance"]
    assert perf["X"] == pytest.approx(r["x"].mean()) and perf["M"] == pytest.approx(r["m"].mean())


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return pd.read_csv(FIX / "mobi.csv")


def test_mobi_rescaled_scores_and_ols_importance(mobi):
    out = ipma_pls(mobi, MOBI, "Satisfaction", scale_min=1, scale_max=10)
    fit = out.result
    lv = {}
    for c in fit.model.constructs:
        x = (mobi[list(c.items)] - 1) / 9 * 100
        u = fit.weights.loc[list(c.items), c.name] / x.std(ddof=1)
        lv[c.name] = x @ (u / u.sum())
        assert np.corrcoef(lv[c.name], fit.scores[c.name])[0, 1] == pytest.approx(1, abs=1e-12)
    lv = pd.DataFrame(lv)
    preds = ["Image", "Expectation", "Value"]
    ols = sm.OLS(lv["Satisfaction"], sm.add_constant(lv[preds])).fit().params
    tab = out.constructs.set_index("construct")
    np.testing.assert_allclose(tab.loc[preds, "importance"], ols[preds], atol=1e-10)
    np.testing.assert_allclose(tab.loc[preds, "performance"], lv[preds].mean(), atol=1e-10)
    np.testing.assert_allclose(tab.loc[preds, "importance_std"],
                               [fit.path(p, "Satisfaction") for p in preds], atol=1e-12)
    assert out.target_performance == pytest.approx(lv["Satisfaction"].mean(), abs=1e-10)
    sums = out.items.groupby("construct")["importance"].sum()
    np.testing.assert_allclose(sums[preds], tab.loc[preds, "importance"], atol=1e-12)
    assert out.items.groupby("construct")["weight"].sum().round(12).eq(1).all()
    assert not out.warnings
    for tab in (out.constructs, out.items):
        hi_imp = tab["importance"] > tab["importance"].mean()
        lo_perf = tab["performance"] <= tab["performance"].mean()
        top = tab["priority"] == "high importance, low performance"
        assert (top == (hi_imp & lo_perf)).all()


def test_a_driver_that_lowers_the_target_is_read_reversed():
    """X raises Y, F lowers it (forced commitment's role). F's quadrant is read on |importance|
    and 100 - performance (IPMA assumes more is better; Ringle & Sarstedt, 2016), worked out
    here from the table's own importance and performance with numpy."""
    rng = np.random.default_rng(7)
    n = 500
    x, f, g = rng.normal(size=(3, n))
    y = 0.5 * x - 0.6 * f + 0.1 * g + rng.normal(scale=0.7, size=n)
    d = pd.DataFrame({"x1": x + 0.4 * rng.normal(size=n), "x2": x + 0.4 * rng.normal(size=n),
                      "f1": f + 0.4 * rng.normal(size=n), "f2": f + 0.4 * rng.normal(size=n),
                      "g1": g + 0.4 * rng.normal(size=n), "y1": y})
    d = (d.clip(-3.5, 3.5) + 4).round()  # answers 1..8 (F mostly low: little of the harm)
    out = ipma_pls(d, "X =~ x1 + x2; F =~ f1 + f2; G =~ g1; Y =~ y1; Y ~ X + F + G", "Y",
                   scale_min=0, scale_max=8)
    tab = out.constructs.set_index("construct")
    assert tab.loc["F", "importance"] < 0 < tab.loc["X", "importance"]
    assert tab["direction"].to_dict() == {"X": "higher is better", "F": "lower is better",
                                          "G": "higher is better"}
    imp = tab["importance"].abs()
    perf = np.where(tab["importance"] < 0, 100 - tab["performance"], tab["performance"])
    want = [f"{'high' if i > imp.mean() else 'low'} importance, "
            f"{'high' if p > perf.mean() else 'low'} performance"
            for i, p in zip(imp, perf, strict=True)]
    assert tab["priority"].tolist() == want
    assert tab.loc["F", "priority"].startswith("high importance")  # raw, it was 'low'
    items = out.items.set_index("item")
    assert (items.loc[["f1", "f2"], "direction"] == "lower is better").all()


def test_negative_weight_is_reported():
    rng = np.random.default_rng(1)
    n = 400
    f = rng.normal(size=n)
    x1 = f + 0.5 * rng.normal(size=n)
    x2 = 0.8 * x1 + 0.6 * rng.normal(size=n)          # suppressor: with x1 in, weight < 0
    y = f + 0.5 * rng.normal(size=n)
    d = pd.DataFrame({"x1": x1, "x2": x2 - 0.9 * f, "y": y}).clip(-4, 4) + 5
    out = ipma_pls(d, "X <~ x1 + x2; Y =~ y; Y ~ X", "Y", scale_min=1, scale_max=9)
    assert (out.items["weight"] < 0).any()
    assert any("negative rescaled weight" in w for w in out.warnings)


def test_input_errors_name_the_problem(mobi):
    with pytest.raises(PLSInputError, match=r"CUSA1 \(4 to 10, scale 1 to 7\)"):
        ipma_pls(mobi, MOBI, "Satisfaction", scale_min=1, scale_max=7)
    with pytest.raises(PLSInputError, match="no value for item.*'PERV2'"):
        ipma_pls(mobi, MOBI, "Satisfaction", scale_min=1,
                 scale_max={i: 10 for i in mobi.columns if i != "PERV2"})
    with pytest.raises(PLSInputError, match="not a construct"):
        ipma_pls(mobi, MOBI, "Loyalty", scale_min=1, scale_max=10)
    with pytest.raises(PLSInputError, match="no antecedents"):
        ipma_pls(mobi, MOBI, "Image", scale_min=1, scale_max=10)
    with pytest.raises(PLSInputError, match="below scale_max"):
        ipma_pls(mobi, MOBI, "Satisfaction", scale_min=10, scale_max=10)
