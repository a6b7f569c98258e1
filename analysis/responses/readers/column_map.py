"""Column maps: which column of a platform's export holds which item id, from a dict or a file."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from instruments.limits import (
    MAX_DEFINITION_BYTES,
    check_depth,
    check_size,
    flow_depth_line,
    safe_yaml,
)
from instruments.response_format import META_COLUMNS
from instruments.schema import Instrument

from ..log import ColumnMapError

#: Targets of a column map besides item ids: the respondent id and the other metadata of the
#: engagekit response format, and the consent question (respondents who declined are dropped).
META_TARGETS = (*META_COLUMNS, "consent")


def load_column_map(source: Mapping[str, str] | str | Path | None,
                    inst: Instrument, keep: Sequence[str] = ()) -> dict[str, str]:
    """A column map ``{file column / ImportId / JSON key: target}`` from a dict or a file.

    Files: ``.json`` (an object), ``.yaml``/``.yml`` (a mapping) or ``.csv`` with the columns
    ``column,item``. Every target must be an item id of the instrument, a metadata name of
    the engagekit response format (``respondent_id``, ``language``, ``started_at``, ...; see
    :data:`META_TARGETS`), ``consent``, or one of the names in ``keep`` (the columns kept as
    metadata, ``--keep-column``), under which the column is then kept.
    """
    if source is None:
        return {}
    name = "column map"
    if isinstance(source, str | Path):
        path = Path(source)
        name = str(path)
        if path.is_dir():
            raise ColumnMapError(f"{name}: is a folder, not a column map file")
        if not path.is_file():
            raise ColumnMapError(f"{name}: file not found")
        check_size(path, MAX_DEFINITION_BYTES, "column maps", ColumnMapError)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as e:
            raise ColumnMapError(f"{name}: cannot be read as UTF-8 text ({e})") from None
        try:
            if path.suffix.lower() == ".json":
                data = json.loads(text)
            elif path.suffix.lower() in {".yaml", ".yml"}:
                if flow_depth_line(text) is not None:
                    raise ColumnMapError(f"{name}: is nested too deeply to be a column map")
                data = safe_yaml("safe").load(text)
            else:
                rows = list(csv.reader(io.StringIO(text)))
                if not rows or [c.strip().lower() for c in rows[0][:2]] != ["column", "item"]:
                    raise ColumnMapError(f"{name}: a CSV column map needs the header "
                                         "'column,item'")
                data = {}
                for k, r in enumerate(rows[1:], start=2):
                    if len(r) < 2:
                        if any(c.strip() for c in r):
                            raise ColumnMapError(f"{name}, line {k}: needs two cells, column "
                                                 "and item")
                        continue
                    data[r[0].strip()] = r[1].strip()
        except ColumnMapError:
            raise
        except RecursionError:
            raise ColumnMapError(f"{name}: is nested too deeply to be a column map",
                                 code="too_deeply_nested") from None
        except Exception as e:  # noqa: BLE001 - JSON/YAML syntax errors of many kinds
            raise ColumnMapError(f"{name}: cannot be parsed ({type(e).__name__}: {e})") from None
        check_depth(data, name, "a column map", ColumnMapError)
    else:
        data = source
    if not isinstance(data, Mapping):
        raise ColumnMapError(f"{name}: must map file columns to item ids, e.g. "
                             '{"QID20_1": "aff_01"}')
    items = {i.id for i in inst.items()}
    targets = items | set(META_TARGETS) | set(keep)
    out: dict[str, str] = {}
    bad = []
    for k, v in data.items():
        if not isinstance(v, str) or v not in targets:
            bad.append(f"{_short(k)} -> {_short(v)}")
        else:
            out[str(k)] = v
    if bad:
        if all(str(k) in items for k in data):
            hint = " (the map looks inverted: it maps file columns TO item ids)"
        else:
            other = next((str(v) for v in data.values() if isinstance(v, str)
                          and v not in targets and v.isidentifier()), None)
            hint = ("; a column map sends a column to an item id, to respondent_id, "
                    "language, started_at, ended_at, display_order or consent, or to a name "
                    "kept as metadata with --keep-column"
                    + (f" (to keep it as '{other}', add --keep-column {other})" if other
                       else ""))
        raise ColumnMapError(f"{name}: {len(bad)} entr{'y' if len(bad) == 1 else 'ies'} map to "
                             f"unknown item ids: {', '.join(bad[:5])}{hint}")
    return out


def _short(value: Any, width: int = 60) -> str:
    """A value for a message, cut to ``width`` characters."""
    text = str(value)
    return text if len(text) <= width else text[: width - 3] + "..."
