"""Tests for analysis.psychometrics.items against psych 2.2.9 (describe, alpha) and hand-computed values.

Reference numbers come from tests/data/psy_reference.R (R 4, psych 2.2.9, lavaan 0.6-14); the
R call is quoted next to each frozen vector.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from semopy.examples import holzinger39

from analysis.psychometrics.items import (
    AllMissingItemError,
    ConstantItemError,
    NonNumericItemError,
    OutOfScaleError,
    PsychometricInputError,
    TooFewItemsError,
    UnknownItemError,
    check_items,
    construct_scores,
    describe_items,
    item_total_statistics,
    jsonable,
    response_distribution,
    reverse_items,
)

TOL = 1e-6
HS_ITEMS = [f"x{i}" for i in range(1, 10)]
HS_FACTORS = {
    "visual": ["x1", "x2", "x3"],
    "textual": ["x4", "x5", "x6"],
    "speed": ["x7", "x8", "x9"],
}


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return holzinger39.get_data()


def bfi_agreeableness() -> pd.DataFrame:
    """psych's bfi A1-A5, read through R (the data are GPL: neither vendored nor pip-installed)."""
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript not available")
    proc = subprocess.run(
        ["Rscript", "-e", 'write.csv(psych::bfi[, paste0("A", 1:5)], stdout(), row.names = FALSE)'],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        pytest.skip("R package psych not available")
    df = pd.read_csv(io.StringIO(proc.stdout))
    # Same data as the reference run: colSums(bfi[, 1:5], na.rm = TRUE) and NA counts.
    assert df.sum().tolist() == [6719, 13317, 12771, 13070, 12696]
    assert df.isna().sum().tolist() == [16, 27, 26, 19, 16]
    return df


# --------------------------------------------------------------------------- describe


def test_describe_matches_psych_describe_type3(hs):
    # psych::describe(HolzingerSwineford1939[, paste0("x", 1:9)])
    ref = {
        "mean": [4.9357696564, 6.0880398671, 2.2504152824, 3.0609080868, 4.3405315615,
                 2.1855719018, 4.1859020668, 5.5270764120, 5.3741232917],
        "sd": [1.1674321158, 1.1774505560, 1.1309794031, 1.1641162841, 1.2904721551,
               1.0956031395, 1.0895335068, 1.0126151412, 1.0091517310],
        "skew": [-0.2543455187, 0.4700765864, 0.3834294260, 0.2674866958, -0.3497960920,
                 0.8579485835, 0.2490880814, 0.5252580015, 0.2038708742],
        "kurtosis": [0.3075338242, 0.3323939741, -0.9075264486, 0.0801267573, -0.5525368904,
                     0.8165571735, -0.3074038604, 1.1715556445, 0.2899079088],
    }  # fmt: skip
    out = describe_items(hs, HS_ITEMS)
    assert out["item"].tolist() == HS_ITEMS
    assert (out["n"] == 301).all()
    for col, values in ref.items():
        np.testing.assert_allclose(out[col], values, atol=TOL, err_msg=col)


def test_describe_bfi_with_missing_and_floor_ceiling():
    bfi = bfi_agreeableness()
    out = describe_items(bfi, scale_min=1, scale_max=6)
    # psych::describe(bfi[, paste0("A", 1:5)])
    np.testing.assert_array_equal(out["n"], [2784, 2773, 2774, 2781, 2784])
    np.testing.assert_allclose(
        out["mean"],
        [2.4134339080, 4.8023800938, 4.6038211968, 4.6997482920, 4.5603448276],
        atol=TOL,
    )
    np.testing.assert_allclose(
        out["sd"],
        [1.4077371505, 1.1720199217, 1.3018336392, 1.4796326863, 1.2585120984],
        atol=TOL,
    )
    np.testing.assert_allclose(
        out["skew"],
        [0.8250435600, -1.1242853346, -0.9984568436, -1.0309427511, -0.8472333504],
        atol=TOL,
    )
    np.testing.assert_allclose(
        out["kurtosis"],
        [-0.3076394657, 1.0548386195, 0.4420409581, 0.0404525226, 0.1589056233],
        atol=TOL,
    )
    # floor/ceiling: share of non-missing answers at the declared end points (counted directly)
    for row in out.itertuples():
        v = bfi[row.item].dropna()
        assert row.floor_pct == pytest.approx(100 * (v == 1).sum() / len(v))
        assert row.ceiling_pct == pytest.approx(100 * (v == 6).sum() / len(v))


def test_describe_hand_computed_small_example():
    df = pd.DataFrame({"a": [1, 2, 2, 3, 5, np.nan], "b": [5, 5, 5, 1, 5, 5]})
    out = describe_items(df, scale_min=1, scale_max=5).set_index("item")
    a = np.array([1, 2, 2, 3, 5.0])
    m, s = a.mean(), a.std(ddof=1)
    assert out.loc["a", "n"] == 5 and out.loc["a", "n_missing"] == 1
    assert out.loc["a", "skew"] == pytest.approx(np.mean((a - m) ** 3) / s**3)
    assert out.loc["a", "kurtosis"] == pytest.approx(np.mean((a - m) ** 4) / s**4 - 3)
    assert out.loc["a", "floor_pct"] == pytest.approx(20.0)
    assert out.loc["a", "ceiling_pct"] == pytest.approx(20.0)
    assert out.loc["b", "ceiling_pct"] == pytest.approx(500 / 6)
    assert out.loc["b", "floor_pct"] == pytest.approx(100 / 6)
    json.dumps(jsonable(out), allow_nan=False)


def test_describe_constant_item_is_flagged_not_silent():
    out = describe_items(pd.DataFrame({"c": [3, 3, 3], "d": [1, 2, 3]})).set_index("item")
    assert bool(out.loc["c", "constant"]) is True
    assert out.loc["c", "sd"] == 0.0
    assert np.isnan(out.loc["c", "skew"])
    assert bool(out.loc["d", "constant"]) is False


def test_describe_rejects_out_of_scale_values():
    with pytest.raises(OutOfScaleError, match="'a'"):
        describe_items(pd.DataFrame({"a": [1, 2, 7]}), scale_min=1, scale_max=5)


# --------------------------------------------------------------------------- distribution


def test_response_distribution_counts_every_declared_code():
    df = pd.DataFrame({"a": [1, 1, 2, 5, np.nan], "b": [2, 2, 2, 3, 4]})
    out = response_distribution(df, scale_min=1, scale_max=5)
    a = out[out["item"] == "a"]
    assert a["value"].tolist()[:5] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert a["count"].tolist() == [2, 1, 0, 0, 1, 1]  # last row: missing
    np.testing.assert_allclose(a["percent"].iloc[:5], [50, 25, 0, 0, 25])
    assert a["missing"].tolist() == [False] * 5 + [True]
    assert np.isnan(a["value"].iloc[5])
    b = out[out["item"] == "b"]
    assert b["count"].tolist() == [0, 3, 1, 1, 0, 0]
    json.loads(out.to_json(orient="records"))


def test_response_distribution_without_scale_lists_observed_values():
    out = response_distribution(pd.DataFrame({"a": [0.5, 0.5, 2.0]}))
    assert out["value"].tolist()[:2] == [0.5, 2.0]
    assert out["count"].tolist() == [2, 1, 0]


# --------------------------------------------------------------------------- item-total


def test_item_total_matches_psych_alpha_on_holzinger(hs):
    out = item_total_statistics(hs, HS_FACTORS).set_index("item")
    # psych::alpha(HolzingerSwineford1939[, c("x1","x2","x3")])$item.stats$r.drop etc.
    r_drop = [
        0.4490315413,
        0.3749679618,
        0.4842812342,
        0.7759812526,
        0.7871859320,
        0.7653525235,
        0.4861799459,
        0.5721533412,
        0.4555321229,
    ]
    alpha_drop = [
        0.5069876394,
        0.6115414959,
        0.4583777276,
        0.8306932421,
        0.8257302897,
        0.8434591582,
        0.6197499544,
        0.5070702359,
        0.6536123367,
    ]
    raw_r = [0.7666367589, 0.7259515674, 0.7779148459, 0.8999274959, 0.9157492477,
             0.8882805780, 0.7882280645, 0.8168255503, 0.7509000101]  # fmt: skip
    np.testing.assert_allclose(out.loc[HS_ITEMS, "r_rest"], r_drop, atol=TOL)
    np.testing.assert_allclose(out.loc[HS_ITEMS, "alpha_if_deleted"], alpha_drop, atol=TOL)
    np.testing.assert_allclose(out.loc[HS_ITEMS, "r_total"], raw_r, atol=TOL)
    assert out.loc["x4", "construct"] == "textual"


def test_item_total_bfi_agreeableness_reversed_a1():
    bfi = bfi_agreeableness()
    agree = reverse_items(bfi, ["A1"], scale_min=1, scale_max=6)
    out = item_total_statistics(agree, {"agreeableness": [f"A{i}" for i in range(1, 6)]})
    # psych::alpha(bfi[, paste0("A", 1:5)], keys = "A1"): pairwise covariances
    np.testing.assert_allclose(
        out["r_rest"],
        [0.3084177395, 0.5636151638, 0.5870045895, 0.3944440866, 0.4885651358],
        atol=TOL,
    )
    np.testing.assert_allclose(
        out["alpha_if_deleted"],
        [0.7185173570, 0.6171800370, 0.6002595788, 0.6858056523, 0.6429529601],
        atol=TOL,
    )


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_item_rest_equals_pearson_with_rest_sum_on_complete_data(seed):
    # Closed form: with complete data r_rest is the Pearson correlation of the item with the
    # sum of the other items, and alpha_if_deleted is alpha of the remaining items.
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(40, 1)) + rng.normal(size=(40, 4))
    df = pd.DataFrame(x, columns=list("abcd"))
    out = item_total_statistics(df, {"c": list("abcd")}).set_index("item")
    for it in "abcd":
        rest = df.drop(columns=it)
        assert out.loc[it, "r_rest"] == pytest.approx(np.corrcoef(df[it], rest.sum(axis=1))[0, 1])
        c = np.cov(rest.to_numpy(), rowvar=False)
        alpha = 3 / 2 * (1 - np.trace(c) / c.sum())
        assert out.loc[it, "alpha_if_deleted"] == pytest.approx(alpha)


def test_two_item_construct_has_no_alpha_if_deleted():
    df = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 1, 4, 3]})
    out = item_total_statistics(df, {"c": ["a", "b"]})
    assert out["r_rest"].tolist() == pytest.approx([0.6, 0.6])  # Pearson r of a and b
    assert out["alpha_if_deleted"].isna().all()


# --------------------------------------------------------------------------- scoring


def test_reverse_items_uses_declared_scale():
    df = pd.DataFrame({"a": [1, 2, 6, np.nan], "b": [1, 1, 1, 1]})
    out = reverse_items(df, ["a"], scale_min=1, scale_max=6)
    assert out["a"].tolist()[:3] == [6, 5, 1] and np.isnan(out["a"].iloc[3])
    assert out["b"].tolist() == [1, 1, 1, 1]
    assert df["a"].tolist()[:3] == [1, 2, 6]  # input untouched
    with pytest.raises(OutOfScaleError):
        reverse_items(df, ["a"], scale_min=1, scale_max=5)


def test_construct_scores_mean_sum_and_min_valid():
    df = pd.DataFrame({"a": [1, 2, np.nan], "b": [3, np.nan, np.nan], "c": [5, 6, 7]})
    cons = {"ab": ["a", "b"], "c": ["c"]}
    out = construct_scores(df, cons)
    assert out["ab"].tolist()[:2] == [2.0, 2.0] and np.isnan(out["ab"].iloc[2])
    assert construct_scores(df, cons, method="sum")["ab"].tolist()[:2] == [4.0, 4.0]
    strict = construct_scores(df, cons, min_valid=2)
    assert strict["ab"].iloc[0] == 2.0 and strict["ab"].isna().sum() == 2


# --------------------------------------------------------------------------- bad input


def test_bad_input_raises_named_value_errors(hs):
    with pytest.raises(ConstantItemError, match="'k'.*construct 'c'"):
        item_total_statistics(pd.DataFrame({"k": [2, 2, 2], "m": [1, 2, 3]}), {"c": ["k", "m"]})
    with pytest.raises(TooFewItemsError, match="construct 'solo'"):
        item_total_statistics(hs, {"solo": ["x1"]})
    with pytest.raises(AllMissingItemError, match="'e'"):
        check_items(pd.DataFrame({"e": [np.nan, np.nan], "f": [1, 2]}))
    with pytest.raises(NonNumericItemError, match="'t'"):
        describe_items(pd.DataFrame({"t": ["agree", "disagree"]}))
    with pytest.raises(UnknownItemError, match="nope"):
        describe_items(hs, ["x1", "nope"])
    with pytest.raises(PsychometricInputError, match="twice"):
        check_items(hs, ["x1", "x1"])
    for err in (ConstantItemError, TooFewItemsError, NonNumericItemError, UnknownItemError):
        assert issubclass(err, ValueError)
