"""The plain-text report of a determination, for a terminal or a log.

Every statement text comes from the determination itself, so the report can
never say something the determination does not. The small formatting helpers
here are shared with the markdown report, so both show figures the same way.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from policy.determination import ChangeMade, Determination, Note, Reason
from policy.request import Regimen
from policy.spec import spec_of

WIDTH = 88
NOT_STATED = "not stated"
NOT_COMPUTED = "not computed"

# Human names of the regimen fields a change or an authorization can carry;
# units come from the request contract so the two never disagree.
REGIMEN_LABELS = {
    "dose_g_per_kg": "Dose",
    "course_total_g": "Course total",
    "days": "Days per course",
    "interval_days": "Interval",
    "courses": "Courses",
    "reduced_iga": "Reduced-IgA product",
}
_UNITS = {field.name: spec_of(field).unit for field in attrs.fields(Regimen)}


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def field_label(field: str) -> str:
    return REGIMEN_LABELS.get(field, field.replace("_", " ").capitalize())


def format_regimen_value(field: str, value: Any) -> str:
    """A regimen value with its unit: `2.0 g/kg`, `2–3 days`, `yes`."""
    if value is None:
        return NOT_STATED
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        low, high = value
        value = f"{low}" if low == high else f"{low}–{high}"
    unit = _UNITS.get(field)
    return f"{value} {unit}" if unit else f"{value}"


def _quantity(value: float | None, unit: str, absent: str = NOT_COMPUTED) -> str:
    return absent if value is None else f"{value} {unit}"


def dosing_figures(determination: Determination) -> list[tuple[str, str]]:
    """The dosing figures as (label, value) rows, nulls spelled out."""
    dosing = determination.dosing
    weight = _quantity(dosing.dosing_weight_kg, "kg")
    if dosing.dosing_weight_kg is not None and dosing.weight_basis:
        weight += f" ({dosing.weight_basis} weight)"
    return [
        ("Dosing weight", weight),
        ("Ideal body weight", _quantity(dosing.ideal_body_weight_kg, "kg")),
        ("Course maximum", _quantity(dosing.course_max_g, "g")),
        ("Course requested", _quantity(dosing.course_requested_g, "g", absent="unknown")),
    ]


def authorized_rows(determination: Determination) -> list[tuple[str, str]]:
    authorized = determination.authorized
    if authorized is None:
        return []
    return [
        (field_label(name), format_regimen_value(name, value))
        for name, value in authorized.to_dict().items()
    ]


def describe_change(change: ChangeMade) -> str:
    """`Course total: 120.0 g → 110.0 g`."""
    requested = format_regimen_value(change.field, change.requested)
    authorized = format_regimen_value(change.field, change.authorized)
    return f"{field_label(change.field)}: {requested} → {authorized}"


def _ids(entries: Iterable[Reason]) -> str:
    return ", ".join(dict.fromkeys(entry.statement for entry in entries))


def decision_summary(determination: Determination) -> str:
    """One sentence saying what was decided and what it hangs on."""
    conditions = len(determination.conditions)
    with_conditions = f", with {plural(conditions, 'condition')}" if conditions else ""
    decision = determination.decision
    if decision == "approve":
        return f"Approved as requested{with_conditions}."
    if decision == "modify":
        changes = plural(len(determination.changes), "change")
        return f"Approvable with {changes} to the requested regimen{with_conditions}."
    if decision == "pend":
        return f"Pended for review; reasons: {_ids(determination.reasons)}."
    # Pend reasons are listed too: a reviewer sees everything that stands in the way.
    return f"Denied; reasons: {_ids(determination.reasons)}."


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


def _table(rows: Sequence[tuple[str, str]]) -> list[str]:
    width = max(len(label) for label, _ in rows)
    return [f"  {label.ljust(width)}  {value}" for label, value in rows]


def _notes(heading: str, notes: Sequence[Note]) -> list[str]:
    lines = [heading]
    lines += [_wrapped(f"  - {note.statement}: ", note.text) for note in notes] or ["  none"]
    return lines


def _reasons(reasons: Sequence[Reason]) -> list[str]:
    lines = ["Reasons"]
    for reason in reasons:
        lines.append(_wrapped(f"  - {reason.statement}: ", reason.text))
        if reason.missing is not None:
            lines.append(_wrapped("    missing: ", ", ".join(reason.missing), indent=13))
    return lines if reasons else lines + ["  none"]


def render_text(determination: Determination) -> str:
    """The determination as a plain-text report: decision first, then why and how."""
    policy = determination.policy
    blocks: list[list[str]] = [
        [
            f"Decision: {determination.decision.upper()}",
            decision_summary(determination),
            f"Request: {determination.request_id}",
        ],
        ["Dosing", *_table(dosing_figures(determination))],
    ]
    authorized = authorized_rows(determination)
    blocks.append(["Authorized regimen", *(_table(authorized) if authorized else ["  none (nothing is authorized)"])])
    changes = [_wrapped(f"  - {c.statement}: ", describe_change(c)) for c in determination.changes]
    blocks += [
        ["Changes", *(changes or ["  none"])],
        _reasons(determination.reasons),
        _notes("Conditions", determination.conditions),
        _notes("Advice", determination.advice),
        _notes("Monitoring", determination.monitoring),
        [f"Policy: {policy.id} {policy.version}", f"Digest: {policy.digest}"],
    ]
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"
