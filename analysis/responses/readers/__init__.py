"""Readers for response files: the engagekit format and the survey platforms' exports.

Every reader turns its file into a :class:`~analysis.responses.data.RawTable` (raw cells in
columns mapped to item ids through the instrument's codebook, never through labels), and
:func:`~analysis.responses.data.assemble` validates it. Files are opened read-only and never
modified. Anything unreadable raises :class:`~analysis.responses.log.ResponseFileError`.

* :mod:`.read`: :func:`read_responses` (the entry point) and :func:`detect_format`;
* :mod:`.common`: the engine the readers share (decoding, raw rows, column mapping);
* :mod:`.column_map`: :func:`load_column_map`;
* one module per source: :mod:`.engagekit` (CSV/TSV, Excel, Parquet tables),
  :mod:`.surveyjs` (JSON: SurveyJS results and the engagekit format), :mod:`.qualtrics`,
  :mod:`.limesurvey`, :mod:`.spss`.
"""

from .column_map import load_column_map
from .engagekit import read_delimited, read_excel, read_parquet
from .limesurvey import looks_like_limesurvey, read_limesurvey
from .qualtrics import looks_like_qualtrics, read_qualtrics
from .read import FORMATS, detect_format, read_responses
from .spss import read_spss
from .surveyjs import read_json

__all__ = [
    "FORMATS",
    "detect_format",
    "load_column_map",
    "looks_like_limesurvey",
    "looks_like_qualtrics",
    "read_delimited",
    "read_excel",
    "read_json",
    "read_limesurvey",
    "read_parquet",
    "read_qualtrics",
    "read_responses",
    "read_spss",
]
