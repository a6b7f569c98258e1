"""SurveyJS Form Library JSON (survey-core 3.x): one question per item, named by the item id.

Each item is its own question, so a SurveyJS result is already flat (``{"aff_01": 5, ...}``)
and a screen reader hears every statement as its own question (SurveyJS matrices are not
announced well). Blocks are pages; ``randomize: true`` becomes ``questionOrder: "random"`` (the
choices keep their order). Texts are localizable strings: ``default`` holds the instrument's
default language, the other languages their own keys. ``{brand}`` stays a SurveyJS reference
to a calculated value: the ``--brand`` value, otherwise the instrument's default for the
survey's ``{locale}``. Consent is a required boolean; a ``complete`` trigger ends the survey
when it is declined. Reverse keying is not a SurveyJS concept: see the codebook.

Checked in the tests with npm ``survey-core`` (``new Model(json).jsonErrors``) and its linter
(``lintSurvey``).
"""

from __future__ import annotations

import json
from html import escape

from ..schema import Instrument, LocalText, ScaleKind
from ..ui import ui_texts
from .layout import Question, anchor_label, check_language, placeholder_values, survey_pages

CONSENT = "consent"


def _local(inst: Instrument, text: LocalText | None, html: bool = False) -> dict[str, str]:
    """A SurveyJS localizable string: ``default`` plus one key per other language."""
    out = {}
    for code in inst.language_codes:
        value = inst.text(text, code)
        if html:
            value = escape(value)
        out["default" if code == inst.default_language else code] = value
    return out


def _string_literal(value: str) -> str:
    """A SurveyJS expression string literal (quotes escaped as the expression grammar allows)."""
    return "'" + value.replace("'", "\\'").replace('"', '\\"') + "'"


def _placeholder_expression(inst: Instrument, name: str, brand: str | None) -> str:
    if name == "brand" and brand is not None:
        return _string_literal(brand)
    per_lang = {code: placeholder_values(inst, code)[name] for code in inst.language_codes}
    expr = _string_literal(per_lang[inst.default_language])
    for code in reversed(inst.language_codes):
        if code != inst.default_language:
            expr = f"iif({{locale}} = {_string_literal(code)}, {_string_literal(per_lang[code])}, {expr})"
    return expr


def _labels(inst: Instrument, q: Question, code: int) -> dict[str, str]:
    return {("default" if c == inst.default_language else c): anchor_label(inst, q.scale, code, c)
            for c in inst.language_codes}


def _ui(inst: Instrument, key: str, fill: dict[str, str] | None = None,
        html: bool = False) -> dict[str, str]:
    """An interface text (:mod:`instruments.ui`) as a SurveyJS localizable string."""
    out = {}
    for code in inst.language_codes:
        value = ui_texts(inst, code)[key]
        for name, v in (fill or {}).items():
            value = value.replace("{" + name + "}", v)
        out["default" if code == inst.default_language else code] = escape(value) if html \
            else value
    return out


def _question(inst: Instrument, q: Question) -> dict:
    el: dict = {"name": q.id, "title": _local(inst, q.item.text)}
    if q.item.required:
        el["isRequired"] = True
        el["requiredErrorText"] = _ui(inst, "required")
    scale = q.scale
    fully_labelled = {a.value for a in scale.anchors} >= set(q.options) if q.options else False
    if scale.kind in (ScaleKind.likert, ScaleKind.scale_0_10) and not fully_labelled:
        el.update(type="rating", rateMin=int(scale.min), rateMax=int(scale.max),
                  rateCount=int(scale.max - scale.min + 1))
        lo, hi = _labels(inst, q, int(scale.min)), _labels(inst, q, int(scale.max))
        if any(lo.values()):
            el["minRateDescription"] = lo
        if any(hi.values()):
            el["maxRateDescription"] = hi
    elif q.options:
        el.update(type="radiogroup",
                  choices=[{"value": c, "text": _labels(inst, q, c)} for c in q.options])
    elif scale.kind == ScaleKind.numeric:
        el.update(type="text", inputType="number", step=1)
        if scale.min is not None:
            el["min"] = f"{scale.min:g}"
        if scale.max is not None:
            el["max"] = f"{scale.max:g}"
        if scale.min is not None and scale.max is not None:
            message = _ui(inst, "number_range", {"min": f"{scale.min:g}", "max": f"{scale.max:g}"})
            el["minErrorText"] = message
            el["maxErrorText"] = message
    else:
        el["type"] = "comment"
    return el


def surveyjs_json(inst: Instrument, lang: str | None = None, brand: str | None = None) -> dict:
    """The SurveyJS survey definition (a JSON-ready dict)."""
    lang = check_language(inst, lang, ui="all")
    survey: dict = {
        "title": _local(inst, inst.title),
        "description": inst.id + " " + inst.version,
        "showProgressBar": True,
        "progressBarLocation": "aboveheader",
        "showQuestionNumbers": "off",
        "pagePrevText": _ui(inst, "back"),
        "pageNextText": _ui(inst, "next"),
        "completeText": _ui(inst, "submit"),
        "calculatedValues": [
            {"name": p.id, "expression": _placeholder_expression(inst, p.id, brand)}
            for p in inst.placeholders
        ],
    }
    if lang != "en":
        survey["locale"] = lang
    pages = []
    if inst.survey.consent:
        survey["triggers"] = [{"type": "complete", "expression": f"{{{CONSENT}}} = false"}]
        pages.append({"name": "page_consent", "title": _ui(inst, "consent_heading"),
                      "elements": [{
            "type": "boolean", "name": CONSENT, "title": _local(inst, inst.survey.consent),
            "isRequired": True, "renderAs": "radio",
            "labelTrue": _ui(inst, "agree"),
            "labelFalse": _ui(inst, "decline"),
        }]})
        declined = _ui(inst, "declined", html=True)
        heading = _ui(inst, "consent_heading", html=True)
        survey["completedHtmlOnCondition"] = [{
            "expression": f"{{{CONSENT}}} = false",
            "html": {k: f"<h3>{heading[k]}</h3><p>{v}</p>" for k, v in declined.items()}}]
    for n, page in enumerate(survey_pages(inst)):
        p: dict = {"name": f"page_{page.id}",
                   "elements": [_question(inst, q) for q in page.questions]}
        if page.block.title:
            p["title"] = _local(inst, page.block.title)
        description = page.block.instructions
        if n == 0 and inst.survey.intro:
            description = {c: " ".join(x for x in (inst.text(inst.survey.intro, c),
                                                   inst.text(page.block.instructions, c)) if x)
                           for c in inst.language_codes}
        if description:
            p["description"] = _local(inst, description)
        if page.block.randomize:
            p["questionOrder"] = "random"
        pages.append(p)
    survey["pages"] = pages
    thanks = _ui(inst, "thanks_heading", html=True)
    outro = _local(inst, inst.survey.outro, html=True) if inst.survey.outro else {}
    survey["completedHtml"] = {k: f"<h3>{v}</h3>" + (f"<p>{outro[k]}</p>" if outro else "")
                               for k, v in thanks.items()}
    return survey


def render_surveyjs(inst: Instrument, lang: str | None = None, brand: str | None = None) -> bytes:
    data = surveyjs_json(inst, lang, brand)
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
