"""The engagekit response format, written from Python: CSV/JSON text and sample data.

The columns are those of :mod:`instruments.response_format` (the metadata, then one column per
item id with the numeric answer code; missing = empty / null). The HTML survey writes exactly
this; :func:`sample_responses` makes seeded example data in it (for codebook checks and
documentation).
"""

from __future__ import annotations

import datetime as dt
import json
import random

from ..response_format import csv_text, response_columns
from ..schema import Instrument, ScaleKind
from .order import display_order


def responses_csv(inst: Instrument, rows: list[dict]) -> str:
    """Rows as CSV text (one header row, CRLF line ends, ``display_order`` as a JSON list)."""
    return csv_text(response_columns(inst), rows)


def responses_json(rows: list[dict]) -> str:
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def sample_responses(inst: Instrument, n: int = 5, seed: int = 0, lang: str | None = None,
                     missing_rate: float = 0.05) -> list[dict]:
    """``n`` seeded example respondents (uniform answers, some missing, some missing codes)."""
    rng = random.Random(seed)
    lang = lang or inst.default_language
    start = dt.datetime(2026, 1, 1, 9, 0, 0, tzinfo=dt.timezone.utc)
    rows = []
    for k in range(n):
        rid = f"r{seed:03d}_{k + 1:04d}"
        begun = start + dt.timedelta(minutes=17 * k)
        row = {"respondent_id": rid, "instrument_id": inst.id,
               "instrument_version": inst.version, "language": lang,
               "started_at": begun.isoformat().replace("+00:00", "Z"),
               "ended_at": (begun + dt.timedelta(seconds=240 + rng.randrange(600)))
               .isoformat().replace("+00:00", "Z"),
               "display_order": display_order(inst, rid)}
        for item in inst.items():
            scale = inst.item_scale(item)
            u = rng.random()
            if u < missing_rate:
                row[item.id] = None
            elif u < 2 * missing_rate and scale.missing_codes:
                row[item.id] = scale.missing_codes[0]
            elif scale.kind == ScaleKind.free_text:
                row[item.id] = rng.choice(["yes", "no, not really", "fine"])
            elif scale.kind == ScaleKind.numeric:
                row[item.id] = rng.randint(int(scale.min or 0), int(scale.max or 100))
            else:
                row[item.id] = rng.choice(scale.codes)
        rows.append(row)
    return rows
