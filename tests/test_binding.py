"""The policy source and the rule declarations cannot drift apart unnoticed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from policy.binding import bind, binding_problems
from policy.errors import PolicyDefinitionError
from policy.policies import ivig_myositis
from policy.rules.declarations import Effect, Outcome, StatementRule, always, case
from policy.source import load_source, source_root


@pytest.fixture
def source_copy(tmp_path: Path) -> Path:
    shutil.copytree(source_root() / "ivig_myositis", tmp_path / "ivig_myositis")
    return tmp_path


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
    bound = bind("ivig-myositis", ivig_myositis)
    assert len(bound.source.statements) == 25
    assert {s.id for s in bound.source.statements} == set(bound.effects)


def test_a_rule_naming_a_statement_that_is_gone_fails_loading(source_copy: Path) -> None:
    """Removing a statement's Rule from the feature files makes loading fail and name it."""
    _remove_rule(source_copy / "ivig_myositis", "DOSE-HIGH")
    with pytest.raises(PolicyDefinitionError, match="DOSE-HIGH names unknown statement DOSE-HIGH"):
        bind("ivig-myositis", ivig_myositis, source_copy)


def test_a_statement_without_a_rule_fails_loading() -> None:
    """A statement no rule is bound to is reported with its file and line."""
    source = load_source("ivig_myositis")
    rules = tuple(r for r in ivig_myositis.RULES if r.statement != "MON-COMPLETE")
    problems = binding_problems(source, tuple(ivig_myositis.DERIVATIONS), rules)
    assert len(problems) == 1
    assert re.match(r"statement MON-COMPLETE \(ivig_myositis/05_monitoring\.feature:\d+\) has no rule", problems[0])


def test_a_rule_using_an_undeclared_parameter_is_reported() -> None:
    """A rule whose condition names a parameter missing from policy.toml is a binding problem."""
    from policy.rules.declarations import Fact, P

    source = load_source("ivig_myositis")
    stray = StatementRule(
        name="DOSE-COURSES/extra", statement="DOSE-COURSES", effect=Effect.CHANGE, facts=("request",),
        cases=(case(Fact("request").courses > P.not_a_parameter, Outcome.NOT_MET),),
    )
    problems = binding_problems(source, tuple(ivig_myositis.DERIVATIONS), (*ivig_myositis.RULES, stray))
    assert problems == ["rule DOSE-COURSES/extra uses undeclared parameter not_a_parameter"]


def test_a_rule_for_an_unknown_statement_is_reported() -> None:
    """A rule bound to an ID no feature file declares is a binding problem."""
    source = load_source("ivig_myositis")
    stray = StatementRule(name="DOSE-NEW", statement="DOSE-NEW", effect=Effect.ADVICE,
                          facts=("request",), cases=(case(always(), Outcome.MET),))
    problems = binding_problems(source, tuple(ivig_myositis.DERIVATIONS), (*ivig_myositis.RULES, stray))
    assert problems == ["rule DOSE-NEW names unknown statement DOSE-NEW"]


def test_the_digest_changes_when_the_policy_source_changes(source_copy: Path) -> None:
    """Editing one character of a feature file gives another policy digest."""
    before = bind("ivig-myositis", ivig_myositis, source_copy).digest
    path = source_copy / "ivig_myositis" / "03_dosing.feature"
    path.write_text(path.read_text().replace("consecutive days", "consecutive  days", 1))
    after = bind("ivig-myositis", ivig_myositis, source_copy).digest
    assert before.startswith("sha256:") and after.startswith("sha256:")
    assert before != after
