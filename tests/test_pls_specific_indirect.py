"""Specific indirect effects of a PLS path model with bootstrap intervals (issue 18, items 2-3):
each chain of two or more paths from an antecedent through mediators to an outcome, its point
estimate, percentile and BCa intervals from the same resamples as the paths, in the bootstrap
table, ``effects --method pls`` and the report's structural section.

Independent checks, none of which reads the code's own chain products:

* the point estimate is the product of the path estimates of a separate
  :func:`analysis.pls.estimate_pls` call (closed form);
* the percentile interval is the type-7 quantiles of that product over the resamples of a
  supplied index matrix, each resample re-estimated here one at a time with ``estimate_pls``;
* the BCa interval is Efron's (1987) formula written out here, with the acceleration from
  leave-one-out estimations run here;
* the specific indirect effects of each antecedent-outcome pair sum to its total indirect
  effect (total minus direct) to 1e-12, in the full sample and in every resample.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.pls import bootstrap_pls, estimate_pls, parse_pls_model

FIX = Path(__file__).parent / "fixtures" / "pls"

#: seminr's ECSI model on mobi: chains of two to five paths.
ECSI = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Complaints =~ CUSCO
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Expectation ~ Image
Quality ~ Expectation
Value ~ Expectation + Quality
Satisfaction ~ Image + Expectation + Quality + Value
Complaints ~ Satisfaction
Loyalty ~ Image + Satisfaction + Complaints
"""

#: Two parallel mediators and a direct path (simulated data).
PARALLEL = ("X =~ x1 + x2 + x3; M1 =~ m1 + m2 + m3; M2 =~ n1 + n2 + n3; Y =~ y1 + y2 + y3; "
            "M1 ~ X; M2 ~ X; Y ~ X + M1 + M2")


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return pd.read_csv(FIX / "mobi.csv")


@pytest.fixture(scope="module")
def parallel() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 120
    x = rng.normal(size=n)
    m1 = 0.5 * x + rng.normal(scale=0.85, size=n)
    m2 = -0.4 * x + rng.normal(scale=0.9, size=n)
    y = 0.2 * x + 0.4 * m1 + 0.3 * m2 + rng.normal(scale=0.8, size=n)
    cols, names = [], []
    for f, p in ((x, "x"), (m1, "m"), (m2, "n"), (y, "y")):
        for k in range(1, 4):
            cols.append(f + rng.normal(scale=0.6, size=n))
            names.append(f"{p}{k}")
    return pd.DataFrame(np.column_stack(cols), columns=names)


def _chain_value(paths: pd.DataFrame, chain: list[str]) -> float:
    """The product of the path coefficients along ``chain`` (paths: rows cause, cols effect)."""
    return float(np.prod([paths.loc[a, b] for a, b in zip(chain[:-1], chain[1:], strict=True)]))


def _chains(model: str) -> list[list[str]]:
    """Every chain of two or more paths, found here by a depth-first walk of the model."""
    spec = parse_pls_model(model)
    out: list[list[str]] = []

    def walk(chain: list[str]) -> None:
        for a, b in spec.paths:
            if a == chain[-1]:
                longer = [*chain, b]
                if len(longer) > 2:
                    out.append(longer)
                walk(longer)

    for name in spec.names:
        walk([name])
    return out


def test_point_estimates_are_path_products_and_sum_to_the_indirect_effect(mobi):
    boot = bootstrap_pls(mobi, ECSI, n_boot=30, seed=3, bca=False, n_jobs=1, progress=False)
    fit = estimate_pls(mobi, ECSI)
    table = boot.table
    spec = table[table["op"] == ":="]
    chains = _chains(ECSI)
    assert len(chains) == 49 and len(spec) == len(chains)
    assert sorted(spec["lhs"]) == sorted(" -> ".join(c) for c in chains)
    for c in chains:
        row = spec[spec["lhs"] == " -> ".join(c)].iloc[0]
        assert row["rhs"] == "*".join(f"({b}~{a})" for a, b in zip(c[:-1], c[1:], strict=True))
        assert abs(row["est"] - _chain_value(fit.paths, c)) < 1e-12
    # sum of the specific indirect effects = total - direct, in the sample and every resample
    good = boot.replicates[~np.isnan(boot.replicates).all(axis=1)]
    assert good.shape[0] == 30
    pairs = {(c[0], c[-1]) for c in chains}
    for cause, outcome in pairs:
        ind = table[(table.op == "indirect") & (table.lhs == outcome) & (table.rhs == cause)]
        assert len(ind) == 1
        mine = [k for k, lhs in spec["lhs"].items()
                if lhs.split(" -> ")[0] == cause and lhs.split(" -> ")[-1] == outcome]
        assert abs(table.loc[mine, "est"].sum() - ind["est"].iloc[0]) < 1e-12
        direct = fit.paths.loc[cause, outcome]
        total = np.linalg.inv(np.eye(7) - fit.paths.to_numpy()) - np.eye(7)
        names = list(fit.paths.index)
        closed = total[names.index(cause), names.index(outcome)] - direct
        assert abs(table.loc[mine, "est"].sum() - closed) < 1e-12
        assert np.max(np.abs(good[:, mine].sum(axis=1) - good[:, ind.index[0]])) < 1e-12


def test_percentile_and_bca_intervals_from_supplied_resamples(parallel):
    n = len(parallel)
    idx = np.random.default_rng(5).integers(0, n, size=(150, n))
    boot = bootstrap_pls(parallel, PARALLEL, indices=idx, level=0.9, n_jobs=1, progress=False)
    table = boot.table
    chains = _chains(PARALLEL)
    assert [" -> ".join(c) for c in chains] == ["X -> M1 -> Y", "X -> M2 -> Y"]
    # each resample re-estimated here, one at a time
    draws = np.array([[_chain_value(estimate_pls(parallel.iloc[r], PARALLEL).paths, c)
                       for c in chains] for r in idx])
    full = estimate_pls(parallel, PARALLEL)
    est = np.array([_chain_value(full.paths, c) for c in chains])
    # leave-one-out estimates for the BCa acceleration
    jack = np.array([[_chain_value(estimate_pls(parallel.drop(index=i), PARALLEL).paths, c)
                      for c in chains] for i in range(n)])
    for k, c in enumerate(chains):
        row = table[(table.op == ":=") & (table.lhs == " -> ".join(c))].iloc[0]
        assert abs(row["est"] - est[k]) < 1e-12
        lo, hi = np.quantile(draws[:, k], [0.05, 0.95])  # numpy's default: R's type 7
        assert abs(row["ci.lower"] - lo) < 1e-10 and abs(row["ci.upper"] - hi) < 1e-10
        assert abs(row["se"] - draws[:, k].std(ddof=1)) < 1e-10
        # BCa (Efron, 1987): bias correction z0 and jackknife acceleration a
        z0 = stats.norm.ppf(np.mean(draws[:, k] < est[k]))
        d = jack[:, k].mean() - jack[:, k]
        a = (d ** 3).sum() / (6 * ((d ** 2).sum()) ** 1.5)
        zq = stats.norm.ppf([0.05, 0.95])
        q = stats.norm.cdf(z0 + (z0 + zq) / (1 - a * (z0 + zq)))
        blo, bhi = np.quantile(draws[:, k], q)
        assert abs(row["bca.lower"] - blo) < 1e-10 and abs(row["bca.upper"] - bhi) < 1e-10
    # the two chains sum to X's indirect effect on Y in every resample
    ind = table[(table.op == "indirect") & (table.lhs == "Y") & (table.rhs == "X")].index[0]
    pos = table.index[table.op == ":="]
    assert np.max(np.abs(boot.replicates[:, pos].sum(axis=1) - boot.replicates[:, ind])) < 1e-12


def test_batched_resamples_equal_one_at_a_time_on_a_mediated_model(mobi):
    """The stacked algorithm gives the chain products as the one-at-a-time estimation does."""
    from analysis.pls.batch import batch_statistics
    from analysis.pls.bootstrap import _jackknife_row, _labels

    model = parse_pls_model(ECSI)
    X = mobi[model.items].to_numpy(float)
    rows = np.random.default_rng(2).integers(0, 250, size=(8, 250))
    s = {"scheme": "path", "consistent": False, "standardize": True, "max_iter": 300,
         "tol": 1e-7}
    width = len(_labels(model))
    one = np.array([_jackknife_row(X[r], model, s, width) for r in rows])
    many = batch_statistics(X[rows], model, s, width)
    assert np.nanmax(np.abs(one - many)) < 1e-10


def test_effects_cli_writes_and_prints_specific_indirect_effects(parallel, tmp_path, capsys):
    from reports.cli import main

    data = tmp_path / "d.csv"
    parallel.to_csv(data, index=False)
    out = tmp_path / "e.json"
    code = main(["effects", str(data), "--model", PARALLEL, "--method", "pls", "--boot", "60",
                 "--seed", "4", "--jobs", "1", "--json", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    res = json.loads(out.read_text())
    res = res.get("pls", res)
    rows = [r for r in res["estimates"] if r["op"] == ":="]
    assert [r["lhs"] for r in rows] == ["X -> M1 -> Y", "X -> M2 -> Y"]
    want = bootstrap_pls(parallel, PARALLEL, n_boot=60, seed=4, n_jobs=1, progress=False).table
    want = want[want.op == ":="]
    for r, (_, w) in zip(rows, want.iterrows(), strict=True):
        for k in ("est", "ci.lower", "ci.upper", "bca.lower", "bca.upper"):
            assert abs(r[k] - w[k]) < 1e-12, k
    assert "X -> M1 -> Y := (M1~X)*(Y~M1)" in printed
    # other rows carry no empty chain field
    assert all("via" not in r for r in res["estimates"])


def test_run_report_shows_specific_indirect_effects(tmp_path, capsys):
    """``run --method pls``: the ``:=`` rows in results.json and a table in the structural
    section with each chain, its estimate and interval (names as the instrument gives them)."""
    from reports.cli import main
    from reports.format import apa_ci
    from reports.pls_section import structural_section

    data = tmp_path / "r.csv"
    assert main(["simulate", "five_commitments", "--n", "250", "--seed", "3", "-o",
                 str(data)]) == 0
    out = tmp_path / "run"
    assert main(["run", str(data), "-i", "five_commitments", "--method", "pls", "--boot", "40",
                 "--seed", "2", "--jobs", "1", "-o", str(out)]) == 0
    capsys.readouterr()
    res = json.loads((out / "results.json").read_text())
    pls = res["pls"]
    rows = [r for r in pls["estimates"] if r["op"] == ":="]
    paths = {(r["rhs"], r["lhs"]): r["est"] for r in pls["estimates"] if r["op"] == "~"}
    assert rows and all(r["lhs"].split(" -> ")[1] == "satisfaction" for r in rows)
    for r in rows:
        c = r["lhs"].split(" -> ")
        product = np.prod([paths[(a, b)] for a, b in zip(c[:-1], c[1:], strict=True)])
        assert abs(r["est"] - product) < 1e-12
        assert r["ci.lower"] <= r["est"] <= r["ci.upper"] and r["bca.lower"] is not None
    section = structural_section(res, [])
    effects = next(s for s in section["subsections"] if s["id"] == "pls-effects")
    table = next(b for b in effects["blocks"] if b.get("caption") == "Specific indirect effects")
    names = {c["id"]: c["name"] for c in res["instrument"]["constructs"]}
    assert [t["chain"] for t in table["data"]] == [
        " → ".join(names[x] for x in r["lhs"].split(" -> ")) for r in rows]
    for t, r in zip(table["data"], rows, strict=True):
        assert t["ci"] in (apa_ci(r["ci.lower"], r["ci.upper"], 2),
                           apa_ci(r["ci.lower"], r["ci.upper"], 3))
        assert t["sig"] == ("yes" if r["ci.lower"] > 0 or r["ci.upper"] < 0 else "no")
    html = (out / "report.html").read_text()
    assert "Specific indirect effects" in html and table["data"][0]["chain"] in html
