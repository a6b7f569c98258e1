"""Batched FIML (analysis.sem.core: all missing-data patterns of a group in padded stacks)
equals the plain per-pattern computation: deviance, analytic gradient, expected information."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import sem
from analysis.sem import core
from analysis.sem.core import LOG2PI, Engine
from analysis.sem.stats import PatternStack

MODEL = "f1 =~ y1 + y2 + y3\nf2 =~ y4 + y5 + y6\nf1 ~~ f2"


def _data(seed: int = 3, n: int = 90) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.multivariate_normal([0, 0], [[1, 0.4], [0.4, 1]], size=2 * n)
    lam = np.array([1.0, 0.8, 0.7, 1.0, 0.9, 0.6])
    X = np.column_stack([f[:, 0]] * 3 + [f[:, 1]] * 3) * lam + rng.normal(0, 0.7, (2 * n, 6))
    X += np.arange(6)
    X[rng.random(X.shape) < 0.12] = np.nan
    X[0] = np.nan  # an all-missing row (dropped)
    X[1, 1:] = np.nan  # a single observed item
    df = pd.DataFrame(X, columns=[f"y{i}" for i in range(1, 7)])
    df["g"] = np.repeat(["a", "b"], n)
    return df


def _reference(engine: Engine, theta: np.ndarray, data) -> tuple[float, np.ndarray, np.ndarray]:
    """-2 logL / N, its gradient (chain rule through Engine.derivatives) and the expected
    information, pattern by pattern."""
    N = sum(d.n for d in data)
    dev, grad, info = 0.0, np.zeros(engine.npar), np.zeros((engine.npar, engine.npar))
    for g, ((Sig, mu), d) in enumerate(zip(engine.implied(theta), data, strict=True)):
        dSig, dmu = engine.derivatives(theta, g)
        for pt in d.patterns:
            o, n = pt.obs, pt.n
            So = Sig[np.ix_(o, o)]
            if np.linalg.eigvalsh(So)[0] <= 0:
                dev = np.inf
                continue
            Si = np.linalg.inv(So)
            dv = pt.mean - mu[o]
            W = pt.cov + (np.outer(dv, dv) if engine.meanstructure else 0.0)
            dev += n * (len(o) * LOG2PI + np.linalg.slogdet(So)[1] + np.trace(Si @ W))
            dS = dSig[:, o][:, :, o]
            dm = dmu[:, o]
            M = Si - Si @ W @ Si
            grad += n * np.einsum("ij,kji->k", M, dS)
            info += n * 0.5 * np.einsum("ij,kjl,lm,hmi->kh", Si, dS, Si, dS)
            if engine.meanstructure:
                grad += n * (-2.0 * dm @ Si @ dv)
                info += n * (dm @ Si @ dm.T)
    return dev / N, grad / N, info / N


@pytest.fixture(scope="module")
def fitted():
    res = sem.fit(MODEL, _data(), missing="ml", group="g")
    st = res.state
    assert all(len(d.patterns) > 5 for d in st.data)
    return st


@pytest.mark.parametrize("chunk", [core._CHUNK_ELEMENTS, 100])
@pytest.mark.parametrize("meanstructure", [True, False])
def test_batched_equals_per_pattern(fitted, monkeypatch, chunk, meanstructure):
    # chunk=100: one or two patterns per chunk and one row of the information kernel per block
    monkeypatch.setattr(core, "_CHUNK_ELEMENTS", chunk)
    eng = Engine(fitted.engine.groups, fitted.engine.npar, meanstructure)
    rng = np.random.default_rng(7)
    for k in range(4):
        theta = fitted.theta * (1 + 0.1 * k * rng.standard_normal(len(fitted.theta)))
        dev, grad, info = _reference(eng, theta, fitted.data)
        assert np.isfinite(dev)
        assert eng.deviance(theta, fitted.data) == pytest.approx(dev, rel=1e-10, abs=1e-10)
        np.testing.assert_allclose(eng.gradient(theta, fitted.data), grad, rtol=1e-10,
                                   atol=1e-10)
        np.testing.assert_allclose(eng.information(theta, fitted.data), info, rtol=1e-10,
                                   atol=1e-10)


def test_non_positive_definite_pattern_block_gives_inf(fitted, monkeypatch):
    eng, data = fitted.engine, fitted.data
    gs = eng.groups[0]
    # residual variance of y1 very negative: every pattern observing y1 is not PD
    var1 = [i for i in range(len(gs.pid)) if gs.kind[i] == 1 and gs.row[i] == gs.col[i] == 0]
    theta = fitted.theta.copy()
    theta[gs.pid[var1[0]]] = -10.0
    for chunk in (core._CHUNK_ELEMENTS, 100):
        monkeypatch.setattr(core, "_CHUNK_ELEMENTS", chunk)
        assert _reference(eng, theta, data)[0] == np.inf
        assert eng.deviance(theta, data) == np.inf


def test_inf_when_only_some_pattern_blocks_are_not_positive_definite(fitted, monkeypatch):
    """Sigma with an indefinite (y1, y2) block: only the patterns observing both fail."""
    eng, d = fitted.engine, fitted.data[0]
    Sig, mu = eng.implied(fitted.theta)[0]
    Sig = Sig.copy()
    Sig[0, 1] = Sig[1, 0] = 2.0 * np.sqrt(Sig[0, 0] * Sig[1, 1])
    both = [pt for pt in d.patterns if {0, 1} <= set(pt.obs.tolist())]
    rest = [pt for pt in d.patterns if not {0, 1} <= set(pt.obs.tolist())]
    assert both and len(rest) > 1
    p = Sig.shape[0]
    for chunk in (core._CHUNK_ELEMENTS, 100):
        monkeypatch.setattr(core, "_CHUNK_ELEMENTS", chunk)
        assert eng._deviance_patterns(Sig, mu, d.stack()) == np.inf
        assert eng._deviance_patterns(Sig, mu, PatternStack.from_patterns(both[:1], p)) == np.inf
        ok = eng._deviance_patterns(Sig, mu, PatternStack.from_patterns(rest, p))
        ref = sum(pt.n * (len(pt.obs) * LOG2PI
                          + np.linalg.slogdet(Sig[np.ix_(pt.obs, pt.obs)])[1]
                          + np.trace(np.linalg.solve(Sig[np.ix_(pt.obs, pt.obs)],
                                                     pt.cov + np.outer(pt.mean - mu[pt.obs],
                                                                       pt.mean - mu[pt.obs]))))
                  for pt in rest)
        assert ok == pytest.approx(ref, rel=1e-10)
