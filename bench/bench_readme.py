"""The README's Python example against ``engagekit run`` on the same data (run: python
bench/bench_readme.py [--runs 3] [--rev a53641c]).

Programs, each in a fresh interpreter with none of ``OPENBLAS_NUM_THREADS``,
``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS`` set (as in a user's shell or notebook), run
``--runs`` times, interleaved round by round; the table gives the median and fastest wall
time and the median CPU time (user + system, worker processes included):

* ``readme``: the README's "Python API" block as ``tests/test_readme.py`` extracts it
  (simulate 500 respondents with seed 1, screen, reverse-key, ``validate_instrument``,
  ``estimate_effects`` with 200 resamples, ``run_study`` with 200 resamples, the report). It
  does the validation and the effects twice (once on their own, once inside ``run_study``);
* ``api run``: what ``engagekit run`` does, from Python: ``read_responses`` of the CSV below,
  ``run_study(data, inst, StudySettings(n_boot=200, seed=1))``, the report written;
* ``engagekit run``: ``engagekit run FILE -i five_commitments --boot 200 --seed 1 -o DIR`` on
  the same 500 respondents (written once, untimed, by ``engagekit simulate five_commitments
  --n 500 --seed 1``).

``--rev REV`` also times a git revision (checked out with ``git worktree add --detach``, as in
``bench_startup.py``), e.g. ``--rev a53641c``, before the API limited BLAS threads. The figures
go to ``--json`` (default ``bench/results/readme.json``, not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench_startup import ENTRY, ROOT, _checkout

HERE = Path(__file__).resolve().parent

API_RUN = """\
from pathlib import Path

from analysis import StudySettings, read_responses, run_study
from instruments import load_instrument
from reports.report import render_report

inst = load_instrument("five_commitments")
data = read_responses({csv!r}, inst)
results = run_study(data, inst, StudySettings(n_boot=200, seed=1))
Path("report.html").write_text(render_report(results), encoding="utf-8")
"""

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def readme_example(tree: Path) -> str:
    text = (tree / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    if not blocks:
        raise SystemExit(f"{tree / 'README.md'} has no Python example")
    return "\n".join(blocks)


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(args: list[str], tree: Path, cwd: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of ``python ARGS`` with ``PYTHONPATH=tree``, in ``cwd``."""
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    env["PYTHONPATH"] = str(tree)
    cpu, t = _cpu(), time.perf_counter()
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    elapsed, cpu = time.perf_counter() - t, _cpu() - cpu
    if proc.returncode != 0:
        raise SystemExit(f"{args[:2]} failed in {cwd} (exit {proc.returncode}):\n{proc.stderr}")
    return elapsed, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rev", action="append", default=[])
    ap.add_argument("--json", default=str(HERE / "results" / "readme.json"))
    args = ap.parse_args()
    load_start = os.getloadavg()
    times: dict[str, dict[str, list[tuple[float, float]]]] = {}
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="engagekit-readme-") as tmp:
        trees = {rev: _checkout(rev, stack) for rev in args.rev}
        trees["HEAD"] = ROOT
        work = Path(tmp)
        csv = work / "responses.csv"
        run(["-c", ENTRY, "simulate", "five_commitments", "--n", "500", "--seed", "1", "-o",
             str(csv)], ROOT, work)
        programs = {}
        for name, tree in trees.items():
            (work / name).mkdir()
            readme = work / name / "readme_example.py"
            readme.write_text(readme_example(tree), encoding="utf-8")
            api = work / name / "api_run.py"
            api.write_text(API_RUN.format(csv=str(csv)), encoding="utf-8")
            programs[name] = {
                "readme": [str(readme)],
                "api run": [str(api)],
                "engagekit run": ["-c", ENTRY, "run", str(csv), "-i", "five_commitments",
                                  "--boot", "200", "--seed", "1", "-o"],
            }
            times[name] = {p: [] for p in programs[name]}
        for r in range(args.runs):
            for name, tree in trees.items():
                for prog, argv in programs[name].items():
                    if prog == "engagekit run":  # a new folder: run refuses to overwrite
                        argv = [*argv, str(work / name / f"out{r}")]
                    times[name][prog].append(run(argv, tree, work / name))
    rows = ["| tree | program | wall median (s) | wall fastest (s) | CPU median (s) "
            "| wall / engagekit run |", "| --- | --- | ---: | ---: | ---: | ---: |"]
    medians: dict[str, dict[str, dict[str, float]]] = {}
    for name, progs in times.items():
        cli = statistics.median(w for w, _ in progs["engagekit run"])
        medians[name] = {}
        for prog, runs in progs.items():
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            medians[name][prog] = {"wall": wall, "cpu": cpu}
            rows.append(f"| {name} | {prog} | {wall:.2f} | {min(w for w, _ in runs):.2f} | "
                        f"{cpu:.2f} | {wall / cli:.2f} |")
    print("\n".join(rows))
    out = {"runs": args.runs, "python": sys.version.split()[0], "cpus": os.cpu_count(),
           "loadavg_start": load_start, "loadavg_end": os.getloadavg(), "median": medians,
           "times": times}
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"load average {load_start[0]:.1f} -> {os.getloadavg()[0]:.1f}; wrote {path}")


if __name__ == "__main__":
    main()
