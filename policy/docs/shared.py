"""The shared section: the statements several policies include, written once.

Each shared statement has one page here, with its text, citations, rule
conditions and examples; an example row runs once under every policy that
includes the statement, so each row shows one status per including policy.
The page names those policies and links their page for the statement.
"""

from __future__ import annotations

from collections.abc import Sequence

from policy.docs.bibliography import bibliography_page
from policy.docs.library import CONTINUED_CASE, SOURCE_CASE, Library, PolicyDocs
from policy.docs.markdown import Pages, code, join, link, reference_link, status_badge, table
from policy.docs.overview import SHARED_PARAMETERS, sections
from policy.docs.paths import (
    SECTION_INDEX,
    SHARED,
    policy_home,
    policy_statement,
    prefixed,
    relative,
    shared_home,
    shared_statement,
    statement_path,
)
from policy.docs.marks import badges_block, badges_cell, citations_markdown, grades_by_pair, statement_badges, statement_grades
from policy.docs.results import TestResults, overall, summary
from policy.docs.rules import EFFECT_MEANING, RuleSet, logic_markdown, shared_rules, statement_parameters
from policy.docs.examples import continued_case_path, source_case_path
from policy.docs.statements import (
    PARAMETER_HEADER,
    UP,
    examples_section,
    parameter_rows,
    parameters_section,
    scenario_starts,
    section_anchor,
)
from policy.provenance import Badge, Grade
from policy.source import ScenarioSource, Statement


def runs_of(including: Sequence[PolicyDocs], results: TestResults) -> list[tuple[str, TestResults]]:
    """One status column per including policy; a statement no policy includes never runs."""
    if not including:
        return [("Last test run", TestResults(statuses={}))]
    return [(f"Last test run under {p.id}", results.for_policy(p.id)) for p in including]


def shared_badges(including: Sequence[PolicyDocs], statement_id: str) -> tuple[Badge, ...]:
    """The statement's badges under every policy including it, each once."""
    return tuple(dict.fromkeys(b for p in including for b in statement_badges(p.bound, statement_id)))


def shared_examples_intro(including: Sequence[PolicyDocs], statement: Statement, page: str) -> str:
    """Which request "a request like the source case" is: each including policy's own, linked."""
    plain, continued = scenario_starts(statement.scenarios)
    links = []
    for policy in including:
        section = relative(page, policy_home(policy.id)).removesuffix(SECTION_INDEX)
        cases = []
        if plain and policy.example_named(SOURCE_CASE) is not None:
            cases.append(link("source case", section + source_case_path()))
        if continued and policy.example_named(CONTINUED_CASE) is not None:
            cases.append(link("continued source case", section + continued_case_path()))
        if cases:
            links.append(f"{code(policy.id)}'s {' and '.join(cases)}")
    if not links:
        return ""
    return ("\"A request like the source case\" is the source case of the policy the row runs under: "
            + "; ".join(links) + ", each shown with the determination it gets.\n")


def shared_citations(library: Library, statement: Statement, including: Sequence[PolicyDocs]) -> str:
    """The citations with their grades: once when every including policy grades them alike, else per policy."""
    bibliography = library.shared.bibliography if library.shared is not None else {}
    graded: list[tuple[PolicyDocs, tuple[Grade, ...]]] = [(p, statement_grades(p.bound, statement.id))
                                                            for p in including]
    distinct = {grades for _p, grades in graded}
    if len(distinct) <= 1:
        grades = next(iter(distinct), ())
        return citations_markdown(statement.citations, bibliography, grades, UP)
    return "\n".join(
        citations_markdown(statement.citations, bibliography, grades, UP,
                           heading=f"## Citations as graded under {policy.id}\n")
        for policy, grades in graded
    )


def _run_summaries(statement: Statement, runs: Sequence[tuple[str, TestResults]], policies: Sequence[str]) -> str:
    if not policies:
        return "not run: no policy includes it"
    return "<br>".join(f"{code(policy)}: {summary(results.of_scenarios(statement.scenarios))}"
                       for policy, (_title, results) in zip(policies, runs, strict=True))


def shared_statement_page(library: Library, statement: Statement, rules: RuleSet, results: TestResults) -> str:
    """The statement as written once: its conditions from the shared rules, its rows under every including policy."""
    page = shared_statement(statement.id)
    including = library.including(statement.id)
    runs = runs_of(including, results)
    ids = [p.id for p in including]
    effect = rules.effect(statement.id)
    included_by = "<br>".join(
        f"{link(p.bound.source.title, relative(page, policy_home(p.id)))} ({code(p.id)}): "
        f"{link('its page for ' + statement.id, relative(page, policy_statement(p.id, statement.id)))}"
        for p in including
    ) or "no policy"
    shared = library.shared
    return "\n".join(part for part in [
        f"# {statement.id}: {statement.title}\n",
        badges_block(shared_badges(including, statement.id)),
        f"> {statement.text}\n",
        table(["Field", "Value"], [
            ["ID", code(statement.id)],
            ["Effect", f"**{EFFECT_MEANING[effect]}**" if effect is not None else "no rule declared"],
            ["Shared section", f"[{statement.section}]({UP}{SECTION_INDEX}#{section_anchor(statement.section)})"],
            ["Source", code(f"{statement.file}:{statement.line}")],
            ["Included by", included_by],
            ["Citations", join(reference_link(k, UP) for k in statement.citations)],
            ["Last test run", _run_summaries(statement, runs, ids)],
        ]),
        parameters_section(shared.parameters if shared else {}, statement_parameters(rules, statement.id)),
        "## How it is decided\n",
        logic_markdown(rules, statement.id),
        shared_citations(library, statement, including),
        "## Examples\n",
        shared_examples_intro(including, statement, page),
        "Each example row runs once under every policy that includes this statement, from that "
        "policy's own source case; each run has its column.\n" if ids else
        "No policy includes this statement, so its examples do not run.\n",
        *(examples_section(scenario, runs) for scenario in statement.scenarios),
    ] if part)


def _loose_rows(scenarios: Sequence[ScenarioSource], library: Library, results: TestResults) -> list[list[str]]:
    # A shared scenario outside any statement runs under every policy that includes any shared statement.
    running = [p for p in library.policies if p.bound.source.included]
    return [
        [s.name, code(f"{s.file}:{s.line}"),
         "<br>".join(f"{code(p.id)}: " + ", ".join(status_badge(results.for_policy(p.id).of_example(s, e))
                                                   for e in s.examples) for p in running) or "not run"]
        for s in scenarios
    ]


def shared_index(library: Library, rules: RuleSet, results: TestResults) -> str:
    """The shared section's overview: each statement with who includes it, and the shared parameters."""
    page = shared_home()
    shared = library.shared
    out = [
        "# Shared statements\n",
        "Statements several policies include by ID, written once in the shared source. A policy places "
        "one among its own statements with a `Rule:` tagged with the statement's ID and `@include`; "
        "the statement's examples then run under that policy too.\n",
    ]
    out = [part for part in out if part]
    if shared is None or not shared.statements:
        return "\n".join(out + ["The library has no shared statement.\n"])
    for section, statements in sections(shared.statements):
        out.append(f"## {section} {{#{section_anchor(section)}}}\n")
        rows = []
        for statement in statements:
            including = library.including(statement.id)
            counts = [results.for_policy(p.id).of_scenarios(statement.scenarios) for p in including]
            effect = rules.effect(statement.id)
            rows.append([
                link(statement.id, relative(page, shared_statement(statement.id))),
                f"**{statement.title}.** {statement.text}"
                + (f"<br>{badges}" if (badges := badges_cell(shared_badges(including, statement.id))) else ""),
                effect.value if effect is not None else "no rule",
                join((link(p.id, relative(page, policy_home(p.id))) for p in including), empty="no policy"),
                join(reference_link(k) for k in statement.citations),
                join((f"{code(p.id)}: {status_badge(overall(c))}" for p, c in zip(including, counts, strict=True)),
                     empty="not run"),
            ])
        out.append(table(["ID", "Statement", "Effect", "Included by", "Citations", "Last test run"], rows))
    out.append(f"## Shared parameters {{#{SHARED_PARAMETERS}}}\n")
    if shared.parameters:
        out.append("A policy that includes a statement gets the parameters its rules use; "
                   "a shared parameter is never redefined by a policy.\n")
        out.append(table(PARAMETER_HEADER, parameter_rows(shared.parameters, list(shared.parameters), prefix="")))
    else:
        out.append("The shared source declares no parameter.\n")
    if shared.loose_scenarios:
        out += ["## Scenarios outside any statement\n",
                table(["Scenario", "Source", "Last test run"], _loose_rows(shared.loose_scenarios, library, results))]
    return "\n".join(out)


def shared_pages(library: Library, results: TestResults) -> Pages:
    """The shared section's pages, keyed from the site's root; none when the library shares nothing."""
    shared = library.shared
    if shared is None:
        return {}
    # The request fields the shared rules read are worded by an including policy's request model
    # when the shared glossary does not word them.
    model = next((p.bound.code.request_model for p in library.policies if p.bound.source.included), None)
    rules = shared_rules(shared, library.shared_code, model)
    pages: Pages = {
        SECTION_INDEX: shared_index(library, rules, results),
        "bibliography.md": bibliography_page(
            shared.bibliography, shared.statements, shared.parameters, {},
            intro="The references the shared statements and parameters cite; a policy including "
                  "a statement lists them in its own bibliography too.\n",
            grades={pair: grade for p in library.policies
                    for pair, grade in grades_by_pair(p.bound, [s.id for s in shared.statements
                                                                if s.id in p.bound.source.included]).items()},
        ),
    }
    pages.update({
        statement_path(statement.id): shared_statement_page(library, statement, rules, results)
        for statement in shared.statements
    })
    return prefixed(SHARED, pages)

