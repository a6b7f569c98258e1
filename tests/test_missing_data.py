"""Missing answers: one analysed sample per analysis, FIML through validation and effects.

Reference numbers: ``tests/data/fiml_reference.json``, written by

    Rscript tests/data/fiml_reference.R > tests/data/fiml_reference.json

(R 4.2.2, lavaan 0.6-14, semTools 0.5-6, psych 2.2.9). Each block of that file is produced by
the R calls quoted next to the assertions below (see the script for the exact code):

* ``cfa(model, data, missing = "fiml")`` then ``compRelSEM(fit)`` (omega),
  ``compRelSEM(fit, tau.eq = TRUE)`` (alpha from the EM covariances), ``AVE(fit)``,
  ``htmt(model, data, missing = "ml", htmt2 = FALSE)`` and ``htmt(..., missing = "ml")``,
  ``fitMeasures(fit)``;
* ``sem(model, data, missing = "fiml")``: ``fitMeasures`` and ``parameterEstimates``;
* ``psych::alpha(x)`` on items with missing answers: ``raw.r``, ``r.drop``, ``alpha.drop``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import semopy

from analysis import sem
from analysis.psychometrics.items import item_total_statistics
from analysis.psychometrics.validation import (
    ValidationSettings,
    cfa_syntax,
    constructs_from_syntax,
    measured_item_map,
    validate_scales,
)
from analysis.samples import missing_method
from analysis.sem.em import PatternIndex, em_stack, replicate_moments
from analysis.sem.fiml_refit import refit_fiml
from analysis.sem.stats import moments_from_data
from analysis.structural.effects import estimate_effects
from instruments.errors import EngagekitInputError
from instruments.loader import load_instrument

DATA = Path(__file__).parent / "data"
REF = json.loads((DATA / "fiml_reference.json").read_text())
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
FAST = dict(htmt_n_boot=0, parallel_iter=5, method_factor=False)


def hs30() -> pd.DataFrame:
    """HS with 30 answers of x1, x2, x4, x5, x7, x9 removed (tests/test_sem_fiml.py)."""
    from test_sem_fiml import NA_ROWS

    data = semopy.examples.holzinger39.get_data().reset_index(drop=True)
    for v, rows in NA_ROWS.items():
        data.loc[rows, v] = np.nan
    return data


def few() -> pd.DataFrame:
    return pd.read_csv(DATA / "hs_missing_few_complete.csv")


def analysed() -> pd.DataFrame:
    return pd.read_csv(DATA / "five_commitments_missing_analysed.csv", index_col=0)


def by_construct(res, column: str) -> dict[str, float]:
    return res.reliability.set_index("construct")[column].to_dict()


def check_reliability(res, ref: dict, tol: float = 1e-3) -> None:
    """omega, alpha, AVE and HTMT/HTMT2 of a FIML validation equal semTools' on lavaan's fit."""
    names = list(ref["omega"])
    assert by_construct(res, "omega") == pytest.approx(ref["omega"], abs=tol)
    assert by_construct(res, "alpha") == pytest.approx(ref["alpha"], abs=tol)
    ave = pd.DataFrame(res.validity["convergent"]).set_index("construct")["ave"].to_dict()
    assert ave == pytest.approx(ref["ave"], abs=tol)
    for key in ("htmt", "htmt2"):
        m = res.validity[key]["matrix"]
        # R's lower triangle, column by column: (2,1), (3,1), ..., (3,2), ...
        ours = [m[names[j]][names[i]] for j in range(len(names))
                for i in range(j + 1, len(names))]
        assert ours == pytest.approx(ref[key], abs=tol), key
    fm = res.cfa["fit_measures"]
    for k in ("chisq", "cfi", "tli", "rmsea", "srmr"):
        assert fm[k] == pytest.approx(ref["fm"][k], abs=1e-4), k
    assert res.n == ref["fm"]["ntotal"]


# ---- reliability under FIML = semTools on the lavaan FIML fit --------------------------------


@pytest.mark.parametrize("name,frame", [("hs30", hs30), ("few", few)])
def test_fiml_reliability_equals_semtools_on_the_lavaan_fiml_fit(name, frame):
    data = frame()
    res = validate_scales(data, constructs_from_syntax(HS_MODEL), HS_MODEL,
                          settings=ValidationSettings(missing="fiml", **FAST))
    check_reliability(res, REF[name])
    # omega stays a proportion however few rows are complete (it was 1.07 from complete rows)
    assert (res.reliability["omega"] < 1).all()
    s = res.samples
    assert s["cfa"] == {**s["cfa"], "n": 301, "missing": "fiml", "n_excluded": 0}
    assert s["alpha"]["missing"] == s["reliability"]["missing"] == "em"
    assert s["alpha"]["n"] == s["dimensionality"]["n"] == s["htmt"]["n"] == 301
    assert res.dimensionality["bartlett"]["n_obs"] == 301


def test_few_complete_rows_data_set_is_what_it_claims():
    # the hard case: 35 complete rows of 301 (lavaan: sum(complete.cases(few)))
    assert REF["few"]["complete_rows"] == 35 == len(few().dropna())


def test_listwise_validation_uses_one_sample_and_says_so():
    data = few()
    res = validate_scales(data, constructs_from_syntax(HS_MODEL), HS_MODEL,
                          settings=ValidationSettings(**FAST))
    for key in ("cfa", "alpha", "reliability", "dimensionality", "htmt", "method_bias"):
        rec = res.samples[key]
        assert (rec["n"], rec["missing"], rec["n_excluded"]) == (35, "listwise", 266), key
    assert res.samples["items"]["missing"] == "available"
    assert res.n == 35 and (res.reliability["n_obs"] == 35).all()
    assert any("left out" in w and "fiml" in w for w in res.warnings)


def test_five_commitment_cfa_under_fiml_and_listwise_match_lavaan():
    inst = load_instrument("five_commitments")
    constructs = measured_item_map(inst)
    data = analysed()
    res = validate_scales(data, constructs, cfa_syntax(constructs),
                          settings=ValidationSettings(missing="fiml", **FAST))
    ref = REF["fc_cfa_fiml"]
    check_reliability(res, ref)
    load = pd.DataFrame(res.cfa["loadings"]).set_index(["lhs", "rhs"])
    rl = ref["loadings"]
    for lhs, rhs, est, se in zip(rl["lhs"], rl["rhs"], rl["est"], rl["se"], strict=True):
        assert load.loc[(lhs, rhs), "est"] == pytest.approx(est, abs=1e-4)
        assert load.loc[(lhs, rhs), "se"] == pytest.approx(se, abs=1e-4)
    lw = validate_scales(data, constructs, cfa_syntax(constructs),
                         settings=ValidationSettings(**FAST))
    ref = REF["fc_cfa_listwise"]
    assert lw.n == ref["fm"]["ntotal"] == 302
    assert lw.cfa["fit_measures"]["chisq"] == pytest.approx(ref["fm"]["chisq"], abs=1e-4)
    assert by_construct(lw, "omega") == pytest.approx(ref["omega"], abs=1e-5)


# ---- the structural model and its bootstrap under FIML ---------------------------------------


def test_effects_under_fiml_match_lavaan_and_record_their_sample():
    inst = load_instrument("five_commitments")
    data = analysed()
    res = estimate_effects(data, inst.to_lavaan(), n_boot=30, seed=3, n_jobs=1,
                           progress=False, missing="fiml")
    ref = REF["fc_sem_fiml"]
    for k in ("chisq", "df", "cfi", "tli", "rmsea", "srmr"):
        assert res.fit_measures[k] == pytest.approx(ref["fm"][k], abs=1e-4), k
    paths = res.paths.set_index(["lhs", "rhs"])
    rp = ref["paths"]
    for lhs, rhs, est, se in zip(rp["lhs"], rp["rhs"], rp["est"], rp["se"], strict=True):
        assert paths.loc[(lhs, rhs), "est"] == pytest.approx(est, abs=1e-4)
        assert paths.loc[(lhs, rhs), "se"] == pytest.approx(se, abs=1e-4)
    assert res.n == 387 and res.sample["n"] == 387 and res.sample["missing"] == "fiml"
    assert res.sample["n_incomplete"] == int(data.isna().any(axis=1).sum()) == 85
    assert res.bootstrap["n_failed"] == 0
    boot = res.effects["bca.lower"]
    assert boot.notna().all()
    lw = estimate_effects(data, inst.to_lavaan(), n_boot=0, missing="listwise")
    assert lw.n == REF["fc_sem_listwise"]["fm"]["ntotal"] == 302
    assert lw.sample["missing"] == "listwise" and lw.sample["n_excluded"] == 85
    assert lw.fit_measures["chisq"] == pytest.approx(REF["fc_sem_listwise"]["fm"]["chisq"],
                                                     abs=1e-4)


def test_fiml_bootstrap_replicate_equals_a_full_fiml_fit_of_the_resample():
    data = hs30()
    fit = sem.fit(HS_MODEL, data, missing="ml")
    st = fit.state
    X = data[st.pt.ov_names].to_numpy(float)
    index = PatternIndex.from_data(X, st.pt.ov_names)
    rows = np.random.default_rng(5).integers(0, len(X), len(X))
    w = np.bincount(rows, minlength=len(X)).astype(float)
    from analysis.sem import batch

    opt = refit_fiml(st, replicate_moments(index, w), st.theta,
                     batch.start_inverse_hessian(st))
    full = sem.fit(HS_MODEL, data.iloc[rows].reset_index(drop=True), missing="ml")
    assert opt.converged
    assert np.abs(opt.theta - full.theta).max() < 1e-6
    # the replicate's patterns are the resample's (counts, means, covariances)
    mom = moments_from_data(X[rows], st.pt.ov_names, missing="ml")
    mu, sig, _ = em_stack(index.moments(w), mom.mean * 0 + np.nanmean(X, 0),
                          np.diag(np.nanvar(X, 0)))
    assert np.abs(sig - mom.cov).max() < 1e-8 and np.abs(mu - mom.mean).max() < 1e-8


# ---- item statistics with missing answers, one construct, the spelling -----------------------


def test_item_total_r_matches_psych_raw_r_with_missing_answers():
    items = ["aff_01", "aff_02", "aff_03", "aff_04r"]
    x = analysed()[items]
    assert x.isna().any().all()
    t = item_total_statistics(x, {"affective": items})
    ref = REF["psych_affective"]
    # psych::alpha(x): total = rowMeans(x, na.rm = TRUE), raw.r = cor(total, x, "pairwise")
    assert list(t["r_total"]) == pytest.approx(ref["raw.r"], abs=1e-10)
    assert list(t["r_rest"]) == pytest.approx(ref["r.drop"], abs=1e-10)
    assert list(t["alpha_if_deleted"]) == pytest.approx(ref["alpha.drop"], abs=1e-10)
    assert list(t["n"]) == ref["n"]


def test_single_construct_gets_alpha_omega_and_fit(tmp_path, capsys):
    data = semopy.examples.holzinger39.get_data()
    model = "visual =~ x1 + x2 + x3 + x9"
    res = validate_scales(data, constructs_from_syntax(model), model,
                          settings=ValidationSettings(htmt_n_boot=50, parallel_iter=5))
    ref = REF["single"]
    # psych::alpha(HS[, c("x1","x2","x3","x9")]); compRelSEM(cfa(model, HS)); fitMeasures
    assert by_construct(res, "alpha")["visual"] == pytest.approx(ref["alpha"], abs=1e-6)
    assert by_construct(res, "omega") == pytest.approx(ref["omega"], abs=1e-6)
    for k, v in ref["fm"].items():
        assert res.cfa["fit_measures"][k] == pytest.approx(v, abs=1e-5), k
    assert res.validity["htmt"] is None and res.validity["fornell_larcker"] is None
    assert "two constructs" in res.validity["skipped"]["fornell_larcker"]
    assert "two constructs" in res.method_bias["ulmc"]["message"]


def test_missing_is_spelled_fiml_everywhere():
    assert ValidationSettings(missing="fiml").missing == "fiml"
    assert ValidationSettings(missing="ml").missing == "fiml"  # lavaan's name, accepted
    assert ValidationSettings(missing="FIML").missing == "fiml"
    assert missing_method("listwise") == "listwise"
    with pytest.raises(EngagekitInputError, match="listwise.*fiml"):
        ValidationSettings(missing="pairwise")
    with pytest.raises(EngagekitInputError, match="fiml"):
        estimate_effects(analysed(), "f =~ aff_01 + aff_02 + aff_03\nf ~ rec_01", n_boot=0,
                         missing="mean")


# ---- engagekit run: every N printed is the N its estimate used ------------------------------


def _report_text(path: Path) -> str:
    import html
    import re

    t = path.read_text(encoding="utf-8")
    t = re.sub(r"<(svg|style|script)\b.*?</\1>", " ", t, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", t)))


@pytest.fixture(scope="module", params=[None, "fiml"], ids=["default", "fiml"])
def run_output(request, tmp_path_factory):
    from reports.cli import main

    out = tmp_path_factory.mktemp(f"run_{request.param}")
    args = ["run", str(DATA / "five_commitments_missing.csv"), "-i", "five_commitments",
            "-o", str(out), "--boot", "0", "--jobs", "1", "--force"]  # N, not intervals
    if request.param:
        args += ["--missing", request.param]
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(args) == 0
    results = json.loads((out / "results.json").read_text())
    return request.param, results, _report_text(out / "report.html"), buf.getvalue()


def test_run_records_the_n_of_every_analysis_and_the_estimates_used_it(run_output):
    chosen, r, _, _ = run_output
    fiml = chosen == "fiml"
    data = analysed()
    n_model = len(data) if fiml else len(data.dropna())  # 387 / 302
    s, val, eff = r["samples"], r["validation"], r["effects"]
    assert s["kept"]["n"] == r["screening"]["n_kept"] == len(data) == 387
    for key in ("cfa", "alpha", "reliability", "htmt", "dimensionality", "method_bias",
                "structural"):
        assert s[key]["n"] == n_model, key
        assert s[key]["n_incomplete"] == 85, key
        assert s[key]["missing"] == ("fiml" if key in ("cfa", "structural") else "em") \
            if fiml else s[key]["missing"] == "listwise", key
    # ... and they are the N each estimate rests on
    assert val["n"] == val["cfa"]["fit_measures"]["ntotal"] == n_model
    assert eff["n"] == eff["fit_measures"]["ntotal"] == n_model
    assert {row["n_obs"] for row in val["reliability"]} == {n_model}
    assert val["validity"]["htmt"]["n_obs"] == val["validity"]["htmt2"]["n_obs"] == n_model
    assert val["dimensionality"]["bartlett"]["n_obs"] == n_model
    assert val["method_bias"]["harman"]["n_obs"] == n_model
    assert r["missing_data"] == {"method": chosen or "listwise", "chosen": fiml,
                                 "n_incomplete": 85, "n_excluded": 0 if fiml else 85}
    if fiml:  # the FIML fits are lavaan's (missing = "fiml", tests/data/fiml_reference.R)
        for k in ("chisq", "cfi", "rmsea", "srmr"):
            assert val["cfa"]["fit_measures"][k] == pytest.approx(
                REF["fc_cfa_fiml"]["fm"][k], abs=1e-4)
        paths = {(p["lhs"], p["rhs"]): p for p in eff["paths"]}
        rp = REF["fc_sem_fiml"]["paths"]
        for lhs, rhs, est, se in zip(rp["lhs"], rp["rhs"], rp["est"], rp["se"], strict=True):
            assert paths[(lhs, rhs)]["est"] == pytest.approx(est, abs=1e-4)
            assert paths[(lhs, rhs)]["se"] == pytest.approx(se, abs=1e-4)
        omega = {row["construct"]: row["omega"] for row in val["reliability"]}
        assert omega == pytest.approx(REF["fc_cfa_fiml"]["omega"], abs=1e-3)
    else:
        assert val["cfa"]["fit_measures"]["chisq"] == pytest.approx(
            REF["fc_cfa_listwise"]["fm"]["chisq"], abs=1e-4)


def test_run_report_and_terminal_state_the_n_each_analysis_used(run_output):
    import re

    chosen, r, text, stdout = run_output
    n_model = r["samples"]["cfa"]["n"]
    # key numbers and the page header: the N the models used, not the 387 kept
    assert text.count(f"Respondents analysed {n_model} ") == 2
    # the fit table's N row: measurement and structural model
    assert f"N {n_model} {n_model} χ²" in text
    # every "N = x" in a table note is an N some analysis used
    used = {rec["n"] for rec in r["samples"].values()}
    ns = {int(x.replace(",", "")) for x in re.findall(r"\bN = ([\d,]+)", text)}
    assert ns and ns <= used
    # Table 1 and the methods paragraph name the models' N and the handling
    assert "Kept after screening 387 With at least one model item unanswered 85" in text
    assert "Analysed: CFA, reliability and validity" in text
    if chosen == "fiml":
        assert "full-information maximum likelihood (FIML; Arbuckle, 1996)" in text
        assert "Arbuckle, J. L. (1996)" in text and "Enders, C. K. (2003)" in text
        assert "missing answers: 85 of 387 respondents" in stdout and "(FIML)" in stdout
        assert "387 respondents were analysed" not in text
    else:  # nothing chosen: said so, and whom listwise deletion left out
        assert "No missing-data handling was chosen, so the default applied" in text
        assert "no missing-data handling was chosen" in stdout
        assert "the CFA rests on 302 respondents" in stdout
        assert "the models use 302 of them" in stdout
        assert "387 respondents were analysed" not in text
        assert "Respondents analysed 387" not in text


def test_wlsmv_report_shows_both_omegas_labelled(tmp_path):
    from reports.cli import main

    out = tmp_path / "wlsmv"
    assert main(["demo", "--estimator", "wlsmv", "--boot", "0", "--n", "300", "-o",
                 str(out)]) == 0
    r = json.loads((out / "results.json").read_text())
    text = _report_text(out / "report.html")
    rows = r["validation"]["reliability"]
    assert all(row["omega_latent"] is not None and row["omega"] is not None for row in rows)
    assert "ω (sum score) ω (latent responses)" in text
    assert "Green & Yang, 2009; semTools' default" in text
    assert "Green, S. B., & Yang, Y. (2009)" in text  # in the references
    first = rows[0]
    name = r["instrument"]["constructs"][0]["name"]
    assert (f"{name} {first['n_items']} {_bounded(first['alpha'])}" in text
            and f"{_bounded(first['omega'])} {_bounded(first['omega_latent'])}" in text)


def _bounded(x: float) -> str:
    return f"{x:.2f}".lstrip("0").replace("-0", "−")
