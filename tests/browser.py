"""Headless Chromium for tests: a reusable session fixture and helpers (screenshots, axe-core).

Use it from a test module with ``import browser as chromium`` and ``browser = chromium.browser``
(the fixture; an assignment keeps ruff's F811 quiet) and the helpers below; mark browser tests
``@pytest.mark.browser``. It drives Debian's ``chromium`` with
``chromedriver`` (``.ci/system-deps`` installs both) through Selenium, offline: no component
updates, sync or background networking, and a fresh profile per session.

Node packages the browser tests inject (axe-core) live in ``tests/js``; :func:`node_modules`
runs ``npm ci`` there once when they are missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parent.parent
JS_DIR = Path(__file__).resolve().parent / "js"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("ENGAGEKIT_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("ENGAGEKIT_CHROMEDRIVER", "/usr/bin/chromedriver")

PHONE = (390, 844)
DESKTOP = (1280, 900)


def _missing(reason: str):
    """Fail on CI (the browser tests must run there), skip on a developer machine."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def node_modules() -> Path:
    """``tests/js/node_modules``, installed with ``npm ci`` from the committed lock file if absent."""
    target = JS_DIR / "node_modules"
    lock = JS_DIR / "package-lock.json"
    stamp = target / ".package-lock.json"
    if not stamp.is_file() or stamp.stat().st_mtime < lock.stat().st_mtime:
        npm = shutil.which("npm")
        if npm is None:
            _missing("npm is not installed (bash .ci/system-deps installs node and npm)")
        proc = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(JS_DIR)],
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            pytest.fail(f"npm ci in {JS_DIR} failed:\n{proc.stdout}\n{proc.stderr}")
    return target


def chrome_options(user_data_dir: str, download_dir: str | None = None):
    from selenium.webdriver.chrome.options import Options

    opts = Options()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-dev-shm-usage", f"--user-data-dir={user_data_dir}",
                f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if download_dir:
        opts.add_experimental_option("prefs", {
            "download.default_directory": download_dir,
            "download.prompt_for_download": False,
        })
    return opts


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium WebDriver shared by the session (fresh profile, downloads allowed)."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        _missing(f"headless Chromium needs {CHROMIUM} and {CHROMEDRIVER} "
                 "(bash .ci/system-deps installs chromium and chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="ek-chrome-") as profile:
        downloads = Path(profile) / "downloads"
        downloads.mkdir()
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER),
                                  options=chrome_options(str(Path(profile) / "profile"),
                                                         str(downloads)))
        driver.set_page_load_timeout(30)
        driver.set_script_timeout(60)
        driver.download_dir = downloads
        allow_downloads(driver, downloads)
        try:
            yield driver
        finally:
            driver.quit()


def allow_downloads(driver, directory: Path) -> None:
    """Save downloads to ``directory`` without asking (also in headless mode)."""
    driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(directory)})


def wait_for_file(directory: Path, pattern: str, timeout: float = 10.0) -> Path:
    """The first completed file matching ``pattern`` in ``directory`` (waits for the download)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        done = [p for p in directory.glob(pattern) if not p.name.endswith(".crdownload")]
        if done:
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no file {pattern} in {directory} after {timeout} s")


def file_url(path: Path, **query: str) -> str:
    """``file://`` URL of a local file with an optional query string."""
    url = Path(path).resolve().as_uri()
    return f"{url}?{urlencode(query)}" if query else url


def set_viewport(driver, width: int, height: int) -> None:
    """Emulate a ``width`` x ``height`` CSS-pixel viewport (mobile below 600 px)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})


def reset_viewport(driver) -> None:
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def screenshot(driver, name: str, size: tuple[int, int] | None = None) -> Path:
    """Save a PNG of the viewport to ``test-artifacts/name`` (at ``size`` if given)."""
    ARTIFACTS.mkdir(exist_ok=True)
    if size:
        set_viewport(driver, *size)
    path = ARTIFACTS / name
    driver.save_screenshot(str(path))
    if size:
        reset_viewport(driver)
    return path


def axe_violations(driver, impacts: tuple[str, ...] = ("serious", "critical"),
                   tags: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                            "wcag22aa", "best-practice")) -> list[dict]:
    """axe-core violations of the current page with one of ``impacts`` (injected from npm)."""
    if not driver.execute_script("return typeof window.axe === 'object';"):
        axe = node_modules() / "axe-core" / "axe.min.js"
        driver.execute_script(axe.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(r => done(r.violations)).catch(e => done({error: String(e)}));",
        list(tags))
    if isinstance(result, dict) and "error" in result:
        raise AssertionError(f"axe-core failed: {result['error']}")
    return [v for v in result if v.get("impact") in impacts]


def describe_violations(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(n["target"][0] if n.get("target") else "?" for n in v["nodes"][:5])
        for v in violations)


def console_errors(driver) -> list[str]:
    """Severe messages the page logged to the browser console since the last call."""
    return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
