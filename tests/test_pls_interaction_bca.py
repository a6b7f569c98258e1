"""BCa intervals for the two-stage interaction bootstrap (issue 18: BCa for every bootstrapped
statistic, here the stage-2 table, the moderating effect and the simple slopes of
:func:`analysis.pls.bootstrap_pls_interaction`).

Independent checks, none of which reads the code's own resamples or jackknife values:

* every resample of a supplied index matrix is re-estimated here one at a time with
  :func:`analysis.pls.estimate_pls_interaction` (both stages), and every jackknife value is
  that function on the data with the one row the sample leaves out removed (1e-10);
* the percentile and BCa bounds equal the type-7 quantiles and Efron's (1987) formula written
  out here (bias correction z0 from the share of resamples below the estimate, ties counted
  half; acceleration from the jackknife values' third and second moments) on those
  re-estimated values (1e-10), for every row of the stage-2 table, the standardized and the
  per-product moderating effect and the simple slopes;
* (slow) coverage: single-item constructs, where the two-stage estimand is known in closed form
  (the standardized regression of y on x, m and x*m), covered about 95% of the time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.pls import bootstrap_pls_interaction, estimate_pls_interaction

MODEL = "X =~ x1 + x2; M =~ m1 + m2; Y =~ y1 + y2; Y ~ X + M + X:M"


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(41)
    n = 60
    x, m = rng.normal(size=(2, n))
    y = 0.4 * x + 0.3 * m + 0.3 * x * m + 0.8 * rng.normal(size=n)
    cols = {}
    for name, f in (("x", x), ("m", m), ("y", y)):
        for k in (1, 2):
            cols[f"{name}{k}"] = f + 0.6 * rng.normal(size=n)
    return pd.DataFrame(cols)


def _values(fit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stage-2 table estimates, est_product per interaction path, simple slopes."""
    return (fit.result.estimates["est"].to_numpy(), fit.interactions["est_product"].to_numpy(),
            fit.simple_slopes["slope"].to_numpy())


def _efron(draws: np.ndarray, est: float, jack: np.ndarray, level: float) -> tuple[float, float]:
    """The BCa interval (Efron, 1987; Efron & Tibshirani, 1993, 14.3), written out."""
    z0 = stats.norm.ppf((np.sum(draws < est) + 0.5 * np.sum(draws == est)) / draws.size)
    d = jack.mean() - jack
    den = 6 * np.sum(d ** 2) ** 1.5
    a = np.sum(d ** 3) / den if den > 0 else 0.0
    z = stats.norm.ppf([(1 - level) / 2, (1 + level) / 2])
    q = stats.norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z)))
    lo, hi = np.quantile(draws, q)
    return float(lo), float(hi)


def test_bca_of_every_statistic_is_efrons_formula_on_reestimated_values(data):
    n, level = len(data), 0.9
    idx = np.random.default_rng(8).integers(0, n, size=(100, n))
    boot = bootstrap_pls_interaction(data, MODEL, indices=idx, level=level, n_jobs=1,
                                     progress=False)
    table, inter, slopes = boot.table, boot.interactions, boot.simple_slopes
    n_tab = len(table)
    est_tab, est_prod, est_slope = _values(boot.result)
    # the resamples, re-estimated here (both stages) one at a time
    reps = [_values(estimate_pls_interaction(data.iloc[r].reset_index(drop=True), MODEL))
            for r in idx]
    R_tab = np.array([r[0] for r in reps])
    R_prod = np.array([r[1] for r in reps])
    R_slope = np.array([r[2] for r in reps])
    np.testing.assert_allclose(boot.replicates[:, :n_tab], R_tab, rtol=0, atol=1e-10)
    # the jackknife: each sample leaves out one respondent, every respondent once
    left = [int(g[0]) for g in boot.jackknife_left_out]
    assert all(g.size == 1 for g in boot.jackknife_left_out) and sorted(left) == list(range(n))
    assert boot.settings["n_jackknife"] == n and boot.settings["bca"] is True
    loo = {i: _values(estimate_pls_interaction(data.drop(index=i).reset_index(drop=True),
                                               MODEL)) for i in range(n)}
    J_tab = np.array([loo[i][0] for i in left])
    J_prod = np.array([loo[i][1] for i in left])
    J_slope = np.array([loo[i][2] for i in left])
    np.testing.assert_allclose(boot.jackknife[:, :n_tab], J_tab, rtol=0, atol=1e-10)
    np.testing.assert_allclose(boot.jackknife[:, n_tab:], J_prod, rtol=0, atol=1e-10)

    def check(frame: pd.DataFrame, prefix: str, est: np.ndarray, draws: np.ndarray,
              jack: np.ndarray) -> None:
        for k in range(len(est)):
            lo, hi = np.quantile(draws[:, k], [(1 - level) / 2, (1 + level) / 2])
            assert abs(frame[f"{prefix}ci.lower"].iloc[k] - lo) < 1e-10
            assert abs(frame[f"{prefix}ci.upper"].iloc[k] - hi) < 1e-10
            blo, bhi = _efron(draws[:, k], est[k], jack[:, k], level)
            assert abs(frame[f"{prefix}bca.lower"].iloc[k] - blo) < 1e-10, (prefix, k)
            assert abs(frame[f"{prefix}bca.upper"].iloc[k] - bhi) < 1e-10, (prefix, k)

    check(table, "", est_tab, R_tab, J_tab)
    pos = [int(np.flatnonzero((table.lhs == r.lhs) & (table.op == "~")
                              & (table.rhs == r.rhs))[0]) for r in inter.itertuples()]
    check(inter, "", est_tab[pos], R_tab[:, pos], J_tab[:, pos])
    check(inter, "product.", est_prod, R_prod, J_prod)
    check(slopes, "", est_slope, R_slope, J_slope)
    # the moderating effect's BCa interval is not just the percentile interval again
    row = inter.iloc[0]
    assert abs(row["bca.lower"] - row["ci.lower"]) > 1e-6
    # and the simple slopes really are b_X + est_product * level in every resample
    b_x = R_tab[:, int(np.flatnonzero((table.lhs == "Y") & (table.op == "~")
                                      & (table.rhs == "X"))[0])]
    for k, lev in enumerate(slopes["level"]):
        np.testing.assert_allclose(R_slope[:, k], b_x + R_prod[:, 0] * lev, atol=1e-12)


def test_without_bca_the_percentile_results_are_unchanged(data):
    idx = np.random.default_rng(9).integers(0, len(data), size=(30, len(data)))
    a = bootstrap_pls_interaction(data, MODEL, indices=idx, n_jobs=1, progress=False)
    b = bootstrap_pls_interaction(data, MODEL, indices=idx, bca=False, n_jobs=1, progress=False)
    np.testing.assert_array_equal(a.replicates, b.replicates)
    assert "bca.lower" not in b.table and "bca.lower" not in b.interactions
    assert b.jackknife is None and b.settings["n_jackknife"] == 0
    for k in ("ci.lower", "ci.upper", "se"):
        np.testing.assert_array_equal(a.interactions[k], b.interactions[k])
        np.testing.assert_array_equal(a.simple_slopes[k], b.simple_slopes[k])


@pytest.mark.slow
def test_bca_coverage_of_the_moderating_effect_and_slopes():
    """Single-item constructs: stage 1 is the standardized items, the term their product, and
    stage 2 the standardized regression of y on x, m and x*m, so the estimands are known: with
    x, m independent N(0, 1) and y = .4x + .3m + .3xm + .8e, sd(y) = sqrt(.16 + .09 + .09 +
    .64), the per-product effect is .3 / sd(y) and the slope of X at M = l SDs is
    (.4 + .3 l) / sd(y). 150 samples of n = 150, 199 resamples each: the 95% BCa intervals of
    the per-product effect and the three slopes (600 intervals) cover about 95% (570 expected;
    binomial SD 5.3)."""
    model = "X =~ x; M =~ m; Y =~ y; Y ~ X + M + X:M"
    sd_y = np.sqrt(.16 + .09 + .09 + .64)
    truth = {"product": .3 / sd_y, -1.0: (.4 - .3) / sd_y, 0.0: .4 / sd_y, 1.0: .7 / sd_y}
    rng = np.random.default_rng(20261206)
    hits = {"bca": 0, "ci": 0}
    for _ in range(150):
        n = 150
        x, m = rng.normal(size=(2, n))
        d = pd.DataFrame({"x": x, "m": m,
                          "y": .4 * x + .3 * m + .3 * x * m + .8 * rng.normal(size=n)})
        boot = bootstrap_pls_interaction(d, model, n_boot=199, seed=int(rng.integers(1 << 31)),
                                         n_jobs=1, progress=False)
        row = boot.interactions.iloc[0]
        for kind, pre in (("bca", "product.bca"), ("ci", "product.ci")):
            hits[kind] += row[f"{pre}.lower"] <= truth["product"] <= row[f"{pre}.upper"]
        for _, s in boot.simple_slopes.iterrows():
            v = truth[float(s["level"])]
            hits["bca"] += s["bca.lower"] <= v <= s["bca.upper"]
            hits["ci"] += s["ci.lower"] <= v <= s["ci.upper"]
    print("coverage of 600 intervals:", hits)
    assert 549 <= hits["bca"] <= 591, hits
    assert 540 <= hits["ci"] <= 591, hits
