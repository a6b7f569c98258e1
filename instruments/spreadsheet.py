"""Spreadsheet safety: text that a spreadsheet would run as a formula is written inert.

A CSV or XLSX cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a
line feed (or their full-width forms) is taken by Excel, LibreOffice and Google Sheets as a
formula ("CSV injection", OWASP). Respondent ids, column names, free-text answers and item texts
come from people outside the study, so every file engagekit writes for a person to open (scores,
flags, cleaning log, response exports, XLSForm, REDCap dictionary, translation sheets) passes its
text cells through :func:`guard`:

* **CSV/TSV**: such a cell gets a leading apostrophe (``=1+1`` -> ``'=1+1``), which spreadsheets
  show as text. Text that already starts with apostrophes before such a character gets one more,
  so :func:`unguard` - applied by engagekit's own readers - gives back the exact original text.
* **XLSX**: the cell is stored as a string (never a formula) with Excel's "quote prefix" style, so
  it stays text even when edited; the text itself is unchanged.

Numbers are data, not formulas: numeric cells are never touched, and neither is text that is a
plain number (``-99``, ``-1.5e3``), which a spreadsheet reads as that number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where a frame is written, not when instruments loads
    import pandas as pd

#: First characters that make a spreadsheet cell a formula (with their full-width forms).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def needs_guard(text: str) -> bool:
    """True when a spreadsheet would read ``text`` as a formula (or it is already a guarded
    text, i.e. apostrophes before such a start), and it is not a plain number."""
    return text.lstrip("'").startswith(FORMULA_START) and not _NUMBER.match(text)


def guard(value: Any) -> Any:
    """``value`` safe for a CSV cell: text that would be a formula gets a leading ``'``;
    anything else (numbers, None, other text) is returned unchanged."""
    if isinstance(value, str) and needs_guard(value):
        return "'" + value
    return value


def unguard(value: Any) -> Any:
    """The original text of a cell written by :func:`guard` (the inverse: one apostrophe
    removed from a guarded text); anything else unchanged."""
    if isinstance(value, str) and value.startswith("'") and needs_guard(value[1:]):
        return value[1:]
    return value


def guard_row(values: Iterable[Any]) -> list[Any]:
    """:func:`guard` applied to every cell of a row."""
    return [guard(v) for v in values]


def guard_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, text index values and column names are guarded;
    numeric columns are left exactly as they are."""
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or isinstance(s.dtype, pd.CategoricalDtype | pd.StringDtype):
            out[col] = s.astype(object).map(guard)
    if out.index.dtype == object:
        out.index = pd.Index([guard(v) for v in out.index], name=guard(out.index.name),
                             dtype=object)
    out.columns = [guard(c) for c in out.columns]
    return out


def csv_text(frame: pd.DataFrame, **to_csv: Any) -> str:
    """``frame.to_csv(**to_csv)`` with every text cell guarded (see :func:`guard_frame`)."""
    return guard_frame(frame).to_csv(**to_csv)


def guard_xlsx_cell(cell: Any) -> Any:
    """An openpyxl cell holding text that would be a formula becomes a plain string cell with
    Excel's quote prefix (the text is unchanged); other cells are returned as they are."""
    value = cell.value
    if isinstance(value, str) and needs_guard(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def guard_worksheet(ws: Any) -> None:
    """:func:`guard_xlsx_cell` on every cell of an (ordinary, not write-only) worksheet."""
    for row in ws.iter_rows():
        for cell in row:
            guard_xlsx_cell(cell)


def xlsx_cells(ws: Any, values: Iterable[Any]) -> list[Any]:
    """A row for a write-only openpyxl worksheet: ``WriteOnlyCell`` objects, text guarded."""
    from openpyxl.cell import WriteOnlyCell

    return [guard_xlsx_cell(WriteOnlyCell(ws, value=v)) for v in values]


__all__ = ["FORMULA_START", "csv_text", "guard", "guard_frame", "guard_row", "guard_worksheet",
           "guard_xlsx_cell", "needs_guard", "unguard", "xlsx_cells"]
