"""How a study is going: responses, completion rate, drop-off per page, median duration, quota.

Definitions (one respondent = one respondent id; anonymous studies count the same way):

* ``completed``: complete responses stored.
* ``in_progress``: respondents with a saved page and no complete response.
* ``started``: ``completed + in_progress + stopped_at_consent`` (agreed consents with neither a
  saved page nor a response: they agreed and left on the first page).
* ``completion_rate``: ``completed / started`` (None before anyone started).
* ``dropoff``: per page, how many respondents' last saved position is that page (they stopped
  there); ``reached``: how many got to that page at least (``completed`` + those stopped on it or
  later).
* ``median_duration_s``: median of ``ended_at - started_at`` over complete responses (None in
  anonymous studies, whose times are kept to the day only).
* ``quota_fill``: ``completed / quota``.
"""

from __future__ import annotations

import statistics
from collections import Counter

from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from . import models as m
from .answers import parse_time
from .studies import Study


def study_status(conn: Connection, study: Study) -> dict:
    """The numbers above for ``study`` as plain data."""
    sid = study.id
    completed = conn.execute(select(func.count()).select_from(m.responses)
                             .where(m.responses.c.study_id == sid)).scalar_one()
    at_page = Counter(dict(conn.execute(
        select(m.partials.c.page_index, func.count()).where(m.partials.c.study_id == sid)
        .group_by(m.partials.c.page_index)).all()))
    in_progress = sum(at_page.values())
    decisions = dict(conn.execute(
        select(m.consents.c.decision, func.count()).where(m.consents.c.study_id == sid)
        .group_by(m.consents.c.decision)).all())
    stopped_at_consent = 0
    if decisions.get("agreed"):
        used = select(m.responses.c.consent_id).where(m.responses.c.consent_id.is_not(None))
        saved = select(m.partials.c.consent_id).where(m.partials.c.consent_id.is_not(None))
        stopped_at_consent = conn.execute(
            select(func.count()).select_from(m.consents).where(
                m.consents.c.study_id == sid, m.consents.c.decision == "agreed",
                m.consents.c.id.not_in(used), m.consents.c.id.not_in(saved))).scalar_one()
    at_page[0] += stopped_at_consent
    pages = study.page_ids
    dropoff = {p: at_page.get(k, 0) for k, p in enumerate(pages)}
    reached = {}
    for k, p in enumerate(pages):
        reached[p] = completed + sum(n for j, n in at_page.items() if j >= k)
    invited = conn.execute(select(func.count()).select_from(m.tokens)
                           .where(m.tokens.c.study_id == sid)).scalar_one()
    durations = []
    if not study.anonymous:
        for s, e in conn.execute(select(m.responses.c.started_at, m.responses.c.ended_at)
                                 .where(m.responses.c.study_id == sid)):
            ts, te = parse_time(s), parse_time(e)
            if ts and te and te >= ts:
                durations.append((te - ts).total_seconds())
    started = completed + in_progress + stopped_at_consent
    return {
        "study": study.slug,
        "instrument": f"{study.instrument.id} {study.version}",
        "mode": study.mode,
        "anonymous": study.anonymous,
        "state": study.state(),
        "opens_at": study.opens_at,
        "closes_at": study.closes_at,
        "invited": invited if study.mode == "tokens" else None,
        "completed": completed,
        "in_progress": in_progress,
        "declined": decisions.get("declined", 0),
        "started": started,
        "completion_rate": None if not started else completed / started,
        "response_rate": (completed / invited) if study.mode == "tokens" and invited else None,
        "dropoff": dropoff,
        "reached": reached,
        "median_duration_s": statistics.median(durations) if durations else None,
        "quota": study.quota,
        "quota_fill": None if not study.quota else completed / study.quota,
    }


def status_text(s: dict) -> str:
    """The status as the lines ``engagekit collect status`` prints."""
    def pct(x):
        return "-" if x is None else f"{100 * x:.1f}%"

    lines = [f"study {s['study']}: {s['instrument']}, {s['mode']} link"
             + (", anonymous" if s["anonymous"] else "") + f", {s['state']}"]
    if s["invited"] is not None:
        lines.append(f"  invited          {s['invited']}")
    lines += [f"  completed        {s['completed']}"
              + (f" of quota {s['quota']} ({pct(s['quota_fill'])})" if s["quota"] else ""),
              f"  in progress      {s['in_progress']}",
              f"  declined consent {s['declined']}",
              f"  completion rate  {pct(s['completion_rate'])} of {s['started']} who started"]
    if s["response_rate"] is not None:
        lines.append(f"  response rate    {pct(s['response_rate'])} of those invited")
    d = s["median_duration_s"]
    lines.append("  median duration  " + ("-" if d is None else f"{d / 60:.1f} min"))
    w = max([len(p) for p in s["reached"]] + [4])
    lines.append(f"  {'page':<{w + 2}} reached  stopped here")
    for p, n in s["reached"].items():
        lines.append(f"    {p:<{w}} {n:>7}  {s['dropoff'][p]:>12}")
    return "\n".join(lines)


def funnel_svg(s: dict, width: int = 420) -> str:
    """A small horizontal bar chart: respondents who reached each page, and who submitted."""
    rows = [*s["reached"].items(), ("submitted", s["completed"])]
    top = max([n for _, n in rows] + [1])
    bar_h, gap, label_w = 16, 6, 130
    height = len(rows) * (bar_h + gap) + gap
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="respondents reaching each page of study '
             f'{escape(s["study"])}">']
    for k, (label, n) in enumerate(rows):
        y = gap + k * (bar_h + gap)
        w = int((width - label_w - 50) * n / top)
        parts.append(f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end" '
                     f'font-size="11">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" '
                     f'fill="{"#2b6cb0" if label != "submitted" else "#2f855a"}"/>')
        parts.append(f'<text x="{label_w + w + 4}" y="{y + 12}" font-size="11">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)
