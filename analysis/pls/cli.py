"""The PLS options of ``engagekit effects``, ``run`` and ``demo`` (``--method pls``) and what
``effects --method pls`` prints.

``--method sem`` (covariance-based SEM) stays the default; ``--method pls`` estimates the model
as a PLS path model (:mod:`analysis.pls.pipeline`). ``--consistent`` (PLSc) and ``--scheme``
go with ``--method pls`` only; ``--missing mean`` (mean replacement) likewise, ``--missing fiml``
with ``--method sem`` only. ``--boot`` (alias ``--n-boot``) defaults to 1,000 resamples for
SEM and 5,000 for PLS (as SmartPLS). A combination that does not go together exits 2 saying
why (:func:`analysis.pls.study.check_pls_settings` for a study; :func:`check_effects_options`
for ``effects``).
"""

from __future__ import annotations

from typing import Any

import click

__all__ = ["DEFAULT_BOOT", "METHOD_MISSING", "check_effects_options", "echo_pls",
           "method_options", "n_boot_for"]

#: Bootstrap resamples when --boot is not given, per method.
DEFAULT_BOOT = {"sem": 1000, "pls": 5000}

#: ``--missing`` of effects, run and demo: listwise or fiml (SEM), listwise or mean (PLS).
METHOD_MISSING = click.option(
    "--missing", type=click.Choice(["listwise", "fiml", "mean"], case_sensitive=False),
    default=None,
    help="Missing answers: listwise (the respondents who answered every item of an analysis; "
         "the default), fiml (full-information ML, every answer used; --method sem with ML or "
         "MLR) or mean (each missing answer replaced by its item's mean, counted in the "
         "report; --method pls).")


def method_options(f):
    """``--method``, ``--consistent`` and ``--scheme``."""
    f = click.option("--scheme", type=click.Choice(["path", "factorial", "centroid"],
                                                   case_sensitive=False), default=None,
                     help="PLS inner weighting scheme (with --method pls) [default: path].")(f)
    f = click.option("--consistent", is_flag=True,
                     help="Consistent PLS (PLSc; Dijkstra & Henseler, 2015) for the reflective "
                     "constructs (with --method pls).")(f)
    f = click.option("--method", type=click.Choice(["sem", "pls"], case_sensitive=False),
                     default="sem", show_default=True,
                     help="sem: covariance-based SEM (CFA and structural model); pls: PLS "
                     "path modelling (PLS-SEM; SmartPLS's and seminr's method).")(f)
    return f


def n_boot_for(method: str, boot: int | None) -> int:
    """``--boot`` as given, else the method's default (:data:`DEFAULT_BOOT`)."""
    return DEFAULT_BOOT[method.lower()] if boot is None else boot


def check_effects_options(method: str, *, consistent: bool, scheme: str | None,
                          missing: str | None, estimator: str, ordered: str | None,
                          crosscheck: str | None, scheduler: str | None = None,
                          group: str | None = None,
                          interaction: tuple[str, str] | None = None,
                          ipma_scale: tuple[float, float] | None = None) -> None:
    """Refuse options of ``effects`` that do not go with ``--method`` (exit 2 from
    :class:`click.UsageError`). ``group``, ``interaction`` and ``ipma_scale`` are ``effects``'
    own options (``run`` checks its ``--group``/``--interaction`` itself: both methods take
    them there)."""
    method = method.lower()
    if method == "sem" and ipma_scale:
        raise click.UsageError("--ipma-scale goes with --method pls (the importance-"
                               "performance map of the PLS model); add --method pls or leave "
                               "it out")
    if method == "sem":
        given = [o for o, v in (("--consistent", consistent), ("--scheme", scheme),
                                ("--missing mean", (missing or "").lower() == "mean")) if v]
        if given:
            raise click.UsageError(f"{' and '.join(given)} go(es) with --method pls; add "
                                   "--method pls or leave it out")
        sem_only = [o for o, v in (("--group", group), ("--interaction", interaction)) if v]
        if sem_only:
            raise click.UsageError(
                f"effects {' and '.join(sem_only)} go(es) with --method pls (MICOM and PLS-MGA; "
                "a two-stage interaction term); for covariance-based SEM use engagekit run "
                "--group COL (the multi-group model) or run --interaction X M (the latent "
                "interaction)")
        return
    bad = [o for o, v in (("--estimator " + estimator.upper(), estimator.upper() != "ML"),
                          ("--ordered", ordered is not None),
                          ("--missing fiml", (missing or "").lower() == "fiml"),
                          ("--crosscheck", crosscheck is not None)) if v]
    if bad:
        raise click.UsageError(f"{' and '.join(bad)} go(es) with --method sem (the "
                               "covariance-based model), not --method pls; PLS-SEM takes "
                               "--consistent, --scheme and --missing mean|listwise")


def _f(x: Any, d: int = 3) -> str:
    return "-" if x is None else f"{x:.{d}f}"


def echo_pls_higher_order(res: dict[str, Any]) -> None:
    """Print the results of a model with higher-order constructs
    (:func:`analysis.pls.command.effects_pls_higher_order`): approach, sample, each stage's
    reliability and convergent validity, the higher-order constructs' weights and loadings on
    their dimensions, paths and R² with percentile intervals, SRMR."""
    s, sp = res["settings"], res["sample"]
    hocs = "; ".join(f"{h['name']} {'=~' if h['mode'] == 'A' else '<~'} "
                     + " + ".join(h["dimensions"]) for h in res["higher_order"])
    click.echo(f"PLS with higher-order constructs ({hocs}): {res['approach']} "
               f"{'repeated indicators' if res['approach'] == 'repeated' else 'two-stage'} "
               f"approach, {s['scheme']} weighting; N = {sp['n']}; bootstrap {s['n_boot']} "
               f"resamples (both stages each time), seed {s['seed']}, percentile "
               f"{s['level']:.0%} CIs")
    two = res["assessment"].get("stage2") is not None
    for stage, what in (("stage1", "stage 1 (the dimensions)" if two else "the model"),
                        ("stage2", "stage 2 (the higher-order constructs on their dimensions' "
                                   "scores, and the other constructs)")):
        a = res["assessment"].get(stage)
        if a is None:
            continue
        click.echo(f"reliability and convergent validity, {what}:")
        click.echo(f"  {'construct':<28}{'alpha':>8}{'rho_A':>8}{'rho_C':>8}{'AVE':>8}")
        for r in a["reliability"]:
            click.echo(f"  {r['construct']:<28}{_f(r['alpha']):>8}{_f(r['rho_a']):>8}"
                       f"{_f(r['rho_c']):>8}{_f(r['ave']):>8}")
    names = {h["name"] for h in res["higher_order"]}
    est = res["estimates"]
    click.echo("higher-order constructs on their dimensions, paths and R² (est, percentile CI):")
    for r in est:
        if (r["op"] in ("=~", "<~") and r["lhs"] in names) or r["op"] in ("~", "r2"):
            click.echo(f"  {r['lhs']} {r['op']} {r['rhs']}: {_f(r['est'])} "
                       f"[{_f(r.get('ci.lower'))}, {_f(r.get('ci.upper'))}]")
    last = res["assessment"].get("stage2") or res["assessment"].get("stage1")
    fit = last["fit"]["estimated"]
    click.echo(f"SRMR {_f(fit['srmr'])}, d_ULS {_f(fit['d_uls'])} (the structural model's "
               "stage)")
    for w in res["warnings"]:
        click.echo(f"warning: {w}")


def echo_pls(res: dict[str, Any]) -> None:
    """Print a PLS section (:func:`analysis.pls.command.effects_pls`) for the terminal:
    settings, sample, reliability, HTMT, paths with intervals, R², effects, SRMR, the
    importance-performance maps, PLSpredict and, when asked, the group comparison and the
    interaction."""
    if res.get("method") == "pls-higher-order":
        echo_pls_higher_order(res)
        return
    s, sp, a = res["settings"], res["sample"], res["assessment"]
    click.echo(f"{res['algorithm']} ({s['scheme']} weighting, modes "
               f"{'/'.join(sorted(set(s['modes'].values())))}; converged in {res['iterations']} "
               f"iterations; N = {sp['n']}; bootstrap {s['n_boot']} resamples, seed "
               f"{s['seed']}, {s['ci']} {s['level']:.0%} CIs)")
    if sp["missing"] == "mean":
        click.echo(f"missing answers: {sum(sp['replaced'].values())} replaced by their item's "
                   f"mean ({sp['n_incomplete']} respondents); by item: "
                   + ", ".join(f"{k} {v}" for k, v in sp["replaced"].items()))
    elif sp["missing"] == "listwise":
        click.echo(f"missing answers: {sp['n_dropped']} respondents left out (listwise"
                   + ("" if s["missing_chosen"] else ", the default; --missing mean replaces "
                      "them by item means") + ")")
    click.echo("reliability and convergent validity:")
    click.echo(f"  {'construct':<28}{'alpha':>8}{'rho_A':>8}{'rho_C':>8}{'AVE':>8}")
    for r in a["reliability"]:
        click.echo(f"  {r['construct']:<28}{_f(r['alpha']):>8}{_f(r['rho_a']):>8}"
                   f"{_f(r['rho_c']):>8}{_f(r['ave']):>8}")
    est = res["estimates"]
    ht = [r for r in est if r["op"] == "htmt"]
    if ht:
        high = [r for r in ht if (r.get("ci.upper") if r.get("ci.upper") is not None
                                  else r["est"]) >= 0.85]
        click.echo(f"HTMT: {len(high)} of {len(ht)} pair(s) reach .85 (upper CI limit)"
                   + "".join(f"\n  {r['lhs']} - {r['rhs']}: {_f(r['est'])}" for r in high))
    click.echo("paths, R², effects and specific indirect effects (est, percentile CI):")
    for r in est:
        if r["op"] in ("~", "r2", "total", "indirect", ":="):
            click.echo(f"  {r['lhs']} {r['op']} {r['rhs']}: {_f(r['est'])} "
                       f"[{_f(r.get('ci.lower'))}, {_f(r.get('ci.upper'))}]")
    fit = a["fit"]["estimated"]
    click.echo(f"SRMR {_f(fit['srmr'])}, d_ULS {_f(fit['d_uls'])}")
    for r in res["ranking"]:
        lead = ""
        if "credible" in r:
            lead = (f"; lead over {r['runner_up']} "
                    f"{'credible' if r['credible'] else 'not credible'} (difference CI "
                    f"{r['diff.lower']:.3f} to {r['diff.upper']:.3f})")
        click.echo(f"largest total effect on {r['outcome']} of an exogenous construct: "
                   f"{r['largest']} "
                   f"({r['std_total']:.3f}){lead}")
    for mp in res.get("ipma") or []:
        click.echo(f"importance-performance map of {mp['target']} (construct level; "
                   f"performance 0-100, {mp['target']} {mp['target_performance']:.1f}; "
                   "importance: unstandardized total effect, points per point):")
        better = mp.get("higher_is_better", True)
        if not better:
            click.echo(f"  ({mp['target']} is an outcome to lower: importance is read as the "
                       "effect on lowering it)")
        click.echo(f"  {'construct':<28}{'importance':>11}{'performance':>13}  quadrant")
        from analysis.structural.drivers import oriented_drivers

        rows = mp["constructs"]
        imp, perf, _ = oriented_drivers([r["importance"] for r in rows],
                                        [r["performance"] for r in rows], better)
        for r, x, y in zip(rows, imp, perf, strict=True):
            # the quadrant is read on the oriented values (as the report draws them); printed
            # raw without them, -0.060 / 40.8 read 'high performance'
            rev = ""
            if r.get("direction") == "lower is better":
                rev = f" (lower is better: read as {_f(x)}, {_f(y, 1)})"
            elif abs(x - r["importance"]) > 1e-12:
                rev = f" (read as {_f(x)})"
            click.echo(f"  {r['construct']:<28}{_f(r['importance']):>11}"
                       f"{_f(r['performance'], 1):>13}  {r['priority']}{rev}")
    pred = res.get("predict")
    if pred:
        st = pred["settings"]
        click.echo(f"PLSpredict ({st.get('folds')} folds x {st.get('repeats')} repetitions, seed "
                   f"{st.get('seed')}): "
                   + "; ".join(f"{c['construct']} {c['predictive_power']} "
                               f"(PLS beats LM on RMSE for {c['pls_better_rmse']} of "
                               f"{c['items']} items)" for c in pred["constructs"]))
    g = res.get("groups")
    if g:
        left = "".join(f", {int(g[k]):,} {what} left out" for k, what in (
            ("n_no_group", "without a group"), ("n_other_groups", "of other groups"))
            if g.get(k))
        click.echo(f"groups {g['column']}: {g['groups'][0]} (n = {g['n_groups'][0]}) vs "
                   f"{g['groups'][1]} (n = {g['n_groups'][1]}){left}; MICOM: "
                   + ", ".join(f"{r['construct']} {r['invariance']}" for r in g["invariance"]))
        for r in g["paths"]:
            click.echo(f"  {r['lhs']} ~ {r['rhs']}: {_f(r['est.group1'])} vs "
                       f"{_f(r['est.group2'])}, difference {_f(r['diff'])}, permutation p "
                       f"{_f(r['pvalue'])}" + ("" if r["comparable"] else " (not comparable)"))
    mod = res.get("interaction")
    if mod:
        bca = bool(mod["bootstrap"].get("bca"))
        click.echo(f"interaction (two-stage) {mod['term']} (est, percentile CI"
                   + (", BCa CI" if bca else "") + "):")

        def cis(r: dict[str, Any]) -> str:
            return (f"[{_f(r.get('ci.lower'))}, {_f(r.get('ci.upper'))}]"
                    + (f" BCa [{_f(r.get('bca.lower'))}, {_f(r.get('bca.upper'))}]"
                       if bca else ""))

        for r in mod["interactions"]:
            click.echo(f"  {r['lhs']} ~ {r['rhs']}: {_f(r['est'])} {cis(r)}, f² {_f(r['f2'], 4)}")
        for r in mod["simple_slopes"]:
            click.echo(f"  slope of {r['rhs']} on {r['lhs']} at {r['moderator']} "
                       f"{r['level']:+g} SD: {_f(r['slope'])} {cis(r)}")
        mp = mod.get("predict")
        if mp:
            before = {c["construct"]: c for c in (res.get("predict") or {}).get("constructs",
                                                                                 [])}
            click.echo(f"  PLSpredict with {mod['term']} (same folds; mean RMSE without -> with "
                       "the term): " + "; ".join(
                           f"{c['construct']} {_f(before.get(c['construct'], {}).get('mean_rmse'))}"
                           f" -> {_f(c['mean_rmse'])}, {c['predictive_power']}"
                           for c in mp["constructs"] if c["construct"] in mod["outcomes"]))
    for w in res["warnings"]:
        click.echo(f"warning: {w}")
