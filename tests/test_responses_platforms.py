"""Platform formats: simulate -> write in each platform's layout -> read back -> identical data;
realistic export fixtures (Qualtrics, LimeSurvey, SurveyJS, SPSS) read through the codebook."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.responses import ResponseFileError, read_responses, write_responses
from analysis.responses.simulate import simulate
from analysis.responses.writers import write_qualtrics
from instruments import load_instrument

DATA = Path(__file__).parent / "data"
META_ALL = ["language", "started_at", "ended_at", "display_order", "duration_s"]


@pytest.fixture(scope="module")
def inst():
    return load_instrument("five_commitments")


@pytest.fixture(scope="module")
def sim(inst):
    return simulate(inst, n=150, seed=31, straightliners=.05, random_responders=.05,
                    missing=.06, languages={"en": .5, "nl": .3, "de": .2})


def _same(back, data, meta=META_ALL):
    assert back.ids == data.ids
    pd.testing.assert_frame_equal(back.items, data.items, check_index_type=False)
    for col in meta:
        assert back.meta[col].tolist() == data.meta[col].tolist(), col


# ---- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, name, detected, meta", [
    ("engagekit", "r.csv", "engagekit", META_ALL),
    ("engagekit", "r.json", "engagekit (json)", META_ALL),
    ("tsv", "r.tsv", "engagekit (tsv)", META_ALL),
    ("excel", "r.xlsx", "engagekit (excel)", META_ALL),
    ("parquet", "r.parquet", "engagekit (parquet)", META_ALL),
    ("spss", "r.sav", "engagekit (spss)", META_ALL),
    ("qualtrics", "r.csv", "qualtrics", ["language", "started_at", "ended_at", "duration_s"]),
    ("limesurvey", "r.csv", "limesurvey", ["language", "started_at", "ended_at"]),
    ("surveyjs", "r.json", "surveyjs", META_ALL),
])
@pytest.mark.parametrize("missing", ["blank", "code"])
def test_round_trip(tmp_path, inst, sim, fmt, name, detected, meta, missing):
    p = tmp_path / name
    write_responses(sim.data, p, inst, format=fmt, missing=missing)
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    back = read_responses(p, inst)  # format detected
    assert back.source.format == detected
    assert back.log == [], back.summary()
    _same(back, sim.data, meta)
    n_missing = int(sim.data.items.isna().sum().sum())
    assert sum(back.source.missing_codes.values()) == (n_missing if missing == "code" else 0)
    assert hashlib.sha256(p.read_bytes()).hexdigest() == digest  # input never modified


def test_plain_item_columns_in_every_container(tmp_path, inst, sim):
    """CSV/TSV/Excel/Parquet with item-id columns only (no metadata)."""
    plain = sim.data.items.reset_index(drop=True)
    for name in ("p.csv", "p.tsv", "p.xlsx", "p.parquet"):
        p = tmp_path / name
        if name.endswith(".csv"):
            plain.to_csv(p, index=False)
        elif name.endswith(".tsv"):
            plain.to_csv(p, index=False, sep="\t")
        elif name.endswith(".xlsx"):
            plain.to_excel(p, index=False)
        else:
            plain.to_parquet(p, index=False)
        back = read_responses(p, inst)
        assert back.log == []
        np.testing.assert_array_equal(back.items.to_numpy(), plain.to_numpy())


def test_qualtrics_preview_and_test_rows_are_dropped_and_counted(tmp_path, inst, sim):
    ids = sim.data.ids
    status = {ids[0]: "Survey Preview", ids[3]: "Survey Test"}
    channel = {ids[7]: "preview"}
    p = tmp_path / "q.csv"
    cmap = write_qualtrics(sim.data, p, inst, names="qualtrics", timezone="America/Denver",
                           status=status, channel=channel)
    back = read_responses(p, inst, column_map=cmap)
    key = "preview/test responses (Status or DistributionChannel)"
    assert back.source.dropped == {key: 3}
    assert back.source.dropped_rows[key] == [4, 7, 11]  # data start on line 4
    assert "dropped 3 (preview/test responses" in back.summary()
    kept = sim.data.subset([i for i in ids if i not in {ids[0], ids[3], ids[7]}])
    _same(back, kept, ["language", "started_at", "ended_at"])  # Denver times -> UTC
    assert back.log == []
    # without the map, Q-style names are not item ids: every QID column is reported
    unmapped = read_responses(p, inst)
    assert {e.problem for e in unmapped.log} == {"unknown_column", "missing_column"}


def test_limesurvey_underscore_style(tmp_path, inst, sim):
    p = tmp_path / "l.csv"
    cmap = write_limesurvey_underscore(sim, inst, p)
    assert any("_" in c and "[" not in c for c in cmap)
    back = read_responses(p, inst, format="limesurvey")
    assert back.log == []
    _same(back, sim.data, ["language", "started_at", "ended_at"])


def write_limesurvey_underscore(sim, inst, p):
    return write_responses(sim.data, p, inst, format="limesurvey", style="underscore")


def test_surveyjs_absent_rows_and_no_metadata(tmp_path, inst, sim):
    p = tmp_path / "s.json"
    write_responses(sim.data, p, inst, format="surveyjs", with_meta=False)
    records = json.loads(p.read_text())
    # an unanswered matrix row is absent, not null
    rid = next(k for k, row in enumerate(sim.data.items.itertuples()) if pd.isna(row.aff_01))
    assert "aff_01" not in records[rid]["relationship"]
    back = read_responses(p, inst)
    assert back.ids[:2] == ["record_1", "record_2"]
    np.testing.assert_array_equal(back.items.to_numpy(), sim.data.items.to_numpy())


# ---- realistic export fixtures -------------------------------------------------------------------


def test_qualtrics_export_fixture(inst):
    p = DATA / "responses_qualtrics.csv"
    before = p.read_bytes()
    d = read_responses(p, inst, column_map=DATA / "responses_qualtrics_map.json")
    assert p.read_bytes() == before
    assert d.source.format == "qualtrics"
    assert d.source.dropped == {"preview/test responses (Status or DistributionChannel)": 2}
    assert d.ids == ["R_1a2B3c4D5e6F7g8", "R_2b3C4d5E6f7G8h9", "R_3c4D5e6F7g8H9i0"]
    assert d.items.loc["R_1a2B3c4D5e6F7g8", ["aff_01", "aff_02", "aff_03", "aff_04r"]] \
        .tolist() == [6, 5, 6, 2]
    assert d.items.loc["R_1a2B3c4D5e6F7g8", "ltr"] == 9
    assert pd.isna(d.items.loc["R_2b3C4d5E6f7G8h9", "aff_02"])  # -99 seen but unanswered
    assert d.source.missing_codes == {"aff_02": 1}
    assert d.meta.loc["R_3c4D5e6F7g8H9i0", "language"] == "nl"
    # Amsterdam local time (CET in November) -> UTC
    assert d.meta.loc["R_1a2B3c4D5e6F7g8", "started_at"] == pd.Timestamp("2026-11-23T08:14:02Z")
    assert d.meta.loc["R_1a2B3c4D5e6F7g8", "duration_s"] == 412
    assert d.meta.loc["R_3c4D5e6F7g8H9i0", "finished"] is False
    assert "Q_RecaptchaScore" in d.source.ignored_columns
    problems = [(e.row, e.column, e.problem) for e in d.log]
    assert problems == [(None, "Q9_TEXT", "unknown_column")]
    # line 7 (Q2_3 = aff_03) has the choice text "Somewhat agree": read through the anchor label
    assert d.items.loc[d.meta.index[d.meta["source_row"] == 7][0], "aff_03"] == 5
    assert any("choice text" in n for n in d.source.notes)


def test_limesurvey_export_fixture(inst):
    d = read_responses(DATA / "responses_limesurvey.csv", inst)
    assert d.source.format == "limesurvey"
    assert d.ids == ["1", "2", "3"]
    assert d.items.loc["1", ["aff_01", "aff_04r", "ltr", "share_of_category"]].tolist() == \
        [5, 3, 8, 70]
    assert d.meta.loc["3", "finished"] is False and pd.isna(d.meta.loc["3", "ended_at"])
    assert d.meta.loc["2", "language"] == "de"
    assert any("1980-01-01 00:00:00" in n for n in d.source.notes)
    assert pd.isna(d.meta.loc["2", "started_at"])
    assert [(e.column, e.problem) for e in d.log] == [("relationship[other]", "unknown_column"),
                                                      ("relationship[aff01]", "out_of_scale")]


def test_surveyjs_result_fixture(inst):
    d = read_responses(DATA / "responses_surveyjs.json", inst,
                       column_map={"intentions.rep1": "rep_01"})
    assert d.source.format == "surveyjs"
    assert d.items.loc["record_1", ["aff_01", "sat_01", "ltr"]].tolist() == [6, 8, 10]
    assert pd.isna(d.items.loc["record_2", "aff_02"])  # absent matrix row
    assert d.items.loc["record_2", "rep_01"] == 3  # mapped through "intentions.rep1"
    assert [(e.row, e.column, e.problem) for e in d.log] == [
        (None, "comment", "unknown_column"), (2, "relationship.aff_03", "non_numeric")]


def test_spss_value_labels_and_user_missing(tmp_path, inst, sim):
    import pyreadstat

    small = sim.data.subset(sim.data.ids[:20])
    df = small.frame().reset_index()
    df["display_order"] = df["display_order"].map(lambda x: json.dumps(x) if x else "")
    for c in ("started_at", "ended_at"):
        df[c] = df[c].map(lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"))
    df = df.drop(columns=["duration_s", "finished", "source_row"], errors="ignore")
    df.loc[2, "aff_01"] = 98.0  # a "don't know" code the instrument does not declare
    labels = {"aff_01": {1.0: "Strongly disagree", 7.0: "Strongly agree", 98.0: "Don't know"},
              "aff_02": {1.0: "Strongly disagree", 7.0: "Strongly agree", 9.0: "Nine?"}}
    p = tmp_path / "labels.sav"
    pyreadstat.write_sav(df, str(p), variable_value_labels=labels,
                         missing_ranges={"aff_01": [98.0]})
    d = read_responses(p, inst)
    got = [(e.column, e.problem, e.value) for e in d.log]
    assert got == [("aff_01", "user_missing", "98"), ("aff_02", "value_label", "9")]
    assert pd.isna(d.items.loc[small.ids[2], "aff_01"])
    assert str(d.log[1]) .startswith(f"{p}, column 'aff_02': value label 9 'Nine?' is not a "
                                     "code of scale 'agree7'")


def test_format_can_be_forced_and_mismatch_is_clear(tmp_path, inst, sim):
    p = tmp_path / "r.csv"
    write_responses(sim.data, p, inst)
    assert read_responses(p, inst, format="csv").n == 150
    with pytest.raises(ResponseFileError, match="Qualtrics"):
        read_responses(p, inst, format="qualtrics")
    with pytest.raises(ResponseFileError, match="SPSS"):
        read_responses(p, inst, format="spss")
    with pytest.raises(ResponseFileError, match="Excel"):
        read_responses(p, inst, format="excel")
    with pytest.raises(ResponseFileError, match="Parquet"):
        read_responses(p, inst, format="parquet")


# ---- fields the engagekit survey generators add ----------------------------------------------------


@pytest.mark.parametrize("fmt, suffix, yes, no", [
    ("limesurvey", ".csv", "Y", "N"), ("qualtrics", ".csv", "1", "0"),
    ("surveyjs", ".json", True, False)])
def test_declined_consent_is_dropped_and_counted(tmp_path, inst, sim, fmt, suffix, yes, no):
    """The LimeSurvey/Qualtrics/SurveyJS surveys engagekit generates ask for consent first;
    those who decline have no answers. They are dropped and counted, and the placeholder value
    column (brand) is ignored."""
    small = sim.data.subset(sim.data.ids[:6])
    p = tmp_path / f"c{suffix}"
    write_responses(small, p, inst, format=fmt)
    declined = small.ids[2]
    if fmt == "surveyjs":
        records = json.loads(p.read_text())
        for k, rec in enumerate(records):
            rec["consent"] = no if k == 2 else yes
            rec["brand"] = "Acme"
            if k == 2:
                for key in list(rec):
                    if key not in ("respondent_id", "consent", "brand"):
                        del rec[key]
        p.write_text(json.dumps(records))
        row = 3
    else:
        import csv as _csv

        lines = list(_csv.reader(p.read_text(encoding="utf-8-sig").splitlines()))
        header_rows = 3 if fmt == "qualtrics" else 1
        lines[0] += ["consent", "brand"]
        for extra in range(1, header_rows):
            lines[extra] += ["consent", "brand"] if extra == 1 else [
                '{"ImportId":"QID99"}', '{"ImportId":"brand"}']
        for k, line in enumerate(lines[header_rows:]):
            line += [no if k == 2 else yes, "Acme"]
        lines[header_rows + 2] = [c if j < 17 or fmt != "qualtrics" else ""
                                  for j, c in enumerate(lines[header_rows + 2][:-2])] + [no, "Acme"]
        buf = io.StringIO()
        _csv.writer(buf, lineterminator="\n").writerows(lines)
        p.write_text(buf.getvalue(), encoding="utf-8")
        row = header_rows + 3
    back = read_responses(p, inst, format=fmt)
    assert back.source.dropped == {"declined consent": 1}
    assert back.source.dropped_rows["declined consent"] == [row]
    assert declined not in back.ids and back.n == 5
    assert back.log == [] and "consent" in back.source.ignored_columns
    assert "brand" in back.source.ignored_columns


def test_reads_the_html_survey_output(tmp_path, inst):
    """The standalone HTML survey writes the engagekit format (instruments.survey.responses)."""
    from instruments.survey.responses import responses_csv, responses_json, sample_responses

    rows = sample_responses(inst, n=25, seed=3)
    for name, text in (("h.csv", responses_csv(inst, rows)), ("h.json", responses_json(rows))):
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        d = read_responses(p, inst, strict=True)
        assert d.n == 25 and d.source.format.startswith("engagekit")
        assert d.meta["display_order"].map(len).eq(len(inst.items())).all()
        expected = [[float("nan") if r[i] is None or r[i] in (-99,) else float(r[i])
                     for i in d.items.columns] for r in rows]
        np.testing.assert_array_equal(d.items.to_numpy(), np.array(expected))
