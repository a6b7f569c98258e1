"""Combining instruments into one study: what merges, what clashes, and the messages."""

from __future__ import annotations

import itertools
import warnings
from importlib import resources

import pytest

from instruments import (
    InstrumentError,
    bundled_names,
    dump_instrument,
    load_instrument,
    parse_instrument,
)
from instruments.checks import check_instrument
from instruments.combine import DuplicateQuestionWarning, _item_rule, combine_instruments
from instruments.loader import instrument_to_data
from instruments.schema import Instrument, ItemRole

HAS_POPULATION = "population" in Instrument.model_fields


def _source(name: str) -> str:
    return (resources.files("instruments.library") / f"{name}.yaml").read_text(encoding="utf-8")


def _edited(name: str, *replacements: tuple[str, str]) -> Instrument:
    """A bundled instrument with text replacements, parsed (so it is itself valid)."""
    text = _source(name)
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return parse_instrument(text, f"{name}_edited.yaml")


def _problems(instruments, **kw) -> str:
    with pytest.raises(InstrumentError) as exc:
        combine_instruments(instruments, **kw)
    return "\n".join(str(p) for p in exc.value.problems)


@pytest.fixture(scope="module")
def five_8c_acsi():
    return [load_instrument(n) for n in ("five_commitments", "eight_c", "acsi_nps")]


# ---- a valid combination ----------------------------------------------------------------------


def test_five_commitments_eight_c_and_acsi_nps_combine(five_8c_acsi):
    five, eight, acsi = five_8c_acsi
    with pytest.warns(DuplicateQuestionWarning, match=r"'acsi_ltr' of 'acsi_nps'.*'ltr' of "
                      r"'five_commitments'"):
        study = combine_instruments(five_8c_acsi, id="loyalty_study",
                                    title={"en": "Your experience with {brand}",
                                           "nl": "Uw ervaring met {brand}",
                                           "de": "Wie Sie {brand} erleben",
                                           "fr": "Votre expérience avec {brand}"})
    assert check_instrument(study) == []
    assert study.id == "loyalty_study" and study.version == "1.0.0"
    assert [i.id for i in study.items()] == [i.id for x in five_8c_acsi for i in x.items()]
    assert [c.id for c in study.constructs] == [c.id for x in five_8c_acsi for c in x.constructs]
    assert [b.id for b in study.survey.blocks] == [b.id for x in five_8c_acsi
                                                   for b in x.survey.blocks]
    assert study.survey.consent == five.survey.consent
    assert study.survey.intro == five.survey.intro and study.survey.outro == five.survey.outro
    assert study.model.paths == five.model.paths + eight.model.paths + acsi.model.paths
    assert [r.id for r in study.scoring] == ["nps", "acsi", "loyalty_segment", "acsi_index",
                                             "acsi_nps"]
    assert study.language_codes == ["en", "nl", "de", "fr"]
    assert {lang.code: lang.status.value for lang in study.languages} == {
        "en": "source", "nl": "draft", "de": "draft", "fr": "draft"}
    # shared definitions appear once
    assert [s.id for s in study.scales].count("agree7") == 1
    assert [c.key for c in study.citations].count("meade_craig2012") == 1
    assert [p.id for p in study.placeholders] == ["brand"]
    keys = {c.key for x in five_8c_acsi for c in x.citations}
    assert {c.key for c in study.citations} == keys
    assert "'eight_c' and 'acsi_nps' are not used" in study.description
    assert study.changelog[0].version == "1.0.0"
    # the result is an ordinary instrument: it round-trips and yields one lavaan model
    assert parse_instrument(dump_instrument(study), "study.yaml") == study
    syntax = study.to_lavaan()
    assert "e_loyalty ~ customization" in syntax and "acsi_repurchase ~ acsi_satisfaction" in syntax


def test_inputs_are_not_modified(five_8c_acsi):
    before = [x.model_dump() for x in five_8c_acsi]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateQuestionWarning)
        combine_instruments(five_8c_acsi)
    assert [x.model_dump() for x in five_8c_acsi] == before


@pytest.mark.parametrize("pair", list(itertools.combinations(sorted(bundled_names()), 2)),
                         ids=lambda p: "+".join(p))
def test_every_pair_of_bundled_instruments_combines(pair):
    insts = [load_instrument(n) for n in pair]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateQuestionWarning)
        study = combine_instruments(insts, id="pair")
    assert check_instrument(study) == []
    assert len(study.items()) == sum(len(x.items()) for x in insts)


def test_title_defaults_to_the_first_and_a_string_is_used_for_every_language(five_8c_acsi):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateQuestionWarning)
        assert combine_instruments(five_8c_acsi).title == five_8c_acsi[0].title
        study = combine_instruments(five_8c_acsi[:2], title="Study {brand}")
    assert study.title == {code: "Study {brand}" for code in ["en", "nl", "de", "fr"]}


def test_a_single_instrument_is_returned_under_the_new_id():
    eight = load_instrument("eight_c")
    one = combine_instruments([eight], id="only_8c")
    assert one.id == "only_8c" and one.items() == eight.items()
    assert "are not used" not in one.description


def test_translation_status_is_the_least_advanced():
    reviewed = _edited("eight_c", ("    name: Nederlands\n    status: draft",
                                   "    name: Nederlands\n    status: reviewed"),
                       ("    name: Deutsch\n    status: draft",
                        "    name: Deutsch\n    status: final"))
    final = _edited("acsi_nps", ("    name: Deutsch\n    status: draft",
                                 "    name: Deutsch\n    status: final"))
    study = combine_instruments([reviewed, final])
    assert {lang.code: lang.status.value for lang in study.languages} == {
        "en": "source", "nl": "draft", "de": "final", "fr": "draft"}
    only = combine_instruments([reviewed])
    assert only.languages[1].status.value == "reviewed"


# ---- clashes ----------------------------------------------------------------------------------


def test_clashing_item_id_names_both_instruments_and_suggests_a_rename():
    five = load_instrument("five_commitments")
    acsi = _edited("acsi_nps", ("acsi_ltr", "ltr"))  # item and the NPS rule that uses it
    problems = _problems([five, acsi], id="study")
    assert "item id 'ltr' is in both instruments 'five_commitments' and 'acsi_nps'" in problems
    assert "identical in both; shared items are not merged" in problems
    assert "rename it in 'acsi_nps' (e.g. 'acsi_nps_ltr')" in problems
    assert problems.startswith("combined instrument 'study':")


def test_clashing_attention_check_is_reported_even_when_identical():
    a = load_instrument("eight_c")
    b = _edited("three_component", ("tcm_att_01", "ec_att_01"),
                ("To check that you are paying attention, please answer 'Disagree' to this "
                 "statement.", "Please select 'Agree' for this statement to show that you are "
                 "reading each one."))
    problems = _problems([a, b])
    assert "item id 'ec_att_01' is in both instruments 'eight_c' and 'three_component'" in problems
    assert "identical in both" not in problems  # same id, different question and expected code


def test_clashing_construct_id():
    five = load_instrument("five_commitments")
    acsi = _edited("acsi_nps", ("acsi_satisfaction", "satisfaction"))
    problems = _problems([five, acsi])
    assert "construct id 'satisfaction' is in both instruments 'five_commitments' and " \
           "'acsi_nps'" in problems
    assert "block (survey page) id" not in problems  # the page id was renamed along


def test_item_id_against_construct_id():
    eight = load_instrument("eight_c")
    rl = _edited("reciprocal_loyalty", ("rl_grat_01", "care"))
    problems = _problems([eight, rl])
    assert "id 'care' is in both instruments 'eight_c' and 'reciprocal_loyalty' (a construct id " \
           "in 'eight_c', an item id in 'reciprocal_loyalty')" in problems


def test_different_scales_with_the_same_id_are_an_error():
    eight = load_instrument("eight_c")
    other = _edited("reciprocal_loyalty", ("label: {en: Agree, nl: Mee eens,",
                                           "label: {en: Mostly agree, nl: Mee eens,"))
    problems = _problems([eight, other])
    assert "scale 'agree7' differs between instruments 'eight_c' and 'reciprocal_loyalty' " \
           "(anchors)" in problems
    assert "rename the scale in 'reciprocal_loyalty' (e.g. 'reciprocal_loyalty_agree7')" in problems


def test_different_citations_and_placeholder_defaults_are_errors():
    eight = load_instrument("eight_c")
    other = _edited("reciprocal_loyalty",
                    ("Psychological Methods, 17(3), 437-455.", "Psychol. Methods, 17, 437-455."),
                    ("      en: this company\n", "      en: this brand\n"))
    problems = _problems([eight, other])
    assert "citation 'meade_craig2012' differs between instruments 'eight_c' and " \
           "'reciprocal_loyalty' (text)" in problems
    assert "placeholder 'brand' differs" in problems and "same defaults" in problems


def test_placeholder_descriptions_may_differ():
    eight = load_instrument("eight_c")
    other = _edited("reciprocal_loyalty", ("description: The brand or company the respondent",
                                           "description: The company the respondent"))
    study = combine_instruments([eight, other])
    assert study.placeholders == eight.placeholders


def _drop_language(inst: Instrument, code: str) -> Instrument:
    def walk(node):
        if isinstance(node, dict):
            if "en" in node and code in node and all(isinstance(v, str) for v in node.values()):
                return {k: v for k, v in node.items() if k != code}
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    data = walk(instrument_to_data(inst))
    data["languages"] = [lang for lang in data["languages"] if lang["code"] != code]
    out = Instrument.model_validate(data)
    assert check_instrument(out) == []
    return out


def test_languages_must_match_and_the_missing_ones_are_named():
    eight = load_instrument("eight_c")
    no_fr = _drop_language(load_instrument("acsi_nps"), "fr")
    problems = _problems([eight, no_fr])
    assert "instrument 'acsi_nps' lacks language 'fr' that 'eight_c' has" in problems
    no_de = _drop_language(_drop_language(load_instrument("three_component"), "de"), "nl")
    problems = _problems([eight, no_fr, no_de])
    assert "instrument 'three_component' lacks languages 'de', 'nl' that 'eight_c' and " \
           "'acsi_nps' have" in problems
    assert "instrument 'acsi_nps' lacks language 'fr' that 'eight_c' and 'three_component' " \
           "have" in problems


def test_block_and_scoring_ids_must_not_clash():
    five = load_instrument("five_commitments")
    acsi = _edited("acsi_nps", ("- id: acsi_recommend_page", "- id: evaluation"),
                   ("    id: acsi_nps\n    item: acsi_ltr", "    id: nps\n    item: acsi_ltr"))
    problems = _problems([five, acsi])
    assert "block (survey page) id 'evaluation' is in both instruments 'five_commitments' and " \
           "'acsi_nps'" in problems
    assert "scoring rule id 'nps' is in both instruments" in problems
    assert "(e.g. 'acsi_nps_nps')" in problems


def test_retired_ids_are_not_reused_across_instruments():
    five = _edited("five_commitments", ("survey:\n  consent:",
                                        "retired_item_ids: [ec_cust_01]\nsurvey:\n  consent:"))
    problems = _problems([five, load_instrument("eight_c")])
    assert "item 'ec_cust_01' of 'eight_c' reuses an id that 'five_commitments' has retired" \
           in problems


def test_every_problem_is_reported_at_once():
    five = load_instrument("five_commitments")
    acsi = _edited("acsi_nps", ("acsi_ltr", "ltr"), ("- id: acsi_recommend_page",
                                                     "- id: evaluation"))
    eight = _edited("eight_c", ("label: {en: Agree, nl: Mee eens,",
                                "label: {en: Mostly agree, nl: Mee eens,"))
    with pytest.raises(InstrumentError) as exc:
        combine_instruments([five, eight, acsi])
    messages = [p.message for p in exc.value.problems]
    assert len(messages) == 3
    assert any("'ltr'" in m for m in messages) and any("'evaluation'" in m for m in messages)
    assert any("scale 'agree7'" in m for m in messages)


def test_a_clash_among_three_instruments_names_all_three():
    a = load_instrument("eight_c")
    b = _edited("reciprocal_loyalty", ("- id: rl_behaviour", "- id: ec_service"))
    c = _edited("three_component", ("- id: tcm_plans", "- id: ec_service"))
    problems = _problems([a, b, c])
    assert "block (survey page) id 'ec_service' is in instruments 'eight_c', " \
           "'reciprocal_loyalty' and 'three_component'" in problems


def test_bad_calls():
    eight = load_instrument("eight_c")
    assert "no instruments" in _problems([])
    assert "listed 2 times" in _problems([eight, eight])
    assert "not a valid identifier" in _problems([eight], id="My Study")


# ---- population models ------------------------------------------------------------------------


@pytest.mark.skipif(not HAS_POPULATION, reason="the instrument format has no population model")
def test_populations_are_combined_and_keep_each_instruments_response_rules():
    named = [load_instrument(n) for n in bundled_names()]
    with_pop = [x for x in named if x.population is not None]
    if len(with_pop) < 2:
        pytest.skip("fewer than two bundled instruments have a population model")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateQuestionWarning)
        study = combine_instruments(with_pop, id="simulated_study")
    assert check_instrument(study) == []
    pop = study.population
    assert [p.outcome for p in pop.paths] == [p.outcome for x in with_pop
                                              for p in x.population.paths]
    assert [d.item for d in pop.items] == [d.item for x in with_pop for d in x.population.items]
    assert sum(1 for r in pop.responses if not r.applies_to) == 1
    for inst in with_pop:
        for c in inst.measured_constructs():
            for item in inst.measurement_items(c):
                expected = inst.population.loadings.get(item.id, (
                    inst.population.default_reverse_loading if item.keyed == "minus"
                    else inst.population.default_loading))
                got = pop.loadings.get(item.id, (
                    pop.default_reverse_loading if item.keyed == "minus"
                    else pop.default_loading))
                assert got == pytest.approx(expected), item.id
        for item in inst.items():
            if item.role == ItemRole.attention_check:
                continue
            mine, theirs = _item_rule(study, item.id), _item_rule(inst, item.id)
            assert (mine.center, mine.spread, mine.thresholds) == (
                theirs.center, theirs.spread, theirs.thresholds), item.id


POPULATION = """
population:
  description: Test population.
  default_loading: 0.7
  default_reverse_loading: 0.6
  loadings: {acsi_sat_01: 0.9, acsi_rep_01: 1.0}
  paths:
    - outcome: acsi_repurchase
      effects: {acsi_satisfaction: 0.5}
  responses:
    - {center: 0.5, spread: 0.25}
    - {applies_to: [likely11], center: 0.8, spread: 0.15}
    - {applies_to: [acsi_price_tolerance], center: 0.45, spread: 0.2}
    - {applies_to: [acsi_pt_02], center: 0.3, spread: 0.2}
"""


@pytest.mark.skipif(not HAS_POPULATION, reason="the instrument format has no population model")
def test_a_later_instruments_response_rules_still_apply_to_its_own_items():
    five = load_instrument("five_commitments")
    if five.population is None:
        pytest.skip("five_commitments has no population model")
    own = _source("acsi_nps").split("\n# Population model")[0]  # without its own population
    acsi = parse_instrument(own + "\n" + POPULATION, "acsi_pop.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateQuestionWarning)
        study = combine_instruments([five, acsi])
    assert check_instrument(study) == []
    pop = study.population
    assert pop.default_loading == five.population.default_loading
    assert pop.loadings["acsi_sat_01"] == 0.9
    assert pop.loadings["acsi_sat_02"] == 0.7  # acsi's default, made explicit
    assert pop.loadings["aff_01"] == five.population.loadings["aff_01"]
    expected = {"acsi_sat_01": 0.5, "acsi_rep_01": 0.5, "acsi_pt_01": 0.45, "acsi_pt_02": 0.3,
                "acsi_ltr": 0.8}
    for item_id, center in expected.items():
        assert _item_rule(study, item_id).center == center, item_id
    # five_commitments' own rules are unchanged
    for item in five.items():
        assert _item_rule(study, item.id) == _item_rule(five, item.id), item.id
    assert "Test population." in pop.description
