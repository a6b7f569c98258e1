"""engagekit instruments: the questionnaire definition format, the bundled library and loaders.

>>> from instruments import load_instrument
>>> inst = load_instrument("five_commitments")
>>> [c.id for c in inst.measured_constructs()][:2]
['affective', 'normative']
"""

from .combine import combine_instruments
from .errors import EngagekitInputError, InstrumentError, Problem
from .loader import (
    bundled_names,
    dump_instrument,
    instrument_json_schema,
    load_instrument,
    parse_instrument,
)
from .schema import Construct, Instrument, Item, Scale

__all__ = [
    "Construct",
    "EngagekitInputError",
    "Instrument",
    "InstrumentError",
    "Item",
    "Problem",
    "Scale",
    "bundled_names",
    "combine_instruments",
    "dump_instrument",
    "instrument_json_schema",
    "load_instrument",
    "parse_instrument",
]
