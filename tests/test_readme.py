"""The README's Python API example runs as shown, using only the declared public API."""

from __future__ import annotations

import re
from pathlib import Path

import analysis

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    blocks = _python_blocks()
    assert blocks, "README.md has no Python example"
    monkeypatch.chdir(tmp_path)
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})  # noqa: S102
    out = capsys.readouterr().out
    assert "affective" in out and "cfi" in out
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'id="structural"' in html


def test_readme_imports_only_declared_public_names():
    for code in _python_blocks():
        for names in re.findall(r"from analysis import \((.*?)\)|from analysis import (.*)", code,
                                re.S):
            for name in re.split(r"[,\s]+", " ".join(names)):
                if name:
                    assert name in analysis.__all__, name
