"""One step of an invariance sequence: the fit of a level, its comparison with the level
before it and the decision, for groups (:mod:`analysis.sem.invariance`,
:mod:`analysis.sem.partial`) and for waves (:mod:`analysis.sem.longitudinal`).

The decision rule is :class:`InvarianceRule`:

* ``criterion="fit"`` (default): the change in fit from the less to the more constrained
  model.  Following Chen (2007, *Structural Equation Modeling* 14, 464-504), a level is
  **not invariant when ΔCFI <= -.010 together with ΔRMSEA >= .015** (``combine="both"``;
  ``combine="either"`` rejects when either change crosses its threshold, the stricter
  reading of Cheung & Rensvold, 2002, and Chen, 2007, used by :func:`analysis.sem.invariance`).
  With MLM/MLR the robust CFI and RMSEA are compared (Brosseau-Liard & Savalei, 2014).
* ``criterion="chisq"``: the likelihood-ratio (chi-square difference) test, not invariant
  when its p value is below ``alpha``; with MLM/MLR the scaled difference test of Satorra and
  Bentler (2001), lavaan's ``lavTestLRT`` default (:func:`analysis.sem.compare.chisq_difference`).

Whatever the criterion, every row carries both the chi-square difference and the fit changes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from instruments.plain import to_plain

from .compare import chisq_difference
from .errors import SEMInputError
from .result import SEMResult

__all__ = ["LEVEL_KIND", "RULE_NAMES", "InvarianceRule", "compare_levels", "level_row",
           "named_rule"]

#: the parameters each level constrains on top of the level before it
LEVEL_KIND: dict[str, str] = {"metric": "loadings", "scalar": "intercepts",
                              "strict": "residuals"}


@dataclass(frozen=True)
class InvarianceRule:
    """When a more constrained level counts as invariant (see the module docstring)."""

    criterion: str = "fit"
    delta_cfi: float = -0.01
    delta_rmsea: float = 0.015
    combine: str = "both"
    alpha: float = 0.05

    def __post_init__(self) -> None:
        if self.criterion not in ("fit", "chisq"):
            raise SEMInputError(f"criterion must be 'fit' or 'chisq', not {self.criterion!r}",
                                code="invalid_argument")
        if self.combine not in ("both", "either"):
            raise SEMInputError(f"combine must be 'both' or 'either', not {self.combine!r}",
                                code="invalid_argument")

    def describe(self) -> str:
        """The rule in words (for results and the report)."""
        if self.criterion == "chisq":
            return (f"not invariant when the chi-square difference test has p < {self.alpha:g} "
                    "(Satorra-Bentler scaled difference with MLM/MLR)")
        if self.combine == "both":
            return (f"not invariant when ΔCFI <= {self.delta_cfi:g} together with ΔRMSEA >= "
                    f"{self.delta_rmsea:g} (Chen, 2007)")
        return (f"not invariant when ΔCFI <= {self.delta_cfi:g} or ΔRMSEA >= "
                f"{self.delta_rmsea:g} (Cheung & Rensvold, 2002; Chen, 2007)")

    def to_dict(self) -> dict[str, Any]:
        return to_plain({**asdict(self), "text": self.describe()})


#: the rules the command line names (``--invariance-partial``, ``--invariance-criterion``)
RULE_NAMES: tuple[str, ...] = ("fit", "either", "chisq")


def named_rule(name: str) -> InvarianceRule:
    """The rule a command-line name stands for: ``"fit"`` (ΔCFI <= -.01 together with
    ΔRMSEA >= .015; Chen, 2007; the default), ``"either"`` (ΔCFI <= -.01 or ΔRMSEA >= .015,
    the reading of the plain invariance sequence table) or ``"chisq"`` (the chi-square
    difference test, p < .05).

    >>> named_rule("either").combine
    'either'
    """
    if name not in RULE_NAMES:
        raise SEMInputError(f"the invariance rule is one of {', '.join(RULE_NAMES)}, not "
                            f"{name!r}", code="invalid_argument")
    if name == "chisq":
        return InvarianceRule(criterion="chisq")
    return InvarianceRule(criterion="fit", combine="both" if name == "fit" else "either")


def _fm(res: SEMResult, name: str) -> float:
    fm = res.fit_measures
    return float(fm.get(name + ".robust", fm.get(name, math.nan)))


def level_row(level: str, res: SEMResult) -> dict[str, Any]:
    """The fit of one level: npar, chisq, df, pvalue, chisq.scaled, cfi, tli, rmsea, srmr
    (robust CFI/TLI/RMSEA with MLM/MLR), converged."""
    fm = res.fit_measures
    return {
        "model": level, "npar": fm["npar"], "chisq": fm["chisq"], "df": fm["df"],
        "pvalue": fm["pvalue"], "chisq.scaled": fm.get("chisq.scaled", math.nan),
        "cfi": _fm(res, "cfi"), "tli": _fm(res, "tli"), "rmsea": _fm(res, "rmsea"),
        "srmr": fm["srmr"], "converged": res.converged,
    }


def compare_levels(free: SEMResult, restricted: SEMResult, rule: InvarianceRule,
                   ) -> dict[str, Any]:
    """Chi-square difference and fit changes of ``restricted`` against ``free`` and the
    decision: ``chisq.diff, df.diff, pvalue.diff, cfi.diff, rmsea.diff, invariant``."""
    lrt = chisq_difference(restricted, free)
    d_cfi = _fm(restricted, "cfi") - _fm(free, "cfi")
    d_rmsea = _fm(restricted, "rmsea") - _fm(free, "rmsea")
    if rule.criterion == "chisq":
        invariant = not (lrt["pvalue"] < rule.alpha)
    else:
        bad_cfi, bad_rmsea = d_cfi <= rule.delta_cfi, d_rmsea >= rule.delta_rmsea
        bad = (bad_cfi and bad_rmsea) if rule.combine == "both" else (bad_cfi or bad_rmsea)
        invariant = not bad
    return {"chisq.diff": lrt["chisq.diff"], "df.diff": lrt["df.diff"],
            "pvalue.diff": lrt["pvalue"], "cfi.diff": d_cfi, "rmsea.diff": d_rmsea,
            "invariant": bool(invariant)}
