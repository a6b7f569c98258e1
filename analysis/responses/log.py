"""The cleaning log and the errors of the response readers.

Every change the readers make to what a file says is a :class:`CleaningEntry` naming the file,
row, column, item and offending value, what was done and what the user can do about it. With
``strict=True`` the first problem is raised as a :class:`ResponseValidationError` instead.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from instruments.errors import EngagekitInputError

#: Problem kinds, in the order they are explained in the documentation.
PROBLEM_KINDS = {
    "unknown_column": "a column that is not an item of the instrument (ignored)",
    "missing_column": "an item of the instrument with no column in the file (all missing)",
    "duplicate_column": "two columns for the same item (the first is used)",
    "ragged_row": "a row with more cells than the header has columns (the extra cells ignored)",
    "non_numeric": "text where a numeric code belongs (set to missing)",
    "out_of_scale": "a number that is not a code of the item's declared scale (set to missing)",
    "missing_id": "a blank respondent id (an id is made from the row number)",
    "duplicate_id": "a respondent id seen before (the later row is renamed id#2, id#3, ...)",
    "wrong_version": "responses given to another version of the instrument (rows kept)",
    "unknown_language": "a language the instrument does not declare (set to missing)",
    "bad_timestamp": "a start or end time that is not an ISO 8601 date-time (set to missing)",
    "end_before_start": "an end time before the start time (duration set to missing)",
    "bad_display_order": "a display order that is not a JSON list of item ids (set to missing)",
    "value_label": "an SPSS value label for a code the declared scale does not have",
    "user_missing": "SPSS user-missing values that are not missing codes of the instrument",
}


@dataclass(frozen=True)
class CleaningEntry:
    """One problem found in a response file and what the reader did about it.

    ``row`` is the position as the user sees it: the line number in a text file (header =
    line 1), the spreadsheet row in Excel, the record number (from 1) in JSON, the case number
    in SPSS and Parquet files; ``unit`` says which. Column-level problems have ``row=None``.
    """

    file: str
    row: int | None
    column: str | None
    item: str | None
    value: str | None
    problem: str
    message: str
    action: str
    hint: str = ""
    unit: str = "line"

    def where(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"{self.unit} {self.row}")
        if self.column is not None:
            col = f"column '{self.column}'"
            if self.item is not None and self.item != self.column:
                col += f" (item {self.item})"
            parts.append(col)
        elif self.item is not None:
            parts.append(f"item {self.item}")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.where()}: {self.message}"
        if self.action:
            text += f"; {self.action}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def to_dict(self) -> dict:
        return asdict(self)


class ResponseFileError(EngagekitInputError):
    """A response file that cannot be read at all (missing, empty, corrupt, wrong instrument)."""

    def __init__(self, file: str, message: str, row: int | None = None, unit: str = "line"):
        self.file = file
        self.row = row
        where = f"{file}, {unit} {row}" if row is not None else file
        super().__init__(f"{where}: {message}")


class ResponseValidationError(EngagekitInputError):
    """Strict reading found problems; ``problems`` lists them all, the message names the first."""

    def __init__(self, problems: list[CleaningEntry]):
        self.problems = problems
        n = len(problems)
        first = problems[0]
        text = f"{first.where()}: {first.message}"
        if first.hint:
            text += f" ({first.hint})"
        more = (f"{n} problems in all; " if n > 1 else "") + (
            "without strict mode every problem is listed and bad values become missing")
        super().__init__(f"{text} [strict mode: {more}]")


class ColumnMapError(EngagekitInputError):
    """A column map (source column -> item id) that refers to unknown items or cannot be read."""
