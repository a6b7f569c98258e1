"""Readers for response files: the engagekit format and the survey platforms' exports.

Every reader turns its file into a :class:`~analysis.responses.data.RawTable` (raw cells in
columns mapped to item ids through the instrument's codebook, never through labels), and
:func:`~analysis.responses.data.assemble` validates it. Files are opened read-only and never
modified. Anything unreadable raises :class:`~analysis.responses.log.ResponseFileError`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from instruments.response_format import META_COLUMNS
from instruments.schema import Instrument

from .data import RawTable, ResponseData, assemble
from .log import CleaningEntry, ColumnMapError, ResponseFileError
from .validate import codebook, is_blank, show

#: ``format=`` values accepted by :func:`read_responses`.
FORMATS = ("auto", "engagekit", "csv", "tsv", "excel", "parquet", "json", "qualtrics",
           "limesurvey", "surveyjs", "spss")

_SUFFIX_FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "excel",
                   ".xlsm": "excel", ".parquet": "parquet", ".pq": "parquet", ".json": "json",
                   ".sav": "spss", ".zsav": "spss"}


# ---- column maps -----------------------------------------------------------------------------


def load_column_map(source: Mapping[str, str] | str | Path | None,
                    inst: Instrument) -> dict[str, str]:
    """A column map ``{file column / ImportId / JSON key: item id}`` from a dict or a file.

    Files: ``.json`` (an object), ``.yaml``/``.yml`` (a mapping) or ``.csv`` with the columns
    ``column,item``. Every target must be an item id of the instrument.
    """
    if source is None:
        return {}
    name = "column map"
    if isinstance(source, str | Path):
        path = Path(source)
        name = str(path)
        if not path.is_file():
            raise ColumnMapError(f"{name}: file not found")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as e:
            raise ColumnMapError(f"{name}: cannot be read as UTF-8 text ({e})") from None
        try:
            if path.suffix.lower() == ".json":
                data = json.loads(text)
            elif path.suffix.lower() in {".yaml", ".yml"}:
                from ruamel.yaml import YAML

                data = YAML(typ="safe", pure=True).load(text)
            else:
                rows = list(csv.reader(io.StringIO(text)))
                if not rows or [c.strip().lower() for c in rows[0][:2]] != ["column", "item"]:
                    raise ColumnMapError(f"{name}: a CSV column map needs the header "
                                         "'column,item'")
                data = {}
                for k, r in enumerate(rows[1:], start=2):
                    if len(r) < 2:
                        if any(c.strip() for c in r):
                            raise ColumnMapError(f"{name}, line {k}: needs two cells, column "
                                                 "and item")
                        continue
                    data[r[0].strip()] = r[1].strip()
        except ColumnMapError:
            raise
        except Exception as e:  # noqa: BLE001 - JSON/YAML syntax errors of many kinds
            raise ColumnMapError(f"{name}: cannot be parsed ({type(e).__name__}: {e})") from None
    else:
        data = source
    if not isinstance(data, Mapping):
        raise ColumnMapError(f"{name}: must map file columns to item ids, e.g. "
                             '{"QID20_1": "aff_01"}')
    items = {i.id for i in inst.items()}
    out: dict[str, str] = {}
    bad = []
    for k, v in data.items():
        if not isinstance(v, str) or v not in items:
            bad.append(f"{k!s} -> {v!s}")
        else:
            out[str(k)] = v
    if bad:
        hint = ""
        if all(str(k) in items for k in data):
            hint = " (the map looks inverted: it maps file columns TO item ids)"
        raise ColumnMapError(f"{name}: {len(bad)} entr{'y' if len(bad) == 1 else 'ies'} map to "
                             f"unknown item ids: {', '.join(bad[:5])}{hint}")
    return out


# ---- text helpers ----------------------------------------------------------------------------


def _read_text(path: Path, file: str, encoding: str) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise ResponseFileError(file, "is empty; export the responses again")
    enc = encoding
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        enc = "utf-16"  # Qualtrics TSV exports are UTF-16
    elif enc.lower().replace("-", "") in {"utf8", "utf8sig"}:
        enc = "utf-8-sig"
    try:
        text = data.decode(enc)
    except LookupError:
        raise ResponseFileError(file, f"unknown encoding '{encoding}'; use e.g. utf-8, cp1252, "
                                "latin-1") from None
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ResponseFileError(file, f"is not {encoding} text (byte {e.start} on line {line} "
                                f"cannot be decoded); save it as UTF-8, or pass the encoding it "
                                "was saved in (e.g. encoding='cp1252')") from None
    if "\x00" in text:
        raise ResponseFileError(file, "contains NUL bytes, so it is not a text file; check the "
                                "format")
    return text


def _sniff_delimiter(text: str) -> str:
    first = text.lstrip("\r\n").split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(text: str, file: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """(line number where the record starts, cells) for every non-blank record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: list[tuple[int, list[str]]] = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise ResponseFileError(file, f"is not valid delimited text near line "
                                    f"{reader.line_num} ({e}); check quoting") from None
        if row and any(c.strip() for c in row):
            out.append((start, row))
    return out


def _unique(names: Sequence[Any]) -> list[str]:
    """Column names as unique strings: blanks become '(column N)', repeats 'name (2)'."""
    out: list[str] = []
    seen: set[str] = set()
    for k, raw in enumerate(names):
        name = "" if raw is None else str(raw).strip()
        if not name:
            name = f"(column {k + 1})"
        base, j = name, 1
        while name in seen:
            j += 1
            name = f"{base} ({j})"
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
        values = list(values)
        if len(values) > width:
            extra = [v for v in values[width:] if not is_blank(v)]
            if extra:
                problems.append(CleaningEntry(
                    file, row, None, None, show(extra[0]), "ragged_row",
                    f"row has {len(values)} cells but the header has {width} columns",
                    "extra cells ignored", "check for unquoted delimiters in the row", unit))
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


# ---- plain tables and the engagekit format ----------------------------------------------------


def _finish_table(table: RawTable, inst: Instrument, column_map: Mapping[str, str],
                  fmt: str) -> RawTable:
    _drop_blank_columns(table)
    _map_columns(table, inst, column_map)
    if {"respondent_id", "instrument_id", "instrument_version"} <= set(table.meta_columns):
        table.format = "engagekit" if fmt == "csv" else f"engagekit ({fmt})"
    else:
        table.format = fmt
    return table


def read_delimited(path: Path, file: str, inst: Instrument, column_map: Mapping[str, str],
                   encoding: str, delimiter: str | None = None, fmt: str = "csv") -> RawTable:
    text = _read_text(path, file, encoding)
    rows = _csv_rows(text, file, delimiter or _sniff_delimiter(text))
    if not rows:
        raise ResponseFileError(file, "is empty; export the responses again")
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
                                        + ", ".join(wb.sheetnames))
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
                                "again")
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
        raise ResponseFileError(file, "is empty (no columns); export the responses again")
    data = [(k + 1, [cols[c][k] for c in names]) for k in range(n)]
    return _finish_table(_table(file, "parquet", "row", names, data), inst, column_map,
                         "parquet")


# ---- JSON: the engagekit format and SurveyJS results ------------------------------------------


def read_json(path: Path, file: str, inst: Instrument, column_map: Mapping[str, str],
              encoding: str, fmt: str = "json") -> RawTable:
    """A JSON list of objects, one per respondent.

    Top-level keys are item ids or metadata (the engagekit format); a value that is an object
    is a SurveyJS matrix ``{"block": {"aff_01": 4}}`` whose keys are item ids (or mapped by
    ``"block.row"`` / ``"row"`` in the column map). Unanswered matrix rows are simply absent.
    """
    text = _read_text(path, file, encoding)
    try:
        data = json.loads(text)
    except RecursionError:
        raise ResponseFileError(file, "is nested too deeply to be a response file") from None
    except ValueError as e:
        raise ResponseFileError(file, f"is not valid JSON ({e}); check the file") from None
    if isinstance(data, dict):
        lists = [k for k in ("responses", "results", "data") if isinstance(data.get(k), list)]
        if not lists:
            raise ResponseFileError(file, "must be a JSON list of objects, one per respondent "
                                    "(got an object)")
        data = data[lists[0]]
    if not isinstance(data, list):
        raise ResponseFileError(file, "must be a JSON list of objects, one per respondent (got "
                                f"{type(data).__name__})")
    book = codebook(inst)
    columns: dict[str, None] = {}  # insertion-ordered set
    where: dict[str, tuple[str, str | None]] = {}
    records: list[dict[str, Any]] = []
    nested = False
    for k, rec in enumerate(data, start=1):
        if not isinstance(rec, dict):
            raise ResponseFileError(file, f"must hold one object per respondent; this is a "
                                    f"{type(rec).__name__}", row=k, unit="record")
        flat: dict[str, Any] = {}
        for key, val in rec.items():
            key = str(key)
            if isinstance(val, dict) and key not in META_COLUMNS and key not in book:
                nested = True
                for k2, v2 in val.items():
                    name = f"{key}.{k2}"
                    flat[name] = v2
                    where.setdefault(name, (key, str(k2)))
            else:
                flat[key] = val
                where.setdefault(key, (key, None))
        columns.update(dict.fromkeys(flat))
        records.append(flat)
    cells = {c: [r.get(c) for r in records] for c in columns}
    table = RawTable(file=file, format=fmt, unit="record", columns=list(columns), cells=cells,
                     rows=list(range(1, len(records) + 1)))

    def resolve(col: str) -> str | None:
        outer, inner = where[col]
        if inner is None:
            return None
        return column_map.get(inner) or (inner if inner in book else None)

    _map_columns(table, inst, column_map, resolve=resolve)
    if fmt == "json":
        if nested or "instrument_id" not in table.meta_columns:
            table.format = "surveyjs"
        else:
            table.format = "engagekit (json)"
    return table


# ---- Qualtrics ---------------------------------------------------------------------------------

#: Qualtrics ImportIds of response metadata -> engagekit meta names (None: ignored, explained).
_QUALTRICS_META = {
    "startdate": "started_at", "enddate": "ended_at", "_recordid": "respondent_id",
    "userlanguage": "language",
}
_QUALTRICS_IGNORED = {
    "status": "response type (preview/test responses are dropped by it)",
    "ipaddress": "Qualtrics metadata", "progress": "Qualtrics metadata (percent completed)",
    "duration": "Qualtrics metadata (read as the duration)",
    "finished": "Qualtrics metadata (read as 'finished')",
    "recordeddate": "Qualtrics metadata", "recipientlastname": "Qualtrics metadata",
    "recipientfirstname": "Qualtrics metadata", "recipientemail": "Qualtrics metadata",
    "externaldatareference": "Qualtrics metadata", "externalreference": "Qualtrics metadata",
    "locationlatitude": "Qualtrics metadata", "locationlongitude": "Qualtrics metadata",
    "distributionchannel": "distribution channel (preview/test responses are dropped by it)",
}
#: Status values (choice text or numeric code) of responses that are not real respondents.
_QUALTRICS_PREVIEW_STATUS = {"survey preview", "survey test", "1", "2", "9", "17",
                             "survey preview spam", "offline survey preview"}


def _qualtrics_import_ids(cells: Sequence[str]) -> list[dict[str, Any] | None]:
    out: list[dict[str, Any] | None] = []
    for c in cells:
        try:
            obj = json.loads(c)
        except (ValueError, RecursionError):
            obj = None
        out.append(obj if isinstance(obj, dict) and isinstance(obj.get("ImportId"), str)
                   else None)
    return out


def looks_like_qualtrics(text: str) -> bool:
    lines = text.lstrip("\ufeff").splitlines()[:3]
    return len(lines) == 3 and '"ImportId"' in lines[2].replace('""', '"')


def read_qualtrics(path: Path, file: str, inst: Instrument, column_map: Mapping[str, str],
                   encoding: str, drop_preview: bool = True) -> RawTable:
    """A Qualtrics CSV/TSV export with its three header rows (names, texts, ImportIds).

    Columns are mapped by the column map (keys may be ImportIds such as ``QID20_3`` or the
    first-row names), else by first-row names (export tags) equal to item ids. Preview and test
    responses (``Status`` / ``DistributionChannel``) are dropped and counted.
    """
    text = _read_text(path, file, encoding)
    rows = _csv_rows(text, file, _sniff_delimiter(text))
    if len(rows) < 3:
        raise ResponseFileError(file, "is not a Qualtrics export: it needs three header rows "
                                "(names, question texts, ImportIds)")
    names = _unique(rows[0][1])
    cells3 = (rows[2][1] + [""] * len(names))[: len(names)]
    imports = _qualtrics_import_ids(cells3)
    if sum(x is not None for x in imports) < max(1, len(names) // 2):
        raise ResponseFileError(file, "line 3 does not hold Qualtrics ImportIds "
                                '({"ImportId":"QID1"}); export as CSV with the default (not '
                                "legacy) format")
    table = _table(file, "qualtrics", "line", names, rows[3:])
    import_of = {c: (imp or {}) for c, imp in zip(names, imports, strict=True)}
    book = codebook(inst)
    meta: dict[str, str] = {}
    ignored: dict[str, str] = {}
    key_of: dict[str, str] = {}
    for c in names:
        imp = import_of[c].get("ImportId", "")
        key = imp.lower()
        key_of[c] = key
        if key in _QUALTRICS_META:
            meta[c] = _QUALTRICS_META[key]
            zone = import_of[c].get("timeZone")
            if zone and _QUALTRICS_META[key] in ("started_at", "ended_at"):
                try:
                    zoneinfo.ZoneInfo(str(zone))
                    table.timezone[_QUALTRICS_META[key]] = str(zone)
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    table.notes.append(f"unknown time zone '{zone}' of column '{c}'; times "
                                       "read as UTC")
        elif key in _QUALTRICS_IGNORED:
            ignored[c] = _QUALTRICS_IGNORED[key]
        elif imp and not re.match(r"^QID\d+", imp):
            ignored[c] = "Qualtrics metadata or embedded data"
        elif imp.endswith("_DO"):
            ignored[c] = "Qualtrics display order"
        elif imp.endswith("_NPS_GROUP"):
            ignored[c] = "Qualtrics NPS group (derived; NPS is scored from the 0-10 item)"

    def resolve(col: str) -> str | None:
        imp = import_of[col].get("ImportId")
        if imp in column_map:
            return column_map[imp]
        if imp in book:
            return imp
        return None

    _map_columns(table, inst, column_map, resolve=resolve, meta=meta, ignored=ignored)
    by_key = {key_of[c]: c for c in names}
    status = table.cells.get(by_key.get("status", ""), None)
    channel = table.cells.get(by_key.get("distributionchannel", ""), None)
    if drop_preview and (status is not None or channel is not None):
        keep = []
        for k in range(len(table.rows)):
            st = str(status[k] or "").strip().lower() if status is not None else ""
            ch = str(channel[k] or "").strip().lower() if channel is not None else ""
            keep.append(not (st in _QUALTRICS_PREVIEW_STATUS or ch in {"preview", "test"}))
        dropped = [r for r, ok in zip(table.rows, keep, strict=True) if not ok]
        if dropped:
            table.dropped["preview/test responses (Status or DistributionChannel)"] = dropped
            table.cells = {c: [v for v, ok in zip(vals, keep, strict=True) if ok]
                           for c, vals in table.cells.items()}
            table.rows = [r for r, ok in zip(table.rows, keep, strict=True) if ok]
            table.value_problems = [e for e in table.value_problems if e.row not in dropped]
    fin = table.cells.get(by_key.get("finished", ""))
    if fin is not None:
        table.extra_meta["finished"] = [
            {"true": True, "1": True, "false": False, "0": False}.get(str(v).strip().lower())
            for v in fin]
    dur = table.cells.get(by_key.get("duration", ""))
    if dur is not None:
        vals = []
        for v in dur:
            try:
                x = float(v)
            except (TypeError, ValueError):
                x = math.nan
            vals.append(x if math.isfinite(x) and x >= 0 else math.nan)
        table.extra_meta["duration_s"] = vals
    return table


# ---- LimeSurvey ----------------------------------------------------------------------------------

_LIME_META = {"id": "respondent_id", "startdate": "started_at", "submitdate": "ended_at",
              "startlanguage": "language"}
_LIME_IGNORED = {"lastpage": "LimeSurvey metadata (last page seen)",
                 "seed": "LimeSurvey metadata (randomisation seed)",
                 "datestamp": "LimeSurvey metadata (time of the last action)",
                 "ipaddr": "LimeSurvey metadata", "refurl": "LimeSurvey metadata",
                 "token": "LimeSurvey metadata (participant token)",
                 "interviewtime": "LimeSurvey timing"}
#: LimeSurvey writes this date when date stamps are off (anonymised surveys).
_LIME_NO_DATE = "1980-01-01 00:00:00"


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


def looks_like_limesurvey(header: Sequence[str]) -> bool:
    low = {h.strip().lower() for h in header}
    return ("submitdate" in low and ("lastpage" in low or "startlanguage" in low)) or (
        "id" in low and any(re.match(r"^\w+\[\w+\]$", h.strip()) for h in header))


def read_limesurvey(path: Path, file: str, inst: Instrument, column_map: Mapping[str, str],
                    encoding: str) -> RawTable:
    """A LimeSurvey response export (CSV, headings as question codes).

    Array sub-questions are ``code[SQ001]`` or ``code_SQ001``. A column is an item when the
    column map says so, or when its (sub-)question code equals the item id ignoring case and
    underscores (LimeSurvey codes are alphanumeric: ``aff01`` is item ``aff_01``).
    """
    text = _read_text(path, file, encoding)
    rows = _csv_rows(text, file, _sniff_delimiter(text))
    if not rows:
        raise ResponseFileError(file, "is empty; export the responses again")
    table = _table(file, "limesurvey", "line", rows[0][1], rows[1:])
    book = codebook(inst)
    norm_items: dict[str, str | None] = {}
    for item in book:
        key = _norm(item)
        norm_items[key] = None if key in norm_items else item  # None: ambiguous

    def match(code: str) -> str | None:
        if code in column_map:
            return column_map[code]
        if code in book:
            return code
        return norm_items.get(_norm(code))

    def resolve(col: str) -> str | None:
        m = re.fullmatch(r"(\w+?)\[(\w+)\]", col)
        if m:
            return match(m.group(2)) or match(m.group(1) + m.group(2))
        if col.lower() in _LIME_META or col.lower() in _LIME_IGNORED:
            return None
        direct = match(col)
        if direct or "_" not in col:
            return direct
        return match(col.split("_", 1)[1])

    meta = {c: _LIME_META[c.lower()] for c in table.columns if c.lower() in _LIME_META}
    ignored = {c: _LIME_IGNORED[c.lower()] for c in table.columns if c.lower() in _LIME_IGNORED}
    ignored.update({c: "LimeSurvey timing" for c in table.columns
                    if re.fullmatch(r"(?i)(groupTime\d+|\w+X\d+(X\d+\w*)?Time|\w+Time)", c)
                    and c not in meta})
    _map_columns(table, inst, column_map, resolve=resolve, meta=meta, ignored=ignored)
    sub = table.meta_columns.get("ended_at")
    if sub is not None:  # a submit date (even the 1980 placeholder) means a finished response
        table.extra_meta["finished"] = [not is_blank(v) for v in table.cells[sub]]
    for name in ("started_at", "ended_at"):
        col = table.meta_columns.get(name)
        if col is not None:
            no_date = [k for k, v in enumerate(table.cells[col])
                       if isinstance(v, str) and v.strip() == _LIME_NO_DATE]
            for k in no_date:
                table.cells[col][k] = None
            if no_date:
                table.notes.append(f"{len(no_date)} '{_LIME_NO_DATE}' values in '{col}' mean "
                                   "'not recorded' (date stamps off) and are read as missing")
    return table


# ---- SPSS --------------------------------------------------------------------------------------


def read_spss(path: Path, file: str, inst: Instrument,
              column_map: Mapping[str, str]) -> RawTable:
    """An SPSS .sav file (pyreadstat, ``user_missing=True``).

    Value labels of item variables are checked against the declared scale: a labelled code that
    is neither a scale code nor a missing code is a problem. Values the file declares
    user-missing become missing; when they are not missing codes of the instrument that is
    logged (one entry per variable).
    """
    import pyreadstat

    try:
        df, meta = pyreadstat.read_sav(str(path), user_missing=True, apply_value_formats=False)
    except Exception as e:  # noqa: BLE001 - pyreadstat raises several types on bad files
        raise ResponseFileError(file, f"cannot be read as an SPSS .sav file "
                                f"({type(e).__name__}: {e})") from None
    names = [str(c) for c in df.columns]
    data = []
    cols = [df[c].tolist() for c in df.columns]
    for k in range(len(df)):
        data.append((k + 1, [col[k] for col in cols]))
    table = _finish_table(_table(file, "spss", "case", names, data), inst, column_map, "spss")
    book = codebook(inst)
    labels = getattr(meta, "variable_value_labels", {}) or {}
    ranges = getattr(meta, "missing_ranges", {}) or {}
    for item, col in table.item_columns.items():
        code = book[item]
        if code.codes is None:
            continue
        user_missing = ranges.get(col, [])

        def in_user_missing(x: float, _ranges=user_missing) -> bool:
            try:
                return any(r["lo"] <= x <= r["hi"] for r in _ranges)
            except TypeError:
                return False

        for value, label in (labels.get(col) or {}).items():
            try:
                x = float(value)
            except (TypeError, ValueError):
                x = math.nan
            if x in code.codes or x in code.missing or in_user_missing(x):
                continue
            table.value_problems.append(CleaningEntry(
                file, None, col, item, show(value), "value_label",
                f"value label {show(value)} '{label}' is not a code of {code.describe()}",
                "label ignored; values are checked against the declared scale",
                "fix the value labels, or declare the code as missing in the instrument",
                "case"))
        if user_missing:
            cells = table.cells[col]
            hits = [k for k, v in enumerate(cells) if isinstance(v, float) and not
                    math.isnan(v) and in_user_missing(v) and v not in code.missing]
            for k in hits:
                cells[k] = None
            if hits:
                vals = sorted({show(v) for v in (df[col].iloc[hits])})
                table.value_problems.append(CleaningEntry(
                    file, None, col, item, ", ".join(vals), "user_missing",
                    f"{len(hits)} value(s) the file declares user-missing ({', '.join(vals)}) "
                    f"are not missing codes of {code.describe()}", "set to missing",
                    "declare them under missing_codes of the scale if they mean 'no answer'",
                    "case"))
    return table


# ---- entry point -------------------------------------------------------------------------------


def detect_format(path: Path, encoding: str = "utf-8") -> str:
    """The format of a response file, from its first bytes and its name."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 18)  # Qualtrics' second header row (question texts) can be long
    if head.startswith((b"$FL2", b"$FL3")):
        return "spss"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "excel"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"[", b"{")):
        return "json"
    fmt = _SUFFIX_FORMATS.get(path.suffix.lower(), "csv")
    if fmt in {"csv", "tsv"}:
        try:
            text = head.decode("utf-16") if head[:2] in (b"\xff\xfe", b"\xfe\xff") else \
                head.decode(encoding if encoding else "utf-8", errors="replace")
        except (LookupError, UnicodeDecodeError):
            return fmt
        text = text.lstrip("\ufeff")
        if looks_like_qualtrics(text):
            return "qualtrics"
        try:
            first = next(csv.reader(io.StringIO(text.splitlines()[0] if text.strip() else ""),
                                    delimiter=_sniff_delimiter(text)), [])
        except (csv.Error, IndexError):
            first = []
        if looks_like_limesurvey(first):
            return "limesurvey"
    return fmt


def read_responses(path: str | Path, instrument: Instrument | str | Path, *,
                   format: str = "auto", strict: bool = False,
                   column_map: Mapping[str, str] | str | Path | None = None,
                   encoding: str = "utf-8", sheet: str | None = None,
                   keep_columns: Sequence[str] = (), timezone: str | None = None,
                   drop_preview: bool = True) -> ResponseData:
    """Read a response file and validate it against the instrument's codebook.

    ``format`` is one of :data:`FORMATS` (``auto`` detects it from the file's first bytes and
    name). ``column_map`` maps the file's columns (Qualtrics ImportIds, LimeSurvey codes,
    SurveyJS ``block.row`` keys) to item ids. With ``strict=True`` any problem raises
    :class:`~analysis.responses.log.ResponseValidationError` naming the first one; otherwise
    bad values become missing and every change is in ``.log``. ``timezone`` is the zone of
    date-times written without an offset (default UTC). ``keep_columns`` carries extra columns
    into ``.meta``. The file is only read, never modified.
    """
    from instruments.loader import load_instrument

    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    p = Path(path)
    file = str(path)
    if format not in FORMATS:
        raise ResponseFileError(file, f"unknown format '{format}'; use one of "
                                + ", ".join(FORMATS))
    if not p.exists():
        raise ResponseFileError(file, "file not found; check the path")
    if not p.is_file():
        raise ResponseFileError(file, "is not a file")
    try:
        size = p.stat().st_size
    except OSError as e:
        raise ResponseFileError(file, f"cannot be read ({e})") from None
    if size == 0:
        raise ResponseFileError(file, "is empty (0 bytes); export the responses again")
    if timezone is not None:
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ResponseFileError(file, f"unknown time zone '{timezone}'; use an IANA name "
                                    "such as Europe/Amsterdam") from None
    cmap = load_column_map(column_map, inst)
    fmt = detect_format(p, encoding) if format == "auto" else format
    try:
        if fmt == "engagekit":
            fmt = "json" if detect_format(p, encoding) == "json" else "csv"
        if fmt in {"csv", "tsv"}:
            table = read_delimited(p, file, inst, cmap, encoding,
                                   "\t" if fmt == "tsv" else None, fmt)
        elif fmt == "excel":
            table = read_excel(p, file, inst, cmap, sheet)
        elif fmt == "parquet":
            table = read_parquet(p, file, inst, cmap)
        elif fmt in {"json", "surveyjs"}:
            table = read_json(p, file, inst, cmap, encoding, fmt)
        elif fmt == "qualtrics":
            table = read_qualtrics(p, file, inst, cmap, encoding, drop_preview)
        elif fmt == "limesurvey":
            table = read_limesurvey(p, file, inst, cmap, encoding)
        else:
            table = read_spss(p, file, inst, cmap)
    except OSError as e:
        raise ResponseFileError(file, f"cannot be read ({e.strerror or e})") from None
    if timezone is not None:
        for name in ("started_at", "ended_at"):
            table.timezone.setdefault(name, timezone)
    _survey_fields(table, inst)
    return assemble(table, inst, strict=strict, keep_columns=keep_columns)


#: Consent answers that mean "declined" in the platform exports engagekit's survey generators
#: produce: Qualtrics recode 0, LimeSurvey N, SurveyJS false.
_DECLINED = {"0", "n", "no", "false"}


def _declined(value: Any) -> bool:
    if isinstance(value, bool):
        return value is False
    if isinstance(value, int | float):
        return value == 0
    return isinstance(value, str) and value.strip().lower() in _DECLINED


def _survey_fields(table: RawTable, inst: Instrument) -> None:
    """Fields the engagekit survey generators add around the items: a ``consent`` question
    (respondents who declined have no answers and are dropped, counted) and the values of
    piping placeholders such as ``brand`` (ignored)."""
    placeholders = {p.id for p in inst.placeholders}
    for col in list(table.unknown):
        if col in placeholders:
            table.unknown.remove(col)
            table.ignored[col] = "value of the piping placeholder {" + col + "}"
        elif col.lower() == "consent":
            table.unknown.remove(col)
            table.ignored[col] = "consent question (respondents who declined are dropped)"
            cells = table.cells[col]
            keep = [not _declined(v) for v in cells]
            dropped = [r for r, ok in zip(table.rows, keep, strict=True) if not ok]
            if dropped:
                table.dropped["declined consent"] = dropped
                table.cells = {c: [v for v, ok in zip(vals, keep, strict=True) if ok]
                               for c, vals in table.cells.items()}
                table.rows = [r for r, ok in zip(table.rows, keep, strict=True) if ok]
                table.value_problems = [e for e in table.value_problems if e.row not in dropped]
                for k, vals in table.extra_meta.items():
                    table.extra_meta[k] = [v for v, ok in zip(vals, keep, strict=True) if ok]
