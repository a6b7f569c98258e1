"""The output guard: no command writes over an input (also through a link), into a missing or
unwritable folder, or over an earlier output without ``--force``; inputs stay byte-identical."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from instruments.loader import resolve
from instruments.outputs import OutputPathError, check_outputs, write_file
from reports.cli import main

_, SOURCE = resolve("five_commitments")


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.fixture
def work(tmp_path):
    """A folder with an instrument, a response file, a translation sheet and a results file."""
    (tmp_path / "inst.yaml").write_text(SOURCE, encoding="utf-8")
    assert main(["simulate", "five_commitments", "--n", "40", "-o",
                 str(tmp_path / "resp.csv")]) == 0
    assert main(["translations", "export", "five_commitments", "-o",
                 str(tmp_path / "sheet.csv")]) == 0
    (tmp_path / "results.json").write_text('{"format": "engagekit-results/1"}')
    (tmp_path / "out").mkdir()
    return tmp_path


#: name -> command line ({w}: the work folder); each must be refused with the input named.
SAME_AS_INPUT = {
    "simulate -o its instrument": ["simulate", "{w}/inst.yaml", "--n", "5", "-o",
                                   "{w}/inst.yaml"],
    "simulate --truth its instrument": ["simulate", "{w}/inst.yaml", "--n", "5", "-o",
                                        "{w}/new.csv", "--truth", "{w}/inst.yaml"],
    "survey -o its instrument": ["survey", "{w}/inst.yaml", "-f", "html", "-o", "{w}/inst.yaml"],
    "survey codebook sibling is the instrument": ["survey", "{w}/inst.schema.json", "-f",
                                                  "codebook", "-o", "{w}/inst.html", "--force"],
    "translations export onto the instrument": ["translations", "export", "{w}/inst.yaml",
                                                "-o", "{w}/inst.yaml"],
    "translations import onto its sheet": ["translations", "import", "{w}/sheet.csv", "-i",
                                           "five_commitments", "-o", "{w}/sheet.csv"],
    "translations import onto the instrument": ["translations", "import", "{w}/sheet.csv", "-i",
                                                "{w}/inst.yaml", "-o", "{w}/inst.yaml",
                                                "--force"],
    "responses score -o its input": ["responses", "score", "{w}/resp.csv", "-i",
                                     "five_commitments", "-o", "{w}/resp.csv", "--force"],
    "responses check --log its input": ["responses", "check", "{w}/resp.csv", "-i",
                                        "five_commitments", "--log", "{w}/resp.csv"],
    "responses screen --kept its input": ["responses", "screen", "{w}/resp.csv", "-i",
                                          "five_commitments", "--kept", "{w}/resp.csv"],
    "responses score -o the instrument": ["responses", "score", "{w}/resp.csv", "-i",
                                          "{w}/inst.yaml", "-o", "{w}/inst.yaml"],
    "validate --json its input": ["validate", "{w}/resp.csv", "-i", "five_commitments",
                                  "--json", "{w}/resp.csv"],
    "effects --json its input": ["effects", "{w}/resp.csv", "-i", "five_commitments",
                                 "--json", "{w}/resp.csv", "--force"],
    "power --json its instrument": ["power", "{w}/inst.yaml", "--json", "{w}/inst.yaml"],
    "report -o its results file": ["report", "{w}/results.json", "-o", "{w}/results.json"],
    "run: the input is <out>/scored.csv": ["run", "{w}/out/scored.csv", "-i",
                                           "five_commitments", "-o", "{w}/out", "--force"],
    "run: the instrument is <out>/report.html": ["run", "{w}/resp.csv", "-i",
                                                 "{w}/out/report.html", "-o", "{w}/out"],
    "run -o the input file itself": ["run", "{w}/resp.csv", "-i", "five_commitments", "-o",
                                     "{w}/resp.csv"],
    "schema -o (no input) over an existing file": ["instruments", "schema", "-o",
                                                   "{w}/sheet.csv"],
}


@pytest.mark.parametrize("name", list(SAME_AS_INPUT))
def test_an_output_that_is_an_input_is_refused(work, capsys, name):
    argv = [a.format(w=work) for a in SAME_AS_INPUT[name]]
    if "scored.csv" in name:
        (work / "out" / "scored.csv").write_bytes((work / "resp.csv").read_bytes())
    if "report.html" in name:
        (work / "out" / "report.html").write_text(SOURCE, encoding="utf-8")
    if "sibling" in name:
        (work / "inst.schema.json").write_text(SOURCE, encoding="utf-8")
    before = _digests(work)
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err
    assert ("never writes over an input" in err or "exists already" in err
            or "is a file" in err)  # (the last: click's own check of a folder option)
    assert _digests(work) == before  # nothing written, nothing changed


@pytest.mark.parametrize("link", ["hard", "symbolic"])
def test_a_link_to_the_input_is_the_input(work, capsys, link):
    target = work / "alias.csv"
    if link == "hard":
        os.link(work / "resp.csv", target)
    else:
        target.symlink_to(work / "resp.csv")
    before = _digests(work)
    for argv in (["responses", "score", str(work / "resp.csv"), "-i", "five_commitments",
                  "-o", str(target), "--force"],
                 ["responses", "score", str(target), "-i", "five_commitments",
                  "-o", str(work / "resp.csv"), "--force"]):
        assert main(argv) == 2
        assert "the same file under another name or through a link" in capsys.readouterr().err
    assert _digests(work) == before


def test_earlier_outputs_are_replaced_only_with_force(work, capsys):
    out = work / "scores.csv"
    argv = ["responses", "score", str(work / "resp.csv"), "-i", "five_commitments", "-o",
            str(out)]
    assert main(argv) == 0
    first = out.read_bytes()
    out.write_text("stale")
    assert main(argv) == 2
    assert "scores.csv: exists already (an earlier output?); pass --force" in \
        capsys.readouterr().err
    assert out.read_text() == "stale"
    assert main([*argv, "--force"]) == 0
    assert out.read_bytes() == first
    assert not [p for p in work.iterdir() if ".engagekit-" in p.name]  # no temporary left


@pytest.mark.parametrize("where,message", [
    ("{w}/missing/x.csv", "missing: this folder does not exist, so x.csv cannot be written"),
    ("{w}/resp.csv/x.csv", "resp.csv: is a file, not a folder, so x.csv cannot be written"),
    ("{w}/out", "out' is a directory"),  # click checks a file option itself
])
def test_missing_or_impossible_locations_are_named(work, capsys, where, message):
    before = _digests(work)
    argv = ["responses", "score", str(work / "resp.csv"), "-i", "five_commitments", "-o",
            where.format(w=work)]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert _digests(work) == before


def test_output_folders_are_created_but_not_inside_a_file(work, capsys):
    assert main(["survey", "five_commitments", "-f", "html", "-o",
                 str(work / "new" / "deeper") + "/"]) == 0
    assert (work / "new" / "deeper" / "five_commitments.html").is_file()
    capsys.readouterr()
    assert main(["demo", "-o", str(work / "resp.csv" / "sub"), "--n", "50"]) == 2
    assert "resp.csv: is a file, not a folder, so" in capsys.readouterr().err


def test_the_same_output_twice_is_refused(work, capsys):
    assert main(["responses", "screen", str(work / "resp.csv"), "-i", "five_commitments",
                 "-o", str(work / "a.csv"), "--kept", str(work / "a.csv")]) == 2
    assert "a.csv: is given as two different outputs" in capsys.readouterr().err
    assert main(["simulate", "five_commitments", "--n", "5", "-o", str(work / "t.json"),
                 "--truth", str(work / "t.json")]) == 2
    assert not (work / "a.csv").exists() and not (work / "t.json").exists()


def test_an_unwritable_folder_is_named(work, monkeypatch):
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == work / "out"
                        else real(p, mode))  # as root every folder is writable
    with pytest.raises(OutputPathError, match="out: this folder cannot be written"):
        check_outputs([work / "out" / "x.csv"], [])
    with pytest.raises(OutputPathError, match="out: this folder cannot be written"):
        check_outputs([work / "out" / "new" / "x.csv"], [], folder=work / "out" / "new")


def test_a_failed_write_leaves_the_earlier_file_intact(work, monkeypatch):
    target = work / "keep.txt"
    target.write_text("earlier")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OutputPathError, match="keep.txt: cannot be written \\(No space left on "
                       "device\\)"):
        write_file(target, "new")
    assert target.read_text() == "earlier"
    assert sorted(p.name for p in work.iterdir() if p.name.startswith(".")) == []
