"""Slice 2: robust ML (MLM = Satorra-Bentler, MLR = Yuan-Bentler/Huber-White) vs lavaan.

Frozen from lavaan 0.6.14 / R 4.2.2::

    cfa(HS.model, data = HolzingerSwineford1939, estimator = "MLM")
    cfa(HS.model, data = HolzingerSwineford1939, estimator = "MLR")
    sem(PD.model, data = PoliticalDemocracy, estimator = "MLR")
    # fitMeasures(fit); parameterEstimates(fit, standardized = TRUE)
"""

from __future__ import annotations

import pytest
from semopy.examples import holzinger39, political_democracy

from analysis import sem
from analysis.sem.testing import compare_estimates

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PD = """
  ind60 =~ x1 + x2 + x3
  dem60 =~ y1 + y2 + y3 + y4
  dem65 =~ y5 + y6 + y7 + y8
  dem60 ~ ind60
  dem65 ~ ind60 + dem60
  y1 ~~ y5
  y2 ~~ y4 + y6
  y3 ~~ y7
  y4 ~~ y8
  y6 ~~ y8
"""

HS_MLM_FM = {"chisq": 85.3055217699727, "df": 24, "chisq.scaled": 80.8717834914071, "df.scaled": 24, "pvalue.scaled": 4.41619001367854e-08, "chisq.scaling.factor": 1.05482429207261, "baseline.chisq.scaled": 789.297504213539, "baseline.chisq.scaling.factor": 1.16413847045916, "cfi.scaled": 0.924502891389793, "tli.scaled": 0.88675433708469, "cfi.robust": 0.931592172096263, "tli.robust": 0.897388258144395, "rmsea.scaled": 0.0887277677076145, "rmsea.ci.lower.scaled": 0.0684123617269872, "rmsea.ci.upper.scaled": 0.109829392092306, "rmsea.pvalue.scaled": 0.00127721874077913, "rmsea.robust": 0.0911275337268195, "rmsea.ci.lower.robust": 0.0697112997262726, "rmsea.ci.upper.robust": 0.113395815610437, "srmr": 0.0652050571843865}
HS_MLR_FM = {"chisq": 85.3055217699727, "df": 24, "chisq.scaled": 87.131603366625, "df.scaled": 24, "pvalue.scaled": 4.27843283024032e-09, "chisq.scaling.factor": 0.979042258766103, "baseline.chisq.scaled": 880.081721380438, "baseline.chisq.scaling.factor": 1.04405257713015, "cfi.scaled": 0.925206764028277, "tli.scaled": 0.887810146042416, "cfi.robust": 0.929863935696168, "tli.robust": 0.894795903544252, "rmsea.scaled": 0.0934834089710846, "rmsea.ci.lower.scaled": 0.0726206004953863, "rmsea.ci.upper.scaled": 0.115225668121709, "rmsea.pvalue.scaled": 0.000507322356402495, "rmsea.robust": 0.0924986213715963, "rmsea.ci.lower.robust": 0.0720677307616934, "rmsea.ci.upper.robust": 0.113781308007416, "srmr": 0.0652050571843865}
PD_MLR_FM = {"chisq": 38.1252182280585, "df": 35, "chisq.scaled": 41.4006913955819, "df.scaled": 35, "pvalue.scaled": 0.211433386068334, "chisq.scaling.factor": 0.920883611912991, "baseline.chisq.scaled": 702.841202128679, "baseline.chisq.scaling.factor": 1.03957207286602, "cfi.scaled": 0.990119968636526, "tli.scaled": 0.984474236428827, "cfi.robust": 0.991247976734575, "tli.robust": 0.986246820582904, "rmsea.scaled": 0.0493797390322015, "rmsea.ci.lower.scaled": 0, "rmsea.ci.upper.scaled": 0.102783104038829, "rmsea.pvalue.scaled": 0.4741476190711, "rmsea.robust": 0.0473861213802958, "rmsea.ci.lower.robust": 0, "rmsea.ci.upper.robust": 0.0967632463884386, "srmr": 0.0444175458015629}

HS_MLM_PE = """
lhs,op,rhs,group,est,se,std.lv,std.all
visual,=~,x1,1,1.000000,0.000000,0.899620,0.771880
visual,=~,x2,1,0.553500,0.103289,0.497940,0.423601
visual,=~,x3,1,0.729370,0.114560,0.656156,0.581132
textual,=~,x4,1,1.000000,0.000000,0.989693,0.851582
textual,=~,x5,1,1.113077,0.066404,1.101604,0.855065
textual,=~,x6,1,0.926146,0.059764,0.916600,0.838010
speed,=~,x7,1,1.000000,0.000000,0.619474,0.569515
speed,=~,x8,1,1.179951,0.152098,0.730948,0.723044
speed,=~,x9,1,1.081530,0.132398,0.669979,0.665009
x1,~~,x1,1,0.549054,0.138354,0.549054,0.404201
x2,~~,x2,1,1.133839,0.107436,1.133839,0.820562
x3,~~,x3,1,0.844324,0.084561,0.844324,0.662285
x4,~~,x4,1,0.371173,0.050002,0.371173,0.274808
x5,~~,x5,1,0.446255,0.058044,0.446255,0.268863
x6,~~,x6,1,0.356203,0.046258,0.356203,0.297739
x7,~~,x7,1,0.799392,0.078618,0.799392,0.675653
x8,~~,x8,1,0.487697,0.074269,0.487697,0.477207
x9,~~,x9,1,0.566131,0.067947,0.566131,0.557763
visual,~~,visual,1,0.809316,0.167308,1.000000,1.000000
textual,~~,textual,1,0.979491,0.120797,1.000000,1.000000
speed,~~,speed,1,0.383748,0.082802,1.000000,1.000000
visual,~~,textual,1,0.408232,0.082210,0.458509,0.458509
visual,~~,speed,1,0.262225,0.055072,0.470535,0.470535
textual,~~,speed,1,0.173495,0.055279,0.282985,0.282985
"""
HS_MLR_PE = """
lhs,op,rhs,group,est,se,std.lv,std.all
visual,=~,x1,1,1.000000,0.000000,0.899620,0.771880
visual,=~,x2,1,0.553500,0.132078,0.497940,0.423601
visual,=~,x3,1,0.729370,0.141087,0.656156,0.581132
textual,=~,x4,1,1.000000,0.000000,0.989693,0.851582
textual,=~,x5,1,1.113077,0.065686,1.101604,0.855065
textual,=~,x6,1,0.926146,0.061378,0.916600,0.838010
speed,=~,x7,1,1.000000,0.000000,0.619474,0.569515
speed,=~,x8,1,1.179951,0.130445,0.730948,0.723044
speed,=~,x9,1,1.081530,0.266376,0.669979,0.665009
x1,~~,x1,1,0.549054,0.156468,0.549054,0.404201
x2,~~,x2,1,1.133839,0.111879,1.133839,0.820562
x3,~~,x3,1,0.844324,0.100286,0.844324,0.662285
x4,~~,x4,1,0.371173,0.050282,0.371173,0.274808
x5,~~,x5,1,0.446255,0.056704,0.446255,0.268863
x6,~~,x6,1,0.356203,0.046517,0.356203,0.297739
x7,~~,x7,1,0.799392,0.097222,0.799392,0.675653
x8,~~,x8,1,0.487697,0.119533,0.487697,0.477207
x9,~~,x9,1,0.566131,0.118739,0.566131,0.557763
visual,~~,visual,1,0.809316,0.180396,1.000000,1.000000
textual,~~,textual,1,0.979491,0.121298,1.000000,1.000000
speed,~~,speed,1,0.383748,0.106705,1.000000,1.000000
visual,~~,textual,1,0.408232,0.099317,0.458509,0.458509
visual,~~,speed,1,0.262225,0.060060,0.470535,0.470535
textual,~~,speed,1,0.173495,0.056307,0.282985,0.282985
"""
PD_MLR_PE = """
lhs,op,rhs,group,est,se,std.lv,std.all
ind60,=~,x1,1,1.000000,0.000000,0.669655,0.919853
ind60,=~,x2,1,2.180368,0.144933,1.460093,0.973033
ind60,=~,x3,1,1.818511,0.140427,1.217774,0.872139
dem60,=~,y1,1,1.000000,0.000000,2.223123,0.850426
dem60,=~,y2,1,1.256746,0.149762,2.793902,0.717122
dem60,=~,y3,1,1.057717,0.130471,2.351435,0.722350
dem60,=~,y4,1,1.264787,0.146034,2.811776,0.845710
dem65,=~,y5,1,1.000000,0.000000,2.102869,0.808018
dem65,=~,y6,1,1.185696,0.181275,2.493364,0.746007
dem65,=~,y7,1,1.279512,0.172567,2.690647,0.823673
dem65,=~,y8,1,1.265947,0.189377,2.662121,0.827841
dem60,~,ind60,1,1.483001,0.342334,0.446713,0.446713
dem65,~,ind60,1,0.572336,0.224762,0.182259,0.182259
dem65,~,dem60,1,0.837345,0.087273,0.885229,0.885229
y1,~~,y5,1,0.623671,0.454348,0.623671,0.295761
y2,~~,y4,1,1.313113,0.726862,1.313113,0.272567
y2,~~,y6,1,2.152861,0.862242,2.152861,0.356222
y3,~~,y7,1,0.794960,0.615087,0.794960,0.190641
y4,~~,y8,1,0.348226,0.433669,0.348226,0.108802
y6,~~,y8,1,1.356167,0.738435,1.356167,0.337771
x1,~~,x1,1,0.081549,0.018510,0.081549,0.153871
x2,~~,x2,1,0.119806,0.072544,0.119806,0.053208
x3,~~,x3,1,0.466703,0.082865,0.466703,0.239374
y1,~~,y1,1,1.891396,0.477033,1.891396,0.276776
y2,~~,y2,1,7.372869,1.296560,7.372869,0.485736
y3,~~,y3,1,5.067462,1.086375,5.067462,0.478211
y4,~~,y4,1,3.147905,0.793266,3.147905,0.284775
y5,~~,y5,1,2.350970,0.605179,2.350970,0.347108
y6,~~,y6,1,4.953968,0.901957,4.953968,0.443473
y7,~~,y7,1,3.431374,0.621629,3.431374,0.321562
y8,~~,y8,1,3.254085,0.900247,3.254085,0.314679
ind60,~~,ind60,1,0.448437,0.072932,1.000000,1.000000
dem60,~~,dem60,1,3.956033,0.915712,0.800448,0.800448
dem65,~~,dem65,1,0.172481,0.227145,0.039005,0.039005
"""
TIGHT = 1e-4


@pytest.fixture(scope="module")
def hs_data():
    return holzinger39.get_data()


def _check(res, fm_ref, pe_ref):
    for k, v in fm_ref.items():
        assert res.fit_measures[k] == pytest.approx(v, abs=TIGHT, rel=1e-6), k
    diffs = compare_estimates(res, pe_ref, columns=("est", "se"))
    assert max(diffs.values()) < TIGHT, diffs


def test_hs_mlm(hs_data):
    res = sem.fit(HS, hs_data, estimator="MLM")
    fm = res.fit_measures
    assert fm["chisq.scaled"] == pytest.approx(80.872, abs=1e-3)
    assert fm["chisq.scaling.factor"] == pytest.approx(1.055, abs=1e-3)
    _check(res, HS_MLM_FM, HS_MLM_PE)


def test_hs_mlr(hs_data):
    res = sem.fit(HS, hs_data, estimator="MLR")
    fm = res.fit_measures
    assert fm["chisq.scaled"] == pytest.approx(87.132, abs=1e-3)
    assert fm["chisq.scaling.factor"] == pytest.approx(0.979, abs=1e-3)
    e = res.estimates
    ses = [e[(e.op == "=~") & (e.rhs == x)].se.iloc[0] for x in ["x2", "x3", "x5", "x6", "x8", "x9"]]
    assert ses == pytest.approx([.132, .141, .066, .061, .130, .266], abs=1e-3)
    _check(res, HS_MLR_FM, HS_MLR_PE)


def test_pd_mlr():
    res = sem.fit(PD, political_democracy.get_data(), estimator="MLR")
    assert res.fit_measures["chisq.scaled"] == pytest.approx(41.401, abs=1e-3)
    e = res.estimates
    paths = e[e.op == "~"].set_index(["lhs", "rhs"]).se
    assert [paths[("dem60", "ind60")], paths[("dem65", "ind60")], paths[("dem65", "dem60")]] == \
        pytest.approx([.342, .225, .087], abs=1e-3)
    _check(res, PD_MLR_FM, PD_MLR_PE)


def test_robust_estimates_equal_ml(hs_data):
    ml = sem.fit(HS, hs_data)
    mlm = sem.fit(HS, hs_data, estimator="MLM")
    assert (ml.estimates.est - mlm.estimates.est).abs().max() < 1e-10
    assert mlm.fit_measures["chisq"] == pytest.approx(ml.fit_measures["chisq"], abs=1e-10)


# R: cfa(HS.model, data = HolzingerSwineford1939, group = "school",
#        group.equal = "loadings", estimator = "MLM")
MG_MLM_FM = {
    "chisq": 124.043544179993,
    "df": 54,
    "chisq.scaled": 118.220892598829,
    "chisq.scaling.factor": 1.04925230602786,
    "baseline.chisq.scaled": 811.219992868925,
    "cfi.scaled": 0.913123436570504,
    "tli.scaled": 0.884164582094006,
    "cfi.robust": 0.922792336130134,
    "tli.robust": 0.897056448173512,
    "rmsea.robust": 0.0910569302396282,
    "srmr": 0.0716515837898073,
}
MG_MLM_PE = """
lhs,op,rhs,group,est,se
visual,=~,x1,1,1.000000,0.000000
visual,=~,x2,1,0.598643,0.104149
visual,=~,x3,1,0.784432,0.114698
textual,=~,x4,1,1.000000,0.000000
textual,=~,x5,1,1.082977,0.069403
textual,=~,x6,1,0.911604,0.064417
speed,=~,x7,1,1.000000,0.000000
speed,=~,x8,1,1.201379,0.141797
speed,=~,x9,1,1.037511,0.118893
x1,~~,x1,1,0.550946,0.136899
x2,~~,x2,1,1.258051,0.162241
x3,~~,x3,1,0.882181,0.113537
x4,~~,x4,1,0.434453,0.070782
x5,~~,x5,1,0.507913,0.075413
x6,~~,x6,1,0.266490,0.056414
x7,~~,x7,1,0.848760,0.106901
x8,~~,x8,1,0.515272,0.081210
x9,~~,x9,1,0.657558,0.104412
visual,~~,visual,1,0.805465,0.186173
textual,~~,textual,1,0.912997,0.135979
speed,~~,speed,1,0.304933,0.071511
visual,~~,textual,1,0.415521,0.107876
visual,~~,speed,1,0.168696,0.059524
textual,~~,speed,1,0.175913,0.059404
x1,~1,,1,4.941239,0.094572
x2,~1,,1,5.983974,0.098181
x3,~1,,1,2.487179,0.092881
x4,~1,,1,2.822650,0.091976
x5,~1,,1,3.995192,0.104633
x6,~1,,1,1.922161,0.079035
x7,~1,,1,4.432274,0.086600
x8,~1,,1,5.563141,0.078119
x9,~1,,1,5.417735,0.079160
visual,~1,,1,0.000000,0.000000
textual,~1,,1,0.000000,0.000000
speed,~1,,1,0.000000,0.000000
visual,=~,x1,2,1.000000,0.000000
visual,=~,x2,2,0.598643,0.104149
visual,=~,x3,2,0.784432,0.114698
textual,=~,x4,2,1.000000,0.000000
textual,=~,x5,2,1.082977,0.069403
textual,=~,x6,2,0.911604,0.064417
speed,=~,x7,2,1.000000,0.000000
speed,=~,x8,2,1.201379,0.141797
speed,=~,x9,2,1.037511,0.118893
x1,~~,x1,2,0.645261,0.170207
x2,~~,x2,2,0.933237,0.139636
x3,~~,x3,2,0.605272,0.095302
x4,~~,x4,2,0.328518,0.063082
x5,~~,x5,2,0.384051,0.073190
x6,~~,x6,2,0.437491,0.071937
x7,~~,x7,2,0.598863,0.079832
x8,~~,x8,2,0.405566,0.110536
x9,~~,x9,2,0.532290,0.084003
visual,~~,visual,2,0.722299,0.177167
textual,~~,textual,2,0.906105,0.143718
speed,~~,speed,2,0.475255,0.104377
visual,~~,textual,2,0.437006,0.103657
visual,~~,speed,2,0.313851,0.086522
textual,~~,speed,2,0.226071,0.092379
x1,~1,,2,4.929885,0.095363
x2,~1,,2,6.200000,0.091966
x3,~1,,2,1.995690,0.086038
x4,~1,,2,3.317241,0.093115
x5,~1,,2,4.712069,0.096192
x6,~1,,2,2.468966,0.093960
x7,~1,,2,3.920840,0.085573
x8,~1,,2,5.488276,0.086876
x9,~1,,2,5.327203,0.085139
visual,~1,,2,0.000000,0.000000
textual,~1,,2,0.000000,0.000000
speed,~1,,2,0.000000,0.000000
"""
# R: cfa(HS.model, data = HolzingerSwineford1939, estimator = "MLR", meanstructure = TRUE)
MLR_MEAN_FM = {
    "chisq": 85.3055217699727,
    "df": 24,
    "chisq.scaled": 87.1316074113039,
    "chisq.scaling.factor": 0.979042213318627,
    "baseline.chisq.scaled": 880.081721345783,
    "cfi.scaled": 0.925206759233397,
    "tli.scaled": 0.887810138850095,
    "cfi.robust": 0.929863934458354,
    "tli.robust": 0.894795901687531,
    "rmsea.robust": 0.0924986221877614,
    "srmr": 0.059523801138838,
}
MLR_MEAN_PE = """
lhs,op,rhs,group,est,se
visual,=~,x1,1,1.000000,0.000000
visual,=~,x2,1,0.553500,0.132078
visual,=~,x3,1,0.729370,0.141087
textual,=~,x4,1,1.000000,0.000000
textual,=~,x5,1,1.113077,0.065686
textual,=~,x6,1,0.926146,0.061378
speed,=~,x7,1,1.000000,0.000000
speed,=~,x8,1,1.179951,0.130445
speed,=~,x9,1,1.081530,0.266376
x1,~~,x1,1,0.549054,0.156468
x2,~~,x2,1,1.133839,0.111879
x3,~~,x3,1,0.844324,0.100286
x4,~~,x4,1,0.371173,0.050282
x5,~~,x5,1,0.446255,0.056704
x6,~~,x6,1,0.356203,0.046517
x7,~~,x7,1,0.799392,0.097222
x8,~~,x8,1,0.487697,0.119533
x9,~~,x9,1,0.566131,0.118739
visual,~~,visual,1,0.809316,0.180396
textual,~~,textual,1,0.979491,0.121298
speed,~~,speed,1,0.383748,0.106705
visual,~~,textual,1,0.408232,0.099317
visual,~~,speed,1,0.262225,0.060060
textual,~~,speed,1,0.173495,0.056307
x1,~1,,1,4.935770,0.067178
x2,~1,,1,6.088040,0.067754
x3,~1,,1,2.250415,0.065080
x4,~1,,1,3.060908,0.066987
x5,~1,,1,4.340532,0.074258
x6,~1,,1,2.185572,0.063045
x7,~1,,1,4.185902,0.062695
x8,~1,,1,5.527076,0.058269
x9,~1,,1,5.374123,0.058070
visual,~1,,1,0.000000,0.000000
textual,~1,,1,0.000000,0.000000
speed,~1,,1,0.000000,0.000000
"""


def test_multigroup_mlm(hs_data):
    res = sem.fit(HS, hs_data, group="school", group_equal=["loadings"], estimator="MLM")
    _check(res, MG_MLM_FM, MG_MLM_PE)


def test_mlr_with_meanstructure(hs_data):
    # third-order moments enter B when means are modelled
    res = sem.fit(HS, hs_data, estimator="MLR", meanstructure=True)
    _check(res, MLR_MEAN_FM, MLR_MEAN_PE)
