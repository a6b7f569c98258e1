"""One error root: every input error in instruments, analysis, collect and reports derives from
EngagekitInputError, carries a catalogued code,
and exits the command line with code 2."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import click
import pytest

from instruments.errors import EngagekitInputError, InstrumentError, Problem
from instruments.problem_codes import CODES, RESPONSE_PROBLEMS
from reports import cli as cli_module

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("instruments", "analysis", "collect", "reports")


def _modules() -> list[str]:
    names = []
    for pkg in PACKAGES:
        names.append(pkg)
        mod = importlib.import_module(pkg)
        names += [m.name for m in pkgutil.walk_packages(mod.__path__, f"{pkg}.")]
    return names


def _defined_exceptions() -> dict[str, type[BaseException]]:
    """Every exception class defined (not just imported) in the packages."""
    found = {}
    for name in _modules():
        mod = importlib.import_module(name)
        for obj in vars(mod).values():
            if (inspect.isclass(obj) and issubclass(obj, BaseException)
                    and obj.__module__ == name):
                found[f"{name}.{obj.__qualname__}"] = obj
    return found


def _source_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def test_every_exception_class_in_the_source_is_imported_and_checked():
    """The import walk sees every ``class X(...Error/Exception)`` the source defines."""
    in_source = set()
    for path in _source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and (node.name.endswith(("Error", "Exception",
                                                                       "Warning"))):
                in_source.add(node.name)
    imported = {key.rsplit(".", 1)[1] for key in _defined_exceptions()}
    assert in_source and in_source <= imported, in_source - imported


def test_every_input_error_derives_from_the_one_root():
    classes = _defined_exceptions()
    errors = {k: c for k, c in classes.items() if not issubclass(c, Warning)}
    # the ones the CLI used to list by hand, and the one it missed, are all here
    for name in ("SEMInputError", "PsychometricInputError", "EffectsInputError",
                 "DriverInputError", "RegressionInputError", "FigureInputError",
                 "ResponseFileError", "InstrumentError", "PowerInputError"):
        assert any(k.endswith(f".{name}") for k in errors), name
    outside = sorted(k for k, c in errors.items() if not issubclass(c, EngagekitInputError))
    assert outside == [], f"input errors outside EngagekitInputError: {outside}"
    assert issubclass(EngagekitInputError, ValueError)  # callers catching ValueError still work


def test_every_error_class_has_a_catalogued_code():
    for key, cls in _defined_exceptions().items():
        if issubclass(cls, EngagekitInputError):
            assert cls.code in CODES, f"{key}.code = {cls.code!r} is not catalogued"


def _string_codes_in_source() -> list[tuple[str, int, str]]:
    """Every code literal: ``code="..."`` keywords, ``code = "..."`` class attributes, the
    second argument of ``found.add(loc, "code", message)`` and ``Problem(..., "code")``."""
    out = []
    for path in _source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            lits = []
            is_keyword = isinstance(node, ast.keyword) and node.arg == "code"
            is_attribute = isinstance(node, ast.Assign) and [
                getattr(t, "id", None) for t in node.targets] == ["code"]
            if is_keyword or is_attribute:
                lits.append(node.value)
            elif isinstance(node, ast.Call):
                fn = node.func
                name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
                if name == "add" and isinstance(fn, ast.Attribute) and \
                        getattr(fn.value, "id", "") == "found" and len(node.args) >= 2:
                    lits.append(node.args[1])
                if name == "Problem" and len(node.args) >= 4:
                    lits.append(node.args[3])
            out += [(path.name, lit.lineno, lit.value) for lit in lits
                    if isinstance(lit, ast.Constant) and isinstance(lit.value, str)]
    return out


def test_every_code_in_the_source_is_catalogued():
    used = _string_codes_in_source()
    assert len(used) > 60  # the instrument rules, the readers, the error classes
    unknown = [u for u in used if u[2] not in CODES]
    assert unknown == []
    # each instrument rule code is used somewhere (the catalogue has no dead entries there)
    assert {"unknown_scale", "id_not_unique", "population_item", "yaml_syntax"} <= {
        c for _, _, c in used}


def test_code_on_an_instance_overrides_the_class_default_and_is_checked():
    from analysis.responses import ResponseFileError

    assert ResponseFileError("f.csv", "bad").code == "malformed_file"
    assert ResponseFileError("f.csv", "gone", code="file_not_found").code == "file_not_found"
    with pytest.raises(KeyError, match="typo_code"):
        ResponseFileError("f.csv", "bad", code="typo_code")


def test_problem_carries_code_and_field():
    p = Problem("a.yaml", 3, "item 'x' refers to unknown scale 'y'", "unknown_scale",
                "constructs[0].items[0].scale")
    assert (p.code, p.field, str(p)) == ("unknown_scale", "constructs[0].items[0].scale",
                                         "a.yaml:3: item 'x' refers to unknown scale 'y'")
    err = InstrumentError([p, Problem("a.yaml", None, "not UTF-8", "not_text")])
    assert err.code == "unknown_scale" and err.codes == ["unknown_scale", "not_text"]


def test_cleaning_log_kinds_are_codes():
    from analysis.responses import PROBLEM_KINDS, CleaningEntry

    assert PROBLEM_KINDS is RESPONSE_PROBLEMS
    entry = CleaningEntry("f.csv", 2, "aff_01", "aff_01", "9", "out_of_scale", "m", "a")
    assert entry.code == "out_of_scale"
    with pytest.raises(KeyError):
        CleaningEntry("f.csv", 2, "aff_01", "aff_01", "9", "no_such_kind", "m", "a")


@pytest.mark.parametrize("dotted", [
    "reports.figures.FigureInputError",  # the one the hand-kept tuple missed
    "analysis.sem.errors.SEMInputError",
    "analysis.psychometrics.items.ConstantItemError",
    "analysis.structural.drivers.DriverInputError",
    "analysis.structural.regression.RegressionInputError",
    "analysis.structural.effects.EffectsInputError",
])
def test_cli_exits_2_for_every_input_error(dotted, capsys):
    module, name = dotted.rsplit(".", 1)
    cls = getattr(importlib.import_module(module), name)

    @click.command("raise-it")
    def raise_it() -> None:
        raise cls("the data say no; do this instead")

    cli_module.cli.add_command(raise_it)
    try:
        assert cli_module.main(["raise-it"]) == 2
    finally:
        cli_module.cli.commands.pop("raise-it")
    err = capsys.readouterr().err
    assert err == "error: the data say no; do this instead\n"


def test_cli_exits_1_for_a_bug(capsys):
    @click.command("raise-bug")
    def raise_bug() -> None:
        raise KeyError("oops")

    cli_module.cli.add_command(raise_bug)
    try:
        assert cli_module.main(["raise-bug"]) == 1
    finally:
        cli_module.cli.commands.pop("raise-bug")
    assert "internal error: KeyError" in capsys.readouterr().err
