"""A policy's overview (its statements in the order of the source assessment) and its parameters page.

Both are the section pages of one policy; a statement the policy includes
from the shared source is listed in place, marked as shared.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence, Set
from pathlib import Path
from typing import Any

from gherkin.parser import Parser

from policy.binding import BoundPolicy
from policy.docs.examples import INDEX as EXAMPLES_INDEX
from policy.docs.examples import source_case_path
from policy.docs.library import SOURCE_CASE, PolicyDocs
from policy.docs.markdown import code, join, link, reference_link, statement_link, status_badge, table
from policy.docs.marks import badges_cell, effective_text, statement_badges
from policy.docs.paths import SECTION_INDEX, in_section, policy_statement, relative, shared_home, shared_statement
from policy.docs.results import TestResults, summary
from policy.docs.rules import effect_name, policy_rules, statement_parameters
from policy.docs.statements import section_anchor
from policy.docs.words import quantity
from policy.source import ScenarioSource, Statement

# The anchor of the parameters table on the shared section's page.
SHARED_PARAMETERS = "shared-parameters"


def sections(statements: Sequence[Statement]) -> Iterator[tuple[str, list[Statement]]]:
    """Statements grouped by feature (section), in file order: the order of the source assessment."""
    current: str | None = None
    group: list[Statement] = []
    for statement in statements:
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


def every_scenario(bound: BoundPolicy) -> list[ScenarioSource]:
    """Every scenario that runs under the policy: its statements' (included ones too) and its loose ones."""
    return [s for st in bound.source.statements for s in st.scenarios] + list(bound.source.loose_scenarios)


def _loose_by_section(bound: BoundPolicy) -> dict[str, list[ScenarioSource]]:
    """Scenarios outside any statement, under the section of the file they are in."""
    section_of = {s.file: s.section for s in bound.source.statements}
    found: dict[str, list[ScenarioSource]] = {}
    for scenario in bound.source.loose_scenarios:
        found.setdefault(section_of.get(scenario.file, ""), []).append(scenario)
    return found


def statement_cell(bound: BoundPolicy, statement: Statement, page: str) -> str:
    """The statement's link from `page` (a page of the policy's section), marked when it is shared."""
    own = link(statement.id, relative(page, policy_statement(bound.id, statement.id)))
    if not statement.shared:
        return own
    return f"{own} ({link('shared', relative(page, shared_statement(statement.id)))})"


def statement_summary(bound: BoundPolicy, statement: Statement) -> str:
    """A statement's title and text, with its badges under them (what a reviewer must not miss)."""
    badges = badges_cell(statement_badges(bound, statement.id))
    return f"**{statement.title}.** {statement.text}" + (f"<br>{badges}" if badges else "")


def _examples_line(policy: PolicyDocs) -> str:
    if not policy.examples:
        return ""
    source_case = (f"the [source case]({source_case_path()}) every scenario starts from and "
                   if policy.example_named(SOURCE_CASE) is not None else "")
    return (f"The bundled example requests, {source_case}one for each decision, are on the "
            f"[examples]({EXAMPLES_INDEX}) page with the determination each gets from this version.\n")


def policy_page(policy: PolicyDocs, results: TestResults) -> str:
    """The policy's section index: its identity, then every statement by section, in source order."""
    bound = policy.bound
    source = bound.source
    page = in_section(bound.id, SECTION_INDEX)
    descriptions = feature_descriptions(source.folder)
    loose = _loose_by_section(bound)
    included = len(source.included)
    count = f"{len(source.statements)}" + (f" ({included} included from the {link('shared statements', relative(page, shared_home()))})"
                                           if included else "")
    out = [
        f"# {source.title}\n",
        f"> {source.question}\n" if source.question else "",
        table(
            ["Field", "Value"],
            [
                ["Policy ID", code(source.id)],
                ["Version", f"{source.version} ([changelog](changelog.md))"],
                ["Effective", effective_text(bound)],
                ["Digest", code(bound.digest)],
                ["Statements", count],
                ["Last test run", summary(results.of_scenarios(every_scenario(bound)))],
            ],
        ),
        "The statements below are in the order of the source assessment. "
        "How their findings combine into a decision is on the [decision](decision.md) page; "
        "the request and determination of this policy are on its [contract](contract.md) page.\n",
        _examples_line(policy),
    ]
    for section, statements in sections(source.statements):
        out.append(f"## {section} {{#{section_anchor(section)}}}\n")
        if descriptions.get(section):
            out.append(descriptions[section] + "\n")
        rows = [
            [
                statement_cell(bound, s, page),
                statement_summary(bound, s),
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
    return "\n".join(part for part in out if part)


def parameters_page(bound: BoundPolicy, shared_parameters: Set[str] = frozenset()) -> str:
    """Every parameter of the policy (with those its included statements bring) and its code groups."""
    source = bound.source
    page = in_section(bound.id, "parameters.md")
    rules = policy_rules(bound)
    users: dict[str, list[str]] = {}
    for statement in source.statements:
        for key in statement_parameters(rules, statement.id):
            users.setdefault(key, []).append(statement.id)
    shared_link = link("shared", relative(page, shared_home()) + f"#{SHARED_PARAMETERS}")
    rows = []
    for key, parameter in source.parameters.items():
        if parameter.policy_choice:
            origin = f"**Policy choice:** {parameter.policy_choice}"
        else:
            origin = join(reference_link(k) for k in parameter.sources)
        rows.append([
            parameter.label, quantity(parameter.value, parameter.unit),
            code(key) + (f" ({shared_link})" if key in shared_parameters else ""), origin,
            join(statement_link(s) for s in users.get(key, [])),
        ])
    out = [
        "# Parameters and code groups\n",
        f"Every number the rules of {code(source.id)} use is a named parameter of the policy source; "
        "a parameter marked shared is defined once in the shared source. "
        "A value without a published source is marked as a policy choice, with the committee's note.\n",
        "## Parameters\n",
        table(["Parameter", "Value", "Key", "Source", "Used by"], rows),
    ]
    if source.code_groups:
        group_rows = [
            [group.label, ", ".join(code(p) for p in group.prefixes), code(key),
             join(reference_link(k) for k in group.sources)]
            for key, group in source.code_groups.items()
        ]
        out += [
            "## Diagnosis code groups\n",
            "A code belongs to a group when it starts with one of the group's prefixes (dotted form).\n",
            table(["Group", "ICD-10-CM codes starting with", "Key", "Source"], group_rows),
        ]
    return "\n".join(out)
