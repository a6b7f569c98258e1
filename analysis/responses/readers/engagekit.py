"""Tables: the engagekit response format (or bare item-id columns) in CSV/TSV, Excel (.xlsx) and
Parquet files. A table with the ``respondent_id``, ``instrument_id`` and ``instrument_version``
columns is read as the engagekit format; any other is read as a plain table.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from instruments.schema import Instrument

from ..data import RawTable
from ..log import CleaningEntry, ResponseFileError
from ..validate import is_blank
from .common import _attach, _csv_rows, _finish_table, _read_text, _sniff_delimiter, _table


def read_delimited(path: Path, file: str, inst: Instrument, column_map: Mapping[str, str],
                   encoding: str, delimiter: str | None = None, fmt: str = "csv") -> RawTable:
    text = _read_text(path, file, encoding)
    records = _csv_rows(text, file, delimiter or _sniff_delimiter(text))
    rows = records.rows
    if not rows:
        raise ResponseFileError(file, "is empty; export the responses again", code="file_empty")
    (_, header), data = rows[0], rows[1:]
    table = _attach(_table(file, fmt, "line", header, data), records)
    return _finish_table(table, inst, column_map, fmt)


def read_excel(path: Path, file: str, inst: Instrument, column_map: Mapping[str, str],
               sheet: str | None) -> RawTable:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - openpyxl/zipfile raise many types on bad files
        raise ResponseFileError(file, f"cannot be read as an Excel workbook ({type(e).__name__}: "
                                f"{e}); save it as .xlsx") from None
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise ResponseFileError(file, f"has no sheet '{sheet}'; sheets: "
                                        + ", ".join(wb.sheetnames), code="missing_sheet")
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        try:
            all_rows = [(k, list(r)) for k, r in enumerate(ws.iter_rows(values_only=True),
                                                           start=1)]
        except Exception as e:  # noqa: BLE001
            raise ResponseFileError(file, f"cannot be read as an Excel workbook "
                                    f"({type(e).__name__}: {e})") from None
    finally:
        wb.close()
    formulas = _uncached_formulas(path, sheet, all_rows)
    rows = [(k, r) for k, r in all_rows if any(not is_blank(v) for v in r)
            or any(key[0] == k for key in formulas)]
    if not rows:
        raise ResponseFileError(file, "is empty (the sheet has no cells); export the responses "
                                "again", code="file_empty")
    (_, header), data = rows[0], rows[1:]
    table = _table(file, "excel", "row", header, data)
    for (row, col), formula in formulas.items():
        column = table.columns[col] if col < len(table.columns) else f"(column {col + 1})"
        table.value_problems.append(CleaningEntry(
            file, row, column, None, formula, "uncached_formula",
            f"the cell holds the formula {formula} but no saved value (the file was written by "
            "a program that does not calculate)", "read as missing",
            "open the file in Excel or LibreOffice and save it, which stores the values, or "
            "export values instead of formulas", "row"))
    return _finish_table(table, inst, column_map, "excel")


def _uncached_formulas(path: Path, sheet: str | None,
                       values: list[tuple[int, list]]) -> dict[tuple[int, int], str]:
    """``{(row, column index): formula}`` of the cells that hold a formula whose value the file
    does not store (openpyxl reads those as empty): read the sheet again without values."""
    import openpyxl

    empty = {(k, j) for k, r in values for j, v in enumerate(r) if v is None}
    if not empty:
        return {}
    found: dict[tuple[int, int], str] = {}
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
        try:
            ws = wb[sheet] if sheet is not None else wb.worksheets[0]
            for k, r in enumerate(ws.iter_rows(values_only=True), start=1):
                for j, v in enumerate(r):
                    if isinstance(v, str) and v.startswith("=") and (k, j) in empty:
                        found[(k, j)] = v
        finally:
            wb.close()
    except Exception:  # noqa: BLE001 - the first read succeeded; this one only adds problems
        return found
    return found


def read_parquet(path: Path, file: str, inst: Instrument,
                 column_map: Mapping[str, str]) -> RawTable:
    import pyarrow.parquet as pq

    try:
        tbl = pq.read_table(path)
        cols = tbl.to_pydict()
    except Exception as e:  # noqa: BLE001 - pyarrow raises many types on bad files
        raise ResponseFileError(file, f"cannot be read as a Parquet file ({type(e).__name__}: "
                                f"{e})") from None
    names = list(cols)
    n = tbl.num_rows
    if not names:
        raise ResponseFileError(file, "is empty (no columns); export the responses again",
                                code="file_empty")
    data = [(k + 1, [cols[c][k] for c in names]) for k in range(n)]
    return _finish_table(_table(file, "parquet", "row", names, data), inst, column_map,
                         "parquet")
