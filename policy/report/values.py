"""How both reports word figures, fields and the decision, from the policy's declarations.

The labels, units and figures all come from the policy (`PolicyCode`) and its
request contract, so a report never needs code written for one policy. The
strings returned here are plain: each report escapes them for its format.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from policy.assessment import Assessor, assessor
from policy.determination import ChangeMade, Determination, Reason
from policy.rules.declarations import PolicyCode
from policy.spec import field_spec

NOT_STATED = "not stated"


def assessor_of(determination: Determination) -> Assessor:
    """The assessor of the policy a determination was made under."""
    return assessor(determination.policy.id)


def code_of(determination: Determination) -> PolicyCode:
    """The declarations of the policy a determination was made under."""
    return assessor_of(determination).code


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


def with_unit(value: Any, unit: str | None) -> str:
    """A value as a person writes it: `2.0 g/kg`, `2–3 days`, `yes`, `a, b`."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        if len(value) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in value) and unit:
            low, high = value
            value = f"{low}" if low == high else f"{low}–{high}"
        else:
            return ", ".join(str(item) for item in value)
    return f"{value} {unit}" if unit else f"{value}"


def format_authorized_value(code: PolicyCode, path: str, value: Any) -> str:
    """A requested or authorized value with its unit: `2.0 g/kg`, `2–3 days`, `yes`."""
    if value is None:
        return NOT_STATED
    return with_unit(value, _unit(code, path))


def authorized_value(authorized: Any, path: str) -> Any:
    """The value at a dotted path of the `authorized` object (None where an object is absent)."""
    node: Any = authorized
    for name in path.split("."):
        node = node.get(name) if isinstance(node, dict) else None
    return node


def authorized_rows(determination: Determination, code: PolicyCode) -> list[tuple[str, str]]:
    """The authorized fields as (label, value) rows, in the policy's order; none when nothing is authorized."""
    authorized = determination.authorized
    if authorized is None or code.authorization is None:
        return []
    return [
        (declared.label, format_authorized_value(code, declared.path, authorized_value(dict(authorized), declared.path)))
        for declared in code.authorization.fields
    ]


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


# What a report says about the conditions, advice and monitoring, by decision.
# A denial shows none of them: nothing is authorized, and a list of conditions
# under a denial reads as if something were (an appeal is assessed anew and
# gets its own). A pend may still end in an approval, so they are shown as
# what would come with it.
ATTACHED_HEADING = {"approve": "", "modify": "", "pend": "if approved after review"}
DENIED_ATTACHMENTS = ("Conditions, advice and monitoring are not listed: nothing is authorized. "
                      "The JSON determination keeps them.")


# The findings not tied to one section's statements go in the section the
# policy names for them (`PolicyCode.report_sections`), else in one of these.
DEFAULT_SECTIONS = {"figures": "Dosing", "conditions": "Safety", "monitoring": "Monitoring"}


def section_names(code: PolicyCode) -> dict[str, str]:
    """Where the figures, the conditions and the monitoring go: the policy's names over the defaults."""
    return {**DEFAULT_SECTIONS, **code.report_sections}
