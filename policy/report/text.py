"""The plain-text report of a determination, for a terminal or a log.

Decision first (one line, the only one that starts with "Decision:"), then
the request it answers, then why: reasons and missing data; what is
authorized only when something is; the policy's figures with what kept any
from being computed; every statement's outcome as a reviewer reads it.

Statement texts and labels come from the policy; every value that comes from
the request (its id above all) is written through `escape.visible`, so no
line break or control character in it can start a line of its own.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from policy.binding import BoundPolicy
from policy.determination import Determination, Note, Reason
from policy.provenance import badges
from policy.report.escape import visible
from policy.report.reading import checks_without, figure_missing, outcome_words, statement_reading
from policy.report.request import NOT_GIVEN, RequestSummary, diagnosis_text, group_text, summarize
from policy.report.values import (
    ATTACHED_HEADING,
    DENIED_ATTACHMENTS,
    assessor_of,
    authorized_rows,
    decision_summary,
    describe_change,
    plural,
    section_names,
)
from policy.rules.declarations import PolicyCode

WIDTH = 88
DECISION = "Decision: "

__all__ = ["WIDTH", "figure_rows", "plural", "render_text"]


def _wrapped(first: str, text: str, indent: int = 4) -> str:
    # IDs and document paths contain hyphens and dots: never break inside them.
    return textwrap.fill(
        text,
        width=WIDTH,
        initial_indent=first,
        subsequent_indent=" " * indent,
        break_on_hyphens=False,
        break_long_words=False,
    )


def _table(rows: Sequence[tuple[str, str]], indent: str = "  ") -> list[str]:
    """Label/value rows; both already escaped, so no value can spill onto a line of its own."""
    if not rows:
        return []
    width = max(len(label) for label, _ in rows)
    return [f"{indent}{label.ljust(width)}  {value}".rstrip() for label, value in rows]


def figure_rows(determination: Determination, code: PolicyCode, gaps: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The policy's figures as (label, value) rows, each basis beside its figure, a null one with what it lacks."""
    dosing = determination.dosing
    bases = {figure.basis for figure in code.figures if figure.basis}
    rows = []
    for figure in code.figures:
        if figure.key in bases:
            continue
        value = dosing.get(figure.key)
        if value is None:
            missing = gaps.get(figure.key)
            shown = f"{figure.absent} (missing {', '.join(missing)})" if missing else figure.absent
        else:
            shown = f"{value} {figure.unit}" if figure.unit else str(value)
            if figure.basis and dosing.get(figure.basis) is not None:
                shown += f" ({dosing[figure.basis]})"
        rows.append((figure.label[:1].upper() + figure.label[1:], shown))
    return rows


def _request(summary: RequestSummary) -> list[list[str]]:
    policy = summary.policy + (f" (effective {summary.effective})" if summary.effective else "")
    rows = [("Policy", visible(policy)), ("Request id", visible(summary.request_id))]
    rows += [(visible(row.label), visible(row.value)) for row in summary.stated]
    if summary.unstated:
        rows.append(("Not stated", visible(", ".join(summary.unstated))))
    block = ["Request", *_table(rows)]
    diagnoses = [_wrapped(f"  - {visible(diagnosis_text(d))} ", f"(code group: {visible(group_text(d))})")
                 for d in summary.diagnoses]
    blocks = [block, ["Diagnoses", *(diagnoses or ["  none placed in a code group"])]]
    if not summary.from_document:
        blocks.append(["Patient and requested values", _wrapped("  ", NOT_GIVEN)])
        return blocks
    for found in summary.objects:
        rows = [(visible(row.label), visible(row.value)) for row in found.rows]
        blocks.append([visible(found.title), *_table(rows)])
    if summary.requested is not None:
        rows = [(visible(row.label), visible(row.value)) for row in summary.requested.rows]
        blocks.append([summary.requested.title, *_table(rows)])
    return blocks


def _reasons(reasons: Sequence[Reason], heading: str) -> list[str]:
    lines = [heading]
    for reason in reasons:
        lines.append(_wrapped(f"  - {reason.statement}: ", reason.text))
        if reason.missing is not None:
            lines.append(_wrapped("    missing: ", ", ".join(visible(path) for path in reason.missing), indent=13))
    return lines if reasons else lines + ["  none"]


def _notes(heading: str, notes: Sequence[Note]) -> list[str]:
    lines = [heading]
    lines += [_wrapped(f"  - {note.statement}: ", note.text) for note in notes] or ["  none"]
    return lines


def _decision(determination: Determination, code: PolicyCode) -> list[list[str]]:
    """Reasons, then what is authorized (approve, modify) or what would be required (pend, deny)."""
    decision = determination.decision
    changes = [_wrapped(f"  - {c.statement}: ", visible(describe_change(code, c))) for c in determination.changes]
    if decision in ("approve", "modify"):
        blocks = [_reasons(determination.reasons, "Reasons")]
        if code.authorization is not None:
            blocks.append([code.authorization.title, *_table([(label, visible(value)) for label, value
                                                              in authorized_rows(determination, code)])])
        blocks.append(["Changes", *(changes or ["  none: what is authorized is what was requested"])])
    else:
        blocks = [_reasons(determination.reasons, "Reasons, and what would be required instead")]
        if changes:
            blocks.append(["Would also need", *changes])
    heading = ATTACHED_HEADING.get(decision)
    if heading is None:
        blocks.append([_wrapped("", DENIED_ATTACHMENTS, indent=0)])
    else:
        suffix = f" ({heading})" if heading else ""
        blocks += [
            _notes(f"Conditions{suffix}", determination.conditions),
            _notes(f"Advice{suffix}", determination.advice),
            _notes(f"Monitoring{suffix}", determination.monitoring),
        ]
    return blocks


def _figures(determination: Determination, code: PolicyCode, bound: BoundPolicy) -> list[list[str]]:
    gaps = figure_missing(determination, bound)
    rows = [(label, visible(value)) for label, value in figure_rows(determination, code, gaps)]
    if not rows:
        return []
    block = [section_names(code)["figures"], *_table(rows)]
    checks = checks_without(determination, bound)
    if checks:
        block.append("  Checked without them (the case each rule took):")
        block += [_wrapped(f"  - {check.rule}: ", f"{visible(check.when)}: {outcome_words(check.outcome)}", indent=6)
                  for check in checks]
    return [block]


def _statements(determination: Determination, bound: BoundPolicy) -> list[str]:
    """Each statement's reading, its provenance badges (extrapolated, policy choice, ...) on the lines below it."""
    width = max((len(statement.id) for statement in bound.source.statements), default=0)
    lines = ["Statements"]
    for statement in bound.source.statements:
        reading = visible(statement_reading(determination, bound, statement.id))
        lines.append(f"  {statement.id.ljust(width)}  {reading}")
        lines += [_wrapped(" " * (width + 4) + "[", f"{badge.label}]", indent=width + 5)
                  for badge in badges(bound, statement.id)]
    return lines


def render_text(determination: Determination, *, request: Any = None) -> str:
    """The determination as a plain-text report; `request` (the request document) adds the requested values."""
    found = assessor_of(determination)
    code, bound = found.code, found.bound
    summary = summarize(determination, request)
    policy = determination.policy
    blocks: list[list[str]] = [
        [f"{DECISION}{determination.decision.upper()}", decision_summary(determination)],
        *_request(summary),
        *_decision(determination, code),
        *_figures(determination, code, bound),
        _statements(determination, bound),
        [f"Policy: {visible(policy.id)} {visible(policy.version)}", f"Digest: {visible(policy.digest)}"],
    ]
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"
