"""Observed-score regressions checked against closed forms and parameter recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.structural.regression import RegressionInputError, ols_table, ordinal_logit


def _data(n=300, seed=5):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)) @ np.array([[1, .3, .2], [0, 1, .4], [0, 0, 1]])
    y = 1 + x @ np.array([.6, -.3, .1]) + rng.normal(size=n) * (1 + .5 * np.abs(x[:, 0]))
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "y": y})


def test_ols_hc3_betas_and_vif_match_closed_forms():
    df = _data()
    res = ols_table(df, "y", ["a", "b", "c"])
    t = res.table.set_index("term")
    X = np.column_stack([np.ones(len(df)), df[["a", "b", "c"]].to_numpy()])
    y = df["y"].to_numpy()
    xtx_inv = np.linalg.inv(X.T @ X)
    b = xtx_inv @ X.T @ y
    e = y - X @ b
    h = np.einsum("ij,jk,ik->i", X, xtx_inv, X)
    meat = X.T @ np.diag(e**2 / (1 - h) ** 2) @ X  # HC3 (MacKinnon & White 1985)
    se = np.sqrt(np.diag(xtx_inv @ meat @ xtx_inv))
    assert t["est"].to_numpy() == pytest.approx(b, abs=1e-10)
    assert t["se"].to_numpy() == pytest.approx(se, abs=1e-10)
    z = (df - df.mean()) / df.std(ddof=1)
    beta = np.linalg.lstsq(z[["a", "b", "c"]].to_numpy(), z["y"].to_numpy(), rcond=None)[0]
    assert t.loc[["a", "b", "c"], "std.all"].to_numpy() == pytest.approx(beta, abs=1e-10)
    for j in "abc":
        others = [k for k in "abc" if k != j]
        Xo = np.column_stack([np.ones(len(df)), df[others].to_numpy()])
        fit = np.linalg.lstsq(Xo, df[j].to_numpy(), rcond=None)[0]
        r2 = 1 - np.var(df[j] - Xo @ fit) / np.var(df[j])
        assert t.loc[j, "vif"] == pytest.approx(1 / (1 - r2), rel=1e-8)
    assert res.stats["r2"] == pytest.approx(1 - e.var() / y.var(), abs=1e-10)


def test_ordinal_logit_recovers_known_slopes():
    rng = np.random.default_rng(42)
    n = 4000
    x = rng.normal(size=(n, 2))
    latent = x @ np.array([0.8, -0.5]) + rng.logistic(size=n)
    cuts = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    y = np.searchsorted(cuts, latent)  # categories 0..5
    df = pd.DataFrame({"ltr": y, "aff": x[:, 0], "forced": x[:, 1]})
    res = ordinal_logit(df, "ltr", ["aff", "forced"])
    t = res.table.set_index("term")
    assert t.loc["aff", "est"] == pytest.approx(0.8, abs=0.08)
    assert t.loc["forced", "est"] == pytest.approx(-0.5, abs=0.08)
    assert t.loc["aff", "odds_ratio"] == pytest.approx(np.exp(t.loc["aff", "est"]))
    assert res.stats["n_categories"] == 6


def test_listwise_drop_is_counted_and_bad_input_is_named():
    df = _data()
    df.loc[:9, "a"] = np.nan
    res = ols_table(df, "y", ["a", "b"])
    assert res.n == len(df) - 10 and res.stats["n_dropped"] == 10
    with pytest.raises(RegressionInputError, match="not in the data"):
        ols_table(df, "y", ["zz"])
    df["k"] = 3.0
    with pytest.raises(RegressionInputError, match="constant"):
        ols_table(df, "y", ["b", "k"])
    with pytest.raises(RegressionInputError, match="categories"):
        ordinal_logit(df.assign(two=(df.b > 0).astype(int)), "two", ["c"])
