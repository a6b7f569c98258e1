"""``engagekit validate | effects | run | demo | report``: the analysis and report commands.

``validate`` and ``effects`` take either an instrument (responses read through its codebook,
careless respondents screened out) or a lavaan-syntax ``--model`` with a plain CSV whose
columns are the model's variables. ``run`` does read -> screen -> score -> validate -> effects
-> report; ``demo`` does the same on simulated respondents; ``report`` re-renders a saved
``results.json`` without refitting.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd

from analysis.psychometrics.validation import (
    ValidationSettings,
    constructs_from_syntax,
    validate_instrument,
)
from analysis.psychometrics.validation import validate_scales as _validate_scales
from analysis.responses import read_responses
from analysis.responses.scoring import reverse_keyed
from analysis.responses.screening import screen
from analysis.responses.simulate import SimulationSettings, simulate
from analysis.structural.effects import estimate_effects
from analysis.study import StudySettings, require_items, run_study, scored_frame
from instruments.errors import EngagekitInputError
from instruments.loader import load_instrument
from instruments.schema import ConstructRole, Instrument, ScaleKind

from .report import render_report

COLUMN_MAP = click.option(
    "--column-map", type=click.Path(dir_okay=False), default=None,
    help="JSON/YAML/CSV file mapping the file's columns (or Qualtrics ImportIds) to item ids "
         "(with --instrument).")
ESTIMATORS = click.Choice(["ML", "MLM", "MLR"], case_sensitive=False)
CFA_ESTIMATORS = click.Choice(["ML", "MLM", "MLR", "WLSMV", "DWLS"], case_sensitive=False)
MISSING = {"listwise": "listwise", "fiml": "ml"}


def _model_data(file: str, model: str) -> pd.DataFrame:
    path = Path(file)
    if not path.is_file():
        raise EngagekitInputError(f"{file}: file not found")
    sep = "\t" if path.suffix.lower() in {".tsv", ".tab"} else ","
    try:
        return pd.read_csv(path, sep=sep)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
        raise EngagekitInputError(f"{file}: cannot be read as a CSV table ({e})") from None


def _instrument_frame(file: str, instrument: str, fmt: str, exclude_flagged: bool,
                      group: str | None, column_map: str | None = None
                      ) -> tuple[pd.DataFrame, Instrument, str]:
    inst = load_instrument(instrument)
    data = read_responses(file, inst, format=fmt, column_map=column_map)
    require_items(data, inst)
    note = f"{data.n} respondents read"
    if exclude_flagged:
        sc = screen(data, inst)
        data = sc.kept()
        note += f", {sc.n_excluded} excluded by screening, {sc.n_kept} analysed"
    frame = reverse_keyed(data.items, inst)
    if group is not None:
        if group in data.items:
            frame[group] = data.items[group]
        elif group in data.meta:
            frame[group] = data.meta[group]
        else:
            raise EngagekitInputError(f"--group '{group}' is not an item or column of {file}")
    return frame, inst, note


def _write_json(obj: dict, path: str | None) -> None:
    if path:
        Path(path).write_text(json.dumps(obj, indent=1, allow_nan=False) + "\n", encoding="utf-8")
        click.echo(f"wrote {path}")


def _require_one(instrument: str | None, model: str | None) -> None:
    if (instrument is None) == (model is None):
        raise click.UsageError("give either --instrument or --model (lavaan syntax)")


@click.command("validate")
@click.argument("responses", type=click.Path(dir_okay=False))
@click.option("--instrument", "-i", default=None, help="Bundled instrument name or YAML path.")
@click.option("--model", "-m", default=None,
              help="Lavaan measurement model instead of an instrument, e.g. "
                   "\"visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6\" (RESPONSES is then a "
                   "plain CSV whose columns are the items).")
@click.option("--format", "fmt", default="auto", show_default=True,
              help="Response file format (with --instrument).")
@COLUMN_MAP
@click.option("--group", default=None, help="Column for measurement invariance.")
@click.option("--estimator", type=CFA_ESTIMATORS, default="ML", show_default=True,
              help="CFA estimator. WLSMV/DWLS treat the ordinal items (an instrument's Likert "
                   "items, or --ordered) as ordered categories (polychoric correlations).")
@click.option("--missing", type=click.Choice(sorted(MISSING), case_sensitive=False),
              default="listwise", show_default=True,
              help="Missing answers in the CFA: listwise deletion or full-information ML (ML, "
                   "MLR).")
@click.option("--ordered", default=None,
              help="With --model: comma-separated ordinal items (or 'all'); they get ordinal "
                   "alpha/omega and WLSMV/DWLS treat them as ordered.")
@click.option("--keep-flagged", is_flag=True, help="Do not exclude careless respondents.")
@click.option("--htmt-boot", type=int, default=500, show_default=True)
@click.option("--seed", type=int, default=20150401, show_default=True)
@click.option("--json", "json_out", default=None, help="Write all results to this JSON file.")
def validate_cmd(responses, instrument, model, fmt, column_map, group, estimator, missing, ordered,
                 keep_flagged, htmt_boot, seed, json_out) -> None:
    """Reliability, CFA fit, validity, invariance and method checks of the scales."""
    _require_one(instrument, model)
    if ordered is not None and model is None:
        raise click.UsageError("--ordered goes with --model; an instrument declares its "
                               "ordinal items through their scales")
    settings = ValidationSettings(estimator=estimator.upper(), htmt_boot=htmt_boot, seed=seed,
                                  missing=MISSING[missing.lower()])
    if model is not None:
        data = _model_data(responses, model)
        constructs = constructs_from_syntax(model)
        items = [i for its in constructs.values() for i in its]
        absent = [i for i in items if i not in data.columns]
        if absent:
            raise EngagekitInputError(
                f"{responses}: the model's item(s) {', '.join(absent)} are not columns of the "
                f"file (its columns: {', '.join(map(str, data.columns[:20]))}"
                f"{', ...' if len(data.columns) > 20 else ''}); fix the model or the header")
        ordered_items = None
        if ordered is not None:
            ordered_items = items if ordered.strip().lower() == "all" else [
                x.strip() for x in ordered.split(",") if x.strip()]
            unknown = [x for x in ordered_items if x not in items]
            if unknown:
                raise EngagekitInputError(f"--ordered names {', '.join(unknown)}, which the "
                                          f"model does not measure; give items of the model")
        res = _validate_scales(data, constructs, model, group=group, settings=settings,
                               ordered=ordered_items)
        note = f"{len(data)} rows read"
    else:
        frame, inst, note = _instrument_frame(responses, instrument, fmt, not keep_flagged,
                                              group, column_map)
        res = validate_instrument(frame, inst, group=group, settings=settings)
    click.echo(note)
    fm = res.cfa["fit_measures"]
    click.echo(f"CFA ({settings.estimator}, N = {res.n}): chisq {fm['chisq']:.3f}, df "
               f"{fm['df']:.0f}, CFI {fm['cfi']:.3f}, TLI {fm['tli']:.3f}, RMSEA "
               f"{fm['rmsea']:.3f} [{fm['rmsea.ci.lower']:.3f}, {fm['rmsea.ci.upper']:.3f}], "
               f"SRMR {fm['srmr']:.3f}")
    conv = pd.DataFrame(res.validity["convergent"]).set_index("construct")
    cols = ["alpha", "feldt_low", "feldt_high", "omega", "cr"]
    cols += [c for c in ("ordinal_alpha", "ordinal_omega") if c in res.reliability]
    table = res.reliability.set_index("construct")[cols].join(conv[["ave"]])
    click.echo(table.round(3).to_string())
    bad = [p for p in res.validity["htmt"]["pairs"] if not p.get("ci_upper_below_0.85", True)]
    click.echo(f"HTMT: {len(bad)} pair(s) whose CI reaches .85"
               + "".join(f"\n  {p['construct_a']} - {p['construct_b']}: {p['htmt']:.3f}"
                         for p in bad))
    for w in res.warnings:
        click.echo(f"warning: {w}")
    _write_json(res.to_dict(), json_out)


@click.command("effects")
@click.argument("responses", type=click.Path(dir_okay=False))
@click.option("--instrument", "-i", default=None, help="Bundled instrument name or YAML path.")
@click.option("--model", "-m", default=None, help="Lavaan structural model instead of an "
              "instrument (RESPONSES is then a plain CSV).")
@click.option("--format", "fmt", default="auto", show_default=True)
@COLUMN_MAP
@click.option("--boot", type=int, default=1000, show_default=True, help="Bootstrap resamples.")
@click.option("--seed", type=int, default=20150401, show_default=True)
@click.option("--jobs", type=int, default=None, help="Local worker processes (default: all).")
@click.option("--scheduler", default=None,
              help="Run the bootstrap on Dask: 'dask' (local cluster) or tcp://host:8786.")
@click.option("--estimator", type=ESTIMATORS, default="ML", show_default=True)
@click.option("--keep-flagged", is_flag=True, help="Do not exclude careless respondents.")
@click.option("--json", "json_out", default=None, help="Write all results to this JSON file.")
def effects_cmd(responses, instrument, model, fmt, column_map, boot, seed, jobs, scheduler,
                estimator, keep_flagged, json_out) -> None:
    """Direct, indirect and total effects with bootstrap CIs, and which driver leads."""
    _require_one(instrument, model)
    if model is not None:
        frame = _model_data(responses, model)
        note = f"{len(frame)} rows read"
    else:
        frame, inst, note = _instrument_frame(responses, instrument, fmt, not keep_flagged, None,
                                              column_map)
        model = inst.to_lavaan()
    res = estimate_effects(frame, model, n_boot=boot, seed=seed, n_jobs=jobs,
                           scheduler=scheduler, estimator=estimator.upper())
    click.echo(note)
    t = res.effects[["outcome", "predictor", "kind", "est", "se", "std", "pvalue"]
                    + [c for c in ("bca.lower", "bca.upper") if c in res.effects]]
    click.echo(t.round(3).to_string(index=False))
    for r in res.ranking.to_dict(orient="records"):
        lead = ""
        if "credible" in r:
            lead = (f"; lead over {r['runner_up']} {'credible' if r['credible'] else 'not credible'}"
                    f" (difference CI {r['diff.lower']:.3f} to {r['diff.upper']:.3f})")
        click.echo(f"largest total effect on {r['outcome']}: {r['largest']} "
                   f"(std {r['std_total']:.3f}){lead}")
    for w in res.warnings:
        click.echo(f"warning: {w}")
    _write_json(res.to_dict(), json_out)


def _write_outputs(results: dict, data, inst: Instrument, outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "results.json").write_text(json.dumps(results, indent=1, allow_nan=False) + "\n",
                                         encoding="utf-8")
    data.log_frame().to_csv(outdir / "cleaning_log.csv", index=False)
    scored_frame(data, inst).to_csv(outdir / "scored.csv", index_label="respondent_id")
    (outdir / "report.html").write_text(render_report(results), encoding="utf-8")
    for name in ("report.html", "results.json", "cleaning_log.csv", "scored.csv"):
        click.echo(f"wrote {outdir / name}")


def _study_options(f):
    f = click.option("--boot", type=int, default=1000, show_default=True,
                     help="Bootstrap resamples for the effects.")(f)
    f = click.option("--seed", type=int, default=20150401, show_default=True)(f)
    f = click.option("--jobs", type=int, default=None, help="Local worker processes.")(f)
    f = click.option("--scheduler", default=None,
                     help="Dask for the bootstrap: 'dask' or tcp://host:8786.")(f)
    f = click.option("--group", default=None,
                     help="Grouping item/column for invariance and path comparison.")(f)
    f = click.option("--interaction", nargs=2, default=None,
                     help="Two constructs whose latent interaction to estimate.")(f)
    f = click.option("--keep-flagged", is_flag=True,
                     help="Analyse careless respondents too (they are still flagged).")(f)
    f = click.option("--output", "-o", required=True, type=click.Path(file_okay=False),
                     help="Output folder.")(f)
    return f


def _settings(boot, seed, jobs, scheduler, group, interaction, keep_flagged) -> StudySettings:
    return StudySettings(n_boot=boot, seed=seed, n_jobs=jobs, scheduler=scheduler, group=group,
                         interaction=tuple(interaction) if interaction else None,
                         exclude_flagged=not keep_flagged)


@click.command("run")
@click.argument("responses", type=click.Path(dir_okay=False))
@click.option("--instrument", "-i", required=True, help="Bundled instrument name or YAML path.")
@click.option("--format", "fmt", default="auto", show_default=True)
@COLUMN_MAP
@_study_options
def run_cmd(responses, instrument, fmt, column_map, boot, seed, jobs, scheduler, group, interaction,
            keep_flagged, output) -> None:
    """Read, screen, score, validate, model and report RESPONSES in one go."""
    inst = load_instrument(instrument)
    data = read_responses(responses, inst, format=fmt, column_map=column_map)
    results = run_study(data, inst, _settings(boot, seed, jobs, scheduler, group, interaction,
                                              keep_flagged))
    _write_outputs(results, data, inst, Path(output))


def default_group(inst: Instrument) -> str | None:
    """The first two-category single-choice item of a segmenting construct, if any."""
    for c in inst.constructs:
        if c.role != ConstructRole.segmenting:
            continue
        for item in c.items:
            s = inst.item_scale(item)
            if s.kind == ScaleKind.single_choice and len(s.anchors) == 2:
                return item.id
    return None


@click.command("demo")
@click.option("--instrument", "-i", default="five_commitments", show_default=True,
              help="Bundled instrument name or YAML path (needs a population model).")
@click.option("--n", "n", type=int, default=500, show_default=True,
              help="Simulated respondents.")
@click.option("--careless", type=float, default=0.05, show_default=True,
              help="Share of straightliners and of random responders each.")
@_study_options
def demo_cmd(instrument, n, careless, boot, seed, jobs, scheduler, group, interaction,
             keep_flagged, output) -> None:
    """The whole pipeline on simulated respondents: writes a full report to OUTPUT."""
    inst = load_instrument(instrument)
    sim = simulate(inst, SimulationSettings(n=n, seed=seed, straightliners=careless,
                                            random_responders=careless))
    group = group or default_group(inst)
    results = run_study(sim.data, inst, _settings(boot, seed, jobs, scheduler, group,
                                                  interaction, keep_flagged))
    _write_outputs(results, sim.data, inst, Path(output))


@click.command("report")
@click.argument("results_json", type=click.Path(dir_okay=False))
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="HTML file to write.")
def report_cmd(results_json, output) -> None:
    """Render a saved results.json as the HTML report (no refitting)."""
    path = Path(results_json)
    if not path.is_file():
        raise EngagekitInputError(f"{results_json}: file not found")
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise EngagekitInputError(f"{results_json}: not a JSON file ({e})") from None
    if not isinstance(results, dict) or results.get("format") != "engagekit-results/1":
        raise EngagekitInputError(f"{results_json}: not an engagekit results file (expected "
                                  "\"format\": \"engagekit-results/1\"); make one with "
                                  "`engagekit run` or `engagekit demo`")
    if Path(output).resolve() == path.resolve():
        raise EngagekitInputError("the output would overwrite the results file")
    Path(output).write_text(render_report(results), encoding="utf-8")
    click.echo(f"wrote {output}")


COMMANDS = [validate_cmd, effects_cmd, run_cmd, demo_cmd, report_cmd]
