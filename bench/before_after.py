"""Issue 10's ratios, measured in one run: the code before its speed work against this tree.

The targets of issue 10 are ratios to "today's" code (one batch output line
at most 0.35 of today's cost, `policy batch` at least 3x today's records per
second per worker). Ratios to figures recorded on another day would mostly
measure the load of that day, so both sides are timed here, in the same run:

- before: the code before the speed work (`before_commit()`: the parent of the
  commit that added its fast path of validation, policy/fast_validation.py, or
  HEAD while that is not committed yet), checked out into a temporary git
  worktree (bench/golden.py's, removed however the run ends);
- after: this tree.

Each side is a subprocess (bench/stage_worker.py) with PYTHONPATH and the
working directory set to its tree, given the same documents (each policy's
benchmark mix, bench/requests.py). Both warm up first. Every round times every
document once per side and stage (assess, bare network, one batch line, the
output line written from a determination), in slices of SLICE documents; one
side runs while the other waits, and the side that goes first alternates from
slice to slice. Then `policy batch` is run by each side in turn, with 1 and
with 2 workers, alternating, BATCH_ROUNDS times each; the medians are compared.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import golden

ROOT = Path(__file__).resolve().parent.parent
STAGE_WORKER = Path(__file__).resolve().parent / "stage_worker.py"
# A file the speed work of issue 10 added: the commit before the one that added it is "before".
MARKER = "policy/fast_validation.py"
SLICE = 200
BATCH_ROUNDS = 3
STAGES = ("assess", "network", "line", "output")
SIDES = ("before", "after")


def before_commit() -> str:
    """The code before issue 10's speed work: the parent of the commit adding MARKER, else HEAD."""
    added = golden._git("log", "--diff-filter=A", "--format=%H", "--", MARKER, check=False).stdout.split()
    return f"{added[-1]}^" if added else "HEAD"


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if len(ordered) % 2 else (ordered[len(ordered) // 2 - 1] + ordered[len(ordered) // 2]) / 2


def compare(policy_id: str, documents: list[dict[str, Any]], rounds: int, batch_records: int,
            commit: str, say: Callable[[str], None] = lambda text: None) -> dict[str, Any]:
    """Time one policy's documents under `commit` and under this tree, sides alternating."""
    resolved = golden._git("rev-parse", "--verify", f"{commit}^{{commit}}", check=False).stdout.strip()
    if not resolved:
        raise RuntimeError(f"commit {commit} is not in this clone")
    load = os.getloadavg()[0]
    result: dict[str, Any] = {"policy": policy_id, "before_commit": resolved[:12], "documents": len(documents),
                              "rounds": rounds, "batch_records": batch_records, "batch_rounds": BATCH_ROUNDS}
    with golden._terminate_cleanly(), golden.baseline_tree(commit) as tree, \
            tempfile.TemporaryDirectory(prefix="bench-before-after-") as tmp:
        inputs = Path(tmp) / "documents.json"
        inputs.write_text(json.dumps(documents))
        workers: dict[str, golden._Worker] = {}
        finished = False
        try:
            for side, where in (("before", tree), ("after", ROOT)):
                workers[side] = golden._Worker(side, where, policy_id, inputs, Path(tmp) / f"{side}.log",
                                               script=STAGE_WORKER, arguments=(policy_id, str(inputs)))
            ready = {side: worker.read() for side, worker in workers.items()}
            for side, info in ready.items():
                imported = Path(info["policy_file"]).resolve()
                if not imported.is_relative_to(workers[side].tree.resolve()):
                    raise RuntimeError(f"the {side} worker imported policy from {imported}, not from its tree")
            say(f"  {policy_id}: workers ready; {rounds} rounds of {len(documents)} documents, then policy batch")
            times: dict[str, dict[str, list[int]]] = {side: {stage: [] for stage in STAGES} for side in SIDES}
            turn = 0
            for _ in range(rounds):
                for start in range(0, len(documents), SLICE):
                    order = SIDES if turn % 2 == 0 else SIDES[::-1]
                    turn += 1
                    for side in order:
                        workers[side].send({"start": start, "stop": start + SLICE})
                        for stage, samples in workers[side].read().items():
                            times[side][stage].extend(samples)
            rates: dict[str, dict[int, list[float]]] = {side: {1: [], 2: []} for side in SIDES}
            for count in (1, 2):
                for _ in range(BATCH_ROUNDS):
                    order = SIDES if turn % 2 == 0 else SIDES[::-1]
                    turn += 1
                    for side in order:
                        workers[side].send({"batch": count, "records": batch_records})
                        rates[side][count].append(workers[side].read()["per_second"])
            finished = True
        finally:
            for worker in workers.values():
                worker.close(graceful=finished)
    for side in SIDES:
        result[side] = {
            "stages": {stage: golden._summary(samples) for stage, samples in times[side].items()},
            "batch_per_second": {str(count): round(_median(found)) for count, found in rates[side].items()},
            "batch_per_second_runs": {str(count): [round(r) for r in found] for count, found in rates[side].items()},
        }
        per_second = result[side]["batch_per_second"]
        result[side]["batch_speedup"] = round(per_second["2"] / per_second["1"], 2)
    result["ratios"] = {
        stage: round(result["after"]["stages"][stage]["median_us"] / result["before"]["stages"][stage]["median_us"], 3)
        for stage in STAGES
    }
    result["ratios"].update({
        f"batch_{count}_worker": round(result["after"]["batch_per_second"][str(count)]
                                       / result["before"]["batch_per_second"][str(count)], 2)
        for count in (1, 2)
    })
    result["load_average_1min"] = [round(load, 2), round(os.getloadavg()[0], 2)]
    return result


def compare_all(mixes: dict[str, list[dict[str, Any]]], rounds: int, batch_records: int,
                commit: str | None = None, say: Callable[[str], None] = lambda text: None) -> list[dict[str, Any]]:
    """One comparison per policy; a comparison that cannot run is reported, not raised."""
    commit = commit or before_commit()
    results = []
    for policy_id, documents in mixes.items():
        say(f"measuring: {policy_id} before ({commit}) and after issue 10's speed work")
        started = time.perf_counter()
        try:
            result = compare(policy_id, documents, rounds, batch_records, commit, say)
        except Exception as error:  # noqa: BLE001 - reported on the page
            result = {"policy": policy_id, "before_commit": commit, "error": f"{type(error).__name__}: {error}"}
        result["seconds"] = round(time.perf_counter() - started, 1)
        results.append(result)
    return results
