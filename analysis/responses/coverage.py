"""Whether a response file holds the instrument at all: how many of its items could be read.

A file whose columns are not named by item id (and no column map was given), or whose answers
are neither codes nor anchor labels, "reads" without error: every answer is missing and the
cleaning log is long. :func:`check_items_read` stops such a file with one message naming the
items expected, the columns found instead (with close matches) and the columns whose values
could not be read. ``engagekit responses check``, strict reading and ``engagekit run`` use it.

An item counts as read when the file has a column for it and that column is not made only of
unreadable values (a column found but with no answer at all is read: nobody answered it).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from instruments.schema import Instrument

from .log import ResponseFileError

if TYPE_CHECKING:  # data.py calls check_items_read: a runtime import would be a cycle
    from .data import ResponseData

#: Problems that make a value unreadable (the cell is set to missing).
_VALUE_PROBLEMS = frozenset({"non_numeric", "unknown_label", "out_of_scale", "uncached_formula"})
_SHOWN = 12


@dataclass
class ItemCoverage:
    """Items of the instrument by what the file gave for them."""

    items: list[str]  # every item of the instrument, in order
    read: list[str] = field(default_factory=list)
    no_column: list[str] = field(default_factory=list)
    #: item -> (column, an example of its unreadable values)
    unreadable: dict[str, tuple[str, str]] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)

    @property
    def too_few(self) -> bool:
        """No item, or fewer than half of the instrument's items, could be read."""
        return not self.read or len(self.read) * 2 < len(self.items)


def item_coverage(data: ResponseData, inst: Instrument) -> ItemCoverage:
    """Which items of ``inst`` the file gave readable answers for (see the module notes)."""
    cov = ItemCoverage([i.id for i in inst.items()])
    bad: dict[str, tuple[str, str]] = {}
    for e in data.log:
        if e.problem == "unknown_column" and e.column is not None:
            cov.unknown_columns.append(e.column)
        elif e.problem in _VALUE_PROBLEMS and e.item and e.item not in bad and e.row is not None:
            bad[e.item] = (e.column or e.item, e.value or "")
    for item in cov.items:
        if item not in data.source.columns:
            cov.no_column.append(item)
        elif item in bad and item in data.items and data.items[item].isna().all():
            cov.unreadable[item] = bad[item]
        else:
            cov.read.append(item)
    return cov


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


def _close_item(column: str, items: list[str]) -> str | None:
    """The item a column was probably meant to be: its id inside the column name (``Q_aff_01``,
    ``aff_01_text``), or a close spelling."""
    col = _norm(column)
    inside = [i for i in items if _norm(i) and (_norm(i) == col or (
        len(_norm(i)) >= 3 and (col.endswith(_norm(i)) or col.startswith(_norm(i)))))]
    if inside:
        return max(inside, key=lambda i: len(_norm(i)))
    close = difflib.get_close_matches(column, items, n=1, cutoff=0.75)
    return close[0] if close else None


def _listed(names: list[str], quote: bool = False) -> str:
    shown = [f"'{n}'" if quote else n for n in names[:_SHOWN]]
    more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    return ", ".join(shown) + more


def check_items_read(data: ResponseData, inst: Instrument, instrument_arg: str | None = None,
                     check_hint: bool = True) -> ItemCoverage:
    """Raise :class:`ResponseFileError` (code ``items_not_read``) when no item, or fewer than
    half of the instrument's items, could be read; return the coverage otherwise.

    The message names the items expected, the columns found instead (with the item each one
    probably is), the columns whose values are neither codes nor anchor labels, and what to do.
    ``instrument_arg`` is what the user passes as ``--instrument`` (for the hint; default:
    :func:`~instruments.loader.instrument_argument`, the path of an own instrument).
    """
    cov = item_coverage(data, inst)
    if not cov.too_few:
        return cov
    n, k = len(cov.items), len(cov.read)
    head = (f"none of the {n} items of {inst.id} {inst.version} could be read" if k == 0 else
            f"only {k} of the {n} items of {inst.id} {inst.version} could be read "
            f"({_listed(cov.read)}), fewer than half")
    parts = [head]
    if cov.no_column:
        parts.append(f"no column for {len(cov.no_column)} item(s); expected columns named "
                     f"by item id: {_listed(cov.no_column)}")
        if cov.unknown_columns:
            shown = []
            for col in cov.unknown_columns:
                guess = _close_item(col, cov.no_column)
                shown.append(f"'{col}'" + (f" (item {guess}?)" if guess else ""))
            parts.append(f"columns found instead: {_listed(shown)}")
        else:
            parts.append("the file has no other columns")
    if cov.unreadable:
        shown = [f"'{col}' (item {item}, e.g. '{value}')"
                 for item, (col, value) in cov.unreadable.items()]
        parts.append("columns found whose values are neither codes nor anchor labels of the "
                     f"item's scale: {_listed(shown)}")
    todo = []
    if cov.no_column:
        todo.append('name the columns by item id, or map them with --column-map map.json '
                    '({"file column": "item id", ...})')
    if cov.unreadable:
        todo.append("export numeric values (or choice text equal to the anchor labels), or "
                    "check that the instrument is the one the survey used")
    hint = "; ".join(todo)
    if check_hint:
        from instruments.loader import instrument_argument

        arg = instrument_arg or instrument_argument(inst)
        hint += (f"; `engagekit responses check {data.source.file} --instrument {arg}` lists "
                 "everything read")
    text = ". ".join(p[0].upper() + p[1:] if k else p for k, p in enumerate(parts))
    raise ResponseFileError(data.source.file, text + ". To fix: " + hint + ".",
                            code="items_not_read")


__all__ = ["ItemCoverage", "check_items_read", "item_coverage"]
