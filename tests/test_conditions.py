"""The condition language: complements, normal form and compiled patterns."""

from __future__ import annotations

import itertools
from typing import Any

from policy.rules.compile import branch_condition, compile_ruleset
from policy.rules.conditions import Condition, Field, all_of, any_of, clauses, negate
from policy.rules.declarations import Change, Effect, Fact, Outcome, P, StatementRule, case, otherwise

request = Fact("request")


def holds(condition: Condition, fact: dict[str, Any]) -> bool:
    """Evaluates a condition on one request fact the way the network does (missing field: false)."""
    return any(all(_atom(a, fact) for a in clause) for clause in clauses(condition))


def _atom(atom: Any, fact: dict[str, Any]) -> bool:
    name = atom.field.name if not hasattr(atom, "op") else atom.left.name
    if type(atom).__name__ == "Present":
        return name in fact
    if type(atom).__name__ == "Absent":
        return name not in fact
    if name not in fact:
        return False
    left, right = fact[name], atom.right
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right,
            "==": left == right, "!=": left != right}[atom.op]


FACTS = [dict(f) for f in (
    {}, {"a": 1}, {"a": 5}, {"b": 2}, {"a": 3, "b": 7}, {"a": 9, "b": 1},
)]
CONDITIONS = [
    Field("request", "a") < 3,
    any_of(Field("request", "a") >= 5, Field("request", "b").absent()),
    all_of(Field("request", "a").present(), Field("request", "b") > 1),
    all_of(any_of(Field("request", "a") == 1, Field("request", "b") != 2), Field("request", "a") <= 5),
]


def test_a_complement_holds_exactly_where_the_condition_does_not() -> None:
    """For every sample fact, a condition and its complement disagree, missing fields included."""
    for condition, fact in itertools.product(CONDITIONS, FACTS):
        assert holds(condition, fact) != holds(negate(condition), fact), (condition, fact)


def test_branches_of_a_rule_are_exclusive_and_complete() -> None:
    """Exactly one branch of a rule holds for any fact once earlier cases are excluded."""
    rule = StatementRule(
        name="X", statement="X", effect=Effect.CHANGE, facts=("request",),
        cases=(case(CONDITIONS[0], Outcome.NOT_MET), case(CONDITIONS[2], Outcome.MET)),
        otherwise=otherwise(Outcome.NOT_APPLICABLE),
    )
    for fact in FACTS:
        taken = [i for i in range(len(rule.branches)) if holds(branch_condition(rule, i), fact)]
        assert len(taken) == 1, (fact, taken)


def test_every_compiled_pattern_names_its_fact_type() -> None:
    """Each pattern of the compiled ruleset starts from a positive test on the fact type."""
    rule = StatementRule(
        name="DOSE-INTERVAL", statement="DOSE-INTERVAL", effect=Effect.CHANGE, facts=("request",),
        cases=(case(request.interval_days < P.min_interval_days, Outcome.NOT_MET,
                    Change("interval_days", P.min_interval_days)),),
        otherwise=otherwise(Outcome.MET),
    )
    definition = compile_ruleset((), (rule,), {"min_interval_days": 28})
    for name, body in definition.items():
        for pattern in body["all"]:
            (fact, test), = pattern.items()
            first = test["$and"][0] if "$and" in test else test
            assert first == {"t": fact}, name
    assert definition["DOSE-INTERVAL#0.0"]["all"] == [
        {"request": {"$and": [{"t": "request"}, {"$lt": {"interval_days": 28}}]}}
    ]
