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

from policy import provenance, releases
from policy.assessment import assess
from policy.binding import BoundPolicy
from policy.docs import (
    FAILED,
    NOT_RUN,
    PASSED,
    Library,
    PolicyDocs,
    build_pages,
    load_library,
    load_results,
    results_from,
    stale_policies,
)
from policy.docs.contract import NO_DESCRIPTION, determination_places, field_descriptions
from policy.docs.examples import example_title, json_text
from policy.docs.library import EXAMPLE_FILES, SOURCE_CASE, Unbound
from policy.docs.markdown import Pages
from policy.docs.marks import effective_text
from policy.docs.results import STALE_TITLE, TestResults, row_line_of, stale_html
from policy.docs.rules import ENGINE_TITLE, RuleSet, logic_markdown, policy_rules, policy_words
from policy.docs.words import number, quantity
from policy.library import folder_of, policy_ids
from policy.provenance import Badge, Grade
from policy.rules.conditions import Compare, Field, atoms, params_of, render
from policy.rules.declarations import Deny, Derivation, StatementRule
from policy.schema import request_schema
from policy.source import ScenarioSource, Statement, source_root
from policy.spec import field_spec

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SECTION_PAGES = ("index.md", "decision.md", "parameters.md", "traceability.md", "bibliography.md",
                 "contract.md", "changelog.md", "examples/index.md")
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
        assert (f"]({bound.id}/index.md) | `{bound.id}` | {bound.source.version} | {effective_text(bound)} | "
                f"{len(bound.source.statements)}") in row
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
    """A policy whose recorded digest differs is named in the warning every page shows; the others are not."""
    stale, _statement, _scenario = outline(library, rows=1)
    document = {
        "results": [entry(p.id, s.file, s.examples[0].line, "passed")
                    for p in policies(library) for st in p.source.statements for s in st.scenarios[:1]],
        "policies": {p.id: ("sha256:0" if p.id == stale.id else p.digest) for p in policies(library)},
    }
    assert stale_policies(library, results_from(document)) == [stale.id]
    warning = stale_html(stale_policies(library, results_from(document)))
    assert STALE_TITLE in warning and f"<code>{stale.id}</code>" in warning
    fresh = {**document, "policies": {p.id: p.digest for p in policies(library)}}
    assert stale_policies(library, results_from(fresh)) == []
    assert stale_html([]) == ""
    home = build_pages(library, results_from(document))["index.md"]
    row = next(line for line in home.splitlines() if line.startswith(f"| [{stale.source.title}]("))
    assert "recorded against another source" in row


# --- A policy's pages -----------------------------------------------------------------------------------


def citations_of(page: str) -> str:
    return page.split("## Citations", 1)[1].split("## Examples", 1)[0]


def test_a_statement_page_grades_each_citation_as_provenance_does(library: Library, pages: Pages) -> None:
    """Support is per statement–reference pair: each citation row shows its own grade and why, or 'not graded'."""
    graded = 0
    for bound in policies(library):
        for statement in bound.source.statements:
            citations = citations_of(pages[f"{bound.id}/statements/{statement.id}.md"])
            grades = {g.reference: g for g in provenance.grades(bound, statement.id)}
            for key in statement.citations:
                row = next(line for line in citations.splitlines()
                           if line.startswith(f"| [{key}](../bibliography.md#{key}) |"))
                grade = grades.get(key)
                if grade is None:
                    assert "| not graded |" in row, (bound.id, statement.id, key)
                    continue
                graded += 1
                assert f"| **{grade.support}**" in row, (bound.id, statement.id, key)
                assert " ".join(grade.note.split()).replace("|", "\\|") in row, (bound.id, statement.id, key)
    assert graded, "no citation of any policy is graded"


def fake_provenance(monkeypatch: pytest.MonkeyPatch, statement_id: str, grades: tuple[Grade, ...],
                    badges: tuple[Badge, ...]) -> None:
    """Provenance answering with the grades and badges given for one statement, nothing for the others."""
    monkeypatch.setattr(provenance, "grades", lambda bound, s: grades if s == statement_id else ())
    monkeypatch.setattr(provenance, "badges", lambda bound, s: badges if s == statement_id else ())


def test_a_grade_badge_and_quote_show_where_a_reviewer_reads(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever provenance says of a statement shows on its page header, its citations, the overview and
    the traceability matrix: the support of each citation, its note and the source sentence it encodes."""
    bound, statement, _scenario = outline(library, rows=1)
    key = statement.citations[0]
    grade = Grade(statement=statement.id, reference=key, support="extrapolated", note="Said of another disease.",
                  quote="The sentence the statement encodes.", quotes=("The sentence the statement encodes.",),
                  direct_for=("Z99.9",), extrapolated_from="another disease")
    badge = Badge(kind="extrapolated", label="Extrapolated from <another> disease", detail="Why & how.")
    fake_provenance(monkeypatch, statement.id, (grade,), (badge,))
    generated = build_pages(library, results_from({}))
    page = generated[f"{bound.id}/statements/{statement.id}.md"]
    header = page.split("## Parameters", 1)[0]
    assert "Extrapolated from &lt;another&gt; disease" in header and "Why &amp; how." in header
    row = next(line for line in citations_of(page).splitlines() if line.startswith(f"| [{key}]("))
    assert "**extrapolated** (direct for Z99.9), from another disease" in row and "Said of another disease." in row
    assert "> The sentence the statement encodes." in citations_of(page)
    for other in statement.citations[1:]:
        assert "| not graded |" in next(line for line in citations_of(page).splitlines()
                                          if line.startswith(f"| [{other}]("))
    overview_row = next(line for line in generated[f"{bound.id}/index.md"].splitlines()
                        if line.startswith(f"| [{statement.id}]("))
    assert "Extrapolated from &lt;another&gt; disease" in overview_row
    matrix_row = next(line for line in generated[f"{bound.id}/traceability.md"].splitlines()
                      if line.startswith(f"| [{statement.id}]("))
    assert "policy-badge-extrapolated" in matrix_row
    bibliography = generated[f"{bound.id}/bibliography.md"].split(f"## {key} ", 1)[1].split("\n## ", 1)[0]
    assert f"[{statement.id}](statements/{statement.id}.md) (extrapolated)" in bibliography


def test_without_a_grade_the_matrix_does_not_claim_direct_support(library: Library,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    bound, statement, _scenario = outline(library, rows=1)
    fake_provenance(monkeypatch, "NO-SUCH-STATEMENT", (), ())
    matrix = build_pages(library, results_from({}))[f"{bound.id}/traceability.md"]
    row = next(line for line in matrix.splitlines() if line.startswith(f"| [{statement.id}]("))
    assert "| not graded |" in row and "| direct |" not in row


def test_the_policy_version_dates_show_on_the_overview_home_and_statement_pages(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The effective date and the version a statement last changed in come from the recorded releases."""
    monkeypatch.setattr(releases, "effective", lambda bound: "2099-01-02")
    monkeypatch.setattr(releases, "last_changed", lambda bound, statement_id: f"9.{len(statement_id)}.0")
    generated = build_pages(library, results_from({}))
    assert "| 2099-01-02 |" in generated["index.md"]
    for bound in policies(library):
        assert "| Effective | 2099-01-02 |" in generated[f"{bound.id}/index.md"]
        for statement in bound.source.statements:
            page = generated[f"{bound.id}/statements/{statement.id}.md"]
            assert f"| Last changed | version 9.{len(statement.id)}.0 " in page, statement.id
    monkeypatch.setattr(releases, "effective", lambda bound: None)
    monkeypatch.setattr(releases, "last_changed", lambda bound, statement_id: None)
    generated = build_pages(library, results_from({}))
    for bound in policies(library):
        assert "| Effective | not released" in generated[f"{bound.id}/index.md"]


def test_a_policy_choice_parameter_is_marked_on_the_pages_that_use_it(library: Library, pages: Pages) -> None:
    """A value without a source carries the committee's note, never a citation."""
    checked = 0
    for bound in policies(library):
        for parameter in (p for p in bound.source.parameters.values() if p.policy_choice):
            users = [r.statement for r in bound.rules if parameter.key in r.parameters]
            users += [d.statement for d in bound.derivations if parameter.key in d.parameters]
            for statement_id in users:
                page = pages[f"{bound.id}/statements/{statement_id}.md"]
                row = next(line for line in page.splitlines() if f"| `{parameter.key}` |" in line)
                assert row.startswith(f"| {parameter.label} | {quantity(parameter.value, parameter.unit)} |")
                assert f"**Policy choice:** {parameter.policy_choice}" in row
                checked += 1
            assert f"**Policy choice:** {parameter.policy_choice}" in pages[f"{bound.id}/parameters.md"]
    assert checked


def logic_of(page: str) -> tuple[str, str]:
    """The plain-language part of a statement's "How it is decided", and the engine's collapsed block."""
    part = page.split("## How it is decided", 1)[1].split("## Citations", 1)[0]
    plain, _marker, engine = part.partition(f'??? abstract "{ENGINE_TITLE}"')
    return plain, engine


def test_a_statement_page_shows_each_rule_case_in_words_and_in_the_engines_form(library: Library,
                                                                              pages: Pages) -> None:
    """The cases read as sentences: no code, no field names, every parameter with its value and unit;
    the engine's form of each case is in the collapsed block below them."""
    for bound in policies(library):
        facts = {fact for rule in bound.rules for fact in rule.facts} | {d.produces for d in bound.derivations}
        for rule in bound.rules:
            plain, engine = logic_of(pages[f"{bound.id}/statements/{rule.statement}.md"])
            assert "`" not in plain, (bound.id, rule.name)
            leaked = [f for f in facts if re.search(rf"\b{f}\.[a-z_]+\b", plain)]
            assert leaked == [], (bound.id, rule.name, leaked)
            assert not re.search(r" is (true|false)\b", plain), (bound.id, rule.name)
            for branch in rule.cases:
                assert f"When `{render(branch.when, bound.params)}`" in engine, rule.name
                for key in params_of(branch.when):
                    parameter = bound.source.parameters[key]
                    assert quantity(parameter.value, parameter.unit) in plain, (rule.name, key)
            if rule.otherwise is not None:
                assert "Otherwise: **" in plain


def compares(rule: StatementRule) -> list[Compare]:
    return [atom for branch in rule.cases for atom in atoms(branch.when) if isinstance(atom, Compare)]


def compared_fields(bound: BoundPolicy, derivation: Derivation) -> list[Field]:
    """Fields of the derivation's fact that a case compares with a number, a parameter or another field."""
    return [f for rule in bound.rules for atom in compares(rule) if not isinstance(atom.right, bool)
            for f in (atom.left, atom.right) if isinstance(f, Field) and f.fact == derivation.produces]


def keys_of(atom: Compare) -> set[tuple[str, str]]:
    return {f.key() for f in (atom.left, atom.right) if isinstance(f, Field)}


def test_a_declared_glossary_and_formula_word_the_conditions(library: Library) -> None:
    """Words a policy declares for a field replace the fallback; a formula is shown with each parameter's
    value and unit under its derivation, and beside its field wherever a case compares it."""
    bound, derivation = next((b, d) for b in policies(library) for d in b.derivations
                             if d.parameters and compared_fields(b, d))
    fields = compared_fields(bound, derivation)
    declared = attrs.evolve(derivation,
                            formulas={fields[0].name: f"{{{derivation.parameters[0]}}} × the patient's figure"})
    derivations = tuple(declared if d is derivation else d for d in bound.derivations)
    rule = next(r for r in bound.rules if compares(r))
    left = compares(rule)[0].left
    words = policy_words(attrs.evolve(bound, derivations=derivations),
                         glossaries=[{f"{left.fact}.{left.name}": "the declared words"}])
    rules = RuleSet(derivations, bound.rules, bound.params, tuple(bound.source.parameters), words)
    parameter = bound.source.parameters[derivation.parameters[0]]
    filled = f"{quantity(parameter.value, parameter.unit)} × the patient's figure"
    assert f" = {filled}" in logic_markdown(rules, derivation.statement, engine=False)
    assert "the declared words" in logic_markdown(rules, rule.statement, engine=False)
    assert "the declared words" not in logic_markdown(policy_rules(bound), rule.statement, engine=False)
    users = [r for r in bound.rules if any(fields[0].key() in keys_of(a) for a in compares(r))]
    assert users
    for user in users:
        assert f"({filled})" in logic_markdown(rules, user.statement, engine=False), user.name


def test_numbers_read_as_a_person_writes_them() -> None:
    assert number(11.811023622047244) == "11.8"
    assert number(2.0) == "2.0" and number(152.4) == "152.4" and number(0.25) == "0.25"
    assert number(100_000) == "100,000" and number(28) == "28"
    assert quantity(1, "days") == "1 day" and quantity(2, "days") == "2 days" and quantity(2.0, "g/kg") == "2.0 g/kg"


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
            assert (f"**{declared.label}** becomes" in text) == (declared.default is not None), declared.path


def test_the_changelog_starts_with_the_current_policy_version(library: Library, pages: Pages) -> None:
    for bound in policies(library):
        history = bound.source.changelog
        assert history and history[0].version == bound.source.version, bound.id
        for release in history:
            assert f"## {release.version} ({release.date})" in pages[f"{bound.id}/changelog.md"]


# --- Contract ------------------------------------------------------------------------------------------


def schema_paths(schema: dict[str, Any], node: dict[str, Any] | None = None, prefix: str = "") -> Iterator[str]:
    """Every field of a request schema as a dotted path, nested objects included."""
    node = schema if node is None else node
    for name, raw in node.get("properties", {}).items():
        yield prefix + name
        target = raw
        for option in raw.get("anyOf", []):
            if "$ref" in option:
                target = option
        if "$ref" in target:
            yield from schema_paths(schema, schema["$defs"][target["$ref"].rpartition("/")[2]], f"{prefix}{name}.")


def test_a_contract_page_describes_every_request_field_in_words(library: Library, pages: Pages) -> None:
    """Each field (dotted path) has a row with its type in words, its meaning and whether it is required;
    each object has one heading; no Python type and no unrounded bound shows; the schema is embedded."""
    for bound in policies(library):
        contract = pages[f"{bound.id}/contract.md"]
        schema = request_schema(bound.id)
        assert json.dumps(schema, indent=2, ensure_ascii=False) in contract
        described = contract.split("## Request\n", 1)[1].split("## Determination\n", 1)[0]
        for path in schema_paths(schema):
            row = next((line for line in described.splitlines() if line.startswith(f"| `{path}` |")), None)
            assert row is not None, (bound.id, path)
            cells = [c.strip() for c in row.strip("|").split(" | ")]
            assert cells[1] and cells[4] in ("yes", "no") and cells[5], (bound.id, path, cells)
        headings = re.findall(r"^#{2,4} (.+)$", contract.split("## Example", 1)[0], re.MULTILINE)
        assert len(headings) == len(set(headings)), [h for h in headings if headings.count(h) > 1]
        for python in ("tuple[", "Mapping[", "dict[", " | None", "str |", "float", "NoneType", "ChangeMade"):
            assert python not in contract.split("## JSON Schema", 1)[0], (bound.id, python)
        for value in re.findall(r"\d+\.\d{3,}", described):
            pytest.fail(f"{bound.id}: unrounded number {value} on the contract page")


def test_a_rounded_bound_reads_as_a_person_writes_it(library: Library, pages: Pages) -> None:
    """A bound converted from another unit (11.811023622047244 inches) is shown rounded, and said to be."""
    found = 0
    for bound in policies(library):
        described = pages[f"{bound.id}/contract.md"].split("## Determination\n", 1)[0]
        for line in described.splitlines():
            if "(rounded)" in line:
                found += 1
                assert re.search(r"from \d+(\.\d)? to \d+(\.\d)? \(rounded\)", line), line
    assert found, "no bound of any request is converted from another unit"


def test_a_contract_page_describes_every_determination_field(library: Library, pages: Pages) -> None:
    """Every field of every determination model has its row under its object's heading: decision, policy
    (effective included), changes, reasons, notes, statements, trace; then the policy's figures and
    authorized fields, from its declarations."""
    for bound in policies(library):
        contract = pages[f"{bound.id}/contract.md"]
        described = contract.split("## Determination\n", 1)[1].split("## Example", 1)[0]
        for place in determination_places():
            prefix = place.paths[0]
            for field in attrs.fields(place.model):
                path = f"{prefix}.{field.name}" if prefix else field.name
                assert f"| `{path}` |" in described, (bound.id, path)
        for figure in bound.code.figures:
            row = next(line for line in described.splitlines() if line.startswith(f"| `dosing.{figure.key}` |"))
            assert f"| {figure.label} |" in row and f"| {figure.unit or ''} |" in row, figure.key
        authorization = bound.code.authorization
        for declared in authorization.fields if authorization else ():
            spec = field_spec(bound.code.request_model, f"{authorization.source}.{declared.path}")  # type: ignore[union-attr]
            unit = spec.unit if spec is not None and spec.unit else ""
            row = next(line for line in described.splitlines()
                       if line.startswith(f"| `authorized.{declared.path}` |"))
            assert f"| {declared.label} |" in row and f"| {unit} |" in row, declared.path


def test_every_determination_field_has_its_meaning_declared(library: Library, pages: Pages) -> None:
    """What a determination field means is written once, in its model's docstring, and shown on the page."""
    missing = [f"{p.model.__name__}.{f.name}" for p in determination_places() for f in attrs.fields(p.model)
               if not field_descriptions(p.model).get(f.name)]
    assert missing == [], f"determination fields without a meaning: {missing}"
    for bound in policies(library):
        assert NO_DESCRIPTION not in pages[f"{bound.id}/contract.md"]


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
        assert json_text(request) in contract
        assert json.dumps(assess(request, bound.id).to_dict(), indent=2) in contract
        shown += 1
    assert shown


# --- Examples ---------------------------------------------------------------------------------------


def test_every_example_request_has_its_page_with_the_determination_it_gets(library: Library, pages: Pages) -> None:
    """Each JSON file of examples/<policy-id>/ is on the site: the request as sent, then the decision,
    reasons, changes and the determination this version makes for it, assessed when the site is built."""
    shown = 0
    for bound in policies(library):
        files = sorted((EXAMPLES / bound.id).glob("*.json"))
        listed = pages[f"{bound.id}/examples/index.md"]
        for path in files:
            page = pages[f"{bound.id}/examples/{path.stem}.md"]
            request = json.loads(path.read_text(encoding="utf-8"))
            determination = assess(request, bound.id).to_dict()
            assert json_text(request) in page
            assert f"decision-{determination['decision']}\">{determination['decision'].upper()}<" in page
            for reason in determination["reasons"]:
                assert f"[{reason['statement']}](../statements/{reason['statement']}.md): {reason['text']}" in page
            for change in determination["changes"]:
                assert f"| [{change['statement']}](../statements/{change['statement']}.md) |" in page
            assert json_text(determination).splitlines()[1] in page
            assert f"]({path.stem}.md)" in listed
            shown += 1
        assert listed.index("](source-case.md)") <= min(listed.index(f"]({p.stem}.md)") for p in files)
    assert shown


def test_an_example_whose_file_name_names_another_decision_is_flagged(library: Library) -> None:
    policy = library.policies[0]
    source_case = policy.example_named(SOURCE_CASE)
    assert source_case is not None and source_case.determination is not None
    wrong = "deny" if source_case.determination["decision"] != "deny" else "approve"
    renamed = attrs.evolve(source_case, file=f"{policy.id}/{wrong}-misnamed.json")
    generated = build_pages(attrs.evolve(library, policies=(attrs.evolve(policy, examples=(renamed,)),)),
                            results_from({}))
    page = generated[f"{policy.id}/examples/{wrong}-misnamed.md"]
    assert f"The file name says {wrong}; this version of the policy decides" in page
    assert example_title(renamed).startswith(wrong.capitalize())


def test_statement_pages_link_the_source_case_their_examples_start_from(library: Library, pages: Pages) -> None:
    """"Given a request like the source case" links the page showing that request and its determination."""
    linked = 0
    for policy in library.policies:
        for statement in policy.bound.source.statements:
            page = pages[f"{policy.id}/statements/{statement.id}.md"]
            starts = any("like the source case" in text and "continuation" not in text
                         for s in statement.scenarios for _l, _k, text in s.steps)
            examples = page.split("## Examples", 1)[1]
            assert ("](../examples/source-case.md)" in examples) == starts, (policy.id, statement.id)
            linked += starts
        assert "](examples/source-case.md)" in pages[f"{policy.id}/index.md"]
    assert linked


def test_the_library_contract_and_decision_pages_link_every_policy(library: Library, pages: Pages) -> None:
    for bound in policies(library):
        assert f"]({bound.id}/contract.md)" in pages["contract.md"]
        assert f"]({bound.id}/decision.md)" in pages["decision.md"]


# --- Navigation and recording --------------------------------------------------------------------------


def test_the_nav_links_every_generated_page_and_the_pages_given(library: Library) -> None:
    """SUMMARY.md reaches every page, plus guides and extra pages that exist; the maintainers' pages
    (and the Python API) sit in their own section, after everything a reviewer reads."""
    generated = build_pages(library, results_from({}), guides=[("Integrators", "integrators.md")],
                            maintainers=[("Benchmarks", "benchmarks.md")])
    nav = generated["SUMMARY.md"]
    for path in generated:
        if path != "SUMMARY.md":
            assert f"]({path})" in nav, path
    assert "](integrators.md)" in nav and "](benchmarks.md)" in nav
    top = [line for line in nav.splitlines() if line.startswith("* ")]
    assert top[-1] == "* Maintainers"
    maintainers = nav.split("* Maintainers\n", 1)[1]
    assert "](benchmarks.md)" in maintainers and "](api.md)" in maintainers
    assert "](benchmarks.md)" not in nav.split("* Maintainers\n", 1)[0]


def test_the_built_site_warns_on_every_page_when_the_results_belong_to_another_source(
    library: Library, tmp_path: Path
) -> None:
    """With results recorded against another source, every page of the built site (home, policy pages,
    shared pages, hand-written guides) carries the warning; it names the stale policy only."""
    stale = library.policies[0]
    scenario = next(s for st in stale.bound.source.statements for s in st.scenarios)
    document = {"results": [entry(stale.id, scenario.file, scenario.examples[0].line, "passed")],
                "policies": {stale.id: "sha256:0"}}
    results = tmp_path / "results.json"
    results.write_text(json.dumps(document), encoding="utf-8")
    site = tmp_path / "site"
    env = {**os.environ, "POLICY_TEST_RESULTS": str(results), "NO_MKDOCS_2_WARNING": "1",
           "DISABLE_MKDOCS_2_WARNING": "true"}
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(site)],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    html_pages = [p for p in site.rglob("*.html") if p.name != "404.html"]
    assert len(html_pages) > len(stale.bound.source.statements)
    unwarned = [str(p.relative_to(site)) for p in html_pages if STALE_TITLE not in p.read_text(encoding="utf-8")]
    assert unwarned == []
    home = (site / "index.html").read_text(encoding="utf-8")
    assert f"<code>{stale.id}</code>" in home
    for other in library.policies[1:]:
        assert f"<code>{other.id}</code> were recorded" not in home and f"<code>{other.id}</code>," not in home


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
