"""``engagekit instruments ...``: list, show, validate and describe instrument definitions."""

from __future__ import annotations

from pathlib import Path

import click

from .loader import bundled_names, instrument_json_schema, load_instrument
from .schema import Instrument, ItemRole


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
    for name in bundled_names():
        inst = load_instrument(name)
        click.echo(f"{name:<20} {inst.text(inst.title):<45} {_summary(inst).split(': ', 1)[1]}")


@instruments_cli.command("show")
@click.argument("instrument")
@click.option("--lang", default=None, help="Language code of the texts to show (default: the "
              "instrument's default language).")
def show_cmd(instrument: str, lang: str | None) -> None:
    """Show an instrument (bundled NAME or PATH to a YAML file) in one language."""
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
        click.echo(f"\n{c.name} ({c.id}, {c.role.value}) - {c.definition}")
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
    """Check instrument files (or bundled names) against the format and its rules."""
    for p in paths:
        click.echo(f"OK {_summary(load_instrument(p))}")


@instruments_cli.command("schema")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the JSON Schema to this file instead of standard output.")
def schema_cmd(output: Path | None) -> None:
    """Print the JSON Schema of the instrument format (for editor autocompletion)."""
    text = instrument_json_schema()
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {output}")
