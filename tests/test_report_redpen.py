"""A reviewer's red pen on the report (issue 17): item labels named once, legend words never
broken, tables that fit a 1280 px screen, an importance-performance map for the final outcome
on an honest axis, the group note with group sizes, an unambiguous upper CI limit in the HTMT
heatmap, a warning when an AVE is below .50 and screening rules in words."""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
from html import unescape

import pytest
from browser import browser  # noqa: F401  (session fixture: headless Chromium)

from analysis import ValidationSettings
from analysis.responses.simulate import SimulationSettings, simulate
from analysis.study import StudySettings, run_study
from instruments import load_instrument
from reports import figures
from reports.methods import methods_text
from reports.report import render_report, report_context

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def results():
    inst = load_instrument("five_commitments")
    sim = simulate(inst, SimulationSettings(n=400, seed=3, straightliners=.05,
                                            random_responders=.05))
    res = run_study(sim.data, inst, StudySettings(
        group="industry", n_boot=0, n_jobs=1, progress=False,
        validation=ValidationSettings(htmt_n_boot=50, parallel_iter=10, method_factor=False)),
        created="2026-11-22T12:00:00+00:00")
    return json.loads(json.dumps(res, allow_nan=False))


def _svgs(html: str, kind: str) -> list[str]:
    return [s for s in re.findall(r"<svg .*?</svg>", html, flags=re.S)
            if f'data-kind="{kind}"' in s]


def _texts(svg: str) -> list[str]:
    return ["".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{SVG}text")]


def _prose(html: str) -> str:
    """The page's text outside its figures, unescaped."""
    text = re.sub(r"<svg .*?</svg>", " ", html, flags=re.S)
    text = re.sub(r"<style.*?</style>", " ", text, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)))


# --------------------------------------------------------------------------- 1. item labels


def test_an_item_without_a_label_is_named_once(results):
    """run_study records an unlabelled item's id as its label; the figures showed "aff_01
    aff_01"."""
    res = copy.deepcopy(results)
    for c in res["instrument"]["constructs"]:
        for item in c["items"]:
            item["label"] = item["id"]
    html = render_report(res)
    texts = [t for svg in _svgs(html, "likert") for t in _texts(svg)]
    assert "aff_01" in texts and "sat_02" in texts
    assert not any(re.search(r"\b(\w+) \1\b", t) for t in texts), \
        [t for t in texts if re.search(r"\b(\w+) \1\b", t)]
    # a labelled item keeps "id label"
    assert "aff_01 emotional bond" in [t for s in _svgs(render_report(results), "likert")
                                       for t in _texts(s)]


# --------------------------------------------------------------------------- 2. legend words


SATISFIED = ["Very dissatisfied", "2", "3", "4", "5", "6", "7", "8", "9", "Very satisfied"]
AGREE = ["Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree",
         "Somewhat agree", "Agree", "Strongly agree"]


@pytest.mark.browser
@pytest.mark.parametrize("labels", [SATISFIED, AGREE,
                                    ["Extraordinarily dissatisfied", "Indifferent",
                                     "Extraordinarily satisfied"]])
def test_legend_words_are_never_broken_in_chromium(browser, tmp_path, labels):  # noqa: F811
    from browser import file_url

    items = {"q1 overall": [5] * len(labels), "q2 versus the ideal": [3] * len(labels)}
    svg = figures.likert_diverging({"Satisfaction": items}, labels, "Responses")
    page = tmp_path / "legend.html"
    page.write_text(f"<!DOCTYPE html><html lang='en'><body>{svg}</body></html>",
                    encoding="utf-8")
    browser.get(file_url(page))
    shown = browser.execute_script(
        "return [...document.querySelectorAll('svg text')]"
        ".filter(t => t.getBBox().width > 0).map(t => t.textContent)")
    words = {w for s in [*labels, *items, "Satisfaction", "Responses"] for w in s.split()}
    broken = [w for line in shown for w in line.split()
              if w not in words and not re.fullmatch(r"\d+%?", w)]
    assert broken == [], f"legend or label words split across lines: {broken}"
    for label in labels:  # every label is on the page, its words in order
        assert label.split() == [w for line in shown for w in line.split()
                                 if w in label.split()][:len(label.split())] or \
            " ".join(label.split()) in " ".join(shown)


# --------------------------------------------------------------------------- 3. table widths


@pytest.mark.browser
def test_no_table_scrolls_sideways_at_1280_px(results, browser, tmp_path):  # noqa: F811
    from browser import file_url, reset_viewport, set_viewport

    page = tmp_path / "report.html"
    page.write_text(render_report(results), encoding="utf-8")
    set_viewport(browser, 1280, 900)
    try:
        browser.get(file_url(page))
        tables = browser.execute_script(
            "return [...document.querySelectorAll('table')].map(t => ["
            "t.caption ? t.caption.innerText : '', t.scrollWidth, "
            "t.parentElement.clientWidth, t.parentElement.scrollWidth])")
        likert = browser.execute_script(
            "return [...document.querySelectorAll('svg[data-kind=likert] text')]"
            ".filter(t => t.getBBox().width > 0).map(t => t.textContent)")
    finally:
        reset_viewport(browser)
    # the report's own response-distribution figures: every word whole (legends, item labels)
    inst = results["instrument"]
    sources = [a for s in inst["scales"] for a in (s.get("anchors") or {}).values()]
    sources += [c["name"] for c in inst["constructs"]]
    sources += [f"{i['id']} {i['label']}" for c in inst["constructs"] for i in c["items"]]
    words = {w for text in sources for w in text.split()} | {"response", "distribution"}
    broken = [w for line in likert for w in line.split()
              if w.rstrip(":") not in words and not re.fullmatch(r"\d+%?", w)]
    assert likert and broken == [], broken
    assert len(tables) >= 10
    assert any("Fornell-Larcker" in c for c, *_ in tables)
    wide = [(c, w, box) for c, w, box, scroll in tables if w > box + 1 or scroll > box + 1]
    assert wide == [], f"tables wider than their container at 1280 px: {wide}"


def test_fornell_larcker_table_numbers_its_columns(results):
    block = next(b for s in report_context(results)["sections"] if s["id"] == "validity"
                 for b in s["blocks"] if b.get("caption") == "Fornell-Larcker criterion")
    data = block["data"]
    assert list(data.columns[1:]) == [str(k) for k in range(1, len(data) + 1)]
    assert data.iloc[0, 0] == "1. Affective commitment"
    assert "numbered as the rows" in block["note"]


# --------------------------------------------------------------------------- 5. IPMA


def _point_ys(svg: str) -> dict[str, float]:
    """Each ek-point's vertical position in the SVG (from its marker's ``y``)."""
    root = ET.fromstring(svg)
    out = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "ek-point":
            use = next(g.iter(f"{SVG}use"))
            out[g.get("data-label")] = float(use.get("y"))
    return out


def test_importance_performance_axis_is_not_magnified():
    """Performance 57.8 to 59.0 must not fill the plot's height (it spanned 57.8-59.0)."""
    svg = figures.importance_performance([0.1, 0.3, 0.2], [57.8, 59.0, 58.4], ["a", "b", "c"])
    ys = _point_ys(svg)
    height = float(ET.fromstring(svg).get("height").rstrip("pt"))
    assert abs(ys["a"] - ys["b"]) < 0.05 * height, (ys, height)
    numbers = {t for t in _texts(svg) if re.fullmatch(r"\d+", t)}
    assert {"0", "100"} <= numbers  # the performance scale's ends are on the axis
    svg = figures.importance_performance([0.1, 0.3], [57.8, 59.0], ["a", "b"], scale=None)
    ys = _point_ys(svg)
    assert abs(ys["a"] - ys["b"]) < 0.25 * height


def test_importance_performance_map_is_for_the_final_outcomes(results):
    html = render_report(results)
    caps = re.findall(r"Importance-performance map for ([a-z ]+) \(([a-z ]+)\): importance = "
                      r"standardized total effect on ([a-z ]+) ", _prose(html))
    assert [(o, w) for o, w, _ in caps] == [("repurchase intention", "a final outcome"),
                                            ("recommendation intention", "a final outcome")]
    assert all(o == o2 for o, _, o2 in caps)
    maps = _svgs(html, "ipma")
    assert len(maps) == 2 and "Satisfaction" in _texts(maps[0])  # the mediator is a driver
    # its importance is the total effect on the final outcome, as the effects table has it
    tot = {(e["predictor"], e["outcome"]): e["std.all"] for e in results["effects"]["effects"]
           if e["kind"] == "total"}
    imp = {g.get("data-label"): float(g.get("data-importance"))
           for g in ET.fromstring(maps[0]).iter(f"{SVG}g") if g.get("class") == "ek-point"}
    assert imp["Habitual commitment"] == pytest.approx(tot[("habitual", "repurchase")], abs=1e-5)
    # forced commitment lowers the outcome: drawn reversed, as less forced commitment
    # (importance the size of its total effect, performance 100 minus its 0-100 score)
    table = {r["construct"]: r for r in results["observed"]["ipma"][0]["table"]}
    assert tot[("forced", "repurchase")] < 0 and "Forced commitment" not in imp
    perf = {g.get("data-label"): float(g.get("data-performance"))
            for g in ET.fromstring(maps[0]).iter(f"{SVG}g") if g.get("class") == "ek-point"}
    assert imp["Forced commitment (reversed)"] == pytest.approx(-tot[("forced", "repurchase")],
                                                                abs=1e-5)
    assert perf["Forced commitment (reversed)"] == pytest.approx(
        100 - table["forced"]["performance"], abs=1e-5)
    assert table["forced"]["direction"] == "lower is better"
    assert {r["direction"] for c, r in table.items() if c != "forced"} == {"higher is better"}
    assert "forced commitment (total effect −" in _prose(html)
    assert re.search(r"(is|are) drawn reversed \(“less is better”\)", _prose(html))
    # the methods paragraph says how the maps were made and read, with its references
    assert ("Importance-performance maps (Martilla & James, 1977) plot each driver's "
            "standardized total effect on the final outcome against its mean score rescaled "
            "to 0-100 by the scale's end points; a driver with a negative total effect was "
            "read reversed") in _prose(html)
    assert "Martilla, J. A., & James, J. C. (1977)" in _prose(html)


# --------------------------------------------------------------------------- 6. group note


def test_group_note_gives_group_sizes_and_one_p(results):
    assert results["groups"]["n"] and sum(results["groups"]["n"].values()) == \
        results["groups"]["fit_free"]["ntotal"]
    text = _prose(render_report(results))
    assert "p p" not in text
    note = re.search(r"Note\. Group sizes: ([^.]*)\. Loadings held equal across groups\. "
                     r"Omnibus test of equal paths: Δχ² = [\d.]+, df = \d+, p [=<>] \.\d{3}\.",
                     text)
    assert note is not None, text[text.find("Paths compared"):][:2000]
    for label, n in results["groups"]["n"].items():
        assert f"{label}, n = {n:,}" in note.group(1)


# --------------------------------------------------------------------------- 7. HTMT upper limit


def test_htmt_upper_limit_is_not_written_as_at_most(results):
    svg = _svgs(render_report(results), "htmt")[0]
    texts = _texts(svg)
    assert not any("\u2264" in t for t in texts)
    assert sum(bool(re.fullmatch(r"upper \.\d\d", t)) for t in texts) == 28  # 8 constructs
    assert "upper .xx: upper limit of the 90% CI" in texts


# --------------------------------------------------------------------------- 8. AVE below .50


def test_ave_below_50_is_warned_about_citing_fornell_larcker(results):
    low = [c for c in results["validation"]["validity"]["convergent"] if c["ave"] < .5]
    assert low  # the fixture has some (normative, habitual)
    ctx = report_context(results)
    validity = next(s for s in ctx["sections"] if s["id"] == "validity")
    badges = [b for b in validity["blocks"] if b["type"] == "badge"]
    assert len(badges) == 1 and badges[0]["status"] == "warn"
    # .497 would round to .50: shown to three decimals
    assert "AVE is below .50 for Normative commitment (.49); Habitual commitment (.497)" \
        in badges[0]["text"]
    assert "Fornell and Larcker (1981)" in badges[0]["text"]
    reliability = next(s for s in ctx["sections"] if s["id"] == "reliability")
    assert "AVE is below .50 for Normative commitment" in reliability["blocks"][0]["note"]
    methods = methods_text(results, "t")
    assert "below the .50 that Fornell and Larcker (1981) require for convergent validity " \
           "for Normative commitment (.49) and Habitual commitment (.497)" in methods
    # every AVE at .50 or above: no warning anywhere
    fine = copy.deepcopy(results)
    for c in fine["validation"]["validity"]["convergent"]:
        c["ave"] = max(c["ave"], .5)
    html = render_report(fine)
    assert "AVE is below" not in html and "was below the .50" not in html


# --------------------------------------------------------------------------- 9. rules in words


RULE_IDS = ("attention", "speeder", "longstring", "irv", "mahalanobis", "even_odd", "duplicate")


def test_screening_rules_are_written_in_words(results):
    text = _prose(render_report(results))
    methods = methods_text(results, "t")
    note = re.search(r"exclusion rules applied: (.*?)\.(?=\s)", text).group(1)
    for where in (note, methods):
        for rule in ("irv", "mahalanobis", "longstring", "even_odd"):  # ids that are no words
            assert not re.search(rf"\b{rule}\b", where), (rule, where)
    assert "low intra-individual response variability" in note
    assert "multivariate outlier (Mahalanobis D², p < .001)" in note
    assert "low intra-individual response variability" in methods
    assert "multivariate outliers by Mahalanobis distance" in methods
    # a rule that could not be applied is named in words too
    res = copy.deepcopy(results)
    res["screening"]["not_applied"] = {"speeder": "no completion times in the data"}
    text = _prose(render_report(res))
    assert "The rule for speeding was not applied (no completion times in the data)" in text
    assert "Not applied: speeder (completion time): no completion times" in text
    assert not re.search(r"\bThe speeder rule\b", text)
