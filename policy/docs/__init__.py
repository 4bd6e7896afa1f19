"""The documentation site of the policy library, generated from its source and the last test results.

`build_pages` returns every generated page as {path relative to docs/: markdown}:
the library's home, one section per policy under its id (its example
requests with their determinations under `<policy-id>/examples/`), the
shared statements under `shared/`, and the library-wide pages.
`docs/gen_pages.py` writes them through mkdocs-gen-files at build time, and
puts the names of the policies whose test results come from another source
(`stale_policies`) where the site's template warns about them on every page.
Policy text, numbers and citations come only from the library
(`load_library`): no module here names a policy or one of its fields.
"""

from __future__ import annotations

from collections.abc import Sequence

from policy.docs.bibliography import bibliography_page
from policy.docs.changelog import changelog_page
from policy.docs.contract import contract_page, library_contract_page
from policy.docs.decision import decision_page, library_decision_page
from policy.docs.examples import example_pages
from policy.docs.home import home_page
from policy.docs.library import Library, PolicyDocs, load_library
from policy.docs.markdown import Pages
from policy.docs.marks import grades_by_pair
from policy.docs.nav import summary_page
from policy.docs.overview import parameters_page, policy_page
from policy.docs.paths import API, CONTRACT, DECISION, HOME, NAV_FILE, RESERVED, SECTION_INDEX, prefixed
from policy.docs.printable import printable_pages, with_print_links
from policy.docs.results import FAILED, NOT_RUN, PASSED, TestResults, load_results, results_from, stale_note
from policy.docs.shared import shared_pages
from policy.docs.statements import statement_pages
from policy.docs.traceability import traceability_page

API_PAGE = "# Python API\n\nGenerated from the docstrings of the `policy` package.\n\n::: policy\n"


def policy_pages(policy: PolicyDocs, results: TestResults, shared_parameters: frozenset[str] = frozenset()) -> Pages:
    """A policy's section, keyed from the site's root; `results` are the runs under this policy."""
    bound = policy.bound
    source = bound.source
    pages: Pages = {
        SECTION_INDEX: policy_page(policy, results),
        "decision.md": decision_page(bound),
        "parameters.md": parameters_page(bound, shared_parameters),
        "traceability.md": traceability_page(bound, results),
        "bibliography.md": bibliography_page(source.bibliography, source.statements, source.parameters,
                                             source.code_groups, grades=grades_by_pair(bound)),
        "contract.md": contract_page(policy),
        "changelog.md": changelog_page(source, bound),
    }
    pages.update(statement_pages(policy, results))
    pages.update(example_pages(policy))
    pages.update(printable_pages(policy, results, pages))
    pages[SECTION_INDEX] = with_print_links(pages[SECTION_INDEX], policy.id)
    return prefixed(policy.id, pages)


def stale_policies(library: Library, results: TestResults) -> list[str]:
    """The policies whose last test results were recorded against another version of their source."""
    return [p.id for p in library.policies if results.for_policy(p.id).stale(p.id, p.bound.digest)]


def _check_ids(library: Library, taken: Sequence[str]) -> None:
    """A policy's section must not land on a page or folder the site already has."""
    names = {name.removesuffix(".md") for name in taken} | RESERVED
    clashes = sorted(p.id for p in library.policies if p.id in names)
    if clashes:
        raise ValueError(f"policy id(s) {', '.join(clashes)} clash with pages of the site: rename the folder(s)")


def build_pages(
    library: Library,
    results: TestResults,
    *,
    guides: Sequence[tuple[str, str]] = (),
    maintainers: Sequence[tuple[str, str]] = (),
    extra: Sequence[tuple[str, str]] = (),
) -> Pages:
    """Every generated page of the site, keyed by its path under docs/.

    `guides`, `maintainers` and `extra` are hand-written pages of docs/
    (title, path) the navigation lists: guides for reviewers and
    integrators, pages for the library's maintainers (with the Python API),
    and any other page; `results` are the last test results of the whole library.
    """
    root: Pages = {
        HOME: home_page(library, results, guides, extra, maintainers),
        CONTRACT: library_contract_page(library.policies),
        DECISION: library_decision_page([p.bound for p in library.policies]),
        API: API_PAGE,
        NAV_FILE: summary_page(library, guides, extra, maintainers),
    }
    _check_ids(library, [*root, *(path for _title, path in (*guides, *maintainers, *extra))])
    pages = dict(root)
    shared_parameters = frozenset(library.shared.parameters) if library.shared is not None else frozenset()
    for policy in library.policies:
        pages.update(policy_pages(policy, results.for_policy(policy.id), shared_parameters))
    pages.update(shared_pages(library, results))
    return pages


__all__ = [
    "FAILED",
    "NOT_RUN",
    "PASSED",
    "Library",
    "PolicyDocs",
    "TestResults",
    "build_pages",
    "load_library",
    "load_results",
    "policy_pages",
    "results_from",
    "stale_note",
    "stale_policies",
]
