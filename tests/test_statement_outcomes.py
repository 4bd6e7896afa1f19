"""Every outcome a statement's rules can give is asserted by some example of the policy (issue 11).

A determination reports each statement's `outcome` (`met`, `not_met`,
`not_applicable`, `unknown`): it is part of the public contract, so an
example must pin each outcome a statement can take, or a rule reporting the
wrong one goes unnoticed. An outcome is asserted by a step `<ID> is met`
(`not met`, `not applicable`, `unknown`), or by `<ID> applies`, which holds
for exactly one outcome (`not met` for a statement that denies, pends or
changes, `met` for any other). Scenario outlines count once per row, with
the row's values put into the steps; a shared statement's examples count
under every policy including it.

The outcomes a statement can take are read from its rules' branches. With
several rules, the statement reports the weightiest of their outcomes, so
it can report an outcome only when every one of its rules can give that
outcome or a lighter one. One outcome that reading allows is impossible
for a reason only the request contract knows; it is listed with that reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from policy.binding import BoundPolicy, bind
from policy.check import step_definitions
from policy.library import policy_ids
from policy.rules.declarations import OUTCOME_WEIGHT, Outcome
from policy.source import ScenarioSource, load_shared

STATEMENT = r"[A-Z]+(?:-[A-Z0-9]+)+"
OUTCOME_STEP = re.compile(rf"^(?P<statement>{STATEMENT}) is (?P<outcome>met|not met|not applicable|unknown)$")
APPLIES_STEP = re.compile(rf"^(?P<statement>{STATEMENT}) applies$")
PLACEHOLDER = re.compile(r"<([^<>]+)>")

# (policy, statement, outcome) the rules' branches allow but no valid request can get.
UNREACHABLE = {
    ("ivig-myositis", "DOSE-TOTAL", "not_applicable"):
        "the request contract requires a dose per kg or a course total, so one of DOSE-TOTAL's two rules "
        "(per kg, grams) always applies",
}


def possible_outcomes(bound: BoundPolicy, statement_id: str) -> set[str]:
    """The outcomes a statement's rules can report (the weightiest of its rules' outcomes)."""
    per_rule = [{branch.outcome for branch in rule.branches} for rule in bound.rules_for(statement_id)]
    every = set().union(*per_rule)
    return {
        outcome.value for outcome in every
        if all(any(OUTCOME_WEIGHT[o] <= OUTCOME_WEIGHT[outcome] for o in outcomes) for outcomes in per_rule)
    }


def _scenarios(bound: BoundPolicy) -> Iterator[ScenarioSource]:
    for statement in bound.source.statements:
        yield from statement.scenarios
    yield from bound.source.loose_scenarios
    shared = load_shared()
    if shared is not None and bound.source.included:
        yield from shared.loose_scenarios


def asserted_outcomes(bound: BoundPolicy) -> set[tuple[str, str]]:
    """(statement, outcome) pairs some example of the policy asserts."""
    found: set[tuple[str, str]] = set()
    for scenario in _scenarios(bound):
        for example in scenario.examples:
            values = dict(example.values)
            for _line, _keyword, text in scenario.steps:
                step = PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
                if (match := OUTCOME_STEP.match(step)) is not None:
                    found.add((match["statement"], match["outcome"].replace(" ", "_")))
                elif (match := APPLIES_STEP.match(step)) is not None and match["statement"] in bound.effects:
                    effect = bound.effects[match["statement"]]
                    found.add((match["statement"], next(o.value for o in Outcome if effect.applies(o))))
    return found


@pytest.mark.parametrize("policy_id", policy_ids())
def test_every_outcome_a_statement_can_take_is_asserted_by_an_example(policy_id: str) -> None:
    bound = bind(policy_id)
    asserted = asserted_outcomes(bound)
    missing = [
        f"{statement.id} {outcome}"
        for statement in bound.source.statements
        for outcome in sorted(possible_outcomes(bound, statement.id))
        if (statement.id, outcome) not in asserted and (policy_id, statement.id, outcome) not in UNREACHABLE
    ]
    assert not missing, f"{policy_id}: no example asserts these outcomes: {', '.join(missing)}"


@pytest.mark.parametrize("unreachable", sorted(UNREACHABLE))
def test_an_outcome_listed_as_unreachable_is_one_the_rules_allow(unreachable: tuple[str, str, str]) -> None:
    """An entry of UNREACHABLE that the rules no longer allow is stale: it would hide nothing."""
    policy_id, statement_id, outcome = unreachable
    assert outcome in possible_outcomes(bind(policy_id), statement_id)


def test_the_steps_read_as_outcome_assertions_are_the_step_library_s() -> None:
    """What this module counts as asserting an outcome is what the step library asserts with."""
    definitions = step_definitions("steps")

    def used_for(text: str) -> set[str]:
        return {d.step_func.__name__ for d in definitions if d.type == "then" and d.parser.is_matching(text)}

    for words in ("met", "not met", "not applicable", "unknown"):
        assert OUTCOME_STEP.match(f"DOSE-TOTAL is {words}")
        assert used_for(f"DOSE-TOTAL is {words}") == {"statement_outcome"}
    assert APPLIES_STEP.match("DOSE-TOTAL applies")
    assert used_for("DOSE-TOTAL applies") == {"statement_applies"}
    assert not OUTCOME_STEP.match("DOSE-TOTAL does not apply") and not APPLIES_STEP.match("DOSE-TOTAL does not apply")
