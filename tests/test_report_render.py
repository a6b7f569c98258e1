"""The report page: APA number formatting and tables (reports.format), Jinja2 rendering
(autoescape, StrictUndefined, numbering, blocks, macros) and a demo page built from every part,
opened in headless Chromium (console errors, SVG sizes, escaping, phone layout, print CSS,
axe-core, phone and desktop screenshots into test-artifacts/)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest
from browser import browser  # noqa: F401  (a session fixture: headless Chromium)
from markupsafe import Markup

from reports import figures
from reports.format import (
    apa,
    apa_ci,
    apa_coef,
    apa_int,
    apa_p,
    apa_pct,
    fit_badges,
    stars,
)
from reports.render import make_environment, number_items, render_html
from reports.tables import table_html

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
XSS = "<script>alert(1)</script>"

PREDICTORS = ["Affective commitment", "Normative commitment", "Economic commitment",
              "Forced commitment", XSS]
AGREE5 = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
          "Strongly agree"]


# --------------------------------------------------------------------------- format


@pytest.mark.parametrize(("x", "kwargs", "expected"), [
    (0.0456, {"bounded": True}, ".05"),
    (-0.5, {}, "\u22120.50"),
    (-0.5, {"bounded": True}, "\u2212.50"),
    (0.125, {}, "0.13"),            # half away from zero, not banker's rounding
    (0.115, {"decimals": 2}, "0.12"),  # 0.115 is 0.11499999... in binary; APA means 0.115
    (-0.004, {}, "0.00"),           # no "negative zero"
    (1.0, {"bounded": True}, "1.00"),
    (0.9996, {"bounded": True, "decimals": 3}, "1.000"),
    (1234.5678, {}, "1,234.57"),
    (-1234.5, {"decimals": 1}, "\u22121,234.5"),
    (2.0, {"decimals": 0}, "2"),
    (float("nan"), {}, "\u2014"),
    (None, {}, "\u2014"),
    (float("inf"), {}, "\u221e"),
])
def test_apa_numbers(x, kwargs, expected):
    assert apa(x, **kwargs) == expected


@pytest.mark.parametrize(("p", "expected"), [
    (0.0004, "< .001"), (0.00099, "< .001"), (0.001, ".001"), (0.032, ".032"),
    (0.0456, ".046"), (0.05, ".050"), (0.9996, "> .999"), (1.0, "> .999"), (0.5, ".500"),
    (None, "\u2014"),
])
def test_apa_p(p, expected):
    assert apa_p(p) == expected


def test_p_prefix_ci_stars_counts_percent():
    assert apa_p(0.032, prefix=True) == "p = .032"
    assert apa_p(0.0001, prefix=True) == "p < .001"
    assert apa_p(0.0456, decimals=2) == ".05"
    with pytest.raises(ValueError):
        apa_p(1.2)
    assert apa_ci(0.123, 0.341, bounded=True) == "[.12, .34]"
    assert apa_ci(-0.2, 0.05) == "[\u22120.20, 0.05]"
    assert [stars(p) for p in (0.0009, 0.001, 0.009, 0.01, 0.049, 0.05, None)] == \
        ["***", "**", "**", "*", "*", "", ""]
    assert apa_coef(-0.183, 0.003) == "\u22120.18**" and apa_coef(0.04, 0.5) == "0.04"
    assert apa_coef(0.5, 0.0001, bounded=True) == ".50***"
    assert apa_int(1234567) == "1,234,567" and apa_int(-3) == "\u22123"
    assert apa_pct(41.04) == "41.0%" and apa_pct(0.5, 0, proportion=True) == "50%"


def test_fit_badges_hu_bentler():
    fm = {"chisq": 402.314, "df": 142.0, "pvalue": 1e-12, "cfi": 0.9621, "tli": 0.9432,
          "rmsea": 0.0634, "rmsea.ci.lower": 0.0551, "rmsea.ci.upper": 0.0712, "srmr": 0.1123}
    b = {x["text"].split(" ")[0]: x for x in fit_badges(fm)}
    assert b["\u03c7\u00b2(142)"]["text"] == "\u03c7\u00b2(142) = 402.31, p < .001"
    assert b["\u03c7\u00b2(142)"]["status"] == "info"
    assert b["CFI"] == {"status": "pass", "text": "CFI = .962",
                        "detail": "meets Hu & Bentler (1999) cut-off (\u2265 .95)"}
    assert b["TLI"]["status"] == "warn"  # .943: under .95, over .90
    assert b["RMSEA"]["text"] == "RMSEA = .063 [.055, .071]"
    assert b["RMSEA"]["status"] == "warn"
    assert b["SRMR"]["status"] == "fail"  # .112 > .10
    # exactly on the cut-off meets it; robust versions are preferred when present
    b = fit_badges({"cfi": 0.95, "cfi.robust": 0.89, "rmsea": 0.06, "rmsea.robust": 0.05})
    assert [x["status"] for x in b] == ["fail", "pass"]
    b = fit_badges({"cfi": 0.95, "cfi.robust": 0.89, "rmsea": 0.06}, robust=False)
    assert [x["status"] for x in b] == ["pass", "pass"]
    assert fit_badges({"chisq": 3.1, "df": 2, "pvalue": 0.21})[0]["status"] == "pass"


def test_table_html_apa_structure_and_escaping():
    import pandas as pd

    df = pd.DataFrame({"construct": ["Affective", XSS], "n": [120, 1500],
                       "alpha": [0.8749, 0.70], "mean": [-0.5, 3.14159], "p": [0.0004, 0.2]})
    html = table_html(df, columns={"construct": "Construct", "n": "N", "alpha": "\u03b1",
                                   "mean": "M", "p": "p"},
                      caption=f"Reliability {XSS}", label="Table 2",
                      number_formats={"alpha": "bounded", "mean": 3, "p": "p"},
                      note=f"Values {XSS} & more.", table_id="rel")
    p = _Collect()
    p.feed(html)
    tags = [t for t, _ in p.tags]
    assert "script" not in tags
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 3  # cell, caption, note
    assert XSS not in html
    # caption above (first child of the table), note after the table
    assert re.search(r"<table id=\"rel\"><caption id=\"rel-caption\">"
                     r"<span class=\"table-label\">Table 2</span>"
                     r"<span class=\"table-title\">Reliability &lt;script", html)
    assert html.index("</table>") < html.index('<p class="table-note"><em>Note.</em> Values')
    assert "&amp; more." in html
    # headers with scope, numeric columns right-aligned via class, first column a row header
    assert '<th scope="col">Construct</th>' in html
    assert '<th scope="col" class="num">N</th>' in html
    assert '<th scope="row">Affective</th>' in html
    row1 = re.findall(r"<td class=\"num\">([^<]*)</td>", html)
    assert row1 == ["120", ".87", "\u22120.500", "&lt; .001", "1,500", ".70", "3.142", ".200"]
    # the scroll wrapper is a labelled, focusable region (horizontal scrolling on phones)
    assert '<div class="table-scroll" tabindex="0" role="region" aria-labelledby="rel-caption">' \
        in html
    # records and a dict of columns give the same table; unknown format columns are an error
    assert table_html(df.to_dict("records")) == table_html(df)
    assert table_html({"a": [1, 2], "b": ["x", "y"]}) == table_html([{"a": 1, "b": "x"},
                                                                     {"a": 2, "b": "y"}])
    with pytest.raises(ValueError, match="not shown"):
        table_html(df, columns=["construct"], number_formats={"alpha": 2})
    with pytest.raises(ValueError, match="unknown number format"):
        table_html(df, number_formats={"alpha": "fancy"})
    # a matrix with its index as the row header column
    m = pd.DataFrame([[1.0, 0.52], [0.52, 1.0]], index=["Aff", "Nor"], columns=["Aff", "Nor"])
    mh = table_html(m, index=True, number_formats={"Aff": "bounded", "Nor": "bounded"})
    assert '<th scope="row">Nor</th><td class="num">.52</td><td class="num">1.00</td>' in mh
    # missing values: em dash
    assert "<td class=\"num\">\u2014</td>" in table_html([{"a": "x", "b": 1.5},
                                                             {"a": "y", "b": None}])


# --------------------------------------------------------------------------- demo page


def demo_context() -> dict:
    """A report context that uses every building block (numbers are made up)."""
    constructs = (
        [{"id": f"c{i}", "name": n, "role": "predictor"} for i, n in enumerate(PREDICTORS)]
        + [{"id": "sat", "name": "Satisfaction", "role": "mediator"},
           {"id": "ret", "name": "Retention intention", "role": "outcome"},
           {"id": "wom", "name": "Word of mouth", "role": "outcome"}])
    betas_sat = [0.41, 0.12, -0.18, -0.05, 0.07]
    p_sat = [0.0001, 0.02, 0.003, 0.31, 0.12]
    paths = [{"from": f"c{i}", "to": "sat", "beta": b, "p": p}
             for i, (b, p) in enumerate(zip(betas_sat, p_sat, strict=True))]
    paths += [{"from": "sat", "to": "ret", "beta": 0.48, "p": 0.00002},
              {"from": "sat", "to": "wom", "beta": 0.55, "p": 0.00001}]
    direct = {("c0", "ret"): (0.22, 0.001), ("c1", "ret"): (0.09, 0.04),
              ("c2", "ret"): (0.16, 0.008), ("c3", "ret"): (0.04, 0.5),
              ("c4", "ret"): (0.11, 0.03), ("c0", "wom"): (0.25, 0.0004),
              ("c1", "wom"): (0.03, 0.61), ("c2", "wom"): (-0.12, 0.02),
              ("c3", "wom"): (-0.21, 0.001), ("c4", "wom"): (0.02, 0.74)}
    paths += [{"from": a, "to": b, "beta": v[0], "p": v[1]} for (a, b), v in direct.items()]
    r2 = {"sat": 0.38, "ret": 0.46, "wom": 0.52}

    dist = {
        "Affective commitment": {"aff_01 I feel emotionally attached to {brand}": [4, 10, 22, 48, 36],
                                 "aff_02 {brand} means a lot to me": [8, 15, 30, 40, 27],
                                 "aff_03 I identify with {brand}": [12, 20, 35, 33, 20]},
        XSS: {"hab_01 Buying {brand} is a habit": [5, 9, 18, 50, 38],
              "hab_02 I buy {brand} without thinking": [10, 18, 25, 37, 30]},
        "Satisfaction": {"sat_01 Overall I am satisfied": [2, 6, 15, 55, 42],
                         "sat_02 {brand} meets my expectations": [3, 9, 20, 52, 36]},
    }
    htmt_labels = ["Affective", "Normative", "Economic", "Forced", XSS, "Satisfaction"]
    htmt = [[1, .52, .31, .22, .44, .71],
            [.52, 1, .40, .35, .38, .47],
            [.31, .40, 1, .80, .33, .28],
            [.22, .35, .80, 1, .29, .19],
            [.44, .38, .33, .29, 1, .87],
            [.71, .47, .28, .19, .87, 1]]
    upper = [[min(1.0, v + .08) for v in row] for row in htmt]
    reliability = [
        {"construct": n, "items": k, "alpha": a, "omega": o, "ave": v, "cr": c}
        for n, k, a, o, v, c in [
            ("Affective commitment", 3, .874, .881, .712, .881),
            ("Normative commitment", 3, .812, .818, .604, .820),
            ("Economic commitment", 3, .781, .790, .561, .792),
            ("Forced commitment", 3, .692, .705, .455, .709),
            (XSS, 2, .801, .801, .668, .801),
            ("Satisfaction", 2, .905, .905, .827, .905)]]
    fit = fit_badges({"chisq": 402.31, "df": 142, "pvalue": 1e-9, "cfi": 0.962, "tli": 0.951,
                      "rmsea": 0.063, "rmsea.ci.lower": 0.055, "rmsea.ci.upper": 0.071,
                      "srmr": 0.041})
    fit.append({"status": "fail", "text": "Heywood case", "detail": "negative residual variance"})
    weights = [0.142, 0.051, 0.038, 0.012, 0.019]
    return {
        "title": "Customer commitment study \u2014 engagekit report",
        "lang": "en",
        "subtitle": "Five commitments (Keiningham et al., 2015), satisfaction and loyalty",
        "meta": [{"label": "Instrument", "value": "five_commitments 1.2.0"},
                 {"label": "N", "value": "412"},
                 {"label": "Brand", "value": XSS}],
        "summary": {"heading": "Key numbers", "cards": [
            {"label": "Completed responses", "value": "412", "note": "of 530 started"},
            {"label": "CFI", "value": ".962", "status": "pass", "note": "\u2265 .95"},
            {"label": "R\u00b2 retention", "value": ".46"},
            {"label": "Premium loyalty", "value": "31.6%", "note": "n = 130"},
        ]},
        "sections": [
            {"id": "items", "heading": "Item responses",
             "intro": f"How customers answered each item, grouped by construct. {XSS}",
             "blocks": [{"type": "figure", "svg": figures.likert_diverging(
                 dist, AGREE5, "Item responses by construct"),
                 "caption": "Response distributions, centred on the neutral point."}]},
            {"id": "measurement", "heading": "Measurement model",
             "blocks": [
                 {"type": "badges", "items": fit},
                 {"type": "table", "data": reliability, "caption": "Reliability and convergent validity",
                  "columns": {"construct": "Construct", "items": "k", "alpha": "\u03b1",
                              "omega": "\u03c9", "ave": "AVE", "cr": "CR"},
                  "number_formats": {"alpha": "bounded", "omega": "bounded", "ave": "bounded",
                                     "cr": "bounded"},
                  "note": f"\u03b1 = Cronbach's alpha; \u03c9 = McDonald's omega. {XSS}"},
                 {"type": "figure", "svg": figures.htmt_heatmap(htmt, htmt_labels, ci_upper=upper),
                  "caption": "Discriminant validity: HTMT with upper 90% bootstrap limits."},
             ],
             "subsections": [{"id": "fit-details", "heading": "Fit details",
                              "blocks": [{"type": "text", "text": "Robust ML (MLR).\n\nSecond paragraph."},
                                         {"type": "badge", "status": "info", "text": "Scaled \u03c7\u00b2 reported"}]}]},
            {"id": "structural", "heading": "Structural model",
             "blocks": [{"type": "figure", "svg": figures.path_diagram(constructs, paths, r2),
                         "caption": "Standardized path coefficients."},
                        {"type": "list", "items": ["Affective commitment drives satisfaction.", XSS]}]},
            {"id": "drivers", "heading": "Key drivers",
             "blocks": [
                 {"type": "figure", "svg": figures.driver_bars(weights, PREDICTORS,
                                                               "Drivers of retention intention",
                                                               r2=sum(weights)),
                  "caption": "General dominance weights."},
                 {"type": "figure", "svg": figures.importance_performance(
                     [0.39, 0.12, 0.21, -0.02, 0.14], [71.5, 58.2, 44.0, 38.5, 66.3], PREDICTORS),
                  "caption": "Importance (total effect on retention) against performance."},
             ]},
            {"id": "segments", "heading": "Loyalty segments",
             "blocks": [{"type": "figure", "svg": figures.segments_matrix(
                 {"no_loyalty": 98, "spurious": 121, "latent": 63, "premium": 130}),
                 "caption": "Dick and Basu (1994) loyalty segments."}]},
        ],
        "footer": "Generated by engagekit.",
    }


# --------------------------------------------------------------------------- without a browser


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def demo_html() -> str:
    return render_html(demo_context())


def test_page_structure(demo_html):
    p = _Collect()
    p.feed(demo_html)
    tags = [t for t, _ in p.tags]
    assert demo_html.startswith("<!DOCTYPE html>")
    html_attrs = dict(p.tags)["html"]
    assert html_attrs["lang"] == "en"
    assert tags.count("h1") == 1
    assert "nav" in tags and "main" in tags
    # every section heading has an entry in the table of contents, pointing at its id
    section_ids = [a["id"] for t, a in p.tags if t == "section" and "report-section" in a.get("class", "")]
    toc = [a["href"] for t, a in p.tags if t == "a" and a.get("href", "").startswith("#")]
    assert {"items", "measurement", "fit-details", "structural", "drivers", "segments"} <= set(section_ids)
    assert all(f"#{i}" in toc for i in section_ids)
    # figures: 6, each with a figcaption numbered in order; every svg has role=img and a title
    assert tags.count("figure") == 6 and tags.count("figcaption") == 6
    labels = re.findall(r'<span class="fig-label">(Figure \d+)\.</span>', demo_html)
    assert labels == [f"Figure {i}" for i in range(1, 7)]
    svgs = [a for t, a in p.tags if t == "svg"]
    assert len(svgs) == 6 and all(a.get("role") == "img" and a.get("aria-label") for a in svgs)
    assert tags.count("title") == 1 + 6 + 8  # page, one per svg, one per path-diagram node
    # the table: caption with its number, th scope, numeric class
    assert '<span class="table-label">Table 1</span>' in demo_html
    assert 'scope="col"' in demo_html and 'scope="row"' in demo_html
    assert '<td class="num">.874</td>' not in demo_html  # bounded, 2 decimals by default
    assert '<td class="num">.87</td>' in demo_html
    # self-contained: no script, no external reference of any kind
    assert "script" not in tags
    assert not re.search(r'(?:src|href)="(?!#|data:)', demo_html)
    assert "http://" not in demo_html.replace('xmlns="http://www.w3.org/2000/svg"', "") \
        .replace('xmlns:xlink="http://www.w3.org/1999/xlink"', "")
    assert "https://" not in demo_html
    assert "default-src 'none'" in demo_html
    # print CSS: page breaks before sections, no nav
    assert "@media print" in demo_html and "break-before: page" in demo_html


def test_everything_escaped(demo_html):
    assert XSS not in demo_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in demo_html
    p = _Collect()
    p.feed(demo_html)
    assert "script" not in [t for t, _ in p.tags]
    assert "".join(p.text).count(XSS) >= 8  # meta, intro, table cell + note, list, figures


def test_strict_undefined_and_unknown_blocks():
    with pytest.raises(jinja2.UndefinedError):
        render_html({"title": "x"})  # no sections
    bad = {"title": "x", "sections": [{"id": "a", "heading": "A",
                                       "blocks": [{"type": "video"}]}]}
    with pytest.raises(ValueError, match="unknown report block type: video"):
        render_html(bad)
    with pytest.raises(ValueError, match="badge status"):
        render_html({"title": "x", "sections": [{"id": "a", "heading": "A", "blocks": [
            {"type": "badge", "status": "great", "text": "t"}]}]})


def test_plain_strings_are_never_markup():
    """A plain str given where SVG is expected is shown as text, not inserted as markup."""
    ctx = {"title": "t", "sections": [{"id": "a", "heading": "A", "blocks": [
        {"type": "figure", "svg": "<svg onload=alert(1)></svg>", "caption": "c"},
        {"type": "table", "html": "<table><tr><td>x</td></tr></table>"}]}]}
    html = render_html(ctx)
    assert "<svg onload" not in html and "&lt;svg onload=alert(1)&gt;" in html
    assert "<table><tr>" not in html


def test_numbering_respects_given_labels():
    ctx = number_items({"title": "t", "sections": [
        {"id": "a", "heading": "A", "blocks": [
            {"type": "figure", "svg": Markup("<svg/>"), "caption": "1"},
            {"type": "figure", "svg": Markup("<svg/>"), "caption": "2", "label": "Figure S1"},
            {"type": "table", "data": [{"a": 1}], "caption": "t"}],
         "subsections": [{"id": "b", "heading": "B", "blocks": [
             {"type": "figure", "svg": Markup("<svg/>"), "caption": "3"}]}]}]})
    s = ctx["sections"][0]
    assert [b.get("label") for b in s["blocks"]] == ["Figure 1", "Figure S1", "Table 1"]
    assert s["subsections"][0]["blocks"][0]["label"] == "Figure 3"


def test_filters_and_macros_for_custom_templates(tmp_path):
    (tmp_path / "mine.html.j2").write_text(
        '{% extends "base.html.j2" %}{% import "macros.html.j2" as ui %}'
        "{% block content %}{% call ui.section('r', 'Results') %}"
        "<p>r = {{ r|apa(2, true) }}, p {{ p|apa_p }}{{ p|stars }}, CI {{ lo|apa_ci(hi, 2, true) }}</p>"
        "{{ ui.badge('pass', 'CFI = .96', 'meets Hu & Bentler (1999) cut-off') }}"
        "{{ ui.cards([{'label': 'N', 'value': 412|apa_int}]) }}"
        "{{ ui.table_from(rows, 'Means', number_formats={'m': 3}) }}"
        "{% endcall %}{% endblock %}", encoding="utf-8")
    env = make_environment(tmp_path)
    html = env.get_template("mine.html.j2").render(
        title="T", sections=[], r=-0.456, p=0.0004, lo=0.12, hi=0.341,
        rows=[{"name": "<b>a</b>", "m": 3.14159}])
    assert "r = \u2212.46, p &lt; .001***, CI [.12, .34]" in html
    assert 'class="badge badge-pass"' in html and "Meets criterion: </span>CFI = .96" in html
    assert "Hu &amp; Bentler" in html
    assert '<dd class="card-value">412</dd>' in html
    assert "&lt;b&gt;a&lt;/b&gt;" in html and '<td class="num">3.142</td>' in html
    assert '<section class="report-section level-2" id="r" aria-labelledby="r-h">' in html


# --------------------------------------------------------------------------- in Chromium

SVG_SIZES = """return [...document.querySelectorAll('svg')].map(s => {
  const r = s.getBoundingClientRect();
  const t = [...s.querySelectorAll('text')].map(e => e.getBBox().width);
  return {kind: s.dataset.kind, w: r.width, h: r.height, texts: t.length,
          emptyTexts: t.filter(w => !(w > 0)).length, minWidth: parseFloat(s.style.minWidth)};
});"""


@pytest.mark.browser
def test_demo_page_in_chromium(browser, tmp_path):  # noqa: F811 - browser is a fixture
    from browser import (
        DESKTOP,
        PHONE,
        axe_violations,
        console_errors,
        describe_violations,
        file_url,
        reset_viewport,
        screenshot,
        set_viewport,
    )
    from selenium.common.exceptions import NoAlertPresentException

    html = render_html(demo_context())
    ARTIFACTS.mkdir(exist_ok=True)
    page = ARTIFACTS / "report_demo.html"
    page.write_text(html, encoding="utf-8")
    for svg in re.findall(r"<svg .*?</svg>", html, flags=re.S):
        ET.fromstring(svg)  # each inline figure is well-formed XML
    console_errors(browser)  # flush what earlier tests logged
    browser.get(file_url(page))
    assert browser.title.startswith("Customer commitment study")
    assert console_errors(browser) == []
    # the <script> construct name is text: no script element, nothing ran, no alert
    assert browser.execute_script("return document.scripts.length") == 0
    body = browser.execute_script("return document.body.innerText")
    assert body.count(XSS) >= 6
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    # every svg is laid out with a non-zero size and its text is rendered
    for size in (DESKTOP, PHONE):
        set_viewport(browser, *size)
        svgs = browser.execute_script(SVG_SIZES)
        assert len(svgs) == 6
        for s in svgs:
            assert s["w"] > 100 and s["h"] > 100, s
            assert s["texts"] > 5 and s["emptyTexts"] == 0, s
            assert s["w"] >= s["minWidth"] - 0.5, s  # text stays legible
        if size == PHONE:
            # the page itself never scrolls sideways on a phone (wide parts scroll inside)
            assert browser.execute_script(
                "return document.documentElement.scrollWidth") <= PHONE[0]
            for s in svgs:  # most figures fit the phone without scrolling
                if s["kind"] in ("drivers", "ipma", "segments", "htmt"):
                    assert s["w"] <= PHONE[0] - 30, s
    reset_viewport(browser)
    for size, name in ((PHONE, "report_phone.png"), (DESKTOP, "report_desktop.png")):
        set_viewport(browser, *size)
        browser.execute_script("window.scrollTo(0, 0)")
        path = ARTIFACTS / name
        browser.save_screenshot(str(path))
        assert path.stat().st_size > 10_000
        full = browser.execute_script("return document.documentElement.scrollHeight")
        set_viewport(browser, size[0], full)  # the whole page, for a reviewer's eyes
        browser.save_screenshot(str(ARTIFACTS / name.replace(".png", "_full.png")))
    reset_viewport(browser)
    screenshot(browser, "report_desktop_default.png")
    # print CSS: no navigation, a page break before each section after the first
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        shown = browser.execute_script(
            "return getComputedStyle(document.querySelector('nav.toc')).display")
        breaks = browser.execute_script(
            "return [...document.querySelectorAll('main > section')]"
            ".map(s => getComputedStyle(s).breakBefore)")
        assert shown == "none"
        assert breaks[0] != "page" and set(breaks[1:]) == {"page"}
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": True,
                                                      "preferCSSPageSize": True})
    assert len(pdf["data"]) > 10_000
    # accessibility: no serious or critical axe-core violations
    violations = axe_violations(browser)
    assert not violations, describe_violations(violations)
    assert console_errors(browser) == []
