"""The report's tables as a Word document in APA style (python-docx, MIT).

Each table is a real Word table (not an image, not tab-separated text) laid out as APA 7
asks (Publication Manual, 7.8-7.21): the table number in bold ("Table 3"), the title in
italic title case on the line below, horizontal rules only (above and below the column
headers and under the last row), numbers right-aligned, and the note under the table
beginning with an italic "*Note.*". Header rows repeat when a table runs over a page.
Text is Times New Roman 12 pt, table bodies 10 pt.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from ..tables import Table
from .zipfix import fixed_zip

_FONT = "Times New Roman"


def _border(cell, edge: str, size: int = 6) -> None:
    """A single horizontal rule on ``edge`` ("top"/"bottom") of ``cell``."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tc_pr.append(borders)
    el = OxmlElement(f"w:{edge}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), str(size))
    el.set(qn("w:space"), "0")
    el.set(qn("w:color"), "000000")
    borders.append(el)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _fill(cell, text: str, *, right: bool, size: float, bold: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = cell.paragraphs[0]
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.space_before = Pt(0)
    p.paragraph_format.line_spacing = 1.0
    if right:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = p.add_run(text)
    run.font.size = Pt(size)
    if bold:
        run.bold = True


def add_table(doc, table: Table) -> None:
    """Append ``table`` to the python-docx ``doc``: number, title, the table, its note."""
    from docx.shared import Pt

    label = doc.add_paragraph()
    label.paragraph_format.space_before = Pt(18)
    label.paragraph_format.space_after = Pt(0)
    label.paragraph_format.keep_with_next = True
    label.add_run(table.label or "Table").bold = True
    title = doc.add_paragraph()
    title.paragraph_format.space_after = Pt(6)
    title.paragraph_format.keep_with_next = True
    title.add_run(table.caption or "").italic = True
    cols = table.columns
    t = doc.add_table(rows=1 + len(table.rows), cols=len(cols))
    t.autofit = True
    header = t.rows[0]
    _repeat_header(header)
    for cell, col in zip(header.cells, cols, strict=True):
        _fill(cell, col.header, right=col.numeric, size=10)
        _border(cell, "top")
        _border(cell, "bottom")
    for row, cells in zip(t.rows[1:], table.rows, strict=True):
        for cell, col, value in zip(row.cells, cols, cells, strict=True):
            _fill(cell, value.text, right=col.numeric, size=10, bold=value.strong)
    for cell in t.rows[-1].cells:
        _border(cell, "bottom")
    if table.note:
        note = doc.add_paragraph()
        note.paragraph_format.space_before = Pt(6)
        note.add_run("Note.").italic = True
        note.add_run(" " + table.note).font.size = Pt(10)
        note.runs[0].font.size = Pt(10)


def docx_bytes(tables: Sequence[Table], title: str, stamp: str | None = None) -> bytes:
    """A .docx holding ``tables`` under the heading ``title`` (the same input, the same
    bytes; ``stamp`` is the creation time recorded in the file)."""
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = _FONT
    normal.font.size = Pt(12)
    doc.core_properties.title = title
    doc.core_properties.author = "engagekit"
    doc.core_properties.last_modified_by = "engagekit"
    doc.core_properties.revision = 1
    heading = doc.add_paragraph()
    heading.add_run(f"{title}: tables").bold = True
    for table in tables:
        add_table(doc, table)
    buf = io.BytesIO()
    doc.save(buf)
    return fixed_zip(buf.getvalue(), stamp)
