"""Measurement invariance across the waves of a study, partial invariance found for the
researcher (issue 19, items 3-4): the ``invariance_waves`` section of results.json.

From a :class:`~analysis.responses.waves.WaveStack` (waves of one instrument, respondents
linked by id):

* a **panel** (some persons answered two or more waves): the longitudinal model of
  :mod:`analysis.sem.longitudinal` on wide data (one row per person, each item once per wave;
  a person missing a wave has missing values there and the fit is full-information ML);
* **independent samples** (no person in two waves, or ``design="independent"``): the
  multigroup sequence with the wave as the group.

By default each construct is its own model (its factor at every wave, or in every wave
group); ``by_construct=False`` fits all chosen constructs in one model. Either way the sequence configural -> metric -> scalar -> strict is fitted with the
partial-invariance search of :mod:`analysis.sem.partial` (a failing level: release the
constraint with the largest score test, refit, until the level holds or the limit is
reached), and the latent means of each wave are compared with the first wave's in the final
(possibly partial) scalar model.  Items are reverse-keyed first, so every factor points the
way its scale does.  The section records the design, the rule (ΔCFI/ΔRMSEA, Chen 2007, or the
chi-square difference), the limits, each level's fit and decision, every release and the
latent means.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from analysis.responses.scoring import reverse_keyed
from analysis.responses.screening import ScreeningSettings, screen
from analysis.responses.waves import WaveStack
from analysis.sem.longitudinal import PanelDesign, wide_panel
from analysis.sem.partial import PartialLimits, partial_invariance_groups, partial_invariance_waves
from analysis.sem.sequence import InvarianceRule
from instruments.errors import EngagekitInputError
from instruments.plain import to_plain
from instruments.schema import Instrument

__all__ = ["WaveInvarianceSettings", "analysed_rows", "invariance_across_waves"]


@dataclass(frozen=True)
class WaveInvarianceSettings:
    """Choices of the invariance analysis across waves.

    Parameters
    ----------
    constructs : tuple of str or None
        The constructs to test (default: every measured construct with two or more items).
    design : str
        ``"auto"`` (a panel when persons link across waves, else independent samples),
        ``"panel"`` or ``"independent"``.
    criterion, combine, delta_cfi, delta_rmsea, alpha
        The rule deciding a level (:class:`analysis.sem.sequence.InvarianceRule`).
    estimator : str
        ``"ML"`` or ``"MLR"``.
    max_share, min_invariant, max_steps
        Limits of the search (:class:`analysis.sem.partial.PartialLimits`).
    levels : tuple of str
        The sequence, from ``configural``.
    by_construct : bool
        One model per construct (default; its factor at every wave), or one model of all the
        chosen constructs together (large: 84 observed variables for eight constructs of four
        items at three waves).

    Returns
    -------
    WaveInvarianceSettings

    Examples
    --------
    >>> WaveInvarianceSettings(criterion="chisq").rule().describe()[:40]
    'not invariant when the chi-square differ'
    """

    constructs: tuple[str, ...] | None = None
    design: str = "auto"
    criterion: str = "fit"
    combine: str = "both"
    delta_cfi: float = -0.01
    delta_rmsea: float = 0.015
    alpha: float = 0.05
    estimator: str = "ML"
    max_share: float = 0.5
    min_invariant: int = 2
    max_steps: int | None = None
    levels: tuple[str, ...] = ("configural", "metric", "scalar", "strict")
    by_construct: bool = True

    def rule(self) -> InvarianceRule:
        return InvarianceRule(criterion=self.criterion, delta_cfi=self.delta_cfi,
                              delta_rmsea=self.delta_rmsea, combine=self.combine,
                              alpha=self.alpha)

    def limits(self) -> PartialLimits:
        return PartialLimits(max_share=self.max_share, min_invariant=self.min_invariant,
                             max_steps=self.max_steps)


def _constructs(inst: Instrument, chosen: tuple[str, ...] | None) -> tuple[dict, list[str]]:
    notes: list[str] = []
    measured = {c.id: [i.id for i in inst.measurement_items(c)]
                for c in inst.measured_constructs()}
    if chosen is not None:
        unknown = [c for c in chosen if c not in measured]
        if unknown:
            raise EngagekitInputError(
                f"construct(s) {unknown} are not measured constructs of {inst.id}; choose from "
                f"{sorted(measured)}", code="invalid_argument")
        measured = {c: measured[c] for c in chosen}
    out = {c: its for c, its in measured.items() if len(its) >= 2}
    single = [c for c in measured if c not in out]
    if single:
        notes.append(f"single-item construct(s) {single} cannot be tested for invariance and "
                     "were left out")
    if not out:
        raise EngagekitInputError("no construct with two or more items to test for invariance "
                                  "across waves", code="invalid_argument")
    return out, notes


def analysed_rows(stack: WaveStack, instrument: Instrument,
                  screening: ScreeningSettings | None = None,
                  exclude_flagged: bool = True) -> list[str]:
    """The row keys of ``stack.data`` left after each wave's own screening (every row with
    ``exclude_flagged=False``), as :func:`analysis.waves_study.wave_values` analyses them.

    Parameters
    ----------
    stack : WaveStack
        The waves.
    instrument : Instrument
        The instrument they answered.
    screening : ScreeningSettings or None
        The screening rules (default settings when None).
    exclude_flagged : bool
        Drop the respondents the rules flag.

    Returns
    -------
    list of str
        Row keys ``"<wave label>:<respondent id>"``.
    """
    out: list[str] = []
    for w in stack.waves:
        kept = screen(w.data, instrument, screening).kept() if exclude_flagged else w.data
        out += [f"{w.label}:{rid}" for rid in kept.ids]
    return out


def invariance_across_waves(stack: WaveStack, instrument: Instrument,
                            settings: WaveInvarianceSettings | None = None,
                            rows: Sequence[str] | None = None) -> dict[str, Any]:
    """The invariance sequence across the waves of ``stack`` with the partial-invariance
    search, as the plain ``invariance_waves`` section of results.json.

    Parameters
    ----------
    stack : WaveStack
        The waves (:func:`analysis.responses.waves.stack_waves`).
    instrument : Instrument
        The instrument the waves answered.
    settings : WaveInvarianceSettings or None
        Constructs, design, rule, estimator and limits.
    rows : sequence of str or None
        The row keys of ``stack.data`` to analyse (e.g. :func:`analysed_rows`; default all).

    Returns
    -------
    dict
        ``design`` (panel or independent), ``waves``, ``n``, ``constructs``, ``estimator``,
        ``missing``, ``rule``, ``limits``, ``table`` (per construct and level: fit, Δχ²,
        ΔCFI, ΔRMSEA, ``decision`` and what was ``freed``), ``steps``, ``freed``, ``means``
        (latent mean differences from the first wave with SE, CI and d), ``models`` (the final
        model of each construct) and ``notes``; every row names its ``construct``.

    Examples
    --------
    >>> from analysis.responses.simulate_panel import simulate_panel
    >>> from analysis.responses.waves import stack_waves
    >>> from instruments import load_instrument
    >>> inst = load_instrument("five_commitments")
    >>> sim = simulate_panel(inst, n=300, waves=2, seed=1)
    >>> sec = invariance_across_waves(stack_waves(sim.waves, inst), inst,
    ...                               WaveInvarianceSettings(constructs=("affective",)))
    >>> sec["design"], [r["model"] for r in sec["table"]]
    ('panel', ['configural', 'metric', 'scalar', 'strict'])
    """
    settings = settings or WaveInvarianceSettings()
    if settings.design not in ("auto", "panel", "independent"):
        raise EngagekitInputError(f"design must be 'auto', 'panel' or 'independent', not "
                                  f"{settings.design!r}", code="invalid_argument")
    constructs, notes = _constructs(instrument, settings.constructs)
    items = [i for its in constructs.values() for i in its]
    frame = stack.data.items if rows is None else stack.data.items.loc[list(rows)]
    scored = reverse_keyed(frame[items], instrument)
    labels = stack.labels
    panel = stack.panel if settings.design == "auto" else settings.design == "panel"
    if panel and not stack.panel:
        raise EngagekitInputError("design 'panel' needs respondents linked across waves (the "
                                  "same id in two or more waves); none are",
                                  code="invalid_argument")
    if not panel and settings.by_construct:
        # one factor of two items in each wave alone is not identified (its second loading,
        # two residual variances, factor variance and two intercepts against five moments);
        # in a panel the same items at the other waves identify it
        two = [c for c, its in constructs.items() if len(its) < 3]
        if two:
            constructs = {c: its for c, its in constructs.items() if c not in two}
            notes.append(f"two-item construct(s) {two} cannot be tested for invariance on "
                         "their own across independent samples (one factor of two items is "
                         "not identified in each wave) and were left out; test them with the "
                         "other constructs in one model (WaveInvarianceSettings(by_construct="
                         "False)) if needed")
            if not constructs:
                raise EngagekitInputError(
                    "no construct with three or more items to test for invariance across "
                    "independent waves (a two-item construct is not identified on its own); "
                    "test the constructs together (by_construct=False)",
                    code="invalid_argument")
    rule, limits = settings.rule(), settings.limits()
    kw: dict[str, Any] = {"estimator": settings.estimator}
    groups = ([{c: its} for c, its in constructs.items()] if settings.by_construct
              else [constructs])
    if panel:
        # wave labels name the columns (aff_01_w2025) when they can, else their positions
        safe = all(re.fullmatch(r"[A-Za-z0-9_]+", lab) for lab in labels)
        token = {lab: lab if safe else str(k + 1) for k, lab in enumerate(labels)}
        long = scored.assign(person=stack.person.reindex(scored.index).to_numpy(),
                             wave=stack.wave.reindex(scored.index).astype(str).map(token)
                             .to_numpy())
        data = wide_panel(long, "person", "wave", items, waves=list(token.values()))
        where = {v: k for k, v in token.items()}
        # counted on the rows analysed (after each wave's screening), as the model is fitted
        n = {"persons": int(len(data)),
             "in_two_or_more_waves": int((long.groupby("person")["wave"].nunique() > 1).sum())}
    else:
        data = scored.assign(wave=stack.wave.reindex(scored.index).astype(str).to_numpy())
        where = {lab: lab for lab in labels}
        n = {"rows": int(len(data))}
    out: dict[str, Any] = {
        "design": "panel" if panel else "independent", "waves": list(labels), "n": n,
        "constructs": constructs, "by_construct": settings.by_construct,
        "estimator": settings.estimator, "missing": "listwise",
        "rule": rule.to_dict(), "limits": {**asdict(limits), "text": limits.describe()},
        "settings": asdict(settings), "table": [], "steps": [], "freed": [], "means": [],
        "models": {}, "notes": notes}
    for part in groups:
        name = next(iter(part)) if settings.by_construct else "all"
        its = [i for v in part.values() for i in v]
        if panel:
            cols = [c for c in data.columns if c != "person" and c.rsplit("_w", 1)[0] in its]
            missing = "ml" if data[cols].isna().to_numpy().any() else "listwise"
            res = partial_invariance_waves(PanelDesign(part, tuple(token.values())), data,
                                           levels=settings.levels, rule=rule, limits=limits,
                                           missing=missing, **kw)
            model = res.models.get("scalar") or next(iter(res.models.values()), "")
        else:
            missing = "ml" if data[its].isna().to_numpy().any() else "listwise"
            model = "\n".join(f"{c} =~ " + " + ".join(v) for c, v in part.items())
            res = partial_invariance_groups(model, data, "wave", levels=settings.levels,
                                            rule=rule, limits=limits, missing=missing, **kw)
        if missing == "ml":
            out["missing"] = "ml"
        sec = res.to_dict()
        for key in ("table", "steps", "freed", "means"):
            for row in sec[key]:
                row["construct"] = name
                if row.get("where") in where:
                    row["where"] = where[row["where"]]
                if key == "means":
                    row["reference"] = labels[0]
            out[key] += sec[key]
        out["models"][name] = model
        out["notes"] += [f"{name}: {t}" for t in sec["notes"]]
    return to_plain(out)
