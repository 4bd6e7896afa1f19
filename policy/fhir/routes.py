"""The Da Vinci routers the HTTP server mounts at its root; each route only moves bytes.

- `fhir_router`: DTR `GET /fhir/Questionnaire/{policy-id}` (and the search
  `GET /fhir/Questionnaire?url=<canonical>`), PAS `POST /fhir/Claim/$submit`.
  `dependencies` are the server's (its bearer-token check); `on_decision` is
  called with the request document, the determination and the seconds the
  assessment took, once per determination served (the decision log).
- `cds_router`: CRD `GET /cds-services` (discovery, unauthenticated) and
  `POST /cds-services/{id}`, authenticated with the EHR's signed JWT against
  `jwks` (None turns the check off: insecure, for local use only). CRD makes
  no determination, so its `on_decision` is never called; it is accepted so
  both routers are mounted alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from policy.determination import Determination
from policy.fhir import crd, operations
from policy.fhir.hook_auth import HookAuthenticator, Unauthorized
from policy.fhir.limits import FHIR_LIMITS, FhirLimits
from policy.fhir.outcome import Unusable, operation_outcome
from policy.fhir.policies import INSTALLED, Library
from policy.fhir.transport import ACCEPTED, JSON, check_content_type, json_response, read_body

OnDecision = Callable[[Mapping[str, Any], Determination, float], None]
_FHIR_BODY = {"requestBody": {"required": True, "content": {
    media: {"schema": {"type": "object", "description": "A PAS request Bundle (FHIR R4)"}} for media in ACCEPTED}}}
_HOOK_BODY = {"requestBody": {"required": True, "content": {
    JSON: {"schema": {"type": "object", "description": "A CDS Hooks request"}}}}}


def fhir_router(*, dependencies: Sequence[Any] = (), on_decision: OnDecision | None = None,
                library: Library = INSTALLED, limits: FhirLimits = FHIR_LIMITS) -> APIRouter:
    """DTR and PAS routes."""
    router = APIRouter(dependencies=list(dependencies), tags=["Da Vinci DTR and PAS (FHIR R4)"])

    @router.get("/fhir/Questionnaire/{policy_id}", summary="DTR: a policy's Questionnaire")
    def get_questionnaire(policy_id: str) -> Response:
        return json_response(*operations.read_questionnaire(policy_id, library))

    @router.get("/fhir/Questionnaire", summary="DTR: Questionnaires by canonical URL")
    def search_questionnaires(url: str | None = None) -> Response:
        return json_response(*operations.search_questionnaires(url, library))

    @router.post("/fhir/Claim/$submit", summary="PAS: submit a prior-authorization request Bundle",
                 openapi_extra=_FHIR_BODY)
    async def submit(request: Request) -> Response:
        try:
            check_content_type(request.headers.get("content-type"), "Bundle")
            body = await read_body(request, limits.body_bytes, "Bundle")
        except Unusable as refused:
            return json_response(refused.status, operation_outcome(refused.issues))
        answer = await run_in_threadpool(operations.submit_claim, body, library, on_decision=on_decision,
                                         limits=limits)
        return json_response(*answer)

    return router


def _audience(request: Request, service_id: str, public_base_url: str | None) -> list[str]:
    """The service's endpoint URL, which the JWT's `aud` must name."""
    if public_base_url is not None:
        return [f"{public_base_url.rstrip('/')}/cds-services/{service_id}"]
    return [str(request.url.replace(query=None, fragment=None))]


def cds_router(*, jwks: Mapping[str, Any] | None, on_decision: OnDecision | None = None,
               library: Library = INSTALLED, limits: FhirLimits = FHIR_LIMITS,
               public_base_url: str | None = None) -> APIRouter:
    """CRD routes; `public_base_url` is the base the EHR calls (it fixes the JWT's audience behind a proxy)."""
    authenticator = HookAuthenticator(jwks) if jwks is not None else None
    router = APIRouter(tags=["Da Vinci CRD (CDS Hooks)"])

    @router.get("/cds-services", summary="CDS Hooks discovery")
    def discovery() -> Response:
        return json_response(200, crd.discovery(), JSON)

    @router.post("/cds-services/{service_id}", summary="CDS Hooks call (order-select, order-sign)",
                 openapi_extra=_HOOK_BODY)
    async def call(service_id: str, request: Request) -> Response:
        if authenticator is not None:
            try:
                authenticator.verify(request.headers.get("authorization"),
                                     _audience(request, service_id, public_base_url))
            except Unauthorized as refused:
                return json_response(401, {"error": str(refused)}, JSON,
                                     {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        try:
            check_content_type(request.headers.get("content-type"), "$")
            body = await read_body(request, limits.body_bytes, "$")
        except Unusable as refused:
            return json_response(refused.status, {"error": refused.issues[0].message}, JSON)
        status, answer = await run_in_threadpool(crd.call, service_id, body, library, limits=limits)
        return json_response(status, answer, JSON)

    return router


__all__ = ["cds_router", "fhir_router"]
