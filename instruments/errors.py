"""Errors about input that the user can fix: they name the file, line and field, and say what to do."""

from __future__ import annotations

from dataclasses import dataclass


class EngagekitInputError(Exception):
    """Base class for problems with a user's input (exit code 2 on the command line)."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class InstrumentError(EngagekitInputError):
    """An instrument file is unreadable or invalid. ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        n = len(problems)
        head = f"{n} problem{'s' if n != 1 else ''} in instrument definition:"
        super().__init__("\n".join([head, *(f"  {p}" for p in problems)]))
