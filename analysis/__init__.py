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
                            :func:`relative_weights`, :func:`importance_performance`,
                            :func:`oriented_drivers`
groups and moderation       :func:`compare_paths`, :func:`latent_interaction`
planning                    :func:`power_analysis`
latent profiles             :func:`latent_profiles` (:mod:`analysis.profiles`)
PLS-SEM                     :func:`estimate_pls`, :func:`estimate_pls_moments`,
                            :func:`bootstrap_pls`, :func:`assess_pls`, :func:`parse_pls_model`,
                            :func:`pls_effects` (the ``--method pls`` pipeline;
                            :mod:`analysis.pls`)
the whole study             :func:`run_study` (:class:`StudySettings`)
the SEM core                :mod:`analysis.sem` (``sem.fit``, ``sem.invariance``, ...)
==========================  =====================================================================

Glossary
--------
The same idea has the same name in every function and settings object (old names still work
until engagekit 0.3, with a ``DeprecationWarning``; :mod:`analysis.arguments` checks the values
and says what is wrong in these terms, e.g. "level must be in (0, 1); got 1.5"):

==============  ===============================================================================
``level``       confidence level of an interval, in (0, 1): 0.95 for 95% (was ``ci``,
                ``ci_level``, ``confidence``; ``alpha`` = 1 - level in ``ols_table``,
                ``ordinal_logit``). Its own intervals get a prefix: ``htmt_level``
``n_boot``      bootstrap resamples, a whole number >= 0 (0: no bootstrap). ``htmt_n_boot``
                (was ``htmt_boot``) for the HTMT intervals
``seed``        the seed of every random step, a whole number >= 0: same inputs and seed, same
                bytes, whatever ``n_jobs`` or ``scheduler``
``n_jobs``      local worker processes: None (all cores) or a whole number >= 1
``scheduler``   None (local processes), ``"dask"`` (a local Dask cluster) or a Dask scheduler
                address such as ``"tcp://host:8786"``
``alpha``       a significance level for a test decision (``power_analysis``,
                ``compare_paths``), never an interval's level
==============  ===============================================================================

Tables use lavaan's column names: ``est``, ``se``, ``z``, ``pvalue``, ``ci.lower``,
``ci.upper``, ``std.all``.

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
    "oriented_drivers": "structural.drivers",
    "compare_paths": "structural.groups",
    "latent_interaction": "structural.interaction",
    "power_analysis": "structural.power",
    "latent_profiles": "profiles.analyze",
    "estimate_pls": "pls.estimate",
    "estimate_pls_moments": "pls.estimate",
    "bootstrap_pls": "pls.bootstrap",
    "assess_pls": "pls.assess",
    "parse_pls_model": "pls.syntax",
    "pls_effects": "pls.pipeline",
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
