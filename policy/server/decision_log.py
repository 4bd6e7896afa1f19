"""The decision log: one JSON line per determination served, whole or not at all.

Each line is written with a single `os.write` on a file descriptor opened
with O_APPEND: the kernel appends it in one piece, so lines from several
worker processes never interleave, nothing is buffered in the process (a
line is on its way to disk when `record` returns), and a crash of the
process never leaves half a line. A write the kernel shortens (disk full) is
an error: the caller answers 500 and gives no determination it could not
record.

Rotation by size: past `max_bytes` the file is renamed to `<name>.1` (older
ones to `.2` ... up to `backups`), under an exclusive `fcntl` lock on
`<name>.lock` so that only one process rotates; every process notices the
rename (the path names another file than its descriptor) and reopens.

A line (keys in this order):
`{"time", "request_id", "request_sha256", "policy": {"id", "version", "digest"},
"decision", "reasons", "duration_ms"}`, then `"line"` for a line of a batch
and `"request"` (the document) when requests are logged. The sha256 is over
the canonical request: `json.dumps(document, sort_keys=True,
separators=(",", ":"))`, ASCII escapes, UTF-8.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from policy.determination import Determination
from policy.server.request_id import current_request_id

_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
_MODE = 0o600  # decisions are about patients: readable by the service's user only


class DecisionLogError(OSError):
    """A decision could not be recorded."""


def canonical_request(document: Mapping[str, Any]) -> bytes:
    """The request as canonical JSON: sorted keys, no spaces, ASCII escapes (always encodable)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("ascii")


def request_sha256(document: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_request(document)).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def decision_line(request_id: str, document: Mapping[str, Any], determination: Determination, seconds: float,
                  *, line: int | None = None, log_request: bool = False) -> bytes:
    """The log line of one determination, newline included."""
    reference = determination.policy
    entry: dict[str, Any] = {
        "time": _now(),
        "request_id": request_id,
        "request_sha256": request_sha256(document),
        "policy": {"id": reference.id, "version": reference.version, "digest": reference.digest},
        "decision": determination.decision,
        "reasons": [reason.statement for reason in determination.reasons],
        "duration_ms": round(seconds * 1000, 3),
    }
    if line is not None:
        entry["line"] = line
    if log_request:
        entry["request"] = document
    # ASCII escapes: any string a request holds (a lone surrogate too) can be written.
    return (json.dumps(entry, separators=(",", ":")) + "\n").encode("ascii")


class DecisionLog:
    """Appends decision lines to one file, rotating it by size; safe across threads and processes."""

    def __init__(self, path: Path, *, max_bytes: int, backups: int, log_requests: bool = False) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups
        self.log_requests = log_requests
        self._lock_path = path.with_name(path.name + ".lock")
        self._guard = threading.Lock()
        self._fd: int | None = None
        self._pid = os.getpid()

    def open(self) -> None:
        """Open (creating) the log now, so a path that cannot be written stops the server at start."""
        with self._guard:
            self._descriptor()

    def close(self) -> None:
        with self._guard:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def record(self, request_id: str, document: Mapping[str, Any], determination: Determination, seconds: float,
               *, line: int | None = None) -> None:
        """Append the determination's line; DecisionLogError if it cannot be written whole."""
        data = decision_line(request_id, document, determination, seconds, line=line, log_request=self.log_requests)
        with self._guard:
            try:
                fd = self._descriptor()
                if os.fstat(fd).st_size + len(data) > self.max_bytes:
                    fd = self._rotate(fd)
                written = os.write(fd, data)
            except OSError as error:
                raise DecisionLogError(f"cannot write the decision log: {error.strerror or error}") from error
            if written != len(data):
                raise DecisionLogError(f"the decision log took {written} of {len(data)} bytes")

    def on_decision(self, document: Mapping[str, Any], determination: Determination, seconds: float, *,
                    line: int | None = None) -> None:
        """Record a determination made for the request being served (the routes' hook, the FHIR ones' too)."""
        self.record(current_request_id(), document, determination, seconds, line=line)

    # -- the file ----------------------------------------------------------------
    def _descriptor(self) -> int:
        """The open descriptor, reopened when this is a forked child or the file was rotated away."""
        if self._fd is not None and self._pid == os.getpid():
            try:
                named = os.stat(self.path)
                held = os.fstat(self._fd)
                if (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino):
                    return self._fd
            except FileNotFoundError:
                pass
            os.close(self._fd)
        self._pid = os.getpid()
        self._fd = os.open(self.path, _FLAGS, _MODE)
        return self._fd

    def _rotate(self, fd: int) -> int:
        """Rename the full log away (if no other process did already) and open a fresh one."""
        lock = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), _MODE)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            held = os.fstat(fd)
            try:
                named = os.stat(self.path)
                still_ours = (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)
            except FileNotFoundError:
                still_ours = False
            if still_ours and held.st_size > 0:
                for number in range(self.backups - 1, 0, -1):
                    older = self._backup(number)
                    if older.exists():
                        os.replace(older, self._backup(number + 1))
                os.replace(self.path, self._backup(1))
            os.close(fd)
            self._fd = os.open(self.path, _FLAGS, _MODE)
            return self._fd
        finally:
            os.close(lock)  # closing releases the lock

    def _backup(self, number: int) -> Path:
        return self.path.with_name(f"{self.path.name}.{number}")


__all__ = ["DecisionLog", "DecisionLogError", "canonical_request", "decision_line", "request_sha256"]
