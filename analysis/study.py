"""The whole study in one call: read -> screen -> score -> validate -> effects -> results.

:func:`run_study` takes responses already read (:class:`~analysis.responses.ResponseData`) and
the instrument, and returns ``results``: one plain, JSON-serialisable dict holding everything the
report shows, so a report can be re-rendered from a saved ``results.json`` without refitting.
Nothing in this module depends on which instrument it runs: constructs, model, scales, scoring
rules and grouping all come from the instrument file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from analysis.arguments import check_n_boot, check_n_jobs, check_scheduler, check_seed
from analysis.blas import one_thread_api
from analysis.psychometrics.items import jsonable
from analysis.psychometrics.validation import (
    ValidationSettings,
    measured_item_map,
    validate_instrument,
)
from analysis.responses.accounting import (
    about_file,
    account,
    require_analysable,
    sample_note,
)
from analysis.responses.data import ResponseData
from analysis.responses.scoring import ScoringSettings, reverse_keyed, score_responses
from analysis.responses.screening import ScreeningResult, ScreeningSettings, screen
from analysis.results_schema import RESULTS_FORMAT  # the marker beside its schema (Results)
from analysis.samples import missing_method, sample_record
from analysis.sem.crosscheck import check_engine
from analysis.structural.effects import estimate_effects
from analysis.structural.groups import compare_paths
from analysis.structural.interaction import latent_interaction
from analysis.study_parts import (  # noqa: F401 (re-exported)
    _group_column,
    _instrument_summary,
    _now,
    _observed_models,
    _score_summary,
    _versions,
    unknown_group,
)
from instruments.schema import ORDINAL_KINDS, Instrument

if TYPE_CHECKING:
    from analysis.profiles.study import ProfileSettings


@dataclass
class StudySettings:
    """Every choice of a run; recorded in the results so the methods text can say what ran.

    Parameters
    ----------
    exclude_flagged : bool, default True
        Leave out the respondents the screening excludes (else analyse everyone).
    group : str or None
        An item or metadata column to compare groups by (invariance, path differences).
    n_boot : int, default 1000
        Bootstrap resamples of the effects (0: delta-method only).
    seed : int, default 20150401
        Seed of every random step (bootstrap, parallel analysis, HTMT intervals).
    estimator : str, default "ML"
        CFA and SEM estimator, as :func:`analysis.sem.fit`.
    missing : str or None
        Missing answers in every model-based analysis: ``"listwise"`` (the respondents who
        answered every item involved) or ``"fiml"`` (full-information ML; statistics from
        item covariances use the fit's EM moments). None (the default) means not chosen:
        listwise, and the results (``missing_data``) and the report say so and how many
        respondents it left out.
    interaction : (str, str) or None
        Two constructs whose latent interaction to estimate.
    n_jobs : int or None
        Local worker processes for the bootstrap (default: all cores).
    scheduler : str or None
        ``"dask"`` or a Dask scheduler address for the bootstrap.
    progress : bool or None
        Show progress bars (default: when a step takes more than a moment).
    crosscheck : {"semopy"} or None
        Refit the CFA and the structural model with semopy, an independent implementation,
        and record how closely they agree in the results' ``crosscheck`` section
        (:mod:`analysis.sem.crosscheck`).
    brand : str or None
        The brand the study is about: fills the instrument's ``{brand}`` placeholder in the
        results' instrument summary (the report's title and texts) instead of its default.
    method : {"sem", "pls"}, default "sem"
        How the measurement and structural models are estimated: covariance-based SEM (CFA
        and the structural model) or PLS path modelling (PLS-SEM; :mod:`analysis.pls.study`).
    scheme : {"path", "factorial", "centroid"}, default "path"
        PLS inner weighting scheme (``method="pls"`` only).
    consistent : bool, default False
        Consistent PLS (PLSc) for the reflective constructs (``method="pls"`` only).
    profiles : analysis.profiles.study.ProfileSettings or None
        Run a latent profile analysis of the scale scores (results' ``profiles`` section;
        :func:`analysis.profiles.study.study_profiles`); None (the default): none.
    screening : ScreeningSettings
        Careless-response cut-offs and exclusion rule.
    scoring : ScoringSettings
        Scale-score and segment settings.
    validation : ValidationSettings
        Validation settings (its ``seed`` and ``estimator`` are replaced by this object's).

    Examples
    --------
    >>> from analysis import ValidationSettings
    >>> quick = StudySettings(n_boot=0, seed=1, n_jobs=1, progress=False,
    ...                       validation=ValidationSettings(htmt_n_boot=50, parallel_iter=10,
    ...                                                     method_factor=False))
    >>> quick.screening.min_flags, quick.validation.htmt_n_boot
    (1, 50)
    """

    exclude_flagged: bool = True
    group: str | None = None
    n_boot: int = 1000
    seed: int = 20150401
    estimator: str = "ML"
    missing: str | None = None
    interaction: tuple[str, str] | None = None
    n_jobs: int | None = None
    scheduler: str | None = None
    progress: bool | None = None
    crosscheck: str | None = None
    brand: str | None = None
    method: str = "sem"
    scheme: str = "path"
    consistent: bool = False
    profiles: ProfileSettings | None = None
    screening: ScreeningSettings = field(default_factory=ScreeningSettings)
    scoring: ScoringSettings = field(default_factory=ScoringSettings)
    validation: ValidationSettings = field(default_factory=ValidationSettings)

    def __post_init__(self) -> None:
        check_n_boot(self.n_boot)
        check_seed(self.seed)
        check_n_jobs(self.n_jobs)
        check_scheduler(self.scheduler)
        if self.brand is not None and not str(self.brand).strip():
            from instruments.errors import EngagekitInputError

            raise EngagekitInputError("--brand is empty; give the brand's name, e.g. "
                                      "--brand 'FitLife'", code="invalid_argument")
        if self.method != "sem" or self.scheme != "path" or self.consistent:
            from analysis.pls.study import check_pls_settings

            check_pls_settings(self)


def model_variables(model: str) -> list[str]:
    """The observed variables of a lavaan model (every name that is not a latent variable)."""
    from analysis.sem.syntax import parse_model

    formulas = parse_model(model)
    latent = {f.lhs for f in formulas if f.op == "=~"}
    names = [v for f in formulas if f.op in ("=~", "~", "~~") for v in (f.lhs, f.rhs)]
    return [v for v in dict.fromkeys(names) if v not in latent and v]


def ordinal_items(inst: Instrument, model: str) -> list[str]:
    """The observed variables of ``model`` whose declared scale is ordinal (Likert, 0-10):
    the ones WLSMV treats as ordered categories."""
    out = []
    for v in model_variables(model):
        try:
            if inst.item_scale(v).kind in ORDINAL_KINDS:
                out.append(v)
        except KeyError:
            continue
    return out


def require_items(data: ResponseData, inst: Instrument) -> None:
    """Stop with a clear message when the file has no answers at all for items the analysis
    needs: fewer than half of the items read (:func:`~analysis.responses.coverage.
    check_items_read`: columns not named by item id, or values that are neither codes nor
    labels), or some needed item without a column, without a readable value or unanswered."""
    from analysis.responses.coverage import check_items_read
    from instruments.loader import instrument_argument

    arg = instrument_argument(inst)
    cov = check_items_read(data, inst, arg)
    needed = [i.id for c in inst.measured_constructs() for i in inst.measurement_items(c)]
    empty = [i for i in needed if i not in data.items or data.items[i].isna().all()]
    if not empty:
        return
    from instruments.errors import EngagekitInputError

    def listed(ids: list[str]) -> str:
        return ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")

    no_column = [i for i in empty if i in cov.no_column]
    unreadable = [i for i in empty if i in cov.unreadable]
    blank = [i for i in empty if i not in no_column and i not in unreadable]
    why = []
    if no_column:
        why.append(f"no column for {listed(no_column)} (name the columns by item id or map "
                   "them with --column-map)")
    if unreadable:
        why.append(f"no readable value for {listed(unreadable)} (the values are neither codes "
                   "nor anchor labels; e.g. "
                   + ", ".join(f"'{cov.unreadable[i][1]}' in '{cov.unreadable[i][0]}'"
                               for i in unreadable[:2]) + ")")
    if blank:
        why.append(f"nobody answered {listed(blank)}")
    raise EngagekitInputError(
        f"{data.source.file}: no answers for {len(empty)} of the {len(needed)} items the "
        f"analysis of {inst.id} {inst.version} needs: " + "; ".join(why) + ". "
        f"`engagekit responses check {data.source.file} --instrument {arg}` lists what was "
        "read.")


@one_thread_api
def run_study(data: ResponseData, inst: Instrument, settings: StudySettings | None = None,
              created: str | None = None) -> dict[str, Any]:
    """Screen, score, validate and model ``data``; return the results as plain data.

    Parameters
    ----------
    data : ResponseData
        The responses as read (:func:`~analysis.responses.readers.read_responses`) or
        simulated; screening decides who is analysed.
    inst : Instrument
        The instrument answered: it supplies the constructs, model, scales and scoring rules.
    settings : StudySettings or None
        Every choice of the run (default: :class:`StudySettings()`).
    created : str or None
        ISO timestamp recorded as the run's time, the only time in the results; pass it, or
        set ``SOURCE_DATE_EPOCH``, to reproduce a run byte for byte (default: now, UTC).

    Returns
    -------
    dict
        JSON-serialisable results in the :data:`RESULTS_FORMAT` layout: ``format``,
        ``created``, ``software``, ``settings``, ``instrument``, ``data``, ``screening``,
        ``scores``, ``constructs``, ``validation``, ``effects``, ``observed``, ``groups``,
        ``interaction``; :func:`reports.report.render_report` turns them into the report.

    Examples
    --------
    >>> from analysis import ValidationSettings, simulate
    >>> from instruments import load_instrument
    >>> inst = load_instrument("five_commitments")
    >>> quick = StudySettings(n_boot=0, seed=1, n_jobs=1, progress=False,
    ...                       validation=ValidationSettings(htmt_n_boot=50, parallel_iter=10,
    ...                                                     method_factor=False))
    >>> results = run_study(simulate(inst, n=300, seed=1).data, inst, quick,
    ...                     created="2026-12-01T00:00:00+00:00")
    >>> results["format"], results["screening"]["n_read"]
    ('engagekit-results/1', 300)
    >>> [r["largest"] for r in results["effects"]["ranking"]]
    ['affective', 'affective', 'affective']
    """
    s = settings or StudySettings()
    check_engine(s.crosscheck)
    require_items(data, inst)
    screening, kept = _screened(data, inst, s)
    require_analysable(data, screening, s.exclude_flagged)
    with about_file(data.source.file, sample_note(data, screening, s.exclude_flagged)):
        return _with_profiles(_run_study(data, inst, s, screening, kept, created), kept, inst,
                              s)


def _with_profiles(results: dict[str, Any], kept: ResponseData, inst: Instrument,
                   s: StudySettings) -> dict[str, Any]:
    """Add the latent profile analysis (``settings.profiles``) to either kind of run; without
    one, the results are as before it existed (no ``profiles`` setting either)."""
    if s.profiles is None:
        results["settings"].pop("profiles", None)
        return results
    from analysis.profiles.study import study_profiles

    scores = score_responses(kept, inst, s.scoring)
    results["profiles"] = jsonable(study_profiles(scores, inst, s.profiles, seed=s.seed,
                                                  n_jobs=s.n_jobs, progress=s.progress))
    return results


def _run_study(data: ResponseData, inst: Instrument, s: StudySettings,
               screening: ScreeningResult, kept: ResponseData,
               created: str | None) -> dict[str, Any]:
    if s.method == "pls":  # PLS-SEM instead of the CFA and the covariance-based model
        from analysis.pls.study import run_pls_study

        return run_pls_study(data, inst, s, screening, kept, created)
    engine = check_engine(s.crosscheck)
    scores = score_responses(kept, inst, s.scoring)
    items = reverse_keyed(kept.items, inst)
    frame = items.copy()
    if s.group is not None:
        try:
            frame[s.group] = _group_column(kept, inst, s.group)
        except KeyError:
            raise unknown_group(kept, s.group) from None
    estimator = s.estimator.upper()
    ordinal = estimator in ("WLSMV", "DWLS")
    missing = missing_method(s.missing or "listwise")
    vsettings = ValidationSettings(**{**asdict(s.validation), "seed": s.seed,
                                      "estimator": estimator, "missing": missing})
    validation = validate_instrument(frame, inst, group=s.group, settings=vsettings,
                                     crosscheck=engine).to_dict()
    model = inst.to_lavaan()
    effects = estimate_effects(frame, model, n_boot=s.n_boot, seed=s.seed,
                               estimator=estimator,
                               ordered=ordinal_items(inst, model) if ordinal else None,
                               n_jobs=s.n_jobs, scheduler=s.scheduler, progress=s.progress,
                               crosscheck=engine, missing=missing).to_dict()
    # the checks of the CFA and of the structural model, in one section of their own
    checks = [c for c in (validation.pop("crosscheck", None), effects.pop("crosscheck", None))
              if c is not None]
    scale = scores.scores[scores.scale_scores]
    observed = _observed_models(inst, scale, items, effects)
    groups = None
    not_run: list[dict[str, str]] = []  # analyses asked for that could not run, with why
    if s.group is not None and ordinal:
        not_run.append({"analysis": f"structural paths compared across {s.group}",
                        "reason": f"the multi-group path comparison needs an ML estimator, not "
                                  f"{estimator}"})
    elif s.group is not None:
        groups = compare_paths(frame.dropna(subset=[s.group]), model, s.group,
                               estimator=estimator, missing=missing,
                               free_loadings=_released_loadings(validation)).to_dict()
    interaction = None
    if s.interaction is not None and ordinal:
        not_run.append({"analysis": f"latent interaction of {' and '.join(s.interaction)}",
                        "reason": f"product indicators need an ML estimator, not {estimator}"})
    elif s.interaction is not None:
        interaction = latent_interaction(frame, model, *s.interaction,
                                         estimator=estimator).to_dict()
    constructs = measured_item_map(inst)
    samples = _samples(screening.n_kept if s.exclude_flagged else data.n, validation,
                       effects, observed, groups, interaction)
    results = {
        "format": RESULTS_FORMAT,
        "created": created or _now(),
        "software": _versions(),
        "settings": {**sem_settings(s), "missing": missing,
                     "interaction": list(s.interaction) if s.interaction else None},
        "instrument": _instrument_summary(inst, s.brand),
        "data": {"source": asdict(kept.source), "n_read": data.n,
                 "cleaning_log": [e.to_dict() if hasattr(e, "to_dict") else asdict(e)
                                  for e in data.log],
                 # every row read: dropped + excluded (ids, rules) + analysed = rows read
                 "accounting": account(data, screening, s.exclude_flagged),
                 "missing_by_item": {k: int(v) for k, v in
                                     kept.items.isna().sum().items()}},
        "screening": {k: v for k, v in screening.to_dict().items() if k not in ("flags",
                                                                              "metrics")},
        "scores": {"summary": _score_summary(scale, scores.scale_scores),
                   "nps": {k: v.to_dict() for k, v in scores.nps.items()},
                   "indices": {k: v.to_dict() for k, v in scores.indices.items()},
                   "segments": {k: v.to_dict() for k, v in scores.segments.items()}},
        "constructs": constructs,
        "missing_data": _missing_summary(s.missing, missing, samples),
        "samples": samples,
        "validation": validation,
        "effects": effects,
        "observed": observed,
        "groups": groups,
        "interaction": interaction,
        "not_run": not_run,
    }
    if engine is not None:
        results["crosscheck"] = {"engine": engine, "checks": checks}
    return jsonable(results)


def _released_loadings(validation: dict[str, Any]) -> list[str]:
    """The loadings the partial-invariance search across the group released (lavaan's
    ``group.partial`` syntax), so that the path comparison holds only the invariant ones
    equal."""
    part = (validation.get("invariance") or {}).get("partial") or {}
    return [f"{f['factor']}=~{f['item']}" for f in part.get("freed") or []
            if f.get("kind") == "loadings"]


#: StudySettings fields that only PLS runs use (left out of a covariance-based run's results).
PLS_ONLY = ("method", "scheme", "consistent")


def sem_settings(s: StudySettings) -> dict[str, Any]:
    """``asdict(s)`` without the PLS-only fields (a covariance-based run's results are as
    before PLS existed)."""
    return {k: v for k, v in asdict(s).items() if k not in PLS_ONLY}


def _samples(n_kept: int, validation: dict[str, Any], effects: dict[str, Any], observed: dict[str, Any],
             groups: dict[str, Any] | None, interaction: dict[str, Any] | None
             ) -> dict[str, Any]:
    """Every analysis's N and missing-data handling (:func:`analysis.samples.sample_record`),
    keyed by analysis: the validation's, the structural model's and the observed-score
    models', in the order the report shows them."""
    out: dict[str, Any] = {"kept": sample_record("respondents kept after screening", n_kept,
                                                 "complete")}
    out.update(validation["samples"])
    out["structural"] = effects["sample"]
    eqs = observed["equations"]
    if eqs:
        ns = [int(e["ols"]["n"]) for e in eqs]
        out["observed"] = sample_record(
            "regressions, dominance analysis and relative weights on scale scores", min(ns),
            "listwise" if min(ns) < n_kept else "complete",
            n_excluded=n_kept - min(ns),
            note="respondents with a score on every construct of the equation"
            + (f" (n = {min(ns)} to {max(ns)})" if min(ns) != max(ns) else ""))
    if groups:
        n = int(groups["fit_free"]["ntotal"])
        out["groups"] = sample_record(f"path comparison across {groups['group']}", n,
                                      out["structural"]["missing"], n_excluded=n_kept - n)
    if interaction:
        n = int(interaction["fit_measures"]["ntotal"])
        out["interaction"] = sample_record("latent interaction", n,
                                           "listwise" if n < n_kept else "complete",
                                           n_excluded=n_kept - n)
    return out


def _missing_summary(chosen: str | None, used: str, samples: dict[str, Any]) -> dict[str, Any]:
    """How missing answers were handled overall: the method, whether the user chose it, and
    how many respondents it touched (had a missing answer to a model item) and left out."""
    touched = max([r["n_incomplete"] for r in samples.values()] or [0])
    excluded = max([r["n_excluded"] for k, r in samples.items()
                    if k in ("cfa", "structural")] or [0])
    return {"method": used, "chosen": chosen is not None, "n_incomplete": int(touched),
            "n_excluded": int(excluded) if used == "listwise" else 0}


def _screened(data: ResponseData, inst: Instrument, s: StudySettings):
    """The screening of ``data`` and the respondents analysed (kept), as :func:`run_study`
    and :func:`scored_frame` both use them."""
    screening = screen(data, inst, s.screening)
    return screening, (screening.kept() if s.exclude_flagged else data)


def scored_frame(data: ResponseData, inst: Instrument,
                 settings: StudySettings | None = None) -> pd.DataFrame:
    """Respondent-level output, one row per respondent read (index ``respondent_id``).

    Columns: ``excluded`` (True for respondents left out of the analysis), ``flagged_by`` (the
    screening rules that flagged the respondent, ``;``-separated, empty when none), then the
    reverse-keyed item codes and the scores. The scores of the analysed respondents are
    computed exactly as :func:`run_study` computes the report's (same settings, same sample,
    so sample-based cut-points such as a median split are the report's); excluded
    respondents are scored with those cut-points. Filtering on ``excluded == False`` gives
    the report's N and scale means.
    """
    s = settings or StudySettings()
    screening, kept = _screened(data, inst, s)
    flags = screening.flags
    rules = [r for r in flags.columns if r not in ("n_flags", "excluded")]
    flagged_by = flags[rules].apply(lambda row: ";".join(r for r in rules if row[r]), axis=1)
    excluded = ~data.items.index.isin(kept.items.index)
    sc = score_responses(kept, inst, s.scoring)
    frames = [sc.scores]
    if excluded.any():
        rest = data.subset([i for i, e in zip(data.items.index, excluded, strict=True) if e])
        if sc.segments:  # the analysed sample's cut-points, one segment rule at a time
            parts = []
            for rid, seg in sc.segments.items():
                fixed = ScoringSettings(**{**asdict(s.scoring), "attitude_cut": seg.attitude_cut,
                                           "patronage_cut": seg.patronage_cut})
                parts.append(score_responses(rest, inst, fixed).scores[[rid]])
            other = score_responses(rest, inst, s.scoring).scores
            other[[p.columns[0] for p in parts]] = pd.concat(parts, axis=1)
        else:
            other = score_responses(rest, inst, s.scoring).scores
        frames.append(other)
    scores = pd.concat(frames).reindex(data.items.index)
    out = pd.concat([reverse_keyed(data.items, inst), scores], axis=1)
    out.insert(0, "flagged_by", flagged_by.reindex(data.items.index).fillna(""))
    out.insert(0, "excluded", excluded)
    out.index.name = "respondent_id"
    return out


__all__ = ["RESULTS_FORMAT", "StudySettings", "run_study", "scored_frame", "unknown_group"]
