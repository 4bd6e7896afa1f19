"""The built docs site, served on loopback and opened in Debian's headless Chromium.

Every page a test opens is watched: a request to any host but this machine is
aborted and recorded, and console errors and uncaught page errors are
collected; a test fails on any of them. Playwright only drives the browser:
its own browser download is never used.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, sync_playwright

from browser_tests.harness import CHROMIUM, CHROMIUM_ARGS, SITE, TIMEOUT_MS, VIEWPORT, Guard, Visit

CALL_FAILED = pytest.StashKey[bool]()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="session")
def site_url() -> Iterator[str]:
    """The base URL of site/ served on 127.0.0.1 at a free port, for the whole run."""
    if not (SITE / "index.html").is_file():
        pytest.fail(f"{SITE} is not built: run `make site` first")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(SITE)))
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def guard() -> Guard:
    return Guard()


@pytest.fixture(scope="session")
def context(tmp_path_factory: pytest.TempPathFactory, guard: Guard) -> Iterator[BrowserContext]:
    """One headless Chromium with a fresh profile, every request routed through the guard."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run tools/install-chromium (Debian's chromium package)")
    with sync_playwright() as playwright:
        browser_context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
            service_workers="block",
        )
        browser_context.set_default_timeout(TIMEOUT_MS)
        browser_context.route("**/*", guard.route)
        browser_context.on("request", guard.request)
        try:
            yield browser_context
        finally:
            browser_context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Lets the visit fixture tell whether the test body already failed.
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


@pytest.fixture
def visit(request: pytest.FixtureRequest, context: BrowserContext, site_url: str, guard: Guard) -> Iterator[Visit]:
    """A fresh tab; whatever the guard records during the test fails it."""
    guard.clear()
    page = context.new_page()
    page.on("console", guard.console)
    page.on("pageerror", guard.page_error)
    try:
        yield Visit(page, site_url, guard)
    finally:
        page.close()
    late = guard.problems()
    guard.clear()
    # A failed test already reported; its leftovers (the 404 it hit) would only repeat it.
    if late and not request.node.stash.get(CALL_FAILED, False):
        pytest.fail("after the test's last check:\n" + "\n".join(late))
