"""``engagekit survey`` and ``engagekit translations``: surveys and translation sheets from instruments."""

from __future__ import annotations

from pathlib import Path

import click

from .loader import dump_instrument, load_instrument
from .survey.formats import FORMATS, Options, render
from .survey.translations import export_sheet, import_sheet


def output_paths(output: str, inst_id: str, suffixes: list[str]) -> list[Path]:
    """Where each file of a format goes: ``out`` for the main file, siblings for the others.

    ``out`` may be a directory (existing, or written with a trailing slash): the files are then
    named after the instrument id.
    """
    out = Path(output)
    if out.is_dir() or output.endswith(("/", "\\")):
        return [out / f"{inst_id}{s}" for s in suffixes]
    name = out.name
    stem = name[: -len(suffixes[0])] if name.endswith(suffixes[0]) else out.stem
    return [out] + [out.with_name(stem + s) for s in suffixes[1:]]


@click.command("survey")
@click.argument("instrument")
@click.option("--format", "-f", "fmt", required=True, type=click.Choice(list(FORMATS)),
              help="What to produce.")
@click.option("--lang", default=None, help="Language of the survey (default: the instrument's "
              "default language). Exports that hold several languages use it as the primary one.")
@click.option("--brand", default=None, help="Value of the {brand} placeholder (default: the "
              "instrument's per-language default). The HTML survey also takes ?brand= in its URL.")
@click.option("--endpoint", default=None, help="HTML survey only: URL the response is POSTed to "
              "as JSON (?endpoint= in the survey's URL overrides it).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=True),
              help="Output file (or directory: files are named after the instrument).")
def survey_cmd(instrument: str, fmt: str, lang: str | None, brand: str | None,
               endpoint: str | None, output: str) -> None:
    """Make a survey or platform export from an INSTRUMENT (bundled name or YAML path)."""
    inst = load_instrument(instrument)
    files = render(inst, fmt, Options(lang=lang, brand=brand, endpoint=endpoint))
    paths = output_paths(output, inst.id, list(files))
    for path, data in zip(paths, files.values(), strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        click.echo(f"wrote {path}")


@click.group("translations")
def translations_cli() -> None:
    """Translation sheets (CSV) for translators and reviewers."""


@translations_cli.command("export")
@click.argument("instrument")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The CSV sheet to write.")
def translations_export_cmd(instrument: str, output: Path) -> None:
    """Write every text of INSTRUMENT with its translations, back-translation, status and
    reviewer-note columns."""
    inst = load_instrument(instrument)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(export_sheet(inst), encoding="utf-8")
    click.echo(f"wrote {output}")


@translations_cli.command("import")
@click.argument("sheet", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--instrument", "-i", required=True, help="Bundled name or YAML path.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the updated copy of the instrument (YAML).")
def translations_import_cmd(sheet: Path, instrument: str, output: Path) -> None:
    """Write the texts of SHEET into a copy of the instrument; report missing or changed texts."""
    inst = load_instrument(instrument)
    updated, report = import_sheet(inst, sheet)
    for line in report.lines():
        click.echo(line)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(dump_instrument(updated), encoding="utf-8")
    click.echo(f"wrote {output}")
