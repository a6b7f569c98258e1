"""Scoring against hand-computed values: reverse keys, scale scores, NPS, 0-100 index, Dick & Basu."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from analysis.responses import write_responses
from analysis.responses.scoring import (
    ScoringError,
    ScoringSettings,
    net_promoter,
    reverse_keyed,
    scale_scores,
    score_responses,
)
from analysis.responses.simulate import simulate
from instruments import load_instrument
from instruments.schema import DickBasuRule, Index100Rule, NPSRule
from reports.cli import main

NAN = float("nan")


@pytest.fixture(scope="module")
def inst():
    return load_instrument("five_commitments")


def _frame(inst, rows: list[dict]) -> pd.DataFrame:
    ids = [i.id for i in inst.items()]
    return pd.DataFrame([{i: r.get(i, NAN) for i in ids} for r in rows],
                        index=[f"r{k}" for k in range(len(rows))], dtype=float)


def test_reverse_keys_come_from_the_declared_scale_not_the_data(inst):
    # everyone answered 6 or 7 on aff_04r: reversal is 8 - x on the 1..7 scale regardless
    items = _frame(inst, [{"aff_04r": 7}, {"aff_04r": 6}, {"aff_04r": 7}])
    rev = reverse_keyed(items, inst)
    assert rev["aff_04r"].tolist() == [1, 2, 1]
    assert items["aff_04r"].tolist() == [7, 6, 7]  # input untouched


def test_scale_scores_and_the_minimum_answered_rule(inst):
    items = _frame(inst, [
        {"aff_01": 7, "aff_02": 6, "aff_03": 5, "aff_04r": 2},  # 7, 6, 5, 6 -> 6
        {"aff_01": 7, "aff_02": 5, "aff_04r": 1},  # 3 of 4 answered: (7 + 5 + 7) / 3
        {"aff_01": 7, "aff_02": 5},  # 2 of 4 < ceil(2/3 * 4) = 3: missing
        {"sat_01": 10, "sat_02": 4},  # 2 of 3 = ceil(2/3 * 3): (10 + 4) / 2
        {"rec_01": 3},  # 1 of 2 < ceil(4/3) = 2: missing
    ])
    s = scale_scores(items, inst)
    assert s.loc["r0", "affective"] == 6
    assert s.loc["r1", "affective"] == pytest.approx(19 / 3)
    assert math.isnan(s.loc["r2", "affective"])
    assert s.loc["r3", "satisfaction"] == 7
    assert math.isnan(s.loc["r4", "recommendation"])
    assert s.loc["r4", "likelihood_to_recommend"] != s.loc["r4", "likelihood_to_recommend"]
    loose = scale_scores(items, inst, min_answered=0.5)
    assert loose.loc["r2", "affective"] == 6 and loose.loc["r4", "recommendation"] == 3
    assert set(s.columns) == {c.id for c in inst.measured_constructs()}
    with pytest.raises(ScoringError, match="min_answered"):
        scale_scores(items, inst, min_answered=0)


def test_nps_closed_form():
    # 5 promoters (9, 10), 3 passives (7, 8), 2 detractors (0..6) and one missing
    v = pd.Series([10, 9, 9, 10, 9, 7, 8, 8, 6, 0, NAN])
    r = net_promoter(v, "nps", "ltr")
    assert (r.n, r.n_promoters, r.n_passives, r.n_detractors) == (10, 5, 3, 2)
    assert r.nps == pytest.approx(30.0)
    se = 100 * math.sqrt((.5 + .2 - .3 ** 2) / 10)
    assert r.se == pytest.approx(se)
    assert r.ci_low == pytest.approx(30 - 1.959963984540054 * se)
    assert (r.pct_promoters, r.pct_passives, r.pct_detractors) == (50, 30, 20)
    assert net_promoter(pd.Series([6, 5, 0])).nps == -100
    assert net_promoter(pd.Series([9, 10])).nps == 100
    assert net_promoter(pd.Series([7, 8])).nps == 0


def test_index_0_100_closed_form(inst):
    items = _frame(inst, [
        {"sat_01": 10, "sat_02": 10, "sat_03": 10},  # 100
        {"sat_01": 1, "sat_02": 1, "sat_03": 1},  # 0
        {"sat_01": 10, "sat_02": 1, "sat_03": 4},  # (100 + 0 + 33.33) / 3
        {"sat_01": 7, "sat_02": 4},  # two of three answered: (66.67 + 33.33) / 2
        {"sat_01": 7},  # one of three: missing
    ])
    sc = score_responses(items, inst)
    acsi = sc.scores["acsi"]
    assert acsi.iloc[:4].tolist() == pytest.approx([100, 0, 400 / 9, 50])
    assert math.isnan(acsi.iloc[4])
    res = sc.indices["acsi"]
    assert res.n == 4 and res.mean == pytest.approx((100 + 0 + 400 / 9 + 50) / 4)
    # explicit weights, renormalised: (2 * 100 + 1 * 0 + 1 * 33.33) / 4
    rule = Index100Rule(kind="index_0_100", id="w", items=["sat_01", "sat_02", "sat_03"],
                        weights=[2, 1, 1])
    inst_w = inst.model_copy(update={"scoring": [rule]})
    assert score_responses(items, inst_w).scores["w"].iloc[2] == pytest.approx(700 / 12)


def test_dick_basu_segments_median_and_midpoint(inst):
    # attitude = affective score; patronage = share_of_category (0-100)
    rows = []
    for aff, share in [(7, 90), (6, 80), (6, 10), (7, 20), (2, 95), (3, 85), (1, 5), (2, 15),
                       (4, 50), (NAN, 60)]:
        rows.append({"aff_01": aff, "aff_02": aff, "aff_03": aff,
                     "aff_04r": NAN if aff != aff else 8 - aff, "share_of_category": share})
    items = _frame(inst, rows)
    sc = score_responses(items, inst)  # the rule's cut: median
    seg = sc.scores["loyalty_segment"]
    res = sc.segments["loyalty_segment"]
    # medians over the 9 respondents with both: attitude median 4, share median 50
    assert (res.attitude_cut, res.patronage_cut) == (4, 50)
    assert seg.tolist()[:9] == ["premium_loyalty", "premium_loyalty", "latent_loyalty",
                                "latent_loyalty", "spurious_loyalty", "spurious_loyalty",
                                "no_loyalty", "no_loyalty", "no_loyalty"]  # ties count low
    assert seg.iloc[9] is None
    assert res.counts == {"premium_loyalty": 2, "latent_loyalty": 2, "spurious_loyalty": 2,
                          "no_loyalty": 3}
    assert res.n == 9 and res.n_unsegmented == 1
    assert res.percent["no_loyalty"] == pytest.approx(100 / 3)
    mid = score_responses(items, inst, cut="midpoint").segments["loyalty_segment"]
    assert (mid.attitude_cut, mid.patronage_cut, mid.cut) == (4, 50, "midpoint")
    explicit = score_responses(items, inst, attitude_cut=6.5, patronage_cut=70)
    assert explicit.segments["loyalty_segment"].counts == {
        "premium_loyalty": 1, "latent_loyalty": 1, "spurious_loyalty": 3, "no_loyalty": 4}


def test_rules_drive_scoring_whatever_the_instrument(inst):
    """A differently named instrument with other rules: nothing depends on ids."""
    other = inst.model_copy(update={
        "id": "another_study",
        "scoring": [NPSRule(kind="nps", id="rec_nps", item="ltr"),
                    DickBasuRule(kind="dick_basu", id="seg2", attitude="satisfaction",
                                 patronage="repurchase", cut="midpoint")]})
    items = _frame(inst, [{"ltr": 10, "sat_01": 9, "sat_02": 9, "sat_03": 9, "rep_01": 2,
                           "rep_02": 2, "rep_03r": 6}])
    sc = score_responses(items, other)
    assert sc.nps["rec_nps"].nps == 100 and set(sc.indices) == set()
    assert sc.scores["seg2"].iloc[0] == "latent_loyalty"  # sat 9 > 5.5, repurchase 2 < 4
    assert sc.segments["seg2"].attitude_cut == 5.5


def test_scoring_simulated_data(inst):
    sim = simulate(inst, n=3000, seed=4)
    sc = score_responses(sim.data, inst)
    # the ACSI index tracks true satisfaction; affective score tracks true affective commitment
    assert np.corrcoef(sc.scores["acsi"], sim.latent["satisfaction"])[0, 1] > .85
    assert np.corrcoef(sc.scores["affective"], sim.latent["affective"])[0, 1] > .85
    # NPS from the population rule: code = round(7.2 + 2 y*) on 0..10 -> P(>= 9) = P(y* > .65)
    from scipy import stats

    p_promoter = 1 - stats.norm.cdf((8.5 - 7.2) / 2)
    p_detractor = stats.norm.cdf((6.5 - 7.2) / 2)
    assert sc.nps["nps"].nps == pytest.approx(100 * (p_promoter - p_detractor), abs=3)
    seg = sc.segments["loyalty_segment"]
    assert sum(seg.counts.values()) == seg.n == 3000
    # attitude and patronage correlate positively, so the diagonal segments are larger
    assert seg.counts["premium_loyalty"] > seg.counts["latent_loyalty"]
    assert seg.counts["no_loyalty"] > seg.counts["spurious_loyalty"]
    json.dumps(sc.to_dict())


def test_settings_are_checked(inst):
    items = _frame(inst, [{"aff_01": 4}])
    with pytest.raises(ScoringError, match="cut must be"):
        score_responses(items, inst, cut="tertile")
    with pytest.raises(ScoringError, match="no column for item"):
        score_responses(items.drop(columns=["aff_02"]), inst)
    assert ScoringSettings().min_answered == pytest.approx(2 / 3)


def test_cli_score(tmp_path, inst, capsys):
    sim = simulate(inst, n=200, seed=9)
    p = tmp_path / "r.csv"
    write_responses(sim.data, p, inst)
    out = tmp_path / "scores.csv"
    assert main(["responses", "score", str(p), "-i", "five_commitments", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "nps: NPS" in text and "premium loyalty" in text
    scores = pd.read_csv(out, index_col=0)
    assert len(scores) == 200 and "acsi" in scores and "loyalty_segment" in scores
    assert main(["responses", "score", str(p), "-i", "five_commitments", "--cut",
                 "midpoint"]) == 0
    assert "midpoint split at 4 / 50" in capsys.readouterr().out
