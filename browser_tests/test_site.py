"""The library handbook works in a real browser, offline.

Expected content comes from the library (every policy that binds, its
statements, citation keys and example rows; the shared statements and the
policies including each) and from mkdocs.yml (the site name); the words a
statement page uses for test status are the site's contract.
"""

from __future__ import annotations

import re

import pytest

from browser_tests.harness import Visit, site_name
from policy.docs.library import Library, PolicyDocs, load_library
from policy.source import Statement

# The status of an example row is shown as one of these words, alone in its cell.
STATUS = "passed|failed|not run"

LIBRARY: Library = load_library()
# (policy id, statement) for every statement page of every policy, included shared statements too.
POLICY_STATEMENTS: list[tuple[str, Statement]] = [
    (policy.id, statement) for policy in LIBRARY.policies for statement in policy.bound.source.statements
]
SHARED: list[Statement] = list(LIBRARY.shared_statements)


def search_term(library: Library) -> str:
    """A word the search must find: the longest word of the first policy's title."""
    words = re.findall(r"[A-Za-z]{4,}", library.policies[0].bound.source.title)
    return str(max(words, key=len))


def test_the_home_page_lists_every_policy_and_the_shared_section(visit: Visit) -> None:
    """The home page has the site name in its title, a heading, and a row per policy linking its section."""
    visit.open("/")
    assert site_name() in visit.page.title()
    heading = visit.page.locator("h1").first
    heading.wait_for(state="visible")
    assert heading.inner_text().strip() != ""
    text = visit.main_text()
    links = visit.links()
    assert LIBRARY.policies, "no policy binds"
    for policy in LIBRARY.policies:
        assert policy.bound.source.title in text and policy.id in text, policy.id
        assert f"/{policy.id}/" in links, policy.id
    if SHARED:
        assert "/shared/" in links
    visit.screenshot("home")
    visit.assert_clean()


@pytest.mark.parametrize("policy", LIBRARY.policies, ids=[p.id for p in LIBRARY.policies])
def test_a_policy_overview_lists_its_statements(visit: Visit, policy: PolicyDocs) -> None:
    """Each policy's section opens on its overview, naming every statement it holds."""
    visit.open(f"{policy.id}/")
    text = visit.main_text()
    missing = [s.id for s in policy.bound.source.statements if s.id not in text]
    assert missing == [], f"statements not listed: {missing}"
    visit.screenshot(f"policy-{policy.id}")
    visit.assert_clean()


@pytest.mark.parametrize("policy_id,statement", POLICY_STATEMENTS, ids=[f"{p}-{s.id}" for p, s in POLICY_STATEMENTS])
def test_a_statement_page_shows_the_status_of_each_example_and_its_citations(
    visit: Visit, policy_id: str, statement: Statement
) -> None:
    """A policy's statement page names it, gives a last test status per example row and lists every citation key."""
    visit.open(f"{policy_id}/statements/{statement.id}/")
    text = visit.main_text()
    assert statement.id in text
    rows = sum(len(scenario.examples) for scenario in statement.scenarios)
    statuses = visit.exact_texts(STATUS)
    assert len(statuses) == rows, f"{len(statuses)} status cells for {rows} example rows"
    missing = [key for key in statement.citations if key not in text]
    assert missing == [], f"citation keys not shown: {missing}"
    visit.screenshot(f"statement-{policy_id}-{statement.id}")
    visit.assert_clean()


@pytest.mark.parametrize("statement", SHARED, ids=[s.id for s in SHARED])
def test_a_shared_statement_page_shows_each_rows_status_under_each_including_policy(
    visit: Visit, statement: Statement
) -> None:
    """A shared statement's page names the policies including it and has a status per row and policy."""
    visit.open(f"shared/statements/{statement.id}/")
    text = visit.main_text()
    assert statement.id in text
    including = LIBRARY.including(statement.id)
    links = visit.links()
    for policy in including:
        assert f"/{policy.id}/" in links and f"/{policy.id}/statements/{statement.id}/" in links, policy.id
    rows = sum(len(scenario.examples) for scenario in statement.scenarios)
    statuses = visit.exact_texts(STATUS)
    assert len(statuses) == rows * max(1, len(including)), f"{len(statuses)} status cells for {rows} rows"
    missing = [key for key in statement.citations if key not in text]
    assert missing == [], f"citation keys not shown: {missing}"
    visit.screenshot(f"shared-{statement.id}")
    visit.assert_clean()


def test_the_shared_section_lists_every_shared_statement(visit: Visit) -> None:
    if not SHARED:
        pytest.skip("the library has no shared statement")
    visit.open("shared/")
    text = visit.main_text()
    assert [s.id for s in SHARED if s.id not in text] == []
    visit.assert_clean()


def test_the_search_box_finds_a_word_of_a_policy(visit: Visit) -> None:
    """Typing a word of a policy's title into the search box lists results that contain it."""
    term = search_term(LIBRARY)
    visit.open("/")
    search = visit.page.locator(".md-search__input")
    if not search.is_visible():
        # Narrow layouts hide the box behind the header's search toggle.
        visit.page.locator('label[for="__search"]').first.click()
    search.click()
    search.press_sequentially(term)
    results = visit.page.locator(".md-search-result__item")
    results.first.wait_for(state="visible")
    texts = results.all_inner_texts()
    assert any(term.lower() in text.lower() for text in texts), (term, texts)
    visit.screenshot("search")
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
