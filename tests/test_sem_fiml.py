"""Slice 4a: full-information ML for incomplete data (missing = "ml") vs lavaan.

Frozen from lavaan 0.6.14 / R 4.2.2::

    hs <- HolzingerSwineford1939
    set.seed(42)
    for (v in c("x1","x2","x4","x5","x7","x9")) hs[sample(nrow(hs), 30), v] <- NA
    cfa(HS.model, data = hs, missing = "ml")                     # FIML_FM, FIML_PE
    cfa(HS.model, data = hs, missing = "ml", estimator = "MLR")  # FIML_MLR_*
    # fitMeasures(fit); parameterEstimates(fit, standardized = TRUE)

The rows set to NA by that R code (0-based) are frozen in ``NA_ROWS``.
"""

from __future__ import annotations

import numpy as np
import pytest
from semopy.examples import holzinger39

from analysis import sem
from analysis.sem.testing import compare_estimates

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
NA_ROWS = {
"x1": [3, 4, 19, 23, 48, 73, 88, 108, 109, 113, 121, 127, 135, 145, 152, 157, 164, 196, 211, 214, 225, 227, 244, 258, 282, 285, 291, 292, 296, 300],
"x2": [2, 4, 15, 32, 34, 39, 56, 75, 81, 90, 99, 102, 108, 109, 117, 129, 137, 148, 156, 180, 185, 219, 220, 227, 247, 257, 261, 264, 268, 299],
"x4": [0, 13, 24, 31, 41, 53, 59, 71, 107, 110, 111, 125, 140, 156, 190, 205, 207, 223, 237, 241, 245, 247, 250, 261, 284, 286, 287, 295, 297, 298],
"x5": [5, 13, 24, 31, 33, 36, 40, 65, 94, 97, 106, 117, 123, 127, 137, 151, 161, 184, 187, 192, 193, 213, 251, 253, 260, 261, 267, 270, 293, 297],
"x7": [1, 13, 26, 27, 29, 34, 42, 48, 60, 61, 62, 74, 77, 96, 115, 123, 126, 135, 155, 158, 179, 181, 200, 211, 228, 256, 268, 286, 290, 293],
"x9": [2, 9, 11, 46, 50, 53, 54, 60, 83, 92, 101, 149, 157, 164, 170, 172, 180, 181, 192, 197, 200, 207, 224, 228, 232, 238, 251, 254, 258, 268],
}
FIML_FM = {"npar": 30, "chisq": 73.3173816675498, "df": 24, "pvalue": 6.80048388823629e-07, "baseline.chisq": 847.138987102406, "baseline.df": 36, "cfi": 0.939199838188368, "tli": 0.908799757282552, "rmsea": 0.0826249361621292, "rmsea.ci.lower": 0.0614464908851484, "rmsea.ci.upper": 0.104563131409113, "srmr": 0.0593264746780034, "logl": -3500.85728532017, "unrestricted.logl": -3464.1985944864, "aic": 7061.71457064034, "bic": 7172.92787858281}
FIML_MLR_FM = {"chisq.scaled": 75.6443987260788, "chisq.scaling.factor": 0.969237417472831, "baseline.chisq.scaled": 828.983732085136, "cfi.scaled": 0.934873318787662, "tli.scaled": 0.902309978181493, "rmsea.scaled": 0.0845517778991871}
FIML_PE = """
lhs,op,rhs,group,est,se,std.lv,std.all
visual,=~,x1,1,1.000000,0.000000,0.885674,0.745247
visual,=~,x2,1,0.563874,0.119218,0.499409,0.427710
visual,=~,x3,1,0.776826,0.132888,0.688015,0.609349
textual,=~,x4,1,1.000000,0.000000,1.004267,0.863491
textual,=~,x5,1,1.119326,0.066766,1.124102,0.863100
textual,=~,x6,1,0.917445,0.056260,0.921360,0.842362
speed,=~,x7,1,1.000000,0.000000,0.675287,0.616117
speed,=~,x8,1,1.089372,0.140437,0.735639,0.727684
speed,=~,x9,1,0.973755,0.161172,0.657564,0.646843
x1,~~,x1,1,0.627947,0.131574,0.627947,0.444607
x2,~~,x2,1,1.113959,0.109717,1.113959,0.817064
x3,~~,x3,1,0.801500,0.101789,0.801500,0.628694
x4,~~,x4,1,0.344088,0.049497,0.344088,0.254382
x5,~~,x5,1,0.432641,0.061306,0.432641,0.255058
x6,~~,x6,1,0.347454,0.044562,0.347454,0.290427
x7,~~,x7,1,0.745282,0.088080,0.745282,0.620399
x8,~~,x8,1,0.480819,0.084935,0.480819,0.470476
x9,~~,x9,1,0.601033,0.087318,0.601033,0.581594
visual,~~,visual,1,0.784419,0.159812,1.000000,1.000000
textual,~~,textual,1,1.008553,0.116093,1.000000,1.000000
speed,~~,speed,1,0.456012,0.101021,1.000000,1.000000
visual,~~,textual,1,0.373223,0.082646,0.419609,0.419609
visual,~~,speed,1,0.269464,0.061475,0.450545,0.450545
textual,~~,speed,1,0.181028,0.054690,0.266937,0.266937
x1,~1,,1,4.936272,0.071140,4.936272,4.153607
x2,~1,,1,6.110761,0.070508,6.110761,5.233456
x3,~1,,1,2.250415,0.065080,2.250415,1.993107
x4,~1,,1,3.050983,0.068454,3.050983,2.623303
x5,~1,,1,4.324952,0.076657,4.324952,3.320754
x6,~1,,1,2.185572,0.063045,2.185572,1.998179
x7,~1,,1,4.189125,0.065753,4.189125,3.822069
x8,~1,,1,5.527076,0.058269,5.527076,5.467309
x9,~1,,1,5.359902,0.060943,5.359902,5.272515
visual,~1,,1,0.000000,0.000000,0.000000,0.000000
textual,~1,,1,0.000000,0.000000,0.000000,0.000000
speed,~1,,1,0.000000,0.000000,0.000000,0.000000
"""
FIML_MLR_PE = """
lhs,op,rhs,group,est,se,std.lv,std.all
visual,=~,x1,1,1.000000,0.000000,0.885674,0.745247
visual,=~,x2,1,0.563874,0.148324,0.499409,0.427710
visual,=~,x3,1,0.776826,0.163800,0.688015,0.609349
textual,=~,x4,1,1.000000,0.000000,1.004267,0.863491
textual,=~,x5,1,1.119326,0.067115,1.124102,0.863100
textual,=~,x6,1,0.917445,0.062214,0.921360,0.842362
speed,=~,x7,1,1.000000,0.000000,0.675287,0.616117
speed,=~,x8,1,1.089372,0.125644,0.735639,0.727684
speed,=~,x9,1,0.973755,0.193240,0.657564,0.646843
x1,~~,x1,1,0.627947,0.174100,0.627947,0.444607
x2,~~,x2,1,1.113959,0.119581,1.113959,0.817064
x3,~~,x3,1,0.801500,0.111185,0.801500,0.628694
x4,~~,x4,1,0.344088,0.052236,0.344088,0.254382
x5,~~,x5,1,0.432641,0.054750,0.432641,0.255058
x6,~~,x6,1,0.347454,0.046682,0.347454,0.290427
x7,~~,x7,1,0.745282,0.093005,0.745282,0.620399
x8,~~,x8,1,0.480819,0.096776,0.480819,0.470476
x9,~~,x9,1,0.601033,0.101723,0.601033,0.581594
visual,~~,visual,1,0.784419,0.197573,1.000000,1.000000
textual,~~,textual,1,1.008553,0.126697,1.000000,1.000000
speed,~~,speed,1,0.456012,0.105514,1.000000,1.000000
visual,~~,textual,1,0.373223,0.105665,0.419609,0.419609
visual,~~,speed,1,0.269464,0.068409,0.450545,0.450545
textual,~~,speed,1,0.181028,0.062517,0.266937,0.266937
x1,~1,,1,4.936272,0.071213,4.936272,4.153607
x2,~1,,1,6.110761,0.070341,6.110761,5.233456
x3,~1,,1,2.250415,0.065080,2.250415,1.993107
x4,~1,,1,3.050983,0.068289,3.050983,2.623303
x5,~1,,1,4.324952,0.076282,4.324952,3.320754
x6,~1,,1,2.185572,0.063045,2.185572,1.998179
x7,~1,,1,4.189125,0.065749,4.189125,3.822069
x8,~1,,1,5.527076,0.058269,5.527076,5.467309
x9,~1,,1,5.359902,0.060833,5.359902,5.272515
visual,~1,,1,0.000000,0.000000,0.000000,0.000000
textual,~1,,1,0.000000,0.000000,0.000000,0.000000
speed,~1,,1,0.000000,0.000000,0.000000,0.000000
"""
TIGHT = 1e-4


@pytest.fixture(scope="module")
def data():
    d = holzinger39.get_data().reset_index(drop=True)
    for v, rows in NA_ROWS.items():
        d.loc[rows, v] = np.nan
    return d


def test_fiml_matches_r(data):
    res = sem.fit(HS, data, missing="ml")
    assert res.converged and res.nobs == [301]
    for k, v in FIML_FM.items():
        assert res.fit_measures[k] == pytest.approx(v, abs=TIGHT, rel=1e-7), k
    diffs = compare_estimates(res, FIML_PE)
    assert max(diffs.values()) < TIGHT, diffs


def test_fiml_mlr_matches_r(data):
    res = sem.fit(HS, data, missing="ml", estimator="MLR")
    for k, v in FIML_MLR_FM.items():
        assert res.fit_measures[k] == pytest.approx(v, abs=TIGHT, rel=1e-6), k
    diffs = compare_estimates(res, FIML_MLR_PE, columns=("est", "se"))
    assert max(diffs.values()) < TIGHT, diffs


def test_fiml_on_complete_data_equals_ml():
    d = holzinger39.get_data()
    a = sem.fit(HS, d, meanstructure=True)
    b = sem.fit(HS, d, missing="ml")
    assert b.fit_measures["chisq"] == pytest.approx(a.fit_measures["chisq"], abs=1e-8)
    assert (a.estimates.est - b.estimates.est).abs().max() < 1e-6


def test_listwise_drops_incomplete_cases(data):
    res = sem.fit(HS, data)
    complete = int((~data[[f"x{i}" for i in range(1, 10)]].isna().any(axis=1)).sum())
    assert res.nobs[0] == complete
    assert any(f"{301 - complete} case(s) with missing values were removed listwise" in w
               for w in res.warnings)


# R: modindices(cfa(HS.model, data = hs, missing = "ml"), sort. = TRUE)  (54 rows)
FIML_MI = """
visual,=~,x9,26.278310,0.513633,0.447495
x7,~~,x8,25.348297,0.561097,0.937318
x2,~~,x7,14.523988,-0.255469,-0.280378
visual,=~,x7,13.185751,-0.386804,-0.312565
x8,~~,x9,10.089009,-0.356413,-0.663000
visual,=~,x5,9.131868,-0.246231,-0.167445
"""


def test_fiml_modification_indices(data):
    mi = sem.modification_indices(sem.fit(HS, data, missing="ml"))
    assert len(mi) == 54
    for line in FIML_MI.strip().splitlines():
        lhs, op, rhs, m, epc, sepc = line.split(",")
        row = mi[(mi.lhs == lhs) & (mi.op == op) & (mi.rhs == rhs)].iloc[0]
        assert row.mi == pytest.approx(float(m), abs=1e-3)
        assert row.epc == pytest.approx(float(epc), abs=1e-4)
        assert row["sepc.all"] == pytest.approx(float(sepc), abs=1e-4)


def test_saturated_information_with_missing_data_is_the_hessian_in_closed_form():
    """The closed-form observed information of the saturated model (per pattern) equals the
    central-difference Hessian of the mean case log-likelihood (what MLR with FIML used to
    compute numerically, 2 x 434 score evaluations for 28 items)."""
    from analysis.sem.robust import _saturated_information, _vech_idx, saturated_scores

    rng = np.random.default_rng(0)
    p, n = 5, 120
    a = rng.normal(size=(p, p))
    sig = a @ a.T / p + np.eye(p)
    mu = rng.normal(size=p)
    x = rng.multivariate_normal(mu, sig, size=n)
    x[rng.random((n, p)) < .2] = np.nan
    r, c = _vech_idx(p)
    par0 = np.concatenate([mu, sig[r, c]])

    def grad(par):
        s = np.zeros((p, p))
        s[r, c] = s[c, r] = par[p:]
        return saturated_scores(x, s, par[:p], True).mean(axis=0)

    h = np.column_stack([(grad(par0 + e) - grad(par0 - e)) / 2e-6
                         for e in np.eye(par0.size) * 1e-6])
    np.testing.assert_allclose(_saturated_information(x, sig, mu, True), -(h + h.T) / 2,
                               atol=1e-7)


def test_fiml_mlr_on_the_five_commitment_cfa_matches_lavaan():
    """28 items, N = 500, 5% MCAR; lavaan 0.6.14 on the same CSV:
    f <- cfa(model, data = Y, missing = "ml", estimator = "MLR");
    fitMeasures(f, c("chisq", "chisq.scaled", "chisq.scaling.factor", "cfi.scaled",
    "rmsea.scaled")) and the SEs of the affective loadings."""
    from analysis.psychometrics.validation import cfa_syntax, measured_item_map
    from analysis.responses.scoring import reverse_keyed
    from analysis.responses.simulate import SimulationSettings, simulate
    from instruments import load_instrument

    inst = load_instrument("five_commitments")
    fr = reverse_keyed(simulate(inst, SimulationSettings(n=500, seed=1)).data.items, inst)
    model = cfa_syntax(measured_item_map(inst))
    cols = [col for col in fr if col in model]
    rng = np.random.default_rng(1)
    fr[cols] = fr[cols].mask(rng.random((len(fr), len(cols))) < .05)
    res = sem.fit(model, fr[cols], missing="ml", estimator="MLR")
    ref = {"chisq": 354.82827288, "chisq.scaled": 357.58478026,
           "chisq.scaling.factor": 0.99229132, "cfi.scaled": 0.99201553,
           "rmsea.scaled": 0.01486686}
    for k, v in ref.items():
        assert res.fit_measures[k] == pytest.approx(v, abs=1e-4), k
    est = res.estimates
    se = est[(est.lhs == "affective") & (est.op == "=~")]["se"].to_numpy()
    np.testing.assert_allclose(se, [0, 0.05700049, 0.05797439, 0.06287858], atol=1e-5)
