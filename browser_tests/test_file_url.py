"""The built site opened from disk (file://), as someone given the folder would open it.

No server: Chromium opens site/index.html by its file URL. From there a
reader follows links to a policy and one of its statements, searches, and
opens the printable policy; every link on those pages leads to a file that
exists. Nothing is requested from any host, and no page logs an error.
Expected content comes from the library, as in test_site.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Request, Route, sync_playwright

from browser_tests.harness import CHROMIUM, CHROMIUM_ARGS, CONTENT, SCREENSHOTS, SITE, TIMEOUT_MS, VIEWPORT
from policy.docs.library import Library, PolicyDocs, load_library
from policy.docs.printable import PRINT_PAGE

LIBRARY: Library = load_library()
LOCAL_SCHEMES = frozenset({"file", "data", "blob", "about"})


class FileGuard:
    """What pages opened from disk did that they must not: requests for anything but files, errors."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def route(self, route: Route) -> None:
        if urlsplit(route.request.url).scheme in LOCAL_SCHEMES:
            route.continue_()
        else:
            self.problems.append(f"request off the disk: {route.request.url}")
            route.abort("blockedbyclient")

    def failed(self, request: Request) -> None:
        self.problems.append(f"request failed: {request.url} ({request.failure})")

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text} ({message.location.get('url', '?')})")

    def page_error(self, error: Exception) -> None:
        self.problems.append(f"page error: {error}")


@pytest.fixture(scope="module")
def disk_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"{SITE} is not built: run `make site` first")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run tools/install-chromium (Debian's chromium package)")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-file-profile")),
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT,
            service_workers="block",
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(disk_context: BrowserContext) -> Iterator[tuple[Page, FileGuard]]:
    guard = FileGuard()
    tab = disk_context.new_page()
    tab.route("**/*", guard.route)
    tab.on("requestfailed", guard.failed)
    tab.on("console", guard.console)
    tab.on("pageerror", guard.page_error)
    try:
        yield tab, guard
    finally:
        tab.close()
    assert guard.problems == [], "\n".join(guard.problems)


def file_of(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


def content_links(tab: Page) -> list[str]:
    """The file URLs the page's content links to (fragments dropped)."""
    hrefs: list[str] = tab.evaluate(
        """(selectors) => {
            const root = selectors.map(s => document.querySelector(s)).find(Boolean);
            return [...root.querySelectorAll("a[href]")].map(a => a.href);
        }""",
        list(CONTENT),
    )
    return sorted({href.split("#")[0] for href in hrefs if href.startswith("file:")})


def assert_links_exist(tab: Page) -> None:
    """Every link of the content leads to a file of the site (a folder would open as a listing)."""
    broken = [url for url in content_links(tab) if not file_of(url).is_file()]
    assert broken == [], f"{tab.url}: links to no file: {broken}"


def content_text(tab: Page) -> str:
    for selector in CONTENT:
        found = tab.locator(selector)
        if found.count():
            return found.first.inner_text()
    return ""


def screenshot(tab: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def test_from_disk_a_reader_reaches_a_policy_and_a_statement_by_its_links(page: tuple[Page, FileGuard]) -> None:
    tab, _guard = page
    policy = LIBRARY.policies[0]
    statement = policy.bound.source.statements[0]
    tab.goto((SITE / "index.html").as_uri(), wait_until="load")
    assert policy.bound.source.title in content_text(tab)
    assert_links_exist(tab)
    screenshot(tab, "file-home")

    tab.locator("article a", has_text=policy.bound.source.title).first.click()
    tab.wait_for_load_state("load")
    assert file_of(tab.url).is_file() and file_of(tab.url).parent.name == policy.id, tab.url
    text = content_text(tab)
    assert all(s.id in text for s in policy.bound.source.statements)
    assert_links_exist(tab)

    tab.locator("article a", has_text=re.compile(rf"^{re.escape(statement.id)}$")).first.click()
    tab.wait_for_load_state("load")
    assert file_of(tab.url).name == f"{statement.id}.html", tab.url
    assert statement.id in tab.locator("h1").first.inner_text()
    assert_links_exist(tab)
    screenshot(tab, "file-statement")

    # The navigation leads back home.
    tab.locator("nav.md-nav--primary a", has_text="Home").first.click()
    tab.wait_for_load_state("load")
    assert file_of(tab.url) == SITE / "index.html"


def test_from_disk_search_finds_a_statement_and_opens_it(page: tuple[Page, FileGuard]) -> None:
    tab, _guard = page
    statement = LIBRARY.policies[0].bound.source.statements[0]
    tab.goto((SITE / "index.html").as_uri(), wait_until="load")
    query = tab.locator("input[data-md-component='search-query']")
    query.click()
    query.press_sequentially(statement.id, delay=20)  # typed, as Material listens for keys
    result = tab.locator(".md-search-result__item a").first
    result.wait_for(state="visible")
    screenshot(tab, "file-search")
    result.click()
    tab.wait_for_load_state("load")
    assert file_of(tab.url).is_file(), tab.url
    assert statement.id in content_text(tab)


@pytest.mark.parametrize("policy", LIBRARY.policies, ids=[p.id for p in LIBRARY.policies])
def test_from_disk_the_printable_policy_opens_from_its_home(page: tuple[Page, FileGuard], policy: PolicyDocs) -> None:
    tab, _guard = page
    tab.goto((SITE / policy.id / "index.html").as_uri(), wait_until="load")
    assert_links_exist(tab)  # the PDF beside it too
    tab.locator("article a", has_text="the whole policy on one page").first.click()
    tab.wait_for_load_state("load")
    assert file_of(tab.url).name == PRINT_PAGE.replace(".md", ".html"), tab.url
    text = content_text(tab)
    missing = [s.id for s in policy.bound.source.statements if s.id not in text]
    assert missing == [], f"statements not on the printable page: {missing}"
    assert_links_exist(tab)
