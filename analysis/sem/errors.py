"""Exception types raised by :mod:`analysis.sem`."""

from __future__ import annotations

from instruments.errors import EngagekitInputError


class SEMInputError(EngagekitInputError):
    """The data or the model cannot be estimated as given.

    Raised *before* any numerical work for degenerate input (constant items,
    duplicated items, too few cases, non-positive-definite covariance matrix,
    unknown variable names, unsupported syntax).  The message names the
    offending item(s) so a researcher can act on it.
    """

    code = "model_not_estimable"


class SEMSyntaxError(SEMInputError):
    """The lavaan-style model syntax could not be parsed."""

    code = "model_syntax"
