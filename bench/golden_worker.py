"""One side of the comparison with the code before the policy library (bench/golden.py).

Run by bench/golden.py as `python -P golden_worker.py MODE POLICY_ID DOCUMENTS`
with PYTHONPATH and the working directory set to the tree whose `policy`
package is to be timed: MODE `baseline` calls `policy.assess(document)` (the
code before the library, which had one policy), `current` calls
`policy.assess(document, policy_id=POLICY_ID)`. It imports nothing but
`policy` and the standard library, so it runs unchanged against either tree.

Protocol, one JSON object per line: after its warm-up (network built, code
table loaded, every document assessed twice) it writes `ready` with the
decisions it got; then for every `{"start": i, "stop": j}` read from stdin it
assesses documents i to j - 1 once, in order, and writes the nanoseconds of
each call; with `"stages": true` it times the three stages of an assessment
instead (validation, network, determination), each on its own;
`{"quit": true}` or the end of stdin ends it.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any


def _stage_functions(policy: Any, mode: str, policy_id: str) -> tuple[Callable[[Any], Any], Any] | None:
    """Validation and the assessor (with `run` and `determine`), by each tree's own API."""
    try:
        if mode == "baseline":  # before the library: parse_request(document), assessor() of its one policy
            from policy.assessment import assessor
            from policy.validation import parse_request

            return parse_request, assessor()
        engine = policy.assessor(policy_id)
        return engine.parse, engine
    except Exception:  # noqa: BLE001 - an API this script does not know: stages are not timed
        return None


def main() -> int:
    mode, policy_id, documents_file = sys.argv[1:4]
    with open(documents_file, encoding="utf-8") as stream:
        documents = json.load(stream)
    started = time.perf_counter()
    import policy

    assess: Callable[[Any], Any]
    if mode == "baseline":
        assess = policy.assess  # the code before the library: one policy, no policy_id
    elif mode == "current":
        def assess(document: Any) -> Any:
            return policy.assess(document, policy_id=policy_id)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    decisions = [assess(document).decision for document in documents]  # warm-up, and what it decides
    for document in documents:  # a second pass: caches and allocator settled
        assess(document)
    stages = _stage_functions(policy, mode, policy_id)
    out = sys.stdout
    out.write(json.dumps({
        "ready": True,
        "policy_file": policy.__file__,
        "version": getattr(policy, "__version__", None),
        "decisions": decisions,
        "stages": stages is not None,
        "warmup_seconds": round(time.perf_counter() - started, 2),
    }) + "\n")
    out.flush()
    clock = time.perf_counter_ns
    for line in sys.stdin:
        command = json.loads(line)
        if command.get("quit"):
            break
        chosen = documents[command["start"]:command["stop"]]
        if command.get("stages") and stages is not None:
            parse, engine = stages
            timed: dict[str, list[int]] = {"validation": [], "network": [], "determination": []}
            for document in chosen:
                t0 = clock()
                request = parse(document)
                t1 = clock()
                derived, branches = engine.run(request)
                t2 = clock()
                engine.determine(request, derived, branches)
                t3 = clock()
                timed["validation"].append(t1 - t0)
                timed["network"].append(t2 - t1)
                timed["determination"].append(t3 - t2)
            out.write(json.dumps(timed) + "\n")
        else:
            times = []
            for document in chosen:
                start = clock()
                assess(document)
                times.append(clock() - start)
            out.write(json.dumps({"times_ns": times}) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
