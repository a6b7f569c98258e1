"""The report's section on latent commitment profiles (results.json's ``profiles``).

Shown only when the results hold a ``profiles`` section (``engagekit run --profiles``): the
model comparison table, the profile plot of standardized means, the profiles at a glance
(``templates/profiles.html.j2``), the outcomes by profile corrected for classification error
(by the method the results record: BCH, or the ML three-step approach) and their pairwise
differences, and the crosstab of profiles with the Dick & Basu segments.
:func:`profiles_methods` is the methods paragraph's sentence on the analysis.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from .format import apa, apa_ci, apa_p, apa_pct

__all__ = ["outcome_method_words", "profiles_methods", "profiles_section"]

_FAMILY_WORDS = {
    "EEI": "equal variances, no covariances",
    "VVI": "varying variances, no covariances",
    "EEE": "equal covariance matrices",
    "VVV": "varying covariance matrices",
    "EII": "one variance for every construct and profile (spherical)",
    "VII": "one variance per profile (spherical)",
}


#: The outcome methods by results.json's ``profiles.settings.outcome_method``: a short name, the
#: method with its references, and how its standard errors are computed.
_OUTCOME_METHODS = {
    "bch": ("BCH", "the BCH method (Bolck, Croon & Hagenaars, 2004; Vermunt, 2010; Bakk & "
            "Vermunt, 2016)", "the BCH method (Bakk & Vermunt, 2016)"),
    "ml3": ("ML three-step", "the ML three-step approach (Vermunt, 2010; Bakk, Tekle & "
            "Vermunt, 2013)", "the ML three-step approach (Vermunt, 2010; Bakk, Tekle & "
            "Vermunt, 2013)"),
}


def _outcome_method(section: dict) -> str:
    """The outcome method the results record (``bch`` when they do not: results written
    before the choice existed used BCH)."""
    return str((section.get("settings") or {}).get("outcome_method") or "bch").lower()


def outcome_method_words(section: dict) -> str:
    """The outcome method with its reference, for the terminal (``'the BCH method (Bakk &
    Vermunt, 2016)'``)."""
    return _OUTCOME_METHODS[_outcome_method(section)][2]


def profiles_headline(results: dict) -> list[str]:
    """The headline line of ``run --profiles`` (none without profiles), for either kind of
    run."""
    prof = results.get("profiles")
    if not prof:
        return []
    sel = prof["selected"]
    return [f"  commitment profiles: {sel['family']} with {n_profiles(sel['k'])} "
            f"({'smallest BIC' if sel['chosen_by'] == 'bic' else 'as asked'}"
            + (f"; the BLRT chooses {sel['blrt_k']}" if sel.get("blrt_k") else "")
            + ")" + (f"; outcomes by profile: {outcome_method_words(prof)}"
                     if prof.get("outcome_means") else "")
            + ("; no distinct profiles" if int(sel["k"]) == 1 else "")]


def profiles_methods(results: dict) -> str:
    """The methods paragraph's sentence on the latent profile analysis ('' without one)."""
    section = results.get("profiles")
    if not section:
        return ""
    names = _names(results)
    sel = section["selected"]
    text = ("Latent profiles of the scale scores of "
            + ", ".join(names.get(c, c).lower() for c in section["indicators"])
            + " were estimated as Gaussian mixtures (scikit-learn's GaussianMixture, many "
            f"seeded random starts); the model described, {sel['family']} with "
            f"{n_profiles(sel['k'])}, "
            + ("was chosen by the user" if sel.get("chosen_by") == "user"
               else "has the smallest BIC"))
    if section.get("outcome_means"):
        text += (", and outcome means by profile were corrected for classification error by "
                 + _OUTCOME_METHODS[_outcome_method(section)][1])
    return text + "."


def _names(results: dict) -> dict[str, str]:
    return {c["id"]: c["name"] for c in results["instrument"]["constructs"]}


def _label(profile: str, share: float) -> str:
    return f"Profile {profile} ({apa_pct(share, 0, proportion=True)})"


def _glance(section: dict, names: dict[str, str]) -> Markup:
    from .render import make_environment

    std = pd.DataFrame(section["means"])
    cards = []
    for p in section["profiles"]:
        if len(section["profiles"]) == 1:
            cards.append({"label": f"Profile {p['profile']}", "share": apa_pct(1, 0,
                                                                             proportion=True),
                          "note": f"the whole sample, {int(p['n_modal']):,} respondents: "
                                  "no distinct profiles"})
            continue
        rows = std[std["profile"] == p["profile"]].sort_values("std.mean")
        hi, lo = rows.iloc[-1], rows.iloc[0]
        hi_name = names.get(hi["indicator"], hi["indicator"]).lower()
        lo_name = names.get(lo["indicator"], lo["indicator"]).lower()
        if float(hi["std.mean"]) < 0:  # below the sample mean on every construct
            what = (f"below the sample mean on every construct: least on {hi_name} "
                    f"({apa(hi['std.mean'], 2)} SD), most on {lo_name} "
                    f"({apa(lo['std.mean'], 2)} SD)")
        elif float(lo["std.mean"]) > 0:  # above it on every construct
            what = (f"above the sample mean on every construct: most on {hi_name} "
                    f"({apa(hi['std.mean'], 2)} SD), least on {lo_name} "
                    f"({apa(lo['std.mean'], 2)} SD)")
        else:
            what = (f"highest {hi_name} ({apa(hi['std.mean'], 2)} SD), lowest {lo_name} "
                    f"({apa(lo['std.mean'], 2)} SD)")
        note = f"{what}; {int(p['n_modal']):,} respondents assigned"
        cards.append({"label": f"Profile {p['profile']}",
                      "share": apa_pct(p["share"], 0, proportion=True), "note": note})
    template = make_environment().get_template("profiles.html.j2")
    return Markup(template.render(profiles=cards))


def n_profiles(k: int | float) -> str:
    """``1 profile``, ``3 profiles``."""
    return f"{int(k)} profile" + ("" if int(k) == 1 else "s")


def _single_profile_text(sel: dict, comp: pd.DataFrame) -> str:
    """When one profile is described: what that means, and how far the best model with
    profiles is behind on the BIC (empty otherwise)."""
    if int(sel["k"]) != 1:
        return ""
    more = comp[comp["k"] > 1]
    behind = ""
    if len(more) and sel.get("chosen_by") != "user":
        best = more.loc[more["bic"].idxmin()]
        low = float(comp.loc[(comp["family"] == sel["family"]) & (comp["k"] == 1),
                             "bic"].iloc[0])
        behind = (f" (the best model with profiles, {best['family']} with "
                  f"{n_profiles(best['k'])}, has a BIC {apa(float(best['bic']) - low, 2)} "
                  "higher)")
    return ("With one profile the respondents do not fall into distinct mixes of these "
            "constructs" + behind + ": they are described as one group, and no outcomes are "
            "compared across profiles. ")


def _blrt_text(settings: dict, sel: dict, n_boot: int) -> str:
    """The methods sentence on the BLRT: its draws, its stopping rules and its choice."""
    h = settings.get("blrt_stop_exceed")
    draws = (f"at most {n_boot:,} draws, stopped once {int(h)} reached the observed "
             "statistic (Besag & Clifford, 1991)" if h else f"{n_boot:,} draws")
    which = ("run for the chosen family, for k = 2, 3, … up to the first non-significant "
             "test (the tests after it cannot change the BLRT's choice)"
             if h and not settings.get("blrt_every_k") else "run for the chosen family")
    return (f"The bootstrap likelihood-ratio test (BLRT; {draws}; McLachlan, 1987; Nylund, "
            f"Asparouhov & Muthén, 2007) of k against k − 1 profiles was {which}"
            + (f" and chooses {sel['blrt_k']} profile{'' if int(sel['blrt_k']) == 1 else 's'}"
               + (" (no distinct profiles)" if int(sel["blrt_k"]) == 1 else "")
               if sel.get("blrt_k") else "") + ".")


def _draws_note(comp: pd.DataFrame, family: str, n_boot: int, h: int | None) -> str:
    """``; bootstrap draws used: k = 2: 100, k = 3: 23 (stopped early)...`` for the chosen
    family, or nothing when the results do not record the draws (written before they were)."""
    if "blrt_draws" not in comp.columns or not n_boot:
        return ""
    rows = comp[(comp["family"] == family) & (comp["k"] > 1)].sort_values("k")
    done = [(int(r["k"]), int(r["blrt_draws"])) for _, r in rows.iterrows()
            if pd.notna(r["blrt_draws"])]
    if not done:
        return ""
    text = "; bootstrap draws used: " + ", ".join(
        f"k = {k}: {d:,}" + (" (stopped early)" if d < n_boot else "") for k, d in done)
    if h and any(d < n_boot for _, d in done):
        text += (f"; a test stops early when {int(h)} draws reached the observed statistic, so "
                 f"its p is above {apa_p(h / n_boot)}")
    skipped = [int(r["k"]) for _, r in rows.iterrows()
               if pd.isna(r["blrt_draws"]) and int(r["k"]) > done[-1][0]]
    if skipped:
        text += (f"; not run for k = {', '.join(map(str, skipped))}, after the first "
                 "non-significant test")
    return text


def profiles_section(results: dict) -> dict[str, Any] | None:
    """The section as report blocks, or None when the results hold no profile analysis."""
    from .figures.profiles import profile_plot

    section = results.get("profiles")
    if not section:
        return None
    names = _names(results)
    sel = section["selected"]
    settings = section.get("settings") or {}
    ind_names = [names.get(c, c) for c in section["indicators"]]
    comp = pd.DataFrame(section["comparison"])
    # the chosen model is starred (a column of its own would push the table past 900 px)
    comp["model"] = [f + ("*" if (f == sel["family"] and int(k) == int(sel["k"])) else "")
                     for f, k in zip(comp["family"], comp["k"], strict=True)]
    comp["replicated"] = [f"{int(r)}/{int(f)}" for r, f in
                          zip(comp["n_replicated"], comp["n_final"], strict=True)]
    n_boot = int(settings.get("n_boot") or 0)
    blrt_text = _blrt_text(settings, sel, n_boot) if n_boot else (
        "No bootstrap likelihood-ratio test was run.")
    intro = (f"Latent profile analysis of {', '.join(n.lower() for n in ind_names)} "
             f"(scale scores, n = {int(section['n']):,}"
             + (f"; {int(section['n_incomplete']):,} respondents without every score left out"
                if section.get("n_incomplete") else "")
             + f"): Gaussian mixtures ({', '.join(settings.get('families') or [])}) with "
             f"{', '.join(str(k) for k in settings.get('k', []))} profiles, each from "
             f"{int(settings.get('n_starts') or 0)} seeded random starts (seed "
             f"{settings.get('seed')}). "
             + (f"The model described is {sel['family']} with {n_profiles(sel['k'])}, as "
                "asked. " if sel.get("chosen_by") == "user" else
                f"The model with the smallest BIC is {sel['family']} with "
                f"{n_profiles(sel['k'])}. ")
             + _single_profile_text(sel, comp)
             + blrt_text)
    method = _outcome_method(section)
    short, cited, _ = _OUTCOME_METHODS[method]
    if section.get("outcome_means"):
        intro += (" Outcome means by profile are corrected for classification error by "
                  f"{cited}.")
    blocks: list[dict] = [{"type": "text", "text": intro}]
    blocks.append({
        "type": "table", "caption": "Latent profile models compared",
        "data": comp[["model", "k", "logl", "npar", "aic", "bic", "sabic", "entropy",
                      "smallest", "replicated", "blrt_pvalue"]],
        "columns": {"model": "Model", "k": "k", "logl": "logL", "npar": "p",
                    "aic": "AIC", "bic": "BIC", "sabic": "SABIC", "entropy": "Entropy",
                    "smallest": "Smallest", "replicated": "Replicated",
                    "blrt_pvalue": "BLRT p"},
        "number_formats": {"k": "int", "logl": 2, "npar": "int", "aic": 2, "bic": 2,
                           "sabic": 2, "entropy": "bounded:3", "smallest": "prop:1",
                           "blrt_pvalue": "p", "replicated": "text"},
        "note": "* The model described below. Models (mclust's names): "
                + "; ".join(f"{f}, {w}" for f, w in _FAMILY_WORDS.items()
                            if f in set(comp["family"]))
                + ". p: free parameters. AIC = −2 logL + 2p; BIC = −2 logL + p ln n "
                "(smaller is better; R's mclust reports −BIC); SABIC: sample-size-adjusted "
                "BIC (Sclove, 1987); entropy: relative entropy of the classification "
                "(1 = certain); smallest: the smallest profile's share. Replicated: of the "
                "starts iterated to convergence, how many reached the best log-likelihood "
                "(within 0.001); once only may be a local maximum. BLRT p: k against k − 1 "
                "profiles" + _draws_note(comp, sel["family"], n_boot,
                                         settings.get("blrt_stop_exceed")) + "."})
    labels = {p["profile"]: _label(p["profile"], p["share"]) for p in section["profiles"]}
    std = pd.DataFrame(section["means"])
    means = [[float(std[(std["profile"] == p) & (std["indicator"] == c)]["std.mean"].iloc[0])
              for c in section["indicators"]] for p in labels]
    if int(sel["k"]) > 1:  # one profile is the sample mean, 0 on every construct
        svg = profile_plot(means, ind_names, list(labels.values()),
                           f"Commitment profiles ({sel['family']}, {n_profiles(sel['k'])})")
        blocks.append({"type": "figure", "svg": svg, "caption": "Profile plot: each profile's "
                       "mean of each construct in standard deviations of the whole sample (0 = "
                       "the sample mean); the percentages are the profiles' estimated shares."})
    blocks.append({"type": "html", "html": _glance(section, names)})
    if section.get("outcome_means"):
        om = pd.DataFrame(section["outcome_means"])
        om["outcome"] = om["outcome"].map(lambda c: names.get(c, c))
        om["profile"] = om["profile"].map(labels)
        om["ci"] = [apa_ci(a, b, 2) for a, b in zip(om["ci.lower"], om["ci.upper"],
                                                    strict=True)]
        tests = {t["outcome"]: t for t in section.get("outcome_tests") or []}
        level = float(settings.get("level") or 0.95)
        test_text = "; ".join(
            f"{names.get(o, o).lower()}: χ²({int(t['df'])}) = {apa(t['chisq'], 2)}, "
            f"{apa_p(t['pvalue'], prefix=True)}" for o, t in tests.items())
        blocks.append({
            "type": "table", "caption": "Outcomes by profile (corrected for classification "
                                        f"error, {short})",
            "data": om[["outcome", "profile", "est", "se", "ci"]],
            "columns": {"outcome": "Outcome", "profile": "Profile", "est": "Mean",
                        "se": "SE", "ci": f"{level:.0%} CI"},
            "number_formats": {"est": 2, "se": 2, "ci": "text"},
            "note": f"Means of the outcome scale scores in each profile by {cited}, "
                    + ("which weights respondents by the inverse of the classification-error "
                       "matrix so that misassigned respondents do not blur the profiles; "
                       "sandwich standard errors." if method == "bch" else
                       "which models each outcome with the respondent's most likely profile "
                       "as the one indicator of the profiles, its classification errors fixed "
                       "at those of the profile model, and a normal outcome with its own mean "
                       "and variance in each profile; maximum-likelihood standard errors. BCH, "
                       "the default, stays unbiased when the outcome is not normal within the "
                       "profiles (Bakk & Vermunt, 2016).")
                    + " Equal means in every profile (Wald test): "
                    + (test_text or "not run") + "."})
        diffs = pd.DataFrame(section.get("outcome_differences") or [])
        if not diffs.empty:
            diffs["outcome"] = diffs["outcome"].map(lambda c: names.get(c, c))
            diffs["pair"] = [f"{a} − {b}" for a, b in zip(diffs["lhs"], diffs["rhs"],
                                                         strict=True)]
            diffs["ci"] = [apa_ci(a, b, 2) for a, b in zip(diffs["ci.lower"],
                                                           diffs["ci.upper"], strict=True)]
            blocks.append({
                "type": "table", "caption": "Pairwise differences between profiles",
                "data": diffs[["outcome", "pair", "est", "se", "ci", "pvalue"]],
                "columns": {"outcome": "Outcome", "pair": "Profiles", "est": "Difference",
                            "se": "SE", "ci": f"{level:.0%} CI", "pvalue": "p"},
                "number_formats": {"est": 2, "se": 2, "ci": "text", "pvalue": "p"},
                "note": f"Differences of the {short} means (first minus second profile), with "
                        "Wald intervals; p values are not adjusted for the number of "
                        "comparisons."})
    ct = section.get("crosstab")
    if ct:
        table = pd.DataFrame(ct["counts"], columns=[c.replace("_", " ").capitalize()
                                                    for c in ct["columns"]])
        table.insert(0, "Profile", [labels.get(r, r) for r in ct["rows"]])
        table["Total"] = table.iloc[:, 1:].sum(axis=1)
        blocks.append({
            "type": "table", "caption": "Profiles by loyalty segment (Dick & Basu, 1994)",
            "data": table, "columns": {c: c for c in table.columns},
            "number_formats": {c: "int" for c in table.columns if c != "Profile"},
            "note": "Respondents by their most likely profile (rows) and their Dick & Basu "
                    "loyalty segment (columns), counts."})
    return {"id": "profiles", "heading": "Commitment profiles", "blocks": blocks}
