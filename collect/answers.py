"""Checking a response (or a saved page) against the pinned instrument before it is stored.

The body is the object the HTML survey writes (:mod:`instruments.response_format`): the metadata
fields and one field per item id. A response is refused (HTTP 422) with every problem listed,
each naming the field (item id), the value sent and what is wrong: an unknown field, an answer
that is not a code of the item's declared scale (or outside a numeric item's range), a required
item left blank, another instrument or version, an unknown language, a time that is not ISO
8601, a display order that is not a list of the instrument's item ids.

>>> from instruments import load_instrument
>>> inst = load_instrument("acsi_nps")
>>> body = {i.id: None for i in inst.items()} | {"acsi_sat_01": 11}
>>> problems = check_response(inst, body, partial=True)
>>> problems[0].field, problems[0].value, problems[0].message
('acsi_sat_01', 11, "is not a code of scale 'satisfied10' (1 to 10)")
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from instruments.plain import to_plain
from instruments.response_format import META_COLUMNS, item_columns
from instruments.schema import Instrument, ScaleKind

#: Respondent ids the survey makes or accepts (the same pattern as survey.js).
RESPONDENT_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_TEXT = 10_000  # characters of one free-text answer
MAX_TIME = 40


@dataclass(frozen=True)
class AnswerProblem:
    """One reason a response is refused: the field (item id or metadata), the value sent."""

    field: str
    value: Any
    message: str

    def to_dict(self) -> dict:
        value = self.value
        if isinstance(value, str) and len(value) > 200:
            value = value[:200] + "..."
        elif not isinstance(value, str | int | float | bool | type(None)):
            value = repr(value)[:200]
        return to_plain({"item": self.field, "value": value, "message": self.message})


@dataclass(frozen=True)
class CheckedResponse:
    """A response that passed: metadata and every item's answer (None = not answered)."""

    respondent_id: str
    language: str
    started_at: str | None
    ended_at: str | None
    display_order: list[str] | None
    answers: dict[str, Any]


def parse_time(value: Any) -> dt.datetime | None:
    """An ISO 8601 date-time with an offset, as the survey writes it; None if it is not one."""
    if not isinstance(value, str) or len(value) > MAX_TIME:
        return None
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo is not None else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def check_answer(inst: Instrument, item_id: str, value: Any) -> str | None:
    """What is wrong with ``value`` as the answer to ``item_id`` (None when it is valid)."""
    item = inst.item(item_id)
    scale = inst.item_scale(item)
    if value is None:
        return None
    if scale.kind == ScaleKind.free_text:
        if not isinstance(value, str):
            return "a free-text answer must be text"
        if len(value) > MAX_TEXT:
            return f"a free-text answer is limited to {MAX_TEXT} characters"
        return None
    x = _number(value)
    if x is None:
        return f"must be a number on scale '{scale.id}'"
    if x in scale.missing_codes:
        return None
    if scale.kind == ScaleKind.numeric:
        if (scale.min is not None and x < scale.min) or (scale.max is not None and x > scale.max):
            return (f"is outside the range {scale.min:g} to {scale.max:g} of scale "
                    f"'{scale.id}'")
        return None
    if not x.is_integer() or int(x) not in scale.codes:
        codes = scale.codes
        shown = (f"{codes[0]} to {codes[-1]}" if codes == list(range(codes[0], codes[-1] + 1))
                 else ", ".join(map(str, codes)))
        return f"is not a code of scale '{scale.id}' ({shown})"
    return None


def check_response(inst: Instrument, body: Any, *, partial: bool = False,
                   language: str | None = None) -> list[AnswerProblem]:
    """Every problem of ``body`` as a response to ``inst`` (empty when it can be stored).

    ``partial`` checks a saved page: required items may still be blank and the metadata may be
    absent. ``language`` is the study's language (another one is refused).
    """
    if not isinstance(body, dict):
        return [AnswerProblem("(body)", type(body).__name__,
                              "the response must be one JSON object")]
    problems: list[AnswerProblem] = []
    items = set(item_columns(inst))
    for key in body:
        if key not in items and key not in META_COLUMNS:
            problems.append(AnswerProblem(str(key)[:64], body[key],
                                          f"unknown item: instrument '{inst.id}' has no item "
                                          "of this id"))
    if not partial:
        for key, expected in (("instrument_id", inst.id),
                              ("instrument_version", inst.version)):
            if body.get(key) != expected:
                problems.append(AnswerProblem(key, body.get(key),
                                              f"this study collects '{expected}'"))
        lang = body.get("language")
        if lang != (language or lang) or lang not in inst.language_codes:
            problems.append(AnswerProblem("language", lang, "not the language of this study "
                                          f"({language or ', '.join(inst.language_codes)})"))
        rid = body.get("respondent_id")
        if not isinstance(rid, str) or not RESPONDENT_ID_RE.match(rid):
            problems.append(AnswerProblem("respondent_id", rid, "must be 1-64 letters, digits "
                                          "or . _ : -"))
        if body.get("ended_at") is not None and parse_time(body.get("ended_at")) is None:
            problems.append(AnswerProblem("ended_at", body.get("ended_at"),
                                          "must be an ISO 8601 date-time with offset"))
    if body.get("started_at") is not None and parse_time(body.get("started_at")) is None:
        problems.append(AnswerProblem("started_at", body.get("started_at"),
                                      "must be an ISO 8601 date-time with offset"))
    order = body.get("display_order")
    if order is not None and not (isinstance(order, list) and len(order) <= len(items)
                                  and all(isinstance(i, str) and i in items for i in order)
                                  and len(set(order)) == len(order)):
        problems.append(AnswerProblem("display_order", order,
                                      "must be a list of the instrument's item ids"))
    for item in inst.items():
        value = body.get(item.id)
        message = check_answer(inst, item.id, value)
        if message:
            problems.append(AnswerProblem(item.id, value, message))
        elif value is None and item.required and not partial:
            problems.append(AnswerProblem(item.id, None, "a required item has no answer"))
    return problems


def checked(inst: Instrument, body: dict) -> CheckedResponse:
    """The stored form of a ``body`` that :func:`check_response` passed."""
    answers = {}
    for item in inst.items():
        v = body.get(item.id)
        if isinstance(v, float) and v.is_integer() and inst.item_scale(item).kind != \
                ScaleKind.numeric:
            v = int(v)
        answers[item.id] = v
    return CheckedResponse(respondent_id=body.get("respondent_id") or "",
                           language=body.get("language") or inst.default_language,
                           started_at=body.get("started_at"), ended_at=body.get("ended_at"),
                           display_order=body.get("display_order"), answers=answers)
