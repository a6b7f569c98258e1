"""Inadmissible bootstrap replicates: counted, left out, and an unstable model is not ranked.

The data: two latent predictors correlated .99 in the population and their outcome, three
indicators each, N = 400 (``bench/bench_unstable.py`` times 1,000 resamples of the same model;
the time is printed there, never asserted here).
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest

from analysis import sem
from analysis.sem import batch
from analysis.structural.effects import estimate_effects

MODEL = "f1 =~ a1 + a2 + a3\nf2 =~ b1 + b2 + b3\ny =~ c1 + c2 + c3\ny ~ f1 + f2"


def collinear(n: int = 400, seed: int = 1, rho: float = 0.99) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    F = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n)
    y = 0.3 * F[:, 0] + 0.3 * F[:, 1] + rng.normal(0, np.sqrt(1 - 0.36 * (1 + rho) / 2), n)
    cols = {}
    for k, f in enumerate([F[:, 0], F[:, 1], y]):
        for j, lam in enumerate([0.8, 0.7, 0.75]):
            cols[f"{'abc'[k]}{j + 1}"] = lam * f + rng.normal(0, np.sqrt(1 - lam * lam), n)
    return pd.DataFrame(cols)


@pytest.fixture(scope="module")
def data():
    return collinear()


@pytest.fixture(scope="module")
def unstable(data):
    return estimate_effects(data, MODEL, n_boot=200, seed=5, n_jobs=1, progress=False)


def test_lavaans_post_check_on_known_solutions(data):
    """``admissible`` is lavaan's ``lav_object_post_check``: the full-sample solution passes;
    a latent correlation above 1, a negative residual variance or a negative latent variance
    fail."""
    res = sem.fit(MODEL, data)
    st = res.state
    p = len(st.pt.ov_names)
    assert res.converged and not res.warnings and batch.admissible(st.engine, st.theta, p)
    est = res.estimates
    pid = dict(zip(zip(est.lhs, est.op, est.rhs, strict=False), st.pt.pid, strict=False))

    def changed(key, value):
        th = st.theta.copy()
        th[pid[key]] = value
        return batch.admissible(st.engine, th, p)

    v1 = est.set_index(["lhs", "op", "rhs"]).loc[("f1", "~~", "f1"), "est"]
    v2 = est.set_index(["lhs", "op", "rhs"]).loc[("f2", "~~", "f2"), "est"]
    assert not changed(("f1", "~~", "f2"), 1.02 * np.sqrt(v1 * v2))  # latent r = 1.02
    assert changed(("f1", "~~", "f2"), 0.98 * np.sqrt(v1 * v2))
    assert not changed(("a1", "~~", "a1"), -0.01)
    assert not changed(("y", "~~", "y"), -0.01)


def test_inadmissible_replicates_are_counted_and_left_out_and_nothing_is_ranked(data, unstable):
    b = unstable.bootstrap
    assert b["n_inadmissible"] > 0 and b["unstable"] and not b["inadmissible_kept"]
    assert b["n_used"] == b["n_boot"] - b["n_failed"] - b["n_inadmissible"]
    assert (b["n_failed"] + b["n_inadmissible"]) > b["max_failed_share"] * b["n_boot"]
    assert unstable.ranking.empty
    assert any("the model is unstable" in w and "no predictor is ranked" in w
               for w in unstable.warnings)
    # kept as lavaan 0.6.14 keeps them (counted and warned about only), they enter the SEs
    kept = estimate_effects(data, MODEL, n_boot=200, seed=5, n_jobs=1, progress=False,
                            keep_inadmissible=True)
    assert kept.bootstrap["n_used"] == b["n_used"] + b["n_inadmissible"]
    se_drop = unstable.effect("f1", "y", "direct")["boot.se"]
    se_keep = kept.effect("f1", "y", "direct")["boot.se"]
    assert np.isfinite(se_drop) and np.isfinite(se_keep) and se_keep != se_drop
    # a well-conditioned model (correlation .5) is stable and ranked
    calm = estimate_effects(collinear(rho=0.5), MODEL, n_boot=100, seed=5, n_jobs=1,
                            progress=False)
    assert not calm.bootstrap["unstable"] and calm.bootstrap["n_inadmissible"] == 0
    assert len(calm.ranking) == 1


def test_cli_and_report_say_unstable_instead_of_ranking(data, unstable, tmp_path, capsys):
    from analysis.responses.simulate import SimulationSettings, simulate
    from analysis.study import StudySettings, run_study
    from instruments import load_instrument
    from reports.cli import main
    from reports.report import render_report

    csv = tmp_path / "c.csv"
    data.to_csv(csv, index=False)
    assert main(["effects", str(csv), "--model", MODEL, "--boot", "200", "--seed", "5",
                 "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "model unstable:" in out and "largest total effect" not in out
    inst = load_instrument("five_commitments")
    base = run_study(simulate(inst, SimulationSettings(n=250, seed=4)).data, inst,
                     StudySettings(n_boot=0, n_jobs=1, progress=False),
                     created="2026-12-01T00:00:00+00:00")
    r = copy.deepcopy(json.loads(json.dumps(base, allow_nan=False)))
    from analysis.psychometrics.items import jsonable

    eff = json.loads(json.dumps(jsonable(unstable.to_dict()), allow_nan=False))
    r["effects"].update({k: eff[k] for k in ("bootstrap", "ranking", "warnings")})
    html = render_report(r)
    assert "The structural model is unstable" in html and "no driver is ranked" in html
    assert "Strongest exogenous driver" not in html and "has the largest total effect" not in html
