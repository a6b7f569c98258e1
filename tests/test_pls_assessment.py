"""Assessment of PLS path models (analysis.pls.assess) against cSEM, seminr and closed forms.

References:

* cSEM (R) README, ``csem(satisfaction, model)`` with defaults (PLS-PM, path weighting,
  PLSc, tolerance 1e-5) and ``assess(res)``, on the plspm ``satisfaction`` data (N = 250):
  FloSchuberth/cSEM README.md (printed to 4 decimals; SRMR and distances to 7).
* seminr (R) on ``mobi`` with Value as a mode B composite (model M1):
  sem-in-r/seminr-ts tests/fixtures/expected/M7_evaluation_m1.json (seminr's summary():
  reliability, HTMT, Fornell-Larcker, cross-loadings, item and antecedent VIFs, f², R²adj).
* seminr on ``mobi`` all mode A: sem-in-r/seminr tests/fixtures/V_3_6_0/reliability.csv,
  V_3_5_X/htmt.csv, V_3_5_X/vifs/flat_vif_antecedents1.csv.
* Closed forms on exact population data (the model-implied matrix equals the population one,
  so SRMR = d_ULS = 0; HTMT2 of congeneric blocks is the factor correlation).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.pls import assess_pls, estimate_pls, estimate_pls_moments
from analysis.pls.reliability import cronbach_alpha
from analysis.pls.structural import specific_indirect, total_effects

FIX = Path(__file__).parent / "fixtures" / "pls"

CSEM_MODEL = """
# Structural model
EXPE ~ IMAG
QUAL ~ EXPE
VAL  ~ EXPE + QUAL
SAT  ~ IMAG + EXPE + QUAL + VAL
LOY  ~ IMAG + SAT

# Composite model
IMAG <~ imag1 + imag2 + imag3
EXPE <~ expe1 + expe2 + expe3
QUAL <~ qual1 + qual2 + qual3 + qual4 + qual5
VAL  <~ val1  + val2  + val3

# Reflective measurement model
SAT  =~ sat1  + sat2  + sat3  + sat4
LOY  =~ loy1  + loy2  + loy3  + loy4
"""

M1 = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value <~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value
"""
CONSTRUCTS = ["Image", "Expectation", "Value", "Satisfaction"]


@pytest.fixture(scope="module")
def csem():
    data = pd.read_csv(FIX / "satisfaction.csv", index_col=0)
    fit = estimate_pls(data, CSEM_MODEL, consistent=True)
    return fit, assess_pls(fit)


@pytest.fixture(scope="module")
def mobi():
    return pd.read_csv(FIX / "mobi.csv")


@pytest.fixture(scope="module")
def m1(mobi):
    fit = estimate_pls(mobi, M1)
    return fit, assess_pls(fit)


# --- cSEM: PLSc with composites and common factors --------------------------------------------

def test_csem_paths_loadings_weights(csem):
    fit, _ = csem
    paths = {("IMAG", "EXPE"): .4714, ("EXPE", "QUAL"): .8344, ("EXPE", "VAL"): .0457,
             ("QUAL", "VAL"): .7013, ("IMAG", "SAT"): .2450, ("EXPE", "SAT"): -.0172,
             ("QUAL", "SAT"): .2215, ("VAL", "SAT"): .5270, ("IMAG", "LOY"): .1819,
             ("SAT", "LOY"): .6283}
    for (a, b), v in paths.items():
        assert fit.path(a, b) == pytest.approx(v, abs=1e-4), (a, b)
    load = {"imag1": .6306, "imag2": .9246, "imag3": .9577, "qual2": .9244, "val3": .6763,
            "sat1": .9243, "sat3": .7127, "loy2": .5775, "loy4": .4917}
    got = fit.estimates.query("op == '=~'").set_index("rhs")["est"]
    assert got[list(load)].to_dict() == pytest.approx(load, abs=1e-4)
    weights = {"imag1": .0156, "imag2": .4473, "imag3": .6020, "expe2": .6473, "qual4": .1037,
               "val1": .7163, "sat1": .3209, "loy4": .2073}
    got = fit.estimates.query("op == '<~'").set_index("rhs")["est"]
    assert got[list(weights)].to_dict() == pytest.approx(weights, abs=1e-4)


def test_csem_reliability_validity_and_r2(csem):
    _, a = csem
    rel = a.reliability.set_index("construct")
    assert rel.loc[["SAT", "LOY"], "alpha"].tolist() == pytest.approx([.8940, .8194], abs=1e-4)
    assert rel.loc[["SAT", "LOY"], "rho_c"].tolist() == pytest.approx([.8960, .8237], abs=1e-4)
    assert rel.loc[["SAT", "LOY"], "rho_a"].tolist() == pytest.approx([.9051, .8761], abs=1e-4)
    assert rel.loc[["SAT", "LOY"], "ave"].tolist() == pytest.approx([.6851491, .5551718],
                                                                     abs=1e-4)
    assert a.htmt.loc["SAT", "LOY"] == pytest.approx(0.7432489, abs=1e-5)   # item correlations
    assert a.htmt2.loc["SAT", "LOY"] == pytest.approx(0.7140046, abs=1e-5)  # only: exact
    # cSEM prints AVE and squared correlations; engagekit sqrt(AVE) and correlations
    assert a.fornell_larcker.loc["SAT", "LOY"] ** 2 == pytest.approx(0.5696460, abs=1e-4)
    assert a.fornell_larcker.loc["SAT", "SAT"] ** 2 == pytest.approx(0.6851491, abs=1e-4)
    r2 = a.r2.set_index("construct")
    expected = {"SAT": (.7624, .7585), "LOY": (.5868, .5834), "EXPE": (.2222, .2190),
                "QUAL": (.6963, .6951), "VAL": (.5474, .5438)}
    for c, (v, adj) in expected.items():
        assert r2.loc[c, "r2"] == pytest.approx(v, abs=1e-4)
        assert r2.loc[c, "r2_adj"] == pytest.approx(adj, abs=1e-4)


def test_csem_vifs_f2_effects_and_fit(csem):
    _, a = csem
    paths = a.paths.set_index(["lhs", "rhs"])
    vif = {("VAL", "EXPE"): 3.2928, ("VAL", "QUAL"): 3.2928, ("SAT", "EXPE"): 3.2985,
           ("SAT", "QUAL"): 4.4151, ("SAT", "IMAG"): 1.7280, ("SAT", "VAL"): 2.6726,
           ("LOY", "IMAG"): 1.9345, ("LOY", "SAT"): 1.9345}
    for k, v in vif.items():
        assert paths.loc[k, "vif"] == pytest.approx(v, abs=1e-4), k
    f2 = {("EXPE", "IMAG"): .2856, ("QUAL", "EXPE"): 2.2928, ("VAL", "EXPE"): .0014,
          ("VAL", "QUAL"): .3301, ("SAT", "IMAG"): .1462, ("SAT", "EXPE"): .0004,
          ("SAT", "QUAL"): .0468, ("SAT", "VAL"): .4373, ("LOY", "IMAG"): .0414,
          ("LOY", "SAT"): .4938}
    for k, v in f2.items():
        assert paths.loc[k, "f2"] == pytest.approx(v, abs=1e-4), k
    ivif = a.indicators.set_index("item")["vif"]
    item_vif = {"imag1": 1.7215, "imag2": 3.0515, "imag3": 2.5356, "expe1": 1.4949,
                "expe2": 1.6623, "expe3": 1.5212, "qual1": 1.8401, "qual2": 2.5005,
                "qual3": 1.7796, "qual4": 2.1557, "qual5": 2.0206, "val1": 1.6912,
                "val2": 2.2049, "val3": 1.6714}
    assert ivif[list(item_vif)].to_dict() == pytest.approx(item_vif, abs=1e-4)
    eff = a.effects[a.effects["via"] == ""].set_index(["lhs", "rhs"])
    total = {("QUAL", "IMAG"): .3933, ("VAL", "IMAG"): .2974, ("VAL", "EXPE"): .6309,
             ("SAT", "IMAG"): .4807, ("SAT", "EXPE"): .5001, ("SAT", "QUAL"): .5911,
             ("LOY", "IMAG"): .4840, ("LOY", "EXPE"): .3142, ("LOY", "QUAL"): .3714,
             ("LOY", "VAL"): .3311, ("LOY", "SAT"): .6283}
    indirect = {("VAL", "EXPE"): .5852, ("SAT", "IMAG"): .2357, ("SAT", "EXPE"): .5173,
                ("SAT", "QUAL"): .3696, ("LOY", "IMAG"): .3020}
    for k, v in total.items():
        assert eff.loc[k, "total"] == pytest.approx(v, abs=1e-4), k
    for k, v in indirect.items():
        assert eff.loc[k, "indirect"] == pytest.approx(v, abs=1e-4), k
    # cSEM assess(): SRMR = 0.09396871, squared Euclidean distance (d_ULS) = 2.23402
    assert a.fit["estimated"]["srmr"] == pytest.approx(0.09396871, abs=1e-6)
    assert a.fit["estimated"]["d_uls"] == pytest.approx(2.23402, abs=1e-4)


# --- seminr on mobi ---------------------------------------------------------------------------

M1_RELIABILITY = [  # alpha, rhoA, rhoC, AVE (M7_evaluation_m1.json)
    [0.722834595427083, 0.745289942399617, 0.8183288374532, 0.47798374804605],
    [0.451902555978064, 0.461670827027713, 0.733177962460142, 0.480508686683972],
    [0.823631979352573, 1, 0.885907341530073, 0.797489114757619],
    [0.779195021918597, 0.783996905442347, 0.871471092828959, 0.693394440305733]]
SEMINR_HTMT = {("Image", "Expectation"): 0.88803042750925, ("Image", "Value"): 0.651659392487802,
               ("Image", "Satisfaction"): 0.910100923782741,
               ("Expectation", "Value"): 0.588628982316289,
               ("Expectation", "Satisfaction"): 0.865108193553153,
               ("Value", "Satisfaction"): 0.740808927759395}


def test_seminr_m1_reliability_htmt_fornell_larcker(m1):
    _, a = m1
    rel = a.reliability.set_index("construct").loc[CONSTRUCTS, ["alpha", "rho_a", "rho_c", "ave"]]
    assert rel.to_numpy() == pytest.approx(np.array(M1_RELIABILITY), abs=1e-5)
    for (x, y), v in SEMINR_HTMT.items():
        assert a.htmt.loc[x, y] == pytest.approx(v, abs=1e-10)
    fl_diag = [0.69136368724865, 0.693187338808184, 0.893022460388102, 0.832703092528023]
    assert np.diag(a.fornell_larcker.loc[CONSTRUCTS, CONSTRUCTS]) == pytest.approx(fl_diag,
                                                                                    abs=1e-5)
    assert a.fornell_larcker.loc["Satisfaction", "Image"] == pytest.approx(0.69537841361338,
                                                                           abs=1e-5)


def test_seminr_m1_cross_loadings_vifs_f2(m1):
    fit, a = m1
    cl = a.cross_loadings.loc[["PERV1", "PERV2", "CUEX3"], CONSTRUCTS].to_numpy()
    assert cl == pytest.approx(np.array([
        [0.396958196239943, 0.30779924704247, 0.780581086709937, 0.485818672439036],
        [0.530198007876972, 0.34874484005973, 0.992809849158423, 0.617905777076003],
        [0.288470689830775, 0.597646187587249, 0.269430352320896, 0.320804529263327]]),
        abs=1e-5)
    vif = a.indicators.set_index("item")["vif"]
    assert vif[["IMAG1", "IMAG4", "CUEX2", "PERV1", "CUSA2"]].tolist() == pytest.approx(
        [1.46840074157899, 1.51040340151145, 1.12060419838461, 1.96158254047704,
         1.76197723191477], abs=1e-10)
    paths = a.paths.set_index("rhs")
    assert paths.loc[CONSTRUCTS[:3], "vif"].tolist() == pytest.approx(
        [1.65644968493471, 1.36361955075338, 1.41277299324095], abs=1e-5)
    # seminr's f² re-estimates the model without the path
    assert paths.loc[CONSTRUCTS[:3], "f2_refit"].tolist() == pytest.approx(
        [0.278388818431594, 0.0518196793704476, 0.186806167738516], abs=1e-5)
    assert a.r2["r2_adj"].iloc[0] == pytest.approx(0.590375880470277, abs=1e-5)
    # one endogenous construct: the estimated and the saturated model coincide
    assert a.fit["estimated"]["srmr"] == pytest.approx(a.fit["saturated"]["srmr"], abs=1e-12)
    assert json.loads(a.to_json())["paths"][0]["lhs"] == "Satisfaction"


def test_seminr_mode_a_reliability_and_antecedent_vifs(mobi):
    a = assess_pls(estimate_pls(mobi, M1.replace("Value <~", "Value =~")))
    ref = [  # reliability.csv: alpha, rhoC, AVE, rhoA
        [0.722834595427083, 0.818325774056256, 0.477979834838268, 0.745291554480322],
        [0.451902555978063, 0.733177801505283, 0.480507046633952, 0.461657986928213],
        [0.823631979352573, 0.917897281748515, 0.84831067540365, 0.857527048393235],
        [0.779195021918597, 0.871457927643628, 0.693363990925202, 0.784023593590752]]
    rel = a.reliability.set_index("construct").loc[CONSTRUCTS, ["alpha", "rho_c", "ave", "rho_a"]]
    assert rel.to_numpy() == pytest.approx(np.array(ref), abs=1e-5)
    assert a.paths["vif"].tolist() == pytest.approx([1.6139498810707, 1.36849662441311,
                                                     1.37801850355244], abs=1e-5)


# --- closed forms ----------------------------------------------------------------------------

def test_alpha_is_the_variance_formula():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 4)) + rng.normal(size=(300, 1))
    Z = (X - X.mean(0)) / X.std(0, ddof=1)
    k = 4
    by_variances = k / (k - 1) * (1 - Z.var(0, ddof=1).sum() / Z.sum(1).var(ddof=1))
    assert cronbach_alpha(np.corrcoef(X, rowvar=False)) == pytest.approx(by_variances, abs=1e-12)


def test_effects_decompose_into_chains():
    names = ["A", "M1", "M2", "Y"]
    B = np.zeros((4, 4))
    B[0, 1], B[0, 2], B[1, 2], B[1, 3], B[2, 3], B[0, 3] = .5, .2, .3, .4, .6, .1
    T = total_effects(B)
    # A -> Y: .1 + .5*.4 + .2*.6 + .5*.3*.6
    assert T[0, 3] == pytest.approx(.1 + .2 + .12 + .09, abs=1e-15)
    chains = specific_indirect(B, names)
    assert [c for c, _ in chains if c[0] == "A" and c[-1] == "Y"] == [
        ["A", "M1", "M2", "Y"], ["A", "M1", "Y"], ["A", "M2", "Y"]]
    assert sum(v for c, v in chains if c[0] == "A" and c[-1] == "Y") == pytest.approx(
        T[0, 3] - B[0, 3], abs=1e-15)


def _population(lam: list[np.ndarray], phi: np.ndarray) -> pd.DataFrame:
    p = sum(x.size for x in lam)
    L = np.zeros((p, len(lam)))
    off = 0
    for j, x in enumerate(lam):
        L[off:off + x.size, j] = x
        off += x.size
    S = L @ phi @ L.T
    np.fill_diagonal(S, 1.0)
    items = [f"x{k}" for k in range(1, p + 1)]
    return pd.DataFrame(S, index=items, columns=items)


def test_population_values_of_a_common_factor_model():
    """PLSc on a population: zero misfit, rho_C and AVE of the population loadings, HTMT2 =
    the factor correlation for congeneric blocks, HTMT = it for tau-equivalent blocks."""
    lam = [np.array([.8, .7, .6]), np.array([.9, .6, .5])]
    phi = np.array([[1, .45], [.45, 1]])
    S = _population(lam, phi)
    model = "F1 =~ x1 + x2 + x3\nF2 =~ x4 + x5 + x6\nF2 ~ F1"
    a = assess_pls(estimate_pls_moments(S, model, consistent=True))
    assert a.fit["estimated"]["srmr"] == pytest.approx(0, abs=1e-12)
    assert a.fit["estimated"]["d_uls"] == pytest.approx(0, abs=1e-12)
    rel = a.reliability.set_index("construct")
    for name, x in zip(["F1", "F2"], lam, strict=True):
        assert rel.loc[name, "rho_c"] == pytest.approx(x.sum() ** 2 / (x.sum() ** 2 + (1 - x ** 2).sum()),
                                                       abs=1e-10)
        assert rel.loc[name, "ave"] == pytest.approx(np.mean(x ** 2), abs=1e-10)
    assert a.htmt2.loc["F1", "F2"] == pytest.approx(.45, abs=1e-12)
    assert a.htmt.loc["F1", "F2"] != pytest.approx(.45, abs=1e-3)  # HTMT is biased here
    tau = assess_pls(estimate_pls_moments(_population([np.full(3, .7), np.full(3, .6)], phi),
                                          model, consistent=True))
    assert tau.htmt.loc["F1", "F2"] == pytest.approx(.45, abs=1e-12)
    # not consistent: composites of a common-factor population misfit (SRMR > 0)
    plain = assess_pls(estimate_pls_moments(S, model))
    assert plain.fit["estimated"]["srmr"] > 0.01


def test_all_pairs_htmt_equals_the_pairwise_definition():
    """The block-sum HTMT/HTMT2 used for every pair (and in the bootstrap) equals the
    pairwise definition, including NaN for a single item and HTMT2 with a negative
    correlation."""
    from analysis.pls.validity import htmt_blocks, htmt_matrix

    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 9)) + rng.normal(size=(50, 1))
    R = np.corrcoef(X, rowvar=False)
    R[0, 4] = R[4, 0] = -0.1
    blocks = [[0, 1, 2], [3, 4], [5], [6, 7, 8]]
    for h2 in (False, True):
        H = htmt_blocks(R, blocks, htmt2=h2)
        for i in range(4):
            for j in range(4):
                if i != j:
                    want = htmt_matrix(R, blocks[i], blocks[j], htmt2=h2)
                    assert H[i, j] == pytest.approx(want, abs=1e-12, nan_ok=True), (h2, i, j)
    assert np.isnan(htmt_blocks(R, blocks, htmt2=True)[0, 1])  # R[0, 4] < 0
    assert np.isnan(htmt_blocks(R, blocks)[2, 3])  # single item
