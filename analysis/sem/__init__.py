"""Structural equation modelling core of engagekit: lavaan-compatible estimation in numpy/scipy.

One small estimation core (RAM matrices, analytic derivatives, Fisher scoring then
quasi-Newton to full convergence) reproduces lavaan 0.6 output - estimates, standard
errors, standardized solutions, R-squared, fit measures, modification indices - for
continuous data (ML, MLM, MLR, FIML) and ordinal items (WLSMV/DWLS on polychoric
correlations).  Every number is checked in ``tests/test_sem_*.py`` against lavaan run
on the same data.

Fitting::

    from analysis import sem
    res = sem.fit("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6", data)
    res.fit_measures["cfi"], res.fit_measures["rmsea.ci.upper"], res.fit_measures["srmr"]
    res.estimates            # lavaan parameterEstimates(standardized = TRUE) layout
    res.r2, res.implied_cov, res.converged, res.warnings
    res.to_dict()            # JSON-able; SEMResult.from_dict() rebuilds it for reports
    sem.modification_indices(res)          # lhs, op, rhs, group, mi, epc, sepc.lv, sepc.all
    from analysis.sem.standardized import standardized_solution
    standardized_solution(res)   # lavaan standardizedSolution(): std.all with delta-method SEs

``fit(model, data, estimator=None, group=None, group_equal=(), group_partial=(),
missing="listwise", meanstructure=None, std_lv=False, fixed_x=True, ordered=None,
level=0.95)``: ``estimator`` is "ML" (default), "MLM" (Satorra-Bentler), "MLR"
(Yuan-Bentler scaled test, Huber-White SEs), or "WLSMV"/"DWLS" (default when
``ordered`` names ordinal items); ``missing="ml"`` is FIML; ``group_equal`` takes
lavaan's names ("loadings", "intercepts", "means", "residuals", "residual.covariances",
"lv.variances", "lv.covariances", "regressions").

Model syntax (lavaan subset, see :mod:`analysis.sem.syntax`): ``=~``, ``~``, ``~~``,
``~ 1``, fixed values ``1*x``, free ``NA*x``, labels ``a*x`` (shared labels = equality),
``start(.5)*x``, per-group vectors ``c(a, b)*x``, defined parameters ``ab := a*b``
(delta-method SEs) and ``a == b``.  Defaults are lavaan's ``sem()``/``cfa()``: first
loading fixed to 1, residual and latent variances free, exogenous latent covariances
free, exogenous observed covariates fixed (``fixed.x``), ML covariance with divisor N.

Measurement invariance::

    inv = sem.invariance(model, data, group="school")   # configural/metric/scalar/strict
    inv.table   # chisq, df, cfi, tli, rmsea, srmr, aic, bic, chisq.diff, df.diff,
                # pvalue.diff, cfi.diff, rmsea.diff, cfi.ok, rmsea.ok, decision, holds

with thresholds in :class:`InvarianceSettings` (Cheung & Rensvold 2002 dCFI <= -.01;
Chen 2007 dRMSEA >= .015) and the Satorra-Bentler (2001) scaled difference test for
MLM/MLR.  With ``ordered=[...]`` (WLSMV) the groups are fitted as lavaan's
``cfa(..., ordered=, group=)`` (:mod:`analysis.sem.ordinal_groups`; ``group_equal``
takes "thresholds", which frees the scale factors and latent means in groups 2..G) and
the sequence is configural -> thresholds.loadings, compared by lavaan's ``lavTestLRT``
scaled-shifted difference test (Satorra, 2000).

Longitudinal and partial invariance (:mod:`analysis.sem.longitudinal`,
:mod:`analysis.sem.partial`, :mod:`analysis.sem.score_test`)::

    design = sem.PanelDesign({"A": ["a1", "a2", "a3"]}, waves=(1, 2, 3))  # columns a1_w1, ...
    wide = sem.wide_panel(long, "id", "wave", ["a1", "a2", "a3"])        # from stacked waves
    seq = sem.longitudinal_invariance(design, wide)   # one model, all waves; configural..strict
    sem.score_test(seq.fits["scalar"]).uni              # lavTestScore(fit)$uni (and $test)
    part = sem.partial_invariance_waves(design, wide)   # or partial_invariance_groups(model,
    part.table, part.steps, part.freed, part.means      #    data, group) for groups

The partial search releases constraints one at a time, largest score test first, until the
level holds by :class:`InvarianceRule` (ΔCFI/ΔRMSEA, Chen 2007, or the chi-square
difference) or :class:`PartialLimits` stops it, and compares latent means in the final
(partial) scalar model.

Bootstrap / fast refits: ``sem.fit_from_moments(res.state, S, n, start=None)`` refits
the compiled model to a new covariance matrix (divisor N) with a warm start and returns
``OptimResult(theta, fmin, converged, iterations, ...)`` (a few ms for a 9-item CFA);
``res.state.defined.values(theta)`` evaluates the ``:=`` parameters (e.g. ``ab``) there;
``fit_from_moments(model_syntax, S, n, names=..., full=True)`` gives a full SEMResult
from summary statistics. Many refits at once (bootstrap): ``sem.batch.refit_batch(res.state,
covs)`` (batched BFGS warm-started from the full-sample information; one group, complete data,
no mean structure; ``sem.batch.supports(res.state)``) returns estimates and a ``converged``
flag per covariance matrix.

Degenerate input (constant or duplicated items, too few cases, a non-positive-definite
covariance matrix, unknown variables, unidentified models) raises :class:`SEMInputError`
naming the items; inadmissible solutions (negative variances, latent correlations
beyond 1, non-convergence, singular information) are listed in ``res.warnings``.
"""

from .api import fit, fit_from_moments
from .errors import SEMInputError, SEMSyntaxError
from .invariance import InvarianceResult, InvarianceSettings, invariance
from .longitudinal import PanelDesign, longitudinal_invariance, wide_panel
from .modindices import modification_indices
from .partial import PartialLimits, partial_invariance_groups, partial_invariance_waves
from .result import SEMResult
from .score_test import score_test
from .sequence import InvarianceRule
from .solution import FitState

__all__ = [
    "FitState",
    "InvarianceResult",
    "InvarianceRule",
    "InvarianceSettings",
    "PanelDesign",
    "PartialLimits",
    "SEMInputError",
    "SEMResult",
    "SEMSyntaxError",
    "fit",
    "fit_from_moments",
    "invariance",
    "longitudinal_invariance",
    "modification_indices",
    "partial_invariance_groups",
    "partial_invariance_waves",
    "score_test",
    "wide_panel",
]
