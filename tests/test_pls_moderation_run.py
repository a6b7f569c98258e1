"""``engagekit run --method pls --interaction X M`` (issue 18, item 4: two-stage interaction
terms in the pipeline): results.json ``pls.interaction``, the report's moderation subsection,
the methods text, usage errors.

Checks: the run's numbers equal a direct :func:`analysis.pls.bootstrap_pls_interaction` call
on the same respondents and seed (1e-12); the interaction path equals the two-stage approach
written out here with :func:`analysis.pls.estimate_pls` (stage-1 scores multiplied, entered as
a single-item construct; 1e-10); the simple slopes equal ``b_X + est_product * level`` with
intervals from the resamples' own draws, BCa bounds as the direct call's; PLSpredict of the
model with the term equals a direct predict_pls call on the run's folds (1e-12; its steps are
checked against estimate_pls in tests/test_pls_predict_interaction.py) and is tabled beside the
main-effects model's; the report renders in headless Chromium.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from browser import browser  # noqa: F401  (session fixture: headless Chromium)

from analysis.pls import bootstrap_pls_interaction, estimate_pls
from analysis.responses import read_responses
from analysis.responses.scoring import reverse_keyed
from analysis.responses.screening import screen
from instruments import load_instrument
from reports.cli import main
from reports.format import apa

NAME = "five_commitments"
N_BOOT, SEED = 40, 3
X, M = "affective", "forced"
OUTCOMES = ["satisfaction", "repurchase", "recommendation"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("pls_mod")
    data = base / "d.csv"
    assert main(["simulate", NAME, "--n", "250", "--seed", "4", "-o", str(data)]) == 0
    out = base / "run"
    assert main(["run", str(data), "-i", NAME, "--method", "pls", "--boot", str(N_BOOT),
                 "--seed", str(SEED), "--jobs", "1", "--interaction", X, M,
                 "-o", str(out)]) == 0
    inst = load_instrument(NAME)
    items = reverse_keyed(screen(read_responses(data, inst), inst).kept().items, inst)
    return data, out, json.loads((out / "results.json").read_text()), items, inst


def test_run_equals_a_direct_call_and_the_two_stage_approach(run):
    _, _, res, items, inst = run
    mod = res["pls"]["interaction"]
    assert res["settings"]["interaction"] == [X, M] and res["interaction"] is None
    assert (mod["method"], mod["x"], mod["moderator"], mod["term"]) == \
        ("two_stage", X, M, f"{X}:{M}")
    assert mod["outcomes"] == OUTCOMES
    syntax = inst.to_lavaan().rstrip() + "".join(f"\n{o} ~ {X}:{M}" for o in OUTCOMES)
    assert mod["model"] == syntax
    boot = bootstrap_pls_interaction(items, syntax, n_boot=N_BOOT, seed=SEED, n_jobs=1,
                                     missing="listwise", progress=False)
    got = pd.DataFrame(mod["interactions"])
    want = boot.interactions
    for k in ("est", "est_product", "se", "ci.lower", "ci.upper", "product.ci.lower",
              "product.ci.upper", "bca.lower", "bca.upper", "product.bca.lower",
              "product.bca.upper"):
        assert np.allclose(got[k], want[k], rtol=0, atol=1e-12), k
    paths = pd.DataFrame(mod["paths"])
    t = boot.table[(boot.table.op == "~")].reset_index(drop=True)
    assert list(paths["rhs"]) == list(t["rhs"])
    cols = ["est", "ci.lower", "ci.upper", "bca.lower", "bca.upper"]
    assert np.allclose(paths[cols], t[cols], atol=1e-12)
    assert mod["bootstrap"]["bca"] is True and mod["bootstrap"]["ci"] == "percentile"
    assert mod["bootstrap"]["n_jackknife"] == boot.result.result.sample["n"]  # leave-one-out
    want_slopes = boot.simple_slopes
    for k in ("slope", "ci.lower", "ci.upper", "bca.lower", "bca.upper"):
        assert np.allclose([s[k] for s in mod["simple_slopes"]], want_slopes[k], rtol=0,
                           atol=1e-12), k
    # the two-stage approach by hand: stage-1 scores, their product as a single-item construct
    stage1 = estimate_pls(items, inst.to_lavaan())
    product = (stage1.scores[X] * stage1.scores[M]).rename("xm")
    two = inst.to_lavaan() + "\nXM =~ xm\n" + "\n".join(f"{o} ~ XM" for o in OUTCOMES)
    stage2 = estimate_pls(pd.concat([items, product], axis=1), two)
    for r in mod["interactions"]:
        assert abs(r["est"] - stage2.paths.loc["XM", r["lhs"]]) < 1e-10
        assert abs(r["r2"] - stage2.r2[r["lhs"]]) < 1e-10
        assert abs(r["r2_without"] - stage1.r2[r["lhs"]]) < 1e-10
        assert abs(r["f2"] - (r["r2"] - r["r2_without"]) / (1 - r["r2"])) < 1e-12
    # simple slopes: b_X + est_product * level, intervals from the same resamples
    good = boot.replicates[~np.isnan(boot.replicates).all(axis=1)]
    n_tab = len(boot.table)
    for s in mod["simple_slopes"]:
        k = OUTCOMES.index(s["lhs"])
        b = stage2.paths.loc[X, s["lhs"]]
        prod = mod["interactions"][k]["est_product"]
        assert abs(s["slope"] - (b + prod * s["level"])) < 1e-10
        main_col = int(np.flatnonzero((boot.table.lhs == s["lhs"]) & (boot.table.op == "~")
                                      & (boot.table.rhs == X))[0])
        draws = good[:, main_col] + good[:, n_tab + k] * s["level"]
        lo, hi = np.quantile(draws, [0.025, 0.975])
        assert abs(s["ci.lower"] - lo) < 1e-12 and abs(s["ci.upper"] - hi) < 1e-12
    # PLSpredict of the model with the term (the steps are checked against estimate_pls in
    # tests/test_pls_predict_interaction.py): the run's folds and seed
    from analysis.pls import predict_pls

    pred = predict_pls(items, syntax, folds=10, repeats=10, seed=SEED, missing="listwise")
    got_pred = pd.DataFrame(mod["predict"]["items"])
    for k in ("rmse", "mae", "q2_predict", "lm_rmse", "lm_mae"):
        assert np.allclose(got_pred[k], pred.items[k], rtol=0, atol=1e-12), k
    assert mod["predict"]["settings"]["interaction"]["terms"] == [f"{X}:{M}"]
    assert mod["predict"]["settings"]["seed"] == res["pls"]["predict"]["settings"]["seed"]
    # the model without the term stays the report's main model
    base = [r for r in res["pls"]["estimates"] if r["op"] == "~"]
    assert all(":" not in r["rhs"] for r in base)


def test_methods_text_and_terminal_name_the_approach(run, tmp_path, capsys):
    _, out, res, _, _ = run
    html = (out / "report.html").read_text()
    assert "two-stage approach (Henseler &amp; Chin, 2010; Fassott et al., 2016)" in html
    assert "Henseler, J., &amp; Chin, W. W. (2010)" in html and "Aiken, L. S." in html
    assert "Chin, W. W., &amp; Dibbern" not in html  # no group comparison cited
    # the moderation tables show the run's interval (percentile, as the other PLS tables)
    assert ("CIs: 95% bootstrap percentile CIs, as in the other tables; both stages were "
            "re-estimated in each of the 40 resamples; bias-corrected and accelerated (BCa) "
            "intervals, whose jackknife also re-ran both stages, are in results.json.") in html
    assert "percentile intervals shown, BCa intervals in results.json" in html
    assert "Out-of-sample prediction with and without the interaction term" in html
    assert "PLSpredict was repeated for the model with the term on the same folds" in html
    assert main(["report", str(out / "results.json"), "-o", str(tmp_path / "again.html")]) == 0
    capsys.readouterr()
    strip = re.compile(r"20\d\d-\d\d-\d\dT[\d:.+]+")
    assert strip.sub("", (tmp_path / "again.html").read_text()) == strip.sub("", html)


@pytest.mark.parametrize("pair, words", [
    (["affective", "nothing"], "'nothing' is not a construct of the model; constructs: "),
    (["affective", "affective"], "names 'affective' twice"),
    (["recommendation", "affective"], "'recommendation' predicts nothing"),
    (["affective", "satisfaction"], "'satisfaction' is an outcome of 'affective'"),
])
def test_bad_interactions_exit_2(run, tmp_path, capsys, pair, words):
    data = run[0]
    code = main(["run", str(data), "-i", NAME, "--method", "pls", "--boot", "0",
                 "--interaction", *pair, "-o", str(tmp_path / "x")])
    out = capsys.readouterr()
    assert code == 2 and words in out.out + out.err, out.out + out.err
    assert "Traceback" not in out.err and not (tmp_path / "x" / "report.html").exists()


def test_interaction_with_group_exits_2(run, tmp_path, capsys):
    code = main(["run", str(run[0]), "-i", NAME, "--method", "pls", "--interaction", X, M,
                 "--group", "aff_01", "-o", str(tmp_path / "x")])
    out = capsys.readouterr()
    assert code == 2 and "--interaction with --group" in out.out + out.err


@pytest.mark.browser
def test_moderation_in_chromium(run, browser):  # noqa: F811 - fixture
    from browser import axe_violations, console_errors, describe_violations, file_url

    _, out, res, _, _ = run
    mod = res["pls"]["interaction"]
    names = {c["id"]: c["name"] for c in res["instrument"]["constructs"]}
    console_errors(browser)
    browser.get(file_url(out / "report.html"))
    assert console_errors(browser) == []
    ids = browser.execute_script("return [...document.querySelectorAll('[id]')].map(e => e.id)")
    assert ids.index("pls-paths") < ids.index("pls-moderation") < ids.index("pls-effects")
    tables = browser.execute_script(
        "return [...document.querySelectorAll('#pls-moderation table')].map(t => "
        "[...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.innerText.trim())));")
    assert len(tables) == 3 and len(tables[0]) == len(mod["paths"])
    term = f"{names[X]} × {names[M]}"
    for r, p in zip(tables[0], mod["paths"], strict=True):
        assert r[:3] == [names[p["lhs"]], term if ":" in p["rhs"] else names[p["rhs"]],
                         apa(p["est"], 3)]
    assert [r[2] for r in tables[1]] == [apa(s["slope"], 3) for s in mod["simple_slopes"]]
    # PLSpredict without and with the term, per outcome of the term
    before = {c["construct"]: c for c in res["pls"]["predict"]["constructs"]}
    after = {c["construct"]: c for c in mod["predict"]["constructs"]}
    assert [r[:3] for r in tables[2]] == [
        [names[o], apa(before[o]["mean_rmse"], 3), apa(after[o]["mean_rmse"], 3)]
        for o in OUTCOMES]
    text = browser.execute_script("return document.getElementById('pls-moderation').innerText")
    assert "two-stage approach" in text
    assert not {"nan", "NaN", "None", "undefined"} & set(re.findall(r"[A-Za-z]+", text))
    assert browser.execute_script(
        "return [...document.querySelectorAll('#pls-moderation td')]"
        ".filter(c => c.innerText.trim() === '').length") == 0
    violations = axe_violations(browser)
    assert violations == [], describe_violations(violations)
