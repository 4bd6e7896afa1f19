"""The traceability matrix: statement -> rules -> scenarios -> last status -> citations."""

from __future__ import annotations

from policy.binding import BoundPolicy
from policy.docs.markdown import code, join, reference_link, statement_link, status_badge, table
from policy.docs.results import FAILED, NOT_RUN, PASSED, TestResults, stale_warning, summary
from policy.docs.statements import scenario_anchor


def _overall(counts: dict[str, int]) -> str:
    """One word for a statement: failed if any row failed, not run if any did not run."""
    if counts[FAILED]:
        return FAILED
    if counts[NOT_RUN] or not counts[PASSED]:
        return NOT_RUN
    return PASSED


def traceability_page(bound: BoundPolicy, results: TestResults) -> str:
    source = bound.source
    rows = []
    for statement in source.statements:
        counts = results.of_scenarios(statement.scenarios)
        scenarios = "<br>".join(
            f"[{s.name}](statements/{statement.id}.md#{scenario_anchor(s)}) ({len(s.examples)})"
            for s in statement.scenarios
        )
        rows.append([
            statement_link(statement.id),
            "<br>".join(code(r.name) for r in bound.rules_for(statement.id)),
            scenarios,
            f"{status_badge(_overall(counts))}<br>{summary(counts)}",
            join(reference_link(k) for k in statement.citations),
        ])
    loose_rows = [
        [s.name, code(f"{s.file}:{s.line}"), ", ".join(status_badge(results.of_example(s, e)) for e in s.examples)]
        for s in source.loose_scenarios
    ]
    every = [s for st in source.statements for s in st.scenarios] + list(source.loose_scenarios)
    finished = f" (finished {results.finished})" if results.finished else ""
    out = [
        "# Traceability\n",
        stale_warning(results, source.id, bound.digest),
        f"Last test run{finished}: {summary(results.of_scenarios(every))}. "
        "A row counts once per example row of each scenario; "
        "a row without a recorded result is shown as not run.\n",
        table(["Statement", "Rules", "Scenarios (example rows)", "Last test run", "Citations"], rows),
    ]
    if loose_rows:
        out += ["## Scenarios outside any statement\n", table(["Scenario", "Source", "Last test run"], loose_rows)]
    return "\n".join(out)
