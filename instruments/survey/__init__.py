"""Surveys from instruments: a standalone HTML survey and exports for survey platforms.

>>> from instruments import load_instrument
>>> from instruments.survey import render_html
>>> html = render_html(load_instrument("five_commitments"), lang="nl", brand="Acme")
>>> '<html lang="nl"' in html
True
"""

import warnings
from typing import Any

from ..response_format import META_COLUMNS
from .html import render_html
from .layout import Page, Question, SurveyOptionError, survey_pages
from .order import display_order, shuffled

__all__ = [
    "Page",
    "Question",
    "SurveyOptionError",
    "display_order",
    "render_html",
    "shuffled",
    "survey_pages",
]


def __getattr__(name: str) -> Any:
    # RESPONSE_COLUMNS was the list of metadata columns before the response format moved to
    # instruments.response_format; kept one minor version as a deprecated alias.
    if name == "RESPONSE_COLUMNS":
        warnings.warn("instruments.survey.RESPONSE_COLUMNS is deprecated; use "
                      "instruments.response_format.META_COLUMNS", DeprecationWarning,
                      stacklevel=2)
        return list(META_COLUMNS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
