"""Bootstrap of PLS path models (analysis.pls.bootstrap).

Reference: R seminr ``bootstrap_model(nboot = 200, seed = 123, cores = 1)`` on ``mobi`` with
Value in mode B (model M1), resample i drawn as ``set.seed(123 + i); sample.int(250, replace =
TRUE)`` for i = 1..200 (sem-in-r/seminr-ts tests/fixtures/expected/M6_bootstrap.json, whose
settings document that rule, and boot_indices.json, its rows). The test regenerates those rows
with Rscript (R's own generator, not a stored copy) and feeds them to ``indices``; seminr's
bootstrap means, SDs and 2.5%/97.5% percentile bounds are then matched to 1e-6.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.pls import PLSInputError, bootstrap_pls, estimate_pls_moments

FIX = Path(__file__).parent / "fixtures" / "pls"

M1 = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value <~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value
"""

# M6_bootstrap.json bootSummary: original, boot mean, boot SD, 2.5% CI, 97.5% CI
SEMINR_M6 = {
    ("Satisfaction", "~", "Image"): [0.431236929186939, 0.431340510659941, 0.061432031649885,
                                     0.298205442703266, 0.547059806659254],
    ("Satisfaction", "~", "Expectation"): [0.174824883327262, 0.174113252460318,
                                           0.0610187797852501, 0.0551442776039285,
                                           0.284843253571427],
    ("Satisfaction", "~", "Value"): [0.331127040815262, 0.329251590497204, 0.0756763283118254,
                                     0.188259492859053, 0.47029060674686],
    ("Value", "<~", "PERV1"): [0.167650643560882, 0.173800323765271, 0.115790291632916,
                               -0.067957627435198, 0.387307945857905],
    ("Expectation", "<~", "CUEX2"): [0.498606531693352, 0.488403491833289, 0.0794153968343369,
                                     0.333281052397887, 0.644560697546289],
    ("Value", "=~", "PERV2"): [0.992809849158424, 0.988940270869228, 0.0104699669370766,
                               0.962224693255471, 0.999959303753771],
    ("Image", "=~", "IMAG3"): [0.561480365783758, 0.555511210444681, 0.0613522991424212,
                               0.421109137297303, 0.655438549694264],
    ("Satisfaction", "total", "Value"): [0.331127040815262, 0.329251590497204,
                                         0.0756763283118254, 0.188259492859053,
                                         0.47029060674686],
    ("Image", "htmt", "Expectation"): [0.88803042750925, 0.914478057833733, 0.105355836044051,
                                       0.760987622265779, 1.12887857490727],
    ("Expectation", "htmt", "Satisfaction"): [0.865108193553153, 0.879079498474269,
                                              0.0942966677339662, 0.71506763076821,
                                              1.10322719514776],
}


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return pd.read_csv(FIX / "mobi.csv")


@pytest.fixture(scope="module")
def r_indices(tmp_path_factory) -> np.ndarray:
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript not installed")
    out = tmp_path_factory.mktemp("pls_boot") / "idx.json"
    code = ("m <- t(sapply(1:200, function(i) { set.seed(123 + i); "
            "sample.int(250, replace = TRUE) })); "
            f"writeLines(jsonlite::toJSON(m), '{out}')")
    proc = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        pytest.skip(f"R/jsonlite not usable: {proc.stderr[-300:]}")
    return np.array(json.loads(out.read_text())) - 1  # R rows are 1-based


@pytest.mark.r
def test_percentile_intervals_match_seminr_on_its_resamples(mobi, r_indices):
    assert r_indices.shape == (200, 250)
    assert list(r_indices[0, :6] + 1) == [65, 167, 234, 155, 5, 216]  # boot_indices.json row 1
    boot = bootstrap_pls(mobi, M1, indices=r_indices, bca=False, progress=False, n_jobs=1)
    table = boot.table.set_index(["lhs", "op", "rhs"])
    for key, (est, mean, sd, lo, hi) in SEMINR_M6.items():
        row = table.loc[key]
        got = [row["est"], row["boot.mean"], row["se"], row["ci.lower"], row["ci.upper"]]
        assert got == pytest.approx([est, mean, sd, lo, hi], abs=1e-6), key
    assert boot.settings["n_boot"] == 200 and boot.settings["seed"] is None
    assert boot.settings["n_failed"] == 0


def test_seeded_runs_repeat_exactly_and_do_not_depend_on_workers(mobi):
    a = bootstrap_pls(mobi, M1, n_boot=60, seed=7, bca=False, progress=False, n_jobs=1)
    b = bootstrap_pls(mobi, M1, n_boot=60, seed=7, bca=False, progress=False, n_jobs=2)
    assert np.array_equal(a.replicates, b.replicates, equal_nan=True)
    assert a.table.equals(b.table)
    c = bootstrap_pls(mobi, M1, n_boot=60, seed=8, bca=False, progress=False, n_jobs=1)
    assert not np.array_equal(a.replicates, c.replicates)
    d = json.loads(json.dumps(a.to_dict(), allow_nan=False))
    assert d["bootstrap"]["seed"] == 7 and {"ci.lower", "se", "pvalue"} <= set(d["estimates"][0])


def test_indices_reproduce_the_resamples_of_a_seed(mobi):
    """Feeding the rows a seeded run drew gives that run's numbers (the index path and the
    random path are the same computation)."""
    from analysis.structural.resampling import replicate_generators

    rows = np.array([g.integers(0, 250, size=250) for g in replicate_generators(3, 30)])
    seeded = bootstrap_pls(mobi, M1, n_boot=30, seed=3, bca=False, progress=False, n_jobs=1)
    given = bootstrap_pls(mobi, M1, indices=rows, bca=False, progress=False, n_jobs=1)
    assert np.array_equal(seeded.replicates, given.replicates, equal_nan=True)


@pytest.mark.parametrize(("indices", "words"), [
    (np.zeros((5, 249), dtype=int), "250 columns"),
    (np.full((5, 250), 250), "0-based"),
    (np.full((5, 250), 0.5), "whole numbers"),
])
def test_bad_index_matrices_are_refused(mobi, indices, words):
    with pytest.raises(PLSInputError) as err:
        bootstrap_pls(mobi, M1, indices=indices, progress=False, n_jobs=1)
    assert err.value.code == "invalid_argument" and words in str(err.value)


def test_seed_is_required_without_indices(mobi):
    with pytest.raises(PLSInputError) as err:
        bootstrap_pls(mobi, M1, n_boot=10, progress=False, n_jobs=1)
    assert "seed" in str(err.value)


def test_bca_and_percentile_coverage_in_a_small_simulation():
    """95% intervals for the three paths of a PLS model, 30 samples of n = 120 from a
    common-factor population: the PLS population values (PLS on the population matrix) are
    covered about 95% of the time (85.5 of 90 expected; 77 is 4 binomial SDs below)."""
    lam = [np.array([.8, .7, .7]), np.array([.75, .7, .65]), np.array([.8, .75, .7])]
    phi = np.array([[1, .3, .5], [.3, 1, .45], [.5, .45, 1]])
    L = np.zeros((9, 3))
    for j, x in enumerate(lam):
        L[3 * j:3 * j + 3, j] = x
    sigma = L @ phi @ L.T
    np.fill_diagonal(sigma, 1.0)
    items = [f"x{k}" for k in range(1, 10)]
    model = "A =~ x1 + x2 + x3\nB =~ x4 + x5 + x6\nC =~ x7 + x8 + x9\nC ~ A + B\nB ~ A"
    truth = estimate_pls_moments(pd.DataFrame(sigma, index=items, columns=items), model)
    true_paths = {("C", "A"): truth.path("A", "C"), ("C", "B"): truth.path("B", "C"),
                  ("B", "A"): truth.path("A", "B")}
    rng = np.random.default_rng(20261205)
    chol = np.linalg.cholesky(sigma)
    hits = {"ci": 0, "bca": 0}
    for _ in range(30):
        data = pd.DataFrame(rng.normal(size=(120, 9)) @ chol.T, columns=items)
        boot = bootstrap_pls(data, model, n_boot=149, seed=int(rng.integers(1 << 31)),
                             progress=False, n_jobs=1)
        t = boot.table[boot.table["op"] == "~"]
        for _, row in t.iterrows():
            v = true_paths[(row["lhs"], row["rhs"])]
            hits["ci"] += row["ci.lower"] <= v <= row["ci.upper"]
            hits["bca"] += row["bca.lower"] <= v <= row["bca.upper"]
    print("coverage of 90 intervals:", hits)
    assert 77 <= hits["ci"] <= 90, hits
    assert 77 <= hits["bca"] <= 90, hits


@pytest.mark.parametrize("settings", [
    {"scheme": "path", "consistent": False, "standardize": True},
    {"scheme": "centroid", "consistent": True, "standardize": True},
    {"scheme": "factorial", "consistent": True, "standardize": False},
])
def test_batched_resamples_equal_one_at_a_time_estimation(mobi, settings):
    """The stacked algorithm (analysis.pls.batch) gives each resample's statistics as the
    one-at-a-time estimation does, mode A and B, PLS and PLSc, every scheme."""
    from analysis.pls import parse_pls_model
    from analysis.pls.batch import batch_statistics
    from analysis.pls.bootstrap import _jackknife_row, _labels

    model = parse_pls_model(M1.replace("Image =~", "Image <~"))
    X = mobi[model.items].to_numpy(float)
    rows = np.random.default_rng(5).integers(0, 250, size=(12, 250))
    s = {**settings, "max_iter": 300, "tol": 1e-7}
    width = len(_labels(model))
    one = np.array([_jackknife_row(X[r], model, s, width) for r in rows])
    many = batch_statistics(X[rows], model, s, width)
    assert np.array_equal(np.isnan(one), np.isnan(many))
    assert np.nanmax(np.abs(one - many)) < 1e-10
