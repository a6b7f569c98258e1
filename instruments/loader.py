"""Load instrument files (bundled by name, or a user's YAML by path) and write them back.

YAML is parsed with ruamel.yaml so that every problem can be reported with its line number;
the parsed data are validated by the pydantic models in :mod:`instruments.schema`, then the
cross-reference rules in :mod:`instruments.checks` run. Any problem raises
:class:`~instruments.errors.InstrumentError` listing every problem found, never a traceback.

Bundled instruments are read with libyaml's C parser instead (PyYAML's ``CSafeLoader`` with the
YAML 1.2 implicit types ruamel.yaml uses), about 20 times faster, which keeps ``engagekit
instruments list`` quick; ``tests/test_library.py`` checks that every bundled file gives the
same instrument both ways. Anything the fast reader cannot do (no libyaml, a problem in the
file) falls back to the round-trip reader, so problems are always reported with line numbers.
"""

from __future__ import annotations

import copy
import datetime
import difflib
import io
import json
import re
import shlex
import weakref
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import ComposerError, MaxDepthExceededError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .checks import check_instrument
from .errors import InstrumentError, Problem
from .limits import MAX_DEFINITION_BYTES, MAX_DEPTH, check_size, flow_depth_line, safe_yaml
from .schema import Instrument

LIBRARY_PACKAGE = "instruments.library"

Loc = tuple[str | int, ...]


def bundled_names() -> list[str]:
    """Names of the instruments shipped with engagekit.

    Returns
    -------
    list of str
        The bundled names, sorted; each loads with :func:`load_instrument`.

    Examples
    --------
    >>> bundled_names()
    ['acsi_nps', 'eight_c', 'five_commitments', 'loyalty_typology', 'reciprocal_loyalty', 'three_component']
    """
    root = resources.files(LIBRARY_PACKAGE)
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml"))


def resolve(name_or_path: str | Path) -> tuple[str, str]:
    """Return ``(display name, YAML text)`` for a bundled instrument name or a file path."""
    p = Path(name_or_path)
    if p.suffix in {".yaml", ".yml"} or p.exists() or p.parent != Path("."):
        if p.is_dir():
            raise InstrumentError(
                [Problem(str(p), None, "is a folder, not an instrument file; give the path of "
                         "the instrument's .yaml file (or a bundled name: "
                         + ", ".join(bundled_names()) + ")", "file_not_found")]
            )
        if not p.is_file():
            raise InstrumentError(
                [Problem(str(p), None, "file not found; check the path (bundled instruments: "
                         + ", ".join(bundled_names()) + ")", "file_not_found")]
            )

        def too_big(message: str, code: str) -> InstrumentError:
            return InstrumentError([Problem(str(p), None, message.split(": ", 1)[1],
                                            "file_too_large")])

        check_size(p, MAX_DEFINITION_BYTES, "instrument files", too_big)
        try:
            return p.name, p.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise InstrumentError(
                [Problem(p.name, None, f"is not UTF-8 text ({e.reason}); save it as UTF-8",
                         "not_text")]
            ) from None
        except OSError as e:
            raise InstrumentError(
                [Problem(str(p), None, f"cannot be read ({e.strerror or e})",
                         "file_unreadable")]
            ) from None
    name = str(name_or_path)
    if name not in bundled_names():
        raise InstrumentError(
            [Problem(name, None, "is neither a file nor a bundled instrument; bundled: "
                     + ", ".join(bundled_names()), "instrument_not_found")]
        )
    res = resources.files(LIBRARY_PACKAGE) / f"{name}.yaml"
    return f"{name}.yaml", res.read_text(encoding="utf-8")


def _yaml() -> YAML:
    """The round-trip loader (line numbers kept), refusing aliases and deep nesting."""
    return safe_yaml("rt")


def _plain(node: Any) -> Any:
    """ruamel's round-trip containers -> plain dicts/lists (what pydantic validates)."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, int | bool) else k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, datetime.date):  # YAML reads 2026-01-31 as a date; the format keeps text
        return node.isoformat()
    return node


def line_of(root: Any, loc: Loc) -> int | None:
    """1-based line of the deepest node of ``loc`` that exists in the parsed YAML."""
    node, line = root, None
    if isinstance(root, CommentedMap | CommentedSeq):
        line = root.lc.line + 1
    for key in loc:
        if isinstance(node, CommentedMap) and key in node:
            line = node.lc.key(key)[0] + 1
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
            line = node.lc.item(key)[0] + 1
            node = node[key]
        else:
            break
    return line


def field_of(loc: Loc) -> str | None:
    """Dotted location of a field: ``("constructs", 5, "items", 0, "scale")`` ->
    ``"constructs[5].items[0].scale"`` (``None`` for the top level)."""
    parts: list[str] = []
    for key in loc:
        if isinstance(key, int) and parts:
            parts[-1] = f"{parts[-1]}[{key}]"
        else:
            parts.append(f"[{key}]" if isinstance(key, int) else str(key))
    return ".".join(parts) or None


def _describe(data: Any, loc: Loc) -> str:
    """Human description of a location, naming ids: "item 'aff_03' (constructs[0].items[2])"."""
    parts: list[str] = []
    node = data
    label = ""
    kinds = {"constructs": "construct", "items": "item", "scales": "scale", "blocks": "block",
             "anchors": "anchor", "citations": "citation", "placeholders": "placeholder",
             "languages": "language", "paths": "path", "scoring": "scoring rule"}
    prev = None
    for key in loc:
        if isinstance(key, int):
            parts[-1] = f"{parts[-1]}[{key}]" if parts else f"[{key}]"
            try:
                node = node[key]
            except (IndexError, KeyError, TypeError):
                node = None
            if isinstance(node, dict) and prev in kinds:
                ident = node.get("id", node.get("code", node.get("value", node.get("outcome"))))
                if ident is not None:
                    label = f"{kinds[prev]} '{ident}'"
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
        prev = key
    path = ".".join(parts) or "(top level)"
    return f"{label} ({path})" if label else path


_PYDANTIC_CODES = {"missing": "missing_field", "extra_forbidden": "unknown_field"}

_PYDANTIC_HINTS = {
    "missing": "add the field",
    "extra_forbidden": "remove it or check its spelling against `engagekit instruments schema`",
    "string_pattern_mismatch": "use lower-case letters, digits and underscores, starting with a "
    "letter",
    "literal_error": "use one of the allowed values",
    "enum": "use one of the allowed values",
    "too_short": "add at least one entry",
    "finite_number": "write a finite number (.inf and .nan are not allowed)",
}


def _value_at(data: Any, loc: Loc) -> Any:
    for key in loc:
        try:
            data = data[key]
        except (IndexError, KeyError, TypeError):
            return None
    return data


def _one_text_branch(e: dict) -> dict | None:
    """For a text that may be one string or a text per language (a construct's name), keep the
    error of the branch the value was meant for (a mapping: its keys; else: not a string) and
    drop pydantic's union tag from the location; None drops the error."""
    loc = e["loc"]
    at = next((n for n, k in enumerate(loc) if k == "str" or (isinstance(k, str)
               and k.startswith("dict[constrained-str"))), None)
    if at is None:
        return e
    value = e.get("_value")
    if (loc[at] == "str") == isinstance(value, dict):
        return None
    e = {**e, "loc": loc[:at] + loc[at + 1:]}
    if loc[at] == "str":
        e["msg"] = "Input should be a text, or a text per language ({en: ..., es: ...})"
    return e


def _yaml_text(value: str) -> str:
    """``value`` as YAML would need it written on one line (quoted when it must be)."""
    plain = value and not re.search(r"^[\s{\[&*!|>'\"%@`#,?:-]|: | #|\s$", value)
    return value if plain else json.dumps(value, ensure_ascii=False)


def _trap_message(where: str, loc: Loc, kind: str, got: Any, data: Any) -> str | None:
    """The fix for the common traps of writing YAML by hand, or None:

    * a text per language given as a plain string (``title: Why members stay``);
    * a single text given per language (``name: {en: ..., es: ...}`` where one text is meant);
    * an unquoted ``{brand}`` value, which YAML reads as a mapping ``{brand: null}``."""
    key = str(loc[-1]) if loc and not isinstance(loc[-1], int) else None
    lang = data.get("default_language") if isinstance(data, dict) else None
    lang = lang if isinstance(lang, str) else "en"
    if kind == "dict_type" and isinstance(got, str):
        return (f"this text is written per language, not as one string: write "
                f"{key or 'it'}: {{{lang}: {_yaml_text(got)}}} (one line), or "
                f"{key or 'it'}: on its own line with '{lang}: ...' indented under it, and "
                "a line for each other language")
    if (kind == "string_type" and isinstance(got, dict) and got
            and all(v is None for v in got.values())):
        text = "{" + next(iter(got)) + "}"
        return (f"YAML reads the unquoted {text} as a mapping: put the text in quotes, e.g. "
                f"{key or '-'}{':' if key else ''} \"{text}\"")
    if kind == "string_type" and isinstance(got, dict) and got and all(
            isinstance(v, str) for v in got.values()):
        first = next(iter(got.values()))
        return (f"this is one text, not one per language: write it as a plain string, e.g. "
                f"{key or 'it'}: {_yaml_text(first)}")
    return None


def _errors(data: Any, err: ValidationError) -> list[dict]:
    """pydantic's errors, of a text-or-texts-per-language union only the branch meant."""
    errors = []
    for e in err.errors(include_url=False):
        at = next((n for n, k in enumerate(e["loc"]) if k == "str" or (isinstance(k, str)
                   and k.startswith("dict[constrained-str"))), None)
        if at is not None:
            e = _one_text_branch({**e, "_value": _value_at(data, e["loc"][:at])})
            if e is None:
                continue
        errors.append(e)
    return errors


def _pydantic_problems(file: str, root: Any, data: Any, err: ValidationError) -> list[Problem]:
    problems = []
    for e in _errors(data, err):
        # Drop discriminator tags pydantic inserts into the location of tagged unions.
        loc = tuple(k for k in e["loc"] if not (isinstance(k, str) and k in {"nps",
                    "index_0_100", "dick_basu", "[key]"}))
        where = _describe(data, loc)
        hint = _PYDANTIC_HINTS.get(e["type"], "")
        if "[key]" in e["loc"]:
            hint = "the keys of a text are language codes such as 'en', 'nl' or 'pt-BR'"
        got = e.get("input")
        got_txt = ""
        if e["type"] not in {"missing"} and not isinstance(got, dict | list):
            got_txt = f" (got {got!r})"
        msg = f"{where}: {e['msg'].rstrip('.')}{got_txt}"
        trap = _trap_message(where, loc, e["type"], got, data)
        if trap:
            msg = f"{where}: {trap}"
        elif hint:
            msg += f"; {hint}"
        code = _PYDANTIC_CODES.get(e["type"], "invalid_value")
        problems.append(Problem(file, line_of(root, loc), msg, code, field_of(loc)))
    return problems


def parse_instrument(text: str, file: str = "<string>") -> Instrument:
    """Parse and validate instrument YAML text; raise :class:`InstrumentError` on any problem.

    Every problem is reported at once, each naming the file, line and field and saying what
    to do (the format is in README.md, "The instrument format").

    Parameters
    ----------
    text : str
        The YAML text of an instrument.
    file : str, default "<string>"
        The name used for the text in problem messages.

    Returns
    -------
    Instrument
        The validated instrument.

    Raises
    ------
    InstrumentError
        Listing every problem found (``.problems``, each with a stable ``code``).

    Examples
    --------
    >>> text = dump_instrument(load_instrument("five_commitments"))
    >>> parse_instrument(text).id
    'five_commitments'
    >>> try:
    ...     parse_instrument(text.replace("kind: likert", "kind: likertt", 1), "mine.yaml")
    ... except InstrumentError as err:
    ...     print(err.codes, err.problems[0].line, err.problems[0].field)
    ['invalid_value'] 79 scales[0].kind
    """
    if len(text) > MAX_DEFINITION_BYTES:
        raise InstrumentError([Problem(file, None, f"is {len(text):,} characters long; an "
                                       f"instrument has at most {MAX_DEFINITION_BYTES:,}",
                                       "file_too_large")])
    deep_at = flow_depth_line(text)
    try:
        if deep_at is not None:
            raise MaxDepthExceededError(None, None, "too deep", None)
        root = _yaml().load(text)
    except MaxDepthExceededError as e:
        line = deep_at or (e.problem_mark.line + 1 if e.problem_mark else None)
        raise InstrumentError(
            [Problem(file, line, f"nested more than {MAX_DEPTH} levels deep; an instrument "
                     "needs about 8 (check the indentation and brackets)", "too_deeply_nested")]
        ) from None
    except ComposerError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        what = (e.problem or e.context or "invalid YAML").strip()
        code = "yaml_alias" if "alias" in what else "yaml_syntax"
        raise InstrumentError([Problem(file, line, f"YAML: {what}", code)]) from None
    except RecursionError:
        raise InstrumentError([Problem(file, None, "nested too deeply to be read",
                                       "too_deeply_nested")]) from None
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        what = (e.problem or e.context or "invalid YAML").strip()
        if "duplicate key" in str(e):
            what = "duplicate key " + str(e).split("duplicate key")[1].split("\n")[0].strip()
        brace = _unquoted_brace(text, line)
        if brace is not None:
            at, key, value = brace
            raise InstrumentError([Problem(
                file, at, f"YAML reads the text '{value}' as a mapping because it starts with "
                f"'{{': put it in quotes: {key}\"{value}\"", "yaml_syntax")]) from None
        raise InstrumentError(
            [Problem(file, line, f"YAML syntax error: {what}; fix the indentation or quoting",
                     "yaml_syntax")]
        ) from None
    except YAMLError as e:
        raise InstrumentError([Problem(file, None, f"YAML error: {e}", "yaml_syntax")]) from None
    except (ValueError, OverflowError) as e:
        # ruamel builds dates and numbers while composing: '0000-0-0 0:00:00' -> year 0
        raise InstrumentError(
            [Problem(file, None, f"YAML: a value cannot be read ({e}); put text in quotes",
                     "yaml_syntax")]
        ) from None
    if not isinstance(root, CommentedMap):
        raise InstrumentError(
            [Problem(file, 1, "an instrument file must be a YAML mapping with 'id', 'title', "
                     "'scales', 'constructs', 'survey', ...", "not_a_mapping")]
        )
    data = _plain(root)
    try:
        inst = Instrument.model_validate(data)
    except ValidationError as err:
        problems = _pydantic_problems(file, root, data, err)
        # the rest of the file is checked too: cross-reference problems with the schema ones
        problems += _rule_problems_despite(file, root, data, err)
        raise InstrumentError(_by_line(problems)) from None
    problems = [
        Problem(file, line_of(root, loc), f"{_describe(data, loc)}: {msg}", code, field_of(loc))
        for loc, code, msg in _with_suggestions(inst, check_instrument(inst))
    ]
    if problems:
        raise InstrumentError(_by_line(problems))
    return inst


_BRACE_RE = re.compile(r"^(\s*(?:-\s+)?(?:[\w.-]+:\s+)?|\s*-\s+)(\{[\w.-]*\}.*?)\s*$")


def _unquoted_brace(text: str, line: int | None) -> tuple[int, str, str] | None:
    """(line, "key: ", text) of an unquoted value that starts with a {placeholder} and goes on
    (``en: {brand} feels like home.``), on or just before the line of a YAML error: YAML reads
    ``{...}`` as a mapping, so the rest of the line is a syntax error."""
    if line is None:
        return None
    lines = text.splitlines()
    for n in range(min(line, len(lines)), max(0, line - 3), -1):
        m = _BRACE_RE.match(lines[n - 1])
        if m and not m.group(2).endswith("}"):
            return n, m.group(1).lstrip(), m.group(2)
    return None


def _by_line(problems: list[Problem]) -> list[Problem]:
    """Problems in file order (whole-file problems first, then by line; stable)."""
    return sorted(problems, key=lambda p: (p.file, p.line or 0))


_UNKNOWN_RE = re.compile(r"unknown (?:or unmeasured )?(construct|item|scale|citation key) "
                         r"'([^']*)'")


def _numbers(name: str) -> list[int]:
    """The numbers in an id: 'agree5' and 'agree7' are different scales, not a misspelling."""
    return [int(d) for d in re.findall(r"\d+", name)]


def _with_suggestions(inst: Instrument, findings: list) -> list[tuple[Loc, str, str]]:
    """Rule findings with "(did you mean 'x'?)" after an unknown construct, item, scale or
    citation key that is close to a declared one with the same numbers in it."""
    choices = {"construct": [c.id for c in inst.constructs],
               "item": [i.id for i in inst.items()],
               "scale": [s.id for s in inst.scales],
               "citation key": [c.key for c in inst.citations]}
    out = []
    for loc, code, msg in findings:
        m = _UNKNOWN_RE.search(msg)
        if m and "did you mean" not in msg:
            close = [c for c in difflib.get_close_matches(m.group(2), choices[m.group(1)],
                                                          n=3, cutoff=0.6)
                     if _numbers(c) == _numbers(m.group(2))][:1]
            if close:
                msg = msg[: m.end()] + f" (did you mean '{close[0]}'?)" + msg[m.end():]
        out.append((loc, code, msg))
    return out


def _get(node: Any, loc: Loc) -> Any:
    for key in loc:
        node = node[key]
    return node


def _ids_in(node: Any) -> set[str]:
    """Every id (``id``, ``key``, ``code``) declared in ``node`` and below."""
    out: set[str] = set()
    if isinstance(node, dict):
        out.update(v for k, v in node.items() if k in ("id", "key", "code") and isinstance(v, str))
        for v in node.values():
            out |= _ids_in(v)
    elif isinstance(node, list):
        for v in node:
            out |= _ids_in(v)
    return out


def _rule_problems_despite(file: str, root: Any, data: Any,
                           err: ValidationError) -> list[Problem]:
    """The cross-reference problems of a file that fails the schema, so that one run reports
    both: the invalid parts are set aside (a text given as a plain string becomes a text in
    the default language, one text per language where a single text is meant becomes its first
    text, an unknown field is dropped, any other invalid list entry - an item,
    a scale, a path - is removed) until the rest validates, then the rules run on the rest.
    Findings at or inside a part set aside, or naming an id removed, are left out (they only
    repeat the schema problem). Nothing when the rest cannot be made valid (e.g. a required
    top-level field is wrong)."""
    work = copy.deepcopy(data)
    remaining: dict[Loc, list[int]] = {}  # original list path -> original indices still there
    touched: list[Loc] = []  # original locations set aside
    removed_ids: set[str] = set()
    lang = data.get("default_language") if isinstance(data, dict) else None
    lang = lang if isinstance(lang, str) and lang else "en"

    def original(loc: Loc) -> Loc:
        out: Loc = ()
        for key in loc:
            if isinstance(key, int) and out in remaining:
                key = remaining[out][key]
            out = (*out, key)
        return out

    inst = None
    for _ in range(12):
        errors = _errors(work, err)
        removals: dict[Loc, Loc] = {}  # current list-element loc -> its original loc
        for e in errors:
            loc = tuple(k for k in e["loc"] if not (isinstance(k, str) and k in {
                "nps", "index_0_100", "dick_basu", "[key]"}))
            try:
                parent = _get(work, loc[:-1]) if loc else None
            except (KeyError, IndexError, TypeError):
                return []
            if e["type"] == "dict_type" and isinstance(e.get("input"), str) and loc:
                parent[loc[-1]] = {lang: e["input"]}
                touched.append(original(loc))
            elif (e["type"] == "string_type" and isinstance(e.get("input"), dict) and loc
                  and e["input"]):
                got = e["input"]  # per-language texts, or YAML's {brand: null}
                first = next(iter(got.values()))
                name = next(iter(got))
                parent[loc[-1]] = first if isinstance(first, str) else "{" + str(name) + "}"
                touched.append(original(loc))
            elif e["type"] == "extra_forbidden" and isinstance(parent, dict) and loc:
                parent.pop(loc[-1], None)
                touched.append(original(loc))
            else:
                ints = [k for k, key in enumerate(loc) if isinstance(key, int)]
                if not ints:
                    return []  # a top-level field: the rest cannot be validated without it
                at = loc[: ints[-1] + 1]
                removals[at] = original(at)
        # the deepest first (an entry inside an entry also removed), later entries first
        for at in sorted(removals, key=lambda a: (len(a), a[-1]), reverse=True):
            try:
                seq = _get(work, at[:-1])
            except (IndexError, KeyError, TypeError):
                return []
            if not isinstance(seq, list) or not 0 <= at[-1] < len(seq):
                return []
            removed_ids.update(_ids_in(seq.pop(at[-1])))
            orig = removals[at]
            path = orig[:-1]
            if path not in remaining:
                remaining[path] = list(range(len(seq) + 1))
            remaining[path].remove(orig[-1])
            touched.append(orig)
        try:
            inst = Instrument.model_validate(work)
            break
        except ValidationError as again:
            err = again
    if inst is None:
        return []
    out = []
    for loc, code, msg in _with_suggestions(inst, check_instrument(inst)):
        at = original(loc)
        if any(at[: len(t)] == t for t in touched):
            continue
        if any(f"'{i}'" in msg for i in removed_ids):
            continue
        out.append(Problem(file, line_of(root, at), f"{_describe(data, at)}: {msg}", code,
                           field_of(at)))
    return out


def load_instrument(name_or_path: str | Path) -> Instrument:
    """Load a bundled instrument by name (``"five_commitments"``) or a YAML file by path.

    Parameters
    ----------
    name_or_path : str or Path
        A name from :func:`bundled_names`, or the path of an instrument YAML file.

    Returns
    -------
    Instrument
        The validated instrument.

    Raises
    ------
    InstrumentError
        The file does not exist (code ``instrument_not_found``) or is invalid (every problem
        listed, as :func:`parse_instrument`).

    Examples
    --------
    >>> inst = load_instrument("five_commitments")
    >>> inst.id, inst.version, inst.title["en"]
    ('five_commitments', '1.0.1', 'Why customers stay with {brand}')
    >>> try:
    ...     load_instrument("five_commitment")
    ... except InstrumentError as err:
    ...     print(err.codes)
    ['instrument_not_found']
    """
    file, text = resolve(name_or_path)
    # resolve() names a bundled instrument "NAME.yaml" after the NAME it was given; a path keeps
    # its own file name, which is never longer than the path itself.
    if file == f"{name_or_path}.yaml":
        inst = parse_bundled(text)
        if inst is not None:
            return inst
    inst = parse_instrument(text, file)
    if file != f"{name_or_path}.yaml":
        _SOURCES[id(inst)] = str(name_or_path)
        weakref.finalize(inst, _SOURCES.pop, id(inst), None)
    return inst


#: id(instrument) -> the path it was loaded from (instruments loaded by path only)
_SOURCES: dict[int, str] = {}


def instrument_argument(inst: Instrument) -> str:
    """What to pass as ``--instrument`` for ``inst`` in a hint.

    Parameters
    ----------
    inst : Instrument
        An instrument, loaded by :func:`load_instrument` or built otherwise.

    Returns
    -------
    str
        The path it was loaded from (an own instrument, shell-quoted), else its bundled name,
        else ``PATH/TO/<id>.yaml``.

    Examples
    --------
    >>> instrument_argument(load_instrument("five_commitments"))
    'five_commitments'
    """
    path = _SOURCES.get(id(inst))
    if path is not None:
        return shlex.quote(path)
    if inst.id in bundled_names():
        return inst.id
    return f"PATH/TO/{inst.id}.yaml"


def _fast_yaml_loader() -> type | None:
    """PyYAML's C loader resolving plain scalars as ruamel.yaml does (YAML 1.2), or None when
    PyYAML was built without libyaml."""
    global _FAST_LOADER
    if _FAST_LOADER is None:
        import yaml
        from ruamel.yaml.resolver import implicit_resolvers

        if not getattr(yaml, "__with_libyaml__", False):
            _FAST_LOADER = False
        else:
            table: dict[str | None, list[tuple[str, Any]]] = {}
            for versions, tag, regexp, first in implicit_resolvers:
                if (1, 2) in versions:
                    for ch in first:
                        table.setdefault(ch, []).append((tag, regexp))
            _FAST_LOADER = type("_Yaml12CLoader", (yaml.CSafeLoader,),
                                {"yaml_implicit_resolvers": table})
    return _FAST_LOADER or None


_FAST_LOADER: type | bool | None = None


def parse_bundled(text: str) -> Instrument | None:
    """A valid instrument read from ``text`` by the fast C parser, or None (no libyaml, or any
    problem at all: the caller then uses :func:`parse_instrument`, which reports it)."""
    loader = _fast_yaml_loader()
    if loader is None:
        return None
    import yaml

    try:
        data = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict):
        return None
    try:
        inst = Instrument.model_validate(_plain(data))
    except ValidationError:
        return None
    return None if check_instrument(inst) else inst


def instrument_to_data(inst: Instrument) -> dict[str, Any]:
    """The instrument as plain data (defaults left out, the format marker kept first), ready
    for YAML or JSON."""
    data = inst.model_dump(mode="json", exclude_defaults=True)
    return {"format": inst.format, **{k: v for k, v in data.items() if k != "format"}}


def dump_instrument(inst: Instrument) -> str:
    """The instrument as YAML text; ``parse_instrument(dump_instrument(x)) == x``.

    Fields left at their defaults are omitted; the ``format`` marker comes first.

    Parameters
    ----------
    inst : Instrument
        The instrument to write.

    Returns
    -------
    str
        YAML text in the instrument format.

    Examples
    --------
    >>> inst = load_instrument("five_commitments")
    >>> text = dump_instrument(inst)
    >>> text.splitlines()[:2]
    ['format: engagekit-instrument/1', 'id: five_commitments']
    >>> parse_instrument(text) == inst
    True
    """
    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    y.sort_base_mapping_type_on_output = False
    y.width = 100
    y.allow_unicode = True
    buf = io.StringIO()
    y.dump(instrument_to_data(inst), buf)
    return buf.getvalue()


def instrument_json_schema() -> str:
    """JSON Schema of the instrument format (for editor autocompletion).

    Point an editor's YAML language server at it (``engagekit instruments schema`` writes it)
    to get completion and checks while writing an instrument. The schema checks the shape;
    :func:`parse_instrument` also checks the cross-references (scales, items, model).

    Returns
    -------
    str
        The JSON Schema (draft 2020-12) as indented JSON text.

    Examples
    --------
    >>> import json
    >>> schema = json.loads(instrument_json_schema())
    >>> schema["title"], schema["required"][:3]
    ('engagekit instrument', ['id', 'title', 'version'])
    """
    schema = Instrument.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "engagekit instrument"
    return json.dumps(schema, indent=2, ensure_ascii=False)
