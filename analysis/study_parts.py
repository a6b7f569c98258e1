"""Parts of a study's results shared by the covariance-based run (:mod:`analysis.study`) and
the PLS-SEM run (:mod:`analysis.pls.study`): software versions, the instrument summary, the
run's timestamp, scale-score summaries and the driver analyses on scale scores."""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import os
import platform
from typing import Any

import pandas as pd

from analysis.structural.drivers import dominance_analysis, importance_performance, relative_weights
from analysis.structural.regression import ols_table, ordinal_logit
from instruments.schema import ConstructRole, Instrument, ScaleKind


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("engagekit", "numpy", "pandas", "scipy", "statsmodels", "jinja2", "matplotlib"):
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _instrument_summary(inst: Instrument, brand: str | None = None) -> dict[str, Any]:
    lang = inst.default_language
    constructs = []
    for c in inst.constructs:
        items = []
        for i in c.items:
            s = inst.item_scale(i)
            items.append({"id": i.id, "label": i.label or i.id, "text": inst.text(i.text, lang),
                          "keyed": i.keyed, "role": i.role.value, "scale": s.id})
        constructs.append({"id": c.id, "name": inst.construct_name(c, lang),
                           "role": c.role.value,
                           "definition": inst.construct_definition(c, lang),
                           "source": list(c.source), "items": items})
    scales = [{"id": s.id, "kind": s.kind.value, "min": s.min, "max": s.max,
               "anchors": {str(a.value): inst.text(a.label, lang) for a in s.anchors}}
              for s in inst.scales]
    return {"id": inst.id, "version": inst.version, "title": inst.text(inst.title, lang),
            "language": lang, "constructs": constructs, "scales": scales,
            "citations": [{"key": c.key, "text": c.text, "doi": c.doi} for c in inst.citations],
            "placeholders": {ph.id: (brand.strip() if ph.id == "brand" and brand else
                                     inst.text(ph.default, lang)) for ph in inst.placeholders},
            **({"brand": brand.strip()} if brand else {}),
            "model": inst.to_lavaan(),
            "paths": [{"outcome": p.outcome, "predictors": list(p.predictors)}
                      for p in inst.model.paths]}


def _scale_bounds(inst: Instrument, construct_id: str) -> tuple[float, float]:
    c = inst.construct(construct_id)
    s = inst.item_scale(inst.measurement_items(c)[0])
    return float(s.min), float(s.max)


def _observed_models(inst: Instrument, scores: pd.DataFrame, items: pd.DataFrame,
                     effects: dict[str, Any]) -> dict[str, Any]:
    """OLS with HC3, dominance, relative weights and IPMA per structural equation; ordinal
    logit for single-item ordinal outcomes (e.g. likelihood to recommend)."""
    out: dict[str, Any] = {"equations": [], "ordinal": [], "ipma": []}
    for p in inst.model.paths:
        preds = [x for x in p.predictors if x in scores]
        if p.outcome not in scores or len(preds) < 2:
            continue
        ols = ols_table(scores, p.outcome, preds)
        dom = dominance_analysis(scores, p.outcome, preds)
        rw = relative_weights(scores, p.outcome, preds)
        out["equations"].append({"outcome": p.outcome, "ols": ols.to_dict(),
                                 "dominance": dom.to_dict(), "relative_weights": rw.to_dict()})
    exo = effects["ranking"]
    totals = pd.DataFrame(effects["effects"])
    for row in exo:
        outcome = row["outcome"]
        t = totals[(totals.kind == "total") & (totals.outcome == outcome)]
        names = [n for n in t.predictor if n in scores]
        if len(names) < 2:
            continue
        imp = {n: float(t[t.predictor == n]["std.all"].iloc[0]) for n in names}
        lo = {n: _scale_bounds(inst, n)[0] for n in names}
        hi = {n: _scale_bounds(inst, n)[1] for n in names}
        better = inst.construct(outcome).higher_is_better
        ipma = importance_performance(imp, {n: float(scores[n].mean()) for n in names}, lo, hi,
                                      higher_is_better=better)
        out["ipma"].append({"outcome": outcome, "table": ipma.to_dict(orient="records"),
                            **({} if better else {"higher_is_better": False})})
    predictors = [c.id for c in inst.measured_constructs()
                  if c.role in (ConstructRole.predictor, ConstructRole.mediator) and c.id in scores]
    for c in inst.measured_constructs():
        mitems = inst.measurement_items(c)
        if c.role != ConstructRole.outcome or len(mitems) != 1 or len(predictors) < 2:
            continue
        item = mitems[0].id
        if inst.item_scale(item).kind not in (ScaleKind.likert, ScaleKind.scale_0_10):
            continue
        frame = pd.concat([items[[item]], scores[predictors]], axis=1)
        res = ordinal_logit(frame, item, predictors)
        out["ordinal"].append(res.to_dict())
    return out


def _now() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = (_dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc) if epoch and epoch.isdigit()
            else _dt.datetime.now(_dt.timezone.utc))
    return when.replace(microsecond=0).isoformat()


def _score_summary(scale: pd.DataFrame, names: list[str]) -> list[dict[str, Any]]:
    return [{"construct": c, "n": int(scale[c].notna().sum()), "mean": float(scale[c].mean()),
             "sd": float(scale[c].std(ddof=1)), "min": float(scale[c].min()),
             "max": float(scale[c].max())} for c in names]


def _group_column(data: Any, inst: Instrument, group: str) -> pd.Series:
    """The grouping variable, as readable labels when it is a categorical item."""
    if group in data.items.columns:
        col = data.items[group]
        try:
            scale = inst.item_scale(group)
        except KeyError:
            return col
        labels = {a.value: inst.text(a.label) for a in scale.anchors}
        if scale.kind == ScaleKind.single_choice and labels:
            return col.map(lambda v: labels.get(int(v)) if pd.notna(v) else None)
        return col
    if group in data.meta.columns:
        return data.meta[group]
    raise KeyError(group)


def unknown_group(data: Any, group: str) -> Exception:
    """The error for a ``--group`` that is neither an item nor a kept column, saying how to
    make it one: ``--keep-column`` when the file has such a column, else what it could be."""
    from instruments.errors import EngagekitInputError

    file = data.source.file
    in_file = set(data.source.ignored_columns) | {e.column for e in data.log
                                                   if e.problem == "unknown_column"}
    if group in in_file:
        return EngagekitInputError(
            f"{file}: group column '{group}' is a column of the file but was not kept; add "
            f"--keep-column {group} (with --group {group})", code="invalid_argument")
    kept = list(data.source.kept_columns)
    choices = kept + sorted(c for c in in_file if c)
    import difflib

    close = difflib.get_close_matches(group, choices, n=1, cutoff=0.6)
    return EngagekitInputError(
        f"{file}: group column '{group}' is neither an item nor a column kept as metadata"
        + (f"; did you mean '{close[0]}'?" if close else "")
        + (f" Kept columns: {', '.join(kept)}." if kept else "")
        + (f" Other columns of the file: {', '.join(sorted(c for c in in_file if c)[:15])}"
           " (keep one with --keep-column COL)." if in_file else
           " Give a grouping item of the instrument or a column of the file kept with "
           "--keep-column COL."), code="invalid_argument")


__all__: list[str] = []
