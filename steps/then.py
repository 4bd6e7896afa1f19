"""Then steps: read the determination's JSON as a reviewer would."""

from __future__ import annotations

from typing import Any

from pytest_bdd import parsers, then

import policy
from steps.values import STATEMENT_ID, parse_ids, parse_value
from steps.when import Outcome


def _effect(statement_id: str) -> Any:
    return policy.assessor().bound.effects[statement_id]


def _outcome_of(outcome: Outcome, statement_id: str) -> str:
    for entry in outcome.determination["statements"]:
        if entry["id"] == statement_id:
            return str(entry["outcome"])
    raise AssertionError(f"{statement_id} is not among the determination's statements")


@then(parsers.re(r"the decision is (?P<decision>approve|modify|pend|deny)"))
def decision_is(outcome: Outcome, decision: str) -> None:
    assert outcome.determination["decision"] == decision, outcome.determination["reasons"]


@then(parsers.re(rf"(?P<statement>{STATEMENT_ID}) applies"))
def statement_applies(outcome: Outcome, statement: str) -> None:
    found = _outcome_of(outcome, statement)
    assert _effect(statement).applies(found), f"{statement} is {found}"


@then(parsers.re(rf"(?P<statement>{STATEMENT_ID}) does not apply"))
def statement_does_not_apply(outcome: Outcome, statement: str) -> None:
    found = _outcome_of(outcome, statement)
    assert not _effect(statement).applies(found), f"{statement} is {found}"


@then("there are no changes")
def no_changes(outcome: Outcome) -> None:
    assert outcome.determination["changes"] == []


@then(parsers.re(
    rf"(?P<field>[a-z_]+) is changed from (?P<requested>.+) to (?P<authorized>.+) by (?P<statement>{STATEMENT_ID})"
))
def changed(outcome: Outcome, field: str, requested: str, authorized: str, statement: str) -> None:
    wanted = {"statement": statement, "field": field,
              "requested": parse_value(requested), "authorized": parse_value(authorized)}
    assert wanted in outcome.determination["changes"], outcome.determination["changes"]


@then("there are no reasons")
def no_reasons(outcome: Outcome) -> None:
    assert outcome.determination["reasons"] == []


@then(parsers.re(r"the reasons are (?P<ids>.+)"))
def reasons_are(outcome: Outcome, ids: str) -> None:
    found = {r["statement"] for r in outcome.determination["reasons"]}
    assert found == set(parse_ids(ids))


@then(parsers.re(rf"(?P<statement>{STATEMENT_ID}) is missing (?P<paths>.+)"))
def missing(outcome: Outcome, statement: str, paths: str) -> None:
    reasons = [r for r in outcome.determination["reasons"] if r["statement"] == statement]
    assert reasons, f"no reason from {statement}"
    assert sorted(reasons[0].get("missing", [])) == sorted(parse_ids(paths))


def _listed(outcome: Outcome, kind: str) -> list[str]:
    return [entry["statement"] for entry in outcome.determination[kind]]


@then(parsers.re(r"the (?P<kind>conditions|advice|monitoring) (?:are|is) (?P<ids>.+)"))
def listed_exactly(outcome: Outcome, kind: str, ids: str) -> None:
    assert sorted(_listed(outcome, kind)) == sorted(parse_ids(ids))


@then(parsers.re(rf"the (?P<kind>conditions|advice|monitoring) includes? (?P<statement>{STATEMENT_ID})"))
def listed(outcome: Outcome, kind: str, statement: str) -> None:
    assert statement in _listed(outcome, kind)


@then(parsers.re(
    rf"the (?P<kind>conditions|advice|monitoring) (?:do|does) not include (?P<statement>{STATEMENT_ID})"
))
def not_listed(outcome: Outcome, kind: str, statement: str) -> None:
    assert statement not in _listed(outcome, kind)


@then("there is no advice")
def no_advice(outcome: Outcome) -> None:
    assert outcome.determination["advice"] == []


@then(parsers.re(r"the dosing weight is (?P<kg>[0-9.]+) kg \((?P<basis>ideal|actual)\)"))
def dosing_weight(outcome: Outcome, kg: str, basis: str) -> None:
    dosing = outcome.determination["dosing"]
    assert (dosing["dosing_weight_kg"], dosing["weight_basis"]) == (float(kg), basis)


@then("there is no dosing weight")
def no_dosing_weight(outcome: Outcome) -> None:
    assert outcome.determination["dosing"]["dosing_weight_kg"] is None


@then(parsers.re(r"the ideal body weight is (?P<kg>[0-9.]+) kg"))
def ideal_weight(outcome: Outcome, kg: str) -> None:
    assert outcome.determination["dosing"]["ideal_body_weight_kg"] == float(kg)


@then("there is no ideal body weight")
def no_ideal_weight(outcome: Outcome) -> None:
    assert outcome.determination["dosing"]["ideal_body_weight_kg"] is None


@then(parsers.re(r"the course maximum is (?P<grams>[0-9.]+) g"))
def course_maximum(outcome: Outcome, grams: str) -> None:
    assert outcome.determination["dosing"]["course_max_g"] == float(grams)


@then("there is no course maximum")
def no_course_maximum(outcome: Outcome) -> None:
    assert outcome.determination["dosing"]["course_max_g"] is None


@then(parsers.re(r"the requested course is (?P<grams>[0-9.]+) g"))
def requested_course(outcome: Outcome, grams: str) -> None:
    assert outcome.determination["dosing"]["course_requested_g"] == float(grams)


@then("the requested course is unknown")
def requested_course_unknown(outcome: Outcome) -> None:
    assert outcome.determination["dosing"]["course_requested_g"] is None


@then(parsers.re(r"the authorized (?P<field>[a-z_]+) (?:is|are) (?P<value>.+)"))
def authorized_field(outcome: Outcome, field: str, value: str) -> None:
    authorized = outcome.determination["authorized"]
    assert authorized is not None, "nothing is authorized"
    assert authorized[field] == parse_value(value)


@then("nothing is authorized")
def nothing_authorized(outcome: Outcome) -> None:
    assert outcome.determination["authorized"] is None
