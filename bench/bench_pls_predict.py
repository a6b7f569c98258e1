"""PLSpredict, 10 folds x 10 repetitions of seminr's full ECSI model on ``mobi``: engagekit vs
the seminr Python port, on the same folds.

Run: ``python bench/bench_pls_predict.py [--repeats 10] [--port-python PATH] [--json out.json]``.

* **engagekit**: :func:`analysis.pls.predict_pls` (direct antecedents, LM on the antecedents'
  indicators as seminr fits it under ``predict_DA``), one call with ``repeats`` repetitions;
* **seminr port** (GPL, test-time only, never a dependency): ``predict_pls(model, technique =
  predict_DA, no_folds = 10, ordering = ...)`` once per repetition (it has no repetitions), in
  a separate virtual environment (``--port-python``; e.g. ``python -m venv /tmp/port &&
  /tmp/port/bin/pip install seminr pandas``); skipped when absent.

Both get the same row orders (engagekit's seeded permutations, cut into folds as R's
``cut``), so the same numbers must come out: the out-of-sample RMSE of every indicator in every
repetition, PLS and LM, are compared (printed: the largest absolute difference). Ratio: port
seconds / engagekit seconds (above 1: engagekit faster). Timings exclude start-up, reading the
data and the full-sample estimation of the port's model.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analysis.pls import predict_pls  # noqa: E402

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

PORT = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    import pandas as pd
    from seminr import (constructs, composite, multi_items, single_item, relationships,
                        paths, estimate_pls, predict_pls, predict_DA)
    mobi = pd.read_csv(sys.argv[1])
    orders = json.loads(sys.argv[2])
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
    preds = [predict_pls(model, technique=predict_DA, no_folds=10, ordering=o) for o in orders]
    seconds = time.perf_counter() - t
    rmse = []
    for p in preds:
        out = {}
        for key, res in (("pls", p.items.pls_out_of_sample_residuals),
                         ("lm", p.items.lm_out_of_sample_residuals)):
            v = np.asarray(res.values, dtype=float)
            out[key] = dict(zip(res.cols, np.sqrt((v ** 2).mean(axis=0)).tolist()))
        rmse.append(out)
    print(json.dumps({"seconds": seconds, "rmse": rmse}))
""")


def run_port(python: str, orders: list[list[int]]) -> dict | None:
    if not python or not Path(python).exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "port.py"
        script.write_text(PORT)
        proc = subprocess.run([python, str(script), str(MOBI), json.dumps(orders)],
                              capture_output=True, text=True, timeout=7200,
                              env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    if proc.returncode != 0:
        print("seminr port failed:", proc.stderr[-800:], file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--port-python", default="/tmp/seminr_port_venv/bin/python")
    ap.add_argument("--json", default=str(HERE / "results" / "pls_predict.json"))
    args = ap.parse_args()
    mobi = pd.read_csv(MOBI)
    n = len(mobi)
    # the permutations predict_pls draws for this seed (analysis/pls/predict.py, _fold_ids)
    root = np.random.default_rng(np.random.SeedSequence(args.seed))
    orders = [root.permutation(n).tolist() for _ in range(args.repeats)]
    predict_pls(mobi, ECSI, folds=10, repeats=1, seed=1, benchmark="antecedents")  # warm
    t = time.perf_counter()
    out = predict_pls(mobi, ECSI, folds=10, repeats=args.repeats, seed=args.seed,
                      benchmark="antecedents")
    ours = time.perf_counter() - t
    port = run_port(args.port_python, orders)
    worst = None
    if port:
        rep = out.by_repeat.set_index(["repeat", "item"])
        worst = max(abs(rep.loc[(r + 1, item), col] - value)
                    for r, row in enumerate(port["rmse"])
                    for key, col in (("pls", "rmse"), ("lm", "lm_rmse"))
                    for item, value in row[key].items())
    result = {"repeats": args.repeats, "folds": 10, "engagekit_seconds": ours,
              "port_seconds": port and port["seconds"], "max_abs_rmse_difference": worst,
              "load": os.getloadavg(), "python": platform.python_version()}
    print(f"PLSpredict, ECSI on mobi (N = 250), 10 folds x {args.repeats} repetitions")
    print(f"  engagekit   {ours:8.2f} s  ({1000 * ours / (10 * args.repeats):.1f} ms per fold)")
    if port:
        print(f"  seminr port {port['seconds']:8.2f} s  ratio {port['seconds'] / ours:.1f}x")
        print(f"  out-of-sample RMSE (PLS and LM, every item and repetition) agree within "
              f"{worst:.1e}")
    else:
        print("  seminr port: not run (give --port-python)")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
