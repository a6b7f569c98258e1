"""`engagekit demo --instrument NAME` gives a full report for every bundled instrument (issue 8):
simulated respondents -> screening -> scoring -> validation -> effects -> report, with no
instrument-specific code in between."""

from __future__ import annotations

import json
import re

import pytest

from analysis.results_schema import check_results
from instruments import bundled_names, load_instrument
from reports.cli import main

CORE_SECTIONS = ["findings", "sample", "distributions", "reliability", "factor-structure",
                 "validity", "structural", "methods"]


@pytest.mark.parametrize("name", bundled_names())
def test_demo_report_for_every_bundled_instrument(name, tmp_path, capsys):
    out = tmp_path / name
    rc = main(["demo", "--instrument", name, "-o", str(out), "--n", "400", "--boot", "30",
               "--jobs", "1", "--seed", "11"])
    assert rc == 0, capsys.readouterr().err
    html = (out / "report.html").read_text(encoding="utf-8")
    for sid in CORE_SECTIONS:
        assert f'id="{sid}"' in html, (name, sid)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    check_results(results, name)  # what `engagekit report` accepts, for every instrument
    inst = load_instrument(name)
    assert results["instrument"]["id"] == name and results["instrument"]["version"] == inst.version
    # every structural path the instrument declares was estimated and is in the diagram
    declared = {(pred, p.outcome) for p in inst.model.paths for pred in p.predictors}
    estimated = {(r["rhs"], r["lhs"]) for r in results["effects"]["paths"]}
    assert declared <= estimated, declared - estimated
    for pred, outcome in declared:
        assert f'data-from="{pred}" data-to="{outcome}"' in html, (pred, outcome)
    # every multi-item construct has a reliability row and a CFA fit
    rel = {r["construct"] for r in results["validation"]["reliability"]}
    multi = {c.id for c in inst.measured_constructs() if len(inst.measurement_items(c)) > 1}
    assert multi == rel
    assert results["validation"]["cfa"]["converged"]
    assert "{" not in html.split("<style")[0]  # no unfilled placeholder in the page head
    # an outcome the instrument marks as one to lower has its map read on lowering it: the
    # drivers that lower it are not drawn reversed (the total effects, recomputed from the
    # results' effects table, give the SVG points' importance with their sign reversed)
    worse = [c.id for c in inst.constructs if not c.higher_is_better]
    for ip in results["observed"]["ipma"]:
        assert ip.get("higher_is_better", True) == (ip["outcome"] not in worse)
        if ip["outcome"] in worse:
            total = {e["predictor"]: e["std.all"] for e in results["effects"]["effects"]
                     if e["kind"] == "total" and e["outcome"] == ip["outcome"]}
            name_of = {c["id"]: c["name"] for c in results["instrument"]["constructs"]}
            svg = html[html.index(f"Importance-performance map: {name_of[ip['outcome']]}"):]
            for pred, eff in total.items():
                label = name_of[pred] + (" (reversed)" if eff > 0 else "")
                got = re.search(rf'data-label="{re.escape(label)}"[^>]*data-importance="'
                                rf'([-\d.e]+)"', svg)
                assert got and float(got.group(1)) == pytest.approx(-eff if eff < 0 else eff,
                                                                    abs=1e-6), (pred, label)
            assert "is an outcome to lower (the instrument says so)" in html
            assert (f"The instrument marks {name_of[ip['outcome']].lower()} as an outcome to "
                    "lower: its map reads each driver&#39;s effect on lowering it.") in html
