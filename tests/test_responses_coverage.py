"""A file that does not hold the instrument's items fails (exit 2) instead of "reading" as all
missing: `responses check`, strict reading and `run` name the items expected, the columns
found instead (with close matches) and the columns whose values cannot be read."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from analysis.responses import ResponseFileError, read_responses
from analysis.responses.coverage import item_coverage
from instruments import load_instrument
from reports.cli import main

GYM = Path(__file__).parent / "fixtures" / "gym"
INST = GYM / "gym.yaml"


@pytest.fixture(scope="module")
def members() -> list[list[str]]:
    return list(csv.reader(io.StringIO((GYM / "members.csv").read_text(encoding="utf-8"))))


def _write(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _rename(rows, n_items: int, new=lambda c: f"Q_{c}"):
    """The members file with the first ``n_items`` item columns renamed."""
    items = [c for c in rows[0] if c not in ("member_id", "club")]
    gone = set(items[:n_items])
    return [[new(c) if c in gone else c for c in rows[0]], *rows[1:]], items


def test_zero_of_n_items_exits_2_naming_expected_and_found(tmp_path, members, capsys):
    rows, items = _rename(members, 19)
    p = _write(tmp_path / "renamed.csv", rows)
    assert main(["responses", "check", str(p), "-i", str(INST)]) == 2
    err = capsys.readouterr().err
    assert "none of the 19 items of gym" in err
    assert "expected columns named by item id: aff_1, aff_2" in err
    assert "'Q_aff_1' (item aff_1?)" in err and "'member_id'" in err and "--column-map" in err
    with pytest.raises(ResponseFileError, match="none of the 19 items") as e:
        read_responses(p, INST, strict=True)
    assert e.value.code == "items_not_read"


def test_under_half_exits_2_and_half_passes(tmp_path, members, capsys):
    rows, items = _rename(members, 10)  # 9 of 19 read
    p = _write(tmp_path / "ten.csv", rows)
    assert main(["responses", "check", str(p), "-i", str(INST)]) == 2
    err = capsys.readouterr().err
    assert "only 9 of the 19 items" in err and "fewer than half" in err
    assert all(f"'Q_{i}' (item {i}?)" in err for i in items[:10])
    rows, _ = _rename(members, 9)  # 10 of 19 read: a partial file, checked item by item
    p = _write(tmp_path / "nine.csv", rows)
    assert main(["responses", "check", str(p), "-i", str(INST)]) == 0
    assert "no column for item aff_1" in capsys.readouterr().out


def test_values_that_are_neither_codes_nor_labels(tmp_path, members, capsys):
    """Columns found, values unreadable: said so, not blamed on the column names."""
    rows = [list(r) for r in members]
    items = [j for j, c in enumerate(rows[0]) if c not in ("member_id", "club")]
    for r in rows[1:]:
        for j in items:
            r[j] = {"": ""}.get(r[j], f"option {r[j]}")
    p = _write(tmp_path / "texts.csv", rows)
    inst = load_instrument(INST)
    cov = item_coverage(read_responses(p, inst), inst)
    assert cov.read == [] and cov.no_column == [] and len(cov.unreadable) == 19
    assert main(["responses", "check", str(p), "-i", str(INST)]) == 2
    err = capsys.readouterr().err
    assert "neither codes nor anchor labels" in err and "'aff_1' (item aff_1, e.g. 'option" in err
    assert "No column" not in err
    assert main(["run", str(p), "-i", str(INST), "-o", str(tmp_path / "out"),
                 "--boot", "0", "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert "neither codes nor anchor labels" in err and "name the columns" not in err
    assert not (tmp_path / "out").exists()


def test_run_names_the_path_of_an_own_instrument(tmp_path, members, capsys):
    rows, _ = _rename(members, 19)
    p = _write(tmp_path / "renamed.csv", rows)
    assert main(["run", str(p), "-i", str(INST), "-o", str(tmp_path / "out"),
                 "--boot", "0", "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert "none of the 19 items" in err
    assert f"--instrument {INST}`" in err and "--instrument gym`" not in err


def test_the_gym_qualtrics_export_without_its_map(capsys):
    p = GYM / "qualtrics_text.csv"
    assert main(["responses", "check", str(p), "-i", str(INST)]) == 2
    err = capsys.readouterr().err
    assert "none of the 19 items" in err and "'Q1_1'" in err
    assert main(["responses", "check", str(p), "-i", str(INST), "--column-map",
                 str(GYM / "qualtrics_map.json")]) == 0
