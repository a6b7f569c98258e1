"""The report's headings in the instrument's language (Dutch, German, French, Spanish).

A report is written in its instrument's default language where engagekit has the words: the
construct names and definitions come from the instrument (a text per language,
:meth:`instruments.schema.Instrument.construct_name`), and the section headings, the table of
contents, the summary heading and the header's labels from :data:`HEADINGS`. The findings,
table captions and the methods text stay English (they are generated prose). A language not in
the table, English included, leaves the page exactly as it was.

>>> localise_headings({"title": "Acme: findings", "sections": [
...     {"id": "reliability", "heading": "Reliability", "blocks": []}]}, "es")["sections"][0]
{'id': 'reliability', 'heading': 'Fiabilidad', 'blocks': []}
"""

from __future__ import annotations

import re
from typing import Any

#: English heading -> {language: heading}; ``{group}`` is filled in from the English heading.
HEADINGS: dict[str, dict[str, str]] = {
    "Skip to content": {"nl": "Naar de inhoud", "de": "Zum Inhalt springen",
                        "fr": "Aller au contenu", "es": "Ir al contenido"},
    "Contents": {"nl": "Inhoud", "de": "Inhalt", "fr": "Sommaire", "es": "Índice"},
    "Key numbers": {"nl": "Kerncijfers", "de": "Kennzahlen", "fr": "Chiffres clés",
                    "es": "Cifras clave"},
    "Findings in brief": {"nl": "Bevindingen in het kort", "de": "Ergebnisse im Überblick",
                          "fr": "Résultats en bref", "es": "Resumen de resultados"},
    "Sample and data quality": {"nl": "Steekproef en datakwaliteit",
                                "de": "Stichprobe und Datenqualität",
                                "fr": "Échantillon et qualité des données",
                                "es": "Muestra y calidad de los datos"},
    "Item distributions": {"nl": "Verdeling van de antwoorden", "de": "Antwortverteilungen",
                           "fr": "Distribution des réponses",
                           "es": "Distribución de las respuestas"},
    "Reliability": {"nl": "Betrouwbaarheid", "de": "Reliabilität", "fr": "Fiabilité",
                    "es": "Fiabilidad"},
    "Factor structure": {"nl": "Factorstructuur", "de": "Faktorstruktur",
                         "fr": "Structure factorielle", "es": "Estructura factorial"},
    "Convergent and discriminant validity": {
        "nl": "Convergente en discriminante validiteit",
        "de": "Konvergente und diskriminante Validität",
        "fr": "Validité convergente et discriminante",
        "es": "Validez convergente y discriminante"},
    "Common-method checks": {"nl": "Controles op common-method-bias",
                             "de": "Prüfung auf Common-Method-Bias",
                             "fr": "Contrôles du biais de méthode commune",
                             "es": "Comprobaciones del sesgo de método común"},
    "Measurement invariance across {group}": {
        "nl": "Meetinvariantie naar {group}", "de": "Messinvarianz nach {group}",
        "fr": "Invariance de la mesure selon {group}",
        "es": "Invarianza de la medida según {group}"},
    "What drives satisfaction and loyalty": {
        "nl": "Wat tevredenheid en loyaliteit bepaalt",
        "de": "Was Zufriedenheit und Loyalität bestimmt",
        "fr": "Ce qui détermine la satisfaction et la fidélité",
        "es": "Qué impulsa la satisfacción y la lealtad"},
    "Loyalty segments and NPS": {"nl": "Loyaliteitssegmenten en NPS",
                                 "de": "Loyalitätssegmente und NPS",
                                 "fr": "Segments de fidélité et NPS",
                                 "es": "Segmentos de lealtad y NPS"},
    "Methods and references": {"nl": "Methode en literatuur", "de": "Methoden und Literatur",
                               "fr": "Méthodes et références", "es": "Métodos y referencias"},
    "Respondents analysed": {"nl": "Geanalyseerde respondenten", "de": "Ausgewertete Befragte",
                             "fr": "Répondants analysés", "es": "Encuestados analizados"},
    "Results created": {"nl": "Resultaten gemaakt", "de": "Ergebnisse erstellt",
                        "fr": "Résultats créés", "es": "Resultados creados"},
    "Source": {"nl": "Bron", "de": "Quelle", "fr": "Source", "es": "Fuente"},
    ": findings": {"nl": ": bevindingen", "de": ": Ergebnisse", "fr": " : résultats",
                   "es": ": resultados"},
}

_PATTERNS = [(re.compile("^" + re.escape(en).replace(re.escape("{group}"), "(?P<group>.+)")
                         + "$"), en) for en in HEADINGS if "{group}" in en]


def heading(text: str, lang: str) -> str:
    """``text`` in ``lang`` when it is a known heading; otherwise ``text`` unchanged."""
    base = lang.split("-")[0]
    if text in HEADINGS:
        return HEADINGS[text].get(base, text)
    for pattern, en in _PATTERNS:
        m = pattern.match(text)
        if m and base in HEADINGS[en]:
            return HEADINGS[en][base].replace("{group}", m["group"])
    return text


def localise_headings(context: dict[str, Any], lang: str) -> dict[str, Any]:
    """A copy of the report ``context`` with its headings in ``lang`` (unchanged for English
    and languages :data:`HEADINGS` does not have)."""
    base = lang.split("-")[0]
    if base == "en" or base not in HEADINGS["Contents"]:
        return context
    ctx = dict(context)

    def sections(items: list[dict]) -> list[dict]:
        out = []
        for s in items:
            s = {**s, "heading": heading(s["heading"], lang)} if "heading" in s else dict(s)
            if "subsections" in s:
                s["subsections"] = sections(s["subsections"])
            out.append(s)
        return out

    ctx["sections"] = sections(list(ctx.get("sections", [])))
    if ctx.get("summary"):
        ctx["summary"] = {**ctx["summary"],
                          "heading": heading(ctx["summary"].get("heading", "Key numbers"), lang)}
    if ctx.get("meta"):
        ctx["meta"] = [{**m, "label": heading(m["label"], lang)} for m in ctx["meta"]]
    title = ctx.get("title", "")
    if title.endswith(": findings"):
        ctx["title"] = title[: -len(": findings")] + heading(": findings", lang)
    ctx["skip_link"] = heading("Skip to content", lang)
    ctx["contents_heading"] = heading("Contents", lang)
    return ctx
