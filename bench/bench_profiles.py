"""Latent profile estimation vs R's mclust (run: python bench/bench_profiles.py).

Times the 32 models of tests/test_profiles_mclust.py (EEI, VVI, EEE, VVV with 1 to 4 profiles
on R's faithful and iris): engagekit's :func:`analysis.profiles.fit.fit_mixture` with its
default 20 random starts, and mclust's ``Mclust(x, G, modelNames)`` from its one hierarchical
start (``Rscript``, when installed), each as CPU seconds (``time.process_time`` in Python, the
user + system time of ``system.time`` in R: on a shared machine the CPU time does not count
waiting for a core). The table gives both per model set and their ratio; ratios travel between
machines, seconds do not. engagekit does 20 starts where mclust does one, so a ratio near 20
means equal cost per start. Also timed: one BLRT draw (``bootstrap_lrt``, 3 vs 4 profiles EEI
on faithful) as a multiple of one 20-start fit.

Results go to ``--json`` (default ``bench/results/profiles.json``, not committed).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data" / "mclust"
MODELS = ["EEI", "VVI", "EEE", "VVV"]

R_CODE = r"""
suppressPackageStartupMessages(library(mclust))
args <- commandArgs(trailingOnly = TRUE)
x <- read.csv(args[1])
t <- system.time(for (m in c("EEI", "VVI", "EEE", "VVV")) for (g in 1:4)
  Mclust(x, G = g, modelNames = m, verbose = FALSE))
cat(t[["user.self"]] + t[["sys.self"]], "\n")
"""


def python_seconds(name: str, runs: int) -> float:
    import pandas as pd

    from analysis.profiles.fit import fit_mixture

    x = pd.read_csv(DATA / f"{name}.csv").to_numpy(dtype=float)
    best = float("inf")
    for _ in range(runs):
        t = time.process_time()
        for m in MODELS:
            for g in range(1, 5):
                fit_mixture(x, m, g, n_starts=20, seed=1)
        best = min(best, time.process_time() - t)
    return best


def r_seconds(name: str, runs: int) -> float | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as f:
        f.write(R_CODE)
    out = []
    for _ in range(runs):
        proc = subprocess.run(["Rscript", f.name, str(DATA / f"{name}.csv")],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            return None
        out.append(float(proc.stdout.split()[0]))
    return min(out)


def blrt_ratio(runs: int) -> float:
    import pandas as pd

    from analysis.profiles.blrt import bootstrap_lrt
    from analysis.profiles.fit import fit_mixture

    x = pd.read_csv(DATA / "faithful.csv").to_numpy(dtype=float)
    t = time.process_time()
    three = fit_mixture(x, "EEI", 3, n_starts=20, seed=1)
    four = fit_mixture(x, "EEI", 4, n_starts=20, seed=1)
    fit = (time.process_time() - t) / 2
    t = time.process_time()
    bootstrap_lrt(three, four, n_boot=runs, seed=1, n_jobs=1, progress=False)
    return (time.process_time() - t) / runs / fit


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", default=str(ROOT / "bench" / "results" / "profiles.json"))
    args = ap.parse_args()
    rows = []
    for name in ("faithful", "iris"):
        ours = python_seconds(name, args.runs)
        theirs = r_seconds(name, args.runs)
        rows.append({"data": name, "engagekit_cpu_s": ours, "mclust_cpu_s": theirs,
                     "ratio": ours / theirs if theirs else None})
        print(f"{name:<9} engagekit {ours:7.2f} s (20 starts)   mclust "
              + (f"{theirs:7.2f} s (1 start)   ratio {ours / theirs:6.1f}" if theirs
                 else "not installed"))
    draw = blrt_ratio(10)
    print(f"one BLRT draw (EEI 3 vs 4, faithful) = {draw:.2f} x one 20-start fit")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"models": rows, "blrt_draw_per_fit": draw}, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
