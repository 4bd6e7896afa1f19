"""The site navigation, as a literate-nav SUMMARY.md.

Home, then one section per policy (its overview as the section's index page,
its decision and parameters pages, its example requests, its statements by
section, its reference pages), the shared statements, the library-wide pages
and guides a reviewer reads, then a "Maintainers" section (the authors'
guide, the Python API, the benchmarks) kept out of the reviewers' way, then
any extra page. With Material's `navigation.indexes`, a section's `index.md`
becomes the section's own link.
"""

from __future__ import annotations

from collections.abc import Sequence

from policy.docs.examples import INDEX as EXAMPLES_INDEX
from policy.docs.examples import example_path, example_title
from policy.docs.library import Library, PolicyDocs
from policy.docs.markdown import link, link_text
from policy.docs.overview import sections
from policy.docs.paths import (
    API,
    CONTRACT,
    DECISION,
    HOME,
    in_section,
    policy_home,
    policy_statement,
    shared_home,
    shared_statement,
)
from policy.source import Statement

INDENT = "    "
# A policy's pages before its statements, and after them: (title, path in its section).
BEFORE = (("Decision", "decision.md"), ("Parameters", "parameters.md"))
AFTER = (
    ("Traceability", "traceability.md"),
    ("Bibliography", "bibliography.md"),
    ("Contract", "contract.md"),
    ("Changelog", "changelog.md"),
    ("Printable policy", "print.md"),
)
LIBRARY = (("Contract", CONTRACT), ("How a decision is made", DECISION))
MAINTAINERS = "Maintainers"


def _item(depth: int, text: str) -> str:
    return f"{INDENT * depth}* {text}"


def _statements(statements: Sequence[Statement], path_of: dict[str, str], depth: int) -> list[str]:
    lines = []
    for section, group in sections(statements):
        lines.append(_item(depth, link_text(section) or "Statements"))
        lines += [_item(depth + 1, link(s.id, path_of[s.id])) for s in group]
    return lines


def _examples(policy: PolicyDocs, depth: int) -> list[str]:
    if not policy.examples:
        return []
    lines = [_item(depth, link("Examples", in_section(policy.id, EXAMPLES_INDEX)))]
    lines += [_item(depth + 1, link(example_title(e), in_section(policy.id, example_path(e.name))))
              for e in policy.examples]
    return lines


def summary_page(library: Library, guides: Sequence[tuple[str, str]], extra: Sequence[tuple[str, str]],
                 maintainers: Sequence[tuple[str, str]] = ()) -> str:
    """The SUMMARY.md literate-nav reads: every generated page once, plus the hand-written ones given."""
    lines = [_item(0, link("Home", HOME))]
    for policy in library.policies:
        source = policy.bound.source
        lines.append(_item(0, link(source.title, policy_home(policy.id))))
        lines += [_item(1, link(title, in_section(policy.id, path))) for title, path in BEFORE]
        lines += _examples(policy, 1)
        lines += _statements(source.statements, {s.id: policy_statement(policy.id, s.id) for s in source.statements}, 1)
        lines += [_item(1, link(title, in_section(policy.id, path))) for title, path in AFTER]
    shared = library.shared_statements
    if library.shared is not None:
        lines.append(_item(0, link("Shared statements", shared_home())))
        lines += _statements(shared, {s.id: shared_statement(s.id) for s in shared}, 1)
        lines.append(_item(1, link("Bibliography", in_section("shared", "bibliography.md"))))
    lines += [_item(0, link(title, path)) for title, path in LIBRARY]
    if guides:
        lines.append(_item(0, "Guides"))
        lines += [_item(1, link(title, path)) for title, path in guides]
    lines.append(_item(0, MAINTAINERS))
    lines += [_item(1, link(title, path)) for title, path in (*maintainers, ("Python API", API))]
    lines += [_item(0, link(title, path)) for title, path in extra]
    return "\n".join(lines) + "\n"
