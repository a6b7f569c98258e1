"""Start-up wall times of the command line and the package (run: python bench/bench_startup.py).

Each command runs in a fresh interpreter (``subprocess``), ``--runs`` times, interleaved round
by round with the others so that the machine's load drifts over all of them alike; the table
gives the median and the fastest wall time in seconds, the median CPU time (user + system of
the child process: on a shared machine the wall time also counts waiting for a core, the CPU
time does not), and the median wall time as a ratio to two baselines measured in the same
rounds: the bare interpreter (``python -c pass``) and ``python -c "import pandas"``. Ratios
travel between machines; seconds do not.

Commands timed:

* ``engagekit --help`` and ``engagekit instruments list`` (the console script's own code:
  ``from reports.cli import main; sys.exit(main())``);
* ``python -c "import analysis"`` (the package's top level);
* ``python -c "from analysis import read_responses"`` and ``... import sem`` (first use of the
  response readers and of the SEM core, for reference).

``--rev REV`` (repeatable) also times a git revision of this repository, checked out with
``git worktree add --detach`` into a temporary folder and removed afterwards, in the same
rounds, e.g. ``--rev a53641c`` for before/after. The working tree itself is labelled
``HEAD`` (uncommitted changes included). Each tree runs with ``PYTHONPATH`` set to its root
and its root as the working directory; the interpreter and the installed dependencies are the
current ones for every tree. The figures go to ``--json`` (default
``bench/results/startup.json``, not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

ENTRY = "import sys; from reports.cli import main; sys.argv[0] = 'engagekit'; sys.exit(main())"

#: label -> python arguments; the engagekit commands run the console script's code.
COMMANDS: dict[str, list[str]] = {
    "engagekit --help": ["-c", ENTRY, "--help"],
    "engagekit instruments list": ["-c", ENTRY, "instruments", "list"],
    "import analysis": ["-c", "import analysis"],
    "from analysis import read_responses": ["-c", "from analysis import read_responses"],
    "from analysis import sem": ["-c", "from analysis import sem"],
}
#: Measured once per round, not per tree (they do not depend on engagekit's code).
BASELINES: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "import pandas": ["-c", "import pandas"],
}


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _time(args: list[str], cwd: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of ``python ARGS`` run in ``cwd`` with ``PYTHONPATH=cwd``."""
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    cpu, t = _cpu(), time.perf_counter()
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    elapsed, cpu = time.perf_counter() - t, _cpu() - cpu
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed in {cwd} (exit {proc.returncode}):\n"
                         f"{proc.stderr}")
    return elapsed, cpu


def _checkout(rev: str, stack: ExitStack) -> Path:
    """A detached worktree of ``rev`` in a temporary folder, removed when ``stack`` closes."""
    folder = Path(tempfile.mkdtemp(prefix=f"engagekit-bench-{rev[:12]}-"))
    shutil.rmtree(folder)
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(folder),
                    rev], check=True)
    stack.callback(subprocess.run, ["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                    str(folder)], check=False)
    return folder


Times = dict[str, dict[str, list[tuple[float, float]]]]


def measure(trees: dict[str, Path], runs: int) -> Times:
    """``{tree: {command: [(wall, CPU) seconds per run]}}``; baselines under ``baseline``."""
    times: Times = {
        "baseline": {k: [] for k in BASELINES},
        **{t: {k: [] for k in COMMANDS} for t in trees},
    }
    for args in BASELINES.values():  # warm the file and bytecode caches once
        _time(args, ROOT)
    for root in trees.values():
        for args in COMMANDS.values():
            _time(args, root)
    for _ in range(runs):
        for label, args in BASELINES.items():
            times["baseline"][label].append(_time(args, ROOT))
        for tree, root in trees.items():
            for label, args in COMMANDS.items():
                times[tree][label].append(_time(args, root))
    return times


def _median(runs: list[tuple[float, float]], which: int) -> float:
    return statistics.median(r[which] for r in runs)


def table(times: Times) -> str:
    bare = _median(times["baseline"]["python -c pass"], 0)
    pandas = _median(times["baseline"]["import pandas"], 0)
    rows = ["| tree | command | wall median (s) | wall fastest (s) | CPU median (s) "
            "| wall / bare python | wall / import pandas |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for tree, cmds in times.items():
        for label, runs in cmds.items():
            wall = _median(runs, 0)
            rows.append(f"| {tree} | {label} | {wall:.3f} | {min(r[0] for r in runs):.3f} | "
                        f"{_median(runs, 1):.3f} | {wall / bare:.1f} | {wall / pandas:.2f} |")
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="Runs per command (median reported).")
    ap.add_argument("--rev", action="append", default=[],
                    help="Also time this git revision (repeatable), e.g. --rev a53641c.")
    ap.add_argument("--json", default=str(HERE / "results" / "startup.json"))
    args = ap.parse_args()
    load_start = os.getloadavg()
    with ExitStack() as stack:
        trees = {rev: _checkout(rev, stack) for rev in args.rev}
        trees["HEAD"] = ROOT
        times = measure(trees, args.runs)
    print(table(times))
    out = {"runs": args.runs, "python": sys.version.split()[0], "cpus": os.cpu_count(),
           "loadavg_start": load_start, "loadavg_end": os.getloadavg(),
           "median_wall": {t: {k: _median(v, 0) for k, v in c.items()}
                           for t, c in times.items()},
           "median_cpu": {t: {k: _median(v, 1) for k, v in c.items()}
                          for t, c in times.items()},
           "times": times}
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"load average {load_start[0]:.1f} -> {os.getloadavg()[0]:.1f}; wrote {path}")


if __name__ == "__main__":
    main()
