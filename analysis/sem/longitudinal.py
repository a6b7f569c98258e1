"""Longitudinal measurement invariance of a panel: one model with every wave's factors.

The panel is analysed wide (one row per panel member, each item once per wave, named
``<item>_w<wave>`` by default; :func:`wide_panel` builds that from stacked long data).  The
model (Meredith, 1993; Widaman, Ferrer & Conger, 2010; lavaan syntax as
``semTools::measEq.syntax(longFacNames = ...)`` writes it) has

* one factor per construct and wave, measured by that wave's items; the first item of each
  factor is its marker (loading fixed to 1 in every wave), factor variances and all factor
  covariances (within and across waves) free;
* each item's residuals correlated across waves (``a1_w1 ~~ a1_w2``, ...), at every level;
* a mean structure: item intercepts free, latent means fixed to 0.

The levels add equality constraints across waves, by shared labels (``lam.<item>``,
``nu.<item>``, ``theta.<item>``):

* ``configural``: the same pattern in every wave;
* ``metric``: equal loadings;
* ``scalar``: + equal intercepts; the latent means are then free from wave 2 (wave 1 fixed
  at 0, so a wave's latent mean is its difference from wave 1);
* ``strict``: + equal residual variances.

A constraint can be released for one item in one wave (``free=[("intercepts", "a3", "3")]``):
that wave's parameter then has no label and is estimated freely.  The levels are compared
as in :mod:`analysis.sem.sequence` (chi-square difference, scaled for MLM/MLR; ΔCFI and
ΔRMSEA).  For independent samples per wave use :func:`analysis.sem.invariance` (or
:func:`analysis.sem.partial.partial_invariance_groups`) with the wave as the group.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from instruments.plain import to_plain

from .api import fit
from .errors import SEMInputError
from .result import SEMResult
from .sequence import InvarianceRule, compare_levels, level_row

__all__ = ["LONGITUDINAL_LEVELS", "LongitudinalInvariance", "PanelDesign",
           "longitudinal_invariance", "longitudinal_syntax", "wide_panel"]

LONGITUDINAL_LEVELS = ("configural", "metric", "scalar", "strict")
_KINDS = ("loadings", "intercepts", "residuals")


@dataclass(frozen=True)
class PanelDesign:
    """Constructs (``{factor: [items]}``, base item names), the waves in order and the name
    template of a wave's item or factor (``{item}`` and ``{wave}``; default ``{item}_w{wave}``)."""

    constructs: dict[str, list[str]]
    waves: tuple[str, ...]
    name: str = "{item}_w{wave}"

    def __post_init__(self) -> None:
        object.__setattr__(self, "waves", tuple(str(w) for w in self.waves))
        if len(self.waves) < 2:
            raise SEMInputError("a longitudinal model needs at least two waves, got "
                                f"{list(self.waves)}", code="invalid_argument")
        if len(set(self.waves)) != len(self.waves):
            raise SEMInputError(f"the waves {list(self.waves)} repeat a wave",
                                code="invalid_argument")
        if not self.constructs:
            raise SEMInputError("no constructs given", code="invalid_argument")
        for f, items in self.constructs.items():
            if len(items) < 2:
                raise SEMInputError(f"construct {f!r} has {len(items)} item(s); longitudinal "
                                    "invariance needs at least two per construct",
                                    code="invalid_argument")

    def var(self, item: str, wave: str) -> str:
        """The column (or factor) name of ``item`` at ``wave``."""
        return self.name.format(item=item, wave=wave)

    def columns(self) -> list[str]:
        """Every item column of the wide data, construct by construct, item by item, wave by
        wave."""
        return [self.var(it, w) for its in self.constructs.values() for it in its
                for w in self.waves]

    def locate(self, name: str) -> tuple[str, str, str] | None:
        """``(construct, item, wave)`` of a column or factor name (factor: item = construct),
        or None."""
        for f, its in self.constructs.items():
            for w in self.waves:
                if name == self.var(f, w):
                    return f, f, w
                for it in its:
                    if name == self.var(it, w):
                        return f, it, w
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"constructs": to_plain(self.constructs), "waves": list(self.waves),
                "name": self.name}


def _label(prefix: str, item: str) -> str:
    return f"{prefix}.{re.sub(r'[^A-Za-z0-9_.]', '_', item)}"


def longitudinal_syntax(design: PanelDesign, level: str,
                        free: Iterable[tuple[str, str, str]] = ()) -> str:
    """lavaan syntax of the longitudinal model at ``level`` (see the module docstring).

    ``free``: ``(kind, item, wave)`` with kind ``loadings``, ``intercepts`` or ``residuals``:
    constraints released for that item in that wave.

    >>> d = PanelDesign({"A": ["a1", "a2"]}, ("1", "2"))
    >>> print(longitudinal_syntax(d, "metric"))
    A_w1 =~ 1*a1_w1 + lam.a2*a2_w1
    A_w2 =~ 1*a1_w2 + lam.a2*a2_w2
    a1_w1 ~ 1
    a1_w2 ~ 1
    a2_w1 ~ 1
    a2_w2 ~ 1
    A_w1 ~ 0*1
    A_w2 ~ 0*1
    a1_w1 ~~ a1_w2
    a2_w1 ~~ a2_w2
    """
    if level not in LONGITUDINAL_LEVELS:
        raise SEMInputError(f"unknown invariance level {level!r}; choose from "
                            f"{list(LONGITUDINAL_LEVELS)}", code="invalid_argument")
    released = {(k, str(it), str(w)) for k, it, w in free}
    for k, it, w in released:
        if k not in _KINDS:
            raise SEMInputError(f"cannot free {k!r}; choose from {list(_KINDS)}",
                                code="invalid_argument")
        if not any(it in its for its in design.constructs.values()) or w not in design.waves:
            raise SEMInputError(f"cannot free the {k} of item {it!r} at wave {w!r}: not an item "
                                "and wave of the design", code="invalid_argument")
    n = LONGITUDINAL_LEVELS.index(level)
    eq = {"loadings": n >= 1, "intercepts": n >= 2, "residuals": n >= 3}
    v = design.var

    def tied(kind: str, item: str, wave: str) -> bool:
        return eq[kind] and (kind, item, wave) not in released

    lines: list[str] = []
    for f, its in design.constructs.items():
        for w in design.waves:
            terms = [f"1*{v(its[0], w)}"]
            for it in its[1:]:
                lab = _label("lam", it) + "*" if tied("loadings", it, w) else ""
                terms.append(f"{lab}{v(it, w)}")
            lines.append(f"{v(f, w)} =~ " + " + ".join(terms))
    for its in design.constructs.values():
        for it in its:
            for w in design.waves:
                lab = _label("nu", it) + "*" if tied("intercepts", it, w) else ""
                lines.append(f"{v(it, w)} ~ {lab}1")
                if tied("residuals", it, w):
                    lines.append(f"{v(it, w)} ~~ {_label('theta', it)}*{v(it, w)}")
    for f in design.constructs:
        for j, w in enumerate(design.waves):
            lines.append(f"{v(f, w)} ~ {'NA' if eq['intercepts'] and j > 0 else '0'}*1")
    for its in design.constructs.values():
        for it in its:
            for j, w in enumerate(design.waves):
                for w2 in design.waves[j + 1:]:
                    lines.append(f"{v(it, w)} ~~ {v(it, w2)}")
    return "\n".join(lines)


def wide_panel(long: pd.DataFrame, id: str, wave: str, items: Sequence[str],
               waves: Sequence[Any] | None = None, name: str = "{item}_w{wave}",
               ) -> pd.DataFrame:
    """Stacked long data (one row per member and wave) as wide panel data: one row per
    ``id``, each item once per wave (named by ``name``); a member missing from a wave has
    missing values there (use ``missing="ml"`` to keep them).

    ``waves`` gives the order (default: order of first appearance).  A member answering a
    wave twice raises :class:`SEMInputError` naming the id and the wave.

    >>> long = pd.DataFrame({"pid": [1, 1, 2, 2], "wave": [1, 2, 1, 2], "q": [3, 4, 2, 5]})
    >>> wide_panel(long, "pid", "wave", ["q"])
       pid  q_w1  q_w2
    0    1     3     4
    1    2     2     5
    """
    missing = [c for c in (id, wave, *items) if c not in long.columns]
    if missing:
        raise SEMInputError(f"column(s) {missing} are not in the data; the columns are "
                            f"{list(long.columns)[:20]}", code="invalid_argument")
    order = list(pd.unique(long[wave].dropna())) if waves is None else list(waves)
    dup = long[long.duplicated([id, wave], keep=False) & long[id].notna()]
    if len(dup):
        who, when = (_py(dup[c].iloc[0]) for c in (id, wave))
        rows = [_py(i) for i in dup.index[(dup[id] == dup[id].iloc[0])
                                          & (dup[wave] == dup[wave].iloc[0])]]
        raise SEMInputError(f"respondent {who!r} answered wave {when!r} more than once "
                            f"(rows {rows[:5]}); keep one answer per wave",
                            code="invalid_argument")
    out = pd.DataFrame({id: pd.unique(long[id].dropna())})
    for w in order:
        part = long.loc[long[wave] == w, [id, *items]].rename(
            columns={it: name.format(item=it, wave=w) for it in items})
        out = out.merge(part, on=id, how="left")
    cols = [name.format(item=it, wave=w) for it in items for w in order]
    return out[[id, *cols]]


def _py(x: Any) -> Any:
    return x.item() if hasattr(x, "item") else x


@dataclass
class LongitudinalInvariance:
    """The sequence of a panel: ``table`` (one row per level: fit, chi-square difference,
    ΔCFI, ΔRMSEA, ``decision``), the fits and syntax per level, the design and rule."""

    table: pd.DataFrame
    fits: dict[str, SEMResult]
    syntax: dict[str, str]
    design: PanelDesign
    rule: InvarianceRule = field(default_factory=InvarianceRule)

    def to_dict(self) -> dict[str, Any]:
        return {"table": to_plain(self.table), "syntax": dict(self.syntax),
                "design": self.design.to_dict(), "rule": self.rule.to_dict()}


def longitudinal_invariance(design: PanelDesign, data: pd.DataFrame,
                            levels: Sequence[str] = LONGITUDINAL_LEVELS,
                            rule: InvarianceRule | None = None,
                            free: Iterable[tuple[str, str, str]] = (),
                            **fit_kwargs: Any) -> LongitudinalInvariance:
    """Fit the longitudinal levels on wide panel ``data`` and compare each with the one before.

    ``free`` releases constraints (``(kind, item, wave)``) at every level; extra keyword
    arguments go to :func:`analysis.sem.fit` (``estimator="MLR"``, ``missing="ml"``).
    ``decision`` is ``baseline``, ``invariant`` or ``not invariant`` (by ``rule``, see
    :mod:`analysis.sem.sequence`).
    """
    rule = rule or InvarianceRule()
    absent = [c for c in design.columns() if c not in data.columns]
    if absent:
        raise SEMInputError(f"the panel data lacks the column(s) {absent[:10]}"
                            f"{' ...' if len(absent) > 10 else ''}; items are named "
                            f"{design.name!r} (e.g. {design.var('item', design.waves[0])!r})",
                            code="invalid_argument")
    free = list(free)
    rows, fits, syntax = [], {}, {}
    prev = None
    for lv in levels:
        syntax[lv] = longitudinal_syntax(design, lv, free)
        res = fit(syntax[lv], data, meanstructure=True, **fit_kwargs)
        fits[lv] = res
        row = level_row(lv, res)
        if prev is None:
            row.update({"chisq.diff": None, "df.diff": None, "pvalue.diff": None,
                        "cfi.diff": None, "rmsea.diff": None, "decision": "baseline"})
        else:
            cmp = compare_levels(prev, res, rule)
            ok = cmp.pop("invariant")
            row.update(cmp)
            row["decision"] = "invariant" if ok else "not invariant"
        rows.append(row)
        prev = res
    return LongitudinalInvariance(table=pd.DataFrame(rows), fits=fits, syntax=syntax,
                                  design=design, rule=rule)
