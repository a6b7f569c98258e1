"""``run`` for a real study (issue 17, item 5): screening choices (which rules exclude, the
thresholds) recorded in results.json and written in words in the methods text, ``--brand`` in
the report title, headline numbers printed at the end, a bootstrap bar counting exactly the
resamples asked for, and a run on uniformly random answers that finishes.

Runs on the gym study fixture (tests/fixtures/gym, see its README.md).
"""

from __future__ import annotations

import json
import re
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.structural import resampling
from analysis.structural.effects import estimate_effects
from reports.cli import main

GYM = Path(__file__).parent / "fixtures" / "gym"
INST = str(GYM / "gym.yaml")
MEMBERS = str(GYM / "members.csv")
ITEMS = [f"{p}_{k}" for p, n in (("aff", 4), ("hab", 4), ("for", 4), ("sat", 3), ("loy", 4))
         for k in range(1, n + 1)]
ITEMS = [i + ("r" if i in ("aff_4", "hab_4", "loy_4") else "") for i in ITEMS]


def _methods(html: str) -> str:
    """The report's methods paragraph as plain text."""
    text = re.sub(r"<[^>]+>", "", html)
    start = text.index("respondents were read against")
    return text[start - 20:start + 4000].replace("&lt;", "<").replace("&#39;", "'")


@pytest.fixture(scope="module")
def chosen(tmp_path_factory):
    """A run with every screening choice changed from its default, and a brand."""
    out = tmp_path_factory.mktemp("chosen")
    code = main(["run", MEMBERS, "-i", INST, "--id-column", "member_id", "--boot", "0",
                 "--exclude-rules", "irv,longstring", "--min-flags", "1",
                 "--speed-fraction", "0.4", "--longstring-fraction", "0.6", "--irv-min", "0.1",
                 "--mahalanobis-p", "0.01", "--brand", "FitLife", "-o", str(out)])
    assert code == 0
    return out


def test_screening_choices_are_recorded_in_results(chosen):
    r = json.loads((chosen / "results.json").read_text())
    for st in (r["settings"]["screening"], r["screening"]["settings"]):
        assert st["exclude_rules"] == ["irv", "longstring"] and st["min_flags"] == 1
        assert (st["speed_fraction"], st["longstring_fraction"], st["irv_min"],
                st["mahalanobis_alpha"]) == (0.4, 0.6, 0.1, 0.01)


def test_the_chosen_irv_threshold_is_the_one_applied(chosen):
    """Independent check: the SD of each member's answers rescaled to 0-1 (population SD)
    below .10 flags irv; irv and longstring are the only rules that exclude."""
    members = pd.read_csv(MEMBERS, dtype={"member_id": str}).set_index("member_id")
    x = (members[ITEMS] - 1) / 4
    sd = x.std(axis=1, ddof=0).where(x.notna().sum(axis=1) >= 3)
    scored = pd.read_csv(chosen / "scored.csv", dtype={"respondent_id": str},
                         keep_default_na=False).set_index("respondent_id")
    flagged_irv = scored["flagged_by"].str.split(";").map(lambda rules: "irv" in rules)
    assert flagged_irv.equals(sd < 0.1)
    assert 0 < flagged_irv.sum() < len(members)
    rules = scored["flagged_by"].str.split(";")
    expect = rules.map(lambda rs: bool({"irv", "longstring"} & set(rs)))
    assert scored["excluded"].astype(str).eq("True").equals(expect)
    # mahalanobis flags (at p < .01) but, not being chosen, excludes no one by itself
    only_mahal = rules.map(lambda rs: rs == ["mahalanobis"])
    assert only_mahal.any() and not scored.loc[only_mahal, "excluded"].eq("True").any()


def test_the_methods_text_names_the_choices_in_words(chosen):
    text = _methods((chosen / "report.html").read_text())
    assert ("Respondents were excluded when flagged for low intra-individual response "
            "variability (a standard deviation of the answers, rescaled to 0-1, below .10) or "
            "a long string of identical answers (more than 60% of the answered items in a "
            "row).") in text
    assert "being a multivariate outlier (Mahalanobis D², p < .01)" in text
    assert "Respondents flagged only for" in text and "were kept." in text
    sentence = text[text.index("Respondents were excluded"):text.index("were kept.")]
    for rule_id in ("irv", "longstring", "mahalanobis", "even_odd", "speeder"):
        assert not re.search(rf"\b{rule_id}\b", sentence)


def test_brand_fills_the_report_title(chosen):
    html = (chosen / "report.html").read_text()
    assert "<title>Why members stay with FitLife: findings</title>" in html
    r = json.loads((chosen / "results.json").read_text())
    assert r["settings"]["brand"] == "FitLife"
    assert r["instrument"]["placeholders"]["brand"] == "FitLife"


def test_exclude_rules_none_flags_without_excluding(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["run", MEMBERS, "-i", INST, "--exclude-rules", "none", "--boot", "0",
                 "-o", str(out)]) == 0
    r = json.loads((out / "results.json").read_text())
    assert r["screening"]["n_excluded"] == 0 and r["screening"]["n_flagged_any"] > 0
    assert "By choice, no screening rule excluded respondents" in _methods(
        (out / "report.html").read_text())
    assert "N analysed: 300 of 300 respondents read (0 excluded by screening)" in \
        capsys.readouterr().out


def test_headline_numbers_end_the_run(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["run", MEMBERS, "-i", INST, "--id-column", "member_id", "--boot", "50",
                 "--jobs", "1", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    head = printed[printed.index("headline numbers:"):].splitlines()
    r = json.loads((out / "results.json").read_text())
    scored = pd.read_csv(out / "scored.csv")
    n_kept = int((~scored["excluded"]).sum())  # independent of results.json
    assert head[1].startswith(f"  N analysed: {n_kept} of 300 respondents read "
                              f"({300 - n_kept} excluded by screening)")
    fm = r["validation"]["cfa"]["fit_measures"]
    assert f"CFI {fm['cfi']:.3f}".replace("0.", ".") in head[2]
    assert f"SRMR {fm['srmr']:.3f}".replace("0.", ".") in head[2]
    # one line per outcome: its R² and strongest total effect with the BCa interval
    sat = next(line for line in head if line.startswith("  Satisfaction"))
    best = max((e for e in r["effects"]["effects"] if e["kind"] == "total"
                and e["outcome"] == "satisfaction"), key=lambda e: abs(e["std.all"]))
    assert "largest total effect of an exogenous construct Affective commitment" in sat and best["predictor"] == \
        "affective"
    assert f"b = {best['est']:.2f}" in sat and "95% BCa CI" in sat
    assert any(line.startswith("  Loyalty (R² ") for line in head)


@pytest.mark.parametrize(("args", "words"), [
    (["--exclude-rules", "irv,speed"], ["--exclude-rules", "speed", "even_odd", "none"]),
    (["--speed-fraction", "1.5"], ["--speed-fraction", "between 0 and 1"]),
    (["--longstring-fraction", "0"], ["--longstring-fraction"]),
    (["--irv-min", "-0.1"], ["--irv-min"]),
    (["--mahalanobis-p", "1"], ["--mahalanobis-p"]),
    (["--min-flags", "0"], ["--min-flags"]),
    (["--brand", " "], ["--brand"]),
])
def test_bad_screening_options_and_brand_exit_2_naming_the_option(tmp_path, capsys, args,
                                                                  words):
    code = main(["run", MEMBERS, "-i", INST, "--boot", "0", "-o", str(tmp_path / "o"), *args])
    err = capsys.readouterr().err
    assert code == 2
    for w in words:
        assert w in err
    assert not (tmp_path / "o" / "results.json").exists()


class _Recorder:
    """A stand-in for tqdm that records its total and every update."""

    made: list[_Recorder] = []

    def __init__(self, total=None, **_kw):
        self.total, self.updates = total, []
        _Recorder.made.append(self)

    def update(self, n):
        self.updates.append(n)

    def close(self):
        pass


def test_the_bootstrap_bar_counts_the_resamples_asked_for(monkeypatch):
    members = pd.read_csv(MEMBERS)
    frame = members[["aff_1", "aff_2", "aff_3", "sat_1", "sat_2", "sat_3"]].dropna()
    model = "aff =~ aff_1 + aff_2 + aff_3\nsat =~ sat_1 + sat_2 + sat_3\nsat ~ aff"
    monkeypatch.setattr(resampling, "tqdm", _Recorder)
    _Recorder.made.clear()
    res = estimate_effects(frame, model, n_boot=60, seed=1, n_jobs=1, progress=True)
    assert res.bootstrap["jackknife_groups"] > 0  # the jackknife ran alongside ...
    bar, = _Recorder.made
    assert bar.total == 60 and sum(bar.updates) == 60  # ... but is not counted


def test_counted_replicates_in_parallel_chunks(monkeypatch):
    monkeypatch.setattr(resampling, "tqdm", _Recorder)
    _Recorder.made.clear()
    fn = partial(_mean_of_draws)
    run = resampling.run_replicates(fn, 37, seed=3, n_jobs=2, chunk_size=5, progress=True,
                                    counted=23)
    assert run.values.shape[0] == 37
    bar, = _Recorder.made
    assert bar.total == 23 and sum(bar.updates) == 23


def _mean_of_draws(rng):
    return [float(rng.normal(size=5).mean())]


def test_run_on_uniformly_random_answers_finishes(tmp_path, capsys):
    rng = np.random.default_rng(5)
    members = pd.read_csv(MEMBERS)
    for c in ITEMS:
        members[c] = rng.integers(1, 6, len(members))
    path = tmp_path / "random.csv"
    members.to_csv(path, index=False)
    out = tmp_path / "o"
    code = main(["run", str(path), "-i", INST, "--id-column", "member_id", "--keep-column",
                 "club", "--boot", "30", "--jobs", "1", "-o", str(out)])
    captured = capsys.readouterr()
    assert code in (0, 2), captured.err
    if code == 2:  # a clear input error, never an internal one
        assert "internal error" not in captured.err and captured.err.startswith("error:")
    else:
        assert (out / "report.html").exists()
        assert "RuntimeWarning" not in captured.err
        r = json.loads((out / "results.json").read_text())
        if any(p["std.all"] is None for p in r["effects"]["paths"]):
            assert "caution: the structural model's solution is not trustworthy" in \
                captured.out


def test_path_diagram_draws_a_path_without_a_standardized_coefficient():
    from reports import figures

    svg = figures.path_diagram(
        [{"id": "a", "name": "A", "role": "predictor"},
         {"id": "b", "name": "B", "role": "outcome"}],
        [{"from": "a", "to": "b", "beta": None, "p": None}], {"b": None})
    assert 'data-beta="—"' in svg and "stroke-dasharray" in svg
