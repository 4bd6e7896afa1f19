"""The client's side: a request document as a QuestionnaireResponse and a PAS request Bundle.

What an EHR or a DTR form filler does, done from a request document: each
Questionnaire item is answered with the document's value at its linkId (the
field's path), and the Claim states the diagnoses, the date of service and
the identifier while the Patient states the sex and a birth date giving the
age. Used by the round-trip tests and by anyone converting requests; the
resources are synthetic (example.org references), and modelled on the PAS
guide's examples.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from policy.fhir.claim_fields import Source, claim_sourced
from policy.fhir.fields import BOOLEAN, CHOICE, DATE, DECIMAL, GROUP, INTEGER
from policy.fhir.policies import INSTALLED, Library
from policy.fhir.questionnaire import questionnaire
from policy.fhir.resources import built
from policy.fhir.urls import ICD10_CM

PAS_TEMP_CODES = "http://hl7.org/fhir/us/davinci-pas/CodeSystem/PASTempCodes"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
BASE = "http://example.org/fhir"


def _at(document: Mapping[str, Any], path: str) -> Any:
    node: Any = document
    for name in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(name)
    return node


def _answer(item: Mapping[str, Any], value: Any) -> dict[str, Any]:
    kind = item["type"]
    if kind == CHOICE:
        for option in item.get("answerOption") or []:
            if option["valueCoding"]["code"] == value:
                return {"valueCoding": option["valueCoding"]}
        return {"valueCoding": {"code": value}}
    key = {DECIMAL: "valueDecimal", INTEGER: "valueInteger", BOOLEAN: "valueBoolean", DATE: "valueDate"}
    return {key.get(kind, "valueString"): value}


def answered_items(items: list[Mapping[str, Any]], document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """QuestionnaireResponse items answering `items` from the document's values at their linkIds."""
    answered: list[dict[str, Any]] = []
    for item in items:
        link = item["linkId"]
        if item["type"] == GROUP:
            children = answered_items(item.get("item") or [], document)
            if children:
                answered.append({"linkId": link, "item": children})
            continue
        value = _at(document, link)
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        answered.append({"linkId": link, "answer": [_answer(item, v) for v in values]})
    return answered


def questionnaire_response(form: Mapping[str, Any], document: Mapping[str, Any], *,
                           subject: str = "Patient/example", authored: str | None = None) -> dict[str, Any]:
    """A completed QuestionnaireResponse to `form` (a Questionnaire) giving the document's values."""
    response = {
        "resourceType": "QuestionnaireResponse",
        "id": "answers",
        "questionnaire": f"{form['url']}|{form['version']}",
        "status": "completed",
        "subject": {"reference": subject},
        "item": answered_items(form.get("item") or [], document),
    }
    if authored is not None:
        response["authored"] = authored
    return built(response)


def _birth_date(age: Any, on: date) -> str | None:
    """A birth date giving `age` whole years on `on` (none for an age that is not whole: it is answered instead)."""
    if not isinstance(age, int | float) or isinstance(age, bool) or float(age) != int(age):
        return None
    year = on.year - int(age)
    day = on.day if not (on.month == 2 and on.day == 29) else 28
    return date(year, on.month, day).isoformat()


def pas_bundle(document: Mapping[str, Any], policy_id: str, *, on: date, library: Library = INSTALLED,
               form: Mapping[str, Any] | None = None, contained: bool = True) -> dict[str, Any]:
    """A PAS request Bundle for the document under `policy_id`, answering `form` (the policy's Questionnaire,
    as fetched; built here when not given), its QuestionnaireResponse contained in the Claim (or, with
    `contained=False`, an entry of the Bundle)."""
    policy = library.bound(policy_id)
    sourced = {source: path for path, source in claim_sourced(policy.code.request_model).items()}
    form = form if form is not None else questionnaire(policy)
    response = questionnaire_response(form, document, subject=f"{BASE}/Patient/example",
                                      authored=on.isoformat())
    service = _at(document, sourced[Source.SERVICE_DATE]) if Source.SERVICE_DATE in sourced else None
    age_on = date.fromisoformat(service) if isinstance(service, str) else on
    patient: dict[str, Any] = {"resourceType": "Patient", "id": "example",
                               "name": [{"family": "Example", "given": ["Synthetic"]}]}
    if Source.SEX in sourced and _at(document, sourced[Source.SEX]) is not None:
        patient["gender"] = _at(document, sourced[Source.SEX])
    if Source.AGE in sourced:
        born = _birth_date(_at(document, sourced[Source.AGE]), age_on)
        if born is not None:
            patient["birthDate"] = born
    item: dict[str, Any] = {"sequence": 1, "productOrService": {"text": policy.source.title}}
    if isinstance(service, str):
        item["servicedDate"] = service
    codes = _at(document, sourced[Source.DIAGNOSES]) if Source.DIAGNOSES in sourced else None
    claim: dict[str, Any] = {
        "resourceType": "Claim",
        "id": "request",
        "identifier": [{"system": "urn:trnorg:example", "value": str(document.get("id", "request"))}],
        "status": "active",
        "type": {"coding": [{"system": CLAIM_TYPE, "code": "professional"}]},
        "use": "preauthorization",
        "patient": {"reference": f"{BASE}/Patient/example"},
        "created": on.isoformat(),
        "insurer": {"reference": f"{BASE}/Organization/insurer"},
        "provider": {"reference": f"{BASE}/Organization/requestor"},
        "priority": {"coding": [{"system": PRIORITY, "code": "normal"}]},
        "diagnosis": [{"sequence": index, "diagnosisCodeableConcept": {"coding": [{"system": ICD10_CM, "code": code}]}}
                      for index, code in enumerate(codes or [], start=1)],
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": f"{BASE}/Coverage/example"}}],
        "supportingInfo": [{
            "sequence": 1,
            "category": {"coding": [{"system": PAS_TEMP_CODES, "code": "additionalInformation"}]},
            "valueReference": {"reference": "#answers" if contained else f"{BASE}/QuestionnaireResponse/answers"},
        }],
        "item": [item],
    }
    if not claim["diagnosis"]:
        del claim["diagnosis"]
    if contained:
        claim["contained"] = [response]
    entries = [
        {"fullUrl": f"{BASE}/Claim/request", "resource": claim},
        {"fullUrl": f"{BASE}/Patient/example", "resource": patient},
        {"fullUrl": f"{BASE}/Organization/insurer",
         "resource": {"resourceType": "Organization", "id": "insurer", "name": "Example Health Plan"}},
        {"fullUrl": f"{BASE}/Organization/requestor",
         "resource": {"resourceType": "Organization", "id": "requestor", "name": "Example Infusion Clinic"}},
        {"fullUrl": f"{BASE}/Coverage/example", "resource": {
            "resourceType": "Coverage", "id": "example", "status": "active",
            "beneficiary": {"reference": f"{BASE}/Patient/example"},
            "payor": [{"reference": f"{BASE}/Organization/insurer"}]}},
    ]
    if not contained:
        entries.append({"fullUrl": f"{BASE}/QuestionnaireResponse/answers", "resource": response})
    return built({"resourceType": "Bundle", "type": "collection", "timestamp": f"{on.isoformat()}T09:00:00Z",
                  "identifier": {"system": "urn:trnorg:example", "value": str(document.get("id", "request"))},
                  "entry": entries})


__all__ = ["answered_items", "pas_bundle", "questionnaire_response"]
