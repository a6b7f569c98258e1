"""Tables: the engagekit response format (or bare item-id columns) in CSV/TSV, Excel (.xlsx) and
Parquet files. A table with the ``respondent_id``, ``instrument_id`` and ``instrument_version``
columns is read as the engagekit format; any other is read as a plain table.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from instruments.schema import Instrument

from ..data import RawTable
from ..log import ResponseFileError
from ..validate import is_blank
from .common import _csv_rows, _finish_table, _read_text, _sniff_delimiter, _table


def read_delimited(path: Path, file: str, inst: Instrument, column_map: Mapping[str, str],
                   encoding: str, delimiter: str | None = None, fmt: str = "csv") -> RawTable:
    text = _read_text(path, file, encoding)
    rows = _csv_rows(text, file, delimiter or _sniff_delimiter(text))
    if not rows:
        raise ResponseFileError(file, "is empty; export the responses again", code="file_empty")
    (_, header), data = rows[0], rows[1:]
    return _finish_table(_table(file, fmt, "line", header, data), inst, column_map, fmt)


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
    rows = [(k, r) for k, r in all_rows if any(not is_blank(v) for v in r)]
    if not rows:
        raise ResponseFileError(file, "is empty (the sheet has no cells); export the responses "
                                "again", code="file_empty")
    (_, header), data = rows[0], rows[1:]
    return _finish_table(_table(file, "excel", "row", header, data), inst, column_map, "excel")


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
