"""Tests for analysis.psychometrics.polychoric against lavaan 0.6-14 (lavCor), psych 2.2.9 and closed forms.

tests/data/psy_ordinal.csv: 240 respondents x 6 five-point items, simulated once from a
one-factor latent normal model (numpy seed 20240501) and frozen. Reference numbers come from
tests/data/psy_reference.R.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis.psychometrics.items import ConstantItemError, PsychometricInputError
from analysis.psychometrics.polychoric import (
    bivariate_normal_cdf,
    ordinal_thresholds,
    polychoric,
    polychoric_matrix,
    smooth_correlation,
)

DATA = Path(__file__).parent / "data" / "psy_ordinal.csv"
ITEMS = [f"q{i}" for i in range(1, 7)]

# lavInspect(lavCor(O, ordered = names(O), output = "fit"), "sampstat"): cov[lower.tri], th
LAVCOR_RHO = [
    0.5515508289,
    0.4943604906,
    0.6483150535,
    0.5061601380,
    0.4982171563,
    0.4839629172,
    0.5221683824,
    0.3530964215,
    0.4330480881,
    0.5207110033,
    0.3283453413,
    0.3727004680,
    0.4813887094,
    0.5628594997,
    0.4147691807,
]
LAVCOR_TH = [
    -1.0916203674,
    -0.2967378383,
    0.5485222827,
    1.4106991785,
    -0.9185455311,
    -0.1151410370,
    0.7693818388,
    1.6057296061,
    -1.3829941271,
    -0.5005801055,
    0.2104283942,
    1.1303391750,
    -1.0013312975,
    -0.2104283942,
    0.6356570137,
    1.5010859460,
    -0.7693818388,
    0.0941374143,
    1.0013312975,
    1.8931845347,
    -1.5341205444,
    -0.5607030319,
    0.3296470506,
    1.1918161717,
]
# psych::polychoric(O)$rho[lower.tri] (global thresholds, optimize() tolerance ~1e-4)
PSYCH_RHO = [
    0.5515459736,
    0.4943628496,
    0.6483147016,
    0.5061690472,
    0.4982197958,
    0.4839631954,
    0.5221623054,
    0.3531146296,
    0.4330382027,
    0.5207045554,
    0.3283270466,
    0.3727094905,
    0.4813886952,
    0.5628449997,
    0.4147771867,
]
# same data with q1 missing in rows 0, 7, 14, ... and q2 in rows 2, 13, 24, ...:
# lavCor(O2, ordered = names(O2), missing = "pairwise")
LAVCOR_PAIRWISE_RHO = [
    0.4979392396,
    0.4788395605,
    0.6642368237,
    0.4969965585,
    0.4983390229,
    0.4748933216,
    0.4997643854,
    0.3392209094,
    0.4382635947,
    0.5207110033,
    0.3283453413,
    0.3727004680,
    0.4813887094,
    0.5628594997,
    0.4147691807,
]
LAVCOR_PAIRWISE_TH = [
    -1.0957898949,
    -0.3041998885,
    0.5741686841,
    1.3856504719,
    -0.9552534510,
    -0.0921164679,
    0.7871523956,
    1.6862735700,
]
# fmt: skip


def lower_colmajor(m: np.ndarray) -> np.ndarray:
    """R's m[lower.tri(m)] (column-major order)."""
    p = m.shape[0]
    return np.array([m[i, j] for j in range(p) for i in range(j + 1, p)])


@pytest.fixture(scope="module")
def ordinal() -> pd.DataFrame:
    return pd.read_csv(DATA)


# --------------------------------------------------------------------------- BVN


def test_bvn_cdf_closed_forms():
    # Sheppard: P(X <= 0, Y <= 0) = 1/4 + asin(rho) / (2 pi)
    for rho in (-0.99, -0.95, -0.5, -0.1, 0.2, 0.6, 0.93, 0.999):
        assert bivariate_normal_cdf(0.0, 0.0, rho) == pytest.approx(
            0.25 + np.arcsin(rho) / (2 * np.pi), abs=1e-14
        )
    h, k = np.array([-1.3, 0.2, 2.0]), np.array([0.4, -0.7, 1.1])
    np.testing.assert_allclose(
        bivariate_normal_cdf(h, k, 0.0), stats.norm.cdf(h) * stats.norm.cdf(k), atol=1e-15
    )
    np.testing.assert_allclose(
        bivariate_normal_cdf(h, k, 1.0), stats.norm.cdf(np.minimum(h, k)), atol=1e-15
    )
    np.testing.assert_allclose(
        bivariate_normal_cdf(h, k, -1.0),
        np.maximum(stats.norm.cdf(h) - stats.norm.cdf(-k), 0),
        atol=1e-15,
    )
    assert bivariate_normal_cdf(np.inf, 0.3, 0.5) == pytest.approx(stats.norm.cdf(0.3))
    assert bivariate_normal_cdf(-np.inf, 0.3, 0.5) == 0.0


@settings(max_examples=40, deadline=None)
@given(
    st.floats(-4, 4),
    st.floats(-4, 4),
    st.floats(-0.9995, 0.9995),
)
def test_bvn_cdf_matches_scipy_genz(h, k, rho):
    # scipy's multivariate_normal.cdf (Genz's Fortran MVNDST) as independent reference
    mvn = stats.multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]], abseps=1e-11)
    assert bivariate_normal_cdf(h, k, rho) == pytest.approx(mvn.cdf([h, k]), abs=1e-9)


# --------------------------------------------------------------------------- polychoric


def test_thresholds_match_lavcor(ordinal):
    th = np.concatenate([ordinal_thresholds(ordinal[c])[1] for c in ITEMS])
    np.testing.assert_allclose(th, LAVCOR_TH, atol=1e-9)
    cats, _ = ordinal_thresholds(ordinal["q1"])
    assert cats.tolist() == [1, 2, 3, 4, 5]


def test_polychoric_matrix_matches_lavcor_and_psych(ordinal):
    res = polychoric_matrix(ordinal)
    rho = lower_colmajor(res.corr.to_numpy())
    np.testing.assert_allclose(rho, LAVCOR_RHO, atol=1e-5)
    np.testing.assert_allclose(rho, PSYCH_RHO, atol=1e-4)
    np.testing.assert_allclose(
        np.concatenate([res.thresholds[c] for c in ITEMS]), LAVCOR_TH, atol=1e-9
    )
    assert res.n_obs == 240 and (res.n_pairwise.to_numpy() == 240).all()
    assert res.min_eigenvalue > 0 and not res.smoothed
    json.dumps(res.to_dict(), allow_nan=False)


def test_polychoric_pairwise_missing_matches_lavcor(ordinal):
    o2 = ordinal.astype(float).copy()
    o2.loc[o2.index[::7], "q1"] = np.nan
    o2.loc[o2.index[2::11], "q2"] = np.nan
    res = polychoric_matrix(o2)
    np.testing.assert_allclose(lower_colmajor(res.corr.to_numpy()), LAVCOR_PAIRWISE_RHO, atol=1e-5)
    np.testing.assert_allclose(res.thresholds["q1"] + res.thresholds["q2"], LAVCOR_PAIRWISE_TH)
    assert res.n_pairwise.loc["q1", "q1"] == 240 - 35
    assert res.n_pairwise.loc["q1", "q2"] == int((o2["q1"].notna() & o2["q2"].notna()).sum())


def test_tetrachoric_special_case_matches_lavcor(ordinal):
    b1 = (ordinal["q1"] >= 3).astype(int)
    b2 = (ordinal["q2"] >= 3).astype(int)
    res = polychoric(b1, b2)
    assert res.table == [[59, 33], [50, 98]]  # table(B) in R
    # lavCor(B, ordered = names(B)); psych::tetrachoric(B, correct = 0) = 0.4545976
    assert res.rho == pytest.approx(0.4545802258, abs=1e-5)
    # closed form of the ML estimate: the model reproduces the observed 2x2 table exactly
    p00 = bivariate_normal_cdf(res.thresholds_x[0], res.thresholds_y[0], res.rho)
    assert p00 == pytest.approx(59 / 240, abs=1e-6)
    json.dumps(res.to_dict(), allow_nan=False)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 14), st.sampled_from([1, 2]))
def test_polychoric_invariant_to_monotone_recoding_and_flips_sign(ordinal_pair_idx, power):
    ordinal = pd.read_csv(DATA)
    a, b = [(i, j) for i in range(6) for j in range(i + 1, 6)][ordinal_pair_idx]
    x, y = ordinal[ITEMS[a]], ordinal[ITEMS[b]]
    base = polychoric(x, y).rho
    assert polychoric(10 * x**power + 3, y).rho == pytest.approx(base, abs=1e-7)
    assert polychoric(6 - x, y).rho == pytest.approx(-base, abs=1e-7)


def test_smooth_correlation_makes_matrix_positive_definite():
    r = np.array([[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]])
    assert np.linalg.eigvalsh(r).min() < 0
    s = smooth_correlation(r)
    assert np.linalg.eigvalsh(s).min() > 0
    np.testing.assert_allclose(np.diag(s), 1.0)
    np.testing.assert_allclose(s, s.T)


def test_polychoric_bad_input(ordinal):
    with pytest.raises(PsychometricInputError, match="max_categories"):
        polychoric_matrix(ordinal.assign(cont=np.linspace(0, 1, len(ordinal))))
    with pytest.raises(ConstantItemError, match="'k'"):
        polychoric_matrix(ordinal.assign(k=3))
    with pytest.raises(PsychometricInputError, match="rho"):
        bivariate_normal_cdf(0.0, 0.0, 1.5)
