"""The request id every answer carries, and the last line of defence against a failure showing.

Every response has an `X-Request-ID` header: the caller's own when it is
short and made of safe characters (so a gateway's id can be followed
through), else a new random one. The same id is on the request's decision
log lines and server log lines (`current_request_id`, a context variable,
read by the log filter and the decision log).

An exception no handler took becomes a 500 with a fixed message and the
request id; its traceback goes to the server log only.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from policy.server.errors import internal_error_body

HEADER = "X-Request-ID"
_HEADER_KEY = HEADER.lower().encode("ascii")
# What a caller's id may be: a uuid, a trace id, a gateway's id; nothing that could break a log line.
ACCEPTED_ID = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}")
# The part of a path shown in the access log; the rest is left out.
LOGGED_PATH_CHARS = 200
NO_REQUEST = "-"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("policy_request_id", default=NO_REQUEST)
access_log = logging.getLogger("policy.server.access")
server_log = logging.getLogger("policy.server")


def current_request_id() -> str:
    """The id of the request being served ('-' outside one)."""
    return _current.get()


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every log record as `request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == _HEADER_KEY:
            return value.decode("ascii") if ACCEPTED_ID.fullmatch(value) else None
    return None


def _shown_path(scope: Scope) -> str:
    path = str(scope.get("path", ""))[:LOGGED_PATH_CHARS]
    return path.encode("unicode_escape").decode("ascii")


class RequestIdMiddleware:
    """Sets the request id, puts it on the response, logs the request, and turns a failure into a 500."""

    def __init__(self, app: ASGIApp, *, log_each_request: bool = True) -> None:
        self.app = app
        self.log_each_request = log_each_request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        token = _current.set(request_id)
        header = (_HEADER_KEY, request_id.encode("ascii"))
        started = time.perf_counter()
        state: dict[str, Any] = {"status": 0}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                headers = [pair for pair in message.get("headers", ()) if pair[0].lower() != _HEADER_KEY]
                message = {**message, "headers": [*headers, header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:
            state["status"] = state["status"] or 499  # the caller left; nothing to answer
        except Exception:  # noqa: BLE001 - whatever failed, the caller sees only a request id
            server_log.exception("internal error while serving %s %s", scope.get("method"), _shown_path(scope))
            if not state["status"]:
                state["status"] = 500
                body = internal_error_body(request_id)
                await send({"type": "http.response.start", "status": 500, "headers": [
                    (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), header,
                ]})
                await send({"type": "http.response.body", "body": body})
        finally:
            if self.log_each_request:
                access_log.info("%s %s %s %.1fms", scope.get("method"), _shown_path(scope), state["status"],
                                (time.perf_counter() - started) * 1000)
            _current.reset(token)


__all__ = ["HEADER", "RequestIdFilter", "RequestIdMiddleware", "current_request_id"]
