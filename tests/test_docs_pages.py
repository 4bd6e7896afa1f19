"""The docs site's pages are generated from the policy source, the rules and the test results."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import policy
from policy.binding import BoundPolicy
from policy.docs import FAILED, NOT_RUN, PASSED, build_pages, load_results, results_from
from policy.docs.markdown import Pages
from policy.docs.results import TestResults, row_line
from policy.rules.conditions import render
from policy.rules.declarations import Case, Deny
from policy.schema import request_schema
from policy.source import ScenarioSource, Statement, source_root

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bound() -> BoundPolicy:
    return policy.assessor().bound


def pages_for(bound: BoundPolicy, results: TestResults, **extra: object) -> Pages:
    return build_pages(bound, results, request_schema(), **extra)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def pages(bound: BoundPolicy) -> Pages:
    return pages_for(bound, results_from({}))


def outline(bound: BoundPolicy, rows: int) -> tuple[Statement, ScenarioSource]:
    """The first statement scenario with at least `rows` example rows."""
    for statement in bound.source.statements:
        for scenario in statement.scenarios:
            if len(scenario.examples) >= rows:
                return statement, scenario
    raise AssertionError(f"no scenario has {rows} example rows")


def row_status(page: str, line: int) -> str:
    """The status word in the table row that starts with the example's line number."""
    match = re.search(rf"^\| {line} \|.*test-status[^>]*>([a-z ]+)</span> \|$", page, re.MULTILINE)
    assert match, f"no example row for line {line}"
    return match.group(1)


def test_every_statement_has_a_page_with_its_id_and_text(bound: BoundPolicy, pages: Pages) -> None:
    """Each statement of the source gets statements/<ID>.md, carrying its ID and its text."""
    for statement in bound.source.statements:
        page = pages[f"statements/{statement.id}.md"]
        assert page.startswith(f"# {statement.id}: {statement.title}")
        assert statement.text in page
    assert len([p for p in pages if p.startswith("statements/")]) == len(bound.source.statements)


def test_a_statement_page_shows_the_status_of_each_example_row(bound: BoundPolicy) -> None:
    """Rows with a recorded pass or failure show it; a row without a result shows 'not run'."""
    statement, scenario = outline(bound, rows=3)
    first, second, third = scenario.examples[:3]
    results = results_from({"results": [
        {"file": scenario.file, "line": first.line, "status": "passed"},
        {"file": scenario.file, "line": second.line, "status": "failed"},
    ]})
    page = pages_for(bound, results)[f"statements/{statement.id}.md"]
    assert row_status(page, first.line) == PASSED
    assert row_status(page, second.line) == FAILED
    assert row_status(page, third.line) == NOT_RUN


def test_a_statement_page_summarises_its_last_test_run(bound: BoundPolicy) -> None:
    """The summary counts the statement's rows by status."""
    statement, scenario = outline(bound, rows=2)
    rows = sum(len(s.examples) for s in statement.scenarios)
    results = results_from({"results": [{"file": scenario.file, "line": scenario.examples[0].line,
                                         "status": "failed"}]})
    page = pages_for(bound, results)[f"statements/{statement.id}.md"]
    assert f"| Last test run | 0 passed, 1 failed, {rows - 1} not run |" in page


def test_without_a_results_file_every_row_is_not_run(bound: BoundPolicy, tmp_path: Path) -> None:
    """A missing results file means no example ran."""
    results = load_results(tmp_path / "absent.json")
    statement, scenario = outline(bound, rows=1)
    page = pages_for(bound, results)[f"statements/{statement.id}.md"]
    assert {row_status(page, e.line) for e in scenario.examples} == {NOT_RUN}
    assert "passed</span>" not in page


def test_an_unknown_status_in_the_results_counts_as_not_run(bound: BoundPolicy) -> None:
    """Only 'passed' and 'failed' are trusted from the file."""
    _statement, scenario = outline(bound, rows=1)
    results = results_from({"results": [{"file": scenario.file, "line": scenario.examples[0].line,
                                         "status": "skipped"}]})
    assert results.of_example(scenario, scenario.examples[0]) == NOT_RUN


def test_results_from_another_policy_source_are_flagged_as_such(bound: BoundPolicy) -> None:
    """Line numbers recorded against other feature files come with a warning; current ones do not."""
    statement, scenario = outline(bound, rows=1)
    entry = {"file": scenario.file, "line": scenario.examples[0].line, "status": "passed"}
    page = f"statements/{statement.id}.md"
    current = results_from({"results": [entry], "policies": {bound.source.id: bound.digest}})
    other = results_from({"results": [entry], "policies": {bound.source.id: "sha256:0"}})
    assert "!!! warning" not in pages_for(bound, current)[page]
    assert "!!! warning" in pages_for(bound, other)[page]
    assert "!!! warning" in pages_for(bound, other)["traceability.md"]


def test_a_statement_page_lists_each_citation_with_its_support_level(bound: BoundPolicy, pages: Pages) -> None:
    """Every cited key appears with the support level the bibliography gives it."""
    for statement in bound.source.statements:
        page = pages[f"statements/{statement.id}.md"]
        citations = page.split("## Citations", 1)[1].split("## Examples", 1)[0]
        for key in statement.citations:
            support = bound.source.bibliography[key].support
            assert re.search(rf"^\| \[{re.escape(key)}\]\(\.\./bibliography\.md#{re.escape(key)}\) \| \*\*{support}\*\* \|",
                             citations, re.MULTILINE), (statement.id, key)


def test_extrapolated_and_unverified_references_are_shown_as_such(bound: BoundPolicy, pages: Pages) -> None:
    """The brief's extrapolated sources keep that label wherever a statement cites them."""
    levels = {r.support for r in bound.source.bibliography.values()}
    assert {"extrapolated", "unverified"} <= levels
    cited = [(s, k) for s in bound.source.statements for k in s.citations
             if bound.source.bibliography[k].support == "extrapolated"]
    assert cited
    for statement, key in cited:
        assert f"[{key}](../bibliography.md#{key}) | **extrapolated**" in pages[f"statements/{statement.id}.md"]


def test_a_policy_choice_parameter_is_marked_on_the_pages_that_use_it(bound: BoundPolicy, pages: Pages) -> None:
    """A value without a source carries the committee's note, never a citation."""
    choices = [p for p in bound.source.parameters.values() if p.policy_choice]
    assert choices
    for parameter in choices:
        users = [r.statement for r in bound.rules if parameter.key in r.parameters]
        users += [d.statement for d in bound.derivations if parameter.key in d.parameters]
        assert users, parameter.key
        for statement_id in users:
            page = pages[f"statements/{statement_id}.md"]
            row = next(line for line in page.splitlines() if line.startswith(f"| `{parameter.key}` |"))
            assert f"**Policy choice:** {parameter.policy_choice}" in row
        assert f"**Policy choice:** {parameter.policy_choice}" in pages["parameters.md"]


def test_a_statement_page_shows_each_rule_case_in_readable_form(bound: BoundPolicy, pages: Pages) -> None:
    """Every case of every rule appears as the condition language renders it, with values."""
    for rule in bound.rules:
        page = pages[f"statements/{rule.statement}.md"]
        for branch in rule.cases:
            assert f"When `{render(branch.when, bound.params)}`" in page, rule.name
        if rule.otherwise is not None:
            assert "Otherwise: outcome" in page


def test_the_traceability_matrix_lists_every_statement_with_its_rules_and_citations(
    bound: BoundPolicy, pages: Pages
) -> None:
    """One row per statement: its rules, its scenarios and its citations."""
    matrix = pages["traceability.md"]
    for statement in bound.source.statements:
        row = next(line for line in matrix.splitlines() if line.startswith(f"| [{statement.id}]("))
        for rule in bound.rules_for(statement.id):
            assert f"`{rule.name}`" in row
        for scenario in statement.scenarios:
            assert scenario.name in row
        for key in statement.citations:
            assert f"[{key}](bibliography.md#{key})" in row


def test_the_bibliography_lists_every_reference_and_who_cites_it(bound: BoundPolicy, pages: Pages) -> None:
    """Each key has its own section naming the statements that cite it."""
    text = pages["bibliography.md"]
    sections = dict(re.findall(r"^## (\S+) \{#\S+\}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL))
    assert set(sections) == set(bound.source.bibliography)
    for statement in bound.source.statements:
        for key in statement.citations:
            assert f"[{statement.id}](statements/{statement.id}.md)" in sections[key]


def test_the_decision_page_names_every_statement_that_can_deny(bound: BoundPolicy, pages: Pages) -> None:
    """The deny row lists exactly the statements whose rules have a deny consequence."""
    deniers = {r.statement for r in bound.rules for b in r.branches if any(isinstance(c, Deny) for c in b.then)}
    row = next(line for line in pages["decision.md"].splitlines() if line.startswith("| **deny** |"))
    assert set(re.findall(r"\[([A-Z0-9-]+)\]\(statements/", row)) == deniers


def test_the_policy_overview_follows_the_order_of_the_source(bound: BoundPolicy, pages: Pages) -> None:
    """Statements appear on the overview in the order the feature files declare them."""
    overview = pages["policy.md"]
    positions = [overview.index(f"| [{s.id}](statements/{s.id}.md) |") for s in bound.source.statements]
    assert positions == sorted(positions)


def test_the_changelog_starts_with_the_current_policy_version(bound: BoundPolicy, pages: Pages) -> None:
    """The newest changelog entry is the version determinations carry."""
    history = bound.source.changelog
    assert history and history[0].version == bound.source.version
    for release in history:
        assert f"## {release.version} ({release.date})" in pages["changelog.md"]


def test_the_contract_page_carries_the_request_schema(pages: Pages) -> None:
    """The JSON Schema is embedded as generated, and every top-level field is in the table."""
    contract = pages["contract.md"]
    schema = request_schema()
    assert json.dumps(schema, indent=2, ensure_ascii=False) in contract
    for name in schema["properties"]:
        assert f"| `{name}` |" in contract


def test_the_nav_links_every_generated_page_and_the_pages_given(bound: BoundPolicy) -> None:
    """SUMMARY.md reaches every page, plus guides and extra pages that exist."""
    generated = pages_for(bound, results_from({}), guides=[("Authors", "authors.md")],
                          extra=[("Benchmarks", "benchmarks.md")])
    nav = generated["SUMMARY.md"]
    for path in generated:
        if path != "SUMMARY.md":
            assert f"]({path})" in nav, path
    assert "](authors.md)" in nav and "](benchmarks.md)" in nav


def test_row_lines_follow_the_rows_of_every_examples_table(bound: BoundPolicy) -> None:
    """The n-th parametrization of a scenario maps to the n-th row across its tables."""
    for statement in bound.source.statements:
        for scenario in statement.scenarios:
            path = source_root() / scenario.file
            if len(scenario.examples) == 1 and not scenario.examples[0].values:
                assert row_line(path, scenario.file, scenario.line, None) == scenario.line
                continue
            lines = [row_line(path, scenario.file, scenario.line, i) for i in range(len(scenario.examples))]
            assert lines == [e.line for e in scenario.examples]
            assert all(line > scenario.line for line in lines)


@pytest.mark.parametrize("workers", [[], ["-p", "xdist", "-n", "2"]], ids=["one-process", "xdist"])
def test_a_test_run_records_each_example_row(bound: BoundPolicy, tmp_path: Path, workers: list[str]) -> None:
    """The conftest hooks write one passed entry per row that ran, with or without xdist."""
    target = tmp_path / "results.json"
    statement = bound.source.statement("DX-IBM")
    env = {**os.environ, "POLICY_TEST_RESULTS": str(target)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *workers,
         "steps/test_ivig_myositis.py", "-k", "inclusion_body"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    results = load_results(target)
    counts = results.of_scenarios(statement.scenarios)
    assert counts[PASSED] == sum(len(s.examples) for s in statement.scenarios)
    assert counts[FAILED] == counts[NOT_RUN] == 0
    known = {(s.file, e.line) for st in bound.source.statements for s in st.scenarios for e in s.examples}
    known |= {(s.file, e.line) for s in bound.source.loose_scenarios for e in s.examples}
    assert set(results.statuses) <= known
    assert results.digests[bound.source.id] == bound.digest
