"""Simulated panels: the same respondents answering an instrument in several waves, with a
known random-intercept cross-lagged structure and optional measurement non-invariance.

The generating model (all on the latent-response scale of :mod:`analysis.responses.simulate`,
whose cross-sectional population it keeps). For respondent ``i``, construct ``c`` of the
instrument's measured constructs and wave ``t = 1..W``:

* **decomposition** (Hamaker, Kuiper & Grasman 2015): ``eta_cti = m_ct + RI_ci + w_cti`` --
  a wave mean ``m_ct = mean_change_c * (t - 1)``, a stable between-person random intercept
  ``RI_i ~ N(0, Sigma_B)`` and a within-person deviation ``w_ti``;
* **between**: ``Sigma_B = D_b R D_b`` with ``D_b = diag(sqrt(h_c))``, ``h_c`` the share of a
  construct's variance that is stable between persons (``ri_share``) and ``R`` the latent
  correlation matrix the instrument's ``population`` implies (its exogenous correlations and
  structural paths; :func:`~analysis.responses.simulate.true_parameters`);
* **within** (a stationary VAR(1)): ``w_1 ~ N(0, Sigma_W)``, ``w_t = A w_(t-1) + u_t`` with
  ``Sigma_W = D_w R D_w``, ``D_w = diag(sqrt(1 - h_c))`` and innovations
  ``u_t ~ N(0, Sigma_W - A Sigma_W A')`` so that every wave's within covariance is ``Sigma_W``.
  ``A`` holds the autoregressive effects on its diagonal (``autoregressive``) and the
  cross-lagged effects off it (``cross_lagged``: ``A[o, p]`` is the effect of ``w_p`` at
  ``t - 1`` on ``w_o`` at ``t``). Each wave therefore has unit construct variances and the
  cross-sectional correlations ``R`` of the one-wave simulator when the shares ``h`` are
  equal (``R_ab (sqrt(h_a h_b) + sqrt((1 - h_a)(1 - h_b)))`` otherwise); the standardized
  within-person lagged effect of ``p`` on ``o`` is ``A[o, p] sqrt((1 - h_p) / (1 - h_o))``
  (``A[o, p]`` itself when the shares are equal);
* **items**: ``y*_jti = nu_jt + lambda_jt eta_cti + sqrt(1 - lambda_j^2) e_jti`` with the
  population loading ``lambda_j`` (unless ``loadings`` gives another at a wave: the residual
  variance stays ``1 - lambda_j^2``), the intercept ``nu_jt = intercept_drift_j * (t - 1)``
  (0 for items that do not drift) and unique parts ``e_jti = sqrt(rho) s_ji +
  sqrt(1 - rho) v_jti`` correlated ``rho = item_stability`` across waves (an item-specific
  stable part, as longitudinal CFA's correlated residuals assume). ``y*`` is in the scored
  direction; it becomes a code of the item's declared scale exactly as in the one-wave
  simulator (thresholds, or ``code = round(m + s y*)``; reverse-keyed items are written
  reversed). A drift ``d`` is thus ``d`` latent-response SDs, about ``d * spread *
  (max - min)`` scale points away from the scale's ends (1.2 points per SD on a 1-7 scale
  with spread .2).

Who answers which wave: ``n`` panel members answer wave 1; at each later wave every member
who answered the previous wave drops out with probability ``attrition`` (monotone attrition,
MCAR), and ``round(n * refreshment)`` new respondents join (a refreshment sample) and are
followed from then on. Every respondent has a latent trajectory for all waves (refreshment
members' earlier waves are simply not observed). Ids are shared across waves.

The other columns (metadata, attention checks, segmenting questions, MCAR/MAR missing answers)
come from :func:`~analysis.responses.simulate.simulate` run once per wave with its own seed
and a start date ``wave_days`` later per wave; segmenting answers are a person's own and are
the same in every wave. Each wave is a :class:`~analysis.responses.ResponseData` in the
engagekit response format (:mod:`instruments.response_format`).

Every random step draws from ``numpy.random.SeedSequence(seed)``: the same seed and settings
give the same panel and, written out, the same bytes. :class:`PanelTruth` holds the known
truth (``A``, its standardized form, ``Sigma_B``, ``Sigma_W``, the innovation covariance,
wave means and every item's loading and intercept at every wave).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from analysis.arguments import check_seed
from analysis.responses.data import ResponseData, SourceInfo
from analysis.responses.simulate import (
    SimulationError,
    TrueParameters,
    _answer,
    _load,
    _loading,
    _population,
    _structure,
    simulate,
    true_parameters,
)
from instruments.plain import to_plain
from instruments.schema import Instrument, Population


@dataclass(frozen=True)
class PanelSettings:
    """The panel design and its within-person dynamics (module docstring for the model).

    Parameters
    ----------
    n : int, default 1000
        Panel members answering wave 1.
    waves : int, default 3
        Number of waves (>= 2).
    seed : int, default 0
        Seed of every random step.
    autoregressive : float or mapping of construct to float, default 0.5
        Within-person autoregressive effect of each construct (diagonal of ``A``).
    cross_lagged : mapping of outcome to {predictor: effect}, default none
        Within-person cross-lagged effects ``predictor (t-1) -> outcome (t)``, e.g.
        ``{"repurchase": {"affective": 0.2}}`` (the population ``paths`` layout).
    ri_share : float or mapping of construct to float, default 0.5
        Share of each construct's variance that is a stable between-person random intercept
        (0 gives the traditional cross-lagged panel model; must be < 1).
    mean_change : mapping of construct to float, default none
        Change of a construct's mean per wave (latent SD units).
    intercept_drift : mapping of item to float, default none
        Change of an item's intercept per wave (latent-response SD units, scored direction):
        scalar non-invariance.
    loadings : mapping of item to {wave: loading}, default none
        An item's loading at given waves (1-based) instead of the population's: metric
        non-invariance.
    item_stability : float, default 0.0
        Correlation of an item's unique parts across waves.
    attrition : float, default 0.0
        Probability that a respondent of a wave does not answer the next one.
    refreshment : float, default 0.0
        New respondents joining at each later wave, as a fraction of ``n``.
    missing, missing_mechanism :
        Missing answers within a wave, as :class:`~analysis.responses.simulate.SimulationSettings`.
    start : str, default "2026-01-05T08:00:00Z"
        Start of wave 1's fieldwork (ISO 8601).
    wave_days : float, default 91.0
        Days between the starts of consecutive waves.
    field_days : float, default 14.0
        Days of fieldwork per wave.
    id_prefix : str, default "p"
        Prefix of the respondent ids (``p0001``, ...), shared across waves.

    Examples
    --------
    >>> s = PanelSettings(n=200, waves=3, cross_lagged={"repurchase": {"affective": 0.2}})
    >>> s.waves, s.cross_lagged
    (3, {'repurchase': {'affective': 0.2}})
    """

    n: int = 1000
    waves: int = 3
    seed: int = 0
    autoregressive: float | Mapping[str, float] = 0.5
    cross_lagged: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    ri_share: float | Mapping[str, float] = 0.5
    mean_change: Mapping[str, float] = field(default_factory=dict)
    intercept_drift: Mapping[str, float] = field(default_factory=dict)
    loadings: Mapping[str, Mapping[int, float]] = field(default_factory=dict)
    item_stability: float = 0.0
    attrition: float = 0.0
    refreshment: float = 0.0
    missing: float = 0.0
    missing_mechanism: str = "mcar"
    start: str = "2026-01-05T08:00:00Z"
    wave_days: float = 91.0
    field_days: float = 14.0
    id_prefix: str = "p"


@dataclass
class PanelTruth:
    """The known truth of a simulated panel (module docstring for the symbols).

    ``lagged``: outcome, predictor, kind (autoregressive / cross-lagged), estimate (``A``,
    within-person, unstandardized on the latent scale) and std (standardized within-person
    effect); ``ri_covariance`` (``Sigma_B``), ``within_covariance`` (``Sigma_W``, every wave),
    ``innovation_covariance``; ``means`` (wave x construct); ``items``: item, construct,
    wave, loading, intercept (latent-response shift), residual_variance; ``cross_section``:
    the one-wave population (:class:`~analysis.responses.simulate.TrueParameters`).
    """

    constructs: list[str]
    waves: int
    lagged: pd.DataFrame
    ri_covariance: pd.DataFrame
    within_covariance: pd.DataFrame
    innovation_covariance: pd.DataFrame
    means: pd.DataFrame
    items: pd.DataFrame
    item_stability: float
    cross_section: TrueParameters

    def effect(self, outcome: str, predictor: str, standardized: bool = True) -> float:
        """The within-person lagged effect of ``predictor`` (t-1) on ``outcome`` (t)."""
        hit = self.lagged[(self.lagged.outcome == outcome) & (self.lagged.predictor == predictor)]
        if not len(hit):
            return 0.0
        return float(hit["std" if standardized else "estimate"].iloc[0])

    def to_dict(self) -> dict:
        def square(df: pd.DataFrame) -> dict:
            return {str(r): {str(c): float(v) for c, v in row.items()} for r, row in df.iterrows()}

        return to_plain({"constructs": self.constructs, "waves": self.waves,
                         "lagged": self.lagged, "ri_covariance": square(self.ri_covariance),
                         "within_covariance": square(self.within_covariance),
                         "innovation_covariance": square(self.innovation_covariance),
                         "means": {str(w): {c: float(v) for c, v in row.items()}
                                   for w, row in self.means.iterrows()},
                         "items": self.items, "item_stability": self.item_stability,
                         "cross_section": self.cross_section.to_dict()})


@dataclass
class PanelSimulation:
    """A simulated panel: ``waves`` (one :class:`ResponseData` per wave, shared ids),
    ``present`` (respondent x wave, who answered), ``latent`` (construct scores ``eta``, index
    respondent_id and wave, every respondent at every wave), ``intercepts`` (the random
    intercepts per respondent), the ``truth`` and the ``settings``."""

    waves: list[ResponseData]
    present: pd.DataFrame
    latent: pd.DataFrame
    intercepts: pd.DataFrame
    truth: PanelTruth
    settings: PanelSettings

    def counts(self) -> dict[str, int]:
        """Respondents per wave (``wave1``...) and in every wave (``all``)."""
        out = {f"wave{t}": int(self.present[t].sum()) for t in self.present.columns}
        out["all"] = int(self.present.all(axis=1).sum())
        return out


def _per_construct(value, constructs: list[str], name: str) -> dict[str, float]:
    if isinstance(value, Mapping):
        bad = [c for c in value if c not in constructs]
        if bad:
            raise SimulationError(f"{name}: unknown construct(s) {', '.join(bad)}; the "
                                  f"measured constructs are {', '.join(constructs)}")
        default = 0.5 if name in ("autoregressive", "ri_share") else 0.0
        return {c: float(value.get(c, default)) for c in constructs}
    return {c: float(value) for c in constructs}


def _check(s: PanelSettings, inst: Instrument, constructs: list[str],
           item_construct: dict[str, str]) -> None:
    if not isinstance(s.n, int) or isinstance(s.n, bool) or s.n < 1:
        raise SimulationError(f"n must be a whole number of respondents >= 1 (got {s.n})")
    if not isinstance(s.waves, int) or isinstance(s.waves, bool) or s.waves < 2:
        raise SimulationError(f"waves must be a whole number >= 2 (got {s.waves})")
    check_seed(s.seed, error=SimulationError)
    for name in ("attrition", "refreshment", "item_stability", "missing"):
        v = getattr(s, name)
        if not 0 <= v <= 1 or (name == "attrition" and v >= 1):
            raise SimulationError(f"{name} is a fraction between 0 and 1 (got {v})")
    for o, eff in s.cross_lagged.items():
        for p in (o, *eff):
            if p not in constructs:
                raise SimulationError(f"cross_lagged: '{p}' is not a measured construct of "
                                      f"{inst.id} ({', '.join(constructs)})")
        if o in eff:
            raise SimulationError(f"cross_lagged: '{o}' on itself is its autoregressive "
                                  "effect; give it with autoregressive")
    for name in ("intercept_drift", "loadings"):
        bad = [i for i in getattr(s, name) if i not in item_construct]
        if bad:
            raise SimulationError(f"{name}: {', '.join(bad)} is not a measurement item of "
                                  f"{inst.id}")
    for item, by_wave in s.loadings.items():
        for w, lam in by_wave.items():
            if not (isinstance(w, int) and 1 <= w <= s.waves) or not -1 < lam < 1:
                raise SimulationError(f"loadings of {item}: wave {w!r} must be 1..{s.waves} "
                                      f"and the loading between -1 and 1 (got {lam})")


def panel_truth(instrument: Instrument | str, settings: PanelSettings | None = None, *,
                population: Population | None = None, **kwargs) -> PanelTruth:
    """The known truth of :func:`simulate_panel` with these settings (no data drawn).

    >>> t = panel_truth("five_commitments", cross_lagged={"repurchase": {"affective": 0.2}})
    >>> t.effect("repurchase", "affective"), t.effect("repurchase", "repurchase")
    (0.2, 0.5)
    """
    inst = _load(instrument)
    s = _settings(settings, kwargs)
    pop = _population(inst, population)
    return _truth(inst, pop, s)[0]


def _settings(settings: PanelSettings | None, kwargs: dict) -> PanelSettings:
    if settings is None:
        return PanelSettings(**kwargs)
    return PanelSettings(**{**asdict(settings), **kwargs}) if kwargs else settings


def _truth(inst: Instrument, pop: Population, s: PanelSettings):
    ids, _exo, _endo, _B, _Phi, _psi, R = _structure(inst, pop)
    item_construct = {i.id: c.id for c in inst.measured_constructs()
                      for i in inst.measurement_items(c)}
    _check(s, inst, ids, item_construct)
    k = {c: j for j, c in enumerate(ids)}
    ar = _per_construct(s.autoregressive, ids, "autoregressive")
    h = _per_construct(s.ri_share, ids, "ri_share")
    if any(not 0 <= v < 1 for v in h.values()):
        raise SimulationError("ri_share must lie in [0, 1) for every construct")
    change = _per_construct(s.mean_change, ids, "mean_change")
    A = np.diag([ar[c] for c in ids])
    for o, eff in s.cross_lagged.items():
        for p, b in eff.items():
            A[k[o], k[p]] = float(b)
    db = np.sqrt([h[c] for c in ids])
    dw = np.sqrt([1 - h[c] for c in ids])
    SB = R * np.outer(db, db)
    SW = R * np.outer(dw, dw)
    Psi = SW - A @ SW @ A.T
    Psi = (Psi + Psi.T) / 2
    low = float(np.linalg.eigvalsh(Psi).min())
    if low <= 1e-10:
        raise SimulationError(
            "the autoregressive and cross-lagged effects are too strong for a stationary "
            f"panel: the innovation covariance Sigma_W - A Sigma_W A' is not positive definite "
            f"(smallest eigenvalue {low:.3g}); make them smaller")
    rows = []
    for o in ids:
        for p in ids:
            b = A[k[o], k[p]]
            if o == p or b != 0:
                rows.append({"outcome": o, "predictor": p,
                             "kind": "autoregressive" if o == p else "cross-lagged",
                             "estimate": float(b),
                             "std": float(b * dw[k[p]] / dw[k[o]])})
    lagged = pd.DataFrame(rows, columns=["outcome", "predictor", "kind", "estimate", "std"])
    means = pd.DataFrame([[change[c] * t for c in ids] for t in range(s.waves)],
                         index=pd.Index(range(1, s.waves + 1), name="wave"), columns=ids)
    item_rows = []
    for c in inst.measured_constructs():
        for item in inst.measurement_items(c):
            lam = _loading(pop, item)
            for t in range(1, s.waves + 1):
                item_rows.append({
                    "item": item.id, "construct": c.id, "wave": t,
                    "loading": float(s.loadings.get(item.id, {}).get(t, lam)),
                    "intercept": float(s.intercept_drift.get(item.id, 0.0) * (t - 1)),
                    "residual_variance": 1 - lam * lam})
    items = pd.DataFrame(item_rows, columns=["item", "construct", "wave", "loading",
                                             "intercept", "residual_variance"])
    frame = lambda m: pd.DataFrame(m, index=ids, columns=ids)  # noqa: E731
    truth = PanelTruth(constructs=ids, waves=s.waves, lagged=lagged, ri_covariance=frame(SB),
                       within_covariance=frame(SW), innovation_covariance=frame(Psi),
                       means=means, items=items, item_stability=float(s.item_stability),
                       cross_section=true_parameters(inst, pop))
    return truth, A, SB, SW, Psi


def simulate_panel(instrument: Instrument | str, settings: PanelSettings | None = None, *,
                   population: Population | None = None, **kwargs) -> PanelSimulation:
    """Simulate a panel of respondents answering ``instrument`` in several waves.

    Parameters
    ----------
    instrument : Instrument or str
        An instrument (bundled name or YAML path); its ``population`` section gives the
        loadings, the cross-sectional latent correlations and the response rules (the default
        population when it has none, with a warning).
    settings : PanelSettings or None
        The panel design and dynamics; ``**kwargs`` are :class:`PanelSettings` fields that
        override it.
    population : Population or None
        A population model to use instead of the instrument's own.

    Returns
    -------
    PanelSimulation
        One response table per wave (shared respondent ids), who answered which wave, the
        latent scores, random intercepts and the known truth.

    Examples
    --------
    >>> sim = simulate_panel("five_commitments", n=50, waves=3, seed=2, attrition=0.2,
    ...                      cross_lagged={"repurchase": {"affective": 0.2}},
    ...                      intercept_drift={"aff_02": 0.3})
    >>> [w.n for w in sim.waves], sim.counts()["all"] <= 50
    ([50, 41, 32], True)
    >>> sim.waves[1].items.index[0]
    'p0001'
    """
    inst = _load(instrument)
    s = _settings(settings, kwargs)
    pop = _population(inst, population)
    truth, A, SB, SW, Psi = _truth(inst, pop, s)
    ids_c = truth.constructs
    kc = len(ids_c)
    W = s.waves
    n_new = round(s.n * s.refreshment)
    P = s.n + (W - 1) * n_new
    root = np.random.SeedSequence(s.seed)
    r_latent, r_items, r_present, r_waves = root.spawn(4)
    rl = np.random.default_rng(r_latent)
    # latent trajectories of every person at every wave
    LR = np.linalg.cholesky(truth.cross_section.correlations.loc[ids_c, ids_c].to_numpy())
    db = np.sqrt(np.diag(SB))
    dw = np.sqrt(np.diag(SW))
    ri = rl.standard_normal((P, kc)) @ (db[:, None] * LR).T  # covariance D_b R D_b
    w = rl.standard_normal((P, kc)) @ (dw[:, None] * LR).T  # covariance D_w R D_w
    Lpsi = np.linalg.cholesky(Psi)
    eta = np.empty((W, P, kc))
    for t in range(W):
        if t:
            w = w @ A.T + rl.standard_normal((P, kc)) @ Lpsi.T
        eta[t] = truth.means.iloc[t].to_numpy() + ri + w
    # who answers which wave
    rp = np.random.default_rng(r_present)
    present = np.zeros((P, W), dtype=bool)
    present[: s.n, 0] = True
    for t in range(1, W):
        stay = present[:, t - 1] & (rp.random(P) >= s.attrition)
        present[:, t] = stay
        lo = s.n + (t - 1) * n_new
        present[lo: lo + n_new, t] = True
    width = max(4, len(str(P)))
    rid = [f"{s.id_prefix}{j + 1:0{width}d}" for j in range(P)]
    # items on the latent-response scale, then codes
    ri_items = np.random.default_rng(r_items)
    k = {c: j for j, c in enumerate(ids_c)}
    measured = [(item, c.id) for c in inst.measured_constructs()
                for item in inst.measurement_items(c)]
    stable = ri_items.standard_normal((P, len(measured)))
    tab = truth.items.set_index(["item", "wave"])
    rho = s.item_stability
    codes: list[dict[str, np.ndarray]] = []
    for t in range(W):
        unique = ri_items.standard_normal((P, len(measured)))
        col = {}
        for j, (item, cid) in enumerate(measured):
            row = tab.loc[(item.id, t + 1)]
            e = math.sqrt(rho) * stable[:, j] + math.sqrt(1 - rho) * unique[:, j]
            y = row.intercept + row.loading * eta[t, :, k[cid]] + \
                math.sqrt(row.residual_variance) * e
            col[item.id] = _answer(inst, pop, item, y)
        codes.append(col)
    # the rest of each wave's file from the one-wave simulator
    wave_seeds = [int(x.generate_state(1)[0]) for x in r_waves.spawn(W)]
    start = pd.Timestamp(s.start)
    base = None
    waves: list[ResponseData] = []
    for t in range(W):
        sim = simulate(inst, n=P, seed=wave_seeds[t], missing=s.missing,
                       missing_mechanism=s.missing_mechanism, id_prefix=s.id_prefix,
                       start=(start + pd.Timedelta(days=s.wave_days * t)).isoformat(),
                       field_days=s.field_days, population=pop)
        if base is None:
            base = sim.data.items
        items = sim.data.items.copy()
        for item, _cid in measured:
            items[item.id] = codes[t][item.id]
        segmenting = [i.id for c in inst.constructs if c.role.value == "segmenting"
                      for i in c.items]
        for col in segmenting:
            items[col] = base[col]
        items = items.mask(sim.missing_mask)
        keep = present[:, t]
        items = items[keep]
        meta = sim.data.meta[keep].copy()
        meta["source_row"] = np.arange(2, int(keep.sum()) + 2, dtype="int64")
        texts = sim.data.texts[keep]
        m = int(keep.sum())
        source = SourceInfo(file=f"simulated-panel:{inst.id}:seed={s.seed}:wave={t + 1}",
                            format="simulated", unit="line", n_rows=m, n_respondents=m,
                            dropped={}, dropped_rows={},
                            columns={c: c for c in items.columns}, ignored_columns={},
                            missing_codes={}, notes=[])
        waves.append(ResponseData(items.astype(float), meta, texts, [], source, inst.id,
                                  inst.version))
    index = pd.Index(rid, name="respondent_id", dtype=object)
    present_df = pd.DataFrame(present, index=index,
                              columns=pd.Index(range(1, W + 1), name="wave"))
    latent = pd.DataFrame(eta.reshape(W * P, kc), columns=ids_c,
                          index=pd.MultiIndex.from_product([range(1, W + 1), rid],
                                                           names=["wave", "respondent_id"]))
    latent = latent.swaplevel().sort_index()
    intercepts = pd.DataFrame(ri, index=index, columns=ids_c)
    return PanelSimulation(waves=waves, present=present_df, latent=latent,
                           intercepts=intercepts, truth=truth, settings=s)


def wave_paths(output: str, waves: int) -> list[str]:
    """The file of each wave: ``output`` with ``{wave}`` replaced by 1..W, or ``_w1``... before
    its suffix (``panel.csv`` -> ``panel_w1.csv``, ``panel_w2.csv``, ...).

    >>> wave_paths("out/panel.csv", 2), wave_paths("q{wave}.json", 2)
    (['out/panel_w1.csv', 'out/panel_w2.csv'], ['q1.json', 'q2.json'])
    """
    from pathlib import PurePath

    if "{wave}" in output:
        return [output.replace("{wave}", str(t)) for t in range(1, waves + 1)]
    p = PurePath(output)
    return [str(p.with_name(f"{p.stem}_w{t}{p.suffix}")) for t in range(1, waves + 1)]


__all__ = ["PanelSettings", "PanelSimulation", "PanelTruth", "panel_truth", "simulate_panel",
           "wave_paths"]
