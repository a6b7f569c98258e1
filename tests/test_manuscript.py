"""The report's tables and figures for a manuscript: `engagekit report --format docx|xlsx|latex`
and `--figures DIR`.

Every table is compared cell by cell with the HTML report's, read back with an HTML parser
(not through the table model that wrote both): the Word file with python-docx, the workbook
with openpyxl (numbers must be number cells whose value rounds to the number shown), the LaTeX
file by compiling it with pdflatex (CI installs TeX Live through .ci/system-deps).
"""

from __future__ import annotations

import io
import json
import math
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from analysis.responses.simulate import SimulationSettings, simulate
from analysis.study import StudySettings, run_study
from instruments import load_instrument
from reports.cli import main


class _Tables(HTMLParser):
    """The report page's APA tables: label, title, header and body texts, note."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._span: str | None = None
        self._note = False
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div" and a.get("class") == "apa-table":
            self.tables.append({"label": "", "title": "", "rows": [], "note": None})
        elif tag == "span" and a.get("class") in ("table-label", "table-title"):
            self._span = a["class"]
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = []
        elif tag == "p" and a.get("class") == "table-note":
            self._note = True
            self.tables[-1]["note"] = ""

    def handle_endtag(self, tag):
        if tag == "span":
            self._span = None
        elif tag in ("th", "td") and self._cell is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1]["rows"].append(self._row)
            self._row = None
        elif tag == "p" and self._note:
            self._note = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._span == "table-label":
            self.tables[-1]["label"] += data
        elif self._span == "table-title":
            self.tables[-1]["title"] += data
        elif self._note:
            self.tables[-1]["note"] += data


def html_tables(html: str) -> list[dict]:
    parser = _Tables()
    parser.feed(html)
    for t in parser.tables:
        if t["note"] is not None:
            t["note"] = t["note"].removeprefix("Note. ")
    return parser.tables


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A saved results.json with every kind of table (group comparison and invariance too),
    and the HTML report `engagekit report` renders from it."""
    inst = load_instrument("five_commitments")
    sim = simulate(inst, SimulationSettings(n=400, seed=5, straightliners=.05,
                                            random_responders=.05))
    res = run_study(sim.data, inst, StudySettings(group="industry", n_boot=60, n_jobs=1,
                                                  progress=False),
                    created="2026-12-05T12:00:00+00:00")
    folder = tmp_path_factory.mktemp("manuscript")
    saved = folder / "results.json"
    saved.write_text(json.dumps(res, allow_nan=False), encoding="utf-8")
    assert main(["report", str(saved), "-o", str(folder / "report.html")]) == 0
    html = (folder / "report.html").read_text(encoding="utf-8")
    return {"folder": folder, "results": saved, "html": html, "tables": html_tables(html)}


def test_the_html_report_has_every_kind_of_table(study):
    titles = [t["title"] for t in study["tables"]]
    for want in ("Sample and data quality", "Reliability per construct", "Loadings",
                 "Fornell-Larcker criterion", "HTMT and HTMT2 per pair",
                 "Direct, indirect and total effects", "Invariance sequence"):
        assert want in titles
    assert any(t.startswith("Fit of the measurement and structural models") for t in titles)
    assert any(t.startswith("Paths compared across") for t in titles)
    assert [t["label"] for t in study["tables"]] == [f"Table {i}"
                                                     for i in range(1, len(titles) + 1)]


def _write(study, fmt: str, name: str) -> Path:
    out = study["folder"] / name
    assert main(["report", str(study["results"]), "--format", fmt, "-o", str(out),
                 "--force"]) == 0
    return out


def test_docx_tables_equal_the_html_reports_cell_by_cell(study):
    import docx

    path = _write(study, "docx", "tables.docx")
    doc = docx.Document(str(path))
    want = study["tables"]
    assert len(doc.tables) == len(want) > 10
    for got, t in zip(doc.tables, want, strict=True):
        rows = [[c.text for c in r.cells] for r in got.rows]
        assert rows == t["rows"], t["label"]
    # APA: "Table N" bold, the title italic above each table; "Note." italic below
    paras = doc.paragraphs
    labels = [p for p in paras if re.fullmatch(r"Table \d+", p.text)]
    assert [p.text for p in labels] == [t["label"] for t in want]
    assert all(p.runs[0].bold for p in labels)
    titles = [paras[paras.index(p) + 1] for p in labels]
    assert [p.text for p in titles] == [t["title"] for t in want]
    assert all(p.runs[0].italic for p in titles)
    notes = [p for p in paras if p.text.startswith("Note. ")]
    assert [p.text.removeprefix("Note. ") for p in notes] == [t["note"] for t in want
                                                             if t["note"]]
    assert all(p.runs[0].text == "Note." and p.runs[0].italic for p in notes)


_NUMBER = re.compile(r"−?[0-9,]*\.?[0-9]+")


def _check_number(value: float, text: str, number_format: str, where: str) -> None:
    """``value`` is what the report shows as ``text``: rounded half away from zero to the
    shown decimals it equals the shown number; ``< .001`` / ``> .999`` bound it."""
    if text.startswith("< "):
        assert value < float(text[2:]), where
        return
    if text.startswith("> "):
        assert value > float(text[2:]), where
        return
    shown = Decimal(text.replace("−", "-").replace(",", ""))
    decimals = -shown.as_tuple().exponent
    got = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    assert got == shown, f"{where}: {value} shown as {text}"
    # the cell's format shows as many decimals as the report (its last section's digits)
    digits = re.search(r"\.(0+)", number_format.split(";")[-1])
    assert (len(digits.group(1)) if digits else 0) == decimals, (where, number_format)


def test_xlsx_has_a_sheet_per_table_with_numbers_as_numbers(study):
    import openpyxl

    path = _write(study, "xlsx", "tables.xlsx")
    wb = openpyxl.load_workbook(path)
    want = study["tables"]
    assert wb.sheetnames == [t["label"] for t in want]
    numbers = 0
    for t in want:
        ws = wb[t["label"]]
        assert ws["A1"].value == t["label"] and ws["A2"].value == t["title"]
        assert ws["A2"].font.italic
        for i, row in enumerate(t["rows"]):
            for j, text in enumerate(row):
                cell = ws.cell(3 + i, 1 + j)
                where = f"{t['label']} row {i} col {j}"
                if isinstance(cell.value, (int, float)):
                    _check_number(cell.value, text, cell.number_format, where)
                    numbers += 1
                else:
                    assert ("" if cell.value is None else cell.value) == text, where
                    # a number the report shows is a number cell, never text
                    assert i == 0 or not _NUMBER.fullmatch(text), where
        if t["note"]:
            assert ws.cell(3 + len(t["rows"]) + 1, 1).value == f"Note. {t['note']}"
    assert numbers > 300
    # fit indices too (the fit table's cells carry their numbers)
    fit = next(t for t in want if t["title"].startswith("Fit of"))
    ws = wb[fit["label"]]
    cfi = next(i for i, r in enumerate(fit["rows"]) if r[0].startswith("CFI"))
    assert isinstance(ws.cell(3 + cfi, 2).value, float)


def test_latex_tables_compile_and_hold_every_cell(study, tmp_path):
    from reports.manuscript.latex import escape

    path = _write(study, "latex", "tables.tex")
    tex = path.read_text(encoding="utf-8")
    want = study["tables"]
    assert tex.count(r"\toprule") == sum(2 if len(t["rows"]) - 1 > 30 else 1 for t in want)
    for t in want:
        assert rf"\textbf{{{t['label']}}}" in tex
        for row in t["rows"]:
            assert " & ".join(escape(c) for c in row) + r" \\" in tex, (t["label"], row)
    engine = shutil.which("pdflatex") or shutil.which("lualatex")
    if engine is None:
        pytest.skip("pdflatex/lualatex not installed (CI installs texlive through "
                    ".ci/system-deps)")
    shutil.copy(path, tmp_path / "tables.tex")
    run = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "tables.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / "tables.pdf").stat().st_size > 10_000
    log = (tmp_path / "tables.log").read_text(errors="replace")
    assert "Missing character" not in log and "Undefined control sequence" not in log


def test_latex_escapes_every_special_character(tmp_path):
    """A construct named with TeX's special characters and the report's symbols compiles and
    prints them (read back from the PDF when pdftotext is there)."""
    from reports.manuscript.latex import latex_text
    from reports.tables import build_table

    odd = "R&D_1 50% $5 #2 {x} ~a^b \\ <y> |z| α ≥ .30 — Ü"
    table = build_table([{"name": odd, "v": -0.5}], {"name": "Name & ω", "v": "β"},
                        "Odd_title", {"v": 2}, "A note with 100% & χ²", label="Table 1")
    tex = latex_text([table], "Study & co")
    engine = shutil.which("pdflatex")
    if engine is None:
        pytest.skip("pdflatex not installed (CI installs texlive through .ci/system-deps)")
    (tmp_path / "t.tex").write_text(tex, encoding="utf-8")
    run = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:]
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "t.pdf", "-"], cwd=tmp_path, capture_output=True,
                              text=True).stdout
        # (the underscore is a rule in TeX's default font: pdftotext reads a space)
        for part in ("R&D", "1 50% $5 #2 {x}", "<y> |z| α ≥ .30 —", "Odd", "100% & χ",
                     "−0.50", "Name & ω"):
            assert part in text, (part, text)


def _png_info(data: bytes) -> tuple[int, int, float]:
    """Width, height (pixels) and pixels per inch from the PNG's IHDR and pHYs chunks."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, size, ppi = 8, None, None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        assert struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0] == zlib.crc32(kind + body)
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        elif kind == b"pHYs":
            x, y, unit = struct.unpack(">IIB", body)
            assert unit == 1 and x == y
            ppi = x * 0.0254
        pos += 12 + n
    return size[0], size[1], ppi


def test_figures_are_written_as_svg_and_png_at_print_resolution(study):
    from PIL import Image

    out = study["folder"] / "figures"
    assert main(["report", str(study["results"]), "--figures", str(out)]) == 0
    n = study["html"].count('<figure class="report-figure"')
    assert n >= 10
    svgs, pngs = sorted(out.glob("*.svg")), sorted(out.glob("*.png"))
    assert [p.stem for p in svgs] == [p.stem for p in pngs] == [f"figure-{i:02d}"
                                                                for i in range(1, n + 1)]
    captions = (out / "captions.txt").read_text(encoding="utf-8").splitlines()
    assert len(captions) == n and captions[0].startswith("figure-01: Figure 1. ")
    for svg, png in zip(svgs, pngs, strict=True):
        root = ET.fromstring(svg.read_bytes())
        w_in = float(root.get("width").removesuffix("in"))
        h_in = float(root.get("height").removesuffix("in"))
        assert 1 < w_in <= 6.5 and h_in > 1  # a page's text width at most
        width, height, ppi = _png_info(png.read_bytes())
        assert ppi >= 299.99, png.name
        assert width / w_in >= 299.99 and height / h_in >= 299.0, (png.name, width, height)
        assert math.isclose(width / height, w_in / h_in, rel_tol=.01)
        # drawn, not blank: a good share of dark (text, lines) and coloured pixels
        img = Image.open(io.BytesIO(png.read_bytes())).convert("L")
        dark = sum(img.histogram()[:128]) / (width * height)
        assert dark > .005, png.name
    # drawn with the DejaVu fonts matplotlib ships, not the system's: the same bytes again
    from reports.manuscript.raster import render_png

    path_svg = next(p for p in svgs if 'data-kind="path"' in p.read_text(encoding="utf-8"))
    assert render_png(path_svg.read_text(encoding="utf-8")) == (
        out / f"{path_svg.stem}.png").read_bytes()


def test_outputs_go_through_the_output_guard(study, capsys):
    res, folder = study["results"], study["folder"]
    before = res.read_bytes()
    assert main(["report", str(res), "--format", "xlsx", "-o", str(res)]) == 2
    assert "would overwrite the input" in capsys.readouterr().err
    figs = folder / "guarded"
    assert main(["report", str(res), "--figures", str(figs)]) == 0
    first = (figs / "figure-01.png").stat().st_mtime_ns
    assert main(["report", str(res), "--figures", str(figs)]) == 2
    assert "exists already" in capsys.readouterr().err
    assert (figs / "figure-01.png").stat().st_mtime_ns == first
    # a suffix that contradicts --format is refused; -o's suffix picks the format
    assert main(["report", str(res), "--format", "docx", "-o", str(folder / "t.html")]) == 2
    assert "should end in .docx" in capsys.readouterr().err
    assert main(["report", str(res), "-o", str(folder / "by_suffix.docx")]) == 0
    assert (folder / "by_suffix.docx").read_bytes()[:2] == b"PK"
    assert main(["report", str(res)]) == 2  # nothing asked for
    assert res.read_bytes() == before


def test_office_files_do_not_depend_on_the_clock(study, monkeypatch):
    """The same results give the same bytes: no member time or document date from the clock
    (written at two different clock times, the files are equal)."""
    import time
    import zipfile

    from analysis.results_schema import read_results
    from reports.manuscript import tables_docx, tables_xlsx
    from reports.report import report_document

    doc = report_document(read_results(study["results"]))
    first = {f: f(doc) for f in (tables_docx, tables_xlsx)}
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 86_400 * 400)
    monkeypatch.setattr(time, "localtime", lambda *a: time.gmtime(real() + 86_400 * 400))
    for f, data in first.items():
        assert f(doc) == data, f.__name__
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
            core = z.read("docProps/core.xml").decode()
            assert "2000-01-01T00:00:00Z" in core and str(time.gmtime().tm_year) not in core
