"""Platform exports as they come: Qualtrics and LimeSurvey files written with choice text
("Agree") instead of codes read to the same data as the coded export, through the
instrument's anchor labels in every language; a text that is no label is a logged problem
naming row, column and text."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from analysis.responses import read_responses, write_responses
from analysis.responses.simulate import simulate
from instruments import load_instrument

LANGS = {"en": .4, "nl": .3, "de": .2, "fr": .1}


@pytest.fixture(scope="module")
def inst():
    return load_instrument("five_commitments")


@pytest.fixture(scope="module")
def sim(inst):
    return simulate(inst, n=120, seed=5, missing=.05, languages=LANGS)


def _choice_text(inst, item_id: str, code: str, lang: str, k: int) -> str:
    """What Qualtrics/LimeSurvey write for ``code`` with "choice text"/"full answers": the
    anchor label in the respondent's language (written here from the YAML, independently of
    the reader), "7 – label" on scales with only end points labelled, the number for
    unlabelled middle codes; every third one in odd case and spacing."""
    if code.strip() == "" or code.startswith("-"):
        return code
    scale = inst.item_scale(item_id)
    labels = {a.value: a.label[lang] for a in scale.anchors}
    whole = {a.value for a in scale.anchors} >= set(scale.codes)
    value = int(code)
    if value not in labels:
        return code
    text = labels[value] if whole else f"{value} – {labels[value]}"
    if k % 3 == 0:
        text = "  " + text.upper().replace(" ", "  ") + " "
    return text


def _relabel(path: Path, inst, header_rows: int, lang_col: str, to_lang=None,
             columns=None) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    head = rows[0]
    columns = columns or {i.id: i.id for i in inst.items()}
    items = {j: columns[c] for j, c in enumerate(head) if c in columns}
    lang_j = head.index(lang_col)
    for k, row in enumerate(rows[header_rows:]):
        lang = (row[lang_j] or inst.default_language).lower() if to_lang is None else to_lang
        for j, item_id in items.items():
            if inst.item_scale(item_id).anchors:
                row[j] = _choice_text(inst, item_id, row[j], lang, k + j)
    return rows


def _write(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def test_qualtrics_choice_text_reads_as_the_coded_export(tmp_path, inst, sim):
    coded = tmp_path / "coded.csv"
    write_responses(sim.data, coded, inst, format="qualtrics")
    rows = _relabel(coded, inst, 3, "UserLanguage")
    texts = tmp_path / "choice_text.csv"
    _write(texts, rows)
    assert "Agree" in texts.read_text() or "Mee eens" in texts.read_text()
    a = read_responses(coded, inst)
    b = read_responses(texts, inst)
    assert b.source.format == "qualtrics"
    pd.testing.assert_frame_equal(a.items, b.items)
    assert b.log == a.log == []
    assert any("choice text" in n for n in b.source.notes)


def test_limesurvey_full_answers_read_as_the_coded_export(tmp_path, inst, sim):
    coded = tmp_path / "coded.csv"
    # LimeSurvey headings are question codes such as relationship[aff01]
    cmap = write_responses(sim.data, coded, inst, format="limesurvey")
    rows = _relabel(coded, inst, 1, "startlanguage", columns=cmap)
    assert any("[" in c for c in cmap)
    texts = tmp_path / "full_answers.csv"
    _write(texts, rows)
    a = read_responses(coded, inst)
    b = read_responses(texts, inst)
    assert b.source.format == "limesurvey"
    pd.testing.assert_frame_equal(a.items, b.items)
    assert b.log == []


def test_labels_of_any_language_in_any_row(tmp_path, inst, sim):
    """The label language need not be the row's language: every declared language is tried."""
    coded = tmp_path / "coded.csv"
    write_responses(sim.data, coded, inst, format="qualtrics")
    texts = tmp_path / "fr.csv"
    _write(texts, _relabel(coded, inst, 3, "UserLanguage", to_lang="fr"))
    pd.testing.assert_frame_equal(read_responses(coded, inst).items,
                                  read_responses(texts, inst).items)


def test_a_text_that_is_no_label_is_logged_with_row_column_and_text(tmp_path, inst, sim):
    coded = tmp_path / "coded.csv"
    write_responses(sim.data, coded, inst, format="qualtrics")
    rows = _relabel(coded, inst, 3, "UserLanguage")
    j = rows[0].index("aff_02")
    rows[5][j] = "Agre"  # line 6 of the file
    texts = tmp_path / "typo.csv"
    _write(texts, rows)
    b = read_responses(texts, inst)
    bad = [e for e in b.log if e.problem == "unknown_label"]
    assert len(bad) == 1 and len(b.log) == 1
    e = bad[0]
    assert (e.row, e.column, e.item, e.value) == (6, "aff_02", "aff_02", "Agre")
    assert "'Agre'" in str(e) and "anchor label" in e.message and "Strongly disagree" in e.message
    assert pd.isna(b.items["aff_02"].iloc[2])
    with pytest.raises(Exception, match="Agre"):
        read_responses(texts, inst, strict=True)


def test_plain_csv_still_wants_codes(tmp_path, inst):
    """Only platform exports (which offer choice text) are read through labels."""
    p = tmp_path / "plain.csv"
    p.write_text("respondent_id,aff_01\nr1,Agree\n", encoding="utf-8")
    d = read_responses(p, inst)
    assert [e.problem for e in d.log if e.item == "aff_01"] == ["non_numeric"]


def test_declined_consent_as_choice_text_is_dropped(tmp_path, inst, sim):
    coded = tmp_path / "coded.csv"
    write_responses(sim.data, coded, inst, format="qualtrics")
    rows = _relabel(coded, inst, 3, "UserLanguage")
    rows[0].append("consent")
    rows[1].append("Consent")
    rows[2].append('{"ImportId":"QID99"}')
    for k, row in enumerate(rows[3:]):
        row.append("Ik wil niet meedoen" if k == 1 else "I agree to take part")
    texts = tmp_path / "consent.csv"
    _write(texts, rows)
    d = read_responses(texts, inst)
    assert d.source.dropped == {"declined consent": 1} and d.n == len(sim.data.items) - 1


GYM = Path(__file__).parent / "fixtures" / "gym"


def test_gym_qualtrics_choice_text_reads_to_the_coded_data():
    """Issue 17's gym study: the choice-text export gives exactly the coded export's data."""
    kw = {"column_map": GYM / "qualtrics_map.json"}
    codes = read_responses(GYM / "qualtrics_codes.csv", GYM / "gym.yaml", **kw)
    texts = read_responses(GYM / "qualtrics_text.csv", GYM / "gym.yaml", **kw)
    assert texts.n == codes.n == 300 and texts.items.shape[1] == 19
    pd.testing.assert_frame_equal(codes.items, texts.items)
    assert texts.log == codes.log == []
    assert texts.items.notna().sum().sum() > 5000
