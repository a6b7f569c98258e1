"""Partial measurement invariance found for the researcher, across groups or across waves.

The sequence configural -> metric -> scalar -> strict is fitted level by level.  When a level
fails (by the :class:`~analysis.sem.sequence.InvarianceRule`: ΔCFI/ΔRMSEA or the chi-square
difference, chosen by ``rule.criterion`` and recorded), its constraints are released one at a
time, largest univariate score test first (lavaan's ``lavTestScore``,
:mod:`analysis.sem.score_test`; only the constraints the level adds: loadings for metric,
intercepts for scalar, residual variances for strict), and the model is refitted and compared
again with the previous (possibly partial) level, until the level holds or a limit is reached
(Byrne, Shavelson & Muthén, 1989):

* at most ``max_share`` (default half) of a factor's items may have a released parameter of
  the level's kind, and
* at least ``min_invariant`` (default 2) of its items must stay fully invariant (the marker
  item, whose loading is fixed to 1 everywhere, counts as invariant for the loadings);
* at most ``max_steps`` releases per level (default: no limit besides the two above).

Released parameters stay released at the later levels.  When a level still fails at the
limit, the sequence stops there (later levels are "not tested").  Across groups a release
frees the parameter in every group (lavaan's ``group.partial``); across waves it frees the
parameter in the one wave of the constraint (the later wave; wave 1 stays the reference).

The latent means are compared in the last model of the scalar level (partial if parameters
were released): each group's (wave's) latent mean is its difference from the first group
(wave), with its standard error, Wald CI and the standardized difference ``d`` (difference
over the factor's standard deviation in the first group or wave).  They are flagged
``comparable = False`` when scalar invariance, full or partial, was not reached.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from instruments.plain import to_plain

from .api import fit
from .errors import SEMInputError
from .invariance import LEVELS
from .longitudinal import LONGITUDINAL_LEVELS, PanelDesign, longitudinal_syntax
from .result import SEMResult
from .score_test import score_test
from .sequence import LEVEL_KIND, InvarianceRule, compare_levels, level_row
from .syntax import constructs_from_syntax

__all__ = ["PartialInvarianceResult", "PartialLimits", "partial_invariance_groups",
           "partial_invariance_waves"]

_OP = {"loadings": "=~", "intercepts": "~1", "residuals": "~~"}


@dataclass(frozen=True)
class PartialLimits:
    """How far the search may go (see the module docstring)."""

    max_share: float = 0.5
    min_invariant: int = 2
    max_steps: int | None = None

    def describe(self) -> str:
        extra = f"; at most {self.max_steps} release(s) per level" if self.max_steps else ""
        return (f"at most {self.max_share:.0%} of a factor's items released and at least "
                f"{self.min_invariant} invariant items per factor (Byrne, Shavelson & Muthén, "
                f"1989){extra}")


@dataclass(frozen=True)
class _Candidate:
    key: tuple[str, ...]  # what to free: ("loadings", "F1=~x3") or ("intercepts", item, wave)
    kind: str
    factor: str
    item: str
    where: str  # group label(s) or wave
    x2: float
    pvalue: float
    text: str


@dataclass
class PartialInvarianceResult:
    """``table``: one row per level (the final, possibly partial, model's fit; the comparison
    with the level before; ``decision``: baseline, invariant, partial, not invariant, not
    converged (the level's final fit did not converge: no decision, later levels not tested)
    or not tested; ``freed``); ``steps``: every release with its score test and the refit's
    comparison; ``freed``: the released parameters; ``means``: latent means of the scalar
    model; ``fits``: the final model of each level; ``full``: each level's first fit (all
    constraints)."""

    kind: str
    table: pd.DataFrame
    steps: pd.DataFrame
    freed: list[dict[str, Any]]
    means: pd.DataFrame
    fits: dict[str, SEMResult]
    full: dict[str, SEMResult]
    rule: InvarianceRule
    limits: PartialLimits
    models: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "table": to_plain(self.table), "steps": to_plain(self.steps),
            "freed": to_plain(self.freed), "means": to_plain(self.means),
            "rule": self.rule.to_dict(),
            "limits": {**asdict(self.limits), "text": self.limits.describe()},
            "models": dict(self.models), "notes": list(self.notes),
        }


def _search(levels: Sequence[str], fit_level: Callable[[str, list], SEMResult],
            candidates: Callable[[SEMResult, str], list[_Candidate]],
            items_of: dict[str, list[str]], rule: InvarianceRule, limits: PartialLimits,
            ) -> tuple[list[dict], list[dict], list[_Candidate], dict, dict]:
    """The level-by-level search (module docstring); returns table rows, steps, releases,
    and the final and first fits per level."""
    released: list[_Candidate] = []
    rows: list[dict] = []
    steps: list[dict] = []
    fits: dict[str, SEMResult] = {}
    full: dict[str, SEMResult] = {}
    prev: SEMResult | None = None
    stopped = False
    for lv in levels:
        if stopped:
            rows.append({"model": lv, "decision": "not tested", "freed": []})
            continue
        res = fit_level(lv, [c.key for c in released])
        full[lv] = res
        row = level_row(lv, res)
        if not res.converged:  # no decision on (or from) a fit that did not converge
            row.update({"decision": "not converged", "freed": []})
            rows.append(row)
            stopped = True
            continue
        if prev is None:
            row.update({"decision": "baseline", "freed": []})
            rows.append(row)
            fits[lv], prev = res, res
            continue
        cmp = compare_levels(prev, res, rule)
        kind = LEVEL_KIND[lv]
        here: list[_Candidate] = []
        if not cmp["invariant"]:
            fm = level_row(lv, res)
            steps.append({"model": lv, "step": 0, "freed": "", "kind": kind, "factor": "",
                          "item": "", "where": "", "X2": math.nan, "p.value": math.nan,
                          "chisq": fm["chisq"], "df": fm["df"], "cfi": fm["cfi"],
                          "rmsea": fm["rmsea"],
                          **{k: cmp[k] for k in ("chisq.diff", "df.diff", "pvalue.diff",
                                                 "cfi.diff", "rmsea.diff")},
                          "invariant": False})
        while not cmp["invariant"]:
            if limits.max_steps is not None and len(here) >= limits.max_steps:
                break
            pick = None
            for c in candidates(res, kind):
                if c.key in {r.key for r in released}:
                    continue
                if _allowed(c, released, items_of, limits):
                    pick = c
                    break
            if pick is None:
                break
            released.append(pick)
            here.append(pick)
            res = fit_level(lv, [c.key for c in released])
            cmp = compare_levels(prev, res, rule)
            fm = level_row(lv, res)
            steps.append({"model": lv, "step": len(here), "freed": pick.text, "kind": pick.kind,
                          "factor": pick.factor, "item": pick.item, "where": pick.where,
                          "X2": pick.x2, "p.value": pick.pvalue, "chisq": fm["chisq"],
                          "df": fm["df"], "cfi": fm["cfi"], "rmsea": fm["rmsea"],
                          **{k: cmp[k] for k in ("chisq.diff", "df.diff", "pvalue.diff",
                                                 "cfi.diff", "rmsea.diff")},
                          "invariant": cmp["invariant"]})
        ok = cmp.pop("invariant")
        row = level_row(lv, res)
        row.update(cmp)
        row["decision"] = ("not converged" if not res.converged else "invariant"
                           if ok and not here else "partial" if ok else "not invariant")
        row["freed"] = [c.text for c in here]
        rows.append(row)
        if not res.converged:
            stopped = True
            continue
        fits[lv], prev = res, res
        if not ok:
            stopped = True
    return rows, steps, released, fits, full


def _allowed(c: _Candidate, released: list[_Candidate], items_of: dict[str, list[str]],
             limits: PartialLimits) -> bool:
    items = items_of[c.factor]
    bad = {r.item for r in released if r.kind == c.kind and r.factor == c.factor}
    if c.item in bad:
        return True
    bad.add(c.item)
    if len(bad) > math.floor(limits.max_share * len(items) + 1e-9):
        return False
    return len(items) - len(bad) >= limits.min_invariant


def _factor_of(items_of: dict[str, list[str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for f, its in items_of.items():
        for it in its:
            out.setdefault(it, f)
    return out


def _means(res: SEMResult | None, lv_ref: Callable[[str], tuple[str, str, str] | None],
           comparable: bool) -> pd.DataFrame:
    cols = ["factor", "lhs", "where", "reference", "est", "se", "z", "pvalue", "ci.lower",
            "ci.upper", "d", "comparable"]
    if res is None:
        return pd.DataFrame(columns=cols)
    e = res.estimates
    out = []
    for _, r in e[(e["op"] == "~1") & (e["se"] > 0)].iterrows():
        loc = lv_ref(r["lhs"] if res.options.get("group") is None else f"{r['lhs']}|{r['group']}")
        if loc is None:
            continue
        factor, where, ref_lhs = loc
        ref_group = 1
        var = e[(e["op"] == "~~") & (e["lhs"] == ref_lhs) & (e["rhs"] == ref_lhs)
                & (e["group"] == ref_group)]["est"]
        sd = float(np.sqrt(var.iloc[0])) if len(var) and var.iloc[0] > 0 else math.nan
        out.append({"factor": factor, "lhs": r["lhs"], "where": where,
                    "reference": ref_lhs, "est": r["est"], "se": r["se"], "z": r["z"],
                    "pvalue": r["pvalue"], "ci.lower": r["ci.lower"], "ci.upper": r["ci.upper"],
                    "d": r["est"] / sd, "comparable": comparable})
    return pd.DataFrame(out, columns=cols)


def _finish(kind, levels, rows, steps, released, fits, full, rule, limits, lv_ref, models):
    table = pd.DataFrame(rows)
    scalar = table[table["model"] == "scalar"]
    notes = [f"the {lv} model did not converge, so its fit is not a maximum-likelihood fit: "
             "no decision is made at that level and the levels after it are not tested"
             for lv, d in zip(table["model"], table["decision"], strict=True)
             if d == "not converged"]
    singular = [lv for lv, res in fits.items()
                if any("may not be identified" in w for w in res.warnings)]
    if singular:
        notes.append(f"the {', '.join(singular)} model{'s' if len(singular) > 1 else ''} "
                     "may not be identified (singular information matrix; e.g. a two-item "
                     "factor whose loading is free at every wave): "
                     f"{'their' if len(singular) > 1 else 'its'} standard errors are not "
                     "trustworthy, and a chi-square difference against "
                     f"{'them' if len(singular) > 1 else 'it'} may have fewer degrees of "
                     "freedom than counted")
    comparable = bool(len(scalar) and scalar["decision"].iloc[0] in ("invariant", "partial"))
    if "scalar" in fits:
        means = _means(fits["scalar"], lv_ref, comparable)
        if not comparable:
            notes.append("scalar invariance was not reached, even partially: the latent means "
                         "are not comparable and are shown for information only")
    else:
        means = _means(None, lv_ref, False)
    freed = [{"kind": c.kind, "factor": c.factor, "item": c.item, "where": c.where,
              "text": c.text, "X2": c.x2} for c in released]
    return PartialInvarianceResult(kind=kind, table=table, steps=pd.DataFrame(steps),
                                   freed=freed, means=means, fits=fits, full=full, rule=rule,
                                   limits=limits, models=models, notes=notes)


def partial_invariance_groups(model: str, data: pd.DataFrame, group: str,
                              levels: Sequence[str] = ("configural", "metric", "scalar",
                                                       "strict"),
                              rule: InvarianceRule | None = None,
                              limits: PartialLimits | None = None,
                              **fit_kwargs: Any) -> PartialInvarianceResult:
    """The invariance sequence across the groups of ``group`` with the partial-invariance
    search (module docstring).  ``model``: a measurement model (lavaan syntax, marker
    identification); extra keyword arguments go to :func:`analysis.sem.fit`
    (``estimator="MLR"``, ``missing="ml"``; continuous items only).

    A release is written lavaan's ``group.partial`` way (``"F1=~x3"``, ``"x3~1"``,
    ``"x3~~x3"``) and frees the parameter in every group.
    """
    rule, limits = rule or InvarianceRule(), limits or PartialLimits()
    if fit_kwargs.get("ordered"):
        raise SEMInputError("the partial-invariance search supports continuous items only",
                            code="invalid_argument")
    _check_levels(levels, LEVELS)
    items_of = constructs_from_syntax(model)
    factor_of = _factor_of(items_of)
    labels: list[str] = []

    def fit_level(lv: str, keys: list) -> SEMResult:
        res = fit(model, data, group=group, group_equal=LEVELS[lv],
                  group_partial=[k[1] for k in keys], **fit_kwargs)
        labels[:] = res.group_labels
        return res

    def candidates(res: SEMResult, kind: str) -> list[_Candidate]:
        uni = score_test(res).uni
        uni = uni[uni["lhs.op"] == _OP[kind]]
        if kind == "residuals":
            uni = uni[uni["lhs.lhs"] == uni["lhs.rhs"]]
        best: dict[str, _Candidate] = {}
        for _, u in uni.iterrows():
            lhs, rhs = u["lhs.lhs"], u["lhs.rhs"]
            if kind == "loadings":
                par, item, factor = f"{lhs}=~{rhs}", rhs, lhs
            else:
                par, item = (f"{lhs}~1" if kind == "intercepts" else f"{lhs}~~{lhs}"), lhs
                factor = factor_of.get(item)
                if factor is None:
                    continue
            if par not in best or u["X2"] > best[par].x2:
                best[par] = _Candidate(key=(kind, par), kind=kind, factor=factor, item=item,
                                       where="all groups", x2=float(u["X2"]),
                                       pvalue=float(u["p.value"]),
                                       text=f"{par} (all groups)")
        return sorted(best.values(), key=lambda c: -c.x2)

    def lv_ref(key: str):
        lhs, g = key.split("|")
        if lhs not in items_of or int(g) == 1:
            return None
        return lhs, labels[int(g) - 1], lhs

    rows, steps, released, fits, full = _search(
        levels, fit_level, candidates, items_of, rule, limits)
    partial = [c.key[1] for c in released]
    models = {"model": model, "group": group, "group.partial": ", ".join(partial)}
    out = _finish("groups", levels, rows, steps, released, fits, full, rule, limits, lv_ref,
                  models)
    if len(out.means):
        out.means["reference"] = labels[0] if labels else ""
    return out


def partial_invariance_waves(design: PanelDesign, data: pd.DataFrame,
                             levels: Sequence[str] = LONGITUDINAL_LEVELS,
                             rule: InvarianceRule | None = None,
                             limits: PartialLimits | None = None,
                             **fit_kwargs: Any) -> PartialInvarianceResult:
    """The longitudinal sequence of wide panel ``data`` (:mod:`analysis.sem.longitudinal`)
    with the partial-invariance search (module docstring).  A release frees one item's
    parameter in one wave (the later wave of the constraint); extra keyword arguments go to
    :func:`analysis.sem.fit`."""
    rule, limits = rule or InvarianceRule(), limits or PartialLimits()
    _check_levels(levels, LONGITUDINAL_LEVELS)
    absent = [c for c in design.columns() if c not in data.columns]
    if absent:
        raise SEMInputError(f"the panel data lacks the column(s) {absent[:10]}; items are "
                            f"named {design.name!r}", code="invalid_argument")
    items_of = {f: list(its) for f, its in design.constructs.items()}
    models: dict[str, str] = {}

    def fit_level(lv: str, keys: list) -> SEMResult:
        syntax = longitudinal_syntax(design, lv, keys)
        models[lv] = syntax
        return fit(syntax, data, meanstructure=True, **fit_kwargs)

    def candidates(res: SEMResult, kind: str) -> list[_Candidate]:
        uni = score_test(res).uni
        uni = uni[uni["rhs.op"] == _OP[kind]]
        if kind == "residuals":
            uni = uni[uni["rhs.lhs"] == uni["rhs.rhs"]]
        out = []
        for _, u in uni.iterrows():
            var = u["rhs.rhs"] if kind == "loadings" else u["rhs.lhs"]
            loc = design.locate(var)
            if loc is None:
                continue
            factor, item, wave = loc
            out.append(_Candidate(key=(kind, item, wave), kind=kind, factor=factor, item=item,
                                  where=wave, x2=float(u["X2"]), pvalue=float(u["p.value"]),
                                  text=f"{_NAMES[kind]} of {item} at wave {wave}"))
        return sorted(out, key=lambda c: -c.x2)

    def lv_ref(lhs: str):
        loc = design.locate(lhs)
        if loc is None or loc[1] != loc[0] or loc[2] == design.waves[0]:
            return None
        return loc[0], loc[2], design.var(loc[0], design.waves[0])

    rows, steps, released, fits, full = _search(
        levels, fit_level, candidates, items_of, rule, limits)
    return _finish("waves", levels, rows, steps, released, fits, full, rule, limits, lv_ref,
                   models)


_NAMES = {"loadings": "loading", "intercepts": "intercept", "residuals": "residual variance"}


def _check_levels(levels: Sequence[str], known) -> None:
    if not levels or levels[0] != "configural":
        raise SEMInputError("the invariance sequence starts at 'configural'",
                            code="invalid_argument")
    bad = [lv for lv in levels if lv not in known]
    if bad:
        raise SEMInputError(f"unknown invariance level(s) {bad}; choose from {list(known)}",
                            code="invalid_argument")
