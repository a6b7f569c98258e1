"""Simulated data for the invariance tests (tests/test_sem_longinv.py), frozen as CSV.

Run once from the repository root (seeded, same bytes every time)::

    python tests/data/longinv_simulate.py

* ``longinv_panel.csv``: a three-wave panel, N = 600, two factors (A: a1-a4, B: b1-b3),
  items named ``<item>_w<wave>``. Loadings, residual variances and all intercepts are equal
  across waves except the intercept of ``a3``, which drifts by +0.5 at wave 3 (the drifting
  intercept). Each item's unique part is correlated .30 across waves; factor means move
  (A: 0, .2, .3; B: 0, -.1, .1); the six factors correlate .5 (same factor across waves .6).
* ``longinv_groups.csv``: two independent groups of 400, two factors (F1: x1-x4,
  F2: x5-x8); every parameter is equal across groups except the loading of ``x3`` on F1
  (0.9 in group 1, 0.4 in group 2): the one non-invariant loading.

The lavaan references are computed from these files by tests/data/longinv_reference.R.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def panel(n: int = 600, seed: int = 20261205) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    waves = (1, 2, 3)
    items = {"A": ["a1", "a2", "a3", "a4"], "B": ["b1", "b2", "b3"]}
    lam = {"a1": 1.0, "a2": 0.8, "a3": 0.9, "a4": 0.7, "b1": 1.0, "b2": 0.9, "b3": 0.8}
    nu = {"a1": 3.0, "a2": 3.2, "a3": 2.8, "a4": 3.1, "b1": 3.5, "b2": 3.3, "b3": 3.4}
    theta = {"a1": 0.5, "a2": 0.6, "a3": 0.5, "a4": 0.6, "b1": 0.5, "b2": 0.5, "b3": 0.6}
    means = {"A": (0.0, 0.2, 0.3), "B": (0.0, -0.1, 0.1)}
    facs = [(f, t) for f in items for t in waves]
    k = len(facs)
    phi = np.full((k, k), 0.5)
    for i, (f, _) in enumerate(facs):
        for j, (g, _) in enumerate(facs):
            if f == g:
                phi[i, j] = 0.6
    np.fill_diagonal(phi, 1.0)
    eta = rng.multivariate_normal(np.zeros(k), phi, size=n)
    out = {"id": np.arange(1, n + 1)}
    rho = np.full((3, 3), 0.3)
    np.fill_diagonal(rho, 1.0)
    for f, its in items.items():
        for it in its:
            e = rng.multivariate_normal(np.zeros(3), rho * theta[it], size=n)
            for t in waves:
                j = facs.index((f, t))
                drift = 0.5 if (it == "a3" and t == 3) else 0.0
                out[f"{it}_w{t}"] = (nu[it] + drift + lam[it] * (means[f][t - 1] + eta[:, j])
                                     + e[:, t - 1])
    return pd.DataFrame(out).round(4)


def groups(n: int = 400, seed: int = 19) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for g in (1, 2):
        lam = np.array([1.0, 0.8, 0.9 if g == 1 else 0.4, 0.7, 1.0, 0.9, 0.8, 0.7])
        nu = np.array([3.0, 3.2, 2.8, 3.1, 3.5, 3.3, 3.4, 3.0])
        mean = np.array([0.0, 0.0]) if g == 1 else np.array([0.3, -0.2])
        phi = np.array([[1.0, 0.4], [0.4, 1.0]])
        eta = rng.multivariate_normal(mean, phi, size=n)
        f = np.repeat([0, 1], 4)
        x = nu + eta[:, f] * lam + rng.normal(0, np.sqrt(0.5), size=(n, 8))
        d = pd.DataFrame(x, columns=[f"x{i}" for i in range(1, 9)])
        d.insert(0, "group", f"g{g}")
        frames.append(d)
    return pd.concat(frames, ignore_index=True).round(4)


if __name__ == "__main__":
    panel().to_csv(HERE / "longinv_panel.csv", index=False)
    groups().to_csv(HERE / "longinv_groups.csv", index=False)
