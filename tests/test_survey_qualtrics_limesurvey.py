"""Qualtrics (.qsf, Advanced-format TXT) and LimeSurvey (tab-separated structure) exports.

Neither platform has an offline validator (the QSF format is undocumented; LimeSurvey checks on
import), so these tests compare with reviewed golden files in tests/golden/ and check the
structure: ids, references, languages, recodes, randomization, consent. Importing the files into
a Qualtrics account or a LimeSurvey server is the real check. Regenerate the golden files after
an intended change with ``ENGAGEKIT_UPDATE_GOLDEN=1 pytest tests/test_survey_qualtrics_limesurvey.py``
and review the diff.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest

from instruments import load_instrument
from instruments.loader import dump_instrument, parse_instrument
from instruments.survey.layout import survey_pages
from instruments.survey.limesurvey import COLUMNS, question_code, render_limesurvey
from instruments.survey.qualtrics import advanced_txt, qsf, render_advanced_txt, render_qsf

INST = load_instrument("five_commitments")
GOLDEN = Path(__file__).parent / "golden"
ITEMS = [i.id for i in INST.items()]


@pytest.mark.parametrize("name, render", [
    ("five_commitments.qsf", lambda: render_qsf(INST, "en", "Acme")),
    ("five_commitments.qualtrics.txt", lambda: render_advanced_txt(INST, "en", "Acme")),
    ("five_commitments.limesurvey.txt", lambda: render_limesurvey(INST, "en", "Acme")),
])
def test_matches_the_reviewed_golden_file(name, render):
    path = GOLDEN / name
    data = render()
    if os.environ.get("ENGAGEKIT_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(data)
    assert data == path.read_bytes(), f"{name} changed; review and regenerate (see docstring)"


# ---- Qualtrics QSF ----------------------------------------------------------------------------

def _elements(doc, kind):
    return [e for e in doc["SurveyElements"] if e["Element"] == kind]


@pytest.mark.parametrize("brand", [None, "Acme"])
def test_qsf_structure(brand):
    doc = json.loads(render_qsf(INST, "en", brand))
    entry = doc["SurveyEntry"]
    assert entry["SurveyLanguage"] == "EN" and entry["SurveyID"].startswith("SV_")
    questions = {e["PrimaryAttribute"]: e["Payload"] for e in _elements(doc, "SQ")}
    assert len(questions) == int(_elements(doc, "QC")[0]["SecondaryAttribute"])
    tags = [q["DataExportTag"] for q in questions.values()]
    assert len(set(tags)) == len(tags)
    assert set(ITEMS) <= set(tags)
    for qid, q in questions.items():
        assert q["QuestionID"] == qid
        assert set(q["Language"]) == {"NL", "DE", "FR"}
        if q["QuestionType"] == "MC":
            assert list(q["Choices"]) == q["ChoiceOrder"]
            for lang in q["Language"].values():
                assert set(lang["Choices"]) == set(q["Choices"])
    by_tag = {q["DataExportTag"]: q for q in questions.values()}
    for item in ITEMS:
        scale = INST.item_scale(item)
        q = by_tag[item]
        if scale.kind.value in ("likert", "scale_0_10", "single_choice"):
            assert [int(q["RecodeValues"][k]) for k in q["ChoiceOrder"]] == scale.codes
        assert q["Validation"]["Settings"]["ForceResponse"] == "ON"
    assert by_tag["ltr"]["RecodeValues"]["1"] == "0"  # declared codes, not Qualtrics' 1..k
    # blocks: every question in exactly one block; randomized blocks randomize
    (blocks,) = [e["Payload"] for e in _elements(doc, "BL")]
    placed = [el["QuestionID"] for b in blocks for el in b["BlockElements"]]
    assert sorted(placed) == sorted(questions)
    by_block = {b["ID"]: b for b in blocks}
    for page in survey_pages(INST):
        b = by_block[f"BL_{page.id}"]
        tags_in_block = [questions[el["QuestionID"]]["DataExportTag"] for el in b["BlockElements"]]
        assert [t for t in tags_in_block if t in ITEMS] == [q.id for q in page.questions]
        assert (b["Options"]["RandomizeQuestions"] != "false") == page.block.randomize
    # flow: every block once, consent branch ends the survey, brand as embedded data
    flow = _elements(doc, "FL")[0]["Payload"]["Flow"]
    flow_blocks = [f["ID"] for f in flow if f["Type"] == "Block"]
    assert sorted(flow_blocks) == sorted(by_block)
    branch = next(f for f in flow if f["Type"] == "Branch")
    assert branch["Flow"] == [{"Type": "EndSurvey", "FlowID": branch["Flow"][0]["FlowID"]}]
    consent_qid = branch["BranchLogic"]["0"]["0"]["QuestionID"]
    assert questions[consent_qid]["DataExportTag"] == "consent"
    text = by_tag["aff_01"]["QuestionText"]
    if brand:
        assert text == "I feel an emotional bond with ${e://Field/brand}."
        assert flow[0]["EmbeddedData"][0]["Value"] == "Acme"
    else:
        assert text == "I feel an emotional bond with this company."
        assert by_tag["aff_01"]["Language"]["NL"]["QuestionText"].endswith("dit bedrijf.")
        assert all(f["Type"] != "EmbeddedData" for f in flow)


def test_qsf_and_txt_escape_html():
    bad = parse_instrument(dump_instrument(INST).replace(
        "I feel an emotional bond with {brand}.", "<img src=x onerror=alert(1)>"))
    q = next(e["Payload"] for e in _elements(qsf(bad), "SQ")
             if e["Payload"]["DataExportTag"] == "aff_01")
    assert q["QuestionText"] == "&lt;img src=x onerror=alert(1)&gt;"
    assert "<img" not in advanced_txt(bad)


# ---- Qualtrics Advanced-format TXT --------------------------------------------------------------

TAG = re.compile(r"^\[\[([A-Za-z]+)(?::([^\]]*))?\]\]$")
KNOWN = {"AdvancedFormat", "ED", "Block", "Question", "ID", "Choices", "PageBreak"}


@pytest.mark.parametrize("lang", ["en", "nl", "de", "fr"])
def test_advanced_txt_structure(lang):
    text = advanced_txt(INST, lang, "Acme")
    lines = text.splitlines()
    assert lines[0] == "[[AdvancedFormat]]"
    ids, questions = [], []
    for n, line in enumerate(lines):
        if line.startswith("[["):
            m = TAG.match(line)
            assert m and m.group(1) in KNOWN, line
            if m.group(1) == "Question":
                questions.append(m.group(2))
                assert TAG.match(lines[n + 1]).group(1) == "ID"  # every question has its ID
                assert lines[n + 2] and not lines[n + 2].startswith("[[")  # and one-line text
            if m.group(1) == "ID":
                ids.append(m.group(2))
    assert len(ids) == len(set(ids)) == len(questions)
    assert set(ITEMS) <= set(ids)
    # choices: the scale's anchors in scale order, right after [[Choices]]
    block = text.split("[[ID:aff_04r]]")[1].split("[[Choices]]\n")[1].split("\n\n")[0]
    anchors = [INST.text(a.label, lang) for a in INST.scale("agree7").anchors]
    assert block.splitlines() == anchors
    ltr = text.split("[[ID:ltr]]")[1].split("[[Choices]]\n")[1].split("\n\n")[0].splitlines()
    assert len(ltr) == 11 and ltr[0].startswith("0 – ") and ltr[5] == "5"


# ---- LimeSurvey TSV ------------------------------------------------------------------------------

def _tsv(data: bytes) -> list[dict]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8")), delimiter="\t",
                            quoting=csv.QUOTE_NONE)
    assert reader.fieldnames == COLUMNS
    rows = list(reader)
    assert all(len(r) == len(COLUMNS) and None not in r for r in rows)
    return rows


@pytest.mark.parametrize("brand", [None, "Acme"])
def test_limesurvey_structure(brand):
    rows = _tsv(render_limesurvey(INST, "en", brand))
    langs = INST.language_codes
    settings = {r["name"]: r["text"] for r in rows if r["class"] == "S"}
    assert settings["language"] == "en" and settings["additional_languages"].split() == langs[1:]
    body = [r for r in rows if r["class"] not in ("S",)]
    # each row is followed by its translations, in the language order
    for k in range(0, len(body), len(langs)):
        chunk = body[k:k + len(langs)]
        assert [r["language"] for r in chunk] == langs
        assert len({(r["class"], r["name"], r["type/scale"]) for r in chunk}) == 1
    primary = [r for r in body if r["language"] == "en"]
    qs = [r for r in primary if r["class"] == "Q"]
    codes = [r["name"] for r in qs]
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,19}", c) for c in codes)
    assert len(set(codes)) == len(codes)
    assert [c for c in codes if c not in ("consent", "brand")] == [
        question_code(q.id) for p in survey_pages(INST) for q in p.questions]
    # answers follow their question, codes in scale order
    for n, r in enumerate(primary):
        if r["class"] == "Q" and r["type/scale"] == "L":
            answers = []
            for nxt in primary[n + 1:]:
                if nxt["class"] != "A":
                    break
                answers.append(int(nxt["name"]))
            item = next(i for i in ITEMS if question_code(i) == r["name"])
            assert answers == INST.item_scale(item).codes
            assert all(len(str(a)) <= 5 for a in answers)
    by_code = {r["name"]: r for r in qs}
    assert by_code["aff01"]["random_group"] == "rand_relationship"
    assert by_code["sat01"]["random_group"] == ""
    assert by_code["consent"]["type/scale"] == "Y" and by_code["consent"]["mandatory"] == "Y"
    groups = [r for r in primary if r["class"] == "G"]
    assert all(g["relevance"] == 'consent == "Y"' for g in groups if g["name"] != "consent")
    assert by_code["shareofcategory"]["max_num_value_n"] == "100"
    if brand:
        assert by_code["brand"]["type/scale"] == "*" and by_code["brand"]["hidden"] == "1"
        assert "{brand}" in by_code["aff01"]["text"]
    else:
        assert "brand" not in by_code and "this company" in by_code["aff01"]["text"]


def test_limesurvey_escapes_and_keeps_rows_on_one_line():
    bad = INST.model_copy(deep=True)
    bad.item("aff_01").text["en"] = "<b>bold</b>\ttab\nnew line"
    rows = _tsv(render_limesurvey(bad))
    aff = next(r for r in rows if r["name"] == "aff01" and r["language"] == "en")
    assert aff["text"] == "&lt;b&gt;bold&lt;/b&gt; tab new line"
