"""How a reviewer reads a determination: statement outcomes in words, and figures that could not be computed.

The JSON keeps each statement's `outcome` (met, not_met, not_applicable,
unknown), which is what the rule decided. A reviewer reads it together with
what the statement does: an exclusion that is "met" by a patient without the
excluded disease does not apply to them. So a restrictive statement (one
that denies, pends or changes) reads "does not apply" or "applies → deny";
a criterion reads "met" or "not met"; a statement attaching a condition,
advice or monitoring reads "applies → condition" when it does. An unknown
outcome says which data is missing, from the determination's reasons or the
trace's derived facts.

Everything here is read from the determination and the bound policy's
declarations (effects, derivations, rules, figures): no policy is named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from attrs import frozen

from policy.binding import BoundPolicy
from policy.determination import Determination, TraceStep
from policy.rules.declarations import Effect, Outcome

_WORDS = {
    Outcome.MET: "met",
    Outcome.NOT_MET: "not met",
    Outcome.NOT_APPLICABLE: "not applicable",
    Outcome.UNKNOWN: "unknown",
}
CANNOT_JUDGE = "cannot be judged"
CANNOT_COMPUTE = "cannot be computed"


def outcome_words(outcome: str) -> str:
    """A rule's own outcome in words ("not applicable"); unknown values are shown as they are."""
    try:
        return _WORDS[Outcome(outcome)]
    except ValueError:
        return outcome


def derived_facts(determination: Determination, bound: BoundPolicy) -> dict[str, Mapping[str, Any]]:
    """Each derived fact's values, by the name of the fact (`diagnosis`), from the trace."""
    produces = {derivation.name: derivation.produces for derivation in bound.derivations}
    return {
        produces[step.rule]: step.derived
        for step in determination.trace
        if step.derived is not None and step.rule in produces
    }


def _paths(values: Any) -> list[str]:
    if isinstance(values, list | tuple):
        return [str(value) for value in values]
    return []


def statement_missing(determination: Determination, bound: BoundPolicy, statement_id: str) -> list[str]:
    """The document paths a statement lacks: from its reasons, else from its derived facts and those they read."""
    missing: list[str] = []
    for reason in determination.reasons:
        if reason.statement == statement_id and reason.missing:
            missing += reason.missing
    if not missing:
        facts = derived_facts(determination, bound)
        reads = {derivation.produces: derivation.reads for derivation in bound.derivations}
        for derivation in bound.derivations:
            if derivation.statement == statement_id:
                missing += _fact_missing(derivation.produces, facts, reads, set())
    return list(dict.fromkeys(missing))


def reading(effect: Effect | None, outcome: str, missing: Sequence[str] = ()) -> str:
    """A statement's outcome the way a reviewer says it."""
    if outcome == Outcome.UNKNOWN.value:
        # A statement that determines a figure is not judged: the figure is computed, or not.
        cannot = CANNOT_COMPUTE if effect is Effect.FIGURE else CANNOT_JUDGE
        return f"{cannot}: missing {', '.join(missing)}" if missing else f"{cannot}: data is missing"
    if effect is None or outcome not in {o.value for o in Outcome}:
        return outcome_words(outcome)
    applies = effect.applies(outcome)
    if effect.restricts or effect in (Effect.CONDITION, Effect.ADVICE, Effect.MONITORING):
        return f"applies → {effect.value}" if applies else "does not apply"
    if effect is Effect.CRITERION:
        return outcome_words(outcome)
    # Informational statements and the ones that determine a figure.
    return "applies" if applies else "does not apply"


def statement_reading(determination: Determination, bound: BoundPolicy, statement_id: str) -> str:
    """The reading of one statement of a determination."""
    try:
        outcome = determination.statement(statement_id).outcome
    except KeyError:
        outcome = Outcome.UNKNOWN.value
    missing = statement_missing(determination, bound, statement_id) if outcome == Outcome.UNKNOWN.value else []
    return reading(bound.effects.get(statement_id), outcome, missing)


# -- figures that could not be computed ---------------------------------------------------------


def _fact_missing(fact: str, facts: Mapping[str, Mapping[str, Any]], reads: Mapping[str, tuple[str, ...]],
                  seen: set[str]) -> list[str]:
    """What a derived fact lacks: its own `missing` list, then that of the facts it is derived from."""
    if fact in seen:
        return []
    seen.add(fact)
    missing = _paths(facts.get(fact, {}).get("missing"))
    for read in reads.get(fact, ()):
        missing += _fact_missing(read, facts, reads, seen)
    return missing


def figure_missing(determination: Determination, bound: BoundPolicy) -> dict[str, list[str]]:
    """For each figure the determination leaves null, the document paths that kept it from being computed."""
    facts = derived_facts(determination, bound)
    reads = {derivation.produces: derivation.reads for derivation in bound.derivations}
    gaps: dict[str, list[str]] = {}
    for figure in bound.code.figures:
        if determination.dosing.get(figure.key) is None:
            gaps[figure.key] = list(dict.fromkeys(_fact_missing(figure.value.fact, facts, reads, set())))
    return gaps


@frozen
class Check:
    """The case one rule took, quoted from the trace: what was checked, and its outcome."""

    statement: str
    rule: str
    when: str
    outcome: str


def checks_without(determination: Determination, bound: BoundPolicy) -> list[Check]:
    """The checks made while a figure was missing: every rule of a statement that uses a null figure's fact.

    A statement can check a request two ways (per kg, or in grams with the
    dosing weight); the case each of its rules took tells the reviewer which
    check was made instead of the one the missing figure would have allowed.
    """
    null_facts = {figure.value.fact for figure in bound.code.figures
                  if determination.dosing.get(figure.key) is None}
    if not null_facts:
        return []
    statements = [
        rule.statement for rule in bound.rules
        if null_facts & set(rule.facts) and bound.effects.get(rule.statement) is not Effect.FIGURE
    ]
    taken: dict[str, TraceStep] = {step.rule: step for step in determination.trace if step.outcome is not None}
    checks = []
    for statement in dict.fromkeys(statements):
        for rule in bound.rules_for(statement):
            step = taken.get(rule.name)
            if step is not None and step.outcome is not None:
                checks.append(Check(statement, rule.name, step.when, step.outcome))
    return checks
