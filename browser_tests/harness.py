"""What the browser tests share: where things are, how Chromium starts, and the
guard that watches every page for requests off this machine and for errors.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import ConsoleMessage, Page, Request, Route, ViewportSize

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
# Without the networking flags Chromium phones home at start (updates, sync,
# field trials) and fails noisily on a closed network; QUIC would bypass routing.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
# The page's own content, most specific first: Material's <main> also holds the navigation.
CONTENT = ("article", "main", "[role=main]", "body")
# Material's search worker loads its index after the page; give it time on a slow runner.
TIMEOUT_MS = 20_000


def url_of(page: str) -> str:
    """The site path of a generated page ('<policy-id>/statements/X.md'): its .html file when the site is
    built for reading from disk (the offline plugin), else its directory."""
    stem = page.removesuffix(".md")
    if (SITE / f"{stem}.html").is_file():
        return f"/{stem}.html"
    stem = stem.removesuffix("index").rstrip("/")
    return f"/{stem}/" if stem else "/"


def is_local(url: str) -> bool:
    """Whether a request stays on this machine (data: and blob: URLs never leave it)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in LOCAL_HOSTS


def site_name() -> str:
    """The site_name of mkdocs.yml (read as text: the file may hold Python tags)."""
    match = re.search(r"^site_name:\s*(.+?)\s*$", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.M)
    assert match, "mkdocs.yml has no site_name"
    return match.group(1).strip("'\"")


class Guard:
    """What pages did that they must not: requests off this machine, console and page errors."""

    def __init__(self) -> None:
        self.outside: list[str] = []
        self.errors: list[str] = []

    def route(self, route: Route) -> None:
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            self._outside(url)
            route.abort("blockedbyclient")

    def request(self, request: Request) -> None:
        # Also seen here: requests that bypass routing (service workers, prefetch).
        if not is_local(request.url):
            self._outside(request.url)

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text} ({message.location.get('url', '?')})")

    def page_error(self, error: Exception) -> None:
        self.errors.append(f"page error: {error}")

    def _outside(self, url: str) -> None:
        if url not in self.outside:
            self.outside.append(url)

    def problems(self) -> list[str]:
        return [f"request leaving localhost: {url}" for url in self.outside] + list(self.errors)

    def clear(self) -> None:
        self.outside.clear()
        self.errors.clear()


class Visit:
    """One page of the site in the browser, with what the guard saw while it was open."""

    def __init__(self, page: Page, base: str, guard: Guard) -> None:
        self.page = page
        self.base = base
        self.guard = guard

    def open(self, path: str) -> None:
        response = self.page.goto(f"{self.base}/{path.lstrip('/')}", wait_until="load")
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"

    def main_text(self) -> str:
        """The visible text of the page's content (not the navigation)."""
        for selector in CONTENT:
            content = self.page.locator(selector)
            if content.count():
                return content.first.inner_text()
        return ""

    def exact_texts(self, pattern: str) -> list[str]:
        """The texts of the innermost content elements whose whole text matches `pattern`
        (a status cell, say, and not a sentence that mentions the word)."""
        return list(self.page.evaluate(
            """([pattern, selectors]) => {
                const whole = new RegExp(`^(?:${pattern})$`);
                const root = selectors.map(s => document.querySelector(s)).find(Boolean);
                const text = el => el.textContent.trim().replace(/\\s+/g, " ");
                return [...root.querySelectorAll("*")]
                    .filter(el => whole.test(text(el)) && ![...el.children].some(c => text(c) === text(el)))
                    .map(text);
            }""",
            [pattern, list(CONTENT)],
        ))

    def links(self) -> set[str]:
        """The targets of the content's links, as site paths ('/shared/', '/<policy-id>/statements/X/')."""
        hrefs = self.page.evaluate(
            """(selectors) => {
                const root = selectors.map(s => document.querySelector(s)).find(Boolean);
                return [...root.querySelectorAll("a[href]")].map(a => a.href);
            }""",
            list(CONTENT),
        )
        return {urlsplit(href).path for href in hrefs if href.startswith(self.base)}

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_clean(self) -> None:
        problems = self.guard.problems()
        self.guard.clear()
        assert problems == [], "\n".join(problems)


