"""Property-based tests: malformed response files never cause an unhandled exception.

Random bytes, random JSON, and random edits of valid files in every format are fed to the
readers; the only exceptions allowed are :class:`EngagekitInputError` subclasses (a clear
message, exit code 2 on the command line).
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.responses import FORMATS, read_responses, write_responses
from analysis.responses.simulate import simulate
from analysis.responses.writers import write_limesurvey, write_qualtrics
from instruments import EngagekitInputError, load_instrument

INST = load_instrument("five_commitments")
SIM = simulate(INST, n=4, seed=1, missing=.1)
FAST = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _valid(fmt: str, suffix: str) -> bytes:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"v{suffix}"
        if fmt == "qualtrics":
            write_qualtrics(SIM.data, p, INST)
        elif fmt == "limesurvey":
            write_limesurvey(SIM.data, p, INST)
        else:
            write_responses(SIM.data, p, INST, format=fmt)
        return p.read_bytes()


VALID = {
    "engagekit-csv": (_valid("engagekit", ".csv"), ".csv"),
    "engagekit-json": (_valid("engagekit", ".json"), ".json"),
    "qualtrics": (_valid("qualtrics", ".csv"), ".csv"),
    "limesurvey": (_valid("limesurvey", ".csv"), ".csv"),
    "surveyjs": (_valid("surveyjs", ".json"), ".json"),
    "excel": (_valid("excel", ".xlsx"), ".xlsx"),
    "parquet": (_valid("parquet", ".parquet"), ".parquet"),
    "spss": (_valid("spss", ".sav"), ".sav"),
}


def _read(content: bytes, suffix: str, fmt: str = "auto", strict: bool = False) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"fuzz{suffix}"
        p.write_bytes(content)
        try:
            data = read_responses(p, INST, format=fmt, strict=strict)
        except EngagekitInputError as e:
            assert str(e).strip()  # a message, naming the file
            assert str(p) in str(e) or "column map" in str(e)
            return
        assert data.n >= 1
        assert list(data.items.columns) == [i.id for i in INST.items()]
        json.dumps(data.to_dict())  # still plain data
        assert p.read_bytes() == content


SUFFIXES = st.sampled_from([".csv", ".tsv", ".json", ".xlsx", ".parquet", ".sav", ".txt", ""])


@FAST
@given(content=st.binary(max_size=2000), suffix=SUFFIXES,
       fmt=st.sampled_from(FORMATS), strict=st.booleans())
def test_random_bytes(content, suffix, fmt, strict):
    _read(content, suffix, fmt, strict)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12)
    | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=5) | st.dictionaries(
        st.sampled_from(["aff_01", "ltr", "respondent_id", "display_order", "started_at",
                         "instrument_id", "instrument_version", "language", "relationship",
                         "x", ""]) | st.text(max_size=8), kids, max_size=6),
    max_leaves=30)


@FAST
@given(value=JSON, strict=st.booleans())
def test_random_json(value, strict):
    _read(json.dumps(value).encode(), ".json", "auto", strict)


@st.composite
def _text_edit(draw, text: str) -> str:
    lines = text.splitlines(keepends=True)
    kind = draw(st.sampled_from(["cell", "cell", "line", "drop", "truncate", "insert"]))
    junk = draw(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)
                | st.sampled_from(["", "-99", "99", "3.5", "1e400", "nan", "inf", '"', ",",
                                   ";", "\t", "\n", "\x00", "[", '{"ImportId":', "NA", " 4 ",
                                   "2026-13-45T99:99:99Z", '["aff_01","aff_01"]', "True"]))
    if kind == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    k = draw(st.integers(0, max(0, len(lines) - 1)))
    if kind == "drop" and lines:
        del lines[k]
    elif kind == "insert":
        lines.insert(k, junk + "\n")
    elif kind == "line" and lines:
        lines[k] = junk + "\n"
    elif lines:
        cells = lines[k].rstrip("\r\n").split(",")
        j = draw(st.integers(0, len(cells) - 1))
        cells[j] = junk
        lines[k] = ",".join(cells) + "\n"
    return "".join(lines)


@FAST
@given(data=st.data(), which=st.sampled_from(["engagekit-csv", "qualtrics", "limesurvey",
                                             "engagekit-json", "surveyjs"]),
       strict=st.booleans(), edits=st.integers(1, 4))
def test_edited_text_files(data, which, strict, edits):
    content, suffix = VALID[which]
    text = content.decode("utf-8-sig")
    for _ in range(edits):
        text = data.draw(_text_edit(text))
    fmt = data.draw(st.sampled_from(["auto", which.split("-")[0] if "-" in which else which]))
    _read(text.encode("utf-8"), suffix, fmt, strict)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(which=st.sampled_from(["excel", "parquet", "spss"]), data=st.data())
def test_corrupted_binary_files(which, data):
    content, suffix = VALID[which]
    buf = bytearray(content)
    how = data.draw(st.sampled_from(["truncate", "flip", "flip", "zero"]))
    if how == "truncate":
        buf = buf[: data.draw(st.integers(0, len(buf)))]
    else:
        for _ in range(data.draw(st.integers(1, 8))):
            pos = data.draw(st.integers(0, len(buf) - 1))
            buf[pos] = 0 if how == "zero" else data.draw(st.integers(0, 255))
    _read(bytes(buf), suffix, "auto", data.draw(st.booleans()))


@pytest.mark.parametrize("which", sorted(VALID))
def test_unedited_files_read_cleanly(which):
    content, suffix = VALID[which]
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"ok{suffix}"
        p.write_bytes(content)
        assert read_responses(p, INST).log == []


def test_fuzz_helpers_are_not_vacuous():
    """The edit strategy really changes files (guards against a no-op fuzzer)."""
    text = VALID["engagekit-csv"][0].decode()
    assert io.StringIO(text).readline().startswith("respondent_id,")
