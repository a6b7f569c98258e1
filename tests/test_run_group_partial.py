"""Partial invariance across groups in ``engagekit run --group G --invariance-partial RULE``
(issue 19, item 4: "works for groups as well as waves").

Two small instruments written for these tests run through the whole pipeline:

* HolzingerSwineford1939 (semopy's copy) as an instrument of three ability constructs, by
  school: the search with the chi-square rule releases x3's then x7's intercept (scalar) and
  x6's residual variance (strict), as lavaan users find (the lavaan fits of those partial
  models are checked in tests/test_sem_longinv.py);
* tests/data/longinv_groups.csv (two groups, the loading of x3 on F1 is 0.9 vs 0.4) with the
  structural model F2 ~ F1: the search (ΔCFI/ΔRMSEA rule) releases F1=~x3, and the path
  comparison across groups then holds only the other loadings equal; its fits and difference
  test are lavaan's (tests/data/group_paths_partial_reference.json, from
  group_paths_partial_reference.R).

The run's search must equal a direct :func:`analysis.sem.partial.partial_invariance_groups`
call on the same data (1e-12).
"""

from __future__ import annotations

import json
import math
import re
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from browser import browser  # noqa: F401  (session fixture: headless Chromium)

from analysis.sem.partial import partial_invariance_groups
from analysis.sem.sequence import named_rule
from reports.cli import main

DATA = Path(__file__).parent / "data"
REF = json.loads((DATA / "group_paths_partial_reference.json").read_text())
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _instrument(path: Path, ident: str, constructs: dict[str, list[str]], outcome: str,
                lo: int, hi: int) -> Path:
    """A minimal instrument: numeric items from lo to hi, ``outcome`` ~ the other constructs."""
    lines = ["format: engagekit-instrument/1", f"id: {ident}", f"title: {{en: {ident}}}",
             "version: 1.0.0", "default_language: en",
             "languages: [{code: en, name: English, status: source}]",
             "citations: [{key: t, text: Test fixture.}]",
             "changelog: [{version: 1.0.0, date: 2026-12-06, changes: [Test fixture.]}]",
             f"scales: [{{id: score, kind: numeric, min: {lo}, max: {hi}}}]", "constructs:"]
    for c, items in constructs.items():
        role = "outcome" if c == outcome else "predictor"
        lines += [f"  - id: {c}", f"    name: {c}", f"    definition: {c}.",
                  "    source: [t]", f"    role: {role}", "    scale: score", "    items:"]
        lines += [f"      - {{id: {i}, text: {{en: Item {i}}}}}" for i in items]
    lines += ["survey:", "  blocks:", "    - id: all", "      title: {en: All}",
              f"      constructs: [{', '.join(constructs)}]", "model:", "  paths:",
              f"    - outcome: {outcome}",
              f"      predictors: [{', '.join(c for c in constructs if c != outcome)}]"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hs_files(tmp_path_factory):
    from semopy.examples import holzinger39

    d = tmp_path_factory.mktemp("hs")
    data = holzinger39.get_data().rename(columns={"id": "respondent_id"})
    data.to_csv(d / "hs.csv", index=False)
    inst = _instrument(d / "hs.yaml", "holzinger", {
        "visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
        "speed": ["x7", "x8", "x9"]}, "speed", 0, 10)
    return {"dir": d, "csv": d / "hs.csv", "inst": inst, "data": data}


def _run(files, out: Path, *extra: str) -> int:
    return main(["run", str(files["csv"]), "-i", str(files["inst"]), "--keep-column",
                 files.get("group", "school"), "--group", files.get("group", "school"),
                 "--exclude-rules", "none", "--boot", "0", "-o", str(out), *extra])


@pytest.fixture(scope="module")
def hs_run(hs_files):
    out = hs_files["dir"] / "partial"
    assert _run(hs_files, out, "--invariance-partial", "chisq") == 0
    return {"dir": out, "results": json.loads((out / "results.json").read_text()),
            "html": (out / "report.html").read_text(encoding="utf-8")}


def _prose(html: str) -> str:
    text = re.sub(r"<svg .*?</svg>", " ", html, flags=re.S)
    text = re.sub(r"<style.*?</style>", " ", text, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)))


def _same(a, b, tol=1e-12) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is None and (b is None or math.isnan(b)) or b is None and math.isnan(a)
        return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tol * max(1.0, abs(b))
    return a == b


def test_run_equals_a_direct_search(hs_run, hs_files):
    """results.json's validation.invariance.partial is the direct call's result."""
    part = hs_run["results"]["validation"]["invariance"]["partial"]
    data = hs_files["data"]
    direct = partial_invariance_groups(HS, data, "school", rule=named_rule("chisq"),
                                       estimator="ML", missing="listwise").to_dict()
    assert part["freed"] and len(part["freed"]) == len(direct["freed"])
    for a, b in zip(part["freed"], direct["freed"], strict=True):
        assert a["text"] == b["text"] and _same(a["X2"], b["X2"])
    for key in ("table", "steps", "means"):
        assert len(part[key]) == len(direct[key]), key
        for ra, rb in zip(part[key], direct[key], strict=True):
            for col, vb in rb.items():
                if isinstance(vb, (float, int)) and not isinstance(vb, bool):
                    assert _same(float(ra[col]) if ra[col] is not None else None,
                                 float(vb)), (key, col)
                else:
                    assert ra[col] == vb, (key, col)
    assert part["rule"] == direct["rule"]


def test_hs_search_releases_what_lavaan_users_find(hs_run):
    part = hs_run["results"]["validation"]["invariance"]["partial"]
    assert part["group.partial"] == ["x3~1", "x7~1", "x6~~x6"]
    assert [r["decision"] for r in part["table"]] == ["baseline", "invariant", "partial",
                                                      "partial"]
    assert part["rule"]["criterion"] == "chisq"
    assert "chi-square difference test has p < 0.05" in part["rule"]["text"]
    # the latent means of the second school, from the partial scalar model, comparable
    assert [m["factor"] for m in part["means"]] == ["visual", "textual", "speed"]
    assert {m["where"] for m in part["means"]} == {"Grant-White"}
    assert all(m["comparable"] for m in part["means"])
    assert hs_run["results"]["settings"]["validation"]["invariance_partial"] == "chisq"
    # no loading released: the path comparison holds every loading equal
    assert "free_loadings" not in hs_run["results"]["groups"]


def test_hs_report_and_methods(hs_run):
    text = _prose(hs_run["html"])
    assert "Partial invariance: final models" in text
    assert "Constraints released across school" in text
    assert "Latent mean differences from group Pasteur" in text
    assert "Partial invariance search: not invariant when the chi-square difference" in text
    assert ("Partial invariance across school was searched for (not invariant when the "
            "chi-square difference test") in text
    assert "released: x3~1, x7~1, x6~~x6." in text
    assert "Not searched" not in text and "was not searched for" not in text
    assert "Sörbom, D. (1989)" in text  # the citation is in the references


def test_rerender_is_identical(hs_run, tmp_path):
    out = tmp_path / "again.html"
    assert main(["report", str(hs_run["dir"] / "results.json"), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == hs_run["html"]


def test_without_the_search_the_report_offers_it(hs_files, capsys):
    out = hs_files["dir"] / "plain"
    assert _run(hs_files, out) == 0
    echoed = capsys.readouterr().out
    assert ("invariance across school: scalar not supported (needs ΔCFI ≥ −.01 and "
            "ΔRMSEA ≤ .015); --invariance-partial fit|either|chisq searches") in echoed
    res = json.loads((out / "results.json").read_text())
    assert "partial" not in res["validation"]["invariance"]
    text = _prose((out / "report.html").read_text(encoding="utf-8"))
    assert ("The scalar level is not supported across school. Partial invariance was not "
            "searched for") in text
    assert "--group school --invariance-partial fit|either|chisq" in text


def test_either_rule_matches_the_sequence_table(hs_files, capsys):
    """``either`` (ΔCFI or ΔRMSEA) is the reading of the plain sequence table, which rejects
    the scalar level; the search then releases intercepts (the default ``fit`` rule, both
    changes together, accepts the scalar level as it is)."""
    out = hs_files["dir"] / "either"
    assert _run(hs_files, out, "--invariance-partial", "either") == 0
    echoed = capsys.readouterr().out
    inv = json.loads((out / "results.json").read_text())["validation"]["invariance"]
    plain = {r["model"]: r["decision"] for r in inv["table"]}
    part = {r["model"]: r for r in inv["partial"]["table"]}
    assert plain["scalar"] == "not supported" and part["scalar"]["decision"] == "partial"
    assert inv["partial"]["rule"]["combine"] == "either"
    assert "ΔCFI <= -0.01 or ΔRMSEA >= 0.015 (Cheung & Rensvold, 2002; Chen, 2007)" in echoed
    assert "  scalar: partial after releasing x3~1 (all groups)" in echoed
    direct = partial_invariance_groups(HS, hs_files["data"], "school",
                                       rule=named_rule("fit"))
    assert direct.table["decision"].tolist()[2] == "invariant"


@pytest.mark.parametrize("extra, message", [
    (["--invariance-partial", "chisq"], "give the grouping column with --group"),
])
def test_search_needs_a_group(hs_files, tmp_path, capsys, extra, message):
    code = main(["run", str(hs_files["csv"]), "-i", str(hs_files["inst"]), "--boot", "0",
                 "-o", str(tmp_path / "o"), *extra])
    assert code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("extra, message", [
    (["--method", "pls"], "tests the composites' invariance by MICOM"),
    (["--estimator", "WLSMV"], "use --estimator ML, MLM or MLR"),
    (["--invariance-partial", "aic"], "Invalid value for '--invariance-partial'"),
])
def test_search_usage_errors(hs_files, tmp_path, capsys, extra, message):
    args = ["--invariance-partial", "chisq", *extra] if extra[0] != "--invariance-partial" \
        else extra
    assert _run(hs_files, tmp_path / "o", *args) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_released_loading_carried_into_the_path_comparison(tmp_path):
    """Groups whose x3 loads 0.9 vs 0.4: the search releases F1=~x3, and the paths are
    compared with the other loadings equal; fits, estimates and the difference test are
    lavaan's (group.partial = "F1=~x3")."""
    data = pd.read_csv(DATA / "longinv_groups.csv")
    csv = tmp_path / "groups.csv"
    data.to_csv(csv, index_label="respondent_id")
    inst = _instrument(tmp_path / "mg.yaml", "twofactor", {
        "f1": ["x1", "x2", "x3", "x4"], "f2": ["x5", "x6", "x7", "x8"]}, "f2", -5, 10)
    files = {"csv": csv, "inst": inst, "group": "group"}
    assert _run(files, tmp_path / "out", "--invariance-partial", "fit") == 0
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    assert res["validation"]["invariance"]["partial"]["group.partial"] == ["f1=~x3"]
    g = res["groups"]
    assert g["free_loadings"] == ["f1=~x3"]
    assert g["fit_free"]["chisq"] == pytest.approx(REF["free"]["chisq"], abs=1e-3)
    assert g["fit_free"]["df"] == REF["free"]["df"]
    (path,) = g["paths"]
    assert path["chisq.diff"] == pytest.approx(REF["diff"]["chisq.diff"], abs=1e-3)
    assert path["pvalue"] == pytest.approx(REF["diff"]["pvalue"], abs=1e-3)
    assert g["omnibus"]["chisq.diff"] == pytest.approx(REF["diff"]["chisq.diff"], abs=1e-3)
    for r, lab in zip(REF["paths"], g["groups"], strict=True):
        assert path[f"est[{lab}]"] == pytest.approx(r["est"], abs=1e-3)
        assert path[f"se[{lab}]"] == pytest.approx(r["se"], abs=1e-3)
        assert path[f"std[{lab}]"] == pytest.approx(r["std.all"], abs=1e-3)
    text = _prose((tmp_path / "out" / "report.html").read_text(encoding="utf-8"))
    assert ("Loadings held equal across groups except f1=~x3 (released by the "
            "partial-invariance search).") in text
    assert "with the loadings held equal except f1=~x3 (partial metric invariance)" in text


@pytest.mark.browser
def test_group_partial_section_in_chromium(hs_run, browser):  # noqa: F811
    from browser import file_url, reset_viewport, set_viewport

    set_viewport(browser, 1280, 900)
    try:
        browser.get(file_url(hs_run["dir"] / "report.html"))
        got = browser.execute_script("""
            const h = document.getElementById('invariance');
            const sec = h.closest('section') || h.parentElement;
            const tables = [...sec.querySelectorAll('table')];
            return {
              captions: tables.map(t => t.caption ? t.caption.innerText : ''),
              visible: tables.map(t => t.getBoundingClientRect().width > 0),
              wide: tables.filter(t => t.parentElement.scrollWidth
                                       > t.parentElement.clientWidth + 1).length,
              text: sec.innerText};""")
    finally:
        reset_viewport(browser)
    assert [c.splitlines()[-1] for c in got["captions"] if c] == [
        "Invariance sequence", "Partial invariance: final models",
        "Constraints released across school", "Latent mean differences from group Pasteur"]
    assert all(got["visible"])
    assert got["wide"] == 0  # no table scrolls sideways at 1280 px
    assert "x3~1 (all groups)" in got["text"] and "x6~~x6 (all groups)" in got["text"]
    assert "chi-square difference test has p < 0.05" in got["text"]
