"""The ``engagekit`` command: the root that mounts each package's command group, and the
report commands ``run``, ``demo`` and ``report``.

:mod:`instruments.cli` owns ``instruments``, ``survey`` and ``translations``; :mod:`analysis.cli`
owns ``simulate``, ``responses``, ``validate``, ``effects`` and ``power``; :mod:`collect.cli` owns
``collect`` and ``serve``; this module owns
``run`` (read -> screen -> score -> validate -> effects -> report), ``demo`` (the same on
simulated respondents) and ``report`` (re-render a saved ``results.json`` without refitting).

Exit codes: 0 success, 2 bad input (the message names the file, line or field and what to do),
1 internal error (a bug: please report it; set ENGAGEKIT_DEBUG=1 for the traceback).

The command line starts at once: the command groups import only click at module level, and
each command imports the analysis, pandas, statsmodels, openpyxl or matplotlib code it uses
when it runs (``python bench/bench_startup.py`` times it).
"""

from __future__ import annotations

import os

# engagekit's matrices are small (tens of items); multi-threaded BLAS only adds overhead and
# oversubscribes the cores that the bootstrap's worker processes use. Set before numpy loads.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import json  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

import click  # noqa: E402

from analysis.cli import (  # noqa: E402
    COLUMN_MAP,
    CROSSCHECK,
    ID_COLUMN,
    KEEP_COLUMN,
    echo_crosscheck,
    echo_missing,
    effects_fit_lines,
    screening_options,
    screening_settings,
)
from analysis.cli import COMMANDS as ANALYSIS_COMMANDS  # noqa: E402
from analysis.pls.cli import METHOD_MISSING, method_options  # noqa: E402
from collect.cli import COMMANDS as COLLECT_COMMANDS  # noqa: E402
from instruments.cli import COMMANDS as INSTRUMENT_COMMANDS  # noqa: E402
from instruments.errors import EngagekitInputError  # noqa: E402
from instruments.outputs import (  # noqa: E402
    FORCE,
    OutputPathError,
    check_outputs,
    make_folder,
    write_file,
)
from instruments.spreadsheet import csv_text  # noqa: E402

if TYPE_CHECKING:
    from analysis.study import StudySettings
    from instruments.schema import Instrument


def version() -> str:
    """engagekit's installed version ("unknown" in a source tree that was not installed)."""
    try:
        from importlib.metadata import version as _version

        return _version("engagekit")
    except Exception:  # pragma: no cover - running from a source tree without installing
        return "unknown"


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    # click.version_option, but the version is looked up only when --version is given.
    if value and not ctx.resilient_parsing:
        click.echo(f"engagekit, version {version()}")
        ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_print_version, help="Show the version and exit.")
def cli() -> None:
    """engagekit: from questionnaire definitions to validated scales, commitment effects and a
    report."""


#: The files ``run`` and ``demo`` write into their output folder.
OUTPUT_FILES = ("report.html", "results.json", "cleaning_log.csv", "scored.csv")


def _check_output_folder(outdir: str, inputs: list, force: bool) -> None:
    """Refuse (before any work) an output folder that would overwrite an input or an earlier
    run's files (without ``--force``), or that cannot be created or written."""
    check_outputs([Path(outdir) / name for name in OUTPUT_FILES], inputs, force=force,
                  folder=outdir)


def _write_outputs(results: dict, data, inst: Instrument, outdir: Path,
                   settings: StudySettings) -> None:
    from analysis.responses.accounting import accounting_entries
    from analysis.study import scored_frame

    from .report import render_report

    make_folder(outdir)
    write_file(outdir / "results.json", json.dumps(results, indent=1, allow_nan=False) + "\n")
    accounting = results["data"]["accounting"]
    log = data.log_frame(extra=accounting_entries(data, accounting))
    write_file(outdir / "cleaning_log.csv", csv_text(log, index=False))
    # the same screening and scoring as the report: filtered on `excluded`, its N and means
    write_file(outdir / "scored.csv", csv_text(data.with_kept(scored_frame(data, inst, settings)),
                                               index_label="respondent_id"))
    write_file(outdir / "report.html", render_report(results))
    a = accounting
    click.echo(f"{data.source.file}: {a['rows_read']} data {a['unit']}s read = {a['n_dropped']} "
               f"dropped + {a['n_excluded']} excluded + {a['n_analysed']} analysed"
               + (f"; {len(data.log)} problem(s) in reading" if data.log else "")
               + " (see cleaning_log.csv)" + _models_use(results, a["n_analysed"]))
    for name in OUTPUT_FILES:
        click.echo(f"wrote {outdir / name}")
    if "crosscheck" in results:
        echo_crosscheck(*results["crosscheck"]["checks"])


def _models_use(results: dict, n_analysed: int) -> str:
    """"; the models use 302 of them (listwise)" when missing answers left some of the
    analysed respondents out of the CFA or the structural model."""
    samples = results.get("samples") or {}
    ns = sorted({int(samples[k]["n"]) for k in ("cfa", "structural", "pls") if k in samples})
    if not ns or ns == [n_analysed]:
        return ""
    n = f"{ns[0]:,}" if len(ns) == 1 else f"{ns[0]:,} to {ns[-1]:,}"
    return f"; the models use {n} of them (missing answers, listwise)"


def _study_options(f):
    f = click.option("--boot", "--n-boot", "boot", type=int, default=None,
                     help="Bootstrap resamples for the effects [default: 1000; 5000 with "
                     "--method pls].")(f)
    f = click.option("--seed", type=int, default=20150401, show_default=True)(f)
    f = click.option("--jobs", "--n-jobs", "jobs", type=int, default=None,
                     help="Local worker processes.")(f)
    f = click.option("--scheduler", default=None,
                     help="Dask for the bootstrap: 'dask' or tcp://host:8786.")(f)
    f = click.option("--group", default=None,
                     help="Grouping item/column for invariance and path comparison (with "
                          "--method pls: two groups, MICOM then the path differences; pick two "
                          "of more as COL=A,B).")(f)
    f = click.option("--invariance-partial", type=click.Choice(["fit", "either", "chisq"]),
                     default=None,
                     help="With --group: when a level of the invariance sequence fails, release "
                          "its constraints one at a time, largest score test first, until it "
                          "holds (partial invariance; latent means compared in the final "
                          "model). A level fails when dCFI <= -.01 with dRMSEA >= .015 (fit; "
                          "Chen 2007), when either crosses (either), or when the chi-square "
                          "difference test has p < .05 (chisq).")(f)
    f = click.option("--interaction", nargs=2, default=None,
                     help="Two constructs whose latent interaction to estimate.")(f)
    f = click.option("--keep-flagged", is_flag=True,
                     help="Analyse careless respondents too (they are still flagged).")(f)
    f = click.option("--estimator", type=click.Choice(["ML", "MLM", "MLR", "WLSMV"],
                                                      case_sensitive=False),
                     default="ML", show_default=True,
                     help="Estimator of the CFA and the structural model: ML, MLM or MLR "
                          "(robust), or WLSMV (the Likert items as ordered categories; the "
                          "effects then get delta-method intervals from robust SEs).")(f)
    f = METHOD_MISSING(f)
    f = CROSSCHECK(f)
    f = method_options(f)
    f = screening_options(f)
    f = click.option("--brand", default=None,
                     help="The brand the study is about: fills the instrument's {brand} "
                     "placeholder in the report's title and texts.")(f)
    f = click.option("--output", "-o", required=True, type=click.Path(file_okay=False),
                     help="Output folder.")(f)
    f = FORCE(f)
    return f


def _settings(boot, seed, jobs, scheduler, group, interaction, keep_flagged,
              estimator="ML", crosscheck=None, missing=None, brand=None, method="sem",
              consistent=False, scheme=None, invariance_partial=None,
              **screening) -> StudySettings:
    from analysis.pls.cli import check_effects_options, n_boot_for
    from analysis.psychometrics.validation import ValidationSettings
    from analysis.study import StudySettings

    method = method.lower()
    check_effects_options(method, consistent=consistent, scheme=scheme, missing=missing,
                          estimator=estimator, ordered=None, crosscheck=crosscheck)
    _check_invariance_partial(invariance_partial, group, method, estimator)
    return StudySettings(n_boot=n_boot_for(method, boot), seed=seed, method=method,
                         consistent=consistent, scheme=(scheme or "path").lower(), n_jobs=jobs, scheduler=scheduler, group=group,
                         interaction=tuple(interaction) if interaction else None,
                         exclude_flagged=not keep_flagged, estimator=estimator.upper(),
                         crosscheck=crosscheck, missing=missing, brand=brand,
                         validation=ValidationSettings(invariance_partial=invariance_partial),
                         screening=screening_settings(**screening))


def _check_invariance_partial(rule: str | None, group: str | None, method: str,
                              estimator: str) -> None:
    """``--invariance-partial`` needs a group, covariance-based SEM and continuous items."""
    if rule is None:
        return
    if group is None:
        raise click.UsageError("--invariance-partial searches for partial invariance across "
                               "groups: give the grouping column with --group (across waves: "
                               "--invariance with --invariance-criterion)")
    if method != "sem":
        raise click.UsageError("--invariance-partial goes with covariance-based SEM; --method "
                               "pls tests the composites' invariance by MICOM (leave "
                               "--invariance-partial out)")
    if estimator.upper() in ("WLSMV", "DWLS"):
        raise click.UsageError("--invariance-partial treats the items as continuous: use "
                               "--estimator ML, MLM or MLR (not WLSMV)")


def _echo_summary(results: dict) -> None:
    """The fits as the report shows them (robust/scaled versions named), in the terminal."""
    from analysis.samples import n_phrase
    from analysis.sem.measures import summary_line

    if "pls" in results:  # a PLS-SEM run (--method pls)
        from .pls_section import pls_summary_lines

        for line in pls_summary_lines(results):
            click.echo(line)
        return

    est = results["settings"]["estimator"]
    val = results["validation"]
    samples = results.get("samples") or {}
    from .format import screening_line

    click.echo(screening_line(results))
    echo_missing(samples, (results.get("missing_data") or {}).get("chosen", True))
    click.echo(f"CFA ({est}, {n_phrase(samples.get('cfa'), val['n'])}): "
               + summary_line(val["cfa"]["fit_measures"]))
    for line in effects_fit_lines(results["effects"], est):
        click.echo(line)
    from .longinv_section import invariance_lines

    for line in invariance_lines(results):
        click.echo(line)
    for item in results.get("not_run") or []:
        click.echo(f"not run: {item['analysis']} ({item['reason']})")


def headline_lines(results: dict) -> list[str]:
    """The study's headline numbers, as printed at the end of ``run``: N analysed, the
    measurement model's key fit, each outcome's R² and the largest total effect of an
    exogenous construct on it (β, with the unstandardized estimate's 95% interval, BCa when
    bootstrapped)."""
    from .format import apa, fit_value, screening_clause

    if "pls" in results:  # a PLS-SEM run (--method pls)
        from .pls_section import pls_headline_lines

        return pls_headline_lines(results)
    sc = results["screening"]
    names = {c["id"]: c["name"] for c in results["instrument"]["constructs"]}
    samples = results.get("samples") or {}
    n_models = sorted({int(samples[k]["n"]) for k in ("cfa", "structural") if k in samples})
    n_analysed = sc["n_kept"] if results["settings"].get("exclude_flagged", True) else \
        sc["n_read"]
    lines = [f"  N analysed: {n_analysed:,} of {sc['n_read']:,} respondents read "
             f"({screening_clause(results)})"
             + (f"; the models rest on N = {n_models[0]:,}" if n_models and
                n_models != [n_analysed] else "")]
    fm = results["validation"]["cfa"]["fit_measures"]
    lines.append("  measurement model fit: " + ", ".join(
        f"{label} {apa(fit_value(fm, key), 3, True)}" for key, label in
        (("cfi", "CFI"), ("tli", "TLI"), ("rmsea", "RMSEA"), ("srmr", "SRMR"))))
    eff = results["effects"]
    r2 = {r["variable"]: r["r2"] for r in eff.get("r2") or []}
    rows = {(e["outcome"], e["predictor"]): e for e in eff["effects"] if e["kind"] == "total"}
    for rank in eff.get("ranking") or []:
        out, pred = rank["outcome"], rank["largest"]
        e = rows.get((out, pred), {})
        lo, hi = ((e.get("bca.lower"), e.get("bca.upper")) if e.get("bca.lower") is not None
                  else (e.get("ci.lower"), e.get("ci.upper")))
        ci = ("BCa " if e.get("bca.lower") is not None else "") + "CI"
        text = (f"  {names.get(out, out)}"
                + (f" (R² {apa(r2[out], 2, True)})" if out in r2 else "")
                + f": largest total effect of an exogenous construct {names.get(pred, pred)}, "
                f"β = {apa(rank['std_total'], 2, True)}")
        if e:
            text += f" (b = {apa(e['est'], 2)}, 95% {ci} {apa(lo, 2)} to {apa(hi, 2)})"
        if "credible" in rank:
            text += (f"; lead over {names.get(rank['runner_up'], rank['runner_up'])} "
                     + ("credible" if rank["credible"] else "not credible"))
        lines.append(text)
    from .profiles_section import profiles_headline

    lines += profiles_headline(results)
    bad = [w for w in eff.get("warnings") or [] if "not admissible" in w or "unstable" in w
           or "not be identified" in w]
    if bad:
        lines.append(f"  caution: the structural model's solution is not trustworthy ({bad[0]}"
                     + (f"; and {len(bad) - 1} more warning(s) in results.json" if len(bad) > 1
                        else "") + ")")
    return lines


def _echo_id_problems(data) -> None:
    """Warn when respondent ids were repeated or blank: outputs keyed by id (scored.csv) then
    carry made-up ids ('M1#2', 'line_7') that will not link back to the source."""
    for problem, what in (("duplicate_id", "repeated"), ("missing_id", "blank")):
        hits = [e for e in data.log if e.problem == problem]
        if hits:
            shown = ", ".join(f"{e.unit} {e.row}" for e in hits[:5])
            click.echo(f"warning: {len(hits)} {what} respondent id(s) in column "
                       f"'{hits[0].column}' ({shown}{', ...' if len(hits) > 5 else ''}); "
                       "those rows get made-up ids in the outputs (see cleaning_log.csv)",
                       err=True)


def _echo_headline(results: dict) -> None:
    click.echo("headline numbers:")
    for line in headline_lines(results):
        click.echo(line)


@click.command("run")
@click.argument("responses", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--instrument", "-i", default=None,
              help="Bundled instrument name or YAML path (with --study: the study's own).")
@click.option("--study", default=None,
              help="RESPONSES is a collection database URL (engagekit serve); analyse this "
                   "study's complete responses.")
@click.option("--format", "fmt", default="auto", show_default=True)
@COLUMN_MAP
@ID_COLUMN
@KEEP_COLUMN
@click.option("--waves", is_flag=True,
              help="RESPONSES are waves of one study, one file per wave, oldest first: "
                   "tracked across waves (the other sections describe the last wave).")
@click.option("--wave-labels", default=None,
              help="Names of the waves, comma-separated, e.g. 2024,2025,2026 (with "
                   "--wave-column: the column's values in wave order).")
@click.option("--wave-column", default=None,
              help="One RESPONSES file whose column COL names each row's wave.")
@click.option("--cross-lagged", "cross_lagged", default=None, metavar="A,B",
              help="With three or more panel waves: the random-intercept cross-lagged panel "
                   "model of these constructs beside the traditional one, e.g. "
                   "affective,repurchase.")
@click.option("--cross-lagged-latent", is_flag=True,
              help="With --cross-lagged: the constructs' items as indicators instead of "
                   "scale scores.")
@click.option("--cross-lagged-equal", is_flag=True,
              help="With --cross-lagged: also fit the RI-CLPM with each lagged effect equal "
                   "over waves and test it against free lags (chi-square difference).")
@click.option("--profiles", "profiles", is_flag=True,
              help="Add a latent profile analysis of the predictor constructs' scores, with "
                   "outcomes by profile (see engagekit profiles).")
@click.option("--profiles-k", default="1-6", show_default=True,
              help="With --profiles: numbers of profiles compared.")
@click.option("--profiles-boot", type=click.IntRange(min=0), default=100, show_default=True,
              help="With --profiles: bootstrap draws of each BLRT at most (see engagekit "
                   "profiles --boot).")
@click.option("--profiles-blrt-all", is_flag=True,
              help="With --profiles: run the BLRT for every k with all draws.")
@click.option("--profiles-families", default="EEI,VVI,EEE,VVV", show_default=True,
              help="With --profiles: the model families compared (mclust's names; also EII, "
                   "VII; see engagekit profiles --families).")
@click.option("--profiles-outcome-method", type=click.Choice(["bch", "ml3"],
                                                             case_sensitive=False),
              default="bch", show_default=True,
              help="With --profiles: outcome means by profile by the BCH method or the ML "
                   "three-step approach (see engagekit profiles --outcome-method).")
@click.option("--invariance", is_flag=True,
              help="With --waves/--wave-column: measurement invariance across the waves "
                   "(longitudinal for a panel, by wave as the group otherwise), partial "
                   "invariance found by score tests, latent mean changes.")
@click.option("--invariance-criterion", type=click.Choice(["fit", "either", "chisq"]),
              default="fit", show_default=True,
              help="With --invariance: a level fails when dCFI <= -.01 with dRMSEA >= .015 "
                   "(fit; Chen 2007), when either crosses its threshold (either), or when the "
                   "chi-square difference test has p < .05 (chisq).")
@_study_options
def run_cmd(responses, instrument, study, fmt, column_map, id_column, keep, waves, wave_labels,
            wave_column, cross_lagged, cross_lagged_latent, cross_lagged_equal, profiles,
            profiles_k, profiles_boot, profiles_blrt_all, profiles_families,
            profiles_outcome_method, invariance, invariance_criterion,
            boot, seed, jobs, scheduler, group, interaction, keep_flagged, estimator, missing,
            crosscheck, output, force, brand, method, consistent, scheme, invariance_partial,
            **screening) -> None:
    """Read, screen, score, validate, model and report RESPONSES in one go (several files
    with --waves, or one with --wave-column: a tracking study)."""
    from analysis.responses import read_responses
    from analysis.study import run_study
    from instruments.loader import load_instrument

    if waves or wave_column or wave_labels:
        from .waves_run import run_waves

        if study is not None or instrument is None or not (waves or wave_column):
            raise click.UsageError("waves need the instrument with -i and either --waves "
                                   "(one file per wave) or --wave-column COL (not --study)")
        _check_output_folder(output, [*responses, instrument, column_map], force)
        settings = _with_profiles(
            _settings(boot, seed, jobs, scheduler, group, interaction, keep_flagged, estimator,
                      crosscheck, missing, brand, method, consistent, scheme,
                      invariance_partial, **screening),
            profiles, profiles_k, profiles_boot, profiles_blrt_all, profiles_outcome_method,
            profiles_families)
        inv = None
        if invariance:
            from analysis.psychometrics.wave_invariance import WaveInvarianceSettings
            from analysis.sem.sequence import named_rule

            rule = named_rule(invariance_criterion)
            inv = WaveInvarianceSettings(
                criterion=rule.criterion, combine=rule.combine,
                estimator="MLR" if settings.estimator.upper() in ("MLR", "MLM") else "ML")
        _echo_headline(run_waves(
            responses, instrument, fmt=fmt, column_map=column_map, id_column=id_column,
            keep=keep, waves=waves, wave_column=wave_column, wave_labels=wave_labels,
            settings=settings, output=output, output_files=OUTPUT_FILES,
            echo_summary=_echo_summary, cross_lagged=cross_lagged,
            cross_lagged_latent=cross_lagged_latent, invariance=inv,
            cross_lagged_equal=cross_lagged_equal))
        return
    if cross_lagged or cross_lagged_latent or cross_lagged_equal:
        raise click.UsageError("--cross-lagged needs the waves of a panel: give three or more "
                               "files with --waves (or one with --wave-column COL)")
    if invariance:
        raise click.UsageError("--invariance tests invariance across waves: give the wave "
                               "files with --waves (or one file with --wave-column COL)")
    if len(responses) != 1:
        raise click.UsageError(f"give one response file (got {len(responses)}); several files "
                               "are the waves of one study: add --waves")
    responses = responses[0]
    if study is not None:
        _check_output_folder(output, [instrument, column_map], force)
        inst, data = _read_study(responses, study, instrument, fmt, column_map, id_column,
                                 keep)
    else:
        if instrument is None:
            raise click.UsageError("give the instrument with -i (or --study with a database "
                                   "URL)")
        _check_output_folder(output, [responses, instrument, column_map], force)
        inst = load_instrument(instrument)
        data = read_responses(responses, inst, format=fmt, column_map=column_map,
                              id_column=id_column, keep_columns=keep)
    settings = _with_profiles(
        _settings(boot, seed, jobs, scheduler, group, interaction, keep_flagged, estimator,
                  crosscheck, missing, brand, method, consistent, scheme, invariance_partial,
                  **screening),
        profiles, profiles_k, profiles_boot, profiles_blrt_all, profiles_outcome_method,
            profiles_families)
    _echo_id_problems(data)
    results = run_study(data, inst, settings)
    _echo_summary(results)
    _write_outputs(results, data, inst, Path(output), settings)
    _echo_headline(results)


def _with_profiles(settings, profiles: bool, k: str, n_boot: int, blrt_all: bool,
                   outcome_method: str, families: str = "EEI,VVI,EEE,VVV"):
    """``settings`` with the latent profile analysis of ``--profiles`` (unchanged without it);
    in a tracking study it describes the last wave, as the other sections do. The numbers of
    profiles and the families are checked here, before anything is estimated (exit 2)."""
    if not profiles:
        return settings
    import dataclasses

    from analysis.profiles.analyze import parse_k
    from analysis.profiles.errors import ProfilesInputError
    from analysis.profiles.fit import check_family
    from analysis.profiles.study import ProfileSettings

    try:
        parse_k(k)
    except ProfilesInputError as e:
        raise click.UsageError(f"--profiles-k {k}: {e}") from None
    try:
        fams = tuple(check_family(f.strip()) for f in families.split(",") if f.strip())
    except ProfilesInputError as e:
        raise click.UsageError(f"--profiles-families {families}: {e}") from None
    return dataclasses.replace(settings, profiles=ProfileSettings(
        k=k, n_boot=n_boot, blrt_all=blrt_all, outcome_method=outcome_method.lower(),
        families=fams or ProfileSettings().families))


def _read_study(db: str, study: str, instrument: str | None, fmt: str, column_map,
                id_column: str | None = None, keep: tuple[str, ...] = ()):
    """A study's complete responses read from the collection database as from its export."""
    import tempfile

    from analysis.responses import read_responses
    from collect.db import ensure_current, make_engine
    from collect.export import export_csv
    from collect.studies import get_study

    engine = make_engine(db)
    ensure_current(engine)
    with engine.connect() as conn:
        s = get_study(conn, study)
        text = export_csv(conn, s)
    engine.dispose()
    inst = s.instrument
    if instrument is not None:
        from instruments.loader import load_instrument

        given = load_instrument(instrument)
        if (given.id, given.version) != (inst.id, inst.version):
            raise EngagekitInputError(
                f"-i {instrument} is {given.id} {given.version}, but study '{study}' collected "
                f"{inst.id} {inst.version}; leave out -i to use the study's instrument",
                code="wrong_instrument")
    with tempfile.TemporaryDirectory(prefix="engagekit-study-") as tmp:
        path = Path(tmp) / f"{study}.csv"
        path.write_text(text, encoding="utf-8", newline="")
        data = read_responses(path, inst, format=fmt, column_map=column_map,
                              id_column=id_column, keep_columns=keep)
    return inst, data


def default_group(inst: Instrument) -> str | None:
    """The first two-category single-choice item of a segmenting construct, if any."""
    from instruments.schema import ConstructRole, ScaleKind

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
             keep_flagged, estimator, missing, crosscheck, output, force, brand, method,
             consistent, scheme, invariance_partial, **screening) -> None:
    """The whole pipeline on simulated respondents: writes a full report to OUTPUT."""
    from analysis.responses.simulate import SimulationSettings, simulate
    from analysis.study import run_study
    from instruments.loader import load_instrument

    _check_output_folder(output, [instrument], force)
    inst = load_instrument(instrument)
    sim = simulate(inst, SimulationSettings(n=n, seed=seed, straightliners=careless,
                                            random_responders=careless))
    if method.lower() == "sem":  # PLS runs compare no groups (MICOM is not in the pipeline)
        group = group or default_group(inst)
    settings = _settings(boot, seed, jobs, scheduler, group, interaction, keep_flagged,
                         estimator, crosscheck, missing, brand, method, consistent, scheme,
                         invariance_partial, **screening)
    results = run_study(sim.data, inst, settings)
    _echo_summary(results)
    _write_outputs(results, sim.data, inst, Path(output), settings)


_SUFFIX = {"html": ".html", "docx": ".docx", "xlsx": ".xlsx", "latex": ".tex"}
_DEFAULT_NAME = {"html": "report.html", "docx": "tables.docx", "xlsx": "tables.xlsx",
                 "latex": "tables.tex"}


def _report_format(fmt: str | None, output: str | None) -> str:
    """The format asked for: ``--format``, else the one ``-o``'s suffix names, else html; a
    suffix that contradicts ``--format`` is refused (Word or Excel would not open the file)."""
    by_suffix = {v: k for k, v in _SUFFIX.items()} | {".htm": "html", ".latex": "latex"}
    suffix = Path(output).suffix.lower() if output else ""
    if fmt is None:
        return by_suffix.get(suffix, "html")
    if suffix and by_suffix.get(suffix, fmt) != fmt:
        raise OutputPathError(f"{output}: a {fmt} file should end in {_SUFFIX[fmt]}, not "
                              f"{suffix}; rename it or change --format")
    return fmt


@click.command("report")
@click.argument("results_json", type=click.Path(dir_okay=False))
@click.option("--output", "-o", default=None, type=click.Path(dir_okay=False),
              help="File to write (default beside RESULTS_JSON: report.html, or tables.docx, "
                   "tables.xlsx, tables.tex for --format).")
@click.option("--format", "fmt", default=None,
              type=click.Choice(["html", "docx", "xlsx", "latex"], case_sensitive=False),
              help="html: the report page; docx, xlsx, latex: its APA tables for a manuscript "
                   "(Word, Excel, booktabs LaTeX). Default: from -o's suffix, else html.")
@click.option("--figures", default=None, type=click.Path(file_okay=False),
              help="Folder to write every figure of the report to, as SVG and as PNG at 300 "
                   "dpi of its print size (created if missing).")
@FORCE
def report_cmd(results_json, output, fmt, figures, force) -> None:
    """Render a saved results.json as the HTML report, its tables as Word, Excel or LaTeX,
    and its figures as SVG and PNG (no refitting: every number is the report's)."""
    from analysis.results_schema import read_results

    from .report import report_document

    fmt_given = fmt is not None
    if output is None and not fmt_given and figures is None:
        raise click.UsageError("give -o FILE (the report or its tables), --format or "
                               "--figures DIR")
    path = Path(results_json)
    fmt = _report_format(fmt.lower() if fmt_given else None, output)
    document = output is not None or fmt_given  # --figures alone writes only the figures
    if document and output is None:
        output = str(path.parent / _DEFAULT_NAME[fmt])
    outputs = [output] if document else []
    check_outputs(outputs, [path], force=force)  # before anything is read or rendered
    if figures is not None:
        check_outputs([], [path], force=force, folder=figures)
    results = read_results(path)  # exit 2 naming a missing or malformed section
    doc = report_document(results) if figures is not None or fmt != "html" else None
    files = []
    if figures is not None:  # every file checked before the first figure is drawn
        from .manuscript import figure_files, figure_names

        check_outputs(outputs + [Path(figures) / name for name in figure_names(doc)], [path],
                      force=force, folder=figures)
        files = [(Path(figures) / name, data) for name, data in figure_files(doc)]
    if document:
        if fmt == "html":
            from .report import render_report

            data = render_report(results)
        else:
            from .manuscript import WRITERS

            data = WRITERS[fmt](doc)
        write_file(output, data)
        click.echo(f"wrote {output}")
    if files:
        make_folder(figures)
        for f, data in files:
            write_file(f, data)
        n = sum(f.suffix == ".png" for f, _ in files)
        click.echo(f"wrote {n} figures to {figures} (SVG, and PNG at 300 dpi; captions in "
                   "captions.txt)")


COMMANDS = [run_cmd, demo_cmd, report_cmd]

for _cmd in (*INSTRUMENT_COMMANDS, *ANALYSIS_COMMANDS, *COLLECT_COMMANDS, *COMMANDS):
    cli.add_command(_cmd)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns (and exits with) 0, 1 or 2."""
    try:
        cli.main(args=argv, prog_name="engagekit", standalone_mode=False)
        code = 0
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        code = 1
    except click.ClickException as e:
        e.show()
        code = e.exit_code
    except click.exceptions.Exit as e:
        code = e.exit_code
    except EngagekitInputError as e:  # the one root of every input error: exit 2
        click.echo(f"error: {e}", err=True)
        code = 2
    except Exception as e:  # noqa: BLE001 - the last line of defence of the CLI
        if os.environ.get("ENGAGEKIT_DEBUG"):
            traceback.print_exc()
        click.echo(f"internal error: {type(e).__name__}: {e}\nThis is a bug in engagekit; please "
                   "report it with the command you ran (set ENGAGEKIT_DEBUG=1 for details).",
                   err=True)
        code = 1
    if argv is None:
        sys.exit(code)
    return code


if __name__ == "__main__":  # pragma: no cover
    main()
