"""Two groups of respondents and the random reassignments of a permutation test.

Shared by the measurement-invariance test (:mod:`analysis.pls.micom`) and the permutation
test of parameter differences (:mod:`analysis.pls.mga`). Under the null hypothesis that both
groups come from one population, the group labels are exchangeable: every way of splitting the
N analysed respondents into groups of the observed sizes ``n1`` and ``n2`` is as likely as the
observed one (Chin & Dibbern, 2010; Good, 2005, *Permutation, Parametric and Bootstrap Tests
of Hypotheses*, ch. 3). Permutation r takes its randomness from child r of
``numpy.random.SeedSequence(seed)`` (:func:`analysis.structural.resampling.replicate_generators`)
and draws group 1 as the first ``n1`` positions of a random permutation of ``0..N-1``; so a
seed gives the same reassignments, and the same numbers, whatever ``n_jobs``. An explicit
``assignments`` matrix (permutations x N, True for group 1) replaces the random draws, e.g. to
enumerate every split of a tiny data set.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import PLSInputError

__all__ = ["Progress", "TwoGroups", "check_assignments", "run_permutations", "split_rows",
           "two_groups"]

#: A progress callback: called with (permutations done, permutations in all) after each chunk.
Progress = Callable[[int, int], None]


@dataclass
class TwoGroups:
    """The data of the two groups' respondents: ``frame`` (rows renumbered 0..n-1), ``first``
    (True for a respondent of group 1), ``names`` (the two group labels, group 1 first) and
    ``n_other`` (rows of other groups left out)."""

    frame: pd.DataFrame
    first: np.ndarray
    names: tuple[Any, Any]
    n_other: int = 0


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def two_groups(data: Any, group: Any, groups: Sequence[Any] | None = None) -> TwoGroups:
    """Split ``data`` into two groups.

    Parameters
    ----------
    data : pandas.DataFrame or mapping of column name to values
        Respondents in rows.
    group : str or array-like
        The column of ``data`` holding each respondent's group, or the labels themselves
        (one per row).
    groups : pair of labels or None
        The two groups to compare, group 1 first (rows of other groups are left out and
        counted); None: the two labels present, in sorted order.

    Returns
    -------
    TwoGroups

    Raises
    ------
    PLSInputError
        The column is absent, a label is missing, or there are not exactly two groups.
    """
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(dict(data))
    if isinstance(group, str):
        if group not in frame.columns:
            raise PLSInputError(f"group column {group!r} is not a column of the data; give the "
                                "column that holds each respondent's group",
                                code="invalid_argument")
        labels = frame[group].to_numpy()
        what = f"group column {group!r}"
    else:
        labels = np.asarray(group, dtype=object)
        if labels.ndim != 1 or labels.size != len(frame):
            raise PLSInputError(f"group must be a column name or one label per row ({len(frame)} "
                                f"rows); got {labels.size} labels", code="invalid_argument")
        what = "the group labels"
    missing = pd.isna(pd.Series(labels, dtype=object)).to_numpy()
    if missing.any():
        rows = [str(r) for r in frame.index[missing][:10]]
        raise PLSInputError(f"{what}: {int(missing.sum())} row(s) have no group (rows "
                            f"{', '.join(rows)}{', ...' if missing.sum() > 10 else ''}); give "
                            "every respondent a group or leave those rows out",
                            code="invalid_argument")
    present = list(pd.unique(pd.Series(labels, dtype=object)))
    if groups is None:
        if len(present) != 2:
            shown = ", ".join(repr(_plain(v)) for v in present[:10])
            raise PLSInputError(f"{what} holds {len(present)} group(s) ({shown}); a two-group "
                                "comparison needs exactly two: choose them with groups=(a, b)",
                                code="invalid_argument")
        try:
            names = tuple(sorted(present))
        except TypeError:
            names = tuple(present)
    else:
        names = tuple(groups)
        if len(names) != 2 or names[0] == names[1]:
            raise PLSInputError(f"groups must name two different groups; got {groups!r}",
                                code="invalid_argument")
        absent = [g for g in names if not any(g == v for v in present)]
        if absent:
            raise PLSInputError(f"{what} has no respondent in group(s) "
                                f"{', '.join(map(repr, absent))}; its groups are "
                                f"{', '.join(repr(_plain(v)) for v in present[:10])}",
                                code="invalid_argument")
    first = np.array([v == names[0] for v in labels], dtype=bool)
    keep = first | np.array([v == names[1] for v in labels], dtype=bool)
    sub = frame.loc[keep].reset_index(drop=True)
    return TwoGroups(frame=sub, first=first[keep], names=(_plain(names[0]), _plain(names[1])),
                     n_other=int((~keep).sum()))


def check_assignments(assignments: Any, n: int, n1: int) -> np.ndarray:
    """An explicit matrix of group reassignments (permutations x n, True for group 1), each
    row with exactly ``n1`` members of group 1."""
    try:
        arr = np.asarray(assignments)
    except Exception as exc:  # noqa: BLE001 - any unreadable input is the user's to fix
        raise PLSInputError(f"assignments cannot be read as a matrix: {exc}",
                            code="invalid_argument") from exc
    if arr.ndim != 2 or arr.shape[1] != n or arr.shape[0] < 1:
        raise PLSInputError(f"assignments must be a matrix with one row per permutation and {n} "
                            f"columns (the respondents analysed); got shape {arr.shape}",
                            code="invalid_argument")
    if arr.dtype != bool:
        if not np.isin(arr, (0, 1)).all():
            raise PLSInputError("assignments must hold True/1 (group 1) and False/0 (group 2)",
                                code="invalid_argument")
        arr = arr.astype(bool)
    sizes = arr.sum(axis=1)
    if np.any(sizes != n1):
        bad = int(np.flatnonzero(sizes != n1)[0])
        raise PLSInputError(f"assignments row {bad} puts {int(sizes[bad])} respondents in group "
                            f"1; every row must keep the group sizes ({n1} and {n - n1})",
                            code="invalid_argument")
    return arr


def split_rows(gens: Sequence[np.random.Generator], rows: range, n: int, n1: int,
               assignments: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of group 1 (K x n1) and group 2 (K x n - n1) of permutations ``rows``,
    each sorted (module docstring)."""
    g1, g2 = [], []
    for rng, r in zip(gens, rows, strict=True):
        if assignments is not None:
            g1.append(np.flatnonzero(assignments[r]))
            g2.append(np.flatnonzero(~assignments[r]))
        else:
            perm = rng.permutation(n)
            g1.append(np.sort(perm[:n1]))
            g2.append(np.sort(perm[n1:]))
    return np.array(g1, dtype=np.int64), np.array(g2, dtype=np.int64)


def run_permutations(fn: Callable[..., np.ndarray], n_perm: int, seed: int, *,
                     n_jobs: int | None = None, progress: bool | None = None,
                     callback: Progress | None = None, desc: str = "permutations",
                     chunk_size: int = 50) -> tuple[np.ndarray, str, int]:
    """Run the batched permutation function ``fn(gens, rows)`` over ``n_perm`` permutations in
    fixed chunks of ``chunk_size`` (so the numbers do not depend on ``n_jobs``), in this
    process or in ``n_jobs`` worker processes; call ``callback(done, n_perm)`` after each
    chunk and show a progress bar when ``progress`` (None: for 20 permutations or more).

    Returns the stacked rows, the backend (``"serial"`` or ``"processes"``) and the workers.
    """
    from tqdm import tqdm

    from analysis.structural.resampling import _run_chunk

    workers = (os.cpu_count() or 1) if n_jobs is None else max(1, int(n_jobs))
    bounds = [(s, min(s + chunk_size, n_perm)) for s in range(0, n_perm, chunk_size)]
    chunks: list[np.ndarray | None] = [None] * len(bounds)
    bar = tqdm(total=n_perm, desc=desc, leave=False, mininterval=1.0,
               disable=progress is False or (progress is None and n_perm < 20))
    done = 0

    def tick(a: int, b: int) -> None:
        nonlocal done
        done += b - a
        bar.update(b - a)
        if callback is not None:
            callback(done, n_perm)

    try:
        if workers == 1 or len(bounds) == 1:
            backend, workers = "serial", 1
            for k, (a, b) in enumerate(bounds):
                chunks[k] = _run_chunk(fn, seed, a, b, True)
                tick(a, b)
        else:
            backend = "processes"
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = {pool.submit(_run_chunk, fn, seed, a, b, True): k
                           for k, (a, b) in enumerate(bounds)}
                for fut in as_completed(futures):
                    k = futures[fut]
                    chunks[k] = fut.result()
                    tick(*bounds[k])
    finally:
        bar.close()
    return np.vstack(chunks), backend, workers


@dataclass
class GroupData:
    """The analysed respondents of two groups: ``raw`` (n x p, NaN where an answer is missing
    and mean replacement was chosen), ``X`` (after the pooled missing-data handling),
    ``first`` (True for group 1), the :class:`TwoGroups` split and the pooled sample record."""

    raw: np.ndarray
    X: np.ndarray
    first: np.ndarray
    split: TwoGroups
    sample: dict[str, Any]

    @property
    def n1(self) -> int:
        """Respondents of group 1."""
        return int(self.first.sum())

    @property
    def n2(self) -> int:
        """Respondents of group 2."""
        return int((~self.first).sum())


def group_data(data: Any, items: Sequence[str], group: Any, groups: Sequence[Any] | None,
               *, missing: str | None, missing_value: Any) -> GroupData:
    """The two groups' indicator data (pooled missing-data handling; listwise deletion drops
    the respondent from its group), checked: each group needs 3 respondents or more."""
    from .data import indicator_data

    split = two_groups(data, group, groups)
    d = indicator_data(split.frame, items, missing=missing, missing_value=missing_value)
    first = split.first[np.asarray(d.index, dtype=np.int64)]
    raw = d.raw if d.raw is not None else d.X
    for name, mask in zip(split.names, (first, ~first), strict=True):
        if mask.sum() < 3:
            raise PLSInputError(f"group {name!r} has {int(mask.sum())} respondent(s) to analyse; "
                                "each group needs at least 3 (and more than the largest mode B "
                                "block's items)", code="too_few_cases")
    sample = d.record()
    sample.update({"groups": [split.names[0], split.names[1]],
                   "n_groups": [int(first.sum()), int((~first).sum())],
                   "n_other_groups": split.n_other})
    return GroupData(raw=raw, X=d.X, first=first, split=split, sample=sample)


def group_estimate(raw: np.ndarray, model: Any, settings: dict[str, Any],
                   name: Any = None) -> dict[str, Any]:
    """Every estimate (:func:`analysis.pls.estimate._solve`) of one group's respondents ``raw``,
    mean replacement redone within the group; a constant item is an error naming the group."""
    from .estimate import _solve

    X = raw
    if np.isnan(X).any():
        X = X.copy()
        means = np.nanmean(X, axis=0)
        r, c = np.nonzero(np.isnan(X))
        X[r, c] = means[c]
    with np.errstate(invalid="ignore", divide="ignore"):
        S = np.cov(X, rowvar=False)
    bad = [model.items[k] for k in np.flatnonzero(~(np.diag(S) > 0))]
    if bad:
        raise PLSInputError(f"item(s) {', '.join(map(repr, bad))} have one answer only in group "
                            f"{name!r}; the groups cannot be compared on them: remove them from "
                            "the model", code="item_constant")
    try:
        return _solve(model, S, scheme=settings["scheme"], consistent=settings["consistent"],
                      standardize=settings["standardize"], max_iter=settings["max_iter"],
                      tol=settings["tol"], n=X.shape[0])
    except PLSInputError as exc:
        if name is None:
            raise
        raise type(exc)(f"group {name!r}: {exc}", code=exc.code) from exc
