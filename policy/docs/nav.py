"""The site navigation, as a literate-nav SUMMARY.md."""

from __future__ import annotations

from collections.abc import Sequence

from policy.binding import BoundPolicy
from policy.docs.overview import sections

# Generated pages, in nav order: (title, path). Statements are nested under the policy.
GENERATED = (
    ("Decision", "decision.md"),
    ("Parameters", "parameters.md"),
)
REFERENCE = (
    ("Traceability", "traceability.md"),
    ("Bibliography", "bibliography.md"),
    ("Contract", "contract.md"),
    ("Python API", "api.md"),
    ("Changelog", "changelog.md"),
)


def summary_page(bound: BoundPolicy, guides: Sequence[tuple[str, str]], extra: Sequence[tuple[str, str]]) -> str:
    """The nav: home, the policy and its statements, reference pages, guides, then `extra` pages."""
    lines = ["* [Home](index.md)", "* [Policy](policy.md)"]
    lines += [f"    * [{title}]({path})" for title, path in GENERATED]
    for section, statements in sections(bound):
        lines.append(f"    * {section}")
        lines += [f"        * [{s.id}](statements/{s.id}.md)" for s in statements]
    lines += [f"* [{title}]({path})" for title, path in REFERENCE]
    if guides:
        lines.append("* Guides")
        lines += [f"    * [{title}]({path})" for title, path in guides]
    lines += [f"* [{title}]({path})" for title, path in extra]
    return "\n".join(lines) + "\n"
