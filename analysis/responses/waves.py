"""Waves of one study: the same instrument fielded several times, stacked and linked.

A tracking study fields one instrument every quarter or year, to fresh samples (independent
waves), to the same panel, or to a mix. :func:`stack_waves` puts waves already read
(:class:`~analysis.responses.data.ResponseData`, one per wave, in wave order) into one
:class:`WaveStack`; :func:`read_waves` reads one file per wave, :func:`read_wave_column` one
file with a column naming each row's wave. Every later analysis across waves (the tracking of
means, NPS and indices in :mod:`analysis.structural.tracking`, invariance across waves,
cross-lagged panel models) starts from a :class:`WaveStack`.

**Versions.** Each wave must have answered the same *major* version of the instrument. The
version a respondent answered is the file's ``instrument_version`` column
(:mod:`instruments.response_format`; a file without one is taken to have answered the
instrument given). The instrument's semantic version says when answers stop being comparable
(:class:`~instruments.schema.Instrument`: "major when answers are no longer comparable"):
waves a major version apart raise :class:`WaveVersionError` (exit 2) naming the files, their
versions, and the items the changelog names for the versions in between (the item ids and
retired item ids written in the ``changes`` of each
:class:`~instruments.schema.ChangelogEntry` after the older version up to the newer); waves a
minor or patch version apart are stacked and the difference is noted (``WaveStack.notes``) with
the changelog's changes.

**Panel links.** A respondent is the same person in two waves when the respondent ids are equal
(``--id-column`` reads them from a column of the file). Ids the reader made up (from row
numbers in a file without an id column, for blank ids, or renamed repeats ``id#2`` within one
file) never link. A study is a *panel* when at least one person is in two or more waves;
``combinations`` counts the persons in each combination of waves (1 only, 1+2, 1+2+3, ...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from instruments.errors import EngagekitInputError
from instruments.plain import to_plain
from instruments.schema import Instrument

from .data import ResponseData, SourceInfo
from .log import CleaningEntry

__all__ = ["Wave", "WaveStack", "WaveVersionError", "read_wave_column", "read_waves",
           "stack_waves", "wave_combinations"]


class WaveVersionError(EngagekitInputError):
    """Waves answered versions of the instrument a major version apart."""

    code = "wave_versions"


class WaveInputError(EngagekitInputError):
    """Wave files, labels or a wave column that cannot be stacked."""

    code = "waves_input"


@dataclass
class Wave:
    """One wave as read: its label, file, the responses and the instrument versions answered.

    ``versions`` are the distinct ``instrument_version`` values the file records (empty when
    it records none); ``version`` is the one compared across waves (the newest recorded, else
    the instrument's own version, ``version_recorded`` False).
    """

    label: str
    file: str
    data: ResponseData
    versions: list[str] = field(default_factory=list)

    @property
    def version_recorded(self) -> bool:
        return bool(self.versions)

    @property
    def version(self) -> str:
        return max(self.versions, key=_semver) if self.versions else self.data.instrument_version

    @property
    def n(self) -> int:
        return self.data.n


@dataclass
class WaveStack:
    """Waves of one instrument stacked, with their respondents linked across waves.

    Attributes
    ----------
    waves : list of Wave
        Each wave as read, in wave order (``waves[k].data`` is indexed by the respondent ids
        of its file).
    data : ResponseData
        Every wave's respondents in one :class:`ResponseData`, in wave order. Its index is the
        *row key* ``"<label>:<respondent id>"`` (unique even when a panel member answers every
        wave); ``data.meta`` has two more columns, ``wave`` (the label) and ``person_id`` (the
        id linking a person's rows across waves), both listed in ``source.kept_columns`` so
        that per-respondent outputs carry them. Its ``log`` holds every wave's entries.
    wave : pandas.Series
        The wave label of each row of ``data`` (same index; ordered categorical).
    person : pandas.Series
        The person id of each row of ``data`` (same index): the respondent id where it links
        across waves, else a key that links nothing.
    linked : bool
        Whether respondent ids could link waves (every file has real ids, not row numbers).
    notes : list of str
        Version differences within a major version, unlinkable ids, and the like.

    Examples
    --------
    >>> from analysis import simulate
    >>> from instruments import load_instrument
    >>> inst = load_instrument("five_commitments")
    >>> w1 = simulate(inst, n=6, seed=1).data
    >>> w2 = simulate(inst, n=4, seed=2).data            # ids r0001..r0004: all in wave 1 too
    >>> stack = stack_waves([w1, w2], inst, labels=["2025", "2026"])
    >>> stack.labels, stack.counts, stack.panel
    (['2025', '2026'], {'2025': 6, '2026': 4}, True)
    >>> [(c["waves"], c["n"]) for c in stack.combinations]
    [(['2025'], 2), (['2025', '2026'], 4)]
    >>> stack.data.n, stack.data.items.index[-1]
    (10, '2026:sim0004')
    """

    waves: list[Wave]
    data: ResponseData
    wave: pd.Series
    person: pd.Series
    linked: bool
    notes: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [w.label for w in self.waves]

    @property
    def counts(self) -> dict[str, int]:
        """Respondents read per wave."""
        return {w.label: w.n for w in self.waves}

    @property
    def combinations(self) -> list[dict[str, Any]]:
        """Persons per combination of waves (:func:`wave_combinations`)."""
        return wave_combinations(self.wave, self.person, self.labels)

    @property
    def panel(self) -> bool:
        """True when at least one person answered two or more waves."""
        return any(len(c["waves"]) > 1 for c in self.combinations)

    @property
    def last(self) -> Wave:
        return self.waves[-1]

    def rows(self, label: str) -> pd.Index:
        """The row keys of ``data`` in wave ``label``."""
        return self.wave.index[self.wave == label]

    def wide(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` (indexed by row keys, e.g. scale scores of ``data``) as one row per
        person: columns ``(column, wave label)``, NaN where the person missed the wave."""
        f = frame.copy()
        f.index = pd.MultiIndex.from_arrays([self.person.reindex(f.index).to_numpy(),
                                             self.wave.reindex(f.index).astype(str).to_numpy()],
                                            names=["person_id", "wave"])
        out = f.unstack("wave")
        cols = [(c, w) for c in frame.columns for w in self.labels if (c, w) in out.columns]
        return out.reindex(columns=pd.MultiIndex.from_tuples(cols, names=[None, "wave"]))

    def to_dict(self) -> dict[str, Any]:
        """Plain data: labels, files, versions, counts, combinations, links and notes."""
        return to_plain({
            "labels": self.labels,
            "waves": [{"label": w.label, "file": w.file, "n_read": w.n,
                       "versions": list(w.versions), "version": w.version,
                       "version_recorded": w.version_recorded} for w in self.waves],
            "linked": self.linked, "panel": self.panel,
            "n_persons": int(self.person.nunique()),
            "combinations": self.combinations, "notes": list(self.notes)})


# ---- helpers ---------------------------------------------------------------------------------

def _semver(v: str) -> tuple[int, int, int]:
    m = re.match(r"^\s*(\d+)\.(\d+)\.(\d+)", str(v))
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else (0, 0, 0)


def _check_labels(labels: Sequence[str] | None, n: int, what: str) -> list[str]:
    if labels is None:
        return [f"W{k}" for k in range(1, n + 1)]
    out = [str(x).strip() for x in labels]
    if len(out) != n:
        raise WaveInputError(f"--wave-labels gives {len(out)} label(s) for {n} {what}; give "
                             "one label per wave, in wave order, separated by commas")
    if any(not x for x in out):
        raise WaveInputError("--wave-labels has an empty label; give every wave a name, e.g. "
                             "--wave-labels 2024,2025,2026")
    dup = sorted({x for x in out if out.count(x) > 1})
    if dup:
        raise WaveInputError(f"--wave-labels repeats {', '.join(dup)}; each wave needs its own "
                             "label")
    return out


def _versions_of(data: ResponseData) -> list[str]:
    v = data.meta.get("instrument_version")
    if v is None:
        return []
    return sorted({str(x).strip() for x in v if x is not None and not pd.isna(x)
                   and str(x).strip()}, key=_semver)


def changelog_items(inst: Instrument, older: str, newer: str) -> tuple[list[str], list[str]]:
    """Item ids (current or retired) named in the changelog entries after ``older`` up to and
    including ``newer``, and those entries' changes as text (``"2.0.0: ..."``)."""
    lo, hi = _semver(older), _semver(newer)
    if lo > hi:
        lo, hi = hi, lo
    ids = [i.id for i in inst.items()] + list(inst.retired_item_ids)
    found: list[str] = []
    texts: list[str] = []
    for entry in inst.changelog:
        if not lo < _semver(entry.version) <= hi:
            continue
        for change in entry.changes:
            texts.append(f"{entry.version}: {change.strip()}")
            for iid in ids:
                if re.search(rf"(?<![A-Za-z0-9_]){re.escape(iid)}(?![A-Za-z0-9_])", change) \
                        and iid not in found:
                    found.append(iid)
    order = {iid: k for k, iid in enumerate(ids)}
    return sorted(found, key=lambda i: order[i]), texts


def check_wave_versions(waves: Sequence[Wave], inst: Instrument) -> list[str]:
    """Raise :class:`WaveVersionError` when waves answered different major versions (naming
    the files, versions and changed items); return notes on minor/patch differences."""
    notes: list[str] = []
    for w in waves:
        if not w.version_recorded:
            notes.append(f"wave {w.label} ({w.file}) records no instrument version; taken to "
                         f"have answered {inst.id} {inst.version}")
        elif len(w.versions) > 1:
            notes.append(f"wave {w.label} ({w.file}) holds answers to versions "
                         + ", ".join(w.versions) + f" of {inst.id}")
    answered = [(w, v) for w in waves for v in (w.versions or [w.version])]
    majors = sorted({_semver(v)[0] for _, v in answered})
    if len(majors) > 1:
        old = min((v for _, v in answered), key=_semver)
        new = max((v for _, v in answered), key=_semver)
        items, texts = changelog_items(inst, old, new)
        who = "; ".join(f"wave {w.label} ({w.file}) answered "
                        + ", ".join(w.versions or [w.version]) for w in waves)
        changed = (f"the changelog of {inst.id} names these items as changed between {old} "
                   f"and {new}: {', '.join(items)}" if items else
                   f"the changelog of {inst.id} names no item for the versions after {old} up "
                   f"to {new}" + (f" (it says: {' / '.join(texts)})" if texts else
                                  " (it has no entry for them)"))
        raise WaveVersionError(
            f"the waves answered different major versions of {inst.id} ({who}); a major "
            f"version change means the answers are no longer comparable, and {changed}. "
            "Analyse the waves of each major version separately, or drop the changed items "
            "from every wave and use an instrument file without them")
    versions = sorted({v for _, v in answered}, key=_semver)
    if len(versions) > 1:
        _, texts = changelog_items(inst, versions[0], versions[-1])
        notes.append(f"the waves answered versions {', '.join(versions)} of {inst.id} (same "
                     "major version: stacked; items read by their stable ids)"
                     + (f"; changelog: {' / '.join(texts)}" if texts else ""))
    return notes


def _made_up_ids(data: ResponseData) -> set[str]:
    """Respondent ids the reader made up (row numbers, blank ids, renamed repeats)."""
    if any(n.startswith("no respondent id column") for n in data.source.notes):
        return set(map(str, data.items.index))
    out = set()
    for e in data.log:
        if e.problem in ("missing_id", "duplicate_id") and e.respondent_id is not None:
            out.add(str(e.respondent_id))
    return out


def wave_combinations(wave: pd.Series, person: pd.Series,
                      labels: Sequence[str]) -> list[dict[str, Any]]:
    """Persons per combination of waves: ``[{"waves": [labels], "n": persons}]`` for every
    combination that occurs, ordered by the first wave, then by the number of waves, then by
    the later waves (``1``, ``1+2``, ``1+2+3``, ``1+3``, ``2``, ...).

    >>> w = pd.Series(["a", "a", "b", "b", "c"])
    >>> p = pd.Series(["x", "y", "x", "z", "x"])
    >>> wave_combinations(w, p, ["a", "b", "c"])
    [{'waves': ['a'], 'n': 1}, {'waves': ['a', 'b', 'c'], 'n': 1}, {'waves': ['b'], 'n': 1}]
    """
    pos = {lab: k for k, lab in enumerate(labels)}
    sets: dict[Any, set[int]] = {}
    for w, p in zip(wave.astype(str), person, strict=True):
        sets.setdefault(p, set()).add(pos[w])
    counts: dict[tuple[int, ...], int] = {}
    for s in sets.values():
        key = tuple(sorted(s))
        counts[key] = counts.get(key, 0) + 1
    return [{"waves": [labels[k] for k in key], "n": counts[key]} for key in sorted(counts)]


# ---- stacking ----------------------------------------------------------------------------------

def stack_waves(waves: Sequence[ResponseData], inst: Instrument,
                labels: Sequence[str] | None = None, *,
                files: Sequence[str] | None = None) -> WaveStack:
    """Stack waves of one instrument (in wave order) and link their respondents by id.

    Parameters
    ----------
    waves : sequence of ResponseData
        The responses of each wave, in wave order (two or more), each read against ``inst``
        (:func:`~analysis.responses.readers.read_responses`) or simulated.
    inst : Instrument
        The instrument the waves answered (its version and changelog judge the versions).
    labels : sequence of str or None
        The waves' names (default ``W1``, ``W2``, ...), unique and non-empty.
    files : sequence of str or None
        The file of each wave, for messages (default: each data's ``source.file``).

    Returns
    -------
    WaveStack
        The waves, the stacked data (row keys ``"<label>:<id>"``, ``meta`` columns ``wave``
        and ``person_id``), the wave and person of each row, counts per wave and per
        combination of waves, and notes.

    Raises
    ------
    WaveVersionError
        The waves answered versions a major version apart (exit 2 on the command line).

    Examples
    --------
    >>> from analysis import simulate
    >>> from instruments import load_instrument
    >>> inst = load_instrument("five_commitments")
    >>> stack = stack_waves([simulate(inst, n=5, seed=s).data for s in (1, 2, 3)], inst)
    >>> stack.labels, stack.combinations
    (['W1', 'W2', 'W3'], [{'waves': ['W1', 'W2', 'W3'], 'n': 5}])
    """
    if len(waves) < 2:
        raise WaveInputError(f"--waves needs two or more waves; got {len(waves)}")
    labs = _check_labels(labels, len(waves), "waves")
    files = list(files) if files is not None else [d.source.file for d in waves]
    for d in waves:
        if d.instrument_id != inst.id:
            raise WaveInputError(f"{d.source.file}: the responses are for instrument "
                                 f"'{d.instrument_id}', not '{inst.id}'; every wave must "
                                 "answer the same instrument", code="wrong_instrument")
    ws = [Wave(lab, f, d, _versions_of(d)) for lab, f, d in zip(labs, files, waves, strict=True)]
    notes = check_wave_versions(ws, inst)
    linked = True
    keys: list[str] = []
    persons: list[str] = []
    wave_of: list[str] = []
    for w in ws:
        made_up = _made_up_ids(w.data)
        if made_up and len(made_up) == w.n:
            linked = False
            notes.append(f"wave {w.label} ({w.file}) has no respondent id column, so its "
                         "respondents are not linked to other waves (give the id column with "
                         "--id-column)")
        elif made_up:
            notes.append(f"wave {w.label} ({w.file}): {len(made_up)} respondent(s) with a "
                         "blank or repeated id are not linked to other waves")
        for rid in map(str, w.data.items.index):
            keys.append(f"{w.label}:{rid}")
            persons.append(f"{w.label}:{rid}" if rid in made_up else rid)
            wave_of.append(w.label)
    index = pd.Index(keys, name="respondent_id", dtype=object)
    if index.has_duplicates:  # cannot happen with unique labels and unique ids per wave
        raise WaveInputError("two rows of the stacked waves share a key; give unique labels")
    items = pd.concat([w.data.items for w in ws])
    items.index = index
    texts = pd.concat([w.data.texts for w in ws])
    texts.index = index
    meta = pd.concat([w.data.meta for w in ws])
    meta.index = index
    meta["wave"] = pd.Series(wave_of, index=index, dtype=object)
    meta["person_id"] = pd.Series(persons, index=index, dtype=object)
    log: list[CleaningEntry] = [e for w in ws for e in w.data.log]
    kept = list(dict.fromkeys(["wave", "person_id"]
                              + [c for w in ws for c in w.data.source.kept_columns]))
    s0 = ws[0].data.source
    source = SourceInfo(
        file="; ".join(files), format=s0.format, unit=s0.unit,
        n_rows=sum(w.data.source.n_rows for w in ws), n_respondents=len(index),
        dropped=_sum_dicts([w.data.source.dropped for w in ws]),
        dropped_rows={}, columns=dict(s0.columns), ignored_columns=dict(s0.ignored_columns),
        missing_codes=_sum_dicts([w.data.source.missing_codes for w in ws]),
        notes=[f"wave {w.label}: {n}" for w in ws for n in w.data.source.notes],
        id_column=s0.id_column, kept_columns=kept)
    data = ResponseData(items, meta, texts, log, source, inst.id, inst.version)
    wave = pd.Series(pd.Categorical(wave_of, categories=labs, ordered=True), index=index,
                     name="wave")
    person = pd.Series(persons, index=index, name="person_id", dtype=object)
    return WaveStack(ws, data, wave, person, linked, notes)


def _sum_dicts(ds: Sequence[Mapping[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in ds:
        for k, v in d.items():
            out[k] = out.get(k, 0) + int(v)
    return out


def read_waves(paths: Sequence[str | Path], inst: Instrument,
               labels: Sequence[str] | None = None, **read_options: Any) -> WaveStack:
    """Read one response file per wave (in wave order) and stack them (:func:`stack_waves`).

    Parameters
    ----------
    paths : sequence of str or Path
        The wave files, oldest first (two or more, all different).
    inst : Instrument
        The instrument answered.
    labels : sequence of str or None
        The waves' names (default ``W1``, ``W2``, ...).
    **read_options
        Passed to :func:`~analysis.responses.readers.read_responses` for every file
        (``format``, ``column_map``, ``id_column``, ``keep_columns``, ...).

    Returns
    -------
    WaveStack
        As :func:`stack_waves`.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> for k, rows in enumerate(["a,6\\nb,5\\n", "a,7\\nc,4\\n"], start=1):
    ...     _ = (Path(tmp.name) / f"w{k}.csv").write_text("id,aff_01\\n" + rows)
    >>> stack = read_waves([Path(tmp.name) / "w1.csv", Path(tmp.name) / "w2.csv"],
    ...                    "five_commitments", id_column="id")
    >>> stack.combinations
    [{'waves': ['W1'], 'n': 1}, {'waves': ['W1', 'W2'], 'n': 1}, {'waves': ['W2'], 'n': 1}]
    >>> tmp.cleanup()
    """
    from instruments.loader import load_instrument

    from .readers import read_responses

    inst = inst if isinstance(inst, Instrument) else load_instrument(inst)
    if len(paths) < 2:
        raise WaveInputError(f"--waves needs two or more response files (one per wave, oldest "
                             f"first); got {len(paths)}")
    _check_labels(labels, len(paths), "files")
    seen: dict[Path, str] = {}
    for p in paths:
        try:
            key = Path(p).resolve()
        except OSError:
            key = Path(p)
        if key in seen:
            raise WaveInputError(f"{p}: the same file is given twice as a wave (also as "
                                 f"{seen[key]}); give each wave's file once")
        seen[key] = str(p)
    data = [read_responses(p, inst, **read_options) for p in paths]
    return stack_waves(data, inst, labels, files=[str(p) for p in paths])


def _natural(v: str) -> tuple:
    return tuple((0, float(t), "") if re.fullmatch(r"\d+(?:\.\d+)?", t) else (1, 0.0, t)
                 for t in re.split(r"(\d+(?:\.\d+)?)", v) if t)


def read_wave_column(path: str | Path, inst: Instrument, column: str,
                     labels: Sequence[str] | None = None, *, id_column: str | None = None,
                     keep_columns: Sequence[str] = (), **read_options: Any) -> WaveStack:
    """Read one response file whose ``column`` names each row's wave, and stack its waves.

    A panel in long format repeats a person's id once per wave; that is expected here (a
    repeat *within* one wave is still logged as ``duplicate_id`` and not linked).

    Parameters
    ----------
    path : str or Path
        The response file.
    inst : Instrument
        The instrument answered.
    column : str
        The column holding each row's wave (e.g. ``wave``): its values are the wave labels.
    labels : sequence of str or None
        The waves in order, each a value of ``column`` (default: the values in natural order,
        numbers numerically: ``2``, ``10``, ``Q1-2026``). Rows of a wave not listed are
        refused, as are rows with a blank wave.
    id_column : str or None
        The column holding the respondent ids (default: ``respondent_id`` when present).
    keep_columns : sequence of str
        Further columns to keep as metadata.
    **read_options
        Passed to :func:`~analysis.responses.readers.read_responses`.

    Returns
    -------
    WaveStack
        As :func:`stack_waves`; every wave's ``file`` is ``path``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "long.csv"
    >>> _ = path.write_text("respondent_id,wave,aff_01\\na,1,6\\nb,1,5\\na,2,7\\nc,2,4\\n")
    >>> stack = read_wave_column(path, "five_commitments", "wave")
    >>> stack.labels, stack.counts, stack.combinations[1]
    (['1', '2'], {'1': 2, '2': 2}, {'waves': ['1', '2'], 'n': 1})
    >>> tmp.cleanup()
    """
    from instruments.loader import load_instrument

    from .readers import read_responses

    inst = inst if isinstance(inst, Instrument) else load_instrument(inst)
    file = str(path)
    keep = list(dict.fromkeys([*keep_columns, column]))
    data = read_responses(path, inst, id_column=id_column, keep_columns=keep,
                          repeated_ids=True, **read_options)
    raw = data.meta[column]
    blank = [int(data.meta["source_row"].iloc[k]) for k, v in enumerate(raw)
             if v is None or pd.isna(v) or not str(v).strip()]
    if blank:
        shown = ", ".join(map(str, blank[:10])) + (" ..." if len(blank) > 10 else "")
        raise WaveInputError(f"{file}: the wave column '{column}' is blank on "
                             f"{data.source.unit}s {shown}; give every row its wave")
    values = [_label(v) for v in raw]
    found = sorted(set(values), key=_natural)
    if labels is None:
        labs = found
    else:
        labs = _check_labels(labels, len(labels), "waves")
        other = [v for v in found if v not in labs]
        if other:
            raise WaveInputError(f"{file}: the wave column '{column}' has value(s) "
                                 f"{', '.join(other)} not in --wave-labels ({', '.join(labs)}); "
                                 "list every wave, in order")
        labs = [lab for lab in labs if lab in found] if len(found) > 1 else labs
    if len(found) < 2:
        raise WaveInputError(f"{file}: the wave column '{column}' holds one wave only "
                             f"({', '.join(found)}); --wave-column needs two or more")
    # the ids as written (the reader renamed every repeat id#2, id#3, ...); a blank id
    # (made up from the row) or a second row of one id within one wave links nothing
    rows = [int(r) for r in data.meta["source_row"]]
    written = (list(data.meta["source_id"]) if "source_id" in data.meta
               else [None] * len(rows))
    wave_rows: dict[str, list[int]] = {lab: [] for lab in labs}
    person: list[str] = []
    seen: set[tuple[str, str]] = set()
    repeat_rows: set[int] = set()
    for k, (lab, sid) in enumerate(zip(values, written, strict=True)):
        wave_rows[lab].append(k)
        if sid is None or (lab, sid) in seen:
            person.append(str(data.items.index[k]))
            if sid is not None:
                repeat_rows.add(rows[k])
        else:
            seen.add((lab, sid))
            person.append(sid)
    # repeats across waves are the panel, not a problem: their duplicate_id entries (and the
    # reader's count of entries not listed) go; a repeat within a wave is listed
    logged = {int(e.row) for e in data.log if e.problem == "duplicate_id" and e.row is not None}
    log = [e for e in data.log if e.problem != "duplicate_id"
           or (e.row is not None and int(e.row) in repeat_rows)]
    id_column = data.source.id_column
    for k, r in enumerate(rows):
        if r in repeat_rows and r not in logged:
            log.append(CleaningEntry(file, r, id_column, None, written[k], "duplicate_id",
                                     f"respondent id '{written[k]}' was seen before in wave "
                                     f"{values[k]}", f"this row kept as '{data.items.index[k]}'",
                                     hint="check for repeated submissions",
                                     unit=data.source.unit,
                                     respondent_id=str(data.items.index[k])))
    log.sort(key=lambda e: -1 if e.row is None else int(e.row))
    k_of_row = {r: k for k, r in enumerate(rows)}
    per_wave = []
    for n_wave, lab in enumerate(labs):
        ks = wave_rows[lab]
        ids = [person[k] for k in ks]
        sub = data.items.iloc[ks].copy()
        index = pd.Index(ids, name="respondent_id", dtype=object)
        sub.index = index
        meta = data.meta.iloc[ks].copy()
        meta.index = index
        texts = data.texts.iloc[ks].copy()
        texts.index = index
        wrows = {rows[k] for k in ks}
        wlog = [replace(e, respondent_id=(person[k_of_row[e.row]]
                                          if e.row in wrows and int(e.row) not in repeat_rows
                                          else e.respondent_id))
                for e in log if (e.row in wrows) or (e.row is None and n_wave == 0)]
        src = data.source
        dropped_rows: dict[str, list[int]] = {}
        dropped_ids: dict[str, list[str | None]] = {}
        dropped_kept: dict[str, list[dict[str, Any]]] = {}
        for reason, rs in src.dropped_rows.items():
            kv = src.dropped_kept.get(reason, [{}] * len(rs))
            di = src.dropped_ids.get(reason, [None] * len(rs))
            for r, kvals, rid in zip(rs, kv, di, strict=False):
                if _label(kvals.get(column)) == lab:
                    dropped_rows.setdefault(reason, []).append(r)
                    dropped_ids.setdefault(reason, []).append(rid)
                    dropped_kept.setdefault(reason, []).append(kvals)
        n_dropped = sum(len(v) for v in dropped_rows.values())
        source = replace(src, n_rows=len(ks) + n_dropped, n_respondents=len(ks),
                         dropped={k: len(v) for k, v in dropped_rows.items()},
                         dropped_rows=dropped_rows, dropped_ids=dropped_ids,
                         dropped_kept=dropped_kept, notes=list(src.notes) if n_wave == 0 else [])
        per_wave.append(ResponseData(sub, meta, texts, wlog, source, data.instrument_id,
                                     data.instrument_version))
    stack = stack_waves(per_wave, inst, labs, files=[file] * len(labs))
    unassigned = sum(1 for reason, rs in data.source.dropped_rows.items()
                     for kv in data.source.dropped_kept.get(reason, [{}] * len(rs))
                     if _label(kv.get(column)) not in labs)
    if unassigned:
        stack.notes.append(f"{unassigned} row(s) the reader dropped (e.g. declined consent) "
                           f"have no wave in '{column}' and are counted in no wave")
    return stack


def _label(v: Any) -> str:
    """A wave column's value as a label: ``2.0`` (a number read as float) -> ``"2"``."""
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()
