"""`POST /v1/assess:batch`: JSON Lines in, JSON Lines out, streamed, one output line per input line.

Each line is answered by `policy.batch.lines.assess_line`, the function
`policy batch` uses, so a line reads the same from the service as from the
command: `{"line": N, "request_id": ..., "determination" | "errors" |
"internal_error": ...}`. Lines are answered as the body arrives (each
arriving piece in a worker thread, so the event loop keeps serving other
requests), and memory stays bounded: a line over the request size limit is
skipped through to its newline without being held.

Bounds: a Content-Length over the batch byte limit is refused with 413
before anything is read. Past the line or byte limit while streaming (the
answer has begun, so no status can say it), one more line is written,
numbered as the first line not read, with `errors` saying the rest of the
input was not read; then the answer ends.

Unlike `policy batch`, a line has no time bound of its own here: the
service assesses in its own process and cannot stop a stuck assessment.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

import policy
from policy.batch.lines import Outcome, assess_line, internal_error, invalid
from policy.determination import Determination
from policy.errors import Problem
from policy.server.assess import TOO_DEEP, Record
from policy.server.auth import SECURITY
from policy.server.body import JSON_LINES_TYPES, declared_length, require_media_type, too_large
from policy.server.openapi import ERROR_RESPONSES
from policy.server.request_id import current_request_id

log = logging.getLogger("policy.server")
MEDIA_TYPE = "application/x-ndjson"
# A line's number and its bytes, newline included (None: over the size limit, not held).
Line = tuple[int, bytes | None]


class StreamedLines(StreamingResponse):
    """A streamed answer whose generator reads the request body as it goes.

    Starlette's StreamingResponse, under uvicorn, listens for the client's
    disconnect on the same receive channel the body comes through, and would
    take the body's messages; here only the body is read, and a client that
    leaves ends the body's stream (ClientDisconnect).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.stream_response(send)


class InternalError(Exception):
    """A line whose assessment failed on the server: the caller sees only where to look."""


class LineSplitter:
    """Cuts arriving bytes into lines, holding at most `limit` bytes of an unfinished one."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self._pending = bytearray()
        self._overlong = False

    def feed(self, data: bytes) -> Iterator[Line]:
        start = 0
        while start < len(data):
            end = data.find(b"\n", start)
            piece = data[start:] if end < 0 else data[start:end + 1]
            start = len(data) if end < 0 else end + 1
            if not self._overlong:
                self._pending += piece
                if len(self._pending) > self.limit and not (end >= 0 and len(self._pending) == self.limit + 1):
                    self._overlong = True
                    self._pending.clear()
            if end >= 0:
                yield self._finish()

    def close(self) -> Iterator[Line]:
        """The last line, when the input did not end with a newline."""
        if self._pending or self._overlong:
            yield self._finish()

    def _finish(self) -> Line:
        self.count += 1
        line: Line = (self.count, None if self._overlong else bytes(self._pending))
        self._pending.clear()
        self._overlong = False
        return line


class _Assessing:
    """Answers lines of one batch, recording each determination it answers."""

    def __init__(self, record: Record, line_limit: int) -> None:
        self.record = record
        self.line_limit = line_limit
        self._made: tuple[Mapping[str, Any], Determination, float] | None = None

    def _assess(self, document: Mapping[str, Any]) -> Determination:
        started = time.perf_counter()
        try:
            determination = policy.assess(document)
        except RecursionError:
            raise policy.InvalidRequest([Problem("", TOO_DEEP)]) from None
        except policy.InvalidRequest:
            raise
        except Exception as error:  # noqa: BLE001 - the caller's line says where to look, the log says what
            log.exception("internal error on a batch line")
            raise InternalError(f"see the server log, request id {current_request_id()}") from error
        self._made = (document, determination, time.perf_counter() - started)
        return determination

    def answer(self, number: int, data: bytes | None) -> bytes:
        if data is None:
            return invalid(number, None, [{"path": "", "message": (
                f"line too long: a request line holds at most {self.line_limit} bytes")}]).data
        self._made = None
        outcome: Outcome = assess_line(number, data, self._assess)
        if outcome.kind == "determination" and self._made is not None:
            document, determination, seconds = self._made
            try:
                self.record(document, determination, seconds, line=number)
            except OSError:
                log.exception("a batch line's decision could not be recorded: not answered")
                return internal_error(number, f"see the server log, request id {current_request_id()}",
                                      determination.request_id).data
        return outcome.data

    def answer_all(self, lines: Sequence[Line]) -> bytes:
        return b"".join(self.answer(number, data) for number, data in lines)


def _refused_rest(number: int, why: str) -> bytes:
    message = f"{why}: this line and the rest of the input were not read"
    return invalid(number, None, [{"path": "", "message": message}]).data


async def _answers(request: Request, record: Record, *, line_limit: int, max_lines: int, max_bytes: int
                   ) -> AsyncIterator[bytes]:
    splitter = LineSplitter(line_limit)
    assessing = _Assessing(record, line_limit)
    received = 0
    async for chunk in request.stream():
        allowed = chunk[: max(0, max_bytes - received)]
        received += len(chunk)
        lines = list(splitter.feed(allowed))
        if splitter.count > max_lines:
            lines = lines[: len(lines) - (splitter.count - max_lines)]
            if lines:
                yield await anyio.to_thread.run_sync(assessing.answer_all, lines)
            yield _refused_rest(max_lines + 1, f"over the limit of {max_lines} lines in a batch")
            return
        if lines:
            yield await anyio.to_thread.run_sync(assessing.answer_all, lines)
        if received > max_bytes:  # the lines that ended within the limit are answered; the next one is not
            yield _refused_rest(splitter.count + 1, f"over the limit of {max_bytes} bytes in a batch")
            return
    last = list(splitter.close())
    if last and splitter.count <= max_lines:
        yield await anyio.to_thread.run_sync(assessing.answer_all, last)
    elif last:
        yield _refused_rest(max_lines + 1, f"over the limit of {max_lines} lines in a batch")


def batch_router(*, dependencies: Sequence[Any], record: Record, line_limit: int, max_lines: int,
                 max_bytes: int) -> APIRouter:
    router = APIRouter(tags=["assess"], dependencies=list(dependencies))

    @router.post(
        "/v1/assess:batch",
        summary="Assess JSON Lines of requests, one result line per input line",
        response_class=StreamedLines,
        responses={**ERROR_RESPONSES, 200: {
            "description": "One JSON line per input line, in input order (the `policy batch` line format).",
            "content": {MEDIA_TYPE: {"schema": {"type": "string"}}},
        }},
        openapi_extra={"security": SECURITY, "requestBody": {"required": True, "content": {
            MEDIA_TYPE: {"schema": {"type": "string", "description": "One request document per line."}},
        }}},
    )
    async def assess_batch(request: Request) -> StreamedLines:
        """Each line a request document naming its policy; each answer line carries `line`, `request_id`
        and one of `determination`, `errors` or `internal_error`."""
        require_media_type(request, JSON_LINES_TYPES)
        declared = declared_length(request)
        if declared is not None and declared > max_bytes:
            raise too_large(max_bytes)
        answers = _answers(request, record, line_limit=line_limit, max_lines=max_lines, max_bytes=max_bytes)
        return StreamedLines(answers, media_type=MEDIA_TYPE)

    return router


__all__ = ["LineSplitter", "batch_router"]
