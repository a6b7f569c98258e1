"""Numerical core: RAM model matrices, normal-theory likelihood, derivatives, optimiser.

Model (reticular action model; McArdle & McDonald, 1984), per group, with the
observed variables first in the variable vector::

    T = (I - A)^-1,   Sigma = F T S T' F',   mu = F T m

``A`` holds loadings and regressions, ``S`` (co)variances, ``m`` intercepts; ``F``
selects the observed variables.  This is algebraically the LISREL all-y model lavaan
uses (Lambda, B, Psi, Theta, nu, alpha) written in one matrix.

The objective is the normal-theory deviance per case, ``F(theta) = -2 logL / N``,
summed over groups and missing-data patterns (a single pattern for complete data).
For complete data ``N * (F - F_saturated)`` is lavaan's ML chi-square (Joreskog, 1969;
divisor N as in lavaan's ``likelihood = "normal"``).  With missing patterns this is
the FIML likelihood (Arbuckle, 1996).

Derivatives of Sigma and mu with respect to the free parameters are analytic.
The expected (Fisher) information per case is

    I = sum_g n_g/N  sum_patterns n_p/n_g [ 1/2 tr(S^-1 dS_k S^-1 dS_l) + dmu_k' S^-1 dmu_l ]

(e.g. Savalei, 2010), and the optimiser is Fisher scoring with back-tracking line
search, falling back to BFGS if a step cannot be made.  The inner loop uses numpy
only, so refits (bootstrap) are cheap.  With several missing-data patterns the
per-pattern terms are computed in batches over padded pattern stacks (see
``Engine._deviance_patterns``); a single pattern (complete data) takes the plain path.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize

from .stats import GroupMoments

__all__ = ["Engine", "GroupSpec", "OptimResult"]

LOG2PI = np.log(2.0 * np.pi)
# batched FIML: patterns per chunk ~ _CHUNK_ELEMENTS / p^2 (bounds the temporaries)
_CHUNK_ELEMENTS = 1 << 20


@dataclass
class GroupSpec:
    """Matrix layout of one group.

    ``kind`` is 0 for A, 1 for S, 2 for m; ``row``/``col`` locate the entry
    (``col`` unused for m); ``pid`` is the free-parameter index.  Fixed values are
    in ``A0``, ``S0``, ``m0``.
    """

    p: int
    q: int
    A0: np.ndarray
    S0: np.ndarray
    m0: np.ndarray
    kind: np.ndarray
    row: np.ndarray
    col: np.ndarray
    pid: np.ndarray


@dataclass
class OptimResult:
    theta: np.ndarray
    fmin: float
    converged: bool
    iterations: int
    grad_max: float
    message: str


class Engine:
    """Implied moments, deviance, gradient and information for a compiled model."""

    def __init__(self, groups: list[GroupSpec], npar: int, meanstructure: bool):
        self.groups = groups
        self.npar = npar
        self.meanstructure = meanstructure
        self._prep = []
        for gs in groups:
            a = gs.kind == 0
            s = gs.kind == 1
            m = gs.kind == 2
            M = np.zeros((len(gs.pid), npar))
            M[np.arange(len(gs.pid)), gs.pid] = 1.0
            self._prep.append(
                dict(a=np.flatnonzero(a), s=np.flatnonzero(s), m=np.flatnonzero(m), M=M)
            )

    # ------------------------------------------------------------------ matrices
    def matrices(self, theta: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        gs, pr = self.groups[g], self._prep[g]
        A = gs.A0.copy()
        S = gs.S0.copy()
        m = gs.m0.copy()
        v = theta[gs.pid]
        ia, isx, im = pr["a"], pr["s"], pr["m"]
        A[gs.row[ia], gs.col[ia]] = v[ia]
        S[gs.row[isx], gs.col[isx]] = v[isx]
        S[gs.col[isx], gs.row[isx]] = v[isx]
        m[gs.row[im]] = v[im]
        return A, S, m

    def total(self, theta: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray]:
        """Model-implied covariance matrix and mean vector of *all* variables."""
        A, S, m = self.matrices(theta, g)
        T = np.linalg.inv(np.eye(A.shape[0]) - A)
        return T @ S @ T.T, T @ m

    def implied(self, theta: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        out = []
        for g, gs in enumerate(self.groups):
            V, mu = self.total(theta, g)
            p = gs.p
            out.append((V[:p, :p], mu[:p]))
        return out

    # ------------------------------------------------------------------ derivatives
    def derivatives(self, theta: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray]:
        """d Sigma / d theta (npar, p, p) and d mu / d theta (npar, p) for group g."""
        gs, pr = self.groups[g], self._prep[g]
        A, S, m = self.matrices(theta, g)
        q, p = gs.q, gs.p
        T = np.linalg.inv(np.eye(q) - A)
        U = T[:p, :]  # p x q
        C = (T @ S @ T.T)[:, :p]  # q x p
        tm = T @ m
        ne = len(gs.pid)
        dS = np.zeros((ne, p, p))
        dm = np.zeros((ne, p))
        ia, isx, im = pr["a"], pr["s"], pr["m"]
        if ia.size:
            r, c = gs.row[ia], gs.col[ia]
            X = U[:, r].T[:, :, None] * C[c, :][:, None, :]
            dS[ia] = X + X.transpose(0, 2, 1)
            dm[ia] = U[:, r].T * tm[c][:, None]
        if isx.size:
            r, c = gs.row[isx], gs.col[isx]
            X = U[:, r].T[:, :, None] * U[:, c].T[:, None, :]
            off = (r != c)[:, None, None]
            dS[isx] = np.where(off, X + X.transpose(0, 2, 1), X)
        if im.size:
            dm[im] = U[:, gs.row[im]].T
        M = pr["M"]
        dSig = np.tensordot(M.T, dS, axes=1)
        dmu = M.T @ dm
        return dSig, dmu

    # ------------------------------------------------------------------ likelihood
    def deviance(self, theta: np.ndarray, data: list[GroupMoments]) -> float:
        """-2 logL / N (normal theory, FIML when data have missing patterns)."""
        total = 0.0
        N = sum(d.n for d in data)
        for (Sig, mu), d in zip(self.implied(theta), data, strict=False):
            if len(d.patterns) > 1:
                total += self._deviance_patterns(Sig, mu, d.stack())
                if not np.isfinite(total):
                    return np.inf
                continue
            for pt in d.patterns:
                o = pt.obs
                So = Sig[np.ix_(o, o)]
                try:
                    cf = linalg.cho_factor(So, lower=True, check_finite=False)
                except (linalg.LinAlgError, ValueError):
                    return np.inf
                logdet = 2.0 * np.sum(np.log(np.diag(cf[0])))
                W = pt.cov
                if self.meanstructure:
                    dv = pt.mean - mu[o]
                    W = W + np.outer(dv, dv)
                tr = np.trace(linalg.cho_solve(cf, W, check_finite=False))
                total += pt.n * (len(o) * LOG2PI + logdet + tr)
        if not np.isfinite(total):
            return np.inf
        return total / N

    # Several missing-data patterns are handled in batches (one LAPACK call per chunk of
    # patterns instead of one per pattern): pattern k's observed block Sigma_oo is padded
    # to the p x p matrix equal to Sigma on the block, the identity on the unobserved
    # diagonal and zero elsewhere.  Its Cholesky factor / inverse are those of Sigma_oo
    # padded the same way, so its log-determinant is logdet(Sigma_oo), and inverses with
    # the identity part zeroed are inv(Sigma_oo) padded with zeros.  Pattern moments are
    # zero-padded (GroupMoments.stack), so sums over the padded entries add only zeros.
    def _chunks(self, P: int, p: int):
        step = max(1, _CHUNK_ELEMENTS // (p * p))
        return [slice(i, min(i + step, P)) for i in range(0, P, step)]

    @staticmethod
    def _padded(Sig: np.ndarray, st, sl: slice) -> tuple[np.ndarray, np.ndarray]:
        M2 = st.obs2[sl]
        return np.where(M2, Sig, np.eye(Sig.shape[0])), M2

    def _weights(self, mu: np.ndarray, st, sl: slice) -> tuple[np.ndarray, np.ndarray | None]:
        """Padded W = cov + dv dv' (dv = pattern mean - mu, zero where unobserved)."""
        W = st.cov[sl]
        if not self.meanstructure:
            return W, None
        dv = np.where(st.obs[sl], st.mean[sl] - mu, 0.0)
        return W + dv[:, :, None] * dv[:, None, :], dv

    def _deviance_patterns(self, Sig: np.ndarray, mu: np.ndarray, st) -> float:
        """sum_k n_k (p_k log 2pi + logdet Sigma_oo + tr(Sigma_oo^-1 W_k)); inf if any
        Sigma_oo is not positive definite."""
        total = 0.0
        for sl in self._chunks(len(st.n), Sig.shape[0]):
            Sp, _ = self._padded(Sig, st, sl)
            try:
                L = np.linalg.cholesky(Sp)
            except np.linalg.LinAlgError:
                return np.inf
            logdet = 2.0 * np.sum(np.log(np.diagonal(L, axis1=1, axis2=2)), axis=1)
            W, _ = self._weights(mu, st, sl)
            try:
                tr = np.trace(np.linalg.solve(Sp, W), axis1=1, axis2=2)
            except np.linalg.LinAlgError:
                return np.inf
            total += float(np.sum(st.n[sl] * (st.nobs[sl] * LOG2PI + logdet + tr)))
        return total

    def _inverses(self, Sig: np.ndarray, st, sl: slice) -> np.ndarray:
        """inv(Sigma_oo) of the patterns in sl, zero-padded to (c, p, p)."""
        Sp, M2 = self._padded(Sig, st, sl)
        Si = np.linalg.inv(Sp)
        np.multiply(Si, M2, out=Si)
        return Si

    def _group_pieces(self, theta, data):
        """Per group: (G = dF/dSigma * N_g-weight, gmu, list of (o, n, Sinv)) ; for a group
        with several missing-data patterns the list is empty (they are batched)."""
        out = []
        for (Sig, mu), d in zip(self.implied(theta), data, strict=False):
            p = Sig.shape[0]
            G = np.zeros((p, p))
            gm = np.zeros(p)
            parts = []
            if len(d.patterns) > 1:
                st = d.stack()
                for sl in self._chunks(len(st.n), p):
                    # sum n (Si - Si W Si), W = cov + dv dv': the cov part only for patterns
                    # with a nonzero covariance matrix (not for single cases), the dv part
                    # as one GEMM of the vectors Si dv
                    Si = self._inverses(Sig, st, sl)
                    n = st.n[sl]
                    G += np.tensordot(n, Si, axes=1)
                    hc = st.has_cov[sl]
                    if hc.any():
                        Sc = Si[hc]
                        G -= np.tensordot(n[hc], Sc @ st.cov[sl][hc] @ Sc, axes=1)
                    if self.meanstructure:
                        dv = np.where(st.obs[sl], st.mean[sl] - mu, 0.0)
                        a = np.einsum("kij,kj->ki", Si, dv)
                        G -= (n[:, None] * a).T @ a
                        gm -= 2.0 * (n @ a)
                out.append((G, gm, parts))
                continue
            for pt in d.patterns:
                o = pt.obs
                Si = np.linalg.inv(Sig[np.ix_(o, o)])
                W = pt.cov
                if self.meanstructure:
                    dv = pt.mean - mu[o]
                    W = W + np.outer(dv, dv)
                    gm[o] += pt.n * (-2.0 * Si @ dv)
                G[np.ix_(o, o)] += pt.n * (Si - Si @ W @ Si)
                parts.append((o, pt.n, Si))
            out.append((G, gm, parts))
        return out

    def gradient(self, theta: np.ndarray, data: list[GroupMoments]) -> np.ndarray:
        """Analytic gradient of the deviance via matrix calculus on the RAM form:
        dF/dA = 2 T'F'GFT S T' + T'F'g m'T',  dF/dS = T'F'GFT (x2 off the diagonal),
        dF/dm = T'F'g, with G = dF/dSigma and g = dF/dmu."""
        N = sum(d.n for d in data)
        grad = np.zeros(self.npar)
        for g, (G, gm, _) in enumerate(self._group_pieces(theta, data)):
            gs, pr = self.groups[g], self._prep[g]
            A, S, m = self.matrices(theta, g)
            T = np.linalg.inv(np.eye(gs.q) - A)
            U = T[: gs.p, :]  # F T
            K = U.T @ G @ U  # T'F'GFT
            u = U.T @ gm  # T'F'g
            tm = T @ m
            dA = 2.0 * K @ S @ T.T + np.outer(u, tm)
            dS = np.where(gs.row == gs.col, 1.0, 2.0)
            vals = np.zeros(len(gs.pid))
            ia, isx, im = pr["a"], pr["s"], pr["m"]
            vals[ia] = dA[gs.row[ia], gs.col[ia]]
            vals[isx] = dS[isx] * K[gs.row[isx], gs.col[isx]]
            vals[im] = u[gs.row[im]]
            grad += np.bincount(gs.pid, weights=vals, minlength=self.npar)
        return grad / N

    def information(self, theta: np.ndarray, data: list[GroupMoments]) -> np.ndarray:
        """Expected information per case (see module docstring)."""
        N = sum(d.n for d in data)
        info = np.zeros((self.npar, self.npar))
        implied = self.implied(theta)
        pieces = (self._group_pieces(theta, data)
                  if any(len(d.patterns) == 1 for d in data) else None)
        for g, d in enumerate(data):
            dSig, dmu = self.derivatives(theta, g)
            if len(d.patterns) > 1:
                info += self._information_patterns(*implied[g], d.stack(), dSig, dmu)
                continue
            for o, n, Si in pieces[g][2]:
                dS = dSig[:, o][:, :, o]
                # 1/2 tr(Si dS_k Si dS_l) for all k, l: one batched matmul and one GEMM
                # (the einsum equivalents took >half of a bootstrap refit's time)
                k = dS.shape[0]
                P = Si @ dS
                info += n * 0.5 * (P.reshape(k, -1) @ P.transpose(0, 2, 1).reshape(k, -1).T)
                if self.meanstructure:
                    dm = dmu[:, o]
                    info += n * (dm @ Si @ dm.T)
        return info / N

    def _information_patterns(self, Sig: np.ndarray, mu: np.ndarray, st, dSig: np.ndarray,
                              dmu: np.ndarray) -> np.ndarray:
        """sum_k n_k [1/2 tr(Si_k dS_a Si_k dS_b) + dmu_a' Si_k dmu_b] over the patterns,
        Si_k = inv(Sigma_oo) zero-padded (so dSigma and dmu need no masking).

        With vec row-major, tr(A X A Y) = vec(X)' (A kron A) vec(Y) for symmetric A, Y, so
        the trace part is 1/2 D K D' with D = dSigma as (npar, p^2) and the kernel
        K = sum_k n_k (Si_k kron Si_k), K[(j,a),(i,b)] = sum_k n_k Si_k[j,i] Si_k[a,b]: one
        GEMM over the patterns.  K is built in row blocks of j (bounded memory)."""
        p = Sig.shape[0]
        npar = dSig.shape[0]
        D = dSig.reshape(npar, p * p)
        info = np.zeros((npar, npar))
        Sbar = np.zeros((p, p))
        nj = max(1, min(p, _CHUNK_ELEMENTS // (p ** 3)))
        for sl in self._chunks(len(st.n), p):
            Si = self._inverses(Sig, st, sl)
            n = st.n[sl]
            Sbar += np.tensordot(n, Si, axes=1)
            Y = Si.reshape(len(n), p * p)
            nY = n[:, None] * Y
            for j0 in range(0, p, nj):
                J = slice(j0, min(j0 + nj, p))
                c = J.stop - J.start
                Z = nY[:, j0 * p:J.stop * p].T @ Y  # [(j,i),(a,b)], j in J
                KJ = Z.reshape(c, p, p, p).transpose(0, 2, 1, 3).reshape(c * p, p * p)
                info += 0.5 * (D[:, j0 * p:J.stop * p] @ KJ) @ D.T
        if self.meanstructure:
            info += dmu @ Sbar @ dmu.T
        return info

    def hessian(self, theta: np.ndarray, data: list[GroupMoments]) -> np.ndarray:
        """Hessian of the deviance by central differences of the analytic gradient
        (Richardson extrapolation, as lavaan's ``lav_model_hessian``)."""
        k = self.npar
        H = np.zeros((k, k))
        for j in range(k):
            h = 1e-4 * max(1.0, abs(theta[j]))
            e = np.zeros(k)
            e[j] = h
            g1 = self.gradient(theta + e, data) - self.gradient(theta - e, data)
            g2 = self.gradient(theta + 2 * e, data) - self.gradient(theta - 2 * e, data)
            H[:, j] = (8 * g1 - g2) / (12 * h)  # 4th-order accurate
        return (H + H.T) / 2

    # ------------------------------------------------------------------ optimiser
    def optimize(self, theta0: np.ndarray, data: list[GroupMoments], tol: float = 1e-9,
                 max_iter: int = 500, switch: float = 1e-3) -> OptimResult:
        """Minimise the deviance.

        Fisher scoring (Hessian ~ 2 x expected information) for the first steps; after
        three of them, or once max |gradient| < ``switch``, the Hessian approximation is
        updated by BFGS
        secant steps starting from the last Fisher matrix, which converges
        superlinearly also for misspecified models (where Fisher scoring is only linear).
        Back-tracking (Armijo) line search throughout; scipy's BFGS as a last resort.
        """
        theta = np.array(theta0, dtype=float)
        f = self.deviance(theta, data)
        if not np.isfinite(f):
            return OptimResult(theta, f, False, 0, np.inf, "start values give a non-positive-"
                               "definite implied covariance matrix")
        it = 0
        g = self.gradient(theta, data)
        stalled = 0
        msg = ""
        H: np.ndarray | None = None
        quasi = False
        fisher_steps = 0
        while it < max_iter:
            it += 1
            gmax = np.max(np.abs(g)) if g.size else 0.0
            if gmax < tol:
                msg = "converged"
                break
            if not quasi or H is None:
                H = 2.0 * self.information(theta, data)
                fisher_steps += 1
                quasi = gmax < switch or fisher_steps >= 3
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error", linalg.LinAlgWarning)
                    step = -linalg.solve(H, g, assume_a="sym")
            except (linalg.LinAlgError, linalg.LinAlgWarning, ValueError):
                step = -np.linalg.pinv(H, rcond=1e-12) @ g
            if not np.all(np.isfinite(step)) or g @ step >= 0:
                step = -g
                H = None
                quasi = False
            elif np.all(np.abs(step) < 1e-10 * (1.0 + np.abs(theta))):
                msg = "steps below the rounding level of the parameters"
                break
            t = 1.0
            slope = g @ step
            accepted = False
            while t > 1e-12:
                cand = theta + t * step
                fc = self.deviance(cand, data)
                if np.isfinite(fc) and fc <= f + 1e-4 * t * slope:
                    accepted = True
                    break
                t *= 0.5
            if not accepted:
                if gmax < 1e-6:
                    msg = "no further decrease representable in double precision"
                    break
                if quasi:  # restart from a Fisher step
                    quasi, H = False, None
                    continue
                stalled += 1
                res = optimize.minimize(
                    lambda x: self.deviance(x, data),
                    theta,
                    jac=lambda x: self.gradient(x, data),
                    method="BFGS",
                    options={"gtol": tol, "maxiter": 2000},
                )
                if np.isfinite(res.fun) and res.fun <= f:
                    theta, f = res.x, res.fun
                g = self.gradient(theta, data)
                if stalled > 2:
                    msg = "line search failed"
                    break
                continue
            no_progress = abs(f - fc) <= 8 * np.finfo(float).eps * max(1.0, abs(f))
            s_vec = cand - theta
            theta, f = cand, fc
            g_new = self.gradient(theta, data)
            if quasi and H is not None:
                y = g_new - g
                sy = s_vec @ y
                if sy > 1e-16:
                    Hs = H @ s_vec
                    H = H - np.outer(Hs, Hs) / (s_vec @ Hs) + np.outer(y, y) / sy
            g = g_new
            if no_progress and gmax < 1e-7:
                msg = "at the rounding floor of the objective"
                break
        gmax = float(np.max(np.abs(g))) if g.size else 0.0
        converged = gmax < max(tol, 1e-6)
        if not msg:
            msg = "iteration limit reached"
        # ``message`` says why the iterations stopped: "converged", or the reason they stopped
        # short of it (never "converged" for a fit whose gradient is still above 1e-6)
        if converged:
            msg = "converged"
        elif msg == "converged":
            msg = "stopped with max |gradient| above 1e-6"
        return OptimResult(theta, float(f), converged, it, gmax, msg)
