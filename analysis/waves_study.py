"""A tracking study in one call: waves stacked (:mod:`analysis.responses.waves`) -> each wave
screened and scored -> levels and changes across waves (:mod:`analysis.structural.tracking`)
-> the results' ``waves`` section; the rest of the study on the last wave.

**What runs on which data.** Screening runs per wave (each wave's own Mahalanobis distances,
response-time and attention rules, counted per wave). The tracking (means, NPS, indices and
their changes) uses every wave's analysed respondents. The rest of the study (reliability, CFA,
validity, the structural model, drivers, segments, group comparisons) runs on the *last* wave:
the current state of the measures, with one answer per respondent (a panel member's answers
in several waves are not independent observations, so stacking them would understate every
standard error), and the numbers a tracking report's reader compares with the previous
report. The results say so (``waves.basis``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.psychometrics.wave_invariance import (
    WaveInvarianceSettings,
    analysed_rows,
    invariance_across_waves,
)
from analysis.responses.scoring import score_responses
from analysis.responses.screening import screen
from analysis.responses.waves import WaveStack, wave_combinations
from analysis.structural.tracking import nps_values, track
from analysis.study import StudySettings, run_study
from instruments.plain import to_plain
from instruments.schema import Index100Rule, Instrument, NPSRule

__all__ = ["run_wave_study", "wave_results", "wave_values"]


def wave_values(stack: WaveStack, inst: Instrument, settings: StudySettings | None = None
                ) -> tuple[pd.DataFrame, dict[str, dict[str, Any]], list[dict[str, Any]],
                           pd.Index]:
    """Screen and score each wave; return the per-respondent measures of the analysed rows.

    Returns ``(values, measures, screening, analysed)``: ``values`` indexed by the stack's row
    keys (one column per scale score, NPS rule as +100/0/-100, 0-100 index), ``measures``
    ``{column: {"id", "name", "kind", ...}}``, one screening count row per wave, and the row
    keys analysed (kept after screening, or everyone with ``exclude_flagged=False``).
    """
    s = settings or StudySettings()
    lang = inst.default_language
    frames = []
    counts = []
    analysed: list[str] = []
    for w in stack.waves:
        sc = screen(w.data, inst, s.screening)
        kept = sc.kept() if s.exclude_flagged else w.data
        scores = score_responses(kept, inst, s.scoring)
        cols: dict[str, pd.Series] = {c: scores.scores[c] for c in scores.scale_scores}
        for rule in inst.scoring:
            if isinstance(rule, NPSRule) and rule.item in kept.items:
                cols[rule.id] = nps_values(kept.items[rule.item])
            elif isinstance(rule, Index100Rule) and rule.id in scores.scores:
                cols[rule.id] = scores.scores[rule.id]
        f = pd.DataFrame(cols)
        f.index = pd.Index([f"{w.label}:{rid}" for rid in f.index], dtype=object)
        frames.append(f)
        analysed += list(f.index)
        src = w.data.source
        counts.append({"wave": w.label, "file": w.file, "n_rows": int(src.n_rows),
                       "n_dropped": int(sum(src.dropped.values())), "n_read": w.n,
                       "n_flagged": sc.n_flagged_any,
                       "n_excluded": sc.n_excluded if s.exclude_flagged else 0,
                       "n_analysed": kept.n,
                       "excluded_by": sc.n_excluded_by if s.exclude_flagged else {},
                       "not_applied": dict(sc.not_applied)})
    values = pd.concat(frames)
    measures: dict[str, dict[str, Any]] = {}
    for c in inst.measured_constructs():
        if c.id in values:
            lo, hi = _bounds(inst, c)
            measures[c.id] = {"id": c.id, "name": inst.construct_name(c, lang), "kind": "scale",
                              "min": lo, "max": hi}
    for rule in inst.scoring:
        if rule.id not in values:
            continue
        if isinstance(rule, NPSRule):
            measures[rule.id] = {"id": rule.id, "name": f"NPS ({rule.item})", "kind": "nps",
                                 "item": rule.item, "min": -100.0, "max": 100.0}
        elif isinstance(rule, Index100Rule):
            measures[rule.id] = {"id": rule.id, "name": f"{rule.id.upper()} index (0-100)",
                                 "kind": "index", "items": list(rule.items), "min": 0.0,
                                 "max": 100.0}
    values = values[[m for m in measures]]
    return values, measures, counts, pd.Index(analysed, dtype=object)


def _bounds(inst: Instrument, c) -> tuple[float, float]:
    s = inst.item_scale(inst.measurement_items(c)[0])
    return float(s.min), float(s.max)


def _unrelated_links(values: pd.DataFrame, measures: dict[str, dict[str, Any]],
                     wave: pd.Series, person: pd.Series, labels: list[str],
                     min_pairs: int = 30, threshold: float = 0.1) -> str | None:
    """A warning when the respondents linked by id between consecutive waves answer as if
    unrelated: the median, over the scale scores, of the Pearson correlation between the two
    waves' scores of the same ids is below ``threshold`` for every pair of waves with at
    least ``min_pairs`` linked respondents. The same person's commitment and loyalty scores
    correlate strongly from one wave to the next; near zero, the ids most likely do not
    identify persons (independent samples numbered from 1 in each wave), and the paired tests,
    the longitudinal invariance and the cross-lagged models would treat strangers as one
    person. None otherwise."""
    scales = [k for k, m in measures.items() if m["kind"] == "scale" and k in values]
    if not scales:
        return None
    frame = values[scales].assign(_wave=wave.to_numpy(), _person=person.to_numpy())
    found = []
    for a, b in zip(labels[:-1], labels[1:], strict=True):
        x = frame[frame["_wave"] == a].set_index("_person")[scales]
        y = frame[frame["_wave"] == b].set_index("_person")[scales]
        ids = x.index.intersection(y.index)
        if len(ids) < min_pairs:
            continue
        r = [x.loc[ids, c].corr(y.loc[ids, c]) for c in scales]
        r = [v for v in r if v == v]  # NaN when a score is constant
        if not r:
            continue
        found.append((a, b, len(ids), float(pd.Series(r).median())))
    if not found or any(med >= threshold for *_, med in found):
        return None
    pairs = "; ".join(f"{a} to {b}: median r = {med:.2f} over {len(scales)} scale scores, "
                      f"{n:,} linked respondents" for a, b, n, med in found)
    return ("the respondents linked by id across waves answer as if unrelated (" + pairs
            + "; the same person's scores correlate from one wave to the next): check that "
            "the ids identify the same persons in every wave (platforms often number "
            "respondents from 1 in each wave); if the waves are independent samples, give "
            "them distinct ids, or the paired tests, the invariance across waves and the "
            "cross-lagged models treat different people as one")


def wave_results(stack: WaveStack, inst: Instrument,
                 settings: StudySettings | None = None) -> dict[str, Any]:
    """The results' ``waves`` section: the stack (labels, files, versions, links, counts per
    wave and combination as read), screening per wave, the combinations among the analysed
    respondents, each measure's level per wave and its changes (:func:`analysis.structural.
    tracking.track`), and which wave the rest of the study describes (``analysed_wave``,
    ``basis``).

    Examples
    --------
    >>> from analysis import simulate
    >>> from analysis.responses.waves import stack_waves
    >>> from instruments import load_instrument
    >>> inst = load_instrument("five_commitments")
    >>> stack = stack_waves([simulate(inst, n=60, seed=s).data for s in (1, 2)], inst)
    >>> out = wave_results(stack, inst, StudySettings(n_boot=0, progress=False))
    >>> out["panel"], [r["n_analysed"] for r in out["screening"]]
    (True, [59, 59])
    >>> sorted({c["test"] for c in out["changes"]})
    ['paired']
    """
    s = settings or StudySettings()
    values, measures, counts, analysed = wave_values(stack, inst, s)
    level_ = float(s.scoring.level)
    kinds = {k: m["kind"] for k, m in measures.items()}
    wave = stack.wave.reindex(analysed)
    person = stack.person.reindex(analysed)
    tracked = track(values, kinds, wave, person, stack.labels, level_)
    last = stack.last
    out = stack.to_dict()
    unrelated = _unrelated_links(values, measures, wave, person, stack.labels)
    if unrelated:
        out["notes"] = list(out.get("notes") or []) + [unrelated]
    out.update({
        "screening": counts,
        "combinations_analysed": wave_combinations(wave, person, stack.labels),
        "n_persons_analysed": int(person.nunique()),
        "level": level_,
        "measures": list(measures.values()),
        "levels": tracked["levels"],
        "changes": tracked["changes"],
        "tests": sorted({c["test"] for c in tracked["changes"]}),
        "analysed_wave": last.label,
        "basis": (f"Screening ran per wave. Means, NPS and indices per wave and their changes "
                  f"use every wave's analysed respondents; reliability, validity, the "
                  f"structural model and every other section describe the last wave "
                  f"({last.label}, {last.file}), one answer per respondent."),
    })
    return to_plain(out)


def run_wave_study(stack: WaveStack, inst: Instrument, settings: StudySettings | None = None,
                   created: str | None = None,
                   invariance: WaveInvarianceSettings | None = None) -> dict[str, Any]:
    """:func:`analysis.study.run_study` on the last wave, with the ``waves`` section added
    (:func:`wave_results`). ``created`` as in ``run_study``. With ``invariance``, also the
    ``invariance_waves`` section (:func:`analysis.psychometrics.wave_invariance.
    invariance_across_waves` on every wave's analysed respondents)."""
    s = settings or StudySettings()
    results = run_study(stack.last.data, inst, s, created)
    results["waves"] = wave_results(stack, inst, s)
    if invariance is not None:
        rows = analysed_rows(stack, inst, s.screening, s.exclude_flagged)
        results["invariance_waves"] = invariance_across_waves(stack, inst, invariance, rows)
    return results
