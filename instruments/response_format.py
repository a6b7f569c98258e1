"""The engagekit response format: the columns of a response file, defined once.

THE exchange format between the engagekit HTML survey, ``engagekit simulate``, the collection
server and the analysis; the HTML survey, the codebooks, the readers and the writers all take
their columns from here. The instrument is the codebook: it decides the item columns.

It is a CSV file (UTF-8, comma-separated, one header row, RFC 4180 quoting) or a JSON file
(UTF-8, a list of objects) with one row/object per respondent and these columns/keys, in this
order (:data:`META_COLUMNS`, then :func:`item_columns`; :func:`response_columns` gives both):

=====================  ==========================================================================
``respondent_id``      text, unique within the file (required).
``instrument_id``      the instrument's ``id``, e.g. ``five_commitments`` (a file for another
                       instrument is refused).
``instrument_version`` the instrument's semantic ``version``, e.g. ``1.0.1`` (another version is
                       logged as a problem; items are read by their stable ids).
``language``           ISO 639 code of the language the respondent answered in (one the
                       instrument declares, e.g. ``en``, ``nl``).
``started_at``         ISO 8601 date-time with offset, UTC preferred: ``2026-11-22T10:15:03Z``.
``ended_at``           ISO 8601 date-time of submission (same form); blank if not submitted.
``display_order``      JSON list of the item ids in the order they were shown, e.g.
                       ``["aff_03","att_01","aff_01",...]``; in CSV it is a quoted JSON text
                       (:func:`cell_text`), in JSON a list.
one column per item    the item id as column name (``aff_01``, ``ltr``, ...), the *numeric code*
                       of the answer on the item's declared scale (``4``; numeric items may have
                       decimals, written with a point). Blank (CSV) or ``null`` (JSON) means not
                       answered; a scale's declared missing code (e.g. ``-99``) means the same.
=====================  ==========================================================================

Items appear in the instrument's definition order (attention checks and segmenting questions
included); free-text items hold their text. Readers accept the metadata columns in any order
and tolerate their absence (ids are then made from row numbers), but writers always produce
all of them. Example (CSV, shortened)::

    respondent_id,instrument_id,instrument_version,language,started_at,ended_at,display_order,aff_01,aff_02
    r0001,five_commitments,1.0.1,en,2026-11-22T10:15:03Z,2026-11-22T10:22:41Z,"[""aff_02"",""aff_01""]",5,6
    r0002,five_commitments,1.0.1,nl,2026-11-22T11:02:00Z,2026-11-22T11:09:12Z,"[""aff_01"",""aff_02""]",,-99
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from .schema import Instrument
from .spreadsheet import guard_row

__all__ = [
    "META_COLUMNS",
    "META_FIELDS",
    "MetaColumn",
    "cell_text",
    "csv_text",
    "item_columns",
    "response_columns",
]


class MetaColumn(NamedTuple):
    """What a metadata column holds: its type (Frictionless Table Schema) and meaning."""

    type: str
    description: str


#: The metadata columns of the engagekit response format, in file order, with their meaning.
META_FIELDS: dict[str, MetaColumn] = {
    "respondent_id": MetaColumn("string", "Respondent identifier (unique)."),
    "instrument_id": MetaColumn("string", "Instrument id."),
    "instrument_version": MetaColumn("string", "Instrument version (semantic version)."),
    "language": MetaColumn("string", "Language code the respondent answered in."),
    "started_at": MetaColumn("datetime", "When the respondent started (ISO 8601)."),
    "ended_at": MetaColumn("datetime", "When the respondent submitted (ISO 8601)."),
    "display_order": MetaColumn("array", "Item ids in the order shown (JSON list); items in "
                                "randomized blocks are shuffled per respondent."),
}

#: The metadata columns of the engagekit response format, in file order (before the items).
META_COLUMNS: tuple[str, ...] = tuple(META_FIELDS)


def item_columns(inst: Instrument) -> list[str]:
    """One column per item id, in the instrument's definition order."""
    return [i.id for i in inst.items()]


def response_columns(inst: Instrument) -> list[str]:
    """Every column of a response file for ``inst``: the metadata, then the items."""
    return list(META_COLUMNS) + item_columns(inst)


def cell_text(value: Any) -> str:
    """One CSV cell: blank for a missing value, a list (``display_order``) as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]],
             delimiter: str = ",") -> str:
    """Rows as CSV text: one header row, CRLF line ends, cells as :func:`cell_text`; text a
    spreadsheet would run as a formula gets a leading ``'`` (:mod:`instruments.spreadsheet`;
    the readers remove it)."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(guard_row(columns))
    for r in rows:
        w.writerow(guard_row(cell_text(r.get(c)) for c in columns))
    return buf.getvalue()
