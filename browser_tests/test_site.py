"""The policy handbook works in a real browser, offline.

Expected content comes from the policy source (statement IDs, citation keys,
example rows) and from mkdocs.yml (the site name); the words a statement page
uses for test status are the site's contract.
"""

from __future__ import annotations

import pytest

from browser_tests.harness import Visit, site_name
from policy.policies import MODULES
from policy.source import Statement, load_source

# The status of an example row is shown as one of these words, alone in its cell.
STATUS = "passed|failed|not run"
# The issue asks the search box to find this term.
SEARCH_TERM = "IgA"

STATEMENTS: list[Statement] = [
    statement for module in MODULES.values() for statement in load_source(module.FOLDER).statements
]


def test_the_home_page_renders_with_the_site_name_and_a_heading(visit: Visit) -> None:
    """The home page has the site name in its title and a visible top heading."""
    visit.open("/")
    assert site_name() in visit.page.title()
    heading = visit.page.locator("h1").first
    heading.wait_for(state="visible")
    assert heading.inner_text().strip() != ""
    visit.screenshot("home")
    visit.assert_clean()


@pytest.mark.parametrize("statement", STATEMENTS, ids=[s.id for s in STATEMENTS])
def test_a_statement_page_shows_the_status_of_each_example_and_its_citations(
    visit: Visit, statement: Statement
) -> None:
    """A statement's page names it, gives a last test status per example row and lists every citation key."""
    visit.open(f"statements/{statement.id}/")
    text = visit.main_text()
    assert statement.id in text
    rows = sum(len(scenario.examples) for scenario in statement.scenarios)
    statuses = visit.exact_texts(STATUS)
    assert len(statuses) == rows, f"{len(statuses)} status cells for {rows} example rows"
    missing = [key for key in statement.citations if key not in text]
    assert missing == [], f"citation keys not shown: {missing}"
    visit.screenshot(f"statement-{statement.id}")
    visit.assert_clean()


def test_the_search_box_finds_iga(visit: Visit) -> None:
    """Typing IgA into the search box lists results that contain it."""
    visit.open("/")
    search = visit.page.locator(".md-search__input")
    if not search.is_visible():
        # Narrow layouts hide the box behind the header's search toggle.
        visit.page.locator('label[for="__search"]').first.click()
    search.click()
    search.press_sequentially(SEARCH_TERM)
    results = visit.page.locator(".md-search-result__item")
    results.first.wait_for(state="visible")
    texts = results.all_inner_texts()
    assert any(SEARCH_TERM in text for text in texts), texts
    visit.screenshot("search-iga")
    visit.assert_clean()


def test_a_request_to_another_host_is_stopped_and_recorded(visit: Visit) -> None:
    """The guard aborts a request that leaves the machine and remembers its address."""
    visit.open("/")
    outcome = visit.page.evaluate(
        "() => fetch('http://example.invalid/probe').then(() => 'loaded', () => 'blocked')"
    )
    assert outcome == "blocked"
    assert "http://example.invalid/probe" in visit.guard.outside
    visit.guard.clear()


def test_a_console_error_and_an_uncaught_exception_are_recorded(visit: Visit) -> None:
    """The guard collects console errors and uncaught page errors."""
    visit.open("/")
    visit.page.evaluate("() => console.error('probe console error')")
    with visit.page.expect_event("pageerror"):
        visit.page.evaluate("() => setTimeout(() => { throw new Error('probe page error'); })")
    problems = "\n".join(visit.guard.errors)
    assert "probe console error" in problems
    assert "probe page error" in problems
    visit.guard.clear()
