"""The survey fully in the respondent's language (issue 17, item 2): the interface texts
(buttons, headings, messages; :mod:`instruments.ui`) per language, the instrument's ``ui``
block, construct names and definitions per language, the translation sheet's ``ui`` rows.

The gym study fixture (tests/fixtures/gym/gym.yaml, English source and Spanish) is surveyed in
Spanish: in headless Chromium every page a respondent can reach (consent, intro, each page with
the required-answer messages, thank-you, the page after declining) shows no English interface
text; every export in Spanish carries the Spanish texts. A language engagekit has no texts for
stops generation, naming the language and each missing text.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import browser as chromium
import pytest
from browser import JS_DIR, file_url, node_modules
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from survey_checks import (
    answer_page_by_script,
    check_advanced_txt,
    check_limesurvey,
    check_qsf,
    check_redcap_dictionary,
    planned_answers,
    survey_core,
    visible_page,
    xform,
)

from instruments import InstrumentError, load_instrument, parse_instrument
from instruments.loader import dump_instrument
from instruments.survey import render_html, survey_pages
from instruments.survey.codebook import ddi_codebook, render_codebook_html
from instruments.survey.formats import Options, render
from instruments.survey.limesurvey import limesurvey_rows, render_limesurvey
from instruments.survey.qualtrics import advanced_txt, qsf
from instruments.survey.redcap import render_redcap
from instruments.survey.surveyjs import surveyjs_json
from instruments.survey.translations import export_sheet, import_sheet
from instruments.survey.xlsform import render_xlsform, xlsform_sheets
from instruments.ui import MissingUiTextError, builtin_ui, ui_keys, ui_texts
from reports.cli import main

browser = chromium.browser  # the session fixture of tests/browser.py

GYM_PATH = Path(__file__).parent / "fixtures" / "gym" / "gym.yaml"
GYM = load_instrument(GYM_PATH)
EN = {k: v["en"] for k, v in builtin_ui().items()}
ES = {k: v["es"] for k, v in builtin_ui().items()}
#: Texts engagekit wrote, in words (placeholders such as {n} split a text into its fixed parts).
_PARTS = {k: [p.strip() for p in re.split(r"\{\w+\}", v) if len(p.strip()) > 2]
          for k, v in EN.items()}


def english_in(text: str) -> list[str]:
    """The English interface texts (or their fixed parts) found as whole words in ``text``."""
    found = []
    for key, parts in _PARTS.items():
        for part in parts:
            if re.search(r"(?<![\w])" + re.escape(part) + r"(?![\w])", text):
                found.append(f"{key}: {part!r}")
    return found


def test_builtin_texts_cover_five_languages_with_the_same_placeholders():
    ui = builtin_ui()
    assert set(ui_keys()) >= {"agree", "decline", "start", "next", "back", "submit", "progress",
                              "required_mark", "required", "missing_summary", "number_range",
                              "thanks_heading", "download_json", "download_csv"}
    for key, texts in ui.items():
        assert set(texts) == {"en", "nl", "de", "fr", "es"}, key
        wanted = set(re.findall(r"\{(\w+)\}", texts["en"]))
        for lang, text in texts.items():
            assert set(re.findall(r"\{(\w+)\}", text)) == wanted, (key, lang)
            assert text.strip() == text and text, (key, lang)
        # a translation that is the English text left in place would show English
        assert all(texts[lang] != texts["en"] for lang in ("nl", "de", "fr", "es")), key
    assert ui["progress"]["es"] == "Página {n} de {total}"
    assert ui["next"]["es"] == "Siguiente" and ui["back"]["es"] == "Anterior"


# ---- the Spanish survey in Chromium ---------------------------------------------------------


def _visible_text(driver) -> str:
    return driver.execute_script("return document.body.innerText;")


@pytest.mark.browser
def test_spanish_gym_survey_shows_no_english_interface_text(browser, tmp_path):
    html = tmp_path / "gym_es.html"
    html.write_text(render_html(GYM, "es"), encoding="utf-8")
    driver = browser
    wait = WebDriverWait(driver, 10)
    driver.get(file_url(html, seed="s-es", respondent_id="r-es"))
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    seen: list[str] = []

    def look(where: str) -> str:
        text = _visible_text(driver)
        assert not english_in(text), f"{where}: English interface text {english_in(text)}"
        seen.append(text)
        return text

    text = look("consent")
    assert ES["consent_heading"] in text and ES["agree"] in text and ES["decline"] in text
    driver.find_element(By.ID, "consent-agree").click()
    text = look("intro")
    assert ES["intro_heading"] in text and ES["start"] in text
    driver.find_element(By.ID, "start").click()
    answers = planned_answers(GYM)
    pages = survey_pages(GYM)
    for n, page in enumerate(pages, start=1):
        text = look(f"page {n}")
        assert f"Página {n} de {len(pages)}" in text
        assert ES["required_mark"] in text and ES["back"] in text
        assert (ES["submit"] if n == len(pages) else ES["next"]) in text
        # Next with nothing answered: the required-answer messages, then the answers
        visible_page(driver).find_element(By.CSS_SELECTOR, "button.next").click()
        text = look(f"page {n}, nothing answered")
        assert text.count(ES["required"]) == len(page.questions)
        assert ES["missing_summary"].replace("{n}", str(len(page.questions))) in text
        answer_page_by_script(driver, answers)
    wait.until(EC.visibility_of_element_located((By.ID, "page-thanks")))
    text = look("thank-you page")
    assert ES["thanks_heading"] in text and ES["download_json"] in text \
        and ES["download_csv"] in text
    response = json.loads(driver.find_element(By.ID, "response-json")
                          .get_attribute("textContent"))[0]
    assert response["language"] == "es" and response["aff_1"] == answers["aff_1"]
    # declining consent: the page after it is Spanish too
    driver.get(file_url(html))
    driver.find_element(By.ID, "consent-decline").click()
    text = look("declined")
    assert ES["declined"] in text
    # the English survey does show the English texts (the check above can fail)
    en_html = tmp_path / "gym_en.html"
    en_html.write_text(render_html(GYM, "en"), encoding="utf-8")
    driver.get(file_url(en_html))
    assert english_in(_visible_text(driver))
    # texts the page sets from its script (progress, messages, the POST status) are Spanish
    config = json.loads(re.search(r'<script type="application/json" id="ek-config">(.*?)'
                                  r"</script>", html.read_text(encoding="utf-8"), re.S)[1])
    assert config["ui"] == ES


# ---- exports in Spanish ---------------------------------------------------------------------


def _es_values(obj) -> list[str]:
    """Every ``es`` value of SurveyJS localizable strings in a survey definition."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "es" and isinstance(v, str):
                out.append(v)
            else:
                out += _es_values(v)
    elif isinstance(obj, list):
        for v in obj:
            out += _es_values(v)
    return out


def test_surveyjs_in_spanish_has_spanish_buttons_and_messages():
    survey = surveyjs_json(GYM, "es")
    assert survey["locale"] == "es"
    for prop, key in (("pagePrevText", "back"), ("pageNextText", "next"),
                      ("completeText", "submit")):
        assert survey[prop] == {"default": EN[key], "es": ES[key]}
    consent = survey["pages"][0]
    assert consent["title"]["es"] == ES["consent_heading"]
    assert consent["elements"][0]["labelTrue"]["es"] == ES["agree"]
    assert consent["elements"][0]["labelFalse"]["es"] == ES["decline"]
    questions = [q for p in survey["pages"][1:] for q in p["elements"]]
    assert all(q["requiredErrorText"]["es"] == ES["required"] for q in questions)
    assert ES["thanks_heading"] in survey["completedHtml"]["es"]
    assert ES["declined"] in survey["completedHtmlOnCondition"][0]["html"]["es"]
    assert not english_in(" ".join(_es_values(survey)))


def _node_model(tmp_path, survey: dict, locale: str) -> dict:
    if shutil.which("node") is None:
        pytest.skip("node is not installed (bash .ci/system-deps installs it)")
    node_modules()
    script = tmp_path / "locale_check.mjs"
    script.write_text("""
import { readFileSync } from "node:fs";
import { Model } from "survey-core";
const [path, locale] = process.argv.slice(2);
const m = new Model({ ...JSON.parse(readFileSync(path, "utf-8")), locale });
const q = m.getAllQuestions().find((x) => x.isRequired && x.name !== "consent");
q.hasErrors(true);
const d = new Model({ ...JSON.parse(readFileSync(path, "utf-8")), locale });
d.setValue("consent", false); d.performNext();
m.setValue("consent", true);
console.log(JSON.stringify({ next: m.pageNextText, prev: m.pagePrevText,
  complete: m.completeText, required: q.errors.map((e) => e.text),
  completed: m.processedCompletedHtml, declined: d.processedCompletedHtml }));
""", encoding="utf-8")
    path = tmp_path / "survey.json"
    path.write_text(json.dumps(survey), encoding="utf-8")
    # run from tests/js so that Node resolves survey-core from its node_modules
    copy = JS_DIR / f".locale_check_{tmp_path.name}.mjs"
    copy.write_text(script.read_text(encoding="utf-8"), encoding="utf-8")
    try:
        proc = subprocess.run(["node", str(copy), str(path), locale], capture_output=True,
                              text=True, timeout=120)
    finally:
        copy.unlink()
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_surveyjs_model_in_spanish_uses_the_spanish_texts(tmp_path):
    """survey-core itself (npm, under Node) shows the Spanish buttons and messages."""
    got = _node_model(tmp_path, surveyjs_json(GYM, "es"), "es")
    assert (got["next"], got["prev"], got["complete"]) == (ES["next"], ES["back"], ES["submit"])
    assert got["required"] == [ES["required"]]
    assert ES["thanks_heading"] in got["completed"] and ES["declined"] in got["declined"]


def test_xlsform_limesurvey_qualtrics_redcap_in_spanish():
    sheets = xlsform_sheets(GYM, "es")
    head = sheets["survey"][0]
    req_col = head.index("required_message::Español (es)")
    assert {r[req_col] for r in sheets["survey"][1:] if r[head.index("required")] == "yes"} \
        == {ES["required"]}
    choices = {(r[0], r[1]): r[sheets["choices"][0].index("label::Español (es)")]
               for r in sheets["choices"][1:]}
    assert choices[("engagekit_consent", "yes")] == ES["agree"]
    assert choices[("engagekit_consent", "no")] == ES["decline"]

    rows = limesurvey_rows(GYM, "es")
    consent_group = [r for r in rows if r["class"] == "G" and r["name"] == "consent"]
    assert {r["language"]: r["text"] for r in consent_group} == {"es": ES["consent_heading"],
                                                                 "en": EN["consent_heading"]}

    doc = qsf(GYM, "es")
    consent = next(e for e in doc["SurveyElements"] if e.get("Element") == "SQ"
                   and e["Payload"].get("DataExportTag") == "consent")["Payload"]
    assert [c["Display"] for c in consent["Choices"].values()] == [ES["agree"], ES["decline"]]
    txt = advanced_txt(GYM, "es")
    assert ES["agree"] in txt and not english_in(txt)

    redcap = render_redcap(GYM, "es").decode("utf-8")
    assert ES["agree"] in redcap and ES["decline"] in redcap and not english_in(redcap)


def test_spanish_exports_pass_the_platform_checks(tmp_path):
    """The Spanish exports with the new texts still pass each platform's own check: survey-core
    (no JSON errors, linter clean), pyxform (no warnings), REDCap's rules, QSF, LimeSurvey."""
    report = survey_core(tmp_path, surveyjs_json(GYM, "es"))
    # survey-core's linter knows only the locales a page has loaded (the checker loads none;
    # a page adds `import "survey-core/i18n/spanish"`): that one finding is expected
    lint = [f for f in report["lint"] if not f.startswith("property/invalid-value warning "
                                                          'locale: The locale of the survey is "es"')]
    assert report["jsonErrors"] == [] and lint == []
    assert report["locales"]["es"]["completedOnDecline"] is True
    _, warnings = xform(tmp_path, render_xlsform(GYM, "es"))
    assert warnings == []
    check_redcap_dictionary(render_redcap(GYM, "es"))
    check_qsf(json.loads(json.dumps(qsf(GYM, "es"))), GYM)
    check_advanced_txt(advanced_txt(GYM, "es"), GYM)
    check_limesurvey(render_limesurvey(GYM, "es"), GYM, "es")


def test_codebook_lists_the_interface_texts_per_language():
    html = render_codebook_html(GYM, "es").decode("utf-8")
    assert "Interface texts" in html
    for key in ("next", "progress", "required"):
        assert f"<td><code>{key}</code></td><td>{EN[key]}</td><td>{ES[key]}</td>" in html


def test_every_format_in_spanish_via_the_cli(tmp_path):
    for fmt in ("html", "surveyjs", "xlsform", "qsf", "limesurvey", "redcap", "codebook"):
        out = tmp_path / fmt
        out.mkdir()
        assert main(["survey", str(GYM_PATH), "-f", fmt, "--lang", "es", "-o", f"{out}/"]) == 0
        text = ""
        for f in sorted(out.iterdir()):
            if f.suffix == ".xlsx":
                with zipfile.ZipFile(f) as z:
                    text += "".join(z.read(n).decode("utf-8") for n in z.namelist()
                                    if n.endswith(".xml"))
            else:
                text += f.read_text(encoding="utf-8")
        # (LimeSurvey's consent is its own Yes/No question type, in LimeSurvey's words)
        assert ES["consent_heading" if fmt == "limesurvey" else "agree"] in text, fmt


# ---- a language engagekit has no texts for ---------------------------------------------------


def _in_language(code: str, name: str, ui: dict | None = None) -> str:
    """The gym instrument with its Spanish texts relabelled as language ``code``."""
    text = GYM_PATH.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(\s*)es:", rf"\1{code}:", text)
    text = text.replace("code: es", f"code: {code}").replace("name: Español", f"name: {name}")
    text = re.sub(r"\{es:", "{" + code + ":", text)
    text = text.replace(", es:", f", {code}:")
    if ui:
        text += "ui:\n" + "".join(f"  {k}:\n    {code}: {json.dumps(v, ensure_ascii=False)}\n"
                                  for k, v in ui.items())
    return text


def test_unsupported_language_fails_naming_every_missing_text(tmp_path):
    inst = parse_instrument(_in_language("pt", "Português"), "gym_pt.yaml")
    with pytest.raises(MissingUiTextError) as err:
        render_html(inst, "pt")
    message = str(err.value)
    assert "'pt'" in message and err.value.code == "ui_text_missing"
    assert all(key in message for key in ui_keys())
    # every format that shows the language fails; English-only ones still work
    for fmt in ("html", "surveyjs", "xlsform", "qsf", "limesurvey", "codebook"):
        with pytest.raises(MissingUiTextError):
            render(inst, fmt, Options(lang="pt"))
    assert render(inst, "html", Options(lang="en"))
    # the command line: exit 2, the message names the language and the texts, nothing written
    path = tmp_path / "gym_pt.yaml"
    path.write_text(_in_language("pt", "Português"), encoding="utf-8")
    out = tmp_path / "pt.html"
    proc = subprocess.run(["engagekit", "survey", str(path), "-f", "html", "--lang", "pt",
                           "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "'pt'" in proc.stderr and "next" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()
    # validation accepts the instrument (its analysis needs no interface texts) with a note
    proc = subprocess.run(["engagekit", "instruments", "validate", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.startswith("OK gym")
    n = len(ui_keys())
    assert f"note: 'pt' lacks {n} of {n} interface texts (consent_heading, agree" in proc.stdout
    # a collection study in that language is refused before it is created
    db = f"sqlite:///{tmp_path / 'studies.db'}"
    proc = subprocess.run(["engagekit", "collect", "create", "pt_study", "-i", str(path),
                           "--lang", "pt", "--db", db], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2 and "'pt'" in proc.stderr and "consent_heading" in proc.stderr


def test_a_partial_ui_block_names_only_the_texts_still_missing():
    pt = {"next": "Seguinte", "back": "Anterior", "progress": "Página {n} de {total}"}
    inst = parse_instrument(_in_language("pt", "Português", pt), "gym_pt.yaml")
    with pytest.raises(MissingUiTextError) as err:
        render_html(inst, "pt")
    listed = str(err.value).split("Missing: ", 1)[1].split(". Add", 1)[0]
    assert f"lacks {len(ui_keys()) - 3} of {len(ui_keys())}" in listed
    assert "consent_heading" in listed and "Seguinte" not in listed
    assert not re.search(r"\bnext\b", listed) and not re.search(r"\bprogress\b", listed)


def test_a_full_ui_block_makes_a_new_language_work_and_overrides_engagekit():
    full = {k: f"[pt] {v}" for k, v in EN.items()}
    inst = parse_instrument(_in_language("pt", "Português", full), "gym_pt.yaml")
    assert ui_texts(inst, "pt") == full
    html = render_html(inst, "pt")
    assert "[pt] Submit my answers" in html
    # an override in a language engagekit has: only that text changes
    es = parse_instrument(GYM_PATH.read_text(encoding="utf-8")
                          + "ui:\n  next:\n    es: Continuar\n", "gym.yaml")
    assert ui_texts(es, "es") == {**ES, "next": "Continuar"}
    assert surveyjs_json(es, "es")["pageNextText"]["es"] == "Continuar"


def test_ui_block_rules_unknown_key_placeholders_language():
    bad = GYM_PATH.read_text(encoding="utf-8") + (
        "ui:\n  nxt:\n    es: Seguir\n  progress:\n    es: Página {n}\n"
        "  back:\n    fr: Retour\n")
    with pytest.raises(InstrumentError) as err:
        parse_instrument(bad, "gym.yaml")
    by_code = {(p.code, p.field): p for p in err.value.problems}
    assert "did you mean 'next'" in by_code[("unknown_ui_text", "ui.nxt")].message
    assert "{n}, {total}" in by_code[("ui_text_placeholder", "ui.progress.es")].message
    assert ("undeclared_language", "ui.back.fr") in by_code
    assert all(p.line and p.line > 270 for p in err.value.problems)


# ---- construct names and definitions per language --------------------------------------------


def _gym_with_spanish_constructs() -> str:
    text = GYM_PATH.read_text(encoding="utf-8")
    text = text.replace("    name: Affective commitment\n",
                        "    name:\n      en: Affective commitment\n"
                        "      es: Compromiso afectivo\n")
    return text.replace("    definition: The member's intention to renew and to recommend the "
                        "gym.\n", "    definition:\n      en: The member's intention to renew "
                        "and to recommend the gym.\n      es: La intención del socio de renovar "
                        "y de recomendar el gimnasio.\n")


def test_construct_names_per_language_reach_the_codebook_and_show(tmp_path):
    inst = parse_instrument(_gym_with_spanish_constructs(), "gym.yaml")
    assert isinstance(inst.construct("habitual").name, str)  # plain strings stay valid
    assert inst.construct_name("affective", "es") == "Compromiso afectivo"
    assert inst.construct_name("habitual", "es") == "Habitual commitment"  # default language's
    assert parse_instrument(dump_instrument(inst)) == inst
    html = render_codebook_html(inst, "es").decode("utf-8")
    assert "<h3>Compromiso afectivo <code>affective</code></h3>" in html
    assert "La intención del socio de renovar" in html
    assert "<h3>Affective commitment" in render_codebook_html(inst, "en").decode("utf-8")
    ddi = ET.fromstring(ddi_codebook(inst, "es"))
    ns = {"d": "ddi:codebook:2_5"}
    group = ddi.find(".//d:varGrp[@ID='VG_affective']", ns)
    labels = {lab.get("{http://www.w3.org/XML/1998/namespace}lang"): lab.text
              for lab in group.findall("d:labl", ns)}
    assert labels == {"en": "Affective commitment", "es": "Compromiso afectivo"}
    concept = ddi.find(".//d:var[@name='aff_1']/d:concept", ns)
    assert concept.text == "Compromiso afectivo"
    path = tmp_path / "gym.yaml"
    path.write_text(_gym_with_spanish_constructs(), encoding="utf-8")
    proc = subprocess.run(["engagekit", "instruments", "show", str(path), "--lang", "es"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "Compromiso afectivo (affective" in proc.stdout


def test_construct_name_per_language_needs_the_default_language():
    text = GYM_PATH.read_text(encoding="utf-8").replace(
        "    name: Affective commitment\n", "    name:\n      es: Compromiso afectivo\n")
    with pytest.raises(InstrumentError) as err:
        parse_instrument(text, "gym.yaml")
    (problem,) = err.value.problems
    assert problem.code == "missing_translation" and problem.field == "constructs[0].name"
    assert "'en'" in problem.message
    text = GYM_PATH.read_text(encoding="utf-8").replace(
        "    name: Affective commitment\n", "    name: [Affective, commitment]\n")
    with pytest.raises(InstrumentError) as err:
        parse_instrument(text, "gym.yaml")
    (problem,) = err.value.problems
    assert "text per language" in problem.message and problem.line == 62


def test_study_results_name_constructs_in_the_instruments_language():
    from analysis.study import _instrument_summary

    inst = parse_instrument(_gym_with_spanish_constructs().replace(
        "default_language: en", "default_language: es"), "gym.yaml")
    summary = _instrument_summary(inst)
    names = {c["id"]: c["name"] for c in summary["constructs"]}
    assert names["affective"] == "Compromiso afectivo" and summary["language"] == "es"
    definitions = {c["id"]: c["definition"] for c in summary["constructs"]}
    assert definitions["loyalty"].startswith("La intención del socio")


# ---- the translation sheet ------------------------------------------------------------------


def _sheet_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def test_translation_sheet_round_trip_includes_ui_texts_and_construct_names(tmp_path):
    rows = _sheet_rows(export_sheet(GYM))
    ui_rows = {r["id"]: r for r in rows if r["kind"] == "ui"}
    assert list(ui_rows) == ui_keys()
    assert all((r["en"], r["es"]) == (EN[k], ES[k]) for k, r in ui_rows.items())
    assert {r["id"] for r in rows if r["kind"] == "construct_name"} == \
        {c.id for c in GYM.constructs}
    # unchanged sheet: nothing changes
    same, report = import_sheet(GYM, _write(tmp_path / "same.csv", rows))
    assert same == GYM and report.changed == []
    # a translator changes a button and names a construct in Spanish
    for r in rows:
        if (r["kind"], r["id"]) == ("ui", "next"):
            r["es"] = "Continuar"
        if (r["kind"], r["id"]) == ("construct_name", "affective"):
            r["es"] = "Compromiso afectivo"
    new, report = import_sheet(GYM, _write(tmp_path / "sheet.csv", rows))
    assert sorted(report.changed) == ["construct_name affective [es]", "ui next [es]"]
    assert new.ui == {"next": {"es": "Continuar"}}
    assert new.construct_name("affective", "es") == "Compromiso afectivo"
    assert surveyjs_json(new, "es")["pageNextText"]["es"] == "Continuar"
    assert "Compromiso afectivo" in render_codebook_html(new, "es").decode("utf-8")
    again = _sheet_rows(export_sheet(new))
    assert next(r for r in again if r["id"] == "next")["es"] == "Continuar"


def test_translation_sheet_fills_a_new_language_s_ui_texts(tmp_path):
    inst = parse_instrument(_in_language("pt", "Português"), "gym_pt.yaml")
    rows = _sheet_rows(export_sheet(inst))
    ui_rows = [r for r in rows if r["kind"] == "ui"]
    assert all(r["pt"] == "" and r["en"] for r in ui_rows)  # to translate from English
    partial, report = import_sheet(inst, _write(tmp_path / "empty.csv", rows))
    assert any(m.startswith("ui [pt]: consent_heading, agree") for m in report.missing)
    for r in ui_rows:
        r["pt"] = "PT " + r["en"]
    new, report = import_sheet(inst, _write(tmp_path / "pt.csv", rows))
    assert len([c for c in report.changed if c.startswith("ui ")]) == len(ui_keys())
    assert ui_texts(new, "pt")["progress"] == "PT Page {n} of {total}"
    assert render_html(new, "pt")
