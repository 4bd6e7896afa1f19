"""CRD, DTR and PAS in a row give the decision `policy.assess` gives on the same request.

For each policy's source case: CRD (order-sign) names the Questionnaire for
the order's reason codes, the Questionnaire is fetched by that canonical
URL, answered generically from the request document by linkId, sent with a
PAS Claim, and the ClaimResponse's decision, reasons, changes and
authorization equal the determination of `policy.assess` on the document.
Every other bundled example of every policy makes the same trip through DTR
and PAS.
"""

from __future__ import annotations

import json
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fhir_calls import extensions, order_sign
from library_copy import copy_library

import policy
from policy.determination import Determination
from policy.fhir.compose import pas_bundle
from policy.fhir.policies import library_at
from policy.fhir.routes import cds_router, fhir_router
from policy.scaffold import create

from fastapi.testclient import TestClient

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
COVERAGE_INFORMATION = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"
REVIEW_ACTIONS = {"approve": "A1", "modify": "A6", "pend": "A4", "deny": "A3"}
ON = date(2026, 3, 2)


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(fhir_router())
    app.include_router(cds_router(jwks=None))
    return TestClient(app)


def _named_questionnaire(client: TestClient, document: dict[str, Any]) -> str:
    body = client.post("/cds-services/order-sign-crd", json=order_sign(document)).json()
    (action,) = body["systemActions"]
    (extension,) = [e for e in action["resource"]["extension"] if e["url"] == COVERAGE_INFORMATION]
    (canonical,) = [part["valueCanonical"] for part in extension["extension"] if part["url"] == "questionnaire"]
    return str(canonical)


def _as_list(value: Any) -> list[Any]:
    return [] if value is None else list(value) if isinstance(value, list | tuple) else [value]


def _flat(value: Any, prefix: str) -> dict[str, list[Any]]:
    if isinstance(value, dict):
        flat: dict[str, list[Any]] = {}
        for key, item in value.items():
            flat.update(_flat(item, f"{prefix}.{key}"))
        return flat
    return {prefix: _as_list(value)}


def _assert_same_decision(claim_response: dict[str, Any], expected: Determination, source: str | None) -> None:
    (adjudication,) = claim_response["item"][0]["adjudication"]
    (review,) = adjudication["extension"]
    code = next(p for p in review["extension"] if p["url"] == "code")["valueCodeableConcept"]["coding"][0]["code"]
    assert code == REVIEW_ACTIONS[expected.decision]
    item = claim_response["item"][0]
    assert extensions(item, "reason") == [
        {"statement": [r.statement], "text": [r.text], **({"missing": list(r.missing)} if r.missing else {})}
        for r in expected.reasons]
    prefix = f"{source}." if source else ""
    assert extensions(item, "change") == [
        {"statement": [c.statement], "path": [prefix + c.field],
         **({"requested": _as_list(c.requested)} if c.requested is not None else {}),
         **({"authorized": _as_list(c.authorized)} if c.authorized is not None else {})}
        for c in expected.changes]
    authorized = {p["path"][0]: p.get("value", []) for p in extensions(item, "authorized")}
    expected_authorized = _flat(expected.authorized, source or "") if expected.authorized is not None else {}
    assert authorized == {path.lstrip("."): values for path, values in expected_authorized.items()}
    (stated,) = extensions(claim_response, "policy")
    assert stated["digest"] == [expected.policy.digest] and stated["version"] == [expected.policy.version]


def _source_of(policy_id: str) -> str | None:
    authorization = policy.assessor(policy_id).code.authorization
    return authorization.source if authorization is not None else None


@pytest.mark.parametrize("policy_id", policy.policy_ids())
def test_crd_then_dtr_then_pas_decide_the_source_case_as_assess_does(client: TestClient, policy_id: str) -> None:
    """The source case goes CRD -> Questionnaire -> PAS, and PAS decides as `policy.assess` does."""
    document = json.loads((EXAMPLES / policy_id / "source-case.json").read_text())
    canonical = _named_questionnaire(client, document)
    found = client.get("/fhir/Questionnaire", params={"url": canonical}).json()
    assert found["total"] == 1
    form = found["entry"][0]["resource"]
    bundle = pas_bundle(document, policy_id, on=ON, form=form)
    response = client.post("/fhir/Claim/$submit", content=json.dumps(bundle).encode(),
                           headers={"content-type": "application/fhir+json"})
    assert response.status_code == 200, response.json()
    _assert_same_decision(response.json()["entry"][0]["resource"], policy.assess(document), _source_of(policy_id))


EVERY_EXAMPLE = sorted(path for path in EXAMPLES.glob("*/*.json") if path.name != "source-case.json")


@pytest.mark.parametrize("path", EVERY_EXAMPLE, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_every_example_decided_through_pas_is_decided_as_assess_does(client: TestClient, path: Path) -> None:
    """Each bundled example, answered in its policy's Questionnaire and sent as PAS, gets `assess`'s decision."""
    document = json.loads(path.read_text())
    policy_id = document["policy"]
    contained = zlib.crc32(path.name.encode()) % 2 == 0  # both ways of attaching the response, spread out
    bundle = pas_bundle(document, policy_id, on=ON, contained=contained)
    response = client.post("/fhir/Claim/$submit", content=json.dumps(bundle).encode(),
                           headers={"content-type": "application/fhir+json"})
    assert response.status_code == 200, response.json()
    _assert_same_decision(response.json()["entry"][0]["resource"], policy.assess(document), _source_of(policy_id))


def test_a_new_policy_folder_makes_the_round_trip_with_no_code_change(tmp_path: Path) -> None:
    """A policy written by `policy new` in a copied library gets CRD, DTR and PAS support as it stands."""
    root = copy_library(tmp_path)
    create("drug-condition", root)
    library = library_at(root)
    app = FastAPI()
    app.include_router(fhir_router(library=library))
    app.include_router(cds_router(jwks=None, library=library))
    client = TestClient(app)
    document = json.loads((tmp_path / "examples" / "drug-condition" / "source-case.json").read_text())
    canonical = _named_questionnaire(client, document)
    assert canonical.startswith("urn:policy-library:questionnaire:drug-condition|")
    form = client.get("/fhir/Questionnaire", params={"url": canonical}).json()["entry"][0]["resource"]
    bundle = pas_bundle(document, "drug-condition", on=ON, form=form, library=library)
    response = client.post("/fhir/Claim/$submit", content=json.dumps(bundle).encode(),
                           headers={"content-type": "application/fhir+json"})
    assert response.status_code == 200, response.json()
    expected = library.assess(document, "drug-condition")
    authorization = library.bound("drug-condition").code.authorization
    _assert_same_decision(response.json()["entry"][0]["resource"], expected,
                          authorization.source if authorization is not None else None)
