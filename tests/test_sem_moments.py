"""fit_from_moments: the cheap refit path used by bootstrapping (issue 6).

References: the covariance-matrix fit must reproduce lavaan's HS chi-square (85.305522,
``cfa(HS.model, sample.cov = cov(HolzingerSwineford1939[, 7:15]), sample.nobs = 301)``
gives chisq 85.30552177 and CFI 0.9305596518, as the raw-data fit), and the warm-started refit of a bootstrap sample must
land on the same optimum as a cold fit of that sample.
"""

from __future__ import annotations

import numpy as np
import pytest
from semopy.examples import holzinger39

from analysis import sem

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
ITEMS = [f"x{i}" for i in range(1, 10)]


@pytest.fixture(scope="module")
def hs():
    d = holzinger39.get_data()
    return d, d[ITEMS].to_numpy()


def test_from_covariance_matches_lavaan(hs):
    _, X = hs
    S = np.cov(X.T, bias=True)
    # names in a different order than the model: rows are matched by name
    order = ITEMS[::-1]
    Sr = S[np.ix_(list(range(8, -1, -1)), list(range(8, -1, -1)))]
    r = sem.fit_from_moments(HS, Sr, 301, names=order)
    assert r.converged
    full = sem.fit_from_moments(HS, Sr, 301, names=order, full=True)
    assert full.fit_measures["chisq"] == pytest.approx(85.305522, abs=1e-4)
    assert full.fit_measures["cfi"] == pytest.approx(0.930560, abs=1e-5)


def test_warm_refit_equals_cold_fit(hs):
    d, X = hs
    res = sem.fit(HS, d)
    rng = np.random.default_rng(7)
    for _ in range(5):
        idx = rng.integers(0, len(X), len(X))
        S = np.cov(X[idx].T, bias=True)
        warm = sem.fit_from_moments(res.state, S, len(X))
        cold = sem.fit(HS, d.iloc[idx])
        assert warm.converged
        assert np.max(np.abs(warm.theta - cold.theta)) < 1e-6
        # the chi-square of the bootstrap sample follows from the deviance
        Sb = np.cov(X[idx].T, bias=True)
        fsat = 9 * np.log(2 * np.pi) + np.linalg.slogdet(Sb)[1] + 9
        assert 301 * (warm.fmin - fsat) == pytest.approx(cold.fit_measures["chisq"], abs=1e-6)


def test_bootstrap_of_indirect_effect_uses_defined_parameters():
    rng = np.random.default_rng(11)
    n = 200
    X = rng.normal(size=n)
    M = 0.5 * X + rng.normal(size=n)
    Y = 0.7 * M + rng.normal(size=n)
    import pandas as pd

    d = pd.DataFrame({"X": X, "M": M, "Y": Y})
    res = sem.fit("M ~ a*X\nY ~ c*X + b*M\nab := a*b", d)
    ab = res.estimates.set_index("lhs").loc["ab", "est"]
    assert res.state.defined.values(res.theta)[0] == pytest.approx(ab)
    Z = d[res.implied_cov.columns].to_numpy()
    idx = rng.integers(0, n, n)
    warm = sem.fit_from_moments(res.state, np.cov(Z[idx].T, bias=True), n)
    cold = sem.fit("M ~ a*X\nY ~ c*X + b*M\nab := a*b", d.iloc[idx])
    assert res.state.defined.values(warm.theta)[0] == pytest.approx(
        cold.estimates.set_index("lhs").loc["ab", "est"], abs=1e-8)
