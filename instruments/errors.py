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
    default, and ``code=`` on construction overrides it for one instance.
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

    ``line`` is 1-based (``None`` when the problem concerns the whole file), ``code`` a stable
    name from :data:`~instruments.problem_codes.CODES`, ``field`` the dotted location inside the
    file (e.g. ``constructs[5].items[0].scale``) when there is one.
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
    """An instrument file is unreadable or invalid. ``problems`` lists every problem found."""

    code = "invalid_value"

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        n = len(problems)
        head = f"{n} problem{'s' if n != 1 else ''} in instrument definition:"
        super().__init__("\n".join([head, *(f"  {p}" for p in problems)]),
                         code=problems[0].code if problems else None)

    @property
    def codes(self) -> list[str]:
        """The code of every problem, in order."""
        return [p.code for p in self.problems]
