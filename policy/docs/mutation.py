"""Mutation results as the handbook shows them: per statement, mutants killed of all, and when.

`make mutate` (`policy mutate --results docs/mutation`) records one report
per policy, `docs/mutation/<policy-id>.json` (or in the folder
$POLICY_MUTATION_RESULTS names). The reports are committed: a run takes
minutes, so the handbook built from a clean clone shows the last one. A statement page shows its statement's
line of it beside the example results, and marks a statement whose
examples let a mutant survive, with the mutant, its place and the example
that would kill it. Without a report a statement's mutation testing is
"not run"; a report made from another version of the policy source says so.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from attrs import field, frozen

from policy.docs.markdown import code, table
from policy.source import source_root

MUTATION_DIR = Path("docs") / "mutation"
MUTATION_ENV = "POLICY_MUTATION_RESULTS"
NOT_RUN = "not run"
SURVIVOR_LABEL = "surviving mutant"
# The badge's colours, inline: it is drawn where a provenance badge would be, in the same shape.
SURVIVOR_STYLE = "color: #b3261e; background: #fde7e6;"


@frozen
class Survivor:
    """A mutant the examples did not kill: what it changes, where, and the example that would kill it."""

    id: str
    place: str
    mutation: str
    example: tuple[str, ...]


@frozen
class StatementMutation:
    """A statement's mutants and what became of them in the last run."""

    mutants: int
    killed: int
    survived: int
    equivalent: int
    survivors: tuple[Survivor, ...] = ()


@frozen
class MutationResults:
    """One policy's last recorded mutation run; `date` is None when none is recorded."""

    policy: str
    date: str | None = None
    digest: str | None = None
    statements: Mapping[str, StatementMutation] = field(factory=dict)

    def of(self, statement_id: str) -> StatementMutation | None:
        return self.statements.get(statement_id)

    def stale(self, digest: str) -> bool:
        """Whether the run was made on another version of the policy source."""
        return self.date is not None and self.digest != digest


def mutation_folder() -> Path:
    """Where the reports are: $POLICY_MUTATION_RESULTS, else docs/mutation/ of the checkout."""
    named = os.environ.get(MUTATION_ENV)
    return Path(named) if named else source_root().parent / MUTATION_DIR


def _survivor(entry: Mapping[str, Any]) -> Survivor:
    witness = entry.get("witness") or {}
    return Survivor(id=str(entry.get("id", "")), place=f"{entry.get('file', '')}:{entry.get('line', '')}",
                    mutation=str(entry.get("mutation", "")),
                    example=tuple(str(line) for line in witness.get("gherkin", [])))


def results_of(document: Mapping[str, Any]) -> MutationResults:
    """A `policy mutate` report (one policy's JSON) as the handbook reads it."""
    statements = {
        str(entry["id"]): StatementMutation(
            mutants=int(entry["mutants"]), killed=int(entry["killed"]), survived=int(entry["survived"]),
            equivalent=int(entry["equivalent"]),
            survivors=tuple(_survivor(s) for s in entry.get("survivors", [])),
        )
        for entry in document.get("statements", [])
    }
    finished = document.get("finished")
    return MutationResults(policy=str(document.get("policy", "")),
                           date=str(finished)[:10] if isinstance(finished, str) else None,
                           digest=document.get("digest"), statements=statements)


def load_mutation(policy_id: str, folder: Path | None = None) -> MutationResults:
    """The policy's last recorded run; an empty one ("not run") when none is recorded or it cannot be read."""
    path = (folder or mutation_folder()) / f"{policy_id}.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return MutationResults(policy=policy_id)
    return results_of(document) if isinstance(document, Mapping) else MutationResults(policy=policy_id)


def _stale_words(results: MutationResults, digest: str) -> str:
    return ", on another version of the policy source" if results.stale(digest) else ""


def counts_text(found: StatementMutation) -> str:
    """'12 / 14 killed, 2 equivalent' (survivors named when there are any)."""
    text = f"{found.killed} / {found.mutants} killed"
    if found.equivalent:
        text += f", {found.equivalent} equivalent"
    if found.survived:
        text += f", **{found.survived} surviving**"
    return text


def statement_mutation_text(results: MutationResults, statement_id: str, digest: str) -> str:
    """The statement's line: '12 / 14 killed, 2 equivalent (last run 2026-12-01)', or 'not run'."""
    found = results.of(statement_id)
    if found is None or results.date is None:
        return NOT_RUN
    return f"{counts_text(found)} (last run {results.date}{_stale_words(results, digest)})"


def policy_mutation_text(results: MutationResults, digest: str) -> str:
    """The whole policy's line, for its title page."""
    if results.date is None or not results.statements:
        return NOT_RUN
    total = StatementMutation(
        mutants=sum(s.mutants for s in results.statements.values()),
        killed=sum(s.killed for s in results.statements.values()),
        survived=sum(s.survived for s in results.statements.values()),
        equivalent=sum(s.equivalent for s in results.statements.values()),
    )
    marked = sum(1 for s in results.statements.values() if s.survived)
    where = f" in {marked} statement{'s' if marked != 1 else ''}" if marked else ""
    return f"{counts_text(total)}{where} (last run {results.date}{_stale_words(results, digest)})"


def survivor_badge(results: MutationResults, statement_id: str) -> str:
    """The mark of a statement with a surviving mutant (HTML, like the provenance badges); '' otherwise."""
    found = results.of(statement_id)
    if found is None or not found.survived:
        return ""
    detail = (f"{found.survived} mutant{'s' if found.survived != 1 else ''} of its rule survived the examples "
              "of the last mutation run")
    return (f'<span class="policy-badge policy-badge-surviving-mutant" style="{SURVIVOR_STYLE}" '
            f'title="{html.escape(detail)}">{SURVIVOR_LABEL}</span>')


def survivors_markdown(results: MutationResults, statement_id: str) -> str:
    """The surviving mutants of a statement, each with the example that would kill it; '' when none."""
    found = results.of(statement_id)
    if found is None or not found.survivors:
        return ""
    rows = [[code(s.id), code(s.place), "<br>".join(code(line) for line in s.example)
             or "no request found that tells it apart"] for s in found.survivors]
    return ("The examples let these mutants survive: each is a change to the rule no example notices.\n\n"
            + table(["Mutant", "Place", "An example that would kill it"], rows))
