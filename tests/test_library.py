"""The bundled instrument library: every instrument loads, round-trips, is fully translated, has
the designed constructs, item counts, reverse keys, attention checks and default model, and
validates on the command line."""

from __future__ import annotations

import itertools

import pytest

from analysis.responses.simulate import simulate, true_parameters
from instruments import bundled_names, dump_instrument, load_instrument, parse_instrument
from instruments.checks import population_latent_correlations
from instruments.schema import (
    MEASURED_ROLES,
    ConstructRole,
    DickBasuRule,
    Index100Rule,
    ItemRole,
    NPSRule,
    ScaleKind,
)
from reports.cli import main

LANGUAGES = ["en", "nl", "de", "fr"]

#: The design of each instrument added in issue 8: item-id prefix; per construct the number of
#: measuring items and the reverse-keyed ones; the default model (outcome -> predictors).
DESIGN = {
    "three_component": {
        "prefix": "tcm_",
        "constructs": {
            "tcm_affective": (6, {"tcm_aff_05r", "tcm_aff_06r"}),
            "tcm_normative": (6, {"tcm_nor_05r", "tcm_nor_06r"}),
            "continuance_alternatives": (3, {"tcm_alt_03r"}),
            "continuance_sacrifice": (3, {"tcm_sac_03r"}),
            "switching_intention": (3, {"tcm_sw_03r"}),
            "advocacy": (3, set()),
        },
        "model": {
            "switching_intention": {"tcm_affective", "tcm_normative", "continuance_alternatives",
                                    "continuance_sacrifice"},
            "advocacy": {"tcm_affective", "tcm_normative", "continuance_alternatives",
                         "continuance_sacrifice"},
        },
        "attention_checks": 2,
    },
    "eight_c": {
        "prefix": "ec_",
        "constructs": {
            "customization": (3, set()),
            "contact_interactivity": (3, set()),
            "cultivation": (3, set()),
            "care": (3, {"ec_care_03r"}),
            "community": (3, set()),
            "choice": (3, set()),
            "convenience": (3, {"ec_conv_03r"}),
            "character": (3, set()),
            "e_loyalty": (4, {"ec_loy_04r"}),
            "word_of_mouth": (3, set()),
            "willingness_to_pay_more": (3, set()),
        },
        "model": {
            "e_loyalty": {"customization", "contact_interactivity", "cultivation", "care",
                          "community", "choice", "convenience", "character"},
            "word_of_mouth": {"e_loyalty"},
            "willingness_to_pay_more": {"e_loyalty"},
        },
        "attention_checks": 2,
    },
    "loyalty_typology": {
        "prefix": "lt_",
        "constructs": {
            "relative_attitude": (4, {"lt_ra_04r"}),
            "repeat_patronage": (2, set()),
            "resistance_to_offers": (3, {"lt_res_03r"}),
        },
        "model": {"resistance_to_offers": {"relative_attitude"}},
        "attention_checks": 1,
    },
    "acsi_nps": {
        "prefix": "acsi_",
        "constructs": {
            "acsi_satisfaction": (3, set()),
            "acsi_repurchase": (1, set()),
            "acsi_price_tolerance": (2, set()),
            "acsi_recommend": (1, set()),
        },
        "model": {"acsi_repurchase": {"acsi_satisfaction"},
                  "acsi_price_tolerance": {"acsi_satisfaction"}},
        "attention_checks": 1,
    },
    "reciprocal_loyalty": {
        "prefix": "rl_",
        "constructs": {
            "brand_investment": (4, {"rl_inv_04r"}),
            "gratitude": (3, {"rl_grat_03r"}),
            "reciprocal_behaviour": (4, set()),
        },
        "model": {"gratitude": {"brand_investment"},
                  "reciprocal_behaviour": {"gratitude", "brand_investment"}},
        "attention_checks": 1,
    },
}

NEW = sorted(DESIGN)
ALL = sorted(set(bundled_names()))


@pytest.fixture(scope="module", params=ALL)
def bundled(request):
    return load_instrument(request.param)


def test_the_library_lists_every_instrument():
    assert set(NEW) | {"five_commitments"} <= set(bundled_names())


# ---- every bundled instrument -----------------------------------------------------------------


def test_round_trip_is_lossless_and_stable(bundled):
    text = dump_instrument(bundled)
    again = parse_instrument(text, f"{bundled.id}.yaml")
    assert again == bundled
    assert dump_instrument(again) == text


@pytest.mark.parametrize("name", ALL)
def test_fast_reader_gives_the_round_trip_readers_instrument(name):
    """Bundled files are read with libyaml's C parser (instruments.loader.parse_bundled); the
    instrument must be the one the round-trip reader (which users' files go through) makes."""
    from instruments.loader import parse_bundled, resolve

    file, text = resolve(name)
    fast = parse_bundled(text)
    assert fast is not None, f"{file}: the fast reader fell back to the round-trip reader"
    slow = parse_instrument(text, file)
    assert fast == slow
    assert fast.model_dump_json() == slow.model_dump_json()
    assert load_instrument(name) == slow


def test_fast_reader_falls_back_on_any_problem():
    """A problem is never reported by the fast reader: it returns None and the round-trip
    reader reports it with its line number. Plain scalars get YAML 1.2 types as in ruamel
    (``no`` and ``on`` are text, not booleans)."""
    import yaml

    from instruments.loader import _fast_yaml_loader, _plain, parse_bundled, resolve

    text = resolve("five_commitments")[1]
    broken = text.replace("\nid: five_commitments", "\nid: Five Commitments", 1)
    assert broken != text
    assert parse_bundled(broken) is None
    assert parse_bundled("- a list\n") is None
    assert parse_bundled("id: [unclosed\n") is None
    loader = _fast_yaml_loader()
    if loader is None:
        pytest.skip("PyYAML without libyaml: the fast reader is not used")
    from ruamel.yaml import YAML

    doc = "{a: no, b: on, c: yes, d: true, e: ~, f: 1.5, g: 7, h: 1e3, i: 2026-01-31, j: '5'}"
    fast = _plain(yaml.load(doc, Loader=loader))
    slow = _plain(YAML(typ="rt").load(doc))
    assert fast == slow
    def kind(v):  # ruamel's ScalarFloat etc. subclass the builtin types
        return next(t for t in (bool, int, float, str, type(None)) if isinstance(v, t))

    assert {k: kind(v) for k, v in fast.items()} == {k: kind(v) for k, v in slow.items()}
    assert fast["a"] == "no" and fast["b"] == "on"


def test_every_text_is_in_all_four_languages(bundled):
    assert bundled.language_codes == LANGUAGES
    assert {lang.code: lang.status.value for lang in bundled.languages} == {
        "en": "source", "nl": "draft", "de": "draft", "fr": "draft"}
    for item in bundled.items():
        for lang in LANGUAGES:
            assert item.text.get(lang, "").strip(), (item.id, lang)
    for scale in bundled.scales:
        for anchor in scale.anchors:
            assert set(anchor.label) == set(LANGUAGES), (scale.id, anchor.value)
    for key in ("consent", "intro", "outro"):
        text = getattr(bundled.survey, key)
        assert text is not None and set(text) == set(LANGUAGES), key


def test_structural_model_uses_existing_measured_constructs(bundled):
    assert bundled.model.paths
    measured = {c.id for c in bundled.constructs if c.role in MEASURED_ROLES}
    for path in bundled.model.paths:
        assert path.outcome in measured
        assert set(path.predictors) <= measured
    syntax = bundled.to_lavaan()
    for path in bundled.model.paths:
        assert f"{path.outcome} ~ " + " + ".join(path.predictors) in syntax


def test_constructs_cite_their_sources(bundled):
    keys = {c.key for c in bundled.citations}
    for c in bundled.constructs:
        assert c.source and set(c.source) <= keys, c.id
    assert bundled.changelog and bundled.changelog[-1].version == bundled.version  # oldest first


def test_attention_checks_and_randomized_pages(bundled):
    checks = [i for i in bundled.items() if i.role == ItemRole.attention_check]
    assert checks and all(i.expected for i in checks)
    for item in checks:
        assert bundled.item_construct(item.id).role == ConstructRole.quality_check
    assert any(b.randomize for b in bundled.survey.blocks)


@pytest.mark.parametrize("name", ALL)
def test_cli_validate_exits_0(name, capsys):
    assert main(["instruments", "validate", name]) == 0
    assert capsys.readouterr().out.startswith(f"OK {name} ")


# ---- the library as a whole: instruments can be combined --------------------------------------


def test_ids_do_not_clash_between_bundled_instruments():
    insts = [load_instrument(name) for name in ALL]

    def names(inst):
        return {
            "item or construct": {i.id for i in inst.items()} | {c.id for c in inst.constructs},
            "block": {b.id for b in inst.survey.blocks},
            "scoring rule": {r.id for r in inst.scoring},
        }

    for a, b in itertools.combinations(insts, 2):
        na, nb = names(a), names(b)
        for kind in na:
            assert not na[kind] & nb[kind], (a.id, b.id, kind, na[kind] & nb[kind])


def test_shared_scales_citations_and_placeholders_are_identical():
    seen: dict[tuple[str, str], tuple[str, object]] = {}
    for name in ALL:
        inst = load_instrument(name)
        entries = ([("scale", s.id, s) for s in inst.scales]
                   + [("citation", c.key, c) for c in inst.citations]
                   + [("placeholder", p.id, p) for p in inst.placeholders])
        for kind, key, value in entries:
            if (kind, key) in seen:
                first, other = seen[(kind, key)]
                assert other == value, f"{kind} '{key}' differs between {first} and {name}"
            else:
                seen[(kind, key)] = (name, value)


# ---- the design of each new instrument --------------------------------------------------------


@pytest.mark.parametrize("name", NEW)
def test_item_counts_reverse_keys_and_model(name):
    design = DESIGN[name]
    inst = load_instrument(name)
    measured = {c.id for c in inst.constructs if c.role != ConstructRole.quality_check}
    assert measured == set(design["constructs"])
    for cid, (n_items, reversed_ids) in design["constructs"].items():
        c = inst.construct(cid)
        items = inst.measurement_items(c)
        assert len(items) == n_items, cid
        assert {i.id for i in items if i.keyed == "minus"} == reversed_ids, cid
        for item in reversed_ids:
            assert inst.item_scale(item).kind in (ScaleKind.likert, ScaleKind.scale_0_10)
    assert {p.outcome: set(p.predictors) for p in inst.model.paths} == design["model"]
    checks = [i for i in inst.items() if i.role == ItemRole.attention_check]
    assert len(checks) == design["attention_checks"]
    assert all(i.id.startswith(design["prefix"]) for i in inst.items())
    assert len({i.id for i in inst.items()}) == len(inst.items())


def test_three_component_scales_and_continuance_facets():
    inst = load_instrument("three_component")
    agree7 = inst.scale("agree7")
    assert (agree7.kind, agree7.min, agree7.max) == (ScaleKind.likert, 1, 7)
    assert all(inst.item_scale(i).id == "agree7" for i in inst.items())
    # the two continuance facets add up to the 6-item continuance scale, documented as such
    facets = [inst.construct("continuance_alternatives"), inst.construct("continuance_sacrifice")]
    assert sum(len(inst.measurement_items(c)) for c in facets) == 6
    assert all("meyer_allen_gellatly1990" in c.source for c in facets)
    assert "combined continuance" in inst.description
    assert "interaction" in inst.description
    for cid in ("tcm_affective", "tcm_normative"):
        assert "allen_meyer1990" in inst.construct(cid).source
    assert {"bansal2004", "fullerton2005", "meyer_allen1997"} <= {c.key for c in inst.citations}


def test_eight_c_sources_and_roles():
    inst = load_instrument("eight_c")
    eight = ["customization", "contact_interactivity", "cultivation", "care", "community",
             "choice", "convenience", "character"]
    for cid in eight:
        c = inst.construct(cid)
        assert c.role == ConstructRole.predictor and "srinivasan2002" in c.source
    assert inst.construct("e_loyalty").role == ConstructRole.mediator


def test_loyalty_typology_declares_the_dick_basu_rule():
    inst = load_instrument("loyalty_typology")
    (rule,) = inst.scoring
    assert isinstance(rule, DickBasuRule)
    assert (rule.id, rule.attitude, rule.patronage, rule.cut) == (
        "lt_segment", "relative_attitude", "lt_share", "median")
    share, freq = inst.item_scale("lt_share"), inst.item_scale("lt_freq")
    assert (share.kind, share.min, share.max, share.unit) == (ScaleKind.numeric, 0, 100, "%")
    assert freq.kind == ScaleKind.single_choice and len(freq.anchors) == 6
    assert inst.construct("repeat_patronage").role == ConstructRole.segmenting
    assert inst.construct("relative_attitude").role in MEASURED_ROLES


def test_acsi_nps_scales_and_scoring():
    inst = load_instrument("acsi_nps")
    sat = inst.measurement_items(inst.construct("acsi_satisfaction"))
    scales = [inst.item_scale(i) for i in sat]
    assert [s.id for s in scales] == ["satisfied10", "expectations10", "ideal10"]
    assert all((s.min, s.max) == (1, 10) and {a.value for a in s.anchors} == {1, 10}
               for s in scales)
    assert len({tuple(s.anchors[0].label.items()) for s in scales}) == 3  # own anchors per item
    assert (inst.item_scale("acsi_rep_01").min, inst.item_scale("acsi_rep_01").max) == (1, 10)
    ltr = inst.item_scale("acsi_ltr")
    assert (ltr.kind, ltr.min, ltr.max) == (ScaleKind.scale_0_10, 0, 10)
    rules = {type(r): r for r in inst.scoring}
    assert rules[Index100Rule].items == ["acsi_sat_01", "acsi_sat_02", "acsi_sat_03"]
    assert rules[Index100Rule].id == "acsi_index"
    assert (rules[NPSRule].id, rules[NPSRule].item) == ("acsi_nps", "acsi_ltr")


def test_reciprocal_loyalty_is_documented_as_toolkit_defined():
    inst = load_instrument("reciprocal_loyalty")
    assert "defined by engagekit" in inst.description
    for cid in ("brand_investment", "gratitude", "reciprocal_behaviour"):
        c = inst.construct(cid)
        assert c.definition.startswith("Toolkit-defined") and "palmatier2009" in c.source
    labels = " ".join(i.label for i in inst.construct("reciprocal_behaviour").items)
    for facet in ("advocacy", "reviews", "community", "feedback"):
        assert facet in labels
    assert [p.outcome for p in inst.model.paths] == ["gratitude", "reciprocal_behaviour"]


# ---- population models for simulated respondents ----------------------------------------------


@pytest.mark.parametrize("name", NEW)
def test_population_model_is_documented_and_complete(name):
    inst = load_instrument(name)
    pop = inst.population
    assert pop is not None and pop.description and pop.source
    assert set(pop.source) <= {c.key for c in inst.citations}
    measured_items = {i.id for c in inst.measured_constructs() for i in inst.measurement_items(c)}
    assert set(pop.loadings) == measured_items  # every loading stated, none left to defaults
    in_model = {p.outcome for p in inst.model.paths} | {
        x for p in inst.model.paths for x in p.predictors}
    for item_id, value in pop.loadings.items():
        construct = inst.item_construct(item_id)
        if construct.id in in_model and len(inst.measurement_items(construct)) == 1:
            assert value == 1, item_id  # a single item in the model: its error is not identified
        else:
            assert 0.5 <= value <= 0.9, item_id
    # the population's structure contains the default model's paths (same signs of direction)
    pop_paths = {p.outcome: set(p.effects) for p in pop.paths}
    for path in inst.model.paths:
        assert set(path.predictors) <= pop_paths[path.outcome], path.outcome
    ids, S, problems = population_latent_correlations(inst)
    assert problems == [] and set(ids) == {c.id for c in inst.measured_constructs()}
    segmenting = [i.id for c in inst.constructs if c.role == ConstructRole.segmenting
                  for i in c.items]
    assert {d.item for d in pop.items} == set(segmenting)


@pytest.mark.parametrize("name", NEW)
def test_simulated_respondents_answer_on_the_declared_scales(name):
    inst = load_instrument(name)
    data = simulate(inst, n=300, seed=8).data.frame()
    assert len(data) == 300
    for item in inst.items():
        scale = inst.item_scale(item)
        values = data[item.id].dropna()
        assert len(values), item.id
        if scale.kind in (ScaleKind.likert, ScaleKind.scale_0_10, ScaleKind.numeric):
            assert values.between(scale.min, scale.max).all(), item.id
        else:
            assert set(values) <= set(scale.codes), item.id
    r2 = true_parameters(inst).r_squared
    assert all(0 < v < 1 for v in r2.values())


def test_expected_effect_directions_in_the_populations():
    tcm = {p.outcome: p.effects for p in load_instrument("three_component").population.paths}
    assert tcm["switching_intention"]["tcm_affective"] < 0 < tcm["advocacy"]["tcm_affective"]
    assert tcm["advocacy"]["continuance_alternatives"] < 0  # Fullerton (2005, 2011)
    ec = {p.outcome: p.effects for p in load_instrument("eight_c").population.paths}
    assert ec["e_loyalty"]["convenience"] == 0  # the one C without an effect in the paper
    assert all(v > 0 for k, v in ec["e_loyalty"].items() if k != "convenience")


def test_simulated_loyalty_typology_has_all_four_dick_basu_segments():
    inst = load_instrument("loyalty_typology")
    data = simulate(inst, n=1000, seed=3).data.frame()
    attitude = data[["lt_ra_01", "lt_ra_02", "lt_ra_03"]].sum(axis=1) + (8 - data["lt_ra_04r"])
    high_attitude = attitude > attitude.median()
    high_patronage = data["lt_share"] > data["lt_share"].median()
    cells = (high_attitude.astype(int) * 2 + high_patronage.astype(int)).value_counts()
    assert set(cells.index) == {0, 1, 2, 3} and cells.min() >= 100
    assert high_attitude.corr(high_patronage) > 0.1
