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
    """The policy a determination was made under: its version, the date that version took effect
    (None when the source is not a release: policy/releases.py) and the digest of its source."""

    id: str
    version: str
    effective: str | None
    digest: str


@frozen
class ChangeMade(_Record):
    statement: str
    field: str
    requested: Any
    authorized: Any


@frozen
class Reason(_Record):
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
    statement: str
    text: str


@frozen
class StatementResult(_Record):
    id: str
    outcome: str
    citations: tuple[str, ...]


@frozen
class TraceStep(_Record):
    """One step of the chain: a derived fact, or the case a statement rule took."""

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

    `dosing` holds the figures the policy declares, in its order (null when
    not computable); `authorized` the fields of the request an approval
    covers, in the policy's order, or None for `pend` and `deny`.
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
