"""The plain-text report of a determination, for a terminal or a log.

Every statement text comes from the determination itself, so the report can
never say something the determination does not. The small formatting helpers
here are shared with the markdown report, so both show figures the same way.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

from policy.assessment import assessor
from policy.determination import ChangeMade, Determination, Note, Reason
from policy.rules.declarations import PolicyCode
from policy.spec import field_spec

WIDTH = 88
NOT_STATED = "not stated"


def code_of(determination: Determination) -> PolicyCode:
    """The declarations of the policy a determination was made under."""
    return assessor(determination.policy.id).code


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def field_label(code: PolicyCode, path: str) -> str:
    """The policy's name for an authorized field ("Days per course")."""
    if code.authorization is not None:
        try:
            return code.authorization.field(path).label
        except KeyError:
            pass
    return path.replace("_", " ").replace(".", ": ").capitalize()


def _unit(code: PolicyCode, path: str) -> str | None:
    """The unit of an authorized field, from the request contract so the two never disagree."""
    if code.authorization is None:
        return None
    spec = field_spec(code.request_model, f"{code.authorization.source}.{path}")
    return spec.unit if spec is not None else None


def format_authorized_value(code: PolicyCode, path: str, value: Any) -> str:
    """A requested or authorized value with its unit: `2.0 g/kg`, `2–3 days`, `yes`."""
    if value is None:
        return NOT_STATED
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        low, high = value
        value = f"{low}" if low == high else f"{low}–{high}"
    unit = _unit(code, path)
    return f"{value} {unit}" if unit else f"{value}"


def dosing_figures(determination: Determination, code: PolicyCode) -> list[tuple[str, str]]:
    """The policy's figures as (label, value) rows, nulls spelled out, each basis beside its figure."""
    dosing = determination.dosing
    bases = {figure.basis for figure in code.figures if figure.basis}
    rows = []
    for figure in code.figures:
        if figure.key in bases:
            continue
        value = dosing.get(figure.key)
        if value is None:
            shown = figure.absent
        else:
            shown = f"{value} {figure.unit}" if figure.unit else str(value)
            if figure.basis and dosing.get(figure.basis) is not None:
                shown += f" ({dosing[figure.basis]})"
        rows.append((figure.label.capitalize(), shown))
    return rows


def authorized_rows(determination: Determination, code: PolicyCode) -> list[tuple[str, str]]:
    authorized = determination.authorized
    if authorized is None or code.authorization is None:
        return []
    rows = []
    for declared in code.authorization.fields:
        node: Any = authorized
        *objects, leaf = declared.path.split(".")
        for name in objects:
            node = node.get(name) if isinstance(node, dict) else None
        if node is None and objects:
            value = None
        else:
            value = node.get(leaf) if isinstance(node, dict) else None
        rows.append((field_label(code, declared.path), format_authorized_value(code, declared.path, value)))
    return rows


def describe_change(code: PolicyCode, change: ChangeMade) -> str:
    """`Course total: 120.0 g → 110.0 g`."""
    requested = format_authorized_value(code, change.field, change.requested)
    authorized = format_authorized_value(code, change.field, change.authorized)
    return f"{field_label(code, change.field)}: {requested} → {authorized}"


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
        return f"Approvable with {changes} to what was requested{with_conditions}."
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
    code = code_of(determination)
    figures = dosing_figures(determination, code)
    blocks: list[list[str]] = [
        [
            f"Decision: {determination.decision.upper()}",
            decision_summary(determination),
            f"Request: {determination.request_id}",
        ],
        *([["Dosing", *_table(figures)]] if figures else []),
    ]
    authorized = authorized_rows(determination, code)
    if code.authorization is not None:  # a policy that authorizes nothing in particular has no such block
        title = code.authorization.title
        blocks.append([title, *(_table(authorized) if authorized else ["  none (nothing is authorized)"])])
    changes = [_wrapped(f"  - {c.statement}: ", describe_change(code, c)) for c in determination.changes]
    blocks += [
        ["Changes", *(changes or ["  none"])],
        _reasons(determination.reasons),
        _notes("Conditions", determination.conditions),
        _notes("Advice", determination.advice),
        _notes("Monitoring", determination.monitoring),
        [f"Policy: {policy.id} {policy.version}", f"Digest: {policy.digest}"],
    ]
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"
