"""The analysis command group: ``engagekit simulate``, ``responses``, ``validate``, ``effects``,
``power`` and ``profiles``.

``simulate`` writes simulated respondents; ``responses check|screen|score`` reads, screens and
scores a response file. ``validate`` and ``effects`` take either an instrument (responses read
through its codebook, careless respondents screened out) or a lavaan-syntax ``--model`` with a
plain CSV whose columns are the model's variables. ``power`` runs a Monte Carlo power analysis of
an instrument's structural paths (see :mod:`analysis.structural.power`); ``profiles`` a latent
profile analysis of the construct scores (its body is :mod:`analysis.profiles.cli`). ``COMMANDS`` is what
the ``engagekit`` root (:mod:`reports.cli`) mounts.

Bad input raises :class:`~instruments.errors.EngagekitInputError` (exit 2 from the ``engagekit``
entry point, with a message naming the file, row, column and what to do).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from analysis.pls.cli import METHOD_MISSING, check_effects_options, method_options, n_boot_for
from instruments.cli import LazyChoice, names_of
from instruments.errors import EngagekitInputError
from instruments.outputs import FORCE, atomic_path, check_outputs, write_file
from instruments.spreadsheet import csv_text

if TYPE_CHECKING:
    import pandas as pd

    from instruments.schema import Instrument

COLUMN_MAP = click.option(
    "--column-map", type=click.Path(dir_okay=False), default=None,
    help="JSON/YAML/CSV file mapping the file's columns (or Qualtrics ImportIds) to item ids "
         "(with --instrument).")
CROSSCHECK = click.option(
    "--crosscheck", type=click.Choice(["semopy"], case_sensitive=False), default=None,
    help="Refit the model with a second implementation (semopy) and print the largest "
         "differences in estimates and fit measures, flagging any beyond tolerance.")
ID_COLUMN = click.option(
    "--id-column", "id_column", default=None, metavar="COL",
    help="Column holding the respondent ids (e.g. member_id); they key every output.")
KEEP_COLUMN = click.option(
    "--keep-column", "keep", multiple=True, metavar="COL",
    help="Extra column of the file to keep as metadata (repeatable), e.g. club: carried into "
         "every output and usable with --group.")
ESTIMATORS = click.Choice(["ML", "MLM", "MLR", "WLSMV"], case_sensitive=False)
CFA_ESTIMATORS = click.Choice(["ML", "MLM", "MLR", "WLSMV", "DWLS"], case_sensitive=False)
#: ``--missing`` of validate, effects, run and demo: not given = listwise, said so when it
#: leaves anyone out (analysis.samples.describe_missing)
MISSING = click.option(
    "--missing", type=click.Choice(["listwise", "fiml"], case_sensitive=False), default=None,
    help="Missing answers: listwise (the respondents who answered every item of an analysis; "
         "the default) or fiml (full-information ML, every answer used; with ML or MLR).")


def _rule_list(ctx, param, value):
    """--exclude-rules: comma-separated rule names, or 'none' (flag only, exclude no one)."""
    from analysis.responses.screening import RULES

    if value is None:
        return None
    names = [r.strip().lower().replace("-", "_") for r in value.split(",") if r.strip()]
    if names == ["none"]:
        return ()
    bad = [r for r in names if r not in RULES]
    if bad or not names:
        raise click.BadParameter(f"unknown rule(s) {', '.join(bad) or repr(value)}; give a "
                                 f"comma-separated list of {', '.join(RULES)}, or 'none' to "
                                 "flag without excluding", ctx=ctx, param=param)
    return tuple(dict.fromkeys(names))


def _fraction(ctx, param, value):
    """A threshold strictly between 0 and 1."""
    if value is not None and not 0 < value < 1:
        raise click.BadParameter(f"must lie strictly between 0 and 1 (got {value:g})",
                                 ctx=ctx, param=param)
    return value


def screening_options(f):
    """The careless-response screening choices of ``run`` and ``demo`` (recorded in
    results.json and the methods text)."""
    f = click.option("--exclude-rules", default=None, callback=_rule_list, metavar="RULES",
                     help="Screening rules whose flags exclude, comma-separated (default "
                     "attention,speeder,longstring,irv,mahalanobis,duplicate; the others, "
                     "e.g. even_odd, only flag); 'none' flags without excluding.")(f)
    f = click.option("--min-flags", type=click.IntRange(min=1), default=None,
                     help="Exclude respondents flagged by at least this many of those rules "
                     "[default: 1].")(f)
    f = click.option("--speed-fraction", type=float, default=None, callback=_fraction,
                     help="Speeder: completion time below this fraction of the median "
                     "[default: 0.5].")(f)
    f = click.option("--longstring-fraction", type=float, default=None, callback=_fraction,
                     help="Long string: the longest run of identical answers exceeds this "
                     "fraction of the answered items [default: 0.5].")(f)
    f = click.option("--irv-min", type=float, default=None, callback=_fraction,
                     help="Low response variability: SD of the answers (rescaled 0-1) below "
                     "this [default: 0.05].")(f)
    f = click.option("--mahalanobis-p", "--mahalanobis-alpha", "mahalanobis_alpha", type=float,
                     default=None,
                     callback=_fraction, help="Multivariate outlier: chi-square p of "
                     "Mahalanobis D2 below this [default: 0.001].")(f)
    return f


def screening_settings(exclude_rules=None, min_flags=None, speed_fraction=None,
                       longstring_fraction=None, irv_min=None, mahalanobis_alpha=None):
    """:class:`~analysis.responses.screening.ScreeningSettings` from the options of
    :func:`screening_options` (None: the default)."""
    from analysis.responses.screening import ScreeningSettings

    given = {"exclude_rules": exclude_rules, "min_flags": min_flags,
             "speed_fraction": speed_fraction, "longstring_fraction": longstring_fraction,
             "irv_min": irv_min, "mahalanobis_alpha": mahalanobis_alpha}
    settings = ScreeningSettings(**{k: v for k, v in given.items() if v is not None})
    settings.check()
    return settings


def _read_options(f):
    f = click.option("--instrument", "-i", required=True,
                     help="Bundled instrument name or path of its YAML file.")(f)
    f = click.option("--format", "fmt",
                     type=LazyChoice(names_of("analysis.responses", "FORMATS")),
                     default="auto",
                     show_default=True, help="Format of FILE (auto: detected).")(f)
    f = click.option("--strict", is_flag=True,
                     help="Fail (exit 2) on the first problem instead of setting bad values "
                     "to missing.")(f)
    f = click.option("--column-map", type=click.Path(dir_okay=False), default=None,
                     help="JSON/YAML/CSV file mapping the file's columns (or Qualtrics "
                     "ImportIds) to item ids.")(f)
    f = click.option("--encoding", default="utf-8", show_default=True,
                     help="Text encoding of FILE.")(f)
    f = click.option("--sheet", default=None, help="Excel sheet (default: the first).")(f)
    f = click.option("--timezone", default=None,
                     help="Time zone of times written without an offset (default UTC).")(f)
    f = KEEP_COLUMN(f)
    f = ID_COLUMN(f)
    f = FORCE(f)
    return f


def _read(file, instrument, fmt, strict, column_map, encoding, sheet, timezone, keep,
          id_column=None):
    from analysis.responses import read_responses

    return read_responses(file, instrument, format=fmt, strict=strict, column_map=column_map,
                          encoding=encoding, sheet=sheet, timezone=timezone,
                          keep_columns=keep, id_column=id_column)


@click.group("responses")
def responses_cli() -> None:
    """Read, check, screen and score survey responses against an instrument."""


@responses_cli.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@_read_options
@click.option("--log", "log_out", type=click.Path(dir_okay=False), default=None,
              help="Write the cleaning log to this CSV file.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def check_cmd(file, instrument, fmt, strict, column_map, encoding, sheet, timezone, keep,
              id_column, force, log_out, as_json) -> None:
    """Report what was read from FILE: format, rows, respondents, items, every problem.

    Exits 2 when no item, or fewer than half of the instrument's items, could be read."""
    check_outputs([log_out], [file, instrument, column_map], force=force)
    data = _read(file, instrument, fmt, strict, column_map, encoding, sheet, timezone, keep,
                 id_column)
    from analysis.responses.coverage import check_items_read, item_coverage
    from instruments.loader import load_instrument

    inst = load_instrument(instrument)
    if not item_coverage(data, inst).too_few and log_out:
        write_file(log_out, csv_text(data.log_frame(), index=False))
    if as_json:
        out = {"source": data.source.to_dict(), "n": data.n,
               "log": [e.to_dict() for e in data.log]}
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        click.echo(data.summary())
    # no item, or under half of them, read: exit 2 naming what was expected and found (and
    # nothing written)
    check_items_read(data, inst, instrument, check_hint=False)


@click.command("simulate")
@click.argument("instrument")
@click.option("--n", "n", type=int, default=1000, show_default=True,
              help="Number of respondents.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="Output file (engagekit format: .csv or .json).")
@click.option("--format", "fmt",
              type=LazyChoice(names_of("analysis.responses", "WRITE_FORMATS")),
              default="engagekit",
              show_default=True, help="Output format.")
@click.option("--straightliners", type=float, default=0.0, show_default=True,
              help="Fraction of straightlining respondents.")
@click.option("--random-responders", type=float, default=0.0, show_default=True,
              help="Fraction of random responders.")
@click.option("--missing", type=float, default=0.0, show_default=True,
              help="Expected fraction of missing answers.")
@click.option("--missing-mechanism", type=click.Choice(["mcar", "mar"]), default="mcar",
              show_default=True)
@click.option("--missing-as-code", is_flag=True,
              help="Write missing answers as the scale's missing code instead of blank.")
@click.option("--truth", type=click.Path(dir_okay=False), default=None,
              help="Also write the true model parameters (JSON) to this file.")
@click.option("--waves", type=click.IntRange(min=2), default=None,
              help="Simulate a panel answering W waves: one file per wave (OUTPUT with "
                   "{wave} replaced, or _w1, _w2, ... before its suffix), shared ids.")
@click.option("--cross-lagged", "lags", multiple=True, metavar="FROM>TO=B",
              help="With --waves: within-person cross-lagged effect, e.g. "
                   "affective>repurchase=.2 (repeatable).")
@click.option("--autoregressive", type=float, default=0.5, show_default=True,
              help="With --waves: within-person autoregressive effect of every construct.")
@click.option("--ri-share", type=float, default=0.5, show_default=True,
              help="With --waves: share of variance in stable random intercepts.")
@click.option("--drift", "drifts", multiple=True, metavar="ITEM=D",
              help="With --waves: an item's intercept moves D latent SDs per wave, e.g. "
                   "aff_02=.3 (repeatable).")
@click.option("--attrition", type=float, default=0.0, show_default=True,
              help="With --waves: probability a respondent misses the next wave (and later).")
@click.option("--refreshment", type=float, default=0.0, show_default=True,
              help="With --waves: new respondents per later wave, as a fraction of --n.")
@FORCE
def simulate_cmd(instrument, n, seed, output, fmt, straightliners, random_responders, missing,
                 missing_mechanism, missing_as_code, truth, waves, lags, autoregressive,
                 ri_share, drifts, attrition, refreshment, force) -> None:
    """Simulate respondents to INSTRUMENT from its population model."""
    from analysis.responses import write_responses
    from analysis.responses.simulate import simulate
    from instruments.loader import load_instrument

    if waves is not None:
        _simulate_panel(instrument, n, seed, output, fmt, missing, missing_mechanism,
                        missing_as_code, truth, waves, lags, autoregressive, ri_share, drifts,
                        attrition, refreshment, straightliners or random_responders, force)
        return
    check_outputs([output, truth], [instrument], force=force)
    inst = load_instrument(instrument)
    import warnings

    from analysis.responses.simulate import DefaultPopulationWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DefaultPopulationWarning)
        sim = simulate(inst, n=n, seed=seed, straightliners=straightliners,
                       random_responders=random_responders, missing=missing,
                       missing_mechanism=missing_mechanism)
    for w in caught:
        if issubclass(w.category, DefaultPopulationWarning):
            click.echo(f"warning: {w.message}", err=True)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    with atomic_path(output) as tmp:
        write_responses(sim.data, tmp, inst, format=fmt,
                        missing="code" if missing_as_code else "blank")
    if truth:
        write_file(truth, json.dumps(sim.truth.to_dict(), indent=2) + "\n")
    kinds = sim.respondent_type.value_counts().to_dict()
    click.echo(f"wrote {n} simulated respondents to {output} ({fmt}; seed {seed}; "
               + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + ")")


def _assignments(values, name: str, example: str) -> dict[str, float]:
    """``KEY=NUMBER`` options -> {KEY: number}; a bad one is a usage error naming it."""
    out = {}
    for v in values:
        key, _, num = v.rpartition("=")
        try:
            out[key.strip()] = float(num)
        except ValueError:
            raise click.UsageError(f"{name} {v!r}: give {example}") from None
    return out


def _simulate_panel(instrument, n, seed, output, fmt, missing, missing_mechanism,
                    missing_as_code, truth, waves, lags, autoregressive, ri_share, drifts,
                    attrition, refreshment, careless, force) -> None:
    """``engagekit simulate --waves W``: one response file per wave
    (:func:`analysis.responses.simulate_panel.simulate_panel`)."""
    import warnings

    from analysis.responses import write_responses
    from analysis.responses.simulate import DefaultPopulationWarning
    from analysis.responses.simulate_panel import simulate_panel, wave_paths
    from instruments.loader import load_instrument

    if careless:
        raise click.UsageError("--straightliners and --random-responders are not simulated "
                               "with --waves; leave them out")
    paths = wave_paths(output, waves)
    check_outputs([*paths, truth], [instrument], force=force)
    inst = load_instrument(instrument)
    cross: dict[str, dict[str, float]] = {}
    for key, b in _assignments(lags, "--cross-lagged",
                                       "FROM>TO=B, e.g. affective>repurchase=.2").items():
        src, arrow, dst = key.partition(">")
        if not arrow or not src.strip() or not dst.strip():
            raise click.UsageError(f"--cross-lagged {key!r}: give FROM>TO=B, e.g. "
                                   "affective>repurchase=.2")
        cross.setdefault(dst.strip(), {})[src.strip()] = b
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DefaultPopulationWarning)
        sim = simulate_panel(inst, n=n, waves=waves, seed=seed, cross_lagged=cross,
                             autoregressive=autoregressive, ri_share=ri_share,
                             intercept_drift=_assignments(drifts, "--drift",
                                                          "ITEM=D, e.g. aff_02=.3"),
                             attrition=attrition, refreshment=refreshment, missing=missing,
                             missing_mechanism=missing_mechanism)
    for w in caught:
        if issubclass(w.category, DefaultPopulationWarning):
            click.echo(f"warning: {w.message}", err=True)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    for data, path in zip(sim.waves, paths, strict=True):
        with atomic_path(path) as tmp:
            write_responses(data, tmp, inst, format=fmt,
                            missing="code" if missing_as_code else "blank")
    if truth:
        write_file(truth, json.dumps(sim.truth.to_dict(), indent=2) + "\n")
    counts = sim.counts()
    per_wave = ", ".join(str(counts[f"wave{t}"]) for t in range(1, waves + 1))
    click.echo(f"wrote a {waves}-wave panel ({per_wave} respondents; {counts['all']} in every "
               f"wave; seed {seed}) to " + ", ".join(paths))


@responses_cli.command("score")
@click.argument("file", type=click.Path(dir_okay=False))
@_read_options
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the per-respondent scores to this CSV file.")
@click.option("--cut", type=click.Choice(["rule", "median", "midpoint"]), default="rule",
              show_default=True, help="Dick & Basu split (rule: as the instrument says).")
@click.option("--min-answered", type=float, default=2 / 3, show_default=True,
              help="Fraction of a construct's items needed for a scale score.")
@click.option("--json", "as_json", is_flag=True, help="Print the summaries as JSON.")
@click.option("--exclude-flagged", is_flag=True,
              help="Screen first (default settings) and score only the kept respondents.")
def score_cmd(file, instrument, fmt, strict, column_map, encoding, sheet, timezone, keep,
              id_column, force, output, cut, min_answered, as_json, exclude_flagged) -> None:
    """Scale scores, NPS, 0-100 indices and loyalty segments of FILE's respondents."""
    from analysis.responses.scoring import score_responses

    check_outputs([output], [file, instrument, column_map], force=force)
    data = _read(file, instrument, fmt, strict, column_map, encoding, sheet, timezone, keep,
                 id_column)
    if exclude_flagged:
        from analysis.responses.screening import screen

        result = screen(data, instrument)
        click.echo(result.summary(), err=as_json)
        data = result.kept()
    scores = score_responses(data, instrument, cut=cut, min_answered=min_answered)
    if output:
        write_file(output, csv_text(data.with_kept(scores.scores)))
    if as_json:
        d = scores.to_dict()
        d.pop("scores")
        click.echo(json.dumps(d, indent=2))
    else:
        click.echo(scores.summary())


@responses_cli.command("screen")
@click.argument("file", type=click.Path(dir_okay=False))
@_read_options
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write flags and indices per respondent to this CSV file.")
@click.option("--kept", "kept_out", type=click.Path(dir_okay=False), default=None,
              help="Write the kept respondents (engagekit format) to this file.")
@screening_options
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def screen_cmd(file, instrument, fmt, strict, column_map, encoding, sheet, timezone, keep,
               id_column, force, output, kept_out, as_json, **screening) -> None:
    """Flag careless respondents in FILE (attention checks, speeders, longstring, IRV,
    Mahalanobis D2, even-odd consistency, duplicates) and report who would be excluded."""
    from analysis.responses import write_responses
    from analysis.responses.screening import screen
    from instruments.loader import load_instrument

    check_outputs([output, kept_out], [file, instrument, column_map], force=force)
    inst = load_instrument(instrument)
    data = _read(file, inst, fmt, strict, column_map, encoding, sheet, timezone, keep,
                 id_column)
    result = screen(data, inst, screening_settings(**screening))
    if output:
        write_file(output, csv_text(data.with_kept(result.flags.join(result.metrics))))
    if kept_out:
        with atomic_path(kept_out) as tmp:
            write_responses(result.kept(), tmp, inst)
    if as_json:
        click.echo(json.dumps({**result.counts(), "notes": result.notes}, indent=2))
    else:
        click.echo(result.summary())


# --- scale validation and structural effects ---------------------------------------------

def _model_data(file: str, model: str) -> pd.DataFrame:
    import pandas as pd

    path = Path(file)
    if not path.is_file():
        raise EngagekitInputError(f"{file}: file not found")
    sep = "\t" if path.suffix.lower() in {".tsv", ".tab"} else ","
    try:
        return pd.read_csv(path, sep=sep)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
        raise EngagekitInputError(f"{file}: cannot be read as a CSV table ({e})") from None


def _instrument_frame(file: str, instrument: str, fmt: str, exclude_flagged: bool,
                      group: str | None, column_map: str | None = None,
                      id_column: str | None = None, keep: tuple[str, ...] = ()
                      ) -> tuple[pd.DataFrame, Instrument, str]:
    from analysis.responses import read_responses
    from analysis.responses.accounting import require_analysable, sample_note
    from analysis.responses.scoring import reverse_keyed
    from analysis.responses.screening import screen
    from analysis.study import require_items, unknown_group
    from instruments.loader import load_instrument

    inst = load_instrument(instrument)
    data = read_responses(file, inst, format=fmt, column_map=column_map, id_column=id_column,
                          keep_columns=keep)
    require_items(data, inst)
    if group is not None and group not in data.items and group not in data.meta:
        raise unknown_group(data, group)
    sc = screen(data, inst) if exclude_flagged else None
    require_analysable(data, sc, exclude_flagged)
    note = sample_note(data, sc, exclude_flagged)
    if sc is not None:
        data = sc.kept()
    frame = reverse_keyed(data.items, inst)
    if group is not None:
        if group in data.items:
            frame[group] = data.items[group]
        elif group in data.meta:
            frame[group] = data.meta[group]
    return frame, inst, note


def _write_json(obj: dict, path: str | None) -> None:
    if path:
        write_file(path, json.dumps(obj, indent=1, allow_nan=False) + "\n")
        click.echo(f"wrote {path}")


def echo_crosscheck(*checks: dict | None) -> None:
    """Print the cross-check tables (nothing when no check ran)."""
    from analysis.sem.crosscheck import format_checks

    done = [c for c in checks if c is not None]
    if done:
        click.echo(format_checks(done))


def echo_missing(samples: dict, chosen: bool) -> None:
    """Say how missing answers were handled and how many respondents that touched (nothing
    when no one had a missing answer)."""
    from analysis.samples import describe_missing

    text = describe_missing(samples, chosen)
    if text:
        click.echo(f"missing answers: {text}")


def _require_one(instrument: str | None, model: str | None) -> None:
    if (instrument is None) == (model is None):
        raise click.UsageError("give either --instrument or --model (lavaan syntax)")


def _instrument_only(model: str | None, **given) -> None:
    """--id-column and --keep-column read a response file through an instrument; with
    --model the file is a plain table of the model's variables."""
    used = [f"--{k.replace('_', '-')}" + ("-column" if k == "keep" else "")
            for k, v in given.items() if v]
    if model is not None and used:
        raise click.UsageError(f"{' and '.join(used)} go(es) with --instrument, not --model")


def effects_fit_lines(effects: dict, estimator: str) -> list[str]:
    """The structural model's fit, its measurement model's and the chi-square difference, as
    printed by ``effects`` and ``run`` (robust/scaled versions named as such)."""
    from analysis.samples import n_phrase
    from analysis.sem.measures import summary_line

    lines = [f"structural model ({estimator}, {n_phrase(effects.get('sample'), effects['n'])}): "
             + summary_line(effects["fit_measures"])]
    meas = effects.get("measurement")
    comp = effects.get("comparison")
    if meas:
        lines.append(f"measurement model ({estimator}): " + summary_line(meas["fit_measures"]))
    if comp:
        if comp.get("saturated"):
            lines.append("the structural model is saturated: it fits as its measurement model")
        else:
            how = {"satorra.bentler.2001": "scaled, Satorra-Bentler 2001",
                   "satorra.2000": "scaled and shifted, Satorra 2000"}.get(comp["method"],
                                                                           "standard")
            p = comp["pvalue"]
            lines.append(f"chi-square difference ({how}): {comp['chisq.diff']:.3f}, df "
                         f"{comp['df.diff']:.0f}, p {'< .001' if p < .001 else f'= {p:.3f}'}")
    return lines


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
@ID_COLUMN
@KEEP_COLUMN
@click.option("--group", default=None, help="Grouping item, or a column kept with "
              "--keep-column, for measurement invariance.")
@click.option("--invariance-partial", type=click.Choice(["fit", "either", "chisq"]),
              default=None,
              help="With --group: when an invariance level fails (fit: dCFI <= -.01 with "
                   "dRMSEA >= .015, Chen 2007; either: one of them; chisq: the chi-square "
                   "difference test), release constraints one at a time, largest score test "
                   "first, until it holds.")
@click.option("--estimator", type=CFA_ESTIMATORS, default="ML", show_default=True,
              help="CFA estimator. WLSMV/DWLS treat the ordinal items (an instrument's Likert "
                   "items, or --ordered) as ordered categories (polychoric correlations).")
@MISSING
@click.option("--ordered", default=None,
              help="With --model: comma-separated ordinal items (or 'all'); they get ordinal "
                   "alpha/omega and WLSMV/DWLS treat them as ordered.")
@click.option("--keep-flagged", is_flag=True, help="Do not exclude careless respondents.")
@click.option("--htmt-boot", type=int, default=500, show_default=True)
@click.option("--seed", type=int, default=20150401, show_default=True)
@CROSSCHECK
@click.option("--json", "json_out", default=None, help="Write all results to this JSON file.")
@FORCE
def validate_cmd(responses, instrument, model, fmt, column_map, id_column, keep, group,
                 invariance_partial, estimator, missing, ordered, keep_flagged, htmt_boot, seed,
                 crosscheck, json_out, force) -> None:
    """Reliability, CFA fit, validity, invariance and method checks of the scales."""
    import pandas as pd

    from analysis.psychometrics.validation import (
        ValidationSettings,
        constructs_from_syntax,
        validate_instrument,
    )
    from analysis.psychometrics.validation import validate_scales as _validate_scales
    from analysis.responses.accounting import about_file
    from analysis.samples import n_phrase
    from analysis.sem.measures import summary_line

    _require_one(instrument, model)
    _instrument_only(model, id_column=id_column, keep=keep)
    check_outputs([json_out], [responses, instrument, column_map], force=force)
    if ordered is not None and model is None:
        raise click.UsageError("--ordered goes with --model; an instrument declares its "
                               "ordinal items through their scales")
    if invariance_partial and group is None:
        raise click.UsageError("--invariance-partial searches for partial invariance across "
                               "groups: give the grouping column with --group")
    settings = ValidationSettings(estimator=estimator.upper(), htmt_n_boot=htmt_boot, seed=seed,
                                  missing=missing or "listwise",
                                  invariance_partial=invariance_partial)
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
        note = f"{len(data)} rows read"
        with about_file(responses, note):
            res = _validate_scales(data, constructs, model, group=group, settings=settings,
                                   ordered=ordered_items, crosscheck=crosscheck)
    else:
        frame, inst, note = _instrument_frame(responses, instrument, fmt, not keep_flagged,
                                              group, column_map, id_column, keep)
        with about_file(responses, note):
            res = validate_instrument(frame, inst, group=group, settings=settings,
                                      crosscheck=crosscheck)
    click.echo(note)
    click.echo(f"CFA ({settings.estimator}, {n_phrase(res.samples['cfa'])}): "
               + summary_line(res.cfa["fit_measures"]))
    conv = pd.DataFrame(res.validity["convergent"]).set_index("construct")
    cols = ["alpha", "feldt_low", "feldt_high", "omega", "cr"]
    cols += [c for c in ("ordinal_alpha", "ordinal_omega") if c in res.reliability]
    cols += [c for c in ("omega_latent",) if c in res.reliability]
    table = res.reliability.set_index("construct")[cols].join(conv[["ave"]])
    click.echo(table.round(3).to_string())
    if "omega_latent" in res.reliability:
        click.echo("omega: of the observed sum score (Green & Yang 2009, semTools' default); "
                   "omega_latent: of the latent responses")
    if res.validity["htmt"] is not None:
        bad = [p for p in res.validity["htmt"]["pairs"]
               if not p.get("ci_upper_below_0.85", True)]
        click.echo(f"HTMT: {len(bad)} pair(s) whose CI reaches .85"
                   + "".join(f"\n  {p['construct_a']} - {p['construct_b']}: {p['htmt']:.3f}"
                             for p in bad))
    for what, why in {**res.validity.get("skipped", {}),
                      **res.method_bias.get("skipped", {})}.items():
        click.echo(f"not run: {what.replace('_', '-')} ({why})")
    part = (res.invariance or {}).get("partial")
    if part:
        click.echo(f"partial invariance search across {group}: {part['rule']['text']}; "
                   f"{part['limits']['text']}")
        for r in part["table"]:
            freed = f" after releasing {', '.join(r['freed'])}" if r.get("freed") else ""
            click.echo(f"invariance across {group}, {r['model']}: {r['decision']}{freed}")
    echo_missing(res.samples, missing is not None)
    echo_crosscheck(res.crosscheck)
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
@ID_COLUMN
@KEEP_COLUMN
@click.option("--boot", "--n-boot", "boot", type=int, default=None,
              help="Bootstrap resamples [default: 1000; 5000 with --method pls].")
@click.option("--seed", type=int, default=20150401, show_default=True)
@click.option("--jobs", "--n-jobs", "jobs", type=int, default=None,
              help="Local worker processes (default: all).")
@click.option("--scheduler", default=None,
              help="Run the bootstrap on Dask: 'dask' (local cluster) or tcp://host:8786.")
@click.option("--estimator", type=ESTIMATORS, default="ML", show_default=True,
              help="ML, MLM, MLR or WLSMV (ordinal items on polychoric correlations: an "
                   "instrument's Likert items, or --ordered with --model).")
@click.option("--ordered", default=None,
              help="With --model and WLSMV: comma-separated ordinal variables (or 'all').")
@METHOD_MISSING
@click.option("--keep-flagged", is_flag=True, help="Do not exclude careless respondents.")
@CROSSCHECK
@method_options
@click.option("--group", default=None,
              help="With --method pls: compare two groups (MICOM, then the permutation test "
                   "and PLS-MGA of the paths): a column (or item) with two groups, or "
                   "COL=A,B to pick two.")
@click.option("--interaction", nargs=2, default=None,
              help="With --method pls: X M, the two-stage interaction term X:M on every path "
                   "out of X (moderating effect, simple slopes).")
@click.option("--ipma-scale", "ipma_scale", nargs=2, type=float, default=None,
              metavar="MIN MAX",
              help="With --method pls and --model: the items' lowest and highest answer "
                   "options (e.g. 1 7), for the importance-performance map (an instrument "
                   "declares them; without either, no map).")
@click.option("--hoc-approach", type=click.Choice(["embedded", "disjoint", "repeated"],
                                                   case_sensitive=False), default=None,
              help="With --method pls and a --model with higher-order constructs (HOC =~ "
                   "LOC1 + LOC2): the embedded or disjoint two-stage approach or repeated "
                   "indicators [default: embedded].")
@click.option("--json", "json_out", default=None, help="Write all results to this JSON file.")
@FORCE
def effects_cmd(responses, instrument, model, fmt, column_map, id_column, keep, boot, seed, jobs,
                scheduler, estimator, ordered, missing, keep_flagged, crosscheck, method,
                consistent, scheme, group, interaction, ipma_scale, hoc_approach, json_out,
                force) -> None:
    """Direct, indirect and total effects with bootstrap CIs, and which driver leads
    (covariance-based SEM, or PLS-SEM with --method pls: also PLSpredict and, with --group or
    --interaction, MICOM and PLS-MGA or a two-stage moderating effect, as run --method pls)."""
    from analysis.responses.accounting import about_file
    from analysis.structural.effects import estimate_effects
    from analysis.study import model_variables, ordinal_items

    _require_one(instrument, model)
    _instrument_only(model, id_column=id_column, keep=keep)
    check_effects_options(method, consistent=consistent, scheme=scheme, missing=missing,
                          estimator=estimator, ordered=ordered, crosscheck=crosscheck,
                          group=group, interaction=interaction, ipma_scale=ipma_scale)
    if ipma_scale and model is None:
        raise click.UsageError("--ipma-scale goes with --model; an instrument declares each "
                               "item's scale, and the importance-performance map uses it")
    if hoc_approach and method.lower() != "pls":
        raise click.UsageError("--hoc-approach goes with --method pls (higher-order constructs "
                               "of a PLS model); add --method pls or leave it out")
    boot = n_boot_for(method, boot)
    check_outputs([json_out], [responses, instrument, column_map], force=force)
    if method.lower() == "pls":  # PLS-SEM: analysis.pls.command
        from analysis.pls.cli import echo_pls
        from analysis.pls.command import effects_pls
        from analysis.pls.groups import parse_group
        from analysis.pls.study import instrument_scale, lower_is_better
        from analysis.pls.syntax import parse_pls_model

        column = parse_group(group)[0] if group is not None else None
        lo = hi = None
        worse: list[str] = []
        if model is not None:
            frame, note = _model_data(responses, model), None
            if ipma_scale:
                lo, hi = ipma_scale
        else:
            frame, inst, note = _instrument_frame(responses, instrument, fmt, not keep_flagged,
                                                  column, column_map, id_column, keep)
            model = inst.to_lavaan()
            lo, hi = instrument_scale(inst, parse_pls_model(model).items)
            worse = lower_is_better(inst)
        note = note or f"{len(frame)} rows read"
        with about_file(responses, note):
            res = effects_pls(frame, model, group=group,
                              interaction=tuple(interaction) if interaction else None,
                              scheme=(scheme or "path").lower(),
                              consistent=consistent, missing=missing and missing.lower(),
                              n_boot=boot, seed=seed, n_jobs=jobs, scheduler=scheduler,
                              scale_min=lo, scale_max=hi,
                              approach=(hoc_approach or "embedded").lower(),
                              lower_is_better=worse)
        if hoc_approach and res.get("method") != "pls-higher-order":
            raise click.UsageError("--hoc-approach: the model has no higher-order construct "
                                   "(a line such as 'HOC =~ LOC1 + LOC2' whose right-hand side "
                                   "names constructs); leave the option out")
        click.echo(note)
        echo_pls(res)
        _write_json(res, json_out)
        return
    if ordered is not None and model is None:
        raise click.UsageError("--ordered goes with --model; an instrument declares its "
                               "ordinal items through their scales")
    estimator = estimator.upper()
    ordered_items = None
    if model is not None:
        frame = _model_data(responses, model)
        note = f"{len(frame)} rows read"
        if ordered is not None:
            names = model_variables(model)
            ordered_items = names if ordered.strip().lower() == "all" else [
                x.strip() for x in ordered.split(",") if x.strip()]
            unknown = [x for x in ordered_items if x not in names]
            if unknown:
                raise EngagekitInputError(f"--ordered names {', '.join(unknown)}, which the "
                                          "model does not use; give observed variables of the "
                                          "model")
    else:
        frame, inst, note = _instrument_frame(responses, instrument, fmt, not keep_flagged, None,
                                              column_map, id_column, keep)
        model = inst.to_lavaan()
        if estimator == "WLSMV":
            ordered_items = ordinal_items(inst, model)
    if estimator == "WLSMV" and not ordered_items:
        raise EngagekitInputError("WLSMV is for ordinal items: give them with --ordered (or "
                                  "'--ordered all'), or use ML, MLM or MLR")
    with about_file(responses, note):
        res = estimate_effects(frame, model, n_boot=boot, seed=seed, n_jobs=jobs,
                               scheduler=scheduler, estimator=estimator, ordered=ordered_items,
                               crosscheck=crosscheck, missing=missing or "listwise")
    click.echo(note)
    echo_missing({"structural": res.sample}, missing is not None)
    for line in effects_fit_lines(res.to_dict(), estimator):
        click.echo(line)
    t = res.effects[["outcome", "predictor", "kind", "est", "se", "std.all", "pvalue"]
                    + [c for c in ("bca.lower", "bca.upper") if c in res.effects]]
    click.echo(t.round(3).to_string(index=False))
    if res.bootstrap.get("unstable"):
        b = res.bootstrap
        click.echo(f"model unstable: {b['n_failed'] + b['n_inadmissible']} of {b['n_boot']} "
                   "resamples did not converge or were inadmissible; no predictor is ranked")
    for r in res.ranking.to_dict(orient="records"):
        lead = ""
        if "credible" in r:
            lead = (f"; lead over {r['runner_up']} {'credible' if r['credible'] else 'not credible'}"
                    f" (difference CI {r['diff.lower']:.3f} to {r['diff.upper']:.3f})")
        click.echo(f"largest total effect on {r['outcome']} of an exogenous construct: "
                   f"{r['largest']} "
                   f"(std {r['std_total']:.3f}){lead}")
    echo_crosscheck(res.crosscheck)
    for w in res.warnings:
        click.echo(f"warning: {w}")
    _write_json(res.to_dict(), json_out)


@click.command("power")
@click.argument("instrument")
@click.argument("more_n", metavar="[N]...", nargs=-1, type=int)
@click.option("--n", "ns", type=int, multiple=True,
              help="Sample size(s) to simulate: --n 200 400 800 (default 200 400 800).")
@click.option("--reps", type=int, default=500, show_default=True,
              help="Monte Carlo replicates per sample size.")
@click.option("--seed", type=int, default=20150401, show_default=True, help="Random seed.")
@click.option("--alpha", type=float, default=0.05, show_default=True,
              help="Significance level of the Wald test of each path.")
@click.option("--target", type=float, default=0.80, show_default=True,
              help="Power whose sample size is reported.")
@click.option("--estimator", type=click.Choice(["ML", "MLM", "MLR", "WLSMV", "DWLS"],
                                               case_sensitive=False),
              default="ML", show_default=True,
              help="Estimator (WLSMV/DWLS: ordinal items on polychoric correlations).")
@click.option("--jobs", type=int, default=None,
              help="Local worker processes (default: all cores).")
@click.option("--scheduler", default=None,
              help="Dask scheduler address (tcp://host:8786) or 'dask' for a local cluster.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), default=None,
              help="Also write the full result (every column, plain JSON) to this file.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@FORCE
def power_cmd(instrument, more_n, ns, reps, seed, alpha, target, estimator, jobs, scheduler,
              json_out, quiet, force) -> None:
    """Monte Carlo power of each structural path of INSTRUMENT's model at each N.

    Simulates respondents from the instrument's population model, reverse-keys, fits the
    instrument's model and counts significant paths (with the true sign). Prints power per
    path and N and the N needed for the target power.
    """
    from analysis.structural.power import power_analysis

    check_outputs([json_out], [instrument], force=force)
    sizes = list(ns) + list(more_n) or [200, 400, 800]
    res = power_analysis(instrument, ns=sizes, reps=reps, seed=seed, alpha=alpha,
                         estimator=estimator.upper(), n_jobs=jobs, scheduler=scheduler,
                         target=target, progress=False if quiet else None)
    if json_out:
        write_file(json_out, res.to_json(indent=2) + "\n")
    click.echo(res.summary())
    if json_out:
        click.echo(f"\nwrote {json_out}")


# --- latent profiles ------------------------------------------------------------------------

@click.command("profiles")
@click.argument("responses", type=click.Path(dir_okay=False))
@click.option("--instrument", "-i", required=True, help="Bundled instrument name or YAML path.")
@click.option("--format", "fmt", default="auto", show_default=True)
@COLUMN_MAP
@ID_COLUMN
@click.option("--k", "k", default="1-6", show_default=True,
              help="Numbers of profiles to compare: a range (1-6) or a list (2,3,4).")
@click.option("--constructs", multiple=True, metavar="IDS",
              help="Constructs to profile, comma-separated or repeated (default: the "
                   "instrument's predictors).")
@click.option("--outcomes", multiple=True, metavar="IDS",
              help="Constructs compared across profiles (default: its mediators and outcomes).")
@click.option("--families", default="EEI,VVI,EEE,VVV", show_default=True,
              help="Model families (mclust's names): EEI equal, VVI varying variances, both "
                   "without covariances; EEE equal, VVV varying covariance matrices; also "
                   "EII (one variance for all) and VII (one variance per profile), spherical.")
@click.option("--seed", type=int, default=20150401, show_default=True)
@click.option("--n-starts", type=click.IntRange(min=1), default=20, show_default=True,
              help="Random starts per model (the best quarter is iterated to convergence).")
@click.option("--boot", type=click.IntRange(min=0), default=100, show_default=True,
              help="Bootstrap draws of each BLRT at most (k vs k - 1, for the chosen family; "
                   "0: none). The tests stop after the first non-significant one, and a "
                   "test's draws once 10 reached the observed statistic (p > .10).")
@click.option("--blrt-all", is_flag=True,
              help="Run the BLRT for every k with all --boot draws (no early stopping).")
@click.option("--outcome-method", type=click.Choice(["bch", "ml3"], case_sensitive=False),
              default="bch", show_default=True,
              help="Outcome means by profile corrected for classification error by the BCH "
                   "method (Bakk & Vermunt 2016 recommend it for continuous outcomes) or the "
                   "ML three-step approach (Vermunt 2010).")
@click.option("--jobs", type=int, default=None,
              help="Local worker processes for the model fits and the BLRT (default: all "
                   "cores; the same results for any).")
@click.option("--keep-flagged", is_flag=True, help="Do not exclude careless respondents.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), default=None,
              help="Write the profiles section (results.json's) to this file.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@FORCE
def profiles_cmd(responses, instrument, fmt, column_map, id_column, k, constructs, outcomes,
                 families, seed, n_starts, boot, blrt_all, outcome_method, jobs, keep_flagged,
                 json_out, quiet, force) -> None:
    """Latent profiles of RESPONSES' construct scores, and outcomes by profile.

    Compares Gaussian mixtures (mclust's EEI, VVI, EEE, VVV; EII, VII on request) with the numbers of profiles in
    --k (log-likelihood, AIC, BIC, SABIC, entropy, smallest profile, the bootstrap
    likelihood-ratio test), describes the one with the smallest BIC, compares the outcome
    constructs across its profiles corrected for classification error (--outcome-method: BCH
    or the ML three-step approach), and cross-tabulates the profiles with the instrument's Dick & Basu segments.
    """
    from analysis.profiles.cli import profiles_command

    profiles_command(responses, instrument, fmt, column_map, id_column, k, constructs,
                     outcomes, families, seed, n_starts, boot, keep_flagged, json_out, quiet,
                     force, jobs, blrt_all, outcome_method.lower())


COMMANDS = [simulate_cmd, responses_cli, validate_cmd, effects_cmd, power_cmd, profiles_cmd]
