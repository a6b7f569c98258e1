"""Simulated panels: reproducible bytes, the known truth recovered from the draws, the CLI."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from scipy import stats

from analysis.responses import read_responses, write_responses
from analysis.responses.simulate import SimulationError
from analysis.responses.simulate_panel import panel_truth, simulate_panel, wave_paths
from instruments import load_instrument
from reports.cli import main

LAGS = {"repurchase": {"affective": 0.20}, "affective": {"satisfaction": 0.10}}


@pytest.fixture(scope="module")
def inst():
    return load_instrument("five_commitments")


@pytest.fixture(scope="module")
def big(inst):
    return simulate_panel(inst, n=6000, waves=3, seed=5, cross_lagged=LAGS,
                          intercept_drift={"aff_02": 0.3}, ri_share=0.4,
                          mean_change={"satisfaction": 0.1})


def _bytes(sim, inst, tmp_path, tag):
    out = []
    for t, data in enumerate(sim.waves, 1):
        p = tmp_path / f"{tag}_{t}.csv"
        write_responses(data, p, inst)
        out.append(hashlib.sha256(p.read_bytes()).hexdigest())
    return out


def test_same_seed_same_bytes(inst, tmp_path):
    kw = dict(n=120, waves=3, cross_lagged=LAGS, attrition=0.2, refreshment=0.1, missing=0.03,
              intercept_drift={"aff_02": 0.3})
    a = _bytes(simulate_panel(inst, seed=9, **kw), inst, tmp_path, "a")
    b = _bytes(simulate_panel(inst, seed=9, **kw), inst, tmp_path, "b")
    c = _bytes(simulate_panel(inst, seed=10, **kw), inst, tmp_path, "c")
    assert a == b
    assert all(x != y for x, y in zip(a, c, strict=True))


def test_truth_closed_forms(inst):
    t = panel_truth(inst, cross_lagged=LAGS, ri_share={"repurchase": 0.6})
    # standardized within effect = A[o, p] sqrt((1 - h_p) / (1 - h_o))
    assert t.effect("repurchase", "affective", standardized=False) == 0.2
    assert t.effect("repurchase", "affective") == pytest.approx(0.2 * np.sqrt(0.5 / 0.4))
    assert t.effect("affective", "satisfaction") == pytest.approx(0.1)
    assert t.effect("satisfaction", "affective") == 0.0
    # each wave: unit variances, correlations R_ab (sqrt(h_a h_b) + sqrt((1-h_a)(1-h_b)))
    R = t.cross_section.correlations.to_numpy()
    h = np.full(9, 0.5)
    h[t.constructs.index("repurchase")] = 0.6
    scale = np.sqrt(np.outer(h, h)) + np.sqrt(np.outer(1 - h, 1 - h))
    assert np.allclose(t.ri_covariance + t.within_covariance, R * scale, atol=1e-12)
    assert np.allclose(np.diag(t.ri_covariance + t.within_covariance), 1, atol=1e-12)
    equal = panel_truth(inst, cross_lagged=LAGS)
    assert np.allclose(equal.ri_covariance + equal.within_covariance, R, atol=1e-12)
    # the innovations make the within covariance stationary
    A = np.zeros((9, 9))
    k = {c: j for j, c in enumerate(t.constructs)}
    for r in t.lagged.itertuples():
        A[k[r.outcome], k[r.predictor]] = r.estimate
    SW = t.within_covariance.to_numpy()
    assert np.allclose(A @ SW @ A.T + t.innovation_covariance.to_numpy(), SW, atol=1e-12)
    json.dumps(t.to_dict())


def test_latent_truth_recovered(big):
    """Regress each wave's within-person deviations on the previous wave's: A comes back."""
    t = big.truth
    lat, ri = big.latent, big.intercepts
    w = [lat.xs(s, level="wave") - ri - t.means.loc[s] for s in (1, 2, 3)]
    X = np.vstack([w[0].to_numpy(), w[1].to_numpy()])
    Y = np.vstack([w[1].to_numpy(), w[2].to_numpy()])
    A_hat = np.linalg.lstsq(X, Y, rcond=None)[0].T
    k = {c: j for j, c in enumerate(t.constructs)}
    assert A_hat[k["repurchase"], k["affective"]] == pytest.approx(0.2, abs=0.02)
    assert A_hat[k["affective"], k["satisfaction"]] == pytest.approx(0.1, abs=0.02)
    assert A_hat[k["affective"], k["affective"]] == pytest.approx(0.5, abs=0.02)
    assert A_hat[k["satisfaction"], k["affective"]] == pytest.approx(0.0, abs=0.02)
    # random intercept variance = ri_share, construct variance 1, satisfaction mean moves
    assert ri.var().to_numpy() == pytest.approx(np.full(9, 0.4), abs=0.03)
    assert lat.xs(3, level="wave").var().to_numpy() == pytest.approx(np.ones(9), abs=0.06)
    sat = lat.satisfaction.groupby(level="wave").mean()
    assert sat[3] - sat[1] == pytest.approx(0.2, abs=0.03)


def _expected_code_mean(thresholds, codes, shift):
    """E[code] of y* ~ N(shift, 1) cut at the thresholds (closed form)."""
    cdf = np.r_[0.0, stats.norm.cdf(np.asarray(thresholds) - shift), 1.0]
    return float(np.dot(np.diff(cdf), codes))


def test_drifting_intercept_moves_its_wave_means(big):
    """aff_02 drifts .3 latent SDs a wave: each wave's mean is the closed-form E[code] of
    y* ~ N(.3 (t - 1), 1) cut at its thresholds; the invariant aff_01 stays put."""
    cuts = big.truth.cross_section.thresholds
    for t, wave in enumerate(big.waves):
        for item, shift in (("aff_02", 0.3 * t), ("aff_01", 0.0)):
            expected = _expected_code_mean(cuts[item], np.arange(1, 8), shift)
            assert wave.items[item].mean() == pytest.approx(expected, abs=0.05)
    assert big.waves[2].items.aff_02.mean() - big.waves[0].items.aff_02.mean() > 0.6


def test_attrition_refreshment_and_ids(inst):
    sim = simulate_panel(inst, n=2000, waves=3, seed=1, attrition=0.25, refreshment=0.1)
    c = sim.counts()
    # members stay with probability .75 a wave; 200 newcomers a wave
    assert c["wave1"] == 2000
    assert c["wave2"] == pytest.approx(2000 * .75 + 200, abs=60)
    assert c["wave3"] == pytest.approx((2000 * .75 + 200) * .75 + 200, abs=60)
    assert c["all"] == pytest.approx(2000 * .75 ** 2, abs=60)
    ids = [set(w.ids) for w in sim.waves]
    assert ids[2] - ids[1] == {f"p{j:04d}" for j in range(2201, 2401)}
    assert ids[1] - ids[0] == {f"p{j:04d}" for j in range(2001, 2201)}
    # segmenting answers are a person's own in every wave
    both = sorted(ids[0] & ids[2])
    assert sim.waves[0].items.loc[both, "industry"].equals(
        sim.waves[2].items.loc[both, "industry"])
    # waves are fielded wave_days apart
    gap = sim.waves[1].meta.started_at.min() - sim.waves[0].meta.started_at.min()
    assert 90 <= gap.days <= 92


def test_loading_non_invariance(inst):
    sim = simulate_panel(inst, n=8000, waves=2, seed=2, loadings={"aff_03": {2: 0.4}})
    r = [np.corrcoef(w.items.aff_03, w.items.aff_01)[0, 1] for w in sim.waves]
    # y* correlations: .82 * .78 at wave 1; .82 * .4 / sqrt(.4^2 + 1 - .78^2) at wave 2 (the
    # residual variance stays); the codes attenuate both about alike
    ratio = (0.4 / np.sqrt(0.16 + 1 - 0.78 ** 2)) / 0.78
    assert r[1] == pytest.approx(r[0] * ratio, abs=0.03)
    assert sim.truth.items.query("item == 'aff_03' and wave == 2").loading.iloc[0] == 0.4


@pytest.mark.parametrize("kwargs, words", [
    (dict(waves=1), "waves must be"),
    (dict(cross_lagged={"loyalty": {"affective": .2}}), "'loyalty' is not a measured"),
    (dict(intercept_drift={"xx_01": .3}), "xx_01 is not a measurement item"),
    (dict(autoregressive=0.99, cross_lagged={"repurchase": {"affective": .5}}),
     "not positive definite"),
    (dict(attrition=1.0), "attrition"),
    (dict(loadings={"aff_01": {4: .5}}), "wave 4 must be 1..3"),
])
def test_bad_settings_are_named(inst, kwargs, words):
    with pytest.raises(SimulationError, match=words):
        simulate_panel(inst, n=10, **kwargs)


def test_wave_paths():
    assert wave_paths("d/x.csv", 3) == ["d/x_w1.csv", "d/x_w2.csv", "d/x_w3.csv"]
    assert wave_paths("w{wave}/r.json", 2) == ["w1/r.json", "w2/r.json"]


def test_cli_writes_one_readable_file_per_wave(tmp_path, capsys):
    out = tmp_path / "panel.csv"
    args = ["simulate", "five_commitments", "--n", "80", "--seed", "3", "--waves", "3",
            "--cross-lagged", "affective>repurchase=.2", "--drift", "aff_02=.3",
            "--attrition", ".1", "-o", str(out), "--truth", str(tmp_path / "truth.json")]
    assert main(args) == 0
    paths = [tmp_path / f"panel_w{t}.csv" for t in (1, 2, 3)]
    first = [p.read_bytes() for p in paths]
    data = [read_responses(p, "five_commitments") for p in paths]
    assert data[0].n == 80 and set(data[2].ids) <= set(data[0].ids)
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert {"outcome": "repurchase", "predictor": "affective", "kind": "cross-lagged",
            "estimate": 0.2, "std": 0.2} in truth["lagged"]
    # same seed, same bytes; existing outputs are refused without --force
    assert main(args) == 2
    assert "exists already" in capsys.readouterr().err
    assert main(args + ["--force"]) == 0
    assert [p.read_bytes() for p in paths] == first


@pytest.mark.parametrize("extra, words", [
    (["--cross-lagged", "affective=.2"], "FROM>TO=B"),
    (["--drift", "aff_02"], "ITEM=D"),
    (["--cross-lagged", "affective>loyalty=.2"], "'loyalty' is not a measured construct"),
    (["--straightliners", ".1"], "not simulated with --waves"),
])
def test_cli_bad_panel_options_exit_2(tmp_path, capsys, extra, words):
    args = ["simulate", "five_commitments", "--n", "20", "--waves", "2",
            "-o", str(tmp_path / "p.csv"), *extra]
    assert main(args) == 2
    assert words in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
