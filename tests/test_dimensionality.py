"""Tests for analysis.psychometrics.dimensionality against psych 2.2.9 (with GPArotation 2022.10-2).

Reference numbers come from tests/data/psy_reference.R; the R call is quoted with each value.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from semopy.examples import holzinger39

from analysis.psychometrics.dimensionality import (
    bartlett_sphericity,
    efa,
    kmo,
    parallel_analysis,
    rotate_loadings,
)
from analysis.psychometrics.items import ConstantItemError, PsychometricInputError

TOL = 1e-6
EFA_TOL = 1e-4  # psych's optimiser (L-BFGS-B, factr 1e7) and GPArotation's eps = 1e-5
HS_ITEMS = [f"x{i}" for i in range(1, 10)]


@pytest.fixture(scope="module")
def x() -> pd.DataFrame:
    return holzinger39.get_data()[HS_ITEMS]


# psych::fa(HolzingerSwineford1939[, paste0("x", 1:9)], nfactors = 3, rotate = ROT, fm = FM)
# unclass(f$loadings), f$Phi[lower.tri(f$Phi)], f$communality
EFA_REF = {
    ("oblimin", "minres"): {
        "loadings": [
            [0.1964390541, 0.5916160953, 0.0309494708],
            [0.0429713618, 0.5089260211, -0.1223001615],
            [-0.0622935011, 0.6859266350, 0.0190424926],
            [0.8461023684, 0.0162734253, 0.0076609313],
            [0.8855171800, -0.0645884089, 0.0067119655],
            [0.8052565173, 0.0796220074, -0.0129776774],
            [0.0437907805, -0.1523263837, 0.7365440098],
            [-0.0340069709, 0.1251054038, 0.6864971456],
            [0.0318351773, 0.3822763054, 0.4563591468],
        ],
        "phi": [0.3229063318, 0.2133400726, 0.2607851620],
        "communality": [
            0.4767540078,
            0.2552271788,
            0.4534501483,
            0.7279356518,
            0.7537305762,
            0.6913552543,
            0.5185545951,
            0.5201722516,
            0.4604613835,
        ],
    },
    ("oblimin", "ml"): {
        "loadings": [
            [0.1910386089, 0.6020353423, 0.0309437849],
            [0.0436919106, 0.5054293502, -0.1166188854],
            [-0.0694924779, 0.6893210691, 0.0230785391],
            [0.8404732447, 0.0217607147, 0.0053083551],
            [0.8882074429, -0.0674341345, 0.0075560635],
            [0.8075621299, 0.0775062551, -0.0109301639],
            [0.0435849880, -0.1516000639, 0.7230993354],
            [-0.0326746158, 0.1042240629, 0.7015051319],
            [0.0348255172, 0.3660568481, 0.4631791487],
        ],
        "phi": [0.3257664457, 0.2164455570, 0.2704761506],
        "communality": [
            0.4874704728,
            0.2512648396,
            0.4572267093,
            0.7208069061,
            0.7571226793,
            0.6947841444,
            0.4977927781,
            0.5314495102,
            0.4567523135,
        ],
    },
    ("promax", "minres"): {
        "loadings": [
            [0.1570848218, 0.0388114683, 0.5980355980],
            [0.0099720421, -0.1202556131, 0.5308641809],
            [-0.1093140509, 0.0279317055, 0.6988841906],
            [0.8494897580, 0.0071620071, 0.0046242379],
            [0.8946075212, 0.0051716422, -0.0783188389],
            [0.8043426602, -0.0133472898, 0.0718524782],
            [0.0467598055, 0.7587064484, -0.2289425444],
            [-0.0497448899, 0.7104293640, 0.0601453487],
            [0.0013952924, 0.4757828185, 0.3444831782],
        ],
        "phi": [0.2573688584, 0.3914289693, 0.3499208837],
        "communality": [
            0.4767540078,
            0.2552271788,
            0.4534501483,
            0.7279356518,
            0.7537305762,
            0.6913552543,
            0.5185545951,
            0.5201722516,
            0.4604613835,
        ],
    },
    ("promax", "ml"): {
        "loadings": [
            [0.1529828113, 0.0362059122, 0.6093464174],
            [0.0129520795, -0.1161940995, 0.5249655807],
            [-0.1145639136, 0.0289954213, 0.7028429197],
            [0.8438465076, 0.0049064088, 0.0097211870],
            [0.8975669442, 0.0065056102, -0.0822094928],
            [0.8073720978, -0.0113499142, 0.0684403511],
            [0.0440508389, 0.7426731965, -0.2148494363],
            [-0.0488287511, 0.7224524286, 0.0491967207],
            [0.0053533857, 0.4792018898, 0.3351340933],
        ],
        "phi": [0.2579984700, 0.3926380244, 0.3488291804],
        "communality": [
            0.4874704728,
            0.2512648396,
            0.4572267093,
            0.7208069061,
            0.7571226793,
            0.6947841444,
            0.4977927781,
            0.5314495102,
            0.4567523135,
        ],
    },
    ("geominQ", "minres"): {
        "loadings": [
            [0.1926362935, 0.5953967893, 0.0270522136],
            [0.0417893999, 0.5067148020, -0.1250903000],
            [-0.0659687913, 0.6886095852, 0.0139172541],
            [0.8443963874, 0.0199046722, 0.0095572824],
            [0.8841704233, -0.0611043181, 0.0092829039],
            [0.8035544341, 0.0826160004, -0.0115093155],
            [0.0352909267, -0.1280887095, 0.7334341177],
            [-0.0431764283, 0.1482949572, 0.6815232836],
            [0.0240936123, 0.3989051294, 0.4510645206],
        ],
        "phi": [0.3245919847, 0.2131542076, 0.2401574703],
        "communality": [
            0.4767540078,
            0.2552271788,
            0.4534501483,
            0.7279356518,
            0.7537305762,
            0.6913552543,
            0.5185545951,
            0.5201722516,
            0.4604613835,
        ],
    },
    ("geominQ", "ml"): {
        "loadings": [
            [0.1877721452, 0.6041501518, 0.0288236342],
            [0.0436404070, 0.5065662063, -0.1191674867],
            [-0.0725930263, 0.6909567425, 0.0198643320],
            [0.8390630055, 0.0240361331, 0.0074036325],
            [0.8870492790, -0.0652564242, 0.0101846759],
            [0.8062610181, 0.0798001064, -0.0092247138],
            [0.0313556783, -0.1501894394, 0.7262618653],
            [-0.0454478261, 0.1060389327, 0.7032454476],
            [0.0251045107, 0.3681641037, 0.4631332738],
        ],
        "phi": [0.3271573136, 0.2296070051, 0.2776923806],
        "communality": [
            0.4874704728,
            0.2512648396,
            0.4572267093,
            0.7208069061,
            0.7571226793,
            0.6947841444,
            0.4977927781,
            0.5314495102,
            0.4567523135,
        ],
    },
    ("varimax", "minres"): {
        "loadings": [
            [0.2793560989, 0.6128219034, 0.1521955733],
            [0.1023476556, 0.4938098042, -0.0300668167],
            [0.0380714707, 0.6597695074, 0.1292474699],
            [0.8320325142, 0.1605804461, 0.0993552583],
            [0.8590927453, 0.0883677820, 0.0887770597],
            [0.7989850790, 0.2137473898, 0.0853823819],
            [0.0930296420, -0.0822376342, 0.7093215437],
            [0.0512669741, 0.1710424773, 0.6987763734],
            [0.1298281419, 0.4146423521, 0.5212271644],
        ],
        "communality": [
            0.4767540078,
            0.2552271788,
            0.4534501483,
            0.7279356518,
            0.7537305762,
            0.6913552543,
            0.5185545951,
            0.5201722516,
            0.4604613835,
        ],
    },
    ("varimax", "ml"): {
        "loadings": [
            [0.2772907585, 0.6226578474, 0.1512531428],
            [0.1046418259, 0.4894903759, -0.0267226448],
            [0.0339434448, 0.6626459368, 0.1302878131],
            [0.8269996739, 0.1649851302, 0.0982769165],
            [0.8610677758, 0.0863361725, 0.0907250244],
            [0.8012526001, 0.2122250500, 0.0879712649],
            [0.0909401759, -0.0726784225, 0.6958739177],
            [0.0511699406, 0.1618171807, 0.7089755619],
            [0.1320605192, 0.4063699556, 0.5236179828],
        ],
        "communality": [
            0.4874704728,
            0.2512648396,
            0.4572267093,
            0.7208069061,
            0.7571226793,
            0.6947841444,
            0.4977927781,
            0.5314495102,
            0.4567523135,
        ],
    },
    ("none", "minres"): {
        "loadings": [
            [0.5755228720, 0.1685800157, 0.3422107683],
            [0.3084268547, 0.0961766365, 0.3883942697],
            [0.4003540709, 0.3094295654, 0.4443198288],
            [0.7685089573, -0.3548954590, -0.1066716805],
            [0.7505430527, -0.4043690581, -0.1640163623],
            [0.7630255904, -0.3266697527, -0.0493363482],
            [0.3076047316, 0.4328316093, -0.4864059232],
            [0.3938210887, 0.5406648369, -0.2697382729],
            [0.5049664161, 0.4532209192, 0.0078166859],
        ],
        "communality": [
            0.4767540078,
            0.2552271788,
            0.4534501483,
            0.7279356518,
            0.7537305762,
            0.6913552543,
            0.5185545951,
            0.5201722516,
            0.4604613835,
        ],
    },
    ("none", "ml"): {
        "loadings": [
            [0.4880466396, 0.3135236253, 0.3885664510],
            [0.2444726679, 0.1731294336, 0.4019006762],
            [0.2724387049, 0.4070555098, 0.4661648563],
            [0.8345223727, -0.1528086867, -0.0320752367],
            [0.8390430788, -0.2090965909, -0.0969948812],
            [0.8233691107, -0.1288210867, 0.0158927535],
            [0.2287813107, 0.4845318107, -0.4589997978],
            [0.2697115157, 0.6217288240, -0.2686233013],
            [0.3764725752, 0.5607564169, 0.0239364693],
        ],
        "communality": [
            0.4874704728,
            0.2512648396,
            0.4572267093,
            0.7208069061,
            0.7571226793,
            0.6947841444,
            0.4977927781,
            0.5314495102,
            0.4567523135,
        ],
    },
}

# f$values: eigenvalues of R with the communalities on the diagonal
REDUCED_VALUES = {
    "minres": [2.8274759894, 1.2146644142, 0.8155017560, 0.1063048678, 0.0574312956,
               -0.0007102794, -0.0201868654, -0.0498682796, -0.0929718513],
    "ml": [2.8283138546, 1.2141967833, 0.8123549742, 0.1027990790, 0.0602455109,
           0.0020811065, -0.0203633164, -0.0479179392, -0.0970396995],
}  # fmt: skip
# eigen(cor(X))$values
EIGEN_R = [3.2163441814, 1.6387132215, 1.3651593478, 0.6989184519, 0.5843475284,
           0.4996871952, 0.4731020594, 0.2860023612, 0.2377256531]  # fmt: skip


# --------------------------------------------------------------------------- KMO / Bartlett


def test_kmo_matches_psych(x):
    res = kmo(x)
    # psych::KMO(X)
    assert res.overall == pytest.approx(0.7522445926, abs=TOL)
    np.testing.assert_allclose(
        res.per_item.loc[HS_ITEMS],
        [0.8050212266, 0.7779382854, 0.7343028773, 0.7632620453, 0.7387238565,
         0.8075590548, 0.5930468106, 0.6829379392, 0.7878648519],
        atol=TOL,
    )  # fmt: skip
    json.dumps(res.to_dict(), allow_nan=False)


def test_bartlett_matches_psych(x):
    res = bartlett_sphericity(x)
    # psych::cortest.bartlett(cor(X), n = 301)
    assert res.chi2 == pytest.approx(904.0970510369, abs=1e-6)
    assert res.df == 36 and res.n_obs == 301
    assert res.p_value == pytest.approx(1.9120788741e-166, rel=1e-6)
    from_corr = bartlett_sphericity(x.corr(), n_obs=301)
    assert from_corr.chi2 == pytest.approx(res.chi2)
    with pytest.raises(PsychometricInputError, match="n_obs"):
        bartlett_sphericity(x.corr())


def test_bartlett_and_kmo_closed_form_on_identity_correlations():
    # Exactly uncorrelated columns: |R| = 1, so chi2 = 0; KMO is then undefined -> both sums 0
    z = np.random.default_rng(0).standard_normal((50, 3))
    z = (z - z.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False)).T)
    res = bartlett_sphericity(pd.DataFrame(z, columns=list("abc")))
    assert res.chi2 == pytest.approx(0.0, abs=1e-9)
    assert res.p_value == pytest.approx(1.0)


def test_factorability_bad_input(x):
    with pytest.raises(ConstantItemError, match="'k'"):
        kmo(x.assign(k=2.0))
    with pytest.raises(PsychometricInputError, match="singular"):
        kmo(x.assign(s=x["x1"] + x["x2"]))


# --------------------------------------------------------------------------- EFA


@pytest.mark.parametrize(("rotation", "method"), list(EFA_REF))
def test_efa_matches_psych_fa(x, rotation, method):
    ref = EFA_REF[(rotation, method)]
    ours = "geomin" if rotation == "geominQ" else rotation
    res = efa(x, 3, method=method, rotation=ours)
    assert res.converged
    np.testing.assert_allclose(res.loadings.to_numpy(), ref["loadings"], atol=EFA_TOL)
    np.testing.assert_allclose(res.communalities.to_numpy(), ref["communality"], atol=EFA_TOL)
    if "phi" in ref:
        phi = res.factor_corr.to_numpy()
        np.testing.assert_allclose([phi[1, 0], phi[2, 0], phi[2, 1]], ref["phi"], atol=EFA_TOL)
        np.testing.assert_allclose(
            res.structure.to_numpy(), np.asarray(ref["loadings"]) @ phi, atol=EFA_TOL
        )
    else:
        assert res.factor_corr is None
    np.testing.assert_allclose(res.eigenvalues["reduced"], REDUCED_VALUES[method], atol=EFA_TOL)
    np.testing.assert_allclose(res.eigenvalues["correlation"], EIGEN_R, atol=TOL)
    json.dumps(res.to_dict(), allow_nan=False)


@pytest.mark.parametrize(("method", "rms"), [("minres", 0.0190531797), ("ml", 0.0192452644)])
def test_efa_rms_residual_matches_psych(x, method, rms):
    # fa(X, 3, fm = method)$rms
    assert efa(x, 3, method=method).rms_residual == pytest.approx(rms, abs=1e-5)


def test_efa_reports_heywood_case():
    # one factor, r_ab = r_ac = .8, r_bc = .5: the exact solution needs lambda_a^2 = 1.28 > 1
    r = pd.DataFrame(
        [[1, 0.8, 0.8], [0.8, 1, 0.5], [0.8, 0.5, 1]], index=list("abc"), columns=list("abc")
    )
    res = efa(r, 1, rotation="none", n_obs=100)
    assert res.heywood == ["a"]
    assert res.uniquenesses["a"] <= 0.005 + 1e-6  # at (minres: beyond) the 0.005 bound
    ok = r.copy()
    ok.loc["b", "c"] = ok.loc["c", "b"] = 0.7  # lambda_a^2 = .64 / .7 < 1
    assert efa(ok, 1, rotation="none").heywood == []


def test_efa_from_correlation_matrix_equals_raw_data(x):
    raw = efa(x, 3)
    corr = efa(x.corr(), 3, n_obs=301)
    np.testing.assert_allclose(raw.loadings, corr.loadings, atol=1e-10)
    assert corr.n_obs == 301


def test_efa_one_factor_matches_psych(x):
    # fa(X, nfactors = 1, rotate = "none", fm = "minres")$loadings
    res = efa(x, 1, rotation="none")
    np.testing.assert_allclose(
        res.loadings["F1"],
        [0.5589504855, 0.3004537729, 0.3651593828, 0.7617461872, 0.7238094041,
         0.7689966896, 0.2591033310, 0.3391405454, 0.4674532664],
        atol=EFA_TOL,
    )  # fmt: skip
    # variance accounted for: SS loadings / p (closed form on the loadings)
    ss = float(np.sum(res.loadings["F1"] ** 2))
    assert res.variance.loc["F1", "ss_loadings"] == pytest.approx(ss)
    assert res.variance.loc["F1", "proportion_var"] == pytest.approx(ss / 9)


def test_rotation_invariants(x):
    # Closed-form invariants: rotation keeps communalities and the reproduced matrix L Phi L'
    unrot = efa(x, 3, rotation="none").loadings.to_numpy()
    for rotation in ("varimax", "oblimin", "geomin", "promax"):
        lam, phi, ok = rotate_loadings(unrot, rotation)
        assert ok
        phi = np.eye(3) if phi is None else phi
        np.testing.assert_allclose(lam @ phi @ lam.T, unrot @ unrot.T, atol=1e-8)
        np.testing.assert_allclose(np.diag(phi), 1.0, atol=1e-10)


def test_efa_bad_input(x):
    with pytest.raises(PsychometricInputError, match="n_factors"):
        efa(x, 9)
    with pytest.raises(PsychometricInputError, match="rotation"):
        efa(x, 2, rotation="equamax")
    with pytest.raises(PsychometricInputError, match="method"):
        efa(x, 2, method="pa")


# --------------------------------------------------------------------------- parallel analysis

# set.seed(1); pa <- fa.parallel(X, n.iter = 1000, sim = TRUE): simulated normal data columns
PA_PC_MEAN = [
    1.2741545651,
    1.1771919951,
    1.1095619456,
    1.0491458443,
    0.9930351598,
    0.9384465889,
    0.8836636223,
    0.8225451683,
    0.7522551106,
]
PA_PC_SD = [
    0.0496304307,
    0.0332611639,
    0.0287928457,
    0.0266625271,
    0.0238828366,
    0.0245817514,
    0.0271647013,
    0.0298567921,
    0.0375458241,
]
PA_FA_MEAN = [
    0.5538742783,
    0.1994662153,
    0.1342918282,
    0.0781342538,
    0.0242613882,
    -0.0241082315,
    -0.0752383080,
    -0.1339668010,
    -0.2031253022,
]
PA_FA_SD = [
    0.2758129854,
    0.0335559026,
    0.0282569669,
    0.0251076710,
    0.0209195504,
    0.0206756254,
    0.0244487060,
    0.0274516622,
    0.0344031505,
]
# pa$fa.values (= fa(X, 1)$values)
PA_FA_VALUES = [2.6322182110, 0.9344491265, 0.5042186300, -0.0923109457, -0.1425735128,
                -0.1688260125, -0.2877598159, -0.3019644500, -0.4452351230]  # fmt: skip


def test_parallel_analysis_matches_psych_fa_parallel(x):
    n_iter = 400
    res = parallel_analysis(x, seed=2024, n_iter=n_iter)
    t = res.table
    np.testing.assert_allclose(t["observed_pc"], EIGEN_R, atol=TOL)
    np.testing.assert_allclose(t["observed_fa"], PA_FA_VALUES, atol=EFA_TOL)
    # Monte Carlo agreement of the random-data eigenvalue means: within 4 standard errors of
    # the difference of two independent means (ours n_iter, psych 1000 iterations)
    for col, mean, sd in (
        ("random_pc_mean", PA_PC_MEAN, PA_PC_SD),
        ("random_fa_mean", PA_FA_MEAN, PA_FA_SD),
    ):
        se = np.asarray(sd) * np.sqrt(1 / n_iter + 1 / 1000)
        assert np.all(np.abs(t[col].to_numpy() - mean) < 4 * se), col
    # "Parallel analysis suggests that the number of factors = 3 and the number of components = 3"
    assert (res.n_factors, res.n_components) == (3, 3)
    again = parallel_analysis(x, seed=2024, n_iter=n_iter)
    pd.testing.assert_frame_equal(res.table, again.table)
    json.dumps(res.to_dict(), allow_nan=False)


def test_parallel_analysis_mean_rule_and_resampling(x):
    horn = parallel_analysis(x, seed=5, n_iter=50, quantile=None)
    np.testing.assert_allclose(horn.table["random_pc_quantile"], horn.table["random_pc_mean"])
    res = parallel_analysis(x, seed=5, n_iter=50, resample=True)
    # resampled data keep each item's values: the random PC eigenvalues sum to p = 9
    assert res.table["random_pc_mean"].sum() == pytest.approx(9.0)
    assert res.n_components >= 2


def test_parallel_analysis_needs_raw_data_and_seed(x):
    with pytest.raises(PsychometricInputError, match="raw data"):
        parallel_analysis(x.corr(), seed=1)
    with pytest.raises(TypeError):
        parallel_analysis(x)  # seed is required
