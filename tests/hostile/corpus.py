"""A corpus of broken and hostile inputs, generated, one :class:`Case` per input and command.

Kinds (issue 15's seven, and wider): ``overwrite`` (an output that is or would replace an
input), ``bomb`` (resource exhaustion from a small file), ``respondents`` (rows that could be
lost or merged silently), ``formula`` (spreadsheet formula injection), ``model`` (an invalid
structural model that must be refused), ``exit1`` (bad input that used to end as an internal
error), ``message`` (input whose message used to mislead), ``file`` (unreadable, empty,
mis-encoded or wrongly typed files) and ``option`` (bad paths and option values).

Each case is generated into an empty folder by :func:`build`; ``tests/hostile/
test_hostile_corpus.py`` runs it through the command line and checks the exit code, that the
message names the file, that there is no traceback, that every input is byte-identical
afterwards, that every respondent read is accounted for, and that no file written holds a
live spreadsheet formula. ``python tests/hostile/corpus.py`` prints the kinds and counts.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

KINDS = {
    "overwrite": "an output that is, or would replace, an input",
    "bomb": "resource exhaustion from a small file",
    "respondents": "respondents that could be lost, merged or left unaccounted",
    "formula": "spreadsheet formula injection through ids, columns, cells and texts",
    "model": "an invalid structural model that must be refused",
    "exit1": "bad input that used to end as an internal error (exit 1)",
    "message": "input whose message used to mislead",
    "file": "unreadable, empty, mis-encoded or wrongly typed files",
    "option": "bad output locations and option values",
}

#: Texts a spreadsheet would run as formulas (and one that only looks like one: a number).
PAYLOADS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=2+2",
            "=HYPERLINK(\"http://x\",\"y\")", "\uff1d1+1", "'=already quoted"]


@dataclass
class Case:
    name: str
    kind: str
    argv: list[str]  # {d}: the case's folder
    files: dict[str, str | bytes | int] = field(default_factory=dict)  # int: sparse size
    code: int = 2
    names: str = ""  # a file name the message must contain (default: the first file)
    respondents: int | None = None  # data rows of the response file, all to be accounted for
    response_file: str | None = None
    setup: Callable[[Path], None] | None = None
    seconds: float | None = None  # bombs: wall-clock bound (a loose safety bound)
    message: str = ""  # a text the output must contain


@cache
def _source() -> str:
    from instruments.loader import resolve

    return resolve("five_commitments")[1]


@cache
def _item_ids() -> tuple[str, ...]:
    """The item ids of the instrument the cases use, in instrument order."""
    from instruments.loader import load_instrument

    return tuple(i.id for i in load_instrument(I).items())


@cache
def _sim_rows(n: int = 120, seed: int = 3) -> tuple[list[str], ...]:
    """A simulated response file in the engagekit format, as CSV rows (header first)."""
    from analysis.responses import write_responses
    from analysis.responses.simulate import SimulationSettings, simulate
    from instruments.loader import load_instrument

    inst = load_instrument("five_commitments")
    sim = simulate(inst, SimulationSettings(n=n, seed=seed))
    buf = Path(os.environ.get("TMPDIR", "/tmp")) / f"engagekit_corpus_{os.getpid()}_{n}.csv"
    write_responses(sim.data, buf, inst)
    rows = tuple(tuple(r) for r in csv.reader(io.StringIO(buf.read_text(encoding="utf-8"))))
    buf.unlink()
    return rows


def _csv(rows, terminator: str = "\r\n") -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=terminator).writerows(rows)
    return buf.getvalue()


def responses(n: int = 120) -> str:
    return _csv(_sim_rows(n))


def _edit(n: int, fn) -> str:
    rows = [list(r) for r in _sim_rows(n)]
    fn(rows)
    return _csv(rows)


def _col(rows, name: str) -> int:
    return rows[0].index(name)


def _instrument(old: str, new: str, count: int = 1) -> str:
    src = _source()
    assert old in src, old
    return src.replace(old, new, count)


@cache
def _qualtrics(n: int = 40) -> str:
    from analysis.responses.simulate import SimulationSettings, simulate
    from analysis.responses.writers import write_qualtrics
    from instruments.loader import load_instrument

    inst = load_instrument("five_commitments")
    sim = simulate(inst, SimulationSettings(n=n, seed=5))
    p = Path(os.environ.get("TMPDIR", "/tmp")) / f"engagekit_corpus_q_{os.getpid()}.csv"
    write_qualtrics(sim.data, p, inst)
    text = p.read_text(encoding="utf-8")
    p.unlink()
    return text


def _xlsx(rows, formulas: dict[tuple[int, int], str] | None = None) -> bytes:
    """An .xlsx as a program that does not calculate writes it: formulas without values."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(list(r))
    for (r, c), f in (formulas or {}).items():
        ws.cell(row=r, column=c).value = f
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _alias_bomb() -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for k in range(1, 10):
        lines.append(f"l{k}: &l{k} [" + ", ".join([f"*l{k - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _link(kind: str, src: str, dst: str) -> Callable[[Path], None]:
    def make(d: Path) -> None:
        if kind == "hard":
            os.link(d / src, d / dst)
        else:
            (d / dst).symlink_to(d / src)
    return make


def _collect_db(d: Path) -> None:
    """A collection database with one study, 'st' (created through the command line)."""
    from reports.cli import main

    assert main(["collect", "create", "st", "-i", "five_commitments", "--mode", "tokens",
                 "--db", str(d / "c.db")]) == 0


def _mkdir(*names: str) -> Callable[[Path], None]:
    def make(d: Path) -> None:
        for n in names:
            (d / n).mkdir(parents=True, exist_ok=True)
    return make


def _copy_into(src: str, dst: str) -> Callable[[Path], None]:
    def make(d: Path) -> None:
        (d / dst).parent.mkdir(parents=True, exist_ok=True)
        (d / dst).write_bytes((d / src).read_bytes())
    return make


I = "five_commitments"  # noqa: E741 - the bundled instrument, by name


def cases() -> list[Case]:  # noqa: PLR0915 - one long, flat list reads best
    R = {"r.csv": responses()}  # noqa: N806
    Y = {"i.yaml": _source()}  # noqa: N806
    out: list[Case] = []
    add = out.append

    # ---- overwrite --------------------------------------------------------------------------
    add(Case("survey -o its instrument", "overwrite", ["survey", "{d}/i.yaml", "-f", "html",
             "-o", "{d}/i.yaml", "--force"], Y))
    add(Case("simulate -o its instrument", "overwrite", ["simulate", "{d}/i.yaml", "--n", "5",
             "-o", "{d}/i.yaml", "--force"], Y))
    add(Case("translations export onto its instrument", "overwrite",
             ["translations", "export", "{d}/i.yaml", "-o", "{d}/i.yaml", "--force"], Y))
    add(Case("translations import onto its sheet", "overwrite",
             ["translations", "import", "{d}/s.csv", "-i", I, "-o", "{d}/s.csv", "--force"],
             {"s.csv": "kind,id,en\n"}))
    add(Case("run with its input at <out>/scored.csv", "overwrite",
             ["run", "{d}/out/scored.csv", "-i", I, "-o", "{d}/out", "--force"],
             {"out/scored.csv": responses()}, names="scored.csv"))
    add(Case("run with its instrument at <out>/results.json", "overwrite",
             ["run", "{d}/r.csv", "-i", "{d}/out/results.json", "-o", "{d}/out", "--force"],
             {**R, "out/results.json": _source()}, names="results.json"))
    add(Case("score -o a hard link to the input", "overwrite",
             ["responses", "score", "{d}/r.csv", "-i", I, "-o", "{d}/h.csv", "--force"], R,
             setup=_link("hard", "r.csv", "h.csv")))
    add(Case("score -o a symbolic link to the input", "overwrite",
             ["responses", "score", "{d}/r.csv", "-i", I, "-o", "{d}/s.csv", "--force"], R,
             setup=_link("soft", "r.csv", "s.csv")))
    add(Case("screen --kept its input", "overwrite", ["responses", "screen", "{d}/r.csv", "-i",
             I, "--kept", "{d}/r.csv", "--force"], R))
    add(Case("check --log its column map", "overwrite", ["responses", "check", "{d}/r.csv",
             "-i", I, "--column-map", "{d}/m.json", "--log", "{d}/m.json", "--force"],
             {**R, "m.json": "{}"}, names="m.json"))
    add(Case("report -o its results file", "overwrite", ["report", "{d}/res.json", "-o",
             "{d}/res.json", "--force"], {"res.json": "{}"}))
    add(Case("power --json its instrument", "overwrite", ["power", "{d}/i.yaml", "--json",
             "{d}/i.yaml", "--force"], Y))
    add(Case("validate --json a link to its instrument", "overwrite",
             ["validate", "{d}/r.csv", "-i", "{d}/i.yaml", "--json", "{d}/l.json", "--force"],
             {**R, **Y}, setup=_link("soft", "i.yaml", "l.json"), names="l.json"))
    add(Case("collect export onto its SQLite database", "overwrite",
             ["collect", "export", "st", "-o", "{d}/c.db", "--db", "{d}/c.db", "--force"],
             setup=_collect_db, names="c.db"))
    add(Case("collect tokens onto its invitee file", "overwrite",
             ["collect", "tokens", "st", "--from", "{d}/inv.csv", "-o", "{d}/inv.csv",
              "--db", "{d}/c.db", "--force"], {"inv.csv": "respondent_id\na1\n"},
             setup=_collect_db))
    add(Case("an earlier output without --force", "overwrite",
             ["survey", I, "-f", "redcap", "-o", "{d}/old.csv"], {"old.csv": "earlier"},
             message="pass --force"))

    # ---- bomb -------------------------------------------------------------------------------
    add(Case("YAML alias bomb as an instrument", "bomb",
             ["instruments", "validate", "{d}/b.yaml"], {"b.yaml": _alias_bomb()}, seconds=5))
    add(Case("YAML alias bomb as a column map", "bomb",
             ["responses", "check", "{d}/r.csv", "-i", I, "--column-map", "{d}/m.yaml"],
             {**R, "m.yaml": _alias_bomb()}, names="m.yaml", seconds=5))
    add(Case("flow nesting 200,000 deep", "bomb", ["survey", "{d}/d.yaml", "-f", "html", "-o",
             "{d}/x.html"], {"d.yaml": "a: " + "[" * 200_000 + "]" * 200_000}, seconds=5))
    add(Case("JSON column map nested 500,000 deep", "bomb",
             ["responses", "check", "{d}/r.csv", "-i", I, "--column-map", "{d}/m.json"],
             {**R, "m.json": "[" * 500_000}, names="m.json", seconds=5))
    add(Case("likert max 1e9", "bomb", ["simulate", "{d}/w.yaml", "-o", "{d}/x.csv"],
             {"w.yaml": _instrument("max: 7\n", "max: 1e9\n")}, seconds=5))
    add(Case("instrument of 50 MB", "bomb", ["instruments", "validate", "{d}/big.yaml"],
             {"big.yaml": 50 << 20}, seconds=5))
    add(Case("results.json of 100 MB", "bomb", ["report", "{d}/big.json", "-o", "{d}/r.html"],
             {"big.json": 100 << 20}, seconds=5))
    add(Case("response file of 1.5 GiB", "bomb", ["responses", "check", "{d}/big.csv", "-i",
             I], {"big.csv": 3 << 29}, seconds=5))
    add(Case("150,000 unknown columns in 1 MB", "bomb", ["responses", "check", "{d}/w.csv",
             "-i", I, "--log", "{d}/log.csv"],
             # the instrument's items first (a file with no item read is refused, exit 2)
             {"w.csv": ",".join([*_item_ids(), *(f"c{k}" for k in range(150_000))]) + "\n"
              + ",".join("1" for _ in range(150_000 + len(_item_ids()))) + "\n"}, code=0,
             respondents=1,
             response_file="w.csv", seconds=30))
    add(Case("200,000 repeated header names", "bomb", ["responses", "check", "{d}/dup.csv",
             "-i", I], {"dup.csv": ",".join([*_item_ids(), *["aff_01"] * 200_000]) + "\n"
             + ",".join(["4"] * (200_000 + len(_item_ids()))) + "\n"}, code=0,
             respondents=1, response_file="dup.csv", seconds=30))

    # ---- respondents ------------------------------------------------------------------------
    def stray(rows):
        c = _col(rows, "display_order")
        for r in rows:  # no other quotes in the file: the stray one runs far
            del r[c]
        rows[0].append("comment")
        for k, r in enumerate(rows[1:], start=2):
            r.append({30: '"great product', 50: 'ok" then'}.get(k, "fine"))
    add(Case("a stray quote swallows 20 respondents", "respondents",
             ["run", "{d}/q.csv", "-i", I, "-o", "{d}/out", "--boot", "0"],
             {"q.csv": _edit(120, stray)}, code=0, respondents=120, response_file="q.csv"))
    add(Case("a quote that is never closed", "respondents",
             ["responses", "check", "{d}/q.csv", "-i", I, "--log", "{d}/log.csv"],
             {"q.csv": responses().rstrip("\r\n")[:-20] + ',"never closed\r\n'}, code=0,
             respondents=120, response_file="q.csv", message="unclosed_quote"))
    add(Case("a file cut inside its last row", "respondents",
             ["responses", "check", "{d}/t.csv", "-i", I, "--log", "{d}/log.csv"],
             {"t.csv": responses().rstrip("\r\n")[:-50]}, code=0, respondents=120,
             response_file="t.csv", message="truncated_row"))
    add(Case("a Qualtrics export cut in its last row", "respondents",
             ["responses", "check", "{d}/q.csv", "-i", I], {"q.csv": _qualtrics()
                                                            .rstrip("\r\n")[:-25]},
             code=0, respondents=40, response_file="q.csv", message="cut off"))
    add(Case("a Qualtrics export cut inside header row 2", "respondents",
             ["responses", "check", "{d}/q.csv", "-i", I],
             {"q.csv": _qualtrics()[: len(_qualtrics().split("\n")[0]) + 300]},
             message="header rows"))
    add(Case("a row with too few cells", "respondents",
             ["responses", "check", "{d}/s.csv", "-i", I],
             {"s.csv": _edit(120, lambda rows: rows.__setitem__(7, rows[7][:12]))}, code=0,
             respondents=120, response_file="s.csv", message="ragged_row"))
    add(Case("an unquoted comma in a row", "respondents",
             ["responses", "check", "{d}/s.csv", "-i", I],
             {"s.csv": _edit(120, lambda rows: rows[9].insert(3, "oops"))}, code=0,
             respondents=120, response_file="s.csv", message="ragged_row"))
    add(Case("uncached formula cells in .xlsx", "respondents",
             ["responses", "check", "{d}/f.xlsx", "-i", I],
             {"f.xlsx": _xlsx(_sim_rows(30), {(3, 9): "=H3+1", (5, 10): "=SUM(H5:I5)"})},
             code=0, respondents=30, response_file="f.xlsx", message="uncached_formula"))
    add(Case("every respondent excluded by screening", "respondents",
             ["run", "{d}/x.csv", "-i", I, "-o", "{d}/out", "--boot", "0"],
             {"x.csv": _edit(3, lambda rows: [r.__setitem__(slice(8, None), ["4"] * (len(r) - 8))
                                              for r in rows[1:]])},
             message="left to analyse"))
    add(Case("duplicate and blank respondent ids", "respondents",
             ["responses", "check", "{d}/ids.csv", "-i", I],
             {"ids.csv": _edit(120, lambda rows: (rows[3].__setitem__(0, rows[2][0]),
                                                  rows[4].__setitem__(0, "")))},
             code=0, respondents=120, response_file="ids.csv", message="duplicate_id"))
    add(Case("declined consent and preview rows", "respondents",
             ["responses", "check", "{d}/c.csv", "-i", I],
             {"c.csv": _edit(120, lambda rows: [r.append(v) for r, v in zip(
                 rows, ["consent"] + ["0" if k % 10 == 0 else "1" for k in range(120)],
                 strict=True)])},
             code=0, respondents=120, response_file="c.csv", message="declined consent"))
    add(Case("CR-only line ends and a BOM", "respondents",
             ["responses", "check", "{d}/cr.csv", "-i", I],
             {"cr.csv": "\ufeff" + _csv(_sim_rows(), "\r")}, code=0, respondents=120,
             response_file="cr.csv"))

    # ---- formula ----------------------------------------------------------------------------
    def inject(rows):
        for k, p in enumerate(PAYLOADS, start=1):
            rows[k][0] = p
        rows[0].append(PAYLOADS[0])
        for r in rows[1:]:
            r.append(PAYLOADS[6])
    add(Case("formula ids, columns and cells through run", "formula",
             ["run", "{d}/inj.csv", "-i", I, "-o", "{d}/out", "--boot", "0"],
             {"inj.csv": _edit(120, inject)}, code=0, respondents=120, response_file="inj.csv"))
    for cmd, extra in (("score", ["-o", "{d}/scores.csv"]),
                       ("screen", ["-o", "{d}/flags.csv", "--kept", "{d}/kept.csv"]),
                       ("check", ["--log", "{d}/log.csv"])):
        add(Case(f"formula ids and cells through responses {cmd}", "formula",
                 ["responses", cmd, "{d}/inj.csv", "-i", I, *extra],
                 {"inj.csv": _edit(120, inject)}, code=0, respondents=120,
                 response_file="inj.csv"))
    evil = _instrument("I feel an emotional bond with {brand}.",
                       "'=HYPERLINK(\"http://x\") {brand}'")
    evil = evil.replace("Being a customer of {brand} means a lot to me personally.",
                        "'@SUM(1+1) {brand}'", 1)
    for fmt, suffix in (("xlsform", "xlsx"), ("redcap", "csv"), ("limesurvey", "txt")):
        add(Case(f"item text '=...' in a {fmt} export", "formula",
                 ["survey", "{d}/e.yaml", "-f", fmt, "-o", f"{{d}}/e.{suffix}",
                  "--brand", "-1+cmd"], {"e.yaml": evil}, code=0, names="e."))
    add(Case("item text '=...' in a translation sheet", "formula",
             ["translations", "export", "{d}/e.yaml", "-o", "{d}/sheet.csv"], {"e.yaml": evil},
             code=0, names="sheet.csv"))
    add(Case("item text '=...' in a Qualtrics-style response export", "formula",
             ["simulate", "{d}/e.yaml", "--n", "20", "--format", "qualtrics", "-o",
              "{d}/q.csv"], {"e.yaml": evil}, code=0, names="q.csv"))

    # ---- model ------------------------------------------------------------------------------
    preds = "predictors: [affective, normative, economic, forced, habitual]\n"
    for name, new in (("a loop through two equations", preds.replace("]", ", repurchase]")),
                      ("a predictor that is its own outcome",
                       preds.replace("habitual]", "satisfaction]")),
                      ("an unknown construct", preds.replace("habitual]", "nosuch]"))):
        text = _instrument(preds, new)
        for cmd in (["instruments", "validate", "{d}/m.yaml"],
                    ["survey", "{d}/m.yaml", "-f", "html", "-o", "{d}/s.html"],
                    ["simulate", "{d}/m.yaml", "-o", "{d}/s.csv"]):
            add(Case(f"{name} ({cmd[0]})", "model", cmd, {"m.yaml": text},
                     message="loop" if "loop" in name else ""))
    add(Case("a loop in a lavaan model (effects --model)", "model",
             ["effects", "{d}/p.csv", "--model", "a =~ x1 + x2 + x3; b =~ y1 + y2 + y3; "
              "a ~ b; b ~ a", "--boot", "0"], {"p.csv": _plain_csv()}, message="a -> b -> a"))

    # ---- exit1 ------------------------------------------------------------------------------
    add(Case("scale max .inf", "exit1", ["instruments", "validate", "{d}/i.yaml"],
             {"i.yaml": _instrument("max: 7\n", "max: .inf\n")}, message="finite"))
    add(Case("scale min .nan", "exit1", ["survey", "{d}/i.yaml", "-f", "xlsform", "-o",
             "{d}/x.xlsx"], {"i.yaml": _instrument("min: 1\n", "min: .nan\n")}))
    add(Case("YAML nested 5,000 deep", "exit1", ["instruments", "validate", "{d}/i.yaml"],
             {"i.yaml": "a: " + "[" * 5000 + "]" * 5000}))
    add(Case("output folder does not exist", "exit1", ["responses", "score", "{d}/r.csv", "-i",
             I, "-o", "{d}/no/such/s.csv"], R, names="no", message="does not exist"))
    add(Case("output folder is a file", "exit1", ["simulate", I, "--n", "5", "-o",
             "{d}/r.csv/x.csv"], R, names="r.csv", message="not a folder"))
    add(Case("run's output folder inside a file", "exit1", ["run", "{d}/r.csv", "-i", I, "-o",
             "{d}/r.csv/out"], R))
    add(Case("results.json without its validation section", "exit1",
             ["report", "{d}/res.json", "-o", "{d}/r.html"],
             {"res.json": json.dumps({"format": "engagekit-results/1", "created": "x"})},
             message="section"))
    add(Case("results.json that is a list", "exit1", ["report", "{d}/res.json", "-o",
             "{d}/r.html"], {"res.json": "[1, 2]"}))
    add(Case("results.json with a string where numbers belong", "exit1",
             ["report", "{d}/res.json", "-o", "{d}/r.html"], {"res.json": json.dumps(
                 {"format": "engagekit-results/1", "validation": "x", "effects": 3})}))

    # ---- message ----------------------------------------------------------------------------
    add(Case("an instrument path that is a folder", "message",
             ["instruments", "validate", "{d}/folder"], setup=_mkdir("folder"),
             names="folder", message="is a folder"))
    add(Case("a response path that is a folder", "message",
             ["responses", "check", "{d}/folder.csv", "-i", I], setup=_mkdir("folder.csv"),
             names="folder.csv"))
    add(Case("a duplicated header", "message", ["responses", "check", "{d}/d.csv", "-i", I],
             {"d.csv": _edit(120, lambda rows: rows[0].__setitem__(8, rows[0][7]))}, code=0,
             respondents=120, response_file="d.csv", message="again in column 9"))
    add(Case("five respondents (constant items)", "message",
             ["validate", "{d}/five.csv", "-i", I, "--htmt-boot", "0"],
             {"five.csv": _csv(_sim_rows()[:6])}, message="respondents"))
    add(Case("a constant item", "message", ["effects", "{d}/c.csv", "-i", I, "--boot", "0"],
             {"c.csv": _edit(120, lambda rows: [r.__setitem__(_col(rows, "aff_01"), "4")
                                                for r in rows[1:]])}, message="constant"))
    add(Case("two identical items", "message", ["validate", "{d}/c.csv", "-i", I,
             "--htmt-boot", "0"],
             {"c.csv": _edit(120, lambda rows: [r.__setitem__(_col(rows, "aff_02"),
                                                              r[_col(rows, "aff_01")])
                                                for r in rows[1:]])}, message="aff_01"))
    add(Case("one respondent in a group", "message", ["validate", "{d}/g.csv", "-i", I,
             "--group", "industry", "--htmt-boot", "0"],
             {"g.csv": _edit(120, lambda rows: [r.__setitem__(_col(rows, "industry"),
                                                              "1" if k == 0 else "2")
                                                for k, r in enumerate(rows[1:])])},
             code=0, names="", message="group"))

    # ---- file -------------------------------------------------------------------------------
    add(Case("an empty file", "file", ["responses", "check", "{d}/e.csv", "-i", I],
             {"e.csv": ""}))
    add(Case("a header and no rows", "file", ["run", "{d}/h.csv", "-i", I, "-o", "{d}/out"],
             {"h.csv": _csv(_sim_rows()[:1])}))
    add(Case("binary garbage named .csv", "file", ["responses", "check", "{d}/g.csv", "-i",
             I], {"g.csv": bytes(range(256)) * 20}))
    add(Case("Latin-1 text read as UTF-8", "file", ["responses", "check", "{d}/l.csv", "-i",
             I], {"l.csv": "respondent_id,aff_01\nJos\xe9,4\n".encode("latin-1")}))
    add(Case("a corrupt .xlsx", "file", ["responses", "check", "{d}/c.xlsx", "-i", I],
             {"c.xlsx": b"PK\x03\x04 not really a workbook"}))
    add(Case("a damaged .sav that crashes the SPSS library", "file",
             ["responses", "check", "{d}/c.sav", "-i", I],
             {"c.sav": (Path(__file__).parent / "data" / "pyreadstat_segfault.sav").read_bytes()},
             message="crashed"))
    add(Case("a JSON response file that is an object", "file",
             ["responses", "check", "{d}/o.json", "-i", I], {"o.json": '{"a": 1}'}))
    add(Case("a response file for another instrument", "file",
             ["responses", "check", "{d}/r.csv", "-i", "eight_c"], R, message="eight_c"))
    add(Case("the instrument given as the response file", "file",
             ["responses", "check", "{d}/i.yaml", "-i", I], Y))
    add(Case("an inverted column map", "file", ["responses", "check", "{d}/r.csv", "-i", I,
             "--column-map", "{d}/m.json"], {**R, "m.json": json.dumps({"aff_01": "Q1"})},
             names="m.json", message="inverted"))
    add(Case("an instrument that is not UTF-8", "file", ["instruments", "validate",
             "{d}/i.yaml"], {"i.yaml": _source().encode("utf-16")}))
    add(Case("a YAML document that is a list", "file", ["instruments", "validate",
             "{d}/i.yaml"], {"i.yaml": "- a\n- b\n"}))
    add(Case("a translation sheet of garbage", "file", ["translations", "import", "{d}/s.csv",
             "-i", I, "-o", "{d}/o.yaml"], {"s.csv": b"\xff\xfe\x00garbage"}))

    # ---- option -----------------------------------------------------------------------------
    add(Case("an unknown time zone", "option", ["responses", "check", "{d}/r.csv", "-i", I,
             "--timezone", "Mars/Olympus"], R))
    add(Case("a column to keep that the file lacks", "option",
             ["responses", "check", "{d}/r.csv", "-i", I, "--keep-column", "nope"], R))
    add(Case("the same output twice", "option", ["responses", "screen", "{d}/r.csv", "-i", I,
             "-o", "{d}/a.csv", "--kept", "{d}/a.csv"], R, names="a.csv"))
    add(Case("an output that is a folder", "option", ["responses", "score", "{d}/r.csv", "-i",
             I, "-o", "{d}/dir"], R, setup=_mkdir("dir"), names="dir"))
    return out


@cache
def _plain_csv() -> str:
    import numpy as np

    rng = np.random.default_rng(1)
    f = rng.normal(size=(200, 2))
    x = np.column_stack([f[:, 0] + rng.normal(scale=.6, size=200) for _ in range(3)]
                        + [f[:, 1] + rng.normal(scale=.6, size=200) for _ in range(3)])
    rows = [["x1", "x2", "x3", "y1", "y2", "y3"]] + [[f"{v:.3f}" for v in r] for r in x]
    return _csv(rows)


def build(case: Case, folder: Path) -> None:
    """Write the case's files (and links, folders) into ``folder``."""
    for name, content in case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, int):
            with open(path, "wb") as fh:
                fh.truncate(content)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    if case.setup is not None:
        case.setup(folder)


def counts() -> dict[str, int]:
    return dict(Counter(c.kind for c in cases()))


if __name__ == "__main__":  # pragma: no cover - prints the table for the notes
    n = counts()
    for kind, what in KINDS.items():
        print(f"{kind:<12} {n.get(kind, 0):>3}  {what}")
    print(f"{'total':<12} {sum(n.values()):>3}")
