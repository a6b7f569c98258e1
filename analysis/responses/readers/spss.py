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

#: Run in a child process: pyreadstat (C) crashes the process on some damaged .sav files (about
#: 1 in 75 randomly corrupted copies of a valid file in tests/hostile), which no ``except`` can
#: catch; the child's crash becomes an input error naming the file.
_CHILD = """
import pickle, sys
try:
    import pyreadstat
    df, meta = pyreadstat.read_sav(sys.argv[1], user_missing=True, apply_value_formats=False)
except Exception as e:
    sys.stderr.write(f"{type(e).__name__}: {e}")
    sys.exit(3)
labels = {str(k): dict(v) for k, v in (meta.variable_value_labels or {}).items()}
ranges = {str(k): list(v) for k, v in (meta.missing_ranges or {}).items()}
sys.stdout.buffer.write(pickle.dumps((df, labels, ranges)))
"""


def _read_sav_isolated(path: Path, file: str):
    """``(DataFrame, meta)`` of a .sav file read by pyreadstat in a child process."""
    import pickle
    import subprocess
    import sys
    from types import SimpleNamespace

    try:
        r = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True,
                           timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ResponseFileError(file, f"cannot be read as an SPSS .sav file ({e})") from None
    if r.returncode < 0:
        raise ResponseFileError(file, f"cannot be read as an SPSS .sav file: the SPSS reader "
                                f"crashed on it (signal {-r.returncode}), so the file is "
                                "damaged; export it again")
    if r.returncode != 0:
        why = r.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ResponseFileError(file, "cannot be read as an SPSS .sav file ("
                                + (why[-1] if why else f"exit {r.returncode}") + ")")
    df, labels, ranges = pickle.loads(r.stdout)  # noqa: S301 - our own child's output
    return df, SimpleNamespace(variable_value_labels=labels, missing_ranges=ranges)


def read_spss(path: Path, file: str, inst: Instrument,
              column_map: Mapping[str, str]) -> RawTable:
    """An SPSS .sav file (pyreadstat, ``user_missing=True``).

    Value labels of item variables are checked against the declared scale: a labelled code that
    is neither a scale code nor a missing code is a problem. Values the file declares
    user-missing become missing; when they are not missing codes of the instrument that is
    logged (one entry per variable).
    """
    df, meta = _read_sav_isolated(path, file)
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
