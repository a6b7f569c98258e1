"""Timing of the SEM core (run: python bench/bench_sem.py).

Reports the wall time of a full ML fit (with standard errors, fit measures, baseline)
and of a bootstrap refit from moments with the compiled model and warm start
(:func:`analysis.sem.fit_from_moments` given ``result._state``), which is what issue 6's
bootstrap uses.
"""

from __future__ import annotations

import time

import numpy as np
from semopy.examples import holzinger39, political_democracy

from analysis import sem

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PD = """ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8"""


def _time(fn, repeat: int) -> float:
    t = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t) / repeat


def main(n_boot: int = 200) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, model, data in [("HS", HS, holzinger39.get_data()),
                              ("PD", PD, political_democracy.get_data())]:
        res = sem.fit(model, data)
        out[f"{name} fit (ms)"] = 1000 * _time(lambda m=model, d=data: sem.fit(m, d), 10)
        out[f"{name} fit MLR (ms)"] = 1000 * _time(
            lambda m=model, d=data: sem.fit(m, d, estimator="MLR"), 5)
        X = data[res.implied_cov.columns].to_numpy()
        rng = np.random.default_rng(1)
        covs = [np.cov(X[rng.integers(0, len(X), len(X))].T, bias=True) for _ in range(n_boot)]
        t = time.perf_counter()
        its = [sem.fit_from_moments(res.state, S, len(X)).iterations for S in covs]
        out[f"{name} bootstrap refit (ms)"] = 1000 * (time.perf_counter() - t) / n_boot
        out[f"{name} bootstrap mean iterations"] = float(np.mean(its))
    return out


if __name__ == "__main__":
    for k, v in main().items():
        print(f"{k:40s} {v:10.2f}")
