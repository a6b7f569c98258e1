"""The report claims only what ran: screening rules that could not be applied, the methods
paragraph and its references, one inference per effect, scores that reproduce the report.

The data: 300 simulated respondents (5% straightliners, 5% random responders) written as a
plain CSV *without* completion times (no ``started_at`` / ``ended_at``), so the speeder rule
cannot be applied, run through ``engagekit run`` without a group.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from browser import browser  # noqa: F401  (session fixture: headless Chromium)

from analysis import write_responses
from analysis.responses.simulate import SimulationSettings, simulate
from instruments import load_instrument
from reports.cli import main
from reports.format import apa
from reports.methods import REFERENCES
from reports.report import render_report


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("honest")
    inst = load_instrument("five_commitments")
    sim = simulate(inst, SimulationSettings(n=300, seed=11, straightliners=.05,
                                            random_responders=.05))
    full = tmp / "full.csv"
    write_responses(sim.data, full, inst, format="csv")
    frame = pd.read_csv(full)
    frame.drop(columns=["started_at", "ended_at"]).to_csv(tmp / "no_times.csv", index=False)
    out = tmp / "out"
    assert main(["run", str(tmp / "no_times.csv"), "-i", "five_commitments", "-o", str(out),
                 "--boot", "40", "--jobs", "1", "--seed", "3"]) == 0
    return out, json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_a_rule_that_could_not_run_is_recorded_as_not_applied(run):
    _, results = run
    sc = results["screening"]
    assert sc["not_applied"]["speeder"] == "no completion times in the data"
    assert sc["n_flagged"]["speeder"] == 0 and "speeder" not in sc["n_excluded_by"]
    # every exclusion the methods text attributes to a rule is a respondent that rule flagged
    assert sum(sc["n_excluded_by"].values()) >= sc["n_excluded"] > 0


def test_scored_csv_reproduces_the_reports_n_and_means(run):
    out, results = run
    scored = pd.read_csv(out / "scored.csv", keep_default_na=False, na_values=[""])
    assert {"respondent_id", "excluded", "flagged_by"} <= set(scored.columns)
    assert len(scored) == results["data"]["n_read"] == 300
    analysed = scored[~scored["excluded"]]
    assert len(analysed) == results["screening"]["n_kept"] == results["effects"]["n"]
    for row in results["scores"]["summary"]:
        col = analysed[row["construct"]]
        assert col.notna().sum() == row["n"], row["construct"]
        assert col.mean() == pytest.approx(row["mean"], abs=1e-12), row["construct"]
        assert col.std(ddof=1) == pytest.approx(row["sd"], abs=1e-12), row["construct"]
    # the rules named per respondent are the screening's own, and never one that was not applied
    rules = {r for cell in scored["flagged_by"].dropna() for r in str(cell).split(";") if r}
    assert rules and "speeder" not in rules
    assert set(rules) <= set(results["screening"]["n_flagged"])
    excluded = scored[scored["excluded"]]
    assert len(excluded) == results["screening"]["n_excluded"]
    assert excluded["flagged_by"].fillna("").str.len().gt(0).all()


def test_methods_and_references_follow_what_ran(run):
    _, results = run
    html = render_report(results)
    text = re.sub(r"<[^>]+>", " ", html)
    methods = text[text.index("Methods and references"):]
    # no group given: no invariance or group comparison claimed, nor their references
    assert "invariance" not in methods.lower() and "Cheung" not in methods and "Chen" not in html
    assert "lavaan itself was not run" in methods and "engagekit fits these models" in methods
    assert "maximum likelihood (ML)" in methods
    # every reference listed is cited somewhere in the report, and vice versa for ours
    listed = re.findall(r"<li>([^<]+)</li>", html[html.index('id="methods"'):])
    ours = {ref for _, _, ref in REFERENCES}
    cited = [r for r in listed if r.replace("&amp;", "&") in ours]
    assert cited and all(r.split(",")[0] in text.replace(methods, "") or r.split(",")[0] in
                         methods for r in cited)
    assert not any(ref.startswith("Satorra") or ref.startswith("Yuan") for ref in cited)


def test_effects_are_judged_by_the_interval_the_table_shows(run):
    _, results = run
    html = render_report(results)
    eff = pd.DataFrame(results["effects"]["effects"])
    direct = eff[eff.kind == "direct"].set_index(["predictor", "outcome"])
    marks = re.findall(r'<g class="ek-path" data-from="([^"]+)" data-to="([^"]+)"[^>]*'
                       r'data-sig="([01])"', html)
    assert len(marks) == len(results["effects"]["paths"])
    for src, dst, sig in marks:
        lo, hi = direct.loc[(src, dst), ["bca.lower", "bca.upper"]]
        assert sig == ("1" if lo > 0 or hi < 0 else "0"), (src, dst)
    assert "p (delta method)" in html and "95% CI (BCa)" in html and "CI excludes 0" in html
    assert "* p &lt; .05" not in html  # the diagram's key is the interval, not p


def test_one_number_style_and_fixed_parameters(run):
    _, results = run
    html = render_report(results)
    # the marker loading is fixed: no standard error, shown as an em dash, never 0.000
    loadings = html[html.index("Loadings"):]
    loadings = loadings[:loadings.index("</table>")]
    first = re.search(r"<tr><th[^>]*>[^<]+</th><td>aff_01</td><td[^>]*>([^<]+)</td>"
                      r"<td[^>]*>([^<]+)</td>", loadings)
    assert first and first.group(1) == "1.000" and first.group(2) == "\u2014"
    assert "0.000</td>" not in loadings
    # a standardized effect can exceed 1: it keeps its leading zero in the effects table
    eff = pd.DataFrame(results["effects"]["effects"])
    top = eff.loc[eff["std.all"].abs().idxmax()]
    assert f'<td class="num">{apa(top["std.all"], 2)}</td>' in html
    assert apa(top["std.all"], 2).lstrip("\u2212").startswith("0.")
    # negative numbers carry a true minus sign everywhere in the text (NPS included)
    text = re.sub(r"<(svg|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    assert not re.findall(r"(?<![\w\-.])-\d", text), re.findall(r".{30}(?<![\w\-.])-\d.{10}", text)
    # HTMT is a ratio that can exceed 1; CFI and alpha cannot
    pair = results["validation"]["validity"]["htmt"]["pairs"][0]
    assert f"<td class=\"num\">{apa(pair['htmt'], 2)}</td>" in html
    assert apa(pair["htmt"], 2).startswith("0.") or pair["htmt"] >= 1


@pytest.mark.browser
def test_no_speeder_claim_in_the_rendered_report(run, browser, tmp_path):  # noqa: F811
    from browser import console_errors, file_url

    out, _ = run
    console_errors(browser)
    browser.get(file_url(out / "report.html"))
    assert console_errors(browser) == []
    text = browser.execute_script("return document.body.innerText")
    assert "Methods and references" in text
    mentions = [line for line in re.split(r"(?<=[.;])\s+|\n", text)
                if re.search(r"speed", line, re.IGNORECASE)]
    assert mentions, "the report should say that the speeder rule was not applied"
    for line in mentions:
        assert "not applied" in line.lower() or "no completion times" in line.lower(), line
    assert "Flagged: speeder" not in text


def test_a_fit_that_stopped_short_never_says_converged():
    """The optimiser's message is "converged" only for a converged fit; otherwise it says why
    it stopped, so the warning never reads "did not converge (converged; ...)"."""
    from semopy.examples import holzinger39

    from analysis import sem

    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    res = sem.fit(model, holzinger39.get_data())
    st = res.state
    assert res.converged and st.engine.optimize(st.theta, st.data).message == "converged"
    from analysis.sem.model import start_values

    short = st.engine.optimize(start_values(st.pt, st.data), st.data, max_iter=2)
    assert not short.converged and short.message == "iteration limit reached"
