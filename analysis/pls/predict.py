"""PLSpredict: out-of-sample prediction of the endogenous constructs' indicators (Shmueli,
Ray, Velasquez Estrada & Chatla, 2016, "The elephant in the room: predictive performance of
PLS models", *Journal of Business Research* 69; Shmueli, Sarstedt, Hair, Cheah, Ting,
Vaithilingam & Ringle, 2019, "Predictive model assessment in PLS-SEM: guidelines for using
PLSpredict", *European Journal of Marketing* 53).

Procedure (seminr's ``predict_pls``, cSEM's ``predict``): the respondents are shuffled and cut
into ``folds`` groups of (nearly) equal size; each group in turn is the *test* fold and the
model is re-estimated on the other ``folds - 1`` (the *training* folds). With the training
estimates (outer weights ``W``, loadings ``L``, paths ``B``; item means ``m`` and SDs ``s``
of the training folds, SD with n - 1):

1. test items standardized with the training moments, ``z = (x - m) / s``; composite scores
   ``y = z W``;
2. predicted construct scores:

   * ``"DA"`` (direct antecedents, seminr's ``predict_DA``, the default): each endogenous
     construct from the scores of its direct predictors, ``y_hat = y B``;
   * ``"EA"`` (earliest antecedents, seminr's ``predict_EA``, cSEM's ``"earliest"``): only
     the exogenous constructs' scores are used, propagated through the structural model,
     ``y_hat_endo = y_exo Gamma (I - B_endo)^-1``;

3. predicted items ``x_hat = m + s * (y_hat L')`` for the indicators of the endogenous
   constructs.

Every respondent is predicted once per repetition (by the model that did not see them). The
whole cross-validation is repeated ``repeats`` times with new random folds (Shmueli et al.,
2019, recommend 10 folds and 10 repetitions).

Benchmarks, fitted on the same training folds:

* **LM**: for each endogenous indicator, an ordinary least-squares regression (with
  intercept) on the indicators of all exogenous constructs (Shmueli et al., 2019;
  ``benchmark="exogenous"``, the default), or on the indicators of the construct's direct
  antecedents (``benchmark="antecedents"``, what seminr >= 2 fits under ``predict_DA``);
* **naive**: the training folds' mean of the indicator (the benchmark of Q²predict).

Statistics per indicator, computed within each repetition over all n respondents and then
averaged over the repetitions (cSEM's rule):

* ``RMSE = sqrt(mean(e²))`` and ``MAE = mean(|e|)``, ``e = x - x_hat`` out of sample;
* ``Q²predict = 1 - sum(e²) / sum((x - m)²)``, ``m`` the training mean (Shmueli et al.,
  2019; positive when PLS beats the naive mean prediction).

(seminr's ``predict_pls(..., reps = r)`` instead averages each respondent's predictions over
the repetitions before computing the errors, which flatters both PLS and LM; with one
repetition on the same folds the two agree exactly, as the tests check.) In-sample errors
(``is_rmse``, ...) use each respondent's prediction averaged over the ``folds - 1`` models
trained with them (seminr's ``PLS_in_sample``).

Per construct (Shmueli et al., 2019, guideline): compare PLS with LM on RMSE (or MAE when the
prediction errors are highly non-symmetric): PLS lower for *all* indicators: high predictive
power; for the *majority*: medium; for a *minority*: low; for *none*: the model lacks
predictive power (reported as ``"none"``). Q²predict should be above 0 for every indicator
first. The construct-score errors (seminr's ``construct_error``: MSE and MAE of the
predicted composite against the full-sample scores, in and out of sample, and
``overfit = (OOS_MSE - IS_MSE) / IS_MSE``) are reported too.

**Interaction terms** (``Y ~ X + M + X:M``; the two-stage approach of
:func:`~analysis.pls.estimate_pls_interaction`, Henseler & Chin, 2010): in each training set,
stage 1 estimates the model without the terms; each term is the product of the stage-1 scores
of ``X`` and ``M``, computed for the training *and* the test respondents from the training
weights, item means and SDs (the test respondents enter no estimation); stage 2 is estimated
on the training respondents with the term as a single-item construct, and predicts the test
respondents' endogenous indicators as above (the term is exogenous, so it is never predicted
itself). The LM benchmark's predictors are the indicators of the exogenous constructs, the
term's product among them, so that both predict from the same information. seminr's and
cSEM's ``predict`` take no interaction terms; the tests check this against the steps written
out with :func:`~analysis.pls.estimate_pls`.

Missing answers are handled once on the whole data (as seminr, whose folds are cut from the
mean-replaced data). The fold assignment can be given (``fold_ids``) to reproduce another
program's folds exactly (:func:`cut_folds` turns seminr's row shuffle into fold ids).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.arguments import check_n_boot, check_seed
from instruments.plain import to_plain

from .data import indicator_data
from .errors import PLSInputError
from .estimate import _check_settings, _model, _solve
from .syntax import PLSModel, parse_pls_model

__all__ = ["PREDICT_FOLDS", "PREDICT_REPEATS", "PLSPrediction", "cut_folds", "predict_pls",
           "predict_section"]

TECHNIQUES = ("DA", "EA")
BENCHMARKS = ("exogenous", "antecedents")


def cut_folds(order: Any, folds: int) -> np.ndarray:
    """Fold ids (0-based, per respondent) from a row order, as R's
    ``cut(seq_len(n), breaks = folds)`` over the shuffled rows (seminr's ``predict_pls``).

    ``order`` lists the respondents' positions (0-based) in shuffled order; the first
    ``~n/folds`` of them form fold 0, and so on.

    >>> cut_folds([4, 0, 3, 1, 2], 2).tolist()
    [0, 1, 1, 0, 0]
    """
    order = np.asarray(order, dtype=int)
    n = order.size
    if sorted(order.tolist()) != list(range(n)):
        raise PLSInputError("order must be a permutation of 0 .. n-1", code="invalid_argument")
    pos = np.arange(1, n + 1, dtype=float)
    breaks = 1 + np.arange(folds + 1) * (n - 1) / folds
    breaks[0], breaks[-1] = 1 - (n - 1) / 1000, n + (n - 1) / 1000
    label = np.searchsorted(breaks, pos, side="left") - 1
    out = np.empty(n, dtype=int)
    out[order] = label
    return out


def _exogenous(model: PLSModel) -> list[str]:
    endo = set(model.endogenous)
    return [n for n in model.names if n not in endo]


def _topological(model: PLSModel) -> list[str]:
    done = set(_exogenous(model))
    order: list[str] = []
    pending = list(model.endogenous)
    while pending:
        for name in pending:
            if all(p in done for p in model.predictors(name)):
                order.append(name)
                done.add(name)
                pending.remove(name)
                break
    return order


def _predict_scores(Y: np.ndarray, B: np.ndarray, model: PLSModel, technique: str) -> np.ndarray:
    names = model.names
    out = Y.copy()
    if technique == "DA":
        for name in model.endogenous:
            j = names.index(name)
            out[:, j] = Y @ B[:, j]
        return out
    for name in model.endogenous:
        out[:, names.index(name)] = 0.0
    for name in _topological(model):
        j = names.index(name)
        out[:, j] = out @ B[:, j]
    return out


@dataclass
class PLSPrediction:
    """PLSpredict results (module docstring): plain data.

    Attributes
    ----------
    settings : folds, repeats, seed, technique, benchmark and the estimation settings.
    sample : the sample record (n, missing-data handling).
    items : one row per endogenous indicator: ``construct, item``; PLS ``rmse, mae,
        q2_predict``; LM ``lm_rmse, lm_mae, lm_q2_predict``; ``rmse_diff`` and ``mae_diff``
        (PLS minus LM: negative when PLS predicts better); in-sample ``is_rmse, is_mae``
        (PLS) and ``lm_is_rmse, lm_is_mae``; each the mean over the repetitions.
    constructs : one row per endogenous construct: ``construct, items, q2_positive`` (all
        indicators' Q²predict > 0), ``pls_better_rmse``, ``pls_better_mae`` (indicators where
        PLS beats LM), ``predictive_power`` (from RMSE: ``high, medium, low, none``),
        ``mean_rmse, mean_lm_rmse, mean_q2_predict``, and the composite errors
        ``is_mse, is_mae, oos_mse, oos_mae, overfit``.
    by_repeat : the per-indicator statistics of every repetition (``repeat`` column).
    predictions : out-of-sample PLS predictions (n x endogenous indicators), mean over the
        repetitions; ``lm_predictions`` the same for LM; ``fold_ids`` (repeats x n).
    """

    settings: dict[str, Any]
    sample: dict[str, Any]
    items: pd.DataFrame
    constructs: pd.DataFrame
    by_repeat: pd.DataFrame
    predictions: pd.DataFrame = field(repr=False)
    lm_predictions: pd.DataFrame = field(repr=False)
    fold_ids: np.ndarray = field(repr=False)

    def to_dict(self, predictions: bool = False) -> dict[str, Any]:
        """JSON-ready data; case-level predictions only with ``predictions=True``."""
        out = {"method": "plspredict", "settings": to_plain(self.settings),
               "sample": to_plain(self.sample), "items": to_plain(self.items),
               "constructs": to_plain(self.constructs), "by_repeat": to_plain(self.by_repeat)}
        if predictions:
            out["predictions"] = to_plain(self.predictions, frames="split")
            out["lm_predictions"] = to_plain(self.lm_predictions, frames="split")
            out["fold_ids"] = self.fold_ids.tolist()
        return out


def _fold_ids(n: int, folds: int, repeats: int, seed: int | None,
              fold_ids: Any) -> np.ndarray:
    if fold_ids is not None:
        ids = np.atleast_2d(np.asarray(fold_ids))
        if ids.ndim != 2 or ids.shape[1] != n or not np.issubdtype(ids.dtype, np.integer):
            raise PLSInputError(f"fold_ids must be whole numbers, one row per repetition with "
                                f"one fold id per respondent analysed ({n})",
                                code="invalid_argument")
        for r, row in enumerate(ids):
            labels = np.unique(row)
            if labels.size < 2 or labels[0] < 0:
                raise PLSInputError(f"fold_ids row {r}: give at least 2 folds with ids >= 0",
                                    code="invalid_argument")
            if any(n - int((row == k).sum()) < 3 for k in labels):
                raise PLSInputError(f"fold_ids row {r}: a fold leaves fewer than 3 training "
                                    "respondents", code="invalid_argument")
        return ids.astype(int)
    if seed is None:
        raise PLSInputError("give seed= (a whole number) so the folds can be reproduced, or "
                            "fold_ids=", code="invalid_argument")
    if not 2 <= folds <= n:
        raise PLSInputError(f"folds must be between 2 and n = {n}; got {folds}",
                            code="invalid_argument")
    root = np.random.default_rng(np.random.SeedSequence(seed))
    return np.vstack([cut_folds(root.permutation(n), folds) for _ in range(repeats)])


def _batched(S: np.ndarray, model: PLSModel, kw: dict[str, Any]) -> list[dict | None] | None:
    """Weights, loadings and paths of every training fold at once (the steps of
    :func:`analysis.pls.estimate._solve` without PLSc, on a stack of covariance matrices, with
    :mod:`analysis.pls.batch`'s iteration); None for a fold that did not converge or whose
    predictors are (nearly) collinear, which is then estimated one at a time (and its error
    reported)."""
    from .algorithm import blocks
    from .batch import _outer_weights

    try:
        sd = np.sqrt(np.einsum("kii->ki", S))
        R = S / (sd[:, :, None] * sd[:, None, :])
        with np.errstate(invalid="ignore", divide="ignore"):
            W, conv = _outer_weights(R, model, kw["scheme"], kw["max_iter"], kw["tol"])
        cross = R @ W
        C = np.transpose(W, (0, 2, 1)) @ cross
        loadings = np.zeros_like(W)
        for j, b in enumerate(blocks(model)):
            loadings[:, b, j] = cross[:, b, j]
        names = model.names
        paths = np.zeros((S.shape[0], len(names), len(names)))
        ok = conv & np.all(np.isfinite(W), axis=(1, 2))
        for outcome in model.endogenous:
            j = names.index(outcome)
            P = [names.index(p) for p in model.predictors(outcome)]
            Cpp = C[:, P][:, :, P]
            ok &= np.linalg.cond(Cpp) < 1e12
            Cpp = np.where(ok[:, None, None], Cpp, np.eye(len(P)))
            paths[:, P, j] = np.linalg.solve(Cpp, C[:, P, j][..., None])[..., 0]
    except (np.linalg.LinAlgError, ValueError, FloatingPointError):
        return None
    return [{"W": W[f], "loadings": loadings[f], "paths": paths[f], "sd": sd[f]} if ok[f]
            else None for f in range(S.shape[0])]


def _interaction_model(model: Any) -> Any:
    """The :class:`~analysis.pls.interaction.InteractionModel` of ``model`` when it has
    interaction terms (``X:M``), else None."""
    from .interaction import InteractionModel, parse_interaction_model

    if isinstance(model, InteractionModel):
        return model
    if not isinstance(model, str):
        return None
    try:
        _model(model)
        return None
    except PLSInputError as plain:
        try:
            return parse_interaction_model(model)
        except PLSInputError:
            raise plain from None


def _stage2_model(inter: Any) -> PLSModel:
    """The stage-2 model of the two-stage approach: the constructs, then each interaction
    term as a single-item construct (item ``"X:M.product"``), its paths added (as
    :func:`~analysis.pls.estimate_pls_interaction` builds it)."""
    from .syntax import Construct

    base = inter.base
    terms = tuple(Construct(name=name, items=(f"{name}.product",), mode="A", kind="composite")
                  for name, _, _ in inter.terms)
    return PLSModel(constructs=base.constructs + terms, paths=base.paths + inter.paths,
                    syntax=inter.syntax)


def _with_terms(pairs: list[tuple[np.ndarray, np.ndarray]], inter: Any,
                kw: dict[str, Any]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stage 1 of the two-stage approach on each training set (``pairs``: training and
    test respondents' items, ``inter.base.items`` columns): both matrices with each interaction
    term appended, the product of the stage-1 scores of ``X`` and ``M``, computed for every
    respondent from the training weights, item means and SDs (so the test respondents never
    enter the estimation)."""
    base = inter.base
    pos = [(base.names.index(x), base.names.index(m)) for _, x, m in inter.terms]
    fits = _batched(np.asarray([np.cov(tr, rowvar=False) for tr, _ in pairs]), base, kw)
    out = []
    for f, (tr, te) in enumerate(pairs):
        est = fits[f] if fits is not None and fits[f] is not None else None
        if est is None:
            try:
                est = _solve(base, np.cov(tr, rowvar=False), **kw)
            except PLSInputError as exc:
                raise type(exc)(f"stage 1 of the two-stage interaction term (training on "
                                f"{tr.shape[0]} respondents): {exc}", code=exc.code) from exc
        m, sd, W = tr.mean(axis=0), est["sd"], est["W"]

        def terms(Xp: np.ndarray, m: np.ndarray = m, sd: np.ndarray = sd,
                  W: np.ndarray = W) -> np.ndarray:
            Y = ((Xp - m) / sd) @ W
            return np.column_stack([Y[:, a] * Y[:, b] for a, b in pos])

        out.append((np.column_stack([tr, terms(tr)]), np.column_stack([te, terms(te)])))
    return out


def _lm(Xtr: np.ndarray, Ytr: np.ndarray, Xte: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    A = np.column_stack([np.ones(len(Xtr)), Xtr])
    beta, *_ = np.linalg.lstsq(A, Ytr, rcond=None)
    return A @ beta, np.column_stack([np.ones(len(Xte)), Xte]) @ beta


def predict_pls(data: Any, model: str | PLSModel, *, folds: int = 10, repeats: int = 10,
                seed: int | None = None, technique: str = "DA",
                benchmark: str = "exogenous", fold_ids: Any = None, scheme: str = "path",
                consistent: bool = False, missing: str | None = None,
                missing_value: Any = None, max_iter: int = 300,
                tol: float = 1e-7) -> PLSPrediction:
    """PLSpredict: k-fold, repeated out-of-sample prediction with the LM and naive
    benchmarks (module docstring).

    Parameters
    ----------
    data : pandas.DataFrame or mapping of column name to values
        Respondents in rows, items in columns.
    model : str, PLSModel or InteractionModel
        The model (:func:`~analysis.pls.estimate_pls`), possibly with two-stage interaction
        terms ``X:M`` (:func:`~analysis.pls.estimate_pls_interaction`; module docstring).
    folds : int
        Folds (10 as Shmueli et al., 2019; n gives leave-one-out).
    repeats : int
        Repetitions of the cross-validation with new random folds (10).
    seed : int or None
        Seed of the fold assignment; required unless ``fold_ids`` is given.
    technique : {"DA", "EA"}
        Direct antecedents (seminr's default) or earliest antecedents.
    benchmark : {"exogenous", "antecedents"}
        Predictors of the LM benchmark: the exogenous constructs' indicators (Shmueli et
        al., 2019), or the direct antecedents' indicators (seminr under ``predict_DA``).
    fold_ids : array-like or None
        Explicit folds: one row per repetition, a fold id per respondent analysed.
    scheme, consistent, missing, missing_value, max_iter, tol
        As for :func:`~analysis.pls.estimate_pls`.

    Returns
    -------
    PLSPrediction
        Indicator and construct tables, per-repetition statistics and the predictions.

    Raises
    ------
    PLSInputError
        Bad settings or data (as :func:`~analysis.pls.estimate_pls`), or a training fold
        the model cannot be estimated on (the fold is named).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> f = rng.normal(size=(300, 1)); g = 0.6 * f + 0.8 * rng.normal(size=(300, 1))
    >>> d = pd.DataFrame(np.hstack([f + rng.normal(size=(300, 3)),
    ...                             g + rng.normal(size=(300, 3))]),
    ...                  columns=["x1", "x2", "x3", "y1", "y2", "y3"])
    >>> p = predict_pls(d, "X =~ x1 + x2 + x3; Y =~ y1 + y2 + y3; Y ~ X", seed=1, repeats=2)
    >>> p.constructs[["construct", "q2_positive", "pls_better_rmse"]].to_dict("records")
    [{'construct': 'Y', 'q2_positive': True, 'pls_better_rmse': 3}]
    """
    inter = _interaction_model(model)
    spec = _model(model) if inter is None else _stage2_model(inter)
    base = spec if inter is None else inter.base
    _check_settings(scheme, max_iter, tol)
    if technique not in TECHNIQUES:
        raise PLSInputError(f"technique={technique!r}: use 'DA' (direct antecedents) or 'EA' "
                            "(earliest antecedents)", code="invalid_argument")
    if benchmark not in BENCHMARKS:
        raise PLSInputError(f"benchmark={benchmark!r}: use 'exogenous' or 'antecedents'",
                            code="invalid_argument")
    if fold_ids is None:
        check_n_boot(folds, "folds", minimum=2, error=PLSInputError)
        check_n_boot(repeats, "repeats", minimum=1, error=PLSInputError)
        check_seed(seed, error=PLSInputError)
    d = indicator_data(data, base.items, missing=missing, missing_value=missing_value)
    X, n = d.X, d.n
    ids = _fold_ids(n, folds, repeats, seed, fold_ids)
    items, names = spec.items, spec.names
    endo = spec.endogenous
    endo_items = [i for c in endo for i in spec.construct(c).items]
    e_idx = [items.index(i) for i in endo_items]
    item_construct = {i: c.name for c in spec.constructs for i in c.items}
    lm_x: dict[str, list[int]] = {}
    for c in endo:
        pred = (_exogenous(spec) if benchmark == "exogenous" else spec.predictors(c))
        lm_x[c] = [items.index(i) for p in pred for i in spec.construct(p).items]
    kw = {"scheme": scheme, "consistent": consistent, "standardize": True,
          "max_iter": max_iter, "tol": tol, "n": None}
    X_all = X if inter is None else _with_terms([(X, X)], inter, kw)[0][0]
    full = _solve(spec, np.cov(X_all, rowvar=False), **kw)
    Y_full = (X_all - X_all.mean(axis=0)) / full["sd"] @ full["W"]
    q = len(endo_items)
    R = ids.shape[0]
    pls_oos = np.zeros((R, n, q))
    lm_oos = np.zeros((R, n, q))
    naive = np.zeros((R, n, q))
    pls_is = np.zeros((R, n, q))
    lm_is = np.zeros((R, n, q))
    comp_oos = np.zeros((R, n, len(names)))
    comp_is = np.zeros((R, n, len(names)))
    plan: list[tuple[int, int, np.ndarray]] = []
    for r in range(R):
        for k in np.unique(ids[r]):
            train = ids[r] != k
            flat = [items[j] for j in np.flatnonzero(np.ptp(X[train], axis=0) == 0)]
            if flat:
                raise PLSInputError(
                    f"repetition {r + 1}, fold {int(k) + 1}: item(s) {', '.join(flat)} have one "
                    "answer only among the training respondents; use fewer folds or drop the "
                    "item(s)", code="item_constant")
            plan.append((r, int(k), train))
    if inter is None:
        data_of = [(X[train], X[~train]) for _, _, train in plan]
    else:  # stage 1 on the training folds: the terms of training and test respondents
        data_of = _with_terms([(X[t], X[~t]) for _, _, t in plan], inter, kw)
    covs = [np.cov(Xtr, rowvar=False) for Xtr, _ in data_of]
    fits = _batched(np.asarray(covs), spec, kw) if not consistent else None
    counts = np.zeros((R, n))
    for f, (r, k, train) in enumerate(plan):
        test = ~train
        Xtr, Xte = data_of[f]
        if fits is not None and fits[f] is not None:
            est = fits[f]
        else:
            try:
                est = _solve(spec, covs[f], **kw)
            except PLSInputError as exc:
                raise type(exc)(f"repetition {r + 1}, fold {k + 1} (training on "
                                f"{int(train.sum())} respondents): {exc}",
                                code=exc.code) from exc
        m, s = Xtr.mean(axis=0), est["sd"]
        for rows, Xp, store, cstore in ((test, Xte, pls_oos, comp_oos),
                                        (train, Xtr, pls_is, comp_is)):
            Yh = _predict_scores(((Xp - m) / s) @ est["W"], est["paths"], spec, technique)
            Xh = m + s * (Yh @ est["loadings"].T)
            if store is pls_oos:
                store[r, rows] = Xh[:, e_idx]
                cstore[r, rows] = Yh
            else:
                store[r, rows] += Xh[:, e_idx]
                cstore[r, rows] += Yh
        counts[r, train] += 1
        naive[r, test] = m[e_idx]
        col = 0
        for c in endo:
            dep = [items.index(i) for i in spec.construct(c).items]
            fit_in, fit_out = _lm(Xtr[:, lm_x[c]], Xtr[:, dep], Xte[:, lm_x[c]])
            lm_oos[r, test, col:col + len(dep)] = fit_out
            lm_is[r, train, col:col + len(dep)] += fit_in
            col += len(dep)
    pls_is /= counts[:, :, None]
    lm_is /= counts[:, :, None]
    comp_is /= counts[:, :, None]
    actual = X[:, e_idx]
    e_pls, e_lm, e_naive = actual - pls_oos, actual - lm_oos, actual - naive
    rows = []
    for r in range(R):
        sse_naive = (e_naive[r] ** 2).sum(axis=0)
        for j, item in enumerate(endo_items):
            rows.append({
                "repeat": r + 1, "construct": item_construct[item], "item": item,
                "rmse": float(np.sqrt(np.mean(e_pls[r, :, j] ** 2))),
                "mae": float(np.mean(np.abs(e_pls[r, :, j]))),
                "q2_predict": float(1 - (e_pls[r, :, j] ** 2).sum() / sse_naive[j]),
                "lm_rmse": float(np.sqrt(np.mean(e_lm[r, :, j] ** 2))),
                "lm_mae": float(np.mean(np.abs(e_lm[r, :, j]))),
                "lm_q2_predict": float(1 - (e_lm[r, :, j] ** 2).sum() / sse_naive[j]),
                "is_rmse": float(np.sqrt(np.mean((actual[:, j] - pls_is[r, :, j]) ** 2))),
                "is_mae": float(np.mean(np.abs(actual[:, j] - pls_is[r, :, j]))),
                "lm_is_rmse": float(np.sqrt(np.mean((actual[:, j] - lm_is[r, :, j]) ** 2))),
                "lm_is_mae": float(np.mean(np.abs(actual[:, j] - lm_is[r, :, j]))),
            })
    by_repeat = pd.DataFrame(rows)
    stats = ["rmse", "mae", "q2_predict", "lm_rmse", "lm_mae", "lm_q2_predict", "is_rmse",
             "is_mae", "lm_is_rmse", "lm_is_mae"]
    item_tab = (by_repeat.groupby(["construct", "item"], sort=False)[stats].mean()
                .reset_index())
    item_tab.insert(8, "rmse_diff", item_tab["rmse"] - item_tab["lm_rmse"])
    item_tab.insert(9, "mae_diff", item_tab["mae"] - item_tab["lm_mae"])
    crow = []
    for c in endo:
        sub = item_tab[item_tab["construct"] == c]
        k = len(sub)
        better = int((sub["rmse_diff"] < 0).sum())
        power = ("high" if better == k else "medium" if better > k / 2
                 else "low" if better > 0 else "none")
        j = names.index(c)
        res_oos = Y_full[:, j][None, :] - comp_oos[:, :, j]
        res_is = Y_full[:, j][None, :] - comp_is[:, :, j]
        is_mse = float(np.mean(res_is ** 2))
        oos_mse = float(np.mean(res_oos ** 2))
        crow.append({"construct": c, "items": k,
                     "q2_positive": bool((sub["q2_predict"] > 0).all()),
                     "pls_better_rmse": better,
                     "pls_better_mae": int((sub["mae_diff"] < 0).sum()),
                     "predictive_power": power,
                     "mean_rmse": float(sub["rmse"].mean()),
                     "mean_lm_rmse": float(sub["lm_rmse"].mean()),
                     "mean_q2_predict": float(sub["q2_predict"].mean()),
                     "is_mse": is_mse, "is_mae": float(np.mean(np.abs(res_is))),
                     "oos_mse": oos_mse, "oos_mae": float(np.mean(np.abs(res_oos))),
                     "overfit": (oos_mse - is_mse) / is_mse})
    settings = {"folds": int(len(np.unique(ids[0]))), "repeats": int(R),
                "seed": None if fold_ids is not None else int(seed),
                "fold_ids_given": fold_ids is not None, "technique": technique,
                "benchmark": benchmark, "scheme": scheme, "consistent": bool(consistent),
                "max_iter": int(max_iter), "tol": float(tol), "missing": missing}
    if inter is not None:
        settings["interaction"] = {"method": "two_stage",
                                   "terms": [name for name, _, _ in inter.terms]}
    return PLSPrediction(
        settings=settings, sample=d.record(), items=item_tab, constructs=pd.DataFrame(crow),
        by_repeat=by_repeat,
        predictions=pd.DataFrame(pls_oos.mean(axis=0), index=d.index, columns=endo_items),
        lm_predictions=pd.DataFrame(lm_oos.mean(axis=0), index=d.index, columns=endo_items),
        fold_ids=ids)


#: PLSpredict in a run (Shmueli et al., 2019's recommendation): folds and repetitions.
PREDICT_FOLDS, PREDICT_REPEATS = 10, 10


def predict_section(items, model: Any, *, seed: int, scheme: str = "path",
                    consistent: bool = False,
                    missing: str = "listwise") -> tuple[dict[str, Any] | None, list[str]]:
    """PLSpredict of a model as a run reports it (:func:`predict_pls`):
    10-fold cross-validation repeated 10 times, folds seeded by ``seed``, direct-antecedent
    predictions against the linear-model benchmark on the exogenous constructs' indicators
    (``model`` may hold two-stage interaction terms ``X:M``, each re-formed on the training
    folds).
    Returns the ``pls["predict"]`` section (settings, sample, per-indicator and per-construct
    tables; the per-repetition statistics and case-level predictions are left out; None for a
    model without endogenous constructs) and the warnings (a prediction that cannot be made is
    named with why)."""
    inter = _interaction_model(model)
    if inter is not None:  # two-stage interaction terms X:M
        spec = inter.base
    else:
        model = spec = model if not isinstance(model, str) else parse_pls_model(model)
    if not spec.endogenous:
        return None, []
    try:
        res = predict_pls(items, model, folds=PREDICT_FOLDS, repeats=PREDICT_REPEATS,
                          seed=seed, scheme=scheme, consistent=consistent, missing=missing)
    except PLSInputError as e:
        return None, [f"PLSpredict: not run ({e})"]
    out = res.to_dict()
    del out["by_repeat"]
    return out, []
