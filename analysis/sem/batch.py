"""Batched ML refits of one compiled model to many covariance matrices (bootstrap, jackknife).

What it is: the BFGS quasi-Newton method (Nocedal & Wright 2006, *Numerical Optimization*,
2nd ed., ch. 6: inverse-Hessian update eq. 6.17, backtracking Armijo line search, alg. 3.1)
applied to the normal-theory ML discrepancy of a single-group covariance structure,

    F_b(theta) = log|Sigma(theta)| + tr(W_b Sigma(theta)^-1)      (+ constants)

for every resample b at once: the RAM matrices of all resamples are stacked and the implied
covariance matrices, deviances and analytic gradients (the formulas of
:meth:`analysis.sem.core.Engine.gradient`) are computed with batched matrix products.
Each resample keeps its own parameter vector, inverse Hessian and step length; the batch only
shares the numpy calls, so a resample's iterates do not depend on which other resamples are
in the batch.

Warm start: every refit starts at the full-sample estimate with the inverse Hessian set to the
inverse of twice the full-sample expected information (the Hessian of F at the solution in
expectation), so the first steps are already close to Newton steps and no per-refit Fisher
scoring (and no per-refit information matrix) is needed.

Convergence is the sem core's criterion (max |gradient| < ``tol``, 1e-9 by default), so the
estimates agree with :func:`analysis.sem.fit_from_moments` to the optimiser's precision.
Resamples that do not get there (iteration limit, failed line search with a gradient above
1e-6, non-positive-definite implied covariance matrices throughout) are flagged in
``converged``; callers refit those one by one with :func:`~analysis.sem.fit_from_moments`.

Scope: one group, complete data, no mean structure (covariance-only ML, including fixed-x
exogenous covariates, whose fixed variances and covariances take each resample's values as
:func:`~analysis.sem.fit_from_moments` does). :func:`supports` says whether a fitted model
qualifies.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np

from .core import LOG2PI

__all__ = ["BatchResult", "refit_batch", "start_inverse_hessian", "supports"]


@dataclass
class BatchResult:
    """Per resample (rows): estimates, convergence and the optimiser's state at the end."""

    theta: np.ndarray  # (B, npar)
    fmin: np.ndarray  # (B,) deviance per case, as Engine.deviance
    converged: np.ndarray  # (B,) bool
    grad_max: np.ndarray  # (B,)
    iterations: np.ndarray  # (B,) int


def supports(state) -> bool:
    """True when :func:`refit_batch` handles the fitted model (see the module docstring)."""
    return (state.pt.ngroups == 1 and not state.pt.meanstructure
            and len(state.engine.groups) == 1
            and all(d.complete and len(d.patterns) == 1 for d in state.data))


def start_inverse_hessian(state, theta: np.ndarray | None = None) -> np.ndarray:
    """Inverse of 2 x the expected information at ``theta`` (default: the estimates)."""
    th = np.asarray(state.theta if theta is None else theta, dtype=float)
    H = 2.0 * state.engine.information(th, state.data)
    H = (H + H.T) / 2
    try:
        Hi = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        Hi = np.linalg.pinv(H, rcond=1e-12)
    return (Hi + Hi.T) / 2


class _Problem:
    """The stacked model of B resamples: fixed matrices, targets and index maps."""

    def __init__(self, state, covs: np.ndarray):
        eng = state.engine
        gs, pr = eng.groups[0], eng._prep[0]
        self.p, self.q = gs.p, gs.q
        self.ia, self.isx, self.M = pr["a"], pr["s"], pr["M"]
        self.ra, self.ca = gs.row[self.ia], gs.col[self.ia]
        self.rs, self.cs = gs.row[self.isx], gs.col[self.isx]
        self.offs = np.where(self.rs == self.cs, 1.0, 2.0)
        self.pid = gs.pid
        self.ne = len(gs.pid)
        self.W = covs
        B = len(covs)
        self.A0 = np.broadcast_to(gs.A0, (B, self.q, self.q))
        S0 = np.array(np.broadcast_to(gs.S0, (B, self.q, self.q)))
        # fixed-x: the exogenous covariates' fixed (co)variances are the resample's own
        pt = state.pt
        ov = {v: i for i, v in enumerate(pt.ov_names)}
        for i in range(len(pt)):
            if pt.exo[i] and pt.op[i] == "~~" and pt.pid[i] < 0:
                _, _, r, c = state.layout[i]
                vals = covs[:, ov[pt.lhs[i]], ov[pt.rhs[i]]]
                S0[:, r, c] = vals
                S0[:, c, r] = vals
        self.S0 = S0
        self.eye = np.eye(self.q)

    def evaluate(self, th: np.ndarray, idx: np.ndarray):
        """Deviance (without the constant) and the pieces the gradient needs, for rows idx."""
        B = len(idx)
        v = th[:, self.pid]
        A = self.A0[idx].copy()
        S = self.S0[idx].copy()
        A[:, self.ra, self.ca] = v[:, self.ia]
        S[:, self.rs, self.cs] = v[:, self.isx]
        S[:, self.cs, self.rs] = v[:, self.isx]
        f = np.full(B, np.inf)
        Si = np.full((B, self.p, self.p), np.nan)
        try:
            T = np.linalg.inv(self.eye - A)
        except np.linalg.LinAlgError:
            T = np.full_like(A, np.nan)
            for b in range(B):
                with contextlib.suppress(np.linalg.LinAlgError):
                    T[b] = np.linalg.inv(self.eye - A[b])
        U = np.ascontiguousarray(T[:, : self.p, :])
        Sig = U @ S @ U.transpose(0, 2, 1)
        ok = np.isfinite(Sig).all(axis=(1, 2))
        L = np.full_like(Sig, np.nan)
        try:
            L[ok] = np.linalg.cholesky(Sig[ok])
        except np.linalg.LinAlgError:
            for b in np.flatnonzero(ok):
                try:
                    L[b] = np.linalg.cholesky(Sig[b])
                except np.linalg.LinAlgError:
                    ok[b] = False
        if ok.any():
            Si[ok] = np.linalg.inv(Sig[ok])
            logdet = 2.0 * np.log(np.diagonal(L[ok], axis1=1, axis2=2)).sum(axis=1)
            tr = (self.W[idx[ok]] * Si[ok].transpose(0, 2, 1)).sum(axis=(1, 2))
            f[ok] = logdet + tr
        f[~np.isfinite(f)] = np.inf
        return f, (S, T, U, Si)

    def gradient(self, pieces, idx: np.ndarray) -> np.ndarray:
        """dF/dtheta per row (Engine.gradient for one complete-data group)."""
        S, T, U, Si = pieces
        G = Si - Si @ self.W[idx] @ Si
        K = U.transpose(0, 2, 1) @ G @ U
        dA = 2.0 * K @ S @ T.transpose(0, 2, 1)
        vals = np.zeros((len(idx), self.ne))
        vals[:, self.ia] = dA[:, self.ra, self.ca]
        vals[:, self.isx] = self.offs * K[:, self.rs, self.cs]
        return vals @ self.M


def refit_batch(state, covs, start: np.ndarray | None = None,
                inverse_hessian: np.ndarray | None = None, tol: float = 1e-9,
                max_iter: int = 200) -> BatchResult:
    """ML refits of the fitted model ``state`` to each covariance matrix in ``covs``.

    ``covs``: (B, p, p) ML covariance matrices (divisor N) of the observed variables in
    ``state.pt.ov_names`` order. ``start``: starting values (default: the full-sample
    estimates); ``inverse_hessian``: the starting inverse Hessian (default:
    :func:`start_inverse_hessian` at ``start``). Returns a :class:`BatchResult`; rows whose
    ``converged`` is False should be refitted with :func:`analysis.sem.fit_from_moments`.
    """
    if not supports(state):
        raise ValueError("refit_batch handles one group, complete data, no mean structure")
    W = np.ascontiguousarray(np.asarray(covs, dtype=float))
    if W.ndim != 3:
        raise ValueError("covs must be a stack of covariance matrices, shape (B, p, p)")
    B = len(W)
    prob = _Problem(state, W)
    theta0 = np.asarray(state.theta if start is None else start, dtype=float)
    H0 = start_inverse_hessian(state, theta0) if inverse_hessian is None else inverse_hessian
    k = theta0.size
    th = np.tile(theta0, (B, 1))
    H = np.tile(H0, (B, 1, 1))
    allidx = np.arange(B)
    f, pieces = prob.evaluate(th, allidx)
    g = np.zeros((B, k))
    fin = np.isfinite(f)
    if fin.any():
        g[fin] = prob.gradient(tuple(x[fin] for x in pieces), allidx[fin])
    gmax = np.where(fin, np.abs(g).max(axis=1) if k else 0.0, np.inf)
    done = fin & (gmax < tol)  # finished (converged or at the rounding floor)
    failed = ~fin  # start values not admissible for this resample: left to the caller
    fresh = np.ones(B, dtype=bool)  # H is H0 (not yet updated since the last reset)
    iters = np.zeros(B, dtype=int)
    for _ in range(max_iter):
        act = np.flatnonzero(~done & ~failed)
        if not act.size:
            break
        iters[act] += 1
        ga = g[act]
        step = -(H[act] @ ga[:, :, None])[:, :, 0]
        slope = (ga * step).sum(axis=1)
        bad = ~(slope < 0) | ~np.isfinite(step).all(axis=1)
        if bad.any():  # not a descent direction: restart from H0
            rb = act[bad]
            H[rb] = H0
            fresh[rb] = True
            step[bad] = -(H0 @ ga[bad].T).T
            slope[bad] = (ga[bad] * step[bad]).sum(axis=1)
        tiny = (np.abs(step) < 1e-10 * (1.0 + np.abs(th[act]))).all(axis=1)
        if tiny.any():  # step below rounding level of the parameters
            done[act[tiny]] = True
            act, step, slope = act[~tiny], step[~tiny], slope[~tiny]
            if not act.size:
                continue
        # backtracking (Armijo) line search, per resample
        t = np.ones(len(act))
        accepted = np.zeros(len(act), dtype=bool)
        new_th = th[act].copy()
        new_f = f[act].copy()
        new_pieces = [None] * 4
        pend = np.arange(len(act))
        while pend.size:
            cand = th[act[pend]] + t[pend, None] * step[pend]
            fc, pc = prob.evaluate(cand, act[pend])
            ok = np.isfinite(fc) & (fc <= f[act[pend]] + 1e-4 * t[pend] * slope[pend])
            if ok.any():
                acc = pend[ok]
                accepted[acc] = True
                new_th[acc] = cand[ok]
                new_f[acc] = fc[ok]
                for j, x in enumerate(pc):
                    if new_pieces[j] is None:
                        new_pieces[j] = np.zeros((len(act),) + x.shape[1:])
                    new_pieces[j][acc] = x[ok]
            pend = pend[~ok]
            t[pend] *= 0.5
            pend = pend[t[pend] > 1e-12]
        # line search failures: converged at the floor, restart from H0 once, or give up
        for j in np.flatnonzero(~accepted):
            b = act[j]
            if gmax[b] < 1e-6:
                done[b] = True
            elif not fresh[b]:
                H[b] = H0
                fresh[b] = True
            else:
                failed[b] = True
        if not accepted.any():
            continue
        sel = np.flatnonzero(accepted)
        rows = act[sel]
        g_new = prob.gradient(tuple(x[sel] for x in new_pieces), rows)
        s_vec = new_th[sel] - th[rows]
        y = g_new - g[rows]
        no_progress = np.abs(f[rows] - new_f[sel]) <= 8 * np.finfo(float).eps * np.maximum(
            1.0, np.abs(f[rows]))
        # BFGS update of the inverse Hessian (Nocedal & Wright 2006, eq. 6.17)
        sy = (s_vec * y).sum(axis=1)
        upd = sy > 1e-16
        if upd.any():
            ru, su, yu = rows[upd], s_vec[upd], y[upd]
            rho = 1.0 / sy[upd]
            Hu = H[ru]
            Hy = (Hu @ yu[:, :, None])[:, :, 0]
            yHy = (yu * Hy).sum(axis=1)
            H[ru] = (Hu - rho[:, None, None] * (su[:, :, None] * Hy[:, None, :]
                                                + Hy[:, :, None] * su[:, None, :])
                     + (rho**2 * yHy + rho)[:, None, None] * su[:, :, None] * su[:, None, :])
            fresh[ru] = False
        th[rows], f[rows], g[rows] = new_th[sel], new_f[sel], g_new
        gmax[rows] = np.abs(g_new).max(axis=1) if k else 0.0
        done[rows] |= (gmax[rows] < tol) | (no_progress & (gmax[rows] < 1e-7))
    converged = ~failed & (gmax < max(tol, 1e-6))
    p = prob.p
    return BatchResult(th, p * LOG2PI + f, converged, gmax, iters)
