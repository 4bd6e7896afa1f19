"""Reading a request body: its media type checked, its size bounded while it streams in.

A declared Content-Length over the limit is refused before a byte is read;
the bytes that do arrive are counted as they come, so a body sent without a
length (chunked), or with a false one, is cut off at the limit as well.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.requests import Request

from policy.documents import InputError, parse_document
from policy.server.errors import ApiError

JSON_TYPES = frozenset({"application/json"})
JSON_LINES_TYPES = frozenset({"application/x-ndjson", "application/jsonl", "application/x-jsonlines",
                              "application/json-lines"})
# Longer Content-Type headers are not read: no real one is.
MAX_CONTENT_TYPE_CHARS = 200


def require_media_type(request: Request, accepted: frozenset[str]) -> None:
    """415 unless the body is declared as one of `accepted` (UTF-8, the only charset JSON has)."""
    declared = request.headers.get("content-type", "")[:MAX_CONTENT_TYPE_CHARS]
    kind, *parameters = (part.strip().lower() for part in declared.split(";"))
    charsets = [value.strip().strip('"') for name, _, value in (p.partition("=") for p in parameters)
                if name.strip() == "charset"]
    if kind not in accepted or any(charset not in ("utf-8", "utf8") for charset in charsets):
        listed = " or ".join(sorted(accepted))
        raise ApiError(415, f"the body must be {listed} (UTF-8)")


def too_large(limit: int) -> ApiError:
    return ApiError(413, f"the body is over the limit of {limit} bytes")


def declared_length(request: Request) -> int | None:
    """The Content-Length the caller declared (None when absent; the server rejects a malformed one)."""
    text = request.headers.get("content-length")
    return int(text) if text is not None and text.isdigit() else None


async def chunks(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The body as it arrives; 413 as soon as more than `limit` bytes were declared or sent."""
    declared = declared_length(request)
    if declared is not None and declared > limit:
        raise too_large(limit)
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise too_large(limit)
        if chunk:
            yield chunk


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, at most `limit` bytes (413 past it)."""
    parts = [chunk async for chunk in chunks(request, limit)]
    return b"".join(parts)


def parse_json_object(data: bytes, limit: int) -> dict[str, object]:
    """The JSON object a body of at most `limit` bytes holds, or 422 saying why not.

    UTF-8 only (RFC 8259 for JSON on a network): the bytes of a lone
    surrogate, or UTF-16, are refused here rather than decoded.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ApiError(422, f"not valid JSON: the body is not UTF-8 (byte {error.start})") from None
    try:
        return parse_document(text, limit=limit)
    except InputError as error:
        raise ApiError(422, str(error)) from None


__all__ = ["JSON_LINES_TYPES", "JSON_TYPES", "chunks", "parse_json_object", "read_body", "require_media_type"]
