"""Parameter recovery on simulated five-commitment data (issues 5 and 6).

The data come from :func:`analysis.responses.simulate.simulate` with the bundled instrument's population
model, whose true values are known exactly (:class:`analysis.responses.simulate.TrueParameters`). They
are parameters of the latent responses y*; the items are 7- and 10-point codes cut from y* at
thresholds. Items are reverse-keyed from their declared scale before fitting.

Issue 5, loadings (N = 5,000, seed 20260505), CFA of the eight multi-item constructs:

* WLSMV on polychoric correlations (``ordered`` = the items) recovers every standardized
  loading within .03 (measured: max |error| .019, mean error +.002);
* ML on the codes is attenuated, as discretisation makes Pearson correlations of codes smaller
  than the latent correlations (Olsson 1979; Bollen & Barb 1981): measured mean error -.020,
  max |error| .039 (aff_04r/hab_04r-type weaker items are hit the most). ML on codes therefore
  does *not* meet the .03 bar for every loading; that is asserted below as attenuation.

Issue 6, structural paths (N = 20,000, seed 20260606), the full model ``to_lavaan()``:

* ML via :func:`analysis.structural.effects.estimate_effects` (the production path): every standardized
  structural path within .03 of truth (measured max |error| .017, satisfaction ~ habitual);
  the standardized paths between latent variables are nearly free of the attenuation, which
  the loadings absorb;
* the ranking of the five commitments by |standardized total effect| on each loyalty outcome
  (repurchase, recommendation) equals the true ranking (true totals from
  :meth:`TrueParameters.total_effect`; the closest true gap is habitual .185 vs forced -.170
  on repurchase). Satisfaction is not ranked: normative and economic are tied at .15 in truth;
* WLSMV: every path within .03 (measured max |error| .020).
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis import sem
from analysis.responses.scoring import reverse_keyed as reverse_key
from analysis.responses.simulate import SimulationSettings, simulate
from analysis.structural.effects import estimate_effects
from instruments import load_instrument

COMMITMENTS = ["affective", "normative", "economic", "forced", "habitual"]
LOYALTY = ["repurchase", "recommendation"]


@pytest.fixture(scope="module")
def inst():
    return load_instrument("five_commitments")


@pytest.fixture(scope="module")
def n5000(inst):
    sim = simulate(inst, SimulationSettings(n=5_000, seed=20260505))
    return sim, reverse_key(sim.data.items, inst)


@pytest.fixture(scope="module")
def n20000(inst):
    sim = simulate(inst, SimulationSettings(n=20_000, seed=20260606))
    return sim, reverse_key(sim.data.items, inst)


def _items(model: str) -> list[str]:
    return [i.strip() for line in model.splitlines() if "=~" in line
            for i in line.split("=~")[1].split("+")]


def _loading_errors(res, truth) -> dict[str, float]:
    e = res.estimates[res.estimates.op == "=~"]
    return {r.rhs: r["std.all"] - truth.loading(r.rhs) for _, r in e.iterrows()}


def _path_errors(estimates, truth) -> dict[tuple[str, str], float]:
    e = estimates[estimates.op == "~"]
    return {(r.lhs, r.rhs): r["std.all"] - truth.path(r.lhs, r.rhs) for _, r in e.iterrows()}


def test_wlsmv_recovers_every_loading_and_ml_on_codes_is_attenuated(inst, n5000):
    sim, data = n5000
    cfa = inst.to_lavaan(structural=False)
    items = _items(cfa)
    assert len(items) == 28
    wls = sem.fit(cfa, data, ordered=items)
    assert wls.converged and not wls.warnings
    err = _loading_errors(wls, sim.truth)
    assert len(err) == 28
    worst = max(err, key=lambda k: abs(err[k]))
    assert abs(err[worst]) < 0.03, (worst, err[worst])
    assert abs(np.mean(list(err.values()))) < 0.01
    ml = sem.fit(cfa, data)
    ml_err = np.array(list(_loading_errors(ml, sim.truth).values()))
    # attenuation: ML on the codes underestimates the y* loadings on average
    assert ml_err.mean() < -0.01
    assert (ml_err < 0).mean() > 0.75


def test_structural_paths_and_commitment_ranking(inst, n20000):
    sim, data = n20000
    truth = sim.truth
    ef = estimate_effects(data, inst.to_lavaan(), n_boot=0)
    err = _path_errors(ef.paths.assign(op="~"), truth)
    assert len(err) == 17
    worst = max(err, key=lambda k: abs(err[k]))
    assert abs(err[worst]) < 0.03, (worst, err[worst])
    tot = ef.effects[ef.effects.kind == "total"]
    for outcome in LOYALTY:
        est = tot[tot.outcome == outcome].set_index("predictor")["std.all"]
        true_rank = sorted(COMMITMENTS, key=lambda p: -abs(truth.total_effect(outcome, p)))
        est_rank = sorted(COMMITMENTS, key=lambda p: -abs(est[p]))
        assert est_rank == true_rank, (outcome, est_rank, true_rank)
        for p in COMMITMENTS:
            assert est[p] == pytest.approx(truth.total_effect(outcome, p), abs=0.03)
        top = ef.ranking.set_index("outcome").loc[outcome, "largest"]
        assert top == true_rank[0] == "affective"


def test_wlsmv_recovers_every_structural_path(inst, n20000):
    sim, data = n20000
    model = inst.to_lavaan()
    res = sem.fit(model, data, ordered=_items(model))
    assert res.converged
    err = _path_errors(res.estimates, sim.truth)
    worst = max(err, key=lambda k: abs(err[k]))
    assert abs(err[worst]) < 0.03, (worst, err[worst])
