"""Latent interaction (moderation) between two constructs, e.g. affective x forced commitment.

Method: matched-pair product indicators with double mean centering (Marsh, Wen & Hau 2004;
Lin, Wen, Marsh & Lin 2010). Indicators of the two constructs are paired by the rank of their
standardized loadings (best with best), each pair's centred product is centred again, and the
products measure a latent interaction factor that is added as a predictor of the outcome(s).
Matched pairs use every indicator once, so no residual covariances among products are needed,
and double mean centering removes the need for a mean structure. The estimate is the change in
the outcome's slope on one construct per unit of the other (both in their latent metrics).

This is the documented, widely used alternative to latent moderated structural equations
(LMS, Klein & Moosbrugger 2000), which needs numerical integration that the ML core does not do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis import sem
from analysis.blas import one_thread_api
from analysis.sem.syntax import constructs_from_syntax
from instruments.plain import to_plain


@dataclass
class InteractionResult:
    """The interaction paths (one per outcome) and the model that estimated them."""

    x: str
    z: str
    name: str
    pairs: list[tuple[str, str]]
    paths: pd.DataFrame
    fit_measures: dict[str, float]
    model: str
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return to_plain({"x": self.x, "z": self.z, "name": self.name, "pairs": self.pairs,
                         "paths": self.paths, "fit_measures": self.fit_measures,
                         "model": self.model, "warnings": self.warnings})


def product_indicators(data: pd.DataFrame, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """Double-mean-centred products of indicator pairs (Lin et al. 2010), one column per pair."""
    out = {}
    for a, b in pairs:
        p = (data[a] - data[a].mean()) * (data[b] - data[b].mean())
        out[f"{a}_x_{b}"] = p - p.mean()
    return pd.DataFrame(out, index=data.index)


@one_thread_api
def latent_interaction(data: pd.DataFrame, model: str, x: str, z: str,
                       outcomes: list[str] | None = None,
                       estimator: str = "ML") -> InteractionResult:
    """Add the latent interaction ``x`` x ``z`` to ``model`` and estimate its effect(s).

    Matched-pair, double-mean-centred product indicators (Marsh, Wen & Hau 2004; Lin et al.
    2010; see the module docstring). Cases missing an indicator of ``x`` or ``z`` are dropped.

    Parameters
    ----------
    data : DataFrame
        Reverse-keyed item responses, one column per indicator of ``model``.
    model : str
        The structural model in lavaan syntax; ``x`` and ``z`` must be latent constructs of it.
    x, z : str
        The two constructs whose interaction is estimated.
    outcomes : list of str or None
        The outcomes the interaction predicts (default: every variable ``x`` predicts).
    estimator : str, default "ML"
        As :func:`analysis.sem.fit`.

    Returns
    -------
    InteractionResult
        ``paths`` (one row per outcome with lavaan's columns ``lhs, op, rhs, est, se, z,
        pvalue, ci.lower, ci.upper, std.all``), the indicator ``pairs``, the interaction's
        ``name``, the ``model`` fitted, its ``fit_measures`` and ``warnings``.

    Examples
    --------
    >>> from analysis import reverse_keyed, simulate
    >>> from instruments import load_instrument
    >>> inst = load_instrument("five_commitments")
    >>> items = reverse_keyed(simulate(inst, n=400, seed=1).data.items, inst)
    >>> model = ("affective =~ aff_01 + aff_02 + aff_03 + aff_04r; "
    ...          "forced =~ for_01 + for_02 + for_03 + for_04; "
    ...          "satisfaction =~ sat_01 + sat_02 + sat_03; satisfaction ~ affective + forced")
    >>> result = latent_interaction(items, model, "affective", "forced")
    >>> result.name, result.pairs[0]
    ('affective_x_forced', ('aff_01', 'for_02'))
    >>> bool(result.paths.loc[0, "pvalue"] > 0.05)  # the population has no interaction
    True
    """
    measures = constructs_from_syntax(model)
    for name in (x, z):
        if name not in measures:
            raise sem.SEMInputError(f"'{name}' is not a latent construct of the model "
                                    f"(constructs: {', '.join(measures)})")
    cols = [i for c in (x, z) for i in measures[c]]
    sub = data.dropna(subset=cols).copy()
    n_dropped = len(data) - len(sub)
    cfa = sem.fit("\n".join(f"{c} =~ {' + '.join(measures[c])}" for c in (x, z)), sub,
                  estimator=estimator)
    load = cfa.estimates[cfa.estimates.op == "=~"].set_index(["lhs", "rhs"])["std.all"]

    def ranked(c: str) -> list[str]:
        return sorted(measures[c], key=lambda i: -load[(c, i)])

    pairs = list(zip(ranked(x), ranked(z), strict=False))
    prods = product_indicators(sub, pairs)
    sub = pd.concat([sub, prods], axis=1)
    name = f"{x}_x_{z}"
    fitted = sem.fit(model, sub, estimator=estimator)
    est = fitted.estimates
    if outcomes is None:
        outcomes = sorted(set(est[(est.op == "~") & (est.rhs == x)].lhs))
    if not outcomes:
        raise sem.SEMInputError(f"'{x}' predicts nothing in the model; name the outcome(s)")
    lines = [model, f"{name} =~ " + " + ".join(prods.columns)]
    lines += [f"{o} ~ {name}" for o in outcomes]
    full = sem.fit("\n".join(lines), sub, estimator=estimator)
    e = full.estimates
    paths = e[(e.op == "~") & (e.rhs == name)][["lhs", "op", "rhs", "est", "se", "z", "pvalue",
                                                 "ci.lower", "ci.upper", "std.all"]]
    warnings = list(full.warnings)
    if n_dropped:
        warnings.append(f"{n_dropped} case(s) with missing indicators of {x} or {z} were left out")
    if len(measures[x]) != len(measures[z]):
        k = len(pairs)
        warnings.append(f"{x} and {z} have different numbers of indicators; the {k} best-loading "
                        "of each were paired")
    return InteractionResult(x, z, name, pairs, paths.reset_index(drop=True),
                             dict(full.fit_measures), "\n".join(lines), warnings)
