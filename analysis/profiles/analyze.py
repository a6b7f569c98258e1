"""The whole latent profile analysis of construct scores: :func:`latent_profiles`.

Steps (Spurk et al., 2020, "Latent profile analysis: a review and 'how to' guide"):

1. fit every model family with 1..K profiles from many seeded random starts
   (:func:`~analysis.profiles.compare.compare_profiles`) and tabulate the comparison;
2. choose the model with the smallest BIC (or the one asked for), and run the bootstrap
   likelihood-ratio test (:mod:`~analysis.profiles.blrt`) for that family's k vs k - 1;
3. describe the profiles (size, means, standardised means) and relate them to the outcomes
   correcting for classification error (:mod:`~analysis.profiles.outcomes`): by default with
   the BCH method, which Bakk & Vermunt (2016) recommend for continuous distal outcomes
   because, unlike the ML three-step approach (``outcome_method="ml3"``), it stays unbiased
   when the outcome's variance differs across profiles or is not normal within them;
4. cross-tabulate the modal profiles with given segments (e.g. Dick & Basu's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.arguments import check_level, check_n_boot, check_seed
from analysis.blas import one_thread_api
from analysis.profiles.compare import ProfileComparison, blrt_choice, compare_profiles
from analysis.profiles.errors import ProfilesInputError
from analysis.profiles.fit import FAMILIES, MixtureFit, check_family
from analysis.profiles.outcomes import classification_error, crosstab, outcome_means

__all__ = ["BLRT_STOP_EXCEED", "OUTCOME_METHODS", "ProfileResult", "check_outcome_method",
           "latent_profiles", "parse_k"]

#: The outcome methods the analysis offers, by their results.json name: the BCH weighting
#: (Bolck, Croon & Hagenaars, 2004; Bakk & Vermunt, 2016; the default) and the ML three-step
#: approach (Vermunt, 2010; Bakk, Tekle & Vermunt, 2013), see
#: :func:`~analysis.profiles.outcomes.outcome_means`.
OUTCOME_METHODS: dict[str, str] = {"bch": "BCH", "ml3": "ML three-step"}

#: Besag & Clifford's ``h`` for the BLRT draws: a test stops once this many draws reached the
#: observed statistic (:func:`~analysis.profiles.blrt.bootstrap_lrt`).
BLRT_STOP_EXCEED = 10


def parse_k(text: str | int | Sequence[int]) -> list[int]:
    """Numbers of profiles from ``"1-6"``, ``"2,3,5"``, ``4`` (1..4) or a list.

    Examples
    --------
    >>> parse_k("1-6"), parse_k("2,4"), parse_k(3)
    ([1, 2, 3, 4, 5, 6], [2, 4], [1, 2, 3])
    """
    if isinstance(text, int | np.integer):
        values = list(range(1, int(text) + 1))
    elif isinstance(text, str):
        values = []
        try:
            for part in text.replace(" ", "").split(","):
                if "-" in part:
                    a, b = (int(v) for v in part.split("-", 1))
                    values.extend(range(a, b + 1))
                elif part:
                    values.append(int(part))
        except ValueError:
            raise ProfilesInputError(
                f"numbers of profiles {text!r}: write a range such as 1-6 or a list such as "
                "2,3,4") from None
    else:
        values = [int(v) for v in text]
    values = sorted(set(values))
    if not values or values[0] < 1:
        raise ProfilesInputError(
            f"numbers of profiles {text!r}: give whole numbers >= 1, e.g. 1-6")
    return values


def check_outcome_method(method: str) -> str:
    """The outcome method's name (``"bch"`` or ``"ml3"``, any case), checked.

    Examples
    --------
    >>> check_outcome_method("ML3")
    'ml3'
    """
    name = str(method).strip().lower()
    if name not in OUTCOME_METHODS:
        raise ProfilesInputError(
            f"outcome method {method!r}: use bch (the BCH weighting, the default) or ml3 (the "
            "ML three-step approach)")
    return name


@dataclass
class ProfileResult:
    """A latent profile analysis (see :func:`latent_profiles`); ``to_dict()`` is results.json's
    ``profiles`` section."""

    indicators: list[str]
    outcomes: list[str]
    n: int
    n_incomplete: int
    settings: dict[str, Any]
    comparison: pd.DataFrame
    family: str
    k: int
    chosen_by: str
    blrt_k: int | None
    profiles: pd.DataFrame
    means: pd.DataFrame
    outcome_means: pd.DataFrame
    outcome_differences: pd.DataFrame
    outcome_tests: pd.DataFrame
    modal_outcome_means: pd.DataFrame
    classification: pd.DataFrame
    crosstab: pd.DataFrame | None
    segment_name: str | None
    fit: MixtureFit | None = field(default=None, repr=False)
    membership: pd.DataFrame | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready data (:func:`instruments.plain.to_plain`)."""
        from instruments.plain import to_plain

        return to_plain({
            "indicators": self.indicators, "outcomes": self.outcomes, "n": self.n,
            "n_incomplete": self.n_incomplete, "settings": self.settings,
            "comparison": self.comparison, "selected": {
                "family": self.family, "k": self.k, "chosen_by": self.chosen_by,
                "blrt_k": self.blrt_k, "description": FAMILIES[self.family]},
            "profiles": self.profiles, "means": self.means,
            "outcome_means": self.outcome_means,
            "outcome_differences": self.outcome_differences,
            "outcome_tests": self.outcome_tests,
            "modal_outcome_means": self.modal_outcome_means,
            "classification": self.classification,
            "crosstab": None if self.crosstab is None else {
                "segment": self.segment_name, "rows": list(self.crosstab.index),
                "columns": list(self.crosstab.columns),
                "counts": self.crosstab.to_numpy().tolist()},
        })


@one_thread_api
def latent_profiles(scores: pd.DataFrame, indicators: Sequence[str],
                    outcomes: Sequence[str] = (), *, segments: pd.Series | None = None,
                    k: str | int | Sequence[int] = "1-6",
                    families: Sequence[str] = ("EEI", "VVI", "EEE", "VVV"),
                    n_starts: int = 20, n_boot: int = 100, seed: int = 1, level: float = 0.95,
                    family: str | None = None, n_profiles: int | None = None,
                    blrt_all: bool = False, outcome_method: str = "bch",
                    n_jobs: int | None = None, progress: bool | None = None) -> ProfileResult:
    """Latent profile analysis of construct scores, with outcomes by profile.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per respondent; the indicator and outcome columns (e.g. scale scores).
    indicators : sequence of str
        The columns profiled (e.g. the five commitments); rows missing any are left out.
    outcomes : sequence of str
        Columns compared across profiles, corrected for classification error (e.g.
        satisfaction, loyalty; ``outcome_method``).
    segments : pandas.Series or None
        A segment per row (e.g. Dick & Basu's) to cross-tabulate with the modal profiles.
    k : str, int or sequence of int
        Numbers of profiles: ``"1-6"``, ``"2,3,4"``, 6 (1..6) or a list (:func:`parse_k`).
    families : sequence of str
        Model families compared (:data:`~analysis.profiles.fit.FAMILIES`).
    n_starts : int
        Random starts per model.
    n_boot : int
        Bootstrap draws of each BLRT at most (0: none), run for the chosen family. The tests
        run for k = 2, 3, ... and stop after the first non-significant one (at the 5% level;
        the BLRT's choice is read up to there), and each test's draws stop once 10 reached
        the observed statistic (Besag & Clifford, 1991; such a p-value is above .10 when
        ``n_boot`` <= 100), see :mod:`~analysis.profiles.blrt`.
    seed : int
        Seed of every random start and draw.
    level : float
        Confidence level of the outcome intervals.
    family, n_profiles : str or None, int or None
        The model to describe (default: the smallest BIC; either alone fixes that part).
    blrt_all : bool
        Run every k's BLRT with all ``n_boot`` draws (neither stopping rule).
    outcome_method : str
        How the outcome means are corrected for classification error: ``"bch"`` (the BCH
        weighting, the default) or ``"ml3"`` (the ML three-step approach), see
        :func:`~analysis.profiles.outcomes.outcome_means`.
    n_jobs : int or None
        Worker processes for the model fits and the BLRT draws (None: all cores; the same
        result for any).
    progress : bool or None
        Progress bars for the BLRT (None: for 20 draws or more).

    Returns
    -------
    ProfileResult
        The comparison table, the chosen model's profiles and outcomes by profile.

    Examples
    --------
    >>> rng = np.random.default_rng(5)
    >>> g = rng.integers(0, 2, 200)
    >>> df = pd.DataFrame({"a": rng.normal(3 * g), "b": rng.normal(-3 * g),
    ...                    "loyalty": rng.normal(g)})
    >>> res = latent_profiles(df, ["a", "b"], ["loyalty"], k="1-3", families=["EEI"],
    ...                       n_starts=4, n_boot=0)
    >>> res.family, res.k, len(res.comparison)
    ('EEI', 2, 3)
    """
    level = check_level(level)
    outcome_method = check_outcome_method(outcome_method)
    n_boot = check_n_boot(n_boot)
    seed = check_seed(seed)
    ks = parse_k(k)
    indicators, outcomes = list(indicators), list(outcomes)
    if len(indicators) < 1:
        raise ProfilesInputError("give at least one indicator (construct) to profile")
    for name in [*indicators, *outcomes]:
        if name not in scores.columns:
            raise ProfilesInputError(
                f"column {name!r} is not in the data; available: "
                f"{', '.join(map(str, scores.columns))}")
    x = scores[indicators].apply(pd.to_numeric, errors="coerce")
    complete = x.notna().all(axis=1).to_numpy()
    xv = x[complete].to_numpy(dtype=float)
    if len(xv) < 10:
        raise ProfilesInputError(
            f"only {len(xv)} respondents have every indicator ({', '.join(indicators)}); a "
            "latent profile analysis needs many more")
    constant = [c for c, s in zip(indicators, xv.std(axis=0), strict=True) if not s > 0]
    if constant:
        raise ProfilesInputError(
            f"indicator {constant[0]!r} has the same value for every respondent; drop it")
    fams = [check_family(f) for f in families]
    if family is not None and check_family(family) not in fams:
        fams.append(check_family(family))
    if n_profiles is not None and n_profiles not in ks:
        ks = sorted({*ks, int(n_profiles)})
    cmp: ProfileComparison = compare_profiles(xv, k=ks, families=fams, n_starts=n_starts,
                                              n_boot=0, seed=seed, n_jobs=n_jobs)
    table = cmp.table
    pick = table
    if family is not None:
        pick = pick[pick["family"] == check_family(family)]
    if n_profiles is not None:
        pick = pick[pick["k"] == int(n_profiles)]
    row = pick.loc[pick["bic"].idxmin()]
    chosen = cmp.fits[(row["family"], int(row["k"]))]
    chosen_by = "bic" if family is None and n_profiles is None else "user"
    if n_boot > 0:
        cmp.add_blrt(chosen.family, n_boot=n_boot, seed=seed,
                     stop_exceed=None if blrt_all else BLRT_STOP_EXCEED, every_k=blrt_all,
                     n_jobs=n_jobs, progress=progress)
    blrt_k = blrt_choice(cmp.table, chosen.family) if n_boot > 0 else None

    labels = [str(i + 1) for i in range(chosen.k)]
    modal = chosen.modal
    profiles = pd.DataFrame({
        "profile": labels, "share": chosen.weights,
        "n_modal": np.bincount(modal, minlength=chosen.k),
        "avepp": [float(chosen.posterior[modal == j, j].mean()) if (modal == j).any()
                  else np.nan for j in range(chosen.k)]})
    std_means = chosen.standardized_means
    means = pd.DataFrame([
        {"profile": labels[j], "indicator": ind, "mean": chosen.means[j, i],
         "sd": float(np.sqrt(chosen.covariances[j, i, i])), "std.mean": std_means[j, i]}
        for j in range(chosen.k) for i, ind in enumerate(indicators)])
    empty = pd.DataFrame()
    if outcomes and chosen.k > 1:
        y = scores.loc[complete, outcomes].reset_index(drop=True)
        o_means, o_diffs, o_tests = outcome_means(chosen.posterior, y, method=outcome_method,
                                                  level=level, labels=labels)
        m_means, _, _ = outcome_means(chosen.posterior, y, method="modal", level=level,
                                      labels=labels)
    else:
        o_means = o_diffs = o_tests = m_means = empty
    d = classification_error(chosen.posterior)
    classification = pd.DataFrame(d, index=labels, columns=labels)
    table_seg = None
    seg_name = None
    if segments is not None:
        seg = pd.Series(np.asarray(segments, dtype=object)[complete])
        table_seg = crosstab(modal, seg, labels=labels)
        seg_name = str(getattr(segments, "name", None) or "segment")
    membership = pd.DataFrame(chosen.posterior, columns=[f"p{lab}" for lab in labels],
                              index=scores.index[complete])
    membership.insert(0, "profile", [labels[j] for j in modal])
    return ProfileResult(
        indicators=indicators, outcomes=outcomes, n=int(len(xv)),
        n_incomplete=int((~complete).sum()),
        settings={"k": ks, "families": fams, "n_starts": n_starts, "n_boot": n_boot,
                  "blrt_stop_exceed": None if blrt_all else BLRT_STOP_EXCEED,
                  "blrt_every_k": blrt_all, "seed": seed, "level": level, "estimator": "scikit-learn GaussianMixture "
                  "(EM), standardised indicators", "outcome_method": outcome_method},
        comparison=cmp.table, family=chosen.family, k=chosen.k, chosen_by=chosen_by,
        blrt_k=blrt_k, profiles=profiles, means=means, outcome_means=o_means,
        outcome_differences=o_diffs, outcome_tests=o_tests, modal_outcome_means=m_means,
        classification=classification, crosstab=table_seg, segment_name=seg_name,
        fit=chosen, membership=membership)
