"""Careless-response screening: flags per rule, explicit exclusion settings, kept data.

Nothing is dropped silently. :func:`screen` computes an index per respondent for each rule,
flags respondents by the cut-offs in :class:`ScreeningSettings`, and excludes those flagged by
at least ``min_flags`` of the rules listed in ``exclude_rules``. The result reports how many
were read, flagged per rule, excluded and kept, and gives the kept data
(:meth:`ScreeningResult.kept`) so analyses can be rerun with and without flagged respondents.

Rules (Meade & Craig 2012; Curran 2016):

* ``attention`` - failed attention checks: items with ``role: attention_check`` answered
  outside their ``expected`` codes (instructed-response and bogus items, Meade & Craig 2012).
* ``speeder`` - completion time below ``speed_fraction`` of the median completion time
  (a relative speed rule in the spirit of Leiner 2019; Curran 2016).
* ``longstring`` - the longest run of identical consecutive answers, in the order the items
  were shown (``display_order``; the survey order when unknown), over ordinal items (Johnson
  2005; Curran 2016). Flagged when the run exceeds ``longstring_max`` items, or by default
  ``longstring_fraction`` of the respondent's answered ordinal items.
* ``irv`` - intra-individual response variability: the standard deviation of a respondent's
  answers to the measurement items, each rescaled to 0-1 of its declared scale (Dunn et al.
  2018). Very low values indicate straightlining (``irv_min``); ``irv_max`` optionally flags
  very high values.
* ``mahalanobis`` - Mahalanobis D^2 of the measurement items from the sample mean, with the
  sample covariance (complete cases, or pairwise when too few), over the items each respondent
  answered; flagged when the chi-square p-value (df = items answered) is below
  ``mahalanobis_alpha`` (.001, Meade & Craig 2012).
* ``even_odd`` - even-odd consistency: per measured construct with two or more items, the
  means of its odd- and even-numbered items (reverse-keyed, rescaled 0-1); the within-person
  correlation of the two half-scores across constructs, Spearman-Brown corrected when
  positive (Jackson 1976; Meade & Craig 2012). Flagged below ``even_odd_min`` (0: halves of
  the same scales pointing in opposite directions) when at least ``even_odd_min_constructs``
  constructs have both halves; not an exclusion rule by default (see ``DEFAULT_EXCLUDE``).
* ``duplicate`` - an answer pattern identical to an earlier respondent's (all items, at least
  ``duplicate_min_items`` answered); the first occurrence is not flagged.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis.responses.data import ResponseData
from instruments.errors import EngagekitInputError
from instruments.plain import to_plain
from instruments.schema import ORDINAL_KINDS, Instrument, ItemRole

RULES = ("attention", "speeder", "longstring", "irv", "mahalanobis", "even_odd", "duplicate")
#: Rules that exclude by default. Even-odd consistency is flagged but does not exclude by
#: default: with the handful of multi-item constructs a customer survey has, its within-person
#: correlation rests on few points and is negative for a few percent of attentive respondents
#: (about 3% in the bundled population model); add it to ``exclude_rules`` for long surveys.
DEFAULT_EXCLUDE = ("attention", "speeder", "longstring", "irv", "mahalanobis", "duplicate")


class ScreeningError(EngagekitInputError):
    """Screening settings that cannot be applied."""

    code = "screening_input"


@dataclass(frozen=True)
class ScreeningSettings:
    """Cut-offs of every rule (``None`` switches a rule off) and the exclusion rule.

    The rules and the literature behind each default are in the module docstring.

    Parameters
    ----------
    attention_max_failures : int, default 0
        Failed attention checks tolerated; more flags ``attention``.
    attention_missing_fails : bool, default False
        Count an unanswered attention check as failed.
    speed_fraction : float or None, default 0.5
        Flag ``speeder`` below this fraction of the median completion time.
    longstring_fraction : float or None, default 0.5
        Flag ``longstring`` when the longest run of identical answers exceeds this fraction of
        the respondent's answered ordinal items.
    longstring_max : int or None
        An absolute run length instead of ``longstring_fraction``.
    irv_min : float or None, default 0.05
        Flag ``irv`` below this SD of the answers rescaled to 0-1 (straightlining).
    irv_max : float or None
        Also flag ``irv`` above this SD.
    mahalanobis_alpha : float or None, default 0.001
        Flag ``mahalanobis`` when the chi-square p-value of D² is below this.
    even_odd_min : float or None, default 0.0
        Flag ``even_odd`` when the Spearman-Brown corrected even-odd correlation is below this.
    even_odd_min_constructs : int, default 4
        Constructs with both halves answered needed to judge even-odd consistency.
    duplicate_min_items : int or None, default 10
        Answered items needed before an identical answer pattern flags ``duplicate``.
    exclude_rules : tuple of str
        The rules whose flags exclude (default :data:`DEFAULT_EXCLUDE`: all but ``even_odd``).
    min_flags : int, default 1
        Exclude a respondent flagged by at least this many of ``exclude_rules``.

    Examples
    --------
    >>> from analysis import SimulationSettings, simulate
    >>> data = simulate("five_commitments", SimulationSettings(n=200, seed=1)).data
    >>> lenient = ScreeningSettings(exclude_rules=("attention",), min_flags=1)
    >>> screen(data, "five_commitments", lenient).n_excluded <= screen(
    ...     data, "five_commitments").n_excluded
    True
    """

    attention_max_failures: int = 0
    attention_missing_fails: bool = False
    speed_fraction: float | None = 0.5
    longstring_fraction: float | None = 0.5
    longstring_max: int | None = None
    irv_min: float | None = 0.05
    irv_max: float | None = None
    mahalanobis_alpha: float | None = 0.001
    even_odd_min: float | None = 0.0
    even_odd_min_constructs: int = 4
    duplicate_min_items: int | None = 10
    exclude_rules: tuple[str, ...] = DEFAULT_EXCLUDE
    min_flags: int = 1

    def check(self) -> None:
        bad = [r for r in self.exclude_rules if r not in RULES]
        if bad:
            raise ScreeningError(f"unknown screening rule(s) {', '.join(bad)}; rules are "
                                 + ", ".join(RULES))
        if self.min_flags < 1:
            raise ScreeningError(f"min_flags must be at least 1 (got {self.min_flags})")
        for name in ("speed_fraction", "longstring_fraction", "mahalanobis_alpha"):
            v = getattr(self, name)
            if v is not None and not 0 < v < 1:
                raise ScreeningError(f"{name} must lie between 0 and 1 (got {v})")
        if self.attention_max_failures < 0:
            raise ScreeningError("attention_max_failures must be 0 or more")


@dataclass
class ScreeningResult:
    """Flags (one boolean column per rule, ``n_flags``, ``excluded``) and the indices behind
    them (``metrics``) per respondent, with counts."""

    flags: pd.DataFrame
    metrics: pd.DataFrame
    settings: ScreeningSettings
    data: ResponseData | None
    notes: list[str] = field(default_factory=list)
    #: rules that could not be applied or were switched off: ``{rule: reason}``; their flag
    #: column is all False, which means "not judged", not "nobody flagged"
    not_applied: dict[str, str] = field(default_factory=dict)

    @property
    def n_read(self) -> int:
        return len(self.flags)

    @property
    def n_flagged(self) -> dict[str, int]:
        return {r: int(self.flags[r].sum()) for r in RULES}

    @property
    def applied(self) -> list[str]:
        """The rules that were applied (in :data:`RULES` order)."""
        return [r for r in RULES if r not in self.not_applied]

    @property
    def n_excluded_by(self) -> dict[str, int]:
        """Per applied exclusion rule: excluded respondents it flagged (a respondent flagged by
        several rules counts under each)."""
        ex = self.flags["excluded"]
        return {r: int((self.flags[r] & ex).sum()) for r in self.settings.exclude_rules
                if r not in self.not_applied}

    @property
    def n_flagged_any(self) -> int:
        return int((self.flags["n_flags"] > 0).sum())

    @property
    def n_excluded(self) -> int:
        return int(self.flags["excluded"].sum())

    @property
    def n_kept(self) -> int:
        return self.n_read - self.n_excluded

    @property
    def excluded_ids(self) -> list[str]:
        return list(self.flags.index[self.flags["excluded"]])

    @property
    def kept_ids(self) -> list[str]:
        return list(self.flags.index[~self.flags["excluded"]])

    def kept(self) -> ResponseData:
        """The responses without the excluded respondents (the full data: ``.data``)."""
        if self.data is None:
            raise ScreeningError("the screening was run on a bare DataFrame; select "
                                 "result.kept_ids from it instead")
        return self.data.subset(self.kept_ids)

    def counts(self) -> dict:
        return {"n_read": self.n_read, "n_flagged": self.n_flagged,
                "n_flagged_any": self.n_flagged_any, "n_excluded": self.n_excluded,
                "n_kept": self.n_kept}

    def summary(self) -> str:
        c = self.counts()
        lines = [f"{c['n_read']} respondents screened; flagged by any rule: "
                 f"{c['n_flagged_any']}; excluded: {c['n_excluded']} (flagged by at least "
                 f"{self.settings.min_flags} of: {', '.join(self.settings.exclude_rules)}); "
                 f"kept: {c['n_kept']}"]
        for r in RULES:
            if r in self.not_applied:
                lines.append(f"  {r:<12} not applied: {self.not_applied[r]}")
            else:
                lines.append(f"  {r:<12} {c['n_flagged'][r]:>6}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return to_plain({**self.counts(), "settings": asdict(self.settings),
                         "notes": list(self.notes), "not_applied": dict(self.not_applied),
                         "n_excluded_by": self.n_excluded_by, "flags": self.flags,
                         "metrics": self.metrics}, frames="split")


# ---- indices -----------------------------------------------------------------------------------


def _survey_order(inst: Instrument) -> list[str]:
    order = []
    for b in inst.survey.blocks:
        order += [i.id for c in b.constructs for i in inst.construct(c).items] + list(b.items)
    return order


def attention_failures(items: pd.DataFrame, inst: Instrument,
                       missing_fails: bool = False) -> tuple[pd.Series, pd.Series]:
    """(failed checks, checks answered-or-counted) per respondent."""
    checks = [i for i in inst.items() if i.role == ItemRole.attention_check and i.id in items]
    fails = pd.Series(0, index=items.index, dtype=int)
    counted = pd.Series(0, index=items.index, dtype=int)
    for item in checks:
        v = items[item.id]
        answered = v.notna()
        fails += (answered & ~v.isin(item.expected)).astype(int)
        counted += answered.astype(int)
        if missing_fails:
            fails += (~answered).astype(int)
            counted += (~answered).astype(int)
    return fails, counted


def longstring(items: pd.DataFrame, inst: Instrument,
               orders: Sequence[list[str] | None] | None = None) -> tuple[pd.Series, pd.Series]:
    """(longest run of identical consecutive answers, answered ordinal items) per respondent.

    The run follows each respondent's display order when given, else the survey order; only
    ordinal items count and an unanswered item ends a run.
    """
    ordinal = {i.id for i in inst.items() if inst.item_scale(i).kind in ORDINAL_KINDS
               and i.id in items}
    default = [i for i in _survey_order(inst) if i in ordinal]
    col = {c: k for k, c in enumerate(items.columns)}
    X = items.to_numpy(dtype=float)
    runs = np.zeros(len(items), dtype=int)
    answered = np.zeros(len(items), dtype=int)
    for r in range(len(items)):
        order = orders[r] if orders is not None and orders[r] else default
        seq = [X[r, col[i]] for i in order if i in ordinal]
        if orders is not None and orders[r]:  # items not shown in the order come last
            shown = set(order)
            seq += [X[r, col[i]] for i in default if i not in shown]
        best = cur = 0
        prev = math.nan
        for v in seq:
            if math.isnan(v):
                cur = 0
            elif v == prev:
                cur += 1
            else:
                cur = 1
            prev = v
            best = max(best, cur)
        runs[r] = best
        answered[r] = sum(not math.isnan(v) for v in seq)
    return pd.Series(runs, index=items.index), pd.Series(answered, index=items.index)


def _measurement_ids(inst: Instrument, items: pd.DataFrame) -> list[str]:
    return [i.id for c in inst.measured_constructs() for i in inst.measurement_items(c)
            if i.id in items and inst.item_scale(i).kind in ORDINAL_KINDS]


def _rescaled(items: pd.DataFrame, inst: Instrument, ids: list[str],
              reverse: bool) -> pd.DataFrame:
    out = {}
    for iid in ids:
        s = inst.item_scale(iid)
        x = items[iid].astype(float)
        if reverse and inst.item(iid).keyed == "minus":
            x = s.reverse(x)
        out[iid] = (x - s.min) / (s.max - s.min)
    return pd.DataFrame(out, index=items.index)


def irv(items: pd.DataFrame, inst: Instrument) -> pd.Series:
    """Within-person SD of the (raw) measurement-item answers rescaled to 0-1 (Dunn et al.
    2018); NaN with fewer than 3 answers."""
    ids = _measurement_ids(inst, items)
    X = _rescaled(items, inst, ids, reverse=False)
    sd = X.std(axis=1, ddof=0)
    return sd.where(X.notna().sum(axis=1) >= 3)


def mahalanobis(items: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """D^2, df and chi-square p per respondent over the measurement items each answered."""
    ids = _measurement_ids(inst, items)
    X = items[ids].to_numpy(dtype=float)
    n, k = X.shape
    complete = ~np.isnan(X).any(axis=1)
    if complete.sum() > 2 * k + 10:
        mu = X[complete].mean(axis=0)
        S = np.cov(X[complete], rowvar=False)
    else:
        frame = pd.DataFrame(X)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mu = np.nan_to_num(np.nanmean(X, axis=0))
        S = frame.cov(min_periods=3).to_numpy()
        S = np.nan_to_num(S)
        w, V = np.linalg.eigh(S)
        S = (V * np.clip(w, 1e-6, None)) @ V.T
    d2 = np.full(n, np.nan)
    df = np.zeros(n, dtype=int)
    patterns: dict[bytes, list[int]] = {}
    for r in range(n):
        patterns.setdefault((~np.isnan(X[r])).tobytes(), []).append(r)
    for key, rows in patterns.items():
        obs = np.frombuffer(key, dtype=bool)
        if obs.sum() < 3:
            continue
        sub = S[np.ix_(obs, obs)]
        try:
            inv = np.linalg.pinv(sub, hermitian=True)
        except np.linalg.LinAlgError:
            continue
        D = X[np.ix_(rows, np.flatnonzero(obs))] - mu[obs]
        d2[rows] = np.einsum("ij,jk,ik->i", D, inv, D)
        df[rows] = int(obs.sum())
    p = np.where(df > 0, stats.chi2.sf(d2, np.maximum(df, 1)), np.nan)
    return pd.DataFrame({"mahalanobis_d2": d2, "mahalanobis_df": df, "mahalanobis_p": p},
                        index=items.index)


def even_odd(items: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """Spearman-Brown corrected even-odd consistency and the number of constructs used."""
    odd_cols, even_cols = [], []
    for c in inst.measured_constructs():
        ids = [i.id for i in inst.measurement_items(c) if i.id in items
               and inst.item_scale(i).kind in ORDINAL_KINDS]
        if len(ids) < 2:
            continue
        X = _rescaled(items, inst, ids, reverse=True)
        odd_cols.append(X[ids[0::2]].mean(axis=1))
        even_cols.append(X[ids[1::2]].mean(axis=1))
    if not odd_cols:
        nan = pd.Series(np.nan, index=items.index)
        return pd.DataFrame({"even_odd": nan, "even_odd_constructs": 0}, index=items.index)
    A = np.column_stack(odd_cols)
    B = np.column_stack(even_cols)
    ok = ~(np.isnan(A) | np.isnan(B))
    m = ok.sum(axis=1)
    r = np.full(len(items), np.nan)
    for j in range(len(items)):
        a, b = A[j, ok[j]], B[j, ok[j]]
        if len(a) >= 2 and a.std() > 0 and b.std() > 0:
            r[j] = np.corrcoef(a, b)[0, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        sb = np.where(r > 0, 2 * r / (1 + r), r)  # negative r is reported uncorrected
    return pd.DataFrame({"even_odd": sb, "even_odd_constructs": m}, index=items.index)


def duplicates(items: pd.DataFrame) -> pd.Series:
    """Id of the first earlier respondent with an identical answer pattern, else None."""
    first: dict[tuple, str] = {}
    out = []
    for rid, row in zip(items.index, items.to_numpy(dtype=float), strict=True):
        key = tuple(np.where(np.isnan(row), -np.inf, row))
        out.append(first.get(key))
        first.setdefault(key, rid)
    return pd.Series(out, index=items.index, dtype=object)


# ---- the screen ----------------------------------------------------------------------------------


def screen(data: ResponseData | pd.DataFrame, instrument: Instrument | str,
           settings: ScreeningSettings | None = None, **kwargs) -> ScreeningResult:
    """Compute every rule's index, flag and exclude by ``settings`` (see the module doc).

    Nothing is dropped silently: the result holds every respondent's flags and indices, and
    :meth:`ScreeningResult.kept` gives the data without the excluded ones.

    Parameters
    ----------
    data : ResponseData or DataFrame
        The responses; a bare DataFrame of item codes (columns = item ids) has no completion
        times or display orders, so the speeder rule is not applied.
    instrument : Instrument or str
        The instrument answered, or a bundled name or YAML path.
    settings : ScreeningSettings or None
        Cut-offs and the exclusion rule (default: :class:`ScreeningSettings()`).
    **kwargs
        :class:`ScreeningSettings` fields, overriding those of ``settings``.

    Returns
    -------
    ScreeningResult
        ``flags`` (one boolean column per rule, ``n_flags``, ``excluded``), ``metrics`` (the
        index behind each flag), counts (``n_read``, ``n_flagged``, ``n_excluded``,
        ``n_kept``), ``notes`` on rules that could not be applied, and :meth:`kept`.

    Examples
    --------
    >>> from analysis import SimulationSettings, simulate
    >>> data = simulate("five_commitments",
    ...                 SimulationSettings(n=200, seed=1, straightliners=0.05)).data
    >>> result = screen(data, "five_commitments")
    >>> result.n_read, result.n_flagged["irv"], result.n_excluded, result.n_kept
    (200, 10, 12, 188)
    >>> result.kept().n
    188
    """
    if isinstance(instrument, Instrument):
        inst = instrument
    else:
        from instruments.loader import load_instrument

        inst = load_instrument(instrument)
    s = settings or ScreeningSettings(**kwargs)
    if settings is not None and kwargs:
        s = ScreeningSettings(**{**asdict(settings), **kwargs})
    s.check()
    rd = data if isinstance(data, ResponseData) else None
    items = data.items if rd is not None else data
    meta = rd.meta if rd is not None else None
    notes: list[str] = []
    off: dict[str, str] = {}  # rule -> why it was not applied
    idx = items.index
    flags = pd.DataFrame(False, index=idx, columns=list(RULES))
    metrics: dict[str, pd.Series] = {}
    # attention checks
    fails, counted = attention_failures(items, inst, s.attention_missing_fails)
    metrics["attention_failures"], metrics["attention_checks"] = fails, counted
    if counted.sum() == 0:
        off["attention"] = "no answered attention checks in the instrument or data"
        notes.append("attention: the instrument or data have no answered attention checks; "
                     "rule not applied")
    else:
        flags["attention"] = fails > s.attention_max_failures
    # speeders
    dur = meta["duration_s"].astype(float) if meta is not None and "duration_s" in meta \
        else pd.Series(np.nan, index=idx)
    median = float(dur.median()) if dur.notna().any() else math.nan
    metrics["duration_s"] = dur
    metrics["speed_ratio"] = dur / median if median and not math.isnan(median) else dur * np.nan
    if s.speed_fraction is None:
        off["speeder"] = "switched off in the settings"
    else:
        if dur.notna().sum() == 0:
            off["speeder"] = "no completion times in the data"
            notes.append("speeder: no completion times in the data; rule not applied")
        else:
            flags["speeder"] = (dur < s.speed_fraction * median).fillna(False)
            if dur.isna().any():
                notes.append(f"speeder: {int(dur.isna().sum())} respondent(s) without a "
                             "completion time are not judged")
    # longstring
    orders = meta["display_order"].tolist() if meta is not None and "display_order" in meta \
        else None
    ls, n_ord = longstring(items, inst, orders)
    metrics["longest_run"], metrics["ordinal_answered"] = ls, n_ord
    if s.longstring_max is not None:
        flags["longstring"] = ls > s.longstring_max
    elif s.longstring_fraction is not None:
        flags["longstring"] = (ls > s.longstring_fraction * n_ord) & (n_ord >= 4)
    else:
        off["longstring"] = "switched off in the settings"
    # IRV
    v = irv(items, inst)
    metrics["irv_sd"] = v
    if s.irv_min is not None:
        flags["irv"] = (v < s.irv_min).fillna(False)
    if s.irv_max is not None:
        flags["irv"] = flags["irv"] | (v > s.irv_max).fillna(False)
    if s.irv_min is None and s.irv_max is None:
        off["irv"] = "switched off in the settings"
    elif v.isna().all():
        off["irv"] = "no respondent answered three or more measurement items"
    # Mahalanobis
    md = mahalanobis(items, inst)
    for c in md:
        metrics[c] = md[c]
    if s.mahalanobis_alpha is not None:
        flags["mahalanobis"] = (md["mahalanobis_p"] < s.mahalanobis_alpha).fillna(False)
        if md["mahalanobis_p"].isna().all():
            off["mahalanobis"] = "no respondent answered three or more measurement items"
    else:
        off["mahalanobis"] = "switched off in the settings"
    # even-odd
    eo = even_odd(items, inst)
    metrics["even_odd_r"] = eo["even_odd"]
    metrics["even_odd_constructs"] = eo["even_odd_constructs"]
    if s.even_odd_min is not None:
        enough = eo["even_odd_constructs"] >= s.even_odd_min_constructs
        if not enough.any():
            off["even_odd"] = (f"fewer than {s.even_odd_min_constructs} constructs with two or "
                               "more items answered")
            notes.append(f"even_odd: fewer than {s.even_odd_min_constructs} constructs with two "
                         "or more items answered; rule not applied")
        flags["even_odd"] = (enough & (eo["even_odd"] < s.even_odd_min)).fillna(False)
    else:
        off["even_odd"] = "switched off in the settings"
    # duplicates
    dup = duplicates(items)
    metrics["duplicate_of"] = dup
    if s.duplicate_min_items is not None:
        flags["duplicate"] = dup.notna() & (items.notna().sum(axis=1) >= s.duplicate_min_items)
    else:
        off["duplicate"] = "switched off in the settings"
    flags = flags.astype(bool)
    flags["n_flags"] = flags[list(RULES)].sum(axis=1).astype(int)
    n_ex = flags[list(s.exclude_rules)].sum(axis=1) if s.exclude_rules else 0
    flags["excluded"] = (n_ex >= s.min_flags) if s.exclude_rules else False
    flags["excluded"] = flags["excluded"].astype(bool)
    return ScreeningResult(flags=flags, metrics=pd.DataFrame(metrics, index=idx), settings=s,
                           data=rd, notes=notes, not_applied=off)
