"""Every survey format validates for every bundled instrument in every declared language
(issue 8), with the validators the survey tests use for five_commitments (tests/survey_checks.py):

* SurveyJS: npm survey-core under Node (``jsonErrors`` and linter findings empty; a simulated
  respondent per locale sees the item texts with the brand piped, answers every required
  question, and declining consent completes the survey). All instruments, with and without a
  brand, go through one Node process.
* XLSForm: pyxform converts the .xlsx without errors or warnings, per language.
* HTML survey: structure per language; in headless Chromium (one session) a respondent fills the
  survey by mouse in every language and the response record is complete; axe-core finds no
  serious or critical violation on any page (consent, introduction, every item page, thanks).
* REDCap data dictionary: REDCap's rules, per language and with a brand.
* Codebooks: seeded sample responses pass the Frictionless Table Schema; the DDI-Codebook 2.5
  follows DDI-C 2.5's element names and order and has every variable, per language.
* Qualtrics QSF and Advanced-format TXT, LimeSurvey TSV: the structural checks, per language.
* Translation sheets: every text exported; an unchanged sheet imports to the same instrument with
  nothing to report.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import browser as chromium
import pytest
from browser import axe_violations, describe_violations, file_url
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from survey_checks import (
    XFORM_NS,
    D,
    answer_page_by_mouse,
    answer_page_by_script,
    check_advanced_txt,
    check_ddi_structure,
    check_html_survey,
    check_limesurvey,
    check_qsf,
    check_redcap_dictionary,
    check_response,
    middle_answers,
    planned_answers,
    survey_core_batch,
    validate_responses,
    xform,
)

from instruments import bundled_names, load_instrument
from instruments.survey import render_html, survey_pages
from instruments.survey.codebook import ddi_codebook, render_codebook_html, table_schema
from instruments.survey.layout import placeholder_values
from instruments.survey.limesurvey import render_limesurvey
from instruments.survey.qualtrics import advanced_txt, qsf
from instruments.survey.redcap import render_redcap
from instruments.survey.responses import responses_csv, sample_responses
from instruments.survey.surveyjs import surveyjs_json
from instruments.survey.translations import export_sheet, import_sheet, texts
from instruments.survey.xlsform import language_column, render_xlsform

browser = chromium.browser  # the session fixture of tests/browser.py

NAMES = sorted(bundled_names())
INSTRUMENTS = {name: load_instrument(name) for name in NAMES}
CASES = [(name, lang) for name in NAMES for lang in INSTRUMENTS[name].language_codes]
BRAND = 'Acme & <Co> "best"'


def _ids(case):
    return "-".join(case) if isinstance(case, tuple) else case


def test_every_instrument_and_language_is_covered():
    assert len(NAMES) >= 6 and "five_commitments" in NAMES
    assert all(len(INSTRUMENTS[n].language_codes) >= 4 for n in NAMES)
    assert len(CASES) == sum(len(INSTRUMENTS[n].language_codes) for n in NAMES)


def _item_text(inst, item_id: str, lang: str, brand: str | None) -> str:
    text = inst.text(inst.item(item_id).text, lang)
    for key, value in placeholder_values(inst, lang, brand).items():
        text = text.replace("{" + key + "}", value)
    return text


# ---- SurveyJS -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def surveyjs_reports(tmp_path_factory):
    """survey-core's report for every instrument, without and with a brand (one Node run)."""
    cases = {f"{name}|{brand}": (surveyjs_json(INSTRUMENTS[name], brand=brand),
                                 middle_answers(INSTRUMENTS[name]))
             for name in NAMES for brand in (None, BRAND)}
    return survey_core_batch(tmp_path_factory.mktemp("surveyjs"), cases)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("brand", [None, BRAND])
def test_surveyjs_json_errors_and_linter_are_empty(surveyjs_reports, name, brand):
    inst = INSTRUMENTS[name]
    report = surveyjs_reports[f"{name}|{brand}"]
    assert report["jsonErrors"] == []
    assert report["lint"] == []
    assert set(inst.language_codes[1:]) | {"default"} <= set(report["locales"])


@pytest.mark.parametrize("case", CASES, ids=_ids)
@pytest.mark.parametrize("brand", [None, BRAND])
def test_surveyjs_respondent_in_every_language(surveyjs_reports, case, brand):
    name, lang = case
    inst = INSTRUMENTS[name]
    locale = "default" if lang == inst.language_codes[0] else lang
    r = surveyjs_reports[f"{name}|{brand}"]["locales"][locale]
    for item in inst.items():  # texts in that language, every placeholder piped
        assert r["titles"][item.id] == _item_text(inst, item.id, lang, brand), item.id
    assert r["pagesWithErrors"] == []  # every required question answered
    answers = middle_answers(inst)
    assert {k: r["data"][k] for k in answers} == answers  # flat, named by item id
    assert r["completedOnDecline"] is True
    assert r["randomized"] == [f"page_{p.id}" for p in survey_pages(inst) if p.block.randomize]


# ---- XLSForm ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_pyxform_converts_without_warnings(tmp_path, case):
    name, lang = case
    inst = INSTRUMENTS[name]
    root, warnings = xform(tmp_path, render_xlsform(inst, lang))
    assert warnings == []
    model = root.find("h:head/x:model", XFORM_NS)
    langs = [t.get("lang") for t in model.findall("x:itext/x:translation", XFORM_NS)]
    assert sorted(langs) == sorted(language_column(inst, c) for c in inst.language_codes)
    binds = {b.get("nodeset").rsplit("/", 1)[1]: b for b in model.findall("x:bind", XFORM_NS)}
    for item in inst.items():
        assert binds[item.id].get("required") == "true()", item.id
    for page in survey_pages(inst):
        assert binds[f"page_{page.id}"].get("relevant") == " /data/consent  = 'yes'"


# ---- HTML survey --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_html_survey_structure(case):
    name, lang = case
    inst = INSTRUMENTS[name]
    html = render_html(inst, lang)
    check_html_survey(html, inst, lang)
    plain = re.sub(r"<[^>]+>", "", html).replace("&#39;", "'").replace("&#34;", '"') \
        .replace("&amp;", "&")
    for item in inst.items():
        assert _item_text(inst, item.id, lang, None) in plain, item.id


def _start(driver, html_path, lang, seed, rid):
    driver.get(file_url(html_path, seed=seed, respondent_id=rid))
    WebDriverWait(driver, 10).until(EC.visibility_of_element_located((By.ID, "consent-agree")))
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang


def _response(driver) -> dict:
    WebDriverWait(driver, 10).until(EC.visibility_of_element_located((By.ID, "page-thanks")))
    return json.loads(driver.find_element(By.ID, "response-json")
                      .get_attribute("textContent"))[0]


@pytest.mark.browser
@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_html_survey_filled_in_chromium_with_axe(browser, tmp_path, case):
    """The whole survey filled in: in the first language by mouse with axe-core on every page;
    in the other languages (same markup, other texts) by script, with axe-core on the consent
    page and the first item page."""
    name, lang = case
    inst = INSTRUMENTS[name]
    html = tmp_path / f"{name}_{lang}.html"
    html.write_text(render_html(inst, lang), encoding="utf-8")
    answers = planned_answers(inst)
    driver = browser
    seed, rid = f"seed-{name}-{lang}", f"r-{lang}"
    _start(driver, html, lang, seed, rid)
    full_axe = lang == inst.language_codes[0]
    found = {"consent": axe_violations(driver)}
    driver.find_element(By.ID, "consent-agree").click()
    if full_axe:
        found["intro"] = axe_violations(driver)
    driver.find_element(By.ID, "start").click()
    for n, page in enumerate(survey_pages(inst)):
        if full_axe or n == 0:
            found[page.id] = axe_violations(driver)
        (answer_page_by_mouse if full_axe else answer_page_by_script)(driver, answers)
    resp = _response(driver)
    if full_axe:
        found["thanks"] = axe_violations(driver)
    check_response(resp, inst, answers, lang, seed, rid)
    assert not any(found.values()), "\n".join(
        f"{k}: {describe_violations(v)}" for k, v in found.items() if v)


# ---- REDCap -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_redcap_dictionary_follows_redcaps_rules(case):
    name, lang = case
    inst = INSTRUMENTS[name]
    for brand in (None, BRAND):
        rows = check_redcap_dictionary(render_redcap(inst, lang, brand))
        by_name = {r["Variable / Field Name"]: r for r in rows}
        assert {i.id for i in inst.items()} <= set(by_name)
        for item in inst.items():
            assert by_name[item.id]["Branching Logic (Show field only if...)"] == "[consent] = '1'"
        assert ("brand" in by_name) == (brand is not None)


# ---- codebooks ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_table_schema_accepts_sample_responses(tmp_path, name):
    inst = INSTRUMENTS[name]
    rows = sample_responses(inst, n=40, seed=7)
    report = validate_responses(tmp_path, responses_csv(inst, rows), inst)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.tasks[0].stats["rows"] == 40


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_ddi_and_html_codebooks(case):
    name, lang = case
    inst = INSTRUMENTS[name]
    root = ET.fromstring(ddi_codebook(inst, lang))
    assert root.tag == f"{D}codeBook" and root.get("version") == "2.5"
    check_ddi_structure(root)
    variables = {v.get("name"): v for v in root.iter(f"{D}var")}
    assert set(variables) == {f["name"] for f in table_schema(inst)["fields"]}
    for item in inst.items():
        lits = variables[item.id].findall(f"{D}qstn/{D}qstnLit")
        assert {x.get("{http://www.w3.org/XML/1998/namespace}lang") for x in lits} == set(
            inst.language_codes), item.id
    html = render_codebook_html(inst, lang).decode()
    for item in inst.items():
        assert f"<code>{item.id}</code>" in html


# ---- Qualtrics and LimeSurvey -------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_qualtrics_qsf_and_advanced_txt(case):
    name, lang = case
    inst = INSTRUMENTS[name]
    for brand in (None, BRAND):
        doc = qsf(inst, lang, brand)
        assert doc["SurveyEntry"]["SurveyLanguage"].lower().startswith(lang)
        check_qsf(json.loads(json.dumps(doc)), inst)
        check_advanced_txt(advanced_txt(inst, lang, brand), inst)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_limesurvey_structure(case):
    name, lang = case
    inst = INSTRUMENTS[name]
    for brand in (None, BRAND):
        by_code = check_limesurvey(render_limesurvey(inst, lang, brand), inst, lang)
        assert ("brand" in by_code) == (brand is not None)


# ---- translation sheets -------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_translation_sheet_round_trips(tmp_path, name):
    inst = INSTRUMENTS[name]
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(export_sheet(inst), encoding="utf-8")
    assert sheet.read_text(encoding="utf-8").count("\n") > len(list(texts(inst)))
    copy, report = import_sheet(inst, sheet)
    assert copy == inst
    assert report.placeholders_differ == []


# ---- German texts and the {brand} default -------------------------------------------------------

#: ``{brand}`` where German needs the dative (after bei, mit, von, zu, ... or as the object of
#: verbunden, dankbar, treu, Treue schulden, den Rücken kehren, Rückmeldungen geben; verbunden,
#: dankbar and den Rücken also up to two words apart: "{brand} emotional nicht verbunden",
#: "{brand} jetzt den Rücken"): the default "dieses Unternehmen" is nominative/accusative only
#: ("diesem Unternehmen" would be right), so the German texts put the placeholder where the
#: default fits.
GERMAN_DATIVE = re.compile(
    r"\b(bei|mit|von|zu|aus|nach|seit|gegenüber|vom|zum|beim|außer)\s+\{brand\}"
    r"|\{brand\}\s+(emotional\s+)?(treu|Treue|Rückmeldungen)\b"
    r"|\{brand\}(\s+\w+){0,2}\s+(dankbar|verbunden|den Rücken)\b"
    r"|treu sind Sie \{brand\}|an \{brand\} gefesselt", re.I)


@pytest.mark.parametrize("name", NAMES)
def test_german_texts_use_brand_where_the_default_fits(name):
    inst = INSTRUMENTS[name]
    assert inst.text(inst.placeholders[0].default, "de") == "dieses Unternehmen"
    bad = [f"{kind} {ident}: {text['de']}" for kind, ident, text in texts(inst)
           if isinstance(text, dict) and GERMAN_DATIVE.search(text.get("de", ""))]
    assert bad == [], "\n".join(bad)
