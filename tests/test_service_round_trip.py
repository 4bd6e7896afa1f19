"""The whole service, as an EHR and a payer system use it: CRD, then DTR, then PAS, with real credentials.

The app is the one `policy serve` runs (bearer tokens, the EHR's signed JWT
checked against a JWKS file, the decision log), with the Da Vinci routes of
the package mounted. For each policy's source case: order-sign names the
Questionnaire, the Questionnaire is fetched and answered, the PAS Claim is
submitted, and the review action is the one `policy.assess` decides on the
same document; the decision log holds that decision under the response's
request id. Without the JWT or the token nothing is decided.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from typer.testing import CliRunner

import policy
from fhir_calls import order_sign, review_action
from policy.cli import app as cli
from policy.fhir.compose import pas_bundle
from policy.server.app import create_app
from policy.server.settings import Settings

from fastapi.testclient import TestClient

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TOKEN = "round-trip-token-" + "Q1w2E3r4T5y6U7i8"
ISSUER = "https://ehr.example.org"
KEY_ID = "ehr-key-1"
SERVICE = "order-sign-crd"
COVERAGE_INFORMATION = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"
# X12 306 review actions the PAS guide uses (issue 9): approved, modified, pended, denied.
REVIEW_ACTIONS = {"approve": "A1", "modify": "A6", "pend": "A4", "deny": "A3"}
ON = date(2026, 3, 2)
READY_SECONDS = 120.0  # a bound on waiting, not an assertion


@pytest.fixture(scope="module")
def ehr_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, ehr_key: rsa.RSAPrivateKey) -> Iterator[tuple[TestClient, Path]]:
    folder = tmp_path_factory.mktemp("round-trip")
    public = json.loads(RSAAlgorithm.to_jwk(ehr_key.public_key()))
    (folder / "jwks.json").write_text(json.dumps({"keys": [{**public, "kid": KEY_ID, "alg": "RS384", "use": "sig"}]}))
    (folder / "tokens").write_text(TOKEN + "\n")
    settings = Settings(tokens_file=folder / "tokens", cds_jwks=folder / "jwks.json",
                        decision_log=folder / "decisions.jsonl", access_log=False)
    app = create_app(settings, environment={})
    with TestClient(app, raise_server_exceptions=False) as client:
        assert app.state.readiness.wait(READY_SECONDS), app.state.readiness.states()
        yield client, folder / "decisions.jsonl"


def _signed(key: rsa.RSAPrivateKey, audience: str) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "ehr-client", "aud": audience, "iat": now, "exp": now + 60,
              "jti": str(uuid.uuid4())}
    return jwt.encode(claims, key, algorithm="RS384", headers={"kid": KEY_ID, "jku": ISSUER + "/jwks"})


@pytest.mark.parametrize("policy_id", policy.policy_ids())
def test_crd_dtr_and_pas_through_the_service_decide_as_assess_does(
    service: tuple[TestClient, Path], ehr_key: rsa.RSAPrivateKey, policy_id: str
) -> None:
    """With the EHR's JWT and the payer's token, the source case goes CRD -> DTR -> PAS and is decided as assess decides it."""
    client, log = service
    document = json.loads((EXAMPLES / policy_id / "source-case.json").read_text())
    hook = f"http://testserver/cds-services/{SERVICE}"
    answer = client.post(f"/cds-services/{SERVICE}", json=order_sign(document),
                         headers={"Authorization": f"Bearer {_signed(ehr_key, hook)}"})
    assert answer.status_code == 200, answer.text
    (action,) = answer.json()["systemActions"]
    (coverage,) = [e for e in action["resource"]["extension"] if e["url"] == COVERAGE_INFORMATION]
    (canonical,) = [p["valueCanonical"] for p in coverage["extension"] if p["url"] == "questionnaire"]

    bearer = {"Authorization": f"Bearer {TOKEN}"}
    found = client.get("/fhir/Questionnaire", params={"url": canonical}, headers=bearer)
    assert found.status_code == 200, found.text
    form = found.json()["entry"][0]["resource"]
    bundle = pas_bundle(document, policy_id, on=ON, form=form)
    submitted = client.post("/fhir/Claim/$submit", content=json.dumps(bundle).encode(),
                            headers={**bearer, "content-type": "application/fhir+json"})
    assert submitted.status_code == 200, submitted.text

    expected = policy.assess(document)
    assert review_action(submitted.json()["entry"][0]["resource"]) == REVIEW_ACTIONS[expected.decision]
    logged = [json.loads(line) for line in log.read_text().splitlines()]
    mine = [entry for entry in logged if entry["request_id"] == submitted.headers["x-request-id"]]
    assert [(entry["policy"]["id"], entry["decision"]) for entry in mine] == [(policy_id, expected.decision)]


def test_a_hook_call_without_the_ehr_jwt_is_refused(service: tuple[TestClient, Path]) -> None:
    """order-sign with the payer's bearer token instead of a signed JWT is 401, with no coverage information."""
    client, _ = service
    document = json.loads((EXAMPLES / policy.policy_ids()[0] / "source-case.json").read_text())
    answer = client.post(f"/cds-services/{SERVICE}", json=order_sign(document),
                         headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 401
    assert "systemActions" not in answer.text


def test_a_jwt_for_another_service_is_refused(service: tuple[TestClient, Path], ehr_key: rsa.RSAPrivateKey) -> None:
    """A JWT whose audience is another endpoint does not authorize this one."""
    client, _ = service
    document = json.loads((EXAMPLES / policy.policy_ids()[0] / "source-case.json").read_text())
    forged = _signed(ehr_key, "http://testserver/cds-services/another-service")
    answer = client.post(f"/cds-services/{SERVICE}", json=order_sign(document),
                         headers={"Authorization": f"Bearer {forged}"})
    assert answer.status_code == 401


def test_a_pas_submission_without_the_token_decides_nothing(service: tuple[TestClient, Path]) -> None:
    """Claim/$submit without the bearer token is 401 and leaves nothing in the decision log."""
    client, log = service
    policy_id = policy.policy_ids()[0]
    document = json.loads((EXAMPLES / policy_id / "source-case.json").read_text())
    before = log.read_text() if log.exists() else ""
    bundle = pas_bundle(document, policy_id, on=ON)
    answer = client.post("/fhir/Claim/$submit", content=json.dumps(bundle).encode(),
                         headers={"content-type": "application/fhir+json"})
    assert answer.status_code == 401
    assert (log.read_text() if log.exists() else "") == before


def test_behind_a_proxy_the_jwt_names_the_public_url(tmp_path: Path, ehr_key: rsa.RSAPrivateKey) -> None:
    """With --public-base-url, a JWT for <base>/cds-services/<id> is accepted and one for the internal URL is not."""
    public = json.loads(RSAAlgorithm.to_jwk(ehr_key.public_key()))
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [{**public, "kid": KEY_ID, "alg": "RS384"}]}))
    (tmp_path / "tokens").write_text(TOKEN + "\n")
    settings = Settings(tokens_file=tmp_path / "tokens", cds_jwks=tmp_path / "jwks.json",
                        decision_log=tmp_path / "decisions.jsonl", access_log=False,
                        public_base_url="https://payer.example/crd")
    assert Settings.from_environment(settings.to_environment()) == settings
    document = json.loads((EXAMPLES / policy.policy_ids()[0] / "source-case.json").read_text())
    with TestClient(create_app(settings, environment={}, warm=lambda _: None)) as client:
        for audience, status in ((f"https://payer.example/crd/cds-services/{SERVICE}", 200),
                                 (f"http://testserver/cds-services/{SERVICE}", 401)):
            answer = client.post(f"/cds-services/{SERVICE}", json=order_sign(document),
                                 headers={"Authorization": f"Bearer {_signed(ehr_key, audience)}"})
            assert answer.status_code == status, answer.text


def test_a_public_base_url_that_is_not_an_http_url_stops_the_server(tmp_path: Path) -> None:
    """`policy serve --public-base-url` with something other than an http(s) URL exits 2 with one line, no traceback."""
    result = CliRunner().invoke(cli, ["serve", "--insecure-no-auth", "--public-base-url", "javascript:alert(1)"])
    assert result.exit_code == 2
    assert "public-base-url" in result.stderr and "Traceback" not in result.stderr
