"""Surveys from instruments: a standalone HTML survey and exports for survey platforms.

>>> from instruments import load_instrument
>>> from instruments.survey import render_html
>>> html = render_html(load_instrument("five_commitments"), lang="nl", brand="Acme")
>>> '<html lang="nl"' in html
True
"""

from .html import RESPONSE_COLUMNS, render_html
from .layout import Page, Question, SurveyOptionError, survey_pages
from .order import display_order, shuffled

__all__ = [
    "RESPONSE_COLUMNS",
    "Page",
    "Question",
    "SurveyOptionError",
    "display_order",
    "render_html",
    "shuffled",
    "survey_pages",
]
