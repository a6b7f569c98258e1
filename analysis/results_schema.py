"""The results format (``results.json``): its marker and a schema of what the report reads.

:func:`~analysis.study.run_study` returns one plain dict marked ``"format":
"engagekit-results/1"`` (:data:`RESULTS_FORMAT`); ``engagekit report`` re-renders a saved copy
without refitting. :class:`Results` describes the sections and fields the report needs, with
their types; :func:`check_results` validates a loaded file against it and raises
:class:`ResultsFileError` naming the section (``validation``, ``effects.ranking[0]``, ...)
that is missing or malformed, so a truncated or hand-edited file stops with exit code 2 instead
of an internal error half-way through rendering.

The schema is deliberately open: sections may hold more fields than listed (newer results,
extra statistics), and fields that earlier versions did not write are optional. Numbers may be
``null`` where the statistic is undefined (results hold no NaN).

>>> check_results({"format": RESULTS_FORMAT}, "r.json")
Traceback (most recent call last):
...
analysis.results_schema.ResultsFileError: r.json: section 'created' is missing (9 more problem(s) in the file); ...
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from instruments.errors import EngagekitInputError
from instruments.limits import MAX_RESULTS_BYTES, check_depth, check_size

RESULTS_FORMAT = "engagekit-results/1"

#: A number that may be null (undefined statistics are saved as null, never NaN).
Num = float | None


class ResultsFileError(EngagekitInputError):
    """A results.json that cannot be read, or whose sections do not match :class:`Results`.
    ``section`` names the first offending section (``None`` when the file as a whole is bad)."""

    code = "results_section"

    def __init__(self, message: str, *, section: str | None = None, code: str | None = None):
        super().__init__(message, code=code)
        self.section = section


class _Part(BaseModel):
    """A part of the results: typed where the report reads it, open to further fields."""

    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True)


# ---- instrument ---------------------------------------------------------------------------------


class ItemSummary(_Part):
    id: str
    label: str
    role: str
    scale: str


class ConstructSummary(_Part):
    id: str
    name: str
    role: str
    items: list[ItemSummary]


class ScaleSummary(_Part):
    id: str
    kind: str
    min: Num = None
    max: Num = None
    anchors: dict[str, str] = {}


class CitationSummary(_Part):
    text: str


class InstrumentSection(_Part):
    id: str
    version: str
    title: str
    language: str = "en"
    placeholders: dict[str, str] | None = None  # absent in results of engagekit < 1.0.1
    constructs: list[ConstructSummary]
    scales: list[ScaleSummary]
    citations: list[CitationSummary]


# ---- data, screening, scores ----------------------------------------------------------------


class SourceSummary(_Part):
    file: str


class DataSection(_Part):
    source: SourceSummary
    n_read: int
    cleaning_log: list[dict[str, Any]]
    missing_by_item: dict[str, int]


class ScreeningSettingsSummary(_Part):
    exclude_rules: list[str]


class ScreeningSection(_Part):
    n_read: int
    n_flagged: dict[str, int]
    n_flagged_any: int
    n_excluded: int
    n_kept: int
    settings: ScreeningSettingsSummary


class NPSSummary(_Part):
    item: str
    n: int
    nps: float
    ci_low: float
    ci_high: float
    pct_promoters: float
    pct_passives: float
    pct_detractors: float


class IndexSummary(_Part):
    id: str
    mean: float
    ci_low: float
    ci_high: float


class SegmentSummary(_Part):
    attitude: str
    patronage: str
    cut: str
    attitude_cut: float
    patronage_cut: float
    n: int
    counts: dict[str, int]


class ScoresSection(_Part):
    nps: dict[str, NPSSummary]
    indices: dict[str, IndexSummary]
    segments: dict[str, SegmentSummary]


class ValidationSettingsSummary(_Part):
    fit_cutoffs: dict[str, list[float]] | None = None


class SettingsSection(_Part):
    estimator: str
    validation: ValidationSettingsSummary = ValidationSettingsSummary()


# ---- validation ---------------------------------------------------------------------------------


class DistributionRow(_Part):
    item: str
    value: Num
    missing: bool
    count: float


class ReliabilityRow(_Part):
    construct_id: str = Field(alias="construct")
    n_items: int
    alpha: Num
    feldt_low: Num
    feldt_high: Num
    omega: Num
    cr: Num
    ordinal_alpha: Num = None  # absent in results of engagekit < 1.0.1
    ordinal_omega: Num = None
    omega_latent: Num = None  # WLSMV: omega of the latent responses (omega: the sum score's)


class ItemTotalRow(_Part):
    construct_id: str = Field(alias="construct")
    item: str
    r_rest: Num
    alpha_if_deleted: Num


class FitMeasures(_Part):
    """lavaan's fit measures by name; the report needs these two in any case."""

    __pydantic_extra__: dict[str, Num]
    srmr: Num
    ntotal: float


class LoadingRow(_Part):
    lhs: str
    rhs: str
    est: Num
    se: Num
    std_all: Num = Field(alias="std.all")


class CFASection(_Part):
    fit_measures: FitMeasures
    loadings: list[LoadingRow]
    modification_indices: list[dict[str, Any]]
    warnings: list[str]
    estimator: str


class ConvergentRow(_Part):
    construct_id: str = Field(alias="construct")
    ave: Num
    composite_reliability: Num


class FornellLarcker(_Part):
    table: dict[str, dict[str, Num]]
    passed: bool


class HTMTPair(_Part):
    construct_a: str
    construct_b: str
    htmt: Num
    ci_lower: Num = Field(None, alias="ci.lower")
    ci_upper: Num = Field(None, alias="ci.upper")


class HTMTSection(_Part):
    matrix: dict[str, dict[str, Num]]
    pairs: list[HTMTPair]
    ci_level: float
    n_boot: int
    seed: int


class HTMT2Section(_Part):
    pairs: list[HTMTPair]


class ValiditySection(_Part):
    convergent: list[ConvergentRow]
    # null with one construct (nothing to discriminate it from); ``skipped`` says why
    fornell_larcker: FornellLarcker | None
    htmt: HTMTSection | None
    htmt2: HTMT2Section | None


class HarmanSummary(_Part):
    variance_share: float
    flagged: bool


class VIFRow(_Part):
    construct_id: str = Field(alias="construct")
    vif: Num


class MethodBiasSection(_Part):
    harman: HarmanSummary
    full_collinearity_vif: list[VIFRow]
    ulmc: dict[str, Any] | None = None


class InvarianceRow(_Part):
    model: str


class InvarianceSection(_Part):
    group: str
    table: list[InvarianceRow]


class ValidationSection(_Part):
    distributions: list[DistributionRow]
    reliability: list[ReliabilityRow]
    item_total: list[ItemTotalRow]
    cfa: CFASection
    validity: ValiditySection
    method_bias: MethodBiasSection
    invariance: InvarianceSection | None = None


# ---- effects, observed scores, groups -----------------------------------------------------------


class PathRow(_Part):
    lhs: str
    rhs: str
    std_all: Num = Field(alias="std.all")
    pvalue: Num


class R2Row(_Part):
    variable: str
    r2: Num


class EffectRow(_Part):
    predictor: str
    outcome: str
    kind: str
    est: Num
    std_all: Num = Field(alias="std.all")
    pvalue: Num


class RankingRow(_Part):
    outcome: str
    largest: str
    std_total: float
    runner_up: str | None = None
    runner_up_std_total: Num = None
    diff_lower: Num = Field(None, alias="diff.lower")
    diff_upper: Num = Field(None, alias="diff.upper")
    credible: bool | None = None


class BootstrapSummary(_Part):
    n_boot: int
    seed: int


class EffectsSection(_Part):
    paths: list[PathRow]
    r2: list[R2Row]
    effects: list[EffectRow]
    ranking: list[RankingRow]
    bootstrap: BootstrapSummary


class DominanceRow(_Part):
    predictor: str
    weight: Num


class DominanceSummary(_Part):
    table: list[DominanceRow]
    r2: float


class EquationSummary(_Part):
    outcome: str
    dominance: DominanceSummary


class IPMARow(_Part):
    construct_id: str = Field(alias="construct")
    importance: Num
    performance: Num


class IPMASummary(_Part):
    outcome: str
    table: list[IPMARow]


class ObservedSection(_Part):
    equations: list[EquationSummary]
    ipma: list[IPMASummary]


class GroupsSection(_Part):
    group: str
    groups: list[str]
    n: dict[str, int] | None = None  # respondents per group (older results lack it)
    paths: list[dict[str, Any]]
    omnibus: dict[str, Num]
    # loadings left free across groups, released by --invariance-partial (lavaan syntax)
    free_loadings: list[str] | None = None


# ---- cross-check (only when one ran) -------------------------------------------------------------


class CrosscheckRow(_Part):
    what: str
    max_abs_diff: Num
    tolerance: float


class CrosscheckFlag(_Part):
    what: str
    parameter: str
    ours: Num
    theirs: Num
    abs_diff: Num
    tolerance: float


class CrosscheckCheck(_Part):
    """One model refitted by the second implementation (:mod:`analysis.sem.crosscheck`)."""

    engine: str
    status: str
    model: str
    reason: str
    version: str
    comparisons: list[CrosscheckRow]
    flagged: list[CrosscheckFlag]


class CrosscheckSection(_Part):
    engine: str
    checks: list[CrosscheckCheck]


class SampleRecord(_Part):
    """One analysis's N and missing-data handling (:func:`analysis.samples.sample_record`)."""

    label: str
    n: int
    missing: str
    n_incomplete: int = 0
    n_excluded: int = 0
    note: str = ""


class MissingDataSection(_Part):
    """How missing answers were handled, whether the user chose it, whom it touched."""

    method: str
    chosen: bool
    n_incomplete: int
    n_excluded: int


class WaveLevelRow(_Part):
    """A measure's level in one wave (:func:`analysis.structural.tracking.track`)."""

    measure: str
    kind: str
    wave: str
    n: int
    mean: Num
    ci_lower: Num = Field(alias="ci.lower")
    ci_upper: Num = Field(alias="ci.upper")


class WaveChangeRow(_Part):
    """A measure's change between two waves with its test."""

    measure: str
    kind: str
    test: str
    est: Num
    se: Num
    t: Num
    df: Num
    pvalue: Num
    ci_lower: Num = Field(alias="ci.lower")
    ci_upper: Num = Field(alias="ci.upper")
    n_from: int
    n_to: int
    n_pairs: int
    from_: str = Field(alias="from")
    to: str


class WaveInfo(_Part):
    label: str
    file: str
    n_read: int
    version: str
    version_recorded: bool


class WaveCombination(_Part):
    waves: list[str]
    n: int


class WavesSection(_Part):
    """A tracking study's waves (:func:`analysis.waves_study.wave_results`; ``run --waves``)."""

    labels: list[str]
    waves: list[WaveInfo]
    linked: bool
    panel: bool
    combinations: list[WaveCombination]
    measures: list[dict[str, Any]]
    levels: list[WaveLevelRow]
    changes: list[WaveChangeRow]
    analysed_wave: str
    basis: str


class CrossLaggedEffect(_Part):
    """A lagged effect of a cross-lagged panel model (:mod:`analysis.structural.cross_lagged`)."""

    outcome: str
    predictor: str
    from_wave: int
    to_wave: int
    kind: str
    est: Num
    se: Num
    pvalue: Num
    ci_lower: Num = Field(alias="ci.lower")
    ci_upper: Num = Field(alias="ci.upper")
    std_all: Num = Field(alias="std.all")
    std_ci_lower: Num = Field(alias="std.ci.lower")
    std_ci_upper: Num = Field(alias="std.ci.upper")


class CrossLaggedModel(_Part):
    syntax: str
    fit: dict[str, Num]
    lagged: list[CrossLaggedEffect]
    random_intercepts: list[dict[str, Any]]
    within: list[dict[str, Any]]
    converged: bool
    warnings: list[str]


class CrossLaggedEqualLags(CrossLaggedModel):
    """The RI-CLPM with each lagged effect equal over waves and its likelihood-ratio test
    against free lags (``run --waves --cross-lagged A,B --cross-lagged-equal``)."""

    comparison: dict[str, Any]


class CrossLaggedSection(_Part):
    """The RI-CLPM and CLPM of a panel study (``run --waves --cross-lagged A,B``)."""

    constructs: list[str]
    waves: int
    measurement: str
    n: dict[str, int]
    models: dict[str, CrossLaggedModel]
    comparison: dict[str, Any]
    notes: list[str] = []
    # --cross-lagged-equal: the RI-CLPM with equal lags and its test against free lags
    equal_lags_test: CrossLaggedEqualLags | None = None
    # the same test in the CLPM (written since the CLPM's test was added)
    equal_lags_test_clpm: CrossLaggedEqualLags | None = None


class ProfileModelRow(_Part):
    """One model of the latent profile comparison table (:mod:`analysis.profiles.compare`)."""

    family: str
    k: int
    logl: Num
    npar: int
    aic: Num
    bic: Num
    sabic: Num
    entropy: Num = None
    smallest: Num
    n_starts: int
    n_final: int
    n_replicated: int
    blrt_lr: Num = None
    blrt_pvalue: Num = None
    blrt_draws: Num = None


class ProfileSelected(_Part):
    family: str
    k: int
    chosen_by: str
    blrt_k: int | None = None


class ProfilesSettings(_Part):
    """The analysis' choices as the report reads them (older results lack ``outcome_method``:
    they used BCH)."""

    outcome_method: str = "bch"

    @field_validator("outcome_method")
    @classmethod
    def _known_method(cls, value: str) -> str:
        if value.lower() not in ("bch", "ml3"):
            raise ValueError(f"outcome_method {value!r} is neither 'bch' nor 'ml3'")
        return value


class ProfilesSection(_Part):
    """The latent profile analysis (:func:`analysis.profiles.study.study_profiles`)."""

    indicators: list[str]
    outcomes: list[str]
    n: int
    comparison: list[ProfileModelRow]
    selected: ProfileSelected
    settings: ProfilesSettings = ProfilesSettings()
    profiles: list[dict[str, Any]]
    means: list[dict[str, Any]]
    outcome_means: list[dict[str, Any]]
    outcome_differences: list[dict[str, Any]]
    crosstab: dict[str, Any] | None = None


class WaveInvarianceRow(_Part):
    construct_: str = Field(alias="construct")
    model: str
    decision: str
    freed: list[str]


class WaveInvarianceRule(_Part):
    criterion: str
    text: str


class WaveInvarianceLimits(_Part):
    text: str


class WaveInvarianceSection(_Part):
    """Invariance across waves with the partial-invariance search
    (:func:`analysis.psychometrics.wave_invariance.invariance_across_waves`)."""

    design: str
    waves: list[str]
    constructs: dict[str, list[str]]
    estimator: str
    rule: WaveInvarianceRule
    limits: WaveInvarianceLimits
    table: list[WaveInvarianceRow]
    steps: list[dict[str, Any]]
    freed: list[dict[str, Any]]
    means: list[dict[str, Any]]


# ---- the whole file -----------------------------------------------------------------------------


class Results(_Part):
    """What ``engagekit report`` needs from a results.json (:data:`RESULTS_FORMAT`)."""

    format: str
    created: str
    software: dict[str, str | None]
    settings: SettingsSection
    instrument: InstrumentSection
    data: DataSection
    screening: ScreeningSection
    scores: ScoresSection
    validation: ValidationSection
    effects: EffectsSection
    observed: ObservedSection
    groups: GroupsSection | None = None
    interaction: dict[str, Any] | None = None
    crosscheck: CrosscheckSection | None = None
    # absent in results saved before each analysis recorded its sample
    samples: dict[str, SampleRecord] | None = None
    missing_data: MissingDataSection | None = None
    waves: WavesSection | None = None  # a tracking study only (run --waves)
    cross_lagged: CrossLaggedSection | None = None  # run --waves --cross-lagged A,B
    # latent profile analysis (engagekit run --profiles; analysis.profiles.study)
    profiles: ProfilesSection | None = None
    # run --waves --invariance only
    invariance_waves: WaveInvarianceSection | None = None


# ---- PLS-SEM (``engagekit run --method pls``) ---------------------------------------------------


class PLSSettingsSummary(_Part):
    scheme: str
    consistent: bool
    modes: dict[str, str]
    max_iter: int
    tol: float
    missing: str
    missing_chosen: bool
    n_boot: int
    seed: int | None
    level: float
    ci: str


class PLSSampleSummary(_Part):
    n: int
    missing: str
    n_incomplete: int = 0
    n_dropped: int = 0
    replaced: dict[str, int] = {}


class PLSEstimateRow(_Part):
    lhs: str
    op: str
    rhs: str
    est: Num
    se: Num = None
    ci_lower: Num = Field(None, alias="ci.lower")
    ci_upper: Num = Field(None, alias="ci.upper")
    bca_lower: Num = Field(None, alias="bca.lower")
    bca_upper: Num = Field(None, alias="bca.upper")


class PLSIndicatorRow(_Part):
    construct_id: str = Field(alias="construct")
    item: str
    loading: Num
    weight: Num
    reliability: Num
    vif: Num


class PLSReliabilityRow(_Part):
    construct_id: str = Field(alias="construct")
    items: int
    alpha: Num
    rho_c: Num
    rho_a: Num
    ave: Num


class PLSPathRow(_Part):
    lhs: str
    rhs: str
    est: Num
    vif: Num
    f2: Num


class PLSR2Row(_Part):
    construct_id: str = Field(alias="construct")
    r2: Num
    r2_adj: Num


class PLSAssessmentSection(_Part):
    indicators: list[PLSIndicatorRow]
    reliability: list[PLSReliabilityRow]
    htmt: dict[str, dict[str, Num]]
    fornell_larcker: dict[str, dict[str, Num]]
    paths: list[PLSPathRow]
    r2: list[PLSR2Row]
    effects: list[dict[str, Any]]
    fit: dict[str, dict[str, Num]]


class PLSIpmaRow(_Part):
    construct_id: str = Field(alias="construct")
    importance: Num
    performance: Num
    priority: str


class PLSIpmaSummary(_Part):
    target: str
    target_performance: Num
    constructs: list[PLSIpmaRow]


class PLSPredictItemRow(_Part):
    construct_id: str = Field(alias="construct")
    item: str
    rmse: Num
    mae: Num
    q2_predict: Num
    lm_rmse: Num
    lm_mae: Num


class PLSPredictConstructRow(_Part):
    construct_id: str = Field(alias="construct")
    items: int
    q2_positive: bool
    pls_better_rmse: int
    predictive_power: str


class PLSPredictSummary(_Part):
    """PLSpredict (:func:`analysis.pls.predict.predict_pls`) of a ``--method pls`` run."""

    settings: dict[str, Any]
    items: list[PLSPredictItemRow]
    constructs: list[PLSPredictConstructRow]


class PLSGroupPathRow(_Part):
    lhs: str
    rhs: str
    est_group1: Num = Field(alias="est.group1")
    est_group2: Num = Field(alias="est.group2")
    diff: Num
    pvalue: Num
    comparable: bool


class PLSInvarianceRow(_Part):
    construct_id: str = Field(alias="construct")
    invariance: str


class PLSMicomSummary(_Part):
    step2: list[dict[str, Any]]
    step3: list[dict[str, Any]]


class PLSGroupsSummary(_Part):
    """MICOM and the path differences of ``run --method pls --group`` (analysis.pls.groups)."""

    column: str
    groups: list[str]
    n_groups: list[int]
    n_perm: int
    seed: int
    alpha: Num
    n_boot: int
    micom: PLSMicomSummary
    invariance: list[PLSInvarianceRow]
    paths: list[PLSGroupPathRow]


class PLSInteractionSummary(_Part):
    """The two-stage moderating effect of ``run --method pls --interaction X M``
    (:mod:`analysis.pls.moderation`)."""

    method: str
    x: str
    moderator: str
    term: str
    outcomes: list[str]
    paths: list[PLSEstimateRow]
    interactions: list[dict[str, Any]]
    simple_slopes: list[dict[str, Any]]
    bootstrap: dict[str, Any]


class PLSSection(_Part):
    """The PLS path model of a ``--method pls`` run (:mod:`analysis.pls.pipeline`)."""

    algorithm: str
    model: str
    constructs: list[dict[str, Any]]
    settings: PLSSettingsSummary
    sample: PLSSampleSummary
    iterations: int
    warnings: list[str]
    estimates: list[PLSEstimateRow]
    assessment: PLSAssessmentSection
    ranking: list[RankingRow]
    bootstrap: dict[str, Any]
    ipma: list[PLSIpmaSummary] = []  # run --method pls: each final outcome's map
    predict: PLSPredictSummary | None = None  # run --method pls: PLSpredict
    groups: PLSGroupsSummary | None = None  # run --method pls --group COL: MICOM and MGA
    interaction: PLSInteractionSummary | None = None  # run --method pls --interaction X M


class PLSValidationSection(_Part):
    distributions: list[DistributionRow]


class PLSResults(Results):
    """A results.json of ``engagekit run --method pls``: ``pls`` instead of the CFA and the
    covariance-based ``effects``; ``validation`` holds the item distributions only."""

    validation: PLSValidationSection  # type: ignore[assignment]
    effects: None = None  # type: ignore[assignment]
    pls: PLSSection


def _where(loc: tuple[str | int, ...]) -> str:
    out = ""
    for key in loc:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def check_results(results: Any, file: str = "results.json") -> None:
    """Raise :class:`ResultsFileError` unless ``results`` is an engagekit results dict whose
    sections the report can read; the message names the file and the section."""
    if not isinstance(results, dict) or results.get("format") != RESULTS_FORMAT:
        raise ResultsFileError(f"{file}: not an engagekit results file (expected \"format\": "
                               f"\"{RESULTS_FORMAT}\"); make one with `engagekit run` or "
                               "`engagekit demo`", code="results_file")
    try:
        (PLSResults if "pls" in results else Results).model_validate(results)
    except ValidationError as err:
        errors = err.errors(include_url=False)
        first = errors[0]
        section = _where(first["loc"])
        if first["type"] == "missing":
            what = f"section '{section}' is missing"
        else:
            got = first.get("input")
            shown = "" if isinstance(got, dict | list) else f" (got {json.dumps(got)})"
            what = f"section '{section}' is malformed: {first['msg'][0].lower()}" \
                   f"{first['msg'][1:]}{shown}"
        more = f" ({len(errors) - 1} more problem(s) in the file)" if len(errors) > 1 else ""
        raise ResultsFileError(
            f"{file}: {what}{more}; the report needs it: write the file again with "
            "`engagekit run` (or restore the section)", section=section) from None


#: Keys renamed since results were first saved: (where, old key, new key). ``where`` names the
#: lists of records the key is in (see :func:`upgrade_results`).
RENAMED_KEYS = [
    (("validation", "validity", "htmt", "pairs"), "ci_low", "ci.lower"),
    (("validation", "validity", "htmt", "pairs"), "ci_high", "ci.upper"),
    (("validation", "validity", "htmt2", "pairs"), "ci_low", "ci.lower"),
    (("validation", "validity", "htmt2", "pairs"), "ci_high", "ci.upper"),
    (("effects", "effects"), "std", "std.all"),
]


def upgrade_results(results: Any) -> Any:
    """``results`` with the keys of :data:`RENAMED_KEYS` under today's names, so a results.json
    saved by an earlier engagekit still renders. Returns a new dict when something was renamed
    (the input is never modified) and ``results`` itself otherwise."""
    if not isinstance(results, dict):
        return results
    out = results
    for where, old, new in RENAMED_KEYS:
        node: Any = results
        for key in where:
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, list) or not any(isinstance(r, dict) and old in r
                                                 for r in node):
            continue
        if out is results:
            out = copy.deepcopy(results)
        target: Any = out
        for key in where:
            target = target[key]
        target[:] = [{(new if k == old else k): v for k, v in r.items()}
                     if isinstance(r, dict) and new not in r else r for r in target]
    return out


def read_results(path: str | Path) -> dict[str, Any]:
    """Load and check a saved results.json (see :func:`check_results`)."""
    p = Path(path)
    if not p.is_file():
        raise ResultsFileError(f"{path}: file not found", code="file_not_found")
    check_size(p, MAX_RESULTS_BYTES, "results files", ResultsFileError)
    try:
        results = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ResultsFileError(f"{path}: not a JSON file ({e})", code="results_file") from None
    except RecursionError:
        raise ResultsFileError(f"{path}: is nested too deeply to be an engagekit results file",
                               code="too_deeply_nested") from None
    check_depth(results, str(path), "an engagekit results file", ResultsFileError)
    results = upgrade_results(results)
    check_results(results, str(path))
    return results


__all__ = ["PLSResults", "RENAMED_KEYS", "RESULTS_FORMAT", "Results", "ResultsFileError", "check_results",
           "read_results", "upgrade_results"]
