"""``engagekit run W1 W2 W3 --waves --cross-lagged A,B``: the results' ``cross_lagged`` section
(the models refitted by hand from the files give the same numbers), its report section (the
panel diagram and tables, in headless Chromium), re-rendering, the methods text's references
and the command line's errors (exit 2 naming what is wrong)."""

from __future__ import annotations

import copy
import json

import pandas as pd
import pytest
from browser import browser  # noqa: F401  (session fixture: headless Chromium)

from analysis.responses import read_responses, write_responses
from analysis.responses.scoring import scale_scores
from analysis.responses.simulate_panel import simulate_panel
from analysis.results_schema import ResultsFileError, check_results
from analysis.structural.cross_lagged import cross_lagged, wide_panel
from instruments import load_instrument
from reports.cli import main
from reports.crosslag_section import crosslag_methods, crosslag_section

INST = load_instrument("five_commitments")
PAIR = ["affective", "repurchase"]


def _files(tmp, waves=3, n=300, seed=8):
    sim = simulate_panel(INST, n=n, waves=waves, seed=seed, attrition=0.1,
                         cross_lagged={"repurchase": {"affective": 0.3}},
                         intercept_drift={"aff_02": 0.3})
    paths = []
    for t, data in enumerate(sim.waves, 1):
        p = tmp / f"wave{t}.csv"
        write_responses(data, p, INST)
        paths.append(str(p))
    return paths


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crosslag")
    files = _files(tmp)
    out = tmp / "out"
    code = main(["run", *files, "-i", "five_commitments", "--waves", "--wave-labels",
                 "2024,2025,2026", "--cross-lagged", "affective,repurchase",
                 "--exclude-rules", "none", "--boot", "0", "--jobs", "1", "-o", str(out)])
    assert code == 0
    return out, files


def test_results_section_is_the_models_refitted_from_the_files(run_dir):
    out, files = run_dir
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    check_results(results)
    cl = results["cross_lagged"]
    assert cl["labels"] == ["2024", "2025", "2026"] and cl["constructs"] == PAIR
    assert cl["names"] == {"affective": "Affective commitment",
                           "repurchase": "Repurchase intention"}
    # by hand: read each file, score, link by respondent id, fit
    frames = [scale_scores(read_responses(f, INST), INST)[PAIR] for f in files]
    again = cross_lagged(wide_panel(frames, PAIR), PAIR, 3, level=0.95, seed=cl["settings"]
                         ["seed"])
    assert cl["n"] == again.n and cl["n"]["panel"] == 300
    ours = pd.DataFrame(cl["models"]["riclpm"]["lagged"])
    assert ours["est"].tolist() == pytest.approx(again.effects()["est"].tolist(), abs=1e-9)
    assert cl["comparison"]["chisq.diff"] == pytest.approx(again.comparison["chisq.diff"])


def test_report_rerenders_with_the_section_and_its_references(run_dir, tmp_path):
    out, _ = run_dir
    html = (out / "report.html").read_text(encoding="utf-8")
    again = tmp_path / "again.html"
    assert main(["report", str(out / "results.json"), "-o", str(again)]) == 0
    assert again.read_text(encoding="utf-8") == html
    assert 'id="cross-lagged"' in html and 'id="crosslag-diagram"' in html
    for ref in ("Hamaker, E. L., Kuiper, R. M., &amp; Grasman", "Stoel, R. D."):
        assert ref in html
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert "chi-bar-square distribution (Stoel et al., 2006" in crosslag_methods(results)
    assert crosslag_section({"instrument": {}}) is None and crosslag_methods({}) == ""


def test_schema_names_a_broken_section(run_dir):
    out, _ = run_dir
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    bad = copy.deepcopy(results)
    del bad["cross_lagged"]["models"]["clpm"]["lagged"]
    with pytest.raises(ResultsFileError, match="cross_lagged.models.clpm.lagged"):
        check_results(bad)


@pytest.mark.browser
def test_report_shows_the_diagram_and_tables_in_chromium(browser, run_dir):  # noqa: F811
    from browser import file_url

    out, _ = run_dir
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    browser.get(file_url(out / "report.html"))
    got = browser.execute_script("""
        const s = document.getElementById('cross-lagged');
        const box = e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
        const lags = [...s.querySelectorAll('svg .ek-lag')].map(g => ({
            outcome: g.dataset.outcome, predictor: g.dataset.predictor, from: g.dataset.from,
            std: +g.dataset.std, sig: g.dataset.significant, size: box(g),
            label: g.querySelector('text').textContent}));
        const boxes = [...s.querySelectorAll('svg .ek-box')].map(g => {
            const r = g.querySelector('rect').getBBox(), t = g.querySelector('text').getBBox();
            return {construct: g.dataset.construct, wave: g.dataset.wave,
                    fits: t.width <= r.width && t.x >= r.x};});
        const tables = [...s.querySelectorAll('table')].map(t => ({
            caption: t.caption ? t.caption.innerText : '',
            rows: [...t.querySelectorAll('tbody tr')].map(
                r => [...r.cells].map(c => c.innerText.trim())), size: box(t)}));
        return {lags, boxes, tables, svg: box(s.querySelector('#crosslag-diagram svg')),
                cards: [...s.querySelectorAll('.crosslag-verdict .card')].map(
                    c => c.innerText),
                nav: !!document.querySelector('nav a[href="#cross-lagged"]')};""")
    assert got["nav"]
    assert len(got["boxes"]) == 6 and all(b["fits"] for b in got["boxes"])
    assert {b["wave"] for b in got["boxes"]} == {"2024", "2025", "2026"}
    want = {(r["outcome"], r["predictor"], r["from_wave"]): r
            for r in results["cross_lagged"]["models"]["riclpm"]["lagged"]}
    assert len(got["lags"]) == len(want) == 8
    labels = {"2024": 1, "2025": 2}
    for g in got["lags"]:
        r = want[(g["outcome"], g["predictor"], labels[g["from"]])]
        assert g["std"] == pytest.approx(r["std.all"], rel=1e-9)
        assert g["sig"] == ("yes" if r["std.ci.lower"] > 0 or r["std.ci.upper"] < 0 else "no")
        assert g["size"][0] > 0 and g["size"][1] > 0
    assert got["svg"][0] > 500 and got["svg"][1] > 150
    caps = {t["caption"]: t for t in got["tables"]}
    effects = next(t for c, t in caps.items() if "Lagged effects" in c)
    assert len(effects["rows"]) == 8 and effects["size"][1] > 100
    assert effects["rows"][0][0] == "Affective commitment → Repurchase intention"
    fit = next(t for c, t in caps.items() if "Fit of the RI-CLPM" in c)
    assert [r[0] for r in fit["rows"]] == ["RI-CLPM", "CLPM"]
    assert any("needed" in c for c in got["cards"])


@pytest.mark.parametrize("extra, words", [
    (["--cross-lagged", "affective,loyalty"], "loyalty is not a measured construct"),
    (["--cross-lagged", "affective"], "two or more different constructs"),
    (["--cross-lagged-latent"], "--cross-lagged-latent goes with --cross-lagged"),
])
def test_cli_errors_exit_2(tmp_path, capsys, extra, words):
    files = _files(tmp_path, n=40)
    code = main(["run", *files, "-i", "five_commitments", "--waves", *extra, "--boot", "0",
                 "-o", str(tmp_path / "out")])
    assert code == 2
    assert words in capsys.readouterr().err


def test_cli_needs_three_panel_waves(tmp_path, capsys):
    files = _files(tmp_path, waves=2, n=40)
    code = main(["run", *files, "-i", "five_commitments", "--waves", "--cross-lagged",
                 "affective,repurchase", "--boot", "0", "-o", str(tmp_path / "out")])
    assert code == 2
    assert "three or more waves of a panel (got 2" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    code = main(["run", files[0], "-i", "five_commitments", "--cross-lagged",
                 "affective,repurchase", "-o", str(tmp_path / "out2")])
    assert code == 2
    assert "--cross-lagged needs the waves of a panel" in capsys.readouterr().err


@pytest.mark.slow
def test_terminal_gives_a_p_beyond_the_monte_carlo_draws_as_a_bound(run_dir, tmp_path, capsys):
    """A chi-square difference beyond what the Monte Carlo draws resolve has only an upper
    bound for its chi-bar-square p (the naive chi-square p); the terminal printed it as
    'chi-bar-square p = 1.32e-08'. It prints 'p < 1/draws' then (the naive p recomputed
    with scipy decides which case this is), the value otherwise."""
    from scipy import stats

    _, files = run_dir
    assert main(["run", *files, "-i", "five_commitments", "--waves", "--cross-lagged",
                 "affective,repurchase", "--exclude-rules", "none", "--boot", "0",
                 "--jobs", "1", "-o", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    cl = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    c, draws = cl["cross_lagged"]["comparison"], cl["cross_lagged"]["settings"]["draws"]
    naive = stats.chi2.sf(c["chisq.diff"], c["df.diff"])
    assert naive == pytest.approx(c["pvalue.chisq"], rel=1e-9)
    if naive < 1 / draws:
        assert f"chi-bar-square p < {1 / draws:.2g} (beyond {draws} Monte Carlo draws)" in out
    else:
        assert f"chi-bar-square p = {c['pvalue']:.3g}" in out
