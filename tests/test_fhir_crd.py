"""CRD: CDS Hooks order-select and order-sign services, authenticated with the EHR's signed JWT.

The hook requests (tests/fixtures/fhir/crd-*.json) are written after the CRD
guide's published CDS Hooks examples, with synthetic patients. Keys are made
here for each run; none is stored.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from fhirclient.models import medicationrequest

import policy
from policy.binding import bound
from policy.fhir.coverage_information import invariant_violations
from policy.fhir.routes import cds_router

from fastapi.testclient import TestClient

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fhir"
COVERAGE_INFORMATION = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"
SIGN = "/cds-services/order-sign-crd"
SELECT = "/cds-services/order-select-crd"
ISSUER = "https://ehr.example.org"


@pytest.fixture(scope="module")
def open_client() -> TestClient:
    """Hooks with JWT checking off (insecure mode), to test what the services answer."""
    app = FastAPI()
    app.include_router(cds_router(jwks=None))
    return TestClient(app)


def _hook(name: str, change: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    hook: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    if change is not None:
        change(hook)
    return hook


def _order(hook: dict[str, Any], index: int = 0) -> dict[str, Any]:
    found: dict[str, Any] = hook["context"]["draftOrders"]["entry"][index]["resource"]
    return found


def _with_reasons(*codes: str) -> Callable[[dict[str, Any]], None]:
    def change(hook: dict[str, Any]) -> None:
        _order(hook)["reasonCode"] = [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}]}
                                      for code in codes]
    return change


def _coverage_information(action: dict[str, Any]) -> dict[str, list[Any]]:
    (extension,) = [e for e in action["resource"]["extension"] if e["url"] == COVERAGE_INFORMATION]
    assert invariant_violations(extension) == []
    parts: dict[str, list[Any]] = {}
    for part in extension["extension"]:
        parts.setdefault(part["url"], []).extend(v for k, v in part.items() if k.startswith("value"))
    return parts


def _canonical(policy_id: str) -> str:
    return f"urn:policy-library:questionnaire:{policy_id}|{bound(policy_id).source.version}"


def test_discovery_lists_the_order_select_and_order_sign_services(open_client: TestClient) -> None:
    """GET /cds-services lists both services, each asking for the patient and coverage prefetch."""
    services = open_client.get("/cds-services").json()["services"]
    assert {(s["id"], s["hook"]) for s in services} == {("order-select-crd", "order-select"),
                                                        ("order-sign-crd", "order-sign")}
    assert all("coverage" in s["prefetch"] and s["description"] for s in services)


def test_order_sign_adds_coverage_information_naming_the_policy_questionnaire(open_client: TestClient) -> None:
    """A draft IVIG order for G61.81 is updated with coverage information: PA needed, the CIDP questionnaire."""
    hook = _hook("crd-order-sign-ivig.json")
    response = open_client.post(SIGN, json=hook)
    assert response.status_code == 200
    body = response.json()
    assert body["cards"] == []
    (action,) = body["systemActions"]
    assert action["type"] == "update"
    medicationrequest.MedicationRequest(action["resource"], strict=True)
    assert {k: v for k, v in action["resource"].items() if k != "extension"} == {
        k: v for k, v in _order(hook).items() if k != "extension"}
    parts = _coverage_information(action)
    assert parts["coverage"] == [{"reference": "Coverage/SyntheticCoverage"}]
    assert parts["covered"] == ["covered"]
    assert parts["pa-needed"] == ["auth-needed"]
    assert parts["doc-needed"] == ["clinical"]
    assert parts["questionnaire"] == [_canonical("ivig-cidp")]
    assert len(parts["date"]) == 1 and len(parts["coverage-assertion-id"]) == 1


def test_order_select_answers_for_the_selected_order_only(open_client: TestClient) -> None:
    """On order-select only the selected order is assessed; its M33.12 reason names the myositis policy."""
    body = open_client.post(SELECT, json=_hook("crd-order-select-ivig.json")).json()
    (action,) = body["systemActions"]
    assert action["resource"]["id"] == "ivig-order-2"
    assert _coverage_information(action)["questionnaire"] == [_canonical("ivig-myositis")]


def test_reason_codes_under_several_policies_say_so(open_client: TestClient) -> None:
    """Codes in two policies' code groups give a conditional assertion naming both questionnaires."""
    body = open_client.post(SIGN, json=_hook("crd-order-sign-ivig.json", _with_reasons("G61.81", "M33.12"))).json()
    parts = _coverage_information(body["systemActions"][0])
    assert parts["covered"] == ["conditional"]
    assert sorted(parts["questionnaire"]) == sorted(_canonical(p) for p in policy.policy_ids())
    assert parts["info-needed"] == ["OTH"]
    (reason,) = parts["reason"]
    assert "several policies" in reason["text"] and "G61.81" in reason["text"] and "M33.12" in reason["text"]


def test_reason_codes_under_no_policy_are_not_covered_by_this_library(open_client: TestClient) -> None:
    """A reason code no policy's code groups contain is not covered by this library, with no PA assertion."""
    body = open_client.post(SIGN, json=_hook("crd-order-sign-ivig.json", _with_reasons("E11.9"))).json()
    parts = _coverage_information(body["systemActions"][0])
    assert parts["covered"] == ["not-covered"]
    assert "pa-needed" not in parts and "questionnaire" not in parts
    assert "E11.9" in parts["reason"][0]["text"]


def test_an_order_without_an_icd10_reason_is_conditional_on_the_diagnosis(open_client: TestClient) -> None:
    """With no ICD-10-CM reason code, the assertion is conditional on the diagnosis (never a guessed policy)."""
    def snomed_only(hook: dict[str, Any]) -> None:
        _order(hook)["reasonCode"] = [{"coding": [{"system": "http://snomed.info/sct", "code": "128209004"}]}]

    parts = _coverage_information(open_client.post(SIGN, json=_hook("crd-order-sign-ivig.json", snomed_only))
                                  .json()["systemActions"][0])
    assert parts["covered"] == ["conditional"] and parts["info-needed"] == ["OTH"]
    assert "questionnaire" not in parts


def test_without_coverage_a_card_tells_the_clinician_prior_authorization_is_needed(open_client: TestClient) -> None:
    """No Coverage in the prefetch: no coverage information can be recorded, so one card says PA is needed."""
    body = open_client.post(SIGN, json=_hook("crd-order-sign-ivig.json", lambda h: h["prefetch"].pop("coverage"))
                            ).json()
    assert body["systemActions"] == []
    (card,) = body["cards"]
    assert len(card["summary"]) <= 140 and card["indicator"] == "info"
    assert _canonical("ivig-cidp") in card["detail"]
    unmatched = _hook("crd-order-sign-ivig.json", _with_reasons("E11.9"))
    unmatched["prefetch"].pop("coverage")
    assert open_client.post(SIGN, json=unmatched).json() == {"cards": [], "systemActions": []}


def test_a_repeated_call_replaces_its_own_earlier_assertion(open_client: TestClient) -> None:
    """An order already carrying coverage information for the same coverage gets it replaced, not doubled."""
    first = open_client.post(SIGN, json=_hook("crd-order-sign-ivig.json")).json()["systemActions"][0]["resource"]
    again = _hook("crd-order-sign-ivig.json")
    again["context"]["draftOrders"]["entry"][0]["resource"] = first
    (action,) = open_client.post(SIGN, json=again).json()["systemActions"]
    assert [e["url"] for e in action["resource"]["extension"]] == [COVERAGE_INFORMATION]


@pytest.mark.parametrize(("service", "change", "status"), [
    ("/cds-services/no-such-service", None, 404),
    (SIGN, lambda h: h.update(hook="order-select"), 400),
    (SIGN, lambda h: h.pop("hookInstance"), 400),
    (SIGN, lambda h: h["context"].pop("draftOrders"), 400),
    (SIGN, lambda h: _order(h).pop("subject"), 400),
    (SELECT, lambda h: h["context"].pop("selections"), 400),
    (SIGN, lambda h: h["prefetch"]["coverage"]["entry"][0]["resource"].update(status=7), 400),
])
def test_a_hook_call_that_cannot_be_read_is_refused(open_client: TestClient, service: str,
                                                    change: Callable[[dict[str, Any]], None] | None,
                                                    status: int) -> None:
    """A call to no service, for another hook, or with invalid FHIR is refused, never answered."""
    name = "crd-order-select-ivig.json" if service == SELECT else "crd-order-sign-ivig.json"
    response = open_client.post(service, json=_hook(name, change))
    assert response.status_code == status
    assert "systemActions" not in response.json()


@pytest.mark.parametrize(("parts", "broken"), [
    ([("covered", "covered"), ("questionnaire", "urn:x")], "crd-ci-q1"),
    ([("covered", "not-covered"), ("pa-needed", "auth-needed")], "crd-ci-q2"),
    ([("covered", "conditional")], "crd-ci-q3"),
    ([("covered", "covered"), ("pa-needed", "satisfied"), ("satisfied-pa-id", "X"), ("doc-purpose", "withpa"),
      ("reason", {"text": "t"})], "crd-ci-q4"),
    ([("covered", "covered"), ("pa-needed", "satisfied")], "crd-ci-q5"),
    ([("covered", "conditional"), ("info-needed", "OTH")], "crd-ci-q6"),
    ([("covered", "covered"), ("reason", {"coding": [{"system": "urn:x", "code": "other"}]})], "crd-ci-q7"),
    ([("covered", "covered"), ("doc-needed", "clinical"), ("doc-purpose", "withpa")], "crd-ci-q8"),
    ([("covered", "indeterminate")], "crd-ci-q9"),
])
def test_the_invariant_check_finds_each_broken_invariant(parts: list[tuple[str, Any]], broken: str) -> None:
    """Each of the guide's invariants crd-ci-q1..q9 is caught when an extension breaks it."""
    extension = {"url": COVERAGE_INFORMATION, "extension": [
        {"url": "coverage", "valueReference": {"reference": "Coverage/1"}},
        {"url": "date", "valueDate": "2026-01-01"},
        {"url": "coverage-assertion-id", "valueString": "1"},
        *({"url": url, ("valueCodeableConcept" if isinstance(value, dict) else "valueCode"): value}
          for url, value in parts),
    ]}
    assert broken in invariant_violations(extension)


# -- authentication ---------------------------------------------------------------------------------


class Ehr:
    """A synthetic EHR: its signing key and the JWKS it publishes."""

    def __init__(self, kid: str = "ehr-key-1") -> None:
        self.kid = kid
        self.key = ec.generate_private_key(ec.SECP384R1())
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key()))
        self.jwks = {"keys": [{**public, "kid": kid, "use": "sig", "alg": "ES384"}]}

    def token(self, audience: str = f"http://testserver{SIGN}", **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": ISSUER, "sub": "ehr-client", "aud": audience, "iat": now, "exp": now + 120,
                   "jti": str(uuid.uuid4()), **claims}
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(payload, self.key, algorithm="ES384", headers={"kid": self.kid})


@pytest.fixture(scope="module")
def ehr() -> Ehr:
    return Ehr()


@pytest.fixture(scope="module")
def guarded(ehr: Ehr) -> TestClient:
    app = FastAPI()
    app.include_router(cds_router(jwks={ISSUER: ehr.jwks}))
    return TestClient(app)


def _call(client: TestClient, token: str | None, path: str = SIGN) -> int:
    headers = {"authorization": f"Bearer {token}"} if token is not None else {}
    return int(client.post(path, json=_hook("crd-order-sign-ivig.json"), headers=headers).status_code)


def test_a_call_signed_by_the_trusted_ehr_is_answered(guarded: TestClient, ehr: Ehr) -> None:
    """A JWT signed with the configured key, for this service's URL, is accepted."""
    assert _call(guarded, ehr.token()) == 200


def test_discovery_needs_no_token(guarded: TestClient) -> None:
    """The discovery endpoint is open, as CDS Hooks clients call it before they are registered."""
    assert guarded.get("/cds-services").status_code == 200


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims() -> str:
    now = int(time.time())
    return _b64(json.dumps({"iss": ISSUER, "sub": "x", "aud": f"http://testserver{SIGN}", "iat": now,
                            "exp": now + 60, "jti": str(uuid.uuid4())}).encode())


def _none_token() -> str:
    """An unsigned token (alg none), built by hand."""
    return f"{_b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{_claims()}."


def _hs256_with_public_key(ehr: Ehr) -> str:
    """The classic forgery: an HMAC token keyed with the (public) JWK text, built by hand (PyJWT refuses to)."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": ehr.kid}).encode())
    payload = _claims()
    secret = json.dumps(ehr.jwks["keys"][0]).encode()
    signature = _b64(hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


@pytest.mark.parametrize("make", [
    lambda ehr: None,
    lambda ehr: "not-a-jwt",
    lambda ehr: ehr.token(audience="http://testserver/cds-services/order-select-crd"),
    lambda ehr: ehr.token(exp=int(time.time()) - 120),
    lambda ehr: ehr.token(exp=int(time.time()) + 3600),
    lambda ehr: ehr.token(iat=int(time.time()) + 600, exp=int(time.time()) + 700),
    lambda ehr: ehr.token(jti=None),
    lambda ehr: ehr.token(sub=None),
    lambda ehr: ehr.token(iss="https://other-ehr.example.org"),
    lambda ehr: Ehr(kid=ehr.kid).token(),
    lambda ehr: _none_token(),
    lambda ehr: _hs256_with_public_key(ehr),
], ids=["missing", "not-a-jwt", "other-audience", "expired", "lives-an-hour", "issued-in-the-future",
        "no-jti", "no-sub", "other-issuer", "untrusted-key", "alg-none", "hs256-with-the-public-key"])
def test_a_call_without_a_valid_jwt_is_a_401(guarded: TestClient, ehr: Ehr, make: Callable[[Ehr], str | None]
                                             ) -> None:
    """Missing, forged, expired, misaddressed or unsigned tokens are refused with 401 and no answer."""
    headers = {} if make(ehr) is None else {"authorization": f"Bearer {make(ehr)}"}
    response = guarded.post(SIGN, json=_hook("crd-order-sign-ivig.json"), headers=headers)
    assert response.status_code == 401
    assert "systemActions" not in response.json()
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_token_is_accepted_once(guarded: TestClient, ehr: Ehr) -> None:
    """Replaying a token (same jti) is refused."""
    token = ehr.token()
    assert _call(guarded, token) == 200
    assert _call(guarded, token) == 401


def test_the_audience_is_the_configured_public_url(ehr: Ehr) -> None:
    """Behind a proxy the audience is the public URL the EHR called, not the one the server sees."""
    app = FastAPI()
    app.include_router(cds_router(jwks=ehr.jwks, public_base_url="https://payer.example.org/"))
    client = TestClient(app)
    assert _call(client, ehr.token(audience=f"https://payer.example.org{SIGN}")) == 200
    assert _call(client, ehr.token()) == 401


@pytest.mark.parametrize("jwks", [
    {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]},
    {"keys": "none"},
    {ISSUER: {"keys": "none"}},
    {ISSUER: {"keys": [{"kty": "EC", "crv": "P-384"}]}},
])
def test_unusable_key_configurations_are_refused_at_startup(jwks: dict[str, Any]) -> None:
    """A shared secret or a malformed key set stops the router from being built."""
    with pytest.raises(ValueError):
        cds_router(jwks=jwks)


@pytest.mark.parametrize("jwks", [{"keys": []}, {}])
def test_no_trusted_key_refuses_every_call(ehr: Ehr, jwks: dict[str, Any]) -> None:
    """With JWT checking on but no key configured, every hook call is a 401 (fail closed)."""
    app = FastAPI()
    app.include_router(cds_router(jwks=jwks))
    client = TestClient(app)
    assert _call(client, ehr.token()) == 401
    assert _call(client, None) == 401
    assert client.get("/cds-services").status_code == 200


def test_a_private_key_in_the_trusted_set_is_refused(ehr: Ehr) -> None:
    """Trusted keys are public: a JWKS holding a private key is a configuration mistake, refused."""
    private = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ehr.key))
    with pytest.raises(ValueError):
        cds_router(jwks={"keys": [copy.deepcopy(private)]})
