"""Latent profiles in a study: the instrument's constructs, its outcomes and its segments.

:func:`study_profiles` is what ``engagekit profiles`` and ``engagekit run --profiles`` run on
the scale scores of the respondents analysed: by default the instrument's predictor constructs
are profiled (for the five-commitment instrument, the five commitments), its mediator and
outcome constructs (satisfaction, loyalty) are compared across the profiles corrected for
classification error (the BCH method by default, or the ML three-step approach), and the profiles are cross-tabulated with the instrument's Dick & Basu segments
(its first ``dick_basu`` scoring rule). The result is results.json's ``profiles`` section.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analysis.profiles.errors import ProfilesInputError

if TYPE_CHECKING:
    from analysis.responses.scoring import Scores
    from instruments.schema import Instrument

__all__ = ["ProfileSettings", "default_constructs", "study_profiles"]


@dataclass(frozen=True)
class ProfileSettings:
    """The choices of a latent profile analysis in a study.

    Parameters
    ----------
    k : str
        Numbers of profiles, e.g. ``"1-6"``.
    constructs : tuple of str or None
        Constructs profiled (default: the instrument's predictors).
    outcomes : tuple of str or None
        Constructs compared across profiles (default: its mediators and outcomes).
    families : tuple of str
        Model families compared (mclust's names).
    n_starts : int
        Random starts per model.
    n_boot : int
        Bootstrap draws of each BLRT at most (for the chosen family; 0: none).
    blrt_all : bool
        Run every k's BLRT with all ``n_boot`` draws (by default the tests stop after the
        first non-significant one and a test's draws stop once its p-value is known to be
        large; :func:`~analysis.profiles.analyze.latent_profiles`).
    seed : int or None
        Seed (None: the study's).
    level : float
        Confidence level of the outcome intervals.
    outcome_method : str
        How the outcome means are corrected for classification error: ``"bch"`` (the default)
        or ``"ml3"`` (:func:`~analysis.profiles.analyze.latent_profiles`).

    Examples
    --------
    >>> ProfileSettings(k="2-4").families
    ('EEI', 'VVI', 'EEE', 'VVV')
    """

    k: str = "1-6"
    constructs: tuple[str, ...] | None = None
    outcomes: tuple[str, ...] | None = None
    families: tuple[str, ...] = ("EEI", "VVI", "EEE", "VVV")
    n_starts: int = 20
    n_boot: int = 100
    blrt_all: bool = False
    seed: int | None = None
    level: float = 0.95
    outcome_method: str = "bch"


def default_constructs(inst: Instrument) -> tuple[list[str], list[str]]:
    """``(profiled, outcomes)``: the instrument's predictor constructs, and its mediator and
    outcome constructs.

    Examples
    --------
    >>> from instruments import load_instrument
    >>> default_constructs(load_instrument("five_commitments"))[1][:2]
    ['satisfaction', 'repurchase']
    """
    measured = inst.measured_constructs()
    return ([c.id for c in measured if c.role.value == "predictor"],
            [c.id for c in measured if c.role.value in ("mediator", "outcome")])


def _check_names(names: Sequence[str], available: list[str], what: str) -> list[str]:
    out = []
    for name in names:
        if name not in available:
            raise ProfilesInputError(
                f"{what} {name!r} is not a scored construct of the instrument; use one of "
                f"{', '.join(available)}")
        out.append(name)
    return out


def study_profiles(scores: Scores, inst: Instrument, settings: ProfileSettings, *,
                   seed: int, n_jobs: int | None = None, progress: bool | None = None
                   ) -> dict[str, Any]:
    """The latent profile analysis of a study's scale scores, as plain data.

    Parameters
    ----------
    scores : analysis.responses.scoring.Scores
        The scored respondents (scale scores and segments).
    inst : instruments.schema.Instrument
        The instrument (construct roles and names, scoring rules).
    settings : ProfileSettings
        The analysis' choices.
    seed : int
        The study's seed (used unless ``settings.seed`` is given).
    n_jobs : int or None
        Worker processes for the BLRT draws (None: all cores).
    progress : bool or None
        Progress bars for the BLRT.

    Returns
    -------
    dict
        results.json's ``profiles`` section (:meth:`ProfileResult.to_dict` plus the id of
        the segment rule cross-tabulated).

    Examples
    --------
    >>> from analysis import score_responses, simulate
    >>> from instruments import load_instrument
    >>> inst = load_instrument("five_commitments")
    >>> scores = score_responses(simulate(inst, n=150, seed=2).data, inst)
    >>> out = study_profiles(scores, inst, ProfileSettings(k="1-2", families=("EEI",),
    ...                      n_starts=4, n_boot=0), seed=1)
    >>> out["indicators"], len(out["comparison"])
    (['affective', 'normative', 'economic', 'forced', 'habitual'], 2)
    """
    from analysis.profiles.analyze import latent_profiles

    frame = scores.scores
    available = list(scores.scale_scores)
    profiled, outcomes = default_constructs(inst)
    profiled = [c for c in profiled if c in available]
    outcomes = [c for c in outcomes if c in available]
    if settings.constructs:
        profiled = _check_names(settings.constructs, available, "construct")
    if settings.outcomes is not None:
        outcomes = _check_names(settings.outcomes, available, "outcome")
        both = [c for c in outcomes if c in profiled]
        if both:  # asked for, but would be dropped: say so instead of a silent loss
            raise ProfilesInputError(
                f"outcome(s) {', '.join(both)} also define the profiles (profiled: "
                f"{', '.join(profiled)}): a construct cannot be compared across the profiles "
                "it defines; drop it from --outcomes or from --constructs")
    outcomes = [c for c in outcomes if c not in profiled]
    if not profiled:
        raise ProfilesInputError(
            "no construct to profile: the instrument has no predictor constructs; name them "
            f"with --constructs ({', '.join(available)})")
    rule = next(iter(scores.segments), None)
    segments = frame[rule].rename(rule) if rule is not None and rule in frame else None
    res = latent_profiles(frame, profiled, outcomes, segments=segments, k=settings.k,
                          families=settings.families, n_starts=settings.n_starts,
                          n_boot=settings.n_boot, blrt_all=settings.blrt_all,
                          seed=settings.seed if settings.seed is not None else seed,
                          level=settings.level, outcome_method=settings.outcome_method,
                          n_jobs=n_jobs, progress=progress)
    out = res.to_dict()
    out["segment_rule"] = rule
    return out
