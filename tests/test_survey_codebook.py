"""Codebooks: the Frictionless Table Schema is validated with ``frictionless`` against seeded
sample response files (valid ones pass, out-of-range codes are flagged); the DDI-Codebook 2.5 XML
is well-formed and follows DDI-C 2.5's element names and order; the HTML codebook lists every
item with reverse keys in every language, escaped."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from survey_checks import D, check_ddi_structure
from survey_checks import validate_responses as check_responses

from instruments import load_instrument
from instruments.loader import dump_instrument, parse_instrument
from instruments.survey.codebook import (
    ddi_codebook,
    render_codebook_html,
    table_schema,
)
from instruments.survey.formats import FORMATS
from instruments.survey.responses import responses_csv, sample_responses
from reports.cli import main

INST = load_instrument("five_commitments")


def validate_responses(tmp_path, csv_text: str):
    return check_responses(tmp_path, csv_text, INST)


def test_table_schema_accepts_sample_responses(tmp_path):
    rows = sample_responses(INST, n=40, seed=7)
    assert any(r["aff_01"] == -99 for r in rows) or any(
        -99 in r.values() for r in rows)  # missing codes occur and are accepted
    report = validate_responses(tmp_path, responses_csv(INST, rows))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.tasks[0].stats["rows"] == 40


def test_table_schema_flags_bad_codes_duplicates_and_types(tmp_path):
    rows = sample_responses(INST, n=3, seed=1)
    rows[0]["aff_01"] = 8            # outside 1..7
    rows[1]["share_of_category"] = 101  # above the maximum
    rows[2]["respondent_id"] = rows[0]["respondent_id"]  # duplicate key
    rows[2]["language"] = "es"       # not a language of the instrument
    report = validate_responses(tmp_path, responses_csv(INST, rows))
    found = {(r[0], r[1]) for r in report.flatten(["fieldName", "type"])}
    assert ("aff_01", "constraint-error") in found
    assert ("share_of_category", "constraint-error") in found
    assert ("language", "constraint-error") in found
    assert any(t in {"primary-key", "unique-error"} for _, t in found)


def test_table_schema_content():
    schema = table_schema(INST)
    fields = {f["name"]: f for f in schema["fields"]}
    assert list(fields)[:7] == ["respondent_id", "instrument_id", "instrument_version",
                                "language", "started_at", "ended_at", "display_order"]
    assert fields["aff_04r"]["constraints"]["enum"] == [1, 2, 3, 4, 5, 6, 7]
    assert "score = 8 - x" in fields["aff_04r"]["description"]
    assert fields["aff_04r"]["engagekit:keyed"] == "minus"
    assert fields["ltr"]["constraints"]["enum"] == list(range(11))
    assert fields["att_02"]["engagekit:expected"] == [1, 2]
    assert schema["missingValues"] == ["", "-99"]
    assert schema["primaryKey"] == ["respondent_id"]


def test_ddi_codebook_is_well_formed_and_follows_ddi_c_25():
    xml = ddi_codebook(INST)
    root = ET.fromstring(xml)
    assert root.tag == f"{D}codeBook" and root.get("version") == "2.5"
    check_ddi_structure(root)
    variables = {v.get("name"): v for v in root.iter(f"{D}var")}
    assert set(variables) == {f["name"] for f in table_schema(INST)["fields"]}
    lits = variables["aff_04r"].findall(f"{D}qstn/{D}qstnLit")
    assert [x.get("{http://www.w3.org/XML/1998/namespace}lang") for x in lits] == [
        "en", "nl", "de", "fr"]
    assert "Reverse-keyed: score = 8 - x" in variables["aff_04r"].find(f"{D}notes").text
    cats = variables["aff_01"].findall(f"{D}catgry")
    assert [c.find(f"{D}catValu").text for c in cats] == ["1", "2", "3", "4", "5", "6", "7",
                                                          "-99"]
    assert cats[-1].get("missing") == "Y"
    groups = {g.get("ID"): g for g in root.iter(f"{D}varGrp")}
    assert groups["VG_block_relationship"].get("type") == "randomized"
    assert ddi_codebook(INST) == xml


def test_html_codebook_lists_items_reverse_keys_and_escapes(tmp_path):
    html = render_codebook_html(INST).decode()
    for item in INST.items():
        assert f"<code>{item.id}</code>" in html
    assert "reverse: score = 8 - x" in html
    assert "Helemaal mee oneens" in html and "Tout à fait d&#39;accord" in html
    bad = parse_instrument(dump_instrument(INST).replace(
        "I feel an emotional bond with {brand}.", "<script>alert(1)</script>"))
    assert "<script>alert" not in render_codebook_html(bad).decode()


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_cli_writes_the_files_deterministically(tmp_path, fmt):
    out = tmp_path / "a" / "x"
    assert main(["survey", "five_commitments", "-f", fmt, "-o", str(out) + "/"]) == 0
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    # an earlier output is replaced only with --force (then with the same bytes)
    assert main(["survey", "five_commitments", "-f", fmt, "-o", str(out) + "/"]) == 2
    assert main(["survey", "five_commitments", "-f", fmt, "-o", str(out) + "/", "--force"]) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    if fmt == "codebook":
        assert sorted(first) == ["five_commitments-codebook.html", "five_commitments.ddi.xml",
                                 "five_commitments.schema.json"]
        assert json.loads(first["five_commitments.schema.json"]) == table_schema(INST)
    if fmt == "qsf":
        assert sorted(first) == ["five_commitments.qsf", "five_commitments.qualtrics.txt"]


def test_survey_and_codebook_in_one_folder_are_both_kept(tmp_path, capsys):
    """`--format html` and `--format codebook` into one folder: two files, neither replaced;
    pointing one at the other's file is refused naming both (exit 2) unless --force."""
    out = str(tmp_path) + "/"
    assert main(["survey", "five_commitments", "-f", "html", "-o", out]) == 0
    survey = (tmp_path / "five_commitments.html").read_bytes()
    assert main(["survey", "five_commitments", "-f", "codebook", "-o", out]) == 0
    assert (tmp_path / "five_commitments.html").read_bytes() == survey
    book = (tmp_path / "five_commitments-codebook.html").read_bytes()
    assert b"<title>Codebook: " in book and b"<title>Codebook: " not in survey
    capsys.readouterr()
    target = str(tmp_path / "five_commitments.html")
    assert main(["survey", "five_commitments", "-f", "codebook", "-o", target]) == 2
    err = capsys.readouterr().err
    assert "holds the HTML survey" in err and "--format html" in err and "codebook" in err
    assert "--force" in err
    assert (tmp_path / "five_commitments.html").read_bytes() == survey
    target = str(tmp_path / "five_commitments-codebook.html")
    assert main(["survey", "five_commitments", "-f", "html", "-o", target]) == 2
    assert "holds the HTML codebook" in capsys.readouterr().err
    assert (tmp_path / "five_commitments-codebook.html").read_bytes() == book
