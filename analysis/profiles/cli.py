"""``engagekit profiles FILE -i NAME``: latent profile analysis of a study's construct scores
(the command's options are declared in :mod:`analysis.cli`; this is its body).

Reads and screens the responses as ``run`` does, scores them, and runs
:func:`analysis.profiles.study.study_profiles`; prints the comparison table, the chosen model's
profiles (standardised means), the outcomes by profile (BCH or ML three-step) and the crosstab with the
Dick & Basu segments; ``--json`` writes results.json's ``profiles`` section.
"""

from __future__ import annotations

import json

import click

from instruments.outputs import check_outputs, write_file


def _names(values: tuple[str, ...]) -> tuple[str, ...] | None:
    """``--constructs a,b --constructs c`` -> ``("a", "b", "c")``; nothing given -> None."""
    out = tuple(v.strip() for value in values for v in value.split(",") if v.strip())
    return out or None


def _fmt(value: object, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def summary_lines(section: dict) -> list[str]:
    """The ``profiles`` section as the terminal shows it."""
    lines = [f"latent profile analysis of {', '.join(section['indicators'])} "
             f"(n = {section['n']:,}"
             + (f"; {section['n_incomplete']:,} without every score left out"
                if section.get("n_incomplete") else "") + ")",
             "",
             f"{'model':<8}{'k':>3}{'logL':>12}{'npar':>6}{'AIC':>11}{'BIC':>11}{'SABIC':>11}"
             f"{'entropy':>9}{'smallest':>10}{'replicated':>12}{'BLRT p':>8}{'draws':>7}"]
    for r in section["comparison"]:
        lines.append(
            f"{r['family']:<8}{r['k']:>3}{_fmt(r['logl']):>12}{r['npar']:>6}"
            f"{_fmt(r['aic']):>11}{_fmt(r['bic']):>11}{_fmt(r['sabic']):>11}"
            f"{_fmt(r['entropy'], 3):>9}{_fmt(r['smallest'], 3):>10}"
            f"{r['n_replicated']:>5} of {r['n_final']:<4}"
            f"{_fmt(r['blrt_pvalue'], 3):>8}"
            f"{_fmt(None if r.get('blrt_draws') is None else int(r['blrt_draws'])):>7}")
    settings = section.get("settings") or {}
    if settings.get("n_boot") and settings.get("blrt_stop_exceed"):
        lines += ["", f"BLRT: at most {settings['n_boot']} draws per test, stopped once "
                  f"{settings['blrt_stop_exceed']} reached the observed statistic (Besag & "
                  "Clifford, 1991);",
                  "tests run up to the first non-significant one (--blrt-all: every k, "
                  "every draw)"]
    sel = section["selected"]
    k = int(sel["k"])
    lines += ["", f"chosen: {sel['family']} with {k} profile{'' if k == 1 else 's'} ("
              + ("smallest BIC" if sel["chosen_by"] == "bic" else "as asked")
              + (f"; the BLRT chooses {sel['blrt_k']}" if sel.get("blrt_k") else "") + ")"
              + (": no distinct profiles, the respondents are one group" if k == 1 else ""),
              "", "standardized means (SD units of the whole sample) by profile:"]
    ind = section["indicators"]
    lines.append(f"{'profile':<9}{'share':>7}  " + "".join(f"{c[:11]:>12}" for c in ind))
    means = {(m["profile"], m["indicator"]): m["std.mean"] for m in section["means"]}
    for p in section["profiles"]:
        lines.append(f"{p['profile']:<9}{p['share']:>7.1%}  "
                     + "".join(f"{means[(p['profile'], c)]:>12.2f}" for c in ind))
    if section["outcome_means"]:
        method = str(settings.get("outcome_method") or "bch").lower()
        level = float(settings.get("level") or 0.95)
        lines += ["", "outcomes by profile (" + (
            "ML three-step means, Vermunt 2010; Bakk, Tekle & Vermunt 2013"
            if method == "ml3" else "BCH-corrected means, Bakk & Vermunt 2016")
            + f"; {level:.0%} CI):"]
        for m in section["outcome_means"]:
            lines.append(f"  {m['outcome']:<24} profile {m['profile']}: {m['est']:.2f} "
                         f"[{m['ci.lower']:.2f}, {m['ci.upper']:.2f}]")
    ct = section.get("crosstab")
    if ct:
        lines += ["", f"profiles by {ct['segment']}:",
                  f"{'profile':<9}" + "".join(f"{c[:16]:>17}" for c in ct["columns"])]
        for row, counts in zip(ct["rows"], ct["counts"], strict=True):
            lines.append(f"{row:<9}" + "".join(f"{v:>17}" for v in counts))
    return lines


def profiles_command(responses, instrument, fmt, column_map, id_column, k, constructs,
                     outcomes, families, seed, n_starts, boot, keep_flagged, json_out, quiet,
                     force, jobs=None, blrt_all=False, outcome_method="bch") -> None:
    """The body of ``engagekit profiles`` (its options are declared in :mod:`analysis.cli`,
    so that ``engagekit --help`` loads no more than that module)."""
    from analysis.profiles.study import ProfileSettings, study_profiles
    from analysis.responses import read_responses
    from analysis.responses.accounting import about_file, require_analysable, sample_note
    from analysis.responses.scoring import score_responses
    from analysis.responses.screening import screen
    from analysis.study import require_items
    from instruments.loader import load_instrument

    check_outputs([json_out], [responses, instrument, column_map], force=force)
    inst = load_instrument(instrument)
    data = read_responses(responses, inst, format=fmt, column_map=column_map,
                          id_column=id_column)
    require_items(data, inst)
    sc = None if keep_flagged else screen(data, inst)
    require_analysable(data, sc, not keep_flagged)
    note = sample_note(data, sc, not keep_flagged)
    kept = data if sc is None else sc.kept()
    settings = ProfileSettings(
        k=k, constructs=_names(constructs), outcomes=_names(outcomes),
        families=tuple(f.strip().upper() for f in families.split(",") if f.strip()),
        n_starts=n_starts, n_boot=boot, blrt_all=blrt_all, seed=seed,
        outcome_method=outcome_method)
    with about_file(data.source.file, note):
        section = study_profiles(score_responses(kept, inst), inst, settings, seed=seed,
                                 n_jobs=jobs, progress=False if quiet else None)
    click.echo(note)
    for line in summary_lines(section):
        click.echo(line)
    if json_out:
        write_file(json_out, json.dumps(section, indent=1, allow_nan=False) + "\n")
        click.echo(f"wrote {json_out}")
