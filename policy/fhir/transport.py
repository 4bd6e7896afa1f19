"""What the routers do with bytes: accept a JSON content type, read a body within its cap, answer JSON."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from policy.fhir.outcome import NOT_SUPPORTED, TOO_COSTLY, Issue, Unusable
from policy.fhir.payload import dumps

FHIR_JSON = "application/fhir+json"
JSON = "application/json"
ACCEPTED = (FHIR_JSON, JSON)


def check_content_type(header: str | None, root: str) -> None:
    """Unusable (415) unless the body is declared as FHIR JSON or JSON."""
    media = (header or "").split(";", 1)[0].strip().lower()
    if media not in ACCEPTED:
        raise Unusable(415, [Issue(root, f"expected a body of type {' or '.join(ACCEPTED)}", NOT_SUPPORTED)])


async def read_body(request: Request, most: int, root: str) -> bytes:
    """The body, read no further than `most` bytes (Unusable 413 beyond)."""
    too_large = Unusable(413, [Issue(root, f"the body is larger than {most} bytes", TOO_COSTLY)])
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > most:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > most:
            raise too_large
    return bytes(body)


def json_response(status: int, body: Any, media_type: str = FHIR_JSON, headers: dict[str, str] | None = None
                  ) -> Response:
    return Response(content=dumps(body), status_code=status, media_type=media_type, headers=headers)


__all__ = ["ACCEPTED", "FHIR_JSON", "JSON", "check_content_type", "json_response", "read_body"]
