"""PLSpredict (analysis.pls.predict) against seminr, closed forms and known population values.

References:

* seminr's ``predict_pls`` on ``mobi`` (N = 250), 10 folds cut from R's ``set.seed(789)``
  shuffle, as frozen in ``tests/fixtures/pls/plspredict_seminr.json`` (from sem-in-r/seminr-ts
  tests/fixtures/expected/M8_predict_m1_da.json, M8_predict_m2_da.json, M8_predict_m2_ea.json,
  commit b7c1da296167, produced by R seminr 2.5.0.9000 with its scripts/generate-fixtures.R):
  out-of-sample and in-sample RMSE and MAE of PLS and LM per indicator, construct errors and
  the first predicted rows; compared at 1e-10.
* Leave-one-out LM predictions in closed form: ``y_i - e_i / (1 - h_ii)`` (the PRESS
  residual; statsmodels' ``OLSInfluence.resid_press``), and each fold's LM refitted with
  statsmodels OLS.
* Leave-one-out PLS predictions computed by brute force here, from :func:`estimate_pls` on
  the data without each respondent (EA in cSEM's closed form ``y_exo Gamma (I - B)^-1``).
* Population values: with large n, the out-of-sample MSE approaches the MSE of the
  population PLS predictor (from :func:`estimate_pls_moments` on the population covariance),
  and where PLS is the best linear predictor (mode B exogenous block, single-item outcome)
  the RMSE approaches the population residual SD and Q²predict the population R².
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.outliers_influence import OLSInfluence

from analysis.pls import (
    PLSInputError,
    PLSNotConvergedError,
    estimate_pls,
    estimate_pls_moments,
    predict_pls,
)
from analysis.pls.predict import cut_folds

FIX = Path(__file__).parent / "fixtures" / "pls"

M1 = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value <~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value
"""

ECSI = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Complaints =~ CUSCO
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Expectation ~ Image
Quality ~ Expectation
Value ~ Expectation + Quality
Satisfaction ~ Image + Expectation + Quality + Value
Complaints ~ Satisfaction
Loyalty ~ Image + Satisfaction + Complaints
"""


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return pd.read_csv(FIX / "mobi.csv")


@pytest.fixture(scope="module")
def seminr() -> dict:
    return json.loads((FIX / "plspredict_seminr.json").read_text())


def _mat(block: dict) -> pd.DataFrame:
    cols = block["cols"] if isinstance(block["cols"], list) else [block["cols"]]
    values = np.asarray(block["values"], dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    return pd.DataFrame(values, index=block["rows"], columns=cols)


# --- seminr predict_pls -------------------------------------------------------------------------

@pytest.mark.parametrize("name, model, technique, benchmark", [
    ("M8_predict_m1_da", M1, "DA", "exogenous"),
    ("M8_predict_m2_da", ECSI, "DA", "antecedents"),
    ("M8_predict_m2_ea", ECSI, "EA", "exogenous"),
])
def test_matches_seminr_predict_pls_on_its_folds(mobi, seminr, name, model, technique,
                                                 benchmark):
    ref = seminr["models"][name]
    ids = cut_folds(np.asarray(seminr["shuffle_order"]) - 1, 10)
    out = predict_pls(mobi, model, fold_ids=ids, technique=technique, benchmark=benchmark)
    items = out.items.set_index("item")
    for key, cols in [("plsMetricsOutOfSample", ["rmse", "mae"]),
                      ("lmMetricsOutOfSample", ["lm_rmse", "lm_mae"]),
                      ("plsMetricsInSample", ["is_rmse", "is_mae"]),
                      ("lmMetricsInSample", ["lm_is_rmse", "lm_is_mae"])]:
        expected = _mat(ref[key])
        ours = items.loc[list(expected.columns), cols].to_numpy().T
        np.testing.assert_allclose(ours, expected.to_numpy(), atol=1e-10, err_msg=key)
    ce = _mat(ref["constructError"])
    ours = out.constructs.set_index("construct").loc[
        list(ce.columns), ["is_mse", "is_mae", "oos_mse", "oos_mae", "overfit"]]
    np.testing.assert_allclose(ours.to_numpy().T, ce.to_numpy(), atol=1e-10)
    head = ref["itemsOutOfSampleHead"]
    np.testing.assert_allclose(out.predictions[head["cols"]].to_numpy()[:5],
                               np.asarray(head["values"]), atol=1e-10)


def test_cut_folds_matches_r_cut():
    # R: cut(seq(1, 10), breaks = 3, labels = FALSE) -> 1 1 1 1 2 2 2 3 3 3
    assert cut_folds(np.arange(10), 3).tolist() == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    # R: cut(seq(1, 250), breaks = 10) gives 25 per fold
    assert np.bincount(cut_folds(np.arange(250), 10)).tolist() == [25] * 10


# --- leave-one-out: closed forms and brute force ------------------------------------------------

MED = """
X1 =~ a1 + a2 + a3
X2 =~ b1 + b2
M =~ m1 + m2 + m3
Y =~ y1 + y2
M ~ X1 + X2
Y ~ M + X1
"""


@pytest.fixture(scope="module")
def med_data() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 45
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    m = 0.5 * x1 + 0.3 * x2 + 0.8 * rng.normal(size=n)
    y = 0.4 * m + 0.3 * x1 + 0.8 * rng.normal(size=n)
    cols = {}
    for name, f, k in [("a", x1, 3), ("b", x2, 2), ("m", m, 3), ("y", y, 2)]:
        for i in range(1, k + 1):
            cols[f"{name}{i}"] = 4 + f + 0.7 * rng.normal(size=n)
    return pd.DataFrame(cols)


def test_loo_lm_equals_press_closed_form(med_data):
    n = len(med_data)
    out = predict_pls(med_data, MED, folds=n, repeats=1, seed=3)
    assert len(np.unique(out.fold_ids)) == n
    X = sm.add_constant(med_data[["a1", "a2", "a3", "b1", "b2"]])
    for item in ["m1", "m2", "m3", "y1", "y2"]:
        fit = sm.OLS(med_data[item], X).fit()
        press = OLSInfluence(fit).resid_press
        np.testing.assert_allclose(out.lm_predictions[item], med_data[item] - press, atol=1e-10)
        rmse = np.sqrt(np.mean(press ** 2))
        assert out.items.set_index("item").loc[item, "lm_rmse"] == pytest.approx(rmse, abs=1e-10)


def test_ten_fold_lm_equals_statsmodels_on_the_same_folds(med_data):
    out = predict_pls(med_data, MED, folds=5, repeats=1, seed=8, benchmark="antecedents")
    ids = out.fold_ids[0]
    for item, preds in [("m2", ["a1", "a2", "a3", "b1", "b2"]), ("y1", ["a1", "a2", "a3",
                                                                         "m1", "m2", "m3"])]:
        expected = np.empty(len(med_data))
        for k in np.unique(ids):
            test = ids == k
            fit = sm.OLS(med_data.loc[~test, item],
                         sm.add_constant(med_data.loc[~test, preds])).fit()
            expected[test] = fit.predict(sm.add_constant(med_data.loc[test, preds],
                                                         has_constant="add"))
        np.testing.assert_allclose(out.lm_predictions[item], expected, atol=1e-10)


@pytest.mark.parametrize("technique, consistent", [("DA", False), ("EA", False), ("DA", True)])
def test_loo_pls_equals_brute_force_refits(med_data, technique, consistent):
    n = len(med_data)
    out = predict_pls(med_data, MED, folds=n, repeats=1, seed=5, technique=technique,
                      consistent=consistent)
    items = ["m1", "m2", "m3", "y1", "y2"]
    brute = np.empty((n, len(items)))
    naive = np.empty((n, len(items)))
    for i in range(n):
        train = med_data.drop(index=i)
        fit = estimate_pls(train, MED, consistent=consistent)
        mean, sd = train.mean(), train.std(ddof=1)
        z = (med_data.loc[i] - mean) / sd
        W, L, B = fit.weights, fit.loadings, fit.paths
        score = z[W.index] @ W                      # composite scores of respondent i
        if technique == "DA":
            pred = {"M": score[["X1", "X2"]] @ B.loc[["X1", "X2"], "M"],
                    "Y": score[["M", "X1"]] @ B.loc[["M", "X1"], "Y"]}
        else:                                       # cSEM: y_exo Gamma (I - B_endo)^-1
            gamma = B.loc[["X1", "X2"], ["M", "Y"]].to_numpy()
            b_endo = B.loc[["M", "Y"], ["M", "Y"]].to_numpy()
            eta = score[["X1", "X2"]].to_numpy() @ gamma @ np.linalg.inv(np.eye(2) - b_endo)
            pred = {"M": eta[0], "Y": eta[1]}
        for j, item in enumerate(items):
            c = "M" if item.startswith("m") else "Y"
            brute[i, j] = mean[item] + sd[item] * L.loc[item, c] * pred[c]
            naive[i, j] = mean[item]
    np.testing.assert_allclose(out.predictions[items].to_numpy(), brute, atol=1e-10)
    y = med_data[items].to_numpy()
    q2 = 1 - ((y - brute) ** 2).sum(axis=0) / ((y - naive) ** 2).sum(axis=0)
    np.testing.assert_allclose(out.items.set_index("item").loc[items, "q2_predict"], q2,
                               atol=1e-10)


# --- population values -------------------------------------------------------------------------

def _reflective_population() -> tuple[pd.DataFrame, np.ndarray]:
    lx, ly, beta = np.array([.8, .7, .6]), np.array([.8, .7, .6]), 0.5
    lam = np.zeros((6, 2))
    lam[:3, 0], lam[3:, 1] = lx, ly
    phi = np.array([[1, beta], [beta, 1]])
    sigma = lam @ phi @ lam.T
    np.fill_diagonal(sigma, 1.0)
    scale = np.array([1.0, 1.5, 2.0, 1.0, 1.2, 0.8])
    sigma = sigma * np.outer(scale, scale)
    names = ["x1", "x2", "x3", "y1", "y2", "y3"]
    return pd.DataFrame(sigma, index=names, columns=names), scale


def test_large_sample_rmse_approaches_the_population_pls_predictor():
    sigma, scale = _reflective_population()
    model = "X =~ x1 + x2 + x3; Y =~ y1 + y2 + y3; Y ~ X"
    pop = estimate_pls_moments(sigma, model)
    S = sigma.to_numpy()
    w = pop.weights.loc[["x1", "x2", "x3"], "X"].to_numpy() / scale[:3]
    rng = np.random.default_rng(2026)
    n = 20000
    data = pd.DataFrame(rng.multivariate_normal(np.full(6, 3.0), S, size=n),
                        columns=sigma.columns)
    out = predict_pls(data, model, folds=5, repeats=1, seed=1).items.set_index("item")
    Sxx, Sxy = S[:3, :3], S[:3, 3:]
    for j, item in enumerate(["y1", "y2", "y3"]):
        c = scale[3 + j] * pop.loadings.loc[item, "Y"] * pop.path("X", "Y") * w
        mse = S[3 + j, 3 + j] - 2 * c @ Sxy[:, j] + c @ Sxx @ c
        lm_mse = S[3 + j, 3 + j] - Sxy[:, j] @ np.linalg.solve(Sxx, Sxy[:, j])
        assert out.loc[item, "rmse"] == pytest.approx(np.sqrt(mse), rel=0.02)
        assert out.loc[item, "lm_rmse"] == pytest.approx(np.sqrt(lm_mse), rel=0.02)
        assert out.loc[item, "q2_predict"] == pytest.approx(1 - mse / S[3 + j, 3 + j],
                                                            abs=0.02)


def test_where_pls_is_the_best_linear_predictor_rmse_approaches_the_residual_sd():
    rng = np.random.default_rng(7)
    n, a, sd_e = 20000, np.array([0.5, 0.3, -0.2]), 0.8
    x = rng.multivariate_normal(np.zeros(3), [[1, .3, .2], [.3, 1, .1], [.2, .1, 1]], size=n)
    y = 2 + x @ a + sd_e * rng.normal(size=n)
    data = pd.DataFrame(np.column_stack([x, y]), columns=["x1", "x2", "x3", "y"])
    out = predict_pls(data, "X <~ x1 + x2 + x3; Y =~ y; Y ~ X", folds=10, repeats=1, seed=4)
    row = out.items.iloc[0]
    r2 = 1 - sd_e ** 2 / (a @ np.array([[1, .3, .2], [.3, 1, .1], [.2, .1, 1]]) @ a + sd_e ** 2)
    assert row["rmse"] == pytest.approx(sd_e, rel=0.02)
    assert row["q2_predict"] == pytest.approx(r2, abs=0.02)
    assert row["rmse"] == pytest.approx(row["lm_rmse"], rel=1e-3)   # both estimate the BLP


# --- repetitions, settings, errors ---------------------------------------------------------------

def test_repetitions_are_seeded_and_averaged(med_data):
    a = predict_pls(med_data, MED, folds=5, repeats=3, seed=9)
    b = predict_pls(med_data, MED, folds=5, repeats=3, seed=9)
    assert a.to_dict() == b.to_dict()
    assert a.fold_ids.shape == (3, len(med_data))
    assert len({tuple(r) for r in a.fold_ids}) == 3            # new folds per repetition
    assert all(np.bincount(r).tolist() == [9] * 5 for r in a.fold_ids)
    means = a.by_repeat.groupby("item", sort=False)["rmse"].mean()
    np.testing.assert_allclose(a.items.set_index("item")["rmse"], means.loc[a.items["item"]])
    json.dumps(a.to_dict(predictions=True), allow_nan=False)
    c = predict_pls(med_data, MED, folds=5, repeats=3, seed=10)
    assert not np.array_equal(a.fold_ids, c.fold_ids)


def test_construct_summary_follows_the_shmueli_rule(mobi, seminr):
    ids = cut_folds(np.asarray(seminr["shuffle_order"]) - 1, 10)
    out = predict_pls(mobi, M1, fold_ids=ids)
    row = out.constructs.iloc[0]
    # seminr's RMSEs: PLS beats LM on CUSA2 and CUSA3, not CUSA1 -> majority -> medium
    assert (row["pls_better_rmse"], row["predictive_power"]) == (2, "medium")
    assert row["q2_positive"]


def test_single_endogenous_da_equals_ea(med_data):
    model = "X1 =~ a1 + a2 + a3; X2 =~ b1 + b2; M =~ m1 + m2 + m3; M ~ X1 + X2"
    da = predict_pls(med_data, model, folds=5, repeats=1, seed=2, technique="DA")
    ea = predict_pls(med_data, model, folds=5, repeats=1, seed=2, technique="EA")
    np.testing.assert_allclose(da.predictions, ea.predictions, atol=1e-12)


def test_bad_settings_are_input_errors(med_data):
    with pytest.raises(PLSInputError, match="seed"):
        predict_pls(med_data, MED)
    with pytest.raises(PLSInputError, match="technique"):
        predict_pls(med_data, MED, seed=1, technique="XX")
    with pytest.raises(PLSInputError, match="benchmark"):
        predict_pls(med_data, MED, seed=1, benchmark="all")
    with pytest.raises(PLSInputError, match="folds"):
        predict_pls(med_data, MED, seed=1, folds=1000)
    with pytest.raises(PLSInputError, match="fold_ids"):
        predict_pls(med_data, MED, fold_ids=[0, 1, 0])


def test_missing_answers_are_handled_once_before_the_folds():
    corp = pd.read_csv(FIX / "corp_rep_data.csv")
    model = """
    COMP =~ comp_1 + comp_2 + comp_3
    LIKE =~ like_1 + like_2 + like_3
    CUSA =~ cusa
    CUSL =~ cusl_1 + cusl_2 + cusl_3
    CUSA ~ COMP + LIKE
    CUSL ~ COMP + LIKE + CUSA
    """
    with pytest.raises(PLSInputError, match="missing='mean'"):
        predict_pls(corp, model, seed=1, missing_value=-99)
    out = predict_pls(corp, model, seed=1, repeats=2, missing="mean", missing_value=-99)
    assert out.sample["missing"] == "mean" and out.sample["n"] == 344
    assert out.sample["replaced"]                     # the counts are reported
    assert list(out.items["item"]) == ["cusa", "cusl_1", "cusl_2", "cusl_3"]
    assert np.isfinite(out.items.drop(columns=["construct", "item"]).to_numpy()).all()


def test_a_fold_that_cannot_be_estimated_is_named(med_data):
    d = med_data.copy()
    d["a3"] = 3.0
    d.loc[:4, "a3"] = [1.0, 2.0, 4.0, 5.0, 1.0]           # all variation in rows 0-4
    ids = np.array([0] * 9 + [1] * 9 + [2] * 9 + [3] * 9 + [4] * 9)
    with pytest.raises(PLSInputError, match=r"repetition 1, fold 1: item\(s\) a3 have one"):
        predict_pls(d, MED, fold_ids=ids)
    with pytest.raises(PLSNotConvergedError):              # the whole sample first
        predict_pls(med_data, MED, folds=5, repeats=1, seed=1, max_iter=1)
