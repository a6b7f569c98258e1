"""The report's "Invariance across waves" section (``engagekit run ... --waves --invariance``):
for each construct, the fit of each invariance level across the waves, the decision, the
constraints the partial-invariance search released, and the latent mean differences from the
first wave in the final (partial) scalar model.

:func:`longinv_section` reads the results' ``invariance_waves`` section
(:func:`analysis.psychometrics.wave_invariance.invariance_across_waves`) and returns a report
section (None without one, so other reports are unchanged); the decision cards, one per
construct, are rendered by ``templates/longinv.html.j2``.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from .format import DASH, apa, apa_ci, is_missing

__all__ = ["group_partial_blocks", "group_partial_methods", "invariance_lines",
           "longinv_methods", "longinv_section", "partial_search_offer"]


def _chisq(x: Any, df: Any) -> str:
    """``"12.34 (10)"``; a dash when undefined (the baseline level)."""
    if is_missing(x):
        return DASH
    return f"{apa(float(x), 2)} ({int(round(float(df)))})"

_LEVEL_WORDS = {"metric": "equal loadings", "scalar": "equal intercepts",
                "strict": "equal residual variances"}


def _highest(rows: list[dict]) -> tuple[str, str, list[str]]:
    """The highest level reached, how (``invariant``/``partial``) and every release."""
    best, how, freed = "configural", "invariant", []
    for r in rows:
        if r.get("decision") in ("invariant", "partial"):
            best = r["model"]
            if r["decision"] == "partial":
                how = "partial"
        freed += list(r.get("freed") or [])
    return best, how, freed


def _cards(sec: dict, names: dict[str, str]) -> Markup:
    from .render import make_environment

    cards = []
    for c in sec["constructs"]:
        rows = [r for r in sec["table"] if r.get("construct") in (c, "all")]
        best, how, freed = _highest(rows)
        failed = next((r["model"] + (" (did not converge)" if r["decision"] == "not converged"
                                     else "") for r in rows
                       if r.get("decision") in ("not invariant", "not converged")), None)
        cards.append({"construct": c, "name": names.get(c, c), "level": best,
                      "partial": how == "partial" and best != "configural", "freed": freed,
                      "failed": failed})
    env = make_environment()
    return Markup(env.get_template("longinv.html.j2").render(cards=cards))


def _design_text(sec: dict) -> str:
    waves = ", ".join(sec["waves"])
    n = sec.get("n") or {}
    if sec["design"] == "panel":
        who = (f"a panel of {int(n.get('persons', 0)):,} persons analysed (after each "
               f"wave's screening), {int(n.get('in_two_or_more_waves', 0)):,} of them in two or "
               "more waves")
        how = ("one longitudinal model with the construct's factor at every wave (marker item "
               "loading 1, factors correlated across waves) and each item's residuals "
               "correlated across waves (Meredith, 1993; Widaman et al., 2010)")
    else:
        who = f"independent samples ({int(n.get('rows', 0)):,} respondents)"
        how = "the multigroup model with the wave as the group"
    miss = (" Persons missing a wave enter with full-information maximum likelihood."
            if sec.get("missing") == "ml" else "")
    per = "each construct on its own" if sec.get("by_construct", True) else "all together"
    return (f"Waves {waves}: {who}; {how}, {per}, estimator {sec['estimator']}.{miss} "
            "Each level adds equality constraints across waves: metric (equal loadings), "
            "scalar (equal intercepts; latent means free from the second wave), strict (equal "
            "residual variances). Decision rule: " + sec["rule"]["text"] + ". When a level "
            "fails, its constraints are released one at a time, the largest score test first "
            "(lavaan's lavTestScore; Sörbom, 1989), until it holds or a limit is reached: "
            + sec["limits"]["text"] + ".")


def longinv_section(results: dict) -> dict[str, Any] | None:
    """The invariance-across-waves section, or None when the results have none."""
    sec = results.get("invariance_waves")
    if not sec:
        return None
    names = {c["id"]: c.get("name") or c["id"]
             for c in (results.get("instrument") or {}).get("constructs") or []}
    blocks: list[dict[str, Any]] = [{"type": "text", "text": _design_text(sec)},
                                    {"type": "html", "html": _cards(sec, names)}]
    rows = []
    for r in sec["table"]:
        rows.append({"construct": names.get(r.get("construct"), r.get("construct")),
                     "model": r["model"], "chisq": _chisq(r.get("chisq"), r.get("df")),
                     "cfi": r.get("cfi"), "rmsea": r.get("rmsea"),
                     "chisq.diff": _chisq(r.get("chisq.diff"), r.get("df.diff")),
                     "pvalue.diff": r.get("pvalue.diff"), "cfi.diff": r.get("cfi.diff"),
                     "rmsea.diff": r.get("rmsea.diff"), "decision": r.get("decision")})
    robust = str(sec["estimator"]).upper() in ("MLR", "MLM")
    blocks.append({
        "type": "table", "data": rows, "caption": "Invariance across waves",
        "columns": {"construct": "Construct", "model": "Level", "chisq": "χ² (df)",
                    "cfi": "CFI", "rmsea": "RMSEA", "chisq.diff": "Δχ² (Δdf)",
                    "pvalue.diff": "p", "cfi.diff": "ΔCFI", "rmsea.diff": "ΔRMSEA",
                    "decision": "Decision"},
        "number_formats": {"chisq": "text", "cfi": "bounded:3", "rmsea": "bounded:3",
                           "chisq.diff": "text", "pvalue.diff": "p",
                           "cfi.diff": "bounded:3", "rmsea.diff": "bounded:3",
                           "decision": "text"},
        "note": "Each level is compared with the level before it, in its final (partial) form. "
                "Partial: the level holds after the releases listed below."
                + (" CFI and RMSEA are the robust versions and Δχ² the scaled difference test "
                   "(Satorra & Bentler, 2001)." if robust else "")})
    steps = [s for s in sec.get("steps") or [] if s.get("step", 0) >= 1]
    if steps:
        blocks.append({
            "type": "table",
            "data": [{"construct": names.get(s.get("construct"), s.get("construct")),
                      "model": s["model"], "freed": s["freed"],
                      "X2": s.get("X2"), "p.value": s.get("p.value"),
                      "chisq.diff": _chisq(s.get("chisq.diff"), s.get("df.diff")),
                      "pvalue.diff": s.get("pvalue.diff"), "cfi.diff": s.get("cfi.diff"),
                      "rmsea.diff": s.get("rmsea.diff"),
                      "holds": "yes" if s.get("invariant") else "no"} for s in steps],
            "caption": "Constraints released by the partial-invariance search",
            "columns": {"construct": "Construct", "model": "Level", "freed": "Released", "X2": "Score χ²(1)", "p.value": "p",
                        "chisq.diff": "Δχ² (Δdf)", "pvalue.diff": "p", "cfi.diff": "ΔCFI",
                        "rmsea.diff": "ΔRMSEA", "holds": "Holds"},
            "number_formats": {"X2": 2, "p.value": "p", "chisq.diff": "text",
                               "pvalue.diff": "p", "cfi.diff": "bounded:3",
                               "rmsea.diff": "bounded:3", "freed": "text", "holds": "text"},
            "note": "In the order released. Score χ²(1): the univariate score test for releasing the constraint in the "
                    "model before the release. Δχ², its p, ΔCFI and ΔRMSEA: the model after the "
                    "release against the previous level; Holds: the level then holds."})
    means = sec.get("means") or []
    if means:
        ref = means[0].get("reference", sec["waves"][0])
        blocks.append({
            "type": "table",
            "data": [{"construct": names.get(m.get("construct"), m.get("construct")),
                      "where": m["where"], "est": m.get("est"), "se": m.get("se"),
                      "ci": apa_ci(m.get("ci.lower"), m.get("ci.upper"), 3),
                      "pvalue": m.get("pvalue"), "d": m.get("d"),
                      "comparable": "yes" if m.get("comparable") else "no"} for m in means],
            "caption": f"Latent mean differences from wave {ref}",
            "columns": {"construct": "Construct", "where": "Wave", "est": "Difference",
                        "se": "SE", "ci": "95% CI", "pvalue": "p", "d": "d",
                        "comparable": "Comparable"},
            "number_formats": {"est": 3, "se": 3, "ci": "text", "pvalue": "p", "d": 2,
                               "where": "text", "comparable": "text"},
            "note": f"From each construct's final (partial) scalar model; wave {ref}'s latent "
                    "mean is fixed at 0, so each estimate is the change since then, d the change "
                    f"in standard deviations of the factor at wave {ref}. Comparable: scalar "
                    "invariance, full or partial, holds; otherwise the means are shown for "
                    "information only."})
    for note in sec.get("notes") or []:
        blocks.append({"type": "text", "text": note})
    released = sum(len(r.get("freed") or []) for r in sec["table"])
    intro = ("Whether each scale measures the same thing in every wave, so that a change in "
             f"its mean is a change in the construct: {len(sec['constructs'])} construct(s) "
             f"tested, {released} constraint(s) released.")
    return {"id": "invariance-waves", "heading": "Measurement invariance across waves",
            "intro": intro, "blocks": blocks}


def group_partial_blocks(partial: dict, group: str) -> list[dict[str, Any]]:
    """Blocks for the group invariance section when the validation ran the partial-invariance
    search (``invariance.partial``, :func:`analysis.psychometrics.group_invariance.
    group_partial_invariance`): the rule, the final (partial) models, the releases and the
    latent means of the later groups."""
    blocks: list[dict[str, Any]] = [{"type": "text", "text": (
        "Partial invariance search: " + partial["rule"]["text"] + ". When a level fails, its "
        "constraints are released one at a time in every group (lavaan's group.partial), the "
        "largest score test first (lavaan's lavTestScore; Sörbom, 1989), until it holds or a "
        "limit is reached: " + partial["limits"]["text"] + ".")}]
    rows = [{"model": r["model"], "chisq": _chisq(r.get("chisq"), r.get("df")),
             "cfi": r.get("cfi"), "rmsea": r.get("rmsea"),
             "chisq.diff": _chisq(r.get("chisq.diff"), r.get("df.diff")),
             "pvalue.diff": r.get("pvalue.diff"), "cfi.diff": r.get("cfi.diff"),
             "rmsea.diff": r.get("rmsea.diff"), "decision": r.get("decision"),
             "freed": "; ".join(r.get("freed") or []) or DASH} for r in partial["table"]]
    blocks.append({
        "type": "table", "data": rows, "caption": "Partial invariance: final models",
        "columns": {"model": "Level", "chisq": "χ² (df)", "cfi": "CFI", "rmsea": "RMSEA",
                    "chisq.diff": "Δχ² (Δdf)", "pvalue.diff": "p", "cfi.diff": "ΔCFI",
                    "rmsea.diff": "ΔRMSEA", "decision": "Decision", "freed": "Released"},
        "number_formats": {"chisq": "text", "cfi": "bounded:3", "rmsea": "bounded:3",
                           "chisq.diff": "text", "pvalue.diff": "p", "cfi.diff": "bounded:3",
                           "rmsea.diff": "bounded:3", "decision": "text", "freed": "text"},
        "note": "Each level in its final form against the level before it, in its final form. "
                "Released parameters stay released at the later levels."})
    steps = [x for x in partial.get("steps") or [] if x.get("step", 0) >= 1]
    if steps:
        blocks.append({
            "type": "table",
            "data": [{"model": x["model"], "freed": x["freed"], "X2": x.get("X2"),
                      "p.value": x.get("p.value"),
                      "chisq.diff": _chisq(x.get("chisq.diff"), x.get("df.diff")),
                      "pvalue.diff": x.get("pvalue.diff"), "cfi.diff": x.get("cfi.diff"),
                      "rmsea.diff": x.get("rmsea.diff"),
                      "holds": "yes" if x.get("invariant") else "no"} for x in steps],
            "caption": f"Constraints released across {group}",
            "columns": {"model": "Level", "freed": "Released", "X2": "Score χ²(1)",
                        "p.value": "p", "chisq.diff": "Δχ² (Δdf)", "pvalue.diff": "p",
                        "cfi.diff": "ΔCFI", "rmsea.diff": "ΔRMSEA", "holds": "Holds"},
            "number_formats": {"X2": 2, "p.value": "p", "chisq.diff": "text",
                               "pvalue.diff": "p", "cfi.diff": "bounded:3",
                               "rmsea.diff": "bounded:3", "freed": "text", "holds": "text"},
            "note": "In the order released. Score χ²(1): the largest univariate score test of "
                    "the level's constraints before the release; the other columns compare the "
                    "refitted model with the previous level."})
    means = partial.get("means") or []
    if means:
        ref = means[0].get("reference", "")
        blocks.append({
            "type": "table",
            "data": [{"factor": m["factor"], "where": m["where"], "est": m.get("est"),
                      "se": m.get("se"), "ci": apa_ci(m.get("ci.lower"), m.get("ci.upper"), 3),
                      "pvalue": m.get("pvalue"), "d": m.get("d"),
                      "comparable": "yes" if m.get("comparable") else "no"} for m in means],
            "caption": f"Latent mean differences from group {ref}",
            "columns": {"factor": "Factor", "where": "Group", "est": "Difference", "se": "SE",
                        "ci": "95% CI", "pvalue": "p", "d": "d", "comparable": "Comparable"},
            "number_formats": {"est": 3, "se": 3, "ci": "text", "pvalue": "p", "d": 2,
                               "where": "text", "comparable": "text"},
            "note": f"From the final (partial) scalar model; group {ref}'s latent means are "
                    "fixed at 0. d: the difference in standard deviations of the factor in "
                    f"group {ref}. Comparable: scalar invariance, full or partial, holds."})
    return blocks


def longinv_methods(results: dict) -> str:
    """The methods text's sentences on invariance across waves ('' without the section)."""
    sec = results.get("invariance_waves")
    if not sec:
        return ""
    if sec["design"] == "panel":
        how = ("in one longitudinal model per construct, its factor at every wave with each "
               "item's residuals correlated across waves (Meredith, 1993; Widaman et al., 2010)")
    else:
        how = "in the multigroup model with the wave as the group"
    released = [f["text"] for f in sec.get("freed") or []]
    return ("Measurement invariance across the waves was tested " + how + ": configural, "
            "metric, scalar and strict levels compared by the chi-square difference test and "
            "the changes in CFI and RMSEA; " + sec["rule"]["text"] + ". A failing level's "
            "constraints were released one at a time, the largest score test first (Sörbom, "
            "1989), " + sec["limits"]["text"] + "; "
            + (f"released: {'; '.join(released)}." if released else "none had to be released.")
            + " Latent mean changes since the first wave come from the final (partial) scalar "
            "model.")


def _decided(row: dict) -> str:
    freed = row.get("freed") or []
    return row.get("decision", "") + (f" after releasing {', '.join(freed)}" if freed else "")


def invariance_lines(results: dict) -> list[str]:
    """The terminal lines on invariance that ``run`` prints: across the group, the partial-
    invariance search's decision per level with what it released and the rule applied (or,
    without the search, the failing levels and how to search); across waves, the rule and
    each construct's decisions. Nothing when the group sequence holds at every level and no
    search was asked for."""
    out: list[str] = []
    inv = (results.get("validation") or {}).get("invariance")
    if inv:
        part = inv.get("partial")
        if part:
            out.append(f"invariance across {inv['group']}, partial-invariance search "
                       f"({part['rule']['text']}):")
            out += [f"  {r['model']}: {_decided(r)}" for r in part["table"]]
        elif failing(inv):
            out.append(f"invariance across {inv['group']}: {', '.join(failing(inv))} not "
                       "supported (needs ΔCFI ≥ −.01 and ΔRMSEA ≤ .015); --invariance-partial "
                       "fit|either|chisq searches for partial invariance")
    sec = results.get("invariance_waves")
    if sec:
        out.append(f"invariance across waves ({sec['rule']['text']}):")
        for c in sec["constructs"]:
            rows = [r for r in sec["table"] if r.get("construct") in (c, "all")]
            out.append(f"  {c}: " + "; ".join(f"{r['model']} {_decided(r)}" for r in rows
                                             if r.get("decision") != "baseline"))
    return out


def failing(inv: dict) -> list[str]:
    """The levels of a group invariance sequence (``validation.invariance``) that are not
    supported."""
    return [r["model"] for r in inv.get("table") or [] if r.get("decision") == "not supported"]


def partial_search_offer(inv: dict) -> list[dict[str, Any]]:
    """A text block for the group invariance section when a level is not supported and no
    partial-invariance search was run: which levels, and how to search (nothing otherwise)."""
    bad = failing(inv)
    if not bad or inv.get("partial"):
        return []
    levels = " and ".join(bad)
    return [{"type": "text", "text": (
        f"The {levels} level{'s are' if len(bad) > 1 else ' is'} not supported across "
        f"{inv['group']}. Partial invariance was not searched for: engagekit run (or validate) "
        f"with --group {inv['group']} --invariance-partial fit|either|chisq releases the "
        "failing level's constraints one at a time, the largest score test first, and compares "
        "the latent means in the final (partial) model (Byrne, Shavelson & Muthén, 1989).")}]


def group_partial_methods(inv: dict | None) -> str:
    """The methods text's sentence on the partial-invariance search across groups ('' when
    none was run)."""
    part = (inv or {}).get("partial")
    if not part:
        return ""
    released = part.get("group.partial") or [f["text"] for f in part.get("freed") or []]
    return ("Partial invariance across " + inv["group"] + " was searched for (" +
            part["rule"]["text"] + "): a failing level's constraints were released one at a "
            "time in every group, the largest score test first (Sörbom, 1989), " +
            part["limits"]["text"] + "; " +
            (f"released: {', '.join(released)}." if released else "none had to be released.")
            + " The latent means of the groups were compared in the final (partial) scalar "
            "model.")
