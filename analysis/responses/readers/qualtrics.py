"""Qualtrics CSV/TSV exports: three header rows (export tags, question texts, ImportIds); items
mapped through the ImportIds, metadata recognised, preview and test responses dropped.
"""

from __future__ import annotations

import json
import math
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from instruments.schema import Instrument

from ..data import RawTable
from ..log import ResponseFileError
from ..validate import codebook
from .common import (
    _attach,
    _csv_rows,
    _drop_rows,
    _map_columns,
    _read_text,
    _sniff_delimiter,
    _table,
    _unique,
)

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
    """Three header rows with ImportIds on the third; or Qualtrics' own first-row names
    (``ResponseId`` and ``StartDate``/``RecordedDate``), so that an export cut off inside its
    header rows is read as one and said to be cut off."""
    lines = text.lstrip("\ufeff").splitlines()[:3]
    if len(lines) == 3 and '"ImportId"' in lines[2].replace('""', '"'):
        return True
    first = lines[0] if lines else ""
    return "ResponseId" in first and ("StartDate" in first or "RecordedDate" in first)


def read_qualtrics(path: Path, file: str, inst: Instrument, column_map: Mapping[str, str],
                   encoding: str, drop_preview: bool = True) -> RawTable:
    """A Qualtrics CSV/TSV export with its three header rows (names, texts, ImportIds).

    Columns are mapped by the column map (keys may be ImportIds such as ``QID20_3`` or the
    first-row names), else by first-row names (export tags) equal to item ids. Preview and test
    responses (``Status`` / ``DistributionChannel``) are dropped and counted. Exports with
    "choice text" instead of numeric values are read through the items' anchor labels (every
    language; :func:`~analysis.responses.validate.anchor_labels`).
    """
    text = _read_text(path, file, encoding)
    records = _csv_rows(text, file, _sniff_delimiter(text))
    rows = records.rows
    header_end = rows[2][0] if len(rows) >= 3 else float("inf")
    cut = [r for rs in records.dropped.values() for r in rs if r <= header_end]
    if cut:
        raise ResponseFileError(file, f"ends or breaks inside its three header rows (line "
                                f"{cut[0]}: {records.problems[0].message}); the export was cut "
                                "off or edited: export it again", row=cut[0])
    if len(rows) < 3:
        raise ResponseFileError(file, f"has {len(rows)} of the three header rows of a Qualtrics "
                                "export (names, question texts, ImportIds): the file was cut "
                                "off or is not a Qualtrics export; export it again")
    names = _unique(rows[0][1])
    cells3 = (rows[2][1] + [""] * len(names))[: len(names)]
    imports = _qualtrics_import_ids(cells3)
    if sum(x is not None for x in imports) < max(1, len(names) // 2):
        raise ResponseFileError(file, "line 3 does not hold Qualtrics ImportIds "
                                '({"ImportId":"QID1"}); export as CSV with the default (not '
                                "legacy) format")
    table = _attach(_table(file, "qualtrics", "line", names, rows[3:]), records)
    table.choice_text = True  # exported with "Use choice text": read through anchor labels
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
        _drop_rows(table, keep, "preview/test responses (Status or DistributionChannel)")
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
