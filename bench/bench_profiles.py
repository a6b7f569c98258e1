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

The default command (``--part command``): ``engagekit profiles`` on the demo's data (500
simulated respondents to five_commitments, seed 20150401, 5% straightliners and 5% random
responders as ``engagekit demo`` makes them, screened: 440 analysed), 4 families x 1..6
profiles, 20 starts, BLRT with 100 draws for the chosen family. Timed as CPU seconds of this
process and its worker processes (``getrusage``), in one process: the old default (every k's
BLRT with all its draws: ``blrt_all=True``) against the new one (the tests stop after the first
non-significant one, each test's draws once 10 reached the observed statistic), and the new one
again with 2 worker processes (CPU and wall seconds). The BLRT p-values of both are printed
side by side, with the draws each used.

Where the profiles are real the rules save less (``--part separated``): the recovery test's
separated 4-profile data (n = 400), EEI with 1..6 profiles, 20 starts, 100 draws, in one
process, old (every k, every draw) against new. Tests with small p-values run all their draws
under both, and their p-values are the same.

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


def _cpu() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def demo_scores():
    """The five commitments' and outcomes' scale scores of the demo's screened respondents."""
    from analysis.responses.scoring import score_responses
    from analysis.responses.screening import screen
    from analysis.responses.simulate import SimulationSettings, simulate
    from instruments.loader import load_instrument

    inst = load_instrument("five_commitments")
    sim = simulate(inst, SimulationSettings(n=500, seed=20150401, straightliners=0.05,
                                            random_responders=0.05))
    return score_responses(screen(sim.data, inst).kept(), inst), inst


def default_command() -> dict:
    """The old and the new default of ``engagekit profiles`` on the demo's data."""
    from analysis.profiles.study import ProfileSettings, study_profiles

    scores, inst = demo_scores()
    out = {}
    for name, blrt_all, jobs in (("old", True, 1), ("new", False, 1), ("new_2_jobs", False, 2)):
        cpu, wall = _cpu(), time.perf_counter()
        section = study_profiles(scores, inst, ProfileSettings(blrt_all=blrt_all),
                                 seed=20150401, n_jobs=jobs, progress=False)
        cpu, wall = _cpu() - cpu, time.perf_counter() - wall
        sel = section["selected"]
        tests = {r["k"]: (r["blrt_pvalue"], r.get("blrt_draws"))
                 for r in section["comparison"]
                 if r["family"] == sel["family"] and r["blrt_pvalue"] is not None}
        out[name] = {"cpu_s": cpu, "wall_s": wall, "family": sel["family"], "k": sel["k"],
                     "blrt_k": sel["blrt_k"], "blrt": tests}
        print(f"{name:<11} CPU {cpu:7.1f} s  wall {wall:6.1f} s  {sel['family']} k = "
              f"{sel['k']}, BLRT chooses {sel['blrt_k']}; p (draws) by k: "
              + ", ".join(f"{k}: {p:.3f} ({int(d)})" for k, (p, d) in tests.items()))
    out["cpu_ratio_old_new"] = out["old"]["cpu_s"] / out["new"]["cpu_s"]
    print(f"old / new default: CPU ratio {out['cpu_ratio_old_new']:.1f}")
    return out


def separated() -> dict:
    """Old and new BLRT on separated profiles (most tests significant)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_profiles_recovery import SEPARATED, simulate

    from analysis.profiles.compare import blrt_choice, compare_profiles

    x, _ = simulate(400, SEPARATED, seed=1)
    out = {}
    for name, kw in (("old", {"every_k": True, "stop_exceed": None}), ("new", {})):
        cpu = _cpu()
        cmp = compare_profiles(x, k=range(1, 7), families=["EEI"], n_starts=20, n_boot=100,
                               seed=1, n_jobs=1, progress=False, **kw)
        cpu = _cpu() - cpu
        t = cmp.table.set_index("k")
        tests = {int(k): (float(t.loc[k, "blrt_pvalue"]), int(t.loc[k, "blrt_draws"]))
                 for k in range(2, 7) if t.loc[k, "blrt_pvalue"] == t.loc[k, "blrt_pvalue"]}
        out[name] = {"cpu_s": cpu, "blrt_k": blrt_choice(cmp.table, "EEI"), "blrt": tests}
        print(f"separated {name:<4} CPU {cpu:7.1f} s  BLRT chooses "
              f"{out[name]['blrt_k']}; p (draws) by k: "
              + ", ".join(f"{k}: {p:.3f} ({d})" for k, (p, d) in tests.items()))
    out["cpu_ratio_old_new"] = out["old"]["cpu_s"] / out["new"]["cpu_s"]
    print(f"separated old / new: CPU ratio {out['cpu_ratio_old_new']:.2f}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--part", choices=["mclust", "command", "separated", "all"],
                    default="all")
    ap.add_argument("--json", default=str(ROOT / "bench" / "results" / "profiles.json"))
    args = ap.parse_args()
    result: dict = {}
    if args.part in ("command", "all"):
        result["default_command"] = default_command()
    if args.part in ("separated", "all"):
        result["separated"] = separated()
    if args.part in ("mclust", "all"):
        result.update(mclust_part(args.runs))
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")


def mclust_part(runs: int) -> dict:
    rows = []
    for name in ("faithful", "iris"):
        ours = python_seconds(name, runs)
        theirs = r_seconds(name, runs)
        rows.append({"data": name, "engagekit_cpu_s": ours, "mclust_cpu_s": theirs,
                     "ratio": ours / theirs if theirs else None})
        print(f"{name:<9} engagekit {ours:7.2f} s (20 starts)   mclust "
              + (f"{theirs:7.2f} s (1 start)   ratio {ours / theirs:6.1f}" if theirs
                 else "not installed"))
    draw = blrt_ratio(10)
    print(f"one BLRT draw (EEI 3 vs 4, faithful) = {draw:.2f} x one 20-start fit")
    return {"models": rows, "blrt_draw_per_fit": draw}


if __name__ == "__main__":
    main()
