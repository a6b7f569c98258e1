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

__all__ = ["IPMA_NEEDS_SCALE", "effects_pls"]

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
                scale_max: Any = None) -> dict[str, Any]:
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
                                          consistent=consistent, missing=used)
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
