"""The standalone HTML survey without a browser: structure, escaping, offline, determinism,
the seeded order (Python and the page's JavaScript agree), and the ``engagekit survey`` command."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from survey_checks import check_html_survey, html_tags

from instruments import load_instrument
from instruments.loader import dump_instrument
from instruments.survey import display_order, render_html, shuffled, survey_pages
from reports.cli import main

INST = load_instrument("five_commitments")


_tags = html_tags


@pytest.mark.parametrize("lang", ["en", "nl", "de", "fr"])
def test_one_fieldset_with_legend_and_native_radios_per_item(lang):
    html = render_html(INST, lang)
    check_html_survey(html, INST, lang)
    tags = _tags(html)
    number = next(a for t, a in tags if t == "input" and a.get("name") == "share_of_category")
    assert (number["type"], number["min"], number["max"]) == ("number", "0", "100")


def test_self_contained_no_network_loads():
    html = render_html(INST)
    tags = _tags(html)
    assert not [a for t, a in tags if t in ("link", "img", "iframe", "object", "embed")]
    assert [a for t, a in tags if t == "script" and "src" in a] == []
    assert "http://" not in html.replace("http: https:", "") and "https://" not in html
    csp = next(a["content"] for t, a in tags if a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp.split("style-src")[0]


def test_same_inputs_give_the_same_bytes():
    assert render_html(INST, "de", brand="Acme") == render_html(INST, "de", brand="Acme")
    assert render_html(INST, "de", brand="Acme") != render_html(INST, "de", brand="Other")


def test_instrument_text_and_brand_are_escaped(tmp_path):
    payload = "<img src=x onerror=alert(1)>"
    text = dump_instrument(INST).replace("I feel an emotional bond with {brand}.",
                                         payload + " {brand} & \"quotes\"")
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    html = render_html(load_instrument(path), brand="</script><script>alert(2)</script>")
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count("<script") == 2  # the JSON config and the survey script only
    assert "</script><script>alert(2)" not in html
    config = re.search(r'<script type="application/json" id="ek-config">(.*?)</script>', html,
                       re.S).group(1)
    assert json.loads(config)["placeholders"]["brand"] == "</script><script>alert(2)</script>"


def test_display_order_shuffles_randomized_blocks_only_and_is_seeded():
    pages = survey_pages(INST)
    fixed = [q.id for p in pages for q in p.questions]
    a, b = display_order(INST, "r-001"), display_order(INST, "r-002")
    assert a == display_order(INST, "r-001")
    assert sorted(a) == sorted(fixed) and a != b
    start = 0
    for p in pages:
        ids = [q.id for q in p.questions]
        chunk = a[start:start + len(ids)]
        assert sorted(chunk) == sorted(ids)
        if not p.block.randomize:
            assert chunk == ids
        start += len(ids)
    orders = {tuple(shuffled(list("abcdef"), f"s{i}")) for i in range(200)}
    assert len(orders) > 150  # many different orders, not a few


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_shuffle_matches_python():
    js = (resources.files("instruments.survey") / "templates" / "survey.js").read_text("utf-8")
    code = js.split("// ---- seeded order")[1].split("\n", 1)[1].split("// ---- respondent")[0]
    cases = [(list("abcdefghij"), "r-001:relationship"), (["x", "y"], "é€😀"),
             ([f"i{n}" for n in range(23)], "seed-42:intentions")]
    script = code + "\nconst cases = " + json.dumps(cases) + ";\n" \
        "console.log(JSON.stringify(cases.map(([ids, s]) => shuffled(ids, s))));"
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [shuffled(ids, s) for ids, s in cases]


def test_cli_writes_html(tmp_path, capsys):
    out = tmp_path / "s.html"
    assert main(["survey", "five_commitments", "--format", "html", "--lang", "fr",
                 "--brand", "Acme", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render_html(INST, "fr", brand="Acme")
    assert main(["survey", "five_commitments", "-f", "html", "-o", str(tmp_path) + "/d/"]) == 0
    assert (tmp_path / "d" / "five_commitments.html").is_file()


@pytest.mark.parametrize("args, message", [
    (["--lang", "xx"], "'xx' is not a language of instrument 'five_commitments'"),
    (["--endpoint", "ftp://x"], "must start with https://"),
])
def test_cli_bad_options_exit_2_with_a_message(tmp_path, capsys, args, message):
    code = main(["survey", "five_commitments", "-f", "html", "-o", str(tmp_path / "x.html"),
                 *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_cli_broken_instrument_exits_2_with_the_validators_message(tmp_path, capsys):
    text = dump_instrument(INST).replace("scale: agree7", "scale: agree5", 1)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    code = main(["survey", str(path), "-f", "html", "-o", str(tmp_path / "x.html")])
    err = capsys.readouterr().err
    assert code == 2
    assert "broken.yaml:" in err and "unknown scale 'agree5'" in err
    assert not (tmp_path / "x.html").exists()


def _plain_tags() -> list[str]:
    inst = INST.model_copy(deep=True)
    inst.item("aff_01").text["en"] = "plain"
    return [t for t, _ in _tags(render_html(inst, brand="Acme"))]


_PLAIN_TAGS = _plain_tags()


@settings(max_examples=40, deadline=None)
@given(text=st.text(min_size=1, max_size=60).filter(lambda t: "{" not in t and t.strip()),
       brand=st.text(min_size=1, max_size=30))
def test_any_item_text_or_brand_adds_no_markup(text, brand):
    inst = INST.model_copy(deep=True)
    inst.item("aff_01").text["en"] = text
    html = render_html(inst, brand=brand)
    assert [t for t, _ in _tags(html)] == _PLAIN_TAGS
    legend = re.search(r'id="item-aff_01".*?<span class="qtext">(.*?)</span>', html, re.S)
    unescaped = legend.group(1).replace("&lt;", "<").replace("&gt;", ">").replace(
        "&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")
    assert unescaped == text
