"""`POST /v1/policies/{policy_id}/assess` and `POST /v1/assess`: one request document, one determination.

The answer is the determination exactly as `policy.assess(...).to_dict()`
gives it, as compact JSON (`Determination.to_json()`). Checks come in this order:
credentials (401), the policy in the path (404), the media type (415), the
size (413), the JSON (422), the request itself (422, the library's
`InvalidRequest.errors`). No determination is made from anything invalid,
and none is answered before it is in the decision log.

These two are the service's hot path, so they are plain Starlette routes:
FastAPI's parameter and dependency machinery would cost about as much CPU
again as the HTTP layer, for routes that take only the raw body. Their
OpenAPI operations are therefore written here (`assess_paths`) and added
to the document by `openapi.openapi_builder`.

An assessment takes about half a millisecond of CPU and the engine is one
network per policy behind the package's lock, so it runs on the event loop
thread: a thread pool would add its hand-off and gain nothing under the GIL.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import policy
from policy.determination import Determination
from policy.limits import LIMITS
from policy.server.auth import SECURITY, Authorizer
from policy.server.body import JSON_TYPES, parse_json_object, read_body, require_media_type
from policy.server.catalog import known_policy
from policy.server.errors import ApiError
from policy.server.openapi import ERROR_RESPONSES, request_body

TOO_DEEP = f"the document is nested too deeply (at most {LIMITS.depth} levels)"
ASSESS_IN_PATH = "/v1/policies/{policy_id}/assess"
ASSESS_NAMED = "/v1/assess"


class Record(Protocol):
    """Puts a determination served into the decision log (under the current request id)."""

    def __call__(self, document: Mapping[str, Any], determination: Determination, seconds: float, *,
                 line: int | None = None) -> None: ...


def determine(document: Mapping[str, Any], policy_id: str | None) -> tuple[Determination, float]:
    """The determination and the seconds it took; 422 with the library's errors when the request is invalid."""
    started = time.perf_counter()
    try:
        determination = policy.assess(document, policy_id=policy_id)
    except policy.InvalidRequest as error:
        raise ApiError(422, "invalid request", errors=error.errors) from None
    except RecursionError:  # only a document's nesting recurses that deep: it is refused, not assessed
        raise ApiError(422, TOO_DEEP) from None
    return determination, time.perf_counter() - started


def assess_routes(*, authorizer: Authorizer, record: Record, max_body_bytes: int) -> list[Route]:
    async def answer(request: Request, policy_id: str | None) -> Response:
        require_media_type(request, JSON_TYPES)
        document = parse_json_object(await read_body(request, max_body_bytes), max_body_bytes)
        determination, seconds = determine(document, policy_id)
        body = determination.to_json()
        record(document, determination, seconds)
        return Response(body, media_type="application/json")

    async def assess_in_path(request: Request) -> Response:
        authorizer.check(request.headers.get("authorization"))
        return await answer(request, known_policy(request.path_params["policy_id"]))

    async def assess_named(request: Request) -> Response:
        authorizer.check(request.headers.get("authorization"))
        return await answer(request, None)

    return [Route(ASSESS_IN_PATH, assess_in_path, methods=["POST"], include_in_schema=False),
            Route(ASSESS_NAMED, assess_named, methods=["POST"], include_in_schema=False)]


_DETERMINATION = {"200": {
    "description": "The determination, exactly as `policy.assess(...).to_dict()` gives it (compact JSON).",
    "content": {"application/json": {"schema": {"type": "object", "description": "The determination: see "
                                                "each policy's Contract page in the handbook."}}},
}}


def _operation(summary: str, description: str, which: str, operation_id: str) -> dict[str, Any]:
    responses = {str(status): response for status, response in ERROR_RESPONSES.items()}
    return {"post": {"tags": ["assess"], "summary": summary, "description": description,
                     "operationId": operation_id, "security": SECURITY, **request_body(which),
                     "responses": {**_DETERMINATION, **responses}}}


def assess_paths() -> dict[str, Any]:
    """The OpenAPI path items of the two routes."""
    in_path = _operation(
        "Assess a request against the policy named in the path",
        "The determination of the policy `policy_id` on the request document in the body. The document may "
        "name its policy in its `policy` field; naming another one than the path is invalid (422).",
        "the policy in the path", "assess_against_policy")
    in_path["post"]["parameters"] = [{"name": "policy_id", "in": "path", "required": True,
                                      "schema": {"type": "string"}, "description": "A policy id (GET /v1/policies)."}]
    named = _operation(
        "Assess a request against the policy it names",
        "The determination of the policy the document's `policy` field names. A document naming no policy, "
        "or one this service does not hold, is invalid (422, path `policy`, listing the policies held).",
        "the policy its `policy` field names", "assess")
    return {ASSESS_IN_PATH: in_path, ASSESS_NAMED: named}


__all__ = ["Record", "assess_paths", "assess_routes", "determine"]
