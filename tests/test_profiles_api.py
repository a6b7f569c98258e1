"""latent_profiles(): the whole analysis, its plain output and its input errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from analysis import latent_profiles
from analysis.profiles.analyze import parse_k
from analysis.profiles.errors import ProfilesInputError
from analysis.profiles.fit import fit_mixture, n_parameters, relative_entropy
from analysis.profiles.outcomes import bch_weights, classification_error


def two_groups(n: int = 200, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 2, n)
    return pd.DataFrame({"affective": rng.normal(2.5 * g), "forced": rng.normal(-2.5 * g),
                         "loyalty": rng.normal(3 + g), "segment": np.where(g, "loyal", "low")})


def test_latent_profiles_end_to_end_plain_output():
    df = two_groups()
    df.loc[0, "affective"] = np.nan
    res = latent_profiles(df, ["affective", "forced"], ["loyalty"], segments=df["segment"],
                          k="1-3", families=["EEI", "VVI"], n_starts=6, n_boot=19, seed=3,
                          n_jobs=1, progress=False)
    assert (res.family, res.k, res.chosen_by) == ("EEI", 2, "bic")
    assert res.n == 199 and res.n_incomplete == 1
    assert res.blrt_k == 2
    eei = res.comparison[res.comparison["family"] == "EEI"]
    assert eei["blrt_pvalue"].notna().sum() == 2  # 2 vs 1 and 3 vs 2, chosen family only
    assert res.comparison.loc[res.comparison["family"] == "VVI", "blrt_pvalue"].isna().all()
    # the crosstab puts each simulated group in one profile
    ct = res.crosstab
    assert ct.to_numpy().sum() == 199
    assert sorted(ct.max(axis=1) / ct.sum(axis=1))[0] > 0.9
    d = res.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["selected"]["family"] == "EEI"
    assert {r["profile"] for r in d["outcome_means"]} == {"1", "2"}
    assert len(d["means"]) == 4 and d["crosstab"]["segment"] == "segment"
    # the same seed gives the same bytes, with the BLRT draws in one process or two
    again = latent_profiles(df, ["affective", "forced"], ["loyalty"], segments=df["segment"],
                            k="1-3", families=["EEI", "VVI"], n_starts=6, n_boot=19, seed=3,
                            n_jobs=2, progress=False)
    assert json.dumps(again.to_dict()) == json.dumps(d)


def test_user_chosen_model():
    df = two_groups()
    res = latent_profiles(df, ["affective", "forced"], k="1-2", families=["EEI"],
                          n_starts=4, n_boot=0, family="VVV", n_profiles=3)
    assert (res.family, res.k, res.chosen_by) == ("VVV", 3, "user")
    assert set(res.comparison["family"]) == {"EEI", "VVV"}


def test_closed_forms():
    # parameter counts as mclust's df; entropy 1 for certain, 0 for uniform posteriors
    assert n_parameters("EEE", 3, 4) == 12 + 2 + 10
    assert relative_entropy(np.full((4, 3), 1 / 3)) == pytest.approx(0.0)
    assert relative_entropy(np.ones((3, 1))) is None
    # BCH: with D known, the weights reproduce the true class totals of a 2x2 example
    p = np.array([[0.9, 0.1]] * 90 + [[0.2, 0.8]] * 60)
    d = classification_error(p)
    assert d.sum(axis=1) == pytest.approx([1.0, 1.0])
    w = bch_weights(p)
    assert w.sum(axis=0) == pytest.approx(p.sum(axis=0))
    # one profile: the sample mean and covariance (population), whatever the family
    x = two_groups()[["affective", "forced"]].to_numpy()
    fit = fit_mixture(x, "EEE", 1)
    assert fit.means[0] == pytest.approx(x.mean(axis=0))
    assert fit.covariances[0] == pytest.approx(np.cov(x, rowvar=False, bias=True), rel=1e-5)
    sign, logdet = np.linalg.slogdet(np.cov(x, rowvar=False, bias=True))
    assert fit.loglik == pytest.approx(-len(x) / 2 * (2 * math.log(2 * math.pi) + logdet + 2),
                                       rel=1e-8)


@pytest.mark.parametrize("kwargs, needle", [
    (dict(indicators=["affective", "nope"]), "'nope' is not in the data"),
    (dict(k="two-six"), "write a range"),
    (dict(k="0-3"), ">= 1"),
    (dict(families=["VEV"]), "unknown model family"),
    (dict(indicators=["constant"]), "same value"),
])
def test_input_errors_name_the_problem(kwargs, needle):
    df = two_groups().assign(constant=1.0)
    args = dict(indicators=["affective", "forced"], k="1-2", n_starts=2, n_boot=0) | kwargs
    with pytest.raises(ProfilesInputError, match=needle) as err:
        latent_profiles(df, **args)
    assert err.value.code == "profiles_input"


def test_spherical_families_closed_forms_and_pipeline():
    """EII and VII: mclust's parameter counts, the one-profile fit in closed form (mean, and
    one variance: the average of the indicators' population variances), the family's
    constraint holding on the data's scale, and latent_profiles comparing them when asked
    (the default set stays EEI, VVI, EEE, VVV)."""
    # k d means + (k - 1) proportions + 1 (EII) or k (VII) variances, as mclust's df
    assert n_parameters("EII", 3, 5) == 15 + 2 + 1
    assert n_parameters("VII", 3, 5) == 15 + 2 + 3
    df = two_groups()
    df["forced"] *= 10  # indicators on different scales: a spherical model's variance is shared
    x = df[["affective", "forced"]].to_numpy()
    n, d = x.shape
    for fam in ("EII", "VII"):
        one = fit_mixture(x, fam, 1)
        s2 = x.var(axis=0).mean()
        assert one.means[0] == pytest.approx(x.mean(axis=0))
        assert one.covariances[0] == pytest.approx(s2 * np.eye(d), rel=1e-6)
        resid = ((x - x.mean(axis=0)) ** 2).sum()
        assert one.loglik == pytest.approx(
            -n * d / 2 * math.log(2 * math.pi * s2) - resid / (2 * s2), rel=1e-8)
    two = {fam: fit_mixture(x, fam, 2, n_starts=6) for fam in ("EII", "VII")}
    for fit in two.values():
        for cov in fit.covariances:  # spherical on the data's own scale
            assert cov == pytest.approx(cov[0, 0] * np.eye(d), rel=1e-10)
    eii = two["EII"].covariances
    assert eii[0] == pytest.approx(eii[1], rel=1e-10)
    assert two["VII"].loglik >= two["EII"].loglik - 1e-6  # VII nests EII
    res = latent_profiles(df, ["affective", "forced"], ["loyalty"], k="1-2",
                          families=["EII", "VII"], n_starts=4, n_boot=0, n_jobs=1)
    table = res.comparison
    assert list(zip(table["family"], table["k"], table["npar"], strict=True)) == [
        ("EII", 1, 3), ("EII", 2, 6), ("VII", 1, 3), ("VII", 2, 7)]
    assert res.family in ("EII", "VII")
    from analysis.profiles.study import ProfileSettings

    assert ProfileSettings().families == ("EEI", "VVI", "EEE", "VVV")


def test_parse_k():
    assert parse_k("1-3,5") == [1, 2, 3, 5]
    assert parse_k([3, 2, 2]) == [2, 3]


def test_ml3_is_the_maximum_of_the_step3_likelihood_written_out():
    """The ML three-step means and standard errors (Vermunt, 2010) against an independent
    computation: step 3's likelihood written out with scipy's normal density, maximised by
    BFGS from the modal means, and its observed information by finite differences of that
    function (no code shared with analysis.profiles.outcomes beyond the matrix D, itself
    checked above)."""
    from scipy import optimize, stats

    from analysis.profiles.outcomes import ml3_means, outcome_means

    rng = np.random.default_rng(8)
    g = rng.choice(3, size=600, p=[0.5, 0.3, 0.2])
    x = np.c_[rng.normal(1.6 * (g == 1) - 1.6 * (g == 2)), rng.normal(1.6 * (g == 2))]
    y = np.array([3.0, 4.0, 2.0])[g] + rng.normal(size=600) * np.array([0.8, 1.0, 0.6])[g]
    post = fit_mixture(x, "EEI", 3, n_starts=6, seed=1).posterior
    d = classification_error(post)
    w = post.argmax(axis=1)

    def negll(t):  # logits of profiles 1, 2 (profile 3: 0), means, log SDs
        pi = np.exp(np.r_[t[:2], 0.0]) / np.exp(np.r_[t[:2], 0.0]).sum()
        dens = stats.norm.pdf(y[:, None], t[2:5][None, :], np.exp(t[5:8])[None, :])
        return -np.log((pi[None, :] * d[:, w].T * dens).sum(axis=1)).sum()

    start = np.r_[0.0, 0.0, [y[w == s].mean() for s in range(3)], np.zeros(3)]
    ref = optimize.minimize(negll, start, method="BFGS", options={"gtol": 1e-8})
    h = 1e-4
    hess = np.empty((8, 8))
    for i in range(8):
        for j in range(8):
            e_i, e_j = np.eye(8)[i] * h, np.eye(8)[j] * h
            hess[i, j] = (negll(ref.x + e_i + e_j) - negll(ref.x + e_i - e_j)
                          - negll(ref.x - e_i + e_j) + negll(ref.x - e_i - e_j)) / (4 * h * h)
    se_ref = np.sqrt(np.diag(np.linalg.inv(hess))[2:5])
    mu, cov, sd, loglik = ml3_means(post, y)
    assert mu == pytest.approx(ref.x[2:5], abs=1e-6)
    assert sd == pytest.approx(np.exp(ref.x[5:8]), abs=1e-6)
    assert loglik == pytest.approx(-ref.fun, abs=1e-6)
    assert np.sqrt(np.diag(cov)) == pytest.approx(se_ref, rel=1e-3)
    # outcome_means(method="ml3") reports these, with a missing outcome value left out
    yy = pd.DataFrame({"loyalty": np.r_[y, np.nan]})
    means, diffs, tests = outcome_means(np.vstack([post, [[1.0, 0.0, 0.0]]]), yy, method="ml3")
    assert means["est"].to_numpy() == pytest.approx(mu, abs=1e-12)
    assert means["se"].to_numpy() == pytest.approx(np.sqrt(np.diag(cov)), abs=1e-12)
    assert (tests["df"] == 2).all() and len(diffs) == 3
    with pytest.raises(ProfilesInputError, match="'bch', 'ml3' or 'modal'"):
        outcome_means(post, yy.iloc[:600], method="ml")
