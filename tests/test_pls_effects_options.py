"""``engagekit effects --method pls`` gives what ``run --method pls`` gives: PLSpredict always,
``--group COL[=A,B]`` (MICOM and PLS-MGA) and ``--interaction X M`` (two-stage moderation),
on an instrument's respondents or a plain CSV with ``--model``; options that do not go with
the method exit 2 with what to do instead.

Checks: each section equals a direct call of the function the run uses on the same
respondents and seed (:func:`analysis.pls.predict.predict_pls`, :func:`analysis.pls.groups.
pls_groups`, :func:`analysis.pls.moderation.pls_interaction`) to 1e-12, and effects and run
agree on the same data.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.responses import read_responses
from analysis.responses.scoring import reverse_keyed
from analysis.responses.screening import screen
from instruments import load_instrument
from reports.cli import main

FIX = Path(__file__).parent / "fixtures" / "pls"
NAME, SEED = "five_commitments", 5
M1 = ("Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5; Expectation =~ CUEX1 + CUEX2 + CUEX3; "
      "Satisfaction =~ CUSA1 + CUSA2 + CUSA3; Satisfaction ~ Image + Expectation")


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
