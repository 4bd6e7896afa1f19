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
    # Determines a figure other statements use (the weight doses are calculated on).
    FIGURE = "figure"

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
    """The request is approvable once its authorized `field` becomes `to`."""

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
    # How the handbook writes what it computes, for people who do not read code:
    # a produced field (or a name such as "IBW (male)") -> text with {parameter}
    # placeholders the docs fill with values and units.
    formulas: Mapping[str, str] = field(factory=dict, kw_only=True)


def rule(name: str, effect: Effect, facts: tuple[str, ...], *branches: Case | Otherwise,
         statement: str | None = None) -> StatementRule:
    """A statement rule from its cases in order, then its `otherwise`; `statement` defaults to `name`
    (several rules of one statement are named `<ID>/<part>`)."""
    rest = [b for b in branches if isinstance(b, Otherwise)]
    return StatementRule(
        name=name, statement=statement or name, effect=effect, facts=facts,
        cases=tuple(b for b in branches if isinstance(b, Case)), otherwise=rest[0] if rest else None,
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


# --- What a policy's Python declares besides its rules -------------------------------


@frozen
class Figure:
    """A figure of the determination's `dosing` object, read from a derived fact.

    `label` is how reports and examples name it ("course maximum"); `decimals`
    rounds it half up; `basis` names another figure shown beside it in
    parentheses ("54.7 kg (ideal)"); `absent` is how a report says null.
    """

    key: str
    label: str
    value: Field
    unit: str | None = None
    decimals: int | None = None
    basis: str | None = None
    absent: str = "not computed"


@frozen
class AuthorizedField:
    """One field of the determination's `authorized` object.

    `path` is dotted below the request object the authorization copies
    (`days`, `loading.days`); it is also the `field` of a change to it.
    `default` is what the authorization covers when the request leaves the
    field unstated (a parameter or a derived figure); without one an
    unstated field stays null.
    """

    path: str
    label: str
    default: Param | Field | None = None


@frozen
class Authorization:
    """What an approval authorizes: the fields of the request object at `source`, changes applied.

    An object among the paths (`loading` of `loading.days`) is null in the
    authorization when the request does not have it.
    """

    source: str
    fields: tuple[AuthorizedField, ...]
    # How reports head what is authorized (a policy names it, e.g. "Authorized course").
    title: str = "Authorized"

    def field(self, path: str) -> AuthorizedField:
        for declared in self.fields:
            if declared.path == path:
                return declared
        raise KeyError(path)


def _facts_needed(rules: tuple[StatementRule, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(fact for rule in rules for fact in rule.facts))


@frozen
class Declarations:
    """Derivations and statement rules: all the shared source declares, part of what a policy does."""

    derivations: tuple[Derivation, ...] = ()
    rules: tuple[StatementRule, ...] = ()
    # The words for the facts' fields the rules test, for the handbook and reports:
    # "fact.field" -> a noun phrase, or (what true reads as, what false reads as).
    glossary: Mapping[str, str | tuple[str, str]] = field(factory=dict)

    @property
    def facts(self) -> tuple[str, ...]:
        return _facts_needed(self.rules)


@frozen
class PolicyCode(Declarations):
    """Everything a policy folder's Python gives the core, as one object named `POLICY`.

    `request_model` is the attrs model of the request document (its field
    specs drive validation and the JSON Schema); `request_fact` turns a
    valid request into the flat request fact of the network, leaving
    unstated fields out; `always_set` names the request fact's fields every
    valid request sets. `figures` and `authorization` declare the
    determination's `dosing` and `authorized` objects. `report_sections`
    says under which feature (section) of the policy a report shows the
    figures, the conditions and the monitoring.
    """

    request_model: type = field(kw_only=True)
    request_fact: Callable[[Any], dict[str, Any]] = field(kw_only=True, eq=False, repr=False)
    always_set: tuple[str, ...] = field(default=(), kw_only=True)
    figures: tuple[Figure, ...] = field(default=(), kw_only=True)
    authorization: Authorization | None = field(default=None, kw_only=True)
    report_sections: Mapping[str, str] = field(factory=dict, kw_only=True)
