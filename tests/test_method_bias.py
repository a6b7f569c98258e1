"""Tests for analysis.psychometrics.method_bias against R (eigen, psych::fa, lm, car::vif) and closed forms.

Reference numbers come from tests/data/psy_reference.R.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from semopy.examples import holzinger39

from analysis.psychometrics.items import PsychometricInputError, TooFewItemsError
from analysis.psychometrics.method_bias import (
    HARMAN_THRESHOLD,
    KOCK_VIF_THRESHOLD,
    full_collinearity_vif,
    harman_single_factor,
)

TOL = 1e-6
HS_ITEMS = [f"x{i}" for i in range(1, 10)]
HS_FACTORS = {
    "visual": ["x1", "x2", "x3"],
    "textual": ["x4", "x5", "x6"],
    "speed": ["x7", "x8", "x9"],
}


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return holzinger39.get_data()


def exact_corr_data(r: np.ndarray, n: int = 200, seed: int = 0) -> pd.DataFrame:
    """Data whose sample correlation matrix is exactly ``r``."""
    z = np.random.default_rng(seed).standard_normal((n, r.shape[0]))
    z = (z - z.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False)).T)
    return pd.DataFrame(z @ np.linalg.cholesky(r).T, columns=[f"v{i}" for i in range(len(r))])


def equicorrelation(p: int, rho: float) -> np.ndarray:
    return np.full((p, p), rho) + (1 - rho) * np.eye(p)


# --------------------------------------------------------------------------- Harman


def test_harman_matches_r_on_holzinger(hs):
    pca = harman_single_factor(hs, HS_ITEMS)
    # eigen(cor(X))$values[1] / 9
    assert pca.variance_share == pytest.approx(0.3573715757, abs=TOL)
    assert pca.first_factor_variance == pytest.approx(3.2163441814, abs=TOL)
    assert not pca.flagged and pca.threshold == HARMAN_THRESHOLD
    # sum(fa(X, nfactors = 1, rotate = "none", fm = "minres")$loadings^2) / 9
    fa = harman_single_factor(hs, HS_ITEMS, method="fa")
    assert fa.variance_share == pytest.approx(0.2924684564, abs=1e-5)
    json.dumps(pca.to_dict(), allow_nan=False)


def test_harman_closed_form_equicorrelated_items():
    # first eigenvalue of an equicorrelation matrix: 1 + (p - 1) rho
    data = exact_corr_data(equicorrelation(5, 0.8))
    res = harman_single_factor(data)
    assert res.variance_share == pytest.approx((1 + 4 * 0.8) / 5)
    assert res.flagged
    low = harman_single_factor(exact_corr_data(equicorrelation(5, 0.3)))
    assert low.variance_share == pytest.approx((1 + 4 * 0.3) / 5) and not low.flagged


def test_harman_bad_input(hs):
    with pytest.raises(TooFewItemsError):
        harman_single_factor(hs, ["x1"])
    with pytest.raises(PsychometricInputError, match="method"):
        harman_single_factor(hs, HS_ITEMS, method="paf")


# --------------------------------------------------------------------------- Kock VIF


def test_full_collinearity_vif_matches_r_lm(hs):
    out = full_collinearity_vif(hs, HS_FACTORS)
    # 1 / (1 - summary(lm(S[, f] ~ S[, -f]))$r.squared) on the mean scores;
    # car::vif(lm(id ~ visual + textual + speed)) gives the same numbers
    np.testing.assert_allclose(out["vif"], [1.1639909951, 1.1355958031, 1.1053308729], atol=TOL)
    assert out["construct"].tolist() == ["visual", "textual", "speed"]
    np.testing.assert_allclose(out["r_squared"], 1 - 1 / out["vif"])
    assert not out["flagged"].any()
    json.loads(out.to_json())


def test_full_collinearity_vif_closed_form_and_flag():
    # equicorrelated scores: R^2_j = (k-1) rho^2 / (1 + (k-2) rho)
    k, rho = 4, 0.8
    scores = exact_corr_data(equicorrelation(k, rho))
    out = full_collinearity_vif(scores)
    r2 = (k - 1) * rho**2 / (1 + (k - 2) * rho)
    np.testing.assert_allclose(out["r_squared"], r2)
    np.testing.assert_allclose(out["vif"], 1 / (1 - r2))
    assert 1 / (1 - r2) > KOCK_VIF_THRESHOLD and out["flagged"].all()


def test_full_collinearity_vif_bad_input():
    s = pd.DataFrame({"a": [1.0, 2, 3, 4, 5], "b": [2.0, 1, 4, 3, 6]})
    with pytest.raises(PsychometricInputError, match="collinear"):
        full_collinearity_vif(s.assign(c=s["a"] + s["b"]))
    with pytest.raises(TooFewItemsError):
        full_collinearity_vif(s[["a"]])
