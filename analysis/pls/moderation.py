"""A moderating effect in a PLS run (``engagekit run --method pls --interaction X M``): the
``pls["interaction"]`` section of the results.

The interaction term ``X:M`` is added to the model as a predictor of every construct ``X``
predicts (as the covariance-based run adds its latent interaction), and the model is estimated
by the two-stage approach (Henseler & Chin, 2010; Fassott, Henseler & Coelho, 2016; seminr's
default ``two_stage``): stage 1 estimates the model without the term, the term is the product
of the standardized stage-1 scores of ``X`` and ``M``, and stage 2 estimates the model with it
as a single-item construct (:mod:`analysis.pls.interaction`). The bootstrap re-runs both stages
in every resample (:func:`~analysis.pls.interaction.bootstrap_pls_interaction`; resample r
draws from child r of ``SeedSequence(seed)``, so a seed gives the same numbers for any number
of workers).

The section:

* ``method`` (``"two_stage"``), ``x``, ``moderator``, ``term`` (``"X:M"``), ``outcomes``,
  ``model`` (the syntax with the terms);
* ``paths``: the stage-2 paths into each outcome (lavaan's ``lhs, op, rhs, est, se, z,
  pvalue, ci.lower, ci.upper`` with percentile intervals, ``bca.lower, bca.upper`` with BCa
  intervals, ``boot.mean``), the term's among them;
* ``interactions``: per outcome, the term's standardized path ``est`` and ``est_product`` (per
  unit of the product of the standardized variables, as seminr reports it) with their
  intervals (``ci.*``, ``bca.*``; ``product.*`` for ``est_product``), the outcome's ``r2``
  with the term and ``r2_without`` (stage 1), and ``f2 = (r2 - r2_without) / (1 - r2)``
  (Cohen, 1988);
* ``simple_slopes``: the path of ``X`` to each outcome where ``M`` is at -1, 0 and +1 SD,
  ``b_X + est_product * level`` (Aiken & West, 1991), with percentile and BCa intervals from
  the same resamples and jackknife samples;
* ``predict``: PLSpredict of the model with the term (:func:`analysis.pls.predict.
  predict_section`: 10 folds x 10 repetitions, folds seeded by ``seed``, so the same folds as
  the run's PLSpredict of the model without it; the term re-formed from stage 1 on each
  training set, :mod:`analysis.pls.predict`), None if it cannot be run (then a warning);
* ``bootstrap`` (``n_boot, seed, level, ci`` (the interval the report shows: percentile, as
  for the model's other estimates), ``bca, n_jackknife, n_failed``) and ``warnings``.

BCa intervals (Efron, 1987) as :func:`~analysis.pls.bootstrap_pls` computes them for the
model's other estimates: bias correction from the share of resamples below the estimate,
acceleration from the jackknife, each jackknife sample leaving one respondent out (above
1,000 respondents, one of 1,000 groups) and re-running both stages on the rest.
"""

from __future__ import annotations

from typing import Any

from instruments.plain import to_plain

from .errors import PLSInputError
from .syntax import PLSModel, parse_pls_model

__all__ = ["check_interaction", "interaction_syntax", "pls_interaction"]

#: The approach a run uses (the others of analysis.pls.interaction are for the Python API).
METHOD = "two_stage"


def check_interaction(model: str | PLSModel, x: str, m: str) -> tuple[list[str], list[str]]:
    """The outcomes of ``X:M`` (every construct ``x`` predicts) and warnings; raises
    :class:`PLSInputError` (``invalid_argument``) naming what is wrong: a name that is not a
    construct of the model, the same construct twice, or an ``x`` that predicts nothing.

    >>> check_interaction("X =~ x1; M =~ m1; Y =~ y1; Y ~ X + M", "X", "M")
    (['Y'], [])
    """
    spec = model if isinstance(model, PLSModel) else parse_pls_model(model)
    names = spec.names
    for v in (x, m):
        if v not in names:
            raise PLSInputError(f"--interaction: {v!r} is not a construct of the model; "
                                f"constructs: {', '.join(names)}", code="invalid_argument")
    if x == m:
        raise PLSInputError(f"--interaction names {x!r} twice; give two different constructs "
                            "(the predictor, then the moderator)", code="invalid_argument")
    outcomes = [b for a, b in spec.paths if a == x]
    if not outcomes:
        raise PLSInputError(f"--interaction: {x!r} predicts nothing in the model, so there is no "
                            "path for the moderator to change; name the predictor first, then "
                            "the moderator", code="invalid_argument")
    if m in outcomes:
        raise PLSInputError(f"--interaction: {m!r} is an outcome of {x!r}; a moderator must not "
                            "be caused by the predictor it moderates", code="invalid_argument")
    warns = [f"interaction: {m} has no path to {o}, so its main effect on {o} is not in the "
             f"model; the {x}:{m} path to {o} is then not a moderating effect in the usual sense"
             for o in outcomes if (m, o) not in spec.paths]
    return outcomes, warns


def interaction_syntax(model: str | PLSModel, x: str, m: str) -> str:
    """The model's syntax with ``Y ~ X:M`` for every outcome ``Y`` of ``x``.

    >>> print(interaction_syntax("X =~ x1; M =~ m1; Y =~ y1; Y ~ X + M", "X", "M"))
    X =~ x1; M =~ m1; Y =~ y1; Y ~ X + M
    Y ~ X:M
    """
    spec = model if isinstance(model, PLSModel) else parse_pls_model(model)
    outcomes, _ = check_interaction(spec, x, m)
    return spec.syntax.rstrip() + "".join(f"\n{o} ~ {x}:{m}" for o in outcomes)


def pls_interaction(data: Any, model: str | PLSModel, x: str, m: str, *,
                    scheme: str = "path", consistent: bool = False,
                    missing: str | None = None, n_boot: int = 5000, seed: int = 20150401,
                    level: float = 0.95, n_jobs: int | None = None,
                    progress: bool | None = None) -> dict[str, Any]:
    """The moderating effect of ``m`` on the paths of ``x`` (module docstring).

    Parameters
    ----------
    data : pandas.DataFrame
        Respondents in rows, the model's items in columns (reverse-keyed where needed).
    model : str or PLSModel
        The model without interaction terms.
    x, m : str
        The predictor whose paths are moderated and the moderator.
    scheme, consistent, missing
        As for :func:`~analysis.pls.pipeline.pls_effects` (``missing`` None: listwise).
    n_boot, seed, level, n_jobs, progress
        The bootstrap (0 resamples: point estimates only).

    Returns
    -------
    dict
        Plain, JSON-ready data (no NaN).

    Raises
    ------
    PLSInputError
        Names that do not fit the model (:func:`check_interaction`), bad settings or data.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x, z = rng.normal(size=(2, 300))
    >>> d = pd.DataFrame({"x1": x + .5 * rng.normal(size=300), "x2": x + .5 * rng.normal(size=300),
    ...                   "z": z, "y": .4 * x + .2 * z + .3 * x * z + .8 * rng.normal(size=300)})
    >>> out = pls_interaction(d, "X =~ x1 + x2; Z =~ z; Y =~ y; Y ~ X + Z", "X", "Z",
    ...                       n_boot=50, seed=1, n_jobs=1, progress=False)
    >>> row = out["interactions"][0]
    >>> row["rhs"], bool(row["ci.lower"] > 0), [s["level"] for s in out["simple_slopes"]]
    ('X:Z', True, [-1.0, 0.0, 1.0])
    """
    from .interaction import bootstrap_pls_interaction, estimate_pls_interaction
    from .predict import predict_section

    spec = model if isinstance(model, PLSModel) else parse_pls_model(model)
    outcomes, warns = check_interaction(spec, x, m)
    syntax = interaction_syntax(spec, x, m)
    common = {"method": METHOD, "scheme": scheme, "consistent": consistent,
              "missing": missing or "listwise"}
    if n_boot:
        boot = bootstrap_pls_interaction(data, syntax, n_boot=int(n_boot), seed=seed,
                                         level=level, bca=True, n_jobs=n_jobs,
                                         progress=progress, **common)
        fit, table, inter, slopes = boot.result, boot.table, boot.interactions, \
            boot.simple_slopes
        info = {"n_boot": int(n_boot), "seed": seed, "level": float(level), "ci": "percentile",
                "bca": True, "n_jackknife": int(boot.settings["n_jackknife"]),
                "n_failed": int(boot.settings["n_failed"])}
        if info["n_failed"]:
            warns.append(f"interaction bootstrap: {info['n_failed']} of {n_boot} resamples could "
                         "not be estimated and were left out")
    else:
        fit = estimate_pls_interaction(data, syntax, **common)
        table, inter, slopes = fit.result.estimates, fit.interactions, fit.simple_slopes
        info = {"n_boot": 0, "seed": None, "level": float(level), "ci": None, "bca": False,
                "n_jackknife": 0, "n_failed": 0}
    term = f"{x}:{m}"
    r2_with = fit.result.r2
    r2_without = fit.first_stage.r2 if fit.first_stage is not None else {}
    inter = inter.copy()
    inter["r2"] = [r2_with[o] for o in inter["lhs"]]
    inter["r2_without"] = [r2_without.get(o, float("nan")) for o in inter["lhs"]]
    inter["f2"] = (inter["r2"] - inter["r2_without"]) / (1 - inter["r2"])
    paths = table[(table["op"] == "~") & table["lhs"].isin(outcomes)].reset_index(drop=True)
    predict, predict_warnings = predict_section(data, syntax, seed=seed, scheme=scheme,
                                                consistent=consistent,
                                                missing=missing or "listwise")
    warns += [f"interaction model: {w}" for w in predict_warnings]
    return to_plain({
        "method": METHOD, "x": x, "moderator": m, "term": term, "outcomes": outcomes,
        "model": syntax, "paths": paths, "interactions": inter, "simple_slopes": slopes,
        "predict": predict, "bootstrap": info, "warnings": warns,
    })
