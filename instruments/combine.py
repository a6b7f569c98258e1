"""Combine several instruments into one study (e.g. five commitments + 8C + ACSI/NPS in one survey).

>>> from instruments import load_instrument
>>> from instruments.combine import combine_instruments
>>> study = combine_instruments(
...     [load_instrument(n) for n in ("five_commitments", "eight_c")], id="study",
...     title="Your experience with {brand}")
>>> len(study.items())
70

Rules (every violation is reported at once in one :class:`~instruments.errors.InstrumentError`):

- **Ids never clash.** Item ids and construct ids (one namespace: both become variable names),
  block ids and scoring-rule ids must be unique across the instruments, and no item may reuse an
  id another instrument has retired. A shared item is an error even when it is identical in both
  instruments (e.g. the same ``ltr``): engagekit never merges items silently, because the
  instruments' models and scoring rules refer to them separately. Remove it from one instrument
  or rename it (the message suggests a name).
- **Shared definitions must be identical.** Scales, citations and placeholders with the same
  id are merged when they are equal and an error otherwise.
- **Same languages.** Every instrument must have the same language set; the error names the
  missing languages. The combined translation status of a language is the least advanced one.
- **Survey.** Pages (blocks) are concatenated in instrument order; consent, introduction and
  closing text come from the first instrument (the others' are not used; the combined
  description says so).
- **Model and scoring.** Structural paths, covariances and scoring rules are concatenated.
- **Population** (for simulated respondents, when instruments have one): loadings, paths,
  correlations and item distributions are concatenated; each later instrument's response
  rules are resolved per item so that they keep applying to its items only. Constructs of
  different instruments are uncorrelated unless you add correlations; items of an instrument
  without a population follow the combined defaults.

Items whose question text is the same in two instruments under different ids (e.g. the
standard Net Promoter question) do not block the combination, but a
:class:`DuplicateQuestionWarning` names them: respondents would see the question twice.

The result passes :func:`~instruments.checks.check_instrument`.
"""

from __future__ import annotations

import datetime
import operator
import re
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from .checks import check_instrument
from .errors import InstrumentError, Problem
from .schema import ID_PATTERN, Instrument, ItemRole, LocalText, TranslationStatus

__all__ = ["DuplicateQuestionWarning", "combine_instruments"]

#: How far a translation has come; the combined status of a language is the lowest.
_STATUS_RANK = {
    TranslationStatus.draft: 0,
    TranslationStatus.reviewed: 1,
    TranslationStatus.back_translated: 2,
    TranslationStatus.final: 3,
    TranslationStatus.source: 3,  # a source text is final for that instrument
}


class DuplicateQuestionWarning(UserWarning):
    """Two combined instruments ask the same question under different item ids."""


def _both(owners: list[str]) -> str:
    names = [f"'{o}'" for o in owners]
    return " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]


def _suggest(inst_id: str, ident: str) -> str:
    """A new name for ``ident`` in instrument ``inst_id`` (still a valid identifier)."""
    return f"{inst_id}_{ident}"[:60]


def _diff_fields(a: Any, b: Any) -> str:
    da, db = a.model_dump(), b.model_dump()
    return ", ".join(k for k in da if da[k] != db.get(k)) or "content"


def _merge_by_id(kind: str, per_instrument: Iterable[tuple[str, list[Any]]], key: str,
                 problems: list[str], what_to_do: Callable[[str, str], str],
                 same: Callable[[Any, Any], bool] = operator.eq) -> list[Any]:
    """Entries merged by ``key`` in first-seen order (the first instrument's copy is kept); a
    duplicate that is not ``same`` is a problem, with ``what_to_do(key, instrument id)``."""
    merged: dict[str, tuple[str, Any]] = {}
    for inst_id, entries in per_instrument:
        for entry in entries:
            k = getattr(entry, key)
            if k not in merged:
                merged[k] = (inst_id, entry)
            elif not same(merged[k][1], entry):
                first, kept = merged[k]
                problems.append(f"{kind} '{k}' differs between instruments '{first}' and "
                                f"'{inst_id}' ({_diff_fields(kept, entry)}); "
                                + what_to_do(k, inst_id))
    return [entry for _, entry in merged.values()]


def _check_unique(kind: str | dict[str, str], owners: dict[str, list[str]],
                  problems: list[str], detail: dict[str, str] | None = None) -> None:
    """A problem for every id owned by more than one instrument; ``kind`` names what the id is
    (one name, or one per id)."""
    for ident, where in owners.items():
        if len(where) > 1:
            extra = (detail or {}).get(ident, "")
            label = kind if isinstance(kind, str) else kind[ident]
            problems.append(
                f"{label} '{ident}' is in {'both ' if len(where) == 2 else ''}instruments "
                f"{_both(where)}{extra}; ids must be "
                f"unique in a combined study: rename it in '{where[-1]}' (e.g. "
                f"'{_suggest(where[-1], ident)}') or remove it from one instrument")


def _languages(instruments: list[Instrument], problems: list[str]) -> list[dict[str, Any]]:
    sets = {inst.id: set(inst.language_codes) for inst in instruments}
    union = set().union(*sets.values())
    for inst in instruments:
        missing = sorted(union - sets[inst.id])
        if missing:
            have = [o.id for o in instruments if set(missing) & sets[o.id]]
            problems.append(
                f"instrument '{inst.id}' lacks language{'s' if len(missing) > 1 else ''} "
                f"{', '.join(repr(m) for m in missing)} that {_both(have)} "
                f"{'has' if len(have) == 1 else 'have'}; combined instruments need the same "
                "languages: add the translations or remove the language from the others")
    first = instruments[0]
    out = []
    for lang in first.languages:
        statuses = [next((x.status for x in inst.languages if x.code == lang.code), None)
                    for inst in instruments]
        statuses = [s for s in statuses if s is not None]
        if all(s == TranslationStatus.source for s in statuses):
            status = TranslationStatus.source
        else:
            status = min((s for s in statuses), key=lambda s: (_STATUS_RANK[s],
                                                               s == TranslationStatus.source))
            if status == TranslationStatus.source:  # mixed source/final: the text is final
                status = TranslationStatus.final
        out.append({"code": lang.code, "name": lang.name, "status": status.value})
    return out


def _warn_duplicate_questions(instruments: list[Instrument]) -> None:
    seen: dict[str, tuple[str, str]] = {}
    for inst in instruments:
        for item in inst.items():
            text = " ".join(inst.text(item.text).split()).casefold()
            if text in seen and seen[text][0] != inst.id:
                other_inst, other_item = seen[text]
                warnings.warn(DuplicateQuestionWarning(
                    f"item '{item.id}' of '{inst.id}' asks the same question as item "
                    f"'{other_item}' of '{other_inst}' ({inst.text(item.text)!r}); respondents "
                    "would answer it twice: drop one of them unless that is intended"),
                    stacklevel=3)
            seen.setdefault(text, (inst.id, item.id))


# ---- population models ------------------------------------------------------------------------


def _item_rule(inst: Instrument, item_id: str):
    """The response rule of ``inst.population`` that applies to an item (most specific wins)."""
    from .schema import ResponseRule  # the population model is optional in the format

    rules = inst.population.responses
    construct = inst.item_construct(item_id).id
    try:
        scale = inst.item_scale(item_id).id
    except KeyError:
        scale = None
    for target in (item_id, construct, scale):
        for rule in rules:
            if target is not None and target in rule.applies_to:
                return rule
    for rule in rules:
        if not rule.applies_to:
            return rule
    return ResponseRule()


def _combine_populations(instruments: list[Instrument]) -> dict[str, Any] | None:
    with_pop = [inst for inst in instruments if getattr(inst, "population", None) is not None]
    if not with_pop:
        return None
    base_inst = with_pop[0]
    base = base_inst.population
    out = base.model_dump(mode="json", exclude_defaults=True)
    out["description"] = " ".join(
        f"[{inst.id}] {inst.population.description}".strip() for inst in with_pop)
    sources = list(dict.fromkeys(k for inst in with_pop for k in inst.population.source))
    if sources:
        out["source"] = sources
    loadings = dict(base.loadings)
    correlations = [c.model_dump(mode="json") for c in base.correlations]
    paths = [p.model_dump(mode="json") for p in base.paths]
    responses = [r.model_dump(mode="json", exclude_defaults=True) for r in base.responses]
    items = [d.model_dump(mode="json", exclude_defaults=True) for d in base.items]
    for inst in with_pop[1:]:
        pop = inst.population
        for c in inst.measured_constructs():
            for item in inst.measurement_items(c):
                value = pop.loadings.get(item.id)
                if value is None:
                    value = (pop.default_reverse_loading if item.keyed == "minus"
                             else pop.default_loading)
                default = (base.default_reverse_loading if item.keyed == "minus"
                           else base.default_loading)
                if item.id in pop.loadings or value != default:
                    loadings[item.id] = value
        correlations += [c.model_dump(mode="json") for c in pop.correlations]
        paths += [p.model_dump(mode="json") for p in pop.paths]
        items += [d.model_dump(mode="json", exclude_defaults=True) for d in pop.items]
        # Resolve this instrument's rules per item, so the base's scale and default rules do not
        # take over its items; items with the same resolved rule share one entry.
        groups: dict[str, dict[str, Any]] = {}
        for item in inst.items():
            if item.role == ItemRole.attention_check:
                continue
            rule = _item_rule(inst, item.id)
            spec = rule.model_dump(mode="json", exclude={"applies_to"})
            key = repr(sorted(spec.items()))
            groups.setdefault(key, {**{k: v for k, v in spec.items() if v is not None},
                                    "applies_to": []})["applies_to"].append(item.id)
        responses += [{"applies_to": g.pop("applies_to"), **g} for g in groups.values()]
    out["loadings"] = loadings
    for key, value in (("correlations", correlations), ("paths", paths),
                       ("responses", responses), ("items", items)):
        if value:
            out[key] = value
        else:
            out.pop(key, None)
    return out


# ---- the combination ------------------------------------------------------------------------


def combine_instruments(
    instruments: list[Instrument],
    id: str = "combined_study",  # noqa: A002 - the instrument field is called id
    title: LocalText | str | None = None,
    version: str = "1.0.0",
    description: str | None = None,
) -> Instrument:
    """One instrument with the constructs, pages, model and scoring of all ``instruments``.

    The rules (ids never clash, shared definitions must be identical, same languages, ...)
    are in the module docstring.

    Parameters
    ----------
    instruments : list of Instrument
        The instruments, in survey order; each at most once.
    id : str, default "combined_study"
        Id of the combined instrument.
    title : dict of str to str, str or None
        Respondent-facing title: one text per language (a plain string is used for every
        language); default: the first instrument's title.
    version : str, default "1.0.0"
        Semantic version of the combined instrument.
    description : str or None
        Its description (default: one naming the instruments combined).

    Returns
    -------
    Instrument
        The combined, validated instrument.

    Raises
    ------
    InstrumentError
        Listing every clash (code ``combine_conflict``).

    Warns
    -----
    DuplicateQuestionWarning
        When two instruments ask the same question.

    Examples
    --------
    >>> from instruments import load_instrument
    >>> parts = [load_instrument(n) for n in ("five_commitments", "eight_c")]
    >>> study = combine_instruments(parts, id="study", title="Your experience with {brand}")
    >>> study.id, len(study.constructs), study.title["nl"]
    ('study', 23, 'Your experience with {brand}')
    >>> try:
    ...     combine_instruments([parts[0], parts[0]])
    ... except InstrumentError as err:
    ...     print(err.codes)
    ['combine_conflict']
    """
    where = f"combined instrument '{id}'"
    if not instruments:
        raise InstrumentError([Problem(where, None, "no instruments to combine; pass at least "
                                       "one", "combine_conflict")])
    problems: list[str] = []
    if not re.match(ID_PATTERN, id) or len(id) > 60:
        problems.append(f"id '{id}' is not a valid identifier; use lower-case letters, digits "
                        "and underscores, starting with a letter")
    ids = [inst.id for inst in instruments]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"instrument '{dup}' is listed {ids.count(dup)} times; combine each "
                        "instrument once")
    if problems and len(set(ids)) < len(ids):
        raise InstrumentError([Problem(where, None, p, "combine_conflict") for p in problems])

    first = instruments[0]
    languages = _languages(instruments, problems)

    # one namespace for item and construct ids: both become variable names
    owners: dict[str, list[str]] = {}
    detail: dict[str, str] = {}
    kinds: dict[tuple[str, str], str] = {}
    for inst in instruments:
        for c in inst.constructs:
            owners.setdefault(c.id, []).append(inst.id)
            kinds[(inst.id, c.id)] = "construct"
            for item in c.items:
                owners.setdefault(item.id, []).append(inst.id)
                kinds[(inst.id, item.id)] = "item"
    labels: dict[str, str] = {}
    for ident, where_ in owners.items():
        if len(where_) < 2:
            continue
        what = {kinds[(o, ident)] for o in where_}
        labels[ident] = f"{what.pop()} id" if len(what) == 1 else "id"
        if labels[ident] == "item id":
            a, b = (next(i for i in instruments if i.id == o) for o in where_[:2])
            if a.item(ident) == b.item(ident) and a.item_scale(ident) == b.item_scale(ident):
                detail[ident] = (" (identical in both; shared items are not merged, because "
                                 "each instrument's model and scoring refer to its own copy)")
        elif labels[ident] == "id":
            detail[ident] = " (" + ", ".join(
                f"{'an' if kinds[(o, ident)] == 'item' else 'a'} {kinds[(o, ident)]} id in '{o}'"
                for o in where_) + ")"
    _check_unique(labels, {k: v for k, v in owners.items() if k in labels}, problems, detail)

    retired = {r: inst.id for inst in instruments for r in inst.retired_item_ids}
    for inst in instruments:
        for item in inst.items():
            if item.id in retired and retired[item.id] != inst.id:
                problems.append(
                    f"item '{item.id}' of '{inst.id}' reuses an id that '{retired[item.id]}' has "
                    f"retired; retired ids are never reused: rename it (e.g. "
                    f"'{_suggest(inst.id, item.id)}')")

    blocks: dict[str, list[str]] = {}
    rules: dict[str, list[str]] = {}
    for inst in instruments:
        for b in inst.survey.blocks:
            blocks.setdefault(b.id, []).append(inst.id)
        for r in inst.scoring:
            rules.setdefault(r.id, []).append(inst.id)
    _check_unique("block (survey page) id", blocks, problems)
    _check_unique("scoring rule id", rules, problems)

    scales = _merge_by_id(
        "scale", ((i.id, i.scales) for i in instruments), "id", problems,
        lambda k, inst: "scales with the same id must be identical: make them so, or rename the "
        f"scale in '{inst}' (e.g. '{_suggest(inst, k)}') and the items that use it")
    citations = _merge_by_id(
        "citation", ((i.id, i.citations) for i in instruments), "key", problems,
        lambda k, inst: "give both the same reference, or rename the key in "
        f"'{inst}' (e.g. '{_suggest(inst, k)}')")
    placeholders = _merge_by_id(
        "placeholder", ((i.id, i.placeholders) for i in instruments), "id", problems,
        lambda k, inst: f"a placeholder has one value per survey: give '{{{k}}}' the same "
        "defaults in every instrument",
        same=lambda a, b: a.default == b.default)

    if problems:
        raise InstrumentError([Problem(where, None, p, "combine_conflict") for p in problems])

    _warn_duplicate_questions(instruments)

    if title is None:
        title = dict(first.title)
    elif isinstance(title, str):
        title = {code: title for code in first.language_codes}
    parts = "; ".join(f"{inst.id} {inst.version}" for inst in instruments)
    others = [inst.id for inst in instruments[1:]]
    survey_note = (f" Consent, introduction and closing texts are those of '{first.id}'"
                   + (f" (those of {_both(others)} are not used)." if others else "."))
    if description is None:
        description = f"A study combining {parts}." + survey_note + " " + " ".join(
            f"[{inst.id}] {inst.description}" for inst in instruments if inst.description)
    data: dict[str, Any] = {
        "format": first.format,
        "id": id,
        "title": title,
        "version": version,
        "default_language": first.default_language,
        "languages": languages,
        "description": description.strip(),
        "citations": [c.model_dump(mode="json") for c in citations],
        "changelog": [{
            "version": version,
            "date": datetime.date.today().isoformat(),
            "changes": [f"Combined from {parts} with engagekit's combine_instruments."
                        + survey_note],
        }],
        "placeholders": [p.model_dump(mode="json") for p in placeholders],
        "scales": [s.model_dump(mode="json") for s in scales],
        "constructs": [c.model_dump(mode="json") for inst in instruments
                       for c in inst.constructs],
        "retired_item_ids": list(dict.fromkeys(r for inst in instruments
                                               for r in inst.retired_item_ids)),
        "survey": {
            **first.survey.model_dump(mode="json", exclude={"blocks"}),
            "blocks": [b.model_dump(mode="json") for inst in instruments
                       for b in inst.survey.blocks],
        },
        "model": {
            "paths": [p.model_dump(mode="json") for inst in instruments
                      for p in inst.model.paths],
            "covariances": [list(pair) for inst in instruments
                            for pair in inst.model.covariances],
        },
        "scoring": [r.model_dump(mode="json") for inst in instruments for r in inst.scoring],
    }
    population = _combine_populations(instruments)
    if population is not None:
        data["population"] = population
    combined = Instrument.model_validate(data)
    found = check_instrument(combined)
    if found:  # should not happen once the rules above hold; report rather than return it
        raise InstrumentError([
            Problem(where, None, ".".join(str(k) for k in loc) + f": {msg}", code)
            for loc, code, msg in found])
    return combined
