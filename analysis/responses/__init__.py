"""Responses in: read survey responses into a validated, documented :class:`ResponseData`.

>>> from analysis.responses import read_responses            # doctest: +SKIP
>>> data = read_responses("responses.csv", "five_commitments")
>>> data.items.loc["r0001", "aff_01"], len(data.log)

The instrument is the codebook: columns are matched to *item ids* (directly, or through a
column map for platform exports), values are checked against each item's *declared* scale and
missing codes, never against labels in the file. Files are only read, never modified.

The engagekit response format
=============================

THE exchange format between the engagekit HTML survey, ``engagekit simulate`` and the analysis.
It is a CSV file (UTF-8, comma-separated, one header row, RFC 4180 quoting) or a JSON file
(UTF-8, a list of objects) with one row/object per respondent and these columns/keys, in this
order:

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
                       ``["aff_03","att_01","aff_01",...]``; in CSV it is a quoted JSON text,
                       in JSON a list.
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

Other formats read
==================

``read_responses(path, instrument, format="auto")`` also reads the engagekit columns (or just
item-id columns) from TSV, Excel (.xlsx) and Parquet files, Qualtrics CSV exports (three header
rows; items mapped through the ImportId row, by a column map or by export tags equal to item
ids; preview and test responses dropped and counted), LimeSurvey response CSV exports
(``code[SQ001]`` and ``code_SQ001`` headings), SurveyJS result JSON (matrix questions as nested
objects) and SPSS .sav files (value labels checked against the declared scale).

Problems (unknown or missing item columns, non-numeric text, values outside the declared scale,
duplicate respondent ids, another instrument version, bad times/languages/display orders) are
listed in ``ResponseData.log``, each naming the file, row, column, item and offending value;
the value is set to missing. With ``strict=True`` the first problem raises
:class:`ResponseValidationError` instead.
"""

from .data import META_COLUMNS, ResponseData, SourceInfo
from .log import (
    PROBLEM_KINDS,
    CleaningEntry,
    ColumnMapError,
    ResponseFileError,
    ResponseValidationError,
)
from .readers import FORMATS, detect_format, load_column_map, read_responses
from .validate import codebook
from .writers import WRITE_FORMATS, engagekit_records, write_responses

__all__ = [
    "FORMATS",
    "META_COLUMNS",
    "PROBLEM_KINDS",
    "WRITE_FORMATS",
    "CleaningEntry",
    "ColumnMapError",
    "ResponseData",
    "ResponseFileError",
    "ResponseValidationError",
    "SourceInfo",
    "codebook",
    "detect_format",
    "engagekit_records",
    "load_column_map",
    "read_responses",
    "write_responses",
]
