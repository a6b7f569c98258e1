"""The engagekit instrument definition format (one YAML file per instrument).

An instrument file is the single source of truth for a questionnaire: the survey generators
render it, the response readers use it as the codebook, scoring reverses items from its
*declared* scales, and the analysis takes its measurement and structural model from it.

The shapes are pydantic v2 models, so the JSON Schema that editors use for autocompletion is
generated from the same classes that validate the files (``engagekit instruments schema``).
Cross-references (unknown scale ids, duplicate ids, missing translations, ...) are checked in
:mod:`instruments.checks`, which reports them with file and line.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

FORMAT_VERSION = "engagekit-instrument/1"

#: Identifiers for items, constructs, scales, blocks: lower-case, start with a letter, digits and
#: underscores allowed. They become column names in response files and variable names in every
#: platform export (REDCap and XLSForm need this pattern).
ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Identifier = Annotated[str, Field(pattern=ID_PATTERN, max_length=60)]
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]

#: ``{name}`` in any respondent-facing text is a piping placeholder (e.g. ``{brand}``).
PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

#: A text in several languages: ``{en: "...", nl: "..."}``.
LocalText = dict[LanguageCode, str]

#: A researcher-facing text (construct names and definitions): one string, in the instrument's
#: default language, or a text per language like :data:`LocalText`.
TextOrLocal = str | LocalText


def _schema_description(schema: dict[str, Any], cls: type) -> None:
    """Keep a model's JSON Schema description to its docstring's prose: the numpydoc sections
    (``Parameters``, ``Examples``) are for Python readers, not for editor tooltips."""
    text = schema.get("description")
    if text:
        schema["description"] = re.split(r"\n\n(?=[A-Z][A-Za-z ]+\n-{3,}\n)", text)[0].strip()


class _Model(BaseModel):
    # Numbers in an instrument are finite: YAML's .inf/.nan are refused where they are read.
    model_config = ConfigDict(extra="forbid", frozen=False, validate_assignment=False,
                              allow_inf_nan=False, json_schema_extra=_schema_description)


class TranslationStatus(str, Enum):
    """Where a language's texts stand in the translation workflow (TRAPD-style)."""

    source = "source"
    draft = "draft"
    reviewed = "reviewed"
    back_translated = "back_translated"
    final = "final"


class Language(_Model):
    code: LanguageCode = Field(description="ISO 639 code, e.g. 'en', 'nl', 'de', 'fr'.")
    name: str = Field(description="Name of the language in that language, e.g. 'Nederlands'.")
    status: TranslationStatus = Field(
        default=TranslationStatus.draft,
        description="Translation status; the default language is 'source'.",
    )


class Citation(_Model):
    key: Identifier = Field(description="Short key other fields refer to, e.g. 'keiningham2015'.")
    text: str = Field(description="Full reference in APA style.")
    doi: str | None = None


class ChangelogEntry(_Model):
    version: str
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="ISO date, YYYY-MM-DD.")
    changes: list[str] = Field(min_length=1)


class Placeholder(_Model):
    """A piping placeholder such as ``{brand}``; exporters rewrite it per platform."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    description: str = ""
    default: LocalText = Field(
        description="Value used when the survey is not given one (per language)."
    )


class ScaleKind(str, Enum):
    likert = "likert"
    scale_0_10 = "scale_0_10"
    numeric = "numeric"
    single_choice = "single_choice"
    free_text = "free_text"


#: Scale kinds whose codes are ordered, so reverse keying ``min + max - x`` is meaningful.
ORDINAL_KINDS = frozenset({ScaleKind.likert, ScaleKind.scale_0_10})


class Anchor(_Model):
    value: int
    label: LocalText


class Scale(_Model):
    """A response scale. Codes run from ``min`` to ``max`` for likert and 0-10 scales.

    Parameters
    ----------
    id : str
        Identifier, referred to by constructs and items.
    kind : ScaleKind
        ``likert``, ``scale_0_10``, ``numeric``, ``single_choice`` or ``free_text``.
    min, max : float or None
        Lowest and highest valid code or value.
    anchors : list of Anchor
        Labels for codes (per language): every code for likert/single_choice, at least the end
        points for 0-10 scales.
    missing_codes : list of int
        Codes that mean "no answer" (e.g. -99).
    unit : str or None
        Unit of a numeric answer, e.g. ``"%"``.

    Examples
    --------
    >>> scale = Scale(id="agree5", kind="likert", min=1, max=5, missing_codes=[-99])
    >>> scale.codes, scale.reverse(2)
    ([1, 2, 3, 4, 5], 4.0)
    """

    id: Identifier
    kind: ScaleKind
    min: float | None = Field(default=None, description="Lowest valid code or value.")
    max: float | None = Field(default=None, description="Highest valid code or value.")
    anchors: list[Anchor] = Field(
        default_factory=list,
        description="Labels for codes: every code for likert/single_choice, at least the "
        "end points for 0-10 scales.",
    )
    missing_codes: list[int] = Field(
        default_factory=list,
        description="Codes that mean 'no answer' (e.g. -99, 99 for 'don't know').",
    )
    unit: str | None = Field(default=None, description="Unit of a numeric answer, e.g. '%'.")

    @property
    def codes(self) -> list[int]:
        """Valid response codes of a categorical scale, in scale order."""
        if self.kind in ORDINAL_KINDS and self.min is not None and self.max is not None:
            return list(range(int(self.min), int(self.max) + 1))
        return [a.value for a in self.anchors]

    def reverse(self, x):
        """Reverse-key ``x`` from the declared scale: ``min + max - x`` (never from the data)."""
        return self.min + self.max - x


class ItemRole(str, Enum):
    measure = "measure"
    attention_check = "attention_check"


class Item(_Model):
    """A question: its stable id, its text per language, its keying and scale.

    Parameters
    ----------
    id : str
        Stable id: never reused, immutable across versions.
    text : dict of str to str
        The question per language code.
    keyed : {"plus", "minus"}, default "plus"
        ``"minus"`` items are scored ``min + max - x`` of the declared scale.
    scale : str or None
        Response scale id (default: the construct's scale).
    role : ItemRole, default "measure"
        ``"measure"``, or ``"attention_check"`` with ``expected`` answers.
    expected : list of int or None
        For attention checks: the code(s) an attentive respondent gives (one code may be given
        as a number).
    required : bool, default True
        The survey asks for an answer.
    label : str or None
        Short label for tables and codebooks.

    Examples
    --------
    >>> item = Item(id="att_09", text={"en": "Please select 'agree' here."},
    ...             role="attention_check", expected=6)
    >>> item.expected, item.keyed
    ([6], 'plus')
    """

    id: Identifier = Field(description="Stable id: never reused, immutable across versions.")
    text: LocalText
    keyed: Literal["plus", "minus"] = Field(
        default="plus", description="'minus' items are scored min + max - x of the declared scale."
    )
    scale: Identifier | None = Field(
        default=None, description="Response scale id; defaults to the construct's scale."
    )
    role: ItemRole = ItemRole.measure
    expected: list[int] | None = Field(
        default=None,
        description="For attention checks: the answer code(s) an attentive respondent gives.",
    )
    required: bool = True
    label: str | None = Field(default=None, description="Short label for tables and codebooks.")

    @field_validator("expected", mode="before")
    @classmethod
    def _one_or_many(cls, v):
        return [v] if isinstance(v, int | float) and not isinstance(v, bool) else v


class ConstructRole(str, Enum):
    predictor = "predictor"
    mediator = "mediator"
    outcome = "outcome"
    segmenting = "segmenting"
    quality_check = "quality_check"


#: Roles whose constructs are latent variables in the measurement model.
MEASURED_ROLES = frozenset({ConstructRole.predictor, ConstructRole.mediator, ConstructRole.outcome})


class Construct(_Model):
    """A construct: what it is, where it comes from, its role in the model and its items.

    Parameters
    ----------
    id : str
        Identifier, used in the model and the results.
    name : str or dict of str to str
        Name shown in reports, e.g. "Affective commitment": one string (the instrument's
        default language) or a text per language (``{en: ..., es: ...}``).
    definition : str or dict of str to str
        What the construct is, in one or two sentences (one string or per language).
    source : list of str
        Citation keys of the theoretical source(s) (one key may be given as a string).
    role : ConstructRole
        ``predictor``, ``mediator`` or ``outcome`` (latent variables of the model),
        ``segmenting`` or ``quality_check``.
    scale : str or None
        Default scale of its items.
    items : list of Item
        Its items, in survey order.
    higher_is_better : bool
        False for a construct a company wants less of (switching intention): the
        importance-performance map of it reads the drivers' effects on lowering it.

    Examples
    --------
    >>> from instruments import load_instrument
    >>> affective = load_instrument("five_commitments").construct("affective")
    >>> affective.name, affective.role.value, [i.id for i in affective.items]
    ('Affective commitment', 'predictor', ['aff_01', 'aff_02', 'aff_03', 'aff_04r'])
    """

    id: Identifier
    name: TextOrLocal = Field(
        description="Name shown in reports, e.g. 'Affective commitment': one text (the "
        "instrument's default language) or a text per language ({en: ..., es: ...}).")
    definition: TextOrLocal = Field(
        description="What the construct is, in one or two sentences: one text (the "
        "instrument's default language) or a text per language.")
    source: list[Identifier] = Field(
        default_factory=list, description="Citation keys of the theoretical source(s)."
    )
    role: ConstructRole
    scale: Identifier | None = Field(default=None, description="Default scale of its items.")
    items: list[Item] = Field(default_factory=list)
    higher_is_better: bool = Field(
        default=True,
        description="False for a construct a company wants less of (e.g. switching intention, "
        "complaints): an importance-performance map of it reads each driver's effect on "
        "lowering it (Ringle & Sarstedt, 2016, assume more of the target is better).")

    @field_validator("source", mode="before")
    @classmethod
    def _str_to_list(cls, v):
        return [v] if isinstance(v, str) else v


class Block(_Model):
    """A page of the survey."""

    id: Identifier
    title: LocalText | None = None
    instructions: LocalText | None = None
    constructs: list[Identifier] = Field(
        default_factory=list, description="Constructs whose items are shown on this page."
    )
    items: list[Identifier] = Field(
        default_factory=list, description="Further single items shown on this page."
    )
    randomize: bool = Field(
        default=False,
        description="Shuffle item order within the block (seeded per respondent); the order of "
        "the response scale never changes.",
    )


class Survey(_Model):
    consent: LocalText | None = Field(
        default=None, description="Consent text; declining ends the survey."
    )
    intro: LocalText | None = None
    outro: LocalText | None = None
    blocks: list[Block] = Field(min_length=1)


class Path(_Model):
    """One structural equation: ``outcome ~ predictors``."""

    outcome: Identifier
    predictors: list[Identifier] = Field(min_length=1)


class StructuralModel(_Model):
    paths: list[Path] = Field(default_factory=list)
    covariances: list[tuple[Identifier, Identifier]] = Field(
        default_factory=list, description="Extra latent covariances (pairs of construct ids)."
    )


class NPSRule(_Model):
    """Net Promoter Score (Reichheld 2003): % promoters (9-10) minus % detractors (0-6)."""

    kind: Literal["nps"]
    id: Identifier = "nps"
    item: Identifier


class Index100Rule(_Model):
    """An index rescaled to 0-100, e.g. the ACSI-style satisfaction index (Fornell et al. 1996)."""

    kind: Literal["index_0_100"]
    id: Identifier
    items: list[Identifier] = Field(min_length=1)
    weights: list[float] | None = Field(
        default=None, description="Item weights (normalised); equal weights when omitted."
    )


class DickBasuRule(_Model):
    """Dick & Basu (1994) loyalty segments from relative attitude x repeat patronage."""

    kind: Literal["dick_basu"]
    id: Identifier = "loyalty_segment"
    attitude: Identifier = Field(description="Construct or item measuring relative attitude.")
    patronage: Identifier = Field(description="Construct or item measuring repeat patronage.")
    cut: Literal["median", "midpoint"] = Field(
        default="median", description="Split rule: sample median (default) or scale midpoint."
    )


ScoringRule = Annotated[NPSRule | Index100Rule | DickBasuRule, Field(discriminator="kind")]


# ---- population model (for simulated respondents) ---------------------------------------------


class PopulationCorrelation(_Model):
    """Correlation between two exogenous constructs (standardized latent variables)."""

    constructs: tuple[Identifier, Identifier]
    r: float = Field(ge=-1, le=1)


class PopulationPath(_Model):
    """One structural equation of the population: ``outcome = sum(effect * predictor) + residual``.

    Effects are standardized; the residual variance is whatever makes the outcome's variance 1.
    """

    outcome: Identifier
    effects: dict[Identifier, float] = Field(
        min_length=1, description="Standardized effect of each predictor construct."
    )


class ResponseRule(_Model):
    """How a standardized continuous response y* becomes a code of the item's declared scale.

    Without ``thresholds`` the code is ``round(m + s * y*)`` clipped to ``min..max`` with
    ``m = min + center * (max - min)`` and ``s = spread * (max - min)``: thresholds equally
    spaced on the y* scale. ``thresholds`` (strictly increasing, one fewer than the scale has
    codes) replace that rule: the code is the k-th when y* lies between thresholds k-1 and k.
    """

    applies_to: list[Identifier] = Field(
        default_factory=list,
        description="Item, construct or scale ids; empty = the default rule. The most specific "
        "rule wins (item, then construct, then scale, then the default).",
    )
    center: float = Field(default=0.6, ge=0, le=1,
                          description="Where y* = 0 falls, as a fraction of the scale range.")
    spread: float = Field(default=0.2, gt=0, le=1,
                          description="SD of the response, as a fraction of the scale range.")
    thresholds: list[float] | None = Field(
        default=None, description="Explicit cut-points on the y* scale (ordinal scales only)."
    )


class ItemDistribution(_Model):
    """Distribution of an item outside the measurement model (e.g. segmenting questions).

    Categorical items take ``probabilities`` (one per code, in scale order); numeric items take
    ``mean`` and ``sd`` (value = mean + sd * y*, rounded to ``decimals`` and clipped to the
    scale). ``relates_to`` gives standardized weights of constructs on the underlying y*, so a
    segmenting item can depend on commitment (categories are cut at normal quantiles).
    """

    item: Identifier
    probabilities: list[float] | None = None
    mean: float | None = None
    sd: float | None = Field(default=None, gt=0)
    decimals: int = Field(default=0, ge=0, le=6)
    relates_to: dict[Identifier, float] = Field(default_factory=dict)


class Population(_Model):
    """A population model for simulated respondents (latent-response formulation).

    Every construct is a standardized latent variable (variance 1, exogenous and endogenous
    alike); items are ``y* = loading * construct + sqrt(1 - loading^2) * error`` (standardized;
    reverse-keyed items load on the construct after reverse scoring) and become codes by a
    :class:`ResponseRule`. Measured constructs that are in no path and no correlation are
    independent of everything else.
    """

    description: str = ""
    source: list[Identifier] = Field(default_factory=list,
                                     description="Citation keys the values are based on.")
    default_loading: float = Field(default=0.75, gt=0, lt=1)
    default_reverse_loading: float = Field(
        default=0.65, gt=0, lt=1, description="Default loading of reverse-keyed items."
    )
    loadings: dict[Identifier, float] = Field(
        default_factory=dict,
        description="Standardized loading per item id, in the scored (reverse-keyed) direction.",
    )
    correlations: list[PopulationCorrelation] = Field(
        default_factory=list, description="Correlations among exogenous constructs."
    )
    paths: list[PopulationPath] = Field(default_factory=list)
    responses: list[ResponseRule] = Field(default_factory=list)
    items: list[ItemDistribution] = Field(default_factory=list)
    attention_failure_rate: float = Field(
        default=0.01, ge=0, le=1,
        description="Chance that an attentive respondent misses an attention-check item.",
    )


class Instrument(_Model):
    """A questionnaire with its measurement model, survey layout and default structural model.

    Parameters
    ----------
    format : str, default "engagekit-instrument/1"
        The format marker.
    id : str
        Identifier of the instrument.
    title : dict of str to str
        Respondent-facing title per language.
    version : str
        Semantic version: major when answers are no longer comparable, minor for additions,
        patch for corrections.
    default_language : str
        Language code used when a text is not given in the requested language.
    languages : list of Language
        Each language with its translation status.
    description : str
        What the instrument measures.
    citations : list of Citation
        The sources, by key.
    changelog : list of ChangelogEntry
        One entry per version, oldest first.
    placeholders : list of Placeholder
        Piping values such as ``{brand}``, with defaults per language.
    scales : list of Scale
        The response scales.
    constructs : list of Construct
        The constructs and their items.
    retired_item_ids : list of str
        Ids of items dropped in earlier versions; they may never be reused.
    survey : Survey
        Consent, intro, outro and the pages (blocks).
    model : StructuralModel
        The default structural model (paths and extra covariances).
    scoring : list of NPSRule, Index100Rule or DickBasuRule
        Summary scores the instrument defines.
    population : Population or None
        Population model for simulated respondents.
    ui : dict of str to dict of str to str
        The survey's own interface texts (buttons, messages) per key and language, overriding
        engagekit's (:mod:`instruments.ui`); required in full for a language engagekit has
        no texts for.

    See Also
    --------
    instruments.loader.load_instrument : Read one from a bundled name or a YAML file; README.md
        ("The instrument format") describes every field as written in YAML.

    Examples
    --------
    >>> from instruments import load_instrument
    >>> inst = load_instrument("five_commitments")
    >>> inst.language_codes, inst.item_scale("aff_04r").id, inst.item("aff_04r").keyed
    (['en', 'nl', 'de', 'fr'], 'agree7', 'minus')
    >>> inst.to_lavaan().splitlines()[0]
    'affective =~ aff_01 + aff_02 + aff_03 + aff_04r'
    """

    format: Literal["engagekit-instrument/1"] = FORMAT_VERSION
    id: Identifier
    title: LocalText
    version: str = Field(
        pattern=r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$", description="Semantic version."
    )
    default_language: LanguageCode
    languages: list[Language] = Field(min_length=1)
    description: str = ""
    citations: list[Citation] = Field(default_factory=list)
    changelog: list[ChangelogEntry] = Field(default_factory=list)
    placeholders: list[Placeholder] = Field(default_factory=list)
    scales: list[Scale] = Field(min_length=1)
    constructs: list[Construct] = Field(min_length=1)
    retired_item_ids: list[Identifier] = Field(
        default_factory=list,
        description="Ids of items dropped in earlier versions; they may never be reused.",
    )
    survey: Survey
    model: StructuralModel = Field(default_factory=StructuralModel)
    scoring: list[ScoringRule] = Field(default_factory=list)
    population: Population | None = Field(
        default=None,
        description="Population model for simulated respondents (engagekit simulate, power). "
        "Optional: without it engagekit simulates its default population (loadings .75, "
        "reverse-keyed .65, the model's exogenous constructs correlated .30, each path effect "
        ".30/sqrt(number of predictors)) and says so.",
    )
    ui: dict[Identifier, LocalText] = Field(
        default_factory=dict,
        description="The survey's interface texts (buttons, headings, messages) per key and "
        "language, e.g. {next: {es: 'Siguiente'}}. engagekit has them for en, nl, de, fr and es; "
        "give any here to change them, and every one for another language.",
    )

    # ---- convenience views (derived, never stored) -------------------------------------
    @property
    def language_codes(self) -> list[str]:
        return [lang.code for lang in self.languages]

    def scale(self, scale_id: str) -> Scale:
        for s in self.scales:
            if s.id == scale_id:
                return s
        raise KeyError(scale_id)

    def construct(self, construct_id: str) -> Construct:
        for c in self.constructs:
            if c.id == construct_id:
                return c
        raise KeyError(construct_id)

    def items(self) -> list[Item]:
        """All items in definition order."""
        return [item for c in self.constructs for item in c.items]

    def item(self, item_id: str) -> Item:
        for item in self.items():
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def item_scale(self, item: Item | str) -> Scale:
        """The declared scale of an item (its own, else its construct's)."""
        if isinstance(item, str):
            item = self.item(item)
        for c in self.constructs:
            if any(i is item for i in c.items):
                return self.scale(item.scale or c.scale)
        raise KeyError(item.id)

    def item_construct(self, item_id: str) -> Construct:
        for c in self.constructs:
            if any(i.id == item_id for i in c.items):
                return c
        raise KeyError(item_id)

    def measured_constructs(self) -> list[Construct]:
        """Constructs that are latent variables (predictor / mediator / outcome roles)."""
        return [c for c in self.constructs if c.role in MEASURED_ROLES]

    def measurement_items(self, construct: Construct) -> list[Item]:
        """Items of a construct that measure it (attention checks excluded)."""
        return [i for i in construct.items if i.role == ItemRole.measure]

    def text(self, local: TextOrLocal | None, lang: str | None = None) -> str:
        """A text in ``lang`` (default language when omitted or when the text has none in
        ``lang``); a plain string is the default language's text."""
        if not local:
            return ""
        if isinstance(local, str):
            return local
        return local.get(lang or self.default_language) or local.get(self.default_language, "")

    def construct_name(self, construct: Construct | str, lang: str | None = None) -> str:
        """A construct's name in ``lang`` (the default language's where it has none)."""
        c = self.construct(construct) if isinstance(construct, str) else construct
        return self.text(c.name, lang)

    def construct_definition(self, construct: Construct | str, lang: str | None = None) -> str:
        """A construct's definition in ``lang`` (the default language's where it has none)."""
        c = self.construct(construct) if isinstance(construct, str) else construct
        return self.text(c.definition, lang)

    def to_lavaan(self, structural: bool = True) -> str:
        """The instrument's model in lavaan syntax: measurement part, then structural paths.

        Only constructs in the structural model are included when ``structural`` is true and
        the instrument has paths; otherwise every measured construct with two or more items
        (a CFA; a single-item construct such as likelihood-to-recommend is scored, not modelled).
        """
        measured = self.measured_constructs()
        used = {p.outcome for p in self.model.paths} | {
            x for p in self.model.paths for x in p.predictors
        }
        if structural and self.model.paths:
            measured = [c for c in measured if c.id in used]
        else:  # a CFA: single-item constructs are not identified as latent variables
            measured = [c for c in measured if len(self.measurement_items(c)) > 1 or c.id in used]
        lines = [
            f"{c.id} =~ " + " + ".join(i.id for i in self.measurement_items(c)) for c in measured
        ]
        if structural:
            lines += [f"{p.outcome} ~ " + " + ".join(p.predictors) for p in self.model.paths]
            lines += [f"{a} ~~ {b}" for a, b in self.model.covariances]
        return "\n".join(lines)
