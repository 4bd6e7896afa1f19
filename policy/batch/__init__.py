"""`policy batch`: assess a JSON Lines file of requests over worker processes.

Contract of the output (one JSON object per line, in input order):

- every input line gives exactly one output line, ``{"line": N, "request_id": ID, ...}``
  (N counts from 1; ID is the request's ``id`` when it is a string, else null)
  with exactly one of
  ``"determination"`` (the determination's JSON),
  ``"errors"`` (``[{"path", "message"}, ...]``: the line is not a valid request;
  a line that is not a JSON object, a blank line and a line over the length
  limit are reported here with path ``""``), or
  ``"internal_error"`` (a string: assessing this line failed on our side,
  including a worker that died or took longer than the time bound on it);
- a line is the bytes up to and including ``\\n``; a last line without one
  still counts; an empty input gives no output. A blank line (spaces, tabs,
  ``\\r`` only) is not skipped: it gets ``errors`` with the message
  ``blank line: no request document``, so output line N always answers
  input line N and counts match.

Memory stays constant whatever the input's size: lines are read in chunks
(at most `chunk_lines` lines or about `chunk_bytes` bytes), at most
`window` chunks are read ahead of the output, and a line longer than
`max_line_bytes` is skipped through to its newline without being held.

Workers: `workers` processes (default one per CPU), forked where the
platform can (they share the network and code table the parent loaded;
the engine adapter re-creates its lock in the child), spawned elsewhere
(each loads them once at start, outside any line's time bound).

Time: each worker reports which line it is on; a line that takes longer
than `timeout` seconds (checked about every tenth of a second) gets its
worker killed and becomes an internal error; the rest of its chunk goes to
a fresh worker. The bound is there because the engine once spun forever on
one pattern.

Lifetime: workers end when the run's process ends, however it ends
(`worker.py`: a kernel death signal on Linux, pipe ends closed in the
child, the parent's pid watched). SIGTERM stops the command as Ctrl-C
does: workers stopped, every finished line written, exit code 143.

Resuming (`policy batch IN OUT --resume`, `resume.py`): OUT's complete
lines are kept when they answer the first lines of IN (same line numbers and
request ids), a partial last line is cut, and the run goes on from there;
OUT that does not fit is refused and left as it is. OUT that is a symbolic
link is refused unless `--follow-symlink` is given.
"""

from __future__ import annotations

from policy.batch.lines import BatchIOError, Outcome, assess_line
from policy.batch.pool import TIMEOUT_SECONDS, BatchFailure, Options, Progress, Summary, run
from policy.batch.resume import ResumeRefused
from policy.batch.terminal import (
    EXIT_DONE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_IO,
    EXIT_TERMINATED,
    command,
    summary_table,
)

__all__ = [
    "EXIT_DONE",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_IO",
    "EXIT_TERMINATED",
    "TIMEOUT_SECONDS",
    "BatchFailure",
    "BatchIOError",
    "Options",
    "Outcome",
    "Progress",
    "ResumeRefused",
    "Summary",
    "assess_line",
    "command",
    "run",
    "summary_table",
]
