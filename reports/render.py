"""Render a report context (plain data + figure/table markup) to one self-contained HTML page.

:func:`render_html` fills ``reports/templates/base.html.j2`` (or a template that extends it)
with Jinja2, ``autoescape=True`` and ``StrictUndefined`` (a missing key is an error, not an
empty string). Strings in the context are escaped; the SVG from :mod:`reports.figures` and the
tables from :func:`reports.tables.table_html` are :class:`markupsafe.Markup` and go in as
markup. A plain ``str`` holding SVG would be shown as text: wrap trusted HTML in ``Markup``.

The page has no script and loads nothing: its Content-Security-Policy is ``default-src 'none'``
with inline styles and ``data:`` images only, so even markup that slipped through could neither
run code nor reach the network.

The context ``base.html.j2`` understands (keys marked ``?`` are optional)::

    title            str, the <h1> and <title>
    lang?            "en" (the html lang attribute)
    subtitle?        str
    meta?            [{"label": str, "value": str}]       (instrument, N, date, version...)
    summary?         {"heading": str, "cards": [card]}    (key numbers, under the header)
    sections         [section]                            (one per chapter; the table of contents)
    footer?          str

    section  = {"id": str, "heading": str, "intro"?: str, "blocks": [block],
                "subsections"?: [section]}
    block    = {"type": "text", "text": str}              (blank lines separate paragraphs)
             | {"type": "figure", "svg": Markup, "caption": str, "id"?: str, "label"?: str,
                "note"?: str}
             | {"type": "table", "html": Markup}          (from table_html)
             | {"type": "table", "model": Table}          (a reports.tables.Table)
             | {"type": "table", "data": rows|DataFrame, "caption": str, "columns"?: ...,
                "number_formats"?: {...}, "note"?: str, "label"?: str, "id"?: str}
             | {"type": "badges", "items": [badge]}  |  {"type": "badge", **badge}
             | {"type": "cards", "cards": [card]}
             | {"type": "list", "items": [str]}
             | {"type": "html", "html": Markup}           (trusted markup, e.g. a nested macro)
    badge    = {"status": "pass"|"warn"|"fail"|"info", "text": str, "detail"?: str}
    card     = {"label": str, "value": str, "note"?: str, "status"?: badge status}

Figures and tables without a ``label`` are numbered in order ("Figure 1", "Table 1").
Templates that extend ``base.html.j2`` can override the blocks ``head``, ``header``, ``nav``,
``content`` and ``footer`` and import ``macros.html.j2`` for ``section`` (call block),
``figure``, ``table``, ``badge``, ``badges``, ``cards`` and ``block``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from . import format as fmt
from .tables import build_table, table_html, table_markup

TEMPLATES = Path(__file__).resolve().parent / "templates"
BADGE_STATUSES = ("pass", "warn", "fail", "info")

__all__ = ["TEMPLATES", "make_environment", "number_items", "prepare", "render_html"]


def _paragraphs(text: Any) -> list[str]:
    """Split text into paragraphs at blank lines (each is escaped by the template)."""
    if text is None:
        return []
    return [" ".join(p.split()) for p in str(text).split("\n\n") if p.strip()]


def _fail(message: str) -> None:
    raise ValueError(message)


def make_environment(*extra_dirs: str | Path) -> jinja2.Environment:
    """The report's Jinja2 environment: autoescape on, StrictUndefined, format.py filters.

    ``extra_dirs`` are searched before the bundled templates (a user's own template can extend
    ``base.html.j2``).
    """
    loader = jinja2.FileSystemLoader([str(d) for d in extra_dirs] + [str(TEMPLATES)])
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update({
        "apa": fmt.apa,
        "apa_p": fmt.apa_p,
        "apa_ci": fmt.apa_ci,
        "apa_coef": fmt.apa_coef,
        "apa_int": fmt.apa_int,
        "apa_pct": fmt.apa_pct,
        "stars": fmt.stars,
        "paragraphs": _paragraphs,
    })
    env.globals.update({"table_html": table_html, "table_markup": table_markup,
                        "fit_badges": fmt.fit_badges, "fail": _fail})
    return env


def number_items(context: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``context`` whose figure and table blocks all have a ``label``.

    Unlabelled figures become "Figure 1", "Figure 2", ... and unlabelled data tables "Table 1",
    ... in document order (sections, then their subsections). Badge statuses are checked.
    """
    ctx = dict(context)
    if "sections" not in ctx:
        return ctx
    ctx["sections"] = copy.copy(list(ctx["sections"]))
    counters = {"figure": 0, "table": 0}

    def walk(sections: list) -> list:
        out = []
        for s in sections:
            s = dict(s)
            blocks = []
            for b in s.get("blocks", []):
                b = dict(b)
                kind = b.get("type")
                if kind == "figure" or (kind == "table" and "data" in b):
                    counters[kind] += 1
                    b.setdefault("label", f"{kind.title()} {counters[kind]}")
                elif kind == "table" and "html" in b:
                    counters["table"] += 1
                for badge in ([b] if kind == "badge" else b.get("items", [])
                              if kind == "badges" else []):
                    if badge.get("status") not in BADGE_STATUSES:
                        raise ValueError(f"badge status {badge.get('status')!r}: use one of "
                                         f"{BADGE_STATUSES}")
                blocks.append(b)
            s["blocks"] = blocks
            if "subsections" in s:
                s["subsections"] = walk(list(s["subsections"]))
            out.append(s)
        return out

    ctx["sections"] = walk(ctx["sections"])
    return ctx


def _with_models(sections: list) -> list:
    out = []
    for s in sections:
        s = dict(s)
        s["blocks"] = [dict(b, model=build_table(
            b["data"], b.get("columns"), b.get("caption"), b.get("number_formats"),
            b.get("note"), label=b.get("label"), table_id=b.get("id")))
            if b.get("type") == "table" and "data" in b else b for b in s.get("blocks", [])]
        if "subsections" in s:
            s["subsections"] = _with_models(list(s["subsections"]))
        out.append(s)
    return out


def prepare(context: Mapping[str, Any]) -> dict[str, Any]:
    """``context`` numbered (:func:`number_items`) and with every data table's model: each
    ``{"type": "table", "data": ...}`` block gets ``"model"``, its
    :class:`reports.tables.Table`, which the page renders and the manuscript writers
    (:mod:`reports.manuscript`) write to Word, Excel and LaTeX."""
    ctx = number_items(context)
    if "sections" in ctx:
        ctx["sections"] = _with_models(ctx["sections"])
    return ctx


def render_html(context: dict, template: str = "base.html.j2") -> str:
    """The report page for ``context`` (see the module docstring) as one HTML string."""
    env = make_environment()
    return env.get_template(template).render(prepare(context))
