"""1,000 bootstrap refits of the five-commitment SEM: engagekit vs lavaan vs a naive semopy loop.

Run: ``python bench/bench_bootstrap.py [--ns 500 10000] [--boot 1000] [--semopy-reps 50]
[--json out.json] [--blas-threads 1] [--profile] [--batched]`` (see bench/README.md).

For each N the data are simulated from the instrument's population model (seed 20260606,
:func:`analysis.responses.simulate.simulate`), reverse-keyed from the declared scales and written to a
CSV (the 28 items of ``instrument.to_lavaan()``). The model is the full structural model
(eight factors, 17 paths). In one run:

* **engagekit**: :func:`analysis.structural.effects.estimate_effects` with ``n_boot`` resamples on all
  local cores (``n_jobs=None``): the ML fit, delta-method SEs, the bootstrap (refits from the
  resample's moments with a warm start) and BCa intervals (whose grouped jackknife adds 200
  refits that lavaan does not do). Also timed with ``n_boot=0`` to show the fixed part;
* **lavaan**: ``sem(model, se = "bootstrap", bootstrap = n_boot)`` + ``parameterEstimates``
  (percentile CIs) via ``bench/r/bootstrap.R``, with the indirect and total effects of each
  commitment defined by ``:=`` so that lavaan bootstraps the same effects; serially
  (lavaan's default) and with ``parallel = "multicore"`` on all cores. Timed inside R
  excluding the CSV read;
* **semopy**: the naive loop ``semopy.Model(desc).fit(resampled_df)``, run ``--semopy-reps``
  times serially and extrapolated linearly to ``n_boot`` (the loop has no shared state, so its
  time is linear in the number of refits).

Ratios are lavaan / engagekit and semopy / engagekit (above 1: engagekit faster); the target
is >= 5 against lavaan. As a check that the same thing is computed, the bootstrap SEs of the
total effects of engagekit and lavaan are compared (they agree up to Monte Carlo error of
two independent bootstraps, about 2-3% for 1,000 resamples).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analysis.responses.scoring import reverse_keyed as reverse_key  # noqa: E402
from analysis.responses.simulate import SimulationSettings, simulate  # noqa: E402
from analysis.structural.effects import estimate_effects  # noqa: E402
from instruments.loader import load_instrument  # noqa: E402

SEED = 20260606
BOOT_SEED = 20150401
COMMITMENTS = ["affective", "normative", "economic", "forced", "habitual"]


def blas_limit(threads: int | None):
    if threads is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    # engagekit's API limits BLAS to one thread unless one of these is set (analysis/blas.py)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))
    return threadpool_limits(threads)


def labelled_model(inst) -> str:
    """``to_lavaan()`` with labelled paths and ``:=`` indirect/total effects for lavaan."""
    lines = [ln for ln in inst.to_lavaan().splitlines() if "=~" in ln]
    defs = []
    paths = {p.outcome: p.predictors for p in inst.model.paths}
    for o, preds in paths.items():
        lines.append(f"{o} ~ " + " + ".join(f"p_{o}_{x}*{x}" for x in preds))
    for o, preds in paths.items():
        for x in preds:
            ind = [f"p_{m}_{x}*p_{o}_{m}" for m in preds if m in paths and x in paths[m]]
            if ind:
                defs.append(f"ind_{o}_{x} := " + " + ".join(ind))
                defs.append(f"tot_{o}_{x} := p_{o}_{x} + " + " + ".join(ind))
    return "\n".join(lines + defs)


def run_lavaan(csv: Path, model_file: Path, n_boot: int, ncpus: int, out: Path) -> dict:
    t = time.perf_counter()
    proc = subprocess.run(["Rscript", str(HERE / "r" / "bootstrap.R"), str(csv),
                           str(model_file), str(n_boot), str(ncpus), str(out)],
                          capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"Rscript failed:\n{proc.stderr[-3000:]}")
    r = json.loads(out.read_text())
    r["process"] = wall
    return r


def run_semopy(data: pd.DataFrame, desc: str, reps: int, seed: int) -> dict:
    import warnings

    import semopy

    rng = np.random.default_rng(seed)
    n = len(data)
    t = time.perf_counter()
    ok = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(reps):
            df = data.iloc[rng.integers(0, n, n)].reset_index(drop=True)
            try:
                semopy.Model(desc).fit(df)
                ok += 1
            except Exception:  # noqa: BLE001 - a failed refit still cost its time
                pass
    el = time.perf_counter() - t
    return {"reps": reps, "ok": ok, "time": el, "per_refit": el / reps,
            "version": semopy.__version__}


def run_batched(data: pd.DataFrame, model: str, n_boot: int, seed: int) -> dict:
    """Time the library's batched refit (:func:`analysis.sem.batch.refit_batch`, one process,
    all resamples in chunks of 50 as estimate_effects does) against the sem core's
    per-replicate loop (``fit_from_moments``)."""
    from analysis import sem
    from analysis.sem import batch

    res = sem.fit(model, data)
    X = data[list(res.state.pt.ov_names)].to_numpy(dtype=float)
    n = len(X)
    rng = np.random.default_rng(seed)
    covs = np.array([np.cov(X[rng.integers(0, n, n)], rowvar=False, bias=True)
                     for _ in range(n_boot)])
    t = time.perf_counter()
    hinv = batch.start_inverse_hessian(res.state)
    outs = [batch.refit_batch(res.state, covs[i:i + 50], inverse_hessian=hinv)
            for i in range(0, n_boot, 50)]
    t_batch = time.perf_counter() - t
    th = np.vstack([o.theta for o in outs])
    conv = np.concatenate([o.converged for o in outs])
    iters = np.concatenate([o.iterations for o in outs])
    k = min(50, n_boot)
    t = time.perf_counter()
    ref = np.array([sem.fit_from_moments(res.state, S, n).theta for S in covs[:k]])
    t_loop = (time.perf_counter() - t) / k * n_boot
    return {"batched_time": t_batch, "iterations_max": int(iters.max()),
            "iterations_mean": float(iters.mean()), "not_converged": int((~conv).sum()),
            "loop_time_extrapolated": t_loop, "loop_refits_timed": k,
            "max_abs_diff_vs_fit_from_moments": float(np.abs(ref - th[:k]).max())}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ns", type=int, nargs="+", default=[500, 10_000])
    ap.add_argument("--boot", type=int, default=1000)
    ap.add_argument("--semopy-reps", type=int, default=50)
    ap.add_argument("--json", default=str(HERE / "results" / "bootstrap.json"))
    ap.add_argument("--blas-threads", type=int, default=None,
                    help="limit numpy's BLAS threads in the engagekit and semopy runs "
                    "(threadpoolctl; forked worker processes inherit the limit)")
    ap.add_argument("--profile", action="store_true",
                    help="also profile 100 engagekit refits in one process (top functions)")
    ap.add_argument("--batched", "--prototype", dest="batched", action="store_true",
                    help="also time the batched refits alone (analysis.sem.batch, one "
                    "process) against the sem core's per-replicate loop")
    ap.add_argument("--skip-r", action="store_true")
    ap.add_argument("--skip-semopy", action="store_true")
    a = ap.parse_args(argv)
    cores = os.cpu_count() or 1
    inst = load_instrument("five_commitments")
    model = inst.to_lavaan()
    lav_model = labelled_model(inst)
    items = [i.strip() for ln in model.splitlines() if "=~" in ln
             for i in ln.split("=~")[1].split("+")]
    out = {"machine": {"cpus": cores, "platform": platform.platform(),
                       "python": platform.python_version(), "loadavg_start": os.getloadavg()},
           "blas_threads": a.blas_threads or "default", "n_boot": a.boot, "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model_file = tmp / "model.lav"
        model_file.write_text(lav_model + "\n")
        for n in a.ns:
            sim = simulate(inst, SimulationSettings(n=n, seed=SEED))
            data = reverse_key(sim.data.items, inst)[items].astype("int64")
            csv = tmp / f"items_{n}.csv"
            data.to_csv(csv, index=False)
            data = data.astype(float)
            row: dict = {"n": n}
            print(f"N = {n:,}, {a.boot} bootstrap resamples, {cores} cores", flush=True)
            with blas_limit(a.blas_threads):
                t = time.perf_counter()
                base = estimate_effects(data, model, n_boot=0)
                t_base = time.perf_counter() - t
                t = time.perf_counter()
                ef = estimate_effects(data, model, n_boot=a.boot, seed=BOOT_SEED, n_jobs=None)
                t_ours = time.perf_counter() - t
            row["engagekit"] = {"time": t_ours, "time_no_bootstrap": t_base,
                                "n_failed": ef.bootstrap.get("n_failed"),
                                "n_second_pass": ef.bootstrap.get("n_second_pass"),
                                "workers": ef.bootstrap.get("workers"),
                                "backend": ef.bootstrap.get("backend"),
                                "jackknife_groups": ef.bootstrap.get("jackknife_groups")}
            print(f"  engagekit  {t_ours:8.2f} s  (fit + delta only: {t_base:.2f} s; "
                  f"{ef.bootstrap.get('workers')} workers)", flush=True)
            del base
            if not a.skip_r:
                for label, ncpus in (("lavaan_serial", 1), ("lavaan_parallel", cores)):
                    r = run_lavaan(csv, model_file, a.boot, ncpus, tmp / f"r_{n}_{ncpus}.json")
                    row[label] = r
                    row[f"ratio_{label}"] = r["work"] / t_ours
                    print(f"  {label:15s} {r['work']:8.2f} s  (read {r['read']:.2f} s, Rscript "
                          f"{r['process']:.2f} s; {r['n_boot_ok']} ok)  lavaan / engagekit = "
                          f"{r['work'] / t_ours:.2f}", flush=True)
                # same quantity? bootstrap SEs of the unstandardized total effects
                lav = {d["lhs"]: d for d in row["lavaan_serial"]["defined"]}
                tot = ef.effects[ef.effects.kind == "total"]
                rel = []
                for _, e in tot.iterrows():
                    key = f"tot_{e.outcome}_{e.predictor}"
                    if key in lav:
                        rel.append(e["boot.se"] / lav[key]["se"] - 1)
                row["total_effect_boot_se_rel_diff"] = {
                    "max_abs": float(np.max(np.abs(rel))) if rel else None,
                    "mean": float(np.mean(rel)) if rel else None, "count": len(rel)}
                if rel:
                    print(f"  bootstrap SE of {len(rel)} total effects, engagekit vs lavaan: "
                          f"mean rel. diff {np.mean(rel):+.3f}, max |rel. diff| "
                          f"{np.max(np.abs(rel)):.3f}", flush=True)
            if not a.skip_semopy:
                with blas_limit(a.blas_threads):
                    s = run_semopy(data, model, a.semopy_reps, BOOT_SEED)
                s["extrapolated"] = s["per_refit"] * a.boot
                row["semopy"] = s
                row["ratio_semopy"] = s["extrapolated"] / t_ours
                print(f"  semopy      {s['extrapolated']:8.2f} s  (extrapolated from "
                      f"{s['reps']} refits, {s['per_refit']:.3f} s each, serial)  semopy / "
                      f"engagekit = {row['ratio_semopy']:.2f}", flush=True)
            if a.batched:
                with blas_limit(a.blas_threads):
                    pr = run_batched(data, model, a.boot, BOOT_SEED)
                row["batched"] = pr
                print(f"  batched     {pr['batched_time']:8.2f} s  one process, "
                      f"{pr['iterations_mean']:.1f} iterations on average (max "
                      f"{pr['iterations_max']}), {pr['not_converged']} not converged; sem core "
                      f"loop {pr['loop_time_extrapolated']:.2f} s one process; max |diff| "
                      f"{pr['max_abs_diff_vs_fit_from_moments']:.1e}", flush=True)
            if a.profile:
                with blas_limit(a.blas_threads):
                    prof = cProfile.Profile()
                    prof.enable()
                    estimate_effects(data, model, n_boot=100, seed=BOOT_SEED, n_jobs=1,
                                     progress=False)
                    prof.disable()
                buf = io.StringIO()
                pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(15)
                row["profile_top"] = buf.getvalue()
                print(buf.getvalue())
            row["loadavg"] = os.getloadavg()
            out["runs"].append(row)
    out["machine"]["loadavg_end"] = os.getloadavg()
    path = Path(a.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2, default=str) + "\n")
    print(f"wrote {path}")
    return out


if __name__ == "__main__":
    main()
