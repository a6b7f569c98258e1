"""Full scale validation of the five-commitment instrument: engagekit vs R (lavaan/semTools/psych).

Run: ``python bench/bench_validation.py [--ns 500 10000 1000000] [--json out.json]
[--blas-threads 1] [--skip-r]`` (see bench/README.md).

For each N the data are simulated from the instrument's population model (seeded,
:func:`analysis.responses.simulate.simulate`), reverse-keyed from the declared scales and written to a
temporary CSV (the 28 items of the eight multi-item constructs, integer codes). Then

* **engagekit**: ``pandas.read_csv`` + :func:`analysis.psychometrics.validation.validate_instrument` in this
  process, timed as a whole (``work`` excludes the CSV read, ``wall`` includes it) and per step
  (items, reliability, cfa, dimensionality, modindices, validity, method_bias: the functions
  ``validate_scales`` calls, wrapped with timers for this run only; a nested call counts for
  the outer step, e.g. the ULMC model's ``sem.fit`` for method_bias);
* **R**: ``bench/r/validation.R`` via Rscript on the same CSV, the same steps with lavaan
  ``cfa`` + ``fitMeasures`` + ``modindices``, semTools ``compRelSEM``/``AVE``/``htmt`` (HTMT
  and HTMT2, bootstrapped by resampling rows), psych ``describe``/``alpha``/``KMO``/
  ``cortest.bartlett``/``fa.parallel``/``fa`` and the ULMC model; ``work`` is timed inside R
  with ``proc.time()`` excluding the CSV read, ``read`` is the read, and ``process`` is the
  Rscript wall time seen from Python (R start-up and package loading included).

Ratios are engagekit / R (below 1: engagekit faster). Settings are the validation defaults
(HTMT bootstrap 500 resamples, parallel analysis 50 iterations) except at N >= 1,000,000,
where the HTMT bootstrap is cut on both sides (500 resamples of a million rows, twice: hours in
R), and parallel analysis runs 20 iterations on both sides.

Both sides are single-process. R here uses the reference BLAS (single-threaded); numpy uses
OpenBLAS, whose threads contend badly for the small matrices of SEM on a shared 2-core
machine, hence ``--blas-threads`` (threadpoolctl) to run engagekit with a fixed number.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import pandas as pd  # noqa: E402

from analysis.psychometrics import validation  # noqa: E402
from analysis.psychometrics.validation import ValidationSettings, cfa_syntax, measured_item_map  # noqa: E402
from analysis.responses.scoring import reverse_keyed as reverse_key  # noqa: E402
from analysis.responses.simulate import SimulationSettings, simulate  # noqa: E402
from instruments.loader import load_instrument  # noqa: E402

SEED = 20260505
STEPS = {
    "items": ["describe_items", "response_distribution_or_empty"],
    "reliability": ["item_total_statistics", "alpha_table", "omega", "composite_reliability"],
    "cfa": ["sem.fit"],
    "dimensionality": ["kmo", "bartlett_sphericity", "parallel_analysis", "efa"],
    "modindices": ["sem.modification_indices"],
    "validity": ["convergent_validity", "fornell_larcker", "htmt", "construct_scores",
                 "cross_loadings"],
    "method_bias": ["harman_single_factor", "full_collinearity_vif", "_method_factor"],
}


class StepTimer:
    """Wraps the functions validate_scales calls; outermost wrapped call gets the time."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.depth = 0

    def wrap(self, step: str, fn):
        @functools.wraps(fn)
        def timed(*a, **k):
            if self.depth:
                return fn(*a, **k)
            self.depth += 1
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                self.times[step] = self.times.get(step, 0.0) + time.perf_counter() - t
                self.depth -= 1
        return timed

    @contextlib.contextmanager
    def installed(self):
        import types

        saved = {}
        sem_proxy = types.SimpleNamespace(**vars(validation.sem))
        for step, names in STEPS.items():
            for name in names:
                if name.startswith("sem."):
                    attr = name[4:]
                    setattr(sem_proxy, attr, self.wrap(step, getattr(validation.sem, attr)))
                else:
                    saved[name] = getattr(validation, name)
                    setattr(validation, name, self.wrap(step, saved[name]))
        saved["sem"] = validation.sem
        validation.sem = sem_proxy
        try:
            yield self
        finally:
            for name, fn in saved.items():
                setattr(validation, name, fn)


def blas_limit(threads: int | None):
    if threads is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print("threadpoolctl is not installed; set OPENBLAS_NUM_THREADS instead",
              file=sys.stderr)
        return contextlib.nullcontext()
    # engagekit's API limits BLAS to one thread unless one of these is set (analysis/blas.py)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))
    return threadpool_limits(threads)


def settings_for(n: int) -> ValidationSettings:
    if n >= 1_000_000:
        return ValidationSettings(htmt_n_boot=0, parallel_iter=20)
    return ValidationSettings()


def simulate_items(inst, n: int, constructs: dict[str, list[str]]) -> pd.DataFrame:
    """Seeded simulation, in chunks of at most 200,000 respondents (chunk k: seed SEED + k)."""
    items = [i for its in constructs.values() for i in its]
    parts, done, k = [], 0, 0
    while done < n:
        m = min(200_000, n - done)
        sim = simulate(inst, SimulationSettings(n=m, seed=SEED + k))
        parts.append(reverse_key(sim.data.items, inst)[items].astype("int64"))
        done += m
        k += 1
    return pd.concat(parts, ignore_index=True)


def run_ours(csv: Path, inst, settings: ValidationSettings, threads: int | None) -> dict:
    timer = StepTimer()
    with blas_limit(threads), timer.installed():
        t0 = time.perf_counter()
        data = pd.read_csv(csv)
        t1 = time.perf_counter()
        res = validation.validate_instrument(data, inst, settings=settings)
        t2 = time.perf_counter()
    fm = res.cfa["fit_measures"]
    steps = dict(timer.times)
    steps["other"] = (t2 - t1) - sum(steps.values())
    return {"read": t1 - t0, "work": t2 - t1, "wall": t2 - t0, "steps": steps,
            "cfa": {k: fm[k] for k in ("chisq", "df", "cfi", "rmsea", "srmr")}}


def run_r(csv: Path, model_file: Path, settings: ValidationSettings, out: Path) -> dict:
    t = time.perf_counter()
    proc = subprocess.run(["Rscript", str(HERE / "r" / "validation.R"), str(csv),
                           str(model_file), str(settings.htmt_n_boot),
                           str(settings.parallel_iter), str(out)],
                          capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"Rscript failed:\n{proc.stderr[-3000:]}")
    r = json.loads(out.read_text())
    r["process"] = wall
    return r


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ns", type=int, nargs="+", default=[500, 10_000, 1_000_000])
    ap.add_argument("--json", default=str(HERE / "results" / "validation.json"))
    ap.add_argument("--blas-threads", type=int, default=None,
                    help="limit numpy's BLAS threads for engagekit's run (threadpoolctl)")
    ap.add_argument("--skip-r", action="store_true")
    a = ap.parse_args(argv)
    inst = load_instrument("five_commitments")
    constructs = measured_item_map(inst)
    model = cfa_syntax(constructs)
    out = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                       "python": platform.python_version(),
                       "loadavg_start": os.getloadavg()},
           "blas_threads": a.blas_threads or "default", "seed": SEED, "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model_file = tmp / "model.lav"
        model_file.write_text(model + "\n")
        for n in a.ns:
            st = settings_for(n)
            t = time.perf_counter()
            data = simulate_items(inst, n, constructs)
            csv = tmp / f"items_{n}.csv"
            data.to_csv(csv, index=False)
            prep = time.perf_counter() - t
            del data
            print(f"N = {n:,}: simulated and written in {prep:.1f} s; HTMT bootstrap "
                  f"{st.htmt_n_boot}, parallel analysis {st.parallel_iter} iterations", flush=True)
            ours = run_ours(csv, inst, st, a.blas_threads)
            print(f"  engagekit: work {ours['work']:8.2f} s  wall {ours['wall']:8.2f} s  "
                  + "  ".join(f"{k} {v:.2f}" for k, v in ours["steps"].items()), flush=True)
            row = {"n": n, "htmt_boot": st.htmt_n_boot, "parallel_iter": st.parallel_iter,
                   "simulate_and_write": prep, "engagekit": ours,
                   "loadavg": os.getloadavg()}
            if not a.skip_r:
                r = run_r(csv, model_file, st, tmp / f"r_{n}.json")
                row["r"] = r
                row["ratio_work"] = ours["work"] / r["work"]
                row["ratio_wall"] = ours["wall"] / (r["read"] + r["work"])
                row["ratio_process"] = ours["wall"] / r["process"]
                row["ratio_steps"] = {k: ours["steps"].get(k, 0.0) / v
                                      for k, v in r["steps"].items() if v > 0}
                row["chisq_diff"] = ours["cfa"]["chisq"] - r["cfa"]["chisq"]
                print(f"  R:         work {r['work']:8.2f} s  read {r['read']:.2f} s  process "
                      f"{r['process']:.2f} s  " + "  ".join(f"{k} {v:.2f}" for k, v in
                                                              r["steps"].items()))
                print(f"  ratio engagekit / R: work {row['ratio_work']:.3f}  wall (read + "
                      f"work) {row['ratio_wall']:.3f}  vs R process {row['ratio_process']:.3f}"
                      f"  (CFA chi-square difference {row['chisq_diff']:.2g})", flush=True)
            out["runs"].append(row)
    out["machine"]["loadavg_end"] = os.getloadavg()
    path = Path(a.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {path}")
    return out


if __name__ == "__main__":
    main()
