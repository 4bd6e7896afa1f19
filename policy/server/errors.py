"""Every error answer: `{"errors": [{"path", "message"}, ...]}`, never a traceback or a server path.

The shape is the one `policy.InvalidRequest.errors` gives, so a client reads
a 422 from validation and a 401, 404, 413 or 415 the same way. What is
echoed is bounded: a caller's input can make the library's messages long,
and an error answer must never be the place where input is amplified.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from policy.json_text import compact
from policy.limits import LIMITS

# Generous beside the library's own bounds: these only stop an answer from
# growing with its input should a message ever quote too much of it.
MAX_ERRORS = 4 * LIMITS.problems
MAX_ERROR_CHARS = 4 * LIMITS.string_chars
INTERNAL_ERROR = "internal error"


class ApiError(Exception):
    """A request answered with an error status and the problems listed."""

    def __init__(self, status: int, message: str, *, path: str = "", headers: Mapping[str, str] | None = None,
                 errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors if errors is not None else [{"path": path, "message": message}]
        self.headers = dict(headers or {})


class Unauthorized(ApiError):
    """Missing or wrong credentials: 401 with the challenge RFC 6750 asks for."""

    def __init__(self, message: str, *, error: str | None) -> None:
        challenge = 'Bearer realm="policy"' + (f', error="{error}"' if error else "")
        super().__init__(401, message, headers={"WWW-Authenticate": challenge})


def json_bytes(value: Any) -> bytes:
    """Compact JSON as UTF-8, as every output of the package writes it (a lone surrogate as its escape)."""
    return compact(value)


def _bounded(text: str) -> str:
    if len(text) <= MAX_ERROR_CHARS:
        return text
    return f"{text[:MAX_ERROR_CHARS]}... ({len(text)} characters)"


def bounded_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """At most MAX_ERRORS problems, each string at most MAX_ERROR_CHARS (they never are, from the library)."""
    listed: list[dict[str, Any]] = []
    for count, error in enumerate(errors):
        if count == MAX_ERRORS:
            listed.append({"path": "", "message": "more problems than listed"})
            break
        listed.append({key: _bounded(value) if isinstance(value, str) else value for key, value in error.items()})
    return listed


def error_response(status: int, errors: Iterable[Mapping[str, Any]], headers: Mapping[str, str] | None = None) -> Response:
    return Response(json_bytes({"errors": bounded_errors(errors)}), status_code=status,
                    media_type="application/json", headers=dict(headers or {}))


def internal_error_body(request_id: str) -> bytes:
    return json_bytes({"errors": [{"path": "", "message": INTERNAL_ERROR, "request_id": request_id}]})


# Starlette's own errors (no route, wrong method) carry its stock phrases; said here once.
_STATUS_MESSAGES = {404: "not found", 405: "method not allowed"}


async def _api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return error_response(error.status, error.errors, error.headers)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    message = _STATUS_MESSAGES.get(error.status_code) or (error.detail if isinstance(error.detail, str) else "")
    return error_response(error.status_code, [{"path": "", "message": message or "error"}], error.headers)


def _location(parts: Iterable[Any]) -> str:
    # FastAPI's location starts with where the value was ("path", "query", ...): the rest is the field.
    return ".".join(str(part) for part in list(parts)[1:])


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = [{"path": _location(entry.get("loc", ())), "message": str(entry.get("msg", "invalid"))}
                for entry in error.errors()]
    return error_response(422, problems)


def install_handlers(app: FastAPI) -> None:
    """Answer every error the routes and the framework raise in the one error shape."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)


__all__ = ["ApiError", "Unauthorized", "bounded_errors", "error_response", "install_handlers", "json_bytes"]
