"""One JSON converter (instruments.plain.to_plain) behind every to_dict()."""

from __future__ import annotations

import ast
import datetime
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.psychometrics.items import jsonable
from instruments.plain import to_plain

ROOT = Path(__file__).resolve().parents[1]


def test_rules():
    frame = pd.DataFrame({"est": [0.5, np.nan], "n": np.array([3, 4], dtype=np.int64),
                          "ok": [True, False]}, index=["a", "b"])
    assert to_plain(frame) == [{"est": 0.5, "n": 3, "ok": True},
                               {"est": None, "n": 4, "ok": False}]
    assert to_plain(frame, frames="columns") == {"est": {"a": 0.5, "b": None},
                                                 "n": {"a": 3, "b": 4},
                                                 "ok": {"a": True, "b": False}}
    assert to_plain(frame, frames="split") == {"index": ["a", "b"],
                                               "columns": ["est", "n", "ok"],
                                               "data": [[0.5, 3, True], [None, 4, False]]}
    assert to_plain({1: (np.float32(0.25), np.inf, -np.inf), "s": pd.Series({"x": np.nan})}) \
        == {"1": [0.25, None, None], "s": {"x": None}}
    assert to_plain([pd.Timestamp("2026-01-02T03:04:05Z"), pd.NaT, pd.NA,
                     datetime.date(2026, 1, 2), np.datetime64("2026-01-02")]) == [
        "2026-01-02T03:04:05+00:00", None, None, "2026-01-02", "2026-01-02"]
    assert to_plain(np.array([[1, 2], [3, 4]])) == [[1, 2], [3, 4]]
    assert type(to_plain(np.bool_(True))) is bool and type(to_plain(np.int8(2))) is int
    # jsonable is the same converter with matrices by column
    assert jsonable(frame) == to_plain(frame, frames="columns")


@pytest.mark.parametrize("value", [1, 2.5, "x", None, True, [1, [2, {"a": None}]]])
def test_plain_data_is_unchanged(value):
    assert to_plain(value) == value


def _to_dict_methods() -> list[tuple[str, int]]:
    """``(file, line)`` of every ``to_dict`` method that does not go through the converter."""
    bad = []
    for pkg in ("instruments", "analysis", "collect", "reports"):
        for path in sorted((ROOT / pkg).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef) and node.name == "to_dict":
                    calls = {getattr(c.func, "id", getattr(c.func, "attr", None))
                             for c in ast.walk(node) if isinstance(c, ast.Call)}
                    if not calls & {"to_plain", "jsonable"}:
                        bad.append((str(path.relative_to(ROOT)), node.lineno))
    return bad


def test_every_to_dict_uses_the_one_converter():
    assert _to_dict_methods() == []
    # and no second converter is defined anywhere
    defined = []
    for pkg in ("instruments", "analysis", "collect", "reports"):
        for path in sorted((ROOT / pkg).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef) and node.name in (
                        "to_plain", "jsonable", "_jsonable", "_clean"):
                    defined.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert sorted(defined) == ["analysis/psychometrics/items.py:jsonable",
                               "instruments/plain.py:to_plain"]


def test_to_dicts_that_held_nan_are_now_valid_json():
    """A regression table with an undefined standardized beta and VIF (the intercept's) was not valid JSON
    before the converter was shared (json.dumps wrote NaN)."""
    from analysis.structural.regression import ols_table

    rng = np.random.default_rng(1)
    data = pd.DataFrame({"y": rng.normal(size=50), "x": rng.normal(size=50),
                         "z": rng.normal(size=50)})
    res = ols_table(data, "y", ["x", "z"]).to_dict()
    intercept = json.loads(json.dumps(res, allow_nan=False))["table"][0]  # raises on NaN
    assert intercept["term"] == "(intercept)"
    assert intercept["std.all"] is None and intercept["vif"] is None  # undefined for the intercept
