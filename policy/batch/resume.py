"""`policy batch --resume`: what an interrupted run left in OUT, checked against IN before a byte is written.

OUT may hold, for a prefix of IN, complete output lines (each ending in a
newline), then at most one partial line (the run was stopped mid-write). It
is resumable when every complete line is a JSON object whose `line` is its
own position and whose `request_id` is the one that line of IN gives (the
request's `id` when it is a string; null for a line over the length limit).
Anything else is refused, and OUT is left as it is; otherwise the partial
line is cut and the run goes on from the next line of IN, so the finished
OUT equals the output of a run that was never interrupted.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO

from attrs import frozen

from policy.batch.lines import Outcome, id_on_line, read_lines
from policy.batch.pool import Summary

_TIMED_OUT = "no result within"  # how the run words a line whose worker it stopped


class ResumeRefused(ValueError):
    """OUT does not hold the beginning of this run's output: resuming would mix two runs."""


@frozen
class Resumption:
    """Where a resumed run starts: the output lines kept, the bytes of OUT and of IN they take."""

    lines: int
    output_bytes: int
    input_bytes: int


def _entry(data: bytes, number: int) -> dict[str, Any]:
    try:
        entry = json.loads(data)
    except ValueError:
        entry = None
    if not isinstance(entry, dict) or "line" not in entry or "request_id" not in entry:
        raise ResumeRefused(f"line {number} of OUT is not a result line of `policy batch`")
    return entry


def _counted(entry: dict[str, Any]) -> Outcome:
    """The outcome a kept line stands for, as the summary counts it."""
    determination = entry.get("determination")
    if isinstance(determination, dict):
        reasons = tuple(str(r.get("statement")) for r in determination.get("reasons") or () if isinstance(r, dict))
        return Outcome(b"", "determination", str(determination.get("decision")), reasons)
    if "errors" in entry:
        return Outcome(b"", "invalid")
    return Outcome(b"", "internal_error")


def check(source: BinaryIO, target: BinaryIO, max_line_bytes: int, summary: Summary) -> Resumption:
    """Check OUT (`target`, read from its start) against IN (`source`), counting kept lines in `summary`.

    Leaves `source` at the first line still to assess. Raises ResumeRefused,
    saying where the two part, when OUT is not this run's output so far.
    """
    inputs = read_lines(source, max_line_bytes)
    number = kept = used = 0
    while True:
        data = target.readline()
        if not data.endswith(b"\n"):  # the end of OUT, or a line cut short: written again
            break
        number += 1
        entry = _entry(data, number)
        line = next(inputs, None)
        if line is None:
            raise ResumeRefused(f"OUT holds more lines than IN ({number - 1} in IN)")
        request, size = line
        if entry["line"] != number:
            raise ResumeRefused(f"line {number} of OUT answers input line {entry['line']!r}")
        expected = None if request is None else id_on_line(request[:-1] if request.endswith(b"\n") else request)
        if entry["request_id"] != expected:
            raise ResumeRefused(f"line {number} of OUT is for request {entry['request_id']!r}, "
                                f"line {number} of IN for {expected!r}")
        outcome = _counted(entry)
        summary.count(outcome)
        if outcome.kind == "internal_error" and str(entry.get("internal_error", "")).startswith(_TIMED_OUT):
            summary.timed_out += 1
        kept += len(data)
        used += size
    summary.resumed, summary.resumed_bytes = number, used
    summary.bytes_read += used
    return Resumption(number, kept, used)
