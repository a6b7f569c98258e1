"""JSON response files: SurveyJS results (a matrix question is a nested object of item ids) and
the engagekit response format as JSON (one flat object per respondent) - one reader, since the
engagekit JSON is the flat case.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from instruments.response_format import META_COLUMNS
from instruments.schema import Instrument

from ..data import RawTable
from ..log import ResponseFileError
from ..validate import codebook
from .common import _map_columns, _read_text


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
