"""Effects decomposition: lavaan's mediation oracle, seeded bootstrap, ranking, CI coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_sem_ml import MED_M, MED_X, MED_Y  # frozen R data: set.seed(1234) ... (see there)

from analysis.effects import EffectsInputError, estimate_effects

MED = pd.DataFrame({"X": MED_X, "M": MED_M, "Y": MED_Y})


def test_mediation_matches_lavaan_delta_method():
    # lavaan 0.6.14: sem('M ~ a*X; Y ~ c*X + b*M; ab := a*b; total := c + a*b')
    # a .4739 (.1027), b .7883 (.0923), c .0364 (.1044), ab .3736 (.0920), total .4100 (.1247)
    r = estimate_effects(MED, "M ~ X\nY ~ X + M", n_boot=0)
    ref = {("X", "M", "direct"): (.4739, .1027), ("M", "Y", "direct"): (.7883, .0923),
           ("X", "Y", "direct"): (.0364, .1044), ("X", "Y", "indirect"): (.3736, .0920),
           ("X", "Y", "total"): (.4100, .1247)}
    for (p, o, k), (est, se) in ref.items():
        row = r.effect(p, o, k)
        assert row["est"] == pytest.approx(est, abs=1e-3), (p, o, k)
        assert row["se"] == pytest.approx(se, abs=1e-3), (p, o, k)
    assert r.effect("X", "Y", "indirect")["z"] == pytest.approx(4.059, abs=2e-3)
    assert r.effect("X", "Y", "total")["pvalue"] == pytest.approx(.001, abs=5e-4)


def test_bootstrap_is_seeded_and_identical_across_workers():
    a = estimate_effects(MED, "M ~ X\nY ~ X + M", n_boot=60, seed=9, n_jobs=1, progress=False)
    b = estimate_effects(MED, "M ~ X\nY ~ X + M", n_boot=60, seed=9, n_jobs=2, progress=False)
    pd.testing.assert_frame_equal(a.effects, b.effects)
    ind = a.effect("X", "Y", "indirect")
    assert ind["pct.lower"] < ind["est"] < ind["pct.upper"]
    assert ind["bca.lower"] < ind["est"] < ind["bca.upper"]
    assert ind["boot.se"] == pytest.approx(ind["se"], rel=0.35)  # bootstrap ~ delta SE


def _three_driver_data(n, rng):
    x = rng.multivariate_normal([0, 0, 0], [[1, .3, .2], [.3, 1, .25], [.2, .25, 1]], size=n)
    sat = x @ np.array([.5, .1, -.2]) + rng.normal(scale=.8, size=n)
    loy = .4 * sat + x @ np.array([.2, .05, -.1]) + rng.normal(scale=.8, size=n)
    return pd.DataFrame({"aff": x[:, 0], "eco": x[:, 1], "forced": x[:, 2], "sat": sat,
                         "loy": loy})


def test_ranking_names_the_largest_total_effect_and_tests_its_lead():
    df = _three_driver_data(2000, np.random.default_rng(4))
    r = estimate_effects(df, "sat ~ aff + eco + forced\nloy ~ sat + aff + eco + forced",
                         n_boot=200, seed=2, progress=False, bca=False)
    # truth: total aff->loy = .2 + .4*.5 = .40; forced -> loy = -.1 - .08 = -.18; eco .09
    assert r.effect("aff", "loy")["est"] == pytest.approx(.40, abs=.05)
    assert r.effect("forced", "loy")["est"] == pytest.approx(-.18, abs=.05)
    rank = r.ranking.set_index("outcome")
    assert rank.loc["loy", "largest"] == "aff" and rank.loc["loy", "runner_up"] == "forced"
    assert bool(rank.loc["loy", "credible"]) and rank.loc["loy", "diff.lower"] > 0
    assert rank.loc["sat", "largest"] == "aff"


def test_models_without_paths_or_with_loops_are_refused():
    with pytest.raises(EffectsInputError, match="no regressions"):
        estimate_effects(MED, "f =~ X + M + Y", n_boot=0)
    with pytest.raises(EffectsInputError, match="not in the structural model"):
        estimate_effects(MED, "M ~ X\nY ~ X + M", n_boot=0, predictors=["Z", "X"])


@pytest.mark.slow
def test_bootstrap_ci_coverage_of_the_indirect_effect():
    """100 samples of N=400 from a known mediation model; 200 resamples each (issue 6)."""
    a, b, c = .3, .3, .1
    hits = 0
    for rep in range(100):
        rng = np.random.default_rng(1000 + rep)
        x = rng.normal(size=400)
        m = a * x + rng.normal(size=400)
        y = c * x + b * m + rng.normal(size=400)
        r = estimate_effects(pd.DataFrame({"X": x, "M": m, "Y": y}), "M ~ X\nY ~ X + M",
                             n_boot=200, seed=rep, bca=False, n_jobs=1, progress=False)
        ind = r.effect("X", "Y", "indirect")
        hits += ind["pct.lower"] <= a * b <= ind["pct.upper"]
    print(f"coverage of the 95% percentile CI: {hits}/100")
    assert 90 <= hits <= 99
