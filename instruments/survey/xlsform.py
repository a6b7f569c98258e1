"""XLSForm (.xlsx) for ODK Collect, KoboToolbox and Enketo: ``survey``, ``choices``, ``settings``.

Every declared language becomes a ``label::Name (code)`` column. ``{brand}`` becomes ``${brand}``,
a ``calculate`` field holding the ``--brand`` value; without ``--brand`` each language's label
carries that language's default (XPath cannot ask for the form language), and the ``brand``
field records the default language's default. Blocks are ``field-list`` groups (one screen
each); consent is a required yes/no question, and everything after it is relevant only on
"yes", so declining ends the form. XLSForm cannot shuffle question order (only choices), so a
block's ``randomize: true`` is not carried over: the order is fixed as defined. Reverse keying is
documented in the codebook.

Checked in the tests by ``pyxform`` (conversion to an XForm, with its warnings).
"""

from __future__ import annotations

import io
import re
import zipfile

from openpyxl import Workbook
from openpyxl.styles import Font

from ..schema import Instrument, LocalText, ScaleKind
from ..spreadsheet import guard_worksheet
from ..ui import ui_texts
from .layout import (
    SurveyOptionError,
    anchor_label,
    check_language,
    fill,
    pipe,
    placeholder_values,
    survey_pages,
)

_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def language_column(inst: Instrument, code: str) -> str:
    """XLSForm's language naming, e.g. ``English (en)``."""
    name = next(lang.name for lang in inst.languages if lang.code == code)
    return f"{name} ({code})"


def xpath_literal(value: str) -> str:
    """An XPath 1.0 string literal for any text (XPath has no escapes: quote or concat)."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    parts = value.split("'")
    return "concat(" + ", \"'\", ".join(f"'{p}'" for p in parts) + ")"


def _texts(inst: Instrument, local: LocalText | None, brand: str | None) -> dict[str, str]:
    """Per-language label: ``${name}`` pipes when a value is given, else the literal default."""
    out = {}
    for code in inst.language_codes:
        text = inst.text(local, code)
        if brand is not None:
            text = pipe(text, lambda name: "${" + name + "}")
        else:
            text = fill(text, placeholder_values(inst, code))
        out[code] = text
    return out


def xlsform_sheets(inst: Instrument, lang: str | None = None,
                   brand: str | None = None) -> dict[str, list[list[str]]]:
    """The three sheets as rows (header first); the default language is ``lang``."""
    lang = check_language(inst, lang, ui="all")
    codes = inst.language_codes
    ui = {c: ui_texts(inst, c) for c in codes}
    label_cols = [f"label::{language_column(inst, c)}" for c in codes]
    req_cols = [f"required_message::{language_column(inst, c)}" for c in codes]
    con_cols = [f"constraint_message::{language_column(inst, c)}" for c in codes]
    header = ["type", "name", *label_cols, "required", *req_cols, "appearance", "relevant",
              "constraint", *con_cols, "calculation"]
    rows: list[list[str]] = [header]
    taken = {i.id for i in inst.items()}

    def name(candidate: str) -> str:
        if candidate in taken:
            raise SurveyOptionError(f"XLSForm: the generated field name '{candidate}' is also "
                                    "an item id; rename the item or the block")
        taken.add(candidate)
        return candidate

    def row(type_, name_, labels=None, required="", appearance="", relevant="", constraint="",
            constraint_msg=None, calculation=""):
        labels = labels or {}
        req = {c: ui[c]["required"] for c in codes} if required else {}
        rows.append([type_, name_, *(labels.get(c, "") for c in codes), required,
                     *(req.get(c, "") for c in codes), appearance, relevant, constraint,
                     *((constraint_msg or {}).get(c, "") for c in codes), calculation])

    values = placeholder_values(inst, inst.default_language, brand)
    for p in inst.placeholders:
        row("calculate", name(p.id), calculation=xpath_literal(values[p.id]))
    relevant = ""
    if inst.survey.consent:
        labels = _texts(inst, inst.survey.consent, brand)
        row("select_one engagekit_consent", name("consent"), labels, required="yes")
        relevant = "${consent} = 'yes'"
    if inst.survey.intro:
        row("note", name("intro"), _texts(inst, inst.survey.intro, brand), relevant=relevant)
    for page in survey_pages(inst):
        title = _texts(inst, page.block.title, brand) if page.block.title else {}
        row("begin_group", name(f"page_{page.id}"), title, appearance="field-list",
            relevant=relevant)
        if page.block.instructions:
            row("note", name(f"page_{page.id}_instructions"),
                _texts(inst, page.block.instructions, brand))
        for q in page.questions:
            labels = _texts(inst, q.item.text, brand)
            req = "yes" if q.item.required else ""
            kind = q.scale.kind
            if q.options:
                row(f"select_one {q.scale.id}", q.id, labels, required=req,
                    appearance="likert" if kind == ScaleKind.likert else "")
            elif kind == ScaleKind.numeric:
                parts = []
                if q.scale.min is not None:
                    parts.append(f". >= {q.scale.min:g}")
                if q.scale.max is not None:
                    parts.append(f". <= {q.scale.max:g}")
                msg = {c: ui[c]["number_range"].replace("{min}", f"{q.scale.min:g}")
                       .replace("{max}", f"{q.scale.max:g}") for c in codes} if parts else None
                row("integer", q.id, labels, required=req, constraint=" and ".join(parts),
                    constraint_msg=msg)
            else:
                row("text", q.id, labels, required=req, appearance="multiline")
        row("end_group", "")
    if inst.survey.outro:
        row("note", name("outro"), _texts(inst, inst.survey.outro, brand), relevant=relevant)

    choices = [["list_name", "name", *label_cols]]
    if inst.survey.consent:
        choices.append(["engagekit_consent", "yes", *(ui[c]["agree"] for c in codes)])
        choices.append(["engagekit_consent", "no", *(ui[c]["decline"] for c in codes)])
    used = []
    for page in survey_pages(inst):
        for q in page.questions:
            if q.options and q.scale.id not in used:
                used.append(q.scale.id)
    for scale_id in used:
        scale = inst.scale(scale_id)
        for code in scale.codes:
            labels = []
            for c in codes:
                label = anchor_label(inst, scale, code, c)
                labels.append(f"{code} – {label}" if label and scale.kind != ScaleKind.single_choice
                              else label or str(code))
            choices.append([scale_id, str(code), *labels])

    title = fill(inst.text(inst.title, lang), placeholder_values(inst, lang, brand))
    settings = [["form_title", "form_id", "version", "default_language"],
                [title, inst.id, inst.version, language_column(inst, lang)]]
    return {"survey": rows, "choices": choices, "settings": settings}


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite an .xlsx so that it does not depend on the clock (fixed times and properties)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*",
                                 rb"\g<1>2020-01-01T00:00:00Z", content)
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, content)
    return out.getvalue()


def render_xlsform(inst: Instrument, lang: str | None = None, brand: str | None = None) -> bytes:
    """The XLSForm as .xlsx bytes (the same bytes for the same inputs)."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in xlsform_sheets(inst, lang, brand).items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
        guard_worksheet(ws)  # a text starting with = is a string cell, never a live formula
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return _normalise_zip(buf.getvalue())
