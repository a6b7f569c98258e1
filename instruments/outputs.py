"""The output guard every command uses before (and while) it writes a file.

engagekit never writes over one of its inputs, never writes into a folder that is missing or
cannot be written without saying which, and replaces a file left by an earlier run only when
asked to (``--force``). :func:`check_outputs` runs before any work is done (so a two-minute
bootstrap does not end in a refused write) and refuses, with exit code 2 and a message naming
the path:

* an output that **is an input** (compared with :func:`os.path.samefile`, so a hard link or a
  symbolic link to the input is the input) - ``--force`` never allows this;
* the same output named twice in one command;
* an output that is a folder, or whose folder is missing, is not a folder or cannot be
  written (only an output *folder* - ``run``/``demo -o DIR``, ``survey -o DIR/`` - is created,
  with any missing folders above it, when the nearest existing one can be written);
* an output file that exists already, unless ``force`` (a previous output being replaced).

:func:`write_file` and :func:`atomic_path` then write through a temporary file in the same
folder and :func:`os.replace` it into place: an existing file is replaced as a whole (its inode
is never opened for writing, so a link the guard could not see is not written through) and a
failed write leaves the previous file intact.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from .errors import EngagekitInputError

PathLike = str | os.PathLike

#: ``--force`` for every command that writes files.
FORCE = click.option("--force", is_flag=True,
                     help="Replace output files left by an earlier run (never an input file).")


class OutputPathError(EngagekitInputError):
    """An output that would overwrite an input, a previous output (without ``--force``), or
    that cannot be written where it was asked to go."""


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _input_files(inputs: Iterable[PathLike | None]) -> list[Path]:
    """The inputs that are files on disk (bundled instrument names and ``None`` skipped)."""
    out = []
    for p in inputs:
        if p is None:
            continue
        path = Path(p)
        try:
            if path.is_file():
                out.append(path)
        except OSError:
            continue
    return out


def _check_folder(folder: Path, what: str, create: bool) -> None:
    """``folder`` exists and is a writable folder, or (``create``) can be made in one."""
    shown = str(folder) if str(folder) else "."
    if folder.exists():
        if not folder.is_dir():
            raise OutputPathError(f"{shown}: is a file, not a folder, so {what} cannot be "
                                  "written there; choose another path")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OutputPathError(f"{shown}: this folder cannot be written (no permission), "
                                  f"so {what} cannot be written there; choose another folder")
        return
    if not create:
        raise OutputPathError(f"{shown}: this folder does not exist, so {what} cannot be "
                              "written; create it first or choose another path")
    parent = folder.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise OutputPathError(f"{parent}: is a file, not a folder, so {shown} cannot be "
                              "created; choose another path")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputPathError(f"{parent}: this folder cannot be written (no permission), so "
                              f"{shown} cannot be created there; choose another folder")


def check_outputs(outputs: Iterable[PathLike | None], inputs: Iterable[PathLike | None] = (),
                  *, force: bool = False, folder: PathLike | None = None) -> list[Path]:
    """Refuse outputs that would overwrite an input or a previous output, or cannot be written.

    ``outputs`` are the files a command will write (``None`` entries are options not given);
    ``inputs`` every file it reads (instrument, responses, column map, sheet, results; names
    that are not files are skipped). ``folder`` is an output folder the command creates when
    it is missing (``run``/``demo`` ``-o``); the folders of other outputs must exist. Returns
    the outputs as paths. Raises :class:`OutputPathError` naming the path and what to do.
    """
    ins = _input_files(inputs)
    outs = [Path(p) for p in outputs if p is not None]
    if folder is not None:
        folder = Path(folder)
        for inp in ins:
            if _same(folder, inp):
                raise OutputPathError(f"{folder}: is the input file {inp}, not a folder; "
                                      "engagekit never writes over an input: give a new "
                                      "folder for the outputs")
        _check_folder(folder, "the outputs", create=True)
    seen: list[Path] = []
    for out in outs:
        for inp in ins:
            if _same(out, inp):
                how = "" if os.path.abspath(out) == os.path.abspath(inp) else \
                    " (the same file under another name or through a link)"
                raise OutputPathError(f"{out}: would overwrite the input {inp}{how}; engagekit "
                                      "never writes over an input: choose another output path")
        for earlier in seen:
            if os.path.abspath(out) == os.path.abspath(earlier) or _same(out, earlier):
                raise OutputPathError(f"{out}: is given as two different outputs; give each "
                                      "output its own path")
        seen.append(out)
        if out.is_dir():
            raise OutputPathError(f"{out}: is a folder; give the path of a file to write")
        if folder is None or out.parent != folder:
            _check_folder(out.parent, out.name, create=False)
        if out.exists() or out.is_symlink():
            if not force:
                raise OutputPathError(f"{out}: exists already (an earlier output?); pass "
                                      "--force to replace it, or choose another path")
            if out.exists() and not os.access(out, os.W_OK):
                raise OutputPathError(f"{out}: is read-only; it is not replaced (choose "
                                      "another path or make it writable)")
    return outs


def _failed(path: Path, e: OSError) -> OutputPathError:
    return OutputPathError(f"{path}: cannot be written ({e.strerror or e}); check the folder "
                           "and the free space, or choose another path")


@contextmanager
def atomic_path(path: PathLike) -> Iterator[Path]:
    """A temporary path beside ``path`` (same suffix) to write to; moved onto ``path`` when the
    block ends without an error, removed otherwise. ``OSError`` becomes
    :class:`OutputPathError` naming ``path``."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.engagekit-{os.getpid()}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as e:
        raise _failed(path, e) from None
    finally:
        try:
            if tmp.exists():
                tmp.unlink()
        except OSError:
            pass


def write_file(path: PathLike, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` through a temporary file (see the module
    notes); returns ``path``."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as tmp, open(tmp, "xb") as fh:
        fh.write(raw)
    return path


def make_folder(folder: PathLike) -> Path:
    """Create the output folder checked by :func:`check_outputs` (``OSError`` -> exit 2)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _failed(folder, e) from None
    return folder


__all__ = ["FORCE", "OutputPathError", "atomic_path", "check_outputs", "make_folder",
           "write_file"]
