"""engagekit instruments: the questionnaire definition format, the bundled library and loaders.

>>> from instruments import load_instrument
>>> inst = load_instrument("five_commitments")
>>> [c.id for c in inst.measured_constructs()][:2]
['affective', 'normative']

Names are imported on first use, so ``import instruments`` (and the command line, which imports
:mod:`instruments.cli`) does not load pydantic or the YAML parser until an instrument is read.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "combine_instruments": "combine",
    "EngagekitInputError": "errors",
    "InstrumentError": "errors",
    "Problem": "errors",
    "bundled_names": "loader",
    "dump_instrument": "loader",
    "instrument_argument": "loader",
    "instrument_json_schema": "loader",
    "load_instrument": "loader",
    "parse_instrument": "loader",
    "Construct": "schema",
    "Instrument": "schema",
    "Item": "schema",
    "Scale": "schema",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'instruments' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
