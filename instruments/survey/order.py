"""Seeded item order within randomized blocks, identical in Python and in the HTML survey's JS.

The standalone HTML survey shuffles items with the same algorithm (see
``templates/survey.js``): the block's seed string ``f"{seed}:{block_id}"`` is hashed with 32-bit
FNV-1a over its UTF-8 bytes, that hash seeds a mulberry32 generator, and a Fisher-Yates shuffle
runs from the last position down. So a display order can be reproduced from the seed (by default
the respondent id) and checked against the ``display_order`` a response records.
"""

from __future__ import annotations

from .layout import survey_pages

_M32 = 0xFFFFFFFF


def fnv1a32(text: str) -> int:
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x01000193) & _M32
    return h


def _imul(a: int, b: int) -> int:
    return (a * b) & _M32


def mulberry32(seed: int):
    """The mulberry32 generator: floats in [0, 1), as in JavaScript."""
    state = seed & _M32

    def rand() -> float:
        nonlocal state
        state = (state + 0x6D2B79F5) & _M32
        t = state
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & _M32
        t &= _M32
        return ((t ^ (t >> 14)) & _M32) / 4294967296

    return rand


def shuffled(ids: list[str], seed: str) -> list[str]:
    """``ids`` in the Fisher-Yates order that ``seed`` gives (the input list is not changed)."""
    out = list(ids)
    rand = mulberry32(fnv1a32(seed))
    for i in range(len(out) - 1, 0, -1):
        j = int(rand() * (i + 1))
        out[i], out[j] = out[j], out[i]
    return out


def display_order(inst, seed: str) -> list[str]:
    """Item ids in the order a respondent with ``seed`` sees them, over all pages."""
    order: list[str] = []
    for page in survey_pages(inst):
        ids = [q.id for q in page.questions]
        order += shuffled(ids, f"{seed}:{page.id}") if page.block.randomize else ids
    return order
