"""Discriminant validity of a PLS model as Hair et al. (2019) list it: cross-loadings and
HTMT2 (Roemer, Schuberth & Henseler, 2021) with bootstrap intervals, in results.json and the
report's measurement section.

Independent checks: cross-loadings are the correlations of the items with the construct scores
computed here with numpy (1e-12); HTMT2 is the geometric-mean formula written out here on each
resample's item correlations (point estimate and percentile interval from a supplied index
matrix, 1e-12); the report's table bolds each item's own loading and flags an item written
into the wrong construct.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.pls import bootstrap_pls, estimate_pls
from analysis.pls.pipeline import pls_effects

FIX = Path(__file__).parent / "fixtures" / "pls"

M1 = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value
"""


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return pd.read_csv(FIX / "mobi.csv")


def _htmt2(R: np.ndarray, a: list[int], b: list[int]) -> float:
    """HTMT2 (Roemer et al., 2021): the geometric mean of the heterotrait correlations over the
    square root of the product of the geometric means of each block's monotrait correlations."""
    def geo(values: list[float]) -> float:
        return float(np.exp(np.mean(np.log(values))))

    if min(R[i, j] for i in a + b for j in a + b) <= 0:
        return float("nan")  # undefined with a non-positive correlation
    hetero = geo([R[i, j] for i in a for j in b])
    mono_a = geo([R[i, j] for i in a for j in a if i < j])
    mono_b = geo([R[i, j] for i in b for j in b if i < j])
    return hetero / np.sqrt(mono_a * mono_b)


def test_cross_loadings_are_item_score_correlations(mobi):
    out = pls_effects(mobi, M1, n_boot=0)
    fit = estimate_pls(mobi, M1)
    items = [i for c in out["constructs"] for i in c["items"]]
    X = mobi[items].to_numpy(float)
    S = fit.scores.to_numpy(float)
    cross = out["assessment"]["cross_loadings"]
    for j, name in enumerate(fit.scores.columns):
        for k, item in enumerate(items):
            r = np.corrcoef(X[:, k], S[:, j])[0, 1]
            assert abs(cross[name][item] - r) < 1e-12, (item, name)


def test_htmt2_point_estimate_and_interval_by_the_geometric_mean_formula(mobi):
    items = [i for c in ("IMAG", "CUEX", "PERV", "CUSA") for i in mobi.columns
             if i.startswith(c)]
    blocks = {"Image": [0, 1, 2, 3, 4], "Expectation": [5, 6, 7], "Value": [8, 9],
              "Satisfaction": [10, 11, 12]}
    idx = np.random.default_rng(8).integers(0, 250, size=(120, 250))
    boot = bootstrap_pls(mobi, M1, indices=idx, bca=False, n_jobs=1, progress=False)
    t = boot.table
    X = mobi[items].to_numpy(float)
    R = np.corrcoef(X, rowvar=False)
    Rs = [np.corrcoef(X[r], rowvar=False) for r in idx]
    rows = t[t.op == "htmt2"]
    assert len(rows) == 6
    for _, row in rows.iterrows():
        a, b = blocks[row["lhs"]], blocks[row["rhs"]]
        assert abs(row["est"] - _htmt2(R, a, b)) < 1e-12
        draws = np.array([_htmt2(Q, a, b) for Q in Rs])
        # resamples where HTMT2 is undefined are left out of the interval
        lo, hi = np.nanquantile(draws, [0.025, 0.975])
        assert np.array_equal(np.isnan(draws), np.isnan(boot.replicates[:, row.name]))
        assert abs(row["ci.lower"] - lo) < 1e-12 and abs(row["ci.upper"] - hi) < 1e-12


def test_report_table_bolds_own_loadings_and_flags_a_misplaced_item():
    from reports.format import apa_ci
    from reports.pls_section import measurement_section
    from reports.tables import build_table, table_markup

    rng = np.random.default_rng(4)
    n = 300
    f = rng.multivariate_normal([0, 0, 0], [[1, .3, .3], [.3, 1, .4], [.3, .4, 1]], size=n)
    d = pd.DataFrame({f"{p}{k}": 0.8 * f[:, j] + 0.6 * rng.normal(size=n)
                      for j, p in enumerate("abc") for k in range(1, 5)})
    # b4 written into A: it correlates more with B's score than with A's
    wrong = "A =~ a1 + a2 + a3 + a4 + b4; B =~ b1 + b2 + b3; C =~ c1 + c2 + c3 + c4; C ~ A + B"
    pls = pls_effects(d, wrong, n_boot=40, seed=1, n_jobs=1, progress=False)
    results = {"instrument": {"constructs": []}, "pls": pls}
    section = measurement_section(results)
    disc = next(s for s in section["subsections"] if s["id"] == "pls-discriminant")
    block = next(b for b in disc["blocks"] if b.get("caption") == "Cross-loadings")
    flagged = [r for r in block["data"] if r["flag"] != "no"]
    assert [(r["item"], r["flag"]) for r in flagged] == [("b4", "B")]
    assert "1 item(s) correlate more strongly with another construct: b4 (B)" in block["note"]
    assert abs(pls["assessment"]["cross_loadings"]["B"]["b4"]) > \
        abs(pls["assessment"]["cross_loadings"]["A"]["b4"])
    cross = pls["assessment"]["cross_loadings"]
    table = build_table(block["data"], block["columns"], block["caption"],
                        block.get("number_formats"), block["note"])
    names = [c["name"] for c in pls["constructs"]]
    for row, cells in zip(block["data"], table.rows, strict=True):
        own = next(c["name"] for c in pls["constructs"] if row["item"] in c["items"])
        for k, name in enumerate(names):
            cell = cells[2 + k]
            assert cell.value == pytest.approx(cross[name][row["item"]], abs=1e-15)
            assert cell.strong == (name == own)
    html = str(table_markup(table))
    assert html.count("<strong>") == sum(len(c["items"]) for c in pls["constructs"])
    # HTMT2 shown with its interval
    pairs = next(b for b in disc["blocks"] if b.get("caption") == "HTMT and HTMT2 per pair")
    assert pairs["columns"]["ci2"] == "HTMT2 95% CI"
    h2 = [r for r in pls["estimates"] if r["op"] == "htmt2"]
    assert [r["htmt2"] for r in pairs["data"]] == [r["est"] for r in h2]
    for r, p in zip(h2, pairs["data"], strict=True):
        assert p["ci2"] in (apa_ci(r["ci.lower"], r["ci.upper"], 2),
                            apa_ci(r["ci.lower"], r["ci.upper"], 3))


def test_bold_cells_in_the_manuscript_formats():
    from reports.manuscript.latex import table_tex
    from reports.tables import Cell, build_table

    t = build_table([{"item": "a1", "A": Cell(".800", 0.8, "bounded:3", strong=True),
                      "B": Cell(".300", 0.3, "bounded:3")}], caption="Cross-loadings")
    tex = table_tex(t)
    assert r"\textbf{.800}" in tex and r"\textbf{.300}" not in tex


def test_run_report_shows_cross_loadings_and_htmt2_intervals(tmp_path, capsys):
    from reports.cli import main

    data = tmp_path / "r.csv"
    assert main(["simulate", "loyalty_typology", "--n", "200", "--seed", "5", "-o",
                 str(data)]) == 0
    out = tmp_path / "run"
    assert main(["run", str(data), "-i", "loyalty_typology", "--method", "pls", "--boot", "30",
                 "--seed", "2", "--jobs", "1", "-o", str(out)]) == 0
    capsys.readouterr()
    res = json.loads((out / "results.json").read_text())
    html = (out / "report.html").read_text()
    assert "Cross-loadings" in html and "HTMT2 95% CI" in html
    assert html.count("<strong>") >= sum(len(c["items"]) for c in res["pls"]["constructs"])


def test_undefined_htmt2_has_no_interval():
    """HTMT2 of two unrelated blocks is undefined (a heterotrait correlation is negative, by
    the formula above); the resamples where it happens to be defined are a selection, so the
    table gives no percentile or BCa interval and the report shows none."""
    from reports.pls_section import measurement_section

    rng = np.random.default_rng(11)
    n = 150
    f = rng.normal(size=(n, 2))  # independent factors
    d = pd.DataFrame({f"{p}{k}": 0.8 * f[:, j] + 0.6 * rng.normal(size=n)
                      for j, p in enumerate("ac") for k in range(1, 4)})
    R = np.corrcoef(d.to_numpy(float), rowvar=False)
    assert np.isnan(_htmt2(R, [0, 1, 2], [3, 4, 5]))
    idx = np.random.default_rng(3).integers(0, n, size=(60, n))
    model = "A =~ a1 + a2 + a3; C =~ c1 + c2 + c3; C ~ A"
    boot = bootstrap_pls(d, model, indices=idx, n_jobs=1, progress=False)
    row = boot.table[boot.table.op == "htmt2"].iloc[0]
    draws = np.array([_htmt2(np.corrcoef(d.to_numpy(float)[r], rowvar=False), [0, 1, 2],
                             [3, 4, 5]) for r in idx])
    assert np.isfinite(draws).sum() >= 2  # some resamples defined: a CI could be computed
    assert np.isnan(row["est"])
    assert all(np.isnan(row[c]) for c in ("ci.lower", "ci.upper", "bca.lower", "bca.upper"))
    # HTMT itself stays defined, with its interval
    h = boot.table[boot.table.op == "htmt"].iloc[0]
    assert np.isfinite([h["est"], h["ci.lower"], h["ci.upper"]]).all()
    # the report, also from an older results.json that kept the selected resamples' interval
    pls = pls_effects(d, model, n_boot=30, seed=1, n_jobs=1, progress=False)
    for r in pls["estimates"]:
        if r["op"] == "htmt2":
            r["ci.lower"], r["ci.upper"] = 0.01, 0.2
    section = measurement_section({"instrument": {"constructs": []}, "pls": pls})
    disc = next(s for s in section["subsections"] if s["id"] == "pls-discriminant")
    pairs = next(b for b in disc["blocks"] if b.get("caption") == "HTMT and HTMT2 per pair")
    assert pairs["data"][0]["htmt2"] is None and pairs["data"][0]["ci2"] is None
