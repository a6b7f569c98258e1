"""The standalone HTML survey in a real headless Chromium: keyboard-only and mouse completion,
the response (window variable, downloaded JSON and CSV, POST to a collection URL), axe-core,
XSS through item text and brand, consent decline, required answers, phone/desktop screenshots.

The response is parsed here (json/csv) and read back with ``analysis.responses.read_responses``
(strict), the reader of the engagekit response format.
"""

from __future__ import annotations

import csv
import http.server
import io
import json
import threading
from pathlib import Path

import browser as chromium
import pytest
from browser import (
    DESKTOP,
    PHONE,
    axe_violations,
    describe_violations,
    file_url,
    screenshot,
    wait_for_file,
)
from frictionless import Resource, Schema, validate
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from survey_checks import answer_page_by_mouse, check_response, planned_answers, visible_page

from analysis.responses import read_responses
from instruments import load_instrument, parse_instrument
from instruments.loader import dump_instrument
from instruments.survey import render_html, survey_pages
from instruments.survey.codebook import table_schema

pytestmark = pytest.mark.browser
browser = chromium.browser  # the session fixture of tests/browser.py

INST = load_instrument("five_commitments")
XSS = "<img src=x onerror=alert(1)><script>window.pwned=1</script>"


class _Collector(http.server.BaseHTTPRequestHandler):
    received: list[bytes] = []

    def _cors(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type")
        self.send_header("Access-Control-Allow-Private-Network", "true")

    def do_OPTIONS(self):  # noqa: N802 - http.server's naming
        self.send_response(204)
        self._cors()
        self.end_headers()

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).received.append(body)
        self.send_response(200)
        self._cors()
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args):
        pass


@pytest.fixture()
def collector():
    """A local HTTP server on 127.0.0.1 that records POSTed bodies (stops after the test)."""
    _Collector.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/collect", _Collector.received
    finally:
        server.shutdown()
        server.server_close()


def _wait(driver, seconds=10):
    return WebDriverWait(driver, seconds)


_visible_page = visible_page


def _no_alert(driver):
    try:
        alert = driver.switch_to.alert
    except NoAlertPresentException:
        return True
    text = alert.text
    alert.dismiss()
    raise AssertionError(f"the page opened an alert: {text!r}")


def _press(driver, *keys):
    ActionChains(driver).send_keys(*keys).perform()


def _answer_page_by_keyboard(driver, answers):
    """Answer the visible page with Tab, Space, arrow keys and typing only, then Next (Enter)."""
    page = _visible_page(driver)
    for fs in page.find_elements(By.CSS_SELECTOR, "fieldset.item"):
        item = fs.get_attribute("data-item")
        _press(driver, Keys.TAB)
        active = driver.switch_to.active_element
        assert active.get_attribute("name") == item, "Tab did not reach " + item
        if fs.get_attribute("data-kind") == "choice":
            codes = [int(r.get_attribute("value"))
                     for r in fs.find_elements(By.CSS_SELECTOR, "input[type=radio]")]
            _press(driver, Keys.SPACE)
            _press(driver, *([Keys.ARROW_RIGHT] * codes.index(answers[item])))
            checked = fs.find_element(By.CSS_SELECTOR, "input:checked")
            assert int(checked.get_attribute("value")) == answers[item]
        else:
            _press(driver, str(answers[item]))
    _press(driver, Keys.TAB)  # Back
    _press(driver, Keys.TAB)  # Next / Submit
    assert "next" in driver.switch_to.active_element.get_attribute("class")
    _press(driver, Keys.ENTER)


_answer_page_by_mouse = answer_page_by_mouse


def _read_csv(text: str) -> dict[str, str]:
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2, rows
    return dict(zip(rows[0], rows[1], strict=True))


_check_response = check_response


def test_keyboard_only_round_trip_with_downloads_and_post(browser, tmp_path, collector):
    endpoint, received = collector
    html = tmp_path / "survey.html"
    html.write_text(render_html(INST, "en", brand="Acme"), encoding="utf-8")
    answers = planned_answers(INST)
    driver = browser
    driver.get(file_url(html, seed="s1", respondent_id="r-001", endpoint=endpoint))
    _wait(driver).until(EC.visibility_of_element_located((By.ID, "consent-agree")))
    # Screenshots of the first page at phone and desktop widths (test-artifacts/, git-ignored).
    assert screenshot(driver, "survey_phone_390x844.png", PHONE).stat().st_size > 0
    assert screenshot(driver, "survey_desktop_1280x900.png", DESKTOP).stat().st_size > 0
    assert "Acme" in driver.find_element(By.ID, "survey-title").text

    driver.find_element(By.TAG_NAME, "body").click()  # start from the document, as a user does
    _press(driver, Keys.TAB)
    assert driver.switch_to.active_element.get_attribute("id") == "consent-agree"
    _press(driver, Keys.ENTER)
    _press(driver, Keys.TAB)
    assert driver.switch_to.active_element.get_attribute("id") == "start"
    _press(driver, Keys.ENTER)

    screenshot(driver, "survey_page1_phone_390x844.png", PHONE)
    screenshot(driver, "survey_page1_desktop_1280x900.png", DESKTOP)
    pages = survey_pages(INST)
    for n, _page in enumerate(pages, start=1):
        assert driver.find_element(By.ID, "progress-text").text == f"Page {n} of {len(pages)}"
        _answer_page_by_keyboard(driver, answers)
    _wait(driver).until(EC.visibility_of_element_located((By.ID, "page-thanks")))
    _no_alert(driver)

    resp = driver.execute_script("return window.engagekitResponse;")
    shown = json.loads(driver.find_element(By.ID, "response-json").get_attribute("textContent"))
    assert shown == [resp]
    _check_response(shown[0], INST, answers, "en", "s1", "r-001")

    # The downloads (real files from the browser) carry the same response.
    driver.find_element(By.ID, "download-json").click()
    got = json.loads(wait_for_file(driver.download_dir, "five_commitments_r-001.json")
                     .read_text(encoding="utf-8"))
    assert got == [resp]
    driver.find_element(By.ID, "download-csv").click()
    row = _read_csv(wait_for_file(driver.download_dir, "five_commitments_r-001.csv")
                    .read_text(encoding="utf-8"))
    assert json.loads(row["display_order"]) == resp["display_order"]
    assert {k: int(row[k]) for k in answers} == answers
    assert row["respondent_id"] == "r-001" and row["language"] == "en"
    # The browser's CSV passes the codebook's Frictionless Table Schema.
    schema = Schema.from_descriptor(table_schema(INST))
    csv_path = wait_for_file(driver.download_dir, "five_commitments_r-001.csv")
    report = validate(Resource(path=csv_path.name, basepath=str(csv_path.parent), schema=schema))
    assert report.valid, report.flatten(["fieldName", "type", "note"])

    # Both files read back with the engagekit response reader (analysis.responses), strictly.
    for name in ("five_commitments_r-001.json", "five_commitments_r-001.csv"):
        data = read_responses(driver.download_dir / name, INST, strict=True)
        assert data.log == [] and data.ids == ["r-001"]
        assert {k: int(data.items.loc["r-001", k]) for k in answers} == answers
        assert data.meta.loc["r-001", "display_order"] == resp["display_order"]
        assert data.meta.loc["r-001", "language"] == "en"

    # ... and the same JSON was POSTed to the collection URL.
    _wait(driver).until(lambda d: d.find_element(By.ID, "page-thanks").get_attribute("data-post"))
    assert driver.find_element(By.ID, "page-thanks").get_attribute("data-post") == "ok"
    assert [json.loads(b) for b in received] == [[resp]]


@pytest.mark.parametrize("lang", ["nl", "de", "fr"])
def test_mouse_round_trip_in_each_translation(browser, tmp_path, lang):
    html = tmp_path / f"survey_{lang}.html"
    html.write_text(render_html(INST, lang), encoding="utf-8")
    answers = planned_answers(INST)
    driver = browser
    driver.get(file_url(html, seed=f"seed-{lang}", respondent_id=f"r-{lang}"))
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
    brand_default = INST.text(INST.placeholders[0].default, lang)
    assert brand_default in driver.find_element(By.ID, "page-consent").text
    driver.find_element(By.ID, "consent-agree").click()
    driver.find_element(By.ID, "start").click()
    for _ in survey_pages(INST):
        _answer_page_by_mouse(driver, answers)
    _wait(driver).until(EC.visibility_of_element_located((By.ID, "page-thanks")))
    resp = json.loads(driver.find_element(By.ID, "response-json").get_attribute("textContent"))[0]
    _check_response(resp, INST, answers, lang, f"seed-{lang}", f"r-{lang}")


def test_required_answers_block_next_with_a_clear_message(browser, tmp_path):
    html = tmp_path / "survey.html"
    html.write_text(render_html(INST, "en"), encoding="utf-8")
    driver = browser
    driver.get(file_url(html, seed="s2"))
    driver.find_element(By.ID, "consent-agree").click()
    driver.find_element(By.ID, "start").click()
    page = _visible_page(driver)
    first = page.find_elements(By.CSS_SELECTOR, "fieldset.item")
    first[0].find_element(By.CSS_SELECTOR, "input").click()
    page.find_element(By.CSS_SELECTOR, "button.next").click()
    assert _visible_page(driver).get_attribute("id") == page.get_attribute("id")
    summary = page.find_element(By.CSS_SELECTOR, ".error-summary")
    n = len(first) - 1
    assert summary.is_displayed() and f": {n}." in summary.text
    errors = [e for e in page.find_elements(By.CSS_SELECTOR, ".error") if e.is_displayed()]
    assert len(errors) == n and all(e.text == "Please answer this question." for e in errors)
    # Focus moves to the first unanswered question.
    assert driver.switch_to.active_element.get_attribute("name") == \
        first[1].get_attribute("data-item")
    violations = axe_violations(driver)
    assert not violations, describe_violations(violations)


def test_declining_consent_ends_the_survey(browser, tmp_path):
    html = tmp_path / "survey.html"
    html.write_text(render_html(INST, "de"), encoding="utf-8")
    driver = browser
    driver.get(file_url(html))
    driver.find_element(By.ID, "consent-decline").click()
    page = _visible_page(driver)
    assert page.get_attribute("id") == "page-declined"
    assert page.find_elements(By.TAG_NAME, "button") == []
    assert driver.execute_script("return window.engagekitResponse === undefined;")
    assert not driver.find_element(By.ID, "survey-form").is_displayed()


def test_axe_core_finds_no_serious_or_critical_violations_on_any_page(browser, tmp_path):
    html = tmp_path / "survey.html"
    html.write_text(render_html(INST, "en", brand="Acme"), encoding="utf-8")
    answers = planned_answers(INST)
    driver = browser
    driver.get(file_url(html, seed="axe"))
    found = {}
    found["consent"] = axe_violations(driver)
    driver.find_element(By.ID, "consent-agree").click()
    found["intro"] = axe_violations(driver)
    driver.find_element(By.ID, "start").click()
    for page in survey_pages(INST):
        found[page.id] = axe_violations(driver)
        _answer_page_by_mouse(driver, answers)
    found["thanks"] = axe_violations(driver)
    assert not any(found.values()), "\n".join(
        f"{k}: {describe_violations(v)}" for k, v in found.items() if v)


def _xss_instrument(tmp_path: Path) -> Path:
    data = dump_instrument(INST).replace(
        "I feel an emotional bond with {brand}.", XSS.replace("'", "") + " {brand}")
    inst = parse_instrument(data)
    assert XSS in inst.text(inst.item("aff_01").text)
    path = tmp_path / "xss.yaml"
    path.write_text(data, encoding="utf-8")
    return path


@pytest.mark.parametrize("via", ["item_text", "brand_option", "brand_url"])
def test_xss_payloads_show_as_text_and_never_run(browser, tmp_path, via):
    inst = load_instrument(_xss_instrument(tmp_path)) if via == "item_text" else INST
    brand = XSS if via == "brand_option" else None
    html = tmp_path / "xss.html"
    html.write_text(render_html(inst, "en", brand=brand), encoding="utf-8")
    query = {"seed": "x"}
    if via == "brand_url":
        query["brand"] = XSS
    driver = browser
    driver.get(file_url(html, **query))
    driver.find_element(By.ID, "consent-agree").click()
    driver.find_element(By.ID, "start").click()
    _no_alert(driver)
    assert driver.execute_script("return window.pwned === undefined;")
    assert driver.find_elements(By.CSS_SELECTOR, "main img, main script") == []
    legend = driver.find_element(By.CSS_SELECTOR, "#item-aff_01 legend")
    assert XSS in legend.text
    if via != "item_text":
        assert XSS in driver.find_element(By.ID, "survey-title").text
        assert XSS in driver.title


_OPTION_BOXES = """
const fs = [...document.querySelectorAll('fieldset.item')].find(f => f.offsetParent !== null);
return [...fs.querySelectorAll('.option')].map(o => {
  const r = o.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; });
"""


def test_options_stack_on_phones_and_sit_in_a_row_on_desktops(browser, tmp_path):
    """Mobile first: below 600 px a scale's options stack (one column, full width); wider, they
    form one row; neither layout scrolls sideways."""
    from browser import reset_viewport, set_viewport

    html = tmp_path / "survey.html"
    html.write_text(render_html(INST, "en"), encoding="utf-8")
    driver = browser
    try:
        for width, height in (PHONE, DESKTOP):
            set_viewport(driver, width, height)
            driver.get(file_url(html, seed="layout"))
            _wait(driver).until(EC.element_to_be_clickable((By.ID, "consent-agree"))).click()
            driver.find_element(By.ID, "start").click()
            boxes = driver.execute_script(_OPTION_BOXES)
            assert len(boxes) >= 5
            lefts, tops = [b[0] for b in boxes], [b[1] for b in boxes]
            if width < 600:  # stacked: same left edge, each below the previous, wide targets
                assert max(lefts) - min(lefts) < 1
                assert all(b[1] > a[1] for a, b in zip(boxes, boxes[1:], strict=False))
                assert min(b[2] for b in boxes) > 0.8 * (width - 64)
            else:  # one row: same top, left to right
                assert max(tops) - min(tops) < 1
                assert all(b[0] > a[0] for a, b in zip(boxes, boxes[1:], strict=False))
            assert min(b[3] for b in boxes) >= 44  # touch targets (WCAG 2.5.5: 44 px)
            assert driver.execute_script(
                "return document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        reset_viewport(driver)


def test_keyboard_focus_is_visible(browser, tmp_path):
    """The focused control shows a 3 px outline (WCAG 2.4.7), on buttons and on scale options."""
    html = tmp_path / "survey.html"
    html.write_text(render_html(INST, "en"), encoding="utf-8")
    driver = browser
    driver.get(file_url(html, seed="focus"))
    _wait(driver).until(EC.visibility_of_element_located((By.ID, "consent-agree")))
    driver.find_element(By.TAG_NAME, "body").click()
    _press(driver, Keys.TAB)
    outline = "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth];"
    focused = driver.switch_to.active_element
    assert focused.get_attribute("id") == "consent-agree"
    assert driver.execute_script(outline, focused) == ["solid", "3px"]
    _press(driver, Keys.ENTER)
    _press(driver, Keys.TAB)
    _press(driver, Keys.ENTER)  # start
    _press(driver, Keys.TAB)
    radio = driver.switch_to.active_element
    assert radio.get_attribute("type") == "radio"
    option = radio.find_element(By.XPATH, "./ancestor::*[contains(@class, 'option')][1]")
    assert driver.execute_script(outline, option) == ["solid", "3px"]
