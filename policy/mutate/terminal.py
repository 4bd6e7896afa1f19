"""`policy mutate` at the terminal: a table per policy, the survivors with the example that would kill them."""

from __future__ import annotations

from typing import Any

from policy.mutate.report import NOT_TOLD_APART, MutantResult, PolicyReport, Status


def _survivor_detail(result: MutantResult) -> str:
    if result.witness is not None:
        return "\n".join(result.witness.gherkin())
    return NOT_TOLD_APART if result.searched else "not searched"


def render(report: PolicyReport, console: Any) -> None:
    """Print one policy's run: per statement counts, then survivors, equivalents and declaration problems."""
    from rich.table import Table
    from rich.text import Text

    scope = f", statement {report.statement}" if report.statement else ""
    table = Table(title=f"policy mutate: {report.policy} {report.version}{scope}", title_justify="left")
    for header, justify in (("statement", "left"), ("mutants", "right"), ("killed", "right"),
                            ("survived", "right"), ("equivalent", "right")):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for statement in report.statements():
        survived = statement.count(Status.SURVIVED)
        table.add_row(statement.id, str(len(statement.results)), str(statement.count(Status.KILLED)),
                      Text(str(survived), style="bold red" if survived else ""),
                      str(statement.count(Status.EQUIVALENT)))
    table.add_row("all", str(len(report.results)), str(report.count(Status.KILLED)),
                  str(report.count(Status.SURVIVED)), str(report.count(Status.EQUIVALENT)), end_section=True)
    console.print(table)
    survivors = [r for r in report.results if r.status is Status.SURVIVED]
    if survivors:
        listed = Table(title="surviving mutants", title_justify="left", show_lines=True)
        for header in ("statement", "mutant", "place", "example that would kill it"):
            listed.add_column(header, overflow="fold")
        for result in survivors:
            mutant = result.mutant
            listed.add_row(mutant.statement, Text(mutant.id + (f"\n{result.problem}" if result.problem else "")),
                           mutant.place, Text(_survivor_detail(result)))
        console.print(listed)
    equivalents = [r for r in report.results if r.status is Status.EQUIVALENT]
    if equivalents:
        declared = Table(title="equivalent mutants (declared)", title_justify="left")
        for header in ("statement", "mutant", "place", "reason"):
            declared.add_column(header, overflow="fold")
        for result in equivalents:
            declared.add_row(result.mutant.statement, Text(result.mutant.id), result.mutant.place,
                             Text(result.reason or ""))
        console.print(declared)
    for problem in report.problems:
        console.print(Text.assemble(("declaration problem: ", "bold red"), problem), highlight=False)
    verdict = ("every mutant that is not declared equivalent was killed" if report.ok
               else "some mutants survived or some declarations are wrong")
    console.print(Text(f"{report.policy}: {verdict} ({report.seconds:.0f} s, {report.workers} worker(s))"))


def progress_line(result: MutantResult, done: int, total: int) -> str:
    """One line per mutant tried, for a person watching the run."""
    return f"[{done}/{total}] {result.status.value:<10} {result.mutant.id}"
