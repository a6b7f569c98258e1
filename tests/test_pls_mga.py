"""Two-group PLS comparisons: MICOM (analysis.pls.micom) and the permutation test / PLS-MGA of
parameter differences (analysis.pls.mga).

Independent checks:

* MICOM's c in closed form on data whose group covariances equal chosen population matrices
  exactly (cSEM's ``generateData(.empirical = TRUE)`` design of its ``testMICOM`` example:
  ``X <~ 0.4*x1 + 0.8*x2`` in group 1, ``0.8*x1 + 0.4*x2`` in group 2, ``x1 ~~ 0.3125*x2``,
  N = 399 and 200): c = w1' R w2 = 0.89.
* Exact permutation tests: every split of a tiny data set enumerated (``assignments``), the
  p-values recomputed here from Pearson correlations and z-scores alone.
* Type I error and power in small simulations (groups from one population / two).
* Henseler's PLS-MGA probability against the double sum of seminr's ``estimate_pls_mga``
  written out literally, and against seminr itself: ``estimate_pls_mga`` on ``mobi`` with
  the full ECSI model (M2), condition ``CUEX1 < 8``, ``nboot = 100, seed = 123`` (group
  resample i drawn as ``set.seed(123 + i); sample.int(n_group, replace = TRUE)``), frozen in
  sem-in-r/seminr-ts tests/fixtures/expected/M9_mga_ecsi.json (commit 740e1da8aea0); the
  test regenerates those rows with Rscript and feeds them to ``boot_indices``.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.pls import PLSInputError, estimate_pls
from analysis.pls.mga import henseler_mga_p, mga_pls, permutation_pvalue
from analysis.pls.micom import micom_pls

FIX = Path(__file__).parent / "fixtures" / "pls"

MOBI_MODEL = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value
"""
SMALL = "A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3\nB ~ A"


def exact_sample(sigma: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Data whose sample covariance (n - 1) is exactly ``sigma`` and mean exactly 0."""
    x = np.random.default_rng(seed).normal(size=(n, sigma.shape[0]))
    x -= x.mean(axis=0)
    x = x @ np.linalg.inv(np.linalg.cholesky(np.cov(x, rowvar=False))).T
    return x @ np.linalg.cholesky(sigma).T


def composite_sigma(w: np.ndarray, r12: float, gamma: float) -> np.ndarray:
    """x1, x2 (correlation r12) forming X = w'x (variance 1), and y with cor(X, y) = gamma."""
    R = np.array([[1, r12], [r12, 1]])
    lam = R @ w
    s = np.eye(3)
    s[:2, :2] = R
    s[:2, 2] = s[2, :2] = gamma * lam
    return s


def simulate(rng: np.random.Generator, n: int, path: float) -> np.ndarray:
    f = rng.normal(size=n)
    g = path * f + np.sqrt(1 - path ** 2) * rng.normal(size=n)
    return np.column_stack([0.8 * f[:, None] + 0.6 * rng.normal(size=(n, 3)),
                            0.8 * g[:, None] + 0.6 * rng.normal(size=(n, 3))])


def frame(x: np.ndarray, groups: np.ndarray) -> pd.DataFrame:
    d = pd.DataFrame(x, columns=["a1", "a2", "a3", "b1", "b2", "b3"])
    d["g"] = groups
    return d


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    d = pd.read_csv(FIX / "mobi.csv")
    d["g"] = np.where(d["CUEX1"] < 8, "low", "high")
    return d


# --- MICOM ------------------------------------------------------------------------------------

def test_micom_c_equals_the_closed_form_and_detects_different_weights():
    w1, w2 = np.array([0.4, 0.8]), np.array([0.8, 0.4])
    assert w1 @ np.array([[1, .3125], [.3125, 1]]) @ w1 == pytest.approx(1.0)  # unit variance
    g1 = exact_sample(composite_sigma(w1, 0.3125, 0.6), 399, 1)
    g2 = exact_sample(composite_sigma(w2, 0.3125, 0.6), 200, 2)
    d = pd.DataFrame(np.vstack([g1, g2]), columns=["x1", "x2", "y1"])
    d["grp"] = ["group1"] * 399 + ["group2"] * 200
    out = micom_pls(d, "Y =~ y1\nX <~ x1 + x2\nY ~ X", "grp", n_perm=200, seed=1987, n_jobs=1,
                    progress=False)
    # mode B recovers each group's population weights, so c = w1' R w2 / 1 = .64 + .8 * .3125
    step2 = out.step2.set_index("construct")
    assert step2.loc["X", "c"] == pytest.approx(0.89, abs=1e-10)
    assert step2.loc["Y", "c"] == pytest.approx(1.0, abs=1e-12)  # a single item
    assert step2.loc["X", "pvalue"] == 0 and not step2.loc["X", "invariant"]
    assert step2.loc["Y", "invariant"]
    # both groups have mean 0 and variance 1 on every item: step 3 differences are 0 for Y
    s3 = out.step3.set_index(["construct", "statistic"])
    assert s3.loc[("Y", "mean"), "diff"] == pytest.approx(0, abs=1e-12)
    assert s3.loc[("Y", "logvar"), "diff"] == pytest.approx(0, abs=1e-12)
    assert s3.loc[("Y", "mean"), "equal"]
    assert out.summary.set_index("construct")["invariance"].to_dict() == {"Y": "full",
                                                                          "X": "none"}


def test_micom_step3_with_every_split_enumerated_matches_a_direct_computation():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(8, 2)) + np.array([[0, 0]] * 4 + [[1.0, 0.5]] * 4)
    d = pd.DataFrame(x, columns=["x", "y"])
    d["g"] = [1] * 4 + [2] * 4
    splits = np.array([[i in s for i in range(8)] for s in itertools.combinations(range(8), 4)])
    assert splits.shape == (70, 8)
    out = micom_pls(d, "X =~ x\nY =~ y\nY ~ X", "g", assignments=splits)
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)  # single items: scores are z-scores
    for j, name in enumerate(["X", "Y"]):
        def stats(m, zj=z[:, j]):
            return (zj[m].mean() - zj[~m].mean(),
                    np.log(zj[m].var(ddof=1)) - np.log(zj[~m].var(ddof=1)))
        obs = stats(np.arange(8) < 4)
        ref = np.array([stats(m) for m in splits])
        for k, stat in enumerate(["mean", "logvar"]):
            s3 = out.step3
            row = s3[(s3["construct"] == name) & (s3["statistic"] == stat)].iloc[0]
            assert row["diff"] == pytest.approx(obs[k], abs=1e-12)
            exact_p = np.mean(np.abs(ref[:, k]) >= abs(obs[k]) - 1e-12)
            assert row["pvalue"] == pytest.approx(exact_p, abs=1e-12)
            assert [row["ci.lower"], row["ci.upper"]] == pytest.approx(
                np.quantile(ref[:, k], [0.025, 0.975]), abs=1e-12)
    assert out.settings["n_perm"] == 70 and out.settings["seed"] is None


def test_micom_pvalues_are_near_uniform_when_groups_share_a_population():
    rng = np.random.default_rng(2026)
    p = []
    for rep in range(60):
        x = simulate(rng, 120, 0.5)
        out = micom_pls(frame(x, np.repeat(["a", "b"], 60)), SMALL, "g", n_perm=99,
                        seed=rep, n_jobs=1, progress=False)
        p.append(out.step2["pvalue"].to_numpy())
        p.append(out.step3.query("statistic == 'mean'")["pvalue"].to_numpy())
    p = np.concatenate(p)  # 240 p-values, 4 per data set
    assert 0.0 <= np.mean(p < 0.05) <= 0.10
    assert np.mean(p) == pytest.approx(0.5, abs=0.07)


def test_micom_is_identical_across_workers_and_reports_progress(mobi):
    seen: list[tuple[int, int]] = []
    a = micom_pls(mobi, MOBI_MODEL, "g", n_perm=120, seed=7, n_jobs=1, progress=False,
                  callback=lambda done, total: seen.append((done, total)))
    b = micom_pls(mobi, MOBI_MODEL, "g", n_perm=120, seed=7, n_jobs=2, progress=False)
    assert np.array_equal(a.permutations, b.permutations)
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict()).replace(
        '"backend": "processes", "workers": 2', '"backend": "serial", "workers": 1')
    assert seen[-1] == (120, 120) and [s[0] for s in seen] == sorted(s[0] for s in seen)
    c = micom_pls(mobi, MOBI_MODEL, "g", n_perm=120, seed=8, n_jobs=1, progress=False)
    assert not np.array_equal(a.permutations, c.permutations)
    d = json.loads(json.dumps(a.to_dict(), allow_nan=False))
    assert [s["check"] for s in d["step1"]][0] == "identical indicators and model"
    assert all(s["passed"] for s in d["step1"])


def test_micom_batched_permutations_equal_one_at_a_time_estimation(mobi):
    """The c of a permutation recomputed with estimate_pls on the permuted groups."""
    out = micom_pls(mobi, MOBI_MODEL, "g", n_perm=3, seed=3, n_jobs=1, progress=False)
    from analysis.structural.resampling import replicate_generators
    n1 = int((mobi["g"] == "high").sum())
    items = [c for c in mobi.columns if c not in ("g",)]
    Z = (mobi[items] - mobi[items].mean()) / mobi[items].std()
    observed = [estimate_pls(mobi[mobi.g == g], MOBI_MODEL) for g in ("high", "low")]
    for j, name in enumerate(["Image", "Expectation", "Value", "Satisfaction"]):
        h = [Z[f.weights.index] @ f.weights[name] for f in observed]
        assert out.step2["c"][j] == pytest.approx(np.corrcoef(h[0], h[1])[0, 1], abs=1e-12)
    for r, rng in enumerate(replicate_generators(3, 3)):
        perm = rng.permutation(len(mobi))
        fits = [estimate_pls(mobi.iloc[np.sort(rows)], MOBI_MODEL)
                for rows in (perm[:n1], perm[n1:])]
        for j, name in enumerate(["Image", "Expectation", "Value", "Satisfaction"]):
            h = [Z[f.weights.index] @ f.weights[name] for f in fits]
            assert out.permutations[r, j] == pytest.approx(np.corrcoef(h[0], h[1])[0, 1],
                                                          abs=1e-10)


def test_micom_with_mean_replacement_and_group_errors():
    data = pd.read_csv(FIX / "corp_rep_data.csv")
    model = ("COMP =~ comp_1 + comp_2 + comp_3\nLIKE =~ like_1 + like_2 + like_3\n"
             "CUSL =~ cusl_1 + cusl_2 + cusl_3\nCUSL ~ COMP + LIKE")
    out = micom_pls(data, model, "servicetype", n_perm=20, seed=1, n_jobs=1, missing="mean",
                    missing_value=-99, progress=False)
    assert out.settings["sample"]["n_groups"] == [int((data.servicetype == 1).sum()),
                                                  int((data.servicetype == 2).sum())]
    assert out.settings["n_failed"] == 0 and out.step2["c"].between(0.9, 1).all()
    with pytest.raises(PLSInputError, match="'nope' is not a column"):
        micom_pls(data, model, "nope", seed=1, missing="mean", missing_value=-99)
    with pytest.raises(PLSInputError, match="holds 4 group"):
        micom_pls(data, model, "serviceprovider", seed=1, missing="mean", missing_value=-99)
    sub = micom_pls(data, model, "serviceprovider", groups=(1, 2), n_perm=5, seed=1,
                    missing="mean", missing_value=-99, n_jobs=1, progress=False)
    assert sub.settings["sample"]["n_other_groups"] > 0
    const = data.assign(comp_1=np.where(data.servicetype == 1, 4, data.comp_1))
    with pytest.raises(PLSInputError, match="comp_1 in 1") as err:
        micom_pls(const, model, "servicetype", seed=1, missing="mean", missing_value=-99)
    assert "step 1" in str(err.value)
    with pytest.raises(PLSInputError, match="no group"):
        micom_pls(data.assign(servicetype=data.servicetype.where(data.index != 5)), model,
                  "servicetype", seed=1, missing="mean", missing_value=-99)
    with pytest.raises(PLSInputError, match="seed"):
        micom_pls(data, model, "servicetype", missing="mean", missing_value=-99)


# --- permutation test of parameter differences -------------------------------------------------

def test_permutation_mga_with_every_split_enumerated_matches_exact_correlation_test():
    """Single-item constructs: the path is Pearson's r in each group."""
    rng = np.random.default_rng(9)
    x = rng.normal(size=10)
    y = np.r_[0.9 * x[:5], -0.2 * x[5:]] + 0.5 * rng.normal(size=10)
    d = pd.DataFrame({"x": x, "y": y, "g": ["a"] * 5 + ["b"] * 5})
    splits = np.array([[i in s for i in range(10)]
                       for s in itertools.combinations(range(10), 5)])
    out = mga_pls(d, "X =~ x\nY =~ y\nY ~ X", "g", assignments=splits, parameters=["~"])

    def diff(m):
        return np.corrcoef(x[m], y[m])[0, 1] - np.corrcoef(x[~m], y[~m])[0, 1]
    obs = diff(np.arange(10) < 5)
    ref = np.array([diff(m) for m in splits])
    row = out.table.iloc[0]
    assert row["diff"] == pytest.approx(obs, abs=1e-12)
    assert row["est.group1"] == pytest.approx(np.corrcoef(x[:5], y[:5])[0, 1], abs=1e-12)
    assert row["pvalue"] == pytest.approx(np.mean(np.abs(ref) >= abs(obs) - 1e-12), abs=1e-12)
    assert out.permutations[:, 0] == pytest.approx(ref, abs=1e-12)


def test_permutation_mga_type_one_error_and_power():
    rng = np.random.default_rng(11)
    same, differ = [], []
    for rep in range(60):
        x = simulate(rng, 120, 0.5)
        out = mga_pls(frame(x, np.repeat([1, 2], 60)), SMALL, "g", n_perm=99, seed=rep,
                      n_jobs=1, progress=False, parameters=["~"])
        same.append(out.table["pvalue"].iloc[0])
    for rep in range(15):
        x = np.vstack([simulate(rng, 100, 0.7), simulate(rng, 100, 0.0)])
        out = mga_pls(frame(x, np.repeat([1, 2], 100)), SMALL, "g", n_perm=99, seed=rep,
                      n_jobs=1, progress=False, parameters=["~"])
        differ.append(out.table["pvalue"].iloc[0])
    assert np.mean(np.array(same) < 0.05) <= 0.12
    assert np.mean(same) == pytest.approx(0.5, abs=0.1)
    assert np.mean(np.array(differ) < 0.05) >= 0.9


def test_mga_groups_equal_separate_estimations_and_workers_agree(mobi):
    a = mga_pls(mobi, MOBI_MODEL, "g", groups=("low", "high"), n_perm=150, seed=4, n_jobs=1,
                progress=False, n_boot=100)
    b = mga_pls(mobi, MOBI_MODEL, "g", groups=("low", "high"), n_perm=150, seed=4, n_jobs=2,
                progress=False, n_boot=100)
    assert np.array_equal(a.permutations, b.permutations)
    pd.testing.assert_frame_equal(a.table, b.table)
    low = estimate_pls(mobi[mobi.g == "low"], MOBI_MODEL)
    high = estimate_pls(mobi[mobi.g == "high"], MOBI_MODEL)
    paths = a.table.query("op == '~'").set_index("rhs")
    for p in ["Image", "Expectation", "Value"]:
        assert paths.loc[p, "est.group1"] == pytest.approx(low.path(p, "Satisfaction"), abs=1e-12)
        assert paths.loc[p, "est.group2"] == pytest.approx(high.path(p, "Satisfaction"),
                                                           abs=1e-12)
    assert set(a.table["op"]) == {"~", "<~", "=~", "r2", "total"}
    assert a.table["pvalue"].between(0, 1).all()
    assert a.table["pvalue.mga.2sided"].between(0, 1).all()
    d = json.loads(json.dumps(a.to_dict(), allow_nan=False))
    assert d["groups"] == ["low", "high"] and len(d["group_results"]) == 2
    assert a.results[0].sample["n"] == int((mobi.g == "low").sum())


def test_henseler_pls_mga_probability_is_seminrs_double_sum():
    rng = np.random.default_rng(1)
    b1 = rng.normal(0.4, 0.1, size=(57, 3))
    b2 = rng.normal(0.3, 0.1, size=(57, 3))
    b2[:5, 2] = b1[:5, 2]  # ties
    got = henseler_mga_p(b1, b2)
    for k in range(3):  # seminr: 1 - sum(Theta(2*m1 - t1 - 2*m2 + t2)) / J^2, Theta(s) = s > 0
        m1, m2 = b1[:, k].mean(), b2[:, k].mean()
        s = [2 * m1 - t1 - 2 * m2 + t2 for t1 in b1[:, k] for t2 in b2[:, k]]
        assert got[k] == pytest.approx(1 - np.mean(np.array(s) > 0), abs=1e-15)
    assert henseler_mga_p(b1 + 1, b2)[0] < 0.01 and henseler_mga_p(b1, b2 + 1)[0] > 0.99


def test_permutation_pvalue_counts_ties_and_ignores_failed_permutations():
    ref = np.array([[0.2, np.nan], [-0.5, 1.0], [0.5, np.nan], [np.nan, -2.0]])
    assert permutation_pvalue(np.array([0.5, 1.0]), ref).tolist() == [2 / 3, 1.0]


def test_mga_input_errors(mobi):
    with pytest.raises(PLSInputError, match="parameters"):
        mga_pls(mobi, MOBI_MODEL, "g", seed=1, parameters=["paths"])
    with pytest.raises(PLSInputError, match="group sizes"):
        mga_pls(mobi, MOBI_MODEL, "g", assignments=np.ones((3, 250), dtype=bool))
    with pytest.raises(PLSInputError, match="250 columns"):
        mga_pls(mobi, MOBI_MODEL, "g", assignments=np.ones((3, 20), dtype=bool))
    with pytest.raises(PLSInputError, match="need a seed"):
        mga_pls(mobi, MOBI_MODEL, "g", assignments=(mobi.g == "high").to_numpy()[None, :],
                n_boot=5)
    with pytest.raises(PLSInputError, match="group 'high': the PLS weights did not converge") as err:
        mga_pls(mobi, MOBI_MODEL, "g", seed=1, max_iter=2)
    assert err.value.code == "pls_not_converged"
    tiny = mobi.assign(g=["x"] * 2 + ["y"] * 248)
    with pytest.raises(PLSInputError, match="group 'x' has 2"):
        mga_pls(tiny, MOBI_MODEL, "g", seed=1)


# --- seminr estimate_pls_mga (M9_mga_ecsi.json) ------------------------------------------------

ECSI = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Complaints =~ CUSCO
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Expectation ~ Image
Quality ~ Expectation
Value ~ Expectation + Quality
Satisfaction ~ Image + Expectation + Quality + Value
Complaints ~ Satisfaction
Loyalty ~ Image + Satisfaction + Complaints
"""
# (source, target): group1Beta, group2Beta, group1BetaMean, group2BetaMean, plsMgaP
SEMINR_M9 = {
    ("Image", "Expectation"): (0.444141064593999, 0.424662281631955, 0.458534717206509,
                               0.446032665555611, 0.4732),
    ("Image", "Satisfaction"): (0.316457186941832, 0.152518413334494, 0.32101742358513,
                                0.154876317725135, 0.0908),
    ("Image", "Loyalty"): (0.394008289626727, 0.0708032523878415, 0.391697079439787,
                           0.0766804593619457, 0.0116000000000001),
    ("Expectation", "Quality"): (0.422702751500229, 0.485942896285227, 0.425544812789152,
                                 0.501783260841952, 0.7335),
    ("Expectation", "Value"): (-0.0352127350504899, 0.127491840400512, -0.0298536675905519,
                               0.111221596832524, 0.8392),
    ("Expectation", "Satisfaction"): (-0.0459444327425119, 0.0976527453234503,
                                      -0.0397359907315544, 0.0911590507638424, 0.9143),
    ("Quality", "Value"): (0.685353959095018, 0.41561551018011, 0.676319334530116,
                           0.428670263131292, 0.0295),
    ("Quality", "Satisfaction"): (0.387887090194077, 0.511286956500304, 0.380536147607984,
                                  0.508983076965303, 0.8604),
    ("Value", "Satisfaction"): (0.276077091970149, 0.168012924540087, 0.280638951599864,
                                0.17821324298641, 0.1597),
    ("Satisfaction", "Complaints"): (0.482808721645131, 0.52714351103555, 0.496716032538864,
                                     0.543706165242959, 0.6559),
    ("Satisfaction", "Loyalty"): (0.298197411008027, 0.583480827902989, 0.299318468897146,
                                  0.598868759041877, 0.9813),
    ("Complaints", "Loyalty"): (0.11541893818603, 0.0371567983329025, 0.139581237031997,
                                0.0264697733937827, 0.1629),
}


@pytest.fixture(scope="module")
def mobi_cond() -> pd.DataFrame:
    d = pd.read_csv(FIX / "mobi.csv")
    d["cond"] = d["CUEX1"] < 8  # seminr: condition = mobi$CUEX1 < 8, TRUE = group 1
    return d


def test_group_estimates_match_seminr_estimate_pls_mga(mobi_cond):
    out = mga_pls(mobi_cond, ECSI, "cond", groups=(True, False), n_perm=5, seed=1, n_jobs=1,
                  progress=False, parameters=["~"])
    assert out.settings["sample"]["n_groups"] == [108, 142]
    t = out.table.set_index(["rhs", "lhs"])
    for key, (b1, b2, *_) in SEMINR_M9.items():
        assert [t.loc[key, "est.group1"], t.loc[key, "est.group2"]] == pytest.approx(
            [b1, b2], abs=1e-6), key


@pytest.fixture(scope="module")
def r_group_indices(tmp_path_factory) -> tuple[np.ndarray, np.ndarray]:
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript not installed")
    out = tmp_path_factory.mktemp("pls_mga") / "idx.json"
    code = ("g <- function(n) t(sapply(1:100, function(i) { set.seed(123 + i); "
            "sample.int(n, replace = TRUE) })); "
            f"writeLines(jsonlite::toJSON(list(g1 = g(108), g2 = g(142))), '{out}')")
    proc = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        pytest.skip(f"R/jsonlite not usable: {proc.stderr[-300:]}")
    idx = json.loads(out.read_text())
    return np.array(idx["g1"]) - 1, np.array(idx["g2"]) - 1  # R rows are 1-based


@pytest.mark.r
def test_henseler_pls_mga_matches_seminr_on_its_resamples(mobi_cond, r_group_indices):
    g1, g2 = r_group_indices
    assert list(g1[0, :6] + 1) == [65, 39, 106, 27, 5, 88]  # mga_indices.json, group 1 row 1
    out = mga_pls(mobi_cond, ECSI, "cond", groups=(True, False), n_perm=5, seed=1, n_jobs=1,
                  progress=False, parameters=["~"], boot_indices=(g1, g2))
    t = out.table.set_index(["rhs", "lhs"])
    for key, (_, _, m1, m2, p) in SEMINR_M9.items():
        row = t.loc[key]
        assert [row["boot.mean.group1"], row["boot.mean.group2"]] == pytest.approx(
            [m1, m2], abs=1e-6), key
        assert row["pvalue.mga"] == pytest.approx(p, abs=1e-10), key
    assert out.settings["boot_indices"] and out.settings["n_boot"] == 100


def test_group_section_counts_comparable_paths_and_failed_permutations():
    """The intro said '1 of 17 paths differ' where only 10 paths were comparable (the other 7
    lead to a construct without compositional invariance, so they were never judged), and
    the note said 'the share of 1,000 reassignments' where one had failed and p rested on
    999. Both are counted here from the rows themselves."""
    from reports.pls_groups_section import groups_blocks

    paths = [{"lhs": f"y{k}", "rhs": "x", "est.group1": .3, "est.group2": .1, "diff": .2,
              "pvalue": p, "pvalue.mga.2sided": p, "comparable": comp}
             for k, (p, comp) in enumerate([(.01, True), (.02, False), (.30, True),
                                            (.04, True), (.50, False)])]
    g = {"column": "industry", "groups": ["A", "B"], "n_groups": [100, 120], "n_perm": 1000,
         "seed": 1, "alpha": 0.05, "n_boot": 300, "paths": paths,
         "invariance": [{"construct": "x", "invariance": "full"}],
         "micom": {"step2": [{"construct": "x", "c": .999, "c.quantile": .99}],
                   "step3": [{"construct": "x", "statistic": s, "diff": 0.0, "ci.lower": -.1,
                              "ci.upper": .1} for s in ("mean", "logvar")]},
         "mga_settings": {"n_failed": 1, "n_boot_failed.group1": 2,
                          "n_boot_failed.group2": 0}}
    blocks = groups_blocks({"instrument": {"constructs": []}, "pls": {"groups": g}})
    comparable = sum(r["comparable"] for r in paths)
    differ = sum(r["comparable"] and r["pvalue"] < .05 for r in paths)
    assert (comparable, differ) == (3, 2)
    assert f"{differ} of the {comparable} comparable paths differ" in blocks[0]["text"]
    note = blocks[2]["note"]
    assert "the share of 999 random reassignments" in note
    assert "1 of the 1,000 reassignments could not be estimated" in note
    assert "(2 of 300 in A)" in note
