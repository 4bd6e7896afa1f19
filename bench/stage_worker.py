"""One side of the before/after comparison of issue 10 (bench/before_after.py).

Run as `python -P stage_worker.py POLICY_ID DOCUMENTS` with PYTHONPATH and the
working directory set to the tree whose `policy` package is to be timed: the
code before the speed work of issue 10 (a worktree of its commit) or this tree.
It imports nothing but `policy` and the standard library, and only API both
trees have: `policy.assess`, `policy.assessor(id).parse/run`,
`policy.batch.lines.assess_line`, `policy.batch.run`.

Protocol, one JSON object per line on stdout: after its warm-up (network
built, code table loaded, every document assessed twice and written as a
batch line) it writes `ready`; then for each command read from stdin:

- `{"start": i, "stop": j}`: documents i to j - 1, each timed once per stage,
  stage by stage: `assess` (policy.assess), `network` (Assessor.run on the
  parsed request), `line` (one batch line: its bytes in, its output line out,
  `assess_line`), `output` (the output line written from a determination, as
  `assess_line` writes it in that tree); answered with the nanoseconds of each;
- `{"batch": workers, "records": n}`: records per second of `policy.batch.run`
  with that many workers over n records (the documents repeated), worker
  start-up taken out as bench/run.py does;
- `{"quit": true}` or the end of stdin ends it.
"""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Callable
from typing import Any


def _output_writer(lines: Any) -> Callable[[int, Any], bytes]:
    """How this tree's `assess_line` turns a determination into its output line."""
    if hasattr(lines, "_determination_line"):  # issue 10: spliced from the determination's JSON text
        return lines._determination_line  # type: ignore[no-any-return]

    def write(number: int, determination: Any) -> bytes:  # before: json.dumps of a fresh to_dict()
        entry = {"line": number, "request_id": determination.request_id, "determination": determination.to_dict()}
        return lines._encode(entry)  # type: ignore[no-any-return]

    return write


def _batch_rate(data: list[bytes], workers: int, records: int) -> float:
    """Records per second of policy.batch.run, the start-up (a run of a few chunks) taken out."""
    from policy import batch

    options = batch.Options(workers=workers)
    corpus = b"".join(data[i % len(data)] for i in range(records))
    small_count = 2 * workers * options.chunk_lines
    small = b"".join(data[i % len(data)] for i in range(small_count))

    def once(source: bytes) -> float:
        start = time.perf_counter_ns()
        outcome = batch.run(io.BytesIO(source), io.BytesIO(), options)
        if outcome.internal_errors or outcome.invalid:
            raise RuntimeError(f"batch run: {outcome.internal_errors} internal errors, {outcome.invalid} invalid")
        return (time.perf_counter_ns() - start) / 1e9

    overhead = min(once(small) for _ in range(3))
    return (records - small_count) / max(once(corpus) - overhead, 1e-9)


def main() -> int:
    policy_id, documents_file = sys.argv[1:3]
    with open(documents_file, encoding="utf-8") as stream:
        documents = json.load(stream)
    started = time.perf_counter()
    import policy
    from policy.batch import lines

    engine = policy.assessor(policy_id)
    write = _output_writer(lines)
    data = [(json.dumps(document) + "\n").encode() for document in documents]
    requests = [engine.parse(document) for document in documents]
    for _ in range(2):  # warm-up: caches, code table, the allocator, every output line written once
        for number, (document, line) in enumerate(zip(documents, data)):
            write(number, policy.assess(document))
            lines.assess_line(number, line)
    out = sys.stdout
    out.write(json.dumps({"ready": True, "policy_file": policy.__file__,
                          "warmup_seconds": round(time.perf_counter() - started, 2)}) + "\n")
    out.flush()
    clock = time.perf_counter_ns
    for command_line in sys.stdin:
        command = json.loads(command_line)
        if command.get("quit"):
            break
        if "batch" in command:
            out.write(json.dumps({"per_second": _batch_rate(data, command["batch"], command["records"])}) + "\n")
            out.flush()
            continue
        timed: dict[str, list[int]] = {"assess": [], "network": [], "line": [], "output": []}
        for number in range(command["start"], min(command["stop"], len(documents))):
            document, request, line = documents[number], requests[number], data[number]
            start = clock()
            determination = policy.assess(document)
            timed["assess"].append(clock() - start)
            start = clock()
            engine.run(request)
            timed["network"].append(clock() - start)
            start = clock()
            lines.assess_line(number, line)
            timed["line"].append(clock() - start)
            start = clock()
            write(number, determination)
            timed["output"].append(clock() - start)
        out.write(json.dumps(timed) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
