"""The examples in the docstrings of the packages run, and give the output they show.

Every module of ``instruments``, ``analysis``, ``reports`` (and ``collect`` once it exists) whose
source holds a ``>>>`` example is run with :mod:`doctest`, one test per module. Modules are
found on disk and imported only inside their own test, so collecting this file imports nothing
heavy. An example that cannot run here is a defect to fix (give it a bundled or generated
file), not a ``# doctest: +SKIP`` to add.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("instruments", "analysis", "reports", "collect")
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules_with_examples() -> list[str]:
    """Dotted names of the package modules whose source contains a doctest prompt."""
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if ">>>" in path.read_text(encoding="utf-8"):
                names.append(module_name(path))
    return names


MODULES = modules_with_examples()


def test_examples_are_found():
    # the public entry points carry examples; if this drops to a handful, the finder is broken
    for name in ("instruments", "analysis.responses", "analysis.study", "reports.report"):
        assert name in MODULES
    assert len(MODULES) >= 20, MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # an example that writes a relative path writes it here
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    tests = [t for t in finder.find(module, name) if t.examples]
    assert tests, f"{name}: '>>>' in the source but no doctest found"
    out: list[str] = []
    failed = sum(runner.run(test, out=out.append).failed for test in tests)
    assert failed == 0, "".join(out)
    skipped = [f"{t.name}: {ex.source.strip()}" for t in tests for ex in t.examples
               if ex.options.get(doctest.SKIP)]
    assert not skipped, "examples marked +SKIP (make them runnable):\n" + "\n".join(skipped)
