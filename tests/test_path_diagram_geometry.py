"""The path diagram read back from its SVG (issue 17, red pen): no path runs through a
construct that is not one of its ends, no two coefficient labels overlap and no label covers a
construct, for every bundled instrument's structural model (with many coefficient patterns, by
p value and by interval), the report's diagram of the demo instrument, and generated study
models with mediators, outcomes that drive outcomes and constructs without roles."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from path_geometry import crossings, labels_on_nodes, overlaps, read

from instruments import load_instrument
from reports import figures

LIBRARY = sorted(p.stem for p in (Path(__file__).resolve().parent.parent / "instruments"
                                   / "library").glob("*.yaml"))
NAMES = ["Service quality", "Price fairness", "Staff friendliness", "Cleanliness", "Equipment",
         "Class variety", "Satisfaction", "Trust", "Commitment", "Renewal intention",
         "Word of mouth", "Churn risk"]


def _check(svg: str, what: str) -> None:
    geo = read(svg)
    assert geo["paths"] and geo["labels"] and len(geo["labels"]) == len(geo["paths"]), what
    assert crossings(geo) == [], f"{what}: a path runs through a construct: {crossings(geo)}"
    assert overlaps(geo) == [], f"{what}: coefficient labels overlap: {overlaps(geo)}"
    assert labels_on_nodes(geo) == [], f"{what}: a label covers a construct"


def _instrument_model(name: str, seed: int, interval: bool):
    inst = load_instrument(name)
    rng = random.Random(seed)
    used = ({p.outcome for p in inst.model.paths}
            | {x for p in inst.model.paths for x in p.predictors})
    cons = [{"id": c.id, "name": inst.text(c.name) if not isinstance(c.name, str) else c.name,
             "role": c.role.value} for c in inst.constructs if c.id in used]
    paths = []
    for p in inst.model.paths:
        for x in p.predictors:
            beta = round(rng.uniform(-.45, .75), 3)
            lo = beta - rng.uniform(.05, .4)
            paths.append({"from": x, "to": p.outcome, "beta": beta,
                          "p": rng.choice([.0004, .03, .2, .6]),
                          "ci": (lo, lo + rng.uniform(.1, .5)) if interval else None})
    return cons, paths, {p.outcome: rng.uniform(.1, .6) for p in inst.model.paths}


@pytest.mark.parametrize("name", LIBRARY)
def test_every_bundled_model_is_drawn_without_collisions(name):
    for seed in range(40):
        interval = seed % 2 == 1
        cons, paths, r2 = _instrument_model(name, seed, interval)
        svg = figures.path_diagram(cons, paths, r2, bounded=False,
                                   interval="95% bootstrap BCa CI" if interval else None)
        _check(svg, f"{name}, coefficients seed {seed}")


def test_the_reports_diagram_of_the_demo_instrument():
    """The diagram exactly as the report draws it (five_commitments, the demo's instrument)."""
    from analysis import ValidationSettings
    from analysis.responses.simulate import SimulationSettings, simulate
    from analysis.study import StudySettings, run_study
    from reports.report import render_report

    inst = load_instrument("five_commitments")
    sim = simulate(inst, SimulationSettings(n=500, seed=20150401))
    res = run_study(sim.data, inst, StudySettings(
        n_boot=0, n_jobs=1, progress=False,
        validation=ValidationSettings(htmt_n_boot=20, parallel_iter=5, method_factor=False)))
    html = render_report(res)
    svg = next(s for s in re.findall(r"<svg .*?</svg>", html, flags=re.S)
               if 'data-kind="path"' in s)
    _check(svg, "report: five_commitments")


def _study_model(seed: int):
    """A generated study model: 1-5 predictors, 0-3 mediators (chained at random), 1-3
    outcomes, sometimes an outcome driving another (same column) or no roles at all."""
    rng = random.Random(seed)
    n_pred, n_med, n_out = rng.randint(1, 5), rng.randint(0, 3), rng.randint(1, 3)
    ids = [f"c{k}" for k in range(n_pred + n_med + n_out)]
    roles = ["predictor"] * n_pred + ["mediator"] * n_med + ["outcome"] * n_out
    preds, meds, outs = ids[:n_pred], ids[n_pred:n_pred + n_med], ids[n_pred + n_med:]
    edges: set[tuple[str, str]] = set()
    for m_i, m in enumerate(meds):
        edges |= {(p, m) for p in preds if rng.random() < .7}
        edges |= {(m2, m) for m2 in meds[:m_i] if rng.random() < .4}
        if not any(e[1] == m for e in edges):
            edges.add((preds[0], m))
    for o in outs:
        edges |= {(x, o) for x in preds + meds if rng.random() < (.7 if x in meds else .5)}
        if not any(e[1] == o for e in edges):
            edges.add((preds[-1], o))
    cons = [{"id": i, "name": rng.choice(NAMES), "role": r} for i, r in zip(ids, roles,
                                                                            strict=True)]
    paths = [{"from": a, "to": b, "beta": round(rng.uniform(-.5, .8), 3),
              "p": rng.choice([.001, .02, .3])} for a, b in sorted(edges)]
    rng2 = random.Random(seed + 1000)
    if len(outs) >= 2 and rng2.random() < .6:
        paths.append({"from": outs[0], "to": outs[-1], "beta": .33, "p": .01})
    if rng2.random() < .3:
        for c in cons:
            c["role"] = None
    return cons, paths, {o: .3 for o in meds + outs}


def test_generated_study_models_are_drawn_without_collisions():
    for seed in range(100):
        cons, paths, r2 = _study_model(seed)
        _check(figures.path_diagram(cons, paths, r2), f"generated model {seed}")
