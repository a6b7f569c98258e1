"""validate_scales wires every statistic correctly: lavaan/semTools/psych references on HS."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import semopy.examples

from analysis.psychometrics.validation import ValidationSettings, validate_scales
from analysis.sem.syntax import constructs_from_syntax

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


@pytest.fixture(scope="module")
def hs_result():
    data = semopy.examples.holzinger39.get_data()
    return validate_scales(data, constructs_from_syntax(HS_MODEL), group="school",
                           settings=ValidationSettings(htmt_n_boot=100, parallel_iter=20))


def test_reliability_and_fit_match_references(hs_result):
    rel = hs_result.reliability.set_index("construct")
    # psych::alpha and semTools::compRelSEM (see tests/test_reliability.py for the R calls)
    assert rel["alpha"].to_numpy() == pytest.approx([.6261, .8827, .6885], abs=1e-3)
    assert rel["omega"].to_numpy() == pytest.approx([.612, .885, .686], abs=1e-3)
    fm = hs_result.cfa["fit_measures"]
    # lavaan tutorial: chisq 85.306, df 24, CFI .931, TLI .896, RMSEA .092, SRMR .065
    assert fm["chisq"] == pytest.approx(85.306, abs=1e-3) and fm["df"] == 24
    assert fm["cfi"] == pytest.approx(.931, abs=1e-3) and fm["srmr"] == pytest.approx(.065, abs=1e-3)
    top = hs_result.cfa["modification_indices"][0]
    assert (top["lhs"], top["op"], top["rhs"]) == ("visual", "=~", "x9")
    assert top["mi"] == pytest.approx(36.411, abs=1e-3)


def test_validity_and_invariance_match_references(hs_result):
    pairs = {(p["construct_a"], p["construct_b"]): p["htmt"]
             for p in hs_result.validity["htmt"]["pairs"]}
    assert [pairs[("visual", "textual")], pairs[("visual", "speed")],
            pairs[("textual", "speed")]] == pytest.approx([.424, .467, .290], abs=1e-3)
    pairs2 = [p["htmt"] for p in hs_result.validity["htmt2"]["pairs"]]
    assert pairs2 == pytest.approx([.384, .387, .280], abs=1e-3)
    conv = pd.DataFrame(hs_result.validity["convergent"]).set_index("construct")
    ave_col = next(c for c in conv.columns if c.lower().startswith("ave"))
    assert conv[ave_col].to_numpy() == pytest.approx([.371, .721, .424], abs=1e-3)
    inv = pd.DataFrame(hs_result.invariance["table"]).set_index("model")
    # lavaan cfa(..., group = "school", group.equal = ...)
    assert inv["chisq"].to_numpy() == pytest.approx([115.851, 124.044, 164.103, 181.511],
                                                    abs=1e-3)


def test_result_is_json_serialisable(hs_result):
    text = json.dumps(hs_result.to_dict(), allow_nan=False)
    assert '"fit_measures"' in text and '"htmt2"' in text


def test_unmeasured_method_factor_detects_a_planted_method_effect():
    """Parameter recovery: items = trait + method + noise with heterogeneous loadings."""
    rng = np.random.default_rng(8)
    n, k = 4000, 4
    lam = np.array([.75, .7, .65, .6])
    meth = np.array([.5, .3, .45, .35])
    results = {}
    for scale in (0.0, 1.0):
        traits = rng.multivariate_normal([0, 0, 0], [[1, .3, .3], [.3, 1, .3], [.3, .3, 1]], n)
        method = rng.normal(size=n)
        cols = {}
        for f in range(3):
            for j in range(k):
                m = scale * meth[(j + f) % k]
                cols[f"i{f}{j}"] = (lam[j] * traits[:, f] + m * method
                                    + rng.normal(scale=np.sqrt(1 - lam[j] ** 2 - m**2), size=n))
        constructs = {f"f{f}": [f"i{f}{j}" for j in range(k)] for f in range(3)}
        res = validate_scales(pd.DataFrame(cols), constructs,
                              settings=ValidationSettings(htmt_n_boot=0, parallel_iter=5))
        results[scale] = res.method_bias["ulmc"]
    assert results[1.0]["mean_method_variance"] == pytest.approx(np.mean(meth**2), abs=.04)
    assert results[1.0]["method_effect"] and results[1.0]["pvalue_diff"] < 1e-6
    # without a method effect the method factor is not identified (a flat ridge): no verdict
    # of a method effect, and the difference test finds nothing
    assert results[0.0]["method_effect"] is not True and results[0.0]["pvalue_diff"] > .05


# ---- ordinal items (WLSMV, ordinal alpha/omega) and FIML through the pipeline -----------------

DATA = __import__("pathlib").Path(__file__).parent / "data"


def test_wlsmv_cfa_through_validate_scales_matches_lavaan():
    from test_sem_ordinal import MODEL, WLSMV_FM

    data = pd.read_csv(DATA / "sem_ordinal.csv")
    res = validate_scales(data, constructs_from_syntax(MODEL), MODEL,
                          settings=ValidationSettings(estimator="WLSMV", htmt_n_boot=20,
                                                      parallel_iter=5, method_factor=False),
                          ordered=list(data.columns))
    fm = res.cfa["fit_measures"]
    # lavaan 0.6.14: cfa(model, data = Y, ordered = names(Y)) (tests/test_sem_ordinal.py)
    for k in ("chisq", "chisq.scaled", "cfi", "tli", "rmsea", "srmr"):
        assert fm[k] == pytest.approx(WLSMV_FM[k], abs=1e-4), k
    assert res.cfa["estimator"] == "WLSMV"
    # both omegas as semTools 0.5.6 on the lavaan fit above:
    # compRelSEM(fit) (observed sum score, ord.scale = TRUE: Green & Yang 2009),
    # compRelSEM(fit, ord.scale = FALSE) (latent responses), AVE(fit); CR is the
    # latent-response composite with model-implied variances,
    # compRelSEM(fit, ord.scale = FALSE, obs.var = FALSE)
    rel = res.reliability.set_index("construct")
    assert rel["omega"].to_numpy() == pytest.approx([0.79008728225049, 0.70877297464086],
                                                    abs=1e-6)
    assert rel["omega_latent"].to_numpy() == pytest.approx(
        [0.827157616145002, 0.750780741553577], abs=1e-6)
    assert rel["cr"].to_numpy() == pytest.approx([0.824974763603221, 0.743737070056026],
                                                 abs=1e-6)
    ave = pd.DataFrame(res.validity["convergent"]).set_index("construct")["ave"]
    assert ave.to_numpy() == pytest.approx([0.541360232787132, 0.427875660062318], abs=1e-6)
    assert not any("modification indices" in w for w in res.warnings)
    # lavaan: modindices(fit, sort. = TRUE)[1, ] (tests/test_sem_ordinal.py, WLSMV_MI)
    top = res.cfa["modification_indices"][0]
    assert (top["lhs"], top["op"], top["rhs"]) == ("f2", "=~", "y3")
    assert top["mi"] == pytest.approx(15.18545207887, abs=1e-3)
    assert top["epc"] == pytest.approx(0.5038538809232, abs=1e-3)


def test_wlsmv_needs_ordered_items_and_says_so():
    from instruments.errors import EngagekitInputError

    data = pd.read_csv(DATA / "sem_ordinal.csv")
    model = "f1 =~ y1 + y2 + y3 + y4\nf2 =~ y5 + y6 + y7 + y8"
    with pytest.raises(EngagekitInputError, match="ordered"):
        validate_scales(data, constructs_from_syntax(model), model,
                        settings=ValidationSettings(estimator="WLSMV"))


def test_ordinal_alpha_and_omega_in_the_reliability_table_match_psych():
    q = pd.read_csv(DATA / "psy_ordinal.csv")
    rng = np.random.default_rng(7)
    common = rng.normal(size=len(q))
    other = pd.DataFrame({f"r{j}": np.digitize(common + rng.normal(size=len(q)), [-1, 0, 1]) + 1
                          for j in range(1, 4)})
    data = pd.concat([q, other], axis=1)
    constructs = {"q": list(q.columns), "r": list(other.columns)}
    res = validate_scales(data, constructs, settings=ValidationSettings(
        htmt_n_boot=20, parallel_iter=5, method_factor=False), ordered=list(data.columns))
    row = res.reliability.set_index("construct").loc["q"]
    # psych::alpha / fa(minres) on lavaan's polychoric matrix (tests/test_reliability.py)
    assert row["ordinal_alpha"] == pytest.approx(0.8460752486, abs=1e-5)
    assert row["ordinal_omega"] == pytest.approx(0.8488595375, abs=1e-5)
    # and the Pearson alpha beside it: psych::alpha(O)$total$raw_alpha
    assert row["alpha"] == pytest.approx(0.8246252876, abs=1e-6)


def test_fiml_through_validate_scales_matches_lavaan():
    from test_sem_fiml import FIML_FM, NA_ROWS

    data = semopy.examples.holzinger39.get_data().reset_index(drop=True)
    for v, rows in NA_ROWS.items():
        data.loc[rows, v] = np.nan
    res = validate_scales(data, constructs_from_syntax(HS_MODEL), HS_MODEL,
                          settings=ValidationSettings(missing="ml", htmt_n_boot=20,
                                                      parallel_iter=5, method_factor=False))
    # lavaan: cfa(HS.model, data = HS_with_NA, missing = "ml") (tests/test_sem_fiml.py)
    assert res.n == 301
    for k, v in FIML_FM.items():
        assert res.cfa["fit_measures"][k] == pytest.approx(v, abs=1e-4, rel=1e-7), k


def test_validate_command_takes_estimator_missing_and_ordered(tmp_path, capsys):
    from reports.cli import main

    model = "f1 =~ y1 + y2 + y3 + y4; f2 =~ y5 + y6 + y7 + y8"
    csv = str(DATA / "sem_ordinal.csv")
    out = tmp_path / "v.json"
    rc = main(["validate", csv, "--model", model, "--estimator", "wlsmv", "--ordered", "all",
               "--htmt-boot", "20", "--json", str(out)])
    text = capsys.readouterr().out
    assert rc == 0 and "CFA (WLSMV, N = 400)" in text and "robust CFI 0.956" in text  # lavaan cfi.robust .9563 (not DWLS .992)
    assert "ordinal_alpha" in text
    assert json.loads(out.read_text())["settings"]["estimator"] == "WLSMV"
    rc = main(["validate", csv, "--model", model, "--estimator", "wlsmv"])
    assert rc == 2 and "ordered" in capsys.readouterr().err
    rc = main(["validate", csv, "--model", model, "--ordered", "y1,zz"])
    assert rc == 2 and "zz" in capsys.readouterr().err
    rc = main(["validate", csv, "--model", model + " + y9"])
    err = capsys.readouterr().err
    assert rc == 2 and "sem_ordinal.csv: the model's item(s) y9 are not columns" in err
