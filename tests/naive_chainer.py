"""An independent evaluator of a policy's rule declarations.

It shares nothing with the rules network but the declarations themselves: no
durable-rules, no compiler (`policy.rules.compile`), no normal form
(`policy.rules.conditions.clauses`, `negate`). Each `Condition` tree is
evaluated directly on plain fact dicts, derivations fire by naive forward
chaining, and each statement rule takes its first case that holds, else its
`otherwise`. When the network and this evaluator disagree, a fact was lost,
merged or mismatched inside the engine (or the compiler mistranslated a
condition), and the property tests say which rule went which way.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from attrs import frozen

from policy.rules.conditions import Absent, AllOf, Always, AnyOf, Compare, Condition, Field, Param, Present
from policy.rules.declarations import Case, Derivation, Otherwise, StatementRule

Facts = Mapping[str, Mapping[str, Any]]

_ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class Unfired(Exception):
    """A derivation or rule whose facts never became available."""


def _value(fact: Mapping[str, Any] | None, name: str) -> tuple[bool, Any]:
    # A field set to null is as good as missing: the fact does not state it.
    if fact is None or fact.get(name) is None:
        return False, None
    return True, fact[name]


def _operand(operand: Any, facts: Facts, params: Mapping[str, Any]) -> tuple[bool, Any]:
    if isinstance(operand, Field):
        return _value(facts.get(operand.fact), operand.name)
    if isinstance(operand, Param):
        return True, params[operand.key]
    return True, operand


def _compare(op: str, left: Any, right: Any) -> bool:
    # A truth value is only ever equal to a truth value; it has no order.
    if isinstance(left, bool) or isinstance(right, bool):
        same = isinstance(left, bool) and isinstance(right, bool) and left is right
        if op == "==":
            return same
        if op == "!=":
            return not same
        return False
    numbers = (int, float)
    if isinstance(left, numbers) != isinstance(right, numbers):
        # A number and a string are never equal and never ordered.
        return op == "!="
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    return _ORDERINGS[op](left, right)


def holds(condition: Condition, facts: Facts, params: Mapping[str, Any]) -> bool:
    """Whether a condition holds on the facts; a comparison with a missing side is false."""
    if isinstance(condition, Always):
        return True
    if isinstance(condition, AllOf):
        return all(holds(part, facts, params) for part in condition.conditions)
    if isinstance(condition, AnyOf):
        return any(holds(part, facts, params) for part in condition.conditions)
    if isinstance(condition, Present):
        return _value(facts.get(condition.field.fact), condition.field.name)[0]
    if isinstance(condition, Absent):
        return not _value(facts.get(condition.field.fact), condition.field.name)[0]
    if isinstance(condition, Compare):
        known_left, left = _operand(condition.left, facts, params)
        known_right, right = _operand(condition.right, facts, params)
        if not (known_left and known_right):
            return False
        return _compare(condition.op, left, right)
    raise TypeError(f"not a condition: {condition!r}")


@frozen
class Chained:
    """What the naive chainer concluded: every fact, and the branch index each rule took."""

    facts: dict[str, dict[str, Any]]
    branches: dict[str, int]
    order: tuple[str, ...]  # the derivations, in the order they fired


def take(rule: StatementRule, facts: Facts, params: Mapping[str, Any]) -> int:
    """The index in `rule.branches` of the first case that holds, else of `otherwise`."""
    for index, case in enumerate(rule.cases):
        if holds(case.when, facts, params):
            return index
    if rule.otherwise is None:
        raise Unfired(f"rule {rule.name}: no case holds and it has no otherwise")
    return len(rule.cases)


class Declared(Protocol):
    """What the chainer reads of a policy: its derivations and rules (shared ones included)."""

    derivations: tuple[Derivation, ...]
    rules: tuple[StatementRule, ...]


def chain(policy: Declared, request_fact: Callable[[Any], Mapping[str, Any]], request: Any,
          params: Mapping[str, Any]) -> Chained:
    """Forward-chain the policy's declarations over one request."""
    derivations: list[Derivation] = list(policy.derivations)
    rules: list[StatementRule] = list(policy.rules)
    facts: dict[str, dict[str, Any]] = {"request": dict(request_fact(request))}
    order: list[str] = []
    waiting = list(derivations)
    progress = True
    while waiting and progress:
        # Fire whatever has its facts; stop when a whole pass adds nothing.
        progress = False
        for derivation in list(waiting):
            if all(name in facts for name in derivation.reads):
                if derivation.produces in facts:
                    raise Unfired(f"{derivation.produces} is produced twice ({derivation.name})")
                facts[derivation.produces] = dict(derivation.compute(request, facts, params))
                order.append(derivation.name)
                waiting.remove(derivation)
                progress = True
    if waiting:
        raise Unfired(f"derivations never fired: {', '.join(d.name for d in waiting)}")
    branches: dict[str, int] = {}
    for rule in rules:
        absent = [name for name in rule.facts if name not in facts]
        if absent:
            raise Unfired(f"rule {rule.name} reads facts nobody produces: {absent}")
        branches[rule.name] = take(rule, facts, params)
    return Chained(facts=facts, branches=branches, order=tuple(order))


def branch_index(rule: StatementRule, branch: Case | Otherwise) -> int:
    """The position of a branch object within its rule (by identity, not equality)."""
    for index, candidate in enumerate(rule.branches):
        if candidate is branch:
            return index
    raise ValueError(f"{branch!r} is not a branch of {rule.name}")
