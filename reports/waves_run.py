"""``engagekit run`` for a tracking study: several wave files with ``--waves`` (oldest first,
optionally named with ``--wave-labels``), or one file with ``--wave-column COL``.

Reads and stacks the waves (:mod:`analysis.responses.waves`: a major version apart is exit 2
naming the items and files), runs :func:`analysis.waves_study.run_wave_study` (tracking across
waves; the rest of the study on the last wave), and writes the usual outputs: ``results.json``
(with its ``waves`` section), ``report.html``, ``cleaning_log.csv`` and ``scored.csv``
covering every wave (a ``wave`` column first; each wave screened on its own).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from instruments.errors import EngagekitInputError
from instruments.outputs import make_folder, write_file
from instruments.spreadsheet import csv_text

if TYPE_CHECKING:
    from analysis.responses.waves import WaveStack
    from analysis.study import StudySettings
    from instruments.schema import Instrument

__all__ = ["parse_wave_labels", "run_waves"]


def parse_wave_labels(text: str | None) -> list[str] | None:
    """``--wave-labels 2024,2025,2026`` -> ``["2024", "2025", "2026"]`` (None when not given)."""
    if text is None:
        return None
    labels = [x.strip() for x in str(text).split(",")]
    if not any(labels):
        raise EngagekitInputError("--wave-labels is empty; give one name per wave, separated "
                                  "by commas, e.g. --wave-labels 2024,2025,2026",
                                  code="waves_input")
    return labels


def read_stack(files: Sequence[str], inst: Instrument, *, waves: bool, wave_column: str | None,
               wave_labels: str | None, **read_options) -> WaveStack:
    """The waves of ``files`` as asked on the command line (exit 2 on a bad combination)."""
    from analysis.responses.waves import read_wave_column, read_waves

    labels = parse_wave_labels(wave_labels)
    if waves and wave_column:
        raise EngagekitInputError("give either --waves (one file per wave) or --wave-column "
                                  "COL (one file with a wave column), not both",
                                  code="waves_input")
    if wave_column:
        if len(files) != 1:
            raise EngagekitInputError(f"--wave-column reads one file whose column "
                                      f"'{wave_column}' names each row's wave; got "
                                      f"{len(files)} files (use --waves for one file per wave)",
                                      code="waves_input")
        return read_wave_column(files[0], inst, wave_column, labels, **read_options)
    return read_waves(list(files), inst, labels, **read_options)


def _echo_stack(stack: WaveStack) -> None:
    click.echo(f"{len(stack.waves)} waves stacked: " + ", ".join(
        f"{w.label} ({w.file}, version {w.version}): {w.n:,} read" for w in stack.waves))
    combos = "; ".join(f"{'+'.join(c['waves'])}: {c['n']:,}" for c in stack.combinations)
    click.echo(("panel" if stack.panel else "independent samples")
               + f", respondents per combination of waves: {combos}")
    for note in stack.notes:
        click.echo(f"note: {note}")


def _wave_first(frame, label: str):
    """``frame`` with a first column ``wave`` = ``label`` (replacing a kept column of that
    name, e.g. the --wave-column itself)."""
    frame = frame.drop(columns=["wave"], errors="ignore")
    frame.insert(0, "wave", label)
    return frame


def _write(results: dict, stack: WaveStack, inst: Instrument, outdir: Path,
           settings: StudySettings, output_files: Sequence[str]) -> None:
    import pandas as pd

    from analysis.responses.accounting import account, accounting_entries
    from analysis.responses.screening import screen
    from analysis.study import scored_frame

    from .report import render_report

    make_folder(outdir)
    write_file(outdir / "results.json", json.dumps(results, indent=1, allow_nan=False) + "\n")
    logs, scored = [], []
    for w in stack.waves:
        sc = screen(w.data, inst, settings.screening)
        acc = account(w.data, sc, settings.exclude_flagged)
        logs.append(_wave_first(w.data.log_frame(extra=accounting_entries(w.data, acc)),
                                w.label))
        scored.append(_wave_first(w.data.with_kept(scored_frame(w.data, inst, settings)),
                                  w.label))
        click.echo(f"wave {w.label}: {w.file}: {acc['rows_read']} data {acc['unit']}s read = "
                   f"{acc['n_dropped']} dropped + {acc['n_excluded']} excluded + "
                   f"{acc['n_analysed']} analysed")
    write_file(outdir / "cleaning_log.csv", csv_text(pd.concat(logs, ignore_index=True),
                                                     index=False))
    write_file(outdir / "scored.csv", csv_text(pd.concat(scored), index_label="respondent_id"))
    write_file(outdir / "report.html", render_report(results))
    for name in output_files:
        click.echo(f"wrote {outdir / name}")


def run_waves(files: Sequence[str], instrument: str, *, fmt: str, column_map, id_column,
              keep, waves: bool, wave_column: str | None, wave_labels: str | None,
              settings: StudySettings, output: str, output_files: Sequence[str],
              echo_summary: Callable[[dict], None], cross_lagged: str | None = None,
              cross_lagged_latent: bool = False, invariance=None,
              cross_lagged_equal: bool = False) -> dict:
    """The ``run`` command for waves (see the module doc); the output folder was checked by
    the caller (:mod:`reports.cli`, which passes its summary printer). Returns the results.
    ``cross_lagged``: ``"A,B"``, the constructs of the cross-lagged panel models
    (:mod:`analysis.cross_lagged_study`)."""
    from analysis.waves_study import run_wave_study
    from instruments.loader import load_instrument

    inst = load_instrument(instrument)
    if cross_lagged_latent and not cross_lagged:
        raise click.UsageError("--cross-lagged-latent goes with --cross-lagged A,B")
    if cross_lagged_equal and not cross_lagged:
        raise click.UsageError("--cross-lagged-equal goes with --cross-lagged A,B")
    if cross_lagged:
        from analysis.cross_lagged_study import parse_constructs

        constructs = parse_constructs(cross_lagged, inst)
    stack = read_stack(files, inst, waves=waves, wave_column=wave_column,
                       wave_labels=wave_labels, format=fmt, column_map=column_map,
                       id_column=id_column, keep_columns=keep)
    _echo_stack(stack)
    if cross_lagged:
        from analysis.cross_lagged_study import check_panel

        check_panel(stack)
    results = run_wave_study(stack, inst, settings, invariance=invariance)
    for note in results["waves"].get("notes") or []:
        if note not in stack.notes:  # found in the answers (e.g. ids that link strangers)
            click.echo(f"note: {note}")
    if cross_lagged:
        from analysis.cross_lagged_study import cross_lagged_waves

        results["cross_lagged"] = cross_lagged_waves(stack, inst, constructs, settings,
                                                     latent=cross_lagged_latent,
                                                     test_equal_lags=cross_lagged_equal)
        comp = results["cross_lagged"]["comparison"]
        draws = (results["cross_lagged"].get("settings") or {}).get("draws")
        if draws and comp["pvalue.chisq"] < 1 / draws:  # the naive p, an upper bound
            p_text = f"chi-bar-square p < {1 / draws:.2g} (beyond {draws} Monte Carlo draws)"
        else:
            p_text = f"chi-bar-square p = {comp['pvalue']:.3g}"
        click.echo(f"cross-lagged panel models of {', '.join(constructs)}: "
                   f"chi-square difference {comp['chisq.diff']:.2f} (df {comp['df.diff']:g}), "
                   f"{p_text}: {comp['decision']}")
        for key, name in (("equal_lags_test", "RI-CLPM"), ("equal_lags_test_clpm", "CLPM")):
            eq = (results["cross_lagged"].get(key) or {}).get("comparison")
            if eq:
                click.echo(f"equal lagged effects over waves ({name}): chi-square difference "
                           f"{eq['chisq.diff']:.2f} (df {eq['df.diff']:g}), p = "
                           f"{eq['pvalue']:.3g}: {eq['decision']}")
    click.echo(f"the sections other than the waves describe the last wave, "
               f"{stack.last.label} ({stack.last.file})")
    echo_summary(results)
    _write(results, stack, inst, Path(output), settings, output_files)
    return results
