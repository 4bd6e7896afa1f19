"""The policy overview (statements in the order of the source assessment) and the parameters page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gherkin.parser import Parser

from policy.binding import BoundPolicy
from policy.docs.markdown import code, join, reference_link, statement_link, status_badge, table
from policy.docs.results import TestResults, stale_warning, summary
from policy.docs.rules import effect_name, statement_parameters
from policy.docs.statements import section_anchor
from policy.source import ScenarioSource, Statement


def sections(bound: BoundPolicy) -> Iterator[tuple[str, list[Statement]]]:
    """Statements grouped by feature (section), in file order: the order of the source assessment."""
    current: str | None = None
    group: list[Statement] = []
    for statement in bound.source.statements:
        if statement.section != current and group:
            yield current or "", group
            group = []
        current = statement.section
        group.append(statement)
    if group:
        yield current or "", group


def feature_descriptions(folder: Path) -> dict[str, str]:
    """Each feature's name and its description, read from the feature files."""
    found: dict[str, str] = {}
    for path in sorted(folder.glob("*.feature")):
        document: dict[str, Any] = dict(Parser().parse(path.read_text(encoding="utf-8")))
        feature = document.get("feature")
        if feature:
            text = " ".join(line.strip() for line in feature.get("description", "").splitlines() if line.strip())
            found[feature["name"]] = text
    return found


def _loose_by_section(bound: BoundPolicy) -> dict[str, list[ScenarioSource]]:
    """Scenarios outside any statement, under the section of the file they are in."""
    section_of = {s.file: s.section for s in bound.source.statements}
    found: dict[str, list[ScenarioSource]] = {}
    for scenario in bound.source.loose_scenarios:
        found.setdefault(section_of.get(scenario.file, ""), []).append(scenario)
    return found


def policy_page(bound: BoundPolicy, results: TestResults) -> str:
    source = bound.source
    descriptions = feature_descriptions(source.folder)
    loose = _loose_by_section(bound)
    every = [s for st in source.statements for s in st.scenarios] + list(source.loose_scenarios)
    out = [
        f"# {source.title}\n",
        stale_warning(results, source.id, bound.digest),
        f"> {source.question}\n",
        table(
            ["Field", "Value"],
            [
                ["Policy ID", code(source.id)],
                ["Version", f"{source.version} ([changelog](changelog.md))"],
                ["Digest", code(bound.digest)],
                ["Statements", str(len(source.statements))],
                ["Last test run", summary(results.of_scenarios(every))],
            ],
        ),
        "The statements below are in the order of the source assessment. "
        "How their findings combine into a decision is on the [decision](decision.md) page.\n",
    ]
    for section, statements in sections(bound):
        out.append(f"## {section} {{#{section_anchor(section)}}}\n")
        if descriptions.get(section):
            out.append(descriptions[section] + "\n")
        rows = [
            [
                statement_link(s.id),
                f"**{s.title}.** {s.text}",
                effect_name(bound.effects[s.id]),
                join(reference_link(k) for k in s.citations),
                summary(results.of_scenarios(s.scenarios)),
            ]
            for s in statements
        ]
        out.append(table(["ID", "Statement", "Effect", "Citations", "Last test run"], rows))
        for scenario in loose.get(section, []):
            statuses = ", ".join(status_badge(results.of_example(scenario, e)) for e in scenario.examples)
            tags = " ".join(f"`@{t}`" for t in scenario.tags)
            out.append(f"Scenario outside any statement: **{scenario.name}** {tags} "
                       f"({code(f'{scenario.file}:{scenario.line}')}), last test run: {statuses}.\n")
    return "\n".join(out)


def parameters_page(bound: BoundPolicy) -> str:
    source = bound.source
    users: dict[str, list[str]] = {}
    for statement in source.statements:
        for key in statement_parameters(bound, statement.id):
            users.setdefault(key, []).append(statement.id)
    rows = []
    for key, parameter in source.parameters.items():
        if parameter.policy_choice:
            origin = f"**Policy choice:** {parameter.policy_choice}"
        else:
            origin = join(reference_link(k) for k in parameter.sources)
        rows.append([
            code(key), f"{parameter.value} {parameter.unit}", parameter.label, origin,
            join(statement_link(s) for s in users.get(key, [])),
        ])
    group_rows = [
        [code(key), group.label, ", ".join(code(p) for p in group.prefixes),
         join(reference_link(k) for k in group.sources)]
        for key, group in source.code_groups.items()
    ]
    return "\n".join([
        "# Parameters and code groups\n",
        f"Every number the rules of {code(source.id)} use is a named parameter of the policy source. "
        "A value without a published source is marked as a policy choice, with the committee's note.\n",
        "## Parameters\n",
        table(["Parameter", "Value", "Meaning", "Source", "Used by"], rows),
        "## Diagnosis code groups\n",
        "A code belongs to a group when it starts with one of the group's prefixes (dotted form).\n",
        table(["Group", "Label", "ICD-10-CM prefixes", "Source"], group_rows),
    ])
