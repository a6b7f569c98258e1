"""Translation sheets: every respondent-facing text of an instrument in a CSV for translators.

``export`` writes one row per text (``kind``, ``id``), the source language's text, then per
other language its text, a back-translation, a status and a reviewer note (TRAPD-style team
translation). Besides the respondent-facing texts the sheet has the constructs' names and
definitions (``construct_name``, ``construct_definition``; optional) and the survey's interface
texts (``ui``: buttons, headings, messages), filled in with engagekit's texts where it has them
(:mod:`instruments.ui`): a language engagekit has no texts for needs every ``ui`` row.
``import`` writes the sheet's texts back into a copy of the instrument and reports what is
missing, changed or unknown; a ``ui`` text that differs from engagekit's becomes an entry of the
instrument's ``ui`` block (in any language column, the source language's too). The sheet is UTF-8 with a byte-order mark (Excel
opens it correctly); a cell that starts with ``= + - @``, a tab or a line end is written with a
leading ``'`` so that spreadsheets do not run it as a formula, and the ``'`` is removed again on
import (:mod:`instruments.spreadsheet`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EngagekitInputError
from ..loader import dump_instrument, parse_instrument
from ..schema import PLACEHOLDER_RE, Instrument, LocalText, TranslationStatus
from ..spreadsheet import guard, unguard
from ..ui import builtin_text, ui_keys, ui_placeholders

EXTRA = ("back_translation", "status", "reviewer_note")


class TranslationSheetError(EngagekitInputError):
    """A translation sheet that cannot be read or does not fit the instrument."""

    code = "translation_sheet"


def texts(inst: Instrument) -> Iterator[tuple[str, str, LocalText]]:
    """Every translatable text as ``(kind, id, LocalText)`` (the LocalText is the live dict)."""
    yield "title", inst.id, inst.title
    for p in inst.placeholders:
        yield "placeholder", p.id, p.default
    for key in ("consent", "intro", "outro"):
        local = getattr(inst.survey, key)
        if local is not None:
            yield "survey", key, local
    for b in inst.survey.blocks:
        if b.title is not None:
            yield "block_title", b.id, b.title
        if b.instructions is not None:
            yield "block_instructions", b.id, b.instructions
    for c in inst.constructs:
        for item in c.items:
            yield "item", item.id, item.text
    for s in inst.scales:
        for a in s.anchors:
            yield "anchor", f"{s.id}.{a.value}", a.label


def construct_texts(inst: Instrument) -> Iterator[tuple[str, str, LocalText]]:
    """Construct names and definitions as ``(kind, id, LocalText)`` (a copy: a plain string
    is the default language's text)."""
    for c in inst.constructs:
        for key in ("name", "definition"):
            value = getattr(c, key)
            yield f"construct_{key}", c.id, ({inst.default_language: value}
                                              if isinstance(value, str) else dict(value))


def ui_rows(inst: Instrument) -> Iterator[tuple[str, dict[str, str]]]:
    """Every interface text as ``(key, {language: text})``: the instrument's own, else
    engagekit's, else empty."""
    for key in ui_keys():
        own = inst.ui.get(key, {})
        yield key, {code: own.get(code) or builtin_text(key, code) or ""
                    for code in inst.language_codes}


def header(inst: Instrument) -> list[str]:
    cols = ["kind", "id", inst.default_language]
    for code in inst.language_codes:
        if code != inst.default_language:
            cols += [code] + [f"{code}:{x}" for x in EXTRA]
    return cols


def export_sheet(inst: Instrument) -> str:
    """The translation sheet as CSV text (status columns start at the language's status)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header(inst))
    status = {lang.code: lang.status.value for lang in inst.languages}
    rows = [*texts(inst), *construct_texts(inst),
            *(("ui", key, local) for key, local in ui_rows(inst))]
    for kind, ident, local in rows:
        row = [kind, ident, guard(local.get(inst.default_language, ""))]
        for code in inst.language_codes:
            if code != inst.default_language:
                row += [guard(local.get(code, "")), "", status[code], ""]
        w.writerow(row)
    return "\ufeff" + buf.getvalue()


def _set_ui(inst: Instrument, key: str, code: str, value: str) -> bool:
    """Give interface text ``key`` the text ``value`` in ``code``: an entry of the instrument's
    ``ui`` block unless it is engagekit's own text (then no entry). True when it changed."""
    own = inst.ui.get(key, {})
    before = own.get(code) or builtin_text(key, code) or ""
    if value == (builtin_text(key, code) or None):
        own.pop(code, None)
    else:
        own[code] = value
    if own:
        inst.ui[key] = own
    else:
        inst.ui.pop(key, None)
    return before != value


def _set_construct_text(inst: Instrument, kind: str, cid: str, code: str, value: str) -> bool:
    """Give a construct's name or definition ``value`` in ``code`` (a plain string becomes a
    text per language). True when it changed."""
    c = inst.construct(cid)
    key = kind.removeprefix("construct_")
    current = getattr(c, key)
    local = {inst.default_language: current} if isinstance(current, str) else dict(current)
    if local.get(code) == value:
        return False
    local[code] = value
    setattr(c, key, local)
    return True


@dataclass
class ImportReport:
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    not_in_sheet: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    source_differs: list[str] = field(default_factory=list)
    placeholders_differ: list[str] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"changed: {len(self.changed)} text(s)" + (": " + ", ".join(self.changed)
                                                          if self.changed else "")]
        if self.missing:
            out.append("missing (empty in the sheet; kept from the instrument): "
                       + ", ".join(self.missing))
        if self.not_in_sheet:
            out.append("not in the sheet (kept from the instrument): "
                       + ", ".join(self.not_in_sheet))
        if self.unknown:
            out.append("unknown rows (ignored; not texts of this instrument): "
                       + ", ".join(self.unknown))
        if self.source_differs:
            out.append("source text differs from the instrument (the sheet may be out of date; "
                       "source texts are never changed by an import): "
                       + ", ".join(self.source_differs))
        if self.placeholders_differ:
            out.append("placeholders such as {brand} differ from the source text (check these "
                       "translations): " + ", ".join(self.placeholders_differ))
        for code, st in self.statuses.items():
            out.append(f"language {code}: status set to {st}")
        return out


def read_sheet(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TranslationSheetError(f"{path}: file not found") from None
    except UnicodeDecodeError as e:
        raise TranslationSheetError(f"{path}: is not UTF-8 text ({e.reason}); save the sheet "
                                    "as 'CSV UTF-8'") from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise TranslationSheetError(f"{path}: is empty; export a sheet with "
                                    "`engagekit translations export`")
    return list(reader.fieldnames), list(reader)


def import_sheet(inst: Instrument, path: Path) -> tuple[Instrument, ImportReport]:
    """A copy of ``inst`` with the sheet's texts, and a report of what happened."""
    cols, rows = read_sheet(path)
    src = inst.default_language
    missing_cols = [c for c in ("kind", "id", src) if c not in cols]
    if missing_cols:
        raise TranslationSheetError(
            f"{path}: missing column(s) {', '.join(missing_cols)}; the header must start with "
            f"kind,id,{src} (export a fresh sheet with `engagekit translations export`)")
    langs = [c for c in cols if c not in ("kind", "id", src) and ":" not in c]
    unknown_langs = [c for c in langs if c not in inst.language_codes]
    if unknown_langs:
        raise TranslationSheetError(
            f"{path}: column(s) {', '.join(unknown_langs)} are not languages of '{inst.id}' "
            f"({', '.join(inst.language_codes)}); add them under 'languages' first")
    copy = inst.model_copy(deep=True)
    live = {(k, i): local for k, i, local in texts(copy)}
    extra = {(k, i): local for k, i, local in construct_texts(copy)}
    extra.update({("ui", key): local for key, local in ui_rows(copy)})
    report = ImportReport()
    seen = set()
    statuses: dict[str, set[str]] = {c: set() for c in langs}
    for n, row in enumerate(rows, start=2):
        key = (row.get("kind") or "", row.get("id") or "")
        label = f"{key[0]} {key[1]}"
        if key not in live and key not in extra:
            report.unknown.append(f"row {n} ({label})")
            continue
        if key in seen:
            raise TranslationSheetError(f"{path}:{n}: {label} appears twice; keep one row")
        seen.add(key)
        if key in extra:
            _import_extra(copy, key, extra[key], row, src, langs, label, report)
            _statuses(row, langs, n, path, statuses)
            continue
        local = live[key]
        if unguard(row.get(src) or "") != local.get(src, ""):
            report.source_differs.append(label)
        for code in langs:
            value = unguard((row.get(code) or "").strip())
            if not value:
                report.missing.append(f"{label} [{code}]")
                continue
            if local.get(code) != value:
                local[code] = value
                report.changed.append(f"{label} [{code}]")
            if set(PLACEHOLDER_RE.findall(value)) != set(PLACEHOLDER_RE.findall(local[src])):
                report.placeholders_differ.append(f"{label} [{code}]")
        _statuses(row, langs, n, path, statuses)
    report.not_in_sheet = [f"{k} {i}" for k, i in live if (k, i) not in seen]
    order = list(TranslationStatus.__members__)
    for lang in copy.languages:
        found = statuses.get(lang.code)
        if found and lang.code != src:
            lowest = min(found, key=order.index)  # a language is as far as its least-done text
            if lowest != lang.status.value:
                lang.status = TranslationStatus(lowest)
                report.statuses[lang.code] = lowest
    if any(k == "ui" for k, _ in seen):
        for code in copy.language_codes:
            gaps = [key for key, local in ui_rows(copy) if not local.get(code)]
            if gaps:
                report.missing.append(f"ui [{code}]: {', '.join(gaps)} (engagekit has no "
                                      f"'{code}' texts: surveys in '{code}' need every one)")
    # The copy must still be a valid instrument (e.g. placeholders kept in every translation).
    checked = parse_instrument(dump_instrument(copy), f"{inst.id} + {path.name}")
    return checked, report


def _statuses(row: dict[str, str], langs: list[str], n: int, path: Path,
              statuses: dict[str, set[str]]) -> None:
    for code in langs:
        if not unguard((row.get(code) or "").strip()):
            continue
        st = (row.get(f"{code}:status") or "").strip()
        if st:
            if st not in TranslationStatus.__members__:
                raise TranslationSheetError(
                    f"{path}:{n}: status '{st}' for {code} is not one of "
                    + ", ".join(TranslationStatus.__members__))
            statuses[code].add(st)


def _import_extra(inst: Instrument, key: tuple[str, str], local: LocalText,
                  row: dict[str, str], src: str, langs: list[str], label: str,
                  report: ImportReport) -> None:
    """A construct-name/definition or interface-text row of the sheet into ``inst``."""
    kind, ident = key
    if kind == "ui":
        wanted = ui_placeholders(ident)
        for code in [src, *langs]:
            value = unguard((row.get(code) or "").strip())
            if not value:
                continue  # reported once per language after all rows are read
            if set(PLACEHOLDER_RE.findall(value)) != wanted:
                report.placeholders_differ.append(f"{label} [{code}]")
            if _set_ui(inst, ident, code, value):
                report.changed.append(f"{label} [{code}]")
        return
    if unguard(row.get(src) or "") != local.get(src, ""):
        report.source_differs.append(label)
    for code in langs:  # optional texts: an empty cell keeps the default language's
        value = unguard((row.get(code) or "").strip())
        if value and _set_construct_text(inst, kind, ident, code, value):
            report.changed.append(f"{label} [{code}]")
