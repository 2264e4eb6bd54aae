"""Browser tests: Debian's Chromium driven through Playwright's sync API.

Every test in this folder is marked ``browser`` (deselect with ``-m "not browser"``). The
browser is launched once for this folder and closed when its last test has run; each test gets
a fresh context in Korean and Asia/Seoul, and a failing test leaves a screenshot in
``test-artifacts/``.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HERE = Path(__file__).resolve().parent

_reports = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # tryfirst: the marker must be there before ``-m`` selects on it.
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for every test in this folder.

    Package-scoped rather than session-scoped on purpose: while Playwright's sync API is started
    it keeps an asyncio loop *running* in the test thread, so Django refuses ORM calls there
    (SynchronousOnlyOperation) unless DJANGO_ALLOW_ASYNC_UNSAFE is set. Stopping Playwright after
    the last browser test keeps both the running loop and the relaxed check out of the rest of
    the suite.
    """
    if not os.access(CHROMIUM, os.X_OK):
        # Not a skip: .ci/run installs Chromium, and a missing browser must fail loudly.
        pytest.fail(f"{CHROMIUM} is not installed (apt-get install chromium fonts-nanum)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(
        locale="ko-KR", timezone_id="Asia/Seoul", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        reports = request.node.stash.get(_reports, {})
        if any(report.failed for report in reports.values()):
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            tab.screenshot(path=ARTIFACTS / f"failed-{name}.png", full_page=True)
        context.close()


@pytest.fixture
def seeded(live_server, transactional_db) -> None:
    """The charter and the demo users, committed so the live server's thread sees them."""
    call_command("seed_charter", verbosity=0)
    call_command("seed_demo", verbosity=0)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
