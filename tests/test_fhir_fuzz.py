"""Mutated PAS bundles and CDS Hooks calls, seeded and bounded: no server error, no decision from bad input.

Each mutation changes one place of a valid fixture (deletes it, replaces it
with a value of another kind, a huge, deep or non-ASCII one, duplicates or
renames it) or damages the bytes. Whatever comes back must be a FHIR answer
(never a 5xx): a PAS response only when the mutated Bundle still states a
valid request, with the decision `policy.assess` gives that request, and an
OperationOutcome with a FHIRPath for every issue otherwise.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

import policy
from policy.fhir.coverage_information import invariant_violations
from policy.fhir.operations import submit_claim
from policy.fhir.outcome import Unusable
from policy.fhir.pas import read_request
from policy.fhir.policies import INSTALLED
from policy.fhir.routes import cds_router, fhir_router

from fastapi.testclient import TestClient

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fhir"
SEED = 20260302
PURE_MUTATIONS = 200  # through the operation's function
HTTP_MUTATIONS = 40  # through the routes, bytes and all
REVIEW_ACTIONS = {"A1": "approve", "A6": "modify", "A4": "pend", "A3": "deny"}
COVERAGE_INFORMATION = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"


def _deep(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = [value]
    return value


REPLACEMENTS: list[Any] = [
    None, True, False, 0, -1, 2.5, 10**30, 1e308, "", " ", "x" * 5000, "ſ72.001A", "G61.8", "M60.80",
    "\u00e9\u4e2d\U0001f600", "2026-02-30", "urn:policy-library:questionnaire:ivig-cidp", [], {}, [1, 2, 3],
    {"resourceType": "Patient"}, {"valueInteger": 3}, _deep(60),
]


def _places(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _places(item, (*path, index))


def _mutated(rng: random.Random, original: Any) -> Any:
    document = copy.deepcopy(original)
    path = rng.choice([p for p in _places(document) if p])
    *above, last = path
    parent = document
    for step in above:
        parent = parent[step]
    operation = rng.choice(("delete", "replace", "replace", "duplicate", "rename"))
    if operation == "delete":
        del parent[last]
    elif operation == "replace":
        parent[last] = copy.deepcopy(rng.choice(REPLACEMENTS))
    elif operation == "duplicate" and isinstance(parent, list):
        parent.insert(last, copy.deepcopy(parent[last]))
    elif operation == "rename" and isinstance(parent, dict):
        parent[f"{last}_"] = parent.pop(last)
    else:
        parent[last] = copy.deepcopy(rng.choice(REPLACEMENTS))
    return document


def _damaged(rng: random.Random, body: bytes) -> bytes:
    choice = rng.randrange(3)
    if choice == 0:
        return body[: rng.randrange(len(body))]
    if choice == 1:
        position = rng.randrange(len(body))
        return body[:position] + bytes([rng.randrange(256)]) + body[position + 1:]
    return body + rng.choice([b"]", b"}", b"\x00", b"\xff"])


def _check_pas_answer(status: int, answer: dict[str, Any], sent: Any) -> None:
    assert status in (200, 400, 413, 422), (status, answer)
    if status != 200:
        assert answer["resourceType"] == "OperationOutcome"
        assert all(issue["expression"] and issue["diagnostics"] for issue in answer["issue"])
        return
    # A decision was served: the Bundle must state a valid request, and the decision must be assess's.
    request = read_request(sent, INSTALLED)
    expected = policy.assess(request.document, request.policy_id)
    claim_response = answer["entry"][0]["resource"]
    assert claim_response["resourceType"] == "ClaimResponse"
    review = claim_response["item"][0]["adjudication"][0]["extension"][0]["extension"][0]
    assert REVIEW_ACTIONS[review["valueCodeableConcept"]["coding"][0]["code"]] == expected.decision


def _decidable(sent: Any) -> bool:
    """Whether the Bundle states a request `policy.assess` decides (worked out apart from the operation)."""
    try:
        request = read_request(sent, INSTALLED)
        policy.assess(request.document, request.policy_id)
    except (Unusable, policy.InvalidRequest):
        return False
    return True


@pytest.mark.parametrize("fixture", ["pas-request-ivig-cidp.json", "pas-request-ivig-myositis-contained.json"])
def test_mutated_pas_bundles_never_fail_the_server_nor_decide_from_invalid_input(fixture: str) -> None:
    """Seeded mutations of a PAS fixture answer 200 only for valid requests, with assess's decision; else 4xx."""
    original = json.loads((FIXTURES / fixture).read_text())
    rng = random.Random(f"{SEED}:{fixture}")
    decided = refused = 0
    for _ in range(PURE_MUTATIONS):
        sent = _mutated(rng, original)
        status, answer = submit_claim(json.dumps(sent).encode())
        _check_pas_answer(status, answer, sent)
        assert (status == 200) == _decidable(sent)
        decided += status == 200
        refused += status != 200
    # The mutations reach both sides: some still decide, most are refused.
    assert decided > 0 and refused > PURE_MUTATIONS // 2


def test_mutated_calls_through_http_never_answer_with_a_server_error() -> None:
    """Mutated and damaged bodies sent to PAS and CRD over HTTP get 2xx or 4xx, never 5xx."""
    app = FastAPI()
    app.include_router(fhir_router())
    app.include_router(cds_router(jwks=None))
    client = TestClient(app, raise_server_exceptions=False)
    rng = random.Random(SEED)
    pas = json.loads((FIXTURES / "pas-request-ivig-cidp.json").read_text())
    hook = json.loads((FIXTURES / "crd-order-sign-ivig.json").read_text())
    for index in range(HTTP_MUTATIONS):
        sent_pas = _mutated(rng, pas)
        body = json.dumps(sent_pas).encode()
        if index % 4 == 0:
            body = _damaged(rng, body)
        response = client.post("/fhir/Claim/$submit", content=body, headers={"content-type": "application/fhir+json"})
        assert response.status_code < 500, response.text
        if index % 4 != 0:
            _check_pas_answer(response.status_code, response.json(), sent_pas)
        sent_hook = _mutated(rng, hook)
        reply = client.post("/cds-services/order-sign-crd", content=json.dumps(sent_hook).encode(),
                            headers={"content-type": "application/json"})
        assert reply.status_code in (200, 400), reply.text
        for action in reply.json().get("systemActions", []):
            for extension in action["resource"]["extension"]:
                if extension["url"] == COVERAGE_INFORMATION:
                    assert invariant_violations(extension) == []
