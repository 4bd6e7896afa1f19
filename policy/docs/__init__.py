"""The documentation site, generated from the bound policy and the last test results.

`build_pages` returns every generated page as {path relative to docs/: markdown};
`docs/gen_pages.py` writes them through mkdocs-gen-files at build time. Policy
text, numbers and citations come only from the policy source and its rule
declarations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from policy.binding import BoundPolicy
from policy.docs.bibliography import bibliography_page
from policy.docs.changelog import changelog_page
from policy.docs.contract import contract_page
from policy.docs.decision import decision_page
from policy.docs.markdown import Pages
from policy.docs.nav import summary_page
from policy.docs.overview import parameters_page, policy_page
from policy.docs.results import FAILED, NOT_RUN, PASSED, TestResults, load_results, results_from
from policy.docs.statements import statement_pages
from policy.docs.traceability import traceability_page

API_PAGE = "# Python API\n\nGenerated from the docstrings of the `policy` package.\n\n::: policy\n"


def build_pages(
    bound: BoundPolicy,
    results: TestResults,
    schema: Mapping[str, Any],
    *,
    example: Mapping[str, Any] | None = None,
    determination: Mapping[str, Any] | None = None,
    guides: Sequence[tuple[str, str]] = (),
    extra: Sequence[tuple[str, str]] = (),
) -> Pages:
    """Every generated page of the site, keyed by its path under docs/."""
    pages: Pages = {
        "policy.md": policy_page(bound, results),
        "decision.md": decision_page(bound),
        "parameters.md": parameters_page(bound),
        "traceability.md": traceability_page(bound, results),
        "bibliography.md": bibliography_page(bound),
        "contract.md": contract_page(bound, schema, example, determination),
        "api.md": API_PAGE,
        "changelog.md": changelog_page(bound.source),
        "SUMMARY.md": summary_page(bound, guides, extra),
    }
    pages.update(statement_pages(bound, results))
    return pages


__all__ = [
    "FAILED",
    "NOT_RUN",
    "PASSED",
    "TestResults",
    "build_pages",
    "load_results",
    "results_from",
]
