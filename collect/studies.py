"""Studies: creating one (the instrument pinned by its text, id, version and SHA-256), reading
one back, and the times they are open.

A study's instrument is stored in the database as the YAML text that was given to ``collect
create``, so editing or deleting the file later changes nothing that is fielded; the export
names the version that was answered.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from instruments.loader import parse_instrument, resolve
from instruments.schema import Instrument
from instruments.survey.layout import check_language, fill, placeholder_values, survey_pages

from . import models as m
from .errors import CollectError, StudyNotFoundError

SLUG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MODES = ("open", "tokens")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso(t: dt.datetime) -> str:
    """UTC ISO 8601 with a Z, to the second: the form every stored time has."""
    return t.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace(
        "+00:00", "Z")


def day(t: dt.datetime) -> str:
    """The day of ``t`` as a date-time at midnight UTC (anonymous studies keep no more)."""
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT00:00:00Z")


def parse_when(text: str | None, option: str) -> str | None:
    """An ISO 8601 date or date-time option as a stored UTC time (a date means its midnight
    UTC; a time without offset is UTC)."""
    if text is None:
        return None
    try:
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CollectError(f"{option} {text!r} is not an ISO 8601 date or date-time; write "
                           "e.g. 2027-01-31 or 2027-01-31T18:00:00+01:00") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return iso(t)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=64)
def _instrument(source: str, label: str) -> Instrument:
    return parse_instrument(source, label)


@dataclass(frozen=True)
class Study:
    """A study as stored (``completed`` is the count when it was read)."""

    id: int
    slug: str
    instrument: Instrument
    instrument_sha256: str
    language: str
    brand: str | None
    mode: str
    opens_at: str | None
    closes_at: str | None
    quota: int | None
    anonymous: bool
    completed: int
    created_at: str

    @property
    def version(self) -> str:
        return self.instrument.version

    def state(self, now: dt.datetime | None = None) -> str:
        """``open``, ``not_open`` (before opens_at) or ``closed`` (at or after closes_at)."""
        t = iso(now or utcnow())
        if self.opens_at and t < self.opens_at:
            return "not_open"
        if self.closes_at and t >= self.closes_at:
            return "closed"
        return "open"

    @functools.cached_property
    def page_ids(self) -> list[str]:
        return [p.id for p in survey_pages(self.instrument)]

    @functools.cached_property
    def consent_text(self) -> str | None:
        """The consent text as the respondent reads it (placeholders filled), or None."""
        inst = self.instrument
        if not inst.survey.consent:
            return None
        values = placeholder_values(inst, self.language, self.brand)
        return fill(inst.text(inst.survey.consent, self.language), values)

    @functools.cached_property
    def consent_sha256(self) -> str | None:
        return None if self.consent_text is None else sha256(self.consent_text)


def study_from_row(row) -> Study:
    inst = _instrument(row.instrument_source, f"study {row.slug} (instrument "
                                              f"{row.instrument_id} {row.instrument_version})")
    return Study(id=row.id, slug=row.slug, instrument=inst,
                 instrument_sha256=row.instrument_sha256, language=row.language,
                 brand=row.brand, mode=row.mode, opens_at=row.opens_at, closes_at=row.closes_at,
                 quota=row.quota, anonymous=bool(row.anonymous), completed=row.completed,
                 created_at=row.created_at)


def get_study(conn: Connection, slug: str) -> Study:
    row = conn.execute(select(m.studies).where(m.studies.c.slug == slug)).first()
    if row is None:
        known = conn.execute(select(m.studies.c.slug).order_by(m.studies.c.slug)).scalars()
        names = ", ".join(list(known)[:20]) or "none yet; create one with 'engagekit collect " \
                                                "create'"
        raise StudyNotFoundError(f"no study '{slug}' in this database (studies: {names})")
    return study_from_row(row)


def list_studies(conn: Connection) -> list[Study]:
    rows = conn.execute(select(m.studies).order_by(m.studies.c.slug)).all()
    return [study_from_row(r) for r in rows]


def audit(conn: Connection, study_id: int | None, action: str, detail: str) -> None:
    conn.execute(insert(m.audit).values(study_id=study_id, at=iso(utcnow()), action=action,
                                        detail=detail))


def create_study(engine: Engine, slug: str, instrument: str, *, language: str | None = None,
                 brand: str | None = None, mode: str = "open", opens: str | None = None,
                 closes: str | None = None, quota: int | None = None,
                 anonymous: bool = False) -> Study:
    """Create study ``slug`` fielding ``instrument`` (a bundled name or a YAML path)."""
    if not SLUG_RE.match(slug or ""):
        raise CollectError(f"study name {slug!r}: use 1-64 letters, digits, '-' or '_' "
                           "(it becomes the link /s/NAME)")
    if mode not in MODES:
        raise CollectError(f"--mode {mode!r}: use 'open' (one public link) or 'tokens' "
                           "(one invitation link per invitee)")
    if quota is not None and quota < 1:
        raise CollectError(f"--quota {quota}: give a positive number of complete responses")
    if brand is not None and (len(brand) > 200 or not brand.strip()):
        raise CollectError("--brand: give a non-empty name of at most 200 characters")
    file, source = resolve(instrument)
    inst = parse_instrument(source, file)
    lang = check_language(inst, language)
    opens_at, closes_at = parse_when(opens, "--opens"), parse_when(closes, "--closes")
    if opens_at and closes_at and closes_at <= opens_at:
        raise CollectError(f"--closes {closes} is not after --opens {opens}")
    now = iso(utcnow())
    try:
        with engine.begin() as conn:
            conn.execute(insert(m.studies).values(
                slug=slug, instrument_id=inst.id, instrument_version=inst.version,
                instrument_source=source, instrument_sha256=sha256(source), language=lang,
                brand=brand, mode=mode, opens_at=opens_at, closes_at=closes_at, quota=quota,
                anonymous=anonymous, completed=0, created_at=now))
            study = get_study(conn, slug)
            audit(conn, study.id, "study_created",
                  f"instrument {inst.id} {inst.version} ({file}), mode {mode}, language {lang}"
                  + (", anonymous" if anonymous else "")
                  + (f", quota {quota}" if quota else ""))
    except IntegrityError:
        raise CollectError(f"a study named '{slug}' is already in this database; choose "
                           "another name", code="study_exists") from None
    return study
