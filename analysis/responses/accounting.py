"""Every row read, accounted for: dropped by the reader + excluded by screening + analysed =
the data rows of the file, per respondent.

:func:`account` returns the balance as plain data (``results.json``'s ``data.accounting``):
each dropped row (line, respondent id where it had one, reason: declined consent, preview or
test response, unparseable), each excluded respondent (id, line, the exclusion rules that
flagged them by name) and the number analysed. :func:`accounting_entries` gives the same as
cleaning-log entries (``excluded`` per respondent, then one ``rows_accounted`` balance line);
the dropped rows are already there (:meth:`ResponseData.dropped_entries`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from instruments.errors import EngagekitInputError

from .data import ResponseData
from .log import CleaningEntry

if TYPE_CHECKING:
    from .screening import ScreeningResult


def account(data: ResponseData, screening: ScreeningResult | None = None,
            exclude: bool = True) -> dict[str, Any]:
    """The balance of ``data``'s file (see the module notes). ``screening`` is the screen run
    on ``data``; with ``exclude=False`` (``--keep-flagged``) nobody is excluded."""
    s = data.source
    dropped = []
    for reason, rows in s.dropped_rows.items():
        ids = s.dropped_ids.get(reason, [None] * len(rows))
        kept_values = s.dropped_kept.get(reason)
        for k, (r, rid) in enumerate(zip(rows, ids, strict=False)):
            entry = {"row": r, "respondent_id": rid, "reason": reason}
            if kept_values is not None and s.kept_columns:  # --keep-column values, by name
                entry["kept"] = {c: _plain(kept_values[k].get(c)) for c in s.kept_columns}
            dropped.append(entry)
    dropped.sort(key=lambda d: d["row"])
    excluded = []
    if screening is not None and exclude:
        flags = screening.flags
        rules = [r for r in screening.settings.exclude_rules if r not in screening.not_applied
                 and r in flags.columns]
        source_row = data.meta.get("source_row")
        kept = data.kept()
        for rid in flags.index[flags["excluded"]]:
            row = None if source_row is None else int(source_row.loc[rid])
            entry = {"respondent_id": str(rid), "row": row,
                     "rules": [r for r in rules if bool(flags.at[rid, r])]}
            if len(kept.columns):  # the columns kept as metadata (--keep-column), by name
                entry["kept"] = {c: _plain(kept.at[rid, c]) for c in kept.columns}
            excluded.append(entry)
    n_analysed = data.n - len(excluded)
    return {"rows_read": s.n_rows, "unit": s.unit, "n_dropped": len(dropped),
            "n_excluded": len(excluded), "n_analysed": n_analysed,
            "balanced": s.n_rows == len(dropped) + len(excluded) + n_analysed,
            "dropped": dropped, "excluded": excluded}


def _plain(value: Any) -> Any:
    """A kept cell as JSON-ready data: missing -> None, numpy scalars -> Python."""
    try:
        import pandas as pd

        if value is None or pd.isna(value):
            return None
    except (TypeError, ValueError):
        return str(value)
    return value.item() if hasattr(value, "item") else value


def accounting_entries(data: ResponseData, accounting: dict[str, Any]) -> list[CleaningEntry]:
    """Cleaning-log entries for :func:`account`'s result: one ``excluded`` entry per excluded
    respondent (rules named) and the ``rows_accounted`` balance."""
    s = data.source
    out = []
    for ex in accounting["excluded"]:
        rules = ", ".join(ex["rules"]) or "screening"
        out.append(CleaningEntry(s.file, ex["row"], None, None, None, "excluded",
                                 f"respondent '{ex['respondent_id']}' excluded by screening: "
                                 f"{rules}", "not analysed (kept in scored.csv, marked "
                                 "excluded)", unit=s.unit, respondent_id=ex["respondent_id"]))
    a = accounting
    out.append(CleaningEntry(
        s.file, None, None, None, None, "rows_accounted",
        f"{a['rows_read']} data {s.unit}s read = {a['n_dropped']} dropped + {a['n_excluded']} "
        f"excluded + {a['n_analysed']} analysed", "" if a["balanced"] else
        "the counts do not add up: please report this", unit=s.unit))
    return out


def sample_note(data: ResponseData, screening: ScreeningResult | None = None,
                exclude: bool = True) -> str:
    """``"12 respondents read, 10 excluded by screening (attention 6, irv 4), 2 analysed"``."""
    note = f"{data.n} respondents read"
    if data.source.dropped:
        note = (f"{data.source.n_rows} data {data.source.unit}s read, "
                f"{sum(data.source.dropped.values())} dropped, " + note.replace(" read", ""))
    if screening is not None and exclude:
        by = ", ".join(f"{r} {k}" for r, k in screening.n_excluded_by.items() if k)
        note += (f", {screening.n_excluded} excluded by screening" + (f" ({by})" if by else "")
                 + f", {screening.n_kept} analysed")
    return note


def require_analysable(data: ResponseData, screening: ScreeningResult | None,
                       exclude: bool = True, minimum: int = 2) -> None:
    """Stop with the file and the sample's accounting when fewer than ``minimum`` respondents
    are left to analyse (instead of a statistic failing later on an empty item)."""
    n = data.n - (screening.n_excluded if screening is not None and exclude else 0)
    if n >= minimum:
        return
    what = "no respondent is" if n == 0 else f"only {n} respondent{'s' if n != 1 else ''} " \
        f"{'are' if n != 1 else 'is'}"
    hint = ("; see who was flagged with `engagekit responses screen`, or analyse them anyway "
            "with --keep-flagged" if screening is not None and exclude
            and screening.n_excluded else "")
    raise EngagekitInputError(f"{data.source.file}: {sample_note(data, screening, exclude)}: "
                              f"{what} left to analyse (at least {minimum} are needed){hint}",
                              code="too_few_cases")


@contextmanager
def about_file(file: str, note: str) -> Iterator[None]:
    """Input errors raised by the analysis inside the block name the file and the sample
    (``"data.csv (40 respondents read, ..., 38 analysed): item 'x' is constant ..."``)."""
    try:
        yield
    except EngagekitInputError as e:
        text = str(e)
        if not text.startswith(file):
            e.args = (f"{file} ({note}): {text}", *e.args[1:])
        raise


__all__ = ["about_file", "account", "accounting_entries", "require_analysable", "sample_note"]
