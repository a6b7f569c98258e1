"""The instrument format: bundled library, round trips, and every validation rule with a broken file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from instruments import (
    EngagekitInputError,
    InstrumentError,
    Problem,
    bundled_names,
    dump_instrument,
    instrument_json_schema,
    load_instrument,
    parse_instrument,
)
from instruments.problem_codes import CODES
from instruments.schema import ItemRole, ScaleKind
from reports.cli import main

FIVE = resources.files("instruments.library") / "five_commitments.yaml"
SOURCE = FIVE.read_text(encoding="utf-8")


def _line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the ``occurrence``-th line containing ``needle``."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= occurrence, f"{needle!r} not in text"
    return hits[occurrence - 1]


def _broken(tmp_path: Path, old: str, new: str, count: int = 1) -> tuple[Path, str]:
    assert old in SOURCE, old
    text = SOURCE.replace(old, new, count)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text


def _problem_objects(path: Path) -> list[Problem]:
    with pytest.raises(InstrumentError) as exc:
        load_instrument(path)
    assert isinstance(exc.value, EngagekitInputError) and isinstance(exc.value, ValueError)
    return exc.value.problems


def _problems(path: Path) -> list[str]:
    return [str(p) for p in _problem_objects(path)]


def _found(path: Path) -> set[tuple[int | None, str]]:
    """``(line, code)`` of every problem in the file."""
    return {(p.line, p.code) for p in _problem_objects(path)}


# ---- the bundled library ----------------------------------------------------------------------


def test_bundled_library_lists_five_commitments():
    assert "five_commitments" in bundled_names()


def test_five_commitments_content_matches_the_design():
    inst = load_instrument("five_commitments")
    commitments = ["affective", "normative", "economic", "forced", "habitual"]
    for cid in commitments:
        c = inst.construct(cid)
        assert len(inst.measurement_items(c)) == 4
        assert inst.item_scale(c.items[0]).id == "agree7"
        assert "keiningham2015" in c.source
    reversed_in = {c.id for c in inst.constructs if any(i.keyed == "minus" for i in c.items)}
    assert len(reversed_in & set(commitments)) >= 2
    agree7 = inst.scale("agree7")
    assert (agree7.kind, agree7.min, agree7.max) == (ScaleKind.likert, 1, 7)
    sat = inst.construct("satisfaction")
    assert [inst.item_scale(i).max for i in sat.items] == [10, 10, 10]
    assert len(inst.construct("repurchase").items) == 3
    assert len(inst.construct("recommendation").items) == 2
    ltr = inst.item("ltr")
    assert (inst.item_scale(ltr).min, inst.item_scale(ltr).max) == (0, 10)
    checks = [i for i in inst.items() if i.role == ItemRole.attention_check]
    assert len(checks) == 2 and all(i.expected for i in checks)
    assert {"industry", "tenure"} <= {i.id for i in inst.construct("customer_profile").items}
    assert inst.language_codes == ["en", "nl", "de", "fr"]
    assert {lang.code: lang.status.value for lang in inst.languages} == {
        "en": "source", "nl": "draft", "de": "draft", "fr": "draft"}
    # the default model: five commitments -> satisfaction -> loyalty, direct paths kept
    eq = {p.outcome: set(p.predictors) for p in inst.model.paths}
    assert eq["satisfaction"] == set(commitments)
    assert eq["repurchase"] == set(commitments) | {"satisfaction"}
    assert eq["recommendation"] == set(commitments) | {"satisfaction"}


def test_reverse_keying_uses_the_declared_scale():
    inst = load_instrument("five_commitments")
    agree7 = inst.item_scale("aff_04r")
    assert [agree7.reverse(x) for x in (1, 4, 7)] == [7, 4, 1]
    assert inst.item_scale("ltr").reverse(9) == 1


def test_lavaan_syntax_of_the_default_model():
    inst = load_instrument("five_commitments")
    syntax = inst.to_lavaan()
    assert "affective =~ aff_01 + aff_02 + aff_03 + aff_04r" in syntax
    assert "satisfaction ~ affective + normative + economic + forced + habitual" in syntax
    assert "att_01" not in syntax and "industry" not in syntax
    cfa = inst.to_lavaan(structural=False)
    assert "~ " not in cfa.replace("=~", "") and "ltr" not in cfa


# ---- round trips ------------------------------------------------------------------------------


def test_by_name_and_by_path_give_equal_objects(tmp_path):
    copy = tmp_path / "my_copy.yaml"
    shutil.copyfile(str(FIVE), copy)
    assert load_instrument("five_commitments") == load_instrument(copy)
    assert load_instrument(str(copy)) == load_instrument(copy)


def test_yaml_model_yaml_round_trip_is_lossless():
    inst = load_instrument("five_commitments")
    text = dump_instrument(inst)
    again = parse_instrument(text, "dumped.yaml")
    assert again == inst
    assert dump_instrument(again) == text  # stable bytes
    assert again.model_dump() == inst.model_dump()


def test_json_schema_is_valid_json_and_describes_the_format():
    schema = json.loads(instrument_json_schema())
    assert schema["type"] == "object"
    assert {"id", "scales", "constructs", "survey"} <= set(schema["properties"])
    assert "Item" in schema["$defs"] and "keyed" in schema["$defs"]["Item"]["properties"]


# ---- every validation rule, one broken file each ----------------------------------------------


def test_duplicate_item_id(tmp_path):
    path, text = _broken(tmp_path, "      - id: aff_02\n", "      - id: aff_01\n")
    line = _line_of(text, "- id: aff_01", 2)
    assert (line, "id_not_unique") in _found(path)  # (and its knock-on problems)


def test_duplicate_construct_id(tmp_path):
    path, text = _broken(tmp_path, "  - id: normative\n", "  - id: affective\n")
    line = _line_of(text, "  - id: affective", 2)
    assert (line, "id_not_unique") in _found(path)


def test_unknown_scale_reference(tmp_path):
    path, text = _broken(tmp_path, "        scale: satisfied10\n", "        scale: agree5\n")
    line = _line_of(text, "scale: agree5")
    (problem,) = _problem_objects(path)
    assert (problem.line, problem.code, problem.field) == (line, "unknown_scale",
                                                           "constructs[5].items[0].scale")
    # the message as the README shows it
    assert str(problem) == f"broken.yaml:{line}: item 'sat_01' (constructs[5].items[0].scale): " \
        "item 'sat_01' refers to unknown scale 'agree5'; declare it under 'scales' or fix the " \
        "reference"


def test_missing_translation(tmp_path):
    old = "          fr: Je ressens un lien affectif avec {brand}.\n"
    path, text = _broken(tmp_path, old, "")
    line = _line_of(text, "I feel an emotional bond") - 1  # the 'text:' key of aff_01
    assert _found(path) == {(line, "missing_translation")}
    assert "missing 'fr'" in _problems(path)[0]


def test_text_in_undeclared_language(tmp_path):
    old = "          fr: Je ressens un lien affectif avec {brand}.\n"
    path, text = _broken(tmp_path, old, old + "          es: Siento un vínculo con {brand}.\n")
    line = _line_of(text, "es: Siento")
    assert _found(path) == {(line, "undeclared_language")}


def test_empty_construct(tmp_path):
    old = "survey:\n  consent:"
    new = ("  - id: loyalty_extra\n    name: Extra\n    definition: An empty construct.\n"
           "    role: outcome\n    scale: agree7\n    items: []\n" + old)
    path, text = _broken(tmp_path, old, new)
    line = _line_of(text, "    items: []")
    assert (line, "construct_no_items") in _found(path)


def test_scale_min_not_below_max(tmp_path):
    path, text = _broken(tmp_path, "    min: 1\n    max: 7\n", "    min: 7\n    max: 7\n")
    line = _line_of(text, "    min: 7")
    assert (line, "scale_range") in _found(path)
    assert any(p.startswith(f"broken.yaml:{line}:") and "scale 'agree7'" in p
               and "min (7) must be smaller than max (7)" in p for p in _problems(path))


def test_reverse_keyed_item_on_non_ordinal_scale(tmp_path):
    old = "      - id: tenure\n"
    path, text = _broken(tmp_path, old, old + "        keyed: minus\n")
    line = _line_of(text, "- id: tenure", 2) + 1  # the item, not the scale
    assert _found(path) == {(line, "reverse_key_not_ordinal")}


def test_placeholder_without_declared_value(tmp_path):
    old = "          en: I feel stuck with {brand}.\n"
    path, text = _broken(tmp_path, old, "          en: I feel stuck with {store}.\n")
    line = _line_of(text, "I feel stuck with {store}")
    assert _found(path) == {(line, "unknown_placeholder")}
    assert "'{store}' has no declared value" in _problems(path)[0]


def test_unknown_construct_in_block_and_model(tmp_path):
    path, text = _broken(tmp_path, "      constructs: [satisfaction]\n",
                         "      constructs: [satisfation]\n")
    line = _line_of(text, "constructs: [satisfation]")
    assert (line, "unknown_construct") in _found(path)
    path, text = _broken(tmp_path, "predictors: [affective, normative, economic, forced, habitual]",
                         "predictors: [afective, normative, economic, forced, habitual]")
    line = _line_of(text, "[afective,")
    assert (line, "unknown_construct") in _found(path)


def test_segmenting_construct_cannot_enter_the_model(tmp_path):
    path, text = _broken(tmp_path, "    - outcome: repurchase\n", "    - outcome: customer_profile\n")
    line = _line_of(text, "outcome: customer_profile")
    assert (line, "construct_role") in _found(path)


def test_attention_check_expected_answer_outside_scale(tmp_path):
    path, text = _broken(tmp_path, "        expected: 3\n", "        expected: 9\n")
    line = _line_of(text, "expected: 9")
    assert _found(path) == {(line, "attention_check")}


def test_retired_item_id_is_never_reused(tmp_path):
    path, text = _broken(tmp_path, "survey:\n  consent:", "retired_item_ids: [aff_03]\nsurvey:\n"
                         "  consent:")
    line = _line_of(text, "- id: aff_03")
    assert _found(path) == {(line, "retired_id_reused")}


def test_item_not_shown_on_any_page(tmp_path):
    path, text = _broken(tmp_path, "      items: [att_02]\n", "")
    line = _line_of(text, "- id: att_02")
    assert _found(path) == {(line, "item_not_shown")}


def test_unknown_field_and_bad_id_name_the_line(tmp_path):
    path, text = _broken(tmp_path, "        keyed: minus\n", "        keyd: minus\n")
    line = _line_of(text, "keyd: minus")
    assert (line, "unknown_field") in _found(path)
    assert any(p.startswith(f"broken.yaml:{line}:") and "aff_04r" in p and "keyd" in p
               for p in _problems(path))
    path, text = _broken(tmp_path, "      - id: aff_03\n", "      - id: Aff 03\n")
    line = _line_of(text, "id: Aff 03")
    assert (line, "invalid_value") in _found(path)


def test_yaml_syntax_error_names_the_line(tmp_path):
    path, text = _broken(tmp_path, "          en: I feel stuck with {brand}.\n",
                         "          en: [I feel stuck with {brand}.\n")
    line = _line_of(text, "en: [I feel stuck")
    (problem,) = _problem_objects(path)
    assert problem.code == "yaml_syntax" and problem.file == "broken.yaml"
    assert problem.line is not None and line <= problem.line <= line + 2


def test_all_problems_are_reported_at_once(tmp_path):
    text = SOURCE.replace("        scale: satisfied10\n", "        scale: agree5\n").replace(
        "          en: I feel stuck with {brand}.\n", "          en: I feel stuck with {store}.\n")
    path = tmp_path / "two.yaml"
    path.write_text(text, encoding="utf-8")
    assert {code for _, code in _found(path)} == {"unknown_scale", "unknown_placeholder"}


def test_missing_file_and_unknown_name_have_their_own_codes(tmp_path):
    assert _found(tmp_path / "nowhere.yaml") == {(None, "file_not_found")}
    with pytest.raises(InstrumentError) as exc:
        load_instrument("no_such_instrument")
    assert exc.value.codes == ["instrument_not_found"]


def test_every_problem_code_is_catalogued():
    assert all(code == code.lower() and " " not in code and meaning for code, meaning in
               CODES.items())
    with pytest.raises(KeyError, match="not_a_code"):
        Problem("x.yaml", 1, "message", "not_a_code")


def test_input_file_is_not_modified(tmp_path):
    path, text = _broken(tmp_path, "    min: 1\n    max: 7\n", "    min: 7\n    max: 7\n")
    before = path.read_bytes()
    _problems(path)
    assert path.read_bytes() == before


# ---- command line -----------------------------------------------------------------------------


def test_cli_validate_bundled_exits_0(capsys):
    assert main(["instruments", "validate", "five_commitments"]) == 0
    assert "OK five_commitments 1.0.1" in capsys.readouterr().out


def test_cli_validate_broken_exits_2_with_message_and_no_traceback(tmp_path, capsys):
    path, text = _broken(tmp_path, "        scale: satisfied10\n", "        scale: agree5\n")
    assert main(["instruments", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "broken.yaml:" in err and "unknown scale 'agree5'" in err
    assert "Traceback" not in err


def test_cli_show_list_schema(capsys, tmp_path):
    assert main(["instruments", "show", "five_commitments", "--lang", "de"]) == 0
    out = capsys.readouterr().out
    assert "{brand} liegt mir emotional am Herzen." in out and "reverse-keyed" in out
    assert main(["instruments", "show", "five_commitments", "--lang", "xx"]) == 2
    assert main(["instruments", "list"]) == 0
    assert "five_commitments" in capsys.readouterr().out
    out_file = tmp_path / "schema.json"
    assert main(["instruments", "schema", "-o", str(out_file)]) == 0
    assert json.loads(out_file.read_text())["title"] == "engagekit instrument"


def test_console_script_runs_and_returns_exit_codes(tmp_path):
    exe = Path(sys.executable).parent / "engagekit"
    ok = subprocess.run([str(exe), "instruments", "validate", "five_commitments"],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([str(exe), "instruments", "validate", str(tmp_path / "missing.yaml")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "missing.yaml" in bad.stderr and "Traceback" not in bad.stderr
    helped = subprocess.run([str(exe), "instruments", "--help"], capture_output=True, text=True)
    assert helped.returncode == 0 and "validate" in helped.stdout
