"""The engine every reader shares: text decoding and delimiter sniffing, raw rows into a
:class:`~analysis.responses.data.RawTable`, and the mapping of its columns to item ids and the
metadata of :mod:`instruments.response_format`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from instruments.response_format import META_COLUMNS
from instruments.schema import Instrument
from instruments.spreadsheet import unguard

from ..data import RawTable
from ..log import CleaningEntry, ResponseFileError
from ..validate import codebook, is_blank, show
from .records import Records, read_records


def _read_text(path: Path, file: str, encoding: str) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise ResponseFileError(file, "is empty; export the responses again", code="file_empty")
    enc = encoding
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        enc = "utf-16"  # Qualtrics TSV exports are UTF-16
    elif enc.lower().replace("-", "") in {"utf8", "utf8sig"}:
        enc = "utf-8-sig"
    try:
        text = data.decode(enc)
    except LookupError:
        raise ResponseFileError(file, f"unknown encoding '{encoding}'; use e.g. utf-8, cp1252, "
                                "latin-1", code="unknown_encoding") from None
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ResponseFileError(file, f"is not {encoding} text (byte {e.start} on line {line} "
                                f"cannot be decoded); save it as UTF-8, or pass the encoding it "
                                "was saved in (e.g. encoding='cp1252')", code="not_text") from None
    if "\x00" in text:
        raise ResponseFileError(file, "contains NUL bytes, so it is not a text file; check the "
                                "format", code="not_text")
    return text


def _sniff_delimiter(text: str) -> str:
    first = text.lstrip("\r\n").split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(text: str, file: str, delimiter: str) -> Records:
    """The records of delimited text, checked line by line (see :mod:`.records`): ``.rows``
    holds (line where the record starts, cells) for every non-blank record; pass the result
    to :func:`_attach` once the table is built."""
    return read_records(text, file, delimiter)


def _attach(table: RawTable, records: Records) -> RawTable:
    """Add the rows :func:`_csv_rows` dropped, and its problems, to ``table``."""
    table.value_problems = list(records.problems) + table.value_problems
    for reason, rows in records.dropped.items():
        table.dropped.setdefault(reason, []).extend(rows)
    for row, cells in records.dropped_cells.items():
        table.dropped_cells[row] = dict(zip(table.columns, cells, strict=False))
    return table


def _drop_rows(table: RawTable, keep: Sequence[bool], reason: str) -> None:
    """Drop the rows of ``table`` where ``keep`` is false, counted under ``reason``; their
    cells are kept aside (``dropped_cells``) so the cleaning log can name each respondent."""
    gone = [k for k, ok in enumerate(keep) if not ok]
    if not gone:
        return
    rows = [table.rows[k] for k in gone]
    table.dropped.setdefault(reason, []).extend(rows)
    for k, row in zip(gone, rows, strict=True):
        table.dropped_cells[row] = {c: vals[k] for c, vals in table.cells.items()}
    table.cells = {c: [v for v, ok in zip(vals, keep, strict=True) if ok]
                   for c, vals in table.cells.items()}
    table.rows = [r for r, ok in zip(table.rows, keep, strict=True) if ok]
    dropped = set(rows)
    table.value_problems = [e for e in table.value_problems if e.row not in dropped]
    for k, vals in table.extra_meta.items():
        if len(vals) == len(keep):
            table.extra_meta[k] = [v for v, ok in zip(vals, keep, strict=True) if ok]


def _unique(names: Sequence[Any]) -> list[str]:
    """Column names as unique strings: blanks become '(column N)', repeats 'name (2)'."""
    out: list[str] = []
    seen: set[str] = set()
    counts: dict[str, int] = {}
    for k, raw in enumerate(names):
        name = "" if raw is None else str(unguard(raw)).strip()
        if not name:
            name = f"(column {k + 1})"
        base, j = name, counts.get(name, 1)
        while name in seen:  # j resumes where the last repeat of this name stopped
            j += 1
            name = f"{base} ({j})"
        counts[base] = j
        seen.add(name)
        out.append(name)
    return out


def _table(file: str, fmt: str, unit: str, header: Sequence[Any],
           data: Sequence[tuple[int, Sequence[Any]]]) -> RawTable:
    """A RawTable from a header and (row number, cells) rows; ragged rows are logged."""
    columns = _unique(header)
    width = len(columns)
    cells: dict[str, list[Any]] = {c: [] for c in columns}
    rows: list[int] = []
    problems: list[CleaningEntry] = []
    for row, values in data:
        values = [unguard(v) for v in values]  # a cell engagekit wrote as '=... reads as =...
        if len(values) > width:
            extra = [v for v in values[width:] if not is_blank(v)]
            if extra:
                problems.append(CleaningEntry(
                    file, row, None, None, show(extra[0]), "ragged_row",
                    f"row has {len(values)} cells but the header has {width} columns",
                    "extra cells ignored", "check for unquoted delimiters in the row", unit))
        elif len(values) < width and unit == "line":
            problems.append(CleaningEntry(
                file, row, None, None, None, "ragged_row",
                f"row has {len(values)} cells but the header has {width} columns",
                "the missing cells read as blank", "check for a line break or a missing "
                "delimiter in the row", unit))
        values = values[:width] + [None] * (width - len(values))
        for c, v in zip(columns, values, strict=True):
            cells[c].append(v)
        rows.append(row)
    return RawTable(file=file, format=fmt, unit=unit, columns=columns, cells=cells, rows=rows,
                    value_problems=problems)


def _drop_blank_columns(table: RawTable) -> None:
    """Unnamed columns without any value (spreadsheet padding) are dropped silently."""
    for c in list(table.columns):
        if c.startswith("(column ") and all(is_blank(v) for v in table.cells[c]):
            table.columns.remove(c)
            del table.cells[c]


def _map_columns(table: RawTable, inst: Instrument, column_map: Mapping[str, str],
                 resolve=None, meta: Mapping[str, str] | None = None,
                 ignored: Mapping[str, str] | None = None) -> None:
    """Fill ``item_columns``, ``meta_columns``, ``ignored`` and ``unknown`` of a table.

    Order: the user's column map, a reader-specific ``resolve(column) -> item id | None``, an
    exact item id, ``meta`` (column -> META name), ``ignored`` (column -> reason); anything else
    is unknown.
    """
    book = codebook(inst)
    meta = dict(meta or {c: c for c in META_COLUMNS})
    ignored = ignored or {}
    for col in table.columns:
        item = column_map.get(col)
        if item is None and resolve is not None:
            item = resolve(col)
        if item is None and col in book:
            item = col
        if item is not None:
            if item in table.item_columns:
                table.duplicates.append((item, table.item_columns[item], col))
            else:
                table.item_columns[item] = col
        elif col in meta and meta[col] not in table.meta_columns:
            table.meta_columns[meta[col]] = col
        elif col in ignored:
            table.ignored[col] = ignored[col]
        else:
            table.unknown.append(col)


def _finish_table(table: RawTable, inst: Instrument, column_map: Mapping[str, str],
                  fmt: str) -> RawTable:
    _drop_blank_columns(table)
    _map_columns(table, inst, column_map)
    if {"respondent_id", "instrument_id", "instrument_version"} <= set(table.meta_columns):
        table.format = "engagekit" if fmt == "csv" else f"engagekit ({fmt})"
    else:
        table.format = fmt
    return table
