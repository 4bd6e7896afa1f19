"""What a mutation run found: each mutant's fate, counted per statement, as data and as JSON.

A mutant is `killed` (some example failed with it applied), `equivalent`
(declared so, not killed, and no candidate request tells it apart) or
`survived`. A declaration that is contradicted (its mutant was killed, or a
request tells it apart) or names no mutant is a problem of the report. The
run is clean when nothing survived and no declaration is a problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from attrs import frozen

from policy.mutate.equivalents import Declaration
from policy.mutate.mutants import Mutant
from policy.mutate.witness import Witness

FORMAT = 1
NOT_TOLD_APART = ("no candidate request tells it from the original: it may be equivalent (declare it in "
                  "EQUIVALENT_MUTANTS with the reason), or need an example the search does not build")


class Status(str, Enum):
    KILLED = "killed"
    SURVIVED = "survived"
    EQUIVALENT = "equivalent"


@frozen
class MutantResult:
    """A mutant's fate: who killed it, or the request that would (`searched`: whether one was looked for)."""

    mutant: Mutant
    status: Status
    killed_by: str | None = None
    witness: Witness | None = None
    searched: bool = False
    reason: str | None = None  # the declared reason, for a mutant declared equivalent
    problem: str | None = None  # what is wrong with its declaration

    def to_dict(self) -> dict[str, Any]:
        mutant = self.mutant
        entry: dict[str, Any] = {
            "id": mutant.id, "statement": mutant.statement, "also": list(mutant.also), "kind": mutant.kind.value,
            "file": mutant.file, "line": mutant.line, "mutation": mutant.mutation, "status": self.status.value,
            "killed_by": self.killed_by,
        }
        if self.reason is not None:
            entry["reason"] = self.reason
        if self.problem is not None:
            entry["problem"] = self.problem
        if self.searched:
            entry["witness"] = self.witness.to_dict() if self.witness is not None else None
            if self.witness is None and self.status is Status.SURVIVED:
                entry["note"] = NOT_TOLD_APART
        return entry


@frozen
class StatementResult:
    """The mutants of one statement and what became of them."""

    id: str
    results: tuple[MutantResult, ...]

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status is status)

    @property
    def survivors(self) -> tuple[MutantResult, ...]:
        return tuple(r for r in self.results if r.status is Status.SURVIVED)

    @property
    def equivalents(self) -> tuple[MutantResult, ...]:
        return tuple(r for r in self.results if r.status is Status.EQUIVALENT)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "mutants": len(self.results), "killed": self.count(Status.KILLED),
            "survived": self.count(Status.SURVIVED), "equivalent": self.count(Status.EQUIVALENT),
            "survivors": [r.to_dict() for r in self.survivors],
            "equivalents": [r.to_dict() for r in self.equivalents],
        }


@frozen
class PolicyReport:
    """One policy's run: its identity, when and how it ran, every mutant's fate, unmatched declarations."""

    policy: str
    version: str
    digest: str
    finished: str  # ISO 8601, UTC
    seconds: float
    workers: int
    statement: str | None  # the statement the run was narrowed to, if any
    order: tuple[str, ...]  # the policy's statements, in its order
    results: tuple[MutantResult, ...]
    unmatched: tuple[Declaration, ...] = ()

    def statements(self) -> list[StatementResult]:
        """Per statement of the policy that has mutants, in the policy's order."""
        grouped: dict[str, list[MutantResult]] = {}
        for result in self.results:
            grouped.setdefault(result.mutant.statement, []).append(result)
        ordered = [s for s in self.order if s in grouped] + [s for s in grouped if s not in self.order]
        return [StatementResult(s, tuple(grouped[s])) for s in ordered]

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status is status)

    @property
    def problems(self) -> list[str]:
        """Declarations that are wrong or name no mutant, each with its place."""
        wrong = [f"{r.mutant.place}: {r.mutant.id}: {r.problem}" for r in self.results if r.problem]
        unmatched = [f"{d.place}: {d.id}: declared equivalent, but {self.policy} has no such mutant"
                     for d in self.unmatched]
        return wrong + unmatched

    @property
    def ok(self) -> bool:
        return self.count(Status.SURVIVED) == 0 and not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "policy": self.policy,
            "version": self.version,
            "digest": self.digest,
            "finished": self.finished,
            "seconds": round(self.seconds, 1),
            "workers": self.workers,
            "statement": self.statement,
            "ok": self.ok,
            "totals": {"mutants": len(self.results), "killed": self.count(Status.KILLED),
                       "survived": self.count(Status.SURVIVED), "equivalent": self.count(Status.EQUIVALENT)},
            "statements": [s.to_dict() for s in self.statements()],
            "mutants": [r.to_dict() for r in self.results],
            "problems": self.problems,
        }


def reports_document(reports: Sequence[PolicyReport]) -> dict[str, Any]:
    """The JSON `policy mutate --json` prints: every policy run, and whether all are clean."""
    return {"format": FORMAT, "ok": all(r.ok for r in reports), "policies": [r.to_dict() for r in reports]}
