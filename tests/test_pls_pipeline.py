"""PLS-SEM through the pipeline (issue 18, item 5): ``engagekit effects|run --method pls``, the
results' ``pls`` section and the PLS report.

Every bundled instrument is run with ``--method pls`` on respondents simulated from it (seeded,
200 bootstrap resamples); its report is opened in headless Chromium: the PLS sections in Hair et
al.'s (2019) order, the method named, no "nan"/"None" and no empty cell, the numbers equal to a
direct :func:`analysis.estimate_pls` / :func:`analysis.bootstrap_pls` call on the same
respondents (the estimation itself is checked against seminr, plspm and cSEM in
test_pls_estimation.py and test_pls_bootstrap.py). Option combinations that do not go together
exit 2; a saved results.json re-renders to the same bytes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from browser import browser  # noqa: F401  (session fixture: headless Chromium)

from analysis import bootstrap_pls, estimate_pls
from analysis.responses import read_responses
from analysis.responses.scoring import reverse_keyed
from analysis.responses.screening import screen
from instruments import load_instrument
from reports.cli import main
from reports.format import apa, apa_p

INSTRUMENTS = ["acsi_nps", "eight_c", "five_commitments", "loyalty_typology",
               "reciprocal_loyalty", "three_component"]
#: Options per instrument, so that every PLS option runs through the pipeline once.
OPTIONS = {"eight_c": ["--consistent"], "five_commitments": ["--scheme", "factorial"],
           "three_component": ["--missing", "mean"]}
N_BOOT = 200
SEED = 7
PLS_SECTIONS = ["findings", "sample", "distributions", "pls-measurement", "pls-loadings",
                "pls-reliability", "pls-discriminant", "structural", "pls-collinearity",
                "pls-paths", "pls-predict", "pls-effects", "pls-fit", "methods"]
CB_SECTIONS = ["reliability", "factor-structure", "validity", "method-bias"]


def _run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """``engagekit run --method pls`` on each bundled instrument: {name: (data file, folder)}."""
    base = tmp_path_factory.mktemp("pls_runs")
    out = {}
    for k, name in enumerate(INSTRUMENTS):
        data = base / f"{name}.csv"
        missing = ["--missing", "0.03"] if name == "three_component" else []
        assert main(["simulate", name, "--n", "250", "--seed", str(k + 1), "-o", str(data),
                     *missing]) == 0
        folder = base / name
        assert main(["run", str(data), "-i", name, "--method", "pls", "--boot", str(N_BOOT),
                     "--seed", str(SEED), "--jobs", "1", "-o", str(folder),
                     *OPTIONS.get(name, [])]) == 0
        out[name] = (data, folder)
    return out


def _analysed_items(data: Path, name: str) -> pd.DataFrame:
    """The respondents and items a run analyses: read, screened (default rules), reverse-keyed."""
    inst = load_instrument(name)
    responses = read_responses(data, inst)
    return reverse_keyed(screen(responses, inst).kept().items, inst)


def _settings(name: str) -> dict:
    opts = OPTIONS.get(name, [])
    return {"consistent": "--consistent" in opts,
            "scheme": opts[opts.index("--scheme") + 1] if "--scheme" in opts else "path",
            "missing": opts[opts.index("--missing") + 1] if "--missing" in opts else "listwise"}


@pytest.mark.parametrize("name", INSTRUMENTS)
def test_results_equal_a_direct_estimation(runs, name):
    data, folder = runs[name]
    res = json.loads((folder / "results.json").read_text())
    pls = res["pls"]
    assert res["settings"]["method"] == "pls" and "effects" not in res
    assert "cfa" not in res["validation"]  # no covariance-based model ran
    inst = load_instrument(name)
    items = _analysed_items(data, name)
    s = _settings(name)
    fit = estimate_pls(items, inst.to_lavaan(), **s)
    assert pls["algorithm"] == ("PLSc" if s["consistent"] else "PLS")
    assert pls["settings"]["scheme"] == s["scheme"] and pls["settings"]["missing"] == s["missing"]
    assert pls["sample"]["n"] == fit.n == res["screening"]["n_kept"]
    assert pls["iterations"] == fit.iterations
    table = pd.DataFrame(pls["estimates"])
    for op in ("=~", "<~", "~", "r2", "~~"):
        got = table[table.op == op].set_index(["lhs", "rhs"])["est"]
        want = fit.estimates[fit.estimates.op == op].set_index(["lhs", "rhs"])["est"]
        assert len(got) == len(want) > 0 or op in ("~~",)
        assert np.allclose(got.loc[want.index].to_numpy(), want.to_numpy(), atol=1e-12), op
    # the importance-performance map of each final outcome (Ringle & Sarstedt, 2016)
    from analysis.pls.ipma import ipma_pls

    drives = {r["rhs"] for r in pls["estimates"] if r["op"] == "~"}
    targets = [c for c in fit.model.endogenous if c not in drives]
    assert [m["target"] for m in pls["ipma"]] == targets
    lo = {i: inst.item_scale(i).min for i in fit.model.items}
    hi = {i: inst.item_scale(i).max for i in fit.model.items}
    for m in pls["ipma"]:
        want = ipma_pls(items, inst.to_lavaan(), m["target"], scale_min=lo, scale_max=hi, **s)
        got = pd.DataFrame(m["constructs"])
        assert np.allclose(got[["importance", "performance"]].to_numpy(),
                           want.constructs[["importance", "performance"]].to_numpy(),
                           atol=1e-12)
    assert res["observed"]["ipma"] == []  # no second map from scale scores
    # an outcome the instrument marks as one to lower (switching intention): its quadrants are
    # read on the effects on lowering it, worked out here with numpy on the raw table
    worse = {c.id for c in inst.constructs if not c.higher_is_better}
    for m in pls["ipma"]:
        assert m.get("higher_is_better", True) == (m["target"] not in worse)
        t = pd.DataFrame(m["constructs"])
        eff = t["importance"] * (-1 if m["target"] in worse else 1)
        imp = eff.abs()
        perf = np.where(eff < 0, 100 - t["performance"], t["performance"])
        want = [f"{'high' if i > imp.mean() else 'low'} importance, "
                f"{'high' if p > perf.mean() else 'low'} performance"
                for i, p in zip(imp, perf, strict=True)]
        assert t["priority"].tolist() == want, m["target"]
        assert (t["direction"] == np.where(eff < 0, "lower is better",
                                           "higher is better")).all()
    if name == "three_component":
        sw = next(m for m in pls["ipma"] if m["target"] == "switching_intention")
        aff = next(r for r in sw["constructs"] if r["construct"] == "tcm_affective")
        assert aff["importance"] < 0 and aff["direction"] == "higher is better"
        html = (folder / "report.html").read_text(encoding="utf-8")
        assert "Switching intention is an outcome to lower (the instrument says so)" in html
    # the bootstrap: the same resamples (seed) give the same intervals
    boot = bootstrap_pls(items, inst.to_lavaan(), n_boot=N_BOOT, seed=SEED, n_jobs=1,
                         progress=False, **s)
    bt = boot.table.set_index(["lhs", "op", "rhs"])
    rt = table[table.op != "~~"].set_index(["lhs", "op", "rhs"])
    for col in ("se", "ci.lower", "ci.upper", "bca.lower", "bca.upper"):
        a, b = rt[col].astype(float), bt.loc[rt.index, col].astype(float)
        assert np.allclose(a, b, atol=1e-12, equal_nan=True), col


@pytest.mark.parametrize("name", INSTRUMENTS)
def test_plspredict_equals_a_direct_call(runs, name):
    """``pls.predict``: PLSpredict (10 folds x 10 repetitions, folds seeded by the run's seed)
    equals :func:`analysis.pls.predict.predict_pls` on the analysed respondents; the verdict
    per construct follows Shmueli et al.'s (2019) rule from the counts."""
    from analysis.pls.predict import predict_pls

    data, folder = runs[name]
    pls = json.loads((folder / "results.json").read_text())["pls"]
    pred = pls["predict"]
    s = _settings(name)
    want = predict_pls(_analysed_items(data, name), load_instrument(name).to_lavaan(),
                       folds=10, repeats=10, seed=SEED, **s)
    assert pred["settings"]["folds"] == 10 and pred["settings"]["repeats"] == 10
    assert pred["settings"]["seed"] == SEED
    got = pd.DataFrame(pred["items"])
    assert got["item"].tolist() == want.items["item"].tolist()
    cols = ["rmse", "mae", "q2_predict", "lm_rmse", "lm_mae", "lm_q2_predict"]
    assert np.allclose(got[cols].to_numpy(), want.items[cols].to_numpy(), atol=1e-12)
    for c, w in zip(pred["constructs"], want.constructs.to_dict("records"), strict=True):
        assert (c["construct"], c["predictive_power"], c["pls_better_rmse"]) == \
            (w["construct"], w["predictive_power"], w["pls_better_rmse"])
        k, better = c["items"], c["pls_better_rmse"]
        assert c["predictive_power"] == ("high" if better == k else "medium" if 2 * better > k
                                         else "low" if better else "none")
    # another seed gives other folds, so the numbers do come from the run's seed
    other = predict_pls(_analysed_items(data, name), load_instrument(name).to_lavaan(),
                        folds=10, repeats=10, seed=SEED + 1, **s)
    assert not np.allclose(got["rmse"].to_numpy(), other.items["rmse"].to_numpy(), atol=1e-12)


@pytest.mark.parametrize("name", ["eight_c"])
def test_report_rerenders_from_the_saved_results(runs, name, tmp_path, capsys):
    _, folder = runs[name]
    out = tmp_path / "again.html"
    code, _, err = _run(["report", str(folder / "results.json"), "-o", str(out)], capsys)
    assert code == 0, err
    assert out.read_bytes() == (folder / "report.html").read_bytes()
    assert 'id="pls-predict"' in out.read_text()  # the PLSpredict subsection too


def test_mean_replacement_is_counted(runs):
    data, folder = runs["three_component"]
    res = json.loads((folder / "results.json").read_text())
    items = _analysed_items(data, "three_component")
    model_items = [i for c in res["pls"]["constructs"] for i in c["items"]]
    nan = items[model_items].isna()
    assert nan.to_numpy().sum() > 0
    sp = res["pls"]["sample"]
    assert sp["missing"] == "mean" and sp["n"] == len(items)
    assert sp["replaced"] == {k: int(v) for k, v in nan.sum().items() if v}
    assert sp["n_incomplete"] == int(nan.any(axis=1).sum())
    html = (folder / "report.html").read_text()
    assert f"({sum(sp['replaced'].values()):,} in all) was replaced by the mean" in html


@pytest.mark.browser
@pytest.mark.parametrize("name", INSTRUMENTS)
def test_pls_report_in_chromium(runs, name, browser):  # noqa: F811 - fixture
    from browser import (
        PHONE,
        axe_violations,
        console_errors,
        describe_violations,
        file_url,
        reset_viewport,
        set_viewport,
    )

    _, folder = runs[name]
    res = json.loads((folder / "results.json").read_text())
    pls = res["pls"]
    console_errors(browser)
    browser.get(file_url(folder / "report.html"))
    assert console_errors(browser) == []
    ids = browser.execute_script(
        "return [...document.querySelectorAll('section[id], [id]')].map(e => e.id)")
    assert [s for s in PLS_SECTIONS if s in ids] == PLS_SECTIONS
    assert not [s for s in CB_SECTIONS if s in ids]  # no CFA sections in a PLS report
    # the sections in Hair et al.'s (2019) order
    order = [ids.index(s) for s in PLS_SECTIONS]
    assert order == sorted(order)
    text = browser.execute_script("return document.body.innerText")
    method = "consistent PLS (PLSc)" if pls["algorithm"] == "PLSc" else "PLS-SEM"
    assert f"estimated by {method} (partial least squares), not by covariance-based SEM" in text
    assert "Hair et al. (2019)" in text and "Hair, J. F., Risher" in text
    words = set(re.findall(r"[A-Za-z]+", text))
    assert not {"nan", "NaN", "None", "null", "undefined"} & words
    cells = browser.execute_script(
        "return [...document.querySelectorAll('#pls-measurement td, #pls-measurement th,"
        " #structural td, #structural th')].map(c => c.innerText.trim())")
    assert len(cells) > 50 and cells.count("") == 0
    svgs = browser.execute_script(
        "return [...document.querySelectorAll('svg')].map(s => {"
        "const r = s.getBoundingClientRect(); return [r.width, r.height]; })")
    assert len(svgs) >= 2 and all(w > 0 and h > 0 for w, h in svgs)
    # the path table: each path's β and percentile CI as results.json holds them
    names = {c["id"]: c["name"] for c in res["instrument"]["constructs"]}
    rows = browser.execute_script(
        "const t = [...document.querySelectorAll('#pls-paths table')].find(t => "
        "t.caption && t.caption.innerText.includes('Path coefficients'));"
        "return [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.innerText.trim()));")
    paths = [r for r in pls["estimates"] if r["op"] == "~"]
    assert len(rows) == len(paths)
    for r, p in zip(rows, paths, strict=True):
        assert r[:3] == [names[p["lhs"]], names[p["rhs"]], apa(p["est"], 3)]
        d = 3 if min(abs(p["ci.lower"]), abs(p["ci.upper"])) < .005 else 2  # never "0.00"
        assert r[3] == f"[{apa(p['ci.lower'], d)}, {apa(p['ci.upper'], d)}]"
        assert r[4] == ("yes" if p["ci.lower"] > 0 or p["ci.upper"] < 0 else "no")
    rel = browser.execute_script(
        "return [...document.querySelector('#pls-reliability table').tBodies[0].rows]"
        ".map(r => [...r.cells].map(c => c.innerText.trim()));")
    for r, want in zip(rel, pls["assessment"]["reliability"], strict=True):
        if want["items"] > 1:
            assert r[2:] == [apa(want[k], 2, True) for k in ("alpha", "rho_a", "rho_c", "ave")]
    # PLSpredict: each endogenous item's errors and each construct's verdict as results.json
    pred = browser.execute_script(
        "return [...document.querySelectorAll('#pls-predict table')].map(t => "
        "[...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.innerText.trim())));")
    assert len(pred) == 2 and len(pred[0]) == len(pls["predict"]["items"]) > 0
    for r, want in zip(pred[0], pls["predict"]["items"], strict=True):
        assert r == [names[want["construct"]], want["item"]] + [
            apa(want[k], 3) for k in ("rmse", "lm_rmse", "mae", "lm_mae", "q2_predict")]
    for r, want in zip(pred[1], pls["predict"]["constructs"], strict=True):
        assert r[0] == names[want["construct"]]
        assert r[2] == f"{want['pls_better_rmse']} of {want['items']}"
        assert r[3].split(" ")[0] == want["predictive_power"]
    srmr = pls["assessment"]["fit"]["estimated"]["srmr"]
    assert apa(srmr, 3, True) in browser.execute_script(
        "return document.getElementById('pls-fit').innerText")
    violations = axe_violations(browser)
    assert violations == [], describe_violations(violations)
    set_viewport(browser, *PHONE)  # the wide PLS tables scroll inside their box, not the page
    try:
        assert browser.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        reset_viewport(browser)


def test_cb_sem_stays_the_default(runs, tmp_path, capsys):
    data, _ = runs["loyalty_typology"]
    code, _, err = _run(["run", str(data), "-i", "loyalty_typology", "--boot", "0", "--jobs",
                         "1", "-o", str(tmp_path / "sem")], capsys)
    assert code == 0, err
    res = json.loads((tmp_path / "sem" / "results.json").read_text())
    assert "pls" not in res and "effects" in res and "method" not in res["settings"]
    html = (tmp_path / "sem" / "report.html").read_text()
    assert "PLS-SEM)" not in html and "partial least squares" not in html


@pytest.mark.parametrize("args, words", [
    (["--method", "pls", "--estimator", "WLSMV"], "--estimator WLSMV go(es) with --method sem"),
    (["--method", "pls", "--missing", "fiml"], "--missing fiml go(es) with --method sem"),
    (["--method", "pls", "--crosscheck", "semopy"], "--crosscheck go(es) with --method sem"),
    (["--consistent"], "--consistent go(es) with --method pls"),
    (["--scheme", "centroid"], "--scheme go(es) with --method pls"),
    (["--missing", "mean"], "--missing mean go(es) with --method pls"),
    (["--method", "pls", "--group", "lt_ra_01"], "pick them as --group lt_ra_01=A,B"),
    (["--method", "pls", "--interaction", "a", "b"],
     "--interaction: 'a' is not a construct of the model"),
    (["--method", "pls", "--boot", "5"], "at least 20 resamples"),
    (["--method", "plsc"], "Invalid value for '--method'"),
])
def test_run_refuses_options_that_do_not_go_together(runs, tmp_path, capsys, args, words):
    data, _ = runs["loyalty_typology"]
    code, out, err = _run(["run", str(data), "-i", "loyalty_typology", "-o",
                           str(tmp_path / "x"), *args], capsys)
    assert code == 2 and words in out + err, out + err
    assert not (tmp_path / "x" / "report.html").exists()


def test_effects_with_an_instrument_and_with_a_model(runs, tmp_path, capsys):
    data, _ = runs["reciprocal_loyalty"]
    out_json = tmp_path / "pls.json"
    code, out, err = _run(["effects", str(data), "-i", "reciprocal_loyalty", "--method", "pls",
                           "--n-boot", "50", "--seed", "3", "--n-jobs", "1", "--json",
                           str(out_json)], capsys)
    assert code == 0, err
    assert "PLS (path weighting" in out and "HTMT:" in out and "SRMR" in out
    saved = json.loads(out_json.read_text())
    assert saved["settings"]["n_boot"] == 50 and saved["algorithm"] == "PLS"
    assert {"lhs", "op", "rhs", "est", "se", "ci.lower", "ci.upper", "bca.lower",
            "bca.upper"} <= set(saved["estimates"][0])
    # --model with a plain CSV, a mode B composite and PLSc for the reflective construct
    items = _analysed_items(data, "reciprocal_loyalty")
    plain = tmp_path / "plain.csv"
    items.to_csv(plain, index=False)
    model = ("INV <~ rl_inv_01 + rl_inv_02 + rl_inv_03 + rl_inv_04r; "
             "GRAT =~ rl_grat_01 + rl_grat_02 + rl_grat_03r; GRAT ~ INV")
    code, out, err = _run(["effects", str(plain), "--model", model, "--method", "pls",
                           "--consistent", "--boot", "0", "--json", str(tmp_path / "m.json")],
                          capsys)
    assert code == 0, err
    saved = json.loads((tmp_path / "m.json").read_text())
    direct = estimate_pls(items, model, consistent=True)
    assert saved["settings"]["modes"] == {"INV": "B", "GRAT": "A"}
    path = next(r for r in saved["estimates"] if r["op"] == "~")
    assert path["est"] == pytest.approx(direct.path("INV", "GRAT"), abs=1e-12)
    assert path.get("se") is None  # no bootstrap asked for


@pytest.mark.parametrize("args, words", [
    (["--model", "A =~ x1 + nope; B =~ x2; B ~ A", "--method", "pls"], "'nope'"),
    (["--model", "A =~ x1 + x2; B =~ x3; B ~ A; A ~ B", "--method", "pls"], "loop"),
    (["--model", "A =~ x1 + x2; B =~ x3; B ~ A", "--method", "pls", "--estimator", "MLR"],
     "--estimator MLR go(es) with --method sem"),
])
def test_effects_errors_exit_2(tmp_path, capsys, args, words):
    f = tmp_path / "d.csv"
    rng = np.random.default_rng(1)
    pd.DataFrame(rng.normal(size=(50, 3)), columns=["x1", "x2", "x3"]).to_csv(f, index=False)
    code, out, err = _run(["effects", str(f), *args], capsys)
    assert code == 2 and words in out + err, out + err


def test_missing_answers_without_a_choice_are_left_out_and_said_so(runs):
    from analysis import StudySettings, run_study
    from reports.pls_section import pls_missing_text

    data, _ = runs["three_component"]
    inst = load_instrument("three_component")
    res = run_study(read_responses(data, inst), inst,
                    StudySettings(method="pls", n_boot=0, n_jobs=1, progress=False))
    sp = res["pls"]["sample"]
    assert sp["missing"] == "listwise" and sp["n_dropped"] > 0
    assert sp["n"] + sp["n_dropped"] == res["screening"]["n_kept"]
    assert res["missing_data"] == {"method": "listwise", "chosen": False,
                                   "n_incomplete": sp["n_incomplete"],
                                   "n_excluded": sp["n_dropped"]}
    text = pls_missing_text(res)
    assert "no missing-data handling was chosen, so the default, listwise deletion" in text
    assert f"the PLS model rests on {sp['n']:,} respondents" in text
    # without a bootstrap the structural section promises no intervals
    from reports.pls_section import structural_section

    assert "bootstrap" not in structural_section(res, [])["intro"]
    # the report's header and key card give the N the model rests on (the header said the
    # number kept by screening, e.g. 564 beside a card of 123)
    from reports.report import report_context

    ctx = report_context(res)
    model_items = [i for c in res["pls"]["constructs"] for i in c["items"]]
    n = len(_analysed_items(data, "three_component").dropna(subset=model_items))
    assert n == sp["n"] < res["screening"]["n_kept"]
    assert ctx["meta"][0]["value"] == ctx["summary"]["cards"][0]["value"] == f"{n:,}"


def test_manuscript_tables_of_a_pls_report(runs, tmp_path, capsys):
    _, folder = runs["acsi_nps"]
    for fmt, suffix in (("xlsx", ".xlsx"), ("docx", ".docx"), ("latex", ".tex")):
        out = tmp_path / f"tables{suffix}"
        code, _, err = _run(["report", str(folder / "results.json"), "--format", fmt, "-o",
                             str(out)], capsys)
        assert code == 0 and out.stat().st_size > 1000, err
    tex = (tmp_path / "tables.tex").read_text()
    assert "Indicator loadings and reliability" in tex and "Model fit (PLS-SEM)" in tex


def test_a_damaged_pls_section_exits_2_naming_it(runs, tmp_path, capsys):
    _, folder = runs["acsi_nps"]
    res = json.loads((folder / "results.json").read_text())
    del res["pls"]["assessment"]["reliability"]
    bad = tmp_path / "results.json"
    bad.write_text(json.dumps(res))
    code, _, err = _run(["report", str(bad), "-o", str(tmp_path / "r.html")], capsys)
    assert code == 2 and "pls.assessment.reliability" in err


# --- through the command line to seminr's published numbers --------------------------------

@pytest.mark.parametrize("edit, options, paths, r2", [
    # seminr on mobi (N = 250), path weighting: mode A; PLSc (reflective()); Value in mode B
    ("", [], [0.4470, 0.1718, 0.3164], 0.5906),
    ("", ["--consistent"], [0.5407, 0.2357, 0.2598], 0.8844),
    ("Value <~", [], [0.4312, 0.1748, 0.3311], 0.5953),
])
def test_effects_model_reproduces_seminr_on_mobi(tmp_path, capsys, edit, options, paths, r2):
    from test_pls_estimation import FIX, MOBI_MODEL, PRED

    model = MOBI_MODEL.replace("Value =~", edit) if edit else MOBI_MODEL
    out = tmp_path / "mobi.json"
    code, _, err = _run(["effects", str(FIX / "mobi.csv"), "--model", model, "--method", "pls",
                         "--boot", "0", *options, "--json", str(out)], capsys)
    assert code == 0, err
    est = pd.DataFrame(json.loads(out.read_text())["estimates"])
    got = [float(est[(est.op == "~") & (est.rhs == p)]["est"].iloc[0]) for p in PRED]
    assert got == pytest.approx(paths, abs=1e-4)
    assert float(est[est.op == "r2"]["est"].iloc[0]) == pytest.approx(r2, abs=1e-4)


def test_effects_model_with_mean_replacement_reproduces_seminr_on_corp_rep(tmp_path, capsys):
    from test_pls_estimation import CORP_MODEL, FIX

    data = tmp_path / "corp_rep.csv"  # seminr's -99 codes as blank cells, as a survey export
    pd.read_csv(FIX / "corp_rep_data.csv").replace(-99, np.nan).to_csv(data, index=False)
    out = tmp_path / "corp.json"
    code, printed, err = _run(["effects", str(data), "--model", CORP_MODEL, "--method", "pls",
                               "--missing", "mean", "--boot", "0", "--json", str(out)], capsys)
    assert code == 0, err
    res = json.loads(out.read_text())
    est = {(r["rhs"], r["lhs"]): r["est"] for r in res["estimates"] if r["op"] == "~"}
    got = [est[k] for k in [("COMP", "CUSA"), ("LIKE", "CUSA"), ("COMP", "CUSL"),
                            ("LIKE", "CUSL"), ("CUSA", "CUSL")]]
    assert got == pytest.approx([0.1621, 0.4239, 0.0092, 0.3421, 0.5045], abs=1e-4)
    assert res["sample"]["replaced"] == {"cusa": 1, "cusl_1": 3, "cusl_2": 4, "cusl_3": 3}
    assert "11 replaced by their item's mean (8 respondents)" in printed


@pytest.mark.parametrize("name, words", [
    ("eight_c", ["with consistent PLS (PLSc; Dijkstra &amp; Henseler, 2015)",
                 "with the path weighting scheme"]),
    ("five_commitments", ["with the factorial weighting scheme"]),
    ("three_component", ["was replaced by the mean of its item (mean replacement, as chosen"]),
])
def test_methods_text_names_the_algorithm_and_its_settings(runs, name, words):
    _, folder = runs[name]
    res = json.loads((folder / "results.json").read_text())
    html = (folder / "report.html").read_text()
    methods = html[html.index('id="methods"'):]
    for w in [*words, "partial least squares path modelling (PLS-SEM; Wold, 1982; Lohmöller, "
              "1989)", "fell below 10⁻⁷ (at most 300 iterations",
              f"here after {res['pls']['iterations']}.",
              f"Inference used {N_BOOT} bootstrap resamples (seed {SEED})",
              "percentile intervals (Aguirre-Urreta &amp; Rönkkö, 2018)",
              "Predictive power was assessed with PLSpredict (Shmueli et al., 2016, 2019): "
              f"10-fold cross-validation repeated 10 times (seed {SEED})",
              "Shmueli, G., Sarstedt, M., Hair, J. F.", "Shmueli, G., Ray, S.",
              "Lohmöller, J.-B. (1989)", "Wold, H. (1982)"]:
        assert w in methods, w


def test_demo_with_pls_compares_no_groups(tmp_path, capsys, monkeypatch):
    # five_commitments has a default group (industry) that a covariance-based demo compares;
    # the report itself is tested above (not rendered here, to keep the file fast)
    monkeypatch.setattr("reports.report.render_report", lambda results: "<!DOCTYPE html>")
    code, out, err = _run(["demo", "--method", "pls", "--instrument", "five_commitments", "--n",
                           "150", "--boot", "20", "--jobs", "1", "-o", str(tmp_path / "d")],
                          capsys)
    assert code == 0, err
    res = json.loads((tmp_path / "d" / "results.json").read_text())
    assert res["pls"]["settings"]["n_boot"] == 20 and res["groups"] is None
    assert res["settings"]["group"] is None and "PLS (path weighting" in out


# ---- run --method pls --group: MICOM and the path differences between two groups ------------

GROUP_BOOT = 50


@pytest.fixture(scope="module")
def group_run(tmp_path_factory):
    """``run --method pls --group panel`` on acsi_nps respondents with a two-group column
    ``panel`` and a three-group column ``region``: (data file, folder)."""
    base = tmp_path_factory.mktemp("pls_groups")
    sim = base / "sim.csv"
    assert main(["simulate", "acsi_nps", "--n", "300", "--seed", "3", "-o", str(sim)]) == 0
    d = pd.read_csv(sim)
    rng = np.random.default_rng(1)
    d["panel"] = rng.choice(["online", "store"], len(d))
    d["region"] = rng.choice(["North", "South", "West"], len(d))
    data = base / "grouped.csv"
    d.to_csv(data, index=False)
    folder = base / "out"
    assert main(["run", str(data), "-i", "acsi_nps", "--method", "pls", "--boot",
                 str(GROUP_BOOT), "--seed", str(SEED), "--jobs", "1", "--keep-column", "panel",
                 "--group", "panel", "-o", str(folder)]) == 0
    return data, folder


def test_group_comparison_equals_direct_micom_and_mga(group_run):
    from analysis.pls.groups import N_PERM
    from analysis.pls.mga import mga_pls
    from analysis.pls.micom import micom_pls

    data, folder = group_run
    g = json.loads((folder / "results.json").read_text())["pls"]["groups"]
    inst = load_instrument("acsi_nps")
    kept = screen(read_responses(data, inst, keep_columns=["panel"]), inst).kept()
    frame = reverse_keyed(kept.items, inst)[list(estimate_pls(
        reverse_keyed(kept.items, inst), inst.to_lavaan()).model.items)]
    frame["panel"] = kept.meta["panel"].to_numpy()
    kw = {"n_perm": N_PERM, "seed": SEED, "missing": "listwise", "n_jobs": 1,
          "progress": False}
    micom = micom_pls(frame, inst.to_lavaan(), "panel", **kw)
    mga = mga_pls(frame, inst.to_lavaan(), "panel", n_boot=GROUP_BOOT, parameters=["~"], **kw)
    assert g["groups"] == ["online", "store"] == list(micom.groups)
    assert g["n_groups"] == [int((frame.panel == "online").sum()),
                             int((frame.panel == "store").sum())]
    assert g["n_perm"] == N_PERM == 1000 and g["seed"] == SEED and g["n_boot"] == GROUP_BOOT
    assert g["invariance"] == micom.summary.to_dict("records")
    s2 = pd.DataFrame(g["micom"]["step2"])
    assert np.allclose(s2[["c", "c.quantile", "pvalue"]].to_numpy(),
                       micom.step2[["c", "c.quantile", "pvalue"]].to_numpy(), atol=1e-12)
    s3 = pd.DataFrame(g["micom"]["step3"])
    cols = ["diff", "ci.lower", "ci.upper", "pvalue"]
    assert np.allclose(s3[cols].to_numpy(), micom.step3[cols].to_numpy(), atol=1e-12)
    paths = pd.DataFrame(g["paths"])
    cols = ["est.group1", "est.group2", "diff", "pvalue", "pvalue.mga", "pvalue.mga.2sided"]
    assert paths[["lhs", "rhs"]].values.tolist() == mga.table[["lhs", "rhs"]].values.tolist()
    assert np.allclose(paths[cols].to_numpy(), mga.table[cols].to_numpy(), atol=1e-12)
    # the group estimates are each group's own PLS estimates
    for k, name in enumerate(g["groups"]):
        fit = estimate_pls(frame[frame.panel == name].drop(columns="panel"), inst.to_lavaan())
        want = fit.estimates[fit.estimates.op == "~"].set_index(["lhs", "rhs"])["est"]
        got = paths.set_index(["lhs", "rhs"])[f"est.group{k + 1}"]
        assert np.allclose(got.loc[want.index].to_numpy(), want.to_numpy(), atol=1e-10)


def test_group_comparison_report_rerenders_and_cites(group_run, tmp_path, capsys):
    _, folder = group_run
    out = tmp_path / "again.html"
    code, _, err = _run(["report", str(folder / "results.json"), "-o", str(out)], capsys)
    assert code == 0, err
    assert out.read_bytes() == (folder / "report.html").read_bytes()
    html = out.read_text()
    methods = html[html.index('id="methods"'):]
    for w in ["The groups online and store of panel were compared after testing the measurement "
              "invariance of the composites with MICOM (Henseler et al., 2016;",
              "by 1,000 permutations (seed 7)", "permutation test (Chin &amp; Dibbern, 2010)",
              f"PLS-MGA ({GROUP_BOOT} bootstrap resamples per group",
              "Henseler, J., Ringle, C. M., &amp; Sarstedt, M. (2016)",
              "Henseler, J., Ringle, C. M., &amp; Sinkovics, R. R. (2009)",
              "Chin, W. W., &amp; Dibbern, J. (2010)"]:
        assert w in methods, w


@pytest.mark.parametrize("group, words", [
    ("region", ["--group region: 3 group(s)", "North (", "South (", "West (",
                "pick them as --group region=A,B", "--group region=North,South"]),
    ("region=North,East", ["--group region=North,East: no respondent analysed is in group(s) "
                           "East", "North ("]),
    ("region=North", ["--group region=North: give the column and two different groups as "
                      "COL=A,B"]),
    ("nosuch", ["group column 'nosuch' is neither an item nor a column kept"]),
])
def test_group_errors_exit_2(group_run, tmp_path, capsys, group, words):
    data, _ = group_run
    code, _, err = _run(["run", str(data), "-i", "acsi_nps", "--method", "pls", "--boot", "20",
                         "--seed", "1", "--jobs", "1", "--keep-column", "region", "--group", group,
                         "-o", str(tmp_path / "x")], capsys)
    assert code == 2, err
    msg = " ".join(err.split())
    for w in words:
        assert w in msg, (w, msg)
    assert "Traceback" not in err and "bootstrap" not in err.lower()  # refused before fitting


@pytest.mark.browser
def test_group_comparison_in_chromium(group_run, browser):  # noqa: F811 - fixture
    from browser import axe_violations, console_errors, describe_violations, file_url

    _, folder = group_run
    res = json.loads((folder / "results.json").read_text())
    g = res["pls"]["groups"]
    names = {c["id"]: c["name"] for c in res["instrument"]["constructs"]}
    console_errors(browser)
    browser.get(file_url(folder / "report.html"))
    assert console_errors(browser) == []
    ids = browser.execute_script("return [...document.querySelectorAll('[id]')].map(e => e.id)")
    assert ids.index("pls-fit") < ids.index("pls-groups") < ids.index("methods")
    heading = browser.execute_script(
        "return document.querySelector('#pls-groups h3, #pls-groups h4').innerText")
    assert heading.strip() == "Group comparison: panel (online vs store)"
    tables = browser.execute_script(
        "return [...document.querySelectorAll('#pls-groups table')].map(t => "
        "[...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.innerText.trim())));")
    assert len(tables) == 2
    for r, want in zip(tables[0], g["invariance"], strict=True):
        assert r[0] == names[want["construct"]] and r[-1].split(" ")[0] == want["invariance"]
    step2 = {r["construct"]: r for r in g["micom"]["step2"]}
    assert [r[1] for r in tables[0]] == [apa(step2[w["construct"]]["c"], 4)
                                         for w in g["invariance"]]
    for r, want in zip(tables[1], g["paths"], strict=True):
        assert r[:5] == [names[want["lhs"]], names[want["rhs"]], apa(want["est.group1"], 3),
                         apa(want["est.group2"], 3), apa(want["diff"], 3)]
        assert r[5] == apa_p(want["pvalue"]) and r[6] == apa_p(want["pvalue.mga.2sided"])
    text = browser.execute_script("return document.getElementById('pls-groups').innerText")
    assert not {"nan", "NaN", "None", "undefined"} & set(re.findall(r"[A-Za-z]+", text))
    violations = axe_violations(browser)
    assert violations == [], describe_violations(violations)


def test_ranking_is_said_to_be_among_exogenous_constructs():
    """The ranking compares exogenous constructs only. With a mediator whose total effect on
    the outcome (its direct path) is larger than every exogenous construct's, the findings
    and key card must not call the exogenous winner the construct with the largest total
    effect (it was said so of affective commitment on repurchase intention in a
    five_commitments report, where satisfaction's total effect, .265, exceeded its .222)."""
    from analysis.pls.pipeline import pls_effects
    from reports.report import ranking_cards

    rng = np.random.default_rng(5)
    n = 400
    x = rng.normal(size=(n, 2))
    m = 0.4 * x[:, 0] + 0.2 * x[:, 1] + 0.8 * rng.normal(size=n)
    y = 0.7 * m + 0.1 * x[:, 0] + 0.6 * rng.normal(size=n)
    f = {"a": x[:, 0], "b": x[:, 1], "m": m, "y": y}
    d = pd.DataFrame({f"{k}{j}": v / v.std() * 0.8 + 0.6 * rng.normal(size=n)
                      for k, v in f.items() for j in (1, 2, 3)})
    model = ("A =~ a1 + a2 + a3; B =~ b1 + b2 + b3; M =~ m1 + m2 + m3; Y =~ y1 + y2 + y3; "
             "M ~ A + B; Y ~ M + A")
    pls = pls_effects(d, model, n_boot=0)
    fit = estimate_pls(d, model)
    P = fit.paths  # P.loc[cause, outcome]
    total = {"A": P.loc["A", "Y"] + P.loc["A", "M"] * P.loc["M", "Y"],
             "B": P.loc["B", "M"] * P.loc["M", "Y"], "M": P.loc["M", "Y"]}
    assert abs(total["M"]) > max(abs(total["A"]), abs(total["B"]))  # the mediator leads
    rank = next(r for r in pls["ranking"] if r["outcome"] == "Y")
    assert rank["largest"] == "A" and abs(rank["std_total"] - total["A"]) < 1e-12
    cards, sentences = ranking_cards(pls["ranking"], {})
    text = next(s for s in sentences if " on y:" in s)
    assert text.startswith("Of the exogenous constructs") and "a has the largest total" in text
    assert next(c for c in cards if c["label"].endswith(" y"))["label"] == \
        "Strongest exogenous driver of y"


def test_key_card_names_mean_replacement(runs):
    """The respondents card of a --missing mean run said '... with missing answers kept by
    FIML' (the covariance-based wording); PLS replaced them by item means."""
    from reports.pls_section import key_cards

    data, folder = runs["three_component"]
    res = json.loads((folder / "results.json").read_text())
    items = _analysed_items(data, "three_component")
    model_items = [i for c in res["pls"]["constructs"] for i in c["items"]]
    incomplete = int(items[model_items].isna().any(axis=1).sum())
    assert incomplete > 0
    card = key_cards(res, f"{len(items):,}", "placeholder")[0]
    assert card["value"] == f"{len(items):,}"
    assert card["note"] == (f"of {res['screening']['n_read']:,} read; {incomplete:,} with "
                            "missing answers replaced by item means")
    html = (folder / "report.html").read_text()
    assert "FIML" not in html and "replaced by item means" in html


@pytest.mark.parametrize(("lo", "hi"), [(-0.00026, 0.0578), (-0.0005046, 0.067), (0.003, 0.21),
                                        (-0.12, 0.3), (0.00004, 0.1)])
def test_interval_bounds_show_their_sign(lo, hi):
    """An indirect effect's percentile CI [-0.00026, 0.058] (three_component-like data, mean
    replacement) printed as '[0.000, 0.058]' beside 'CI excludes 0: no'. Each printed bound
    read back must have the stored bound's sign and be within half a unit of its last digit."""
    from reports.pls_section import _ci

    text = _ci({"ci.lower": lo, "ci.upper": hi})
    parts = text.strip("[]").replace("\u2212", "-").split(", ")
    for shown, value in zip(parts, (lo, hi), strict=True):
        decimals = len(shown.split(".")[1])
        assert np.sign(float(shown)) == np.sign(value), text
        assert abs(float(shown) - value) <= 0.5 * 10 ** -decimals + 1e-15, text


def test_keep_flagged_counts_everyone_read(runs, tmp_path, capsys):
    """With --keep-flagged the key card said '250 of 240 kept; the rest left items unanswered
    (listwise)', the sample table 'Excluded 10, Analysed 240' and the terminal '10 excluded by
    screening' while every respondent read was analysed (CB-SEM reports the same way)."""
    from reports.report import report_context

    data, _ = runs["loyalty_typology"]
    out = tmp_path / "kf"
    code, text, err = _run(["run", str(data), "-i", "loyalty_typology", "--method", "pls",
                            "--boot", "0", "--jobs", "1", "--keep-flagged", "-o", str(out)],
                           capsys)
    assert code == 0, err
    res = json.loads((out / "results.json").read_text())
    n_read = len(pd.read_csv(data))
    sc = res["screening"]
    assert sc["n_excluded"] > 0 and res["pls"]["sample"]["n"] == n_read == sc["n_read"]
    ctx = report_context(res)
    card = ctx["summary"]["cards"][0]
    assert (card["value"], card["note"]) == (f"{n_read:,}", f"of {n_read:,} read")
    assert ctx["meta"][0]["value"] == f"{n_read:,}"
    table = next(b for s in ctx["sections"] if s["id"] == "sample" for b in s["blocks"]
                 if b.get("type") == "table")
    steps = {r["step"]: r["n"] for r in table["data"]}
    assert steps["Analysed"] == n_read
    assert steps["Excluded (none: flagged respondents kept with --keep-flagged)"] == 0
    assert f"{n_read} respondents read, {sc['n_flagged_any']} flagged by screening, all kept " \
        "with --keep-flagged" in text
    assert "excluded by screening" not in text
