"""What ``engagekit effects --method pls`` computes: the PLS section of a run, on an
instrument's respondents or on any CSV with ``--model``.

:func:`effects_pls` gives :func:`~analysis.pls.pipeline.pls_effects` (estimation, bootstrap,
assessment) plus what ``run --method pls`` adds, so that the two commands give the same
numbers for the same settings:

* ``predict``: PLSpredict, 10 folds x 10 repetitions with folds seeded by ``seed``
  (:func:`analysis.pls.predict.predict_section`), unless the model has no endogenous construct;
* ``groups`` with ``group`` (``COL`` or ``COL=A,B``): MICOM and the path differences between
  two groups (:func:`analysis.pls.groups.pls_groups`);
* ``interaction`` with ``interaction=(X, M)``: the two-stage moderating effect
  (:func:`analysis.pls.moderation.pls_interaction`).

* ``ipma``: the importance-performance map of each final outcome
  (:func:`analysis.pls.study.ipma_section`, as the run computes it), when the items' scale end
  points are given (``scale_min``/``scale_max``: the instrument's scales, or ``--ipma-scale
  MIN MAX`` with ``--model``); without them ``ipma`` is None and a warning says what the map
  needs (a CSV does not declare its answer options, and the sample's extremes are not the
  scale's: Ringle & Sarstedt, 2016).

A model with higher-order constructs (lavaan's second-order lines, ``HOC =~ LOC1 + LOC2`` or
``HOC <~ LOC1 + LOC2``) is estimated by :func:`effects_pls_higher_order` instead: the embedded
(default) or disjoint two-stage approach, or repeated indicators
(:mod:`analysis.pls.higher_order`), every bootstrap resample re-running both stages, with the
reliability and validity of the dimensions (stage 1) and of the higher-order construct on its
dimensions (stage 2), as Sarstedt et al. (2019) validate them. PLSpredict, the
importance-performance map and the group and interaction analyses are of first-order models
and are not run for it (a warning says so).

Settings that do not go together (a group and an interaction at once, names that are not
constructs, a group column that is not in the file, scale bounds that are not numbers, not
ordered or that answers fall outside) raise :class:`~instruments.errors.EngagekitInputError`
before anything is estimated.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from instruments.errors import EngagekitInputError

from .syntax import parse_pls_model

__all__ = ["IPMA_NEEDS_SCALE", "effects_pls", "effects_pls_higher_order", "higher_order_spec"]

#: The warning of an effects run without scale bounds (no importance-performance map).
IPMA_NEEDS_SCALE = ("importance-performance map: not drawn; it rescales every item to 0-100 "
                    "by its scale's lowest and highest answer options, which a model without "
                    "an instrument does not declare: give them with --ipma-scale MIN MAX "
                    "(e.g. 1 7; scale_min/scale_max in Python) or analyse the file with -i NAME")


def effects_pls(frame: pd.DataFrame, model: str, *, group: str | None = None,
                interaction: tuple[str, str] | None = None, scheme: str = "path",
                consistent: bool = False, missing: str | None = None, n_boot: int = 5000,
                seed: int = 20150401, n_jobs: int | None = None, scheduler: str | None = None,
                progress: bool | None = None, scale_min: Any = None,
                scale_max: Any = None, approach: str = "embedded",
                lower_is_better: Any = ()) -> dict[str, Any]:
    """The ``effects --method pls`` results (module docstring).

    Parameters
    ----------
    frame : pandas.DataFrame
        Respondents in rows: the model's items (reverse-keyed where needed) and, with
        ``group``, the group column.
    model : str
        lavaan syntax read as cSEM reads it.
    group : str or None
        ``COL`` or ``COL=A,B``: compare two groups (MICOM and PLS-MGA).
    interaction : (str, str) or None
        The predictor and the moderator of a two-stage interaction term.
    scheme, consistent, missing, n_boot, seed, n_jobs, scheduler, progress
        As for :func:`~analysis.pls.pipeline.pls_effects`.
    scale_min, scale_max : number, mapping of item to number, or None
        The items' lowest and highest answer options, for the importance-performance map
        (None: no map, and a warning saying so).
    approach : {"embedded", "disjoint", "repeated"}
        For a model with higher-order constructs (:func:`effects_pls_higher_order`).
    lower_is_better : sequence of str
        Outcomes a company wants less of (the instrument's ``higher_is_better: false``), whose
        importance-performance maps read the effects on lowering them.

    Returns
    -------
    dict
        :func:`~analysis.pls.pipeline.pls_effects`' section with ``ipma`` (a list of maps, or
        None), ``predict`` and, as asked, ``groups`` and ``interaction``.

    Raises
    ------
    EngagekitInputError
        Bad settings, names, group column or data (exit 2 on the command line).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> f = rng.normal(size=(150, 1))
    >>> d = pd.DataFrame(np.hstack([f + rng.normal(size=(150, 2)),
    ...                             0.6 * f + rng.normal(size=(150, 2))]), columns=list("abcd"))
    >>> out = effects_pls(d, "A =~ a + b; C =~ c + d; C ~ A", n_boot=50, seed=1, n_jobs=1,
    ...                   progress=False)
    >>> out["predict"]["constructs"][0]["construct"], "groups" in out, out["ipma"]
    ('C', False, None)
    """
    from .ipma import check_ipma_scale
    from .moderation import check_interaction, pls_interaction
    from .pipeline import pls_effects
    from .predict import predict_section
    from .study import ipma_section

    hoc = higher_order_spec(model)
    if hoc is not None:
        if group is not None or interaction is not None:
            raise EngagekitInputError(
                f"--{'group' if group is not None else 'interaction'} with higher-order "
                f"constructs ({', '.join(h.name for h in hoc.hocs)}): the group comparison "
                "and the interaction term are built for first-order models; estimate the "
                "model without them, or without the higher-order lines",
                code="invalid_argument")
        return effects_pls_higher_order(frame, hoc, approach=approach, scheme=scheme,
                                        consistent=consistent, missing=missing, n_boot=n_boot,
                                        seed=seed, n_jobs=n_jobs, progress=progress)
    spec = parse_pls_model(model)
    labels = None
    if group is not None and interaction is not None:
        raise EngagekitInputError(
            "--interaction with --group: PLS compares the groups' paths or estimates a "
            "moderating effect, not both at once; run them separately", code="invalid_argument")
    if group is not None:
        from .groups import check_groups, parse_group

        col, _ = parse_group(group)
        if col not in frame.columns:
            raise EngagekitInputError(
                f"--group {col}: the data have no column {col!r}; name a column of the file "
                "(or an item) that holds each respondent's group", code="invalid_argument")
        labels = frame[col]
        check_groups(labels, group)
    if interaction is not None:
        check_interaction(spec, *interaction)
    items = frame[list(spec.items)] if all(i in frame.columns for i in spec.items) else frame
    scaled = scale_min is not None or scale_max is not None
    if scaled:
        check_ipma_scale(items, spec, scale_min=scale_min, scale_max=scale_max,
                         missing=missing or "listwise")
    out = pls_effects(items, spec, scheme=scheme, consistent=consistent, missing=missing,
                      n_boot=n_boot, seed=seed, n_jobs=n_jobs, scheduler=scheduler,
                      progress=progress)
    used = out["settings"]["missing"]
    if scaled:
        out["ipma"], warns = ipma_section(items, spec, scale_min=scale_min,
                                          scale_max=scale_max, scheme=scheme,
                                          consistent=consistent, missing=used,
                                          lower_is_better=lower_is_better)
        out["warnings"] += warns
    else:
        out["ipma"] = None
        if spec.endogenous:
            out["warnings"].append(IPMA_NEEDS_SCALE)
    out["predict"], warns = predict_section(items, spec, seed=seed, scheme=scheme,
                                            consistent=consistent, missing=used)
    out["warnings"] += warns
    if group is not None:
        from .groups import pls_groups

        out["groups"] = pls_groups(items, labels, spec, group, scheme=scheme,
                                   consistent=consistent, missing=used, n_boot=n_boot,
                                   seed=seed, n_jobs=n_jobs, progress=progress)
    if interaction is not None:
        out["interaction"] = pls_interaction(items, spec, *interaction, scheme=scheme,
                                             consistent=consistent, missing=missing,
                                             n_boot=n_boot, seed=seed, n_jobs=n_jobs,
                                             progress=progress)
        out["warnings"] += out["interaction"]["warnings"]
    return out


def higher_order_spec(model: str) -> Any:
    """The model's higher-order structure (:class:`~analysis.pls.higher_order.
    HigherOrderModel`) when it has second-order lines, else None (a first-order model, or
    syntax whose errors :func:`~analysis.pls.syntax.parse_pls_model` reports); a model whose
    second-order lines are not a valid higher-order model raises the higher-order parser's
    :class:`~analysis.pls.errors.PLSInputError` (e.g. a dimension in a structural path)."""
    from .errors import PLSInputError
    from .higher_order import parse_higher_order

    try:
        parse_pls_model(model)
        return None
    except PLSInputError as first:
        if "is a construct and cannot be an indicator" not in str(first):
            return None  # not a second-order line: the first-order parser's message stands
    spec = parse_higher_order(model)  # its error names what is wrong with the higher order
    return spec if spec.hocs else None


def effects_pls_higher_order(frame: pd.DataFrame, model: Any, *, approach: str = "embedded",
                             scheme: str = "path", consistent: bool = False,
                             missing: str | None = None, n_boot: int = 5000,
                             seed: int = 20150401, level: float = 0.95,
                             n_jobs: int | None = None,
                             progress: bool | None = None) -> dict[str, Any]:
    """The ``effects --method pls`` results of a model with higher-order constructs.

    Both stages are estimated and bootstrapped together
    (:func:`~analysis.pls.higher_order.bootstrap_pls_higher_order`: percentile intervals,
    every resample re-running both stages); each stage is assessed with
    :func:`~analysis.pls.assess.assess_pls`: stage 1 for the dimensions (lower-order
    constructs) and their items, stage 2 for the higher-order construct measured by its
    dimensions' scores and for the structural model (Sarstedt et al., 2019).

    Parameters
    ----------
    frame : pandas.DataFrame
        Respondents in rows, the model's items in columns (reverse-keyed where needed).
    model : str or HigherOrderModel
        lavaan syntax with second-order lines.
    approach : {"embedded", "disjoint", "repeated"}
        The two-stage approach (embedded, the default; disjoint) or repeated indicators.
    scheme, consistent, missing, n_boot, seed, level, n_jobs, progress
        As for :func:`~analysis.pls.pipeline.pls_effects`.

    Returns
    -------
    dict
        ``method`` ("pls-higher-order"), ``approach``, ``higher_order``, ``sample``,
        ``settings``, ``estimates`` (the combined lavaan-shaped table with ``stage``,
        ``se``, ``ci.lower``, ``ci.upper``), ``r2``, ``assessment`` (``stage1``, ``stage2``:
        reliability (stage 1: the dimensions; stage 2: the higher-order and the other
        constructs), HTMT, fit) and ``warnings``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(5)
    >>> f = rng.normal(size=(300, 1))
    >>> a, b = f + 0.7 * rng.normal(size=(300, 1)), f + 0.7 * rng.normal(size=(300, 1))
    >>> d = pd.DataFrame(np.hstack([a + rng.normal(size=(300, 2)), b + rng.normal(size=(300, 2)),
    ...                             0.5 * f + rng.normal(size=(300, 1))]),
    ...                  columns=["a1", "a2", "b1", "b2", "y"])
    >>> out = effects_pls_higher_order(d, "A =~ a1 + a2; B =~ b1 + b2; H =~ A + B; Y =~ y; "
    ...                                "Y ~ H", n_boot=50, seed=1, n_jobs=1, progress=False)
    >>> out["approach"], round(out["r2"]["Y"], 3)
    ('embedded', 0.143)
    """
    from instruments.plain import to_plain

    from .assess import assess_pls
    from .higher_order import bootstrap_pls_higher_order, parse_higher_order

    spec = model if not isinstance(model, str) else parse_higher_order(model)
    items = frame[list(spec.items)] if all(i in frame.columns for i in spec.items) else frame
    boot = bootstrap_pls_higher_order(items, spec, n_boot=n_boot, seed=seed, level=level,
                                      approach=approach, scheme=scheme, consistent=consistent,
                                      missing=missing or "listwise", n_jobs=n_jobs,
                                      progress=progress)
    fit = boot.result
    stages = {"stage1": fit.stage1, "stage2": fit.stage2}
    dims = set(spec.dimensions)
    assessment = {}
    for name, res in stages.items():
        if res is None:
            continue
        a = assess_pls(res).to_dict()
        rel = a["reliability"]
        if name == "stage1" and fit.stage2 is not None:
            # stage 1 validates the dimensions; every other construct is assessed as the
            # structural model measures it, in stage 2 (Sarstedt et al., 2019)
            rel = [r for r in rel if r["construct"] in dims]
        assessment[name] = {"reliability": rel, "htmt": a["htmt"], "fit": a["fit"]}
    warnings = [w for res in stages.values() if res is not None for w in res.warnings]
    warnings.append("PLSpredict, the importance-performance map, group comparisons and "
                    "interaction terms are computed for first-order models; not run for this "
                    "model with higher-order constructs")
    return to_plain({
        "method": "pls-higher-order", "approach": fit.approach,
        "higher_order": [{"name": h.name, "dimensions": list(h.dimensions), "mode": h.mode}
                         for h in fit.hocs],
        "sample": fit.sample,
        "settings": {"scheme": scheme, "consistent": consistent,
                     "missing": missing or "listwise", "missing_chosen": missing is not None,
                     "n_boot": n_boot, "seed": seed, "level": level, "ci": "percentile",
                     "n_failed": boot.settings.get("n_failed")},
        "estimates": boot.table, "r2": fit.r2, "assessment": assessment,
        "warnings": warnings})
