"""LimeSurvey response CSV exports: headings are question codes (``code[SQ001]`` or
``code_SQ001`` for array sub-questions), matched to item ids ignoring case and underscores.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from instruments.schema import Instrument

from ..data import RawTable
from ..log import ResponseFileError
from ..validate import codebook, is_blank
from .common import _attach, _csv_rows, _map_columns, _read_text, _sniff_delimiter, _table

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
    underscores (LimeSurvey codes are alphanumeric: ``aff01`` is item ``aff_01``). Exports
    with "full answers" instead of answer codes are read through the items' anchor labels
    (every language; :func:`~analysis.responses.validate.anchor_labels`).
    """
    text = _read_text(path, file, encoding)
    records = _csv_rows(text, file, _sniff_delimiter(text))
    rows = records.rows
    if not rows:
        raise ResponseFileError(file, "is empty; export the responses again", code="file_empty")
    table = _attach(_table(file, "limesurvey", "line", rows[0][1], rows[1:]), records)
    table.choice_text = True  # exported with "Full answers": read through anchor labels
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
