"""DTR: a policy's Questionnaire, generated from its request model (nothing written by hand).

One item per field of the request (except the request identifier, which is
the Claim's): `linkId` is the field's path in the request document, the type
follows the field's spec, a unit becomes a questionnaire-unit extension,
bounds become minValue/maxValue, a vocabulary becomes answer options, and
`required` is the field's own (a field the Claim carries is never required
here: the Claim states it). When a field is enabled follows
`policy.fhir.enablement`. The Questionnaire's canonical URL is the policy's
(`policy.fhir.canonical`), its version the policy's version, and it carries
the policy's digest, so it changes whenever the policy's source changes.
"""

from __future__ import annotations

from typing import Any

from policy.binding import BoundPolicy
from policy.fhir.canonical import questionnaire_url, vocabulary
from policy.fhir.claim_fields import REQUEST_ID, Source, claim_sourced
from policy.fhir.enablement import Condition, conditions
from policy.fhir.fields import CHOICE, DECIMAL, GROUP, INTEGER, STRING, Question, questions
from policy.fhir.resources import built
from policy.fhir.units import ucum
from policy.fhir.urls import MAX_OCCURS, MAX_VALUE, MIN_OCCURS, MIN_VALUE, POLICY_EXTENSION, QUESTIONNAIRE_UNIT
from policy.limits import LIMITS
from policy.releases import effective

DESCRIPTION = (
    "The information the policy {policy} ({title}) reads to decide a prior-authorization request, "
    "generated from its request model. Each item's linkId is the field's path in the request document. "
    "{claimed} are read from the PAS Claim and its Patient when they state them; an answer given here "
    "must agree with them."
)
CLAIM_SIDE = {
    Source.DIAGNOSES: "the diagnoses (Claim.diagnosis)",
    Source.SERVICE_DATE: "the date of service (the Claim's items)",
    Source.SEX: "the sex (Patient.gender)",
    Source.AGE: "the age (from Patient.birthDate at the date of service)",
}


def display(code: str) -> str:
    """A vocabulary code as a person reads it: `not_supportive` -> "not supportive"."""
    return code.replace("_", " ")


def _bounds(question: Question) -> list[dict[str, Any]]:
    spec = question.answer
    value_key = "valueInteger" if question.kind == INTEGER else "valueDecimal"
    cast = int if question.kind == INTEGER else float
    extensions = []
    if spec.minimum is not None:
        extensions.append({"url": MIN_VALUE, value_key: cast(spec.minimum)})
    if spec.maximum is not None:
        extensions.append({"url": MAX_VALUE, value_key: cast(spec.maximum)})
    return extensions


def _occurs(question: Question) -> list[dict[str, Any]]:
    extensions = []
    if question.spec.min_items and question.spec.min_items > 1 and not question.spec.pair:
        extensions.append({"url": MIN_OCCURS, "valueInteger": question.spec.min_items})
    most = question.most_answers
    if most is not None and question.repeats:
        extensions.append({"url": MAX_OCCURS, "valueInteger": most})
    return extensions


def _enable_when(policy_id: str, found: tuple[Condition, ...]) -> dict[str, Any]:
    whens = []
    for condition in found:
        if condition.exists is not None:
            whens.append({"question": condition.question, "operator": "exists", "answerBoolean": condition.exists})
        else:
            coding = {"system": vocabulary(policy_id, condition.question), "code": condition.value}
            whens.append({"question": condition.question, "operator": "=", "answerCoding": coding})
    item: dict[str, Any] = {"enableWhen": whens}
    if len(whens) > 1:
        item["enableBehavior"] = "all"
    return item


def _text(question: Question) -> str:
    text = question.spec.description
    if question.spec.pair:
        text += " Answer once for n, twice for [min, max]."
    return text


def _item(policy_id: str, question: Question, enabling: dict[str, tuple[Condition, ...]],
          claimed: dict[str, Source]) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": question.path, "text": _text(question), "type": question.kind}
    extensions: list[dict[str, Any]] = []
    if question.spec.unit and question.kind in (DECIMAL, INTEGER):
        extensions.append({"url": QUESTIONNAIRE_UNIT, "valueCoding": ucum(question.spec.unit)})
    if question.kind in (DECIMAL, INTEGER):
        extensions += _bounds(question)
    extensions += _occurs(question)
    if extensions:
        item = {"extension": extensions, **item}
    if question.path in enabling:
        item.update(_enable_when(policy_id, enabling[question.path]))
    if question.spec.required and question.path not in claimed:
        item["required"] = True
    if question.repeats:
        item["repeats"] = True
    if question.kind == STRING:
        item["maxLength"] = LIMITS.string_chars
    if question.kind == CHOICE:
        system = vocabulary(policy_id, question.path)
        item["answerOption"] = [
            {"valueCoding": {"system": system, "code": code, "display": display(code)}}
            for code in question.answer.enum or ()
        ]
    if question.kind == GROUP:
        item["item"] = [_item(policy_id, child, enabling, claimed) for child in question.children]
    return item


def _name(policy_id: str) -> str:
    """A computable name (FHIR: a letter, then letters, digits or _): `drug-condition` -> DrugConditionRequest."""
    words = [word for word in policy_id.replace("_", "-").split("-") if word]
    name = "".join(word[:1].upper() + word[1:] for word in words) + "Request"
    return name if name[:1].isalpha() else "Policy" + name


def questionnaire(policy: BoundPolicy) -> dict[str, Any]:
    """The policy's DTR Questionnaire as FHIR R4 JSON, validated."""
    model = policy.code.request_model
    source = policy.source
    claimed = claim_sourced(model)
    enabling = conditions(model)
    claim_side = [CLAIM_SIDE[s] for s in Source if s in claimed.values() and s in CLAIM_SIDE]
    claimed_text = ", ".join(claim_side) if claim_side else "No field"
    date = effective(policy)
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": source.id,
        "extension": [{"url": POLICY_EXTENSION, "extension": [
            {"url": "id", "valueString": source.id},
            {"url": "version", "valueString": source.version},
            {"url": "digest", "valueString": policy.digest},
        ]}],
        "url": questionnaire_url(source.id),
        "version": source.version,
        "name": _name(source.id),
        "title": source.title,
        # Only a released source is in force; an edited one is a draft until it is released.
        "status": "active" if date is not None else "draft",
        "subjectType": ["Patient"],
        "description": DESCRIPTION.format(policy=source.id, title=source.title,
                                          claimed=claimed_text[:1].upper() + claimed_text[1:]),
        "item": [_item(source.id, q, enabling, claimed) for q in questions(model) if q.path != REQUEST_ID],
    }
    if date is not None:
        resource["date"] = date
    return built(resource)


__all__ = ["display", "questionnaire"]
