"""Multi-group WLSMV (ordinal items) and ordinal measurement invariance vs lavaan 0.6.14.

``tests/data/sem_ordinal_groups.csv`` (two groups, 300 + 320 cases, 8 items with 4-5
categories; group b has other loadings and latent means) and the reference values
``tests/data/sem_ordinal_groups_lavaan.json`` were produced with lavaan 0.6.14 / R 4.2.2
(from the repository root) by::

    suppressMessages({library(lavaan); library(jsonlite)})
    set.seed(20261201)
    pop1 <- 'f1 =~ 0.8*y1 + 0.7*y2 + 0.6*y3 + 0.7*y4
             f2 =~ 0.7*y5 + 0.6*y6 + 0.8*y7 + 0.5*y8
             f1 ~~ 0.4*f2'
    pop2 <- 'f1 =~ 0.8*y1 + 0.6*y2 + 0.6*y3 + 0.7*y4
             f2 =~ 0.7*y5 + 0.6*y6 + 0.7*y7 + 0.5*y8
             f1 ~~ 0.3*f2
             f1 ~ 0.3*1
             f2 ~ -0.2*1'
    d1 <- simulateData(pop1, sample.nobs = 300, standardized = TRUE)
    d2 <- simulateData(pop2, sample.nobs = 320, standardized = TRUE)
    d <- rbind(d1, d2); d$g <- rep(c("a", "b"), c(300, 320))
    cuts4 <- c(-Inf, -0.8, 0.1, 0.9, Inf); cuts5 <- c(-Inf, -1.2, -0.4, 0.3, 1.1, Inf)
    for (j in 1:8) d[[paste0("y", j)]] <- as.integer(cut(d[[paste0("y", j)]],
                                                          if (j %% 2 == 0) cuts5 else cuts4))
    write.csv(d[, c(paste0("y", 1:8), "g")], "tests/data/sem_ordinal_groups.csv", row.names = FALSE)
    d <- read.csv("tests/data/sem_ordinal_groups.csv")
    m <- 'f1 =~ y1 + y2 + y3 + y4
          f2 =~ y5 + y6 + y7 + y8'
    it <- paste0("y", 1:8)
    fits <- list(
      configural = cfa(m, d, ordered = it, group = "g"),
      thresholds.loadings = cfa(m, d, ordered = it, group = "g",
                                group.equal = c("thresholds", "loadings")),
      thresholds = cfa(m, d, ordered = it, group = "g", group.equal = "thresholds"))
    out <- lapply(fits, function(f) list(
      fm = as.list(fitMeasures(f, c("npar", "chisq", "df", "chisq.scaled", "chisq.scaling.factor",
                                    "baseline.chisq", "baseline.chisq.scaled", "cfi", "tli",
                                    "cfi.scaled", "tli.scaled", "rmsea", "rmsea.scaled", "srmr"))),
      pe = parameterEstimates(f)[, c("lhs", "op", "rhs", "group", "est", "se")]))
    lrt <- function(a, b) as.list(as.data.frame(lavTestLRT(fits[[a]], fits[[b]]))[2, 5:7])
    out$lrt <- list(configural.thresholds.loadings = lrt("configural", "thresholds.loadings"),
                    configural.thresholds = lrt("configural", "thresholds"),
                    thresholds.thresholds.loadings = lrt("thresholds", "thresholds.loadings"))
    writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), "tests/data/sem_ordinal_groups_lavaan.json")
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pandas as pd
import pytest

from analysis import sem
from analysis.sem import SEMInputError
from analysis.sem.ordinal_groups import lrt_satorra2000

DATA = pathlib.Path(__file__).parent / "data"
MODEL = "f1 =~ y1 + y2 + y3 + y4\nf2 =~ y5 + y6 + y7 + y8"
ITEMS = [f"y{j}" for j in range(1, 9)]
REF = json.loads((DATA / "sem_ordinal_groups_lavaan.json").read_text())
EQUAL = {"configural": (), "thresholds.loadings": ("thresholds", "loadings"),
         "thresholds": ("thresholds",)}


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(DATA / "sem_ordinal_groups.csv")


@pytest.fixture(scope="module")
def fits(data):
    return {name: sem.fit(MODEL, data, group="g", group_equal=eq, ordered=ITEMS)
            for name, eq in EQUAL.items()}


@pytest.mark.parametrize("name", list(EQUAL))
def test_fit_measures_match_lavaan(fits, name):
    res, ref = fits[name], REF[name]["fm"]
    assert res.converged
    fm = res.fit_measures
    assert fm["npar"] == ref["npar"] and fm["df"] == ref["df"]
    assert fm["chisq"] == pytest.approx(ref["chisq"], abs=1e-4)
    for k in ("chisq.scaled", "baseline.chisq", "baseline.chisq.scaled"):
        assert fm[k] == pytest.approx(ref[k], abs=1e-3), k
    for k in ("chisq.scaling.factor", "cfi", "tli", "cfi.scaled", "tli.scaled", "rmsea",
              "rmsea.scaled", "srmr"):
        assert fm[k] == pytest.approx(ref[k], abs=1e-6), k


@pytest.mark.parametrize("name", list(EQUAL))
def test_estimates_and_robust_ses_match_lavaan(fits, name):
    pe = pd.DataFrame(REF[name]["pe"])
    pe["rhs"] = pe["rhs"].fillna("")
    mine = fits[name].estimates.set_index(["lhs", "op", "rhs", "group"])
    keys = list(zip(pe["lhs"], pe["op"], pe["rhs"], pe["group"], strict=True))
    assert len(mine) == len(pe) and set(mine.index) == set(keys)
    got = mine.loc[keys]
    assert np.max(np.abs(got["est"].to_numpy() - pe["est"].to_numpy())) < 1e-4
    assert np.max(np.abs(got["se"].to_numpy() - pe["se"].to_numpy())) < 1e-3


def test_free_parameters_mirror_lavaan_partable(fits):
    est = fits["thresholds.loadings"].estimates.set_index(["lhs", "op", "rhs", "group"])
    # group 1: scale factors 1 and latent means 0 (fixed); group 2: both free
    assert (est.xs(("~*~", 1), level=("op", "group"))["se"] == 0).all()
    assert (est.xs(("~*~", 2), level=("op", "group"))["se"] > 0).all()
    assert est.loc[("f1", "~1", "", 1), "se"] == 0
    assert est.loc[("f1", "~1", "", 2), "se"] > 0
    th = est.xs("|", level="op")
    assert np.allclose(th.xs(1, level="group")["est"], th.xs(2, level="group")["est"])
    conf = fits["configural"].estimates
    assert (conf.loc[conf["op"].isin(["~*~", "~1"]), "se"] == 0).all()


@pytest.mark.parametrize("pair", list(REF["lrt"]))
def test_scaled_difference_test_matches_lavTestLRT(fits, pair):
    a, b = ("thresholds", "thresholds.loadings") if pair.startswith("thresholds.") else \
        ("configural", pair[len("configural."):])
    stat, ddf, p = lrt_satorra2000(fits[a], fits[b])
    ref = REF["lrt"][pair]
    assert ddf == ref["Df diff"]
    assert stat == pytest.approx(ref["Chisq diff"], abs=1e-3)
    assert p == pytest.approx(ref["Pr(>Chisq)"], abs=1e-4)


def test_invariance_runs_the_ordinal_sequence(data):
    inv = sem.invariance(MODEL, data, "g", estimator="WLSMV", ordered=ITEMS)
    t = inv.table.set_index("model")
    assert list(t.index) == ["configural", "thresholds.loadings"]
    ref = REF["thresholds.loadings"]["fm"]
    assert t.loc["thresholds.loadings", "chisq"] == pytest.approx(ref["chisq"], abs=1e-4)
    assert t.loc["thresholds.loadings", "cfi"] == pytest.approx(ref["cfi.scaled"], abs=1e-6)
    lrt = REF["lrt"]["configural.thresholds.loadings"]
    assert t.loc["thresholds.loadings", "chisq.diff"] == pytest.approx(lrt["Chisq diff"],
                                                                       abs=1e-3)
    assert t.loc["thresholds.loadings", "df.diff"] == lrt["Df diff"]
    assert t.loc["thresholds.loadings", "decision"] == "supported"
    three = sem.invariance(MODEL, data, "g", ordered=ITEMS,
                           levels=("configural", "thresholds", "thresholds.loadings"))
    assert three.table["chisq.diff"].iloc[2] == pytest.approx(
        REF["lrt"]["thresholds.thresholds.loadings"]["Chisq diff"], abs=1e-3)
    with pytest.raises(ValueError, match="ordinal"):
        sem.invariance(MODEL, data, "g", ordered=ITEMS, levels=("configural", "scalar"))


def test_ordinal_groups_input_errors(data):
    with pytest.raises(SEMInputError, match="not available for ordinal"):
        sem.fit(MODEL, data, group="g", group_equal=("intercepts",), ordered=ITEMS)
    bad = data.copy()
    bad.loc[(bad["g"] == "b") & (bad["y1"] == 4), "y1"] = 3  # group b lacks category 4
    with pytest.raises(SEMInputError, match="same categories"):
        sem.fit(MODEL, bad, group="g", group_equal=("thresholds",), ordered=ITEMS)


def test_validate_scales_tests_ordinal_invariance(data):
    from analysis.psychometrics.validation import ValidationSettings, validate_scales
    from analysis.sem.syntax import constructs_from_syntax

    res = validate_scales(data, constructs_from_syntax(MODEL), MODEL, group="g",
                          settings=ValidationSettings(estimator="WLSMV", htmt_n_boot=20,
                                                      parallel_iter=5, method_factor=False),
                          ordered=ITEMS)
    assert not any("invariance" in w for w in res.warnings), res.warnings
    rows = res.invariance["table"]
    assert [r["model"] for r in rows] == ["configural", "thresholds.loadings"]
    lrt = REF["lrt"]["configural.thresholds.loadings"]
    assert rows[1]["chisq.diff"] == pytest.approx(lrt["Chisq diff"], abs=1e-3)
