"""A policy = its source (statements, parameters, bibliography) bound to its
rule declarations, checked so that neither can drift from the other."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from attrs import frozen

from policy.errors import PolicyDefinitionError
from policy.rules.conditions import Param, params_of
from policy.rules.declarations import Case, Derivation, Effect, StatementRule
from policy.source import PolicySource, load_source


@frozen
class BoundPolicy:
    source: PolicySource
    module: ModuleType
    derivations: tuple[Derivation, ...]
    rules: tuple[StatementRule, ...]
    effects: Mapping[str, Effect]
    digest: str

    @property
    def params(self) -> dict[str, Any]:
        values: dict[str, Any] = {key: p.value for key, p in self.source.parameters.items()}
        values["code_groups"] = self.source.code_groups
        return values

    def rules_for(self, statement_id: str) -> tuple[StatementRule, ...]:
        return tuple(r for r in self.rules if r.statement == statement_id)


def binding_problems(source: PolicySource, derivations: tuple[Derivation, ...], rules: tuple[StatementRule, ...]) -> list[str]:
    """Every mismatch between statements, rules and parameters."""
    problems = []
    ids = [s.id for s in source.statements]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    problems += [f"statement {i} is declared by more than one Rule" for i in duplicated]
    bound = {r.statement for r in rules}
    for rule in rules:
        if rule.statement not in ids:
            problems.append(f"rule {rule.name} names unknown statement {rule.statement}")
        for key in sorted(rule.parameters - set(source.parameters)):
            problems.append(f"rule {rule.name} uses undeclared parameter {key}")
    for derivation in derivations:
        if derivation.statement not in ids:
            problems.append(f"derivation {derivation.name} names unknown statement {derivation.statement}")
        for key in sorted(set(derivation.parameters) - set(source.parameters)):
            problems.append(f"derivation {derivation.name} uses undeclared parameter {key}")
    for statement in source.statements:
        if statement.id not in bound:
            problems.append(f"statement {statement.id} ({statement.file}:{statement.line}) has no rule")
    effects: dict[str, set[Effect]] = {}
    for rule in rules:
        effects.setdefault(rule.statement, set()).add(rule.effect)
    problems += [f"statement {s} has rules with different effects" for s, e in effects.items() if len(e) > 1]
    return problems


def used_parameters(derivations: tuple[Derivation, ...], rules: tuple[StatementRule, ...]) -> set[str]:
    used = {key for d in derivations for key in d.parameters}
    for rule in rules:
        used |= rule.parameters
        for branch in rule.branches:
            if isinstance(branch, Case):
                used |= params_of(branch.when)
    return used


def bind(policy_id: str, module: ModuleType, root: Path | None = None) -> BoundPolicy:
    """Load the module's source folder and check the binding; raise on any drift."""
    source = load_source(module.FOLDER, root)
    if source.id != policy_id:
        raise PolicyDefinitionError(f"{module.FOLDER}/policy.toml declares id {source.id}, expected {policy_id}")
    derivations = tuple(module.DERIVATIONS)
    rules = tuple(module.RULES)
    problems = binding_problems(source, derivations, rules)
    if problems:
        raise PolicyDefinitionError("policy source and rules disagree:\n- " + "\n- ".join(problems))
    module_file = Path(module.__file__ or "")
    return BoundPolicy(
        source=source,
        module=module,
        derivations=derivations,
        rules=rules,
        effects={r.statement: r.effect for r in rules},
        digest=source.digest(module_file.read_bytes()),
    )


__all__ = ["BoundPolicy", "Param", "bind", "binding_problems", "used_parameters"]
