"""5,000 bootstrap resamples of seminr's full ECSI model on ``mobi``: engagekit vs the seminr
Python port (and R seminr when installed), in one run.

Run: ``python bench/bench_pls_bootstrap.py [--boot 5000] [--port-python PATH] [--n-jobs 1]
[--json out.json]``.

* **engagekit**: :func:`analysis.pls.bootstrap_pls` (path weighting, mode A, percentile
  intervals; ``bca=False`` as the others compute none), serially (``--n-jobs 1``) unless told;
* **seminr port** (GPL, test-time only, never a dependency): ``bootstrap_model(model,
  nboot, seed)`` from its README, run in a separate virtual environment given by
  ``--port-python`` (e.g. ``python -m venv /tmp/port && /tmp/port/bin/pip install seminr
  pandas``); skipped when absent;
* **R seminr**: ``bootstrap_model(..., cores = 1)`` via Rscript if ``library(seminr)`` loads.

The ECSI model (seminr's documentation example): Image, Expectation, Quality, Value,
Satisfaction, Complaints (single item), Loyalty; all mode A. Ratios are other / engagekit
(above 1: engagekit faster). As a check that the same thing is computed, the bootstrap SDs of
the paths are compared (independent resamples: they agree within Monte Carlo error, about
1% for 5,000 resamples). Timings exclude start-up and reading the data.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pandas as pd  # noqa: E402

from analysis.pls import bootstrap_pls  # noqa: E402

MOBI = HERE.parent / "tests" / "fixtures" / "pls" / "mobi.csv"
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
PATHS = [("Image", "Expectation"), ("Expectation", "Quality"), ("Expectation", "Value"),
         ("Quality", "Value"), ("Image", "Satisfaction"), ("Expectation", "Satisfaction"),
         ("Quality", "Satisfaction"), ("Value", "Satisfaction"), ("Satisfaction", "Complaints"),
         ("Image", "Loyalty"), ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty")]

PORT = textwrap.dedent("""
    import json, sys, time
    import pandas as pd
    from seminr import (constructs, composite, multi_items, single_item, relationships,
                        paths, estimate_pls, bootstrap_model)
    mobi = pd.read_csv(sys.argv[1])
    mm = constructs(
        composite("Image", multi_items("IMAG", [1, 2, 3, 4, 5])),
        composite("Expectation", multi_items("CUEX", [1, 2, 3])),
        composite("Quality", multi_items("PERQ", [1, 2, 3, 4, 5, 6, 7])),
        composite("Value", multi_items("PERV", [1, 2])),
        composite("Satisfaction", multi_items("CUSA", [1, 2, 3])),
        composite("Complaints", single_item("CUSCO")),
        composite("Loyalty", multi_items("CUSL", [1, 2, 3])))
    sm = relationships(
        paths(["Image"], ["Expectation"]), paths(["Expectation"], ["Quality"]),
        paths(["Expectation", "Quality"], ["Value"]),
        paths(["Image", "Expectation", "Quality", "Value"], ["Satisfaction"]),
        paths(["Satisfaction"], ["Complaints"]),
        paths(["Image", "Satisfaction", "Complaints"], ["Loyalty"]))
    model = estimate_pls(mobi, mm, sm)
    t = time.perf_counter()
    boot = bootstrap_model(model, nboot=int(sys.argv[2]), seed=123)
    seconds = time.perf_counter() - t
    sd = {f"{a}->{b}": float(boot.paths_descriptives.get(a, b + " Boot SD"))
          for a, b in json.loads(sys.argv[3])}
    print(json.dumps({"seconds": seconds, "sd": sd}))
""")

R_SCRIPT = textwrap.dedent("""
    suppressMessages(library(seminr))
    args <- commandArgs(TRUE)
    mobi <- read.csv(args[1])
    mm <- constructs(
      composite("Image", multi_items("IMAG", 1:5)),
      composite("Expectation", multi_items("CUEX", 1:3)),
      composite("Quality", multi_items("PERQ", 1:7)),
      composite("Value", multi_items("PERV", 1:2)),
      composite("Satisfaction", multi_items("CUSA", 1:3)),
      composite("Complaints", single_item("CUSCO")),
      composite("Loyalty", multi_items("CUSL", 1:3)))
    sm <- relationships(
      paths(from = "Image", to = c("Expectation", "Satisfaction", "Loyalty")),
      paths(from = "Expectation", to = c("Quality", "Value", "Satisfaction")),
      paths(from = "Quality", to = c("Value", "Satisfaction")),
      paths(from = "Value", to = "Satisfaction"),
      paths(from = "Satisfaction", to = c("Complaints", "Loyalty")),
      paths(from = "Complaints", to = "Loyalty"))
    model <- estimate_pls(mobi, mm, sm)
    t <- system.time(boot <- bootstrap_model(model, nboot = as.integer(args[2]), cores = 1,
                                             seed = 123))
    cat(t[["elapsed"]], "\\n")
""")


def run_port(python: str, n_boot: int) -> dict | None:
    if not python or not Path(python).exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "port.py"
        script.write_text(PORT)
        proc = subprocess.run([python, str(script), str(MOBI), str(n_boot), json.dumps(PATHS)],
                              capture_output=True, text=True, timeout=7200,
                              env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    if proc.returncode != 0:
        print("seminr port failed:", proc.stderr[-800:], file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_r(n_boot: int) -> float | None:
    if shutil.which("Rscript") is None:
        return None
    probe = subprocess.run(["Rscript", "-e", "library(seminr)"], capture_output=True)
    if probe.returncode != 0:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "boot.R"
        script.write_text(R_SCRIPT)
        proc = subprocess.run(["Rscript", str(script), str(MOBI), str(n_boot)],
                              capture_output=True, text=True, timeout=7200)
    return float(proc.stdout.split()[0]) if proc.returncode == 0 else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boot", type=int, default=5000)
    ap.add_argument("--port-python", default="/tmp/seminr_port_venv/bin/python")
    ap.add_argument("--n-jobs", type=int, default=1)
    ap.add_argument("--json", default=str(HERE / "results" / "pls_bootstrap.json"))
    args = ap.parse_args()
    mobi = pd.read_csv(MOBI)
    bootstrap_pls(mobi, ECSI, n_boot=20, seed=1, bca=False, n_jobs=1, progress=False)  # warm
    t = time.perf_counter()
    boot = bootstrap_pls(mobi, ECSI, n_boot=args.boot, seed=123, bca=False,
                         n_jobs=args.n_jobs, progress=False)
    ours = time.perf_counter() - t
    table = boot.table.set_index(["lhs", "op", "rhs"])
    our_sd = {f"{a}->{b}": float(table.loc[(b, "~", a), "se"]) for a, b in PATHS}
    port = run_port(args.port_python, args.boot)
    r_seconds = run_r(args.boot)
    out = {"n_boot": args.boot, "n_jobs": args.n_jobs, "engagekit_seconds": ours,
           "port_seconds": port and port["seconds"], "r_seconds": r_seconds,
           "engagekit_sd": our_sd, "port_sd": port and port["sd"],
           "load": os.getloadavg(), "python": platform.python_version()}
    print(f"{args.boot} resamples, ECSI on mobi (N = 250), n_jobs = {args.n_jobs}")
    print(f"  engagekit   {ours:8.1f} s  ({1000 * ours / args.boot:.2f} ms per resample)")
    if port:
        print(f"  seminr port {port['seconds']:8.1f} s  ratio {port['seconds'] / ours:.1f}x")
        worst = max(abs(our_sd[k] / port["sd"][k] - 1) for k in our_sd)
        print(f"  path SDs agree within {100 * worst:.1f}% (independent resamples)")
    else:
        print("  seminr port: not run (give --port-python)")
    print(f"  R seminr    {r_seconds:8.1f} s  ratio {r_seconds / ours:.1f}x" if r_seconds
          else "  R seminr: not installed")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
