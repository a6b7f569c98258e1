"""Effects decomposition: lavaan's mediation oracle, seeded bootstrap, ranking, CI coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_sem_ml import MED_M, MED_X, MED_Y  # frozen R data: set.seed(1234) ... (see there)

from analysis.structural.effects import EffectsInputError, estimate_effects

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


def test_bootstrap_ci_coverage_of_the_indirect_effect():
    """100 samples of N=400 from a known mediation model; 200 resamples each (issue 6; about
    5 s with the batched refits, so it runs by default)."""
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


# ---- batched bootstrap refits (issue 6) --------------------------------------------------------

from analysis import sem  # noqa: E402
from analysis.responses.scoring import reverse_keyed  # noqa: E402
from analysis.responses.simulate import SimulationSettings, simulate  # noqa: E402
from analysis.sem import batch  # noqa: E402
from analysis.structural import effects as effects_mod  # noqa: E402
from instruments import load_instrument  # noqa: E402


@pytest.fixture(scope="module")
def five():
    inst = load_instrument("five_commitments")
    model = inst.to_lavaan()
    items = [i.strip() for ln in model.splitlines() if "=~" in ln
             for i in ln.split("=~")[1].split("+")]
    sim = simulate(inst, SimulationSettings(n=500, seed=20260606))
    return reverse_keyed(sim.data.items, inst)[items], model


def _resample_covs(X, k, seed):
    rng = np.random.default_rng(seed)
    return np.array([effects_mod._moments(X[rng.integers(0, len(X), len(X))])[0]
                     for _ in range(k)])


@pytest.mark.parametrize("case", ["five_commitments", "mediation"])
def test_batched_refits_equal_the_sem_core_refits(case, five):
    data, model = five if case == "five_commitments" else (MED, "M ~ X\nY ~ X + M")
    res = sem.fit(model, data)
    assert batch.supports(res.state)
    X = data[list(res.state.pt.ov_names)].to_numpy(float)
    covs = _resample_covs(X, 6, seed=3)
    out = batch.refit_batch(res.state, covs)
    assert out.converged.all() and (out.grad_max < 1e-6).all()  # the sem core's criterion
    for b, cov in enumerate(covs):
        ref = sem.fit_from_moments(res.state, cov, len(X))
        assert ref.converged
        np.testing.assert_allclose(out.theta[b], ref.theta, rtol=0, atol=1e-6)
        assert out.fmin[b] == pytest.approx(ref.fmin, abs=1e-10)
    # a resample's iterates do not depend on the rest of the batch
    alone = batch.refit_batch(res.state, covs[2:3])
    np.testing.assert_array_equal(alone.theta[0], out.theta[2])


def test_bootstrap_of_the_full_sem_is_identical_serial_and_in_two_processes(five):
    data, model = five
    a = estimate_effects(data, model, n_boot=120, seed=4, n_jobs=1, progress=False)
    b = estimate_effects(data, model, n_boot=120, seed=4, n_jobs=2, progress=False)
    assert a.bootstrap["backend"] == "serial" and b.bootstrap["backend"] == "processes"
    assert a.bootstrap["n_failed"] == b.bootstrap["n_failed"] == 0
    assert a.bootstrap["jackknife_groups"] == 200
    num = a.effects.select_dtypes(float).columns
    np.testing.assert_array_equal(a.effects[num].to_numpy(), b.effects[num].to_numpy())
    pd.testing.assert_frame_equal(a.ranking, b.ranking, check_exact=True)


def test_models_outside_the_batch_are_refitted_one_by_one():
    m = "M ~ X\nY ~ X + M\nM ~ 1\nY ~ 1"  # mean structure: not batched
    r = estimate_effects(MED, m, n_boot=30, seed=9, n_jobs=1, progress=False)
    assert r.bootstrap["n_failed"] == 0 and r.bootstrap["n_second_pass"] == 0
    ref = estimate_effects(MED, "M ~ X\nY ~ X + M", n_boot=30, seed=9, n_jobs=1, progress=False)
    assert ref.bootstrap["n_second_pass"] == 0 and ref.bootstrap["n_used"] == 30
    cols = ["boot.se", "pct.lower", "pct.upper", "bca.lower", "bca.upper"]
    np.testing.assert_allclose(r.effects[cols], ref.effects[cols], atol=1e-6)


def test_replicates_that_do_not_converge_continue_batched_then_are_counted(monkeypatch):
    """A replicate the first batched pass does not bring to convergence continues in a second
    batched pass from where it stopped; one that still fails is counted, never refitted on its
    own (that fallback took minutes on a near-singular model)."""
    real_batch = batch.refit_batch

    def never_alone(*args, **kwargs):
        raise AssertionError("a batched model's replicate was refitted one by one")

    monkeypatch.setattr(sem, "fit_from_moments", never_alone)

    def batch_misses_the_first(*args, **kwargs):
        out = real_batch(*args, **kwargs)
        if np.ndim(kwargs.get("start")) == 1:  # the first pass only
            out.converged[0] = False
        return out

    # chunks of 100 replicates: bootstrap replicates 0 and 100 are the first of theirs
    assert effects_mod._CHUNK == 100
    monkeypatch.setattr(batch, "refit_batch", batch_misses_the_first)
    r = estimate_effects(MED, "M ~ X\nY ~ X + M", n_boot=150, seed=9, n_jobs=1, progress=False)
    assert r.bootstrap["n_second_pass"] == 2 and r.bootstrap["n_failed"] == 0
    ref = estimate_effects(MED, "M ~ X\nY ~ X + M", n_boot=0)
    assert r.effect("X", "Y", "indirect")["est"] == ref.effect("X", "Y", "indirect")["est"]

    def batch_fails_the_first(*args, **kwargs):
        out = real_batch(*args, **kwargs)
        out.converged[0] = False  # in both passes
        return out

    monkeypatch.setattr(batch, "refit_batch", batch_fails_the_first)
    r = estimate_effects(MED, "M ~ X\nY ~ X + M", n_boot=150, seed=9, n_jobs=1, progress=False)
    assert r.bootstrap["n_failed"] == 2 and r.bootstrap["jackknife_failed"] == 1
    assert r.bootstrap["n_used"] == 148 and not r.bootstrap["unstable"]
    assert any("2 of 150 bootstrap replicates did not converge" in w for w in r.warnings)
    ind = r.effect("X", "Y", "indirect")
    assert np.isfinite(ind["pct.lower"]) and np.isfinite(ind["bca.upper"])


def test_bootstrap_on_a_dask_cluster_is_identical_to_the_local_run(five):
    """The same seed gives the same bootstrap on Dask (a local cluster here; tcp://host:8786
    takes the same path) as in one process: batched refits, BCa jackknife and all."""
    data, model = five
    local = estimate_effects(data, model, n_boot=60, seed=5, n_jobs=1, progress=False)
    dask = estimate_effects(data, model, n_boot=60, seed=5, scheduler="dask", progress=False)
    assert dask.bootstrap["backend"] == "dask"
    num = local.effects.select_dtypes(float).columns
    np.testing.assert_array_equal(local.effects[num].to_numpy(), dask.effects[num].to_numpy())
    pd.testing.assert_frame_equal(local.ranking, dask.ranking, check_exact=True)
