"""APA-style (7th ed.) number formatting and HTML tables for the report.

Pure functions: plain numbers / records in, strings out. The rules:

* a true minus sign (U+2212) for negative numbers, never a hyphen; a value that rounds to zero
  has no sign ("0.00", not "−0.00");
* rounding is half away from zero on the decimal value as written (``.125`` -> ``.13``), not
  binary round-half-even (Python's ``round(0.125, 2) == 0.12``);
* no leading zero for statistics that cannot exceed 1 in absolute value (``bounded=True``:
  correlations, alpha, omega, CFI/TLI, RMSEA, SRMR, proportions, p values): ``.05``, ``−.50``;
* p values to three decimals without a leading zero, ``< .001`` below that and ``> .999`` above;
* missing values (None, NaN) show as an em dash, the APA mark for an empty cell.

:func:`table_html` builds an APA-style table (caption above, note below, numbers right-aligned
via the ``num`` CSS class, ``<th scope>``); every cell, header, caption and note is escaped unless
it is already :class:`markupsafe.Markup`. It returns ``Markup`` (a ``str`` subclass) so Jinja2's
autoescape inserts it as HTML without ``|safe``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from markupsafe import Markup, escape

MINUS = "\u2212"
DASH = "\u2014"  # em dash: an empty / missing cell in APA tables
STAR_LEVELS: tuple[tuple[float, str], ...] = ((0.001, "***"), (0.01, "**"), (0.05, "*"))

__all__ = [
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
    "table_html",
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


# --------------------------------------------------------------------------- tables

Formatter = Callable[[Any], str]


def _formatter(spec: Any) -> Formatter:
    """A cell formatter from a ``number_formats`` spec.

    ``int`` n -> ``apa(x, n)``; ``"bounded"`` / ``"bounded:3"`` -> no leading zero; ``"p"`` /
    ``"p:2"`` -> :func:`apa_p`; ``"int"`` -> :func:`apa_int`; ``"pct"`` / ``"pct:0"`` -> percent
    (0-100); ``"prop"`` -> percent of a 0-1 proportion; ``"stars"`` -> stars from a p value;
    ``"text"`` -> ``str``; a callable is used as is (its result is escaped unless Markup).
    """
    if callable(spec):
        return spec
    if isinstance(spec, bool):
        raise ValueError(f"unknown number format {spec!r}")
    if isinstance(spec, numbers.Integral):
        n = int(spec)
        return lambda x: apa(x, n)
    if isinstance(spec, str):
        name, _, arg = spec.partition(":")
        n = int(arg) if arg else None
        if name in ("bounded", "r"):
            return lambda x: apa(x, 2 if n is None else n, bounded=True)
        if name in ("decimal", "f"):
            return lambda x: apa(x, 2 if n is None else n)
        if name == "p":
            return lambda x: apa_p(x, 3 if n is None else n)
        if name == "int":
            return apa_int
        if name == "pct":
            return lambda x: apa_pct(x, 1 if n is None else n)
        if name == "prop":
            return lambda x: apa_pct(x, 1 if n is None else n, proportion=True)
        if name == "stars":
            return stars
        if name == "text":
            return lambda x: DASH if is_missing(x) else str(x)
    raise ValueError(f"unknown number format {spec!r}; use an int (decimals), 'bounded[:n]', "
                     "'p[:n]', 'int', 'pct[:n]', 'prop[:n]', 'stars', 'text' or a callable")


_NUMERIC_SPECS = ("bounded", "r", "decimal", "f", "p", "int", "pct", "prop")


def _is_numeric_spec(spec: Any) -> bool:
    if isinstance(spec, numbers.Integral) and not isinstance(spec, bool):
        return True
    return isinstance(spec, str) and spec.partition(":")[0] in _NUMERIC_SPECS


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _records(data: Any) -> tuple[list[dict], list[str]]:
    """Rows as dicts and the column order, from a DataFrame, a list of dicts or a dict of lists."""
    if hasattr(data, "to_dict") and hasattr(data, "columns"):  # pandas DataFrame
        cols = [str(c) for c in data.columns]
        rows = [dict(zip(cols, r, strict=True)) for r in data.itertuples(index=False, name=None)]
        return rows, cols
    if isinstance(data, Mapping):  # dict of columns
        cols = [str(c) for c in data]
        lengths = {len(v) for v in data.values()}
        if len(lengths) > 1:
            raise ValueError("table_html: the columns of a dict of lists differ in length")
        n = lengths.pop() if lengths else 0
        return [{c: data[c][i] for c in data} for i in range(n)], cols
    rows = [dict(r) for r in data]
    cols: list[str] = []
    for r in rows:
        cols.extend(c for c in r if c not in cols)
    return rows, cols


def _columns(spec: Any, available: list[str]) -> list[tuple[str, Any]]:
    if spec is None:
        return [(c, c) for c in available]
    if isinstance(spec, Mapping):
        return [(str(k), v) for k, v in spec.items()]
    out = []
    for c in spec:
        if isinstance(c, (tuple, list)):
            out.append((str(c[0]), c[1]))
        else:
            out.append((str(c), str(c)))
    return out


def _default_format(values: Iterable[Any]) -> tuple[Formatter, bool]:
    vals = [v for v in values if not is_missing(v)]
    if vals and all(_is_number(v) for v in vals):
        if all(isinstance(v, numbers.Integral) for v in vals):
            return apa_int, True
        return (lambda x: apa(x, 2)), True
    return (lambda x: DASH if is_missing(x) else str(x)), False


def table_html(
    data: Any,
    columns: Sequence[Any] | Mapping[str, Any] | None = None,
    caption: str | None = None,
    number_formats: Mapping[str, Any] | None = None,
    note: str | None = None,
    *,
    label: str | None = None,
    table_id: str | None = None,
    row_header: bool = True,
    index: bool = False,
) -> Markup:
    """An APA-style HTML table from a DataFrame, a list of row dicts or a dict of columns.

    ``columns``: the keys to show, in order, as a list, a ``{key: header}`` dict or
    ``(key, header)`` pairs (default: every column). ``number_formats``: ``{key: spec}`` with a
    spec as in :func:`_formatter` (an ``int`` is a number of decimals, ``"bounded"`` drops the
    leading zero, ``"p"`` formats p values, ``"int"`` counts, ...); columns without a spec are
    formatted by content (integers with separators, other numbers with 2 decimals, the rest as
    text). Numeric columns get ``class="num"`` (right-aligned by the report's CSS).
    ``caption`` goes above (``label`` such as "Table 2" on its own line, APA style) and
    ``note`` below as "*Note.* ...". The first column is a row header (``<th scope="row">``)
    unless ``row_header=False``; ``index=True`` shows a DataFrame's index as the first column
    (a correlation or HTMT matrix). Everything is escaped; pass ``Markup`` for trusted HTML.
    """
    if index and hasattr(data, "reset_index"):
        data = data.reset_index()
    rows, available = _records(data)
    cols = _columns(columns, available)
    number_formats = dict(number_formats or {})
    unknown = [k for k in number_formats if k not in {c for c, _ in cols}]
    if unknown:
        raise ValueError(f"table_html: number_formats for columns not shown: {unknown}")
    fmts: list[tuple[Formatter, bool]] = []
    for key, _ in cols:
        if key in number_formats:
            spec = number_formats[key]
            numeric = _is_numeric_spec(spec) or (
                callable(spec) and any(_is_number(r.get(key)) for r in rows))
            fmts.append((_formatter(spec), numeric))
        else:
            fmts.append(_default_format(r.get(key) for r in rows))

    out: list[str] = ['<div class="apa-table">']
    scroll_attrs = ' class="table-scroll" tabindex="0" role="region"'
    cap_id = f"{table_id}-caption" if table_id else None
    if caption is not None or label is not None:
        if cap_id:
            scroll_attrs += f' aria-labelledby="{escape(cap_id)}"'
        else:
            scroll_attrs += f' aria-label="{escape(" ".join(x for x in (label, caption) if x))}"'
    else:
        scroll_attrs += ' aria-label="table"'
    out.append(f"<div{scroll_attrs}>")
    tid = f' id="{escape(table_id)}"' if table_id else ""
    out.append(f"<table{tid}>")
    if caption is not None or label is not None:
        cid = f' id="{escape(cap_id)}"' if cap_id else ""
        parts = []
        if label:
            parts.append(f'<span class="table-label">{escape(label)}</span>')
        if caption:
            parts.append(f'<span class="table-title">{escape(caption)}</span>')
        out.append(f"<caption{cid}>{''.join(parts)}</caption>")
    out.append("<thead><tr>")
    for (_, header), (_, numeric) in zip(cols, fmts, strict=True):
        cls = ' class="num"' if numeric else ""
        out.append(f'<th scope="col"{cls}>{escape(header)}</th>')
    out.append("</tr></thead>")
    out.append("<tbody>")
    for r in rows:
        out.append("<tr>")
        for j, ((key, _), (fmt, numeric)) in enumerate(zip(cols, fmts, strict=True)):
            value = r.get(key)
            text = escape(fmt(value))
            cls = ' class="num"' if numeric else ""
            if j == 0 and row_header:
                out.append(f'<th scope="row"{cls}>{text}</th>')
            else:
                out.append(f"<td{cls}>{text}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    if note:
        out.append(f'<p class="table-note"><em>Note.</em> {escape(note)}</p>')
    out.append("</div>")
    return Markup("".join(out))
