"""Structural equation modelling core (placeholder docstring, see below)."""

from .api import FitState, fit, fit_from_moments
from .errors import SEMInputError, SEMSyntaxError
from .modindices import modification_indices
from .result import SEMResult

__all__ = ["FitState", "modification_indices", "SEMInputError", "SEMResult", "SEMSyntaxError", "fit", "fit_from_moments"]
