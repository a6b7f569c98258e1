"""``engagekit effects --method pls`` gives what ``run --method pls`` gives: PLSpredict always,
``--group COL[=A,B]`` (MICOM and PLS-MGA) and ``--interaction X M`` (two-stage moderation),
on an instrument's respondents or a plain CSV with ``--model``; options that do not go with
the method exit 2 with what to do instead.

The importance-performance map of each final outcome (construct level: importance the
unstandardized total effect, performance 0-100, quadrant) is printed and in --json, with the
instrument's item scales, or with ``--model`` those of ``--ipma-scale MIN MAX``; without them
the output says the map needs them (a CSV declares no answer options, and the sample's extremes
are not the scale's).

Checks: each section equals a direct call of the function the run uses on the same
respondents and seed (:func:`analysis.pls.predict.predict_pls`, :func:`analysis.pls.groups.
pls_groups`, :func:`analysis.pls.moderation.pls_interaction`, :func:`analysis.pls.ipma_pls`)
to 1e-12, and effects and run agree on the same data (the maps too).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.pls import ipma_pls
from analysis.responses import read_responses
from analysis.responses.scoring import reverse_keyed
from analysis.responses.screening import screen
from instruments import load_instrument
from reports.cli import main

FIX = Path(__file__).parent / "fixtures" / "pls"
NAME, SEED = "five_commitments", 5
M1 = ("Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5; Expectation =~ CUEX1 + CUEX2 + CUEX3; "
      "Satisfaction =~ CUSA1 + CUSA2 + CUSA3; Satisfaction ~ Image + Expectation")
#: seminr's mobi model with a mediator; its items are answered on 1-10.
M2 = ("Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5; Expectation =~ CUEX1 + CUEX2 + CUEX3; "
      "Value =~ PERV1 + PERV2; Satisfaction =~ CUSA1 + CUSA2 + CUSA3; "
      "Value ~ Image + Expectation; Satisfaction ~ Image + Expectation + Value")


def _run(args: list[str], capsys) -> tuple[int, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pls_eff") / "d.csv"
    assert main(["simulate", NAME, "--n", "220", "--seed", "8", "-o", str(path)]) == 0
    return path


def _items(path: Path) -> pd.DataFrame:
    inst = load_instrument(NAME)
    return reverse_keyed(screen(read_responses(path, inst), inst).kept().items, inst)


def test_effects_has_plspredict_and_the_interaction_as_run_has(data, tmp_path, capsys):
    from analysis.pls.moderation import pls_interaction
    from analysis.pls.predict import predict_pls

    out = tmp_path / "e.json"
    code, text = _run(["effects", str(data), "-i", NAME, "--method", "pls", "--boot", "30",
                       "--seed", str(SEED), "--jobs", "1", "--interaction", "affective",
                       "habitual", "--json", str(out)], capsys)
    assert code == 0, text
    res = json.loads(out.read_text())
    items = _items(data)
    model = load_instrument(NAME).to_lavaan()
    want = predict_pls(items, model, folds=10, repeats=10, seed=SEED)
    got = pd.DataFrame(res["predict"]["items"])
    cols = ["rmse", "mae", "q2_predict", "lm_rmse", "lm_mae"]
    assert np.allclose(got[cols].to_numpy(), want.items[cols].to_numpy(), atol=1e-12)
    assert "PLSpredict (10 folds x 10 repetitions, seed 5)" in text
    mod = pls_interaction(items, model, "affective", "habitual", n_boot=30, seed=SEED, n_jobs=1,
                          progress=False)
    for a, b in zip(res["interaction"]["interactions"], mod["interactions"], strict=True):
        for k in ("est", "ci.lower", "ci.upper", "bca.lower", "bca.upper",
                  "product.bca.lower", "product.bca.upper", "f2"):
            assert abs(a[k] - b[k]) < 1e-12, k
    for a, b in zip(res["interaction"]["simple_slopes"], mod["simple_slopes"], strict=True):
        for k in ("slope", "ci.lower", "ci.upper", "bca.lower", "bca.upper"):
            assert abs(a[k] - b[k]) < 1e-12, k
    assert "interaction (two-stage) affective:habitual (est, percentile CI, BCa CI):" in text
    r = res["interaction"]["interactions"][0]
    assert (f"{r['lhs']} ~ affective:habitual: {r['est']:.3f} [{r['ci.lower']:.3f}, "
            f"{r['ci.upper']:.3f}] BCa [{r['bca.lower']:.3f}, {r['bca.upper']:.3f}]") in text
    # the same numbers as run --method pls --interaction on the same file and seed
    code, text = _run(["run", str(data), "-i", NAME, "--method", "pls", "--boot", "30", "--seed",
                       str(SEED), "--jobs", "1", "--interaction", "affective", "habitual", "-o",
                       str(tmp_path / "run")], capsys)
    assert code == 0, text
    run = json.loads((tmp_path / "run" / "results.json").read_text())["pls"]
    assert run["interaction"] == res["interaction"]
    assert run["predict"]["items"] == res["predict"]["items"]
    assert run["ipma"] == res["ipma"] and len(res["ipma"]) == 2  # repurchase, recommendation


def test_effects_group_comparison_with_a_model(tmp_path, capsys):
    from analysis.pls.groups import pls_groups

    mobi = pd.read_csv(FIX / "mobi.csv")
    mobi["channel"] = np.where(np.arange(len(mobi)) % 3 == 0, "web", "store")
    mobi.loc[5, "channel"] = "phone"  # a third group: left out when two are picked
    path = tmp_path / "m.csv"
    mobi.to_csv(path, index=False)
    out = tmp_path / "g.json"
    code, text = _run(["effects", str(path), "--model", M1, "--method", "pls", "--boot", "0",
                       "--seed", "3", "--jobs", "1", "--group", "channel=web,store",
                       "--json", str(out)], capsys)
    assert code == 0, text
    res = json.loads(out.read_text())
    items = mobi[[i for i in mobi.columns if i != "channel"]]
    from analysis.pls import parse_pls_model

    spec = parse_pls_model(M1)
    want = pls_groups(items[list(spec.items)], mobi["channel"], spec, "channel=web,store",
                      scheme="path", consistent=False, missing="listwise", n_boot=0, seed=3,
                      n_jobs=1, progress=False)
    g = res["groups"]
    assert g["groups"] == ["web", "store"] and g["n_groups"] == want["n_groups"]
    for a, b in zip(g["paths"], want["paths"], strict=True):
        for k in ("est.group1", "est.group2", "diff", "pvalue"):
            assert abs(a[k] - b[k]) < 1e-12, k
    assert [r["invariance"] for r in g["invariance"]] == \
        [r["invariance"] for r in want["invariance"]]
    # the terminal names who is left out (the line gave only the two groups' n)
    n_web, n_store = (mobi["channel"] == "web").sum(), (mobi["channel"] == "store").sum()
    assert (n_web, n_store, len(mobi) - n_web - n_store) == (*g["n_groups"], 1)
    assert f"web (n = {n_web}) vs store (n = {n_store}), 1 of other groups left out;" in text
    assert "groups channel: web (n = 84) vs store (n = 165)" in text


@pytest.mark.parametrize("args, words", [
    (["--group", "aff_01"], "effects --group go(es) with --method pls"),
    (["--interaction", "affective", "forced"], "run --interaction X M (the latent interaction)"),
    (["--method", "pls", "--group", "aff_01=1,2", "--interaction", "affective", "forced"],
     "--interaction with --group"),
    (["--method", "pls", "--group", "nosuch"], "group column 'nosuch' is neither an item nor"),
    (["--method", "pls", "--interaction", "affective", "nothing"], "'nothing' is not a construct"),
])
def test_effects_options_that_do_not_go_together_exit_2(data, tmp_path, capsys, args, words):
    code, text = _run(["effects", str(data), "-i", NAME, "--boot", "0", *args], capsys)
    assert code == 2 and words in text, text
    assert "Traceback" not in text


def test_an_interaction_term_in_the_model_says_how_to_ask_for_it(data, capsys):
    code, text = _run(["effects", str(data), "--model",
                       "A =~ aff_01 + aff_02; F =~ for_01 + for_02; S =~ sat_01 + sat_02; "
                       "S ~ A + F + A:F", "--method", "pls", "--boot", "0"], capsys)
    assert code == 2 and "'A:F' is an interaction term" in text and "--interaction A F" in text


def test_effects_group_on_a_kept_column_of_an_instrument_file(data, tmp_path, capsys):
    """--keep-column brings a file's own column in as the group (as run and validate do)."""
    frame = pd.read_csv(data)
    frame["panel"] = np.where(np.arange(len(frame)) % 2 == 0, "online", "store")
    path = tmp_path / "p.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "g.json"
    code, text = _run(["effects", str(path), "-i", NAME, "--method", "pls", "--boot", "0",
                       "--jobs", "1", "--keep-column", "panel", "--group", "panel",
                       "--json", str(out)], capsys)
    assert code == 0, text
    g = json.loads(out.read_text())["groups"]
    assert g["column"] == "panel" and sorted(g["groups"]) == ["online", "store"]
    from analysis.pls.groups import pls_groups

    inst = load_instrument(NAME)
    kept = screen(read_responses(path, inst, keep_columns=["panel"]), inst).kept()
    want = pls_groups(reverse_keyed(kept.items, inst), kept.meta["panel"], inst.to_lavaan(),
                      "panel", scheme="path", consistent=False, missing="listwise", n_boot=0,
                      seed=20150401, n_jobs=1, progress=False)
    assert g["n_groups"] == want["n_groups"] and len(g["paths"]) == len(want["paths"]) > 0
    for a, b in zip(g["paths"], want["paths"], strict=True):
        assert abs(a["diff"] - b["diff"]) < 1e-12 and abs(a["pvalue"] - b["pvalue"]) < 1e-12


# --- the importance-performance map ------------------------------------------------------

def _same(got: dict, want, text: str) -> None:
    assert got["target"] == want.target
    assert abs(got["target_performance"] - want.target_performance) < 1e-12
    for level, frame in (("constructs", want.constructs), ("items", want.items)):
        rows = got[level]
        assert len(rows) == len(frame)
        for r, (_, w) in zip(rows, frame.iterrows(), strict=True):
            for k in ("importance", "performance"):
                assert abs(r[k] - w[k]) < 1e-12, (level, k)
            assert r["priority"] == w["priority"]
    for r in got["constructs"]:
        assert f"  {r['construct']:<28}{r['importance']:>11.3f}{r['performance']:>13.1f}  " \
               f"{r['priority']}" in text


def test_effects_with_an_instrument_maps_each_final_outcome(data, tmp_path, capsys):
    out = tmp_path / "e.json"
    code, text = _run(["effects", str(data), "-i", NAME, "--method", "pls", "--boot", "0",
                       "--jobs", "1", "--json", str(out)], capsys)
    assert code == 0, text
    res = json.loads(out.read_text())
    inst = load_instrument(NAME)
    items = reverse_keyed(screen(read_responses(data, inst), inst).kept().items, inst)
    model = inst.to_lavaan()
    targets = [m["target"] for m in res["ipma"]]
    assert targets == ["repurchase", "recommendation"]  # endogenous, no path out
    for got in res["ipma"]:
        spec_items = [i for c in res["constructs"] for i in c["items"]]
        lo = {i: inst.item_scale(i).min for i in spec_items}
        hi = {i: inst.item_scale(i).max for i in spec_items}
        want = ipma_pls(items, model, got["target"], scale_min=lo, scale_max=hi,
                        missing="listwise")
        _same(got, want, text)
        assert f"importance-performance map of {got['target']} (construct level; " in text
        assert got["scale"]["aff_01"] == [1.0, 7.0]  # the instrument's agree7 scale


def test_effects_with_a_model_takes_the_scale_from_ipma_scale(tmp_path, capsys):
    out = tmp_path / "m.json"
    path = FIX / "mobi.csv"
    code, text = _run(["effects", str(path), "--model", M2, "--method", "pls", "--boot", "0",
                       "--ipma-scale", "1", "10", "--json", str(out)], capsys)
    assert code == 0, text
    res = json.loads(out.read_text())
    assert [m["target"] for m in res["ipma"]] == ["Satisfaction"]
    want = ipma_pls(pd.read_csv(path), M2, "Satisfaction", scale_min=1, scale_max=10)
    _same(res["ipma"][0], want, text)
    # without the scale: no map, and the output says what it needs
    code, text = _run(["effects", str(path), "--model", M2, "--method", "pls", "--boot", "0",
                       "--json", str(out), "--force"], capsys)
    assert code == 0, text
    res = json.loads(out.read_text())
    assert res["ipma"] is None
    assert "warning: importance-performance map: not drawn" in text and "--ipma-scale MIN MAX" \
        in text and any("--ipma-scale" in w for w in res["warnings"])


@pytest.mark.parametrize("args, words", [
    (["-i", NAME, "--method", "pls", "--ipma-scale", "1", "5"], "--ipma-scale goes with --model"),
    (["--model", "S =~ sat_01 + sat_02; A =~ aff_01 + aff_02; S ~ A", "--ipma-scale", "1", "5"],
     "--ipma-scale goes with --method pls"),
    (["--model", "S =~ sat_01 + sat_02; A =~ aff_01 + aff_02; S ~ A", "--method", "pls",
      "--ipma-scale", "5", "1"], "scale_min must be below scale_max"),
    (["--model", "S =~ sat_01 + sat_02; A =~ aff_01 + aff_02; S ~ A", "--method", "pls",
      "--ipma-scale", "1", "3"], "answers outside the scale"),
])
def test_ipma_scale_usage_errors_exit_2(data, capsys, args, words):
    code, text = _run(["effects", str(data), "--boot", "0", *args], capsys)
    assert code == 2 and words in text, text
    assert "Traceback" not in text


def test_effects_terminal_ipma_quadrant_of_a_harmful_driver_is_read_reversed(tmp_path, capsys):
    """A driver with a negative total effect is placed in its quadrant by its reverse
    (-importance, 100 - performance; Ringle & Sarstedt, 2016). The terminal printed the raw
    values beside that quadrant (forced commitment -0.060, 40.8: 'high performance' under a
    mean near 60), so it now names the values the quadrant is read on; checked here against
    the quadrants recomputed from the raw importance and performance."""
    rng = np.random.default_rng(9)
    n = 300
    g, h = rng.normal(size=(2, n))
    y = 0.5 * g - 0.4 * h + 0.7 * rng.normal(size=n)

    def items(f, shift):
        return {k: np.clip(np.round(4 + shift + f + 0.7 * rng.normal(size=n)), 1, 7)
                for k in range(3)}
    cols = {}
    for name, f, shift in (("g", g, 0.0), ("h", h, -1.5), ("y", y, 0.0)):
        cols.update({f"{name}{k + 1}": v for k, v in items(f, shift).items()})
    path = tmp_path / "d.csv"
    pd.DataFrame(cols).to_csv(path, index=False)
    model = "G =~ g1 + g2 + g3; H =~ h1 + h2 + h3; Y =~ y1 + y2 + y3; Y ~ G + H"
    out = tmp_path / "e.json"
    code, text = _run(["effects", str(path), "--model", model, "--method", "pls", "--boot", "0",
                       "--ipma-scale", "1", "7", "--json", str(out)], capsys)
    assert code == 0, text
    rows = json.loads(out.read_text())["ipma"][0]["constructs"]
    imp = np.array([r["importance"] for r in rows])
    perf = np.array([r["performance"] for r in rows])
    assert imp[1] < 0  # H harms Y
    o_imp, o_perf = np.abs(imp), np.where(imp < 0, 100 - perf, perf)
    for r, i, p in zip(rows, o_imp, o_perf, strict=True):
        want = (f"{'high' if i > o_imp.mean() else 'low'} importance, "
                f"{'high' if p > o_perf.mean() else 'low'} performance")
        assert r["priority"] == want
        line = next(t for t in text.splitlines()
                    if t.startswith(f"  {r['construct']} ") and "importance," in t)
        assert line.endswith(want if r["importance"] >= 0 else
                             f"{want} (lower is better: read as {i:.3f}, {p:.1f})"), line
