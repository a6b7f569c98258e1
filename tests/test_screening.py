"""Careless-response screening: each index against hand-computed values, and planted careless
respondents in simulated data (hit rates and false alarms)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import mahalanobis as scipy_mahalanobis

from analysis.responses import read_responses, write_responses
from analysis.responses.screening import (
    DEFAULT_EXCLUDE,
    RULES,
    ScreeningError,
    attention_failures,
    duplicates,
    even_odd,
    irv,
    longstring,
    mahalanobis,
    screen,
)
from analysis.responses.simulate import simulate
from instruments import load_instrument
from reports.cli import main

NAN = float("nan")


@pytest.fixture(scope="module")
def inst():
    return load_instrument("five_commitments")


def _frame(inst, rows: list[dict]) -> pd.DataFrame:
    ids = [i.id for i in inst.items()]
    return pd.DataFrame([{i: r.get(i, NAN) for i in ids} for r in rows],
                        index=[f"r{k}" for k in range(len(rows))], dtype=float)


def test_attention_failures(inst):
    items = _frame(inst, [{"att_01": 3, "att_02": 1}, {"att_01": 4, "att_02": 2},
                          {"att_01": 7, "att_02": 7}, {"att_02": 1}])
    fails, counted = attention_failures(items, inst)
    assert fails.tolist() == [0, 1, 2, 0] and counted.tolist() == [2, 2, 2, 1]
    fails, counted = attention_failures(items, inst, missing_fails=True)
    assert fails.tolist() == [0, 1, 2, 1] and counted.tolist() == [2, 2, 2, 2]


def test_longstring_follows_the_display_order(inst):
    items = _frame(inst, [
        {"aff_01": 4, "aff_02": 4, "aff_03": 4, "nor_01": 5, "nor_02": 5},
        {"aff_01": 4, "aff_02": 4, "aff_03": 4, "nor_01": 5, "nor_02": 5},
        {"aff_01": 2, "aff_03": 2, "aff_04r": 2, "nor_01": 5},  # unanswered aff_02 ends a run
    ])
    orders = [["aff_01", "aff_02", "aff_03", "nor_01", "nor_02"],
              ["aff_01", "nor_01", "aff_02", "nor_02", "aff_03"],
              None]
    runs, answered = longstring(items, inst, orders)
    assert runs.tolist() == [3, 1, 2] and answered.tolist() == [5, 5, 4]


def test_irv_is_the_within_person_sd_on_a_0_1_scale(inst):
    items = _frame(inst, [{"aff_01": 1, "aff_02": 7, "aff_03": 4},
                          {"aff_01": 5, "aff_02": 5, "aff_03": 5, "sat_01": 7},  # 4/6 vs 6/9
                          {"aff_01": 1, "aff_02": 7}])  # fewer than 3 answers
    v = irv(items, inst)
    assert v.iloc[0] == pytest.approx(math.sqrt(1 / 6))
    assert v.iloc[1] == pytest.approx(0.0)
    assert math.isnan(v.iloc[2])


def test_mahalanobis_matches_scipy(inst):
    sim = simulate(inst, n=400, seed=21)
    items = sim.data.items
    md = mahalanobis(items, inst)
    ids = [i.id for c in inst.measured_constructs() for i in inst.measurement_items(c)]
    X = items[ids].to_numpy()
    mu, VI = X.mean(axis=0), np.linalg.inv(np.cov(X, rowvar=False))
    for r in (0, 17, 399):
        d2 = scipy_mahalanobis(X[r], mu, VI) ** 2
        assert md["mahalanobis_d2"].iloc[r] == pytest.approx(d2, rel=1e-9)
        assert md["mahalanobis_p"].iloc[r] == pytest.approx(stats.chi2.sf(d2, len(ids)))
    # a respondent with missing answers is measured over the items answered (df = answered)
    items2 = items.copy()
    items2.iloc[5, items2.columns.get_loc("aff_01")] = NAN
    md2 = mahalanobis(items2, inst)
    assert md2["mahalanobis_df"].iloc[5] == len(ids) - 1
    sub = [i for i in ids if i != "aff_01"]
    X2 = items2[ids].to_numpy()
    complete = ~np.isnan(X2).any(axis=1)
    S = np.cov(X2[complete], rowvar=False)
    keep = [ids.index(i) for i in sub]
    d = items2[sub].to_numpy()[5] - X2[complete].mean(axis=0)[keep]
    assert md2["mahalanobis_d2"].iloc[5] == pytest.approx(
        d @ np.linalg.inv(S[np.ix_(keep, keep)]) @ d)


def _halves(inst, odd: list[float], even: list[float]) -> dict:
    """Answers giving these odd/even half-means (0-1 scale) to affective .. habitual."""
    row = {}
    for c, o, e in zip(["affective", "normative", "economic", "forced"], odd, even,
                       strict=True):
        ids = [i.id for i in inst.measurement_items(inst.construct(c))]
        for k, iid in enumerate(ids):
            score = 1 + 6 * (o if k % 2 == 0 else e)
            row[iid] = 8 - score if inst.item(iid).keyed == "minus" else score
    return row


def test_even_odd_consistency(inst):
    odd = [0, .5, 1, 1 / 6]
    items = _frame(inst, [_halves(inst, odd, odd),
                          _halves(inst, odd, [1 - x for x in odd]),
                          _halves(inst, odd, [1 / 6, .5, 1, 0])])
    eo = even_odd(items, inst)
    assert eo["even_odd_constructs"].tolist() == [4, 4, 4]
    assert eo["even_odd"].iloc[0] == pytest.approx(1.0)
    assert eo["even_odd"].iloc[1] == pytest.approx(-1.0)  # negative: reported uncorrected
    r = np.corrcoef(odd, [1 / 6, .5, 1, 0])[0, 1]
    assert eo["even_odd"].iloc[2] == pytest.approx(2 * r / (1 + r))


def test_duplicates_flag_later_copies_only(inst):
    row = {i.id: 4 for i in inst.items()[:12]}
    items = _frame(inst, [row, {**row, "aff_01": 5}, row, {"aff_01": 4}, {"aff_01": 4}])
    assert duplicates(items).tolist() == [None, None, "r0", None, "r3"]
    res = screen(items, inst)
    assert res.flags["duplicate"].tolist() == [False, False, True, False, False]  # >= 10 items


def test_speeders_relative_to_the_median(inst):
    sim = simulate(inst, n=10, seed=1)
    data = sim.data
    data.meta["duration_s"] = [300.0] * 8 + [149.0, 151.0]
    res = screen(data, inst)
    assert res.flags["speeder"].tolist() == [False] * 8 + [True, False]
    assert res.metrics["speed_ratio"].iloc[8] == pytest.approx(149 / 300)
    res = screen(data, inst, speed_fraction=None)
    assert not res.flags["speeder"].any()


def test_bare_frame_without_times_says_so(inst):
    sim = simulate(inst, n=50, seed=2)
    res = screen(sim.data.items, inst)
    assert any(n.startswith("speeder: no completion times") for n in res.notes)
    with pytest.raises(ScreeningError, match="bare DataFrame"):
        res.kept()


@pytest.mark.parametrize("careless_seconds", [1.5, 6.0], ids=["fast", "not-faster"])
def test_planted_careless_respondents_are_found(inst, careless_seconds):
    """2,000 respondents, 10% straightliners and 10% random responders (seeded). When careless
    respondents are not faster than attentive ones, the answer patterns alone must find them."""
    sim = simulate(inst, n=2000, seed=2024, straightliners=.10, random_responders=.10,
                   careless_seconds_per_item=careless_seconds)
    kind = sim.respondent_type
    res = screen(sim.data, inst)
    ex = res.flags["excluded"]
    attentive = kind == "attentive"
    assert ex[kind == "straightliner"].mean() >= .90
    assert ex[kind == "random"].mean() >= .90
    assert ex[~attentive].mean() >= .90
    assert ex[attentive].mean() < .05
    for rule in RULES:  # no single rule flags 5% or more of attentive respondents
        assert res.flags.loc[attentive, rule].mean() < .05, rule
    c = res.counts()
    assert c["n_read"] == 2000 and c["n_kept"] + c["n_excluded"] == 2000
    assert c["n_kept"] == res.kept().n and set(res.excluded_ids).isdisjoint(res.kept().ids)


def test_exclusion_settings_are_explicit(inst):
    sim = simulate(inst, n=500, seed=8, straightliners=.1, random_responders=.1)
    default = screen(sim.data, inst)
    assert default.settings.exclude_rules == DEFAULT_EXCLUDE
    only_attention = screen(sim.data, inst, exclude_rules=("attention",))
    assert only_attention.flags["excluded"].equals(only_attention.flags["attention"])
    two = screen(sim.data, inst, min_flags=2)
    assert two.n_excluded <= default.n_excluded
    assert (two.flags["excluded"] == (two.flags[list(DEFAULT_EXCLUDE)].sum(axis=1) >= 2)).all()
    none = screen(sim.data, inst, exclude_rules=())
    assert none.n_excluded == 0 and none.n_flagged_any > 0  # flags without exclusions
    with pytest.raises(ScreeningError, match="unknown screening rule"):
        screen(sim.data, inst, exclude_rules=("vibes",))
    json.dumps(default.to_dict())
    assert "excluded" in default.summary()


def test_cli_screen(tmp_path, inst, capsys):
    sim = simulate(inst, n=300, seed=5, straightliners=.1, random_responders=.1)
    p = tmp_path / "r.csv"
    write_responses(sim.data, p, inst)
    flags, kept = tmp_path / "flags.csv", tmp_path / "kept.csv"
    assert main(["responses", "screen", str(p), "-i", "five_commitments", "-o", str(flags),
                 "--kept", str(kept)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("300 respondents screened")
    table = pd.read_csv(flags, index_col=0)
    assert {"excluded", "longstring", "mahalanobis_p"} <= set(table.columns)
    back = read_responses(kept, inst)
    assert back.n == int((~table["excluded"]).sum())
    assert main(["responses", "screen", str(p), "-i", "five_commitments", "--exclude-rules",
                 "vibes"]) == 2
    assert main(["responses", "score", str(p), "-i", "five_commitments",
                 "--exclude-flagged"]) == 0
    assert "kept:" in capsys.readouterr().out
