"""One page per statement of a policy: text, effect, parameters, conditions, citations, examples.

A statement the policy includes from the shared source gets its page here
too, showing its examples as they ran under this policy; the page links to
the statement's shared page, where every including policy's runs are side by side.
The parts of a page (parameters, citations, examples) are shared with the
shared statement pages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from policy.binding import BoundPolicy
from policy.docs.bibliography import full_reference
from policy.docs.markdown import Pages, code, join, link, reference_link, status_badge, table
from policy.docs.paths import SECTION_INDEX, policy_statement, relative, shared_statement, statement_path
from policy.docs.results import TestResults, stale_warning, summary
from policy.docs.rules import EFFECT_MEANING, RuleSet, conditions_section, policy_rules, statement_parameters
from policy.rules.conditions import fields_of
from policy.rules.declarations import Case
from policy.source import Parameter, Reference, ScenarioSource, Statement

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
        rows.append([code(key), f"{parameter.value} {parameter.unit}", parameter.label, source])
    return rows


def parameters_section(parameters: Mapping[str, Parameter], keys: Sequence[str]) -> str:
    if not keys:
        return "## Parameters\n\nThis statement uses no numeric parameter.\n"
    return "## Parameters\n\n" + table(["Parameter", "Value", "Meaning", "Source"], parameter_rows(parameters, keys))


def citations_section(keys: Sequence[str], bibliography: Mapping[str, Reference]) -> str:
    """Each cited key with its support level and full reference (a key the bibliography lacks is said so)."""
    if not keys:
        return "## Citations\n\nNo citation.\n"
    rows = []
    for key in keys:
        reference = bibliography.get(key)
        if reference is None:
            rows.append([code(key), "", "not in this bibliography"])
        else:
            rows.append([reference_link(key, UP), f"**{reference.support}**", full_reference(reference)])
    return "## Citations\n\n" + table(["Key", "Support", "Reference"], rows)


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


def statement_page(bound: BoundPolicy, statement: Statement, results: TestResults, rules: RuleSet) -> str:
    """The page of one statement of the policy; `results` are the runs under this policy."""
    source = bound.source
    effect = bound.effects[statement.id]
    counts = results.of_scenarios(statement.scenarios)
    facts = [
        ["ID", code(statement.id)],
        ["Effect", f"**{EFFECT_MEANING[effect]}**"],
        ["Section", f"[{statement.section}]({UP}{SECTION_INDEX}#{section_anchor(statement.section)})"],
        ["Source", code(f"{statement.file}:{statement.line}")],
        ["Citations", join(reference_link(k, UP) for k in statement.citations)],
        ["Last test run", summary(counts)],
    ]
    if statement.shared:
        facts.insert(4, _shared_row(bound, statement))
    out = [
        f"# {statement.id}: {statement.title}\n",
        stale_warning(results, source.id, bound.digest),
        f"> {statement.text}\n",
        table(["Field", "Value"], facts),
        parameters_section(source.parameters, statement_parameters(rules, statement.id)),
    ]
    out = [part for part in out if part]
    groups = _code_groups(bound, statement.id)
    if groups:
        out.append(table(
            ["Code group", "Label", "ICD-10-CM prefixes", "Source"],
            [
                [code(key), source.code_groups[key].label,
                 ", ".join(code(p) for p in source.code_groups[key].prefixes),
                 join(reference_link(k, UP) for k in source.code_groups[key].sources)]
                for key in groups
            ],
        ))
    out += [
        "## Conditions\n",
        conditions_section(rules, statement.id),
        citations_section(statement.citations, source.bibliography),
        "## Examples\n",
        f"Last test run: {summary(counts)}.\n",
    ]
    out += [examples_section(scenario, [("Last test run", results)]) for scenario in statement.scenarios]
    return "\n".join(out)


def statement_pages(bound: BoundPolicy, results: TestResults) -> Pages:
    """Every statement page of the policy, keyed relative to its section."""
    rules = policy_rules(bound)
    return {
        statement_path(statement.id): statement_page(bound, statement, results, rules)
        for statement in bound.source.statements
    }
