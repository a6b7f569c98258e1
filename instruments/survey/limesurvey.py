"""LimeSurvey tab-separated survey structure (.txt), all languages, importable as a survey.

Rows follow LimeSurvey's "Tab Separated Value survey structure": ``S`` survey settings, ``SL``
language settings (title, welcome and end texts), ``G`` groups (one per block), ``Q``
questions, ``A`` answers; each row is followed by its translations (same row, other
``language``). Every item is its own question: list (radio) ``L`` for categorical scales with
the declared codes as answer codes, numerical ``N`` with min/max, long text ``T``. LimeSurvey
question codes are letters and digits only, so item ids lose their underscores
(:func:`question_code`, e.g. ``aff_01`` -> ``aff01``; the mapping is checked to be one-to-one).
A block's ``randomize: true`` becomes the questions' ``random_group`` (LimeSurvey shuffles
questions sharing a randomization group). Consent is a mandatory yes/no question; every group
after it is relevant only when ``consent == "Y"``, so declining ends the survey. With
``--brand``, ``{brand}`` stays an ExpressionScript reference to a hidden equation question
``brand``; without it each language carries its default. Texts are HTML-escaped.

There is no offline validator; the tests compare with golden files and check the structure.
Importing into LimeSurvey (Surveys -> Create -> Import) is the real check.
"""

from __future__ import annotations

import re
from html import escape

from ..schema import Instrument, LocalText, ScaleKind
from ..spreadsheet import guard, needs_guard
from ..ui import ui_texts
from .layout import (
    SurveyOptionError,
    anchor_label,
    check_language,
    fill,
    fully_labelled,
    placeholder_values,
    platform_text,
    survey_pages,
)

COLUMNS = ["class", "type/scale", "name", "relevance", "text", "help", "language", "validation",
           "mandatory", "other", "default", "same_default", "random_group", "hidden",
           "min_num_value_n", "max_num_value_n"]


def question_code(item_id: str) -> str:
    """The LimeSurvey question code of an item id (letters and digits only)."""
    return item_id.replace("_", "")


def _cell(text: str) -> str:
    return re.sub(r"[\t\r\n]+", " ", text)


def _html(text: str) -> str:
    return escape(text, quote=False)


def limesurvey_rows(inst: Instrument, lang: str | None = None,
                    brand: str | None = None) -> list[dict[str, str]]:
    lang = check_language(inst, lang, ui="all")
    langs = [lang] + [c for c in inst.language_codes if c != lang]
    rows: list[dict[str, str]] = []

    def add(cls: str, per_lang: dict[str, str] | None = None, **kw) -> None:
        for code in langs:
            row = dict.fromkeys(COLUMNS, "")
            row.update({"class": cls, "language": code,
                        "text": _cell((per_lang or {}).get(code, ""))})
            row.update({k.replace("__", "/"): v for k, v in kw.items()})
            rows.append(row)

    def texts(local: LocalText | None) -> dict[str, str]:
        return {c: platform_text(inst, local, c, brand, lambda n: "{" + n + "}", _html)
                for c in langs}

    codes = {question_code(i.id): i.id for i in inst.items()}
    if len(codes) != len(inst.items()):
        raise SurveyOptionError("LimeSurvey: item ids that differ only by underscores map to "
                                "the same question code; rename them")
    for fixed in ("consent", "brand", "intro"):
        if fixed in codes:
            raise SurveyOptionError(f"LimeSurvey: item '{codes[fixed]}' has the reserved "
                                    f"question code '{fixed}'; rename it")

    for name, value in (("language", lang),
                        ("additional_languages", " ".join(langs[1:])),
                        ("format", "G"), ("showprogress", "Y"), ("allowprev", "Y"),
                        ("anonymized", "Y"), ("datestamp", "Y")):
        row = dict.fromkeys(COLUMNS, "")
        row.update({"class": "S", "name": name, "text": value})
        rows.append(row)
    values = {c: placeholder_values(inst, c, brand) for c in langs}
    # Survey-level texts show before any question runs: they get the values, not the pipe.
    for key, local in (("surveyls_title", inst.title), ("surveyls_welcometext", inst.survey.intro),
                       ("surveyls_endtext", inst.survey.outro)):
        if local:
            add("SL", {c: _html(fill(inst.text(local, c), values[c])) for c in langs}, name=key)

    relevance = "1"
    if inst.survey.consent or brand is not None:
        add("G", {c: _html(ui_texts(inst, c)["consent_heading"]) for c in langs}, name="consent",
            relevance="1")
        if brand is not None:
            add("Q", {c: "{'" + brand.replace("\\", "\\\\").replace("'", "\\'") + "'}"
                      for c in langs}, type__scale="*", name="brand", relevance="1",
                hidden="1", mandatory="N")
        if inst.survey.consent:
            add("Q", texts(inst.survey.consent), type__scale="Y", name="consent",
                relevance="1", mandatory="Y")
            relevance = 'consent == "Y"'
    for page in survey_pages(inst):
        title = texts(page.block.title) if page.block.title else {c: page.id for c in langs}
        add("G", title, name=page.id, relevance=relevance)
        for q in page.questions:
            common = dict(name=question_code(q.id), relevance="1",
                          mandatory="Y" if q.item.required else "N",
                          random_group=f"rand_{page.id}" if page.block.randomize else "")
            help_text = texts(page.block.instructions) if page.block.instructions else {}
            if q.options:
                add("Q", texts(q.item.text), type__scale="L", **common)
                for i, row in enumerate(rows[-len(langs):]):
                    row["help"] = _cell(help_text.get(langs[i], ""))
                for code in q.options:
                    labels = {}
                    for c in langs:
                        label = anchor_label(inst, q.scale, code, c)
                        labels[c] = _html(label if fully_labelled(q.scale)
                                          else f"{code} – {label}" if label else str(code))
                    add("A", labels, type__scale="0", name=str(code))
            elif q.scale.kind == ScaleKind.numeric:
                add("Q", texts(q.item.text), type__scale="N",
                    min_num_value_n="" if q.scale.min is None else f"{q.scale.min:g}",
                    max_num_value_n="" if q.scale.max is None else f"{q.scale.max:g}",
                    **common)
            else:
                add("Q", texts(q.item.text), type__scale="T", **common)
    return rows


def _spreadsheet_safe(col: str, value: str) -> str:
    """A cell no spreadsheet runs as a formula: the HTML texts get an entity for a leading
    ``= + - @`` (LimeSurvey shows the character), other cells a leading ``'``."""
    if not needs_guard(value):
        return value
    if col in ("text", "help") and not value.startswith("'"):
        return f"&#{ord(value[0])};{value[1:]}"
    return guard(value)


def render_limesurvey(inst: Instrument, lang: str | None = None,
                      brand: str | None = None) -> bytes:
    lines = ["\t".join(COLUMNS)]
    for row in limesurvey_rows(inst, lang, brand):
        lines.append("\t".join(_spreadsheet_safe(c, row[c]) for c in COLUMNS))
    return ("\n".join(lines) + "\n").encode("utf-8")
