"""The structural model's own fit beside its measurement model's, and the chi-square
difference between them, against lavaan.

Frozen from lavaan 0.6.14 / R 4.2.2 (``HolzingerSwineford1939`` is semopy's ``holzinger39``)::

    suppressMessages({library(lavaan); library(jsonlite)})
    HS <- HolzingerSwineford1939
    m.sem <- 'visual =~ x1 + x2 + x3
    textual =~ x4 + x5 + x6
    speed =~ x7 + x8 + x9
    textual ~ visual
    speed ~ textual'
    m.cfa <- 'visual =~ x1 + x2 + x3
    textual =~ x4 + x5 + x6
    speed =~ x7 + x8 + x9'
    keys <- c("chisq","df","pvalue","cfi","tli","rmsea","rmsea.ci.lower","rmsea.ci.upper","srmr",
     "chisq.scaled","pvalue.scaled","chisq.scaling.factor","cfi.robust","tli.robust","rmsea.robust",
     "rmsea.ci.lower.robust","rmsea.ci.upper.robust","cfi.scaled","tli.scaled","rmsea.scaled")
    out <- list()
    for (est in c("ML","MLR","MLM")) {
      s <- sem(m.sem, data=HS, estimator=est); c <- cfa(m.cfa, data=HS, estimator=est)
      a <- anova(s, c)
      fs <- fitMeasures(s); fc <- fitMeasures(c)
      out[[est]] <- list(sem=as.list(fs[intersect(keys,names(fs))]), cfa=as.list(fc[intersect(keys,names(fc))]),
         diff=list(chisq=a[["Chisq diff"]][2], df=a[["Df diff"]][2], p=a[["Pr(>Chisq)"]][2]))
    }
    cat(toJSON(out, digits=NA, auto_unbox=TRUE, pretty=FALSE))

``anova(s, c)`` uses the Satorra-Bentler (2001) scaled difference under MLM and MLR.
"""

from __future__ import annotations

import copy
import json
import re

import pandas as pd
import pytest
from semopy.examples import holzinger39
from test_sem_ml import MED_M, MED_X, MED_Y

from analysis.sem.compare import measurement_model
from analysis.structural.effects import estimate_effects
from reports.format import apa
from reports.report import render_report

SEM = """visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
textual ~ visual
speed ~ textual"""

LAVAAN = {
    "ML": {"sem": {"chisq": 103.410833345003, "df": 25, "cfi": 0.911184581535555, "tli": 0.8721057974112, "rmsea": 0.102078618223109, "rmsea.ci.lower": 0.0821191444732796, "rmsea.ci.upper": 0.122887439002035, "srmr": 0.0883502334128548}, "cfa": {"chisq": 85.3055217699727, "df": 24, "cfi": 0.930559651799336, "tli": 0.895839477699004, "rmsea": 0.0921214845101686, "rmsea.ci.lower": 0.0714184904399382, "rmsea.ci.upper": 0.113678016811963, "srmr": 0.0652050571843865}, "diff": {"chisq": 18.1053115750302, "df": 1, "p": 2.09017555154142e-05}},
    "MLR": {"sem": {"chisq": 103.410833345003, "df": 25, "cfi": 0.911184581535555, "tli": 0.8721057974112, "rmsea": 0.102078618223109, "rmsea.ci.lower": 0.0821191444732796, "rmsea.ci.upper": 0.122887439002035, "srmr": 0.0883502334128548, "chisq.scaled": 103.570135390558, "chisq.scaling.factor": 0.998461892079661, "cfi.robust": 0.910981119141276, "tli.robust": 0.871812811563437, "rmsea.robust": 0.102103644848899, "rmsea.ci.lower.robust": 0.082162426382343, "rmsea.ci.upper.robust": 0.12289366154322}, "cfa": {"chisq": 85.3055217699727, "df": 24, "cfi": 0.930559651799336, "tli": 0.895839477699004, "rmsea": 0.0921214845101686, "rmsea.ci.lower": 0.0714184904399382, "rmsea.ci.upper": 0.113678016811963, "srmr": 0.0652050571843865, "chisq.scaled": 87.131603366625, "chisq.scaling.factor": 0.979042258766103, "cfi.robust": 0.929863935696168, "tli.robust": 0.894795903544252, "rmsea.robust": 0.0924986213715963, "rmsea.ci.lower.robust": 0.0720677307616934, "rmsea.ci.upper.robust": 0.113781308007416}, "diff": {"chisq": 12.3625144961304, "df": 1, "p": 0.000438040330813623}},
    "MLM": {"sem": {"chisq": 103.410833345003, "df": 25, "cfi": 0.911184581535555, "tli": 0.8721057974112, "rmsea": 0.102078618223109, "rmsea.ci.lower": 0.0821191444732796, "rmsea.ci.upper": 0.122887439002035, "srmr": 0.0883502334128548, "chisq.scaled": 98.1219346967481, "chisq.scaling.factor": 1.053901287868, "cfi.robust": 0.912122753797657, "tli.robust": 0.873456765468627, "rmsea.robust": 0.101197679085373, "rmsea.ci.lower.robust": 0.0806001099518485, "rmsea.ci.upper.robust": 0.122661344217074}, "cfa": {"chisq": 85.3055217699727, "df": 24, "cfi": 0.930559651799336, "tli": 0.895839477699004, "rmsea": 0.0921214845101686, "rmsea.ci.lower": 0.0714184904399382, "rmsea.ci.upper": 0.113678016811963, "srmr": 0.0652050571843865, "chisq.scaled": 80.8717834914071, "chisq.scaling.factor": 1.05482429207261, "cfi.robust": 0.931592172096263, "tli.robust": 0.897388258144395, "rmsea.robust": 0.0911275337268195, "rmsea.ci.lower.robust": 0.0697112997262726, "rmsea.ci.upper.robust": 0.113395815610437}, "diff": {"chisq": 17.5481714004744, "df": 1, "p": 2.80120039788932e-05}},
}


@pytest.fixture(scope="module")
def hs():
    return holzinger39.get_data()


@pytest.mark.parametrize("estimator", ["ML", "MLR", "MLM"])
def test_structural_and_measurement_fit_and_their_difference_equal_lavaan(hs, estimator):
    ref = LAVAAN[estimator]
    res = estimate_effects(hs, SEM, n_boot=0, estimator=estimator)
    for which, got in (("sem", res.fit_measures), ("cfa", res.measurement["fit_measures"])):
        for key, want in ref[which].items():
            assert got[key] == pytest.approx(want, abs=2e-6, rel=1e-5), (which, key)
    comp = res.comparison
    # the scaled difference divides by df1 c1 - df0 c0, which cancels: scaling factors that
    # agree with lavaan's to ~1e-6 give a difference to ~2e-5 (MLM: 17.5479 vs 17.5482)
    assert comp["chisq.diff"] == pytest.approx(ref["diff"]["chisq"], rel=5e-5)
    assert comp["df.diff"] == ref["diff"]["df"] == 1 and not comp["saturated"]
    assert comp["pvalue"] == pytest.approx(ref["diff"]["p"], rel=5e-4)
    assert comp["method"] == ("standard" if estimator == "ML" else "satorra.bentler.2001")


def test_measurement_model_frees_what_the_structure_constrains():
    assert measurement_model(SEM).splitlines() == [
        f"{f} =~ {x}" for f, xs in (("visual", "123"), ("textual", "456"), ("speed", "789"))
        for x in (f"x{k}" for k in xs)]
    # observed structural variables: the saturated covariance model; the test is then the
    # structural model's own chi-square (closed form)
    med = pd.DataFrame({"X": MED_X, "M": MED_M, "Y": MED_Y})
    res = estimate_effects(med, "M ~ X; Y ~ M", n_boot=0)
    assert res.measurement["fit_measures"]["df"] == 0
    assert res.measurement["fit_measures"]["chisq"] == pytest.approx(0, abs=1e-9)
    assert res.comparison["chisq.diff"] == pytest.approx(res.fit_measures["chisq"], abs=1e-9)
    assert res.comparison["df.diff"] == 1
    sat = estimate_effects(med, "M ~ X; Y ~ X + M", n_boot=0)
    assert sat.comparison["saturated"] and sat.comparison["df.diff"] == 0


def test_the_report_shows_the_structural_fit_beside_the_measurement_fit(hs):
    """The report of a run whose structural model is not saturated: fit table, summary card
    and methods paragraph carry lavaan's values for both models and the difference test."""
    from analysis.responses.simulate import SimulationSettings, simulate
    from analysis.study import StudySettings, run_study
    from instruments import load_instrument

    inst = load_instrument("five_commitments")
    sim = simulate(inst, SimulationSettings(n=300, seed=2))
    base = run_study(sim.data, inst, StudySettings(n_boot=0, n_jobs=1, progress=False),
                     created="2026-12-01T00:00:00+00:00")
    results = json.loads(json.dumps(base, allow_nan=False))
    ref = LAVAAN["MLR"]
    eff = estimate_effects(hs, SEM, n_boot=0, estimator="MLR").to_dict()
    r = copy.deepcopy(results)
    r["settings"]["estimator"] = "MLR"
    r["validation"]["cfa"]["estimator"] = "MLR"
    r["validation"]["cfa"]["fit_measures"] = eff["measurement"]["fit_measures"]
    r["effects"].update({k: eff[k] for k in ("fit_measures", "measurement", "comparison")})
    html = render_report(r)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&lt;", "<").replace(
        "&amp;", "&")
    table = text[text.index("Fit of the measurement and structural models"):]
    table = table[:table.index("Note.")]
    assert f"χ² (scaled) {apa(ref['cfa']['chisq.scaled'], 2)} {apa(ref['sem']['chisq.scaled'], 2)}" in table
    assert (f"CFI (robust) {apa(ref['cfa']['cfi.robust'], 3, True)} "
            f"{apa(ref['sem']['cfi.robust'], 3, True)}") in table
    assert (f"RMSEA (robust) [90% CI] {apa(ref['cfa']['rmsea.robust'], 3, True)} "
            f"[{apa(ref['cfa']['rmsea.ci.lower.robust'], 3, True)}, "
            f"{apa(ref['cfa']['rmsea.ci.upper.robust'], 3, True)}] "
            f"{apa(ref['sem']['rmsea.robust'], 3, True)}") in table
    assert (f"Δχ² (structural − measurement) {apa(ref['diff']['chisq'], 2)}, df = 1, p < .001"
            in table), table
    cards = text[text.index("Key numbers"):][:600]
    assert f"Structural model fit (robust) CFI {apa(ref['sem']['cfi.robust'], 3, True)}" in cards
    methods = text[text.index("Methods and references"):]
    assert f"the structural model with scaled χ²(25) = {apa(ref['sem']['chisq.scaled'], 2)}" in methods
    assert (f"Δχ²(1) = {apa(ref['diff']['chisq'], 2)}, p < .001 (scaled difference test; "
            "Satorra & Bentler, 2001)") in methods
    assert "Satorra, A., & Bentler, P. M. (2001)" in html.replace("&amp;", "&")
