"""One page per statement of a policy: badges, text, effect, parameters, logic in words, citations, examples.

A statement the policy includes from the shared source gets its page here
too, showing its examples as they ran under this policy; the page links to
the statement's shared page, where every including policy's runs are side by side.
The parts of a page (parameters, code groups, examples) are functions
returning markdown, shared with the shared statement pages and reusable by
any other document that shows a statement.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from policy.binding import BoundPolicy
from policy.docs.examples import continued_case_path, source_case_path
from policy.docs.library import CONTINUED_CASE, SOURCE_CASE, PolicyDocs
from policy.docs.marks import citations_markdown, header_badges, last_changed_text, statement_grades
from policy.docs.markdown import Pages, code, join, link, reference_link, status_badge, table
from policy.docs.mutation import (
    MutationResults,
    load_mutation,
    statement_mutation_text,
    survivor_badge,
    survivors_markdown,
)
from policy.docs.paths import SECTION_INDEX, policy_statement, relative, shared_statement, statement_path
from policy.docs.results import TestResults, summary
from policy.docs.rules import EFFECT_MEANING, RuleSet, logic_markdown, policy_rules, statement_parameters
from policy.docs.words import quantity
from policy.rules.conditions import fields_of
from policy.rules.declarations import Case
from policy.source import Parameter, ScenarioSource, Statement

UP = "../"


def scenario_anchor(scenario: ScenarioSource) -> str:
    """The anchor of a scenario's heading on its statement page."""
    return f"scenario-{scenario.line}"


def section_anchor(section: str) -> str:
    """The anchor of a section heading on the policy overview page."""
    return "section-" + re.sub(r"[^a-z0-9]+", "-", section.lower()).strip("-")


def parameter_rows(parameters: Mapping[str, Parameter], keys: Sequence[str], prefix: str = UP) -> list[list[str]]:
    rows = []
    for key in keys:
        parameter = parameters[key]
        if parameter.policy_choice:
            source = f"**Policy choice:** {parameter.policy_choice}"
        else:
            source = join(reference_link(k, prefix) for k in parameter.sources)
        rows.append([parameter.label, quantity(parameter.value, parameter.unit), code(key), source])
    return rows


PARAMETER_HEADER = ["Parameter", "Value", "Key", "Source"]


def parameters_markdown(parameters: Mapping[str, Parameter], keys: Sequence[str], prefix: str = UP) -> str:
    """The parameters a statement uses: what each is, its value and unit, its key and its source.

    Reusable: a table, or a sentence when the statement uses none.
    """
    if not keys:
        return "This statement uses no numeric parameter.\n"
    return table(PARAMETER_HEADER, parameter_rows(parameters, keys, prefix))


def parameters_section(parameters: Mapping[str, Parameter], keys: Sequence[str]) -> str:
    return "## Parameters\n\n" + parameters_markdown(parameters, keys)


def scenario_starts(scenarios: Sequence[ScenarioSource]) -> tuple[bool, bool]:
    """Whether the scenarios start from the source case, and from the continued source case."""
    steps = [text for scenario in scenarios for _line, _keyword, text in scenario.steps]
    continued = any("continuation request like the source case" in text for text in steps)
    plain = any("like the source case" in text and "continuation" not in text for text in steps)
    return plain, continued


def examples_intro(policy: PolicyDocs | None, scenarios: Sequence[ScenarioSource], prefix: str = UP) -> str:
    """The sentence under a statement's examples heading, linking the source case its scenarios start from.

    `prefix` leads from the page to the policy's section.
    """
    if policy is None:
        return ""
    plain, continued = scenario_starts(scenarios)
    parts = []
    if plain and policy.example_named(SOURCE_CASE) is not None:
        parts.append(f"[the source case]({prefix}{source_case_path()})")
    if continued and policy.example_named(CONTINUED_CASE) is not None:
        parts.append(f"[the continued source case]({prefix}{continued_case_path()})")
    if not parts:
        return ""
    return (f"\"A request like the source case\" is {' and '.join(parts)} of {code(policy.id)}, shown there with "
            "the determination it gets; each example changes only what its steps say.\n")


def examples_section(scenario: ScenarioSource, runs: Sequence[tuple[str, TestResults]]) -> str:
    """A scenario's steps and example rows, with one status column per run: (column title, results)."""
    tags = " ".join(f"`@{t}`" for t in scenario.tags)
    out = [f"### {scenario.name} {{#{scenario_anchor(scenario)}}}\n"]
    out.append(f"{code(f'{scenario.file}:{scenario.line}')}" + (f" {tags}" if tags else "") + "\n")
    steps = "\n".join(f"{keyword} {text}" for _line, keyword, text in scenario.steps)
    out.append(f"```gherkin\n{steps}\n```\n")
    header = [name for name, _ in scenario.examples[0].values] if scenario.examples else []
    rows = [
        [str(example.line), *(value for _, value in example.values),
         *(status_badge(results.of_example(scenario, example)) for _title, results in runs)]
        for example in scenario.examples
    ]
    out.append(table(["Line", *header, *(title for title, _ in runs)], rows))
    return "\n".join(out)


def code_groups_markdown(bound: BoundPolicy, statement_id: str, prefix: str = UP) -> str:
    """The code groups a statement's conditions test, with their prefixes and sources; '' when none."""
    source = bound.source
    groups = _code_groups(bound, statement_id)
    if not groups:
        return ""
    return table(
        ["Code group", "ICD-10-CM codes starting with", "Key", "Source"],
        [
            [source.code_groups[key].label, ", ".join(code(p) for p in source.code_groups[key].prefixes),
             code(key), join(reference_link(k, prefix) for k in source.code_groups[key].sources)]
            for key in groups
        ],
    )


def code_groups_section(bound: BoundPolicy, statement_id: str) -> str:
    groups = code_groups_markdown(bound, statement_id)
    return f"## Diagnosis code groups\n\n{groups}" if groups else ""


def _code_groups(bound: BoundPolicy, statement_id: str) -> list[str]:
    """Code groups the statement's conditions test (a condition field named after a group)."""
    names = {
        name
        for rule in bound.rules_for(statement_id)
        for branch in rule.branches
        if isinstance(branch, Case)
        for _fact, name in fields_of(branch.when)
    }
    return [key for key in bound.source.code_groups if key in names]


def _shared_row(bound: BoundPolicy, statement: Statement) -> list[str]:
    page = policy_statement(bound.id, statement.id)
    place = code(f"{statement.included_at[0]}:{statement.included_at[1]}") if statement.included_at else "its source"
    shared_page = link("shared page", relative(page, shared_statement(statement.id)))
    return ["Shared", f"yes: written once in the shared source (its {shared_page} shows the runs under "
                      f"every policy including it), included here at {place}"]


def mutation_section(bound: BoundPolicy, statement_id: str, mutation: MutationResults) -> str:
    """The statement's mutation result beside its example results, and its surviving mutants if any."""
    # Mutants are small wrong versions of the statement's rule; a killed one is a wrong rule an example catches.
    line = f"Mutation testing: {statement_mutation_text(mutation, statement_id, bound.digest)}.\n"
    survivors = survivors_markdown(mutation, statement_id)
    return line + ("\n" + survivors if survivors else "")


def statement_page(bound: BoundPolicy, statement: Statement, results: TestResults, rules: RuleSet,
                   policy: PolicyDocs | None = None, mutation: MutationResults | None = None) -> str:
    """The page of one statement of the policy; `results` are the runs under this policy.

    With `policy` (its examples), the examples heading links the source case they start from.
    `mutation` is the policy's last mutation run (default: the one recorded for it).
    """
    mutation = mutation if mutation is not None else load_mutation(bound.id)
    source = bound.source
    effect = bound.effects[statement.id]
    counts = results.of_scenarios(statement.scenarios)
    facts = [
        ["ID", code(statement.id)],
        ["Effect", f"**{EFFECT_MEANING[effect]}**"],
        ["Section", f"[{statement.section}]({UP}{SECTION_INDEX}#{section_anchor(statement.section)})"],
        ["Last changed", f"{last_changed_text(bound, statement.id)} (policy version {source.version}, "
                         f"[changelog]({UP}changelog.md))"],
        ["Source", code(f"{statement.file}:{statement.line}")],
        ["Citations", join(reference_link(k, UP) for k in statement.citations)],
        ["Last test run", summary(counts)],
        ["Mutation testing", statement_mutation_text(mutation, statement.id, bound.digest)],
    ]
    if statement.shared:
        facts.insert(5, _shared_row(bound, statement))
    out = [
        f"# {statement.id}: {statement.title}\n",
        header_badges(bound, statement.id),
        _survivor_mark(mutation, statement.id),
        f"> {statement.text}\n",
        table(["Field", "Value"], facts),
        parameters_section(source.parameters, statement_parameters(rules, statement.id)),
        code_groups_section(bound, statement.id),
        "## How it is decided\n",
        logic_markdown(rules, statement.id),
        citations_markdown(statement.citations, source.bibliography, statement_grades(bound, statement.id), UP),
        "## Examples\n",
        examples_intro(policy, statement.scenarios),
        f"Last test run: {summary(counts)}.\n",
        mutation_section(bound, statement.id, mutation),
    ]
    out += [examples_section(scenario, [("Last test run", results)]) for scenario in statement.scenarios]
    return "\n".join(part for part in out if part)


def _survivor_mark(mutation: MutationResults, statement_id: str) -> str:
    badge = survivor_badge(mutation, statement_id)
    return f'<div class="policy-badges"><div class="policy-badge-line">{badge}</div></div>\n' if badge else ""


def statement_pages(policy: PolicyDocs, results: TestResults, mutation: MutationResults | None = None) -> Pages:
    """Every statement page of the policy, keyed relative to its section (`mutation`: default, the
    policy's recorded mutation run)."""
    rules = policy_rules(policy.bound)
    mutation = mutation if mutation is not None else load_mutation(policy.id)
    return {
        statement_path(statement.id): statement_page(policy.bound, statement, results, rules, policy, mutation)
        for statement in policy.bound.source.statements
    }
