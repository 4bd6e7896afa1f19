"""PAS: a prior-authorization Bundle is read into the policy's request, assessed, and answered.

The fixtures (tests/fixtures/fhir/pas-*.json) are written after the PAS
guide's published examples, with synthetic patients. Every decision served
is compared with `policy.assess` on the request the Bundle states, written
out here by hand.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fhirclient.models import bundle as fhir_bundle

import policy
from fhir_calls import extensions, review_action
from policy.determination import Determination
from policy.fhir.routes import fhir_router

from fastapi.testclient import TestClient

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fhir"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FHIR_JSON = {"content-type": "application/fhir+json"}
CLAIM = "Bundle.entry[0].resource"
CIDP_ANSWERS = "Bundle.entry[5].resource"
# The request the CIDP fixture states: the CIDP source case, with the Claim's identifier and date of service.
CIDP_REQUEST = {
    **json.loads((EXAMPLES / "ivig-cidp" / "source-case.json").read_text()),
    "id": "PA-CIDP-FHIR-0001",
    "date_of_service": "2026-03-02",
}

decisions: list[tuple[Mapping[str, Any], Determination, float]] = []


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(fhir_router(on_decision=lambda document, made, seconds: decisions.append(
        (document, made, seconds))))
    return TestClient(app)


def _fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded


def _cidp(change: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    bundle = _fixture("pas-request-ivig-cidp.json")
    if change is not None:
        change(bundle)
    return bundle


def _claim(bundle: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = bundle["entry"][0]["resource"]
    return found


def _answers(bundle: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = bundle["entry"][5]["resource"]
    return found


def _item(response: dict[str, Any], link: str) -> dict[str, Any]:
    stack = list(response["item"])
    while stack:
        item = stack.pop()
        if item["linkId"] == link:
            found: dict[str, Any] = item
            return found
        stack += item.get("item") or []
    raise KeyError(link)


def _submit(client: TestClient, bundle: Any) -> tuple[int, dict[str, Any]]:
    response = client.post("/fhir/Claim/$submit", content=json.dumps(bundle).encode(), headers=FHIR_JSON)
    assert response.headers["content-type"].startswith("application/fhir+json")
    return response.status_code, response.json()


def _issues(outcome: dict[str, Any]) -> dict[str, str]:
    assert outcome["resourceType"] == "OperationOutcome"
    return {issue["expression"][0]: issue["diagnostics"] for issue in outcome["issue"]}


# -- decisions ------------------------------------------------------------------------------------


def test_a_complete_request_is_approved_with_a_pas_response_bundle(client: TestClient) -> None:
    """The CIDP fixture is approved (A1) in a valid PAS response Bundle whose ClaimResponse comes first."""
    decisions.clear()
    status, body = _submit(client, _cidp())
    assert status == 200
    fhir_bundle.Bundle(body, strict=True)
    claim_response = body["entry"][0]["resource"]
    assert claim_response["resourceType"] == "ClaimResponse"
    assert claim_response["outcome"] == "complete"
    assert claim_response["use"] == "preauthorization"
    assert review_action(claim_response) == "A1"
    expected = policy.assess(CIDP_REQUEST)
    assert expected.decision == "approve"
    (stated,) = extensions(claim_response, "policy")
    assert stated == {"id": [expected.policy.id], "version": [expected.policy.version],
                      "effective": [expected.policy.effective], "digest": [expected.policy.digest]}
    assert claim_response["preAuthRef"].startswith("PA-")
    referenced = {entry["fullUrl"] for entry in body["entry"][1:]}
    assert claim_response["patient"]["reference"] in referenced
    assert claim_response["insurer"]["reference"] in referenced


def test_the_request_read_from_the_bundle_is_the_one_it_states(client: TestClient) -> None:
    """The document assessed (handed to on_decision) is the source case with the Claim's id and date."""
    decisions.clear()
    _submit(client, _cidp())
    ((document, made, seconds),) = decisions
    assert dict(document) == CIDP_REQUEST
    assert made.to_dict() == policy.assess(CIDP_REQUEST).to_dict()
    assert seconds >= 0


def test_a_contained_response_to_the_myositis_questionnaire_pends_with_the_missing_data(client: TestClient) -> None:
    """A QuestionnaireResponse contained in the Claim names its policy; the pend (A4) lists what is missing."""
    status, body = _submit(client, _fixture("pas-request-ivig-myositis-contained.json"))
    assert status == 200
    claim_response = body["entry"][0]["resource"]
    assert review_action(claim_response) == "A4"
    expected = policy.assess({
        "policy": "ivig-myositis", "id": "PA-MYO-FHIR-0001", "type": "continuation", "date_of_service": "2026-04-13",
        "patient": {"sex": "female", "age_years": 46, "height_in": 64, "weight_lb": 150},
        "diagnoses": ["M33.12"], "iga": "normal", "concurrent_therapies": ["corticosteroid", "methotrexate"],
        "regimen": {"dose_g_per_kg": 2, "days": [2, 5], "interval_days": 28, "courses": 6},
        "response": {"weeks_on_therapy": 24},
    })
    assert expected.decision == "pend"
    reasons = extensions(claim_response["item"][0], "reason")
    assert reasons == [{"statement": [r.statement], "text": [r.text], **({"missing": list(r.missing)} if r.missing
                                                                          else {})} for r in expected.reasons]
    assert any(r.get("missing") for r in reasons)
    notes = [note["text"] for note in claim_response["processNote"]]
    assert all(any(note.startswith(f"{r.statement}: {r.text}") for note in notes) for r in expected.reasons)
    assert "preAuthRef" not in claim_response


def _answer(bundle: dict[str, Any], link: str, answers: list[dict[str, Any]]) -> None:
    _item(_answers(bundle), link)["answer"] = answers


def test_a_dose_above_the_maximum_is_modified_with_what_is_authorized(client: TestClient) -> None:
    """A loading dose of 2.4 g/kg is modified (A6): the authorized fields and the change are stated."""
    bundle = _cidp(lambda b: _answer(b, "regimen.loading.dose_g_per_kg", [{"valueDecimal": 2.4}]))
    status, body = _submit(client, bundle)
    assert status == 200
    item = body["entry"][0]["resource"]["item"][0]
    assert review_action(body["entry"][0]["resource"]) == "A6"
    expected = policy.assess({**CIDP_REQUEST, "regimen": {**CIDP_REQUEST["regimen"], "loading": {
        "dose_g_per_kg": 2.4, "days": [2, 5]}}})
    assert expected.decision == "modify"
    (change,) = expected.changes
    assert extensions(item, "change") == [{"statement": [change.statement], "path": [f"regimen.{change.field}"],
                                            "requested": [change.requested], "authorized": [change.authorized]}]
    authorized = {part["path"][0]: part.get("value", []) for part in extensions(item, "authorized")}
    assert authorized["regimen.loading.dose_g_per_kg"] == [2.0]
    assert authorized["regimen.days"] == [1, 2]


def test_an_excluded_diagnosis_is_denied(client: TestClient) -> None:
    """A Claim whose diagnosis is outside the policy's scope is denied (A3) with the statement's reason."""
    def to_guillain_barre(bundle: dict[str, Any]) -> None:
        _claim(bundle)["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"] = "G61.0"

    status, body = _submit(client, _cidp(to_guillain_barre))
    assert status == 200
    expected = policy.assess({**CIDP_REQUEST, "diagnoses": ["G61.0"]})
    assert expected.decision == "deny"
    claim_response = body["entry"][0]["resource"]
    assert review_action(claim_response) == "A3"
    assert [r["statement"] for r in extensions(claim_response["item"][0], "reason")] == [
        [r.statement] for r in expected.reasons]


# -- refusals -------------------------------------------------------------------------------------


def test_a_body_that_is_not_json_is_a_400_operation_outcome(client: TestClient) -> None:
    """Bytes that are not JSON are refused with 400 and no determination."""
    response = client.post("/fhir/Claim/$submit", content=b"\xff\xfe{not json", headers=FHIR_JSON)
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


def test_invalid_fhir_is_a_400_listing_every_problem_at_its_fhirpath(client: TestClient) -> None:
    """A Claim without its status and a Patient with a numeric gender are both listed, each at its FHIRPath."""
    def break_two_entries(bundle: dict[str, Any]) -> None:
        del _claim(bundle)["status"]
        bundle["entry"][4]["resource"]["gender"] = 5
        bundle["entry"][3]["resource"]["unknownElement"] = True
        _claim(bundle)["item"][0]["servicedDate"] = "2026-02-30"

    status, body = _submit(client, _cidp(break_two_entries))
    assert status == 400
    issues = _issues(body)
    assert f"{CLAIM}.status" in issues
    assert "Bundle.entry[4].resource.gender" in issues
    assert "Bundle.entry[3].resource.unknownElement" in issues
    assert f"{CLAIM}.item[0].servicedDate" in issues


@pytest.mark.parametrize(("change", "expression"), [
    (lambda b: b["entry"].reverse(), "Bundle.entry[0].resource"),
    (lambda b: _claim(b).update(use="claim"), f"{CLAIM}.use"),
    (lambda b: _claim(b).update(patient={"reference": "Patient/absent"}), f"{CLAIM}.patient"),
    (lambda b: _claim(b).pop("supportingInfo"), f"{CLAIM}.supportingInfo"),
    (lambda b: _answers(b).update(questionnaire="urn:policy-library:questionnaire:no-such-policy"),
     f"{CIDP_ANSWERS}.questionnaire"),
    (lambda b: _answers(b).update(questionnaire="urn:policy-library:questionnaire:ivig-cidp|0.9.0"),
     f"{CIDP_ANSWERS}.questionnaire"),
    (lambda b: _answers(b).update(status="entered-in-error"), f"{CIDP_ANSWERS}.status"),
    (lambda b: _answers(b)["item"].append({"linkId": "no.such.field", "answer": [{"valueBoolean": True}]}),
     f"{CIDP_ANSWERS}.item[6].linkId"),
    (lambda b: _answer(b, "regimen.interval_days", [{"valueString": "21"}]),
     f"{CIDP_ANSWERS}.item[5].item[3].answer[0]"),
    (lambda b: _answer(b, "regimen.courses", [{"valueInteger": 4}, {"valueInteger": 5}]),
     f"{CIDP_ANSWERS}.item[5].item[4].answer"),
    (lambda b: _answer(b, "iga", [{"valueCoding": {"system": "http://example.org/other", "code": "normal"}}]),
     f"{CIDP_ANSWERS}.item[4].answer[0].valueCoding.system"),
    (lambda b: _claim(b)["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0].update(
        system="http://snomed.info/sct"), f"{CLAIM}.diagnosis[0].diagnosisCodeableConcept"),
    (lambda b: b["entry"][4]["resource"].update(birthDate="1965"), "Bundle.entry[4].resource.birthDate"),
    (lambda b: _answers(b).update(subject={"reference": "Patient/someone-else"}), f"{CIDP_ANSWERS}.subject"),
])
def test_a_valid_bundle_that_is_no_usable_request_is_a_422_at_the_element(
        client: TestClient, change: Callable[[dict[str, Any]], None], expression: str) -> None:
    """Valid FHIR that does not make a request is refused with 422, the problem at its FHIRPath."""
    decisions.clear()
    status, body = _submit(client, _cidp(change))
    assert status == 422, body
    assert expression in _issues(body)
    assert decisions == []


@pytest.mark.parametrize(("change", "expression", "words"), [
    (lambda b: _answer(b, "regimen.interval_days", [{"valueInteger": 400}]),
     f"{CIDP_ANSWERS}.item[5].item[3]", "regimen.interval_days: expected"),
    (lambda b: _answer(b, "regimen.loading.days", [{"valueInteger": 5}, {"valueInteger": 2}]),
     f"{CIDP_ANSWERS}.item[5].item[0].item[1]", "min at most max"),
    (lambda b: _claim(b)["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0].update(code="G61.8"),
     f"{CLAIM}.diagnosis[0].diagnosisCodeableConcept.coding[0].code", "not a billable code"),
    (lambda b: _claim(b).pop("diagnosis"), f"{CLAIM}.diagnosis", "diagnoses: is required"),
    (lambda b: _answers(b)["item"].pop(0), CIDP_ANSWERS, "type: is required"),
    (lambda b: _item(_answers(b), "patient")["item"].append(
        {"linkId": "patient.height_in", "answer": [{"valueDecimal": 70}]}),
     f"{CIDP_ANSWERS}.item[1].item[2]", "not both"),
])
def test_request_problems_are_reported_where_their_values_came_from(
        client: TestClient, change: Callable[[dict[str, Any]], None], expression: str, words: str) -> None:
    """Each problem of the request document is an issue at the answer or Claim element that stated it."""
    status, body = _submit(client, _cidp(change))
    assert status == 422, body
    issues = _issues(body)
    assert expression in issues, issues
    assert words in issues[expression]


def test_an_answer_disagreeing_with_the_patient_is_refused(client: TestClient) -> None:
    """An answered age that the Patient's birth date contradicts is a 422, not a choice between them."""
    bundle = _cidp(lambda b: _item(_answers(b), "patient")["item"].append(
        {"linkId": "patient.age_years", "answer": [{"valueDecimal": 40}]}))
    status, body = _submit(client, bundle)
    assert status == 422
    (message,) = _issues(body).values()
    assert "Bundle.entry[4].resource.birthDate" in message


def test_an_answer_agreeing_with_the_patient_is_accepted(client: TestClient) -> None:
    """An answered age of 61.5 agrees with a birth date giving 61 whole years; the answer is kept."""
    decisions.clear()
    bundle = _cidp(lambda b: _item(_answers(b), "patient")["item"].append(
        {"linkId": "patient.age_years", "answer": [{"valueDecimal": 61.5}]}))
    status, _ = _submit(client, bundle)
    assert status == 200
    ((document, _, _),) = decisions
    assert document["patient"]["age_years"] == 61.5


def test_two_answered_questionnaires_are_refused_rather_than_chosen_between(client: TestClient) -> None:
    """A Claim referencing responses to two policies' questionnaires is a 422: no policy is guessed."""
    def second_response(bundle: dict[str, Any]) -> None:
        other = copy.deepcopy(_answers(bundle))
        other.update(id="Other", questionnaire="urn:policy-library:questionnaire:ivig-myositis")
        bundle["entry"].append({"fullUrl": "http://example.org/fhir/QuestionnaireResponse/Other", "resource": other})
        _claim(bundle)["supportingInfo"].append({"sequence": 2, "category": {"text": "additional"},
                                                 "valueReference": {"reference": "QuestionnaireResponse/Other"}})

    status, body = _submit(client, _cidp(second_response))
    assert status == 422
    assert len(body["issue"]) == 2


def test_a_body_over_the_limit_is_a_413(client: TestClient) -> None:
    """A body larger than the limit is refused with 413 before it is parsed."""
    response = client.post("/fhir/Claim/$submit", content=b" " * (1024 * 1024 + 1), headers=FHIR_JSON)
    assert response.status_code == 413
    assert response.json()["issue"][0]["code"] == "too-costly"


def test_a_body_that_is_not_json_by_its_content_type_is_a_415(client: TestClient) -> None:
    """Only application/fhir+json and application/json bodies are read."""
    response = client.post("/fhir/Claim/$submit", content=json.dumps(_cidp()).encode(),
                           headers={"content-type": "application/xml"})
    assert response.status_code == 415
    accepted = client.post("/fhir/Claim/$submit", content=json.dumps(_cidp()).encode(),
                           headers={"content-type": "application/json; charset=utf-8"})
    assert accepted.status_code == 200


def test_deep_nesting_and_lone_surrogates_are_400s(client: TestClient) -> None:
    """Nesting beyond the bound and a lone surrogate are refused as unreadable, never a server error."""
    deep = '{"resourceType": "Bundle", "x": ' + "[" * 5000 + "]" * 5000 + "}"
    assert client.post("/fhir/Claim/$submit", content=deep.encode(), headers=FHIR_JSON).status_code == 400
    surrogate = json.dumps(_cidp()).replace("PA-CIDP-FHIR-0001", "PA-\\ud800")
    assert client.post("/fhir/Claim/$submit", content=surrogate.encode(), headers=FHIR_JSON).status_code == 400


def test_a_parameters_body_carrying_the_bundle_is_read_as_the_bundle(client: TestClient) -> None:
    """`$submit` called with Parameters(resource = Bundle) is answered as the Bundle itself is."""
    wrapped = {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": _cidp()}]}
    status, body = _submit(client, wrapped)
    assert status == 200
    assert review_action(body["entry"][0]["resource"]) == "A1"
    status, body = _submit(client, {"resourceType": "Parameters", "parameter": [{"name": "other"}]})
    assert status == 400
    assert "Parameters.parameter" in _issues(body)


def test_a_null_in_the_bundle_is_refused_not_read_as_absent(client: TestClient) -> None:
    """FHIR JSON has no nulls: an answer of null is a 400, never an unstated field that could pend or approve."""
    status, body = _submit(client, _cidp(lambda b: _answer(b, "iga", [{"valueCoding": None}])))
    assert status == 400
    assert f"{CIDP_ANSWERS}.item[4].answer[0].valueCoding" in _issues(body)
