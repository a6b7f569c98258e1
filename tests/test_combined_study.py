"""A study that combines three bundled instruments (five commitments + 8C + ACSI/NPS, issue 8)
round-trips through the HTML survey in headless Chromium and through the analysis.

* The combined definition has no id clashes: every item and construct of the three instruments,
  once, items and constructs in one namespace; the shared NPS question is reported by a
  :class:`~instruments.combine.DuplicateQuestionWarning` (both instruments ask it).
* Browser: the combined HTML survey is filled in by three respondents (English by mouse, Dutch
  and German by script); their response records and the downloaded CSV are read back with the
  strict engagekit response reader, answers intact.
* Analysis: simulated respondents of the combined instrument (N = 1,000, 50 bootstrap draws)
  run through ``run_study`` and the HTML report; the results hold every construct, path and
  scoring rule of all three instruments.
"""

from __future__ import annotations

import json
import warnings

import browser as chromium
import pytest
from browser import file_url, wait_for_file
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from survey_checks import (
    answer_page_by_mouse,
    answer_page_by_script,
    check_response,
    planned_answers,
)

from analysis.psychometrics.validation import ValidationSettings
from analysis.responses import read_responses
from analysis.responses.simulate import SimulationSettings, simulate
from analysis.study import StudySettings, run_study
from instruments import load_instrument
from instruments.combine import DuplicateQuestionWarning, combine_instruments
from instruments.survey import render_html, survey_pages
from reports.report import render_report

browser = chromium.browser  # the session fixture of tests/browser.py

PARTS = ("five_commitments", "eight_c", "acsi_nps")


@pytest.fixture(scope="module")
def parts():
    return [load_instrument(n) for n in PARTS]


@pytest.fixture(scope="module")
def study(parts):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        combined = combine_instruments(parts, id="loyalty_study")
    dup = [w for w in caught if issubclass(w.category, DuplicateQuestionWarning)]
    assert len(dup) == 1 and "'acsi_ltr'" in str(dup[0].message) \
        and "'ltr'" in str(dup[0].message)
    return combined


def test_the_combined_definition_has_every_id_once(study, parts):
    items = [i.id for i in study.items()]
    constructs = [c.id for c in study.constructs]
    assert len(set(items)) == len(items) and len(set(constructs)) == len(constructs)
    assert not set(items) & set(constructs)
    assert items == [i.id for p in parts for i in p.items()]
    assert constructs == [c.id for p in parts for c in p.constructs]
    assert [(p.outcome, p.predictors) for p in study.model.paths] == [
        (p.outcome, p.predictors) for x in parts for p in x.model.paths]
    assert [r.id for r in study.scoring] == [r.id for p in parts for r in p.scoring]
    assert study.language_codes == parts[0].language_codes


# ---- the HTML survey in Chromium ----------------------------------------------------------------


@pytest.mark.browser
def test_combined_survey_round_trips_through_the_browser(browser, tmp_path, study):
    answers = planned_answers(study)
    driver = browser
    records = []
    for n, lang in enumerate(["en", "nl", "de"], start=1):
        html = tmp_path / f"study_{lang}.html"
        html.write_text(render_html(study, lang, brand="Acme"), encoding="utf-8")
        rid, seed = f"r-{n:03d}", f"combined-{n}"
        driver.get(file_url(html, seed=seed, respondent_id=rid))
        WebDriverWait(driver, 10).until(
            EC.visibility_of_element_located((By.ID, "consent-agree")))
        driver.find_element(By.ID, "consent-agree").click()
        driver.find_element(By.ID, "start").click()
        fill = answer_page_by_mouse if lang == "en" else answer_page_by_script
        for _ in survey_pages(study):
            fill(driver, answers)
        WebDriverWait(driver, 10).until(EC.visibility_of_element_located((By.ID, "page-thanks")))
        resp = json.loads(driver.find_element(By.ID, "response-json")
                          .get_attribute("textContent"))[0]  # keeps the column order
        check_response(resp, study, answers, lang, seed, rid)
        records.append(resp)
        if n == 1:
            driver.find_element(By.ID, "download-csv").click()
            csv_path = wait_for_file(driver.download_dir, f"loyalty_study_{rid}.csv")
    collected = tmp_path / "responses.json"
    collected.write_text(json.dumps(records), encoding="utf-8")
    data = read_responses(collected, study, strict=True)
    assert data.log == [] and data.ids == ["r-001", "r-002", "r-003"]
    for rid in data.ids:
        assert {k: int(data.items.loc[rid, k]) for k in answers} == answers
    assert list(data.meta["language"]) == ["en", "nl", "de"]
    one = read_responses(csv_path, study, strict=True)
    assert one.ids == ["r-001"] and {k: int(one.items.loc["r-001", k]) for k in answers} == answers


# ---- the analysis -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def results(study):
    sim = simulate(study, SimulationSettings(n=1_000, seed=88, straightliners=.03,
                                             random_responders=.03))
    settings = StudySettings(n_boot=50, n_jobs=1, progress=False,
                             validation=ValidationSettings(htmt_n_boot=50, parallel_iter=10))
    res = run_study(sim.data, study, settings, created="2026-12-01T00:00:00+00:00")
    return json.loads(json.dumps(res, allow_nan=False))


def test_the_analysis_holds_every_construct_path_and_score_of_all_three(results, study, parts):
    assert results["instrument"]["id"] == "loyalty_study"
    assert results["screening"]["n_read"] == 1_000
    multi = {c.id for p in parts for c in p.measured_constructs()
             if len(p.measurement_items(c)) > 1}
    assert set(results["constructs"]) == multi
    for cid, items in results["constructs"].items():
        assert items == [i.id for i in study.measurement_items(study.construct(cid))], cid
    assert set(results["validation"]["constructs"]) == multi
    summary = {r["construct"] for r in results["scores"]["summary"]}
    assert {c.id for c in study.measured_constructs()} <= summary  # single items scored too
    paths = {(r["lhs"], r["rhs"]) for r in results["effects"]["paths"]}
    assert paths == {(p.outcome, x) for p in study.model.paths for x in p.predictors}
    outcomes = {p.outcome for p in study.model.paths}
    assert {r["outcome"] for r in results["effects"]["effects"]} == outcomes
    assert {r["outcome"] for r in results["effects"]["ranking"]} <= outcomes
    scored = [k for kind in ("nps", "indices", "segments") for k in results["scores"][kind]]
    assert sorted(scored) == sorted(r.id for p in parts for r in p.scoring)
    assert set(results["scores"]["nps"]) == {"nps", "acsi_nps"}  # both NPS rules, own ids
    html = render_report(results)
    for cid in multi:
        assert study.construct(cid).name in html, cid
