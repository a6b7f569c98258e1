"""The collection database: one table per kind of record (SQLAlchemy Core tables).

Times are UTC ISO 8601 texts (``2026-12-05T08:33:00Z``), the same on SQLite and PostgreSQL, so
what is stored is what is exported. Answers are stored as the JSON object the survey sent
(item id -> numeric code, text or null), already checked against the pinned instrument.

=============  =================================================================================
``studies``    one per ``engagekit collect create``: the pinned instrument (its YAML text, id,
               version and SHA-256), language, brand, mode, dates, quota, anonymity and the
               count of complete responses (``completed``, updated in the same transaction
               as each insert, so a quota is never overfilled, also by several workers).
``tokens``     invitations: only the SHA-256 of each token, the invitee's respondent id and
               name, when it was used (``completed_at``).
``responses``  complete responses: the idempotency key and the SHA-256 of the request body
               (a replay with the same key and body returns the same id), the token (none in
               anonymous mode), the answers.
``partials``   the last saved page of respondents who have not submitted (deleted when they
               submit); ``page_index`` feeds the drop-off per page.
``consents``   every consent decision: time, instrument version, language and the SHA-256 of
               the consent text shown; a decline stores this row and nothing else.
``audit``      what was done to the study (created, tokens issued, respondent deleted), never
               answer content.
``failures``   failed token lookups per client (a hash of the address) per time window, for
               the rate limit; no other table holds an address.
``settings``   the admin password hash (argon2) and the secret that signs admin sessions.
=============  =================================================================================
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
})

TIME = 32  # length of a stored ISO 8601 time

studies = Table(
    "studies", metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("instrument_id", String(128), nullable=False),
    Column("instrument_version", String(64), nullable=False),
    Column("instrument_source", Text, nullable=False),
    Column("instrument_sha256", String(64), nullable=False),
    Column("language", String(16), nullable=False),
    Column("brand", Text),
    Column("mode", String(8), nullable=False),
    Column("opens_at", String(TIME)),
    Column("closes_at", String(TIME)),
    Column("quota", Integer),
    Column("anonymous", Boolean, nullable=False, default=False),
    Column("completed", Integer, nullable=False, default=0),
    Column("created_at", String(TIME), nullable=False),
)

tokens = Table(
    "tokens", metadata,
    Column("id", Integer, primary_key=True),
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("respondent_id", String(64), nullable=False),
    Column("name", Text),
    Column("created_at", String(TIME), nullable=False),
    Column("completed_at", String(TIME)),
    UniqueConstraint("study_id", "respondent_id", name="uq_tokens_study_respondent"),
)

consents = Table(
    "consents", metadata,
    Column("id", Integer, primary_key=True),
    Column("public_id", String(32), nullable=False, unique=True),
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="CASCADE"), nullable=False),
    Column("respondent_id", String(64)),
    Column("decision", String(8), nullable=False),
    Column("decided_at", String(TIME), nullable=False),
    Column("instrument_version", String(64), nullable=False),
    Column("language", String(16), nullable=False),
    Column("text_sha256", String(64), nullable=False),
)

responses = Table(
    "responses", metadata,
    Column("id", Integer, primary_key=True),
    Column("public_id", String(32), nullable=False, unique=True),
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="CASCADE"), nullable=False),
    Column("respondent_id", String(64), nullable=False),
    Column("token_id", Integer, ForeignKey("tokens.id", ondelete="SET NULL")),
    Column("consent_id", Integer, ForeignKey("consents.id", ondelete="SET NULL")),
    Column("idempotency_key", String(200), nullable=False),
    Column("body_sha256", String(64), nullable=False),
    Column("language", String(16), nullable=False),
    Column("instrument_version", String(64), nullable=False),
    Column("started_at", String(TIME)),
    Column("ended_at", String(TIME)),
    Column("received_at", String(TIME), nullable=False),
    Column("display_order", Text),
    Column("answers", Text, nullable=False),
    UniqueConstraint("study_id", "idempotency_key", name="uq_responses_study_key"),
    UniqueConstraint("study_id", "respondent_id", name="uq_responses_study_respondent"),
    UniqueConstraint("consent_id", name="uq_responses_consent"),
)

partials = Table(
    "partials", metadata,
    Column("id", Integer, primary_key=True),
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="CASCADE"), nullable=False),
    Column("respondent_id", String(64), nullable=False),
    Column("token_id", Integer, ForeignKey("tokens.id", ondelete="CASCADE")),
    Column("consent_id", Integer, ForeignKey("consents.id", ondelete="SET NULL")),
    Column("page", String(64), nullable=False),
    Column("page_index", Integer, nullable=False),
    Column("answers", Text, nullable=False),
    Column("started_at", String(TIME)),
    Column("display_order", Text),
    Column("updated_at", String(TIME), nullable=False),
    UniqueConstraint("study_id", "respondent_id", name="uq_partials_study_respondent"),
)

audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True),
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="CASCADE")),
    Column("at", String(TIME), nullable=False),
    Column("action", String(32), nullable=False),
    Column("detail", Text, nullable=False),
)

failures = Table(
    "failures", metadata,
    Column("client", String(64), primary_key=True),
    Column("window_start", Integer, primary_key=True),
    Column("failed", Integer, nullable=False),
)

settings = Table(
    "settings", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

Index("ix_tokens_study", tokens.c.study_id)
Index("ix_partials_study_page", partials.c.study_id, partials.c.page_index)
Index("ix_consents_study", consents.c.study_id)
Index("ix_audit_study", audit.c.study_id)
