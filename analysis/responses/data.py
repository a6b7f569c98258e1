"""``ResponseData`` (what every reader returns) and the assembly step shared by all readers."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from instruments.plain import to_plain
from instruments.response_format import META_COLUMNS
from instruments.schema import Instrument

from .log import CleaningEntry, ResponseFileError, ResponseValidationError
from .validate import (
    Cleaner,
    anchor_labels,
    clean_items,
    codebook,
    is_blank,
    normalise_language,
    parse_display_order,
    parse_timestamp,
    show,
    suggest,
)

#: Names of ``ResponseData.meta`` columns engagekit fills itself (a kept column may not take one).
_RESERVED_META = {*META_COLUMNS, "duration_s", "finished", "source_row"}


@dataclass
class RawTable:
    """A response file as raw cells, before validation (built by each reader)."""

    file: str
    format: str
    unit: str
    columns: list[str]  # source column names in file order
    cells: dict[str, list[Any]]  # source column -> raw cell per kept row
    rows: list[int]  # row number (in ``unit``) of each kept row
    item_columns: dict[str, str] = field(default_factory=dict)  # item id -> source column
    meta_columns: dict[str, str] = field(default_factory=dict)  # META_COLUMNS name -> column
    ignored: dict[str, str] = field(default_factory=dict)  # column -> why (platform metadata)
    unknown: list[str] = field(default_factory=list)  # neither item nor known metadata
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)  # item, used, ignored
    dropped: dict[str, list[int]] = field(default_factory=dict)  # reason -> rows dropped
    dropped_cells: dict[int, dict[str, Any]] = field(default_factory=dict)  # row -> its cells
    notes: list[str] = field(default_factory=list)
    extra_meta: dict[str, list[Any]] = field(default_factory=dict)  # parsed platform metadata
    timezone: dict[str, str] = field(default_factory=dict)  # meta name -> zone of naive times
    value_problems: list[CleaningEntry] = field(default_factory=list)  # format-specific
    #: the platform can export choice text instead of codes (Qualtrics, LimeSurvey): text
    #: cells of items with anchors are read through the anchor labels
    choice_text: bool = False


@dataclass
class SourceInfo:
    """Where the responses came from and what the reader did with the file as a whole."""

    file: str
    format: str
    unit: str
    n_rows: int  # data rows in the file (before dropping preview/test rows)
    n_respondents: int
    dropped: dict[str, int]
    dropped_rows: dict[str, list[int]]
    columns: dict[str, str]  # item id -> column of the file it was read from
    ignored_columns: dict[str, str]
    missing_codes: dict[str, int]  # item id -> answers given as a declared missing code
    notes: list[str]
    #: reason -> respondent id of each dropped row (None where the row has no readable id)
    dropped_ids: dict[str, list[str | None]] = field(default_factory=dict)
    #: the column the respondent ids were read from (None: ids made from the row numbers)
    id_column: str | None = None
    #: extra columns kept as metadata (``keep_columns``), carried into every output
    kept_columns: list[str] = field(default_factory=list)
    #: reason -> the kept columns' values of each dropped row (only when columns were kept)
    dropped_kept: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return to_plain(asdict(self))


@dataclass
class ResponseData:
    """Responses read and validated against an instrument.

    * ``items``: one row per respondent (index ``respondent_id``, text), one float column per
      item id in instrument order, the declared codes as numbers and missing answers as NaN;
    * ``meta``: same index; ``instrument_id``, ``instrument_version``, ``language``,
      ``started_at``/``ended_at`` (UTC timestamps), ``duration_s``, ``display_order`` (list of
      item ids or None), ``finished`` (True/False/None where the platform records it),
      ``source_row`` (row number in the file) and any ``keep_columns`` asked for;
    * ``texts``: answers to free-text items;
    * ``log``: every problem found and what was done (:class:`CleaningEntry`);
    * ``source``: the file, format, rows read/dropped and notes (:class:`SourceInfo`).
    """

    items: pd.DataFrame
    meta: pd.DataFrame
    texts: pd.DataFrame
    log: list[CleaningEntry]
    source: SourceInfo
    instrument_id: str
    instrument_version: str

    @property
    def n(self) -> int:
        return len(self.items)

    @property
    def ids(self) -> list[str]:
        return list(self.items.index)

    def dropped_entries(self) -> list[CleaningEntry]:
        """One ``row_dropped`` entry per row the reader dropped (declined consent, preview or
        test responses, unparseable rows), with its respondent id where the row had one."""
        s = self.source
        out = []
        for reason, rows in s.dropped_rows.items():
            ids = s.dropped_ids.get(reason, [None] * len(rows))
            for row, rid in zip(rows, ids, strict=False):
                who = f"respondent '{rid}'" if rid else f"the respondent on {s.unit} {row}"
                out.append(CleaningEntry(s.file, row, None, None, None, "row_dropped",
                                         f"{who} dropped: {reason}", "not analysed",
                                         unit=s.unit, respondent_id=rid))
        return sorted(out, key=lambda e: e.row if e.row is not None else -1)

    def log_frame(self, extra: Iterable[CleaningEntry] = ()) -> pd.DataFrame:
        """The cleaning log as a table: every problem, then every dropped row
        (:meth:`dropped_entries`), then ``extra`` entries (e.g. the respondents screening
        excluded, :func:`analysis.responses.accounting.accounting_entries`)."""
        cols = list(CleaningEntry.__dataclass_fields__)
        entries = [*self.log, *self.dropped_entries(), *extra]
        frame = pd.DataFrame([e.to_dict() for e in entries], columns=cols)
        frame["row"] = frame["row"].astype("Int64")  # whole numbers, blank for column entries
        kept = self.kept()
        if len(kept.columns):  # the kept columns, for each entry about a row of the file
            by_row: dict[int, dict[str, Any]] = {}
            for reason, rows in self.source.dropped_rows.items():
                by_row.update(zip(rows, self.source.dropped_kept.get(reason, []),
                                  strict=False))
            rows_of = self.meta["source_row"].tolist()
            by_row.update(zip(rows_of, kept.to_dict(orient="records"), strict=True))
            for c in kept.columns:
                frame[c] = [None if pd.isna(r) else by_row.get(int(r), {}).get(c)
                            for r in frame["row"]]
        return frame

    def subset(self, ids: Iterable[str]) -> ResponseData:
        """The same data restricted to ``ids`` (in the original order)."""
        keep = set(ids)
        mask = [i in keep for i in self.items.index]
        return ResponseData(self.items.loc[mask].copy(), self.meta.loc[mask].copy(),
                            self.texts.loc[mask].copy(), list(self.log), self.source,
                            self.instrument_id, self.instrument_version)

    def kept(self) -> pd.DataFrame:
        """The columns kept as metadata (``keep_columns``), one row per respondent, in the
        order asked for; no columns when none were kept."""
        return self.meta[[c for c in self.source.kept_columns if c in self.meta.columns]]

    def with_kept(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` (indexed by respondent id) with the kept columns inserted first, so that
        every per-respondent output carries them (scores, flags, exports)."""
        kept = self.kept().reindex(frame.index)
        if kept.empty and not len(kept.columns):
            return frame
        return pd.concat([kept, frame.drop(columns=[c for c in kept.columns if c in frame])],
                         axis=1)

    def frame(self) -> pd.DataFrame:
        """Metadata and item codes in one DataFrame (the engagekit response format's columns)."""
        meta = self.meta.reindex(columns=[c for c in META_COLUMNS[1:] if c in self.meta])
        return pd.concat([meta, self.items, self.texts], axis=1)

    def summary(self) -> str:
        s = self.source
        lines = [f"{s.file}: read as {s.format}; {s.n_rows} data {s.unit}s, "
                 f"{self.n} respondents"]
        for reason, k in s.dropped.items():
            rows = s.dropped_rows.get(reason, [])
            shown = ", ".join(str(r) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")
            lines.append(f"  dropped {k} ({reason}): {s.unit}s {shown}")
        lines.append(f"  items read: {len(s.columns)} of {self.items.shape[1] + self.texts.shape[1]}")
        if s.id_column is not None:
            lines.append(f"  respondent ids read from column '{s.id_column}'")
        if s.kept_columns:
            lines.append("  kept as metadata: " + ", ".join(f"'{c}'" for c in s.kept_columns))
        if s.missing_codes:
            total = sum(s.missing_codes.values())
            lines.append(f"  answers given as a missing code (now missing): {total}")
        by_reason: dict[str, list[str]] = {}
        for col, why in s.ignored_columns.items():
            by_reason.setdefault(why, []).append(col)
        for why, cols in by_reason.items():
            lines.append(f"  ignored ({why}): " + ", ".join(f"'{c}'" for c in cols))
        for note in s.notes:
            lines.append(f"  note: {note}")
        counts = Counter(e.problem for e in self.log)
        if self.log:
            lines.append(f"  {len(self.log)} problem(s): " + ", ".join(
                f"{k} {v}" for k, v in counts.items()))
            lines += [f"    {e}" for e in self.log]
        else:
            lines.append("  no problems found")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """Plain, JSON-serialisable data (items in 'split' orientation, NaN as None)."""
        return to_plain({"instrument_id": self.instrument_id,
                         "instrument_version": self.instrument_version, "n": self.n,
                         "items": self.items, "meta": self.meta, "texts": self.texts,
                         "log": [e.to_dict() for e in self.log],
                         "source": self.source.to_dict()}, frames="split")


def _sorted_log(entries: list[CleaningEntry], columns: Sequence[str]) -> list[CleaningEntry]:
    pos = {c: k for k, c in enumerate(columns)}

    def key(e: CleaningEntry) -> tuple:
        return (-1 if e.row is None else e.row, pos.get(e.column, len(pos)))

    return sorted(entries, key=key)


def assemble(table: RawTable, inst: Instrument, *, strict: bool = False,
             keep_columns: Sequence[str] | Mapping[str, str] = ()) -> ResponseData:
    """Validate a :class:`RawTable` against the instrument's codebook -> :class:`ResponseData`.

    ``keep_columns``: file columns to carry into ``meta``, or ``{name in meta: file column}``.
    """
    n = len(table.rows)
    n_rows = n + sum(len(r) for r in table.dropped.values())
    if n_rows == 0:
        raise ResponseFileError(table.file, "contains no responses (no data rows after the "
                                "header); export the responses again", code="no_responses")
    if n == 0:
        reasons = ", ".join(f"{len(r)} {k}" for k, r in table.dropped.items())
        raise ResponseFileError(table.file, f"every row was dropped ({reasons}); no responses "
                                "are left to read", code="no_responses")
    book = codebook(inst)
    log = Cleaner(table.file, table.unit)
    log.entries += table.value_problems
    item_ids = list(book)
    keep = (dict(keep_columns) if isinstance(keep_columns, Mapping)
            else {c: c for c in keep_columns})
    for name, c in keep.items():
        if c not in table.columns:
            raise ResponseFileError(table.file, f"has no column '{c}' to keep; columns are "
                                    + ", ".join(table.columns[:20]), code="invalid_argument")
        if name in _RESERVED_META or name in book:
            raise ResponseFileError(table.file, f"cannot keep column '{c}' as '{name}': "
                                    f"'{name}' is already {'an item' if name in book else 'a metadata column'}"
                                    " of the responses; keep it under another name with a "
                                    "column map", code="invalid_argument")
    kept_cols = set(keep.values())
    # ---- columns ------------------------------------------------------------------------
    retired = set(inst.retired_item_ids)
    position = {c: k for k, c in enumerate(table.columns, start=1)}
    for n_unknown, col in enumerate(table.unknown):
        if col in kept_cols:
            continue
        repeat = re.fullmatch(r"(.+) \((\d+)\)", col)
        if repeat and repeat.group(1) in position:
            base = repeat.group(1)
            pos = position[col]
            what = f"item {base}" if base in book else f"'{base}'"
            log.add("duplicate_column", f"the header names {what} again in column {pos}",
                    "this column ignored (the first one is read)", column=col,
                    item=base if base in book else None,
                    hint="remove or rename the repeated column")
            continue
        if col in retired:
            msg, hint = (f"'{col}' is a retired item of {inst.id}",
                         "it was dropped from the instrument; remove the column or read the "
                         "file with the instrument version that had it")
        else:
            msg = f"'{col}' is not an item of {inst.id} {inst.version}"
            close = suggest(col, item_ids) if n_unknown < 200 else ""  # difflib is slow
            hint = close or ("map it to an item id with a column map, or keep it as metadata "
                             f"with --keep-column {col}")
        log.add("unknown_column", msg, "column ignored", column=col, hint=hint)
    for item_id, used, other in table.duplicates:
        log.add("duplicate_column", f"item {item_id} has two columns, '{used}' and '{other}'",
                f"'{other}' ignored", column=other, item=item_id,
                hint="remove one of the columns or fix the column map")
    for item_id in item_ids:
        if item_id not in table.item_columns:
            log.add("missing_column", f"no column for item {item_id}", "all its answers are "
                    "missing", item=item_id, hint="add the column, or map the file's column to "
                    "the item id with a column map")
    # ---- metadata -----------------------------------------------------------------------
    def meta_cells(name: str) -> list[Any] | None:
        col = table.meta_columns.get(name)
        return None if col is None else table.cells[col]

    inst_ids = meta_cells("instrument_id")
    if inst_ids is not None:
        for k, v in enumerate(inst_ids):
            if not is_blank(v) and str(v).strip() != inst.id:
                raise ResponseFileError(
                    table.file, f"the responses are for instrument '{show(v)}', not '{inst.id}' "
                    f"(column '{table.meta_columns['instrument_id']}'); pass the instrument "
                    "they were collected with", row=table.rows[k], unit=table.unit,
                    code="wrong_instrument")
    versions = meta_cells("instrument_version")
    if versions is not None:
        wrong: dict[str, list[int]] = {}
        for k, v in enumerate(versions):
            if not is_blank(v) and show(v).strip() != inst.version:
                wrong.setdefault(show(v).strip(), []).append(table.rows[k])
        for v, rows in wrong.items():
            log.add("wrong_version", f"{len(rows)} row(s) answered version {v} of {inst.id}, "
                    f"not {inst.version}", "rows kept; items read by their (stable) ids",
                    row=rows[0], column=table.meta_columns["instrument_version"], value=v,
                    hint="check the changelog for changed items, or read the file with the "
                    f"instrument file of version {v}")
    ids_raw = meta_cells("respondent_id")
    ids: list[str] = []
    seen: Counter[str] = Counter()
    used: set[str] = set()
    if ids_raw is None:
        table.notes.append(f"no respondent id column; ids made from the {table.unit} numbers "
                           f"('{table.unit}_N')")
    for k, row in enumerate(table.rows):
        v = None if ids_raw is None else ids_raw[k]
        if v is None or is_blank(v):
            rid = f"{table.unit}_{row}"
            if ids_raw is not None:
                log.add("missing_id", "blank respondent id", f"id '{rid}' given", row=row,
                        column=table.meta_columns["respondent_id"], hint="give every "
                        "respondent a unique id")
        else:
            rid = show(v).strip()
            seen[rid] += 1
            if seen[rid] > 1 or rid in used:
                new = f"{rid}#{seen[rid]}"
                while new in used:
                    seen[rid] += 1
                    new = f"{rid}#{seen[rid]}"
                log.add("duplicate_id", f"respondent id '{rid}' was seen before",
                        f"this row kept as '{new}'", row=row,
                        column=table.meta_columns["respondent_id"], value=v,
                        hint="check for repeated submissions; the duplicate screen flags "
                        "identical answer patterns")
                rid = new
        used.add(rid)
        ids.append(rid)
    meta: dict[str, list[Any]] = {"instrument_id": [inst.id] * n if inst_ids is None else
                                  [None if is_blank(v) else str(v).strip() for v in inst_ids],
                                  "instrument_version": [None] * n if versions is None else
                                  [None if is_blank(v) else show(v).strip() for v in versions]}
    langs = meta_cells("language")
    lang_out: list[str | None] = [None] * n
    if langs is not None:
        for k, v in enumerate(langs):
            if is_blank(v):
                continue
            code = normalise_language(v, inst.language_codes)
            if code is None:
                log.add("unknown_language", f"language '{show(v)}' is not one of "
                        f"{', '.join(inst.language_codes)}", "set to missing",
                        row=table.rows[k], column=table.meta_columns["language"], value=v,
                        hint="use an ISO 639 code the instrument declares")
            lang_out[k] = code
    meta["language"] = lang_out
    for name in ("started_at", "ended_at"):
        cells = meta_cells(name)
        out: list[Any] = [pd.NaT] * n
        if cells is not None:
            for k, v in enumerate(cells):
                if is_blank(v):
                    continue
                ts = parse_timestamp(v, table.timezone.get(name))
                if ts is None:
                    log.add("bad_timestamp", f"'{show(v)}' is not an ISO 8601 date-time",
                            "set to missing", row=table.rows[k],
                            column=table.meta_columns[name], value=v,
                            hint="write times as 2026-11-22T10:15:03Z")
                else:
                    out[k] = ts
        meta[name] = out
    duration = [np.nan] * n
    preset = table.extra_meta.get("duration_s")
    for k in range(n):
        s, e = meta["started_at"][k], meta["ended_at"][k]
        if s is not pd.NaT and e is not pd.NaT:
            d = (e - s).total_seconds()
            if d < 0:
                log.add("end_before_start", f"ended_at {e.isoformat()} is before started_at "
                        f"{s.isoformat()}", "duration set to missing", row=table.rows[k],
                        column=table.meta_columns.get("ended_at"), hint="check the clock or "
                        "time zone of the survey platform")
                continue
            duration[k] = d
        if preset is not None and preset[k] is not None and not math.isnan(preset[k]):
            duration[k] = float(preset[k])
    meta["duration_s"] = duration
    orders = meta_cells("display_order")
    order_out: list[Any] = [None] * n
    if orders is not None:
        known = set(book)
        for k, v in enumerate(orders):
            if v is None or (not isinstance(v, list | tuple | np.ndarray) and is_blank(v)):
                continue
            seq, why = parse_display_order(v, known)
            if why:
                log.add("bad_display_order", f"display order {why}", "set to missing",
                        row=table.rows[k], column=table.meta_columns["display_order"],
                        value=v if isinstance(v, str) else str(v),
                        hint='write it as a JSON list of item ids, e.g. ["aff_02", "aff_01"]')
            order_out[k] = seq
    meta["display_order"] = order_out
    meta["finished"] = table.extra_meta.get("finished", [None] * n)
    meta["source_row"] = list(table.rows)
    for name, c in keep.items():
        meta[name] = [None if is_blank(v) else v for v in table.cells[c]]
    # ---- items --------------------------------------------------------------------------
    raw = {item: table.cells[col] for item, col in table.item_columns.items()}
    as_label: dict[str, int] = {}
    items, texts, missing_counts = clean_items(
        raw, table.rows, table.item_columns, book, log,
        labels=anchor_labels(inst) if table.choice_text else None, read_as_label=as_label)
    if as_label:
        total = sum(as_label.values())
        table.notes.append(f"{total:,} answers of {len(as_label)} items were given as choice "
                           "text and read as codes through the anchor labels ("
                           + ", ".join(inst.language_codes) + ")")
    index = pd.Index(ids, name="respondent_id", dtype=object)
    items.index = index
    texts.index = index
    meta_frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in meta.items()})
    meta_frame.index = index
    for name in ("started_at", "ended_at"):
        meta_frame[name] = pd.to_datetime(pd.Series(meta[name], index=index, dtype=object),
                                          utc=True)
    meta_frame["duration_s"] = pd.Series(duration, index=index, dtype=float)
    meta_frame["source_row"] = pd.Series(list(table.rows), index=index, dtype="int64")
    id_col = table.meta_columns.get("respondent_id")
    dropped_ids = {}
    for reason, rows in table.dropped.items():
        cells = [table.dropped_cells.get(r, {}) for r in rows]
        dropped_ids[reason] = [None if id_col is None or is_blank(c.get(id_col))
                               else show(c[id_col]).strip() for c in cells]
    id_of_row = {r: i for reason, rows in table.dropped.items()
                 for r, i in zip(rows, dropped_ids[reason], strict=True) if i is not None}
    id_of_row.update(zip(table.rows, ids, strict=True))
    log.finish()
    entries = [e if e.row is None or e.row not in id_of_row else
               replace(e, respondent_id=id_of_row[e.row])
               for e in _sorted_log(log.entries, table.columns)]
    source = SourceInfo(
        file=table.file, format=table.format, unit=table.unit, n_rows=n_rows, n_respondents=n,
        dropped={k: len(v) for k, v in table.dropped.items()},
        dropped_rows={k: list(v) for k, v in table.dropped.items()},
        columns=dict(table.item_columns), ignored_columns=dict(table.ignored),
        missing_codes=missing_counts, notes=list(table.notes), dropped_ids=dropped_ids,
        dropped_kept={reason: [{name: None if is_blank(table.dropped_cells.get(r, {}).get(c))
                                else table.dropped_cells[r][c] for name, c in keep.items()}
                               for r in rows] for reason, rows in table.dropped.items()}
        if keep else {})
    data = ResponseData(items, meta_frame, texts, entries, source, inst.id, inst.version)
    if strict and entries:
        from .coverage import check_items_read

        check_items_read(data, inst)  # first: a file without the items is not "one problem"
        raise ResponseValidationError(entries)
    return data
