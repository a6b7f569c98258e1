"""REDCap data dictionary: REDCap's documented rules, checked here because there is no offline
REDCap validator (an upload into a REDCap project is the real check): the 18 standard columns in
order, field names ``^[a-z][a-z0-9_]*$`` (unique, at most 100 characters; REDCap recommends 26),
record_id first, one form, valid field types, choices ``code, label | ...``, matrix groups as
unbroken runs of radio fields with identical choices, branching logic on known fields."""

from __future__ import annotations

import pytest
from survey_checks import check_redcap_dictionary

from instruments import load_instrument
from instruments.survey.redcap import render_redcap

INST = load_instrument("five_commitments")


@pytest.mark.parametrize("lang", ["en", "nl", "de", "fr"])
@pytest.mark.parametrize("brand", [None, "Acme & <Co> | \"best\""])
def test_dictionary_follows_redcaps_rules(lang, brand):
    rows = check_redcap_dictionary(render_redcap(INST, lang, brand))
    by_name = {r["Variable / Field Name"]: r for r in rows}
    assert {i.id for i in INST.items()} <= set(by_name)
    assert by_name["aff_04r"]["Field Annotation"].startswith("reverse-keyed: score = 8 - x")
    assert "attention check: expected 1, 2" in by_name["att_02"]["Field Annotation"]
    assert by_name["aff_01"]["Branching Logic (Show field only if...)"] == "[consent] = '1'"
    assert by_name["share_of_category"]["Text Validation Min"] == "0"
    assert by_name["share_of_category"]["Text Validation Max"] == "100"
    ltr = by_name["ltr"]["Choices, Calculations, OR Slider Labels"].split(" | ")
    assert [c.split(",")[0] for c in ltr] == [str(c) for c in range(11)]
    label = by_name["aff_01"]["Field Label"]
    if brand is None:
        value = INST.text(INST.placeholders[0].default, lang)
        assert value in label and "[brand]" not in label
        assert "brand" not in by_name
    else:
        assert "[brand]" in label
        # action tags may stand anywhere in the annotation; a cell starting with @ would be
        # a formula to a spreadsheet
        assert by_name["brand"]["Field Annotation"] == (
            "brand value: @HIDDEN @DEFAULT='" + brand + "'")


def test_labels_are_html_escaped_and_matrix_groups_follow_blocks():
    from instruments.loader import dump_instrument, parse_instrument
    bad = parse_instrument(dump_instrument(INST).replace(
        "I feel an emotional bond with {brand}.", "<img src=x onerror=alert(1)> | x"))
    rows = check_redcap_dictionary(render_redcap(bad))
    aff = next(r for r in rows if r["Variable / Field Name"] == "aff_01")
    assert aff["Field Label"].startswith("&lt;img src=x")
    groups = sorted({r["Matrix Group Name"] for r in rows if r["Matrix Group Name"]})
    assert groups == ["intentions_agree7", "relationship_agree7"]


def test_same_inputs_same_bytes():
    assert render_redcap(INST, "nl", "Acme") == render_redcap(INST, "nl", "Acme")
