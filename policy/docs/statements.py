"""One page per statement: text, effect, parameters, conditions, citations, examples."""

from __future__ import annotations

import re

from policy.binding import BoundPolicy
from policy.docs.bibliography import full_reference
from policy.docs.markdown import Pages, code, join, reference_link, status_badge, table
from policy.docs.results import TestResults, stale_warning, summary
from policy.docs.rules import EFFECT_MEANING, conditions_section, statement_parameters
from policy.rules.conditions import fields_of
from policy.rules.declarations import Case
from policy.source import ScenarioSource, Statement

UP = "../"


def scenario_anchor(scenario: ScenarioSource) -> str:
    """The anchor of a scenario's heading on its statement page."""
    return f"scenario-{scenario.line}"


def parameter_rows(bound: BoundPolicy, keys: list[str]) -> list[list[str]]:
    rows = []
    for key in keys:
        parameter = bound.source.parameters[key]
        if parameter.policy_choice:
            source = f"**Policy choice:** {parameter.policy_choice}"
        else:
            source = join(reference_link(k, UP) for k in parameter.sources)
        rows.append([code(key), f"{parameter.value} {parameter.unit}", parameter.label, source])
    return rows


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


def _examples(scenario: ScenarioSource, results: TestResults) -> str:
    tags = " ".join(f"`@{t}`" for t in scenario.tags)
    out = [f"### {scenario.name} {{#{scenario_anchor(scenario)}}}\n"]
    out.append(f"{code(f'{scenario.file}:{scenario.line}')}" + (f" {tags}" if tags else "") + "\n")
    steps = "\n".join(f"{keyword} {text}" for _line, keyword, text in scenario.steps)
    out.append(f"```gherkin\n{steps}\n```\n")
    header = [name for name, _ in scenario.examples[0].values] if scenario.examples else []
    rows = [
        [str(example.line), *(value for _, value in example.values), status_badge(results.of_example(scenario, example))]
        for example in scenario.examples
    ]
    out.append(table(["Line", *header, "Last test run"], rows))
    return "\n".join(out)


def statement_page(bound: BoundPolicy, statement: Statement, results: TestResults) -> str:
    source = bound.source
    effect = bound.effects[statement.id]
    counts = results.of_scenarios(statement.scenarios)
    out = [
        f"# {statement.id}: {statement.title}\n",
        stale_warning(results, source.id, bound.digest),
        f"> {statement.text}\n",
        table(
            ["Field", "Value"],
            [
                ["ID", code(statement.id)],
                ["Effect", f"**{EFFECT_MEANING[effect]}**"],
                ["Section", f"[{statement.section}]({UP}policy.md#{section_anchor(statement.section)})"],
                ["Source", code(f"{statement.file}:{statement.line}")],
                ["Citations", join(reference_link(k, UP) for k in statement.citations)],
                ["Last test run", summary(counts)],
            ],
        ),
    ]
    keys = statement_parameters(bound, statement.id)
    out.append("## Parameters\n")
    if keys:
        out.append(table(["Parameter", "Value", "Meaning", "Source"], parameter_rows(bound, keys)))
    else:
        out.append("This statement uses no numeric parameter.\n")
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
    out.append("## Conditions\n")
    out.append(conditions_section(bound, statement.id))
    out.append("## Citations\n")
    if statement.citations:
        rows = []
        for key in statement.citations:
            reference = source.bibliography[key]
            rows.append([
                reference_link(key, UP),
                f"**{reference.support}**",
                full_reference(reference),
            ])
        out.append(table(["Key", "Support", "Reference"], rows))
    else:
        out.append("No citation.\n")
    out.append("## Examples\n")
    out.append(f"Last test run: {summary(counts)}.\n")
    out += [_examples(scenario, results) for scenario in statement.scenarios]
    return "\n".join(out)


def section_anchor(section: str) -> str:
    """The anchor of a section heading on the policy overview page."""
    return "section-" + re.sub(r"[^a-z0-9]+", "-", section.lower()).strip("-")


def statement_pages(bound: BoundPolicy, results: TestResults) -> Pages:
    return {
        f"statements/{statement.id}.md": statement_page(bound, statement, results)
        for statement in bound.source.statements
    }
