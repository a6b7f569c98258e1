"""Writers: :class:`ResponseData` -> the engagekit response format and the platforms' exports.

They exist so that simulated respondents can be handed to any reader (round-trip tests) and
so that ``engagekit simulate`` can write every format. The platform writers produce the layout
the platforms export (Qualtrics' three header rows, LimeSurvey code headings, SurveyJS result
objects with absent unanswered matrix rows, SPSS value labels and user-missing codes); they are
not exporters of questionnaires. Output is deterministic: the same data give the same bytes
(except Excel and SPSS files, which store the time they were written).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from instruments.response_format import META_COLUMNS, cell_text, csv_text
from instruments.schema import Instrument, ScaleKind
from instruments.spreadsheet import guard_row, xlsx_cells

from .data import ResponseData
from .log import ResponseFileError

#: ``format=`` values of :func:`write_responses`.
WRITE_FORMATS = ("engagekit", "csv", "tsv", "excel", "parquet", "json", "qualtrics",
                 "limesurvey", "surveyjs", "spss")


def _code(x: Any) -> Any:
    """A numeric answer as an int when whole (4.0 -> 4), None when missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    x = float(x)
    return int(x) if x.is_integer() else x


def _iso(ts: Any) -> str | None:
    if ts is None or ts is pd.NaT or (isinstance(ts, float) and math.isnan(ts)):
        return None
    ts = pd.Timestamp(ts)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    if ts.microsecond or ts.nanosecond:
        return ts.tz_localize(None).isoformat() + "Z"
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def _local(ts: Any, zone: str) -> str:
    if ts is None or ts is pd.NaT:
        return ""
    return pd.Timestamp(ts).tz_convert(zone).strftime("%Y-%m-%d %H:%M:%S")


def _missing_code(inst: Instrument, item_id: str) -> int | None:
    codes = inst.item_scale(item_id).missing_codes
    return codes[0] if codes else None


def engagekit_records(data: ResponseData, inst: Instrument | None = None,
                      missing: str = "blank") -> list[dict[str, Any]]:
    """One dict per respondent in the engagekit response format (plain Python values).

    ``missing="code"`` writes each item's first declared missing code instead of null.
    """
    records = []
    meta = data.meta
    item_ids = list(data.items.columns)
    item_rows = data.items.to_numpy(dtype=float)
    meta_cols = {c: (meta[c].tolist() if c in meta.columns else [None] * len(meta))
                 for c in META_COLUMNS[1:]}
    kept = {c: meta[c].tolist() for c in data.source.kept_columns if c in meta.columns}
    text_ids = list(data.texts.columns)
    text_rows = data.texts.to_numpy(dtype=object) if text_ids else None
    missing_codes = {i: (_missing_code(inst, i) if inst is not None and missing == "code"
                         else None) for i in item_ids}
    for r, rid in enumerate(data.items.index):
        rec: dict[str, Any] = {"respondent_id": str(rid)}
        for col in META_COLUMNS[1:]:
            v = meta_cols[col][r]
            if col in ("started_at", "ended_at"):
                v = _iso(v)
            elif col == "display_order":
                v = list(v) if isinstance(v, list | tuple) else None
            elif v is not None and not isinstance(v, str):
                v = None if pd.isna(v) else str(v)
            rec[col] = v
        for col, values in kept.items():  # columns kept as metadata, after engagekit's own
            v = values[r]
            rec[col] = None if v is None or (isinstance(v, float) and math.isnan(v)) else v
        for j, item_id in enumerate(item_ids):
            v = _code(item_rows[r, j])
            rec[item_id] = missing_codes[item_id] if v is None else v
        for j, item_id in enumerate(text_ids):
            rec[item_id] = text_rows[r, j]
        records.append(rec)
    return records


def write_table(records: list[dict[str, Any]], path: Path, delimiter: str = ",") -> None:
    cols = list(records[0]) if records else list(META_COLUMNS)
    path.write_bytes(csv_text(cols, records, delimiter).encode("utf-8"))


def _block_groups(inst: Instrument) -> list[tuple[str, str, list[str]]]:
    """(block id, scale id, item ids) groups: a block's items that share one scale."""
    groups = []
    for b in inst.survey.blocks:
        members = [i.id for c in b.constructs for i in inst.construct(c).items] + list(b.items)
        by_scale: dict[str, list[str]] = {}
        for iid in members:
            by_scale.setdefault(inst.item_scale(iid).id, []).append(iid)
        for sid, ids in by_scale.items():
            groups.append((b.id, sid, ids))
    return groups


# ---- Qualtrics -----------------------------------------------------------------------------------


def write_qualtrics(data: ResponseData, path: Path, inst: Instrument, *,
                    names: str = "item_ids", timezone: str = "UTC",
                    status: Mapping[str, str] | None = None,
                    channel: Mapping[str, str] | None = None,
                    missing: str = "blank") -> dict[str, str]:
    """A Qualtrics-style CSV export (numeric values) with its three header rows.

    Items are numbered like Qualtrics questions: one matrix question ``QIDn`` per block-and-scale
    group (rows ``QIDn_k``), single questions ``QIDn``. ``names="item_ids"`` gives export tags
    equal to item ids (readable without a column map); ``names="qualtrics"`` gives ``Qn_k``
    names (read with the returned map ``{ImportId: item id}``). ``status``/``channel`` set
    ``Status``/``DistributionChannel`` per respondent id (default "IP Address"/"anonymous").
    """
    lang = inst.default_language
    head = [("StartDate", "Start Date", {"ImportId": "startDate", "timeZone": timezone}),
            ("EndDate", "End Date", {"ImportId": "endDate", "timeZone": timezone}),
            ("Status", "Response Type", {"ImportId": "status"}),
            ("IPAddress", "IP Address", {"ImportId": "ipAddress"}),
            ("Progress", "Progress", {"ImportId": "progress"}),
            ("Duration (in seconds)", "Duration (in seconds)", {"ImportId": "duration"}),
            ("Finished", "Finished", {"ImportId": "finished"}),
            ("RecordedDate", "Recorded Date", {"ImportId": "recordedDate", "timeZone": timezone}),
            ("ResponseId", "Response ID", {"ImportId": "_recordId"}),
            ("RecipientLastName", "Recipient Last Name", {"ImportId": "recipientLastName"}),
            ("RecipientFirstName", "Recipient First Name", {"ImportId": "recipientFirstName"}),
            ("RecipientEmail", "Recipient Email", {"ImportId": "recipientEmail"}),
            ("ExternalReference", "External Data Reference",
             {"ImportId": "externalDataReference"}),
            ("LocationLatitude", "Location Latitude", {"ImportId": "locationLatitude"}),
            ("LocationLongitude", "Location Longitude", {"ImportId": "locationLongitude"}),
            ("DistributionChannel", "Distribution Channel", {"ImportId": "distributionChannel"}),
            ("UserLanguage", "User Language", {"ImportId": "userLanguage"})]
    item_cols: list[tuple[str, str, dict, str]] = []
    cmap: dict[str, str] = {}
    for qn, (_block, _scale, ids) in enumerate(_block_groups(inst), start=1):
        for k, iid in enumerate(ids, start=1):
            matrix = len(ids) > 1
            imp = f"QID{qn}_{k}" if matrix else f"QID{qn}"
            name = iid if names == "item_ids" else (f"Q{qn}_{k}" if matrix else f"Q{qn}")
            text = inst.text(inst.item(iid).text, lang)
            label = f"{text}" if not matrix else f"Please rate - {text}"
            item_cols.append((name, label, {"ImportId": imp}, iid))
            cmap[imp] = iid
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(guard_row([h[0] for h in head] + [c[0] for c in item_cols]))
    w.writerow(guard_row([h[1] for h in head] + [c[1] for c in item_cols]))
    w.writerow([json.dumps(h[2], separators=(",", ":")) for h in head]
               + [json.dumps(c[2], separators=(",", ":")) for c in item_cols])
    for rec in engagekit_records(data, inst, missing):
        rid = rec["respondent_id"]
        start = pd.Timestamp(rec["started_at"]) if rec["started_at"] else None
        end = pd.Timestamp(rec["ended_at"]) if rec["ended_at"] else None
        dur = "" if start is None or end is None else str(int(round((end - start)
                                                                    .total_seconds())))
        lang_code = (rec["language"] or "").upper()
        row = [_local(start, timezone), _local(end, timezone),
               (status or {}).get(rid, "IP Address"), "", "100", dur, "True",
               _local(end, timezone), rid, "", "", "", "", "", "",
               (channel or {}).get(rid, "anonymous"), lang_code]
        row += [cell_text(rec[c[3]]) for c in item_cols]
        w.writerow(guard_row(row))
    path.write_bytes(("\ufeff" + buf.getvalue()).encode("utf-8"))
    return cmap


# ---- LimeSurvey ----------------------------------------------------------------------------------


def _lime(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", s)


def write_limesurvey(data: ResponseData, path: Path, inst: Instrument, *,
                     style: str = "brackets", timezone: str = "UTC",
                     missing: str = "blank") -> dict[str, str]:
    """A LimeSurvey response export (CSV, question-code headings, all cells quoted).

    Array questions are named after the block, sub-questions after the item id without
    underscores: ``relationship[aff01]`` (``style="brackets"``) or ``relationship_aff01``
    (``style="underscore"``); single questions ``ltr``. Returns ``{column: item id}``.
    """
    cols: list[tuple[str, str]] = []
    for block, scale, ids in _block_groups(inst):
        q = _lime(block) if len({s for b, s, _ in _block_groups(inst) if b == block}) == 1 \
            else _lime(block) + _lime(scale)
        for iid in ids:
            if len(ids) > 1:
                name = f"{q}[{_lime(iid)}]" if style == "brackets" else f"{q}_{_lime(iid)}"
            else:
                name = _lime(iid)
            cols.append((name, iid))
    buf = io.StringIO(newline="")
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate",
                "datestamp"] + [c[0] for c in cols])
    for rec in engagekit_records(data, inst, missing):
        start = pd.Timestamp(rec["started_at"]) if rec["started_at"] else None
        end = pd.Timestamp(rec["ended_at"]) if rec["ended_at"] else None
        w.writerow(guard_row([rec["respondent_id"], _local(end, timezone),
                              str(len(inst.survey.blocks)), rec["language"] or "", "1",
                              _local(start, timezone), _local(end, timezone)]
                             + [cell_text(rec[iid]) for _, iid in cols]))
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return {name: iid for name, iid in cols}


# ---- SurveyJS ------------------------------------------------------------------------------------


def write_surveyjs(data: ResponseData, path: Path, inst: Instrument, *,
                   with_meta: bool = True, missing: str = "blank") -> None:
    """SurveyJS result JSON: one object per respondent; a block's items on one scale form a
    matrix ``{"relationship": {"aff_01": 4, ...}}``, unanswered rows absent; other items are
    top-level keys. ``with_meta`` adds the engagekit metadata keys (as hidden values)."""
    groups = _block_groups(inst)
    out = []
    for rec in engagekit_records(data, inst, missing):
        obj: dict[str, Any] = {}
        if with_meta:
            obj.update({k: rec[k] for k in META_COLUMNS if rec.get(k) is not None})
        for block, scale, ids in groups:
            if len(ids) > 1:
                name = block if len({s for b, s, _ in groups if b == block}) == 1 else \
                    f"{block}_{scale}"
                rows = {iid: rec[iid] for iid in ids if rec[iid] is not None}
                if rows:
                    obj[name] = rows
            elif rec[ids[0]] is not None:
                obj[ids[0]] = rec[ids[0]]
        out.append(obj)
    path.write_bytes(json.dumps(out, indent=1, ensure_ascii=False).encode("utf-8"))


# ---- SPSS ----------------------------------------------------------------------------------------


def write_spss(data: ResponseData, path: Path, inst: Instrument, *,
               missing: str = "blank") -> None:
    """An SPSS .sav file: metadata as strings (times as ISO text), items numeric with the
    scale's value labels (default language) and its missing codes declared user-missing."""
    import pyreadstat

    recs = engagekit_records(data, inst, missing)
    cols = list(recs[0]) if recs else list(META_COLUMNS)
    frame = {}
    for c in cols:
        vals = [r.get(c) for r in recs]
        if c in META_COLUMNS:
            frame[c] = pd.Series([cell_text(v) for v in vals], dtype=object)
        else:
            frame[c] = pd.Series([math.nan if v is None else float(v) for v in vals],
                                 dtype=float)
    df = pd.DataFrame(frame)
    labels: dict[str, dict[float, str]] = {}
    missing_ranges: dict[str, list] = {}
    lang = inst.default_language
    for item in inst.items():
        scale = inst.item_scale(item)
        if scale.kind == ScaleKind.free_text:
            continue
        labels[item.id] = {float(a.value): inst.text(a.label, lang) for a in scale.anchors}
        if scale.missing_codes:
            missing_ranges[item.id] = [float(m) for m in scale.missing_codes][:3]
    try:
        pyreadstat.write_sav(df, str(path), variable_value_labels=labels,
                             missing_ranges=missing_ranges)
    except Exception as e:  # noqa: BLE001
        raise ResponseFileError(str(path), f"could not be written as SPSS ({e})",
                                code="file_unreadable") from None


# ---- entry point ---------------------------------------------------------------------------------


def write_responses(data: ResponseData, path: str | Path, instrument: Instrument, *,
                    format: str = "engagekit", missing: str = "blank",
                    **options: Any) -> dict[str, str] | None:
    """Write responses in one of :data:`WRITE_FORMATS`.

    Parameters
    ----------
    data : ResponseData
        The responses, e.g. from :func:`~analysis.responses.readers.read_responses` or
        :func:`~analysis.responses.simulate.simulate`.
    path : str or Path
        The file to write (overwritten if it exists).
    instrument : Instrument
        The instrument answered; it decides the columns and their order.
    format : str, default "engagekit"
        One of :data:`WRITE_FORMATS`. ``"engagekit"`` writes CSV, or JSON when ``path`` ends
        in ``.json``; ``"csv"``/``"tsv"``/``"excel"``/``"parquet"`` write the engagekit columns
        in that container; the platform formats write the layout that platform exports.
    missing : {"blank", "code"}, default "blank"
        Write a missing answer as an empty cell, or as the scale's first missing code.
    **options
        Passed to the platform writer: the options of :func:`write_qualtrics`,
        :func:`write_limesurvey`, :func:`write_surveyjs`.

    Returns
    -------
    dict or None
        For Qualtrics and LimeSurvey, the ``{column or ImportId: item id}`` map used (a
        ``column_map`` for :func:`~analysis.responses.readers.read_responses`); else None.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from analysis import SimulationSettings, simulate
    >>> from instruments import load_instrument
    >>> inst = load_instrument("five_commitments")
    >>> data = simulate(inst, SimulationSettings(n=3, seed=1)).data
    >>> tmp = tempfile.TemporaryDirectory()
    >>> write_responses(data, Path(tmp.name) / "sim.csv", inst) is None
    True
    >>> (Path(tmp.name) / "sim.csv").read_text(encoding="utf-8").split(",")[:4]
    ['respondent_id', 'instrument_id', 'instrument_version', 'language']
    >>> column_map = write_responses(data, Path(tmp.name) / "q.csv", inst, format="qualtrics")
    >>> column_map["QID1_1"]
    'aff_01'
    >>> tmp.cleanup()
    """
    p = Path(path)
    if format not in WRITE_FORMATS:
        raise ResponseFileError(str(path), f"unknown output format '{format}'; use one of "
                                + ", ".join(WRITE_FORMATS), code="unknown_format")
    if format == "engagekit":
        format = "json" if p.suffix.lower() == ".json" else "csv"
    if format in {"csv", "tsv"}:
        write_table(engagekit_records(data, instrument, missing), p,
                    "\t" if format == "tsv" else ",")
    elif format == "json":
        recs = engagekit_records(data, instrument, missing)
        p.write_bytes(json.dumps(recs, indent=1, ensure_ascii=False).encode("utf-8"))
    elif format == "excel":
        import openpyxl

        recs = engagekit_records(data, instrument, missing)
        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("responses")
        cols = list(recs[0]) if recs else list(META_COLUMNS)
        ws.append(xlsx_cells(ws, cols))
        for r in recs:  # text is stored as text: never a live formula
            ws.append(xlsx_cells(ws, [cell_text(r[c]) if isinstance(r[c], list) else r[c]
                                      for c in cols]))
        wb.save(p)
    elif format == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        recs = engagekit_records(data, instrument, missing)
        cols = list(recs[0]) if recs else list(META_COLUMNS)
        arrays = {}
        for c in cols:
            vals = [r.get(c) for r in recs]
            if c == "display_order":
                arrays[c] = pa.array(vals, type=pa.list_(pa.string()))
            elif c in META_COLUMNS:
                arrays[c] = pa.array(vals, type=pa.string())
            else:
                arrays[c] = pa.array([None if v is None else float(v) for v in vals],
                                     type=pa.float64())
        pq.write_table(pa.table(arrays), p)
    elif format == "qualtrics":
        return write_qualtrics(data, p, instrument, missing=missing, **options)
    elif format == "limesurvey":
        return write_limesurvey(data, p, instrument, missing=missing, **options)
    elif format == "surveyjs":
        write_surveyjs(data, p, instrument, missing=missing, **options)
    else:
        write_spss(data, p, instrument, missing=missing)
    return None
