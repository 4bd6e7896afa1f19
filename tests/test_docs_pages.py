"""The docs site's pages are generated from the library: every policy, the shared statements, the test results.

Expectations come from the library itself (`load_library`: every policy that
binds, the shared source), never from a named policy, so these tests hold for
whatever policies the library holds.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from pytest_bdd.scenario import make_python_name

from policy.assessment import assess
from policy.binding import BoundPolicy
from policy.docs import FAILED, NOT_RUN, PASSED, Library, PolicyDocs, build_pages, load_library, load_results, results_from
from policy.docs.library import EXAMPLE_FILES, Unbound
from policy.docs.markdown import Pages
from policy.docs.results import TestResults, row_line_of
from policy.library import folder_of, policy_ids
from policy.rules.conditions import render
from policy.rules.declarations import Deny
from policy.schema import request_schema
from policy.source import ScenarioSource, Statement, source_root
from policy.spec import field_spec

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SECTION_PAGES = ("index.md", "decision.md", "parameters.md", "traceability.md", "bibliography.md",
                 "contract.md", "changelog.md")
STATUS = re.compile(r'test-status[^>]*>([a-z ]+)</span>')


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(EXAMPLES)


@pytest.fixture(scope="module")
def pages(library: Library) -> Pages:
    return build_pages(library, results_from({}))


def policies(library: Library) -> Iterator[BoundPolicy]:
    return (p.bound for p in library.policies)


def outline(library: Library, rows: int) -> tuple[BoundPolicy, Statement, ScenarioSource]:
    """A policy's own (not shared) statement scenario with at least `rows` example rows."""
    for bound in policies(library):
        for statement in bound.source.statements:
            for scenario in statement.scenarios:
                if not statement.shared and len(scenario.examples) >= rows:
                    return bound, statement, scenario
    raise AssertionError(f"no scenario has {rows} example rows")


def shared_outline(library: Library) -> tuple[Statement, ScenarioSource, tuple[PolicyDocs, ...]]:
    """The shared scenario with example rows that runs under the most policies."""
    found = [(s, sc, library.including(s.id)) for s in library.shared_statements for sc in s.scenarios
             if len(sc.examples) >= 2 and library.including(s.id)]
    assert found, "no shared statement with an outline is included by any policy"
    return max(found, key=lambda item: len(item[2]))


def row_statuses(page: str, line: int) -> list[str]:
    """The status words of the table row that starts with the example's line number, left to right."""
    row = next((text for text in page.splitlines() if text.startswith(f"| {line} |")), None)
    assert row is not None, f"no example row for line {line}"
    return STATUS.findall(row)


def entry(policy_id: str, file: str, line: int, status: str) -> dict[str, Any]:
    return {"policy": policy_id, "file": file, "line": line, "status": status}


# --- The library: a section per policy, the shared section, the home page ---------------------------


def test_every_policy_of_the_library_binds_and_is_documented(library: Library) -> None:
    """The checkout's policies all bind (`policy check` agrees), so each one has pages."""
    assert library.unbound == ()
    assert [p.id for p in library.policies] == list(policy_ids())


def test_every_policy_has_its_section_with_a_page_per_statement(library: Library, pages: Pages) -> None:
    """<policy-id>/ holds the overview, the reference pages and statements/<ID>.md for each statement."""
    for bound in policies(library):
        for page in SECTION_PAGES:
            assert f"{bound.id}/{page}" in pages, (bound.id, page)
        own = [p for p in pages if p.startswith(f"{bound.id}/statements/")]
        assert len(own) == len(bound.source.statements), bound.id
        for statement in bound.source.statements:
            page = pages[f"{bound.id}/statements/{statement.id}.md"]
            assert page.startswith(f"# {statement.id}: {statement.title}")
            assert statement.text in page


def test_the_generator_names_no_policy(library: Library) -> None:
    """A policy under another id gets its section under that id: nothing is keyed to a known policy."""
    original = library.policies[0]
    renamed_id = "zz-renamed-policy"
    renamed = attrs.evolve(original.bound, source=attrs.evolve(original.bound.source, id=renamed_id))
    other = Library(policies=(PolicyDocs(bound=renamed, schema=original.schema),), shared=library.shared,
                    shared_code=library.shared_code)
    generated = build_pages(other, results_from({}))
    assert {p.split("/")[0] for p in generated if "/" in p} == {renamed_id, "shared"}
    assert f"]({renamed_id}/index.md)" in generated["index.md"]
    assert f"]({renamed_id}/index.md)" in generated["SUMMARY.md"]
    for statement in renamed.source.statements:
        assert f"{renamed_id}/statements/{statement.id}.md" in generated


def test_the_generator_code_holds_no_policy_name_or_field(library: Library) -> None:
    """No module of the site generator spells a policy's id, folder or title, or a field it declares."""
    generator = [*(ROOT / "policy" / "docs").glob("*.py"), ROOT / "docs" / "gen_pages.py", ROOT / "mkdocs.yml"]
    text = "\n".join(path.read_text(encoding="utf-8") for path in generator)
    for bound in policies(library):
        policy_id = bound.id
        names = {policy_id, folder_of(policy_id), bound.source.title}
        names |= {figure.key for figure in bound.code.figures if "_" in figure.key}
        if bound.code.authorization is not None:
            names.add(bound.code.authorization.source)
            names |= {f.path for f in bound.code.authorization.fields if "_" in f.path or "." in f.path}
        for name in names:
            assert not re.search(rf"\b{re.escape(name)}\b", text), f"the generator names {name!r} of {policy_id}"


def test_a_policy_clashing_with_a_page_of_the_site_is_refused(library: Library) -> None:
    """A policy id equal to a page or folder of the site would overwrite it."""
    original = library.policies[0]
    clash = attrs.evolve(original.bound, source=attrs.evolve(original.bound.source, id="shared"))
    with pytest.raises(ValueError, match="clash"):
        build_pages(Library(policies=(PolicyDocs(bound=clash, schema=original.schema),)), results_from({}))


def test_the_home_page_lists_every_policy_with_its_facts_and_last_test_run(library: Library) -> None:
    """One row per policy: title linking its section, id, version, statement count, last test run."""
    failing, _statement, scenario = outline(library, rows=1)
    results = results_from({"results": [entry(failing.id, scenario.file, scenario.examples[0].line, "failed")]})
    home = build_pages(library, results)["index.md"]
    for bound in policies(library):
        row = next(line for line in home.splitlines() if line.startswith(f"| [{bound.source.title}]("))
        assert f"]({bound.id}/index.md) | `{bound.id}` | {bound.source.version} | {len(bound.source.statements)}" in row
        expected = FAILED if bound.id == failing.id else NOT_RUN
        assert STATUS.findall(row) == [expected], bound.id


def test_the_home_page_links_the_shared_section_and_the_library_pages(library: Library, pages: Pages) -> None:
    home = pages["index.md"]
    assert "](shared/index.md)" in home
    for statement in library.shared_statements:
        assert f"[{statement.id}](shared/statements/{statement.id}.md)" in home
    for page in ("contract.md", "decision.md", "api.md"):
        assert f"]({page})" in home


def test_a_policy_that_does_not_bind_is_named_on_the_home_page(library: Library) -> None:
    """A folder still being written gets no section but is listed with what bind said."""
    broken = Library(policies=library.policies, unbound=(Unbound("zz-half-written", "no rule for X-1"),),
                     shared=library.shared, shared_code=library.shared_code)
    generated = build_pages(broken, results_from({}))
    assert "`zz-half-written`" in generated["index.md"] and "no rule for X-1" in generated["index.md"]
    assert not any(path.startswith("zz-half-written/") for path in generated)


# --- Shared statements --------------------------------------------------------------------------------


def test_every_shared_statement_has_its_page_naming_the_policies_that_include_it(
    library: Library, pages: Pages
) -> None:
    """shared/statements/<ID>.md: text, citations, conditions, examples, and links to each including policy."""
    assert "shared/index.md" in pages and "shared/bibliography.md" in pages
    assert library.shared_statements
    for statement in library.shared_statements:
        page = pages[f"shared/statements/{statement.id}.md"]
        assert page.startswith(f"# {statement.id}: {statement.title}")
        assert statement.text in page
        included_by = next(line for line in page.splitlines() if line.startswith("| Included by |"))
        linked = set(re.findall(r"\]\(\.\./\.\./([a-z0-9-]+)/index\.md\)", included_by))
        assert linked == {p.id for p in policies(library) if statement.id in p.source.included}, statement.id
        for policy in library.including(statement.id):
            assert f"](../../{policy.id}/statements/{statement.id}.md)" in included_by
        for key in statement.citations:
            assert f"[{key}](../bibliography.md#{key})" in page.split("## Citations", 1)[1]
        for scenario in statement.scenarios:
            assert f"### {scenario.name} {{#scenario-{scenario.line}}}" in page


def test_a_shared_statements_conditions_are_its_shared_rules(library: Library, pages: Pages) -> None:
    for rule in library.shared_code.rules:
        page = pages[f"shared/statements/{rule.statement}.md"]
        values = {key: p.value for key, p in library.shared.parameters.items()} if library.shared else {}
        for branch in rule.cases:
            assert f"When `{render(branch.when, dict(values))}`" in page, rule.name


def test_a_shared_row_shows_its_status_under_each_including_policy(library: Library) -> None:
    """The same example row, passed under one policy and failed under another, shows both; each
    policy's own page for the statement shows its own run."""
    statement, scenario, including = shared_outline(library)
    row = scenario.examples[0]
    statuses = [PASSED if index % 2 == 0 else FAILED for index in range(len(including))]
    results = results_from({"results": [entry(p.id, scenario.file, row.line, status)
                                        for p, status in zip(including, statuses, strict=True)]})
    generated = build_pages(library, results)
    assert row_statuses(generated[f"shared/statements/{statement.id}.md"], row.line) == statuses
    for policy, status in zip(including, statuses, strict=True):
        assert row_statuses(generated[f"{policy.id}/statements/{statement.id}.md"], row.line) == [status]
    header = next(line for line in generated[f"shared/statements/{statement.id}.md"].splitlines()
                  if line.startswith("| Line |"))
    assert [p.id for p in including] == re.findall(r"Last test run under ([a-z0-9-]+)", header)


def test_a_policy_lists_its_shared_statements_in_place_linking_the_shared_page(
    library: Library, pages: Pages
) -> None:
    """On the overview, statements keep the source order; included ones link their shared page."""
    for bound in policies(library):
        overview = pages[f"{bound.id}/index.md"]
        positions = [overview.index(f"| [{s.id}](statements/{s.id}.md)") for s in bound.source.statements]
        assert positions == sorted(positions), bound.id
        for statement in bound.source.statements:
            row = next(line for line in overview.splitlines() if line.startswith(f"| [{statement.id}]("))
            marked = f"([shared](../shared/statements/{statement.id}.md))" in row
            assert marked == statement.shared, (bound.id, statement.id)
            if statement.shared:
                page = pages[f"{bound.id}/statements/{statement.id}.md"]
                assert f"](../../shared/statements/{statement.id}.md)" in page


# --- Results per policy -------------------------------------------------------------------------------


def test_a_statement_page_shows_the_status_of_each_example_row(library: Library) -> None:
    """Rows with a recorded pass or failure show it; a row without a result shows 'not run'."""
    bound, statement, scenario = outline(library, rows=3)
    first, second, third = scenario.examples[:3]
    results = results_from({"results": [
        entry(bound.id, scenario.file, first.line, "passed"),
        entry(bound.id, scenario.file, second.line, "failed"),
    ]})
    page = build_pages(library, results)[f"{bound.id}/statements/{statement.id}.md"]
    assert row_statuses(page, first.line) == [PASSED]
    assert row_statuses(page, second.line) == [FAILED]
    assert row_statuses(page, third.line) == [NOT_RUN]


def test_a_result_recorded_under_another_policy_does_not_count(library: Library) -> None:
    """Results are per policy: a row that passed under a policy says nothing of another's row."""
    bound, statement, scenario = outline(library, rows=1)
    results = results_from({"results": [entry("zz-other-policy", scenario.file, scenario.examples[0].line,
                                              "passed")]})
    page = build_pages(library, results)[f"{bound.id}/statements/{statement.id}.md"]
    assert row_statuses(page, scenario.examples[0].line) == [NOT_RUN]


def test_a_statement_page_summarises_its_last_test_run(library: Library) -> None:
    """The summary counts the statement's rows by status."""
    bound, statement, scenario = outline(library, rows=2)
    rows = sum(len(s.examples) for s in statement.scenarios)
    results = results_from({"results": [entry(bound.id, scenario.file, scenario.examples[0].line, "failed")]})
    page = build_pages(library, results)[f"{bound.id}/statements/{statement.id}.md"]
    assert f"| Last test run | 0 passed, 1 failed, {rows - 1} not run |" in page


def test_without_a_results_file_every_row_is_not_run(library: Library, tmp_path: Path) -> None:
    results = load_results(tmp_path / "absent.json")
    bound, statement, scenario = outline(library, rows=1)
    page = build_pages(library, results)[f"{bound.id}/statements/{statement.id}.md"]
    assert {status for e in scenario.examples for status in row_statuses(page, e.line)} == {NOT_RUN}
    assert "passed</span>" not in page


def test_an_unknown_status_in_the_results_counts_as_not_run(library: Library) -> None:
    """Only 'passed' and 'failed' are trusted from the file."""
    bound, _statement, scenario = outline(library, rows=1)
    results = results_from({"results": [entry(bound.id, scenario.file, scenario.examples[0].line, "skipped")]})
    assert results.for_policy(bound.id).of_example(scenario, scenario.examples[0]) == NOT_RUN


def test_results_from_another_source_are_flagged_for_that_policy_only(library: Library) -> None:
    """A policy whose recorded digest differs gets the warning on its pages; the others do not."""
    stale, statement, scenario = outline(library, rows=1)
    document = {
        "results": [entry(p.id, s.file, s.examples[0].line, "passed")
                    for p in policies(library) for st in p.source.statements for s in st.scenarios[:1]],
        "policies": {p.id: ("sha256:0" if p.id == stale.id else p.digest) for p in policies(library)},
    }
    generated = build_pages(library, results_from(document))
    assert "!!! warning" in generated[f"{stale.id}/statements/{statement.id}.md"]
    assert "!!! warning" in generated[f"{stale.id}/traceability.md"]
    assert "!!! warning" in generated[f"{stale.id}/index.md"]
    for bound in policies(library):
        if bound.id != stale.id:
            assert "!!! warning" not in generated[f"{bound.id}/index.md"], bound.id
            assert "!!! warning" not in generated[f"{bound.id}/traceability.md"], bound.id
    for shared in library.shared_statements:
        page = generated[f"shared/statements/{shared.id}.md"]
        assert ("!!! warning" in page) == (stale.id in {p.id for p in library.including(shared.id)})


# --- A policy's pages -----------------------------------------------------------------------------------


def test_a_statement_page_lists_each_citation_with_its_support_level(library: Library, pages: Pages) -> None:
    for bound in policies(library):
        for statement in bound.source.statements:
            page = pages[f"{bound.id}/statements/{statement.id}.md"]
            citations = page.split("## Citations", 1)[1].split("## Examples", 1)[0]
            for key in statement.citations:
                support = bound.source.bibliography[key].support
                assert re.search(rf"^\| \[{re.escape(key)}\]\(\.\./bibliography\.md#{re.escape(key)}\) "
                                 rf"\| \*\*{support}\*\* \|", citations, re.MULTILINE), (bound.id, statement.id, key)


def test_extrapolated_references_are_shown_as_such(library: Library, pages: Pages) -> None:
    """An extrapolated source keeps that label wherever a statement cites it."""
    cited = [(b, s, k) for b in policies(library) for s in b.source.statements for k in s.citations
             if b.source.bibliography[k].support == "extrapolated"]
    assert cited
    for bound, statement, key in cited:
        assert f"[{key}](../bibliography.md#{key}) | **extrapolated**" in pages[f"{bound.id}/statements/{statement.id}.md"]


def test_a_policy_choice_parameter_is_marked_on_the_pages_that_use_it(library: Library, pages: Pages) -> None:
    """A value without a source carries the committee's note, never a citation."""
    checked = 0
    for bound in policies(library):
        for parameter in (p for p in bound.source.parameters.values() if p.policy_choice):
            users = [r.statement for r in bound.rules if parameter.key in r.parameters]
            users += [d.statement for d in bound.derivations if parameter.key in d.parameters]
            for statement_id in users:
                page = pages[f"{bound.id}/statements/{statement_id}.md"]
                row = next(line for line in page.splitlines() if line.startswith(f"| `{parameter.key}` |"))
                assert f"**Policy choice:** {parameter.policy_choice}" in row
                checked += 1
            assert f"**Policy choice:** {parameter.policy_choice}" in pages[f"{bound.id}/parameters.md"]
    assert checked


def test_a_statement_page_shows_each_rule_case_in_readable_form(library: Library, pages: Pages) -> None:
    for bound in policies(library):
        for rule in bound.rules:
            page = pages[f"{bound.id}/statements/{rule.statement}.md"]
            for branch in rule.cases:
                assert f"When `{render(branch.when, bound.params)}`" in page, rule.name
            if rule.otherwise is not None:
                assert "Otherwise: outcome" in page


def test_the_traceability_matrix_lists_every_statement_with_its_rules_and_citations(
    library: Library, pages: Pages
) -> None:
    for bound in policies(library):
        matrix = pages[f"{bound.id}/traceability.md"]
        for statement in bound.source.statements:
            row = next(line for line in matrix.splitlines() if line.startswith(f"| [{statement.id}]("))
            for rule in bound.rules_for(statement.id):
                assert f"`{rule.name}`" in row
            for scenario in statement.scenarios:
                assert scenario.name in row
            for key in statement.citations:
                assert f"[{key}](bibliography.md#{key})" in row


def test_the_bibliography_lists_every_reference_and_who_cites_it(library: Library, pages: Pages) -> None:
    for bound in policies(library):
        text = pages[f"{bound.id}/bibliography.md"]
        sections = dict(re.findall(r"^## (\S+) \{#\S+\}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL))
        assert set(sections) == set(bound.source.bibliography), bound.id
        for statement in bound.source.statements:
            for key in statement.citations:
                assert f"[{statement.id}](statements/{statement.id}.md)" in sections[key]


def test_the_decision_page_names_every_statement_that_can_deny(library: Library, pages: Pages) -> None:
    for bound in policies(library):
        deniers = {r.statement for r in bound.rules for b in r.branches if any(isinstance(c, Deny) for c in b.then)}
        row = next(line for line in pages[f"{bound.id}/decision.md"].splitlines() if line.startswith("| **deny** |"))
        assert set(re.findall(r"\[([A-Z0-9-]+)\]\(statements/", row)) == deniers, bound.id


def test_the_decision_page_names_the_authorization_defaults(library: Library, pages: Pages) -> None:
    for bound in policies(library):
        authorization = bound.code.authorization
        text = pages[f"{bound.id}/decision.md"]
        for declared in authorization.fields if authorization else ():
            assert (f"`{declared.path}` becomes" in text) == (declared.default is not None), declared.path


def test_the_changelog_starts_with_the_current_policy_version(library: Library, pages: Pages) -> None:
    for bound in policies(library):
        history = bound.source.changelog
        assert history and history[0].version == bound.source.version, bound.id
        for release in history:
            assert f"## {release.version} ({release.date})" in pages[f"{bound.id}/changelog.md"]


# --- Contract ------------------------------------------------------------------------------------------


def test_a_contract_page_carries_its_policys_request_schema(library: Library, pages: Pages) -> None:
    """Each policy's JSON Schema is embedded as generated, and every top-level field is in the table."""
    for bound in policies(library):
        contract = pages[f"{bound.id}/contract.md"]
        schema = request_schema(bound.id)
        assert json.dumps(schema, indent=2, ensure_ascii=False) in contract
        for name in schema["properties"]:
            assert f"| `{name}` |" in contract


def test_a_contract_page_describes_the_declared_figures_and_authorized_fields(library: Library, pages: Pages) -> None:
    """`dosing` and `authorized` are described from the policy's Figures and AuthorizedFields."""
    for bound in policies(library):
        contract = pages[f"{bound.id}/contract.md"]
        for figure in bound.code.figures:
            row = next(line for line in contract.splitlines() if line.startswith(f"| `dosing.{figure.key}` |"))
            assert f"| {figure.label} | {figure.unit or ''} |" in row, figure.key
        authorization = bound.code.authorization
        for declared in authorization.fields if authorization else ():
            spec = field_spec(bound.code.request_model, f"{authorization.source}.{declared.path}")  # type: ignore[union-attr]
            unit = spec.unit if spec is not None and spec.unit else ""
            row = next(line for line in contract.splitlines()
                       if line.startswith(f"| `authorized.{declared.path}` |"))
            assert f"| {declared.label} | {unit} |" in row, declared.path


def test_a_contract_page_shows_the_policys_example_and_its_determination(library: Library, pages: Pages) -> None:
    """The example of examples/<policy-id>/ (contract-example.json, else source-case.json) and what it gets."""
    shown = 0
    for bound in policies(library):
        found = next((EXAMPLES / bound.id / name for name in EXAMPLE_FILES if (EXAMPLES / bound.id / name).is_file()),
                     None)
        contract = pages[f"{bound.id}/contract.md"]
        if found is None:
            assert "## Example" not in contract
            continue
        request = json.loads(found.read_text(encoding="utf-8"))
        assert json.dumps(request, indent=2) in contract
        assert json.dumps(assess(request, bound.id).to_dict(), indent=2) in contract
        shown += 1
    assert shown


def test_the_library_contract_and_decision_pages_link_every_policy(library: Library, pages: Pages) -> None:
    for bound in policies(library):
        assert f"]({bound.id}/contract.md)" in pages["contract.md"]
        assert f"]({bound.id}/decision.md)" in pages["decision.md"]


# --- Navigation and recording --------------------------------------------------------------------------


def test_the_nav_links_every_generated_page_and_the_pages_given(library: Library) -> None:
    """SUMMARY.md reaches every page, plus guides and extra pages that exist."""
    generated = build_pages(library, results_from({}), guides=[("Authors", "authors.md")],
                            extra=[("Benchmarks", "benchmarks.md")])
    nav = generated["SUMMARY.md"]
    for path in generated:
        if path != "SUMMARY.md":
            assert f"]({path})" in nav, path
    assert "](authors.md)" in nav and "](benchmarks.md)" in nav


def test_row_lines_follow_the_rows_of_every_examples_table(library: Library) -> None:
    """A parametrization maps to the row with its values, across every Examples table of the scenario."""
    statements = [s for b in policies(library) for s in b.source.statements if not s.shared]
    for statement in [*statements, *library.shared_statements]:
        for scenario in statement.scenarios:
            path = source_root() / scenario.file
            if len(scenario.examples) == 1 and not scenario.examples[0].values:
                assert row_line_of(path, scenario.file, scenario.line, None) == scenario.line
                continue
            by_values = [row_line_of(path, scenario.file, scenario.line, dict(e.values)) for e in scenario.examples]
            distinct = [e for e in scenario.examples if [x.values for x in scenario.examples].count(e.values) == 1]
            assert all(line == e.line for line, e in zip(by_values, scenario.examples, strict=True) if e in distinct)
            assert all(line > scenario.line for line in by_values)


def run_steps(target: Path, keywords: list[str], workers: list[str]) -> TestResults:
    env = {**os.environ, "POLICY_TEST_RESULTS": str(target)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *workers, "steps/test_library.py", "-k", " or ".join(keywords)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return load_results(target)


@pytest.mark.parametrize("workers", [[], ["-p", "xdist", "-n", "2"]], ids=["one-process", "xdist"])
def test_a_test_run_records_each_example_row(library: Library, tmp_path: Path, workers: list[str]) -> None:
    """The conftest hooks write one passed entry per row that ran, under its policy, with or without xdist."""
    bound, statement, _scenario = outline(library, rows=2)
    results = run_steps(tmp_path / "results.json", [make_python_name(s.name) for s in statement.scenarios], workers)
    counts = results.for_policy(bound.id).of_scenarios(statement.scenarios)
    assert counts[PASSED] == sum(len(s.examples) for s in statement.scenarios)
    assert counts[FAILED] == counts[NOT_RUN] == 0
    known = {(s.file, e.line) for b in policies(library) for st in b.source.statements for s in st.scenarios
             for e in s.examples}
    known |= {(s.file, e.line) for b in policies(library) for s in b.source.loose_scenarios for e in s.examples}
    assert set(results.statuses) <= known
    assert results.digests[bound.id] == bound.digest


def test_a_shared_statements_rows_are_recorded_under_each_including_policy(library: Library, tmp_path: Path) -> None:
    """Every row of a shared outline is recorded once per policy including the statement."""
    statement, scenario, including = shared_outline(library)
    results = run_steps(tmp_path / "results.json", [make_python_name(scenario.name)], [])
    for policy in including:
        statuses = [results.for_policy(policy.id).of_example(scenario, e) for e in scenario.examples]
        assert statuses == [PASSED] * len(scenario.examples), (policy.id, statement.id)
