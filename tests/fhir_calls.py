"""What the Da Vinci tests send and read: a CDS Hooks order-sign call, a PAS answer's parts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ICD_10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
REVIEW_ACTION = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction"
X12_306 = "https://codesystem.x12.org/005010/306"
LIBRARY_EXTENSION = "urn:policy-library:extension:"


def order_sign(document: Mapping[str, Any], hook_instance: str = "round-trip") -> dict[str, Any]:
    """An order-sign call for a draft MedicationRequest whose reasons are the request's diagnoses."""
    order = {
        "resourceType": "MedicationRequest", "id": "draft-1", "status": "draft", "intent": "order",
        "medicationCodeableConcept": {"text": "Immune globulin (human), intravenous"},
        "subject": {"reference": "Patient/example"},
        "reasonCode": [{"coding": [{"system": ICD_10_CM, "code": code}]} for code in document["diagnoses"]],
    }
    coverage = {"resourceType": "Coverage", "id": "example", "status": "active",
                "beneficiary": {"reference": "Patient/example"}, "payor": [{"reference": "Organization/plan"}]}
    return {"hookInstance": hook_instance, "hook": "order-sign",
            "context": {"userId": "Practitioner/example", "patientId": "example",
                        "draftOrders": {"resourceType": "Bundle", "type": "collection",
                                        "entry": [{"resource": order}]}},
            "prefetch": {"coverage": {"resourceType": "Bundle", "type": "searchset",
                                      "entry": [{"resource": coverage}]}}}


def review_action(claim_response: Mapping[str, Any]) -> str:
    """The X12 306 review action code on a ClaimResponse's item (A1, A3, A4, A6)."""
    (adjudication,) = claim_response["item"][0]["adjudication"]
    (review,) = [e for e in adjudication["extension"] if e["url"] == REVIEW_ACTION]
    code = next(part for part in review["extension"] if part["url"] == "code")
    (coding,) = code["valueCodeableConcept"]["coding"]
    assert coding["system"] == X12_306
    return str(coding["code"])


def extensions(resource: Mapping[str, Any], name: str) -> list[dict[str, list[Any]]]:
    """This library's extension `name` on a resource, each as {sub-extension url: [values]}."""
    found = []
    for extension in resource.get("extension") or []:
        if extension["url"] == LIBRARY_EXTENSION + name:
            parts: dict[str, list[Any]] = {}
            for part in extension["extension"]:
                parts.setdefault(part["url"], []).extend(v for k, v in part.items() if k.startswith("value"))
            found.append(parts)
    return found
