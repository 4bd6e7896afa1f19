"""The library handbook works in a real browser, offline.

Expected content comes from the library (every policy that binds, its
statements, citation keys, badges and example rows; its example requests and
the decision each gets; the shared statements and the policies including
each; whether the recorded test results belong to this source) and from
mkdocs.yml (the site name); the words a statement page uses for test status
are the site's contract.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser_tests.harness import ROOT, Visit, site_name, url_of
from policy import provenance
from policy.assessment import assess
from policy.docs import stale_policies
from policy.docs.library import SOURCE_CASE, Library, PolicyDocs, load_library
from policy.docs.paths import policy_home, policy_statement, shared_home, shared_statement
from policy.docs.results import RESULTS_FILE, STALE_TITLE, load_results
from policy.source import Statement

# The status of an example row is shown as one of these words, alone in its cell.
STATUS = "passed|failed|not run"

LIBRARY: Library = load_library(ROOT / "examples")
# (policy id, statement) for every statement page of every policy, included shared statements too.
POLICY_STATEMENTS: list[tuple[PolicyDocs, Statement]] = [
    (policy, statement) for policy in LIBRARY.policies for statement in policy.bound.source.statements
]
SHARED: list[Statement] = list(LIBRARY.shared_statements)
# The results the site was built from (`make site` reads this file).
STALE = stale_policies(LIBRARY, load_results(ROOT / RESULTS_FILE))
# Hand-written pages every build has (the template's warning must reach them too).
GUIDES = [page for page in ("integrators.md", "authors.md") if (ROOT / "docs" / page).is_file()]


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
        assert url_of(policy_home(policy.id)) in links, policy.id
    if SHARED:
        assert url_of(shared_home()) in links
    visit.screenshot("home")
    visit.assert_clean()


@pytest.mark.parametrize("page", ["index.md", *GUIDES, *(policy_home(p.id) for p in LIBRARY.policies)])
def test_every_kind_of_page_warns_exactly_when_the_results_come_from_another_source(visit: Visit, page: str) -> None:
    """Home, a policy's overview and a hand-written guide carry the warning when, and only when, the
    results the site was built from were recorded against another version of a policy's source."""
    visit.open(url_of(page))
    warning = visit.page.locator(".stale-results")
    assert warning.count() == (1 if STALE else 0), f"stale policies: {STALE}"
    if STALE:
        text = warning.inner_text()
        assert STALE_TITLE in text and all(policy_id in text for policy_id in STALE)
    visit.assert_clean()


@pytest.mark.parametrize("policy", LIBRARY.policies, ids=[p.id for p in LIBRARY.policies])
def test_a_policy_overview_lists_its_statements_with_their_badges(visit: Visit, policy: PolicyDocs) -> None:
    """Each policy's section opens on its overview, naming every statement it holds, with every badge."""
    visit.open(url_of(policy_home(policy.id)))
    text = visit.main_text()
    missing = [s.id for s in policy.bound.source.statements if s.id not in text]
    assert missing == [], f"statements not listed: {missing}"
    expected = sum(len(provenance.badges(policy.bound, s.id)) for s in policy.bound.source.statements)
    assert visit.page.locator("article .policy-badge").count() == expected
    visit.screenshot(f"policy-{policy.id}")
    visit.assert_clean()


@pytest.mark.parametrize("policy,statement", POLICY_STATEMENTS, ids=[f"{p.id}-{s.id}" for p, s in POLICY_STATEMENTS])
def test_a_statement_page_shows_its_badges_the_status_of_each_example_and_its_citations(
    visit: Visit, policy: PolicyDocs, statement: Statement
) -> None:
    """A policy's statement page names it, shows its badges above its text, gives a last test status per
    example row, lists every citation key, and links the source case its examples start from."""
    visit.open(url_of(policy_statement(policy.id, statement.id)))
    text = visit.main_text()
    assert statement.id in text
    badges = provenance.badges(policy.bound, statement.id)
    shown = visit.page.locator("article .policy-badges .policy-badge").all_inner_texts()
    assert shown == [b.label for b in badges]
    rows = sum(len(scenario.examples) for scenario in statement.scenarios)
    statuses = visit.exact_texts(STATUS)
    assert len(statuses) == rows, f"{len(statuses)} status cells for {rows} example rows"
    missing = [key for key in statement.citations if key not in text]
    assert missing == [], f"citation keys not shown: {missing}"
    if any("like the source case" in step for s in statement.scenarios for _l, _k, step in s.steps):
        assert url_of(f"{policy.id}/examples/source-case.md") in visit.links()
    visit.screenshot(f"statement-{policy.id}-{statement.id}")
    visit.assert_clean()


@pytest.mark.parametrize("policy", LIBRARY.policies, ids=[p.id for p in LIBRARY.policies])
def test_the_source_case_page_shows_the_request_and_the_decision_it_gets(visit: Visit, policy: PolicyDocs) -> None:
    example = policy.example_named(SOURCE_CASE)
    if example is None:
        pytest.skip(f"{policy.id} has no source case")
    visit.open(url_of(f"{policy.id}/examples/source-case.md"))
    decision = assess(dict(example.request), policy.id).decision
    assert visit.page.locator(f"article .decision-{decision}").first.inner_text() == decision.upper()
    assert str(example.request["id"]) in visit.main_text()
    visit.screenshot(f"example-{policy.id}-source-case")
    visit.assert_clean()


@pytest.mark.parametrize("statement", SHARED, ids=[s.id for s in SHARED])
def test_a_shared_statement_page_shows_each_rows_status_under_each_including_policy(
    visit: Visit, statement: Statement
) -> None:
    """A shared statement's page names the policies including it and has a status per row and policy."""
    visit.open(url_of(shared_statement(statement.id)))
    text = visit.main_text()
    assert statement.id in text
    including = LIBRARY.including(statement.id)
    links = visit.links()
    for policy in including:
        assert url_of(policy_home(policy.id)) in links, policy.id
        assert url_of(policy_statement(policy.id, statement.id)) in links, policy.id
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
    visit.open(url_of(shared_home()))
    text = visit.main_text()
    assert [s.id for s in SHARED if s.id not in text] == []
    visit.assert_clean()


def test_the_maintainers_pages_are_in_their_own_section_of_the_navigation(visit: Visit) -> None:
    """Benchmarks and the Python API are listed under Maintainers, nowhere else in the navigation."""
    visit.open("/")
    sections = visit.page.evaluate(
        """() => [...document.querySelectorAll(".md-sidebar--primary .md-nav__item--nested")].map(item => ({
            title: (item.querySelector(":scope > label, :scope > .md-nav__link") || item).textContent.trim(),
            links: [...item.querySelectorAll("a.md-nav__link")].map(a => a.getAttribute("href")),
        }))"""
    )
    maintainers = [s for s in sections if s["title"] == "Maintainers"]
    assert len(maintainers) == 1, [s["title"] for s in sections]
    names = [Path(href).stem for href in maintainers[0]["links"]]
    expected = ["api"] + (["benchmarks"] if (ROOT / "docs" / "benchmarks.md").is_file() else [])
    assert all(name in names for name in expected), names
    elsewhere = [Path(h).stem for s in sections if s["title"] != "Maintainers" for h in s["links"]]
    assert not set(expected) & set(elsewhere)
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
