"""The BLRT's stopping rules: Besag & Clifford's sequential draws and the k sequence stopping at
the first non-significant test, each against the same test run in full (all draws, every k)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.profiles.blrt import bootstrap_lrt
from analysis.profiles.compare import blrt_choice, compare_profiles
from analysis.profiles.fit import fit_mixture


@pytest.fixture(scope="module")
def one_profile():
    """One bivariate normal profile: the 2-profile model is not needed (large p)."""
    x = np.random.default_rng(11).standard_normal((120, 2))
    return x, [fit_mixture(x, "EEI", k, n_starts=4, seed=1) for k in (1, 2)]


def test_sequential_draws_are_the_full_run_cut_where_h_draws_reached_lr(one_profile):
    _, (one, two) = one_profile
    full = bootstrap_lrt(one, two, n_boot=39, seed=5, n_starts=3, stop_exceed=None,
                         n_jobs=1, progress=False)
    assert full.n_draws == 39 and not full.stopped
    # Besag & Clifford with h = 5, read off the full run's draws: the 5th draw >= LR is at L
    reached = np.cumsum(np.asarray(full.lr_boot) >= full.lr)
    assert reached[-1] >= 5, "the data should give a large p-value"
    stop = int(np.argmax(reached >= 5)) + 1
    assert stop < 39
    for jobs in (1, 2):
        seq = bootstrap_lrt(one, two, n_boot=39, seed=5, n_starts=3, stop_exceed=5,
                            n_jobs=jobs, progress=False)
        assert seq.stopped and seq.n_draws == stop
        assert seq.lr_boot == full.lr_boot[:stop]
        assert seq.pvalue == 5 / stop
        # above h / n_boot, and non-significant as the full run is
        assert seq.pvalue > 5 / 39 and full.pvalue > 0.05


def test_a_small_p_value_runs_every_draw_and_is_unchanged():
    rng = np.random.default_rng(12)
    x = np.vstack([rng.normal(0, 1, (60, 2)), rng.normal(3.5, 1, (60, 2))])
    one, two = (fit_mixture(x, "EEI", k, n_starts=4, seed=1) for k in (1, 2))
    kw = dict(n_boot=19, seed=5, n_starts=3, n_jobs=1, progress=False)
    full = bootstrap_lrt(one, two, stop_exceed=None, **kw)
    seq = bootstrap_lrt(one, two, **kw)
    assert not seq.stopped and seq.n_draws == 19
    assert seq.pvalue == full.pvalue == 1 / 20
    assert seq.lr_boot == full.lr_boot


def test_k_sequence_stops_at_the_first_non_significant_test(one_profile):
    x, _ = one_profile
    kw = dict(k=[1, 2, 3], families=["EEI"], n_starts=4, n_boot=19, seed=2, blrt_starts=3,
              n_jobs=1, progress=False)
    short = compare_profiles(x, **kw).table.set_index("k")
    full = compare_profiles(x, every_k=True, stop_exceed=None, **kw).table.set_index("k")
    assert short.loc[2, "blrt_pvalue"] > 0.05
    # 3 vs 2 is not run after the non-significant 2 vs 1; with every_k it is, and without
    # stop_exceed every test uses all 19 draws
    assert np.isnan(short.loc[3, "blrt_pvalue"]) and np.isnan(short.loc[3, "blrt_draws"])
    assert short.loc[2, "blrt_draws"] < 19
    assert list(full.loc[[2, 3], "blrt_draws"]) == [19, 19]
    assert full.loc[3, "blrt_pvalue"] > 0
    assert short.loc[2, "blrt_lr"] == full.loc[2, "blrt_lr"]
    # the BLRT's choice is the same either way
    assert blrt_choice(short.reset_index(), "EEI") == blrt_choice(full.reset_index(), "EEI") == 1


def test_every_draw_failing_gives_no_p_value(one_profile, monkeypatch):
    import analysis.profiles.blrt as blrt

    def fail(rng, **kw):
        raise ValueError("a profile emptied")

    monkeypatch.setattr(blrt, "_draw", fail)
    _, (one, two) = one_profile
    test = bootstrap_lrt(one, two, n_boot=12, seed=5, n_jobs=1, progress=False)
    assert test.n_failed == 12 and test.n_draws == 12 and np.isnan(test.pvalue)


def test_spherical_draws_come_from_the_fitted_mixture():
    """A spherical family is fitted on one common scale (not each indicator's SD): the BLRT's
    draws, mapped back with the fit's scale, have the fitted mixture's mean and covariance
    (``sum w mu`` and ``sum w (Sigma + mu mu') - mean mean'``, 100,000 draws, within 2%);
    and two separated profiles are needed (every draw's LR below the observed, p = 1/5)."""
    from analysis.profiles.blrt import simulate_mixture

    rng = np.random.default_rng(5)
    g = rng.integers(0, 2, 200)
    x = np.column_stack([rng.normal(4 * g), 10 * rng.normal(-4 * g)])
    for fam in ("EII", "VII"):
        one, two = (fit_mixture(x, fam, k, n_starts=4, seed=1) for k in (1, 2))
        z = simulate_mixture(two, 100_000, np.random.default_rng(1))
        back = two.center + z * two.fit_scale
        mean = two.weights @ two.means
        cov = sum(w * (c + np.outer(m, m)) for w, m, c in
                  zip(two.weights, two.means, two.covariances, strict=True)) - np.outer(mean,
                                                                                        mean)
        assert back.mean(axis=0) == pytest.approx(mean, abs=0.02 * np.sqrt(np.diag(cov)).max())
        assert np.cov(back, rowvar=False) == pytest.approx(cov, rel=0.02, abs=0.02 * cov.max())
        test = bootstrap_lrt(one, two, n_boot=4, seed=1, n_starts=2, n_final=1, n_jobs=1,
                             progress=False)
        assert test.pvalue == pytest.approx(0.2) and test.n_failed == 0
