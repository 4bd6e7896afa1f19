"""The HTTP decision service in-process (FastAPI's TestClient): every endpoint, status, header and log line.

Nothing here names a policy or a field of one: the requests are the bundled
examples of every policy, and invalid ones are made from them generically.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import re
import threading
import types
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from starlette.responses import Response

import policy
from policy.batch.lines import assess_line
from policy.schema import request_schema
from policy.server import Settings, SettingsError, create_app
from policy.server.auth import MIN_TOKEN_CHARS
from policy.server.decision_log import DecisionLog

from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*/*.json"))
TOKEN = "service-token-" + "a1B2c3D4e5F6g7H8"
SECOND_TOKEN = "another-token-" + "Z9y8X7w6V5u4T3s2"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON_BODY = {"Content-Type": "application/json"}
NDJSON = {"Content-Type": "application/x-ndjson"}
READY_SECONDS = 120.0  # a bound on waiting, not an assertion: a slow machine only waits longer


def example(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def contract_bytes(determination: policy.Determination) -> bytes:
    """The determination's `to_dict()` as compact UTF-8 JSON: what the service must answer, byte for byte."""
    return json.dumps(determination.to_dict(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def canonical_sha256(document: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def started(app: FastAPI) -> TestClient:
    """A client of `app` with its start-up run (enter it with `with`)."""
    return TestClient(app, raise_server_exceptions=False)


def wait_ready(app: FastAPI) -> None:
    assert app.state.readiness.wait(READY_SECONDS), app.state.readiness.states()


def make_app(tmp_path: Path, *, environment: Mapping[str, str] | None = None, **settings: Any) -> FastAPI:
    options: dict[str, Any] = {"decision_log": tmp_path / "decisions.jsonl", "access_log": False, **settings}
    return create_app(Settings(**options), environment={"POLICY_API_TOKENS": TOKEN} if environment is None
                      else environment, fhir_routes=lambda: None)


def log_lines(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="ascii") if path.exists() else ""
    assert text == "" or text.endswith("\n"), "every decision line is whole"
    return [json.loads(line) for line in text.splitlines()]


class Service:
    """A started app, its client and its decision log."""

    def __init__(self, app: FastAPI, client: TestClient, log: Path) -> None:
        self.app, self.client, self.log = app, client, log

    def new_log_lines(self, since: int) -> list[dict[str, Any]]:
        return log_lines(self.log)[since:]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("service")
    (folder / "tokens").write_text(f"# the service's tokens\n{SECOND_TOKEN}\n\n")
    app = make_app(folder, tokens_file=folder / "tokens")
    with started(app) as client:
        wait_ready(app)
        yield Service(app, client, folder / "decisions.jsonl")


# Every error body any test saw: none may show a traceback or a server path.
ERROR_BODIES: list[bytes] = []


def error_of(response: Any, status: int) -> list[dict[str, Any]]:
    """The errors of an error answer with `status`, checked for the one error shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    ERROR_BODIES.append(response.content)
    body = response.json()
    assert set(body) == {"errors"} and body["errors"], body
    for error in body["errors"]:
        assert {"path", "message"} <= set(error) and "determination" not in error
    errors: list[dict[str, Any]] = body["errors"]
    return errors


# -- discovery --------------------------------------------------------------------------------------------


def test_health_answers_ok_without_credentials(service: Service) -> None:
    """/health answers 200 with no token."""
    response = service.client.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_ready_is_true_once_every_policy_is_warmed(service: Service) -> None:
    """/ready names every policy of the library as ready."""
    response = service.client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "policies": {pid: "ready" for pid in policy.policy_ids()}}


def test_ready_is_false_until_the_warm_up_is_done(tmp_path: Path) -> None:
    """/ready answers 503 while a policy is still warming, and 200 after, while /health answers throughout."""
    release = threading.Event()
    warmed: list[str] = []

    def slow_warm(policy_id: str) -> None:
        assert release.wait(READY_SECONDS)
        warmed.append(policy_id)

    app = create_app(Settings(decision_log=tmp_path / "log", access_log=False),
                     environment={"POLICY_API_TOKENS": TOKEN}, warm=slow_warm, fhir_routes=lambda: None)
    with started(app) as client:
        waiting = client.get("/ready")
        assert waiting.status_code == 503 and waiting.json()["ready"] is False
        assert client.get("/health").status_code == 200
        release.set()
        wait_ready(app)
        assert client.get("/ready").json()["ready"] is True
    assert warmed == list(policy.policy_ids())


def test_ready_stays_false_when_a_policy_cannot_be_built(tmp_path: Path) -> None:
    """A policy whose network fails to build keeps the worker unready, and the reason is not shown."""
    broken = policy.policy_ids()[0]

    def failing_warm(policy_id: str) -> None:
        if policy_id == broken:
            raise policy.PolicyDefinitionError("/srv/secret/features/x/__init__.py:1: cannot import")

    app = create_app(Settings(decision_log=tmp_path / "log", access_log=False),
                     environment={"POLICY_API_TOKENS": TOKEN}, warm=failing_warm, fhir_routes=lambda: None)
    with started(app) as client:
        app.state.readiness.wait(READY_SECONDS)
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["policies"][broken] == "failed"
    assert "secret" not in response.text and "import" not in response.text


def test_policies_lists_every_policy_with_its_identity(service: Service) -> None:
    """/v1/policies gives each policy's id, title, version, effective date, digest and statement count."""
    response = service.client.get("/v1/policies")
    assert response.status_code == 200
    listed = response.json()["policies"]
    assert [entry["id"] for entry in listed] == list(policy.policy_ids())
    for entry in listed:
        engine = policy.assessor(entry["id"])
        assert entry == {
            "id": engine.policy_ref.id, "title": engine.bound.source.title, "version": engine.policy_ref.version,
            "effective": engine.policy_ref.effective, "digest": engine.policy_ref.digest,
            "statement_count": len(engine.bound.source.statements),
        }


@pytest.mark.parametrize("policy_id", policy.policy_ids())
def test_a_policy_lists_its_statements_and_parameters(service: Service, policy_id: str) -> None:
    """/v1/policies/{id} gives every statement's text and every parameter's value, as the source has them."""
    response = service.client.get(f"/v1/policies/{policy_id}")
    assert response.status_code == 200
    body = response.json()
    source = policy.assessor(policy_id).bound.source
    assert [(s["id"], s["text"]) for s in body["statements"]] == [(s.id, s.text) for s in source.statements]
    assert {p["key"]: p["value"] for p in body["parameters"]} == {k: p.value for k, p in source.parameters.items()}
    assert body["digest"] == policy.assessor(policy_id).policy_ref.digest


@pytest.mark.parametrize("policy_id", policy.policy_ids())
def test_a_policy_schema_is_the_library_request_schema(service: Service, policy_id: str) -> None:
    """/v1/policies/{id}/schema is `policy.schema.request_schema(id)`."""
    response = service.client.get(f"/v1/policies/{policy_id}/schema")
    assert response.status_code == 200 and response.json() == request_schema(policy_id)


@pytest.mark.parametrize("suffix", ["", "/schema"])
def test_an_unknown_policy_is_404_without_its_id_echoed(service: Service, suffix: str) -> None:
    """A policy id the service does not hold is 404, and the (possibly hostile) id is not quoted back."""
    hostile = "no-such-policy-" + "x" * 5000
    errors = error_of(service.client.get(f"/v1/policies/{hostile}{suffix}"), 404)
    assert hostile[:20] not in json.dumps(errors)


# -- assessing --------------------------------------------------------------------------------------------


def test_every_example_is_answered_byte_for_byte_as_the_library_assesses_it(service: Service) -> None:
    """Both assess endpoints answer each bundled example with exactly `policy.assess(...).to_dict()` as JSON."""
    assert EXAMPLES, "the bundled examples are found"
    before = len(log_lines(service.log))
    for path in EXAMPLES:
        document = example(path)
        expected = contract_bytes(policy.assess(document))
        named = service.client.post("/v1/assess", content=json.dumps(document), headers={**AUTH, **JSON_BODY})
        assert named.status_code == 200, (path.name, named.text)
        assert named.headers["content-type"] == "application/json"
        assert named.content == expected, path.name
        in_path = service.client.post(f"/v1/policies/{document['policy']}/assess", json=document, headers=AUTH)
        assert in_path.content == expected, path.name
    assert len(log_lines(service.log)) - before == 2 * len(EXAMPLES)


def test_the_path_names_the_policy_when_the_document_does_not(service: Service) -> None:
    """A document without its `policy` field is assessed against the policy in the path."""
    for path in EXAMPLES[:: max(1, len(EXAMPLES) // 6)]:
        document = example(path)
        policy_id = document.pop("policy")
        response = service.client.post(f"/v1/policies/{policy_id}/assess", json=document, headers=AUTH)
        assert response.content == contract_bytes(policy.assess(document, policy_id=policy_id))


def _expected_errors(document: Any, policy_id: str | None = None) -> list[dict[str, str]]:
    with pytest.raises(policy.InvalidRequest) as raised:
        policy.assess(document, policy_id=policy_id)
    return raised.value.errors


def _invalid_variants(document: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The document with one required field removed, one value of a wrong type, one unknown field."""
    schema = request_schema(document["policy"])
    for name in schema.get("required", [])[:3]:
        yield {key: value for key, value in document.items() if key != name}
    for name in list(document)[1:4]:
        yield {**document, name: {"not": ["what", "is", "expected"]}}
    yield {**document, "unexpected-field": 1}


def test_an_invalid_request_is_422_with_the_library_errors(service: Service) -> None:
    """An invalid document is answered 422 with exactly the errors `policy.InvalidRequest` lists, and not logged."""
    before = len(log_lines(service.log))
    checked = 0
    for path in EXAMPLES[:: max(1, len(EXAMPLES) // 4)]:
        for document in _invalid_variants(example(path)):
            response = service.client.post("/v1/assess", json=document, headers=AUTH)
            assert error_of(response, 422) == _expected_errors(document)
            checked += 1
    assert checked >= 10
    assert len(log_lines(service.log)) == before, "no decision is logged for an invalid request"


def test_a_document_naming_another_policy_than_the_path_is_422(service: Service) -> None:
    """The path and the document must agree on the policy."""
    ids = policy.policy_ids()
    document = example(next(p for p in EXAMPLES if example(p)["policy"] == ids[0]))
    other = ids[1] if len(ids) > 1 else ids[0]
    if other == ids[0]:
        pytest.skip("the library holds a single policy")
    response = service.client.post(f"/v1/policies/{other}/assess", json=document, headers=AUTH)
    assert error_of(response, 422) == _expected_errors(document, other)


def test_a_document_naming_no_policy_is_422_on_the_generic_endpoint(service: Service) -> None:
    """/v1/assess needs the document to name its policy; one the service does not hold is 422 too."""
    document = example(EXAMPLES[0])
    for variant in ({k: v for k, v in document.items() if k != "policy"}, {**document, "policy": "no-such"}):
        errors = error_of(service.client.post("/v1/assess", json=variant, headers=AUTH), 422)
        assert errors == _expected_errors(variant) and errors[0]["path"] == "policy"


@pytest.mark.parametrize("body", [
    b"", b"{", b"[]", b'"text"', b"1", b"null", b"\xff\xfe{}", b'{"a": 1, "a": 2}', b'{"a": NaN}',
    b'{"id": "\xed\xa0\x80"}', b"\xef\xbb\xbf{}", b"[" * 100_000, b'{"a": 1' + b"0" * 5000 + b"}",
], ids=["empty", "truncated", "array", "string", "number", "null", "utf-16", "duplicate-key", "nan",
        "surrogate-bytes", "bom", "deep-nesting", "huge-integer"])
def test_a_body_that_is_not_a_json_object_is_422(service: Service, body: bytes) -> None:
    """A body that is not one JSON object in UTF-8 is 422, whatever it holds."""
    errors = error_of(service.client.post("/v1/assess", content=body, headers={**AUTH, **JSON_BODY}), 422)
    assert errors[0]["path"] == ""


def test_a_lone_surrogate_escape_is_422_not_a_determination(service: Service) -> None:
    """A `\\ud800` escape in a string of the request is refused, not assessed."""
    document = example(EXAMPLES[0])
    text = json.dumps({**document, "id": "PA-\ud800"})
    assert "\\ud800" in text
    error_of(service.client.post("/v1/assess", content=text, headers={**AUTH, **JSON_BODY}), 422)


@pytest.mark.parametrize("depth", [40, 500, 5000])
def test_deep_nesting_inside_a_field_is_422(service: Service, depth: int) -> None:
    """A value nested deeper than any request model is refused, whether or not JSON can read it."""
    document = {key: value for key, value in example(EXAMPLES[0]).items() if key != "id"}
    body = json.dumps(document)[:-1] + ', "id": ' + "[" * depth + '"x"' + "]" * depth + "}"
    error_of(service.client.post("/v1/assess", content=body, headers={**AUTH, **JSON_BODY}), 422)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "application/json; charset=latin-1", "application/jsonx"])
def test_a_body_of_another_media_type_is_415(service: Service, content_type: str | None) -> None:
    """Only `application/json` (UTF-8) is assessed; anything else is 415."""
    headers = dict(AUTH) | ({"Content-Type": content_type} if content_type else {})
    body = json.dumps(example(EXAMPLES[0])).encode()
    error_of(service.client.post("/v1/assess", content=body, headers=headers), 415)


def test_json_with_a_utf8_charset_is_accepted(service: Service) -> None:
    """`application/json; charset=utf-8` is JSON."""
    body = json.dumps(example(EXAMPLES[0])).encode()
    response = service.client.post("/v1/assess", content=body,
                                   headers={**AUTH, "Content-Type": "application/json; charset=UTF-8"})
    assert response.status_code == 200


# -- size --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A service whose body limit is 4,096 bytes."""
    folder = tmp_path_factory.mktemp("small")
    app = make_app(folder, max_body_bytes=4096, batch_max_lines=5, batch_max_bytes=20_000)
    with started(app) as client:
        wait_ready(app)
        yield Service(app, client, folder / "decisions.jsonl")


def padded(document: Mapping[str, Any], size: int) -> bytes:
    """The document as JSON padded with trailing spaces to exactly `size` bytes."""
    body = json.dumps(document).encode()
    assert len(body) <= size
    return body + b" " * (size - len(body))


def test_a_body_at_the_limit_is_assessed(small: Service) -> None:
    """A body of exactly the limit is read and assessed."""
    response = small.client.post("/v1/assess", content=padded(example(EXAMPLES[0]), 4096),
                                 headers={**AUTH, **JSON_BODY})
    assert response.status_code == 200


def test_a_declared_length_over_the_limit_is_413(small: Service) -> None:
    """A Content-Length over the limit is refused with 413."""
    response = small.client.post("/v1/assess", content=padded(example(EXAMPLES[0]), 4097),
                                 headers={**AUTH, **JSON_BODY})
    error_of(response, 413)


def test_a_streamed_body_over_the_limit_is_413_without_a_length(small: Service) -> None:
    """A chunked body with no Content-Length is cut off at the limit while it streams in: 413."""
    def body() -> Iterator[bytes]:
        for _ in range(64):  # 64 KiB offered, 4 KiB allowed
            yield b" " * 1024

    response = small.client.post("/v1/assess", content=body(), headers={**AUTH, **JSON_BODY})
    assert "content-length" not in {k.lower() for k in response.request.headers}
    error_of(response, 413)


# -- access ------------------------------------------------------------------------------------------------


def _forged_headers() -> list[dict[str, str]]:
    return [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},  # a prefix
        {"Authorization": f"Bearer {TOKEN[:MIN_TOKEN_CHARS]}"},  # a short prefix
        {"Authorization": f"Bearer {TOKEN}x"},  # a suffix added
        {"Authorization": f"Bearer {TOKEN.upper()}"},
        {"Authorization": f"Bearer {TOKEN[0]}"},
        {"Authorization": f"Bearer {'x' * 10_000}"},
        {"Authorization": f"Bearer {TOKEN},{SECOND_TOKEN}"},
        {"Authorization": f"Token {TOKEN}"},
    ]


@pytest.mark.parametrize("headers", _forged_headers(), ids=[
    "none", "empty", "scheme-only", "scheme-space", "basic", "prefix", "short-prefix", "suffix", "upper-case",
    "one-character", "long", "two-tokens", "other-scheme"])
@pytest.mark.parametrize("endpoint", ["/v1/assess", "/v1/policies/{policy}/assess", "/v1/assess:batch"])
def test_missing_or_forged_credentials_are_401_never_a_determination(
    service: Service, headers: dict[str, str], endpoint: str
) -> None:
    """Every assess endpoint answers 401 with a Bearer challenge to a missing or wrong token."""
    document = example(EXAMPLES[0])
    batch = endpoint.endswith(":batch")
    before = len(log_lines(service.log))
    response = service.client.post(
        endpoint.format(policy=document["policy"]), content=json.dumps(document) + ("\n" if batch else ""),
        headers={**headers, **(NDJSON if batch else JSON_BODY)},
    )
    error_of(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert b"determination" not in response.content and b"decision" not in response.content
    assert len(log_lines(service.log)) == before


@pytest.mark.parametrize("token", [TOKEN, SECOND_TOKEN])
def test_each_configured_token_is_accepted(service: Service, token: str) -> None:
    """A token from POLICY_API_TOKENS and one from the tokens file both pass, with the scheme in any case."""
    for scheme in ("Bearer", "bearer"):
        response = service.client.post("/v1/assess", json=example(EXAMPLES[0]),
                                       headers={"Authorization": f"{scheme} {token}"})
        assert response.status_code == 200


def test_discovery_needs_no_credentials(service: Service) -> None:
    """Health, readiness, the catalogue, schemas, the OpenAPI document and the API page are open."""
    policy_id = policy.policy_ids()[0]
    for path in ("/health", "/ready", "/v1/policies", f"/v1/policies/{policy_id}",
                 f"/v1/policies/{policy_id}/schema", "/openapi.json", "/docs", "/docs/openapi-viewer.json",
                 "/docs/assets/swagger-ui-bundle.js"):
        assert service.client.get(path).status_code == 200, path


def test_a_server_without_tokens_refuses_to_start(tmp_path: Path) -> None:
    """No token configured and no --insecure-no-auth: the app is not built."""
    with pytest.raises(SettingsError, match="no API token"):
        create_app(Settings(decision_log=tmp_path / "log"), environment={}, fhir_routes=lambda: None)


@pytest.mark.parametrize("tokens", ["short", "has space inside-0123456789", "ünïcode-token-0123456789"])
def test_an_unusable_token_stops_the_start(tmp_path: Path, tokens: str) -> None:
    """A token too short to be a secret, or not in the header's alphabet, is refused at start."""
    with pytest.raises(SettingsError, match="token"):
        create_app(Settings(decision_log=tmp_path / "log"), environment={"POLICY_API_TOKENS": tokens},
                   fhir_routes=lambda: None)


def test_insecure_no_auth_serves_without_a_token(tmp_path: Path) -> None:
    """With --insecure-no-auth and no token, assessing needs no credentials."""
    app = make_app(tmp_path, environment={}, insecure_no_auth=True)
    with started(app) as client:
        wait_ready(app)
        assert client.post("/v1/assess", json=example(EXAMPLES[0])).status_code == 200


# -- request ids, errors ---------------------------------------------------------------------------------


def test_every_answer_carries_a_request_id(service: Service) -> None:
    """Success, client errors and discovery answers all have a fresh X-Request-ID."""
    answers = [
        service.client.get("/health"),
        service.client.get("/nowhere"),
        service.client.delete("/v1/assess"),
        service.client.post("/v1/assess", json=example(EXAMPLES[0])),
        service.client.post("/v1/assess", content=b"[", headers={**AUTH, **JSON_BODY}),
        service.client.post("/v1/assess", json=example(EXAMPLES[0]), headers=AUTH),
    ]
    ids = [answer.headers.get("x-request-id") for answer in answers]
    assert all(ids) and len(set(ids)) == len(ids)


def test_a_safe_incoming_request_id_is_kept_and_logged(service: Service) -> None:
    """A short id of safe characters is answered back and names the decision's log line."""
    before = len(log_lines(service.log))
    response = service.client.post("/v1/assess", json=example(EXAMPLES[0]),
                                   headers={**AUTH, "X-Request-ID": "gateway-1234.abc"})
    assert response.headers["x-request-id"] == "gateway-1234.abc"
    assert [line["request_id"] for line in service.new_log_lines(before)] == ["gateway-1234.abc"]


@pytest.mark.parametrize("incoming", ["x" * 65, "has space", "semi;colon", "new\tline", "-starts-with-dash", ""])
def test_an_unsafe_incoming_request_id_is_replaced(service: Service, incoming: str) -> None:
    """An id too long or with other characters is not echoed; a fresh one is given."""
    response = service.client.get("/health", headers={"X-Request-ID": incoming})
    assert response.headers["x-request-id"] != incoming and len(response.headers["x-request-id"]) == 32


def test_an_unexpected_failure_is_a_500_that_shows_nothing_of_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception inside an assessment answers 500 with a fixed message and the request id only."""
    app = make_app(tmp_path)

    def failing(*args: Any, **kwargs: Any) -> policy.Determination:
        raise RuntimeError(f"failure in {ROOT}/policy/assessment.py, line 1")

    with started(app) as client:
        wait_ready(app)
        monkeypatch.setattr(policy, "assess", failing)
        response = client.post("/v1/assess", json=example(EXAMPLES[0]), headers=AUTH)
    errors = error_of(response, 500)
    assert errors == [{"path": "", "message": "internal error", "request_id": response.headers["x-request-id"]}]
    assert log_lines(tmp_path / "decisions.jsonl") == []


def test_a_decision_that_cannot_be_logged_is_not_answered(tmp_path: Path) -> None:
    """When the decision log cannot be written, the caller gets a 500, not an unrecorded determination."""
    app = make_app(tmp_path)
    with started(app) as client:
        wait_ready(app)
        log: DecisionLog = app.state.decisions
        log.close()
        (tmp_path / "decisions.jsonl").unlink()
        (tmp_path / "decisions.jsonl").mkdir()  # the path is now a folder: opening it for writing fails
        response = client.post("/v1/assess", json=example(EXAMPLES[0]), headers=AUTH)
    error_of(response, 500)


def test_no_error_answer_shows_a_traceback_or_a_server_path(service: Service) -> None:
    """Error answers to hostile requests (and every one the tests before saw) hold no traceback or file path."""
    hostile = [
        service.client.post("/v1/assess", content=b"{" * 3000, headers={**AUTH, **JSON_BODY}),
        service.client.post("/v1/assess", content=b'{"policy": "' + b"\\u0000" * 2000 + b'"}',
                            headers={**AUTH, **JSON_BODY}),
        service.client.post("/v1/assess", content=b'{"' + b"k" * 200_000 + b'": 1}', headers={**AUTH, **JSON_BODY}),
        service.client.post("/v1/assess", content=b"\x00" * 100, headers={**AUTH, **JSON_BODY}),
        service.client.get("/v1/policies/%2e%2e%2f%2e%2e%2fetc%2fpasswd"),
        service.client.get("/docs/assets/%2e%2e"),
        service.client.post("/v1/assess", content=b"{}", headers={**AUTH, "Content-Type": ("\u00e9" * 500).encode("utf-8")}),
    ]
    bodies = [response.content for response in hostile if response.status_code >= 400] + ERROR_BODIES
    assert len(bodies) >= len(hostile)
    for body in bodies:
        assert len(body) < 20_000, "an error answer does not grow with its input"
        text = body.decode("utf-8", "replace")
        for leak in ("Traceback", str(ROOT), "site-packages", ".py\"", ".py,", "File \"", "/home/", "/usr/"):
            assert leak not in text, text[:300]


# -- decision log ------------------------------------------------------------------------------------------


def test_each_decision_line_says_what_was_decided_for_which_request(service: Service) -> None:
    """A decision line: time, request id, sha256 of the canonical request, policy, decision, reasons, duration."""
    before = len(log_lines(service.log))
    documents = [example(path) for path in EXAMPLES]
    answers = [service.client.post("/v1/assess", json=document, headers=AUTH) for document in documents]
    lines = service.new_log_lines(before)
    assert len(lines) == len(documents)
    for document, answer, line in zip(documents, answers, lines):
        determination = policy.assess(document)
        assert list(line) == ["time", "request_id", "request_sha256", "policy", "decision", "reasons",
                              "duration_ms"]
        assert line["request_id"] == answer.headers["x-request-id"]
        assert line["request_sha256"] == canonical_sha256(document)
        assert line["policy"] == {"id": determination.policy.id, "version": determination.policy.version,
                                  "digest": determination.policy.digest}
        assert line["decision"] == determination.decision
        assert line["reasons"] == [reason.statement for reason in determination.reasons]
        assert line["duration_ms"] > 0 and line["time"].endswith("Z")


def test_the_request_is_logged_only_when_asked(tmp_path: Path) -> None:
    """With log_requests the document is on its line; by default it is not."""
    document = example(EXAMPLES[0])
    for log_requests in (False, True):
        folder = tmp_path / str(log_requests)
        folder.mkdir()
        app = make_app(folder, log_requests=log_requests)
        with started(app) as client:
            wait_ready(app)
            client.post("/v1/assess", json=document, headers=AUTH)
        (line,) = log_lines(folder / "decisions.jsonl")
        assert ("request" in line) is log_requests
        if log_requests:
            assert line["request"] == document


def test_the_decision_log_rotates_by_size_keeping_whole_lines(tmp_path: Path) -> None:
    """Past the size limit the log is renamed to .1 (older to .2 ...), every line whole, none lost within the backups."""
    app = make_app(tmp_path, decision_log_max_bytes=2000, decision_log_backups=50)
    documents = [example(path) for path in EXAMPLES]
    with started(app) as client:
        wait_ready(app)
        for document in documents:
            assert client.post("/v1/assess", json=document, headers=AUTH).status_code == 200
    files = sorted(tmp_path.glob("decisions.jsonl*"))
    rotated = [path for path in files if path.suffix not in (".jsonl", ".lock")]
    assert len(rotated) >= 2
    lines = [line for path in files if path.suffix != ".lock" for line in log_lines(path)]
    assert len(lines) == len(documents)
    assert all(path.stat().st_size <= 2000 for path in files if path.suffix != ".lock")


def test_old_logs_beyond_the_backups_are_dropped(tmp_path: Path) -> None:
    """At most `backups` rotated files are kept."""
    app = make_app(tmp_path, decision_log_max_bytes=600, decision_log_backups=2)
    with started(app) as client:
        wait_ready(app)
        for path in EXAMPLES[:12]:
            client.post("/v1/assess", json=example(path), headers=AUTH)
    names = sorted(path.name for path in tmp_path.glob("decisions.jsonl*"))
    assert names == ["decisions.jsonl", "decisions.jsonl.1", "decisions.jsonl.2", "decisions.jsonl.lock"]


def _append_decisions(path: str, count: int) -> None:
    """A worker process's share of decisions, written through its own DecisionLog."""
    document = example(EXAMPLES[0])
    determination = policy.assess(document)
    log = DecisionLog(Path(path), max_bytes=4000, backups=1000)
    for number in range(count):
        log.record(f"writer-{number}", document, determination, 0.001)
    log.close()


def test_decision_lines_of_several_processes_never_interleave(tmp_path: Path) -> None:
    """Processes appending and rotating the same log at once leave only whole lines, none lost."""
    path = tmp_path / "shared.jsonl"
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_append_decisions, args=(str(path), 150)) for _ in range(3)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
        assert writer.exitcode == 0
    files = [p for p in tmp_path.glob("shared.jsonl*") if p.suffix != ".lock"]
    assert len(files) > 3
    assert sum(len(log_lines(p)) for p in files) == 450


# -- batch -----------------------------------------------------------------------------------------------


def _batch_lines(documents: list[Any]) -> list[bytes]:
    return [json.dumps(document).encode() for document in documents]


def test_a_batch_answers_each_line_as_policy_batch_does(service: Service) -> None:
    """Each output line is `assess_line`'s, byte for byte, in input order, blank and broken lines included."""
    lines = _batch_lines([example(path) for path in EXAMPLES[:10]])
    lines[3:3] = [b"", b"   ", b"{not json", b"[1, 2]", b'{"policy": "no-such"}']
    before = len(log_lines(service.log))
    response = service.client.post("/v1/assess:batch", content=b"\n".join(lines) + b"\n", headers={**AUTH, **NDJSON})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    expected = b"".join(assess_line(number, line + b"\n").data for number, line in enumerate(lines, start=1))
    assert response.content == expected
    logged = service.new_log_lines(before)
    assert [line["line"] for line in logged] == [n for n, line in enumerate(lines, start=1)
                                                 if b'"determination"' in assess_line(n, line).data]


def test_a_batch_without_a_final_newline_answers_its_last_line(service: Service) -> None:
    """The last line counts without its newline; an empty body answers nothing."""
    line = json.dumps(example(EXAMPLES[0])).encode()
    response = service.client.post("/v1/assess:batch", content=line, headers={**AUTH, **NDJSON})
    assert response.content == assess_line(1, line).data
    empty = service.client.post("/v1/assess:batch", content=b"", headers={**AUTH, **NDJSON})
    assert empty.status_code == 200 and empty.content == b""


def test_a_batch_line_over_the_size_limit_is_an_error_line(small: Service) -> None:
    """A line longer than the body limit is skipped through to its newline and answered with errors."""
    good = json.dumps(example(EXAMPLES[0])).encode()
    body = good + b"\n" + b"x" * 10_000 + b"\n" + good + b"\n"
    response = small.client.post("/v1/assess:batch", content=body, headers={**AUTH, **NDJSON})
    answered = [json.loads(line) for line in response.content.splitlines()]
    assert [answer["line"] for answer in answered] == [1, 2, 3]
    assert "determination" in answered[0] and "determination" in answered[2]
    assert "line too long" in answered[1]["errors"][0]["message"]


def test_a_batch_over_the_line_limit_ends_with_a_line_saying_so(small: Service) -> None:
    """Past the most lines a batch may hold, one more line says the rest was not read."""
    good = json.dumps(example(EXAMPLES[0])).encode()
    response = small.client.post("/v1/assess:batch", content=(good + b"\n") * 8, headers={**AUTH, **NDJSON})
    answered = [json.loads(line) for line in response.content.splitlines()]
    assert [answer["line"] for answer in answered] == [1, 2, 3, 4, 5, 6]
    assert all("determination" in answer for answer in answered[:5])
    assert "not read" in answered[5]["errors"][0]["message"]


def test_a_streamed_batch_over_the_byte_limit_ends_with_a_line_saying_so(small: Service) -> None:
    """A chunked batch past its byte limit (20,000) is cut off there, a last line saying so."""

    def body() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * 3999 + b"\n"  # blank lines of 4,000 bytes: the bytes run out before the lines

    response = small.client.post("/v1/assess:batch", content=body(), headers={**AUTH, **NDJSON})
    answered = [json.loads(line) for line in response.content.splitlines()]
    assert [answer["line"] for answer in answered] == [1, 2, 3, 4, 5, 6]
    assert all(answer["errors"][0]["message"].startswith("blank line") for answer in answered[:5])
    assert "20000 bytes" in answered[5]["errors"][0]["message"]


def test_a_batch_with_a_declared_length_over_the_limit_is_413(small: Service) -> None:
    """A batch whose Content-Length is over the batch byte limit is refused before reading."""
    error_of(small.client.post("/v1/assess:batch", content=b"\n" * 20_001, headers={**AUTH, **NDJSON}), 413)


def test_a_batch_of_another_media_type_is_415(service: Service) -> None:
    """JSON Lines only."""
    error_of(service.client.post("/v1/assess:batch", content=b"{}\n", headers={**AUTH, **JSON_BODY}), 415)


# -- OpenAPI and the API page ----------------------------------------------------------------------------


def test_the_openapi_document_is_3_1_with_every_endpoint_and_request_schema(service: Service) -> None:
    """/openapi.json is OpenAPI 3.1 and holds each policy's request schema as a component."""
    document = service.client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1.")
    for path in ("/health", "/ready", "/v1/policies", "/v1/policies/{policy_id}", "/v1/policies/{policy_id}/schema",
                 "/v1/policies/{policy_id}/assess", "/v1/assess", "/v1/assess:batch"):
        assert path in document["paths"], path
    schemas = document["components"]["schemas"]
    for policy_id in policy.policy_ids():
        assert schemas[f"{policy_id}.request"]["properties"].keys() == request_schema(policy_id)["properties"].keys()
    text = json.dumps(document)
    assert "#/$defs/" not in text, "every reference resolves from the document's root"
    assert document["paths"]["/v1/assess"]["post"]["security"], "assessing declares its bearer token"


def test_the_api_page_and_its_assets_come_from_the_service(service: Service) -> None:
    """The page loads only scripts, styles and images of this service, and the viewer's document is 3.0."""
    page = service.client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "http" not in page.text.lower()
    linked = re.findall(r'(?:src|href)="([^"]*)"', page.text)
    assert len(linked) >= 4 and all(link.startswith("/docs/assets/") for link in linked), linked
    assert "default-src 'none'" in page.headers["content-security-policy"]
    for link in linked:
        response = service.client.get(link)
        assert response.status_code == 200 and response.content, link
    init = service.client.get("/docs/assets/init.js").text
    assert "validatorUrl: null" in init and "/docs/openapi-viewer.json" in init
    viewed = service.client.get("/docs/openapi-viewer.json").json()
    assert viewed["openapi"] == "3.0.3" and '"const"' not in json.dumps(viewed)
    assert service.client.get("/docs/assets/..%2F..%2Fsettings.py").status_code == 404
    assert service.client.get("/docs/assets/index.html").status_code == 404


# -- the FHIR routes' mounting ---------------------------------------------------------------------------


def _fake_fhir_module(calls: dict[str, Any]) -> types.ModuleType:
    """A stand-in for `policy.fhir.routes`: records what it is given, decides through `policy.assess`."""
    module = types.ModuleType("fake_fhir_routes")

    def fhir_router(*, dependencies: Any = (), on_decision: Callable[..., None] | None = None) -> APIRouter:
        calls["fhir"] = on_decision
        router = APIRouter(dependencies=list(dependencies))

        @router.post("/fhir/Claim/$submit")
        async def submit(request: Request) -> Response:
            document = await request.json()
            determination = policy.assess(document)
            assert on_decision is not None
            on_decision(document, determination, 0.002)
            return Response(b"{}", media_type="application/fhir+json")

        return router

    def cds_router(*, jwks: Any, on_decision: Callable[..., None] | None = None,
                   public_base_url: str | None = None) -> APIRouter:
        calls["jwks"] = jwks
        return APIRouter()

    module.fhir_router = fhir_router  # type: ignore[attr-defined]
    module.cds_router = cds_router  # type: ignore[attr-defined]
    return module


@pytest.mark.parametrize("tokens", [True, False])
def test_the_fhir_routes_get_the_bearer_check_and_the_decision_log(tmp_path: Path, tokens: bool) -> None:
    """FHIR routes are mounted behind the token check; their decisions are logged under the request id."""
    calls: dict[str, Any] = {}
    environment = {"POLICY_API_TOKENS": TOKEN} if tokens else {}
    app = create_app(Settings(decision_log=tmp_path / "log.jsonl", access_log=False, insecure_no_auth=not tokens),
                     environment=environment, fhir_routes=lambda: _fake_fhir_module(calls))
    document = example(EXAMPLES[0])
    with started(app) as client:
        wait_ready(app)
        if tokens:
            error_of(client.post("/fhir/Claim/$submit", json=document), 401)
        answer = client.post("/fhir/Claim/$submit", json=document, headers=AUTH if tokens else {})
    assert answer.status_code == 200
    (line,) = log_lines(tmp_path / "log.jsonl")
    assert line["request_id"] == answer.headers["x-request-id"] and line["duration_ms"] == 2.0
    assert calls["jwks"] == ({"keys": []} if tokens else None), "no JWKS file: nothing verifies, unless open"


def test_a_cds_jwks_file_is_handed_to_the_cds_routes(tmp_path: Path) -> None:
    """The keys of --cds-jwks reach `cds_router`; a file that is not a key set stops the start."""
    calls: dict[str, Any] = {}
    keys = {"keys": [{"kty": "EC", "crv": "P-384", "kid": "ehr-1", "x": "AA", "y": "BB"}]}
    (tmp_path / "jwks.json").write_text(json.dumps(keys))
    create_app(Settings(decision_log=tmp_path / "log", cds_jwks=tmp_path / "jwks.json"),
               environment={"POLICY_API_TOKENS": TOKEN}, fhir_routes=lambda: _fake_fhir_module(calls))
    assert calls["jwks"] == keys
    (tmp_path / "bad.json").write_text('["not", "a", "key", "set"]')
    with pytest.raises(SettingsError, match="JWKS"):
        create_app(Settings(decision_log=tmp_path / "log", cds_jwks=tmp_path / "bad.json"),
                   environment={"POLICY_API_TOKENS": TOKEN}, fhir_routes=lambda: _fake_fhir_module(calls))


# -- settings --------------------------------------------------------------------------------------------


def test_settings_travel_through_the_environment_unchanged(tmp_path: Path) -> None:
    """What `policy serve` writes for its workers reads back as the same settings."""
    settings = Settings(tokens_file=tmp_path / "tokens", insecure_no_auth=True, decision_log=tmp_path / "d.jsonl",
                        decision_log_max_bytes=1234, log_requests=True, max_body_bytes=999,
                        cds_jwks=tmp_path / "jwks.json", access_log=False, max_concurrency=7)
    assert Settings.from_environment(settings.to_environment()) == settings
    assert Settings.from_environment({}) == Settings()
    with pytest.raises(SettingsError):
        Settings.from_environment({"POLICY_SERVER_MAX_BODY_BYTES": "lots"})
