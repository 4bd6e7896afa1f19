"""The documentation site of the policy library, generated from its source and the last test results.

`build_pages` returns every generated page as {path relative to docs/: markdown}:
the library's home, one section per policy under its id, the shared
statements under `shared/`, and the library-wide pages. `docs/gen_pages.py`
writes them through mkdocs-gen-files at build time. Policy text, numbers and
citations come only from the library (`load_library`): no module here names a
policy or one of its fields.
"""

from __future__ import annotations

from collections.abc import Sequence

from policy.docs.bibliography import bibliography_page
from policy.docs.changelog import changelog_page
from policy.docs.contract import contract_page, library_contract_page
from policy.docs.decision import decision_page, library_decision_page
from policy.docs.home import home_page
from policy.docs.library import Library, PolicyDocs, load_library
from policy.docs.markdown import Pages
from policy.docs.nav import summary_page
from policy.docs.overview import parameters_page, policy_page
from policy.docs.paths import API, CONTRACT, DECISION, HOME, NAV_FILE, RESERVED, SECTION_INDEX, prefixed
from policy.docs.results import FAILED, NOT_RUN, PASSED, TestResults, load_results, results_from
from policy.docs.shared import shared_pages
from policy.docs.statements import statement_pages
from policy.docs.traceability import traceability_page

API_PAGE = "# Python API\n\nGenerated from the docstrings of the `policy` package.\n\n::: policy\n"


def policy_pages(policy: PolicyDocs, results: TestResults, shared_parameters: frozenset[str] = frozenset()) -> Pages:
    """A policy's section, keyed from the site's root; `results` are the runs under this policy."""
    bound = policy.bound
    source = bound.source
    pages: Pages = {
        SECTION_INDEX: policy_page(bound, results),
        "decision.md": decision_page(bound),
        "parameters.md": parameters_page(bound, shared_parameters),
        "traceability.md": traceability_page(bound, results),
        "bibliography.md": bibliography_page(source.bibliography, source.statements, source.parameters,
                                             source.code_groups),
        "contract.md": contract_page(policy),
        "changelog.md": changelog_page(source),
    }
    pages.update(statement_pages(bound, results))
    return prefixed(policy.id, pages)


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
    extra: Sequence[tuple[str, str]] = (),
) -> Pages:
    """Every generated page of the site, keyed by its path under docs/.

    `guides` and `extra` are hand-written pages of docs/ (title, path) the
    navigation lists; `results` are the last test results of the whole library.
    """
    root: Pages = {
        HOME: home_page(library, results, guides, extra),
        CONTRACT: library_contract_page(library.policies),
        DECISION: library_decision_page([p.bound for p in library.policies]),
        API: API_PAGE,
        NAV_FILE: summary_page(library, guides, extra),
    }
    _check_ids(library, [*root, *(path for _title, path in (*guides, *extra))])
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
]
