"""A small condition language over facts, compiled to the rules network.

Conditions are data: the same declaration is compiled into durable-rules
patterns, rendered as readable text for the docs, and evaluated by the test
suite's independent forward chainer. A comparison on a field that a fact does
not carry is false, as it is in the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Union

from attrs import frozen

Scalar = Union[bool, int, float, str]

NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
WORDS = {"<": "below", "<=": "at most", ">": "above", ">=": "at least", "==": "is", "!=": "is not"}


@frozen
class Param:
    """A named policy parameter, resolved from the policy data when compiled."""

    key: str

    def __str__(self) -> str:
        return f"{{{self.key}}}"


@frozen(eq=False)
class Field:
    """A field of a fact type: `Field("request", "interval_days")`."""

    fact: str
    name: str

    def _compare(self, op: str, other: Operand) -> Compare:
        return Compare(self, op, other)

    def __lt__(self, other: Operand) -> Compare:
        return self._compare("<", other)

    def __le__(self, other: Operand) -> Compare:
        return self._compare("<=", other)

    def __gt__(self, other: Operand) -> Compare:
        return self._compare(">", other)

    def __ge__(self, other: Operand) -> Compare:
        return self._compare(">=", other)

    def __eq__(self, other: object) -> Compare:  # type: ignore[override]
        return self._compare("==", other)  # type: ignore[arg-type]

    def __ne__(self, other: object) -> Compare:  # type: ignore[override]
        return self._compare("!=", other)  # type: ignore[arg-type]

    __hash__ = object.__hash__

    def present(self) -> Present:
        return Present(self)

    def absent(self) -> Absent:
        return Absent(self)

    def key(self) -> tuple[str, str]:
        return (self.fact, self.name)

    def __str__(self) -> str:
        return f"{self.fact}.{self.name}"


Operand = Union[Field, Param, Scalar]


@frozen
class Compare:
    left: Field
    op: str
    right: Operand


@frozen
class Present:
    field: Field


@frozen
class Absent:
    field: Field


@frozen
class AllOf:
    conditions: tuple[Condition, ...]


@frozen
class AnyOf:
    conditions: tuple[Condition, ...]


@frozen
class Always:
    """True for any request: the rule's facts only need to exist."""


Atom = Union[Compare, Present, Absent]
Condition = Union[Compare, Present, Absent, AllOf, AnyOf, Always]


def all_of(*conditions: Condition) -> AllOf:
    return AllOf(tuple(conditions))


def any_of(*conditions: Condition) -> AnyOf:
    return AnyOf(tuple(conditions))


def negate(condition: Condition) -> Condition:
    """The complement, with a missing field making every comparison false."""
    if isinstance(condition, Compare):
        missing: list[Condition] = [Absent(condition.left)]
        if isinstance(condition.right, Field):
            missing.append(Absent(condition.right))
        return AnyOf((*missing, Compare(condition.left, NEGATED[condition.op], condition.right)))
    if isinstance(condition, Present):
        return Absent(condition.field)
    if isinstance(condition, Absent):
        return Present(condition.field)
    if isinstance(condition, AllOf):
        return AnyOf(tuple(negate(c) for c in condition.conditions))
    if isinstance(condition, AnyOf):
        return AllOf(tuple(negate(c) for c in condition.conditions))
    raise ValueError("the complement of 'always' matches nothing")


def clauses(condition: Condition, always_present: frozenset[tuple[str, str]] = frozenset()) -> list[list[Atom]]:
    """Disjunctive normal form: a list of conjunctions, contradictions dropped.

    A clause needing a field in `always_present` to be missing can never hold.
    """
    if isinstance(condition, Always):
        return [[]]
    if isinstance(condition, Absent) and condition.field.key() in always_present:
        return []
    if isinstance(condition, Compare | Present | Absent):
        return [[condition]]
    if isinstance(condition, AnyOf):
        return [clause for c in condition.conditions for clause in clauses(c, always_present)]
    result: list[list[Atom]] = [[]]
    for part in condition.conditions:
        result = [left + right for left in result for right in clauses(part, always_present)]
        result = [clause for clause in result if not _contradictory(clause)]
    return result


def _contradictory(clause: list[Atom]) -> bool:
    if _opposed(clause):
        return True
    absent = {a.field.key() for a in clause if isinstance(a, Absent)}
    used: set[tuple[str, str]] = set()
    for atom in clause:
        if isinstance(atom, Present):
            used.add(atom.field.key())
        elif isinstance(atom, Compare):
            used.add(atom.left.key())
            if isinstance(atom.right, Field):
                used.add(atom.right.key())
    return bool(absent & used)


def _opposed(clause: list[Atom]) -> bool:
    """Two comparisons of one field with constants that cannot both hold."""
    tests = [a for a in clause if isinstance(a, Compare) and not isinstance(a.right, Field | Param)]
    for first in tests:
        for second in tests:
            if first.left.key() == second.left.key() and first.right == second.right:
                if NEGATED[first.op] == second.op:
                    return True
            if first.left.key() == second.left.key() and first.op == second.op == "==":
                if first.right != second.right:
                    return True
    return False


def atoms(condition: Condition) -> Iterator[Atom]:
    if isinstance(condition, AllOf | AnyOf):
        for part in condition.conditions:
            yield from atoms(part)
    elif not isinstance(condition, Always):
        yield condition


def fields_of(condition: Condition) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for atom in atoms(condition):
        if isinstance(atom, Compare):
            found.add(atom.left.key())
            if isinstance(atom.right, Field):
                found.add(atom.right.key())
        else:
            found.add(atom.field.key())
    return found


def params_of(condition: Condition) -> set[str]:
    return {
        atom.right.key
        for atom in atoms(condition)
        if isinstance(atom, Compare) and isinstance(atom.right, Param)
    }


def _operand_text(operand: Operand, values: dict[str, object] | None) -> str:
    if isinstance(operand, Param):
        if values is not None and operand.key in values:
            return f"{values[operand.key]} ({operand.key})"
        return operand.key
    if isinstance(operand, bool):
        return "true" if operand else "false"
    if isinstance(operand, str):
        return f'"{operand}"'
    return str(operand)


def render(condition: Condition, values: dict[str, object] | None = None) -> str:
    """Readable text of a condition, with parameter values when given."""
    if isinstance(condition, Always):
        return "always"
    if isinstance(condition, Present):
        return f"{condition.field} is stated"
    if isinstance(condition, Absent):
        return f"{condition.field} is not stated"
    if isinstance(condition, Compare):
        return f"{condition.left} {WORDS[condition.op]} {_operand_text(condition.right, values)}"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    parts = [render(c, values) for c in condition.conditions]
    text = joiner.join(f"({p})" if (" and " in p or " or " in p) else p for p in parts)
    return text
