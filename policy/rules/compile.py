"""Compile rule declarations into one durable-rules ruleset (its JSON form).

Every pattern carries a positive discriminator on the fact type (`t`), so no
pattern can match the session's state object. A statement rule's branches are
made exclusive (each excludes the branches before it) and complete (the
`otherwise` branch is the complement of all cases), then put in disjunctive
normal form: each conjunction becomes one durable rule named
`<rule>#<branch>.<clause>`. `merge_identical` then folds rules whose patterns
are the same into one durable rule: each firing of a network costs more than
anything its action does, and identical patterns always fire together.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from policy.errors import PolicyDefinitionError
from policy.rules.conditions import (
    FLIPPED,
    Absent,
    AllOf,
    Always,
    Atom,
    Compare,
    Condition,
    Field,
    Param,
    Present,
    clauses,
    fields_of,
    negate,
)
from policy.rules.declarations import Case, Derivation, StatementRule

MEMBERS = "|"  # joins the names of rules compiled into one durable rule
OPERATORS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}
REQUEST = "request"
CATCH_ALL = "request:seen"
FACT_TYPE = "t"


def branch_condition(rule: StatementRule, index: int) -> Condition:
    """The condition under which branch `index` of `rule` is the one taken."""
    earlier = [negate(c.when) for c in rule.cases[:index] if not isinstance(c.when, Always)]
    branch = rule.branches[index]
    own = [branch.when] if isinstance(branch, Case) else []
    parts = [*earlier, *own]
    if not parts:
        return Always()
    return AllOf(tuple(parts))


def _value(operand: Any, params: Mapping[str, Any]) -> Any:
    if isinstance(operand, Param):
        if operand.key not in params:
            raise PolicyDefinitionError(f"unknown parameter '{operand.key}'")
        return params[operand.key]
    return operand


def _place(atom: Atom, order: Sequence[str]) -> tuple[str, Atom]:
    """Which fact's pattern holds the atom (the later fact of a join)."""
    if isinstance(atom, Compare) and isinstance(atom.right, Field):
        if order.index(atom.right.fact) > order.index(atom.left.fact):
            return atom.right.fact, Compare(atom.right, FLIPPED[atom.op], atom.left)
    field = atom.left if isinstance(atom, Compare) else atom.field
    return field.fact, atom


def _compile_atom(atom: Atom, params: Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(atom, Present):
        return {"$ex": {atom.field.name: 1}}
    if isinstance(atom, Absent):
        return {"$nex": {atom.field.name: 1}}
    right = atom.right
    value = {right.fact: right.name} if isinstance(right, Field) else _value(right, params)
    if atom.op == "==":
        return {atom.left.name: value}
    return {OPERATORS[atom.op]: {atom.left.name: value}}


def _patterns(facts: Sequence[str], clause: list[Atom], params: Mapping[str, Any]) -> list[Any]:
    order = list(facts)
    placed: dict[str, list[dict[str, Any]]] = {fact: [] for fact in facts}
    for atom in clause:
        fact, atom = _place(atom, order)
        if fact not in placed:
            raise PolicyDefinitionError(f"condition reads fact '{fact}' not among {order}")
        placed[fact].append(_compile_atom(atom, params))
    patterns = []
    for fact in facts:
        tests = [{FACT_TYPE: fact}, *placed[fact], *_join_guard(placed[fact])]
        patterns.append({fact: tests[0] if len(tests) == 1 else {"$and": tests}})
    return patterns


def _join_guard(tests: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A last join test that is always true, for a pattern that compares with an earlier fact.

    When the last join test of a pattern is false, durable-rules 2.0.28
    (`reduceExpressionSequence`, events.c:614) steps past the end marker of
    the pattern's expression list and reads on until it meets a byte that
    looks like one: valgrind shows the invalid read on every such pattern,
    and about one fresh process in 40 crashed with a segfault. Ending the
    list with a test that cannot fail (same session id as the joined fact)
    keeps every false test off the last place: a pattern's fact type differs
    from the type of every fact it joins with.
    """
    joined = [next(iter(ref)) for test in tests for ref in _references(test)]
    return [{"$neq": {FACT_TYPE: {joined[0]: FACT_TYPE}}}] if joined else []


def _references(test: Mapping[str, Any]) -> list[Mapping[str, str]]:
    """The other facts' fields a compiled test compares with (`{fact: field}`)."""
    (key, value), = test.items()
    if key.startswith("$"):
        (_, value), = value.items()
    return [value] if isinstance(value, dict) else []


def compile_ruleset(
    derivations: Sequence[Derivation],
    rules: Sequence[StatementRule],
    params: Mapping[str, Any],
    request_fields: Sequence[str] = (),
) -> dict[str, Any]:
    """The ruleset definition: derivations, statement rules, and a catch-all.

    `request_fields` are the request fact's fields that are always set; with
    the derivations' `fields`, they let clauses that need them missing go.
    """
    order = [REQUEST, *(d.produces for d in derivations)]
    always_present = frozenset(
        [(REQUEST, name) for name in request_fields]
        + [(d.produces, name) for d in derivations for name in d.fields]
    )
    definition: dict[str, Any] = {
        # One firing per session is guaranteed: deleting a session where no
        # action ever fired crashes the engine.
        CATCH_ALL: {"all": [{REQUEST: {FACT_TYPE: REQUEST}}]},
    }
    for derivation in derivations:
        definition[f"derive:{derivation.name}"] = {
            "all": [{fact: {FACT_TYPE: fact}} for fact in derivation.reads]
        }
    for rule in rules:
        if MEMBERS in rule.name:
            raise PolicyDefinitionError(f"rule name {rule.name!r} contains {MEMBERS!r}")
        facts = sorted(set(rule.facts), key=order.index)
        for index, _ in enumerate(rule.branches):
            condition = branch_condition(rule, index)
            for fact, _name in fields_of(condition):
                if fact not in facts:
                    raise PolicyDefinitionError(f"rule {rule.name} reads '{fact}' but lists {facts}")
            for number, clause in enumerate(clauses(condition, always_present)):
                clause = _joined_fields_present(clause, always_present)
                definition[f"{rule.name}#{index}.{number}"] = {"all": _patterns(facts, clause, params)}
    return definition


def _joined_fields_present(clause: list[Atom], always_present: frozenset[tuple[str, str]]) -> list[Atom]:
    """The clause with a presence test for both sides of every comparison of two facts' fields.

    The language says a comparison with a missing field is false; the engine
    instead refuses the fact (error 311, property not found) when a join
    compares a field its fact lacks. Testing presence first makes the missing
    field fail the pattern, as the language means.
    """
    # Fields compare by building conditions, so atoms are told apart by their fields' keys.
    tested = {atom.field.key() for atom in clause if isinstance(atom, Present)} | set(always_present)
    needed: list[Atom] = []
    for atom in clause:
        if isinstance(atom, Compare) and isinstance(atom.right, Field):
            for side in (atom.left, atom.right):
                if side.key() not in tested:
                    tested.add(side.key())
                    needed.append(Present(side))
    return [*needed, *clause] if needed else clause


def merge_identical(definition: Mapping[str, Any]) -> dict[str, Any]:
    """The same ruleset with one durable rule per distinct pattern list.

    The merged rule is named by its members' names joined with `|`, in the
    order of `definition`, so its one firing stands for all of theirs (a
    derivation before the rules that read what it produced).
    """
    groups: dict[str, list[str]] = {}
    bodies: dict[str, Any] = {}
    for name, body in definition.items():
        key = json.dumps(body, sort_keys=True)
        groups.setdefault(key, []).append(name)
        bodies.setdefault(key, body)
    return {MEMBERS.join(names): bodies[key] for key, names in groups.items()}
