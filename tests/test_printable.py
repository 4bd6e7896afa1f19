"""The printable policy page (`<policy-id>/print.md`) holds the whole policy and stands on its own.

It is made of the pages the site renders for the policy's section, so what
it must hold is read from those pages and from the library: every statement
page, the decision, parameters, bibliography and changelog pages, a title
page with the policy's identity. Being meant for paper, its links stay
inside the document and every one of them lands on an anchor it has. What
the PDF made from it shows is checked by browser_tests/test_pdf.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policy.docs import Library, build_pages, load_library, results_from
from policy.docs.markdown import Pages
from policy.docs.marks import effective_text
from policy.docs.printable import PRINT_PAGE, pdf_name, statement_anchor

ROOT = Path(__file__).resolve().parent.parent
LINK_TARGET = re.compile(r"(?<!!)\[(?:\\.|[^\]\\])*\]\(([^)\s]*)\)")
EXPLICIT_ANCHOR = re.compile(r"^#{1,6} .*\{[^}]*#([^\s}]+)[^}]*\}\s*$", re.M)


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(ROOT / "examples")


@pytest.fixture(scope="module")
def pages(library: Library) -> Pages:
    return build_pages(library, results_from({}))


def without_fences(markdown: str) -> str:
    return re.sub(r"^```.*?^```", "", markdown, flags=re.M | re.S)


def test_every_policy_has_its_printable_page_linked_from_its_home(library: Library, pages: Pages) -> None:
    for policy in library.policies:
        page = pages[f"{policy.id}/{PRINT_PAGE}"]
        home = pages[f"{policy.id}/index.md"]
        assert f"]({PRINT_PAGE})" in home, policy.id
        assert f'href="{pdf_name(policy.id)}"' in home, policy.id
        assert "search:\n  exclude: true" in page, "the printable page repeats every page: search skips it"


def test_the_title_page_names_id_version_effective_date_and_digest(library: Library, pages: Pages) -> None:
    for policy in library.policies:
        bound = policy.bound
        title_page = pages[f"{policy.id}/{PRINT_PAGE}"].split("## Contents", 1)[0]
        for fact in (f"`{bound.id}`", f"| Version | {bound.source.version} |", f"`{bound.digest}`",
                     f"| Effective date | {effective_text(bound)} |"):
            assert fact in title_page, (policy.id, fact)


def test_every_page_of_the_section_a_reader_needs_is_embedded(library: Library, pages: Pages) -> None:
    """Each statement page, decision, parameters, bibliography and changelog, with its text (headings moved down)."""
    for policy in library.policies:
        page = pages[f"{policy.id}/{PRINT_PAGE}"]
        for statement in policy.bound.source.statements:
            assert f"### {statement.id}: {statement.title} {{#{statement_anchor(statement.id)} " in page
            assert statement.text in page
        for anchor in ("decision", "parameters", "bibliography", "changelog"):
            assert f"{{#{anchor} .print-part}}" in page, (policy.id, anchor)
        for key in policy.bound.source.bibliography:
            assert f"{{#bibliography--{key}}}" in page, (policy.id, key)


def test_links_stay_inside_the_document_and_land_on_its_anchors(library: Library, pages: Pages) -> None:
    for policy in library.policies:
        page = without_fences(pages[f"{policy.id}/{PRINT_PAGE}"])
        anchors = EXPLICIT_ANCHOR.findall(page)
        duplicates = sorted({a for a in anchors if anchors.count(a) > 1})
        assert duplicates == [], f"{policy.id}: anchors given twice: {duplicates}"
        targets = LINK_TARGET.findall(page)
        outside = sorted({t for t in targets if not t.startswith(("#", "http://", "https://"))})
        assert outside == [], f"{policy.id}: links out of the printed document: {outside}"
        missing = sorted({t for t in targets if t.startswith("#") and t[1:] not in anchors})
        assert missing == [], f"{policy.id}: links to no anchor of the document: {missing}"
