"""Provenance and release marks a reviewer must not miss: badges, per-citation support, versions.

Badges and grades come from `policy.provenance` (support belongs to a
statement–reference pair, with a note saying why and the source sentence a
statement encodes); versions and dates from `policy.releases`. Both are read
through their modules at call time, so whatever those modules record shows
on every page that calls these functions: statement pages, the overview, the
traceability matrix, a printable document.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence

from policy import provenance, releases
from policy.binding import BoundPolicy
from policy.docs.bibliography import full_reference
from policy.docs.markdown import code, reference_link, table
from policy.provenance import Badge, Grade
from policy.source import Reference

NOT_GRADED = "not graded"


def _css(kind: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", kind.lower()).strip("-") or "other"


def badge_html(badge: Badge, detail: bool = True) -> str:
    """One badge as a coloured label (its detail beside it, or as the label's tooltip when `detail` is off)."""
    label = html.escape(badge.label)
    title = f' title="{html.escape(badge.detail)}"' if badge.detail else ""
    mark = f'<span class="policy-badge policy-badge-{_css(badge.kind)}"{title}>{label}</span>'
    if detail and badge.detail:
        mark += f' <span class="policy-badge-detail">{html.escape(badge.detail)}</span>'
    return mark


def badges_markdown(badges: Sequence[Badge], separator: str = "<br>", detail: bool = True) -> str:
    """Every badge (with its detail, or with the detail as the label's tooltip), one after the other;
    '' when there is none."""
    return separator.join(badge_html(b, detail) for b in badges)


def badges_cell(badges: Sequence[Badge]) -> str:
    """Badges for a table cell: the labels, each on its line; the detail is on the statement's page."""
    return badges_markdown(badges, detail=False)


def statement_badges(bound: BoundPolicy, statement_id: str) -> tuple[Badge, ...]:
    return provenance.badges(bound, statement_id)


def header_badges(bound: BoundPolicy, statement_id: str) -> str:
    """The paragraph of badges under a statement page's title; '' when the statement has none."""
    badges = statement_badges(bound, statement_id)
    if not badges:
        return ""
    return badges_block(badges)


def badges_block(badges: Sequence[Badge]) -> str:
    """Badges under a title: each on its own line with its detail beside it; '' when there is none."""
    if not badges:
        return ""
    lines = "".join(f'<div class="policy-badge-line">{badge_html(b)}</div>' for b in badges)
    return f'<div class="policy-badges">{lines}</div>\n'


def provenance_cell(bound: BoundPolicy, statement_id: str) -> str:
    """A statement's badges for a table cell; 'direct' only when it is graded and has none."""
    badges = badges_cell(statement_badges(bound, statement_id))
    if badges:
        return badges
    return "direct" if statement_grades(bound, statement_id) else NOT_GRADED


def statement_grades(bound: BoundPolicy, statement_id: str) -> tuple[Grade, ...]:
    return provenance.grades(bound, statement_id)


def grades_by_pair(bound: BoundPolicy, statement_ids: Iterable[str] | None = None) -> dict[tuple[str, str], Grade]:
    """The grades of the policy's statements (or of those given), keyed by (statement, reference)."""
    ids = [s.id for s in bound.source.statements] if statement_ids is None else list(statement_ids)
    return {(g.statement, g.reference): g for i in ids for g in statement_grades(bound, i)}


def support_words(grade: Grade) -> str:
    """A grade's support level, with the codes it is direct for when it is not direct for all."""
    text = f"**{grade.support}**"
    if grade.direct_for and grade.support != "direct":
        text += f" (direct for {', '.join(grade.direct_for)})"
    if grade.extrapolated_from and grade.support == "extrapolated":
        text += f", from {grade.extrapolated_from}"
    return text


def grade_quotes(grade: Grade) -> tuple[str, ...]:
    """The sentences of the reference a statement encodes (one by one when the grade lists them)."""
    if grade.quotes:
        return grade.quotes
    return (grade.quote,) if grade.quote else ()


def citations_markdown(
    citations: Sequence[str],
    bibliography: Mapping[str, Reference],
    grades: Iterable[Grade],
    prefix: str = "../",
    heading: str = "## Citations\n",
) -> str:
    """Each citation with how directly it supports this statement and why, then the source sentences quoted.

    A citation without a grade says 'not graded'; a grade for a reference the
    statement does not cite is listed too (after the cited ones).
    """
    by_key: dict[str, Grade] = {}
    for grade in grades:
        by_key.setdefault(grade.reference, grade)
    keys = list(citations) + [k for k in by_key if k not in citations]
    if not keys:
        return heading + "\nNo citation.\n"
    rows = []
    for key in keys:
        found = by_key.get(key)
        reference = bibliography.get(key)
        support = support_words(found) if found is not None else NOT_GRADED
        linked = reference_link(key, prefix) if reference is not None else code(key)
        rows.append([
            linked, support, found.note if found is not None else "",
            full_reference(reference) if reference is not None else "not in this bibliography",
        ])
    out = [heading, table(["Reference", "Support for this statement", "Why", "Full reference"], rows)]
    quoted = [g for key in keys if (g := by_key.get(key)) is not None and grade_quotes(g)]
    for grade in quoted:
        sentences = grade_quotes(grade)
        what = "sentence" if len(sentences) == 1 else "sentences"
        out.append(f"The {what} of {reference_link(grade.reference, prefix)} this statement encodes:\n")
        out += ["> " + " ".join(sentence.split()) + "\n" for sentence in sentences]
    return "\n".join(out)


def effective_text(bound: BoundPolicy) -> str:
    """The effective date of the policy's version, or that it is not released."""
    date = releases.effective(bound)
    return date if date else "not released: no release of this version is recorded"


def last_changed_text(bound: BoundPolicy, statement_id: str) -> str:
    version = releases.last_changed(bound, statement_id)
    return f"version {version}" if version else "not recorded in any release"
