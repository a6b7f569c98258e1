"""The survey's own interface texts (buttons, headings, messages) per language.

engagekit ships them for English, Dutch, German, French and Spanish
(``instruments/ui_texts.yaml``); an instrument overrides any of them per language in its ``ui``
block and must give every one for a language engagekit has no texts for. The surveys and
platform exports take them from :func:`ui_texts`, which stops with a
:class:`MissingUiTextError` naming the language and every missing key rather than showing
respondents English.

>>> from instruments import load_instrument
>>> ui_texts(load_instrument("five_commitments"), "de")["next"]
'Weiter'
>>> builtin_ui_languages()
['de', 'en', 'es', 'fr', 'nl']
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib import resources
from typing import TYPE_CHECKING

from .errors import EngagekitInputError

if TYPE_CHECKING:  # pragma: no cover
    from .schema import Instrument

_DATA = "ui_texts.yaml"


class MissingUiTextError(EngagekitInputError):
    """A survey language for which neither engagekit nor the instrument has every interface
    text; the message names the language(s) and each missing key."""

    code = "ui_text_missing"


@functools.cache
def builtin_ui() -> dict[str, dict[str, str]]:
    """The shipped interface texts: ``{key: {language: text}}``, keys in survey order."""
    import yaml

    text = (resources.files("instruments") / _DATA).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {str(k): {str(lang): str(v) for lang, v in texts.items()} for k, texts in data.items()}


def ui_keys() -> list[str]:
    """Every interface-text key (the keys an instrument's ``ui`` block may use)."""
    return list(builtin_ui())


def builtin_ui_languages() -> list[str]:
    """Languages engagekit has every interface text for."""
    ui = builtin_ui()
    langs = set.intersection(*(set(v) for v in ui.values()))
    return sorted(langs)


def ui_placeholders(key: str) -> set[str]:
    """The ``{name}`` placeholders a text of ``key`` carries (those of the English text)."""
    from .schema import PLACEHOLDER_RE

    return set(PLACEHOLDER_RE.findall(builtin_ui()[key]["en"]))


def builtin_text(key: str, lang: str) -> str | None:
    """engagekit's text of ``key`` in ``lang`` (or its base language: ``es-MX`` -> ``es``)."""
    texts = builtin_ui().get(key, {})
    return texts.get(lang) or texts.get(lang.split("-")[0])


def _resolve(inst: Instrument | None, lang: str) -> tuple[dict[str, str], list[str]]:
    out: dict[str, str] = {}
    missing: list[str] = []
    own = inst.ui if inst is not None else {}
    for key in builtin_ui():
        text = (own.get(key) or {}).get(lang) or builtin_text(key, lang)
        if text:
            out[key] = text
        else:
            missing.append(key)
    return out, missing


def missing_ui_texts(inst: Instrument | None, lang: str) -> list[str]:
    """Keys with no text in ``lang`` (neither the instrument's ``ui`` block nor engagekit's)."""
    return _resolve(inst, lang)[1]


def require_ui_texts(inst: Instrument | None, langs: Iterable[str]) -> None:
    """Raise :class:`MissingUiTextError` naming every language of ``langs`` without all the
    interface texts, and each key it lacks."""
    gaps = {lang: missing for lang in dict.fromkeys(langs)
            if (missing := missing_ui_texts(inst, lang))}
    if not gaps:
        return
    name = f"instrument '{inst.id}'" if inst is not None else "the survey"
    parts = [f"'{lang}' lacks {len(keys)} of {len(builtin_ui())}: {', '.join(keys)}"
             for lang, keys in gaps.items()]
    example_lang, example_keys = next(iter(gaps.items()))
    example = builtin_ui()[example_keys[0]]["en"]
    raise MissingUiTextError(
        f"{name}: engagekit has no interface texts (buttons, messages) in "
        f"{', '.join(repr(x) for x in gaps)} (it has {', '.join(builtin_ui_languages())}), "
        f"so the survey would show them in English. Missing: {'; '.join(parts)}. Add them "
        f"under 'ui' in the instrument, e.g.\n  ui:\n    {example_keys[0]}:\n"
        f"      {example_lang}: ...   # en: {example}\n"
        "(`engagekit translations export` lists every one with the English text to translate)")


def ui_texts(inst: Instrument | None, lang: str) -> dict[str, str]:
    """Every interface text in ``lang``: the instrument's own where it gives one, else
    engagekit's; :class:`MissingUiTextError` when some key has neither."""
    require_ui_texts(inst, [lang])
    return _resolve(inst, lang)[0]
