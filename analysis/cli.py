"""``engagekit responses ...`` and ``engagekit simulate``: responses in, screened, scored.

Bad input raises :class:`~instruments.errors.EngagekitInputError` (exit 2 from the ``engagekit``
entry point, with a message naming the file, row, column and what to do).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from analysis.responses import FORMATS, WRITE_FORMATS, read_responses, write_responses
from instruments.errors import EngagekitInputError


class OutputError(EngagekitInputError):
    """An output path that would overwrite an input file."""


def _guard_output(output: Path | None, *inputs: Path) -> None:
    if output is None:
        return
    for p in inputs:
        try:
            same = p.exists() and output.exists() and output.resolve() == p.resolve()
        except OSError:
            same = False
        if same:
            raise OutputError(f"{output}: is the input file; engagekit never overwrites its "
                              "input, choose another output path")


def _read_options(f):
    f = click.option("--instrument", "-i", required=True,
                     help="Bundled instrument name or path of its YAML file.")(f)
    f = click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto",
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
    f = click.option("--keep-column", "keep", multiple=True,
                     help="Extra column to keep as metadata (repeatable).")(f)
    return f


def _read(file, instrument, fmt, strict, column_map, encoding, sheet, timezone, keep):
    return read_responses(file, instrument, format=fmt, strict=strict, column_map=column_map,
                          encoding=encoding, sheet=sheet, timezone=timezone,
                          keep_columns=keep)


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
              log_out, as_json) -> None:
    """Report what was read from FILE: format, rows, respondents, items, every problem."""
    _guard_output(Path(log_out) if log_out else None, Path(file))
    data = _read(file, instrument, fmt, strict, column_map, encoding, sheet, timezone, keep)
    if log_out:
        data.log_frame().to_csv(log_out, index=False)
    if as_json:
        out = {"source": data.source.to_dict(), "n": data.n,
               "log": [e.to_dict() for e in data.log]}
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        click.echo(data.summary())


@click.command("simulate")
@click.argument("instrument")
@click.option("--n", "n", type=int, default=1000, show_default=True,
              help="Number of respondents.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="Output file (engagekit format: .csv or .json).")
@click.option("--format", "fmt", type=click.Choice(WRITE_FORMATS), default="engagekit",
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
def simulate_cmd(instrument, n, seed, output, fmt, straightliners, random_responders, missing,
                 missing_mechanism, missing_as_code, truth) -> None:
    """Simulate respondents to INSTRUMENT from its population model."""
    from analysis.responses.simulate import simulate
    from instruments.loader import load_instrument

    inst = load_instrument(instrument)
    sim = simulate(inst, n=n, seed=seed, straightliners=straightliners,
                   random_responders=random_responders, missing=missing,
                   missing_mechanism=missing_mechanism)
    write_responses(sim.data, output, inst, format=fmt,
                    missing="code" if missing_as_code else "blank")
    if truth:
        Path(truth).write_text(json.dumps(sim.truth.to_dict(), indent=2) + "\n",
                               encoding="utf-8")
    kinds = sim.respondent_type.value_counts().to_dict()
    click.echo(f"wrote {n} simulated respondents to {output} ({fmt}; seed {seed}; "
               + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + ")")


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
              output, cut, min_answered, as_json, exclude_flagged) -> None:
    """Scale scores, NPS, 0-100 indices and loyalty segments of FILE's respondents."""
    from analysis.responses.scoring import score_responses

    _guard_output(Path(output) if output else None, Path(file))
    data = _read(file, instrument, fmt, strict, column_map, encoding, sheet, timezone, keep)
    if exclude_flagged:
        from analysis.responses.screening import screen

        result = screen(data, instrument)
        click.echo(result.summary(), err=as_json)
        data = result.kept()
    scores = score_responses(data, instrument, cut=cut, min_answered=min_answered)
    if output:
        scores.scores.to_csv(output)
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
@click.option("--exclude-rules", default=None,
              help="Comma-separated rules that exclude (default: "
              "attention,speeder,longstring,irv,mahalanobis,duplicate).")
@click.option("--min-flags", type=int, default=1, show_default=True,
              help="Exclude respondents flagged by at least this many of those rules.")
@click.option("--speed-fraction", type=float, default=0.5, show_default=True,
              help="Speeder: completion time below this fraction of the median.")
@click.option("--mahalanobis-alpha", type=float, default=0.001, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def screen_cmd(file, instrument, fmt, strict, column_map, encoding, sheet, timezone, keep,
               output, kept_out, exclude_rules, min_flags, speed_fraction, mahalanobis_alpha,
               as_json) -> None:
    """Flag careless respondents in FILE (attention checks, speeders, longstring, IRV,
    Mahalanobis D2, even-odd consistency, duplicates) and report who would be excluded."""
    from analysis.responses.screening import DEFAULT_EXCLUDE, screen
    from instruments.loader import load_instrument

    for out in (output, kept_out):
        _guard_output(Path(out) if out else None, Path(file))
    inst = load_instrument(instrument)
    data = _read(file, inst, fmt, strict, column_map, encoding, sheet, timezone, keep)
    rules = DEFAULT_EXCLUDE if exclude_rules is None else tuple(
        r.strip() for r in exclude_rules.split(",") if r.strip())
    result = screen(data, inst, exclude_rules=rules, min_flags=min_flags,
                    speed_fraction=speed_fraction, mahalanobis_alpha=mahalanobis_alpha)
    if output:
        result.flags.join(result.metrics).to_csv(output)
    if kept_out:
        write_responses(result.kept(), kept_out, inst)
    if as_json:
        click.echo(json.dumps({**result.counts(), "notes": result.notes}, indent=2))
    else:
        click.echo(result.summary())
