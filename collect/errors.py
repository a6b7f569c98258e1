"""Errors of the collection commands: the user can fix them (exit code 2 on the command line)."""

from __future__ import annotations

from instruments.errors import EngagekitInputError


class CollectError(EngagekitInputError):
    """A collect or serve option that does not fit (study name, dates, quota, database URL)."""

    code = "collect_option"


class StudyNotFoundError(CollectError):
    """No study of that name in the database."""

    code = "study_not_found"


class DatabaseError(CollectError):
    """The database cannot be opened, is not engagekit's, or needs ``collect migrate``."""

    code = "database"
