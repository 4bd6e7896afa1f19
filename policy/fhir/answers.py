"""Read a QuestionnaireResponse to a policy's Questionnaire back into request fields.

Each answered item's `linkId` is a field path (`policy.fhir.fields`), so
reading needs nothing per policy: an answer's FHIR type must be the one its
item asks for, a choice answer must be one of its options, a non-repeating
item takes one answer, a number-or-range two at most. Items are found at any
depth (nesting is the Questionnaire's layout, not their meaning). An item
this Questionnaire does not ask, an item answered twice, or an answer of the
wrong type is a problem at its FHIRPath; nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import frozen

from policy.fhir.canonical import vocabulary
from policy.fhir.fields import BOOLEAN, CHOICE, DATE, DECIMAL, GROUP, ICD10_FORMAT, INTEGER, STRING, Question
from policy.fhir.outcome import STRUCTURE, VALUE, Issue, quoted
from policy.fhir.units import ucum
from policy.fhir.urls import ICD10_CM, UCUM

# The answer value[x] each item type takes.
VALUE_KEYS = {
    DECIMAL: ("valueDecimal", "valueInteger", "valueQuantity"),
    INTEGER: ("valueInteger",),
    BOOLEAN: ("valueBoolean",),
    DATE: ("valueDate",),
    STRING: ("valueString",),
    CHOICE: ("valueCoding", "valueString"),
}


@frozen
class Answers:
    """The values a QuestionnaireResponse gives, by field path, and where each was given."""

    values: dict[str, Any]
    # Field path (and `path[i]` for the i-th answer of a repeating item) -> FHIRPath of the item or answer.
    places: dict[str, str]
    issues: list[Issue]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _quantity(question: Question, quantity: Any, where: str) -> tuple[Any, Issue | None]:
    """A valueQuantity in the item's own unit (UCUM code or the unit as written)."""
    if not isinstance(quantity, Mapping) or not _number(quantity.get("value")):
        return None, Issue(where, "expected a quantity with a value", VALUE)
    unit = question.spec.unit
    expected = ucum(unit) if unit else None
    stated_system = quantity.get("system")
    stated_code = quantity.get("code")
    matches = expected is not None and (
        (stated_code == expected["code"] and stated_system in (None, UCUM))
        or (stated_code is None and quantity.get("unit") == unit)
    )
    if not matches:
        wanted = f"in {unit} (UCUM {expected['code']})" if expected else "as a plain number"
        return None, Issue(where, f"expected the quantity {wanted}", VALUE)
    return quantity["value"], None


def _value(policy_id: str, question: Question, answer: Mapping[str, Any], where: str) -> tuple[Any, Issue | None]:
    """One answer's value as the request document takes it, or the problem with it."""
    allowed = VALUE_KEYS[question.kind]
    given = [key for key in answer if key.startswith("value")]
    if question.kind == STRING and question.answer.format == ICD10_FORMAT:
        allowed = ("valueString", "valueCoding")
    if len(given) != 1 or given[0] not in allowed:
        return None, Issue(where, f"expected an answer as {' or '.join(allowed)}", STRUCTURE)
    key = given[0]
    value = answer[key]
    place = f"{where}.{key}"
    if key == "valueQuantity":
        return _quantity(question, value, place)
    if key == "valueCoding":
        if not isinstance(value, Mapping) or not isinstance(value.get("code"), str):
            return None, Issue(place, "expected a coding with a code", VALUE)
        system = value.get("system")
        wanted = ICD10_CM if question.kind == STRING else vocabulary(policy_id, question.path)
        if system is not None and system != wanted:
            return None, Issue(f"{place}.system", f"expected the code system {wanted}", VALUE)
        return value["code"], None
    return value, None


@frozen
class _Reading:
    policy_id: str
    questions: Mapping[str, Question]
    values: dict[str, Any]
    places: dict[str, str]
    issues: list[Issue]


def _answered(reading: _Reading, question: Question, item: Mapping[str, Any], where: str) -> None:
    answers = item.get("answer") or []
    if question.kind == GROUP:
        if answers:
            reading.issues.append(Issue(f"{where}.answer", "a group is not answered; answer its items", STRUCTURE))
        return
    most = question.most_answers
    if most is not None and len(answers) > most:
        reading.issues.append(Issue(f"{where}.answer", f"expected at most {most} answer(s), got {len(answers)}",
                                    VALUE))
        return
    values = []
    for index, answer in enumerate(answers):
        place = f"{where}.answer[{index}]"
        value, issue = _value(reading.policy_id, question, answer, place)
        if issue is not None:
            reading.issues.append(issue)
            return
        values.append(value)
        reading.places[f"{question.path}[{index}]"] = place
    if not values:
        return
    if question.spec.pair and len(values) == 1:
        reading.values[question.path] = values[0]  # n: one number stands for [n, n]
    elif question.repeats:
        reading.values[question.path] = values
    else:
        reading.values[question.path] = values[0]


def read_answers(policy_id: str, questions: Mapping[str, Question], response: Mapping[str, Any],
                 expression: str) -> Answers:
    """The answers of a QuestionnaireResponse (already valid FHIR) at `expression` to the policy's questions."""
    reading = _Reading(policy_id, questions, {}, {}, [])
    seen: set[str] = set()
    pending: list[tuple[Any, str]] = [
        (item, f"{expression}.item[{index}]") for index, item in enumerate(response.get("item") or [])
    ]
    pending.reverse()
    while pending:
        item, where = pending.pop()
        link = item.get("linkId")
        question = questions.get(link) if isinstance(link, str) else None
        if question is None:
            reading.issues.append(Issue(f"{where}.linkId", f"the questionnaire asks no item {quoted(link)}",
                                        VALUE))
            continue
        if link in seen:
            reading.issues.append(Issue(f"{where}.linkId", f"item {link} is answered more than once", VALUE))
            continue
        seen.add(link)
        reading.places[question.path] = where
        _answered(reading, question, item, where)
        nested = [(child, f"{where}.item[{i}]") for i, child in enumerate(item.get("item") or [])]
        for a, answer in enumerate(item.get("answer") or []):
            nested += [(child, f"{where}.answer[{a}].item[{i}]") for i, child in enumerate(answer.get("item") or [])]
        pending.extend(reversed(nested))
    return Answers(reading.values, reading.places, reading.issues)


def as_document(values: Mapping[str, Any]) -> dict[str, Any]:
    """Field values by dotted path, nested into a request document."""
    document: dict[str, Any] = {}
    for path, value in values.items():
        node = document
        *objects, leaf = path.split(".")
        for name in objects:
            node = node.setdefault(name, {})
        node[leaf] = value
    return document


__all__ = ["Answers", "as_document", "read_answers"]
