"""Slice 4b: ordinal items, DWLS on polychoric correlations (WLSMV) vs lavaan.

``tests/data/sem_ordinal.csv`` (400 cases, 8 items with 4-5 categories) and the
reference values were produced with lavaan 0.6.14 / R 4.2.2 by::

    suppressMessages({library(lavaan); library(jsonlite)})
    # Simulated ordinal data (semTools datCat-style): 2 correlated factors, 4 items each,
    # 4-5 ordered categories, N = 400; the population has cross-loadings (y3, y4 on f2)
    # that the fitted model omits, so the fit is imperfect
    set.seed(20240905)
    pop <- ' f1 =~ 0.8*y1 + 0.7*y2 + 0.6*y3 + 0.5*y4
             f2 =~ 0.7*y5 + 0.6*y6 + 0.8*y7 + 0.5*y8 + 0.3*y4 + 0.3*y3
             f1 ~~ 0.4*f2 '
    Y <- simulateData(pop, sample.nobs = 400, standardized = TRUE)
    cuts <- list(c(-1.2, -0.2, 0.8), c(-0.8, 0.3, 1.1), c(-1.5, -0.5, 0.5, 1.4), c(-0.3, 0.6, 1.5),
                 c(-1.0, 0.0, 1.0), c(-1.3, -0.1, 0.9, 1.7), c(-0.7, 0.4, 1.2), c(-1.1, 0.2, 1.3))
    for (j in 1:8) Y[[j]] <- as.integer(cut(Y[[j]], c(-Inf, cuts[[j]], Inf)))
    write.csv(Y, "tests/data/sem_ordinal.csv", row.names = FALSE)
    Y <- read.csv("tests/data/sem_ordinal.csv")
    model <- ' f1 =~ y1 + y2 + y3 + y4
               f2 =~ y5 + y6 + y7 + y8 '
    fit <- cfa(model, data = Y, ordered = names(Y))   # WLSMV
    out <- list(fm = as.list(fitMeasures(fit)), pe = parameterEstimates(fit, standardized = TRUE),
                cor = lavInspect(fit, "sampstat")$cov, th = as.numeric(lavInspect(fit, "sampstat")$th),
                nacov_diag = diag(lavInspect(fit, "gamma")), wls_obs = as.numeric(lavInspect(fit, "wls.obs")),
                fmin = fitMeasures(fit, "fmin"))
    fit2 <- cfa(model, data = Y, ordered = names(Y), estimator = "DWLS")
    out$dwls_fm <- as.list(fitMeasures(fit2))
    writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null"), "/tmp/semref/ord.json")
"""

from __future__ import annotations

import pathlib

import numpy as np
import pandas as pd
import pytest

from analysis import sem
from analysis.sem import SEMInputError
from analysis.sem.ordinal import ordinal_statistics
from analysis.sem.testing import compare_estimates

DATA = pathlib.Path(__file__).parent / "data" / "sem_ordinal.csv"
MODEL = "f1 =~ y1 + y2 + y3 + y4\nf2 =~ y5 + y6 + y7 + y8"

WLSMV_FM = {
    "npar": 35,
    "chisq": 35.6575743452779,
    "df": 19,
    "pvalue": 0.0116249478311954,
    "chisq.scaled": 54.1464180285,
    "pvalue.scaled": 3.13771631582638e-05,
    "chisq.scaling.factor": 0.68805524815906,
    "baseline.chisq": 2099.40604769726,
    "baseline.df": 28,
    "baseline.chisq.scaled": 1459.35089630517,
    "cfi": 0.99195832494368,
    "tli": 0.988149110443318,
    "cfi.scaled": 0.975445281713083,
    "tli.scaled": 0.963814099366648,
    "rmsea": 0.046875145827012,
    "rmsea.ci.lower": 0.0217910506178823,
    "rmsea.ci.upper": 0.0703431037085089,
    "rmsea.scaled": 0.068089051876378,
    "srmr": 0.0485072786884051,
}
DWLS_FM = {
    "chisq": 35.6575743452779,
    "df": 19,
    "cfi": 0.99195832494368,
    "tli": 0.988149110443318,
    "rmsea": 0.046875145827012,
    "srmr": 0.0485072786884051,
}
# lavaan sampstat thresholds + polychoric correlations (wls.obs), first 6 and last 3
WLS_OBS_HEAD = [-1.1625798748, -0.2275449766, 0.8151263327, -0.8238936303, 0.2858408749, 1.0803193408]
WLS_OBS_TAIL = [0.4757216943, 0.2758689866, 0.3909113551]
# diag(lavInspect(fit, "gamma")), first 5
GAMMA_HEAD = [2.6094682349, 1.6006710082, 2.0079640376, 2.0188323836, 1.6182354147]

WLSMV_PE = """
lhs,op,rhs,group,est,se,std.all
f1,=~,y1,1,1.000000,0.000000,0.742024
f1,=~,y2,1,0.927708,0.068075,0.688382
f1,=~,y3,1,1.041529,0.069661,0.772840
f1,=~,y4,1,0.993706,0.064648,0.737354
f2,=~,y5,1,1.000000,0.000000,0.676645
f2,=~,y6,1,0.840807,0.089774,0.568928
f2,=~,y7,1,1.201691,0.102635,0.813118
f2,=~,y8,1,0.766240,0.086611,0.518472
y1,|,t1,1,-1.162580,0.080870,-1.162580
y1,|,t2,1,-0.227545,0.063338,-0.227545
y1,|,t3,1,0.815126,0.070940,0.815126
y2,|,t1,1,-0.823894,0.071132,-0.823894
y2,|,t2,1,0.285841,0.063685,0.285841
y2,|,t3,1,1.080319,0.078045,1.080319
y3,|,t1,1,-1.514102,0.097337,-1.514102
y3,|,t2,1,-0.524401,0.065982,-0.524401
y3,|,t3,1,0.433020,0.064929,0.433020
y3,|,t4,1,1.422090,0.092232,1.422090
y4,|,t1,1,-0.246881,0.063444,-0.246881
y4,|,t2,1,0.682378,0.068353,0.682378
y4,|,t3,1,1.494672,0.096205,1.494672
y5,|,t1,1,-0.934589,0.073794,-0.934589
y5,|,t2,1,0.000000,0.062744,0.000000
y5,|,t3,1,0.924934,0.073543,0.924934
y6,|,t1,1,-1.213340,0.082784,-1.213340
y6,|,t2,1,-0.056429,0.062781,-0.056429
y6,|,t3,1,0.915365,0.073298,0.915365
y6,|,t4,1,1.695398,0.109490,1.695398
y7,|,t1,1,-0.698283,0.068633,-0.698283
y7,|,t2,1,0.439913,0.065001,0.439913
y7,|,t3,1,1.295929,0.086201,1.295929
y8,|,t1,1,-1.103063,0.078794,-1.103063
y8,|,t2,1,0.125661,0.062925,0.125661
y8,|,t3,1,1.281552,0.085578,1.281552
y1,~~,y1,1,0.449400,0.000000,0.449400
y2,~~,y2,1,0.526131,0.000000,0.526131
y3,~~,y3,1,0.402719,0.000000,0.402719
y4,~~,y4,1,0.456309,0.000000,0.456309
y5,~~,y5,1,0.542151,0.000000,0.542151
y6,~~,y6,1,0.676321,0.000000,0.676321
y7,~~,y7,1,0.338839,0.000000,0.338839
y8,~~,y8,1,0.731186,0.000000,0.731186
f1,~~,f1,1,0.550600,0.052448,1.000000
f2,~~,f2,1,0.457849,0.060300,1.000000
f1,~~,f2,1,0.313650,0.036027,0.624693
"""


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(DATA)


@pytest.fixture(scope="module")
def wlsmv(data):
    return sem.fit(MODEL, data, ordered=list(data.columns))


def test_sample_statistics(data):
    st = ordinal_statistics(data, list(data.columns))
    obs = np.concatenate([st.thresholds, st.rho])
    assert obs[:6] == pytest.approx(WLS_OBS_HEAD, abs=1e-7)
    assert obs[-3:] == pytest.approx(WLS_OBS_TAIL, abs=1e-7)
    assert np.diag(st.gamma)[:5] == pytest.approx(GAMMA_HEAD, abs=1e-6)


def test_wlsmv_matches_lavaan(wlsmv):
    assert wlsmv.converged and not wlsmv.warnings
    assert wlsmv.options["estimator"] == "WLSMV"
    for k, v in WLSMV_FM.items():
        assert wlsmv.fit_measures[k] == pytest.approx(v, abs=1e-4, rel=1e-6), k
    diffs = compare_estimates(wlsmv, WLSMV_PE, columns=("est", "se", "std.all"))
    assert max(diffs.values()) < 1e-5, diffs
    # delta parameterization: latent responses have unit variance
    assert np.allclose(np.diag(wlsmv.implied_cov), 1.0)


def test_dwls_matches_lavaan(data):
    res = sem.fit(MODEL, data, ordered=list(data.columns), estimator="DWLS")
    for k, v in DWLS_FM.items():
        assert res.fit_measures[k] == pytest.approx(v, abs=1e-4, rel=1e-6), k
    assert "chisq.scaled" not in res.fit_measures


def test_ordinal_input_errors(data):
    d = data.copy()
    d["y3"] = 2
    with pytest.raises(SEMInputError, match="y3"):
        sem.fit(MODEL, d, ordered=list(d.columns))
    with pytest.raises(SEMInputError, match="not declared ordered: y8"):
        sem.fit(MODEL, data, ordered=[f"y{i}" for i in range(1, 8)])


def test_ordinal_unsupported_options_are_refused(data, wlsmv):
    d = data.copy()
    d["g"] = [1, 2] * 200
    items = [f"y{i}" for i in range(1, 9)]
    # several groups are supported (tests/test_sem_ordinal_groups.py); FIML and
    # group_partial are not
    with pytest.raises(SEMInputError, match="listwise"):
        sem.fit(MODEL, d, ordered=items, group="g", missing="ml")
    with pytest.raises(SEMInputError, match="group_partial"):
        sem.fit(MODEL, d, ordered=items, group="g", group_equal=("thresholds", "loadings"),
                group_partial=("f1=~y2",))
    with pytest.raises(SEMInputError, match="group variable"):
        sem.fit(MODEL, d, ordered=items, group_equal=("loadings",))


def test_single_indicator_factor_of_an_ordinal_item_is_a_clear_error():
    """lavaan 0.6.14 on the same model (sem(m, ordered = ...)): "Could not compute standard
    errors! The information matrix could not be inverted"; here: a clear message instead of a
    singular-matrix traceback, saying what to write instead."""
    data = pd.read_csv(DATA)
    model = "f1 =~ y1 + y2 + y3\nf2 =~ y4\nf2 ~ f1"
    with pytest.raises(SEMInputError, match=r"'f2' \(item y4\).*'y ~ x'"):
        sem.fit(model, data, ordered=list(data.columns))
    # the equivalent model with the item in place of the factor fits
    res = sem.fit("f1 =~ y1 + y2 + y3\ny4 ~ f1", data, ordered=list(data.columns))
    assert res.converged


# lavaan 0.6.14, same data and model (fit as at the top of this file):
#     fit <- cfa(model, data = Y, ordered = names(Y))   # WLSMV
#     mi <- modindices(fit, sort. = TRUE)               # 36 rows
#     head(mi[, c("lhs", "op", "rhs", "mi", "epc", "sepc.all")], 12)
# (estimator = "DWLS" gives the identical table)
WLSMV_MI = """
lhs,op,rhs,mi,epc,sepc.all
f2,=~,y3,15.18545207887,0.5038538809232,0.340930230919
y1,~~,y2,14.47703488679,0.2162479086216,0.444721834011
f2,=~,y1,9.31251936608,-0.4063915151627,-0.274982804249
y3,~~,y8,8.21655548485,0.1520727962047,0.280244131875
f2,=~,y2,6.10258535959,-0.3173875145692,-0.214758688441
y2,~~,y8,4.20840429144,-0.1252963298017,-0.202012113181
y1,~~,y7,3.91459051736,-0.1198171329836,-0.307047655275
y3,~~,y7,3.65208826142,0.1040136946123,0.281574292794
y4,~~,y8,2.70852842105,0.1022574842086,0.177031842646
y2,~~,y7,2.61112041519,-0.0957233978629,-0.226712074622
f1,=~,y8,2.29831417976,0.1699262740832,0.126089408148
y1,~~,y3,1.97518919525,-0.0874060101040,-0.205458335891
"""


@pytest.mark.parametrize("estimator", ["WLSMV", "DWLS"])
def test_ordinal_modification_indices_match_lavaan(data, estimator):
    import io

    fit = sem.fit(MODEL, data, ordered=list(data.columns), estimator=estimator)
    mi = sem.modification_indices(fit)
    # lavaan's candidate set: 8 cross-loadings and 28 residual covariances (the items'
    # residual variances are derived under the delta parameterization: no score test)
    assert len(mi) == 36
    assert set(mi["op"]) == {"=~", "~~"} and not (mi["lhs"] == mi["rhs"]).any()
    ref = pd.read_csv(io.StringIO(WLSMV_MI))
    top = mi.head(len(ref)).reset_index(drop=True)
    assert top[["lhs", "op", "rhs"]].equals(ref[["lhs", "op", "rhs"]])
    assert np.max(np.abs(top["mi"] - ref["mi"])) < 1e-3
    assert np.max(np.abs(top["epc"] - ref["epc"])) < 1e-3
    assert np.max(np.abs(top["sepc.all"] - ref["sepc.all"])) < 1e-3
