"""Degenerate input must raise SEMInputError naming the items; syntax parsing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from semopy.examples import holzinger39

from analysis import sem
from analysis.sem import SEMInputError, SEMSyntaxError
from analysis.sem.syntax import parse_model

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


@pytest.fixture(scope="module")
def hs():
    return holzinger39.get_data()


def test_constant_item(hs):
    d = hs.copy()
    d["x5"] = 3.0
    with pytest.raises(SEMInputError, match="zero variance.*x5"):
        sem.fit(HS, d)


def test_identical_items(hs):
    d = hs.copy()
    d["x6"] = d["x4"]
    with pytest.raises(SEMInputError, match="x4 and x6"):
        sem.fit(HS, d)


def test_linear_dependence_not_pd(hs):
    d = hs.copy()
    d["x9"] = d["x7"] + d["x8"]
    with pytest.raises(SEMInputError, match="not positive definite.*x9"):
        sem.fit(HS, d)


def test_too_few_cases(hs):
    with pytest.raises(SEMInputError, match="cases"):
        sem.fit(HS, hs.iloc[:8])
    with pytest.raises(SEMInputError, match="smaller than the number of free parameters"):
        sem.fit(HS, hs.iloc[:15])


def test_missing_and_nonnumeric_columns(hs):
    with pytest.raises(SEMInputError, match="not in the data: x10"):
        sem.fit(HS + "\nspeed =~ x10", hs)
    d = hs.copy()
    d["x1"] = d["x1"].astype(str)
    with pytest.raises(SEMInputError, match="non-numeric.*x1"):
        sem.fit(HS, d)


def test_not_identified():
    rng = np.random.default_rng(1)
    d = pd.DataFrame(rng.normal(size=(100, 2)), columns=["a", "b"])
    with pytest.raises(SEMInputError, match="not identified"):
        sem.fit("f =~ a + b\na ~~ b", d)


def _exact_data(cov, n=400, seed=3):
    """Data whose ML sample covariance is exactly ``cov``."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, cov.shape[0]))
    z = z - z.mean(0)
    z = z @ np.linalg.inv(np.linalg.cholesky(z.T @ z / n)).T
    return z @ np.linalg.cholesky(cov).T


def test_heywood_case_is_reported():
    # one factor, three indicators, r_ab = r_ac = .8, r_bc = .4: the loading of a must be
    # sqrt(.8 * .8 / .4) = 1.26 > 1, i.e. a negative residual variance (Heywood case)
    R = np.array([[1, .8, .8], [.8, 1, .4], [.8, .4, 1]])
    x = pd.DataFrame(_exact_data(R), columns=["a", "b", "c"])
    res = sem.fit("f =~ a + b + c", x)
    assert res.converged
    e = res.estimates
    assert e[(e.lhs == "a") & (e.op == "~~")].est.iloc[0] == pytest.approx(1 - 1.6, abs=1e-6)
    assert any("Heywood" in w and " a " in w for w in res.warnings), res.warnings


def test_latent_correlation_above_one_is_reported():
    # two factors whose indicators correlate more across than within factors
    R = np.full((4, 4), .6)
    np.fill_diagonal(R, 1)
    R[0, 1] = R[1, 0] = R[2, 3] = R[3, 2] = .4
    x = pd.DataFrame(_exact_data(R), columns=["a", "b", "c", "d"])
    res = sem.fit("f =~ a + b\ng =~ c + d", x)
    assert any("latent correlation" in w for w in res.warnings), res.warnings


def test_syntax_parsing():
    f = parse_model("""
        # comment
        f =~ 1*x1 + NA*x2 + a*x3 + start(0.5)*x4 + c(l1, l2)*x5
        y ~ b*f + x6 ; y ~ 1
        x1 ~~ 0.3*x2
        ab := a*b
        a == b
    """)
    rows = [(r.lhs, r.op, r.rhs) for r in f]
    assert rows[:5] == [("f", "=~", f"x{i}") for i in range(1, 6)]
    assert f[0].modifier.fixed == (1.0,)
    assert f[1].modifier.fixed == (None,)
    assert f[2].modifier.label == ("a",)
    assert f[3].modifier.start == (0.5,)
    assert f[4].modifier.label == ("l1", "l2")
    assert ("y", "~1", "") in rows
    assert ("ab", ":=", "a*b") in rows and ("a", "==", "b") in rows


def test_syntax_multiline_and_errors():
    f = parse_model("f =~ x1 +\n x2 +\n x3")
    assert [r.rhs for r in f] == ["x1", "x2", "x3"]
    with pytest.raises(SEMSyntaxError):
        parse_model("f <~ x1 + x2")
    with pytest.raises(SEMSyntaxError):
        parse_model("f x1 x2")
    with pytest.raises(SEMSyntaxError):
        parse_model("")


def test_fixed_and_free_modifiers_change_the_model(hs):
    # std_lv and NA* + fixed variance are the same model
    a = sem.fit(HS, hs, std_lv=True)
    b = sem.fit("visual =~ NA*x1 + x2 + x3\ntextual =~ NA*x4 + x5 + x6\nspeed =~ NA*x7 + x8 + x9"
                "\nvisual ~~ 1*visual\ntextual ~~ 1*textual\nspeed ~~ 1*speed", hs)
    assert a.fit_measures["chisq"] == pytest.approx(85.305522, abs=1e-4)
    assert b.fit_measures["chisq"] == pytest.approx(a.fit_measures["chisq"], abs=1e-8)
    # equality via shared labels: one parameter less, one df more
    c = sem.fit("visual =~ x1 + l*x2 + l*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", hs)
    assert c.fit_measures["df"] == 25
    e = c.estimates
    v = e[(e.op == "=~") & e.rhs.isin(["x2", "x3"])].est.to_numpy()
    assert v[0] == v[1]
