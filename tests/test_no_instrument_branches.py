"""The pipeline has no model-specific code (issue 8): no ``if instrument == ...`` branches.

Every bundled instrument runs through the same survey generation, screening, validation, effects
and report; what differs between models lives in the instrument files (constructs, model,
scoring rules, population). This test parses every Python file of ``analysis/``, ``reports/``
and ``instruments/`` (the YAML library is data, not code) and fails on

* a string literal equal to a bundled instrument's id, anywhere in code (docstrings and comments
  are documentation and are not looked at); the one allowed place is a ``default=`` keyword
  argument (the ``engagekit demo --instrument`` option's default), which picks an instrument but
  does not branch on one;
* a comparison, membership test, ``match`` or ``startswith``/``endswith`` of an instrument's id,
  name or title (``inst.id == "x"``, ``instrument_id in (...)``, ``study.id.startswith("x")``)
  against string literals, whatever the literal is.

The checker is itself tested on snippets that must and must not be flagged.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from instruments import bundled_names

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("analysis", "reports", "instruments")
NAMES = frozenset(bundled_names())

#: expressions that denote an instrument's identity: ``inst.id``, ``instrument.name``,
#: ``self.instrument.title``, ``study.id``, ``instrument_id``, ``inst_name`` ...
_OWNER = re.compile(r"(^|_)(inst|instrument|study)s?$", re.I)
_IDENTITY_NAME = re.compile(r"^(inst|instrument|study)_?(id|name|title)$", re.I)


def _python_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                out.add(id(body[0].value))
    return out


def _is_identity(node: ast.AST) -> bool:
    """``inst.id``/``.name``/``.title`` of an instrument-like owner, or ``instrument_id``."""
    if isinstance(node, ast.Attribute) and node.attr in ("id", "name", "title"):
        owner = node.value
        while isinstance(owner, ast.Call):
            owner = owner.func
        if isinstance(owner, ast.Attribute):
            return bool(_OWNER.search(owner.attr))
        if isinstance(owner, ast.Name):
            return bool(_OWNER.search(owner.id))
        return False
    if isinstance(node, ast.Name):
        return bool(_IDENTITY_NAME.match(node.id))
    if isinstance(node, ast.Subscript):  # row["instrument_id"]
        key = node.slice
        return isinstance(key, ast.Constant) and isinstance(key.value, str) and bool(
            _IDENTITY_NAME.match(key.value))
    return False


def _has_str_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_has_str_literal(e) for e in node.elts)
    return isinstance(node, ast.JoinedStr)


def find_branches(source: str, filename: str = "<code>") -> list[str]:
    """Every instrument-specific branch or bundled-name literal in ``source``."""
    tree = ast.parse(source, filename)
    docs = _docstrings(tree)
    allowed: set[int] = set()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "default" \
                and isinstance(node.value, ast.Constant):
            allowed.add(id(node.value))
    for node in ast.walk(tree):
        where = f"{filename}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and node.value in NAMES and id(node) not in docs and id(node) not in allowed:
            found.append(f"{where}: bundled instrument name {node.value!r} in code")
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is_identity(s) for s in sides) and any(_has_str_literal(s) for s in sides):
                found.append(f"{where}: instrument identity compared with a literal: "
                             + ast.unparse(node))
        elif isinstance(node, ast.Match) and _is_identity(node.subject):
            found.append(f"{where}: match on an instrument identity: {ast.unparse(node.subject)}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("startswith", "endswith") \
                and _is_identity(node.func.value):
            found.append(f"{where}: instrument identity tested by {node.func.attr}: "
                         + ast.unparse(node))
    return found


def test_the_pipeline_has_no_instrument_specific_branches():
    files = _python_files()
    assert len(files) > 30 and {"five_commitments", "eight_c", "acsi_nps"} <= NAMES
    found = [hit for p in files
             for hit in find_branches(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))]
    assert found == [], "model-specific code; declare it in the instrument file instead:\n" \
        + "\n".join(found)


@pytest.mark.parametrize("code", [
    'if inst.id == "five_commitments":\n    pass',
    'if instrument.id != "eight_c": pass',
    'x = inst.id in ("eight_c", "acsi_nps")',
    'x = instrument_id == "anything"',
    'x = self.instrument.name == "x"',
    'x = load().study.id.startswith("acsi")',
    'x = row["instrument_id"] in {"a", "b"}',
    'match inst.id:\n    case "acsi_nps":\n        pass',
    'SPECIAL = {"loyalty_typology": 1}',
    'def f(name="x"):\n    return name == "reciprocal_loyalty"',
    'x = f"{a}" == inst.id',
])
def test_the_checker_flags_branches(code):
    assert find_branches(code), code


@pytest.mark.parametrize("code", [
    '"""Docstring naming five_commitments."""',
    'def f():\n    """Load ``eight_c``."""\n    return 1',
    '# if inst.id == "five_commitments"\nx = 1',
    'click.option("--instrument", default="five_commitments")',
    'raise ValueError("see five_commitments.yaml")',
    'x = item.id == "aff_01"',  # an item, not an instrument (item ids come from the file)
    'x = inst.id == other.id',
    'x = str(v).strip() != inst.id',
])
def test_the_checker_passes_generic_code(code):
    assert find_branches(code) == [], code
