"""Rule declarations: what a policy module states, bound to statement IDs.

A `Derivation` turns facts into a derived fact (a formula with its label and
source). A `StatementRule` decides one finding of a statement: its cases are
tried in order, the first that holds is taken, `otherwise` covers the rest, so
exactly one case holds for every request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, Union

from attrs import field, frozen

from policy.rules.conditions import Always, Condition, Field, Param, params_of


class Outcome(str, Enum):
    MET = "met"
    NOT_MET = "not_met"
    NOT_APPLICABLE = "not_applicable"
    UNKNOWN = "unknown"


# When a statement has several rules, the reported outcome is the most telling one.
OUTCOME_WEIGHT = {Outcome.NOT_APPLICABLE: 0, Outcome.MET: 1, Outcome.UNKNOWN: 2, Outcome.NOT_MET: 3}


class Effect(str, Enum):
    """What a statement does to a determination when it applies."""

    CRITERION = "met"
    DENY = "deny"
    PEND = "pend"
    CHANGE = "change"
    CONDITION = "condition"
    ADVICE = "advice"
    MONITORING = "monitoring"
    INFORMATIONAL = "informational"
    DOSING_WEIGHT = "dosing weight"

    @property
    def restricts(self) -> bool:
        return self in (Effect.DENY, Effect.PEND, Effect.CHANGE)

    def applies(self, outcome: Outcome | str) -> bool:
        """Whether a statement with this effect applies, given its outcome.

        Restrictive statements apply when the request fails them (not met);
        every other statement applies when it is met (attached, determined).
        """
        wanted = Outcome.NOT_MET if self.restricts else Outcome.MET
        return Outcome(outcome) is wanted


@frozen
class Clamp:
    """The requested value moved into [low, high], each end on its own."""

    low: Param
    high: Param


ChangeTarget = Union[Param, Field, Clamp, bool]


@frozen
class Deny:
    """The statement denies the request."""


@frozen
class Pend:
    """The statement pends the request; `missing` names a derived field listing absent data."""

    missing: Field | None = None


@frozen
class Change:
    """The request is approvable once `field` of the regimen becomes `to`."""

    field: str
    to: ChangeTarget


@frozen
class Attach:
    """The statement's text joins the determination as a condition, advice or monitoring."""


Consequence = Union[Deny, Pend, Change, Attach]


@frozen
class Case:
    when: Condition
    outcome: Outcome
    then: tuple[Consequence, ...] = ()


@frozen
class Otherwise:
    outcome: Outcome
    then: tuple[Consequence, ...] = ()


def case(when: Condition, outcome: Outcome, *then: Consequence) -> Case:
    return Case(when, outcome, tuple(then))


def otherwise(outcome: Outcome, *then: Consequence) -> Otherwise:
    return Otherwise(outcome, tuple(then))


def _target_params(target: ChangeTarget) -> set[str]:
    if isinstance(target, Param):
        return {target.key}
    if isinstance(target, Clamp):
        return {target.low.key, target.high.key}
    return set()


@frozen
class StatementRule:
    """One decision bound to a statement: cases tried in order, then `otherwise`."""

    name: str
    statement: str
    effect: Effect
    facts: tuple[str, ...]
    cases: tuple[Case, ...]
    otherwise: Otherwise | None = None

    @property
    def branches(self) -> tuple[Case | Otherwise, ...]:
        return (*self.cases, *((self.otherwise,) if self.otherwise else ()))

    @property
    def parameters(self) -> set[str]:
        used: set[str] = set()
        for branch in self.branches:
            if isinstance(branch, Case):
                used |= params_of(branch.when)
            for consequence in branch.then:
                if isinstance(consequence, Change):
                    used |= _target_params(consequence.to)
        return used


@frozen
class Derivation:
    """A formula producing one derived fact from the facts it reads."""

    name: str
    statement: str
    label: str
    reads: tuple[str, ...]
    produces: str
    fields: tuple[str, ...]  # always set on the derived fact
    parameters: tuple[str, ...]
    compute: Callable[[Any, Mapping[str, Mapping[str, Any]], Mapping[str, Any]], dict[str, Any]] = field(
        eq=False, repr=False
    )


def always() -> Always:
    return Always()


class Fact:
    """Field references of one fact type: `Fact("request").interval_days`."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, field_name: str) -> Field:
        if field_name.startswith("_"):
            raise AttributeError(field_name)
        return Field(self._name, field_name)


class Params:
    """Parameter references: `P.max_courses`."""

    def __getattr__(self, key: str) -> Param:
        if key.startswith("_"):
            raise AttributeError(key)
        return Param(key)


P = Params()
