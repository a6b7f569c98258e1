"""semopy as an independent second implementation cross-checks the estimation core.

The figures quoted in the comments were measured with semopy 2.3.11 (SLSQP, ftol 1e-12) on
this machine; the assertions leave an order of magnitude of room above them and stay far
below the tolerances the check itself applies (:data:`analysis.sem.crosscheck.TOLERANCES`).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import semopy
from semopy.examples import holzinger39, political_democracy

from analysis import sem
from analysis.psychometrics.validation import (
    ValidationSettings,
    validate_instrument,
    validate_scales,
)
from analysis.responses.scoring import reverse_keyed
from analysis.responses.screening import screen
from analysis.responses.simulate import SimulationSettings, simulate
from analysis.results_schema import ResultsFileError, check_results
from analysis.sem.crosscheck import (
    FIT_MEASURES,
    TOLERANCES,
    crosscheck_semopy,
    format_checks,
    run_crosscheck,
)
from analysis.sem.syntax import constructs_from_syntax
from analysis.structural.effects import estimate_effects
from instruments.errors import InvalidArgumentError
from instruments.loader import load_instrument

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PD = """ind60 =~ x1 + x2 + x3
dem60 =~ y1 + a*y2 + b*y3 + c*y4
dem65 =~ y5 + a*y6 + b*y7 + c*y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8"""
SETTINGS = ValidationSettings(htmt_n_boot=20, parallel_iter=5, method_factor=False)


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return holzinger39.get_data()


@pytest.fixture(scope="module")
def demo() -> tuple[pd.DataFrame, object]:
    """The bundled demo's data: five_commitments, 500 simulated respondents with 5%
    straightliners and 5% random responders (`engagekit demo` defaults), screened, reversed."""
    inst = load_instrument("five_commitments")
    data = simulate(inst, SimulationSettings(n=500, seed=20150401, straightliners=0.05,
                                             random_responders=0.05)).data
    return reverse_keyed(screen(data, inst).kept().items, inst), inst


def _rows(check) -> pd.DataFrame:
    return check.table().set_index("what")


def test_holzinger_swineford_agrees_and_semopy_matches_lavaan_like_for_like(hs):
    check = crosscheck_semopy(hs, HS, sem.fit(HS, hs), label="HS CFA")
    assert check.status == "agree" and check.flagged == [] and check.n == 301
    # measured: loadings 8.0e-7, (co)variances 4.2e-7, SEs 9.9e-8, chi-square 1.4e-10
    assert check.largest("loadings") < 1e-5
    assert check.largest("(co)variances") < 1e-5
    assert check.largest("standard errors") < 1e-6
    assert check.largest("chisq") < 1e-6
    assert set(FIT_MEASURES) <= set(check.table()["what"])
    # semopy's side, computed like lavaan, reproduces lavaan 0.6.14's published values
    # (psychometrics-anchors.md 3.1) although semopy itself prints RMSEA .092275 (N - 1),
    # AIC 41.43 and LogLik 0.2834 (its fit function)
    theirs = _rows(check)["theirs"]
    assert theirs["chisq"] == pytest.approx(85.305522, abs=1e-5)
    assert theirs["df"] == 24
    assert theirs["cfi"] == pytest.approx(0.930560, abs=1e-6)
    assert theirs["tli"] == pytest.approx(0.895839, abs=1e-6)
    assert theirs["rmsea"] == pytest.approx(0.092121, abs=1e-6)
    assert theirs["srmr"] == pytest.approx(0.065205, abs=1e-6)
    assert theirs["logl"] == pytest.approx(-3737.745, abs=1e-3)
    assert theirs["aic"] == pytest.approx(7517.490, abs=1e-3)
    assert theirs["bic"] == pytest.approx(7595.339, abs=1e-3)
    assert _rows(check).loc["loadings", "n"] == 6
    json.dumps(check.to_dict(), allow_nan=False)


def test_political_democracy_with_equality_labels_agrees():
    data = political_democracy.get_data()
    check = crosscheck_semopy(data, PD, sem.fit(PD, data), label="PD SEM")
    assert check.status == "agree"
    # measured: paths 3.8e-7, loadings 1.9e-7, (co)variances 3.1e-6, chi-square 7e-11;
    # the three labelled pairs are one parameter each on both sides (5 free loadings, not 8)
    rows = _rows(check)
    assert rows.loc["loadings", "n"] == 5 and rows.loc["paths", "n"] == 3
    assert check.largest("paths") < 1e-5 and check.largest("(co)variances") < 1e-4
    assert rows.loc["chisq", "theirs"] == pytest.approx(rows.loc["chisq", "ours"], abs=1e-6)


def test_std_lv_and_robust_estimators(hs):
    # std_lv: no loading is fixed, which semopy 2.3.11 cannot start from on its own
    check = crosscheck_semopy(hs, HS, sem.fit(HS, hs, std_lv=True))
    assert check.status == "agree" and _rows(check).loc["loadings", "n"] == 9
    # MLR: same point estimates and ML chi-square; robust SEs are not semopy's to compare
    check = crosscheck_semopy(hs, HS, sem.fit(HS, hs, estimator="MLR"))
    assert check.status == "agree"
    assert "standard errors" not in set(check.table()["what"])
    assert any("MLR" in n and "scaled" in n for n in check.notes)


def test_exogenous_covariates_compare_like_with_like():
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    z = rng.normal(size=200) + 0.3 * x
    m = 0.5 * x + rng.normal(size=200)
    y = 0.7 * m + 0.1 * x + rng.normal(size=200)
    data = pd.DataFrame({"x": x, "z": z, "m": m, "y": y})
    model = "m ~ x + z\ny ~ x + m"
    ours = sem.fit(model, data)
    check = crosscheck_semopy(data, model, ours)
    assert check.status == "agree"
    rows = _rows(check)
    # semopy counts the 3 fixed moments of (x, z) as data (its df is 4); lavaan's is 1
    assert rows.loc["df", "theirs"] == ours.fit_measures["df"] == 1
    # its baseline model drops the x-z covariance, so CFI/TLI are not compared, and it says so
    assert "cfi" not in rows.index and any("baseline" in n for n in check.notes)
    assert rows.loc["logl", "max_abs_diff"] < 1e-6


def test_a_planted_disagreement_is_flagged_by_name(hs):
    ours = sem.fit(HS, hs)
    row = ours.estimates.index[(ours.estimates.lhs == "visual") & (ours.estimates.op == "=~")
                               & (ours.estimates.rhs == "x3")][0]
    ours.estimates.loc[row, "est"] += 0.05
    check = crosscheck_semopy(hs, HS, ours)
    assert check.status == "differ"
    assert [(f["what"], f["parameter"]) for f in check.flagged] == [("loadings", "visual =~ x3")]
    assert check.flagged[0]["abs_diff"] == pytest.approx(0.05, abs=1e-5)
    assert check.flagged[0]["tolerance"] == TOLERANCES["loadings"]
    rows = _rows(check)
    assert not rows.loc["loadings", "ok"] and rows.loc["loadings", "where"] == "visual =~ x3"
    assert rows.drop("loadings")["ok"].all()  # nothing else moved
    text = format_checks([check])
    assert "differ" in text and "beyond tolerance: loadings visual =~ x3" in text


def test_models_semopy_cannot_fit_are_not_compared_and_say_why(hs):
    cases = {
        "ordinal": (pd.read_csv(_data("sem_ordinal.csv")),
                    "f1 =~ y1 + y2 + y3 + y4\nf2 =~ y5 + y6 + y7 + y8", {"ordered": "all"},
                    "semopy has no WLSMV"),
        "multigroup": (hs, HS, {"group": "school", "group_equal": ["loadings"]},
                       "semopy has no equality constraints across groups"),
        "fiml": (_with_missing(hs), HS, {"missing": "ml"}, "semopy has no FIML"),
        "defined": (hs, HS.replace("x2", "a*x2").replace("x5", "b*x5") + "\nab := a*b", {},
                    "semopy has no defined parameters"),
    }
    for name, (data, model, kw, reason) in cases.items():
        if kw.get("ordered") == "all":
            kw = {"ordered": list(data.columns)}
        check = crosscheck_semopy(data, model, sem.fit(model, data, **kw), label=name)
        assert check.status == "not compared", name
        assert check.reason.startswith(reason), (name, check.reason)
        assert check.comparisons == [] and check.flagged == []
        assert format_checks([check]) == (f"cross-check of the {name} with semopy: not "
                                          f"compared: {check.reason}")


def test_a_semopy_failure_is_reported_not_raised(hs, monkeypatch):
    def boom(self, *a, **k):
        raise RuntimeError("no convergence here")

    monkeypatch.setattr(semopy.Model, "fit", boom)
    check = crosscheck_semopy(hs, HS, sem.fit(HS, hs))
    assert check.status == "failed" and "RuntimeError: no convergence here" in check.reason


def test_unknown_engine_and_wrong_data_are_input_errors(hs):
    ours = sem.fit(HS, hs)
    with pytest.raises(InvalidArgumentError, match="crosscheck must be 'semopy' or None") as e:
        run_crosscheck("lavaan", hs, HS, ours)
    assert e.value.code == "invalid_argument"
    with pytest.raises(InvalidArgumentError, match="got 'lisrel'"):
        validate_scales(hs, constructs_from_syntax(HS), HS, crosscheck="lisrel")
    with pytest.raises(InvalidArgumentError, match="the fit used 301"):
        crosscheck_semopy(hs.iloc[:200], HS, ours)
    with pytest.raises(sem.SEMInputError) as e:
        crosscheck_semopy(hs.drop(columns="x9"), HS, ours)
    assert e.value.code == "item_not_in_data"


def test_demo_validation_and_effects_agree(demo):
    items, inst = demo
    val = validate_instrument(items, inst, settings=SETTINGS, crosscheck="semopy")
    eff = estimate_effects(items, inst.to_lavaan(), n_boot=0, crosscheck="semopy")
    for check, kinds in ((val.crosscheck, ("loadings", "(co)variances")),
                         (eff.crosscheck, ("loadings", "paths", "(co)variances"))):
        assert check["status"] == "agree" and check["n"] == 440, check["reason"]
        rows = {r["what"]: r for r in check["comparisons"]}
        # measured: estimates <= 7e-7 (CFA) and 5e-7 (SEM), SEs <= 6e-8, chi-square 1.3e-10,
        # chi-square 297.785 on 322 df on both sides
        for kind in kinds:
            assert rows[kind]["max_abs_diff"] < 1e-5, kind
        assert rows["standard errors"]["max_abs_diff"] < 1e-6
        assert rows["chisq"]["max_abs_diff"] < 1e-6
        assert rows["df"]["theirs"] == 322
    assert val.to_dict()["crosscheck"] == val.crosscheck
    assert eff.to_dict()["crosscheck"] == eff.crosscheck
    json.dumps(val.to_dict()["crosscheck"], allow_nan=False)
    # without the option nothing changes: no key in the results
    assert "crosscheck" not in estimate_effects(items, inst.to_lavaan(), n_boot=0).to_dict()


def test_demo_planted_disagreement_through_validate_instrument(demo, monkeypatch):
    items, inst = demo
    real_fit = sem.fit

    def perturbed(model, data, **kw):
        res = real_fit(model, data, **kw)
        e = res.estimates
        e.loc[(e.lhs == "affective") & (e.op == "=~") & (e.rhs == "aff_02"), "est"] += 0.05
        return res

    monkeypatch.setattr(sem, "fit", perturbed)
    val = validate_instrument(items, inst, settings=SETTINGS, crosscheck="semopy")
    check = val.crosscheck
    assert check["status"] == "differ"
    assert [f["parameter"] for f in check["flagged"]] == ["affective =~ aff_02"]
    assert check["flagged"][0]["abs_diff"] == pytest.approx(0.05, abs=1e-5)


def test_cli_prints_the_differences(tmp_path, capsys, hs):
    from reports.cli import main

    csv = tmp_path / "hs.csv"
    hs.to_csv(csv, index=False)
    rc = main(["validate", str(csv), "--model", HS.replace("\n", "; "), "--htmt-boot", "20",
               "--crosscheck", "semopy", "--json", str(tmp_path / "v.json")])
    out = capsys.readouterr().out
    assert rc == 0
    assert "cross-check of the measurement model (CFA) with semopy" in out
    assert "(N = 301): agree" in out
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("chi-square"))
    assert "85.3055 vs 85.3055" in line and line.rstrip().endswith("yes")
    saved = json.loads((tmp_path / "v.json").read_text())
    assert saved["crosscheck"]["status"] == "agree"

    pd_csv = tmp_path / "pd.csv"
    political_democracy.get_data().to_csv(pd_csv, index=False)
    rc = main(["effects", str(pd_csv), "--model", PD.replace("\n", "; "), "--boot", "0",
               "--crosscheck", "semopy"])
    out = capsys.readouterr().out
    assert rc == 0 and "cross-check of the structural model with semopy" in out
    assert any(ln.strip().startswith("paths") for ln in out.splitlines())

    rc = main(["validate", str(csv), "--model", HS, "--crosscheck", "lavaan"])
    assert rc == 2 and "semopy" in capsys.readouterr().err


def test_demo_command_crosscheck_goes_to_results_and_report(tmp_path, capsys):
    from reports.cli import main
    from reports.report import render_report

    out_dir = tmp_path / "demo"
    rc = main(["demo", "-o", str(out_dir), "--n", "300", "--boot", "20", "--crosscheck",
               "semopy"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "cross-check of the measurement model (CFA) with semopy" in out
    assert "cross-check of the structural model with semopy" in out
    results = json.loads((out_dir / "results.json").read_text())
    cc = results["crosscheck"]
    assert cc["engine"] == "semopy" and results["settings"]["crosscheck"] == "semopy"
    assert [c["model"] for c in cc["checks"]] == ["measurement model (CFA)", "structural model"]
    assert all(c["status"] == "agree" for c in cc["checks"])
    assert "crosscheck" not in results["validation"] and "crosscheck" not in results["effects"]
    check_results(results)  # the schema `engagekit report` reads it through
    broken = json.loads(json.dumps(results))
    del broken["crosscheck"]["checks"][1]["comparisons"]
    with pytest.raises(ResultsFileError, match=r"crosscheck\.checks\[1\]\.comparisons"):
        check_results(broken)
    html = (out_dir / "report.html").read_text()
    assert "refitted with semopy" in html and "every difference was within tolerance" in html
    assert "Igolkina, A. A., &amp; Meshcheryakov" in html
    # a disagreement and a skipped model are stated in the methods text
    check = cc["checks"][1]
    check["status"] = "differ"
    check["flagged"] = [{"what": "paths", "parameter": "satisfaction ~ affective", "ours": 0.5,
                         "theirs": 0.45, "abs_diff": 0.05, "tolerance": 0.001}]
    cc["checks"][0] = {**cc["checks"][0], "status": "not compared", "comparisons": [],
                       "reason": "semopy has no WLSMV"}
    html = render_report(results)
    assert "1 difference(s) beyond tolerance: satisfaction ~ affective (0.5 here, 0.45" in html
    assert "the measurement model (CFA) was not compared: semopy has no WLSMV" in html


def test_report_without_crosscheck_says_nothing_about_it():
    from reports.methods import _crosscheck

    assert _crosscheck({}) == "" and _crosscheck({"crosscheck": {"checks": []}}) == ""


def _data(name: str):
    from pathlib import Path

    return Path(__file__).parent / "data" / name


def _with_missing(hs: pd.DataFrame) -> pd.DataFrame:
    data = hs.reset_index(drop=True).copy()
    data.loc[[3, 17, 40], "x1"] = np.nan
    data.loc[[5, 90], "x6"] = np.nan
    return data
