"""The report's waves section (a tracking study, ``engagekit run ... --waves``): which waves
were stacked and how respondents link across them, each measure's level per wave with its
interval (the trend figure and table), and the change between waves with its test.

:func:`waves_section` reads the results' ``waves`` section (:func:`analysis.waves_study.
wave_results`) and returns a report section (None without one, so single-wave reports are
unchanged); the wave overview cards are rendered by ``templates/waves.html.j2``.
:func:`waves_methods` is its sentence of the methods text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from .format import apa

__all__ = ["waves_methods", "waves_section"]

_TEST = {"paired": "paired t", "welch": "Welch t", "none": "not tested"}


def _fmt(kind: str, x: Any) -> str:
    if x is None:
        return "—"
    return apa(float(x), 0 if kind == "nps" else 1 if kind == "index" else 2)


def _signed(kind: str, x: Any) -> str:
    text = _fmt(kind, x)
    if x is None or text.startswith("\u2212") or not any(c in "123456789" for c in text):
        return text  # negative, or zero at the precision shown: no sign
    return "+" + text


def _by_rule(w: dict, rule_names: Mapping[str, str]) -> str:
    """" (respondents excluded per rule, 2024: failed attention check 2, ...)" or ""."""
    parts = []
    for r in w.get("screening") or []:
        hits = [f"{rule_names.get(k, k.replace('_', ' '))} {v}" for k, v in (r.get("excluded_by") or {}).items()
                if v]
        if hits:
            parts.append(f"{r['wave']}: " + ", ".join(hits))
    return f" (respondents excluded per rule, {'; '.join(parts)})" if parts else ""


def _moved(w: dict, measures: Mapping[str, Mapping[str, Any]], alpha: float = 0.05) -> str:
    """The sentence on what moved from the first to the last wave (p < .05, unadjusted)."""
    labels = w["labels"]
    a, b = labels[0], labels[-1]
    rows = [r for r in w["changes"] if r["from"] == a and r["to"] == b]
    hits = [r for r in rows if r.get("pvalue") is not None and r["pvalue"] < alpha]
    if not rows:
        return ""
    if not hits:
        return f"No measure changed significantly from {a} to {b} (p < .05)."
    moved = "; ".join(f"{measures[r['measure']]['name']} {_signed(r['kind'], r['est'])} "
                      f"({_fmt(r['kind'], r['ci.lower'])} to {_fmt(r['kind'], r['ci.upper'])})"
                      for r in hits)
    return (f"From {a} to {b}, {len(hits)} of {len(rows)} measures changed significantly "
            f"(p < .05, not adjusted for the number of measures): {moved}.")


def _noninvariant(results: dict) -> dict[str, dict[str, Any]]:
    """Per construct whose scale score's change across waves is not (only) the construct's:
    ``{"items": [...], "comparable": bool}`` from the invariance section across waves (``run
    --invariance``): the items whose loading or intercept the partial-invariance search
    released, and whether scalar invariance, full or partial, holds. A scale score weighs every
    item alike, so an item whose intercept (or loading) moved between waves moves the score
    though the construct did not. Empty without that section."""
    sec = results.get("invariance_waves") or {}
    out: dict[str, dict[str, Any]] = {}
    for f in sec.get("freed") or []:
        if f.get("kind") in ("loadings", "intercepts") and f.get("construct"):
            entry = out.setdefault(f["construct"], {"items": [], "comparable": True})
            if f.get("item") and f["item"] not in entry["items"]:
                entry["items"].append(f["item"])
            entry.setdefault("kinds", set()).add("intercept" if f["kind"] == "intercepts"
                                                 else "loading")
    for m in sec.get("means") or []:
        if not m.get("comparable", True) and m.get("construct"):
            out.setdefault(m["construct"], {"items": [], "comparable": True})["comparable"] = False
    return out


def _latent_change(results: dict, construct: str, a: str, b: str) -> dict | None:
    """The latent mean difference of ``construct`` from wave ``a`` to ``b`` in its final
    (partial) scalar model, when ``a`` is the reference wave; else None."""
    for m in (results.get("invariance_waves") or {}).get("means") or []:
        if m.get("construct") == construct and m.get("reference") == a and m.get("where") == b:
            return m
    return None


def _caveat(results: dict, measures: Mapping[str, Mapping[str, Any]], ids: list[str],
            a: str | None = None, b: str | None = None) -> str:
    """Sentences qualifying the scale-score changes of the constructs ``ids`` by the
    invariance across waves ('' when none of them is affected): which items' intercepts or
    loadings differ across waves and, from ``a`` to ``b``, the latent mean change of the
    partial scalar model (or that scalar invariance does not hold)."""
    bad = _noninvariant(results)
    parts = []
    for cid in ids:
        if cid not in bad:
            continue
        name = measures[cid]["name"]
        items = bad[cid]["items"]
        if not bad[cid]["comparable"]:
            parts.append(f"scalar invariance does not hold for {name.lower()}, so its "
                         "scale-score change may be a change in how its items are answered "
                         "rather than in the construct")
            continue
        kinds = " or ".join(sorted(bad[cid].get("kinds") or {"intercept"}))
        one = len(items) == 1
        which = (f"the {kinds} of {', '.join(items)} "
                 f"{'differs' if one else 'differ'} across waves (released by the "
                 "partial-invariance search)")
        whose = "that item's" if one else "those items'"
        text = (f"{which}, so part of {name.lower()}'s scale-score change is {whose} own "
                "drift, not the construct's")
        m = _latent_change(results, cid, a, b) if a and b else None
        if m is not None and m.get("est") is not None:
            text += (f"; its latent mean in the partial scalar model changed by "
                     f"{apa(float(m['est']), 2)} ({apa(float(m['ci.lower']), 2)} to "
                     f"{apa(float(m['ci.upper']), 2)}, p {_p(m.get('pvalue'))}) from {a} to {b}")
        parts.append(text)
    if not parts:
        return ""
    return ("Measurement invariance across waves qualifies this: " + "; ".join(parts)
            + " (see Measurement invariance across waves).")


def _p(p: Any) -> str:
    if p is None:
        return "= —"
    p = float(p)
    return "< .001" if p < .001 else "= " + f"{p:.3f}".lstrip("0")


def _combo(labels: list[str]) -> str:
    return " + ".join(labels) + (" only" if len(labels) == 1 else "")


def _overview(w: dict) -> Markup:
    from .render import make_environment

    screening = {r["wave"]: r for r in w.get("screening") or []}
    waves = [{"label": x["label"], "file": x["file"], "version": x["version"],
              "recorded": x["version_recorded"],
              "n_analysed": screening.get(x["label"], {}).get("n_analysed", x["n_read"]),
              "n_read": x["n_read"]} for x in w["waves"]]
    env = make_environment()
    return Markup(env.get_template("waves.html.j2").render(
        waves=waves, panel=w["panel"], analysed_wave=w["analysed_wave"]))


def _design(w: dict, screening: bool = False) -> str:
    """The study's design in words, from who answered which waves (``combinations``: the
    respondents read, by the waves they answered); with ``screening``, also how many are
    analysed in every wave, in some and in one after each wave's screening
    (``combinations_analysed``), which is not the design: a panel member excluded in one wave
    still answered it."""
    k = len(w["labels"])
    combos = w["combinations"]
    linked = sum(c["n"] for c in combos if len(c["waves"]) > 1)
    total = int(w.get("n_persons") or sum(c["n"] for c in combos))
    if not w["panel"]:
        return ("independent samples: no respondent id occurs in two waves"
                if w["linked"] else "independent samples: the files have no respondent ids "
                "to link waves by")
    if all(len(c["waves"]) == k for c in combos):
        how = f"a panel: the same {linked:,} respondents answered every wave"
    else:
        how = (f"a mixed panel: {linked:,} of {total:,} respondents answered two or more "
               "waves (linked by id), the others one wave")
    after = w.get("combinations_analysed")
    if not screening or not after or _same_combinations(after, combos):
        return how
    every = sum(c["n"] for c in after if len(c["waves"]) == k)
    some = sum(c["n"] for c in after if 1 < len(c["waves"]) < k)
    one = sum(c["n"] for c in after if len(c["waves"]) == 1)
    none = total - every - some - one
    parts = [f"{every:,} are analysed in every wave"]
    if some:
        parts.append(f"{some:,} in {'two' if k == 3 else 'two or more'} of them")
    if one:
        parts.append(f"{one:,} in one")
    if none > 0:
        parts.append(f"{none:,} in none")
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{how}; after each wave's screening, {text}"


def _same_combinations(a: list[dict], b: list[dict]) -> bool:
    """Whether two lists of ``{"waves": [...], "n": ...}`` hold the same counts."""
    def key(cs: list[dict]) -> dict[tuple, int]:
        return {tuple(c["waves"]): int(c["n"]) for c in cs if int(c["n"])}
    return key(a) == key(b)


def waves_section(results: dict, rule_names: Mapping[str, str] | None = None
                  ) -> dict[str, Any] | None:
    """The waves section of the report, or None when the results have no ``waves``;
    ``rule_names``: the screening rules in words (the report's ``RULE_NAMES``)."""
    from . import figures  # noqa: F401  (the figure plumbing is loaded with the package)
    from .figures.trend import trend_chart

    w = results.get("waves")
    if not w:
        return None
    rule_names = rule_names or {}
    labels = list(w["labels"])
    measures = {m["id"]: m for m in w["measures"]}
    level = float(w.get("level") or 0.95)
    pct = f"{level:.0%}"
    intro = (f"{len(labels)} waves of {results['instrument']['id']} were stacked "
             f"({', '.join(labels)}): {_design(w, screening=True)}. {w['basis']}")
    intro += " " + _moved(w, measures)
    first, last = labels[0], labels[-1]
    moved = [r["measure"] for r in w["changes"] if r["from"] == first and r["to"] == last
             and r.get("pvalue") is not None and r["pvalue"] < 0.05]
    caveat = _caveat(results, measures, moved, first, last)
    if caveat:
        intro += " " + caveat
    blocks: list[dict[str, Any]] = [{"type": "html", "html": _overview(w)}]
    rows = []
    screening = {r["wave"]: r for r in w.get("screening") or []}
    for x in w["waves"]:
        s = screening.get(x["label"], {})
        rows.append({"wave": x["label"], "file": x["file"],
                     "version": x["version"] + ("" if x["version_recorded"] else " (assumed)"),
                     "rows": s.get("n_rows"), "dropped": s.get("n_dropped"),
                     "read": x["n_read"], "excluded": s.get("n_excluded"),
                     "analysed": s.get("n_analysed")})
    blocks.append({"type": "table", "data": rows, "caption": "Waves",
                   "columns": {"wave": "Wave", "file": "File", "version": "Version",
                               "rows": "Rows", "dropped": "Dropped", "read": "Read",
                               "excluded": "Excluded", "analysed": "Analysed"},
                   "number_formats": {k: "int" for k in ("rows", "dropped", "read",
                                                         "excluded", "analysed")},
                   "note": "Rows: data rows of the file; dropped by the reader (declined "
                           "consent, previews); excluded by the screening rules, applied "
                           "within each wave" + _by_rule(w, rule_names) + ". Version: the instrument "
                           "version the file records."})
    pos = {lab: k for k, lab in enumerate(labels)}
    read = {tuple(c["waves"]): c["n"] for c in w["combinations"]}
    analysed = {tuple(c["waves"]): c["n"] for c in w.get("combinations_analysed") or []}
    keys = sorted(set(read) | set(analysed), key=lambda ws: [pos[x] for x in ws])
    combos = [{"combination": _combo(list(k)), "read": read.get(k, 0),
               "analysed": analysed.get(k, 0)} for k in keys]
    blocks.append({"type": "table", "data": combos,
                   "caption": "Respondents per combination of waves",
                   "columns": {"combination": "Waves answered", "read": "Read",
                               "analysed": "Analysed"},
                   "number_formats": {"read": "int", "analysed": "int"},
                   "note": "Respondents are linked across waves by their respondent id"
                           + ("" if w["linked"] else " (these files have none: no links)")
                           + ". Read: respondents by the waves they answered; analysed: by "
                           "the waves in which they passed screening (a respondent excluded "
                           "in one wave moves to a smaller combination)."})
    points: dict[str, list[dict]] = {}
    for r in w["levels"]:
        points.setdefault(r["measure"], []).append(r)
    fig_measures = [{"name": m["name"], "kind": m["kind"], "min": m.get("min"),
                     "max": m.get("max"), "points": points.get(k, [])}
                    for k, m in measures.items()]
    svg = trend_chart(fig_measures, labels, "Trend across waves", level=level)
    blocks.append({"type": "figure", "svg": svg, "id": "trend-figure",
                   "caption": f"Means per wave with {pct} confidence intervals: scale scores on "
                              "their response scale, the NPS on −100 to 100, indices on 0 to "
                              "100."})
    n_wave = {r["wave"]: r.get("n_analysed") for r in w.get("screening") or []}
    by_measure: dict[str, dict[str, Any]] = {}
    for r in w["levels"]:
        row = by_measure.setdefault(r["measure"], {"measure": measures[r["measure"]]["name"]})
        cell = (f"{_fmt(r['kind'], r['mean'])} [{_fmt(r['kind'], r['ci.lower'])}, "
                f"{_fmt(r['kind'], r['ci.upper'])}]" if r["n"] else "—")
        if r["n"] and n_wave.get(r["wave"]) not in (None, r["n"]):
            cell += f" (n = {int(r['n']):,})"
        row[f"w{labels.index(r['wave'])}"] = cell
    blocks.append({"type": "table", "data": list(by_measure.values()),
                   "caption": "Levels per wave", "id": "wave-levels",
                   "columns": {"measure": "Measure",
                               **{f"w{k}": lab for k, lab in enumerate(labels)}},
                   "note": f"Mean [{pct} CI] per wave, n as analysed in the table of waves "
                           "unless given. Scale scores: t intervals; the NPS: the multinomial "
                           "standard error of % promoters − % detractors (normal interval); "
                           "indices: normal intervals."})
    tests = sorted({r["test"] for r in w["changes"]})
    ch = []
    for r in w["changes"]:
        n = (f"{int(r['n_pairs']):,}" if r["test"] == "paired" else
             f"{int(r['n_from']):,} / {int(r['n_to']):,}")
        df = r["df"]
        ch.append({"measure": measures[r["measure"]]["name"],
                   "change": f"{r['from']}\u00a0→\u00a0{r['to']}",
                   "test": _TEST.get(r["test"], r["test"]), "n": n,
                   "est": _signed(r["kind"], r["est"]),
                   "ci": f"[{_fmt(r['kind'], r['ci.lower'])}, {_fmt(r['kind'], r['ci.upper'])}]",
                   "t": None if r["t"] is None else float(r["t"]),
                   "df": "—" if df is None else (f"{df:.0f}" if float(df).is_integer()
                                                 else f"{df:.1f}"),
                   "p": r["pvalue"]})
    unpaired = any(r["test"] == "paired" and max(int(r.get("n_from") or 0),
                                                   int(r.get("n_to") or 0)) > int(r["n_pairs"])
                   for r in w["changes"])
    note = ("Change: the later wave minus the earlier one"
            + (", between consecutive waves and from the first to the last" if len(labels) > 2
               else "") + ". "
            + ("Paired t tests on the respondents linked in both waves (Student, 1908; n: "
               "pairs)"
               + ("; a respondent with a value in only one of the two waves (who joined or "
                  "left the panel, or was excluded by screening in the other wave) is not in "
                  "the paired test, so a change can differ from the difference of the wave "
                  "means" if unpaired else "") + ". " if "paired" in tests else "")
            + ("Welch's t tests for independent samples (Welch, 1947), n: earlier / later "
               "wave. "
               if "welch" in tests else "")
            + "The NPS is tested on each respondent's +100 (promoter), 0 (passive) or −100 "
              "(detractor). p values are not adjusted for the number of measures and waves "
              "compared.")
    flagged = [k for k in measures if k in _noninvariant(results)]
    if flagged:
        note += (" Not (fully) invariant across waves: "
                 + ", ".join(measures[k]["name"] for k in flagged)
                 + "; a change in such a scale score is partly a change in how some of its "
                   "items are answered (see Measurement invariance across waves).")
    columns = {"measure": "Measure", "change": "Waves", "test": "Test", "n": "n",
               "est": "Change", "ci": f"{pct} CI", "t": "t", "df": "df", "p": "p"}
    if len(tests) == 1:  # one test throughout: named in the note, not in every row
        del columns["test"]
    blocks.append({"type": "table", "data": ch, "caption": "Change between waves",
                   "id": "wave-changes", "columns": columns,
                   "number_formats": {"t": 2, "p": "p"}, "note": note})
    if w.get("notes"):
        blocks.append({"type": "list", "items": list(w["notes"])})
    return {"id": "waves", "heading": "Waves: trend and change", "intro": intro,
            "blocks": blocks}


def waves_methods(results: dict) -> str:
    """The methods text's sentences on the waves ('' without a waves section)."""
    w = results.get("waves")
    if not w:
        return ""
    tests = w.get("tests") or []
    how = []
    if "paired" in tests:
        how.append("paired t tests (Student, 1908) on the respondents linked by id in both "
                   "waves")
    if "welch" in tests:
        how.append("Welch's (1947) t tests where no respondent was in both waves")
    return (f"The study stacked {len(w['labels'])} waves ({', '.join(w['labels'])}) of the "
            f"instrument, {_design(w)}; each wave was screened on its own. Each wave's scale "
            f"means (t intervals), Net Promoter Score (multinomial standard error) and 0-100 "
            f"indices (normal intervals) are given with {float(w.get('level') or .95):.0%} "
            "confidence intervals, and the change between consecutive waves"
            + (" and from the first to the last" if len(w["labels"]) > 2 else "")
            + " was tested with " + " and ".join(how or ["t tests"]) + ". Reliability, "
            f"validity and the structural model describe the last wave ({w['analysed_wave']}).")
