"""Properties (Hypothesis): spreadsheet guarding is lossless and never leaves a formula; quotes,
delimiters and line breaks dropped anywhere into a response file never lose a respondent
silently; the cleaning log stays bounded."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

from corpus import responses  # noqa: E402

from analysis.responses import read_responses  # noqa: E402
from analysis.responses.validate import MAX_ENTRIES_PER_COLUMN  # noqa: E402
from instruments import EngagekitInputError  # noqa: E402
from instruments.spreadsheet import FORMULA_START, guard, needs_guard, unguard  # noqa: E402

FAST = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_TEXT = st.text(alphabet=st.sampled_from(list("=+-@'\t\r\n\uff1d ab1.,e\"")), max_size=12)


@settings(FAST, max_examples=400)
@given(_TEXT)
def test_guard_is_lossless_and_leaves_no_formula(text):
    g = guard(text)
    assert unguard(g) == text
    assert not (g[:1] and g.startswith(FORMULA_START)) or _NUMBER.match(g)
    if _NUMBER.match(text):
        assert g == text  # numbers are data
    assert needs_guard(text) == (g != text)


SOURCE = responses(40)
LINES = SOURCE.split("\r\n")


@FAST
@given(st.lists(st.tuples(st.integers(1, len(LINES) - 2), st.integers(0, 400),
                          st.sampled_from(['"', '"', ",", "\r\n", '""', "\n", "'=1"])),
                min_size=1, max_size=6))
def test_stray_quotes_and_delimiters_never_lose_a_respondent_silently(edits):
    lines = list(LINES)
    for line, pos, piece in edits:
        text = lines[line]
        pos = min(pos, len(text))
        lines[line] = text[:pos] + piece + text[pos:]
    body = "\r\n".join(lines)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "r.csv"
        p.write_text(body, encoding="utf-8", newline="")
        try:
            data = read_responses(p, "five_commitments")
        except EngagekitInputError:
            return  # refused with a message: nothing silently lost
    s = data.source
    assert data.n + sum(s.dropped.values()) == s.n_rows
    assert len(data.dropped_entries()) == sum(s.dropped.values())
    # each dropped row has its problem in the log, on its line
    problem_rows = {e.row for e in data.log if e.problem in ("unclosed_quote", "truncated_row",
                                                               "unreadable_row")}
    assert {r for rows in s.dropped_rows.values() for r in rows} <= problem_rows
    # no run of respondents vanished into one cell: at most one line per edit is absorbed
    assert s.n_rows >= len(LINES) - 2 - len(edits)


@FAST
@given(st.integers(1, 3000))
def test_the_cleaning_log_is_bounded_but_counts_every_problem(n):
    body = "aff_01,aff_02\n" + "x,99\n" * n
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "r.csv"
        p.write_text(body)
        data = read_responses(p, "five_commitments")
    for kind, col in (("non_numeric", "aff_01"), ("out_of_scale", "aff_02")):
        listed = [e for e in data.log if e.problem == kind and e.column == col]
        assert len(listed) == min(n, MAX_ENTRIES_PER_COLUMN) + (n > MAX_ENTRIES_PER_COLUMN)
        if n > MAX_ENTRIES_PER_COLUMN:
            assert f"{n - MAX_ENTRIES_PER_COLUMN:,} more {kind} problems" in listed[-1].message
