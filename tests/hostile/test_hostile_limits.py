"""Limits before parsing: every resource bomb is refused with a clear message, fast and small.

Each bomb is a file of at most a few hundred KB (or a sparse file whose size alone is refused)
that would, without engagekit's limits, expand to gigabytes or run for minutes: YAML alias
("billion laughs") bombs as an instrument and as a column map, nesting thousands of levels
deep (YAML flow and block, JSON), an ordinal scale of a billion codes, ``.inf``/``.nan`` scale
bounds, files beyond the size limits. Each must end through the command line with exit code 2,
a message naming the file and no traceback, within 5 s (a safety bound, not a benchmark; each
takes well under a second) and with less than 25 MB of Python allocations at the peak
(``tracemalloc``). A Hypothesis fuzz of the YAML loader and the column-map loader checks that
no input raises anything but an input error, with bounded memory.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.responses.readers.column_map import load_column_map
from instruments import EngagekitInputError, InstrumentError, load_instrument, parse_instrument
from instruments.checks import find_cycles
from instruments.limits import MAX_DEFINITION_BYTES, MAX_DEPTH, nesting_depth
from instruments.loader import resolve
from reports.cli import main

_, SOURCE = resolve("five_commitments")
INST = load_instrument("five_commitments")
#: Peak Python allocation allowed while a bomb is refused (the instrument itself takes ~3 MB).
MAX_PEAK_MB = 25
#: Wall-clock bound for refusing a bomb (each takes well under a second; asserted loosely).
MAX_SECONDS = 5


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs" YAML: ``width ** levels`` leaves from a few hundred bytes."""
    lines = ['l0: &l0 ["lol"' + ', "lol"' * (width - 1) + "]"]
    for k in range(1, levels + 1):
        lines.append(f"l{k}: &l{k} [" + ", ".join([f"*l{k - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def _likert(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


#: name -> (file name, content or a size for a sparse file, command line with {f} for the file)
BOMBS: dict[str, tuple[str, str | bytes | int, list[str]]] = {
    "yaml alias bomb (instrument)": ("laughs.yaml", alias_bomb(), ["instruments", "validate",
                                                                   "{f}"]),
    "yaml alias bomb in a valid instrument": (
        "aliased.yaml", SOURCE.replace("default_language: en", "x_anchor: &x\n  - a\n"
                                       "default_language: en\n", 1).replace(
            "description:", "y_alias: *x\ndescription:", 1), ["survey", "{f}", "-f", "html",
                                                                "-o", "{d}/s.html"]),
    "yaml merge-key alias": ("merge.yaml", "base: &b {a: 1}\nother:\n  <<: *b\n",
                             ["instruments", "validate", "{f}"]),
    "yaml alias bomb (column map)": ("map.yaml", alias_bomb(), ["responses", "check", "{r}",
                                                                "-i", "five_commitments",
                                                                "--column-map", "{f}"]),
    "yaml nested 100,000 deep (flow)": ("deep.yaml", "a: " + "[" * 100_000 + "]" * 100_000,
                                        ["instruments", "validate", "{f}"]),
    "yaml nested 2,000 deep (block)": (
        "deepblock.yaml", "".join(" " * k + f"k{k}:\n" for k in range(2000)) + " " * 2000 + "x",
        ["instruments", "validate", "{f}"]),
    "json column map nested 400,000 deep": ("map.json", "[" * 400_000 + "]" * 400_000,
                                            ["responses", "check", "{r}", "-i",
                                             "five_commitments", "--column-map", "{f}"]),
    "json column map nested 60 deep": ("map60.json", '{"a":' * 60 + "1" + "}" * 60,
                                       ["responses", "check", "{r}", "-i", "five_commitments",
                                        "--column-map", "{f}"]),
    "likert scale with max 1e9": ("wide.yaml", _likert(SOURCE, "max: 7\n", "max: 1e9\n"),
                                  ["simulate", "{f}", "-o", "{d}/x.csv", "--n", "5"]),
    "likert scale from -1e15 to 1e15": ("wide2.yaml", _likert(_likert(
        SOURCE, "min: 1\n", "min: -1e15\n"), "max: 7\n", "max: 1e15\n"),
        ["instruments", "validate", "{f}"]),
    "scale bound .inf": ("inf.yaml", _likert(SOURCE, "max: 7\n", "max: .inf\n"),
                         ["instruments", "validate", "{f}"]),
    "scale bound .nan": ("nan.yaml", _likert(SOURCE, "min: 1\n", "min: .nan\n"),
                         ["survey", "{f}", "-f", "xlsform", "-o", "{d}/x.xlsx"]),
    "instrument of 50 MB (sparse)": ("huge.yaml", 50 << 20, ["instruments", "validate", "{f}"]),
    "column map of 50 MB (sparse)": ("huge.json", 50 << 20, ["responses", "check", "{r}", "-i",
                                                             "five_commitments",
                                                             "--column-map", "{f}"]),
    "response file of 1.5 GiB (sparse)": ("huge.csv", 3 << 29, ["responses", "check", "{f}",
                                                               "-i", "five_commitments"]),
    "results.json nested 100,000 deep": ("results.json", "[" * 100_000 + "]" * 100_000,
                                         ["report", "{f}", "-o", "{d}/r.html"]),
    "results.json of 100 MB (sparse)": ("big_results.json", 100 << 20,
                                        ["report", "{f}", "-o", "{d}/r.html"]),
}


def _write(path: Path, content: str | bytes | int) -> None:
    if isinstance(content, int):
        with open(path, "wb") as fh:
            fh.truncate(content)  # sparse: the size is refused before a byte is read
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


@pytest.fixture(scope="module")
def warm():
    """Import every command's modules once: the bombs are measured, not the imports."""
    main(["instruments", "list"])


@pytest.mark.parametrize("name", list(BOMBS))
def test_each_bomb_is_refused_fast_small_and_clearly(name, tmp_path, capsys, warm):
    file_name, content, argv = BOMBS[name]
    f = tmp_path / file_name
    _write(f, content)
    responses = tmp_path / "r.csv"
    responses.write_text("aff_01,aff_02\n4,5\n", encoding="utf-8")
    args = [a.format(f=f, d=tmp_path, r=responses) for a in argv]
    capsys.readouterr()
    t0 = time.perf_counter()
    code = main(args)
    seconds = time.perf_counter() - t0
    err = capsys.readouterr().err
    assert code == 2, err
    assert file_name in err and "Traceback" not in err and "internal error" not in err
    assert seconds < MAX_SECONDS, f"{name}: {seconds:.1f} s"
    tracemalloc.start()  # again, for the memory (tracemalloc slows Python down several-fold)
    try:
        assert main(args) == 2
    finally:
        peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    assert peak_mb < MAX_PEAK_MB, f"{name}: {peak_mb:.0f} MB"
    assert not any(p.name not in {file_name, "r.csv"} for p in tmp_path.iterdir())
    capsys.readouterr()


def test_messages_say_what_limit_was_hit(tmp_path):
    with pytest.raises(InstrumentError, match=r"found alias '\*l0'; aliases and merge keys"):
        parse_instrument(alias_bomb(), "laughs.yaml")
    with pytest.raises(InstrumentError, match=f"nested more than {MAX_DEPTH} levels deep"):
        parse_instrument("a: " + "[" * 500 + "]" * 500, "deep.yaml")
    with pytest.raises(InstrumentError, match="scale 'agree7' runs from 1 to 1e\\+09, "
                       "1,000,000,000 codes; a likert scale has at most 101 codes"):
        parse_instrument(_likert(SOURCE, "max: 7\n", "max: 1e9\n"), "wide.yaml")
    with pytest.raises(InstrumentError, match=r"scales\[0\].max\): Input should be a finite "
                       r"number \(got inf\); write a finite number"):
        parse_instrument(_likert(SOURCE, "max: 7\n", "max: .inf\n"), "inf.yaml")
    big = tmp_path / "big.yaml"
    big.write_text("#" * (MAX_DEFINITION_BYTES + 1))
    with pytest.raises(InstrumentError, match=r"big.yaml: is 1 MiB; engagekit reads instrument "
                       "files of at most 1 MiB"):
        load_instrument(big)


def test_a_scale_of_101_codes_is_allowed_and_102_refused():
    ok = _likert(_likert(SOURCE, "min: 1\n", "min: 0\n"), "max: 7\n", "max: 100\n")
    with pytest.raises(InstrumentError) as exc:  # anchors of 1..7 no longer cover the end points
        parse_instrument(ok)
    assert "at most 101 codes" not in str(exc.value)
    with pytest.raises(InstrumentError, match="101 codes"):
        parse_instrument(_likert(_likert(SOURCE, "min: 1\n", "min: 0\n"), "max: 7\n",
                                 "max: 101\n"))


def test_an_instrument_path_that_is_a_folder_says_so(tmp_path):
    with pytest.raises(InstrumentError, match="is a folder, not an instrument file"):
        load_instrument(tmp_path)


def test_nesting_depth_is_counted_without_recursion():
    deep: list = []
    node = deep
    for _ in range(100_000):
        node.append([])
        node = node[0]
    assert nesting_depth(deep) == MAX_DEPTH + 1  # stops counting past the limit
    assert nesting_depth({"a": [1, {"b": 2}]}) == 3 and nesting_depth(5) == 0


# ---- structural-model loops -----------------------------------------------------------------

def test_find_cycles_names_each_loop_in_predictive_order():
    assert find_cycles({"b": ["a"], "a": ["b"]}) == [["b", "a"]]
    loops = find_cycles({"sat": ["aff", "loy"], "loy": ["sat"], "x": ["y"], "y": ["z"],
                         "z": ["x"], "w": ["w"]})
    assert loops == [["sat", "loy"], ["x", "z", "y"]]  # x predicts z predicts y predicts x
    assert find_cycles({"y": ["x"], "z": ["x", "y"]}) == []
    chain = {f"c{k}": [f"c{k + 1}"] for k in range(5000)} | {"c5000": ["c0"]}
    (loop,) = find_cycles(chain)  # long loops without recursion
    assert len(loop) == 5001


@pytest.mark.parametrize("old,new,message", [
    ("predictors: [affective, normative, economic, forced, habitual]\n",
     "predictors: [affective, normative, economic, forced, habitual, repurchase]\n",
     "the structural model has a loop: satisfaction -> repurchase -> satisfaction"),
    ("predictors: [affective, normative, economic, forced, habitual]\n",
     "predictors: [affective, normative, satisfaction]\n",
     "'satisfaction' is both the outcome and a predictor of this path"),
    ("predictors: [affective, normative, economic, forced, habitual]\n",
     "predictors: [affective, nosuch]\n",
     "unknown construct 'nosuch' in the structural model"),
])
def test_instruments_validate_catches_model_errors_naming_the_constructs(tmp_path, capsys, old,
                                                                        new, message):
    path = tmp_path / "model.yaml"
    path.write_text(_likert(SOURCE, old, new), encoding="utf-8")
    for argv in (["instruments", "validate", str(path)],
                 ["simulate", str(path), "-o", str(tmp_path / "s.csv"), "--n", "5"],
                 ["survey", str(path), "-f", "html", "-o", str(tmp_path / "s.html")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "model.yaml:" in err and message in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.yaml"]


# ---- Hypothesis: the YAML loader and the column map ------------------------------------------

FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_YAML_PIECES = st.sampled_from([
    "&a ", "*a", "<<: *a", "[", "]", "{", "}", ": ", "- ", "\n", "  ", "'", '"', "!!python/object:os.system ",
    "!!binary ", "? ", "|", ">", "#", ".inf", ".nan", "1e9", "max: ", "min: ", "id: ", "~", "%YAML 1.1\n",
    "---\n", "...\n", "\t", "\x00", "\ufeff", "é", "9" * 30,
])


def _bounded(fn) -> None:
    """Run ``fn``; only input errors may escape, and peak allocations stay small."""
    tracemalloc.start()
    try:
        fn()
    except EngagekitInputError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < MAX_PEAK_MB * 1e6


@FUZZ
@given(st.lists(_YAML_PIECES, max_size=60).map("".join))
def test_fuzz_yaml_pieces_never_crash_the_instrument_loader(text):
    _bounded(lambda: parse_instrument(text, "fuzz.yaml"))


@FUZZ
@given(st.text(max_size=300))
def test_fuzz_random_text_never_crashes_the_instrument_loader(text):
    _bounded(lambda: parse_instrument(text, "fuzz.yaml"))


@settings(FUZZ, max_examples=12)
@given(st.integers(0, len(SOURCE) - 1), st.lists(_YAML_PIECES, min_size=1, max_size=6).map("".join))
def test_fuzz_edits_of_a_valid_instrument_never_crash_the_loader(pos, piece):
    _bounded(lambda: parse_instrument(SOURCE[:pos] + piece + SOURCE[pos:], "fuzz.yaml"))


_JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                        lambda kids: st.lists(kids, max_size=4)
                        | st.dictionaries(st.text(max_size=8), kids, max_size=4), max_leaves=20)


@FUZZ
@given(st.sampled_from([".yaml", ".json", ".csv", ".txt"]),
       st.one_of(st.lists(_YAML_PIECES, max_size=40).map("".join),
                 _JSONISH.map(json.dumps), st.binary(max_size=200)))
def test_fuzz_column_map_files_never_crash(tmp_path_factory, suffix, content):
    path = tmp_path_factory.mktemp("map") / f"map{suffix}"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    _bounded(lambda: load_column_map(path, INST))


@FUZZ
@given(_JSONISH)
def test_fuzz_column_map_objects_never_crash(data):
    _bounded(lambda: load_column_map(data if isinstance(data, dict) else {"x": data}, INST))


def test_impossible_yaml_timestamp_is_an_input_error():
    """Found by the fuzz above: ruamel builds a date for '0000-0-0 0:00:00' and raises ValueError."""
    with pytest.raises(InstrumentError) as err:
        parse_instrument("0000-0-0 0:00:00", "fuzz.yaml")
    assert err.value.problems[0].code == "yaml_syntax"
    assert "fuzz.yaml" in str(err.value)
