"""The policy source and the rule declarations cannot drift apart unnoticed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from library_copy import copy_library

from policy.binding import assemble, bind, binding_problems, shared_parameter_uses
from policy.errors import PolicyDefinitionError
from policy.library import policy_code, shared_code
from policy.rules.declarations import Effect, Outcome, StatementRule, always, case
from policy.source import load_source

POLICY = "ivig-myositis"


@pytest.fixture
def source_copy(tmp_path: Path) -> Path:
    """A copy of the whole library, to edit."""
    return copy_library(tmp_path)


def _declared() -> tuple[object, tuple[object, ...], tuple[StatementRule, ...]]:
    """The myositis source with its derivations and rules, shared ones included."""
    shared = shared_code()
    source = load_source("ivig_myositis", shared_uses=shared_parameter_uses(shared))
    derivations, rules = assemble(source, policy_code(POLICY), shared)
    return source, derivations, rules


def _remove_rule(folder: Path, statement_id: str) -> None:
    """Deletes the Rule tagged with `statement_id` (up to the next tagged Rule) from its feature file."""
    for path in folder.glob("*.feature"):
        text = path.read_text()
        pattern = re.compile(rf"\n  @{statement_id} .*?(?=\n  @[A-Z]|\Z)", re.S)
        if pattern.search(text):
            path.write_text(pattern.sub("", text, count=1))
            return
    raise AssertionError(f"{statement_id} not found")


def test_the_shipped_policy_binds_every_statement_to_a_rule() -> None:
    """Binding the shipped policy finds all 25 statements, each with a rule."""
    bound = bind(POLICY)
    assert len(bound.source.statements) == 25
    assert {s.id for s in bound.source.statements} == set(bound.effects)


def test_a_rule_naming_a_statement_that_is_gone_fails_loading(source_copy: Path) -> None:
    """Removing a statement's Rule from the feature files makes loading fail and name it."""
    _remove_rule(source_copy / "ivig_myositis", "DOSE-HIGH")
    with pytest.raises(PolicyDefinitionError, match="DOSE-HIGH names unknown statement DOSE-HIGH"):
        bind(POLICY, source_copy)


def test_a_statement_without_a_rule_fails_loading() -> None:
    """A statement no rule is bound to is reported with its file and line."""
    source, derivations, every = _declared()
    rules = tuple(r for r in every if r.statement != "MON-COMPLETE")
    problems = binding_problems(source, derivations, rules)  # type: ignore[arg-type]
    assert len(problems) == 1
    assert re.match(r"statement MON-COMPLETE \(ivig_myositis/05_monitoring\.feature:\d+\) has no rule", problems[0])


def test_a_rule_using_an_undeclared_parameter_is_reported() -> None:
    """A rule whose condition names a parameter missing from policy.toml is a binding problem."""
    from policy.rules.declarations import Fact, P

    source, derivations, rules = _declared()
    stray = StatementRule(
        name="DOSE-COURSES/extra", statement="DOSE-COURSES", effect=Effect.CHANGE, facts=("request",),
        cases=(case(Fact("request").courses > P.not_a_parameter, Outcome.NOT_MET),),
    )
    problems = binding_problems(source, derivations, (*rules, stray))  # type: ignore[arg-type]
    assert problems == ["rule DOSE-COURSES/extra uses undeclared parameter not_a_parameter"]


def test_a_rule_for_an_unknown_statement_is_reported() -> None:
    """A rule bound to an ID no feature file declares is a binding problem."""
    source, derivations, rules = _declared()
    stray = StatementRule(name="DOSE-NEW", statement="DOSE-NEW", effect=Effect.ADVICE,
                          facts=("request",), cases=(case(always(), Outcome.MET),))
    problems = binding_problems(source, derivations, (*rules, stray))  # type: ignore[arg-type]
    assert problems == ["rule DOSE-NEW names unknown statement DOSE-NEW"]


def test_the_digest_changes_when_the_policy_source_changes(source_copy: Path) -> None:
    """Editing one character of a feature file gives another policy digest."""
    before = bind(POLICY, source_copy).digest
    path = source_copy / "ivig_myositis" / "03_dosing.feature"
    path.write_text(path.read_text().replace("consecutive days", "consecutive  days", 1))
    after = bind(POLICY, source_copy).digest
    assert before.startswith("sha256:") and after.startswith("sha256:")
    assert before != after


SHARED_IDS = ("DOSE-WEIGHT", "SAFE-IGA-SCREEN", "SAFE-IGA-PRODUCT", "SAFE-CARDIAC", "SAFE-HYDRATION")


def _including(root: Path | None = None) -> list[str]:
    from policy.library import policy_ids

    return [p for p in policy_ids(root) if "DOSE-WEIGHT" in bind(p, root).source.included]


def test_the_myositis_policy_includes_the_five_shared_statements_in_place() -> None:
    """The shared statements stand where the policy places them, with the shared rules bound to them."""
    bound = bind(POLICY)
    ids = [s.id for s in bound.source.statements]
    assert bound.source.included == SHARED_IDS
    assert ids.index("DOSE-WEIGHT") == ids.index("IND-ROLE") + 1
    assert ids[ids.index("SAFE-IGA-SCREEN"):ids.index("SAFE-IGA-SCREEN") + 3] == [
        "SAFE-IGA-SCREEN", "SAFE-IGA-PRODUCT", "SAFE-CARDIAC"]
    for statement_id in SHARED_IDS:
        statement = bound.source.statement(statement_id)
        assert statement.file.startswith("shared/") and statement.shared
        assert bound.rules_for(statement_id)
    assert "vial_rounding_g" in bound.source.parameters and "ibw_kg_per_in" in bound.source.parameters


def test_editing_a_shared_statement_changes_the_digest_of_every_policy_including_it(source_copy: Path) -> None:
    """One changed character of the shared source moves each including policy's digest."""
    policies = _including(source_copy)
    assert POLICY in policies
    before = {p: bind(p, source_copy).digest for p in policies}
    path = source_copy / "shared" / "02_safety.feature"
    path.write_text(path.read_text().replace("each infusion.", "each  infusion.", 1))
    after = {p: bind(p, source_copy).digest for p in policies}
    assert all(before[p] != after[p] for p in policies)


def test_editing_a_shared_rule_changes_the_digest_of_every_policy_including_it(source_copy: Path) -> None:
    """The shared Python is part of the source each including policy's digest covers."""
    policies = _including(source_copy)
    before = {p: bind(p, source_copy).digest for p in policies}
    path = source_copy / "shared" / "rules.py"
    path.write_text(path.read_text() + "\n# an edit\n")
    after = {p: bind(p, source_copy).digest for p in policies}
    assert all(before[p] != after[p] for p in policies)
