"""``engagekit power``: Monte Carlo power and sample size of an instrument's structural paths.

See :mod:`analysis.structural.power` for the method. Bad input raises
:class:`~instruments.errors.EngagekitInputError` (exit 2 from the ``engagekit`` entry point).
"""

from __future__ import annotations

from pathlib import Path

import click


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
def power_cmd(instrument, more_n, ns, reps, seed, alpha, target, estimator, jobs, scheduler,
              json_out, quiet) -> None:
    """Monte Carlo power of each structural path of INSTRUMENT's model at each N.

    Simulates respondents from the instrument's population model, reverse-keys, fits the
    instrument's model and counts significant paths (with the true sign). Prints power per
    path and N and the N needed for the target power.
    """
    from analysis.structural.power import power_analysis

    sizes = list(ns) + list(more_n) or [200, 400, 800]
    res = power_analysis(instrument, ns=sizes, reps=reps, seed=seed, alpha=alpha,
                         estimator=estimator.upper(), n_jobs=jobs, scheduler=scheduler,
                         target=target, progress=False if quiet else None)
    if json_out:
        Path(json_out).write_text(res.to_json(indent=2) + "\n", encoding="utf-8")
    click.echo(res.summary())
    if json_out:
        click.echo(f"\nwrote {json_out}")


__all__ = ["power_cmd"]
