"""APA-style (7th ed.) number formatting for the report.

Pure functions: plain numbers / records in, strings out. The rules:

* a true minus sign (U+2212) for negative numbers, never a hyphen; a value that rounds to zero
  has no sign ("0.00", not "−0.00");
* rounding is half away from zero on the decimal value as written (``.125`` -> ``.13``), not
  binary round-half-even (Python's ``round(0.125, 2) == 0.12``);
* no leading zero for statistics that cannot exceed 1 in absolute value (``bounded=True``:
  correlations, alpha, omega, CFI/TLI, RMSEA, SRMR, proportions, p values): ``.05``, ``−.50``;
* p values to three decimals without a leading zero, ``< .001`` below that and ``> .999`` above;
* missing values (None, NaN) show as an em dash, the APA mark for an empty cell.

:mod:`reports.tables` builds the report's tables with these rules.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

MINUS = "\u2212"
DASH = "\u2014"  # em dash: an empty / missing cell in APA tables
STAR_LEVELS: tuple[tuple[float, str], ...] = ((0.001, "***"), (0.01, "**"), (0.05, "*"))

__all__ = [
    "screened_counts",
    "screening_clause",
    "screening_line",
    "DASH",
    "MINUS",
    "STAR_LEVELS",
    "apa",
    "apa_ci",
    "apa_coef",
    "apa_int",
    "apa_p",
    "apa_pct",
    "FIT_CUTOFFS",
    "fit_badges",
    "fit_value",
    "is_missing",
    "stars",
    "uses_robust",
]


def is_missing(x: Any) -> bool:
    """True for None, NaN and pandas' NA/NaT (anything that is not a real number or text)."""
    if x is None:
        return True
    try:
        return bool(x != x)  # NaN, pd.NA raises TypeError on bool()
    except TypeError:
        return True


def _decimal(x: float) -> Decimal:
    # repr() gives the shortest decimal that round-trips, so .0456 is 0.0456, not 0.04559999...
    return Decimal(repr(float(x)))


def _round(x: float, decimals: int) -> Decimal:
    q = Decimal(1).scaleb(-decimals) if decimals > 0 else Decimal(1)
    return _decimal(x).quantize(q, rounding=ROUND_HALF_UP)


def apa(x: Any, decimals: int = 2, bounded: bool = False, *, thousands: bool = True) -> str:
    """A number in APA style: ``apa(-0.5) == "−0.50"``, ``apa(.0456, bounded=True) == ".05"``.

    ``bounded=True`` drops the leading zero (statistics that cannot exceed 1 in absolute value).
    ``thousands`` adds comma separators to the integer part (``1,234.50``). None/NaN -> em dash;
    infinities -> ``∞`` / ``−∞``.
    """
    if is_missing(x):
        return DASH
    try:
        xf = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isinf(xf):
        return "\u221e" if xf > 0 else MINUS + "\u221e"
    try:
        d = _round(xf, decimals)
    except InvalidOperation:  # pragma: no cover - absurd magnitudes
        return str(xf)
    negative = d < 0 and d != 0
    body = f"{abs(d):,.{decimals}f}" if thousands else f"{abs(d):.{decimals}f}"
    if bounded and body.startswith("0.") and decimals > 0:
        body = body[1:]
    return (MINUS if negative else "") + body


def apa_int(x: Any) -> str:
    """An integer count with thousands separators: ``1234 -> "1,234"``; None/NaN -> em dash."""
    if is_missing(x):
        return DASH
    n = int(_round(float(x), 0))
    return (MINUS if n < 0 else "") + f"{abs(n):,}"


def apa_p(p: Any, decimals: int = 3, *, prefix: bool = False) -> str:
    """A p value: ``.032``, ``< .001``, ``> .999`` (``prefix=True``: ``p = .032``, ``p < .001``).

    Three decimals by default (APA 7); values below ``10**-decimals`` are reported as ``<``.
    """
    if is_missing(p):
        return DASH
    pf = float(p)
    if not 0.0 <= pf <= 1.0:
        raise ValueError(f"p value {pf!r} is outside [0, 1]")
    floor = 10.0**-decimals
    if pf < floor:
        body = "< " + apa(floor, decimals, bounded=True)
    elif _round(pf, decimals) >= 1:
        body = "> " + apa(1 - floor, decimals, bounded=True)
    else:
        body = apa(pf, decimals, bounded=True)
    if not prefix:
        return body
    return "p " + body if body[0] in "<>" else "p = " + body


def apa_ci(lower: Any, upper: Any, decimals: int = 2, bounded: bool = False) -> str:
    """A confidence interval in brackets: ``apa_ci(.123, .341, bounded=True) == "[.12, .34]"``."""
    return f"[{apa(lower, decimals, bounded)}, {apa(upper, decimals, bounded)}]"


def apa_pct(x: Any, decimals: int = 1, *, proportion: bool = False) -> str:
    """A percentage: ``apa_pct(41.04) == "41.0%"``; ``proportion=True`` takes 0-1 (``.41``)."""
    if is_missing(x):
        return DASH
    xf = float(x) * (100.0 if proportion else 1.0)
    return apa(xf, decimals) + "%"


def stars(p: Any, levels: Sequence[tuple[float, str]] = STAR_LEVELS) -> str:
    """Significance stars: ``***`` p < .001, ``**`` p < .01, ``*`` p < .05, else ``""``."""
    if is_missing(p):
        return ""
    pf = float(p)
    for cut, mark in sorted(levels, key=lambda lv: lv[0]):
        if pf < cut:
            return mark
    return ""


def apa_coef(estimate: Any, p: Any = None, decimals: int = 2, bounded: bool = False) -> str:
    """A coefficient with its significance stars: ``apa_coef(-0.183, .003) == "−0.18**"``."""
    return apa(estimate, decimals, bounded) + stars(p)


# --------------------------------------------------------------------------- fit badges

# (name, lavaan key, direction, Hu & Bentler (1999) cut-off, looser "acceptable" bound, source)
_FIT_RULES = (
    ("CFI", "cfi", ">=", 0.95, 0.90, "Bentler (1990)"),
    ("TLI", "tli", ">=", 0.95, 0.90, "Bentler & Bonett (1980)"),
    ("RMSEA", "rmsea", "<=", 0.06, 0.08, "Browne & Cudeck (1993)"),
    ("SRMR", "srmr", "<=", 0.08, 0.10, "Hu & Bentler (1999)"),
)


#: Default cut-offs ``{measure: (cut-off, looser bound)}`` of :data:`_FIT_RULES`.
FIT_CUTOFFS: dict[str, tuple[float, float]] = {key: (cut, loose)
                                               for _, key, _, cut, loose, _ in _FIT_RULES}


def uses_robust(measures: Mapping[str, Any]) -> bool:
    """True when the fit has robust (MLM/MLR) or scaled (WLSMV) versions of the indices."""
    return "cfi.robust" in measures or "cfi.scaled" in measures


def fit_value(measures: Mapping[str, Any], key: str, robust: bool | None = None) -> Any:
    """``measures[key]``, or its ``.robust`` / ``.scaled`` version when the fit has one and
    ``robust`` (default: :func:`uses_robust`); None when absent or missing."""
    use = uses_robust(measures) if robust is None else robust
    for k in ((f"{key}.robust", f"{key}.scaled", key) if use else (key,)):
        if k in measures and not is_missing(measures[k]):
            return measures[k]
    return None


def fit_badges(measures: Mapping[str, Any], *, robust: bool | None = None,
               cutoffs: Mapping[str, Sequence[float]] | None = None) -> list[dict]:
    """Badges (``{"status", "text", "detail"}``) for the fit measures of a SEM / CFA.

    ``measures`` uses lavaan's names (``chisq``, ``df``, ``pvalue``, ``cfi``, ``tli``,
    ``rmsea``, ``rmsea.ci.lower``, ``rmsea.ci.upper``, ``srmr``; ``robust=True`` — or None
    when ``cfi.robust`` is present — takes the ``.robust`` / ``.scaled`` versions). CFI and
    TLI pass at >= .95, RMSEA at <= .06 and SRMR at <= .08 (Hu & Bentler, 1999); between
    those and .90 / .08 / .10 they warn, beyond they fail. The chi-square test passes when
    exact fit is not rejected and is otherwise shown for information (it rejects trivial
    misfit in large samples). Measures that are absent are skipped. ``cutoffs`` replaces
    (cut-off, looser bound) per measure, e.g. ``{"cfi": (.90, .85)}`` (default
    :data:`FIT_CUTOFFS`).
    """
    limits = {**FIT_CUTOFFS, **{k: tuple(v) for k, v in (cutoffs or {}).items()}}

    def get(key: str) -> Any:
        return fit_value(measures, key, robust)

    out: list[dict] = []
    chisq, df, p = get("chisq"), get("df"), get("pvalue")
    if chisq is not None and df is not None:
        text = f"\u03c7\u00b2({apa(df, 0 if float(df).is_integer() else 2)}) = {apa(chisq, 2)}"
        if p is not None:
            text += ", " + apa_p(p, prefix=True)
        ok = p is not None and float(p) >= 0.05
        out.append({"status": "pass" if ok else "info", "text": text,
                    "detail": "exact fit not rejected" if ok else
                    "exact fit rejected (the test flags trivial misfit in large samples)"})
    for name, key, direction, _cut, _loose, source in _FIT_RULES:
        cut, loose = limits[key]
        default = (cut, loose) == FIT_CUTOFFS[key]
        v = get(key)
        if v is None:
            continue
        v = float(v)
        text = f"{name} = {apa(v, 3, bounded=True)}"
        if key == "rmsea":
            lo, hi = get("rmsea.ci.lower"), get("rmsea.ci.upper")
            if lo is not None and hi is not None:
                text += " " + apa_ci(lo, hi, 3, bounded=True)
        sym = "\u2265" if direction == ">=" else "\u2264"
        meets = v >= cut if direction == ">=" else v <= cut
        near = v >= loose if direction == ">=" else v <= loose
        bound = f"{sym} {apa(cut, 2, bounded=True)}"
        whose = "Hu & Bentler (1999) cut-off" if default else "the chosen cut-off"
        if meets:
            status, detail = "pass", f"meets {whose} ({bound})"
        elif near:
            status = "warn"
            detail = (f"misses {whose} ({bound}); within the looser "
                      f"{sym} {apa(loose, 2, bounded=True)}"
                      + (f" ({source})" if default else ""))
        else:
            status = "fail"
            detail = f"misses {whose} ({bound}) and {sym} {apa(loose, 2, bounded=True)}"
        out.append({"status": status, "text": text, "detail": detail})
    return out


def screened_counts(results: Mapping[str, Any]) -> tuple[int, int]:
    """Respondents kept and excluded by screening as the run used them: with
    ``--keep-flagged`` (``settings.exclude_flagged`` False) everyone read is kept and nobody
    excluded, although ``screening`` still counts whom the rules would exclude.

    >>> screened_counts({"screening": {"n_read": 10, "n_kept": 8, "n_excluded": 2},
    ...                  "settings": {"exclude_flagged": False}})
    (10, 0)
    """
    sc = results["screening"]
    if (results.get("settings") or {}).get("exclude_flagged", True) is False:
        return int(sc["n_read"]), 0
    return int(sc["n_kept"]), int(sc["n_excluded"])


def screening_clause(results: Mapping[str, Any]) -> str:
    """What screening did, for the terminal: ``"15 excluded by screening"``, or with
    ``--keep-flagged`` ``"33 flagged by screening, all kept with --keep-flagged"``.

    >>> screening_clause({"screening": {"n_read": 10, "n_kept": 8, "n_excluded": 2,
    ...                                 "n_flagged_any": 3}, "settings": {}})
    '2 excluded by screening'
    """
    sc = results["screening"]
    if screened_counts(results)[1] == 0 and sc["n_excluded"]:
        return f"{int(sc['n_flagged_any']):,} flagged by screening, all kept with --keep-flagged"
    return f"{int(sc['n_excluded']):,} excluded by screening"


def screening_line(results: Mapping[str, Any]) -> str:
    """``"600 respondents read, 15 excluded by screening"`` (:func:`screening_clause`)."""
    return f"{results['screening']['n_read']} respondents read, {screening_clause(results)}"
