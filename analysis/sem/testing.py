"""Helpers to compare results with reference tables (e.g. frozen lavaan output)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from .result import SEMResult

__all__ = ["compare_estimates", "read_reference"]


def read_reference(csv_text: str) -> pd.DataFrame:
    """Parse a reference table ``lhs,op,rhs,group,<columns...>`` given as CSV text."""
    df = pd.read_csv(io.StringIO(csv_text.strip()), dtype={"rhs": str}, keep_default_na=False)
    df["rhs"] = df["rhs"].fillna("")
    df["group"] = df["group"].astype(int)
    return df


def compare_estimates(result: SEMResult, reference: pd.DataFrame | str,
                      columns: tuple[str, ...] = ("est", "se", "std.lv", "std.all"),
                      ) -> dict[str, float]:
    """Maximum absolute difference per column between ``result.estimates`` and a
    reference table, matching rows on ``lhs, op, rhs, group``.  Rows of the reference
    missing from the result raise ``AssertionError``."""
    ref = read_reference(reference) if isinstance(reference, str) else reference
    ours = result.estimates.copy()
    ours["rhs"] = ours["rhs"].fillna("").astype(str)
    key = ["lhs", "op", "rhs", "group"]
    merged = ref.merge(ours, on=key, how="left", suffixes=("_ref", ""))
    missing = merged[merged["est"].isna()][key]
    if len(missing):
        raise AssertionError(f"rows missing from the result:\n{missing}")
    out = {}
    for c in columns:
        if c + "_ref" in merged:
            out[c] = float(np.nanmax(np.abs(merged[c + "_ref"].astype(float) - merged[c])))
    return out
