"""One line of a batch: its bytes in, its output line out; and reading lines."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, BinaryIO, NamedTuple

from policy.assessment import assess as assess_request
from policy.determination import Determination
from policy.documents import InputError, parse_document
from policy.errors import InvalidRequest
from policy.json_text import NotPlain, compact, fast_compact
from policy.limits import LIMITS
from policy.request_fields import LONE_SURROGATE

Assess = Callable[[Mapping[str, Any]], Determination]
_BLANK = b" \t\r\n"


class Outcome(NamedTuple):
    """One output line and what the summary counts of it."""

    data: bytes
    kind: str  # "determination" | "invalid" | "internal_error"
    decision: str | None = None
    reasons: tuple[str, ...] = ()


class BatchIOError(OSError):
    """The input cannot be read or the output cannot be written."""


def _encode(entry: dict[str, Any]) -> bytes:
    """A line of compact JSON: UTF-8, or ASCII escapes throughout when it holds a lone surrogate."""
    return compact(entry) + b"\n"


def _determination_line(line: int, determination: Determination) -> bytes:
    """The line of a determination, its JSON text spliced in as the determination keeps it."""
    try:
        opening = fast_compact({"line": line, "request_id": determination.request_id})
        return b"".join((opening[:-1], b',"determination":', determination.fast_json(), b"}\n"))
    except NotPlain:  # written as before, as a whole, so the line is in one encoding
        return _encode({"line": line, "request_id": determination.request_id, "determination": determination.to_dict()})


def _request_id(document: dict[str, Any]) -> str | None:
    """The id a line echoes before its request is validated: a string the screen would pass, else None.

    A line refused as invalid still names its request; an id of any length
    or one that is no valid Unicode is not echoed (policy/validation.py screens both).
    """
    found = document.get("id")
    if isinstance(found, str) and len(found) <= LIMITS.string_chars and not LONE_SURROGATE.search(found):
        return found
    return None


def id_on_line(data: bytes) -> str | None:
    """The id of the request on a line, when it has one (for lines whose worker was lost)."""
    try:
        return _request_id(parse_document(data))
    except InputError:
        return None


def invalid(line: int, request_id: str | None, errors: list[dict[str, str]]) -> Outcome:
    return Outcome(_encode({"line": line, "request_id": request_id, "errors": errors}), "invalid")


def internal_error(line: int, message: str, request_id: str | None = None) -> Outcome:
    """The outcome of a line whose assessment failed on our side."""
    return Outcome(_encode({"line": line, "request_id": request_id, "internal_error": message}), "internal_error")


def assess_line(line: int, data: bytes, assess: Assess = assess_request) -> Outcome:
    """The output line for input line number `line`; never raises for any bytes."""
    request_id: str | None = None
    try:
        if not data.strip(_BLANK):
            return invalid(line, None, [{"path": "", "message": "blank line: no request document"}])
        document = parse_document(data)
        request_id = _request_id(document)
        determination = assess(document)
        reasons = tuple(reason.statement for reason in determination.reasons)
        return Outcome(_determination_line(line, determination), "determination", determination.decision, reasons)
    except InputError as error:
        return invalid(line, None, [{"path": "", "message": str(error)}])
    except InvalidRequest as error:
        return invalid(line, request_id, error.errors)
    except Exception as error:  # noqa: BLE001 - one record's failure is reported on its line
        return internal_error(line, f"{type(error).__name__}: {error}", request_id)


def read_lines(source: BinaryIO, limit: int) -> Iterator[tuple[bytes | None, int]]:
    """Each line (None when over `limit` bytes, never held whole) and its size in bytes."""
    while True:
        try:
            line = source.readline(limit + 1)
            if not line:
                return
            if len(line) <= limit or line.endswith(b"\n"):
                yield line, len(line)
                continue
            size = len(line)
            while not line.endswith(b"\n"):
                line = source.readline(1 << 16)
                if not line:
                    break
                size += len(line)
            yield None, size
        except OSError as error:
            raise BatchIOError(f"cannot read the input: {error.strerror or error}") from error
