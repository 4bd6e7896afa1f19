"""The determination: frozen attrs models whose `to_dict()` is the contract's JSON, and `to_json()` its text.

`to_json()` is byte for byte `json.dumps(to_dict(), ensure_ascii=False,
separators=(",", ":"))` in UTF-8 (or with ASCII escapes throughout when a
lone surrogate is in it: policy/json_text.py), but is not written from a
fresh `to_dict()`: the parts of a determination that do not depend on the
request (each statement's result, reason, condition, advice and monitoring
item, the trace step of each rule's branch) are the same objects from one
determination to the next, built once per branch by the assessor, and each
such record keeps its own JSON text once written. A determination's text is
then those pieces joined, with only its request's figures, changes and
derived facts written anew.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from attrs import frozen

from policy.json_text import NotPlain, encoded, fast_compact, standard_compact

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
        return [v.to_dict() if isinstance(v, _Record) else _plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


# Batch runs and the CLI serialize every determination: read each class's fields once.
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
# Each field's key as it opens its place in the JSON object: b'"id":', then b',"version":', ...
_FIELD_KEYS: dict[type, tuple[tuple[str, bytes], ...]] = {}


def _field_names(record_type: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(record_type)
    if names is None:
        names = _FIELD_NAMES[record_type] = tuple(field.name for field in attrs.fields(record_type))
    return names


def _field_keys(record_type: type) -> tuple[tuple[str, bytes], ...]:
    keys = _FIELD_KEYS.get(record_type)
    if keys is None:
        keys = _FIELD_KEYS[record_type] = tuple(
            (name, (b"," if index else b"") + encoded(name) + b":")
            for index, name in enumerate(_field_names(record_type))
        )
    return keys


def _unchangeable(value: Any) -> bool:
    """Whether a field's value can never change: a string, None, or a tuple of strings."""
    kind = type(value)
    return kind is str or value is None or kind is tuple and all(type(item) is str for item in value)


class _Record:
    # `_json`: the record's JSON text, kept once written when no field of it can change.
    # A slot of this base class, not an attrs field: it is no part of the record's value.
    __slots__ = ("_json",)

    def to_dict(self) -> dict[str, Any]:
        return {name: _plain(getattr(self, name)) for name in _field_names(type(self))}

    def _fragment(self) -> bytes:
        """This record's compact JSON, as `json.dumps(self.to_dict())` writes it (NotPlain when orjson would not)."""
        kept: bytes | None = getattr(self, "_json", None)  # a record read back from a pickle has none yet
        if kept is not None:
            return kept
        # Last fields first: those that can hold a list or a mapping (citations, missing, derived) come last.
        for name in reversed(_field_names(type(self))):
            if not _unchangeable(getattr(self, name)):
                return fast_compact(self.to_dict())
        text = encoded(self.to_dict())  # strings only: nothing for the walk in fast_compact to find
        object.__setattr__(self, "_json", text)
        return text

    def to_json(self) -> bytes:
        """`to_dict()` as compact UTF-8 JSON text, byte for byte what `json.dumps` writes (policy/json_text.py)."""
        try:
            return self._fragment()
        except NotPlain:
            return standard_compact(self.to_dict())

    def fast_json(self) -> bytes:
        """`to_json()` where orjson writes it; NotPlain where it must be written as a whole by json.dumps.

        For a caller that splices the text into a larger JSON text (a batch
        line): on NotPlain it writes the whole of that text the standard way.
        """
        return self._fragment()


def _fragments(records: tuple[Any, ...]) -> bytes:
    """A tuple's JSON array, from its records' texts."""
    kept: list[bytes | None] = [getattr(record, "_json", None) for record in records]  # most of them
    if None not in kept:
        return b"[" + b",".join(kept) + b"]"  # type: ignore[arg-type]  # no None in it
    # Records made for this request (or not records at all) are written now.
    texts = [text if text is not None else _item_fragment(record) for text, record in zip(kept, records)]
    return b"[" + b",".join(texts) + b"]"


def _item_fragment(item: Any) -> bytes:
    return item._fragment() if isinstance(item, _Record) else fast_compact(_plain(item))


def _assembled(record: _Record) -> bytes:
    """The JSON of a record's generic `to_dict()`, joined from each field's text (records give theirs)."""
    parts = [b"{"]
    for name, key in _field_keys(type(record)):
        value = getattr(record, name)
        parts.append(key)
        kind = type(value)
        if kind is str:
            parts.append(encoded(value))
        elif kind is tuple:
            parts.append(_fragments(value))
        elif isinstance(value, _Record):
            parts.append(value._fragment())
        else:  # a mapping, list or scalar: orjson writes a tuple as the list to_dict() makes of it,
            # and whatever to_dict() would convert otherwise (a record, another mapping) the walk refuses
            parts.append(fast_compact(value))
    parts.append(b"}")
    return b"".join(parts)


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

    def to_dict(self) -> dict[str, Any]:
        return {"statement": self.statement, "field": self.field, "requested": _plain(self.requested),
                "authorized": _plain(self.authorized)}

    def _fragment(self) -> bytes:
        # Made per request, its values often lists: never kept. Tuples are written as to_dict() lists them.
        return fast_compact({"statement": self.statement, "field": self.field, "requested": self.requested,
                             "authorized": self.authorized})


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

    def to_dict(self) -> dict[str, Any]:
        return {"statement": self.statement, "text": self.text}


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

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "outcome": self.outcome, "citations": _plain(self.citations)}


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

    def _fragment(self) -> bytes:
        if self.derived is not None:  # a derived fact: made per request, a mapping: never kept
            return fast_compact(self.to_dict())
        return super()._fragment()


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

    def _fragment(self) -> bytes:
        # Never kept: dosing and authorized are mappings a caller could change.
        return _assembled(self)

    def statement(self, statement_id: str) -> StatementResult:
        for result in self.statements:
            if result.id == statement_id:
                return result
        raise KeyError(statement_id)
