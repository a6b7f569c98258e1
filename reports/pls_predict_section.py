"""The predictive-power subsection of a PLS-SEM report (PLSpredict; Shmueli, Ray, Velasquez
Estrada & Chatla, 2016; Shmueli, Sarstedt, Hair, Cheah, Ting, Vaithilingam & Ringle, 2019,
*European Journal of Marketing* 53(11), 2322-2347) and its methods sentence.

Hair et al. (2019) assess a PLS model's predictive power after R² and f². Every number is read
from ``results["pls"]["predict"]`` (:func:`analysis.pls.predict.predict_pls`, run by
:mod:`analysis.pls.study`); nothing is refitted. Per endogenous indicator the table shows the
out-of-sample RMSE and MAE of the PLS predictions and of the linear-model (LM) benchmark and
Q²predict; per construct, Shmueli et al.'s (2019) verdict from the RMSE comparison: PLS lower
than LM for all indicators: high predictive power; for the majority: medium; for a minority:
low; for none: the model lacks predictive power ("none"). Q²predict > 0 (PLS beats the
training mean) is the precondition the verdict's row states.
"""

from __future__ import annotations

__all__ = ["predict_blocks", "predict_sentence"]

#: The verdict in words.
POWER_WORDS = {"high": "high", "medium": "medium", "low": "low",
               "none": "none (lacks predictive power)"}


def _names(results: dict) -> dict[str, str]:
    return {c["id"]: c["name"] for c in results["instrument"]["constructs"]}


def predict_blocks(results: dict) -> list[dict]:
    """The blocks of the "Predictive power (PLSpredict)" subsection; [] without PLSpredict."""
    pred = results["pls"].get("predict")
    if not pred:
        return []
    names = _names(results)
    s = pred["settings"]
    item_rows = [{"construct": names.get(r["construct"], r["construct"]), "item": r["item"],
                  "rmse": r["rmse"], "lm_rmse": r["lm_rmse"], "mae": r["mae"],
                  "lm_mae": r["lm_mae"], "q2_predict": r["q2_predict"]}
                 for r in pred["items"]]
    construct_rows = []
    for r in pred["constructs"]:
        q2 = ("yes" if r["q2_positive"] else
              f"no ({sum(1 for i in pred['items'] if i['construct'] == r['construct'] and i['q2_predict'] <= 0)} "
              "item(s) at or below 0)")
        construct_rows.append({
            "construct": names.get(r["construct"], r["construct"]),
            "q2": q2, "better": f"{r['pls_better_rmse']} of {r['items']}",
            "power": POWER_WORDS.get(r["predictive_power"], r["predictive_power"])})
    setup = (f"{s['folds']}-fold cross-validation repeated {s['repeats']} times (folds seeded "
             f"by {s['seed']}); each endogenous construct's items predicted out of sample from "
             "its direct antecedents' scores (PLS) and by a linear regression on the exogenous "
             "constructs' items (LM), both fitted on the training folds; each statistic is the "
             "mean over the repetitions.")
    return [
        {"type": "table", "data": item_rows,
         "caption": "Out-of-sample prediction errors of the endogenous constructs' items",
         "columns": {"construct": "Construct", "item": "Item", "rmse": "PLS RMSE",
                     "lm_rmse": "LM RMSE", "mae": "PLS MAE", "lm_mae": "LM MAE",
                     "q2_predict": "Q²predict"},
         "number_formats": {"rmse": 3, "lm_rmse": 3, "mae": 3, "lm_mae": 3, "q2_predict": 3},
         "note": "PLSpredict (Shmueli et al., 2019): " + setup + " RMSE and MAE are in the "
                 "items' answer points (lower is better); Q²predict compares the PLS errors "
                 "with predicting every respondent by the training mean (above 0: PLS "
                 "predicts better than the mean)."},
        {"type": "table", "data": construct_rows,
         "caption": "Predictive power of the model per construct",
         "columns": {"construct": "Construct", "q2": "Q²predict > 0 for every item",
                     "better": "Items with PLS RMSE < LM RMSE", "power": "Predictive power"},
         "note": "Shmueli et al.'s (2019) guideline, from the RMSE: PLS predicts better than LM "
                 "for all items: high predictive power; for the majority: medium; for a "
                 "minority: low; for none: the model lacks predictive power. Q²predict should "
                 "exceed 0 for every item first. (MAE replaces RMSE when the prediction errors "
                 "are highly non-symmetric; both are shown.)"},
    ]


def predict_sentence(results: dict) -> str:
    """The methods sentence on PLSpredict ("" without it)."""
    pred = results["pls"].get("predict")
    if not pred:
        return ""
    s = pred["settings"]
    return (f"Predictive power was assessed with PLSpredict (Shmueli et al., 2016, 2019): "
            f"{s['folds']}-fold cross-validation repeated {s['repeats']} times (seed "
            f"{s['seed']}), the items of each endogenous construct predicted from its direct "
            "antecedents and compared, by out-of-sample RMSE and MAE, with a linear-model "
            "benchmark regressing each item on the exogenous constructs' items, with "
            "Q²predict against the training-sample mean; a construct's predictive power is "
            "high, medium, low or none as PLS predicts better than the benchmark for all, the "
            "majority, a minority or none of its items (Shmueli et al., 2019).")
