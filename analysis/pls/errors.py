"""Exception types raised by :mod:`analysis.pls` (both are input errors: exit code 2)."""

from __future__ import annotations

from instruments.errors import EngagekitInputError

__all__ = ["PLSInputError", "PLSNotConvergedError"]


class PLSInputError(EngagekitInputError):
    """The data, the model syntax or a setting cannot be used for PLS path modelling.

    Raised before any numerical work; the message names the line, construct, item or setting
    and says what to do.
    """

    code = "pls_input"


class PLSNotConvergedError(PLSInputError):
    """The outer weights did not settle within ``max_iter`` iterations (seminr's rule: the sum
    of absolute weight changes between two iterations stays at or above ``tol``)."""

    code = "pls_not_converged"
