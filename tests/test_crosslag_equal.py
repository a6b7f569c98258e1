"""Time-invariant lagged effects in the RI-CLPM (``run --waves --cross-lagged A,B
--cross-lagged-equal``): the RI-CLPM with each lagged effect equal over waves and its
likelihood-ratio test against free lags.

Reference numbers: ``tests/data/riclpm_equal_reference.json``, written by

    Rscript tests/data/riclpm_equal_reference.R > tests/data/riclpm_equal_reference.json

(lavaan 0.6-14: the Hamaker et al. 2015 RI-CLPM of the four-wave scale scores in
``riclpm_panel.csv`` with shared labels on each lagged effect, ``lavTestLRT`` against the
free-lag model; listwise and full-information ML).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from browser import browser  # noqa: F401  (session fixture: headless Chromium)

from analysis.responses import read_responses, write_responses
from analysis.responses.scoring import scale_scores
from analysis.responses.simulate_panel import simulate_panel
from analysis.results_schema import check_results
from analysis.structural.cross_lagged import (
    CrossLaggedError,
    CrossLaggedResult,
    cross_lagged,
    wide_panel,
)
from instruments import load_instrument
from reports.cli import main
from reports.crosslag_section import crosslag_methods

DATA = Path(__file__).parent / "data"
REF = json.loads((DATA / "riclpm_equal_reference.json").read_text())
PAIR = ["affective", "repurchase"]
INST = load_instrument("five_commitments")
TOL = 1e-3


@pytest.fixture(scope="module")
def panel():
    return pd.read_csv(DATA / "riclpm_panel.csv", index_col="respondent_id")


@pytest.mark.parametrize("key, missing", [("listwise", "listwise"), ("fiml", "ml")])
def test_equal_lags_test_matches_lavaan(panel, key, missing):
    """The constrained model's fit and lagged effects (est, se, CI, p, std.all at the first
    wave pair) and lavTestLRT's chi-square difference, df and p, to 1e-3 (in fact ~1e-7)."""
    ref = REF[key]
    res = cross_lagged(panel, PAIR, 4, missing=missing, test_equal_lags=True)
    eq = res.equal_lags_test
    c = eq["comparison"]
    assert c["chisq.diff"] == pytest.approx(ref["lrt"]["chisq.diff"], abs=TOL)
    assert c["df.diff"] == ref["lrt"]["df.diff"] == 8  # k^2 (T - 2) = 4 x 2
    assert c["pvalue"] == pytest.approx(ref["lrt"]["pvalue"], abs=TOL)
    for k in ("npar", "chisq", "df", "cfi", "tli", "rmsea", "srmr", "logl", "aic", "bic"):
        assert eq["fit"][k] == pytest.approx(ref["equal"][k], abs=TOL), k
        assert res.models["riclpm"]["fit"][k] == pytest.approx(ref["free"][k], abs=TOL), k
    assert c["aic.diff"] == pytest.approx(ref["equal"]["aic"] - ref["free"]["aic"], abs=TOL)
    by_label: dict = {}
    for r in ref["lagged"]:  # lavaan's rows in wave order: the first pair's
        by_label.setdefault(r["label"], r)
    assert {r["label"] for r in eq["lagged"]} == set(by_label)
    assert len(eq["lagged"]) == 4  # one per constrained effect
    for r in eq["lagged"]:
        want = by_label[r["label"]]
        assert (r["from_wave"], r["to_wave"]) == (1, 2)
        for k in ("est", "se", "pvalue", "ci.lower", "ci.upper", "std.all"):
            assert r[k] == pytest.approx(want[k], abs=TOL), (r["label"], k)
    # the decision follows the test (p = .45 listwise, .34 FIML: equal lags not rejected)
    assert c["decision"].startswith("equal lagged effects over waves are not rejected")
    # plain data, rebuilt
    again = CrossLaggedResult.from_dict(json.loads(json.dumps(res.to_dict())))
    assert again.equal_lags_test["comparison"] == pytest.approx(c)


@pytest.mark.parametrize("key, missing", [("listwise", "listwise"), ("fiml", "ml")])
def test_clpm_equal_lags_test_matches_lavaan(panel, key, missing):
    """The same test in the CLPM (the model interpreted when the random intercepts are not
    needed): lavTestLRT of the CLPM with equal lags against free lags, the constrained fit
    and its lagged effects, to 1e-3 (reference keys ``*_clpm``)."""
    ref = REF[f"{key}_clpm"]
    res = cross_lagged(panel, PAIR, 4, missing=missing, test_equal_lags=True)
    eq = res.equal_lags_test_clpm
    c = eq["comparison"]
    assert c["chisq.diff"] == pytest.approx(ref["lrt"]["chisq.diff"], abs=TOL)
    assert c["df.diff"] == ref["lrt"]["df.diff"] == 8
    assert c["pvalue"] == pytest.approx(ref["lrt"]["pvalue"], abs=TOL)
    for k in ("npar", "chisq", "df", "cfi", "rmsea", "srmr", "logl", "aic", "bic"):
        assert eq["fit"][k] == pytest.approx(ref["equal"][k], abs=TOL), k
        assert res.models["clpm"]["fit"][k] == pytest.approx(ref["free"][k], abs=TOL), k
    by_label: dict = {}
    for r in ref["lagged"]:
        by_label.setdefault(r["label"], r)
    assert len(eq["lagged"]) == 4 and {r["label"] for r in eq["lagged"]} == set(by_label)
    for r in eq["lagged"]:
        for k in ("est", "se", "pvalue", "ci.lower", "ci.upper", "std.all"):
            assert r[k] == pytest.approx(by_label[r["label"]][k], abs=TOL), (r["label"], k)
    again = CrossLaggedResult.from_dict(json.loads(json.dumps(res.to_dict())))
    assert again.equal_lags_test_clpm["comparison"] == pytest.approx(c)


def test_without_the_test_nothing_changes(panel):
    res = cross_lagged(panel, PAIR, 4)
    assert res.equal_lags_test is None and res.equal_lags_test_clpm is None
    assert "equal_lags_test" not in res.to_dict()
    assert "equal_lags_test_clpm" not in res.to_dict()
    assert "test_equal_lags" not in res.settings


def test_the_test_needs_free_lags(panel):
    with pytest.raises(CrossLaggedError, match="compares them with free lags"):
        cross_lagged(panel, PAIR, 4, equal_lags=True, test_equal_lags=True)


def _files(tmp, waves=3, n=300, seed=8):
    sim = simulate_panel(INST, n=n, waves=waves, seed=seed, attrition=0.1,
                         cross_lagged={"repurchase": {"affective": 0.3}})
    paths = []
    for t, data in enumerate(sim.waves, 1):
        p = tmp / f"wave{t}.csv"
        write_responses(data, p, INST)
        paths.append(str(p))
    return paths


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crosslag_equal")
    files = _files(tmp)
    out = tmp / "out"
    echoed = io.StringIO()
    with contextlib.redirect_stdout(echoed):
        code = main(["run", *files, "-i", "five_commitments", "--waves", "--cross-lagged",
                     "affective,repurchase", "--cross-lagged-equal", "--exclude-rules", "none",
                     "--boot", "0", "--jobs", "1", "-o", str(out)])
    assert code == 0
    (tmp / "echoed.txt").write_text(echoed.getvalue(), encoding="utf-8")
    return out, files


def _prose(html: str) -> str:
    text = re.sub(r"<svg .*?</svg>", " ", html, flags=re.S)
    text = re.sub(r"<style.*?</style>", " ", text, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)))


def test_run_section_is_the_direct_fit(run_dir, tmp_path):
    out, files = run_dir
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    check_results(results)
    cl = results["cross_lagged"]
    frames = [scale_scores(read_responses(f, INST), INST)[PAIR] for f in files]
    direct = cross_lagged(wide_panel(frames, PAIR), PAIR, 3, seed=cl["settings"]["seed"],
                          test_equal_lags=True).to_dict()["equal_lags_test"]
    eq = cl["equal_lags_test"]
    for k in ("chisq.diff", "df.diff", "pvalue", "aic.diff", "bic.diff"):
        assert eq["comparison"][k] == pytest.approx(direct["comparison"][k], abs=1e-9), k
    assert eq["comparison"]["df.diff"] == 4  # k^2 (T - 2) = 4 x 1
    assert [r["est"] for r in eq["lagged"]] == pytest.approx(
        [r["est"] for r in direct["lagged"]], abs=1e-9)
    assert cl["settings"]["test_equal_lags"] is True
    # the report: the table, its note with the test, the methods sentence; re-rendered alike
    html = (out / "report.html").read_text(encoding="utf-8")
    text = _prose(html)
    assert "Lagged effects equal over waves (RI-CLPM)" in text
    assert f"against the free lags above: Δχ²(4) = {eq['comparison']['chisq.diff']:.2f}" in text
    assert "Whether the lagged effects are the same at every pair of waves was tested" in \
        crosslag_methods(results)
    clpm = cl["equal_lags_test_clpm"]["comparison"]
    direct_clpm = cross_lagged(wide_panel(frames, PAIR), PAIR, 3, seed=cl["settings"]["seed"],
                               test_equal_lags=True).equal_lags_test_clpm["comparison"]
    assert clpm["chisq.diff"] == pytest.approx(direct_clpm["chisq.diff"], abs=1e-9)
    assert (f"In the CLPM (no random intercepts) the same constraint gives Δχ²(4) = "
            f"{clpm['chisq.diff']:.2f}") in text
    assert f", and the same in the CLPM (Δχ²(4) = {clpm['chisq.diff']:.2f}" in \
        crosslag_methods(results)
    again = tmp_path / "again.html"
    assert main(["report", str(out / "results.json"), "-o", str(again)]) == 0
    assert again.read_text(encoding="utf-8") == html


def test_cli_prints_the_test(run_dir):
    out, _ = run_dir
    echoed = (out.parent / "echoed.txt").read_text(encoding="utf-8")
    assert re.search(r"equal lagged effects over waves \(RI-CLPM\): chi-square difference "
                     r"\d+\.\d\d \(df 4\), p = 0\.\d+: ", echoed)
    assert re.search(r"equal lagged effects over waves \(CLPM\): chi-square difference "
                     r"\d+\.\d\d \(df 4\), p = [\d.e-]+: ", echoed)


@pytest.mark.parametrize("waves", [True, False])
def test_equal_needs_cross_lagged(tmp_path, capsys, waves):
    files = _files(tmp_path, n=40)
    args = [*files, "--waves"] if waves else [files[0]]
    code = main(["run", *args, "-i", "five_commitments", "--cross-lagged-equal", "--boot", "0",
                 "-o", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert ("--cross-lagged-equal goes with --cross-lagged" in err if waves
            else "--cross-lagged needs the waves of a panel" in err)
    assert not (tmp_path / "out").exists()


@pytest.mark.browser
def test_equal_lags_table_in_chromium(browser, run_dir):  # noqa: F811
    from browser import file_url

    out, _ = run_dir
    browser.get(file_url(out / "report.html"))
    got = browser.execute_script("""
        const t = document.getElementById('crosslag-equal')
                  || document.querySelector('#cross-lagged table[id="crosslag-equal"]');
        const table = t.tagName === 'TABLE' ? t : t.querySelector('table');
        const r = table.getBoundingClientRect();
        return {caption: table.caption ? table.caption.innerText : '',
                rows: [...table.querySelectorAll('tbody tr')].map(
                    tr => [...tr.cells].map(c => c.innerText.trim())),
                size: [r.width, r.height],
                wide: table.parentElement.scrollWidth > table.parentElement.clientWidth + 1};""")
    assert "Lagged effects equal over waves (RI-CLPM)" in got["caption"]
    assert len(got["rows"]) == 4
    assert got["rows"][0][0] == "Affective commitment → Repurchase intention"
    assert got["size"][0] > 0 and got["size"][1] > 50 and not got["wide"]
