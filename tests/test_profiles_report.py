"""Latent profiles in the pipeline: run_study's ``profiles`` section, results.json's schema,
the report section (rendered in headless Chromium with the comparison table and the profile
plot) and the ``engagekit profiles`` and ``run --profiles`` commands."""

from __future__ import annotations

import copy
import json
import re

import pandas as pd
import pytest
from browser import browser  # noqa: F401  (session fixture: headless Chromium)

from analysis import ValidationSettings
from analysis.profiles.errors import ProfilesInputError
from analysis.profiles.study import ProfileSettings
from analysis.responses.simulate import SimulationSettings, simulate
from analysis.results_schema import ResultsFileError, check_results
from analysis.study import StudySettings, run_study
from instruments import load_instrument
from reports.cli import main
from reports.report import render_report

QUICK = dict(n_boot=0, n_jobs=1, progress=False,
             validation=ValidationSettings(htmt_n_boot=50, parallel_iter=10,
                                           method_factor=False))
COMMITMENTS = ["affective", "normative", "economic", "forced", "habitual"]


@pytest.fixture(scope="module")
def study():
    inst = load_instrument("five_commitments")
    sim = simulate(inst, SimulationSettings(n=300, seed=5))
    res = run_study(sim.data, inst, StudySettings(
        **QUICK, profiles=ProfileSettings(k="1-3", families=("EEI", "VVI"), n_starts=4,
                                          n_boot=19)), created="2026-12-05T00:00:00+00:00")
    return sim, json.loads(json.dumps(res, allow_nan=False))


@pytest.fixture(scope="module")
def report(study):
    """The study's report, rendered once for the tests that read it."""
    return render_report(study[1])


def test_run_study_adds_the_profiles_section(study):
    _, res = study
    prof = res["profiles"]
    check_results(res)
    assert prof["indicators"] == COMMITMENTS
    assert prof["outcomes"][:2] == ["satisfaction", "repurchase"]
    assert len(prof["comparison"]) == 6
    sel = prof["selected"]
    chosen = [r for r in prof["comparison"] if r["family"] == sel["family"]]
    assert sum(r["blrt_pvalue"] is not None for r in chosen) == 2
    assert prof["crosstab"]["segment"] == "loyalty_segment"
    assert sum(map(sum, prof["crosstab"]["counts"])) == prof["n"]
    assert res["settings"]["profiles"]["k"] == "1-3"


def test_schema_names_a_malformed_profiles_section(study):
    _, res = study
    bad = copy.deepcopy(res)
    del bad["profiles"]["comparison"][0]["bic"]
    with pytest.raises(ResultsFileError) as err:
        check_results(bad, "r.json")
    assert "profiles.comparison[0].bic" in str(err.value)


def test_no_profiles_no_section_and_no_setting():
    inst = load_instrument("five_commitments")
    sim = simulate(inst, SimulationSettings(n=150, seed=6))
    res = run_study(sim.data, inst, StudySettings(**QUICK))
    assert "profiles" not in res and "profiles" not in res["settings"]
    assert 'id="profiles"' not in render_report(res)


def test_report_section_has_table_plot_outcomes_and_crosstab(study, report):
    _, res = study
    html = report
    assert html == render_report(json.loads(json.dumps(res)))
    section = html[html.index('<section class="report-section level-2" id="profiles"'):]
    section = section[:section.index("</section>")]
    assert "Latent profile models compared" in section
    # the BLRT's stopping rules and the draws each test used are stated
    assert "stopped once 10 reached the observed statistic (Besag &amp; Clifford, 1991)" in section
    assert "bootstrap draws used: k = 2: " in section
    k = res["profiles"]["selected"]["k"]
    assert section.count('class="ek-profile-point"') == 5 * k
    assert "Outcomes by profile (corrected for classification error, BCH)" in section
    assert "by the BCH method (Bolck, Croon &amp; Hagenaars, 2004" in section
    assert "Profiles by loyalty segment (Dick &amp; Basu, 1994)" in section
    assert "Pairwise differences between profiles" in section
    # the methods cited in the section are in the references
    refs = html[html.index('id="methods"'):]
    for who in ("McLachlan, G. J. (1987)", "Nylund, K. L.", "Bakk, Z.", "Sclove, S. L.",
                "Besag, J."):
        assert who in refs


@pytest.mark.browser
def test_section_renders_in_chromium(study, browser, tmp_path):  # noqa: F811
    from browser import file_url, reset_viewport, set_viewport

    _, res = study
    page = tmp_path / "report.html"
    page.write_text(render_report(res), encoding="utf-8")
    set_viewport(browser, 1280, 900)
    try:
        browser.get(file_url(page))
        shown = browser.execute_script("""
            const s = document.getElementById('profiles');
            const table = [...s.querySelectorAll('table')].find(
                t => t.querySelector('caption').textContent.includes('models compared'));
            const svg = s.querySelector('svg[data-kind="profiles"]');
            const box = svg.getBoundingClientRect();
            const points = [...svg.querySelectorAll('.ek-profile-point')].filter(
                g => g.getBoundingClientRect().width > 0);
            return {rows: table.querySelectorAll('tbody tr').length,
                    heads: [...table.querySelectorAll('thead th')].map(t => t.textContent),
                    tableWidth: table.getBoundingClientRect().width,
                    sectionWidth: s.getBoundingClientRect().width,
                    svgWidth: box.width, svgHeight: box.height, points: points.length,
                    cards: s.querySelectorAll('.profile-cards .card').length};""")
    finally:
        reset_viewport(browser)
    k = res["profiles"]["selected"]["k"]
    assert shown["rows"] == len(res["profiles"]["comparison"])
    assert {"BIC", "SABIC", "Entropy", "BLRT p"} <= set(shown["heads"])
    assert shown["tableWidth"] <= shown["sectionWidth"] + 1
    assert shown["svgWidth"] > 300 and shown["svgHeight"] > 150
    assert shown["points"] == 5 * k
    assert shown["cards"] == k


def test_profiles_command(tmp_path, capsys, study):
    sim, _ = study
    data = tmp_path / "responses.csv"
    from analysis import write_responses

    write_responses(sim.data, data, load_instrument("five_commitments"))
    out = tmp_path / "profiles.json"
    code = main(["profiles", str(data), "-i", "five_commitments", "--k", "1-2",
                 "--families", "EEI", "--n-starts", "3", "--boot", "0", "--json", str(out)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "chosen: EEI" in text and "standardized means" in text
    assert json.loads(out.read_text())["indicators"] == COMMITMENTS
    # bad input: exit 2 naming the construct / the option's value
    code = main(["profiles", str(data), "-i", "five_commitments", "--constructs",
                 "affective,nonsense", "--boot", "0"])
    err = capsys.readouterr().err
    assert code == 2 and "'nonsense' is not a scored construct" in err
    code = main(["profiles", str(data), "-i", "five_commitments", "--k", "two"])
    err = capsys.readouterr().err
    assert code == 2 and "numbers of profiles 'two'" in err
    code = main(["profiles", str(data), "-i", "five_commitments", "--families", "XYZ"])
    assert code == 2 and "unknown model family" in capsys.readouterr().err


def test_run_with_profiles(tmp_path, capsys, study):
    sim, _ = study
    from analysis import write_responses

    data = tmp_path / "responses.csv"
    write_responses(sim.data, data, load_instrument("five_commitments"))
    code = main(["run", str(data), "-i", "five_commitments", "-o", str(tmp_path / "out"),
                 "--boot", "0", "--profiles", "--profiles-k", "2", "--profiles-boot", "0",
                 "--profiles-outcome-method", "ml3"])
    text = capsys.readouterr().out
    assert code == 0, text
    assert re.search(r"commitment profiles: \w{3} with [12] profiles?", text)
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    assert res["profiles"]["settings"]["k"] == [2]
    # the outcome method is recorded, named in the terminal, the report and its references
    assert res["profiles"]["settings"]["outcome_method"] == "ml3"
    assert res["settings"]["profiles"]["outcome_method"] == "ml3"
    html = (tmp_path / "out" / "report.html").read_text()
    assert 'id="profiles"' in html
    assert res["profiles"]["selected"]["k"] == 2 and res["profiles"]["outcome_means"]
    assert ("outcomes by profile: the ML three-step approach (Vermunt, 2010; Bakk, Tekle & "
            "Vermunt, 2013)") in text
    assert "Outcomes by profile (corrected for classification error, ML three-step)" in html
    assert ("by the ML three-step approach (Vermunt, 2010; Bakk, Tekle &amp; Vermunt, "
            "2013)") in html
    assert "BCH method" not in html and "Differences of the ML three-step means" in html
    assert "Bakk, Z., Tekle, F. B., &amp; Vermunt, J. K. (2013)" in html
    # engagekit report re-renders the saved section
    code = main(["report", str(tmp_path / "out" / "results.json"), "-o",
                 str(tmp_path / "again.html")])
    assert code == 0
    assert (tmp_path / "again.html").read_text() == \
        (tmp_path / "out" / "report.html").read_text()



def test_a_pls_run_gets_the_profiles_too():
    """run_study adds the profiles to either kind of run (SEM or --method pls)."""
    inst = load_instrument("five_commitments")
    sim = simulate(inst, SimulationSettings(n=200, seed=5))
    res = run_study(sim.data, inst, StudySettings(
        method="pls", n_boot=0, n_jobs=1, progress=False,
        profiles=ProfileSettings(k="1-2", families=("EEI",), n_starts=3, n_boot=0)))
    res = json.loads(json.dumps(res, allow_nan=False))
    check_results(res)
    assert res["profiles"]["indicators"] == COMMITMENTS
    html = render_report(res)
    assert 'id="profiles"' in html
    # the PLS report's methods paragraph has the profiles sentence, as the SEM report's does
    methods = re.sub(r"\s+", " ", html[html.index('id="methods"'):])
    k = res["profiles"]["selected"]["k"]
    assert (f"were estimated as Gaussian mixtures (scikit-learn&#39;s GaussianMixture, many "
            f"seeded random starts); the model described, EEI with {k} profile") in methods


def test_profiles_command_ml3_equals_a_direct_outcome_means_call(tmp_path, capsys, study):
    """``engagekit profiles --outcome-method ml3``: the outcome means, their CIs and the
    pairwise differences are those of outcome_means(method="ml3") on the posterior of the
    same model fitted to the same screened scores (1e-12); the default stays BCH."""
    import numpy as np

    from analysis import write_responses
    from analysis.profiles.analyze import latent_profiles
    from analysis.profiles.outcomes import outcome_means
    from analysis.responses import read_responses
    from analysis.responses.scoring import score_responses
    from analysis.responses.screening import screen

    sim, _ = study
    inst = load_instrument("five_commitments")
    data = tmp_path / "responses.csv"
    write_responses(sim.data, data, inst)
    args = ["profiles", str(data), "-i", "five_commitments", "--k", "1-2", "--families", "EEI",
            "--n-starts", "3", "--boot", "0", "--seed", "7"]
    code = main([*args, "--outcome-method", "ml3", "--json", str(tmp_path / "ml3.json")])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "outcomes by profile (ML three-step means, Vermunt 2010" in text
    got = json.loads((tmp_path / "ml3.json").read_text())
    assert got["settings"]["outcome_method"] == "ml3" and got["selected"]["k"] == 2

    read = read_responses(data, inst)
    scores = score_responses(screen(read, inst).kept(), inst).scores
    direct = latent_profiles(scores, COMMITMENTS, got["outcomes"], k="1-2", families=["EEI"],
                             n_starts=3, n_boot=0, seed=7, n_jobs=1)
    assert [p["share"] for p in got["profiles"]] == pytest.approx(
        direct.profiles["share"].tolist(), abs=1e-12)
    post = direct.membership[["p1", "p2"]].to_numpy()
    y = scores.loc[direct.membership.index, got["outcomes"]].reset_index(drop=True)
    means, diffs, tests = outcome_means(post, y, method="ml3", labels=["1", "2"])
    for mine, ref in ((got["outcome_means"], means), (got["outcome_differences"], diffs),
                      (got["outcome_tests"], tests)):
        mine = pd.DataFrame(mine)
        assert len(mine) == len(ref)
        for col in ("est", "se", "ci.lower", "ci.upper", "chisq", "pvalue"):
            if col in ref:
                assert np.allclose(mine[col], ref[col], rtol=0, atol=1e-12), col
    # the default is BCH, and it gives other numbers
    code = main([*args, "--json", str(tmp_path / "bch.json")])
    capsys.readouterr()
    bch = json.loads((tmp_path / "bch.json").read_text())
    assert code == 0 and bch["settings"]["outcome_method"] == "bch"
    bch_means, _, _ = outcome_means(post, y, method="bch", labels=["1", "2"])
    assert np.allclose(pd.DataFrame(bch["outcome_means"])["est"], bch_means["est"], atol=1e-12)
    assert not np.allclose(bch_means["est"], means["est"], atol=1e-3)
    # a bad value exits 2 in both commands, and the API names it
    assert main([*args, "--outcome-method", "modal"]) == 2
    assert "'modal' is not one of 'bch', 'ml3'" in capsys.readouterr().err
    assert main(["run", str(data), "-i", "five_commitments", "-o", str(tmp_path / "o"),
                 "--profiles", "--profiles-outcome-method", "step3"]) == 2
    assert "'step3' is not one of 'bch', 'ml3'" in capsys.readouterr().err
    with pytest.raises(ProfilesInputError, match="outcome method 'modal'"):
        latent_profiles(scores, COMMITMENTS, outcome_method="modal")


def test_results_without_the_outcome_method_render_as_bch(study, report):
    """Results written before the choice existed (no ``outcome_method``, or the old 'BCH')
    validate and render exactly as BCH results; an unknown method is named by the schema."""
    from reports.profiles_section import profiles_methods, profiles_section

    _, res = study
    assert "by the BCH method (Bolck, Croon &amp; Hagenaars, 2004" in report
    for old in (None, "BCH"):
        older = copy.deepcopy(res)
        if old is None:
            del older["profiles"]["settings"]["outcome_method"]
        else:
            older["profiles"]["settings"]["outcome_method"] = old
        check_results(older)
        assert str(profiles_section(older)) == str(profiles_section(res))
        assert profiles_methods(older) == profiles_methods(res)
        assert "corrected for classification error by the BCH method" in profiles_methods(older)
        if old is None:
            assert render_report(older) == report
    bad = copy.deepcopy(res)
    bad["profiles"]["settings"]["outcome_method"] = "modal"
    with pytest.raises(ResultsFileError) as err:
        check_results(bad, "r.json")
    assert "profiles.settings.outcome_method" in str(err.value)


def test_one_profile_is_said_to_be_no_profiles(study, tmp_path, capsys):
    """Respondents simulated without profiles (one multivariate normal population), the
    families with covariances: the BIC prefers one profile. The report says what that means
    (no distinct mixes, one group, no outcome comparison) and by how much the best model with
    profiles is behind, recomputed here from the comparison table; no profile plot; the
    terminal says 'no distinct profiles'. (The families without covariances can mimic the
    commitments' correlation with several profiles, which is why EEE is used.)"""
    sim, res = study
    data = tmp_path / "responses.csv"
    from analysis import write_responses

    write_responses(sim.data, data, load_instrument("five_commitments"))
    out = tmp_path / "profiles.json"
    assert main(["profiles", str(data), "-i", "five_commitments", "--k", "1-2", "--families",
                 "EEE", "--n-starts", "3", "--boot", "0", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "chosen: EEE with 1 profile (smallest BIC): no distinct profiles" in text
    section = json.loads(out.read_text())
    assert section["selected"]["k"] == 1
    one = copy.deepcopy(res)
    one["profiles"] = section
    html = render_report(one)
    part = html[html.index('id="profiles"'):]
    part = re.sub(r"\s+", " ", part[:part.index("</section>")])
    bic = {r["k"]: r["bic"] for r in section["comparison"]}
    assert ("The model with the smallest BIC is EEE with 1 profile. With one profile the "
            "respondents do not fall into distinct mixes of these constructs (the best model "
            f"with profiles, EEE with 2 profiles, has a BIC {bic[2] - bic[1]:.2f} higher): "
            "they are described as one group") in part
    assert "ek-profile-point" not in part and "Profile plot" not in part
    assert "no distinct profiles" in part and "highest" not in part


@pytest.mark.parametrize("args, words", [
    (["--profiles-families", "EEI,XYZ"], "--profiles-families EEI,XYZ: unknown model family"),
    (["--profiles-k", "0-2"], "--profiles-k 0-2: numbers of profiles '0-2'"),
])
def test_run_checks_the_profile_options_before_any_work(tmp_path, capsys, study, args, words):
    """A bad --profiles-families or --profiles-k exits 2 naming the option before the study
    runs (no output folder); good families reach the study's settings."""
    from analysis import write_responses
    from analysis.study import StudySettings as Settings
    from reports.cli import _with_profiles

    sim, _ = study
    data = tmp_path / "responses.csv"
    write_responses(sim.data, data, load_instrument("five_commitments"))
    out = tmp_path / "out"
    assert main(["run", str(data), "-i", "five_commitments", "--profiles", *args,
                 "-o", str(out)]) == 2
    assert words in capsys.readouterr().err and not out.exists()
    got = _with_profiles(Settings(), True, "1-3", 0, False, "bch", "eii, VII")
    assert got.profiles.families == ("EII", "VII") and got.profiles.k == "1-3"


def test_blrt_choosing_one_profile_is_said_so(study):
    """The BLRT's choice of one profile (its 2 vs 1 test not significant, as on respondents
    simulated without profiles) read 'chooses 1 profiles'; it says one profile, no distinct
    profiles."""
    res = copy.deepcopy(study[1])
    res["profiles"]["selected"]["blrt_k"] = 1
    part = render_report(res)
    part = re.sub(r"\s+", " ", part[part.index('id="profiles"'):])
    part = part[:part.index("</section>")]
    assert "chooses 1 profile (no distinct profiles)." in part
    assert "chooses 1 profiles" not in part


def test_a_profile_below_the_mean_everywhere_is_not_called_highest_on_one(study):
    """A profile below the sample mean on every construct (the 'uncommitted' profile of the
    recovery mixture: -0.50 to -1.66 SD in a simulated run) was carded 'highest forced
    commitment (-0.50 SD)', read as forced-dominant; it is said to be below the mean on every
    construct, least and most on which. Standardized means set by hand here."""
    res = copy.deepcopy(study[1])
    sec = res["profiles"]
    if sec["selected"]["k"] == 1:
        pytest.skip("the study's model has one profile")
    first = sec["profiles"][0]["profile"]
    values = dict(zip(COMMITMENTS, [-1.1, -1.09, -1.05, -0.5, -1.66], strict=True))
    for m in sec["means"]:
        if m["profile"] == first:
            m["std.mean"] = values[m["indicator"]]
    part = render_report(res)
    part = re.sub(r"\s+", " ", part[part.index('id="profiles"'):])
    assert ("below the sample mean on every construct: least on forced commitment "
            "(\u22120.50 SD), most on habitual commitment (\u22121.66 SD)") in part
    assert "highest forced commitment (\u22120.50 SD)" not in part


def test_an_outcome_that_is_also_profiled_is_an_input_error(study, tmp_path, capsys):
    """``profiles --outcomes affective`` with affective among the profiled constructs gave no
    outcomes at all and no word why (the outcome was dropped silently); it is an input error
    naming the construct and what to do, before any fitting; the API raises
    ProfilesInputError (code profiles_input)."""
    from analysis import score_responses, write_responses
    from analysis.profiles.study import study_profiles

    sim, _ = study
    inst = load_instrument("five_commitments")
    data = tmp_path / "responses.csv"
    write_responses(sim.data, data, inst)
    assert main(["profiles", str(data), "-i", "five_commitments", "--k", "1-2",
                 "--outcomes", "affective,repurchase", "--boot", "0"]) == 2
    err = capsys.readouterr().err
    assert "affective also define the profiles" in err and "--outcomes" in err
    with pytest.raises(ProfilesInputError) as e:
        study_profiles(score_responses(sim.data, inst), inst,
                       ProfileSettings(k="1-2", outcomes=("affective",)), seed=1)
    assert e.value.code == "profiles_input"
