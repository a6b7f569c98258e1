"""The cleaning log and the errors of the response readers.

Every change the readers make to what a file says is a :class:`CleaningEntry` naming the file,
row, column, item and offending value, what was done and what the user can do about it. With
``strict=True`` the first problem is raised as a :class:`ResponseValidationError` instead.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from instruments.errors import EngagekitInputError
from instruments.plain import to_plain
from instruments.problem_codes import RESPONSE_PROBLEMS

#: Problem kinds, in the order they are explained in the documentation (each is a problem code
#: of :mod:`instruments.problem_codes`).
PROBLEM_KINDS = RESPONSE_PROBLEMS


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
    #: the respondent the entry is about (row-level entries; None for whole columns)
    respondent_id: str | None = None

    def __post_init__(self) -> None:
        if self.problem not in RESPONSE_PROBLEMS:
            raise KeyError(f"cleaning-log problem {self.problem!r} is not catalogued in "
                           "instruments.problem_codes.RESPONSE_PROBLEMS")

    @property
    def code(self) -> str:
        """The stable problem code (the same as ``problem``)."""
        return self.problem

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
        return to_plain(asdict(self))


class ResponseFileError(EngagekitInputError):
    """A response file that cannot be read at all (missing, empty, corrupt, wrong instrument)."""

    code = "malformed_file"

    def __init__(self, file: str, message: str, row: int | None = None, unit: str = "line",
                 *, code: str | None = None):
        self.file = file
        self.row = row
        where = f"{file}, {unit} {row}" if row is not None else file
        super().__init__(f"{where}: {message}", code=code)


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
        super().__init__(f"{text} [strict mode: {more}]", code=first.problem)


class ColumnMapError(EngagekitInputError):
    """A column map (source column -> item id) that refers to unknown items or cannot be read."""

    code = "column_map"
