"""Property checks of the estimator that do not depend on our own earlier output.

* Exact recovery: data whose sample covariance equals a model-implied matrix
  Sigma(theta0) must give theta0 back with chi-square 0 (consistency of ML).
* Scale invariance of ML (Browne, 1982): rescaling items leaves chi-square, fit indices
  and the completely standardized solution unchanged and rescales loadings.
* Row order does not matter; results survive a JSON round trip.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from semopy.examples import holzinger39

from analysis import sem

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _exact_data(cov: np.ndarray, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, cov.shape[0]))
    z = z - z.mean(0)
    z = z @ np.linalg.inv(np.linalg.cholesky(z.T @ z / n)).T
    return z @ np.linalg.cholesky(cov).T + 3.0


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lam=st.lists(st.floats(0.4, 1.6), min_size=4, max_size=4),
    theta=st.lists(st.floats(0.2, 1.5), min_size=6, max_size=6),
    psi=st.tuples(st.floats(0.5, 2.0), st.floats(0.5, 2.0), st.floats(-0.6, 0.6)),
    beta=st.floats(-0.8, 0.8),
    seed=st.integers(0, 10_000),
)
def test_exact_recovery_of_population_values(lam, theta, psi, beta, seed):
    # two factors, three indicators each, plus a regression of an observed outcome
    L = np.zeros((7, 2))
    L[0, 0], L[1, 0], L[2, 0] = 1.0, lam[0], lam[1]
    L[3, 1], L[4, 1], L[5, 1] = 1.0, lam[2], lam[3]
    v1, v2, r = psi
    P = np.array([[v1, r * np.sqrt(v1 * v2)], [r * np.sqrt(v1 * v2), v2]])
    Th = np.diag(list(theta) + [0.0])
    S = L @ P @ L.T + Th
    # y = beta * f1 + e, var(e) = 0.7
    S[6, :6] = S[:6, 6] = beta * (P[0] @ L[:6].T)
    S[6, 6] = beta**2 * v1 + 0.7
    X = _exact_data(S, 250, seed)
    d = pd.DataFrame(X, columns=[f"v{i}" for i in range(1, 7)] + ["y"])
    res = sem.fit("f1 =~ v1 + v2 + v3\nf2 =~ v4 + v5 + v6\ny ~ f1", d)
    assert res.converged
    assert res.fit_measures["chisq"] == pytest.approx(0.0, abs=1e-6)
    e = res.estimates.set_index(["lhs", "op", "rhs"]).est
    assert e[("f1", "=~", "v2")] == pytest.approx(lam[0], abs=1e-5)
    assert e[("f2", "=~", "v6")] == pytest.approx(lam[3], abs=1e-5)
    assert e[("f1", "~~", "f2")] == pytest.approx(P[0, 1], abs=1e-5)
    assert e[("y", "~", "f1")] == pytest.approx(beta, abs=1e-5)
    assert e[("v3", "~~", "v3")] == pytest.approx(theta[2], abs=1e-5)
    assert e[("y", "~~", "y")] == pytest.approx(0.7, abs=1e-5)


@settings(max_examples=8, deadline=None)
@given(scale=st.lists(st.floats(0.05, 20.0), min_size=9, max_size=9))
def test_scale_invariance(scale):
    d = holzinger39.get_data()
    base = sem.fit(HS, d)
    d2 = d.copy()
    for i, s in enumerate(scale):
        d2[f"x{i + 1}"] = d2[f"x{i + 1}"] * s
    res = sem.fit(HS, d2)
    for k in ("chisq", "cfi", "tli", "rmsea", "srmr"):
        assert res.fit_measures[k] == pytest.approx(base.fit_measures[k], abs=1e-6)
    assert np.allclose(res.estimates["std.all"], base.estimates["std.all"], atol=1e-6)
    lo = res.estimates[(res.estimates.op == "=~") & (res.estimates.rhs == "x2")].est.iloc[0]
    lb = base.estimates[(base.estimates.op == "=~") & (base.estimates.rhs == "x2")].est.iloc[0]
    assert lo == pytest.approx(lb * scale[1] / scale[0], rel=1e-5)


def test_row_order_and_json_round_trip():
    d = holzinger39.get_data()
    a = sem.fit(HS, d, group="school", group_equal=["loadings"])
    b = sem.fit(HS, d.sample(frac=1.0, random_state=3), group="school",
                group_equal=["loadings"])
    assert b.group_labels == ["Grant-White", "Pasteur"] or b.group_labels == a.group_labels
    assert b.fit_measures["chisq"] == pytest.approx(a.fit_measures["chisq"], abs=1e-7)
    d_json = json.loads(a.to_json())
    back = sem.SEMResult.from_dict(d_json)
    assert back.fit_measures == pytest.approx(a.fit_measures, nan_ok=True)
    pd.testing.assert_frame_equal(back.estimates.reset_index(drop=True),
                                  a.estimates.reset_index(drop=True), check_dtype=False)
    assert set(back.implied) == {"Pasteur", "Grant-White"}
