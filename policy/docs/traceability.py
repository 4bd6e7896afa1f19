"""A policy's traceability matrix: statement (with its badges and the version it last changed in)
-> rules -> scenarios -> last status -> citations."""

from __future__ import annotations

from policy.binding import BoundPolicy
from policy.docs.markdown import code, join, reference_link, status_badge, table
from policy.docs.marks import provenance_cell
from policy.docs.overview import every_scenario, statement_cell
from policy.docs.paths import in_section
from policy.docs.results import TestResults, overall, summary
from policy.releases import last_changed
from policy.docs.statements import scenario_anchor

PAGE = "traceability.md"


def traceability_page(bound: BoundPolicy, results: TestResults) -> str:
    """One row per statement of the policy; `results` are the runs under this policy."""
    source = bound.source
    page = in_section(bound.id, PAGE)
    rows = []
    for statement in source.statements:
        counts = results.of_scenarios(statement.scenarios)
        scenarios = "<br>".join(
            f"[{s.name}](statements/{statement.id}.md#{scenario_anchor(s)}) ({len(s.examples)})"
            for s in statement.scenarios
        )
        rows.append([
            statement_cell(bound, statement, page),
            provenance_cell(bound, statement.id),
            last_changed(bound, statement.id) or "not recorded",
            "<br>".join(code(r.name) for r in bound.rules_for(statement.id)),
            scenarios,
            f"{status_badge(overall(counts))}<br>{summary(counts)}",
            join(reference_link(k) for k in statement.citations),
        ])
    loose_rows = [
        [s.name, code(f"{s.file}:{s.line}"), ", ".join(status_badge(results.of_example(s, e)) for e in s.examples)]
        for s in source.loose_scenarios
    ]
    finished = f" (finished {results.finished})" if results.finished else ""
    out = [
        "# Traceability\n",
        f"Last test run of {code(source.id)}{finished}: {summary(results.of_scenarios(every_scenario(bound)))}. "
        "A row counts once per example row of each scenario, as it ran under this policy "
        "(a shared statement's rows run under each policy including it); "
        "a row without a recorded result is shown as not run. "
        "Provenance shows each statement's badges (support only extrapolated or unverified, a number that "
        "is a policy choice); a graded statement without a badge is directly supported.\n",
        table(["Statement", "Provenance", "Last changed in", "Rules", "Scenarios (example rows)", "Last test run",
               "Citations"], rows),
    ]
    if loose_rows:
        out += ["## Scenarios outside any statement\n", table(["Scenario", "Source", "Last test run"], loose_rows)]
    return "\n".join(part for part in out if part)
