"""Playwright on the system Chromium against pytest-django's live server.

Run by `.ci/browser` (`pytest -m browser tests/browser`), never by `make test`. Nothing is skipped:
without Chromium or Playwright the tests fail. On a failure every open page is saved as a
screenshot (and its HTML) to $BROWSER_ARTIFACTS, by default tests/browser/artifacts/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(
    os.environ.get("BROWSER_ARTIFACTS") or Path(__file__).resolve().parent / "artifacts"
)
# Collects CSP violations from every page, whatever the page's own policy allows.
CSP_LISTENER = """
window.__cspCount = 0;
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspCount += 1;
  window.__cspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} `
    + `at ${e.sourceFile || document.location.href}:${e.lineNumber}`);
});
"""


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/browser does)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is missing: pip install -e '.[dev,browser]'")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous and safe. Set here only: make test imports this file too.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Browsers:
    """Opens one browser context per person; remembers pages, console errors, CSP violations."""

    def __init__(self, chromium, base_url: str):
        self.chromium = chromium
        self.base_url = base_url
        self.contexts = []
        self.pages: dict[str, object] = {}
        self.csp_violations: list[str] = []
        self.console_errors: list[str] = []

    def page(self, who: str):
        context = self.chromium.new_context(base_url=self.base_url, locale="ru-RU")
        context.set_default_timeout(20_000)
        context.expose_binding(
            "__cspViolation", lambda _source, text: self.csp_violations.append(f"{who}: {text}")
        )
        context.add_init_script(CSP_LISTENER)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: self._console(who, msg))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.console_errors.append(f"{who}: {r.status} {r.url}"),
        )
        self.pages[who] = page
        return page

    def _console(self, who: str, msg) -> None:
        if msg.type == "error":
            self.console_errors.append(f"{who}: {msg.text} ({msg.location.get('url')})")
            if "Content Security Policy" in msg.text:
                self.csp_violations.append(f"{who}: {msg.text}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsers(chromium, live_server, settings):
    # Links in pages and e-mails point at this server; the lockout is on, as in production.
    settings.PORTAL_BASE_URL = live_server.url
    settings.AXES_ENABLED = True
    opened = Browsers(chromium, live_server.url)
    yield opened
    opened.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    opened = item.funcargs.get("browsers")
    if opened is None:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^\w.-]+", "_", item.name)
    for who, page in opened.pages.items():
        if page.is_closed():
            continue
        target = ARTIFACTS / f"{test}-{who}"
        try:
            page.screenshot(path=f"{target}.png", full_page=True)
            target.with_suffix(".html").write_text(page.content(), encoding="utf-8")
        except Exception as exc:  # a broken page must not hide the test's own failure
            report.sections.append(("screenshot", f"{who}: {exc}"))
        else:
            report.sections.append(("screenshot", f"{target}.png ({page.url})"))
