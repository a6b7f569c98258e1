"""One vocabulary for the public API: level, n_boot, seed, n_jobs, scheduler; boundary checks
in the caller's terms; old names as deprecated aliases."""

from __future__ import annotations

import dataclasses
import inspect
import warnings

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis.arguments import REMOVED_IN
from analysis.psychometrics.reliability import alpha_table, cronbach_alpha
from analysis.psychometrics.validation import ValidationSettings
from analysis.psychometrics.validity import htmt
from analysis.responses.scoring import ScoringError, ScoringSettings, net_promoter
from analysis.structural.effects import EffectsInputError, estimate_effects
from analysis.structural.power import PowerInputError, power_analysis
from analysis.structural.regression import ols_table
from analysis.study import StudySettings
from instruments.errors import EngagekitInputError, InvalidArgumentError

#: Names that mean a confidence level, a resample count, a seed or workers under another name.
OLD_NAMES = {"ci", "ci_level", "confidence", "conf_level", "htmt_ci", "htmt_boot", "boot",
             "n_bootstrap", "random_state", "jobs", "workers", "n_workers"}


def _items(n: int = 200, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 2))
    cols = {f"a{i}": f[:, 0] + rng.normal(scale=.7, size=n) for i in range(3)}
    cols |= {f"b{i}": f[:, 1] + rng.normal(scale=.7, size=n) for i in range(3)}
    return pd.DataFrame(cols)


def test_public_names_use_the_glossary():
    """No public function or settings field of `analysis` uses an old name."""
    for name in analysis.__all__:
        obj = getattr(analysis, name)
        names = ([f.name for f in dataclasses.fields(obj)] if dataclasses.is_dataclass(obj)
                 else list(inspect.signature(obj).parameters))
        assert not set(names) & OLD_NAMES, (name, set(names) & OLD_NAMES)
    for fn in (cronbach_alpha, alpha_table, htmt, net_promoter):
        assert "level" in inspect.signature(fn).parameters
    assert "Glossary" in analysis.__doc__ and "``level``" in analysis.__doc__


@pytest.mark.parametrize("call, message", [
    (lambda: StudySettings(n_boot=-1), "n_boot must be a whole number >= 0; got -1"),
    (lambda: StudySettings(n_boot=10.5), "n_boot must be a whole number >= 0; got 10.5"),
    (lambda: StudySettings(seed="7"), "seed must be a whole number >= 0; got '7'"),
    (lambda: StudySettings(n_jobs=0), "n_jobs must be a whole number >= 1, or None for all "
                                      "cores; got 0"),
    (lambda: StudySettings(scheduler=""), "scheduler must be None, 'dask' or a Dask scheduler"),
    (lambda: ValidationSettings(level=1.5), "level must be in (0, 1); got 1.5"),
    (lambda: ValidationSettings(level=95), "level must be in (0, 1); got 95 (a level, not a "
                                           "percentage: 0.95 for 95%)"),
    (lambda: ValidationSettings(htmt_level=0), "htmt_level must be in (0, 1); got 0"),
    (lambda: ValidationSettings(htmt_n_boot=True), "htmt_n_boot must be a whole number"),
    (lambda: ValidationSettings(seed=-3), "seed must be a whole number >= 0; got -3"),
    (lambda: ScoringSettings(level=1.0), "level must be in (0, 1); got 1.0"),
])
def test_settings_say_what_is_wrong_in_the_callers_terms(call, message):
    with pytest.raises(EngagekitInputError) as exc:
        call()
    assert str(exc.value).startswith(message)
    assert isinstance(exc.value, ValueError) and exc.value.code in ("invalid_argument",
                                                                    "scoring_input")


def test_functions_check_their_arguments_with_their_own_error_class():
    data = _items()
    model = "A =~ a0 + a1 + a2\nB =~ b0 + b1 + b2\nB ~ A"
    with pytest.raises(EffectsInputError, match=r"^level must be in \(0, 1\); got 1.5$"):
        estimate_effects(data, model, level=1.5)
    with pytest.raises(EffectsInputError, match=r"^n_jobs must be a whole number >= 1"):
        estimate_effects(data, model, n_boot=10, n_jobs=-1)
    with pytest.raises(EffectsInputError, match=r"^seed must be a whole number >= 0; got 1.5"):
        estimate_effects(data, model, seed=1.5)
    with pytest.raises(PowerInputError, match=r"^scheduler must be None"):
        power_analysis("five_commitments", ns=[100], reps=2, scheduler=3)
    with pytest.raises(InvalidArgumentError):  # a plain ValueError to callers that catch that
        ValidationSettings(level=2)
    with pytest.raises(ScoringError, match="level must be in"):
        net_promoter(pd.Series([9, 10, 3]), level=95)


def test_old_names_still_work_with_a_deprecation_warning():
    data = _items()
    blocks = {"A": ["a0", "a1", "a2"], "B": ["b0", "b1", "b2"]}
    with pytest.warns(DeprecationWarning, match=rf"cronbach_alpha\(\): 'ci' is deprecated, use "
                      rf"'level' \(the old name is removed in engagekit {REMOVED_IN}\)"):
        old = cronbach_alpha(data, blocks["A"], ci=0.9)
    assert old == cronbach_alpha(data, blocks["A"], level=0.9)
    assert old.ci_level == 0.9 and old.feldt_low < old.alpha < old.feldt_high
    with pytest.warns(DeprecationWarning, match="htmt"):
        a = htmt(data, blocks, n_boot=20, seed=3, ci=0.8).to_dict()
    assert a == htmt(data, blocks, n_boot=20, seed=3, level=0.8).to_dict()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = ValidationSettings(ci_level=0.9, htmt_boot=50, htmt_ci=0.8)
    assert sorted(str(w.message).split(":")[1].split(" is")[0] for w in caught
                  if w.category is DeprecationWarning) == [" 'ci_level'", " 'htmt_boot'",
                                                           " 'htmt_ci'"]
    assert (s.level, s.htmt_n_boot, s.htmt_level) == (0.9, 50, 0.8)
    assert dataclasses.asdict(s)["level"] == 0.9 and "ci_level" not in dataclasses.asdict(s)
    with pytest.warns(DeprecationWarning, match="'htmt_boot' is deprecated"):
        assert s.htmt_boot == 50  # reading the old attribute still works
    with pytest.warns(DeprecationWarning, match="'confidence' is deprecated"):
        assert ScoringSettings(confidence=0.9) == ScoringSettings(level=0.9)
    with pytest.warns(DeprecationWarning, match="net_promoter"):
        assert net_promoter(pd.Series([9, 10, 3, 7]), confidence=0.9) == net_promoter(
            pd.Series([9, 10, 3, 7]), level=0.9)
    # alpha = 1 - level for the regression intervals
    reg = pd.DataFrame({"y": data.a0, "x": data.b0, "z": data.a1})
    with pytest.warns(DeprecationWarning, match="'alpha' is deprecated, use 'level'"):
        t_old = ols_table(reg, "y", ["x", "z"], alpha=0.1).table
    pd.testing.assert_frame_equal(t_old, ols_table(reg, "y", ["x", "z"], level=0.9).table)
    # both names at once is a mistake, said plainly
    with pytest.raises(InvalidArgumentError, match="pass 'level' only"):
        cronbach_alpha(data, blocks["A"], ci=0.9, level=0.9)


def test_new_names_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ValidationSettings(level=0.9, htmt_n_boot=10, htmt_level=0.8)
        ScoringSettings(level=0.9)
        StudySettings(n_boot=0, seed=1, n_jobs=1, scheduler=None)
