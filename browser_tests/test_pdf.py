"""The printed policy: `make pdf` wrote build/pdf/<policy-id>.pdf for every policy, and the site links it.

Each PDF is opened with pypdf and read as text, as a person reading the
printout would: the title page names the policy's id, version, effective date
(or that it is not released) and digest; every statement of the policy is
there, with its heading in the PDF's outline and its citation keys; so are
the decision rules and the bibliography. What to expect comes from the
library itself. Runs after `make pdf` (`make browser` prints the PDFs before
its tests).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

import pytest
from pypdf import PdfReader

from browser_tests.harness import ROOT, SITE
from policy.binding import BoundPolicy, bound
from policy.docs.marks import effective_text
from policy.docs.printable import pdf_name
from policy.errors import PolicyDefinitionError
from policy.library import policy_ids

PDF_DIR = ROOT / "build" / "pdf"


def _bound_policies() -> list[BoundPolicy]:
    found = []
    for policy_id in policy_ids():
        try:
            found.append(bound(policy_id))
        except PolicyDefinitionError:
            continue  # no pages, no PDF: the site's home names it
    return found


POLICIES = _bound_policies()


def readable(text: str) -> str:
    """Text as a reader takes it: ligatures undone, lines joined, a word broken after its hyphen rejoined."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"-\s+", "-", " ".join(text.split()))


@cache
def pdf(policy_id: str) -> tuple[list[str], list[str]]:
    """The readable text of each page of a policy's PDF, and the titles of its outline."""
    path = PDF_DIR / pdf_name(policy_id)
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `make pdf`")
    reader = PdfReader(path)
    titles: list[str] = []

    def walk(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(readable(item.title))

    walk(reader.outline)
    return [readable(page.extract_text()) for page in reader.pages], titles


@pytest.mark.parametrize("policy", POLICIES, ids=[p.id for p in POLICIES])
def test_the_title_page_names_the_policy_version_effective_date_and_digest(policy: BoundPolicy) -> None:
    pages, _outline = pdf(policy.id)
    first = pages[0]
    assert readable(policy.source.title) in first
    assert policy.id in first
    assert f"Version {policy.source.version}" in first
    assert f"Effective date {readable(effective_text(policy))}" in first
    # A long digest may wrap: read it without spaces.
    assert policy.digest in first.replace(" ", ""), "digest not on the title page"
    # Every page's footer names the policy and its version.
    unnamed = [n for n, text in enumerate(pages, start=1) if f"{policy.id} {policy.source.version}" not in text]
    assert unnamed == [], f"pages without the policy id and version: {unnamed}"


@pytest.mark.parametrize("policy", POLICIES, ids=[p.id for p in POLICIES])
def test_every_statement_is_printed_with_its_heading_and_citations(policy: BoundPolicy) -> None:
    pages, outline = pdf(policy.id)
    text = " ".join(pages)
    statements = policy.source.statements
    missing = [s.id for s in statements if not any(title.startswith(f"{s.id}:") for title in outline)]
    assert missing == [], f"statements without a heading in the PDF's outline: {missing}"
    missing = [s.id for s in statements if f"{s.id}:" not in text]
    assert missing == [], f"statements not in the PDF's text: {missing}"
    uncited = sorted({key for s in statements for key in s.citations if key not in text})
    assert uncited == [], f"citation keys not in the PDF: {uncited}"
    # Each statement starts a page of its own.
    assert len(pages) > len(statements)


@pytest.mark.parametrize("policy", POLICIES, ids=[p.id for p in POLICIES])
def test_the_decision_rules_and_the_bibliography_are_printed(policy: BoundPolicy) -> None:
    _pages, outline = pdf(policy.id)
    assert any(title.startswith("How a decision is made") for title in outline)
    assert "Bibliography" in outline
    missing = [key for key in policy.source.bibliography if key not in outline]
    assert missing == [], f"references without their entry in the bibliography: {missing}"


@pytest.mark.parametrize("policy", POLICIES, ids=[p.id for p in POLICIES])
def test_the_site_links_the_pdf_from_the_policy_home(policy: BoundPolicy) -> None:
    built = PDF_DIR / pdf_name(policy.id)
    beside = SITE / policy.id / pdf_name(policy.id)
    assert beside.is_file(), f"{beside} is missing: `make pdf` copies it into the built site"
    assert beside.read_bytes() == built.read_bytes()
    home = (SITE / policy.id / "index.html").read_text(encoding="utf-8")
    assert f'href="{pdf_name(policy.id)}"' in home
