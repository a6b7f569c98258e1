"""The hostile-input corpus (:mod:`corpus`) through the command line.

Every case must: end with its exit code (2 for input engagekit refuses; 0 where a careful
reader copes, with the problem logged), name the file, print no traceback and no "internal
error", leave every input byte-identical, account for every respondent of the response file
(rows read = dropped + analysed, each dropped row logged; run: + excluded, balanced in
results.json and cleaning_log.csv), and write no live spreadsheet formula into any CSV, TSV,
TXT or XLSX file. Bombs must also return within their (loose) time bound.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sys
import time
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from corpus import KINDS, Case, build, cases  # noqa: E402

from analysis.responses import read_responses  # noqa: E402
from instruments.spreadsheet import FORMULA_START  # noqa: E402
from reports.cli import main  # noqa: E402

CASES = cases()
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _digests(folder: Path) -> dict[str, str]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_symlink():
            h = hashlib.sha256()
            if p.stat().st_size > 1 << 26:  # sparse bombs: size and the first MB
                with open(p, "rb") as fh:
                    h.update(fh.read(1 << 20))
                h.update(str(p.stat().st_size).encode())
            else:
                h.update(p.read_bytes())
            out[str(p.relative_to(folder))] = h.hexdigest()
        elif p.is_symlink():
            out[str(p.relative_to(folder))] = "-> " + str(p.readlink())
    return out


def live_formulas(path: Path) -> list[str]:
    """Cells of a file engagekit wrote that a spreadsheet would run as a formula."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return [n for n in z.namelist() if n.startswith("xl/worksheets/")
                    and b"<f>" in z.read(n)]
    if suffix not in {".csv", ".tsv", ".txt"}:
        return []
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if suffix == ".txt":
        cells = [c for line in text.splitlines() for c in line.split("\t")]
    else:
        cells = [c for row in csv.reader(io.StringIO(text, newline="")) for c in row]
    return [c for c in cells if c[:1] and c.startswith(FORMULA_START) and not _NUMBER.match(c)]


def _account(case: Case, folder: Path, out: str) -> None:
    """Every data row of the response file: read, or dropped and logged."""
    f = folder / case.response_file
    data = read_responses(f, "five_commitments")
    s = data.source
    assert s.n_rows == case.respondents, (s.n_rows, case.respondents)
    assert data.n + sum(s.dropped.values()) == s.n_rows
    dropped = data.dropped_entries()
    assert len(dropped) == sum(s.dropped.values())
    assert all(e.problem == "row_dropped" and e.row for e in dropped)
    results = folder / "out" / "results.json"
    if case.argv[0] == "run" and results.exists():
        a = json.loads(results.read_text())["data"]["accounting"]
        assert a["balanced"] and a["rows_read"] == case.respondents
        assert a["n_dropped"] + a["n_excluded"] + a["n_analysed"] == case.respondents
        assert all(ex["rules"] and ex["respondent_id"] for ex in a["excluded"])
        with open(folder / "out" / "cleaning_log.csv", newline="", encoding="utf-8") as fh:
            log = list(csv.DictReader(fh))
        kinds = [r["problem"] for r in log]
        assert kinds.count("excluded") == a["n_excluded"]
        assert kinds.count("row_dropped") == a["n_dropped"]
        assert kinds.count("rows_accounted") == 1
        with open(folder / "out" / "scored.csv", newline="", encoding="utf-8") as fh:
            scored = list(csv.DictReader(fh))
        assert len(scored) == a["n_excluded"] + a["n_analysed"]  # every respondent read
        assert f"= {a['n_dropped']} dropped + {a['n_excluded']} excluded" in out


@pytest.fixture(scope="module", autouse=True)
def _warm():
    main(["instruments", "list"])  # imports first, so bombs are timed, not the imports


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Case, tmp_path: Path, capsys):
    build(case, tmp_path)
    before = _digests(tmp_path)
    argv = [a.format(d=tmp_path) for a in case.argv]
    capsys.readouterr()
    t0 = time.perf_counter()
    code = main(argv)
    seconds = time.perf_counter() - t0
    cap = capsys.readouterr()
    text = cap.out + cap.err
    assert code == case.code, f"exit {code}, expected {case.code}:\n{text[-3000:]}"
    assert "Traceback" not in text and "internal error" not in text
    name = case.names if case.names or case.code == 0 else next(iter(case.files), "")
    if name:
        assert name in text, f"{name!r} not named:\n{text[-2000:]}"
    if case.message:
        assert case.message in text, f"{case.message!r} not in:\n{text[-2000:]}"
    after = _digests(tmp_path)
    assert {k: after.get(k) for k in before} == before, "an input changed"
    if case.code == 2:
        assert set(after) == set(before), f"wrote {set(after) - set(before)} although refused"
    for written in set(after) - set(before):
        live = live_formulas(tmp_path / written)
        assert not live, f"{written}: live formula cells {live[:3]}"
    if case.seconds is not None:
        assert seconds < case.seconds, f"{seconds:.1f} s"
    if case.respondents is not None:
        _account(case, tmp_path, text)


def test_every_kind_has_cases():
    kinds = {c.kind for c in CASES}
    assert kinds == set(KINDS)
    assert len(CASES) >= 80
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))


def test_engagekit_reads_its_guarded_cells_back_to_the_original(tmp_path):
    """Ids engagekit writes guarded into CSV (and as text cells into XLSX) read back exactly."""
    from corpus import PAYLOADS, _edit

    from analysis.responses import write_responses

    def inject(rows):
        for k, p in enumerate(PAYLOADS, start=1):
            rows[k][0] = p
    src = tmp_path / "inj.csv"
    src.write_text(_edit(120, inject), encoding="utf-8", newline="")
    first = read_responses(src, "five_commitments")
    # as read: stripped; a cell that already had the guard's apostrophe reads without it
    assert first.ids[:len(PAYLOADS)] == [p.strip() for p in PAYLOADS[:-1]] + [PAYLOADS[-1][1:]]
    for name in ("back.csv", "back.tsv", "back.xlsx"):
        fmt = {"csv": "csv", "tsv": "tsv", "xlsx": "excel"}[name.split(".")[1]]
        write_responses(first, tmp_path / name, "five_commitments", format=fmt)
        assert not live_formulas(tmp_path / name), name
        again = read_responses(tmp_path / name, "five_commitments")
        assert again.ids == first.ids, name
        assert again.items.equals(first.items), name
