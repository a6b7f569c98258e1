"""What drives what across the waves of a panel study: the results' ``cross_lagged`` section
(``engagekit run W1 W2 W3 -i NAME --waves --cross-lagged affective,repurchase``).

Each wave is screened on its own (as the tracking does, :mod:`analysis.waves_study`); the
analysed respondents are linked across waves by their person id (:class:`~analysis.responses.
waves.WaveStack`), and the chosen constructs' scale scores (or, ``latent=True``, their
reverse-keyed items) enter the RI-CLPM and the CLPM of :mod:`analysis.structural.
cross_lagged`. With ``--missing fiml`` every linked respondent counts (attrition treated as
missing at random); otherwise those observed in every wave (listwise).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analysis.responses.scoring import reverse_keyed, scale_scores
from analysis.responses.screening import screen
from analysis.responses.waves import WaveStack
from analysis.structural.cross_lagged import (
    CrossLaggedError,
    cross_lagged,
    wide_panel,
)
from analysis.study import StudySettings
from instruments.plain import to_plain
from instruments.schema import Instrument

__all__ = ["check_panel", "cross_lagged_waves", "parse_constructs"]


def parse_constructs(text: str, inst: Instrument) -> list[str]:
    """``--cross-lagged affective,repurchase`` -> the constructs, checked against ``inst``.

    >>> from instruments import load_instrument
    >>> parse_constructs("affective, repurchase", load_instrument("five_commitments"))
    ['affective', 'repurchase']
    """
    names = [x.strip() for x in str(text).split(",") if x.strip()]
    measured = [c.id for c in inst.measured_constructs()]
    bad = [c for c in names if c not in measured]
    if bad:
        raise CrossLaggedError(f"--cross-lagged: {', '.join(bad)} is not a measured construct "
                               f"of {inst.id}; choose two or more of {', '.join(measured)}")
    if len(set(names)) < 2:
        raise CrossLaggedError("--cross-lagged needs two or more different constructs, "
                               "comma-separated, e.g. --cross-lagged affective,repurchase")
    return list(dict.fromkeys(names))


def check_panel(stack: WaveStack) -> None:
    """Raise :class:`CrossLaggedError` unless ``stack`` is three or more waves of a panel
    (respondents linked by id across waves)."""
    if len(stack.waves) < 3:
        raise CrossLaggedError(f"--cross-lagged needs three or more waves of a panel (got "
                               f"{len(stack.waves)}: {', '.join(stack.labels)}); with two the "
                               "random-intercept model is not identified")
    if not stack.panel:
        raise CrossLaggedError("--cross-lagged needs a panel: the same respondents, linked by "
                               "their respondent ids, in several waves; these waves share no "
                               "respondent id (give the files' id column with --id-column)")


def cross_lagged_waves(stack: WaveStack, inst: Instrument, constructs: Sequence[str],
                       settings: StudySettings | None = None, *,
                       latent: bool = False, test_equal_lags: bool = False) -> dict[str, Any]:
    """The ``cross_lagged`` section of a panel study's results (module docstring).

    Parameters
    ----------
    stack : WaveStack
        Three or more waves of one instrument, linked by respondent id.
    inst : Instrument
        The instrument.
    constructs : sequence of str
        Two or more of its measured constructs.
    settings : StudySettings or None
        Screening, missing-data treatment (``missing="fiml"``: every linked respondent),
        confidence level (``scoring.level``) and seed.
    latent : bool, default False
        Items as indicators (Mulder & Hamaker 2021) instead of scale scores.
    test_equal_lags : bool, default False
        Also test time-invariant lagged effects (the RI-CLPM with each lagged effect equal
        over waves against free lags; the section's ``equal_lags_test``).

    Returns
    -------
    dict
        :meth:`~analysis.structural.cross_lagged.CrossLaggedResult.to_dict` with the wave
        ``labels`` added.

    Examples
    --------
    >>> from analysis.responses.simulate_panel import simulate_panel
    >>> from analysis.responses.waves import stack_waves
    >>> from instruments import load_instrument
    >>> inst = load_instrument("five_commitments")
    >>> sim = simulate_panel(inst, n=300, waves=3, seed=3,
    ...                      cross_lagged={"repurchase": {"affective": 0.3}})
    >>> stack = stack_waves(sim.waves, inst, labels=["2024", "2025", "2026"])
    >>> out = cross_lagged_waves(stack, inst, ["affective", "repurchase"],
    ...                          StudySettings(n_boot=0, progress=False))
    >>> out["labels"], out["measurement"], out["comparison"]["df.diff"]
    (['2024', '2025', '2026'], 'scale scores', 3.0)
    """
    s = settings or StudySettings()
    cs = list(constructs)
    check_panel(stack)
    measured = {c.id: [i.id for i in inst.measurement_items(c)]
                for c in inst.measured_constructs()}
    frames = []
    for w in stack.waves:
        sc = screen(w.data, inst, s.screening)
        kept = sc.kept() if s.exclude_flagged else w.data
        if latent:
            cols = [i for c in cs for i in measured[c]]
            values = reverse_keyed(kept.items, inst)[cols]
        else:
            cols = cs
            values = scale_scores(kept, inst)[cols]
        values = values.copy()
        values.index = [stack.person[f"{w.label}:{rid}"] for rid in values.index]
        frames.append(values)
    wide = wide_panel(frames, cols)
    res = cross_lagged(wide, cs, len(stack.waves),
                       indicators={c: measured[c] for c in cs} if latent else None,
                       missing="ml" if (s.missing or "").lower() in ("fiml", "ml") else
                       "listwise", level=float(s.scoring.level), seed=int(s.seed),
                       test_equal_lags=test_equal_lags)
    out = res.to_dict()
    out["labels"] = list(stack.labels)
    out["names"] = {c: inst.construct_name(inst.construct(c), inst.default_language)
                    for c in cs}
    return to_plain(out)
