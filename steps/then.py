"""Then steps: read the determination's JSON as a reviewer would."""

from __future__ import annotations

from typing import Any

from pytest_bdd import parsers, then

import policy
from policy.rules.declarations import Figure
from steps.values import STATEMENT_ID, parse_ids, parse_value
from steps.when import Outcome


def _effect(policy_id: str, statement_id: str) -> Any:
    return policy.assessor(policy_id).bound.effects[statement_id]


def _outcome_of(outcome: Outcome, statement_id: str) -> str:
    for entry in outcome.determination["statements"]:
        if entry["id"] == statement_id:
            return str(entry["outcome"])
    raise AssertionError(f"{statement_id} is not among the determination's statements")


@then(parsers.re(r"the decision is (?P<decision>approve|modify|pend|deny)"))
def decision_is(outcome: Outcome, decision: str) -> None:
    assert outcome.determination["decision"] == decision, outcome.determination["reasons"]


@then(parsers.re(rf"(?P<statement>{STATEMENT_ID}) applies"))
def statement_applies(outcome: Outcome, policy_id: str, statement: str) -> None:
    found = _outcome_of(outcome, statement)
    assert _effect(policy_id, statement).applies(found), f"{statement} is {found}"


@then(parsers.re(rf"(?P<statement>{STATEMENT_ID}) does not apply"))
def statement_does_not_apply(outcome: Outcome, policy_id: str, statement: str) -> None:
    found = _outcome_of(outcome, statement)
    assert not _effect(policy_id, statement).applies(found), f"{statement} is {found}"


@then(parsers.re(rf"(?P<statement>{STATEMENT_ID}) is (?P<wanted>met|not met|not applicable|unknown)$"))
def statement_outcome(outcome: Outcome, statement: str, wanted: str) -> None:
    """The statement's reported outcome, as the determination's `statements[].outcome` says it."""
    assert _outcome_of(outcome, statement) == wanted.replace(" ", "_")


@then(parsers.re(r"the request is rejected at (?P<paths>.+)$"))
def rejected(outcome: Outcome, paths: str) -> None:
    """Invalid input: no determination, and a problem at each path named."""
    assert outcome.result is None, f"the request was assessed: {outcome.result and outcome.result['decision']}"
    found = {error["path"] for error in outcome.errors or []}
    assert set(parse_ids(paths)) <= found, outcome.errors


@then("there are no changes")
def no_changes(outcome: Outcome) -> None:
    assert outcome.determination["changes"] == []


@then(parsers.re(
    rf"(?P<field>[a-z_]+(?:\.[a-z_]+)*) is changed from (?P<requested>.+) to (?P<authorized>.+) by (?P<statement>{STATEMENT_ID})"
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


# Figures of the determination's `dosing` object, named as the policy labels them
# ("the course maximum is 110.0 g", "the dosing weight is 54.7 kg (ideal)").
def _figure(policy_id: str, label: str) -> Figure:
    figures = policy.assessor(policy_id).code.figures
    for figure in figures:
        if figure.label == label:
            return figure
    raise AssertionError(f"{policy_id} declares no figure '{label}'; it has: {', '.join(f.label for f in figures)}")


@then(parsers.re(
    r"the (?P<label>[a-z][a-z ]*?) is (?P<value>-?[0-9][0-9.]*) (?P<unit>[A-Za-z/]+)(?: \((?P<basis>[a-z ]+)\))?$"
))
def figure_is(outcome: Outcome, policy_id: str, label: str, value: str, unit: str, basis: str | None) -> None:
    figure = _figure(policy_id, label)
    assert figure.unit == unit, f"{label} is in {figure.unit}, not {unit}"
    dosing = outcome.determination["dosing"]
    assert dosing[figure.key] == float(value), f"{figure.key} is {dosing[figure.key]}"
    if basis is not None:
        assert figure.basis is not None, f"{label} has no basis"
        assert dosing[figure.basis] == basis, f"{figure.basis} is {dosing[figure.basis]}"


@then(parsers.re(r"there is no (?!advice$)(?P<label>[a-z][a-z ]*)$"))
def no_figure(outcome: Outcome, policy_id: str, label: str) -> None:
    figure = _figure(policy_id, label)
    assert outcome.determination["dosing"][figure.key] is None


@then(parsers.re(r"the (?P<label>[a-z][a-z ]*?) is unknown$"))
def figure_unknown(outcome: Outcome, policy_id: str, label: str) -> None:
    no_figure(outcome, policy_id, label)


def _authorized(authorized: dict[str, Any], path: str) -> Any:
    node: Any = authorized
    for name in path.split("."):
        assert isinstance(node, dict) and name in node, f"nothing authorized at {path}: {authorized}"
        node = node[name]
    return node


@then(parsers.re(r"the authorized (?P<field>[a-z_]+(?:\.[a-z_]+)*) (?:is|are) (?P<value>.+)"))
def authorized_field(outcome: Outcome, field: str, value: str) -> None:
    authorized = outcome.determination["authorized"]
    assert authorized is not None, "nothing is authorized"
    assert _authorized(authorized, field) == parse_value(value)


@then("nothing is authorized")
def nothing_authorized(outcome: Outcome) -> None:
    assert outcome.determination["authorized"] is None
