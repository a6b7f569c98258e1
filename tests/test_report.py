"""The end-to-end run and its HTML report: results.json -> report, in the browser too."""

from __future__ import annotations

import copy
import json
import re

import pandas as pd
import pytest
import semopy.examples
from browser import browser  # noqa: F401  (session fixture: headless Chromium)
from test_sem_ml import MED_M, MED_X, MED_Y

from analysis.responses.simulate import SimulationSettings, simulate
from analysis.study import StudySettings, run_study
from instruments import load_instrument
from reports.cli import main
from reports.format import apa
from reports.report import render_report

SECTIONS = ["findings", "sample", "distributions", "reliability", "factor-structure",
            "validity", "method-bias", "invariance", "structural", "segments", "methods"]


@pytest.fixture(scope="module")
def results():
    inst = load_instrument("five_commitments")
    sim = simulate(inst, SimulationSettings(n=400, seed=3, straightliners=.05,
                                            random_responders=.05))
    res = run_study(sim.data, inst, StudySettings(group="industry", n_boot=60, n_jobs=1,
                                                  progress=False),
                    created="2026-11-22T12:00:00+00:00")
    return json.loads(json.dumps(res, allow_nan=False))


def test_results_hold_every_part_and_respect_the_screening(results):
    assert results["format"] == "engagekit-results/1"
    sc = results["screening"]
    assert sc["n_read"] == 400 and sc["n_kept"] + sc["n_excluded"] == 400
    assert results["validation"]["n"] == sc["n_kept"]  # the CFA ran on the kept respondents
    assert results["effects"]["n"] == sc["n_kept"]
    assert {r["outcome"] for r in results["effects"]["ranking"]} == {
        "satisfaction", "repurchase", "recommendation"}
    assert results["groups"]["group"] == "industry" and results["validation"]["invariance"]


def test_rendering_is_deterministic_and_complete(results):
    html = render_report(results)
    assert html == render_report(copy.deepcopy(results))  # same bytes every time
    for sid in SECTIONS:
        assert f'id="{sid}"' in html, sid
    fm = results["validation"]["cfa"]["fit_measures"]
    assert f"CFI {apa(fm['cfi'], 3, True)}" in html
    assert apa(fm["rmsea"], 3, True) in html and apa(fm["srmr"], 3, True) in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "<script" not in html
    # piping placeholders are filled (by their declared default), never shown raw
    assert "{brand}" not in html and "Responses to Why customers stay with this company" in html
    assert "<th>index</th>" not in html and "Fornell-Larcker criterion" in html
    # Likert items: ordinal alpha beside Cronbach's, as results.json has it
    rel = pd.DataFrame(results["validation"]["reliability"]).set_index("construct")
    assert "Ordinal α" in html and apa(rel.loc["affective", "ordinal_alpha"], 2, True) in html
    assert "ordinal alpha and omega from polychoric correlations" in html  # methods paragraph


def test_largest_path_is_shown_in_the_diagram(results):
    html = render_report(results)
    paths = pd.DataFrame(results["effects"]["paths"])
    top = paths.loc[paths["std.all"].abs().idxmax()]
    diagram = re.search(f'<g class="ek-path" data-from="{top["rhs"]}" data-to="{top["lhs"]}"'
                        r' data-beta="([-0-9.e]+)" data-p="([-0-9.e]+)"', html)
    assert diagram is not None
    assert float(diagram.group(1)) == pytest.approx(top["std.all"], abs=1e-6)
    assert float(diagram.group(2)) == pytest.approx(top["pvalue"], abs=1e-6)
    assert apa(top["std.all"], 2, True) in html


def test_every_text_is_escaped(results):
    evil = copy.deepcopy(results)
    evil["instrument"]["constructs"][0]["name"] = "<script>alert(1)</script>"
    evil["instrument"]["constructs"][0]["items"][0]["label"] = '<img src=x onerror="alert(2)">'
    evil["data"]["source"]["file"] = "<b>file</b>.csv"
    html = render_report(evil)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;file&lt;/b&gt;.csv" in html


def test_report_command_renders_a_saved_result(results, tmp_path, capsys):
    saved = tmp_path / "results.json"
    saved.write_text(json.dumps(results), encoding="utf-8")
    out = tmp_path / "report.html"
    assert main(["report", str(saved), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render_report(results)
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "results"}', encoding="utf-8")
    assert main(["report", str(bad), "-o", str(tmp_path / "x.html")]) == 2
    assert "not an engagekit results file" in capsys.readouterr().err


#: The top-level sections the report reads; the others (constructs, groups, interaction) it
#: can do without.
REQUIRED = ["created", "software", "settings", "instrument", "data", "screening", "scores",
            "validation", "effects", "observed"]


@pytest.mark.parametrize("optional", [
    False, pytest.param(True, marks=pytest.mark.slow)])  # slow: renders ~20 reports (+15 s)
def test_report_command_exits_2_naming_each_missing_section(results, tmp_path, capsys,
                                                             optional):
    """Each required section missing: exit 2 naming it. The optional ones (slow): the report
    renders without each."""
    assert set(REQUIRED) < set(results)
    for section in results:
        if (section in REQUIRED or section == "format") == optional:
            continue
        broken = {k: v for k, v in results.items() if k != section}
        saved = tmp_path / f"no_{section}.json"
        saved.write_text(json.dumps(broken), encoding="utf-8")
        (tmp_path / "x.html").unlink(missing_ok=True)
        rc = main(["report", str(saved), "-o", str(tmp_path / "x.html"), "--force"])
        err = capsys.readouterr().err
        if section in REQUIRED:
            with pytest.raises(KeyError):  # what rendering without the schema check did
                render_report(broken)
            assert rc == 2, (section, err)
            assert err == (f"error: {saved}: section '{section}' is missing; the report needs "
                           "it: write the file again with `engagekit run` (or restore the "
                           "section)\n")
        elif section == "format":
            assert rc == 2 and "not an engagekit results file" in err
        else:  # optional: the report renders without it (main wrote it: rendered once)
            assert rc == 0, (section, err)
            assert (tmp_path / "x.html").stat().st_size > 0


@pytest.mark.parametrize("where, value, named", [
    (("screening", "n_kept"), "440", "screening.n_kept"),
    (("validation", "cfa"), [], "validation.cfa"),
    (("validation", "cfa", "fit_measures", "srmr"), "low", "validation.cfa.fit_measures.srmr"),
    (("effects", "ranking", 0, "std_total"), None, "effects.ranking[0].std_total"),
    (("instrument", "constructs", 1, "items"), {"aff_01": 1},
     "instrument.constructs[1].items"),
    (("settings", "validation", "fit_cutoffs", "cfi"), [".95", ".90"],
     "settings.validation.fit_cutoffs.cfi[0]"),
])
def test_report_command_exits_2_on_a_malformed_section(results, tmp_path, capsys, where,
                                                        value, named):
    from analysis.results_schema import ResultsFileError, check_results

    broken = copy.deepcopy(results)
    node = broken
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    saved = tmp_path / "tampered.json"
    saved.write_text(json.dumps(broken), encoding="utf-8")
    assert main(["report", str(saved), "-o", str(tmp_path / "x.html")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {saved}: section '{named}' is malformed") and \
        "Traceback" not in err
    with pytest.raises(ResultsFileError) as exc:
        check_results(broken)
    assert exc.value.section == named and exc.value.code == "results_section"


def test_demo_command_writes_every_output(tmp_path):
    out = tmp_path / "demo"
    assert main(["demo", "-o", str(out), "--n", "300", "--boot", "30", "--jobs", "1"]) == 0
    for name in ("report.html", "results.json", "cleaning_log.csv", "scored.csv"):
        assert (out / name).stat().st_size > 0, name
    scored = pd.read_csv(out / "scored.csv")
    assert len(scored) == 300 and {"affective", "aff_04r", "nps_group"} <= set(scored.columns)


def test_validate_and_effects_commands_take_lavaan_models(tmp_path, capsys):
    hs = tmp_path / "hs.csv"
    semopy.examples.holzinger39.get_data().to_csv(hs, index=False)
    js = tmp_path / "v.json"
    assert main(["validate", str(hs), "--model",
                 "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9",
                 "--htmt-boot", "20", "--json", str(js)]) == 0
    out = capsys.readouterr().out
    assert "chisq 85.306" in out and "CFI 0.931" in out  # lavaan tutorial values
    assert json.loads(js.read_text())["cfa"]["fit_measures"]["df"] == 24
    med = tmp_path / "med.csv"
    pd.DataFrame({"X": MED_X, "M": MED_M, "Y": MED_Y}).to_csv(med, index=False)
    assert main(["effects", str(med), "--model", "M ~ X; Y ~ X + M", "--boot", "50",
                 "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"Y\s+X\s+indirect\s+0\.374", out)  # lavaan: ab = .3736
    assert main(["effects", str(med), "--model", "M ~ X; Y ~ X + Q", "--boot", "0"]) == 2


@pytest.mark.browser
def test_report_in_chromium(results, browser, tmp_path):  # noqa: F811 - fixture
    from browser import (
        DESKTOP,
        PHONE,
        axe_violations,
        console_errors,
        describe_violations,
        file_url,
        reset_viewport,
        screenshot,
        set_viewport,
    )

    page = tmp_path / "report.html"
    page.write_text(render_report(results), encoding="utf-8")
    console_errors(browser)  # flush what earlier tests logged
    browser.get(file_url(page))
    assert console_errors(browser) == []
    present = browser.execute_script(
        "return arguments[0].filter(id => document.getElementById(id) !== null)", SECTIONS)
    assert present == SECTIONS
    sizes = browser.execute_script(
        "return [...document.querySelectorAll('svg')].map(s => {"
        "const r = s.getBoundingClientRect(); return [r.width, r.height]; })")
    assert len(sizes) >= 10 and all(w > 0 and h > 0 for w, h in sizes)
    fm = results["validation"]["cfa"]["fit_measures"]
    shown = browser.execute_script(
        "return document.querySelector('#factor-structure table').innerText")
    assert apa(fm["cfi"], 3, True) in shown and apa(fm["rmsea"], 3, True) in shown
    # the largest standardized total effect, row by row as the effects table shows it
    eff = pd.DataFrame(results["effects"]["effects"])
    names = {c["id"]: c["name"] for c in results["instrument"]["constructs"]}
    tot = eff[eff.kind == "total"]
    top = tot.loc[tot["std.all"].abs().idxmax()]
    rows = browser.execute_script(
        "const t = [...document.querySelectorAll('#structural table')].find(t => "
        "t.caption && t.caption.innerText.includes('Direct, indirect and total effects'));"
        "return [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.innerText.trim()));")
    row = next(r for r in rows if r[0] == names[top.outcome] and r[1] == names[top.predictor]
               and r[2] == "total")
    assert row[3] == apa(top["est"], 3) and row[6] == apa(top["std.all"], 2)
    assert row[4] == f"[{apa(top['bca.lower'], 2)}, {apa(top['bca.upper'], 2)}]"
    assert row[5] == ("yes" if top["bca.lower"] > 0 or top["bca.upper"] < 0 else "no")
    violations = axe_violations(browser)
    assert violations == [], describe_violations(violations)
    screenshot(browser, "full_report_desktop.png", DESKTOP)
    screenshot(browser, "full_report_phone.png", PHONE)
    set_viewport(browser, *PHONE)
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1")
    reset_viewport(browser)


def test_results_saved_before_newer_fields_still_render(results):
    """A results.json from an earlier engagekit (no ordinal reliability columns, no placeholder
    defaults) re-renders without refitting."""
    old = copy.deepcopy(results)
    for row in old["validation"]["reliability"]:
        row.pop("ordinal_alpha", None)
        row.pop("ordinal_omega", None)
    old["instrument"].pop("placeholders", None)
    from analysis.results_schema import check_results

    check_results(old)  # the schema accepts them too (engagekit report renders them)
    html = render_report(old)
    assert "Ordinal α" not in html and "{brand}" not in html
    assert "Why customers stay with the brand" in html


def test_results_with_the_old_column_names_render_the_same(results, tmp_path, capsys):
    """Saved before lavaan's spelling: HTMT pairs' ci_low/ci_high (now ci.lower/ci.upper) and
    the effects' std (now std.all)."""
    from analysis.results_schema import upgrade_results

    old = copy.deepcopy(results)
    for key in ("htmt", "htmt2"):
        old["validation"]["validity"][key]["pairs"] = [
            {{"ci.lower": "ci_low", "ci.upper": "ci_high"}.get(k, k): v for k, v in r.items()}
            for r in results["validation"]["validity"][key]["pairs"]]
    old["effects"]["effects"] = [{("std" if k == "std.all" else k): v for k, v in r.items()}
                                 for r in results["effects"]["effects"]]
    assert "ci_low" in old["validation"]["validity"]["htmt"]["pairs"][0]
    before = copy.deepcopy(old)
    assert upgrade_results(old) == results and old == before  # a copy, the input untouched
    assert upgrade_results(results) is results  # nothing to rename: no copy
    assert render_report(old) == render_report(results)
    saved = tmp_path / "old.json"
    saved.write_text(json.dumps(old), encoding="utf-8")
    assert main(["report", str(saved), "-o", str(tmp_path / "old.html")]) == 0, \
        capsys.readouterr().err
    assert (tmp_path / "old.html").read_text(encoding="utf-8") == render_report(results)


def test_robust_fit_and_chosen_cutoffs_are_what_the_report_shows(results):
    """With MLR the table, badges and summary card show the robust indices (lavaan's
    cfi.robust etc.); cut-offs chosen in the settings replace Hu & Bentler's everywhere."""
    from reports.format import fit_badges

    r = copy.deepcopy(results)
    fm = r["validation"]["cfa"]["fit_measures"]
    fm.update({"cfi.robust": .912, "tli.robust": .901, "rmsea.robust": .071,
               "rmsea.ci.lower.robust": .060, "rmsea.ci.upper.robust": .083,
               "chisq.scaled": 512.25, "pvalue.scaled": .0001})
    r["settings"]["validation"]["fit_cutoffs"] = {"cfi": [.90, .85], "tli": [.90, .85],
                                                  "rmsea": [.08, .10], "srmr": [.08, .10]}
    html = render_report(r)
    assert "CFI (robust)" in html and "CFI .912" in html and "RMSEA (robust)" in html
    assert "512.25" in html and "≥ .90" in html and "Criteria as chosen for this study" in html
    badges = {b["text"].split(" =")[0]: b for b in fit_badges(fm, cutoffs={"cfi": (.90, .85)})}
    assert badges["CFI"]["status"] == "pass" and "chosen cut-off" in badges["CFI"]["detail"]
    assert fit_badges(fm)[1]["status"] == "warn"  # .912 against Hu & Bentler's .95 / .90


def test_run_reads_renamed_columns_through_a_column_map_and_says_when_none_match(tmp_path,
                                                                                   capsys):
    """A file whose columns are not item ids: without a map `run` stops naming the file and
    what to do (exit 2); with --column-map it analyses the same answers."""
    from analysis import write_responses

    inst = load_instrument("five_commitments")
    sim = simulate(inst, SimulationSettings(n=300, seed=5))
    plain = tmp_path / "plain.csv"
    write_responses(sim.data, plain, inst, format="csv")
    frame = pd.read_csv(plain)
    rename = {c: f"Q{k}" for k, c in enumerate(frame.columns) if c in {i.id for i in inst.items()}}
    renamed = tmp_path / "renamed.csv"
    frame.rename(columns=rename).to_csv(renamed, index=False)
    (tmp_path / "map.json").write_text(json.dumps({v: k for k, v in rename.items()}))
    rc = main(["run", str(renamed), "-i", "five_commitments", "-o", str(tmp_path / "no"),
               "--boot", "0", "--jobs", "1"])
    err = capsys.readouterr().err
    assert rc == 2 and "renamed.csv: none of the 34 items" in err and "--column-map" in err
    assert not (tmp_path / "no").exists()
    rc = main(["run", str(renamed), "-i", "five_commitments", "-o", str(tmp_path / "out"),
               "--column-map", str(tmp_path / "map.json"), "--boot", "0", "--jobs", "1"])
    assert rc == 0, capsys.readouterr().err
    got = json.loads((tmp_path / "out" / "results.json").read_text())
    assert got["data"]["n_read"] == 300


def test_same_inputs_and_seed_give_the_same_bytes(tmp_path, monkeypatch):
    """`engagekit demo` twice (one and two worker processes) with SOURCE_DATE_EPOCH: the
    report, scores and cleaning log are byte-identical, and the results differ only in the
    record of how many workers ran."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    outs = []
    for k, jobs in enumerate(("1", "2")):
        out = tmp_path / f"run{k}"
        assert main(["demo", "-o", str(out), "--n", "300", "--boot", "40", "--jobs", jobs,
                     "--seed", "8"]) == 0
        outs.append(out)
    for name in ("report.html", "scored.csv", "cleaning_log.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    # results.json records how the bootstrap ran (n_jobs, backend, workers): nothing else differs
    a, b = (json.loads((o / "results.json").read_text()) for o in outs)
    assert (a["settings"]["n_jobs"], a["effects"]["bootstrap"]["backend"]) == (1, "serial")
    assert (b["settings"]["n_jobs"], b["effects"]["bootstrap"]["backend"]) == (2, "processes")
    for r in (a, b):
        r["settings"]["n_jobs"] = None
        for key in ("backend", "workers"):
            r["effects"]["bootstrap"][key] = None
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert a["created"].startswith("2025-12-01")
