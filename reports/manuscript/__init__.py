"""The report's tables and figures in the forms a journal takes.

* :func:`tables_docx` (Word, python-docx: real table objects, APA style), :func:`tables_xlsx`
  (Excel, openpyxl: one sheet per table, numbers as numbers with number formats) and
  :func:`tables_latex` (one ``.tex`` file of booktabs tables) write every table of the HTML
  report, read from the one table model the page renders (:func:`document_tables` on
  :func:`reports.report.report_document`), so their numbers are the report's by construction;
* :func:`figure_files` gives every figure of the report as SVG and as a PNG rendered at
  300 dpi at its print size (:mod:`reports.manuscript.raster`).

Every writer returns bytes (the same results give the same bytes); the command line
(``engagekit report results.json --format docx|xlsx|latex --figures DIR``) writes them
through the output guard.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..tables import Table

#: ``--format`` name -> file suffix.
FORMATS = {"html": ".html", "docx": ".docx", "xlsx": ".xlsx", "latex": ".tex"}


def _blocks(sections: list) -> Iterator[dict]:
    for s in sections:
        yield from s.get("blocks", [])
        yield from _blocks(list(s.get("subsections", [])))


def document_tables(document: dict[str, Any]) -> list[Table]:
    """Every data table of a prepared report (:func:`reports.report.report_document`), in
    page order, as the page shows it."""
    return [b["model"] for b in _blocks(document["sections"]) if "model" in b]


def document_figures(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every figure of a prepared report, in page order: ``{"label", "caption", "svg"}``."""
    return [{"label": b["label"], "caption": b["caption"], "svg": str(b["svg"])}
            for b in _blocks(document["sections"]) if b.get("type") == "figure"]


def tables_docx(document: dict[str, Any]) -> bytes:
    """The report's tables as a Word document (see :mod:`reports.manuscript.word`)."""
    from .word import docx_bytes

    return docx_bytes(document_tables(document), document["title"])


def tables_xlsx(document: dict[str, Any]) -> bytes:
    """The report's tables as an Excel workbook (see :mod:`reports.manuscript.excel`)."""
    from .excel import xlsx_bytes

    return xlsx_bytes(document_tables(document), document["title"])


def tables_latex(document: dict[str, Any]) -> bytes:
    """The report's tables as one LaTeX file (see :mod:`reports.manuscript.latex`)."""
    from .latex import latex_text

    return latex_text(document_tables(document), document["title"]).encode("utf-8")


WRITERS = {"docx": tables_docx, "xlsx": tables_xlsx, "latex": tables_latex}


def figure_names(document: dict[str, Any]) -> list[str]:
    """The file names :func:`figure_files` writes, in its order (known before any drawing,
    so the output guard can check them first)."""
    n = len(document_figures(document))
    return [f"figure-{i:02d}{ext}" for i in range(1, n + 1) for ext in (".svg", ".png")] + [
        "captions.txt"]


def figure_files(document: dict[str, Any]) -> list[tuple[str, bytes]]:
    """``(file name, bytes)`` for every figure: ``figure-01.svg`` and ``figure-01.png``, ...
    (numbered as in the report), then ``captions.txt`` with each figure's number and
    caption."""
    from .raster import figure_pair

    out, captions = [], []
    for i, fig in enumerate(document_figures(document), start=1):
        svg, png = figure_pair(fig["svg"])
        out += [(f"figure-{i:02d}.svg", svg), (f"figure-{i:02d}.png", png)]
        captions.append(f"figure-{i:02d}: {fig['label']}. {fig['caption']}\n")
    out.append(("captions.txt", "".join(captions).encode("utf-8")))
    return out


__all__ = ["FORMATS", "WRITERS", "document_figures", "document_tables", "figure_files",
           "figure_names",
           "tables_docx", "tables_latex", "tables_xlsx"]
