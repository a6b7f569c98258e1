"""PLS path modelling (analysis.pls) against published references and population values.

References (point estimates, compared at 1e-4 unless said):

* seminr (R) on its ``mobi`` data, N = 250, path weighting, mode A, model Image, Expectation,
  Value -> Satisfaction (sem-in-r/seminr tests/fixtures/V_3_6_0/boot_report_paths.csv,
  rsquared1.csv; sem-in-r/seminr-ts tests/fixtures/expected/M3_reflective_plsc.json,
  M1_basic_composite.json; seminr path_coef1.csv / rsquaredplsc.csv for PLSc with factorial
  weighting; rho_A from seminr's reliability output as quoted in
  shared/research/collection-pls-requests.md, B.3 (a)-(c)).
* seminr's corporate-reputation fixture (tests/fixtures/V_3_6_0/corp_rep_simple_paths.csv):
  corp_rep_data, N = 344, -99 missing, mean replacement.
* R plspm on its ``satisfaction`` data, all mode A, centroid scheme, ``scaled = FALSE``
  (GoogleCloudPlatform/plspm-python tests/data/satisfaction.inner-summary.csv,
  satisfaction.inner-model.csv, satisfaction.outer-model.csv, produced with R plspm).
* Exact population recovery as cSEM's tests (FloSchuberth/cSEM tests/testthat/test-csem.r):
  data whose sample covariance equals a population matrix exactly; PLSc on common-factor
  models and PLS mode B on composite models return the population values to 1e-8.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.pls import (
    PLSInputError,
    PLSNotConvergedError,
    estimate_pls,
    estimate_pls_moments,
    parse_pls_model,
)

FIX = Path(__file__).parent / "fixtures" / "pls"

MOBI_MODEL = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value
"""
PRED = ["Image", "Expectation", "Value"]

CORP_MODEL = """
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""

SAT_MODEL = """
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL =~ val1 + val2 + val3 + val4
SAT =~ sat1 + sat2 + sat3 + sat4
LOY =~ loy1 + loy2 + loy3 + loy4
EXPE ~ IMAG
QUAL ~ EXPE
VAL ~ EXPE + QUAL
SAT ~ IMAG + EXPE + QUAL + VAL
LOY ~ IMAG + SAT
"""


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return pd.read_csv(FIX / "mobi.csv")


def sat_paths(fit) -> list[float]:
    return [fit.path(p, "Satisfaction") for p in PRED]


# --- seminr on mobi -------------------------------------------------------------------------

def test_mobi_pls_mode_a_path_weighting_matches_seminr(mobi):
    fit = estimate_pls(mobi, MOBI_MODEL)
    assert sat_paths(fit) == pytest.approx([0.4470, 0.1718, 0.3164], abs=1e-4)
    assert fit.r2["Satisfaction"] == pytest.approx(0.5906, abs=1e-4)
    # seminr's rho_A (reliability output): Image .7453, Expectation .4617, Value .8575, Sat .7840
    assert [fit.rho_a[c] for c in [*PRED, "Satisfaction"]] == pytest.approx(
        [0.7453, 0.4617, 0.8575, 0.7840], abs=1e-4)
    assert fit.sample == {"n": 250, "n_read": 250, "missing": "complete", "n_incomplete": 0,
                          "n_dropped": 0, "replaced": {}}


def test_mobi_plsc_matches_seminr_reflective(mobi):
    fit = estimate_pls(mobi, MOBI_MODEL, consistent=True)
    assert sat_paths(fit) == pytest.approx([0.5407, 0.2357, 0.2598], abs=1e-4)
    assert fit.r2["Satisfaction"] == pytest.approx(0.8844, abs=1e-4)
    fac = estimate_pls(mobi, MOBI_MODEL, consistent=True, scheme="factorial")
    assert sat_paths(fac) == pytest.approx([0.5377, 0.2410, 0.2583], abs=1e-4)
    assert fac.r2["Satisfaction"] == pytest.approx(0.8857, abs=1e-4)


def test_mobi_value_mode_b_matches_seminr(mobi):
    fit = estimate_pls(mobi, MOBI_MODEL.replace("Value =~", "Value <~"))
    assert sat_paths(fit) == pytest.approx([0.4312, 0.1748, 0.3311], abs=1e-4)
    assert fit.r2["Satisfaction"] == pytest.approx(0.5953, abs=1e-4)
    assert fit.rho_a["Value"] == 1.0  # seminr reports rho_A = 1 for a mode B composite


# --- seminr's corporate-reputation fixture --------------------------------------------------

def test_corp_rep_mean_replacement_matches_seminr():
    data = pd.read_csv(FIX / "corp_rep_data.csv")
    fit = estimate_pls(data, CORP_MODEL, missing="mean", missing_value=-99)
    got = [fit.path("COMP", "CUSA"), fit.path("LIKE", "CUSA"), fit.path("COMP", "CUSL"),
           fit.path("LIKE", "CUSL"), fit.path("CUSA", "CUSL")]
    assert got == pytest.approx([0.1621, 0.4239, 0.0092, 0.3421, 0.5045], abs=1e-4)
    assert fit.r2["CUSA"] == pytest.approx(0.295, abs=5e-4)
    assert fit.r2["CUSL"] == pytest.approx(0.562, abs=5e-4)
    # the 11 cells coded -99 among the model's items, counted per item (grep of the file)
    assert fit.sample["replaced"] == {"cusa": 1, "cusl_1": 3, "cusl_2": 4, "cusl_3": 3}
    assert fit.sample["n"] == 344 and fit.sample["n_incomplete"] == 8
    raw = data.replace(-99, np.nan)
    listwise = estimate_pls(raw, CORP_MODEL, missing="listwise")
    assert listwise.sample["n"] == 336 and listwise.sample["n_dropped"] == 8


def test_missing_answers_need_an_explicit_handling():
    data = pd.read_csv(FIX / "corp_rep_data.csv").replace(-99, np.nan)
    with pytest.raises(PLSInputError) as err:
        estimate_pls(data, CORP_MODEL)
    assert err.value.code == "invalid_argument"
    assert "missing='mean'" in str(err.value) and "cusl_2 (4)" in str(err.value)


# --- R plspm, centroid scheme, unscaled -----------------------------------------------------

PLSPM_LOADINGS = {  # satisfaction.outer-model.csv, column loading
    "imag1": 0.70932650116601, "imag2": 0.877307817983846, "imag3": 0.841748537706059,
    "imag4": 0.569193430203468, "imag5": 0.77846683251928, "expe1": 0.765800562617078,
    "expe2": 0.837418997567575, "expe3": 0.759820571357087, "expe4": 0.71834524993581,
    "expe5": 0.837276022047764, "qual1": 0.781469313516066, "qual2": 0.881558340214507,
    "qual3": 0.794076151381524, "qual4": 0.788981936722486, "qual5": 0.807446541109636,
    "val1": 0.864821997997945, "val2": 0.796238958208741, "val3": 0.750064674608617,
    "val4": 0.844483086242166, "sat1": 0.919797990928334, "sat2": 0.916030239797506,
    "sat3": 0.825878617822696, "sat4": 0.8175253352275, "loy1": 0.906587085677551,
    "loy2": 0.671101376778201, "loy3": 0.904973625494352, "loy4": 0.681874238346727}
PLSPM_WEIGHTS = {  # same file, column weight (raw-metric weights, composite variance over n)
    "imag1": 0.0982418501741741, "imag2": 0.157472863818056, "imag3": 0.156722118194341,
    "imag4": 0.0765758587028763, "imag5": 0.184330241358762, "expe1": 0.106230159251131,
    "sat1": 0.166366549374147, "loy4": 0.0806690862675395}


def test_satisfaction_centroid_unscaled_matches_r_plspm():
    data = pd.read_csv(FIX / "satisfaction.csv", index_col=0)
    fit = estimate_pls(data, SAT_MODEL, scheme="centroid", standardize=False)
    assert fit.path("IMAG", "EXPE") == pytest.approx(0.5790, abs=1e-4)
    assert fit.path("SAT", "LOY") == pytest.approx(0.4955, abs=1e-4)
    expected = {("EXPE", "QUAL"): 0.8483, ("EXPE", "VAL"): 0.1055, ("QUAL", "VAL"): 0.6767,
                ("IMAG", "LOY"): 0.2752}
    for (a, b), v in expected.items():
        assert fit.path(a, b) == pytest.approx(v, abs=1.5e-4), (a, b)
    # satisfaction.inner-model.csv: the SAT equation at full precision
    assert [fit.path(p, "SAT") for p in ("IMAG", "EXPE", "QUAL", "VAL")] == pytest.approx(
        [0.200724200280665, -0.00275399457916834, 0.122144565609107, 0.589330650016017],
        abs=1e-6)
    r2 = {"EXPE": 0.335193672418813, "QUAL": 0.719688235228933, "VAL": 0.59008437279849,
          "SAT": 0.707320949544597, "LOY": 0.509922562050087}
    assert fit.r2 == pytest.approx(r2, abs=1e-6)
    load = fit.estimates.query("op == '=~'").set_index("rhs")["est"]
    assert load.to_dict() == pytest.approx(PLSPM_LOADINGS, abs=1e-6)
    # plspm scales composites to variance 1 dividing by n; engagekit (as seminr) by n - 1
    w = fit.estimates.query("op == '<~'").set_index("rhs")["est"] * np.sqrt(250 / 249)
    assert w[list(PLSPM_WEIGHTS)].to_dict() == pytest.approx(PLSPM_WEIGHTS, abs=1e-6)


# --- exact population recovery (cSEM's test design) ------------------------------------------

def exact_sample(sigma: np.ndarray, n: int = 400, seed: int = 11) -> np.ndarray:
    """Data whose sample covariance (n - 1) is exactly ``sigma``: whiten, then colour."""
    x = np.random.default_rng(seed).normal(size=(n, sigma.shape[0]))
    x -= x.mean(axis=0)
    x = x @ np.linalg.inv(np.linalg.cholesky(np.cov(x, rowvar=False))).T
    return x @ np.linalg.cholesky(sigma).T + 3.0


def implied_cor(beta: np.ndarray, phi_exo: dict[tuple[int, int], float]) -> np.ndarray:
    """Construct correlations of a recursive model with standardized paths ``beta[i, j]``
    (i -> j, constructs in causal order) and exogenous correlations ``phi_exo``."""
    J = beta.shape[0]
    P = np.eye(J)
    for (a, b), r in phi_exo.items():
        P[a, b] = P[b, a] = r
    for j in range(J):
        pred = np.flatnonzero(beta[:, j])
        if pred.size:
            for k in range(j):
                if k != j:
                    P[j, k] = P[k, j] = float(beta[pred, j] @ P[pred, k])
    return P


STRUCT = """
eta2 ~ eta1
eta3 ~ eta1 + eta2
"""
BETA = np.array([[0, 0.5, 0.3], [0, 0, 0.4], [0, 0, 0]])


def test_plsc_recovers_common_factor_population_exactly():
    lam = [np.array([0.8, 0.7, 0.6]), np.array([0.9, 0.75, 0.65, 0.5]), np.array([0.7, 0.8])]
    phi = implied_cor(BETA, {})
    L = np.zeros((9, 3))
    start = 0
    for j, lj in enumerate(lam):
        L[start:start + lj.size, j] = lj
        start += lj.size
    sigma = L @ phi @ L.T
    np.fill_diagonal(sigma, 1.0)
    items = [f"x{k}" for k in range(1, 10)]
    model = ("eta1 =~ x1 + x2 + x3\neta2 =~ x4 + x5 + x6 + x7\neta3 =~ x8 + x9" + STRUCT)
    data = pd.DataFrame(exact_sample(sigma * 4.0), columns=items)  # any item scale
    for scheme in ("path", "factorial", "centroid"):
        fit = estimate_pls(data, model, consistent=True, scheme=scheme)
        assert fit.loadings.to_numpy() == pytest.approx(L, abs=1e-8)
        assert fit.paths.to_numpy() == pytest.approx(BETA, abs=1e-8)
        assert fit.construct_cor.to_numpy() == pytest.approx(phi, abs=1e-8)
        assert fit.r2["eta3"] == pytest.approx(BETA[:, 2] @ phi[:, 2], abs=1e-8)
        # rho_A of a block is its congeneric reliability (sum lambda)^2 / var(sum) with
        # weights proportional to the loadings: (l'l)^2 / l'Sigma l
        for j, lj in enumerate(lam):
            b = slice(sum(x.size for x in lam[:j]), sum(x.size for x in lam[:j + 1]))
            assert fit.rho_a[f"eta{j + 1}"] == pytest.approx(
                (lj @ lj) ** 2 / (lj @ sigma[b, b] @ lj), abs=1e-10)
    # the same from the population matrix itself
    pop = estimate_pls_moments(pd.DataFrame(sigma, index=items, columns=items), model,
                               consistent=True)
    assert pop.paths.to_numpy() == pytest.approx(BETA, abs=1e-10)


def composite_population(blocks_R: list[np.ndarray], w_raw: list[np.ndarray],
                         P: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """The composite model in closed form (Dijkstra, 2017; Henseler, 2021, ch. 2): weights
    scaled to unit composite variance, ``w_j' R_jj w_j = 1``; loadings ``R_jj w_j``; between
    blocks ``Sigma_jk = R_jj w_j P_jk w_k' R_kk``."""
    w = [v / np.sqrt(v @ R @ v) for v, R in zip(w_raw, blocks_R, strict=True)]
    lam = [R @ v for R, v in zip(blocks_R, w, strict=True)]
    sizes = [R.shape[0] for R in blocks_R]
    p = sum(sizes)
    sigma = np.zeros((p, p))
    off = np.cumsum([0, *sizes])
    for j in range(len(sizes)):
        for k in range(len(sizes)):
            sj, sk = slice(off[j], off[j + 1]), slice(off[k], off[k + 1])
            sigma[sj, sk] = blocks_R[j] if j == k else P[j, k] * np.outer(lam[j], lam[k])
    return sigma, w, lam


def test_pls_mode_b_recovers_composite_population_exactly():
    R1 = np.array([[1, .4, .3], [.4, 1, .5], [.3, .5, 1]])
    R2 = np.array([[1, .2, .35], [.2, 1, .25], [.35, .25, 1]])
    R3 = np.array([[1, .45], [.45, 1]])
    P = implied_cor(BETA, {})
    sigma, w, lam = composite_population([R1, R2, R3], [np.array([.6, .3, .4]),
                                                        np.array([.5, .5, .2]),
                                                        np.array([.7, .4])], P)
    assert np.linalg.eigvalsh(sigma).min() > 0
    items = [f"x{k}" for k in range(1, 9)]
    model = "eta1 <~ x1 + x2 + x3\neta2 <~ x4 + x5 + x6\neta3 <~ x7 + x8" + STRUCT
    data = pd.DataFrame(exact_sample(sigma), columns=items)
    for scheme in ("path", "factorial", "centroid"):
        fit = estimate_pls(data, model, scheme=scheme)
        assert fit.weights.to_numpy()[fit.weights.to_numpy() != 0] == pytest.approx(
            np.concatenate(w), abs=1e-8)
        got_l = fit.loadings.to_numpy()
        assert got_l[got_l != 0] == pytest.approx(np.concatenate(lam), abs=1e-8)
        assert fit.paths.to_numpy() == pytest.approx(BETA, abs=1e-8)
        assert fit.construct_cor.to_numpy() == pytest.approx(P, abs=1e-8)


def test_plsc_recovers_mixed_factor_and_composite_population_exactly():
    """A common factor (eta1, mode A + PLSc) beside composites (eta2, eta3, mode B)."""
    lam1 = np.array([0.85, 0.7, 0.6])
    R2 = np.array([[1, .3, .2], [.3, 1, .4], [.2, .4, 1]])
    R3 = np.array([[1, .5], [.5, 1]])
    P = implied_cor(BETA, {})
    comp, w, lam = composite_population([R2, R3], [np.array([.5, .4, .4]), np.array([.6, .5])],
                                        P[1:, 1:])
    sigma = np.zeros((8, 8))
    R1 = np.outer(lam1, lam1)
    np.fill_diagonal(R1, 1)
    sigma[:3, :3] = R1
    sigma[3:, 3:] = comp
    sigma[:3, 3:6] = P[0, 1] * np.outer(lam1, lam[0])
    sigma[:3, 6:] = P[0, 2] * np.outer(lam1, lam[1])
    sigma[3:, :3] = sigma[:3, 3:].T
    items = [f"x{k}" for k in range(1, 9)]
    model = "eta1 =~ x1 + x2 + x3\neta2 <~ x4 + x5 + x6\neta3 <~ x7 + x8" + STRUCT
    fit = estimate_pls(pd.DataFrame(exact_sample(sigma), columns=items), model, consistent=True)
    assert fit.loadings["eta1"].to_numpy()[:3] == pytest.approx(lam1, abs=1e-8)
    assert fit.weights["eta2"].to_numpy()[3:6] == pytest.approx(w[0], abs=1e-8)
    assert fit.weights["eta3"].to_numpy()[6:] == pytest.approx(w[1], abs=1e-8)
    assert fit.paths.to_numpy() == pytest.approx(BETA, abs=1e-8)


# --- convergence, input errors, plain results ------------------------------------------------

def test_non_convergence_is_an_input_error_saying_so(mobi):
    with pytest.raises(PLSNotConvergedError) as err:
        estimate_pls(mobi, MOBI_MODEL, max_iter=2)
    assert err.value.code == "pls_not_converged"
    assert "did not converge in 2 iterations" in str(err.value)
    assert isinstance(err.value, ValueError)
    assert estimate_pls(mobi, MOBI_MODEL).iterations <= 300


@pytest.mark.parametrize(("syntax", "code", "words"), [
    ("A =~ a1 + a2\nB =~ b1\nB ~~ A", "pls_input", "line 3"),
    ("A =~ 0.5*a1 + a2\nB =~ b1\nB ~ A", "pls_input", "modifier"),
    ("A =~ a1 + a2\nA <~ a3\nB =~ b1\nB ~ A", "pls_input", "both '=~' and '<~'"),
    ("A =~ a1 + a2\nB =~ a2 + b1\nB ~ A", "pls_input", "both 'A' and 'B'"),
    ("A =~ a1 + a2\nB =~ b1\nB ~ a1", "pls_input", "item of 'A'"),
    ("A =~ a1 + a2\nB =~ b1\nC =~ c1\nB ~ A", "pls_input", "'C'"),
    ("A =~ a1\nB =~ b1\nB ~ A\nA ~ B", "model_cycle", "A -> B -> A"),
    ("A =~ a1 + a2\nB =~ b1", "pls_input", "no structural"),
    ("", "pls_input", "empty"),
])
def test_model_syntax_errors_name_the_problem(syntax, code, words):
    with pytest.raises(PLSInputError) as err:
        parse_pls_model(syntax)
    assert err.value.code == code
    assert words in str(err.value)


def test_data_errors_name_items(mobi):
    with pytest.raises(PLSInputError) as err:
        estimate_pls(mobi.drop(columns=["IMAG2", "CUEX3"]), MOBI_MODEL)
    assert err.value.code == "item_not_in_data" and "'IMAG2', 'CUEX3'" in str(err.value)
    const = mobi.assign(PERV1=5)
    with pytest.raises(PLSInputError) as err:
        estimate_pls(const, MOBI_MODEL)
    assert err.value.code == "item_constant" and "PERV1" in str(err.value)
    dup = mobi.assign(PERV2=mobi["PERV1"] * 2)
    with pytest.raises(PLSInputError) as err:
        estimate_pls(dup, MOBI_MODEL.replace("Value =~", "Value <~"))
    assert "collinear" in str(err.value)
    with pytest.raises(PLSInputError) as err:
        estimate_pls(mobi, MOBI_MODEL, scheme="pca")
    assert err.value.code == "invalid_argument"


def test_result_is_plain_data_with_a_lavaan_shaped_table(mobi):
    fit = estimate_pls(mobi, MOBI_MODEL)
    table = fit.estimates
    assert list(table.columns) == ["lhs", "op", "rhs", "est"]
    assert set(table["op"]) == {"=~", "<~", "~", "~~", "r2"}
    row = table.query("lhs == 'Satisfaction' and op == '~' and rhs == 'Image'")
    assert float(row["est"].iloc[0]) == pytest.approx(0.4470, abs=1e-4)
    d = json.loads(json.dumps(fit.to_dict(), allow_nan=False))
    assert d["method"] == "pls" and d["settings"]["scheme"] == "path"
    assert len(d["estimates"]) == len(table) and "scores" not in d
    assert len(fit.to_dict(scores=True)["scores"]["data"]) == 250
    # scores are standardized composites of the standardized items
    assert fit.scores.std(ddof=1).to_numpy() == pytest.approx(1.0, abs=1e-12)
    same = estimate_pls(mobi, MOBI_MODEL)
    assert same.to_json() == fit.to_json()


def test_import_analysis_pls_loads_no_numpy():
    code = ("import sys, analysis.pls\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('numpy', 'pandas', 'scipy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
