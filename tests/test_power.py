"""Monte Carlo power (analysis.structural.power) against closed-form power of the Wald z-test.

The reference model is a regression among observed variables: four single-item constructs
whose items are the constructs themselves (loading 0.9999999, a numeric 0-1000 scale with
SD 50, so rounding to whole numbers changes nothing that matters). For y = b'x + e with
standardized, correlated predictors, the asymptotic (ML, expected information) standard error
of b_j is ``sqrt(sigma_e^2 (Sigma_xx^-1)_jj / N)`` with ``sigma_e^2 = 1 - b' Sigma_xx b``
(e.g. Greene, Econometric Analysis, ch. 4), and the power of the two-sided test with the
true sign is ``Phi(|b_j| / se - z_{1-alpha/2})``. That is independent of engagekit's code.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from analysis.cli import power_cmd
from analysis.structural import power as pw
from instruments import load_instrument, parse_instrument

REGRESSION = """\
format: engagekit-instrument/1
id: power_check
title: {en: Regression among near-continuous single-item constructs}
version: 1.0.0
default_language: en
languages:
  - {code: en, name: English, status: source}
scales:
  - {id: wide, kind: numeric, min: 0, max: 1000}
constructs:
  - {id: x1, name: X1, definition: First predictor., role: predictor, scale: wide,
     items: [{id: x1_1, text: {en: x1}}]}
  - {id: x2, name: X2, definition: Second predictor., role: predictor, scale: wide,
     items: [{id: x2_1, text: {en: x2}}]}
  - {id: x3, name: X3, definition: Third predictor., role: predictor, scale: wide,
     items: [{id: x3_1, text: {en: x3}}]}
  - {id: y, name: Y, definition: Outcome., role: outcome, scale: wide,
     items: [{id: y_1, text: {en: y}}]}
survey:
  blocks:
    - {id: page1, constructs: [x1, x2, x3, y]}
model:
  paths:
    - {outcome: y, predictors: [x1, x2, x3]}
population:
  default_loading: 0.9999999
  correlations:
    - {constructs: [x1, x2], r: 0.3}
    - {constructs: [x1, x3], r: 0.2}
    - {constructs: [x2, x3], r: 0.1}
  paths:
    - outcome: y
      effects: {x1: 0.15, x2: 0.0, x3: 0.5}
  responses:
    - {center: 0.5, spread: 0.05}
"""
SIGMA_X = np.array([[1, .3, .2], [.3, 1, .1], [.2, .1, 1]])
B = np.array([.15, 0.0, .5])


def analytic_power(n: int, alpha: float = 0.05) -> np.ndarray:
    """Power of each coefficient's Wald test with the true sign (asymptotic SE)."""
    s2 = 1 - B @ SIGMA_X @ B
    se = np.sqrt(s2 * np.diag(np.linalg.inv(SIGMA_X)) / n)
    z = stats.norm.ppf(1 - alpha / 2)
    return stats.norm.cdf(np.abs(B) / se - z)


@pytest.fixture(scope="module")
def reg():
    return parse_instrument(REGRESSION, "power_check.yaml")


@pytest.fixture(scope="module")
def reg_power(reg):
    return pw.power_analysis(reg, ns=[200], reps=400, seed=11, n_jobs=2, progress=False)


def test_monte_carlo_power_matches_the_analytic_z_test(reg_power):
    res = reg_power
    ana = analytic_power(200)  # [0.664, (0 path), 1.000]
    mod = res.power("y", "x1", 200)
    mc_se = math.sqrt(ana[0] * (1 - ana[0]) / 400)  # 0.024
    assert abs(mod - ana[0]) < 3.5 * mc_se, (mod, ana[0])
    assert res.power("y", "x3", 200) >= 0.99 and ana[2] > 0.9999
    # a zero path: the rejection rate is alpha within Monte Carlo error (SE 0.011)
    rej = res.power("y", "x2", 200)
    assert abs(rej - 0.05) < 3.5 * math.sqrt(0.05 * 0.95 / 400), rej
    t = res.table.set_index("predictor")
    assert (t.convergence_rate == 1).all()
    # standardized estimates unbiased, their SD near the asymptotic SE (same scale here)
    s2 = 1 - B @ SIGMA_X @ B
    se = np.sqrt(s2 * np.diag(np.linalg.inv(SIGMA_X)) / 200)
    for j, x in enumerate(["x1", "x2", "x3"]):
        assert abs(t.loc[x, "bias"]) < 3.5 * se[j] / math.sqrt(400)
        assert t.loc[x, "mean_se"] == pytest.approx(se[j], rel=0.05)  # unstd. SE, equal SDs
        if j < 2:  # small paths: the standardized estimate's SD is the unstandardized SE
            assert t.loc[x, "sd_std"] == pytest.approx(se[j], rel=0.15)
    assert t.loc["x2", "true"] == 0 and t.loc["x1", "true"] == 0.15


def test_result_is_plain_data(reg_power):
    d = json.loads(reg_power.to_json())
    assert d["ns"] == [200] and d["reps"] == 400 and d["seed"] == 11
    row = next(r for r in d["table"] if r["predictor"] == "x1")
    assert set(row) >= {"n", "power", "power_mc_se", "converged", "convergence_rate",
                        "mean_std", "bias", "true"}
    ss = {r["predictor"]: r for r in d["sample_size"]}
    assert ss["x2"]["n_estimate"] is None and ss["x3"]["n_min"] == 200
    assert "y ~ x1" in reg_power.summary()


def test_sample_size_estimate_recovers_the_closed_form_n():
    """Fed exact analytic powers, interpolation and extrapolation give the analytic N."""
    s2 = 1 - B @ SIGMA_X @ B
    delta = B[0] / math.sqrt(s2 * np.linalg.inv(SIGMA_X)[0, 0])
    z = stats.norm.ppf(0.975)
    n_star = ((z + stats.norm.ppf(0.8)) / delta) ** 2  # 276.2
    for ns, how in [([100, 200, 400, 800], "interpolated"), ([50, 100, 150], "extrapolated"),
                    ([400, 800], "extrapolated")]:
        p = [analytic_power(n)[0] for n in ns]
        n_est, method = pw.sample_size_estimate(ns, p, 0.8, 0.05)
        assert method == how
        assert n_est == pytest.approx(n_star, rel=1e-9)
    # powers of 1 everywhere carry no information on delta: no estimate (n_min says enough)
    assert pw.sample_size_estimate([200, 400], [1.0, 1.0], reps=100) == (None, None)
    # extrapolations stay consistent with what was observed
    n_est, how = pw.sample_size_estimate([200, 400], [0.95, 1.0], reps=100)
    assert how == "extrapolated" and n_est <= 200
    n_est, how = pw.sample_size_estimate([200, 400], [0.10, 0.02], reps=100)
    assert how == "extrapolated" and n_est >= 400


def test_seeded_and_identical_for_any_number_of_workers(reg):
    a = pw.power_analysis(reg, ns=[60, 120], reps=16, seed=5, n_jobs=1, progress=False)
    b = pw.power_analysis(reg, ns=[60, 120], reps=16, seed=5, n_jobs=2, progress=False)
    assert a.to_dict() == b.to_dict()
    # adding a sample size leaves the others' figures unchanged
    c = pw.power_analysis(reg, ns=[120], reps=16, seed=5, n_jobs=1, progress=False)
    assert c.table.drop(columns=[]).to_dict("records") == \
        a.table[a.table.n == 120].reset_index(drop=True).to_dict("records")
    d = pw.power_analysis(reg, ns=[120], reps=16, seed=6, n_jobs=1, progress=False)
    assert d.table.mean_std.tolist() != c.table.mean_std.tolist()


def test_fast_ml_path_equals_the_full_fit():
    """The ML fast path gives sem.fit's estimates, SEs, p-values and std.all."""
    inst = load_instrument("five_commitments")
    job = pw._Job(inst, None, inst.to_lavaan(), "ML", (), tuple(
        (o, p) for o, p in [("satisfaction", "affective"), ("repurchase", "habitual"),
                            ("recommendation", "forced"), ("repurchase", "satisfaction")]), ())
    state, where = pw._fast_state(job, 3, 400)
    fast_job = pw.replace(job, state=state, where=where)
    data = pw._sample(job, 300, 99)
    full = pw._fit_full(job, data)
    fast = pw._fit_ml_fast(fast_job, data)
    assert full[0] == fast[0] == 1
    np.testing.assert_allclose(fast, full, rtol=1e-5, atol=1e-7)


def test_five_commitments_smoke():
    """The bundled instrument end to end (few replicates): truth and paths line up."""
    res = pw.power_analysis("five_commitments", ns=[300], reps=6, seed=2, n_jobs=1,
                            progress=False)
    t = res.table.set_index(["outcome", "predictor"])
    assert len(t) == 17 and (t.convergence_rate == 1).all()
    assert t.loc[("satisfaction", "affective"), "true"] == 0.40
    assert t.loc[("recommendation", "habitual"), "true"] == 0.0
    assert t.loc[("satisfaction", "affective"), "power"] == 1.0


def test_bad_settings_are_input_errors(reg):
    for kw in [dict(ns=[]), dict(ns=[1]), dict(ns=[100, 100]), dict(reps=0), dict(alpha=1.5),
               dict(estimator="GLS"), dict(simulation={"seed": 3}), dict(target=1)]:
        with pytest.raises(pw.PowerInputError):
            pw.power_analysis(reg, **{"ns": [50], "reps": 2, **kw})
    with pytest.raises(pw.PowerInputError, match="ordinal"):
        pw.power_analysis(reg, ns=[50], reps=2, estimator="WLSMV")


def test_cli_prints_a_table_and_writes_json(reg, tmp_path):
    f = tmp_path / "reg.yaml"
    f.write_text(REGRESSION, encoding="utf-8")
    out = tmp_path / "power.json"
    r = CliRunner().invoke(power_cmd, [str(f), "--n", "80", "160", "--reps", "8", "--seed",
                                       "1", "--jobs", "1", "--quiet", "--json", str(out)])
    assert r.exit_code == 0, r.output
    assert "y ~ x3" in r.output and "N=80" in r.output and "N=160" in r.output
    d = json.loads(out.read_text())
    assert d["ns"] == [80, 160] and d["reps"] == 8


def test_wlsmv_power_runs_on_ordinal_items():
    res = pw.power_analysis("five_commitments", ns=[400], reps=4, seed=1, n_jobs=1,
                            estimator="WLSMV", progress=False)
    t = res.table.set_index(["outcome", "predictor"])
    assert (t.convergence_rate == 1).all()
    assert t.loc[("satisfaction", "affective"), "power"] == 1.0
