"""Invariance across waves in the pipeline and the report (issue 19, items 3-4):
``engagekit run ... --waves --invariance`` on a simulated three-wave panel whose aff_02
intercept drifts, the ``invariance_waves`` section of results.json (schema, strict JSON,
re-rendered by ``engagekit report``), the report section in headless Chromium, and the
usage errors."""

from __future__ import annotations

import copy
import json
import re
from html import unescape

import pytest
from browser import browser  # noqa: F401  (session fixture: headless Chromium)

from analysis.psychometrics.wave_invariance import (
    WaveInvarianceSettings,
    invariance_across_waves,
)
from analysis.responses import write_responses
from analysis.responses.simulate_panel import simulate_panel
from analysis.responses.waves import stack_waves
from analysis.results_schema import ResultsFileError, check_results
from instruments import load_instrument
from reports.cli import main
from reports.longinv_section import longinv_section

INST = load_instrument("five_commitments")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """``engagekit run`` of a three-wave panel of 500 (10% attrition) with --invariance."""
    d = tmp_path_factory.mktemp("longinv")
    sim = simulate_panel(INST, n=500, waves=3, seed=4, attrition=0.1, item_stability=0.3,
                         intercept_drift={"aff_02": 0.5})
    files = []
    for k, w in enumerate(sim.waves, start=1):
        path = d / f"wave{k}.csv"
        write_responses(w, path, INST)
        files.append(str(path))
    out = d / "out"
    code = main(["run", *files, "-i", "five_commitments", "--waves", "--invariance",
                 "--boot", "0", "-o", str(out)])
    assert code == 0
    return {"dir": out, "results": json.loads((out / "results.json").read_text()),
            "files": files, "sim": sim}


def _prose(html: str) -> str:
    text = re.sub(r"<svg .*?</svg>", " ", html, flags=re.S)
    text = re.sub(r"<style.*?</style>", " ", text, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)))


def test_panel_counts_are_of_the_respondents_analysed(run):
    """The model is fitted on each wave's screened rows: its persons, and those in two or more
    waves, are counted there (scored.csv's rows not excluded), not among everyone read."""
    import pandas as pd

    scored = pd.read_csv(run["dir"] / "scored.csv")
    kept = scored[~scored["excluded"].astype(bool)]
    waves = kept.groupby("respondent_id")["wave"].nunique()
    n = run["results"]["invariance_waves"]["n"]
    assert n == {"persons": len(waves), "in_two_or_more_waves": int((waves > 1).sum())}
    read = scored.groupby("respondent_id")["wave"].nunique()
    assert (read > 1).sum() > n["in_two_or_more_waves"]  # screening made a difference here
    html = _prose((run["dir"] / "report.html").read_text(encoding="utf-8"))
    assert (f"a panel of {len(waves):,} persons analysed (after each wave's screening), "
            f"{int((waves > 1).sum()):,} of them in two or more waves") in html


def test_run_finds_and_frees_the_drifting_intercept(run):
    sec = run["results"]["invariance_waves"]
    assert sec["design"] == "panel" and sec["waves"] == ["W1", "W2", "W3"]
    assert sec["missing"] == "ml"  # attrition: persons missing a wave
    assert sec["rule"]["criterion"] == "fit" and "Chen, 2007" in sec["rule"]["text"]
    assert {f["item"] for f in sec["freed"]} == {"aff_02"}
    assert {f["kind"] for f in sec["freed"]} == {"intercepts"}
    assert sec["freed"][0]["where"] == "W3"
    aff = [r for r in sec["table"] if r["construct"] == "affective"]
    assert [r["decision"] for r in aff] == ["baseline", "invariant", "partial", "invariant"]
    assert "aff_02_wW3 ~ 1" in sec["models"]["affective"]
    means = [m for m in sec["means"] if m["construct"] == "affective"]
    assert [m["where"] for m in means] == ["W2", "W3"] and all(m["comparable"] for m in means)
    assert set(sec["constructs"]) == {"affective", "normative", "economic", "forced",
                                      "habitual", "satisfaction", "repurchase",
                                      "recommendation"}
    assert any("likelihood_to_recommend" in n for n in sec["notes"])  # single item: left out
    check_results(run["results"])


def test_section_matches_the_analysis_api(run):
    """The pipeline's section is the analysis-level API's on the screened rows."""
    from analysis.psychometrics.wave_invariance import analysed_rows
    from analysis.study import StudySettings

    stack = stack_waves(run["sim"].waves, INST)
    s = StudySettings(n_boot=0, progress=False)
    sec = invariance_across_waves(stack, INST, WaveInvarianceSettings(
        constructs=("affective",)),
        rows=analysed_rows(stack, INST, s.screening, s.exclude_flagged))
    ours = [r for r in run["results"]["invariance_waves"]["table"]
            if r["construct"] == "affective"]
    assert [r["chisq"] for r in sec["table"]] == pytest.approx([r["chisq"] for r in ours],
                                                               rel=1e-9)


def test_schema_names_a_broken_section(run):
    res = copy.deepcopy(run["results"])
    del res["invariance_waves"]["table"][0]["decision"]
    with pytest.raises(ResultsFileError, match="invariance_waves"):
        check_results(res, "r.json")


def test_report_section_and_rerender(run, tmp_path):
    html = (run["dir"] / "report.html").read_text()
    text = _prose(html)
    assert "Measurement invariance across waves" in text
    assert "Constraints released by the partial-invariance search" in text
    assert "intercept of aff_02 at wave W3" in text
    assert "Latent mean differences from wave W1" in text
    # the rule applied is named (the default, Chen's ΔCFI together with ΔRMSEA)
    assert ("Decision rule: not invariant when ΔCFI <= -0.01 together with ΔRMSEA >= 0.015 "
            "(Chen, 2007).") in text
    assert "Byrne, B. M., Shavelson, R. J., & Muthén, B. (1989)" in text  # cited, listed
    assert 'data-construct="affective"' in html
    # engagekit report re-renders the saved results with the section, byte for byte
    out = tmp_path / "again.html"
    assert main(["report", str(run["dir"] / "results.json"), "-o", str(out)]) == 0
    assert out.read_text() == html
    # without the section the report has none
    res = copy.deepcopy(run["results"])
    del res["invariance_waves"]
    assert longinv_section(res) is None and longinv_section(run["results"])


def test_invariance_without_waves_is_a_usage_error(run, tmp_path, capsys):
    code = main(["run", run["files"][0], "-i", "five_commitments", "--invariance",
                 "-o", str(tmp_path / "o")])
    assert code == 2 and "--waves" in capsys.readouterr().err
    code = main(["run", *run["files"], "-i", "five_commitments", "--waves", "--invariance",
                 "--invariance-criterion", "aic", "-o", str(tmp_path / "o")])
    assert code == 2 and "'fit', 'either', 'chisq'" in capsys.readouterr().err


def test_unknown_construct_named(run):
    stack = stack_waves(run["sim"].waves[:2], INST)
    with pytest.raises(ValueError, match="'loyalty'.*choose from"):
        invariance_across_waves(stack, INST, WaveInvarianceSettings(constructs=("loyalty",)))


@pytest.mark.browser
def test_section_in_chromium(run, browser):  # noqa: F811
    from browser import file_url, reset_viewport, set_viewport

    set_viewport(browser, 1280, 900)
    try:
        browser.get(file_url(run["dir"] / "report.html"))
        got = browser.execute_script("""
            const s = document.getElementById('invariance-waves');
            const sec = s.closest('section') || s.parentElement;
            const cards = [...sec.querySelectorAll('.longinv-decisions .card')];
            const tables = [...sec.querySelectorAll('table')];
            return {
              cards: cards.map(c => [c.dataset.construct, c.innerText,
                                     c.getBoundingClientRect().width > 0]),
              captions: tables.map(t => t.caption ? t.caption.innerText : ''),
              wide: tables.filter(t => t.parentElement.scrollWidth
                                       > t.parentElement.clientWidth + 1).length,
              text: sec.innerText};""")
    finally:
        reset_viewport(browser)
    cards = {c[0]: c for c in got["cards"]}
    assert "strict" in cards["affective"][1] and "partial" in cards["affective"][1]
    assert "aff_02" in cards["affective"][1] and cards["affective"][2]
    assert all(c[2] for c in got["cards"])
    assert any("Invariance across waves" in c for c in got["captions"])
    assert got["wide"] == 0  # no table scrolls sideways at 1280 px
    assert "intercept of aff_02 at wave W3" in got["text"]


def test_validate_invariance_partial_across_groups(run, tmp_path, capsys):
    """engagekit validate --group G --invariance-partial chisq: the search across groups
    (HolzingerSwineford1939 by school releases x3's and x7's intercepts, then x6's residual
    variance, as lavaan users find), in the JSON and in the report's invariance section."""
    from semopy.examples import holzinger39

    from reports.report import report_context

    data = tmp_path / "hs.csv"
    holzinger39.get_data().to_csv(data, index=False)
    model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    out = tmp_path / "v.json"
    assert main(["validate", str(data), "-m", model, "--group", "school", "--invariance-partial",
                 "chisq", "--htmt-boot", "0", "--json", str(out)]) == 0
    echoed = capsys.readouterr().out
    assert "invariance across school, scalar: partial after releasing x3~1 (all groups), " \
           "x7~1 (all groups)" in echoed
    assert ("partial invariance search across school: not invariant when the chi-square "
            "difference test has p < 0.05") in echoed
    assert "at least 2 invariant items per factor (Byrne, Shavelson & Muthén, 1989)" in echoed
    inv = json.loads(out.read_text())["invariance"]
    assert inv["partial"]["group.partial"] == ["x3~1", "x7~1", "x6~~x6"]
    assert [m["where"] for m in inv["partial"]["means"]] == ["Grant-White"] * 3
    # the report's invariance section shows the search
    res = copy.deepcopy(run["results"])
    res["validation"]["invariance"] = inv
    sec = next(s for s in report_context(res)["sections"] if s["id"] == "invariance")
    captions = [b.get("caption") for b in sec["blocks"]]
    assert "Partial invariance: final models" in captions
    assert "Constraints released across school" in captions
    assert "Latent mean differences from group Pasteur" in captions
    # without --group it is a usage error
    assert main(["validate", str(data), "-m", model, "--invariance-partial", "fit"]) == 2
    assert "--group" in capsys.readouterr().err


def test_validation_settings_check_the_partial_criterion():
    from analysis import ValidationSettings

    with pytest.raises(ValueError, match="invariance_partial must be None, 'fit', 'either' or 'chisq'"):
        ValidationSettings(invariance_partial="aic")


def test_independent_waves_are_groups():
    """Waves of different respondents: the multigroup sequence with the wave as the group."""
    from analysis.responses.simulate import simulate

    waves = [simulate(INST, n=300, seed=s, id_prefix=p).data for s, p in ((1, "a"), (2, "b"))]
    stack = stack_waves(waves, INST, labels=["2025", "2026"])
    assert not stack.panel
    sec = invariance_across_waves(stack, INST, WaveInvarianceSettings(
        constructs=("affective", "normative")))
    assert sec["design"] == "independent" and sec["n"] == {"rows": 600}
    assert [r["model"] for r in sec["table"] if r["construct"] == "affective"] == [
        "configural", "metric", "scalar", "strict"]
    assert {m["where"] for m in sec["means"]} == {"2026"}
    assert {m["reference"] for m in sec["means"]} == {"2025"}
    with pytest.raises(ValueError, match="design 'panel' needs respondents linked"):
        invariance_across_waves(stack, INST, WaveInvarianceSettings(design="panel"))


def test_methods_text_describes_the_search(run):
    from reports.methods import methods_text

    text = methods_text(run["results"], "t")
    assert "Measurement invariance across the waves was tested in one longitudinal model" in text
    assert "released: intercept of aff_02 at wave W3" in text
    res = copy.deepcopy(run["results"])
    del res["invariance_waves"]
    assert "across the waves was tested" not in methods_text(res, "t")


def test_terminal_names_the_rule_and_the_releases(run):
    """``run`` prints the rule applied and each construct's decisions (item 3: which rule)."""
    from reports.longinv_section import invariance_lines

    lines = invariance_lines(run["results"])
    assert lines[0] == ("invariance across waves (not invariant when ΔCFI <= -0.01 together "
                        "with ΔRMSEA >= 0.015 (Chen, 2007)):")
    aff = next(ln for ln in lines if ln.startswith("  affective: "))
    assert "scalar partial after releasing intercept of aff_02 at wave W3" in aff


def test_named_rules():
    """The command line's rule names: fit (both changes, Chen 2007; the default), either (one
    change), chisq (the difference test)."""
    from analysis.sem.sequence import InvarianceRule, named_rule

    assert named_rule("fit") == InvarianceRule()
    assert named_rule("either") == InvarianceRule(combine="either")
    assert named_rule("chisq") == InvarianceRule(criterion="chisq")
    assert "ΔCFI <= -0.01 or ΔRMSEA >= 0.015" in named_rule("either").describe()
    with pytest.raises(ValueError, match="one of fit, either, chisq, not 'aic'"):
        named_rule("aic")


def test_a_scale_score_change_from_a_drifting_item_is_qualified(run):
    """The waves section's 'changed significantly' for affective commitment is qualified by the
    invariance search: only aff_02's intercept drifts in the simulation, so the scale score's
    change (paired t on scored.csv, scipy) is that item's: without aff_02 the score does not
    change. The intro names aff_02 and gives the latent mean change of the partial scalar
    model; constructs with nothing released are not named."""
    import pandas as pd
    from scipy import stats

    scored = pd.read_csv(run["dir"] / "scored.csv")
    kept = scored[~scored["excluded"].astype(bool)]
    wide = kept.pivot(index="respondent_id", columns="wave",
                      values=["affective", "aff_02"]).dropna()
    score = wide["affective"]
    rest = (4 * wide["affective"] - wide["aff_02"]) / 3  # the other three items' mean
    assert stats.ttest_rel(score["W3"], score["W1"]).pvalue < .05
    assert stats.ttest_rel(rest["W3"], rest["W1"]).pvalue > .05
    html = _prose((run["dir"] / "report.html").read_text(encoding="utf-8"))
    intro = html[html.index("From W1 to W3"):html.index("Table")]
    assert "Affective commitment +" in intro
    assert "the intercept of aff_02 differs across waves" in intro
    m = next(m for m in run["results"]["invariance_waves"]["means"]
             if m["construct"] == "affective" and m["where"] == "W3")
    assert abs(m["est"]) < 0.1  # the construct did not move (simulated latent means equal)
    est = f"{m['est']:.2f}".replace("-", "\u2212").replace("\u22120.00", "0.00")
    assert f"latent mean in the partial scalar model changed by {est}" in intro
    for other in ("normative", "economic", "forced", "habitual"):
        assert f"{other} commitment's scale-score change" not in intro
    assert "Not (fully) invariant across waves: Affective commitment;" in html


def test_independent_waves_leave_two_item_constructs_out():
    """Across independent samples each construct is fitted alone in every wave; a two-item
    factor is then not identified (free: second loading, two residual variances, factor
    variance, two intercepts = 6 against 2 variances + 1 covariance + 2 means = 5 moments per
    wave), so ``run --waves --invariance`` on independent samples stopped with 'not identified
    (df < 0)' for recommendation (2 items). It is left out with a note; the three-or-more-item
    constructs are tested; two-item constructs alone are a named input error."""
    from analysis.responses.simulate import simulate
    from instruments.errors import EngagekitInputError

    two = [c.id for c in INST.measured_constructs() if len(INST.measurement_items(c)) == 2]
    assert "recommendation" in two
    assert 1 + 2 + 1 + 2 == 6 > 2 + 1 + 2  # parameters vs moments, as in the docstring
    waves = [simulate(INST, n=200, seed=s, id_prefix=p).data for s, p in ((1, "a"), (2, "b"))]
    stack = stack_waves(waves, INST)
    sec = invariance_across_waves(stack, INST, WaveInvarianceSettings(
        constructs=("affective", "recommendation")))
    assert {r["construct"] for r in sec["table"]} == {"affective"}
    assert any("two-item construct(s) ['recommendation']" in n for n in sec["notes"])
    with pytest.raises(EngagekitInputError, match="three or more items") as e:
        invariance_across_waves(stack, INST, WaveInvarianceSettings(
            constructs=("recommendation",)))
    assert e.value.code == "invalid_argument"
