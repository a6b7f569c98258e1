"""The export formats of ``engagekit survey``: name -> files (suffix -> bytes) for an instrument.

Each format writes one or more files; the first suffix is the main file (the ``-o`` path), the
others are written beside it with their own suffix. Output is deterministic: the same
instrument and options give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..schema import Instrument
from .codebook import ddi_codebook, render_codebook_html, render_table_schema
from .html import render_html
from .layout import check_language
from .limesurvey import render_limesurvey
from .qualtrics import render_advanced_txt, render_qsf
from .redcap import render_redcap
from .surveyjs import render_surveyjs
from .xlsform import render_xlsform


@dataclass(frozen=True)
class Options:
    lang: str | None = None
    brand: str | None = None
    endpoint: str | None = None


@dataclass(frozen=True)
class Format:
    name: str
    help: str
    render: Callable[[Instrument, Options], dict[str, bytes]]


def _html(inst: Instrument, o: Options) -> dict[str, bytes]:
    return {".html": render_html(inst, o.lang, o.brand, o.endpoint).encode("utf-8")}


FORMATS: dict[str, Format] = {}


def register(name: str, help: str):
    def deco(fn):
        FORMATS[name] = Format(name, help, fn)
        return fn
    return deco


register("html", "standalone accessible HTML survey (one file, works offline)")(_html)


@register("surveyjs", "SurveyJS Form Library JSON (survey-core 3.x), all languages")
def _surveyjs(inst: Instrument, o: Options) -> dict[str, bytes]:
    return {".json": render_surveyjs(inst, o.lang, o.brand)}


@register("xlsform", "XLSForm .xlsx for ODK / KoboToolbox / Enketo, all languages")
def _xlsform(inst: Instrument, o: Options) -> dict[str, bytes]:
    return {".xlsx": render_xlsform(inst, o.lang, o.brand)}



@register("redcap", "REDCap data dictionary CSV (one language: --lang)")
def _redcap(inst: Instrument, o: Options) -> dict[str, bytes]:
    return {".csv": render_redcap(inst, o.lang, o.brand)}


@register("codebook", "codebook: HTML (-codebook.html), Frictionless Table Schema "
          "(.schema.json), DDI-C 2.5 XML")
def _codebook(inst: Instrument, o: Options) -> dict[str, bytes]:
    # "-codebook.html", not ".html": the HTML survey of the same instrument is "<id>.html"
    return {"-codebook.html": render_codebook_html(inst, o.lang, o.brand),
            ".schema.json": render_table_schema(inst),
            ".ddi.xml": ddi_codebook(inst, o.lang, o.brand)}



@register("qsf", "Qualtrics .qsf (all languages) and Advanced-format .txt (--lang)")
def _qsf(inst: Instrument, o: Options) -> dict[str, bytes]:
    return {".qsf": render_qsf(inst, o.lang, o.brand),
            ".qualtrics.txt": render_advanced_txt(inst, o.lang, o.brand)}


@register("limesurvey", "LimeSurvey tab-separated survey structure .txt, all languages")
def _limesurvey(inst: Instrument, o: Options) -> dict[str, bytes]:
    return {".txt": render_limesurvey(inst, o.lang, o.brand)}


#: What identifies each format's main file among existing files: (what it is, suffix, bytes
#: near the start of the file).
SIGNATURES: dict[str, tuple[str, str, bytes]] = {
    "html": ("HTML survey", ".html", b'<meta name="generator" content="engagekit '),
    "codebook": ("HTML codebook", ".html", b"<title>Codebook: "),
    "surveyjs": ("SurveyJS survey", ".json", b'"pages"'),
    "qsf": ("Qualtrics survey", ".qsf", b'"SurveyEntry"'),
}


def written_by(path: Path) -> str | None:
    """The ``engagekit survey`` format whose main file ``path`` is (read from its first 4 KB),
    or None when it is none of those recognised (or cannot be read)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    for fmt, (_what, suffix, mark) in SIGNATURES.items():
        if path.name.endswith(suffix) and mark in head:
            return fmt
    return None


def render(inst: Instrument, fmt: str, options: Options | None = None) -> dict[str, bytes]:
    """The files of format ``fmt`` for ``inst``: ``{suffix: bytes}``, main file first."""
    options = options or Options()
    check_language(inst, options.lang)
    return FORMATS[fmt].render(inst, options)
