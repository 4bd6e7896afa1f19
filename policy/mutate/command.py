"""`policy mutate`: which policies to run, the output, the results the handbook reads, the exit code."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from policy.binding import bound
from policy.library import policy_ids
from policy.mutate.report import PolicyReport, reports_document
from policy.mutate.run import Options, mutate_policy
from policy.mutate.terminal import progress_line, render
from policy.mutate.workspace import MutationError

EXIT_CLEAN, EXIT_SURVIVORS, EXIT_CANNOT_RUN, EXIT_INTERRUPTED = 0, 1, 2, 130


def policies_for(policy_id: str | None, statement: str | None) -> list[str]:
    """The policies a run covers: the one named, else every policy (holding `statement`, when one is named)."""
    chosen = [policy_id] if policy_id is not None else list(policy_ids())
    if statement is None:
        return chosen
    holding = [p for p in chosen if statement in {s.id for s in bound(p).source.statements}]
    if not holding:
        raise MutationError(f"no statement {statement} in {', '.join(chosen)}")
    return holding


def write_results(folder: Path, report: PolicyReport) -> Path:
    """The report as `<folder>/<policy-id>.json`, replaced whole (a reader never sees half a file)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{report.policy}.json"
    partial = target.with_suffix(".json.partial")
    partial.write_text(json.dumps(report.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(partial, target)
    return target


@contextmanager
def _terminated_as_interrupt() -> Iterator[None]:
    """SIGTERM handled like Ctrl-C, so that the run stops its processes and removes its copies."""

    def interrupt(_signal: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def command(policy_id: str | None, statement: str | None, workers: int | None, as_json: bool,
            results: Path | None) -> int:
    """Run, print and record; the exit code of `policy mutate` (`workers`: default one per CPU)."""
    from rich.console import Console

    # Piped into a file or a log, tables keep a width where ids and requests stay readable.
    out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    err = Console(stderr=True, highlight=False)
    if results is not None and statement is not None:
        err.print("policy mutate: --results records whole runs; leave out --statement")
        return EXIT_CANNOT_RUN
    watching = sys.stderr.isatty()
    reports: list[PolicyReport] = []
    try:
        with _terminated_as_interrupt():
            for chosen in policies_for(policy_id, statement):
                report = mutate_policy(chosen, Options(workers=workers or os.cpu_count() or 1, statement=statement),
                                       (lambda r, done, total: err.print(progress_line(r, done, total), markup=False))
                                       if watching else None)
                reports.append(report)
                if results is not None:
                    write_results(results, report)
                if not as_json:
                    render(report, out)
    except KeyboardInterrupt:
        err.print("policy mutate: interrupted; the source tree was not changed")
        return EXIT_INTERRUPTED
    except MutationError as error:
        err.print(f"policy mutate: {error}", markup=False)
        return EXIT_CANNOT_RUN
    if as_json:
        sys.stdout.write(json.dumps(reports_document(reports), indent=1, ensure_ascii=False) + "\n")
    return EXIT_CLEAN if all(r.ok for r in reports) else EXIT_SURVIVORS
