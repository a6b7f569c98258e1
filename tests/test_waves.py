"""Waves of one study (issue 19, item 1): stacking, version checks across waves, panel links
and the counts per wave and per combination of waves (analysis/responses/waves.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis.responses import read_responses, write_responses
from analysis.responses.simulate import simulate
from analysis.responses.waves import (
    WaveVersionError,
    read_wave_column,
    read_waves,
    stack_waves,
)
from instruments import load_instrument
from instruments.errors import EngagekitInputError

INST = load_instrument("five_commitments")


def _wave(seed: int, ids: list[str]):
    """A simulated wave whose respondents carry ``ids``."""
    d = simulate(INST, n=len(ids), seed=seed, straightliners=0, random_responders=0).data
    sub = d.subset(d.ids)
    for frame in (sub.items, sub.meta, sub.texts):
        frame.index = pd.Index(ids, name="respondent_id", dtype=object)
    return sub


def _panel():
    """Wave 1: p1..p10; wave 2: p1..p6 and n1..n3; wave 3: p1..p3, p7, n1, m1, m2.

    By construction: 1+2+3: p1-p3 (3); 1+2: p4-p6 (3); 1+3: p7 (1); 1 only: p8-p10 (3);
    2+3: n1 (1); 2 only: n2, n3 (2); 3 only: m1, m2 (2).
    """
    w1 = [f"p{k}" for k in range(1, 11)]
    w2 = [f"p{k}" for k in range(1, 7)] + ["n1", "n2", "n3"]
    w3 = ["p1", "p2", "p3", "p7", "n1", "m1", "m2"]
    return [_wave(s, ids) for s, ids in ((1, w1), (2, w2), (3, w3))]


def test_counts_per_wave_and_combination_are_exact():
    stack = stack_waves(_panel(), INST, labels=["2024", "2025", "2026"])
    assert stack.counts == {"2024": 10, "2025": 9, "2026": 7}
    got = {"+".join(c["waves"]): c["n"] for c in stack.combinations}
    assert got == {"2024": 3, "2024+2025": 3, "2024+2025+2026": 3, "2024+2026": 1,
                   "2025": 2, "2025+2026": 1, "2026": 2}
    # the order: by first wave, then number of waves
    assert ["+".join(c["waves"]) for c in stack.combinations] == [
        "2024", "2024+2025", "2024+2025+2026", "2024+2026", "2025", "2025+2026", "2026"]
    assert stack.panel and stack.linked
    assert stack.data.n == 26 and not stack.data.items.index.has_duplicates
    assert stack.data.meta.loc["2025:p4", "person_id"] == "p4"
    assert stack.data.meta.loc["2026:m1", "wave"] == "2026"
    assert sum(c["n"] for c in stack.combinations) == stack.person.nunique() == 15
    wide = stack.wide(stack.data.items[["aff_01"]])
    assert wide.shape == (15, 3)
    assert wide.loc["p7", ("aff_01", "2026")] == stack.data.items.loc["2026:p7", "aff_01"]
    assert pd.isna(wide.loc["p7", ("aff_01", "2025")])


def test_independent_waves_are_not_a_panel():
    w = [_wave(1, ["a1", "a2", "a3"]), _wave(2, ["b1", "b2"])]
    stack = stack_waves(w, INST)
    assert not stack.panel
    assert stack.combinations == [{"waves": ["W1"], "n": 3}, {"waves": ["W2"], "n": 2}]


def _versioned_instrument(tmp_path: Path) -> Path:
    """five_commitments as version 2.0.0 whose changelog rewords aff_02 and drops nor_03."""
    src = Path(__file__).parents[1] / "instruments" / "library" / "five_commitments.yaml"
    doc = yaml.safe_load(src.read_text(encoding="utf-8"))
    doc["version"] = "2.0.0"
    doc["changelog"].append({"version": "1.1.0", "date": "2026-12-02",
                             "changes": ["Spanish texts added."]})
    doc["changelog"].append({"version": "2.0.0", "date": "2026-12-03",
                             "changes": ["aff_02 reworded to ask about pride (answers not "
                                         "comparable); hab_03's anchors reversed."]})
    path = tmp_path / "fc2.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _write_wave(tmp_path: Path, name: str, seed: int, version: str, n: int = 40) -> Path:
    d = simulate(INST, n=n, seed=seed).data
    d.meta["instrument_version"] = version
    path = tmp_path / name
    write_responses(d, path, INST)
    return path


def test_major_version_mismatch_names_items_and_files(tmp_path):
    inst2 = load_instrument(_versioned_instrument(tmp_path))
    f1 = _write_wave(tmp_path, "spring.csv", 1, "1.0.1")
    f2 = _write_wave(tmp_path, "autumn.csv", 2, "2.0.0")
    with pytest.raises(WaveVersionError) as err:
        read_waves([f1, f2], inst2)
    msg = str(err.value)
    assert err.value.code == "wave_versions"
    assert "spring.csv" in msg and "autumn.csv" in msg
    assert "1.0.1" in msg and "2.0.0" in msg
    assert "aff_02, hab_03" in msg  # the changed items, in instrument order
    assert "nor_03" not in msg


def test_minor_version_difference_is_noted(tmp_path):
    inst2 = load_instrument(_versioned_instrument(tmp_path))
    f1 = _write_wave(tmp_path, "a.csv", 1, "1.0.1")
    f2 = _write_wave(tmp_path, "b.csv", 2, "1.1.0")
    stack = read_waves([f1, f2], inst2)
    assert any("1.0.1, 1.1.0" in n and "Spanish texts added" in n for n in stack.notes)
    assert [w.version for w in stack.waves] == ["1.0.1", "1.1.0"]


def test_files_without_ids_do_not_link(tmp_path):
    for k in (1, 2):
        (tmp_path / f"w{k}.csv").write_text("aff_01,aff_02\n6,5\n4,3\n", encoding="utf-8")
    stack = read_waves([tmp_path / "w1.csv", tmp_path / "w2.csv"], INST)
    assert not stack.linked and not stack.panel
    assert any("no respondent id column" in n for n in stack.notes)


def test_bad_wave_arguments_name_what_to_do(tmp_path):
    f = _write_wave(tmp_path, "a.csv", 1, "1.0.1", n=10)
    with pytest.raises(EngagekitInputError, match="same file is given twice"):
        read_waves([f, f], INST)
    with pytest.raises(EngagekitInputError, match="3 label"):
        read_waves([f, _write_wave(tmp_path, "b.csv", 2, "1.0.1", n=10)], INST,
                   labels=["x", "y", "z"])
    with pytest.raises(EngagekitInputError, match="two or more"):
        read_waves([f], INST)


def test_wave_column_long_panel(tmp_path):
    """One file, one row per respondent and wave (ids repeat by design, three waves, so the
    id column has fewer distinct values than half its rows); a repeat within a wave is still
    logged and not linked."""
    rows = []
    waves = {"1": ["a", "b", "c", "d"], "2": ["a", "b", "c", "e"], "10": ["a", "b", "f", "f"]}
    for w, ids in waves.items():
        for rid in ids:
            rows.append(f"{rid},{w},6,5")
    path = tmp_path / "long.csv"
    path.write_text("member,wave,aff_01,aff_02\n" + "\n".join(rows) + "\n", encoding="utf-8")
    stack = read_wave_column(path, INST, "wave", id_column="member")
    assert stack.labels == ["1", "2", "10"]  # natural order
    assert stack.counts == {"1": 4, "2": 4, "10": 4}
    got = {"+".join(c["waves"]): c["n"] for c in stack.combinations}
    # a,b: all three; c: 1+2; d: 1 only; e: 2 only; f and its repeat: 10 only (twice)
    assert got == {"1+2+10": 2, "1+2": 1, "1": 1, "2": 1, "10": 2}
    dup = [e for e in stack.data.log if e.problem == "duplicate_id"]
    assert len(dup) == 1 and dup[0].row == 13
    assert stack.waves[2].data.ids == ["a", "b", "f", "f#2"]
    # --wave-labels gives the order; a value not listed is refused
    stack = read_wave_column(path, INST, "wave", ["10", "2", "1"], id_column="member")
    assert stack.labels == ["10", "2", "1"]
    with pytest.raises(EngagekitInputError, match="not in --wave-labels"):
        read_wave_column(path, INST, "wave", ["1", "2"], id_column="member")


def test_wave_column_blank_wave_is_refused(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("respondent_id,wave,aff_01\na,1,6\nb,,5\na,2,7\n", encoding="utf-8")
    with pytest.raises(EngagekitInputError, match=r"blank on lines 3"):
        read_wave_column(path, INST, "wave")


def test_reader_still_refuses_a_grouping_column_as_id(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("club,aff_01\nA,1\nA,2\nA,3\nA,5\nB,4\n", encoding="utf-8")
    with pytest.raises(EngagekitInputError, match="distinct"):
        read_responses(path, INST, id_column="club")


def test_wave_column_links_beyond_the_logs_cap_and_counts_dropped_rows(tmp_path):
    """Three waves of the same 150 ids (300 repeats: more than the cleaning log lists one by
    one), one row that declined consent in wave 2 and one blank id in wave 3."""
    lines = []
    for w in ("1", "2", "3"):
        for k in range(150):
            rid = "" if (w == "3" and k == 7) else f"m{k}"
            consent = "0" if (w == "2" and k == 3) else "1"
            lines.append(f"{rid},{w},{consent},6,5")
    path = tmp_path / "long.csv"
    path.write_text("respondent_id,wave,consent,aff_01,aff_02\n" + "\n".join(lines) + "\n",
                    encoding="utf-8")
    stack = read_wave_column(path, INST, "wave")
    assert stack.counts == {"1": 150, "2": 149, "3": 150}
    got = {"+".join(c["waves"]): c["n"] for c in stack.combinations}
    # m3: waves 1 and 3 (declined in 2); m7: waves 1 and 2 (blank id in 3, which links nothing)
    assert got == {"1+2+3": 148, "1+3": 1, "1+2": 1, "3": 1}
    assert [w.data.source.dropped for w in stack.waves] == [{}, {"declined consent": 1}, {}]
    assert [w.data.source.n_rows for w in stack.waves] == [150, 150, 150]
    assert not [e for e in stack.data.log if e.problem == "duplicate_id"]
