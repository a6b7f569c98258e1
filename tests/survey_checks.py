"""Validators of the survey exports, shared by the survey tests (five_commitments in detail) and
tests/test_library_surveys.py (every bundled instrument, every language).

Each ``check_*`` function asserts the rules a format must follow for *any* instrument and
returns the parsed structure, so that a test can add instrument-specific asserts on top:

* SurveyJS: npm survey-core under Node (``new Model(json).jsonErrors`` and the linter), one Node
  start for a batch of surveys (:func:`survey_core_batch`);
* XLSForm: pyxform's converter, with its warnings (:func:`xform`);
* REDCap: REDCap's documented data-dictionary rules (:func:`check_redcap_dictionary`);
* Frictionless Table Schema (:func:`validate_responses`) and DDI-Codebook 2.5 element order
  (:func:`check_ddi_structure`);
* Qualtrics QSF / Advanced-format TXT and LimeSurvey TSV structure (:func:`check_qsf`,
  :func:`check_advanced_txt`, :func:`check_limesurvey`);
* the HTML survey in Chromium: a planned answer per item, answering a page by mouse, and the
  response record (:func:`planned_answers`, :func:`answer_page_by_mouse`, :func:`check_response`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html import unescape
from html.parser import HTMLParser

import pytest
from browser import JS_DIR, node_modules
from frictionless import Resource, Schema, validate
from pyxform.xls2xform import convert
from selenium.webdriver.common.by import By

from instruments.response_format import response_columns
from instruments.survey import display_order, survey_pages
from instruments.survey.codebook import DDI_NS, table_schema
from instruments.survey.limesurvey import COLUMNS as LIMESURVEY_COLUMNS
from instruments.survey.limesurvey import question_code
from instruments.survey.redcap import COLUMNS as REDCAP_COLUMNS

# ---- SurveyJS (survey-core under Node) ----------------------------------------------------------


def _node(args: list[str]) -> dict:
    if shutil.which("node") is None:
        pytest.skip("node is not installed (bash .ci/system-deps installs it)")
    node_modules()
    proc = subprocess.run(["node", str(JS_DIR / "surveyjs_check.mjs"), *args],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def survey_core(tmp_path, survey: dict, answers: dict | None = None) -> dict:
    """Run tests/js/surveyjs_check.mjs (survey-core Model, linter, simulated respondent)."""
    path = tmp_path / "survey.json"
    path.write_text(json.dumps(survey), encoding="utf-8")
    args = [str(path)]
    if answers is not None:
        (tmp_path / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
        args.append(str(tmp_path / "answers.json"))
    return _node(args)


def survey_core_batch(tmp_path, cases: dict[str, tuple[dict, dict | None]]) -> dict[str, dict]:
    """:func:`survey_core` for several ``name -> (survey, answers)`` in one Node process."""
    path = tmp_path / "surveys.batch.json"
    path.write_text(json.dumps({name: {"survey": s, "answers": a or {}}
                                for name, (s, a) in cases.items()}), encoding="utf-8")
    return _node(["--batch", str(path)])


def middle_answers(inst) -> dict:
    """The middle option of every choice question, 42 for number questions."""
    return {q.id: q.options[len(q.options) // 2] if q.options else 42
            for page in survey_pages(inst) for q in page.questions}


# ---- XLSForm (pyxform) --------------------------------------------------------------------------

XFORM_NS = {"h": "http://www.w3.org/1999/xhtml", "x": "http://www.w3.org/2002/xforms"}


def xform(tmp_path, data: bytes) -> tuple[ET.Element, list[str]]:
    """The XForm pyxform makes of an XLSForm .xlsx, and every warning it gave."""
    path = tmp_path / "form.xlsx"
    path.write_bytes(data)
    warnings: list[str] = []
    result = convert(xlsform=str(path), warnings=warnings)
    return ET.fromstring(result.xform), warnings + list(result.warnings or [])


# ---- REDCap data dictionary ---------------------------------------------------------------------

REDCAP_FIELD_TYPES = {"text", "notes", "dropdown", "radio", "checkbox", "file", "calc", "sql",
                      "descriptive", "slider", "yesno", "truefalse"}
_CHOICE = re.compile(r"^-?\d+, [^|]+$")


def check_redcap_dictionary(data: bytes) -> list[dict]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
    header, rows = list(reader.fieldnames or []), list(reader)
    assert header == REDCAP_COLUMNS and len(REDCAP_COLUMNS) == 18
    names = [r["Variable / Field Name"] for r in rows]
    assert names[0] == "record_id"
    assert len(set(names)) == len(names)
    for r in rows:
        name = r["Variable / Field Name"]
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name) and len(name) <= 26, name
        assert r["Form Name"] == rows[0]["Form Name"]
        assert re.fullmatch(r"[a-z][a-z0-9_]*", r["Form Name"])
        assert r["Field Type"] in REDCAP_FIELD_TYPES, name
        assert r["Required Field?"] in ("", "y")
        if r["Field Type"] in ("radio", "dropdown", "checkbox"):
            choices = [c.strip() for c in r["Choices, Calculations, OR Slider Labels"].split("|")]
            assert all(_CHOICE.match(c) for c in choices), (name, choices)
            codes = [c.split(",")[0] for c in choices]
            assert len(set(codes)) == len(codes)
        for ref in re.findall(r"\[([a-z0-9_]+)\]", r["Branching Logic (Show field only if...)"]):
            assert ref in names[: names.index(name)], (name, ref)
        for ref in re.findall(r"\[([a-z0-9_]+)\]", r["Field Label"] + r["Section Header"]):
            assert ref in names[: names.index(name)], (name, ref)  # piping: an earlier field
    groups: dict[str, list[int]] = {}
    for n, r in enumerate(rows):
        if r["Matrix Group Name"]:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", r["Matrix Group Name"])
            groups.setdefault(r["Matrix Group Name"], []).append(n)
    for group, idx in groups.items():
        assert idx == list(range(idx[0], idx[-1] + 1)), f"matrix {group} is not one run"
        members = [rows[i] for i in idx]
        assert {m["Field Type"] for m in members} == {"radio"}
        assert len({m["Choices, Calculations, OR Slider Labels"] for m in members}) == 1
    return rows


# ---- Codebooks: Frictionless Table Schema, DDI-Codebook 2.5 -------------------------------------


def validate_responses(tmp_path, csv_text: str, inst):
    """frictionless' report for a response CSV against the instrument's Table Schema."""
    data = tmp_path / "responses.csv"
    data.write_text(csv_text, encoding="utf-8")
    schema = Schema.from_descriptor(table_schema(inst))
    return validate(Resource(path=data.name, basepath=str(tmp_path), schema=schema))


D = f"{{{DDI_NS}}}"

# DDI-Codebook 2.5: the children (in schema order) of the elements engagekit writes, from the
# content models of codebook.xsd (only the part engagekit uses).
DDI_ORDER = {
    "codeBook": ["docDscr", "stdyDscr", "fileDscr", "dataDscr", "otherMat"],
    "stdyDscr": ["citation", "studyAuthorization", "stdyInfo", "studyDevelopment", "method",
                 "dataAccs", "othrStdyMat", "notes"],
    "citation": ["titlStmt", "rspStmt", "prodStmt", "distStmt", "serStmt", "verStmt",
                 "biblCit", "holdings", "notes"],
    "titlStmt": ["titl", "subTitl", "altTitl", "parTitl", "IDNo"],
    "verStmt": ["version", "verResp", "notes"],
    "stdyInfo": ["studyBudget", "subject", "abstract", "sumDscr", "qualityStatement", "notes",
                 "exPostEvaluation"],
    "othrStdyMat": ["relMat", "relStdy", "relPubl", "othRefs"],
    "relPubl": ["citation"],
    "fileDscr": ["fileTxt", "locMap", "notes"],
    "fileTxt": ["fileName", "fileCitation", "dataFingerprint", "fileCont", "fileStrc",
                "dimensns", "fileType", "format", "filePlac", "dataChck", "ProcStat", "dataMsng",
                "software", "verStmt"],
    "dimensns": ["caseQnty", "varQnty", "logRecL", "recPrCas", "recNumTot"],
    "dataDscr": ["varGrp", "nCubeGrp", "var", "nCube", "notes"],
    "varGrp": ["labl", "txt", "concept", "defntn", "universe", "notes"],
    "var": ["location", "labl", "imputation", "security", "embargo", "respUnit", "anlysUnit",
            "qstn", "valrng", "invalrng", "undocCod", "universe", "TotlResp", "sumStat", "txt",
            "stdCatgry", "catgryGrp", "catgry", "codInstr", "verStmt", "concept", "derivation",
            "varFormat", "geomap", "catLevel", "notes"],
    "qstn": ["preQTxt", "qstnLit", "postQTxt", "forward", "backward", "ivuInstr"],
    "valrng": ["item", "range", "key", "notes"],
    "catgry": ["catValu", "labl", "txt", "catStat", "mrow"],
}
DDI_LEAVES = {"titl", "IDNo", "version", "abstract", "holdings", "fileName", "fileCont",
              "varQnty", "labl", "defntn", "qstnLit", "range", "catValu", "concept", "varFormat",
              "notes"}


def check_ddi_structure(el: ET.Element) -> None:
    """``el`` and its descendants use DDI-C 2.5 element names in the schema's order."""
    tag = el.tag.removeprefix(D)
    assert el.tag.startswith(D), el.tag
    children = [c.tag.removeprefix(D) for c in el]
    if tag in DDI_LEAVES:
        assert not children, tag
        return
    allowed = DDI_ORDER[tag]
    assert set(children) <= set(allowed), (tag, set(children) - set(allowed))
    positions = [allowed.index(c) for c in children]
    assert positions == sorted(positions), (tag, children)
    for c in el:
        check_ddi_structure(c)


# ---- Qualtrics QSF and Advanced-format TXT ------------------------------------------------------


def qsf_elements(doc: dict, kind: str) -> list[dict]:
    return [e for e in doc["SurveyElements"] if e["Element"] == kind]


def check_qsf(doc: dict, inst) -> dict[str, dict]:
    """Ids, languages, recodes, blocks, flow and the consent branch of a QSF; its questions by
    data-export tag."""
    items = [i.id for i in inst.items()]
    entry = doc["SurveyEntry"]
    assert entry["SurveyID"].startswith("SV_")
    questions = {e["PrimaryAttribute"]: e["Payload"] for e in qsf_elements(doc, "SQ")}
    assert len(questions) == int(qsf_elements(doc, "QC")[0]["SecondaryAttribute"])
    tags = [q["DataExportTag"] for q in questions.values()]
    assert len(set(tags)) == len(tags)
    assert set(items) <= set(tags)
    others = {c.upper() for c in inst.language_codes} - {entry["SurveyLanguage"]}
    for qid, q in questions.items():
        assert q["QuestionID"] == qid
        assert set(q["Language"]) == others
        if q["QuestionType"] == "MC":
            assert list(q["Choices"]) == q["ChoiceOrder"]
            for lang in q["Language"].values():
                assert set(lang["Choices"]) == set(q["Choices"])
    by_tag = {q["DataExportTag"]: q for q in questions.values()}
    for item in items:
        scale = inst.item_scale(item)
        q = by_tag[item]
        if scale.kind.value in ("likert", "scale_0_10", "single_choice"):
            assert [int(q["RecodeValues"][k]) for k in q["ChoiceOrder"]] == scale.codes, item
        assert q["Validation"]["Settings"]["ForceResponse"] == "ON"
    (blocks,) = [e["Payload"] for e in qsf_elements(doc, "BL")]
    placed = [el["QuestionID"] for b in blocks for el in b["BlockElements"]]
    assert sorted(placed) == sorted(questions)
    by_block = {b["ID"]: b for b in blocks}
    for page in survey_pages(inst):
        b = by_block[f"BL_{page.id}"]
        tags_in_block = [questions[el["QuestionID"]]["DataExportTag"] for el in b["BlockElements"]]
        assert [t for t in tags_in_block if t in items] == [q.id for q in page.questions]
        assert (b["Options"]["RandomizeQuestions"] != "false") == page.block.randomize
    flow = qsf_elements(doc, "FL")[0]["Payload"]["Flow"]
    assert sorted(f["ID"] for f in flow if f["Type"] == "Block") == sorted(by_block)
    branch = next(f for f in flow if f["Type"] == "Branch")
    assert branch["Flow"] == [{"Type": "EndSurvey", "FlowID": branch["Flow"][0]["FlowID"]}]
    consent_qid = branch["BranchLogic"]["0"]["0"]["QuestionID"]
    assert questions[consent_qid]["DataExportTag"] == "consent"
    return by_tag


_TAG = re.compile(r"^\[\[([A-Za-z]+)(?::([^\]]*))?\]\]$")
_KNOWN_TAGS = {"AdvancedFormat", "ED", "Block", "Question", "ID", "Choices", "PageBreak"}


def check_advanced_txt(text: str, inst) -> list[str]:
    """Known tags only; every question has a unique ID and a one-line text; its question ids."""
    lines = text.splitlines()
    assert lines[0] == "[[AdvancedFormat]]"
    ids, questions = [], []
    for n, line in enumerate(lines):
        if line.startswith("[["):
            m = _TAG.match(line)
            assert m and m.group(1) in _KNOWN_TAGS, line
            if m.group(1) == "Question":
                questions.append(m.group(2))
                assert _TAG.match(lines[n + 1]).group(1) == "ID"
                assert lines[n + 2] and not lines[n + 2].startswith("[[")
            if m.group(1) == "ID":
                ids.append(m.group(2))
    assert len(ids) == len(set(ids)) == len(questions)
    assert {i.id for i in inst.items()} <= set(ids)
    return ids


# ---- LimeSurvey TSV -----------------------------------------------------------------------------


def limesurvey_tsv(data: bytes) -> list[dict]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8")), delimiter="\t",
                            quoting=csv.QUOTE_NONE)
    assert reader.fieldnames == LIMESURVEY_COLUMNS
    rows = list(reader)
    assert all(len(r) == len(LIMESURVEY_COLUMNS) and None not in r for r in rows)
    return rows


def check_limesurvey(data: bytes, inst, lang: str) -> dict[str, dict]:
    """Languages, translations per row, question codes, answer codes in scale order, consent
    relevance; the questions (in ``lang``) by code."""
    rows = limesurvey_tsv(data)
    langs = [lang] + [c for c in inst.language_codes if c != lang]
    settings = {r["name"]: r["text"] for r in rows if r["class"] == "S"}
    assert settings["language"] == lang
    assert settings["additional_languages"].split() == langs[1:]
    body = [r for r in rows if r["class"] != "S"]
    for k in range(0, len(body), len(langs)):
        chunk = body[k:k + len(langs)]
        assert [r["language"] for r in chunk] == langs
        assert len({(r["class"], r["name"], r["type/scale"]) for r in chunk}) == 1
    primary = [r for r in body if r["language"] == lang]
    qs = [r for r in primary if r["class"] == "Q"]
    codes = [r["name"] for r in qs]
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,19}", c) for c in codes)
    assert len(set(codes)) == len(codes)
    assert [c for c in codes if c not in ("consent", "brand")] == [
        question_code(q.id) for p in survey_pages(inst) for q in p.questions]
    by_code_item = {question_code(i.id): i.id for i in inst.items()}
    for n, r in enumerate(primary):
        if r["class"] == "Q" and r["type/scale"] == "L":
            answers = []
            for nxt in primary[n + 1:]:
                if nxt["class"] != "A":
                    break
                answers.append(int(nxt["name"]))
            assert answers == inst.item_scale(by_code_item[r["name"]]).codes, r["name"]
            assert all(len(str(a)) <= 5 for a in answers)
    by_code = {r["name"]: r for r in qs}
    assert by_code["consent"]["type/scale"] == "Y" and by_code["consent"]["mandatory"] == "Y"
    groups = [r for r in primary if r["class"] == "G"]
    assert all(g["relevance"] == 'consent == "Y"' for g in groups if g["name"] != "consent")
    return by_code


# ---- the HTML survey ---------------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def html_tags(html: str) -> list[tuple[str, dict]]:
    """The start tags of an HTML document with their attributes, in document order."""
    p = _Tags()
    p.feed(html)
    return p.tags


def check_html_survey(html: str, inst, lang: str) -> list[tuple[str, dict]]:
    """The HTML survey: ``lang`` and direction, one fieldset with a legend per item, native
    radios in declared scale order inside labels, bounded number inputs, no layout tables,
    consent and closing text in ``lang``; its start tags."""
    tags = html_tags(html)
    assert tags[0] == ("html", {"lang": lang, "dir": "ltr"})
    fieldsets = [a["data-item"] for t, a in tags if t == "fieldset"]
    assert sorted(fieldsets) == sorted(i.id for i in inst.items())
    assert html.count("<legend>") == len(fieldsets)
    assert "<table" not in html
    for page in survey_pages(inst):
        for q in page.questions:
            radios = [a for t, a in tags if t == "input" and a.get("name") == q.id]
            if q.options:
                assert [int(a["value"]) for a in radios] == q.options  # scale order as declared
                assert all(a["type"] == "radio" for a in radios)
            else:
                assert [a["type"] for a in radios] == ["number"], q.id
                scale = inst.item_scale(q.id)
                for bound in ("min", "max"):
                    if getattr(scale, bound) is not None:
                        assert float(radios[0][bound]) == getattr(scale, bound), (q.id, bound)
    assert html.count('<label class="option"><input type="radio"') == sum(
        1 for t, a in tags if t == "input" and a.get("type") == "radio")
    text = unescape(re.sub(r"<[^>]+>", "", html))
    assert inst.text(inst.survey.consent, lang).split("{brand}")[0] in text
    assert inst.text(inst.survey.outro, lang) in text
    return tags


# ---- the HTML survey in Chromium ----------------------------------------------------------------


def planned_answers(inst) -> dict[str, int]:
    """A fixed, varied answer for every item: option index from the item id."""
    out = {}
    for page in survey_pages(inst):
        for q in page.questions:
            if q.options:
                out[q.id] = q.options[sum(map(ord, q.id)) % len(q.options)]
            else:
                out[q.id] = int(q.scale.min or 0) + sum(map(ord, q.id)) % 50
    return out


def visible_page(driver):
    return driver.find_element(By.CSS_SELECTOR, "section.page:not([hidden])")


def answer_page_by_mouse(driver, answers):
    """Click the planned answer of every question on the visible page (type numbers), Next."""
    page = visible_page(driver)
    for fs in page.find_elements(By.CSS_SELECTOR, "fieldset.item"):
        item = fs.get_attribute("data-item")
        if fs.get_attribute("data-kind") == "choice":
            fs.find_element(By.CSS_SELECTOR, f"input[value='{answers[item]}']") \
                .find_element(By.XPATH, "..").click()
        else:
            fs.find_element(By.TAG_NAME, "input").send_keys(str(answers[item]))
    page.find_element(By.CSS_SELECTOR, "button.next").click()


def answer_page_by_script(driver, answers):
    """:func:`answer_page_by_mouse` without the pointer: one script sets the planned answers of
    the visible page (checks the radio, types the number), then Next is clicked. For runs that
    only need the survey filled in (the mouse and keyboard paths are tested on their own)."""
    page = visible_page(driver)
    driver.execute_script("""
        const [page, answers] = arguments;
        for (const fs of page.querySelectorAll("fieldset.item")) {
          const value = answers[fs.getAttribute("data-item")];
          if (fs.getAttribute("data-kind") === "choice") {
            fs.querySelector(`input[value="${value}"]`).checked = true;
          } else {
            fs.querySelector("input").value = String(value);
          }
          fs.dispatchEvent(new Event("change", {bubbles: true}));
        }""", page, answers)
    page.find_element(By.CSS_SELECTOR, "button.next").click()


def check_response(resp: dict, inst, answers: dict, lang: str, seed: str, rid: str):
    """The survey's response record: columns, ids, language, display order, the answers."""
    assert list(resp) == response_columns(inst)  # the metadata, then the items in order
    assert resp["respondent_id"] == rid
    assert (resp["instrument_id"], resp["instrument_version"], resp["language"]) == (
        inst.id, inst.version, lang)
    assert resp["started_at"] <= resp["ended_at"]
    assert resp["display_order"] == display_order(inst, seed)
    assert {k: resp[k] for k in answers} == answers
