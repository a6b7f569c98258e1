"""Partial measurement invariance across groups for a validation run (``engagekit validate
--group G --invariance-partial fit|chisq``): the plain ``invariance.partial`` part of the
validation results.

The group sequence configural -> metric -> scalar -> strict with the partial-invariance
search of :mod:`analysis.sem.partial` (a failing level: release the constraint with the
largest score test in every group, lavaan's ``group.partial``, refit, until the level holds
or at most half a factor's items are released / two stay invariant; Byrne, Shavelson &
Muthén, 1989) and the latent means of groups 2..G relative to the first group in the final
(possibly partial) scalar model.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.sem.partial import partial_invariance_groups
from analysis.sem.sequence import named_rule
from instruments.plain import to_plain

__all__ = ["group_partial_invariance"]


def group_partial_invariance(model: str, data: pd.DataFrame, group: str,
                             criterion: str = "fit", estimator: str = "ML",
                             missing: str = "listwise") -> dict[str, Any]:
    """The partial-invariance search across ``group`` as plain data.

    Parameters
    ----------
    model : str
        The measurement model (lavaan syntax, marker identification).
    data : DataFrame
        The items and the group column.
    group : str
        The group column.
    criterion : str
        ``"fit"`` (ΔCFI <= -.01 with ΔRMSEA >= .015, Chen 2007), ``"either"`` (ΔCFI <= -.01
        or ΔRMSEA >= .015) or ``"chisq"`` (:func:`analysis.sem.sequence.named_rule`).
    estimator : str
        ``"ML"``, ``"MLM"`` or ``"MLR"``.
    missing : str
        ``"listwise"`` or ``"ml"`` (FIML).

    Returns
    -------
    dict
        ``rule``, ``limits``, ``table`` (each level's final fit and ``decision``: baseline,
        invariant, partial, not invariant, not tested; ``freed``), ``steps``, ``freed``,
        ``means`` (latent means of the later groups with SE, CI, d), ``group.partial`` (the
        released parameters in lavaan's syntax) and ``notes``.

    Examples
    --------
    >>> from semopy.examples import holzinger39
    >>> hs = holzinger39.get_data()
    >>> model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    >>> out = group_partial_invariance(model, hs, "school", criterion="chisq")
    >>> [r["decision"] for r in out["table"]], out["group.partial"]
    (['baseline', 'invariant', 'partial', 'partial'], ['x3~1', 'x7~1', 'x6~~x6'])
    """
    res = partial_invariance_groups(model, data, group, rule=named_rule(criterion),
                                    estimator=estimator, missing=missing)
    out = res.to_dict()
    out["group.partial"] = [f["text"].replace(" (all groups)", "") for f in out["freed"]]
    out.pop("models", None)
    return to_plain(out)
