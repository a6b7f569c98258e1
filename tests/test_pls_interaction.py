"""PLS interaction terms (analysis.pls.interaction) against seminr, OLS and a known population.

References:

* seminr's ``interaction_term(iv = "Image", moderator = "Expectation", method = two_stage |
  product_indicator | orthogonal, weights = mode_A)`` on ``mobi`` (model M1 with Value in
  mode A plus Image*Expectation -> Satisfaction, path weighting), as exported in
  sem-in-r/seminr-ts tests/fixtures/expected/M4_interaction_two_stage.json,
  M4_interaction_product_indicator.json, M4_interaction_orthogonal.json (commit a726ed06a687;
  R seminr 2.5.0.9000 via its scripts/generate-fixtures.R, ``m4_variant``): path coefficients
  and R², frozen below, compared at 1e-8 (seminr reports the interaction path per unit of the
  product of standardized variables: our ``est_product``).
* With single-item moderator and predictor, the stage-2 regression is an OLS regression of the
  standardized outcome on the standardized predictors and their product (statsmodels).
* Parameter recovery: composites with known weights and a known moderating effect (seeded).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.pls import (
    PLSInputError,
    bootstrap_pls_interaction,
    estimate_pls_interaction,
    parse_interaction_model,
)

FIX = Path(__file__).parent / "fixtures" / "pls"

M4 = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value + Image:Expectation
"""

# seminr pathCoef (Image, Expectation, Value, Image*Expectation -> Satisfaction) and rSquared
SEMINR_M4 = {
    "two_stage": ([0.448154176375731, 0.168475120598774, 0.316338741148845,
                   -0.0431336608683876], 0.593503065829678),
    "product_indicator": ([0.466897722495409, 0.136795941142621, 0.314337461962173,
                           -0.133359374069151], 0.613615666192249),
    "orthogonal": ([0.451090747355829, 0.17308521808667, 0.306987330875046,
                    -0.16131838880961], 0.622582765869592),
}


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return pd.read_csv(FIX / "mobi.csv")


@pytest.mark.parametrize("method", list(SEMINR_M4))
def test_matches_seminr_interaction_term(mobi, method):
    paths, r2 = SEMINR_M4[method]
    fit = estimate_pls_interaction(mobi, M4, method=method)
    ours = [fit.result.path(p, "Satisfaction") for p in ("Image", "Expectation", "Value")]
    np.testing.assert_allclose(ours, paths[:3], atol=1e-8)
    row = fit.interactions.iloc[0]
    assert (row["lhs"], row["op"], row["rhs"]) == ("Satisfaction", "~", "Image:Expectation")
    assert row["est_product"] == pytest.approx(paths[3], abs=1e-8)
    assert fit.result.r2["Satisfaction"] == pytest.approx(r2, abs=1e-8)
    assert row["items"] == (1 if method == "two_stage" else 15)
    json.dumps(fit.to_dict(), allow_nan=False)


def test_orthogonal_terms_are_uncorrelated_with_the_main_effects_items(mobi):
    fit = estimate_pls_interaction(mobi, M4, method="orthogonal")
    items = [f"IMAG{i}" for i in range(1, 6)] + [f"CUEX{i}" for i in range(1, 4)]
    r = pd.concat([mobi[items], fit.data], axis=1).corr().loc[items, fit.data.columns]
    assert np.abs(r.to_numpy()).max() < 1e-10
    c = fit.result.construct_cor.loc["Image:Expectation", ["Image", "Expectation"]]
    assert np.abs(c.to_numpy()).max() < 1e-10


@pytest.fixture(scope="module")
def single_items() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    n = 300
    x = rng.normal(size=n)
    m = 0.3 * x + rng.normal(size=n)
    v = rng.normal(size=n)
    y = 0.5 * x + 0.2 * m + 0.3 * x * m + 0.2 * v + rng.normal(size=n)
    return pd.DataFrame({"x": 3 + 2 * x, "m": 1 + m, "v": v, "v2": v + rng.normal(size=n),
                         "y": y})


def test_single_items_stage_two_is_ols_on_the_standardized_product(single_items):
    d = single_items
    model = "X =~ x; M =~ m; V =~ v + v2; Y =~ y; Y ~ X + M + V + X:M"
    two = estimate_pls_interaction(d, model)
    pi = estimate_pls_interaction(d, model, method="product_indicator")
    z = (d - d.mean()) / d.std(ddof=1)
    vscore = two.result.scores["V"]
    design = sm.add_constant(pd.DataFrame({"x": z["x"], "m": z["m"], "v": vscore,
                                           "xm": z["x"] * z["m"]}))
    ols = sm.OLS(z["y"], design).fit().params
    for fit in (two, pi):
        assert fit.result.path("X", "Y") == pytest.approx(ols["x"], abs=1e-10)
        assert fit.result.path("M", "Y") == pytest.approx(ols["m"], abs=1e-10)
        assert fit.interactions.iloc[0]["est_product"] == pytest.approx(ols["xm"], abs=1e-10)
    slopes = two.simple_slopes.set_index("level")["slope"]
    assert slopes[1.0] - slopes[0.0] == pytest.approx(ols["xm"], abs=1e-10)
    assert slopes[0.0] == pytest.approx(ols["x"], abs=1e-10)


def test_two_stage_recovers_a_known_moderating_effect():
    rng = np.random.default_rng(2016)
    n = 6000
    cov = np.array([[1, .3, .2], [.3, 1, .3], [.2, .3, 1]])
    xs = rng.multivariate_normal(np.zeros(3), cov, size=n)
    ms = rng.multivariate_normal(np.zeros(3), cov, size=n)
    wx, wm = np.array([.5, .3, .4]), np.array([.2, .6, .3])
    X = xs @ wx / np.sqrt(wx @ cov @ wx)
    M = ms @ wm / np.sqrt(wm @ cov @ wm)
    b = {"X": 0.4, "M": 0.3, "X:M": 0.25}                # Var(XM) = 1: X, M independent
    y = b["X"] * X + b["M"] * M + b["X:M"] * X * M + np.sqrt(1 - .16 - .09 - .0625) * \
        rng.normal(size=n)
    d = pd.DataFrame(np.column_stack([xs + 4, ms + 4, y]),
                     columns=["x1", "x2", "x3", "m1", "m2", "m3", "y"])
    fit = estimate_pls_interaction(d, "X <~ x1 + x2 + x3; M <~ m1 + m2 + m3; Y =~ y\n"
                                      "Y ~ X + M + X:M")
    se = np.sqrt(0.6875 / n)                              # about .011
    assert fit.result.path("X", "Y") == pytest.approx(b["X"], abs=4 * se)
    assert fit.result.path("M", "Y") == pytest.approx(b["M"], abs=4 * se)
    row = fit.interactions.iloc[0]
    assert row["est"] == pytest.approx(b["X:M"], abs=4 * se)
    assert row["est_product"] == pytest.approx(b["X:M"], abs=4 * se)
    w = fit.first_stage.weights.loc[["x1", "x2", "x3"], "X"].to_numpy()
    np.testing.assert_allclose(w / w.sum(), wx / wx.sum(), atol=0.03)
    # the model without the interaction misses it: the moderated model explains more
    assert fit.result.r2["Y"] - fit.first_stage.r2["Y"] == pytest.approx(0.0625, abs=0.015)


def test_syntax_forms_and_errors():
    m = parse_interaction_model("X =~ x1 + x2; M =~ m1; Y =~ y\nY ~ X + M + X.M  # cSEM form")
    assert m.terms == (("X:M", "X", "M"),) and m.paths == (("X:M", "Y"),)
    assert m.base.paths == (("X", "Y"), ("M", "Y"))
    with pytest.raises(PLSInputError, match="'Z'.*not a construct"):
        parse_interaction_model("X =~ x1; M =~ m1; Y =~ y\nY ~ X + M + X:Z")
    with pytest.raises(PLSInputError, match="no interaction term"):
        parse_interaction_model("X =~ x1; Y =~ y\nY ~ X")
    with pytest.raises(PLSInputError, match="method"):
        estimate_pls_interaction({"x1": [1, 2, 3, 4], "m1": [2, 1, 4, 3], "y": [1, 3, 2, 4]},
                                 "X =~ x1; M =~ m1; Y =~ y\nY ~ X + M + X:M", method="pi")


# --- bootstrap ----------------------------------------------------------------------------------

@pytest.mark.parametrize("method", list(SEMINR_M4))
def test_bootstrap_resamples_equal_estimation_on_the_resampled_data(mobi, method):
    rng = np.random.default_rng(12)
    idx = rng.integers(0, len(mobi), size=(3, len(mobi)))
    boot = bootstrap_pls_interaction(mobi, M4, method=method, indices=idx, n_jobs=1,
                                     progress=False)
    n_tab = len(boot.table)
    for k in range(3):
        again = estimate_pls_interaction(mobi.iloc[idx[k]].reset_index(drop=True), M4,
                                         method=method)
        np.testing.assert_allclose(boot.replicates[k, :n_tab], again.result.estimates["est"],
                                   atol=1e-10)
        assert boot.replicates[k, n_tab] == pytest.approx(
            again.interactions.iloc[0]["est_product"], abs=1e-10)
    row = boot.interactions.iloc[0]
    assert row["se"] == pytest.approx(np.std(boot.replicates[:, boot.table.index[
        (boot.table.op == "~") & (boot.table.rhs == "Image:Expectation")][0]], ddof=1))
    assert boot.settings["indices"] and boot.settings["seed"] is None
    json.dumps(boot.to_dict(), allow_nan=False)


def test_bootstrap_se_of_the_moderating_effect_matches_its_sampling_sd():
    def sample(rng: np.random.Generator, n: int = 250) -> pd.DataFrame:
        x, m = rng.normal(size=(2, n))
        y = 0.4 * x + 0.3 * m + 0.25 * x * m + 0.8 * rng.normal(size=n)
        return pd.DataFrame({"x1": x + .6 * rng.normal(size=n), "x2": x + .6 * rng.normal(size=n),
                             "m1": m + .6 * rng.normal(size=n), "m2": m + .6 * rng.normal(size=n),
                             "y": y})

    model = "X =~ x1 + x2; M =~ m1 + m2; Y =~ y; Y ~ X + M + X:M"
    rng = np.random.default_rng(99)
    draws = [estimate_pls_interaction(sample(rng), model).interactions.iloc[0]["est_product"]
             for _ in range(150)]
    sd_mc = np.std(draws, ddof=1)
    boot = bootstrap_pls_interaction(sample(rng), model, n_boot=400, seed=3, n_jobs=1,
                                     progress=False)
    assert boot.interactions.iloc[0]["product.se"] == pytest.approx(sd_mc, rel=0.25)
    a = bootstrap_pls_interaction(sample(np.random.default_rng(1)), model, n_boot=30, seed=3,
                                  n_jobs=1, progress=False)
    b = bootstrap_pls_interaction(sample(np.random.default_rng(1)), model, n_boot=30, seed=3,
                                  n_jobs=1, progress=False)
    np.testing.assert_array_equal(a.replicates, b.replicates)
