"""Tests for analysis.psychometrics.reliability against psych 2.2.9, semTools 0.5-6 and lavaan 0.6-14.

Reference numbers come from tests/data/psy_reference.R; the R call is quoted with each value.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from semopy.examples import holzinger39

from analysis.psychometrics.items import (
    ConstantItemError,
    PsychometricInputError,
    TooFewItemsError,
    reverse_items,
)
from analysis.psychometrics.reliability import (
    Measurement,
    alpha_table,
    composite_reliability,
    cronbach_alpha,
    feldt_ci,
    omega,
    omega_congeneric,
    ordinal_reliability,
)

TOL = 1e-6
DATA = Path(__file__).parent / "data"
HS_FACTORS = {
    "visual": ["x1", "x2", "x3"],
    "textual": ["x4", "x5", "x6"],
    "speed": ["x7", "x8", "x9"],
}

# lavaan: fit <- cfa(HS.model, data = HolzingerSwineford1939)
#         parameterEstimates(fit, standardized = TRUE)[, c("lhs","op","rhs","est","std.all")]
# with HS.model <- "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
HS_ESTIMATES = pd.DataFrame(
    [
        ("visual", "=~", "x1", 1.000000000000, 0.771880420352),
        ("visual", "=~", "x2", 0.553500293764, 0.423600991988),
        ("visual", "=~", "x3", 0.729370209767, 0.581132323928),
        ("textual", "=~", "x4", 1.000000000000, 0.851582222378),
        ("textual", "=~", "x5", 1.113076578119, 0.855065446373),
        ("textual", "=~", "x6", 0.926146236632, 0.838010073942),
        ("speed", "=~", "x7", 1.000000000000, 0.569514683990),
        ("speed", "=~", "x8", 1.179950839471, 0.723044432770),
        ("speed", "=~", "x9", 1.081530156859, 0.665009218816),
        ("x1", "~~", "x1", 0.549053973199, 0.404200616677),
        ("x2", "~~", "x2", 1.133839016484, 0.820562199587),
        ("x3", "~~", "x3", 0.844324045708, 0.662285222086),
        ("x4", "~~", "x4", 0.371172992837, 0.274807718530),
        ("x5", "~~", "x5", 0.446255070260, 0.268863082420),
        ("x6", "~~", "x6", 0.356202664279, 0.297739115972),
        ("x7", "~~", "x7", 0.799391638325, 0.675653024720),
        ("x8", "~~", "x8", 0.487697083769, 0.477206748241),
        ("x9", "~~", "x9", 0.566131293574, 0.557762738890),
        ("visual", "~~", "visual", 0.809315981091, 1.000000000000),
        ("textual", "~~", "textual", 0.979491372860, 1.000000000000),
        ("speed", "~~", "speed", 0.383747649264, 1.000000000000),
        ("visual", "~~", "textual", 0.408232442096, 0.458509300356),
        ("visual", "~~", "speed", 0.262224602049, 0.470534544464),
        ("textual", "~~", "speed", 0.173494684581, 0.282984730416),
    ],
    columns=["lhs", "op", "rhs", "est", "std.all"],
)


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return holzinger39.get_data()


@pytest.fixture(scope="module")
def bfi_agree() -> pd.DataFrame:
    """psych's bfi A1-A5 read through R (GPL data: not vendored), A1 reversed as 7 - x."""
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript not available")
    proc = subprocess.run(
        ["Rscript", "-e", 'write.csv(psych::bfi[, paste0("A", 1:5)], stdout(), row.names = FALSE)'],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        pytest.skip("R package psych not available")
    df = pd.read_csv(io.StringIO(proc.stdout))
    assert df.sum().tolist() == [6719, 13317, 12771, 13070, 12696]  # same data as the reference
    return reverse_items(df, ["A1"], scale_min=1, scale_max=6)


# --------------------------------------------------------------------------- alpha


def test_alpha_and_feldt_ci_match_psych_on_holzinger(hs):
    out = alpha_table(hs, HS_FACTORS).set_index("construct")
    # psych::alpha(X[, fac[[f]]])$total$raw_alpha / $std.alpha / $feldt
    ref = {
        "visual": (0.6261171319, 0.6271838544, 0.5465033371, 0.6937533462),
        "textual": (0.8827069129, 0.8848435201, 0.8577307811, 0.9039254844),
        "speed": (0.6884550230, 0.6896036134, 0.6221153215, 0.7448141788),
    }
    for f, (raw, std, low, high) in ref.items():
        assert out.loc[f, "alpha"] == pytest.approx(raw, abs=TOL)
        assert out.loc[f, "std_alpha"] == pytest.approx(std, abs=TOL)
        assert out.loc[f, "feldt_low"] == pytest.approx(low, abs=TOL)
        assert out.loc[f, "feldt_high"] == pytest.approx(high, abs=TOL)
        assert out.loc[f, "n_obs"] == 301 and out.loc[f, "n_items"] == 3


def test_alpha_bfi_agreeableness_pairwise_and_listwise(bfi_agree):
    items = [f"A{i}" for i in range(1, 6)]
    res = cronbach_alpha(bfi_agree, items, construct="agreeableness")
    # psych::alpha(bfi[, paste0("A", 1:5)], keys = "A1")
    assert res.alpha == pytest.approx(0.7030184461, abs=TOL)
    assert res.std_alpha == pytest.approx(0.7130285787, abs=TOL)
    assert res.feldt_low == pytest.approx(0.6852643259, abs=TOL)
    assert res.feldt_high == pytest.approx(0.7200633899, abs=TOL)
    assert res.n_obs == 2800
    # psych::alpha(A[complete.cases(A), ]) with A1 reversed: 2709 complete rows
    lw = cronbach_alpha(bfi_agree, items, missing="listwise")
    assert lw.alpha == pytest.approx(0.7037558944, abs=TOL)
    assert lw.n_obs == 2709
    json.dumps(res.to_dict(), allow_nan=False)


def test_feldt_ci_closed_form_inverts_f_distribution():
    from scipy import stats

    low, high = feldt_ci(0.8, n_obs=101, n_items=5, level=0.90)
    # (1 - alpha)/(1 - bound) are the F(100, 400) quantiles at .95 and .05
    assert (1 - 0.8) / (1 - low) == pytest.approx(1 / stats.f.ppf(0.95, 100, 400))
    assert (1 - 0.8) / (1 - high) == pytest.approx(1 / stats.f.ppf(0.05, 100, 400))


def test_bootstrap_ci_agrees_with_psych_bootstrap_and_is_reproducible(hs):
    a = cronbach_alpha(hs, HS_FACTORS["textual"], n_boot=1000, seed=11)
    b = cronbach_alpha(hs, HS_FACTORS["textual"], n_boot=1000, seed=11)
    assert (a.bootstrap_low, a.bootstrap_high) == (b.bootstrap_low, b.bootstrap_high)
    # set.seed(2); psych::alpha(X[, fac$textual], n.iter = 5000)$boot.ci (2.5%, 97.5%):
    # 0.8582, 0.9017. Different random streams: Monte Carlo tolerance .01.
    assert a.bootstrap_low == pytest.approx(0.8582240774, abs=0.01)
    assert a.bootstrap_high == pytest.approx(0.9017196903, abs=0.01)
    assert a.n_boot == 1000 and a.seed == 11
    with pytest.raises(PsychometricInputError, match="seed"):
        cronbach_alpha(hs, HS_FACTORS["textual"], n_boot=100)


def test_alpha_bad_input(hs):
    with pytest.raises(TooFewItemsError, match="construct 'one'"):
        cronbach_alpha(hs, ["x1"], construct="one")
    df = hs[["x1", "x2"]].assign(k=1.0)
    with pytest.raises(ConstantItemError, match="'k'"):
        cronbach_alpha(df, ["x1", "x2", "k"])
    with pytest.raises(PsychometricInputError, match="missing"):
        cronbach_alpha(hs, ["x1", "x2"], missing="mean")
    with pytest.raises(PsychometricInputError, match="reverse-key"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2, 3, 4], "b": [4, 3, 2, 1]}))


# --------------------------------------------------------------------------- omega


def test_omega_congeneric_closed_form_equals_semtools_model_based():
    lam = [1.0, 0.553500293764, 0.729370209767]
    theta = [0.549053973199, 1.133839016484, 0.844324045708]
    # semTools::compRelSEM(fit, obs.var = FALSE)["visual"]
    value = omega_congeneric(lam, theta, factor_variance=0.809315981091)
    assert value == pytest.approx(0.6253180156, abs=TOL)
    # standardized loadings give the same omega as the standardized solution's rho_c
    std = [0.771880420352, 0.423600991988, 0.581132323928]
    assert omega_congeneric(std, [1 - v**2 for v in std]) == pytest.approx(0.6258384444, abs=TOL)


def test_omega_with_residual_covariance_closed_form():
    # 3 items, loadings .7, residual variances .51 and a residual covariance of .1 (items 1, 2)
    tc = np.zeros((3, 3))
    tc[0, 1] = tc[1, 0] = 0.1
    expected = 2.1**2 / (2.1**2 + 3 * 0.51 + 2 * 0.1)
    assert omega_congeneric([0.7] * 3, [0.51] * 3, residual_covariances=tc) == pytest.approx(
        expected
    )


def test_omega_from_parameter_table_matches_semtools_comprelsem(hs):
    # semTools::compRelSEM(fit): obs.var = TRUE is the default (sample covariance, divisor N)
    obs = omega(HS_ESTIMATES, data=hs)
    np.testing.assert_allclose(obs["omega"], [0.6120051511, 0.8850607732, 0.6858416922], atol=TOL)
    assert obs["construct"].tolist() == ["visual", "textual", "speed"]
    assert (obs["denominator"] == "observed").all()
    # semTools::compRelSEM(fit, obs.var = FALSE)
    model = omega(HS_ESTIMATES)
    np.testing.assert_allclose(model["omega"], [0.6253180156, 0.8851753603, 0.6877600372], atol=TOL)
    assert (model["denominator"] == "model").all()
    # the same from an observed covariance matrix (divisor N)
    cov = hs[[f"x{i}" for i in range(1, 10)]].cov(ddof=0)
    np.testing.assert_allclose(omega(HS_ESTIMATES, observed_cov=cov)["omega"], obs["omega"])
    json.loads(obs.to_json())


def test_composite_reliability_matches_standardized_closed_form():
    # R: sum(std.all)^2 / (sum(std.all)^2 + sum(std theta)) per factor (psy_reference.R)
    ref = [0.6258384444, 0.8850013355, 0.6913735808]
    np.testing.assert_allclose(
        composite_reliability(HS_ESTIMATES)["composite_reliability"], ref, atol=TOL
    )
    np.testing.assert_allclose(
        composite_reliability(HS_ESTIMATES, column="std.all")["composite_reliability"],
        ref,
        atol=TOL,
    )


def test_measurement_standardizes_like_lavaan_std_all():
    m = Measurement.from_estimates(HS_ESTIMATES).standardized()
    std = HS_ESTIMATES[HS_ESTIMATES["op"] == "=~"]
    for row in std.itertuples(index=False):
        assert m.loadings.loc[row.rhs, row.lhs] == pytest.approx(row[4], abs=1e-9)
    corr = Measurement.from_estimates(HS_ESTIMATES).factor_corr()
    assert corr.loc["visual", "textual"] == pytest.approx(0.458509300356, abs=1e-9)
    json.dumps(m.to_dict(), allow_nan=False)


def test_measurement_from_plain_loadings():
    m = Measurement.from_loadings({"f": {"a": 0.8, "b": 0.7, "c": 0.6}})
    assert np.diag(m.residual_cov) == pytest.approx([0.36, 0.51, 0.64])
    out = omega(m)
    assert out["omega"].iloc[0] == pytest.approx(2.1**2 / (2.1**2 + 1.51))


def test_parameter_table_errors():
    with pytest.raises(PsychometricInputError, match="columns"):
        Measurement.from_estimates(HS_ESTIMATES.drop(columns="est"))
    two = pd.concat([HS_ESTIMATES.assign(group=1), HS_ESTIMATES.assign(group=2)])
    with pytest.raises(PsychometricInputError, match="multi-group"):
        Measurement.from_estimates(two)
    no_var = HS_ESTIMATES[~((HS_ESTIMATES["lhs"] == "speed") & (HS_ESTIMATES["rhs"] == "speed"))]
    with pytest.raises(PsychometricInputError, match="speed"):
        Measurement.from_estimates(no_var)
    with pytest.raises(PsychometricInputError, match="observed"):
        omega(HS_ESTIMATES, denominator="observed")
    with pytest.raises(PsychometricInputError, match="Heywood"):
        omega_congeneric([0.9, 0.8], [-0.1, 0.3])
    with pytest.raises(TooFewItemsError):
        omega_congeneric([0.9], [0.2])


# --------------------------------------------------------------------------- ordinal


def test_ordinal_alpha_and_omega_match_psych_on_polychoric_matrix():
    data = pd.read_csv(DATA / "psy_ordinal.csv")
    res = ordinal_reliability(data, construct="q")
    # R <- lavInspect(lavCor(O, ordered = names(O), output = "fit"), "sampstat")$cov
    # psych::alpha(R)$total$raw_alpha
    assert res.ordinal_alpha == pytest.approx(0.8460752486, abs=1e-5)
    # l <- fa(R, 1, fm = "minres")$loadings; sum(l)^2 / (sum(l)^2 + sum(1 - l^2))
    assert res.ordinal_omega == pytest.approx(0.8488595375, abs=1e-5)
    # psych::omega(R, nfactors = 1)$omega.tot
    assert res.ordinal_omega_observed == pytest.approx(0.8488344490, abs=1e-5)
    ref_l = [0.8033980447, 0.6719013638, 0.6248898703, 0.8185720847, 0.5862148387, 0.6509204475]
    np.testing.assert_allclose(list(res.loadings.values()), ref_l, atol=1e-5)
    # ordinal alpha exceeds Pearson alpha here: psych::alpha(O)$total$raw_alpha = .8246
    assert cronbach_alpha(data).alpha == pytest.approx(0.8246252876, abs=TOL)
    json.dumps(res.to_dict(), allow_nan=False)
