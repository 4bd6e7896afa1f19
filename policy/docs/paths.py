"""Where each page of the site lives, and the relative link from one page to another.

The site is one library: a home page, a section per policy under its id
(`<policy-id>/...`), a section for the shared statements (`shared/...`) and a
few library-wide pages. Pages inside a section link to each other with short
relative paths; every link across sections is made here, from the two page
paths, so no page has to know how deep it sits.
"""

from __future__ import annotations

import posixpath

HOME = "index.md"
NAV_FILE = "SUMMARY.md"
API = "api.md"
CONTRACT = "contract.md"
DECISION = "decision.md"
SHARED = "shared"
SECTION_INDEX = "index.md"
STATEMENTS = "statements"
# Folders of the built site that MkDocs, Material and the docs themselves take:
# a policy id equal to one of them would overwrite its pages.
RESERVED = frozenset({SHARED, "assets", "search", "stylesheets"})
# Every top-level name a policy's section would collide with: the folders above
# and the library-wide pages (by their name without `.md`).
SITE_NAMES = RESERVED | {page.removesuffix(".md") for page in (HOME, NAV_FILE, API, CONTRACT, DECISION)}


def statement_path(statement_id: str) -> str:
    """A statement's page, relative to its section."""
    return f"{STATEMENTS}/{statement_id}.md"


def in_section(section: str, page: str) -> str:
    """A page of a section (a policy's id, or `shared`), from the site's root."""
    return f"{section}/{page}"


def policy_home(policy_id: str) -> str:
    return in_section(policy_id, SECTION_INDEX)


def policy_statement(policy_id: str, statement_id: str) -> str:
    return in_section(policy_id, statement_path(statement_id))


def shared_home() -> str:
    return in_section(SHARED, SECTION_INDEX)


def shared_statement(statement_id: str) -> str:
    return in_section(SHARED, statement_path(statement_id))


def relative(from_page: str, to_page: str) -> str:
    """The link from one page to another, both given from the site's root."""
    return posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")


def prefixed(section: str, pages: dict[str, str]) -> dict[str, str]:
    """A section's pages (keyed relative to the section) keyed from the site's root."""
    return {in_section(section, path): text for path, text in pages.items()}
