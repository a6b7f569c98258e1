"""Simulated respondents from an instrument's population model, with known true parameters.

The population (``population:`` in the instrument file, :class:`instruments.schema.Population`)
is a standardized structural equation model in the latent-response formulation:

* exogenous constructs ``xi ~ N(0, Phi)`` with unit variances and the declared correlations;
* each endogenous construct, in causal order, ``eta_o = sum_p b_op * eta_p + zeta_o`` with
  ``Var(zeta_o) = 1 - b_o' Sigma_pp b_o``, so every construct has variance 1 (standardized,
  endogenous ones included);
* each measurement item ``y* = lambda * eta_c + sqrt(1 - lambda^2) * e`` (standardized; a
  reverse-keyed item loads ``lambda`` after reverse scoring, i.e. its raw code is
  ``min + max - code``);
* ``y*`` becomes a code of the item's *declared* scale through thresholds: explicit ones, or
  equally spaced ones from the rule ``code = round(m + s * y*)`` clipped to the scale (see
  :class:`~instruments.schema.ResponseRule`);
* other items (segmenting questions) follow their :class:`~instruments.schema.ItemDistribution`
  (categories cut at normal quantiles of the declared probabilities, optionally driven by
  constructs), or are uniform when none is declared; attention checks get the expected answer
  except with probability ``attention_failure_rate``.

Careless respondents replace a given fraction of the sample: *straightliners* choose one
relative position of the scale and give it to every item; *random responders* pick codes
uniformly (the two patterns of Meade & Craig 2012 and Curran 2016). Both answer much faster.
Missing answers are MCAR or MAR (probability logistic in an always-observed driver item).

:func:`true_parameters` returns the population values (loadings, paths, latent correlations,
R-squared, direct/indirect/total effects, thresholds) so that estimators can be checked for
parameter recovery. These are parameters of the latent responses ``y*``: ordinal (polychoric)
estimators recover them; Pearson-based estimates on the codes are attenuated.

Every random step draws from ``numpy.random.SeedSequence(seed)``; the same seed and settings
give the same data and, written out, the same bytes. The recorded ``display_order`` is the
order the engagekit HTML survey would show each respondent id (seeded by the id).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from analysis.arguments import check_seed
from analysis.responses.data import ResponseData, SourceInfo
from instruments.errors import EngagekitInputError
from instruments.plain import to_plain
from instruments.schema import (
    ORDINAL_KINDS,
    Instrument,
    Item,
    ItemRole,
    Population,
    PopulationCorrelation,
    PopulationPath,
    ResponseRule,
    ScaleKind,
)


class SimulationError(EngagekitInputError):
    """Settings or a population model that cannot be simulated."""


class DefaultPopulationWarning(UserWarning):
    """The instrument has no ``population`` section: the default population is simulated."""

    code = "simulation_input"


@dataclass(frozen=True)
class SimulationSettings:
    """Sample size, seed, careless respondents, missingness and timing of a simulation.

    Parameters
    ----------
    n : int, default 1000
        Respondents.
    seed : int, default 0
        Seed of every random step: the same seed and settings give the same data.
    straightliners, random_responders : float, default 0.0
        Fractions of the sample replaced by straightliners (one relative scale position for
        every item) and random responders (uniform codes).
    missing : float, default 0.0
        Expected fraction of missing answers per eligible cell.
    missing_mechanism : {"mcar", "mar"}, default "mcar"
        Missing completely at random, or at random given ``mar_driver``.
    mar_driver : str or None
        Item whose observed value drives MAR missingness (logistic).
    mar_strength : float, default 1.0
        Logistic slope of MAR missingness per SD of the driver.
    languages : mapping of str to float, or None
        ``{language: share}`` of the sample (default: the default language only).
    start : str, default "2026-12-01T08:00:00Z"
        Start of fieldwork (ISO 8601, UTC).
    field_days : float, default 14.0
        Days over which start times are spread.
    seconds_per_item : float, default 6.0
        Median time per shown item of attentive respondents.
    careless_seconds_per_item : float, default 1.5
        Median time per shown item of straightliners and random responders.
    time_sd : float, default 0.3
        SD of the log completion time.
    id_prefix : str, default "sim"
        Prefix of the respondent ids (``sim0001``, ...).

    Examples
    --------
    >>> settings = SimulationSettings(n=400, seed=1, straightliners=0.05, missing=0.02)
    >>> sim = simulate("five_commitments", settings)
    >>> sim.respondent_type.value_counts().to_dict()
    {'attentive': 380, 'straightliner': 20}
    >>> round(float(sim.data.items.isna().mean().mean()), 3)
    0.02
    """

    n: int = 1000
    seed: int = 0
    straightliners: float = 0.0  # fraction of the sample
    random_responders: float = 0.0  # fraction of the sample
    missing: float = 0.0  # expected fraction of missing answers per eligible cell
    missing_mechanism: Literal["mcar", "mar"] = "mcar"
    mar_driver: str | None = None  # item whose (observed) value drives MAR missingness
    mar_strength: float = 1.0  # logistic slope per SD of the driver
    languages: Mapping[str, float] | None = None  # language -> share; default language only
    start: str = "2026-12-01T08:00:00Z"
    field_days: float = 14.0
    seconds_per_item: float = 6.0  # median time per shown item, attentive respondents
    careless_seconds_per_item: float = 1.5  # median for straightliners and random responders
    time_sd: float = 0.3  # SD of log completion time
    id_prefix: str = "sim"


@dataclass
class TrueParameters:
    """Population values of a simulation (standardized, latent-response scale).

    ``loadings``: construct, item, keyed, loading (after reverse scoring), raw_loading (sign of
    the code as answered), residual_variance; ``paths``: outcome, predictor, estimate;
    ``effects``: outcome, predictor, direct, indirect, total (all ordered pairs with a
    nonzero total); ``correlations``: latent correlation matrix; ``r_squared`` and
    ``residual_variances`` of endogenous constructs; ``thresholds``: cut-points on the y* scale
    per item (scored direction, one fewer than codes).
    """

    constructs: list[str]
    exogenous: list[str]
    endogenous: list[str]
    loadings: pd.DataFrame
    paths: pd.DataFrame
    effects: pd.DataFrame
    correlations: pd.DataFrame
    r_squared: dict[str, float]
    residual_variances: dict[str, float]
    thresholds: dict[str, list[float]]

    def loading(self, item: str) -> float:
        return float(self.loadings.set_index("item").loc[item, "loading"])

    def path(self, outcome: str, predictor: str) -> float:
        hit = self.paths[(self.paths.outcome == outcome) & (self.paths.predictor == predictor)]
        return float(hit.estimate.iloc[0]) if len(hit) else 0.0

    def total_effect(self, outcome: str, predictor: str) -> float:
        e = self.effects
        hit = e[(e.outcome == outcome) & (e.predictor == predictor)]
        return float(hit.total.iloc[0]) if len(hit) else 0.0

    def item_correlations(self) -> pd.DataFrame:
        """Model-implied correlations of the scored latent responses y* of measured items."""
        lo = self.loadings
        idx = [self.constructs.index(c) for c in lo.construct]
        lam = lo.loading.to_numpy()
        R = self.correlations.to_numpy()[np.ix_(idx, idx)] * np.outer(lam, lam)
        np.fill_diagonal(R, 1.0)
        return pd.DataFrame(R, index=list(lo.item), columns=list(lo.item))

    def to_dict(self) -> dict:
        return to_plain({"constructs": self.constructs, "exogenous": self.exogenous,
                         "endogenous": self.endogenous, "loadings": self.loadings,
                         "paths": self.paths, "effects": self.effects,
                         "correlations": {r: {c: float(v) for c, v in row.items()}
                                          for r, row in self.correlations.iterrows()},
                         "r_squared": dict(self.r_squared),
                         "residual_variances": dict(self.residual_variances),
                         "thresholds": {k: list(v) for k, v in self.thresholds.items()}})


@dataclass
class Simulation:
    """Simulated responses (``data``), who is careless (``respondent_type``), the true latent
    scores (``latent``) and the population values (``truth``)."""

    data: ResponseData
    respondent_type: pd.Series
    latent: pd.DataFrame
    truth: TrueParameters
    settings: SimulationSettings
    missing_mask: pd.DataFrame = field(repr=False, default=None)

    def to_dict(self) -> dict:
        return to_plain({"settings": asdict(self.settings), "truth": self.truth.to_dict(),
                         "respondent_type": self.respondent_type,
                         "data": self.data.to_dict()})


# ---- the population model -----------------------------------------------------------------------


#: The default population's correlation between the model's exogenous constructs and the
#: total of each structural equation's effects (see :func:`default_population`).
DEFAULT_CORRELATION = 0.30
DEFAULT_EFFECT = 0.30


def default_population(inst: Instrument) -> Population:
    """The population engagekit simulates an instrument without a ``population`` section from.

    Every construct is measured with loadings .75 (reverse-keyed items .65; an item that is
    the only measure of a construct in the model: 1), the constructs of the structural model
    that are no outcome correlate .30 with each other, and each path of the instrument's model
    has the effect .30 / sqrt(k) for each of its k predictors; answers centre at 60% of each
    scale (:class:`~instruments.schema.ResponseRule` defaults). Enough to try the whole
    pipeline (simulate, run, report) on an own instrument; it says nothing about real data.

    >>> from instruments import load_instrument
    >>> pop = default_population(load_instrument("five_commitments"))
    >>> round(pop.paths[0].effects["affective"], 3), pop.correlations[0].r
    (0.134, 0.3)
    """
    measured = {c.id for c in inst.measured_constructs()}
    paths = [p for p in inst.model.paths
             if p.outcome in measured and all(x in measured for x in p.predictors)]
    outcomes = {p.outcome for p in paths}
    in_model = list(dict.fromkeys(x for p in paths for x in (*p.predictors, p.outcome)))
    exogenous = [c for c in (in_model or sorted(measured)) if c not in outcomes]
    correlations = [PopulationCorrelation(constructs=(a, b), r=DEFAULT_CORRELATION)
                    for k, a in enumerate(exogenous) for b in exogenous[k + 1:]]
    loadings = {}
    for cid in in_model:
        items = inst.measurement_items(inst.construct(cid))
        if len(items) == 1:
            loadings[items[0].id] = 1.0
    return Population(
        description="engagekit's default population (the instrument has no 'population' "
                    "section): loadings .75 (reverse-keyed .65), exogenous constructs "
                    "correlated .30, each path effect .30/sqrt(number of predictors)",
        loadings=loadings, correlations=correlations,
        paths=[PopulationPath(outcome=p.outcome, effects={
            x: DEFAULT_EFFECT / math.sqrt(len(p.predictors)) for x in p.predictors})
            for p in paths])


def _population(inst: Instrument, population: Population | None) -> Population:
    pop = population if population is not None else inst.population
    if pop is None:
        warnings.warn(
            f"instrument '{inst.id}' has no 'population' section: simulating from engagekit's "
            "default population (loadings .75, reverse-keyed .65; the model's exogenous "
            "constructs correlated .30; each path effect .30/sqrt(number of predictors)). Add "
            "a 'population' section to the instrument to simulate the population you expect "
            "(README, 'The instrument format')", DefaultPopulationWarning, stacklevel=3)
        population = pop = default_population(inst)
    if population is not None:
        from instruments.checks import check_instrument

        problems = check_instrument(inst.model_copy(update={"population": population}))
        problems = [f.message for f in problems if f.loc and f.loc[0] == "population"]
        if problems:
            raise SimulationError("invalid population model: " + "; ".join(problems))
    return pop


def _structure(inst: Instrument, pop: Population):
    """(construct ids, exogenous, endogenous in causal order, B, Phi, psi)."""
    measured = [c.id for c in inst.measured_constructs()]
    preds = {p.outcome: p.effects for p in pop.paths}
    exo = [c for c in measured if c not in preds]
    endo: list[str] = []
    remaining = [p.outcome for p in pop.paths]
    while remaining:
        ready = [o for o in remaining if all(x in exo or x in endo for x in preds[o])]
        if not ready:
            raise SimulationError("the population paths form a cycle: " + ", ".join(remaining))
        endo += ready
        remaining = [o for o in remaining if o not in ready]
    ids = exo + endo
    k = {c: j for j, c in enumerate(ids)}
    n = len(ids)
    B = np.zeros((n, n))
    for o, eff in preds.items():
        for p, b in eff.items():
            B[k[o], k[p]] = b
    Phi = np.eye(len(exo))
    for corr in pop.correlations:
        a, b = corr.constructs
        Phi[k[a], k[b]] = Phi[k[b], k[a]] = corr.r
    # residual variances so that every endogenous variance is 1, in causal order
    psi = np.zeros(n)
    Psi = np.zeros((n, n))
    Psi[: len(exo), : len(exo)] = Phi
    inv = np.linalg.inv(np.eye(n) - B)
    for o in endo:
        j = k[o]
        Sigma = inv @ Psi @ inv.T  # predictors of o are already final
        b = B[j]
        explained = float(b @ Sigma @ b)
        if explained >= 1:
            raise SimulationError(f"population effects on '{o}' explain {explained:.3f} of "
                                  "its variance; they must explain less than 1")
        psi[j] = 1 - explained
        Psi[j, j] = psi[j]
    return ids, exo, endo, B, Phi, psi, inv @ Psi @ inv.T


def _loading(pop: Population, item: Item) -> float:
    if item.id in pop.loadings:
        return pop.loadings[item.id]
    return pop.default_reverse_loading if item.keyed == "minus" else pop.default_loading


def _rule(inst: Instrument, pop: Population, item: Item) -> ResponseRule:
    construct = inst.item_construct(item.id).id
    scale = inst.item_scale(item).id
    for target in (item.id, construct, scale):
        for rule in pop.responses:
            if target in rule.applies_to:
                return rule
    for rule in pop.responses:
        if not rule.applies_to:
            return rule
    return ResponseRule()


def _thresholds(inst: Instrument, pop: Population, item: Item) -> list[float] | None:
    """Cut-points on the y* scale of an ordinal item (None for numeric items)."""
    scale = inst.item_scale(item)
    if scale.kind not in ORDINAL_KINDS:
        return None
    rule = _rule(inst, pop, item)
    if rule.thresholds is not None:
        return list(rule.thresholds)
    lo, hi = scale.min, scale.max
    m = lo + rule.center * (hi - lo)
    s = rule.spread * (hi - lo)
    return [(c + 0.5 - m) / s for c in scale.codes[:-1]]


def true_parameters(instrument: Instrument | str,
                    population: Population | None = None) -> TrueParameters:
    """The population values behind :func:`simulate` (see :class:`TrueParameters`).

    They are values of the standardized latent responses ``y*`` (module docstring), so that
    estimators can be checked for parameter recovery.

    Parameters
    ----------
    instrument : Instrument or str
        An instrument with a ``population`` section, or a bundled name or YAML path.
    population : Population or None
        A population model to use instead of the instrument's own.

    Returns
    -------
    TrueParameters
        ``loadings``, ``paths``, ``effects`` (direct, indirect, total), latent
        ``correlations``, ``r_squared``, ``residual_variances`` and item ``thresholds``.

    Examples
    --------
    >>> truth = true_parameters("five_commitments")
    >>> truth.loading("aff_01"), truth.path("satisfaction", "affective")
    (0.82, 0.4)
    >>> round(truth.total_effect("repurchase", "affective"), 3)
    0.34
    """
    inst = _load(instrument)
    pop = _population(inst, population)
    ids, exo, endo, B, _Phi, psi, Sigma = _structure(inst, pop)
    rows = []
    thresholds = {}
    for c in inst.measured_constructs():
        for item in inst.measurement_items(c):
            lam = _loading(pop, item)
            rows.append({"construct": c.id, "item": item.id, "keyed": item.keyed,
                         "loading": lam, "raw_loading": -lam if item.keyed == "minus" else lam,
                         "residual_variance": 1 - lam * lam})
            t = _thresholds(inst, pop, item)
            if t is not None:
                thresholds[item.id] = t
    loadings = pd.DataFrame(rows, columns=["construct", "item", "keyed", "loading",
                                           "raw_loading", "residual_variance"])
    k = {c: j for j, c in enumerate(ids)}
    paths = pd.DataFrame([{"outcome": p.outcome, "predictor": x, "estimate": b}
                          for p in pop.paths for x, b in p.effects.items()],
                         columns=["outcome", "predictor", "estimate"])
    n = len(ids)
    T = np.linalg.inv(np.eye(n) - B) - np.eye(n)
    effects = []
    for o in ids:
        for p in ids:
            tot = T[k[o], k[p]]
            if o != p and abs(tot) > 1e-15:
                d = B[k[o], k[p]]
                effects.append({"outcome": o, "predictor": p, "direct": d,
                                "indirect": tot - d, "total": tot})
    effects_df = pd.DataFrame(effects, columns=["outcome", "predictor", "direct", "indirect",
                                                "total"])
    corr = pd.DataFrame(Sigma, index=ids, columns=ids)
    return TrueParameters(
        constructs=ids, exogenous=exo, endogenous=endo, loadings=loadings, paths=paths,
        effects=effects_df, correlations=corr,
        r_squared={o: float(1 - psi[k[o]]) for o in endo},
        residual_variances={o: float(psi[k[o]]) for o in endo}, thresholds=thresholds)


# ---- generation ----------------------------------------------------------------------------------


def _load(instrument: Instrument | str) -> Instrument:
    if isinstance(instrument, Instrument):
        return instrument
    from instruments.loader import load_instrument

    return load_instrument(instrument)


def _check_settings(s: SimulationSettings, inst: Instrument) -> None:
    if not isinstance(s.n, int) or s.n < 1:
        raise SimulationError(f"n must be a whole number of respondents >= 1 (got {s.n})")
    check_seed(s.seed, error=SimulationError)
    for name in ("straightliners", "random_responders", "missing"):
        v = getattr(s, name)
        if not 0 <= v <= 1:
            raise SimulationError(f"{name} is a fraction between 0 and 1 (got {v})")
    if s.straightliners + s.random_responders > 1:
        raise SimulationError("straightliners + random_responders exceed 1")
    if s.missing_mechanism not in ("mcar", "mar"):
        raise SimulationError(f"missing_mechanism must be 'mcar' or 'mar' (got "
                              f"'{s.missing_mechanism}')")
    if s.mar_driver is not None and s.mar_driver not in {i.id for i in inst.items()}:
        raise SimulationError(f"mar_driver '{s.mar_driver}' is not an item of {inst.id}")
    if s.languages is not None:
        bad = [lang for lang in s.languages if lang not in inst.language_codes]
        if bad or not s.languages or any(w < 0 for w in s.languages.values()) or \
                sum(s.languages.values()) <= 0:
            raise SimulationError("languages must give non-negative shares of declared "
                                  f"languages ({', '.join(inst.language_codes)})")
    try:
        pd.Timestamp(s.start)
    except (ValueError, TypeError):
        raise SimulationError(f"start '{s.start}' is not an ISO 8601 date-time") from None
    if s.seconds_per_item <= 0 or s.careless_seconds_per_item <= 0 or s.time_sd < 0 \
            or s.field_days < 0:
        raise SimulationError("times must be positive")


def _codes_from_thresholds(y: np.ndarray, thresholds: list[float], codes: list[int]) -> np.ndarray:
    return np.asarray(codes, dtype=float)[np.searchsorted(np.asarray(thresholds), y)]


def _display_orders(inst: Instrument, ids: list[str]) -> list[list[str]]:
    """The order the engagekit HTML survey shows the items to each respondent id.

    Same rule as :func:`instruments.survey.order.display_order` (pages in survey order, a
    randomized page shuffled by the seeded Fisher-Yates of :func:`instruments.survey.shuffled`
    with seed ``"{respondent_id}:{page_id}"``), with the pages computed once.
    """
    from instruments.survey import shuffled, survey_pages

    pages = [(p.id, p.block.randomize, [q.id for q in p.questions]) for p in survey_pages(inst)]
    out = []
    for rid in ids:
        seq: list[str] = []
        for page_id, randomize, members in pages:
            seq += shuffled(members, f"{rid}:{page_id}") if randomize else members
        out.append(seq)
    return out


def simulate(instrument: Instrument | str, settings: SimulationSettings | None = None, *,
             population: Population | None = None, **kwargs) -> Simulation:
    """Simulate respondents to ``instrument`` from its population model (module docstring).

    Parameters
    ----------
    instrument : Instrument or str
        An instrument with a ``population`` section, or a bundled name or YAML path.
    settings : SimulationSettings or None
        Sample size, seed, careless respondents, missingness and timing (default:
        :class:`SimulationSettings()`).
    population : Population or None
        A population model to use instead of the instrument's own.
    **kwargs
        :class:`SimulationSettings` fields, e.g. ``n=2000, seed=7, straightliners=0.05``,
        overriding those of ``settings``.

    Returns
    -------
    Simulation
        ``data`` (a :class:`~analysis.responses.ResponseData` in the engagekit response
        format), ``respondent_type`` (attentive, straightliner or random), the true
        ``latent`` scores, the population values ``truth`` and the ``settings``.

    Examples
    --------
    >>> sim = simulate("five_commitments", n=5, seed=1)
    >>> sim.data.items.shape
    (5, 34)
    >>> sim.data.items.index[0], sim.data.items.iloc[0, :3].tolist()
    ('sim0001', [6.0, 5.0, 3.0])
    >>> simulate("five_commitments", n=5, seed=1).data.items.equals(sim.data.items)
    True
    """
    inst = _load(instrument)
    s = settings if settings is not None else SimulationSettings(**kwargs)
    if settings is not None and kwargs:
        s = SimulationSettings(**{**asdict(settings), **kwargs})
    _check_settings(s, inst)
    pop = _population(inst, population)
    truth = true_parameters(inst, pop)
    ids_c, exo, endo, B, Phi, psi, _Sigma = _structure(inst, pop)
    k = {c: j for j, c in enumerate(ids_c)}
    (r_latent, r_items, r_att, r_assign, r_careless, r_missing, r_time,
     _r_spare) = [np.random.default_rng(x) for x in np.random.SeedSequence(s.seed).spawn(8)]
    n = s.n
    # latent scores
    eta = np.zeros((n, len(ids_c)))
    if exo:
        L = np.linalg.cholesky(Phi)
        eta[:, : len(exo)] = r_latent.standard_normal((n, len(exo))) @ L.T
    zeta = r_latent.standard_normal((n, len(endo)))
    for j_e, o in enumerate(endo):
        j = k[o]
        eta[:, j] = eta @ B[j] + math.sqrt(psi[j]) * zeta[:, j_e]
    latent = pd.DataFrame(eta, columns=ids_c)
    # items of attentive respondents
    items = inst.items()
    dists = {d.item: d for d in pop.items}
    measured = {i.id: c for c in inst.measured_constructs() for i in inst.measurement_items(c)}
    out: dict[str, np.ndarray] = {}
    eps = r_items.standard_normal((n, len(items)))
    for j_i, item in enumerate(items):
        scale = inst.item_scale(item)
        e = eps[:, j_i]
        if item.role == ItemRole.attention_check:
            expected = np.asarray(item.expected, dtype=float)
            other = np.asarray([c for c in scale.codes if c not in item.expected], dtype=float)
            fail = r_att.random(n) < pop.attention_failure_rate
            ans = expected[r_att.integers(0, len(expected), n)]
            if len(other):
                ans = np.where(fail, other[r_att.integers(0, len(other), n)], ans)
            out[item.id] = ans
        elif item.id in measured:
            lam = _loading(pop, item)
            y = lam * latent[measured[item.id].id].to_numpy() + math.sqrt(1 - lam * lam) * e
            out[item.id] = _answer(inst, pop, item, y)
        else:
            out[item.id] = _segmenting(inst, item, dists.get(item.id), latent, truth, e)
    # careless respondents
    kind = np.array(["attentive"] * n, dtype=object)
    order = r_assign.permutation(n)
    n_straight = round(n * s.straightliners)
    n_random = round(n * s.random_responders)
    kind[order[:n_straight]] = "straightliner"
    kind[order[n_straight: n_straight + n_random]] = "random"
    pos = r_careless.random(n)
    unif = r_careless.random((n, len(items)))
    for j_i, item in enumerate(items):
        scale = inst.item_scale(item)
        col = out[item.id]
        for who, rel in (("straightliner", pos), ("random", unif[:, j_i])):
            mask = kind == who
            if not mask.any():
                continue
            col[mask] = _relative(scale, rel[mask], straight=who == "straightliner")
    # missingness
    frame = pd.DataFrame(out, columns=[i.id for i in items])
    mask = _missing_mask(inst, s, frame, r_missing)
    frame = frame.mask(mask)
    # metadata
    width = max(4, len(str(n)))
    rid = pd.Index([f"{s.id_prefix}{j + 1:0{width}d}" for j in range(n)], name="respondent_id",
                   dtype=object)
    frame.index = rid
    latent.index = rid
    mask.index = rid
    orders = _display_orders(inst, list(rid))
    start = pd.Timestamp(s.start)
    start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
    offsets = np.floor(r_time.random(n) * s.field_days * 86400)
    per_item = np.where(kind == "attentive", s.seconds_per_item, s.careless_seconds_per_item)
    n_shown = len(items)
    dur = np.maximum(1.0, np.round(n_shown * per_item * np.exp(s.time_sd *
                                                               r_time.standard_normal(n))))
    started = [start + pd.Timedelta(seconds=float(x)) for x in offsets]
    ended = [a + pd.Timedelta(seconds=float(d)) for a, d in zip(started, dur, strict=True)]
    langs = [inst.default_language] * n
    if s.languages:
        codes = list(s.languages)
        w = np.asarray([s.languages[c] for c in codes], dtype=float)
        langs = [codes[j] for j in r_time.choice(len(codes), size=n, p=w / w.sum())]
    meta = pd.DataFrame({
        "instrument_id": pd.Series([inst.id] * n, dtype=object),
        "instrument_version": pd.Series([inst.version] * n, dtype=object),
        "language": pd.Series(langs, dtype=object),
        "started_at": pd.to_datetime(pd.Series(started), utc=True),
        "ended_at": pd.to_datetime(pd.Series(ended), utc=True),
        "duration_s": dur.astype(float),
        "display_order": pd.Series(orders, dtype=object),
        "finished": pd.Series([None] * n, dtype=object),
        "source_row": np.arange(2, n + 2, dtype="int64"),
    })
    meta.index = rid
    texts = pd.DataFrame(index=rid)
    source = SourceInfo(file=f"simulated:{inst.id}:seed={s.seed}", format="simulated",
                        unit="line", n_rows=n, n_respondents=n, dropped={}, dropped_rows={},
                        columns={i.id: i.id for i in items}, ignored_columns={},
                        missing_codes={}, notes=[])
    data = ResponseData(frame.astype(float), meta, texts, [], source, inst.id, inst.version)
    return Simulation(data=data, respondent_type=pd.Series(kind, index=rid,
                                                           name="respondent_type"),
                      latent=latent, truth=truth, settings=s, missing_mask=mask)


def _answer(inst: Instrument, pop: Population, item: Item, y: np.ndarray) -> np.ndarray:
    """Scored-direction latent responses -> raw codes of the declared scale."""
    scale = inst.item_scale(item)
    t = _thresholds(inst, pop, item)
    if t is not None:
        scored = _codes_from_thresholds(y, t, scale.codes)
        return scale.reverse(scored) if item.keyed == "minus" else scored
    rule = _rule(inst, pop, item)
    lo, hi = scale.min, scale.max
    return np.clip(np.round(lo + rule.center * (hi - lo) + rule.spread * (hi - lo) * y), lo, hi)


def _segmenting(inst: Instrument, item: Item, dist, latent: pd.DataFrame,
                truth: TrueParameters, e: np.ndarray) -> np.ndarray:
    scale = inst.item_scale(item)
    y = e
    if dist is not None and dist.relates_to:
        cs = list(dist.relates_to)
        w = np.asarray([dist.relates_to[c] for c in cs])
        R = truth.correlations.loc[cs, cs].to_numpy()
        explained = float(w @ R @ w)
        y = latent[cs].to_numpy() @ w + math.sqrt(max(0.0, 1 - explained)) * e
    if scale.kind == ScaleKind.numeric:
        lo, hi = scale.min, scale.max
        if dist is None or dist.mean is None:
            return np.round(lo + (hi - lo) * stats.norm.cdf(y))
        return np.clip(np.round(dist.mean + dist.sd * y, dist.decimals), lo, hi)
    codes = scale.codes
    if scale.kind == ScaleKind.free_text or not codes:
        return np.full(len(y), np.nan)
    probs = dist.probabilities if dist is not None and dist.probabilities else \
        [1 / len(codes)] * len(codes)
    cum = np.cumsum(probs)[:-1]
    cuts = stats.norm.ppf(np.clip(cum, 1e-12, 1 - 1e-12))
    return _codes_from_thresholds(y, list(cuts), codes)


def _relative(scale, rel: np.ndarray, straight: bool) -> np.ndarray:
    """Codes at relative positions ``rel`` in [0, 1) of a scale (careless answers)."""
    if scale.kind == ScaleKind.numeric:
        return np.round(scale.min + rel * (scale.max - scale.min))
    codes = np.asarray(scale.codes, dtype=float)
    if not len(codes):
        return np.full(len(rel), np.nan)
    if straight:  # the same place on every scale: nearest code to the relative position
        return codes[np.clip(np.round(rel * (len(codes) - 1)).astype(int), 0, len(codes) - 1)]
    return codes[np.minimum((rel * len(codes)).astype(int), len(codes) - 1)]


def _missing_mask(inst: Instrument, s: SimulationSettings, frame: pd.DataFrame,
                  rng: np.random.Generator) -> pd.DataFrame:
    n = len(frame)
    eligible = [i.id for i in inst.items() if i.role != ItemRole.attention_check]
    driver = None
    if s.missing_mechanism == "mar":
        driver = s.mar_driver or next(
            (i.id for c in inst.constructs if c.role.value == "segmenting"
             for i in c.items if inst.item_scale(i).kind != ScaleKind.free_text),
            eligible[0] if eligible else None)
        eligible = [i for i in eligible if i != driver]
    u = rng.random((n, len(eligible)))
    mask = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    if s.missing <= 0 or not eligible:
        return mask
    if driver is None:
        p = np.full(n, s.missing)
    else:
        d = frame[driver].to_numpy(dtype=float)
        sd = np.nanstd(d)
        z = (d - np.nanmean(d)) / sd if sd > 0 else np.zeros(n)
        z = np.nan_to_num(z)
        if s.missing >= 1:
            p = np.ones(n)
        else:
            def gap(a: float) -> float:
                return float(np.mean(1 / (1 + np.exp(-(a + s.mar_strength * z)))) - s.missing)

            a = optimize.brentq(gap, -50, 50)
            p = 1 / (1 + np.exp(-(a + s.mar_strength * z)))
    mask.loc[:, eligible] = u < p[:, None]
    return mask


__all__ = ["Simulation", "SimulationError", "SimulationSettings", "TrueParameters",
           "simulate", "true_parameters"]
