"""The standalone HTML survey: one self-contained, accessible file that works offline from disk.

Rendered with jinja2 (autoescape on). Every instrument text is escaped; a placeholder such as
``{brand}`` becomes ``<span data-pipe="brand">default</span>``, which the page's script fills
from the URL (``?brand=``) with ``textContent`` only. A Content-Security-Policy with the hash of
the one inline script forbids every other script, inline event handler and network load except
the optional POST of the response (``connect-src``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
from importlib import resources

from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from ..response_format import item_columns, response_columns
from ..schema import PLACEHOLDER_RE, Instrument, LocalText, ScaleKind
from ..ui import ui_texts
from .layout import (
    SurveyOptionError,
    anchor_label,
    check_language,
    fill,
    placeholder_values,
    survey_pages,
)

_RTL = {"ar", "he", "fa", "ur"}


@functools.cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("instruments.survey", "templates"),
        autoescape=True,
        keep_trailing_newline=True,
        trim_blocks=False,
        lstrip_blocks=False,
    )


@functools.cache
def _static(name: str) -> str:
    return (resources.files("instruments.survey") / "templates" / name).read_text(encoding="utf-8")


def _piped(text: str, values: dict[str, str]) -> Markup:
    """Escaped ``text`` with each known placeholder as a span the script can fill."""
    out = []
    pos = 0
    for m in PLACEHOLDER_RE.finditer(text):
        out.append(escape(text[pos:m.start()]))
        name = m.group(1)
        if name in values:
            out.append(Markup('<span data-pipe="{}">{}</span>').format(name, values[name]))
        else:
            out.append(escape(m.group(0)))
        pos = m.end()
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def check_endpoint(endpoint: str | None) -> str | None:
    if endpoint is None:
        return None
    if not endpoint.startswith(("https://", "http://")):
        raise SurveyOptionError(f"collection URL {endpoint!r} must start with https:// (or "
                                "http:// for a local test server)")
    return endpoint


def render_html(inst: Instrument, lang: str | None = None, brand: str | None = None,
                endpoint: str | None = None, server: dict | None = None) -> str:
    """The survey as one HTML document in ``lang``.

    ``brand`` is the default of ``{brand}`` (a ``?brand=`` URL parameter overrides it);
    ``endpoint`` is a collection URL the response is POSTed to (``?endpoint=`` overrides it).
    ``server`` wires the same page to engagekit's collection server (:mod:`collect`): the
    study's name, the URLs of its consent, page-save and submit endpoints, the invitee's
    respondent id and the saved page to resume on (see ``collect.pages``). Without it the
    page is the standalone survey.
    """
    lang = check_language(inst, lang)
    endpoint = check_endpoint(endpoint)
    ui = ui_texts(inst, lang)
    values = placeholder_values(inst, lang, brand)

    def t(local: LocalText | None) -> Markup:
        return _piped(inst.text(local, lang), values)

    pages = []
    for page in survey_pages(inst):
        questions = []
        for q in page.questions:
            kind = q.scale.kind
            rng = ""
            if kind == ScaleKind.numeric and q.scale.min is not None and q.scale.max is not None:
                rng = f"{q.scale.min:g}–{q.scale.max:g}" + (f" {q.scale.unit}" if q.scale.unit
                                                              else "")
            questions.append({
                "id": q.id,
                "text": t(q.item.text),
                "kind": kind.value if kind in (ScaleKind.numeric, ScaleKind.free_text)
                else "choice",
                "required": q.item.required,
                "options": [{"code": c, "label": anchor_label(inst, q.scale, c, lang)}
                            for c in q.options],
                "min": None if q.scale.min is None else f"{q.scale.min:g}",
                "max": None if q.scale.max is None else f"{q.scale.max:g}",
                "range": rng,
            })
        pages.append({
            "id": page.id,
            "title": t(page.block.title) if page.block.title else escape(page.id),
            "instructions": t(page.block.instructions) if page.block.instructions else None,
            "randomize": page.block.randomize,
            "questions": questions,
        })

    title = inst.text(inst.title, lang)
    script = _static("survey.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    config = {
        "instrument_id": inst.id,
        "instrument_version": inst.version,
        "language": lang,
        "title": title,
        "placeholders": values,
        "items": item_columns(inst),
        "columns": response_columns(inst),
        "endpoint": endpoint,
        "ui": ui,
    }
    if server is not None:
        config["server"] = server
    return _env().get_template("survey.html.j2").render(
        lang=lang,
        dir="rtl" if lang.split("-")[0] in _RTL else "ltr",
        instrument_id=inst.id,
        instrument_version=inst.version,
        title=_piped(title, values),
        title_plain=fill(title, values),
        consent=t(inst.survey.consent) if inst.survey.consent else None,
        intro=t(inst.survey.intro) if inst.survey.intro else None,
        outro=t(inst.survey.outro) if inst.survey.outro else None,
        pages=pages,
        ui=ui,
        css=Markup(_static("survey.css")),
        script=Markup(script),
        script_hash=f"sha256-{digest}",
        config=config,
    )
