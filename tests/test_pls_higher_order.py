"""Higher-order constructs (analysis.pls.higher_order): two-stage and repeated indicators.

References and independent checks:

* seminr (R) ``higher_composite("Satisfaction", c("Image", "Value"), method = two_stage,
  weights = mode_A)`` on ``mobi`` (its disjoint two-stage approach): sem-in-r/seminr
  tests/testthat/test-hoc.R with the frozen output tests/fixtures/V_3_6_0/hoc-paths.csv,
  hoc-loadings.csv, hoc-weights.csv (commit ae2524aae5f4f0bda3eb87faf80378af5baccea1),
  compared here at 1e-6 (seminr's own test: 1e-5); R² and the first stage's paths from the
  same model's output in sem-in-r/seminr-ts tests/fixtures/expected/M5_hoc_two_stage.json
  (commit a726ed06a687).
* The embedded two-stage and repeated-indicators estimates equal a manual two-step
  estimation written out here with estimate_pls (copied item columns, saved scores).
* Exact population recovery (cSEM's design): a composite of composites whose sample
  covariance equals the population matrix exactly; both two-stage approaches return the
  dimensions' weights, the HOC's weights and the structural path to 1e-8.
* The bootstrap re-runs both stages: each resample's row equals estimate_pls_higher_order on
  that resample (1e-10), the same for any n_jobs, and on bootstrap_pls's resampling rule.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.pls import PLSInputError, estimate_pls, parse_pls_model
from analysis.pls.higher_order import (
    bootstrap_pls_higher_order,
    estimate_pls_higher_order,
    parse_higher_order,
)

FIX = Path(__file__).parent / "fixtures" / "pls"

MOBI_HOC = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value =~ PERV1 + PERV2
Satisfaction =~ Image + Value
Complaints =~ CUSCO
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Satisfaction ~ Expectation + Quality
Complaints ~ Satisfaction
Loyalty ~ Satisfaction
"""

# seminr tests/fixtures/V_3_6_0/hoc-paths.csv
SEMINR_PATHS = {("Expectation", "Satisfaction"): 0.103641382040823,
                ("Quality", "Satisfaction"): 0.720064333276669,
                ("Satisfaction", "Complaints"): 0.486257317953653,
                ("Satisfaction", "Loyalty"): 0.627602841720655}
# hoc-loadings.csv and hoc-weights.csv (construct, indicator): (loading, weight)
SEMINR_MM = {
    ("Expectation", "CUEX1"): (0.766092953855344, 0.513693599817747),
    ("Expectation", "CUEX2"): (0.69833215201179, 0.483379888695199),
    ("Expectation", "CUEX3"): (0.605626203859253, 0.44400858667237),
    ("Quality", "PERQ1"): (0.79933245187025, 0.206255526908378),
    ("Quality", "PERQ2"): (0.630872551924888, 0.136718051602492),
    ("Quality", "PERQ3"): (0.788073093423415, 0.206249504035771),
    ("Quality", "PERQ4"): (0.764094599830807, 0.165905938394018),
    ("Quality", "PERQ5"): (0.765622604537787, 0.200241161441794),
    ("Quality", "PERQ6"): (0.774009371414647, 0.182982047570941),
    ("Quality", "PERQ7"): (0.779540015520676, 0.211195190919576),
    ("Satisfaction", "Image"): (0.895650876207813, 0.631840584153024),
    ("Satisfaction", "Value"): (0.839452525936479, 0.51711253914618),
    ("Complaints", "CUSCO"): (1.0, 1.0),
    ("Loyalty", "CUSL1"): (0.838608004311155, 0.500718154583124),
    ("Loyalty", "CUSL2"): (0.224294512163711, 0.138986918729658),
    ("Loyalty", "CUSL3"): (0.897165983915295, 0.611837446325764),
    ("Image", "IMAG1"): (0.750650331276109, 0.311498902514752),
    ("Image", "IMAG2"): (0.586532645650389, 0.241024263165947),
    ("Image", "IMAG3"): (0.573102651991915, 0.210053553126402),
    ("Image", "IMAG4"): (0.775695288399379, 0.340428414848061),
    ("Image", "IMAG5"): (0.744087058397516, 0.323018225340666),
    ("Value", "PERV1"): (0.903468191743018, 0.48312761351309),
    ("Value", "PERV2"): (0.938620355988339, 0.600359415862924),
}

CORP = """
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
REPU {op} COMP + LIKE
CUSA ~ REPU
CUSL ~ REPU + CUSA
"""


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return pd.read_csv(FIX / "mobi.csv")


def test_disjoint_two_stage_matches_seminr_higher_composite(mobi):
    fit = estimate_pls_higher_order(mobi, MOBI_HOC, approach="disjoint")
    for (a, b), v in SEMINR_PATHS.items():
        assert fit.path(a, b) == pytest.approx(v, abs=1e-6), (a, b)
    t = fit.estimates.set_index(["lhs", "op", "rhs"])["est"]
    for (c, i), (load, weight) in SEMINR_MM.items():
        assert t[(c, "=~", i)] == pytest.approx(load, abs=1e-6), (c, i)
        assert t[(c, "<~", i)] == pytest.approx(weight, abs=1e-6), (c, i)
    # M5_hoc_two_stage.json rSquared and firstStage.pathCoef
    assert [fit.r2[c] for c in ("Satisfaction", "Complaints", "Loyalty")] == pytest.approx(
        [0.612308347837422, 0.23644617926348, 0.393885326935841], abs=1e-6)
    first = {("Expectation", "Image"): 0.125935588785183,
             ("Expectation", "Value"): 0.0472332564679783,
             ("Quality", "Image"): 0.680536424520162, ("Quality", "Value"): 0.560608198177814,
             ("Image", "Complaints"): 0.402963752463076, ("Image", "Loyalty"): 0.394245820005729,
             ("Value", "Complaints"): 0.149314554554804, ("Value", "Loyalty"): 0.326990377593404}
    for (a, b), v in first.items():
        assert fit.stage1.path(a, b) == pytest.approx(v, abs=1e-6), (a, b)
    stages = fit.estimates.set_index(["lhs", "op", "rhs"])["stage"]
    assert stages[("Image", "=~", "IMAG1")] == 1 and stages[("Satisfaction", "=~", "Image")] == 2
    # stage 1 links each dimension to the HOC's antecedents and outcomes
    assert set(fit.stage1.model.paths) == {
        (p, d) for p in ("Expectation", "Quality") for d in ("Image", "Value")} | {
        (d, o) for d in ("Image", "Value") for o in ("Complaints", "Loyalty")}


def test_embedded_two_stage_equals_a_manual_two_step_estimation(mobi):
    fit = estimate_pls_higher_order(mobi, MOBI_HOC)
    assert fit.approach == "embedded"
    # stage 1 by hand: the HOC measured by copies of all of its dimensions' items
    rep = mobi.copy()
    hoc_items = [f"IMAG{k}" for k in range(1, 6)] + ["PERV1", "PERV2"]
    for i in hoc_items:
        rep[f"S_{i}"] = rep[i]
    stage1 = estimate_pls(rep, """
        Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
        Expectation =~ CUEX1 + CUEX2 + CUEX3
        Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
        Value =~ PERV1 + PERV2
        Satisfaction =~ """ + " + ".join(f"S_{i}" for i in hoc_items) + """
        Complaints =~ CUSCO
        Loyalty =~ CUSL1 + CUSL2 + CUSL3
        Satisfaction ~ Expectation + Quality
        Image ~ Satisfaction
        Value ~ Satisfaction
        Complaints ~ Satisfaction
        Loyalty ~ Satisfaction""")
    repeated = estimate_pls_higher_order(mobi, MOBI_HOC, approach="repeated")
    for a, b in [("Expectation", "Satisfaction"), ("Satisfaction", "Image"),
                 ("Satisfaction", "Loyalty")]:
        assert repeated.path(a, b) == pytest.approx(stage1.path(a, b), abs=1e-12)
    rows = repeated.estimates.query("lhs == 'Satisfaction' and op == '=~'")
    assert list(rows["rhs"]) == hoc_items  # the copies reported under the items' names
    assert rows["est"].to_numpy() == pytest.approx(
        stage1.loadings["Satisfaction"][[f"S_{i}" for i in hoc_items]].to_numpy(), abs=1e-12)
    # stage 2 by hand: the dimensions' scores measure the HOC
    data2 = mobi.assign(Image=stage1.scores["Image"], Value=stage1.scores["Value"])
    stage2 = estimate_pls(data2, MOBI_HOC.replace(
        "Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5\n", "").replace(
        "Value =~ PERV1 + PERV2\n", ""))
    assert fit.stage2.paths.to_numpy() == pytest.approx(stage2.paths.to_numpy(), abs=1e-12)
    assert fit.r2 == pytest.approx(stage2.r2, abs=1e-12)
    assert fit.stage2.weights.to_numpy() == pytest.approx(stage2.weights.to_numpy(), abs=1e-12)
    assert fit.path("Quality", "Satisfaction") == pytest.approx(0.71521, abs=1e-5)


@pytest.mark.parametrize("op", ["=~", "<~"])
def test_reflective_reflective_and_reflective_formative_on_corp_rep(op):
    data = pd.read_csv(FIX / "corp_rep_data.csv")
    fit = estimate_pls_higher_order(data, CORP.format(op=op), missing="mean", missing_value=-99)
    s1 = fit.stage1
    assert s1.model.construct("REPU").mode == ("A" if op == "=~" else "B")
    assert set(s1.model.paths) >= ({("REPU", "COMP"), ("REPU", "LIKE")} if op == "=~" else
                                   {("COMP", "REPU"), ("LIKE", "REPU")})
    assert fit.stage2.model.construct("REPU").items == ("COMP", "LIKE")
    assert fit.stage2.model.construct("REPU").mode == ("A" if op == "=~" else "B")
    assert fit.sample["replaced"] == {"cusa": 1, "cusl_1": 3, "cusl_2": 4, "cusl_3": 3}
    # stage 2 analyses the mean-replaced items and the stage-1 scores: the same as
    # estimate_pls on them
    clean = data.replace(-99, np.nan)
    clean = clean.fillna(clean.mean())
    manual = estimate_pls(clean.assign(COMP=s1.scores["COMP"].to_numpy(),
                                       LIKE=s1.scores["LIKE"].to_numpy()),
                          "CUSA =~ cusa\nCUSL =~ cusl_1 + cusl_2 + cusl_3\n"
                          f"REPU {op} COMP + LIKE\nCUSA ~ REPU\nCUSL ~ REPU + CUSA")
    for a, b in [("REPU", "CUSA"), ("REPU", "CUSL"), ("CUSA", "CUSL")]:
        assert fit.path(a, b) == pytest.approx(manual.path(a, b), abs=1e-12)
    assert 0.3 < fit.path("REPU", "CUSL") < 0.5
    d = json.loads(json.dumps(fit.to_dict(), allow_nan=False))
    assert d["higher_order"] == [{"name": "REPU", "dimensions": ["COMP", "LIKE"],
                                  "mode": "A" if op == "=~" else "B"}]


def exact_sample(sigma: np.ndarray, n: int = 500, seed: int = 3) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, sigma.shape[0]))
    x -= x.mean(axis=0)
    x = x @ np.linalg.inv(np.linalg.cholesky(np.cov(x, rowvar=False))).T
    return x @ np.linalg.cholesky(sigma).T + 2.0


@pytest.mark.parametrize("approach", ["embedded", "disjoint"])
def test_two_stage_recovers_a_composite_of_composites_population_exactly(approach):
    """L1 = w1'x1, L2 = w2'x2 (cor .4), H = b1 L1 + b2 L2 (variance 1), Y = w3'y with
    cor(H, Y) = .5: every construct is a composite, so mode B is exact at each stage."""
    R = [np.array([[1, .3, .2], [.3, 1, .4], [.2, .4, 1]]), np.array([[1, .35], [.35, 1]]),
         np.array([[1, .5, .3], [.5, 1, .4], [.3, .4, 1]])]
    w = [v / np.sqrt(v @ r @ v) for v, r in zip(
        [np.array([.6, .3, .4]), np.array([.5, .7]), np.array([.4, .4, .5])], R, strict=True)]
    r12, gamma = 0.4, 0.5
    b = np.array([0.7, 0.5])
    b = b / np.sqrt(b @ np.array([[1, r12], [r12, 1]]) @ b)
    cor_LH = np.array([b[0] + r12 * b[1], b[1] + r12 * b[0]])
    P = np.array([[1, r12, gamma * cor_LH[0]], [r12, 1, gamma * cor_LH[1]],
                  [gamma * cor_LH[0], gamma * cor_LH[1], 1]])
    lam = [r @ v for r, v in zip(R, w, strict=True)]
    sizes = [3, 2, 3]
    off = np.cumsum([0, *sizes])
    sigma = np.zeros((8, 8))
    for j in range(3):
        for k in range(3):
            sigma[off[j]:off[j + 1], off[k]:off[k + 1]] = (
                R[j] if j == k else P[j, k] * np.outer(lam[j], lam[k]))
    assert np.linalg.eigvalsh(sigma).min() > 0
    items = ["x1", "x2", "x3", "z1", "z2", "y1", "y2", "y3"]
    data = pd.DataFrame(exact_sample(sigma), columns=items)
    model = "L1 <~ x1 + x2 + x3\nL2 <~ z1 + z2\nY <~ y1 + y2 + y3\nH <~ L1 + L2\nY ~ H"
    fit = estimate_pls_higher_order(data, model, approach=approach, tol=1e-12)
    W1 = fit.stage1.weights
    assert W1.loc[["x1", "x2", "x3"], "L1"].to_numpy() == pytest.approx(w[0], abs=1e-8)
    assert W1.loc[["z1", "z2"], "L2"].to_numpy() == pytest.approx(w[1], abs=1e-8)
    assert fit.stage2.weights.loc[["L1", "L2"], "H"].to_numpy() == pytest.approx(b, abs=1e-8)
    assert fit.stage2.weights.loc[["y1", "y2", "y3"], "Y"].to_numpy() == pytest.approx(
        w[2], abs=1e-8)
    assert fit.path("H", "Y") == pytest.approx(gamma, abs=1e-8)
    assert fit.r2["Y"] == pytest.approx(gamma ** 2, abs=1e-8)


@pytest.mark.parametrize(("syntax", "words"), [
    ("A =~ a1 + a2\nB =~ b1\nH =~ A + b2\nY =~ y\nY ~ H", "constructs (A) and items (b2)"),
    ("A =~ a1\nB =~ b1\nC =~ c1\nH =~ A + B\nG =~ H + C\nY =~ y\nY ~ G", "third order"),
    ("A =~ a1\nB =~ b1\nH =~ A + B\nG =~ A + B\nY =~ y\nY ~ H + G", "both 'H' and 'G'"),
    ("A =~ a1\nB =~ b1\nH =~ A + B\nY =~ y\nY ~ H + A", "connect 'H' instead"),
    ("A =~ a1\nB =~ b1\nY =~ y\nY ~ A + B", "no higher-order construct"),
    ("A =~ a1\nB =~ b1\nH =~ A\nY =~ y\nY ~ H", "one dimension only"),
    ("A =~ a1\nB =~ b1\nH =~ A + B\nY =~ y\nY ~~ H", "covariances"),
])
def test_higher_order_syntax_errors_say_what_to_change(syntax, words):
    with pytest.raises(PLSInputError) as err:
        parse_higher_order(syntax)
    assert words in str(err.value)


def test_estimate_pls_points_to_the_higher_order_estimation(mobi):
    with pytest.raises(PLSInputError) as err:
        parse_pls_model(MOBI_HOC)
    assert err.value.code == "pls_input" and "estimate_pls_higher_order" in str(err.value)
    with pytest.raises(PLSInputError, match="approach='twostage'"):
        estimate_pls_higher_order(mobi, MOBI_HOC, approach="twostage")


@pytest.mark.parametrize("approach", ["embedded", "disjoint", "repeated"])
def test_bootstrap_resamples_rerun_both_stages(approach):
    """Each resample's row equals estimate_pls_higher_order on that resample (mean
    replacement redone within it), for every approach."""
    data = pd.read_csv(FIX / "corp_rep_data.csv")
    model = CORP.format(op="<~")
    rows = np.random.default_rng(4).integers(0, 344, size=(3, 344))
    boot = bootstrap_pls_higher_order(data, model, indices=rows, approach=approach,
                                      missing="mean", missing_value=-99, n_jobs=1,
                                      progress=False)
    assert boot.replicates.shape == (3, len(boot.table))
    raw = data.replace(-99, np.nan)
    keys = list(zip(boot.table["lhs"], boot.table["op"], boot.table["rhs"], boot.table["stage"],
                    strict=True))
    for r in range(3):
        ref = estimate_pls_higher_order(raw.iloc[rows[r]].reset_index(drop=True), model,
                                        approach=approach, missing="mean").estimates
        ref = ref.set_index(["lhs", "op", "rhs", "stage"])["est"]
        assert boot.replicates[r] == pytest.approx(ref.loc[keys].to_numpy(), abs=1e-10)
    assert boot.settings["indices"] and boot.settings["n_failed"] == 0


def test_bootstrap_is_seeded_and_worker_independent(mobi):
    from analysis.structural.resampling import replicate_generators

    a = bootstrap_pls_higher_order(mobi, MOBI_HOC, n_boot=60, seed=5, n_jobs=1, progress=False)
    b = bootstrap_pls_higher_order(mobi, MOBI_HOC, n_boot=60, seed=5, n_jobs=2, progress=False)
    assert np.array_equal(a.replicates, b.replicates)
    rows = np.array([g.integers(0, 250, size=250) for g in replicate_generators(5, 60)])
    c = bootstrap_pls_higher_order(mobi, MOBI_HOC, indices=rows, n_jobs=1, progress=False)
    assert np.array_equal(a.replicates, c.replicates)  # bootstrap_pls's resampling rule
    t = a.table.set_index(["lhs", "op", "rhs"])
    row = t.loc[("Satisfaction", "~", "Quality")]
    assert row["ci.lower"] < row["est"] < row["ci.upper"] and row["se"] > 0
    d = json.loads(json.dumps(a.to_dict(), allow_nan=False))
    assert d["bootstrap"]["seed"] == 5 and "ci.lower" in d["estimates"][0]


def test_effects_command_estimates_higher_order_models(tmp_path, capsys):
    """``engagekit effects FILE --model "... HOC =~ LOC1 + LOC2 ..." --method pls``: the
    higher-order model is estimated (was exit 2 pointing to the Python API). With
    ``--hoc-approach disjoint`` the structural paths and R² are seminr's higher_composite
    two-stage numbers (1e-6); the JSON's table is a direct bootstrap_pls_higher_order call's
    on the same seed (1e-12); stage 1's reliability lists the dimensions, stage 2's the HOC.
    A HOC model with --group exits 2; --hoc-approach without a HOC exits 2."""
    from analysis.pls.higher_order import bootstrap_pls_higher_order
    from reports.cli import main

    out = tmp_path / "hoc.json"
    data = str(FIX / "mobi.csv")
    assert main(["effects", data, "--model", MOBI_HOC, "--method", "pls", "--boot", "30",
                 "--jobs", "1", "--hoc-approach", "disjoint", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "PLS with higher-order constructs (Satisfaction =~ Image + Value): disjoint " \
           "two-stage approach" in text
    res = json.loads(out.read_text())
    r2 = {r["lhs"]: r["est"] for r in res["estimates"] if r["op"] == "r2"}
    assert [r2[c] for c in ("Satisfaction", "Complaints", "Loyalty")] == pytest.approx(
        [0.612308347837422, 0.23644617926348, 0.393885326935841], abs=1e-6)
    paths = {(r["rhs"], r["lhs"]): r["est"] for r in res["estimates"] if r["op"] == "~"}
    for key, v in SEMINR_PATHS.items():
        assert paths[key] == pytest.approx(v, abs=1e-6), key
    direct = bootstrap_pls_higher_order(pd.read_csv(FIX / "mobi.csv"), MOBI_HOC, n_boot=30,
                                        seed=20150401, approach="disjoint",
                                        missing="listwise", n_jobs=1, progress=False)
    got = pd.DataFrame(res["estimates"])
    want = direct.table
    assert list(got["lhs"] + got["op"] + got["rhs"]) == list(want["lhs"] + want["op"]
                                                             + want["rhs"])
    for col in ("est", "se", "ci.lower", "ci.upper"):
        np.testing.assert_allclose(got[col].astype(float), want[col].astype(float),
                                   atol=1e-12, err_msg=col)
    assert {r["construct"] for r in res["assessment"]["stage1"]["reliability"]} == {
        "Image", "Value"}
    assert "Satisfaction" in {r["construct"] for r in res["assessment"]["stage2"]["reliability"]}
    assert main(["effects", data, "--model", MOBI_HOC, "--method", "pls", "--group",
                 "CUSCO"]) == 2
    assert "built for first-order models" in capsys.readouterr().err
    assert main(["effects", data, "--model", "A =~ IMAG1 + IMAG2; B =~ CUSL1 + CUSL2; B ~ A",
                 "--method", "pls", "--boot", "0", "--hoc-approach", "repeated"]) == 2
    assert "has no higher-order construct" in capsys.readouterr().err
    # a second-order line whose dimension also takes part in a path: the HOC's problem named
    bad = "Image =~ IMAG1 + IMAG2; Sat =~ CUSA1 + CUSA2; Perc =~ Image + Sat; Sat ~ Perc"
    assert main(["effects", data, "--model", bad, "--method", "pls", "--boot", "0"]) == 2
    assert "'Sat' is a dimension of the higher-order construct 'Perc'" in \
        capsys.readouterr().err
