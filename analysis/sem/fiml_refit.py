"""FIML refits of a fitted model to resampled incomplete data (bootstrap, jackknife).

A replicate is the full sample's rows with other multiplicities (:mod:`analysis.sem.em`), so
its likelihood is the full-information one over the same missing-data patterns (Arbuckle
1996; :meth:`analysis.sem.core.Engine.deviance`). :func:`refit_fiml` minimises it by BFGS
(Nocedal & Wright 2006, *Numerical Optimization*, 2nd ed., eq. 6.17, with a backtracking Armijo
line search, alg. 3.1) warm-started at the full-sample estimates with the inverse of twice the
full-sample expected information as the first inverse Hessian: the steps are close to Newton
steps from the start, and no per-replicate information matrix (the expensive part of a FIML
fit) is computed. Convergence is the core's: max |gradient| < ``tol``, or < 1e-7 once the
deviance stops decreasing in double precision; ``converged`` means max |gradient| < 1e-6.
The saturated (EM) moments, which only the fit statistics need, are not computed.

Scope: one group; a mean structure is allowed (FIML always has one). Models with fixed-x
exogenous covariates take their fixed moments from the data, which a replicate changes:
:func:`supports` is False for them (refit those with :func:`analysis.sem.fit_from_moments`
on EM moments instead).
"""

from __future__ import annotations

import numpy as np

from .core import OptimResult
from .stats import GroupMoments

__all__ = ["refit_fiml", "supports"]


def supports(state) -> bool:
    """True for a one-group FIML fit without fixed exogenous covariates."""
    return (state.pt.ngroups == 1 and len(state.engine.groups) == 1 and not state.pt.ov_x
            and str(state.estimator).upper() in ("ML", "MLR"))


def refit_fiml(state, data: GroupMoments, start: np.ndarray, inverse_hessian: np.ndarray,
               tol: float = 1e-9, max_iter: int = 300) -> OptimResult:
    """Minimise the FIML deviance of ``data`` from ``start`` (see the module docstring)."""
    eng = state.engine
    d = [data]
    theta = np.array(start, dtype=float)
    f = eng.deviance(theta, d)
    if not np.isfinite(f):
        return OptimResult(theta, f, False, 0, np.inf, "start values not admissible")
    g = eng.gradient(theta, d)
    H0 = np.asarray(inverse_hessian, dtype=float)
    Hi = H0.copy()
    fresh = True
    it = 0
    msg = ""
    while it < max_iter:
        it += 1
        gmax = float(np.max(np.abs(g)))
        if gmax < tol:
            msg = "converged"
            break
        step = -Hi @ g
        slope = float(g @ step)
        if not (slope < 0) or not np.all(np.isfinite(step)):
            Hi, fresh = H0.copy(), True
            step = -Hi @ g
            slope = float(g @ step)
        if np.all(np.abs(step) < 1e-10 * (1.0 + np.abs(theta))):
            msg = "converged"
            break
        t = 1.0
        accepted = False
        while t > 1e-12:
            cand = theta + t * step
            fc = eng.deviance(cand, d)
            if np.isfinite(fc) and fc <= f + 1e-4 * t * slope:
                accepted = True
                break
            t *= 0.5
        if not accepted:
            if gmax < 1e-6:
                msg = "converged"
                break
            if not fresh:
                Hi, fresh = H0.copy(), True
                continue
            msg = "line search failed"
            break
        g_new = eng.gradient(cand, d)
        s, y = cand - theta, g_new - g
        no_progress = abs(f - fc) <= 8 * np.finfo(float).eps * max(1.0, abs(f))
        sy = float(s @ y)
        if sy > 1e-16:  # BFGS update of the inverse Hessian (curvature condition holds)
            rho = 1.0 / sy
            Hy = Hi @ y
            Hi = (Hi - rho * (np.outer(s, Hy) + np.outer(Hy, s))
                  + (rho * rho * float(y @ Hy) + rho) * np.outer(s, s))
            fresh = False
        theta, f, g = cand, fc, g_new
        if no_progress and np.max(np.abs(g)) < 1e-7:
            msg = "converged"
            break
    gmax = float(np.max(np.abs(g)))
    converged = gmax < max(tol, 1e-6)
    return OptimResult(theta, float(f), converged, it, gmax,
                       msg or ("converged" if converged else "iteration limit reached"))
