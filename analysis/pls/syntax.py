"""PLS path models written in lavaan's syntax, read the way cSEM reads it.

Three operators (Rosseel, 2012, for the syntax; Rademaker & Schuberth, cSEM, for its PLS
reading):

* ``eta =~ x1 + x2 + x3``: a reflectively measured construct (a common factor). PLS estimates
  it as a mode A composite; consistent PLS (PLSc) corrects its loadings and correlations for
  attenuation (Dijkstra & Henseler, 2015).
* ``eta <~ x1 + x2 + x3``: a formatively measured construct (a composite), mode B weights.
* ``y ~ eta1 + eta2``: structural paths between constructs.

A construct with one indicator (``eta =~ x1``) is that indicator, standardized (weight 1).
Statements are separated by newlines or ``;``; ``#`` and ``!`` start comments; a line ending in
``+`` or an operator continues on the next. Modifiers (``0.5*x1``, labels), ``~~``, ``:=`` and
intercepts have no meaning in PLS path modelling and are refused with the line named.

>>> m = parse_pls_model("IMAG =~ i1 + i2; SAT <~ s1 + s2\\nSAT ~ IMAG")
>>> [(c.name, c.mode, c.items) for c in m.constructs]
[('IMAG', 'A', ('i1', 'i2')), ('SAT', 'B', ('s1', 's2'))]
>>> m.paths
(('IMAG', 'SAT'),)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .errors import PLSInputError

__all__ = ["Construct", "PLSModel", "parse_pls_model"]

_IDENT = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_OPERATORS = ("=~", "<~", ":=", "~~", "~*~", "==", "~", "|", "<", ">")
_KNOWN_BAD = {
    "~~": "covariances ('~~') are not part of a PLS path model; PLS estimates construct "
          "correlations itself: remove the line",
    ":=": "defined parameters (':=') are not supported in PLS models; indirect and total "
          "effects are reported for every path chain: remove the line",
    "~*~": "scaling ('~*~') has no meaning in PLS: remove the line",
    "==": "equality constraints ('==') have no meaning in PLS: remove the line",
    "|": "thresholds ('|') have no meaning in PLS: remove the line",
    "<": "inequality constraints have no meaning in PLS: remove the line",
    ">": "inequality constraints have no meaning in PLS: remove the line",
}


@dataclass(frozen=True)
class Construct:
    """One construct: its ``name``, ``items`` (indicators in the order written), ``mode``
    (``"A"``: weights from correlations with the inner proxy; ``"B"``: from a multiple
    regression of the proxy on the items), ``kind`` (``"reflective"`` for ``=~``,
    ``"composite"`` for ``<~``) and the ``line`` where it was first defined."""

    name: str
    items: tuple[str, ...]
    mode: Literal["A", "B"]
    kind: Literal["reflective", "composite"]
    line: int = 0

    @property
    def single_item(self) -> bool:
        """True for a construct measured by one indicator (weight and loading 1)."""
        return len(self.items) == 1


@dataclass(frozen=True)
class PLSModel:
    """A parsed PLS path model: ``constructs`` (in order of definition), ``paths`` as
    ``(predictor, outcome)`` pairs in the order written, and the ``syntax`` it came from."""

    constructs: tuple[Construct, ...]
    paths: tuple[tuple[str, str], ...]
    syntax: str = ""

    @property
    def names(self) -> list[str]:
        """Construct names in order of definition."""
        return [c.name for c in self.constructs]

    @property
    def items(self) -> list[str]:
        """Every indicator, block by block."""
        return [i for c in self.constructs for i in c.items]

    @property
    def endogenous(self) -> list[str]:
        """Constructs with at least one predictor, in order of definition."""
        targets = {b for _, b in self.paths}
        return [n for n in self.names if n in targets]

    def predictors(self, name: str) -> list[str]:
        """The constructs with a path into ``name``, in order of definition."""
        pred = {a for a, b in self.paths if b == name}
        return [n for n in self.names if n in pred]

    def construct(self, name: str) -> Construct:
        """The :class:`Construct` called ``name``."""
        for c in self.constructs:
            if c.name == name:
                return c
        raise KeyError(name)


def _statements(text: str) -> list[tuple[int, str]]:
    """Statements with their first line number; a trailing operator or ``+`` continues."""
    raw: list[tuple[int, str]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        cut = min([i for i in (line.find("#"), line.find("!")) if i >= 0], default=len(line))
        for part in line[:cut].split(";"):
            if part.strip():
                raw.append((lineno, part.strip()))
    out: list[tuple[int, str]] = []
    for lineno, part in raw:
        if out and (out[-1][1].endswith(("+", "~", "=~", "<~")) or part.startswith("+")):
            out[-1] = (out[-1][0], out[-1][1] + " " + part)
        else:
            out.append((lineno, part))
    return out


def _operator(stmt: str, lineno: int) -> tuple[str, int]:
    for i in range(len(stmt)):
        for op in _OPERATORS:
            if stmt.startswith(op, i):
                return op, i
    raise PLSInputError(f"model line {lineno}: no operator in {stmt!r}; write 'construct =~ "
                        "items', 'construct <~ items' or 'outcome ~ predictors'")


def _names(text: str, lineno: int, stmt: str) -> list[str]:
    out = []
    for term in text.split("+"):
        term = term.strip()
        if not term:
            raise PLSInputError(f"model line {lineno}: an empty term in {stmt!r}")
        if "*" in term or "?" in term:
            raise PLSInputError(
                f"model line {lineno}: {term!r} carries a modifier; PLS estimates every weight, "
                "loading and path freely: write the bare name")
        if term == "1":
            raise PLSInputError(f"model line {lineno}: intercepts ('~ 1') have no meaning in "
                                "PLS path modelling: remove the term")
        if not _IDENT.match(term):
            if term.count(":") == 1 and all(_IDENT.match(t.strip()) for t in term.split(":")):
                x, m = (t.strip() for t in term.split(":"))
                raise PLSInputError(
                    f"model line {lineno}: {term!r} is an interaction term; leave it out of the "
                    f"model and add --interaction {x} {m} (the two-stage term on every path out "
                    f"of {x}), or estimate it with analysis.pls.estimate_pls_interaction")
            raise PLSInputError(f"model line {lineno}: {term!r} is not a valid name")
        out.append(term)
    return out


def _check_acyclic(names: list[str], paths: list[tuple[str, str]]) -> None:
    succ: dict[str, list[str]] = {n: [] for n in names}
    for a, b in paths:
        succ[a].append(b)
    state: dict[str, int] = {}

    def visit(n: str, trail: list[str]) -> None:
        state[n] = 1
        for m in succ[n]:
            if state.get(m) == 1:
                loop = [*trail[trail.index(m):], m] if m in trail else [n, m]
                raise PLSInputError(
                    "the structural model has a loop (" + " -> ".join(loop) + "); PLS path "
                    "modelling estimates recursive models only: remove one of these paths",
                    code="model_cycle")
            if m not in state:
                visit(m, [*trail, m])
        state[n] = 2

    for n in names:
        if n not in state:
            visit(n, [n])


def parse_pls_model(syntax: str) -> PLSModel:
    """Read a PLS path model from lavaan syntax (see the module docstring).

    Parameters
    ----------
    syntax : str
        The model: measurement lines (``=~`` reflective, ``<~`` composite) and structural
        lines (``~``).

    Returns
    -------
    PLSModel
        Constructs with their items and modes, and the structural paths.

    Raises
    ------
    PLSInputError
        The syntax cannot be read or does not make a PLS path model; the message names the
        line and says what to change.

    Examples
    --------
    >>> parse_pls_model("A =~ a1 + a2\\nB =~ b1\\nB ~ A").endogenous
    ['B']
    """
    if not isinstance(syntax, str) or not syntax.strip():
        raise PLSInputError("the PLS model syntax is empty; give measurement lines "
                            "('construct =~ items') and structural lines ('outcome ~ predictors')")
    blocks: dict[str, dict] = {}
    structural: list[tuple[int, str, str]] = []
    for lineno, stmt in _statements(syntax):
        op, pos = _operator(stmt, lineno)
        if op in _KNOWN_BAD:
            raise PLSInputError(f"model line {lineno}: {_KNOWN_BAD[op]} ({stmt!r})")
        lhs_txt, rhs_txt = stmt[:pos].strip(), stmt[pos + len(op):].strip()
        if not lhs_txt or not rhs_txt:
            raise PLSInputError(f"model line {lineno}: incomplete statement {stmt!r}")
        lhs = _names(lhs_txt, lineno, stmt)
        rhs = _names(rhs_txt, lineno, stmt)
        if op in ("=~", "<~"):
            kind = "reflective" if op == "=~" else "composite"
            for name in lhs:
                b = blocks.setdefault(name, {"kind": kind, "items": [], "line": lineno})
                if b["kind"] != kind:
                    raise PLSInputError(
                        f"model line {lineno}: construct {name!r} is measured with both '=~' "
                        f"and '<~' (first on line {b['line']}); choose one")
                for item in rhs:
                    if item in b["items"]:
                        raise PLSInputError(f"model line {lineno}: item {item!r} is listed "
                                            f"twice for construct {name!r}")
                    b["items"].append(item)
        else:
            for outcome in lhs:
                for pred in rhs:
                    structural.append((lineno, pred, outcome))
    if not blocks:
        raise PLSInputError("the model has no measurement lines; define each construct as "
                            "'construct =~ item1 + item2' (reflective) or 'construct <~ item1 + "
                            "item2' (composite)")
    owner: dict[str, str] = {}
    for name, b in blocks.items():
        for item in b["items"]:
            if item in blocks:
                raise PLSInputError(
                    f"model line {b['line']}: {item!r} is a construct and cannot be an "
                    f"indicator of {name!r} here; estimate a model with higher-order "
                    "constructs with analysis.pls.estimate_pls_higher_order (two-stage or "
                    "repeated indicators)")
            if item in owner:
                raise PLSInputError(
                    f"model line {b['line']}: item {item!r} is an indicator of both "
                    f"{owner[item]!r} and {name!r}; PLS needs each item in one block")
            owner[item] = name
    paths: list[tuple[str, str]] = []
    for lineno, pred, outcome in structural:
        for v in (pred, outcome):
            if v not in blocks:
                hint = (f"it is an item of {owner[v]!r}" if v in owner else
                        f"to use an observed variable, define it as a single-item construct "
                        f"('{v.upper() if v.upper() not in blocks else v + '_c'} =~ {v}')")
                raise PLSInputError(f"model line {lineno}: {v!r} in a structural line is not a "
                                    f"construct; {hint}")
        if pred == outcome:
            raise PLSInputError(f"model line {lineno}: {outcome!r} cannot predict itself",
                                code="model_path")
        if (pred, outcome) in paths:
            raise PLSInputError(f"model line {lineno}: the path {pred} -> {outcome} is given "
                                "twice", code="model_path")
        paths.append((pred, outcome))
    names = list(blocks)
    if not paths:
        raise PLSInputError("the model has no structural lines; PLS path modelling needs at "
                            "least one path ('outcome ~ predictor')")
    linked = {a for a, _ in paths} | {b for _, b in paths}
    lonely = [n for n in names if n not in linked]
    if lonely:
        raise PLSInputError(
            "construct(s) " + ", ".join(repr(n) for n in lonely) + " take part in no "
            "structural path; PLS weights each construct by its neighbours: add a path or "
            "remove the construct")
    _check_acyclic(names, paths)
    constructs = tuple(
        Construct(name=n, items=tuple(b["items"]), mode="A" if b["kind"] == "reflective" else "B",
                  kind=b["kind"], line=b["line"]) for n, b in blocks.items())
    return PLSModel(constructs=constructs, paths=tuple(paths), syntax=syntax)
