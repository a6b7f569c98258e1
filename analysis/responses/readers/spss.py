"""SPSS .sav files (pyreadstat): value labels checked against the declared scale, user-missing
values set to missing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from instruments.schema import Instrument

from ..data import RawTable
from ..log import CleaningEntry, ResponseFileError
from ..validate import codebook, show
from .common import _finish_table, _table


def read_spss(path: Path, file: str, inst: Instrument,
              column_map: Mapping[str, str]) -> RawTable:
    """An SPSS .sav file (pyreadstat, ``user_missing=True``).

    Value labels of item variables are checked against the declared scale: a labelled code that
    is neither a scale code nor a missing code is a problem. Values the file declares
    user-missing become missing; when they are not missing codes of the instrument that is
    logged (one entry per variable).
    """
    import pyreadstat

    try:
        df, meta = pyreadstat.read_sav(str(path), user_missing=True, apply_value_formats=False)
    except Exception as e:  # noqa: BLE001 - pyreadstat raises several types on bad files
        raise ResponseFileError(file, f"cannot be read as an SPSS .sav file "
                                f"({type(e).__name__}: {e})") from None
    names = [str(c) for c in df.columns]
    data = []
    cols = [df[c].tolist() for c in df.columns]
    for k in range(len(df)):
        data.append((k + 1, [col[k] for col in cols]))
    table = _finish_table(_table(file, "spss", "case", names, data), inst, column_map, "spss")
    book = codebook(inst)
    labels = getattr(meta, "variable_value_labels", {}) or {}
    ranges = getattr(meta, "missing_ranges", {}) or {}
    for item, col in table.item_columns.items():
        code = book[item]
        if code.codes is None:
            continue
        user_missing = ranges.get(col, [])

        def in_user_missing(x: float, _ranges=user_missing) -> bool:
            try:
                return any(r["lo"] <= x <= r["hi"] for r in _ranges)
            except TypeError:
                return False

        for value, label in (labels.get(col) or {}).items():
            try:
                x = float(value)
            except (TypeError, ValueError):
                x = math.nan
            if x in code.codes or x in code.missing or in_user_missing(x):
                continue
            table.value_problems.append(CleaningEntry(
                file, None, col, item, show(value), "value_label",
                f"value label {show(value)} '{label}' is not a code of {code.describe()}",
                "label ignored; values are checked against the declared scale",
                "fix the value labels, or declare the code as missing in the instrument",
                "case"))
        if user_missing:
            cells = table.cells[col]
            hits = [k for k, v in enumerate(cells) if isinstance(v, float) and not
                    math.isnan(v) and in_user_missing(v) and v not in code.missing]
            for k in hits:
                cells[k] = None
            if hits:
                vals = sorted({show(v) for v in (df[col].iloc[hits])})
                table.value_problems.append(CleaningEntry(
                    file, None, col, item, ", ".join(vals), "user_missing",
                    f"{len(hits)} value(s) the file declares user-missing ({', '.join(vals)}) "
                    f"are not missing codes of {code.describe()}", "set to missing",
                    "declare them under missing_codes of the scale if they mean 'no answer'",
                    "case"))
    return table
