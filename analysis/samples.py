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

from collections.abc import Mapping
from typing import Any

from instruments.errors import EngagekitInputError

__all__ = ["HANDLING_WORDS", "MISSING_METHODS", "describe_missing", "missing_method",
           "n_phrase", "sample_phrase", "sample_record", "sem_variables"]

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


#: How each handling reads after "N = n" in a table note or the terminal.
HANDLING_WORDS = {
    "complete": "no missing answers",
    "listwise": "listwise: the respondents who answered every item involved",
    "fiml": "FIML: every answer used",
    "em": "every answer used, through the EM covariances of the FIML fit",
    "available": "each item on the respondents who answered it",
    "listwise (no FIML)": "listwise: polychoric correlations need complete answers",
}


def sample_phrase(record: Mapping[str, Any]) -> str:
    """``N = 302 (listwise: the respondents who answered every item involved)``."""
    words = HANDLING_WORDS.get(record["missing"], record["missing"])
    note = f"; {record['note']}" if record.get("note") else ""
    return f"N = {int(record['n']):,} ({words}{note})"


def n_phrase(record: Mapping[str, Any] | None, n: int | None = None) -> str:
    """``N = 450`` when no one in the analysis had a missing answer (or no record), else
    ``N = 302, listwise: ...`` (to sit inside parentheses)."""
    if not record or record.get("missing") == "complete":
        return f"N = {int(record['n'] if record else n)}"
    words = HANDLING_WORDS.get(record["missing"], record["missing"])
    return f"N = {int(record['n']):,}, {words}"


def _rests_on(models: list[tuple[str, Mapping[str, Any]]]) -> str:
    """"the CFA rests on 302 respondents and the structural model on 298"."""
    parts = [f"{name} {'rests on ' if k == 0 else 'on '}{int(r['n']):,}"
             + (" respondents" if k == 0 else "") for k, (name, r) in enumerate(models)]
    return " and ".join(parts)


def describe_missing(samples: Mapping[str, Mapping[str, Any]], chosen: bool = True,
                     n_total: int | None = None) -> str | None:
    """One or two sentences on the missing answers and what was done with them: how many
    respondents had one, the handling, whether it was chosen, and the N of the CFA and the
    structural model. None when no analysis had a missing answer."""
    recs = [r for k, r in samples.items() if k != "kept"]
    touched = max([int(r.get("n_incomplete") or 0) for r in recs] or [0])
    if not touched:
        return None
    if n_total is None:
        kept = samples.get("kept")
        n_total = int(kept["n"]) if kept else max(int(r["n"]) + int(r.get("n_excluded") or 0)
                                                  for r in recs)
    fiml = any(r["missing"] in ("fiml", "em") for r in recs)
    text = (f"{touched:,} of {n_total:,} respondents left at least one item of the models "
            "unanswered")
    models = [(name, samples[key]) for key, name in (("cfa", "the CFA"),
                                                       ("structural", "the structural model"))
              if key in samples]
    if fiml:
        text += ("; full-information maximum likelihood (FIML) used every answer: "
                 + _rests_on(models)
                 + (", and alpha, omega, AVE, HTMT and the other statistics computed from item "
                    "covariances use the FIML fit's EM (saturated-model) covariances"
                    if any(r["missing"] == "em" for r in recs) else "") + ".")
    else:
        how = ("no missing-data handling was chosen, so the default, listwise deletion, left "
               "them out" if not chosen else "they were left out (listwise deletion, as chosen)")
        text += (f"; {how}: " + _rests_on(models) + ", the respondents who answered every "
                 "item involved. FIML (--missing fiml) would use every answer.")
    return text
