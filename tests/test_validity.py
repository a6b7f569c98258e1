"""Tests for analysis.psychometrics.validity against semTools 0.5-6 / lavaan 0.6-14 and closed forms.

Reference numbers come from tests/data/psy_reference.R; the R call is quoted with each value.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from semopy.examples import holzinger39

from analysis.psychometrics.items import PsychometricInputError, TooFewItemsError
from analysis.psychometrics.reliability import Measurement
from analysis.psychometrics.validity import (
    HTMT_THRESHOLDS,
    average_variance_extracted,
    convergent_validity,
    cross_loadings,
    fornell_larcker,
    htmt,
)

TOL = 1e-6
HS_FACTORS = {
    "visual": ["x1", "x2", "x3"],
    "textual": ["x4", "x5", "x6"],
    "speed": ["x7", "x8", "x9"],
}
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"

# lavaan: parameterEstimates(cfa(HS.model, data = HolzingerSwineford1939))[, 1:4] (est)
HS_ESTIMATES = pd.DataFrame(
    [
        ("visual", "=~", "x1", 1.000000000000),
        ("visual", "=~", "x2", 0.553500293764),
        ("visual", "=~", "x3", 0.729370209767),
        ("textual", "=~", "x4", 1.000000000000),
        ("textual", "=~", "x5", 1.113076578119),
        ("textual", "=~", "x6", 0.926146236632),
        ("speed", "=~", "x7", 1.000000000000),
        ("speed", "=~", "x8", 1.179950839471),
        ("speed", "=~", "x9", 1.081530156859),
        ("x1", "~~", "x1", 0.549053973199),
        ("x2", "~~", "x2", 1.133839016484),
        ("x3", "~~", "x3", 0.844324045708),
        ("x4", "~~", "x4", 0.371172992837),
        ("x5", "~~", "x5", 0.446255070260),
        ("x6", "~~", "x6", 0.356202664279),
        ("x7", "~~", "x7", 0.799391638325),
        ("x8", "~~", "x8", 0.487697083769),
        ("x9", "~~", "x9", 0.566131293574),
        ("visual", "~~", "visual", 0.809315981091),
        ("textual", "~~", "textual", 0.979491372860),
        ("speed", "~~", "speed", 0.383747649264),
        ("visual", "~~", "textual", 0.408232442096),
        ("visual", "~~", "speed", 0.262224602049),
        ("textual", "~~", "speed", 0.173494684581),
    ],
    columns=["lhs", "op", "rhs", "est"],
)


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return holzinger39.get_data()


# --------------------------------------------------------------------------- AVE / CR


def test_ave_matches_semtools(hs):
    # semTools::AVE(fit) (obs.var = TRUE: observed item variances, divisor N)
    obs = average_variance_extracted(HS_ESTIMATES, data=hs)
    np.testing.assert_allclose(obs["ave"], [0.3705588726, 0.7210162828, 0.4244882926], atol=TOL)
    assert (obs["denominator"] == "observed").all()
    # semTools::AVE(fit, obs.var = FALSE)
    model = average_variance_extracted(HS_ESTIMATES)
    np.testing.assert_allclose(model["ave"], [0.3705589447, 0.7210163492, 0.4244883298], atol=1e-9)
    # standardized variant: mean squared standardized loading (lavaan std.all), closed form
    stdz = average_variance_extracted(HS_ESTIMATES, denominator="standardized")
    assert (stdz["denominator"] == "standardized").all()
    std = {
        "visual": [0.771880420352, 0.423600991988, 0.581132323928],
        "textual": [0.851582222378, 0.855065446373, 0.838010073942],
        "speed": [0.569514683990, 0.723044432770, 0.665009218816],
    }
    np.testing.assert_allclose(
        stdz["ave"], [np.mean(np.square(v)) for v in std.values()], atol=1e-9
    )
    np.testing.assert_allclose(model["sqrt_ave"], np.sqrt(model["ave"]))


def test_convergent_validity_table(hs):
    out = convergent_validity(HS_ESTIMATES, data=hs).set_index("construct")
    np.testing.assert_allclose(
        out["composite_reliability"], [0.6258384444, 0.8850013355, 0.6913735808], atol=TOL
    )
    np.testing.assert_allclose(out["omega"], [0.6120051511, 0.8850607732, 0.6858416922], atol=TOL)
    np.testing.assert_allclose(out["ave"], [0.3705588726, 0.7210162828, 0.4244882926], atol=TOL)
    assert out["cr_ok"].tolist() == [False, True, False]
    assert out["ave_ok"].tolist() == [False, True, False]
    json.loads(out.to_json())


def test_ave_skips_cross_loading_and_single_indicator_factors():
    m = Measurement.from_loadings(
        {"f": {"a": 0.7, "b": 0.7, "c": 0.3}, "g": {"c": 0.5, "d": 0.6, "e": 0.6}, "h": {"k": 0.9}}
    )
    out = average_variance_extracted(m)
    assert out["construct"].tolist() == []  # f and g share item c; h has one indicator


# --------------------------------------------------------------------------- Fornell-Larcker


def test_fornell_larcker_on_holzinger(hs):
    res = fornell_larcker(HS_ESTIMATES, data=hs)
    # lavInspect(fit, "cor.lv")[lower.tri]: v-t, v-s, t-s
    np.testing.assert_allclose(
        res.pairs["correlation"], [0.4585093004, 0.4705345445, 0.2829847304], atol=TOL
    )
    assert res.table.loc["visual", "visual"] == pytest.approx(np.sqrt(0.3705588726), abs=TOL)
    assert res.table.loc["speed", "textual"] == pytest.approx(0.2829847304, abs=TOL)
    assert res.pairs["passed"].all() and res.passed
    json.dumps(res.to_dict(), allow_nan=False)


def test_fornell_larcker_fails_when_correlation_exceeds_sqrt_ave():
    # standardized loadings .6 (AVE .36, sqrt .6) and .8 (AVE .64, sqrt .8); r = .7
    phi = pd.DataFrame([[1.0, 0.7], [0.7, 1.0]], index=["a", "b"], columns=["a", "b"])
    m = Measurement.from_loadings(
        {"a": {"a1": 0.6, "a2": 0.6, "a3": 0.6}, "b": {"b1": 0.8, "b2": 0.8, "b3": 0.8}},
        factor_corr=phi,
    )
    res = fornell_larcker(m)
    row = res.pairs.iloc[0]
    assert row["sqrt_ave_a"] == pytest.approx(0.6) and row["sqrt_ave_b"] == pytest.approx(0.8)
    assert not row["passed"] and not res.passed


# --------------------------------------------------------------------------- HTMT


def test_htmt_and_htmt2_match_semtools(hs):
    # semTools::htmt(HS.model, data = HolzingerSwineford1939, htmt2 = FALSE)[lower.tri]
    ari = htmt(hs, HS_FACTORS)
    np.testing.assert_allclose(
        ari.pairs["htmt"], [0.4243230424, 0.4665497385, 0.2895678628], atol=TOL
    )
    assert ari.pairs[["construct_a", "construct_b"]].values.tolist() == [
        ["visual", "textual"],
        ["visual", "speed"],
        ["textual", "speed"],
    ]
    assert ari.matrix.loc["speed", "visual"] == pytest.approx(0.4665497385, abs=TOL)
    # semTools::htmt(..., htmt2 = TRUE)
    geo = htmt(hs, HS_FACTORS, method="geometric")
    np.testing.assert_allclose(
        geo.pairs["htmt"], [0.3840885639, 0.3867729305, 0.2796835510], atol=TOL
    )
    assert geo.pairs["below_0.85"].all() and geo.pairs["below_1"].all()
    assert "ci.upper" not in geo.pairs


def test_htmt_closed_form_two_constructs():
    # items with an exact correlation matrix: within a .6 / .5, between .3
    r = np.full((4, 4), 0.3)
    r[:2, :2], r[2:, 2:] = 0.6, 0.5
    np.fill_diagonal(r, 1.0)
    z = np.random.default_rng(0).standard_normal((200, 4))
    z = (z - z.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False)).T)
    data = pd.DataFrame(z @ np.linalg.cholesky(r).T, columns=["a1", "a2", "b1", "b2"])
    res = htmt(data, {"a": ["a1", "a2"], "b": ["b1", "b2"]})
    assert res.pairs["htmt"].iloc[0] == pytest.approx(0.3 / np.sqrt(0.6 * 0.5))
    res2 = htmt(data, {"a": ["a1", "a2"], "b": ["b1", "b2"]}, method="geometric")
    assert res2.pairs["htmt"].iloc[0] == pytest.approx(0.3 / np.sqrt(0.6 * 0.5))


def test_htmt_bootstrap_agrees_with_r_bootstrap(hs):
    res = htmt(hs, HS_FACTORS, n_boot=1000, seed=7)
    again = htmt(hs, HS_FACTORS, n_boot=1000, seed=7)
    pd.testing.assert_frame_equal(res.pairs, again.pairs)
    # set.seed(3); 2000 row resamples of semTools::htmt(htmt2 = FALSE): 5% and 95% quantiles
    # (the default 90% interval). Different random streams: Monte Carlo tolerance .02
    # (bootstrap SDs .06-.07).
    np.testing.assert_allclose(
        res.pairs["ci.lower"], [0.3001230960, 0.3752909078, 0.1726041095], atol=0.02
    )
    np.testing.assert_allclose(
        res.pairs["ci.upper"], [0.5454568876, 0.5745372289, 0.4117741120], atol=0.02
    )
    assert (res.pairs["ci.lower"] < res.pairs["htmt"]).all()
    assert (res.pairs["htmt"] < res.pairs["ci.upper"]).all()
    for t in HTMT_THRESHOLDS:
        assert res.pairs[f"ci_upper_below_{t:g}"].tolist() == (res.pairs["ci.upper"] < t).tolist()
    assert res.n_boot_valid == 1000 and res.seed == 7
    json.dumps(res.to_dict(), allow_nan=False)


def test_htmt2_bootstrap_agrees_with_r_bootstrap(hs):
    res = htmt(hs, HS_FACTORS, method="geometric", n_boot=1000, seed=8)
    # same R resamples, semTools::htmt(htmt2 = TRUE)
    np.testing.assert_allclose(
        res.pairs["ci.lower"], [0.1983879065, 0.2205527304, 0.1230484021], atol=0.025
    )
    np.testing.assert_allclose(
        res.pairs["ci.upper"], [0.5184257940, 0.4829767794, 0.4014923428], atol=0.025
    )


def test_htmt_pairwise_equals_listwise_without_missing_and_uses_all_rows(hs):
    lw = htmt(hs, HS_FACTORS)
    pw = htmt(hs, HS_FACTORS, missing="pairwise")
    np.testing.assert_allclose(pw.pairs["htmt"], lw.pairs["htmt"])
    holes = hs.copy()
    holes.loc[holes.index[:10], "x1"] = np.nan
    assert htmt(holes, HS_FACTORS).n_obs == 291
    assert htmt(holes, HS_FACTORS, missing="pairwise").n_obs == 301


def test_htmt_flags_use_configurable_thresholds(hs):
    res = htmt(hs, HS_FACTORS, thresholds={0.3: "test cut-off"})
    assert res.pairs["below_0.3"].tolist() == [False, False, True]
    assert list(res.thresholds) == [0.3]


def test_htmt_bad_input(hs):
    with pytest.raises(TooFewItemsError, match="construct 'solo'"):
        htmt(hs, {"solo": ["x1"], "textual": HS_FACTORS["textual"]})
    with pytest.raises(PsychometricInputError, match="more than one construct"):
        htmt(hs, {"a": ["x1", "x2"], "b": ["x2", "x3"]})
    with pytest.raises(PsychometricInputError, match="seed"):
        htmt(hs, HS_FACTORS, n_boot=100)
    with pytest.raises(PsychometricInputError, match="at least 2 constructs"):
        htmt(hs, {"visual": HS_FACTORS["visual"]})


# --------------------------------------------------------------------------- cross-loadings


def test_cross_loadings_match_r(hs):
    out = cross_loadings(hs, HS_FACTORS).set_index("item")
    # cor(X, sapply(fac, function(v) rowMeans(X[, v])))
    ref = np.array(
        [
            [0.7666367589, 0.3757707319, 0.2837967053],
            [0.7259515674, 0.1776205890, 0.0895877011],
            [0.7779148459, 0.1563915117, 0.2448697187],
            [0.3021763392, 0.8999274959, 0.2076316430],
            [0.2258947800, 0.9157492477, 0.1968932627],
            [0.3296169929, 0.8882805780, 0.2044294133],
            [0.0267401508, 0.1457336774, 0.7882280645],
            [0.2207391617, 0.1459160021, 0.8168255503],
            [0.4069083221, 0.2404738804, 0.7509000101],
        ]
    )
    np.testing.assert_allclose(out[["visual", "textual", "speed"]].to_numpy(), ref, atol=TOL)
    assert out["highest_on_own"].all()
    assert out.loc["x9", "max_cross_loading"] == pytest.approx(0.4069083221, abs=TOL)
    json.loads(out.to_json())


def test_cross_loadings_flags_an_item_closer_to_another_construct(hs):
    swapped = {"visual": ["x1", "x2", "x3", "x4"], "textual": ["x5", "x6"], "speed": ["x7", "x8"]}
    out = cross_loadings(hs, swapped).set_index("item")
    assert not out.loc["x4", "highest_on_own"]  # x4 correlates .9 with x5 + x6


# --------------------------------------------------------------------------- SEM core


def test_works_with_the_sem_core_estimates(hs):
    sem = pytest.importorskip("analysis.sem")
    fit = sem.fit(HS_MODEL, hs)
    # same semTools references as above (compRelSEM / AVE), fed from analysis.sem
    out = convergent_validity(fit.estimates, data=hs)
    np.testing.assert_allclose(out["omega"], [0.6120051511, 0.8850607732, 0.6858416922], atol=1e-5)
    np.testing.assert_allclose(out["ave"], [0.3705588726, 0.7210162828, 0.4244882926], atol=1e-5)
    fl = fornell_larcker(fit.estimates, data=hs)
    np.testing.assert_allclose(
        fl.pairs["correlation"], [0.4585093004, 0.4705345445, 0.2829847304], atol=1e-5
    )


@pytest.mark.parametrize("geometric", [False, True])
def test_htmt_block_sums_equal_the_definition_item_by_item(geometric):
    """The matrix-product HTMT equals Henseler et al.'s definition computed pair by pair
    (means of |r| over item pairs), also with an exact zero correlation (HTMT2's log route)."""
    from analysis.psychometrics.validity import _htmt_matrix

    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 9)) + np.repeat(rng.normal(size=(200, 3)), 3, axis=1)
    r = np.corrcoef(x, rowvar=False)
    blocks = [np.arange(0, 3), np.arange(3, 5), np.arange(5, 9)]
    for zero in (False, True):
        if zero:
            r[0, 4] = r[4, 0] = 0.0
        def mean(v):
            if not geometric:
                return np.mean(v)
            with np.errstate(divide="ignore"):  # log(0) = -inf on purpose: the mean is then 0
                return np.exp(np.mean(np.log(v)))
        a = np.abs(r)
        mono = [mean([a[i, j] for i in b for j in b if i < j]) for b in blocks]
        got, got_mono = _htmt_matrix(r, blocks, geometric)
        np.testing.assert_allclose(got_mono, mono, rtol=1e-12)
        for s in range(3):
            for t in range(s + 1, 3):
                het = mean([a[i, j] for i in blocks[s] for j in blocks[t]])
                expected = het / np.sqrt(mono[s] * mono[t])
                np.testing.assert_allclose(got[s, t], expected, rtol=1e-12, atol=1e-300)
