"""Two groups compared in a PLS run (``engagekit run --method pls --group COL``).

:func:`pls_groups` is what :func:`analysis.pls.study.run_pls_study` runs with a ``--group``:

1. MICOM, steps 1-3 (Henseler, Ringle & Sarstedt, 2016; :func:`analysis.pls.micom.micom_pls`):
   configural and compositional invariance and equal composite means and variances, giving
   each construct's measurement invariance: ``full``, ``partial`` (steps 1-2: its paths may
   be compared) or ``none``;
2. the permutation test of the path differences (Chin & Dibbern, 2010) and Henseler's PLS-MGA
   p-value (Henseler, Ringle & Sinkovics, 2009) from a bootstrap of each group
   (:func:`analysis.pls.mga.mga_pls`), for every structural path.

Both use :data:`N_PERM` permutations seeded by the run's seed (the same reassignments for
both), PLS-MGA the run's ``--boot`` resamples per group (none with ``--boot 0``), and the
run's scheme, PLSc setting and missing-data handling (on the respondents with a group; those
without one are left out and counted).

A multigroup analysis of PLS compares two groups. A column with more than two groups is
refused (exit 2), naming its groups with their sizes: pick two as ``--group COL=A,B``
(a researcher comparing, say, two of five regions expects to choose which two, and comparing
every pair would multiply the tests without a correction), or use ``--method sem``, whose
multi-group model compares every group at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from instruments.errors import EngagekitInputError
from instruments.plain import to_plain

from .errors import PLSInputError

__all__ = ["N_PERM", "check_groups", "parse_group", "pls_groups"]

#: Permutations of MICOM and of the path-difference test (SmartPLS's and cSEM's default).
N_PERM = 1000


def parse_group(group: str) -> tuple[str, tuple[str, str] | None]:
    """``"COL"`` or ``"COL=A,B"`` (the two groups to compare, group 1 first).

    >>> parse_group("region"), parse_group("region=North, South")
    (('region', None), ('region', ('North', 'South')))
    """
    if "=" not in group:
        return group, None
    col, _, rest = group.partition("=")
    pair = tuple(p.strip() for p in rest.split(","))
    if not col.strip() or len(pair) != 2 or not all(pair) or pair[0] == pair[1]:
        raise EngagekitInputError(f"--group {group}: give the column and two different groups "
                                  "as COL=A,B, e.g. --group region=North,South",
                                  code="invalid_argument")
    return col.strip(), (pair[0], pair[1])


def _label(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, int | float | np.integer | np.floating) and float(v).is_integer():
        return str(int(v))
    return str(v)


def check_groups(labels: pd.Series, group: str) -> tuple[str, tuple[str, str] | None,
                                                      pd.Series]:
    """``--group`` against the respondents' groups: the column, the pair chosen (None: the
    column's two groups) and the labels as text; raises (exit 2) unless two groups are
    compared, naming the column's groups with their sizes."""
    col, pair = parse_group(group)
    lab = pd.Series([_label(v) for v in labels], index=labels.index, dtype=object)
    has = lab.notna().to_numpy()
    counts = lab[has].value_counts()
    present = sorted(counts.index)
    if pair is None and len(present) != 2:
        shown = ", ".join(f"{g} ({int(counts[g])})" for g in present[:12])
        raise EngagekitInputError(
            f"--group {col}: {len(present)} group(s) among the respondents analysed ({shown}); "
            "a PLS multigroup analysis (MICOM and the permutation test of the paths) compares "
            f"two groups: pick them as --group {col}=A,B"
            + (f", e.g. --group {col}={present[0]},{present[1]}" if len(present) > 2 else "")
            + ", or use --method sem, whose multi-group model compares every group",
            code="invalid_argument")
    if pair is not None:
        absent = [g for g in pair if g not in counts.index]
        if absent:
            raise EngagekitInputError(
                f"--group {group}: no respondent analysed is in group(s) "
                f"{', '.join(absent)}; the groups of {col} are "
                f"{', '.join(f'{g} ({int(counts[g])})' for g in present[:12])}",
                code="invalid_argument")
    return col, pair, lab


def pls_groups(items: pd.DataFrame, labels: pd.Series, model: Any, group: str, *,
               scheme: str, consistent: bool, missing: str, n_boot: int, seed: int,
               n_jobs: int | None = None, progress: bool | None = None) -> dict[str, Any]:
    """MICOM and the path differences between two groups; the ``pls["groups"]`` section.

    Parameters
    ----------
    items : pandas.DataFrame
        The analysed respondents' (reverse-keyed) items.
    labels : pandas.Series
        Each respondent's group (aligned with ``items``; missing: no group).
    model : str or PLSModel
        The PLS model.
    group : str
        ``--group`` as given: ``COL`` or ``COL=A,B``.
    scheme, consistent, missing
        The run's PLS settings.
    n_boot : int
        Bootstrap resamples per group for Henseler's PLS-MGA p (0: not computed).
    seed : int
        Seed of the permutations and bootstraps.
    n_jobs, progress
        Worker processes and progress bars.

    Returns
    -------
    dict
        ``column, groups, n_groups, n_no_group, n_perm, seed, alpha, n_boot``, ``micom``
        (:meth:`~analysis.pls.micom.PLSMicom.to_dict`), ``invariance`` (per construct
        ``construct, invariance``), ``paths`` (per structural path ``lhs, rhs, est.group1,
        est.group2, diff, pvalue`` and, with ``n_boot``, ``pvalue.mga``,
        ``pvalue.mga.2sided``, plus ``comparable``: both constructs at least partially
        invariant) and ``mga_settings``.

    Raises
    ------
    EngagekitInputError
        Not two groups (the groups are named with how to pick two), a group too small, an
        item constant in a group (the message starts with ``--group``).
    """
    from .mga import mga_pls
    from .micom import micom_pls

    col, pair, lab = check_groups(labels, group)
    has = lab.notna().to_numpy()
    frame = items.loc[has].copy()
    frame["__group__"] = lab[has].to_numpy()
    common = {"scheme": scheme, "consistent": consistent, "missing": missing, "seed": seed,
              "n_jobs": n_jobs, "progress": progress}
    spec = model
    try:
        micom = micom_pls(frame, spec, "__group__", groups=pair, n_perm=N_PERM, **common)
        mga = mga_pls(frame, spec, "__group__", groups=pair, n_perm=N_PERM, n_boot=n_boot,
                      parameters=["~"], **common)
    except PLSInputError as e:
        raise EngagekitInputError(f"--group {group}: {e}", code=e.code) from e
    inv = {r["construct"]: r["invariance"] for r in micom.summary.to_dict("records")}
    paths = mga.table.drop(columns=["op"]).to_dict("records")
    for r in paths:
        r["comparable"] = inv.get(r["lhs"]) != "none" and inv.get(r["rhs"]) != "none"
    sample = micom.settings["sample"]
    out = {
        "column": col, "groups": list(micom.groups),
        "n_groups": list(sample["n_groups"]),
        "n_no_group": int((~has).sum()), "n_other_groups": int(sample["n_other_groups"]),
        "n_perm": N_PERM, "seed": seed, "alpha": float(micom.settings["alpha"]),
        "n_boot": int(n_boot),
        "micom": micom.to_dict(), "invariance": micom.summary.to_dict("records"),
        "paths": paths,
        "mga_settings": {k: v for k, v in mga.settings.items() if k != "sample"},
    }
    return to_plain(out)
