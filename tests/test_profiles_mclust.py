"""Latent profile models vs R's mclust 6.0.0 (R 4.2.2): log-likelihood, BIC and parameter
count of EEI, VVI, EEE, VVV, EII and VII with 1 to 4 profiles on R's ``faithful`` (n = 272,
2 variables) and ``iris`` (n = 150, the 4 measurements).

Frozen by ``Rscript tests/data/mclust/mclust_reference.R`` (the R calls are in that script):
``Mclust(x, G = g, modelNames = m)`` with EM tolerance 1e-12, the best of mclust's default
hierarchical start and 20 random hierarchical starts (``hcRandomPairs(x, seed = s)``).
mclust's ``BIC`` is ``2 logL - npar ln n`` (larger is better), ours ``-2 logL + npar ln n``.

Agreement: 46 of the 48 models within 1e-3 in the log-likelihood and the BIC (most within
1e-5; the 16 spherical models EII and VII all within 2e-7, with mclust's parameter counts:
``k d + k - 1`` plus 1 variance for EII, ``k`` for VII). The spherical families are fitted on
the data centred and divided by one common scale (a per-indicator standardisation would change
which variances are equal; :mod:`analysis.profiles.fit`), so they agree with mclust on
``faithful``, whose two variables' SDs differ 12-fold, as well as on ``iris``. In the two others, VVV with 4 profiles, our 20 k-means++ starts find a higher maximum
than all of mclust's 21 hierarchical starts: on faithful a proper solution 0.21 higher
(reached by 2 of our 5 final starts); on iris a spurious one, a profile of 2 cases with a
near-singular covariance (a known trap of VVV; its smallest profile share, 1.3%, shows it in
the comparison table). For those two the test asserts that ours is not lower.
"""

from __future__ import annotations

import json
import math
import pathlib
import shutil
import subprocess

import pandas as pd
import pytest

from analysis.profiles.compare import compare_profiles
from analysis.profiles.fit import fit_mixture

HERE = pathlib.Path(__file__).parent / "data" / "mclust"
REFERENCE = json.loads((HERE / "mclust_reference.json").read_text())
HIGHER_THAN_MCLUST = {("faithful", "VVV", 4), ("iris", "VVV", 4)}


def data(name: str) -> pd.DataFrame:
    return pd.read_csv(HERE / f"{name}.csv")


@pytest.mark.parametrize("ref", REFERENCE["fits"],
                         ids=lambda r: f"{r['data']}-{r['model']}-{r['G']}")
def test_loglik_and_bic_match_mclust(ref):
    x = data(ref["data"]).to_numpy(dtype=float)
    fit = fit_mixture(x, ref["model"], ref["G"], n_starts=20, seed=1)
    assert fit.n_parameters == ref["df"]
    assert fit.n == ref["n"]
    # mclust's BIC is 2 logL - npar ln n; ours is -2 logL + npar ln n
    assert -fit.bic == pytest.approx(2 * fit.loglik - fit.n_parameters * math.log(fit.n))
    if (ref["data"], ref["model"], ref["G"]) in HIGHER_THAN_MCLUST:
        assert fit.loglik > ref["loglik"] + 0.1
        return
    assert fit.loglik == pytest.approx(ref["loglik"], abs=1e-3)
    assert -fit.bic == pytest.approx(ref["bic"], abs=1e-3)


def test_comparison_table_matches_mclust_bic_table():
    """The comparison table's rows are the same models: its BIC column is -mclust's BIC."""
    x = data("faithful").to_numpy(dtype=float)
    table = compare_profiles(x, k=[1, 2, 3],
                             families=["EEI", "VVI", "EEE", "VVV", "EII", "VII"],
                             n_starts=20, n_boot=0, n_jobs=1).table
    assert len(table) == 18
    for ref in REFERENCE["fits"]:
        if ref["data"] != "faithful" or ref["G"] > 3:
            continue
        row = table[(table["family"] == ref["model"]) & (table["k"] == ref["G"])].iloc[0]
        assert -row["bic"] == pytest.approx(ref["bic"], abs=1e-3)
        assert row["npar"] == ref["df"]


@pytest.mark.r
@pytest.mark.slow
def test_frozen_reference_is_what_mclust_prints(tmp_path):
    """Re-run the R script (about a minute, so marked slow; the frozen comparison above is the
    default check) and compare with the frozen numbers."""
    if shutil.which("Rscript") is None or subprocess.run(
            ["Rscript", "-e", "library(mclust); library(jsonlite)"],
            capture_output=True).returncode != 0:
        pytest.skip("Rscript with mclust and jsonlite not installed")
    root = pathlib.Path(__file__).parent.parent
    subprocess.run(["Rscript", str(HERE / "mclust_reference.R"), str(tmp_path)], cwd=root,
                   check=True, capture_output=True, timeout=600)
    live = json.loads((tmp_path / "mclust_reference.json").read_text())
    assert len(live["fits"]) == len(REFERENCE["fits"])
    for a, b in zip(live["fits"], REFERENCE["fits"], strict=True):
        assert (a["data"], a["model"], a["G"], a["df"]) == (b["data"], b["model"], b["G"],
                                                            b["df"])
        assert a["loglik"] == pytest.approx(b["loglik"], abs=1e-6)
    for name in ("faithful", "iris"):
        assert (tmp_path / f"{name}.csv").read_text() == (HERE / f"{name}.csv").read_text()
