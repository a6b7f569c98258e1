"""XLSForm export, validated by pyxform: the .xlsx converts to an XForm without errors or
warnings, with every language as an itext translation, ``${brand}`` from a calculate field,
the same item ids as binds, required answers and consent relevance."""

from __future__ import annotations

import io

import openpyxl
import pytest
from survey_checks import XFORM_NS, xform

from instruments import load_instrument
from instruments.survey.xlsform import language_column, render_xlsform, xlsform_sheets
from reports.cli import main

INST = load_instrument("five_commitments")
NS = XFORM_NS


@pytest.mark.parametrize("brand", [None, "O'Neil \"Bros\""])
def test_pyxform_converts_without_warnings(tmp_path, brand):
    root, warnings = xform(tmp_path, render_xlsform(INST, brand=brand))
    assert warnings == []
    model = root.find("h:head/x:model", NS)
    langs = [t.get("lang") for t in model.findall("x:itext/x:translation", NS)]
    assert langs == [language_column(INST, c) for c in INST.language_codes]
    assert langs[0] == "English (en)"
    binds = {b.get("nodeset").rsplit("/", 1)[1]: b for b in model.findall("x:bind", NS)}
    for item in INST.items():
        assert binds[item.id].get("required") == "true()"
        assert binds[item.id].get("relevant") is None  # relevance sits on the page group
    assert binds["page_relationship"].get("relevant") == " /data/consent  = 'yes'"
    assert binds["brand"].get("calculate") == (
        "'this company'" if brand is None else "concat('O', \"'\", 'Neil \"Bros\"')")
    assert binds["share_of_category"].get("constraint") == ". >= 0 and . <= 100"
    nl = model.find("x:itext/x:translation[@lang='Nederlands (nl)']", NS)
    label = nl.find("x:text[@id='/data/page_relationship/aff_01:label']/x:value", NS)
    if brand is None:
        assert "".join(label.itertext()) == "Ik voel een emotionele band met dit bedrijf."
    else:
        assert label.find("x:output", NS).get("value") == " /data/brand "


def test_sheets_keep_item_ids_scale_order_and_translations():
    sheets = xlsform_sheets(INST, brand="Acme")
    header = sheets["survey"][0]
    assert [h for h in header if h.startswith("label::")] == [
        "label::English (en)", "label::Nederlands (nl)", "label::Deutsch (de)",
        "label::Français (fr)"]
    names = [r[1] for r in sheets["survey"][1:]]
    assert [n for n in names if n in {i.id for i in INST.items()}] == [
        q for q in names if q in {i.id for i in INST.items()}]
    assert {i.id for i in INST.items()} <= set(names)
    agree = [r for r in sheets["choices"] if r[0] == "agree7"]
    assert [r[1] for r in agree] == [str(c) for c in range(1, 8)]
    assert agree[0][3] == "1 – Helemaal mee oneens"
    row = next(r for r in sheets["survey"] if r[1] == "aff_01")
    assert row[2] == "I feel an emotional bond with ${brand}."
    assert sheets["settings"][1][:2] == ["Why customers stay with Acme", "five_commitments"]


def test_xlsx_is_byte_identical_for_the_same_inputs_and_readable(tmp_path):
    a = render_xlsform(INST, "fr", "Acme")
    assert a == render_xlsform(INST, "fr", "Acme")
    wb = openpyxl.load_workbook(io.BytesIO(a))
    assert wb.sheetnames == ["survey", "choices", "settings"]
    assert wb["settings"]["D2"].value == "Français (fr)"
    out = tmp_path / "f.xlsx"
    assert main(["survey", "five_commitments", "-f", "xlsform", "--lang", "fr", "--brand", "Acme",
                 "-o", str(out)]) == 0
    assert out.read_bytes() == a
