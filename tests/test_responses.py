"""Reading responses: the engagekit format, validation with a cleaning log, strict mode, CLI."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.responses import (
    ColumnMapError,
    ResponseFileError,
    ResponseValidationError,
    read_responses,
    write_responses,
)
from analysis.responses.simulate import simulate
from instruments import load_instrument
from reports.cli import main

DATA = Path(__file__).parent / "data"
BAD = DATA / "responses_bad.csv"
ITEMS = [i.id for i in load_instrument("five_commitments").items()]


@pytest.fixture(scope="module")
def inst():
    return load_instrument("five_commitments")


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


# ---- the engagekit format --------------------------------------------------------------------


SPEC_EXAMPLE = (
    "respondent_id,instrument_id,instrument_version,language,started_at,ended_at,display_order,"
    + ",".join(ITEMS) + "\r\n"
    + 'r0001,five_commitments,1.0.1,en,2026-11-22T10:15:03Z,2026-11-22T10:22:41Z,"[""aff_02"",'
    '""aff_01""]",' + ",".join(["5"] * 28 + ["9", "3", "1", "2", "4", "70"]) + "\r\n"
    + "r0002,five_commitments,1.0.1,nl,2026-11-22T12:02:00+01:00,2026-11-22T11:09:12Z,,"
    + ",".join(["", "-99"] + ["4"] * 26 + ["6", "3", "2", "1", "1", "12.5"]) + "\r\n")


def test_engagekit_csv_as_specified(tmp_path, inst):
    p = tmp_path / "survey.csv"
    p.write_text(SPEC_EXAMPLE, encoding="utf-8")
    d = read_responses(p, inst)
    assert d.source.format == "engagekit" and d.log == []
    assert d.ids == ["r0001", "r0002"]
    assert list(d.items.columns) == ITEMS
    assert d.items.loc["r0001", "aff_01"] == 5 and d.items.loc["r0001", "ltr"] == 9
    assert math.isnan(d.items.loc["r0002", "aff_01"])  # blank
    assert math.isnan(d.items.loc["r0002", "aff_02"])  # declared missing code -99
    assert d.source.missing_codes == {"aff_02": 1}
    assert d.items.loc["r0002", "share_of_category"] == 12.5
    m = d.meta
    assert m.loc["r0001", "display_order"] == ["aff_02", "aff_01"]
    assert m.loc["r0002", "display_order"] is None
    assert m.loc["r0002", "language"] == "nl"
    assert m.loc["r0002", "started_at"] == pd.Timestamp("2026-11-22T11:02:00Z")  # offset -> UTC
    assert m.loc["r0001", "duration_s"] == 7 * 60 + 38
    assert m.loc["r0001", "source_row"] == 2


def test_one_column_contract_for_survey_codebook_and_writer(tmp_path, inst):
    """The HTML survey, the Table Schema and the CSV writer take their columns from
    instruments.response_format; the spec's header (SPEC_EXAMPLE, written by hand) is it."""
    from instruments.response_format import META_COLUMNS, response_columns
    from instruments.survey.codebook import table_schema
    from instruments.survey.html import render_html

    cols = response_columns(inst)
    assert cols == SPEC_EXAMPLE.split("\r\n")[0].split(",")
    assert [f["name"] for f in table_schema(inst)["fields"]] == cols
    html = render_html(inst)
    assert '"columns": ' + json.dumps(cols) in html  # the survey's config (ek-config)
    p = tmp_path / "w.csv"
    write_responses(read_responses(_spec(tmp_path), inst), p, inst)
    assert p.read_bytes().decode("utf-8").split("\r\n")[0].split(",") == cols
    with pytest.warns(DeprecationWarning, match="META_COLUMNS"):
        from instruments.survey import RESPONSE_COLUMNS as old_name
    assert old_name == list(META_COLUMNS)


def _spec(tmp_path: Path) -> Path:
    p = tmp_path / "spec.csv"
    p.write_text(SPEC_EXAMPLE, encoding="utf-8")
    return p


def test_engagekit_json_is_the_same_data(tmp_path, inst):
    csv_p = tmp_path / "survey.csv"
    csv_p.write_text(SPEC_EXAMPLE, encoding="utf-8")
    a = read_responses(csv_p, inst)
    json_p = tmp_path / "survey.json"
    write_responses(a, json_p, inst)
    records = json.loads(json_p.read_text())
    assert list(records[0])[:7] == ["respondent_id", "instrument_id", "instrument_version",
                                    "language", "started_at", "ended_at", "display_order"]
    assert records[0]["display_order"] == ["aff_02", "aff_01"] and records[1]["aff_01"] is None
    b = read_responses(json_p, inst)
    assert b.source.format == "engagekit (json)" and b.log == []
    pd.testing.assert_frame_equal(a.items, b.items)
    for col in ("language", "started_at", "ended_at", "display_order"):
        assert a.meta[col].tolist() == b.meta[col].tolist()


def test_plain_item_columns_without_metadata(tmp_path, inst):
    p = tmp_path / "plain.csv"
    p.write_text("aff_01;aff_02;ltr\n4;5;10\n7;;0\n", encoding="utf-8")
    d = read_responses(p, inst)
    assert d.source.format == "csv"
    assert d.ids == ["line_2", "line_3"]  # ids from line numbers, said so in a note
    assert any("no respondent id column" in n for n in d.source.notes)
    assert d.items.loc["line_3", "ltr"] == 0
    missing = {e.item for e in d.log if e.problem == "missing_column"}
    assert missing == set(ITEMS) - {"aff_01", "aff_02", "ltr"}


def test_column_map_renames_columns(tmp_path, inst):
    p = tmp_path / "mapped.csv"
    p.write_text("id,Q1,Q2\nA,4,5\n", encoding="utf-8")
    m = tmp_path / "map.json"
    m.write_text(json.dumps({"Q1": "aff_01", "Q2": "aff_02", "id": "aff_03"}))
    d = read_responses(p, inst, column_map={"Q1": "aff_01", "Q2": "aff_02"})
    assert d.items.loc["line_2", "aff_02"] == 5
    with pytest.raises(ColumnMapError, match="unknown item ids: nope -> x"):
        read_responses(p, inst, column_map={"nope": "x"})
    with pytest.raises(ColumnMapError, match="inverted"):
        read_responses(p, inst, column_map={"aff_01": "Q1"})


# ---- every kind of bad value ---------------------------------------------------------------------

#: (row, column, item, value, problem) of every entry the bad file must produce, in order.
EXPECTED_LOG = [
    (None, "aff_05", None, None, "unknown_column"),
    (None, "comments", None, None, "unknown_column"),
    (None, None, "rec_02", None, "missing_column"),
    (3, "aff_01", "aff_01", "9", "out_of_scale"),
    (3, "aff_02", "aff_02", "agree", "non_numeric"),
    (4, "nor_01", "nor_01", "3.5", "out_of_scale"),
    (4, "ltr", "ltr", "11", "out_of_scale"),
    (4, "tenure", "tenure", "5", "out_of_scale"),
    (4, "share_of_category", "share_of_category", "150", "out_of_scale"),
    (5, "respondent_id", None, "r002", "duplicate_id"),
    (5, "language", None, "es", "unknown_language"),
    (6, "respondent_id", None, None, "missing_id"),
    (6, "started_at", None, "yesterday", "bad_timestamp"),
    (7, "instrument_version", None, "0.9.0", "wrong_version"),
    (7, "display_order", None, '["aff_01"', "bad_display_order"),
    (8, "ended_at", None, None, "end_before_start"),
    (9, "display_order", None, '["aff_01","xyz_01"]', "bad_display_order"),
    (9, "industry", "industry", "3", "out_of_scale"),
    (10, None, None, "oops", "ragged_row"),
]


def test_bad_file_gives_exactly_the_expected_cleaning_log(inst):
    before = _digest(BAD)
    d = read_responses(BAD, inst)
    got = [(e.row, e.column, e.item, e.value, e.problem) for e in d.log]
    assert got == EXPECTED_LOG
    assert _digest(BAD) == before  # the input file is never modified
    assert all(e.file == str(BAD) and e.unit == "line" for e in d.log)
    # bad values became missing, good ones were kept
    it = d.items
    assert math.isnan(it.loc["r002", "aff_01"]) and math.isnan(it.loc["r002", "aff_02"])
    assert it.loc["r002", "aff_03"] == 4
    assert math.isnan(it.loc["r003", "nor_01"]) and math.isnan(it.loc["r003", "ltr"])
    assert math.isnan(it.loc["r003", "share_of_category"])
    assert it.loc["r007", "eco_01"] == 5  # "  5 " is a number
    assert math.isnan(it.loc["r007", "hab_01"])  # "NA" is blank, not a problem
    assert math.isnan(it.loc["r007", "sat_01"])  # -99: declared missing code, not a problem
    assert it["rec_02"].isna().all()
    assert d.ids == ["r001", "r002", "r003", "r002#2", "line_6", "r006", "r007", "r008", "r009"]
    assert d.meta.loc["r002#2", "language"] is None
    assert pd.isna(d.meta.loc["line_6", "started_at"])
    assert np.isnan(d.meta.loc["r007", "duration_s"])
    assert d.meta.loc["r006", "instrument_version"] == "0.9.0"
    # messages name the file, row, column and value, and say what to do
    text = [str(e) for e in d.log]
    assert text[3] == (f"{BAD}, line 3, column 'aff_01': value 9 is not a code of scale 'agree7' "
                       "(codes 1..7, missing codes -99); set to missing (correct the value, or "
                       "declare the code in the scale's missing_codes if it means 'no answer')")
    assert "did you mean 'aff_03'?" in text[0] or "aff_05" in text[0]
    assert d.log_frame().shape == (len(EXPECTED_LOG), 11)
    # row-level entries name the respondent (the renamed duplicate by its new id)
    assert [e.respondent_id for e in d.log if e.row in (3, 5, 10)] == [
        "r002", "r002", "r002#2", "r002#2", "r009"]
    json.dumps(d.to_dict())


def test_strict_mode_raises_on_the_first_problem(inst):
    with pytest.raises(ResponseValidationError) as exc:
        read_responses(BAD, inst, strict=True)
    assert len(exc.value.problems) == len(EXPECTED_LOG)
    assert exc.value.code == exc.value.problems[0].code == "unknown_column"
    assert str(exc.value).startswith(f"{BAD}, column 'aff_05': 'aff_05' is not an item of "
                                     "five_commitments 1.0.1")
    assert "19 problems in all" in str(exc.value)


def test_strict_mode_names_the_first_value_problem(tmp_path, inst):
    p = tmp_path / "one.csv"
    p.write_text(",".join(ITEMS) + "\n" + ",".join(["4"] * 5 + ["x"] + ["4"] * 28) + "\n")
    with pytest.raises(ResponseValidationError) as exc:
        read_responses(p, inst, strict=True)
    assert str(exc.value).startswith(f"{p}, line 2, column 'nor_02': value 'x' is not a number")


def test_cli_check_lists_problems_and_strict_exits_2(capsys):
    assert main(["responses", "check", str(BAD), "-i", "five_commitments"]) == 0
    out = capsys.readouterr().out
    assert "9 respondents" in out and "19 problem(s)" in out
    assert f"{BAD}, line 4, column 'ltr': value 11 is not a code of scale 'likely11'" in out
    assert main(["responses", "check", str(BAD), "-i", "five_commitments", "--strict"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {BAD}, column 'aff_05'")
    assert "Traceback" not in err


def test_cli_check_json_and_log_file(tmp_path, capsys):
    log = tmp_path / "log.csv"
    assert main(["responses", "check", str(BAD), "-i", "five_commitments", "--json",
                 "--log", str(log)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 9 and len(out["log"]) == len(EXPECTED_LOG)
    assert len(pd.read_csv(log)) == len(EXPECTED_LOG)
    assert main(["responses", "check", str(BAD), "-i", "five_commitments", "--log",
                 str(BAD)]) == 2  # never overwrites its input


# ---- files that cannot be read -------------------------------------------------------------------


@pytest.mark.parametrize("content, code, message", [
    (b"", "file_empty", "is empty"),
    (b"\n\n  \n", "file_empty", "is empty"),
    (",".join(ITEMS).encode() + b"\n", "no_responses", "contains no responses"),
    (b"[]", "no_responses", "contains no responses"),
    (b"[1, 2]", "malformed_file", "must hold one object per respondent"),
    (b'{"a": 1}', "malformed_file", "must be a JSON list of objects"),
    (b"[{", "malformed_file", "is not valid JSON"),
    (b"aff_01\n\xff\xfe\xfa\n", "not_text", "is not utf-8 text"),
])
def test_unreadable_files_give_clear_errors(tmp_path, inst, content, code, message):
    suffix = ".json" if content[:1] in (b"[", b"{") else ".csv"
    p = tmp_path / f"bad{suffix}"
    p.write_bytes(content)
    with pytest.raises(ResponseFileError, match=message) as exc:
        read_responses(p, inst)
    assert exc.value.code == code


def test_wrong_instrument_is_refused(tmp_path, inst):
    p = tmp_path / "other.csv"
    p.write_text("respondent_id,instrument_id,aff_01\nr1,five_commitments,4\nr2,nps_only,5\n")
    with pytest.raises(ResponseFileError, match=r"line 3: the responses are for instrument "
                       "'nps_only', not 'five_commitments'") as exc:
        read_responses(p, inst)
    assert exc.value.code == "wrong_instrument"


def test_missing_paths_and_bad_options(tmp_path, inst):
    p = tmp_path / "a.csv"
    p.write_text("aff_01\n4\n")
    for path, options, code in [(tmp_path / "nope.csv", {}, "file_not_found"),
                                (tmp_path, {}, "file_not_found"),
                                (p, {"format": "sas"}, "unknown_format"),
                                (p, {"timezone": "Mars/Olympus"}, "unknown_time_zone")]:
        with pytest.raises(ResponseFileError) as exc:
            read_responses(path, inst, **options)
        assert exc.value.code == code and str(exc.value).startswith(str(path))
    with pytest.raises(ResponseFileError, match="no column 'x' to keep"):
        read_responses(p, inst, keep_columns=["x"])


def test_keep_columns_and_timezone(tmp_path, inst):
    p = tmp_path / "a.csv"
    p.write_text("respondent_id,started_at,ended_at,panel,aff_01\n"
                 "r1,2026-07-01 10:00:00,2026-07-01 10:05:00,B,4\n")
    d = read_responses(p, inst, keep_columns=["panel"], timezone="Europe/Amsterdam")
    assert d.meta.loc["r1", "panel"] == "B"
    assert d.meta.loc["r1", "started_at"] == pd.Timestamp("2026-07-01T08:00:00Z")
    assert not any(e.problem == "unknown_column" for e in d.log)


def test_simulated_subset_and_frame(inst):
    sim = simulate(inst, n=20, seed=1)
    d = sim.data
    sub = d.subset(d.ids[5:8])
    assert sub.ids == d.ids[5:8] and sub.meta.index.equals(sub.items.index)
    assert list(d.frame().columns[:6]) == ["instrument_id", "instrument_version", "language",
                                           "started_at", "ended_at", "display_order"]
