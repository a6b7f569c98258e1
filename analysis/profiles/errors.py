"""The exception raised by :mod:`analysis.profiles` (an input error: exit code 2)."""

from __future__ import annotations

from instruments.errors import EngagekitInputError

__all__ = ["ProfilesInputError"]


class ProfilesInputError(EngagekitInputError):
    """The data, the constructs or a setting cannot be used for a latent profile analysis.

    Raised before any numerical work; the message names the column, construct or setting and
    says what to do.
    """

    code = "profiles_input"
