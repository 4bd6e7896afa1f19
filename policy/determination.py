"""The determination: frozen attrs models whose `to_dict()` is the contract's JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from attrs import frozen

DECISIONS = ("approve", "modify", "pend", "deny")


def _plain(value: Any) -> Any:
    # Exact type tests first: every determination's every value passes here.
    kind = type(value)
    if kind in (str, int, float, bool) or value is None:
        return value
    if kind is dict:
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, _Record):
        return value.to_dict()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


# Batch runs and the CLI serialize every determination: read each class's fields once.
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(record_type: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(record_type)
    if names is None:
        names = _FIELD_NAMES[record_type] = tuple(field.name for field in attrs.fields(record_type))
    return names


class _Record:
    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        return {name: _plain(getattr(self, name)) for name in _field_names(type(self))}


@frozen
class PolicyRef(_Record):
    """The policy a determination was made under.

    Attributes:
        id: The policy's id, e.g. the folder of the policy library it comes from.
        version: The policy's version.
        effective: The date (YYYY-MM-DD) that version took effect; null when the source is not a recorded release.
        digest: sha256 of the policy's source (its folder and the shared statements it includes).
    """

    id: str
    version: str
    effective: str | None
    digest: str


@frozen
class ChangeMade(_Record):
    """One change that makes the request approvable.

    Attributes:
        statement: The statement that requires the change.
        field: The authorized field changed, a dotted path within `authorized`.
        requested: The value the request stated (null when it stated none).
        authorized: The value authorized instead.
    """
    statement: str
    field: str
    requested: Any
    authorized: Any


@frozen
class Reason(_Record):
    """Why the request is denied or pended: one entry per statement.

    Attributes:
        statement: The statement that denies or pends.
        text: The statement's text.
        missing: The request paths of the data missing to decide; absent when nothing is missing.
    """
    statement: str
    text: str
    missing: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"statement": self.statement, "text": self.text}
        if self.missing is not None:
            entry["missing"] = list(self.missing)
        return entry


@frozen
class Note(_Record):
    """A condition, advice or monitoring item.

    Attributes:
        statement: The statement it comes from.
        text: The statement's text.
    """
    statement: str
    text: str


@frozen
class StatementResult(_Record):
    """How one statement of the policy came out for this request.

    Attributes:
        id: The statement ID (stable: map it to letters and notices, never the text).
        outcome: `met`, `not_met`, `not_applicable` or `unknown`; for a deny, pend or change statement, `not_met` means it applies.
        citations: The keys of the references the statement cites.
    """
    id: str
    outcome: str
    citations: tuple[str, ...]


@frozen
class TraceStep(_Record):
    """One step of the chain: a derived fact, or the case a statement rule took.

    Attributes:
        rule: The derivation or statement rule.
        statement: The statement it belongs to.
        when: The case taken, in the rule language (or what a derivation derives from).
        outcome: The outcome of the case taken; absent for a derived fact.
        derived: The derived fact's values; absent for a rule's case.
    """

    rule: str
    statement: str
    when: str
    outcome: str | None = None
    derived: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"rule": self.rule, "statement": self.statement, "when": self.when}
        if self.outcome is not None:
            entry["outcome"] = self.outcome
        if self.derived is not None:
            entry["derived"] = self.derived
        return entry


@frozen
class Determination(_Record):
    """The answer to one request: decision, figures, findings and why.

    Attributes:
        request_id: The request's `id`, echoed.
        policy: The policy the request was assessed under.
        decision: `approve`, `modify` (approvable once every change is applied), `pend` or `deny`.
        dosing: The figures the policy declares, in its order; null when not computable.
        authorized: What an approval covers, every change applied (the policy declares its fields); null for `pend` and `deny`.
        changes: Every change that makes the request approvable, with the statement requiring it.
        reasons: Why the request is denied or pended, one entry per statement, with the data missing.
        conditions: Conditions an authorization carries, each with its statement.
        advice: Advice to the prescriber, each with its statement.
        monitoring: What is monitored during treatment, each with its statement.
        statements: Every statement of the policy with its outcome and citations.
        trace: The derived facts and the case each rule took, in order.
    """

    request_id: str
    policy: PolicyRef
    decision: str = attrs.field(validator=attrs.validators.in_(DECISIONS))
    dosing: Mapping[str, Any]
    authorized: Mapping[str, Any] | None
    changes: tuple[ChangeMade, ...]
    reasons: tuple[Reason, ...]
    conditions: tuple[Note, ...]
    advice: tuple[Note, ...]
    monitoring: tuple[Note, ...]
    statements: tuple[StatementResult, ...]
    trace: tuple[TraceStep, ...]

    def statement(self, statement_id: str) -> StatementResult:
        for result in self.statements:
            if result.id == statement_id:
                return result
        raise KeyError(statement_id)
