"""Scale validation in one call: the evidence reviewers ask for, as plain data.

:func:`validate_scales` runs, on item responses that are already reverse-keyed:

1. item analysis (descriptives, floor/ceiling, response distributions, item-rest r,
   alpha-if-item-deleted);
2. reliability per construct (Cronbach's alpha with Feldt CI; omega and composite reliability
   from the CFA; ordinal alpha and omega from polychoric correlations for ``ordered`` items,
   Zumbo et al. 2007);
3. dimensionality (KMO, Bartlett, parallel analysis, an oblimin EFA with as many factors as
   constructs);
4. the CFA of the measurement model (lavaan-equivalent fit measures, parameter table,
   modification indices, admissibility warnings) by ML, MLM, MLR (FIML with
   ``missing="fiml"``) or, for ``ordered`` items, WLSMV/DWLS on polychoric correlations;
5. convergent and discriminant validity (AVE, CR, Fornell-Larcker, HTMT and HTMT2 with
   bootstrap CIs, cross-loadings);
6. measurement invariance across a grouping column, when one is given;
7. common-method checks (Harman's single factor, an unmeasured latent method construct
   (ULMC; Podsakoff et al. 2003; Liang et al. 2007), full-collinearity VIFs (Kock 2015)).

:func:`validate_instrument` derives the constructs, model and declared scales from an instrument;
:func:`constructs_from_syntax` reads them from a lavaan measurement model instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis import sem
from analysis.arguments import check_level, check_n_boot, check_seed, renamed_fields
from analysis.blas import one_thread_api
from analysis.psychometrics.dimensionality import bartlett_sphericity, efa, kmo, parallel_analysis
from analysis.psychometrics.group_invariance import group_partial_invariance
from analysis.psychometrics.items import (
    construct_scores,
    describe_items,
    item_total_statistics,
    jsonable,
)
from analysis.psychometrics.method_bias import full_collinearity_vif, harman_single_factor
from analysis.psychometrics.reliability import (
    alpha_table,
    composite_reliability,
    omega,
    omega_categorical,
    ordinal_reliability,
)
from analysis.psychometrics.validity import (
    convergent_validity,
    cross_loadings,
    fornell_larcker,
    htmt_both,
)
from analysis.samples import missing_method, sample_record
from analysis.sem.compare import chisq_difference
from analysis.sem.crosscheck import check_engine, run_crosscheck
from analysis.sem.syntax import constructs_from_syntax as constructs_from_syntax  # re-export
from instruments.errors import EngagekitInputError
from instruments.schema import ORDINAL_KINDS, Instrument


@renamed_fields(ci_level="level", htmt_boot="htmt_n_boot", htmt_ci="htmt_level")
@dataclass
class ValidationSettings:
    """Choices of a validation run; every default is the one the literature cited uses.

    Parameters
    ----------
    estimator : str, default "ML"
        CFA estimator: ``"ML"``, ``"MLM"``, ``"MLR"``; ``"WLSMV"`` or ``"DWLS"`` for ordered
        items (polychoric correlations), as lavaan.
    missing : {"listwise", "fiml"}, default "listwise"
        Missing answers: the respondents who answered every item (``"listwise"``), or
        full-information ML (``"fiml"``; ML and MLR only; lavaan's ``"ml"`` is read as
        ``"fiml"``), see :func:`validate_scales`.
    ordinal_reliability : bool, default True
        Also report ordinal alpha and omega (Zumbo et al. 2007) for ordered items.
    fit_cutoffs : dict of str to (float, float)
        ``{measure: (cut-off, looser bound)}`` behind the report's fit judgements; Hu &
        Bentler (1999) by default: CFI/TLI .95/.90, RMSEA .06/.08, SRMR .08/.10.
    level : float, default 0.95
        Confidence level of Cronbach's alpha (Feldt interval); was ``ci_level``.
    htmt_n_boot : int, default 500
        Bootstrap resamples of the HTMT and HTMT2 intervals (0: none); was ``htmt_boot``.
    htmt_level : float, default 0.90
        Confidence level of the HTMT intervals (one-sided 95% upper bound, Henseler et al.
        2015); was ``htmt_ci``.
    parallel_iter : int, default 50
        Random data sets of the parallel analysis.
    top_modification_indices : int, default 10
        Modification indices kept, largest first.
    method_factor : bool, default True
        Fit the unmeasured latent method construct (ULMC) model.
    seed : int, default 20150401
        Seed of the bootstrap and parallel analysis: same data and seed, same results.
    invariance_partial : {None, "fit", "either", "chisq"}, default None
        With a group: also search for partial invariance when a level fails (release the
        constraint with the largest score test, refit, until the level holds;
        :func:`analysis.sem.partial.partial_invariance_groups`), a level failing by the
        ΔCFI/ΔRMSEA rule (``"fit"``: both cross their thresholds, Chen 2007; ``"either"``:
        one does) or the chi-square difference (``"chisq"``); continuous items only.

    Examples
    --------
    >>> quick = ValidationSettings(htmt_n_boot=100, parallel_iter=10, method_factor=False)
    >>> quick.estimator, quick.fit_cutoffs["rmsea"]
    ('ML', (0.06, 0.08))
    """

    estimator: str = "ML"  # ML, MLM, MLR; WLSMV or DWLS need ordered items
    # "listwise" or "fiml" (full-information ML; ML and MLR only; lavaan's "ml" means "fiml")
    missing: str = "listwise"
    ordinal_reliability: bool = True  # ordinal alpha/omega for ordered items
    # fit judgements (cut-off, looser bound) used by reports; Hu & Bentler (1999) by default
    fit_cutoffs: dict[str, tuple[float, float]] = field(default_factory=lambda: {
        "cfi": (0.95, 0.90), "tli": (0.95, 0.90), "rmsea": (0.06, 0.08), "srmr": (0.08, 0.10)})
    level: float = 0.95
    htmt_n_boot: int = 500
    htmt_level: float = 0.90
    parallel_iter: int = 50
    top_modification_indices: int = 10
    method_factor: bool = True
    seed: int = 20150401
    invariance_partial: str | None = None

    def __post_init__(self) -> None:
        self.missing = missing_method(self.missing)
        check_level(self.level)
        check_level(self.htmt_level, "htmt_level")
        check_n_boot(self.htmt_n_boot, "htmt_n_boot")
        check_n_boot(self.parallel_iter, "parallel_iter", minimum=1)
        check_n_boot(self.top_modification_indices, "top_modification_indices")
        if self.invariance_partial not in (None, "fit", "either", "chisq"):
            raise EngagekitInputError(f"invariance_partial must be None, 'fit', 'either' or "
                                      f"'chisq', not {self.invariance_partial!r}",
                                      code="invalid_argument")
        check_seed(self.seed)


@dataclass
class ValidationResult:
    """Everything :func:`validate_scales` computed (DataFrames and dicts; JSON via to_dict)."""

    constructs: dict[str, list[str]]
    model: str
    n: int
    settings: ValidationSettings
    items: pd.DataFrame
    item_total: pd.DataFrame
    distributions: pd.DataFrame
    reliability: pd.DataFrame
    dimensionality: dict[str, Any]
    cfa: dict[str, Any]
    validity: dict[str, Any]
    invariance: dict[str, Any] | None
    method_bias: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    # the CFA refitted by a second implementation (crosscheck="semopy"), as plain data
    crosscheck: dict[str, Any] | None = None
    # per analysis: N and missing-data handling (analysis.samples.sample_record)
    samples: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        extra = {} if self.crosscheck is None else {"crosscheck": self.crosscheck}
        return jsonable({
            "constructs": self.constructs, "model": self.model, "n": self.n,
            "settings": self.settings.__dict__,
            "items": self.items.to_dict(orient="records"),
            "item_total": self.item_total.to_dict(orient="records"),
            "distributions": self.distributions.to_dict(orient="records"),
            "reliability": self.reliability.to_dict(orient="records"),
            "dimensionality": self.dimensionality, "cfa": self.cfa,
            "validity": self.validity, "invariance": self.invariance,
            "method_bias": self.method_bias, "warnings": self.warnings,
            "samples": self.samples, **extra,
        })


def cfa_syntax(constructs: Mapping[str, Sequence[str]]) -> str:
    return "\n".join(f"{c} =~ {' + '.join(items)}" for c, items in constructs.items())


def _records(df: pd.DataFrame) -> list[dict]:
    return df.to_dict(orient="records")


def _method_factor(model: str, constructs: Mapping[str, Sequence[str]], data: pd.DataFrame,
                   base: sem.SEMResult, settings: ValidationSettings,
                   ordered: list[str] | None = None) -> dict[str, Any]:
    """ULMC: add a method factor loading on every item, orthogonal to the traits.

    Reports each item's standardized trait loading with and without the method factor and the
    share of item variance the method factor takes (Liang et al. 2007 compare it with the
    trait-explained variance).
    """
    items = [i for its in constructs.values() for i in its]
    # All factors are identified by their variances (std_lv), not by marker loadings: with
    # little method variance a marker parameterisation is empirically under-identified.
    lines = [model, "ulmc_method =~ " + " + ".join(items)]
    lines += [f"ulmc_method ~~ 0*{c}" for c in constructs]
    try:
        fit = sem.fit("\n".join(lines), data, estimator=settings.estimator,
                      missing=settings.missing, std_lv=True, ordered=ordered)
    except Exception as e:  # noqa: BLE001 - reported, the rest of the validation stands
        return {"fitted": False, "message": f"method-factor model could not be fitted: {e}"}
    est0 = base.estimates[base.estimates.op == "=~"].set_index(["lhs", "rhs"])["std.all"]
    e1 = fit.estimates
    trait = e1[(e1.op == "=~") & (e1.lhs != "ulmc_method")].set_index(["lhs", "rhs"])["std.all"]
    meth = e1[(e1.op == "=~") & (e1.lhs == "ulmc_method")].set_index("rhs")["std.all"]
    rows = []
    for (c, i), lam in est0.items():
        lam1 = trait.get((c, i), np.nan)
        rows.append({"construct": c, "item": i, "loading": lam, "loading_with_method": lam1,
                     "change": lam1 - lam, "method_loading": meth.get(i, np.nan),
                     "trait_variance": lam1**2, "method_variance": meth.get(i, np.nan) ** 2})
    t = pd.DataFrame(rows)
    fm0, fm1 = base.fit_measures, fit.fit_measures
    # lavaan's anova(): plain under ML, scaled under MLM/MLR (Satorra & Bentler 2001) and
    # WLSMV (Satorra 2000)
    try:
        comp = chisq_difference(base, fit)
    except (ValueError, np.linalg.LinAlgError):
        comp = {"chisq.diff": fm0["chisq"] - fm1["chisq"], "df.diff": fm0["df"] - fm1["df"],
                "method": "standard"}
    d_chi, d_df = comp["chisq.diff"], comp["df.diff"]
    p_diff = float(stats.chi2.sf(max(d_chi, 0.0), d_df)) if d_df > 0 else float("nan")
    note = ""
    if not fit.converged or fit.warnings:
        note = ("the model with a method factor has no unique admissible solution (typical "
                "when there is little method variance: the method factor is then not "
                "identified); judge by the chi-square difference test")
    return {"fitted": True, "converged": fit.converged, "warnings": fit.warnings, "note": note,
            "table": _records(t),
            "mean_trait_variance": float(t.trait_variance.mean()),
            "mean_method_variance": float(t.method_variance.mean()),
            "max_abs_loading_change": float(t.change.abs().max()),
            "chisq_diff": d_chi, "df_diff": d_df, "pvalue_diff": p_diff,
            "diff_method": comp["method"],
            "method_effect": (bool(p_diff < .05) if np.isfinite(p_diff) and fit.converged
                              else None),
            "fit_without": {k: fm0.get(k) for k in ("chisq", "df", "cfi", "rmsea", "srmr")},
            "fit_with": {k: fm1.get(k) for k in ("chisq", "df", "cfi", "rmsea", "srmr")}}


@one_thread_api
def validate_scales(
    data: pd.DataFrame,
    constructs: Mapping[str, Sequence[str]],
    model: str | None = None,
    group: str | None = None,
    scale_min: float | Mapping[str, float] | None = None,
    scale_max: float | Mapping[str, float] | None = None,
    settings: ValidationSettings | None = None,
    ordered: Sequence[str] | None = None,
    crosscheck: str | None = None,
) -> ValidationResult:
    """Validate multi-item scales: items, reliability, dimensionality, CFA, validity,
    invariance and method bias (the seven steps of the module docstring, with references).

    Parameters
    ----------
    data : DataFrame
        Reverse-keyed item responses, one column per item, and optionally the ``group``
        column.
    constructs : mapping of str to sequence of str
        ``{construct: [its items]}``; :func:`~analysis.sem.syntax.constructs_from_syntax`
        reads it from a lavaan measurement model.
    model : str or None
        The CFA in lavaan syntax (default: the simple-structure CFA of ``constructs``).
    group : str or None
        A column of ``data`` to test measurement invariance across.
    scale_min, scale_max : float, mapping of str to float, or None
        Declared scale end points (one for all items, or per item) for floor and ceiling
        percentages and response distributions; answers outside them are an error.
    settings : ValidationSettings or None
        Estimator, missing-data handling, bootstrap and cut-offs (default:
        :class:`ValidationSettings()`).
    ordered : sequence of str or None
        The ordinal (e.g. Likert) items: they get ordinal alpha and omega, and the WLSMV/DWLS
        estimators treat them as ordered categories.
    crosscheck : {"semopy"} or None
        Refit the CFA with semopy, an independent implementation, and record the largest
        differences in estimates and fit measures in ``result.crosscheck``
        (:mod:`analysis.sem.crosscheck`).

    Returns
    -------
    ValidationResult
        ``items``, ``item_total``, ``distributions`` and ``reliability`` tables (DataFrames);
        ``dimensionality``, ``cfa`` (``fit_measures``, ``estimates`` with lavaan's columns,
        modification indices), ``validity`` (AVE, Fornell-Larcker, HTMT, HTMT2,
        cross-loadings), ``invariance`` and ``method_bias`` dicts; ``warnings``;
        ``crosscheck`` when asked for; ``samples`` (each analysis's N and missing-data
        handling, :func:`analysis.samples.sample_record`); :meth:`~ValidationResult.to_dict`
        for JSON.

    Notes
    -----
    Missing answers (``settings.missing``): with ``"listwise"`` every statistic beyond the item
    descriptives uses the respondents who answered all items of the model; with ``"fiml"``
    the CFA (and the method-factor and invariance models) are fitted by full-information ML on
    every respondent with an answer, and the statistics computed from item covariances
    (alpha, item-rest r, omega's and AVE's observed variances, HTMT, KMO, Bartlett, parallel
    analysis, EFA, Harman, VIFs, cross-loadings) from the same fit's saturated (EM) moments, as
    semTools does on a lavaan FIML fit. Under WLSMV/DWLS ``omega`` is the reliability of the
    observed sum score (Green & Yang 2009; semTools' default) and ``omega_latent`` that of the
    latent responses. A model with one construct gets its reliability and fit; the checks
    that compare constructs (Fornell-Larcker, HTMT, VIFs, the method factor) are skipped with
    a note (``validity["skipped"]``, ``method_bias["skipped"]``).

    Examples
    --------
    >>> from analysis import reverse_keyed, simulate
    >>> from instruments import load_instrument
    >>> inst = load_instrument("five_commitments")
    >>> items = reverse_keyed(simulate(inst, n=300, seed=1).data.items, inst)
    >>> constructs = constructs_from_syntax(
    ...     "affective =~ aff_01 + aff_02 + aff_03 + aff_04r; "
    ...     "normative =~ nor_01 + nor_02 + nor_03 + nor_04")
    >>> quick = ValidationSettings(htmt_n_boot=100, parallel_iter=10, method_factor=False)
    >>> val = validate_scales(items, constructs, scale_min=1, scale_max=7, settings=quick)
    >>> val.cfa["fit_measures"]["df"]
    19.0
    >>> pair = val.validity["htmt"]["pairs"][0]
    >>> round(pair["htmt"], 2), pair["ci_upper_below_0.85"]
    (0.37, True)
    """
    settings = settings or ValidationSettings()
    check_engine(crosscheck)
    ordinal_fit = settings.estimator.upper() in ("WLSMV", "DWLS")
    if ordinal_fit and not ordered:
        raise EngagekitInputError(
            f"estimator {settings.estimator} is for ordinal items, but none were declared "
            "ordered: give the Likert items as `ordered` (instruments do this from their "
            "declared scales) or use ML, MLM or MLR")
    if ordinal_fit and settings.missing != "listwise":
        raise EngagekitInputError(
            f"missing='{settings.missing}' (FIML) works with ML and MLR, not with "
            f"{settings.estimator}; use missing='listwise' or an ML estimator")
    absent = [i for its in constructs.values() for i in its if i not in data.columns]
    if absent:
        raise EngagekitInputError(f"item(s) {', '.join(map(str, absent))} of the constructs are "
                                  "not columns of the data; rename the columns or fix the model")
    ordered = [i for i in (ordered or [])]
    fit_ordered = ordered if ordinal_fit else None
    constructs = {c: list(items) for c, items in constructs.items()}
    model = model or cfa_syntax(constructs)
    items = [i for its in constructs.values() for i in its]
    several = len(constructs) >= 2
    warnings: list[str] = []
    item_data = data[items]

    # ---- the analysed sample: who enters the multi-item statistics, and how
    answered = item_data.notna().any(axis=1)
    incomplete = item_data.isna().any(axis=1) & answered
    n_incomplete = int(incomplete.sum())
    fiml = settings.missing == "fiml" and n_incomplete > 0
    if fiml and settings.estimator.upper() == "MLM":
        raise EngagekitInputError(
            f"MLM needs complete answers, but {n_incomplete} respondent(s) have missing "
            "answers: use estimator MLR with missing='fiml', or missing='listwise'")
    work = data[answered] if fiml else data[answered & ~incomplete]
    x = work[items]
    n_used = len(work)
    if n_incomplete and not fiml:
        warnings.append(f"{n_incomplete} respondent(s) with missing item answers were left out "
                        "of every statistic beyond the item descriptives (listwise; "
                        f"{n_used} analysed); missing='fiml' would use their answers")
    fit_handling = "fiml" if fiml else ("listwise" if n_incomplete else "complete")
    cov_handling = "em" if fiml else fit_handling

    def record(label: str, n: int, handling: str, note: str = "") -> dict[str, Any]:
        return sample_record(label, n, handling,
                             n_incomplete=n_incomplete if handling != "complete" else 0,
                             n_excluded=len(data) - n, note=note)

    samples: dict[str, Any] = {
        "items": record("item descriptives and response distributions", int(answered.sum()),
                        "available" if n_incomplete else "complete",
                        "each item on the respondents who answered it"
                        if n_incomplete else ""),
    }

    desc = describe_items(item_data, items, scale_min=scale_min, scale_max=scale_max)
    dist = response_distribution_or_empty(item_data, items, scale_min, scale_max)

    cfa = sem.fit(model, work, estimator=settings.estimator,
                  missing="ml" if fiml else "listwise", ordered=fit_ordered)
    warnings += [f"CFA: {w}" for w in cfa.warnings]
    check = run_crosscheck(crosscheck, data, model, cfa, label="measurement model (CFA)")
    if check is not None and group is not None:
        check["notes"].append(f"the invariance models across '{group}' were not cross-checked: "
                              "semopy has no equality constraints across groups")
    est = cfa.estimates
    n_cfa = int(cfa.nobs[0]) if len(cfa.nobs) == 1 else int(sum(cfa.nobs))
    samples["cfa"] = record("confirmatory factor analysis", n_cfa, fit_handling)
    # the fit's own observed moments: the sample (listwise), EM (FIML) or polychoric (WLSMV)
    # covariance matrix (lavaan's sampstat, what semTools uses)
    st = cfa.state.data[0]
    ov = list(cfa.state.pt.ov_names)
    fit_cov = pd.DataFrame(st.cov, index=ov, columns=ov).loc[items, items]
    em_cov = fit_cov if fiml else None
    em_corr = None
    if fiml:
        c = fit_cov.to_numpy()
        d = np.sqrt(np.diag(c))
        r = c / np.outer(d, d)
        np.fill_diagonal(r, 1.0)
        em_corr = pd.DataFrame(r, index=items, columns=items)

    itt = item_total_statistics(x, constructs, observed_cov=em_cov)
    alpha = alpha_table(x, constructs, level=settings.level, observed_cov=em_cov,
                        n_obs=n_used if fiml else None)
    samples["alpha"] = record("Cronbach's alpha and item-rest statistics", n_used, cov_handling)

    if ordinal_fit:
        # latent-response (polychoric) moments: omega on the latent scale (semTools'
        # ord.scale = FALSE) and of the observed sum score (ord.scale = TRUE, its default)
        om_latent = omega(est, observed_cov=fit_cov)
        th = est[est.op == "|"]
        thresholds = {str(i): list(g["est"]) for i, g in th.groupby("lhs", sort=False)}
        om = omega_categorical(est, thresholds, fit_cov)
        conv = convergent_validity(est, observed_cov=fit_cov)
    else:
        om_latent = None
        moment = {"observed_cov": fit_cov} if fiml else {"data": x}
        om = omega(est, **moment)
        conv = convergent_validity(est, **moment)
    cr = composite_reliability(est)
    reliability = alpha.merge(_by_construct(om, "omega", "omega"), on="construct",
                              how="left")
    if om_latent is not None:
        reliability = reliability.merge(_by_construct(om_latent, "omega", "omega_latent"),
                                        on="construct", how="left")
    reliability = reliability.merge(_by_construct(cr, "composite_reliability", "cr"),
                                    on="construct", how="left")
    # one omega per construct in the results: the reliability table's
    conv["omega"] = conv["construct"].map(om.set_index("construct")["omega"])
    samples["reliability"] = record(
        "omega, composite reliability, AVE and Fornell-Larcker (from the CFA)", n_cfa,
        cov_handling if not ordinal_fit else fit_handling)
    if ordered and settings.ordinal_reliability:
        ordinal_n: list[int] = []
        reliability = reliability.merge(
            _ordinal_table(x, constructs, set(ordered), warnings, ordinal_n), on="construct",
            how="left")
        if ordinal_n:
            lo, hi = min(ordinal_n), max(ordinal_n)
            samples["ordinal"] = record(
                "ordinal alpha and omega (polychoric correlations)", lo,
                "listwise (no FIML)" if fiml else fit_handling,
                ("each construct on the respondents who answered all its items"
                 + (f", n = {lo} to {hi}" if lo != hi else "")) if fiml else "")

    if fiml:
        dim_in: pd.DataFrame = em_corr
        dim_kw: dict[str, Any] = {"n_obs": n_used}
    else:
        dim_in, dim_kw = x, {}
    k = kmo(dim_in, items)
    bart = bartlett_sphericity(dim_in, items, **dim_kw)
    pa = parallel_analysis(dim_in, items, seed=settings.seed, n_iter=settings.parallel_iter,
                           **dim_kw)
    dimensionality: dict[str, Any] = {"kmo": k.to_dict() if hasattr(k, "to_dict") else k,
                                      "bartlett": bart.to_dict() if hasattr(bart, "to_dict")
                                      else bart,
                                      "parallel": pa.to_dict() if hasattr(pa, "to_dict") else pa}
    try:
        e = efa(dim_in, len(constructs), items=items, rotation="oblimin", **dim_kw)
        dimensionality["efa"] = e.to_dict() if hasattr(e, "to_dict") else e
    except Exception as exc:  # noqa: BLE001 - EFA trouble is reported, not fatal
        dimensionality["efa"] = None
        warnings.append(f"EFA with {len(constructs)} factors failed: {exc}")
    samples["dimensionality"] = record("KMO, Bartlett's test, parallel analysis and EFA",
                                       n_used, cov_handling)

    # under WLSMV/DWLS: lavaan's DWLS score tests (expected information Delta'W Delta)
    mi = sem.modification_indices(cfa).head(settings.top_modification_indices)
    cfa_out = {"fit_measures": cfa.fit_measures, "estimates": _records(est),
               "loadings": _records(est[est.op == "=~"][["lhs", "rhs", "est", "se", "pvalue",
                                                         "std.all"]]),
               "modification_indices": _records(mi), "converged": cfa.converged,
               "warnings": cfa.warnings, "estimator": settings.estimator,
               "r2": _records(cfa.r2)}

    skipped: dict[str, str] = {}
    scores = construct_scores(x, constructs)
    if several:
        fl = fornell_larcker(est)
        ht = htmt_both(x, constructs, n_boot=settings.htmt_n_boot, seed=settings.seed,
                       level=settings.htmt_level, missing="fiml" if fiml else "listwise")
        fl_out = fl.to_dict() if hasattr(fl, "to_dict") else fl
        ht_out, ht2_out = ht["arithmetic"].to_dict(), ht["geometric"].to_dict()
        samples["htmt"] = record("HTMT and HTMT2", n_used, cov_handling)
    else:
        fl_out = ht_out = ht2_out = None
        skipped.update(fornell_larcker="needs at least two constructs",
                       htmt="needs at least two constructs")
    validity = {"convergent": _records(conv), "fornell_larcker": fl_out,
                "htmt": ht_out, "htmt2": ht2_out,
                "cross_loadings": _records(cross_loadings(x, constructs, scores=scores,
                                                          observed_cov=em_cov).reset_index())}
    if skipped:
        validity["skipped"] = skipped

    inv = None
    if group is not None:
        try:
            inv_res = sem.invariance(model, work, group, estimator=settings.estimator,
                                     missing="ml" if fiml else "listwise", ordered=fit_ordered)
            inv = {"group": group, "table": _records(inv_res.table)}
            if settings.invariance_partial and not fit_ordered:
                inv["partial"] = group_partial_invariance(
                    model, work, group, settings.invariance_partial, settings.estimator,
                    "ml" if fiml else "listwise")
            elif settings.invariance_partial:
                warnings.append("the partial-invariance search needs continuous items; it was "
                                f"not run with the {settings.estimator} estimator")
            samples["invariance"] = record(f"measurement invariance across {group}",
                                           int(work[group].notna().sum()), fit_handling)
        except sem.SEMInputError as exc:
            warnings.append(f"measurement invariance across '{group}' was not tested: {exc}")

    harman = (harman_single_factor(em_corr, items, n_obs=n_used) if fiml
              else harman_single_factor(x, items))
    method: dict[str, Any] = {"harman": harman.to_dict() if hasattr(harman, "to_dict")
                              else harman}
    if several:
        vif = full_collinearity_vif(scores, constructs if fiml else None, observed_cov=em_cov)
        method["full_collinearity_vif"] = _records(vif.reset_index() if vif.index.name
                                                   else vif)
    else:
        method["full_collinearity_vif"] = []
        method["skipped"] = {"full_collinearity_vif": "needs at least two constructs"}
    if settings.method_factor:
        if several:
            msettings = replace(settings, missing="fiml" if fiml else "listwise")
            method["ulmc"] = _method_factor(model, constructs, work, cfa, msettings,
                                            fit_ordered)
        else:
            method["ulmc"] = {"fitted": False, "message": "the method-factor model needs at "
                              "least two constructs (with one, trait and method factor are "
                              "not separately identified)"}
    samples["method_bias"] = record("Harman's single-factor test, full-collinearity VIFs and "
                                    "the method-factor model", n_used, cov_handling)
    return ValidationResult(constructs, model, n_cfa, settings, desc, itt, dist, reliability,
                            dimensionality, cfa_out, validity, inv, method, warnings, check,
                            samples)


def _ordinal_table(item_data: pd.DataFrame, constructs: Mapping[str, Sequence[str]],
                   ordered: set[str], warnings: list[str],
                   n_used: list[int] | None = None) -> pd.DataFrame:
    """Ordinal alpha and omega per construct whose items are all ordered (>= 3 items), each
    on the respondents who answered all its items; their numbers are appended to ``n_used``."""
    rows = []
    for c, its in constructs.items():
        row = {"construct": c, "ordinal_alpha": np.nan, "ordinal_omega": np.nan}
        if len(its) >= 3 and set(its) <= ordered:
            try:
                o = ordinal_reliability(item_data[list(its)].dropna(), construct=c)
                row.update(ordinal_alpha=o.ordinal_alpha, ordinal_omega=o.ordinal_omega)
                if n_used is not None:
                    n_used.append(int(o.n_obs))
            except Exception as exc:  # noqa: BLE001 - reported, the rest stands
                warnings.append(f"ordinal alpha/omega of '{c}' not computed: {exc}")
        rows.append(row)
    return pd.DataFrame(rows)


def response_distribution_or_empty(data, items, scale_min, scale_max) -> pd.DataFrame:
    from analysis.psychometrics.items import response_distribution

    try:
        return response_distribution(data, items, scale_min=scale_min, scale_max=scale_max)
    except Exception:  # noqa: BLE001 - non-categorical items have no distribution table
        return pd.DataFrame(columns=["item", "value", "count", "percent"])


def _by_construct(df: pd.DataFrame, column: str, name: str) -> pd.DataFrame:
    """``construct, <name>`` from a per-construct table's ``column``."""
    return df[["construct", column]].rename(columns={column: name})


def measured_item_map(inst: Instrument) -> dict[str, list[str]]:
    """``{construct: [items]}`` of the instrument's multi-item measured constructs."""
    return {c.id: [i.id for i in inst.measurement_items(c)] for c in inst.measured_constructs()
            if len(inst.measurement_items(c)) > 1}


@one_thread_api
def validate_instrument(scored_items: pd.DataFrame, inst: Instrument, group: str | None = None,
                        settings: ValidationSettings | None = None,
                        crosscheck: str | None = None) -> ValidationResult:
    """:func:`validate_scales` with constructs, CFA and declared scale bounds from ``inst``.

    The constructs are the instrument's measured constructs with two or more items; the CFA is
    their simple-structure model; items on ordinal scales are passed as ``ordered``.

    Parameters
    ----------
    scored_items : DataFrame
        Item responses, reverse-keyed already (:func:`~analysis.responses.scoring.reverse_keyed`),
        one column per item id, plus the ``group`` column if one is given.
    inst : Instrument
        The instrument answered.
    group : str or None
        A column of ``scored_items`` to test measurement invariance across.
    settings : ValidationSettings or None
        Estimator, missing-data handling, bootstrap and cut-offs (default:
        :class:`ValidationSettings()`).
    crosscheck : {"semopy"} or None
        Refit the CFA with semopy and compare (see :func:`validate_scales`).

    Returns
    -------
    ValidationResult
        As :func:`validate_scales`.

    Examples
    --------
    >>> from analysis import reverse_keyed, simulate
    >>> from instruments import load_instrument
    >>> inst = load_instrument("five_commitments")
    >>> items = reverse_keyed(simulate(inst, n=300, seed=1).data.items, inst)
    >>> quick = ValidationSettings(htmt_n_boot=100, parallel_iter=10, method_factor=False)
    >>> val = validate_instrument(items, inst, settings=quick)
    >>> val.reliability[["construct", "alpha", "omega"]].round(2).head(2)
       construct  alpha  omega
    0  affective   0.81   0.81
    1  normative   0.78   0.78
    >>> val.cfa["fit_measures"]["rmsea"] < 0.06
    True
    """
    constructs = measured_item_map(inst)
    items = [i for its in constructs.values() for i in its]
    lo = {i: inst.item_scale(i).min for i in items}
    hi = {i: inst.item_scale(i).max for i in items}
    ordered = [i for i in items if inst.item_scale(i).kind in ORDINAL_KINDS]
    return validate_scales(scored_items, constructs, cfa_syntax(constructs), group=group,
                           scale_min=lo, scale_max=hi, settings=settings, ordered=ordered,
                           crosscheck=crosscheck)
