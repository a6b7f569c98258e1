"""Multi-group path comparison (lavaan reference) and latent interaction (parameter recovery)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import semopy.examples

from analysis.structural.groups import compare_paths
from analysis.structural.interaction import latent_interaction

HS = "visual =~ x1+x2+x3\ntextual =~ x4+x5+x6\nspeed =~ x7+x8+x9\nspeed ~ visual + textual"


def test_path_differences_across_groups_match_lavaan():
    # R, lavaan 0.6-14 on HolzingerSwineford1939, group = "school":
    #   f0 <- sem(HS, group.equal = "loadings")                      chisq 124.043544
    #   f1 <- sem(HS, group.equal = c("loadings", "regressions"))    chisq 127.459538
    #   speed ~ c(a,a)*visual + textual   (loadings equal)           chisq 127.090614
    #   speed ~ visual + c(b,b)*textual   (loadings equal)           chisq 124.398765
    #   parameterEstimates(f0): speed~visual 0.144 (.090) / 0.400 (.125); std .234 / .494
    data = semopy.examples.holzinger39.get_data()
    res = compare_paths(data, HS, "school")
    assert res.fit_free["chisq"] == pytest.approx(124.043544, abs=1e-3)
    assert res.omnibus["chisq.diff"] == pytest.approx(127.459538 - 124.043544, abs=1e-3)
    assert res.omnibus["df.diff"] == 2
    t = res.paths.set_index("rhs")
    assert t.loc["visual", "chisq.diff"] == pytest.approx(127.090614 - 124.043544, abs=1e-3)
    assert t.loc["textual", "chisq.diff"] == pytest.approx(124.398765 - 124.043544, abs=1e-3)
    g1, g2 = res.groups
    assert t.loc["visual", f"est[{g1}]"] == pytest.approx(.144, abs=1e-3)
    assert t.loc["visual", f"est[{g2}]"] == pytest.approx(.400, abs=1e-3)
    assert t.loc["visual", f"std[{g2}]"] == pytest.approx(.494, abs=1e-3)
    assert bool(t.loc["visual", "differs"]) is False  # p = .081


def test_latent_interaction_recovers_a_planted_moderation():
    rng = np.random.default_rng(12)
    n = 6000
    xi = rng.multivariate_normal([0, 0], [[1, .3], [.3, 1]], size=n)
    eta = .4 * xi[:, 0] - .2 * xi[:, 1] + .3 * xi[:, 0] * xi[:, 1] + rng.normal(scale=.7, size=n)
    cols = {}
    for name, f in (("a", xi[:, 0]), ("f", xi[:, 1]), ("y", eta)):
        for j, lam in enumerate((1.0, .9, .8)):
            cols[f"{name}{j + 1}"] = lam * f + rng.normal(scale=.6, size=n)
    df = pd.DataFrame(cols)
    model = "aff =~ a1+a2+a3\nforced =~ f1+f2+f3\nloy =~ y1+y2+y3\nloy ~ aff + forced"
    res = latent_interaction(df, model, "aff", "forced")
    row = res.paths.set_index("lhs").loc["loy"]
    assert row["est"] == pytest.approx(.3, abs=.04)
    assert row["pvalue"] < 1e-6
    assert res.pairs == [("a1", "f1"), ("a2", "f2"), ("a3", "f3")]


def test_interaction_without_planted_effect_is_not_significant_and_names_bad_input():
    rng = np.random.default_rng(3)
    n = 2000
    xi = rng.normal(size=(n, 2))
    eta = .4 * xi[:, 0] + rng.normal(size=n)
    cols = {f"{nm}{j}": f + rng.normal(scale=.6, size=n)
            for nm, f in (("a", xi[:, 0]), ("f", xi[:, 1]), ("y", eta)) for j in (1, 2, 3)}
    model = "aff =~ a1+a2+a3\nforced =~ f1+f2+f3\nloy =~ y1+y2+y3\nloy ~ aff + forced"
    res = latent_interaction(pd.DataFrame(cols), model, "aff", "forced")
    assert abs(res.paths.iloc[0]["est"]) < .08
    with pytest.raises(ValueError, match="not a latent construct"):
        latent_interaction(pd.DataFrame(cols), model, "aff", "habit")
