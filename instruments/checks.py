"""Cross-reference rules of the instrument format, beyond what the field types enforce.

:func:`check_instrument` returns ``(location, message)`` pairs; the loader turns locations into
file line numbers. Each message says what is wrong and what to do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from .schema import (
    MEASURED_ROLES,
    ORDINAL_KINDS,
    PLACEHOLDER_RE,
    ConstructRole,
    DickBasuRule,
    Index100Rule,
    Instrument,
    ItemRole,
    LocalText,
    NPSRule,
    ScaleKind,
)

Loc = tuple[str | int, ...]
Found = list[tuple[Loc, str]]


def _duplicates(ids: list[str]) -> set[str]:
    return {k for k, n in Counter(ids).items() if n > 1}


def _local_texts(inst: Instrument) -> Iterator[tuple[Loc, LocalText]]:
    """Every respondent-facing text with its location."""
    yield ("title",), inst.title
    for i, p in enumerate(inst.placeholders):
        yield ("placeholders", i, "default"), p.default
    for s_i, s in enumerate(inst.scales):
        for a_i, a in enumerate(s.anchors):
            yield ("scales", s_i, "anchors", a_i, "label"), a.label
    for c_i, c in enumerate(inst.constructs):
        for i_i, item in enumerate(c.items):
            yield ("constructs", c_i, "items", i_i, "text"), item.text
    for key in ("consent", "intro", "outro"):
        text = getattr(inst.survey, key)
        if text is not None:
            yield ("survey", key), text
    for b_i, b in enumerate(inst.survey.blocks):
        for key in ("title", "instructions"):
            text = getattr(b, key)
            if text is not None:
                yield ("survey", "blocks", b_i, key), text


def check_instrument(inst: Instrument) -> Found:
    """All rule violations of a schema-valid instrument (empty list when it is valid)."""
    found: Found = []
    found += _check_ids(inst)
    found += _check_languages(inst)
    found += _check_scales(inst)
    found += _check_constructs_and_items(inst)
    found += _check_placeholders(inst)
    found += _check_survey(inst)
    found += _check_model(inst)
    found += _check_scoring(inst)
    found += _check_version(inst)
    return found


def _check_ids(inst: Instrument) -> Found:
    found: Found = []
    groups = {
        "scales": [s.id for s in inst.scales],
        "constructs": [c.id for c in inst.constructs],
        "citations": [c.key for c in inst.citations],
        "placeholders": [p.id for p in inst.placeholders],
        "languages": [lang.code for lang in inst.languages],
    }
    for group, ids in groups.items():
        for dup in sorted(_duplicates(ids)):
            positions = [i for i, x in enumerate(ids) if x == dup]
            for pos in positions[1:]:
                found.append(((group, pos), f"duplicate id '{dup}'; every {group[:-1]} needs its "
                              "own id"))
    item_ids = [item.id for item in inst.items()]
    dup_items = _duplicates(item_ids)
    seen: set[str] = set()
    construct_ids = set(groups["constructs"])
    retired = set(inst.retired_item_ids)
    for c_i, c in enumerate(inst.constructs):
        for i_i, item in enumerate(c.items):
            loc = ("constructs", c_i, "items", i_i, "id")
            if item.id in dup_items and item.id in seen:
                found.append((loc, f"duplicate item id '{item.id}'; item ids must be unique "
                              "across the instrument (give this item a new id)"))
            seen.add(item.id)
            if item.id in construct_ids:
                found.append((loc, f"item id '{item.id}' is also a construct id; rename one "
                              "(both become variable names in the model)"))
            if item.id in retired:
                found.append((loc, f"item id '{item.id}' is listed in retired_item_ids; ids of "
                              "dropped items are never reused, so give this item a new id"))
    block_ids = [b.id for b in inst.survey.blocks]
    for pos, b in enumerate(block_ids):
        if b in _duplicates(block_ids) and b in block_ids[:pos]:
            found.append((("survey", "blocks", pos, "id"), f"duplicate block id '{b}'"))
    return found


def _check_languages(inst: Instrument) -> Found:
    found: Found = []
    codes = inst.language_codes
    if inst.default_language not in codes:
        found.append((("default_language",), f"default language '{inst.default_language}' is not "
                      f"declared under 'languages' ({', '.join(codes)}); add it there"))
    for loc, text in _local_texts(inst):
        for code in codes:
            if not (text.get(code) or "").strip():
                found.append((loc, f"missing '{code}' translation; add a '{code}:' text (the "
                              "instrument declares that language)"))
        for code in text:
            if code not in codes:
                found.append(((*loc, code), f"text in undeclared language '{code}'; declare it "
                              "under 'languages' or remove it"))
    return found


def _check_scales(inst: Instrument) -> Found:
    found: Found = []
    for s_i, s in enumerate(inst.scales):
        loc = ("scales", s_i)
        ordered = s.kind in ORDINAL_KINDS
        if s.kind in ORDINAL_KINDS | {ScaleKind.numeric}:
            if s.min is None or s.max is None:
                found.append((loc, f"a {s.kind.value} scale needs 'min' and 'max'"))
                continue
            if s.min >= s.max:
                found.append(((*loc, "min"), f"scale min ({s.min:g}) must be smaller than max "
                              f"({s.max:g})"))
                continue
        if ordered and (s.min != int(s.min) or s.max != int(s.max)):
            found.append(((*loc, "min"), "likert and 0-10 scales need whole-number min and max"))
            continue
        if s.kind == ScaleKind.scale_0_10 and (s.min, s.max) != (0, 10):
            found.append(((*loc, "min"), f"a scale_0_10 scale runs from 0 to 10 (got {s.min:g} to "
                          f"{s.max:g}); use kind 'likert' for other ranges"))
        values = [a.value for a in s.anchors]
        for dup in _duplicates([str(v) for v in values]):
            found.append(((*loc, "anchors"), f"anchor value {dup} is labelled twice"))
        if s.kind == ScaleKind.single_choice and not s.anchors:
            found.append((loc, "a single_choice scale needs 'anchors' (its choices)"))
        if ordered and s.anchors and not {int(s.min), int(s.max)} <= set(values):
            found.append(((*loc, "anchors"), f"label at least both end points {s.min:g} and "
                          f"{s.max:g} of scale '{s.id}'; anchors given for {sorted(values)}"))
        if ordered and s.min is not None:
            for a_i, a in enumerate(s.anchors):
                if not s.min <= a.value <= s.max:
                    found.append(((*loc, "anchors", a_i), f"anchor value {a.value} lies outside "
                                  f"the scale {s.min:g}..{s.max:g}"))
        valid = set(s.codes) if (ordered or s.kind == ScaleKind.single_choice) else set()
        for m in s.missing_codes:
            if m in valid or (s.kind == ScaleKind.numeric and s.min is not None
                              and s.min <= m <= s.max):
                found.append(((*loc, "missing_codes"), f"missing-value code {m} is also a valid "
                              "answer; pick a code outside the scale (e.g. -99)"))
    return found


def _check_constructs_and_items(inst: Instrument) -> Found:
    found: Found = []
    scale_ids = {s.id for s in inst.scales}
    cite_keys = {c.key for c in inst.citations}
    for c_i, c in enumerate(inst.constructs):
        loc = ("constructs", c_i)
        if c.scale and c.scale not in scale_ids:
            found.append(((*loc, "scale"), f"construct '{c.id}' refers to unknown scale "
                          f"'{c.scale}'; declare it under 'scales' or fix the reference"))
        for s_i, key in enumerate(c.source):
            if key not in cite_keys:
                found.append(((*loc, "source", s_i), f"unknown citation key '{key}'; add it under "
                              "'citations'"))
        if not c.items:
            found.append(((*loc, "items"), f"construct '{c.id}' has no items; add items or "
                          "remove the construct"))
        elif c.role in MEASURED_ROLES and not inst.measurement_items(c):
            found.append(((*loc, "items"), f"construct '{c.id}' has only attention-check items; "
                          "a measured construct needs at least one measuring item"))
        for i_i, item in enumerate(c.items):
            iloc = (*loc, "items", i_i)
            scale_id = item.scale or c.scale
            if scale_id is None:
                found.append((iloc, f"item '{item.id}' has no scale; set 'scale' on the item or "
                              "its construct"))
                continue
            if scale_id not in scale_ids:
                where = (*iloc, "scale") if item.scale else (*loc, "scale")
                if item.scale:
                    found.append((where, f"item '{item.id}' refers to unknown scale "
                                  f"'{scale_id}'; declare it under 'scales' or fix the reference"))
                continue
            scale = inst.scale(scale_id)
            if item.keyed == "minus" and scale.kind not in ORDINAL_KINDS:
                found.append(((*iloc, "keyed"), f"item '{item.id}' is reverse-keyed but its scale "
                              f"'{scale.id}' is {scale.kind.value}, not ordinal; reverse keying "
                              "needs a likert or 0-10 scale"))
            if item.role == ItemRole.attention_check:
                if not item.expected:
                    found.append((iloc, f"attention-check item '{item.id}' needs 'expected' "
                                  "(the answer an attentive respondent gives)"))
                else:
                    bad = [v for v in item.expected if v not in scale.codes]
                    if bad:
                        found.append(((*iloc, "expected"), f"expected answer {bad} of item "
                                      f"'{item.id}' is not a code of scale '{scale.id}' "
                                      f"({scale.codes})"))
            elif item.expected is not None:
                found.append(((*iloc, "expected"), f"item '{item.id}' has 'expected' but is not "
                              "an attention check; add 'role: attention_check' or remove it"))
    return found


def _check_placeholders(inst: Instrument) -> Found:
    found: Found = []
    declared = {p.id for p in inst.placeholders}
    for loc, text in _local_texts(inst):
        for code, s in text.items():
            for name in PLACEHOLDER_RE.findall(s):
                if name not in declared:
                    found.append(((*loc, code), f"placeholder '{{{name}}}' has no declared value; "
                                  f"add it under 'placeholders' with a default"))
    return found


def _check_survey(inst: Instrument) -> Found:
    found: Found = []
    construct_ids = {c.id for c in inst.constructs}
    item_ids = {item.id for item in inst.items()}
    shown: dict[str, str] = {}
    for b_i, b in enumerate(inst.survey.blocks):
        loc = ("survey", "blocks", b_i)
        if not b.constructs and not b.items:
            found.append((loc, f"block '{b.id}' shows nothing; list 'constructs' or 'items'"))
        members: list[str] = []
        for k, cid in enumerate(b.constructs):
            if cid not in construct_ids:
                found.append(((*loc, "constructs", k), f"block '{b.id}' refers to unknown "
                              f"construct '{cid}'"))
            else:
                members += [i.id for i in inst.construct(cid).items]
        for k, iid in enumerate(b.items):
            if iid not in item_ids:
                found.append(((*loc, "items", k), f"block '{b.id}' refers to unknown item '{iid}'"))
            else:
                members.append(iid)
        for iid in members:
            if iid in shown:
                found.append((loc, f"item '{iid}' is shown in block '{shown[iid]}' and again in "
                              f"block '{b.id}'; show each item once"))
            shown.setdefault(iid, b.id)
    for c_i, c in enumerate(inst.constructs):
        for i_i, item in enumerate(c.items):
            if item.id not in shown:
                found.append((("constructs", c_i, "items", i_i), f"item '{item.id}' is on no "
                              "survey page; add it (or its construct) to a block"))
    return found


def _check_model(inst: Instrument) -> Found:
    found: Found = []
    measured = {c.id for c in inst.constructs if c.role in MEASURED_ROLES}
    known = {c.id for c in inst.constructs}
    for p_i, p in enumerate(inst.model.paths):
        loc = ("model", "paths", p_i)
        for key, ids in (("outcome", [p.outcome]), ("predictors", p.predictors)):
            for k, cid in enumerate(ids):
                at = (*loc, key) if key == "outcome" else (*loc, key, k)
                if cid not in known:
                    found.append((at, f"unknown construct '{cid}' in the structural model"))
                elif cid not in measured:
                    role = inst.construct(cid).role.value
                    found.append((at, f"construct '{cid}' has role '{role}' and cannot enter the "
                                  "structural model; give it role predictor, mediator or outcome"))
        if p.outcome in p.predictors:
            found.append((loc, f"'{p.outcome}' predicts itself"))
        for dup in _duplicates(p.predictors):
            found.append(((*loc, "predictors"), f"predictor '{dup}' listed twice"))
    outcomes = [p.outcome for p in inst.model.paths]
    for dup in _duplicates(outcomes):
        pos = [i for i, o in enumerate(outcomes) if o == dup][1]
        found.append((("model", "paths", pos), f"'{dup}' has two equations; list all its "
                      "predictors in one"))
    for k, (a, b) in enumerate(inst.model.covariances):
        for cid in (a, b):
            if cid not in measured:
                found.append((("model", "covariances", k), f"unknown or unmeasured construct "
                              f"'{cid}' in covariances"))
    return found


def _scale_or_none(inst: Instrument, item_id: str):
    """The declared scale of an item, or None when its scale reference is broken."""
    try:
        return inst.item_scale(item_id)
    except KeyError:
        return None


def _check_scoring(inst: Instrument) -> Found:
    found: Found = []
    item_ids = {i.id for i in inst.items()}
    construct_ids = {c.id for c in inst.constructs}
    for r_i, rule in enumerate(inst.scoring):
        loc = ("scoring", r_i)
        if isinstance(rule, NPSRule):
            if rule.item not in item_ids:
                found.append(((*loc, "item"), f"NPS rule refers to unknown item '{rule.item}'"))
            elif (sc := _scale_or_none(inst, rule.item)) and sc.kind != ScaleKind.scale_0_10:
                found.append(((*loc, "item"), f"NPS needs a 0-10 item; '{rule.item}' is on "
                              f"scale '{sc.id}'"))
        elif isinstance(rule, Index100Rule):
            for k, iid in enumerate(rule.items):
                if iid not in item_ids:
                    found.append(((*loc, "items", k), f"index '{rule.id}' refers to unknown item "
                                  f"'{iid}'"))
                elif (sc := _scale_or_none(inst, iid)) and sc.kind not in ORDINAL_KINDS:
                    found.append(((*loc, "items", k), f"index '{rule.id}' needs ordinal items; "
                                  f"'{iid}' is not"))
            if rule.weights is not None and len(rule.weights) != len(rule.items):
                found.append(((*loc, "weights"), f"index '{rule.id}' has {len(rule.weights)} "
                              f"weights for {len(rule.items)} items"))
        elif isinstance(rule, DickBasuRule):
            for key in ("attitude", "patronage"):
                ref = getattr(rule, key)
                if ref not in construct_ids and ref not in item_ids:
                    found.append(((*loc, key), f"Dick & Basu {key} '{ref}' is neither a "
                                  "construct nor an item"))
    return found


def _check_version(inst: Instrument) -> Found:
    if inst.changelog and inst.version not in {e.version for e in inst.changelog}:
        return [(("changelog",), f"version {inst.version} has no changelog entry; add one")]
    return []


__all__ = ["check_instrument", "ConstructRole"]
