"""Open endpoints: liveness, readiness and what the library holds. No credentials needed.

They say only what the policy library publishes anyway (the handbook shows
the same statements, parameters and schemas), never a request or a
determination.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from policy.server.catalog import catalog_json, detail_json, schema_json
from policy.server.errors import json_bytes
from policy.server.openapi import DISCOVERY_RESPONSES
from policy.server.readiness import Readiness

JSON = "application/json"


def discovery_router(readiness: Readiness) -> APIRouter:
    router = APIRouter()

    @router.get("/health", tags=["service"], summary="Liveness: the process answers")
    async def health() -> Response:
        """Always `{"status": "ok"}` while the process serves requests."""
        return Response(json_bytes({"status": "ok"}), media_type=JSON)

    @router.get("/ready", tags=["service"], summary="Readiness: every policy's network is built and warmed",
                responses={503: {"description": "Still warming, or a policy could not be built."}})
    async def ready() -> Response:
        """`{"ready": true}` (200) once every policy of the library can be assessed at full speed in this
        worker; `{"ready": false}` (503) before, or for good when a policy could not be built."""
        is_ready = readiness.ready
        body = {"ready": is_ready, "policies": readiness.states()}
        return Response(json_bytes(body), status_code=200 if is_ready else 503, media_type=JSON)

    @router.get("/v1/policies", tags=["policies"], summary="The policies this service holds")
    async def policies() -> Response:
        """Each policy's id, title, version, effective date, digest and statement count."""
        return Response(catalog_json(), media_type=JSON)

    @router.get("/v1/policies/{policy_id}", tags=["policies"], summary="One policy: its statements and parameters",
                responses=DISCOVERY_RESPONSES)
    async def policy_detail(policy_id: str) -> Response:
        """The policy's identity, its statements (text, citations) and parameters (value, unit, sources)."""
        return Response(detail_json(policy_id), media_type=JSON)

    @router.get("/v1/policies/{policy_id}/schema", tags=["policies"], summary="The JSON Schema of a request",
                responses=DISCOVERY_RESPONSES)
    async def policy_schema(policy_id: str) -> Response:
        """The JSON Schema (draft 2020-12) of a request document of the policy, as `policy schema` prints it."""
        return Response(schema_json(policy_id), media_type="application/schema+json")

    return router


__all__ = ["discovery_router"]
