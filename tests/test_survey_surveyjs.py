"""SurveyJS export, validated by npm survey-core under Node: ``new Model(json).jsonErrors`` and
the linter ``lintSurvey`` (survey-core/linter, shipped since 2.x) must both be empty, in every
language; a simulated respondent per locale checks texts, pipes, answers and consent."""

from __future__ import annotations

import json
import re

import pytest
from survey_checks import middle_answers, survey_core

from instruments import load_instrument
from instruments.survey.layout import survey_pages
from instruments.survey.surveyjs import render_surveyjs, surveyjs_json
from reports.cli import main

INST = load_instrument("five_commitments")
BRAND = 'O\'Neil "Bros" <b>'


def _answers():
    return middle_answers(INST)


@pytest.mark.parametrize("brand", [None, BRAND])
def test_survey_core_accepts_the_export_in_every_language(tmp_path, brand):
    survey = surveyjs_json(INST, brand=brand)
    report = survey_core(tmp_path, survey, _answers())
    assert report["jsonErrors"] == []
    assert report["lint"] == []
    items = [i.id for i in INST.items()]
    expected_langs = {"default", "nl", "de", "fr"}
    assert expected_langs <= set(report["locales"])
    for loc, r in report["locales"].items():
        lang = "en" if loc in ("default", "en") else loc
        value = brand if brand is not None else INST.text(INST.placeholders[0].default, lang)
        # the {brand} pipe resolves (per language) and texts are in that language
        want = INST.text(INST.item("aff_01").text, lang).replace("{brand}", value)
        assert r["titles"]["aff_01"] == want
        assert r["pagesWithErrors"] == []  # every required question answered
        assert {k: r["data"][k] for k in items} == _answers()  # flat, named by item id
        assert r["completedOnDecline"] is True
        assert r["randomized"] == [f"page_{p.id}" for p in survey_pages(INST)
                                   if p.block.randomize]


def test_questions_scale_order_and_structure():
    survey = surveyjs_json(INST, lang="nl")
    assert survey["locale"] == "nl"
    questions = {q["name"]: q for p in survey["pages"] for q in p["elements"]}
    assert set(questions) == {i.id for i in INST.items()} | {"consent"}
    agree = questions["aff_04r"]
    assert agree["type"] == "radiogroup" and [c["value"] for c in agree["choices"]] == list(
        range(1, 8))
    assert agree["choices"][0]["text"]["nl"] == "Helemaal mee oneens"
    assert (questions["ltr"]["type"], questions["ltr"]["rateMin"], questions["ltr"]["rateMax"]) \
        == ("rating", 0, 10)
    assert questions["share_of_category"]["inputType"] == "number"
    assert survey["triggers"] == [{"type": "complete", "expression": "{consent} = false"}]
    assert "<" not in re.sub(r"</?(p|h3)>", "", json.dumps(survey["completedHtml"]))


def test_html_in_texts_is_escaped_where_surveyjs_renders_html(tmp_path):
    from instruments.loader import dump_instrument, parse_instrument
    text = dump_instrument(INST).replace("Thank you for taking part.",
                                         "<img src=x onerror=alert(1)>")
    survey = surveyjs_json(parse_instrument(text))
    assert "<p>&lt;img src=x" in survey["completedHtml"]["default"]


def test_same_inputs_same_bytes_and_cli(tmp_path):
    assert render_surveyjs(INST, "de", "Acme") == render_surveyjs(INST, "de", "Acme")
    out = tmp_path / "s.json"
    assert main(["survey", "five_commitments", "-f", "surveyjs", "-o", str(out)]) == 0
    assert out.read_bytes() == render_surveyjs(INST)
