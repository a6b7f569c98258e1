""":func:`read_responses`: detect a response file's format, run that platform's reader, handle the
fields engagekit's survey generators add (consent, piping placeholders) and validate the result
against the instrument (:func:`~analysis.responses.data.assemble`).
"""

from __future__ import annotations

import csv
import io
import zoneinfo
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from instruments.limits import MAX_RESPONSE_BYTES, check_size
from instruments.response_format import META_COLUMNS
from instruments.schema import Instrument

from ..data import RawTable, ResponseData, assemble
from ..log import ResponseFileError
from ..validate import normalise_label
from .column_map import load_column_map
from .common import _drop_rows, _sniff_delimiter
from .engagekit import read_delimited, read_excel, read_parquet
from .limesurvey import looks_like_limesurvey, read_limesurvey
from .qualtrics import looks_like_qualtrics, read_qualtrics
from .spss import read_spss
from .surveyjs import read_json

#: ``format=`` values accepted by :func:`read_responses`.
FORMATS = ("auto", "engagekit", "csv", "tsv", "excel", "parquet", "json", "qualtrics",
           "limesurvey", "surveyjs", "spss")

_SUFFIX_FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "excel",
                   ".xlsm": "excel", ".parquet": "parquet", ".pq": "parquet", ".json": "json",
                   ".sav": "spss", ".zsav": "spss"}


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
                   drop_preview: bool = True, id_column: str | None = None,
                   repeated_ids: bool = False) -> ResponseData:
    r"""Read a response file and validate it against the instrument's codebook.

    Columns are matched to item ids, values checked against each item's declared scale and
    missing codes. Bad values become missing and every change is listed in ``.log``; with
    ``strict=True`` the first problem raises instead. The file is only read, never modified.

    Parameters
    ----------
    path : str or Path
        The response file.
    instrument : Instrument, str or Path
        The instrument answered: an :class:`~instruments.schema.Instrument`, a bundled name
        (``"five_commitments"``) or the path of a YAML file.
    format : str, default "auto"
        One of :data:`FORMATS`; ``"auto"`` detects it from the file's first bytes and name.
    strict : bool, default False
        Raise :class:`~analysis.responses.log.ResponseValidationError` naming the first
        problem instead of logging it.
    column_map : mapping, str, Path or None
        ``{file column: item id}`` (or a JSON/CSV file holding it) for columns not named by
        item id: Qualtrics ImportIds, LimeSurvey codes, SurveyJS ``block.row`` keys. A
        column may also be sent to ``respondent_id``, another metadata name of the engagekit
        response format (``language``, ``started_at``, ...), ``consent``, or a name listed in
        ``keep_columns`` (the column is then kept under that name).
    encoding : str, default "utf-8"
        Text encoding of CSV/TSV/JSON files.
    sheet : str or None
        Worksheet of an Excel file (default: the first).
    keep_columns : sequence of str
        Extra columns of the file to carry into ``.meta`` (file column names, or names the
        column map gives to columns).
    timezone : str or None
        IANA zone of date-times written without an offset (default UTC).
    drop_preview : bool, default True
        Drop Qualtrics preview and test responses (counted in ``.source.dropped``).
    id_column : str or None
        The column holding the respondent ids (instead of ``respondent_id`` or the platform's
        own id, e.g. Qualtrics' ResponseId). Blank ids are logged (``missing_id``) and
        repeated ones kept apart (``duplicate_id``); a column with fewer distinct values than
        half its rows is refused as not an id.
    repeated_ids : bool, default False
        The ids may repeat by design (a panel in long format, one row per respondent and
        wave: :func:`analysis.responses.waves.read_wave_column`): the id column is not refused
        for having few distinct values (repeats are still renamed and logged), and
        ``meta["source_id"]`` holds each row's id as written in the file.

    Returns
    -------
    ResponseData
        ``items`` (one float column per item id, NaN for missing), ``meta``, ``texts``,
        ``log`` (every problem and what was done) and ``source`` (the file, format and rows
        read or dropped).

    Raises
    ------
    ResponseFileError
        The file is missing, empty, unreadable or of an unknown format.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "answers.csv"
    >>> _ = path.write_text("respondent_id,aff_01\nr1,6\nr2,-99\n", encoding="utf-8")
    >>> data = read_responses(path, "five_commitments")
    >>> data.items["aff_01"].tolist(), data.source.missing_codes
    ([6.0, nan], {'aff_01': 1})
    >>> tmp.cleanup()
    """
    from instruments.loader import load_instrument

    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    p = Path(path)
    file = str(path)
    if format not in FORMATS:
        raise ResponseFileError(file, f"unknown format '{format}'; use one of "
                                + ", ".join(FORMATS), code="unknown_format")
    if not p.exists():
        raise ResponseFileError(file, "file not found; check the path", code="file_not_found")
    if p.is_dir():
        raise ResponseFileError(file, "is a folder, not a response file; give the path of the "
                                "file itself", code="file_not_found")
    if p.suffix.lower() in {".yaml", ".yml"}:
        raise ResponseFileError(file, "is a YAML file (an instrument?), not a response file; "
                                "give the responses (CSV, TSV, Excel, JSON, SPSS, Parquet) as "
                                "FILE and the instrument with --instrument")
    if not p.is_file():
        raise ResponseFileError(file, "is not a file", code="file_not_found")
    try:
        size = p.stat().st_size
    except OSError as e:
        raise ResponseFileError(file, f"cannot be read ({e})", code="file_unreadable") from None
    if size == 0:
        raise ResponseFileError(file, "is empty (0 bytes); export the responses again",
                                code="file_empty")
    check_size(p, MAX_RESPONSE_BYTES, "response files",
               lambda m, code: ResponseFileError(file, m.split(": ", 1)[1], code=code))
    if timezone is not None:
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ResponseFileError(file, f"unknown time zone '{timezone}'; use an IANA name "
                                    "such as Europe/Amsterdam", code="unknown_time_zone") from None
    keep_names = [str(k) for k in keep_columns]
    cmap = load_column_map(column_map, inst, keep=keep_names)
    items = {i.id for i in inst.items()}
    meta_map = {k: v for k, v in cmap.items() if v not in items}
    cmap = {k: v for k, v in cmap.items() if v in items}
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
        raise ResponseFileError(file, f"cannot be read ({e.strerror or e})",
                                code="file_unreadable") from None
    if timezone is not None:
        for name in ("started_at", "ended_at"):
            table.timezone.setdefault(name, timezone)
    keep = _metadata_columns(table, inst, meta_map, id_column, keep_names, repeated_ids)
    _survey_fields(table, inst)
    data = assemble(table, inst, strict=strict, keep_columns=keep)
    id_col = table.meta_columns.get("respondent_id")
    if repeated_ids and id_col is not None:  # the ids as written, repeats not renamed
        from ..validate import is_blank, show

        data.meta["source_id"] = [None if is_blank(v) else show(v).strip()
                                  for v in table.cells[id_col]]
    data.source.id_column = id_col
    data.source.kept_columns = list(keep)
    return data


def _columns_hint(table: RawTable, name: str) -> str:
    """'; did you mean 'club'? The file's columns: ...' for a column name not in the file."""
    import difflib

    close = difflib.get_close_matches(name, table.columns, n=1, cutoff=0.6)
    close += [c for c in table.columns if c.lower() == name.lower()][:1]
    shown = ", ".join(f"'{c}'" for c in table.columns[:25])
    more = f", ... ({len(table.columns)} in all)" if len(table.columns) > 25 else ""
    return ((f"; did you mean '{close[-1]}'?" if close else "")
            + f" The file's columns: {shown}{more}")


def _metadata_columns(table: RawTable, inst: Instrument, meta_map: Mapping[str, str],
                      id_column: str | None, keep: Sequence[str],
                      repeated_ids: bool = False) -> dict[str, str]:
    """Point the table's metadata at the columns the user named: ``--id-column`` and column-map
    entries whose target is not an item (``respondent_id``, ``language``, ..., ``consent``, a
    ``--keep-column`` name). Returns ``{kept name: file column}`` for ``keep``."""
    file = table.file
    targets: dict[str, str] = {}  # target -> file column
    for key, target in meta_map.items():
        if key not in table.columns:
            raise ResponseFileError(file, f"has no column '{key}' (the column map sends it to "
                                    f"'{target}')" + _columns_hint(table, key),
                                    code="invalid_argument")
        if target in targets:
            raise ResponseFileError(file, f"the column map sends both '{targets[target]}' and "
                                    f"'{key}' to '{target}'; keep one", code="invalid_argument")
        targets[target] = key
    if id_column is not None:
        if id_column not in table.columns:
            raise ResponseFileError(file, f"has no column '{id_column}' (given with "
                                    "--id-column)" + _columns_hint(table, id_column),
                                    code="invalid_argument")
        if targets.get("respondent_id", id_column) != id_column:
            raise ResponseFileError(file, f"--id-column names '{id_column}' but the column map "
                                    f"sends '{targets['respondent_id']}' to respondent_id; "
                                    "give one of them", code="invalid_argument")
        targets["respondent_id"] = id_column
    for target, col in targets.items():
        for k, v in list(table.item_columns.items()):
            if v == col:
                raise ResponseFileError(file, f"column '{col}' is read as item {k}; it cannot "
                                        f"also be {target}", code="invalid_argument")
        if col in table.unknown:
            table.unknown.remove(col)
        table.ignored.pop(col, None)
        for name, c in list(table.meta_columns.items()):
            if c == col and name != target:
                del table.meta_columns[name]
        if target == "consent":
            table.unknown.append(col)
            _consent(table, col, inst)
            continue
        if target in META_COLUMNS:
            old = table.meta_columns.get(target)
            if old is not None and old != col:
                table.ignored[old] = f"not read as {target} ('{col}' is)"
            table.meta_columns[target] = col
    if "respondent_id" in targets:
        _check_ids(table, targets["respondent_id"], "--id-column" if id_column else
                   "the column map", repeated_ids)
    out: dict[str, str] = {}
    for name in keep:
        col = targets.get(name, name)
        if col not in table.columns:
            raise ResponseFileError(file, f"has no column '{name}' to keep (--keep-column)"
                                    + _columns_hint(table, name), code="invalid_argument")
        out[name] = col
    return out


def _check_ids(table: RawTable, col: str, how: str, repeated: bool = False) -> None:
    """Refuse an id column that cannot identify respondents: every cell blank, or fewer
    distinct values than half its rows (a grouping column such as a club given by mistake)."""
    values = [str(v).strip() for v in table.cells[col]
              if v is not None and str(v).strip() != ""]
    n = len(table.rows)
    if n and not values:
        raise ResponseFileError(table.file, f"column '{col}' (the respondent id, from {how}) "
                                "is empty in every row; give the column that holds each "
                                "respondent's id", code="invalid_argument")
    distinct = len(set(values))
    if n >= 4 and distinct < n / 2 and not repeated:
        raise ResponseFileError(table.file, f"column '{col}' (the respondent id, from {how}) "
                                f"has only {distinct} distinct value(s) in {n} rows, so it "
                                "does not identify respondents; give the column that holds "
                                "one id per respondent (keep a grouping column with "
                                "--keep-column instead)", code="invalid_argument")


def _consent(table: RawTable, col: str, inst: Instrument) -> None:
    """Read ``col`` as the consent question: rows that declined are dropped, counted."""
    table.unknown.remove(col)
    table.ignored[col] = "consent question (respondents who declined are dropped)"
    texts = _decline_texts(inst) if table.choice_text else frozenset()
    _drop_rows(table, [not _declined(v, texts) for v in table.cells[col]], "declined consent")


#: Consent answers that mean "declined" in the platform exports engagekit's survey generators
#: produce: Qualtrics recode 0, LimeSurvey N, SurveyJS false.
_DECLINED = {"0", "n", "no", "false"}


def _decline_texts(inst: Instrument) -> frozenset[str]:
    """The "decline" choice text of the consent question in every language the survey
    generators know (a Qualtrics or LimeSurvey export with choice text gives it, not 0/N)."""
    from instruments.errors import EngagekitInputError
    from instruments.ui import builtin_ui, ui_texts

    texts = set(builtin_ui().get("decline", {}).values())
    for lang in inst.language_codes:  # the instrument's own ui block may reword it
        try:
            texts.add(ui_texts(inst, lang)["decline"])
        except (EngagekitInputError, KeyError):
            continue  # a language without every interface text: the built-in ones stand
    return frozenset(normalise_label(t) for t in sorted(texts))


def _declined(value: Any, texts: frozenset[str] = frozenset()) -> bool:
    if isinstance(value, bool):
        return value is False
    if isinstance(value, int | float):
        return value == 0
    return isinstance(value, str) and (value.strip().lower() in _DECLINED
                                       or normalise_label(value) in texts)


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
            _consent(table, col, inst)
