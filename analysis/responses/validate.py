"""Check raw cell values against the instrument's codebook and metadata rules.

The readers turn every file into raw cells (text or numbers, exactly as the file has them) in
columns already mapped to item ids. :func:`clean_items` converts them to numeric codes using the
*declared* scale of each item: blanks and the scale's missing codes become missing (NaN),
anything else that is not a code is a logged problem and becomes missing. Platform exports
written with choice text instead of codes (Qualtrics, LimeSurvey) are read back through the
scale's anchor labels in every language of the instrument (:func:`anchor_labels`); a text that
is no label is a logged problem (``unknown_label``), never a silent gap.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import html
import json
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from instruments.schema import ORDINAL_KINDS, Instrument, Scale, ScaleKind

from .log import CleaningEntry

#: Cell texts that mean "no value" in any format (compared case-insensitively, after stripping).
BLANK_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "."})
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class ItemCode:
    """What the codebook says about one item: its declared scale, valid and missing codes."""

    item: str
    scale: Scale
    codes: frozenset[float] | None  # categorical scales; None for numeric / free text
    missing: frozenset[float]

    @property
    def kind(self) -> ScaleKind:
        return self.scale.kind

    def describe(self) -> str:
        s = self.scale
        if s.kind in ORDINAL_KINDS:
            what = f"codes {s.min:g}..{s.max:g}"
        elif s.kind == ScaleKind.single_choice:
            what = "codes " + ", ".join(f"{c:g}" for c in s.codes)
        elif s.kind == ScaleKind.numeric:
            what = f"numbers {s.min:g}..{s.max:g}"
        else:
            what = "free text"
        if s.missing_codes:
            what += ", missing codes " + ", ".join(str(m) for m in s.missing_codes)
        return f"scale '{s.id}' ({what})"


def codebook(inst: Instrument) -> dict[str, ItemCode]:
    """Item id -> :class:`ItemCode`, in the instrument's item order."""
    book = {}
    for item in inst.items():
        scale = inst.item_scale(item)
        codes = None
        if scale.kind in ORDINAL_KINDS or scale.kind == ScaleKind.single_choice:
            codes = frozenset(float(c) for c in scale.codes)
        book[item.id] = ItemCode(item.id, scale, codes, frozenset(float(m)
                                                                  for m in scale.missing_codes))
    return book


_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_DASHES_RE = re.compile(r"\s*[-\u2010-\u2015\u2212]\s*")


def normalise_label(text: str) -> str:
    """A choice text as compared with anchor labels: HTML entities decoded (``&amp;``), Unicode
    NFC, any dash (``-``, en dash, em dash, minus) with the space around it as " - ", runs of
    white space (also non-breaking) as one space, curly apostrophes as ``'``, no
    leading/trailing space, case folded."""
    text = unicodedata.normalize("NFC", html.unescape(text)).translate(_QUOTES)
    return " ".join(_DASHES_RE.sub(" - ", text).split()).casefold()


#: What :func:`anchor_labels` maps a label to: a code, or None where the label names two codes.
LabelCodes = Mapping[str, float | None]


def anchor_labels(inst: Instrument) -> dict[str, LabelCodes]:
    """Item id -> {normalised anchor label -> code} over every language of the instrument.

    Keys are each anchor's label (:func:`normalise_label`) and, on scales where not every code
    is labelled, also ``"7 - label"``: the choice text engagekit's QSF and LimeSurvey exports
    give such codes (``"7 – Very satisfied"``; unlabelled codes are their number). Items
    without anchors (numeric, free text) are absent. A label that names different codes (in
    two languages, or twice in one) maps to None: it cannot be read back safely.

    >>> from instruments import load_instrument
    >>> labels = anchor_labels(load_instrument("five_commitments"))
    >>> labels["aff_01"][normalise_label("  Strongly   AGREE ")]
    7.0
    """
    by_scale: dict[str, dict[str, float | None]] = {}
    out: dict[str, LabelCodes] = {}
    for item in inst.items():
        scale = inst.item_scale(item)
        if not scale.anchors or scale.kind == ScaleKind.free_text:
            continue
        if scale.id not in by_scale:
            table: dict[str, float | None] = {}
            partly = not {a.value for a in scale.anchors} >= set(scale.codes)
            for a in scale.anchors:
                for text in a.label.values():
                    keys = [normalise_label(text)]
                    if partly:
                        keys.append(normalise_label(f"{a.value} - {text}"))
                    code = float(a.value)
                    for key in keys:
                        if key:
                            table[key] = code if table.get(key, code) == code else None
            by_scale[scale.id] = table
        out[item.id] = by_scale[scale.id]
    return out


def _labels_shown(scale: Scale) -> str:
    """The anchor labels of a scale in its first language, e.g. "1 'Disagree', 2 'Agree'"."""
    shown = [f"{a.value} '{next(iter(a.label.values()))}'" for a in scale.anchors if a.label]
    return ", ".join(shown[:7]) + (" ..." if len(shown) > 7 else "")


def is_blank(value: Any) -> bool:
    """True for None, NaN/NaT/NA and the texts in :data:`BLANK_TOKENS`."""
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    if isinstance(value, str):
        return value.strip().lower() in BLANK_TOKENS
    return False


def to_number(value: Any) -> float | None:
    """A cell as a float, or None when it is not a number (booleans and dates are not)."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | np.integer):
        return float(value)
    if isinstance(value, float | np.floating):
        return float(value)
    if isinstance(value, str):
        s = value.strip()
        if _NUMBER_RE.match(s):
            return float(s)
    return None


def show(value: Any) -> str:
    """A raw value as the user would recognise it in the file."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value
    return str(value)


#: Entries of one kind listed one by one per column; the rest are counted in one entry, so a
#: file of a million unreadable cells gives a log of bounded size (the counts stay exact).
MAX_ENTRIES_PER_COLUMN = 200
#: Longest value or message text kept in an entry (a cell can hold 128 KB).
MAX_TEXT = 300


def _cut(text: str, width: int = MAX_TEXT) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


class Cleaner:
    """Collects :class:`CleaningEntry` objects for one file.

    At most :data:`MAX_ENTRIES_PER_COLUMN` entries of one problem kind are kept per column
    (per kind for whole-file problems); :meth:`finish` adds one entry per column counting the
    rest."""

    def __init__(self, file: str, unit: str):
        self.file = file
        self.unit = unit
        self.entries: list[CleaningEntry] = []
        self._counts: dict[tuple[str, str | None], int] = {}
        self._more: dict[tuple[str, str | None], tuple[int | None, str, str | None]] = {}

    def add(self, problem: str, message: str, action: str, *, row: int | None = None,
            column: str | None = None, item: str | None = None, value: Any = None,
            hint: str = "") -> None:
        key = (problem, column if row is not None else None)  # whole columns: per kind
        n = self._counts.get(key, 0) + 1
        self._counts[key] = n
        if n > MAX_ENTRIES_PER_COLUMN:
            if key not in self._more:
                self._more[key] = (row, action, item)
            return
        self.entries.append(CleaningEntry(
            file=self.file, row=row, column=column, item=item,
            value=None if value is None else _cut(show(value)), problem=problem,
            message=_cut(message), action=action, hint=hint, unit=self.unit))

    def finish(self) -> list[CleaningEntry]:
        """The entries, with one count per column of those not listed one by one."""
        for (problem, column), (row, action, item) in self._more.items():
            more = self._counts[(problem, column)] - MAX_ENTRIES_PER_COLUMN
            where = "in this column" if column is not None else "(columns) in the file"
            self.entries.append(CleaningEntry(
                file=self.file, row=row, column=column, item=item, value=None, problem=problem,
                message=f"{more:,} more {problem} problems {where}"
                + (f" from {self.unit} {row} on" if row is not None else "")
                + f" (the first {MAX_ENTRIES_PER_COLUMN} are listed one by one)", action=action,
                hint="fix the cause once: the listed ones show what it is", unit=self.unit))
        self._more.clear()
        return self.entries


def clean_items(raw: dict[str, Sequence[Any]], rows: Sequence[int], columns: dict[str, str],
                book: dict[str, ItemCode], log: Cleaner,
                labels: Mapping[str, LabelCodes] | None = None,
                read_as_label: dict[str, int] | None = None,
                ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Raw cells per item -> (numeric codes, free-text answers, missing-code counts per item).

    ``raw`` maps item id -> cells (one per row), ``columns`` item id -> the file's column name.
    Items absent from ``raw`` are all missing (the caller logs the missing column). With
    ``labels`` (:func:`anchor_labels`), a text cell of an item with anchors is read as the code
    whose label it is (:func:`normalise_label`: case and white space do not matter, the text
    otherwise must equal the label); a text that is no label is logged ``unknown_label``.
    ``read_as_label`` (item id -> count) is filled with the cells read that way.
    """
    n = len(rows)
    numeric: dict[str, np.ndarray] = {}
    texts: dict[str, list[str | None]] = {}
    missing_counts: dict[str, int] = {}
    for item_id, code in book.items():
        cells = raw.get(item_id)
        if code.kind == ScaleKind.free_text:
            texts[item_id] = [None if cells is None or is_blank(v) else str(v)
                              for v in (cells if cells is not None else [None] * n)]
            continue
        out = np.full(n, np.nan)
        if cells is None:
            numeric[item_id] = out
            continue
        column = columns.get(item_id, item_id)
        n_missing_code = 0
        for k, v in enumerate(cells):
            if is_blank(v):
                continue
            x = to_number(v)
            item_labels = None if labels is None else labels.get(item_id)
            if x is None and item_labels is not None and isinstance(v, str):
                x = item_labels.get(normalise_label(v))
                if x is not None and read_as_label is not None:
                    read_as_label[item_id] = read_as_label.get(item_id, 0) + 1
                if x is None:
                    twice = normalise_label(v) in item_labels
                    what = ("is the label of two different codes" if twice else
                            "is neither a code nor an anchor label")
                    log.add("unknown_label", f"choice text '{show(v)}' {what} of "
                            f"{code.describe()}; labels are "
                            f"{_labels_shown(code.scale)}", "set to missing",
                            row=rows[k], column=column, item=item_id, value=v,
                            hint="correct the text to one of the scale's anchor labels (any "
                            "language of the instrument), or export numeric values (Qualtrics: "
                            "'Use numeric values'; LimeSurvey: 'Answer codes')")
                    continue
            if x is None:
                log.add("non_numeric", f"value '{show(v)}' is not a number; {item_id} takes "
                        f"{code.describe()}", "set to missing", row=rows[k], column=column,
                        item=item_id, value=v, hint="export numeric codes, not labels, or "
                        "correct the value")
                continue
            if x in code.missing:
                n_missing_code += 1
                continue
            ok = (x in code.codes) if code.codes is not None else (
                math.isfinite(x) and (code.scale.min is None or x >= code.scale.min)
                and (code.scale.max is None or x <= code.scale.max))
            if not ok:
                what = "is not a code of" if code.codes is not None else "is outside"
                log.add("out_of_scale", f"value {show(v)} {what} {code.describe()}",
                        "set to missing", row=rows[k], column=column, item=item_id, value=v,
                        hint="correct the value, or declare the code in the scale's "
                        "missing_codes if it means 'no answer'")
                continue
            out[k] = x
        numeric[item_id] = out
        if n_missing_code:
            missing_counts[item_id] = n_missing_code
    items = pd.DataFrame(numeric, columns=[i for i in book if i in numeric], dtype=float)
    text_frame = pd.DataFrame(texts, columns=list(texts), dtype=object)
    return items, text_frame, missing_counts


def suggest(name: str, choices: Sequence[str]) -> str:
    """' (did you mean 'aff_01'?)' or ''."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.75)
    return f"did you mean '{close[0]}'?" if close else ""


# ---- metadata --------------------------------------------------------------------------------


def parse_timestamp(value: Any, tz: str | None = None) -> pd.Timestamp | None:
    """An ISO 8601 date-time (text or a datetime object) as a UTC timestamp, None if invalid.

    Times without an offset are taken to be in ``tz`` (default UTC).
    """
    if isinstance(value, pd.Timestamp | _dt.datetime):
        ts = pd.Timestamp(value)
    elif isinstance(value, str):
        s = value.strip()
        if not re.match(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?"
                        r"(Z|[+-]\d{2}:?\d{2})?$", s):
            return None
        try:
            ts = pd.Timestamp(s)
        except (ValueError, OverflowError):
            return None
    else:
        return None
    if ts is pd.NaT:
        return None
    try:
        if ts.tzinfo is None:
            ts = ts.tz_localize(tz or "UTC")
        return ts.tz_convert("UTC")
    except Exception:  # noqa: BLE001 - nonexistent/ambiguous local times, bad zone names
        return None


def parse_display_order(value: Any, known: set[str]) -> tuple[list[str] | None, str | None]:
    """(list of item ids, None) or (None, reason) for a display_order cell."""
    if isinstance(value, list | tuple | np.ndarray):
        seq = list(value)
    elif isinstance(value, str):
        try:
            seq = json.loads(value)
        except ValueError:
            return None, "is not a JSON list"
        if not isinstance(seq, list):
            return None, "is not a JSON list"
    else:
        return None, "is not a JSON list"
    if not all(isinstance(x, str) for x in seq):
        return None, "must list item ids as strings"
    unknown = [x for x in seq if x not in known]
    if unknown:
        return None, f"names unknown item(s) {', '.join(unknown[:3])}"
    if len(set(seq)) != len(seq):
        return None, "lists an item twice"
    return seq, None


def normalise_language(value: Any, declared: Sequence[str]) -> str | None:
    """'EN' -> 'en', 'PT-BR' -> 'pt-BR', 'en-GB' -> 'en' when only 'en' is declared."""
    if not isinstance(value, str):
        return None
    s = value.strip().replace("_", "-")
    if not s:
        return None
    head, _, tail = s.partition("-")
    code = head.lower() + (f"-{tail.upper()}" if tail else "")
    if code in declared:
        return code
    if head.lower() in declared:
        return head.lower()
    return None
