"""Limits checked before (and while) parsing a user's file, so that a small hostile file cannot
exhaust memory or time.

* **Size**: :func:`check_size` refuses a file larger than its limit before a byte is parsed
  (instrument and column-map YAML/JSON: :data:`MAX_DEFINITION_BYTES`; a saved ``results.json``:
  :data:`MAX_RESULTS_BYTES`; response files: :data:`MAX_RESPONSE_BYTES`).
* **YAML aliases**: :func:`safe_yaml` refuses every alias (``*name``, and so ``<<: *name``
  merge keys): an instrument or column map never needs one, and a few hundred bytes of nested
  aliases (a "billion laughs" file) expand to gigabytes.
* **Nesting depth**: YAML nested deeper than :data:`MAX_DEPTH` is refused while it is composed
  (ruamel's ``max_depth``); JSON is checked by :func:`check_depth` after ``json.loads`` (which
  itself stops at Python's recursion limit).
* **Scale range**: an ordinal scale has at most :data:`MAX_ORDINAL_CODES` codes (checked in
  :mod:`instruments.checks` before any list of codes is built; bounds must be finite).

Every refusal is an :class:`~instruments.errors.EngagekitInputError` naming the file and the
limit (exit code 2 on the command line).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer, ComposerError
from ruamel.yaml.events import AliasEvent

from .errors import EngagekitInputError

#: Largest instrument or column-map file read (1 MiB; the bundled instruments are 16-31 KB).
MAX_DEFINITION_BYTES = 1 << 20
#: Largest saved results file ``engagekit report`` reads (64 MiB; a demo's is about 0.5 MB).
MAX_RESULTS_BYTES = 64 << 20
#: Largest response file read (1 GiB; a million respondents to 60 items is about 150 MB as CSV).
MAX_RESPONSE_BYTES = 1 << 30
#: Deepest nesting of mappings and lists in a YAML or JSON definition (an instrument needs 8).
MAX_DEPTH = 40
#: Most codes of an ordinal (likert or 0-10) scale: 0..100.
MAX_ORDINAL_CODES = 101


class InputLimitError(EngagekitInputError):
    """A file beyond one of engagekit's safety limits (too large, aliases, nested too deep)."""


def _size_text(n: int) -> str:
    for unit, k in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= k:
            return f"{n / k:.1f} {unit}".replace(".0 ", " ")
    return f"{n} bytes"


def check_size(path: str | Path, limit: int, what: str,
               error: Callable[..., Exception] = InputLimitError) -> int:
    """The size of ``path`` in bytes; raise ``error(message, code="file_too_large")`` when it
    exceeds ``limit``.

    Read from the file system (``os.stat``), so a large file is refused without reading it.
    """
    try:
        size = os.stat(path).st_size
    except OSError:
        return 0  # the caller's own "file not found" / "cannot be read" message follows
    if size > limit:
        raise error(f"{path}: is {_size_text(size)}; engagekit reads {what} of at most "
                    f"{_size_text(limit)} (check that this is the right file)",
                    code="file_too_large")
    return size


class NoAliasComposer(Composer):
    """A ruamel composer that refuses YAML aliases (``*name``) as soon as it meets one."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            event = self.parser.get_event()
            raise ComposerError(None, None, f"found alias '*{event.anchor}'; aliases and merge "
                                "keys (<<) are not allowed here: write the values out in full",
                                event.start_mark)
        return super().compose_node(parent, index)


def safe_yaml(typ: str = "rt") -> YAML:
    """A ruamel YAML loader with aliases refused and nesting limited to :data:`MAX_DEPTH`."""
    y = YAML(typ=typ, pure=True)
    y.Composer = NoAliasComposer
    y.max_depth = MAX_DEPTH
    y.allow_duplicate_keys = False
    return y


_BRACKETS = re.compile(r"[\[\]{}\n]")


def flow_depth_line(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The 1-based line where YAML/JSON flow brackets (``[``, ``{``) first nest deeper than
    ``limit``, or None. A quick scan before parsing: ruamel's scanner looks ahead through
    every open bracket, so 100,000 of them take seconds before its own depth limit applies.
    (Brackets inside quoted or plain text count too; text never holds 40 unclosed ones.)"""
    depth = 0
    line = 1
    for m in _BRACKETS.finditer(text):
        c = m.group()
        if c == "\n":
            line += 1
        elif c in "[{":
            depth += 1
            if depth > limit:
                return line
        else:
            depth = max(depth - 1, 0)
    return None


def nesting_depth(obj: Any, limit: int = MAX_DEPTH) -> int:
    """Depth of nested dicts/lists in ``obj`` (a scalar is 0), counted without recursion and
    stopping once ``limit`` is passed (the value returned is then ``limit + 1``)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(obj, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list | tuple):
            children = node
        else:
            continue
        depth += 1
        if depth > limit:
            return depth
        deepest = max(deepest, depth)
        stack.extend((c, depth) for c in children)
    return deepest


def check_depth(obj: Any, file: str, what: str,
                error: Callable[..., Exception] = InputLimitError) -> None:
    """Raise ``error(message, code="too_deeply_nested")`` when ``obj`` (parsed JSON/YAML) is
    nested deeper than :data:`MAX_DEPTH`."""
    if nesting_depth(obj) > MAX_DEPTH:
        raise error(f"{file}: is nested more than {MAX_DEPTH} levels deep, which {what} never "
                    "is; check that this is the right file", code="too_deeply_nested")


__all__ = ["MAX_DEFINITION_BYTES", "MAX_DEPTH", "MAX_ORDINAL_CODES", "MAX_RESPONSE_BYTES",
           "MAX_RESULTS_BYTES", "InputLimitError", "NoAliasComposer", "check_depth",
           "check_size", "nesting_depth", "safe_yaml"]
