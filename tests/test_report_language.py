"""The report in the instrument's language (issue 17, item 2): construct names and definitions
from the instrument's texts per language, the headings from :mod:`reports.headings`; an English
instrument's report is unchanged (the demo report keeps its bytes: tests/test_report_render.py
and the golden comparisons)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis import StudySettings, ValidationSettings, run_study, simulate
from instruments import parse_instrument
from reports.headings import HEADINGS, heading, localise_headings
from reports.report import render_report, report_context

GYM = Path(__file__).parent / "fixtures" / "gym" / "gym.yaml"


def _spanish_gym():
    """The gym instrument with Spanish as its default language and Spanish construct names."""
    text = GYM.read_text(encoding="utf-8").replace("default_language: en",
                                                   "default_language: es")
    text = text.replace("status: source", "status: final")
    text = text.replace("    name: Affective commitment\n",
                        "    name:\n      en: Affective commitment\n"
                        "      es: Compromiso afectivo\n")
    return parse_instrument(text, "gym_es.yaml")


@pytest.fixture(scope="module")
def spanish_results():
    inst = _spanish_gym()
    quick = StudySettings(n_boot=0, seed=1, n_jobs=1, progress=False,
                          validation=ValidationSettings(htmt_n_boot=20, parallel_iter=5,
                                                        method_factor=False))
    return run_study(simulate(inst, n=300, seed=3).data, inst, quick,
                     created="2026-12-05T00:00:00+00:00")


def test_spanish_report_has_spanish_headings_and_construct_names(spanish_results):
    assert spanish_results["instrument"]["language"] == "es"
    ctx = report_context(spanish_results)
    headings = [s["heading"] for s in ctx["sections"]]
    assert "Resumen de resultados" in headings and "Fiabilidad" in headings
    assert "Métodos y referencias" in headings
    assert not [h for h in headings if h in HEADINGS], headings  # none left in English
    assert ctx["title"].endswith(": resultados") and ctx["summary"]["heading"] == "Cifras clave"
    html = render_report(spanish_results)
    assert '<html lang="es">' in html
    assert '<h2 id="toc-h">Índice</h2>' in html and ">Ir al contenido</a>" in html
    assert "Compromiso afectivo" in html
    assert not re.search(r"\bAffective commitment\b", html)
    names = {c["id"]: c["name"] for c in spanish_results["instrument"]["constructs"]}
    assert names["affective"] == "Compromiso afectivo"
    assert names["habitual"] == "Habitual commitment"  # no Spanish name given: the one text


def test_headings_every_language_and_unknown_ones_unchanged():
    for en, texts in HEADINGS.items():
        assert set(texts) == {"nl", "de", "fr", "es"}, en
    assert heading("Measurement invariance across club", "de") == "Messinvarianz nach club"
    assert heading("Reliability", "es-MX") == "Fiabilidad"
    assert heading("A heading engagekit does not know", "es") == \
        "A heading engagekit does not know"
    ctx = {"title": "X: findings", "sections": [{"id": "a", "heading": "Reliability"}]}
    assert localise_headings(ctx, "en") is ctx and localise_headings(ctx, "pt") is ctx
