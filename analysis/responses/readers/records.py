"""Delimited text (CSV/TSV, Qualtrics and LimeSurvey exports) into records, with every record
that cannot be trusted named by its line instead of silently merged, cut or padded.

Python's ``csv`` module, like a spreadsheet, reads a ``"`` at the start of a cell as the opening
of a quoted cell that runs to the next ``"`` - across line ends. One stray quote in a free-text
answer therefore swallows the following lines (respondents) into one cell, and the file still
"reads" without error. :func:`read_records` checks each record against the header:

* **unclosed quote** - a record whose quotes do not pair up and that has the wrong number of
  cells, or that spans several lines and whose quotes do not pair up, whose merged cell holds
  what looks like whole rows (as many delimiters as the header), or that ends with the wrong
  number of cells. The record's first line is dropped (logged ``unclosed_quote``
  with the lines it swallowed) and reading **starts again on the next line**, so the respondents
  it swallowed are read as rows, not lost;
* **truncated row** - the file ends inside the last record (no line end, fewer cells than the
  header, or inside a quoted cell): the export was cut off; the row is dropped and logged;
* **unreadable record** - the ``csv`` module gives up (e.g. a cell over its 128 KB limit): the
  line is dropped and logged, and reading starts again on the next line;
* rows with more or fewer cells than the header are kept; :func:`~.common._table` logs them
  (``ragged_row``: extra cells ignored, missing cells read as blank).

A problem in the header itself is not recoverable: :class:`ResponseFileError` names the line.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from ..log import CleaningEntry, ResponseFileError
from ..validate import show

#: Reasons under which rows are dropped (keys of ``RawTable.dropped``).
UNCLOSED = "unparseable (unclosed quote)"
TRUNCATED = "unparseable (file cut off in this row)"
UNREADABLE = "unparseable (not delimited text)"


@dataclass
class Records:
    """The records of a delimited file: ``rows`` (line where each record starts, cells; the
    header first), the ``problems`` found, rows ``dropped`` by reason, and the cells each
    dropped line holds when split without quoting (to name its respondent id)."""

    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    problems: list[CleaningEntry] = field(default_factory=list)
    dropped: dict[str, list[int]] = field(default_factory=dict)
    dropped_cells: dict[int, list[str]] = field(default_factory=dict)


def _swallowed(row: list[str], width: int, delimiter: str) -> bool:
    """A cell holding a line break followed by what looks like a whole row of the file."""
    need = max(2, width - 1)
    for cell in row:
        if "\n" in cell or "\r" in cell:
            for line in cell.splitlines()[1:]:
                if line.count(delimiter) >= need:
                    return True
    return False


def read_records(text: str, file: str, delimiter: str, unit: str = "line") -> Records:
    """Every non-blank record of ``text`` (see the module notes for what is checked)."""
    lines = io.StringIO(text, newline="").readlines()
    out = Records()
    width: int | None = None
    quote = '"'
    ends_open = bool(text) and not text.endswith(("\n", "\r"))

    def drop(first: int, reason: str, problem: str, message: str, action: str, hint: str,
             value: str | None = None) -> None:
        line = first + 1
        if width is None:
            raise ResponseFileError(file, f"the header {message}; {hint}", row=line, unit=unit,
                                    code="malformed_file")
        out.problems.append(CleaningEntry(file, line, None, None, value, problem, message,
                                          action, hint, unit))
        out.dropped.setdefault(reason, []).append(line)
        raw = lines[first].rstrip("\r\n")
        cells = next(csv.reader([raw], delimiter=delimiter, quoting=csv.QUOTE_NONE), [])
        out.dropped_cells[line] = [c.strip().strip(quote) for c in cells]

    start = 0
    while start < len(lines):
        reader = csv.reader(iter(lines[start:]), delimiter=delimiter)
        restart = None
        while True:
            first = start + reader.line_num  # 0-based index of the record's first line
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                drop(first, UNREADABLE, "unreadable_row",
                     f"cannot be read as delimited text ({e})",
                     "row dropped; the lines after it are read again as rows",
                     "check the quoting of this row")
                restart = first + 1
                break
            last = start + reader.line_num - 1
            if not row or not any(c.strip() for c in row):
                continue
            if width is None:
                raw = "".join(lines[first:last + 1])
                if last > first and raw.count(quote) % 2:
                    drop(first, UNCLOSED, "unclosed_quote", "has a quote (\") that is never "
                         "closed", "", "remove the stray quote or quote the cell properly")
                width = len(row)
                out.rows.append((first + 1, row))
                continue
            at_end = last == len(lines) - 1
            raw = "".join(lines[first:last + 1])
            unbalanced = raw.count(quote) % 2 == 1
            if at_end and ends_open and len(row) < width:
                drop(first, TRUNCATED, "truncated_row",
                     f"the file ends inside this row ({len(row)} of {width} cells, no line "
                     "end): the export was cut off", "row dropped",
                     "export the responses again; a complete file ends with a line end",
                     show(row[-1]) if row else None)
                break
            if (unbalanced and len(row) != width) or (
                    last > first and (unbalanced or len(row) != width
                                      or _swallowed(row, width, delimiter))):
                if last == first:
                    what = (f"a quote (\") in this row is not paired: the row reads as "
                            f"{len(row)} cells instead of {width}")
                elif at_end and unbalanced:
                    what = ("a quote (\") opened in this row is never closed: the file ends "
                            f"inside it, {last - first} later line(s) were read into one cell")
                else:
                    what = (f"a quote (\") opened in this row is closed only on line "
                            f"{last + 1}: {last - first} later line(s) were read into one cell")
                drop(first, UNCLOSED, "unclosed_quote", what,
                     "row dropped; the lines after it are read again as rows" if last > first
                     else "row dropped",
                     "remove the stray quote, or quote the whole cell and double the quotes "
                     "inside it")
                restart = first + 1
                break
            if at_end and unbalanced and len(row) != width:
                drop(first, TRUNCATED, "truncated_row", "the file ends inside a quoted cell of "
                     f"this row ({len(row)} of {width} cells): the export was cut off or a "
                     "quote is not closed", "row dropped", "export the responses again or "
                     "close the quote")
                break
            out.rows.append((first + 1, row))
        if restart is None:
            break
        start = restart
    return out


__all__ = ["TRUNCATED", "UNCLOSED", "UNREADABLE", "Records", "read_records"]
