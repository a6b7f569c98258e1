"""Do the paths differ between groups (e.g. goods vs services)? Multi-group structural models.

:func:`compare_paths` fits the structural model in every group with loadings held equal
(metric invariance, so latent paths are comparable; Steenkamp & Baumgartner 1998), then:

* an omnibus test: all structural paths constrained equal vs free (chi-square difference);
* one test per path: only that path constrained equal across groups vs all paths free
  (chi-square difference with 1 x (groups - 1) df), the usual way to report which commitment
  works differently for goods and services (Keiningham et al. 2015 report such differences).

Estimates per group are reported unstandardized and standardized (``std.all``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from scipy import stats

from analysis import sem
from analysis.blas import one_thread_api
from analysis.samples import missing_method
from analysis.sem.compare import chisq_difference
from instruments.plain import to_plain


@dataclass
class GroupComparison:
    """Per-path group estimates and difference tests, plus the omnibus test."""

    group: str
    groups: list[str]
    paths: pd.DataFrame
    omnibus: dict[str, float]
    fit_free: dict[str, float]
    warnings: list[str] = field(default_factory=list)
    n: dict[str, int] = field(default_factory=dict)  # respondents per group in the fits
    # loadings left free across groups (partial metric invariance), lavaan's group.partial
    free_loadings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        extra = {"free_loadings": list(self.free_loadings)} if self.free_loadings else {}
        return to_plain({"group": self.group, "groups": self.groups, "n": self.n,
                         "paths": self.paths, "omnibus": self.omnibus,
                         "fit_free": self.fit_free, "warnings": self.warnings, **extra})


def _lrt(free: sem.SEMResult, constrained: sem.SEMResult) -> tuple[float, float, float]:
    """lavaan's ``anova(constrained, free)``: the plain chi-square difference under ML, the
    Satorra-Bentler (2001) scaled difference under MLM/MLR."""
    comp = chisq_difference(constrained, free)
    d_chi = comp["chisq.diff"]
    p = float(stats.chi2.sf(max(d_chi, 0.0), comp["df.diff"])) if comp["df.diff"] > 0 \
        else float("nan")
    return float(d_chi), float(comp["df.diff"]), p


@one_thread_api
def compare_paths(data: pd.DataFrame, model: str, group: str, estimator: str = "ML",
                  alpha: float = 0.05, missing: str = "listwise",
                  free_loadings: Sequence[str] = ()) -> GroupComparison:
    """Test every structural path of ``model`` for equality across the groups in ``group``.

    Loadings are held equal across groups (metric invariance; with ``free_loadings``, partial
    metric invariance: those loadings free in every group); each path is tested by a
    chi-square difference between the model with only that path constrained equal and the
    model with all paths free, and all paths together by an omnibus test (module docstring).

    Parameters
    ----------
    data : DataFrame
        Reverse-keyed item responses with the ``group`` column.
    model : str
        The structural model in lavaan syntax (at least one ``~`` path).
    group : str
        The column whose values define the groups.
    estimator : str, default "ML"
        As :func:`analysis.sem.fit`.
    alpha : float, default 0.05
        A path ``differs`` when its difference test has ``p < alpha``.
    missing : str, default "listwise"
        ``"listwise"`` or ``"fiml"`` (every model fitted by full-information ML).
    free_loadings : sequence of str
        Loadings not held equal, in lavaan's ``group.partial`` syntax (``"affective=~aff_02"``),
        e.g. those the partial-invariance search released
        (:func:`analysis.sem.partial.partial_invariance_groups`).

    Returns
    -------
    GroupComparison
        ``paths`` (one row per path: ``lhs, op, rhs``, then ``est[g]``, ``se[g]``, ``std[g]``
        per group ``g``, ``chisq.diff``, ``df.diff``, ``pvalue``, ``differs``), ``omnibus``
        (the all-paths test), ``groups``, ``n`` (respondents per group), ``fit_free`` and
        ``warnings``.

    Examples
    --------
    >>> from analysis import reverse_keyed, simulate
    >>> from instruments import load_instrument
    >>> inst = load_instrument("five_commitments")
    >>> items = reverse_keyed(simulate(inst, n=400, seed=1).data.items, inst)
    >>> model = ("affective =~ aff_01 + aff_02 + aff_03 + aff_04r; "
    ...          "satisfaction =~ sat_01 + sat_02 + sat_03; satisfaction ~ affective")
    >>> result = compare_paths(items, model, "industry")
    >>> result.groups, float(result.paths.loc[0, "df.diff"]), bool(result.paths.loc[0, "differs"])
    (['1.0', '2.0'], 1.0, False)
    """
    base_equal = ("loadings",)
    miss = "ml" if missing_method(missing) == "fiml" else "listwise"
    loose = tuple(str(x).replace(" ", "") for x in free_loadings)
    free = sem.fit(model, data, group=group, group_equal=base_equal, group_partial=loose,
                   estimator=estimator, missing=miss)
    est = free.estimates
    reg = est[est.op == "~"]
    paths = list(dict.fromkeys(f"{lhs}~{rhs}" for lhs, rhs in zip(reg.lhs, reg.rhs,
                                                                     strict=True)))
    if not paths:
        raise sem.SEMInputError("the model has no structural paths ('~') to compare")
    allc = sem.fit(model, data, group=group, group_equal=(*base_equal, "regressions"),
                   group_partial=loose, estimator=estimator, missing=miss)
    d_chi, d_df, p = _lrt(free, allc)
    warnings = list(free.warnings) + [w for w in allc.warnings if w not in free.warnings]
    rows = []
    labels = free.group_labels
    for path in paths:
        others = tuple(q for q in paths if q != path)
        one = sem.fit(model, data, group=group, group_equal=(*base_equal, "regressions"),
                      group_partial=(*loose, *others), estimator=estimator, missing=miss)
        c, d, pv = _lrt(free, one)
        lhs, rhs = path.split("~")
        row: dict[str, Any] = {"lhs": lhs, "op": "~", "rhs": rhs}
        sel = reg[(reg.lhs == lhs) & (reg.rhs == rhs)]
        for g, lab in enumerate(labels, start=1):
            r = sel[sel.group == g].iloc[0]
            row[f"est[{lab}]"] = r["est"]
            row[f"se[{lab}]"] = r["se"]
            row[f"std[{lab}]"] = r["std.all"]
        row.update({"chisq.diff": c, "df.diff": d, "pvalue": pv, "differs": bool(pv < alpha)})
        rows.append(row)
    return GroupComparison(group, labels, pd.DataFrame(rows),
                           {"chisq.diff": d_chi, "df.diff": d_df, "pvalue": p},
                           dict(free.fit_measures), warnings,
                           {lab: int(n) for lab, n in zip(labels, free.nobs, strict=True)},
                           list(loose))
