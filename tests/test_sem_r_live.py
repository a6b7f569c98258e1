"""Live cross-check against R/lavaan (needs Rscript with lavaan and jsonlite; CI installs them
with ``.ci/system-deps``). A couple of seconds, so it runs by default.  The frozen
references in the other ``test_sem_*`` files come from exactly these R calls; this test
re-runs them and compares every fit measure we report and every parameter row.
"""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from analysis import sem
from analysis.sem.testing import compare_estimates

pytestmark = [pytest.mark.r]

R_SCRIPT = r"""
suppressMessages({library(lavaan); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
out <- list()
dump <- function(name, f) {
  out[[name]] <<- list(fm = as.list(fitMeasures(f)),
                       pe = parameterEstimates(f, standardized = TRUE))
}
HS <- ' visual =~ x1 + x2 + x3
        textual =~ x4 + x5 + x6
        speed =~ x7 + x8 + x9 '
PD <- ' ind60 =~ x1 + x2 + x3
        dem60 =~ y1 + y2 + y3 + y4
        dem65 =~ y5 + y6 + y7 + y8
        dem60 ~ ind60
        dem65 ~ ind60 + dem60
        y1 ~~ y5
        y2 ~~ y4 + y6
        y3 ~~ y7
        y4 ~~ y8
        y6 ~~ y8 '
hs <- HolzingerSwineford1939
for (est in c("ML", "MLM", "MLR")) {
  dump(paste0("hs_", est), cfa(HS, data = hs, estimator = est))
  dump(paste0("pd_", est), sem(PD, data = PoliticalDemocracy, estimator = est))
}
dump("mg_metric", cfa(HS, data = hs, group = "school", group.equal = "loadings"))
dump("mg_strict", cfa(HS, data = hs, group = "school",
                      group.equal = c("loadings", "intercepts", "residuals")))
set.seed(42)
for (v in c("x1","x2","x4","x5","x7","x9")) hs[sample(nrow(hs), 30), v] <- NA
out$fiml_data <- hs[, paste0("x", 1:9)]
dump("fiml", cfa(HS, data = hs, missing = "ml"))
Y <- read.csv(args[2])
dump("ordinal", cfa(' f1 =~ y1 + y2 + y3 + y4
                      f2 =~ y5 + y6 + y7 + y8 ', data = Y, ordered = names(Y)))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null"), args[1])
"""

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PD = """ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8"""
DATA = pathlib.Path(__file__).parent / "data" / "sem_ordinal.csv"


@pytest.fixture(scope="module")
def lavaan(tmp_path_factory):
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript not installed")
    d = tmp_path_factory.mktemp("lavaan")
    (d / "ref.R").write_text(R_SCRIPT)
    proc = subprocess.run(["Rscript", str(d / "ref.R"), str(d / "out.json"), str(DATA)],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.skip(f"R/lavaan not usable: {proc.stderr[-300:]}")
    return json.loads((d / "out.json").read_text())


def _compare(res, ref, atol=2e-4, ops=("=~", "~", "~~", "~1", "|")):
    pe = pd.DataFrame(ref["pe"])
    if "group" not in pe:
        pe["group"] = 1
    pe["rhs"] = pe["rhs"].fillna("").astype(str)
    pe = pe[pe.op.isin(list(ops))]
    pe = pe[["lhs", "op", "rhs", "group", "est", "se", "std.all"]]
    diffs = compare_estimates(res, pe, columns=("est", "se", "std.all"))
    assert max(diffs.values()) < atol, diffs
    checked = 0
    for k, v in ref["fm"].items():
        if k in res.fit_measures and v is not None and np.isfinite(res.fit_measures[k]):
            assert res.fit_measures[k] == pytest.approx(v, abs=atol, rel=1e-6), k
            checked += 1
    assert checked >= 15


@pytest.mark.parametrize("est", ["ML", "MLM", "MLR"])
def test_single_group(lavaan, est):
    from semopy.examples import holzinger39, political_democracy

    _compare(sem.fit(HS, holzinger39.get_data(), estimator=est), lavaan[f"hs_{est}"])
    _compare(sem.fit(PD, political_democracy.get_data(), estimator=est), lavaan[f"pd_{est}"])


def test_multigroup_and_fiml(lavaan):
    from semopy.examples import holzinger39

    hs = holzinger39.get_data()
    _compare(sem.fit(HS, hs, group="school", group_equal=["loadings"]), lavaan["mg_metric"])
    _compare(sem.fit(HS, hs, group="school",
                     group_equal=["loadings", "intercepts", "residuals"]), lavaan["mg_strict"])
    fiml = pd.DataFrame(lavaan["fiml_data"]).astype(float)
    _compare(sem.fit(HS, fiml, missing="ml"), lavaan["fiml"])


def test_ordinal(lavaan):
    data = pd.read_csv(DATA)
    _compare(sem.fit("f1 =~ y1 + y2 + y3 + y4\nf2 =~ y5 + y6 + y7 + y8", data,
                     ordered=list(data.columns)), lavaan["ordinal"], atol=1e-4,
             ops=("=~", "~~", "|"))  # lavaan also lists the fixed zero intercepts
