"""A whole study analysed with PLS-SEM (``engagekit run --method pls``).

:func:`run_pls_study` is what :func:`analysis.study.run_study` runs when
``StudySettings.method == "pls"``: the same reading, screening and scoring, then, instead of the
confirmatory factor analysis and the covariance-based structural model, the instrument's model
estimated as a PLS path model, bootstrapped and assessed (:func:`analysis.pls.pipeline.
pls_effects`). The results have the same layout as a covariance-based run's, except that the
``validation`` and ``effects`` sections are replaced by ``pls`` (and ``validation`` holds only
the item response distributions the report draws); ``settings.method`` says which ran. The
driver analyses on scale scores are kept; the importance-performance map is the PLS model's
(Ringle & Sarstedt, 2016), of each final outcome, in ``pls["ipma"]``. The model's out-of-sample
predictive power (PLSpredict, Shmueli et al., 2019: 10 folds, 10 repetitions, folds seeded by the
run's seed; :func:`analysis.pls.predict.predict_pls`) is in ``pls["predict"]``. A group
comparison (``--group COL`` or ``COL=A,B``: MICOM, then the permutation test and Henseler's
PLS-MGA of the path differences; :mod:`analysis.pls.groups`) is in ``pls["groups"]``. A
moderating effect (``--interaction X M``: the two-stage interaction term ``X:M`` added to every
path out of ``X``; :mod:`analysis.pls.moderation`) is in ``pls["interaction"]``, and
``settings.interaction`` names the two constructs.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from instruments.errors import EngagekitInputError

from .pipeline import PLS_MISSING, SCHEMES, pls_effects
from .predict import predict_section
from .syntax import parse_pls_model

if TYPE_CHECKING:
    from analysis.responses.data import ResponseData
    from analysis.responses.screening import ScreeningResult
    from analysis.study import StudySettings
    from instruments.schema import Instrument

__all__ = ["check_pls_settings", "instrument_scale", "ipma_section", "pls_model_syntax",
           "predict_section", "run_pls_study"]


def check_pls_settings(s: StudySettings) -> None:
    """Refuse settings that do not go together with ``method`` (exit 2 on the command line):
    an unknown method or scheme, PLS options with ``method="sem"``, and covariance-based
    options (an estimator other than ML, FIML, a semopy cross-check) with ``method="pls"``; a
    ``--group`` must read ``COL`` or ``COL=A,B``; ``--interaction`` goes without ``--group``
    (the names are checked against the model by :func:`run_pls_study`)."""
    def bad(msg: str) -> EngagekitInputError:
        return EngagekitInputError(msg, code="invalid_argument")

    if s.method not in ("sem", "pls"):
        raise bad(f"--method {s.method!r} is not an estimation method; use sem "
                  "(covariance-based SEM, the default) or pls (PLS-SEM)")
    if s.scheme not in SCHEMES:
        raise bad(f"--scheme {s.scheme!r} is not a PLS inner weighting scheme; use path, "
                  "factorial or centroid")
    if s.method == "sem":
        given = [o for o, v in (("--consistent", s.consistent), ("--scheme", s.scheme != "path"))
                 if v]
        raise bad(f"{' and '.join(given)} go(es) with --method pls; add --method pls or leave "
                  "the option out")
    est = str(s.estimator).upper()
    if est != "ML":
        raise bad(f"--estimator {est} is for the covariance-based model (--method sem); PLS-SEM "
                  "has no estimator choice: leave --estimator out or use --method sem")
    if s.missing is not None and s.missing not in PLS_MISSING:
        raise bad(f"--missing {s.missing} does not go with --method pls; use --missing mean "
                  "(mean replacement, reported with counts) or --missing listwise")
    if s.crosscheck is not None:
        raise bad("--crosscheck refits the covariance-based model with semopy; it does not go "
                  "with --method pls")
    if s.group is not None:
        from .groups import parse_group

        parse_group(s.group)  # COL or COL=A,B
    if s.interaction is not None and s.group is not None:
        raise bad("--interaction with --group: a PLS run compares the groups' paths or "
                  "estimates a moderating effect, not both at once; run them separately (or "
                  "use the group as the moderator, a construct of the model)")
    if s.n_boot != 0 and s.n_boot < 20:
        raise bad(f"--boot {s.n_boot}: a PLS bootstrap needs at least 20 resamples (5,000 is "
                  "usual), or 0 for point estimates only")


def pls_model_syntax(inst: Instrument) -> str:
    """The instrument's structural model as a PLS model: its lavaan syntax, read as cSEM reads
    it (every ``=~`` construct reflective, estimated as a mode A composite or by PLSc)."""
    return inst.to_lavaan()


def _distributions(items, inst: Instrument) -> list[dict[str, Any]]:
    """The item response distributions the report draws (as the validation records them)."""
    from analysis.psychometrics.validation import (
        measured_item_map,
        response_distribution_or_empty,
    )

    names = [i for its in measured_item_map(inst).values() for i in its if i in items]
    lo = {i: inst.item_scale(i).min for i in names}
    hi = {i: inst.item_scale(i).max for i in names}
    return response_distribution_or_empty(items[names], names, lo, hi).to_dict(orient="records")


def _effects_view(pls: dict[str, Any]) -> dict[str, Any]:
    """What the observed-score models read: no ranking, so that they draw no importance-
    performance map of their own (a PLS run maps the PLS model's, :func:`_ipma`)."""
    return {"ranking": [], "effects": []}


def instrument_scale(inst: Instrument, items: Any) -> tuple[dict[str, float], dict[str, float]]:
    """Each item's lowest and highest answer option, from the instrument's scales: the
    bounds of the importance-performance map (:func:`ipma_section`)."""
    return ({i: inst.item_scale(i).min for i in items},
            {i: inst.item_scale(i).max for i in items})


def ipma_section(items, model: Any, *, scale_min: Any, scale_max: Any, scheme: str = "path",
                 consistent: bool = False, missing: str = "listwise",
                 lower_is_better: Any = ()) -> tuple[list[dict[str, Any]], list[str]]:
    """The importance-performance map (Ringle & Sarstedt, 2016; :func:`analysis.pls.ipma.
    ipma_pls`) of each final outcome of ``model`` (an endogenous construct with no path out of
    it), as ``run --method pls`` and ``effects --method pls`` report it: items rescaled to
    0-100 by ``scale_min``/``scale_max`` (a number or one per item), construct-level importance
    (the unstandardized total effect), performance and quadrant, and the indicator level.
    ``lower_is_better``: the targets a company wants less of (the instrument's constructs with
    ``higher_is_better: false``). Returns the maps (``PLSIpma.to_dict()`` each) and the
    warnings (a map that cannot be drawn is named with why)."""
    from .errors import PLSInputError
    from .ipma import ipma_pls

    model = model if not isinstance(model, str) else parse_pls_model(model)
    drives = {a for a, _ in model.paths}
    maps, warnings = [], []
    for target in [c for c in model.endogenous if c not in drives]:
        try:
            res = ipma_pls(items, model, target, scale_min=scale_min, scale_max=scale_max,
                           scheme=scheme, consistent=consistent, missing=missing,
                           higher_is_better=target not in set(lower_is_better))
        except PLSInputError as e:
            warnings.append(f"importance-performance map of {target}: not drawn ({e})")
            continue
        maps.append(res.to_dict())
        warnings += [f"importance-performance map of {target}: {w}" for w in res.warnings]
    return maps, warnings


def _ipma(items, inst: Instrument, s: StudySettings, missing: str) -> tuple[list, list]:
    """The importance-performance maps of the instrument's model (:func:`ipma_section`, the
    bounds the instrument's scales)."""
    model = parse_pls_model(pls_model_syntax(inst))
    lo, hi = instrument_scale(inst, model.items)
    return ipma_section(items, model, scale_min=lo, scale_max=hi, scheme=s.scheme,
                        consistent=s.consistent, missing=missing,
                        lower_is_better=lower_is_better(inst))


def lower_is_better(inst: Instrument) -> list[str]:
    """The instrument's constructs a company wants less of (``higher_is_better: false``)."""
    return [c.id for c in inst.constructs if not c.higher_is_better]


def _predict(items, inst: Instrument, s: StudySettings,
             missing: str) -> tuple[dict[str, Any] | None, list[str]]:
    """PLSpredict of the instrument's model (:func:`predict_section`, seeded by the run's
    seed)."""
    return predict_section(items, pls_model_syntax(inst), seed=s.seed, scheme=s.scheme,
                           consistent=s.consistent, missing=missing)


def _group_labels(kept: ResponseData, inst: Instrument, group: str):
    """Each respondent's group for ``--group`` (checked: two groups compared), before any
    estimation, so that a wrong ``--group`` fails at once."""
    from analysis.study_parts import _group_column, unknown_group

    from .groups import check_groups, parse_group

    col, _ = parse_group(group)
    try:
        labels = _group_column(kept, inst, col)
    except KeyError:
        raise unknown_group(kept, col) from None
    check_groups(labels, group)
    return labels


def _groups(labels, inst: Instrument, s: StudySettings, items,
            missing: str) -> dict[str, Any]:
    """The two-group comparison of ``--group`` (:func:`analysis.pls.groups.pls_groups`)."""
    from .groups import pls_groups

    model = parse_pls_model(pls_model_syntax(inst))
    return pls_groups(items[list(model.items)], labels, model, s.group, scheme=s.scheme,
                      consistent=s.consistent, missing=missing, n_boot=s.n_boot, seed=s.seed,
                      n_jobs=s.n_jobs, progress=s.progress)


def run_pls_study(data: ResponseData, inst: Instrument, s: StudySettings,
                  screening: ScreeningResult, kept: ResponseData,
                  created: str | None) -> dict[str, Any]:
    """The results of a PLS run (module docstring); called by
    :func:`analysis.study.run_study`, which has read, checked and screened ``data``.

    Parameters
    ----------
    data : ResponseData
        Every respondent read.
    inst : Instrument
        The instrument answered.
    s : StudySettings
        The run's settings (``method="pls"``).
    screening : ScreeningResult
        The screening of ``data``.
    kept : ResponseData
        The respondents analysed.
    created : str or None
        The run's timestamp (see :func:`~analysis.study.run_study`).

    Returns
    -------
    dict
        JSON-ready results with a ``pls`` section instead of ``validation``'s models and
        ``effects``.

    Examples
    --------
    >>> from analysis import StudySettings, run_study, simulate
    >>> from instruments import load_instrument
    >>> inst = load_instrument("loyalty_typology")
    >>> s = StudySettings(method="pls", n_boot=50, seed=1, n_jobs=1, progress=False)
    >>> res = run_study(simulate(inst, n=200, seed=1).data, inst, s, created="2026-12-01")
    >>> res["settings"]["method"], res["pls"]["algorithm"], "effects" in res
    ('pls', 'PLS', False)
    """
    from analysis.psychometrics.items import jsonable
    from analysis.psychometrics.validation import measured_item_map
    from analysis.responses.accounting import account
    from analysis.responses.scoring import reverse_keyed, score_responses
    from analysis.results_schema import RESULTS_FORMAT
    from analysis.samples import sample_record
    from analysis.study_parts import (
        _instrument_summary,
        _now,
        _observed_models,
        _score_summary,
        _versions,
    )

    check_pls_settings(s)
    scores = score_responses(kept, inst, s.scoring)
    items = reverse_keyed(kept.items, inst)
    labels = _group_labels(kept, inst, s.group) if s.group is not None else None
    if s.interaction is not None:
        from .moderation import check_interaction

        check_interaction(pls_model_syntax(inst), *s.interaction)  # names: before estimating
    pls = pls_effects(items, pls_model_syntax(inst), scheme=s.scheme, consistent=s.consistent,
                      missing=s.missing, n_boot=s.n_boot, seed=s.seed, n_jobs=s.n_jobs,
                      scheduler=s.scheduler, progress=s.progress)
    pls["ipma"], ipma_warnings = _ipma(items, inst, s, pls["settings"]["missing"])
    pls["warnings"] += ipma_warnings
    pls["predict"], predict_warnings = _predict(items, inst, s, pls["settings"]["missing"])
    pls["warnings"] += predict_warnings
    if s.group is not None:
        pls["groups"] = _groups(labels, inst, s, items, pls["settings"]["missing"])
    if s.interaction is not None:
        from .moderation import pls_interaction

        pls["interaction"] = pls_interaction(
            items, pls_model_syntax(inst), *s.interaction, scheme=s.scheme,
            consistent=s.consistent, missing=s.missing, n_boot=s.n_boot, seed=s.seed,
            n_jobs=s.n_jobs, progress=s.progress)
        pls["warnings"] += pls["interaction"]["warnings"]
    scale = scores.scores[scores.scale_scores]
    observed = _observed_models(inst, scale, items, _effects_view(pls))
    n_kept = screening.n_kept if s.exclude_flagged else data.n
    sp = pls["sample"]
    handling = sp["missing"]  # complete, mean or listwise
    samples = {
        "kept": sample_record("respondents kept after screening", n_kept, "complete"),
        "pls": sample_record(
            "PLS path model and bootstrap", sp["n"],
            "mean" if handling == "mean" else handling,
            n_incomplete=sp["n_incomplete"], n_excluded=sp["n_dropped"],
            note=("each missing answer replaced by its item's mean"
                  if handling == "mean" else "")),
    }
    eqs = observed["equations"]
    if eqs:
        ns = [int(e["ols"]["n"]) for e in eqs]
        samples["observed"] = sample_record(
            "regressions, dominance analysis and relative weights on scale scores", min(ns),
            "listwise" if min(ns) < n_kept else "complete", n_excluded=n_kept - min(ns),
            note="respondents with a score on every construct of the equation")
    results = {
        "format": RESULTS_FORMAT,
        "created": created or _now(),
        "software": _versions(),
        "settings": {**asdict(s), "missing": pls["settings"]["missing"],
                     "interaction": list(s.interaction) if s.interaction else None},
        "instrument": _instrument_summary(inst, s.brand),
        "data": {"source": asdict(kept.source), "n_read": data.n,
                 "cleaning_log": [e.to_dict() if hasattr(e, "to_dict") else asdict(e)
                                  for e in data.log],
                 "accounting": account(data, screening, s.exclude_flagged),
                 "missing_by_item": {k: int(v) for k, v in kept.items.isna().sum().items()}},
        "screening": {k: v for k, v in screening.to_dict().items() if k not in ("flags",
                                                                              "metrics")},
        "scores": {"summary": _score_summary(scale, scores.scale_scores),
                   "nps": {k: v.to_dict() for k, v in scores.nps.items()},
                   "indices": {k: v.to_dict() for k, v in scores.indices.items()},
                   "segments": {k: v.to_dict() for k, v in scores.segments.items()}},
        "constructs": measured_item_map(inst),
        "missing_data": {"method": pls["settings"]["missing"],
                         "chosen": pls["settings"]["missing_chosen"],
                         "n_incomplete": int(sp["n_incomplete"]),
                         "n_excluded": int(sp["n_dropped"])},
        "samples": samples,
        "validation": {"distributions": _distributions(items, inst)},
        "pls": pls,
        "observed": observed,
        "groups": None,
        "interaction": None,
        "not_run": [],
    }
    return jsonable(results)
