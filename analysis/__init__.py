"""engagekit analysis: responses in -> cleaned, scored, validated, modelled; results as plain data.

The public API, one function per job (each returns a result object with ``to_dict()`` or a
tidy DataFrame); the README's "Python API" section shows them in use:

==========================  =====================================================================
reading                     :func:`read_responses`, :func:`write_responses`
screening                   :func:`screen` (:class:`ScreeningSettings`)
scoring                     :func:`score_responses`, :func:`reverse_keyed`, :func:`scale_scores`
simulated respondents       :func:`simulate` (:class:`SimulationSettings`), :func:`true_parameters`
scale validation            :func:`validate_instrument`, :func:`validate_scales`
                            (:class:`ValidationSettings`), :func:`constructs_from_syntax`
structural effects          :func:`estimate_effects`
observed scores             :func:`ols_table`, :func:`ordinal_logit`, :func:`dominance_analysis`,
                            :func:`relative_weights`, :func:`importance_performance`
groups and moderation       :func:`compare_paths`, :func:`latent_interaction`
planning                    :func:`power_analysis`
the whole study             :func:`run_study` (:class:`StudySettings`)
the SEM core                :mod:`analysis.sem` (``sem.fit``, ``sem.invariance``, ...)
==========================  =====================================================================

Names are imported on first use, so ``import analysis`` stays cheap; :func:`simulate` is bound
eagerly because it shares its name with its module (``analysis.responses.simulate``), which Python would
otherwise bind to the package attribute when the module is first imported.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "read_responses": "responses",
    "write_responses": "responses",
    "screen": "responses.screening",
    "ScreeningSettings": "responses.screening",
    "score_responses": "responses.scoring",
    "reverse_keyed": "responses.scoring",
    "scale_scores": "responses.scoring",
    "ScoringSettings": "responses.scoring",
    "simulate": "responses.simulate",
    "SimulationSettings": "responses.simulate",
    "true_parameters": "responses.simulate",
    "validate_instrument": "psychometrics.validation",
    "validate_scales": "psychometrics.validation",
    "ValidationSettings": "psychometrics.validation",
    "constructs_from_syntax": "sem.syntax",
    "estimate_effects": "structural.effects",
    "ols_table": "structural.regression",
    "ordinal_logit": "structural.regression",
    "dominance_analysis": "structural.drivers",
    "relative_weights": "structural.drivers",
    "importance_performance": "structural.drivers",
    "compare_paths": "structural.groups",
    "latent_interaction": "structural.interaction",
    "power_analysis": "structural.power",
    "run_study": "study",
    "StudySettings": "study",
}

__all__ = sorted(_EXPORTS)



def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    if name == "sem":
        return importlib.import_module(".sem", __name__)
    raise AttributeError(f"module 'analysis' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__, "sem"])
