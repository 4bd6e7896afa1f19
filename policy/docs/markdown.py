"""Small Markdown builders shared by the page generators."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from policy.docs.results import FAILED, NOT_RUN, PASSED

Pages = dict[str, str]


def cell(text: object) -> str:
    """Text safe inside a table cell: pipes escaped, newlines folded."""
    return " ".join(str(text).split()).replace("|", "\\|")


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def code(text: object) -> str:
    """Inline code; backticks inside are doubled-fenced."""
    value = str(text)
    fence = "``" if "`" in value else "`"
    return f"{fence}{value}{fence}"


def link_text(text: str) -> str:
    """Text safe inside a link's brackets (a policy title or section name may hold brackets)."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def link(text: str, target: str) -> str:
    return f"[{link_text(text)}]({target})"


def status_badge(status: str) -> str:
    """A test status as a word with a class the site's CSS colours."""
    css = {PASSED: "passed", FAILED: "failed", NOT_RUN: "not-run"}[status]
    return f'<span class="test-status test-status-{css}">{status}</span>'


def statement_link(statement_id: str, prefix: str = "") -> str:
    """Link to a statement page of the same section from a page `prefix` levels away ('' or '../')."""
    return f"[{statement_id}]({prefix}statements/{statement_id}.md)"


def reference_link(key: str, prefix: str = "") -> str:
    return f"[{key}]({prefix}bibliography.md#{key})"


def join(parts: Iterable[str], empty: str = "none") -> str:
    items = list(parts)
    return ", ".join(items) if items else empty


def heading(text: str, anchor: str, level: int = 2) -> str:
    """A heading with a fixed anchor, so links to it do not depend on its wording."""
    return f"{'#' * level} {text} {{#{anchor}}}\n"
