"""Translation sheets: export every text, import edits back into a copy, report missing,
changed, unknown and out-of-date rows; bad sheets exit 2 with a message."""

from __future__ import annotations

import csv
import io

from instruments import load_instrument
from instruments.loader import load_instrument as load
from instruments.survey.translations import export_sheet, texts
from instruments.ui import ui_keys
from reports.cli import main

INST = load_instrument("five_commitments")


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _write(path, rows, fieldnames):
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fieldnames)
        w.writeheader()
        w.writerows(rows)


def test_export_has_every_text_and_the_workflow_columns():
    text = export_sheet(INST)
    assert text.startswith("\ufeffkind,id,en,nl,nl:back_translation,nl:status,nl:reviewer_note")
    rows = _rows(text)
    # the respondent-facing texts, then construct names and definitions, then the interface
    assert len(rows) == len(list(texts(INST))) + 2 * len(INST.constructs) + len(ui_keys())
    assert [r["kind"] for r in rows[-len(ui_keys()):]] == ["ui"] * len(ui_keys())
    items = {r["id"]: r for r in rows if r["kind"] == "item"}
    assert set(items) == {i.id for i in INST.items()}
    assert items["aff_01"]["en"] == "I feel an emotional bond with {brand}."
    assert items["aff_01"]["de"] == "{brand} liegt mir emotional am Herzen."
    assert items["aff_01"]["fr:status"] == "draft"
    assert {r["id"] for r in rows if r["kind"] == "anchor"} >= {"agree7.1", "likely11.10"}
    assert export_sheet(INST) == text


def test_unchanged_sheet_round_trips_to_the_same_instrument(tmp_path):
    sheet = tmp_path / "s.csv"
    out = tmp_path / "copy.yaml"
    assert main(["translations", "export", "five_commitments", "-o", str(sheet)]) == 0
    assert main(["translations", "import", str(sheet), "--instrument", "five_commitments",
                 "-o", str(out)]) == 0
    assert load(out) == INST


def test_import_applies_edits_and_reports(tmp_path, capsys):
    rows = _rows(export_sheet(INST))
    fields = list(rows[0])
    for r in rows:
        if r["id"] == "aff_01":
            r["nl"] = "Ik voel een sterke emotionele band met {brand}."
            r["nl:back_translation"] = "I feel a strong emotional bond with {brand}."
            r["nl:reviewer_note"] = "'sterke' added on purpose"
        if r["id"] == "aff_02":
            r["de"] = ""
        if r["id"] == "aff_03":
            r["en"] = "Some older source text"
        r["nl:status"] = "reviewed"
    rows = [r for r in rows if r["id"] != "nor_01"]
    rows.append({**rows[-1], "kind": "item", "id": "no_such_item"})
    sheet = tmp_path / "s.csv"
    _write(sheet, rows, fields)
    out = tmp_path / "copy.yaml"
    code = main(["translations", "import", str(sheet), "-i", "five_commitments", "-o", str(out)])
    msg = capsys.readouterr().out
    assert code == 0
    copy = load(out)
    assert copy.item("aff_01").text["nl"] == "Ik voel een sterke emotionele band met {brand}."
    assert copy.item("aff_02").text["de"] == INST.item("aff_02").text["de"]  # kept
    assert copy.item("aff_03").text["en"] == INST.item("aff_03").text["en"]  # source never changes
    assert {lang.code: lang.status.value for lang in copy.languages}["nl"] == "reviewed"
    assert "changed: 1 text(s): item aff_01 [nl]" in msg
    assert "missing (empty in the sheet; kept from the instrument): item aff_02 [de]" in msg
    assert "not in the sheet (kept from the instrument): item nor_01" in msg
    assert "unknown rows (ignored; not texts of this instrument): row" in msg
    assert "source text differs from the instrument" in msg and "item aff_03" in msg
    assert "language nl: status set to reviewed" in msg


def test_formula_like_cells_are_protected_and_restored(tmp_path):
    inst = INST.model_copy(deep=True)
    inst.item("aff_01").text["nl"] = "=HYPERLINK(\"http://x\") {brand}"
    rows = _rows(export_sheet(inst))
    cell = next(r["nl"] for r in rows if r["id"] == "aff_01")
    assert cell.startswith("'=HYPERLINK")
    from instruments.survey.translations import import_sheet
    sheet = tmp_path / "s.csv"
    sheet.write_text(export_sheet(inst), encoding="utf-8")
    copy, _ = import_sheet(INST, sheet)
    assert copy.item("aff_01").text["nl"] == "=HYPERLINK(\"http://x\") {brand}"


def test_bad_sheets_exit_2_with_a_message(tmp_path, capsys):
    cases = {
        "nocols.csv": "foo,bar\n1,2\n",
        "lang.csv": "kind,id,en,es\nitem,aff_01,x,y\n",
        "status.csv": "kind,id,en,nl,nl:status\nitem,aff_01,x,y,finished\n",
        "dup.csv": "kind,id,en,nl\nitem,aff_01,x,y\nitem,aff_01,x,y\n",
    }
    expected = {
        "nocols.csv": "missing column(s) kind, id, en",
        "lang.csv": "column(s) es are not languages of 'five_commitments'",
        "status.csv": "status 'finished' for nl is not one of",
        "dup.csv": "dup.csv:3: item aff_01 appears twice",
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        code = main(["translations", "import", str(path), "-i", "five_commitments", "-o",
                     str(tmp_path / "o.yaml")])
        err = capsys.readouterr().err
        assert code == 2, name
        assert expected[name] in err and "Traceback" not in err, (name, err)
    assert main(["translations", "import", str(tmp_path / "none.csv"), "-i",
                 "five_commitments", "-o", str(tmp_path / "o.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_a_translation_without_the_placeholder_is_reported(tmp_path, capsys):
    sheet = tmp_path / "s.csv"
    sheet.write_text("kind,id,en,nl\nitem,aff_01,I feel an emotional bond with {brand}.,"
                     "Zonder placeholder\n", encoding="utf-8")
    assert main(["translations", "import", str(sheet), "-i", "five_commitments", "-o",
                 str(tmp_path / "o.yaml")]) == 0
    assert "placeholders such as {brand} differ from the source text (check these " \
           "translations): item aff_01 [nl]" in capsys.readouterr().out
