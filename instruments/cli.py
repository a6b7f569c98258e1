"""The instruments command group: ``engagekit instruments``, ``survey`` and ``translations``.

``instruments`` lists, shows, validates and describes instrument definitions; ``survey`` makes a
survey or platform export from one; ``translations`` exports and imports translation sheets.
``COMMANDS`` is what the ``engagekit`` root (:mod:`reports.cli`) mounts.

The command line must start at once (``engagekit --help`` loads no analysis, pydantic or YAML
code): this module imports only click at module level, and each command imports what it uses.
:class:`LazyChoice` lets an option's choices come from a module that is only imported when they
are needed (the command runs, or its ``--help`` is shown); :mod:`analysis.cli` uses it too.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .outputs import FORCE, check_outputs, make_folder, write_file

if TYPE_CHECKING:
    from .schema import Instrument


class LazyChoice(click.Choice):
    """A :class:`click.Choice` whose choices are looked up when first needed.

    ``load`` returns the choices; it runs when the option's value is checked or the command's
    help is shown, so defining the command imports nothing. Otherwise it behaves exactly as
    ``click.Choice(load(), case_sensitive)``.
    """

    def __init__(self, load: Callable[[], Iterable[str]], case_sensitive: bool = True) -> None:
        # click.Choice.__init__ would store the choices; they are computed on first use instead.
        self._load = load
        self._choices: tuple[str, ...] | None = None
        self.case_sensitive = case_sensitive

    @property
    def choices(self) -> tuple[str, ...]:  # type: ignore[override]
        if self._choices is None:
            self._choices = tuple(self._load())
        return self._choices


def names_of(module: str, attribute: str) -> Callable[[], list[str]]:
    """A loader for :class:`LazyChoice`: the names in ``module.attribute`` (a tuple, list or
    the keys of a dict), imported when called."""
    return lambda: list(getattr(importlib.import_module(module), attribute))


def _summary(inst: Instrument) -> str:
    langs = ", ".join(
        f"{lang.code}" + ("" if lang.status.value in {"source", "final"} else f" ({lang.status.value})")
        for lang in inst.languages
    )
    return (f"{inst.id} {inst.version}: {len(inst.constructs)} constructs, {len(inst.items())} "
            f"items, languages {langs}")


@click.group("instruments")
def instruments_cli() -> None:
    """Questionnaire definitions: the bundled library and your own YAML files."""


@instruments_cli.command("list")
def list_cmd() -> None:
    """List the bundled instruments."""
    from .loader import bundled_names, load_instrument

    for name in bundled_names():
        inst = load_instrument(name)
        click.echo(f"{name:<20} {inst.text(inst.title):<45} {_summary(inst).split(': ', 1)[1]}")


@instruments_cli.command("show")
@click.argument("instrument")
@click.option("--lang", default=None, help="Language code of the texts to show (default: the "
              "instrument's default language).")
def show_cmd(instrument: str, lang: str | None) -> None:
    """Show an instrument (bundled NAME or PATH to a YAML file) in one language."""
    from .loader import load_instrument
    from .schema import ItemRole

    inst = load_instrument(instrument)
    if lang is not None and lang not in inst.language_codes:
        raise click.BadParameter(f"'{lang}' is not a language of {inst.id} "
                                 f"({', '.join(inst.language_codes)})", param_hint="--lang")
    lang = lang or inst.default_language
    click.echo(f"{inst.text(inst.title, lang)}")
    click.echo(_summary(inst))
    for cite in inst.citations:
        click.echo(f"  [{cite.key}] {cite.text}")
    for c in inst.constructs:
        click.echo(f"\n{inst.construct_name(c, lang)} ({c.id}, {c.role.value}) - "
                   f"{inst.construct_definition(c, lang)}")
        for item in c.items:
            scale = inst.item_scale(item)
            flags = []
            if item.keyed == "minus":
                flags.append("reverse-keyed")
            if item.role == ItemRole.attention_check:
                flags.append(f"attention check, expected {item.expected}")
            flag = f" [{'; '.join(flags)}]" if flags else ""
            click.echo(f"  {item.id:<18} {inst.text(item.text, lang)}  <{scale.id}>{flag}")
    click.echo("\nResponse scales:")
    for s in inst.scales:
        rng = f" {s.min:g}..{s.max:g}" if s.min is not None else ""
        anchors = "; ".join(f"{a.value}={inst.text(a.label, lang)}" for a in s.anchors)
        click.echo(f"  {s.id:<16} {s.kind.value}{rng}  {anchors}")
    if inst.model.paths:
        click.echo("\nDefault structural model:")
        for p in inst.model.paths:
            click.echo(f"  {p.outcome} ~ {' + '.join(p.predictors)}")


@instruments_cli.command("validate")
@click.argument("paths", nargs=-1, required=True)
def validate_cmd(paths: tuple[str, ...]) -> None:
    """Check instrument files (or bundled names) against the format and its rules.

    Every file is checked, and every problem of each (format and cross-references together)
    is listed, sorted by line; exit 2 if any file has a problem."""
    from .errors import InstrumentError
    from .loader import load_instrument

    problems = []
    bad = 0
    for p in paths:
        try:
            inst = load_instrument(p)
        except InstrumentError as e:
            problems += e.problems
            bad += 1
            continue
        click.echo(f"OK {_summary(inst)}")
        click.echo("".join(f"  note: {line}\n" for line in _ui_notes(inst)), nl=False)
    if problems:
        raise InstrumentError(problems, files=bad)


def _ui_notes(inst: Instrument) -> list[str]:
    """A note per language without every interface text (a survey in it would stop)."""
    from .ui import missing_ui_texts, ui_keys

    notes = []
    for code in inst.language_codes:
        missing = missing_ui_texts(inst, code)
        if missing:
            shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
            notes.append(f"'{code}' lacks {len(missing)} of {len(ui_keys())} interface texts "
                         f"({shown}): add them under 'ui' before making a survey in '{code}' "
                         "(`engagekit translations export` lists them)")
    return notes


@instruments_cli.command("schema")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the JSON Schema to this file instead of standard output.")
@FORCE
def schema_cmd(output: Path | None, force: bool) -> None:
    """Print the JSON Schema of the instrument format (for editor autocompletion)."""
    from .loader import instrument_json_schema

    check_outputs([output], force=force)
    text = instrument_json_schema()
    if output is None:
        click.echo(text)
    else:
        write_file(output, text + "\n")
        click.echo(f"wrote {output}")


def _is_folder(output: str) -> bool:
    return Path(output).is_dir() or output.endswith(("/", "\\"))


def output_paths(output: str, inst_id: str, suffixes: list[str]) -> list[Path]:
    """Where each file of a format goes: ``out`` for the main file, siblings for the others.

    ``out`` may be a directory (existing, or written with a trailing slash): the files are then
    named after the instrument id.
    """
    out = Path(output)
    if _is_folder(output):
        return [out / f"{inst_id}{s}" for s in suffixes]
    name = out.name
    stem = name[: -len(suffixes[0])] if name.endswith(suffixes[0]) else out.stem
    return [out] + [out.with_name(stem + s) for s in suffixes[1:]]


@click.command("survey")
@click.argument("instrument")
@click.option("--format", "-f", "fmt", required=True,
              type=LazyChoice(names_of("instruments.survey.formats", "FORMATS")),
              help="What to produce.")
@click.option("--lang", default=None, help="Language of the survey (default: the instrument's "
              "default language). Exports that hold several languages use it as the primary one.")
@click.option("--brand", default=None, help="Value of the {brand} placeholder (default: the "
              "instrument's per-language default). The HTML survey also takes ?brand= in its URL.")
@click.option("--endpoint", default=None, help="HTML survey only: URL the response is POSTed to "
              "as JSON (?endpoint= in the survey's URL overrides it).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=True),
              help="Output file (or directory: files are named after the instrument).")
@FORCE
def survey_cmd(instrument: str, fmt: str, lang: str | None, brand: str | None,
               endpoint: str | None, output: str, force: bool) -> None:
    """Make a survey or platform export from an INSTRUMENT (bundled name or YAML path)."""
    from .loader import load_instrument
    from .survey.formats import Options, render

    inst = load_instrument(instrument)
    files = render(inst, fmt, Options(lang=lang, brand=brand, endpoint=endpoint))
    paths = output_paths(output, inst.id, list(files))
    folder = Path(output) if _is_folder(output) else None
    if not force:  # a file another format wrote: say which, before the general guard
        from .outputs import OutputPathError
        from .survey.formats import SIGNATURES, written_by

        for path in paths:
            other = written_by(path) if path.is_file() else None
            if other is not None and other != fmt:
                raise OutputPathError(
                    f"{path}: holds the {SIGNATURES[other][0]} written by "
                    f"`engagekit survey --format {other}`; the {fmt} output would replace it. "
                    "Choose another path (or folder), or pass --force to replace it")
    check_outputs(paths, [instrument], force=force, folder=folder)
    if folder is not None:
        make_folder(folder)
    for path, data in zip(paths, files.values(), strict=True):
        write_file(path, data)
        click.echo(f"wrote {path}")


@click.group("translations")
def translations_cli() -> None:
    """Translation sheets (CSV) for translators and reviewers."""


@translations_cli.command("export")
@click.argument("instrument")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The CSV sheet to write.")
@FORCE
def translations_export_cmd(instrument: str, output: Path, force: bool) -> None:
    """Write every text of INSTRUMENT with its translations, back-translation, status and
    reviewer-note columns."""
    from .loader import load_instrument
    from .survey.translations import export_sheet

    check_outputs([output], [instrument], force=force)
    inst = load_instrument(instrument)
    write_file(output, export_sheet(inst))
    click.echo(f"wrote {output}")


@translations_cli.command("import")
@click.argument("sheet", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--instrument", "-i", required=True, help="Bundled name or YAML path.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the updated copy of the instrument (YAML).")
@FORCE
def translations_import_cmd(sheet: Path, instrument: str, output: Path, force: bool) -> None:
    """Write the texts of SHEET into a copy of the instrument; report missing or changed texts."""
    from .loader import dump_instrument, load_instrument
    from .survey.translations import import_sheet

    check_outputs([output], [sheet, instrument], force=force)
    inst = load_instrument(instrument)
    updated, report = import_sheet(inst, sheet)
    for line in report.lines():
        click.echo(line)
    write_file(output, dump_instrument(updated))
    click.echo(f"wrote {output}")


COMMANDS = [instruments_cli, survey_cmd, translations_cli]
