"""Test-session setup shared by every test module."""

import os

# Small matrices everywhere: single-threaded BLAS is fastest and avoids oversubscribing the
# two cores that parallel tests (bootstrap workers, browsers) also use. Must run before numpy.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import pytest  # noqa: E402

#: Skip reasons that mean "a tool this test needs is missing" (Chromium, Node, R packages).
_MISSING_TOOL = ("not installed", "not available", "not usable", "missing")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On CI (``CI`` set, as ``.ci/run`` does) a test skipped for a missing tool fails instead:
    the reference checks against R, the platform validators and the browser must really run
    there. On a developer machine such tests still skip with the reason."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and call.excinfo is not None:
        reason = str(call.excinfo.value)
        if any(word in reason for word in _MISSING_TOOL):
            report.outcome = "failed"
            report.longrepr = f"required tool missing on CI: {reason}"


# Property tests are reproducible: the same examples on every run (the guide's "every random
# step takes a seed"); a failure found once is found again. HYPOTHESIS_PROFILE=explore searches anew.
import os as _os  # noqa: E402

from hypothesis import settings as _hsettings  # noqa: E402

_hsettings.register_profile("repro", derandomize=True)
_hsettings.register_profile("explore", derandomize=False)
_hsettings.load_profile(_os.environ.get("HYPOTHESIS_PROFILE", "repro"))
