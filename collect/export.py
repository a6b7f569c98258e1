"""Exporting a study's complete responses in engagekit's response format.

The columns are :func:`instruments.response_format.response_columns` of the pinned instrument,
so ``engagekit responses check --strict`` and ``engagekit run`` read the file like any other.
In CSV every text cell that a spreadsheet would run as a formula (``= + - @``, tab, CR, LF) gets
a leading ``'`` (:mod:`instruments.spreadsheet`); engagekit's readers take it off again, so a
free-text answer comes back exactly as it was typed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.engine import Connection

from instruments.response_format import cell_text, response_columns
from instruments.spreadsheet import guard_row

from . import models as m
from .studies import Study


def response_rows(conn: Connection, study: Study) -> Iterator[dict]:
    """Every complete response of ``study`` as one response-format row, in arrival order."""
    inst = study.instrument
    items = [i.id for i in inst.items()]
    q = (select(m.responses).where(m.responses.c.study_id == study.id)
         .order_by(m.responses.c.id))
    for r in conn.execute(q):
        answers = json.loads(r.answers)
        row = {"respondent_id": r.respondent_id, "instrument_id": inst.id,
               "instrument_version": r.instrument_version, "language": r.language,
               "started_at": r.started_at, "ended_at": r.ended_at,
               "display_order": None if r.display_order is None else json.loads(r.display_order)}
        for i in items:
            row[i] = answers.get(i)
        yield row


def export_csv(conn: Connection, study: Study) -> str:
    """The responses as CSV text (UTF-8, CRLF, one header row; formula-like text made inert)."""
    columns = response_columns(study.instrument)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(guard_row(columns))
    for row in response_rows(conn, study):
        w.writerow(guard_row([cell_text(row.get(c)) for c in columns]))
    return buf.getvalue()


def export_json(conn: Connection, study: Study) -> str:
    """The responses as a JSON list of objects (the survey's own shape)."""
    return json.dumps(list(response_rows(conn, study)), indent=1, ensure_ascii=False) + "\n"
