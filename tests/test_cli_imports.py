"""The command line starts at once: its modules import only click, and each command imports
what it uses when it runs.

Start-up times are measured in ``bench/bench_startup.py``, never asserted here. These tests pin
the cause of a slow start instead (a module-level import of pandas, scipy, statsmodels, ... in
a ``cli.py`` or a package ``__init__``) and name the offending modules.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Libraries no command should load before it runs (the analysis stack, parsers, renderers).
HEAVY = ("numpy", "pandas", "scipy", "statsmodels", "openpyxl", "matplotlib", "jinja2", "dask",
         "pyarrow", "pyreadstat", "threadpoolctl", "tqdm")

MARK = "MODULES:"

#: The analysis modules a command line may load before a command runs.
COMMAND_MODULES = {"analysis", "analysis.cli", "analysis.pls", "analysis.pls.cli"}


def modules_after(*argv: str) -> set[str]:
    """The modules loaded by ``engagekit ARGV`` in a fresh interpreter."""
    code = ("import json, sys\nfrom reports.cli import main\n"
            f"code = main({list(argv)!r})\n"
            f"print({MARK!r} + json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
            "sys.exit(code)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stderr.splitlines() if x.startswith(MARK))
    return set(json.loads(line[len(MARK):]))


def heavy(modules: set[str], roots: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in roots)


def ours(modules: set[str], package: str, allowed: set[str]) -> list[str]:
    return sorted(m for m in modules
                  if (m == package or m.startswith(package + ".")) and m not in allowed)


@pytest.mark.parametrize("argv", [("--help",), ("--version",)])
def test_root_help_loads_only_the_command_modules(argv):
    loaded = modules_after(*argv)
    assert heavy(loaded, HEAVY + ("pydantic", "ruamel", "yaml")) == []
    # analysis.pls.cli holds the --method options shared by effects/run/demo (click only;
    # analysis.pls's __init__ is lazy): the heavy check above guards what they may bring
    assert ours(loaded, "analysis", COMMAND_MODULES) == []
    # instruments' small helpers (errors, outputs, ...) may load; its loader, schema and
    # survey renderers may not (they bring pydantic and the YAML parsers, checked above)
    assert ours(loaded, "instruments.survey", set()) == []
    assert ours(loaded, "reports", {"reports", "reports.cli"}) == []
    assert ours(loaded, "collect", {"collect", "collect.cli"}) == []
    assert heavy(loaded, ("sqlalchemy", "alembic", "starlette", "uvicorn", "argon2")) == []


def test_instruments_list_loads_no_analysis_stack():
    loaded = modules_after("instruments", "list")
    assert heavy(loaded, tuple(m for m in HEAVY if m != "numpy")) == []
    assert ours(loaded, "analysis", COMMAND_MODULES) == []
    assert ours(loaded, "reports", {"reports", "reports.cli"}) == []
