"""`engagekit instruments validate` says everything at once: format (schema) and
cross-reference problems together, sorted by line, for every file given; and the common
traps of writing YAML by hand get a message with the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from instruments import InstrumentError, load_instrument
from reports.cli import main

GYM = (Path(__file__).parent / "fixtures" / "gym" / "gym.yaml").read_text(encoding="utf-8")
TITLE = "title:\n  en: Why members stay with {brand}\n  es: Por qué los socios siguen en {brand}\n"


def _variant(tmp_path: Path, name: str, *edits: tuple[str, str]) -> Path:
    text = GYM
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _line(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_three_problems_of_different_kinds_in_two_files_at_once(tmp_path, capsys):
    # file a: a schema problem (title as one string) AFTER a cross-reference problem is
    # impossible to see today: the schema problem hid the rest until fixed
    a = _variant(tmp_path, "a.yaml", (TITLE, "title: Why members stay\n"),
                 ("predictors: [affective, habitual, forced]", "predictors: [afective, habitual, "
                  "forced]"))
    # file b: a YAML trap, in a file given after a bundled (valid) one
    b = _variant(tmp_path, "b.yaml", ("en: I feel at home at {brand}.",
                                      "en: {brand} feels like home."))
    assert main(["instruments", "validate", str(a), "five_commitments", str(b)]) == 2
    out = capsys.readouterr()
    assert "OK five_commitments" in out.out
    lines = [ln.strip() for ln in out.err.splitlines() if ln.startswith("  ")]
    assert out.err.startswith("error: 3 problems in 2 instrument files:")
    assert len(lines) == 3
    assert lines[0].startswith(f"{a.name}:{_line(a, 'title:')}: title: this text is written per "
                               "language")
    assert lines[1].startswith(f"{a.name}:{_line(a, 'afective')}: ")
    assert "unknown construct 'afective' (did you mean 'affective'?)" in lines[1]
    assert lines[2].startswith(f"{b.name}:{_line(b, '{brand} feels')}: YAML reads the text")
    # within a file: sorted by line
    nums = [int(ln.split(":")[1]) for ln in lines[:2]]
    assert nums == sorted(nums)


def test_schema_and_cross_reference_problems_of_one_file_sorted_by_line(tmp_path):
    p = _variant(tmp_path, "c.yaml",
                 ("- outcome: loyalty\n      predictors: [satisfaction,",
                  "- outcome: loyalty\n      predictors: [satisfction,"),
                 ("        label: feel at home\n", "        label: feel at home\n        "
                  "keyed: minuss\n"),  # an item invalid: set aside, the rest still checked
                 (TITLE, "title: Why members stay\n"))
    with pytest.raises(InstrumentError) as e:
        load_instrument(p)
    probs = e.value.problems
    assert [x.code for x in probs] == ["invalid_value", "invalid_value", "unknown_construct"]
    assert [x.line for x in probs] == sorted(x.line for x in probs)
    assert "did you mean 'satisfaction'?" in probs[2].message
    assert "keyed" in probs[1].message
    # the item set aside does not add "loading for 'aff_1', which is not an item"
    assert "population" not in " ".join(x.field or "" for x in probs)


@pytest.mark.parametrize("old, new, needle, expect", [
    # a text per language given as one string: say what to write
    (TITLE, "title: Why members stay\n", "title:",
     "title: this text is written per language, not as one string: write title: "
     "{en: Why members stay}"),
    # the other way round: one text given per language
    ("        label: feel at home\n",
     "        label: {en: feel at home, es: en casa}\n", "label: {en: feel",
     "this is one text, not one per language: write it as a plain string, e.g. label: "
     "feel at home"),
    # an unquoted "{brand} ..." line: YAML reads a mapping, then a syntax error
    ("en: I feel at home at {brand}.", "en: {brand} feels like home.", "{brand} feels",
     "YAML reads the text '{brand} feels like home.' as a mapping because it starts with "
     "'{': put it in quotes: en: \"{brand} feels like home.\""),
    # an unquoted "{brand}" alone: YAML reads {brand: null}
    ("en: I feel at home at {brand}.", "en: {brand}", "en: {brand}",
     "YAML reads the unquoted {brand} as a mapping: put the text in quotes, e.g. en: "
     "\"{brand}\""),
    # an unknown construct in the model: did you mean
    ("predictors: [affective, habitual, forced]", "predictors: [afective, habitual, forced]",
     "afective", "unknown construct 'afective' (did you mean 'affective'?) in the structural "
     "model"),
])
def test_trap_messages_say_the_fix(tmp_path, old, new, needle, expect):
    p = _variant(tmp_path, "t.yaml", (old, new))
    with pytest.raises(InstrumentError) as e:
        load_instrument(p)
    (prob,) = e.value.problems
    assert expect in prob.message
    assert prob.line == _line(p, needle)



SMALL = """format: engagekit-instrument/1
id: small
title: {en: Small}
version: 1.0.0
default_language: en
languages: [{code: en, name: English, status: source}]
scales: [{id: score, kind: numeric, min: 0, max: 10}]
constructs:
  - id: f1
    name: f1
    definition: f1.
    role: predictor
    scale: score
    items: [{id: x1, text: {en: x1}}, {id: x2, text: {en: x2}}]
  - id: F2
    name: F2
    definition: F2.
    role: outcome
    scale: score
    items: [{id: x3, text: {en: x3}}, {id: x4, text: {en: x4}}]
survey:
  blocks: [{id: all, title: {en: All}, constructs: [f1, F2]}]
model:
  paths:
    - outcome: F2
      predictors: [F1]
"""


def test_invalid_ids_in_a_path_entry_and_inside_it(tmp_path, capsys):
    """Invalid construct ids as a path's outcome and as its first predictor: the path entry and
    an entry inside it are both set aside (the inner one first); every problem is reported
    (exit 2), not an internal error (was: IndexError)."""
    p = tmp_path / "small.yaml"
    p.write_text(SMALL, encoding="utf-8")
    assert main(["instruments", "validate", str(p)]) == 2
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert "small.yaml:15: construct 'F2' (constructs[1].id): String should match" in err
    assert "(model.paths[0].outcome): String should match pattern" in err
    assert "(model.paths[0].predictors[0]): String should match pattern" in err
