"""A mutation run of one policy: copies, the unmutated suite, then each mutant in a worker.

The checkout is copied once (the pristine copy: the run's snapshot of the
source) and once more per worker. The policy's acceptance scenarios must
pass in the pristine copy before any mutant is tried. Each worker then
takes mutants one at a time: it writes the mutant into its copy, runs the
policy's scenarios (a pytest process, stopping at the first failure, the
mutant's own statements' scenarios first), and, when nothing failed, looks
for a candidate request the mutant decides differently (a probe process in
the same copy), before writing the file back. Interrupted, the run stops
its processes and removes every copy.
"""

from __future__ import annotations

import collections
import json
import sys
import threading
import time
from collections.abc import Callable, Collection
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from attrs import frozen

from policy.mutate.equivalents import Declaration
from policy.mutate.find import PolicyMutants, find_mutants
from policy.mutate.mutants import Mutant
from policy.mutate.report import MutantResult, PolicyReport, Status
from policy.mutate.suite import run_suite
from policy.mutate.witness import Witness, witness
from policy.mutate.workspace import MutationError, Processes, Scratch, Workspace, checkout_root

# Generous bounds: a mutant that loops forever is killed by its timeout, never waited on for good.
BASELINE_TIMEOUT = 900.0
SLOWEST_FACTOR = 10
SHORTEST_TIMEOUT = 120.0
PROBE_TIMEOUT = 900.0
CANDIDATES = "candidates.json"
BASELINE = "baseline.jsonl"

Progress = Callable[[MutantResult, int, int], None]


@frozen
class Options:
    """How to run: `workers` copies at once; only the mutants of `statement` (or with ids in `only`);
    `root` the checkout to copy (default: the one this package runs from); `search` for killing requests."""

    workers: int = 1
    statement: str | None = None
    only: Collection[str] | None = None
    root: Path | None = None
    search: bool = True


class _Search:
    """Finds the first candidate request a mutant decides differently from the original policy.

    The candidates and the original's outcomes are made once, in the pristine copy, when the first
    mutant survives.
    """

    def __init__(self, processes: Processes, scratch: Scratch, pristine: Workspace, policy_id: str) -> None:
        self.processes = processes
        self.pristine = pristine
        self.policy_id = policy_id
        self.candidates_file = scratch.path(CANDIDATES)
        self.baseline_file = scratch.path(BASELINE)
        self._lock = threading.Lock()
        self._candidates: list[dict[str, Any]] | None = None

    def _probe(self, workspace: Workspace, mode: str) -> str:
        args = [sys.executable, "-m", "policy.mutate.probe", mode, self.policy_id,
                str(self.candidates_file), str(self.baseline_file), str(self.pristine.root)]
        code, output = self.processes.run(args, workspace.root, workspace.environment(), PROBE_TIMEOUT)
        if code != 0:
            raise MutationError(f"the request probe failed ({mode}, exit {code}):\n{output[-3000:]}")
        return output

    def _prepare(self) -> list[dict[str, Any]]:
        with self._lock:
            if self._candidates is None:
                self._probe(self.pristine, "generate")
                self._candidates = json.loads(self.candidates_file.read_text(encoding="utf-8"))
            return self._candidates

    def find(self, workspace: Workspace) -> Witness | None:
        """A witness against the mutant applied in `workspace`, or None when no candidate tells it apart."""
        candidates = self._prepare()
        output = self._probe(workspace, "diff")
        found = json.loads(output.strip().splitlines()[-1])
        if found["index"] is None:
            return None
        return witness(found, candidates[found["index"]])


class _Trial:
    """Decides one mutant's fate in a workspace."""

    def __init__(self, policy_id: str, processes: Processes, search: _Search | None,
                 declared: dict[str, Declaration], timeout: float) -> None:
        self.policy_id = policy_id
        self.processes = processes
        self.search = search
        self.declared = declared
        self.timeout = timeout

    def __call__(self, workspace: Workspace, mutant: Mutant) -> MutantResult:
        declaration = self.declared.get(mutant.id)
        reason = declaration.reason if declaration is not None else None
        with workspace.applied(mutant):
            run = run_suite(self.processes, workspace, self.policy_id, mutant.statements, self.timeout)
            if run.failed:
                problem = (f"declared equivalent ({declaration.place}), but {run.failure} kills it: "
                           "remove the declaration") if declaration is not None else None
                return MutantResult(mutant, Status.KILLED, killed_by=run.failure, reason=reason, problem=problem)
            found = self.search.find(workspace) if self.search is not None else None
        searched = self.search is not None
        if declaration is None:
            return MutantResult(mutant, Status.SURVIVED, witness=found, searched=searched)
        if found is not None:
            return MutantResult(mutant, Status.SURVIVED, witness=found, searched=True, reason=reason,
                                problem=f"declared equivalent ({declaration.place}), but a request tells it apart")
        return MutantResult(mutant, Status.EQUIVALENT, searched=searched, reason=reason)


def _in_workers(mutants: list[Mutant], workspaces: list[Workspace], trial: _Trial, processes: Processes,
                progress: Progress | None) -> list[MutantResult]:
    """Every mutant tried, `len(workspaces)` at a time; results in the mutants' order."""
    waiting = collections.deque(enumerate(mutants))
    results: dict[int, MutantResult] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(workspace: Workspace) -> None:
        while not processes.stopping.is_set():
            with lock:
                if not waiting:
                    return
                index, mutant = waiting.popleft()
            try:
                result = trial(workspace, mutant)
            except KeyboardInterrupt:
                return
            except BaseException as error:  # noqa: BLE001 - handed to the main thread, which stops the run
                with lock:
                    errors.append(error)
                processes.stop()
                return
            with lock:
                results[index] = result
                done = len(results)
            if progress is not None:
                progress(result, done, len(mutants))

    threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in workspaces]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)
    except BaseException:
        processes.stop()
        for thread in threads:
            thread.join()
        raise
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(mutants))]


def _chosen(found: PolicyMutants, options: Options) -> list[Mutant]:
    mutants = list(found.mutants)
    if options.statement is not None:
        if options.statement not in found.statements:
            raise MutationError(f"{found.bound.id} has no statement {options.statement}")
        mutants = [m for m in mutants if options.statement in m.statements]
    if options.only is not None:
        mutants = [m for m in mutants if m.id in options.only]
    return mutants


def mutate_policy(policy_id: str, options: Options = Options(), progress: Progress | None = None) -> PolicyReport:
    """Run the policy's mutants against its acceptance scenarios and report what became of each."""
    started = time.monotonic()
    processes = Processes()
    root = options.root or checkout_root()
    with Scratch() as scratch:
        pristine = scratch.workspace("pristine", root)
        found = find_mutants(policy_id, pristine.root)
        mutants = _chosen(found, options)
        clock = time.monotonic()
        baseline = run_suite(processes, pristine, policy_id, (), BASELINE_TIMEOUT)
        if baseline.failed:
            raise MutationError(f"{policy_id}'s acceptance scenarios fail without any mutant "
                                f"({baseline.failure}): fix them first\n{baseline.output[-3000:]}")
        timeout = max(SHORTEST_TIMEOUT, SLOWEST_FACTOR * (time.monotonic() - clock))
        workspaces = [scratch.workspace(f"worker-{n}", pristine.root)
                      for n in range(max(1, min(options.workers, len(mutants))))]
        search = _Search(processes, scratch, pristine, policy_id) if options.search else None
        trial = _Trial(policy_id, processes, search, {d.id: d for d in found.declarations}, timeout)
        results = _in_workers(mutants, workspaces, trial, processes, progress)
    return PolicyReport(
        policy=policy_id, version=found.bound.source.version, digest=found.bound.digest,
        finished=datetime.now(timezone.utc).isoformat(timespec="seconds"), seconds=time.monotonic() - started,
        workers=len(workspaces), statement=options.statement, order=found.statements, results=tuple(results),
        unmatched=found.unmatched(),
    )
