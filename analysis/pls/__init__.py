"""PLS path modelling (PLS-SEM): estimation and assessment in numpy/scipy.

Partial least squares path modelling (Wold, 1982; Lohmöller, 1989) estimates each construct as
a weighted composite of its indicators, with weights found by alternating outer (measurement)
and inner (structural) approximations; consistent PLS (PLSc; Dijkstra & Henseler, 2015)
corrects the results of reflectively measured constructs for measurement error. Models are
written in lavaan's syntax and read as cSEM reads it (``=~`` reflective, ``<~`` composite,
``~`` paths; :mod:`analysis.pls.syntax`).

Modules, small and flat:

===================  ===========================================================================
``syntax``           the model: :func:`parse_pls_model`, :class:`PLSModel`
``data``             indicator data: missing answers (mean replacement or listwise), moments
``weighting``        inner weighting schemes (path, factorial, centroid)
``algorithm``        the iterative outer/inner weight estimation on a covariance matrix
``consistent``       rho_A and the PLSc correction of loadings and construct correlations
``estimate``         :func:`estimate_pls` (data) and :func:`estimate_pls_moments` (a matrix)
``result``           :class:`PLSResult`: plain data with a lavaan-shaped parameter table
``reliability``      indicator reliability, alpha, rho_C, AVE (rho_A from ``consistent``)
``validity``         HTMT, HTMT2, Fornell-Larcker, indicator VIFs
``structural``       antecedent VIFs, adjusted R², f², total and specific indirect effects
``fit``              model-implied correlations, SRMR, d_ULS
``assess``           :func:`assess_pls`: all of it in Hair et al.'s (2019) reporting order
``bootstrap``        :func:`bootstrap_pls`: seeded resamples or a given index matrix, percentile
                     and BCa intervals
``permutation``      two groups and their seeded random reassignments (permutation tests)
``micom``            :func:`micom_pls`: measurement invariance of composites, steps 1-3
``mga``              :func:`mga_pls`: permutation test of group differences, PLS-MGA
``higher_order``     :func:`estimate_pls_higher_order`: two-stage and repeated indicators;
                     :func:`bootstrap_pls_higher_order`: both stages resampled together
``predict``          :func:`predict_pls`: PLSpredict, k-fold repeated, LM and naive benchmarks
``interaction``      :func:`estimate_pls_interaction`: two-stage, product-indicator and
                     orthogonalizing interaction terms (``Y ~ X + M + X:M``);
                     :func:`bootstrap_pls_interaction`: terms re-formed in every resample
``ipma``             :func:`ipma_pls`: importance-performance map (0-100 performance,
                     unstandardized total effects), construct and indicator level
``pipeline``         ``pls_effects``: the ``pls`` section of results.json
``moderation``       ``pls_interaction``: a run's two-stage moderating effect, simple slopes
``command``          ``effects_pls``: what ``engagekit effects --method pls`` computes
===================  ===========================================================================

Prediction, drivers and moderation on any answers (no engagekit instrument needed): three
constructs measured on a 1-10 scale, out-of-sample prediction (Shmueli et al., 2019), the
importance-performance map of satisfaction's drivers (Ringle & Sarstedt, 2016) and the
two-stage moderating effect (Fassott et al., 2016):

>>> import numpy as np, pandas as pd
>>> from analysis.pls import estimate_pls_interaction, ipma_pls, predict_pls
>>> rng = np.random.default_rng(42)
>>> n = 300
>>> qual, val = rng.normal(size=(2, n))
>>> sat = 0.5 * qual + 0.3 * val + 0.2 * qual * val + 0.7 * rng.normal(size=n)
>>> def answers(f):
...     return np.clip(np.round(6 + 1.5 * (f[:, None] + 0.6 * rng.normal(size=(n, 3)))), 1, 10)
>>> d = pd.DataFrame(np.hstack([answers(qual), answers(val), answers(sat)]),
...                  columns=["q1", "q2", "q3", "v1", "v2", "v3", "s1", "s2", "s3"])
>>> model = "QUAL =~ q1 + q2 + q3; VAL =~ v1 + v2 + v3; SAT =~ s1 + s2 + s3; SAT ~ QUAL + VAL"
>>> pred = predict_pls(d, model, seed=1)                # 10 folds x 10 repetitions
>>> pred.constructs[["construct", "q2_positive", "predictive_power"]].values.tolist()
[['SAT', True, 'high']]
>>> drivers = ipma_pls(d, model, "SAT", scale_min=1, scale_max=10)
>>> drivers.constructs[["construct", "importance", "performance"]].round(2).values.tolist()
[['QUAL', 0.37, 54.41], ['VAL', 0.2, 55.05]]
>>> mod = estimate_pls_interaction(d, model.replace("QUAL + VAL", "QUAL + VAL + QUAL:VAL"))
>>> mod.interactions[["rhs", "est_product"]].round(2).values.tolist()
[['QUAL:VAL', 0.2]]

Names are imported on first use, so ``import analysis.pls`` loads no numpy.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "parse_pls_model": "syntax",
    "PLSModel": "syntax",
    "Construct": "syntax",
    "estimate_pls": "estimate",
    "estimate_pls_moments": "estimate",
    "PLSResult": "result",
    "assess_pls": "assess",
    "bootstrap_pls": "bootstrap",
    "PLSBootstrap": "bootstrap",
    "PLSAssessment": "assess",
    "PLSInputError": "errors",
    "PLSNotConvergedError": "errors",
    "micom_pls": "micom",
    "PLSMicom": "micom",
    "mga_pls": "mga",
    "PLSMultigroup": "mga",
    "estimate_pls_higher_order": "higher_order",
    "parse_higher_order": "higher_order",
    "PLSHigherOrderResult": "higher_order",
    "bootstrap_pls_higher_order": "higher_order",
    "PLSHigherOrderBootstrap": "higher_order",
    "predict_pls": "predict",
    "PLSPrediction": "predict",
    "estimate_pls_interaction": "interaction",
    "parse_interaction_model": "interaction",
    "PLSInteractionResult": "interaction",
    "bootstrap_pls_interaction": "interaction",
    "PLSInteractionBootstrap": "interaction",
    "ipma_pls": "ipma",
    "PLSIpma": "ipma",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'analysis.pls' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
