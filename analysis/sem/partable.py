"""Parameter table with lavaan's defaults (``lavaan::lav_partable_flat``, lavaan 0.6).

The table has one row per model parameter per group, in lavaan's order: the user's
statements first, then the rows lavaan adds by default:

* residual variances of all observed non-exogenous variables and variances of all
  latent variables (``auto.var``);
* covariances among exogenous latent variables (``auto.cov.lv.x``) and among purely
  dependent variables (``auto.cov.y``);
* with ``fixed_x``: the variances/covariances (and means) of exogenous observed
  covariates, fixed at their sample values (``exo = True``);
* intercepts of observed variables (free) and of latent variables (fixed to 0)
  when a mean structure is requested.

The first loading of each factor is fixed to 1 (``auto.fix.first``) unless
``std_lv=True`` (then latent variances are fixed to 1).  Equality constraints are
expressed by giving rows the same parameter id (``pid``): rows that share a user
label, rows tied by ``group_equal`` and labels tied by ``a == b``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import pandas as pd

from .errors import SEMInputError
from .syntax import Formula

__all__ = ["GROUP_EQUAL_TYPES", "ParTable", "build_partable"]

GROUP_EQUAL_TYPES = (
    "loadings",
    "intercepts",
    "means",
    "residuals",
    "residual.covariances",
    "lv.variances",
    "lv.covariances",
    "regressions",
)


def _unique(seq):
    seen: dict = {}
    for s in seq:
        seen.setdefault(s, None)
    return list(seen)


@dataclass
class ParTable:
    """Column-oriented parameter table (one entry per row in every list)."""

    lhs: list[str] = field(default_factory=list)
    op: list[str] = field(default_factory=list)
    rhs: list[str] = field(default_factory=list)
    group: list[int] = field(default_factory=list)  # 1-based
    user: list[int] = field(default_factory=list)  # 1 = written by the user
    free: list[bool] = field(default_factory=list)
    ustart: list[float] = field(default_factory=list)  # fixed value (NaN when free)
    start: list[float] = field(default_factory=list)  # user start value or NaN
    label: list[str] = field(default_factory=list)
    exo: list[bool] = field(default_factory=list)
    pid: list[int] = field(default_factory=list)  # index into theta, -1 when fixed
    # variable sets (identical in every group)
    ov_names: list[str] = field(default_factory=list)
    lv_names: list[str] = field(default_factory=list)
    ov_x: list[str] = field(default_factory=list)
    ov_ind: list[str] = field(default_factory=list)
    eqs_y: list[str] = field(default_factory=list)
    eqs_x: list[str] = field(default_factory=list)
    ngroups: int = 1
    meanstructure: bool = False
    defined: list[tuple[str, str]] = field(default_factory=list)
    npar: int = 0

    def __len__(self) -> int:
        return len(self.lhs)

    @property
    def ov_nox(self) -> list[str]:
        return [v for v in self.ov_names if v not in self.ov_x]

    def add(self, lhs, op, rhs, group, user, free=True, ustart=math.nan, label="", exo=False,
            start=math.nan) -> int:
        self.lhs.append(lhs)
        self.op.append(op)
        self.rhs.append(rhs)
        self.group.append(group)
        self.user.append(user)
        self.free.append(free)
        self.ustart.append(ustart)
        self.start.append(start)
        self.label.append(label)
        self.exo.append(exo)
        self.pid.append(-1)
        return len(self.lhs) - 1

    def find(self, lhs: str, op: str, rhs: str, group: int) -> int:
        """Row index of a parameter (either orientation for ``~~``), or -1."""
        for i in range(len(self.lhs)):
            if self.group[i] != group or self.op[i] != op:
                continue
            if self.lhs[i] == lhs and self.rhs[i] == rhs:
                return i
            if op == "~~" and self.lhs[i] == rhs and self.rhs[i] == lhs:
                return i
        return -1

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "lhs": self.lhs,
                "op": self.op,
                "rhs": self.rhs,
                "group": self.group,
                "user": self.user,
                "free": self.free,
                "ustart": self.ustart,
                "label": self.label,
                "exo": self.exo,
                "pid": self.pid,
            }
        )

    def assign_pids(self, constraints: list[tuple[str, str]] = ()) -> None:
        """Give free rows parameter ids; rows sharing a label share the id."""
        by_label: dict[str, int] = {}
        n = 0
        for i in range(len(self.lhs)):
            if not self.free[i]:
                self.pid[i] = -1
                continue
            lab = self.label[i]
            if lab and lab in by_label:
                self.pid[i] = by_label[lab]
                continue
            self.pid[i] = n
            if lab:
                by_label[lab] = n
            n += 1
        # a == b : merge the ids of two labels
        parent = list(range(n))

        def root(k: int) -> int:
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        for a, b in constraints:
            if a not in by_label or b not in by_label:
                missing = [x for x in (a, b) if x not in by_label]
                raise SEMInputError(
                    f"constraint '{a} == {b}': only equality between labels of free parameters is "
                    f"supported; unknown or fixed label(s): {', '.join(missing)}"
                )
            ra, rb = root(by_label[a]), root(by_label[b])
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        roots = sorted({root(k) for k in range(n)})
        remap = {r: j for j, r in enumerate(roots)}
        self.pid = [remap[root(p)] if p >= 0 else -1 for p in self.pid]
        self.npar = len(roots)


def _broadcast(values, ngroups: int, what: str, line: int):
    if values is None:
        return None
    if len(values) == 1:
        return list(values) * ngroups
    if len(values) != ngroups:
        raise SEMInputError(
            f"line {line}: {what} has {len(values)} values but there are {ngroups} groups"
        )
    return list(values)


def build_partable(
    formulas: list[Formula],
    *,
    ngroups: int = 1,
    meanstructure: bool = False,
    fixed_x: bool = True,
    std_lv: bool = False,
    auto_fix_first: bool = True,
    orthogonal: bool = False,
    group_equal: tuple[str, ...] | list[str] = (),
    group_partial: tuple[str, ...] | list[str] = (),
) -> ParTable:
    """Build the full parameter table from parsed syntax (see module docstring)."""
    bad = [g for g in group_equal if g not in GROUP_EQUAL_TYPES]
    if bad:
        raise SEMInputError(f"unknown group_equal type(s) {bad}; choose from {GROUP_EQUAL_TYPES}")
    flat = [f for f in formulas if f.op in ("=~", "~", "~~", "~1")]
    if not flat:
        raise SEMInputError("the model has no =~, ~ or ~~ statements")
    defined = [(f.lhs, f.rhs) for f in formulas if f.op == ":="]
    constraints = [(f.lhs, f.rhs) for f in formulas if f.op == "=="]

    lv = _unique(f.lhs for f in flat if f.op == "=~")
    v_ind = _unique(f.rhs for f in flat if f.op == "=~")
    eqs_y = _unique(f.lhs for f in flat if f.op == "~")
    eqs_x = _unique(f.rhs for f in flat if f.op == "~")
    ov_ind = [v for v in v_ind if v not in lv]
    ov_y = [v for v in eqs_y if v not in lv and v not in ov_ind]
    ov_x = [v for v in eqs_x if v not in lv and v not in ov_ind and v not in ov_y]
    extra = []
    for f in flat:
        if f.op == "~~":
            extra += [v for v in (f.lhs, f.rhs) if v not in lv]
        elif f.op == "~1" and f.lhs not in lv:
            extra.append(f.lhs)
    ov_names = _unique(ov_ind + ov_y + ov_x + extra)
    if fixed_x:
        user_vars = set()
        for f in flat:
            if f.op == "~~":
                user_vars.update((f.lhs, f.rhs))
            elif f.op == "~1":
                user_vars.add(f.lhs)
        ov_x = [v for v in ov_x if v not in user_vars]
    else:
        ov_x = []
    ov_nox = [v for v in ov_names if v not in ov_x]
    lv_x = [f for f in lv if f not in v_ind and f not in eqs_y]
    lv_y = [f for f in lv if f in eqs_y and f not in v_ind and f not in eqs_x]
    ov_y_pure = [v for v in ov_names if v in eqs_y and v not in v_ind and v not in eqs_x]

    default: list[tuple[str, str, str]] = [(v, "~~", v) for v in ov_nox + lv]
    if len(lv_x) > 1:
        default += [(a, "~~", b) for a, b in itertools.combinations(lv_x, 2)]
    ys = lv_y + ov_y_pure
    if len(ys) > 1:
        default += [(a, "~~", b) for a, b in itertools.combinations(ys, 2)]
    for j in range(len(ov_x)):
        for i in range(j, len(ov_x)):
            default.append((ov_x[j], "~~", ov_x[i]))
    if meanstructure:
        default += [(v, "~1", "") for v in ov_names + lv]

    # user rows (duplicates dropped, first one wins)
    user_rows: list[Formula] = []
    seen: set[tuple[str, str, str]] = set()
    for f in flat:
        key = (f.lhs, f.op, f.rhs)
        key2 = (f.rhs, f.op, f.lhs) if f.op == "~~" else key
        if key in seen or key2 in seen:
            continue
        seen.add(key)
        user_rows.append(f)
    default = [d for d in default if d not in seen and (d[2], d[1], d[0]) not in seen]

    pt = ParTable(
        ov_names=ov_names, lv_names=lv, ov_x=ov_x, ov_ind=ov_ind, eqs_y=eqs_y, eqs_x=eqs_x,
        ngroups=ngroups, meanstructure=meanstructure, defined=defined,
    )
    # single-indicator factors: the indicator's residual variance is fixed to zero
    n_ind = {f: [r.rhs for r in user_rows if r.op == "=~" and r.lhs == f] for f in lv}
    all_ind = [r.rhs for r in user_rows if r.op == "=~"]
    single = {
        inds[0] for f, inds in n_ind.items()
        if len(inds) == 1 and inds[0] != f and all_ind.count(inds[0]) == 1
    }
    for g in range(1, ngroups + 1):
        first_done: set[str] = set()
        rows_g: list[int] = []
        for f in user_rows:
            rows_g.append(pt.add(f.lhs, f.op, f.rhs, g, 1))
        for lhs, op, rhs in default:
            rows_g.append(pt.add(lhs, op, rhs, g, 0))
        mods = {i: f.modifier for i, f in zip(rows_g, user_rows, strict=False)}
        for i in rows_g:
            lhs, op, rhs = pt.lhs[i], pt.op[i], pt.rhs[i]
            if std_lv and op == "~~" and lhs == rhs and lhs in lv:
                pt.free[i], pt.ustart[i] = False, 1.0
            if auto_fix_first and not std_lv and op == "=~" and lhs not in first_done:
                first_done.add(lhs)
                pt.free[i], pt.ustart[i] = False, 1.0
            if op == "~~" and lhs == rhs and lhs in single and pt.user[i] == 0:
                pt.free[i], pt.ustart[i] = False, 0.0
            if (orthogonal and op == "~~" and lhs != rhs and lhs in lv and rhs in lv
                    and pt.user[i] == 0):
                pt.free[i], pt.ustart[i] = False, 0.0
            if op == "~~" and lhs in ov_x and rhs in ov_x:
                pt.free[i], pt.exo[i] = False, True
            if op == "~1" and lhs in ov_x:
                pt.free[i], pt.exo[i] = False, True
            if op == "~1" and lhs in lv and pt.user[i] == 0:
                pt.free[i], pt.ustart[i] = False, 0.0
        for i, mod in mods.items():
            line = 0
            fixed = _broadcast(mod.fixed, ngroups, "a fixed-value vector", line)
            label = _broadcast(mod.label, ngroups, "a label vector", line)
            start = _broadcast(mod.start, ngroups, "a start-value vector", line)
            if fixed is not None:
                v = fixed[g - 1]
                if v is None:
                    pt.free[i], pt.ustart[i] = True, math.nan
                else:
                    pt.free[i], pt.ustart[i] = False, float(v)
            if label is not None:
                pt.label[i] = label[g - 1]
            if start is not None:
                pt.start[i] = start[g - 1]

    # group_equal: tie unlabelled free parameters across groups
    if ngroups > 1 and group_equal:
        partial = {p.replace(" ", "") for p in group_partial}
        ov_nox_set, lv_set = set(ov_nox), set(lv)

        def kind(i: int) -> str | None:
            lhs, op, rhs = pt.lhs[i], pt.op[i], pt.rhs[i]
            if op == "=~":
                return "loadings"
            if op == "~":
                return "regressions"
            if op == "~1":
                return "intercepts" if lhs in ov_nox_set else ("means" if lhs in lv_set else None)
            if op == "~~":
                if lhs in ov_nox_set and rhs in ov_nox_set:
                    return "residuals" if lhs == rhs else "residual.covariances"
                if lhs in lv_set and rhs in lv_set:
                    return "lv.variances" if lhs == rhs else "lv.covariances"
            return None

        n1 = sum(1 for g in pt.group if g == 1)
        for i in range(n1):
            k = kind(i)
            if k not in group_equal or not pt.free[i] or pt.label[i]:
                continue
            if f"{pt.lhs[i]}{pt.op[i]}{pt.rhs[i]}" in partial:
                continue
            lab = f".p{i + 1}."
            pt.label[i] = lab
            for g in range(2, ngroups + 1):
                j = pt.find(pt.lhs[i], pt.op[i], pt.rhs[i], g)
                if j >= 0 and pt.free[j] and not pt.label[j]:
                    pt.label[j] = lab
        if "intercepts" in group_equal and "means" not in group_equal and meanstructure:
            for i in range(len(pt)):
                if pt.group[i] > 1 and pt.op[i] == "~1" and pt.lhs[i] in lv_set and pt.user[i] == 0:
                    pt.free[i], pt.ustart[i] = True, math.nan
    pt.assign_pids(constraints)
    return pt
