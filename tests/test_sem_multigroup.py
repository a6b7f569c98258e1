"""Slice 3: multi-group models with equality constraints and measurement invariance.

Frozen from lavaan 0.6.14 / R 4.2.2 (HolzingerSwineford1939, group = "school")::

    for (est in c("ML", "MLR")) {
      configural <- cfa(HS.model, data = HolzingerSwineford1939, group = "school", estimator = est)
      metric <- cfa(..., group.equal = "loadings")
      scalar <- cfa(..., group.equal = c("loadings", "intercepts"))
      strict <- cfa(..., group.equal = c("loadings", "intercepts", "residuals"))
      lavTestLRT(configural, metric, scalar, strict); lapply(fits, fitMeasures)
    }
    parameterEstimates(scalar)   # ML
"""

from __future__ import annotations

import json

import pytest
from semopy.examples import holzinger39

from analysis import sem
from analysis.sem.invariance import InvarianceSettings, invariance
from analysis.sem.testing import compare_estimates

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
LEVELS = ["configural", "metric", "scalar", "strict"]

ML_FM = {
    "configural": {'npar': 60, 'chisq': 115.851343875559, 'df': 48, 'cfi': 0.923398380408964, 'tli': 0.885097570613447, 'rmsea': 0.0969148567676119, 'srmr': 0.0678640117525206, 'aic': 7484.39502414737, 'bic': 7706.8216400323, 'baseline.chisq': 957.769050808683, 'baseline.df': 72},
    "metric": {'npar': 54, 'chisq': 124.043544179993, 'df': 54, 'cfi': 0.920923468576775, 'tli': 0.894564624769033, 'rmsea': 0.0928365358682976, 'srmr': 0.0716515837898073, 'aic': 7480.5872244518, 'bic': 7680.77117874824, 'baseline.chisq': 957.769050808683, 'baseline.df': 72},
    "scalar": {'npar': 48, 'chisq': 164.102830925183, 'df': 60, 'cfi': 0.882471812680586, 'tli': 0.858966175216703, 'rmsea': 0.107371098089257, 'srmr': 0.0824470585787985, 'aic': 7508.64651119699, 'bic': 7686.58780390494, 'baseline.chisq': 957.769050808683, 'baseline.df': 72},
    "strict": {'npar': 39, 'chisq': 181.51134523027, 'df': 69, 'cfi': 0.872978915748354, 'tli': 0.867456259911326, 'rmsea': 0.10408912633333, 'srmr': 0.0882626495432483, 'aic': 7508.05502550208, 'bic': 7652.63232582729, 'baseline.chisq': 957.769050808683, 'baseline.df': 72},
}
MLR_FM = {
    "configural": {'chisq.scaled': 121.740693933875, 'chisq.scaling.factor': 0.951623817246235, 'cfi.robust': 0.920614836036919, 'tli.robust': 0.880922254055379, 'rmsea.robust': 0.0985592506695557, 'srmr': 0.0678640117525206},
    "metric": {'chisq.scaled': 125.997455509567, 'chisq.scaling.factor': 0.984492454060503, 'cfi.robust': 0.919814403783962, 'tli.robust': 0.89308587171195, 'rmsea.robust': 0.0933898418693445, 'srmr': 0.0716515837898073},
    "scalar": {'chisq.scaled': 166.748219054252, 'chisq.scaling.factor': 0.984135433985001, 'cfi.robust': 0.881154612780715, 'tli.robust': 0.857385535336858, 'rmsea.robust': 0.107860859924551, 'srmr': 0.0824470585787985},
    "strict": {'chisq.scaled': 181.428702389151, 'chisq.scaling.factor': 1.0004555113939, 'cfi.robust': 0.872754684710045, 'tli.robust': 0.867222279697438, 'rmsea.robust': 0.104074586557218, 'srmr': 0.0882626495432483},
}
# lavTestLRT: (Chisq diff, Df diff, Pr(>Chisq)) for metric, scalar, strict
ML_LRT = [(8.19220030443354, 6, 0.224357746847771), (40.0592867451896, 6, 4.43456618042075e-07), (17.4085143050876, 9, 0.0426900108648122)]
MLR_LRT = [(6.56720173686226, 6, 0.362730518814126), (40.8383912284573, 6, 3.11585998078205e-07), (15.6938649637599, 9, 0.0735563046582169)]  # Satorra-Bentler (2001) scaled difference

SCALAR_PE = """
lhs,op,rhs,group,est,se
visual,=~,x1,1,1.000000,0.000000
visual,=~,x2,1,0.575661,0.100772
visual,=~,x3,1,0.798431,0.111727
textual,=~,x4,1,1.000000,0.000000
textual,=~,x5,1,1.119934,0.066013
textual,=~,x6,1,0.931975,0.056117
speed,=~,x7,1,1.000000,0.000000
speed,=~,x8,1,1.129523,0.145065
speed,=~,x9,1,1.009077,0.131612
x1,~~,x1,1,0.555441,0.139465
x2,~~,x2,1,1.296296,0.158363
x3,~~,x3,1,0.944400,0.136297
x4,~~,x4,1,0.445428,0.069274
x5,~~,x5,1,0.502401,0.081882
x6,~~,x6,1,0.263207,0.050002
x7,~~,x7,1,0.888343,0.119794
x8,~~,x8,1,0.540711,0.094760
x9,~~,x9,1,0.653566,0.096045
visual,~~,visual,1,0.796208,0.171577
textual,~~,textual,1,0.879448,0.131384
speed,~~,speed,1,0.322388,0.082376
visual,~~,textual,1,0.409739,0.095454
visual,~~,speed,1,0.178058,0.066266
textual,~~,speed,1,0.180099,0.062107
x1,~1,,1,5.001404,0.089696
x2,~1,,1,6.151206,0.076982
x3,~1,,1,2.271215,0.082930
x4,~1,,1,2.777936,0.086937
x5,~1,,1,4.034724,0.096392
x6,~1,,1,1.925624,0.078834
x7,~1,,1,4.242128,0.073172
x8,~1,,1,5.630458,0.071697
x9,~1,,1,5.465289,0.069167
visual,~1,,1,0.000000,0.000000
textual,~1,,1,0.000000,0.000000
speed,~1,,1,0.000000,0.000000
visual,=~,x1,2,1.000000,0.000000
visual,=~,x2,2,0.575661,0.100772
visual,=~,x3,2,0.798431,0.111727
textual,=~,x4,2,1.000000,0.000000
textual,=~,x5,2,1.119934,0.066013
textual,=~,x6,2,0.931975,0.056117
speed,=~,x7,2,1.000000,0.000000
speed,=~,x8,2,1.129523,0.145065
speed,=~,x9,2,1.009077,0.131612
x1,~~,x1,2,0.653706,0.128338
x2,~~,x2,2,0.964158,0.123413
x3,~~,x3,2,0.640571,0.101417
x4,~~,x4,2,0.343131,0.061999
x5,~~,x5,2,0.376319,0.073315
x6,~~,x6,2,0.437085,0.066634
x7,~~,x7,2,0.625048,0.095079
x8,~~,x8,2,0.434059,0.088327
x9,~~,x9,2,0.522142,0.085567
visual,~~,visual,2,0.708006,0.160277
textual,~~,textual,2,0.870092,0.130665
speed,~~,speed,2,0.505003,0.115336
visual,~~,textual,2,0.426973,0.096663
visual,~~,speed,2,0.328612,0.082034
textual,~~,speed,2,0.236120,0.073243
x1,~1,,2,5.001404,0.089696
x2,~1,,2,6.151206,0.076982
x3,~1,,2,2.271215,0.082930
x4,~1,,2,2.777936,0.086937
x5,~1,,2,4.034724,0.096392
x6,~1,,2,1.925624,0.078834
x7,~1,,2,4.242128,0.073172
x8,~1,,2,5.630458,0.071697
x9,~1,,2,5.465289,0.069167
visual,~1,,2,-0.147699,0.121968
textual,~1,,2,0.576363,0.117190
speed,~1,,2,-0.177350,0.090135
"""
TIGHT = 1e-4


@pytest.fixture(scope="module")
def hs():
    return holzinger39.get_data()


@pytest.fixture(scope="module")
def inv_ml(hs):
    return invariance(HS, hs, "school")


def test_published_sequence(inv_ml):
    t = inv_ml.table.set_index("model")
    published = {
        "configural": (115.851, 48, .923, .097, .068, 7484.395, 7706.822),
        "metric": (124.044, 54, .921, .093, .072, 7480.587, 7680.771),
        "scalar": (164.103, 60, .882, .107, .082, 7508.647, 7686.588),
        "strict": (181.511, 69, .873, .104, .088, 7508.055, 7652.632),
    }
    for lv, (chi, df, cfi, rmsea, srmr, aic, bic) in published.items():
        row = t.loc[lv]
        assert row.chisq == pytest.approx(chi, abs=1e-3)
        assert row.df == df
        assert (row.cfi, row.rmsea, row.srmr) == pytest.approx((cfi, rmsea, srmr), abs=5e-4)
        assert (row.aic, row.bic) == pytest.approx((aic, bic), abs=1e-3)
    assert t.loc["metric", "chisq.diff"] == pytest.approx(8.192, abs=1e-3)
    assert t.loc["metric", "pvalue.diff"] == pytest.approx(.224, abs=1e-3)
    assert t.loc["scalar", "chisq.diff"] == pytest.approx(40.059, abs=1e-3)
    assert t.loc["strict", "chisq.diff"] == pytest.approx(17.409, abs=1e-3)
    assert t.loc["strict", "df.diff"] == 9
    assert t.loc["strict", "pvalue.diff"] == pytest.approx(.043, abs=1e-3)


def test_sequence_matches_r(inv_ml):
    t = inv_ml.table.set_index("model")
    for lv in LEVELS:
        fm = inv_ml.fits[lv].fit_measures
        for k, v in ML_FM[lv].items():
            assert fm[k] == pytest.approx(v, abs=TIGHT, rel=1e-7), (lv, k)
    for lv, (d, ddf, p) in zip(LEVELS[1:], ML_LRT, strict=True):
        assert t.loc[lv, "chisq.diff"] == pytest.approx(d, abs=TIGHT)
        assert t.loc[lv, "df.diff"] == ddf
        assert t.loc[lv, "pvalue.diff"] == pytest.approx(p, abs=1e-6)


def test_decisions(inv_ml):
    t = inv_ml.table.set_index("model")
    # metric: dCFI -.002, dRMSEA -.004 -> supported; scalar: dCFI -.038 -> not supported
    assert t.loc["metric", "decision"] == "supported"
    assert t.loc["scalar", "decision"] == "not supported"
    assert not t.loc["scalar", "cfi.ok"] and t.loc["scalar", "rmsea.ok"]
    assert list(t.holds) == [True, True, False, False]
    assert t.loc["scalar", "cfi.diff"] == pytest.approx(.882472 - .920923, abs=1e-5)
    json.dumps(inv_ml.to_dict())  # serialisable


def test_thresholds_are_settings(hs):
    lax = invariance(HS, hs, "school", levels=("configural", "metric", "scalar"),
                     settings=InvarianceSettings(delta_cfi=-0.05, delta_rmsea=0.02))
    assert lax.table.set_index("model").loc["scalar", "decision"] == "supported"
    strict = invariance(HS, hs, "school", levels=("configural", "metric"),
                        settings=InvarianceSettings(use_chisq=True, alpha=0.25))
    assert strict.table.set_index("model").loc["metric", "decision"] == "not supported"


def test_scalar_parameters_match_r(hs):
    res = sem.fit(HS, hs, group="school", group_equal=("loadings", "intercepts"))
    assert res.group_labels == ["Pasteur", "Grant-White"]
    diffs = compare_estimates(res, SCALAR_PE, columns=("est", "se"))
    assert max(diffs.values()) < TIGHT, diffs
    e = res.estimates
    # loadings and intercepts are equal across groups; latent means free in group 2
    for op in ("=~", "~1"):
        rows = e[(e.op == op) & e.lhs.str.startswith("x") | (e.op == op) & (op == "=~")]
        g1 = rows[rows.group == 1].set_index(["lhs", "rhs"]).est
        g2 = rows[rows.group == 2].set_index(["lhs", "rhs"]).est
        assert (g1 == g2.loc[g1.index]).all()
    means2 = e[(e.group == 2) & (e.op == "~1") & e.lhs.isin(["visual", "textual", "speed"])]
    assert (means2.se > 0).all()


def test_mlr_invariance_matches_r(hs):
    inv = invariance(HS, hs, "school", estimator="MLR")
    t = inv.table.set_index("model")
    for lv in LEVELS:
        fm = inv.fits[lv].fit_measures
        for k, v in MLR_FM[lv].items():
            assert fm[k] == pytest.approx(v, abs=TIGHT, rel=1e-6), (lv, k)
    # the scaled difference divides by a difference of scaling factors, which amplifies
    # lavaan's own convergence noise (~1e-5 in the factors): compare to 1e-3
    for lv, (d, _ddf, p) in zip(LEVELS[1:], MLR_LRT, strict=True):
        assert t.loc[lv, "chisq.diff"] == pytest.approx(d, abs=1e-3)
        assert t.loc[lv, "pvalue.diff"] == pytest.approx(p, abs=1e-5)


def test_group_partial_frees_one_intercept(hs):
    full = sem.fit(HS, hs, group="school", group_equal=("loadings", "intercepts"))
    part = sem.fit(HS, hs, group="school", group_equal=("loadings", "intercepts"),
                   group_partial=("x3~1",))
    assert part.fit_measures["df"] == full.fit_measures["df"] - 1
    assert part.fit_measures["chisq"] < full.fit_measures["chisq"]


# R: modindices(cfa(HS.model, data = HolzingerSwineford1939, group = "school",
#                   group.equal = "loadings"), sort. = TRUE)   (114 rows)
# lhs, op, rhs, group, mi, epc, sepc.all -- includes the fixed marker loading speed =~ x7,
# which is testable once loadings are equal across groups
MG_MI = """
visual,=~,x9,2,21.190127,0.570177,0.474291
x7,~~,x8,2,16.413238,0.403839,0.819434
x4,~~,x6,1,13.926483,-0.281822,-0.828255
textual,=~,x1,1,11.024892,0.436852,0.358404
visual,=~,x7,2,10.691299,-0.410075,-0.336275
visual,=~,x9,1,9.532989,0.327182,0.295746
speed,=~,x7,2,0.144534,-0.096914,-0.064465
speed,=~,x7,1,0.144532,0.096914,0.049824
"""


def test_multigroup_modification_indices(hs):
    res = sem.fit(HS, hs, group="school", group_equal=("loadings",))
    mi = sem.modification_indices(res)
    assert len(mi) == 114
    for line in MG_MI.strip().splitlines():
        lhs, op, rhs, g, m, epc, sepc = line.split(",")
        row = mi[(mi.lhs == lhs) & (mi.op == op) & (mi.rhs == rhs) & (mi.group == int(g))]
        assert len(row) == 1, line
        assert row.mi.iloc[0] == pytest.approx(float(m), abs=1e-3)
        assert row.epc.iloc[0] == pytest.approx(float(epc), abs=1e-4)
        assert row["sepc.all"].iloc[0] == pytest.approx(float(sepc), abs=1e-4)
