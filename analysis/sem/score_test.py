"""Score (Lagrange multiplier) tests for releasing equality constraints, as lavaan's
``lavTestScore(fit)``.

A fitted model with equality constraints (shared labels, ``group_equal``, ``a == b``) is
nested in the same model with every constrained parameter free.  Write ``x`` for that
unconstrained parameter vector (one entry per free row of the parameter table), ``R`` for
the Jacobian of the constraints ``R x = 0`` (one row ``x_i - x_j`` per constraint: the
first row carrying a label against each later one, lavaan's ``==`` rows), ``s`` for the
score (gradient of logL / N) at the constrained estimate and ``I`` for the expected
information per case, both in ``x``.  Then (Rao, 1948; Sorbom, 1989; lavaan 0.6
``lavTestScore``):

* the total test of releasing all constraints: ``X2 = N s' I^+ s`` on ``df = nrow(R)``;
* the univariate test of releasing constraint ``r`` alone: ``X2_r = N s' Z_r^+[x, x] s`` on
  1 df, with ``Z_r = [[I, R_r'], [R_r, 0]]`` and ``R_r`` the Jacobian without row ``r``;

``^+`` is the Moore-Penrose inverse (``MASS::ginv``: singular values below
``sqrt(eps)`` times the largest dropped), so a constraint whose release leaves the model
unidentified costs nothing.  As in lavaan the information is the expected one and the test is
the ordinary (not robust) score test whatever the estimator.

Continuous-data fits only (ML, MLM, MLR, FIML); ordinal (D)WLS fits raise ``ValueError``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from instruments.plain import to_plain

from .model import compile_model
from .result import SEMResult

__all__ = ["ScoreTestResult", "constraint_rows", "score_test"]

_GINV_TOL = float(np.sqrt(np.finfo(float).eps))


@dataclass
class ScoreTestResult:
    """``test``: the total test (one row: test, X2, df, p.value); ``uni``: one row per
    constraint with lavaan's ``lhs op rhs`` (parameter labels ``.pN.``, N the table row)
    and the two parameters it ties (``lhs.lhs``, ``lhs.op``, ``lhs.rhs``, ``lhs.group`` and
    the same for ``rhs``), ``X2``, ``df``, ``p.value``."""

    test: pd.DataFrame
    uni: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {"test": to_plain(self.test), "uni": to_plain(self.uni)}


def constraint_rows(result: SEMResult) -> list[tuple[int, int]]:
    """The equality constraints of a fit as pairs of parameter-table rows, in lavaan's order:
    for each set of rows sharing one parameter (by first row), the first against each later
    one."""
    pt = result._state.pt if result._state is not None else None
    if pt is None:
        raise ValueError("score tests need a fitted result (not one rebuilt from JSON)")
    rows_by_pid: dict[int, list[int]] = {}
    for i in range(len(pt)):
        if pt.pid[i] >= 0:
            rows_by_pid.setdefault(pt.pid[i], []).append(i)
    pairs = []
    for rows in sorted(rows_by_pid.values(), key=lambda r: r[0]):
        pairs += [(rows[0], j) for j in rows[1:]]
    return pairs


def _ginv(a: np.ndarray) -> np.ndarray:
    return np.linalg.pinv(a, rcond=_GINV_TOL, hermitian=True)


def _univariate(info: np.ndarray, score: np.ndarray, R: np.ndarray,
                pairs: list[tuple[int, int]], col: dict[int, int], pid: np.ndarray,
                N: int) -> np.ndarray:
    """Univariate statistics.  Releasing constraint ``(a, b)`` (with the others kept) frees
    row ``b``'s parameter from its set: the constrained model ``x = K theta`` gains the
    direction ``e_b``, and the bordered-matrix statistic equals the score test of that one
    parameter, ``N (s'e_b)^2 / V_b``, ``V_b = I_bb - I_bK (K'IK)^-1 K'I_b`` (the score is
    zero along ``K`` at the constrained estimate).  That is one solve for all constraints;
    where ``V_b`` vanishes (the release leaves the model unidentified) lavaan's bordered
    ``ginv`` form is evaluated instead."""
    k = info.shape[0]
    K = np.zeros((k, int(pid.max()) + 1))
    K[np.arange(k), pid] = 1.0
    IK = info @ K
    b = np.array([col[j] for _, j in pairs])
    v = info[b, b] - np.einsum("ij,ji->i", IK[b], np.linalg.solve(K.T @ IK, IK[b].T))
    x2 = N * score[b] ** 2 / np.where(v > 0, v, 1.0)
    tiny = np.finfo(float).eps ** (1 / 3) * np.abs(info[b, b])
    for r in np.flatnonzero(v <= tiny):
        R1 = np.delete(R, r, axis=0)
        m = R1.shape[0]
        Z = np.block([[info, R1.T], [R1, np.zeros((m, m))]])
        x2[r] = N * score @ _ginv(Z)[:k, :k] @ score
    return x2


def score_test(result: SEMResult, univariate: bool = True) -> ScoreTestResult:
    """Score tests for releasing the equality constraints of ``result`` (see the module
    docstring); lavaan's ``lavTestScore(fit)`` ``$test`` and ``$uni``.

    Raises ``ValueError`` when the fit has no equality constraints or is an ordinal fit.
    """
    st = result._state
    if st is None:
        raise ValueError("score tests need a fitted result (not one rebuilt from JSON)")
    if st.estimator in ("WLSMV", "DWLS"):
        raise ValueError("score tests of equality constraints are available for continuous "
                         "(ML/MLM/MLR) fits only")
    pairs = constraint_rows(result)
    if not pairs:
        raise ValueError("the model has no equality constraints to release")
    pt = st.pt
    free_rows = [i for i in range(len(pt)) if pt.pid[i] >= 0]
    col = {row: k for k, row in enumerate(free_rows)}
    ext = copy.deepcopy(pt)
    for i in range(len(ext)):
        ext.pid[i] = col.get(i, -1)
    ext.npar = len(free_rows)
    engine, _ = compile_model(ext)
    x = np.array([st.theta[pt.pid[i]] for i in free_rows])
    data = st.data
    N = sum(d.n for d in data)
    info = engine.information(x, data)
    score = -0.5 * engine.gradient(x, data)
    R = np.zeros((len(pairs), len(free_rows)))
    for r, (a, b) in enumerate(pairs):
        R[r, col[a]], R[r, col[b]] = 1.0, -1.0
    total = float(N * score @ _ginv(info) @ score)
    df = len(pairs)
    test = pd.DataFrame([{"test": "score", "X2": total, "df": df,
                          "p.value": float(stats.chi2.sf(total, df))}])
    x2 = np.full(len(pairs), np.nan)
    if univariate:
        x2 = _univariate(info, score, R, pairs, col, np.array(pt.pid)[free_rows], N)
    uni = pd.DataFrame({
        "lhs": [f".p{a + 1}." for a, _ in pairs],
        "op": "==",
        "rhs": [f".p{b + 1}." for _, b in pairs],
        "X2": x2, "df": 1, "p.value": stats.chi2.sf(x2, 1),
        "lhs.lhs": [pt.lhs[a] for a, _ in pairs], "lhs.op": [pt.op[a] for a, _ in pairs],
        "lhs.rhs": [pt.rhs[a] for a, _ in pairs], "lhs.group": [pt.group[a] for a, _ in pairs],
        "rhs.lhs": [pt.lhs[b] for _, b in pairs], "rhs.op": [pt.op[b] for _, b in pairs],
        "rhs.rhs": [pt.rhs[b] for _, b in pairs], "rhs.group": [pt.group[b] for _, b in pairs],
    })
    return ScoreTestResult(test=test, uni=uni)
