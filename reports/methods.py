"""The report's methods paragraph and reference list, written from what actually ran.

Every clause of :func:`methods_text` is conditional on a record in ``results.json``: a screening
rule is named when it excluded someone (and said to be "not applied", with the reason, when it
could not be applied), invariance and group comparisons only when they were run, the bootstrap
only when it was, the estimator by its own name. engagekit fits its models with its own SEM
code; the text says that this code reproduces lavaan's estimates (Rosseel, 2012), never that
lavaan was run.

:func:`cited_references` lists a reference only when its author-year citation appears in the
report's text, so the list holds the works the report uses and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .format import apa, apa_ci, apa_p, fit_value, is_missing, uses_robust

#: ``(first author's surname, year, full APA reference)``; a reference is listed when
#: "Surname ... year" (e.g. "Chen, 2007", "Hu and Bentler (1999)") occurs in the report.
REFERENCES: tuple[tuple[str, str, str], ...] = (
    ("Arbuckle", "1996", "Arbuckle, J. L. (1996). Full information estimation in the presence "
     "of incomplete data. In G. A. Marcoulides & R. E. Schumacker (Eds.), Advanced structural "
     "equation modeling (pp. 243-277). Erlbaum."),
    ("Asparouhov", "2010", "Asparouhov, T., & Muthén, B. (2010). Simple second order chi-square "
     "correction. Mplus technical appendix."),
    ("Azen", "2003", "Azen, R., & Budescu, D. V. (2003). The dominance analysis approach for "
     "comparing predictors in multiple regression. Psychological Methods, 8(2), 129-148."),
    ("Bakk", "2013", "Bakk, Z., Tekle, F. B., & Vermunt, J. K. (2013). Estimating the "
     "association between latent class membership and external variables using bias-adjusted "
     "three-step approaches. Sociological Methodology, 43(1), 272-311."),
    ("Bakk", "2016", "Bakk, Z., & Vermunt, J. K. (2016). Robustness of stepwise latent class "
     "modeling with continuous distal outcomes. Structural Equation Modeling, 23(1), 20-31."),
    ("Besag", "1991", "Besag, J., & Clifford, P. (1991). Sequential Monte Carlo p-values. "
     "Biometrika, 78(2), 301-304."),
    ("Bolck", "2004", "Bolck, A., Croon, M., & Hagenaars, J. (2004). Estimating latent structure "
     "models with categorical variables: One-step versus three-step estimators. Political "
     "Analysis, 12(1), 3-27."),
    ("Brosseau-Liard", "2014", "Brosseau-Liard, P. E., & Savalei, V. (2014). Adjusting "
     "incremental fit indices for nonnormality. Multivariate Behavioral Research, 49(5), "
     "460-470."),
    ("Byrne", "1989", "Byrne, B. M., Shavelson, R. J., & Muthén, B. (1989). Testing for the "
     "equivalence of factor covariance and mean structures: The issue of partial measurement "
     "invariance. Psychological Bulletin, 105(3), 456-466."),
    ("Chen", "2007", "Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of "
     "measurement invariance. Structural Equation Modeling, 14(3), 464-504."),
    ("Cheung", "2002", "Cheung, G. W., & Rensvold, R. B. (2002). Evaluating goodness-of-fit "
     "indexes for testing measurement invariance. Structural Equation Modeling, 9(2), 233-255."),
    ("Efron", "1987", "Efron, B. (1987). Better bootstrap confidence intervals. Journal of the "
     "American Statistical Association, 82(397), 171-185."),
    ("Enders", "2003", "Enders, C. K. (2003). Using an EM covariance matrix to estimate "
     "coefficient alpha in the presence of missing data. Journal of Modern Applied Statistical "
     "Methods, 2(1), 76-92."),
    ("Feldt", "1987", "Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical "
     "inference for coefficient alpha. Applied Psychological Measurement, 11(1), 93-103."),
    ("Fornell", "1981", "Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation "
     "models with unobservable variables and measurement error. Journal of Marketing Research, "
     "18(1), 39-50."),
    ("Gadermann", "2012", "Gadermann, A. M., Guhn, M., & Zumbo, B. D. (2012). Estimating "
     "ordinal reliability for Likert-type and ordinal item response data: A conceptual, "
     "empirical, and practical guide. Practical Assessment, Research, and Evaluation, 17(3), "
     "1-13."),
    ("Green", "2009", "Green, S. B., & Yang, Y. (2009). Reliability of summed item scores using "
     "structural equation modeling: An alternative to coefficient alpha. Psychometrika, 74(2), "
     "155-167."),
    ("Hamaker", "2015", "Hamaker, E. L., Kuiper, R. M., & Grasman, R. P. P. P. (2015). A "
     "critique of the cross-lagged panel model. Psychological Methods, 20(1), 102-116."),
    ("Henseler", "2015", "Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion "
     "for assessing discriminant validity in variance-based structural equation modeling. "
     "Journal of the Academy of Marketing Science, 43(1), 115-135."),
    ("Hu", "1999", "Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in "
     "covariance structure analysis. Structural Equation Modeling, 6(1), 1-55."),
    ("Igolkina", "2020", "Igolkina, A. A., & Meshcheryakov, G. (2020). semopy: A Python "
     "package for structural equation modeling. Structural Equation Modeling, 27(6), 952-963."),
    ("Johnson", "2000", "Johnson, J. W. (2000). A heuristic method for estimating the relative "
     "weight of predictor variables in multiple regression. Multivariate Behavioral Research, "
     "35(1), 1-19."),
    ("Kock", "2015", "Kock, N. (2015). Common method bias in PLS-SEM: A full collinearity "
     "assessment approach. International Journal of e-Collaboration, 11(4), 1-10."),
    ("McLachlan", "1987", "McLachlan, G. J. (1987). On bootstrapping the likelihood ratio test "
     "statistic for the number of components in a normal mixture. Journal of the Royal "
     "Statistical Society: Series C (Applied Statistics), 36(3), 318-324."),
    ("McDonald", "1999", "McDonald, R. P. (1999). Test theory: A unified treatment. Erlbaum."),
    ("Meade", "2012", "Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in "
     "survey data. Psychological Methods, 17(3), 437-455."),
    ("Meredith", "1993", "Meredith, W. (1993). Measurement invariance, factor analysis and "
     "factorial invariance. Psychometrika, 58(4), 525-543."),
    ("Mulder", "2021", "Mulder, J. D., & Hamaker, E. L. (2021). Three extensions of the "
     "random intercept cross-lagged panel model. Structural Equation Modeling, 28(4), "
     "638-648."),
    ("Muthén", "1997", "Muthén, B. O., du Toit, S. H. C., & Spisic, D. (1997). Robust inference "
     "using weighted least squares and quadratic estimating equations in latent variable "
     "modeling with categorical and continuous outcomes. Unpublished manuscript."),
    ("Nylund", "2007", "Nylund, K. L., Asparouhov, T., & Muthén, B. O. (2007). Deciding on the "
     "number of classes in latent class analysis and growth mixture modeling: A Monte Carlo "
     "simulation study. Structural Equation Modeling, 14(4), 535-569."),
    ("Podsakoff", "2003", "Podsakoff, P. M., MacKenzie, S. B., Lee, J.-Y., & Podsakoff, N. P. "
     "(2003). Common method biases in behavioral research. Journal of Applied Psychology, "
     "88(5), 879-903."),
    ("Roemer", "2021", "Roemer, E., Schuberth, F., & Henseler, J. (2021). HTMT2: An improved "
     "criterion for assessing discriminant validity in structural equation modeling. "
     "Industrial Management & Data Systems, 121(12), 2637-2650."),
    ("Rosseel", "2012", "Rosseel, Y. (2012). lavaan: An R package for structural equation "
     "modeling. Journal of Statistical Software, 48(2), 1-36."),
    ("Satorra", "1994", "Satorra, A., & Bentler, P. M. (1994). Corrections to test statistics "
     "and standard errors in covariance structure analysis. In A. von Eye & C. C. Clogg "
     "(Eds.), Latent variables analysis (pp. 399-419). Sage."),
    ("Satorra", "2000", "Satorra, A. (2000). Scaled and adjusted restricted tests in "
     "multi-sample analysis of moment structures. In R. D. H. Heijmans, D. S. G. Pollock, & "
     "A. Satorra (Eds.), Innovations in multivariate statistical analysis (pp. 233-247). "
     "Kluwer."),
    ("Satorra", "2001", "Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square "
     "test statistic for moment structure analysis. Psychometrika, 66(4), 507-514."),
    ("Sclove", "1987", "Sclove, S. L. (1987). Application of model-selection criteria to some "
     "problems in multivariate analysis. Psychometrika, 52(3), 333-343."),
    ("Savalei", "2021", "Savalei, V. (2021). Improving fit indices in structural equation "
     "modeling with categorical data. Multivariate Behavioral Research, 56(3), 390-407."),
    ("Stoel", "2006", "Stoel, R. D., Garre, F. G., Dolan, C., & van den Wittenboer, G. "
     "(2006). On the likelihood ratio test in structural equation modeling when "
     "parameters are subject to boundary constraints. Psychological Methods, 11(4), "
     "439-455."),
    ("Sörbom", "1989", "Sörbom, D. (1989). Model modification. Psychometrika, 54(3), 371-384."),
    ("Student", "1908", "Student. (1908). The probable error of a mean. Biometrika, 6(1), "
     "1-25."),
    ("Vermunt", "2010", "Vermunt, J. K. (2010). Latent class modeling with covariates: Two "
     "improved three-step approaches. Political Analysis, 18(4), 450-469."),
    ("Welch", "1947", "Welch, B. L. (1947). The generalization of 'Student's' problem when "
     "several different population variances are involved. Biometrika, 34(1-2), 28-35."),
    ("Widaman", "2010", "Widaman, K. F., Ferrer, E., & Conger, R. D. (2010). Factorial "
     "invariance within longitudinal structural equation models: Measuring the same construct "
     "across time. Child Development Perspectives, 4(1), 10-18."),
    ("Yuan", "2000", "Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for "
     "mean and covariance structure analysis with nonnormal missing data. Sociological "
     "Methodology, 30(1), 165-200."),
    # PLS-SEM (reports.pls_section)
    ("Aguirre-Urreta", "2018", "Aguirre-Urreta, M. I., & Rönkkö, M. (2018). Statistical "
     "inference with PLSc using bootstrap confidence intervals. MIS Quarterly, 42(3), "
     "1001-1020."),
    ("Chin & Dibbern", "2010", "Chin, W. W., & Dibbern, J. (2010). An introduction to a "
     "permutation based procedure for multi-group PLS analysis: Results of tests of differences on simulated "
     "data and a cross cultural analysis of the sourcing of information system services "
     "between Germany and the USA. In V. Esposito Vinzi, W. W. Chin, J. Henseler, & H. Wang "
     "(Eds.), Handbook of partial least squares (pp. 171-193). Springer."),
    ("Aiken", "1991", "Aiken, L. S., & West, S. G. (1991). Multiple regression: Testing and "
     "interpreting interactions. Sage."),
    ("Fassott", "2016", "Fassott, G., Henseler, J., & Coelho, P. S. (2016). Testing moderating "
     "effects in PLS path models with composite variables. Industrial Management & Data "
     "Systems, 116(9), 1887-1900."),
    ("Henseler", "2010", "Henseler, J., & Chin, W. W. (2010). A comparison of approaches for "
     "the analysis of interaction effects between latent variables using partial least squares "
     "path modeling. Structural Equation Modeling, 17(1), 82-109."),
    ("Cohen", "1988", "Cohen, J. (1988). Statistical power analysis for the behavioral sciences "
     "(2nd ed.). Erlbaum."),
    ("Dijkstra", "2015", "Dijkstra, T. K., & Henseler, J. (2015). Consistent partial least "
     "squares path modeling. MIS Quarterly, 39(2), 297-316."),
    ("Franke", "2019", "Franke, G., & Sarstedt, M. (2019). Heuristics versus statistics in "
     "discriminant validity testing: A comparison of four procedures. Internet Research, 29(3), "
     "430-447."),
    ("Hair", "2019", "Hair, J. F., Risher, J. J., Sarstedt, M., & Ringle, C. M. (2019). When to "
     "use and how to report the results of PLS-SEM. European Business Review, 31(1), 2-24."),
    ("Henseler", "2014", "Henseler, J., Dijkstra, T. K., Sarstedt, M., Ringle, C. M., "
     "Diamantopoulos, A., Straub, D. W., Ketchen, D. J., Hair, J. F., Hult, G. T. M., & "
     "Calantone, R. J. (2014). Common beliefs and reality about PLS: Comments on Rönkkö and "
     "Evermann (2013). Organizational Research Methods, 17(2), 182-209."),
    ("Henseler", "2009", "Henseler, J., Ringle, C. M., & Sinkovics, R. R. (2009). The use of "
     "partial least squares path modeling in international marketing. Advances in "
     "International Marketing, 20, 277-319."),
    ("Henseler", "2016", "Henseler, J., Ringle, C. M., & Sarstedt, M. (2016). Testing "
     "measurement invariance of composites using partial least squares. International "
     "Marketing Review, 33(3), 405-431."),
    ("Lohmöller", "1989", "Lohmöller, J.-B. (1989). Latent variable path modeling with partial "
     "least squares. Physica."),
    ("Martilla", "1977", "Martilla, J. A., & James, J. C. (1977). Importance-performance "
     "analysis. Journal of Marketing, 41(1), 77-79."),
    ("Ringle", "2016", "Ringle, C. M., & Sarstedt, M. (2016). Gain more insight from your "
     "PLS-SEM results: The importance-performance map analysis. Industrial Management & Data "
     "Systems, 116(9), 1865-1886."),
    ("Shmueli", "2016", "Shmueli, G., Ray, S., Velasquez Estrada, J. M., & Chatla, S. B. (2016). "
     "The elephant in the room: Predictive performance of PLS models. Journal of Business "
     "Research, 69(10), 4552-4564."),
    ("Shmueli", "2019", "Shmueli, G., Sarstedt, M., Hair, J. F., Cheah, J.-H., Ting, H., "
     "Vaithilingam, S., & Ringle, C. M. (2019). Predictive model assessment in PLS-SEM: "
     "Guidelines for using PLSpredict. European Journal of Marketing, 53(11), 2322-2347."),
    ("Wold", "1982", "Wold, H. (1982). Soft modeling: The basic design and some extensions. In "
     "K. G. Jöreskog & H. Wold (Eds.), Systems under indirect observation, Part II (pp. 1-54). "
     "North-Holland."),
    ("Zumbo", "2007", "Zumbo, B. D., Gadermann, A. M., & Zeisser, C. (2007). Ordinal versions of "
     "coefficients alpha and theta for Likert rating scales. Journal of Modern Applied "
     "Statistical Methods, 6(1), 21-29."),
)

#: How each screening rule is named in prose.
RULE_WORDS = {"attention": "failed attention checks", "speeder": "speeding",
              "longstring": "long strings of identical answers",
              "irv": "low intra-individual response variability",
              "mahalanobis": "multivariate outliers by Mahalanobis distance",
              "even_odd": "inconsistent even-odd halves", "duplicate": "duplicate responses"}

#: Each estimator in words, with the works it follows.
ESTIMATOR_WORDS = {
    "ML": "maximum likelihood (ML)",
    "MLM": "maximum likelihood with robust standard errors and the Satorra-Bentler scaled test "
           "(MLM; Satorra & Bentler, 1994)",
    "MLR": "maximum likelihood with Huber-White robust standard errors and the Yuan-Bentler "
           "scaled test (MLR; Yuan & Bentler, 2000)",
    "WLSMV": "diagonally weighted least squares on the polychoric correlations of the ordinal "
             "items, with robust standard errors and the mean- and variance-adjusted test "
             "(WLSMV; Muthén et al., 1997; Asparouhov & Muthén, 2010)",
    "DWLS": "diagonally weighted least squares on the polychoric correlations of the ordinal "
            "items (DWLS)",
}


def _n(x: Any) -> str:
    return f"{int(x):,}"


def fit_phrase(fm: dict[str, Any]) -> str:
    """χ²(df) = x, p; CFI; TLI; RMSEA [90% CI]; SRMR, the robust/scaled versions where the fit
    has them (named), as :func:`reports.format.fit_value` picks them."""
    chisq, df, p = (fit_value(fm, k) for k in ("chisq", "df", "pvalue"))
    dfs = apa(df, 0 if float(df).is_integer() else 2)
    kind = fit_kind(fm, "cfi")
    chi_kind = fit_kind(fm, "chisq")
    text = (f"{'scaled ' if chi_kind else ''}χ²({dfs}) = {apa(chisq, 2)}, {apa_p(p, prefix=True)}"
            f"; CFI = {apa(fit_value(fm, 'cfi'), 3, True)}, "
            f"TLI = {apa(fit_value(fm, 'tli'), 3, True)}, "
            f"RMSEA = {apa(fit_value(fm, 'rmsea'), 3, True)} "
            f"{apa_ci(fit_value(fm, 'rmsea.ci.lower'), fit_value(fm, 'rmsea.ci.upper'), 3, True)}"
            + (f" ({kind} versions)" if kind else "")
            + f", SRMR = {apa(fm.get('srmr'), 3, True)}")
    return text


def fit_kind(fm: dict[str, Any], key: str) -> str:
    """"robust", "scaled" or "" for the version of ``key`` that :func:`fit_value` shows."""
    if not uses_robust(fm):
        return ""
    for kind in ("robust", "scaled"):
        v = fm.get(f"{key}.{kind}")
        if v is not None and not is_missing(v):
            return kind
    return ""


def _screening(results: dict) -> str:
    sc = results["screening"]
    settings = results.get("settings", {})
    off = sc.get("not_applied") or {}
    excl_rules = [r for r in sc["settings"]["exclude_rules"] if r not in off]
    by = sc.get("n_excluded_by") or {r: sc["n_flagged"].get(r, 0) for r in excl_rules}
    text = f"{_n(sc['n_read'])} respondents were read against the instrument's codebook"
    used = [(r, n) for r, n in by.items() if n > 0]
    if settings.get("exclude_flagged", True) is False:
        text += (" and screened for careless responding (Meade & Craig, 2012); flagged "
                 "respondents were kept in the analysis")
    elif sc["n_excluded"] > 0 and used:
        text += (f"; {_n(sc['n_excluded'])} were excluded as careless responders (Meade & Craig, "
                 "2012) for " + ", ".join(f"{RULE_WORDS.get(r, r)} ({_n(n)})" for r, n in used))
        if sum(n for _, n in used) > sc["n_excluded"]:
            text += ", a respondent counting under every rule that flagged them"
    else:
        text += ("; screening for careless responding (Meade & Craig, 2012) excluded no one")
    text += "."
    if settings.get("exclude_flagged", True) is not False:
        text += " " + screening_choices(sc["settings"], off)
    skipped = [(r, why) for r, why in off.items() if r in sc["settings"]["exclude_rules"]]
    for r, why in skipped:
        text += f" The rule for {RULE_WORDS.get(r, r.replace('_', ' '))} was not applied ({why})."
    return text


def _p(x: float) -> str:
    """A probability threshold as written in APA style: .001, .01, .05."""
    text = f"{float(x):g}"
    return text[1:] if text.startswith("0.") else text


def _pct(x: float) -> str:
    return f"{100 * float(x):.0f}%" if float(100 * x).is_integer() else f"{100 * float(x):g}%"


def rule_criterion(rule: str, st: dict[str, Any]) -> str:
    """What flags a respondent under ``rule``, in words with the run's threshold."""
    if rule == "attention":
        k = int(st.get("attention_max_failures") or 0)
        return ("failing an attention check" if k == 0 else
                f"failing more than {k} attention check{'s' if k > 1 else ''}")
    if rule == "speeder":
        return (f"speeding (a completion time under {_pct(st.get('speed_fraction', .5))} of "
                "the median)")
    if rule == "longstring":
        if st.get("longstring_max") is not None:
            run = f"more than {int(st['longstring_max'])} items"
        else:
            run = f"more than {_pct(st.get('longstring_fraction', .5))} of the answered items"
        return f"a long string of identical answers ({run} in a row)"
    if rule == "irv":
        text = ("low intra-individual response variability (a standard deviation of the "
                f"answers, rescaled to 0-1, below {apa(st.get('irv_min', .05), 2, True)}")
        if st.get("irv_max") is not None:
            text += f" or above {apa(st['irv_max'], 2, True)}"
        return text + ")"
    if rule == "mahalanobis":
        return ("being a multivariate outlier (Mahalanobis D², "
                f"p < {_p(st.get('mahalanobis_alpha', .001))})")
    if rule == "even_odd":
        low = float(st.get("even_odd_min") or 0.0)
        return ("inconsistent even-odd halves (a Spearman-Brown corrected even-odd correlation "
                f"below {'zero' if low == 0 else apa(low, 2, True)})")
    if rule == "duplicate":
        return ("an answer pattern identical to an earlier respondent's (at least "
                f"{int(st.get('duplicate_min_items') or 10)} items answered)")
    return rule.replace("_", " ")


def _or_list(parts: list[str], word: str = "or") -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {word} " + parts[-1]


def screening_choices(st: dict[str, Any], off: dict[str, str] | None = None) -> str:
    """The screening choices of the run in words: which rules exclude (with thresholds),
    how many flags exclude, which rules only flag. Rules not applied are left to the
    sentence that says why."""
    from analysis.responses.screening import RULES

    off = off or {}
    chosen = list(st.get("exclude_rules", []))
    excl = [r for r in chosen if r not in off]
    only = [r for r in RULES if r not in chosen and r not in off]
    k = int(st.get("min_flags") or 1)
    kept = _or_list([rule_criterion(r, st) for r in only])
    if not excl:
        return ("By choice, no screening rule excluded respondents"
                + (f"; those flagged for {kept} were kept." if only else "."))
    if k > 1 and len(excl) > 1:
        text = (f"Respondents were excluded when flagged by at least {k} of these rules: "
                + _or_list([rule_criterion(r, st) for r in excl], "and") + ".")
    else:
        text = ("Respondents were excluded when flagged for "
                + _or_list([rule_criterion(r, st) for r in excl]) + ".")
    if only:
        text += f" Respondents flagged only for {kept} were kept."
    return text


def _estimation(results: dict) -> str:
    s = results["settings"]
    est = str(s.get("estimator", "ML")).upper()
    words = ESTIMATOR_WORDS.get(est, est)
    return (f"The measurement model (a confirmatory factor analysis) and the structural model "
            f"were estimated by {words}. engagekit fits these models with its own estimators, "
            "which reproduce lavaan's estimates, standard errors and fit measures (Rosseel, "
            "2012; checked against lavaan 0.6.14 in engagekit's tests); lavaan itself was not "
            "run for this report.")


def _fit(results: dict) -> str:
    fm = results["validation"]["cfa"]["fit_measures"]
    text = f"The measurement model fit with {fit_phrase(fm)}"
    eff = results.get("effects") or {}
    sfm = eff.get("fit_measures")
    comp = eff.get("comparison")
    if sfm:
        text += f"; the structural model with {fit_phrase(sfm)}"
    text += "."
    if comp:
        if comp.get("saturated"):
            text += (" The structural model places no constraint on the constructs' "
                     "covariances (it is saturated), so its fit equals its measurement model's.")
        else:
            how = {"satorra.bentler.2001": " (scaled difference test; Satorra & Bentler, 2001)",
                   "satorra.2000": " (scaled and shifted difference test; Satorra, 2000)"}.get(
                comp.get("method"), "")
            text += (f" Against the measurement model of its constructs, the structural model's "
                     f"χ² difference is Δχ²({apa(comp['df.diff'], 0)}) = "
                     f"{apa(comp['chisq.diff'], 2)}, {apa_p(comp['pvalue'], prefix=True)}{how}.")
    if any(fit_kind(f, "cfi") == "robust" for f in (fm, sfm or {})):
        text += (" Robust CFI, TLI and RMSEA follow Brosseau-Liard and Savalei (2014)"
                 + (" and Savalei (2021)" if str(results["settings"].get("estimator", "")).upper()
                    in ("WLSMV", "DWLS") else "") + ".")
    return text


#: The minimum average variance extracted for convergent validity (Fornell & Larcker, 1981).
AVE_MIN = 0.50


def low_ave(results: dict) -> list[tuple[str, float]]:
    """(construct name, AVE) of every construct whose AVE is below .50, in the results' order."""
    names = {c["id"]: c["name"] for c in results["instrument"]["constructs"]}
    out = []
    for r in results["validation"]["validity"]["convergent"]:
        ave = r.get("ave")
        if ave is not None and not is_missing(ave) and float(ave) < AVE_MIN:
            out.append((names.get(r["construct"], r["construct"]), float(ave)))
    return out


def ave_text(ave: float) -> str:
    """An AVE below .50 to two decimals, or three when two would round it up to .50."""
    return apa(ave, 3 if round(ave, 2) >= AVE_MIN else 2, True)


def _reliability(results: dict) -> str:
    val = results["validation"]
    ordinal = any(r.get("ordinal_alpha") is not None for r in val["reliability"])
    text = ("Reliability was assessed with Cronbach's alpha (Feldt CI; Feldt et al., 1987), "
            "McDonald's omega (McDonald, 1999) and composite reliability")
    if any(r.get("omega_latent") is not None for r in val["reliability"]):
        text += (" (for the ordinal items: omega of the observed sum score, Green & Yang, 2009, "
                 "and of the latent responses)")
    if ordinal:
        text += (", and, for the Likert items, ordinal alpha and omega from polychoric "
                 "correlations (Zumbo et al., 2007; Gadermann et al., 2012)")
    ht = val["validity"]["htmt"]
    if ht is None:  # one construct: nothing to discriminate it from
        return (text + "; discriminant validity needs two constructs and was not assessed."
                + _ave_sentence(results))
    text += (f"; discriminant validity with the Fornell-Larcker criterion (Fornell & Larcker, "
             f"1981) and HTMT/HTMT2 with {_n(ht['n_boot'])} bootstrap resamples (Henseler et al., "
             f"2015; Roemer et al., 2021).")
    return text + _ave_sentence(results)


def _ave_sentence(results: dict) -> str:
    """" The average variance extracted (AVE) was below .50 ... for X (.47)." or ""."""
    low = low_ave(results)
    if not low:
        return ""
    which = _and([f"{n} ({ave_text(a)})" for n, a in low])
    return (" The average variance extracted (AVE) was below the .50 that Fornell and Larcker "
            f"(1981) require for convergent validity for {which}, so the convergent validity "
            + ("of this construct is" if len(low) == 1 else "of these constructs is")
            + " not supported.")


def _method_bias(results: dict) -> str:
    mb = results["validation"].get("method_bias") or {}
    parts = []
    if mb.get("harman"):
        parts.append("Harman's single-factor test")
    if mb.get("full_collinearity_vif"):
        parts.append("full-collinearity VIFs (Kock, 2015)")
    if (mb.get("ulmc") or {}).get("fitted"):
        parts.append("an unmeasured latent method factor")
    if not parts:
        return ""
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Common-method variance was checked with {joined} (Podsakoff et al., 2003)."


def _invariance(results: dict) -> str:
    inv = results["validation"].get("invariance")
    out = []
    if inv:
        levels = [r["model"] for r in inv["table"]]
        out.append(f"Measurement invariance across {inv['group']} was tested by multi-group "
                   f"CFAs ({', '.join(levels)}), a level holding when ΔCFI ≥ −.01 (Cheung & "
                   "Rensvold, 2002) and ΔRMSEA ≤ .015 (Chen, 2007).")
        if inv.get("partial"):
            from .longinv_section import group_partial_methods

            out.append(group_partial_methods(inv))
    g = results.get("groups")
    if g:
        free = g.get("free_loadings") or []
        out.append(f"The structural paths were compared across {g['group']} with the loadings "
                   "held equal"
                   + (f" except {', '.join(free)} (partial metric invariance)" if free else "")
                   + " (χ² difference test of equal paths).")
    for item in results.get("not_run") or []:
        out.append(f"Not run: {item['analysis']} ({item['reason']}).")
    return " ".join(out)


def _effects(results: dict) -> str:
    eff = results["effects"]
    boot = eff.get("bootstrap") or {}
    n_boot = int(boot.get("n_boot") or 0)
    if n_boot > 0:
        ci = "bias-corrected and accelerated (BCa; Efron, 1987)" if any(
            "bca.lower" in e for e in eff["effects"]) else "percentile"
        text = (f"Direct, indirect and total effects were computed from the structural model; "
                f"their 95% confidence intervals are {ci} intervals from {_n(n_boot)} bootstrap "
                f"resamples (seed {boot['seed']})")
        failed, inadm = int(boot.get("n_failed") or 0), int(boot.get("n_inadmissible") or 0)
        if failed:
            text += f"; {_n(failed)} did not converge and were left out"
        if inadm:
            text += (f"; {_n(inadm)} gave an inadmissible solution (lavaan's post-fit check: a "
                     "negative variance or a covariance matrix that is not positive definite) "
                     + ("and were kept, as lavaan 0.6.14 keeps them" if boot.get(
                         "inadmissible_kept") else "and were left out"))
        text += (". An effect is called significant when its interval excludes zero, in the "
                 "tables and the path diagram alike; delta-method p values are shown beside the "
                 "intervals, labelled as such.")
        if boot.get("unstable"):
            text += (f" With more than {boot.get('max_failed_share', .1):.0%} of the resamples "
                     "failed or inadmissible, the model is unstable: its intervals are not "
                     "trustworthy and no driver is ranked.")
    else:
        robust = str(results["settings"].get("estimator", "ML")).upper() != "ML"
        text = ("Direct, indirect and total effects were computed from the structural model "
                "with delta-method (Wald) 95% confidence intervals"
                + (" from robust standard errors" if robust else "") + "; "
                + (f"no bootstrap was run ({boot['skipped']})" if boot.get("skipped")
                   else "no bootstrap was run")
                + ". An effect is called significant when its interval excludes zero, in the "
                  "tables and the path diagram alike.")
    return text


def _drivers(results: dict) -> str:
    obs = results.get("observed") or {}
    out = []
    if obs.get("equations"):
        out.append("Driver analysis used general dominance weights (Azen & Budescu, 2003) and "
                   "relative weights (Johnson, 2000) on scale scores.")
    maps = obs.get("ipma") or []
    if maps:
        out.append("Importance-performance maps (Martilla & James, 1977) plot each driver's "
                   "standardized total effect on the final outcome against its mean score "
                   "rescaled to 0-100 by the scale's end points; " + IPMA_REVERSED + "."
                   + ipma_lower_text(results, [m["outcome"] for m in maps
                                               if m.get("higher_is_better") is False]))
    if results.get("interaction"):
        out.append("A latent interaction was estimated as requested.")
    return " ".join(out)


def ipma_lower_text(results: dict, outcomes: list[str]) -> str:
    """The methods sentence on outcomes a company wants less of (empty when there are none)."""
    if not outcomes:
        return ""
    names = {c["id"]: c["name"] for c in results["instrument"]["constructs"]}
    which = _and([str(names.get(o, o)).lower() for o in outcomes])
    return (f" The instrument marks {which} as an outcome to lower: its map reads each "
            "driver's effect on lowering it.")


#: How the maps read a driver with a negative effect (reports/ipma.py), in the methods text.
IPMA_REVERSED = ("a driver with a negative total effect was read reversed, its importance the "
                 "size of its effect and its performance 100 minus its score, as the map "
                 "assumes more of every driver is better (Ringle & Sarstedt, 2016)")


#: The cross-check's comparison rows summed up in the methods text, in words.
CROSSCHECK_KINDS = (("estimates", ("loadings", "paths", "(co)variances")),
                    ("standard errors", ("standard errors",)), ("chi-square", ("chisq",)))


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _crosscheck(results: dict) -> str:
    """What was refitted with a second implementation (semopy) and how closely it agreed;
    nothing when no cross-check ran."""
    checks = (results.get("crosscheck") or {}).get("checks") or []
    compared = [c for c in checks if c["status"] in ("agree", "differ")]
    text = ""
    if compared:
        largest, tolerance = {}, {}
        for label, kinds in CROSSCHECK_KINDS:
            rows = [r for c in compared for r in c["comparisons"]
                    if r["what"] in kinds and r["max_abs_diff"] is not None]
            if rows:
                largest[label] = max(r["max_abs_diff"] for r in rows)
                tolerance[label] = max(r["tolerance"] for r in rows)
        flagged = [f"{f['parameter']} ({f['ours']:.4g} here, {f['theirs']:.4g} in semopy)"
                   for c in compared for f in c["flagged"]]
        text = (f"As a check on the estimation, the {' and the '.join(c['model'] for c in compared)}"
                f" {'was' if len(compared) == 1 else 'were'} refitted with semopy "
                f"{compared[0]['version']} (Igolkina & Meshcheryakov, 2020), an independent "
                "implementation of maximum likelihood estimation, on the same model and cases; "
                "the largest absolute differences were "
                + _and([f"{v:.0e} in the {k}" for k, v in largest.items()])
                + " (tolerances " + _and([f"{v:g}" for v in tolerance.values()]) + "): "
                + (f"{len(flagged)} difference(s) beyond tolerance: {'; '.join(flagged)}."
                   if flagged else "every difference was within tolerance."))
    skipped = [f"the {c['model']} was not compared: {c['reason']}" for c in checks
               if c not in compared]
    if skipped:
        text += (" " if text else "") + "Cross-check with semopy: " + "; ".join(skipped) + "."
    return text


def _analysed(results: dict, n: int) -> str:
    """Who the analyses rest on: the kept N when no one had a missing answer, else how many had
    one, how they were handled (chosen or the default) and the N of the CFA and the structural
    model (:func:`analysis.samples.describe_missing` says the same in the terminal)."""
    samples = results.get("samples") or {}
    md = results.get("missing_data") or {}
    touched = int(md.get("n_incomplete") or 0)
    tail = "reverse-keyed items were scored from their declared scales."
    if not samples or not touched:
        return f"{_n(n)} respondents were analysed; {tail}"
    cfa, sem = samples.get("cfa"), samples.get("structural")
    models = [(what, r) for what, r in (("the confirmatory factor analysis", cfa),
                                        ("the structural model", sem)) if r is not None]
    rests = " and ".join(f"{what} on {_n(r['n'])}" for what, r in models)
    text = (f"{_n(n)} respondents were kept; {_n(touched)} of them left at least one item of "
            "the models unanswered. ")
    if md.get("method") == "fiml":
        text += ("Missing answers were handled by full-information maximum likelihood (FIML; "
                 f"Arbuckle, 1996), so every answer was used ({rests} respondents); alpha "
                 "(Enders, 2003), omega, AVE, HTMT and Harman's test were computed from the "
                 "same fit's EM (saturated-model) covariances")
        ordinal = samples.get("ordinal")
        if ordinal is not None and ordinal["missing"] != "complete":
            text += (", and the ordinal alpha and omega, which need complete answers, from the "
                     f"respondents who answered every item of a construct (n ≥ {_n(ordinal['n'])})")
        text += "."
    else:
        text += (("No missing-data handling was chosen, so the default applied: " if not
                  md.get("chosen", True) else "") + "respondents with a missing answer were "
                 f"left out of every model-based analysis (listwise deletion): {rests} "
                 "respondents, those who answered every item involved.")
    return f"{text} Reverse-keyed items were scored from their declared scales."


def methods_text(results: dict, title: str) -> str:
    """The methods paragraph: one clause per analysis that ran, citing what it follows.
    ``title``: the instrument's title as the page shows it."""
    from .crosslag_section import crosslag_methods
    from .longinv_section import longinv_methods
    from .profiles_section import profiles_methods
    from .waves_section import waves_methods
    inst = results["instrument"]
    sw = results["software"]
    sc = results["screening"]
    kept = results.get("settings", {}).get("exclude_flagged", True) is not False
    parts = [f"Responses to {title} (instrument {inst['id']} {inst['version']}) were analysed.",
             _screening(results),
             _analysed(results, sc['n_kept'] if kept else sc['n_read']),
             _estimation(results), _fit(results), _reliability(results),
             _method_bias(results), _invariance(results), _effects(results), _drivers(results),
             _crosscheck(results), waves_methods(results), longinv_methods(results),
             crosslag_methods(results), profiles_methods(results),
             f"Software: engagekit {sw.get('engagekit')}, Python {sw.get('python')}, numpy "
             f"{sw.get('numpy')}, pandas {sw.get('pandas')}, scipy {sw.get('scipy')}, "
             f"statsmodels {sw.get('statsmodels')}."]
    return " ".join(p for p in parts if p)


def _cites(text: str, author: str, year: str) -> bool:
    return re.search(rf"\b{re.escape(author)}\b[^();]{{0,80}}?[(,] ?{year}\b", text) is not None


def cited_references(texts: Iterable[str], extra: Iterable[str] = ()) -> list[str]:
    """The full references whose author-year citation occurs in ``texts``, plus ``extra``
    (e.g. the instrument's own citations), sorted."""
    blob = " ".join(t for t in texts if t)
    refs = [ref for author, year, ref in REFERENCES if _cites(blob, author, year)]
    return sorted(set(refs) | set(extra))


__all__ = ["AVE_MIN", "REFERENCES", "ave_text", "cited_references", "fit_kind", "fit_phrase",
           "low_ave", "methods_text"]
