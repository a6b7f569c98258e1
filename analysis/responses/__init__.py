r"""Responses in: read survey responses into a validated, documented :class:`ResponseData`.

>>> import tempfile
>>> from pathlib import Path
>>> from analysis.responses import read_responses
>>> tmp = tempfile.TemporaryDirectory()
>>> path = Path(tmp.name) / "responses.csv"
>>> _ = path.write_text("respondent_id,aff_01,aff_02\nr0001,6,9\nr0002,4,\n", encoding="utf-8")
>>> data = read_responses(path, "five_commitments")
>>> float(data.items.loc["r0001", "aff_01"]), data.items.shape
(6.0, (2, 34))
>>> [(e.row, e.column, e.value, e.action) for e in data.log if e.problem == "out_of_scale"]
[(2, 'aff_02', '9', 'set to missing')]
>>> sorted({e.problem for e in data.log})  # the 32 items without a column are logged too
['missing_column', 'out_of_scale']
>>> tmp.cleanup()

The instrument is the codebook: columns are matched to *item ids* (directly, or through a
column map for platform exports), values are checked against each item's *declared* scale and
missing codes, never against labels in the file. Files are only read, never modified.

The engagekit response format
=============================

THE exchange format between the engagekit HTML survey, ``engagekit simulate`` and the analysis
(a CSV or JSON file: the metadata columns ``respondent_id, instrument_id, instrument_version,
language, started_at, ended_at, display_order``, then one column per item id holding the answer
code) is defined in :mod:`instruments.response_format`, with its columns
(:data:`~instruments.response_format.META_COLUMNS`,
:func:`~instruments.response_format.response_columns`). Readers accept the metadata columns in
any order and tolerate their absence (ids are then made from row numbers), but writers always
produce all of them.

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

from instruments.response_format import META_COLUMNS

from .data import ResponseData, SourceInfo
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
