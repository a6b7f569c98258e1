"""The report's tables as an Excel workbook (openpyxl): one sheet per table.

Sheet "Table 3" holds the table number (A1, bold), its title (A2, italic), the column headers
(row 3, bold, ruled below) and the rows from row 4, then the note. A number is a number cell
with the number format that shows it as the report does (:func:`reports.tables.excel_format`:
decimals, no leading zero for bounded statistics, "< .001"), so it can be computed with; text
(names, intervals such as "[.12, .34]", the em dash of an empty cell) is text, guarded so no
cell is ever a live formula.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from instruments.spreadsheet import guard_xlsx_cell

from ..tables import Table, excel_format
from .zipfix import fixed_zip

HEADER_ROW = 3  # the column headers; the body starts on the next row


def _sheet_name(table: Table, i: int, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", table.label or f"Table {i}")[:31] or f"Table {i}"
    base, k = name, 2
    while name.lower() in used:
        name = f"{base[:27]} ({k})"
        k += 1
    used.add(name.lower())
    return name


def xlsx_bytes(tables: Sequence[Table], title: str, stamp: str | None = None) -> bytes:
    """An .xlsx with one sheet per table of ``tables`` (the same input, the same bytes)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = title
    wb.properties.creator = "engagekit"
    rule = Side(style="thin", color="000000")
    used: set[str] = set()
    for i, table in enumerate(tables, start=1):
        ws = wb.create_sheet(_sheet_name(table, i, used))
        ws.cell(1, 1, table.label or f"Table {i}").font = Font(bold=True)
        ws.cell(2, 1, table.caption or "").font = Font(italic=True)
        widths = [len(c.header) for c in table.columns]
        for j, col in enumerate(table.columns, start=1):
            c = ws.cell(HEADER_ROW, j, col.header)
            c.font = Font(bold=True)
            c.border = Border(top=rule, bottom=rule)
            if col.numeric:
                c.alignment = Alignment(horizontal="right")
        for r, row in enumerate(table.rows, start=HEADER_ROW + 1):
            for j, (col, cell) in enumerate(zip(table.columns, row, strict=True), start=1):
                if cell.value is not None:
                    c = ws.cell(r, j, cell.value)
                    c.number_format = excel_format(cell.spec)
                else:
                    c = ws.cell(r, j, cell.text)
                    if col.numeric:
                        c.alignment = Alignment(horizontal="right")
                if cell.strong:
                    c.font = Font(bold=True)
                guard_xlsx_cell(c)
                if r == HEADER_ROW + len(table.rows):
                    c.border = Border(bottom=rule)
                widths[j - 1] = max(widths[j - 1], len(cell.text))
        if table.note:
            ws.cell(HEADER_ROW + len(table.rows) + 2, 1, f"Note. {table.note}")
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = min(max(w + 2, 8), 60)
        for a in (ws.cell(1, 1), ws.cell(2, 1)):
            guard_xlsx_cell(a)
        ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    buf = io.BytesIO()
    wb.save(buf)
    return fixed_zip(buf.getvalue(), stamp)
