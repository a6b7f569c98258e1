"""Cross-reference rules of the instrument format, beyond what the field types enforce.

:func:`check_instrument` returns :class:`Finding` triples ``(location, code, message)``; the
loader turns locations into file line numbers. Each code is catalogued in
:mod:`instruments.problem_codes`; each message says what is wrong and what to do.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from .limits import MAX_ORDINAL_CODES
from .problem_codes import check_code
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


class Finding(NamedTuple):
    """One rule violation: where it is (a location inside the instrument's data), its stable
    code (:data:`~instruments.problem_codes.CODES`) and the message (what is wrong; what to do)."""

    loc: Loc
    code: str
    message: str


class Found(list[Finding]):
    """The rule violations found so far."""

    def add(self, loc: Loc, code: str, message: str) -> None:
        self.append(Finding(loc, check_code(code), message))


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
    found = _check_scale_ranges(inst)
    if found:  # later rules list every code of a scale: stop before building a huge list
        return found
    found += _check_ids(inst)
    found += _check_languages(inst)
    found += _check_scales(inst)
    found += _check_constructs_and_items(inst)
    found += _check_placeholders(inst)
    found += _check_survey(inst)
    found += _check_model(inst)
    found += _check_scoring(inst)
    found += _check_version(inst)
    found += _check_population(inst)
    found += _check_ui(inst)
    return found


def _check_ids(inst: Instrument) -> Found:
    found = Found()
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
                found.add((group, pos), "id_not_unique",
                          f"duplicate id '{dup}'; every {group[:-1]} needs its "
                          "own id")
    item_ids = [item.id for item in inst.items()]
    dup_items = _duplicates(item_ids)
    seen: set[str] = set()
    construct_ids = set(groups["constructs"])
    retired = set(inst.retired_item_ids)
    for c_i, c in enumerate(inst.constructs):
        for i_i, item in enumerate(c.items):
            loc = ("constructs", c_i, "items", i_i, "id")
            if item.id in dup_items and item.id in seen:
                found.add(loc, "id_not_unique",
                          f"duplicate item id '{item.id}'; item ids must be unique "
                          "across the instrument (give this item a new id)")
            seen.add(item.id)
            if item.id in construct_ids:
                found.add(loc, "id_clash",
                          f"item id '{item.id}' is also a construct id; rename one "
                          "(both become variable names in the model)")
            if item.id in retired:
                found.add(loc, "retired_id_reused",
                          f"item id '{item.id}' is listed in retired_item_ids; ids of "
                          "dropped items are never reused, so give this item a new id")
    block_ids = [b.id for b in inst.survey.blocks]
    for pos, b in enumerate(block_ids):
        if b in _duplicates(block_ids) and b in block_ids[:pos]:
            found.add(("survey", "blocks", pos, "id"), "id_not_unique", f"duplicate block id '{b}'")
    return found


def _check_languages(inst: Instrument) -> Found:
    found = Found()
    codes = inst.language_codes
    if inst.default_language not in codes:
        found.add(("default_language",), "undeclared_language",
                  f"default language '{inst.default_language}' is not "
                  f"declared under 'languages' ({', '.join(codes)}); add it there")
    for loc, text in _local_texts(inst):
        for code in codes:
            if not (text.get(code) or "").strip():
                found.add(loc, "missing_translation",
                          f"missing '{code}' translation; add a '{code}:' text (the "
                          "instrument declares that language)")
        for code in text:
            if code not in codes:
                found.add((*loc, code), "undeclared_language",
                          f"text in undeclared language '{code}'; declare it "
                          "under 'languages' or remove it")
    for c_i, c in enumerate(inst.constructs):
        for key in ("name", "definition"):
            text = getattr(c, key)
            if isinstance(text, str):
                continue
            loc = ("constructs", c_i, key)
            if not (text.get(inst.default_language) or "").strip():
                found.add(loc, "missing_translation",
                          f"the construct's {key} has no '{inst.default_language}' text (the "
                          f"default language); add it, or write the {key} as one string")
            for code in text:
                if code not in codes:
                    found.add((*loc, code), "undeclared_language",
                              f"{key} in undeclared language '{code}'; declare it under "
                              "'languages' or remove it")
    return found


def _check_ui(inst: Instrument) -> Found:
    """The ``ui`` block: known keys, declared languages, the same placeholders as engagekit's."""
    import difflib

    from .ui import ui_keys, ui_placeholders

    found = Found()
    keys = ui_keys()
    for key, texts in inst.ui.items():
        loc = ("ui", key)
        if key not in keys:
            close = difflib.get_close_matches(key, keys, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            found.add(loc, "unknown_ui_text",
                      f"'{key}' is not an interface text; {hint}the keys are "
                      + ", ".join(keys))
            continue
        wanted = ui_placeholders(key)
        for code, text in texts.items():
            if code not in inst.language_codes:
                found.add((*loc, code), "undeclared_language",
                          f"text in undeclared language '{code}'; declare it under "
                          "'languages' or remove it")
            if not text.strip():
                found.add((*loc, code), "missing_translation",
                          "empty text; write the text or remove the line (engagekit's own "
                          "text is then used)")
            got = set(PLACEHOLDER_RE.findall(text))
            if got != wanted:
                want = ", ".join("{" + w + "}" for w in sorted(wanted)) or "none"
                has = ", ".join("{" + g + "}" for g in sorted(got)) or "none"
                found.add((*loc, code), "ui_text_placeholder",
                          f"has placeholders {has}; '{key}' takes exactly {want} (the survey "
                          "fills them in)")
    return found


def _check_scale_ranges(inst: Instrument) -> Found:
    """Finite bounds, and at most :data:`~instruments.limits.MAX_ORDINAL_CODES` codes on an
    ordinal scale (checked first: ``Scale.codes`` lists every code)."""
    found = Found()
    for s_i, s in enumerate(inst.scales):
        for key in ("min", "max"):
            value = getattr(s, key)
            if value is not None and not math.isfinite(value):
                found.add(("scales", s_i, key), "scale_range",
                          f"scale '{s.id}' has {key} {value}; give a finite number")
        if found or s.kind not in ORDINAL_KINDS or s.min is None or s.max is None:
            continue
        n_codes = math.floor(s.max) - math.ceil(s.min) + 1
        if n_codes > MAX_ORDINAL_CODES:
            found.add(("scales", s_i, "max"), "scale_range",
                      f"scale '{s.id}' runs from {s.min:g} to {s.max:g}, {n_codes:,} codes; a "
                      f"{s.kind.value} scale has at most {MAX_ORDINAL_CODES} codes (e.g. "
                      "0..100): use kind 'numeric' for a wider range")
    return found


def _check_scales(inst: Instrument) -> Found:
    found = Found()
    for s_i, s in enumerate(inst.scales):
        loc = ("scales", s_i)
        ordered = s.kind in ORDINAL_KINDS
        if s.kind in ORDINAL_KINDS | {ScaleKind.numeric}:
            if s.min is None or s.max is None:
                found.add(loc, "scale_range", f"a {s.kind.value} scale needs 'min' and 'max'")
                continue
            if s.min >= s.max:
                found.add((*loc, "min"), "scale_range",
                          f"scale min ({s.min:g}) must be smaller than max "
                          f"({s.max:g})")
                continue
        if ordered and (s.min != int(s.min) or s.max != int(s.max)):
            found.add((*loc, "min"), "scale_range",
                      "likert and 0-10 scales need whole-number min and max")
            continue
        if s.kind == ScaleKind.scale_0_10 and (s.min, s.max) != (0, 10):
            found.add((*loc, "min"), "scale_range",
                      f"a scale_0_10 scale runs from 0 to 10 (got {s.min:g} to "
                      f"{s.max:g}); use kind 'likert' for other ranges")
        values = [a.value for a in s.anchors]
        for dup in _duplicates([str(v) for v in values]):
            found.add((*loc, "anchors"), "scale_anchors", f"anchor value {dup} is labelled twice")
        if s.kind == ScaleKind.single_choice and not s.anchors:
            found.add(loc, "scale_anchors", "a single_choice scale needs 'anchors' (its choices)")
        if ordered and s.anchors and not {int(s.min), int(s.max)} <= set(values):
            found.add((*loc, "anchors"), "scale_anchors",
                      f"label at least both end points {s.min:g} and "
                      f"{s.max:g} of scale '{s.id}'; anchors given for {sorted(values)}")
        if ordered and s.min is not None:
            for a_i, a in enumerate(s.anchors):
                if not s.min <= a.value <= s.max:
                    found.add((*loc, "anchors", a_i), "scale_anchors",
                              f"anchor value {a.value} lies outside "
                              f"the scale {s.min:g}..{s.max:g}")
        valid = set(s.codes) if (ordered or s.kind == ScaleKind.single_choice) else set()
        for m in s.missing_codes:
            if m in valid or (s.kind == ScaleKind.numeric and s.min is not None
                              and s.min <= m <= s.max):
                found.add((*loc, "missing_codes"), "missing_code_is_answer",
                          f"missing-value code {m} is also a valid "
                          "answer; pick a code outside the scale (e.g. -99)")
    return found


def _check_constructs_and_items(inst: Instrument) -> Found:
    found = Found()
    scale_ids = {s.id for s in inst.scales}
    cite_keys = {c.key for c in inst.citations}
    for c_i, c in enumerate(inst.constructs):
        loc = ("constructs", c_i)
        if c.scale and c.scale not in scale_ids:
            found.add((*loc, "scale"), "unknown_scale",
                      f"construct '{c.id}' refers to unknown scale "
                      f"'{c.scale}'; declare it under 'scales' or fix the reference")
        for s_i, key in enumerate(c.source):
            if key not in cite_keys:
                found.add((*loc, "source", s_i), "unknown_citation",
                          f"unknown citation key '{key}'; add it under "
                          "'citations'")
        if not c.items:
            found.add((*loc, "items"), "construct_no_items",
                      f"construct '{c.id}' has no items; add items or "
                      "remove the construct")
        elif c.role in MEASURED_ROLES and not inst.measurement_items(c):
            found.add((*loc, "items"), "construct_no_items",
                      f"construct '{c.id}' has only attention-check items; "
                      "a measured construct needs at least one measuring item")
        for i_i, item in enumerate(c.items):
            iloc = (*loc, "items", i_i)
            scale_id = item.scale or c.scale
            if scale_id is None:
                found.add(iloc, "item_no_scale",
                          f"item '{item.id}' has no scale; set 'scale' on the item or "
                          "its construct")
                continue
            if scale_id not in scale_ids:
                where = (*iloc, "scale") if item.scale else (*loc, "scale")
                if item.scale:
                    found.add(where, "unknown_scale",
                              f"item '{item.id}' refers to unknown scale "
                              f"'{scale_id}'; declare it under 'scales' or fix the reference")
                continue
            scale = inst.scale(scale_id)
            if item.keyed == "minus" and scale.kind not in ORDINAL_KINDS:
                found.add((*iloc, "keyed"), "reverse_key_not_ordinal",
                          f"item '{item.id}' is reverse-keyed but its scale "
                          f"'{scale.id}' is {scale.kind.value}, not ordinal; reverse keying "
                          "needs a likert or 0-10 scale")
            if item.role == ItemRole.attention_check:
                if not item.expected:
                    found.add(iloc, "attention_check",
                              f"attention-check item '{item.id}' needs 'expected' "
                              "(the answer an attentive respondent gives)")
                else:
                    bad = [v for v in item.expected if v not in scale.codes]
                    if bad:
                        found.add((*iloc, "expected"), "attention_check",
                                  f"expected answer {bad} of item "
                                  f"'{item.id}' is not a code of scale '{scale.id}' "
                                  f"({scale.codes})")
            elif item.expected is not None:
                found.add((*iloc, "expected"), "attention_check",
                          f"item '{item.id}' has 'expected' but is not "
                          "an attention check; add 'role: attention_check' or remove it")
    return found


def _check_placeholders(inst: Instrument) -> Found:
    found = Found()
    declared = {p.id for p in inst.placeholders}
    for loc, text in _local_texts(inst):
        for code, s in text.items():
            for name in PLACEHOLDER_RE.findall(s):
                if name not in declared:
                    found.add((*loc, code), "unknown_placeholder",
                              f"placeholder '{{{name}}}' has no declared value; "
                              f"add it under 'placeholders' with a default")
    return found


def _check_survey(inst: Instrument) -> Found:
    found = Found()
    construct_ids = {c.id for c in inst.constructs}
    item_ids = {item.id for item in inst.items()}
    shown: dict[str, str] = {}
    for b_i, b in enumerate(inst.survey.blocks):
        loc = ("survey", "blocks", b_i)
        if not b.constructs and not b.items:
            found.add(loc, "block_empty",
                      f"block '{b.id}' shows nothing; list 'constructs' or 'items'")
        members: list[str] = []
        for k, cid in enumerate(b.constructs):
            if cid not in construct_ids:
                found.add((*loc, "constructs", k), "unknown_construct",
                          f"block '{b.id}' refers to unknown "
                          f"construct '{cid}'")
            else:
                members += [i.id for i in inst.construct(cid).items]
        for k, iid in enumerate(b.items):
            if iid not in item_ids:
                found.add((*loc, "items", k), "unknown_item",
                          f"block '{b.id}' refers to unknown item '{iid}'")
            else:
                members.append(iid)
        for iid in members:
            if iid in shown:
                found.add(loc, "item_shown_twice",
                          f"item '{iid}' is shown in block '{shown[iid]}' and again in "
                          f"block '{b.id}'; show each item once")
            shown.setdefault(iid, b.id)
    for c_i, c in enumerate(inst.constructs):
        for i_i, item in enumerate(c.items):
            if item.id not in shown:
                found.add(("constructs", c_i, "items", i_i), "item_not_shown",
                          f"item '{item.id}' is on no "
                          "survey page; add it (or its construct) to a block")
    return found


def find_cycles(predictors: dict[str, list[str]]) -> list[list[str]]:
    """Loops of a directed model ``{outcome: [predictors]}``: one loop per strongly connected
    group of two or more constructs (Tarjan 1972, without recursion), each as the constructs
    in the order ``a`` predicts ``b`` predicts ... predicts ``a``, starting at the first
    outcome in ``predictors``' order. Self-loops are not reported (the caller names them).
    """
    nodes = list(dict.fromkeys([*predictors, *(x for xs in predictors.values() for x in xs)]))
    succ: dict[str, list[str]] = {n: [] for n in nodes}  # predictor -> outcomes it predicts
    for outcome, preds in predictors.items():
        for x in preds:
            if x != outcome:
                succ[x].append(outcome)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if i < len(succ[node]):
                work.append((node, i + 1))
                nxt = succ[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if work:  # returning to the parent
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    x = stack.pop()
                    on_stack.discard(x)
                    group.append(x)
                    if x == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    order = {n: k for k, n in enumerate(nodes)}
    loops = []
    for group in groups:
        members = set(group)
        start = min(group, key=order.__getitem__)
        prev: dict[str, str] = {}
        frontier = [start]
        while frontier and start not in prev:  # breadth-first back to the start
            nxt_frontier = []
            for n in frontier:
                for m in succ[n]:
                    if m in members and m not in prev:
                        prev[m] = n
                        nxt_frontier.append(m)
            frontier = nxt_frontier
        loop = [start]
        n = prev[start]
        while n != start:
            loop.append(n)
            n = prev[n]
        loop.reverse()  # [..., p2, p1, start]: each predicts the next
        loops.append([start, *loop[:-1]])
    return sorted(loops, key=lambda lp: order[lp[0]])


def _check_model(inst: Instrument) -> Found:
    found = Found()
    measured = {c.id for c in inst.constructs if c.role in MEASURED_ROLES}
    known = {c.id for c in inst.constructs}
    for p_i, p in enumerate(inst.model.paths):
        loc = ("model", "paths", p_i)
        for key, ids in (("outcome", [p.outcome]), ("predictors", p.predictors)):
            for k, cid in enumerate(ids):
                at = (*loc, key) if key == "outcome" else (*loc, key, k)
                if cid not in known:
                    found.add(at, "unknown_construct",
                              f"unknown construct '{cid}' in the structural model")
                elif cid not in measured:
                    role = inst.construct(cid).role.value
                    found.add(at, "construct_role",
                              f"construct '{cid}' has role '{role}' and cannot enter the "
                              "structural model; give it role predictor, mediator or outcome")
        if p.outcome in p.predictors:
            found.add((*loc, "predictors", p.predictors.index(p.outcome)), "model_path",
                      f"'{p.outcome}' is both the outcome and a predictor of this path (it "
                      "would predict itself); remove it from 'predictors'")
        for dup in _duplicates(p.predictors):
            found.add((*loc, "predictors"), "model_path", f"predictor '{dup}' listed twice")
    outcomes = [p.outcome for p in inst.model.paths]
    for dup in _duplicates(outcomes):
        pos = [i for i, o in enumerate(outcomes) if o == dup][1]
        found.add(("model", "paths", pos), "model_path",
                  f"'{dup}' has two equations; list all its "
                  "predictors in one")
    edges = {p.outcome: [x for x in p.predictors if x != p.outcome and x in known]
             for p in inst.model.paths if p.outcome in known}
    for loop in find_cycles(edges):
        first = next(i for i, p in enumerate(inst.model.paths) if p.outcome == loop[0])
        found.add(("model", "paths", first), "model_cycle",
                  "the structural model has a loop: " + " -> ".join([*loop, loop[0]])
                  + " (each construct predicts the next); engagekit estimates recursive "
                  "(loop-free) models only: remove one of these paths")
    for k, (a, b) in enumerate(inst.model.covariances):
        for cid in (a, b):
            if cid not in measured:
                found.add(("model", "covariances", k), "unknown_construct",
                          f"unknown or unmeasured construct "
                          f"'{cid}' in covariances")
    return found


def _scale_or_none(inst: Instrument, item_id: str):
    """The declared scale of an item, or None when its scale reference is broken."""
    try:
        return inst.item_scale(item_id)
    except KeyError:
        return None


def _check_scoring(inst: Instrument) -> Found:
    found = Found()
    item_ids = {i.id for i in inst.items()}
    construct_ids = {c.id for c in inst.constructs}
    for r_i, rule in enumerate(inst.scoring):
        loc = ("scoring", r_i)
        if isinstance(rule, NPSRule):
            if rule.item not in item_ids:
                found.add((*loc, "item"), "unknown_item",
                          f"NPS rule refers to unknown item '{rule.item}'")
            elif (sc := _scale_or_none(inst, rule.item)) and sc.kind != ScaleKind.scale_0_10:
                found.add((*loc, "item"), "scoring_rule",
                          f"NPS needs a 0-10 item; '{rule.item}' is on "
                          f"scale '{sc.id}'")
        elif isinstance(rule, Index100Rule):
            for k, iid in enumerate(rule.items):
                if iid not in item_ids:
                    found.add((*loc, "items", k), "unknown_item",
                              f"index '{rule.id}' refers to unknown item "
                              f"'{iid}'")
                elif (sc := _scale_or_none(inst, iid)) and sc.kind not in ORDINAL_KINDS:
                    found.add((*loc, "items", k), "scoring_rule",
                              f"index '{rule.id}' needs ordinal items; "
                              f"'{iid}' is not")
            if rule.weights is not None and len(rule.weights) != len(rule.items):
                found.add((*loc, "weights"), "scoring_rule",
                          f"index '{rule.id}' has {len(rule.weights)} "
                          f"weights for {len(rule.items)} items")
        elif isinstance(rule, DickBasuRule):
            for key in ("attitude", "patronage"):
                ref = getattr(rule, key)
                if ref not in construct_ids and ref not in item_ids:
                    found.add((*loc, key), "unknown_reference",
                              f"Dick & Basu {key} '{ref}' is neither a "
                              "construct nor an item")
    return found


def _check_version(inst: Instrument) -> Found:
    found = Found()
    if inst.changelog and inst.version not in {e.version for e in inst.changelog}:
        found.add(("changelog",), "changelog_missing",
                  f"version {inst.version} has no changelog entry; add one")
    return found


def _population_order(inst: Instrument) -> tuple[list[str], list[str], Found]:
    """(exogenous ids, endogenous ids in causal order, problems) of the population model."""
    pop = inst.population
    measured = [c.id for c in inst.measured_constructs()]
    outcomes = [p.outcome for p in pop.paths]
    preds = {p.outcome: [x for x in p.effects if x in measured] for p in pop.paths}
    exogenous = [c for c in measured if c not in preds]
    order: list[str] = []
    found = Found()
    remaining = [o for o in dict.fromkeys(outcomes) if o in measured]
    while remaining:
        ready = [o for o in remaining if all(x in exogenous or x in order for x in preds[o])]
        if not ready:
            p_i = outcomes.index(remaining[0])
            found.add(("population", "paths", p_i), "population_path",
                      "the population paths form a cycle ("
                      + " -> ".join(remaining) + "); the structural model must be recursive")
            break
        order += ready
        remaining = [o for o in remaining if o not in ready]
    return exogenous, order, found


def population_latent_correlations(inst: Instrument) -> tuple[list[str], np.ndarray, Found]:
    """Model-implied correlations of all measured constructs under ``inst.population``.

    Exogenous constructs get the declared correlations (0 when not declared); each endogenous
    construct ``o = sum(b_p * p) + zeta`` in causal order, with ``Var(zeta) = 1 - b' S_pp b``
    so that its variance is 1. Returns ``(construct ids, matrix, problems)``; problems name a
    path whose explained variance reaches 1 or a correlation matrix that is not positive
    definite.
    """
    pop = inst.population
    exogenous, order, found = _population_order(inst)
    ids = exogenous + order
    idx = {c: k for k, c in enumerate(ids)}
    n = len(ids)
    S = np.eye(n)
    for corr in pop.correlations:
        a, b = corr.constructs
        if a in idx and b in idx and a in exogenous and b in exogenous and a != b:
            S[idx[a], idx[b]] = S[idx[b], idx[a]] = corr.r
    k = len(exogenous)
    if k and np.linalg.eigvalsh(S[:k, :k]).min() <= 1e-10:
        found.add(("population", "correlations"), "population_correlation",
                  "the correlations among exogenous "
                  "constructs do not form a positive-definite matrix; lower some of them")
        return ids, S, found
    paths = {p.outcome: (p_i, p) for p_i, p in enumerate(pop.paths)}
    for o in order:
        p_i, path = paths[o]
        P = [x for x in path.effects if x in idx and idx[x] < idx[o]]
        b = np.array([path.effects[x] for x in P])
        rows = [idx[x] for x in P]
        explained = float(b @ S[np.ix_(rows, rows)] @ b) if P else 0.0
        if explained >= 1 - 1e-9:
            found.add(("population", "paths", p_i), "population_path",
                      f"the population effects on '{o}' "
                      f"explain {explained:.3f} of its variance (must be below 1); make the "
                      "effects smaller")
        j = idx[o]
        for v in range(j):
            S[j, v] = S[v, j] = float(b @ S[rows, v]) if P else 0.0
    return ids, S, found


def _check_population(inst: Instrument) -> Found:
    pop = inst.population
    if pop is None:
        return []
    found = Found()
    loc0 = ("population",)
    cite_keys = {c.key for c in inst.citations}
    for s_i, key in enumerate(pop.source):
        if key not in cite_keys:
            found.add((*loc0, "source", s_i), "unknown_citation",
                      f"unknown citation key '{key}'; add it under "
                      "'citations'")
    measured = {c.id for c in inst.measured_constructs()}
    measured_items = {i.id: c.id for c in inst.measured_constructs()
                      for i in inst.measurement_items(c)}
    item_ids = {i.id for i in inst.items()}
    construct_ids = {c.id for c in inst.constructs}
    scale_ids = {s.id for s in inst.scales}
    in_model = {p.outcome for p in inst.model.paths} | {
        x for p in inst.model.paths for x in p.predictors}
    single_in_model = {c.id for c in inst.measured_constructs()
                       if c.id in in_model and len(inst.measurement_items(c)) == 1}
    for item_id, value in pop.loadings.items():
        at = (*loc0, "loadings", item_id)
        if item_id not in measured_items:
            what = "is not an item" if item_id not in item_ids else "does not measure a " \
                "predictor, mediator or outcome construct"
            found.add(at, "population_loading",
                      f"loading for '{item_id}', which {what}; remove it or fix the id")
        elif measured_items[item_id] in single_in_model:
            if abs(value - 1) > 1e-6:
                found.add(at, "population_loading",
                          f"loading of '{item_id}' is {value:g}, but it is the only item "
                          f"of '{measured_items[item_id]}', which is in the structural "
                          "model: a single item's measurement error is not identified "
                          "(the model takes the construct to be the item's latent response), "
                          "so its population loading must be 1")
        elif not 0 < value < 1:
            found.add(at, "population_loading",
                      f"loading of '{item_id}' is {value:g}; standardized loadings lie "
                      "between 0 and 1 (reverse-keyed items too: give the loading after "
                      "reverse scoring)")
    for cid in sorted(single_in_model):
        (item,) = inst.measurement_items(inst.construct(cid))
        default = pop.default_reverse_loading if item.keyed == "minus" else pop.default_loading
        if item.id not in pop.loadings and abs(default - 1) > 1e-6:
            found.add((*loc0, "loadings"), "population_loading",
                      f"'{cid}' is in the structural model and measured "
                      f"by the one item '{item.id}'; state its population loading as "
                      f"{item.id}: 1 (a single item's measurement error is not identified)")
    outcomes = [p.outcome for p in pop.paths]

    def _measured(cid: str, at: Loc, what: str) -> bool:
        if cid in measured:
            return True
        why = "unknown construct" if cid not in construct_ids else \
            f"construct '{cid}' has role '{inst.construct(cid).role.value}' and"
        msg = (f"{why} '{cid}' in {what}" if cid not in construct_ids else
               f"{why} cannot be a latent variable in {what}")
        code = "unknown_construct" if cid not in construct_ids else "construct_role"
        found.add(at, code, msg + "; use a predictor, mediator or outcome construct")
        return False

    pairs: set[frozenset[str]] = set()
    for r_i, corr in enumerate(pop.correlations):
        at = (*loc0, "correlations", r_i)
        a, b = corr.constructs
        ok = _measured(a, at, "population correlations") & _measured(b, at,
                                                                      "population correlations")
        if not ok:
            continue
        if a == b:
            found.add(at, "population_correlation",
                      f"correlation of '{a}' with itself; name two constructs")
        for cid in (a, b):
            if cid in outcomes:
                found.add(at, "population_correlation",
                          f"'{cid}' is an outcome of a population path, so its "
                          "correlations follow from the paths; correlate exogenous "
                          "constructs only")
        if frozenset((a, b)) in pairs:
            found.add(at, "population_correlation", f"correlation of '{a}' and '{b}' given twice")
        pairs.add(frozenset((a, b)))
    for p_i, path in enumerate(pop.paths):
        at = (*loc0, "paths", p_i)
        _measured(path.outcome, (*at, "outcome"), "population paths")
        for x in path.effects:
            _measured(x, (*at, "effects", x), "population paths")
            if x == path.outcome:
                found.add((*at, "effects", x), "population_path", f"'{x}' predicts itself")
        if path.outcome in outcomes[:p_i]:
            found.add(at, "population_path",
                      f"'{path.outcome}' has two population equations; list all its "
                      "effects in one")
    for r_i, rule in enumerate(pop.responses):
        at = (*loc0, "responses", r_i)
        targets: list[str] = []
        for k, ref in enumerate(rule.applies_to):
            if ref in item_ids:
                targets.append(ref)
            elif ref in construct_ids:
                targets += [i.id for i in inst.construct(ref).items]
            elif ref in scale_ids:
                targets += [i.id for i in inst.items() if _scale_or_none(inst, i.id)
                            and inst.item_scale(i.id).id == ref]
            else:
                found.add((*at, "applies_to", k), "unknown_reference",
                          f"'{ref}' is not an item, construct or "
                          "scale id")
        if not rule.applies_to and any(not r.applies_to for r in pop.responses[:r_i]):
            found.add(at, "population_response",
                      "two default response rules (without 'applies_to'); keep one")
        if rule.thresholds is not None:
            t = rule.thresholds
            if any(b <= a for a, b in zip(t, t[1:], strict=False)):
                found.add((*at, "thresholds"), "population_response",
                          "thresholds must be strictly increasing")
            scales = {sc.id: sc for i in targets if (sc := _scale_or_none(inst, i))}
            if not rule.applies_to:
                found.add((*at, "thresholds"), "population_response",
                          "explicit thresholds need 'applies_to' (they "
                          "fit one scale length only)")
            for sc in scales.values():
                if sc.kind not in ORDINAL_KINDS:
                    found.add((*at, "thresholds"), "population_response",
                              f"thresholds apply to ordinal scales; "
                              f"scale '{sc.id}' is {sc.kind.value}")
                elif len(t) != len(sc.codes) - 1:
                    found.add((*at, "thresholds"), "population_response",
                              f"scale '{sc.id}' has {len(sc.codes)} "
                              f"codes and needs {len(sc.codes) - 1} thresholds (got "
                              f"{len(t)})")
    seen_items: set[str] = set()
    for d_i, dist in enumerate(pop.items):
        at = (*loc0, "items", d_i)
        if dist.item not in item_ids:
            found.add((*at, "item"), "unknown_item", f"unknown item '{dist.item}'")
            continue
        if dist.item in seen_items:
            found.add((*at, "item"), "population_item",
                      f"distribution of '{dist.item}' given twice")
        seen_items.add(dist.item)
        if dist.item in measured_items:
            found.add((*at, "item"), "population_item",
                      f"item '{dist.item}' measures construct "
                      f"'{measured_items[dist.item]}', so it follows from the loadings; "
                      "remove this distribution")
            continue
        sc = _scale_or_none(inst, dist.item)
        if sc is None:
            continue
        if sc.kind == ScaleKind.free_text:
            found.add((*at, "item"), "population_item",
                      f"item '{dist.item}' is free text and cannot be "
                      "simulated")
        elif sc.kind == ScaleKind.numeric:
            if dist.mean is None or dist.sd is None:
                found.add(at, "population_item",
                          f"numeric item '{dist.item}' needs 'mean' and 'sd'")
        else:
            probs = dist.probabilities
            if probs is None:
                found.add(at, "population_item",
                          f"item '{dist.item}' (scale '{sc.id}') needs 'probabilities', "
                          f"one per code {sc.codes}")
            elif len(probs) != len(sc.codes):
                found.add((*at, "probabilities"), "population_item",
                          f"{len(probs)} probabilities for the "
                          f"{len(sc.codes)} codes {sc.codes} of scale '{sc.id}'")
            elif any(p < 0 for p in probs) or not math.isclose(sum(probs), 1, abs_tol=1e-6):
                found.add((*at, "probabilities"), "population_item",
                          f"probabilities must be >= 0 and sum to 1 "
                          f"(they sum to {sum(probs):g})")
        for cid in dist.relates_to:
            _measured(cid, (*at, "relates_to", cid), "an item distribution")
    if found:
        return found
    ids, S, problems = population_latent_correlations(inst)
    found += problems
    if problems:
        return found
    idx = {c: k for k, c in enumerate(ids)}
    for d_i, dist in enumerate(pop.items):
        if dist.relates_to:
            rows = [idx[c] for c in dist.relates_to]
            w = np.array(list(dist.relates_to.values()))
            explained = float(w @ S[np.ix_(rows, rows)] @ w)
            if explained >= 1 - 1e-9:
                found.add((*loc0, "items", d_i, "relates_to"), "population_item",
                          f"the weights on "
                          f"'{dist.item}' explain {explained:.3f} of its variance (must be "
                          "below 1); make them smaller")
    return found


__all__ = ["ConstructRole", "Finding", "Found", "check_instrument", "find_cycles",
           "population_latent_correlations"]
