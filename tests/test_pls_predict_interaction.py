"""PLSpredict of a model with a two-stage interaction term (``Y ~ X + M + X:M``): the steps
written out independently here with :func:`analysis.pls.estimate_pls` and numpy, on folds
given explicitly.

In each training set: stage 1 (the model without the term) estimated on the training
respondents only; the term's score of every respondent, training and test, is the product of
the stage-1 scores of X and M computed from the training weights, item means and SDs (so the
test respondents enter no estimation); stage 2 (the term as a single-item construct) estimated
on the training respondents; the test respondents' items of Y predicted from their stage-2
scores (direct antecedents) and the training loadings, means and SDs; the LM benchmark
regresses each item of Y on the exogenous constructs' items and the term, on the training
respondents. RMSE, MAE and Q²predict (against the training mean) over all respondents, each
predicted once, equal predict_pls's to 1e-10; with the term the out-of-sample errors drop
below the main-effects model's on data with a real moderating effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.pls import estimate_pls, predict_pls
from analysis.pls.predict import predict_section

BASE = "X =~ x1 + x2 + x3; M =~ m1 + m2; Y =~ y1 + y2 + y3; Y ~ X + M"
MODEL = BASE + "\nY ~ X:M"


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(17)
    n = 150
    x, m = rng.normal(size=(2, n))
    y = 0.4 * x + 0.3 * m + 0.4 * x * m + 0.7 * rng.normal(size=n)
    cols = {}
    for name, f, k in (("x", x, 3), ("m", m, 2), ("y", y, 3)):
        for j in range(1, k + 1):
            cols[f"{name}{j}"] = f + 0.5 * rng.normal(size=n)
    return pd.DataFrame(cols)


def _by_hand(d: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    ys = ["y1", "y2", "y3"]
    exo = ["x1", "x2", "x3", "m1", "m2"]
    n = len(d)
    pls, lm, naive = np.zeros((n, 3)), np.zeros((n, 3)), np.zeros((n, 3))
    for k in np.unique(ids):
        tr, te = d[ids != k], d[ids == k]
        s1 = estimate_pls(tr, BASE)
        W1 = s1.weights.loc[list(d.columns)].to_numpy()
        m1, sd1 = tr.mean().to_numpy(), tr.std(ddof=1).to_numpy()
        ix, im = s1.model.names.index("X"), s1.model.names.index("M")
        # stage-1 scores of training and test respondents, with the training moments
        sc_tr = ((tr.to_numpy() - m1) / sd1) @ W1
        sc_te = ((te.to_numpy() - m1) / sd1) @ W1
        tr2 = tr.assign(xm=sc_tr[:, ix] * sc_tr[:, im])
        te2 = te.assign(xm=sc_te[:, ix] * sc_te[:, im])
        s2 = estimate_pls(tr2, BASE + "\nXM =~ xm\nY ~ XM")
        cols = list(tr2.columns)
        m2, sd2 = tr2.mean().to_numpy(), tr2.std(ddof=1).to_numpy()
        Z = ((te2.to_numpy() - m2) / sd2) @ s2.weights.loc[cols].to_numpy()
        y_hat = Z @ s2.paths["Y"].reindex(s2.model.names).to_numpy()
        k_y = [cols.index(i) for i in ys]
        lam = s2.loadings.loc[ys, "Y"].to_numpy()
        pls[ids == k] = m2[k_y] + sd2[k_y] * np.outer(y_hat, lam)
        A = np.column_stack([np.ones(len(tr2)), tr2[exo + ["xm"]].to_numpy()])
        beta = np.linalg.lstsq(A, tr2[ys].to_numpy(), rcond=None)[0]
        lm[ids == k] = np.column_stack([np.ones(len(te2)), te2[exo + ["xm"]].to_numpy()]) @ beta
        naive[ids == k] = m2[k_y]
    actual = d[ys].to_numpy()
    e, el = actual - pls, actual - lm
    return pd.DataFrame({
        "item": ys, "rmse": np.sqrt((e ** 2).mean(axis=0)), "mae": np.abs(e).mean(axis=0),
        "q2_predict": 1 - (e ** 2).sum(axis=0) / ((actual - naive) ** 2).sum(axis=0),
        "lm_rmse": np.sqrt((el ** 2).mean(axis=0)), "lm_mae": np.abs(el).mean(axis=0)})


def test_predictions_equal_the_two_stage_steps_on_training_folds(data):
    ids = np.random.default_rng(4).permutation(np.arange(len(data)) % 5)
    got = predict_pls(data, MODEL, fold_ids=ids[None, :])
    want = _by_hand(data, ids)
    assert list(got.items["item"]) == ["y1", "y2", "y3"]
    for k in ("rmse", "mae", "q2_predict", "lm_rmse", "lm_mae"):
        np.testing.assert_allclose(got.items[k], want[k], rtol=0, atol=1e-10, err_msg=k)
    assert got.settings["interaction"] == {"method": "two_stage", "terms": ["X:M"]}
    # the term predicts: lower out-of-sample errors than the main-effects model's
    plain = predict_pls(data, BASE, fold_ids=ids[None, :])
    assert (got.items["rmse"] < plain.items["rmse"]).all()


def test_a_run_style_section_of_the_interaction_model(data):
    section, warns = predict_section(data, MODEL, seed=3)
    direct = predict_pls(data, MODEL, folds=10, repeats=10, seed=3)
    assert warns == [] and section["settings"]["interaction"]["terms"] == ["X:M"]
    got = pd.DataFrame(section["items"])
    for k in ("rmse", "mae", "q2_predict", "lm_rmse"):
        np.testing.assert_allclose(got[k], direct.items[k], rtol=0, atol=1e-12)
