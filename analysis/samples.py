"""The analysed sample of each analysis: its N and how missing answers were handled.

Every analysis of a study records one :func:`sample_record` (plain data, in the results), so
that a report can say for each number how many respondents it rests on. Missing answers are
handled in one of two ways, spelled the same in the API, the command line and the results:

* ``"listwise"``: the analysis uses the respondents who answered every item it involves;
* ``"fiml"``: full-information maximum likelihood (Arbuckle 1996; Enders & Bandalos 2001):
  model fits use every respondent's answered items, and statistics computed from item
  covariances (alpha, item-rest correlations, omega's and AVE's observed variances, HTMT,
  KMO, Bartlett, EFA, Harman) use the saturated-model (EM) means and covariances of all of
  them (Dempster, Laird & Rubin 1977; Enders 2003 for alpha), as lavaan's ``missing = "ml"``
  and semTools do.

A record's ``missing`` says what was actually done: ``"complete"`` when none of the
respondents in the analysis had a missing answer, ``"listwise"``, ``"fiml"``, ``"em"``
(statistics from the EM covariance matrix), ``"available"`` (each item on its own answers),
or ``"listwise (no FIML)"`` for a statistic that needs complete rows even under FIML
(polychoric correlations).
"""

from __future__ import annotations

from typing import Any

from instruments.errors import EngagekitInputError

__all__ = ["MISSING_METHODS", "missing_method", "sample_record", "sem_variables"]

#: The missing-data handlings a user can choose.
MISSING_METHODS = ("listwise", "fiml")
# lavaan's synonyms for FIML, accepted so that code written against the sem core still works
_SYNONYMS = {"ml": "fiml", "direct": "fiml"}


def missing_method(value: str) -> str:
    """``"listwise"`` or ``"fiml"`` (case-insensitive; lavaan's ``"ml"`` means ``"fiml"``)."""
    v = str(value).strip().lower()
    v = _SYNONYMS.get(v, v)
    if v not in MISSING_METHODS:
        raise EngagekitInputError(
            f"missing={value!r} is not a missing-data handling; use 'listwise' (respondents "
            "who answered every item of the analysis) or 'fiml' (full-information maximum "
            "likelihood, every answer used)")
    return v


def sample_record(label: str, n: int, missing: str, *, n_incomplete: int = 0,
                  n_excluded: int = 0, note: str = "") -> dict[str, Any]:
    """One analysis's sample: ``label`` (what ran), ``n`` (respondents whose answers the
    estimates used), ``missing`` (how missing answers were handled, see the module
    docstring), ``n_incomplete`` (respondents in the analysis with at least one missing
    answer), ``n_excluded`` (respondents left out because of missing answers) and ``note``."""
    return {"label": label, "n": int(n), "missing": missing, "n_incomplete": int(n_incomplete),
            "n_excluded": int(n_excluded), "note": note}


def sem_variables(model: str) -> list[str]:
    """The observed variables of a lavaan-syntax model, in lavaan's order."""
    from analysis.sem.partable import build_partable
    from analysis.sem.syntax import parse_model

    return list(build_partable(parse_model(model), ngroups=1, meanstructure=False).ov_names)
