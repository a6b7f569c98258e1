"""The one JSON converter: results as plain Python data (dict, list, str, int, float, bool, None).

Every ``to_dict()`` in engagekit returns :func:`to_plain` of its fields, so results can be
written with ``json.dumps(..., allow_nan=False)`` and read back by any language. The rules:

* NaN and +-inf become ``None`` (JSON has no NaN; a statistic that is undefined is null);
* numpy scalars become Python ``bool``, ``int`` and ``float``; numpy arrays become lists;
* mappings become dicts with string keys; tuples and lists become lists;
* dates and times become ISO 8601 text; pandas' missing markers (``NaT``, ``NA``) become None;
* a pandas ``DataFrame`` becomes a list of row records (``frames="records"``, the tidy layout of
  lavaan-style tables), ``{column: {index: value}}`` (``frames="columns"``, for matrices
  labelled on both axes) or ``{"index": [...], "columns": [...], "data": [[...], ...]}``
  (``frames="split"``, for respondent-level data); a ``Series`` becomes ``{index: value}``;
* anything else (str, None, ...) is returned as is.

This module is a leaf: it imports nothing from engagekit, and pandas only if the caller has.

>>> import numpy as np
>>> to_plain({"est": np.float64(0.5), "se": float("nan"), "n": np.int64(3), "ok": np.bool_(1)})
{'est': 0.5, 'se': None, 'n': 3, 'ok': True}
>>> to_plain((1, np.array([2.0, np.inf])))
[1, [2.0, None]]
"""

from __future__ import annotations

import datetime
import math
import sys
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

Frames = Literal["records", "columns", "split"]


def to_plain(obj: Any, frames: Frames = "records") -> Any:
    """``obj`` as plain JSON-ready Python data (see the module docstring for the rules)."""
    pd = sys.modules.get("pandas")  # a DataFrame can only exist if pandas is loaded
    if pd is not None:
        if isinstance(obj, pd.DataFrame):
            if frames == "records":
                return [to_plain(r, frames) for r in obj.to_dict(orient="records")]
            if frames == "split":
                return {"index": [str(i) for i in obj.index], "columns": list(obj.columns),
                        "data": [[to_plain(v, frames) for v in row]
                                 for row in obj.itertuples(index=False)]}
            return {str(c): to_plain(obj[c], frames) for c in obj.columns}
        if isinstance(obj, pd.Series):
            return {str(k): to_plain(v, frames) for k, v in obj.items()}
        if obj is pd.NaT or obj is pd.NA:
            return None
    if isinstance(obj, Mapping):
        return {str(k): to_plain(v, frames) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_plain(v, frames) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_plain(v, frames) for v in obj.tolist()]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, datetime.date):  # also datetime.datetime and pandas.Timestamp
        return obj.isoformat()
    if isinstance(obj, np.generic):  # any other numpy scalar (e.g. datetime64, str_)
        return to_plain(obj.item(), frames)
    return obj


__all__ = ["to_plain"]
