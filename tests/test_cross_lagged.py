"""Cross-lagged panel models: lavaan parity, the chi-bar-square test, recovery on a simulated
five-commitment panel, bad input.

Reference numbers: ``tests/data/riclpm_reference.json``, written by

    Rscript tests/data/riclpm_reference.R > tests/data/riclpm_reference.json

(lavaan 0.6-14; the Hamaker et al. 2015 lavaan() syntax of the RI-CLPM and the CLPM on the
scale scores in ``riclpm_panel.csv``, listwise and FIML; Mulder & Hamaker's 2021
multiple-indicator RI-CLPM on ``riclpm_items.csv``). The data come from engagekit's panel
simulator (the call is in the R file).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.responses.simulate_panel import simulate_panel
from analysis.sem import fit
from analysis.sem.standardized import standardized_solution
from analysis.structural.cross_lagged import (
    CrossLaggedError,
    CrossLaggedResult,
    chibar_pvalue,
    cross_lagged,
    cross_lagged_from_responses,
    riclpm_syntax,
    wide_panel,
)

DATA = Path(__file__).parent / "data"
REF = json.loads((DATA / "riclpm_reference.json").read_text())
PAIR = ["affective", "repurchase"]
ITEMS = {"affective": ["aff_01", "aff_02", "aff_03"], "repurchase": ["rep_01", "rep_02", "rep_03r"]}
FIT = ["npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
       "rmsea.ci.upper", "srmr", "logl", "aic", "bic", "ntotal"]


@pytest.fixture(scope="module")
def panel():
    return pd.read_csv(DATA / "riclpm_panel.csv", index_col="respondent_id")


@pytest.fixture(scope="module")
def items():
    return pd.read_csv(DATA / "riclpm_items.csv", index_col="respondent_id")


CASES = {  # reference key: (data fixture, random intercepts, missing, waves, indicators)
    "riclpm": ("panel", True, "listwise", 4, None),
    "clpm": ("panel", False, "listwise", 4, None),
    "riclpm_fiml": ("panel", True, "ml", 4, None),
    "clpm_fiml": ("panel", False, "ml", 4, None),
    "latent": ("items", True, "listwise", 3, ITEMS),
}


@pytest.mark.parametrize("key", list(CASES))
def test_lavaan_parity(key, request):
    """Every parameter (est, se, z, CI, std.all), the standardized solution's delta-method SE
    and the fit measures agree with lavaan to 1e-3 (in fact ~1e-6)."""
    name, ri, missing, waves, indicators = CASES[key]
    data = request.getfixturevalue(name)
    res = fit(riclpm_syntax(PAIR, waves, indicators=indicators, random_intercepts=ri), data,
              missing=missing, meanstructure=True)
    assert res.converged
    ref = pd.DataFrame(REF[key]["estimates"])
    ours = res.estimates
    m = ref.merge(ours, on=["lhs", "op", "rhs"], suffixes=("_r", "_p"), how="left")
    assert not m["est_p"].isna().any(), "a lavaan parameter is missing from our table"
    # our table has only the explicit zero covariances of the random intercepts with the
    # wave-1 within components beyond lavaan's (lavaan() adds none by default)
    extra = ours.merge(ref, on=["lhs", "op", "rhs"], how="left", indicator=True)
    extra = extra[extra["_merge"] == "left_only"]
    assert (extra["est_x"] == 0).all() and (extra["se_x"] == 0).all()
    assert extra["lhs"].str.startswith("RI_").all()
    for col in ("est", "se", "ci.lower", "ci.upper", "std.all", "z", "pvalue"):
        r = pd.to_numeric(m[f"{col}_r"], errors="coerce").to_numpy(dtype=float)
        p = pd.to_numeric(m[f"{col}_p"], errors="coerce").to_numpy(dtype=float)
        both = ~np.isnan(r)
        assert np.abs(r[both] - p[both]).max() < 1e-3, col
    std = standardized_solution(res)
    rs = pd.DataFrame(REF[key]["std"]).merge(std, on=["lhs", "op", "rhs"],
                                             suffixes=("_r", "_p"))
    assert len(rs) == len(REF[key]["std"])
    for col in ("est.std", "se", "ci.lower", "ci.upper"):
        a, b = rs[f"{col}_r"].to_numpy(dtype=float), rs[f"{col}_p"].to_numpy(dtype=float)
        assert np.nanmax(np.abs(a - b)) < 1e-3, col
    for k in FIT:
        want = REF[key]["fit"][k]
        assert res.fit_measures[k] == pytest.approx(want, abs=1e-3), k


def test_api_tables_and_comparison_match_lavaan(panel):
    res = cross_lagged(panel, PAIR, 4)
    waves_seen = sum(panel[[f"{c}_w{t}" for c in PAIR]].notna().any(axis=1).astype(int)
                     for t in range(1, 5))
    assert res.n == {"panel": 600, "used": REF["n"]["complete"], "complete": 459,
                     "linked": int((waves_seen >= 2).sum())}
    ref = pd.DataFrame(REF["riclpm"]["estimates"]).set_index(["lhs", "op", "rhs"])
    std = pd.DataFrame(REF["riclpm"]["std"]).set_index(["lhs", "op", "rhs"])
    eff = res.effects()
    assert len(eff) == 2 * 2 * 3  # outcome x predictor x wave pairs
    for r in eff.to_dict("records"):
        key = (f"W_{r['outcome']}_w{r['to_wave']}", "~", f"W_{r['predictor']}_w{r['from_wave']}")
        for ours, theirs in (("est", "est"), ("se", "se"), ("ci.lower", "ci.lower"),
                             ("std.all", "std.all")):
            assert r[ours] == pytest.approx(ref.loc[key, theirs], abs=1e-3)
        for ours, theirs in (("std.se", "se"), ("std.ci.upper", "ci.upper")):
            assert r[ours] == pytest.approx(std.loc[key, theirs], abs=1e-3)
        assert r["kind"] == ("autoregressive" if r["outcome"] == r["predictor"]
                             else "cross-lagged")
    ri = {(r["lhs"], r["rhs"]): r for r in res.models["riclpm"]["random_intercepts"]}
    cov = ref.loc[("RI_affective", "~~", "RI_repurchase")]
    assert ri[("affective", "repurchase")]["est"] == pytest.approx(cov["est"], abs=1e-3)
    assert ri[("affective", "repurchase")]["std.all"] == pytest.approx(cov["std.all"], abs=1e-3)
    within = res.models["riclpm"]["within"]
    assert [w["wave"] for w in within] == [1, 2, 3, 4]
    for key in ("riclpm", "clpm"):
        for k in FIT:
            assert res.models[key]["fit"][k] == pytest.approx(REF[key]["fit"][k], abs=1e-3)
    # the chi-square difference is lavTestLRT's
    c = res.comparison
    assert c["chisq.diff"] == pytest.approx(REF["lrt"]["chisq.diff"], abs=1e-3)
    assert c["df.diff"] == REF["lrt"]["df.diff"] == 3
    assert c["pvalue.chisq"] == pytest.approx(REF["lrt"]["pvalue"], rel=1e-3)
    assert c["pvalue.chibar"] <= c["pvalue.chisq"]
    assert "random intercepts are needed" in c["decision"]
    # plain data, and back
    d = json.loads(json.dumps(res.to_dict()))
    again = CrossLaggedResult.from_dict(d)
    assert again.effects().est.tolist() == pytest.approx(eff.est.tolist())


def test_random_intercept_vcov_is_lavaans(panel):
    """The chi-bar-square weights come from the covariance of the RI (co)variance estimates:
    it is lavaan's vcov() block."""
    from analysis.structural.cross_lagged import _ri_vcov

    res = fit(riclpm_syntax(PAIR, 4), panel, meanstructure=True)
    ours = _ri_vcov(res, PAIR)  # (1,1), (1,2), (2,2)
    ref = np.asarray(REF["ri_vcov"])  # lavaan's order: (1,1), (2,2), (1,2)
    order = [0, 2, 1]
    assert np.abs(ours - ref[np.ix_(order, order)]).max() < 1e-6


# ---- chi-bar-square ---------------------------------------------------------------------------


def test_chibar_one_variance_is_the_half_half_mixture():
    """k = 1: .5 chi2(0) + .5 chi2(1) (Self & Liang 1987, case 5)."""
    for c in (0.5, 1.5, 2.706, 5.41):
        want = 0.5 * stats.chi2.sf(c, 1)
        assert chibar_pvalue(c, np.array([[0.3]]), 1, draws=40000, seed=3) == \
            pytest.approx(want, abs=0.006)


def test_chibar_2x2_frobenius_metric_is_the_45_degree_cone():
    """In the Frobenius metric the 2 x 2 PSD cone is a circular cone of half-angle 45 degrees:
    P(Z in C) = P(Z in the polar cone) = (1 - cos 45) / 2 = .1464."""
    V = np.diag([1.0, 0.5, 1.0])  # (a, c, b): |S|_F^2 = a^2 + 2c^2 + b^2
    p0 = chibar_pvalue(1e-9, V, 2, draws=40000, seed=1)
    assert p0 == pytest.approx(1 - (1 - math.cos(math.pi / 4)) / 2, abs=0.006)


def _rank_one_grid(V, draws, seed):
    """Independent k = 2 reference: T = Z'V^-1 Z inside the cone, else the best rank-one
    direction d = vech(u u'), T = max (d'V^-1 Z)_+^2 / d'V^-1 d over a fine grid of u."""
    rng = np.random.default_rng(seed)
    Z = rng.multivariate_normal(np.zeros(3), V, size=draws)
    M = np.linalg.inv(V)
    a, c, b = Z.T
    inside = (a >= 0) & (b >= 0) & (a * b >= c * c)
    phi = np.linspace(0, np.pi, 1441)
    D = np.stack([np.cos(phi) ** 2, np.cos(phi) * np.sin(phi), np.sin(phi) ** 2], axis=1)
    num = np.clip(Z @ M @ D.T, 0, None) ** 2
    den = np.einsum("ij,jk,ik->i", D, M, D)
    return np.where(inside, np.einsum("ni,ij,nj->n", Z, M, Z), (num / den).max(axis=1))


def test_chibar_2x2_matches_an_independent_rank_one_search():
    V = np.asarray(REF["ri_vcov"])[np.ix_([0, 2, 1], [0, 2, 1])]
    T = _rank_one_grid(V, 20000, seed=6)
    for stat in (1.0, 4.0, 7.81):
        ours = chibar_pvalue(stat, V, 2, draws=20000, seed=5)
        ref = float(np.mean(stat <= T))
        assert ours == pytest.approx(ref, abs=0.01)
        assert ours < stats.chi2.sf(stat, 3)  # below the naive chi-square(3) tail


def test_chibar_3x3_frobenius_metric_is_eigenvalue_clipping():
    """In the Frobenius metric the projection onto the PSD cone clips negative eigenvalues:
    T = sum of squared positive eigenvalues (a direct Monte Carlo with other draws)."""
    idx = [(a, b) for a in range(3) for b in range(a, 3)]
    V = np.diag([1.0 if a == b else 0.5 for a, b in idx])
    rng = np.random.default_rng(11)
    Z = rng.multivariate_normal(np.zeros(6), V, size=20000)
    S = np.zeros((len(Z), 3, 3))
    for j, (a, b) in enumerate(idx):
        S[:, a, b] = S[:, b, a] = Z[:, j]
    T = np.sum(np.clip(np.linalg.eigvalsh(S), 0, None) ** 2, axis=1)
    for stat in (2.0, 6.0):
        assert chibar_pvalue(stat, V, 3, draws=20000, seed=2) == \
            pytest.approx(np.mean(stat <= T), abs=0.01)


# ---- recovery ---------------------------------------------------------------------------------

LAGS = {"repurchase": {"affective": 0.20}, "affective": {"repurchase": 0.10}}


def _panel(seed, n=5000):
    """Three waves of the five-commitment instrument: 30% of each construct's variance stable
    between persons, within-person autoregressive effects .4 and cross-lagged effects
    affective -> repurchase .20 and repurchase -> affective .10, items' unique parts
    correlated .2 across waves, aff_02's intercept drifting .3 latent SD a wave."""
    return simulate_panel("five_commitments", n=n, waves=3, seed=seed, item_stability=0.2,
                          ri_share=0.3, autoregressive=0.4, cross_lagged=LAGS,
                          intercept_drift={"aff_02": 0.3})


def _cross(res):
    e = res.effects()
    return e[e.kind == "cross-lagged"]


def test_recovery_one_panel_at_5000():
    """A three-wave five-commitment panel (N = 5,000, aff_02's intercept drifting .3 a wave):
    the latent RI-CLPM's standardized within-person cross-lagged effects are within 2.5 SE of
    the truth and every 95% interval covers it; the CLPM's autoregressive effects are inflated
    by the stable differences it ignores."""
    sim = _panel(2026)
    truth = sim.truth
    res = cross_lagged_from_responses(sim.waves, "five_commitments", PAIR, latent=True)
    assert res.models["riclpm"]["converged"] and not res.models["riclpm"]["warnings"]
    for r in _cross(res).to_dict("records"):
        want = truth.effect(r["outcome"], r["predictor"])
        assert abs(r["std.all"] - want) < 2.5 * r["std.se"]
        assert r["std.ci.lower"] <= want <= r["std.ci.upper"]
    clpm = res.effects("clpm")
    auto = clpm[clpm.kind == "autoregressive"]["std.all"]
    assert (auto > truth.effect("affective", "affective") + 0.1).all()
    assert res.comparison["pvalue"] < 1e-6


def test_recovery_within_03_at_5000():
    """Six seeded panels of N = 5,000 (three waves, drifting aff_02): the mean standardized
    cross-lagged estimate is within .03 of the truth for each effect and wave pair. (One
    three-wave panel of 5,000 has a cross-lagged SE of about .035, so a single replicate
    cannot show .03; the mean over six has an SE of about .014.) About 20 s: the sole check of
    the requirement, so not marked slow."""
    rows = []
    for seed in range(6):
        sim = _panel(100 + seed)
        res = cross_lagged_from_responses(sim.waves, "five_commitments", PAIR, latent=True)
        rows.append(_cross(res).assign(seed=seed))
    allr = pd.concat(rows)
    mean = allr.groupby(["outcome", "predictor", "from_wave"])["std.all"].mean()
    for (o, p, _w), v in mean.items():
        assert abs(v - sim.truth.effect(o, p)) < 0.03, (o, p, v)


# ---- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, words", [
    (dict(constructs=["affective"], waves=4), "at least two different constructs"),
    (dict(constructs=PAIR, waves=2), "at least three waves"),
    (dict(constructs=["affective", "loyalty"], waves=4), "no column(s) loyalty_w1"),
    (dict(constructs=PAIR, waves=4, missing="pairwise"), "missing must be"),
])
def test_bad_input_is_named(panel, kwargs, words):
    with pytest.raises(CrossLaggedError, match=words.replace("(", r"\(").replace(")", r"\)")):
        cross_lagged(panel, **kwargs)


def test_bad_responses_are_named():
    sim = simulate_panel("five_commitments", n=30, waves=3, seed=1)
    with pytest.raises(CrossLaggedError, match="loyalty: not a measured construct"):
        cross_lagged_from_responses(sim.waves, "five_commitments", ["affective", "loyalty"])
    w = sim.waves[0].items
    with pytest.raises(CrossLaggedError, match="respondent id 'p0001' appears more than once"):
        wide_panel([pd.concat([w, w.iloc[:1]]), w, w], ["aff_01"])


@pytest.mark.r
def test_frozen_reference_is_what_lavaan_prints():
    """Re-run tests/data/riclpm_reference.R (about 2 s) and compare with the frozen numbers."""
    import shutil
    import subprocess

    if shutil.which("Rscript") is None or subprocess.run(
            ["Rscript", "-e", "library(lavaan); library(jsonlite)"],
            capture_output=True).returncode != 0:
        pytest.skip("Rscript with lavaan and jsonlite not installed")
    proc = subprocess.run(["Rscript", str(DATA / "riclpm_reference.R")], capture_output=True,
                          text=True, check=True, timeout=300)
    live = json.loads(proc.stdout)
    for key in CASES:
        assert live[key]["fit"] == pytest.approx(REF[key]["fit"], rel=1e-8)
        a, b = pd.DataFrame(live[key]["estimates"]), pd.DataFrame(REF[key]["estimates"])
        assert a[["lhs", "op", "rhs"]].equals(b[["lhs", "op", "rhs"]])
        assert np.allclose(a["est"].astype(float), b["est"].astype(float), atol=1e-8)
        assert np.allclose(a["se"].astype(float), b["se"].astype(float), atol=1e-8)
    assert live["lrt"] == pytest.approx(REF["lrt"], rel=1e-8)


def test_latent_model_from_linked_waves():
    """cross_lagged_waves(latent=True): the items of each construct at each wave, a random
    intercept per item (df difference = 7 items' 28 (co)variances)."""
    from analysis.cross_lagged_study import cross_lagged_waves
    from analysis.responses.waves import stack_waves
    from analysis.study import StudySettings
    from instruments import load_instrument

    inst = load_instrument("five_commitments")
    sim = simulate_panel(inst, n=400, waves=3, seed=7, item_stability=0.2,
                         cross_lagged={"repurchase": {"affective": 0.3}})
    stack = stack_waves(sim.waves, inst)
    out = cross_lagged_waves(stack, inst, PAIR, StudySettings(n_boot=0, progress=False),
                             latent=True)
    assert out["measurement"] == "latent"
    assert out["indicators"]["affective"] == ["aff_01", "aff_02", "aff_03", "aff_04r"]
    assert out["comparison"]["df.diff"] == 7 * 8 / 2
    assert len(out["models"]["riclpm"]["random_intercepts"]) == 28
    assert "W_affective_w2 =~ 1*aff_01_w2 + l_aff_02*aff_02_w2" in \
        out["models"]["riclpm"]["syntax"]


def test_fiml_counts_every_linked_respondent():
    """--missing fiml: respondents who left the panel count (full-information ML); listwise:
    only those in every wave."""
    from analysis.cross_lagged_study import cross_lagged_waves
    from analysis.responses.waves import stack_waves
    from analysis.study import StudySettings
    from instruments import load_instrument

    inst = load_instrument("five_commitments")
    sim = simulate_panel(inst, n=300, waves=3, seed=9, attrition=0.2)
    stack = stack_waves(sim.waves, inst)
    kw = dict(n_boot=0, progress=False, exclude_flagged=False)
    fiml = cross_lagged_waves(stack, inst, PAIR, StudySettings(missing="fiml", **kw))
    listwise = cross_lagged_waves(stack, inst, PAIR, StudySettings(**kw))
    assert fiml["settings"]["missing"] == "ml" and listwise["settings"]["missing"] == "listwise"
    assert fiml["n"]["used"] == 300
    assert listwise["n"]["used"] == sim.counts()["all"] < 300


def _pure_clpm(seed: int, n: int = 300, ar: float = 0.6, lag: float = 0.1) -> pd.DataFrame:
    """Three waves of two constructs from a CLPM without random intercepts (stationary AR(1)
    with cross-lags): the RI-CLPM's random-intercept variances are 0 in truth, so their
    estimates are often negative (an inadmissible solution)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2))
    b = np.array([[ar, lag], [lag, ar]])
    cols = {}
    for t in range(1, 4):
        if t > 1:
            x = x @ b.T + rng.standard_normal((n, 2)) * math.sqrt(1 - ar ** 2)
        cols[f"a_w{t}"], cols[f"b_w{t}"] = x[:, 0], x[:, 1]
    return pd.DataFrame(cols)


@pytest.mark.parametrize("seed", [0, 1, 3, 5, 7])
def test_an_inadmissible_riclpm_is_not_interpreted(seed):
    """A negative random-intercept variance or a random-intercept correlation beyond +-1
    (recomputed here from the variance and covariance estimates) makes the RI-CLPM's solution
    inadmissible: the comparison says so in its decision, which the report's intro, card and
    the terminal show, instead of 'interpret the RI-CLPM's within-person effects' or 'no
    evidence of stable between-person differences' as if the fit were sound. Seeds 1 and 7
    give an admissible solution, whose decision is unchanged."""
    from reports.crosslag_section import crosslag_section

    res = cross_lagged(_pure_clpm(seed), ["a", "b"], 3, seed=1)
    ri = {(r["lhs"], r["rhs"]): r["est"] for r in res.models["riclpm"]["random_intercepts"]}
    va, vb, cov = ri[("a", "a")], ri[("b", "b")], ri[("a", "b")]
    bad = va < 0 or vb < 0 or abs(cov) > math.sqrt(va * vb)
    assert bad == (seed not in (1, 7))  # the seeds cover both cases
    assert res.comparison["admissible"] == {"riclpm": not bad, "clpm": True}
    assert ("RI-CLPM solution is not admissible" in res.comparison["decision"]) == bad
    sec = crosslag_section({"cross_lagged": res.to_dict()})
    assert ("RI-CLPM solution is not admissible" in sec["intro"]) == bad
    assert ("not admissible (a negative variance" in str(sec["blocks"][0]["html"])) == bad


def test_fiml_says_how_many_answered_two_or_more_waves():
    """With attrition and refreshment, --missing fiml fits every respondent with an answer in
    any wave, and the report called them all 'linked' ('N = 713 of 713 panel respondents:
    every linked respondent', of whom 205 answered one wave only and carry no lagged effect).
    n.linked counts the respondents in two or more waves (recounted here from the waves'
    respondent ids) and the intro gives both numbers."""
    from analysis.cross_lagged_study import cross_lagged_waves
    from analysis.responses.waves import stack_waves
    from analysis.study import StudySettings
    from instruments import load_instrument
    from reports.crosslag_section import crosslag_section

    inst = load_instrument("five_commitments")
    sim = simulate_panel(inst, n=200, waves=3, seed=9, attrition=0.3, refreshment=0.2)
    stack = stack_waves(sim.waves, inst)
    sec = cross_lagged_waves(stack, inst, PAIR, StudySettings(
        missing="fiml", n_boot=0, progress=False, exclude_flagged=False))
    ids = pd.Series([i for w in sim.waves for i in w.ids]).value_counts()
    assert sec["n"]["used"] == len(ids)
    assert sec["n"]["linked"] == int((ids >= 2).sum()) < len(ids)
    intro = crosslag_section({"cross_lagged": sec})["intro"]
    assert (f"{int((ids >= 2).sum()):,} of them answered two or more waves and carry the "
            f"lagged effects, the other {int((ids == 1).sum()):,} answered one wave only"
            ) in intro
