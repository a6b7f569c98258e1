"""Errors about input that the user can fix: they name the file, line and field, and say what to do.

:class:`EngagekitInputError` is the one root of every such error in engagekit (the command line
turns it into exit code 2). It is a ``ValueError``, so code that catches ``ValueError`` keeps
working. Each error and each :class:`Problem` carries a stable ``code`` from
:data:`instruments.problem_codes.CODES`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .problem_codes import check_code


class EngagekitInputError(ValueError):
    """Base class for problems with a user's input (exit code 2 on the command line).

    ``code`` is a stable name from :data:`~instruments.problem_codes.CODES`: a subclass sets a
    default, and ``code=`` on construction overrides it for one instance. The message names
    the file, line, field (or parameter) and says what to do.

    Parameters
    ----------
    *args
        The message (as for any exception).
    code : str or None
        A code from :data:`~instruments.problem_codes.CODES` for this instance (default: the
        class's ``code``).

    Examples
    --------
    >>> err = EngagekitInputError("responses.csv: file not found; check the path",
    ...                           code="file_not_found")
    >>> err.code, isinstance(err, ValueError)
    ('file_not_found', True)
    """

    code: str = "input"

    def __init__(self, *args: object, code: str | None = None):
        super().__init__(*args)
        if code is not None:
            self.code = check_code(code)


class InvalidArgumentError(EngagekitInputError):
    """A parameter of a public function or a field of a settings object is outside its range
    or of the wrong type; the message names it in the caller's terms."""

    code = "invalid_argument"


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    Parameters
    ----------
    file : str
        The file (or the name given to a text).
    line : int or None
        1-based line number; ``None`` when the problem concerns the whole file.
    message : str
        What is wrong and what to do.
    code : str
        A stable name from :data:`~instruments.problem_codes.CODES`.
    field : str or None
        The dotted location inside the file (e.g. ``constructs[5].items[0].scale``).

    Examples
    --------
    >>> problem = Problem("mine.yaml", 12, "unknown scale 'agree5'; declare it under 'scales'",
    ...                   "unknown_reference", "constructs[0].items[2].scale")
    >>> str(problem)
    "mine.yaml:12: unknown scale 'agree5'; declare it under 'scales'"
    """

    file: str
    line: int | None
    message: str
    code: str
    field: str | None = None

    def __post_init__(self) -> None:
        check_code(self.code)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class InstrumentError(EngagekitInputError):
    """An instrument file is unreadable or invalid. ``problems`` lists every problem found.

    Parameters
    ----------
    problems : list of Problem
        Every problem found; the error's ``code`` is the first problem's.
    files : int, default 1
        How many files the problems are in (for the heading).

    Examples
    --------
    >>> err = InstrumentError([Problem("mine.yaml", 3, "missing 'id'; add one",
    ...                                "missing_field", "id")])
    >>> print(err)
    1 problem in instrument definition:
      mine.yaml:3: missing 'id'; add one
    >>> err.codes
    ['missing_field']
    """

    code = "invalid_value"

    def __init__(self, problems: list[Problem], files: int = 1):
        self.problems = problems
        n = len(problems)
        head = f"{n} problem{'s' if n != 1 else ''} in instrument definition:" if files <= 1 \
            else f"{n} problems in {files} instrument files:"
        super().__init__("\n".join([head, *(f"  {p}" for p in problems)]),
                         code=problems[0].code if problems else None)

    @property
    def codes(self) -> list[str]:
        """The code of every problem, in order."""
        return [p.code for p in self.problems]
