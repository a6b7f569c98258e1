"""Simulated respondents: the population model against closed forms, seeds, careless and missing."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from scipy import stats

from analysis.responses import read_responses, write_responses
from analysis.responses.simulate import (
    DefaultPopulationWarning,
    SimulationError,
    default_population,
    simulate,
    true_parameters,
)
from instruments import InstrumentError, load_instrument, parse_instrument
from instruments.checks import population_latent_correlations
from instruments.loader import resolve
from instruments.schema import ItemRole, Population
from reports.cli import main

COMMIT = ["affective", "normative", "economic", "forced", "habitual"]
# The bundled population, typed in again here (independent of the code that reads it).
PHI = np.array([[1, .45, .30, .20, .35],
                [.45, 1, .30, .25, .30],
                [.30, .30, 1, .40, .35],
                [.20, .25, .40, 1, .30],
                [.35, .30, .35, .30, 1]])
B_SAT = np.array([.40, .15, .15, -.20, .10])


@pytest.fixture(scope="module")
def inst():
    return load_instrument("five_commitments")


@pytest.fixture(scope="module")
def big(inst):
    return simulate(inst, n=20000, seed=11)


def test_truth_matches_closed_forms(inst):
    t = true_parameters(inst)
    assert t.exogenous == COMMIT
    assert t.endogenous == ["satisfaction", "repurchase", "recommendation",
                            "likelihood_to_recommend"]
    # R2 of satisfaction = b' Phi b; its residual variance makes Var(satisfaction) = 1
    r2 = B_SAT @ PHI @ B_SAT
    assert t.r_squared["satisfaction"] == pytest.approx(r2, abs=1e-12)
    assert t.residual_variances["satisfaction"] == pytest.approx(1 - r2, abs=1e-12)
    # total effects by path tracing: direct + via satisfaction
    assert t.total_effect("repurchase", "affective") == pytest.approx(.20 + .40 * .35)
    assert t.total_effect("recommendation", "forced") == pytest.approx(-.15 + -.20 * .35)
    assert t.total_effect("likelihood_to_recommend", "affective") == pytest.approx(
        .60 * (.25 + .40 * .35) + .20 * .40)
    eff = t.effects.set_index(["outcome", "predictor"])
    assert eff.loc[("repurchase", "affective"), "indirect"] == pytest.approx(.40 * .35)
    # affective has the largest positive total effect on satisfaction and loyalty among the
    # commitments, forced a negative one
    for outcome in ("satisfaction", "repurchase", "recommendation"):
        totals = {c: t.total_effect(outcome, c) for c in COMMIT}
        assert max(totals, key=totals.get) == "affective"
        assert totals["forced"] < 0
    # Corr(affective, satisfaction) = Phi[aff] . b
    assert t.correlations.loc["affective", "satisfaction"] == pytest.approx(PHI[0] @ B_SAT)
    assert np.allclose(np.diag(t.correlations), 1)
    lo = t.loadings.set_index("item")
    assert lo.loc["aff_01", "loading"] == .82 and lo.loc["aff_04r", "raw_loading"] == -.65
    assert set(lo.index) == {i.id for c in inst.measured_constructs()
                             for i in inst.measurement_items(c)}
    assert ((lo.loading >= .6) & (lo.loading <= .9)).all()
    json.dumps(t.to_dict())  # plain serialisable data


def test_two_independent_implementations_of_the_latent_correlations_agree(inst):
    ids, S, problems = population_latent_correlations(inst)  # incremental, in checks.py
    t = true_parameters(inst)  # matrix algebra, (I - B)^-1 Psi (I - B)^-T
    assert not problems
    assert np.allclose(t.correlations.loc[ids, ids].to_numpy(), S, atol=1e-12)


def test_latent_scores_are_standardized_including_endogenous(big):
    sd = big.latent.std()
    assert np.allclose(sd, 1, atol=0.02), sd
    emp = big.latent.corr()
    assert np.allclose(emp.to_numpy(), big.truth.correlations.loc[emp.index, emp.columns],
                       atol=0.025)


def test_structural_paths_recovered_from_latent_scores(big):
    lat = big.latent
    X = lat[COMMIT].to_numpy()
    beta, *_ = np.linalg.lstsq(np.c_[np.ones(len(X)), X], lat["satisfaction"].to_numpy(),
                               rcond=None)
    assert np.allclose(beta[1:], B_SAT, atol=0.02), beta


def test_categories_follow_the_thresholds(inst, big):
    t = big.truth
    # aff_01: default rule center .6, spread .2 on 1..7 -> code = round(4.6 + 1.2 y*)
    tau = np.array(t.thresholds["aff_01"])
    assert np.allclose(tau, [(c + .5 - 4.6) / 1.2 for c in range(1, 7)])
    expected = np.diff(np.r_[0, stats.norm.cdf(tau), 1])
    observed = big.data.items["aff_01"].value_counts(normalize=True).reindex(
        range(1, 8), fill_value=0).to_numpy()
    assert np.allclose(observed, expected, atol=0.012)
    # reverse-keyed: raw codes are min + max - scored, so P(raw = 8 - c) = P(scored = c)
    tau_r = np.array(t.thresholds["aff_04r"])
    exp_r = np.diff(np.r_[0, stats.norm.cdf(tau_r), 1])[::-1]
    obs_r = big.data.items["aff_04r"].value_counts(normalize=True).reindex(
        range(1, 8), fill_value=0).to_numpy()
    assert np.allclose(obs_r, exp_r, atol=0.012)


def test_item_pairs_follow_the_bivariate_normal_of_the_model(big):
    """P(both items above a cut) against the bivariate normal with rho = lambda1 * lambda2 (same
    construct) or lambda1 * lambda2 * phi (different constructs)."""
    t = big.truth
    items = big.data.items
    for a, b in [("aff_01", "aff_02"), ("aff_01", "sat_01"), ("for_02", "rep_01")]:
        ca, cb = (t.loadings.set_index("item").loc[x, "construct"] for x in (a, b))
        rho = t.loading(a) * t.loading(b) * t.correlations.loc[ca, cb]
        ka, kb = 4, 4  # cut between codes of index 4 and 5 (scored direction, no reversals)
        ta, tb = t.thresholds[a][ka], t.thresholds[b][kb]
        p_both = stats.multivariate_normal([0, 0], [[1, rho], [rho, 1]]).cdf([-ta, -tb])
        codes_a = sorted(items[a].dropna().unique())
        codes_b = sorted(items[b].dropna().unique())
        obs = ((items[a] > codes_a[ka]) & (items[b] > codes_b[kb])).mean()
        assert obs == pytest.approx(p_both, abs=0.012), (a, b)


def test_segmenting_items_follow_their_distributions(big):
    tenure = big.data.items["tenure"].value_counts(normalize=True).sort_index().to_numpy()
    assert np.allclose(tenure, [.15, .30, .35, .20], atol=0.012)
    industry = big.data.items["industry"].value_counts(normalize=True).sort_index().to_numpy()
    assert np.allclose(industry, [.45, .55], atol=0.012)
    share = big.data.items["share_of_category"]
    assert share.between(0, 100).all() and abs(share.mean() - 55) < 1.5
    # patronage y* = .35 repurchase + .25 habitual + .15 forced + error, so its correlation with
    # repurchase is w' R[:, repurchase] (clipping to 0..100 attenuates it slightly)
    R = big.truth.correlations
    expected = sum(w * R.loc[c, "repurchase"] for c, w in
                   {"repurchase": .35, "habitual": .25, "forced": .15}.items())
    r = np.corrcoef(share, big.latent["repurchase"])[0, 1]
    assert r == pytest.approx(expected, abs=0.03)


def test_attention_checks(inst, big):
    items = big.data.items
    assert (items["att_01"] == 3).mean() == pytest.approx(.99, abs=0.005)
    assert items["att_02"].isin([1, 2]).mean() == pytest.approx(.99, abs=0.005)


def test_same_seed_same_bytes_different_seed_different(inst, tmp_path):
    paths = []
    for k, seed in enumerate([7, 7, 8]):
        sim = simulate(inst, n=200, seed=seed, straightliners=.1, random_responders=.1,
                       missing=.05)
        p = tmp_path / f"s{k}.csv"
        write_responses(sim.data, p, inst)
        paths.append(hashlib.sha256(p.read_bytes()).hexdigest())
    assert paths[0] == paths[1] != paths[2]


def test_careless_respondents(inst):
    sim = simulate(inst, n=1000, seed=3, straightliners=.07, random_responders=.05)
    kind = sim.respondent_type
    assert (kind == "straightliner").sum() == 70 and (kind == "random").sum() == 50
    agree = [i.id for i in inst.items() if inst.item_scale(i).id == "agree7"]
    straight = sim.data.items.loc[kind == "straightliner", agree]
    assert (straight.nunique(axis=1) == 1).all()
    rnd = sim.data.items.loc[kind == "random", agree].to_numpy().ravel()
    counts = np.bincount(rnd.astype(int), minlength=8)[1:]
    assert stats.chisquare(counts).pvalue > .001
    dur = sim.data.meta.duration_s
    assert dur[kind != "attentive"].median() < dur[kind == "attentive"].median() / 2


def test_missingness_mcar_and_mar(inst):
    mcar = simulate(inst, n=3000, seed=5, missing=.10)
    checks = [i.id for i in inst.items() if i.role == ItemRole.attention_check]
    items = mcar.data.items
    assert items[checks].notna().all().all()
    rate = items.drop(columns=checks).isna().mean().mean()
    assert rate == pytest.approx(.10, abs=0.006)
    mar = simulate(inst, n=3000, seed=5, missing=.10, missing_mechanism="mar")
    items = mar.data.items
    driver = "industry"  # the first segmenting item is the default driver
    assert items[driver].notna().all()
    others = items.drop(columns=checks + [driver])
    assert others.isna().mean().mean() == pytest.approx(.10, abs=0.006)
    row_missing = others.isna().mean(axis=1)
    assert row_missing[items[driver] == 2].mean() > 1.5 * row_missing[items[driver] == 1].mean()


def test_settings_are_checked(inst):
    with pytest.raises(SimulationError, match="straightliners"):
        simulate(inst, n=10, straightliners=1.5)
    with pytest.raises(SimulationError, match="n must be"):
        simulate(inst, n=0)
    bare = inst.model_copy(update={"population": None})
    with pytest.warns(DefaultPopulationWarning, match="no 'population' section"):
        default = simulate(bare, n=10)
    assert default.truth.loading("aff_01") == .75 and default.truth.loading("aff_04r") == .65
    sim = simulate(bare, n=50, seed=1, population=Population())  # all defaults
    assert sim.truth.loading("aff_01") == .75 and sim.truth.loading("aff_04r") == .65


def test_simulated_data_reads_back_without_problems(inst, tmp_path):
    sim = simulate(inst, n=300, seed=2, straightliners=.05, random_responders=.05, missing=.05)
    p = tmp_path / "sim.csv"
    write_responses(sim.data, p, inst, missing="code")
    back = read_responses(p, inst)
    assert back.log == []
    assert back.items.equals(sim.data.items)
    assert back.source.missing_codes  # missing answers were written as -99
    for col in ("language", "started_at", "ended_at", "display_order", "duration_s"):
        assert back.meta[col].tolist() == sim.data.meta[col].tolist(), col


# ---- population checks in the instrument file ---------------------------------------------------


def _broken(old: str, new: str) -> tuple[list[str], str]:
    _, text = resolve("five_commitments")
    assert old in text, old
    text = text.replace(old, new, 1)
    with pytest.raises(InstrumentError) as exc:
        parse_instrument(text, "pop.yaml")
    return [str(p) for p in exc.value.problems], text


def _line(text: str, needle: str) -> int:
    """Line of the first ``needle`` inside the population section."""
    lines = text.splitlines()
    start = lines.index("population:")
    return next(n for n, line in enumerate(lines, 1) if n > start and needle in line)


def test_population_loading_for_unknown_item():
    problems, text = _broken("    aff_01: 0.82\n", "    aff_01: 0.82\n    aff_99: 0.7\n")
    assert any(p.startswith(f"pop.yaml:{_line(text, 'aff_99: 0.7')}:") and "aff_99" in p
               for p in problems), problems


def test_population_loading_out_of_range():
    problems, text = _broken("    aff_02: 0.80\n", "    aff_02: 1.20\n")
    assert any(p.startswith(f"pop.yaml:{_line(text, 'aff_02: 1.20')}:")
               and "between 0 and 1" in p for p in problems), problems


def test_population_effects_explaining_too_much():
    old = "      effects: {affective: 0.40, normative: 0.15"
    problems, text = _broken(old, "      effects: {affective: 0.95, normative: 0.55")
    line = _line(text, "- outcome: satisfaction")
    assert any(p.startswith(f"pop.yaml:{line}:") and "'satisfaction'" in p and
               "must be below 1" in p for p in problems), problems


def test_population_correlations_not_positive_definite():
    problems, _ = _broken("{constructs: [affective, normative], r: 0.45}",
                          "{constructs: [affective, normative], r: 0.99}\n"
                          "    - {constructs: [normative, forced], r: -0.99}\n"
                          "    - {constructs: [affective, forced], r: 0.99}")
    assert any("positive-definite" in p or "given twice" in p for p in problems), problems


def test_population_probabilities_must_match_the_scale():
    problems, text = _broken("      probabilities: [0.15, 0.30, 0.35, 0.20]",
                             "      probabilities: [0.5, 0.5]")
    assert any(p.startswith(f"pop.yaml:{_line(text, 'probabilities: [0.5, 0.5]')}:")
               and "2 probabilities for the 4 codes" in p for p in problems), problems


def test_population_correlation_of_an_outcome():
    problems, _ = _broken("{constructs: [affective, economic], r: 0.30}",
                          "{constructs: [affective, satisfaction], r: 0.30}")
    assert any("'satisfaction' is an outcome" in p for p in problems), problems


# ---- command line --------------------------------------------------------------------------------


def test_cli_simulate_writes_responses_and_truth(tmp_path, capsys):
    out, truth = tmp_path / "r.csv", tmp_path / "truth.json"
    code = main(["simulate", "five_commitments", "--n", "120", "--seed", "7", "-o", str(out),
                 "--straightliners", "0.1", "--truth", str(truth)])
    assert code == 0
    assert "wrote 120 simulated respondents" in capsys.readouterr().out
    assert read_responses(out, "five_commitments").n == 120
    assert json.loads(truth.read_text())["paths"][0]["outcome"] == "satisfaction"


def test_cli_simulate_bad_setting_exits_2(tmp_path, capsys):
    code = main(["simulate", "five_commitments", "--n", "10", "-o", str(tmp_path / "r.csv"),
                 "--random-responders", "2"])
    assert code == 2
    assert "random_responders is a fraction" in capsys.readouterr().err


def test_display_order_is_what_the_html_survey_shows(inst):
    from instruments.survey import display_order

    sim = simulate(inst, n=30, seed=6)
    for rid in sim.data.ids[::7]:
        assert sim.data.meta.loc[rid, "display_order"] == display_order(inst, rid)


def test_own_instrument_without_population_simulates_the_documented_default(tmp_path, capsys):
    """`engagekit simulate` on an own instrument without a population section: a warning
    (not Python advice) and the default population of default_population's docstring."""
    from pathlib import Path

    from instruments import load_instrument
    from reports.cli import main

    gym = (Path(__file__).parent / "fixtures" / "gym" / "gym.yaml").read_text(encoding="utf-8")
    own = tmp_path / "gym.yaml"
    own.write_text(gym[: gym.index("\npopulation:")] + "\n", encoding="utf-8")
    inst = load_instrument(own)
    assert inst.population is None
    out = tmp_path / "r.csv"
    truth = tmp_path / "truth.json"
    assert main(["simulate", str(own), "--n", "200", "--seed", "3", "-o", str(out),
                 "--truth", str(truth)]) == 0
    err = capsys.readouterr().err
    assert "warning: instrument 'gym' has no 'population' section" in err
    assert "default population" in err and "Population()" not in err
    assert read_responses(out, inst).n == 200
    pop = default_population(inst)
    t = true_parameters(inst, population=pop)
    assert t.loading("aff_1") == .75 and t.loading("aff_4r") == .65
    # exogenous constructs correlate .30; a 3-predictor path has effects .30/sqrt(3)
    assert {c.r for c in pop.correlations} == {.30}
    assert {tuple(sorted(c.constructs)) for c in pop.correlations} == {
        ("affective", "forced"), ("affective", "habitual"), ("forced", "habitual")}
    sat = next(p for p in pop.paths if p.outcome == "satisfaction")
    assert sat.effects == pytest.approx({c: .30 / 3 ** .5 for c in
                                         ("affective", "habitual", "forced")})
