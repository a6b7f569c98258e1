"""Qualtrics (.qsf, Advanced-format TXT) and LimeSurvey (tab-separated structure) exports.

Neither platform has an offline validator (the QSF format is undocumented; LimeSurvey checks on
import), so these tests compare with reviewed golden files in tests/golden/ and check the
structure: ids, references, languages, recodes, randomization, consent. Importing the files into
a Qualtrics account or a LimeSurvey server is the real check. Regenerate the golden files after
an intended change with ``ENGAGEKIT_UPDATE_GOLDEN=1 pytest tests/test_survey_qualtrics_limesurvey.py``
and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from survey_checks import (
    check_advanced_txt,
    check_limesurvey,
    check_qsf,
    limesurvey_tsv,
    qsf_elements,
)

from instruments import load_instrument
from instruments.loader import dump_instrument, parse_instrument
from instruments.survey.limesurvey import render_limesurvey
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

_elements = qsf_elements


@pytest.mark.parametrize("brand", [None, "Acme"])
def test_qsf_structure(brand):
    doc = json.loads(render_qsf(INST, "en", brand))
    assert doc["SurveyEntry"]["SurveyLanguage"] == "EN"
    by_tag = check_qsf(doc, INST)
    assert set(by_tag["aff_01"]["Language"]) == {"NL", "DE", "FR"}
    assert by_tag["ltr"]["RecodeValues"]["1"] == "0"  # declared codes, not Qualtrics' 1..k
    flow = _elements(doc, "FL")[0]["Payload"]["Flow"]
    text = by_tag["aff_01"]["QuestionText"]
    if brand:
        assert text == "I feel an emotional bond with ${e://Field/brand}."
        assert flow[0]["EmbeddedData"][0]["Value"] == "Acme"
    else:
        assert text == "I feel an emotional bond with this company."
        assert by_tag["aff_01"]["Language"]["NL"]["QuestionText"].endswith("dit bedrijf.")
        assert all(f["Type"] != "EmbeddedData" for f in flow)


def test_qsf_keeps_intro_and_instructions_outside_the_randomization():
    """A randomised block's intro and instructions (descriptive text) stay first; only its
    items are shuffled. Checked on every bundled block with randomize: true."""
    doc = json.loads(render_qsf(INST, "en", None))
    questions = {q["Payload"]["QuestionID"]: q["Payload"]
                 for q in _elements(doc, "SQ")}
    blocks = [b for b in _elements(doc, "BL")[0]["Payload"] if b["ID"] != "BL_consent"]
    checked = 0
    for b, page in zip(blocks, INST.survey.blocks, strict=True):
        qids = [e["QuestionID"] for e in b["BlockElements"]]
        texts = [q for q in qids if questions[q]["QuestionType"] == "DB"]
        items = [q for q in qids if q not in texts]
        assert qids == texts + items  # descriptive text first in the block
        if not page.randomize:
            assert b["Options"]["RandomizeQuestions"] == "false"
            continue
        rnd = b["Options"]["Randomization"]
        if texts:
            checked += 1
            adv = rnd["Advanced"]
            assert b["Options"]["RandomizeQuestions"] == "Advanced"
            assert adv["FixedOrder"] == texts + ["{~SubSet~}"] * len(items)
            assert adv["RandomSubSet"] == items and adv["TotalRandSubset"] == len(items)
            assert not set(texts) & set(adv["RandomSubSet"] + adv["RandomizeAll"])
        else:
            assert b["Options"]["RandomizeQuestions"] == "RandomWithOnlyX"
            assert rnd["TotalRandSubset"] == len(items)
    assert checked >= 1  # the first page: survey intro + block instructions
    first = blocks[0]["BlockElements"]
    assert questions[first[0]["QuestionID"]]["DataExportTag"] == "intro"


def test_qsf_and_txt_escape_html():
    bad = parse_instrument(dump_instrument(INST).replace(
        "I feel an emotional bond with {brand}.", "<img src=x onerror=alert(1)>"))
    q = next(e["Payload"] for e in _elements(qsf(bad), "SQ")
             if e["Payload"]["DataExportTag"] == "aff_01")
    assert q["QuestionText"] == "&lt;img src=x onerror=alert(1)&gt;"
    assert "<img" not in advanced_txt(bad)


# ---- Qualtrics Advanced-format TXT --------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "nl", "de", "fr"])
def test_advanced_txt_structure(lang):
    text = advanced_txt(INST, lang, "Acme")
    check_advanced_txt(text, INST)
    # choices: the scale's anchors in scale order, right after [[Choices]]
    block = text.split("[[ID:aff_04r]]")[1].split("[[Choices]]\n")[1].split("\n\n")[0]
    anchors = [INST.text(a.label, lang) for a in INST.scale("agree7").anchors]
    assert block.splitlines() == anchors
    ltr = text.split("[[ID:ltr]]")[1].split("[[Choices]]\n")[1].split("\n\n")[0].splitlines()
    assert len(ltr) == 11 and ltr[0].startswith("0 – ") and ltr[5] == "5"


# ---- LimeSurvey TSV ------------------------------------------------------------------------------

_tsv = limesurvey_tsv


@pytest.mark.parametrize("brand", [None, "Acme"])
def test_limesurvey_structure(brand):
    data = render_limesurvey(INST, "en", brand)
    by_code = check_limesurvey(data, INST, "en")
    assert by_code["aff01"]["random_group"] == "rand_relationship"
    assert by_code["sat01"]["random_group"] == ""
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
