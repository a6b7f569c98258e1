"""A small parser for the lavaan model syntax (Rosseel, 2012, *J. Stat. Softw.* 48(2)).

Supported:

* ``f =~ x1 + x2`` (measurement), ``y ~ x1 + x2`` (regression), ``y ~ 1`` (intercept),
  ``a ~~ b`` (variance/covariance), ``name := expr`` (defined parameter),
  ``a == b`` (equality between two labels), several left-hand sides joined by ``+``;
* modifiers joined to a variable by ``*``: a number (fixed value), ``NA`` (free),
  a bare identifier or ``label("a")``/``equal("a")`` (label; shared labels mean equality),
  ``start(0.5)`` and ``0.5?x`` (start value), and ``c(...)`` vectors of any of those
  (one entry per group);
* comments starting with ``#`` or ``!``, statements separated by newlines or ``;``,
  statements continued on the next line after a trailing operator or ``+``.

Not supported (rejected with :class:`SEMSyntaxError`): formative ``<~``, thresholds ``|``,
scaling ``~*~``, inequality constraints, non-linear ``==`` constraints.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field

from .errors import SEMInputError, SEMSyntaxError

__all__ = ["Formula", "Modifier", "constructs_from_syntax", "format_formula", "parse_model"]

_OPERATORS = ("=~", ":=", "~~", "==", "<~", "~*~", "~", "<", ">", "|")
_IDENT = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")


@dataclass(frozen=True)
class Modifier:
    """Per-term modifiers; each tuple has one entry, or one per group.

    ``fixed`` entries: a float (fixed value), or ``None`` for ``NA`` (explicitly free).
    ``label`` entries: a string ('' for none).  ``start`` entries: float or NaN.
    """

    fixed: tuple[float | None, ...] | None = None
    label: tuple[str, ...] | None = None
    start: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Formula:
    """One parsed model statement: ``lhs op rhs`` with optional modifiers."""

    lhs: str
    op: str
    rhs: str
    modifier: Modifier = field(default_factory=Modifier)
    line: int = 0


def _strip_comments(text: str) -> str:
    out = []
    for line in text.splitlines():
        cut = len(line)
        for ch in ("#", "!"):
            i = line.find(ch)
            if i >= 0:
                cut = min(cut, i)
        out.append(line[:cut])
    return "\n".join(out)


def _statements(text: str) -> list[tuple[int, str]]:
    """Split into statements, joining continuation lines."""
    raw: list[tuple[int, str]] = []
    for lineno, line in enumerate(_strip_comments(text).splitlines(), start=1):
        for part in line.split(";"):
            part = part.strip()
            if part:
                raw.append((lineno, part))
    merged: list[tuple[int, str]] = []
    for lineno, part in raw:
        if merged:
            prev_line, prev = merged[-1]
            ends_open = prev.endswith(("+", "*", "=~", "~", "~~", ":=", "==", "-", "/", "(", ","))
            starts_open = part.startswith(("+", "*", ")", ","))
            unbalanced = prev.count("(") > prev.count(")")
            if ends_open or starts_open or unbalanced:
                merged[-1] = (prev_line, prev + " " + part)
                continue
        merged.append((lineno, part))
    return merged


def _find_operator(stmt: str, lineno: int) -> tuple[str, int]:
    depth = 0
    i = 0
    while i < len(stmt):
        ch = stmt[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            for op in _OPERATORS:
                if stmt.startswith(op, i):
                    return op, i
        i += 1
    raise SEMSyntaxError(f"line {lineno}: no operator (=~, ~, ~~, :=, ==) found in {stmt!r}")


def _split_top(s: str, sep: str) -> list[str]:
    parts, depth, cur = [], 0, []
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts]


def _parse_value(tok: str, lineno: int) -> float | None | str:
    """A single modifier value: float, None (NA) or label string."""
    tok = tok.strip()
    if tok == "NA":
        return None
    if len(tok) >= 2 and tok[0] == tok[-1] and tok[0] in "\"'":
        return tok[1:-1]
    try:
        val = ast.literal_eval(tok)
    except (ValueError, SyntaxError):
        val = None
        try:  # allow simple arithmetic such as -0.5 or 1/2
            node = ast.parse(tok, mode="eval")
            if all(
                isinstance(n, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.operator, ast.unaryop))
                for n in ast.walk(node)
            ):
                val = float(eval(compile(node, "<modifier>", "eval"), {"__builtins__": {}}))
        except SyntaxError:
            val = None
    if isinstance(val, (int, float)) and not isinstance(val, bool):
        return float(val)
    if _IDENT.match(tok):
        return tok
    raise SEMSyntaxError(f"line {lineno}: cannot read modifier value {tok!r}")


def _parse_vector(tok: str, lineno: int) -> list[float | None | str]:
    tok = tok.strip()
    if tok.startswith("c(") and tok.endswith(")"):
        return [_parse_value(t, lineno) for t in _split_top(tok[2:-1], ",")]
    return [_parse_value(tok, lineno)]


def _parse_term(term: str, lineno: int) -> tuple[str, Modifier]:
    start: list[float] | None = None
    if "?" in term:
        sv, term = term.split("?", 1)
        start = [float(v) if isinstance(v, float) else math.nan for v in _parse_vector(sv, lineno)]
    pieces = _split_top(term, "*")
    var = pieces[-1].strip()
    if not var or not (_IDENT.match(var) or var == "1"):
        raise SEMSyntaxError(f"line {lineno}: {var!r} is not a valid variable name")
    fixed: list[float | None] | None = None
    label: list[str] | None = None
    for mod in pieces[:-1]:
        m = re.match(r"^(start|label|equal)\((.*)\)$", mod.strip())
        if m:
            kind, inner = m.group(1), m.group(2)
            vals = _parse_vector(inner if inner.strip().startswith("c(") else inner, lineno)
            if kind == "start":
                start = [float(v) if isinstance(v, float) else math.nan for v in vals]
            else:
                label = [v if isinstance(v, str) else "" for v in vals]
            continue
        vals = _parse_vector(mod, lineno)
        if all(isinstance(v, str) for v in vals):
            label = [str(v) for v in vals]
        elif all(v is None or isinstance(v, float) for v in vals):
            fixed = [v for v in vals]  # type: ignore[misc]
        else:
            # mixture of labels and numbers, e.g. c(a, 1): numbers fix, labels label
            fixed = [v if not isinstance(v, str) else None for v in vals]
            label = [v if isinstance(v, str) else "" for v in vals]
    return var, Modifier(
        fixed=tuple(fixed) if fixed is not None else None,
        label=tuple(label) if label is not None else None,
        start=tuple(start) if start is not None else None,
    )


def parse_model(model: str) -> list[Formula]:
    """Parse lavaan-style model syntax into a list of :class:`Formula`.

    >>> [(f.lhs, f.op, f.rhs) for f in parse_model("f =~ x1 + a*x2; y ~ f")]
    [('f', '=~', 'x1'), ('f', '=~', 'x2'), ('y', '~', 'f')]
    """
    if not isinstance(model, str) or not model.strip():
        raise SEMSyntaxError("the model syntax is empty")
    out: list[Formula] = []
    for lineno, stmt in _statements(model):
        op, pos = _find_operator(stmt, lineno)
        lhs_txt, rhs_txt = stmt[:pos].strip(), stmt[pos + len(op) :].strip()
        if op in ("<~", "~*~", "<", ">", "|"):
            raise SEMSyntaxError(f"line {lineno}: operator {op!r} is not supported: {stmt!r}")
        if not lhs_txt or not rhs_txt:
            raise SEMSyntaxError(f"line {lineno}: incomplete statement {stmt!r}")
        if op == ":=":
            if not _IDENT.match(lhs_txt):
                raise SEMSyntaxError(f"line {lineno}: {lhs_txt!r} is not a valid name for := ")
            try:
                ast.parse(rhs_txt.replace("^", "**"), mode="eval")
            except SyntaxError as exc:
                raise SEMSyntaxError(f"line {lineno}: cannot read expression {rhs_txt!r}") from exc
            out.append(Formula(lhs_txt, op, rhs_txt.replace(" ", ""), line=lineno))
            continue
        if op == "==":
            out.append(Formula(lhs_txt.replace(" ", ""), op, rhs_txt.replace(" ", ""), line=lineno))
            continue
        lhs_names = [s for s in _split_top(lhs_txt, "+")]
        for name in lhs_names:
            if not _IDENT.match(name):
                raise SEMSyntaxError(f"line {lineno}: {name!r} is not a valid variable name")
        for term in _split_top(rhs_txt, "+"):
            if not term:
                raise SEMSyntaxError(f"line {lineno}: empty term in {stmt!r}")
            var, mod = _parse_term(term, lineno)
            for lhs in lhs_names:
                if var == "1":
                    if op != "~":
                        raise SEMSyntaxError(f"line {lineno}: '1' only allowed with '~' (intercepts)")
                    out.append(Formula(lhs, "~1", "", mod, lineno))
                else:
                    out.append(Formula(lhs, op, var, mod, lineno))
    return out


def constructs_from_syntax(model: str) -> dict[str, list[str]]:
    """``{factor: [indicators]}`` from the ``=~`` lines of a lavaan measurement model.

    Parameters
    ----------
    model : str
        lavaan model syntax; lines other than ``=~`` (regressions, covariances) are ignored.

    Returns
    -------
    dict of str to list of str
        Each factor's indicators, in the order written.

    Raises
    ------
    SEMInputError
        The model has no ``=~`` line.

    Examples
    --------
    >>> constructs_from_syntax("visual =~ x1 + x2 + x3; textual =~ x4 + x5; textual ~ visual")
    {'visual': ['x1', 'x2', 'x3'], 'textual': ['x4', 'x5']}
    """
    out: dict[str, list[str]] = {}
    for f in parse_model(model):
        if f.op == "=~":
            out.setdefault(f.lhs, []).append(f.rhs)
    if not out:
        raise SEMInputError("the model has no measurement part ('=~'); give factors as "
                             "'factor =~ item1 + item2 + ...'")
    return out


def _modifier_text(mod: Modifier) -> str:
    """``mod`` back in lavaan syntax: ``start(..)*``, ``c(..)*`` for per-group vectors."""

    def vec(vals: tuple, fmt) -> str:
        items = [fmt(v) for v in vals]
        return items[0] if len(items) == 1 else "c(" + ", ".join(items) + ")"

    out = ""
    if mod.fixed is not None:
        out += vec(mod.fixed, lambda v: "NA" if v is None else repr(float(v))) + "*"
    if mod.label is not None and any(mod.label):
        out += vec(mod.label, lambda v: v if v else "NA") + "*"
    if mod.start is not None:
        out += "start(" + vec(mod.start, lambda v: repr(float(v))) + ")*"
    return out


def format_formula(f: Formula) -> str:
    """One :class:`Formula` as a lavaan statement (the inverse of :func:`parse_model`).

    >>> format_formula(parse_model("f =~ 1*x1")[0])
    'f =~ 1.0*x1'
    """
    if f.op in (":=", "=="):
        return f"{f.lhs} {f.op} {f.rhs}"
    if f.op == "~1":
        return f"{f.lhs} ~ {_modifier_text(f.modifier)}1"
    return f"{f.lhs} {f.op} {_modifier_text(f.modifier)}{f.rhs}"
