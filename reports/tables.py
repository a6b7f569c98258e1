"""The report's tables as plain data: one model that the HTML page, Word, Excel and LaTeX render.

:func:`build_table` turns a table block of the report context (rows, the columns to show, the
number formats, caption and note) into a :class:`Table`: every cell holds the text the report
displays *and*, for a number, the value behind it with its number format. The HTML report
(:func:`table_markup`, used by :func:`table_html`) and the manuscript writers
(:mod:`reports.manuscript`) all render this one model, so the numbers in a Word, Excel or
LaTeX table are those of the HTML report by construction.

A row value may itself be a :class:`Cell` (text already formatted, with its number): the fit
table does this, because its columns mix counts, chi-squares, p values and indices.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from . import format as fmt

__all__ = ["Cell", "Column", "Table", "build_table", "excel_format", "table_html",
           "table_markup"]


@dataclass(frozen=True)
class Cell:
    """One table cell: ``text`` as displayed; for a number, its ``value`` and the number format
    (a ``number_formats`` spec of :func:`table_html`: ``3``, ``"bounded:3"``,
    ``"p"``, ``"int"``, ...) that turned it into ``text``. Text and missing cells have
    ``value=None``. ``strong`` cells are set in bold (HTML ``<strong>``, Word, Excel,
    LaTeX)."""

    text: str
    value: float | int | None = None
    spec: Any = None
    strong: bool = False  # shown in bold (e.g. an item's loading on its own construct)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Column:
    """A column: its key in the rows, its header and whether it holds numbers (right-aligned,
    ``class="num"`` in HTML)."""

    key: str
    header: str
    numeric: bool


@dataclass(frozen=True)
class Table:
    """An APA table: "Table N" ``label``, the ``caption`` (its italic title), the columns, the
    rows of cells and the ``note`` printed under it as "*Note.* ..."."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: str | None = None
    note: str | None = None
    label: str | None = None
    table_id: str | None = None
    row_header: bool = True

    def texts(self) -> list[list[str]]:
        """The header row and every body row as the displayed strings."""
        return [[c.header for c in self.columns]] + [[c.text for c in r] for r in self.rows]


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
        return lambda x: fmt.apa(x, n)
    if isinstance(spec, str):
        name, _, arg = spec.partition(":")
        n = int(arg) if arg else None
        if name in ("bounded", "r"):
            return lambda x: fmt.apa(x, 2 if n is None else n, bounded=True)
        if name in ("decimal", "f"):
            return lambda x: fmt.apa(x, 2 if n is None else n)
        if name == "p":
            return lambda x: fmt.apa_p(x, 3 if n is None else n)
        if name == "int":
            return fmt.apa_int
        if name == "pct":
            return lambda x: fmt.apa_pct(x, 1 if n is None else n)
        if name == "prop":
            return lambda x: fmt.apa_pct(x, 1 if n is None else n, proportion=True)
        if name == "stars":
            return fmt.stars
        if name == "text":
            return lambda x: fmt.DASH if fmt.is_missing(x) else str(x)
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
    vals = [v for v in values if not fmt.is_missing(v)]
    if vals and all(_is_number(v) for v in vals):
        if all(isinstance(v, numbers.Integral) for v in vals):
            return fmt.apa_int, True
        return (lambda x: fmt.apa(x, 2)), True
    return (lambda x: fmt.DASH if fmt.is_missing(x) else str(x)), False


def _number(x: Any) -> float | int | None:
    """``x`` as a plain Python number, or None (text, bool, missing)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or fmt.is_missing(x):
        return None
    return int(x) if isinstance(x, numbers.Integral) else float(x)


def build_table(
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
) -> Table:
    """The :class:`Table` of a report table block (arguments as :func:`table_html`).

    Each column is formatted by its ``number_formats`` spec, or by content when it has none
    (integers with separators, other numbers with two decimals, the rest as text).
    """
    if index and hasattr(data, "reset_index"):
        data = data.reset_index()
    rows, available = _records(data)
    cols = _columns(columns, available)
    number_formats = dict(number_formats or {})
    unknown = [k for k in number_formats if k not in {c for c, _ in cols}]
    if unknown:
        raise ValueError(f"table_html: number_formats for columns not shown: {unknown}")
    specs: list[tuple[Formatter, bool, Any]] = []
    for key, _ in cols:
        values = [r.get(key) for r in rows]
        if key in number_formats:
            spec = number_formats[key]
            numeric = _is_numeric_spec(spec) or (
                callable(spec) and any(_is_number(v) for v in values))
            specs.append((_formatter(spec), numeric,
                          None if callable(spec) or not numeric else spec))
        else:
            formatter, numeric = _default_format(values)
            plain = [v for v in values if not fmt.is_missing(v)]
            spec = None
            if numeric:
                spec = "int" if all(isinstance(v, numbers.Integral) for v in plain) else 2
            specs.append((formatter, numeric, spec))
    body = []
    for r in rows:
        cells = []
        for (key, _), (formatter, _numeric, spec) in zip(cols, specs, strict=True):
            v = r.get(key)
            if isinstance(v, Cell):
                cells.append(v)
            else:
                text = formatter(v)  # a Markup from a callable format stays markup
                number = _number(v) if spec is not None else None
                cells.append(Cell(text if isinstance(text, str) else str(text), number,
                                  spec if number is not None else None))
        body.append(tuple(cells))
    return Table(columns=tuple(Column(key, str(header), numeric) for (key, header), (_, numeric, _)
                               in zip(cols, specs, strict=True)),
                 rows=tuple(body), caption=caption, note=note, label=label,
                 table_id=table_id, row_header=row_header)


def table_markup(table: Table) -> Markup:
    """The HTML of ``table``: caption above ("Table N" on its own line), ``<th scope>``
    headers, numbers right-aligned through the ``num`` class, "*Note.*" below; everything
    escaped."""
    label, caption, table_id = table.label, table.caption, table.table_id
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
    for col in table.columns:
        cls = ' class="num"' if col.numeric else ""
        out.append(f'<th scope="col"{cls}>{escape(col.header)}</th>')
    out.append("</tr></thead>")
    out.append("<tbody>")
    for row in table.rows:
        out.append("<tr>")
        for j, (col, cell) in enumerate(zip(table.columns, row, strict=True)):
            text = escape(cell.text)
            if cell.strong:
                text = Markup(f"<strong>{text}</strong>")
            cls = ' class="num"' if col.numeric else ""
            if j == 0 and table.row_header:
                out.append(f'<th scope="row"{cls}>{text}</th>')
            else:
                out.append(f"<td{cls}>{text}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    if table.note:
        out.append(f'<p class="table-note"><em>Note.</em> {escape(table.note)}</p>')
    out.append("</div>")
    return Markup("".join(out))


def _decimals(n: int) -> str:
    return "." + "0" * n if n > 0 else ""


def excel_format(spec: Any) -> str:
    """The Excel number format that shows a value as the report does under ``spec``:
    decimals, no leading zero for bounded statistics, a true minus sign, ``< .001`` for small
    p values, thousands separators for counts. (Excel rounds half away from zero, as
    :func:`reports.format.apa`.)"""
    minus = '"\u2212"'
    if isinstance(spec, numbers.Integral) and not isinstance(spec, bool):
        body = "#,##0" + _decimals(int(spec))
        return f"{body};{minus}{body}"
    name, _, arg = str(spec).partition(":")
    n = int(arg) if arg else None
    if name in ("bounded", "r"):
        body = "#" + _decimals(2 if n is None else n)
        return f"{body};{minus}{body}"
    if name in ("decimal", "f"):
        body = "#,##0" + _decimals(2 if n is None else n)
        return f"{body};{minus}{body}"
    if name == "p":
        d = 3 if n is None else n
        floor = "." + "0" * (d - 1) + "1"
        top = "." + "9" * d
        return f'[<{floor}]"< {floor}";[>={1 - 10.0 ** -d / 2:.{d + 1}f}]"> {top}";#{_decimals(d)}'
    if name == "int":
        return f"#,##0;{minus}#,##0"
    if name == "pct":
        body = "#,##0" + _decimals(1 if n is None else n) + '"%"'
        return f"{body};{minus}{body}"
    if name == "prop":
        body = "0" + _decimals(1 if n is None else n) + "%"
        return f"{body};{minus}{body}"
    return "General"


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
    return table_markup(build_table(data, columns, caption, number_formats, note, label=label,
                                    table_id=table_id, row_header=row_header, index=index))
