"""Slice 1: ML CFA/SEM against lavaan 0.6.14 (R 4.2.2) output.

Independent references: (a) the published lavaan tutorial values quoted in issue 5,
(b) full tables frozen from R on the same data.  R call that produced the frozen tables
(``HolzingerSwineford1939`` and ``PoliticalDemocracy`` ship with lavaan; semopy ships
identical copies)::

    library(lavaan)
    f  <- cfa(HS.model, data = HolzingerSwineford1939)           # HS.model as HS below
    g  <- sem(PD.model, data = PoliticalDemocracy)                # PD.model as PD below
    parameterEstimates(f, standardized = TRUE); fitMeasures(f); inspect(f, "r2")
    modindices(f, sort. = TRUE)
    set.seed(1234); X <- rnorm(100); M <- .5*X + rnorm(100); Y <- .7*M + rnorm(100)
    h  <- sem(MED, data = data.frame(X = X, Y = Y, M = M))        # MED as below
    parameterEstimates(h, standardized = TRUE); fitMeasures(h)
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
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
MED = """
  M ~ a*X
  Y ~ c*X + b*M
  ab := a*b
  total := c + a*b
"""

# R: set.seed(1234); X <- rnorm(100); M <- .5*X + rnorm(100); Y <- .7*M + rnorm(100)
# (printed with 15 significant digits by jsonlite::toJSON(digits = NA))
MED_X = [ -1.20706574938542, 0.27742924211066, 1.08444117668306, -2.34569770262935, 0.42912468881105, 0.506055892157574, -0.574739960134649, -0.546631855784187, -0.564451999093283, -0.890037829044104, -0.477192699753547, -0.998386444859704, -0.77625389463799, 0.0644588172762693, 0.959494058970771, -0.110285494390774, -0.511009505806642, -0.911195416629811, -0.83717168026894, 2.41583517848934, 0.134088220152031, -0.490685896690943, -0.440547872353227, 0.459589441005854, -0.693720246937475, -1.44820491038647, 0.574755720900728, -1.02365572296388, -0.0151383003641817, -0.935948601168394, 1.10229754620026, -0.475593078869057, -0.709440037512506, -0.501258060594761, -1.6290934690787, -1.16761926209419, -2.18003964894867, -1.34099319210003, -0.294293858763713, -0.46589754040611, 1.44949626528713, -1.06864272367458, -0.855364633737507, -0.280623001957454, -0.994340076295665, -0.968514317872049, -1.10731819264177, -1.25198588563894, -0.523828118987356, -0.4968499572667, -1.80603125680195, -0.582075924689333, -1.10888962442678, -1.01496200949201, -0.162309523556819, 0.563055818994517, 1.64781747281506, -0.773353423943695, 1.6059096288573, -1.15780854769441, 0.656588464332807, 2.54899107071786, -0.0347603898038376, -0.669633579661957, -0.00760475571097463, 1.77708444814343, -1.13860773675091, 1.36782717942326, 1.32956479078236, 0.336472797203817, 0.00689283844195796, -0.455468738161428, -0.366523932873933, 0.648286567503148, 2.07027086133094, -0.15339841246697, -1.39070094670149, -0.723581777110154, 0.258261762167853, -0.317059114961199, -0.177789957664294, -0.169994076854541, -1.37230188587669, -0.173787170414033, 0.850232257121884, 0.697608711668253, 0.549997351091101, -0.402731975447623, -0.191593770478477, -1.19452787960251, -0.0531588187433239, 0.255196000995833, 1.70596400724007, 1.00151325236345, -0.49558344300146, 0.355550296999749, -1.13460804353385, 0.878203626952291, 0.972916753376122, 2.12111710537568 ]
MED_M = [ -0.189009340317725, -0.33600385247403, 0.608214082045989, -1.67532663370854, -0.611436242723811, 0.420017225831771, -1.18363460631208, -0.105130540236337, 0.0727422614682129, -0.497124031393186, -0.434530968593027, -1.14826297403561, -1.49789417871773, 0.881503611293193, 0.50210955556141, 0.775997870111448, -1.49979260424755, -0.28657129454873, 0.25458046681321, 1.18164121279614, -0.124348058480008, -1.02724959504535, 1.83788805158688, 0.980296173658758, 1.47734817890955, -0.644042814101248, -0.344031438516002, -2.02511598151567, -0.643668981267142, -0.241672768087036, 1.56483912056588, 0.0149535956318131, -1.52666833159737, 0.418085298227653, -2.46464766938371, -0.949661879238994, -1.40613815330742, -2.61874264337138, 0.772910593009049, -0.85582036508193, 0.390711482646108, 0.860826530692332, 0.208992094170196, -0.24874319796911, 0.0165927402568411, -0.0849853516620662, 1.10919735110952, -0.350099539233987, 0.244358563714009, 0.0991269963904615, -1.28025327589729, -0.193418499235429, 1.08429983290834, -1.38307347893557, 0.0406052368626363, 1.64365857034224, 0.589287649484821, -1.44005951991493, -0.0668287912072636, -0.96903130349426, -0.519055840963168, 1.01385614325953, -0.431799901243812, -0.517867587550412, 0.40325372002509, 1.51317535227386, 1.10890187532926, 0.615219936146641, 0.343942482733003, 1.63924211565081, 1.70777581704808, -0.184490331523185, -0.515919285570486, -1.49809213381152, 2.44639782941225, -0.914281640310346, -1.81911326774606, 2.68197499754021, 0.364152189334597, -0.191788167593905, -2.82111450178795, -0.184787626869166, 0.289880791984049, 0.326975330244081, 1.33743829017106, 2.33253655651851, 1.44410718955918, -0.710103003139031, 0.608383293226274, -0.795680213623335, -0.564650198256525, -2.72816065452132, 0.0633351513562763, 0.988571261345409, 1.9202408180186, 0.67846976278066, 0.0529061819003958, -0.52680139665743, 0.649113084806326, -1.01767898919954 ]
MED_Y = [ 0.352920282346845, 0.461566081833092, 0.61126377301525, -0.471995128051517, -0.116324341245308, 1.05447442005008, 1.0139194017892, 1.03877146309716, 0.0835835405291932, -1.46243578677259, 0.113886144369964, -1.20401931916809, 0.444967177515072, -0.990028411944482, -0.0642750995085286, 0.965206882295434, -1.20159135950826, -0.806751021448331, -0.126514742197467, 1.45668494884177, 0.808128339339533, -0.058862084711338, 3.56000515655829, 1.85970489419352, 1.32185345355047, -1.11060006369218, 2.67831812375641, -0.740165686622639, -1.13488863102301, 0.0173211454200453, 0.770994083912458, -0.264236701283537, -2.00217117270803, 0.409505053745439, -1.40609312992048, -1.74230543822673, -4.21744884023833, -2.0879945030145, 0.570555245427814, -0.00480048144683842, 0.332633206031072, 1.01597746622168, -0.951477708651283, 0.537055018692064, 0.730503648033932, 0.192161322865521, 2.13371258192844, 0.159398793814816, 0.435415264437745, 0.33743280161702, -0.459246716088618, 0.924730956022564, 1.21120027956455, -0.304952819567836, -1.10794988818699, 0.780063482147451, 1.88947094443184, -2.23194541445421, 0.211288233551021, -0.273319107012465, 0.612464233135232, 0.360822563741761, -0.143634491379406, -2.12576237782644, 0.620873651117468, 0.392657717032429, 0.537584688402836, -0.757111327154545, 0.62569505968168, 1.81404899661005, 0.890829182475919, 1.69586783202007, 0.309415870668248, -0.100031920412912, 3.76188148225949, -1.29111075745478, -0.46476001457595, 2.86396311223271, 0.248735736443518, 0.184800640616178, -2.98660205399341, 0.340816208917972, -0.498053777240263, 1.04256559369735, 0.124776019126967, 1.95217307666242, 0.1643523795278, -0.742835281326054, -1.12699070584707, -0.428542116610581, 0.5901882506253, -1.72646493509773, -1.72189460748107, 0.0714661863258423, 3.00021160961175, 2.28473421953034, -1.13800244068186, -0.735464236487842, 0.808004608291715, -0.39321907157178 ]

# lavaan fitMeasures() -- frozen from R
HS_FM = {"npar": 21, "chisq": 85.3055217699727, "df": 24, "pvalue": 8.50255321704907e-09, "baseline.chisq": 918.851589292384, "baseline.df": 36, "cfi": 0.930559651799336, "tli": 0.895839477699004, "rmsea": 0.0921214845101686, "rmsea.ci.lower": 0.0714184904399382, "rmsea.ci.upper": 0.113678016811963, "rmsea.pvalue": 0.000661236778051855, "srmr": 0.0652050571843865, "logl": -3737.7449266262, "unrestricted.logl": -3695.09216574121, "aic": 7517.48985325239, "bic": 7595.33916881212, "ntotal": 301, "bic2": 7528.73911173078}
PD_FM = {"npar": 31, "chisq": 38.1252182280585, "df": 35, "pvalue": 0.329180353225045, "baseline.chisq": 730.654085392558, "baseline.df": 55, "cfi": 0.995374529221942, "tli": 0.992731403063052, "rmsea": 0.0345044826794241, "rmsea.ci.lower": 0, "rmsea.ci.upper": 0.0922326756923514, "rmsea.pvalue": 0.611103821554518, "srmr": 0.0444175458015629, "logl": -1547.79094340271, "unrestricted.logl": -1528.72833428868, "aic": 3157.58188680541, "bic": 3229.42401832504, "ntotal": 75, "bic2": 3131.72018614209}
MED_FM = {"npar": 5, "chisq": 0, "df": 0, "baseline.chisq": 84.3185206165987, "baseline.df": 3, "logl": -281.060993776375, "unrestricted.logl": -281.060993776375, "aic": 572.121987552749, "bic": 585.14783848269, "ntotal": 100}

# lavaan parameterEstimates(standardized = TRUE) -- frozen from R
HS_PE = """
lhs,op,rhs,group,est,se,std.lv,std.all
visual,=~,x1,1,1.000000,0.000000,0.899620,0.771880
visual,=~,x2,1,0.553500,0.099665,0.497940,0.423601
visual,=~,x3,1,0.729370,0.109110,0.656156,0.581132
textual,=~,x4,1,1.000000,0.000000,0.989693,0.851582
textual,=~,x5,1,1.113077,0.065420,1.101604,0.855065
textual,=~,x6,1,0.926146,0.055449,0.916600,0.838010
speed,=~,x7,1,1.000000,0.000000,0.619474,0.569515
speed,=~,x8,1,1.179951,0.164987,0.730948,0.723044
speed,=~,x9,1,1.081530,0.151167,0.669979,0.665009
x1,~~,x1,1,0.549054,0.113601,0.549054,0.404201
x2,~~,x2,1,1.133839,0.101723,1.133839,0.820562
x3,~~,x3,1,0.844324,0.090623,0.844324,0.662285
x4,~~,x4,1,0.371173,0.047718,0.371173,0.274808
x5,~~,x5,1,0.446255,0.058393,0.446255,0.268863
x6,~~,x6,1,0.356203,0.043035,0.356203,0.297739
x7,~~,x7,1,0.799392,0.081382,0.799392,0.675653
x8,~~,x8,1,0.487697,0.074194,0.487697,0.477207
x9,~~,x9,1,0.566131,0.070737,0.566131,0.557763
visual,~~,visual,1,0.809316,0.145462,1.000000,1.000000
textual,~~,textual,1,0.979491,0.112106,1.000000,1.000000
speed,~~,speed,1,0.383748,0.086209,1.000000,1.000000
visual,~~,textual,1,0.408232,0.073524,0.458509,0.458509
visual,~~,speed,1,0.262225,0.056276,0.470535,0.470535
textual,~~,speed,1,0.173495,0.049315,0.282985,0.282985
"""
PD_PE = """
lhs,op,rhs,group,est,se,std.lv,std.all
ind60,=~,x1,1,1.000000,0.000000,0.669655,0.919853
ind60,=~,x2,1,2.180368,0.138509,1.460093,0.973033
ind60,=~,x3,1,1.818511,0.151958,1.217774,0.872139
dem60,=~,y1,1,1.000000,0.000000,2.223123,0.850426
dem60,=~,y2,1,1.256746,0.182440,2.793902,0.717122
dem60,=~,y3,1,1.057717,0.151383,2.351435,0.722350
dem60,=~,y4,1,1.264787,0.145006,2.811776,0.845710
dem65,=~,y5,1,1.000000,0.000000,2.102869,0.808018
dem65,=~,y6,1,1.185696,0.168810,2.493364,0.746007
dem65,=~,y7,1,1.279512,0.159902,2.690647,0.823673
dem65,=~,y8,1,1.265947,0.158111,2.662121,0.827841
dem60,~,ind60,1,1.483001,0.399149,0.446713,0.446713
dem65,~,ind60,1,0.572336,0.221314,0.182259,0.182259
dem65,~,dem60,1,0.837345,0.098351,0.885229,0.885229
y1,~~,y5,1,0.623671,0.358320,0.623671,0.295761
y2,~~,y4,1,1.313113,0.701983,1.313113,0.272567
y2,~~,y6,1,2.152861,0.733776,2.152861,0.356222
y3,~~,y7,1,0.794960,0.607698,0.794960,0.190641
y4,~~,y8,1,0.348226,0.442240,0.348226,0.108802
y6,~~,y8,1,1.356167,0.568286,1.356167,0.337771
x1,~~,x1,1,0.081549,0.019490,0.081549,0.153871
x2,~~,x2,1,0.119806,0.069721,0.119806,0.053208
x3,~~,x3,1,0.466703,0.090156,0.466703,0.239374
y1,~~,y1,1,1.891396,0.444424,1.891396,0.276776
y2,~~,y2,1,7.372869,1.373893,7.372869,0.485736
y3,~~,y3,1,5.067462,0.951727,5.067462,0.478211
y4,~~,y4,1,3.147905,0.738784,3.147905,0.284775
y5,~~,y5,1,2.350970,0.480239,2.350970,0.347108
y6,~~,y6,1,4.953968,0.914247,4.953968,0.443473
y7,~~,y7,1,3.431374,0.712843,3.431374,0.321562
y8,~~,y8,1,3.254085,0.694604,3.254085,0.314679
ind60,~~,ind60,1,0.448437,0.086692,1.000000,1.000000
dem60,~~,dem60,1,3.956033,0.921185,0.800448,0.800448
dem65,~~,dem65,1,0.172481,0.214805,0.039005,0.039005
"""
MED_PE = """
lhs,op,rhs,group,est,se,std.lv,std.all
M,~,X,1,0.473915,0.102733,0.473915,0.418886
Y,~,X,1,0.036355,0.104446,0.036355,0.027693
Y,~,M,1,0.788319,0.092318,0.788319,0.679379
M,~~,M,1,1.054077,0.149069,1.054077,0.824535
Y,~~,Y,1,0.898346,0.127045,0.898346,0.521916
X,~~,X,1,0.998742,0.000000,0.998742,1.000000
ab,:=,a*b,0,0.373596,0.092048,0.373596,0.284582
total,:=,c+a*b,0,0.409951,0.124714,0.409951,0.312275
"""
# lavaan modindices(sort. = TRUE): lhs, op, rhs, mi, epc, sepc.all
HS_MI = """
visual,=~,x9,36.411031,0.577022,0.515249
x7,~~,x8,34.145089,0.536444,0.859151
visual,=~,x7,18.630638,-0.421862,-0.348909
x8,~~,x9,14.946392,-0.423096,-0.805203
textual,=~,x3,9.150895,-0.271638,-0.238099
x2,~~,x7,8.918022,-0.182725,-0.191930
textual,=~,x1,8.902732,0.350331,0.297488
x2,~~,x3,8.531827,0.218239,0.223050
x3,~~,x5,7.858085,-0.130095,-0.211940
visual,=~,x5,7.440646,-0.209898,-0.146569
"""
PD_MI = """
ind60,=~,y4,4.796142,0.861663,0.173552
ind60,=~,y5,4.456350,0.835285,0.214929
dem65,=~,y4,4.260465,1.420141,0.898223
y1,~~,y3,3.771487,0.848740,0.274150
x1,~~,y2,3.040092,-0.155041,-0.199949
"""
HS_R2 = [0.595799383323326, 0.179437800413087, 0.337714777914082, 0.725192281469993,
         0.731136917580338, 0.702260884028153, 0.324346975279673, 0.522793251759477,
         0.442237261109952]
PD_R2 = {"x1": 0.846129390160285, "x2": 0.946792363043362, "x3": 0.760625666759169,
         "y1": 0.723224138728651, "y2": 0.514264059596231, "y3": 0.521788983751709,
         "y4": 0.715224582805665, "y5": 0.652892307699385, "y6": 0.556526537290197,
         "y7": 0.678437921715045, "y8": 0.68532117323109, "dem60": 0.199552487195423,
         "dem65": 0.960995241503256}

TOL = 1e-3  # the acceptance bar (3 decimals)
TIGHT = 1e-4  # what we actually reach (lavaan's own convergence noise is ~1e-5)


@pytest.fixture(scope="module")
def hs():
    return sem.fit(HS, holzinger39.get_data())


@pytest.fixture(scope="module")
def pdem():
    return sem.fit(PD, political_democracy.get_data())


@pytest.fixture(scope="module")
def med():
    data = pd.DataFrame({"X": MED_X, "M": MED_M, "Y": MED_Y})
    return sem.fit(MED, data)


def _row(res, lhs, op, rhs, group=1):
    e = res.estimates
    sel = e[(e.lhs == lhs) & (e.op == op) & (e.rhs == rhs) & (e.group == group)]
    assert len(sel) == 1, (lhs, op, rhs)
    return sel.iloc[0]


def _mi_table(text):
    rows = [r.split(",") for r in text.strip().splitlines()]
    return [(a, b, c, float(d), float(e), float(f)) for a, b, c, d, e, f in rows]


# ----------------------------------------------------------------- Holzinger-Swineford
def test_hs_published_fit_measures(hs):
    fm = hs.fit_measures
    published = {
        "chisq": 85.305522, "df": 24, "cfi": 0.930560, "tli": 0.895839, "rmsea": 0.092121,
        "rmsea.ci.lower": 0.071418, "rmsea.ci.upper": 0.113678, "rmsea.pvalue": 0.001,
        "srmr": 0.065205, "logl": -3737.745, "unrestricted.logl": -3695.092, "aic": 7517.490,
        "bic": 7595.339, "baseline.chisq": 918.852, "baseline.df": 36, "ntotal": 301,
    }
    for k, v in published.items():
        assert fm[k] == pytest.approx(v, abs=TOL), k
    assert hs.converged and not hs.warnings


def test_hs_fit_measures_match_r(hs):
    for k, v in HS_FM.items():
        assert hs.fit_measures[k] == pytest.approx(v, abs=TIGHT, rel=1e-7), k


def test_hs_published_estimates(hs):
    load = {"x2": (0.553500, 0.100), "x3": (0.729370, 0.109), "x5": (1.113077, 0.065),
            "x6": (0.926146, 0.055), "x8": (1.179951, 0.165), "x9": (1.081530, 0.151)}
    fac = {"x2": "visual", "x3": "visual", "x5": "textual", "x6": "textual", "x8": "speed",
           "x9": "speed"}
    for x, (est, se) in load.items():
        r = _row(hs, fac[x], "=~", x)
        assert r.est == pytest.approx(est, abs=TOL)
        assert r.se == pytest.approx(se, abs=TOL)
    std = [.772, .424, .581, .852, .855, .838, .570, .723, .665]
    facs = ["visual"] * 3 + ["textual"] * 3 + ["speed"] * 3
    for i, (f, s) in enumerate(zip(facs, std, strict=False)):
        assert _row(hs, f, "=~", f"x{i + 1}")["std.all"] == pytest.approx(s, abs=TOL)
    for f, v in zip(["visual", "textual", "speed"], [.809, .979, .384], strict=False):
        assert _row(hs, f, "~~", f).est == pytest.approx(v, abs=TOL)
    for (a, b), v in zip([("visual", "textual"), ("visual", "speed"), ("textual", "speed")],
                         [.408, .262, .173], strict=False):
        assert _row(hs, a, "~~", b).est == pytest.approx(v, abs=TOL)
    resid = [.549, 1.134, .844, .371, .446, .356, .799, .488, .566]
    for i, v in enumerate(resid):
        assert _row(hs, f"x{i + 1}", "~~", f"x{i + 1}").est == pytest.approx(v, abs=TOL)
    r2 = dict(zip(hs.r2.variable, hs.r2.r2, strict=False))
    for i, v in enumerate([.596, .179, .338, .725, .731, .702, .324, .523, .442]):
        assert r2[f"x{i + 1}"] == pytest.approx(v, abs=TOL)


def test_hs_estimates_match_r(hs):
    diffs = compare_estimates(hs, HS_PE)
    assert max(diffs.values()) < TIGHT, diffs
    r2 = dict(zip(hs.r2.variable, hs.r2.r2, strict=False))
    assert np.allclose([r2[f"x{i + 1}"] for i in range(9)], HS_R2, atol=TIGHT)


def test_hs_modification_indices(hs):
    mi = sem.modification_indices(hs)
    assert list(mi.columns[:5]) == ["lhs", "op", "rhs", "group", "mi"]
    assert len(mi) == 54  # lavaan lists 18 cross-loadings and 36 residual covariances
    assert mi["mi"].is_monotonic_decreasing
    published = [("visual", "=~", "x9", 36.411, .577), ("x7", "~~", "x8", 34.145, .536),
                 ("visual", "=~", "x7", 18.631, -.422), ("x8", "~~", "x9", 14.946, -.423),
                 ("textual", "=~", "x3", 9.151, -.272)]
    for i, (lhs, op, rhs, m, epc) in enumerate(published):
        row = mi.iloc[i]
        assert (row.lhs, row.op, row.rhs) == (lhs, op, rhs)
        assert row.mi == pytest.approx(m, abs=TOL)
        assert row.epc == pytest.approx(epc, abs=TOL)
    for lhs, op, rhs, m, epc, sepc in _mi_table(HS_MI):
        row = mi[(mi.lhs == lhs) & (mi.op == op) & (mi.rhs == rhs)].iloc[0]
        assert row.mi == pytest.approx(m, abs=TIGHT * 10)
        assert row.epc == pytest.approx(epc, abs=TIGHT)
        assert row["sepc.all"] == pytest.approx(sepc, abs=TIGHT)


def test_hs_implied_and_serialisation(hs):
    cov = hs.implied_cov
    assert list(cov.columns) == [f"x{i}" for i in range(1, 10)]
    lam = _row(hs, "visual", "=~", "x2").est
    psi = _row(hs, "visual", "~~", "visual").est
    assert cov.loc["x1", "x2"] == pytest.approx(lam * psi, rel=1e-12)
    d = json.loads(hs.to_json())
    assert d["fit_measures"]["df"] == 24
    back = sem.SEMResult.from_dict(d)
    pd.testing.assert_frame_equal(back.implied_cov, cov)
    assert back.fit_measures["chisq"] == hs.fit_measures["chisq"]


# ----------------------------------------------------------------- Political Democracy
def test_pd_published(pdem):
    fm = pdem.fit_measures
    published = {"chisq": 38.125218, "df": 35, "pvalue": .329, "cfi": 0.995375,
                 "tli": 0.992731, "logl": -1547.791, "aic": 3157.582, "bic": 3229.424,
                 "rmsea": 0.034504, "rmsea.ci.lower": 0.0, "rmsea.ci.upper": 0.092233,
                 "srmr": 0.044418}
    for k, v in published.items():
        assert fm[k] == pytest.approx(v, abs=TOL), k
    paths = [("dem60", "ind60", 1.483, .399, .447), ("dem65", "ind60", .572, .221, .182),
             ("dem65", "dem60", .837, .098, .885)]
    for lhs, rhs, est, se, std in paths:
        r = _row(pdem, lhs, "~", rhs)
        assert (r.est, r.se, r["std.all"]) == pytest.approx((est, se, std), abs=TOL)
    loads = {("ind60", "x2"): (2.180, .139), ("ind60", "x3"): (1.819, .152),
             ("dem60", "y2"): (1.257, None), ("dem60", "y3"): (1.058, None),
             ("dem60", "y4"): (1.265, None), ("dem65", "y6"): (1.186, None),
             ("dem65", "y7"): (1.280, None), ("dem65", "y8"): (1.266, None)}
    for (f, x), (est, se) in loads.items():
        r = _row(pdem, f, "=~", x)
        assert r.est == pytest.approx(est, abs=TOL)
        if se is not None:
            assert r.se == pytest.approx(se, abs=TOL)
    covs = {("y1", "y5"): .624, ("y2", "y4"): 1.313, ("y2", "y6"): 2.153, ("y3", "y7"): .795,
            ("y4", "y8"): .348, ("y6", "y8"): 1.356, ("dem60", "dem60"): 3.956,
            ("dem65", "dem65"): .172}
    for (a, b), v in covs.items():
        assert _row(pdem, a, "~~", b).est == pytest.approx(v, abs=TOL)


def test_pd_matches_r(pdem):
    for k, v in PD_FM.items():
        assert pdem.fit_measures[k] == pytest.approx(v, abs=TIGHT, rel=1e-7), k
    diffs = compare_estimates(pdem, PD_PE)
    assert max(diffs.values()) < TIGHT, diffs
    r2 = dict(zip(pdem.r2.variable, pdem.r2.r2, strict=False))
    for k, v in PD_R2.items():
        assert r2[k] == pytest.approx(v, abs=TIGHT), k
    mi = sem.modification_indices(pdem)
    assert len(mi) == 71  # 22 cross-loadings + 49 residual covariances, as lavaan
    for lhs, op, rhs, m, epc, sepc in _mi_table(PD_MI):
        row = mi[(mi.lhs == lhs) & (mi.op == op) & (mi.rhs == rhs)].iloc[0]
        assert row.mi == pytest.approx(m, abs=TOL)
        assert row.epc == pytest.approx(epc, abs=TOL)
        assert row["sepc.all"] == pytest.approx(sepc, abs=TOL)


# ----------------------------------------------------------------- mediation (issue 6)
def test_mediation_published(med):
    want = {"a": (.4739, .1027), "b": (.7883, .0923), "c": (.0364, .1044),
            "ab": (.3736, .0920), "total": (.4100, .1247)}
    e = med.estimates.set_index("label")
    for lab, (est, se) in want.items():
        assert e.loc[lab, "est"] == pytest.approx(est, abs=1e-4)
        assert e.loc[lab, "se"] == pytest.approx(se, abs=1e-4)
    assert e.loc["ab", "z"] == pytest.approx(4.059, abs=1e-3)


def test_mediation_matches_r(med):
    diffs = compare_estimates(med, MED_PE)
    assert max(diffs.values()) < 1e-6, diffs
    for k, v in MED_FM.items():
        assert med.fit_measures[k] == pytest.approx(v, abs=1e-6), k
    # fixed.x: the exogenous variance is fixed at its sample value and has no SE
    x = _row(med, "X", "~~", "X")
    assert x.se == 0 and np.isnan(x.z)


# ----------------------------------------------------------------- covariates (fixed.x)
# R: sem(XC, data = HolzingerSwineford1939); parameterEstimates(standardized = TRUE);
#    fitMeasures(); inspect(, "r2"); modindices(sort. = TRUE)
XC = """
  visual =~ x1 + x2 + x3
  textual =~ x4 + x5 + x6
  textual ~ a*visual + ageyr
  x9 ~ b*textual + sex
  ind := a*b
"""
XC_FM = {
    "npar": 17,
    "chisq": 107.319156347817,
    "df": 25,
    "pvalue": 3.57081031410189e-12,
    "baseline.chisq": 787.356181721402,
    "baseline.df": 35,
    "cfi": 0.890584860804268,
    "tli": 0.846818805125975,
    "rmsea": 0.104591695513908,
    "rmsea.ci.lower": 0.0846997839127612,
    "rmsea.ci.upper": 0.125334598811236,
    "srmr": 0.0843790801544989,
    "logl": -2931.71607092357,
    "unrestricted.logl": -2878.05649274966,
    "aic": 5897.43214184715,
    "bic": 5960.45301634788,
}
XC_PE = """
lhs,op,rhs,group,est,se,std.lv,std.all
visual,=~,x1,1,1.000000,0.000000,0.896398,0.769116
visual,=~,x2,1,0.571101,0.105789,0.511934,0.435506
visual,=~,x3,1,0.724923,0.117990,0.649819,0.575520
textual,=~,x4,1,1.000000,0.000000,0.985682,0.849862
textual,=~,x5,1,1.115252,0.065488,1.099283,0.855028
textual,=~,x6,1,0.925441,0.055568,0.912190,0.835624
textual,~,visual,1,0.513253,0.094895,0.466763,0.466763
textual,~,ageyr,1,-0.203127,0.052803,-0.206078,-0.216103
x9,~,textual,1,0.273303,0.061307,0.269389,0.267503
x9,~,sex,1,0.058709,0.112391,0.058709,0.029136
x1,~~,x1,1,0.554840,0.124383,0.554840,0.408460
x2,~~,x2,1,1.119705,0.102354,1.119705,0.810334
x3,~~,x3,1,0.852599,0.094419,0.852599,0.668776
x4,~~,x4,1,0.373598,0.047325,0.373598,0.277734
x5,~~,x5,1,0.444523,0.057749,0.444523,0.268928
x6,~~,x6,1,0.359559,0.042818,0.359559,0.301732
x9,~~,x9,1,0.940172,0.077390,0.940172,0.927049
visual,~~,visual,1,0.803530,0.153754,1.000000,1.000000
textual,~~,textual,1,0.714523,0.091848,0.735432,0.735432
ageyr,~~,ageyr,1,1.099657,0.000000,1.099657,1.000000
ageyr,~~,sex,1,-0.084668,0.000000,-0.084668,-0.161553
sex,~~,sex,1,0.249776,0.000000,0.249776,1.000000
ind,:=,a*b,0,0.140274,0.039978,0.125741,0.124860
"""
XC_R2 = {'x1': 0.591539551706668, 'x2': 0.189665636864699, 'x3': 0.331223662827818, 'x4': 0.722266220703175, 'x5': 0.731072259693617, 'x6': 0.698267708702789, 'x9': 0.0729508453399813, 'textual': 0.264567630582813}
# modindices() rows (lavaan also lists regressions of the fixed-x covariates ageyr/sex,
# which are not proposed here): lhs, op, rhs, mi, epc, sepc.all
XC_MI = """
x9,~,visual,44.073346,0.598260,0.532523
visual,~,x9,43.286096,0.504867,0.567189
textual,~,x9,16.910831,-0.498505,-0.509313
visual,=~,x5,11.598092,-0.266302,-0.185672
textual,=~,x1,11.314959,0.423979,0.358569
x9,~,ageyr,9.662938,0.173234,0.180389
x2,~~,x3,9.342733,0.250269,0.256143
textual,=~,x3,9.331581,-0.292463,-0.255315
"""


def test_covariate_model_matches_r():
    res = sem.fit(XC, holzinger39.get_data())
    for k, v in XC_FM.items():
        assert res.fit_measures[k] == pytest.approx(v, abs=TIGHT, rel=1e-7), k
    diffs = compare_estimates(res, XC_PE)
    assert max(diffs.values()) < TIGHT, diffs
    r2 = dict(zip(res.r2.variable, res.r2.r2, strict=True))
    assert r2 == pytest.approx(XC_R2, abs=TIGHT)
    e = res.estimates
    exo = e[(e.lhs == "ageyr") & (e.op == "~~") & (e.rhs == "sex")].iloc[0]
    assert exo.se == 0  # fixed.x: the covariates' covariance is the sample value
    mi = sem.modification_indices(res)
    assert not ((mi.op == "~") & mi.lhs.isin(["ageyr", "sex"])).any()
    for lhs, op, rhs, m, epc, sepc in _mi_table(XC_MI):
        row = mi[(mi.lhs == lhs) & (mi.op == op) & (mi.rhs == rhs)].iloc[0]
        assert row.mi == pytest.approx(m, abs=TOL)
        assert row.epc == pytest.approx(epc, abs=TIGHT)
        assert row["sepc.all"] == pytest.approx(sepc, abs=TIGHT)
