"""Scoring: reverse keys, scale scores, NPS, 0-100 indices and Dick & Basu loyalty segments.

Everything is driven by the instrument: reverse keying uses each item's *declared* scale
(``min + max - x``, never the observed range), scale scores are computed for the measured
constructs, and the summary scores come from the instrument's ``scoring`` rules
(:class:`~instruments.schema.NPSRule`, :class:`~instruments.schema.Index100Rule`,
:class:`~instruments.schema.DickBasuRule`), whatever the instrument.

* **Scale score**: the mean of a construct's measurement items after reverse keying, for
  respondents who answered at least ``min_answered`` (default 2/3) of them, else missing.
* **NPS** (Reichheld 2003): on the 0-10 likelihood-to-recommend item, promoters answer 9-10,
  passives 7-8, detractors 0-6; NPS = % promoters - % detractors. Its standard error is that
  of a difference of two multinomial proportions, ``sqrt((p_P + p_D - (p_P - p_D)^2) / n)``
  (x 100), with a normal-approximation confidence interval.
* **0-100 index** (the ACSI-style index, Fornell et al. 1996): each item is rescaled to 0-100
  from its declared scale, ``100 (x - min) / (max - min)``, and averaged with the rule's
  weights (equal when none; renormalised over answered items; ``min_answered`` applies).
* **Dick & Basu (1994) segments**: relative attitude x repeat patronage, each split at a
  cut-point (sample median by default, or the scale midpoint); *high* means above the cut
  (ties count as low). High/high = premium loyalty (Dick & Basu's "loyalty"), high attitude /
  low patronage = latent loyalty, low attitude / high patronage = spurious loyalty (inertia),
  low/low = no loyalty.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from analysis.arguments import check_level, renamed, renamed_fields
from analysis.responses.data import ResponseData
from instruments.errors import EngagekitInputError
from instruments.plain import to_plain
from instruments.schema import (
    ORDINAL_KINDS,
    DickBasuRule,
    Index100Rule,
    Instrument,
    NPSRule,
)

SEGMENTS = ("premium_loyalty", "latent_loyalty", "spurious_loyalty", "no_loyalty")
NPS_GROUPS = ("promoter", "passive", "detractor")


class ScoringError(EngagekitInputError):
    """Responses or settings that cannot be scored as asked."""

    code = "scoring_input"


@renamed_fields(confidence="level")
@dataclass(frozen=True)
class ScoringSettings:
    """Settings of :func:`score_responses`.

    Parameters
    ----------
    min_answered : float, default 2/3
        Fraction in (0, 1] of a construct's items a respondent must have answered for a
        scale score (and of an index rule's items for its 0-100 index); else it is missing.
    cut : {"rule", "median", "midpoint"}, default "rule"
        The Dick & Basu split: ``"rule"`` uses the instrument rule's own ``cut``;
        ``"median"`` (sample median) or ``"midpoint"`` (of the declared scale) override it.
    attitude_cut, patronage_cut : float or None
        Explicit cut-points for relative attitude and repeat patronage, overriding ``cut``.
    level : float, default 0.95
        Confidence level of the NPS and index intervals, in (0, 1) (``confidence`` is its
        deprecated name).

    Examples
    --------
    >>> from analysis import SimulationSettings, simulate
    >>> data = simulate("five_commitments", SimulationSettings(n=300, seed=1)).data
    >>> scores = score_responses(data, "five_commitments", ScoringSettings(cut="midpoint"))
    >>> segments = scores.segments["loyalty_segment"]
    >>> segments.cut, segments.counts["premium_loyalty"]
    ('midpoint', 126)
    """

    min_answered: float = 2 / 3
    cut: Literal["rule", "median", "midpoint"] = "rule"
    attitude_cut: float | None = None
    patronage_cut: float | None = None
    level: float = 0.95

    def __post_init__(self) -> None:
        check_level(self.level, error=ScoringError)


@dataclass
class NPSResult:
    """Net Promoter Score of one rule (percentages 0-100)."""

    id: str
    item: str
    n: int
    n_promoters: int
    n_passives: int
    n_detractors: int
    pct_promoters: float
    pct_passives: float
    pct_detractors: float
    nps: float
    se: float
    ci_low: float
    ci_high: float
    confidence: float

    def to_dict(self) -> dict:
        return to_plain(asdict(self))


@dataclass
class IndexResult:
    """A 0-100 index (e.g. ACSI-style satisfaction) summarised over respondents."""

    id: str
    items: list[str]
    weights: list[float]
    n: int
    mean: float
    sd: float
    se: float
    ci_low: float
    ci_high: float
    confidence: float

    def to_dict(self) -> dict:
        return to_plain(asdict(self))


@dataclass
class SegmentResult:
    """Dick & Basu loyalty segments: cut-points used and segment sizes."""

    id: str
    attitude: str
    patronage: str
    cut: str
    attitude_cut: float
    patronage_cut: float
    n: int
    n_unsegmented: int
    counts: dict[str, int]
    percent: dict[str, float]

    def to_dict(self) -> dict:
        return to_plain(asdict(self))


@dataclass
class Scores:
    """Per-respondent scores (``scores``) and the summaries of every scoring rule."""

    scores: pd.DataFrame
    scale_scores: list[str]
    nps: dict[str, NPSResult] = field(default_factory=dict)
    indices: dict[str, IndexResult] = field(default_factory=dict)
    segments: dict[str, SegmentResult] = field(default_factory=dict)
    settings: ScoringSettings = field(default_factory=ScoringSettings)

    def summary(self) -> str:
        lines = [f"{len(self.scores)} respondents; scale scores: "
                 + ", ".join(self.scale_scores)]
        for r in self.nps.values():
            lines.append(f"{r.id}: NPS {r.nps:+.1f} (95% CI {r.ci_low:+.1f} to {r.ci_high:+.1f}; "
                         f"promoters {r.pct_promoters:.1f}%, passives {r.pct_passives:.1f}%, "
                         f"detractors {r.pct_detractors:.1f}%; n = {r.n})")
        for r in self.indices.values():
            lines.append(f"{r.id}: {r.mean:.1f} on 0-100 (SD {r.sd:.1f}; CI {r.ci_low:.1f} to "
                         f"{r.ci_high:.1f}; n = {r.n})")
        for r in self.segments.values():
            sizes = ", ".join(f"{k.replace('_', ' ')} {r.counts[k]} ({r.percent[k]:.1f}%)"
                              for k in SEGMENTS)
            lines.append(f"{r.id} ({r.attitude} x {r.patronage}, {r.cut} split at "
                         f"{r.attitude_cut:g} / {r.patronage_cut:g}): {sizes}; "
                         f"not segmented {r.n_unsegmented}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return to_plain({"scores": self.scores, "scale_scores": list(self.scale_scores),
                         "nps": {k: v.to_dict() for k, v in self.nps.items()},
                         "indices": {k: v.to_dict() for k, v in self.indices.items()},
                         "segments": {k: v.to_dict() for k, v in self.segments.items()},
                         "settings": asdict(self.settings)}, frames="split")


# ---- building blocks ----------------------------------------------------------------------------


def _items_frame(data: ResponseData | pd.DataFrame) -> pd.DataFrame:
    return data.items if isinstance(data, ResponseData) else data


def reverse_keyed(items: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """A copy with every ``keyed: minus`` item reversed from its declared scale.

    A reverse-keyed answer ``x`` becomes ``min + max - x`` with ``min`` and ``max`` of the
    item's *declared* scale, never of the observed answers.

    Parameters
    ----------
    items : DataFrame
        Item codes, one column per item id (other columns are copied unchanged).
    inst : Instrument
        The instrument, whose items say which are ``keyed: minus`` and on which scale.

    Returns
    -------
    DataFrame
        A float copy of ``items`` with the minus-keyed items reversed.

    Examples
    --------
    >>> import pandas as pd
    >>> from instruments import load_instrument
    >>> inst = load_instrument("five_commitments")  # aff_04r is minus-keyed, on 1..7
    >>> items = pd.DataFrame({"aff_01": [7, 2], "aff_04r": [2, 7]})
    >>> reverse_keyed(items, inst).to_dict("list")
    {'aff_01': [7.0, 2.0], 'aff_04r': [6.0, 1.0]}
    """
    out = items.astype(float).copy()
    for item in inst.items():
        if item.keyed == "minus" and item.id in out:
            out[item.id] = inst.item_scale(item).reverse(out[item.id])
    return out


def _needed(k: int, fraction: float) -> int:
    return max(1, math.ceil(fraction * k - 1e-9))


def _check_fraction(fraction: float) -> None:
    if not 0 < fraction <= 1:
        raise ScoringError(f"min_answered is a fraction in (0, 1] (got {fraction})")


def scale_scores(data: ResponseData | pd.DataFrame, inst: Instrument,
                 min_answered: float = 2 / 3) -> pd.DataFrame:
    """Mean of each measured construct's (reverse-keyed) measurement items per respondent.

    A respondent needs ``ceil(min_answered * k)`` of the construct's ``k`` items answered;
    otherwise the score is missing. Items of one construct must share a scale range.

    Parameters
    ----------
    data : ResponseData or DataFrame
        The responses, or their item codes (columns = item ids), *not* yet reverse-keyed.
    inst : Instrument
        The instrument, which defines the constructs, their items and the reverse keys.
    min_answered : float, default 2/3
        Fraction in (0, 1] of a construct's items that must be answered.

    Returns
    -------
    DataFrame
        One row per respondent (same index as the items), one column per measured construct.

    Raises
    ------
    ScoringError
        An item of a construct has no column, or a construct mixes scale ranges.

    Examples
    --------
    >>> from analysis import SimulationSettings, simulate
    >>> from instruments import load_instrument
    >>> inst = load_instrument("five_commitments")
    >>> data = simulate(inst, SimulationSettings(n=5, seed=1)).data
    >>> scores = scale_scores(data, inst)
    >>> list(scores.columns[:3])
    ['affective', 'normative', 'economic']
    >>> items = reverse_keyed(data.items, inst)[["aff_01", "aff_02", "aff_03", "aff_04r"]]
    >>> bool((items.mean(axis=1) == scores["affective"]).all())
    True
    """
    _check_fraction(min_answered)
    items = reverse_keyed(_items_frame(data), inst)
    out = {}
    for c in inst.measured_constructs():
        ids = [i.id for i in inst.measurement_items(c)]
        ranges = {(inst.item_scale(i).min, inst.item_scale(i).max) for i in ids}
        if len(ranges) > 1:
            raise ScoringError(f"construct '{c.id}' mixes scales with different ranges "
                               f"{sorted(ranges)}; a mean of its items is not meaningful "
                               "(give its items one range, or score it with an index_0_100 rule)")
        missing = [i for i in ids if i not in items]
        if missing:
            raise ScoringError(f"the responses have no column for item(s) {', '.join(missing)} "
                               f"of construct '{c.id}'")
        block = items[ids]
        answered = block.notna().sum(axis=1)
        out[c.id] = block.mean(axis=1).where(answered >= _needed(len(ids), min_answered))
    return pd.DataFrame(out, index=items.index)


def _ci(est: float, se: float, level: float) -> tuple[float, float]:
    z = stats.norm.ppf(0.5 + level / 2)
    return est - z * se, est + z * se


def nps_groups(values: pd.Series) -> pd.Series:
    """promoter (9-10), passive (7-8), detractor (0-6) or None (missing) per respondent."""
    v = values.astype(float)
    out = np.full(len(v), None, dtype=object)
    out[(v >= 9).to_numpy()] = "promoter"
    out[((v >= 7) & (v < 9)).to_numpy()] = "passive"
    out[(v <= 6).to_numpy()] = "detractor"
    return pd.Series(out, index=v.index, dtype=object)


@renamed(confidence="level")
def net_promoter(values: pd.Series, rule_id: str = "nps", item: str = "",
                 level: float = 0.95) -> NPSResult:
    """NPS of 0-10 answers (Reichheld 2003) with its multinomial standard error."""
    level = check_level(level, error=ScoringError)
    g = nps_groups(values)
    n = int(g.notna().sum())
    counts = {k: int((g == k).sum()) for k in NPS_GROUPS}
    if n == 0:
        nan = float("nan")
        return NPSResult(rule_id, item, 0, 0, 0, 0, nan, nan, nan, nan, nan, nan, nan,
                         level)
    pp, pd_ = counts["promoter"] / n, counts["detractor"] / n
    est = 100 * (pp - pd_)
    se = 100 * math.sqrt(max(0.0, pp + pd_ - (pp - pd_) ** 2) / n)
    lo, hi = _ci(est, se, level)
    return NPSResult(rule_id, item, n, counts["promoter"], counts["passive"],
                     counts["detractor"], 100 * pp, 100 * counts["passive"] / n, 100 * pd_,
                     est, se, max(-100.0, lo), min(100.0, hi), level)


def index_0_100(data: ResponseData | pd.DataFrame, inst: Instrument, rule: Index100Rule,
                min_answered: float = 2 / 3) -> pd.Series:
    """Per-respondent 0-100 index of a rule (weights renormalised over answered items)."""
    _check_fraction(min_answered)
    items = reverse_keyed(_items_frame(data), inst)
    missing = [i for i in rule.items if i not in items]
    if missing:
        raise ScoringError(f"index '{rule.id}' needs item(s) {', '.join(missing)}, which the "
                           "responses do not have")
    w = np.asarray(rule.weights if rule.weights is not None else [1.0] * len(rule.items),
                   dtype=float)
    if (w < 0).any() or w.sum() <= 0:
        raise ScoringError(f"index '{rule.id}' needs non-negative weights with a positive sum")
    scaled = []
    for iid in rule.items:
        s = inst.item_scale(iid)
        scaled.append(100 * (items[iid] - s.min) / (s.max - s.min))
    X = pd.concat(scaled, axis=1).to_numpy(dtype=float)
    answered = ~np.isnan(X)
    wsum = (answered * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        val = np.nansum(X * w, axis=1) / wsum
    ok = answered.sum(axis=1) >= _needed(len(rule.items), min_answered)
    return pd.Series(np.where(ok & (wsum > 0), val, np.nan), index=items.index, name=rule.id)


def _summary_index(values: pd.Series, rule: Index100Rule, level: float) -> IndexResult:
    v = values.dropna()
    n = len(v)
    w = rule.weights if rule.weights is not None else [1.0] * len(rule.items)
    total = float(sum(w))
    mean = float(v.mean()) if n else float("nan")
    sd = float(v.std(ddof=1)) if n > 1 else float("nan")
    se = sd / math.sqrt(n) if n > 1 else float("nan")
    lo, hi = _ci(mean, se, level)
    return IndexResult(rule.id, list(rule.items), [x / total for x in w], n, mean, sd, se,
                       lo, hi, level)


def _basis(ref: str, inst: Instrument, items: pd.DataFrame, scores: pd.DataFrame
           ) -> tuple[pd.Series, float]:
    """Values of a construct (scale score) or item (scored value) and its scale midpoint."""
    construct_ids = {c.id for c in inst.constructs}
    if ref in construct_ids:
        if ref not in scores:
            raise ScoringError(f"construct '{ref}' has no scale score (only predictor, "
                               "mediator and outcome constructs are scored)")
        c = inst.construct(ref)
        s = inst.item_scale(inst.measurement_items(c)[0])
        return scores[ref], (s.min + s.max) / 2
    s = inst.item_scale(ref)
    if s.kind not in ORDINAL_KINDS and (s.min is None or s.max is None):
        raise ScoringError(f"item '{ref}' is on scale '{s.id}' ({s.kind.value}), which has no "
                           "order; Dick & Basu needs an ordered attitude and patronage measure")
    if ref not in items:
        raise ScoringError(f"the responses have no column for item '{ref}'")
    return items[ref], (s.min + s.max) / 2


def dick_basu(attitude: pd.Series, patronage: pd.Series, *, attitude_cut: float,
              patronage_cut: float, rule_id: str = "loyalty_segment", attitude_id: str = "",
              patronage_id: str = "", cut: str = "median") -> tuple[pd.Series, SegmentResult]:
    """Segments from attitude and patronage split at the given cut-points (high = above)."""
    both = attitude.notna() & patronage.notna()
    hi_a = attitude > attitude_cut
    hi_p = patronage > patronage_cut
    out = np.full(len(attitude), None, dtype=object)
    for name, mask in (("premium_loyalty", both & hi_a & hi_p),
                       ("latent_loyalty", both & hi_a & ~hi_p),
                       ("spurious_loyalty", both & ~hi_a & hi_p),
                       ("no_loyalty", both & ~hi_a & ~hi_p)):
        out[mask.to_numpy()] = name
    seg = pd.Series(out, index=attitude.index, dtype=object)
    n = int(both.sum())
    counts = {k: int((seg == k).sum()) for k in SEGMENTS}
    percent = {k: (100 * v / n if n else float("nan")) for k, v in counts.items()}
    res = SegmentResult(rule_id, attitude_id, patronage_id, cut, float(attitude_cut),
                        float(patronage_cut), n, int((~both).sum()), counts, percent)
    return seg, res


def score_responses(data: ResponseData | pd.DataFrame, instrument: Instrument | str,
                    settings: ScoringSettings | None = None, **kwargs) -> Scores:
    """Scale scores of every measured construct and every scoring rule of the instrument.

    The rules (scale means, NPS, 0-100 indices, Dick & Basu segments) and their references
    are in the module docstring; which of them apply is decided by the instrument's
    ``scoring`` section.

    Parameters
    ----------
    data : ResponseData or DataFrame
        The responses, or their item codes (columns = item ids), not yet reverse-keyed.
    instrument : Instrument or str
        The instrument answered, or a bundled name or YAML path.
    settings : ScoringSettings or None
        Scoring choices (default: :class:`ScoringSettings()`).
    **kwargs
        :class:`ScoringSettings` fields, overriding those of ``settings``.

    Returns
    -------
    Scores
        ``scores`` (one row per respondent: each scale score, then each rule's column such
        as ``nps_group``, an index or a segment), ``scale_scores`` (the construct columns) and
        the summaries ``nps``, ``indices`` and ``segments`` keyed by rule id.

    Examples
    --------
    >>> from analysis import SimulationSettings, simulate
    >>> data = simulate("five_commitments", SimulationSettings(n=300, seed=1)).data
    >>> scores = score_responses(data, "five_commitments")
    >>> list(scores.scores.columns[-3:])
    ['nps_group', 'acsi', 'loyalty_segment']
    >>> round(scores.nps["nps"].nps, 1), scores.nps["nps"].n
    (-14.0, 300)
    """
    if isinstance(instrument, Instrument):
        inst = instrument
    else:
        from instruments.loader import load_instrument

        inst = load_instrument(instrument)
    s = settings or ScoringSettings(**kwargs)
    if settings is not None and kwargs:
        s = ScoringSettings(**{**asdict(settings), **kwargs})
    if s.cut not in ("rule", "median", "midpoint"):
        raise ScoringError(f"cut must be 'rule', 'median' or 'midpoint' (got '{s.cut}')")
    items = _items_frame(data)
    scored = reverse_keyed(items, inst)
    scales = scale_scores(items, inst, s.min_answered)
    cols: dict[str, pd.Series] = {c: scales[c] for c in scales}
    result = Scores(scores=pd.DataFrame(index=items.index), scale_scores=list(scales.columns),
                    settings=s)
    for rule in inst.scoring:
        if isinstance(rule, NPSRule):
            if rule.item not in items:
                raise ScoringError(f"NPS rule '{rule.id}' needs item '{rule.item}', which the "
                                   "responses do not have")
            cols[f"{rule.id}_group"] = nps_groups(items[rule.item])
            result.nps[rule.id] = net_promoter(items[rule.item], rule.id, rule.item,
                                               s.level)
        elif isinstance(rule, Index100Rule):
            values = index_0_100(items, inst, rule, s.min_answered)
            cols[rule.id] = values
            result.indices[rule.id] = _summary_index(values, rule, s.level)
        elif isinstance(rule, DickBasuRule):
            att, att_mid = _basis(rule.attitude, inst, scored, scales)
            pat, pat_mid = _basis(rule.patronage, inst, scored, scales)
            how = rule.cut if s.cut == "rule" else s.cut
            both = att.notna() & pat.notna()
            if how == "median":  # NaN when nobody has both: then nobody is segmented
                a_cut, p_cut = float(att[both].median()), float(pat[both].median())
            else:
                a_cut, p_cut = att_mid, pat_mid
            if s.attitude_cut is not None:
                a_cut = s.attitude_cut
            if s.patronage_cut is not None:
                p_cut = s.patronage_cut
            if s.attitude_cut is not None or s.patronage_cut is not None:
                how = "explicit" if (s.attitude_cut is not None and s.patronage_cut
                                     is not None) else f"{how}/explicit"
            seg, res = dick_basu(att, pat, attitude_cut=a_cut, patronage_cut=p_cut,
                                 rule_id=rule.id, attitude_id=rule.attitude,
                                 patronage_id=rule.patronage, cut=how)
            cols[rule.id] = seg
            result.segments[rule.id] = res
    result.scores = pd.DataFrame(cols, index=items.index)
    return result
