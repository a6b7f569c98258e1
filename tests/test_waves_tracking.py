"""Tracking across waves (issue 19, item 2): levels per wave and changes between waves with their
tests, checked against scipy.stats (ttest_ind Welch, ttest_rel) and hand formulas; NPS and the
ACSI index per wave recomputed from the raw answers; ``engagekit run --waves`` end to end (the
exit-2 version mismatch naming items and files, results.json re-rendered, the report's wave
table and trend figure in headless Chromium)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from browser import browser  # noqa: F401  (session fixture: headless Chromium)
from scipy import stats

from analysis.responses import write_responses
from analysis.responses.simulate import simulate
from analysis.responses.waves import stack_waves
from analysis.results_schema import check_results
from analysis.structural.tracking import nps_values, track
from analysis.study import StudySettings
from analysis.waves_study import wave_results
from instruments import load_instrument
from reports.cli import main

INST = load_instrument("five_commitments")
ALL = StudySettings(exclude_flagged=False, n_boot=0, progress=False)


def _wave(seed: int, ids: list[str], n_shift: float = 0.0):
    d = simulate(INST, n=len(ids), seed=seed, straightliners=0, random_responders=0).data
    sub = d.subset(d.ids)
    for frame in (sub.items, sub.meta, sub.texts):
        frame.index = pd.Index(ids, name="respondent_id", dtype=object)
    return sub


def _scale(d, construct: str) -> pd.Series:
    """A scale score by hand: reverse-keyed items as min + max - x on their declared scale,
    the mean of the answered items for respondents who answered at least 2/3 of them."""
    items = INST.measurement_items(INST.construct(construct))
    f = pd.DataFrame({i.id: (INST.item_scale(i).min + INST.item_scale(i).max - d.items[i.id])
                      if i.keyed == "minus" else d.items[i.id] for i in items})
    enough = f.notna().sum(axis=1) >= math.ceil(2 / 3 * len(items) - 1e-9)
    return f.mean(axis=1).where(enough)


def _row(out: dict, measure: str, a: str, b: str) -> dict:
    return next(c for c in out["changes"] if c["measure"] == measure and c["from"] == a
                and c["to"] == b)


def _level(out: dict, measure: str, wave: str) -> dict:
    return next(r for r in out["levels"] if r["measure"] == measure and r["wave"] == wave)


def test_independent_waves_use_welch_as_scipy():
    w1 = _wave(1, [f"a{k}" for k in range(150)])
    w2 = _wave(2, [f"b{k}" for k in range(110)])
    out = wave_results(stack_waves([w1, w2], INST), INST, ALL)
    for measure in ("affective", "satisfaction", "acsi", "nps"):
        c = _row(out, measure, "W1", "W2")
        assert c["test"] == "welch" and c["n_pairs"] == 0
        if measure == "nps":
            x, y = nps_values(w1.items["ltr"]), nps_values(w2.items["ltr"])
        elif measure == "acsi":
            sc = INST.item_scale("sat_01")  # 0-100 from the declared scale
            x, y = (((d.items[["sat_01", "sat_02", "sat_03"]] - sc.min) / (sc.max - sc.min)
                     * 100).mean(axis=1) for d in (w1, w2))
        else:
            x, y = (_scale(d, measure) for d in (w1, w2))
        x, y = x.dropna().to_numpy(), y.dropna().to_numpy()
        ref = stats.ttest_ind(y, x, equal_var=False)
        assert c["est"] == pytest.approx(y.mean() - x.mean(), abs=1e-12)
        assert c["t"] == pytest.approx(ref.statistic, rel=1e-10)
        assert c["pvalue"] == pytest.approx(ref.pvalue, rel=1e-8)
        v1, v2 = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
        df = (v1 + v2) ** 2 / (v1 ** 2 / (len(x) - 1) + v2 ** 2 / (len(y) - 1))
        assert c["df"] == pytest.approx(df, rel=1e-10)
        half = stats.t.ppf(0.975, df) * math.sqrt(v1 + v2)
        assert c["ci.lower"] == pytest.approx(y.mean() - x.mean() - half, abs=1e-10)
        assert c["ci.upper"] == pytest.approx(y.mean() - x.mean() + half, abs=1e-10)
    assert out["tests"] == ["welch"] and not out["panel"]


def test_panel_uses_paired_test_as_scipy_and_mixed_panel_says_so():
    """Wave 1: p0..p99; wave 2: p0..p69 and q0..q29 (a mixed panel): the change is the paired
    test on the 70 linked members."""
    w1 = _wave(3, [f"p{k}" for k in range(100)])
    w2 = _wave(4, [f"p{k}" for k in range(70)] + [f"q{k}" for k in range(30)])
    out = wave_results(stack_waves([w1, w2], INST), INST, ALL)
    c = _row(out, "affective", "W1", "W2")
    assert c["test"] == "paired" and c["n_pairs"] >= 65  # linked, with a score in both
    assert "30 in W2 only are not in the test" in c["note"]
    def score(d):
        return _scale(d, "affective")

    ids = [f"p{k}" for k in range(70)]
    x, y = score(w1).loc[ids].to_numpy(), score(w2).loc[ids].to_numpy()
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    ref = stats.ttest_rel(y, x)
    d = y - x
    assert c["est"] == pytest.approx(d.mean(), abs=1e-12)
    assert c["t"] == pytest.approx(ref.statistic, rel=1e-10)
    assert c["pvalue"] == pytest.approx(ref.pvalue, rel=1e-8)
    assert c["df"] == len(d) - 1
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    assert (c["ci.lower"], c["ci.upper"]) == pytest.approx((d.mean() - half, d.mean() + half),
                                                           abs=1e-10)
    # the level of each wave uses everyone in it (100 each), with the t interval
    lv = _level(out, "affective", "W2")
    s2 = score(w2).dropna()
    assert lv["n"] == len(s2) and lv["mean"] == pytest.approx(s2.mean(), abs=1e-12)
    half = stats.t.ppf(0.975, len(s2) - 1) * s2.std(ddof=1) / math.sqrt(len(s2))
    assert lv["ci.upper"] == pytest.approx(s2.mean() + half, abs=1e-10)
    # three-wave panels compare consecutive waves and the first with the last
    w3 = _wave(5, [f"p{k}" for k in range(50)])
    out3 = wave_results(stack_waves([w1, w2, w3], INST), INST, ALL)
    spans = {(c["from"], c["to"], c["span"]) for c in out3["changes"]}
    assert spans == {("W1", "W2", "consecutive"), ("W2", "W3", "consecutive"),
                     ("W1", "W3", "first_last")}
    assert _row(out3, "nps", "W1", "W3")["n_pairs"] == 50


def test_nps_and_acsi_per_wave_recomputed_from_the_answers():
    waves = [_wave(s, [f"r{k}" for k in range(n)]) for s, n in ((6, 180), (7, 140))]
    out = wave_results(stack_waves(waves, INST, ["Q1", "Q2"]), INST, ALL)
    for lab, d in zip(["Q1", "Q2"], waves, strict=True):
        ltr = d.items["ltr"].dropna()
        n = len(ltr)
        p_pro, p_det = (ltr >= 9).mean(), (ltr <= 6).mean()
        nps = 100 * (p_pro - p_det)
        se = 100 * math.sqrt((p_pro + p_det - (p_pro - p_det) ** 2) / n)
        r = _level(out, "nps", lab)
        assert r["mean"] == pytest.approx(nps, abs=1e-10)
        assert r["se"] == pytest.approx(se, abs=1e-10)
        assert r["ci.lower"] == pytest.approx(max(-100, nps - 1.959963984540054 * se), abs=1e-8)
        # ACSI: the three satisfaction items (1-10) rescaled to 0-100 and averaged
        sat = d.items[["sat_01", "sat_02", "sat_03"]]
        lo, hi = INST.item_scale("sat_01").min, INST.item_scale("sat_01").max
        acsi = ((sat - lo) / (hi - lo) * 100).mean(axis=1).dropna()
        r = _level(out, "acsi", lab)
        assert r["n"] == len(acsi)
        assert r["mean"] == pytest.approx(acsi.mean(), abs=1e-10)
        half = 1.959963984540054 * acsi.std(ddof=1) / math.sqrt(len(acsi))
        assert r["ci.upper"] == pytest.approx(acsi.mean() + half, abs=1e-8)


def test_track_on_a_small_hand_case():
    v = pd.DataFrame({"m": [1.0, 2.0, 3.0, 2.0, 3.0, 5.0]})
    out = track(v, {"m": "scale"}, pd.Series(["a"] * 3 + ["b"] * 3),
                pd.Series(["p", "q", "r", "x", "y", "z"]), ["a", "b"])
    c = out["changes"][0]
    # Welch by hand: means 2 and 10/3, variances 1 and 7/3, n 3 and 3
    se = math.sqrt(1 / 3 + (7 / 3) / 3)
    assert c["test"] == "welch" and c["est"] == pytest.approx(4 / 3)
    assert c["t"] == pytest.approx((4 / 3) / se)
    df = (1 / 3 + 7 / 9) ** 2 / ((1 / 3) ** 2 / 2 + (7 / 9) ** 2 / 2)
    assert c["df"] == pytest.approx(df)


# ---- the command line ---------------------------------------------------------------------------

def _files(tmp: Path) -> list[str]:
    out = []
    for k, (seed, n) in enumerate([(11, 160), (12, 150), (13, 140)], start=1):
        d = simulate(INST, n=n, seed=seed).data  # ids sim0001..: a panel with dropouts
        path = tmp / f"wave{k}.csv"
        write_responses(d, path, INST)
        out.append(str(path))
    return out


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("waves_run")
    files = _files(tmp)
    out = tmp / "out"
    code = main(["run", *files, "-i", "five_commitments", "--waves", "--wave-labels",
                 "2024,2025,2026", "--boot", "0", "--jobs", "1", "-o", str(out)])
    assert code == 0
    return out


def test_run_waves_writes_waves_results_and_every_wave(run_dir):
    results = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))
    check_results(results)
    w = results["waves"]
    assert w["labels"] == ["2024", "2025", "2026"]
    assert [x["n_read"] for x in w["waves"]] == [160, 150, 140]
    assert {"+".join(c["waves"]): c["n"] for c in w["combinations"]} == {
        "2024": 10, "2024+2025": 10, "2024+2025+2026": 140}
    assert w["analysed_wave"] == "2026"
    assert results["screening"]["n_read"] == 140  # the other sections: the last wave
    scored = pd.read_csv(run_dir / "scored.csv")
    assert list(scored.columns[:2]) == ["respondent_id", "wave"]
    assert scored.groupby("wave").size().to_dict() == {2024: 160, 2025: 150, 2026: 140}
    log = pd.read_csv(run_dir / "cleaning_log.csv")
    assert set(log["wave"]) == {2024, 2025, 2026}
    assert (log["problem"] == "rows_accounted").sum() == 3


def test_results_json_re_renders_with_the_waves(run_dir, tmp_path):
    again = tmp_path / "again.html"
    assert main(["report", str(run_dir / "results.json"), "-o", str(again)]) == 0
    html = again.read_text(encoding="utf-8")
    assert html == (run_dir / "report.html").read_text(encoding="utf-8")
    assert 'id="waves"' in html and "Change between waves" in html
    assert "Student. (1908)" in html  # the paired test's reference
    results = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))
    first = results["waves"]["screening"][0]  # exclusions per wave and rule, in words
    rule, n = next((k, v) for k, v in first["excluded_by"].items() if v)
    assert first["n_excluded"] == first["n_read"] - first["n_analysed"] > 0
    assert "respondents excluded per rule, 2024: " in html
    # the sentence on what moved from the first to the last wave names exactly those p < .05
    names = {m["id"]: m["name"] for m in results["waves"]["measures"]}
    last = [c for c in results["waves"]["changes"] if c["span"] == "first_last"]
    hits = {names[c["measure"]] for c in last if c["pvalue"] < 0.05}
    text = html[html.index("From 2024 to 2026") if hits else html.index("No measure changed"):]
    text = text[:text.index("</p>")]
    assert {n for n in names.values() if f"{n} " in text} == hits
    assert f"{ {'attention': 'failed attention check'}.get(rule, rule)} {n}" in html


def test_intro_tells_who_answered_apart_from_who_passed_screening(run_dir):
    """The design is who answered which waves (10 + 10 + 140 respondents: a mixed panel of
    160, 150 of them in two or more waves); screening within each wave is said separately,
    counted here from scored.csv's excluded column (a panel member excluded in one wave still
    answered it, so it does not turn the panel into a mixed one)."""
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    scored = pd.read_csv(run_dir / "scored.csv")
    kept = scored[~scored["excluded"].astype(bool)]
    per_person = kept.groupby("respondent_id")["wave"].nunique()
    every, two, one = ((per_person == k).sum() for k in (3, 2, 1))
    none = scored["respondent_id"].nunique() - len(per_person)
    assert scored["respondent_id"].nunique() == 160 and every < 140  # screening bit
    parts = [f"{every:,} are analysed in every wave"] + [
        text for n, text in [(two, f"{two:,} in two of them"), (one, f"{one:,} in one"),
                             (none, f"{none:,} in none")] if n]
    expected = ("a mixed panel: 150 of 160 respondents answered two or more waves (linked by "
                "id), the others one wave; after each wave&#39;s screening, "
                + (parts[0] if len(parts) == 1
                   else ", ".join(parts[:-1]) + " and " + parts[-1]))
    assert expected in html
    assert "Read: respondents by the waves they answered; analysed: by the waves in which " \
           "they passed screening" in html
    # the change table's note: who is not in a paired test, whatever the reason
    assert ("a respondent with a value in only one of the two waves (who joined or left the "
            "panel, or was excluded by screening in the other wave) is not in the paired "
            "test") in html


@pytest.mark.browser
def test_report_shows_wave_table_and_trend_figure_in_chromium(browser, run_dir):  # noqa: F811
    from browser import file_url

    browser.get(file_url(run_dir / "report.html"))
    got = browser.execute_script("""
        const s = document.getElementById('waves');
        const box = e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
        const tables = [...s.querySelectorAll('table')].map(t => ({
            caption: t.caption ? t.caption.innerText : '',
            rows: [...t.querySelectorAll('tbody tr')].map(
                r => [...r.cells].map(c => c.innerText.trim())),
            size: box(t)}));
        const pts = [...s.querySelectorAll('svg .ek-wave-point')].map(g => ({
            measure: g.dataset.measure, wave: g.dataset.wave, mean: +g.dataset.mean,
            size: box(g)}));
        const fig = s.querySelector('#trend-figure svg');
        return {tables, pts, fig: fig ? box(fig) : null,
                cards: [...s.querySelectorAll('.waves-overview .card')].length,
                nav: !!document.querySelector('nav a[href="#waves"]')};""")
    assert got["nav"] and got["cards"] == 3
    waves = next(t for t in got["tables"] if t["caption"].endswith("Waves"))
    assert [r[0] for r in waves["rows"]] == ["2024", "2025", "2026"]
    assert [r[5] for r in waves["rows"]] == ["160", "150", "140"]  # read
    assert waves["size"][0] > 300 and waves["size"][1] > 60
    assert got["fig"] is not None and got["fig"][0] > 400 and got["fig"][1] > 300
    results = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))
    means = {(r["measure"], r["wave"]): r["mean"] for r in results["waves"]["levels"]}
    names = {m["id"]: m["name"] for m in results["waves"]["measures"]}
    drawn = {(p["measure"], p["wave"]): p["mean"] for p in got["pts"]}
    assert len(drawn) == len(means) == 3 * len(names)
    for (m, wave), mean in means.items():
        assert drawn[(names[m], wave)] == pytest.approx(mean, rel=1e-6)
    assert len(got["pts"]) == len(means)  # one point each
    assert all(p["size"][0] > 0 and p["size"][1] > 0 for p in got["pts"])  # visible


def _v2_instrument(tmp: Path) -> Path:
    src = Path(__file__).parents[1] / "instruments" / "library" / "five_commitments.yaml"
    doc = yaml.safe_load(src.read_text(encoding="utf-8"))
    doc["version"] = "2.0.0"
    doc["changelog"].append({"version": "2.0.0", "date": "2026-12-03",
                             "changes": ["for_02 and eco_03 reworded (answers not "
                                         "comparable)."]})
    path = tmp / "fc2.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_run_major_version_mismatch_exits_2_naming_items_and_files(tmp_path, capsys):
    inst = _v2_instrument(tmp_path)
    files = []
    for k, version in enumerate(["1.0.1", "2.0.0"], start=1):
        d = simulate(INST, n=30, seed=k).data
        d.meta["instrument_version"] = version
        path = tmp_path / f"quarter{k}.csv"
        write_responses(d, path, INST)
        files.append(str(path))
    code = main(["run", *files, "-i", str(inst), "--waves", "--boot", "0",
                 "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert "quarter1.csv" in err and "quarter2.csv" in err
    assert "eco_03, for_02" in err and "1.0.1" in err and "2.0.0" in err
    assert not (tmp_path / "out" / "results.json").exists()


def test_run_several_files_without_waves_is_a_usage_error(tmp_path, capsys):
    files = _files(tmp_path)[:2]
    assert main(["run", *files, "-i", "five_commitments", "-o", str(tmp_path / "o")]) == 2
    assert "--waves" in capsys.readouterr().err
    assert main(["run", files[0], "-i", "five_commitments", "--waves",
                 "-o", str(tmp_path / "o")]) == 2
    assert "two or more" in capsys.readouterr().err
    assert main(["run", *files, "-i", "five_commitments", "--waves", "--wave-labels", "a,a",
                 "-o", str(tmp_path / "o")]) == 2
    assert "repeats a" in capsys.readouterr().err


def test_nps_values_codes():
    v = pd.Series([0, 6, 7, 8, 9, 10, np.nan])
    assert nps_values(v).tolist()[:6] == [-100, -100, 0, 0, 100, 100]
    assert np.isnan(nps_values(v).iloc[6])


def test_run_wave_column_writes_every_wave(tmp_path):
    """One long file (column 'round' names the wave): scored.csv and the cleaning log carry
    the wave first, once, and results.json has the waves section."""
    frames = []
    for k, (seed, n) in enumerate([(21, 120), (22, 100)], start=1):
        d = simulate(INST, n=n, seed=seed).data
        write_responses(d, tmp_path / f"w{k}.csv", INST)
        f = pd.read_csv(tmp_path / f"w{k}.csv", dtype=str)
        f.insert(1, "round", f"R{k}")
        frames.append(f)
    path = tmp_path / "long.csv"
    pd.concat(frames).to_csv(path, index=False)
    out = tmp_path / "out"
    assert main(["run", str(path), "-i", "five_commitments", "--wave-column", "round",
                 "--boot", "0", "--jobs", "1", "-o", str(out)]) == 0
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["waves"]["labels"] == ["R1", "R2"]
    assert {"+".join(c["waves"]): c["n"] for c in results["waves"]["combinations"]} == {
        "R1": 20, "R1+R2": 100}
    scored = pd.read_csv(out / "scored.csv")
    assert list(scored.columns[:3]) == ["respondent_id", "wave", "round"]  # the kept column
    assert scored["wave"].value_counts().to_dict() == {"R1": 120, "R2": 100}
    assert (scored["wave"] == scored["round"]).all()
    log = pd.read_csv(out / "cleaning_log.csv")
    assert log.columns[0] == "wave" and list(log.columns).count("wave") == 1


def test_a_measure_missing_in_a_wave_is_not_tested():
    w1 = _wave(8, [f"p{k}" for k in range(40)])
    w1.items["ltr"] = np.nan  # e.g. the question was not asked in the first wave
    w2 = _wave(9, [f"p{k}" for k in range(40)])
    out = wave_results(stack_waves([w1, w2], INST), INST, ALL)
    assert _level(out, "nps", "W1")["n"] == 0 and _level(out, "nps", "W1")["mean"] is None
    c = _row(out, "nps", "W1", "W2")
    assert c["test"] == "none" and c["est"] is None and "no test" in c["note"]
    assert _row(out, "affective", "W1", "W2")["test"] == "paired"
    json.dumps(out, allow_nan=False)


@pytest.mark.parametrize("invariance", [
    False, pytest.param(True, marks=pytest.mark.slow)])  # slow: +15 s
def test_run_waves_with_pls_and_profiles_describes_the_last_wave_so(tmp_path, capsys,
                                                                    invariance):
    """``run --waves --method pls --profiles [--invariance]``: the PLS model and the profiles
    describe the last wave, so they equal ``run --method pls --profiles`` on that wave's file
    alone (same seed); the waves (and the invariance across waves, covariance-based) are
    added, and the terminal, headline and methods text carry each part."""
    files = _files(tmp_path)
    opts = ["-i", "five_commitments", "--method", "pls", "--boot", "0", "--jobs", "1",
            "--profiles", "--profiles-k", "1-2", "--profiles-boot", "0"]
    assert main(["run", *files, "--waves", *(["--invariance"] if invariance else []), *opts,
                 "-o", str(tmp_path / "w")]) == 0
    text = capsys.readouterr().out
    assert main(["run", files[-1], *opts, "-o", str(tmp_path / "one")]) == 0
    capsys.readouterr()
    waves = json.loads((tmp_path / "w" / "results.json").read_text(encoding="utf-8"))
    one = json.loads((tmp_path / "one" / "results.json").read_text(encoding="utf-8"))
    check_results(waves)
    assert waves["pls"]["estimates"] == one["pls"]["estimates"]
    assert waves["profiles"]["comparison"] == one["profiles"]["comparison"]
    assert "waves" in waves and "waves" not in one
    assert ("invariance_waves" in waves) == invariance
    assert ("invariance across waves (not invariant when" in text) == invariance
    assert "  commitment profiles: " in text  # the PLS headline has the profiles line
    html = (tmp_path / "w" / "report.html").read_text(encoding="utf-8")
    for sec in ("waves", "profiles", "pls-paths", *(["invariance-waves"] if invariance
                                                   else [])):
        assert f'id="{sec}"' in html, sec
    methods = re.sub(r"\s+", " ", html[html.index('id="methods"'):])
    assert "partial least squares path modelling" in methods
    assert "The study stacked 3 waves (W1, W2, W3) of the instrument" in methods
    assert "were estimated as Gaussian mixtures" in methods


def test_ids_that_link_strangers_are_flagged():
    """Two independent simulated samples numbered alike (sim0001, ... in both) were stacked as
    a panel without a word: paired tests on strangers. Their scale scores do not correlate
    across the waves (scipy's pearsonr on the hand-computed scores of the same ids: median
    |r| < .1), so the waves section notes that the ids seem not to identify persons; a
    simulated panel (same persons, stable commitments: r > .3) gets no such note."""
    from analysis.responses.simulate_panel import simulate_panel

    a, b = (simulate(INST, n=200, seed=s).data for s in (1, 2))
    ids = sorted(set(a.ids) & set(b.ids))
    scales = ["affective", "normative", "economic", "forced", "habitual", "satisfaction",
              "repurchase", "recommendation"]
    r = [stats.pearsonr(*pd.concat([_scale(a, c).loc[ids], _scale(b, c).loc[ids]],
                                   axis=1).dropna().T.to_numpy())[0] for c in scales]
    assert abs(float(np.median(r))) < 0.1
    out = wave_results(stack_waves([a, b], INST), INST, ALL)
    assert out["panel"]
    assert any("answer as if unrelated" in n and "W1 to W2" in n for n in out["notes"])
    sim = simulate_panel(INST, n=200, waves=2, seed=3)
    panel = [pd.concat([_scale(w, c) for w in sim.waves], axis=1).dropna() for c in scales]
    assert float(np.median([p.corr().iloc[0, 1] for p in panel])) > 0.3
    out = wave_results(stack_waves(sim.waves, INST), INST, ALL)
    assert not any("answer as if unrelated" in n for n in out["notes"])
