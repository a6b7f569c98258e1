"""REDCap data dictionary (CSV with REDCap's 18 standard columns), one language.

A REDCap dictionary holds one label per field, so the survey is written in ``--lang`` (REDCap's
Multi-Language Management adds the others inside REDCap). Items become ``radio`` fields named by
the item id; consecutive items of a block that share a scale form a matrix group (identical
choices, as REDCap requires); 0-10 and 1-10 scales label every code, with the anchors on the end
points. ``{brand}`` becomes REDCap piping ``[brand]`` to a hidden ``@DEFAULT`` text field when
``--brand`` is given (otherwise the language's default is written into the labels). Consent is a
required radio; every later field has branching logic ``[consent] = '1'``. Reverse keying and
attention checks are noted in the Field Annotation. REDCap has no field-order randomization.
Labels are HTML-escaped (REDCap renders labels as HTML).

There is no offline REDCap validator; the tests check REDCap's documented rules (columns, field
names, matrix groups, choices syntax). An upload to a REDCap project is the real check.
"""

from __future__ import annotations

import csv
import io
from html import escape
from itertools import groupby

from ..schema import Instrument, LocalText, ScaleKind
from ..spreadsheet import guard, needs_guard
from ..ui import ui_texts
from .layout import (
    Question,
    SurveyOptionError,
    anchor_label,
    check_language,
    fully_labelled,
    pipe,
    placeholder_values,
    survey_pages,
)

COLUMNS = [
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note",
    "Text Validation Type OR Show Slider Number", "Text Validation Min", "Text Validation Max",
    "Identifier?", "Branching Logic (Show field only if...)", "Required Field?",
    "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name",
    "Matrix Ranking?", "Field Annotation",
]


def _choice_text(text: str) -> str:
    # "|" separates choices and the first "," separates code from label in REDCap's syntax
    return text.replace("|", "/")


def _choices(inst: Instrument, q: Question, lang: str) -> str:
    parts = []
    for code in q.options:
        label = anchor_label(inst, q.scale, code, lang)
        text = label if fully_labelled(q.scale) else f"{code} {label}" if label else str(code)
        parts.append(f"{code}, {_choice_text(escape(text, quote=False))}")
    return " | ".join(parts)


def _annotation(inst: Instrument, q: Question) -> str:
    notes = []
    if q.item.keyed == "minus" and q.scale.min is not None:
        lo, hi = q.scale.min, q.scale.max
        notes.append(f"reverse-keyed: score = {lo + hi:g} - x (declared scale {lo:g}-{hi:g})")
    if q.item.role.value == "attention_check":
        notes.append(f"attention check: expected {', '.join(map(str, q.item.expected or []))}")
    if q.scale.missing_codes:
        notes.append(f"missing codes: {', '.join(map(str, q.scale.missing_codes))}")
    notes.append(f"construct: {q.construct.id}; scale: {q.scale.id}")
    return "; ".join(notes)


def _action_tag_value(value: str) -> str:
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return '"' + value.replace('"', "'") + '"'


def redcap_rows(inst: Instrument, lang: str | None = None,
                brand: str | None = None) -> list[dict[str, str]]:
    """The dictionary's rows (dicts keyed by :data:`COLUMNS`)."""
    lang = check_language(inst, lang)
    form = inst.id[:50]
    values = placeholder_values(inst, lang, brand)
    piped = {"brand"} if brand is not None else set()

    def text(local: LocalText | None) -> str:
        t = inst.text(local, lang)
        t = pipe(t, lambda name: f"[{name}]" if name in piped else values.get(name, name))
        return escape(t, quote=False)

    rows: list[dict[str, str]] = []

    def add(**kw):
        row = dict.fromkeys(COLUMNS, "")
        row["Form Name"] = form
        for key, value in kw.items():
            row[{"name": "Variable / Field Name", "type": "Field Type", "label": "Field Label",
                 "header": "Section Header", "choices": "Choices, Calculations, OR Slider Labels",
                 "validation": "Text Validation Type OR Show Slider Number",
                 "vmin": "Text Validation Min", "vmax": "Text Validation Max",
                 "branching": "Branching Logic (Show field only if...)",
                 "required": "Required Field?", "matrix": "Matrix Group Name",
                 "annotation": "Field Annotation", "note": "Field Note"}[key]] = value
        rows.append(row)

    taken = {i.id for i in inst.items()}
    for fixed in ("record_id", "brand", "consent", "intro"):
        if fixed in taken:
            raise SurveyOptionError(f"REDCap: item id '{fixed}' clashes with a field engagekit "
                                    "adds; rename the item")
    add(name="record_id", type="text", label="Record ID")
    if brand is not None:  # (action tags may stand anywhere in the annotation; a cell starting
        # with @ would be a formula to a spreadsheet)
        add(name="brand", type="text", label="Brand",
            annotation=f"brand value: @HIDDEN @DEFAULT={_action_tag_value(brand)}")
    branching = ""
    if inst.survey.consent:
        ui = ui_texts(inst, lang)
        add(name="consent", type="radio", label=text(inst.survey.consent), required="y",
            choices=f"1, {_choice_text(escape(ui['agree']))} | 0, "
                    f"{_choice_text(escape(ui['decline']))}",
            annotation="consent: declining (0) ends the survey (all later fields are hidden)")
        branching = "[consent] = '1'"
    if inst.survey.intro:
        add(name="intro", type="descriptive", label=text(inst.survey.intro), branching=branching)
    for page in survey_pages(inst):
        header = " — ".join(x for x in (text(page.block.title) if page.block.title else "",
                                        text(page.block.instructions)
                                        if page.block.instructions else "") if x)
        matrix_of: dict[str, str] = {}
        runs = [list(g) for _, g in groupby(page.questions,
                                            key=lambda q: q.scale.id if q.options else None)]
        for run in runs:
            if len(run) > 1 and run[0].options:
                name = f"{page.id}_{run[0].scale.id}"[:50]
                k = sum(1 for v in matrix_of.values() if v.startswith(name))
                for q in run:
                    matrix_of[q.id] = name if k == 0 else f"{name}_{k + 1}"
        for n, q in enumerate(page.questions):
            kw = dict(name=q.id, label=text(q.item.text), branching=branching,
                      required="y" if q.item.required else "", annotation=_annotation(inst, q),
                      matrix=matrix_of.get(q.id, ""))
            if n == 0 and header:
                kw["header"] = header
            if q.options:
                kw.update(type="radio", choices=_choices(inst, q, lang))
            elif q.scale.kind == ScaleKind.numeric:
                kw.update(type="text", validation="integer",
                          vmin="" if q.scale.min is None else f"{q.scale.min:g}",
                          vmax="" if q.scale.max is None else f"{q.scale.max:g}",
                          note=escape(q.scale.unit or "", quote=False))
            else:
                kw.update(type="notes")
            add(**kw)
    return rows


#: Columns REDCap renders as HTML: a leading formula character is written as its HTML
#: entity there (REDCap shows the character; a spreadsheet sees text starting with ``&``).
HTML_COLUMNS = ("Section Header", "Field Label", "Choices, Calculations, OR Slider Labels",
                "Field Note")


def _spreadsheet_safe(row: dict[str, str]) -> dict[str, str]:
    out = {}
    for col, value in row.items():
        if isinstance(value, str) and needs_guard(value):
            value = (f"&#{ord(value[0])};{value[1:]}" if col in HTML_COLUMNS
                     and not value.startswith("'") else guard(value))
        out[col] = value
    return out


def render_redcap(inst: Instrument, lang: str | None = None, brand: str | None = None) -> bytes:
    """The dictionary as CSV; no cell starts as a spreadsheet formula (labels that start with
    ``= + - @`` get an HTML entity for that character, other cells a leading ``'``)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\r\n")
    w.writeheader()
    w.writerows(_spreadsheet_safe(r) for r in redcap_rows(inst, lang, brand))
    return buf.getvalue().encode("utf-8")
