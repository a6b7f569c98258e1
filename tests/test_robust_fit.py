"""Robust estimation end to end: lavaan's robust CFI/TLI/RMSEA under WLSMV (Savalei 2021),
the structural model and its measurement model under WLSMV and MLR, the effects, and every
place a fit is printed (CLI summary lines, the report's fit table, badges and methods text)
showing the robust/scaled version, named.

``tests/data/sem_ordinal_paths.csv`` (500 cases, nine 5-category items, three factors) was
made and the references frozen with lavaan 0.6.14 / R 4.2.2 by::

    suppressMessages({library(lavaan); library(jsonlite)})
    set.seed(20261201)
    pop <- 'f1 =~ 0.8*y1 + 0.7*y2 + 0.75*y3
    f2 =~ 0.8*y4 + 0.7*y5 + 0.65*y6
    f3 =~ 0.75*y7 + 0.8*y8 + 0.7*y9
    f2 ~ 0.5*f1
    f3 ~ 0.3*f2 + 0.35*f1'
    Y <- simulateData(pop, sample.nobs = 500, standardized = TRUE)
    Y[] <- lapply(Y, function(x) as.integer(cut(x, c(-Inf, -1.2, -0.3, 0.5, 1.3, Inf))))
    write.csv(Y, "tests/data/sem_ordinal_paths.csv", row.names = FALSE)

    suppressMessages({library(lavaan); library(jsonlite)})
    Y <- read.csv("tests/data/sem_ordinal_paths.csv")
    m.sem <- 'f1 =~ y1 + y2 + y3
    f2 =~ y4 + y5 + y6
    f3 =~ y7 + y8 + y9
    f2 ~ a*f1
    f3 ~ b*f2
    ind := a*b'
    m.cfa <- 'f1 =~ y1 + y2 + y3
    f2 =~ y4 + y5 + y6
    f3 =~ y7 + y8 + y9'
    keys <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
              "srmr", "chisq.scaled", "pvalue.scaled", "chisq.scaling.factor", "cfi.scaled",
              "tli.scaled", "rmsea.scaled", "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled",
              "cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.lower.robust",
              "rmsea.ci.upper.robust")
    ref <- list()
    for (est in c("WLSMV", "MLR")) {
      ord <- if (est == "WLSMV") names(Y) else NULL
      s <- sem(m.sem, data = Y, ordered = ord, estimator = est)
      c <- cfa(m.cfa, data = Y, ordered = ord, estimator = est)
      a <- anova(s, c)
      pe <- parameterEstimates(s, standardized = TRUE)
      pe <- pe[pe$op %in% c("~", ":="), c("lhs", "op", "rhs", "est", "se", "std.all")]
      fs <- fitMeasures(s); fc <- fitMeasures(c)
      ref[[est]] <- list(sem = as.list(fs[intersect(keys, names(fs))]),
                         cfa = as.list(fc[intersect(keys, names(fc))]),
                         diff = list(chisq = a[["Chisq diff"]][2], df = a[["Df diff"]][2],
                                     p = a[["Pr(>Chisq)"]][2]), pe = pe)
    }
    cat(toJSON(ref, digits = NA, auto_unbox = TRUE))

The 8-item CFA on ``tests/data/sem_ordinal.csv`` (see test_sem_ordinal.py) gives, by
``fitMeasures(cfa(model, data = Y, ordered = names(Y)))``, cfi.robust .9562956738,
tli.robust .9355936, rmsea.robust .07767955 [.04913033, .1066940].
"""

from __future__ import annotations

import copy
import json
import pathlib
import re

import pandas as pd
import pytest

from analysis import sem
from analysis.psychometrics.validation import ValidationSettings, validate_scales
from analysis.structural.effects import estimate_effects
from reports.cli import main
from reports.format import apa, apa_ci
from reports.report import render_report

DATA = pathlib.Path(__file__).parent / "data"
SEM = "f1 =~ y1 + y2 + y3\nf2 =~ y4 + y5 + y6\nf3 =~ y7 + y8 + y9\nf2 ~ f1\nf3 ~ f2"
CFA = "f1 =~ y1 + y2 + y3\nf2 =~ y4 + y5 + y6\nf3 =~ y7 + y8 + y9"
CONSTRUCTS = {"f1": ["y1", "y2", "y3"], "f2": ["y4", "y5", "y6"], "f3": ["y7", "y8", "y9"]}

LAVAAN = {
    "WLSMV": {"sem": {"chisq": 63.3105961821873, "df": 25, "pvalue": 3.60245377620805e-05, "cfi": 0.988782010343138, "tli": 0.983846094894118, "rmsea": 0.0554165108421924, "rmsea.ci.lower": 0.038613890186612, "rmsea.ci.upper": 0.072570521567516, "srmr": 0.0508870477038986, "chisq.scaled": 91.7880865094512, "pvalue.scaled": 1.45815293173257e-09, "chisq.scaling.factor": 0.728059632815327, "cfi.scaled": 0.969091075863727, "tli.scaled": 0.955491149243767, "rmsea.scaled": 0.0731693544430681, "rmsea.ci.lower.scaled": 0.0574700166280271, "rmsea.ci.upper.scaled": 0.0895129063573328, "cfi.robust": 0.968891496807519, "tli.robust": 0.955203755402828, "rmsea.robust": 0.061897218154735, "rmsea.ci.lower.robust": 0.0415200474792553, "rmsea.ci.upper.robust": 0.0825115203257685}, "cfa": {"chisq": 12.6710089051659, "df": 24, "pvalue": 0.971238853199368, "cfi": 1, "tli": 1.00497597992159, "rmsea": 0, "rmsea.ci.lower": 0, "rmsea.ci.upper": 0, "srmr": 0.0227658105211502, "chisq.scaled": 23.8140539052324, "pvalue.scaled": 0.472270583259407, "chisq.scaling.factor": 0.617022177220405, "cfi.scaled": 1, "tli.scaled": 1.00012908126367, "rmsea.scaled": 0, "rmsea.ci.lower.scaled": 0, "rmsea.ci.upper.scaled": 0.0359520802259317, "cfi.robust": 0.998619948435722, "tli.robust": 0.997929922653582, "rmsea.robust": 0.0133058803453622, "rmsea.ci.lower.robust": 0, "rmsea.ci.upper.robust": 0.0463434756203219}, "diff": {"chisq": 25.1523714325812, "df": 1, "p": 5.29744711558289e-07}, "pe": [{"lhs": "f2", "op": "~", "rhs": "f1", "est": 0.62215383653235, "se": 0.0548992349235425, "std.all": 0.685767869541956}, {"lhs": "f3", "op": "~", "rhs": "f2", "est": 0.691411263071363, "se": 0.06557839808064, "std.all": 0.623527258552702}, {"lhs": "ind", "op": ":=", "rhs": "a*b", "est": 0.430164169941527, "se": 0.0484619341280251, "std.all": 0.427594959699023}]},
    "MLR": {"sem": {"chisq": 55.8810686090894, "df": 25, "pvalue": 0.000376703365105202, "cfi": 0.976117235070006, "tli": 0.965608818500809, "rmsea": 0.0497039786005824, "rmsea.ci.lower": 0.0322122737032126, "rmsea.ci.upper": 0.0672404020955528, "srmr": 0.0567952475853485, "chisq.scaled": 54.8667338780249, "pvalue.scaled": 0.000512322617183592, "chisq.scaling.factor": 1.01848724462658, "cfi.scaled": 0.976252369521887, "tli.scaled": 0.965803412111517, "rmsea.scaled": 0.0488808624130343, "rmsea.ci.lower.scaled": 0.0314221252211735, "rmsea.ci.upper.scaled": 0.0663222935530821, "cfi.robust": 0.976456762269095, "tli.robust": 0.966097737667497, "rmsea.robust": 0.0493306294250742, "rmsea.ci.lower.robust": 0.0315462479610989, "rmsea.ci.upper.robust": 0.0670955655490684}, "cfa": {"chisq": 25.7817042773851, "df": 24, "pvalue": 0.364333641443042, "cfi": 0.99862206761786, "tli": 0.99793310142679, "rmsea": 0.0121850464278459, "rmsea.ci.lower": 0, "rmsea.ci.upper": 0.0390354099014434, "srmr": 0.0233769816765605, "chisq.scaled": 25.2873946270783, "pvalue.scaled": 0.390280407319354, "chisq.scaling.factor": 1.01954767019682, "cfi.scaled": 0.998976367084254, "tli.scaled": 0.998464550626382, "rmsea.scaled": 0.0103577451981527, "rmsea.ci.lower.scaled": 0, "rmsea.ci.upper.scaled": 0.0380639486225911, "cfi.robust": 0.998984120748708, "tli.robust": 0.998476181123062, "rmsea.robust": 0.0104584901422303, "rmsea.ci.lower.robust": 0, "rmsea.ci.upper.robust": 0.0386533466544334}, "diff": {"chisq": 30.3104148122107, "df": 1, "p": 3.68143869558003e-08}, "pe": [{"lhs": "f2", "op": "~", "rhs": "f1", "est": 0.583662631475097, "se": 0.0633824971678417, "std.all": 0.598030332410988}, {"lhs": "f3", "op": "~", "rhs": "f2", "est": 0.554499246810095, "se": 0.0705478379259022, "std.all": 0.546037106644039}, {"lhs": "ind", "op": ":=", "rhs": "a*b", "est": 0.323640489544139, "se": 0.0557084677924071, "std.all": 0.326546752395068}]},
}


@pytest.fixture(scope="module")
def paths_data():
    return pd.read_csv(DATA / "sem_ordinal_paths.csv")


def _ordered(est: str, data: pd.DataFrame) -> list[str] | None:
    return list(data.columns) if est == "WLSMV" else None


def test_wlsmv_robust_cfi_tli_rmsea_equal_lavaan_on_the_eight_item_cfa():
    y = pd.read_csv(DATA / "sem_ordinal.csv")
    fm = sem.fit("f1 =~ y1 + y2 + y3 + y4\nf2 =~ y5 + y6 + y7 + y8", y,
                 ordered=list(y.columns)).fit_measures
    want = {"cfi.robust": .956295673868, "tli.robust": .935593624648,
            "rmsea.robust": .07767954322, "rmsea.ci.lower.robust": .04913026873,
            "rmsea.ci.upper.robust": .10669398019}
    for key, value in want.items():
        assert fm[key] == pytest.approx(value, abs=2e-6), key


@pytest.mark.parametrize("est", ["WLSMV", "MLR"])
def test_structural_and_measurement_fits_difference_and_effects_equal_lavaan(paths_data, est):
    ref = LAVAAN[est]
    res = estimate_effects(paths_data, SEM, estimator=est, ordered=_ordered(est, paths_data),
                           n_boot=0)
    for which, got in (("sem", res.fit_measures), ("cfa", res.measurement["fit_measures"])):
        for key, want in ref[which].items():
            assert got[key] == pytest.approx(want, abs=2e-6, rel=1e-5), (est, which, key)
    comp = res.comparison
    assert comp["method"] == {"WLSMV": "satorra.2000", "MLR": "satorra.bentler.2001"}[est]
    assert comp["chisq.diff"] == pytest.approx(ref["diff"]["chisq"], rel=1e-5)
    assert comp["pvalue"] == pytest.approx(ref["diff"]["p"], rel=1e-4)
    pe = {(r["lhs"], r["op"], r["rhs"]): r for r in ref["pe"]}
    eff = res.effects.set_index(["predictor", "outcome", "kind"])
    for (lhs, op, rhs), key in (((("f2", "~", "f1")), ("f1", "f2", "direct")),
                                ((("f3", "~", "f2")), ("f2", "f3", "direct")),
                                ((("ind", ":=", "a*b")), ("f1", "f3", "indirect"))):
        row, want = eff.loc[key], pe[(lhs, op, rhs)]
        assert row["est"] == pytest.approx(want["est"], abs=1e-5), key  # DWLS: ~2e-6
        assert row["se"] == pytest.approx(want["se"], abs=1e-5), key  # robust delta method
        assert row["std.all"] == pytest.approx(want["std.all"], abs=1e-5), key
    if est == "WLSMV":  # no bootstrap of polychorics: said, and the intervals are Wald ones
        res = estimate_effects(paths_data, SEM, estimator=est, ordered=list(paths_data.columns),
                               n_boot=50, n_jobs=1)
        assert res.bootstrap["n_boot"] == 0 and "not implemented" in res.bootstrap["skipped"]
        assert "bca.lower" not in res.effects and any("no bootstrap" in w for w in res.warnings)


def _line(out: str, start: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(start))


@pytest.mark.parametrize("est", ["WLSMV", "MLR"])
def test_cli_summary_lines_show_lavaans_robust_fit(paths_data, est, tmp_path, capsys):
    ref = LAVAAN[est]
    csv = tmp_path / "paths.csv"
    paths_data.to_csv(csv, index=False)
    extra = ["--ordered", "all"] if est == "WLSMV" else []
    assert main(["validate", str(csv), "--model", CFA, "--estimator", est, "--htmt-boot", "10",
                 *extra]) == 0
    cfa_line = _line(capsys.readouterr().out, f"CFA ({est}, N = 500)")
    c, s = ref["cfa"], ref["sem"]
    assert (f"scaled chisq {c['chisq.scaled']:.3f} (unscaled {c['chisq']:.3f}), df 24, "
            f"robust CFI {c['cfi.robust']:.3f}, robust TLI {c['tli.robust']:.3f}, "
            f"robust RMSEA {c['rmsea.robust']:.3f} [{c['rmsea.ci.lower.robust']:.3f}, "
            f"{c['rmsea.ci.upper.robust']:.3f}]") in cfa_line
    assert f"CFI {c['cfi']:.3f}" not in cfa_line.replace(f"robust CFI {c['cfi.robust']:.3f}", "")
    assert main(["effects", str(csv), "--model", SEM, "--estimator", est, "--boot", "0",
                 *extra]) == 0
    out = capsys.readouterr().out
    assert (f"scaled chisq {s['chisq.scaled']:.3f} (unscaled {s['chisq']:.3f}), df 25, "
            f"robust CFI {s['cfi.robust']:.3f}") in _line(out, f"structural model ({est}, N = 500)")
    assert f"robust CFI {c['cfi.robust']:.3f}" in _line(out, f"measurement model ({est})")
    assert f"{ref['diff']['chisq']:.3f}, df 1, p < .001" in _line(out, "chi-square difference")


@pytest.mark.parametrize("est", ["WLSMV", "MLR"])
def test_report_fit_table_badges_and_methods_show_lavaans_robust_fit(paths_data, est):
    """A report whose measurement and structural fits are these models' (validation CFA and
    effects of the same data): every fit it prints is lavaan's robust/scaled one, named."""
    from analysis.responses.simulate import SimulationSettings, simulate
    from analysis.study import StudySettings, run_study
    from instruments import load_instrument

    ref = LAVAAN[est]
    inst = load_instrument("five_commitments")
    base = run_study(simulate(inst, SimulationSettings(n=250, seed=4)).data, inst,
                     StudySettings(n_boot=0, n_jobs=1, progress=False),
                     created="2026-12-01T00:00:00+00:00")
    r = copy.deepcopy(json.loads(json.dumps(base, allow_nan=False)))
    val = validate_scales(paths_data, CONSTRUCTS, CFA, ordered=_ordered(est, paths_data),
                          settings=ValidationSettings(estimator=est, htmt_n_boot=10,
                                                      method_factor=False)).to_dict()
    eff = estimate_effects(paths_data, SEM, estimator=est, ordered=_ordered(est, paths_data),
                           n_boot=0).to_dict()
    r["settings"]["estimator"] = est
    r["validation"]["cfa"] = val["cfa"]
    r["effects"].update({k: eff[k] for k in ("fit_measures", "measurement", "comparison", "n")})
    html = render_report(r)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&lt;", "<").replace(
        "&amp;", "&")
    c, s = ref["cfa"], ref["sem"]
    table = text[text.index("Fit of the measurement and structural models"):]
    table = table[:table.index("Note.")]
    assert f"χ² (scaled) {apa(c['chisq.scaled'], 2)} {apa(s['chisq.scaled'], 2)}" in table
    assert f"CFI (robust) {apa(c['cfi.robust'], 3, True)} {apa(s['cfi.robust'], 3, True)}" in table
    assert f"TLI (robust) {apa(c['tli.robust'], 3, True)} {apa(s['tli.robust'], 3, True)}" in table
    rm = lambda f: (f"{apa(f['rmsea.robust'], 3, True)} "  # noqa: E731
                    + apa_ci(f["rmsea.ci.lower.robust"], f["rmsea.ci.upper.robust"], 3, True))
    assert f"RMSEA (robust) [90% CI] {rm(c)} {rm(s)}" in table
    assert f"{apa(ref['diff']['chisq'], 2)}, df = 1, p < .001" in table
    # the unscaled CFIs appear nowhere (where they differ from the robust ones when rounded)
    for f in (c, s):
        if apa(f["cfi"], 3, True) != apa(f["cfi.robust"], 3, True):
            assert f"CFI = {apa(f['cfi'], 3, True)}" not in text
            assert f"CFI {apa(f['cfi'], 3, True)}" not in text
    badges = text[text.index("Factor structure"):text.index("Fit of the measurement and")]
    assert f"CFI = {apa(c['cfi.robust'], 3, True)}" in badges
    assert f"χ²(24) = {apa(c['chisq.scaled'], 2)}" in badges
    cards = text[text.index("Key numbers"):][:500]
    assert f"Measurement model fit (robust) CFI {apa(c['cfi.robust'], 3, True)}" in cards
    assert f"Structural model fit (robust) CFI {apa(s['cfi.robust'], 3, True)}" in cards
    methods = text[text.index("Methods and references"):]
    assert (f"the structural model with scaled χ²(25) = {apa(s['chisq.scaled'], 2)}, p < .001; "
            f"CFI = {apa(s['cfi.robust'], 3, True)}, TLI = {apa(s['tli.robust'], 3, True)}, "
            f"RMSEA = {rm(s)} (robust versions)") in methods
    words = {"WLSMV": "diagonally weighted least squares on the polychoric correlations",
             "MLR": "Huber-White robust standard errors and the Yuan-Bentler scaled test"}[est]
    assert words in methods and "lavaan itself was not run" in methods
    test = {"WLSMV": "scaled and shifted difference test; Satorra, 2000",
            "MLR": "scaled difference test; Satorra & Bentler, 2001"}[est]
    assert f"Δχ²(1) = {apa(ref['diff']['chisq'], 2)}, p < .001 ({test})" in methods


#: lavaan 0.6.14's robust indices of MLR with FIML (FIML-C V3), one group and two groups::
#:
#:     suppressMessages({library(lavaan); library(jsonlite)})
#:     d <- HolzingerSwineford1939[, c("school", paste0("x", 1:9))]
#:     for (i in seq_len(nrow(d))) for (j in 1:9) if ((i * 7 + j * 13) %% 17 == 0) d[i, j + 1] <- NA
#:     m <- 'visual =~ x1 + x2 + x3
#:     textual =~ x4 + x5 + x6
#:     speed =~ x7 + x8 + x9'
#:     keys <- c("cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust")
#:     one <- cfa(m, data = d, estimator = "MLR", missing = "ml")
#:     two <- cfa(m, data = d, estimator = "MLR", missing = "ml", group = "school", group.equal = "loadings")
#:     cat(toJSON(list(one = as.list(fitMeasures(one)[keys]), two = as.list(fitMeasures(two)[keys])), digits = NA, auto_unbox = TRUE))
FIML_MLR = {"one": {"cfi.robust": 0.918047257410901, "tli.robust": 0.877070886116351, "rmsea.robust": 0.0992793697468437, "rmsea.ci.lower.robust": 0.0767396881843144, "rmsea.ci.upper.robust": 0.1227416298412}, "two": {"cfi.robust": 0.901973870339441, "tli.robust": 0.869298493785921, "rmsea.robust": 0.102943382489003, "rmsea.ci.lower.robust": 0.0799383974900307, "rmsea.ci.upper.robust": 0.126155953948892}}


@pytest.mark.parametrize("groups", ["one", "two"])
def test_fiml_mlr_robust_cfi_tli_rmsea_equal_lavaan(groups):
    import numpy as np
    from semopy.examples import holzinger39

    d = holzinger39.get_data()[["school"] + [f"x{j}" for j in range(1, 10)]].copy()
    for i in range(len(d)):  # the same planted missing answers as the R call (1-based rows)
        for j in range(1, 10):
            if ((i + 1) * 7 + j * 13) % 17 == 0:
                d.iloc[i, j] = np.nan
    extra = {"group": "school", "group_equal": ["loadings"]} if groups == "two" else {}
    fm = sem.fit(CFA_HS, d, estimator="MLR", missing="ml", **extra).fit_measures
    for key, want in FIML_MLR[groups].items():
        assert fm[key] == pytest.approx(want, abs=2e-6), key


CFA_HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def test_other_difference_tests_are_lavaans_anova_under_robust_estimators(paths_data):
    """The group comparison of paths and the method-factor (ULMC) test: lavaan's anova(),
    i.e. the scaled differences under MLR and WLSMV, not the plain difference of the statistics.

    Frozen from lavaan 0.6.14::

    #     suppressMessages({library(lavaan); library(jsonlite)})
    #     m <- 'visual =~ x1 + x2 + x3
    #     textual =~ x4 + x5 + x6
    #     speed =~ x7 + x8 + x9
    #     textual ~ visual
    #     speed ~ textual'
    #     f <- sem(m, data = HolzingerSwineford1939, group = "school", group.equal = "loadings", estimator = "MLR")
    #     c <- sem(m, data = HolzingerSwineford1939, group = "school", group.equal = c("loadings", "regressions"), estimator = "MLR")
    #     a <- anova(c, f)
    #     cat(toJSON(list(chisq = a[["Chisq diff"]][2], df = a[["Df diff"]][2], p = a[["Pr(>Chisq)"]][2]), digits = NA, auto_unbox = TRUE))
    #     -> {"chisq":0.604195830153642,"df":2,"p":0.739265676090147}

    #     suppressMessages({library(lavaan); library(jsonlite)})
    #     Y <- read.csv("tests/data/sem_ordinal_paths.csv")
    #     cfa.m <- 'f1 =~ y1 + y2 + y3
    #     f2 =~ y4 + y5 + y6
    #     f3 =~ y7 + y8 + y9'
    #     ulmc <- paste(cfa.m, 'ulmc_method =~ y1 + y2 + y3 + y4 + y5 + y6 + y7 + y8 + y9
    #     ulmc_method ~~ 0*f1
    #     ulmc_method ~~ 0*f2
    #     ulmc_method ~~ 0*f3', sep = "\n")
    #     out <- list()
    #     for (est in c("MLR", "WLSMV")) {
    #       ord <- if (est == "WLSMV") names(Y) else NULL
    #       b <- cfa(cfa.m, data = Y, estimator = est, ordered = ord)
    #       u <- cfa(ulmc, data = Y, estimator = est, ordered = ord, std.lv = TRUE)
    #       a <- anova(b, u)
    #       out[[est]] <- list(chisq = a[["Chisq diff"]][2], df = a[["Df diff"]][2], p = a[["Pr(>Chisq)"]][2])
    #     }
    #     cat(toJSON(out, digits = NA, auto_unbox = TRUE))
    #     -> {"MLR":{"chisq":12.8846100790714,"df":9,"p":0.167897425734686},
    #         "WLSMV":{"chisq":12.7847090966262,"df":9,"p":0.172592368926241}}
    """
    from semopy.examples import holzinger39

    from analysis.structural.groups import compare_paths

    sem_hs = CFA_HS + "\ntextual ~ visual\nspeed ~ textual"
    omni = compare_paths(holzinger39.get_data(), sem_hs, "school", estimator="MLR").omnibus
    assert omni["chisq.diff"] == pytest.approx(0.604195830153642, rel=1e-5)
    assert omni["df.diff"] == 2 and omni["pvalue"] == pytest.approx(0.739265676090147, rel=1e-5)
    want = {"MLR": (12.8846100790714, 0.167897425734686, "satorra.bentler.2001"),
            "WLSMV": (12.7847090966262, 0.172592368926241, "satorra.2000")}
    for est, (chisq, p, method) in want.items():
        v = validate_scales(paths_data, CONSTRUCTS, CFA, ordered=_ordered(est, paths_data),
                            settings=ValidationSettings(estimator=est, htmt_n_boot=10))
        u = v.method_bias["ulmc"]
        assert u["chisq_diff"] == pytest.approx(chisq, rel=1e-5), est
        assert u["df_diff"] == 9 and u["pvalue_diff"] == pytest.approx(p, rel=1e-4), est
        assert u["diff_method"] == method
