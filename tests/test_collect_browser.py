"""The collection server for real: ``engagekit serve`` as a subprocess on 127.0.0.1 and headless
Chromium filling in the served survey.

* An invitation link: page 1 answered, reload, the survey resumes on page 2 with page 1's
  answers, submitted; the same invitation cannot submit twice; the export reads back strictly
  and ``engagekit run`` on it (with 150 more respondents sent through the API) renders a report.
* An open link, and a quota that fills while a respondent is on the last page: the survey shows
  the server's message and nothing more is stored.
* XSS corpus in free-text answers, invitee names and the brand: nothing executes in Chromium on
  the survey or the admin page, and the text shows as text.
"""

from __future__ import annotations

import csv
import json
import random
import urllib.parse
from pathlib import Path

import browser as chromium
import pytest
from collect_helpers import Server, http, response
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from analysis.responses import read_responses
from analysis.responses.simulate import SimulationSettings, simulate
from collect import models as m
from collect.db import ensure_current, make_engine
from collect.studies import create_study
from collect.tokens import issue_tokens
from instruments import load_instrument
from reports.cli import main

pytestmark = pytest.mark.browser
browser = chromium.browser

ACSI = load_instrument("acsi_nps")
XSS = ['<img src=x onerror="window.__xss=1">', "<script>window.__xss=1</script>",
       '"><svg onload="window.__xss=1">', "';window.__xss=1;//",
       "javascript:window.__xss=1", "{{7*7}}<b>bold</b>"]


def _wait(driver, condition, timeout=20):
    return WebDriverWait(driver, timeout).until(lambda d: condition(d))


def _visible(driver):
    return driver.find_element(By.CSS_SELECTOR, "section.page:not([hidden])")


def _answer_and_next(driver, answers: dict) -> None:
    """Set the answers of the visible page (radio, number or text) and press Next/Submit."""
    page = _visible(driver)
    driver.execute_script("""
        const [page, answers] = arguments;
        for (const fs of page.querySelectorAll("fieldset.item")) {
          const value = answers[fs.getAttribute("data-item")];
          if (value === null || value === undefined) continue;
          const kind = fs.getAttribute("data-kind");
          if (kind === "choice") fs.querySelector(`input[value="${value}"]`).checked = true;
          else if (kind === "free_text") fs.querySelector("textarea").value = String(value);
          else fs.querySelector("input").value = String(value);
          fs.dispatchEvent(new Event("change", {bubbles: true}));
        }""", page, answers)
    page.find_element(By.CSS_SELECTOR, "button.next").click()


def _open(driver, url: str) -> None:
    driver.get(url)
    _wait(driver, lambda d: d.execute_script(
        "return document.documentElement.getAttribute('data-ready') === 'true' || "
        "!document.getElementById('ek-config');"))


def _start(driver) -> None:
    """Agree to take part (recorded by the server) and pass the intro page."""
    driver.find_element(By.ID, "consent-agree").click()
    _wait(driver, lambda d: _visible(d).get_attribute("id") == "page-intro")
    driver.find_element(By.ID, "start").click()


def _db(tmp_path, **studies):
    url = f"sqlite:///{tmp_path / 'collect.db'}"
    engine = make_engine(url)
    ensure_current(engine, create=True)
    for slug, kw in studies.items():
        create_study(engine, slug, kw.pop("instrument", "acsi_nps"), **kw)
    return url, engine


def _no_xss(driver) -> None:
    assert driver.execute_script("return window.__xss === undefined;"), "a payload executed"
    try:
        alert = driver.switch_to.alert
        text = alert.text
        alert.dismiss()
        raise AssertionError(f"an alert opened: {text}")
    except Exception as e:  # noqa: BLE001 - selenium raises NoAlertPresentException
        if isinstance(e, AssertionError):
            raise


def test_invitation_resume_refusal_export_and_report(browser, tmp_path):
    db, engine = _db(tmp_path, inv={"mode": "tokens", "brand": "Acme"})
    _, rows = issue_tokens(engine, "inv", n=151)
    rng = random.Random(3)
    plan = response(ACSI, "x", seed=11)
    pages = ["acsi_satisfaction_page", "acsi_loyalty_page", "acsi_recommend_page"]
    with Server(db) as server:
        link = rows[0][-1].replace("http://127.0.0.1:8000", server.url)
        _open(browser, link)
        _start(browser)
        assert _visible(browser).get_attribute("id") == f"page-{pages[0]}"
        _answer_and_next(browser, plan)
        _wait(browser, lambda d: d.execute_script(
            "return document.documentElement.getAttribute('data-saved')") == pages[1])
        browser.refresh()
        _wait(browser, lambda d: d.execute_script(
            "return document.documentElement.getAttribute('data-ready') === 'true'"))
        assert _visible(browser).get_attribute("id") == f"page-{pages[1]}"  # resumed
        restored = browser.execute_script(
            "return Array.from(document.querySelectorAll('#page-acsi_satisfaction_page "
            "input:checked')).map(i => [i.name, Number(i.value)]);")
        assert dict(restored) == {k: plan[k] for k in ("acsi_sat_01", "acsi_sat_02",
                                                       "acsi_sat_03")}
        plan["acsi_att_01"] = 3
        _answer_and_next(browser, plan)
        _answer_and_next(browser, plan)  # the last page: submit
        _wait(browser, lambda d: d.execute_script(
            "return document.documentElement.getAttribute('data-post')") == "ok")
        assert "sent" in browser.find_element(By.ID, "post-status").text
        # the same invitation again: the page says so, the API refuses
        _open(browser, link)
        assert browser.find_element(By.ID, "message").get_attribute("data-reason") == \
            "already_submitted"
        token = link.split("t=")[1]
        code, _ = http("POST", f"{server.url}/api/s/inv/responses?t={token}",
                       response(ACSI, "again"), {"Idempotency-Key": "another"})
        assert code == 409
        # 150 more invitees (answers simulated from the instrument's population model) answer
        # through the API, so that the analysis has data
        sim = simulate(ACSI, SimulationSettings(n=150, seed=4)).data.items
        for k, row in enumerate(rows[1:], start=1):
            tok = row[-1].split("t=")[1]
            code, consent = http("POST", f"{server.url}/api/s/inv/consent?t={tok}",
                                 {"decision": "agreed", "respondent_id": row[0]})
            assert code == 201
            body = response(ACSI, row[0], seed=rng.randrange(10**6))
            body.update({i: int(v) for i, v in sim.iloc[k - 1].items()})
            code, _ = http("POST", f"{server.url}/api/s/inv/responses?t={tok}", body,
                           {"Idempotency-Key": f"k{k}",
                            "X-Engagekit-Consent": consent["consent_id"]})
            assert code == 201
    with engine.connect() as conn:
        first = conn.execute(select(m.responses).where(
            m.responses.c.respondent_id == rows[0][0])).one()
    stored = json.loads(first.answers)
    assert {k: stored[k] for k in stored} == {i.id: plan[i.id] for i in ACSI.items()}
    out = tmp_path / "responses.csv"
    assert main(["collect", "export", "inv", "-o", str(out), "--db", db]) == 0
    data = read_responses(out, ACSI, strict=True)
    assert len(data.items) == 151 and data.items.loc[rows[0][0], "acsi_att_01"] == 3
    report = tmp_path / "report"
    assert main(["run", str(out), "-i", "acsi_nps", "-o", str(report), "--boot", "20",
                 "--jobs", "1"]) == 0
    assert "<html" in (report / "report.html").read_text()[:500].lower()
    # and straight from the database
    assert main(["run", db, "--study", "inv", "-o", str(tmp_path / "report2"), "--boot", "20",
                 "--jobs", "1"]) == 0


def test_open_link_and_a_quota_that_fills_while_answering(browser, tmp_path):
    db, engine = _db(tmp_path, open={"quota": 2})
    plan = response(ACSI, "x", seed=5)
    plan["acsi_att_01"] = 3
    with Server(db) as server:
        _open(browser, f"{server.url}/s/open")
        browser.execute_script("window.localStorage.clear();")
        _open(browser, f"{server.url}/s/open")
        _start(browser)
        for _ in range(3):
            _answer_and_next(browser, plan)
        _wait(browser, lambda d: d.execute_script(
            "return document.documentElement.getAttribute('data-post')") == "ok")
        # a second respondent reaches the last page; meanwhile the quota fills
        _open(browser, f"{server.url}/s/open")
        _start(browser)
        for _ in range(2):
            _answer_and_next(browser, plan)
        code, consent = http("POST", f"{server.url}/api/s/open/consent",
                             {"decision": "agreed", "respondent_id": "api-1"})
        code, _ = http("POST", f"{server.url}/api/s/open/responses", response(ACSI, "api-1"),
                       {"Idempotency-Key": "api-1",
                        "X-Engagekit-Consent": consent["consent_id"]})
        assert code == 201
        _answer_and_next(browser, plan)
        _wait(browser, lambda d: d.execute_script(
            "return document.documentElement.getAttribute('data-post')") == "refused")
        shown = _visible(browser).find_element(By.CSS_SELECTOR, ".error-summary").text
        assert "all the answers it needs" in shown
        _open(browser, f"{server.url}/s/open")
        assert browser.find_element(By.ID, "message").get_attribute("data-reason") == "full"
    with engine.connect() as conn:
        assert conn.execute(select(m.studies.c.completed)).scalar() == 2
        assert len(conn.execute(select(m.responses.c.id)).all()) == 2


def test_xss_corpus_never_executes_on_survey_or_admin_pages(browser, tmp_path):
    comments = str(Path(__file__).parent / "data" / "acsi_comments.yaml")
    db, engine = _db(tmp_path, **{"x": {"instrument": comments, "mode": "tokens",
                                        "brand": XSS[0] + XSS[1]}})
    inv = tmp_path / "invitees.csv"
    with inv.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["respondent_id", "name"])
        for k, payload in enumerate(XSS):
            w.writerow([f"p{k}", payload])
    out = tmp_path / "links.csv"
    assert main(["collect", "tokens", "x", "--from", str(inv), "-o", str(out), "--db", db]) == 0
    links = [r["link"] for r in csv.DictReader(out.open())]
    inst = load_instrument(comments)
    with Server(db, env={"ENGAGEKIT_ADMIN_TOKEN": "admin-token-for-the-xss-test"}) as server:
        for k, payload in enumerate(XSS):
            link = links[k].replace("http://127.0.0.1:8000", server.url)
            _open(browser, link + "&brand=" + urllib.parse.quote(payload))
            _no_xss(browser)
            assert payload in browser.find_element(By.ID, "survey-title").text
            _start(browser)
            plan = response(inst, f"p{k}", seed=k, free_text=payload)
            plan["acsi_att_01"] = 3
            for _ in range(3):
                _answer_and_next(browser, plan)
            _wait(browser, lambda d: d.execute_script(
                "return document.documentElement.getAttribute('data-post')") == "ok")
            _no_xss(browser)
        # the admin page, signed in through its form, shows names and answers as text
        _open(browser, f"{server.url}/admin")
        browser.find_element(By.ID, "credential").send_keys("admin-token-for-the-xss-test")
        browser.find_element(By.CSS_SELECTOR, "form[action='/admin/login'] button").click()
        _wait(browser, lambda d: "Latest responses" in d.page_source)
        _no_xss(browser)
        body = browser.find_element(By.TAG_NAME, "main").text
        for payload in XSS:
            assert payload in body, payload
        assert not browser.find_elements(By.CSS_SELECTOR, "main img, main script, main svg b")
    with engine.connect() as conn:
        stored = [json.loads(a)["acsi_comment"] for a in
                  conn.execute(select(m.responses.c.answers)).scalars()]
    assert sorted(stored) == sorted(XSS)
