"""What every survey export shows, in order: pages (the instrument's blocks) and their questions.

All exporters work from :func:`survey_pages`, so the same item ids, texts, scales and block order
reach every platform. Placeholders such as ``{brand}`` are rewritten per platform with
:func:`pipe`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import EngagekitInputError
from ..schema import PLACEHOLDER_RE, Block, Construct, Instrument, Item, Scale, ScaleKind
from ..ui import require_ui_texts


class SurveyOptionError(EngagekitInputError):
    """A survey option (language, brand, format, ...) that does not fit the instrument."""

    code = "survey_option"


@dataclass(frozen=True)
class Question:
    """One item as a survey shows it: the item, its declared scale and its construct."""

    item: Item
    scale: Scale
    construct: Construct

    @property
    def id(self) -> str:
        return self.item.id

    @property
    def options(self) -> list[int]:
        """Answer codes offered, in scale order (empty for numeric and free-text answers)."""
        if self.scale.kind in (ScaleKind.numeric, ScaleKind.free_text):
            return []
        return self.scale.codes


@dataclass(frozen=True)
class Page:
    """A survey page: one block of the instrument with its questions in definition order."""

    block: Block
    questions: list[Question]

    @property
    def id(self) -> str:
        return self.block.id


def survey_pages(inst: Instrument) -> list[Page]:
    """The instrument's blocks as pages: each block's construct items, then its own items."""
    pages = []
    for block in inst.survey.blocks:
        items = [i for cid in block.constructs for i in inst.construct(cid).items]
        items += [inst.item(iid) for iid in block.items]
        questions = [Question(i, inst.item_scale(i), inst.item_construct(i.id)) for i in items]
        pages.append(Page(block, questions))
    return pages


def check_language(inst: Instrument, lang: str | None, ui: str = "this") -> str:
    """``lang`` if the instrument declares it (default language when None); else a clear error.

    ``ui`` says which languages must have every interface text (buttons, messages;
    :mod:`instruments.ui`): ``"this"`` (the survey's language), ``"all"`` (an export with every
    language) or ``"none"``; a language without them is a
    :class:`~instruments.ui.MissingUiTextError` naming each missing text.
    """
    if lang is None:
        lang = inst.default_language
    elif lang not in inst.language_codes:
        raise SurveyOptionError(
            f"'{lang}' is not a language of instrument '{inst.id}' "
            f"(it has {', '.join(inst.language_codes)}); use --lang with one of those"
        )
    if ui != "none":
        require_ui_texts(inst, [lang] if ui == "this" else [lang, *inst.language_codes])
    return lang


def placeholder_values(inst: Instrument, lang: str, brand: str | None = None) -> dict[str, str]:
    """Value of every placeholder in ``lang``: ``brand`` overrides the ``{brand}`` default."""
    values = {p.id: inst.text(p.default, lang) for p in inst.placeholders}
    if brand is not None:
        values["brand"] = brand
    return values


def pipe(text: str, replace: Callable[[str], str]) -> str:
    """``text`` with every ``{name}`` placeholder replaced by ``replace(name)``."""
    return PLACEHOLDER_RE.sub(lambda m: replace(m.group(1)), text)


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with placeholders replaced by their values (unknown ones are left as they are)."""
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def anchor_label(inst: Instrument, scale: Scale, code: int, lang: str) -> str:
    """The label of ``code`` on ``scale`` in ``lang`` ('' for unlabelled middle points)."""
    for a in scale.anchors:
        if a.value == code:
            return inst.text(a.label, lang)
    return ""


def fully_labelled(scale: Scale) -> bool:
    """Whether every code of a categorical scale has an anchor label."""
    codes = scale.codes
    return bool(codes) and {a.value for a in scale.anchors} >= set(codes)


def platform_text(inst: Instrument, local, lang: str, brand: str | None,
                  syntax: Callable[[str], str], escape_text: Callable[[str], str] = str) -> str:
    """A text for a platform that has one value per placeholder for all languages.

    With ``brand`` given, placeholders become the platform's pipe (``syntax(name)``) to one
    variable holding that value; without it, each language's text carries that language's
    default literally (a single platform variable could not hold a value per language).
    ``escape_text`` escapes the instrument text (not the pipe syntax) for the platform.
    """
    text = escape_text(inst.text(local, lang))
    if brand is not None:
        return pipe(text, syntax)
    values = {k: escape_text(v) for k, v in placeholder_values(inst, lang).items()}
    return fill(text, values)
