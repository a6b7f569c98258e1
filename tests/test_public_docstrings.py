"""Every name of the public API has a numpydoc docstring a user can work from.

The public API: the names ``analysis`` exports (``analysis._EXPORTS``), those ``instruments``
exports (``instruments.__all__``) and :func:`reports.report.render_report`. Each docstring,
its own (not one inherited from pydantic or ``Exception``), has the numpydoc sections

* ``Parameters`` naming every parameter of the signature, in order, and nothing else (for a
  class: the constructor's parameters, i.e. a dataclass's or pydantic model's fields);
* ``Returns`` (functions; a class's "return value" is the instance its ``Parameters`` describe);
* ``Examples`` with at least one ``>>>`` example (tests/test_doctests.py runs them).
"""

from __future__ import annotations

import importlib
import inspect
import re

import pytest

SECTION = re.compile(r"^(?P<name>[A-Z][A-Za-z ]+)\n-{3,}$", re.MULTILINE)


def public_names() -> list[str]:
    analysis = importlib.import_module("analysis")
    instruments = importlib.import_module("instruments")
    return ([f"analysis.{n}" for n in analysis._EXPORTS]
            + [f"instruments.{n}" for n in instruments.__all__]
            + ["reports.report.render_report"])


def resolve(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def sections(doc: str) -> dict[str, str]:
    """``{section header: its body}`` of a numpydoc docstring (header underlined by dashes)."""
    found = list(SECTION.finditer(doc))
    return {m["name"]: doc[m.end():found[i + 1].start() if i + 1 < len(found) else len(doc)]
            for i, m in enumerate(found)}


def documented_parameters(body: str) -> list[str]:
    """Parameter names of a ``Parameters`` section: the unindented ``name : type`` lines."""
    names = []
    for line in body.splitlines():
        if line and not line[0].isspace():
            for name in line.split(" : ")[0].split(","):
                names.append(name.strip().lstrip("*"))
    return names


def signature_parameters(obj) -> list[str]:
    try:
        params = inspect.signature(obj).parameters.values()
    except ValueError:  # a class with a C-level __init__ (an Exception subclass without one)
        return []
    return [p.name for p in params if p.name != "self"]


def test_sections_and_parameters_are_read():
    doc = inspect.cleandoc('''Summary.

    Parameters
    ----------
    a, b : int
        Two.
    **options
        More.

    Returns
    -------
    int
        Sum.
    ''')
    found = sections(doc)
    assert list(found) == ["Parameters", "Returns"]
    assert documented_parameters(found["Parameters"]) == ["a", "b", "options"]
    assert len(public_names()) >= 40


@pytest.mark.parametrize("dotted", public_names())
def test_public_docstring_has_numpydoc_sections(dotted):
    obj = resolve(dotted)
    doc = inspect.cleandoc(obj.__doc__ or "")  # its own docstring, not an inherited one
    found = sections(doc)
    required = ["Parameters", "Examples"] if inspect.isclass(obj) else [
        "Parameters", "Returns", "Examples"]
    params = signature_parameters(obj)
    if not params:
        required.remove("Parameters")
    missing = [name for name in required if name not in found]
    assert not missing, f"{dotted}: docstring lacks numpydoc section(s) {missing}"
    if params:
        documented = documented_parameters(found["Parameters"])
        assert documented == params, (
            f"{dotted}: Parameters section documents {documented}; the signature has {params}")
    assert ">>>" in found["Examples"], f"{dotted}: Examples section has no >>> example"


def test_instrument_schema_descriptions_leave_out_the_numpydoc_sections():
    # pydantic copies a model's docstring into the JSON Schema that editors show; the
    # Parameters/Examples sections are for Python readers and stay out of it
    import json

    from instruments import instrument_json_schema

    text = instrument_json_schema()
    assert "----" not in text and ">>>" not in text
    schema = json.loads(text)
    assert schema["description"] == ("A questionnaire with its measurement model, survey "
                                     "layout and default structural model.")
    assert schema["$defs"]["Scale"]["description"].startswith("A response scale.")
